/* The requests module's parts (infra/module.h): pickup requests, their change log and its
 * archive, rewards, the board's read marks; its variables (cancel cut-off, draft age, the
 * reward table, which is checked and parsed once at load: domain/rewards.c); the events it
 * notifies (submission, each status change, a dispute). */
#include "domain/rewards.h"
#include "domain/notify_events.h"
#include "infra/module.h"

extern const struct job_spec *const requests_jobs[]; /* requests_jobs.c */

static const struct db_index requests_indexes[] = {
    {"pickup_requests", "user_created", "{\"user_id\": 1, \"created_at\": -1}", false},
    /* lists sort by (created_at, _id) newest first: the resident's, and staff's all / by
     * status / by category (other filters narrow what these indexes walk) */
    {"pickup_requests", "user_created_id", "{\"user_id\": 1, \"created_at\": -1, \"_id\": -1}",
     false},
    {"pickup_requests", "created_id", "{\"created_at\": -1, \"_id\": -1}", false},
    {"pickup_requests", "status_created_id", "{\"status\": 1, \"created_at\": -1, \"_id\": -1}",
     false},
    {"pickup_requests", "category_created_id", "{\"category\": 1, \"created_at\": -1, \"_id\": -1}",
     false},
    /* the staff board and CSV export by crew (a column: by status and crew) */
    {"pickup_requests", "crew_created_id", "{\"crew_id\": 1, \"created_at\": -1, \"_id\": -1}",
     false},
    {"pickup_requests", "status_crew_created_id",
     "{\"status\": 1, \"crew_id\": 1, \"created_at\": -1, \"_id\": -1}", false},
    /* the staff board and CSV export by pincode (a column: by status and pincode) */
    {"pickup_requests", "pincode_created_id",
     "{\"address.pincode\": 1, \"created_at\": -1, \"_id\": -1}", false},
    {"pickup_requests", "status_pincode_created_id",
     "{\"status\": 1, \"address.pincode\": 1, \"created_at\": -1, \"_id\": -1}", false},
    {"pickup_requests", "status_1", "{\"status\": 1}", false},
    {"pickup_requests", "slot_start_1", "{\"assigned_slot.start\": 1}", false},
    {"pickup_requests", "status_updated", "{\"status\": 1, \"updated_at\": 1}", false},
    /* crews (issue 17): a crew's day (My route, the route sheet of one crew), and a
     * pincode's day (bulk assign) */
    {"pickup_requests", "crew_slot", "{\"crew_id\": 1, \"assigned_slot.start\": 1}", false},
    {"pickup_requests", "pincode_slot", "{\"address.pincode\": 1, \"assigned_slot.start\": 1}",
     false},
    /* requests: the change log; the event's _id "<request>:<version>" is the claim of a
     * change, this index serves the timeline reads (by request, in version order) */
    {"request_events", "request_version_unique", "{\"request_id\": 1, \"version\": 1}", true},
    /* the outbox sweep: changes with effects pending, oldest first (changelog_sweep) */
    {"request_events", "effects_pending_at", "{\"effects_pending\": 1, \"at\": 1}", false},
    {"rewards", "request_unique", "{\"request_id\": 1}", true},
    {"rewards", "user_created", "{\"user_id\": 1, \"created_at\": -1}", false},
    {"rewards", "user_created_id", "{\"user_id\": 1, \"created_at\": -1, \"_id\": -1}", false},
    /* erasure and export find an account's traces by user */
    {"request_events_archive", "request_1", "{\"request_id\": 1}", false},
    /* each node's poll of the marks bumped by other nodes (domain/read_marks.h) */
    {"read_marks", "at_1", "{\"at\": 1}", false},
};

static const char *const requests_collections[] = {"read_marks", NULL};

static const struct config_var requests_config[] = {
    CONFIG_INT("CANCEL_MIN_HOURS", cancel_min_hours, "24", 0, 720),
    CONFIG_INT("DRAFT_MAX_AGE_DAYS", draft_max_age_days, "7", 1, 365),
    CONFIG_BOOL("READ_CACHE_NODE_MARKS", read_cache_node_marks, "true"),
    CONFIG_STR("REWARD_POINTS", reward_points, "recyclable=5,e-waste=10,hazardous=10"),
};

/* The notifications a request's changes send (notify_events.h): to its resident on
 * submission and on each status change (requests_notify_event), to staff on a dispute. The words
 * are laid out by hand: clang-format counts bytes, not columns, and does not settle on lines of
 * Devanagari or Kannada. */
