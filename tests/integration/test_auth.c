/* Accounts end to end through the real route table against FerretDB/MongoDB
 * (SWMRA_TEST_MONGO_URI): register/login/me/patch/password/logout and the admin routes;
 * every bad input answers 422/401/409 and changes nothing; a registration race of 20
 * processes makes one account; disabled and demoted users lose access on their next
 * request; revoked and pre-password-change tokens are refused; the login backoff; 503
 * when the database is down; the purge job's queries; the contact lookup. */
#include "itutil.h"

#include <stdio.h>
#include <time.h>

#include "api/api.h"
#include "domain/auth.h"
#include "domain/auth_login.h"
#include "domain/session_cache.h"
#include "domain/internal/users_store.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/runtime.h"
#include "infra/timeutil.h"

#define PW "Passw0rd!"

static struct call C;
static bool live;

static int call_hdr(const char *method, const char *path, const char *query,
		    const char *authorization, const char *body)
{
	if (live)
		call_end(&C);
	call_begin(&C, method, path, query, body);
	C.req.authorization = authorization;
	C.req.remote_addr = "127.0.0.1";
	live = true;
	return call_run(&C, api_routes, api_routes_count);
}

static int call(const char *method, const char *path, const char *query, const char *token,
		const char *body)
{
	if (live)
		call_end(&C);
	call_begin(&C, method, path, query, body);
	C.req.authorization = token ? arena_printf(C.arena, "Bearer %s", token) : NULL;
	C.req.remote_addr = "127.0.0.1";
	live = true;
	return call_run(&C, api_routes, api_routes_count);
}

static const char *detail(void)
{
	return call_detail(&C);
}

/* Whether the 422 body names `field` (last element of some loc). */
static bool has_loc(const char *field)
{
	json_object *d = json_object_object_get(C.json, "detail");
	if (!d || !json_object_is_type(d, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(d); i++) {
		json_object *loc = json_object_object_get(json_object_array_get_idx(d, i), "loc");
		size_t n = json_object_array_length(loc);
		json_object *last = n ? json_object_array_get_idx(loc, n - 1) : NULL;
		if (last && json_object_is_type(last, json_type_string) &&
		    strcmp(json_object_get_string(last), field) == 0)
			return true;
	}
	return false;
}

static char *body_copy(void)
{
	return strdup(C.res.body ? C.res.body : "");
}

static char *reg(const char *name, const char *email, const char *phone, const char *pw)
{
	char b[1024];
	snprintf(b, sizeof(b),
		 "{\"name\":\"%s\",\"email\":\"%s\",\"phone\":\"%s\",\"password\":\"%s\"}", name,
		 email, phone, pw);
	assert_int_equal(call("POST", "/api/auth/register", NULL, NULL, b), 201);
	return strdup(jsonx_str(C.json, "access_token"));
}

static int login(const char *email, const char *pw)
{
	char b[512];
	snprintf(b, sizeof(b), "{\"email\":\"%s\",\"password\":\"%s\"}", email, pw);
	return call("POST", "/api/auth/login", NULL, NULL, b);
}

static char *login_tok(const char *email, const char *pw)
{
	assert_int_equal(login(email, pw), 200);
	return strdup(jsonx_str(C.json, "access_token"));
}

/* Creates an account with a role directly in the store; returns its id hex. */
static void make_user(const char *email, const char *role, char id[25])
{
	char *h = auth_hash_password(PW);
	itu_make_user("Made User", email, "+91 80000 00000", h, role, NULL, id);
	free(h);
}

static int setup(void **state)
{
	(void)state;
	itu_db_env("auth");
	itu_cheap_argon2("256");
	setenv("LOGIN_MAX_FAILURES", "3", 1);
	setenv("LOGIN_BACKOFF_MAX_SEC", "2", 1);
	/* every call of the older tests comes from 127.0.0.1: only the per-account backoff */
	setenv("LOGIN_CLIENT_MAX_FAILURES", "1000", 1);
	setenv("APP_ENV", "test", 1);
	if (itu_start("test_auth") < 0)
		return -1;
	return itu_ensure_indexes();
}

static int teardown(void **state)
{
	(void)state;
	if (live)
		call_end(&C);
	live = false;
	itu_drop();
	return 0;
}

static void register_and_me(void **state)
{
	(void)state;
	assert_int_equal(call("POST", "/api/auth/register", NULL, NULL,
			      "{\"name\":\"  Asha Rao \",\"email\":\"  Asha.Rao@Example.COM \","
			      "\"phone\":\"+91 98765 43210\",\"password\":\"" PW "\"}"),
			 201);
	assert_string_equal(jsonx_str(C.json, "token_type"), "bearer");
	char *tok = strdup(jsonx_str(C.json, "access_token"));
	json_object *u = json_object_object_get(C.json, "user");
	assert_int_equal(json_object_object_length(u), 6);
	assert_string_equal(jsonx_str(u, "locale"), "en"); /* new accounts speak English */
	assert_int_equal(strlen(jsonx_str(u, "id")), 24);
	assert_string_equal(jsonx_str(u, "name"), "Asha Rao");
	assert_string_equal(jsonx_str(u, "email"), "asha.rao@example.com");
	assert_string_equal(jsonx_str(u, "phone"), "+91 98765 43210");
	assert_string_equal(jsonx_str(u, "role"), "citizen");
	assert_null(strstr(C.res.body, "password"));
	char id[25];
	snprintf(id, sizeof(id), "%s", jsonx_str(u, "id"));
	struct auth_claims cl;
	assert_true(auth_verify_token(tok, &cl, NULL));
	assert_string_equal(cl.sub, id);

	assert_int_equal(call("GET", "/api/auth/me", NULL, tok, NULL), 200);
	assert_string_equal(jsonx_str(C.json, "id"), id);
	assert_string_equal(jsonx_str(C.json, "email"), "asha.rao@example.com");
	json_object *p = json_object_object_get(C.json, "prefs");
	assert_true(json_object_get_boolean(json_object_object_get(p, "email")));
	assert_false(json_object_get_boolean(json_object_object_get(p, "sms")));
	assert_true(json_object_get_boolean(json_object_object_get(p, "inapp")));
	assert_null(strstr(C.res.body, "password"));
	/* the stored hash is Argon2id, never the password */
	assert_int_equal(
	    itu_count_json("users", "{\"password_hash\": {\"$regex\": \"^\\\\$argon2id\\\\$\"}}"),
	    1);
	assert_int_equal(itu_count_json("users", "{\"password_hash\": \"" PW "\"}"), 0);
	free(tok);
}

static void register_bad_inputs_change_nothing(void **state)
{
	(void)state;
	const struct {
		const char *body;
		int status;
		const char *field;
	} cases[] = {
	    {"{\"email\":\"b1@example.com\",\"phone\":\"1234567\",\"password\":\"" PW "\"}", 422,
	     "name"},
	    {"{\"name\":\"B\",\"phone\":\"1234567\",\"password\":\"" PW "\"}", 422, "email"},
	    {"{\"name\":\"B\",\"email\":\"b1@example.com\",\"password\":\"" PW "\"}", 422, "phone"},
	    {"{\"name\":\"B\",\"email\":\"b1@example.com\",\"phone\":\"1234567\"}", 422,
	     "password"},
	    {"{\"name\":\"\",\"email\":\"b1@example.com\",\"phone\":\"1234567\",\"password\":\"" PW
	     "\"}",
	     422, "name"},
	    {"{\"name\":\"   "
	     "\",\"email\":\"b1@example.com\",\"phone\":\"1234567\",\"password\":\"" PW "\"}",
	     422, "name"},
	    {NULL, 422, "name"}, /* a 101-character name, built below */
	    {"{\"name\":7,\"email\":\"b1@example.com\",\"phone\":\"1234567\",\"password\":\"" PW
	     "\"}",
	     422, "name"},
	    {"{\"name\":\"B\",\"email\":\"not-an-email\",\"phone\":\"1234567\",\"password\":\"" PW
	     "\"}",
	     422, "email"},
	    {"{\"name\":\"B\",\"email\":\"a@b\",\"phone\":\"1234567\",\"password\":\"" PW "\"}",
	     422, "email"},
	    {"{\"name\":\"B\",\"email\":123,\"phone\":\"1234567\",\"password\":\"" PW "\"}", 422,
	     "email"},
	    {"{\"name\":\"B\",\"email\":\"b1@example.com\",\"phone\":\"123456\",\"password\":\"" PW
	     "\"}",
	     422, "phone"},
	    {"{\"name\":\"B\",\"email\":\"b1@example.com\",\"phone\":\"123456789012345678901\","
	     "\"password\":\"" PW "\"}",
	     422, "phone"},
	    {"{\"name\":\"B\",\"email\":\"b1@example.com\",\"phone\":\"12345ab\",\"password\":\"" PW
	     "\"}",
	     422, "phone"},
	    {"{\"name\":\"B\",\"email\":\"b1@example.com\",\"phone\":1234567,\"password\":\"" PW
	     "\"}",
	     422, "phone"},
	    {"{\"name\":\"B\",\"email\":\"b1@example.com\",\"phone\":\"1234567\",\"password\":"
	     "\"short7!\"}",
	     422, "password"},
	    {"{\"name\":\"B\",\"email\":\"b1@example.com\",\"phone\":\"1234567\",\"password\":"
	     "12345678}",
	     422, "password"},
	    {"{\"name\":\"B\",\"email\":\"b1@example.com\",\"phone\":\"1234567\",\"password\":\"" PW
	     "\",\"role\":\"admin\"}",
	     422, "role"},
	    {"[1,2]", 422, "body"},
	    {"\"x\"", 422, "body"},
	    {"{\"name\":", 400, NULL},
	    {"", 400, NULL},
	};
	char longname[300];
	snprintf(longname, sizeof(longname),
		 "{\"name\":\"%0101d\",\"email\":\"b1@example.com\",\"phone\":\"1234567\","
		 "\"password\":\"" PW "\"}",
		 0);
	int64_t before = itu_count_json("users", "{}");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int st = call("POST", "/api/auth/register", NULL, NULL,
			      cases[i].body ? cases[i].body : longname);
		if (st != cases[i].status)
			fail_msg("case %zu: %d, expected %d: %s", i, st, cases[i].status,
				 C.res.body);
		if (cases[i].field && !has_loc(cases[i].field))
			fail_msg("case %zu: no error at %s: %s", i, cases[i].field, C.res.body);
	}
	/* wrong content type */
	call("POST", "/api/auth/register", NULL, NULL, "{}");
	call_end(&C);
	call_begin(
	    &C, "POST", "/api/auth/register", NULL,
	    "{\"name\":\"B\",\"email\":\"b1@example.com\",\"phone\":\"1234567\",\"password\":\"" PW
	    "\"}");
	C.req.content_type = "text/plain";
	assert_int_equal(call_run(&C, api_routes, api_routes_count), 415);
	assert_int_equal(itu_count_json("users", "{}"), before);
	assert_int_equal(itu_count_json("users", "{\"email\": \"b1@example.com\"}"), 0);
}

