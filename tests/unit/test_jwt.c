/* Token, password and input rules of the auth module, without a database: every way a
 * JWT can be wrong (libjwt 1.10 checks none of exp/iat/iss and accepts other HS
 * algorithms), Argon2id hashing, the backoff window, email/phone rules. */
#include "testutil.h"

#include <jwt.h>
#include <sodium.h>
#include <time.h>
#include <unistd.h>

#include "domain/auth.h"
#include "domain/users.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/jwt_keys.h"

#define OID "64b7f0c2a1b2c3d4e5f60718"

struct spec {
	jwt_alg_t alg;
	const char *key; /* NULL: the configured secret */
	const char *sub, *iss, *jti, *role;
	long iat, exp, nbf; /* 0: omitted */
	bool exp_as_string;
};

static struct spec good(void)
{
	long now = (long)time(NULL);
	struct spec s = {JWT_ALG_HS256, NULL, OID,	 "swmra", "abc123",
			 "citizen",	now,  now + 600, 0,	  false};
	return s;
}

static char *make(const struct spec *s)
{
	jwt_t *j;
	assert_int_equal(jwt_new(&j), 0);
	if (s->sub)
		jwt_add_grant(j, "sub", s->sub);
	if (s->iss)
		jwt_add_grant(j, "iss", s->iss);
	if (s->jti)
		jwt_add_grant(j, "jti", s->jti);
	if (s->role)
		jwt_add_grant(j, "role", s->role);
	if (s->iat)
		jwt_add_grant_int(j, "iat", s->iat);
	if (s->exp_as_string) {
		char b[32];
		snprintf(b, sizeof(b), "%ld", s->exp);
		jwt_add_grant(j, "exp", b);
	} else if (s->exp) {
		jwt_add_grant_int(j, "exp", s->exp);
	}
	if (s->nbf)
		jwt_add_grant_int(j, "nbf", s->nbf);
	const char *key = s->key ? s->key : config_get()->jwt_secret;
	if (s->alg == JWT_ALG_NONE)
		assert_int_equal(jwt_set_alg(j, JWT_ALG_NONE, NULL, 0), 0);
	else
		assert_int_equal(
		    jwt_set_alg(j, s->alg, (const unsigned char *)key, (int)strlen(key)), 0);
	char *t = jwt_encode_str(j);
	jwt_free(j);
	assert_non_null(t);
	return t;
}

static bool verify(const struct spec *s, const char **why)
{
	char *t = make(s);
	struct auth_claims c;
	bool ok = auth_verify_token(t, &c, why);
	free(t);
	return ok;
}

static void refused(const struct spec *s, const char *expect_why)
{
	const char *why = NULL;
	assert_false(verify(s, &why));
	assert_non_null(why);
	if (expect_why)
		assert_string_equal(why, expect_why);
}

static void issued_token_verifies(void **state)
{
	(void)state;
	struct auth_claims in, out;
	char *t = auth_issue_token(OID, "staff", &in);
	assert_non_null(t);
	const char *why = NULL;
	assert_true(auth_verify_token(t, &out, &why));
	assert_string_equal(out.sub, OID);
	assert_string_equal(out.role, "staff");
	assert_string_equal(out.jti, in.jti);
	assert_int_equal(strlen(out.jti), 32);
	assert_int_equal(out.exp, in.exp);
	assert_int_equal(out.exp - out.iat, config_get()->jwt_expire_min * 60);
	/* jti is random per token */
	struct auth_claims in2;
	char *t2 = auth_issue_token(OID, "staff", &in2);
	assert_string_not_equal(in.jti, in2.jti);
	/* the token really is HS256 with our issuer */
	jwt_t *j;
	const char *k = config_get()->jwt_secret;
	assert_int_equal(jwt_decode(&j, t, (const unsigned char *)k, (int)strlen(k)), 0);
	assert_int_equal(jwt_get_alg(j), JWT_ALG_HS256);
	assert_string_equal(jwt_get_grant(j, "iss"), config_get()->jwt_issuer);
	jwt_free(j);
	free(t);
	free(t2);
}

