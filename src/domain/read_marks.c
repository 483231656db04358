/* Read marks (read_marks.h): written after every change a user's lists show. */
#include <string.h>

#include "domain/internal/read_marks_store.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/timeutil.h"

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

static bool bump(const bson_oid_t *user, bson_error_t *err)
{
	bson_t *q = BCON_NEW("_id", BCON_OID(user));
	bson_t *u = new_mark();
	bool ok = db_upsert(READ_MARKS_COLL, q, u, err);
	bson_destroy(q);
	bson_destroy(u);
	return ok;
}

bool read_mark_bump(const struct oid *user, struct derr *err)
{
	bson_oid_t u;
	bson_error_t e;
	oid_to_store(user, &u);
	if (bump(&u, &e))
		return true;
	derr_from_store(err, &e);
	return false;
}

/* all zeros: ObjectIds made by drivers and servers carry a time, never zero */
static void board_id(bson_oid_t *out)
{
	memset(out, 0, sizeof(*out));
}

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

void read_mark_bump_slots(void)
{
	struct oid slots;
	read_mark_slots_id(&slots);
	struct derr err;
	if (!read_mark_bump(&slots, &err))
		log_warn("seat map mark not bumped (cached availability ages out instead): %s",
			 err.message);
}

void read_mark_bump_board(void)
{
	bson_oid_t board;
	board_id(&board);
	bson_error_t err;
	if (!bump(&board, &err))
		log_warn("board mark not bumped (cached board pages age out instead): %s",
			 err.message);
}

/* Both marks in one store command. */
static bool bump_pair(const bson_oid_t *owner, bson_error_t *err)
{
	bson_oid_t board;
	board_id(&board);
	bson_t *qs[2] = {BCON_NEW("_id", BCON_OID(owner)), BCON_NEW("_id", BCON_OID(&board))};
	bson_t *us[2] = {new_mark(), new_mark()};
	bool ok = db_upsert_each(READ_MARKS_COLL, qs, us, 2, err);
	for (int i = 0; i < 2; i++) {
		bson_destroy(qs[i]);
		bson_destroy(us[i]);
	}
	return ok;
}

void read_mark_bump_request(const bson_t *doc)
{
	bson_iter_t it;
	if (!doc || !bson_iter_init_find(&it, doc, "user_id") || !BSON_ITER_HOLDS_OID(&it)) {
		read_mark_bump_board();
		return;
	}
	bson_error_t err;
	if (!bump_pair(bson_iter_oid(&it), &err))
		log_warn("read marks not bumped (cached lists age out instead): %s", err.message);
}

void read_mark_bump_owner(const bson_t *doc)
{
	bson_iter_t it;
	if (!doc || !bson_iter_init_find(&it, doc, "user_id") || !BSON_ITER_HOLDS_OID(&it))
		return;
	bson_error_t err;
	if (!bump(bson_iter_oid(&it), &err))
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
