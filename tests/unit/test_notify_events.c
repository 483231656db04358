/* Notification events as the modules declare them (domain/notify_events.h, infra/module.h):
 * every kind is declared once, in one module; every declared event has its words in every
 * language the app speaks and renders in each of them without falling back to English;
 * every event the code emits (a status change of a request, or a kind named at a call of
 * notify_event, notify_event_keyed or owe_notify anywhere under src/) is declared, and
 * every declared event is emitted somewhere. */
#define _XOPEN_SOURCE 700 /* nftw */
#define _DEFAULT_SOURCE
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/notify.h"
#include "domain/notify_events.h"
#include "domain/notify_phrases.h"
#include "domain/requests.h"
#include "infra/config.h"
#include "infra/module.h"

static int setup(void **state)
{
	(void)state;
	char err[256];
	setenv("TZ", "Asia/Kolkata", 1);
	setenv("PUBLIC_BASE_URL", "https://swmra.example", 1);
	return config_load("", err, sizeof(err));
}

static void kinds_declared_once(void **state)
{
	(void)state;
	size_t n = 0;
	for (const struct module *const *m = modules_registry; *m; m++)
		for (size_t i = 0; i < (*m)->n_events; i++, n++) {
			const char *kind = (*m)->events[i].kind;
			assert_non_null(kind);
			assert_true(kind[0] != '\0');
			assert_int_equal(strspn(kind, "abcdefghijklmnopqrstuvwxyz_"), strlen(kind));
			assert_ptr_equal(notify_event_find(kind),
					 &(*m)->events[i]); /* first is it */
			for (const struct module *const *o = modules_registry; *o; o++)
				for (size_t k = 0; k < (*o)->n_events; k++)
					if (&(*o)->events[k] != &(*m)->events[i])
						assert_string_not_equal((*o)->events[k].kind, kind);
		}
	assert_true(n >= 15); /* every event of the central table it replaced */
	assert_null(notify_event_find("exploded"));
	assert_null(notify_event_find(NULL));
	assert_false(notify_event_known("exploded"));
}

static json_object *data(void)
{
	json_object *d = json_object_new_object();
	json_object_object_add(d, "request_id", json_object_new_string("65a1b2c3d4e5f60718293a4b"));
	json_object_object_add(d, "category", json_object_new_string("e-waste"));
	json_object_object_add(d, "slot_start", json_object_new_string("2026-11-27T03:30:00Z"));
	return d;
}

/* `e` in language `lang`: its own words (no English fallback), the page in that language. */
static void renders_in(const struct notify_event_spec *e, enum notify_lang lang, json_object *d)
{
	const struct notify_event_words *w = &e->words[lang];
	const char *code = notify_lang_code(lang);
	assert_non_null(code);
	assert_int_equal(notify_phrases_for(code)->lang, lang);
	assert_non_null(w->title);
	assert_non_null(w->text);
	assert_true(w->title[0] && w->text[0]);
	struct notify_message m;
	assert_true(notify_render_locale(e->kind, d, NULL, code, &m));
	assert_string_equal(m.title, w->title);
	char lang_attr[32];
	snprintf(lang_attr, sizeof(lang_attr), "<html lang=\"%s\">", code);
	assert_non_null(strstr(m.email_html, lang_attr));
	assert_true(strlen(m.sms) <= NOTIFY_SMS_MAX);
	notify_message_free(&m);
}

static void words_in_every_language(void **state)
{
	(void)state;
	json_object *d = data();
	for (const struct module *const *m = modules_registry; *m; m++)
		for (size_t i = 0; i < (*m)->n_events; i++) {
			const struct notify_event_spec *e = &(*m)->events[i];
			assert_int_equal(e->tails & ~(unsigned)((NOTIFY_TAIL_POINTS << 1) - 1), 0);
			for (int lang = 0; lang < NOTIFY_LANG_COUNT; lang++)
				renders_in(e, (enum notify_lang)lang, d);
		}
	json_object_put(d);
}

/* Kinds the code emits, found by the source scan below. */
static char emitted[64][40];
static size_t n_emitted;

static void note_emitted(const char *kind, size_t len)
{
	assert_true(len > 0 && len < sizeof(emitted[0]));
	assert_true(n_emitted < sizeof(emitted) / sizeof(emitted[0]));
	memcpy(emitted[n_emitted], kind, len);
	emitted[n_emitted][len] = '\0';
	n_emitted++;
}

/* The first string literal between the parentheses of the call opening at `open`, noted
 * as an emitted kind (a call passing a variable names none: its value comes from one that
 * does, or from a request's status). */
static void scan_call(const char *open)
{
	int depth = 0;
	for (const char *p = open; *p; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return;
		else if (*p == '"') {
			const char *end = strchr(p + 1, '"');
			assert_non_null(end);
			note_emitted(p + 1, (size_t)(end - p - 1));
			return;
		}
	}
}

static void scan_text(const char *text)
{
	static const char *const calls[] = {"notify_event(", "notify_event_keyed(", "owe_notify("};
	for (size_t c = 0; c < sizeof(calls) / sizeof(calls[0]); c++)
		for (const char *p = strstr(text, calls[c]); p; p = strstr(p + 1, calls[c])) {
			char before = p == text ? ' ' : p[-1];
			if (before == '_' || (before >= 'a' && before <= 'z') ||
			    (before >= 'A' && before <= 'Z') || (before >= '0' && before <= '9'))
				continue; /* another function whose name ends the same */
			scan_call(p + strlen(calls[c]) - 1);
		}
}

static int scan_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	size_t len = strlen(path);
	if (type != FTW_F || len < 2 || strcmp(path + len - 2, ".c") != 0)
		return 0;
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *text = calloc(1, (size_t)st->st_size + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)st->st_size, f), (size_t)st->st_size);
	fclose(f);
	scan_text(text);
	free(text);
	return 0;
}

static bool was_emitted(const char *kind)
{
	for (size_t i = 0; i < n_emitted; i++)
		if (strcmp(emitted[i], kind) == 0)
			return true;
	return false;
}

static void emitted_events_declared(void **state)
{
	(void)state;
	for (int s = 0; s < RS_COUNT; s++) {
		const char *kind = requests_notify_event((enum req_status)s);
		if (kind) {
			assert_non_null(notify_event_find(kind));
			note_emitted(kind, strlen(kind));
		}
	}
	size_t by_status = n_emitted;
	const char *src = getenv("SWMRA_SRCDIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/src", src ? src : ".");
	assert_int_equal(nftw(path, scan_file, 16, FTW_PHYS), 0);
	/* submitted, rescheduled, disputed, reminder, waitlist_offer at least: the scan works */
	assert_true(n_emitted - by_status >= 5);
	for (size_t i = by_status; i < n_emitted; i++)
		if (!notify_event_find(emitted[i]))
			fail_msg("event \"%s\" is emitted but no module declares it", emitted[i]);
	for (const struct module *const *m = modules_registry; *m; m++)
		for (size_t i = 0; i < (*m)->n_events; i++)
			if (!was_emitted((*m)->events[i].kind))
				fail_msg("module %s declares event \"%s\" that nothing emits",
					 (*m)->name, (*m)->events[i].kind);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(kinds_declared_once),
	    cmocka_unit_test(words_in_every_language),
	    cmocka_unit_test(emitted_events_declared),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
