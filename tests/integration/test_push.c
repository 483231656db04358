/* Web push end to end against a real FerretDB/MongoDB (SWMRA_TEST_MONGO_URI) and a fake
 * push service: a forked HTTP server on 127.0.0.1 (APP_ENV=test allows http loopback
 * endpoints) that stores every request it gets and answers the status the test writes
 * into a file. The test plays the browser: it makes the subscription key pair and auth
 * secret, subscribes through the API, and decrypts what arrived with its private key.
 *
 * Covered: GET /api/push/vapid-public-key (enabled / {"enabled": false}); subscription
 * validation (endpoint scheme and length, p256dh 65 bytes 0x04 on the curve, auth 16
 * bytes, unknown fields), 201, unique per endpoint (re-subscribe and takeover), DELETE
 * 204 own only; notify_event queues one push per subscription; the dispatcher's request
 * (TTL, Urgency, Content-Encoding, VAPID JWT signature, aud = endpoint origin, exp within
 * 24 h, k = the configured key) and the decrypted JSON equal to the in-app notification;
 * 500 → retried with backoff then sent; 410 → failed and the subscription deleted. */
#define _GNU_SOURCE /* strcasestr */
#include "itutil.h"

#include <netinet/in.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "domain/auth.h"
#include "domain/internal/notify_store.h"
#include "domain/internal/users_store.h"
#include "infra/b64url.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/job.h"
#include "infra/runtime.h"
#include "infra/timeutil.h"
#include "infra/webpush.h"

static char workdir[128], status_file[160];
static pid_t push_pid;
static int push_port;
static char vapid_pub[96], vapid_priv[48];

/* ---------------------------------------------------------------- fake push service */

static int read_status(void)
{
	FILE *f = fopen(status_file, "r");
	int s = 201;
	if (f) {
		if (fscanf(f, "%d", &s) != 1)
			s = 201;
		fclose(f);
	}
	return s;
}

/* Each request goes to <workdir>/req-<n> (raw headers and body). */
static void serve(int fd)
{
	for (int seq = 1;; seq++) {
		int c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		static char buf[65536];
		size_t n = 0;
		long clen = -1;
		char *hend = NULL;
		while (n < sizeof(buf) - 1) {
			ssize_t r = read(c, buf + n, sizeof(buf) - 1 - n);
			if (r <= 0)
				break;
			n += (size_t)r;
			buf[n] = '\0';
			if (!hend && (hend = strstr(buf, "\r\n\r\n"))) {
				char *cl = strcasestr(buf, "\r\nContent-Length:");
				clen = cl && cl < hend ? strtol(cl + 17, NULL, 10) : 0;
			}
			if (hend && (long)(n - (size_t)(hend + 4 - buf)) >= clen)
				break;
		}
		char path[200];
		snprintf(path, sizeof(path), "%s/req-%d", workdir, seq);
		FILE *f = fopen(path, "wb");
		if (f) {
			fwrite(buf, 1, n, f);
			fclose(f);
		}
		int st = read_status();
		char resp[256];
		int rl =
		    snprintf(resp, sizeof(resp),
			     "HTTP/1.1 %d X\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
			     "Connection: close\r\n\r\nok",
			     st);
		if (write(c, resp, (size_t)rl) < 0)
			perror("write");
		close(c);
	}
}

static void set_status(int s)
{
	FILE *f = fopen(status_file, "w");
	assert_non_null(f);
	fprintf(f, "%d\n", s);
	fclose(f);
}

/* Number of requests received so far. */
static int requests_seen(void)
{
	int n = 0;
	char p[200];
	for (;; n++) {
		snprintf(p, sizeof(p), "%s/req-%d", workdir, n + 1);
		if (access(p, F_OK) != 0)
			return n;
	}
}

struct captured {
	char *raw;
	size_t len;
	char *headers; /* NUL-terminated header block */
	const uint8_t *body;
	size_t body_len;
};

