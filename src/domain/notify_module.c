/* The notify module's parts (infra/module.h): notifications, their send attempts, web push
 * subscriptions, reminders; its variables (dispatch batch, reminder lead); its event
 * (the reminder). */
#include "domain/notify.h"
#include "domain/notify_events.h"
#include "infra/job.h"
#include "infra/module.h"

static const struct db_index notify_indexes[] = {
    {"notifications", "user_created", "{\"user_id\": 1, \"created_at\": -1}", false},
    {"notifications", "status_next", "{\"status\": 1, \"next_attempt_at\": 1}", false},
    /* the dispatcher's batch: queued, due, oldest first (its sort ends with _id) */
    {"notifications", "status_next_id", "{\"status\": 1, \"next_attempt_at\": 1, \"_id\": 1}",
     false},
    /* swmra-job-compact: read in-app notifications and finished mail/SMS/push by age */
    {"notifications", "channel_read_created", "{\"channel\": 1, \"read\": 1, \"created_at\": 1}",
     false},
    {"notifications", "status_created", "{\"status\": 1, \"created_at\": 1}", false},
    {"send_attempts", "claimed_at_1", "{\"claimed_at\": 1}", false},
    {"notifications", "user_channel_read", "{\"user_id\": 1, \"channel\": 1, \"read\": 1}", false},
    /* the notification list: a user's in-app channel, newest (_id) first, unread or all */
    {"notifications", "user_channel_id", "{\"user_id\": 1, \"channel\": 1, \"_id\": -1}", false},
    {"notifications", "user_channel_read_id",
     "{\"user_id\": 1, \"channel\": 1, \"read\": 1, \"_id\": -1}", false},
    {"send_attempts", "notification_1", "{\"notification_id\": 1}", false},
    /* notify (web push): one subscription per endpoint; a user's subscriptions */
    {"push_subscriptions", "endpoint_unique", "{\"endpoint\": 1}", true},
    {"push_subscriptions", "user_1", "{\"user_id\": 1}", false},
    {"push_subscriptions", "user_id_id", "{\"user_id\": 1, \"_id\": 1}", false},
    {"reminders", "request_1", "{\"request_id\": 1}", false},
};

static const struct config_var notify_config[] = {
    CONFIG_INT("DISPATCH_BATCH", dispatch_batch, "50", 1, 10000),
    CONFIG_INT("REMINDER_HOURS", reminder_hours, "24", 1, 168),
};

/* swmra-job-dispatch: sends queued email, SMS and web push notifications (every minute). */
static const struct job_spec dispatch_job = {
    .name = "dispatch",
    .description = "Send due queued email/SMS/push notifications in batches of DISPATCH_BATCH; "
		   "retry with backoff 1, 2, 4, 8, 16 min, then mark failed.",
    .window_seconds = 60,
    .run = notify_dispatch_run,
};

/* swmra-job-reminders: one reminder per scheduled booking REMINDER_HOURS before it
 * (hourly). */
static const struct job_spec reminders_job = {
    .name = "reminders",
    .description = "Remind residents of scheduled pickups starting within REMINDER_HOURS, "
		   "once per booking and slot.",
    .window_seconds = 3600,
    .run = notify_reminders_run,
};

static const struct job_spec *const notify_jobs[] = {&dispatch_job, &reminders_job, NULL};

/* The reminder of a scheduled pickup (swmra-job-reminders). The words are laid out by hand:
 * clang-format counts bytes, not columns, and does not settle on lines of Devanagari or
 * Kannada. */
/* clang-format off */
static const struct notify_event_spec notify_events[] = {
    {
	.kind = "reminder",
	.email = true,
	.sms = true,
	.push_urgent = true,
	.tails = NOTIFY_TAIL_DEADLINE,
	.words = {
	    [NOTIFY_LANG_EN] = {"Pickup reminder",
			       "Reminder: your {what} is scheduled for {slot}. Please have the waste ready.",
			       "Reminder: your {what} is coming up. Please have the waste ready."},
	    [NOTIFY_LANG_HI] = {"पिकअप की याद",
			       "याद रहे: आपका {what} {slot} के लिए तय है। कृपया कचरा तैयार रखें।",
			       "याद रहे: आपका {what} जल्द ही है। कृपया कचरा तैयार रखें।"},
	    [NOTIFY_LANG_KN] = {"ಪಿಕಪ್ ನೆನಪೋಲೆ",
			       "ನೆನಪಿರಲಿ: ನಿಮ್ಮ {what} ಸಮಯ {slot}. ದಯವಿಟ್ಟು ಕಸವನ್ನು ಸಿದ್ಧವಾಗಿಡಿ.",
			       "ನೆನಪಿರಲಿ: ನಿಮ್ಮ {what} ಹತ್ತಿರದಲ್ಲಿದೆ. ದಯವಿಟ್ಟು ಕಸವನ್ನು ಸಿದ್ಧವಾಗಿಡಿ."},
	},
    },
};
/* clang-format on */

const struct module notify_module = {
    .name = "notify",
    .indexes = notify_indexes,
    .n_indexes = MODULE_COUNT(notify_indexes),
    .config = notify_config,
    .n_config = MODULE_COUNT(notify_config),
    .jobs = notify_jobs,
    .events = notify_events,
    .n_events = MODULE_COUNT(notify_events),
};
