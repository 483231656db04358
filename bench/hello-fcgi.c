/*
 * hello-fcgi: the bare libfcgi responder bench/run.sh compares swmra-api against.
 *
 * It does the least a FastCGI responder can do: accept, write a fixed JSON body, repeat.
 * Same shape as swmra-api (N single-threaded prefork workers accepting on one unix
 * socket), so the difference between the two is the cost of SWMRA's own request handling.
 *
 *   cc -O2 -o bench/hello-fcgi bench/hello-fcgi.c $(pkg-config --cflags --libs fcgi)
 *   bench/hello-fcgi SOCKET_PATH [WORKERS]
 *
 * SIGTERM/SIGINT to the parent stops every worker.
 */
#include <errno.h>
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_WORKERS 64

static const char response[] = "Status: 200 OK\r\n"
			       "Content-Type: application/json; charset=utf-8\r\n"
			       "Content-Length: 15\r\n"
			       "\r\n"
			       "{\"status\":\"ok\"}";

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void serve(int listen_fd)
{
	FCGX_Request req;

	if (FCGX_InitRequest(&req, listen_fd, 0) != 0)
		_exit(1);
	while (FCGX_Accept_r(&req) >= 0) {
		FCGX_PutStr(response, (int)sizeof(response) - 1, req.out);
		FCGX_Finish_r(&req);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	pid_t pids[MAX_WORKERS];
	struct sigaction sa;
	int fd, n, i;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s SOCKET_PATH [WORKERS]\n", argv[0]);
		return 2;
	}
	n = argc == 3 ? atoi(argv[2]) : 4;
	if (n < 1 || n > MAX_WORKERS) {
		fprintf(stderr, "hello-fcgi: WORKERS must be 1..%d\n", MAX_WORKERS);
		return 2;
	}
	if (FCGX_Init() != 0) {
		fprintf(stderr, "hello-fcgi: FCGX_Init failed\n");
		return 1;
	}
	fd = FCGX_OpenSocket(argv[1], 1024);
	if (fd < 0) {
		fprintf(stderr, "hello-fcgi: cannot listen on %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	chmod(argv[1], 0660);

	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("hello-fcgi: fork");
			return 1;
		}
		if (pids[i] == 0)
			serve(fd);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (!stop)
		pause();
	for (i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	unlink(argv[1]);
	return 0;
}
