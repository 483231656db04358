#include "infra/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "infra/b64url.h"
#include "infra/jwt_keys.h"
#include "infra/module.h"
#include "infra/timeutil.h"

#define S CONFIG_STR
#define I CONFIG_INT
#define B CONFIG_BOOL
#define E CONFIG_ENUM

/* The service-wide variables; each module declares its own (infra/module.h). */
static const struct config_var vars[] = {
    E("APP_ENV", app_env, "development", "development|test|production"),
    E("LOG_LEVEL", log_level, "info", "debug|info|warn|error"),
    S("MONGO_URI", mongo_uri, "mongodb://127.0.0.1:27017/?serverSelectionTimeoutMS=2000"),
    S("MONGO_DB", mongo_db, "swmra"),
    S("JWT_SECRET", jwt_secret, CONFIG_DEV_JWT_SECRET),
    S("JWT_KEYS", jwt_keys, ""),
    S("JWT_KEYS_FILE", jwt_keys_file, ""),
    I("JWT_EXPIRE_MIN", jwt_expire_min, "60", 1, 10080),
    S("JWT_ISSUER", jwt_issuer, "swmra"),
    S("SERVICE_TZ", service_tz, "Asia/Kolkata"),
    S("PUBLIC_BASE_URL", public_base_url, "http://127.0.0.1:8080"),
    S("UPLOAD_DIR", upload_dir, "var/uploads"),
    S("CORS_ORIGINS", cors_origins, "http://localhost:5173,http://127.0.0.1:5173"),
    S("SMTP_HOST", smtp_host, "127.0.0.1"),
    I("SMTP_PORT", smtp_port, "1025", 1, 65535),
    S("SMTP_USER", smtp_user, ""),
    S("SMTP_PASS", smtp_pass, ""),
    B("SMTP_STARTTLS", smtp_starttls, "false"),
    I("SMTP_TIMEOUT_SEC", smtp_timeout_sec, "10", 1, 300),
    S("EMAIL_FROM", email_from, "SWMRA <no-reply@swmra.local>"),
    B("ENABLE_SMS", enable_sms, "false"),
    S("SMS_BASE_URL", sms_base_url, "http://127.0.0.1:8099"),
    S("SMS_ACCOUNT_SID", sms_account_sid, ""),
    S("SMS_AUTH_TOKEN", sms_auth_token, ""),
    S("SMS_FROM", sms_from, ""),
    B("ENABLE_PUSH", enable_push, "false"),
    S("VAPID_PUBLIC_KEY", vapid_public_key, ""),
    S("VAPID_PRIVATE_KEY", vapid_private_key, ""),
    S("VAPID_SUBJECT", vapid_subject, ""),
    S("NCHAN_PUB_SOCKET", nchan_pub_socket, "var/run/nchan-pub.sock"),
    S("FCGI_SOCKET", fcgi_socket, "var/run/swmra-api.sock"),
    I("WORKERS", workers, "4", 1, 256),
    I("MAX_BODY_BYTES", max_body_bytes, "1048576", 1024, 104857600),
    I("TEST_NOW_OFFSET", test_now_offset, "0", -315360000, 315360000),
    S("FERRETDB_POSTGRESQL_URL", ferretdb_postgresql_url, ""),
    E("STORAGE_BACKEND", storage_backend, "local", "local|s3"),
    S("S3_ENDPOINT", s3_endpoint, ""),
    S("S3_REGION", s3_region, "us-east-1"),
    S("S3_BUCKET", s3_bucket, ""),
    S("S3_ACCESS_KEY", s3_access_key, ""),
    S("S3_SECRET_KEY", s3_secret_key, ""),
    B("S3_PATH_STYLE", s3_path_style, "true"),
    I("S3_TIMEOUT_SEC", s3_timeout_sec, "20", 1, 300),
    S("UPLOAD_LINK_SECRET", upload_link_secret, CONFIG_DEV_UPLOAD_LINK_SECRET),
    I("UPLOAD_LINK_TTL", upload_link_ttl, "3600", 2, 604800),
};

static struct config cfg;
static bool loaded;
static unsigned long generation;
static int (*extra_check)(const struct config *, char *, size_t);

void config_set_checker(int (*fn)(const struct config *c, char *err, size_t errlen))
{
	extra_check = fn;
}

