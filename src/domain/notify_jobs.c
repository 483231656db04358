/* The two jobs of the notify module. Everything that must happen once is decided by a
 * unique insert (FerretDB has no transactions): a send attempt by send_attempts
 * {_id: "<notification id>:<attempt no>"}, a reminder by reminders
 * {_id: "<request id>:<slot start ms>"}. Two dispatchers (two machines, or a scheduled run
 * and a manual --once) racing for one message: one insert wins, the other skips. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domain/internal/notify_store.h"
#include "domain/requests.h"
#include "domain/internal/requests_store.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/mail.h"
#include "infra/sms.h"
#include "infra/timeutil.h"

int64_t notify_backoff_ms(int attempts)
{
	if (attempts < 1)
		attempts = 1;
	if (attempts > 5)
		attempts = 5;
	return (int64_t)(1 << (attempts - 1)) * 60 * 1000;
}

static const char *doc_str(const bson_t *d, const char *key)
{
	bson_iter_t it;
	if (bson_iter_init_find(&it, d, key) && BSON_ITER_HOLDS_UTF8(&it))
		return bson_iter_utf8(&it, NULL);
	return NULL;
}

static int doc_int(const bson_t *d, const char *key)
{
	bson_iter_t it;
	if (bson_iter_init_find(&it, d, key)) {
		if (BSON_ITER_HOLDS_INT32(&it))
			return bson_iter_int32(&it);
		if (BSON_ITER_HOLDS_INT64(&it))
			return (int)bson_iter_int64(&it);
		if (BSON_ITER_HOLDS_DOUBLE(&it))
			return (int)bson_iter_double(&it);
	}
	return 0;
}

static json_object *fields_for(const char *id_hex, const char *channel, int attempt)
{
	json_object *f = json_object_new_object();
	json_object_object_add(f, "notification_id", json_object_new_string(id_hex));
	json_object_object_add(f, "channel", json_object_new_string(channel ? channel : ""));
	json_object_object_add(f, "attempt", json_object_new_int(attempt));
	return f;
}

/* Claims attempt `attempt` of the notification: WON ours, LOST someone else's, ERROR. */
static enum db_claim_result claim_attempt(const char *key, const bson_oid_t *nid, int attempt,
					  int64_t now, bson_error_t *err)
{
	char host[128] = "";
	gethostname(host, sizeof(host) - 1);
	bson_t *d = BCON_NEW("_id", BCON_UTF8(key), "notification_id", BCON_OID(nid), "attempt",
			     BCON_INT32(attempt), "claimed_at", BCON_DATE_TIME(now), "host",
			     BCON_UTF8(host), "pid", BCON_INT32((int32_t)getpid()));
	enum db_claim_result r = db_claim("send_attempts", d, err);
	bson_destroy(d);
	return r;
}

/* Records the outcome on the claim (for the runbook's troubleshooting queries). */
static void finish_claim(const char *key, const char *result, const char *error)
{
	bson_error_t err;
	bson_t *q = BCON_NEW("_id", BCON_UTF8(key));
	bson_t *u = BCON_NEW("$set", "{", "result", BCON_UTF8(result), "error",
			     BCON_UTF8(error ? error : ""), "finished_at",
			     BCON_DATE_TIME(time_now_ms()), "}");
	if (!mongoc_collection_update_one(db_coll("send_attempts"), q, u, NULL, NULL, &err))
		log_warn("recording send attempt %s: %s", key, err.message);
	bson_destroy(q);
	bson_destroy(u);
}

/* A claim that exists for attempt n while the notification still says n-1 attempts: either
 * another dispatcher is sending right now (leave it), or it died mid-send long ago, and the
 * attempt is written off so attempt n+1 can be claimed (the message may then arrive twice,
 * which beats never). Returns true when it wrote the attempt off. */
