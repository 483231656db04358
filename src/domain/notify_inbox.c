#include "domain/notify_inbox.h"

#include <string.h>

#include "domain/internal/notify_store.h"
#include "domain/read_marks.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/timeutil.h"

bool notify_inbox_id_valid(const char *id)
{
	bson_oid_t oid;
	return db_parse_oid(id, &oid);
}

/* The filter every inbox command starts from: the user's in-app notifications. NULL for a
 * malformed user id (the caller's own, checked by the guard: cannot happen). */
static bson_t *own_filter(const char *user_id)
{
	bson_oid_t uid;
	if (!db_parse_oid(user_id, &uid))
		return NULL;
	return BCON_NEW("user_id", BCON_OID(&uid), "channel", BCON_UTF8("inapp"));
}

static enum notify_inbox_rc failed(struct derr *err, const bson_error_t *e)
{
	derr_from_store(err, e);
	return NOTIFY_INBOX_DB_ERROR;
}

/* The user's lists changed: their cached answers must not be served again. */
static void bump_mark(const char *user_id)
{
	struct oid uid;
	struct derr e;
	if (oid_parse(user_id, &uid) && !read_mark_bump(&uid, &e))
		log_warn("read mark not bumped (cached lists age out instead): %s", e.message);
}

/* Hands out the documents of `f` with `opts` (may be NULL) to `each`; *n (may be NULL)
 * counts them. */
static enum notify_inbox_rc find_each(const bson_t *f, const bson_t *opts, notification_fn each,
				      void *ctx, size_t *n, struct derr *err)
{
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("notifications"), f, opts, NULL);
	const bson_t *d;
	size_t count = 0;
	while (mongoc_cursor_next(cur, &d)) {
		struct notification item;
		notify_doc_fill(d, &item); /* borrows from d: used before the next read */
		each(ctx, &item);
		count++;
	}
	if (n)
		*n = count;
	bson_error_t e;
	bool bad = mongoc_cursor_error(cur, &e);
	mongoc_cursor_destroy(cur);
	return bad ? failed(err, &e) : NOTIFY_INBOX_OK;
}

enum notify_inbox_rc notify_inbox_list(const struct notify_inbox_query *q, notification_fn each,
				       void *ctx, struct derr *err)
{
	bson_oid_t before;
	if (q->before && !db_parse_oid(q->before, &before))
		return NOTIFY_INBOX_NOT_FOUND;
	bson_t *f = own_filter(q->user_id);
	if (!f)
		return NOTIFY_INBOX_NOT_FOUND;
	if (q->unread_only)
		BSON_APPEND_BOOL(f, "read", false);
	if (q->before) {
		bson_t lt;
		BSON_APPEND_DOCUMENT_BEGIN(f, "_id", &lt);
		BSON_APPEND_OID(&lt, "$lt", &before);
		bson_append_document_end(f, &lt);
	}
	/* ObjectIds grow with creation time, so _id order is newest first and `before`
	 * pages back without gaps or repeats. */
	bson_t *opts =
	    BCON_NEW("sort", "{", "_id", BCON_INT32(-1), "}", "limit", BCON_INT64(q->limit));
	enum notify_inbox_rc rc = find_each(f, opts, each, ctx, NULL, err);
	bson_destroy(opts);
	bson_destroy(f);
	return rc;
}

enum notify_inbox_rc notify_inbox_unread(const char *user_id, int64_t *unread, struct derr *err)
{
	bson_t *f = own_filter(user_id);
	if (!f)
		return NOTIFY_INBOX_NOT_FOUND;
	BSON_APPEND_BOOL(f, "read", false);
	bson_error_t e;
	int64_t n =
	    mongoc_collection_count_documents(db_coll("notifications"), f, NULL, NULL, NULL, &e);
	bson_destroy(f);
	if (n < 0)
		return failed(err, &e);
	*unread = n;
	return NOTIFY_INBOX_OK;
}

/* Sets read (and read_at) on the documents of `f`, one or all; *count receives the
 * reply's `field` (matchedCount or modifiedCount). */
static bool mark_read(const bson_t *f, bool many, const char *field, int64_t *count,
		      bson_error_t *e)
{
	bson_t *u = BCON_NEW("$set", "{", "read", BCON_BOOL(true), "read_at",
			     BCON_DATE_TIME(time_now_ms()), "}");
	bson_t reply;
	mongoc_collection_t *c = db_coll("notifications");
	bool ok = many ? mongoc_collection_update_many(c, f, u, NULL, &reply, e)
		       : mongoc_collection_update_one(c, f, u, NULL, &reply, e);
	bson_iter_t it;
	*count = 0;
	if (ok && bson_iter_init_find(&it, &reply, field))
		*count = bson_iter_as_int64(&it);
	bson_destroy(&reply);
	bson_destroy(u);
	return ok;
}

enum notify_inbox_rc notify_inbox_read_one(const char *user_id, const char *id,
					   notification_fn each, void *ctx, struct derr *err)
{
	bson_oid_t oid;
	bson_t *f = db_parse_oid(id, &oid) ? own_filter(user_id) : NULL;
	if (!f)
		return NOTIFY_INBOX_NOT_FOUND;
	BSON_APPEND_OID(f, "_id", &oid);
	bson_error_t e;
	int64_t matched;
	size_t n = 0;
	enum notify_inbox_rc rc = NOTIFY_INBOX_NOT_FOUND;
	if (!mark_read(f, false, "matchedCount", &matched, &e)) {
		rc = failed(err, &e);
	} else if (matched > 0) {
		bump_mark(user_id);
		rc = find_each(f, NULL, each, ctx, &n, err);
	}
	bson_destroy(f);
	if (rc != NOTIFY_INBOX_OK)
		return rc;
	return n > 0 ? NOTIFY_INBOX_OK : NOTIFY_INBOX_NOT_FOUND; /* deleted meanwhile */
}

enum notify_inbox_rc notify_inbox_read_all(const char *user_id, int64_t *updated, struct derr *err)
{
	bson_t *f = own_filter(user_id);
	if (!f)
		return NOTIFY_INBOX_NOT_FOUND;
	BSON_APPEND_BOOL(f, "read", false);
	bson_error_t e;
	bool ok = mark_read(f, true, "modifiedCount", updated, &e);
	bson_destroy(f);
	if (!ok)
		return failed(err, &e);
	if (*updated > 0)
		bump_mark(user_id);
	return NOTIFY_INBOX_OK;
}