static void register_duplicate_is_409(void **state)
{
	(void)state;
	char *t = reg("Dup", "dup@example.com", "1234567", PW);
	free(t);
	const char *variants[] = {"dup@example.com", "DUP@Example.com", "  dup@example.com  "};
	for (size_t i = 0; i < 3; i++) {
		char b[256];
		snprintf(b, sizeof(b),
			 "{\"name\":\"Other\",\"email\":\"%s\",\"phone\":\"7654321\",\"password\":"
			 "\"other-pass\"}",
			 variants[i]);
		assert_int_equal(call("POST", "/api/auth/register", NULL, NULL, b), 409);
		assert_string_equal(detail(), "Email already exists");
	}
	assert_int_equal(itu_count_json("users", "{\"email\": \"dup@example.com\"}"), 1);
	/* the first account's password is untouched */
	assert_int_equal(login("dup@example.com", PW), 200);
}

/* A racer: registers the same address (differently cased and spaced); 0 created,
 * 1 conflict (409), 2 anything else. */
static int register_racer(int i, void *ctx)
{
	(void)ctx;
	char b[256];
	snprintf(b, sizeof(b),
		 "{\"name\":\"Racer %d\",\"email\":\"%sRacer@Example.com\","
		 "\"phone\":\"1234567\",\"password\":\"racer-pass-%d\"}",
		 i, i % 2 ? " " : "", i);
	int st = call("POST", "/api/auth/register", NULL, NULL, b);
	call_end(&C);
	return st == 201 ? 0 : st == 409 ? 1 : 2;
}

