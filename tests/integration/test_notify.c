/*  * The notify module against a real FerretDB/MongoDB (SWMRA_TEST_MONGO_URI) and, for the
 * email cases, a real SMTP server: Debian's python3-aiosmtpd writing a Maildir, which this
 * test starts and stops itself (it must, to take it down) on a free port of its own, or on
 * SWMRA_TEST_NOTIFY_SMTP_PORT when set. Those cases skip, saying so, when
 * python3-aiosmtpd is missing (SWMRA_TEST_PYTHON overrides /usr/bin/python3). The live publisher
 * (nchan) and the SMS provider are played by small in-process HTTP servers that record what they
 * get.
 *
 * Covered: notify_event stores in-app (sent, published at once to user.<id>) and queues
 * email by preferences; SMS by ENABLE_SMS and preferences; the notifications API (array,
 * newest first, unread filter, paging, 422s, unread count, read, read-all, others' ids
 * 404); ws-auth (missing, invalid, expired → 403 code 4001; valid → channel header); the
 * dispatcher delivers exactly the expected mail; SMTP down → retried later with backoff
 * and delivered once when back; two dispatcher processes racing → every mail once;
 * reminders once per booking slot, none for cancelled or moved bookings. */
#define _GNU_SOURCE /* strcasestr */
#include "itutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jwt.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "domain/auth.h"
#include "domain/internal/notify_store.h"
#include "domain/notify_inbox.h"
#include "domain/internal/users_store.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/job.h"
#include "infra/mail.h"
#include "infra/runtime.h"
#include "infra/sms.h"
#include "infra/timeutil.h"

extern char **environ;

static char workdir[128], pub_sock[160], pub_log[160], sms_log[160], maildir[160];
static pid_t pub_pid, sms_pid, smtp_pid;
static int sms_port;

/* ---------------------------------------------------------------- fake HTTP servers */

/* Serves HTTP/1.1 requests on `fd` forever: each request (headers + Content-Length body)
 * is appended to `log` followed by a "\n@@END@@\n" line; the answer is `status` with a
 * small JSON body. Runs in a forked child. */
static void serve_http(int fd, const char *log, int status)
{
	for (;;) {
		int c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		char buf[65536];
		size_t n = 0;
		long clen = -1;
		char *hend = NULL;
		while (n < sizeof(buf) - 1) {
			ssize_t r = read(c, buf + n, sizeof(buf) - 1 - n);
			if (r <= 0)
				break;
			n += (size_t)r;
			buf[n] = '\0';
			if (!hend && (hend = strstr(buf, "\r\n\r\n"))) {
				char *cl = strcasestr(buf, "\r\nContent-Length:");
				clen = cl && cl < hend ? strtol(cl + 17, NULL, 10) : 0;
			}
			if (hend && (long)(n - (size_t)(hend + 4 - buf)) >= clen)
				break;
		}
		FILE *f = fopen(log, "a");
		if (f) {
			fwrite(buf, 1, n, f);
			fputs("\n@@END@@\n", f);
			fclose(f);
		}
		const char *body = "{\"messages\":1,\"subscribers\":0,\"sid\":\"SM1\"}";
		char resp[256];
		int rl = snprintf(resp, sizeof(resp),
				  "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
				  "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
				  status, strlen(body), body);
		if (write(c, resp, (size_t)rl) < 0)
			perror("write");
		close(c);
	}
}

static pid_t start_unix_server(const char *path, const char *log, int status)
{
	unlink(path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%.100s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 64), 0);
	pid_t p = fork();
	if (p == 0) {
		serve_http(fd, log, status);
		_exit(0);
	}
	close(fd);
	return p;
}

static pid_t start_tcp_server(int *port, const char *log, int status)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t al = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &al);
	*port = ntohs(a.sin_port);
	assert_int_equal(listen(fd, 16), 0);
	pid_t p = fork();
	if (p == 0) {
		serve_http(fd, log, status);
		_exit(0);
	}
	close(fd);
	return p;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return strdup("");
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	size_t r = fread(s, 1, (size_t)n, f);
	s[r] = '\0';
	fclose(f);
	return s;
}

static int count_str(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void stop(pid_t *p)
{
	if (*p > 0) {
		kill(*p, SIGTERM);
		waitpid(*p, NULL, 0);
	}
	*p = 0;
}

/* ---------------------------------------------------------------- SMTP sink */

static int the_smtp_port; /* 0: no SMTP sink available, the SMTP cases skip */

static const char *python(void)
{
	const char *py = getenv("SWMRA_TEST_PYTHON");
	return py && *py ? py : "/usr/bin/python3";
}

/* Picks the sink's port (SWMRA_TEST_NOTIFY_SMTP_PORT, else a free one) if aiosmtpd exists. */
static void smtp_choose_port(void)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "'%s' -c 'import aiosmtpd' >/dev/null 2>&1", python());
	if (system(cmd) != 0) {
		fprintf(stderr,
			"%s has no aiosmtpd (apt-get install python3-aiosmtpd): "
			"the SMTP cases are skipped\n",
			python());
		return;
	}
	const char *p = getenv("SWMRA_TEST_NOTIFY_SMTP_PORT");
	if (p && *p) {
		the_smtp_port = atoi(p);
		return;
	}
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &al) == 0)
		the_smtp_port = ntohs(a.sin_port);
	close(fd);
}

static int smtp_port(void)
{
	return the_smtp_port;
}

