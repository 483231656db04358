/* API keys of third-party clients: see api_keys.h. */
#include "domain/api_keys.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/store.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/timeutil.h"

#define KEYS_COLL	 "api_keys"
#define USES_COLL	 "api_key_uses"
#define RATE_COLL	 "api_key_rate"
#define MINUTE_MS	 60000LL
#define TOUCH_EVERY_MS	 MINUTE_MS /* last_used_at is written at most this often */
#define RATE_CLAIM_TRIES 8 /* numbers tried after the count, when racing requests take them */

static void hash_hex(const char *secret, char out[crypto_hash_sha256_BYTES * 2 + 1])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)secret, strlen(secret));
	sodium_bin2hex(out, crypto_hash_sha256_BYTES * 2 + 1, h, sizeof(h));
}

static int64_t doc_date(const bson_t *d, const char *key)
{
	bson_iter_t it;
	return bson_iter_init_find(&it, d, key) && BSON_ITER_HOLDS_DATE_TIME(&it)
		   ? bson_iter_date_time(&it)
		   : 0;
}

static void from_doc(const bson_t *d, struct api_key *k)
{
	memset(k, 0, sizeof(*k));
	bson_iter_t it;
	if (bson_iter_init_find(&it, d, "_id") && BSON_ITER_HOLDS_OID(&it))
		bson_oid_to_string(bson_iter_oid(&it), k->id);
	if (bson_iter_init_find(&it, d, "name") && BSON_ITER_HOLDS_UTF8(&it))
		snprintf(k->name, sizeof(k->name), "%s", bson_iter_utf8(&it, NULL));
	if (bson_iter_init_find(&it, d, "prefix") && BSON_ITER_HOLDS_UTF8(&it))
		snprintf(k->prefix, sizeof(k->prefix), "%s", bson_iter_utf8(&it, NULL));
	if (bson_iter_init_find(&it, d, "rate_per_minute") && BSON_ITER_HOLDS_NUMBER(&it))
		k->rate_per_minute = (int)bson_iter_as_int64(&it);
	k->created_at = doc_date(d, "created_at");
	k->revoked_at = doc_date(d, "revoked_at");
}

static enum api_keys_rc create(const char *name, int rate_per_minute, const char *created_by,
			       struct api_key *out, char secret[API_KEY_SECRET_LEN + 1],
			       bson_error_t *err)
{
	unsigned char rnd[32];
	randombytes_buf(rnd, sizeof(rnd));
	memcpy(secret, "o311_", 5);
	sodium_bin2hex(secret + 5, API_KEY_SECRET_LEN + 1 - 5, rnd, sizeof(rnd));
	char h[crypto_hash_sha256_BYTES * 2 + 1], prefix[API_KEY_PREFIX_LEN + 1];
	hash_hex(secret, h);
	snprintf(prefix, sizeof(prefix), "%s", secret);
	bson_oid_t oid;
	bson_oid_init(&oid, NULL);
	int64_t now = time_now_ms();
	bson_t *doc = BCON_NEW("_id", BCON_OID(&oid), "name", BCON_UTF8(name), "key_hash",
			       BCON_UTF8(h), "prefix", BCON_UTF8(prefix), "rate_per_minute",
			       BCON_INT32(rate_per_minute), "created_by", BCON_UTF8(created_by),
			       "created_at", BCON_DATE_TIME(now), "revoked_at", BCON_NULL);
	bool ok = mongoc_collection_insert_one(db_coll(KEYS_COLL), doc, NULL, NULL, err);
	if (ok)
		from_doc(doc, out);
	bson_destroy(doc);
	sodium_memzero(rnd, sizeof(rnd));
	return ok ? API_KEYS_OK : API_KEYS_ERR;
}

/* Fills last_used_at of `keys` from `api_key_uses` (one read of a small collection). */
static bool read_uses(struct api_key *keys, size_t n, bson_error_t *err)
{
	bson_t q = BSON_INITIALIZER;
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll(USES_COLL), &q, NULL, NULL);
	const bson_t *d;
	while (mongoc_cursor_next(cur, &d)) {
		bson_iter_t it;
		if (!bson_iter_init_find(&it, d, "_id") || !BSON_ITER_HOLDS_UTF8(&it))
			continue;
		for (size_t i = 0; i < n; i++)
			if (strcmp(keys[i].id, bson_iter_utf8(&it, NULL)) == 0)
				keys[i].last_used_at = doc_date(d, "last_used_at");
	}
	bool failed = mongoc_cursor_error(cur, err);
	mongoc_cursor_destroy(cur);
	return !failed;
}

