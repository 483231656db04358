/* The compaction's part (infra/module.h, issue 13): its job, which keeps the hot
 * collections of the other modules small (src/domain/compact.h). */
#include "infra/module.h"

extern const struct job_spec *const compact_jobs[];

const struct module compact_module = {
    .name = "compact",
    .jobs = compact_jobs,
};
