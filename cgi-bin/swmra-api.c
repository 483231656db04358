/* swmra-api: the FastCGI responder. A supervisor process opens the unix socket, keeps N
 * worker processes accepting on it, respawns any that die (logging crashes), reloads
 * configuration on SIGHUP by replacing workers one generation at a time, and drains on
 * SIGTERM. All request logic lives in libswmra. */
#include <errno.h>
#include <fcgiapp.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "domain/session_cache.h"
#include "domain/read_marks.h"
#include "domain/internal/slots_store.h"
#include "http/fcgi.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/metrics.h"
#include "infra/runtime.h"
#include "infra/webpush.h"

#define MAX_WORKERS   256
#define DRAIN_SECONDS 10

/* Children leave with _exit() (never the supervisor's atexit handlers or stdio buffers), which
 * skips LeakSanitizer's at-exit check: sanitizer builds run it explicitly, so a worker that
 * leaks reports it (and exits non-zero) when it drains. */
#if defined(__SANITIZE_ADDRESS__)
#define HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_LSAN 1
#endif
#endif
#ifdef HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#define child_leak_check() __lsan_do_leak_check()
#else
#define child_leak_check() ((void)0)
#endif

static volatile sig_atomic_t got_term, got_hup, got_chld;
static volatile sig_atomic_t worker_stop;

struct worker {
	pid_t pid;
	time_t started;
};

static struct worker workers[MAX_WORKERS];
static int nworkers;
static pid_t bootstrap_pid;
static const char *env_file;

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}
static void on_hup(int sig)
{
	(void)sig;
	got_hup = 1;
}
static void on_chld(int sig)
{
	(void)sig;
	got_chld = 1;
}
static void on_worker_term(int sig)
{
	(void)sig;
	worker_stop = 1;
	FCGX_ShutdownPending();
}

static void set_handler(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags; /* no SA_RESTART: a blocked accept() must see EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: swmra-api [--socket PATH] [--workers N] [--socket-mode OCTAL]\n"
		   "                 [--pidfile PATH] [--env-file PATH] [--check-config]\n"
		   "Runs the SWMRA FastCGI workers. Configuration comes from the environment and\n"
		   "an optional .env file (see .env.example). Signals: TERM drains and exits,\n"
		   "HUP reloads configuration and replaces the workers.\n");
}

static void worker_main(int fd)
{
	sigset_t none;
	sigemptyset(&none);
	set_handler(SIGTERM, on_worker_term, 0);
	set_handler(SIGINT, on_worker_term, 0);
	signal(SIGHUP, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	char err[256];
	if (runtime_init("swmra-api", err, sizeof(err)) < 0) {
		log_error("worker start failed: %s", err);
		_exit(2);
	}
	int rc = fcgi_serve(fd, api_routes, api_routes_count, &worker_stop);
	runtime_shutdown();
	child_leak_check();
	_exit(rc == 0 ? 0 : 1);
}

/* Creates the indexes in a short-lived child so the supervisor never holds a database
 * client across fork(); retries until the database answers. */
static void bootstrap_main(void)
{
	signal(SIGTERM, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	char err[256];
	if (runtime_init("swmra-api", err, sizeof(err)) < 0) {
		log_error("index bootstrap: %s", err);
		_exit(2);
	}
	for (int attempt = 1;; attempt++) {
		bson_error_t berr;
		long fixed = 0;
		if (db_ensure_indexes(&berr) && slots_claims_backfill(&fixed, &berr)) {
			log_info("indexes ensured");
			if (fixed)
				log_info("seat claims given their day: %ld", fixed);
			break;
		}
		if (attempt == 1 || attempt % 30 == 0)
			log_warn("index bootstrap waiting for the database: %s", berr.message);
		sleep(2);
	}
	runtime_shutdown();
	child_leak_check();
	_exit(0);
}

static pid_t spawn(int fd, int slot)
{
	pid_t pid = fork();
	if (pid < 0) {
		log_error("fork failed: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (slot < 0)
			bootstrap_main();
		metrics_worker_slot(slot);
		worker_main(fd);
	}
	if (slot >= 0) {
		metrics_inc(METRICS_WORKER_STARTS);
		workers[slot].pid = pid;
		workers[slot].started = time(NULL);
	}
	return pid;
}

static int slot_of(pid_t pid)
{
	for (int i = 0; i < nworkers; i++)
		if (workers[i].pid == pid)
			return i;
	return -1;
}

static void reap(int fd, bool respawn)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == bootstrap_pid) {
			bootstrap_pid = 0;
			continue;
		}
		int slot = slot_of(pid);
		if (slot < 0)
			continue;
		json_object *f = json_object_new_object();
		json_object_object_add(f, "worker_pid", json_object_new_int((int)pid));
		metrics_worker_gone(slot);
		if (WIFSIGNALED(status) || WEXITSTATUS(status) != 0)
			metrics_inc(METRICS_WORKER_CRASHES);
		if (WIFSIGNALED(status)) {
			json_object_object_add(f, "signal", json_object_new_int(WTERMSIG(status)));
			log_write(LOG_ERROR, f, "worker crashed (signal %d)", WTERMSIG(status));
		} else if (WEXITSTATUS(status) != 0) {
			json_object_object_add(f, "exit_status",
					       json_object_new_int(WEXITSTATUS(status)));
			log_write(LOG_ERROR, f, "worker exited with status %d",
				  WEXITSTATUS(status));
		} else {
			log_write(LOG_INFO, f, "worker exited");
		}
		workers[slot].pid = 0;
		if (!respawn)
			continue;
		/* A worker that dies right after starting would otherwise be respawned in a
		 * tight loop (bad configuration, database URI rejected). */
		if (time(NULL) - workers[slot].started < 1)
			sleep(1);
		pid_t np = spawn(fd, slot);
		if (np > 0) {
			metrics_inc(METRICS_WORKER_RESPAWNS);
			json_object *g = json_object_new_object();
			json_object_object_add(g, "worker_pid", json_object_new_int((int)np));
			json_object_object_add(g, "replaces", json_object_new_int((int)pid));
			log_write(LOG_WARN, g, "worker respawned");
		}
	}
}

