/* The module registry: each module of the service declares its own parts (the indexes
 * of its collections, its configuration variables and their check, its cron jobs, the
 * notification events it emits) in one `struct module` next to its code, and infra
 * iterates the registry instead of naming domain collections, variables or jobs. The
 * registry itself is the list in src/modules.c, the one place that knows every module (the
 * composition root, like the route table). */
#ifndef SWMRA_MODULE_H
#define SWMRA_MODULE_H

#include <stdbool.h>
#include <stddef.h>

#include "infra/config.h"

struct job_spec;	  /* infra/job.h */
struct notify_event_spec; /* domain/notify_events.h: read by the notify module only */

/* An index of the schema, created idempotently at start-up (db_ensure_indexes). Unique
 * indexes are what makes claims exclusive (db_claim), so they are part of the
 * correctness of the service, not only of its speed. FerretDB rejects TTL and partial
 * indexes: expiry is done by cron jobs instead. tests/query-shapes.mjs reads these tables
 * (every `const struct db_index NAME[]` under src/) to check the query shapes the tests
 * send against them. */
struct db_index {
	const char *coll;
	const char *name;
	const char *keys; /* canonical extended JSON */
	bool unique;
};

struct module {
	const char *name;
	const struct db_index *indexes;
	size_t n_indexes;
	/* Collections the module writes that declare no index: created up front on FerretDB's
	 * PostgreSQL backend so their tables (and GIN index on _id) exist; NULL-terminated. */
	const char *const *collections;
	/* The module's own configuration variables, read by config_load with the others. */
	const struct config_var *config;
	size_t n_config;
	/* Checks a candidate configuration as a whole (values that the type and limits of a
	 * variable cannot express); 0, or -1 with err naming the variable. May be NULL. */
	int (*config_check)(const struct config *c, char *err, size_t errlen);
	/* Called once a configuration that passed every check is adopted: derives what the
	 * module keeps from it (a parsed table), so no call re-parses a variable. May be NULL. */
	void (*config_apply)(const struct config *c);
	/* The module's cron jobs, NULL-terminated (may be NULL): swmra-job-<name> runs the
	 * one of that name (job_main_named, cron/swmra-job.c). */
	const struct job_spec *const *jobs;
	/* The notification events the module emits: kind, channel rules, words in every
	 * language. The notify module renders and routes an event by its declaration here
	 * (notify_event_find), so it keeps no list of events of its own. */
	const struct notify_event_spec *events;
	size_t n_events;
};

#define MODULE_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The registry (src/modules.c): every module, NULL-terminated. */
extern const struct module *const modules_registry[];

#endif
