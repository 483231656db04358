#include "domain/auth.h"

#include <errno.h>
#include <jwt.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/session_cache.h"
#include "domain/users.h"
#include "domain/store.h"
#include "infra/b64url.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/jwt_keys.h"
#include "infra/log.h"
#include "infra/timeutil.h"

static void crypto_ready(void)
{
	if (sodium_init() < 0) {
		log_error("libsodium could not be initialised");
		abort();
	}
}

static unsigned long long opslimit(void)
{
	return (unsigned long long)config_get()->argon2_opslimit;
}

static size_t memlimit(void)
{
	return (size_t)config_get()->argon2_memlimit_kib * 1024u;
}

char *auth_hash_password(const char *password)
{
	crypto_ready();
	char *out = malloc(crypto_pwhash_STRBYTES);
	if (!out)
		return NULL;
	if (crypto_pwhash_str_alg(out, password, strlen(password), opslimit(), memlimit(),
				  crypto_pwhash_ALG_ARGON2ID13) != 0) {
		log_error("password hashing failed (out of memory?)");
		free(out);
		return NULL;
	}
	return out;
}

bool auth_verify_password(const char *hash, const char *password)
{
	crypto_ready();
	if (!hash || !password || strncmp(hash, "$argon2id$", 10) != 0)
		return false;
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

/* One per process, made on first use with the configured cost. */
static char dummy_hash[crypto_pwhash_STRBYTES];
static unsigned long long dummy_ops;
static size_t dummy_mem;

bool auth_verify_dummy(const char *password)
{
	crypto_ready();
	if (!dummy_hash[0] || dummy_ops != opslimit() || dummy_mem != memlimit()) {
		unsigned char rnd[16];
		char pw[33];
		randombytes_buf(rnd, sizeof(rnd));
		sodium_bin2hex(pw, sizeof(pw), rnd, sizeof(rnd));
		if (crypto_pwhash_str_alg(dummy_hash, pw, strlen(pw), opslimit(), memlimit(),
					  crypto_pwhash_ALG_ARGON2ID13) != 0) {
			dummy_hash[0] = '\0';
			return false;
		}
		dummy_ops = opslimit();
		dummy_mem = memlimit();
	}
	volatile int r = crypto_pwhash_str_verify(dummy_hash, password, strlen(password));
	(void)r;
	return false;
}

bool auth_needs_rehash(const char *hash)
{
	crypto_ready();
	return crypto_pwhash_str_needs_rehash(hash, opslimit(), memlimit()) != 0;
}

/* ---- tokens ---- */

char *auth_issue_token_after(const char *user_id, const char *role, int64_t min_iat,
			     struct auth_claims *out)
{
	return auth_issue_session_token(user_id, role, min_iat, NULL, out);
}

char *auth_issue_session_token(const char *user_id, const char *role, int64_t min_iat,
			       const char *sid, struct auth_claims *out)
{
	crypto_ready();
	const struct config *c = config_get();
	unsigned char rnd[16];
	char jti[33];
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(jti, sizeof(jti), rnd, sizeof(rnd));
	int64_t now = time_now_ms() / 1000;
	if (min_iat > now && min_iat <= now + AUTH_CLOCK_LEEWAY_SEC)
		now = min_iat;
	int64_t exp = now + (int64_t)c->jwt_expire_min * 60;
	const struct jwt_ring *ring = jwt_keys();
	if (ring->n == 0)
		return NULL;
	const struct jwt_key *k = &ring->keys[0];
	jwt_t *j = NULL;
	if (jwt_new(&j) != 0)
		return NULL;
	char *tok = NULL;
	if (jwt_add_grant(j, "sub", user_id) == 0 && jwt_add_grant(j, "role", role) == 0 &&
	    jwt_add_grant(j, "jti", jti) == 0 && jwt_add_grant(j, "iss", c->jwt_issuer) == 0 &&
	    (!sid || !*sid || jwt_add_grant(j, "sid", sid) == 0) &&
	    jwt_add_grant_int(j, "iat", (long)now) == 0 &&
	    jwt_add_grant_int(j, "exp", (long)exp) == 0 &&
	    jwt_set_alg(j, JWT_ALG_HS256, (const unsigned char *)k->secret, (int)k->len) == 0 &&
	    jwt_add_header(j, "kid", k->kid) == 0)
		tok = jwt_encode_str(j);
	jwt_free(j);
	if (tok && out) {
		memset(out, 0, sizeof(*out));
		snprintf(out->sub, sizeof(out->sub), "%s", user_id);
		snprintf(out->role, sizeof(out->role), "%s", role);
		snprintf(out->jti, sizeof(out->jti), "%s", jti);
		snprintf(out->sid, sizeof(out->sid), "%s", sid ? sid : "");
		out->iat = now;
		out->exp = exp;
	}
	return tok;
}

/* A numeric grant; false when missing or not a positive integer. */
static bool int_grant(jwt_t *j, const char *name, int64_t *v)
{
	errno = 0;
	long x = jwt_get_grant_int(j, name);
	if (errno != 0 || x <= 0)
		return false;
	*v = (int64_t)x;
	return true;
}

static bool jti_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n >= sizeof(((struct auth_claims *)0)->jti))
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '_'))
			return false;
	}
	return true;
}

