/* The per-owner upload quota: seats and hourly claims in `upload_quota`. See
 * upload_quota.h and, for the rules, uploads_store in uploads.h. */
#include "domain/upload_quota.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "infra/config.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/timeutil.h"

#define QUOTA_COLL     "upload_quota"
#define HOUR_MS	       3600000LL
#define QUOTA_ATTEMPTS 4      /* claims given back in a race are retried this often in all */
#define QUOTA_PAUSE_US 10000u /* ... after a pause of this plus up to 4 times as much */

/* What the owner holds: read from `upload_quota` before and after taking a seat. */
struct quota_view {
	int seats;
	int64_t bytes; /* of the seats */
	int64_t oldest_seat_ms;
	int recent; /* hourly claims made in the last 60 minutes */
	int64_t oldest_recent_ms;
	bool *seat_taken; /* [UPLOAD_MAX_PENDING] */
	bool *rate_taken; /* [UPLOAD_RATE_PER_HOUR]: numbers of the current clock hour */
};

static int64_t doc_int(const bson_t *d, const char *key)
{
	bson_iter_t it;
	return bson_iter_init_find(&it, d, key) && BSON_ITER_HOLDS_NUMBER(&it)
		   ? bson_iter_as_int64(&it)
		   : -1;
}

static int64_t doc_date(const bson_t *d, const char *key)
{
	bson_iter_t it;
	return bson_iter_init_find(&it, d, key) && BSON_ITER_HOLDS_DATE_TIME(&it)
		   ? bson_iter_date_time(&it)
		   : 0;
}

static bool quota_read(const bson_oid_t *owner, int64_t now, struct quota_view *v,
		       bson_error_t *err)
{
	const struct config *c = config_get();
	v->seats = v->recent = 0;
	v->bytes = v->oldest_seat_ms = v->oldest_recent_ms = 0;
	memset(v->seat_taken, 0, (size_t)c->upload_max_pending * sizeof(bool));
	memset(v->rate_taken, 0, (size_t)c->upload_rate_per_hour * sizeof(bool));
	bson_t *q = BCON_NEW("owner_id", BCON_OID(owner));
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll(QUOTA_COLL), q, NULL, NULL);
	const bson_t *d;
	while (mongoc_cursor_next(cur, &d)) {
		bson_iter_t it;
		const char *kind = bson_iter_init_find(&it, d, "kind") && BSON_ITER_HOLDS_UTF8(&it)
				       ? bson_iter_utf8(&it, NULL)
				       : "";
		int64_t at = doc_date(d, "at"), n = doc_int(d, "n");
		if (strcmp(kind, "seat") == 0) {
			v->seats++;
			v->bytes += doc_int(d, "bytes") > 0 ? doc_int(d, "bytes") : 0;
			if (!v->oldest_seat_ms || at < v->oldest_seat_ms)
				v->oldest_seat_ms = at;
			if (n >= 0 && n < c->upload_max_pending)
				v->seat_taken[n] = true;
		} else if (strcmp(kind, "rate") == 0 && at > now - HOUR_MS) {
			v->recent++;
			if (!v->oldest_recent_ms || at < v->oldest_recent_ms)
				v->oldest_recent_ms = at;
			if (doc_int(d, "hour") == now / HOUR_MS && n >= 0 &&
			    n < c->upload_rate_per_hour)
				v->rate_taken[n] = true;
		}
	}
	bool failed = mongoc_cursor_error(cur, err);
	mongoc_cursor_destroy(cur);
	bson_destroy(q);
	return !failed;
}

/* Seconds from `now` until `until_ms`, at least 1. */
static int64_t wait_until(int64_t until_ms, int64_t now)
{
	int64_t s = (until_ms - now + 999) / 1000;
	return s < 1 ? 1 : s;
}

/* "100 MiB" or "12345 bytes". */
static void size_text(int64_t bytes, char *buf, size_t len)
{
	if (bytes % (1024 * 1024) == 0)
		snprintf(buf, len, "%lld MiB", (long long)(bytes / (1024 * 1024)));
	else
		snprintf(buf, len, "%lld bytes", (long long)bytes);
}

enum quota_limit { QUOTA_NONE, QUOTA_RATE, QUOTA_SEATS, QUOTA_BYTES };

/* The refusal for `which` into out: the detail and when the limit frees itself (an hour
 * after the oldest upload of the hour; unattached uploads are deleted after
 * ORPHAN_UPLOAD_HOURS unless attached first). */
