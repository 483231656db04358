/* Shared helpers for the cmocka integration tests (tests/integration/): a database of
 * their own per process, calls as a given user, counts and reads in the store, users and
 * bearer tokens, and the fork-N-processes race harness. Everything is static inline, so a
 * test compiles in what it uses and nothing else. */
#ifndef SWMRA_ITUTIL_H
#define SWMRA_ITUTIL_H

#include "testutil.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "api/request_json.h"
#include "domain/auth.h"
#include "domain/id.h"
#include "domain/notify.h"
#include "domain/requests.h"
#include "domain/internal/requests_store.h"
#include "domain/session_cache.h"
#include "domain/internal/slots_store.h"
#include "domain/internal/users_store.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/job.h"
#include "infra/log.h"
#include "infra/runtime.h"

/* The wire shape of a request document: the api's one builder over the domain's bridge. */
static inline json_object *requests_to_json(const bson_t *doc)
{
	struct pickup_request r;
	requests_from_doc(doc, &r);
	json_object *o = api_request_json(&r);
	pickup_request_clear(&r);
	return o;
}

/* ------------------------------------------------------------ database per process */

/* For main(): false (and a TAP "Bail out!") when SWMRA_TEST_MONGO_URI is not set. */
/* A driver ObjectId as the domain's struct oid (domain/id.h: the same 12 bytes). */
static inline struct oid itu_oid(const bson_oid_t *b)
{
	struct oid o;
	oid_from_store(&o, b);
	return o;
}

static inline bool itu_have_mongo(void)
{
	if (getenv("SWMRA_TEST_MONGO_URI"))
		return true;
	fprintf(stderr, "SWMRA_TEST_MONGO_URI is not set: skipping\n");
	printf("Bail out! SWMRA_TEST_MONGO_URI is not set (tests/run-check.sh provides it)\n");
	return false;
}

/* Points MONGO_URI at SWMRA_TEST_MONGO_URI and MONGO_DB at swmra_it_<name>_<pid>;
 * returns that database name (a static buffer). */
static inline const char *itu_db_env(const char *name)
{
	static char dbname[64];
	setenv("MONGO_URI", getenv("SWMRA_TEST_MONGO_URI"), 1);
	snprintf(dbname, sizeof(dbname), "swmra_it_%s_%ld", name, (long)getpid());
	setenv("MONGO_DB", dbname, 1);
	return dbname;
}

/* Cheap password hashing for tests that register or sign in users. */
static inline void itu_cheap_argon2(const char *memlimit_kib)
{
	setenv("ARGON2_OPSLIMIT", "1", 1);
	setenv("ARGON2_MEMLIMIT_KIB", memlimit_kib, 1);
}

