/* Store-command tracing of the test build (APP_ENV=test): a libmongoc APM command-started
 * callback counts the commands this process sends (the auth guard's session check and the
 * handler's own queries alike), so that the FastCGI adapter can answer the count of one
 * request in X-Store-Commands and the e2e budget test can hold every route to its
 * budget. With SWMRA_COMMAND_LOG_DIR set as well, each command that reads or matches
 * documents is appended as one JSON line {ctx, cmd, coll, filter, sort} to
 * <dir>/commands-<pid>.jsonl; tests/query-shapes.mjs reduces those lines to query shapes
 * and checks each against the modules' index tables (infra/module.h) by MongoDB's rules.
 * Outside test mode nothing is installed: production pays nothing for it. */
#define _GNU_SOURCE /* program_invocation_short_name */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "infra/config.h"
#include "infra/db.h"

static unsigned long commands;
static unsigned long upkeep_commands;
static int upkeep_depth;
static int log_fd = -1;
static pid_t log_pid; /* the process that opened log_fd (a forked child opens its own) */
static char context[160];

unsigned long db_trace_count(void)
{
	return commands;
}

void db_trace_reset(void)
{
	commands = 0;
	upkeep_commands = 0;
}

void db_trace_upkeep(bool on)
{
	upkeep_depth += on ? 1 : -1;
	if (upkeep_depth < 0)
		upkeep_depth = 0;
}

unsigned long db_trace_upkeep_count(void)
{
	return upkeep_commands;
}

void db_trace_context(const char *method, const char *route)
{
	if (!method && !route) /* outside a request: the program (a job, a test, the seed) */
		snprintf(context, sizeof(context), "%s", program_invocation_short_name);
	else
		snprintf(context, sizeof(context), "%s%s%s", method ? method : "",
			 method && route ? " " : "", route ? route : "");
}

/* The value of `key` in `doc` as a document or array (static view into doc), or false. */
static bool sub_doc(const bson_t *doc, const char *key, bson_t *out)
{
	bson_iter_t it;
	uint32_t len;
	const uint8_t *data;
	if (!bson_iter_init_find(&it, doc, key))
		return false;
	if (BSON_ITER_HOLDS_DOCUMENT(&it))
		bson_iter_document(&it, &len, &data);
	else if (BSON_ITER_HOLDS_ARRAY(&it))
		bson_iter_array(&it, &len, &data);
	else
		return false;
	return bson_init_static(out, data, len);
}

static void write_shape(const char *cmd, const char *coll, const bson_t *filter, const bson_t *sort,
			bool limited)
{
	bson_t line = BSON_INITIALIZER, empty = BSON_INITIALIZER;
	BSON_APPEND_UTF8(&line, "ctx", context);
	BSON_APPEND_UTF8(&line, "cmd", cmd);
	BSON_APPEND_UTF8(&line, "coll", coll);
	BSON_APPEND_DOCUMENT(&line, "filter", filter ? filter : &empty);
	if (sort)
		BSON_APPEND_DOCUMENT(&line, "sort", sort);
	if (limited)
		BSON_APPEND_BOOL(&line, "limit", true);
	size_t n;
	char *json = bson_as_relaxed_extended_json(&line, &n);
	if (json) {
		json[n] = '\0';
		char *nl = bson_malloc(n + 2);
		memcpy(nl, json, n);
		nl[n] = '\n';
		/* One write per line on an O_APPEND descriptor: lines never interleave. */
		if (write(log_fd, nl, n + 1) < 0) {
			close(log_fd);
			log_fd = -1;
		}
		bson_free(nl);
		bson_free(json);
	}
	bson_destroy(&line);
	bson_destroy(&empty);
}

/* The filter of each statement of an update/delete (`updates`/`deletes` [{q: ...}]). */
static void write_statements(const char *cmd, const char *coll, const bson_t *body,
			     const char *list)
{
	bson_t arr, st, q;
	bson_iter_t it;
	if (!sub_doc(body, list, &arr) || !bson_iter_init(&it, &arr))
		return;
	while (bson_iter_next(&it)) {
		uint32_t len;
		const uint8_t *data;
		if (!BSON_ITER_HOLDS_DOCUMENT(&it))
			continue;
		bson_iter_document(&it, &len, &data);
		if (bson_init_static(&st, data, len) && sub_doc(&st, "q", &q))
			write_shape(cmd, coll, &q, NULL, false);
	}
}