static void capture(int seq, struct captured *c)
{
	char p[200];
	snprintf(p, sizeof(p), "%s/req-%d", workdir, seq);
	FILE *f = fopen(p, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	c->len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	c->raw = malloc(c->len + 1);
	assert_int_equal(fread(c->raw, 1, c->len, f), c->len);
	c->raw[c->len] = '\0';
	fclose(f);
	char *e = strstr(c->raw, "\r\n\r\n");
	assert_non_null(e);
	c->headers = strndup(c->raw, (size_t)(e - c->raw) + 2);
	c->body = (const uint8_t *)e + 4;
	c->body_len = c->len - (size_t)(e + 4 - c->raw);
}

static void captured_free(struct captured *c)
{
	free(c->raw);
	free(c->headers);
}

/* The value of header `name` (copied into out). */
static bool header(const struct captured *c, const char *name, char *out, size_t outlen)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\r\n%s:", name);
	const char *h = strcasestr(c->headers, pat);
	if (!h)
		return false;
	h += strlen(pat);
	while (*h == ' ')
		h++;
	size_t l = strcspn(h, "\r\n");
	snprintf(out, outlen, "%.*s", (int)l, h);
	return true;
}

/* ---------------------------------------------------------------- helpers */

static void make_user(const char *email, bson_oid_t *oid, char hex[25])
{
	itu_make_user("Asha Rao", email, NULL, "x", "citizen", oid, hex);
}

static int api(const char *method, const char *path, const char *auth, const char *body,
	       struct call *c)
{
	call_begin(c, method, path, NULL, body);
	if (auth)
		c->req.authorization = auth;
	return call_run(c, api_routes, api_routes_count);
}

static void event(const bson_oid_t *uid, const char *ev, const char *rid)
{
	json_object *d = json_object_new_object();
	json_object_object_add(d, "request_id", json_object_new_string(rid));
	json_object_object_add(d, "category", json_object_new_string("recyclable"));
	bson_error_t err;
	assert_true(notify_event(uid, ev, d, &err));
	json_object_put(d);
}

/* The browser's side of a subscription. */
struct browser {
	uint8_t priv[32], pub[65], auth[16];
	char p256dh[96], auth64[32], endpoint[128];
};

static void browser_new(struct browser *b, const char *path)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(pk);
	size_t len = 0;
	assert_int_equal(
	    EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, b->pub, 65, &len), 1);
	BIGNUM *d = NULL;
	assert_int_equal(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &d), 1);
	assert_int_equal(BN_bn2binpad(d, b->priv, 32), 32);
	BN_free(d);
	EVP_PKEY_free(pk);
	assert_int_equal(RAND_bytes(b->auth, 16), 1);
	char *s = b64url_encode(b->pub, 65);
	snprintf(b->p256dh, sizeof(b->p256dh), "%s", s);
	free(s);
	s = b64url_encode(b->auth, 16);
	snprintf(b->auth64, sizeof(b->auth64), "%s", s);
	free(s);
	snprintf(b->endpoint, sizeof(b->endpoint), "http://127.0.0.1:%d%s", push_port, path);
}

static char *sub_body(const struct browser *b)
{
	char *s = NULL;
	assert_true(asprintf(&s,
			     "{\"endpoint\":\"%s\",\"expirationTime\":null,"
			     "\"keys\":{\"p256dh\":\"%s\",\"auth\":\"%s\"}}",
			     b->endpoint, b->p256dh, b->auth64) > 0);
	return s;
}

static void subscribe(const struct browser *b, const char *auth)
{
	struct call c;
	char *body = sub_body(b);
	assert_int_equal(api("POST", "/api/push/subscriptions", auth, body, &c), 201);
	call_end(&c);
	free(body);
}

/* ---------------------------------------------------------------- setup */