/* config_load() from the environment and runtime_init(prog); 0, or -1 with a message. */
static inline int itu_start(const char *prog)
{
	char err[256];
	if (config_load("", err, sizeof(err)) < 0 || runtime_init(prog, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: runtime: %s\n", prog, err);
		return -1;
	}
	return 0;
}

/* config_load() again after a test changed the environment (asserts). */
static inline void itu_reload_config(void)
{
	char err[256];
	assert_int_equal(config_load("", err, sizeof(err)), 0);
}

/* db_ensure_indexes(); 0, or -1 with a message. */
static inline int itu_ensure_indexes(void)
{
	bson_error_t err;
	if (!db_ensure_indexes(&err)) {
		fprintf(stderr, "indexes: %s\n", err.message);
		return -1;
	}
	return 0;
}

/* The usual group setup: itu_db_env(name), itu_start(prog), itu_ensure_indexes(). */
static inline int itu_open(const char *name, const char *prog)
{
	itu_db_env(name);
	if (itu_start(prog) < 0)
		return -1;
	return itu_ensure_indexes();
}

/* The usual group teardown: drops the test database and closes the runtime. */
static inline void itu_drop(void)
{
	bson_error_t err;
	mongoc_database_drop(db_database(), &err);
	runtime_shutdown();
}

/* Closes the runtime and reopens it (asserts) against a MongoDB that never answers
 * (127.0.0.1:1, 300 ms server selection): the database is down. */
static inline void itu_reopen_unreachable(const char *prog)
{
	runtime_shutdown();
	setenv("MONGO_URI", "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300", 1);
	assert_int_equal(itu_start(prog), 0);
}

/* Closes the runtime and reopens it (asserts) against SWMRA_TEST_MONGO_URI again. */
static inline void itu_reopen(const char *prog)
{
	runtime_shutdown();
	setenv("MONGO_URI", getenv("SWMRA_TEST_MONGO_URI"), 1);
	assert_int_equal(itu_start(prog), 0);
}

/* ------------------------------------------------------------ ids and requests */

/* The value type of a store id: itu_oid (above); and back: the same 12 bytes. */
/* The same as a pointer, for a call's argument (a ring of slots: a few per call at most). */
static inline const struct oid *itu_oidp(const bson_oid_t *b)
{
	static struct oid ring[8];
	static unsigned k;
	struct oid *o = &ring[k++ % 8];
	*o = itu_oid(b);
	return o;
}

/* A domain error for a call whose failure the test asserts by its result. */
static inline struct derr *itu_derr(void)
{
	static struct derr d;
	return &d;
}

static inline void itu_store_oid(const struct oid *o, bson_oid_t *b)
{
	memcpy(b->bytes, o->bytes, sizeof(b->bytes));
}

/* requests_create with store ids (the tests read the store by them); a store error is
 * printed. */
static inline enum req_result itu_request_create(const bson_oid_t *owner,
						 const struct req_fields *f, bool draft,
						 bson_oid_t *id_out)
{
	struct oid o = itu_oid(owner), id;
	struct derr err;
	enum req_result r = requests_create(&o, "citizen", f, draft, &id, NULL, &err);
	if (r == REQ_DB_ERROR)
		fprintf(stderr, "requests_create: %s\n", err.message);
	if (r == REQ_OK && id_out)
		itu_store_oid(&id, id_out);
	return r;
}

static inline enum req_result itu_request_note(const bson_oid_t *id, const char *actor,
					       const char *role, const char *note)
{
	struct oid o = itu_oid(id);
	struct derr err;
	return requests_add_note(&o, actor, role, note, &err);
}

/* ------------------------------------------------------------ reading the store */

/* Documents of `coll` matching `q` (destroyed here); asserts the count worked. */
static inline int64_t itu_count(const char *coll, bson_t *q)
{
	bson_error_t err;
	db_trace_context("itutil", NULL); /* the query-shape check skips the tests' own reads */
	int64_t n = mongoc_collection_count_documents(db_coll(coll), q, NULL, NULL, NULL, &err);
	db_trace_context(NULL, NULL);
	bson_destroy(q);
	assert_true(n >= 0);
	return n;
}

/* The same with the filter as extended JSON. */
static inline int64_t itu_count_json(const char *coll, const char *json)
{
	bson_error_t err;
	bson_t *f = bson_new_from_json((const uint8_t *)json, -1, &err);
	assert_non_null(f);
	return itu_count(coll, f);
}

/* Deletes every document of `coll` (asserts). */
static inline void itu_clear(const char *coll)
{
	bson_error_t err;
	bson_t q = BSON_INITIALIZER;
	db_trace_context("itutil", NULL);
	assert_true(mongoc_collection_delete_many(db_coll(coll), &q, NULL, NULL, &err));
	db_trace_context(NULL, NULL);
	session_cache_reset(); /* written behind the caches' back: this process forgets */
}

/* A copy of the first document of `coll` matching `q` (destroyed here), or NULL. */
static inline bson_t *itu_find_one(const char *coll, bson_t *q)
{
	db_trace_context("itutil", NULL);
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll(coll), q, NULL, NULL);
	const bson_t *d;
	bson_t *out = NULL;
	if (mongoc_cursor_next(cur, &d))
		out = bson_copy(d);
	mongoc_cursor_destroy(cur);
	db_trace_context(NULL, NULL);
	bson_destroy(q);
	return out;
}

/* A UTF-8 field of `d` (borrowed), or NULL. */
static inline const char *itu_str_of(const bson_t *d, const char *k)
{
	bson_iter_t it;
	return bson_iter_init_find(&it, d, k) && BSON_ITER_HOLDS_UTF8(&it)
		   ? bson_iter_utf8(&it, NULL)
		   : NULL;
}

/* A numeric field of `d` as int64, or -1. */
static inline int64_t itu_int_of(const bson_t *d, const char *k)
{
	bson_iter_t it;
	return bson_iter_init_find(&it, d, k) ? bson_iter_as_int64(&it) : -1;
}

