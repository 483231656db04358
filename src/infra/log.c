#include "infra/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *prog = "swmra";
static enum log_level min_lvl = LOG_INFO;
static char req_id[80];
static char req_route[128];

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_init(const char *program, enum log_level min_level)
{
	prog = program;
	min_lvl = min_level;
}

int log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (s && strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

void log_set_request(const char *request_id, const char *route)
{
	snprintf(req_id, sizeof(req_id), "%s", request_id ? request_id : "");
	snprintf(req_route, sizeof(req_route), "%s", route ? route : "");
}

/* Warnings and errors of one kind (the same format string and level) are written at
 * most once per second per process: while the database is down every request would
 * otherwise add a line (100k lines in seconds). The next line of a kind written after
 * its second carries "suppressed": how many were left out since the previous one. */
#define LOG_KINDS 64
static struct log_kind {
	const char *fmt;
	enum log_level lvl;
	int64_t sec;
	unsigned long suppressed;
} kinds[LOG_KINDS];

static int64_t mono_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

/* Whether this line is a repeat within its kind's second (then it is counted and not
 * written); otherwise *suppressed is how many were left out before it. */
static bool log_collapse(enum log_level lvl, const char *fmt, unsigned long *suppressed)
{
	*suppressed = 0;
	if (lvl < LOG_WARN)
		return false;
	int64_t now = mono_sec();
	struct log_kind *k = NULL, *oldest = &kinds[0];
	for (int i = 0; i < LOG_KINDS && !k; i++) {
		struct log_kind *c = &kinds[i];
		if (c->fmt == fmt && c->lvl == lvl)
			k = c;
		else if (oldest->fmt && (!c->fmt || c->sec < oldest->sec))
			oldest = c; /* a free entry, else the one written longest ago */
	}
	if (k && k->sec == now) {
		k->suppressed++;
		return true;
	}
	if (!k) {
		k = oldest; /* a kind pushed out loses its count, never a line */
		k->fmt = fmt;
		k->lvl = lvl;
		k->suppressed = 0;
	}
	*suppressed = k->suppressed;
	k->sec = now;
	k->suppressed = 0;
	return false;
}

void log_write(enum log_level lvl, json_object *fields, const char *fmt, ...)
{
	unsigned long suppressed;
	if (lvl < min_lvl || log_collapse(lvl, fmt, &suppressed)) {
		json_object_put(fields);
		return;
	}
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	gmtime_r(&tv.tv_sec, &tm);
	char ts[96];
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long)(tv.tv_usec / 1000));

	json_object *o = json_object_new_object();
	json_object_object_add(o, "time", json_object_new_string(ts));
	json_object_object_add(o, "level", json_object_new_string(level_names[lvl]));
	json_object_object_add(o, "prog", json_object_new_string(prog));
	json_object_object_add(o, "pid", json_object_new_int((int)getpid()));
	if (req_id[0])
		json_object_object_add(o, "request_id", json_object_new_string(req_id));
	if (req_route[0])
		json_object_object_add(o, "route", json_object_new_string(req_route));
	json_object_object_add(o, "msg", json_object_new_string(msg));
	if (suppressed)
		json_object_object_add(o, "suppressed", json_object_new_int64((int64_t)suppressed));
	if (fields) {
		json_object_object_foreach(fields, k, v)
		{
			json_object_object_add(o, k, json_object_get(v));
		}
		json_object_put(fields);
	}
	/* One write() per line keeps lines from several workers sharing stderr whole. */
	const char *line = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	size_t n = strlen(line);
	char buf[4096];
	if (n + 1 < sizeof(buf)) {
		memcpy(buf, line, n);
		buf[n] = '\n';
		ssize_t w = write(STDERR_FILENO, buf, n + 1);
		(void)w;
	} else {
		fprintf(stderr, "%s\n", line);
	}
	json_object_put(o);
}
