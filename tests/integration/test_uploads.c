/* POST /api/files/upload against a real FerretDB/MongoDB (SWMRA_TEST_MONGO_URI) and a
 * temporary UPLOAD_DIR: each accepted type is stored without metadata under
 * YYYY/MM/<random>.<ext> with its `uploads` document; every refusal stores nothing (the
 * directory and the collection are checked); references resolve only for their owner;
 * the orphan cleanup removes file and document. The handler is called directly with
 * req->user set (the route itself is behind the auth guard). */
#define _GNU_SOURCE /* nftw */
#include "itutil.h"

#include <dirent.h>
#include <ftw.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "domain/upload_links.h"
#include "domain/uploads.h"
#include "infra/objstore.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/runtime.h"
#include "infra/timeutil.h"
#include "upload_fixtures.h"

#define BASE  "https://swmra.example"
#define OWNER "65a000000000000000000001"
#define OTHER "65a000000000000000000002"

static char updir[] = "/tmp/swmra-uploads-XXXXXX";

static int setup(void **state)
{
	(void)state;
	itu_db_env("uploads");
	if (!mkdtemp(updir))
		return -1;
	setenv("UPLOAD_DIR", updir, 1);
	setenv("PUBLIC_BASE_URL", BASE "/", 1);
	setenv("UPLOAD_MAX_BYTES", "65536", 1);
	/* the quota has tests of its own (quota_*); the others upload freely */
	setenv("UPLOAD_MAX_PENDING", "1000", 1);
	setenv("UPLOAD_RATE_PER_HOUR", "1000", 1);
	if (itu_start("test_uploads") < 0 || itu_ensure_indexes() < 0 || sodium_init() < 0)
		return -1;
	return 0;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static int teardown(void **state)
{
	(void)state;
	itu_drop();
	nftw(updir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static int nfiles;
static int count_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)p;
	(void)st;
	(void)f;
	if (flag == FTW_F)
		nfiles++;
	return 0;
}

static int files_stored(void)
{
	nfiles = 0;
	nftw(updir, count_one, 16, FTW_PHYS);
	return nfiles;
}

static int64_t docs_stored(void)
{
	return itu_count("uploads", bson_new());
}

/* A multipart body with one part per (name, filename, type, data) tuple. */
struct part_spec {
	const char *name;
	const char *filename;
	const char *type;
	const void *data;
	size_t len;
};

static void mp_build(struct fx_buf *b, const struct part_spec *ps, int n, int close)
{
	for (int i = 0; i < n; i++) {
		fx_puts(b, "--BoUnDaRy1234\r\nContent-Disposition: form-data; name=\"");
		fx_puts(b, ps[i].name);
		fx_puts(b, "\"");
		if (ps[i].filename) {
			fx_puts(b, "; filename=\"");
			fx_puts(b, ps[i].filename);
			fx_puts(b, "\"");
		}
		fx_puts(b, "\r\n");
		if (ps[i].type) {
			fx_puts(b, "Content-Type: ");
			fx_puts(b, ps[i].type);
			fx_puts(b, "\r\n");
		}
		fx_puts(b, "\r\n");
		fx_put(b, ps[i].data, ps[i].len);
		fx_puts(b, "\r\n");
	}
	if (close)
		fx_puts(b, "--BoUnDaRy1234--\r\n");
}

static int upload_raw(struct call *c, const char *ctype, const void *body, size_t len,
		      const char *user)
{
	call_begin(c, "POST", "/api/files/upload", NULL, NULL);
	c->req.content_type = ctype;
	c->req.body = body;
	c->req.body_len = len;
	return itu_run_as(c, user, ROLE_CITIZEN);
}

static int upload_file(struct call *c, struct fx_buf *body, const void *data, size_t len,
		       const char *filename, const char *type)
{
	struct part_spec p = {"file", filename, type, data, len};
	memset(body, 0, sizeof(*body));
	mp_build(body, &p, 1, 1);
	return upload_raw(c, "multipart/form-data; boundary=BoUnDaRy1234", body->p, body->n, OWNER);
}

/* Reads the stored file of `path` into a malloc'd buffer. */
static unsigned char *read_stored(const char *path, size_t *len, struct stat *st)
{
	char full[512];
	snprintf(full, sizeof(full), "%s/%s", updir, path);
	FILE *f = fopen(full, "rb");
	if (!f)
		return NULL;
	unsigned char *buf = malloc(1 << 20);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	stat(full, st);
	return buf;
}

/* Uploads `data`, expects 201 and checks the answer, the file and the document. Returns
 * the stored bytes (caller frees). */
static unsigned char *accept_one(const void *data, size_t len, const char *ext, const char *ctype,
				 size_t *stored_len, char *path_out)
{
	struct call c;
	struct fx_buf body;
	int before = files_stored();
	int64_t dbefore = docs_stored();
	assert_int_equal(upload_file(&c, &body, data, len, "photo.bin", "application/octet-stream"),
			 201);
	const char *path = jsonx_str(c.json, "path");
	const char *url = jsonx_str(c.json, "url");
	assert_non_null(path);
	assert_non_null(url);
	assert_true(uploads_valid_relpath(path));
	assert_string_equal(path + strlen(path) - strlen(ext), ext);
	char want_url[256];
	snprintf(want_url, sizeof(want_url), BASE "/uploads/%s", path);
	/* a signed link to the file (upload_links.h): the address, then md5 and expires */
	assert_memory_equal(url, want_url, strlen(want_url));
	assert_int_equal(url[strlen(want_url)], '?');
	assert_true(upload_link_query_ok(url + strlen(want_url) + 1));
	/* YYYY/MM of now (UTC) */
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	char ym[32];
	snprintf(ym, sizeof(ym), "%04d/%02d/", tm.tm_year + 1900, tm.tm_mon + 1);
	assert_memory_equal(path, ym, 8);
	strcpy(path_out, path);

	struct stat st;
	unsigned char *got = read_stored(path, stored_len, &st);
	assert_non_null(got);
	assert_int_equal(st.st_mode & 0777, 0644);
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/%.7s", updir, path);
	struct stat dst;
	assert_int_equal(stat(dir, &dst), 0);
	assert_int_equal(dst.st_mode & 0777, 0755);
	assert_int_equal(files_stored(), before + 1);
	assert_int_equal(docs_stored(), dbefore + 1);

	/* the document */
	bson_t *q = BCON_NEW("path", BCON_UTF8(path));
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll("uploads"), q, NULL, NULL);
	const bson_t *doc;
	assert_true(mongoc_cursor_next(cur, &doc));
	bson_iter_t it;
	bson_oid_t owner;
	db_parse_oid(OWNER, &owner);
	assert_true(bson_iter_init_find(&it, doc, "owner_id") && BSON_ITER_HOLDS_OID(&it));
	assert_int_equal(bson_oid_compare(bson_iter_oid(&it), &owner), 0);
	assert_true(bson_iter_init_find(&it, doc, "content_type"));
	assert_string_equal(bson_iter_utf8(&it, NULL), ctype);
	assert_true(bson_iter_init_find(&it, doc, "url"));
	assert_string_equal(bson_iter_utf8(&it, NULL), want_url);
	assert_true(bson_iter_init_find(&it, doc, "size"));
	assert_int_equal(bson_iter_as_int64(&it), (int64_t)*stored_len);
	unsigned char dg[crypto_hash_sha256_BYTES];
	char hex[65];
	crypto_hash_sha256(dg, got, *stored_len);
	sodium_bin2hex(hex, sizeof(hex), dg, sizeof(dg));
	assert_true(bson_iter_init_find(&it, doc, "sha256"));
	assert_string_equal(bson_iter_utf8(&it, NULL), hex);
	assert_true(bson_iter_init_find(&it, doc, "created_at") && BSON_ITER_HOLDS_DATE_TIME(&it));
	assert_true(llabs(bson_iter_date_time(&it) - time_now_ms()) < 60000);
	assert_true(bson_iter_init_find(&it, doc, "request_id") && BSON_ITER_HOLDS_NULL(&it));
	mongoc_cursor_destroy(cur);
	bson_destroy(q);
	call_end(&c);
	free(body.p);
	return got;
}