/* An aggregate's leading $match (and a $sort right after it) is its query shape. */
static void write_pipeline(const char *coll, const bson_t *body)
{
	bson_t pipe, stage, match, sort;
	bson_iter_t it;
	bool has_match = false, has_sort = false;
	if (!sub_doc(body, "pipeline", &pipe) || !bson_iter_init(&it, &pipe))
		return;
	for (int i = 0; i < 2 && bson_iter_next(&it); i++) {
		uint32_t len;
		const uint8_t *data;
		if (!BSON_ITER_HOLDS_DOCUMENT(&it))
			break;
		bson_iter_document(&it, &len, &data);
		if (!bson_init_static(&stage, data, len))
			break;
		if (i == 0 && sub_doc(&stage, "$match", &match))
			has_match = true;
		else if (i == 1 && has_match && sub_doc(&stage, "$sort", &sort))
			has_sort = true;
		else
			break;
	}
	write_shape("aggregate", coll, has_match ? &match : NULL, has_sort ? &sort : NULL, false);
}

static void command_started(const mongoc_apm_command_started_t *ev)
{
	commands++;
	if (upkeep_depth > 0)
		upkeep_commands++;
	if (log_fd < 0)
		return;
	const char *name = mongoc_apm_command_started_get_command_name(ev);
	const bson_t *body = mongoc_apm_command_started_get_command(ev);
	bson_iter_t it;
	if (!bson_iter_init_find(&it, body, name) || !BSON_ITER_HOLDS_UTF8(&it))
		return; /* not addressed to a collection (ping, hello, endSessions) */
	const char *coll = bson_iter_utf8(&it, NULL);
	bson_t f, s;
	if (strcmp(name, "find") == 0 || strcmp(name, "findAndModify") == 0 ||
	    strcmp(name, "count") == 0 || strcmp(name, "distinct") == 0) {
		bool has_f = sub_doc(body, strcmp(name, "find") == 0 ? "filter" : "query", &f);
		bool has_s = sub_doc(body, "sort", &s);
		bool limited = bson_iter_init_find(&it, body, "limit") &&
			       BSON_ITER_HOLDS_NUMBER(&it) && bson_iter_as_int64(&it) > 0;
		write_shape(name, coll, has_f ? &f : NULL, has_s ? &s : NULL, limited);
	} else if (strcmp(name, "update") == 0) {
		write_statements(name, coll, body, "updates");
	} else if (strcmp(name, "delete") == 0) {
		write_statements(name, coll, body, "deletes");
	} else if (strcmp(name, "aggregate") == 0) {
		write_pipeline(coll, body);
	}
}

void db_trace_install(mongoc_client_t *client)
{
	const struct config *c = config_get();
	if (!c || !c->app_env || strcmp(c->app_env, "test") != 0)
		return;
	const char *dir = getenv("SWMRA_COMMAND_LOG_DIR");
	if (log_fd >= 0 && log_pid != getpid()) {
		close(log_fd);
		log_fd = -1;
	}
	if (dir && *dir && log_fd < 0) {
		char path[4096];
		log_pid = getpid();
		snprintf(path, sizeof(path), "%s/commands-%ld.jsonl", dir, (long)getpid());
		log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	}
	db_trace_context(NULL, NULL);
	mongoc_apm_callbacks_t *cbs = mongoc_apm_callbacks_new();
	mongoc_apm_set_command_started_cb(cbs, command_started);
	mongoc_client_set_apm_callbacks(client, cbs, NULL);
	mongoc_apm_callbacks_destroy(cbs);
}

bool db_trace_enabled(void)
{
	const struct config *c = config_get();
	return c && c->app_env && strcmp(c->app_env, "test") == 0;
}