static void registration_race_makes_one_account(void **state)
{
	(void)state;
	enum { N = 20 };
	if (live)
		call_end(&C);
	live = false;
	int codes[N];
	itu_race("test_auth", N, register_racer, NULL, codes); /* no client crosses the fork */
	int created = 0, conflicts = 0, other = 0;
	for (int i = 0; i < N; i++) {
		int code = codes[i];
		if (code == 0)
			created++;
		else if (code == 1)
			conflicts++;
		else
			other++;
	}
	assert_int_equal(other, 0);
	assert_int_equal(created, 1);
	assert_int_equal(conflicts, N - 1);
	assert_int_equal(itu_count_json("users", "{\"email\": \"racer@example.com\"}"), 1);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void login_ok_and_uniform_failures(void **state)
{
	(void)state;
	char *t = reg("Lena", "lena@example.com", "1234567", PW);
	free(t);
	assert_int_equal(login("  LENA@example.com ", PW), 200);
	assert_string_equal(jsonx_str(C.json, "token_type"), "bearer");
	assert_string_equal(jsonx_str(json_object_object_get(C.json, "user"), "email"),
			    "lena@example.com");
	assert_int_equal(json_object_object_length(json_object_object_get(C.json, "user")), 6);

	/* same answer for a wrong password and an unknown email, with comparable timing:
	 * both do one Argon2 verification (a heavier cost here so it dominates) */
	setenv("ARGON2_MEMLIMIT_KIB", "16384", 1);
	setenv("ARGON2_OPSLIMIT", "2", 1);
	char err[256];
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	login("nobody-warmup@example.com", "whatever1"); /* builds the dummy hash */
	/* a successful login upgrades lena's stored hash to the new cost */
	assert_int_equal(login("lena@example.com", PW), 200);
	double wrong = 0, unknown = 0;
	for (int i = 0; i < 2; i++) {
		double a = now_s();
		assert_int_equal(login("lena@example.com", "wrong-password"), 401);
		wrong += now_s() - a;
		assert_string_equal(detail(), "Invalid credentials");
		char *wb = body_copy();
		char em[64];
		snprintf(em, sizeof(em), "nobody%d@example.com", i);
		a = now_s();
		assert_int_equal(login(em, "wrong-password"), 401);
		unknown += now_s() - a;
		assert_string_equal(C.res.body, wb);
		free(wb);
	}
	assert_int_equal(login("lena@example.com", PW), 200); /* resets lena's failures */
	setenv("ARGON2_MEMLIMIT_KIB", "256", 1);
	setenv("ARGON2_OPSLIMIT", "1", 1);
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	double ratio = unknown / wrong;
	if (ratio < 0.4 || ratio > 2.5)
		fail_msg("timing differs: unknown %.4fs vs wrong %.4fs", unknown, wrong);
	assert_int_equal(
	    itu_count_json(
		"users",
		"{\"email\":\"lena@example.com\",\"password_hash\":{\"$regex\":\"m=16384\"}}"),
	    1);

	/* bad login bodies */
	const char *bad[] = {"{\"password\":\"x\"}",
			     "{\"email\":\"lena@example.com\"}",
			     "{\"email\":5,\"password\":\"x\"}",
			     "{\"email\":\"lena@example.com\",\"password\":false}",
			     "{\"email\":\"\",\"password\":\"x\"}",
			     "{\"email\":\"lena@example.com\",\"password\":\"" PW "\",\"x\":1}",
			     "[]"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (call("POST", "/api/auth/login", NULL, NULL, bad[i]) != 422)
			fail_msg("login body %zu: %d %s", i, C.status, C.res.body);
	assert_int_equal(call("POST", "/api/auth/login", NULL, NULL, "{oops"), 400);

	/* An email of 1000 two-byte characters (2000 bytes) is within the login limit: it is
	 * an unknown account (401) whose failure is recorded under that very email, not
	 * under whatever a too small buffer held. */
	size_t n = 1000 * 2;
	char *long_email = calloc(1, n + 1);
	for (size_t i = 0; i < n; i += 2)
		long_email[i] = (char)0xC3, long_email[i + 1] = (char)0xA9; /* é */
	char *lb = calloc(1, n + 64);
	snprintf(lb, n + 64, "{\"email\":\"%s\",\"password\":\"wrong-password\"}", long_email);
	assert_int_equal(call("POST", "/api/auth/login", NULL, NULL, lb), 401);
	free(lb);
	bson_t *lf = BCON_NEW("email", BCON_UTF8(long_email));
	bson_error_t lerr;
	assert_int_equal(mongoc_collection_count_documents(db_coll("login_failures"), lf, NULL,
							   NULL, NULL, &lerr),
			 1);
	bson_destroy(lf);
	free(long_email);
}

static void guard_refuses_bad_tokens(void **state)
{
	(void)state;
	char *t = reg("Gina", "gina@example.com", "1234567", PW);
	assert_int_equal(call("GET", "/api/auth/me", NULL, NULL, NULL), 401);
	assert_string_equal(detail(), "Missing token");
	const char *missing[] = {
	    "", "Bearer", "Bearer ", "Basic Z2luYTpwdw==", "Token abc", "Bearerabc"};
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		assert_int_equal(call_hdr("GET", "/api/auth/me", NULL, missing[i], NULL), 401);
		assert_string_equal(detail(), "Missing token");
	}
	const char *invalid[] = {"Bearer garbage", "Bearer a.b.c", "bearer x.y.z"};
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		assert_int_equal(call_hdr("GET", "/api/auth/me", NULL, invalid[i], NULL), 401);
		assert_string_equal(detail(), "Invalid token");
	}
	/* scheme is case-insensitive */
	char h[2048];
	snprintf(h, sizeof(h), "bearer %s", t);
	assert_int_equal(call_hdr("GET", "/api/auth/me", NULL, h, NULL), 200);
	/* a well-signed token for a user that does not exist */
	char *ghost = auth_issue_token("64b7f0c2a1b2c3d4e5f60718", "admin", NULL);
	assert_int_equal(call("GET", "/api/auth/me", NULL, ghost, NULL), 401);
	assert_string_equal(detail(), "Invalid token");
	free(ghost);
	/* a token signed with another secret */
	struct auth_claims gcl;
	assert_true(auth_verify_token(t, &gcl, NULL));
	setenv("JWT_SECRET", "a-completely-different-secret-123", 1);
	char err[256];
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	char *other = auth_issue_token(gcl.sub, "citizen", NULL);
	unsetenv("JWT_SECRET");
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	assert_int_equal(call("GET", "/api/auth/me", NULL, other, NULL), 401);
	assert_string_equal(detail(), "Invalid token");
	free(other);
	free(t);
}

