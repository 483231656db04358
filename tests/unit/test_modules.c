/* The module registry (src/infra/module.h, src/modules.c): what infra iterates instead of
 * naming domain collections, variables and jobs. Every declared index is well-formed and
 * declared once (a duplicate name on one collection would make createIndexes fail at
 * start-up), every job is registered once and every job of the crontab has a module that
 * registers it (else its program would exit 2 at every run). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <mongoc/mongoc.h>

#include "infra/db.h"
#include "infra/job.h"
#include "infra/module.h"

static void indexes_well_formed_and_unique(void **state)
{
	(void)state;
	size_t n = 0;
	for (const struct module *const *m = modules_registry; *m; m++) {
		for (size_t i = 0; i < (*m)->n_indexes; i++, n++) {
			const struct db_index *ix = &(*m)->indexes[i];
			bson_error_t err;
			bson_t *keys = bson_new_from_json((const uint8_t *)ix->keys, -1, &err);
			assert_non_null(keys);
			assert_true(bson_count_keys(keys) >= 1);
			bson_destroy(keys);
			for (const struct module *const *o = modules_registry; *o; o++)
				for (size_t k = 0; k < (*o)->n_indexes; k++) {
					const struct db_index *b = &(*o)->indexes[k];
					if (b != ix && strcmp(b->coll, ix->coll) == 0)
						assert_string_not_equal(b->name, ix->name);
				}
		}
	}
	assert_true(n >= 88); /* every index the single table declared before */
	const char *coll, *keys;
	assert_true(db_index_at(n - 1, &coll, &keys));
	assert_false(db_index_at(n, &coll, &keys));
}

/* The registered job named `name`, or NULL. */
static const struct job_spec *job_named(const char *name)
{
	const struct job_spec *found = NULL;
	for (const struct module *const *m = modules_registry; *m; m++)
		for (const struct job_spec *const *j = (*m)->jobs; j && *j; j++)
			if (strcmp((*j)->name, name) == 0) {
				assert_null(found); /* registered once */
				found = *j;
			}
	return found;
}

static void crontab_jobs_registered(void **state)
{
	(void)state;
	const char *src = getenv("SWMRA_SRCDIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/cron/swmra.cron", src ? src : ".");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[1024];
	int jobs = 0;
	while (fgets(line, sizeof(line), f)) {
		const char *p = line[0] == '#' ? NULL : strstr(line, " swmra-job-");
		if (!p)
			continue;
		char name[64];
		assert_int_equal(sscanf(p + strlen(" swmra-job-"), "%63[a-z-]", name), 1);
		const struct job_spec *j = job_named(name);
		assert_non_null(j);
		assert_non_null(j->run);
		assert_true(j->window_seconds > 0);
		assert_false(j->manual);
		jobs++;
	}
	fclose(f);
	assert_true(jobs >= 8);
	/* the job run by hand only */
	assert_non_null(job_named("migrate-uploads"));
	assert_true(job_named("migrate-uploads")->manual);
}

static void unknown_job_is_exit_2(void **state)
{
	(void)state;
	char arg0[] = "swmra-job-nope";
	char *argv[] = {arg0, NULL};
	assert_int_equal(job_main_named("nope", 1, argv), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(indexes_well_formed_and_unique),
	    cmocka_unit_test(crontab_jobs_registered),
	    cmocka_unit_test(unknown_job_is_exit_2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
