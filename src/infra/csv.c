#include "infra/csv.h"

#include <string.h>

void csv_cell(struct strbuf *b, const char *s, bool first)
{
	if (!first)
		strbuf_add(b, ",");
	if (!s || !*s)
		return;
	bool formula = strchr("=+-@\t\r", s[0]) != NULL;
	bool quote = strpbrk(s, ",\"\r\n") != NULL || formula;
	if (quote)
		strbuf_add(b, "\"");
	if (formula)
		strbuf_add(b, "'");
	for (const char *p = s; *p; p++) {
		const char *q = strchr(p, '"');
		if (!q) {
			strbuf_add(b, p);
			break;
		}
		strbuf_addn(b, p, (size_t)(q - p));
		strbuf_add(b, "\"\"");
		p = q;
	}
	if (quote)
		strbuf_add(b, "\"");
}

void csv_number(struct strbuf *b, double v, bool has, bool first)
{
	if (!first)
		strbuf_add(b, ",");
	if (has)
		strbuf_printf(b, "%.10g", v);
}

void csv_end_row(struct strbuf *b)
{
	strbuf_add(b, "\r\n");
}
