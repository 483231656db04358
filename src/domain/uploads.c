/* Uploads: references, attachment, storage and orphan listing. See uploads.h. */
#include "domain/uploads.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "domain/image_sanitize.h"
#include "domain/upload_links.h"
#include "domain/upload_quota.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/objstore.h"
#include "infra/timeutil.h"

#define UPLOADS_COLL "uploads"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lhex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f');
}

bool uploads_valid_relpath(const char *rel)
{
	if (!rel)
		return false;
	/* YYYY/MM/ */
	for (int i = 0; i < 4; i++)
		if (!is_digit(rel[i]))
			return false;
	if (rel[4] != '/' || !is_digit(rel[5]) || !is_digit(rel[6]) || rel[7] != '/')
		return false;
	int month = (rel[5] - '0') * 10 + (rel[6] - '0');
	if (month < 1 || month > 12)
		return false;
	const char *name = rel + 8;
	for (int i = 0; i < 32; i++)
		if (!is_lhex(name[i]))
			return false;
	if (name[32] != '.')
		return false;
	const char *ext = name + 33;
	return strcmp(ext, "jpg") == 0 || strcmp(ext, "png") == 0 || strcmp(ext, "webp") == 0;
}

/* PUBLIC_BASE_URL without trailing slashes: its length. */
static size_t base_len(const char *base)
{
	size_t n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	return n;
}

/* The relative path inside `ref`, or NULL when ref is not one of the accepted forms. */
static const char *ref_relpath(const char *ref)
{
	static const char prefix[] = "/uploads/";
	const char *base = config_get()->public_base_url;
	size_t bl = base_len(base);
	if (strncmp(ref, base, bl) == 0 && strncmp(ref + bl, prefix, sizeof(prefix) - 1) == 0)
		return ref + bl + sizeof(prefix) - 1;
	if (strncmp(ref, prefix, sizeof(prefix) - 1) == 0)
		return ref + sizeof(prefix) - 1;
	if (is_digit(ref[0]))
		return ref;
	return NULL;
}

enum upload_ref_result uploads_resolve(const struct oid *owner, const char *ref, char **path_out,
				       struct derr *err)
{
	*path_out = NULL;
	if (!ref)
		return UPLOAD_REF_INVALID;
	/* a signed link (upload_links.h) names the same file: its query is dropped */
	char plain[256];
	const char *qs = strchr(ref, '?');
	if (qs) {
		if (!upload_link_query_ok(qs + 1) || (size_t)(qs - ref) >= sizeof(plain))
			return UPLOAD_REF_INVALID;
		snprintf(plain, sizeof(plain), "%.*s", (int)(qs - ref), ref);
		ref = plain;
	}
	const char *rel = ref_relpath(ref);
	if (!rel || !uploads_valid_relpath(rel))
		return UPLOAD_REF_INVALID;
	bson_oid_t owner_id;
	memcpy(owner_id.bytes, owner->bytes, sizeof(owner_id.bytes));
	bson_t *q = BCON_NEW("path", BCON_UTF8(rel), "owner_id", BCON_OID(&owner_id));
	bson_error_t e;
	int64_t n =
	    mongoc_collection_count_documents(db_coll(UPLOADS_COLL), q, NULL, NULL, NULL, &e);
	bson_destroy(q);
	if (n < 0) {
		derr_from_store(err, &e);
		return UPLOAD_REF_DB_ERROR;
	}
	if (n == 0)
		return UPLOAD_REF_NOT_OWNED;
	*path_out = strdup(rel);
	if (!*path_out) {
		derr_set(err, "out of memory");
		return UPLOAD_REF_DB_ERROR;
	}
	return UPLOAD_REF_OK;
}

#define FATES_COLL "upload_fates"

/* Inserts the fate of `path`; when another fate is already there, *existing receives it
 * ("kept" or "deleted"). 1 inserted, 0 already decided, -1 database error. */
static int claim_fate(const char *path, const char *fate, const bson_oid_t *owner_id,
		      char existing[16], bson_error_t *err)
{
	bson_t *doc = BCON_NEW("_id", BCON_UTF8(path), "fate", BCON_UTF8(fate), "at",
			       BCON_DATE_TIME(time_now_ms()));
	if (owner_id)
		BSON_APPEND_OID(doc, "owner_id", owner_id);
	enum db_claim_result r = db_claim(FATES_COLL, doc, err);
	bson_destroy(doc);
	if (r != DB_CLAIM_LOST)
		return r;
	bson_t *q = BCON_NEW("_id", BCON_UTF8(path));
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll(FATES_COLL), q, NULL, NULL);
	const bson_t *d;
	snprintf(existing, 16, "%s", "");
	if (mongoc_cursor_next(cur, &d)) {
		bson_iter_t it;
		if (bson_iter_init_find(&it, d, "fate") && BSON_ITER_HOLDS_UTF8(&it))
			snprintf(existing, 16, "%s", bson_iter_utf8(&it, NULL));
	}
	bool cerr = mongoc_cursor_error(cur, err);
	mongoc_cursor_destroy(cur);
	bson_destroy(q);
	return cerr ? -1 : 0;
}