static void accepts_each_type(void **state)
{
	(void)state;
	size_t n;
	char path[64];
	unsigned char *got =
	    accept_one(fx_jpeg_2x2, sizeof(fx_jpeg_2x2), ".jpg", "image/jpeg", &n, path);
	assert_int_equal(n, sizeof(fx_jpeg_2x2));
	assert_memory_equal(got, fx_jpeg_2x2, n);
	free(got);

	struct fx_buf png = {0};
	fx_png(&png, NULL, 0, 1);
	got = accept_one(png.p, png.n, ".png", "image/png", &n, path);
	assert_int_equal(n, png.n);
	assert_memory_equal(got, png.p, n);
	free(got);
	free(png.p);

	got = accept_one(fx_webp_lossless_1x1, sizeof(fx_webp_lossless_1x1), ".webp", "image/webp",
			 &n, path);
	assert_memory_equal(got, fx_webp_lossless_1x1, n);
	free(got);
	got = accept_one(fx_webp_lossy_2x2, sizeof(fx_webp_lossy_2x2), ".webp", "image/webp", &n,
			 path);
	free(got);
}

static void gps_exif_is_stripped(void **state)
{
	(void)state;
	struct fx_buf in = {0};
	fx_jpeg_with_metadata(&in);
	size_t n;
	char path[64];
	unsigned char *got = accept_one(in.p, in.n, ".jpg", "image/jpeg", &n, path);
	assert_int_equal(n, sizeof(fx_jpeg_2x2));
	assert_memory_equal(got, fx_jpeg_2x2, n);
	assert_false(fx_contains(got, n, "Exif", 4));
	assert_false(fx_contains(got, n, "xmpmeta", 7));
	free(got);
	free(in.p);

	struct fx_buf w = {0};
	fx_webp_with_metadata(&w);
	got = accept_one(w.p, w.n, ".webp", "image/webp", &n, path);
	assert_false(fx_contains(got, n, "EXIF", 4));
	assert_false(fx_contains(got, n, "GPS", 3));
	free(got);
	free(w.p);
}

