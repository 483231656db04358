/* MIME building of the mail module: headers present and well-formed, CR/LF in any header
 * value refused (no header injection), RFC 2047 subjects that decode back, quoted-printable
 * bodies within 76 columns, multipart/alternative structure, and the SMS form body. */
#include "testutil.h"

#include <stdlib.h>

#include "infra/mail.h"
#include "infra/sms.h"

static const struct mail_msg base = {
    .from = "SWMRA <no-reply@swmra.example>",
    .to = "resident@example.com",
    .subject = "Pickup scheduled",
    .text = "Hello,\nYour pickup is scheduled.\n",
    .html = "<p>Hello</p>",
    .message_id = "65a1b2c3d4e5f60718293a4b",
    .date_ms = 1764147600000LL,
};

/* The header block (up to the first empty line). */
static char *headers_of(const char *msg)
{
	const char *end = strstr(msg, "\r\n\r\n");
	assert_non_null(end);
	return strndup(msg, (size_t)(end - msg) + 2);
}

static void builds_headers(void **state)
{
	(void)state;
	char err[128];
	char *m = mail_build(&base, err, sizeof(err));
	assert_non_null(m);
	char *h = headers_of(m);
	assert_non_null(strstr(h, "From: SWMRA <no-reply@swmra.example>\r\n"));
	assert_non_null(strstr(h, "To: resident@example.com\r\n"));
	assert_non_null(strstr(h, "Subject: Pickup scheduled\r\n"));
	assert_non_null(strstr(h, "Date: Wed, 26 Nov 2025 09:00:00 +0000\r\n"));
	assert_non_null(strstr(h, "Message-ID: <65a1b2c3d4e5f60718293a4b@swmra.example>\r\n"));
	assert_non_null(strstr(h, "MIME-Version: 1.0\r\n"));
	assert_non_null(strstr(h, "Content-Type: multipart/alternative; boundary=\"=_swmra_"));
	/* every line ends in CRLF; no bare LF anywhere */
	for (const char *p = m; *p; p++)
		if (*p == '\n')
			assert_true(p > m && p[-1] == '\r');
	/* both parts, and the closing boundary */
	assert_non_null(strstr(m, "Content-Type: text/plain; charset=UTF-8\r\n"));
	assert_non_null(strstr(m, "Content-Type: text/html; charset=UTF-8\r\n"));
	assert_non_null(strstr(m, "Hello,\r\nYour pickup is scheduled.\r\n"));
	const char *b = strstr(h, "boundary=\"") + 10;
	char boundary[64];
	size_t bl = strcspn(b, "\"");
	snprintf(boundary, sizeof(boundary), "--%.*s--\r\n", (int)bl, b);
	assert_non_null(strstr(m, boundary));
	free(h);
	free(m);
}

static void refuses_header_injection(void **state)
{
	(void)state;
	char err[128];
	const char *bad_subjects[] = {"Hi\r\nBcc: victim@example.com", "Hi\nBcc: x@y.z", "Hi\rX",
				      "tab\tis fine but NUL-ish \x01 is not"};
	for (size_t i = 0; i < 4; i++) {
		struct mail_msg m = base;
		m.subject = bad_subjects[i];
		assert_null(mail_build(&m, err, sizeof(err)));
		assert_non_null(strstr(err, "Subject"));
	}
	struct mail_msg m = base;
	m.to = "a@example.com\r\nBcc: b@example.com";
	assert_null(mail_build(&m, err, sizeof(err)));
	m = base;
	m.to = "a@example.com, b@example.com";
	assert_null(mail_build(&m, err, sizeof(err)));
	m = base;
	m.to = "Eve <a@example.com>";
	assert_null(mail_build(&m, err, sizeof(err))); /* To is a bare address only */
	m = base;
	m.from = "SWMRA <no-reply@x.example>\nBcc: z@z.z";
	assert_null(mail_build(&m, err, sizeof(err)));
	m = base;
	m.message_id = "abc>\r\nX-Evil: 1";
	assert_null(mail_build(&m, err, sizeof(err)));
	assert_true(mail_header_safe("plain\tvalue"));
	assert_false(mail_header_safe("a\r\nb"));
}

