#include "domain/password_reset.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/internal/notify_store.h"
#include "domain/refresh.h"
#include "domain/internal/users_store.h"
#include "domain/store.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/timeutil.h"

/* Requests of `key` (email or ip) within the window. */
static int64_t recent(const char *key, const char *value, int64_t now, bson_error_t *err)
{
	bson_t *f = BCON_NEW(key, BCON_UTF8(value), "at", "{", "$gt",
			     BCON_DATE_TIME(now - PASSWORD_RESET_WINDOW_SEC * 1000LL), "}");
	int64_t n = mongoc_collection_count_documents(db_coll("password_reset_requests"), f, NULL,
						      NULL, NULL, err);
	bson_destroy(f);
	return n;
}

static bool queue_mail(const struct user *u, const char *token, bson_error_t *err)
{
	bool claim = !u->password_hash || !*u->password_hash;
	char link[1024], text[2048], html[3072];
	snprintf(link, sizeof(link), "%s/reset-password?token=%s", config_get()->public_base_url,
		 token);
	const char *subject = claim ? "Set your SWMRA password" : "Reset your SWMRA password";
	snprintf(text, sizeof(text),
		 "Hello,\n\nsomeone (hopefully you) asked to %s the password of your SWMRA "
		 "account. Open this link within 30 minutes to choose a new one:\n\n%s\n\n"
		 "The link works once. If you did not ask for it, ignore this mail: your "
		 "password stays as it is.\n",
		 claim ? "set" : "reset", link);
	snprintf(html, sizeof(html),
		 "<p>Hello,</p><p>someone (hopefully you) asked to %s the password of your "
		 "SWMRA account. Open this link within 30 minutes to choose a new one:</p>"
		 "<p><a href=\"%s\">Choose a new password</a></p><p>The link works once. If you "
		 "did not ask for it, ignore this mail: your password stays as it is.</p>",
		 claim ? "set" : "reset", link);
	bson_oid_t uid;
	bson_oid_init_from_string(&uid, u->id);
	return notify_account_email(&uid, "password_reset", subject, text, html, u->email, err);
}

