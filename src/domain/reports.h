/* Operations reports over pickup requests: what was asked for, what became of it, how
 * fast, and how much was collected, for a range of days in SERVICE_TZ. The api layer
 * builds the wire shape (api/staff_reports.c). */
#ifndef SWMRA_REPORTS_H
#define SWMRA_REPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/derr.h"

/* Longest range of one report, in days. */
#define REPORTS_MAX_DAYS       366
#define REPORTS_MAX_STATUSES   16
#define REPORTS_MAX_CATEGORIES 16

/* A name and its count. */
struct reports_count {
	const char *name; /* a status or category (static), a failure reason (owned) */
	long count;
};

/* The summary of the requests created in a range of days (drafts are not counted). */
struct reports_summary {
	long total;
	/* every status but draft, in lifecycle order */
	struct reports_count by_status[REPORTS_MAX_STATUSES];
	size_t n_statuses;
	/* every category, in catalogue order; kg_by_category in the same order: the weights
	 * recorded at collection of the requests not failed or cancelled since */
	struct reports_count by_category[REPORTS_MAX_CATEGORIES];
	double kg_by_category[REPORTS_MAX_CATEGORIES];
	size_t n_categories;
	double kg_total;
	long *by_day; /* requests created on each day of the range (n_days of them) */
	int n_days;
	double completion_rate, failure_rate; /* of total, to 0.0001; 0 when there is none */
	/* reasons of the failed requests, most frequent first (then by name); past 50 distinct
	 * reasons, new ones count as "other" */
	struct reports_count *failure_reasons;
	size_t n_failure_reasons;
	/* median hours (to 0.01) from submitted to scheduled and from scheduled to completed;
	 * has_* false when no request made the step */
	bool has_to_scheduled, has_to_completed;
	double median_to_scheduled, median_to_completed;
};

/* The summary of the requests created in [days[0], days[n_days]): `days` holds the
 * n_days + 1 local midnights bounding each day of the range. The requests are read in one
 * pass of one query. false on a database error (err set); else release *out with
 * reports_summary_free. */
bool reports_summary(const int64_t *days, int n_days, struct reports_summary *out,
		     struct derr *err);
void reports_summary_free(struct reports_summary *s);

#endif