static void path_traversal_name_ignored(void **state)
{
	(void)state;
	const char *names[] = {"../../../../etc/cron.d/x.jpg", "..\\..\\evil.html", "/abs/x.png",
			       "a\\\"b<script>.svg", "%2e%2e%2f%2e%2e%2fx.jpg"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct call c;
		struct fx_buf body;
		assert_int_equal(
		    upload_file(&c, &body, fx_jpeg_2x2, sizeof(fx_jpeg_2x2), names[i], "text/html"),
		    201);
		const char *path = jsonx_str(c.json, "path");
		assert_true(uploads_valid_relpath(path));
		assert_null(strstr(path, "etc"));
		assert_null(strstr(path, "evil"));
		call_end(&c);
		free(body.p);
	}
	/* nothing escaped the upload directory */
	struct stat st;
	assert_int_not_equal(stat("/etc/cron.d/x.jpg", &st), 0);
}

/* Expects `status` (and `detail` when given) and that nothing was stored. */
static void refused_raw(const char *ctype, const void *body, size_t len, int status,
			const char *detail)
{
	int before = files_stored();
	int64_t dbefore = docs_stored();
	struct call c;
	assert_int_equal(upload_raw(&c, ctype, body, len, OWNER), status);
	assert_non_null(c.json);
	if (detail)
		assert_string_equal(call_detail(&c), detail);
	else
		assert_non_null(json_object_object_get(c.json, "detail"));
	assert_int_equal(files_stored(), before);
	assert_int_equal(docs_stored(), dbefore);
	call_end(&c);
}

static void refused_file(const void *data, size_t len, const char *filename, const char *type,
			 int status, const char *detail)
{
	struct part_spec p = {"file", filename, type, data, len};
	struct fx_buf b = {0};
	mp_build(&b, &p, 1, 1);
	refused_raw("multipart/form-data; boundary=BoUnDaRy1234", b.p, b.n, status, detail);
	free(b.p);
}

#define ONLY_IMAGES "Only JPEG, PNG or WebP images are accepted"

static void refuses_bad_kinds(void **state)
{
	(void)state;
	static const char svg[] = "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>";
	static const char html[] = "<!doctype html><script>alert(document.cookie)</script>";
	refused_file(svg, sizeof(svg) - 1, "x.svg", "image/svg+xml", 415, ONLY_IMAGES);
	refused_file(html, sizeof(html) - 1, "x.html", "text/html", 415, ONLY_IMAGES);
	/* mislabelled: text named and declared as a JPEG */
	refused_file("just text", 9, "photo.jpg", "image/jpeg", 415, ONLY_IMAGES);
	/* empty */
	refused_file("", 0, "empty.png", "image/png", 415, ONLY_IMAGES);
	/* polyglots: HTML after the JPEG EOI, a ZIP after the PNG IEND, markup in a chunk */
	struct fx_buf j = {0};
	fx_put(&j, fx_jpeg_2x2, sizeof(fx_jpeg_2x2));
	fx_puts(&j, "<html><script>alert(1)</script></html>");
	refused_file(j.p, j.n, "x.jpg", "image/jpeg", 415, ONLY_IMAGES);
	free(j.p);
	struct fx_buf p = {0};
	fx_png(&p, NULL, 0, 1);
	fx_puts(&p, "PK\x03\x04");
	refused_file(p.p, p.n, "x.png", "image/png", 415, ONLY_IMAGES);
	free(p.p);
	struct fx_buf q = {0};
	const struct fx_chunk t[] = {FX_CHUNK("tEXt", "k\0<script>alert(1)</script>")};
	fx_png(&q, t, 1, 1);
	refused_file(q.p, q.n, "x.png", "image/png", 415, ONLY_IMAGES);
	free(q.p);
	/* truncated image */
	refused_file(fx_jpeg_2x2, sizeof(fx_jpeg_2x2) - 10, "x.jpg", "image/jpeg", 415,
		     ONLY_IMAGES);
	/* GIF is not accepted */
	refused_file("GIF89a\1\0\1\0\0\0\0;", 13, "x.gif", "image/gif", 415, ONLY_IMAGES);
}