static enum upload_store_result refuse(enum quota_limit which, const struct quota_view *v,
				       int64_t now, struct upload_info *out)
{
	const struct config *c = config_get();
	char sz[48];
	int64_t orphan_ms = (int64_t)c->orphan_upload_hours * HOUR_MS;
	int64_t oldest_seat = v->oldest_seat_ms ? v->oldest_seat_ms : now;
	switch (which) {
	case QUOTA_RATE:
		snprintf(out->refusal, sizeof(out->refusal),
			 "Too many uploads (at most %d per hour); try again later",
			 c->upload_rate_per_hour);
		out->retry_after =
		    wait_until((v->oldest_recent_ms ? v->oldest_recent_ms : now) + HOUR_MS, now);
		break;
	case QUOTA_BYTES:
		size_text(c->upload_max_pending_bytes, sz, sizeof(sz));
		snprintf(out->refusal, sizeof(out->refusal),
			 "Unattached uploads would exceed %s; attach them to a request or try "
			 "again later",
			 sz);
		out->retry_after = wait_until(oldest_seat + orphan_ms, now);
		break;
	case QUOTA_SEATS:
	default:
		snprintf(out->refusal, sizeof(out->refusal),
			 "Too many unattached uploads (at most %d); attach them to a request or "
			 "try again later",
			 c->upload_max_pending);
		out->retry_after = wait_until(oldest_seat + orphan_ms, now);
		break;
	}
	return UPLOAD_STORE_QUOTA;
}

/* Which limit one more upload of `bytes` would pass, as far as `v` shows. */
static enum quota_limit over_limit(const struct quota_view *v, size_t bytes)
{
	const struct config *c = config_get();
	if (v->recent >= c->upload_rate_per_hour)
		return QUOTA_RATE;
	if (v->seats >= c->upload_max_pending)
		return QUOTA_SEATS;
	if (v->bytes + (int64_t)bytes > (int64_t)c->upload_max_pending_bytes)
		return QUOTA_BYTES;
	return QUOTA_NONE;
}

/* Inserts `fields` as {_id: "<prefix><n>", n, ...} for a number n < max that `taken` does
 * not show as held, starting at a random one so that racers rarely collide; a duplicate
 * key means another upload took n first. 1 claimed (id set), 0 none free, -1 error. */
static int claim_number(const char *prefix, int max, const bool *taken, const bson_t *fields,
			char id[UPLOAD_QUOTA_ID_MAX], bson_error_t *err)
{
	uint32_t start = randombytes_uniform((uint32_t)max);
	for (int k = 0; k < max; k++) {
		int n = (int)((start + (uint32_t)k) % (uint32_t)max);
		if (taken[n])
			continue;
		snprintf(id, UPLOAD_QUOTA_ID_MAX, "%s%d", prefix, n);
		bson_t doc = BSON_INITIALIZER;
		BSON_APPEND_UTF8(&doc, "_id", id);
		BSON_APPEND_INT32(&doc, "n", n);
		bson_concat(&doc, fields);
		enum db_claim_result r = db_claim(QUOTA_COLL, &doc, err);
		bson_destroy(&doc);
		if (r != DB_CLAIM_LOST)
			return r == DB_CLAIM_WON ? 1 : -1;
	}
	id[0] = '\0';
	return 0;
}

static void quota_give_back(char id[UPLOAD_QUOTA_ID_MAX])
{
	if (!id[0])
		return;
	bson_t *q = BCON_NEW("_id", BCON_UTF8(id));
	bson_error_t err;
	if (!mongoc_collection_delete_one(db_coll(QUOTA_COLL), q, NULL, NULL, &err))
		log_warn("upload quota claim %s not given back (the cleanup job removes it): %s",
			 id, err.message);
	bson_destroy(q);
	id[0] = '\0';
}

/* One try at a seat (with `bytes` and `path`) and then an hourly claim, `v` read just
 * before: QUOTA_NONE with both taken; otherwise the limit that stood in the way, with
 * nothing kept (a seat taken is given back); -1 on a database error. */
static int quota_try(const bson_oid_t *owner, const char *path, size_t bytes, int64_t now,
		     struct quota_view *v, struct upload_quota_claim *qc, bson_error_t *err)
{
	const struct config *c = config_get();
	char hex[25], prefix[64];
	bson_oid_to_string(owner, hex);
	snprintf(prefix, sizeof(prefix), "%s:seat:", hex);
	bson_t *seat = BCON_NEW("owner_id", BCON_OID(owner), "kind", BCON_UTF8("seat"), "bytes",
				BCON_INT64((int64_t)bytes), "path", BCON_UTF8(path), "at",
				BCON_DATE_TIME(now));
	int got = claim_number(prefix, c->upload_max_pending, v->seat_taken, seat, qc->seat, err);
	bson_destroy(seat);
	if (got <= 0)
		return got < 0 ? -1 : QUOTA_SEATS;
	/* the bytes, summed again now that this seat is visible to every other upload */
	int lim = -1;
	if (quota_read(owner, now, v, err))
		lim = v->bytes > (int64_t)c->upload_max_pending_bytes ? QUOTA_BYTES : QUOTA_NONE;
	if (lim == QUOTA_NONE) {
		snprintf(prefix, sizeof(prefix), "%s:rate:%lld:", hex, (long long)(now / HOUR_MS));
		bson_t *rate =
		    BCON_NEW("owner_id", BCON_OID(owner), "kind", BCON_UTF8("rate"), "hour",
			     BCON_INT64(now / HOUR_MS), "at", BCON_DATE_TIME(now));
		got = claim_number(prefix, c->upload_rate_per_hour, v->rate_taken, rate, qc->rate,
				   err);
		bson_destroy(rate);
		if (got == 1)
			return QUOTA_NONE;
		lim = got < 0 ? -1 : QUOTA_RATE;
	}
	quota_give_back(qc->seat);
	return lim;
}

