#include "domain/session_cache.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "domain/internal/users_store.h"
#include "infra/db.h"
#include "infra/hash.h"
#include "infra/log.h"
#include "infra/timeutil.h"

#define GEN_COLL "session_state"
#define GEN_ID	 "gen"

/* ---- the counter shared by this machine's workers ---- */

static uint64_t private_counter;
static uint64_t *counter = &private_counter;

void session_cache_share(void)
{
	void *p =
	    mmap(NULL, sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		log_warn("session cache: no shared counter, other workers see changes within %d ms",
			 SESSION_CACHE_POLL_MS);
		return;
	}
	counter = p;
	*counter = 0;
}

/* ---- the revoked token ids: an open-addressing set, rebuilt at each reload ---- */

static char (*revoked)[64];
static size_t rev_cap, rev_n;

static void revoked_clear(void)
{
	free(revoked);
	revoked = NULL;
	rev_cap = rev_n = 0;
}

static void revoked_put(char (*tab)[64], size_t cap, const char *jti)
{
	size_t i = (size_t)hash_fnv1a_str(jti) & (cap - 1);
	while (tab[i][0] && strcmp(tab[i], jti) != 0)
		i = (i + 1) & (cap - 1);
	if (!tab[i][0])
		snprintf(tab[i], 64, "%s", jti);
}

static void revoked_add(const char *jti)
{
	if (!jti || !*jti || strlen(jti) >= 64 || session_cache_revoked(jti))
		return;
	if (2 * (rev_n + 1) > rev_cap) {
		size_t cap = rev_cap ? 2 * rev_cap : 256;
		char(*tab)[64] = calloc(cap, 64);
		if (!tab)
			abort();
		for (size_t i = 0; i < rev_cap; i++)
			if (revoked[i][0])
				revoked_put(tab, cap, revoked[i]);
		free(revoked);
		revoked = tab;
		rev_cap = cap;
	}
	revoked_put(revoked, rev_cap, jti);
	rev_n++;
}

bool session_cache_revoked(const char *jti)
{
	if (!rev_cap || !jti)
		return false;
	for (size_t i = (size_t)hash_fnv1a_str(jti) & (rev_cap - 1); revoked[i][0];
	     i = (i + 1) & (rev_cap - 1))
		if (strcmp(revoked[i], jti) == 0)
			return true;
	return false;
}

/* ---- the users: direct-mapped slots, a collision replaces ---- */

static struct user users[SESSION_CACHE_USERS];
static bool user_used[SESSION_CACHE_USERS];

static size_t user_slot(const bson_oid_t *id)
{
	size_t h = 0;
	for (size_t i = 0; i < sizeof(id->bytes); i++)
		h = h * 31 + id->bytes[i];
	return h % SESSION_CACHE_USERS;
}

/* Whether cached user `u` is account `id` (struct user names itself by hex). */
static bool user_is(const struct user *u, const bson_oid_t *id)
{
	char hex[25];
	bson_oid_to_string(id, hex);
	return strcmp(u->id, hex) == 0;
}

static void user_forget(const bson_oid_t *id)
{
	size_t s = user_slot(id);
	if (user_used[s] && user_is(&users[s], id)) {
		users_clear(&users[s]);
		user_used[s] = false;
	}
}

static void users_flush(void)
{
	for (size_t s = 0; s < SESSION_CACHE_USERS; s++)
		if (user_used[s]) {
			users_clear(&users[s]);
			user_used[s] = false;
		}
}

static char *dup_or_null(const char *s)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

static void user_copy(struct user *dst, const struct user *src)
{
	*dst = *src;
	dst->name = dup_or_null(src->name);
	dst->email = dup_or_null(src->email);
	dst->phone = dup_or_null(src->phone);
	dst->password_hash = NULL;
}

static int st_user(const bson_oid_t *id, struct user *u, bson_error_t *err)
{
	size_t s = user_slot(id);
	if (user_used[s] && user_is(&users[s], id)) {
		user_copy(u, &users[s]);
		return USERS_OK;
	}
	db_trace_upkeep(true);
	enum users_rc rc = users_find_by_id(id, false, u, err);
	db_trace_upkeep(false);
	if (rc != USERS_OK)
		return rc;
	if (user_used[s])
		users_clear(&users[s]);
	user_copy(&users[s], u);
	user_used[s] = true;
	return USERS_OK;
}

/* ---- sync ---- */

static bool loaded;
static uint64_t epoch = 1;
static char gen[32];
static uint64_t seen;
static int64_t last_poll_ms, last_scan_ms, last_reload_ms;

/* The generation document's value into out ("" when there is none yet). */
static bool read_gen(char out[32], bson_error_t *err)
{
	bson_t *q = BCON_NEW("_id", BCON_UTF8(GEN_ID));
	bson_t *opts = BCON_NEW("limit", BCON_INT64(1));
	mongoc_cursor_t *c = mongoc_collection_find_with_opts(db_coll(GEN_COLL), q, opts, NULL);
	const bson_t *doc;
	out[0] = '\0';
	if (mongoc_cursor_next(c, &doc)) {
		bson_iter_t it;
		if (bson_iter_init_find(&it, doc, "gen") && BSON_ITER_HOLDS_UTF8(&it))
			snprintf(out, 32, "%s", bson_iter_utf8(&it, NULL));
	}
	bool ok = !mongoc_cursor_error(c, err);
	mongoc_cursor_destroy(c);
	bson_destroy(q);
	bson_destroy(opts);
	return ok;
}