static void refuses_bad_requests(void **state)
{
	(void)state;
	const char *ct = "multipart/form-data; boundary=BoUnDaRy1234";
	/* missing field: the only part is named otherwise */
	struct part_spec other = {"photo", "x.jpg", "image/jpeg", fx_jpeg_2x2, sizeof(fx_jpeg_2x2)};
	struct fx_buf b = {0};
	mp_build(&b, &other, 1, 1);
	refused_raw(ct, b.p, b.n, 422, NULL);
	free(b.p);
	/* no parts at all */
	refused_raw(ct, "--BoUnDaRy1234--\r\n", 18, 422, NULL);
	/* two files */
	struct part_spec two[2] = {
	    {"file", "a.jpg", "image/jpeg", fx_jpeg_2x2, sizeof(fx_jpeg_2x2)},
	    {"file", "b.jpg", "image/jpeg", fx_jpeg_2x2, sizeof(fx_jpeg_2x2)}};
	memset(&b, 0, sizeof(b));
	mp_build(&b, two, 2, 1);
	refused_raw(ct, b.p, b.n, 422, NULL);
	/* truncated body: cut before the closing delimiter, and in the middle of the file */
	struct fx_buf one = {0};
	mp_build(&one, two, 1, 0);
	refused_raw(ct, one.p, one.n, 400, NULL);
	refused_raw(ct, one.p, one.n / 2, 400, NULL);
	refused_raw(ct, b.p, b.n - 3, 400, NULL);
	/* wrong Content-Type */
	refused_raw("application/json", b.p, b.n, 400, NULL);
	refused_raw(NULL, b.p, b.n, 400, NULL);
	refused_raw("multipart/form-data", b.p, b.n, 400, NULL);
	refused_raw("multipart/mixed; boundary=BoUnDaRy1234", b.p, b.n, 400, NULL);
	/* boundary that does not match the body */
	refused_raw("multipart/form-data; boundary=other", b.p, b.n, 400, NULL);
	free(b.p);
	free(one.p);

	/* too large: the adapter's flag, and a file over UPLOAD_MAX_BYTES (64 KiB here) */
	struct call c;
	upload_raw(&c, ct, NULL, 0, OWNER);
	call_end(&c);
	call_begin(&c, "POST", "/api/files/upload", NULL, NULL);
	c.req.content_type = ct;
	c.req.body_too_large = true;
	snprintf(c.req.user.id, sizeof(c.req.user.id), "%s", OWNER);
	assert_int_equal(api_files_upload(&c.req, &c.res), 413);
	call_end(&c);
	size_t big = 70000;
	char *pad = malloc(big);
	memset(pad, 'a', big);
	struct fx_chunk bigc = {"zzPd", pad, big};
	struct fx_buf p = {0};
	fx_png(&p, &bigc, 1, 1);
	refused_file(p.p, p.n, "big.png", "image/png", 413, NULL);
	free(p.p);
	free(pad);
}

static void needs_sign_in(void **state)
{
	(void)state;
	int before = files_stored();
	struct call c;
	call_begin(&c, "POST", "/api/files/upload", NULL, NULL);
	c.req.content_type = "multipart/form-data; boundary=BoUnDaRy1234";
	assert_int_equal(call_run(&c, api_routes, api_routes_count), 401);
	call_end(&c);
	assert_int_equal(files_stored(), before);
}

/* The local backend writes create-new: a second put of a key is OBJSTORE_EXISTS and leaves
 * the first object; delete is idempotent; keys outside the generated form are refused. */
static void objstore_local_create_new(void **state)
{
	(void)state;
	const char *key = "2030/01/00112233445566778899aabbccddeeff.png";
	const uint8_t one[] = "first", two[] = "second";
	assert_int_equal(objstore_put_new(OBJSTORE_LOCAL, key, one, 5, "image/png"), OBJSTORE_OK);
	assert_int_equal(objstore_put_new(OBJSTORE_LOCAL, key, two, 6, "image/png"),
			 OBJSTORE_EXISTS);
	uint8_t *got = NULL;
	size_t len = 0;
	assert_int_equal(objstore_get(OBJSTORE_LOCAL, key, 100, &got, &len), OBJSTORE_OK);
	assert_int_equal(len, 5);
	assert_memory_equal(got, "first", 5);
	free(got);
	assert_int_equal(objstore_get(OBJSTORE_LOCAL, key, 4, &got, &len), OBJSTORE_ERROR);
	assert_int_equal(objstore_exists(OBJSTORE_LOCAL, key), OBJSTORE_OK);
	assert_int_equal(objstore_delete(OBJSTORE_LOCAL, key), OBJSTORE_OK);
	assert_int_equal(objstore_exists(OBJSTORE_LOCAL, key), OBJSTORE_NOT_FOUND);
	assert_int_equal(objstore_delete(OBJSTORE_LOCAL, key), OBJSTORE_OK);
	assert_int_equal(objstore_get(OBJSTORE_LOCAL, key, 100, &got, &len), OBJSTORE_NOT_FOUND);
	const char *bad[] = {"../x.png", "/etc/passwd", "a//b.png", "a/../b.png", "a/b/",
			     "",	 "a b"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(objstore_put_new(OBJSTORE_LOCAL, bad[i], one, 5, NULL),
				 OBJSTORE_ERROR);
	/* no temporary file left behind */
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/2030/01", updir);
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)))
		assert_true(e->d_name[0] == '.' && (!e->d_name[1] || !strcmp(e->d_name, "..")));
	closedir(d);
}