static enum upload_store_result take(const bson_oid_t *owner, const char *path, size_t bytes,
				     struct upload_quota_claim *qc, struct upload_info *out,
				     bson_error_t *err)
{
	const struct config *c = config_get();
	memset(qc, 0, sizeof(*qc));
	struct quota_view v = {0};
	v.seat_taken = calloc((size_t)c->upload_max_pending, sizeof(bool));
	v.rate_taken = calloc((size_t)c->upload_rate_per_hour, sizeof(bool));
	enum upload_store_result r = UPLOAD_STORE_DB_ERROR;
	if (!v.seat_taken || !v.rate_taken) {
		bson_set_error(err, MONGOC_ERROR_CLIENT, MONGOC_ERROR_CLIENT_NO_ACCEPTABLE_PEER,
			       "out of memory");
		goto out;
	}
	for (int attempt = 1;; attempt++) {
		int64_t now = time_now_ms();
		if (!quota_read(owner, now, &v, err))
			goto out;
		enum quota_limit lim = over_limit(&v, bytes);
		if (lim != QUOTA_NONE) {
			r = refuse(lim, &v, now, out);
			goto out;
		}
		int t = quota_try(owner, path, bytes, now, &v, qc, err);
		if (t < 0)
			goto out;
		if (t == QUOTA_NONE) {
			r = UPLOAD_STORE_OK;
			goto out;
		}
		if (t == QUOTA_RATE) {
			/* this clock hour is full: not before the next one */
			r = refuse(QUOTA_RATE, &v, now, out);
			int64_t next = wait_until((now / HOUR_MS + 1) * HOUR_MS, now);
			if (next > out->retry_after)
				out->retry_after = next;
			goto out;
		}
		/* seats or bytes taken by racing uploads, some of which may give them back */
		if (attempt >= QUOTA_ATTEMPTS) {
			r = refuse((enum quota_limit)t, &v, now, out);
			goto out;
		}
		usleep(QUOTA_PAUSE_US + randombytes_uniform(4 * QUOTA_PAUSE_US));
	}
out:
	free(v.seat_taken);
	free(v.rate_taken);
	return r;
}

enum upload_store_result upload_quota_take(const struct oid *owner, const char *path, size_t bytes,
					   struct upload_quota_claim *qc, struct upload_info *out,
					   struct derr *err)
{
	bson_oid_t owner_id;
	oid_to_store(owner, &owner_id);
	bson_error_t e;
	enum upload_store_result r = take(&owner_id, path, bytes, qc, out, &e);
	if (r == UPLOAD_STORE_DB_ERROR)
		derr_from_store(err, &e);
	return r;
}

void upload_quota_release(struct upload_quota_claim *qc)
{
	quota_give_back(qc->seat);
	quota_give_back(qc->rate);
}

int64_t uploads_purge_quota(int64_t now_ms, bool dry_run, struct derr *derr)
{
	bson_error_t e, *err = &e;
	int64_t orphan_ms = (int64_t)config_get()->orphan_upload_hours * HOUR_MS;
	bson_t *f[2] = {BCON_NEW("kind", BCON_UTF8("rate"), "at", "{", "$lt",
				 BCON_DATE_TIME(now_ms - HOUR_MS), "}"),
			BCON_NEW("kind", BCON_UTF8("seat"), "at", "{", "$lt",
				 BCON_DATE_TIME(now_ms - orphan_ms), "}")};
	int64_t total = 0;
	for (int i = 0; i < 2 && total >= 0; i++) {
		if (dry_run) {
			int64_t n = mongoc_collection_count_documents(db_coll(QUOTA_COLL), f[i],
								      NULL, NULL, NULL, err);
			total = n < 0 ? -1 : total + n;
			continue;
		}
		bson_t reply;
		if (mongoc_collection_delete_many(db_coll(QUOTA_COLL), f[i], NULL, &reply, err))
			total += doc_int(&reply, "deletedCount") > 0
				     ? doc_int(&reply, "deletedCount")
				     : 0;
		else
			total = -1;
		bson_destroy(&reply);
	}
	bson_destroy(f[0]);
	bson_destroy(f[1]);
	if (total < 0)
		derr_from_store(derr, err);
	return total;
}

void upload_quota_free(const struct oid *owner, const char *const *paths, size_t n)
{
	bson_t f = BSON_INITIALIZER;
	if (owner) {
		bson_oid_t owner_id;
		oid_to_store(owner, &owner_id);
		BSON_APPEND_OID(&f, "owner_id", &owner_id);
	}
	db_append_in_utf8(&f, "path", paths, n);
	BSON_APPEND_UTF8(&f, "kind", "seat");
	bson_error_t err;
	if (!mongoc_collection_delete_many(db_coll(QUOTA_COLL), &f, NULL, NULL, &err))
		log_warn("upload quota seats not freed (the cleanup job frees them): %s",
			 err.message);
	bson_destroy(&f);
}