/* The number of variables: the service-wide table, then each module's, in registry order. */
static size_t var_count(void)
{
	size_t n = MODULE_COUNT(vars);
	for (const struct module *const *m = modules_registry; *m; m++)
		n += (*m)->n_config;
	return n;
}

/* The i-th variable (i < var_count()). */
static const struct config_var *var_at(size_t i)
{
	if (i < MODULE_COUNT(vars))
		return &vars[i];
	i -= MODULE_COUNT(vars);
	for (const struct module *const *m = modules_registry; *m; m++) {
		if (i < (*m)->n_config)
			return &(*m)->config[i];
		i -= (*m)->n_config;
	}
	return NULL;
}

/* Owned copies of every string value of the current configuration (var_count() of them,
 * indexed as var_at). */
static char **owned;

struct kv {
	char *key, *val;
};

static void trim(char **s)
{
	while (isspace((unsigned char)**s))
		(*s)++;
	size_t n = strlen(*s);
	while (n > 0 && isspace((unsigned char)(*s)[n - 1]))
		(*s)[--n] = '\0';
}

/* Reads KEY=VALUE lines (comments, blank lines, optional `export`, single or double
 * quotes). Returns the number of pairs, or -1 with err set. */
static int read_env_file(const char *path, struct kv **out, char *err, size_t errlen, bool must)
{
	*out = NULL;
	FILE *f = fopen(path, "r");
	if (!f) {
		if (!must && errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read env file %s: %s", path, strerror(errno));
		return -1;
	}
	struct kv *arr = NULL;
	int n = 0, lineno = 0;
	/* Whole lines of any length: with a fixed buffer, the tail of a long line was read
	 * as a line of its own (a long comment ending in "KEY=x" set KEY). */
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		char *s = line;
		trim(&s);
		if (!*s || *s == '#')
			continue;
		if (strncmp(s, "export ", 7) == 0)
			s += 7;
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: expected KEY=VALUE", path, lineno);
			goto fail;
		}
		*eq = '\0';
		char *k = s, *v = eq + 1;
		trim(&k);
		trim(&v);
		size_t vl = strlen(v);
		if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
			v[vl - 1] = '\0';
			v++;
		}
		struct kv *na = realloc(arr, sizeof(*arr) * (size_t)(n + 1));
		if (!na)
			goto fail;
		arr = na;
		arr[n].key = strdup(k);
		arr[n].val = strdup(v);
		n++;
	}
	free(line);
	fclose(f);
	*out = arr;
	return n;
fail:
	free(line);
	fclose(f);
	for (int i = 0; i < n; i++) {
		free(arr[i].key);
		free(arr[i].val);
	}
	free(arr);
	return -1;
}

static bool parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"1", "true", "yes", "on"};
	static const char *const no[] = {"0", "false", "no", "off", ""};
	for (size_t i = 0; i < 4; i++)
		if (strcasecmp(s, yes[i]) == 0)
			return (*out = true);
	for (size_t i = 0; i < 5; i++)
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return true;
		}
	return false;
}

static bool enum_has(const char *choices, const char *s)
{
	size_t n = strlen(s);
	for (const char *p = choices; *p;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (len == n && strncmp(p, s, n) == 0)
			return true;
		if (!bar)
			break;
		p = bar + 1;
	}
	return false;
}

/* Sets one variable into `c`; `store` receives an owned copy for string types. */
static int set_var(struct config *c, const struct config_var *v, const char *val, char **store,
		   char *err, size_t errlen)
{
	char *field = (char *)c + v->off;
	switch (v->type) {
	case CONFIG_T_STR:
	case CONFIG_T_ENUM:
		if (v->type == CONFIG_T_ENUM && !enum_has(v->choices, val)) {
			snprintf(err, errlen, "%s: '%s' is not one of %s", v->name, val,
				 v->choices);
			return -1;
		}
		*store = strdup(val);
		*(const char **)field = *store;
		return 0;
	case CONFIG_T_INT: {
		char *end;
		errno = 0;
		long x = strtol(val, &end, 10);
		if (errno || end == val || *end) {
			snprintf(err, errlen, "%s: '%s' is not an integer", v->name, val);
			return -1;
		}
		if (x < v->min || x > v->max) {
			snprintf(err, errlen, "%s: %ld is outside %ld..%ld", v->name, x, v->min,
				 v->max);
			return -1;
		}
		*(int *)field = (int)x;
		return 0;
	}
	case CONFIG_T_BOOL:
		if (!parse_bool(val, (bool *)field)) {
			snprintf(err, errlen, "%s: '%s' is not a boolean (true/false)", v->name,
				 val);
			return -1;
		}
		return 0;
	}
	return -1;
}

