/* The module registry (infra/module.h): the one list of every module's parts. infra
 * iterates it (indexes, collections, configuration) and so names no domain collection or
 * variable; a new module adds its `struct module` here. */
#include "infra/module.h"

extern const struct module job_module, auth_module, requests_module, notify_module, slots_module,
    waitlist_module, uploads_module, open311_module, datarights_module, compact_module;

const struct module *const modules_registry[] = {
    &job_module,
    &auth_module,
    &requests_module,
    &notify_module,
    &slots_module,
    &waitlist_module,
    &uploads_module,
    &open311_module,
    &datarights_module,
    &compact_module,
    NULL,
};