static void patch_me(void **state)
{
	(void)state;
	char *t = reg("Pat", "pat@example.com", "1234567", PW);
	assert_int_equal(call("PATCH", "/api/auth/me", NULL, t,
			      "{\"name\":\" Pat Kumar \",\"phone\":\"+91 (80) 1234-567\","
			      "\"prefs\":{\"sms\":true,\"email\":false}}"),
			 200);
	assert_string_equal(jsonx_str(C.json, "name"), "Pat Kumar");
	assert_string_equal(jsonx_str(C.json, "phone"), "+91 (80) 1234-567");
	json_object *p = json_object_object_get(C.json, "prefs");
	assert_false(json_object_get_boolean(json_object_object_get(p, "email")));
	assert_true(json_object_get_boolean(json_object_object_get(p, "sms")));
	assert_true(json_object_get_boolean(json_object_object_get(p, "inapp")));
	assert_int_equal(call("GET", "/api/auth/me", NULL, t, NULL), 200);
	char *before = body_copy();
	const struct {
		const char *body;
		const char *field;
	} bad[] = {
	    {"{\"name\":\"\"}", "name"},
	    {"{\"name\":\"  \"}", "name"},
	    {"{\"name\":5}", "name"},
	    {"{\"phone\":\"12\"}", "phone"},
	    {"{\"phone\":\"1234567x\"}", "phone"},
	    {"{\"prefs\":{\"sms\":\"yes\"}}", "sms"},
	    {"{\"prefs\":{\"push\":true}}", "push"},
	    {"{\"prefs\":[true]}", "prefs"},
	    {"{\"role\":\"admin\"}", "role"},
	    {"{\"email\":\"new@example.com\"}", "email"},
	    {"{\"name\":\"OK name\",\"disabled\":false}", "disabled"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (call("PATCH", "/api/auth/me", NULL, t, bad[i].body) != 422 ||
		    !has_loc(bad[i].field))
			fail_msg("patch %zu: %d %s", i, C.status, C.res.body);
	}
	assert_int_equal(call("GET", "/api/auth/me", NULL, t, NULL), 200);
	assert_string_equal(C.res.body, before);
	assert_int_equal(
	    itu_count_json("users", "{\"email\":\"pat@example.com\",\"role\":\"citizen\"}"), 1);
	/* an empty patch is a no-op */
	assert_int_equal(call("PATCH", "/api/auth/me", NULL, t, "{}"), 200);
	free(before);
	/* contact lookup for the notifications module */
	bson_oid_t oid;
	assert_true(db_parse_oid(jsonx_str(C.json, "id"), &oid));
	char *email = NULL, *phone = NULL;
	bool pe, ps, pi;
	bson_error_t err;
	assert_true(users_get_contact(&oid, &email, &phone, &pe, &ps, &pi, &err));
	assert_string_equal(email, "pat@example.com");
	assert_string_equal(phone, "+91 (80) 1234-567");
	assert_false(pe);
	assert_true(ps);
	assert_true(pi);
	free(email);
	free(phone);
	/* a disabled account gets neither mail nor SMS */
	bson_t *sel = BCON_NEW("_id", BCON_OID(&oid));
	bson_t *upd =
	    BCON_NEW("$set", "{", "disabled", BCON_BOOL(true), "prefs.email", BCON_BOOL(true), "}");
	assert_true(mongoc_collection_update_one(db_coll("users"), sel, upd, NULL, NULL, &err));
	assert_true(users_get_contact(&oid, &email, &phone, &pe, &ps, &pi, &err));
	assert_false(pe);
	assert_false(ps);
	free(email);
	free(phone);
	bson_destroy(sel);
	bson_destroy(upd);
	bson_oid_t none;
	db_parse_oid("64b7f0c2a1b2c3d4e5f60718", &none);
	assert_false(users_get_contact(&none, &email, &phone, &pe, &ps, &pi, &err));
	assert_int_equal(err.code, 0);
	free(t);
}

static void change_password(void **state)
{
	(void)state;
	char *old_session = reg("Pia", "pia@example.com", "1234567", PW);
	sleep(1); /* the next token is issued a second later than old_session */
	char *t = login_tok("pia@example.com", PW);
	assert_int_equal(
	    call("POST", "/api/auth/password", NULL, t,
		 "{\"current_password\":\"nope-nope\",\"new_password\":\"NewPassw0rd!\"}"),
	    422);
	assert_true(has_loc("current_password"));
	assert_int_equal(call("POST", "/api/auth/password", NULL, t,
			      "{\"current_password\":\"" PW "\",\"new_password\":\"short\"}"),
			 422);
	assert_true(has_loc("new_password"));
	assert_int_equal(
	    call("POST", "/api/auth/password", NULL, t, "{\"current_password\":\"" PW "\"}"), 422);
	assert_int_equal(call("POST", "/api/auth/password", NULL, t,
			      "{\"current_password\":\"" PW
			      "\",\"new_password\":\"NewPassw0rd!\",\"x\":1}"),
			 422);
	/* nothing changed so far */
	assert_int_equal(login("pia@example.com", PW), 200);
	/* a session opened in the same second as the change ends with it too */
	char *sibling = login_tok("pia@example.com", PW);
	assert_int_equal(call("POST", "/api/auth/password", NULL, t,
			      "{\"current_password\":\"" PW
			      "\",\"new_password\":\"NewPassw0rd!\"}"),
			 204);
	assert_int_equal(login("pia@example.com", PW), 401);
	/* a login right after the change works at once */
	char *fresh = login_tok("pia@example.com", "NewPassw0rd!");
	assert_int_equal(call("GET", "/api/auth/me", NULL, fresh, NULL), 200);
	/* the session that changed it stays; older sessions end */
	assert_int_equal(call("GET", "/api/auth/me", NULL, t, NULL), 200);
	assert_int_equal(call("GET", "/api/auth/me", NULL, old_session, NULL), 401);
	assert_string_equal(detail(), "Invalid token");
	assert_int_equal(call("GET", "/api/auth/me", NULL, sibling, NULL), 401);
	free(sibling);
	free(fresh);
	free(old_session);
	free(t);
}

static void logout_revokes_this_token_only(void **state)
{
	(void)state;
	char *a = reg("Lou", "lou@example.com", "1234567", PW);
	char *b = login_tok("lou@example.com", PW);
	struct auth_claims cl;
	assert_true(auth_verify_token(a, &cl, NULL));
	assert_int_equal(call("POST", "/api/auth/logout", NULL, a, NULL), 204);
	assert_int_equal(call("GET", "/api/auth/me", NULL, a, NULL), 401);
	assert_string_equal(detail(), "Invalid token");
	assert_int_equal(call("POST", "/api/auth/logout", NULL, a, NULL), 401);
	assert_int_equal(call("GET", "/api/auth/me", NULL, b, NULL), 200);
	char q[256];
	snprintf(q, sizeof(q),
		 "{\"_id\":\"%s\",\"expires_at\":{\"$date\":{\"$numberLong\":\"%lld\"}}}", cl.jti,
		 (long long)cl.exp * 1000);
	assert_int_equal(itu_count_json("revoked_tokens", q), 1);
	free(a);
	free(b);
}

static void admin_routes(void **state)
{
	(void)state;
	char admin_id[25], staff_id[25], cit_id[25], admin2_id[25];
	make_user("boss@example.com", "admin", admin_id);
	make_user("boss2@example.com", "admin", admin2_id);
	make_user("crew@example.com", "staff", staff_id);
	make_user("zed.citizen@example.com", "citizen", cit_id);
	char *adm = login_tok("boss@example.com", PW);
	char *adm2 = login_tok("boss2@example.com", PW);
	char *stf = login_tok("crew@example.com", PW);
	char *cit = login_tok("zed.citizen@example.com", PW);

	/* role enforcement */
	assert_int_equal(call("GET", "/api/admin/users", NULL, NULL, NULL), 401);
	assert_int_equal(call("GET", "/api/admin/users", NULL, cit, NULL), 403);
	assert_string_equal(detail(), "Not enough privileges");
	assert_int_equal(call("GET", "/api/admin/users", NULL, stf, NULL), 403);
	char path[128];
	snprintf(path, sizeof(path), "/api/admin/users/%s", cit_id);
	assert_int_equal(call("PATCH", path, NULL, stf, "{\"role\":\"admin\"}"), 403);
	assert_int_equal(call("PATCH", path, NULL, cit, "{\"role\":\"admin\"}"), 403);

	/* list, search, filters, paging */
	assert_int_equal(call("GET", "/api/admin/users", NULL, adm, NULL), 200);
	int64_t total = json_object_get_int64(json_object_object_get(C.json, "total"));
	assert_true(total >= 4);
	assert_int_equal(json_object_get_int(json_object_object_get(C.json, "skip")), 0);
	assert_int_equal(json_object_get_int(json_object_object_get(C.json, "limit")), 20);
	assert_null(strstr(C.res.body, "password"));
	json_object *it0 = json_object_array_get_idx(json_object_object_get(C.json, "items"), 0);
	assert_non_null(json_object_object_get(it0, "disabled"));
	assert_non_null(jsonx_str(it0, "created_at"));
	assert_int_equal(call("GET", "/api/admin/users", "q=ZED.CIT", adm, NULL), 200);
	assert_int_equal(json_object_get_int(json_object_object_get(C.json, "total")), 1);
	assert_string_equal(
	    jsonx_str(json_object_array_get_idx(json_object_object_get(C.json, "items"), 0), "id"),
	    cit_id);
	assert_int_equal(call("GET", "/api/admin/users", "q=made%20user&role=staff", adm, NULL),
			 200);
	assert_int_equal(json_object_get_int(json_object_object_get(C.json, "total")), 1);
	/* regex metacharacters are literal */
	const char *meta[] = {"q=.*", "q=%28", "q=%5B", "q=a%7Cb", "q=%5C", "q=%24"};
	for (size_t i = 0; i < sizeof(meta) / sizeof(meta[0]); i++) {
		assert_int_equal(call("GET", "/api/admin/users", meta[i], adm, NULL), 200);
		assert_int_equal(json_object_get_int(json_object_object_get(C.json, "total")), 0);
	}
	assert_int_equal(call("GET", "/api/admin/users", "skip=1&limit=2", adm, NULL), 200);
	assert_int_equal(json_object_array_length(json_object_object_get(C.json, "items")), 2);
	assert_int_equal(json_object_get_int64(json_object_object_get(C.json, "total")), total);
	const char *badq[] = {"limit=0", "limit=101", "skip=-1", "limit=x", "role=root", "role="};
	for (size_t i = 0; i < sizeof(badq) / sizeof(badq[0]); i++)
		if (call("GET", "/api/admin/users", badq[i], adm, NULL) != 422)
			fail_msg("query %s: %d", badq[i], C.status);

	/* patch: bad inputs change nothing */
	assert_int_equal(call("PATCH", "/api/admin/users/xyz", NULL, adm, "{\"role\":\"staff\"}"),
			 422);
	assert_true(has_loc("id"));
	assert_int_equal(call("PATCH", "/api/admin/users/64b7f0c2a1b2c3d4e5f60718", NULL, adm,
			      "{\"role\":\"staff\"}"),
			 404);
	assert_string_equal(detail(), "User not found");
	const char *badb[] = {"{\"role\":\"root\"}",	   "{\"role\":5}",
			      "{\"disabled\":\"yes\"}",	   "{\"name\":\"x\"}",
			      "{\"password_hash\":\"x\"}", "[]"};
	for (size_t i = 0; i < sizeof(badb) / sizeof(badb[0]); i++)
		if (call("PATCH", path, NULL, adm, badb[i]) != 422)
			fail_msg("patch body %zu: %d", i, C.status);
	assert_int_equal(
	    itu_count_json(
		"users",
		"{\"email\":\"zed.citizen@example.com\",\"role\":\"citizen\",\"disabled\":false}"),
	    1);

	/* an admin cannot demote or disable themselves */
	char self[128];
	snprintf(self, sizeof(self), "/api/admin/users/%s", admin_id);
	assert_int_equal(call("PATCH", self, NULL, adm, "{\"role\":\"staff\"}"), 409);
	assert_int_equal(call("PATCH", self, NULL, adm, "{\"disabled\":true}"), 409);
	assert_int_equal(call("PATCH", self, NULL, adm, "{\"role\":\"admin\",\"disabled\":false}"),
			 200);
	assert_int_equal(
	    itu_count_json(
		"users", "{\"email\":\"boss@example.com\",\"role\":\"admin\",\"disabled\":false}"),
	    1);

	/* promotion takes effect on the next request, whatever the token says */
	assert_int_equal(call("PATCH", path, NULL, adm, "{\"role\":\"admin\"}"), 200);
	assert_string_equal(jsonx_str(C.json, "role"), "admin");
	assert_int_equal(call("GET", "/api/admin/users", NULL, cit, NULL), 200);
	/* demotion too: admin2 demoted to staff loses the admin routes at once */
	char p2[128];
	snprintf(p2, sizeof(p2), "/api/admin/users/%s", admin2_id);
	assert_int_equal(call("GET", "/api/admin/users", NULL, adm2, NULL), 200);
	assert_int_equal(call("PATCH", p2, NULL, adm, "{\"role\":\"staff\"}"), 200);
	assert_int_equal(call("GET", "/api/admin/users", NULL, adm2, NULL), 403);
	assert_string_equal(detail(), "Not enough privileges");
	assert_int_equal(call("GET", "/api/auth/me", NULL, adm2, NULL), 200);
	assert_string_equal(jsonx_str(C.json, "role"), "staff");

	/* disabling ends the sessions at once and refuses the login */
	snprintf(path, sizeof(path), "/api/admin/users/%s", staff_id);
	assert_int_equal(call("PATCH", path, NULL, adm, "{\"disabled\":true}"), 200);
	assert_true(json_object_get_boolean(json_object_object_get(C.json, "disabled")));
	assert_int_equal(call("GET", "/api/auth/me", NULL, stf, NULL), 401);
	assert_string_equal(detail(), "Invalid token");
	assert_int_equal(login("crew@example.com", PW), 403);
	assert_string_equal(detail(), "Account disabled");
	assert_int_equal(login("crew@example.com", "wrong-one"), 401);
	assert_string_equal(detail(), "Invalid credentials");
	assert_int_equal(call("PATCH", path, NULL, adm, "{\"disabled\":false}"), 200);
	/* the disable ended every session: re-enabling brings no old token back */
	assert_int_equal(call("GET", "/api/auth/me", NULL, stf, NULL), 401);
	assert_int_equal(login("crew@example.com", PW), 200);
	free(adm);
	free(adm2);
	free(stf);
	free(cit);
}

static void login_backoff(void **state)
{
	(void)state;
	char *t = reg("Bo", "bo@example.com", "1234567", PW);
	free(t);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(login("bo@example.com", "wrong-pass"), 401);
		assert_string_equal(detail(), "Invalid credentials");
	}
	/* now even the right password waits */
	assert_int_equal(login("BO@example.com", PW), 429);
	assert_string_equal(detail(), "Too many failed attempts, try again later");
	const char *ra = http_response_header(&C.res, "Retry-After");
	assert_non_null(ra);
	assert_true(atoi(ra) >= 1 && atoi(ra) <= 2);
	assert_int_equal(itu_count_json("login_failures", "{\"email\":\"bo@example.com\"}"), 3);
	/* refused attempts are not counted and do not extend the window */
	usleep(1000 * 1000);
	assert_int_equal(login("bo@example.com", "wrong-pass"), 429);
	assert_int_equal(itu_count_json("login_failures", "{\"email\":\"bo@example.com\"}"), 3);
	usleep(1200 * 1000); /* the window is capped at LOGIN_BACKOFF_MAX_SEC = 2 s */
	assert_int_equal(login("bo@example.com", PW), 200);
	assert_int_equal(itu_count_json("login_failures", "{\"email\":\"bo@example.com\"}"), 0);
	assert_int_equal(login("bo@example.com", "wrong-pass"), 401); /* reset: not 429 */
	/* unknown emails back off the same way (no account enumeration) */
	for (int i = 0; i < 3; i++)
		assert_int_equal(login("ghost@example.com", "wrong-pass"), 401);
	assert_int_equal(login("ghost@example.com", "wrong-pass"), 429);
}

