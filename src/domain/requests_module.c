/* The requests module's parts (infra/module.h): pickup requests, their change log and its
 * archive, rewards, the board's read marks; its variables (cancel cut-off, draft age, the
 * reward table, which is checked and parsed once at load: domain/rewards.c). */
#include "domain/rewards.h"
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
};

static const char *const requests_collections[] = {"read_marks", NULL};

static const struct config_var requests_config[] = {
    CONFIG_INT("CANCEL_MIN_HOURS", cancel_min_hours, "24", 0, 720),
    CONFIG_INT("DRAFT_MAX_AGE_DAYS", draft_max_age_days, "7", 1, 365),
    CONFIG_STR("REWARD_POINTS", reward_points, "recyclable=5,e-waste=10,hazardous=10"),
};

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
};
