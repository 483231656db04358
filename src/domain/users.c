#include "domain/internal/users_store.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/read_marks.h"
#include "domain/session_cache.h"
#include "infra/db.h"
#include "infra/timeutil.h"

void users_clear(struct user *u)
{
	if (!u)
		return;
	free(u->name);
	free(u->email);
	free(u->phone);
	if (u->password_hash) {
		memset(u->password_hash, 0, strlen(u->password_hash));
		free(u->password_hash);
	}
	memset(u, 0, sizeof(*u));
}

bool users_normalize_email(const char *in, char *out, size_t outlen)
{
	const char *s = in, *e = in + strlen(in);
	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	size_t n = (size_t)(e - s);
	if (n + 1 > outlen)
		return false;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[n] = '\0';
	return true;
}

static bool atext(int c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+/=?^_`{|}~-", c));
}

bool users_email_valid(const char *email)
{
	size_t len = strlen(email);
	if (len < 3 || len > USERS_EMAIL_MAX)
		return false;
	const char *at = strchr(email, '@');
	if (!at || strchr(at + 1, '@'))
		return false;
	size_t local = (size_t)(at - email);
	if (local == 0 || local > 64)
		return false;
	/* dot-atom local part: atext runs separated by single dots */
	for (size_t i = 0; i < local; i++) {
		unsigned char c = (unsigned char)email[i];
		if (c == '.') {
			if (i == 0 || i == local - 1 || email[i + 1] == '.')
				return false;
		} else if (!atext(c)) {
			return false;
		}
	}
	/* domain: at least two LDH labels of 1..63, no leading/trailing '-', alphabetic TLD */
	const char *d = at + 1;
	int labels = 0;
	const char *last = d;
	while (*d) {
		const char *dot = strchr(d, '.');
		size_t n = dot ? (size_t)(dot - d) : strlen(d);
		if (n == 0 || n > 63 || d[0] == '-' || d[n - 1] == '-')
			return false;
		for (size_t i = 0; i < n; i++)
			if (!isalnum((unsigned char)d[i]) && d[i] != '-')
				return false;
		labels++;
		last = d;
		d = dot ? dot + 1 : d + n;
		if (dot && !*d)
			return false; /* trailing dot */
	}
	if (labels < 2)
		return false;
	size_t tld = strlen(last);
	if (tld < 2)
		return false;
	for (size_t i = 0; i < tld; i++)
		if (!isalpha((unsigned char)last[i]))
			return false;
	return true;
}

bool users_phone_valid(const char *phone)
{
	size_t n = strlen(phone);
	if (n < USERS_PHONE_MIN || n > USERS_PHONE_MAX)
		return false;
	bool digit = false;
	for (size_t i = 0; i < n; i++) {
		if (isdigit((unsigned char)phone[i]))
			digit = true;
		else if (!strchr(" +-()", phone[i]))
			return false;
	}
	return digit;
}

bool users_role_valid(const char *role)
{
	return role && (strcmp(role, "citizen") == 0 || strcmp(role, "staff") == 0 ||
			strcmp(role, "admin") == 0);
}

bool users_locale_valid(const char *locale)
{
	return locale && (strcmp(locale, "en") == 0 || strcmp(locale, "hi") == 0 ||
			  strcmp(locale, "kn") == 0);
}

static char *dup_utf8(const bson_t *doc, const char *key)
{
	bson_iter_t it;
	if (bson_iter_init_find(&it, doc, key) && BSON_ITER_HOLDS_UTF8(&it))
		return strdup(bson_iter_utf8(&it, NULL));
	return NULL;
}

static bool get_bool(const bson_t *doc, const char *dotted, bool def)
{
	bson_iter_t it, sub;
	if (bson_iter_init(&it, doc) && bson_iter_find_descendant(&it, dotted, &sub) &&
	    BSON_ITER_HOLDS_BOOL(&sub))
		return bson_iter_bool(&sub);
	return def;
}

static int64_t get_int(const bson_t *doc, const char *key)
{
	bson_iter_t it;
	if (bson_iter_init_find(&it, doc, key)) {
		if (BSON_ITER_HOLDS_INT64(&it) || BSON_ITER_HOLDS_INT32(&it))
			return bson_iter_as_int64(&it);
		if (BSON_ITER_HOLDS_DATE_TIME(&it))
			return bson_iter_date_time(&it);
	}
	return 0;
}

static void from_doc(const bson_t *doc, bool with_hash, struct user *u)
{
	memset(u, 0, sizeof(*u));
	bson_iter_t it;
	if (bson_iter_init_find(&it, doc, "_id") && BSON_ITER_HOLDS_OID(&it)) {
		bson_oid_to_string(bson_iter_oid(&it), u->id);
	}
	u->name = dup_utf8(doc, "name");
	u->email = dup_utf8(doc, "email");
	u->phone = dup_utf8(doc, "phone");
	if (!u->name)
		u->name = strdup("");
	if (!u->email)
		u->email = strdup("");
	char *role = dup_utf8(doc, "role");
	snprintf(u->role, sizeof(u->role), "%s", users_role_valid(role) ? role : "citizen");
	free(role);
	u->disabled = get_bool(doc, "disabled", false);
	u->pref_email = get_bool(doc, "prefs.email", USERS_PREF_EMAIL_DEFAULT);
	u->pref_sms = get_bool(doc, "prefs.sms", USERS_PREF_SMS_DEFAULT);
	u->pref_inapp = get_bool(doc, "prefs.inapp", USERS_PREF_INAPP_DEFAULT);
	/* accounts made before languages existed (or holding a stray value) speak English */
	char *loc = dup_utf8(doc, "locale");
	snprintf(u->locale, sizeof(u->locale), "%s",
		 users_locale_valid(loc) ? loc : USERS_LOCALE_DEFAULT);
	free(loc);
	if (with_hash)
		u->password_hash = dup_utf8(doc, "password_hash");
	u->tokens_valid_after = get_int(doc, "tokens_valid_after");
	char *kj = dup_utf8(doc, "keep_jti");
	if (kj)
		snprintf(u->keep_jti, sizeof(u->keep_jti), "%s", kj);
	free(kj);
	u->created_at = get_int(doc, "created_at");
	u->updated_at = get_int(doc, "updated_at");
}

static enum users_rc find_one(const bson_t *filter, bool with_hash, struct user *out,
			      bson_error_t *err)
{
	bson_t *opts = BCON_NEW("limit", BCON_INT64(1));
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("users"), filter, opts, NULL);
	bson_destroy(opts);
	const bson_t *doc;
	enum users_rc rc = USERS_NOT_FOUND;
	if (mongoc_cursor_next(cur, &doc)) {
		if (out)
			from_doc(doc, with_hash, out);
		rc = USERS_OK;
	} else if (mongoc_cursor_error(cur, err)) {
		rc = USERS_ERR;
	}
	mongoc_cursor_destroy(cur);
	return rc;
}

enum users_rc users_find_by_id(const bson_oid_t *id, bool with_hash, struct user *out,
			       bson_error_t *err)
{
	bson_t *f = BCON_NEW("_id", BCON_OID(id));
	enum users_rc rc = find_one(f, with_hash, out, err);
	bson_destroy(f);
	return rc;
}

enum users_rc users_get(const struct oid *id, bool with_hash, struct user *out, struct derr *err)
{
	bson_oid_t b;
	bson_error_t e;
	oid_to_store(id, &b);
	enum users_rc rc = users_find_by_id(&b, with_hash, out, &e);
	if (rc == USERS_ERR)
		derr_from_store(err, &e);
	return rc;
}

enum users_rc users_find_many(const bson_oid_t *ids, size_t n, struct user *out, bson_error_t *err)
{
	if (n == 0)
		return USERS_OK; /* `out` may be NULL then: no memset of it */
	memset(out, 0, n * sizeof(*out));
	bson_t q = BSON_INITIALIZER, in, arr;
	char k[16];
	const char *key;
	BSON_APPEND_DOCUMENT_BEGIN(&q, "_id", &in);
	BSON_APPEND_ARRAY_BEGIN(&in, "$in", &arr);
	for (size_t i = 0; i < n; i++) {
		bson_uint32_to_string((uint32_t)i, &key, k, sizeof(k));
		BSON_APPEND_OID(&arr, key, &ids[i]);
	}
	bson_append_array_end(&in, &arr);
	bson_append_document_end(&q, &in);
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll("users"), &q, NULL, NULL);
	const bson_t *doc;
	while (mongoc_cursor_next(cur, &doc)) {
		bson_iter_t it;
		if (!bson_iter_init_find(&it, doc, "_id") || !BSON_ITER_HOLDS_OID(&it))
			continue;
		for (size_t i = 0; i < n; i++)
			if (!out[i].id[0] && bson_oid_equal(bson_iter_oid(&it), &ids[i])) {
				from_doc(doc, false, &out[i]);
				break;
			}
	}
	bool failed = mongoc_cursor_error(cur, err);
	mongoc_cursor_destroy(cur);
	bson_destroy(&q);
	if (failed) {
		for (size_t i = 0; i < n; i++)
			users_clear(&out[i]);
		return USERS_ERR;
	}
	return USERS_OK;
}

enum users_rc users_find_by_email(const char *email, bool with_hash, struct user *out,
				  bson_error_t *err)
{
	bson_t *f = BCON_NEW("email", BCON_UTF8(email));
	enum users_rc rc = find_one(f, with_hash, out, err);
	bson_destroy(f);
	return rc;
}

enum users_rc users_create(const char *name, const char *email, const char *phone,
			   const char *password_hash, const char *role, struct user *out,
			   bson_error_t *err)
{
	bson_oid_t oid;
	bson_oid_init(&oid, NULL);
	int64_t now = time_now_ms();
	bson_t *doc =
	    BCON_NEW("_id", BCON_OID(&oid), "name", BCON_UTF8(name), "email", BCON_UTF8(email),
		     "phone", BCON_UTF8(phone), "role", BCON_UTF8(role), "password_hash",
		     BCON_UTF8(password_hash), "disabled", BCON_BOOL(false), "prefs", "{", "email",
		     BCON_BOOL(USERS_PREF_EMAIL_DEFAULT), "sms", BCON_BOOL(USERS_PREF_SMS_DEFAULT),
		     "inapp", BCON_BOOL(USERS_PREF_INAPP_DEFAULT), "}", "locale",
		     BCON_UTF8(USERS_LOCALE_DEFAULT), "tokens_valid_after", BCON_INT64(0),
		     "created_at", BCON_DATE_TIME(now), "updated_at", BCON_DATE_TIME(now));
	/* The unique email index decides between concurrent registrations. */
	enum db_claim_result r = db_claim("users", doc, err);
	if (r == DB_CLAIM_WON && out)
		from_doc(doc, false, out);
	bson_destroy(doc);
	return r == DB_CLAIM_WON ? USERS_OK : r == DB_CLAIM_LOST ? USERS_DUP : USERS_ERR;
}

/* session_cache_changed for a user of this file's store commands (its error as theirs). */
static bool cache_changed(const bson_oid_t *id, bson_error_t *err)
{
	struct oid uid;
	oid_from_store(&uid, id);
	struct derr d;
	if (session_cache_changed(&uid, NULL, &d))
		return true;
	bson_set_error(err, d.domain, d.code, "%s", d.message);
	return false;
}

static enum users_rc update(const bson_oid_t *id, const struct user_patch *p, bson_error_t *err)
{
	bson_t set;
	bson_init(&set);
	if (p->name)
		BSON_APPEND_UTF8(&set, "name", p->name);
	if (p->phone)
		BSON_APPEND_UTF8(&set, "phone", p->phone);
	if (p->set_pref_email)
		BSON_APPEND_BOOL(&set, "prefs.email", p->pref_email);
	if (p->set_pref_sms)
		BSON_APPEND_BOOL(&set, "prefs.sms", p->pref_sms);
	if (p->set_pref_inapp)
		BSON_APPEND_BOOL(&set, "prefs.inapp", p->pref_inapp);
	if (p->locale)
		BSON_APPEND_UTF8(&set, "locale", p->locale);
	if (p->role)
		BSON_APPEND_UTF8(&set, "role", p->role);
	if (p->set_disabled)
		BSON_APPEND_BOOL(&set, "disabled", p->disabled);
	if (p->password_hash)
		BSON_APPEND_UTF8(&set, "password_hash", p->password_hash);
	if (p->password_hash || p->end_sessions) {
		BSON_APPEND_INT64(&set, "tokens_valid_after", p->tokens_valid_after);
		BSON_APPEND_UTF8(&set, "keep_jti", p->keep_jti ? p->keep_jti : "");
	}
	BSON_APPEND_DATE_TIME(&set, "updated_at", time_now_ms());
	bson_t *filter = BCON_NEW("_id", BCON_OID(id));
	bson_t update = BSON_INITIALIZER;
	BSON_APPEND_DOCUMENT(&update, "$set", &set);
	bson_t reply;
	bool ok =
	    mongoc_collection_update_one(db_coll("users"), filter, &update, NULL, &reply, err);
	enum users_rc rc = USERS_ERR;
	if (ok) {
		bson_iter_t it;
		int64_t matched = 0;
		if (bson_iter_init_find(&it, &reply, "matchedCount"))
			matched = bson_iter_as_int64(&it);
		rc = matched > 0 ? USERS_OK : USERS_NOT_FOUND;
	}
	/* Role, disabled flag, password and profile are what the session caches hold. */
	if (rc == USERS_OK && !cache_changed(id, err))
		rc = USERS_ERR;
	if (rc == USERS_OK && (p->name || p->phone))
		read_mark_bump_board(); /* the board shows each request's resident */
	bson_destroy(&reply);
	bson_destroy(&update);
	bson_destroy(filter);
	bson_destroy(&set);
	return rc;
}

enum users_rc users_update(const struct oid *id, const struct user_patch *p, struct derr *err)
{
	bson_oid_t b;
	bson_error_t e;
	oid_to_store(id, &b);
	enum users_rc rc = update(&b, p, &e);
	if (rc == USERS_ERR)
		derr_from_store(err, &e);
	return rc;
}

enum users_rc users_search(const char *q, const char *role, long skip, long limit,
			   struct user **items, size_t *n, int64_t *total, bson_error_t *err)
{
	*items = NULL;
	*n = 0;
	*total = 0;
	bson_t filter = BSON_INITIALIZER;
	if (role)
		BSON_APPEND_UTF8(&filter, "role", role);
	if (q && *q) {
		char *re = db_regex_escape(q);
		bson_t or, a, b, ra, rb;
		BSON_APPEND_ARRAY_BEGIN(&filter, "$or", & or);
		BSON_APPEND_DOCUMENT_BEGIN(& or, "0", &a);
		BSON_APPEND_DOCUMENT_BEGIN(&a, "name", &ra);
		BSON_APPEND_UTF8(&ra, "$regex", re);
		BSON_APPEND_UTF8(&ra, "$options", "i");
		bson_append_document_end(&a, &ra);
		bson_append_document_end(& or, &a);
		BSON_APPEND_DOCUMENT_BEGIN(& or, "1", &b);
		BSON_APPEND_DOCUMENT_BEGIN(&b, "email", &rb);
		BSON_APPEND_UTF8(&rb, "$regex", re);
		BSON_APPEND_UTF8(&rb, "$options", "i");
		bson_append_document_end(&b, &rb);
		bson_append_document_end(& or, &b);
		bson_append_array_end(&filter, & or);
		free(re);
	}
	int64_t cnt =
	    mongoc_collection_count_documents(db_coll("users"), &filter, NULL, NULL, NULL, err);
	if (cnt < 0) {
		bson_destroy(&filter);
		return USERS_ERR;
	}
	*total = cnt;
	bson_t *opts = BCON_NEW("sort", "{", "created_at", BCON_INT32(-1), "_id", BCON_INT32(-1),
				"}", "skip", BCON_INT64(skip), "limit", BCON_INT64(limit),
				"projection", "{", "password_hash", BCON_INT32(0), "}");
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("users"), &filter, opts, NULL);
	bson_destroy(opts);
	bson_destroy(&filter);
	size_t cap = (size_t)(limit > 0 ? limit : 1);
	struct user *arr = calloc(cap, sizeof(*arr));
	if (!arr)
		abort();
	const bson_t *doc;
	size_t k = 0;
	while (k < cap && mongoc_cursor_next(cur, &doc))
		from_doc(doc, false, &arr[k++]);
	if (mongoc_cursor_error(cur, err)) {
		mongoc_cursor_destroy(cur);
		users_free_list(arr, k);
		return USERS_ERR;
	}
	mongoc_cursor_destroy(cur);
	*items = arr;
	*n = k;
	return USERS_OK;
}

enum users_rc users_admin_list(const char *q, const char *role, long skip, long limit,
			       struct user **items, size_t *n, int64_t *total, struct derr *err)
{
	bson_error_t e;
	enum users_rc rc = users_search(q, role, skip, limit, items, n, total, &e);
	if (rc == USERS_ERR)
		derr_from_store(err, &e);
	return rc;
}

enum users_rc users_get_many(const struct oid *ids, size_t n, struct user *out, struct derr *err)
{
	bson_oid_t *b = n ? malloc(n * sizeof(*b)) : NULL;
	if (n && !b)
		abort();
	for (size_t i = 0; i < n; i++)
		oid_to_store(&ids[i], &b[i]);
	bson_error_t e;
	enum users_rc rc = users_find_many(b, n, out, &e);
	free(b);
	if (rc == USERS_ERR)
		derr_from_store(err, &e);
	return rc;
}

enum users_rc users_get_by_email(const char *email, bool with_hash, struct user *out,
				 struct derr *err)
{
	bson_error_t e;
	enum users_rc rc = users_find_by_email(email, with_hash, out, &e);
	if (rc == USERS_ERR)
		derr_from_store(err, &e);
	return rc;
}

enum users_rc users_add(const char *name, const char *email, const char *phone,
			const char *password_hash, const char *role, struct user *out,
			struct derr *err)
{
	bson_error_t e;
	enum users_rc rc = users_create(name, email, phone, password_hash, role, out, &e);
	if (rc == USERS_ERR)
		derr_from_store(err, &e);
	return rc;
}

void users_free_list(struct user *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		users_clear(&items[i]);
	free(items);
}

bool users_get_contact_named(const bson_oid_t *id, char **name, char **email, char **phone,
			     bool *pref_email, bool *pref_sms, bool *pref_inapp, char *locale,
			     bson_error_t *err)
{
	struct user u;
	memset(err, 0, sizeof(*err));
	enum users_rc rc = users_find_by_id(id, false, &u, err);
	if (rc != USERS_OK) {
		if (rc == USERS_NOT_FOUND)
			memset(err, 0, sizeof(*err));
		return false;
	}
	if (name) {
		*name = u.name;
		u.name = NULL;
	}
	if (email) {
		*email = u.email;
		u.email = NULL;
	}
	if (phone) {
		*phone = u.phone;
		u.phone = NULL;
	}
	/* A disabled account gets no mail or SMS: its owner may no longer control the
	 * address, and staff disabled it for a reason. In-app notifications stay stored. */
	if (pref_email)
		*pref_email = u.pref_email && !u.disabled;
	if (pref_sms)
		*pref_sms = u.pref_sms && !u.disabled;
	if (pref_inapp)
		*pref_inapp = u.pref_inapp;
	if (locale)
		snprintf(locale, USERS_LOCALE_LEN, "%s", u.locale);
	users_clear(&u);
	return true;
}

enum users_rc users_tombstone(const bson_oid_t *id, int64_t tokens_valid_after, bson_error_t *err)
{
	char hex[25], email[40];
	bson_oid_to_string(id, hex);
	/* unique per account (the email index is unique and FerretDB has no partial
	 * indexes), and not an address: nobody can sign in as it or register it */
	snprintf(email, sizeof(email), "erased:%s", hex);
	int64_t now = time_now_ms();
	bson_t *filter = BCON_NEW("_id", BCON_OID(id));
	bson_t *doc = BCON_NEW(
	    "_id", BCON_OID(id), "name", BCON_UTF8(""), "email", BCON_UTF8(email), "phone",
	    BCON_NULL, "role", BCON_UTF8("citizen"), "disabled", BCON_BOOL(true), "erased",
	    BCON_BOOL(true), "tokens_valid_after", BCON_INT64(tokens_valid_after), "keep_jti",
	    BCON_UTF8(""), "created_at", BCON_DATE_TIME(now), "updated_at", BCON_DATE_TIME(now));
	bson_t reply;
	bool ok = mongoc_collection_replace_one(db_coll("users"), filter, doc, NULL, &reply, err);
	enum users_rc rc = USERS_ERR;
	if (ok) {
		bson_iter_t it;
		int64_t matched = 0;
		if (bson_iter_init_find(&it, &reply, "matchedCount"))
			matched = bson_iter_as_int64(&it);
		rc = matched > 0 ? USERS_OK : USERS_NOT_FOUND;
	}
	if (rc == USERS_OK && !cache_changed(id, err))
		rc = USERS_ERR;
	if (rc == USERS_OK)
		read_mark_bump_board();
	bson_destroy(&reply);
	bson_destroy(doc);
	bson_destroy(filter);
	return rc;
}