/* clang-format off */
static const struct notify_event_spec requests_events[] = {
    {
	.kind = "submitted",
	.email = true,
	.words = {
	    [NOTIFY_LANG_EN] = {"Pickup request submitted",
			       "We received your {what} request. We will confirm a collection slot soon."},
	    [NOTIFY_LANG_HI] = {"पिकअप का अनुरोध मिल गया",
			       "हमें आपके {what_obl} का अनुरोध मिल गया है। हम जल्द ही पिकअप का समय पक्का करेंगे।"},
	    [NOTIFY_LANG_KN] = {"ಪಿಕಪ್ ವಿನಂತಿ ತಲುಪಿದೆ",
			       "ನಿಮ್ಮ {what} ವಿನಂತಿ ನಮಗೆ ತಲುಪಿದೆ. ಶೀಘ್ರದಲ್ಲೇ ಪಿಕಪ್ ಸಮಯವನ್ನು ಖಚಿತಪಡಿಸುತ್ತೇವೆ."},
	},
    },
    {
	.kind = "scheduled",
	.email = true,
	.words = {
	    [NOTIFY_LANG_EN] = {"Pickup scheduled",
			       "Your {what} is scheduled for {slot}.",
			       "Your {what} is scheduled."},
	    [NOTIFY_LANG_HI] = {"पिकअप का समय तय",
			       "आपका {what} {slot} के लिए तय हो गया है।",
			       "आपका {what} तय हो गया है।"},
	    [NOTIFY_LANG_KN] = {"ಪಿಕಪ್ ಸಮಯ ನಿಗದಿಯಾಗಿದೆ",
			       "ನಿಮ್ಮ {what} ಸಮಯ ನಿಗದಿಯಾಗಿದೆ: {slot}.",
			       "ನಿಮ್ಮ {what} ಸಮಯ ನಿಗದಿಯಾಗಿದೆ."},
	},
    },
    {
	.kind = "rescheduled",
	.email = true,
	.words = {
	    [NOTIFY_LANG_EN] = {"Pickup rescheduled",
			       "Your {what} has moved to {slot}.",
			       "Your {what} has been rescheduled."},
	    [NOTIFY_LANG_HI] = {"पिकअप का समय बदला",
			       "आपका {what} अब {slot} पर होगा।",
			       "आपके {what_obl} का समय बदल दिया गया है।"},
	    [NOTIFY_LANG_KN] = {"ಪಿಕಪ್ ಸಮಯ ಬದಲಾಗಿದೆ",
			       "ನಿಮ್ಮ {what} ಸಮಯ ಬದಲಾಗಿದೆ. ಹೊಸ ಸಮಯ: {slot}.",
			       "ನಿಮ್ಮ {what} ಸಮಯ ಬದಲಾಗಿದೆ."},
	},
    },
    {
	.kind = "cancelled",
	.email = true,
	.tails = NOTIFY_TAIL_REASON,
	.words = {
	    [NOTIFY_LANG_EN] = {"Pickup cancelled",
			       "Your {what} request was cancelled."},
	    [NOTIFY_LANG_HI] = {"पिकअप रद्द",
			       "आपके {what_obl} का अनुरोध रद्द कर दिया गया है।"},
	    [NOTIFY_LANG_KN] = {"ಪಿಕಪ್ ರದ್ದಾಗಿದೆ",
			       "ನಿಮ್ಮ {what} ವಿನಂತಿ ರದ್ದಾಗಿದೆ."},
	},
    },
    {
	.kind = "enroute",
	.push_urgent = true,
	.words = {
	    [NOTIFY_LANG_EN] = {"Crew on the way",
			       "The collection crew is on the way to your {what}."},
	    [NOTIFY_LANG_HI] = {"टीम रास्ते में है",
			       "कचरा उठाने वाली टीम आपके {what_obl} के लिए रास्ते में है।"},
	    [NOTIFY_LANG_KN] = {"ತಂಡ ದಾರಿಯಲ್ಲಿದೆ",
			       "ಕಸ ಸಂಗ್ರಹ ತಂಡ ನಿಮ್ಮ ಬಳಿಗೆ ಬರುತ್ತಿದೆ ({what})."},
	},
    },
    {
	.kind = "onsite",
	.push_urgent = true,
	.words = {
	    [NOTIFY_LANG_EN] = {"Crew has arrived",
			       "The collection crew has arrived for your {what}."},
	    [NOTIFY_LANG_HI] = {"टीम पहुँच गई है",
			       "कचरा उठाने वाली टीम आपके {what_obl} के लिए पहुँच गई है।"},
	    [NOTIFY_LANG_KN] = {"ತಂಡ ತಲುಪಿದೆ",
			       "ಕಸ ಸಂಗ್ರಹ ತಂಡ ನಿಮ್ಮ ಸ್ಥಳಕ್ಕೆ ತಲುಪಿದೆ ({what})."},
	},
    },
    {
	.kind = "collecting",
	.words = {
	    [NOTIFY_LANG_EN] = {"Collection in progress",
			       "The crew is collecting your waste ({what})."},
	    [NOTIFY_LANG_HI] = {"कचरा उठाया जा रहा है",
			       "टीम आपका कचरा उठा रही है ({what})।"},
	    [NOTIFY_LANG_KN] = {"ಕಸ ಸಂಗ್ರಹ ನಡೆಯುತ್ತಿದೆ",
			       "ತಂಡ ನಿಮ್ಮ ಕಸವನ್ನು ಸಂಗ್ರಹಿಸುತ್ತಿದೆ ({what})."},
	},
    },
    {
	.kind = "collected",
	.words = {
	    [NOTIFY_LANG_EN] = {"Waste collected",
			       "Your waste has been collected ({what})."},
	    [NOTIFY_LANG_HI] = {"कचरा उठा लिया गया",
			       "आपका कचरा उठा लिया गया है ({what})।"},
	    [NOTIFY_LANG_KN] = {"ಕಸ ಸಂಗ್ರಹಿಸಲಾಗಿದೆ",
			       "ನಿಮ್ಮ ಕಸವನ್ನು ಸಂಗ್ರಹಿಸಲಾಗಿದೆ ({what})."},
	},
    },
    {
	.kind = "handover",
	.words = {
	    [NOTIFY_LANG_EN] = {"Handed over for recycling",
			       "Your waste ({what}) was handed over to the recycling facility."},
	    [NOTIFY_LANG_HI] = {"रीसाइक्लिंग के लिए सौंपा गया",
			       "आपका कचरा ({what}) रीसाइक्लिंग केंद्र को सौंप दिया गया है।"},
	    [NOTIFY_LANG_KN] = {"ಮರುಬಳಕೆಗೆ ಹಸ್ತಾಂತರಿಸಲಾಗಿದೆ",
			       "ನಿಮ್ಮ ಕಸವನ್ನು ({what}) ಮರುಬಳಕೆ ಘಟಕಕ್ಕೆ ಹಸ್ತಾಂತರಿಸಲಾಗಿದೆ."},
	},
    },
    {
	.kind = "verification",
	.words = {
	    [NOTIFY_LANG_EN] = {"Verification in progress",
			       "Your {what} is being verified by our staff."},
	    [NOTIFY_LANG_HI] = {"जाँच चल रही है",
			       "हमारा स्टाफ़ आपके {what_obl} की जाँच कर रहा है।"},
	    [NOTIFY_LANG_KN] = {"ಪರಿಶೀಲನೆ ನಡೆಯುತ್ತಿದೆ",
			       "ನಮ್ಮ ಸಿಬ್ಬಂದಿ ನಿಮ್ಮ {what} ಪರಿಶೀಲಿಸುತ್ತಿದ್ದಾರೆ."},
	},
    },
    {
	.kind = "failed",
	.email = true,
	.sms = true,
	.push_urgent = true,
	.tails = NOTIFY_TAIL_REASON | NOTIFY_TAIL_REBOOK,
	.words = {
	    [NOTIFY_LANG_EN] = {"Pickup could not be completed",
			       "We could not complete your {what}."},
	    [NOTIFY_LANG_HI] = {"पिकअप नहीं हो सका",
			       "हम आपका {what} पूरा नहीं कर सके।"},
	    [NOTIFY_LANG_KN] = {"ಪಿಕಪ್ ಪೂರ್ಣಗೊಳ್ಳಲಿಲ್ಲ",
			       "ನಿಮ್ಮ {what} ಪೂರ್ಣಗೊಳಿಸಲು ನಮಗೆ ಆಗಲಿಲ್ಲ."},
	},
    },
    /* to staff: a resident says a pickup was not collected */
    {
	.kind = "disputed",
	.tails = NOTIFY_TAIL_REASON,
	.words = {
	    [NOTIFY_LANG_EN] = {"Pickup disputed",
			       "A resident reports that their {what} was not collected. Reschedule or close the request."},
	    [NOTIFY_LANG_HI] = {"पिकअप पर आपत्ति",
			       "एक निवासी ने बताया है कि उनका {what} नहीं उठाया गया। अनुरोध का नया समय तय करें या उसे बंद करें।"},
	    [NOTIFY_LANG_KN] = {"ಪಿಕಪ್ ಕುರಿತು ದೂರು",
			       "ತಮ್ಮ {what} ಸಂಗ್ರಹಿಸಲಾಗಿಲ್ಲ ಎಂದು ಒಬ್ಬ ನಿವಾಸಿ ತಿಳಿಸಿದ್ದಾರೆ. ವಿನಂತಿಯನ್ನು ಮರುನಿಗದಿ ಮಾಡಿ ಅಥವಾ ಮುಚ್ಚಿ."},
	},
    },
    {
	.kind = "completed",
	.email = true,
	.tails = NOTIFY_TAIL_POINTS,
	.words = {
	    [NOTIFY_LANG_EN] = {"Pickup completed",
			       "Your {what} is complete."},
	    [NOTIFY_LANG_HI] = {"पिकअप पूरा हुआ",
			       "आपका {what} पूरा हो गया है।"},
	    [NOTIFY_LANG_KN] = {"ಪಿಕಪ್ ಪೂರ್ಣಗೊಂಡಿದೆ",
			       "ನಿಮ್ಮ {what} ಪೂರ್ಣಗೊಂಡಿದೆ."},
	},
    },
};
/* clang-format on */

const struct module requests_module = {
    .name = "requests",
    .indexes = requests_indexes,
    .n_indexes = MODULE_COUNT(requests_indexes),
    .collections = requests_collections,
    .config = requests_config,
    .n_config = MODULE_COUNT(requests_config),
    .config_check = rewards_config_check,
    .config_apply = rewards_config_apply,
    .jobs = requests_jobs,
    .events = requests_events,
    .n_events = MODULE_COUNT(requests_events),
};