static const char *file_value(struct kv *kv, int n, const char *name)
{
	const char *r = NULL;
	for (int i = 0; i < n; i++)
		if (strcmp(kv[i].key, name) == 0)
			r = kv[i].val; /* the last occurrence wins, as in a shell */
	return r;
}

/* Web push (ENABLE_PUSH=true) needs a VAPID key pair and subject. Checked here: the forms
 * (base64url, 65 bytes starting 0x04 / 32 bytes, mailto: or https: subject); that the
 * point is on P-256 and the pair matches is checked with libcrypto by the checker the API
 * and the jobs register (webpush_config_check, config_set_checker). */
static long b64url_len(const char *s, unsigned char *first)
{
	unsigned char buf[80];
	if (strchr(s, '='))
		return -1; /* the forms are unpadded */
	long n = b64url_decode(s, (size_t)-1, buf, sizeof(buf));
	*first = n > 0 ? buf[0] : 0;
	sodium_memzero(buf, sizeof(buf));
	return n;
}

static int validate_push(const struct config *c, char *err, size_t errlen)
{
	unsigned char first = 0;
	if (!c->vapid_public_key[0] || !c->vapid_private_key[0]) {
		snprintf(err, errlen,
			 "ENABLE_PUSH=true needs VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY "
			 "(generate a pair with swmra-vapid-keygen)");
		return -1;
	}
	if (b64url_len(c->vapid_public_key, &first) != 65 || first != 0x04) {
		snprintf(err, errlen,
			 "VAPID_PUBLIC_KEY: must be an unpadded base64url uncompressed P-256 point "
			 "(65 bytes starting 0x04, 87 characters)");
		return -1;
	}
	if (b64url_len(c->vapid_private_key, &first) != 32) {
		snprintf(err, errlen,
			 "VAPID_PRIVATE_KEY: must be an unpadded base64url 32-byte P-256 private "
			 "key (43 characters)");
		return -1;
	}
	if (!((strncmp(c->vapid_subject, "mailto:", 7) == 0 && strchr(c->vapid_subject, '@')) ||
	      (strncmp(c->vapid_subject, "https://", 8) == 0 && c->vapid_subject[8])) ||
	    strpbrk(c->vapid_subject, " \t\r\n\"\\")) {
		snprintf(err, errlen,
			 "VAPID_SUBJECT: must be a mailto: address or an https: URL the push "
			 "services can reach you at (e.g. mailto:ops@example.org)");
		return -1;
	}
	return 0;
}

/* The upload link secret is written into the nginx configuration (secure_link_md5), so
 * it is limited to characters that need no quoting there. */
static bool link_secret_chars_ok(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.~+/=", *s))
			return false;
	return true;
}

/* STORAGE_BACKEND=s3 needs the whole S3 block; the link secret follows the JWT rule. */
static int validate_storage(const struct config *c, char *err, size_t errlen)
{
	if (strcmp(c->storage_backend, "s3") == 0) {
		const char *missing = !c->s3_endpoint[0]     ? "S3_ENDPOINT"
				      : !c->s3_bucket[0]     ? "S3_BUCKET"
				      : !c->s3_region[0]     ? "S3_REGION"
				      : !c->s3_access_key[0] ? "S3_ACCESS_KEY"
				      : !c->s3_secret_key[0] ? "S3_SECRET_KEY"
							     : NULL;
		if (missing) {
			snprintf(err, errlen, "%s: required with STORAGE_BACKEND=s3", missing);
			return -1;
		}
		if (strncmp(c->s3_endpoint, "http://", 7) != 0 &&
		    strncmp(c->s3_endpoint, "https://", 8) != 0) {
			snprintf(err, errlen, "S3_ENDPOINT: must start with http:// or https://");
			return -1;
		}
		if (strspn(c->s3_bucket, "abcdefghijklmnopqrstuvwxyz0123456789.-") !=
		    strlen(c->s3_bucket)) {
			snprintf(err, errlen, "S3_BUCKET: '%s' is not a valid bucket name",
				 c->s3_bucket);
			return -1;
		}
	}
	if (!link_secret_chars_ok(c->upload_link_secret) || strlen(c->upload_link_secret) < 16) {
		snprintf(err, errlen,
			 "UPLOAD_LINK_SECRET: must be at least 16 characters of A-Z a-z 0-9 - _ . "
			 "~ + / =");
		return -1;
	}
	if (strcmp(c->app_env, "production") == 0 &&
	    (strcmp(c->upload_link_secret, CONFIG_DEV_UPLOAD_LINK_SECRET) == 0 ||
	     strlen(c->upload_link_secret) < 32)) {
		snprintf(err, errlen,
			 "UPLOAD_LINK_SECRET: the development default must not be used with "
			 "APP_ENV=production; set a random secret of at least 32 characters");
		return -1;
	}
	return 0;
}