static bool port_open(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bool ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static void smtp_start(void)
{
	char listen_arg[64];
	snprintf(listen_arg, sizeof(listen_arg), "127.0.0.1:%d", smtp_port());
	const char *py = python();
	char *argv[] = {(char *)py, "-m",	"aiosmtpd", "-n",
			"-l",	    listen_arg, "-c",	    "aiosmtpd.handlers.Mailbox",
			maildir,    NULL};
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	assert_int_equal(posix_spawn(&smtp_pid, py, &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	for (int i = 0; i < 100 && !port_open(smtp_port()); i++)
		usleep(50000);
	assert_true(port_open(smtp_port()));
}

/* Number of messages in the Maildir (new/ and cur/). */
static int mail_count(void)
{
	int n = 0;
	const char *subs[] = {"new", "cur"};
	for (int s = 0; s < 2; s++) {
		char p[200];
		snprintf(p, sizeof(p), "%s/%s", maildir, subs[s]);
		DIR *d = opendir(p);
		struct dirent *e;
		while (d && (e = readdir(d)))
			if (e->d_name[0] != '.')
				n++;
		if (d)
			closedir(d);
	}
	return n;
}

/* All messages concatenated, each preceded by "\n@@MAIL@@\n". Caller frees. */
static char *mail_all(void)
{
	size_t cap = 1 << 20, len = 0;
	char *all = calloc(1, cap);
	char p[200];
	snprintf(p, sizeof(p), "%s/new", maildir);
	DIR *d = opendir(p);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char fp[512];
		snprintf(fp, sizeof(fp), "%s/%s", p, e->d_name);
		char *m = slurp(fp);
		size_t ml = strlen(m);
		if (len + ml + 16 < cap) {
			memcpy(all + len, "\n@@MAIL@@\n", 10);
			len += 10;
			memcpy(all + len, m, ml);
			len += ml;
		}
		free(m);
	}
	if (d)
		closedir(d);
	return all;
}

static void mail_clear(void)
{
	char p[200];
	snprintf(p, sizeof(p), "%s/new", maildir);
	DIR *d = opendir(p);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char fp[512];
		snprintf(fp, sizeof(fp), "%s/%s", p, e->d_name);
		unlink(fp);
	}
	if (d)
		closedir(d);
}

/* ---------------------------------------------------------------- helpers */

static void make_user(const char *email, const char *phone, bson_oid_t *oid, char hex[25])
{
	itu_make_user("Asha Rao", email, phone, "x", "citizen", oid, hex);
}

static int64_t date_of(const bson_t *d, const char *k)
{
	bson_iter_t it;
	return bson_iter_init_find(&it, d, k) && BSON_ITER_HOLDS_DATE_TIME(&it)
		   ? bson_iter_date_time(&it)
		   : -1;
}

static void event(const bson_oid_t *uid, const char *ev, const char *rid, const char *cat)
{
	json_object *d = json_object_new_object();
	if (rid)
		json_object_object_add(d, "request_id", json_object_new_string(rid));
	if (cat)
		json_object_object_add(d, "category", json_object_new_string(cat));
	bson_error_t err;
	assert_true(notify_event(uid, ev, d, &err));
	json_object_put(d);
}

/* Runs `n` copies of a cron job binary at once with --once; returns when all exited. */
static bool run_jobs_parallel(const char *name, int n)
{
	char path[256];
	const char *b = getenv("SWMRA_BUILD");
	snprintf(path, sizeof(path), "%s%scron/swmra-job-%s", b ? b : "", b ? "/" : "", name);
	if (access(path, X_OK) != 0)
		return false;
	pid_t pids[8];
	for (int i = 0; i < n; i++) {
		char *argv[] = {path, "--once", "--env-file", "", NULL};
		posix_spawn_file_actions_t fa;
		posix_spawn_file_actions_init(&fa);
		char logp[256];
		snprintf(logp, sizeof(logp), "%s/job-%s-%d.log", workdir, name, i);
		posix_spawn_file_actions_addopen(&fa, 2, logp, O_WRONLY | O_CREAT | O_APPEND, 0644);
		assert_int_equal(posix_spawn(&pids[i], path, &fa, NULL, argv, environ), 0);
		posix_spawn_file_actions_destroy(&fa);
	}
	for (int i = 0; i < n; i++) {
		int st;
		waitpid(pids[i], &st, 0);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	for (int i = 0; i < n; i++) { /* how the work was shared, for the test log */
		char logp[256];
		snprintf(logp, sizeof(logp), "%s/job-%s-%d.log", workdir, name, i);
		char *l = slurp(logp);
		fprintf(stderr, "# %s process %d: %d sent, %d reminded, summary %s\n", name, i,
			count_str(l, "\"action\":\"sent\""),
			count_str(l, "\"action\":\"reminded\""),
			strstr(l, "\"msg\":\"summary\"") ? "yes" : "MISSING");
		assert_non_null(strstr(l, "\"msg\":\"summary\""));
		free(l);
		unlink(logp);
	}
	return true;
}

/* ---------------------------------------------------------------- setup */

static int setup(void **state)
{
	(void)state;
	snprintf(workdir, sizeof(workdir), "/tmp/swmra-notify-it-%ld", (long)getpid());
	mkdir(workdir, 0700);
	snprintf(pub_sock, sizeof(pub_sock), "%s/pub.sock", workdir);
	snprintf(pub_log, sizeof(pub_log), "%s/pub.log", workdir);
	snprintf(sms_log, sizeof(sms_log), "%s/sms.log", workdir);
	snprintf(maildir, sizeof(maildir), "%s/mail", workdir);
	itu_db_env("notify");
	setenv("NCHAN_PUB_SOCKET", pub_sock, 1);
	setenv("SERVICE_TZ", "Asia/Kolkata", 1);
	setenv("EMAIL_FROM", "SWMRA <no-reply@swmra.test>", 1);
	setenv("SMTP_HOST", "127.0.0.1", 1);
	setenv("SMTP_TIMEOUT_SEC", "3", 1);
	itu_cheap_argon2("8");
	smtp_choose_port();
	char port[16];
	snprintf(port, sizeof(port), "%d", smtp_port() ? smtp_port() : 1);
	setenv("SMTP_PORT", port, 1);
	pub_pid = start_unix_server(pub_sock, pub_log, 201);
	sms_pid = start_tcp_server(&sms_port, sms_log, 201);
	if (itu_start("test_notify") < 0)
		return -1;
	return itu_ensure_indexes();
}

static int teardown(void **state)
{
	(void)state;
	itu_drop();
	stop(&pub_pid);
	stop(&sms_pid);
	stop(&smtp_pid);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", workdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", workdir);
	return 0;
}

/* ---------------------------------------------------------------- tests */

/* Collects the inbox's notifications in their wire shape (the api layer's builder). */
static void add_json(void *ctx, const struct notification *n)
{
	json_object_array_add(ctx, api_notification_json(n));
}

/* The inbox page of `q` as a new JSON array. */
static json_object *inbox_json(const struct notify_inbox_query *q)
{
	json_object *items = json_object_new_array();
	struct derr err;
	assert_int_equal(notify_inbox_list(q, add_json, items, &err), NOTIFY_INBOX_OK);
	return items;
}

static void event_stores_inapp_publishes_and_queues_email(void **state)
{
	(void)state;
	bson_oid_t uid;
	char hex[25];
	make_user("asha@example.com", "+91 98765 43210", &uid, hex);
	unlink(pub_log);
	event(&uid, "submitted", "65a1b2c3d4e5f60718293a4b", "e-waste");

	bson_t *in = itu_find_one(
	    "notifications", BCON_NEW("user_id", BCON_OID(&uid), "channel", BCON_UTF8("inapp")));
	assert_non_null(in);
	assert_string_equal(itu_str_of(in, "status"), "sent");
	assert_string_equal(itu_str_of(in, "event"), "submitted");
	assert_string_equal(itu_str_of(in, "title"), "Pickup request submitted");
	assert_true(date_of(in, "sent_at") > 0);
	bson_iter_t it;
	assert_true(bson_iter_init_find(&it, in, "read") && !bson_iter_bool(&it));
	bson_destroy(in);

	bson_t *em = itu_find_one(
	    "notifications", BCON_NEW("user_id", BCON_OID(&uid), "channel", BCON_UTF8("email")));
	assert_non_null(em);
	assert_string_equal(itu_str_of(em, "status"), "queued");
	assert_string_equal(itu_str_of(em, "to"), "asha@example.com");
	assert_non_null(strstr(itu_str_of(em, "html"), "<html lang=\"en\">"));
	assert_int_equal(itu_int_of(em, "attempts"), 0);
	/* the email greets the account's name (users_get_contact_named) */
	assert_true(strncmp(itu_str_of(em, "body"), "Hello Asha Rao,\r\n", 17) == 0);
	assert_non_null(strstr(itu_str_of(em, "html"), "<p>Hello Asha Rao,</p>"));
	bson_destroy(em);
	/* SMS: not for "submitted", and ENABLE_SMS is off */
	assert_int_equal(itu_count("notifications", BCON_NEW("channel", BCON_UTF8("sms"))), 0);

	/* published at once to the user's channel through the unix socket */
	char *log = slurp(pub_log);
	char line[80];
	snprintf(line, sizeof(line), "POST /pub/user.%s HTTP/1.1\r\n", hex);
	assert_non_null(strstr(log, line));
	assert_non_null(strstr(log, "Content-Type: application/json"));
	assert_null(strcasestr(log, "Expect:"));
	assert_non_null(strstr(log, "\"title\":\"Pickup request submitted\""));
	assert_non_null(strstr(log, "\"channel\":\"inapp\""));
	/* byte for byte the object the list answers with: one builder (notify_live_shape) */
	json_object *items = inbox_json(&(struct notify_inbox_query){.user_id = hex, .limit = 1});
	assert_int_equal(json_object_array_length(items), 1);
	const char *listed = json_object_to_json_string_ext(json_object_array_get_idx(items, 0),
							    JSON_C_TO_STRING_PLAIN);
	assert_non_null(strstr(listed, "\"meta\":{\"request_id\":\"65a1b2c3d4e5f60718293a4b\""));
	assert_non_null(strstr(log, listed));
	json_object_put(items);
	free(log);

	/* a stage event is in-app only */
	event(&uid, "enroute", NULL, NULL);
	assert_int_equal(itu_count("notifications", BCON_NEW("user_id", BCON_OID(&uid))), 3);

	/* preferences: email off → no email */
	struct user_patch p = {.set_pref_email = true, .pref_email = false};
	bson_error_t err;
	struct derr de;
	struct oid id = itu_oid(&uid);
	assert_int_equal(users_update(&id, &p, &de), USERS_OK);
	event(&uid, "cancelled", NULL, NULL);
	assert_int_equal(itu_count("notifications", BCON_NEW("user_id", BCON_OID(&uid), "channel",
							     BCON_UTF8("email"))),
			 1);
	/* the publisher being down does not fail the event */
	setenv("NCHAN_PUB_SOCKET", "/nonexistent/pub.sock", 1);
	itu_reload_config();
	event(&uid, "collected", NULL, NULL);
	setenv("NCHAN_PUB_SOCKET", pub_sock, 1);
	itu_reload_config();
	/* unknown events are refused without touching the store */
	assert_int_equal(itu_count("notifications", BCON_NEW("event", BCON_UTF8("exploded"))), 0);
	mongoc_collection_delete_many(db_coll("notifications"), &(bson_t)BSON_INITIALIZER, NULL,
				      NULL, &err);
}

static void sms_when_enabled(void **state)
{
	(void)state;
	bson_oid_t uid;
	char hex[25];
	make_user("ravi@example.com", "+91 90000 00001", &uid, hex);
	struct user_patch p = {.set_pref_sms = true, .pref_sms = true};
	bson_error_t err;
	struct derr de;
	struct oid id = itu_oid(&uid);
	assert_int_equal(users_update(&id, &p, &de), USERS_OK);
	event(&uid, "reminder", NULL, "recyclable"); /* ENABLE_SMS=false: none */
	assert_int_equal(itu_count("notifications", BCON_NEW("channel", BCON_UTF8("sms"))), 0);

	char base[64];
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", sms_port);
	setenv("ENABLE_SMS", "true", 1);
	setenv("SMS_BASE_URL", base, 1);
	setenv("SMS_ACCOUNT_SID", "AC123", 1);
	setenv("SMS_AUTH_TOKEN", "tok", 1);
	setenv("SMS_FROM", "+15005550006", 1);
	itu_reload_config();
	event(&uid, "reminder", NULL, "recyclable");
	event(&uid, "submitted", NULL, NULL); /* no SMS for this event */
	assert_int_equal(itu_count("notifications", BCON_NEW("channel", BCON_UTF8("sms"))), 1);
	/* send it through the dispatcher: the provider gets the form post with basic auth */
	bson_t *email_q = BCON_NEW("channel", BCON_UTF8("email"));
	mongoc_collection_delete_many(db_coll("notifications"), email_q, NULL, NULL, &err);
	bson_destroy(email_q);
	unlink(sms_log);
	assert_int_equal(itu_dispatch_once(), 1);
	char *log = slurp(sms_log);
	assert_non_null(strstr(log, "POST /2010-04-01/Accounts/AC123/Messages.json HTTP/1.1"));
	assert_non_null(strstr(log, "Authorization: Basic QUMxMjM6dG9r")); /* AC123:tok */
	assert_non_null(
	    strstr(log, "To=%2B91%2090000%2000001&From=%2B15005550006&Body=SWMRA%3A%20Reminder"));
	free(log);
	bson_t *s = itu_find_one("notifications", BCON_NEW("channel", BCON_UTF8("sms")));
	assert_string_equal(itu_str_of(s, "status"), "sent");
	bson_destroy(s);
	setenv("ENABLE_SMS", "false", 1);
	itu_reload_config();
	mongoc_collection_delete_many(db_coll("notifications"), &(bson_t)BSON_INITIALIZER, NULL,
				      NULL, &err);
}

static void api_list_read_and_counts(void **state)
{
	(void)state;
	bson_oid_t uid, other;
	char hex[25], ohex[25];
	make_user("meera@example.com", "+91 90000 00002", &uid, hex);
	make_user("other@example.com", "+91 90000 00003", &other, ohex);
	const char *evs[] = {"submitted", "scheduled", "enroute", "onsite", "collected"};
	for (int i = 0; i < 5; i++)
		event(&uid, evs[i], NULL, "recyclable");
	event(&other, "submitted", NULL, NULL);
	char *auth = itu_bearer(hex);
	struct call c;

	call_begin(&c, "GET", "/api/notifications", NULL, NULL);
	assert_int_equal(call_run(&c, api_routes, api_routes_count), 401);
	call_end(&c);

	call_begin(&c, "GET", "/api/notifications", "", NULL);
	c.req.authorization = auth;
	assert_int_equal(call_run(&c, api_routes, api_routes_count), 200);
	assert_true(json_object_is_type(c.json, json_type_array));
	assert_int_equal(json_object_array_length(c.json), 5); /* in-app only, own only */
	json_object *first = json_object_array_get_idx(c.json, 0);
	assert_string_equal(jsonx_str(first, "event"), "collected"); /* newest first */
	assert_string_equal(jsonx_str(first, "user_id"), hex);
	assert_string_equal(jsonx_str(first, "channel"), "inapp");
	assert_string_equal(jsonx_str(first, "status"), "sent");
	const char *keys[] = {"id",   "user_id", "channel", "event",	  "title",  "body",
			      "meta", "status",	 "read",    "created_at", "sent_at"};
	for (int i = 0; i < 11; i++)
		assert_true(json_object_object_get_ex(first, keys[i], NULL));
	assert_int_equal(json_object_object_length(first), 11);
	char third[25];
	snprintf(third, sizeof(third), "%s", jsonx_str(json_object_array_get_idx(c.json, 2), "id"));
	char first_id[25];
	snprintf(first_id, sizeof(first_id), "%s", jsonx_str(first, "id"));
	call_end(&c);

	char q[128];
	snprintf(q, sizeof(q), "limit=2&before=%s", third);
	call_begin(&c, "GET", "/api/notifications", q, NULL);
	c.req.authorization = auth;
	assert_int_equal(call_run(&c, api_routes, api_routes_count), 200);
	assert_int_equal(json_object_array_length(c.json), 2);
	assert_string_equal(jsonx_str(json_object_array_get_idx(c.json, 0), "event"), "scheduled");
	assert_string_equal(jsonx_str(json_object_array_get_idx(c.json, 1), "event"), "submitted");
	call_end(&c);

	const char *bad[] = {"limit=0", "limit=101", "before=zzz", "unread=maybe", "limit=x"};
	for (int i = 0; i < 5; i++) {
		call_begin(&c, "GET", "/api/notifications", bad[i], NULL);
		c.req.authorization = auth;
		assert_int_equal(call_run(&c, api_routes, api_routes_count), 422);
		call_end(&c);
	}

	call_begin(&c, "GET", "/api/notifications/unread-count", NULL, NULL);
	c.req.authorization = auth;
	assert_int_equal(call_run(&c, api_routes, api_routes_count), 200);
	assert_int_equal(json_object_get_int(json_object_object_get(c.json, "unread")), 5);
	call_end(&c);

	char path[128];
	snprintf(path, sizeof(path), "/api/notifications/%s/read", first_id);
	call_begin(&c, "POST", path, NULL, NULL);
	c.req.authorization = auth;
	assert_int_equal(call_run(&c, api_routes, api_routes_count), 200);
	assert_true(json_object_get_boolean(json_object_object_get(c.json, "read")));
	call_end(&c);

	/* someone else's notification, a malformed id, an unknown one: 404 */
	bson_t *theirs = itu_find_one("notifications", BCON_NEW("user_id", BCON_OID(&other)));
	bson_iter_t it;
	bson_iter_init_find(&it, theirs, "_id");
	char theirs_hex[25];
	bson_oid_to_string(bson_iter_oid(&it), theirs_hex);
	bson_destroy(theirs);
	const char *ids[] = {theirs_hex, "nope", "65a1b2c3d4e5f60718293a4b"};
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "/api/notifications/%s/read", ids[i]);
		call_begin(&c, "POST", path, NULL, NULL);
		c.req.authorization = auth;
		assert_int_equal(call_run(&c, api_routes, api_routes_count), 404);
		call_end(&c);
	}

	call_begin(&c, "GET", "/api/notifications", "unread=true", NULL);
	c.req.authorization = auth;
	assert_int_equal(call_run(&c, api_routes, api_routes_count), 200);
	assert_int_equal(json_object_array_length(c.json), 4);
	call_end(&c);

	call_begin(&c, "POST", "/api/notifications/read-all", NULL, NULL);
	c.req.authorization = auth;
	assert_int_equal(call_run(&c, api_routes, api_routes_count), 200);
	assert_int_equal(json_object_get_int(json_object_object_get(c.json, "updated")), 4);
	call_end(&c);

	call_begin(&c, "GET", "/api/notifications/unread-count", NULL, NULL);
	c.req.authorization = auth;
	assert_int_equal(call_run(&c, api_routes, api_routes_count), 200);
	assert_int_equal(json_object_get_int(json_object_object_get(c.json, "unread")), 0);
	call_end(&c);
	/* the other user's stays unread */
	assert_int_equal(
	    itu_count("notifications", BCON_NEW("user_id", BCON_OID(&other), "channel",
						BCON_UTF8("inapp"), "read", BCON_BOOL(false))),
	    1);
	free(auth);
	bson_error_t err;
	mongoc_collection_delete_many(db_coll("notifications"), &(bson_t)BSON_INITIALIZER, NULL,
				      NULL, &err);
}

