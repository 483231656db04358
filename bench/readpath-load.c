/* bench/readpath-load — fills the store for bench/readpath.sh quickly: bulk inserts over
 * the MongoDB wire protocol (FerretDB or MongoDB), not one API call per document.
 *
 * The documents are clones of real ones the API wrote (so every read path decodes them as
 * its own): the template resident's user document, and the template requests with their
 * change log (request_events) and notifications. A clone gets fresh ids; every value equal
 * to a template id (ObjectId or its hex string, also as the prefix of an event's
 * "<request>:<version>" _id) is rewritten to the clone's id, and its top-level dates are
 * moved back a little per clone so that "newest first" has an order to follow.
 *
 * usage: readpath-load MONGO_URI DB TEMPLATE_USER_ID USERS REQUESTS OWN_USER_ID OWN_REQUESTS
 *        TEMPLATE_REQUEST_ID...
 *   adds residents until the store holds USERS citizens, then requests (each with its events
 *   and notifications) until it holds REQUESTS; OWN_USER_ID (the measured resident) gets new
 *   requests until it has OWN_REQUESTS, the rest go to random residents.
 * build: cc -O2 -o readpath-load bench/readpath-load.c $(pkg-config --cflags --libs
 * libmongoc-1.0)
 */
#include <mongoc/mongoc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TEMPLATES 8
#define BATCH	      1000

struct idmap {
	bson_oid_t from[2], to[2];
	int n;
	int64_t shift_ms;
};

static mongoc_database_t *db;

static void die(const char *what, const bson_error_t *err)
{
	fprintf(stderr, "readpath-load: %s: %s\n", what, err ? err->message : "failed");
	exit(1);
}

static void quiet_log(mongoc_log_level_t level, const char *domain, const char *message, void *data)
{
	(void)data;
	if (level <= MONGOC_LOG_LEVEL_ERROR)
		fprintf(stderr, "readpath-load: %s: %s\n", domain, message);
}

static int64_t count(const char *coll, const bson_t *q)
{
	bson_error_t err;
	mongoc_collection_t *c = mongoc_database_get_collection(db, coll);
	int64_t n = mongoc_collection_count_documents(c, q, NULL, NULL, NULL, &err);
	mongoc_collection_destroy(c);
	if (n < 0)
		die("count", &err);
	return n;
}

/* Every document of coll matching q (caller destroys each and frees the array). */
static bson_t **find_all(const char *coll, const bson_t *q, size_t *n)
{
	mongoc_collection_t *c = mongoc_database_get_collection(db, coll);
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(c, q, NULL, NULL);
	const bson_t *doc;
	size_t cap = 16;
	bson_t **out = malloc(cap * sizeof(*out));
	*n = 0;
	while (mongoc_cursor_next(cur, &doc)) {
		if (*n == cap)
			out = realloc(out, (cap *= 2) * sizeof(*out));
		out[(*n)++] = bson_copy(doc);
	}
	bson_error_t err;
	if (mongoc_cursor_error(cur, &err))
		die("find", &err);
	mongoc_cursor_destroy(cur);
	mongoc_collection_destroy(c);
	return out;
}

static void clone_into(bson_t *out, bson_iter_t *it, const struct idmap *m, bool top);

/* One value, rewritten through the id map. */
static void clone_value(bson_t *out, const char *key, bson_iter_t *it, const struct idmap *m,
			bool top)
{
	bson_t sub;
	bson_iter_t child;
	switch (bson_iter_type(it)) {
	case BSON_TYPE_OID:
		for (int i = 0; i < m->n; i++)
			if (bson_oid_equal(bson_iter_oid(it), &m->from[i])) {
				BSON_APPEND_OID(out, key, &m->to[i]);
				return;
			}
		break;
	case BSON_TYPE_UTF8: {
		const char *s = bson_iter_utf8(it, NULL);
		for (int i = 0; i < m->n; i++) {
			char hex[25];
			bson_oid_to_string(&m->from[i], hex);
			if (strncmp(s, hex, 24) == 0) {
				char buf[256];
				bson_oid_to_string(&m->to[i], hex);
				snprintf(buf, sizeof(buf), "%s%s", hex, s + 24);
				BSON_APPEND_UTF8(out, key, buf);
				return;
			}
		}
		break;
	}
	case BSON_TYPE_DATE_TIME:
		if (top) {
			BSON_APPEND_DATE_TIME(out, key, bson_iter_date_time(it) - m->shift_ms);
			return;
		}
		break;
	case BSON_TYPE_DOCUMENT:
	case BSON_TYPE_ARRAY:
		bson_iter_recurse(it, &child);
		if (bson_iter_type(it) == BSON_TYPE_DOCUMENT)
			bson_append_document_begin(out, key, -1, &sub);
		else
			bson_append_array_begin(out, key, -1, &sub);
		clone_into(&sub, &child, m, false);
		if (bson_iter_type(it) == BSON_TYPE_DOCUMENT)
			bson_append_document_end(out, &sub);
		else
			bson_append_array_end(out, &sub);
		return;
	default: break;
	}
	bson_append_iter(out, key, -1, it);
}

