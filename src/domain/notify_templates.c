/* Per-event templates of the notify module: title, in-app text, email text + HTML, SMS, in
 * the recipient's language (an event's words are in its module's declaration,
 * notify_events.h; the words every event shares in notify_phrases.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/notify.h"
#include "domain/notify_events.h"
#include "domain/notify_phrases.h"
#include "infra/strbuf.h"
#include "infra/config.h"
#include "infra/jsonx.h"
#include "infra/timeutil.h"

/* Events are those the modules declare (infra/module.h, notify_events.h): notify keeps no
 * list of its own, so a module that notifies never edits this file. */
bool notify_event_known(const char *event)
{
	return notify_event_find(event) != NULL;
}

bool notify_event_wants_email(const char *event)
{
	const struct notify_event_spec *e = notify_event_find(event);
	return e && e->email;
}

bool notify_event_wants_sms(const char *event)
{
	const struct notify_event_spec *e = notify_event_find(event);
	return e && e->sms;
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

/* The date part of a slot: "Fri 27 Nov 2026" (strftime's C names) or, for a language with
 * its own names, "शुक्र, 27 नवंबर 2026". */
static size_t format_day(const struct tm *tm, const struct notify_phrases *ph, char *out,
			 size_t outlen)
{
	if (!ph->weekdays || !ph->months)
		return strftime(out, outlen, "%a %d %b %Y", tm);
	int n = snprintf(out, outlen, "%s, %d %s %d", ph->weekdays[tm->tm_wday % 7], tm->tm_mday,
			 ph->months[tm->tm_mon % 12], tm->tm_year + 1900);
	return n < 0 || (size_t)n >= outlen ? 0 : (size_t)n;
}

/* A slot as people read it, in the service time zone, with the zone's abbreviation from
 * the tz database at the slot's start: "Thu 26 Nov 2026, 09:00–11:00 IST". */
static void format_slot(const char *start, const char *end, const struct notify_phrases *ph,
			char *out, size_t outlen)
{
	int64_t s_ms, e_ms;
	out[0] = '\0';
	if (!start || !time_parse_rfc3339(start, &s_ms))
		return;
	time_t s = (time_t)(s_ms / 1000);
	struct tm tm;
	localtime_r(&s, &tm);
	size_t n = format_day(&tm, ph, out, outlen);
	if (n > 0 && n < outlen)
		n += strftime(out + n, outlen - n, ", %H:%M", &tm);
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

/* Values for the named slots of a phrase (notify_phrases.h); NULL ones stay empty. */
struct fill_vars {
	const char *what, *what_obl, *slot, *reason, *name, *cat;
	long points;
	/* a reminder's change deadline (and whether it has passed), an offer's expiry */
	const char *deadline, *expires;
	bool deadline_past;
};

/* Appends `tpl` with every {slot} replaced by its value. */
static void fill(struct strbuf *b, const char *tpl, const struct fill_vars *v)
{
	static const char *const names[] = {"what", "what_obl", "slot",	    "reason",
					    "name", "cat",	"deadline", "expires"};
	while (*tpl) {
		const char *open = strchr(tpl, '{');
		if (!open) {
			strbuf_add(b, tpl);
			return;
		}
		strbuf_addn(b, tpl, (size_t)(open - tpl));
		const char *close = strchr(open, '}');
		size_t len = close ? (size_t)(close - open - 1) : 0;
		const char *vals[] = {v->what, v->what_obl, v->slot,	 v->reason,
				      v->name, v->cat,	    v->deadline, v->expires};
		bool done = false;
		for (size_t i = 0; close && i < sizeof(names) / sizeof(names[0]) && !done; i++)
			if (strlen(names[i]) == len && strncmp(open + 1, names[i], len) == 0) {
				strbuf_add(b, vals[i] ? vals[i] : "");
				done = true;
			}
		if (!done && close && len == 6 && strncmp(open + 1, "points", 6) == 0) {
			strbuf_printf(b, "%ld", v->points);
			done = true;
		}
		if (!done) { /* not a slot: keep the brace */
			strbuf_addn(b, open, 1);
			tpl = open + 1;
			continue;
		}
		tpl = close + 1;
	}
}

/* The event's words in the language of `ph`; NULL when it has none there. */
static const struct notify_event_words *event_words(const struct notify_phrases *ph,
						    const struct notify_event_spec *e)
{
	const struct notify_event_words *w = &e->words[ph->lang];
	return w->title && w->text ? w : NULL;
}

/* "your recyclable pickup" / "your pickup", in the language's own words for the category. */
static void pickup_words(const struct notify_phrases *ph, const char *cat, struct fill_vars *v,
			 char *buf, size_t buflen)
{
	for (size_t i = 0; cat && i < ph->n_categories; i++)
		if (strcmp(ph->categories[i].category, cat) == 0) {
			v->what = ph->categories[i].what;
			v->what_obl = ph->categories[i].what_obl;
			return;
		}
	struct strbuf b = {0};
	struct fill_vars cv = {.cat = cat};
	fill(&b, cat ? ph->what_cat : ph->what_plain, &cv);
	char *s = strbuf_take(&b);
	snprintf(buf, buflen, "%s", s ? s : "");
	free(s);
	v->what = v->what_obl = buf;
}

static void render_text(struct strbuf *b, const struct notify_phrases *ph,
			const struct notify_event_spec *e, const struct notify_event_words *w,
			const struct fill_vars *v)
{
	fill(b, v->slot || !w->text_noslot ? w->text : w->text_noslot, v);
	if (v->reason && (e->tails & NOTIFY_TAIL_REASON))
		fill(b, ph->reason, v);
	if (e->tails & NOTIFY_TAIL_REBOOK)
		fill(b, ph->failed_tail, v);
	if ((e->tails & NOTIFY_TAIL_DEADLINE) && v->deadline)
		fill(b, v->deadline_past ? ph->deadline_closed : ph->deadline_open, v);
	if (e->tails & NOTIFY_TAIL_OFFER)
		fill(b, v->expires ? ph->offer_hold : ph->offer_no_expiry, v);
	if (e->tails & NOTIFY_TAIL_POINTS) {
		if (v->points > 0)
			fill(b, v->points == 1 ? ph->points_one : ph->points_other, v);
		fill(b, ph->thanks, v);
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
	return notify_render_locale(event, data, NULL, NULL, out);
}

bool notify_render_for(const char *event, json_object *data, const char *name,
		       struct notify_message *out)
{
	return notify_render_locale(event, data, name, NULL, out);
}

/* Plain-text email: greeting, text, link, footer. */
static char *email_text(const struct notify_phrases *ph, const char *who, const char *txt,
			const char *link)
{
	struct strbuf b = {0};
	struct fill_vars v = {.name = who};
	fill(&b, who ? ph->hello_name : ph->hello, &v);
	strbuf_add(&b, ",\r\n\r\n");
	strbuf_add(&b, txt);
	strbuf_add(&b, "\r\n\r\n");
	if (link[0]) {
		strbuf_printf(&b, "%s: %s\r\n\r\n", ph->view_request, link);
	}
	strbuf_add(&b, "-- \r\n");
	strbuf_add(&b, ph->footer_text);
	strbuf_add(&b, "\r\n");
	return strbuf_take(&b);
}

/* The HTML alternative: every value escaped, `lang` set for screen readers and fonts. */
static char *email_html(const struct notify_phrases *ph, const char *title, const char *who,
			const char *txt, const char *link)
{
	struct strbuf b = {0};
	strbuf_printf(&b,
		      "<!DOCTYPE html>\r\n<html lang=\"%s\"><head><meta charset=\"utf-8\"><title>",
		      ph->locale);
	sb_html(&b, title);
	strbuf_add(&b,
		   "</title></head>\r\n<body style=\"font-family:sans-serif;color:#1f2937\">\r\n"
		   "<h2 style=\"color:#15803d\">");
	sb_html(&b, title);
	strbuf_add(&b, "</h2>\r\n<p>");
	struct strbuf greet = {0};
	struct fill_vars v = {.name = who};
	fill(&greet, who ? ph->hello_name : ph->hello, &v);
	char *g = strbuf_take(&greet);
	sb_html(&b, g ? g : "");
	free(g);
	strbuf_add(&b, ",</p>\r\n<p>");
	sb_html(&b, txt);
	strbuf_add(&b, "</p>\r\n");
	if (link[0]) {
		strbuf_add(&b, "<p><a href=\"");
		sb_html(&b, link);
		strbuf_add(&b, "\">");
		sb_html(&b, ph->view_request);
		strbuf_add(&b, "</a></p>\r\n");
	}
	strbuf_printf(&b, "<p style=\"font-size:12px;color:#6b7280\">%s</p>\r\n</body></html>\r\n",
		      ph->footer_html);
	return strbuf_take(&b);
}

/* The template values of `data`, cleaned (see clean_str); slot in the language's words. */
static void read_data(json_object *data, const struct notify_phrases *ph, struct fill_vars *v,
		      char *catb, char *reasonb, char *ridb, char *slot, char *whatb,
		      char *deadline, char *expires, const char **rid)
{
	char startb[48], endb[48];
	const char *cat = clean_str(data, "category", catb, 64);
	v->reason = clean_str(data, "reason", reasonb, 300);
	*rid = clean_str(data, "request_id", ridb, 32);
	format_slot(clean_str(data, "slot_start", startb, sizeof(startb)),
		    clean_str(data, "slot_end", endb, sizeof(endb)), ph, slot, 160);
	v->slot = slot[0] ? slot : NULL;
	pickup_words(ph, cat, v, whatb, 256);
	char dlb[48], exb[48];
	const char *dl = clean_str(data, "change_deadline", dlb, sizeof(dlb));
	format_slot(dl, NULL, ph, deadline, 96);
	format_slot(clean_str(data, "expires_at", exb, sizeof(exb)), NULL, ph, expires, 96);
	int64_t dl_ms = 0;
	v->deadline = deadline[0] ? deadline : NULL;
	v->deadline_past = dl && time_parse_rfc3339(dl, &dl_ms) && dl_ms <= time_now_ms();
	v->expires = expires[0] ? expires : NULL;
	json_object *pv;
	if (data && json_object_object_get_ex(data, "points", &pv) &&
	    (json_object_is_type(pv, json_type_int) || json_object_is_type(pv, json_type_double)))
		v->points = (long)json_object_get_int64(pv);
	if (*rid && (strlen(*rid) != 24 || strspn(*rid, "0123456789abcdefABCDEF") != 24))
		*rid = NULL; /* only ids go into links */
}

bool notify_render_locale(const char *event, json_object *data, const char *name,
			  const char *locale, struct notify_message *out)
{
	memset(out, 0, sizeof(*out));
	const struct notify_event_spec *e = notify_event_find(event);
	const struct notify_phrases *ph = notify_phrases_for(locale);
	const struct notify_event_words *ep = e ? event_words(ph, e) : NULL;
	if (e && !ep) { /* an event not yet translated goes out in English rather than not at all */
		ph = notify_phrases_for(NULL);
		ep = event_words(ph, e);
	}
	if (!ep)
		return false;
	char nameb[4 * 100 + 1];
	const char *who = clean_name(name, nameb, sizeof(nameb));
	char catb[64], reasonb[300], ridb[32], slot[160], whatb[256], deadline[96], expires[96];
	const char *rid;
	struct fill_vars v = {0};
	read_data(data, ph, &v, catb, reasonb, ridb, slot, whatb, deadline, expires, &rid);

	struct strbuf text = {0}, sms = {0};
	render_text(&text, ph, e, ep, &v);
	char *txt = strbuf_take(&text);
	if (!txt)
		return false;
	char link[512] = "";
	if (rid)
		snprintf(link, sizeof(link), "%s/requests/%s", config_get()->public_base_url, rid);
	strbuf_add(&sms, "SWMRA: ");
	strbuf_add(&sms, txt);

	out->title = strdup(ep->title);
	out->text = txt;
	out->email_text = email_text(ph, who, txt, link);
	out->email_html = email_html(ph, ep->title, who, txt, link);
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
