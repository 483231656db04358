/* API keys of third-party clients (the Open311 endpoint): issued and revoked by admins,
 * checked on every keyed request, each with its own rate limit.
 *
 * Document of `api_keys`: {_id: ObjectId, name, key_hash (hex SHA-256 of the secret, unique
 * index), prefix (the secret's first characters, to tell keys apart in a list),
 * rate_per_minute, created_by (user id hex), created_at, revoked_at|null}. It is written
 * only by its creation and its revocation: FerretDB updates by read-modify-write of the
 * whole document, so a frequent writer (the last use) could write an old copy back over a
 * revocation and bring the key back. The last use lives in `api_key_uses` instead,
 * {_id: key id hex, last_used_at}, upserted at most once a minute per key and worker.
 * The secret itself is returned once, by api_keys_create, and never stored: it is 32 random
 * bytes, so a plain hash is as good as a slow one and lets a request find its key by one
 * equality read.
 *
 * Rate limit: every keyed request takes a numbered claim of its clock minute in
 * `api_key_rate`, _id "<key id>:<minute>:<n>" with n < rate_per_minute, by a unique insert
 * (db_claim), after counting the claims of that minute: racing requests can never hold
 * more claims than the limit. Old claims are purged by swmra-job-purge-tokens. */
#ifndef SWMRA_API_KEYS_H
#define SWMRA_API_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/derr.h"
#include "domain/id.h"

#define API_KEY_NAME_MAX   100
#define API_KEY_SECRET_LEN 69 /* "o311_" + 64 hex digits */
#define API_KEY_PREFIX_LEN 12

struct api_key {
	char id[25];
	char name[API_KEY_NAME_MAX * 4 + 1]; /* UTF-8 */
	char prefix[API_KEY_PREFIX_LEN + 1];
	int rate_per_minute;
	int64_t created_at;   /* ms */
	int64_t last_used_at; /* ms, 0 = never */
	int64_t revoked_at;   /* ms, 0 = active */
};

enum api_keys_rc { API_KEYS_OK = 0, API_KEYS_NOT_FOUND = 1, API_KEYS_ERR = -1 };

/* Issues a key named `name` with `rate_per_minute` requests a minute, by admin
 * `created_by`. `out` receives the stored key and `secret` the secret (shown once). */
enum api_keys_rc api_keys_create(const char *name, int rate_per_minute, const char *created_by,
				 struct api_key *out, char secret[API_KEY_SECRET_LEN + 1],
				 struct derr *err);
/* Every key, newest first, with its last use: *out malloc'd (caller frees; NULL when *n is
 * 0). */
enum api_keys_rc api_keys_list(struct api_key **out, size_t *n, struct derr *err);
/* Revokes key `id` (it stays listed, revoked, so its requests stay attributed). */
enum api_keys_rc api_keys_revoke(const struct oid *id, struct derr *err);
/* The active key of `secret`: API_KEYS_NOT_FOUND for an unknown or revoked one. Records
 * the use (api_key_uses, at most once a minute per key in this process; best effort). */
enum api_keys_rc api_keys_check(const char *secret, struct api_key *out, struct derr *err);
/* Takes one request of `key`'s rate limit at `now_ms`: 1 taken, 0 over the limit
 * (*retry_after seconds until the next minute), -1 database error. */
int api_keys_rate_take(const struct api_key *key, int64_t now_ms, int64_t *retry_after,
		       struct derr *err);
/* Deletes (or counts) rate claims of minutes before now_ms - 1 h. -1 on error. */
int64_t api_keys_purge_rate(int64_t now_ms, bool dry_run, struct derr *err);

#endif
