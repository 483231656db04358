/* Templates of the notify module: every event renders, values land in the text, HTML is
 * escaped, slot times are shown in the service zone with its abbreviation, emails greet
 * the recipient by name when known, "completed" carries the points, SMS stays short, and
 * the channel rules match the API contract. */
#include "testutil.h"

#include <stdlib.h>
#include <time.h>

#include "api/api.h"
#include "domain/internal/notify_store.h"
#include "infra/config.h"

static int setup(void **state)
{
	(void)state;
	char err[256];
	setenv("TZ", "Asia/Kolkata", 1);
	tzset();
	setenv("PUBLIC_BASE_URL", "https://swmra.example", 1);
	return config_load("", err, sizeof(err));
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static json_object *data(void)
{
	json_object *d = json_object_new_object();
	json_object_object_add(d, "request_id", json_object_new_string("65a1b2c3d4e5f60718293a4b"));
	json_object_object_add(d, "category", json_object_new_string("e-waste"));
	json_object_object_add(d, "slot_start", json_object_new_string("2026-11-27T03:30:00Z"));
	json_object_object_add(d, "slot_end", json_object_new_string("2026-11-27T05:30:00Z"));
	return d;
}

static void every_event_renders(void **state)
{
	(void)state;
	const char *events[] = {"submitted", "scheduled",     "rescheduled", "cancelled",
				"enroute",   "onsite",	      "collecting",  "collected",
				"handover",  "verification",  "failed",	     "completed",
				"reminder",  "waitlist_offer"};
	json_object *d = data();
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		struct notify_message m;
		assert_true(notify_event_known(events[i]));
		assert_true(notify_render(events[i], d, &m));
		assert_true(strlen(m.title) > 0);
		assert_true(strlen(m.text) > 10);
		assert_non_null(strstr(m.email_text, m.text));
		assert_non_null(strstr(m.email_html, "<html lang=\"en\">"));
		assert_true(strlen(m.sms) <= NOTIFY_SMS_MAX);
		assert_non_null(strstr(m.email_text,
				       "https://swmra.example/requests/65a1b2c3d4e5f60718293a4b"));
		notify_message_free(&m);
	}
	json_object_put(d);
	struct notify_message m;
	assert_false(notify_event_known("exploded"));
	assert_false(notify_render("exploded", NULL, &m));
	assert_false(notify_render(NULL, NULL, &m));
}

static void slot_in_service_zone(void **state)
{
	(void)state;
	json_object *d = data();
	struct notify_message m;
	assert_true(notify_render("scheduled", d, &m));
	assert_string_equal(m.title, "Pickup scheduled");
	/* 03:30Z is 09:00 in Kolkata (+05:30), which the tz database calls IST */
	assert_string_equal(
	    m.text, "Your e-waste pickup is scheduled for Fri 27 Nov 2026, 09:00\xE2\x80\x93"
		    "11:00 IST.");
	assert_non_null(strstr(m.email_text, "09:00\xE2\x80\x93"
					     "11:00 IST."));
	assert_non_null(strstr(m.email_html, "09:00\xE2\x80\x93"
					     "11:00 IST."));
	notify_message_free(&m);
	assert_true(notify_render("rescheduled", d, &m));
	assert_non_null(strstr(m.text, "has moved to Fri 27 Nov 2026, 09:00\xE2\x80\x93"
				       "11:00 IST."));
	notify_message_free(&m);
	assert_true(notify_render("reminder", d, &m));
	assert_non_null(
	    strstr(m.text, "Reminder: your e-waste pickup is scheduled for Fri 27 Nov"));
	assert_non_null(strstr(m.sms, "SWMRA: Reminder"));
	assert_non_null(strstr(m.sms, "11:00 IST. Please have the waste ready."));
	notify_message_free(&m);
	json_object_put(d);
}

/* The reminder states the change deadline (open or passed); the waitlist offer states the
 * slot and until when the seat is held. */
