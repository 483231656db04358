/* The export of an account (the right of access and portability): a ZIP archive with
 *   data.json  {format: "swmra-export-1", exported_at, profile (the user document without
 *              its password hash), requests [the API shape, with their events],
 *              notifications [all channels], rewards [ledger entries],
 *              push_subscriptions, sessions {revoked_tokens}, uploads [{path, file, ...}]}
 *   photos/<upload path>  every stored photo of the account (local or S3 backend)
 * written while it is read: one request, one photo at a time, so memory does not grow
 * with the account (the archive goes out through zipstream as it is made).
 *
 * Exports are limited to EXPORT_PER_HOUR per account and clock hour, decided by unique
 * inserts into `export_claims` (_id "<user>:<hour>:<n>", the FerretDB-safe claim rule), so
 * concurrent downloads cannot exceed it; old claims are purged by swmra-job-purge-tokens. */
#ifndef SWMRA_ACCOUNT_EXPORT_H
#define SWMRA_ACCOUNT_EXPORT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/derr.h"
#include "domain/id.h"
#include "infra/zipstream.h"

#define EXPORT_FORMAT "swmra-export-1"

enum export_take { EXPORT_TAKEN = 0, EXPORT_LIMITED, EXPORT_DB_ERROR };

/* Takes one export of this hour for `user_hex` (EXPORT_LIMITED: none left; then
 * *retry_after is the seconds to the next hour). */
enum export_take account_export_take(const char *user_hex, int64_t now_ms, int64_t *retry_after,
				     struct derr *err);

struct pickup_request; /* domain/requests.h */
struct notification;   /* domain/notify.h */
/* The wire shapes the archive holds requests and notifications in: the api layer's
 * builders, which its caller passes (api/account_data.c), so the export shows each as the
 * API does while the domain includes nothing of the api. Each returns a new object. */
struct export_shapes {
	json_object *(*request)(const struct pickup_request *r);
	json_object *(*notification)(const struct notification *n);
};

/* Writes the whole archive of `user` to `z` (not closed), requests and notifications in
 * `shapes`. false on a database or store failure (logged, err set when it was the
 * database). */
bool account_export_write(const struct oid *user, const struct export_shapes *shapes,
			  struct zipstream *z, struct derr *err);

/* Deletes (or counts) the export claims of clock hours before the one of `now_ms` (they
 * no longer count). Returns the number or -1. */
int64_t account_export_purge(int64_t now_ms, bool dry_run, struct derr *err);

#endif
