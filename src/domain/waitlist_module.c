/* The waitlist module's parts (infra/module.h): entries, their change log, places; its
 * variable (how long an offer holds its seat); its event (the offer of a seat). */
#include "domain/notify_events.h"
#include "infra/module.h"

extern const struct job_spec *const waitlist_jobs[]; /* waitlist_jobs.c */

static const struct db_index waitlist_indexes[] = {
    /* waitlist (domain/waitlist.c): a slot's line in order (fill, position), a request's
     * entries, lapsed offers, slots with a line; the change log of entries; the places
     * (at most 3 per request, one per slot) */
    {"waitlist_entries", "start_status_joined",
     "{\"start\": 1, \"status\": 1, \"joined_at\": 1, \"_id\": 1}", false},
    {"waitlist_entries", "request_status", "{\"request_id\": 1, \"status\": 1}", false},
    {"waitlist_entries", "status_until", "{\"status\": 1, \"offer.until\": 1}", false},
    {"waitlist_entries", "status_start", "{\"status\": 1, \"start\": 1}", false},
    {"waitlist_events", "entry_version_unique", "{\"entry_id\": 1, \"version\": 1}", true},
    {"waitlist_events", "effects_pending_at", "{\"effects_pending\": 1, \"at\": 1}", false},
    {"waitlist_places", "request_start_unique", "{\"request_id\": 1, \"start\": 1}", true},
    {"waitlist_places", "entry_1", "{\"entry_id\": 1}", false},
};

static const struct config_var waitlist_config[] = {
    CONFIG_INT("WAITLIST_HOLD_MIN", waitlist_hold_min, "30", 1, 1440),
};

/* To a waiting resident: a seat freed up and is held for their request. The words are
 * laid out by hand: clang-format counts bytes, not columns, and does not settle on lines of
 * Devanagari or Kannada. */
/* clang-format off */
static const struct notify_event_spec waitlist_events[] = {
    {
	.kind = "waitlist_offer",
	.email = true,
	.tails = NOTIFY_TAIL_OFFER,
	.words = {
	    [NOTIFY_LANG_EN] = {"A seat is free for your pickup",
			       "A seat freed up in {slot} for your {what}.",
			       "A seat freed up for your {what}."},
	    [NOTIFY_LANG_HI] = {"आपके पिकअप के लिए जगह खाली है",
			       "{slot} में आपके {what_obl} के लिए एक जगह खाली हुई है।",
			       "आपके {what_obl} के लिए एक जगह खाली हुई है।"},
	    [NOTIFY_LANG_KN] = {"ನಿಮ್ಮ ಪಿಕಪ್‌ಗೆ ಸ್ಥಳ ಖಾಲಿಯಾಗಿದೆ",
			       "ನಿಮ್ಮ {what}: {slot} ಸಮಯದಲ್ಲಿ ಒಂದು ಸ್ಥಳ ಖಾಲಿಯಾಗಿದೆ.",
			       "ನಿಮ್ಮ {what}: ಒಂದು ಸ್ಥಳ ಖಾಲಿಯಾಗಿದೆ."},
	},
    },
};
/* clang-format on */

const struct module waitlist_module = {
    .name = "waitlist",
    .indexes = waitlist_indexes,
    .n_indexes = MODULE_COUNT(waitlist_indexes),
    .config = waitlist_config,
    .n_config = MODULE_COUNT(waitlist_config),
    .jobs = waitlist_jobs,
    .events = waitlist_events,
    .n_events = MODULE_COUNT(waitlist_events),
};