static void deadline_and_offer_expiry(void **state)
{
	(void)state;
	json_object *d = data();
	json_object_object_add(d, "change_deadline",
			       json_object_new_string("2099-11-26T03:30:00Z"));
	struct notify_message m;
	assert_true(notify_render("reminder", d, &m));
	assert_non_null(
	    strstr(m.text, "You can change or cancel it until Thu 26 Nov 2099, 09:00 IST."));
	assert_non_null(strstr(m.email_text, "You can change or cancel it until"));
	notify_message_free(&m);
	json_object_object_add(d, "change_deadline",
			       json_object_new_string("2026-11-26T03:30:00Z"));
	assert_true(notify_render("reminder", d, &m));
	assert_non_null(
	    strstr(m.text, "Changes and cancellation closed at Thu 26 Nov 2026, 09:00 IST."));
	notify_message_free(&m);
	json_object_object_add(d, "expires_at", json_object_new_string("2026-11-25T04:00:00Z"));
	assert_true(notify_render("waitlist_offer", d, &m));
	assert_string_equal(m.title, "A seat is free for your pickup");
	assert_non_null(strstr(m.text, "A seat freed up in Fri 27 Nov 2026, 09:00"));
	assert_non_null(strstr(m.text, "held for you until Wed 25 Nov 2026, 09:30 IST"));
	assert_true(notify_event_wants_email("waitlist_offer"));
	assert_false(notify_event_wants_sms("waitlist_offer"));
	notify_message_free(&m);
	json_object_put(d);
}

/* The abbreviation is the zone's at the slot's instant: CET or CEST in Berlin. */
static void zone_abbreviation_follows_dst(void **state)
{
	(void)state;
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	json_object *d = data(); /* 27 Nov: winter time, +01:00 */
	struct notify_message m;
	assert_true(notify_render("scheduled", d, &m));
	assert_non_null(strstr(m.text, "Fri 27 Nov 2026, 04:30\xE2\x80\x93"
				       "06:30 CET."));
	notify_message_free(&m);
	json_object_object_add(d, "slot_start", json_object_new_string("2026-06-15T08:00:00Z"));
	json_object_object_add(d, "slot_end", json_object_new_string("2026-06-15T09:00:00Z"));
	assert_true(notify_render("scheduled", d, &m));
	assert_non_null(strstr(m.text, "Mon 15 Jun 2026, 10:00\xE2\x80\x93"
				       "11:00 CEST."));
	notify_message_free(&m);
	json_object_put(d);
	setenv("TZ", "Asia/Kolkata", 1);
	tzset();
}

static void greets_by_name(void **state)
{
	(void)state;
	json_object *d = data();
	struct notify_message m;
	assert_true(notify_render_for("scheduled", d, "Aditi", &m));
	assert_true(starts_with(m.email_text, "Hello Aditi,\r\n\r\nYour e-waste pickup"));
	assert_non_null(strstr(m.email_html, "<p>Hello Aditi,</p>"));
	assert_null(strstr(m.text, "Aditi")); /* in-app text and SMS stay as they were */
	assert_string_equal(m.sms, "SWMRA: Your e-waste pickup is scheduled for Fri 27 Nov 2026, "
				   "09:00\xE2\x80\x93"
				   "11:00 IST.");
	notify_message_free(&m);
	/* escaped in HTML, control characters dropped, blanks trimmed */
	assert_true(notify_render_for("submitted", d, "  <b>Ravi</b>\r\nBcc: x@y  ", &m));
	assert_non_null(strstr(m.email_html, "<p>Hello &lt;b&gt;Ravi&lt;/b&gt;  Bcc: x@y,</p>"));
	assert_true(starts_with(m.email_text, "Hello <b>Ravi</b>  Bcc: x@y,\r\n"));
	notify_message_free(&m);
	/* unknown or blank: the plain greeting */
	const char *none[] = {NULL, "", "   "};
	for (size_t i = 0; i < 3; i++) {
		assert_true(notify_render_for("submitted", d, none[i], &m));
		assert_true(starts_with(m.email_text, "Hello,\r\n\r\n"));
		assert_non_null(strstr(m.email_html, "<p>Hello,</p>"));
		notify_message_free(&m);
	}
	assert_true(notify_render("submitted", d, &m));
	assert_true(starts_with(m.email_text, "Hello,\r\n\r\n"));
	notify_message_free(&m);
	assert_false(notify_render_for("exploded", d, "Aditi", &m));
	json_object_put(d);
}