static enum api_keys_rc list_store(struct api_key **out, size_t *n, bson_error_t *err)
{
	*out = NULL;
	*n = 0;
	bson_t q = BSON_INITIALIZER;
	bson_t *opts = BCON_NEW("sort", "{", "created_at", BCON_INT32(-1), "}", "projection", "{",
				"key_hash", BCON_INT32(0), "}");
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll(KEYS_COLL), &q, opts, NULL);
	bson_destroy(opts);
	size_t cap = 0;
	const bson_t *d;
	while (mongoc_cursor_next(cur, &d)) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = realloc(*out, cap * sizeof(**out));
		}
		from_doc(d, &(*out)[(*n)++]);
	}
	bool failed = mongoc_cursor_error(cur, err);
	mongoc_cursor_destroy(cur);
	if (!failed && *n)
		failed = !read_uses(*out, *n, err);
	if (failed) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return failed ? API_KEYS_ERR : API_KEYS_OK;
}

static enum api_keys_rc revoke_store(const bson_oid_t *id, bson_error_t *err)
{
	/* a revoke repeated (or racing) only moves revoked_at: no exclusivity is at stake */
	bson_t *q = BCON_NEW("_id", BCON_OID(id));
	bson_t *u = BCON_NEW("$set", "{", "revoked_at", BCON_DATE_TIME(time_now_ms()), "}");
	bson_t reply;
	bool ok = mongoc_collection_update_one(db_coll(KEYS_COLL), q, u, NULL, &reply, err);
	bson_iter_t it;
	int64_t matched =
	    ok && bson_iter_init_find(&it, &reply, "matchedCount") ? bson_iter_as_int64(&it) : 0;
	bson_destroy(&reply);
	bson_destroy(q);
	bson_destroy(u);
	return !ok ? API_KEYS_ERR : matched ? API_KEYS_OK : API_KEYS_NOT_FOUND;
}

/* When this process last recorded a use of a key: a small table, oldest entry reused. */
#define TOUCH_SLOTS 64
static struct {
	char id[25];
	int64_t at;
} touched[TOUCH_SLOTS];

/* Whether this process should record a use of `id` at `now` (and notes that it does). */
static bool touch_due(const char *id, int64_t now)
{
	size_t oldest = 0;
	for (size_t i = 0; i < TOUCH_SLOTS; i++) {
		if (strcmp(touched[i].id, id) == 0) {
			if (now - touched[i].at < TOUCH_EVERY_MS)
				return false;
			touched[i].at = now;
			return true;
		}
		if (touched[i].at < touched[oldest].at)
			oldest = i;
	}
	snprintf(touched[oldest].id, sizeof(touched[oldest].id), "%s", id);
	touched[oldest].at = now;
	return true;
}

static void touch(const struct api_key *k, int64_t now)
{
	bson_error_t err;
	bson_t *q = BCON_NEW("_id", BCON_UTF8(k->id));
	bson_t *u = BCON_NEW("$set", "{", "last_used_at", BCON_DATE_TIME(now), "}");
	/* best effort: a lost write only makes "last used" a minute older */
	if (!db_upsert(USES_COLL, q, u, &err))
		log_warn("api key last use not recorded: %s", err.message);
	bson_destroy(q);
	bson_destroy(u);
}

