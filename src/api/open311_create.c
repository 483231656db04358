/* Open311 POST requests.{json,xml}: a pickup request from a third party (a 311 call
 * centre, a citizen app) holding an API key. The form fields of the spec become our
 * request: service_code the category, attribute[quantity|special_handling|preferred_date]
 * the quantity, is_special and preferred slots, address_string or lat/long the address.
 * The request belongs to the resident with that email, or to a new resident account
 * without a password (it cannot sign in until the person sets one by a password reset). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/open311_write.h"
#include "domain/categories.h"
#include "domain/open311.h"
#include "domain/requests.h"
#include "domain/slots.h"
#include "domain/users.h"
#include "infra/log.h"
#include "infra/timeutil.h"
#include "infra/validate.h"

#define SERVICE_NOTICE                                                                             \
	"Request received. A crew picks up in the assigned slot; the resident gets an email "      \
	"when it is set and can follow it in the app."

/* The spec's fields; attribute[...] is checked apart. */
static const char *const known_fields[] = {
    "api_key",	  "jurisdiction_id", "service_code", "lat",	   "long",	 "address_string",
    "address_id", "email",	     "device_id",    "account_id", "first_name", "last_name",
    "phone",	  "description",     "media_url",    NULL};

struct o311_input {
	const char *service_code, *lat, *lng, *address_string, *email, *first_name, *last_name,
	    *phone, *description, *media_url;
	const char *quantity, *special, *preferred_date;
};

static const char **slot_of(struct o311_input *in, const char *name)
{
	static const struct {
		const char *name;
		size_t off;
	} map[] = {
	    {"service_code", offsetof(struct o311_input, service_code)},
	    {"lat", offsetof(struct o311_input, lat)},
	    {"long", offsetof(struct o311_input, lng)},
	    {"address_string", offsetof(struct o311_input, address_string)},
	    {"email", offsetof(struct o311_input, email)},
	    {"first_name", offsetof(struct o311_input, first_name)},
	    {"last_name", offsetof(struct o311_input, last_name)},
	    {"phone", offsetof(struct o311_input, phone)},
	    {"description", offsetof(struct o311_input, description)},
	    {"media_url", offsetof(struct o311_input, media_url)},
	    {"attribute[quantity]", offsetof(struct o311_input, quantity)},
	    {"attribute[special_handling]", offsetof(struct o311_input, special)},
	    {"attribute[preferred_date]", offsetof(struct o311_input, preferred_date)},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].name, name) == 0)
			return (const char **)((char *)in + map[i].off);
	return NULL;
}

/* Whether the form holds a NUL, raw or as %00 (it would cut a C string short). */
/* Reads the form into `in`: an unknown field or attribute, or one given twice, is 400 (a
 * typo must not silently drop a value). 0 or the status answered. */
static int read_form(struct http_request *req, struct http_response *res, struct o311_input *in)
{
	memset(in, 0, sizeof(*in));
	if (!http_is_form(req))
		return open311_error(req, res, 400,
				     "The body must be application/x-www-form-urlencoded");
	if (http_form_has_nul(req))
		return open311_error(req, res, 400, "A field must not contain NUL");
	const char **names, **values;
	size_t n = http_form_fields(req, &names, &values);
	for (size_t i = 0; i < n; i++) {
		const char **slot = slot_of(in, names[i]);
		char msg[160];
		if (!slot) {
			bool known = false;
			for (const char *const *k = known_fields; *k && !known; k++)
				known = strcmp(*k, names[i]) == 0;
			if (known)
				continue;
			snprintf(msg, sizeof(msg), "%.60s: unknown field or attribute", names[i]);
			return open311_error(req, res, 400, msg);
		}
		if (*slot) {
			snprintf(msg, sizeof(msg), "%.60s: given more than once", names[i]);
			return open311_error(req, res, 400, msg);
		}
		*slot = *values[i] ? values[i] : NULL;
	}
	return 0;
}

static bool parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi))
		return false;
	*out = v;
	return true;
}

/* The last run of 4 to 10 digits of the address (its postal code), or "". */
static const char *pincode_of(struct http_request *req, const char *addr)
{
	const char *best = NULL;
	size_t blen = 0;
	for (const char *p = addr; p && *p;) {
		size_t n = strspn(p, "0123456789");
		if (n >= 4 && n <= 10) {
			best = p;
			blen = n;
		}
		p += n ? n : 1;
	}
	return best ? arena_strndup(req->arena, best, blen) : "";
}