/* ------------------------------------------------------------ users and calls */

/* A fresh ObjectId as hex. */
static inline void itu_new_id(char out[25])
{
	bson_oid_t o;
	bson_oid_init(&o, NULL);
	bson_oid_to_string(&o, out);
}

/* Creates a user directly in the store (asserts); its id into *oid (if not NULL) and hex. */
static inline void itu_make_user(const char *name, const char *email, const char *phone,
				 const char *pw_hash, const char *role, bson_oid_t *oid,
				 char hex[25])
{
	struct user u = {0};
	bson_error_t err;
	assert_int_equal(users_create(name, email, phone, pw_hash, role, &u, &err), USERS_OK);
	if (oid)
		bson_oid_init_from_string(oid, u.id);
	snprintf(hex, 25, "%s", u.id);
	users_clear(&u);
}

/* "Bearer <token>" for a citizen with id `uid_hex` (the caller frees it). */
static inline char *itu_bearer(const char *uid_hex)
{
	char *t = auth_issue_token(uid_hex, "citizen", NULL);
	assert_non_null(t);
	char *h = malloc(strlen(t) + 8);
	sprintf(h, "Bearer %s", t);
	free(t);
	return h;
}

/* Runs the request begun in *c (call_begin) as user `uid` with `role`, the way the auth
 * guard would have left it: the route is looked up in api_routes (it must exist), its
 * role checked (403), then its handler called. Returns the status; the answer stays in
 * *c (call_end it). */
static inline int itu_run_as(struct call *c, const char *uid, enum role role)
{
	const struct route *hit = NULL;
	for (size_t i = 0; i < api_routes_count && !hit; i++)
		if (strcmp(api_routes[i].method, c->req.method) == 0 &&
		    router_match(api_routes[i].pattern, c->req.path, NULL))
			hit = &api_routes[i];
	assert_non_null(hit);
	router_match(hit->pattern, c->req.path, &c->req);
	c->req.route_pattern = hit->pattern;
	log_set_request(c->req.request_id, hit->pattern);
	c->req.authed = true;
	snprintf(c->req.user.id, sizeof(c->req.user.id), "%.24s", uid);
	c->req.user.role = role;
	if (role < hit->role)
		c->status = http_error(&c->res, 403, "Not enough privileges");
	else
		c->status = hit->handler(&c->req, &c->res);
	if (c->res.body && c->res.body_len) {
		char err[128];
		c->json = jsonx_parse(c->res.body, c->res.body_len, err, sizeof(err));
	}
	return c->status;
}

/* call_begin() and itu_run_as() in one. */
static inline int itu_call_as(struct call *c, const char *method, const char *path,
			      const char *query, const char *body, const char *uid, enum role role)
{
	call_begin(c, method, path, query, body);
	return itu_run_as(c, uid, role);
}

/* ------------------------------------------------------------ slots */

