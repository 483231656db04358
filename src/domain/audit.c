#include "domain/audit.h"

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

static json_object *entry_json(const bson_t *doc)
{
	static const char *const keys[] = {"at",     "actor_id",    "actor_role",
					   "action", "target_type", "target_id",
					   "before", "after",	    "reason"};
	json_object *o = json_object_new_object();
	bson_iter_t it;
	if (bson_iter_init_find(&it, doc, "_id"))
		json_object_object_add(o, "id", db_value_to_json(&it));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_object_add(
		    o, keys[i],
		    bson_iter_init_find(&it, doc, keys[i]) ? db_value_to_json(&it) : NULL);
	return o;
}

static json_object *list(const struct audit_query *q, int64_t *total, bson_error_t *err)
{
	mongoc_collection_t *c = db_coll(AUDIT_COLL);
	bson_t *f = list_filter(q);
	json_object *items = NULL;
	*total = mongoc_collection_count_documents(c, f, NULL, NULL, NULL, err);
	if (*total < 0)
		goto out;
	bson_t *opts = BCON_NEW("sort", "{", "at", BCON_INT32(-1), "_id", BCON_INT32(-1), "}",
				"skip", BCON_INT64(q->skip), "limit", BCON_INT64(q->limit));
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(c, f, opts, NULL);
	bson_destroy(opts);
	items = json_object_new_array();
	const bson_t *doc;
	while (mongoc_cursor_next(cur, &doc))
		json_object_array_add(items, entry_json(doc));
	if (mongoc_cursor_error(cur, err)) {
		json_object_put(items);
		items = NULL;
	}
	mongoc_cursor_destroy(cur);
out:
	bson_destroy(f);
	return items;
}

json_object *audit_list(const struct audit_query *q, int64_t *total, struct derr *err)
{
	bson_error_t e;
	json_object *items = list(q, total, &e);
	if (!items)
		derr_from_store(err, &e);
	return items;
}
