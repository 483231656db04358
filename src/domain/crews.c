#include "domain/crews.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/db.h"
#include "infra/timeutil.h"

#define COLL "crews"

static bson_oid_t boid(const struct oid *id)
{
	bson_oid_t b;
	oid_to_store(id, &b);
	return b;
}

static void oid_of_iter(const bson_iter_t *it, struct oid *out)
{
	oid_from_store(out, bson_iter_oid(it));
}

static void from_doc(const bson_t *doc, struct crew *c)
{
	memset(c, 0, sizeof(*c));
	bson_iter_t it, sub;
	if (bson_iter_init_find(&it, doc, "_id") && BSON_ITER_HOLDS_OID(&it)) {
		oid_of_iter(&it, &c->oid);
		oid_to_hex(&c->oid, c->id);
	}
	if (bson_iter_init_find(&it, doc, "name") && BSON_ITER_HOLDS_UTF8(&it))
		snprintf(c->name, sizeof(c->name), "%s", bson_iter_utf8(&it, NULL));
	if (bson_iter_init_find(&it, doc, "members") && BSON_ITER_HOLDS_ARRAY(&it) &&
	    bson_iter_recurse(&it, &sub))
		while (bson_iter_next(&sub) && c->n_members < CREWS_MAX_MEMBERS)
			if (BSON_ITER_HOLDS_OID(&sub))
				oid_of_iter(&sub, &c->members[c->n_members++]);
	c->active = bson_iter_init_find(&it, doc, "active") && BSON_ITER_HOLDS_BOOL(&it) &&
		    bson_iter_bool(&it);
	if (bson_iter_init_find(&it, doc, "created_at") && BSON_ITER_HOLDS_DATE_TIME(&it))
		c->created_at = bson_iter_date_time(&it);
	if (bson_iter_init_find(&it, doc, "updated_at") && BSON_ITER_HOLDS_DATE_TIME(&it))
		c->updated_at = bson_iter_date_time(&it);
}

static void append_members(bson_t *b, const struct oid *m, size_t n)
{
	bson_t arr;
	char k[16];
	const char *key;
	BSON_APPEND_ARRAY_BEGIN(b, "members", &arr);
	for (size_t i = 0; i < n; i++) {
		bson_uint32_to_string((uint32_t)i, &key, k, sizeof(k));
		bson_oid_t o = boid(&m[i]);
		BSON_APPEND_OID(&arr, key, &o);
	}
	bson_append_array_end(b, &arr);
}

enum crews_rc crews_list(struct crew **out, size_t *n, struct derr *err)
{
	*out = NULL;
	*n = 0;
	bson_t q = BSON_INITIALIZER;
	bson_t *opts = BCON_NEW("sort", "{", "name", BCON_INT32(1), "_id", BCON_INT32(1), "}");
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll(COLL), &q, opts, NULL);
	size_t cap = 0;
	const bson_t *doc;
	while (mongoc_cursor_next(cur, &doc)) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*out = realloc(*out, cap * sizeof(**out));
			if (!*out)
				abort();
		}
		from_doc(doc, &(*out)[(*n)++]);
	}
	bson_error_t e;
	bool failed = mongoc_cursor_error(cur, &e);
	mongoc_cursor_destroy(cur);
	bson_destroy(opts);
	bson_destroy(&q);
	if (failed) {
		derr_from_store(err, &e);
		free(*out);
		*out = NULL;
		*n = 0;
		return CREWS_ERR;
	}
	return CREWS_OK;
}

enum crews_rc crews_get(const struct oid *id, struct crew *out, struct derr *err)
{
	bson_oid_t b = boid(id);
	bson_t *q = BCON_NEW("_id", BCON_OID(&b));
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll(COLL), q, NULL, NULL);
	const bson_t *doc;
	bool found = mongoc_cursor_next(cur, &doc);
	if (found)
		from_doc(doc, out);
	bson_error_t e;
	bool failed = mongoc_cursor_error(cur, &e);
	mongoc_cursor_destroy(cur);
	bson_destroy(q);
	if (failed) {
		derr_from_store(err, &e);
		return CREWS_ERR;
	}
	return found ? CREWS_OK : CREWS_NOT_FOUND;
}

enum crews_rc crews_create(struct crew *c, struct derr *err)
{
	bson_oid_t oid;
	bson_oid_init(&oid, NULL);
	oid_from_store(&c->oid, &oid);
	oid_to_hex(&c->oid, c->id);
	c->created_at = c->updated_at = time_now_ms();
	bson_t doc = BSON_INITIALIZER;
	BSON_APPEND_OID(&doc, "_id", &oid);
	BSON_APPEND_UTF8(&doc, "name", c->name);
	append_members(&doc, c->members, c->n_members);
	BSON_APPEND_BOOL(&doc, "active", c->active);
	BSON_APPEND_DATE_TIME(&doc, "created_at", c->created_at);
	BSON_APPEND_DATE_TIME(&doc, "updated_at", c->updated_at);
	bson_error_t e;
	bool ok = mongoc_collection_insert_one(db_coll(COLL), &doc, NULL, NULL, &e);
	bson_destroy(&doc);
	if (!ok)
		derr_from_store(err, &e);
	return ok ? CREWS_OK : CREWS_ERR;
}

enum crews_rc crews_update(const struct oid *id, const struct crew_patch *p, struct derr *err)
{
	bson_oid_t b = boid(id);
	bson_t *q = BCON_NEW("_id", BCON_OID(&b));
	bson_t u = BSON_INITIALIZER, set;
	BSON_APPEND_DOCUMENT_BEGIN(&u, "$set", &set);
	if (p->name)
		BSON_APPEND_UTF8(&set, "name", p->name);
	if (p->set_members)
		append_members(&set, p->members, p->n_members);
	if (p->set_active)
		BSON_APPEND_BOOL(&set, "active", p->active);
	BSON_APPEND_DATE_TIME(&set, "updated_at", time_now_ms());
	bson_append_document_end(&u, &set);
	bson_t reply;
	bson_error_t e;
	bool ok = mongoc_collection_update_one(db_coll(COLL), q, &u, NULL, &reply, &e);
	bson_iter_t it;
	int64_t matched =
	    ok && bson_iter_init_find(&it, &reply, "matchedCount") ? bson_iter_as_int64(&it) : 0;
	bson_destroy(&reply);
	bson_destroy(&u);
	bson_destroy(q);
	if (!ok) {
		derr_from_store(err, &e);
		return CREWS_ERR;
	}
	return matched ? CREWS_OK : CREWS_NOT_FOUND;
}

const struct crew *crews_find(const struct crew *list, size_t n, const struct oid *id)
{
	for (size_t i = 0; i < n; i++)
		if (oid_equal(&list[i].oid, id))
			return &list[i];
	return NULL;
}

bool crews_has_member(const struct crew *c, const struct oid *user)
{
	for (size_t k = 0; k < c->n_members; k++)
		if (oid_equal(&c->members[k], user))
			return true;
	return false;
}
