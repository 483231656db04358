/* The data rights module's parts (infra/module.h, issue 16): the audit trail and export
 * claims; its variable (exports per user per hour). */
#include "infra/module.h"

static const struct db_index datarights_indexes[] = {
    /* data rights (issue 16): the append-only audit trail, newest first, all or by actor
     * or target (admin filters); export rate claims by age (purge) and by user (erasure) */
    {"audit", "at_id", "{\"at\": -1, \"_id\": -1}", false},
    {"audit", "actor_at_id", "{\"actor_id\": 1, \"at\": -1, \"_id\": -1}", false},
    {"audit", "target_at_id", "{\"target_id\": 1, \"at\": -1, \"_id\": -1}", false},
    {"export_claims", "at_1", "{\"at\": 1}", false},
    {"export_claims", "user_1", "{\"user_id\": 1}", false},
};

static const struct config_var datarights_config[] = {
    CONFIG_INT("EXPORT_PER_HOUR", export_per_hour, "3", 1, 1000),
};

const struct module datarights_module = {
    .name = "datarights",
    .indexes = datarights_indexes,
    .n_indexes = MODULE_COUNT(datarights_indexes),
    .config = datarights_config,
    .n_config = MODULE_COUNT(datarights_config),
};