enum upload_ref_result uploads_keep(const struct oid *owner, const char *const *paths, size_t n,
				    bool *kept_now, size_t *gone, struct derr *derr)
{
	bson_oid_t oid, *owner_id = &oid;
	oid_to_store(owner, &oid);
	bson_error_t e, *err = &e;
	enum upload_ref_result res = UPLOAD_REF_OK;
	for (size_t i = 0; i < n; i++)
		kept_now[i] = false;
	for (size_t i = 0; i < n && res == UPLOAD_REF_OK; i++) {
		char existing[16];
		int r = claim_fate(paths[i], "kept", owner_id, existing, err);
		kept_now[i] = r == 1;
		if (r < 0)
			res = UPLOAD_REF_DB_ERROR;
		else if (r == 0 && strcmp(existing, "kept") != 0) {
			*gone = i;
			res = UPLOAD_REF_NOT_OWNED;
		}
	}
	if (res == UPLOAD_REF_DB_ERROR)
		derr_from_store(derr, err);
	if (res != UPLOAD_REF_OK)
		uploads_unkeep(paths, n, kept_now);
	return res;
}

void uploads_unkeep(const char *const *paths, size_t n, const bool *kept_now)
{
	for (size_t i = 0; i < n; i++) {
		if (!kept_now[i])
			continue;
		bson_error_t err;
		bson_t *q = BCON_NEW("_id", BCON_UTF8(paths[i]), "fate", BCON_UTF8("kept"));
		if (!mongoc_collection_delete_one(db_coll(FATES_COLL), q, NULL, NULL, &err))
			log_warn("upload %s stays kept unattached: withdrawing its fate failed: %s",
				 paths[i], err.message);
		bson_destroy(q);
	}
}

bool uploads_attach(const struct oid *owner, const char *const *paths, size_t n,
		    const struct oid *request, struct derr *err)
{
	if (n == 0)
		return true;
	bson_oid_t owner_id, request_id;
	oid_to_store(owner, &owner_id);
	oid_to_store(request, &request_id);
	bson_t filter = BSON_INITIALIZER;
	BSON_APPEND_OID(&filter, "owner_id", &owner_id);
	db_append_in_utf8(&filter, "path", paths, n);
	BSON_APPEND_NULL(&filter, "request_id");
	bson_t *update = BCON_NEW("$set", "{", "request_id", BCON_OID(&request_id), "}");
	bson_error_t e;
	bool ok =
	    mongoc_collection_update_many(db_coll(UPLOADS_COLL), &filter, update, NULL, NULL, &e);
	bson_destroy(&filter);
	bson_destroy(update);
	if (!ok) {
		derr_from_store(err, &e);
		return false;
	}
	/* attached: no longer counted against the owner's unattached quota */
	upload_quota_free(owner, paths, n);
	return true;
}

void uploads_info_free(struct upload_info *info)
{
	if (!info)
		return;
	free(info->url);
	info->url = NULL;
}

/* Names the sanitized image and describes it into *out. Name and place: UTC year/month
 * and 128 random bits; nothing from the client. */
