/* Per-event templates of the notify module: title, in-app text, email text + HTML, SMS. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/notify.h"
#include "infra/strbuf.h"
#include "infra/config.h"
#include "infra/jsonx.h"
#include "infra/timeutil.h"

struct tmpl {
	const char *event;
	const char *title;
	bool email, sms;
};

static const struct tmpl tmpls[] = {
    {"submitted", "Pickup request submitted", true, false},
    {"scheduled", "Pickup scheduled", true, false},
    {"rescheduled", "Pickup rescheduled", true, false},
    {"cancelled", "Pickup cancelled", true, false},
    {"enroute", "Crew on the way", false, false},
    {"onsite", "Crew has arrived", false, false},
    {"collecting", "Collection in progress", false, false},
    {"collected", "Waste collected", false, false},
    {"handover", "Handed over for recycling", false, false},
    {"verification", "Verification in progress", false, false},
    {"failed", "Pickup could not be completed", true, true},
    {"completed", "Pickup completed", true, false},
    {"reminder", "Pickup reminder", true, true},
    {"waitlist_offer", "A seat is free for your pickup", true, false},
};

static const struct tmpl *find(const char *event)
{
	if (!event)
		return NULL;
	for (size_t i = 0; i < sizeof(tmpls) / sizeof(tmpls[0]); i++)
		if (strcmp(tmpls[i].event, event) == 0)
			return &tmpls[i];
	return NULL;
}

bool notify_event_known(const char *event)
{
	return find(event) != NULL;
}

bool notify_event_wants_email(const char *event)
{
	const struct tmpl *t = find(event);
	return t && t->email;
}

bool notify_event_wants_sms(const char *event)
{
	const struct tmpl *t = find(event);
	return t && t->sms;
}

/* Escapes & < > " ' for HTML text and attribute values. */
static void sb_html(struct strbuf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': strbuf_add(b, "&amp;"); break;
		case '<': strbuf_add(b, "&lt;"); break;
		case '>': strbuf_add(b, "&gt;"); break;
		case '"': strbuf_add(b, "&quot;"); break;
		case '\'': strbuf_add(b, "&#39;"); break;
		default: strbuf_addn(b, s, 1);
		}
	}
}

/* A slot as people read it, in the service time zone, with the zone's abbreviation from
 * the tz database at the slot's start: "Thu 26 Nov 2026, 09:00–11:00 IST". */
static void format_slot(const char *start, const char *end, char *out, size_t outlen)
{
	int64_t s_ms, e_ms;
	out[0] = '\0';
	if (!start || !time_parse_rfc3339(start, &s_ms))
		return;
	time_t s = (time_t)(s_ms / 1000);
	struct tm tm;
	localtime_r(&s, &tm);
	size_t n = strftime(out, outlen, "%a %d %b %Y, %H:%M", &tm);
	if (end && time_parse_rfc3339(end, &e_ms) && e_ms > s_ms && n < outlen) {
		time_t e = (time_t)(e_ms / 1000);
		struct tm te;
		localtime_r(&e, &te);
		char hm[16];
		strftime(hm, sizeof(hm), "%H:%M", &te);
		n += (size_t)snprintf(out + n, outlen - n, "\xE2\x80\x93%s", hm); /* en dash */
	}
	char zone[32];
	if (n < outlen && strftime(zone, sizeof(zone), "%Z", &tm) > 0)
		snprintf(out + n, outlen - n, " %s", zone);
}

/* The recipient's name for the greeting: control characters dropped, surrounding blanks
 * trimmed, cut on a character boundary when longer than buf; NULL when there is none.
 * Writes into buf. */