static void hand_made_good_token_verifies(void **state)
{
	(void)state;
	struct spec s = good();
	assert_true(verify(&s, NULL));
	/* uppercase hex sub is accepted and normalized */
	s.sub = "64B7F0C2A1B2C3D4E5F60718";
	char *t = make(&s);
	struct auth_claims c;
	assert_true(auth_verify_token(t, &c, NULL));
	assert_string_equal(c.sub, OID);
	free(t);
}

static void expired(void **state)
{
	(void)state;
	struct spec s = good();
	s.iat -= 4000;
	s.exp = (long)time(NULL) - 1;
	refused(&s, "expired");
	/* exactly now is expired too */
	char *t = make(&s);
	assert_false(auth_verify_token_at(t, s.exp, NULL, NULL));
	assert_true(auth_verify_token_at(t, s.exp - 1, NULL, NULL));
	free(t);
}

static void exp_missing_or_not_a_number(void **state)
{
	(void)state;
	struct spec s = good();
	s.exp = 0;
	refused(&s, "exp missing");
	s = good();
	s.exp_as_string = true;
	refused(&s, "exp missing");
}

static void issued_in_the_future(void **state)
{
	(void)state;
	struct spec s = good();
	s.iat = (long)time(NULL) + AUTH_CLOCK_LEEWAY_SEC + 60;
	s.exp = s.iat + 600;
	refused(&s, "issued in the future");
	/* within the leeway: accepted (clock skew) */
	s.iat = (long)time(NULL) + AUTH_CLOCK_LEEWAY_SEC - 10;
	assert_true(verify(&s, NULL));
	s = good();
	s.iat = 0;
	refused(&s, "iat missing");
	s = good();
	s.nbf = (long)time(NULL) + 3600;
	refused(&s, "not yet valid");
}

static void wrong_issuer(void **state)
{
	(void)state;
	struct spec s = good();
	s.iss = "someone-else";
	refused(&s, "wrong issuer");
	s.iss = NULL;
	refused(&s, "wrong issuer");
	s.iss = "";
	refused(&s, "wrong issuer");
}

static void alg_none_refused(void **state)
{
	(void)state;
	struct spec s = good();
	s.alg = JWT_ALG_NONE;
	refused(&s, NULL);
	/* also a hand-made unsigned token with a trailing dot and with a fake signature */
	char *t = make(&s);
	char buf[2048];
	snprintf(buf, sizeof(buf), "%sAAAA", t);
	assert_false(auth_verify_token(t, NULL, NULL));
	assert_false(auth_verify_token(buf, NULL, NULL));
	free(t);
}

static void other_hs_algorithms_with_same_key_refused(void **state)
{
	(void)state;
	struct spec s = good();
	s.alg = JWT_ALG_HS512;
	refused(&s, "algorithm is not HS256");
	s.alg = JWT_ALG_HS384;
	refused(&s, "algorithm is not HS256");
}

/* A token signed with our key whose header says alg `alg` (built by hand: libjwt writes
 * its own spelling). */
static char *signed_with_alg(const char *alg)
{
	char head[64], body[256], tok[1024];
	long now = (long)time(NULL);
	snprintf(head, sizeof(head), "{\"alg\":\"%s\",\"typ\":\"JWT\"}", alg);
	snprintf(body, sizeof(body),
		 "{\"sub\":\"" OID "\",\"iss\":\"swmra\",\"jti\":\"abc123\",\"iat\":%ld,"
		 "\"exp\":%ld}",
		 now, now + 600);
	const int v = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
	sodium_bin2base64(tok, sizeof(tok), (const unsigned char *)head, strlen(head), v);
	size_t n = strlen(tok);
	tok[n++] = '.';
	sodium_bin2base64(tok + n, sizeof(tok) - n, (const unsigned char *)body, strlen(body), v);
	n = strlen(tok);
	const char *key = config_get()->jwt_secret;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)tok, n);
	crypto_auth_hmacsha256_final(&st, mac);
	tok[n++] = '.';
	sodium_bin2base64(tok + n, sizeof(tok) - n, mac, sizeof(mac), v);
	return strdup(tok);
}

/* Fuzzer finding: libjwt compares the alg name case-insensitively, so "Hs256" or "hs256"
 * passed the "alg exactly HS256" check (still only with our key). */
static void alg_name_is_case_sensitive(void **state)
{
	(void)state;
	char *t = signed_with_alg("HS256");
	assert_true(auth_verify_token(t, NULL, NULL));
	free(t);
	const char *bad[] = {"Hs256", "hs256", "HS256 "};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		t = signed_with_alg(bad[i]);
		assert_false(auth_verify_token(t, NULL, &why));
		free(t);
	}
}