/* The start (ms) of the local hour slot at least `hours` from now. */
static inline int64_t itu_slot_at(int hours)
{
	time_t t = time(NULL) + (time_t)hours * 3600;
	struct tm tm;
	localtime_r(&t, &tm);
	tm.tm_min = 0;
	tm.tm_sec = 0;
	tm.tm_hour += 1;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

/* Saves a template open every day from `from_min` to `to_min` (minutes of the day), with
 * `slot_minutes` (0: the default) and the capacities `standard`, `special` (< 0: the
 * default). */
static inline bool itu_everyday_template(int from_min, int to_min, int slot_minutes, int standard,
					 int special, bson_error_t *err)
{
	struct slot_template t;
	slots_template_default(&t);
	t.nweekly = 0;
	for (int wd = 0; wd < 7; wd++)
		t.weekly[t.nweekly++] = (struct slot_window){wd, from_min, to_min};
	if (slot_minutes > 0)
		t.slot_minutes = slot_minutes;
	if (standard >= 0)
		t.capacity[SLOT_CLASS_STANDARD] = standard;
	if (special >= 0)
		t.capacity[SLOT_CLASS_SPECIAL] = special;
	struct derr d;
	if (slots_template_save(&t, &d))
		return true;
	bson_set_error(err, d.domain, d.code, "%s", d.message);
	return false;
}

/* ------------------------------------------------------------ seats agree with requests */

/* One seat claim of slot_claims, as itu_assert_seats reads it. */
struct itu_claim {
	bson_oid_t rid;
	int cls;
	int64_t start;
	bool hold; /* a waitlist offer's hold (slots_hold), not yet a booking */
};

/* The capacity of the slot (cls, start) on its day's grid (asserts it is on the grid). */
static inline int itu_slot_capacity(int cls, int64_t start)
{
	int y, m, d;
	slots_local_date(start, &y, &m, &d);
	struct slot_info grid[SLOTS_MAX_PER_DAY];
	struct derr err;
	int n = slots_day(cls, y, m, d, grid, SLOTS_MAX_PER_DAY, &err);
	assert_true(n >= 0);
	for (int i = 0; i < n; i++)
		if (grid[i].start_ms == start)
			return grid[i].capacity;
	fail_msg("a seat is claimed in slot %s:%lld, which is not on the grid",
		 slots_class_name(cls), (long long)start);
	return -1;
}

/* Every seat claim of the test database (asserts the read); *n of them, malloc'd. */
static inline struct itu_claim *itu_claims(size_t *n)
{
	struct itu_claim *v = NULL;
	size_t cap = 0;
	*n = 0;
	bson_t q = BSON_INITIALIZER;
	db_trace_context("itutil", NULL); /* the query-shape check skips the tests' own reads */
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("slot_claims"), &q, NULL, NULL);
	const bson_t *d;
	while (mongoc_cursor_next(cur, &d)) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			v = realloc(v, cap * sizeof(*v));
			assert_non_null(v);
		}
		bson_iter_t it;
		struct itu_claim *c = &v[(*n)++];
		assert_true(bson_iter_init_find(&it, d, "request_id") && BSON_ITER_HOLDS_OID(&it));
		bson_oid_copy(bson_iter_oid(&it), &c->rid);
		c->cls = slots_class_parse(itu_str_of(d, "class"));
		assert_true(bson_iter_init_find(&it, d, "start") && BSON_ITER_HOLDS_DATE_TIME(&it));
		c->start = bson_iter_date_time(&it);
		c->hold = bson_iter_init_find(&it, d, "hold");
	}
	bson_error_t err;
	assert_false(mongoc_cursor_error(cur, &err));
	mongoc_cursor_destroy(cur);
	db_trace_context(NULL, NULL);
	return v;
}

/* The seat invariant (issue 12), for every slot with a claim and every request of the test
 * database, checked after a race:
 * - no slot holds more claims than its capacity (bookings kept above a capacity lowered
 *   later count too: a test lowering one checks where nothing was kept);
 * - with `requests` (the claims were made by requests_transition, not by slots_claim
 *   directly): every request in scheduled or a later status (completed included) holds
 *   exactly one seat, in its assigned slot and of its category's class; every other
 *   request holds none; and no claim names anything but such a request. So in every slot
 *   the requests assigned to it and its claims are the same set (requests in slot ==
 *   claims of slot). Requests are read through requests_load, i.e. as their change log
 *   says (rolled forward). A waitlist hold counts against capacity but is no booking:
 *   it must name a request, one hold per request and slot, and is left out of the
 *   request's seats. */