static int setup(void **state)
{
	(void)state;
	snprintf(workdir, sizeof(workdir), "/tmp/swmra-push-it-%ld", (long)getpid());
	mkdir(workdir, 0700);
	snprintf(status_file, sizeof(status_file), "%s/status", workdir);
	char sock[200];
	snprintf(sock, sizeof(sock), "%s/no-nchan.sock", workdir); /* live publish: only logged */
	itu_db_env("push");
	setenv("NCHAN_PUB_SOCKET", sock, 1);
	setenv("APP_ENV", "test", 1);
	/* The dispatcher also meets the fixture users' email notifications: point SMTP at a
	 * closed port so a developer's dev mail sink (127.0.0.1:1025) never receives them. */
	setenv("SMTP_HOST", "127.0.0.1", 1);
	setenv("SMTP_PORT", "1", 1);
	setenv("LOG_LEVEL", "error", 1);
	itu_cheap_argon2("8");
	if (webpush_keygen(vapid_pub, vapid_priv) < 0)
		return -1;
	setenv("ENABLE_PUSH", "true", 1);
	setenv("VAPID_PUBLIC_KEY", vapid_pub, 1);
	setenv("VAPID_PRIVATE_KEY", vapid_priv, 1);
	setenv("VAPID_SUBJECT", "mailto:ops@swmra.test", 1);

	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 16) != 0)
		return -1;
	socklen_t al = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &al);
	push_port = ntohs(a.sin_port);
	push_pid = fork();
	if (push_pid == 0) {
		serve(fd);
		_exit(0);
	}
	close(fd);

	config_set_checker(webpush_config_check);
	if (itu_start("test_push") < 0)
		return -1;
	return itu_ensure_indexes();
}

static int teardown(void **state)
{
	(void)state;
	itu_drop();
	if (push_pid > 0) {
		kill(push_pid, SIGTERM);
		waitpid(push_pid, NULL, 0);
	}
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", workdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", workdir);
	return 0;
}

static void clear(void)
{
	itu_clear("notifications");
	itu_clear("push_subscriptions");
}

/* ---------------------------------------------------------------- tests */

static void vapid_key_endpoint(void **state)
{
	(void)state;
	struct call c;
	assert_int_equal(api("GET", "/api/push/vapid-public-key", NULL, NULL, &c), 200);
	assert_true(json_object_get_boolean(json_object_object_get(c.json, "enabled")));
	assert_string_equal(jsonx_str(c.json, "key"), vapid_pub);
	call_end(&c);
	setenv("ENABLE_PUSH", "false", 1);
	itu_reload_config();
	assert_int_equal(api("GET", "/api/push/vapid-public-key", NULL, NULL, &c), 200);
	assert_false(json_object_get_boolean(json_object_object_get(c.json, "enabled")));
	assert_null(jsonx_str(c.json, "key"));
	call_end(&c);
	bson_oid_t uid;
	char hex[25];
	make_user("off@example.com", &uid, hex);
	char *auth = itu_bearer(hex);
	struct browser b;
	browser_new(&b, "/push/off");
	char *body = sub_body(&b);
	assert_int_equal(api("POST", "/api/push/subscriptions", auth, body, &c), 404);
	call_end(&c);
	free(body);
	free(auth);
	setenv("ENABLE_PUSH", "true", 1);
	itu_reload_config();
}

