/* The module registry (infra/module.h): the one list of every module's parts. infra
 * iterates it (indexes, collections, configuration) and so names no domain collection or
 * variable; a new module adds its `struct module` here. It also wires the one hook through
 * which the domain reaches up to the api layer (notify_live_shape). */
#include "api/api.h"
#include "domain/notify.h"
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

/* The domain publishes an in-app notification live in the api layer's wire shape, the one
 * the list answers with (domain/notify.h says why it is wired here). */
const notification_shape_fn notify_live_shape = api_notification_json;
