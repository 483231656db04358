/* bench/booking-dbcheck — counts, directly in the database (MongoDB wire protocol, so
 * FerretDB or MongoDB), what one slot holds: the seat claims (slot_claims) and the pickup
 * requests scheduled into it (pickup_requests). Used by bench/booking.sh, since mongosh is
 * not installed. Prints one JSON line:
 *   {"claims":N,"seats_distinct":N,"requests_distinct":N,"scheduled":N}
 *
 * usage: booking-dbcheck MONGO_URI DB CLASS START_MS
 * build: cc -O2 -o bench/booking-dbcheck bench/booking-dbcheck.c $(pkg-config --cflags --libs
 * libmongoc-1.0)
 */
#include <mongoc/mongoc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t count(mongoc_collection_t *c, const bson_t *q)
{
	bson_error_t err;
	int64_t n = mongoc_collection_count_documents(c, q, NULL, NULL, NULL, &err);
	if (n < 0) {
		fprintf(stderr, "booking-dbcheck: count failed: %s\n", err.message);
		exit(1);
	}
	return n;
}

/* FerretDB answers "no such command: endSessions" on disconnect: only errors are of interest */
static void quiet_log(mongoc_log_level_t level, const char *domain, const char *message, void *data)
{
	(void)data;
	if (level <= MONGOC_LOG_LEVEL_ERROR)
		fprintf(stderr, "booking-dbcheck: %s: %s\n", domain, message);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s MONGO_URI DB CLASS START_MS\n", argv[0]);
		return 2;
	}
	int64_t start = strtoll(argv[4], NULL, 10);
	mongoc_log_set_handler(quiet_log, NULL);
	mongoc_init();
	bson_error_t err;
	mongoc_uri_t *uri = mongoc_uri_new_with_error(argv[1], &err);
	if (!uri) {
		fprintf(stderr, "booking-dbcheck: bad URI: %s\n", err.message);
		return 1;
	}
	mongoc_client_t *cl = mongoc_client_new_from_uri(uri);
	mongoc_collection_t *claims = mongoc_client_get_collection(cl, argv[2], "slot_claims");
	mongoc_collection_t *reqs = mongoc_client_get_collection(cl, argv[2], "pickup_requests");

	/* every claim of the slot, with its seat number and request id */
	bson_t *q = BCON_NEW("class", BCON_UTF8(argv[3]), "start", BCON_DATE_TIME(start));
	int64_t nclaims = count(claims, q);
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(claims, q, NULL, NULL);
	const bson_t *doc;
	char seats[1024] = "", ids[8192] = "";
	int nseats = 0, nids = 0;
	while (mongoc_cursor_next(cur, &doc)) {
		bson_iter_t it;
		char key[64];
		if (bson_iter_init_find(&it, doc, "seat") && BSON_ITER_HOLDS_NUMBER(&it)) {
			snprintf(key, sizeof(key), "|%lld|", (long long)bson_iter_as_int64(&it));
			if (!strstr(seats, key) && strlen(seats) + strlen(key) < sizeof(seats)) {
				strcat(seats, key);
				nseats++;
			}
		}
		if (bson_iter_init_find(&it, doc, "request_id") && BSON_ITER_HOLDS_OID(&it)) {
			char hex[25];
			bson_oid_to_string(bson_iter_oid(&it), hex);
			snprintf(key, sizeof(key), "|%s|", hex);
			if (!strstr(ids, key) && strlen(ids) + strlen(key) < sizeof(ids)) {
				strcat(ids, key);
				nids++;
			}
		}
	}
	if (mongoc_cursor_error(cur, &err)) {
		fprintf(stderr, "booking-dbcheck: find failed: %s\n", err.message);
		return 1;
	}
	mongoc_cursor_destroy(cur);
	bson_destroy(q);

	/* requests whose status is scheduled into the slot */
	q = BCON_NEW("assigned_slot.start", BCON_DATE_TIME(start), "status",
		     BCON_UTF8("scheduled"));
	int64_t scheduled = count(reqs, q);
	bson_destroy(q);

	printf(
	    "{\"claims\":%lld,\"seats_distinct\":%d,\"requests_distinct\":%d,\"scheduled\":%lld}\n",
	    (long long)nclaims, nseats, nids, (long long)scheduled);
	mongoc_collection_destroy(claims);
	mongoc_collection_destroy(reqs);
	mongoc_client_destroy(cl);
	mongoc_uri_destroy(uri);
	mongoc_cleanup();
	return 0;
}
