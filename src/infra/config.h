/* Typed service configuration from environment variables and an optional .env file.
 * Environment variables win over the file. Every variable, its type, default and limits
 * is declared once: the service-wide ones (store, keys, channels, storage, workers) in the
 * table in config.c, a domain module's own ones in that module's part (its config table
 * and check, infra/module.h), which config_load reads and checks with the others, so a bad
 * value of any of them refuses the start. .env.example documents the same list. */
#ifndef SWMRA_CONFIG_H
#define SWMRA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* The JWT secret shipped for development; production refuses to start with it. */
#define CONFIG_DEV_JWT_SECRET "dev-only-insecure-jwt-secret-change-me-0000"
/* The upload link secret shipped for development; production refuses it too. */
#define CONFIG_DEV_UPLOAD_LINK_SECRET "dev-only-insecure-upload-link-secret-0000"

struct config {
	const char *app_env; /* development | test | production */
	const char *log_level;
	const char *mongo_uri;
	const char *mongo_db;
	const char *jwt_secret;
	const char *jwt_keys;	   /* "kid:secret,..." (infra/jwt_keys.h); empty: JWT_SECRET */
	const char *jwt_keys_file; /* the same in a file, re-read at each load */
	int refresh_days;	   /* refresh sessions stay valid this long unused */
	int jwt_expire_min;
	const char *jwt_issuer;
	int argon2_opslimit;
	int argon2_memlimit_kib;
	int login_max_failures;
	int login_backoff_max_sec;
	int login_client_max_failures; /* per client address, untrusted clients only */
	const char *service_tz;
	const char *public_base_url;
	const char *upload_dir;
	int upload_max_bytes;
	int export_per_hour;	      /* data exports per user per hour */
	int upload_max_pending;	      /* unattached uploads per user at once */
	int upload_max_pending_bytes; /* their stored bytes per user at once */
	int upload_rate_per_hour;     /* uploads per user in any hour */
	int api_key_rate_per_minute;  /* default rate limit of a new API key */
	const char *cors_origins;
	const char *smtp_host;
	int smtp_port;
	const char *smtp_user;
	const char *smtp_pass;
	bool smtp_starttls;
	int smtp_timeout_sec;
	const char *email_from;
	bool enable_sms;
	const char *sms_base_url;
	const char *sms_account_sid;
	const char *sms_auth_token;
	const char *sms_from;
	bool enable_push;
	const char *vapid_public_key;  /* base64url 65-byte uncompressed P-256 point */
	const char *vapid_private_key; /* base64url 32-byte scalar */
	const char *vapid_subject;     /* mailto: or https: contact for push services */
	const char *nchan_pub_socket;
	const char *fcgi_socket;
	int workers;
	int max_body_bytes;
	int slot_lead_hours;
	int slot_booking_window_days; /* residents book up to this many local dates ahead */
	int cancel_min_hours;
	int waitlist_hold_min; /* a waitlist offer holds its seat this long */
	int draft_max_age_days;
	bool read_cache_node_marks; /* cached reads checked on the node's table (read_marks.h) */
	int orphan_upload_hours;
	const char *reward_points;
	int dispatch_batch;
	int reminder_hours;
	int test_now_offset; /* seconds added to the clock; APP_ENV=test only */
	/* FerretDB's PostgreSQL database (dev/test stacks on FerretDB-on-PostgreSQL): the index
	 * bootstrap adds GIN indexes there; empty (production, MongoDB) = nothing to do */
	const char *ferretdb_postgresql_url;
	const char *storage_backend; /* local | s3 */
	const char *s3_endpoint;     /* http(s)://host[:port], no bucket */
	const char *s3_region;
	const char *s3_bucket;
	const char *s3_access_key;
	const char *s3_secret_key;
	bool s3_path_style; /* endpoint/bucket/key rather than bucket.endpoint/key */
	int s3_timeout_sec;
	const char *upload_link_secret; /* shared with nginx's secure_link_md5 */
	int upload_link_ttl;		/* seconds a photo link stays valid */
};

enum config_type { CONFIG_T_STR, CONFIG_T_INT, CONFIG_T_BOOL, CONFIG_T_ENUM };

/* One variable: its name, where its value goes in struct config, its default (as text) and
 * its limits. Declared with the CONFIG_* macros below, by config.c and by the modules. */
struct config_var {
	const char *name;
	enum config_type type;
	size_t off;
	const char *def;
	long min, max;	     /* CONFIG_T_INT limits */
	const char *choices; /* CONFIG_T_ENUM: '|'-separated */
};

#define CONFIG_STR(n, f, d)                                                                        \
	{                                                                                          \
		n, CONFIG_T_STR, offsetof(struct config, f), d, 0, 0, NULL                         \
	}
#define CONFIG_INT(n, f, d, lo, hi)                                                                \
	{                                                                                          \
		n, CONFIG_T_INT, offsetof(struct config, f), d, lo, hi, NULL                       \
	}
#define CONFIG_BOOL(n, f, d)                                                                       \
	{                                                                                          \
		n, CONFIG_T_BOOL, offsetof(struct config, f), d, 0, 0, NULL                        \
	}
#define CONFIG_ENUM(n, f, d, c)                                                                    \
	{                                                                                          \
		n, CONFIG_T_ENUM, offsetof(struct config, f), d, 0, 0, c                           \
	}

/* Loads into the process-wide configuration. `env_file` may be NULL (then ".env" is read
 * if it exists) or "" (no file). Returns 0, or -1 with a message naming the variable in
 * err. Strings stay owned by the configuration until the next config_load. */
int config_load(const char *env_file, char *err, size_t errlen);
/* Registers a further check config_load runs on a candidate configuration before adopting
 * it (returns 0, or -1 with err set). The programs register webpush_config_check, so that
 * the libcrypto VAPID key check also refuses a start or a reload; config.c itself needs no
 * libcrypto (libsodium decodes the key forms, infra/b64url.h). */
void config_set_checker(int (*fn)(const struct config *c, char *err, size_t errlen));
/* The loaded configuration (defaults if config_load was never called). Never NULL. */
const struct config *config_get(void);
bool config_is_production(void);
/* Counts successful config_load calls: caches derived from the configuration (the JWT key
 * ring) rebuild when it moves. */
unsigned long config_generation(void);
/* Whether `origin` is listed in CORS_ORIGINS (exact match). config_load refuses a list
 * whose entries are not origins (scheme://host[:port], no path). */
bool config_cors_allowed(const char *origin);
/* Calls fn for every variable: name, current value as text, default; for docs and tests. */
/* Whether `s` (of `len` bytes) is an origin as a browser sends it: http:// or https://,
 * a host of letters, digits, '-' and '.' (or a bracketed IPv6 address), an optional
 * :port of 1..65535, and nothing else (no path, query, user or trailing slash). */
bool config_origin_valid(const char *s, size_t len);
void config_each(void (*fn)(const char *name, const char *value, const char *def, void *ctx),
		 void *ctx);

#endif