static int alive(void)
{
	int n = 0;
	for (int i = 0; i < nworkers; i++)
		n += workers[i].pid > 0;
	return n;
}

static void signal_workers(int sig)
{
	for (int i = 0; i < nworkers; i++)
		if (workers[i].pid > 0)
			kill(workers[i].pid, sig);
	if (bootstrap_pid > 0)
		kill(bootstrap_pid, sig);
}

static void drain(int fd)
{
	log_info("draining %d workers", alive());
	signal_workers(SIGTERM);
	time_t deadline = time(NULL) + DRAIN_SECONDS;
	while (alive() > 0 && time(NULL) < deadline) {
		reap(fd, false);
		if (alive() > 0)
			usleep(50 * 1000);
	}
	if (alive() > 0) {
		log_warn("killing %d workers that did not drain in %d s", alive(), DRAIN_SECONDS);
		signal_workers(SIGKILL);
		while (alive() > 0) {
			reap(fd, false);
			usleep(10 * 1000);
		}
	}
}

/* The command line of the supervisor (see usage). */
struct options {
	const char *socket_path, *pidfile;
	int nw;
	mode_t mode;
	bool check_only;
};

/* Parses the command line into *o (env_file is set directly). Returns -1 to go on, or
 * the exit status when the process is done (--help, or a bad option). */
