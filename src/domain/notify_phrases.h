/* The words of notifications in each language the app speaks that every event shares
 * (notify_phrases.c; each event's own words are in its declaration, notify_events.h), used
 * by the templates (notify_templates.c). Texts are UTF-8 with named slots filled by the
 * templates: {what} the pickup ("e-waste pickup"), {what_obl} its oblique form for
 * languages that inflect it before a postposition (Hindi "…के पिकअप"), {slot} the slot,
 * {reason} the reason, {points} the points, {name} the recipient's name. */
#ifndef SWMRA_NOTIFY_PHRASES_H
#define SWMRA_NOTIFY_PHRASES_H

#include <stddef.h>

#include "domain/notify_events.h"

struct notify_category_name {
	const char *category; /* API value ("e-waste") */
	const char *what;     /* the pickup of that category, direct form */
	const char *what_obl; /* oblique form (equal to `what` where nothing inflects) */
};

struct notify_phrases {
	const char *locale;    /* "en", "hi", "kn" */
	enum notify_lang lang; /* which words of an event's declaration (notify_events.h) */
	const struct notify_category_name *categories;
	size_t n_categories;
	/* the pickup of an unknown category ("{cat}" is the raw value) or of none */
	const char *what_cat, *what_plain;
	/* The tails events ask for (enum notify_event_tail): */
	const char *reason;		       /* REASON, when a reason is given */
	const char *failed_tail;	       /* REBOOK ("failed") */
	const char *points_one, *points_other; /* POINTS ("completed"), when points > 0 */
	const char *thanks;		       /* POINTS, after the points */
	/* DEADLINE ("reminder"): {deadline} still ahead / passed */
	const char *deadline_open, *deadline_closed;
	/* OFFER ("waitlist_offer"): held until {expires} / no expiry known */
	const char *offer_hold, *offer_no_expiry;
	const char *hello_name, *hello; /* email greetings (no trailing comma) */
	const char *view_request;	/* link caption */
	const char *footer_text;	/* plain-text footer lines, CRLF-separated */
	const char *footer_html;	/* HTML footer paragraph, already escaped */
	/* Short weekday (Sunday first) and month names for slots; NULL: strftime's C names. */
	const char *const *weekdays, *const *months;
};

/* The phrases of `locale`; English for NULL or a language the app does not speak. */
const struct notify_phrases *notify_phrases_for(const char *locale);

#endif
