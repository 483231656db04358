/* infra/zipstream: an archive written through a sink in small pieces (an entry of unknown
 * size, then one of known size) is a valid ZIP that a reader (libarchive's, independent of
 * the writer's streaming path) gives back byte for byte; a sink that fails aborts. */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "infra/zipstream.h"

struct mem {
	unsigned char *buf;
	size_t len, cap;
	int calls;
	int fail_after; /* 0: never */
};

static bool to_mem(void *ctx, const void *p, size_t n)
{
	struct mem *m = ctx;
	if (m->fail_after && ++m->calls > m->fail_after)
		return false;
	if (m->len + n > m->cap) {
		m->cap = (m->len + n) * 2;
		m->buf = realloc(m->buf, m->cap);
	}
	memcpy(m->buf + m->len, p, n);
	m->len += n;
	return true;
}

/* Reads entry `name` of the archive in `m` into a new string (caller frees), or NULL. */
static char *read_entry(const struct mem *m, const char *name, size_t *len)
{
	struct archive *a = archive_read_new();
	archive_read_support_format_zip(a);
	assert_int_equal(archive_read_open_memory(a, m->buf, m->len), ARCHIVE_OK);
	struct archive_entry *e;
	char *out = NULL;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		if (strcmp(archive_entry_pathname(e), name) != 0)
			continue;
		size_t cap = 1 << 20;
		out = calloc(1, cap);
		la_ssize_t n, got = 0;
		while ((n = archive_read_data(a, out + got, cap - (size_t)got - 1)) > 0)
			got += n;
		*len = (size_t)got;
		break;
	}
	archive_read_free(a);
	return out;
}

static void test_round_trip(void **state)
{
	(void)state;
	struct mem m = {0};
	struct zipstream *z = zipstream_open(to_mem, &m);
	assert_non_null(z);
	assert_true(zipstream_entry(z, "data.json", -1, 1700000000));
	for (int i = 0; i < 1000; i++)
		assert_true(zipstream_write(z, "{\"k\":\"value\"},", 14));
	static const unsigned char photo[] = {0xff, 0xd8, 0xff, 0x00, 0x01, 0xff, 0xd9};
	assert_true(zipstream_entry(z, "photos/2026/01/x.jpg", sizeof(photo), 1700000000));
	assert_true(zipstream_write(z, photo, sizeof(photo)));
	assert_true(zipstream_close(z));
	assert_true(m.len > 4 && memcmp(m.buf, "PK\x03\x04", 4) == 0);

	size_t len = 0;
	char *json = read_entry(&m, "data.json", &len);
	assert_non_null(json);
	assert_int_equal(len, 14000);
	assert_memory_equal(json + 13986, "{\"k\":\"value\"},", 14);
	free(json);
	char *jpg = read_entry(&m, "photos/2026/01/x.jpg", &len);
	assert_non_null(jpg);
	assert_int_equal(len, sizeof(photo));
	assert_memory_equal(jpg, photo, sizeof(photo));
	free(jpg);
	free(m.buf);
}

static void test_sink_failure_aborts(void **state)
{
	(void)state;
	struct mem m = {.fail_after = 1};
	struct zipstream *z = zipstream_open(to_mem, &m);
	assert_non_null(z);
	bool ok = zipstream_entry(z, "a", -1, 0);
	for (int i = 0; ok && i < 100000; i++)
		ok = zipstream_write(z, "0123456789abcdef", 16);
	assert_false(ok && zipstream_close(z));
	if (ok)
		z = NULL; /* closed above */
	zipstream_abort(z);
	free(m.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_sink_failure_aborts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