/* The locality of "street, locality, city 560001": the part before the last comma part
 * that holds the postal code or, failing that, the last part; "" without commas. */
static const char *city_of(struct http_request *req, const char *addr)
{
	const char *comma = addr ? strrchr(addr, ',') : NULL;
	if (!comma)
		return "";
	const char *s = comma + 1;
	while (*s == ' ')
		s++;
	size_t n = strcspn(s, "0123456789");
	while (n && s[n - 1] == ' ')
		n--;
	return n >= 2 ? arena_strndup(req->arena, s, n > 100 ? 100 : n) : "";
}

/* The address and position. 0 or the status answered. */
static int take_address(struct http_request *req, struct http_response *res,
			const struct o311_input *in, struct req_address *a)
{
	memset(a, 0, sizeof(*a));
	if (!!in->lat != !!in->lng)
		return open311_error(req, res, 400, "lat and long: give both or neither");
	if (in->lat && (!parse_double(in->lat, -90, 90, &a->lat) ||
			!parse_double(in->lng, -180, 180, &a->lng)))
		return open311_error(req, res, 400,
				     "lat/long: decimal degrees (-90..90, -180..180)");
	a->has_lat = a->has_lng = in->lat != NULL;
	if (!in->address_string && !in->lat)
		return open311_error(req, res, 400,
				     "A location is required: lat and long, or "
				     "address_string");
	if (in->address_string) {
		size_t n = utf8_len(in->address_string);
		if (n < 3 || n > 200)
			return open311_error(req, res, 400, "address_string: 3 to 200 characters");
		a->line1 = in->address_string;
	} else {
		char buf[64];
		snprintf(buf, sizeof(buf), "Location %.5f, %.5f", a->lat, a->lng);
		a->line1 = arena_strdup(req->arena, buf);
	}
	a->city = city_of(req, in->address_string);
	a->pincode = pincode_of(req, in->address_string);
	return 0;
}

/* preferred_date: the slots of that local date still offered become the preferred slots. */
static int take_preferred(struct http_request *req, struct http_response *res, const char *value,
			  struct req_fields *f)
{
	int y, m, d;
	int64_t ms;
	if (time_parse_rfc3339(value, &ms))
		slots_local_date(ms, &y, &m, &d);
	else if (!time_parse_date(value, &y, &m, &d))
		return open311_error(
		    req, res, 400,
		    "attribute[preferred_date]: a date (YYYY-MM-DD) or W3C datetime");
	struct slot_info s[64];
	struct derr err;
	int n = slots_available(f->category, y, m, d, s, 64, &err);
	if (n == -1)
		return api_derr(res, &err);
	if (n <= 0)
		return open311_error(
		    req, res, 400,
		    "attribute[preferred_date]: no pickup slots are offered that day");
	for (int i = 0; i < n && f->n_preferred_slots < 5; i++) {
		f->preferred_slots[f->n_preferred_slots].start = s[i].start_ms;
		f->preferred_slots[f->n_preferred_slots++].end = s[i].end_ms;
	}
	return 0;
}

/* The request fields from the form. 0 or the status answered. */
static int take_fields(struct http_request *req, struct http_response *res,
		       const struct o311_input *in, struct req_fields *f)
{
	memset(f, 0, sizeof(*f));
	f->has_category = f->has_is_special = f->has_description = f->has_quantity =
	    f->has_address = f->has_preferred_slots = f->has_photos = true;
	if (!in->service_code)
		return open311_error(req, res, 400, "service_code is required");
	if (!categories_known(in->service_code))
		return open311_error(req, res, 404, "service_code not found");
	f->category = in->service_code;
	if (!in->quantity || !parse_double(in->quantity, 0, 100, &f->quantity) || f->quantity <= 0)
		return open311_error(
		    req, res, 400, "attribute[quantity] is required: a number over 0, at most 100");
	if (in->special && strcmp(in->special, "true") != 0 && strcmp(in->special, "false") != 0)
		return open311_error(req, res, 400, "attribute[special_handling]: true or false");
	f->is_special = in->special && strcmp(in->special, "true") == 0;
	if (in->description) {
		size_t n = utf8_len(in->description);
		if (n < 5 || n > 1000)
			return open311_error(req, res, 400, "description: 5 to 1000 characters");
		f->description = in->description;
	} else {
		const char *name, *desc;
		open311_service(f->category, &name, &desc);
		f->description = name; /* the domain wants one; the service names the need */
	}
	if (in->media_url &&
	    (strlen(in->media_url) > 500 || (strncmp(in->media_url, "https://", 8) != 0 &&
					     strncmp(in->media_url, "http://", 7) != 0)))
		return open311_error(req, res, 400,
				     "media_url: an http(s) URL, at most 500 characters");
	int st = take_address(req, res, in, &f->address);
	if (st)
		return st;
	return in->preferred_date ? take_preferred(req, res, in->preferred_date, f) : 0;
}

