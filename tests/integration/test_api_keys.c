/* API keys of the Open311 door (domain/api_keys.h) against a real FerretDB: the secret is
 * stored hashed and found again, a revoked key is refused, and the per-key rate limit holds
 * when many real processes spend one key's minute at once (the claims are unique inserts:
 * exactly rate_per_minute win), while another key's minute is untouched. */
#include "itutil.h"

#include "domain/api_keys.h"
#include "infra/timeutil.h"

#define PROG   "test_api_keys"
#define RACERS 12
#define LIMIT  5

static int setup(void **state)
{
	(void)state;
	return itu_open("api_keys", PROG);
}

static int teardown(void **state)
{
	(void)state;
	itu_drop();
	return 0;
}

static void issue_check_revoke(void **state)
{
	(void)state;
	struct api_key k, found;
	char secret[API_KEY_SECRET_LEN + 1];
	struct derr err;
	assert_int_equal(
	    api_keys_create("Call centre", 60, "000000000000000000000001", &k, secret, &err),
	    API_KEYS_OK);
	assert_int_equal(strlen(secret), API_KEY_SECRET_LEN);
	/* only the hash is stored */
	bson_t *q = BCON_NEW("key_hash", "{", "$exists", BCON_BOOL(true), "}");
	bson_t *doc = itu_find_one("api_keys", q); /* destroys q */
	assert_non_null(doc);
	char *json = bson_as_relaxed_extended_json(doc, NULL);
	assert_null(strstr(json, secret));
	bson_free(json);
	bson_destroy(doc);

	assert_int_equal(api_keys_check(secret, &found, &err), API_KEYS_OK);
	assert_string_equal(found.id, k.id);
	assert_int_equal(found.rate_per_minute, 60);
	char wrong[API_KEY_SECRET_LEN + 1];
	memcpy(wrong, secret, sizeof(wrong));
	wrong[API_KEY_SECRET_LEN - 1] = wrong[API_KEY_SECRET_LEN - 1] == '0' ? '1' : '0';
	assert_int_equal(api_keys_check(wrong, &found, &err), API_KEYS_NOT_FOUND);
	assert_int_equal(api_keys_check("short", &found, &err), API_KEYS_NOT_FOUND);

	struct oid oid;
	assert_true(oid_parse(k.id, &oid));
	assert_int_equal(api_keys_revoke(&oid, &err), API_KEYS_OK);
	assert_int_equal(api_keys_check(secret, &found, &err), API_KEYS_NOT_FOUND);
	struct oid none;
	assert_true(oid_parse("000000000000000000000000", &none));
	assert_int_equal(api_keys_revoke(&none, &err), API_KEYS_NOT_FOUND);
}

struct race {
	struct api_key key;
	int64_t at; /* one instant inside one clock minute for every racer */
};

static int spend(int i, void *ctx)
{
	(void)i;
	struct race *r = ctx;
	int64_t wait;
	struct derr err;
	return api_keys_rate_take(&r->key, r->at, &wait, &err) + 1; /* 0 error, 1 refused, 2 won */
}

static void rate_limit_holds_under_a_race(void **state)
{
	(void)state;
	struct race r;
	char secret[API_KEY_SECRET_LEN + 1];
	struct derr err;
	assert_int_equal(
	    api_keys_create("Racy", LIMIT, "000000000000000000000001", &r.key, secret, &err),
	    API_KEYS_OK);
	r.at = (time_now_ms() / 60000) * 60000 + 30000;
	int codes[RACERS];
	itu_race(PROG, RACERS, spend, &r, codes);
	int won = 0, refused = 0;
	for (int i = 0; i < RACERS; i++) {
		assert_true(codes[i] == 1 || codes[i] == 2);
		won += codes[i] == 2;
		refused += codes[i] == 1;
	}
	assert_int_equal(won, LIMIT);
	assert_int_equal(refused, RACERS - LIMIT);
	/* the next minute is a new budget; another key never shared this one */
	int64_t wait;
	assert_int_equal(api_keys_rate_take(&r.key, r.at, &wait, &err), 0);
	assert_true(wait >= 1 && wait <= 60);
	assert_int_equal(api_keys_rate_take(&r.key, r.at + 60000, &wait, &err), 1);
	struct api_key other;
	assert_int_equal(
	    api_keys_create("Other", 1, "000000000000000000000001", &other, secret, &err),
	    API_KEYS_OK);
	assert_int_equal(api_keys_rate_take(&other, r.at, &wait, &err), 1);
	/* the purge drops claims older than an hour */
	assert_int_equal(api_keys_purge_rate(r.at + 2 * 3600000, false, &err), LIMIT + 2);
}

int main(void)
{
	if (!itu_have_mongo())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(issue_check_revoke),
	    cmocka_unit_test(rate_limit_holds_under_a_race),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