/* The host of an origin: a bracketed IPv6 address, or a name or IPv4 address of letters,
 * digits, '-' and '.' that starts with a letter or digit. Its length, or 0. */
static size_t origin_host_len(const char *s, size_t len)
{
	size_t n = 0;
	if (len > 0 && s[0] == '[') {
		while (n + 1 < len && (isxdigit((unsigned char)s[n + 1]) || strchr(":.", s[n + 1])))
			n++;
		return n > 1 && n + 1 < len && s[n + 1] == ']' ? n + 2 : 0;
	}
	if (len == 0 || !isalnum((unsigned char)s[0]))
		return 0;
	while (n < len && (isalnum((unsigned char)s[n]) || s[n] == '-' || s[n] == '.'))
		n++;
	return n;
}

bool config_origin_valid(const char *s, size_t len)
{
	size_t scheme = len >= 7 && strncmp(s, "http://", 7) == 0    ? 7
			: len >= 8 && strncmp(s, "https://", 8) == 0 ? 8
								     : 0;
	if (!scheme)
		return false;
	s += scheme;
	len -= scheme;
	size_t host = origin_host_len(s, len);
	if (!host)
		return false;
	if (host == len)
		return true;
	if (s[host] != ':' || len - host < 2 || len - host > 6)
		return false;
	long port = 0;
	for (size_t i = host + 1; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		port = port * 10 + (s[i] - '0');
	}
	return port >= 1 && port <= 65535;
}

/* CORS_ORIGINS: comma-separated origins (spaces around an entry allowed), or empty for
 * same-origin only. An entry with a path or a trailing slash would never equal the Origin
 * header a browser sends, so it is refused rather than silently matching nothing. */
