#include "domain/reports.h"

#include <stdlib.h>
#include <string.h>

#include "domain/categories.h"
#include "domain/requests.h"
#include "infra/db.h"

#define REPORTS_BATCH 10000
#define MAX_REASONS   50 /* distinct failure reasons kept; the rest count as "other" */

struct durations {
	double *v;
	size_t n, cap;
};

struct reason_count {
	char *reason;
	long count;
};

struct tally {
	long total;
	long by_status[RS_COUNT];
	long by_category[16];
	long *by_day;
	double kg[16], kg_total;
	struct durations to_scheduled, to_completed;
	struct reason_count reasons[MAX_REASONS + 1];
	size_t n_reasons;
};

static int category_index(const char *name)
{
	for (int i = 0; name && categories_names[i] && i < 16; i++)
		if (strcmp(categories_names[i], name) == 0)
			return i;
	return -1;
}

static void push_duration(struct durations *d, int64_t from, int64_t to)
{
	if (from <= 0 || to < from)
		return;
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 256;
		d->v = realloc(d->v, d->cap * sizeof(*d->v));
		if (!d->v)
			abort();
	}
	d->v[d->n++] = (double)(to - from) / 3600000.0;
}

static struct reason_count *find_reason(struct tally *t, const char *reason)
{
	for (size_t i = 0; i < t->n_reasons; i++)
		if (strcmp(t->reasons[i].reason, reason) == 0)
			return &t->reasons[i];
	return NULL;
}

/* Counts a failure reason; past MAX_REASONS distinct ones, new ones count as "other". */
static void count_reason(struct tally *t, const char *reason)
{
	if (!reason || !*reason)
		reason = "(no reason given)";
	struct reason_count *r = find_reason(t, reason);
	if (!r && t->n_reasons >= MAX_REASONS)
		r = find_reason(t, reason = "other");
	if (!r) {
		r = &t->reasons[t->n_reasons++];
		r->reason = strdup(reason);
		if (!r->reason)
			abort();
	}
	r->count++;
}

/* The first entry of each step on the timeline, and the reason of the last failure. */
struct steps {
	int64_t submitted, scheduled, completed;
	const char *fail_reason;
};

/* The reason of a failed step: data.reason, else its note (staff failing a pickup before
 * the reason field existed wrote it there). */
static const char *failure_reason(const bson_iter_t *event)
{
	static const char *const keys[] = {"data.reason", "data.note"};
	for (size_t i = 0; i < 2; i++) {
		bson_iter_t ev, v;
		if (bson_iter_recurse(event, &ev) && bson_iter_find_descendant(&ev, keys[i], &v) &&
		    BSON_ITER_HOLDS_UTF8(&v))
			return bson_iter_utf8(&v, NULL);
	}
	return NULL;
}

static void read_steps(const bson_t *doc, struct steps *s)
{
	bson_iter_t it, tl;
	memset(s, 0, sizeof(*s));
	if (!bson_iter_init_find(&it, doc, "timeline") || !BSON_ITER_HOLDS_ARRAY(&it) ||
	    !bson_iter_recurse(&it, &tl))
		return;
	while (bson_iter_next(&tl)) {
		bson_iter_t ev, to, at;
		if (!BSON_ITER_HOLDS_DOCUMENT(&tl) || !bson_iter_recurse(&tl, &ev) ||
		    !bson_iter_find_descendant(&ev, "data.to", &to) || !BSON_ITER_HOLDS_UTF8(&to))
			continue;
		const char *name = bson_iter_utf8(&to, NULL);
		if (!bson_iter_recurse(&tl, &at) || !bson_iter_find(&at, "at") ||
		    !BSON_ITER_HOLDS_DATE_TIME(&at))
			continue;
		int64_t when = bson_iter_date_time(&at);
		if (strcmp(name, "submitted") == 0 && !s->submitted)
			s->submitted = when;
		else if (strcmp(name, "scheduled") == 0 && !s->scheduled)
			s->scheduled = when;
		else if (strcmp(name, "completed") == 0 && !s->completed)
			s->completed = when;
		else if (strcmp(name, "failed") == 0)
			s->fail_reason = failure_reason(&tl);
	}
}

static int day_of(const int64_t *days, int n_days, int64_t at)
{
	int lo = 0, hi = n_days; /* days[lo] <= at < days[hi] */
	if (at < days[0] || at >= days[n_days])
		return -1;
	while (hi - lo > 1) {
		int mid = (lo + hi) / 2;
		if (at < days[mid])
			hi = mid;
		else
			lo = mid;
	}
	return lo;
}