static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {{"socket", required_argument, NULL, 's'},
					     {"workers", required_argument, NULL, 'w'},
					     {"socket-mode", required_argument, NULL, 'm'},
					     {"pidfile", required_argument, NULL, 'p'},
					     {"env-file", required_argument, NULL, 'e'},
					     {"check-config", no_argument, NULL, 'c'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int ch;
	while ((ch = getopt_long(argc, argv, "s:w:m:p:e:ch", opts, NULL)) != -1) {
		switch (ch) {
		case 's': o->socket_path = optarg; break;
		case 'w': o->nw = atoi(optarg); break;
		case 'm': o->mode = (mode_t)strtol(optarg, NULL, 8); break;
		case 'p': o->pidfile = optarg; break;
		case 'e': env_file = optarg; break;
		case 'c': o->check_only = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	return -1;
}

/* Opens the FastCGI socket with its mode and writes the pidfile (when asked). Returns the
 * listening fd, or -1 (reported) when the socket cannot be opened. */
static int open_listener(const struct options *o)
{
	FCGX_Init();
	int fd = FCGX_OpenSocket(o->socket_path, 1024);
	if (fd < 0) {
		fprintf(stderr, "swmra-api: cannot listen on %s: %s\n", o->socket_path,
			strerror(errno));
		return -1;
	}
	if (chmod(o->socket_path, o->mode) < 0)
		log_warn("chmod %s: %s", o->socket_path, strerror(errno));
	if (o->pidfile) {
		FILE *pf = fopen(o->pidfile, "w");
		if (pf) {
			fprintf(pf, "%ld\n", (long)getpid());
			fclose(pf);
		}
	}
	return fd;
}

/* The supervisor's signals stay blocked except inside sigsuspend, so a handler only ever
 * runs there and the loop sees every flag it sets; *none is the mask for sigsuspend. */
static void block_signals(sigset_t *none)
{
	sigset_t all;
	sigemptyset(&all);
	sigaddset(&all, SIGTERM);
	sigaddset(&all, SIGINT);
	sigaddset(&all, SIGHUP);
	sigaddset(&all, SIGCHLD);
	sigemptyset(none);
	sigprocmask(SIG_BLOCK, &all, NULL);
	set_handler(SIGTERM, on_term, 0);
	set_handler(SIGINT, on_term, 0);
	set_handler(SIGHUP, on_hup, 0);
	set_handler(SIGCHLD, on_chld, SA_NOCLDSTOP);
}

/* SIGHUP: reloads the configuration and replaces the workers; a configuration that does
 * not load is refused and the running one kept. */
static void reload(void)
{
	char err[512];
	if (config_load(env_file, err, sizeof(err)) < 0) {
		log_error("reload refused, keeping the running configuration: %s", err);
		return;
	}
	runtime_init_light("swmra-api");
	log_info("configuration reloaded; replacing workers");
	/* Each worker finishes its request and exits; reap() starts its
	 * replacement with the new configuration. */
	for (int i = 0; i < nworkers; i++)
		if (workers[i].pid > 0)
			kill(workers[i].pid, SIGTERM);
}

/* Starts the bootstrap and the workers on `fd`, then keeps them running (respawn,
 * reload) until SIGTERM or SIGINT. */
static void supervise(int fd, const sigset_t *none)
{
	/* Before the first fork: a change written by one worker reaches the others' session
	 * caches at their next request (domain/session_cache.h). */
	session_cache_share();
	read_marks_share(); /* and cached answers hold while no mark of theirs moved */
	bootstrap_pid = spawn(fd, -1);
	for (int i = 0; i < nworkers; i++)
		spawn(fd, i);

	while (!got_term) {
		sigsuspend(none); /* signals are only delivered here */
		if (got_chld) {
			got_chld = 0;
			reap(fd, !got_term);
		}
		if (got_hup && !got_term) {
			got_hup = 0;
			reload();
		}
	}
}

int main(int argc, char **argv)
{
	struct options o = {.mode = 0660};
	int rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	char err[512];
	config_set_checker(webpush_config_check);
	if (config_load(env_file, err, sizeof(err)) < 0) {
		fprintf(stderr, "swmra-api: configuration error: %s\n", err);
		return 2;
	}
	runtime_init_light("swmra-api");
	if (o.check_only) {
		printf("configuration ok\n");
		return 0;
	}
	const struct config *c = config_get();
	if (!o.socket_path)
		o.socket_path = c->fcgi_socket;
	nworkers = o.nw > 0 ? o.nw : c->workers;
	if (nworkers > MAX_WORKERS) {
		fprintf(stderr, "swmra-api: --workers must be at most %d\n", MAX_WORKERS);
		return 2;
	}

	/* before any fork: every worker inherits the same shared counters */
	if (metrics_setup(api_routes, api_routes_count, nworkers) < 0)
		log_warn("metrics disabled: cannot map shared memory: %s", strerror(errno));

	int fd = open_listener(&o);
	if (fd < 0)
		return 1;
	sigset_t none;
	block_signals(&none);

	json_object *f = json_object_new_object();
	json_object_object_add(f, "socket", json_object_new_string(o.socket_path));
	json_object_object_add(f, "workers", json_object_new_int(nworkers));
	log_write(LOG_INFO, f, "supervisor started");

	supervise(fd, &none);
	drain(fd);
	unlink(o.socket_path);
	if (o.pidfile)
		unlink(o.pidfile);
	log_info("supervisor stopped");
	return 0;
}