static char *forge_token(const char *sub, int64_t iat, int64_t exp, const char *secret)
{
	jwt_t *j;
	jwt_new(&j);
	jwt_add_grant(j, "sub", sub);
	jwt_add_grant(j, "role", "citizen");
	jwt_add_grant(j, "jti", "0123456789abcdef0123456789abcdef");
	jwt_add_grant(j, "iss", config_get()->jwt_issuer);
	jwt_add_grant_int(j, "iat", (long)iat);
	jwt_add_grant_int(j, "exp", (long)exp);
	jwt_set_alg(j, JWT_ALG_HS256, (const unsigned char *)secret, (int)strlen(secret));
	char *t = jwt_encode_str(j);
	jwt_free(j);
	return t;
}

static void ws_auth(void **state)
{
	(void)state;
	bson_oid_t uid;
	char hex[25];
	make_user("ws@example.com", "+91 90000 00004", &uid, hex);
	struct {
		const char *token;
		const char *code;
	} cases[4];
	int64_t now = (int64_t)time(NULL);
	char *expired = forge_token(hex, now - 7200, now - 3600, config_get()->jwt_secret);
	char *forged = forge_token(hex, now, now + 3600, "not-the-secret-not-the-secret-000");
	cases[0].token = NULL, cases[0].code = "token_missing";
	cases[1].token = "garbage.garbage.garbage", cases[1].code = "token_invalid";
	cases[2].token = expired, cases[2].code = "token_expired";
	cases[3].token = forged, cases[3].code = "token_invalid";
	for (int i = 0; i < 4; i++) {
		struct call c;
		call_begin(&c, "GET", "/api/internal/ws-auth", NULL, NULL);
		call_param(&c, "HTTP_X_SWMRA_TOKEN", cases[i].token);
		assert_int_equal(call_run(&c, api_routes, api_routes_count), 403);
		assert_string_equal(http_response_header(&c.res, "X-Swmra-Auth-Error"),
				    cases[i].code);
		assert_int_equal(json_object_get_int(json_object_object_get(c.json, "code")), 4001);
		assert_true(strlen(call_detail(&c)) > 0);
		assert_null(http_response_header(&c.res, "X-Swmra-Channel"));
		call_end(&c);
	}
	free(expired);
	free(forged);
	char *t = auth_issue_token(hex, "citizen", NULL);
	struct call c;
	call_begin(&c, "GET", "/api/internal/ws-auth", NULL, NULL);
	call_param(&c, "HTTP_X_SWMRA_TOKEN", t);
	assert_int_equal(call_run(&c, api_routes, api_routes_count), 200);
	char chan[40];
	snprintf(chan, sizeof(chan), "user.%s", hex);
	assert_string_equal(http_response_header(&c.res, "X-Swmra-Channel"), chan);
	call_end(&c);
	/* a revoked token is refused */
	struct auth_claims cl;
	assert_true(auth_verify_token(t, &cl, NULL));
	struct derr err;
	struct oid id = itu_oid(&uid);
	assert_true(auth_revoke(cl.jti, hex, cl.exp, &err));
	call_begin(&c, "GET", "/api/internal/ws-auth", NULL, NULL);
	call_param(&c, "HTTP_X_SWMRA_TOKEN", t);
	assert_int_equal(call_run(&c, api_routes, api_routes_count), 403);
	assert_string_equal(http_response_header(&c.res, "X-Swmra-Auth-Error"), "token_invalid");
	call_end(&c);
	free(t);

	/* The same session checks as the auth guard: a token older than a password change
	 * (but not the session that changed it), and any token of a disabled account. */
	char *old_tok = auth_issue_token(hex, "citizen", NULL);
	char *keep_tok = auth_issue_token(hex, "citizen", NULL);
	struct auth_claims kc;
	assert_true(auth_verify_token(keep_tok, &kc, NULL));
	struct user_patch pw = {.password_hash = "$argon2id$unused",
				.tokens_valid_after = (int64_t)time(NULL) + 1,
				.keep_jti = kc.jti};
	assert_int_equal(users_update(&id, &pw, &err), USERS_OK);
	const char *want[] = {"token_invalid", NULL};
	char *toks[] = {old_tok, keep_tok};
	for (int i = 0; i < 2; i++) {
		call_begin(&c, "GET", "/api/internal/ws-auth", NULL, NULL);
		call_param(&c, "HTTP_X_SWMRA_TOKEN", toks[i]);
		assert_int_equal(call_run(&c, api_routes, api_routes_count), want[i] ? 403 : 200);
		if (want[i])
			assert_string_equal(http_response_header(&c.res, "X-Swmra-Auth-Error"),
					    want[i]);
		call_end(&c);
	}
	struct user_patch off = {.set_disabled = true, .disabled = true};
	assert_int_equal(users_update(&id, &off, &err), USERS_OK);
	call_begin(&c, "GET", "/api/internal/ws-auth", NULL, NULL);
	call_param(&c, "HTTP_X_SWMRA_TOKEN", keep_tok);
	assert_int_equal(call_run(&c, api_routes, api_routes_count), 403);
	assert_string_equal(http_response_header(&c.res, "X-Swmra-Auth-Error"), "token_invalid");
	call_end(&c);
	free(old_tok);
	free(keep_tok);
}