static void add_request(struct tally *t, const bson_t *doc, const int64_t *days, int n_days)
{
	bson_iter_t it;
	int st = -1;
	if (bson_iter_init_find(&it, doc, "status") && BSON_ITER_HOLDS_UTF8(&it))
		st = requests_status_parse(bson_iter_utf8(&it, NULL));
	if (st < 0 || st == RS_DRAFT)
		return;
	t->total++;
	t->by_status[st]++;
	int cat = -1;
	if (bson_iter_init_find(&it, doc, "category") && BSON_ITER_HOLDS_UTF8(&it))
		cat = category_index(bson_iter_utf8(&it, NULL));
	if (cat >= 0)
		t->by_category[cat]++;
	int64_t created = 0;
	if (bson_iter_init_find(&it, doc, "created_at") && BSON_ITER_HOLDS_DATE_TIME(&it))
		created = bson_iter_date_time(&it);
	int d = day_of(days, n_days, created);
	if (d >= 0)
		t->by_day[d]++;
	struct steps s;
	read_steps(doc, &s);
	push_duration(&t->to_scheduled, s.submitted ? s.submitted : created, s.scheduled);
	if (s.completed)
		push_duration(&t->to_completed, s.scheduled, s.completed);
	if (st == RS_FAILED)
		count_reason(t, s.fail_reason);
	if (st != RS_FAILED && st != RS_CANCELLED && bson_iter_init_find(&it, doc, "weight_kg") &&
	    BSON_ITER_HOLDS_NUMBER(&it)) {
		double kg = bson_iter_as_double(&it);
		t->kg_total += kg;
		if (cat >= 0)
			t->kg[cat] += kg;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int cmp_reason(const void *a, const void *b)
{
	const struct reason_count *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->reason, y->reason);
}

/* The median in hours, rounded to 0.01; false when there is none. */
static bool median(struct durations *d, double *out)
{
	if (!d->n)
		return false;
	qsort(d->v, d->n, sizeof(*d->v), cmp_double);
	double m = d->n % 2 ? d->v[d->n / 2] : (d->v[d->n / 2 - 1] + d->v[d->n / 2]) / 2;
	*out = (double)(int64_t)(m * 100 + 0.5) / 100;
	return true;
}

static double rate(long part, long total)
{
	return total ? (double)(int64_t)((double)part / (double)total * 10000 + 0.5) / 10000 : 0;
}

_Static_assert(RS_COUNT - RS_SUBMITTED <= REPORTS_MAX_STATUSES, "statuses of a report");

/* The summary of tally `t`; its day counts and reasons move to *o. */
static void tally_out(struct tally *t, int n_days, struct reports_summary *o)
{
	memset(o, 0, sizeof(*o));
	o->total = t->total;
	for (int s = RS_SUBMITTED; s < RS_COUNT; s++)
		o->by_status[o->n_statuses++] = (struct reports_count){
		    requests_status_name((enum req_status)s), t->by_status[s]};
	for (int c = 0; categories_names[c] && c < REPORTS_MAX_CATEGORIES; c++) {
		o->by_category[c] = (struct reports_count){categories_names[c], t->by_category[c]};
		o->kg_by_category[c] = t->kg[c];
		o->n_categories++;
	}
	o->kg_total = t->kg_total;
	o->by_day = t->by_day;
	t->by_day = NULL;
	o->n_days = n_days;
	o->completion_rate = rate(t->by_status[RS_COMPLETED], t->total);
	o->failure_rate = rate(t->by_status[RS_FAILED], t->total);
	qsort(t->reasons, t->n_reasons, sizeof(t->reasons[0]), cmp_reason);
	o->failure_reasons = calloc(t->n_reasons + 1, sizeof(*o->failure_reasons));
	if (!o->failure_reasons)
		abort();
	for (size_t i = 0; i < t->n_reasons; i++)
		o->failure_reasons[i] =
		    (struct reports_count){t->reasons[i].reason, t->reasons[i].count};
	o->n_failure_reasons = t->n_reasons;
	t->n_reasons = 0;
	o->has_to_scheduled = median(&t->to_scheduled, &o->median_to_scheduled);
	o->has_to_completed = median(&t->to_completed, &o->median_to_completed);
}

void reports_summary_free(struct reports_summary *s)
{
	for (size_t i = 0; i < s->n_failure_reasons; i++)
		free((char *)s->failure_reasons[i].name);
	free(s->failure_reasons);
	free(s->by_day);
	memset(s, 0, sizeof(*s));
}

static void tally_free(struct tally *t)
{
	for (size_t i = 0; i < t->n_reasons; i++)
		free(t->reasons[i].reason);
	free(t->to_scheduled.v);
	free(t->to_completed.v);
	free(t->by_day);
}

bool reports_summary(const int64_t *days, int n_days, struct reports_summary *out, struct derr *err)
{
	struct tally t = {0};
	t.by_day = calloc((size_t)n_days, sizeof(*t.by_day));
	if (!t.by_day)
		abort();
	bson_t *q = BCON_NEW("created_at", "{", "$gte", BCON_DATE_TIME(days[0]), "$lt",
			     BCON_DATE_TIME(days[n_days]), "}");
	/* large batches: one store command per REPORTS_BATCH requests of the range, not one
	 * per default batch of 101 */
	bson_t *opts =
	    BCON_NEW("projection", "{", "status", BCON_INT32(1), "category", BCON_INT32(1),
		     "created_at", BCON_INT32(1), "timeline", BCON_INT32(1), "weight_kg",
		     BCON_INT32(1), "}", "batchSize", BCON_INT32(REPORTS_BATCH));
	mongoc_cursor_t *c =
	    mongoc_collection_find_with_opts(db_coll("pickup_requests"), q, opts, NULL);
	const bson_t *doc;
	while (mongoc_cursor_next(c, &doc))
		add_request(&t, doc, days, n_days);
	bson_error_t e;
	bool failed = mongoc_cursor_error(c, &e);
	if (failed)
		derr_from_store(err, &e);
	mongoc_cursor_destroy(c);
	bson_destroy(q);
	bson_destroy(opts);
	if (!failed)
		tally_out(&t, n_days, out);
	tally_free(&t);
	return !failed;
}