/* Decodes one "=?UTF-8?B?...?=" word into out (appending). */
static void decode_word(const char *w, size_t n, char *out)
{
	static const char tbl[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	assert_true(n > 12 && strncmp(w, "=?UTF-8?B?", 10) == 0 &&
		    strncmp(w + n - 2, "?=", 2) == 0);
	size_t o = strlen(out);
	for (size_t i = 10; i + 3 < n - 2 + 1 && i < n - 2; i += 4) {
		int v[4];
		for (int j = 0; j < 4; j++)
			v[j] = w[i + j] == '=' ? 0 : (int)(strchr(tbl, w[i + j]) - tbl);
		unsigned x = (unsigned)(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
		out[o++] = (char)(x >> 16);
		if (w[i + 2] != '=')
			out[o++] = (char)(x >> 8);
		if (w[i + 3] != '=')
			out[o++] = (char)x;
	}
	out[o] = '\0';
}

static void encodes_non_ascii_subject(void **state)
{
	(void)state;
	const char *subj = "Abholung bestätigt — पिकअप की पुष्टि हो गई है, धन्यवाद! ♻";
	char *enc = mail_encode_header_text(subj);
	assert_non_null(enc);
	/* only ASCII, words ≤ 75 chars, folded with CRLF SP, decodes back exactly */
	char decoded[512] = "";
	const char *p = enc;
	while (*p) {
		const char *end = strstr(p, "\r\n ");
		size_t n = end ? (size_t)(end - p) : strlen(p);
		assert_true(n <= 75);
		for (size_t i = 0; i < n; i++)
			assert_true((unsigned char)p[i] >= 0x21 && (unsigned char)p[i] < 0x7f);
		decode_word(p, n, decoded);
		p += n;
		if (end)
			p += 3;
	}
	assert_string_equal(decoded, subj);
	/* the first word leaves room for "Subject: " within the 76 characters of a line */
	assert_true(strcspn(enc, "\r") + strlen("Subject: ") <= 76);
	free(enc);
	/* plain ASCII stays as it is; "=?" in plain text is encoded so it is not misread */
	enc = mail_encode_header_text("Pickup scheduled");
	assert_string_equal(enc, "Pickup scheduled");
	free(enc);
	enc = mail_encode_header_text("a =?b?= c");
	assert_int_equal(strncmp(enc, "=?UTF-8?B?", 10), 0);
	free(enc);

	char err[128];
	struct mail_msg m = base;
	m.subject = "Pickup bestätigt";
	char *msg = mail_build(&m, err, sizeof(err));
	assert_non_null(msg);
	assert_non_null(strstr(msg, "Subject: =?UTF-8?B?UGlja3VwIGJlc3TDpHRpZ3Q=?=\r\n"));
	free(msg);
	m = base;
	m.from = "Städtische Müllabfuhr <no-reply@swmra.example>";
	msg = mail_build(&m, err, sizeof(err));
	assert_non_null(msg);
	assert_non_null(strstr(msg, "From: =?UTF-8?B?"));
	assert_non_null(strstr(msg, " <no-reply@swmra.example>\r\n"));
	free(msg);
	m = base;
	m.from = "SWMRA, City <no-reply@swmra.example>";
	msg = mail_build(&m, err, sizeof(err));
	assert_non_null(strstr(msg, "From: \"SWMRA, City\" <no-reply@swmra.example>\r\n"));
	free(msg);
}

static void quoted_printable_body(void **state)
{
	(void)state;
	char longline[400];
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	char text[600];
	snprintf(text, sizeof(text), "caf\xC3\xA9 = 1 \n.dot line\ntrailing space \n%s", longline);
	struct mail_msg m = base;
	m.text = text;
	m.html = NULL;
	char err[128];
	char *msg = mail_build(&m, err, sizeof(err));
	assert_non_null(msg);
	assert_null(strstr(msg, "multipart"));
	const char *body = strstr(msg, "\r\n\r\n") + 4;
	assert_non_null(strstr(body, "caf=C3=A9 =3D 1=20\r\n"));
	assert_non_null(strstr(body, "=2Edot line\r\n"));
	assert_non_null(strstr(body, "trailing space=20\r\n"));
	for (const char *l = body; *l;) {
		const char *e = strstr(l, "\r\n");
		size_t n = e ? (size_t)(e - l) : strlen(l);
		assert_true(n <= 76);
		assert_false(n > 0 && l[0] == '.'); /* no line can end SMTP DATA */
		l += n + (e ? 2 : 0);
	}
	free(msg);
}

static void addr_spec(void **state)
{
	(void)state;
	char a[64];
	assert_true(mail_addr_spec("SWMRA <no-reply@swmra.local>", a, sizeof(a)));
	assert_string_equal(a, "no-reply@swmra.local");
	assert_true(mail_addr_spec("  x@y.z ", a, sizeof(a)));
	assert_string_equal(a, "x@y.z");
	assert_false(mail_addr_spec("nobody", a, sizeof(a)));
	assert_false(mail_addr_spec("a@b@c", a, sizeof(a)));
	assert_false(mail_addr_spec("<a b@c.d>", a, sizeof(a)));
	assert_false(mail_addr_spec("x@y.z\r\n", a, sizeof(a)));
}

static void sms_form(void **state)
{
	(void)state;
	char *f = sms_form_body("+91 98765-43210", "+15005550006", "SWMRA: a&b=c ✓");
	assert_string_equal(f, "To=%2B91%2098765-43210&From=%2B15005550006&"
			       "Body=SWMRA%3A%20a%26b%3Dc%20%E2%9C%93");
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(builds_headers),
	    cmocka_unit_test(refuses_header_injection),
	    cmocka_unit_test(encodes_non_ascii_subject),
	    cmocka_unit_test(quoted_printable_body),
	    cmocka_unit_test(addr_spec),
	    cmocka_unit_test(sms_form),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
