/* Paged reads of pickup requests for exports (requests.h, "Exports"). */
#include <string.h>

#include "domain/requests.h"
#include "domain/internal/requests_store.h"
#include "infra/db.h"

/* {$or: [{created_at < c}, {created_at = c, _id < id}]}: what comes after the cursor in
 * the order (created_at desc, _id desc), served by the same indexes as the list. */
static void append_after(bson_t *f, const struct req_export_cursor *cur)
{
	bson_t arr, a, b, lt, idlt;
	BSON_APPEND_ARRAY_BEGIN(f, "$or", &arr);
	BSON_APPEND_DOCUMENT_BEGIN(&arr, "0", &a);
	BSON_APPEND_DOCUMENT_BEGIN(&a, "created_at", &lt);
	BSON_APPEND_DATE_TIME(&lt, "$lt", cur->created_at);
	bson_append_document_end(&a, &lt);
	bson_append_document_end(&arr, &a);
	BSON_APPEND_DOCUMENT_BEGIN(&arr, "1", &b);
	BSON_APPEND_DATE_TIME(&b, "created_at", cur->created_at);
	BSON_APPEND_DOCUMENT_BEGIN(&b, "_id", &idlt);
	bson_oid_t id;
	memcpy(id.bytes, cur->id.bytes, sizeof(id.bytes));
	BSON_APPEND_OID(&idlt, "$lt", &id);
	bson_append_document_end(&b, &idlt);
	bson_append_document_end(&arr, &b);
	bson_append_array_end(f, &arr);
}

long requests_export_page(const struct req_query *q, struct req_export_cursor *cur, long page,
			  void (*row)(const struct pickup_request *r, void *ctx), void *ctx,
			  struct derr *derr)
{
	bson_t base = BSON_INITIALIZER, filter = BSON_INITIALIZER;
	requests_query_filter(&base, q);
	if (cur->started) {
		/* $and: the filter may hold a $or of its own (the text search) */
		bson_t arr, after;
		BSON_APPEND_ARRAY_BEGIN(&filter, "$and", &arr);
		BSON_APPEND_DOCUMENT(&arr, "0", &base);
		BSON_APPEND_DOCUMENT_BEGIN(&arr, "1", &after);
		append_after(&after, cur);
		bson_append_document_end(&arr, &after);
		bson_append_array_end(&filter, &arr);
	} else {
		bson_copy_to_excluding_noinit(&base, &filter, "", NULL);
	}
	bson_t *opts =
	    BCON_NEW("sort", "{", "created_at", BCON_INT32(-1), "_id", BCON_INT32(-1), "}", "limit",
		     BCON_INT64(page), "batchSize", BCON_INT32((int32_t)page), "projection", "{",
		     "timeline", BCON_INT32(0), "events", BCON_INT32(0), "}");
	mongoc_cursor_t *c =
	    mongoc_collection_find_with_opts(db_coll("pickup_requests"), &filter, opts, NULL);
	const bson_t *doc;
	long n = 0;
	while (mongoc_cursor_next(c, &doc)) {
		bson_iter_t it;
		n++; /* read, even if malformed: a short page is the last one */
		if (!bson_iter_init_find(&it, doc, "created_at") || !BSON_ITER_HOLDS_DATE_TIME(&it))
			continue;
		cur->created_at = bson_iter_date_time(&it);
		if (!bson_iter_init_find(&it, doc, "_id") || !BSON_ITER_HOLDS_OID(&it))
			continue;
		memcpy(cur->id.bytes, bson_iter_oid(&it)->bytes, sizeof(cur->id.bytes));
		cur->started = true;
		struct pickup_request r;
		requests_fill(doc, false, 0, &r);
		row(&r, ctx);
		pickup_request_clear(&r);
	}
	bson_error_t err;
	if (mongoc_cursor_error(c, &err)) {
		derr_from_store(derr, &err);
		n = -1;
	}
	mongoc_cursor_destroy(c);
	bson_destroy(opts);
	bson_destroy(&base);
	bson_destroy(&filter);
	return n;
}
