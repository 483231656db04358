/* The request state machine, table-driven: for every status × target × role the edge is
 * allowed exactly when it is listed below (API.md "Lifecycle"), and refused otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/requests.h"
#include "infra/db.h"

struct edge {
	const char *from, *to;
};

/* Staff and admins: exactly the lifecycle edges. */
static const struct edge staff_allowed[] = {
    {"draft", "submitted"},	     {"submitted", "pending_review"},
    {"pending_review", "scheduled"}, {"scheduled", "enroute"},
    {"enroute", "onsite"},	     {"onsite", "collecting"},
    {"collecting", "collected"},     {"collected", "handover"},
    {"handover", "verification"},    {"verification", "completed"},
    {"draft", "cancelled"},	     {"submitted", "cancelled"},
    {"pending_review", "cancelled"}, {"scheduled", "cancelled"},
    {"enroute", "failed"},	     {"onsite", "failed"},
    {"collecting", "failed"},	     {"failed", "scheduled"},
    {"failed", "cancelled"},
};

/* Residents: submit a draft, confirm a slot (and reschedule), cancel before the pickup,
 * dispute a collected pickup ("not collected"). */
static const struct edge resident_allowed[] = {
    {"draft", "submitted"},	     {"submitted", "scheduled"}, {"pending_review", "scheduled"},
    {"scheduled", "scheduled"},	     {"draft", "cancelled"},	 {"submitted", "cancelled"},
    {"pending_review", "cancelled"}, {"scheduled", "cancelled"}, {"collected", "failed"},
    {"handover", "failed"},	     {"verification", "failed"}, {"completed", "failed"},
};

static bool listed(const struct edge *t, size_t n, const char *from, const char *to)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].from, from) == 0 && strcmp(t[i].to, to) == 0)
			return true;
	return false;
}

static void every_status_target_role(void **state)
{
	(void)state;
	static const enum req_actor actors[] = {REQ_ACTOR_RESIDENT, REQ_ACTOR_STAFF,
						REQ_ACTOR_ADMIN};
	int checked = 0, allowed = 0;
	for (size_t a = 0; a < 3; a++) {
		bool resident = actors[a] == REQ_ACTOR_RESIDENT;
		const struct edge *t = resident ? resident_allowed : staff_allowed;
		size_t n = resident ? sizeof(resident_allowed) / sizeof(resident_allowed[0])
				    : sizeof(staff_allowed) / sizeof(staff_allowed[0]);
		for (int from = 0; from < RS_COUNT; from++) {
			for (int to = 0; to < RS_COUNT; to++) {
				const char *f = requests_status_name(from),
					   *g = requests_status_name(to);
				bool want = listed(t, n, f, g);
				bool got = requests_edge_allowed(from, to, actors[a]);
				if (want != got)
					fail_msg("%s: %s -> %s should be %s",
						 requests_actor_role(actors[a]), f, g,
						 want ? "allowed" : "refused");
				checked++;
				allowed += got;
			}
		}
	}
	assert_int_equal(checked, 3 * RS_COUNT * RS_COUNT);
	assert_int_equal(allowed, 12 + 19 + 19);
}

static void terminal_states_have_no_exit(void **state)
{
	(void)state;
	enum req_status out[RS_COUNT];
	assert_int_equal(requests_allowed_targets(RS_COMPLETED, REQ_ACTOR_STAFF, out), 0);
	assert_int_equal(requests_allowed_targets(RS_CANCELLED, REQ_ACTOR_ADMIN, out), 0);
	/* a resident's only way out of completed is a dispute */
	assert_int_equal(requests_allowed_targets(RS_COMPLETED, REQ_ACTOR_RESIDENT, out), 1);
	assert_int_equal(out[0], RS_FAILED);
	/* Crew stages are staff work: residents cannot touch them. */
	assert_int_equal(requests_allowed_targets(RS_ENROUTE, REQ_ACTOR_RESIDENT, out), 0);
}

static void allowed_targets_in_lifecycle_order(void **state)
{
	(void)state;
	enum req_status out[RS_COUNT];
	size_t n = requests_allowed_targets(RS_FAILED, REQ_ACTOR_STAFF, out);
	assert_int_equal(n, 2);
	assert_string_equal(requests_status_name(out[0]), "scheduled");
	assert_string_equal(requests_status_name(out[1]), "cancelled");
	n = requests_allowed_targets(RS_COLLECTING, REQ_ACTOR_ADMIN, out);
	assert_int_equal(n, 2);
	assert_string_equal(requests_status_name(out[0]), "collected");
	assert_string_equal(requests_status_name(out[1]), "failed");
}

static void names_round_trip(void **state)
{
	(void)state;
	for (int s = 0; s < RS_COUNT; s++)
		assert_int_equal(requests_status_parse(requests_status_name(s)), s);
	assert_int_equal(requests_status_parse("done"), -1);
	assert_int_equal(requests_status_parse(""), -1);
	assert_int_equal(requests_status_parse(NULL), -1);
	assert_string_equal(requests_status_name(RS_COUNT), "");
	assert_false(requests_edge_allowed(RS_COUNT, RS_DRAFT, REQ_ACTOR_STAFF));
	assert_false(requests_edge_allowed(RS_DRAFT, (enum req_status) - 1, REQ_ACTOR_STAFF));
}

static void notify_events(void **state)
{
	(void)state;
	assert_null(requests_notify_event(RS_DRAFT));
	assert_null(requests_notify_event(RS_PENDING_REVIEW));
	assert_string_equal(requests_notify_event(RS_SCHEDULED), "scheduled");
	assert_string_equal(requests_notify_event(RS_COMPLETED), "completed");
	assert_string_equal(requests_notify_event(RS_FAILED), "failed");
	assert_string_equal(requests_notify_event(RS_VERIFICATION), "verification");
}

static void regex_escape_is_literal(void **state)
{
	(void)state;
	char *s = db_regex_escape("a.b*(c)[d]{1}^$|+?\\ e-f");
	assert_string_equal(s, "a\\.b\\*\\(c\\)\\[d\\]\\{1\\}\\^\\$\\|\\+\\?\\\\ e-f");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_status_target_role),
	    cmocka_unit_test(terminal_states_have_no_exit),
	    cmocka_unit_test(allowed_targets_in_lifecycle_order),
	    cmocka_unit_test(names_round_trip),
	    cmocka_unit_test(notify_events),
	    cmocka_unit_test(regex_escape_is_literal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