static void smtp_delivers_expected_mail(void **state)
{
	(void)state;
	if (!smtp_port())
		skip(); /* no python3-aiosmtpd */
	bson_error_t err;
	mongoc_collection_delete_many(db_coll("notifications"), &(bson_t)BSON_INITIALIZER, NULL,
				      NULL, &err);
	smtp_start();
	bson_oid_t uid;
	char hex[25];
	make_user("mail1@example.com", "+91 90000 00005", &uid, hex);
	json_object *d = json_object_new_object();
	json_object_object_add(d, "request_id", json_object_new_string("65a1b2c3d4e5f60718293a4b"));
	json_object_object_add(d, "category", json_object_new_string("e-waste"));
	json_object_object_add(d, "points", json_object_new_int(10));
	assert_true(notify_event(&uid, "completed", d, &err));
	json_object_put(d);
	bson_t *em = itu_find_one("notifications", BCON_NEW("channel", BCON_UTF8("email")));
	bson_iter_t it;
	bson_iter_init_find(&it, em, "_id");
	char nid[25];
	bson_oid_to_string(bson_iter_oid(&it), nid);
	bson_destroy(em);

	assert_int_equal(itu_dispatch_once(), 1);
	assert_int_equal(mail_count(), 1);
	char *all = mail_all();
	char mid[80];
	snprintf(mid, sizeof(mid), "Message-ID: <%s@swmra.test>", nid);
	assert_non_null(strstr(all, mid));
	assert_non_null(strstr(all, "From: SWMRA <no-reply@swmra.test>"));
	assert_non_null(strstr(all, "To: mail1@example.com"));
	assert_non_null(strstr(all, "Subject: Pickup completed"));
	assert_non_null(strstr(all, "\nDate: "));
	assert_non_null(strstr(all, "MIME-Version: 1.0"));
	assert_non_null(strstr(all, "Content-Type: multipart/alternative;"));
	assert_non_null(strstr(all, "X-MailFrom: no-reply@swmra.test"));
	assert_non_null(strstr(all, "X-RcptTo: mail1@example.com"));
	assert_non_null(strstr(all, "You earned 10 points."));
	assert_non_null(strstr(all, "Content-Type: text/html; charset=UTF-8"));
	free(all);
	em = itu_find_one("notifications", BCON_NEW("channel", BCON_UTF8("email")));
	assert_string_equal(itu_str_of(em, "status"), "sent");
	assert_int_equal(itu_int_of(em, "attempts"), 1);
	assert_true(date_of(em, "sent_at") > 0);
	bson_destroy(em);
	/* nothing left: a second run sends nothing */
	assert_int_equal(itu_dispatch_once(), 0);
	assert_int_equal(mail_count(), 1);
	mail_clear();
}

