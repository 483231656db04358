/* Operations reports over pickup requests: what was asked for, what became of it, how
 * fast, and how much was collected, for a range of days in SERVICE_TZ. */
#ifndef SWMRA_REPORTS_H
#define SWMRA_REPORTS_H

#include <json-c/json.h>
#include <stdint.h>

#include "domain/derr.h"

/* Longest range of one report, in days. */
#define REPORTS_MAX_DAYS 366

/* The summary of the requests created in [from_ms, to_ms) (drafts are not counted): `days`
 * holds the n_days + 1 local midnights bounding each day of the range (days[0] = from_ms,
 * days[n_days] = to_ms) and `labels` their dates "YYYY-MM-DD". A new object (caller owns):
 * {total, by_status {status: n}, by_category {category: n}, by_day [{date, count}],
 *  completion_rate, failure_rate (of total; 0 when none), failure_reasons [{reason, count}]
 *  (most frequent first), median_hours {submitted_to_scheduled, scheduled_to_completed}
 *  (null when no request made the step), kg_by_category {category: kg}, kg_total}; the kg
 * are the weights recorded at collection of the requests not failed or cancelled since.
 * The requests are read in one pass of one query; NULL on a database error. */
json_object *reports_summary(const int64_t *days, const char (*labels)[11], int n_days,
			     struct derr *err);

#endif
