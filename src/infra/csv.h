/* RFC 4180 CSV cells for exports opened in spreadsheets. A cell is quoted when it holds a
 * comma, quote, CR or LF (quotes doubled), and a cell starting with = + - @ (or a tab or
 * CR, which some spreadsheets skip before a formula) gets a leading ' so that it is shown
 * as text, never run as a formula (OWASP, "CSV Injection"). Rows end with CRLF. */
#ifndef SWMRA_CSV_H
#define SWMRA_CSV_H

#include <stdbool.h>

#include "infra/strbuf.h"

/* Appends the cell `s` (NULL: empty), preceded by a comma unless `first`. */
void csv_cell(struct strbuf *b, const char *s, bool first);
/* Appends a number the service formats itself ("%.10g", never prefixed: a negative
 * longitude stays a number), preceded by a comma unless `first`; `has` false: empty. */
void csv_number(struct strbuf *b, double v, bool has, bool first);
/* Ends a row. */
void csv_end_row(struct strbuf *b);

#endif