static void smtp_down_retries_then_delivers_once(void **state)
{
	(void)state;
	if (!smtp_port())
		skip();
	bson_error_t err;
	mongoc_collection_delete_many(db_coll("notifications"), &(bson_t)BSON_INITIALIZER, NULL,
				      NULL, &err);
	stop(&smtp_pid);
	mail_clear();
	bson_oid_t uid;
	char hex[25];
	make_user("mail2@example.com", "+91 90000 00006", &uid, hex);
	event(&uid, "scheduled", NULL, "recyclable");

	int64_t before = time_now_ms();
	struct job_ctx ctx = {.name = "dispatch"};
	assert_int_equal(notify_dispatch_run(&ctx), 0);
	assert_int_equal(ctx.failures, 1);
	bson_t *em = itu_find_one("notifications", BCON_NEW("channel", BCON_UTF8("email")));
	assert_string_equal(itu_str_of(em, "status"), "queued");
	assert_int_equal(itu_int_of(em, "attempts"), 1);
	int64_t next = date_of(em, "next_attempt_at");
	assert_true(next >= before + 60000 - 1000 && next <= time_now_ms() + 60000 + 1000);
	assert_non_null(itu_str_of(em, "last_error"));
	bson_iter_t it;
	bson_iter_init_find(&it, em, "_id");
	bson_oid_t nid;
	bson_oid_copy(bson_iter_oid(&it), &nid);
	bson_destroy(em);

	/* back up, but not due yet: nothing is sent early */
	smtp_start();
	assert_int_equal(itu_dispatch_once(), 0);
	assert_int_equal(mail_count(), 0);
	/* time passes (the backoff is moved into the past) → delivered, once */
	bson_t *q = BCON_NEW("_id", BCON_OID(&nid));
	bson_t *u =
	    BCON_NEW("$set", "{", "next_attempt_at", BCON_DATE_TIME(time_now_ms() - 1), "}");
	assert_true(mongoc_collection_update_one(db_coll("notifications"), q, u, NULL, NULL, &err));
	bson_destroy(q);
	bson_destroy(u);
	assert_int_equal(itu_dispatch_once(), 1);
	assert_int_equal(itu_dispatch_once(), 0);
	assert_int_equal(mail_count(), 1);
	em = itu_find_one("notifications", BCON_NEW("_id", BCON_OID(&nid)));
	assert_string_equal(itu_str_of(em, "status"), "sent");
	assert_int_equal(itu_int_of(em, "attempts"), 2);
	bson_destroy(em);
	assert_int_equal(itu_count("send_attempts", BCON_NEW("notification_id", BCON_OID(&nid))),
			 2);

	/* a permanently failing message gives up after NOTIFY_MAX_ATTEMPTS */
	stop(&smtp_pid);
	event(&uid, "cancelled", NULL, NULL);
	for (int i = 0; i < NOTIFY_MAX_ATTEMPTS; i++) {
		bson_t *qq = BCON_NEW("status", BCON_UTF8("queued"));
		bson_t *uu = BCON_NEW("$set", "{", "next_attempt_at",
				      BCON_DATE_TIME(time_now_ms() - 1), "}");
		mongoc_collection_update_many(db_coll("notifications"), qq, uu, NULL, NULL, &err);
		bson_destroy(qq);
		bson_destroy(uu);
		struct job_ctx c2 = {.name = "dispatch"};
		notify_dispatch_run(&c2);
	}
	em = itu_find_one("notifications",
			  BCON_NEW("event", BCON_UTF8("cancelled"), "channel", BCON_UTF8("email")));
	assert_string_equal(itu_str_of(em, "status"), "failed");
	assert_int_equal(itu_int_of(em, "attempts"), NOTIFY_MAX_ATTEMPTS);
	assert_non_null(strstr(itu_str_of(em, "last_error"), "smtp"));
	bson_destroy(em);
	smtp_start();
	mail_clear();
}

