/* The typed cleanup helpers (src/infra/cleanup.h): a scope-bound variable is released when
 * its block ends (NULL skipped, reassignment releases the last value only), arena-deferred
 * objects when the arena is freed, in reverse order; bson, json-c, cursor and malloc'd
 * memory helpers release without leaks (the ASan run checks). */
#include "testutil.h"

#include "infra/cleanup.h"

struct probe {
	int id;
};

static int released[8];
static int nreleased;

static void probe_release(struct probe *p)
{
	released[nreleased++] = p->id;
}

CLEANUP_DEFINE(probe, struct probe, probe_release)

static void scope_releases_at_block_end(void **state)
{
	(void)state;
	nreleased = 0;
	struct probe a = {1};
	{
		__attribute__((cleanup(cleanup_probe))) struct probe *p = &a;
		__attribute__((cleanup(cleanup_probe))) struct probe *none = NULL;
		(void)none;
		assert_int_equal(nreleased, 0);
		(void)p;
	}
	assert_int_equal(nreleased, 1);
	assert_int_equal(released[0], 1);
}

static void arena_releases_in_reverse(void **state)
{
	(void)state;
	nreleased = 0;
	struct probe a = {1}, b = {2};
	struct arena *ar = arena_new();
	assert_non_null(ar);
	arena_defer_probe(ar, &a);
	arena_defer_probe(ar, &b);
	assert_int_equal(nreleased, 0);
	arena_free(ar);
	assert_int_equal(nreleased, 2);
	assert_int_equal(released[0], 2);
	assert_int_equal(released[1], 1);
}

static void library_types(void **state)
{
	(void)state;
	{
		_cleanup_bson_ bson_t *q = BCON_NEW("a", BCON_INT32(1));
		_cleanup_json_ json_object *j = json_object_new_object();
		_cleanup_free_ char *s = strdup("x");
		_cleanup_cursor_ mongoc_cursor_t *none = NULL;
		assert_non_null(q);
		assert_non_null(j);
		assert_non_null(s);
		(void)none;
	}
	struct arena *ar = arena_new();
	arena_defer_bson(ar, BCON_NEW("b", BCON_INT32(2)));
	arena_defer_json(ar, json_object_new_string("y"));
	arena_defer_free(ar, strdup("z"));
	arena_free(ar);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(scope_releases_at_block_end),
	    cmocka_unit_test(arena_releases_in_reverse),
	    cmocka_unit_test(library_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
