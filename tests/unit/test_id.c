/* domain/id: a stored document's id without the driver's type. Hex parses in either case
 * and formats back lower-case, the bytes are the driver's ObjectId bytes both ways, and
 * anything but 24 hex characters is refused with the output untouched. */
#include <bson/bson.h>
#include <string.h>

#include "testutil.h"

#include "domain/id.h"

static void test_round_trip(void **state)
{
	(void)state;
	struct oid id;
	char hex[OID_HEX_LEN];
	assert_true(oid_parse("65A1b2c3d4e5f60718293a4B", &id));
	oid_to_hex(&id, hex);
	assert_string_equal(hex, "65a1b2c3d4e5f60718293a4b");
	assert_int_equal(id.bytes[0], 0x65);
	assert_int_equal(id.bytes[11], 0x4b);
	char again[OID_HEX_LEN + 1];
	oid_format(&id, again);
	assert_string_equal(again, hex);
}

static void test_refusals(void **state)
{
	(void)state;
	struct oid id = {{0}}, zero = {{0}};
	const char *bad[] = {NULL,
			     "",
			     "65a1b2c3d4e5f60718293a4",
			     "65a1b2c3d4e5f60718293a4bc",
			     "65a1b2c3d4e5f60718293a4g",
			     " 65a1b2c3d4e5f60718293a4",
			     "65a1b2c3d4e5f6071829\"a4b"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(oid_valid(bad[i]));
		assert_false(oid_parse(bad[i], &id));
		assert_true(oid_equal(&id, &zero)); /* untouched */
	}
	assert_true(oid_valid("000000000000000000000000"));
}

static void test_same_bytes_as_the_driver(void **state)
{
	(void)state;
	bson_oid_t b, back;
	bson_oid_init(&b, NULL);
	char want[25], got[OID_HEX_LEN];
	bson_oid_to_string(&b, want);
	struct oid id, parsed;
	oid_from_store(&id, &b);
	oid_to_hex(&id, got);
	assert_string_equal(got, want);
	assert_true(oid_parse(want, &parsed));
	assert_true(oid_equal(&id, &parsed));
	oid_to_store(&parsed, &back);
	assert_true(bson_oid_equal(&b, &back));
	parsed.bytes[5] ^= 1;
	assert_false(oid_equal(&id, &parsed));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_same_bytes_as_the_driver),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
