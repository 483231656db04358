/* The auth module's parts (infra/module.h): accounts, sessions, tokens, password resets,
 * live tickets and login backoff; its variables (token lifetimes, hashing cost, backoff). */
#include "infra/module.h"

extern const struct job_spec *const auth_jobs[]; /* auth_jobs.c */

static const struct db_index auth_indexes[] = {
    {"users", "email_unique", "{\"email\": 1}", true},
    {"users", "role_1", "{\"role\": 1}", false},
    /* the admin list, newest first, all or by role */
    {"users", "created_id", "{\"created_at\": -1, \"_id\": -1}", false},
    {"users", "role_created_id", "{\"role\": 1, \"created_at\": -1, \"_id\": -1}", false},
    {"revoked_tokens", "expires_at_1", "{\"expires_at\": 1}", false},
    /* refresh sessions: a user's active ones (list, end all); tokens and their one-use
     * claims by _id (hash); the purge deletes each by expiry */
    {"refresh_sessions", "user_ended", "{\"user_id\": 1, \"ended_at\": 1}", false},
    {"refresh_sessions", "expires_at_1", "{\"expires_at\": 1}", false},
    {"refresh_tokens", "expires_at_1", "{\"expires_at\": 1}", false},
    {"refresh_token_uses", "expires_at_1", "{\"expires_at\": 1}", false},
    /* password reset links by _id (hash), an account's (forgotten after a reset); requests
     * counted per email and per client address in the last hour */
    {"password_resets", "user_id_1", "{\"user_id\": 1}", false},
    {"password_resets", "expires_at_1", "{\"expires_at\": 1}", false},
    {"password_reset_uses", "expires_at_1", "{\"expires_at\": 1}", false},
    {"password_reset_requests", "email_at", "{\"email\": 1, \"at\": -1}", false},
    {"password_reset_requests", "ip_at", "{\"ip\": 1, \"at\": -1}", false},
    {"password_reset_requests", "at_1", "{\"at\": 1}", false},
    /* live tickets: looked up by _id (ticket hash), one use by _id; the purge deletes by expiry */
    {"ws_tickets", "expires_at_1", "{\"expires_at\": 1}", false},
    {"ws_ticket_uses", "expires_at_1", "{\"expires_at\": 1}", false},
    /* session caches: the revocations and user changes since their last sync */
    {"revoked_tokens", "revoked_at_1", "{\"revoked_at\": 1}", false},
    {"users", "updated_at_1", "{\"updated_at\": 1}", false},
    /* auth: login backoff counts one document per failed attempt; the purge job deletes by at */
    {"login_failures", "email_at", "{\"email\": 1, \"at\": -1}", false},
    {"login_failures", "at_1", "{\"at\": 1}", false},
    /* ... and by trusted device, and by client address (untrusted failures) */
    {"login_failures", "device_at", "{\"device\": 1, \"at\": -1}", false},
    {"login_failures", "ip_device_at", "{\"ip\": 1, \"device\": 1, \"at\": -1}", false},
    /* erasure and export find an account's traces by user */
    {"revoked_tokens", "user_1", "{\"user_id\": 1}", false},
    {"ws_tickets", "user_1", "{\"user_id\": 1}", false},
};

static const char *const auth_collections[] = {"session_state", NULL};

static const struct config_var auth_config[] = {
    CONFIG_INT("REFRESH_DAYS", refresh_days, "30", 1, 365),
    CONFIG_INT("ARGON2_OPSLIMIT", argon2_opslimit, "2", 1, 10),
    CONFIG_INT("ARGON2_MEMLIMIT_KIB", argon2_memlimit_kib, "65536", 8, 1048576),
    CONFIG_INT("LOGIN_MAX_FAILURES", login_max_failures, "5", 1, 1000),
    CONFIG_INT("LOGIN_BACKOFF_MAX_SEC", login_backoff_max_sec, "900", 1, 86400),
    CONFIG_INT("LOGIN_CLIENT_MAX_FAILURES", login_client_max_failures, "20", 1, 100000),
};

const struct module auth_module = {
    .name = "auth",
    .indexes = auth_indexes,
    .n_indexes = MODULE_COUNT(auth_indexes),
    .collections = auth_collections,
    .config = auth_config,
    .n_config = MODULE_COUNT(auth_config),
    .jobs = auth_jobs,
};