/* The kid of the token's header without trusting anything yet (it only picks the key),
 * into kid; false when there is none or it is not a plausible kid. */
static bool header_kid(const char *token, char kid[JWT_KID_MAX + 1])
{
	const char *dot = strchr(token, '.');
	uint8_t raw[512];
	if (!dot || dot - token > 600)
		return false;
	long n = b64url_decode(token, (size_t)(dot - token), raw, sizeof(raw) - 1);
	if (n <= 0)
		return false;
	raw[n] = '\0';
	json_object *h = json_tokener_parse((const char *)raw);
	json_object *k = NULL;
	bool ok = h && json_object_object_get_ex(h, "kid", &k) &&
		  json_object_is_type(k, json_type_string) &&
		  json_object_get_string_len(k) <= JWT_KID_MAX;
	if (ok)
		snprintf(kid, JWT_KID_MAX + 1, "%s", json_object_get_string(k));
	json_object_put(h);
	return ok;
}

/* libjwt decodes and checks the signature with one key: the kid's, else each of the ring
 * (a handful of HMACs at most). Returns the decoded token (caller jwt_free) or NULL. */
static jwt_t *decode_with_ring(const char *token)
{
	const struct jwt_ring *ring = jwt_keys();
	char kid[JWT_KID_MAX + 1];
	const struct jwt_key *k = header_kid(token, kid) ? jwt_keys_find(kid) : NULL;
	for (size_t i = 0; i < (k ? 1 : ring->n); i++) {
		const struct jwt_key *key = k ? k : &ring->keys[i];
		/* libjwt skips the signature check with a NULL key: never call it so. */
		if (!key->secret || key->len == 0)
			continue;
		jwt_t *j = NULL;
		if (jwt_decode(&j, token, (const unsigned char *)key->secret, (int)key->len) == 0 &&
		    j)
			return j;
		jwt_free(j);
	}
	return NULL;
}

bool auth_verify_token_at(const char *token, int64_t now, struct auth_claims *out, const char **why)
{
	const struct config *c = config_get();
	const char *dummy;
	if (!why)
		why = &dummy;
	*why = NULL;
	if (out)
		memset(out, 0, sizeof(*out));
	if (!token || !*token || strlen(token) > 8192) {
		*why = "empty or oversized";
		return false;
	}
	jwt_t *j = decode_with_ring(token);
	if (!j) {
		*why = "malformed or bad signature";
		return false;
	}
	bool ok = false;
	int64_t exp, iat, nbf;
	const char *iss, *sub, *jti, *role, *sid;
	/* libjwt matches the alg name ignoring case ("hs256"); JWS names are case-sensitive. */
	const char *alg = jwt_get_header(j, "alg");
	if (jwt_get_alg(j) != JWT_ALG_HS256 || !alg || strcmp(alg, "HS256") != 0) {
		*why = "algorithm is not HS256";
	} else if (!int_grant(j, "exp", &exp)) {
		*why = "exp missing";
	} else if (exp <= now) {
		*why = "expired";
	} else if (!int_grant(j, "iat", &iat)) {
		*why = "iat missing";
	} else if (iat > now + AUTH_CLOCK_LEEWAY_SEC) {
		*why = "issued in the future";
	} else if (int_grant(j, "nbf", &nbf) && nbf > now + AUTH_CLOCK_LEEWAY_SEC) {
		*why = "not yet valid";
	} else if (!(iss = jwt_get_grant(j, "iss")) || strcmp(iss, c->jwt_issuer) != 0) {
		*why = "wrong issuer";
	} else if (!(sub = jwt_get_grant(j, "sub")) || strlen(sub) != 24 ||
		   !bson_oid_is_valid(sub, 24)) {
		*why = "sub is not an ObjectId";
	} else if (!(jti = jwt_get_grant(j, "jti")) || !jti_ok(jti)) {
		*why = "jti missing";
	} else if ((sid = jwt_get_grant(j, "sid")) &&
		   (strlen(sid) != AUTH_SID_LEN || !jti_ok(sid))) {
		*why = "sid malformed";
	} else {
		ok = true;
		if (out) {
			snprintf(out->sub, sizeof(out->sub), "%s", sub);
			for (char *p = out->sub; *p; p++)
				if (*p >= 'A' && *p <= 'F')
					*p = (char)(*p - 'A' + 'a');
			role = jwt_get_grant(j, "role");
			snprintf(out->role, sizeof(out->role), "%s", role ? role : "");
			snprintf(out->jti, sizeof(out->jti), "%s", jti);
			snprintf(out->sid, sizeof(out->sid), "%s", sid ? sid : "");
			out->iat = iat;
			out->exp = exp;
		}
	}
	jwt_free(j);
	return ok;
}

