#include "infra/csvout.h"

#include <string.h>

void csv_text(struct strbuf *b, bool first, const char *s)
{
	if (!first)
		strbuf_add(b, ",");
	if (!s)
		return;
	bool formula = s[0] && strchr("=+-@\t\r", s[0]) != NULL;
	bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		strbuf_add(b, "\"");
	if (formula)
		strbuf_add(b, "'");
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			strbuf_add(b, "\"\"");
		else
			strbuf_addn(b, p, 1);
	}
	if (quote)
		strbuf_add(b, "\"");
}

void csv_number(struct strbuf *b, bool first, bool has, double v)
{
	if (!first)
		strbuf_add(b, ",");
	if (has)
		strbuf_printf(b, "%.10g", v);
}

void csv_end(struct strbuf *b)
{
	strbuf_add(b, "\r\n");
}
