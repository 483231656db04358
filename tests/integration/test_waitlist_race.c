/* The waitlist under races of real processes (issue 18). A slot T (capacity 5) is booked
 * full by 5 requests; 50 more requests join its line through the route table, in order
 * (positions 1..50).
 * - Five seats freed at once: 5 processes cancel the 5 bookings together while a sixth
 *   samples the claims of T: exactly 5 offers, to the first 5 in line, T never holds more
 *   than 5 claims at any sample (holds count), and the seats agree with the requests.
 * - Accept racing expiry: the 5 offered residents accept while the waitlist job runs with
 *   a clock past their holds: each offer has one outcome (accepted and booked, or expired
 *   and passed to the next in line), the answers agree with it, and T stays at 5 seats.
 * - Decline and leave pass the seat on; a held seat is never offered twice.
 * - Inside the lead time a freed seat is offered to nobody. */
#include "itutil.h"

#include "domain/requests.h"
#include "domain/slots.h"
#include "domain/waitlist.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/runtime.h"
#include "infra/timeutil.h"

#define PROG	"test_waitlist_race"
#define SEATS	5
#define WAITERS 50
#define HOUR_MS 3600000LL

static char holder_uid[SEATS][25], holder_req[SEATS][25];
static char waiter_uid[WAITERS][25], waiter_req[WAITERS][25];
static int64_t slot_t;

static char *slot_body(char *buf, size_t n, int64_t start)
{
	char a[TIME_RFC3339_LEN], b[TIME_RFC3339_LEN];
	time_format_rfc3339(start, a);
	time_format_rfc3339(start + HOUR_MS, b);
	snprintf(buf, n, "{\"slot_start\":\"%s\",\"slot_end\":\"%s\"}", a, b);
	return buf;
}

static int resident_call(struct call *c, const char *uid, const char *id, const char *what,
			 const char *body)
{
	char path[96];
	snprintf(path, sizeof(path), "/api/requests/%.24s/%.20s", id, what);
	return itu_call_as(c, "POST", path, NULL, body, uid, ROLE_CITIZEN);
}

static void expect(int status, int want, struct call *c, const char *what)
{
	if (status != want)
		fail_msg("%s: %d %s (expected %d)", what, status, c->res.body ? c->res.body : "",
			 want);
	call_end(c);
}

static void create_request(const char *uid, char id[25])
{
	static const char body[] =
	    "{\"category\":\"organic\",\"description\":\"Garden waste\",\"quantity\":2,"
	    "\"address\":{\"line1\":\"7 Queue Lane\",\"city\":\"Pune\",\"pincode\":\"411001\"}}";
	struct call c;
	assert_int_equal(itu_call_as(&c, "POST", "/api/requests", NULL, body, uid, ROLE_CITIZEN),
			 201);
	snprintf(id, 25, "%s", jsonx_str(c.json, "id"));
	call_end(&c);
}

/* The stored status of the waiting request `i`'s entry on T ("" when none). */
static const char *entry_status(int i)
{
	static char st[32];
	bson_oid_t rid;
	bson_oid_init_from_string(&rid, waiter_req[i]);
	bson_t *q = BCON_NEW("request_id", BCON_OID(&rid), "start", BCON_DATE_TIME(slot_t));
	bson_t *d = itu_find_one("waitlist_entries", q); /* q destroyed there */
	snprintf(st, sizeof(st), "%s", d ? itu_str_of(d, "status") : "");
	bson_destroy(d);
	return st;
}

static long claims_of_t(void)
{
	bson_t *q = BCON_NEW("start", BCON_DATE_TIME(slot_t));
	long n = (long)itu_count("slot_claims", q); /* q destroyed there */
	return n;
}