static void name_upload(enum image_kind kind, int64_t now, const uint8_t *clean, size_t clen,
			struct upload_info *out)
{
	time_t secs = (time_t)(now / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	unsigned char rnd[16];
	char hex[33];
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	const char *ext = image_kind_ext(kind);
	char ym[8], name[40];
	unsigned year = (unsigned)(tm.tm_year + 1900) % 10000u, mon = (unsigned)tm.tm_mon % 12u + 1;
	snprintf(ym, sizeof(ym), "%04u/%02u", year, mon);
	snprintf(name, sizeof(name), "%.32s.%.4s", hex, ext);
	snprintf(out->path, sizeof(out->path), "%.7s/%.39s", ym, name);

	out->content_type = image_kind_mime(kind);
	out->size = clen;
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(digest, clean, clen);
	sodium_bin2hex(out->sha256, sizeof(out->sha256), digest, sizeof(digest));
}

/* Writes the image under out->path and sets its link (out->url). Create-new under the
 * generated name: the object is whole or absent. On failure nothing of it is left in the
 * store; the caller releases the quota and *out. */
static enum upload_store_result put_object(struct upload_info *out, const uint8_t *clean,
					   size_t clen)
{
	enum objstore_result put =
	    objstore_put_new(objstore_configured(), out->path, clean, clen, out->content_type);
	if (put != OBJSTORE_OK) {
		log_error("upload: storing %s (%s) failed: %s", out->path,
			  objstore_backend_name(objstore_configured()),
			  put == OBJSTORE_UNAVAILABLE ? "store unavailable"
			  : put == OBJSTORE_EXISTS    ? "name taken"
						      : "store error");
		return put == OBJSTORE_UNAVAILABLE ? UPLOAD_STORE_UNAVAILABLE
						   : UPLOAD_STORE_IO_ERROR;
	}
	out->url = upload_link_url(out->path);
	if (!out->url) {
		log_error("upload: out of memory");
		objstore_delete(objstore_configured(), out->path);
		return UPLOAD_STORE_IO_ERROR;
	}
	return UPLOAD_STORE_OK;
}

/* Inserts the upload's record (unattached: request_id null), giving out->id. */
static bool record_upload(const bson_oid_t *owner_id, struct upload_info *out, size_t clen,
			  int64_t now, bson_error_t *err)
{
	const struct config *cfg = config_get();
	bson_oid_t id;
	bson_oid_init(&id, NULL);
	memcpy(out->id.bytes, id.bytes, sizeof(out->id.bytes));
	bson_t doc = BSON_INITIALIZER;
	BSON_APPEND_OID(&doc, "_id", &id);
	BSON_APPEND_OID(&doc, "owner_id", owner_id);
	BSON_APPEND_UTF8(&doc, "path", out->path);
	/* the unsigned address: a reference uploads_resolve accepts, never served as is */
	char plain[512];
	snprintf(plain, sizeof(plain), "%.*s/uploads/%s", (int)base_len(cfg->public_base_url),
		 cfg->public_base_url, out->path);
	BSON_APPEND_UTF8(&doc, "url", plain);
	BSON_APPEND_UTF8(&doc, "backend", objstore_backend_name(objstore_configured()));
	BSON_APPEND_UTF8(&doc, "content_type", out->content_type);
	BSON_APPEND_INT64(&doc, "size", (int64_t)clen);
	BSON_APPEND_UTF8(&doc, "sha256", out->sha256);
	BSON_APPEND_DATE_TIME(&doc, "created_at", now);
	BSON_APPEND_NULL(&doc, "request_id");
	bool ok = mongoc_collection_insert_one(db_coll(UPLOADS_COLL), &doc, NULL, NULL, err);
	bson_destroy(&doc);
	return ok;
}

static enum upload_store_result store(const struct oid *owner, const uint8_t *data, size_t len,
				      struct upload_info *out, struct derr *err)
{
	memset(out, 0, sizeof(*out));
	const struct config *cfg = config_get();
	if (len > (size_t)cfg->upload_max_bytes)
		return UPLOAD_STORE_TOO_LARGE;
	if (sodium_init() < 0) {
		log_error("upload: libsodium initialisation failed");
		return UPLOAD_STORE_IO_ERROR;
	}
	uint8_t *clean = NULL;
	size_t clen = 0;
	const char *why = NULL;
	enum image_kind kind = image_sanitize(data, len, &clean, &clen, &why);
	if (kind == IMAGE_NONE) {
		log_info("upload refused: %s", why ? why : "unknown");
		return UPLOAD_STORE_UNSUPPORTED;
	}
	int64_t now = time_now_ms();
	name_upload(kind, now, clean, clen, out);

