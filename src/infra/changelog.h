/* The change log of an aggregate (a pickup request today; a waitlist entry or a dispute
 * later): every change of one aggregate is one event of an append-only log, claimed by
 * inserting version v+1 (db_claim against _id "<aggregate id hex>:<version>"). The stored
 * document is a cache of that log: reading an aggregate applies the `set` of every event
 * past the document's version ("roll forward") and writes the result back.
 *
 * Effects (the outbox). An event also records the effects its change owes outside the
 * aggregate (give back a seat, tell the resident, credit a reward, queue a mail), as an
 * array `effects` with `effects_pending: true`. Each effect is applied by the kind's
 * `apply` callback, which must be idempotent under the key "<aggregate>:<version>:<index>"
 * (changelog_effect_key): an exclusive insert keyed by it, or an operation that is a no-op
 * the second time. Whoever finds an event with pending effects applies them all, then
 * sets `effects_pending: false`: the winner of the version right after its insert, any
 * read that rolls the event forward, and the sweep (changelog_sweep, run by the cron job
 * swmra-job-sweep-effects). So a crash at any point loses no effect (the event names it
 * until it is confirmed) and repeats none (each run after the first is a no-op). The
 * document of an aggregate is written only after the effects of the events it rolls
 * forward are applied, so an event past the stored version is the only place pending
 * effects wait outside a database error, which the sweep catches.
 *
 * Event: {_id "<id hex>:<version>", <id_field>, version, type, at, by {id, role}, data,
 * set, effects [..], effects_pending}. */
#ifndef SWMRA_CHANGELOG_H
#define SWMRA_CHANGELOG_H

#include <mongoc/mongoc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "infra/db.h"

/* One kind of aggregate. */
struct changelog_kind {
	const char *docs;		   /* collection of the documents ("pickup_requests") */
	const char *events;		   /* collection of the log ("request_events") */
	const char *id_field;		   /* field of an event naming its aggregate */
	const char *const *state_keys;	   /* the document fields changes may set */
	const char *const *timeline_types; /* event types shown in `events` of a read */
	/* Applies effect `index` of event `version` of aggregate `id` (idempotent, see above);
	 * false on a failure (err set): the effect stays pending. */
	bool (*apply)(const bson_oid_t *id, int64_t version, uint32_t index, const bson_t *effect,
		      int64_t at, bson_error_t *err);
	/* Called (may be NULL) after a new state of a document was stored, with that state:
	 * for what must follow every change of the stored documents (read marks). */
	void (*stored)(const bson_t *state);
};

/* One change as the log stores it. `data` (the timeline's data), `set` and `effects` (an
 * array) are borrowed, each may be NULL. */
struct changelog_change {
	const char *type;
	int64_t at;
	const char *by_id, *by_role;
	const bson_t *data, *set, *effects;
};

/* "<id hex>:<version>:<index>", the idempotency key of an effect. */
#define CHANGELOG_KEY_LEN 64
void changelog_effect_key(const bson_oid_t *id, int64_t version, uint32_t index,
			  char out[CHANGELOG_KEY_LEN]);

/* Claims `version` of aggregate `id` by inserting its event: WON, LOST (another change won
 * that version) or ERROR. Fault point "event_inserted" right after a won insert. With
 * `ev_out` non-NULL a won event is returned there (caller owns), for changelog_settle. */
enum db_claim_result changelog_claim(const struct changelog_kind *k, const bson_oid_t *id,
				     int64_t version, const struct changelog_change *c,
				     bson_t **ev_out, bson_error_t *err);

/* Event `version` of `id` by its _id: 1 found (*out owned, when out is non-NULL), 0 none,
 * -1 error. */
int changelog_event_get(const struct changelog_kind *k, const bson_oid_t *id, int64_t version,
			bson_t **out, bson_error_t *err);

/* The events of one aggregate, in version order (owned copies). */
struct changelog_events {
	bson_t **v;
	size_t n, cap;
};
void changelog_events_free(struct changelog_events *l);

/* The events of the `n` aggregates `ids` into out[0..n-1] (zeroed by the caller), each in
 * version order; one query. */
bool changelog_fetch(const struct changelog_kind *k, const bson_oid_t *ids, size_t n,
		     struct changelog_events *out, bson_error_t *err);

/* The `version` of a document or event (0 when it has none). */
int64_t changelog_version(const bson_t *doc);

/* The aggregate `id` as its log says, or NULL: not found (err->code == 0) or error. With
 * `owner` non-NULL, a document whose `user_id` differs is "not found". Documents carry
 * their own `timeline` (the views of the events of the kind's timeline types, with their
 * versions, written with the state), so a read needs only the events past the stored
 * version (one probe when there are none); with `timeline`, a document written before it
 * carried one is read with its whole log (and given its timeline). `events` of the result
 * is what the API shows; without `timeline` the result may lack it (for deciding a
 * change, never answered). Events past the stored version have their pending effects
 * applied, then the document is written back. */
bson_t *changelog_load(const struct changelog_kind *k, const bson_oid_t *id,
		       const bson_oid_t *owner, bool timeline, bson_error_t *err);

/* The stored `doc` of `id` with its events `evs` (those past its version, or with
 * `complete` its whole log) composed (new document, caller owns), rolled forward as
 * changelog_load does. */
bson_t *changelog_roll_forward(const struct changelog_kind *k, const bson_oid_t *id,
			       const bson_t *doc, const struct changelog_events *evs,
			       bool complete);

/* Whether a document carries its `timeline`; whether an event has effects pending. */
bool changelog_has_timeline(const bson_t *doc);
bool changelog_effects_pending(const bson_t *ev);

/* Applies the pending effects of one event (a no-op when none are pending) and confirms
 * them. false when one failed (it stays pending). */
bool changelog_settle(const struct changelog_kind *k, const bson_t *event, bson_error_t *err);

/* The sweep: settles every event with effects pending written before `now_ms - grace_ms`,
 * then rolls its aggregate forward. An event whose aggregate document does not exist (a
 * create that died between its first event and its document: nobody knows the id) has
 * its effects voided instead. `each` (may be NULL) is called per event with `fail` NULL
 * or the error. Returns the number settled, -1 when the events could not be listed. */
long changelog_sweep(const struct changelog_kind *k, int64_t now_ms, int64_t grace_ms,
		     void (*each)(const bson_t *event, const bson_error_t *fail, void *ctx),
		     void *ctx, bson_error_t *err);

/* The outbox's backlog: how many events still have effects pending (awaiting their
 * winner, a read or the sweep) and when the oldest of them was written (*oldest_ms -1
 * when none). Both reads walk the index {effects_pending, at}. false on a database error. */
bool changelog_pending(const struct changelog_kind *k, int64_t *count, int64_t *oldest_ms,
		       bson_error_t *err);

#endif