static void clone_into(bson_t *out, bson_iter_t *it, const struct idmap *m, bool top)
{
	while (bson_iter_next(it))
		clone_value(out, bson_iter_key(it), it, m, top);
}

/* A clone of doc; a top-level ObjectId _id not in the map gets a fresh one. */
static bson_t *clone_doc(const bson_t *doc, const struct idmap *m)
{
	bson_t *out = bson_new();
	bson_iter_t it;
	bson_iter_init(&it, doc);
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);
		if (strcmp(k, "_id") == 0 && BSON_ITER_HOLDS_OID(&it)) {
			bool mapped = false;
			for (int i = 0; i < m->n; i++)
				mapped |= bson_oid_equal(bson_iter_oid(&it), &m->from[i]);
			if (!mapped) {
				bson_oid_t id;
				bson_oid_init(&id, NULL);
				BSON_APPEND_OID(out, "_id", &id);
				continue;
			}
		}
		clone_value(out, k, &it, m, true);
	}
	return out;
}

struct batch {
	const char *coll;
	mongoc_bulk_operation_t *bulk;
	int n;
};

static void batch_flush(struct batch *b)
{
	if (b->n == 0)
		return;
	bson_error_t err;
	if (!mongoc_bulk_operation_execute(b->bulk, NULL, &err))
		die(b->coll, &err);
	mongoc_bulk_operation_destroy(b->bulk);
	b->bulk = NULL;
	b->n = 0;
}

static void batch_add(struct batch *b, bson_t *doc)
{
	if (!b->bulk) {
		mongoc_collection_t *c = mongoc_database_get_collection(db, b->coll);
		bson_t opts = BSON_INITIALIZER;
		BSON_APPEND_BOOL(&opts, "ordered", false);
		b->bulk = mongoc_collection_create_bulk_operation_with_opts(c, &opts);
		bson_destroy(&opts);
		mongoc_collection_destroy(c);
	}
	mongoc_bulk_operation_insert(b->bulk, doc);
	bson_destroy(doc);
	if (++b->n == BATCH)
		batch_flush(b);
}