bool auth_verify_token(const char *token, struct auth_claims *out, const char **why)
{
	return auth_verify_token_at(token, time_now_ms() / 1000, out, why);
}

/* ---- revocation ---- */

static bool revoke_store(const char *jti, const char *user_id, int64_t exp, bson_error_t *err)
{
	bson_t *doc =
	    BCON_NEW("_id", BCON_UTF8(jti), "user_id", BCON_UTF8(user_id), "expires_at",
		     BCON_DATE_TIME(exp * 1000), "revoked_at", BCON_DATE_TIME(time_now_ms()));
	/* Revoking twice is fine: a lost claim means the token is already revoked. */
	enum db_claim_result r = db_claim("revoked_tokens", doc, err);
	bson_destroy(doc);
	if (r == DB_CLAIM_ERROR)
		return false;
	/* Every worker's session cache learns it (at once on this machine, within 1 s on
	 * the others). */
	struct oid uid;
	struct derr d;
	if (session_cache_changed(oid_parse(user_id, &uid) ? &uid : NULL, jti, &d))
		return true;
	bson_set_error(err, d.domain, d.code, "%s", d.message);
	return false;
}

bool auth_revoke(const char *jti, const char *user_id, int64_t exp, struct derr *err)
{
	bson_error_t e;
	if (revoke_store(jti, user_id, exp, &e))
		return true;
	derr_from_store(err, &e);
	return false;
}

void auth_session_revocation_key(const char *sid, char buf[AUTH_SID_LEN + 5])
{
	snprintf(buf, AUTH_SID_LEN + 5, "sid:%s", sid);
}

bool auth_revoke_session(const char *sid, const char *user_id, struct derr *err)
{
	char key[AUTH_SID_LEN + 5];
	auth_session_revocation_key(sid, key);
	/* the session's access tokens were all issued by now: none outlives this */
	int64_t until = time_now_ms() / 1000 + (int64_t)config_get()->jwt_expire_min * 60 +
			AUTH_CLOCK_LEEWAY_SEC;
	return auth_revoke(key, user_id, until, err);
}

int auth_is_revoked(const char *jti, struct derr *err)
{
	bson_t *f = BCON_NEW("_id", BCON_UTF8(jti));
	bson_error_t e;
	int64_t n =
	    mongoc_collection_count_documents(db_coll("revoked_tokens"), f, NULL, NULL, NULL, &e);
	bson_destroy(f);
	if (n < 0) {
		derr_from_store(err, &e);
		return -1;
	}
	return n > 0 ? 1 : 0;
}

static enum auth_session session_check(const struct auth_claims *cl, struct user *u,
				       struct derr *err)
{
	memset(u, 0, sizeof(*u));
	/* No store command in the steady state: revocations and user state come from the
	 * per-worker cache, which a sync keeps within 1 s of every change (session_cache.h). */
	if (!session_cache_sync(err))
		return AUTH_SESSION_DB_ERROR;
	if (session_cache_revoked(cl->jti))
		return AUTH_SESSION_INVALID;
	if (cl->sid[0]) {
		char key[AUTH_SID_LEN + 5];
		auth_session_revocation_key(cl->sid, key);
		if (session_cache_revoked(key))
			return AUTH_SESSION_INVALID;
	}
	struct oid oid;
	if (!oid_parse(cl->sub, &oid))
		return AUTH_SESSION_INVALID;
	int rc = session_cache_user(&oid, u, err);
	if (rc == USERS_ERR)
		return AUTH_SESSION_DB_ERROR;
	if (rc != USERS_OK)
		return AUTH_SESSION_INVALID;
	if (u->disabled || (u->tokens_valid_after > 0 && cl->iat < u->tokens_valid_after &&
			    strcmp(cl->jti, u->keep_jti) != 0)) {
		users_clear(u);
		return AUTH_SESSION_INVALID;
	}
	return AUTH_SESSION_OK;
}

