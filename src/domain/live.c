#include "domain/live.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "domain/store.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/nchan.h"
#include "infra/timeutil.h"

void live_session_channel(const char *jti, char buf[LIVE_CHANNEL_LEN])
{
	snprintf(buf, LIVE_CHANNEL_LEN, "sess.%s", jti);
}

void live_epoch_channel(const char *user_hex, int64_t tokens_valid_after, const char *keep_jti,
			char buf[LIVE_CHANNEL_LEN])
{
	snprintf(buf, LIVE_CHANNEL_LEN, "epoch.%.24s.%lld.%.63s", user_hex,
		 (long long)tokens_valid_after, keep_jti ? keep_jti : "");
}

static void end_channel(const char *channel)
{
	usleep(LIVE_SETTLE_MS * 1000);
	char err[256];
	if (nchan_delete(channel, err, sizeof(err)) != 0)
		log_warn("live connections of %s not closed: %s", channel, err);
}

void live_end_session(const char *jti)
{
	char ch[LIVE_CHANNEL_LEN];
	live_session_channel(jti, ch);
	end_channel(ch);
}

void live_end_epoch(const char *user_hex, int64_t old_tokens_valid_after, const char *old_keep_jti,
		    int64_t new_tokens_valid_after, const char *new_keep_jti)
{
	char ch[LIVE_CHANNEL_LEN], next[LIVE_CHANNEL_LEN];
	live_epoch_channel(user_hex, old_tokens_valid_after, old_keep_jti, ch);
	live_epoch_channel(user_hex, new_tokens_valid_after, new_keep_jti, next);
	if (strcmp(ch, next) == 0)
		return;
	end_channel(ch);
}

/* ---- tickets ---- */

/* The stored key of a ticket: hex SHA-256, so the database never holds a usable ticket. */
static void ticket_key(const char *ticket, char key[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)ticket, strlen(ticket));
	sodium_bin2hex(key, 65, h, sizeof(h));
}

static bool ticket_well_formed(const char *t)
{
	if (!t || strlen(t) != LIVE_TICKET_LEN - 1)
		return false;
	for (const char *p = t; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return false;
	return true;
}

bool live_ticket_issue(const struct auth_claims *cl, char out[LIVE_TICKET_LEN], int64_t *expires_in,
		       struct derr *err)
{
	bson_error_t e;
	unsigned char rnd[32];
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2base64(out, LIVE_TICKET_LEN, rnd, sizeof(rnd),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	int64_t now = (int64_t)time(NULL);
	int64_t ttl = cl->exp - now < LIVE_TICKET_TTL_SEC ? cl->exp - now : LIVE_TICKET_TTL_SEC;
	if (ttl < 1)
		ttl = 1;
	char key[65];
	ticket_key(out, key);
	bson_t *doc =
	    BCON_NEW("_id", BCON_UTF8(key), "user_id", BCON_UTF8(cl->sub), "jti",
		     BCON_UTF8(cl->jti), "sid", BCON_UTF8(cl->sid), "iat", BCON_INT64(cl->iat),
		     "exp", BCON_INT64(cl->exp), "expires_at", BCON_DATE_TIME((now + ttl) * 1000));
	bool ok = mongoc_collection_insert_one(db_coll("ws_tickets"), doc, NULL, NULL, &e);
	bson_destroy(doc);
	*expires_in = ttl;
	if (!ok)
		derr_from_store(err, &e);
	return ok;
}

static void copy_str(const bson_t *doc, const char *key, char *dst, size_t n)
{
	bson_iter_t it;
	if (bson_iter_init_find(&it, doc, key) && BSON_ITER_HOLDS_UTF8(&it))
		snprintf(dst, n, "%s", bson_iter_utf8(&it, NULL));
}

static int64_t get_i64(const bson_t *doc, const char *key)
{
	bson_iter_t it;
	if (!bson_iter_init_find(&it, doc, key))
		return 0;
	if (BSON_ITER_HOLDS_DATE_TIME(&it))
		return bson_iter_date_time(&it);
	return BSON_ITER_HOLDS_NUMBER(&it) ? bson_iter_as_int64(&it) : 0;
}

/* Reads the ticket document into `out`; its expiry (ms) into *expires_at. 1 found, 0 not. */
static int ticket_load(const char *key, struct auth_claims *out, int64_t *expires_at,
		       bson_error_t *err)
{
	bson_t *f = BCON_NEW("_id", BCON_UTF8(key));
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("ws_tickets"), f, NULL, NULL);
	bson_destroy(f);
	const bson_t *doc;
	int found = 0;
	if (mongoc_cursor_next(cur, &doc)) {
		memset(out, 0, sizeof(*out));
		copy_str(doc, "user_id", out->sub, sizeof(out->sub));
		copy_str(doc, "jti", out->jti, sizeof(out->jti));
		copy_str(doc, "sid", out->sid, sizeof(out->sid));
		out->iat = get_i64(doc, "iat");
		out->exp = get_i64(doc, "exp");
		*expires_at = get_i64(doc, "expires_at");
		found = 1;
	} else if (mongoc_cursor_error(cur, err)) {
		found = -1;
	}
	mongoc_cursor_destroy(cur);
	return found;
}

static enum live_ticket redeem(const char *ticket, int64_t now_ms, struct auth_claims *out,
			       bson_error_t *err)
{
	if (!ticket_well_formed(ticket))
		return LIVE_TICKET_INVALID;
	char key[65];
	ticket_key(ticket, key);
	int64_t expires_at = 0;
	int found = ticket_load(key, out, &expires_at, err);
	if (found < 0)
		return LIVE_TICKET_DB_ERROR;
	if (found == 0 || !out->sub[0] || !out->jti[0])
		return LIVE_TICKET_INVALID;
	if (expires_at <= now_ms || out->exp * 1000 <= now_ms)
		return LIVE_TICKET_EXPIRED;
	/* One use: the first insert of its key wins, however many connections race. */
	bson_t *use = BCON_NEW("_id", BCON_UTF8(key), "expires_at", BCON_DATE_TIME(expires_at),
			       "used_at", BCON_DATE_TIME(now_ms));
	enum db_claim_result r = db_claim("ws_ticket_uses", use, err);
	bson_destroy(use);
	if (r == DB_CLAIM_LOST)
		return LIVE_TICKET_USED;
	return r == DB_CLAIM_WON ? LIVE_TICKET_OK : LIVE_TICKET_DB_ERROR;
}

enum live_ticket live_ticket_redeem(const char *ticket, int64_t now_ms, struct auth_claims *out,
				    struct derr *err)
{
	bson_error_t e;
	enum live_ticket r = redeem(ticket, now_ms, out, &e);
	if (r == LIVE_TICKET_DB_ERROR)
		derr_from_store(err, &e);
	return r;
}

int64_t live_purge_tickets(int64_t now_ms, bool dry_run, struct derr *err)
{
	int64_t a = store_purge_before("ws_tickets", "expires_at", now_ms, dry_run, err);
	if (a < 0)
		return -1;
	int64_t b = store_purge_before("ws_ticket_uses", "expires_at", now_ms, dry_run, err);
	return b < 0 ? -1 : a + b;
}