static void resolve_only_own_uploads(void **state)
{
	(void)state;
	size_t n;
	char path[64];
	free(accept_one(fx_jpeg_2x2, sizeof(fx_jpeg_2x2), ".jpg", "image/jpeg", &n, path));
	bson_oid_t owner, other, reqid;
	db_parse_oid(OWNER, &owner);
	db_parse_oid(OTHER, &other);
	struct oid vowner = itu_oid(&owner), vother = itu_oid(&other);
	bson_error_t err;
	struct derr derr;
	char *out = NULL;
	char ref[256];

	snprintf(ref, sizeof(ref), BASE "/uploads/%s", path);
	assert_int_equal(uploads_resolve(&vowner, ref, &out, &derr), UPLOAD_REF_OK);
	assert_string_equal(out, path);
	free(out);
	snprintf(ref, sizeof(ref), "/uploads/%s", path);
	assert_int_equal(uploads_resolve(&vowner, ref, &out, &derr), UPLOAD_REF_OK);
	free(out);
	assert_int_equal(uploads_resolve(&vowner, path, &out, &derr), UPLOAD_REF_OK);
	free(out);
	/* the signed link the upload answered with (issue 15), expired or not */
	char *link = upload_link_make(BASE, path, 1, "any-secret-0123456789");
	assert_int_equal(uploads_resolve(&vowner, link, &out, &derr), UPLOAD_REF_OK);
	assert_string_equal(out, path);
	free(out);
	assert_int_equal(uploads_resolve(&vother, link, &out, &derr), UPLOAD_REF_NOT_OWNED);
	snprintf(ref, sizeof(ref), "%s&x=1", link);
	assert_int_equal(uploads_resolve(&vowner, ref, &out, &derr), UPLOAD_REF_INVALID);
	free(link);
	snprintf(ref, sizeof(ref), "/uploads/%s", path);

	/* someone else's upload */
	assert_int_equal(uploads_resolve(&vother, ref, &out, &derr), UPLOAD_REF_NOT_OWNED);
	assert_null(out);
	/* well-formed but unknown */
	assert_int_equal(uploads_resolve(&vowner,
					 "/uploads/2024/01/0123456789abcdef0123456789abcdef.png",
					 &out, &derr),
			 UPLOAD_REF_NOT_OWNED);
	/* not ours at all */
	const char *invalid[] = {
	    "https://evil.example/uploads/2024/01/0123456789abcdef0123456789abcdef.png",
	    "/uploads/../../etc/passwd",
	    "/uploads/2024/01/0123456789abcdef0123456789abcdef.png?x=1",
	    "/uploads/2024/13/0123456789abcdef0123456789abcdef.png",
	    "/uploads/2024/01/0123456789ABCDEF0123456789abcdef.png",
	    "/uploads/2024/01/0123456789abcdef0123456789abcdef.svg",
	    "/uploads/2024/01/0123456789abcdef0123456789abcdef.png/",
	    "",
	    "javascript:alert(1)"};
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		assert_int_equal(uploads_resolve(&vowner, invalid[i], &out, &derr),
				 UPLOAD_REF_INVALID);

	/* attach: another owner's attach changes nothing, the owner's attaches */
	bson_oid_init(&reqid, NULL);
	const char *paths[] = {path};
	assert_true(uploads_attach(itu_oidp(&other), paths, 1, itu_oidp(&reqid), itu_derr()));
	bson_t *q = BCON_NEW("path", BCON_UTF8(path), "request_id", BCON_OID(&reqid));
	assert_int_equal(
	    mongoc_collection_count_documents(db_coll("uploads"), q, NULL, NULL, NULL, &err), 0);
	assert_true(uploads_attach(itu_oidp(&owner), paths, 1, itu_oidp(&reqid), itu_derr()));
	assert_int_equal(
	    mongoc_collection_count_documents(db_coll("uploads"), q, NULL, NULL, NULL, &err), 1);
	bson_destroy(q);

	/* attached uploads are never orphans, even when old */
	struct upload_orphan list[64];
	int k = uploads_list_orphans(time_now_ms() + 3600000, list, 64, itu_derr());
	assert_true(k >= 0);
	for (int i = 0; i < k; i++)
		assert_string_not_equal(list[i].path, path);
}

/* The orphan cleanup and a request keeping the same old upload race: whichever claims the
 * upload's fate first decides, every time, and the other side sees it (FerretDB does not
 * re-check the filter of a conditional update, so no update may decide this). */
#define FATE_UPLOADS 8
static char fate_paths[FATE_UPLOADS][64];
static struct upload_orphan fate_orphans[FATE_UPLOADS];

