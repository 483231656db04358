/* The per-worker cache of list answers (read_cache.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/read_cache.h"
#include "domain/session_cache.h"
#include "infra/config.h"
#include "infra/hash.h"
#include "infra/timeutil.h"

struct entry {
	char *key; /* NULL: empty */
	char mark[READ_MARK_LEN];
	uint64_t local;
	bool has_mark, has_local;
	uint64_t epoch;
	int64_t at;
	int64_t until; /* 0: none */
	char *body;
	size_t len;
};

static struct entry slots[READ_CACHE_SLOTS];
static size_t total_bytes;

static void drop(struct entry *e)
{
	total_bytes -= e->key ? e->len : 0;
	free(e->key);
	free(e->body);
	memset(e, 0, sizeof(*e));
}

/* How long an answer may be served: its signed links must stay as fresh as a new read's. */
static int64_t max_age_ms(void)
{
	const struct config *c = config_get();
	int64_t ttl_step = c ? (int64_t)c->upload_link_ttl * 100 : READ_CACHE_MAX_AGE_MS;
	return ttl_step < READ_CACHE_MAX_AGE_MS ? ttl_step : READ_CACHE_MAX_AGE_MS;
}

/* The lookup of both kinds: `scope` names whose answers these are (a user id, or "board"),
 * `mark_of` the mark that validates them. */
static bool serve(struct http_request *req, struct http_response *res, struct read_cache_probe *p,
		  const char *scope, const struct oid *mark_of)
{
	int n = snprintf(p->key, sizeof(p->key), "%s %s?%s", scope, req->path,
			 req->query ? req->query : "");
	if (n < 0 || (size_t)n >= sizeof(p->key))
		return false; /* a query this long is not worth keeping */
	/* both before the data of an answer built after a miss (read_marks.h, "Ordering") */
	enum read_mark_local local = read_mark_local(mark_of, &p->local);
	p->has_local = local != READ_MARK_LOCAL_NONE;
	if (local != READ_MARK_LOCAL_FRESH) {
		struct derr err;
		if (!read_mark_get(mark_of, p->mark, &err))
			return false;
		p->has_mark = true;
	}
	p->at = time_now_ms();
	p->storable = true;
	struct entry *e = &slots[hash_fnv1a_str(p->key) % READ_CACHE_SLOTS];
	if (!e->key || strcmp(e->key, p->key) != 0)
		return false;
	bool same = local == READ_MARK_LOCAL_FRESH ? e->has_local && e->local == p->local
						   : e->has_mark && strcmp(e->mark, p->mark) == 0;
	if (!same || e->epoch != p->epoch || p->at < e->at || p->at - e->at > max_age_ms() ||
	    (e->until > 0 && p->at >= e->until)) {
		drop(e);
		return false;
	}
	http_raw(res, 200, "application/json; charset=utf-8", e->body, e->len);
	http_header(res, "X-Read-Cache", "hit");
	return true;
}

bool read_cache_serve(struct http_request *req, struct http_response *res,
		      struct read_cache_probe *p)
{
	memset(p, 0, sizeof(*p));
	struct oid user;
	if (!req->authed || !oid_parse(req->user.id, &user))
		return false;
	return serve(req, res, p, req->user.id, &user);
}

bool read_cache_serve_board(struct http_request *req, struct http_response *res,
			    struct read_cache_probe *p)
{
	memset(p, 0, sizeof(*p));
	if (!req->authed)
		return false;
	struct oid board;
	read_mark_board_id(&board);
	return serve(req, res, p, "board", &board);
}

bool read_cache_serve_slots(struct http_request *req, struct http_response *res,
			    struct read_cache_probe *p)
{
	memset(p, 0, sizeof(*p));
	if (!req->authed)
		return false;
	/* before the mark: the template and overrides the answer is built from are the ones
	 * of this epoch or newer (they are read after the mark) */
	p->epoch = session_cache_epoch();
	struct oid seats;
	read_mark_slots_id(&seats);
	return serve(req, res, p, "slots", &seats);
}

/* Makes room for `len` more bytes by emptying slots from the one after `keep`. */
static void make_room(size_t len, const struct entry *keep)
{
	size_t i = (size_t)(keep - slots);
	for (size_t k = 1; k < READ_CACHE_SLOTS && total_bytes + len > READ_CACHE_MAX_BYTES; k++) {
		struct entry *e = &slots[(i + k) % READ_CACHE_SLOTS];
		if (e->key)
			drop(e);
	}
}

void read_cache_store(const struct read_cache_probe *p, struct http_response *res)
{
	if (res->status == 200)
		http_header(res, "X-Read-Cache", "miss");
	if (!p->storable || res->status != 200 || !res->body ||
	    res->body_len > READ_CACHE_MAX_ENTRY)
		return;
	struct entry *e = &slots[hash_fnv1a_str(p->key) % READ_CACHE_SLOTS];
	drop(e);
	make_room(res->body_len, e);
	e->key = strdup(p->key);
	e->body = malloc(res->body_len);
	if (!e->key || !e->body) {
		free(e->key);
		free(e->body);
		memset(e, 0, sizeof(*e));
		return;
	}
	memcpy(e->body, res->body, res->body_len);
	e->len = res->body_len;
	total_bytes += e->len;
	memcpy(e->mark, p->mark, sizeof(e->mark));
	e->has_mark = p->has_mark;
	e->local = p->local;
	e->has_local = p->has_local;
	e->epoch = p->epoch;
	e->at = p->at;
	e->until = p->until;
}

size_t read_cache_bytes(void)
{
	return total_bytes;
}

void read_cache_reset(void)
{
	for (size_t i = 0; i < READ_CACHE_SLOTS; i++)
		drop(&slots[i]);
}