static bool write_off_stale(struct job_ctx *ctx, const char *key, const bson_oid_t *nid,
			    int prev_attempts, int64_t now)
{
	bson_error_t err;
	bson_t *q = BCON_NEW("_id", BCON_UTF8(key));
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("send_attempts"), q, NULL, NULL);
	const bson_t *doc;
	bool stale = false;
	if (mongoc_cursor_next(cur, &doc)) {
		bson_iter_t it;
		if (!bson_iter_init_find(&it, doc, "result") &&
		    bson_iter_init_find(&it, doc, "claimed_at") && BSON_ITER_HOLDS_DATE_TIME(&it))
			stale = now - bson_iter_date_time(&it) > NOTIFY_CLAIM_STALE_MS;
	}
	mongoc_cursor_destroy(cur);
	bson_destroy(q);
	if (!stale || ctx->dry_run)
		return false;
	int n = prev_attempts + 1;
	bool final = n >= NOTIFY_MAX_ATTEMPTS;
	bson_t *f = BCON_NEW("_id", BCON_OID(nid), "status", BCON_UTF8("queued"), "attempts",
			     BCON_INT32(prev_attempts));
	bson_t *u = BCON_NEW("$set", "{", "attempts", BCON_INT32(n), "status",
			     BCON_UTF8(final ? "failed" : "queued"), "next_attempt_at",
			     BCON_DATE_TIME(now + notify_backoff_ms(n)), "last_error",
			     BCON_UTF8("attempt abandoned: the dispatcher stopped mid-send"), "}");
	bson_t reply;
	bool ok = mongoc_collection_update_one(db_coll("notifications"), f, u, NULL, &reply, &err);
	bson_destroy(&reply);
	bson_destroy(f);
	bson_destroy(u);
	if (ok) {
		char hex[25];
		bson_oid_to_string(nid, hex);
		job_failure(ctx, "attempt_abandoned", fields_for(hex, NULL, n),
			    "claimed attempt never finished");
	}
	return ok;
}

/* Sends one claimed notification. */
static enum deliver_rc deliver(const bson_t *doc, const char *id_hex, char *err, size_t errlen)
{
	const char *channel = doc_str(doc, "channel");
	const char *to = doc_str(doc, "to");
	const char *title = doc_str(doc, "title");
	const char *body = doc_str(doc, "body");
	if (!channel || !to || !body) {
		snprintf(err, errlen, "malformed notification (channel, to or body missing)");
		return DELIVER_FAIL;
	}
	if (strcmp(channel, "email") == 0) {
		struct mail_msg m = {.from = config_get()->email_from,
				     .to = to,
				     .subject = title ? title : "SWMRA",
				     .text = body,
				     .html = doc_str(doc, "html"),
				     .message_id = id_hex};
		char *msg = mail_build(&m, err, errlen);
		if (!msg)
			return DELIVER_FAIL;
		enum deliver_rc rc = mail_send(to, msg, err, errlen);
		free(msg);
		return rc;
	}
	if (strcmp(channel, "sms") == 0)
		return sms_send(to, body, err, errlen);
	if (strcmp(channel, "push") == 0)
		return notify_push_deliver(doc, err, errlen);
	snprintf(err, errlen, "channel '%s' is not dispatched", channel);
	return DELIVER_FAIL;
}