/* A login from client address `ip` presenting device cookie `cookie` (may be NULL). */
static int login_from(const char *email, const char *pw, const char *ip, const char *cookie)
{
	char b[512];
	snprintf(b, sizeof(b), "{\"email\":\"%s\",\"password\":\"%s\"}", email, pw);
	if (live)
		call_end(&C);
	call_begin(&C, "POST", "/api/auth/login", NULL, b);
	C.req.remote_addr = ip;
	call_param(&C, "SWMRA_DEVICE_COOKIE", cookie);
	live = true;
	return call_run(&C, api_routes, api_routes_count);
}

/* The device cookie the last answer set (malloc'd), checking its attributes. */
static char *device_cookie_set(void)
{
	const char *sc = http_response_header(&C.res, "Set-Cookie");
	assert_non_null(sc);
	assert_memory_equal(sc, AUTH_DEVICE_COOKIE "=", strlen(AUTH_DEVICE_COOKIE) + 1);
	const char *v = sc + strlen(AUTH_DEVICE_COOKIE) + 1;
	const char *end = strchr(v, ';');
	assert_non_null(end);
	assert_non_null(strstr(end, "; Path=/api/auth;"));
	assert_non_null(strstr(end, "; HttpOnly"));
	assert_non_null(strstr(end, "; SameSite=Strict"));
	assert_non_null(strstr(end, "; Secure")); /* APP_ENV=test: only development omits it */
	assert_non_null(strstr(end, "; Max-Age="));
	return strndup(v, (size_t)(end - v));
}

