/* The slots module's parts (infra/module.h): seats, date overrides, weekly templates; its
 * variables (lead time, booking window). */
#include "infra/module.h"

static const struct db_index slots_indexes[] = {
    /* slots: one seat per request and slot (the seat itself is the claim's _id) */
    {"slot_claims", "request_start_unique", "{\"request_id\": 1, \"start\": 1}", true},
    {"slot_claims", "start_1", "{\"start\": 1}", false},
    /* the day views (availability, staff calendar) read a day's claims by its date */
    {"slot_claims", "day_1", "{\"day\": 1}", false},
    /* waitlist holds: released by their offer; the waitlist job finds lapsed ones */
    {"slot_claims", "hold_version", "{\"hold\": 1, \"hold_version\": 1}", false},
    {"slot_claims", "hold_until_1", "{\"hold_until\": 1}", false},
    {"slot_overrides", "from_to", "{\"from_day\": 1, \"to_day\": 1}", false},
};

/* migrations: markers of finished one-time data upgrades (slots_claims_backfill) */
static const char *const slots_collections[] = {"slot_templates", "migrations", NULL};

static const struct config_var slots_config[] = {
    CONFIG_INT("SLOT_LEAD_HOURS", slot_lead_hours, "24", 0, 720),
    CONFIG_INT("SLOT_BOOKING_WINDOW_DAYS", slot_booking_window_days, "60", 1, 366),
};

const struct module slots_module = {
    .name = "slots",
    .indexes = slots_indexes,
    .n_indexes = MODULE_COUNT(slots_indexes),
    .collections = slots_collections,
    .config = slots_config,
    .n_config = MODULE_COUNT(slots_config),
};
