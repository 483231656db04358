/* CSV out, RFC 4180: fields separated by commas, records ended by CRLF, a field quoted
 * (with inner quotes doubled) when it holds a comma, quote, CR or LF. Text cells are
 * neutralised against formula injection as OWASP advises: a cell starting with = + - @,
 * tab or CR is prefixed with a single quote, so a spreadsheet shows it as text instead of
 * running it. Numbers the service formats itself go through csv_number, unprefixed (a
 * negative longitude stays a number). */
#ifndef SWMRA_CSVOUT_H
#define SWMRA_CSVOUT_H

#include <stdbool.h>

#include "infra/strbuf.h"

/* Appends one text cell (NULL is empty); `first` cells get no leading comma. */
void csv_text(struct strbuf *b, bool first, const char *s);
/* Appends one number cell ("%.*g"-style, no prefix); `has` false leaves it empty. */
void csv_number(struct strbuf *b, bool first, bool has, double v);
/* Ends the record. */
void csv_end(struct strbuf *b);

#endif
