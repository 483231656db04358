/* The reward points ledger `rewards`: {_id, user_id, request_id (unique index), points,
 * reason "Completed <category> pickup", created_at}. A request is credited at most once:
 * the credit is an insert against the unique request_id, so a retried or concurrent
 * completion gets a duplicate key and credits nothing (FerretDB-safe).
 *
 * Entries are never edited. A credit taken back (the resident disputed the pickup) is a
 * second entry {_id: the request's id, user_id, reversal_of: request id, points: -credit,
 * reason, created_at}: its _id makes it exclusive per request (a retried or concurrent
 * reversal gets a duplicate key), and it names its request under `reversal_of`, not
 * `request_id`, which the credit holds uniquely. The API shows both with `request_id`.
 * A reversed request is not credited again (its credit entry still exists). */
#ifndef SWMRA_REWARDS_H
#define SWMRA_REWARDS_H

#include <json-c/json.h>
#include <mongoc/mongoc.h>
#include <stdbool.h>

#include "domain/derr.h"
#include "domain/id.h"
#include "infra/config.h"

enum reward_result {
	REWARD_CREDITED = 0, /* this call inserted the ledger entry */
	REWARD_ALREADY = 1,  /* the request was credited before */
	REWARD_NONE = 2,     /* the category earns no points (REWARD_POINTS) */
	REWARD_DB_ERROR = -1 /* err set */
};

/* The points for completing a request of `category` per REWARD_POINTS (parsed once, when
 * a configuration is adopted); 0 when the category is not listed. */
int rewards_points(const char *category);
/* The module's configuration hooks (infra/module.h, domain/requests_module.c):
 * REWARD_POINTS is "category=points,..." (spaces around entries allowed, empty for no
 * rewards) of known categories (domain/categories.h), each once, points 0..100000;
 * anything else refuses the load with a message naming the variable. */
int rewards_config_check(const struct config *c, char *err, size_t errlen);
void rewards_config_apply(const struct config *c);

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

/* One entry of the ledger (the API shows credits and reversals alike). */
#define REWARD_REASON_MAX 384
struct reward_entry {
	char id[OID_HEX_LEN]; /* "" when the document has no ObjectId _id */
	int64_t points;	      /* negative for a reversal */
	char reason[REWARD_REASON_MAX];
	char request_id[OID_HEX_LEN]; /* "" when the entry names no request */
	bool has_created_at;
	int64_t created_at;    /* ms */
	int64_t balance_after; /* ledger pages: the sum of this entry and every older one */
};

/* A page of the ledger of `user_id`, newest first: *items a malloc'd array (caller frees) of
 * *n entries with balance_after. All entries are read in one query (one per request at
 * most, two when reversed), so the page, the balances and *total agree with one another
 * whatever is credited meanwhile. false on a database error (err filled). */
bool rewards_ledger(const struct oid *user_id, long skip, long limit, struct reward_entry **items,
		    size_t *n, int64_t *total, struct derr *err);

#define REWARDS_RECENT 10
/* The points total of `user_id` and its REWARDS_RECENT most recent entries, newest first
 * (balance_after 0). false on a database error (err filled). */
struct reward_summary {
	int64_t total_points;
	size_t n;
	struct reward_entry recent[REWARDS_RECENT];
};
bool rewards_summary(const struct oid *user_id, struct reward_summary *out, struct derr *err);

/* ---- store-typed forms (issue 14.4): rewards_credit and rewards_reverse above still take
 * the driver's types for their caller, domain/requests.c ---- */

#endif
