/* The per-worker list cache's keeping rules (src/api/read_cache.c): only 200 answers, none
 * over READ_CACHE_MAX_ENTRY, never more than READ_CACHE_MAX_BYTES in all however many
 * distinct reads come (a worker's memory stays bounded), and every kept answer says it was
 * a miss. Serving needs the store (the read mark): tests/e2e/read-cache.test.mjs. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "api/read_cache.h"

static void answer(struct http_response *res, int status, size_t len)
{
	http_response_init(res);
	char *body = malloc(len);
	assert_non_null(body);
	memset(body, 'x', len);
	http_raw(res, status, "application/json; charset=utf-8", body, len);
	free(body);
}

static struct read_cache_probe probe(int i)
{
	struct read_cache_probe p = {.at = 1000, .storable = true};
	snprintf(p.key, sizeof(p.key), "6500000000000000000000%02x /api/requests?skip=%d", i % 256,
		 i);
	snprintf(p.mark, sizeof(p.mark), "%024d", i);
	return p;
}

static const char *header(const struct http_response *res, const char *name)
{
	for (int i = 0; i < res->nheaders; i++)
		if (strcmp(res->header_names[i], name) == 0)
			return res->header_values[i];
	return NULL;
}

static void keeps_only_whole_ok_answers(void **state)
{
	(void)state;
	read_cache_reset();
	struct http_response res;
	struct read_cache_probe p = probe(1);
	answer(&res, 503, 100);
	read_cache_store(&p, &res);
	assert_int_equal(read_cache_bytes(), 0);
	assert_null(header(&res, "X-Read-Cache"));
	http_response_free(&res);
	answer(&res, 200, READ_CACHE_MAX_ENTRY + 1);
	read_cache_store(&p, &res);
	assert_int_equal(read_cache_bytes(), 0);
	http_response_free(&res);
	p.storable = false; /* the mark could not be read */
	answer(&res, 200, 100);
	read_cache_store(&p, &res);
	assert_int_equal(read_cache_bytes(), 0);
	http_response_free(&res);
	p.storable = true;
	answer(&res, 200, 100);
	read_cache_store(&p, &res);
	assert_int_equal(read_cache_bytes(), 100);
	assert_string_equal(header(&res, "X-Read-Cache"), "miss");
	http_response_free(&res);
	/* the same key again replaces its entry */
	answer(&res, 200, 40);
	read_cache_store(&p, &res);
	assert_int_equal(read_cache_bytes(), 40);
	http_response_free(&res);
	read_cache_reset();
	assert_int_equal(read_cache_bytes(), 0);
}

static void memory_stays_bounded(void **state)
{
	(void)state;
	read_cache_reset();
	for (int i = 0; i < 4 * READ_CACHE_SLOTS; i++) {
		struct http_response res;
		struct read_cache_probe p = probe(i);
		answer(&res, 200, 200u << 10);
		read_cache_store(&p, &res);
		http_response_free(&res);
		assert_true(read_cache_bytes() <= READ_CACHE_MAX_BYTES);
	}
	assert_true(read_cache_bytes() > 0);
	read_cache_reset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(keeps_only_whole_ok_answers),
	    cmocka_unit_test(memory_stays_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