static void racing_dispatchers_send_each_once(void **state)
{
	(void)state;
	if (!smtp_port())
		skip();
	bson_error_t err;
	mongoc_collection_delete_many(db_coll("notifications"), &(bson_t)BSON_INITIALIZER, NULL,
				      NULL, &err);
	if (!smtp_pid)
		smtp_start();
	mail_clear();
	bson_oid_t uid;
	char hex[25];
	make_user("race@example.com", "+91 90000 00007", &uid, hex);
	for (int i = 0; i < 30; i++)
		event(&uid, "submitted", NULL, NULL);
	setenv("DISPATCH_BATCH", "7", 1); /* several batches per process */
	if (!run_jobs_parallel("dispatch", 3)) {
		unsetenv("DISPATCH_BATCH");
		skip(); /* the job binary is not built next to the test */
	}
	unsetenv("DISPATCH_BATCH");
	assert_int_equal(mail_count(), 30);
	char *all = mail_all();
	assert_int_equal(count_str(all, "\nMessage-ID: <"), 30);
	/* every notification's Message-ID exactly once */
	bson_t *email_q = BCON_NEW("channel", BCON_UTF8("email"));
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("notifications"), email_q, NULL, NULL);
	bson_destroy(email_q); /* the cursor keeps its own copy of the filter */
	const bson_t *d;
	int n = 0;
	while (mongoc_cursor_next(cur, &d)) {
		bson_iter_t it;
		bson_iter_init_find(&it, d, "_id");
		char id[25], mid[64];
		bson_oid_to_string(bson_iter_oid(&it), id);
		snprintf(mid, sizeof(mid), "Message-ID: <%s@", id);
		assert_int_equal(count_str(all, mid), 1);
		assert_string_equal(itu_str_of(d, "status"), "sent");
		assert_int_equal(itu_int_of(d, "attempts"), 1);
		n++;
	}
	mongoc_cursor_destroy(cur);
	assert_int_equal(n, 30);
	free(all);
	assert_int_equal(itu_count("send_attempts", BCON_NEW("attempt", BCON_INT32(1))) >= 30, 1);
	mail_clear();
}