/* Stores a link for `user` (NULL: an unknown email, never redeemable) into token. */
static bool store_link(const bson_oid_t *user, int64_t now, char token[PASSWORD_RESET_TOKEN_LEN],
		       bson_error_t *err)
{
	unsigned char rnd[32];
	char hash[65];
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2base64(token, PASSWORD_RESET_TOKEN_LEN, rnd, sizeof(rnd),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	refresh_hash(token, hash);
	bson_t *doc = BCON_NEW("_id", BCON_UTF8(hash), "created_at", BCON_DATE_TIME(now),
			       "expires_at", BCON_DATE_TIME(now + PASSWORD_RESET_TTL_SEC * 1000LL));
	if (user)
		BSON_APPEND_OID(doc, "user_id", user);
	else
		BSON_APPEND_NULL(doc, "user_id");
	bool ok = mongoc_collection_insert_one(db_coll("password_resets"), doc, NULL, NULL, err);
	bson_destroy(doc);
	return ok;
}

static enum reset_request request_link(const char *email, const char *ip, bson_error_t *err)
{
	int64_t now = time_now_ms();
	if (!ip)
		ip = "";
	int64_t by_client = *ip ? recent("ip", ip, now, err) : 0;
	if (by_client < 0)
		return RESET_REQUEST_DB_ERROR;
	if (by_client >= PASSWORD_RESET_PER_CLIENT)
		return RESET_REQUEST_CLIENT_LIMITED;
	int64_t by_email = recent("email", email, now, err);
	if (by_email < 0)
		return RESET_REQUEST_DB_ERROR;
	bson_t *rec =
	    BCON_NEW("email", BCON_UTF8(email), "ip", BCON_UTF8(ip), "at", BCON_DATE_TIME(now));
	bool ok =
	    mongoc_collection_insert_one(db_coll("password_reset_requests"), rec, NULL, NULL, err);
	bson_destroy(rec);
	if (!ok)
		return RESET_REQUEST_DB_ERROR;
	if (by_email >= PASSWORD_RESET_PER_EMAIL)
		return RESET_REQUEST_ACCEPTED; /* silently: the answer must not differ */
	struct user u;
	enum users_rc rc = users_find_by_email(email, true, &u, err);
	if (rc == USERS_ERR)
		return RESET_REQUEST_DB_ERROR;
	bool real = rc == USERS_OK && !u.disabled;
	char token[PASSWORD_RESET_TOKEN_LEN];
	bson_oid_t uid;
	if (real)
		bson_oid_init_from_string(&uid, u.id);
	ok = store_link(real ? &uid : NULL, now, token, err) &&
	     (!real || queue_mail(&u, token, err));
	sodium_memzero(token, sizeof(token));
	if (rc == USERS_OK)
		users_clear(&u);
	return ok ? RESET_REQUEST_ACCEPTED : RESET_REQUEST_DB_ERROR;
}

enum reset_request password_reset_request(const char *email, const char *ip, struct derr *err)
{
	bson_error_t e;
	enum reset_request r = request_link(email, ip, &e);
	if (r == RESET_REQUEST_DB_ERROR)
		derr_from_store(err, &e);
	return r;
}

static bool token_ok(const char *t)
{
	if (!t || strlen(t) != PASSWORD_RESET_TOKEN_LEN - 1)
		return false;
	for (; *t; t++)
		if (!((*t >= '0' && *t <= '9') || (*t >= 'a' && *t <= 'z') ||
		      (*t >= 'A' && *t <= 'Z') || *t == '-' || *t == '_'))
			return false;
	return true;
}

static enum reset_redeem redeem(const char *token, bson_oid_t *user, bson_error_t *err)
{
	if (!token_ok(token))
		return RESET_INVALID;
	char hash[65];
	refresh_hash(token, hash);
	int64_t now = time_now_ms(), expires = 0;
	bool found = false, bound = false;
	bson_t *f = BCON_NEW("_id", BCON_UTF8(hash));
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("password_resets"), f, NULL, NULL);
	bson_destroy(f);
	const bson_t *doc;
	if (mongoc_cursor_next(cur, &doc)) {
		bson_iter_t it;
		found = true;
		if (bson_iter_init_find(&it, doc, "user_id") && BSON_ITER_HOLDS_OID(&it)) {
			bson_oid_copy(bson_iter_oid(&it), user);
			bound = true;
		}
		if (bson_iter_init_find(&it, doc, "expires_at") && BSON_ITER_HOLDS_DATE_TIME(&it))
			expires = bson_iter_date_time(&it);
	}
	bool failed = mongoc_cursor_error(cur, err);
	mongoc_cursor_destroy(cur);
	if (failed)
		return RESET_DB_ERROR;
	if (!found || !bound)
		return RESET_INVALID;
	if (expires <= now)
		return RESET_EXPIRED;
	bson_t *use = BCON_NEW("_id", BCON_UTF8(hash), "at", BCON_DATE_TIME(now), "expires_at",
			       BCON_DATE_TIME(expires));
	enum db_claim_result r = db_claim("password_reset_uses", use, err);
	bson_destroy(use);
	if (r == DB_CLAIM_LOST)
		return RESET_USED;
	return r == DB_CLAIM_WON ? RESET_OK : RESET_DB_ERROR;
}

enum reset_redeem password_reset_redeem(const char *token, struct oid *user, struct derr *err)
{
	bson_oid_t u;
	bson_error_t e;
	enum reset_redeem r = redeem(token, &u, &e);
	if (r == RESET_DB_ERROR)
		derr_from_store(err, &e);
	if (r == RESET_OK)
		oid_from_store(user, &u);
	return r;
}

bool password_reset_forget(const struct oid *user, struct derr *err)
{
	bson_oid_t u;
	bson_error_t e;
	oid_to_store(user, &u);
	bson_t *f = BCON_NEW("user_id", BCON_OID(&u));
	bool ok = mongoc_collection_delete_many(db_coll("password_resets"), f, NULL, NULL, &e);
	bson_destroy(f);
	if (!ok)
		derr_from_store(err, &e);
	return ok;
}

int64_t password_reset_purge(int64_t now_ms, bool dry_run, struct derr *err)
{
	int64_t a = store_purge_before("password_resets", "expires_at", now_ms, dry_run, err);
	int64_t b =
	    a < 0 ? -1
		  : store_purge_before("password_reset_uses", "expires_at", now_ms, dry_run, err);
	int64_t c =
	    b < 0 ? -1
		  : store_purge_before("password_reset_requests", "at",
				       now_ms - PASSWORD_RESET_WINDOW_SEC * 1000LL, dry_run, err);
	return c < 0 ? -1 : a + b + c;
}