static void subscriptions_validate_store_and_delete(void **state)
{
	(void)state;
	clear();
	bson_oid_t u1, u2;
	char h1[25], h2[25];
	make_user("sub1@example.com", &u1, h1);
	make_user("sub2@example.com", &u2, h2);
	char *a1 = itu_bearer(h1), *a2 = itu_bearer(h2);
	struct browser b;
	browser_new(&b, "/push/v1");
	struct call c;
	char body[4096];

	/* anonymous: 401 */
	char *good = sub_body(&b);
	assert_int_equal(api("POST", "/api/push/subscriptions", NULL, good, &c), 401);
	call_end(&c);

	const char *bad_endpoints[] = {"http://push.example.net/x", "ftp://127.0.0.1/x", "https://",
				       "https://a b/", "http://127.0.0.2:9/x"};
	for (size_t i = 0; i < sizeof(bad_endpoints) / sizeof(bad_endpoints[0]); i++) {
		snprintf(body, sizeof(body),
			 "{\"endpoint\":\"%s\",\"keys\":{\"p256dh\":\"%s\",\"auth\":\"%s\"}}",
			 bad_endpoints[i], b.p256dh, b.auth64);
		assert_int_equal(api("POST", "/api/push/subscriptions", a1, body, &c), 422);
		assert_non_null(strstr(c.res.body, "[\"body\",\"endpoint\"]"));
		call_end(&c);
	}
	char longep[2100] = "https://push.example.net/";
	memset(longep + strlen(longep), 'a', 2049 - strlen(longep));
	longep[2049] = '\0';
	snprintf(body, sizeof(body),
		 "{\"endpoint\":\"%s\",\"keys\":{\"p256dh\":\"%s\",\"auth\":\"%s\"}}", longep,
		 b.p256dh, b.auth64);
	assert_int_equal(api("POST", "/api/push/subscriptions", a1, body, &c), 422);
	call_end(&c);
	/* p256dh: 64 bytes; first byte not 0x04; not on the curve; auth: 15 bytes; extra key */
	uint8_t k[65];
	memcpy(k, b.pub, 65);
	char *k64 = b64url_encode(k, 64);
	k[0] = 0x02;
	char *k02 = b64url_encode(k, 65);
	memcpy(k, b.pub, 65);
	k[64] ^= 1;
	char *koff = b64url_encode(k, 65);
	char *a15 = b64url_encode(b.auth, 15);
	const char *bad_keys[][2] = {
	    {k64, b.auth64}, {k02, b.auth64}, {koff, b.auth64}, {b.p256dh, a15}, {"!!", b.auth64}};
	for (size_t i = 0; i < 5; i++) {
		snprintf(body, sizeof(body),
			 "{\"endpoint\":\"%s\",\"keys\":{\"p256dh\":\"%s\",\"auth\":\"%s\"}}",
			 b.endpoint, bad_keys[i][0], bad_keys[i][1]);
		assert_int_equal(api("POST", "/api/push/subscriptions", a1, body, &c), 422);
		assert_non_null(
		    strstr(c.res.body, i == 3 ? "\"keys\",\"auth\"]" : "\"keys\",\"p256dh\"]"));
		call_end(&c);
	}
	free(k64);
	free(k02);
	free(koff);
	free(a15);
	snprintf(body, sizeof(body),
		 "{\"endpoint\":\"%s\",\"keys\":{\"p256dh\":\"%s\",\"auth\":\"%s\"},\"x\":1}",
		 b.endpoint, b.p256dh, b.auth64);
	assert_int_equal(api("POST", "/api/push/subscriptions", a1, body, &c), 422);
	call_end(&c);
	assert_int_equal(itu_count("push_subscriptions", bson_new()), 0);

	/* 201, and again 201 (same endpoint: one document, refreshed) */
	assert_int_equal(api("POST", "/api/push/subscriptions", a1, good, &c), 201);
	assert_true(json_object_get_boolean(json_object_object_get(c.json, "created")));
	call_end(&c);
	assert_int_equal(api("POST", "/api/push/subscriptions", a1, good, &c), 201);
	assert_false(json_object_get_boolean(json_object_object_get(c.json, "created")));
	call_end(&c);
	assert_int_equal(itu_count("push_subscriptions", bson_new()), 1);
	/* another user cannot delete it (204, nothing happens) ... */
	snprintf(body, sizeof(body), "{\"endpoint\":\"%s\"}", b.endpoint);
	assert_int_equal(api("DELETE", "/api/push/subscriptions", a2, body, &c), 204);
	call_end(&c);
	assert_int_equal(itu_count("push_subscriptions", BCON_NEW("user_id", BCON_OID(&u1))), 1);
	/* ... but subscribing the same browser signed in as them takes the endpoint over */
	assert_int_equal(api("POST", "/api/push/subscriptions", a2, good, &c), 201);
	call_end(&c);
	assert_int_equal(itu_count("push_subscriptions", BCON_NEW("user_id", BCON_OID(&u2))), 1);
	assert_int_equal(itu_count("push_subscriptions", bson_new()), 1);
	assert_int_equal(api("DELETE", "/api/push/subscriptions", a2, body, &c), 204);
	call_end(&c);
	assert_int_equal(itu_count("push_subscriptions", bson_new()), 0);
	assert_int_equal(api("DELETE", "/api/push/subscriptions", a2, body, &c), 204);
	call_end(&c);
	assert_int_equal(api("DELETE", "/api/push/subscriptions", a2, "{}", &c), 422);
	call_end(&c);
	free(good);
	free(a1);
	free(a2);
}