static void abandoned_claim_is_written_off(void **state)
{
	(void)state;
	if (!smtp_port())
		skip();
	bson_error_t err;
	mongoc_collection_delete_many(db_coll("notifications"), &(bson_t)BSON_INITIALIZER, NULL,
				      NULL, &err);
	if (!smtp_pid)
		smtp_start();
	mail_clear();
	bson_oid_t uid;
	char hex[25];
	make_user("crash@example.com", NULL, &uid, hex);
	event(&uid, "submitted", NULL, NULL);
	bson_t *em = itu_find_one("notifications", BCON_NEW("channel", BCON_UTF8("email")));
	bson_iter_t it;
	bson_iter_init_find(&it, em, "_id");
	bson_oid_t nid;
	bson_oid_copy(bson_iter_oid(&it), &nid);
	char key[48], id[25];
	bson_oid_to_string(&nid, id);
	bson_destroy(em);
	snprintf(key, sizeof(key), "%s:1", id);
	/* a dispatcher claimed attempt 1 just now and is still sending: leave it alone */
	bson_t *claim =
	    BCON_NEW("_id", BCON_UTF8(key), "notification_id", BCON_OID(&nid), "attempt",
		     BCON_INT32(1), "claimed_at", BCON_DATE_TIME(time_now_ms()));
	assert_true(
	    mongoc_collection_insert_one(db_coll("send_attempts"), claim, NULL, NULL, &err));
	bson_destroy(claim);
	assert_int_equal(itu_dispatch_once(), 0);
	assert_int_equal(mail_count(), 0);
	em = itu_find_one("notifications", BCON_NEW("_id", BCON_OID(&nid)));
	assert_int_equal(itu_int_of(em, "attempts"), 0);
	bson_destroy(em);
	/* ... it died 20 minutes ago: the attempt is written off, the next one goes later */
	bson_t *q = BCON_NEW("_id", BCON_UTF8(key));
	bson_t *u = BCON_NEW("$set", "{", "claimed_at",
			     BCON_DATE_TIME(time_now_ms() - 20 * 60 * 1000), "}");
	assert_true(mongoc_collection_update_one(db_coll("send_attempts"), q, u, NULL, NULL, &err));
	bson_destroy(q);
	bson_destroy(u);
	struct job_ctx ctx = {.name = "dispatch"};
	assert_int_equal(notify_dispatch_run(&ctx), 0);
	assert_int_equal(mail_count(), 0);
	em = itu_find_one("notifications", BCON_NEW("_id", BCON_OID(&nid)));
	assert_int_equal(itu_int_of(em, "attempts"), 1);
	assert_string_equal(itu_str_of(em, "status"), "queued");
	assert_true(date_of(em, "next_attempt_at") > time_now_ms());
	bson_destroy(em);
	q = BCON_NEW("_id", BCON_OID(&nid));
	u = BCON_NEW("$set", "{", "next_attempt_at", BCON_DATE_TIME(time_now_ms() - 1), "}");
	assert_true(mongoc_collection_update_one(db_coll("notifications"), q, u, NULL, NULL, &err));
	bson_destroy(q);
	bson_destroy(u);
	assert_int_equal(itu_dispatch_once(), 1);
	assert_int_equal(mail_count(), 1);
	em = itu_find_one("notifications", BCON_NEW("_id", BCON_OID(&nid)));
	assert_string_equal(itu_str_of(em, "status"), "sent");
	assert_int_equal(itu_int_of(em, "attempts"), 2);
	bson_destroy(em);
	mail_clear();
}

static void add_request(bson_oid_t *rid, const bson_oid_t *uid, const char *status, int64_t start)
{
	bson_oid_init(rid, NULL);
	bson_t *d =
	    BCON_NEW("_id", BCON_OID(rid), "user_id", BCON_OID(uid), "category",
		     BCON_UTF8("recyclable"), "status", BCON_UTF8(status), "assigned_slot", "{",
		     "start", BCON_DATE_TIME(start), "end", BCON_DATE_TIME(start + 2 * 3600 * 1000),
		     "}", "created_at", BCON_DATE_TIME(time_now_ms()));
	bson_error_t err;
	assert_true(mongoc_collection_insert_one(db_coll("pickup_requests"), d, NULL, NULL, &err));
	bson_destroy(d);
}

static int64_t reminders_for(const bson_oid_t *uid)
{
	return itu_count("notifications",
			 BCON_NEW("user_id", BCON_OID(uid), "event", BCON_UTF8("reminder"),
				  "channel", BCON_UTF8("inapp")));
}

static void reminders_once_none_for_cancelled_or_moved(void **state)
{
	(void)state;
	bson_error_t err;
	bson_oid_t ua, ub, uc, ud, ue, ra, rb, rc, rd, re;
	char h[25];
	make_user("rem-a@example.com", NULL, &ua, h);
	make_user("rem-b@example.com", NULL, &ub, h);
	make_user("rem-c@example.com", NULL, &uc, h);
	make_user("rem-d@example.com", NULL, &ud, h);
	make_user("rem-e@example.com", NULL, &ue, h);
	int64_t now = time_now_ms(), hour = 3600 * 1000;
	add_request(&ra, &ua, "scheduled", now + 2 * hour);  /* due */
	add_request(&rb, &ub, "scheduled", now + 30 * hour); /* later */
	add_request(&rc, &uc, "cancelled", now + 3 * hour);  /* cancelled */
	add_request(&rd, &ud, "scheduled", now + 5 * hour);  /* due, then moved */
	add_request(&re, &ue, "scheduled", now - 1 * hour);  /* already started */

	struct job_ctx ctx = {.name = "reminders"};
	assert_int_equal(notify_reminders_run(&ctx), 0);
	assert_int_equal(ctx.failures, 0);
	assert_int_equal(reminders_for(&ua), 1);
	assert_int_equal(reminders_for(&ub), 0);
	assert_int_equal(reminders_for(&uc), 0);
	assert_int_equal(reminders_for(&ud), 1);
	assert_int_equal(reminders_for(&ue), 0);
	/* the reminder carries the slot and goes by email too */
	bson_t *n = itu_find_one("notifications",
				 BCON_NEW("user_id", BCON_OID(&ua), "event", BCON_UTF8("reminder"),
					  "channel", BCON_UTF8("email")));
	assert_non_null(n);
	bson_iter_t it, sub;
	assert_true(bson_iter_init(&it, n) &&
		    bson_iter_find_descendant(&it, "meta.slot_start", &sub));
	bson_destroy(n);

	/* again, in the same hour, and from three processes at once with new bookings due:
	 * nobody hears twice */
	struct job_ctx ctx2 = {.name = "reminders"};
	assert_int_equal(notify_reminders_run(&ctx2), 0);
	assert_int_equal(ctx2.actions, 0);
	bson_oid_t uf[6], rf[6];
	for (int i = 0; i < 6; i++) {
		char em[64];
		snprintf(em, sizeof(em), "rem-f%d@example.com", i);
		make_user(em, NULL, &uf[i], h);
		add_request(&rf[i], &uf[i], "scheduled", now + (3 + i) * hour);
	}
	if (run_jobs_parallel("reminders", 3))
		for (int i = 0; i < 6; i++)
			assert_int_equal(reminders_for(&uf[i]), 1);
	assert_int_equal(reminders_for(&ua), 1);
	assert_int_equal(reminders_for(&ud), 1);

	/* D is moved to a slot outside the window, B's booking is cancelled: no reminder for
	 * either, and the old slot of D is never reminded again */
	bson_t *q = BCON_NEW("_id", BCON_OID(&rd));
	bson_t *u = BCON_NEW("$set", "{", "assigned_slot.start", BCON_DATE_TIME(now + 40 * hour),
			     "assigned_slot.end", BCON_DATE_TIME(now + 42 * hour), "}");
	assert_true(
	    mongoc_collection_update_one(db_coll("pickup_requests"), q, u, NULL, NULL, &err));
	bson_destroy(q);
	bson_destroy(u);
	q = BCON_NEW("_id", BCON_OID(&rb));
	u = BCON_NEW("$set", "{", "status", BCON_UTF8("cancelled"), "assigned_slot.start",
		     BCON_DATE_TIME(now + 3 * hour), "}");
	assert_true(
	    mongoc_collection_update_one(db_coll("pickup_requests"), q, u, NULL, NULL, &err));
	bson_destroy(q);
	bson_destroy(u);
	struct job_ctx ctx3 = {.name = "reminders"};
	assert_int_equal(notify_reminders_run(&ctx3), 0);
	assert_int_equal(reminders_for(&ub), 0);
	assert_int_equal(reminders_for(&ud), 1);
	/* D rescheduled into the window at a new start: one reminder for the new slot */
	q = BCON_NEW("_id", BCON_OID(&rd));
	u = BCON_NEW("$set", "{", "assigned_slot.start", BCON_DATE_TIME(now + 6 * hour), "}");
	assert_true(
	    mongoc_collection_update_one(db_coll("pickup_requests"), q, u, NULL, NULL, &err));
	bson_destroy(q);
	bson_destroy(u);
	struct job_ctx ctx4 = {.name = "reminders"};
	assert_int_equal(notify_reminders_run(&ctx4), 0);
	struct job_ctx ctx5 = {.name = "reminders"};
	assert_int_equal(notify_reminders_run(&ctx5), 0);
	assert_int_equal(reminders_for(&ud), 2);
	assert_int_equal(reminders_for(&ua), 1);
}

