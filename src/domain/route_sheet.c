#include "domain/route_sheet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/internal/requests_store.h"
#include "infra/db.h"
#include "infra/timeutil.h"

#define COLL "pickup_requests"

bool route_day_bounds(const char *date, int64_t *start, int64_t *end)
{
	int y, m, d;
	if (!date || !time_parse_date(date, &y, &m, &d))
		return false;
	/* the process runs in SERVICE_TZ (runtime.c sets TZ), so mktime is that zone's day,
	 * 23 or 25 hours long on a DST change */
	struct tm a = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_isdst = -1};
	struct tm b = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d + 1, .tm_isdst = -1};
	time_t ta = mktime(&a), tb = mktime(&b);
	if (ta == (time_t)-1 || tb == (time_t)-1)
		return false;
	*start = (int64_t)ta * 1000;
	*end = (int64_t)tb * 1000;
	return true;
}

void route_today(char out[11])
{
	time_t t = (time_t)(time_now_ms() / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* The filter of `q`: equalities first, then the day's range (the index order). */
static void build_filter(bson_t *f, const struct day_query *q)
{
	bson_t sub, arr;
	char k[16];
	const char *key;
	bson_oid_t oid;
	if (q->by_crew && q->n_crews == 1) {
		memcpy(oid.bytes, q->crews[0].bytes, sizeof(oid.bytes));
		BSON_APPEND_OID(f, "crew_id", &oid);
	} else if (q->by_crew) {
		BSON_APPEND_DOCUMENT_BEGIN(f, "crew_id", &sub);
		BSON_APPEND_ARRAY_BEGIN(&sub, "$in", &arr);
		for (size_t i = 0; i < q->n_crews; i++) {
			bson_uint32_to_string((uint32_t)i, &key, k, sizeof(k));
			memcpy(oid.bytes, q->crews[i].bytes, sizeof(oid.bytes));
			BSON_APPEND_OID(&arr, key, &oid);
		}
		bson_append_array_end(&sub, &arr);
		bson_append_document_end(f, &sub);
	}
	if (q->pincode)
		BSON_APPEND_UTF8(f, "address.pincode", q->pincode);
	if (q->has_slot_start) {
		BSON_APPEND_DATE_TIME(f, "assigned_slot.start", q->slot_start);
	} else {
		BSON_APPEND_DOCUMENT_BEGIN(f, "assigned_slot.start", &sub);
		BSON_APPEND_DATE_TIME(&sub, "$gte", q->day_start);
		BSON_APPEND_DATE_TIME(&sub, "$lt", q->day_end);
		bson_append_document_end(f, &sub);
	}
	if (q->status)
		BSON_APPEND_UTF8(f, "status", q->status);
}

static void stop_init(struct stop *s, const bson_t *doc)
{
	memset(s, 0, sizeof(*s));
	bson_t *own = bson_copy(doc);
	if (!own)
		abort();
	requests_fill(own, true, REQ_FILL_NOTES, &s->req); /* s->req owns the copy */
	const struct pickup_request *r = &s->req;
	/* a stop holds a seat: its slot is whole (a half slot sorts as 0, as before) */
	s->slot_start = r->has_assigned_slot ? r->assigned_slot.start : 0;
	s->slot_end = r->has_assigned_slot ? r->assigned_slot.end : 0;
	s->created_at = r->has_created_at ? r->created_at : 0;
	s->pincode = r->address.pincode ? r->address.pincode : "";
}

static int cmp64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

/* Route order: slot, pincode, then first made first (and the id, so it is total). */
static int route_order(const void *pa, const void *pb)
{
	const struct stop *a = pa, *b = pb;
	int c = cmp64(a->slot_start, b->slot_start);
	if (!c)
		c = strcmp(a->pincode, b->pincode);
	if (!c)
		c = cmp64(a->created_at, b->created_at);
	if (!c)
		c = memcmp(a->req.id.bytes, b->req.id.bytes, sizeof(a->req.id.bytes));
	return c;
}

static bool load_stops(const struct day_query *q, struct stops *out, bson_error_t *err)
{
	out->v = NULL;
	out->n = 0;
	if (q->by_crew && q->n_crews == 0)
		return true; /* no crew: no stops, and no query */
	bson_t f = BSON_INITIALIZER;
	build_filter(&f, q);
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll(COLL), &f, NULL, NULL);
	size_t cap = 0;
	const bson_t *doc;
	while (mongoc_cursor_next(cur, &doc)) {
		if (out->n == cap) {
			cap = cap ? 2 * cap : 32;
			out->v = realloc(out->v, cap * sizeof(*out->v));
			if (!out->v)
				abort();
		}
		stop_init(&out->v[out->n++], doc);
	}
	bool failed = mongoc_cursor_error(cur, err);
	mongoc_cursor_destroy(cur);
	bson_destroy(&f);
	if (failed) {
		route_stops_free(out);
		return false;
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), route_order);
	return true;
}

bool route_stops_load(const struct day_query *q, struct stops *out, struct derr *err)
{
	bson_error_t e;
	if (load_stops(q, out, &e))
		return true;
	derr_from_store(err, &e);
	return false;
}

void route_stops_free(struct stops *s)
{
	for (size_t i = 0; i < s->n; i++)
		pickup_request_clear(&s->v[i].req);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}