static int validate_cors(const char *list, char *err, size_t errlen)
{
	const char *p = list;
	while (*p == ' ')
		p++;
	if (!*p)
		return 0;
	for (;;) {
		while (*p == ' ')
			p++;
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (!config_origin_valid(p, len)) {
			snprintf(err, errlen,
				 "CORS_ORIGINS: '%.*s' is not an origin (scheme://host[:port], "
				 "http or https, no path or trailing slash; entries separated by "
				 "commas)",
				 (int)(len > 200 ? 200 : len), p);
			return -1;
		}
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

static int validate(const struct config *c, char *err, size_t errlen)
{
	if (strncmp(c->mongo_uri, "mongodb://", 10) != 0 &&
	    strncmp(c->mongo_uri, "mongodb+srv://", 14) != 0) {
		snprintf(err, errlen, "MONGO_URI: must start with mongodb:// or mongodb+srv://");
		return -1;
	}
	if (!c->mongo_db[0] || strpbrk(c->mongo_db, "/\\. \"$")) {
		snprintf(err, errlen, "MONGO_DB: '%s' is not a valid database name", c->mongo_db);
		return -1;
	}
	/* JWT_SECRET alone is a ring of one key; JWT_KEYS(_FILE) every key follows the same
	 * rules (the development secret refused in production, 32 bytes there). */
	struct jwt_ring ring;
	if (jwt_ring_build(c, &ring, err, errlen) < 0)
		return -1;
	jwt_ring_free(&ring);
	if (strncmp(c->public_base_url, "http://", 7) != 0 &&
	    strncmp(c->public_base_url, "https://", 8) != 0) {
		snprintf(err, errlen, "PUBLIC_BASE_URL: must start with http:// or https://");
		return -1;
	}
	if (validate_cors(c->cors_origins, err, errlen) < 0)
		return -1;
	if (c->enable_push && validate_push(c, err, errlen) < 0)
		return -1;
	if (validate_storage(c, err, errlen) < 0)
		return -1;
	/* a shifted clock is for test stacks only: anywhere else it would move every
	 * deadline, token expiry and reminder */
	if (c->test_now_offset != 0 && strcmp(c->app_env, "test") != 0) {
		snprintf(err, errlen,
			 "TEST_NOW_OFFSET: only allowed with APP_ENV=test (APP_ENV=%s)",
			 c->app_env);
		return -1;
	}
	return 0;
}

/* Reads every variable into `c` (environment over file over default); store[i] receives
 * the owned copy of var_at(i)'s string value. 0, or -1 with err set. */
static int read_vars(struct config *c, struct kv *kv, int nkv, char **store, char *err,
		     size_t errlen)
{
	for (size_t i = 0, n = var_count(); i < n; i++) {
		const struct config_var *v = var_at(i);
		const char *val = getenv(v->name);
		if (!val)
			val = file_value(kv, nkv, v->name);
		if (!val)
			val = v->def;
		if (set_var(c, v, val, &store[i], err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* Every check of a candidate: the service-wide ones, each module's, the programs'. */
static int check_all(const struct config *c, char *err, size_t errlen)
{
	if (validate(c, err, errlen) < 0)
		return -1;
	for (const struct module *const *m = modules_registry; *m; m++)
		if ((*m)->config_check && (*m)->config_check(c, err, errlen) < 0)
			return -1;
	return extra_check ? extra_check(c, err, errlen) : 0;
}

static void free_env(struct kv *kv, int nkv)
{
	for (int i = 0; i < nkv; i++) {
		free(kv[i].key);
		free(kv[i].val);
	}
	free(kv);
}

int config_load(const char *env_file, char *err, size_t errlen)
{
	struct kv *kv = NULL;
	int nkv = 0;
	if (env_file == NULL)
		nkv = read_env_file(".env", &kv, err, errlen, false);
	else if (env_file[0])
		nkv = read_env_file(env_file, &kv, err, errlen, true);
	if (nkv < 0)
		return -1;

	size_t n = var_count();
	struct config c;
	memset(&c, 0, sizeof(c));
	char **store = calloc(n, sizeof(*store));
	int rc = store ? read_vars(&c, kv, nkv, store, err, errlen) : -1;
	if (!store)
		snprintf(err, errlen, "out of memory");
	if (rc == 0)
		rc = check_all(&c, err, errlen);
	free_env(kv, nkv);
	if (rc < 0) {
		for (size_t i = 0; store && i < n; i++)
			free(store[i]);
		free(store);
		return -1;
	}
	for (size_t i = 0; owned && i < n; i++)
		free(owned[i]);
	free(owned);
	owned = store;
	cfg = c;
	loaded = true;
	generation++;
	time_set_offset_ms((int64_t)cfg.test_now_offset * 1000);
	for (const struct module *const *m = modules_registry; *m; m++)
		if ((*m)->config_apply)
			(*m)->config_apply(&cfg);
	return 0;
}

unsigned long config_generation(void)
{
	return generation;
}

const struct config *config_get(void)
{
	if (!loaded) {
		char err[256];
		/* Defaults only: they always validate. */
		if (config_load("", err, sizeof(err)) < 0) {
			fprintf(stderr, "config: %s\n", err);
			abort();
		}
	}
	return &cfg;
}

bool config_is_production(void)
{
	return strcmp(config_get()->app_env, "production") == 0;
}

bool config_cors_allowed(const char *origin)
{
	if (!origin || !*origin)
		return false;
	const char *p = config_get()->cors_origins;
	size_t olen = strlen(origin);
	while (p && *p) {
		while (*p == ' ')
			p++;
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == olen && strncmp(p, origin, len) == 0)
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

void config_each(void (*fn)(const char *, const char *, const char *, void *), void *ctx)
{
	const struct config *c = config_get();
	for (size_t i = 0, n = var_count(); i < n; i++) {
		const struct config_var *v = var_at(i);
		const char *field = (const char *)c + v->off;
		char buf[32];
		const char *val = buf;
		switch (v->type) {
		case CONFIG_T_STR:
		case CONFIG_T_ENUM: val = *(const char *const *)field; break;
		case CONFIG_T_INT: snprintf(buf, sizeof(buf), "%d", *(const int *)field); break;
		case CONFIG_T_BOOL: val = *(const bool *)field ? "true" : "false"; break;
		}
		fn(v->name, val, v->def, ctx);
	}
}
