#include "domain/refresh.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "domain/session_cache.h"
#include "domain/store.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/timeutil.h"

void refresh_hash(const char *s, char hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

/* The first of `names` found in `ua` (case-sensitive, as browsers spell themselves), its
 * label; order matters (Edge and Chrome both say "Chrome", Chrome says "Safari"). */
static const char *first_match(const char *ua, const char *const pairs[][2], size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(ua, pairs[i][0]))
			return pairs[i][1];
	return NULL;
}

void refresh_device_label(const char *ua, char out[REFRESH_DEVICE_MAX])
{
	static const char *const browsers[][2] = {
	    {"Edg/", "Edge"},	       {"OPR/", "Opera"},     {"Firefox/", "Firefox"},
	    {"Chromium/", "Chromium"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"},
	    {"curl/", "curl"},	       {"node", "Node.js"}};
	static const char *const systems[][2] = {
	    {"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"},  {"Windows", "Windows"},
	    {"Mac OS X", "macOS"},  {"CrOS", "ChromeOS"}, {"Linux", "Linux"}};
	if (!ua || !*ua) {
		snprintf(out, REFRESH_DEVICE_MAX, "Unknown device");
		return;
	}
	const char *b = first_match(ua, browsers, sizeof(browsers) / sizeof(browsers[0]));
	const char *s = first_match(ua, systems, sizeof(systems) / sizeof(systems[0]));
	if (b && s)
		snprintf(out, REFRESH_DEVICE_MAX, "%s on %s", b, s);
	else
		snprintf(out, REFRESH_DEVICE_MAX, "%s", b ? b : s ? s : "Unknown device");
}

static void random_token(char out[REFRESH_TOKEN_LEN])
{
	unsigned char rnd[32];
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2base64(out, REFRESH_TOKEN_LEN, rnd, sizeof(rnd),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static int64_t lifetime_ms(void)
{
	return (int64_t)config_get()->refresh_days * 86400 * 1000;
}

/* Stores a new refresh token of session `sid` into out. */
static bool new_token(const bson_oid_t *user, const char *sid, int64_t now,
		      struct refresh_issued *out, bson_error_t *err)
{
	char hash[65];
	random_token(out->token);
	snprintf(out->sid, sizeof(out->sid), "%s", sid);
	out->max_age = lifetime_ms() / 1000;
	refresh_hash(out->token, hash);
	bson_t *doc = BCON_NEW("_id", BCON_UTF8(hash), "sid", BCON_UTF8(sid), "user_id",
			       BCON_OID(user), "created_at", BCON_DATE_TIME(now), "expires_at",
			       BCON_DATE_TIME(now + lifetime_ms()));
	bool ok = mongoc_collection_insert_one(db_coll("refresh_tokens"), doc, NULL, NULL, err);
	bson_destroy(doc);
	return ok;
}

static void user_agent_fields(bson_t *doc, const char *ua)
{
	char device[REFRESH_DEVICE_MAX];
	refresh_device_label(ua, device);
	BSON_APPEND_UTF8(doc, "device", device);
	char *u = ua ? strndup(ua, REFRESH_UA_MAX) : NULL;
	/* only valid UTF-8 is stored (a truncation may cut a character) */
	if (u && !bson_utf8_validate(u, strlen(u), false))
		u[0] = '\0';
	BSON_APPEND_UTF8(doc, "user_agent", u ? u : "");
	free(u);
}

static bool start(const bson_oid_t *user, const char *ua, struct refresh_issued *out,
		  bson_error_t *err)
{
	unsigned char rnd[AUTH_SID_LEN / 2];
	char sid[AUTH_SID_LEN + 1];
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(sid, sizeof(sid), rnd, sizeof(rnd));
	int64_t now = time_now_ms();
	bson_t *doc =
	    BCON_NEW("_id", BCON_UTF8(sid), "user_id", BCON_OID(user), "created_at",
		     BCON_DATE_TIME(now), "last_seen_at", BCON_DATE_TIME(now), "expires_at",
		     BCON_DATE_TIME(now + lifetime_ms()), "ended_at", BCON_NULL);
	user_agent_fields(doc, ua);
	bool ok = mongoc_collection_insert_one(db_coll("refresh_sessions"), doc, NULL, NULL, err);
	bson_destroy(doc);
	return ok && new_token(user, sid, now, out, err);
}

bool refresh_start(const struct oid *user, const char *ua, struct refresh_issued *out,
		   struct derr *err)
{
	bson_oid_t u;
	bson_error_t e;
	oid_to_store(user, &u);
	if (start(&u, ua, out, &e))
		return true;
	derr_from_store(err, &e);
	return false;
}

/* The one document of `coll` with _id `id` into *out (caller bson_destroy); 1 found, 0
 * not, -1 error. */
static int find_by_id(const char *coll, const char *id, bson_t **out, bson_error_t *err)
{
	bson_t *f = BCON_NEW("_id", BCON_UTF8(id));
	bson_t *opts = BCON_NEW("limit", BCON_INT64(1));
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll(coll), f, opts, NULL);
	bson_destroy(f);
	bson_destroy(opts);
	const bson_t *doc;
	int rc = 0;
	if (mongoc_cursor_next(cur, &doc)) {
		*out = bson_copy(doc);
		rc = 1;
	} else if (mongoc_cursor_error(cur, err)) {
		rc = -1;
	}
	mongoc_cursor_destroy(cur);
	return rc;
}

static int64_t doc_date(const bson_t *d, const char *key)
{
	bson_iter_t it;
	return bson_iter_init_find(&it, d, key) && BSON_ITER_HOLDS_DATE_TIME(&it)
		   ? bson_iter_date_time(&it)
		   : 0;
}

static bool doc_str(const bson_t *d, const char *key, char *out, size_t n)
{
	bson_iter_t it;
	if (!bson_iter_init_find(&it, d, key) || !BSON_ITER_HOLDS_UTF8(&it))
		return false;
	snprintf(out, n, "%s", bson_iter_utf8(&it, NULL));
	return true;
}

static bool doc_oid(const bson_t *d, const char *key, bson_oid_t *out)
{
	bson_iter_t it;
	if (!bson_iter_init_find(&it, d, key) || !BSON_ITER_HOLDS_OID(&it))
		return false;
	bson_oid_copy(bson_iter_oid(&it), out);
	return true;
}

static bool well_formed(const char *token)
{
	if (!token || strlen(token) != REFRESH_TOKEN_LEN - 1)
		return false;
	for (const char *p = token; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z') || *p == '-' || *p == '_'))
			return false;
	return true;
}

/* The live session of a token document: 1 active (sid filled), 0 ended or expired, -1. */
static int active_session(const char *sid, int64_t now, bson_error_t *err)
{
	bson_t *s = NULL;
	int rc = find_by_id("refresh_sessions", sid, &s, err);
	if (rc <= 0)
		return rc;
	bson_iter_t it;
	bool ended = bson_iter_init_find(&it, s, "ended_at") && !BSON_ITER_HOLDS_NULL(&it);
	rc = !ended && doc_date(s, "expires_at") > now;
	bson_destroy(s);
	return rc;
}

static bool end_session(const bson_oid_t *user, const char *sid, const char *reason, bool *found,
			struct derr *err);

/* refresh_rotate with the store's types: a store failure is in *err, or (*derr_set) in
 * `derr` already. */
static enum refresh_rc rotate(const char *token, const char *ua, struct refresh_issued *out,
			      bson_oid_t *user, bson_error_t *err, struct derr *derr,
			      bool *derr_set)
{
	memset(out, 0, sizeof(*out));
	if (!well_formed(token))
		return REFRESH_INVALID;
	char hash[65], sid[AUTH_SID_LEN + 1] = "";
	refresh_hash(token, hash);
	int64_t now = time_now_ms();
	bson_t *t = NULL;
	int rc = find_by_id("refresh_tokens", hash, &t, err);
	if (rc < 0)
		return REFRESH_DB_ERROR;
	bool ok = rc == 1 && doc_str(t, "sid", sid, sizeof(sid)) && doc_oid(t, "user_id", user) &&
		  doc_date(t, "expires_at") > now;
	bson_destroy(t);
	if (!ok)
		return REFRESH_INVALID;
	rc = active_session(sid, now, err);
	if (rc < 0)
		return REFRESH_DB_ERROR;
	if (rc == 0)
		return REFRESH_INVALID;
	/* One use: whoever inserts the use first rotates; anyone after is a replay. */
	bson_t *use =
	    BCON_NEW("_id", BCON_UTF8(hash), "sid", BCON_UTF8(sid), "at", BCON_DATE_TIME(now),
		     "expires_at", BCON_DATE_TIME(now + lifetime_ms()));
	enum db_claim_result claim = db_claim("refresh_token_uses", use, err);
	bson_destroy(use);
	if (claim == DB_CLAIM_ERROR)
		return REFRESH_DB_ERROR;
	if (claim == DB_CLAIM_LOST) {
		bool found;
		snprintf(out->sid, sizeof(out->sid), "%s", sid);
		json_object *f = json_object_new_object();
		json_object_object_add(f, "sid", json_object_new_string(sid));
		log_write(LOG_WARN, f, "refresh token reused: session ended");
		*derr_set = true;
		if (!end_session(user, sid, "reuse", &found, derr))
			return REFRESH_DB_ERROR;
		*derr_set = false;
		return REFRESH_REUSED;
	}
	if (!new_token(user, sid, now, out, err))
		return REFRESH_DB_ERROR;
	bson_t *q = BCON_NEW("_id", BCON_UTF8(sid));
	bson_t *set = bson_new(), *upd = bson_new();
	BSON_APPEND_DATE_TIME(set, "last_seen_at", now);
	BSON_APPEND_DATE_TIME(set, "expires_at", now + lifetime_ms());
	user_agent_fields(set, ua);
	BSON_APPEND_DOCUMENT(upd, "$set", set);
	ok = mongoc_collection_update_one(db_coll("refresh_sessions"), q, upd, NULL, NULL, err);
	bson_destroy(q);
	bson_destroy(set);
	bson_destroy(upd);
	return ok ? REFRESH_OK : REFRESH_DB_ERROR;
}

enum refresh_rc refresh_rotate(const char *token, const char *ua, struct refresh_issued *out,
			       struct oid *user, struct derr *err)
{
	bson_oid_t u;
	bson_error_t e;
	bool derr_set = false;
	enum refresh_rc r = rotate(token, ua, out, &u, &e, err, &derr_set);
	if (r == REFRESH_DB_ERROR && !derr_set)
		derr_from_store(err, &e);
	if (r == REFRESH_OK)
		oid_from_store(user, &u);
	return r;
}

/* Marks the sessions matching `q` ended. */
static bool mark_ended(const bson_t *q, const char *reason, int64_t now, int64_t *matched,
		       bson_error_t *err)
{
	bson_t *upd = BCON_NEW("$set", "{", "ended_at", BCON_DATE_TIME(now), "ended_reason",
			       BCON_UTF8(reason), "}");
	bson_t reply;
	bool ok =
	    mongoc_collection_update_many(db_coll("refresh_sessions"), q, upd, NULL, &reply, err);
	bson_iter_t it;
	if (ok && matched)
		*matched =
		    bson_iter_init_find(&it, &reply, "matchedCount") ? bson_iter_as_int64(&it) : 0;
	bson_destroy(&reply);
	bson_destroy(upd);
	return ok;
}

static bool end_session(const bson_oid_t *user, const char *sid, const char *reason, bool *found,
			struct derr *err)
{
	bson_error_t e;
	char uhex[25];
	bson_oid_to_string(user, uhex);
	bson_t *q =
	    BCON_NEW("_id", BCON_UTF8(sid), "user_id", BCON_OID(user), "ended_at", BCON_NULL);
	int64_t matched = 0;
	bool ok = mark_ended(q, reason, time_now_ms(), &matched, &e);
	bson_destroy(q);
	*found = matched > 0;
	if (!ok) {
		derr_from_store(err, &e);
		return false;
	}
	/* revoked even when already ended: a reuse after a logout still stops its tokens */
	return auth_revoke_session(sid, uhex, err);
}

bool refresh_end(const struct oid *user, const char *sid, const char *reason, bool *found,
		 struct derr *err)
{
	bson_oid_t u;
	oid_to_store(user, &u);
	return end_session(&u, sid, reason, found, err);
}

bool refresh_end_all(const struct oid *user, const char *keep_sid, const char *reason,
		     struct derr *err)
{
	struct refresh_session *items = NULL;
	size_t n = 0;
	if (!refresh_list(user, &items, &n, err))
		return false;
	char uhex[25];
	bson_oid_t u;
	bson_error_t e;
	oid_to_store(user, &u);
	bson_oid_to_string(&u, uhex);
	bson_t *q = BCON_NEW("user_id", BCON_OID(&u), "ended_at", BCON_NULL);
	if (keep_sid && *keep_sid)
		BCON_APPEND(q, "_id", "{", "$ne", BCON_UTF8(keep_sid), "}");
	bool ok = mark_ended(q, reason, time_now_ms(), NULL, &e);
	bson_destroy(q);
	if (!ok)
		derr_from_store(err, &e);
	/* The access tokens of the ended sessions stop too, also one a refresh racing with
	 * this call has just issued (its session was listed here). */
	for (size_t i = 0; ok && i < n; i++)
		if (!keep_sid || strcmp(items[i].sid, keep_sid) != 0)
			ok = auth_revoke_session(items[i].sid, uhex, err);
	free(items);
	return ok;
}

static int by_last_seen(const void *a, const void *b)
{
	const struct refresh_session *x = a, *y = b;
	return (x->last_seen_at < y->last_seen_at) - (x->last_seen_at > y->last_seen_at);
}

bool refresh_list(const struct oid *user, struct refresh_session **items, size_t *n,
		  struct derr *err)
{
	*items = NULL;
	*n = 0;
	int64_t now = time_now_ms();
	bson_oid_t u;
	bson_error_t e;
	oid_to_store(user, &u);
	bson_t *f = BCON_NEW("user_id", BCON_OID(&u), "ended_at", BCON_NULL);
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("refresh_sessions"), f, NULL, NULL);
	bson_destroy(f);
	struct refresh_session *v = NULL;
	size_t cap = 0, len = 0;
	const bson_t *doc;
	while (mongoc_cursor_next(cur, &doc)) {
		if (doc_date(doc, "expires_at") <= now)
			continue;
		if (len == cap) {
			cap = cap ? cap * 2 : 8;
			struct refresh_session *nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		struct refresh_session *s = &v[len++];
		memset(s, 0, sizeof(*s));
		doc_str(doc, "_id", s->sid, sizeof(s->sid));
		if (!doc_str(doc, "device", s->device, sizeof(s->device)))
			snprintf(s->device, sizeof(s->device), "Unknown device");
		s->created_at = doc_date(doc, "created_at");
		s->last_seen_at = doc_date(doc, "last_seen_at");
	}
	bool ok = !mongoc_cursor_error(cur, &e);
	mongoc_cursor_destroy(cur);
	if (!ok) {
		derr_from_store(err, &e);
		free(v);
		return false;
	}
	if (len)
		qsort(v, len, sizeof(*v), by_last_seen);
	*items = v;
	*n = len > REFRESH_MAX_LISTED ? REFRESH_MAX_LISTED : len;
	return true;
}

int64_t refresh_purge(int64_t now_ms, bool dry_run, struct derr *err)
{
	static const char *const colls[] = {"refresh_tokens", "refresh_token_uses",
					    "refresh_sessions"};
	int64_t total = 0;
	for (size_t i = 0; i < sizeof(colls) / sizeof(colls[0]); i++) {
		int64_t n = store_purge_before(colls[i], "expires_at", now_ms, dry_run, err);
		if (n < 0)
			return -1;
		total += n;
	}
	return total;
}