static inline void itu_assert_seats(bool requests)
{
	size_t n;
	struct itu_claim *c = itu_claims(&n);
	for (size_t i = 0; i < n; i++) {
		bool first = true;
		size_t same = 0;
		for (size_t j = 0; j < n; j++) {
			if (c[j].cls != c[i].cls || c[j].start != c[i].start)
				continue;
			first = first && j >= i;
			same++;
		}
		if (!first)
			continue;
		int capacity = itu_slot_capacity(c[i].cls, c[i].start);
		if ((long)same > capacity)
			fail_msg("slot %s:%lld holds %zu claims, capacity %d",
				 slots_class_name(c[i].cls), (long long)c[i].start, same, capacity);
	}
	if (!requests) {
		free(c);
		return;
	}
	size_t owned = 0;
	bson_t q = BSON_INITIALIZER;
	bson_t *opts = BCON_NEW("projection", "{", "_id", BCON_INT32(1), "}");
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("pickup_requests"), &q, opts, NULL);
	const bson_t *d;
	while (mongoc_cursor_next(cur, &d)) {
		bson_iter_t it;
		assert_true(bson_iter_init_find(&it, d, "_id") && BSON_ITER_HOLDS_OID(&it));
		bson_oid_t id;
		bson_oid_copy(bson_iter_oid(&it), &id);
		char hex[25];
		bson_oid_to_string(&id, hex);
		bson_error_t err;
		bson_t *doc = requests_load(&id, NULL, &err);
		assert_non_null(doc);
		const char *st = itu_str_of(doc, "status");
		int s = requests_status_parse(st);
		bool holds = s >= RS_SCHEDULED && s <= RS_COMPLETED;
		int64_t start = -1;
		bson_iter_t sub;
		if (bson_iter_init_find(&it, doc, "assigned_slot") &&
		    BSON_ITER_HOLDS_DOCUMENT(&it) && bson_iter_recurse(&it, &sub) &&
		    bson_iter_find(&sub, "start") && BSON_ITER_HOLDS_DATE_TIME(&sub))
			start = bson_iter_date_time(&sub);
		int cls = slots_class_of(itu_str_of(doc, "category"));
		size_t mine = 0, there = 0;
		for (size_t j = 0; j < n; j++) {
			if (!bson_oid_equal(&c[j].rid, &id))
				continue;
			if (c[j].hold) {
				owned++;
				continue;
			}
			mine++;
			there += c[j].start == start && c[j].cls == cls;
		}
		owned += mine;
		bson_destroy(doc);
		if (holds && (start < 0 || mine != 1 || there != 1))
			fail_msg("request %s (%s, slot %lld) holds %zu seats, %zu of them in its "
				 "slot: expected exactly one there",
				 hex, st, (long long)start, mine, there);
		if (!holds && mine != 0)
			fail_msg("request %s (%s) holds %zu seats: expected none", hex, st, mine);
	}
	bson_error_t err;
	assert_false(mongoc_cursor_error(cur, &err));
	mongoc_cursor_destroy(cur);
	bson_destroy(opts);
	if (owned != n)
		fail_msg("%zu of %zu claims name no request", n - owned, n);
	free(c);
}

/* ------------------------------------------------------------ notifications */

/* One in-process run of the dispatcher (asserts it succeeded); returns its action count. */
static inline int itu_dispatch_once(void)
{
	struct job_ctx ctx = {.name = "dispatch"};
	assert_int_equal(notify_dispatch_run(&ctx), 0);
	return ctx.actions;
}

/* ------------------------------------------------------------ races */

/* What one racer does (in its own process, with its own client); returns its result,
 * 0..ITU_RACER_START_FAILED-1, which becomes its exit status. */
typedef int (*itu_racer_fn)(int i, void *ctx);

#define ITU_RACER_START_FAILED 90 /* the child could not open its runtime */
#define ITU_RACER_GATE_FAILED  91 /* reading the gate failed */

/* Races `n` real processes: closes this process's client (none may cross a fork), forks
 * n children that each open their own runtime (itu_start(prog)), connect (db_ping), wait
 * at a shared gate and then all at once run fn(i, ctx); the gate opens (closes: EOF for
 * every child) 300 ms after the last fork. Reaps every child (asserting it exited
 * normally), stores its exit status, i.e. fn's result, in codes[i], and reopens this
 * process's runtime (asserts). */
static inline void itu_race(const char *prog, int n, itu_racer_fn fn, void *ctx, int *codes)
{
	runtime_shutdown();
	int gate[2];
	assert_int_equal(pipe(gate), 0);
	pid_t *kids = calloc((size_t)n, sizeof(*kids));
	assert_non_null(kids);
	for (int i = 0; i < n; i++) {
		fflush(NULL);
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			close(gate[1]);
			if (itu_start(prog) < 0)
				_exit(ITU_RACER_START_FAILED);
			bson_error_t err;
			db_ping(NULL, &err); /* connected before the gate opens */
			char c;
			if (read(gate[0], &c, 1) < 0)
				_exit(ITU_RACER_GATE_FAILED);
			int r = fn(i, ctx);
			runtime_shutdown();
			_exit(r);
		}
	}
	close(gate[0]);
	usleep(300 * 1000); /* let every child connect */
	close(gate[1]);	    /* all go */
	for (int i = 0; i < n; i++) {
		int st;
		assert_int_equal(waitpid(kids[i], &st, 0), kids[i]);
		assert_true(WIFEXITED(st));
		codes[i] = WEXITSTATUS(st);
	}
	free(kids);
	assert_int_equal(itu_start(prog), 0);
}

#endif