static void other_key_refused(void **state)
{
	(void)state;
	struct spec s = good();
	s.key = "another-secret-of-enough-length!";
	refused(&s, "malformed or bad signature");
}

static void tampered(void **state)
{
	(void)state;
	struct spec s = good();
	char *t = make(&s);
	/* flip one character of the signature */
	char *sig = strrchr(t, '.') + 1;
	sig[3] = sig[3] == 'A' ? 'B' : 'A';
	assert_false(auth_verify_token(t, NULL, NULL));
	free(t);
	/* payload of an admin token with the signature of a citizen token */
	struct spec a = good();
	a.role = "admin";
	char *ta = make(&a), *tc = make(&s);
	char buf[4096];
	const char *dot1 = strchr(ta, '.'), *dot2 = strrchr(ta, '.');
	snprintf(buf, sizeof(buf), "%.*s%s", (int)(dot2 - ta), ta, strrchr(tc, '.'));
	(void)dot1;
	assert_false(auth_verify_token(buf, NULL, NULL));
	free(ta);
	free(tc);
}

static void bad_sub(void **state)
{
	(void)state;
	struct spec s = good();
	s.sub = NULL;
	refused(&s, "sub is not an ObjectId");
	s.sub = "42";
	refused(&s, "sub is not an ObjectId");
	s.sub = "zzzzzzzzzzzzzzzzzzzzzzzz";
	refused(&s, "sub is not an ObjectId");
	s.sub = OID "0";
	refused(&s, "sub is not an ObjectId");
}

static void missing_or_bad_jti(void **state)
{
	(void)state;
	struct spec s = good();
	s.jti = NULL;
	refused(&s, "jti missing");
	s.jti = "";
	refused(&s, "jti missing");
	s.jti = "has space";
	refused(&s, "jti missing");
	char longj[100];
	memset(longj, 'a', 99);
	longj[99] = '\0';
	s.jti = longj;
	refused(&s, "jti missing");
}