static const char *clean_name(const char *name, char *buf, size_t buflen)
{
	if (!name)
		return NULL;
	size_t i = 0, j = 0;
	for (; name[i] && j + 1 < buflen; i++) {
		unsigned char c = (unsigned char)name[i];
		buf[j++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	if (name[i]) { /* cut: drop a character split at the end */
		while (j > 0 && ((unsigned char)buf[j - 1] & 0xC0) == 0x80)
			j--;
		if (j > 0 && ((unsigned char)buf[j - 1] & 0x80))
			j--;
	}
	buf[j] = '\0';
	while (j > 0 && buf[j - 1] == ' ')
		buf[--j] = '\0';
	size_t lead = strspn(buf, " ");
	return buf[lead] ? buf + lead : NULL;
}

/* A string value of `data` with control characters dropped (values end up in emails and
 * SMS); NULL when absent or empty. Writes into buf. */
static const char *clean_str(json_object *data, const char *key, char *buf, size_t buflen)
{
	const char *v = jsonx_str(data, key);
	if (!v || !*v)
		return NULL;
	size_t j = 0;
	for (size_t i = 0; v[i] && j + 1 < buflen; i++) {
		unsigned char c = (unsigned char)v[i];
		buf[j++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	buf[j] = '\0';
	return buf;
}

/* The extra times of an event's text: the change deadline of a reminder, the expiry of a
 * waitlist offer (both formatted as slots are; NULL when absent). */
struct times {
	const char *deadline;
	bool deadline_past;
	const char *expires;
};

static void render_text(struct strbuf *b, const char *event, const char *cat, const char *slot,
			const char *reason, long points, const struct times *tm)
{
	/* "your recyclable pickup" / "your pickup" */
	char what[160];
	snprintf(what, sizeof(what), "%s%spickup", cat ? cat : "", cat ? " " : "");
	if (strcmp(event, "submitted") == 0) {
		strbuf_printf(
		    b, "We received your %s request. We will confirm a collection slot soon.",
		    what);
	} else if (strcmp(event, "scheduled") == 0) {
		if (slot)
			strbuf_printf(b, "Your %s is scheduled for %s.", what, slot);
		else
			strbuf_printf(b, "Your %s is scheduled.", what);
	} else if (strcmp(event, "rescheduled") == 0) {
		if (slot)
			strbuf_printf(b, "Your %s has moved to %s.", what, slot);
		else
			strbuf_printf(b, "Your %s has been rescheduled.", what);
	} else if (strcmp(event, "cancelled") == 0) {
		strbuf_printf(b, "Your %s request was cancelled.", what);
		if (reason)
			strbuf_printf(b, " Reason: %s", reason);
	} else if (strcmp(event, "enroute") == 0) {
		strbuf_printf(b, "The collection crew is on the way to your %s.", what);
	} else if (strcmp(event, "onsite") == 0) {
		strbuf_printf(b, "The collection crew has arrived for your %s.", what);
	} else if (strcmp(event, "collecting") == 0) {
		strbuf_printf(b, "The crew is collecting your waste (%s).", what);
	} else if (strcmp(event, "collected") == 0) {
		strbuf_printf(b, "Your waste has been collected (%s).", what);
	} else if (strcmp(event, "handover") == 0) {
		strbuf_printf(b, "Your waste (%s) was handed over to the recycling facility.",
			      what);
	} else if (strcmp(event, "verification") == 0) {
		strbuf_printf(b, "Your %s is being verified by our staff.", what);
	} else if (strcmp(event, "failed") == 0) {
		strbuf_printf(b, "We could not complete your %s.", what);
		if (reason)
			strbuf_printf(b, " Reason: %s", reason);
		strbuf_add(b, " Please book a new slot in the app.");
	} else if (strcmp(event, "completed") == 0) {
		strbuf_printf(b, "Your %s is complete.", what);
		if (points > 0)
			strbuf_printf(b, " You earned %ld point%s.", points,
				      points == 1 ? "" : "s");
		strbuf_add(b, " Thank you for recycling!");
	} else if (strcmp(event, "reminder") == 0) {
		if (slot)
			strbuf_printf(
			    b,
			    "Reminder: your %s is scheduled for %s. Please have the waste ready.",
			    what, slot);
		else
			strbuf_printf(
			    b, "Reminder: your %s is coming up. Please have the waste ready.",
			    what);
		if (tm->deadline && !tm->deadline_past)
			strbuf_printf(b, " You can change or cancel it until %s.", tm->deadline);
		else if (tm->deadline)
			strbuf_printf(b, " Changes and cancellation closed at %s.", tm->deadline);
	} else if (strcmp(event, "waitlist_offer") == 0) {
		strbuf_printf(b, "A seat freed up%s%s for your %s.", slot ? " in " : "",
			      slot ? slot : "", what);
		if (tm->expires)
			strbuf_printf(b, " It is held for you until %s: accept it in the app.",
				      tm->expires);
		else
			strbuf_add(b,
				   " Accept it in the app before it passes to the next in line.");
	}
}

/* Cuts `s` to at most max bytes without splitting a UTF-8 character. */
static void utf8_truncate(char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return;
	size_t cut = max;
	while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
		cut--;
	s[cut] = '\0';
}

bool notify_render(const char *event, json_object *data, struct notify_message *out)
{
	return notify_render_for(event, data, NULL, out);
}

bool notify_render_for(const char *event, json_object *data, const char *name,
		       struct notify_message *out)
{
	memset(out, 0, sizeof(*out));
	const struct tmpl *t = find(event);
	if (!t)
		return false;
	char nameb[4 * 100 + 1];
	const char *who = clean_name(name, nameb, sizeof(nameb));
	char catb[64], reasonb[300], ridb[32], startb[48], endb[48], slot[96];
	const char *cat = clean_str(data, "category", catb, sizeof(catb));
	const char *reason = clean_str(data, "reason", reasonb, sizeof(reasonb));
	const char *rid = clean_str(data, "request_id", ridb, sizeof(ridb));
	format_slot(clean_str(data, "slot_start", startb, sizeof(startb)),
		    clean_str(data, "slot_end", endb, sizeof(endb)), slot, sizeof(slot));
	long points = 0;
	json_object *pv;
	if (data && json_object_object_get_ex(data, "points", &pv) &&
	    (json_object_is_type(pv, json_type_int) || json_object_is_type(pv, json_type_double)))
		points = (long)json_object_get_int64(pv);
	if (rid && (strlen(rid) != 24 || strspn(rid, "0123456789abcdefABCDEF") != 24))
		rid = NULL; /* only ids go into links */

	char dlb[48], deadline[96], exb[48], expires[96];
	const char *dl = clean_str(data, "change_deadline", dlb, sizeof(dlb));
	format_slot(dl, NULL, deadline, sizeof(deadline));
	format_slot(clean_str(data, "expires_at", exb, sizeof(exb)), NULL, expires,
		    sizeof(expires));
	int64_t dl_ms = 0;
	struct times tm = {.deadline = deadline[0] ? deadline : NULL,
			   .deadline_past =
			       dl && time_parse_rfc3339(dl, &dl_ms) && dl_ms <= time_now_ms(),
			   .expires = expires[0] ? expires : NULL};
	struct strbuf text = {0}, etext = {0}, html = {0}, sms = {0};
	render_text(&text, event, cat, slot[0] ? slot : NULL, reason, points, &tm);
	char *txt = strbuf_take(&text);
	if (!txt)
		return false;

	const char *base = config_get()->public_base_url;
	char link[512] = "";
	if (rid)
		snprintf(link, sizeof(link), "%s/requests/%s", base, rid);

	if (who)
		strbuf_printf(&etext, "Hello %s,\r\n\r\n", who);
	else
		strbuf_add(&etext, "Hello,\r\n\r\n");
	strbuf_add(&etext, txt);
	strbuf_add(&etext, "\r\n\r\n");
	if (link[0]) {
		strbuf_add(&etext, "View your request: ");
		strbuf_add(&etext, link);
		strbuf_add(&etext, "\r\n\r\n");
	}
	strbuf_add(&etext,
		   "-- \r\nSWMRA, Smart Waste Management & Recycling Assistant\r\n"
		   "You get this email because email notifications are on in your profile.\r\n");

	strbuf_add(&html, "<!DOCTYPE html>\r\n<html><head><meta charset=\"utf-8\"><title>");
	sb_html(&html, t->title);
	strbuf_add(&html,
		   "</title></head>\r\n<body style=\"font-family:sans-serif;color:#1f2937\">\r\n"
		   "<h2 style=\"color:#15803d\">");
	sb_html(&html, t->title);
	strbuf_add(&html, "</h2>\r\n<p>Hello");
	if (who) {
		strbuf_add(&html, " ");
		sb_html(&html, who);
	}
	strbuf_add(&html, ",</p>\r\n<p>");
	sb_html(&html, txt);
	strbuf_add(&html, "</p>\r\n");
	if (link[0]) {
		strbuf_add(&html, "<p><a href=\"");
		sb_html(&html, link);
		strbuf_add(&html, "\">View your request</a></p>\r\n");
	}
	strbuf_add(&html,
		   "<p style=\"font-size:12px;color:#6b7280\">SWMRA, Smart Waste Management "
		   "&amp; Recycling Assistant. You get this email because email notifications are "
		   "on in your profile.</p>\r\n</body></html>\r\n");

	strbuf_add(&sms, "SWMRA: ");
	strbuf_add(&sms, txt);

	out->title = strdup(t->title);
	out->text = txt;
	out->email_text = strbuf_take(&etext);
	out->email_html = strbuf_take(&html);
	out->sms = strbuf_take(&sms);
	if (!out->title || !out->email_text || !out->email_html || !out->sms) {
		notify_message_free(out);
		return false;
	}
	utf8_truncate(out->sms, NOTIFY_SMS_MAX);
	return true;
}

void notify_message_free(struct notify_message *m)
{
	free(m->title);
	free(m->text);
	free(m->email_text);
	free(m->email_html);
	free(m->sms);
	memset(m, 0, sizeof(*m));
}