static int fate_racer(int i, void *ctx)
{
	(void)ctx;
	int u = i / 2;
	if (i % 2 == 0) {
		bson_oid_t owner;
		db_parse_oid(OWNER, &owner);
		const char *p = fate_paths[u];
		size_t gone = 99;
		bool kept_now;
		enum upload_ref_result r =
		    uploads_keep(itu_oidp(&owner), &p, 1, &kept_now, &gone, itu_derr());
		return r == UPLOAD_REF_OK ? 10 : r == UPLOAD_REF_NOT_OWNED && gone == 0 ? 11 : 19;
	}
	int r = uploads_delete_orphan(&fate_orphans[u], itu_derr());
	return r == 1 ? 20 : r == 0 ? 21 : 29;
}

static void keep_and_cleanup_race_one_fate(void **state)
{
	(void)state;
	bson_error_t err;
	for (int u = 0; u < FATE_UPLOADS; u++) {
		size_t n;
		free(accept_one(fx_jpeg_2x2, sizeof(fx_jpeg_2x2), ".jpg", "image/jpeg", &n,
				fate_paths[u]));
		bson_t *q = BCON_NEW("path", BCON_UTF8(fate_paths[u]));
		bson_t *upd = BCON_NEW("$set", "{", "created_at",
				       BCON_DATE_TIME(time_now_ms() - 48 * 3600000LL), "}");
		assert_true(
		    mongoc_collection_update_one(db_coll("uploads"), q, upd, NULL, NULL, &err));
		bson_destroy(upd);
		mongoc_cursor_t *cur =
		    mongoc_collection_find_with_opts(db_coll("uploads"), q, NULL, NULL);
		const bson_t *d;
		assert_true(mongoc_cursor_next(cur, &d));
		bson_iter_t it;
		assert_true(bson_iter_init_find(&it, d, "_id"));
		fate_orphans[u].id = itu_oid(bson_iter_oid(&it));
		memcpy(fate_orphans[u].path, fate_paths[u], sizeof(fate_orphans[u].path));
		mongoc_cursor_destroy(cur);
		bson_destroy(q);
	}
	int codes[2 * FATE_UPLOADS];
	itu_race("test_uploads", 2 * FATE_UPLOADS, fate_racer, NULL, codes);
	int kept = 0, deleted = 0;
	for (int u = 0; u < FATE_UPLOADS; u++) {
		int keeper = codes[2 * u], cleaner = codes[2 * u + 1];
		char full[1200];
		snprintf(full, sizeof(full), "%s/%s", updir, fate_paths[u]);
		struct stat st;
		bool file = stat(full, &st) == 0;
		int64_t docs = itu_count("uploads", BCON_NEW("path", BCON_UTF8(fate_paths[u])));
		if (keeper == 10) {
			/* kept: the cleanup left file and document alone and marked it kept */
			assert_int_equal(cleaner, 21);
			assert_true(file);
			assert_int_equal(docs, 1);
			kept++;
		} else {
			/* deleted first: the request is told the photo is gone */
			assert_int_equal(keeper, 11);
			assert_int_equal(cleaner, 20);
			assert_false(file);
			assert_int_equal(docs, 0);
			deleted++;
		}
		assert_int_equal(
		    itu_count("upload_fates", BCON_NEW("_id", BCON_UTF8(fate_paths[u]))), 1);
	}
	assert_int_equal(kept + deleted, FATE_UPLOADS);
	/* kept uploads are no longer listed as orphans */
	struct upload_orphan list[64];
	int k = uploads_list_orphans(time_now_ms(), list, 64, itu_derr());
	assert_true(k >= 0);
	for (int i = 0; i < k; i++)
		for (int u = 0; u < FATE_UPLOADS; u++)
			assert_string_not_equal(list[i].path, fate_paths[u]);
	print_message("fate race: %d kept, %d deleted\n", kept, deleted);
}

static void orphan_cleanup_removes_file_and_document(void **state)
{
	(void)state;
	size_t n;
	char path[64];
	free(accept_one(fx_jpeg_2x2, sizeof(fx_jpeg_2x2), ".jpg", "image/jpeg", &n, path));
	bson_error_t err;
	/* backdate it two days */
	bson_t *q = BCON_NEW("path", BCON_UTF8(path));
	bson_t *u = BCON_NEW("$set", "{", "created_at",
			     BCON_DATE_TIME(time_now_ms() - 48 * 3600000LL), "}");
	assert_true(mongoc_collection_update_one(db_coll("uploads"), q, u, NULL, NULL, &err));
	bson_destroy(u);
	struct upload_orphan list[64];
	int k = uploads_list_orphans(time_now_ms() - 24 * 3600000LL, list, 64, itu_derr());
	assert_int_equal(k, 1); /* only the backdated one is older than 24 h */
	assert_string_equal(list[0].path, path);
	char full[512];
	snprintf(full, sizeof(full), "%s/%s", updir, path);
	struct stat st;
	assert_int_equal(stat(full, &st), 0);
	assert_int_equal(uploads_delete_orphan(&list[0], itu_derr()), 1);
	assert_int_not_equal(stat(full, &st), 0);
	assert_int_equal(
	    mongoc_collection_count_documents(db_coll("uploads"), q, NULL, NULL, NULL, &err), 0);
	/* a second delete finds nothing */
	assert_int_equal(uploads_delete_orphan(&list[0], itu_derr()), 0);
	bson_destroy(q);
}

