#include "domain/internal/rewards_store.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/categories.h"

#include "infra/config.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/timeutil.h"

#define REWARDS_MAX_POINTS 100000
#define REWARDS_TABLE_MAX  16 /* more than the categories: each may be listed once */

/* REWARD_POINTS, parsed: the category (a categories_names entry) and its points. */
struct reward_rate {
	const char *category;
	int points;
};
static struct reward_rate rates[REWARDS_TABLE_MAX];
static size_t n_rates;

/* The known category named by s[0..len), or NULL. */
static const char *category_named(const char *s, size_t len)
{
	for (const char *const *c = categories_names; *c; c++)
		if (strlen(*c) == len && strncmp(*c, s, len) == 0)
			return *c;
	return NULL;
}

/* Parses one "category=points" entry of s[0..len) (spaces trimmed) into *out. */
static int parse_rate(const char *s, size_t len, struct reward_rate *out, char *err, size_t errlen)
{
	while (len > 0 && *s == ' ')
		s++, len--;
	while (len > 0 && s[len - 1] == ' ')
		len--;
	const char *eq = memchr(s, '=', len);
	size_t nlen = eq ? (size_t)(eq - s) : 0, i = nlen + 1;
	while (nlen > 0 && s[nlen - 1] == ' ')
		nlen--;
	while (eq && i < len && s[i] == ' ')
		i++;
	out->category = eq ? category_named(s, nlen) : NULL;
	long points = eq && i < len ? 0 : -1;
	for (; points >= 0 && i < len; i++)
		points = isdigit((unsigned char)s[i]) && points <= REWARDS_MAX_POINTS
			     ? points * 10 + (s[i] - '0')
			     : -1;
	if (!out->category || points < 0 || points > REWARDS_MAX_POINTS) {
		snprintf(err, errlen,
			 "REWARD_POINTS: '%.*s' is not category=points (a known category, "
			 "points 0..%d)",
			 (int)(len > 100 ? 100 : len), s, REWARDS_MAX_POINTS);
		return -1;
	}
	out->points = (int)points;
	return 0;
}

