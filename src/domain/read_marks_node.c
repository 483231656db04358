/* The node's table of read-mark changes (read_marks.h, "On this node"). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain/internal/read_marks_store.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/hash.h"
#include "infra/log.h"
#include "infra/timeutil.h"

#define TABLE_MAGIC 0x4b52414d524d5754ULL /* "TWMRMARK": layout 2 */
#define NODE_SLOTS  16384 /* marks hashed to counters; a collision only costs a miss */
#define LEASE_MS    10000 /* a poller that died gives the poll back after this */

/* The poller's record of the last mark value it saw in a slot (the poll lease guards them);
 * valid while `gen` is the table's. Apart from the counters, so that a reader touches only
 * the counters' pages (128 KiB in all): the table adds little to a worker's memory. */
struct node_record {
	bson_oid_t id;
	uint32_t gen;
	uint64_t mark_hash;
};

struct node_table {
	uint64_t magic;
	uint64_t size;
	int64_t polled_at;   /* atomic: start of the last complete poll (ms) */
	int64_t lease_until; /* atomic: a process polls until then (compare-and-swap) */
	int64_t since;	     /* the poller's: where the next poll reads from (ms) */
	uint32_t gen;	     /* the poller's: records of another gen are void */
	/* atomic: each moves whenever a mark hashed to it may have changed */
	uint64_t counters[NODE_SLOTS];
	struct node_record records[NODE_SLOTS];
};

static struct node_table *table; /* NULL: none; this process then serves nothing from it */
static bool tried;

/* <FCGI_SOCKET>.marks: beside the socket every process of this node is configured with. */
static bool table_path(char *out, size_t cap)
{
	const struct config *c = config_get();
	if (!c || !c->fcgi_socket || !*c->fcgi_socket)
		return false;
	int n = snprintf(out, cap, "%s.marks", c->fcgi_socket);
	return n > 0 && (size_t)n < cap;
}