/* Writes the outcome of attempt n, conditional on the notification still being at n-1. */
static bool record_outcome(const bson_oid_t *nid, int n, enum deliver_rc rc, const char *error,
			   bool scrub, int64_t now, bson_error_t *err)
{
	bson_t *f = BCON_NEW("_id", BCON_OID(nid), "status", BCON_UTF8("queued"), "attempts",
			     BCON_INT32(n - 1));
	bson_t *u;
	if (rc == DELIVER_OK && scrub) /* a one-use secret is not kept once delivered */
		u = BCON_NEW("$set", "{", "status", BCON_UTF8("sent"), "attempts", BCON_INT32(n),
			     "sent_at", BCON_DATE_TIME(now), "last_error", BCON_NULL, "body",
			     BCON_UTF8(""), "html", BCON_UTF8(""), "}");
	else if (rc == DELIVER_OK)
		u = BCON_NEW("$set", "{", "status", BCON_UTF8("sent"), "attempts", BCON_INT32(n),
			     "sent_at", BCON_DATE_TIME(now), "last_error", BCON_NULL, "}");
	else if (rc == DELIVER_RETRY && n < NOTIFY_MAX_ATTEMPTS)
		u = BCON_NEW("$set", "{", "attempts", BCON_INT32(n), "next_attempt_at",
			     BCON_DATE_TIME(now + notify_backoff_ms(n)), "last_error",
			     BCON_UTF8(error), "}");
	else
		u = BCON_NEW("$set", "{", "status", BCON_UTF8("failed"), "attempts", BCON_INT32(n),
			     "last_error", BCON_UTF8(error), "failed_at", BCON_DATE_TIME(now), "}");
	bool ok = mongoc_collection_update_one(db_coll("notifications"), f, u, NULL, NULL, err);
	bson_destroy(f);
	bson_destroy(u);
	return ok;
}

static void free_docs(bson_t **docs, int n)
{
	for (int i = 0; i < n; i++)
		bson_destroy(docs[i]);
	free(docs);
}

/* Reads up to `limit` notifications due now, oldest first, copied into *docs_out (*n
 * documents; caller frees with free_docs). The batch is copied first: sending takes time
 * and a cursor must not idle through it. False (reported as read_queue) on a read error
 * or when out of memory. */
static bool read_batch(struct job_ctx *ctx, int limit, bson_t ***docs_out, int *n_out)
{
	int64_t now = time_now_ms();
	bson_error_t err;
	bson_t *q = BCON_NEW("status", BCON_UTF8("queued"), "channel", "{", "$in", "[",
			     BCON_UTF8("email"), BCON_UTF8("sms"), BCON_UTF8("push"), "]", "}",
			     "next_attempt_at", "{", "$lte", BCON_DATE_TIME(now), "}");
	bson_t *opts = BCON_NEW("sort", "{", "next_attempt_at", BCON_INT32(1), "_id", BCON_INT32(1),
				"}", "limit", BCON_INT64(limit));
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("notifications"), q, opts, NULL);
	bson_t **docs = calloc((size_t)limit, sizeof(*docs));
	int n = 0;
	const bson_t *d;
	while (docs && n < limit && mongoc_cursor_next(cur, &d))
		docs[n++] = bson_copy(d);
	bool failed = mongoc_cursor_error(cur, &err);
	mongoc_cursor_destroy(cur);
	bson_destroy(q);
	bson_destroy(opts);
	*n_out = n;
	if (failed || !docs) {
		job_failure(ctx, "read_queue", NULL, failed ? err.message : "out of memory");
		free_docs(docs, n);
		return false;
	}
	*docs_out = docs;
	return true;
}

/* Reports the outcome of a delivered attempt (`t` is when it was recorded). */
static void report_outcome(struct job_ctx *ctx, const char *hex, const char *channel, int attempt,
			   enum deliver_rc rc, const char *derr, int64_t t)
{
	json_object *f = fields_for(hex, channel, attempt);
	if (rc == DELIVER_OK) {
		job_action(ctx, "sent", f);
	} else if (rc == DELIVER_RETRY && attempt < NOTIFY_MAX_ATTEMPTS) {
		char when[TIME_RFC3339_LEN];
		time_format_rfc3339(t + notify_backoff_ms(attempt), when);
		json_object_object_add(f, "next_attempt_at", json_object_new_string(when));
		job_failure(ctx, "retry_later", f, derr);
	} else {
		job_failure(ctx, "gave_up", f, derr);
	}
}

/* Sends one queued notification once: its next attempt is claimed first (a claim that
 * is someone else's is left to them, or written off when stale), then delivered and the
 * outcome recorded on the notification and the claim. Returns 1 when it made progress on
 * the notification, 0 when not. */