/* ---- quota (issue 12.4) ---- */

static void quota_env(const char *pending, const char *bytes, const char *rate)
{
	setenv("UPLOAD_MAX_PENDING", pending, 1);
	setenv("UPLOAD_MAX_PENDING_BYTES", bytes, 1);
	setenv("UPLOAD_RATE_PER_HOUR", rate, 1);
	itu_reload_config();
}

static int64_t quota_docs(const char *user, const char *kind)
{
	bson_oid_t o;
	db_parse_oid(user, &o);
	return itu_count("upload_quota",
			 BCON_NEW("owner_id", BCON_OID(&o), "kind", BCON_UTF8(kind)));
}

/* Uploads the 2x2 JPEG as `user`: the status; *path (when given, 64 bytes) the stored path. */
static int upload_jpeg_as(const char *user, char *path, struct call *keep)
{
	struct part_spec p = {"file", "a.jpg", "image/jpeg", fx_jpeg_2x2, sizeof(fx_jpeg_2x2)};
	struct fx_buf b = {0};
	mp_build(&b, &p, 1, 1);
	struct call c;
	int st = upload_raw(&c, "multipart/form-data; boundary=BoUnDaRy1234", b.p, b.n, user);
	if (st == 201 && path)
		snprintf(path, 64, "%s", jsonx_str(c.json, "path"));
	if (keep)
		*keep = c;
	else
		call_end(&c);
	free(b.p);
	return st;
}

/* Expects a 429 quota refusal that stored nothing (files, documents, claims). */
static void quota_refused(const char *user, const char *detail_prefix)
{
	int before = files_stored();
	int64_t dbefore = docs_stored(), qbefore = itu_count("upload_quota", bson_new());
	struct call c;
	assert_int_equal(upload_jpeg_as(user, NULL, &c), 429);
	const char *d = call_detail(&c);
	if (strncmp(d, detail_prefix, strlen(detail_prefix)) != 0)
		fail_msg("detail %s, want %s...", d, detail_prefix);
	const char *ra = http_response_header(&c.res, "Retry-After");
	assert_non_null(ra);
	assert_true(atoll(ra) >= 1);
	assert_int_equal(files_stored(), before);
	assert_int_equal(docs_stored(), dbefore);
	assert_int_equal(itu_count("upload_quota", bson_new()), qbefore);
	call_end(&c);
}

static void quota_limits_unattached_uploads(void **state)
{
	(void)state;
	const char *q1 = "65a0000000000000000000a1", *q2 = "65a0000000000000000000a2";
	quota_env("3", "104857600", "1000");
	char paths[3][64];
	for (int i = 0; i < 3; i++)
		assert_int_equal(upload_jpeg_as(q1, paths[i], NULL), 201);
	assert_int_equal(quota_docs(q1, "seat"), 3);
	quota_refused(q1, "Too many unattached uploads (at most 3)");
	/* another user is not affected */
	assert_int_equal(upload_jpeg_as(q2, NULL, NULL), 201);
	/* attaching one to a request frees its seat */
	bson_oid_t owner, reqid;
	db_parse_oid(q1, &owner);
	bson_oid_init(&reqid, NULL);
	bson_error_t err;
	const char *att[] = {paths[0]};
	assert_true(uploads_attach(itu_oidp(&owner), att, 1, itu_oidp(&reqid), itu_derr()));
	assert_int_equal(quota_docs(q1, "seat"), 2);
	assert_int_equal(upload_jpeg_as(q1, NULL, NULL), 201);
	quota_refused(q1, "Too many unattached uploads");
	/* so does the orphan cleanup */
	bson_t *q = BCON_NEW("path", BCON_UTF8(paths[1]));
	bson_t *u = BCON_NEW("$set", "{", "created_at",
			     BCON_DATE_TIME(time_now_ms() - 48 * 3600000LL), "}");
	assert_true(mongoc_collection_update_one(db_coll("uploads"), q, u, NULL, NULL, &err));
	bson_destroy(u);
	bson_destroy(q);
	struct upload_orphan list[64];
	int k = uploads_list_orphans(time_now_ms() - 24 * 3600000LL, list, 64, itu_derr());
	bool found = false;
	for (int i = 0; i < k; i++)
		if (strcmp(list[i].path, paths[1]) == 0) {
			assert_int_equal(uploads_delete_orphan(&list[i], itu_derr()), 1);
			found = true;
		}
	assert_true(found);
	assert_int_equal(upload_jpeg_as(q1, NULL, NULL), 201);
	quota_refused(q1, "Too many unattached uploads");

	/* bytes: 1024 bytes hold five 2x2 JPEGs */
	const char *q3 = "65a0000000000000000000a3";
	quota_env("20", "1024", "1000");
	int fit = (int)(1024 / sizeof(fx_jpeg_2x2));
	for (int i = 0; i < fit; i++)
		assert_int_equal(upload_jpeg_as(q3, NULL, NULL), 201);
	quota_refused(q3, "Unattached uploads would exceed 1024 bytes");

	/* rate: 4 an hour, attached or not */
	const char *q4 = "65a0000000000000000000a4";
	quota_env("20", "104857600", "4");
	for (int i = 0; i < 4; i++) {
		char pth[64];
		assert_int_equal(upload_jpeg_as(q4, pth, NULL), 201);
		const char *one[] = {pth};
		db_parse_oid(q4, &owner);
		assert_true(uploads_attach(itu_oidp(&owner), one, 1, itu_oidp(&reqid), itu_derr()));
	}
	assert_int_equal(quota_docs(q4, "seat"), 0);
	quota_refused(q4, "Too many uploads (at most 4 per hour)");
	/* the purge leaves claims of the last hour alone, and removes older ones */
	assert_int_equal(uploads_purge_quota(time_now_ms(), true, itu_derr()), 0);
	assert_int_equal(uploads_purge_quota(time_now_ms() + 3600001, true, itu_derr()),
			 itu_count("upload_quota", BCON_NEW("kind", BCON_UTF8("rate"))));
	assert_true(uploads_purge_quota(time_now_ms() + 3600001, false, itu_derr()) >= 4);
	assert_int_equal(quota_docs(q4, "rate"), 0);
	assert_int_equal(upload_jpeg_as(q4, NULL, NULL), 201);
	quota_env("1000", "104857600", "1000");
}

