#include "infra/mail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bson/bson.h>

#include "infra/config.h"
#include "infra/httpc.h"
#include "infra/strbuf.h"

/* ---- checks ---- */

bool mail_header_safe(const char *v)
{
	if (!v)
		return false;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return false;
	return true;
}

static bool addr_char_ok(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return false;
	return !strchr("<>(),;:\\\"[]", c);
}

bool mail_addr_spec(const char *mailbox, char *out, size_t outlen)
{
	if (!mailbox || !mail_header_safe(mailbox))
		return false;
	const char *lt = strrchr(mailbox, '<');
	const char *start = mailbox, *end;
	if (lt) {
		start = lt + 1;
		end = strchr(start, '>');
		if (!end)
			return false;
	} else {
		while (*start == ' ' || *start == '\t')
			start++;
		end = start + strlen(start);
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
	}
	size_t n = (size_t)(end - start);
	if (n == 0 || n >= outlen)
		return false;
	int ats = 0;
	for (size_t i = 0; i < n; i++) {
		if (start[i] == '@')
			ats++;
		else if (!addr_char_ok((unsigned char)start[i]))
			return false;
	}
	if (ats != 1 || start[0] == '@' || start[n - 1] == '@')
		return false;
	memcpy(out, start, n);
	out[n] = '\0';
	return true;
}

/* ---- encodings ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void add_base64(struct strbuf *b, const unsigned char *p, size_t n)
{
	char q[4];
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = b64[(v >> 18) & 63];
		q[1] = b64[(v >> 12) & 63];
		q[2] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? b64[v & 63] : '=';
		strbuf_addn(b, q, 4);
	}
}

static bool needs_encoding(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return true;
	return strstr(s, "=?") != NULL;
}

char *mail_encode_header_text(const char *s)
{
	if (!needs_encoding(s))
		return strdup(s);
	/* 45 raw bytes → 60 base64 chars + 12 of "=?UTF-8?B?" "?=" = 72 ≤ 75 (RFC 2047 §2); a
	 * folded line is " " + that word. The first word shares its line with the field name
	 * ("Subject: ", 9 chars), so it takes 39 bytes: 9 + 12 + 52 = 73, and every line of a
	 * header holding encoded-words stays within the 76 characters RFC 2047 §2 allows. */
	struct strbuf b = {0};
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	bool first = true;
	while (i < n) {
		size_t max = first ? 39 : 45;
		size_t take_n = n - i < max ? n - i : max;
		/* never split a UTF-8 sequence: back up over continuation bytes */
		while (i + take_n < n && take_n > 0 && (p[i + take_n] & 0xC0) == 0x80)
			take_n--;
		if (take_n == 0)
			take_n = n - i < max ? n - i : max; /* invalid UTF-8: cut anyway */
		if (!first)
			strbuf_add(&b, "\r\n "); /* folding whitespace between encoded-words */
		strbuf_add(&b, "=?UTF-8?B?");
		add_base64(&b, p + i, take_n);
		strbuf_add(&b, "?=");
		first = false;
		i += take_n;
	}
	return strbuf_take(&b);
}

/* Quoted-printable (RFC 2045 §6.7) with CRLF hard line breaks, soft breaks before 76
 * columns, and a leading '.' encoded so no line can end the SMTP DATA. */
static void add_qp(struct strbuf *b, const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)text;
	size_t col = 0;
	for (size_t i = 0; p[i]; i++) {
		unsigned char c = p[i];
		if (c == '\r' && p[i + 1] == '\n')
			continue; /* the '\n' emits the break */
		if (c == '\n') {
			strbuf_add(b, "\r\n");
			col = 0;
			continue;
		}
		char tok[4];
		size_t tl;
		bool at_eol =
		    p[i + 1] == '\0' || p[i + 1] == '\n' || (p[i + 1] == '\r' && p[i + 2] == '\n');
		bool literal =
		    (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_eol);
		if (c == '.' && col == 0)
			literal = false;
		if (literal) {
			tok[0] = (char)c;
			tl = 1;
		} else {
			tok[0] = '=';
			tok[1] = hex[c >> 4];
			tok[2] = hex[c & 15];
			tl = 3;
		}
		if (col + tl > 75) {
			strbuf_add(b, "=\r\n");
			col = 0;
			if (c == '.' && literal) { /* now at a line start */
				tok[0] = '=';
				tok[1] = '2';
				tok[2] = 'E';
				tl = 3;
			}
		}
		strbuf_addn(b, tok, tl);
		col += tl;
	}
	if (col)
		strbuf_add(b, "\r\n");
}

