/* One entry point for domain events that users hear about. An event becomes one
 * notification document per channel (in-app always; email, SMS, web push by the event's
 * rules and the user's preferences) rendered from templates; in-app ones are published at
 * once to the user's live channel, the others are queued for the dispatcher job.
 *
 * The entry points that raise events take the driver's types: they are called only inside
 * the domain (the change log's effects, the jobs), so they live in the private
 * notify_store.h. This header is what src/api may use: a notification as a value struct,
 * templates, push subscriptions, the queue depths. */
#ifndef SWMRA_NOTIFY_H
#define SWMRA_NOTIFY_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/derr.h"
#include "domain/id.h"
#include "infra/job.h"
#include "infra/mail.h" /* enum deliver_rc */

/* ---- a stored notification (notify.c) ---- */

/* One template value kept with a notification (`meta`): a string, or an integer (points)
 * when str is NULL. */
struct notification_meta {
	const char *key;
	const char *str;
	int64_t num;
};
/* More than notify stores today (seven strings and points); values of other types and keys
 * past this many are not handed out. */
#define NOTIFICATION_META_MAX 12

/* A stored notification of any channel, as the domain hands it out (the inbox, the data
 * export, the live publish). The strings are borrowed from the stored document: valid only
 * during the call that hands the struct out. */
struct notification {
	struct oid id;
	bool has_user;
	struct oid user_id;
	const char *channel, *event, *title, *body, *status;  /* NULL when null or absent */
	struct notification_meta meta[NOTIFICATION_META_MAX]; /* in stored order */
	size_t n_meta;
	bool read; /* false when absent (email, SMS and push ones) */
	bool has_created_at, has_sent_at;
	int64_t created_at, sent_at; /* ms */
};

/* Called with each notification a read hands out (`ctx` the caller's). */
typedef void (*notification_fn)(void *ctx, const struct notification *n);

/* The wire JSON of a notification: a new object (caller owns). */
typedef json_object *(*notification_shape_fn)(const struct notification *n);
/* The shape the live publish sends an in-app notification in. The shape is the api layer's
 * (api_notification_json); the publish happens here, after the insert, and must send the
 * very object GET /api/notifications lists. So the domain calls the api's builder through
 * this pointer, which the composition root defines (src/modules.c, beside the module
 * registry): every program that raises events links it (the API workers, but also the
 * reminders, waitlist and sweep-effects jobs, and the tests), so there is no start-up call
 * to forget in one of them, and no domain file names the api. */
extern const notification_shape_fn notify_live_shape;

/* ---- templates (notify_templates.c) ---- */

/* A rendered event. Every string is malloc'd and owned by the struct (notify_message_free). */
struct notify_message {
	char *title;	  /* one line, UTF-8; an email subject after RFC 2047 (mail.c) */
	char *text;	  /* in-app body: one or two sentences */
	char *email_text; /* plain-text email body (text + link + footer) */
	char *email_html; /* HTML alternative, every value escaped */
	char *sms;	  /* at most NOTIFY_SMS_MAX bytes, whole UTF-8 characters */
};
#define NOTIFY_SMS_MAX 320

/* Whether `event` is one of the event names (notify_event, notify_store.h). */
bool notify_event_known(const char *event);
/* Channel rules of the API contract: email on submitted, scheduled, rescheduled, cancelled,
 * failed, completed, reminder; SMS on reminder and failed. */
bool notify_event_wants_email(const char *event);
bool notify_event_wants_sms(const char *event);
/* Renders `event` with `data` (borrowed, may be NULL). Slot times are shown in the
 * process time zone (SERVICE_TZ) followed by its abbreviation at the slot's start (strftime
 * %Z from the tz database, e.g. "Fri 27 Nov 2026, 09:00–11:00 IST"). Emails greet with
 * "Hello,". Returns false for an unknown event or out of memory. */
bool notify_render(const char *event, json_object *data, struct notify_message *out);
/* notify_render for a known recipient: the emails greet "Hello <name>," (the name as
 * stored, control characters dropped, HTML-escaped in the HTML part); `name` (borrowed)
 * NULL or blank greets "Hello,". */
bool notify_render_for(const char *event, json_object *data, const char *name,
		       struct notify_message *out);
/* notify_render_for in the recipient's language: `locale` "en", "hi" or "kn" (NULL or any
 * other value: English). Texts are UTF-8; the title goes into the Subject RFC 2047-encoded
 * (mail.c). Slots name the weekday and month in that language ("शुक्र, 27 नवंबर 2026,
 * 09:00–11:00 IST"). */
bool notify_render_locale(const char *event, json_object *data, const char *name,
			  const char *locale, struct notify_message *out);
void notify_message_free(struct notify_message *m);

/* ---- web push (notify_push.c) ---- */

/* Subscriptions are stored in `push_subscriptions`: {_id, user_id, endpoint (unique),
 * p256dh, auth (base64url), created_at, updated_at}. */
#define NOTIFY_PUSH_MAX_SUBS 10 /* per user; subscribing one more drops the oldest */
/* Push message lifetime at the push service (TTL header), seconds. */
#define NOTIFY_PUSH_TTL 86400

/* Why `endpoint` is not acceptable as a push endpoint (NULL when it is): an https URL of
 * at most 2048 printable ASCII characters; with `allow_loopback_http` (APP_ENV=test) also
 * http://127.0.0.1[:port]/... for the test push service. */
const char *notify_push_endpoint_problem(const char *endpoint, bool allow_loopback_http);
/* Stores (or takes over and refreshes) the subscription of `endpoint` for the user: one
 * document per endpoint, owned by whoever subscribed it last. Keys must be validated.
 * *created tells a new endpoint from a refreshed one. false on a database error. */
bool notify_push_subscribe(const struct oid *user_id, const char *endpoint, const char *p256dh,
			   const char *auth, bool *created, struct derr *err);
/* Deletes the user's subscription of `endpoint`. Returns 1 deleted, 0 none, -1 error. */
int notify_push_unsubscribe(const struct oid *user_id, const char *endpoint, struct derr *err);
/* ---- jobs (notify_jobs.c) ---- */

/* Delay before attempt `attempts + 1` after `attempts` failed ones: 1, 2, 4, 8, 16 min. */
int64_t notify_backoff_ms(int attempts);
/* Attempts of one email/SMS before it is `failed`: the first and five retries. */
#define NOTIFY_MAX_ATTEMPTS 6
/* A claimed attempt whose notification is still unchanged after this long was abandoned
 * (the dispatcher died mid-send): the attempt is written off and the next one may go. */
#define NOTIFY_CLAIM_STALE_MS (15 * 60 * 1000)

/* The dispatcher job: sends due queued email/SMS/push notifications in batches of
 * DISPATCH_BATCH, each attempt claimed by inserting send_attempts {_id:"<id>:<n>"}.
 * Returns 0, or -1 when the database could not be read at all. */
int notify_dispatch_run(struct job_ctx *ctx);
/* The reminder job: one "reminder" per scheduled request whose slot starts within
 * REMINDER_HOURS, claimed by inserting reminders {_id:"<request id>:<slot start ms>"}. */
int notify_reminders_run(struct job_ctx *ctx);

/* The outgoing queue of one channel: notifications queued (waiting for the dispatcher or
 * its next retry) and when the oldest was created (*oldest_ms -1 when none); for the
 * metrics scrape and the admin System page. false on a database error. */
bool notify_queue_depth(const char *channel, int64_t *count, int64_t *oldest_ms, struct derr *err);

#endif