static void dispatcher_delivers_encrypted_vapid_signed(void **state)
{
	(void)state;
	clear();
	set_status(201);
	bson_oid_t uid;
	char hex[25];
	make_user("push@example.com", &uid, hex);
	char *auth = itu_bearer(hex);
	struct browser phone, laptop;
	browser_new(&phone, "/push/phone?x=1");
	browser_new(&laptop, "/push/laptop");
	subscribe(&phone, auth);
	subscribe(&laptop, auth);
	/* no subscriptions, no push documents: a user without any */
	bson_oid_t other;
	char ohex[25];
	make_user("nopush@example.com", &other, ohex);
	event(&other, "submitted", "65a1b2c3d4e5f60718293a4b");
	assert_int_equal(itu_count("notifications", BCON_NEW("channel", BCON_UTF8("push"))), 0);

	const char *rid = "65a1b2c3d4e5f60718293a4c";
	event(&uid, "scheduled", rid);
	assert_int_equal(itu_count("notifications", BCON_NEW("channel", BCON_UTF8("push"), "status",
							     BCON_UTF8("queued"))),
			 2);
	bson_t *inapp = itu_find_one(
	    "notifications", BCON_NEW("user_id", BCON_OID(&uid), "channel", BCON_UTF8("inapp")));
	assert_non_null(inapp);
	bson_iter_t it;
	assert_true(bson_iter_init_find(&it, inapp, "_id"));
	char inapp_hex[25];
	bson_oid_to_string(bson_iter_oid(&it), inapp_hex);

	int before = requests_seen();
	itu_dispatch_once();
	assert_int_equal(requests_seen(), before + 2);
	assert_int_equal(itu_count("notifications", BCON_NEW("channel", BCON_UTF8("push"), "status",
							     BCON_UTF8("sent"))),
			 2);
	int got_phone = 0, got_laptop = 0;
	for (int seq = before + 1; seq <= before + 2; seq++) {
		struct captured c;
		capture(seq, &c);
		struct browser *b =
		    strstr(c.raw, "POST /push/phone?x=1 HTTP/1.1") ? &phone : &laptop;
		if (b == &phone)
			got_phone++;
		else {
			assert_non_null(strstr(c.raw, "POST /push/laptop HTTP/1.1"));
			got_laptop++;
		}
		char v[1024];
		assert_true(header(&c, "TTL", v, sizeof(v)));
		assert_string_equal(v, "86400");
		assert_true(header(&c, "Content-Encoding", v, sizeof(v)));
		assert_string_equal(v, "aes128gcm");
		assert_true(header(&c, "Urgency", v, sizeof(v)));
		assert_string_equal(v, "normal");
		/* Authorization: vapid t=<jwt>, k=<key> */
		assert_true(header(&c, "Authorization", v, sizeof(v)));
		assert_int_equal(strncmp(v, "vapid t=", 8), 0);
		char *kpos = strstr(v, ", k=");
		assert_non_null(kpos);
		assert_string_equal(kpos + 4, vapid_pub);
		*kpos = '\0';
		uint8_t vpub[65];
		assert_int_equal(b64url_decode(vapid_pub, (size_t)-1, vpub, sizeof(vpub)), 65);
		char *claims = webpush_jwt_verify(v + 8, vpub);
		assert_non_null(claims);
		json_object *cj = json_tokener_parse(claims);
		char origin[64];
		snprintf(origin, sizeof(origin), "http://127.0.0.1:%d", push_port);
		assert_string_equal(jsonx_str(cj, "aud"), origin);
		assert_string_equal(jsonx_str(cj, "sub"), "mailto:ops@swmra.test");
		int64_t exp = json_object_get_int64(json_object_object_get(cj, "exp"));
		int64_t now = (int64_t)time(NULL);
		assert_true(exp > now && exp <= now + 24 * 3600);
		json_object_put(cj);
		free(claims);
		/* the browser decrypts it */
		uint8_t *plain = NULL;
		size_t pl = 0;
		char err[128] = "";
		assert_int_equal(webpush_decrypt(b->priv, b->auth, c.body, c.body_len, &plain, &pl,
						 err, sizeof(err)),
				 0);
		json_object *pj = json_tokener_parse((char *)plain);
		assert_non_null(pj);
		assert_string_equal(jsonx_str(pj, "id"), inapp_hex);
		assert_string_equal(jsonx_str(pj, "event"), "scheduled");
		assert_string_equal(jsonx_str(pj, "title"), itu_str_of(inapp, "title"));
		assert_string_equal(jsonx_str(pj, "body"), itu_str_of(inapp, "body"));
		assert_string_equal(jsonx_str(pj, "request_id"), rid);
		char url[64];
		snprintf(url, sizeof(url), "/requests/%s", rid);
		assert_string_equal(jsonx_str(pj, "url"), url);
		json_object_put(pj);
		free(plain);
		/* the other subscription's key cannot read it */
		struct browser *o = b == &phone ? &laptop : &phone;
		assert_int_equal(webpush_decrypt(o->priv, o->auth, c.body, c.body_len, &plain, &pl,
						 err, sizeof(err)),
				 -1);
		captured_free(&c);
	}
	assert_int_equal(got_phone, 1);
	assert_int_equal(got_laptop, 1);
	bson_destroy(inapp);
	/* urgent events go out with Urgency: high */
	before = requests_seen();
	bson_error_t err;
	struct call cdel;
	char body[256];
	snprintf(body, sizeof(body), "{\"endpoint\":\"%s\"}", laptop.endpoint);
	assert_int_equal(api("DELETE", "/api/push/subscriptions", auth, body, &cdel), 204);
	call_end(&cdel);
	event(&uid, "reminder", rid);
	itu_dispatch_once();
	assert_int_equal(requests_seen(), before + 1);
	struct captured c;
	capture(before + 1, &c);
	char v[64];
	assert_true(header(&c, "Urgency", v, sizeof(v)));
	assert_string_equal(v, "high");
	captured_free(&c);
	(void)err;
	free(auth);
}