enum auth_session auth_session_check(const struct auth_claims *cl, struct user *u, struct derr *err)
{
	return session_check(cl, u, err);
}

/* ---- device cookies ---- */

/* The MAC input is prefixed so that no other use of JWT_SECRET (HS256 signs
 * "<base64url header>.<payload>") can ever produce or accept the same bytes. */
static const char device_mac_context[] = "swmra-device-cookie-v1|";

static void device_mac(const struct jwt_key *key, const char *payload, size_t len,
		       char hex[2 * crypto_auth_hmacsha256_BYTES + 1])
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)key->secret, key->len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)device_mac_context,
				      sizeof(device_mac_context) - 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)payload, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(hex, 2 * sizeof(mac) + 1, mac, sizeof(mac));
	sodium_memzero(&st, sizeof(st));
}

bool auth_device_issue(const char *user_id, int64_t now, char out[AUTH_DEVICE_COOKIE_MAX])
{
	crypto_ready();
	unsigned char rnd[AUTH_DEVICE_ID_LEN / 2];
	char id[AUTH_DEVICE_ID_LEN + 1], mac[2 * crypto_auth_hmacsha256_BYTES + 1];
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(id, sizeof(id), rnd, sizeof(rnd));
	int n = snprintf(out, AUTH_DEVICE_COOKIE_MAX, "%s.%s.%lld", user_id, id,
			 (long long)(now + AUTH_DEVICE_MAX_AGE_SEC));
	if (n < 0 || (size_t)n + 1 + sizeof(mac) > AUTH_DEVICE_COOKIE_MAX)
		return false;
	const struct jwt_ring *ring = jwt_keys();
	if (ring->n == 0)
		return false;
	device_mac(&ring->keys[0], out, (size_t)n, mac);
	snprintf(out + n, AUTH_DEVICE_COOKIE_MAX - (size_t)n, ".%s", mac);
	return true;
}

static bool all_lhex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

bool auth_device_verify(const char *cookie, const char *user_id, int64_t now,
			char device_id[AUTH_DEVICE_ID_LEN + 1])
{
	crypto_ready();
	enum { UID = 24, ID = AUTH_DEVICE_ID_LEN, MAC = 2 * crypto_auth_hmacsha256_BYTES };
	size_t len = cookie ? strnlen(cookie, AUTH_DEVICE_COOKIE_MAX) : 0;
	/* <uid 24>.<id 32>.<expiry: 1-18 digits>.<mac 64> */
	if (!user_id || strlen(user_id) != UID || len < UID + 1 + ID + 1 + 1 + 1 + MAC ||
	    len > UID + 1 + ID + 1 + 18 + 1 + MAC)
		return false;
	const char *id = cookie + UID + 1, *exp = id + ID + 1, *mac = cookie + len - MAC;
	if (cookie[UID] != '.' || id[ID] != '.' || mac[-1] != '.' || !all_lhex(cookie, UID) ||
	    !all_lhex(id, ID) || !all_lhex(mac, MAC))
		return false;
	int64_t expiry = 0;
	for (const char *p = exp; p < mac - 1; p++) {
		if (*p < '0' || *p > '9')
			return false;
		expiry = expiry * 10 + (*p - '0'); /* at most 18 digits: no overflow */
	}
	/* the MAC first, in constant time, under any key of the ring (a key rotation keeps
	 * the devices known); then what it vouches for */
	const struct jwt_ring *ring = jwt_keys();
	bool mac_ok = false;
	for (size_t i = 0; i < ring->n && !mac_ok; i++) {
		char want[MAC + 1];
		device_mac(&ring->keys[i], cookie, (size_t)(mac - 1 - cookie), want);
		mac_ok = sodium_memcmp(want, mac, MAC) == 0;
	}
	if (!mac_ok || memcmp(cookie, user_id, UID) != 0 || expiry <= now)
		return false;
	memcpy(device_id, id, ID);
	device_id[ID] = '\0';
	return true;
}

/* ---- login backoff ---- */

static int64_t backoff_window(int64_t failures, int64_t threshold)
{
	int64_t cap = config_get()->login_backoff_max_sec;
	if (failures < threshold)
		return 0;
	int64_t extra = failures - threshold;
	int64_t w = AUTH_BACKOFF_BASE_SEC;
	for (int64_t i = 0; i < extra && w < cap; i++)
		w *= 2;
	return w < cap ? w : cap;
}

int64_t auth_backoff_window(int64_t failures)
{
	return backoff_window(failures, config_get()->login_max_failures);
}