static void completed_has_points(void **state)
{
	(void)state;
	json_object *d = data();
	json_object_object_add(d, "points", json_object_new_int(10));
	struct notify_message m;
	assert_true(notify_render("completed", d, &m));
	assert_non_null(strstr(m.text, "You earned 10 points."));
	assert_non_null(strstr(m.email_html, "You earned 10 points."));
	notify_message_free(&m);
	json_object_object_add(d, "points", json_object_new_int(1));
	assert_true(notify_render("completed", d, &m));
	assert_non_null(strstr(m.text, "You earned 1 point."));
	notify_message_free(&m);
	json_object_object_add(d, "points", json_object_new_int(0));
	assert_true(notify_render("completed", d, &m));
	assert_null(strstr(m.text, "earned"));
	notify_message_free(&m);
	json_object_put(d);
}

static void values_are_escaped_and_cleaned(void **state)
{
	(void)state;
	json_object *d = json_object_new_object();
	json_object_object_add(d, "reason",
			       json_object_new_string("<script>x</script>\r\nBcc: a@b"));
	json_object_object_add(d, "request_id", json_object_new_string("../../evil"));
	struct notify_message m;
	assert_true(notify_render("failed", d, &m));
	assert_null(strstr(m.email_html, "<script>"));
	assert_non_null(strstr(m.email_html, "&lt;script&gt;"));
	assert_null(strchr(m.text, '\r'));
	assert_null(strchr(m.text, '\n'));
	assert_null(strstr(m.email_text, "evil")); /* only ids make links */
	assert_string_equal(m.title, "Pickup could not be completed");
	notify_message_free(&m);
	json_object_put(d);
}

static void sms_is_truncated_on_char_boundary(void **state)
{
	(void)state;
	char reason[700];
	for (size_t i = 0; i + 2 < sizeof(reason); i += 2) {
		reason[i] = '\xC3';
		reason[i + 1] = '\xA9'; /* é */
	}
	reason[sizeof(reason) - 2] = '\0';
	json_object *d = json_object_new_object();
	json_object_object_add(d, "reason", json_object_new_string(reason));
	struct notify_message m;
	assert_true(notify_render("failed", d, &m));
	size_t n = strlen(m.sms);
	assert_true(n <= NOTIFY_SMS_MAX && n > 200);
	assert_true(((unsigned char)m.sms[n - 1] & 0xC0) != 0xC0); /* no dangling lead byte */
	notify_message_free(&m);
	json_object_put(d);
}

static void channel_rules(void **state)
{
	(void)state;
	const char *email[] = {"submitted", "scheduled", "rescheduled", "cancelled",
			       "failed",    "completed", "reminder"};
	for (size_t i = 0; i < 7; i++)
		assert_true(notify_event_wants_email(email[i]));
	assert_false(notify_event_wants_email("enroute"));
	assert_false(notify_event_wants_email("verification"));
	assert_true(notify_event_wants_sms("reminder"));
	assert_true(notify_event_wants_sms("failed"));
	assert_false(notify_event_wants_sms("submitted"));
	assert_false(notify_event_wants_sms("completed"));
}

