/* The Open311 view of pickup requests: see open311.h. */
#include "domain/open311.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/categories.h"
#include "infra/db.h"
#include "infra/timeutil.h"

#define LINKS_COLL "open311_requests"

static const struct {
	const char *category, *name, *description;
} services[] = {
    {"organic", "Organic waste pickup", "Food and garden waste collected from your door."},
    {"recyclable", "Recyclables pickup", "Paper, glass, metal and plastics for recycling."},
    {"hazardous", "Hazardous waste pickup",
     "Paint, chemicals, batteries: collected by a special crew."},
    {"e-waste", "E-waste pickup", "Electronics and appliances: collected by a special crew."},
    {"bulk", "Bulk item pickup", "Furniture, mattresses and other large items."},
    {"other", "Other waste pickup", "Anything else; describe it in the request."},
};

bool open311_service(const char *category, const char **name, const char **description)
{
	for (size_t i = 0; category && i < sizeof(services) / sizeof(services[0]); i++)
		if (strcmp(services[i].category, category) == 0) {
			*name = services[i].name;
			*description = services[i].description;
			return true;
		}
	return false;
}

/* Statuses shown as open (drafts are never shown) and closed. */
static const char *const open_statuses[] = {
    "submitted", "pending_review", "scheduled",	   "enroute", "onsite", "collecting",
    "collected", "handover",	   "verification", "failed",  NULL};
static const char *const closed_statuses[] = {"completed", "cancelled", NULL};

const char *open311_status_of(const char *status)
{
	for (const char *const *s = closed_statuses; *s; s++)
		if (status && strcmp(*s, status) == 0)
			return "closed";
	return "open";
}

bool open311_link_create(const struct oid *request_id, const char *key_id, const char *media_url,
			 struct derr *err)
{
	bson_oid_t rid;
	oid_to_store(request_id, &rid);
	bson_t *doc = BCON_NEW("_id", BCON_OID(&rid), "key_id", BCON_UTF8(key_id), "media_url",
			       BCON_UTF8(media_url), "created_at", BCON_DATE_TIME(time_now_ms()));
	bson_error_t e;
	bool ok = mongoc_collection_insert_one(db_coll(LINKS_COLL), doc, NULL, NULL, &e);
	bson_destroy(doc);
	if (!ok)
		derr_from_store(err, &e);
	return ok;
}

static void append_list(bson_t *b, const char *key, const char *const *list)
{
	bson_t in, arr;
	BSON_APPEND_DOCUMENT_BEGIN(b, key, &in);
	BSON_APPEND_ARRAY_BEGIN(&in, "$in", &arr);
	char k[16];
	const char *ks;
	for (uint32_t i = 0; list[i]; i++) {
		bson_uint32_to_string(i, &ks, k, sizeof(k));
		BSON_APPEND_UTF8(&arr, ks, list[i]);
	}
	bson_append_array_end(&in, &arr);
	bson_append_document_end(b, &in);
}

static void append_ids(bson_t *b, const struct oid *ids, size_t n)
{
	bson_t in, arr;
	BSON_APPEND_DOCUMENT_BEGIN(b, "_id", &in);
	BSON_APPEND_ARRAY_BEGIN(&in, "$in", &arr);
	char k[16];
	const char *ks;
	for (size_t i = 0; i < n; i++) {
		bson_uint32_to_string((uint32_t)i, &ks, k, sizeof(k));
		bson_oid_t o;
		oid_to_store(&ids[i], &o);
		BSON_APPEND_OID(&arr, ks, &o);
	}
	bson_append_array_end(&in, &arr);
	bson_append_document_end(b, &in);
}

/* The filter of a search: ids alone, or requested-time range, statuses and categories
 * (served by status_created_id, category_created_id or created_id). */