/* The seconds to wait imposed by the remembered failures matching `f` (0: none), -1 on a
 * database error. */
static int64_t backoff_wait(const bson_t *f, int64_t threshold, int64_t now, bson_error_t *err)
{
	int64_t n =
	    mongoc_collection_count_documents(db_coll("login_failures"), f, NULL, NULL, NULL, err);
	if (n < 0)
		return -1;
	int64_t w = backoff_window(n, threshold);
	if (w == 0)
		return 0;
	bson_t *opts = BCON_NEW("sort", "{", "at", BCON_INT32(-1), "}", "limit", BCON_INT64(1));
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("login_failures"), f, opts, NULL);
	bson_destroy(opts);
	const bson_t *doc;
	int64_t last = 0;
	if (mongoc_cursor_next(cur, &doc)) {
		bson_iter_t it;
		if (bson_iter_init_find(&it, doc, "at") && BSON_ITER_HOLDS_DATE_TIME(&it))
			last = bson_iter_date_time(&it);
	} else if (mongoc_cursor_error(cur, err)) {
		mongoc_cursor_destroy(cur);
		return -1;
	}
	mongoc_cursor_destroy(cur);
	int64_t until = last + w * 1000;
	if (until <= now)
		return 0;
	return (until - now + 999) / 1000;
}

static bool trusted(const struct auth_attempt *a)
{
	return a->device && *a->device;
}

/* The wait imposed by the remembered failures of one key: a trusted key's
 * {device: value}, or the untrusted failures {key: value, device: ""} of an account or an
 * address. */
static int64_t key_wait(const char *key, const char *value, int64_t threshold, int64_t now,
			bson_error_t *err)
{
	bson_t *f = BCON_NEW(key, BCON_UTF8(value), "at", "{", "$gt",
			     BCON_DATE_TIME(now - (int64_t)AUTH_FAILURE_MEMORY_SEC * 1000), "}");
	if (strcmp(key, "device") != 0)
		BSON_APPEND_UTF8(f, "device", "");
	int64_t w = backoff_wait(f, threshold, now, err);
	bson_destroy(f);
	return w;
}

static int64_t backoff_check(const struct auth_attempt *a, bson_error_t *err)
{
	const struct config *c = config_get();
	int64_t now = time_now_ms();
	if (trusted(a))
		return key_wait("device", a->device, c->login_max_failures, now, err);
	int64_t w = key_wait("email", a->email, c->login_max_failures, now, err);
	if (w < 0 || !a->ip || !*a->ip)
		return w;
	int64_t wc = key_wait("ip", a->ip, c->login_client_max_failures, now, err);
	if (wc < 0)
		return -1;
	return wc > w ? wc : w;
}

int64_t auth_backoff_check(const struct auth_attempt *a, struct derr *err)
{
	bson_error_t e;
	int64_t w = backoff_check(a, &e);
	if (w < 0)
		derr_from_store(err, &e);
	return w;
}

bool auth_backoff_fail(const struct auth_attempt *a, struct derr *err)
{
	bson_error_t e;
	bson_t *doc = BCON_NEW("email", BCON_UTF8(a->email), "at", BCON_DATE_TIME(time_now_ms()),
			       "ip", BCON_UTF8(a->ip ? a->ip : ""), "device",
			       BCON_UTF8(trusted(a) ? a->device : ""));
	bool ok = mongoc_collection_insert_one(db_coll("login_failures"), doc, NULL, NULL, &e);
	bson_destroy(doc);
	if (!ok)
		derr_from_store(err, &e);
	return ok;
}

bool auth_backoff_reset(const struct auth_attempt *a, struct derr *err)
{
	bson_error_t e;
	bson_t *f = trusted(a) ? BCON_NEW("device", BCON_UTF8(a->device))
			       : BCON_NEW("email", BCON_UTF8(a->email), "device", BCON_UTF8(""));
	bool ok = mongoc_collection_delete_many(db_coll("login_failures"), f, NULL, NULL, &e);
	bson_destroy(f);
	if (!ok)
		derr_from_store(err, &e);
	return ok;
}

/* ---- purge ---- */

int64_t auth_purge_revoked(int64_t now_ms, bool dry_run, struct derr *err)
{
	return store_purge_before("revoked_tokens", "expires_at", now_ms, dry_run, err);
}

int64_t auth_purge_failures(int64_t now_ms, bool dry_run, struct derr *err)
{
	return store_purge_before("login_failures", "at",
				  now_ms - (int64_t)AUTH_FAILURE_MEMORY_SEC * 1000, dry_run, err);
}
