/* Crediting and reversing a request's points (rewards.h): effects of the request change
 * log (requests.c), which runs them over the stored request with the driver's ids and
 * errors. Domain-internal: never included by src/api, which only reads the ledger. */
#ifndef SWMRA_REWARDS_STORE_H
#define SWMRA_REWARDS_STORE_H

#include <mongoc/mongoc.h>

#include "domain/rewards.h"

/* Credits the points of `category` (rewards_points) for completing `request_id` of
 * `user_id`, once, and sets the request's reward_points to the credited points (also when
 * already credited, which repairs a reward_points lost to a concurrent write). `points_out`
 * (may be NULL) receives the points credited now or before, 0 for REWARD_NONE. */
enum reward_result rewards_credit(const bson_oid_t *request_id, const bson_oid_t *user_id,
				  const char *category, int *points_out, bson_error_t *err);

/* Reverses the credit of `request_id` (if any) by a negative entry with `reason`, once.
 * REWARD_CREDITED (this call reversed it), REWARD_ALREADY (reversed before), REWARD_NONE
 * (nothing was credited) or REWARD_DB_ERROR. `points_out` (may be NULL): the points taken
 * back (positive), 0 for REWARD_NONE. */
enum reward_result rewards_reverse(const bson_oid_t *request_id, const bson_oid_t *user_id,
				   const char *reason, int *points_out, bson_error_t *err);

#endif
