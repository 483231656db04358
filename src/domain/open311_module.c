/* The Open311 module's parts (infra/module.h): API keys and their rate claims; its
 * variable (a new key's default rate). */
#include "infra/module.h"

static const struct db_index open311_indexes[] = {
    /* open311: a keyed request finds its key by the secret's hash; each key's rate claims
     * of a minute are counted, and purged by age (swmra-job-purge-tokens) */
    {"api_keys", "key_hash_unique", "{\"key_hash\": 1}", true},
    {"api_key_rate", "key_minute", "{\"key_id\": 1, \"minute\": 1}", false},
    {"api_key_rate", "at_1", "{\"at\": 1}", false},
};

static const struct config_var open311_config[] = {
    CONFIG_INT("API_KEY_RATE_PER_MINUTE", api_key_rate_per_minute, "120", 1, 100000),
};

const struct module open311_module = {
    .name = "open311",
    .indexes = open311_indexes,
    .n_indexes = MODULE_COUNT(open311_indexes),
    .config = open311_config,
    .n_config = MODULE_COUNT(open311_config),
};
