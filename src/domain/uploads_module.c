/* The uploads module's parts (infra/module.h): uploads, the per-owner quota, the fates of
 * a create's uploads; its variables (size, pending and rate limits, orphan age). */
#include "infra/module.h"

extern const struct job_spec *const uploads_jobs[]; /* uploads_jobs.c */

static const struct db_index uploads_indexes[] = {
    {"uploads", "path_unique", "{\"path\": 1}", true},
    {"uploads", "owner_1", "{\"owner_id\": 1}", false},
    /* uploads: the orphan cleanup looks for unattached uploads by age */
    {"uploads", "request_created", "{\"request_id\": 1, \"created_at\": 1}", false},
    /* uploads: the per-owner quota (seats and hourly claims), freed by path, purged by age */
    {"upload_quota", "owner_1", "{\"owner_id\": 1}", false},
    {"upload_quota", "kind_path", "{\"kind\": 1, \"path\": 1}", false},
    {"upload_quota", "kind_at", "{\"kind\": 1, \"at\": 1}", false},
    /* erasure and export find an account's traces by user */
    {"upload_fates", "owner_1", "{\"owner_id\": 1}", false},
};

static const struct config_var uploads_config[] = {
    CONFIG_INT("UPLOAD_MAX_BYTES", upload_max_bytes, "10485760", 1024, 104857600),
    CONFIG_INT("UPLOAD_MAX_PENDING", upload_max_pending, "20", 1, 10000),
    CONFIG_INT("UPLOAD_MAX_PENDING_BYTES", upload_max_pending_bytes, "104857600", 1024, 2147483647),
    CONFIG_INT("UPLOAD_RATE_PER_HOUR", upload_rate_per_hour, "60", 1, 100000),
    CONFIG_INT("ORPHAN_UPLOAD_HOURS", orphan_upload_hours, "24", 1, 8760),
};

const struct module uploads_module = {
    .name = "uploads",
    .indexes = uploads_indexes,
    .n_indexes = MODULE_COUNT(uploads_indexes),
    .config = uploads_config,
    .n_config = MODULE_COUNT(uploads_config),
    .jobs = uploads_jobs,
};