/* Calls fn with the _id of every document of `coll` whose `field` is beyond `ms`
 * ($gt, or $gte), ids only. */
static bool each_id(const char *coll, const char *field, const char *op, int64_t ms,
		    void (*fn)(const bson_iter_t *id), bson_error_t *err)
{
	bson_t *q = BCON_NEW(field, "{", op, BCON_DATE_TIME(ms), "}");
	bson_t *opts = BCON_NEW("projection", "{", "_id", BCON_INT32(1), "}");
	mongoc_cursor_t *c = mongoc_collection_find_with_opts(db_coll(coll), q, opts, NULL);
	const bson_t *doc;
	while (mongoc_cursor_next(c, &doc)) {
		bson_iter_t it;
		if (bson_iter_init_find(&it, doc, "_id"))
			fn(&it);
	}
	bool ok = !mongoc_cursor_error(c, err);
	mongoc_cursor_destroy(c);
	bson_destroy(q);
	bson_destroy(opts);
	return ok;
}

static void add_revoked(const bson_iter_t *id)
{
	if (BSON_ITER_HOLDS_UTF8(id))
		revoked_add(bson_iter_utf8(id, NULL));
}

static void forget_user(const bson_iter_t *id)
{
	if (BSON_ITER_HOLDS_OID(id))
		user_forget(bson_iter_oid(id));
}

static bool st_sync(bson_error_t *err)
{
	int64_t now = time_now_ms();
	uint64_t cnt = __atomic_load_n(counter, __ATOMIC_ACQUIRE);
	bool reload = !loaded || now - last_reload_ms >= SESSION_CACHE_RELOAD_SEC * 1000LL ||
		      now < last_reload_ms;
	if (!reload && cnt == seen && now - last_poll_ms < SESSION_CACHE_POLL_MS &&
	    now >= last_poll_ms)
		return true;
	char g[32];
	if (!read_gen(g, err))
		return false;
	if (reload) {
		/* Every revocation of a token that has not expired; expired ones fail the
		 * token check before this set is asked. */
		revoked_clear();
		if (!each_id("revoked_tokens", "expires_at", "$gt", now, add_revoked, err)) {
			loaded = false;
			return false;
		}
		users_flush();
		epoch++;
		last_reload_ms = now;
		last_scan_ms = now;
		loaded = true;
	} else if (strcmp(g, gen) != 0 || cnt != seen) {
		int64_t since = last_scan_ms - SESSION_CACHE_OVERLAP_MS;
		if (!each_id("revoked_tokens", "revoked_at", "$gte", since, add_revoked, err) ||
		    !each_id("users", "updated_at", "$gte", since, forget_user, err))
			return false;
		epoch++;
		last_scan_ms = now;
	}
	snprintf(gen, sizeof(gen), "%s", g);
	seen = cnt;
	last_poll_ms = now;
	return true;
}

static bool st_changed(const bson_oid_t *user_id, const char *revoked_jti, bson_error_t *err)
{
	if (user_id)
		user_forget(user_id);
	if (revoked_jti)
		revoked_add(revoked_jti);
	epoch++;
	bson_oid_t v;
	bson_oid_init(&v, NULL);
	char hex[25];
	bson_oid_to_string(&v, hex);
	bson_t *q = BCON_NEW("_id", BCON_UTF8(GEN_ID));
	bson_t *u =
	    BCON_NEW("$set", "{", "gen", BCON_UTF8(hex), "at", BCON_DATE_TIME(time_now_ms()), "}");
	bool ok = db_upsert(GEN_COLL, q, u, err);
	bson_destroy(q);
	bson_destroy(u);
	/* After the store: a local worker that sees the counter move syncs and finds both. */
	__atomic_add_fetch(counter, 1, __ATOMIC_RELEASE);
	return ok;
}

int session_cache_user(const struct oid *id, struct user *u, struct derr *err)
{
	bson_oid_t oid;
	oid_to_store(id, &oid);
	bson_error_t e;
	int rc = st_user(&oid, u, &e);
	if (rc == USERS_ERR)
		derr_from_store(err, &e);
	return rc;
}

bool session_cache_sync(struct derr *err)
{
	bson_error_t e;
	db_trace_upkeep(true); /* it falls on whichever request comes first (infra/db.h) */
	bool ok = st_sync(&e);
	db_trace_upkeep(false);
	if (!ok)
		derr_from_store(err, &e);
	return ok;
}

bool session_cache_changed(const struct oid *user_id, const char *revoked_jti, struct derr *err)
{
	bson_oid_t oid;
	if (user_id)
		oid_to_store(user_id, &oid);
	bson_error_t e;
	bool ok = st_changed(user_id ? &oid : NULL, revoked_jti, &e);
	if (!ok)
		derr_from_store(err, &e);
	return ok;
}

void session_cache_reset(void)
{
	revoked_clear();
	users_flush();
	loaded = false;
	epoch++;
	gen[0] = '\0';
	seen = __atomic_load_n(counter, __ATOMIC_ACQUIRE);
	last_poll_ms = last_scan_ms = last_reload_ms = 0;
}

uint64_t session_cache_epoch(void)
{
	return epoch;
}