static void server_error_retried_then_sent(void **state)
{
	(void)state;
	clear();
	bson_oid_t uid;
	char hex[25];
	make_user("retry@example.com", &uid, hex);
	char *auth = itu_bearer(hex);
	struct browser b;
	browser_new(&b, "/push/retry");
	subscribe(&b, auth);
	set_status(500);
	event(&uid, "completed", "65a1b2c3d4e5f60718293a4d");
	int before = requests_seen();
	int64_t t0 = time_now_ms();
	itu_dispatch_once();
	assert_int_equal(requests_seen(), before + 1);
	bson_t *d = itu_find_one("notifications", BCON_NEW("channel", BCON_UTF8("push")));
	assert_string_equal(itu_str_of(d, "status"), "queued");
	assert_int_equal(itu_int_of(d, "attempts"), 1);
	assert_non_null(strstr(itu_str_of(d, "last_error"), "500"));
	bson_iter_t it;
	assert_true(bson_iter_init_find(&it, d, "next_attempt_at"));
	int64_t next = bson_iter_date_time(&it);
	assert_true(next >= t0 + 60 * 1000 && next <= time_now_ms() + 60 * 1000);
	assert_true(bson_iter_init_find(&it, d, "_id"));
	bson_oid_t nid;
	bson_oid_copy(bson_iter_oid(&it), &nid);
	bson_destroy(d);
	/* not due yet: nothing is sent */
	itu_dispatch_once();
	assert_int_equal(requests_seen(), before + 1);
	/* the push service recovers; the retry is due */
	set_status(201);
	bson_error_t err;
	bson_t *q = BCON_NEW("_id", BCON_OID(&nid));
	bson_t *u =
	    BCON_NEW("$set", "{", "next_attempt_at", BCON_DATE_TIME(time_now_ms() - 1), "}");
	assert_true(mongoc_collection_update_one(db_coll("notifications"), q, u, NULL, NULL, &err));
	bson_destroy(q);
	bson_destroy(u);
	itu_dispatch_once();
	assert_int_equal(requests_seen(), before + 2);
	d = itu_find_one("notifications", BCON_NEW("_id", BCON_OID(&nid)));
	assert_string_equal(itu_str_of(d, "status"), "sent");
	assert_int_equal(itu_int_of(d, "attempts"), 2);
	bson_destroy(d);
	assert_int_equal(itu_count("send_attempts", BCON_NEW("notification_id", BCON_OID(&nid))),
			 2);
	free(auth);
}

