#include "domain/audit.h"

#include <stdlib.h>
#include <string.h>

#include "infra/db.h"
#include "infra/log.h"
#include "infra/timeutil.h"

#define AUDIT_COLL "audit"

static void append_json(bson_t *doc, const char *key, json_object *v)
{
	bson_error_t e;
	bson_t *b =
	    v ? bson_new_from_json((const uint8_t *)json_object_to_json_string(v), -1, &e) : NULL;
	if (b) {
		BSON_APPEND_DOCUMENT(doc, key, b);
		bson_destroy(b);
	} else {
		BSON_APPEND_NULL(doc, key);
	}
}

static void append_str_or_null(bson_t *doc, const char *key, const char *s)
{
	if (s)
		BSON_APPEND_UTF8(doc, key, s);
	else
		BSON_APPEND_NULL(doc, key);
}

bool audit_record(const struct audit_entry *e, struct derr *err)
{
	bson_error_t be;
	bson_t doc = BSON_INITIALIZER;
	bson_oid_t id;
	bson_oid_init(&id, NULL);
	BSON_APPEND_OID(&doc, "_id", &id);
	BSON_APPEND_DATE_TIME(&doc, "at", time_now_ms());
	BSON_APPEND_UTF8(&doc, "actor_id", e->actor_id ? e->actor_id : "");
	BSON_APPEND_UTF8(&doc, "actor_role", e->actor_role ? e->actor_role : "");
	BSON_APPEND_UTF8(&doc, "action", e->action);
	BSON_APPEND_UTF8(&doc, "target_type", e->target_type);
	BSON_APPEND_UTF8(&doc, "target_id", e->target_id ? e->target_id : "");
	append_json(&doc, "before", e->before);
	append_json(&doc, "after", e->after);
	append_str_or_null(&doc, "reason", e->reason);
	bool ok = mongoc_collection_insert_one(db_coll(AUDIT_COLL), &doc, NULL, NULL, &be);
	bson_destroy(&doc);
	if (!ok)
		derr_from_store(err, &be);
	return ok;
}

static bson_t *list_filter(const struct audit_query *q)
{
	bson_t *f = bson_new();
	if (q->actor_id)
		BSON_APPEND_UTF8(f, "actor_id", q->actor_id);
	if (q->target_id)
		BSON_APPEND_UTF8(f, "target_id", q->target_id);
	if (q->has_from || q->has_to) {
		bson_t at;
		BSON_APPEND_DOCUMENT_BEGIN(f, "at", &at);
		if (q->has_from)
			BSON_APPEND_DATE_TIME(&at, "$gte", q->from_ms);
		if (q->has_to)
			BSON_APPEND_DATE_TIME(&at, "$lt", q->to_ms);
		bson_append_document_end(f, &at);
	}
	return f;
}

static char *str_of(const bson_t *doc, const char *key)
{
	bson_iter_t it;
	return bson_iter_init_find(&it, doc, key) && BSON_ITER_HOLDS_UTF8(&it)
		   ? strdup(bson_iter_utf8(&it, NULL))
		   : NULL;
}

/* A stored `before`/`after` as JSON (NULL when absent or null). */
static json_object *json_of(const bson_t *doc, const char *key)
{
	bson_iter_t it;
	return bson_iter_init_find(&it, doc, key) ? db_value_to_json(&it) : NULL;
}

static void item_from_doc(const bson_t *doc, struct audit_item *a)
{
	memset(a, 0, sizeof(*a));
	bson_iter_t it;
	if (bson_iter_init_find(&it, doc, "_id") && BSON_ITER_HOLDS_OID(&it))
		bson_oid_to_string(bson_iter_oid(&it), a->id);
	a->has_at = bson_iter_init_find(&it, doc, "at") && BSON_ITER_HOLDS_DATE_TIME(&it);
	if (a->has_at)
		a->at = bson_iter_date_time(&it);
	a->actor_id = str_of(doc, "actor_id");
	a->actor_role = str_of(doc, "actor_role");
	a->action = str_of(doc, "action");
	a->target_type = str_of(doc, "target_type");
	a->target_id = str_of(doc, "target_id");
	a->before = json_of(doc, "before");
	a->after = json_of(doc, "after");
	a->reason = str_of(doc, "reason");
}

void audit_items_free(struct audit_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct audit_item *a = &items[i];
		free(a->actor_id);
		free(a->actor_role);
		free(a->action);
		free(a->target_type);
		free(a->target_id);
		json_object_put(a->before);
		json_object_put(a->after);
		free(a->reason);
	}
	free(items);
}

static bool list(const struct audit_query *q, struct audit_item **items, size_t *n, int64_t *total,
		 bson_error_t *err)
{
	mongoc_collection_t *c = db_coll(AUDIT_COLL);
	bson_t *f = list_filter(q);
	*total = mongoc_collection_count_documents(c, f, NULL, NULL, NULL, err);
	if (*total < 0) {
		bson_destroy(f);
		return false;
	}
	bson_t *opts = BCON_NEW("sort", "{", "at", BCON_INT32(-1), "_id", BCON_INT32(-1), "}",
				"skip", BCON_INT64(q->skip), "limit", BCON_INT64(q->limit));
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(c, f, opts, NULL);
	bson_destroy(opts);
	bson_destroy(f);
	size_t cap = (size_t)(q->limit > 0 ? q->limit : 1), k = 0;
	struct audit_item *v = calloc(cap, sizeof(*v));
	if (!v)
		abort();
	const bson_t *doc;
	while (k < cap && mongoc_cursor_next(cur, &doc))
		item_from_doc(doc, &v[k++]);
	bool failed = mongoc_cursor_error(cur, err);
	mongoc_cursor_destroy(cur);
	if (failed) {
		audit_items_free(v, k);
		return false;
	}
	*items = v;
	*n = k;
	return true;
}

bool audit_list(const struct audit_query *q, struct audit_item **items, size_t *n, int64_t *total,
		struct derr *err)
{
	bson_error_t e;
	*items = NULL;
	*n = 0;
	if (list(q, items, n, total, &e))
		return true;
	derr_from_store(err, &e);
	return false;
}