static void build_filter(const struct open311_query *q, bson_t *f)
{
	if (q->n_ids) {
		append_ids(f, q->ids, q->n_ids); /* drafts are left out as they are read */
		return;
	}
	bson_t range;
	BSON_APPEND_DOCUMENT_BEGIN(f, "created_at", &range);
	BSON_APPEND_DATE_TIME(&range, "$gte", q->from_ms);
	BSON_APPEND_DATE_TIME(&range, "$lt", q->to_ms);
	bson_append_document_end(f, &range);
	if (q->open_only != q->closed_only)
		append_list(f, "status", q->open_only ? open_statuses : closed_statuses);
	else {
		bson_t ne;
		BSON_APPEND_DOCUMENT_BEGIN(f, "status", &ne);
		BSON_APPEND_UTF8(&ne, "$ne", "draft");
		bson_append_document_end(f, &ne);
	}
	if (q->categories)
		append_list(f, "category", q->categories);
}

/* The note of the latest status change (the public part of the timeline: staff notes may
 * speak of the resident), its reason, or NULL. Points into `doc`. */
static const char *latest_public_note(const bson_t *doc)
{
	bson_iter_t it, arr;
	const char *note = NULL;
	if ((!bson_iter_init_find(&it, doc, "timeline") &&
	     !bson_iter_init_find(&it, doc, "events")) ||
	    !BSON_ITER_HOLDS_ARRAY(&it) || !bson_iter_recurse(&it, &arr))
		return NULL;
	while (bson_iter_next(&arr)) {
		bson_iter_t ev, v;
		if (!BSON_ITER_HOLDS_DOCUMENT(&arr) || !bson_iter_recurse(&arr, &ev) ||
		    !bson_iter_find(&ev, "type") || !BSON_ITER_HOLDS_UTF8(&ev) ||
		    strcmp(bson_iter_utf8(&ev, NULL), "STATUS_CHANGE") != 0)
			continue;
		bson_iter_recurse(&arr, &ev);
		note = NULL;
		if (bson_iter_find_descendant(&ev, "data.note", &v) && BSON_ITER_HOLDS_UTF8(&v) &&
		    *bson_iter_utf8(&v, NULL))
			note = bson_iter_utf8(&v, NULL);
		bson_iter_recurse(&arr, &ev);
		if (!note && bson_iter_find_descendant(&ev, "data.reason", &v) &&
		    BSON_ITER_HOLDS_UTF8(&v) && *bson_iter_utf8(&v, NULL))
			note = bson_iter_utf8(&v, NULL);
	}
	return note;
}

static bool is_draft(const bson_t *doc)
{
	bson_iter_t it;
	return bson_iter_init_find(&it, doc, "status") && BSON_ITER_HOLDS_UTF8(&it) &&
	       strcmp(bson_iter_utf8(&it, NULL), "draft") == 0;
}

/* Fills key_id/media_url of the items from `open311_requests`, one $in read by _id. */
static bool read_links(struct open311_item *items, size_t n, bson_error_t *err)
{
	if (!n)
		return true;
	struct oid *ids = calloc(n, sizeof(*ids));
	for (size_t i = 0; i < n; i++)
		if (items[i].id[0])
			oid_parse(items[i].id, &ids[i]);
	bson_t f = BSON_INITIALIZER;
	append_ids(&f, ids, n);
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll(LINKS_COLL), &f, NULL, NULL);
	const bson_t *d;
	while (mongoc_cursor_next(cur, &d)) {
		bson_iter_t it;
		if (!bson_iter_init_find(&it, d, "_id") || !BSON_ITER_HOLDS_OID(&it))
			continue;
		struct oid found;
		oid_from_store(&found, bson_iter_oid(&it));
		for (size_t i = 0; i < n; i++) {
			if (!oid_equal(&found, &ids[i]))
				continue;
			bson_iter_t v;
			if (bson_iter_init_find(&v, d, "key_id") && BSON_ITER_HOLDS_UTF8(&v))
				snprintf(items[i].key_id, sizeof(items[i].key_id), "%s",
					 bson_iter_utf8(&v, NULL));
			if (bson_iter_init_find(&v, d, "media_url") && BSON_ITER_HOLDS_UTF8(&v))
				items[i].media_url = strdup(bson_iter_utf8(&v, NULL));
			break;
		}
	}
	bool failed = mongoc_cursor_error(cur, err);
	mongoc_cursor_destroy(cur);
	bson_destroy(&f);
	free(ids);
	return !failed;
}