int main(int argc, char **argv)
{
	if (argc < 9) {
		fprintf(stderr,
			"usage: %s MONGO_URI DB TEMPLATE_USER_ID USERS REQUESTS OWN_USER_ID "
			"OWN_REQUESTS TEMPLATE_REQUEST_ID...\n",
			argv[0]);
		return 2;
	}
	mongoc_init();
	mongoc_log_set_handler(quiet_log, NULL);
	bson_error_t err;
	mongoc_uri_t *uri = mongoc_uri_new_with_error(argv[1], &err);
	if (!uri)
		die("MONGO_URI", &err);
	mongoc_client_t *client = mongoc_client_new_from_uri(uri);
	db = mongoc_client_get_database(client, argv[2]);
	bson_oid_t tuser, own;
	if (!bson_oid_is_valid(argv[3], strlen(argv[3])) ||
	    !bson_oid_is_valid(argv[6], strlen(argv[6])))
		die("user ids must be ObjectIds", NULL);
	bson_oid_init_from_string(&tuser, argv[3]);
	bson_oid_init_from_string(&own, argv[6]);
	long want_users = atol(argv[4]), want_requests = atol(argv[5]), want_own = atol(argv[7]);
	int ntemplates = argc - 8 > MAX_TEMPLATES ? MAX_TEMPLATES : argc - 8;
	srandom(42);

	/* residents */
	bson_t *q = BCON_NEW("role", BCON_UTF8("citizen"));
	long have_users = (long)count("users", q);
	bson_destroy(q);
	q = BCON_NEW("_id", BCON_OID(&tuser));
	size_t n;
	bson_t **tu = find_all("users", q, &n);
	bson_destroy(q);
	if (n != 1)
		die("the template user does not exist", NULL);
	struct batch users = {"users", NULL, 0};
	char tag[32];
	snprintf(tag, sizeof(tag), "%lx", (unsigned long)time(NULL));
	for (long i = have_users; i < want_users; i++) {
		struct idmap m = {.n = 0};
		bson_t *u = clone_doc(tu[0], &m);
		bson_t *fixed = bson_new();
		bson_iter_t it;
		bson_iter_init(&it, u);
		while (bson_iter_next(&it)) {
			if (strcmp(bson_iter_key(&it), "email") == 0) {
				char email[96];
				snprintf(email, sizeof(email), "load-%s-%ld@example.com", tag, i);
				BSON_APPEND_UTF8(fixed, "email", email);
			} else {
				bson_append_iter(fixed, NULL, 0, &it);
			}
		}
		bson_destroy(u);
		batch_add(&users, fixed);
	}
	batch_flush(&users);
	bson_destroy(tu[0]);
	free(tu);

	/* every resident's id: owners of the new requests */
	q = BCON_NEW("role", BCON_UTF8("citizen"));
	bson_t **all = find_all("users", q, &n);
	bson_destroy(q);
	bson_oid_t *owners = malloc((n ? n : 1) * sizeof(*owners));
	size_t nowners = 0;
	for (size_t i = 0; i < n; i++) {
		bson_iter_t it;
		if (bson_iter_init_find(&it, all[i], "_id") && BSON_ITER_HOLDS_OID(&it))
			bson_oid_copy(bson_iter_oid(&it), &owners[nowners++]);
		bson_destroy(all[i]);
	}
	free(all);
	if (nowners == 0)
		die("no residents", NULL);

	/* the templates: each request with its events and notifications */
	bson_t **treq[MAX_TEMPLATES], **tev[MAX_TEMPLATES], **tnote[MAX_TEMPLATES];
	size_t nev[MAX_TEMPLATES], nnote[MAX_TEMPLATES];
	bson_oid_t tid[MAX_TEMPLATES];
	for (int t = 0; t < ntemplates; t++) {
		if (!bson_oid_is_valid(argv[8 + t], strlen(argv[8 + t])))
			die("template request ids must be ObjectIds", NULL);
		bson_oid_init_from_string(&tid[t], argv[8 + t]);
		q = BCON_NEW("_id", BCON_OID(&tid[t]));
		treq[t] = find_all("pickup_requests", q, &n);
		bson_destroy(q);
		if (n != 1)
			die("a template request does not exist", NULL);
		q = BCON_NEW("request_id", BCON_OID(&tid[t]));
		tev[t] = find_all("request_events", q, &nev[t]);
		bson_destroy(q);
		q = BCON_NEW("meta.request_id", BCON_UTF8(argv[8 + t]));
		tnote[t] = find_all("notifications", q, &nnote[t]);
		bson_destroy(q);
	}

	q = bson_new();
	long have = (long)count("pickup_requests", q);
	bson_destroy(q);
	q = BCON_NEW("user_id", BCON_OID(&own));
	long have_own = (long)count("pickup_requests", q);
	bson_destroy(q);
	struct batch reqs = {"pickup_requests", NULL, 0}, evs = {"request_events", NULL, 0},
		     notes = {"notifications", NULL, 0};
	long added = 0;
	for (long i = have; i < want_requests; i++, added++) {
		int t = (int)(i % ntemplates);
		struct idmap m = {.n = 2, .shift_ms = (want_requests - i) * 1000};
		m.from[0] = tid[t];
		bson_oid_init(&m.to[0], NULL);
		m.from[1] = tuser;
		if (have_own < want_own) {
			m.to[1] = own;
			have_own++;
		} else {
			m.to[1] = owners[(size_t)random() % nowners];
		}
		batch_add(&reqs, clone_doc(treq[t][0], &m));
		for (size_t e = 0; e < nev[t]; e++)
			batch_add(&evs, clone_doc(tev[t][e], &m));
		for (size_t k = 0; k < nnote[t]; k++)
			batch_add(&notes, clone_doc(tnote[t][k], &m));
		if (added % 5000 == 4999) {
			batch_flush(&reqs);
			batch_flush(&evs);
			batch_flush(&notes);
			fprintf(stderr, "readpath-load: %ld requests\n", i + 1);
		}
	}
	batch_flush(&reqs);
	batch_flush(&evs);
	batch_flush(&notes);
	printf("{\"users_added\":%ld,\"requests_added\":%ld}\n",
	       want_users > have_users ? want_users - have_users : 0, added);

	for (int t = 0; t < ntemplates; t++) {
		bson_destroy(treq[t][0]);
		free(treq[t]);
		for (size_t e = 0; e < nev[t]; e++)
			bson_destroy(tev[t][e]);
		free(tev[t]);
		for (size_t k = 0; k < nnote[t]; k++)
			bson_destroy(tnote[t][k]);
		free(tnote[t]);
	}
	free(owners);
	mongoc_database_destroy(db);
	mongoc_client_destroy(client);
	mongoc_uri_destroy(uri);
	mongoc_cleanup();
	return 0;
}