/* The person fields: a valid email (required), names and phone when given. */
static int take_person(struct http_request *req, struct http_response *res,
		       const struct o311_input *in, char *email, size_t elen, char *name,
		       size_t nlen)
{
	if (!in->email || !users_normalize_email(in->email, email, elen) ||
	    !users_email_valid(email))
		return open311_error(req, res, 400, "email is required: the resident's address");
	if ((in->first_name && utf8_len(in->first_name) > 50) ||
	    (in->last_name && utf8_len(in->last_name) > 50))
		return open311_error(req, res, 400, "first_name/last_name: at most 50 characters");
	if (in->phone && !users_phone_valid(in->phone))
		return open311_error(req, res, 400,
				     "phone: 7 to 20 digits, spaces and +-() with a digit");
	snprintf(name, nlen, "%s%s%s", in->first_name ? in->first_name : "",
		 in->first_name && in->last_name ? " " : "", in->last_name ? in->last_name : "");
	if (!name[0])
		snprintf(name, nlen, "%.*s", (int)strcspn(email, "@"), email);
	return 0;
}

static void put_user(void *p)
{
	users_clear(p);
}

/* The resident of `email`, or a new password-less resident account (the unique email
 * index decides a race: the loser reads the winner's). 0 or the status answered. */
static int resident(struct http_request *req, struct http_response *res, const char *email,
		    const char *name, const char *phone, struct user *u)
{
	struct derr err;
	arena_defer(req->arena, put_user, u);
	for (int tries = 0; tries < 2; tries++) {
		enum users_rc rc = users_get_by_email(email, false, u, &err);
		if (rc == USERS_ERR)
			return api_derr(res, &err);
		if (rc == USERS_OK)
			return u->disabled ? open311_error(req, res, 403,
							   "The resident's account is disabled")
					   : 0;
		/* no password: the account cannot sign in until one is set by a reset */
		rc = users_add(name, email, phone, NULL, "citizen", u, &err);
		if (rc == USERS_OK) {
			log_info("open311: resident account %s created without a password", u->id);
			return 0;
		}
		if (rc == USERS_ERR)
			return api_derr(res, &err);
	}
	return http_error(res, 503, "Please retry");
}

int api_open311_create(struct http_request *req, struct http_response *res)
{
	struct o311_input in;
	struct req_fields f;
	char email[USERS_EMAIL_MAX + 1], name[128];
	int st = open311_need_store(req, res);
	if (!st)
		st = read_form(req, res, &in);
	if (!st)
		st = take_fields(req, res, &in, &f);
	if (!st)
		st = take_person(req, res, &in, email, sizeof(email), name, sizeof(name));
	struct user *u = arena_alloc(req->arena, sizeof(*u));
	memset(u, 0, sizeof(*u));
	if (!st)
		st = resident(req, res, email, name, in.phone, u);
	if (st)
		return st;
	struct oid owner, rid;
	struct derr derr;
	size_t gone = 0;
	if (!oid_parse(u->id, &owner))
		return http_error(res, 500, "Internal server error");
	enum req_result r = requests_create(&owner, "citizen", &f, false, &rid, &gone, &derr);
	if (r != REQ_OK)
		return r == REQ_DB_ERROR ? api_derr(res, &derr)
					 : http_error(res, 500, "Internal server error");
	/* which key made it (the privacy rule); a failure leaves the request unattributed */
	struct derr lerr;
	if (!open311_link_create(&rid, req->api_key_id, in.media_url, &lerr))
		log_error("open311: request key not recorded: %s", lerr.message);
	char hex[OID_HEX_LEN];
	oid_to_hex(&rid, hex);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "service_request_id", json_object_new_string(hex));
	json_object_object_add(o, "service_notice", json_object_new_string(SERVICE_NOTICE));
	json_object_object_add(o, "account_id", json_object_new_string(u->id));
	json_object *list = json_object_new_array();
	json_object_array_add(list, o);
	return open311_send(req, res, 200, list, "service_requests", "request");
}