static int dispatch_one(struct job_ctx *ctx, const bson_t *doc)
{
	bson_error_t err;
	bson_iter_t it;
	if (!bson_iter_init_find(&it, doc, "_id") || !BSON_ITER_HOLDS_OID(&it))
		return 0;
	bson_oid_t nid;
	bson_oid_copy(bson_iter_oid(&it), &nid);
	char hex[25], key[48];
	bson_oid_to_string(&nid, hex);
	int prev = doc_int(doc, "attempts");
	int attempt = prev + 1;
	const char *channel = doc_str(doc, "channel");
	snprintf(key, sizeof(key), "%s:%d", hex, attempt);
	if (ctx->dry_run) {
		job_action(ctx, "would_send", fields_for(hex, channel, attempt));
		return 1;
	}
	int64_t t = time_now_ms();
	int c = claim_attempt(key, &nid, attempt, t, &err);
	if (c < 0) {
		job_failure(ctx, "claim", fields_for(hex, channel, attempt), err.message);
		return 0;
	}
	if (c == 0) {
		if (write_off_stale(ctx, key, &nid, prev, t))
			return 1;
		log_write(LOG_DEBUG, fields_for(hex, channel, attempt),
			  "attempt claimed elsewhere: skipped");
		return 0;
	}
	char derr[512] = "";
	enum deliver_rc rc = deliver(doc, hex, derr, sizeof(derr));
	t = time_now_ms();
	bson_iter_t sc;
	bool scrub = bson_iter_init_find(&sc, doc, "scrub_after_send") &&
		     BSON_ITER_HOLDS_BOOL(&sc) && bson_iter_bool(&sc);
	if (!record_outcome(&nid, attempt, rc, derr, scrub, t, &err))
		job_failure(ctx, "record_outcome", fields_for(hex, channel, attempt), err.message);
	finish_claim(key,
		     rc == DELIVER_OK	   ? "sent"
		     : rc == DELIVER_RETRY ? "retry"
					   : "failed",
		     derr);
	report_outcome(ctx, hex, channel, attempt, rc, derr, t);
	return 1;
}

/* One batch; returns how many notifications it claimed (and so made progress on), or -1
 * when the database could not be read. *seen receives the batch size. */
static int dispatch_batch(struct job_ctx *ctx, int limit, int *seen)
{
	bson_t **docs = NULL;
	int n = 0;
	bool read = read_batch(ctx, limit, &docs, &n);
	*seen = n;
	if (!read)
		return -1;
	int progressed = 0;
	for (int i = 0; i < n; i++)
		progressed += dispatch_one(ctx, docs[i]);
	free_docs(docs, n);
	return progressed;
}

int notify_dispatch_run(struct job_ctx *ctx)
{
	int limit = config_get()->dispatch_batch;
	/* Bounded: batches until the queue has nothing due, a batch made no progress (all
	 * claimed elsewhere), or 45 s passed, so a run ends inside its one-minute window. */
	int64_t deadline = time_now_ms() + 45 * 1000;
	for (int batch = 0; time_now_ms() < deadline; batch++) {
		int seen = 0;
		int p = dispatch_batch(ctx, limit, &seen);
		if (p < 0)
			return batch == 0 ? -1 : 0;
		if (seen < limit || p == 0 || ctx->dry_run)
			break;
	}
	return 0;
}

/* ---- reminders ---- */

