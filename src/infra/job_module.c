/* The job runner's own part (infra/module.h): its run records. */
#include "infra/module.h"

static const struct db_index job_indexes[] = {
    {"job_runs", "window_start_1", "{\"window_start\": 1}", false},
};

const struct module job_module = {
    .name = "jobs",
    .indexes = job_indexes,
    .n_indexes = MODULE_COUNT(job_indexes),
};