static void backoff_schedule(void **state)
{
	(void)state;
	assert_int_equal(notify_backoff_ms(1), 60000);
	assert_int_equal(notify_backoff_ms(2), 120000);
	assert_int_equal(notify_backoff_ms(3), 240000);
	assert_int_equal(notify_backoff_ms(4), 480000);
	assert_int_equal(notify_backoff_ms(5), 960000);
	assert_int_equal(NOTIFY_MAX_ATTEMPTS, 6);
}

static void doc_to_json_shape(void **state)
{
	(void)state;
	bson_oid_t id, uid;
	bson_oid_init_from_string(&id, "65a1b2c3d4e5f60718293a4b");
	bson_oid_init_from_string(&uid, "65a1b2c3d4e5f60718293a4c");
	bson_t *d =
	    BCON_NEW("_id", BCON_OID(&id), "user_id", BCON_OID(&uid), "channel", BCON_UTF8("inapp"),
		     "event", BCON_UTF8("submitted"), "title", BCON_UTF8("T"), "body",
		     BCON_UTF8("B"), "meta", "{", "request_id", BCON_UTF8("x"), "points",
		     BCON_INT64(10), "}", "status", BCON_UTF8("sent"), "read", BCON_BOOL(false),
		     "created_at", BCON_DATE_TIME(1764147600000LL), "sent_at", BCON_NULL, "html",
		     BCON_UTF8("<p>secret-ish</p>"), "to", BCON_UTF8("a@b.c"));
	struct notification n;
	notify_doc_fill(d, &n);
	json_object *j = api_notification_json(&n);
	assert_string_equal(
	    json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN),
	    "{\"id\":\"65a1b2c3d4e5f60718293a4b\",\"user_id\":\"65a1b2c3d4e5f60718293a4c\","
	    "\"channel\":\"inapp\",\"event\":\"submitted\",\"title\":\"T\",\"body\":\"B\","
	    "\"meta\":{\"request_id\":\"x\",\"points\":10},\"status\":\"sent\",\"read\":false,"
	    "\"created_at\":\"2025-11-26T09:00:00Z\",\"sent_at\":null}");
	json_object_put(j);
	bson_destroy(d);

	/* a queued email: no read flag (false), no meta (empty), sent_at null */
	bson_t *q = BCON_NEW("_id", BCON_OID(&id), "user_id", BCON_OID(&uid), "channel",
			     BCON_UTF8("email"), "event", BCON_UTF8("submitted"), "title",
			     BCON_UTF8("T"), "body", BCON_UTF8("B"), "status", BCON_UTF8("queued"),
			     "created_at", BCON_DATE_TIME(1764147600000LL), "sent_at", BCON_NULL);
	notify_doc_fill(q, &n);
	j = api_notification_json(&n);
	assert_string_equal(
	    json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN),
	    "{\"id\":\"65a1b2c3d4e5f60718293a4b\",\"user_id\":\"65a1b2c3d4e5f60718293a4c\","
	    "\"channel\":\"email\",\"event\":\"submitted\",\"title\":\"T\",\"body\":\"B\","
	    "\"meta\":{},\"status\":\"queued\",\"read\":false,"
	    "\"created_at\":\"2025-11-26T09:00:00Z\",\"sent_at\":null}");
	json_object_put(j);
	bson_destroy(q);
}

/* Every event renders in every language, with its own title, no English words left and
 * no unfilled {slot}; an unknown locale falls back to English. */
