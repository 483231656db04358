/* Email over SMTP through libcurl: the message is built here (RFC 5322 headers, MIME
 * multipart/alternative with a text and an HTML part, quoted-printable bodies, RFC 2047
 * encoded subject) and sent with STARTTLS when SMTP_STARTTLS, AUTH when SMTP_USER is set,
 * and the SMTP_TIMEOUT_SEC bound on connect and on the whole transfer. Header values with
 * CR or LF are refused, so no caller-supplied text can add headers. */
#ifndef SWMRA_MAIL_H
#define SWMRA_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The outcome of one delivery attempt (mail, SMS): retry later or give up. */
enum deliver_rc { DELIVER_OK = 0, DELIVER_RETRY = 1, DELIVER_FAIL = 2 };

struct mail_msg {
	const char *from;    /* "Name <addr>" or "addr" (EMAIL_FROM) */
	const char *to;	     /* bare address */
	const char *subject; /* UTF-8; encoded when not plain ASCII */
	const char *text;    /* UTF-8 plain-text part (required) */
	const char *html;    /* UTF-8 HTML part; NULL for a text-only message */
	const char
	    *message_id; /* local part of Message-ID (e.g. the notification id); NULL: random */
	int64_t date_ms; /* Date header; 0 = now */
};

/* The address inside "Name <addr>" (or the whole string), copied into out. Returns false
 * when there is none, it does not fit, or it is not a plain addr-spec (spaces, CR/LF,
 * <>, commas). */
bool mail_addr_spec(const char *mailbox, char *out, size_t outlen);
/* Whether a header value is safe: no CR, LF or other control character except TAB. */
bool mail_header_safe(const char *value);
/* RFC 2047 "B" encoding of `s` as UTF-8 encoded-words (folded, each at most 75 chars and the
 * first short enough to share a line with a field name of up to 9 chars within 76, never
 * splitting a character) when it holds non-ASCII bytes or "=?"; otherwise a copy.
 * Returns a malloc'd string (caller frees) or NULL on OOM. */
char *mail_encode_header_text(const char *s);
/* Builds the full message with CRLF line ends. Returns a malloc'd string (caller frees),
 * or NULL with a reason in err (unsafe header value, bad address, OOM). */
char *mail_build(const struct mail_msg *m, char *err, size_t errlen);
/* Sends a built message from the EMAIL_FROM address to `to` through SMTP_HOST:SMTP_PORT.
 * DELIVER_RETRY for transport errors, timeouts and 4xx replies; DELIVER_FAIL for 5xx
 * replies (rejected recipient or message) and bad input; err says why. */
enum deliver_rc mail_send(const char *to, const char *message, char *err, size_t errlen);

#endif