static void expect_throttled(void)
{
	assert_int_equal(C.status, 429);
	assert_string_equal(detail(), "Too many failed attempts, try again later");
	const char *ra = http_response_header(&C.res, "Retry-After");
	assert_non_null(ra);
	assert_true(atoi(ra) >= 1);
}

/* Issue 12.3: failures from other clients lock a known device out no more (OWASP device
 * cookies); unknown clients are throttled per account and per address; forged, tampered,
 * expired and other accounts' cookies give no trust. */
static void device_cookie_defeats_targeted_lockout(void **state)
{
	(void)state;
	setenv("LOGIN_BACKOFF_MAX_SEC", "120", 1); /* windows that outlast a slow machine */
	itu_reload_config();
	char staff_id[25], other_id[25];
	make_user("desk@example.com", "staff", staff_id);
	make_user("someone.else@example.com", "citizen", other_id);
	/* two devices of the staff member, and another user's device, signed in earlier */
	assert_int_equal(login_from("desk@example.com", PW, "10.1.0.1", NULL), 200);
	char *desk = device_cookie_set();
	assert_int_equal(login_from("desk@example.com", PW, "10.1.0.2", NULL), 200);
	char *laptop = device_cookie_set();
	assert_string_not_equal(desk, laptop);
	assert_int_equal(login_from("someone.else@example.com", PW, "10.1.0.3", NULL), 200);
	char *foreign = device_cookie_set();

	/* the attacker's client fails LOGIN_MAX_FAILURES (3) times and then is refused */
	for (int i = 0; i < 3; i++)
		assert_int_equal(login_from("desk@example.com", "guess-123", "10.6.6.6", NULL),
				 401);
	login_from("desk@example.com", "guess-456", "10.6.6.6", NULL);
	expect_throttled();
	login_from("desk@example.com", PW, "10.6.6.6", NULL);
	expect_throttled();
	/* an unknown client with the right password is throttled too (per account) */
	login_from("desk@example.com", PW, "10.1.0.9", NULL);
	expect_throttled();
	/* ... but the devices that signed in before are not, even from a shared address */
	assert_int_equal(login_from("desk@example.com", PW, "10.1.0.1", desk), 200);
	char *desk2 = device_cookie_set(); /* a fresh cookie each time */
	assert_int_equal(login_from("desk@example.com", PW, "10.6.6.6", laptop), 200);
	free(device_cookie_set());
	/* that success did not forgive the attacker's failures */
	login_from("desk@example.com", PW, "10.6.6.6", NULL);
	expect_throttled();

	/* no trust from forged, tampered, expired or foreign cookies */
	char *t = strdup(desk2);
	size_t n = strlen(t);
	t[n - 1] = t[n - 1] == '0' ? '1' : '0'; /* the MAC */
	login_from("desk@example.com", PW, "10.1.0.1", t);
	expect_throttled();
	strcpy(t, desk2);
	t[30] = t[30] == '0' ? '1' : '0'; /* the device id */
	login_from("desk@example.com", PW, "10.1.0.1", t);
	expect_throttled();
	login_from("desk@example.com", PW, "10.1.0.1", foreign); /* valid, someone else's */
	expect_throttled();
	char old[AUTH_DEVICE_COOKIE_MAX];
	assert_true(
	    auth_device_issue(staff_id, (int64_t)time(NULL) - AUTH_DEVICE_MAX_AGE_SEC - 1, old));
	login_from("desk@example.com", PW, "10.1.0.1", old);
	expect_throttled();
	char fresh[AUTH_DEVICE_COOKIE_MAX];
	assert_true(auth_device_issue(staff_id, (int64_t)time(NULL), fresh));
	setenv("JWT_SECRET", "another-secret-another-secret-0123", 1); /* signed by another key */
	itu_reload_config();
	login_from("desk@example.com", PW, "10.1.0.1", fresh);
	expect_throttled();
	unsetenv("JWT_SECRET");
	itu_reload_config();
	const char *junk[] = {"", "x", "garbage.garbage.1.x", staff_id};
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		login_from("desk@example.com", PW, "10.1.0.1", junk[i]);
		expect_throttled();
	}
	/* refused attempts were not counted: the attacker's key holds 3 failures */
	assert_int_equal(
	    itu_count_json("login_failures", "{\"email\":\"desk@example.com\",\"device\":\"\"}"),
	    3);

	/* a device's own failures throttle that device only */
	for (int i = 0; i < 3; i++)
		assert_int_equal(login_from("desk@example.com", "typo-typo", "10.1.0.1", desk2),
				 401);
	login_from("desk@example.com", PW, "10.1.0.1", desk2);
	expect_throttled();
	assert_int_equal(login_from("desk@example.com", PW, "10.1.0.2", laptop), 200);
	free(device_cookie_set());

	/* the signed-in user can still change the password during the lockout */
	assert_int_equal(login_from("desk@example.com", PW, "10.1.0.2", laptop), 200);
	char *tok = strdup(jsonx_str(C.json, "access_token"));
	assert_int_equal(call("POST", "/api/auth/password", NULL, tok,
			      "{\"current_password\":\"" PW "\",\"new_password\":\"" PW "\"}"),
			 204);

	/* per address: LOGIN_CLIENT_MAX_FAILURES failures over any accounts throttle it */
	setenv("LOGIN_CLIENT_MAX_FAILURES", "4", 1);
	itu_reload_config();
	char em[64];
	for (int i = 0; i < 4; i++) {
		snprintf(em, sizeof(em), "spray%d@example.com", i);
		assert_int_equal(login_from(em, "Summer2026!", "10.7.7.7", NULL), 401);
	}
	login_from("someone.else@example.com", "Summer2026!", "10.7.7.7", NULL);
	expect_throttled();
	login_from("someone.else@example.com", PW, "10.7.7.7", NULL);
	expect_throttled();
	/* the account itself is not locked: another address, or its own device, gets in */
	assert_int_equal(login_from("someone.else@example.com", PW, "10.7.7.8", NULL), 200);
	free(device_cookie_set());
	assert_int_equal(login_from("someone.else@example.com", PW, "10.7.7.7", foreign), 200);
	free(device_cookie_set());

	setenv("LOGIN_CLIENT_MAX_FAILURES", "1000", 1);
	setenv("LOGIN_BACKOFF_MAX_SEC", "2", 1);
	itu_reload_config();
	free(tok);
	free(t);
	free(desk);
	free(desk2);
	free(laptop);
	free(foreign);
}