static void garbage(void **state)
{
	(void)state;
	const char *bad[] = {"",
			     "abc",
			     "a.b.c",
			     "..",
			     "...",
			     "Bearer x",
			     "eyJ.eyJ.sig",
			     "eyJhbGciOiJIUzI1NiJ9..",
			     "\xff\xfe.\x01.\x02"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(auth_verify_token(bad[i], NULL, NULL));
	assert_false(auth_verify_token(NULL, NULL, NULL));
	char *huge = malloc(20000);
	memset(huge, 'a', 19999);
	huge[19999] = '\0';
	assert_false(auth_verify_token(huge, NULL, NULL));
	free(huge);
}

static void passwords(void **state)
{
	(void)state;
	char *h = auth_hash_password("Passw0rd!");
	assert_non_null(h);
	assert_memory_equal(h, "$argon2id$", 10);
	assert_true(auth_verify_password(h, "Passw0rd!"));
	assert_false(auth_verify_password(h, "Passw0rd?"));
	assert_false(auth_verify_password(h, ""));
	assert_false(auth_verify_password(NULL, "Passw0rd!"));
	assert_false(auth_verify_password("$2b$12$notargon", "Passw0rd!"));
	assert_false(auth_verify_dummy("Passw0rd!"));
	assert_false(auth_needs_rehash(h));
	/* two hashes of one password differ (salt) */
	char *h2 = auth_hash_password("Passw0rd!");
	assert_string_not_equal(h, h2);
	/* a cost change asks for a rehash */
	setenv("ARGON2_OPSLIMIT", "2", 1);
	char err[256];
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	assert_true(auth_needs_rehash(h));
	assert_true(auth_verify_password(h, "Passw0rd!"));
	setenv("ARGON2_OPSLIMIT", "1", 1);
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	free(h);
	free(h2);
}

static void backoff_window(void **state)
{
	(void)state;
	setenv("LOGIN_MAX_FAILURES", "5", 1);
	setenv("LOGIN_BACKOFF_MAX_SEC", "900", 1);
	char err[256];
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	assert_int_equal(auth_backoff_window(0), 0);
	assert_int_equal(auth_backoff_window(4), 0);
	assert_int_equal(auth_backoff_window(5), 30);
	assert_int_equal(auth_backoff_window(6), 60);
	assert_int_equal(auth_backoff_window(9), 480);
	assert_int_equal(auth_backoff_window(10), 900);
	assert_int_equal(auth_backoff_window(1000000), 900); /* capped, no overflow */
	setenv("LOGIN_BACKOFF_MAX_SEC", "10", 1);
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	assert_int_equal(auth_backoff_window(5), 10);
}

/* Device cookies (login throttling): only an unaltered, unexpired cookie of the very
 * account is trusted; anything else, however close, is not. */
static void device_cookies(void **state)
{
	(void)state;
	char err[256];
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	int64_t now = (int64_t)time(NULL);
	char c[AUTH_DEVICE_COOKIE_MAX], c2[AUTH_DEVICE_COOKIE_MAX], id[AUTH_DEVICE_ID_LEN + 1];
	assert_true(auth_device_issue(OID, now, c));
	assert_true(auth_device_issue(OID, now, c2));
	assert_string_not_equal(c, c2); /* a new device id each time */
	assert_true(auth_device_verify(c, OID, now, id));
	assert_int_equal(strlen(id), AUTH_DEVICE_ID_LEN);
	assert_memory_equal(id, c + 25, AUTH_DEVICE_ID_LEN);
	assert_true(auth_device_verify(c, OID, now + AUTH_DEVICE_MAX_AGE_SEC - 1, id));
	assert_false(auth_device_verify(c, OID, now + AUTH_DEVICE_MAX_AGE_SEC, id)); /* expired */
	assert_false(auth_device_verify(c, "64b7f0c2a1b2c3d4e5f60719", now, id)); /* other user */
	assert_false(auth_device_verify(c, NULL, now, id));			  /* no account */
	assert_false(auth_device_verify(NULL, OID, now, id));
	/* every single character changed, and the cookie cut or lengthened */
	size_t n = strlen(c);
	for (size_t i = 0; i < n; i++) {
		char t[AUTH_DEVICE_COOKIE_MAX];
		strcpy(t, c);
		t[i] = t[i] == '0' ? '1' : t[i] == '.' ? '-' : '0';
		if (auth_device_verify(t, OID, now, id))
			fail_msg("altered at %zu: %s", i, t);
		strcpy(t, c);
		t[i] = '\0';
		assert_false(auth_device_verify(t, OID, now, id));
	}
	char longer[AUTH_DEVICE_COOKIE_MAX + 8];
	snprintf(longer, sizeof(longer), "%s0", c);
	assert_false(auth_device_verify(longer, OID, now, id));
	snprintf(longer, sizeof(longer), "0%s", c);
	assert_false(auth_device_verify(longer, OID, now, id));
	/* upper-case hex is not how we write it */
	char up[AUTH_DEVICE_COOKIE_MAX];
	strcpy(up, c);
	for (char *p = up + n - 64; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	assert_false(auth_device_verify(up, OID, now, id));
	/* signed with another secret */
	setenv("JWT_SECRET", "another-secret-another-secret-0123", 1);
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	assert_false(auth_device_verify(c, OID, now, id));
	unsetenv("JWT_SECRET");
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	assert_true(auth_device_verify(c, OID, now, id));
}

/* ---- the key ring (JWT_KEYS, JWT_KEYS_FILE, kid) ---- */

#define KEY_OLD "old-key-old-key-old-key-old-key-0001"
#define KEY_NEW "new-key-new-key-new-key-new-key-0002"

static void use_keys(const char *keys)
{
	char err[256];
	if (keys)
		setenv("JWT_KEYS", keys, 1);
	else
		unsetenv("JWT_KEYS");
	if (config_load("", err, sizeof(err)) < 0)
		fail_msg("config: %s", err);
}

static const char *kid_of(const char *tok, char *buf, size_t n)
{
	jwt_t *j = NULL;
	assert_int_equal(jwt_decode(&j, tok, NULL, 0), 0);
	const char *k = jwt_get_header(j, "kid");
	snprintf(buf, n, "%s", k ? k : "");
	jwt_free(j);
	return buf;
}

static void key_rotation(void **state)
{
	(void)state;
	char kid[40];
	use_keys("old:" KEY_OLD);
	char *a = auth_issue_token_after(OID, "citizen", 0, NULL);
	assert_string_equal(kid_of(a, kid, sizeof(kid)), "old");
	/* step 1: a new current key, the old one still verifies */
	use_keys("new:" KEY_NEW ",old:" KEY_OLD);
	char *b = auth_issue_token_after(OID, "citizen", 0, NULL);
	assert_string_equal(kid_of(b, kid, sizeof(kid)), "new");
	assert_true(auth_verify_token(a, NULL, NULL));
	assert_true(auth_verify_token(b, NULL, NULL));
	/* a kid the ring does not know (renamed): every key is tried */
	use_keys("new:" KEY_NEW ",renamed:" KEY_OLD);
	assert_true(auth_verify_token(a, NULL, NULL));
	/* step 2: the old key removed */
	use_keys("new:" KEY_NEW);
	assert_false(auth_verify_token(a, NULL, NULL));
	assert_true(auth_verify_token(b, NULL, NULL));
	/* a token without kid (signed before kids existed) verifies with a key of the ring */
	struct spec s = good();
	s.key = KEY_NEW;
	char *c = make(&s);
	assert_true(auth_verify_token(c, NULL, NULL));
	/* a kid naming one key does not let another key's signature through */
	use_keys("new:" KEY_NEW ",old:" KEY_OLD);
	jwt_t *j = NULL;
	assert_int_equal(jwt_new(&j), 0);
	jwt_add_grant(j, "sub", OID);
	jwt_add_grant(j, "iss", "swmra");
	jwt_add_grant(j, "jti", "abc");
	jwt_add_grant_int(j, "iat", (long)time(NULL));
	jwt_add_grant_int(j, "exp", (long)time(NULL) + 600);
	jwt_add_header(j, "kid", "new");
	jwt_set_alg(j, JWT_ALG_HS256, (const unsigned char *)KEY_OLD, (int)strlen(KEY_OLD));
	char *d = jwt_encode_str(j);
	jwt_free(j);
	assert_false(auth_verify_token(d, NULL, NULL));
	/* device cookies issued under the old key stay known after the rotation */
	use_keys("old:" KEY_OLD);
	char cookie[AUTH_DEVICE_COOKIE_MAX], id[AUTH_DEVICE_ID_LEN + 1];
	int64_t now = (int64_t)time(NULL);
	assert_true(auth_device_issue(OID, now, cookie));
	use_keys("new:" KEY_NEW ",old:" KEY_OLD);
	assert_true(auth_device_verify(cookie, OID, now, id));
	use_keys(NULL);
	free(a);
	free(b);
	free(c);
	free(d);
}

static void key_ring_rules(void **state)
{
	(void)state;
	char err[256];
	/* JWT_SECRET alone: one key whose kid is derived from it */
	use_keys(NULL);
	const struct jwt_ring *r = jwt_keys();
	assert_int_equal(r->n, 1);
	assert_int_equal(strlen(r->keys[0].kid), 9);
	assert_int_equal(r->keys[0].kid[0], 'k');
	static const char *const bad[] = {"no-colon-here",
					  "bad kid!:" KEY_OLD,
					  "a:" KEY_OLD ",a:" KEY_NEW,
					  "short:0123456789",
					  ":" KEY_OLD,
					  "a:1,b:2",
					  "a:" KEY_OLD ",b:" KEY_OLD ",c:" KEY_OLD ",d:" KEY_OLD
					  ",e:" KEY_OLD ",f:" KEY_OLD ",g:" KEY_OLD ",h:" KEY_OLD
					  ",i:" KEY_OLD};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("JWT_KEYS", bad[i], 1);
		if (config_load("", err, sizeof(err)) == 0)
			fail_msg("accepted JWT_KEYS=%s", bad[i]);
		assert_non_null(strstr(err, "JWT_KEYS"));
	}
	/* production: the development secret and short keys are refused in a ring too */
	setenv("APP_ENV", "production", 1);
	setenv("UPLOAD_LINK_SECRET", "0123456789abcdef0123456789abcdef-prod", 1);
	setenv("JWT_KEYS", "a:" CONFIG_DEV_JWT_SECRET, 1);
	assert_int_equal(config_load("", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "development default"));
	setenv("JWT_KEYS", "a:0123456789abcdef0123", 1);
	assert_int_equal(config_load("", err, sizeof(err)), -1);
	setenv("JWT_KEYS", "a:" KEY_NEW ",b:" KEY_OLD, 1);
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	unsetenv("APP_ENV");
	unsetenv("UPLOAD_LINK_SECRET");
	/* a keys file wins over JWT_KEYS; comments and blank lines are skipped; it is re-read at
	 * each load */
	char path[] = "/tmp/swmra-jwt-keys-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char text[] = "# rotated 2026-12-06\nfile-new:" KEY_NEW "\n\nfile-old:" KEY_OLD "\n";
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	setenv("JWT_KEYS_FILE", path, 1);
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	r = jwt_keys();
	assert_int_equal(r->n, 2);
	assert_string_equal(r->keys[0].kid, "file-new");
	assert_string_equal(r->keys[1].secret, KEY_OLD);
	unlink(path);
	assert_int_equal(config_load("", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "JWT_KEYS_FILE"));
	unsetenv("JWT_KEYS_FILE");
	use_keys(NULL);
}

static void emails_and_phones(void **state)
{
	(void)state;
	char out[300];
	assert_true(users_normalize_email("  Aditi@Example.COM \t", out, sizeof(out)));
	assert_string_equal(out, "aditi@example.com");
	assert_false(users_normalize_email("abc", out, 3));
	const char *ok[] = {"a@b.co", "first.last+tag@sub.example.org", "x_y-z@ex-ample.in"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_true(users_email_valid(ok[i]));
	const char *bad[] = {
	    "",	       "a",	   "a@",      "@b.co",	 "a@b",	      "a@b.c",
	    "a@@b.co", "a b@c.co", ".a@b.co", "a.@b.co", "a..b@c.co", "a@-b.co",
	    "a@b-.co", "a@b..co",  "a@b.co.", "a@b.c0m", "a@b_c.com", "a@b.co<script>"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (users_email_valid(bad[i]))
			fail_msg("accepted %s", bad[i]);
	}
	assert_true(users_phone_valid("+91 98765 43210"));
	assert_true(users_phone_valid("(080) 123-4567"));
	assert_true(users_phone_valid("1234567"));
	assert_false(users_phone_valid("123456"));
	assert_false(users_phone_valid("123456789012345678901"));
	assert_false(users_phone_valid("12345x7"));
	assert_false(users_phone_valid("+-() +-()"));
	assert_true(users_role_valid("staff"));
	assert_false(users_role_valid("root"));
	assert_false(users_role_valid(NULL));
	char *e = db_regex_escape("a.b*(c)[d]^$|?+{}\\");
	assert_string_equal(e, "a\\.b\\*\\(c\\)\\[d\\]\\^\\$\\|\\?\\+\\{\\}\\\\");
	free(e);
}

int main(void)
{
	setenv("ARGON2_OPSLIMIT", "1", 1);
	setenv("ARGON2_MEMLIMIT_KIB", "64", 1);
	unsetenv("JWT_ISSUER");
	unsetenv("JWT_SECRET");
	unsetenv("JWT_KEYS");
	unsetenv("JWT_KEYS_FILE");
	char err[256];
	if (config_load("", err, sizeof(err)) < 0) {
		fprintf(stderr, "config: %s\n", err);
		return 1;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(issued_token_verifies),
	    cmocka_unit_test(hand_made_good_token_verifies),
	    cmocka_unit_test(expired),
	    cmocka_unit_test(exp_missing_or_not_a_number),
	    cmocka_unit_test(issued_in_the_future),
	    cmocka_unit_test(wrong_issuer),
	    cmocka_unit_test(alg_none_refused),
	    cmocka_unit_test(other_hs_algorithms_with_same_key_refused),
	    cmocka_unit_test(alg_name_is_case_sensitive),
	    cmocka_unit_test(other_key_refused),
	    cmocka_unit_test(tampered),
	    cmocka_unit_test(bad_sub),
	    cmocka_unit_test(missing_or_bad_jti),
	    cmocka_unit_test(garbage),
	    cmocka_unit_test(passwords),
	    cmocka_unit_test(backoff_window),
	    cmocka_unit_test(device_cookies),
	    cmocka_unit_test(emails_and_phones),
	    cmocka_unit_test(key_rotation),
	    cmocka_unit_test(key_ring_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