static void gone_subscription_is_deleted(void **state)
{
	(void)state;
	clear();
	bson_oid_t uid;
	char hex[25];
	make_user("gone@example.com", &uid, hex);
	char *auth = itu_bearer(hex);
	struct browser b;
	browser_new(&b, "/push/gone");
	subscribe(&b, auth);
	set_status(410);
	event(&uid, "scheduled", "65a1b2c3d4e5f60718293a4e");
	event(&uid, "rescheduled", "65a1b2c3d4e5f60718293a4e");
	assert_int_equal(itu_count("notifications", BCON_NEW("channel", BCON_UTF8("push"))), 2);
	int before = requests_seen();
	itu_dispatch_once();
	/* the first answer 410 deletes the subscription; the second message is not sent */
	assert_int_equal(requests_seen(), before + 1);
	assert_int_equal(itu_count("push_subscriptions", bson_new()), 0);
	assert_int_equal(itu_count("notifications", BCON_NEW("channel", BCON_UTF8("push"), "status",
							     BCON_UTF8("failed"))),
			 2);
	bson_t *d = itu_find_one("notifications", BCON_NEW("channel", BCON_UTF8("push"),
							   "last_error", BCON_REGEX("410", "")));
	assert_non_null(d);
	assert_non_null(strstr(itu_str_of(d, "last_error"), "subscription deleted"));
	bson_destroy(d);
	/* new events queue nothing for the deleted subscription */
	set_status(201);
	event(&uid, "completed", "65a1b2c3d4e5f60718293a4e");
	assert_int_equal(itu_count("notifications", BCON_NEW("channel", BCON_UTF8("push"))), 2);
	free(auth);
}

int main(void)
{
	if (!itu_have_mongo())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(vapid_key_endpoint),
	    cmocka_unit_test(subscriptions_validate_store_and_delete),
	    cmocka_unit_test(dispatcher_delivers_encrypted_vapid_signed),
	    cmocka_unit_test(server_error_retried_then_sent),
	    cmocka_unit_test(gone_subscription_is_deleted),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
