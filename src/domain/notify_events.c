/* Finding a notification event among the modules' declarations (notify_events.h). */
#include <string.h>

#include "domain/notify_events.h"
#include "infra/module.h"

const struct notify_event_spec *notify_event_find(const char *kind)
{
	if (!kind)
		return NULL;
	for (const struct module *const *m = modules_registry; *m; m++)
		for (size_t i = 0; i < (*m)->n_events; i++)
			if (strcmp((*m)->events[i].kind, kind) == 0)
				return &(*m)->events[i];
	return NULL;
}

const char *notify_lang_code(enum notify_lang lang)
{
	static const char *const codes[NOTIFY_LANG_COUNT] = {
	    [NOTIFY_LANG_EN] = "en",
	    [NOTIFY_LANG_HI] = "hi",
	    [NOTIFY_LANG_KN] = "kn",
	};
	return (unsigned)lang < NOTIFY_LANG_COUNT ? codes[lang] : NULL;
}
