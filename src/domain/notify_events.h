/* Notification events as modules declare them (infra/module.h `events`): the module that
 * emits an event declares its kind, its channel rules and its words in every language the
 * app speaks, next to its code, and the notify module finds events through the registry
 * (notify_event_find) instead of a list of its own. So a feature that notifies adds a row
 * to its module's table and never edits notify's. The words shared by every event (the
 * greeting, the footer, the names of categories, weekdays and months) stay in
 * notify_phrases.c; tests/unit/test_notify_events.c checks the declarations at build time. */
#ifndef SWMRA_NOTIFY_EVENTS_H
#define SWMRA_NOTIFY_EVENTS_H

#include <stdbool.h>

/* The languages notifications are written in; every event has words in each. */
enum notify_lang { NOTIFY_LANG_EN, NOTIFY_LANG_HI, NOTIFY_LANG_KN, NOTIFY_LANG_COUNT };

/* An event's words in one language. UTF-8 with the named slots of notify_phrases.h. */
struct notify_event_words {
	const char *title;	 /* one line: the email subject and push title */
	const char *text;	 /* with {slot} when the event has one */
	const char *text_noslot; /* the text when the slot is unknown; NULL: same as text */
};

/* Sentences of the language (struct notify_phrases) appended to an event's text. */
enum notify_event_tail {
	NOTIFY_TAIL_REASON = 1 << 0,   /* " Reason: {reason}" when data has a reason */
	NOTIFY_TAIL_REBOOK = 1 << 1,   /* " Please book a new slot in the app." */
	NOTIFY_TAIL_DEADLINE = 1 << 2, /* the change deadline, open or passed, when known */
	NOTIFY_TAIL_OFFER = 1 << 3,    /* how long an offered seat is held */
	NOTIFY_TAIL_POINTS = 1 << 4,   /* the points earned (when > 0), then the thanks */
};

struct notify_event_spec {
	const char *kind; /* the name emitters pass to notify_event ("scheduled") */
	/* Channel rules of the API contract: in-app always, web push to every subscribed
	 * device; email and SMS (each by the user's preference) only for events that set
	 * them. */
	bool email, sms;
	bool push_urgent; /* time-critical: web push with RFC 8030 Urgency: high */
	unsigned tails;	  /* enum notify_event_tail, appended in that order */
	struct notify_event_words words[NOTIFY_LANG_COUNT];
};

/* The declaration of `kind` in the registry, or NULL (unknown kind or NULL). */
const struct notify_event_spec *notify_event_find(const char *kind);

/* The language code of `lang` ("en", "hi", "kn"). */
const char *notify_lang_code(enum notify_lang lang);

#endif