/* Re-reads the request: still scheduled and still at `start`? */
static int still_due(const bson_oid_t *rid, int64_t start, bson_t **out, bson_error_t *err)
{
	bson_t *q = BCON_NEW("_id", BCON_OID(rid));
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("pickup_requests"), q, NULL, NULL);
	const bson_t *d;
	int r = 0;
	if (mongoc_cursor_next(cur, &d)) {
		bson_iter_t it;
		const char *st = doc_str(d, "status");
		bson_iter_t sub;
		if (st && strcmp(st, "scheduled") == 0 && bson_iter_init(&it, d) &&
		    bson_iter_find_descendant(&it, "assigned_slot.start", &sub) &&
		    BSON_ITER_HOLDS_DATE_TIME(&sub) && bson_iter_date_time(&sub) == start) {
			r = 1;
			*out = bson_copy(d);
		}
	} else if (mongoc_cursor_error(cur, err)) {
		r = -1;
	}
	mongoc_cursor_destroy(cur);
	bson_destroy(q);
	return r;
}

static json_object *reminder_data(const bson_t *req, const char *rid_hex)
{
	json_object *data = json_object_new_object();
	json_object_object_add(data, "request_id", json_object_new_string(rid_hex));
	const char *cat = doc_str(req, "category");
	if (cat)
		json_object_object_add(data, "category", json_object_new_string(cat));
	bson_iter_t it, sub;
	char ts[TIME_RFC3339_LEN];
	if (bson_iter_init(&it, req) &&
	    bson_iter_find_descendant(&it, "assigned_slot.start", &sub) &&
	    BSON_ITER_HOLDS_DATE_TIME(&sub)) {
		time_format_rfc3339(bson_iter_date_time(&sub), ts);
		json_object_object_add(data, "slot_start", json_object_new_string(ts));
	}
	if (bson_iter_init(&it, req) && bson_iter_find_descendant(&it, "assigned_slot.end", &sub) &&
	    BSON_ITER_HOLDS_DATE_TIME(&sub)) {
		time_format_rfc3339(bson_iter_date_time(&sub), ts);
		json_object_object_add(data, "slot_end", json_object_new_string(ts));
	}
	/* the reminder states until when the resident may still change or cancel */
	int64_t deadline = requests_change_deadline(req);
	if (deadline >= 0) {
		time_format_rfc3339(deadline, ts);
		json_object_object_add(data, "change_deadline", json_object_new_string(ts));
	}
	return data;
}

static void drop_claim(const char *key)
{
	bson_error_t err;
	bson_t *q = BCON_NEW("_id", BCON_UTF8(key));
	if (!mongoc_collection_delete_one(db_coll("reminders"), q, NULL, NULL, &err))
		log_warn("releasing reminder claim %s: %s", key, err.message);
	bson_destroy(q);
}

/* A scheduled request whose slot starts within the reminder horizon. */
struct due_reminder {
	bson_oid_t rid, uid;
	int64_t start;
};

/* Reads the scheduled requests starting in (now, horizon], soonest first, into *out (n
 * items; caller frees). The list is read in full before any reminder is sent, so that the
 * notify calls do not hold the cursor. False (reported as read_requests) on a read error. */
static bool read_due(struct job_ctx *ctx, int64_t now, int64_t horizon, struct due_reminder **out,
		     size_t *out_n)
{
	bson_error_t err;
	bson_t *q = BCON_NEW("status", BCON_UTF8("scheduled"), "assigned_slot.start", "{", "$gt",
			     BCON_DATE_TIME(now), "$lte", BCON_DATE_TIME(horizon), "}");
	bson_t *opts = BCON_NEW("sort", "{", "assigned_slot.start", BCON_INT32(1), "}",
				"projection", "{", "_id", BCON_INT32(1), "user_id", BCON_INT32(1),
				"assigned_slot", BCON_INT32(1), "}");
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("pickup_requests"), q, opts, NULL);
	bson_destroy(q);
	bson_destroy(opts);
	struct due_reminder *items = NULL;
	size_t n = 0, cap = 0;
	const bson_t *d;
	while (mongoc_cursor_next(cur, &d)) {
		bson_iter_t it, sub;
		struct due_reminder x;
		if (!bson_iter_init_find(&it, d, "_id") || !BSON_ITER_HOLDS_OID(&it))
			continue;
		bson_oid_copy(bson_iter_oid(&it), &x.rid);
		if (!bson_iter_init_find(&it, d, "user_id") || !BSON_ITER_HOLDS_OID(&it))
			continue;
		bson_oid_copy(bson_iter_oid(&it), &x.uid);
		if (!bson_iter_init(&it, d) ||
		    !bson_iter_find_descendant(&it, "assigned_slot.start", &sub) ||
		    !BSON_ITER_HOLDS_DATE_TIME(&sub))
			continue;
		x.start = bson_iter_date_time(&sub);
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			struct due_reminder *ni = realloc(items, cap * sizeof(*items));
			if (!ni)
				break;
			items = ni;
		}
		items[n++] = x;
	}
	bool failed = mongoc_cursor_error(cur, &err);
	mongoc_cursor_destroy(cur);
	if (failed) {
		job_failure(ctx, "read_requests", NULL, err.message);
		free(items);
		return false;
	}
	*out = items;
	*out_n = n;
	return true;
}