/* The string at `path` (dotted) of `doc`, malloc'd, or NULL. */
static char *str_at(const bson_t *doc, const char *path)
{
	bson_iter_t it, v;
	return bson_iter_init(&it, doc) && bson_iter_find_descendant(&it, path, &v) &&
		       BSON_ITER_HOLDS_UTF8(&v)
		   ? strdup(bson_iter_utf8(&v, NULL))
		   : NULL;
}

static int64_t time_at(const bson_t *doc, const char *path)
{
	bson_iter_t it, v;
	return bson_iter_init(&it, doc) && bson_iter_find_descendant(&it, path, &v) &&
		       BSON_ITER_HOLDS_DATE_TIME(&v)
		   ? bson_iter_date_time(&v)
		   : OPEN311_NO_TIME;
}

static bool num_at(const bson_t *doc, const char *path, double *out)
{
	bson_iter_t it, v;
	if (!bson_iter_init(&it, doc) || !bson_iter_find_descendant(&it, path, &v) ||
	    !BSON_ITER_HOLDS_NUMBER(&v))
		return false;
	*out = bson_iter_as_double(&v);
	return true;
}

/* The item of a pickup_requests document (its links are read apart). */
static void item_of(const bson_t *d, struct open311_item *it)
{
	memset(it, 0, sizeof(*it));
	bson_iter_t i;
	if (bson_iter_init_find(&i, d, "_id") && BSON_ITER_HOLDS_OID(&i))
		bson_oid_to_string(bson_iter_oid(&i), it->id);
	it->status = str_at(d, "status");
	it->category = str_at(d, "category");
	it->description = str_at(d, "description");
	it->address_line1 = str_at(d, "address.line1");
	it->address_city = str_at(d, "address.city");
	it->pincode = str_at(d, "address.pincode");
	it->has_lat = num_at(d, "address.lat", &it->lat);
	it->has_lng = num_at(d, "address.lng", &it->lng);
	it->created_at = time_at(d, "created_at");
	it->updated_at = time_at(d, "updated_at");
	it->slot_start = time_at(d, "assigned_slot.start");
	const char *note = latest_public_note(d);
	it->status_notes = note ? strdup(note) : NULL;
}

bool open311_search(const struct open311_query *q, struct open311_item **out, size_t *n,
		    struct derr *err)
{
	*out = NULL;
	*n = 0;
	bson_t f = BSON_INITIALIZER;
	build_filter(q, &f);
	/* newest first; a list of ids (at most OPEN311_MAX_IDS) is read by _id, unsorted */
	bson_t *opts =
	    q->n_ids ? BCON_NEW("limit", BCON_INT64(OPEN311_MAX_RESULTS))
		     : BCON_NEW("sort", "{", "created_at", BCON_INT32(-1), "_id", BCON_INT32(-1),
				"}", "limit", BCON_INT64(OPEN311_MAX_RESULTS));
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("pickup_requests"), &f, opts, NULL);
	bson_destroy(opts);
	bson_destroy(&f);
	struct open311_item *items = NULL;
	size_t cap = 0, k = 0;
	const bson_t *d;
	while (mongoc_cursor_next(cur, &d)) {
		if (is_draft(d))
			continue;
		if (k == cap) {
			cap = cap ? cap * 2 : 32;
			items = realloc(items, cap * sizeof(*items));
		}
		item_of(d, &items[k++]);
	}
	bson_error_t e;
	bool ok = !mongoc_cursor_error(cur, &e);
	mongoc_cursor_destroy(cur);
	if (ok && q->want_links)
		ok = read_links(items, k, &e);
	if (!ok) {
		derr_from_store(err, &e);
		open311_results_free(items, k);
		return false;
	}
	*out = items;
	*n = k;
	return true;
}

void open311_results_free(struct open311_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct open311_item *it = &items[i];
		char *strs[] = {it->status,	  it->category, it->description, it->address_line1,
				it->address_city, it->pincode,	it->media_url,	 it->status_notes};
		for (size_t k = 0; k < sizeof(strs) / sizeof(strs[0]); k++)
			free(strs[k]);
	}
	free(items);
}