/* Maps the table file; `create`: make or reset it when it is not a table of this size. */
static void attach(bool create)
{
	tried = true;
	char path[4096];
	if (!table_path(path, sizeof(path)))
		return;
	int fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
	if (fd < 0) {
		if (create)
			log_warn("read marks: no node table at %s: cached reads ask the store",
				 path);
		return;
	}
	struct stat st;
	bool fits = fstat(fd, &st) == 0 && st.st_size == (off_t)sizeof(struct node_table);
	if (!fits && create) {
		/* a new file, never this one cut down: a process that still maps the old one
		 * (a job of an earlier version) would fault on pages past a shorter end */
		close(fd);
		unlink(path);
		fd = open(path, O_RDWR | O_CLOEXEC | O_CREAT | O_EXCL, 0600);
		fits = fd >= 0 && ftruncate(fd, (off_t)sizeof(struct node_table)) == 0;
	}
	if (!fits) {
		if (fd >= 0)
			close(fd);
		return;
	}
	void *p = mmap(NULL, sizeof(struct node_table), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return;
	struct node_table *t = p;
	if (t->magic != TABLE_MAGIC || t->size != sizeof(struct node_table)) {
		if (!create) { /* not (yet) a table: someone else's file, or half made */
			munmap(p, sizeof(struct node_table));
			return;
		}
		memset(t, 0, sizeof(*t)); /* since 0: the first poll moves every counter */
		t->size = sizeof(struct node_table);
		__atomic_store_n(&t->magic, TABLE_MAGIC, __ATOMIC_RELEASE);
	}
	table = t;
}

void read_marks_share(void)
{
	const struct config *c = config_get();
	tried = true;
	if (c && !c->read_cache_node_marks) {
		log_info(
		    "read marks: READ_CACHE_NODE_MARKS=false, every cached read asks the store");
		return;
	}
	attach(true);
}

static size_t slot_of(const bson_oid_t *id)
{
	return hash_fnv1a(id->bytes, sizeof(id->bytes)) % NODE_SLOTS;
}

void read_marks_node_bumped(const bson_oid_t *ids, size_t n)
{
	if (!tried)
		attach(false); /* a job or the seed: the API's table when this node runs one */
	if (!table)
		return;
	for (size_t i = 0; i < n; i++)
		__atomic_add_fetch(&table->counters[slot_of(&ids[i])], 1, __ATOMIC_SEQ_CST);
}

/* One mark the poll found: its counter moves unless the poller saw this very value. The
 * counter moves before the record changes, so whoever sees the new record sees the move. */
static void poll_saw(const bson_oid_t *id, const char *mark)
{
	size_t i = slot_of(id);
	struct node_record *r = &table->records[i];
	uint64_t h = hash_fnv1a_str(mark);
	if (r->gen == table->gen && bson_oid_equal(&r->id, id) && r->mark_hash == h)
		return;
	__atomic_add_fetch(&table->counters[i], 1, __ATOMIC_SEQ_CST);
	bson_oid_copy(id, &r->id);
	r->mark_hash = h;
	r->gen = table->gen;
}

/* Every mark bumped since the table's `since`: one query (read_marks.at), ids and values. */
static bool poll_store(bson_error_t *err)
{
	bson_t *q = BCON_NEW("at", "{", "$gte", BCON_DATE_TIME(table->since), "}");
	bson_t *opts = BCON_NEW("projection", "{", "mark", BCON_INT32(1), "}");
	mongoc_cursor_t *c =
	    mongoc_collection_find_with_opts(db_coll(READ_MARKS_COLL), q, opts, NULL);
	const bson_t *doc;
	while (mongoc_cursor_next(c, &doc)) {
		bson_iter_t id, mark;
		if (bson_iter_init_find(&id, doc, "_id") && BSON_ITER_HOLDS_OID(&id) &&
		    bson_iter_init_find(&mark, doc, "mark") && BSON_ITER_HOLDS_UTF8(&mark))
			poll_saw(bson_iter_oid(&id), bson_iter_utf8(&mark, NULL));
	}
	bool ok = !mongoc_cursor_error(c, err);
	mongoc_cursor_destroy(c);
	bson_destroy(q);
	bson_destroy(opts);
	return ok;
}

/* The poll, by the process holding the lease. On a new table (or when the clock went back
 * past the last poll) it reads nothing and moves every counter instead: every answer cached
 * before is dropped. A long pause is no reason to: the query covers it, and workers kept
 * busy past any limit by slow answers must not have every cached answer dropped on them. */
static bool poll_marks(int64_t now)
{
	int64_t since = table->since;
	if (since <= 0 || now < since) {
		for (size_t i = 0; i < NODE_SLOTS; i++)
			__atomic_add_fetch(&table->counters[i], 1, __ATOMIC_SEQ_CST);
		table->gen++; /* every record void */
	} else {
		bson_error_t err;
		if (!poll_store(&err)) {
			log_warn("read marks: poll failed (cached reads ask the store): %s",
				 err.message);
			return false;
		}
	}
	table->since = now - READ_MARKS_OVERLAP_MS;
	return true;
}

/* A poll now, unless another process holds the lease. Its commands are cache upkeep. */
static bool poll_now(int64_t now)
{
	int64_t lease = __atomic_load_n(&table->lease_until, __ATOMIC_ACQUIRE);
	if (lease > now && lease - now <= LEASE_MS)
		return false;
	if (!__atomic_compare_exchange_n(&table->lease_until, &lease, now + LEASE_MS, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return false;
	db_trace_upkeep(true);
	bool ok = poll_marks(now);
	db_trace_upkeep(false);
	if (ok)
		__atomic_store_n(&table->polled_at, now, __ATOMIC_RELEASE);
	__atomic_store_n(&table->lease_until, 0, __ATOMIC_RELEASE);
	return ok;
}

enum read_mark_local read_mark_local(const struct oid *id, uint64_t *counter)
{
	*counter = 0;
	if (!table)
		return READ_MARK_LOCAL_NONE;
	int64_t now = time_now_ms();
	int64_t polled = __atomic_load_n(&table->polled_at, __ATOMIC_ACQUIRE);
	bool fresh = now >= polled && now - polled <= READ_MARKS_POLL_MS;
	if (!fresh)
		fresh = poll_now(now);
	bson_oid_t o;
	oid_to_store(id, &o);
	*counter = __atomic_load_n(&table->counters[slot_of(&o)], __ATOMIC_SEQ_CST);
	return fresh ? READ_MARK_LOCAL_FRESH : READ_MARK_LOCAL_STALE;
}