/* Sends the reminder of one due request once per (request, slot start): the claim of its
 * key decides, and is dropped again when the request has changed or the send failed, so
 * that the next run decides anew. Takes `f` (the action's fields). */
static void remind_one(struct job_ctx *ctx, const struct due_reminder *x, const char *rid,
		       const char *key, json_object *f)
{
	bson_error_t err;
	bson_t *claim = BCON_NEW("_id", BCON_UTF8(key), "request_id", BCON_OID(&x->rid), "user_id",
				 BCON_OID(&x->uid), "slot_start", BCON_DATE_TIME(x->start),
				 "created_at", BCON_DATE_TIME(time_now_ms()));
	enum db_claim_result won = db_claim("reminders", claim, &err);
	bson_destroy(claim);
	if (won != DB_CLAIM_WON) {
		if (won == DB_CLAIM_LOST)
			json_object_put(f); /* already reminded for this exact slot */
		else
			job_failure(ctx, "claim_reminder", f, err.message);
		return;
	}
	/* Re-check at send time: cancelled or moved since the query → no reminder. */
	bson_t *req = NULL;
	int due = still_due(&x->rid, x->start, &req, &err);
	if (due <= 0) {
		drop_claim(key);
		if (due < 0)
			job_failure(ctx, "recheck_request", f, err.message);
		else
			job_action(ctx, "skipped_changed", f);
		return;
	}
	json_object *data = reminder_data(req, rid);
	bson_destroy(req);
	if (!notify_event(&x->uid, "reminder", data, &err)) {
		drop_claim(key); /* the next hourly run tries again */
		job_failure(ctx, "remind", f, err.message);
	} else {
		job_action(ctx, "reminded", f);
	}
	json_object_put(data);
}

int notify_reminders_run(struct job_ctx *ctx)
{
	int64_t now = time_now_ms();
	int64_t horizon = now + (int64_t)config_get()->reminder_hours * 3600 * 1000;
	struct due_reminder *items = NULL;
	size_t n = 0;
	if (!read_due(ctx, now, horizon, &items, &n))
		return -1;
	for (size_t i = 0; i < n; i++) {
		char rid[25], key[64];
		bson_oid_to_string(&items[i].rid, rid);
		snprintf(key, sizeof(key), "%s:%lld", rid, (long long)items[i].start);
		json_object *f = json_object_new_object();
		json_object_object_add(f, "request_id", json_object_new_string(rid));
		json_object_object_add(f, "reminder_key", json_object_new_string(key));
		if (ctx->dry_run) {
			bson_error_t err;
			bson_t *k = BCON_NEW("_id", BCON_UTF8(key));
			int64_t have = mongoc_collection_count_documents(db_coll("reminders"), k,
									 NULL, NULL, NULL, &err);
			bson_destroy(k);
			if (have == 0)
				job_action(ctx, "would_remind", f);
			else
				json_object_put(f);
			continue;
		}
		remind_one(ctx, &items[i], rid, key, f);
	}
	free(items);
	return 0;
}