static void purge_queries(void **state)
{
	(void)state;
	bson_error_t err;
	int64_t now = time_now_ms();
	mongoc_collection_t *rv = db_coll("revoked_tokens"), *lf = db_coll("login_failures");
	bson_t *d1 =
	    BCON_NEW("_id", BCON_UTF8("purge-old"), "expires_at", BCON_DATE_TIME(now - 1000));
	bson_t *d2 =
	    BCON_NEW("_id", BCON_UTF8("purge-new"), "expires_at", BCON_DATE_TIME(now + 3600000));
	bson_t *f1 = BCON_NEW("email", BCON_UTF8("purge@example.com"), "at",
			      BCON_DATE_TIME(now - (int64_t)AUTH_FAILURE_MEMORY_SEC * 1000 - 5000));
	bson_t *f2 = BCON_NEW("email", BCON_UTF8("purge@example.com"), "at", BCON_DATE_TIME(now));
	assert_true(mongoc_collection_insert_one(rv, d1, NULL, NULL, &err));
	assert_true(mongoc_collection_insert_one(rv, d2, NULL, NULL, &err));
	assert_true(mongoc_collection_insert_one(lf, f1, NULL, NULL, &err));
	assert_true(mongoc_collection_insert_one(lf, f2, NULL, NULL, &err));
	int64_t rv_total = itu_count_json("revoked_tokens", "{}");
	int64_t lf_total = itu_count_json("login_failures", "{}");
	struct derr de;
	assert_int_equal(auth_purge_revoked(now, true, &de), 1);
	assert_int_equal(auth_purge_failures(now, true, &de), 1);
	assert_int_equal(itu_count_json("revoked_tokens", "{}"), rv_total); /* dry run */
	assert_int_equal(auth_purge_revoked(now, false, &de), 1);
	assert_int_equal(auth_purge_failures(now, false, &de), 1);
	assert_int_equal(itu_count_json("revoked_tokens", "{}"), rv_total - 1);
	assert_int_equal(itu_count_json("login_failures", "{}"), lf_total - 1);
	assert_int_equal(itu_count_json("revoked_tokens", "{\"_id\":\"purge-new\"}"), 1);
	bson_destroy(d1);
	bson_destroy(d2);
	bson_destroy(f1);
	bson_destroy(f2);
}

static void database_down_is_503(void **state)
{
	(void)state;
	char *t = reg("Dee", "dee@example.com", "1234567", PW);
	if (live)
		call_end(&C);
	live = false;
	itu_reopen_unreachable("test_auth");
	assert_int_equal(call("GET", "/api/auth/me", NULL, t, NULL), 503);
	assert_int_equal(login("dee@example.com", PW), 503);
	assert_int_equal(call("POST", "/api/auth/register", NULL, NULL,
			      "{\"name\":\"D\",\"email\":\"d2@example.com\",\"phone\":\"1234567\","
			      "\"password\":\"" PW "\"}"),
			 503);
	/* the token check itself needs no database: a bad token is still 401 */
	assert_int_equal(call_hdr("GET", "/api/auth/me", NULL, "Bearer x.y.z", NULL), 401);
	call_end(&C);
	live = false;
	itu_reopen("test_auth");
	assert_int_equal(call("GET", "/api/auth/me", NULL, t, NULL), 200);
	free(t);
}