static void random_hex(char *out, size_t nbytes)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[32];
	if (nbytes > sizeof(r))
		nbytes = sizeof(r);
	FILE *f = fopen("/dev/urandom", "rb");
	size_t got = f ? fread(r, 1, nbytes, f) : 0;
	if (f)
		fclose(f);
	if (got < nbytes) {
		bson_oid_t oid; /* process-unique fallback */
		bson_oid_init(&oid, NULL);
		for (size_t i = 0; i < nbytes; i++)
			r[i] = oid.bytes[i % 12] ^ (unsigned char)i;
	}
	for (size_t i = 0; i < nbytes; i++) {
		out[2 * i] = hex[r[i] >> 4];
		out[2 * i + 1] = hex[r[i] & 15];
	}
	out[2 * nbytes] = '\0';
}

static void format_date(int64_t ms, char *out, size_t outlen)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mons[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, outlen, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
		 mons[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static bool atext_phrase(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (!(*p == ' ' || (*p > 0x20 && *p < 0x7f && !strchr("()<>[]:;@\\,.\"", *p))))
			return false;
	return true;
}

/* "Display Name <addr>" with the name as atoms, a quoted string, or encoded-words. */
static bool add_mailbox(struct strbuf *b, const char *mailbox, char *err, size_t errlen)
{
	char addr[320];
	if (!mail_addr_spec(mailbox, addr, sizeof(addr))) {
		snprintf(err, errlen, "invalid mailbox");
		return false;
	}
	const char *lt = strrchr(mailbox, '<');
	if (!lt) {
		strbuf_add(b, addr);
		return true;
	}
	char name[256];
	size_t n = (size_t)(lt - mailbox);
	while (n > 0 && (mailbox[n - 1] == ' ' || mailbox[n - 1] == '\t'))
		n--;
	if (n >= sizeof(name)) {
		snprintf(err, errlen, "display name too long");
		return false;
	}
	memcpy(name, mailbox, n);
	name[n] = '\0';
	if (n > 0) {
		if (needs_encoding(name)) {
			char *enc = mail_encode_header_text(name);
			if (!enc) {
				snprintf(err, errlen, "out of memory");
				return false;
			}
			strbuf_add(b, enc);
			free(enc);
		} else if (atext_phrase(name)) {
			strbuf_add(b, name);
		} else {
			strbuf_add(b, "\"");
			for (const char *p = name; *p; p++) {
				if (*p == '"' || *p == '\\')
					strbuf_add(b, "\\");
				strbuf_addn(b, p, 1);
			}
			strbuf_add(b, "\"");
		}
		strbuf_add(b, " ");
	}
	strbuf_add(b, "<");
	strbuf_add(b, addr);
	strbuf_add(b, ">");
	return true;
}

/* Sizes of the buffers check_headers fills. */
enum { ADDR_MAX = 320, IDLOCAL_MAX = 80 };

/* Checks the message's headers before anything is built: present and without line breaks,
 * From and To proper addresses (To a bare addr-spec), the caller's Message-ID local part
 * safe as is. Fills from_addr, to_addr (ADDR_MAX bytes each) and idlocal (IDLOCAL_MAX:
 * the caller's, or random). False with `err` set when the message cannot be sent. */
static bool check_headers(const struct mail_msg *m, char *from_addr, char *to_addr, char *idlocal,
			  char *err, size_t errlen)
{
	const char *fields[] = {m->from, m->to, m->subject, m->message_id};
	for (size_t i = 0; i < 4; i++) {
		if (i == 3 && !fields[i])
			continue;
		if (!fields[i] || !mail_header_safe(fields[i])) {
			snprintf(err, errlen, "unsafe or missing header value (%s)",
				 (const char *[]){"From", "To", "Subject", "Message-ID"}[i]);
			return false;
		}
	}
	if (!m->text) {
		snprintf(err, errlen, "missing text body");
		return false;
	}
	if (!mail_addr_spec(m->from, from_addr, ADDR_MAX)) {
		snprintf(err, errlen, "invalid From address");
		return false;
	}
	if (!mail_addr_spec(m->to, to_addr, ADDR_MAX) || strcmp(to_addr, m->to) != 0) {
		snprintf(err, errlen, "invalid To address");
		return false;
	}
	if (!m->message_id) {
		random_hex(idlocal, 16);
		return true;
	}
	if (strlen(m->message_id) >= IDLOCAL_MAX ||
	    strspn(m->message_id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "0123456789.-_") != strlen(m->message_id) ||
	    !m->message_id[0]) {
		snprintf(err, errlen, "invalid Message-ID");
		return false;
	}
	snprintf(idlocal, IDLOCAL_MAX, "%s", m->message_id);
	return true;
}

/* The body after the headers: the text part alone, or with an HTML alternative as a
 * multipart/alternative with `boundary`; both quoted-printable UTF-8. */
static void add_body(struct strbuf *b, const struct mail_msg *m, const char *boundary)
{
	if (m->html) {
		strbuf_add(b, "Content-Type: multipart/alternative; boundary=\"");
		strbuf_add(b, boundary);
		strbuf_add(b, "\"\r\n\r\nThis is a multi-part message in MIME format.\r\n\r\n--");
		strbuf_add(b, boundary);
		strbuf_add(b, "\r\n");
	}
	strbuf_add(b, "Content-Type: text/plain; charset=UTF-8\r\n"
		      "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	add_qp(b, m->text);
	if (m->html) {
		strbuf_add(b, "\r\n--");
		strbuf_add(b, boundary);
		strbuf_add(b, "\r\nContent-Type: text/html; charset=UTF-8\r\n"
			      "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
		add_qp(b, m->html);
		strbuf_add(b, "\r\n--");
		strbuf_add(b, boundary);
		strbuf_add(b, "--\r\n");
	}
}

char *mail_build(const struct mail_msg *m, char *err, size_t errlen)
{
	char from_addr[ADDR_MAX], to_addr[ADDR_MAX], idlocal[IDLOCAL_MAX];
	if (!check_headers(m, from_addr, to_addr, idlocal, err, errlen))
		return NULL;
	const char *domain = strchr(from_addr, '@') + 1;
	char date[64], boundary[64], rnd[33];
	format_date(m->date_ms ? m->date_ms : (int64_t)time(NULL) * 1000, date, sizeof(date));
	random_hex(rnd, 12);
	snprintf(boundary, sizeof(boundary), "=_swmra_%s", rnd);
	char *subject = mail_encode_header_text(m->subject);
	if (!subject) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}

	struct strbuf b = {0};
	strbuf_add(&b, "From: ");
	if (!add_mailbox(&b, m->from, err, errlen)) {
		free(subject);
		free(b.s);
		return NULL;
	}
	strbuf_add(&b, "\r\nTo: ");
	strbuf_add(&b, to_addr);
	strbuf_add(&b, "\r\nSubject: ");
	strbuf_add(&b, subject);
	free(subject);
	strbuf_add(&b, "\r\nDate: ");
	strbuf_add(&b, date);
	strbuf_add(&b, "\r\nMessage-ID: <");
	strbuf_add(&b, idlocal);
	strbuf_add(&b, "@");
	strbuf_add(&b, domain);
	strbuf_add(&b, ">\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n");
	add_body(&b, m, boundary);
	char *out = strbuf_take(&b);
	if (!out)
		snprintf(err, errlen, "out of memory");
	return out;
}

/* ---- sending ---- */

enum deliver_rc mail_send(const char *to, const char *message, char *err, size_t errlen)
{
	const struct config *c = config_get();
	char from_addr[320], to_addr[320];
	if (!mail_addr_spec(c->email_from, from_addr, sizeof(from_addr))) {
		snprintf(err, errlen, "EMAIL_FROM has no valid address");
		return DELIVER_FAIL;
	}
	if (!mail_addr_spec(to, to_addr, sizeof(to_addr))) {
		snprintf(err, errlen, "invalid recipient address");
		return DELIVER_FAIL;
	}
	char url[300], mfrom[330];
	/* 465 is implicit TLS (SMTPS); elsewhere STARTTLS when configured */
	snprintf(url, sizeof(url), "%s://%s:%d", c->smtp_port == 465 ? "smtps" : "smtp",
		 c->smtp_host, c->smtp_port);
	snprintf(mfrom, sizeof(mfrom), "<%s>", from_addr);
	long timeout_ms = (long)c->smtp_timeout_sec * 1000L;
	struct httpc h;
	if (!httpc_init(&h, url, timeout_ms, timeout_ms)) {
		snprintf(err, errlen, "%s", h.ebuf);
		httpc_cleanup(&h);
		return DELIVER_RETRY;
	}
	struct curl_slist *rcpt = curl_slist_append(NULL, to_addr);
	curl_easy_setopt(h.h, CURLOPT_MAIL_FROM, mfrom);
	curl_easy_setopt(h.h, CURLOPT_MAIL_RCPT, rcpt);
	httpc_upload(&h, message, strlen(message));
	if (c->smtp_starttls && c->smtp_port != 465)
		curl_easy_setopt(h.h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (c->smtp_user && *c->smtp_user) {
		curl_easy_setopt(h.h, CURLOPT_USERNAME, c->smtp_user);
		curl_easy_setopt(h.h, CURLOPT_PASSWORD, c->smtp_pass ? c->smtp_pass : "");
	}
	CURLcode rc = httpc_perform(&h);
	long code = h.status;
	if (rc != CURLE_OK)
		snprintf(err, errlen, "smtp %s:%d: %s (last reply %ld)", c->smtp_host, c->smtp_port,
			 httpc_error(&h, rc), code);
	httpc_cleanup(&h);
	curl_slist_free_all(rcpt);
	if (rc == CURLE_OK)
		return DELIVER_OK;
	/* A refused login is a configuration problem an operator fixes: keep retrying. */
	if (rc == CURLE_LOGIN_DENIED)
		return DELIVER_RETRY;
	return code >= 500 && code < 600 ? DELIVER_FAIL : DELIVER_RETRY;
}
