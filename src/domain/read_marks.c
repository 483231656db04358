/* Read marks (read_marks.h): written after every change a user's lists show. */
#include <string.h>

#include "domain/internal/read_marks_store.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/timeutil.h"

/* The seat map's bump within an answer (read_mark_slots_defer): whether one is deferred,
 * and whether a change of seats waits for it. Per process: a worker serves one answer at
 * a time. */
static struct {
	bool deferring;
	bool pending;
} seats;

/* A fresh mark value: an update that sets it. */
static bson_t *new_mark(void)
{
	bson_oid_t v;
	bson_oid_init(&v, NULL);
	char hex[25];
	bson_oid_to_string(&v, hex);
	return BCON_NEW("$set", "{", "mark", BCON_UTF8(hex), "at", BCON_DATE_TIME(time_now_ms()),
			"}");
}

static void board_id(bson_oid_t *out)
{
	struct oid board;
	read_mark_board_id(&board);
	oid_to_store(&board, out);
}

static void slots_id(bson_oid_t *out)
{
	struct oid map;
	read_mark_slots_id(&map);
	oid_to_store(&map, out);
}

/* The marks `ids` (n <= 3), each a fresh value, in one store command. */
static bool bump_all(const bson_oid_t *ids, size_t n, bson_error_t *err)
{
	bson_t *qs[3] = {NULL}, *us[3] = {NULL};
	for (size_t i = 0; i < n; i++) {
		qs[i] = BCON_NEW("_id", BCON_OID(&ids[i]));
		us[i] = new_mark();
	}
	bool ok = db_upsert_each(READ_MARKS_COLL, qs, us, n, err);
	if (ok)
		read_marks_node_bumped(ids, n);
	for (size_t i = 0; i < n; i++) {
		bson_destroy(qs[i]);
		bson_destroy(us[i]);
	}
	return ok;
}

/* The marks `ids` (n <= 2), and the seat map's when a change of seats waits for its bump:
 * in the same store command, which is then that bump (it follows the change). */
static bool bump(const bson_oid_t *ids, size_t n, bson_error_t *err)
{
	bson_oid_t all[3];
	memcpy(all, ids, n * sizeof(*ids));
	bool carry = seats.pending;
	if (carry)
		slots_id(&all[n++]);
	bool ok = bump_all(all, n, err);
	if (ok && carry)
		seats.pending = false; /* on a failure the flush tries the seat map alone */
	return ok;
}

bool read_mark_bump(const struct oid *user, struct derr *err)
{
	bson_oid_t u;
	bson_error_t e;
	oid_to_store(user, &u);
	if (bump(&u, 1, &e))
		return true;
	derr_from_store(err, &e);
	return false;
}

/* all zeros: ObjectIds made by drivers and servers carry a time, never zero */
void read_mark_board_id(struct oid *out)
{
	memset(out, 0, sizeof(*out));
}

void read_mark_slots_id(struct oid *out)
{
	/* zero time, 1 in the last byte: like the board's, never a driver's or server's id */
	memset(out, 0, sizeof(*out));
	out->bytes[11] = 1;
}

/* The seat map's mark alone, now. */
static void bump_slots_now(void)
{
	bson_oid_t map;
	slots_id(&map);
	bson_error_t err;
	if (!bump_all(&map, 1, &err))
		log_warn("seat map mark not bumped (cached availability ages out instead): %s",
			 err.message);
}

void read_mark_bump_slots(void)
{
	if (seats.deferring)
		seats.pending = true;
	else
		bump_slots_now();
}

void read_mark_slots_defer(void)
{
	read_mark_slots_flush(); /* a bump left waiting (none should be): never lost */
	seats.deferring = true;
}

void read_mark_slots_flush(void)
{
	seats.deferring = false;
	if (!seats.pending)
		return;
	seats.pending = false;
	bump_slots_now();
}

void read_mark_bump_board(void)
{
	bson_oid_t board;
	board_id(&board);
	bson_error_t err;
	if (!bump(&board, 1, &err))
		log_warn("board mark not bumped (cached board pages age out instead): %s",
			 err.message);
}

void read_mark_bump_request(const bson_t *doc)
{
	bson_iter_t it;
	if (!doc || !bson_iter_init_find(&it, doc, "user_id") || !BSON_ITER_HOLDS_OID(&it)) {
		read_mark_bump_board();
		return;
	}
	bson_oid_t marks[2];
	bson_oid_copy(bson_iter_oid(&it), &marks[0]);
	board_id(&marks[1]);
	bson_error_t err;
	if (!bump(marks, 2, &err))
		log_warn("read marks not bumped (cached lists age out instead): %s", err.message);
}

void read_mark_bump_owner(const bson_t *doc)
{
	bson_iter_t it;
	if (!doc || !bson_iter_init_find(&it, doc, "user_id") || !BSON_ITER_HOLDS_OID(&it))
		return;
	bson_error_t err;
	if (!bump(bson_iter_oid(&it), 1, &err))
		log_warn("read mark not bumped (cached lists age out instead): %s", err.message);
}
bool read_mark_get(const struct oid *user, char out[READ_MARK_LEN], struct derr *err)
{
	out[0] = '\0';
	bson_oid_t u;
	bson_error_t e;
	oid_to_store(user, &u);
	bson_t *q = BCON_NEW("_id", BCON_OID(&u));
	bson_t *opts = BCON_NEW("limit", BCON_INT64(1));
	mongoc_cursor_t *c =
	    mongoc_collection_find_with_opts(db_coll(READ_MARKS_COLL), q, opts, NULL);
	const bson_t *doc;
	bson_iter_t it;
	if (mongoc_cursor_next(c, &doc) && bson_iter_init_find(&it, doc, "mark") &&
	    BSON_ITER_HOLDS_UTF8(&it))
		snprintf(out, READ_MARK_LEN, "%s", bson_iter_utf8(&it, NULL));
	bool failed = mongoc_cursor_error(c, &e);
	mongoc_cursor_destroy(c);
	bson_destroy(q);
	bson_destroy(opts);
	if (failed)
		derr_from_store(err, &e);
	return !failed;
}