	/* the quota, before anything is written */
	struct upload_quota_claim qc;
	enum upload_store_result q = upload_quota_take(owner, out->path, clen, &qc, out, err);
	if (q != UPLOAD_STORE_OK) {
		free(clean);
		uploads_info_free(out);
		return q;
	}
	enum upload_store_result put = put_object(out, clean, clen);
	free(clean);
	if (put != UPLOAD_STORE_OK) {
		uploads_info_free(out);
		upload_quota_release(&qc);
		return put;
	}
	bson_oid_t owner_id;
	oid_to_store(owner, &owner_id);
	bson_error_t e;
	if (!record_upload(&owner_id, out, clen, now, &e)) {
		derr_from_store(err, &e);
		if (objstore_delete(objstore_configured(), out->path) != OBJSTORE_OK)
			log_error("upload: removing %s after a failed insert failed (the orphan "
				  "has no record: delete it by hand)",
				  out->path);
		uploads_info_free(out);
		upload_quota_release(&qc);
		return UPLOAD_STORE_DB_ERROR;
	}
	return UPLOAD_STORE_OK;
}

enum upload_store_result uploads_store(const struct oid *owner, const uint8_t *data, size_t len,
				       struct upload_info *out, struct derr *err)
{
	return store(owner, data, len, out, err);
}

int uploads_list_orphans(int64_t cutoff_ms, struct upload_orphan *out, int max, struct derr *derr)
{
	bson_t *q = BCON_NEW("request_id", BCON_NULL, "kept", "{", "$ne", BCON_BOOL(true), "}",
			     "created_at", "{", "$lt", BCON_DATE_TIME(cutoff_ms), "}");
	bson_t *opts =
	    BCON_NEW("sort", "{", "created_at", BCON_INT32(1), "}", "limit", BCON_INT64(max),
		     "projection", "{", "path", BCON_INT32(1), "created_at", BCON_INT32(1), "}");
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll(UPLOADS_COLL), q, opts, NULL);
	const bson_t *doc;
	int n = 0;
	while (n < max && mongoc_cursor_next(cur, &doc)) {
		bson_iter_t it;
		struct upload_orphan *o = &out[n];
		memset(o, 0, sizeof(*o));
		if (!bson_iter_init_find(&it, doc, "_id") || !BSON_ITER_HOLDS_OID(&it))
			continue;
		memcpy(o->id.bytes, bson_iter_oid(&it)->bytes, sizeof(o->id.bytes));
		if (bson_iter_init_find(&it, doc, "path") && BSON_ITER_HOLDS_UTF8(&it)) {
			const char *p = bson_iter_utf8(&it, NULL);
			if (strlen(p) < sizeof(o->path))
				strcpy(o->path, p);
		}
		if (bson_iter_init_find(&it, doc, "created_at") && BSON_ITER_HOLDS_DATE_TIME(&it))
			o->created_at_ms = bson_iter_date_time(&it);
		n++;
	}
	bson_error_t err;
	bool failed = mongoc_cursor_error(cur, &err);
	if (failed)
		derr_from_store(derr, &err);
	mongoc_cursor_destroy(cur);
	bson_destroy(q);
	bson_destroy(opts);
	return failed ? -1 : n;
}

static int delete_orphan(const struct upload_orphan *o, const bson_oid_t *id, bson_error_t *err)
{
	char existing[16];
	int claimed = claim_fate(o->path, "deleted", NULL, existing, err);
	if (claimed < 0)
		return -1;
	if (claimed == 0 && strcmp(existing, "deleted") != 0) {
		/* a request kept it first: record that on the document so the listing of
		 * orphans stops returning it */
		bson_t *sel = BCON_NEW("_id", BCON_OID(id), "request_id", BCON_NULL);
		bson_t *upd = BCON_NEW("$set", "{", "kept", BCON_BOOL(true), "}");
		bson_error_t uerr;
		mongoc_collection_update_one(db_coll(UPLOADS_COLL), sel, upd, NULL, NULL, &uerr);
		bson_destroy(sel);
		bson_destroy(upd);
		return 0;
	}
	/* ours (or a previous run that stopped half way): the object first, then the
	 * document, so that a store that is down leaves the document listed and a later
	 * run finishes the job (the fate "deleted" is already ours). A path that is not
	 * one of ours is never handed to the store. */
	if (uploads_valid_relpath(o->path) &&
	    objstore_delete(objstore_configured(), o->path) != OBJSTORE_OK)
		return -2;
	bson_t *q = BCON_NEW("_id", BCON_OID(id));
	bson_t reply;
	bool ok = mongoc_collection_delete_one(db_coll(UPLOADS_COLL), q, NULL, &reply, err);
	bson_destroy(q);
	int64_t deleted = 0;
	bson_iter_t it;
	if (ok && bson_iter_init_find(&it, &reply, "deletedCount"))
		deleted = bson_iter_as_int64(&it);
	bson_destroy(&reply);
	if (!ok)
		return -1;
	if (deleted == 0)
		return 0;
	/* its quota seat, if still held */
	const char *path = o->path;
	upload_quota_free(NULL, &path, 1);
	return 1;
}

int uploads_delete_orphan(const struct upload_orphan *o, struct derr *err)
{
	bson_oid_t id;
	oid_to_store(&o->id, &id);
	bson_error_t e;
	int r = delete_orphan(o, &id, &e);
	if (r == -1)
		derr_from_store(err, &e);
	return r;
}