static void every_event_in_every_language(void **state)
{
	(void)state;
	const char *events[] = {"submitted", "scheduled",    "rescheduled", "cancelled",
				"enroute",   "onsite",	     "collecting",  "collected",
				"handover",  "verification", "failed",	    "completed",
				"reminder"};
	const char *locales[] = {"hi", "kn"};
	json_object *d = data();
	json_object_object_add(d, "points", json_object_new_int(10));
	json_object_object_add(d, "reason", json_object_new_string("gate locked"));
	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
			struct notify_message m, en;
			assert_true(notify_render_locale(events[i], d, "Aditi", locales[l], &m));
			assert_true(notify_render_for(events[i], d, "Aditi", &en));
			assert_string_not_equal(m.title, en.title);
			assert_string_not_equal(m.text, en.text);
			assert_null(strchr(m.text, '{'));
			assert_null(strstr(m.text, "pickup"));
			assert_null(strstr(m.email_text, "Hello"));
			assert_non_null(strstr(m.email_text, "Aditi"));
			assert_non_null(strstr(m.email_text, m.text));
			assert_true(strlen(m.sms) <= NOTIFY_SMS_MAX);
			notify_message_free(&m);
			notify_message_free(&en);
		}
	struct notify_message m;
	assert_true(notify_render_locale("scheduled", d, NULL, "fr", &m));
	assert_string_equal(m.title, "Pickup scheduled");
	notify_message_free(&m);
	json_object_put(d);
}

static void hindi_and_kannada_texts(void **state)
{
	(void)state;
	json_object *d = data();
	struct notify_message m;
	assert_true(notify_render_locale("scheduled", d, "Aditi", "hi", &m));
	assert_string_equal(m.title, "पिकअप का समय तय");
	assert_string_equal(m.text, "आपका ई-कचरे का पिकअप शुक्र, 27 नवंबर 2026, 09:00\xE2\x80\x93"
				    "11:00 IST के लिए तय हो गया है।");
	assert_true(starts_with(m.email_text, "नमस्ते Aditi,\r\n\r\n"));
	assert_non_null(strstr(m.email_html, "<html lang=\"hi\">"));
	assert_non_null(strstr(m.email_html, ">अपना अनुरोध देखें</a>"));
	notify_message_free(&m);
	json_object_object_add(d, "points", json_object_new_int(1));
	assert_true(notify_render_locale("completed", d, NULL, "hi", &m));
	assert_non_null(strstr(m.text, "आपको 1 अंक मिला।"));
	assert_true(starts_with(m.email_text, "नमस्ते,\r\n"));
	notify_message_free(&m);
	assert_true(notify_render_locale("reminder", d, NULL, "kn", &m));
	assert_string_equal(m.text, "ನೆನಪಿರಲಿ: ನಿಮ್ಮ ಇ-ತ್ಯಾಜ್ಯದ ಪಿಕಪ್ ಸಮಯ ಶುಕ್ರ, 27 ನವೆಂಬರ್ 2026, "
				    "09:00\xE2\x80\x93"
				    "11:00 IST. ದಯವಿಟ್ಟು ಕಸವನ್ನು ಸಿದ್ಧವಾಗಿಡಿ.");
	assert_true(starts_with(m.sms, "SWMRA: ನೆನಪಿರಲಿ"));
	notify_message_free(&m);
	json_object_object_add(d, "points", json_object_new_int(10));
	assert_true(notify_render_locale("completed", d, NULL, "kn", &m));
	assert_non_null(strstr(m.text, "ನಿಮಗೆ 10 ಅಂಕಗಳು ಸಿಕ್ಕಿವೆ."));
	notify_message_free(&m);
	json_object_put(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_event_renders),
	    cmocka_unit_test(every_event_in_every_language),
	    cmocka_unit_test(hindi_and_kannada_texts),
	    cmocka_unit_test(slot_in_service_zone),
	    cmocka_unit_test(deadline_and_offer_expiry),
	    cmocka_unit_test(zone_abbreviation_follows_dst),
	    cmocka_unit_test(greets_by_name),
	    cmocka_unit_test(completed_has_points),
	    cmocka_unit_test(values_are_escaped_and_cleaned),
	    cmocka_unit_test(sms_is_truncated_on_char_boundary),
	    cmocka_unit_test(channel_rules),
	    cmocka_unit_test(backoff_schedule),
	    cmocka_unit_test(doc_to_json_shape),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