static int setup(void **state)
{
	(void)state;
	setenv("LOG_LEVEL", "warn", 1);
	if (itu_open("wlrace", PROG) < 0)
		return -1;
	bson_error_t err;
	if (!itu_everyday_template(0, 1440, 60, SEATS, 2, &err))
		return -1;
	slot_t = itu_slot_at(72); /* beyond the lead time and the change deadline */
	char body[160];
	for (int i = 0; i < SEATS; i++) {
		itu_new_id(holder_uid[i]);
		create_request(holder_uid[i], holder_req[i]);
		struct call c;
		expect(resident_call(&c, holder_uid[i], holder_req[i], "confirm-slot",
				     slot_body(body, sizeof(body), slot_t)),
		       200, &c, "book T");
	}
	for (int i = 0; i < WAITERS; i++) {
		itu_new_id(waiter_uid[i]);
		create_request(waiter_uid[i], waiter_req[i]);
		struct call c;
		int st = resident_call(&c, waiter_uid[i], waiter_req[i], "waitlist",
				       slot_body(body, sizeof(body), slot_t));
		json_object *pos = json_object_object_get(c.json, "position");
		if (st != 201 || json_object_get_int(pos) != i + 1)
			fail_msg("join %d: %d %s", i, st, c.res.body);
		call_end(&c);
		usleep(2000); /* distinct join instants: the line's order is the join order */
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	itu_drop();
	return 0;
}

/* Racers 0..4 cancel booking i; racer 5 samples T's claims until the cancels are surely
 * done, exiting 1 when it ever saw more than SEATS. */
static int free_racer(int i, void *ctx)
{
	(void)ctx;
	if (i == SEATS) {
		int64_t until = time_now_ms() + 4000;
		while (time_now_ms() < until)
			if (claims_of_t() > SEATS)
				return 1;
		return 0;
	}
	struct call c;
	int st = resident_call(&c, holder_uid[i], holder_req[i], "cancel", "{}");
	if (st != 200)
		fprintf(stderr, "cancel %d: %d %s\n", i, st, c.res.body ? c.res.body : "");
	call_end(&c);
	return st == 200 ? 0 : 2;
}

static void five_seats_freed_at_once(void **state)
{
	(void)state;
	int codes[SEATS + 1];
	itu_race(PROG, SEATS + 1, free_racer, NULL, codes);
	for (int i = 0; i < SEATS; i++)
		assert_int_equal(codes[i], 0);
	if (codes[SEATS] != 0)
		fail_msg("the slot held more than %d claims during the race", SEATS);
	for (int i = 0; i < WAITERS; i++) {
		const char *want = i < SEATS ? "offered" : "waiting";
		if (strcmp(entry_status(i), want) != 0)
			fail_msg("waiter %d: %s, expected %s", i, entry_status(i), want);
	}
	assert_int_equal(itu_count_json("waitlist_entries", "{\"status\":\"offered\"}"), SEATS);
	assert_int_equal(claims_of_t(), SEATS);
	itu_assert_seats(true);
	/* each offer told its resident (in-app, the live and push copies follow it) */
	assert_int_equal(
	    itu_count_json("notifications", "{\"event\":\"waitlist_offer\",\"channel\":\"inapp\"}"),
	    SEATS);
	/* the detail shows the offer */
	struct call c;
	char path[96];
	snprintf(path, sizeof(path), "/api/requests/%s", waiter_req[0]);
	assert_int_equal(itu_call_as(&c, "GET", path, NULL, NULL, waiter_uid[0], ROLE_CITIZEN),
			 200);
	json_object *wl = json_object_object_get(c.json, "waitlist");
	assert_non_null(json_object_object_get(wl, "offer"));
	call_end(&c);
	/* a second sweep offers nothing more: every seat is held */
	struct wl_sweep rep;
	struct derr err;
	assert_true(waitlist_sweep(time_now_ms(), 0, &rep, &err));
	assert_int_equal(rep.offers, 0);
	assert_int_equal(rep.expired, 0);
	assert_int_equal(itu_count_json("waitlist_entries", "{\"status\":\"offered\"}"), SEATS);
}

/* Racers 0..4 accept offer i; racer 5 runs the job with a clock past every hold and
 * exits with the number of offers it expired. */
static int accept_racer(int i, void *ctx)
{
	(void)ctx;
	if (i == SEATS) {
		struct wl_sweep rep;
		struct derr err;
		int64_t later =
		    time_now_ms() + (int64_t)config_get()->waitlist_hold_min * 60000 + 1000;
		if (!waitlist_sweep(later, 24 * HOUR_MS, &rep, &err))
			return 80;
		return (int)rep.expired;
	}
	struct call c;
	int st = resident_call(&c, waiter_uid[i], waiter_req[i], "accept-offer", NULL);
	int code = st == 200 ? 0 : st == 409 ? 1 : 2;
	if (code == 2)
		fprintf(stderr, "accept %d: %d %s\n", i, st, c.res.body ? c.res.body : "");
	call_end(&c);
	return code;
}

/* Whether waiter i's request is scheduled (in T). */
static bool request_scheduled(int i)
{
	bson_oid_t rid;
	bson_oid_init_from_string(&rid, waiter_req[i]);
	bson_error_t err;
	bson_t *doc = requests_load(&rid, NULL, &err);
	assert_non_null(doc);
	bool in_t = strcmp(itu_str_of(doc, "status"), "scheduled") == 0;
	bson_destroy(doc);
	return in_t;
}

static void accept_racing_expiry(void **state)
{
	(void)state;
	int codes[SEATS + 1];
	itu_race(PROG, SEATS + 1, accept_racer, NULL, codes);
	int accepted = 0;
	for (int i = 0; i < SEATS; i++) {
		assert_true(codes[i] == 0 || codes[i] == 1);
		const char *st = entry_status(i);
		if (codes[i] == 0 && strcmp(st, "accepted") != 0)
			fail_msg("waiter %d accepted (200) but its entry is %s", i, st);
		if (codes[i] == 1 && strcmp(st, "expired") != 0)
			fail_msg("waiter %d was refused (409) but its entry is %s", i, st);
		accepted += codes[i] == 0;
		/* one outcome: booked in T exactly when accepted */
		assert_int_equal(request_scheduled(i), codes[i] == 0);
	}
	int expired = codes[SEATS];
	fprintf(stderr, "# %d accepted, %d expired\n", accepted, expired);
	assert_int_equal(accepted + expired, SEATS);
	/* every expired seat went to the next in line, in order */
	for (int i = SEATS; i < SEATS + expired; i++)
		if (strcmp(entry_status(i), "offered") != 0)
			fail_msg("waiter %d: %s, expected offered", i, entry_status(i));
	if (strcmp(entry_status(SEATS + expired), "waiting") != 0)
		fail_msg("waiter %d: %s, expected waiting", SEATS + expired,
			 entry_status(SEATS + expired));
	assert_int_equal(claims_of_t(), SEATS);
	itu_assert_seats(true);
}

/* Declining or leaving with an offer passes the seat on; a declined hold is never
 * offered again to the same entry. */
static void decline_and_leave_pass_on(void **state)
{
	(void)state;
	int first = -1;
	for (int i = 0; i < WAITERS && first < 0; i++)
		if (strcmp(entry_status(i), "offered") == 0)
			first = i;
	struct call c;
	if (first < 0) {
		/* every offer was accepted in the race: a booking made from the line frees its
		 * seat, which goes to the next in line */
		for (int i = 0; i < SEATS && first < 0; i++)
			if (strcmp(entry_status(i), "accepted") == 0) {
				expect(
				    resident_call(&c, waiter_uid[i], waiter_req[i], "cancel", "{}"),
				    200, &c, "cancel an accepted booking");
				first = i;
			}
		assert_true(first >= 0);
		first = -1;
		for (int i = 0; i < WAITERS && first < 0; i++)
			if (strcmp(entry_status(i), "offered") == 0)
				first = i;
	}
	assert_true(first >= 0);
	int next = -1;
	for (int i = first + 1; i < WAITERS && next < 0; i++)
		if (strcmp(entry_status(i), "waiting") == 0)
			next = i;
	assert_true(next >= 0);
	expect(resident_call(&c, waiter_uid[first], waiter_req[first], "decline-offer", NULL), 200,
	       &c, "decline");
	assert_string_equal(entry_status(first), "declined");
	assert_string_equal(entry_status(next), "offered");
	/* answering again: no offer */
	expect(resident_call(&c, waiter_uid[first], waiter_req[first], "accept-offer", NULL), 409,
	       &c, "accept after decline");
	/* leaving the line with an offer passes it on too */
	char body[160], path[96];
	snprintf(path, sizeof(path), "/api/requests/%s/waitlist", waiter_req[next]);
	expect(itu_call_as(&c, "DELETE", path, NULL, slot_body(body, sizeof(body), slot_t),
			   waiter_uid[next], ROLE_CITIZEN),
	       200, &c, "leave");
	assert_string_equal(entry_status(next), "left");
	assert_int_equal(claims_of_t(), SEATS);
	assert_int_equal(itu_count_json("waitlist_entries", "{\"status\":\"offered\"}"),
			 itu_count_json("slot_claims", "{\"hold\":{\"$exists\":true}}"));
	itu_assert_seats(true);
}

/* Once the slot is inside the lead time (SLOT_LEAD_HOURS raised past it here), a freed
 * seat is no longer offered: it stays free, the line waits. */
static void no_offer_inside_the_lead_time(void **state)
{
	(void)state;
	/* a booking made from the line and still in T: when every offer was accepted in the
	 * race, decline_and_leave_pass_on cancelled the first one (its entry stays accepted) */
	int booked = -1;
	for (int i = 0; i < WAITERS && booked < 0; i++)
		if (strcmp(entry_status(i), "accepted") == 0 && request_scheduled(i))
			booked = i;
	assert_true(booked >= 0);
	int64_t offered = itu_count_json("waitlist_entries", "{\"status\":\"offered\"}");
	setenv("SLOT_LEAD_HOURS", "100", 1); /* T is 72 h ahead */
	itu_reload_config();
	struct call c;
	expect(resident_call(&c, waiter_uid[booked], waiter_req[booked], "cancel", "{}"), 200, &c,
	       "cancel inside the lead time");
	struct wl_sweep rep;
	struct derr err;
	assert_true(waitlist_sweep(time_now_ms(), 0, &rep, &err));
	assert_int_equal(rep.offers, 0);
	assert_int_equal(itu_count_json("waitlist_entries", "{\"status\":\"offered\"}"), offered);
	assert_int_equal(claims_of_t(), SEATS - 1);
	setenv("SLOT_LEAD_HOURS", "24", 1);
	itu_reload_config();
	itu_assert_seats(true);
}

int main(void)
{
	if (!itu_have_mongo())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(five_seats_freed_at_once),
	    cmocka_unit_test(accept_racing_expiry),
	    cmocka_unit_test(decline_and_leave_pass_on),
	    cmocka_unit_test(no_offer_inside_the_lead_time),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