/* The inbox in the domain (domain/notify_inbox.h): pages back by id, unread only, the
 * unread count, and nobody reads or marks another user's notification. */
static void domain_inbox(void **state)
{
	(void)state;
	bson_oid_t uid, other;
	char hex[25], ohex[25];
	make_user("inbox@example.com", "+91 90000 00012", &uid, hex);
	make_user("inbox.other@example.com", "+91 90000 00013", &other, ohex);
	const char *evs[] = {"submitted", "scheduled", "enroute"};
	for (int i = 0; i < 3; i++)
		event(&uid, evs[i], NULL, "organic");
	event(&other, "submitted", NULL, NULL);
	struct derr err;
	struct notify_inbox_query q = {.user_id = hex, .limit = 2};
	json_object *items = inbox_json(&q);
	assert_int_equal(json_object_array_length(items), 2);
	assert_string_equal(jsonx_str(json_object_array_get_idx(items, 0), "event"), "enroute");
	char older[25], newest[25];
	snprintf(older, sizeof(older), "%s", jsonx_str(json_object_array_get_idx(items, 1), "id"));
	snprintf(newest, sizeof(newest), "%s",
		 jsonx_str(json_object_array_get_idx(items, 0), "id"));
	json_object_put(items);
	q.before = older;
	items = inbox_json(&q);
	assert_int_equal(json_object_array_length(items), 1);
	assert_string_equal(jsonx_str(json_object_array_get_idx(items, 0), "event"), "submitted");
	json_object_put(items);

	/* another user's notification: not found, and left unread */
	char theirs[25];
	q = (struct notify_inbox_query){.user_id = ohex, .limit = 10};
	items = inbox_json(&q);
	snprintf(theirs, sizeof(theirs), "%s",
		 jsonx_str(json_object_array_get_idx(items, 0), "id"));
	json_object_put(items);
	json_object *o = json_object_new_array();
	assert_int_equal(notify_inbox_read_one(hex, theirs, add_json, o, &err),
			 NOTIFY_INBOX_NOT_FOUND);
	assert_int_equal(notify_inbox_read_one(hex, "not-an-id", add_json, o, &err),
			 NOTIFY_INBOX_NOT_FOUND);
	assert_int_equal(json_object_array_length(o), 0);
	int64_t n = -1;
	assert_int_equal(notify_inbox_unread(ohex, &n, &err), NOTIFY_INBOX_OK);
	assert_int_equal(n, 1);

	assert_int_equal(notify_inbox_read_one(hex, newest, add_json, o, &err), NOTIFY_INBOX_OK);
	assert_int_equal(json_object_array_length(o), 1);
	assert_true(json_object_get_boolean(
	    json_object_object_get(json_object_array_get_idx(o, 0), "read")));
	json_object_put(o);
	assert_int_equal(notify_inbox_unread(hex, &n, &err), NOTIFY_INBOX_OK);
	assert_int_equal(n, 2);
	q = (struct notify_inbox_query){.user_id = hex, .unread_only = true, .limit = 10};
	items = inbox_json(&q);
	assert_int_equal(json_object_array_length(items), 2);
	json_object_put(items);
	int64_t updated = -1;
	assert_int_equal(notify_inbox_read_all(hex, &updated, &err), NOTIFY_INBOX_OK);
	assert_int_equal(updated, 2);
	assert_int_equal(notify_inbox_read_all(hex, &updated, &err), NOTIFY_INBOX_OK);
	assert_int_equal(updated, 0);
	assert_int_equal(notify_inbox_unread(ohex, &n, &err), NOTIFY_INBOX_OK);
	assert_int_equal(n, 1);
}

int main(void)
{
	if (!itu_have_mongo())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(event_stores_inapp_publishes_and_queues_email),
	    cmocka_unit_test(sms_when_enabled),
	    cmocka_unit_test(api_list_read_and_counts),
	    cmocka_unit_test(domain_inbox),
	    cmocka_unit_test(ws_auth),
	    cmocka_unit_test(smtp_delivers_expected_mail),
	    cmocka_unit_test(smtp_down_retries_then_delivers_once),
	    cmocka_unit_test(racing_dispatchers_send_each_once),
	    cmocka_unit_test(abandoned_claim_is_written_off),
	    cmocka_unit_test(reminders_once_none_for_cancelled_or_moved),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