#define QUOTA_RACERS 16
static const char *quota_racer_user;

static int quota_racer(int i, void *ctx)
{
	(void)i;
	(void)ctx;
	bson_oid_t owner;
	db_parse_oid(quota_racer_user, &owner);
	struct upload_info info;
	enum upload_store_result r =
	    uploads_store(itu_oidp(&owner), fx_jpeg_2x2, sizeof(fx_jpeg_2x2), &info, itu_derr());
	uploads_info_free(&info);
	return r == UPLOAD_STORE_OK ? 10 : r == UPLOAD_STORE_QUOTA ? 11 : 19;
}

/* Races QUOTA_RACERS processes uploading as `user`; returns how many were stored, checking
 * that every other one was refused by the quota and that files, documents and seats agree. */
static int quota_race(const char *user)
{
	quota_racer_user = user;
	int before = files_stored();
	int codes[QUOTA_RACERS], ok = 0;
	itu_race("test_uploads", QUOTA_RACERS, quota_racer, NULL, codes);
	for (int i = 0; i < QUOTA_RACERS; i++) {
		if (codes[i] != 10 && codes[i] != 11)
			fail_msg("racer %d: %d", i, codes[i]);
		ok += codes[i] == 10;
	}
	bson_oid_t o;
	db_parse_oid(user, &o);
	assert_int_equal(itu_count("uploads", BCON_NEW("owner_id", BCON_OID(&o))), ok);
	assert_int_equal(files_stored(), before + ok);
	assert_int_equal(quota_docs(user, "seat"), ok);
	assert_int_equal(quota_docs(user, "rate"), ok);
	return ok;
}

static void quota_race_is_exact(void **state)
{
	(void)state;
	/* seats: unique numbers, so exactly the limit */
	quota_env("5", "104857600", "1000");
	int ok = quota_race("65a0000000000000000000b1");
	print_message("quota race (5 seats): %d stored\n", ok);
	assert_int_equal(ok, 5);
	/* bytes: never over the limit, and not nothing */
	int fit = (int)(1024 / sizeof(fx_jpeg_2x2));
	quota_env("1000", "1024", "1000");
	ok = quota_race("65a0000000000000000000b2");
	print_message("quota race (%d fit by bytes): %d stored\n", fit, ok);
	assert_true(ok >= 1 && ok <= fit);
	/* hourly claims: unique numbers in the hour */
	quota_env("1000", "104857600", "5");
	ok = quota_race("65a0000000000000000000b3");
	print_message("quota race (5 an hour): %d stored\n", ok);
	assert_true(ok >= 1 && ok <= 5);
	quota_env("1000", "104857600", "1000");
}

int main(void)
{
	if (!itu_have_mongo())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(accepts_each_type),
	    cmocka_unit_test(gps_exif_is_stripped),
	    cmocka_unit_test(path_traversal_name_ignored),
	    cmocka_unit_test(refuses_bad_kinds),
	    cmocka_unit_test(refuses_bad_requests),
	    cmocka_unit_test(needs_sign_in),
	    cmocka_unit_test(resolve_only_own_uploads),
	    cmocka_unit_test(objstore_local_create_new),
	    cmocka_unit_test(orphan_cleanup_removes_file_and_document),
	    cmocka_unit_test(keep_and_cleanup_race_one_fate),
	    cmocka_unit_test(quota_limits_unattached_uploads),
	    cmocka_unit_test(quota_race_is_exact),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
