/* GET /api/staff/requests.csv?<the staff list filters>: every matching request as RFC 4180
 * CSV (infra/csv.h: formulas neutralised), newest first. The answer is streamed: the
 * header row and the first page are read before it starts (so a bad filter or a database
 * outage is still a clear 4xx/5xx), then the transport pulls one page at a time
 * (requests_export_page), so an export of 100k rows holds one page in memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "domain/requests.h"
#include "infra/csv.h"
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
	char *status, *category, *text, *pincode;
	struct req_export_cursor cur;
	struct strbuf buf;
};

static void export_free(void *ctx)
{
	struct export *x = ctx;
	free(x->status);
	free(x->category);
	free(x->text);
	free(x->pincode);
	free(strbuf_take(&x->buf));
	free(x);
}

static void cell(struct export *x, const char *s)
{
	csv_cell(&x->buf, s, false);
}

static void cell_time(struct export *x, bool has, int64_t ms)
{
	char ts[TIME_RFC3339_LEN];
	if (has)
		time_format_rfc3339(ms, ts);
	cell(x, has ? ts : NULL);
}

static void cell_number(struct export *x, bool has, double v)
{
	char tmp[64];
	if (has)
		snprintf(tmp, sizeof(tmp), "%g", v);
	cell(x, has ? tmp : NULL);
}

/* One request as the columns say (an absent field is an empty cell). */
static void row(const struct pickup_request *r, void *ctx)
{
	struct export *x = ctx;
	char hex[OID_HEX_LEN], tmp[32];
	oid_to_hex(&r->id, hex);
	csv_cell(&x->buf, hex, true);
	cell_time(x, r->has_created_at, r->created_at);
	cell(x, r->status < RS_COUNT ? requests_status_name(r->status) : NULL);
	cell(x, r->category);
	cell(x, r->has_is_special ? (r->is_special ? "true" : "false") : NULL);
	cell_number(x, r->has_quantity, r->quantity);
	cell(x, r->description);
	cell(x, r->address.line1);
	cell(x, r->address.line2);
	cell(x, r->address.city);
	cell(x, r->address.pincode);
	cell_time(x, r->has_assigned_slot, r->assigned_slot.start);
	cell_time(x, r->has_assigned_slot, r->assigned_slot.end);
	cell_number(x, r->has_weight, r->weight_kg);
	snprintf(tmp, sizeof(tmp), "%lld", (long long)r->reward_points);
	cell(x, tmp);
	if (r->has_user)
		oid_to_hex(&r->user_id, hex);
	cell(x, r->has_user ? hex : NULL);
	csv_end_row(&x->buf);
}

/* One page into x->buf: its row count, -1 on a database error (logged). */
static long next_page(struct export *x)
{
	struct derr err;
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
	x->q.pincode = x->pincode = dup_or_null(q.pincode);
	for (size_t i = 0; columns[i]; i++)
		csv_cell(&x->buf, columns[i], i == 0);
	csv_end_row(&x->buf);
	struct derr err;
	long n = requests_export_page(&x->q, &x->cur, EXPORT_PAGE, row, x, &err);
	if (n < 0 || x->buf.oom) {
		export_free(x);
		return n < 0 ? api_derr(res, &err) : http_error(res, 500, "Out of memory");
	}
	http_header(res, "Content-Disposition", "attachment; filename=\"requests.csv\"");
	http_header(res, "Cache-Control", "no-store");
	bool more = n == EXPORT_PAGE;
	int st = http_stream(res, 200, "text/csv; charset=utf-8", x->buf.s, x->buf.len,
			     more ? stream_pages : NULL, x, export_free);
	x->buf.len = 0;
	return st;
}