static enum api_keys_rc check_store(const char *secret, struct api_key *out, bson_error_t *err)
{
	memset(err, 0, sizeof(*err));
	if (!secret || strlen(secret) != API_KEY_SECRET_LEN)
		return API_KEYS_NOT_FOUND;
	char h[crypto_hash_sha256_BYTES * 2 + 1];
	hash_hex(secret, h);
	bson_t *q = BCON_NEW("key_hash", BCON_UTF8(h));
	bson_t *opts = BCON_NEW("limit", BCON_INT64(1));
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll(KEYS_COLL), q, opts, NULL);
	bson_destroy(q);
	bson_destroy(opts);
	const bson_t *d;
	enum api_keys_rc rc = API_KEYS_NOT_FOUND;
	if (mongoc_cursor_next(cur, &d)) {
		from_doc(d, out);
		rc = out->revoked_at ? API_KEYS_NOT_FOUND : API_KEYS_OK;
	} else if (mongoc_cursor_error(cur, err)) {
		rc = API_KEYS_ERR;
	}
	mongoc_cursor_destroy(cur);
	int64_t now = time_now_ms();
	if (rc == API_KEYS_OK && touch_due(out->id, now))
		touch(out, now);
	return rc;
}

static int64_t rate_count(const char *key_id, int64_t minute, bson_error_t *err)
{
	bson_t *q = BCON_NEW("key_id", BCON_UTF8(key_id), "minute", BCON_INT64(minute));
	int64_t n = mongoc_collection_count_documents(db_coll(RATE_COLL), q, NULL, NULL, NULL, err);
	bson_destroy(q);
	return n;
}

static int rate_take(const struct api_key *key, int64_t now_ms, int64_t *retry_after,
		     bson_error_t *err)
{
	int64_t minute = now_ms / MINUTE_MS;
	*retry_after = (minute + 1) * MINUTE_MS / 1000 - now_ms / 1000;
	if (*retry_after < 1)
		*retry_after = 1;
	int64_t n = rate_count(key->id, minute, err);
	if (n < 0)
		return -1;
	for (int tries = 0; n < key->rate_per_minute && tries < RATE_CLAIM_TRIES; n++, tries++) {
		char id[64];
		snprintf(id, sizeof(id), "%s:%lld:%lld", key->id, (long long)minute, (long long)n);
		bson_t *doc = BCON_NEW("_id", BCON_UTF8(id), "key_id", BCON_UTF8(key->id), "minute",
				       BCON_INT64(minute), "at", BCON_DATE_TIME(now_ms));
		enum db_claim_result r = db_claim(RATE_COLL, doc, err);
		bson_destroy(doc);
		if (r == DB_CLAIM_WON)
			return 1;
		if (r == DB_CLAIM_ERROR)
			return -1;
	}
	return 0;
}

int64_t api_keys_purge_rate(int64_t now_ms, bool dry_run, struct derr *err)
{
	return store_purge_before(RATE_COLL, "at", now_ms - 60 * MINUTE_MS, dry_run, err);
}

/* ---- the public forms: the store's types stay in this file ---- */

enum api_keys_rc api_keys_create(const char *name, int rate_per_minute, const char *created_by,
				 struct api_key *out, char secret[API_KEY_SECRET_LEN + 1],
				 struct derr *err)
{
	bson_error_t e;
	enum api_keys_rc rc = create(name, rate_per_minute, created_by, out, secret, &e);
	if (rc == API_KEYS_ERR)
		derr_from_store(err, &e);
	return rc;
}

enum api_keys_rc api_keys_list(struct api_key **out, size_t *n, struct derr *err)
{
	bson_error_t e;
	enum api_keys_rc rc = list_store(out, n, &e);
	if (rc == API_KEYS_ERR)
		derr_from_store(err, &e);
	return rc;
}

enum api_keys_rc api_keys_revoke(const struct oid *id, struct derr *err)
{
	bson_oid_t b;
	bson_error_t e;
	oid_to_store(id, &b);
	enum api_keys_rc rc = revoke_store(&b, &e);
	if (rc == API_KEYS_ERR)
		derr_from_store(err, &e);
	return rc;
}

enum api_keys_rc api_keys_check(const char *secret, struct api_key *out, struct derr *err)
{
	bson_error_t e;
	enum api_keys_rc rc = check_store(secret, out, &e);
	if (rc == API_KEYS_ERR)
		derr_from_store(err, &e);
	return rc;
}

int api_keys_rate_take(const struct api_key *key, int64_t now_ms, int64_t *retry_after,
		       struct derr *err)
{
	bson_error_t e;
	int r = rate_take(key, now_ms, retry_after, &e);
	if (r < 0)
		derr_from_store(err, &e);
	return r;
}
