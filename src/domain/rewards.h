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

#endif