/* The reset link queued for `user` (the outbox document the dispatcher would send): its
 * token, and the subject into `subject`. */
static void queued_reset(const bson_oid_t *user, char token[44], char subject[64])
{
	bson_t *f = BCON_NEW("user_id", BCON_OID(user), "channel", BCON_UTF8("email"));
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("notifications"), f, NULL, NULL);
	const bson_t *doc;
	assert_true(mongoc_cursor_next(cur, &doc));
	bson_iter_t it;
	assert_true(bson_iter_init_find(&it, doc, "body"));
	const char *at = strstr(bson_iter_utf8(&it, NULL), "token=");
	assert_non_null(at);
	snprintf(token, 44, "%.43s", at + 6);
	assert_true(bson_iter_init_find(&it, doc, "title"));
	snprintf(subject, 64, "%s", bson_iter_utf8(&it, NULL));
	mongoc_cursor_destroy(cur);
	bson_destroy(f);
}

/* An account made for someone without a password (Open311 intake) cannot sign in; the
 * reset link claims it: the person sets a first password and signs in with it. */
static void passwordless_account_is_claimed_by_reset(void **state)
{
	(void)state;
	char id[25];
	make_user("claim@example.com", "citizen", id);
	bson_oid_t oid;
	assert_true(db_parse_oid(id, &oid));
	bson_t *q = BCON_NEW("_id", BCON_OID(&oid));
	bson_t *u = BCON_NEW("$unset", "{", "password_hash", BCON_UTF8(""), "}");
	bson_error_t err;
	assert_true(mongoc_collection_update_one(db_coll("users"), q, u, NULL, NULL, &err));
	bson_destroy(q);
	bson_destroy(u);
	session_cache_reset();
	assert_int_equal(login("claim@example.com", PW), 401);
	assert_int_equal(login("claim@example.com", ""), 422);
	assert_int_equal(call("POST", "/api/auth/password-reset", NULL, NULL,
			      "{\"email\":\"claim@example.com\"}"),
			 202);
	char token[44], subject[64], body[256];
	queued_reset(&oid, token, subject);
	assert_string_equal(subject, "Set your SWMRA password");
	snprintf(body, sizeof(body), "{\"token\":\"%s\",\"new_password\":\"First-Passw0rd\"}",
		 token);
	assert_int_equal(call("POST", "/api/auth/password-reset/confirm", NULL, NULL, body), 204);
	assert_int_equal(login("claim@example.com", "First-Passw0rd"), 200);
	/* the link worked once */
	assert_int_equal(call("POST", "/api/auth/password-reset/confirm", NULL, NULL, body), 400);
}

/* The domain's login and registration (domain/auth_login.h) without the handlers: each
 * result, what a signed-in client receives, and that a refusal issues nothing. */
static void domain_login_results(void **state)
{
	(void)state;
	struct auth_register_input ri = {.name = "Dom",
					 .email = "dom@example.com",
					 .phone = "1234567",
					 .password = PW,
					 .user_agent =
					     "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"};
	struct user u = {0};
	struct auth_signed_in s = {0};
	struct derr err;
	assert_int_equal(auth_register(&ri, &u, &s, &err), AUTH_REGISTER_OK);
	assert_string_equal(u.role, "citizen");
	assert_non_null(s.access_token);
	assert_true(s.device_cookie[0] && s.refresh_token[0] && s.refresh_max_age > 0);
	users_clear(&u);
	auth_signed_in_clear(&s);
	assert_int_equal(auth_register(&ri, &u, &s, &err), AUTH_REGISTER_EMAIL_TAKEN);
	assert_null(s.access_token);
	users_clear(&u);

	struct auth_login_input li = {
	    .email = "  DOM@example.com ", .password = "wrong-pass", .ip = "127.0.0.1"};
	int64_t wait = 0;
	assert_int_equal(auth_login(&li, &u, &s, &wait, &err), AUTH_LOGIN_INVALID_CREDENTIALS);
	assert_true(!s.device_cookie[0] && !s.refresh_token[0] && !s.access_token);
	users_clear(&u);
	li.password = PW;
	assert_int_equal(auth_login(&li, &u, &s, &wait, &err), AUTH_LOGIN_OK);
	assert_string_equal(u.email, "dom@example.com");
	assert_null(u.password_hash); /* not handed out with the account */
	assert_non_null(s.access_token);
	struct auth_claims cl;
	assert_true(auth_verify_token(s.access_token, &cl, NULL));
	assert_string_equal(cl.sub, u.id);
	struct user_patch p = {.set_disabled = true, .disabled = true};
	struct derr be;
	struct oid uid;
	assert_true(oid_parse(u.id, &uid));
	assert_int_equal(users_update(&uid, &p, &be), USERS_OK);
	users_clear(&u);
	auth_signed_in_clear(&s);
	assert_int_equal(auth_login(&li, &u, &s, &wait, &err), AUTH_LOGIN_DISABLED);
	assert_null(s.access_token);
	users_clear(&u);

	/* LOGIN_MAX_FAILURES = 3: the fourth attempt waits, whatever the password */
	li.email = "dom.ghost@example.com";
	li.password = "wrong-pass";
	for (int i = 0; i < 3; i++) {
		assert_int_equal(auth_login(&li, &u, &s, &wait, &err),
				 AUTH_LOGIN_INVALID_CREDENTIALS);
		users_clear(&u);
	}
	assert_int_equal(auth_login(&li, &u, &s, &wait, &err), AUTH_LOGIN_THROTTLED);
	assert_true(wait >= 1);
	users_clear(&u);
	auth_signed_in_clear(&s);
}

int main(void)
{
	if (!itu_have_mongo())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(register_and_me),
	    cmocka_unit_test(register_bad_inputs_change_nothing),
	    cmocka_unit_test(register_duplicate_is_409),
	    cmocka_unit_test(registration_race_makes_one_account),
	    cmocka_unit_test(login_ok_and_uniform_failures),
	    cmocka_unit_test(guard_refuses_bad_tokens),
	    cmocka_unit_test(patch_me),
	    cmocka_unit_test(change_password),
	    cmocka_unit_test(logout_revokes_this_token_only),
	    cmocka_unit_test(admin_routes),
	    cmocka_unit_test(login_backoff),
	    cmocka_unit_test(device_cookie_defeats_targeted_lockout),
	    cmocka_unit_test(purge_queries),
	    cmocka_unit_test(passwordless_account_is_claimed_by_reset),
	    cmocka_unit_test(domain_login_results),
	    cmocka_unit_test(database_down_is_503),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
