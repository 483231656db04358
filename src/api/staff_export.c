/* GET /api/staff/requests.csv?<the staff list filters>: every matching request as RFC 4180
 * CSV (infra/csv.h: formulas neutralised), newest first. The answer is streamed: the
 * header row and the first page are read before it starts (so a bad filter or a database
 * outage is still a clear 4xx/5xx), then the transport pulls one page at a time
 * (requests_export_page), so an export of 100k rows holds one page in memory. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "domain/requests.h"
#include "infra/csv.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/timeutil.h"

#define EXPORT_PAGE 500

static const char *const columns[] = {
    "id",	   "created_at", "status",	  "category", "is_special", "quantity",
    "description", "line1",	 "line2",	  "city",     "pincode",    "slot_start",
    "slot_end",	   "weight_kg",	 "reward_points", "user_id",  NULL};

/* What the stream needs after the handler returned: the filters (copied) and cursor. */
struct export
{
	struct req_query q;
	char *status, *category, *text;
	struct req_export_cursor cur;
	struct strbuf buf;
};

static void export_free(void *ctx)
{
	struct export *x = ctx;
	free(x->status);
	free(x->category);
	free(x->text);
	free(strbuf_take(&x->buf));
	free(x);
}

/* The text of `v` for a cell into `out` (a string, number, bool, date, ObjectId). */
static const char *cell_text(const bson_iter_t *v, char *out, size_t len)
{
	switch (bson_iter_type(v)) {
	case BSON_TYPE_UTF8: return bson_iter_utf8(v, NULL);
	case BSON_TYPE_OID: bson_oid_to_string(bson_iter_oid(v), out); return out;
	case BSON_TYPE_BOOL: return bson_iter_bool(v) ? "true" : "false";
	case BSON_TYPE_INT32:
	case BSON_TYPE_INT64:
		snprintf(out, len, "%lld", (long long)bson_iter_as_int64(v));
		return out;
	case BSON_TYPE_DOUBLE: snprintf(out, len, "%g", bson_iter_double(v)); return out;
	case BSON_TYPE_DATE_TIME:
		if (len >= TIME_RFC3339_LEN)
			time_format_rfc3339(bson_iter_date_time(v), out);
		return out;
	default: return NULL;
	}
}

static void row(const bson_t *doc, void *ctx)
{
	struct export *x = ctx;
	static const char *const paths[] = {"_id",
					    "created_at",
					    "status",
					    "category",
					    "is_special",
					    "quantity",
					    "description",
					    "address.line1",
					    "address.line2",
					    "address.city",
					    "address.pincode",
					    "assigned_slot.start",
					    "assigned_slot.end",
					    "weight_kg",
					    "reward_points",
					    "user_id",
					    NULL};
	for (size_t i = 0; paths[i]; i++) {
		bson_iter_t it, v;
		char tmp[64];
		const char *s = NULL;
		if (bson_iter_init(&it, doc) && bson_iter_find_descendant(&it, paths[i], &v))
			s = cell_text(&v, tmp, sizeof(tmp));
		csv_cell(&x->buf, s, i == 0);
	}
	csv_end_row(&x->buf);
}

/* One page into x->buf: its row count, -1 on a database error (logged). */
static long next_page(struct export *x)
{
	bson_error_t err;
	long n = requests_export_page(&x->q, &x->cur, EXPORT_PAGE, row, x, &err);
	if (n < 0)
		log_error("CSV export: reading a page failed: %s", err.message);
	return n;
}

static bool stream_pages(void *ctx, struct http_sink *sink)
{
	struct export *x = ctx;
	for (;;) {
		long n = next_page(x);
		if (n < 0)
			return false;
		if (x->buf.oom)
			return false;
		sink->write(sink, x->buf.s ? x->buf.s : "", x->buf.len);
		x->buf.len = 0;
		if (sink->failed)
			return false;
		if (n < EXPORT_PAGE)
			return true;
	}
}

static char *dup_or_null(const char *s)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		abort();
	return d;
}

int api_staff_requests_csv(struct http_request *req, struct http_response *res)
{
	struct verrors *e = http_verrors(req);
	struct req_query q = {0};
	api_staff_query(req, e, &q);
	if (verr_any(e))
		return http_validation(res, e);
	struct export *x = calloc(1, sizeof(*x));
	if (!x)
		abort();
	x->q = q;
	x->q.status = x->status = dup_or_null(q.status);
	x->q.category = x->category = dup_or_null(q.category);
	x->q.q = x->text = dup_or_null(q.q);
	for (size_t i = 0; columns[i]; i++)
		csv_cell(&x->buf, columns[i], i == 0);
	csv_end_row(&x->buf);
	bson_error_t err;
	long n = requests_export_page(&x->q, &x->cur, EXPORT_PAGE, row, x, &err);
	if (n < 0 || x->buf.oom) {
		export_free(x);
		return n < 0 ? http_db_error(res, &err) : http_error(res, 500, "Out of memory");
	}
	http_header(res, "Content-Disposition", "attachment; filename=\"requests.csv\"");
	http_header(res, "Cache-Control", "no-store");
	bool more = n == EXPORT_PAGE;
	int st = http_stream(res, 200, "text/csv; charset=utf-8", x->buf.s, x->buf.len,
			     more ? stream_pages : NULL, x, export_free);
	x->buf.len = 0;
	return st;
}