/* Parses the whole list into table[] (*n entries); 0, or -1 with err set. */
static int parse_rates(const char *list, struct reward_rate *table, size_t *n, char *err,
		       size_t errlen)
{
	*n = 0;
	if (strspn(list, " ") == strlen(list))
		return 0;
	for (const char *p = list;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		struct reward_rate r;
		if (parse_rate(p, len, &r, err, errlen) < 0)
			return -1;
		for (size_t i = 0; i < *n; i++)
			if (table[i].category == r.category) {
				snprintf(err, errlen, "REWARD_POINTS: '%s' is listed twice",
					 r.category);
				return -1;
			}
		table[(*n)++] = r; /* fits: each known category at most once */
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

int rewards_config_check(const struct config *c, char *err, size_t errlen)
{
	struct reward_rate table[REWARDS_TABLE_MAX];
	size_t n;
	return parse_rates(c->reward_points, table, &n, err, errlen);
}

void rewards_config_apply(const struct config *c)
{
	char err[256];
	if (parse_rates(c->reward_points, rates, &n_rates, err, sizeof(err)) < 0)
		n_rates = 0; /* not reached: the configuration passed rewards_config_check */
}

int rewards_points(const char *category)
{
	config_get(); /* the defaults are adopted (and so parsed) on first use */
	for (size_t i = 0; category && i < n_rates; i++)
		if (strcmp(rates[i].category, category) == 0)
			return rates[i].points;
	return 0;
}

/* Points recorded for `request_id` in the ledger: >0, 0 when none, -1 on error. */
static int credited_points(const bson_oid_t *request_id, bson_error_t *err)
{
	bson_t *q = BCON_NEW("request_id", BCON_OID(request_id));
	mongoc_cursor_t *c = mongoc_collection_find_with_opts(db_coll("rewards"), q, NULL, NULL);
	const bson_t *doc;
	int points = 0;
	if (mongoc_cursor_next(c, &doc)) {
		bson_iter_t it;
		if (bson_iter_init_find(&it, doc, "points") && BSON_ITER_HOLDS_NUMBER(&it))
			points = (int)bson_iter_as_int64(&it);
	}
	if (mongoc_cursor_error(c, err))
		points = -1;
	mongoc_cursor_destroy(c);
	bson_destroy(q);
	return points;
}

/* Whether the credit of `request_id` was reversed (its reversal has the request's id as
 * _id): 1 yes, 0 no, -1 error. */
static int was_reversed(const bson_oid_t *request_id, bson_error_t *err)
{
	bson_t *q = BCON_NEW("_id", BCON_OID(request_id));
	int64_t n = mongoc_collection_count_documents(db_coll("rewards"), q, NULL, NULL, NULL, err);
	bson_destroy(q);
	return n < 0 ? -1 : n > 0;
}

enum reward_result rewards_credit(const bson_oid_t *request_id, const bson_oid_t *user_id,
				  const char *category, int *points_out, bson_error_t *err)
{
	int points = rewards_points(category);
	if (points_out)
		*points_out = 0;
	if (points <= 0)
		return REWARD_NONE;
	char reason[160];
	snprintf(reason, sizeof(reason), "Completed %s pickup", category);
	bson_oid_t id;
	bson_oid_init(&id, NULL);
	bson_t *doc = BCON_NEW("_id", BCON_OID(&id), "user_id", BCON_OID(user_id), "request_id",
			       BCON_OID(request_id), "points", BCON_INT32(points), "reason",
			       BCON_UTF8(reason), "created_at", BCON_DATE_TIME(time_now_ms()));
	/* The unique request_id index of the ledger makes the credit exclusive. */
	enum db_claim_result won = db_claim("rewards", doc, err);
	bson_destroy(doc);
	enum reward_result r = REWARD_CREDITED;
	if (won != DB_CLAIM_WON) {
		if (won == DB_CLAIM_ERROR)
			return REWARD_DB_ERROR;
		/* Credited before: the ledger entry is the truth, re-read its points (none
		 * left when a dispute reversed them). */
		r = REWARD_ALREADY;
		points = credited_points(request_id, err);
		int reversed = points > 0 ? was_reversed(request_id, err) : 0;
		if (points < 0 || reversed < 0)
			return REWARD_DB_ERROR;
		if (reversed)
			points = 0;
	}
	/* $set, not $inc: repeating it is harmless and repairs a value lost to a concurrent
	 * whole-document write on FerretDB. */
	bson_t *sel = BCON_NEW("_id", BCON_OID(request_id));
	bson_t *upd = BCON_NEW("$set", "{", "reward_points", BCON_INT32(points), "}");
	bool ok =
	    mongoc_collection_update_one(db_coll("pickup_requests"), sel, upd, NULL, NULL, err);
	bson_destroy(sel);
	bson_destroy(upd);
	if (!ok)
		return REWARD_DB_ERROR;
	if (points_out)
		*points_out = points;
	return r;
}

enum reward_result rewards_reverse(const bson_oid_t *request_id, const bson_oid_t *user_id,
				   const char *reason, int *points_out, bson_error_t *err)
{
	if (points_out)
		*points_out = 0;
	int points = credited_points(request_id, err);
	if (points < 0)
		return REWARD_DB_ERROR;
	if (points == 0)
		return REWARD_NONE;
	char why[320];
	snprintf(why, sizeof(why), "Reversed: not collected%s%s", reason && *reason ? " - " : "",
		 reason ? reason : "");
	/* _id = the request's id: one reversal per request, decided by the insert. */
	bson_t *doc =
	    BCON_NEW("_id", BCON_OID(request_id), "user_id", BCON_OID(user_id), "reversal_of",
		     BCON_OID(request_id), "points", BCON_INT32(-points), "reason", BCON_UTF8(why),
		     "created_at", BCON_DATE_TIME(time_now_ms()));
	enum db_claim_result won = db_claim("rewards", doc, err);
	bson_destroy(doc);
	if (won == DB_CLAIM_ERROR)
		return REWARD_DB_ERROR;
	/* the request shows what it earns now; $set again on a repeat (as rewards_credit) */
	bson_t *sel = BCON_NEW("_id", BCON_OID(request_id));
	bson_t *upd = BCON_NEW("$set", "{", "reward_points", BCON_INT32(0), "}");
	bool ok =
	    mongoc_collection_update_one(db_coll("pickup_requests"), sel, upd, NULL, NULL, err);
	bson_destroy(sel);
	bson_destroy(upd);
	if (!ok)
		return REWARD_DB_ERROR;
	if (points_out)
		*points_out = points;
	return won == DB_CLAIM_WON ? REWARD_CREDITED : REWARD_ALREADY;
}

static int64_t sum_points(const bson_oid_t *user_id, bson_error_t *err)
{
	bson_t *pipeline =
	    BCON_NEW("pipeline", "[", "{", "$match", "{", "user_id", BCON_OID(user_id), "}", "}",
		     "{", "$group", "{", "_id", BCON_NULL, "total", "{", "$sum",
		     BCON_UTF8("$points"), "}", "}", "}", "]");
	mongoc_cursor_t *c = mongoc_collection_aggregate(db_coll("rewards"), MONGOC_QUERY_NONE,
							 pipeline, NULL, NULL);
	const bson_t *doc;
	int64_t total = 0;
	if (mongoc_cursor_next(c, &doc)) {
		bson_iter_t it;
		if (bson_iter_init_find(&it, doc, "total") && BSON_ITER_HOLDS_NUMBER(&it))
			total = bson_iter_as_int64(&it);
	}
	if (mongoc_cursor_error(c, err))
		total = -1;
	mongoc_cursor_destroy(c);
	bson_destroy(pipeline);
	return total;
}

/* One ledger document as an entry (balance_after left 0). */
static void entry_from_doc(const bson_t *doc, struct reward_entry *e)
{
	memset(e, 0, sizeof(*e));
	bson_iter_t it;
	if (bson_iter_init_find(&it, doc, "_id") && BSON_ITER_HOLDS_OID(&it))
		bson_oid_to_string(bson_iter_oid(&it), e->id);
	if (bson_iter_init_find(&it, doc, "points") && BSON_ITER_HOLDS_NUMBER(&it))
		e->points = bson_iter_as_int64(&it);
	if (bson_iter_init_find(&it, doc, "reason") && BSON_ITER_HOLDS_UTF8(&it))
		snprintf(e->reason, sizeof(e->reason), "%s", bson_iter_utf8(&it, NULL));
	if ((bson_iter_init_find(&it, doc, "request_id") ||
	     bson_iter_init_find(&it, doc, "reversal_of")) &&
	    BSON_ITER_HOLDS_OID(&it))
		bson_oid_to_string(bson_iter_oid(&it), e->request_id);
	e->has_created_at =
	    bson_iter_init_find(&it, doc, "created_at") && BSON_ITER_HOLDS_DATE_TIME(&it);
	if (e->has_created_at)
		e->created_at = bson_iter_date_time(&it);
}

/* Every entry of `user_id` newest first (at most `max`; 0: all) into a malloc'd array. */
static bool read_entries(const bson_oid_t *user_id, int64_t max, struct reward_entry **out,
			 size_t *n, bson_error_t *err)
{
	bson_t *q = BCON_NEW("user_id", BCON_OID(user_id));
	bson_t *opts =
	    BCON_NEW("sort", "{", "created_at", BCON_INT32(-1), "_id", BCON_INT32(-1), "}");
	if (max > 0)
		BSON_APPEND_INT64(opts, "limit", max);
	mongoc_cursor_t *c = mongoc_collection_find_with_opts(db_coll("rewards"), q, opts, NULL);
	struct reward_entry *v = NULL;
	size_t len = 0, cap = 0;
	const bson_t *doc;
	while (mongoc_cursor_next(c, &doc)) {
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				abort();
		}
		entry_from_doc(doc, &v[len++]);
	}
	bool failed = mongoc_cursor_error(c, err);
	mongoc_cursor_destroy(c);
	bson_destroy(q);
	bson_destroy(opts);
	if (failed) {
		free(v);
		return false;
	}
	*out = v;
	*n = len;
	return true;
}

bool rewards_summary(const struct oid *user, struct reward_summary *out, struct derr *err)
{
	bson_oid_t user_id;
	bson_error_t e;
	oid_to_store(user, &user_id);
	memset(out, 0, sizeof(*out));
	out->total_points = sum_points(&user_id, &e);
	struct reward_entry *v = NULL;
	size_t n = 0;
	if (out->total_points < 0 || !read_entries(&user_id, REWARDS_RECENT, &v, &n, &e)) {
		derr_from_store(err, &e);
		return false;
	}
	out->n = n < REWARDS_RECENT ? n : REWARDS_RECENT;
	if (out->n)
		memcpy(out->recent, v, out->n * sizeof(*v));
	free(v);
	return true;
}

bool rewards_ledger(const struct oid *user, long skip, long limit, struct reward_entry **items,
		    size_t *n, int64_t *total, struct derr *err)
{
	bson_oid_t user_id;
	bson_error_t e;
	oid_to_store(user, &user_id);
	struct reward_entry *all = NULL;
	size_t len = 0;
	*items = NULL;
	*n = 0;
	if (!read_entries(&user_id, 0, &all, &len, &e)) {
		derr_from_store(err, &e);
		return false;
	}
	/* newest first: each balance is the one after it minus that entry's points */
	int64_t balance = 0;
	for (size_t i = 0; i < len; i++)
		balance += all[i].points;
	size_t k = 0;
	for (size_t i = 0; i < len; i++) {
		all[i].balance_after = balance;
		balance -= all[i].points;
		if (i >= (size_t)skip && i < (size_t)skip + (size_t)limit)
			all[k++] = all[i];
	}
	*items = all;
	*n = k;
	*total = (int64_t)len;
	return true;
}
