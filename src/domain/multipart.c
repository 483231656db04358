/* See multipart.h. The grammar accepted, per RFC 2046 §5.1.1 with RFC 7578's profile:
 *   body      := [preamble CRLF] "--" boundary *LWSP CRLF part
 *                *(CRLF "--" boundary *LWSP CRLF part) CRLF "--" boundary "--" [epilogue]
 *   part      := *(header CRLF) CRLF data
 * Header lines must end in CRLF; obsolete folding is refused. */
#define _GNU_SOURCE /* memmem */
#include "domain/multipart.h"

#include <string.h>
#include <strings.h>

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool is_bchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       strchr("'()+_,-./:=? ", c) != NULL;
}

static bool is_tchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* Parses `; name=value` parameters of a header value in [p, end). Calls back per
 * parameter with the name and the value (quoted-string content still escaped). Returns
 * false on a syntax error. */
typedef void (*param_fn)(struct mp_slice name, struct mp_slice value, bool quoted, void *ctx);

static bool parse_params(const char *p, const char *end, param_fn fn, void *ctx)
{
	for (;;) {
		p = skip_ws(p, end);
		if (p == end)
			return true;
		if (*p != ';')
			return false;
		p = skip_ws(p + 1, end);
		if (p == end)
			return true; /* a trailing ';' is tolerated */
		const char *n0 = p;
		while (p < end && is_tchar(*p))
			p++;
		if (p == n0)
			return false;
		struct mp_slice name = {n0, (size_t)(p - n0)};
		p = skip_ws(p, end);
		if (p == end || *p != '=')
			return false;
		p = skip_ws(p + 1, end);
		struct mp_slice val;
		bool quoted = false;
		if (p < end && *p == '"') {
			const char *v0 = ++p;
			while (p < end && *p != '"') {
				if (*p == '\\') {
					if (++p == end)
						return false;
				}
				p++;
			}
			if (p == end)
				return false;
			val = (struct mp_slice){v0, (size_t)(p - v0)};
			p++;
			quoted = true;
		} else {
			const char *v0 = p;
			while (p < end && is_tchar(*p))
				p++;
			if (p == v0)
				return false;
			val = (struct mp_slice){v0, (size_t)(p - v0)};
		}
		fn(name, val, quoted, ctx);
	}
}

static bool slice_ieq(struct mp_slice s, const char *lit)
{
	size_t n = strlen(lit);
	if (s.n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)s.p[i]) != lit[i])
			return false;
	return true;
}

bool multipart_value_equals(struct mp_slice v, const char *s)
{
	size_t i = 0, j = 0, n = strlen(s);
	while (i < v.n) {
		char c = v.p[i];
		if (c == '\\' && i + 1 < v.n)
			c = v.p[++i];
		if (j >= n || s[j] != c)
			return false;
		i++;
		j++;
	}
	return j == n;
}

struct boundary_ctx {
	char *out;
	bool found, bad;
};

static void boundary_param(struct mp_slice name, struct mp_slice value, bool quoted, void *ctx)
{
	struct boundary_ctx *b = ctx;
	if (!slice_ieq(name, "boundary"))
		return;
	if (b->found || value.n < 1 || value.n > MULTIPART_MAX_BOUNDARY ||
	    value.p[value.n - 1] == ' ') {
		b->bad = true;
		return;
	}
	for (size_t i = 0; i < value.n; i++)
		if (!is_bchar(value.p[i]) || value.p[i] == '\\') {
			b->bad = true;
			return;
		}
	(void)quoted;
	memcpy(b->out, value.p, value.n);
	b->out[value.n] = '\0';
	b->found = true;
}

bool multipart_boundary(const char *ct, char out[MULTIPART_MAX_BOUNDARY + 1])
{
	static const char type[] = "multipart/form-data";
	if (!ct)
		return false;
	const char *end = ct + strlen(ct);
	const char *p = skip_ws(ct, end);
	if ((size_t)(end - p) < sizeof(type) - 1 || strncasecmp(p, type, sizeof(type) - 1) != 0)
		return false;
	p += sizeof(type) - 1;
	struct boundary_ctx b = {out, false, false};
	if (!parse_params(p, end, boundary_param, &b))
		return false;
	return b.found && !b.bad;
}

void multipart_init(struct mp_reader *r, const char *body, size_t len, const char *boundary)
{
	memset(r, 0, sizeof(*r));
	r->body = body ? body : "";
	r->len = body ? len : 0;
	size_t bl = strlen(boundary);
	if (bl > MULTIPART_MAX_BOUNDARY)
		bl = MULTIPART_MAX_BOUNDARY;
	memcpy(r->delim, "\r\n--", 4);
	memcpy(r->delim + 4, boundary, bl);
	r->dlen = 4 + bl;
	r->delim[r->dlen] = '\0';
	if (bl == 0)
		r->state = -1;
}

static const char *find(const char *hay, size_t hn, const char *needle, size_t nn)
{
	return memmem(hay, hn, needle, nn);
}

/* After a delimiter at `pos` (pointing past "--boundary"): "--" closes, else optional
 * LWSP then CRLF opens a part. Returns 1 part follows (pos moved past CRLF), 0 closed,
 * negative on error. */
static int after_delim(struct mp_reader *r)
{
	const char *b = r->body;
	size_t p = r->pos;
	if (r->len - p >= 2 && b[p] == '-' && b[p + 1] == '-') {
		r->pos = r->len; /* the epilogue is ignored */
		return 0;
	}
	while (p < r->len && (b[p] == ' ' || b[p] == '\t'))
		p++;
	if (r->len - p < 2)
		return MP_TRUNCATED;
	if (b[p] != '\r' || b[p + 1] != '\n')
		return MP_NO_START;
	r->pos = p + 2;
	return 1;
}

struct disp_ctx {
	struct mp_part *part;
	bool has_name, dup;
};

static void disp_param(struct mp_slice name, struct mp_slice value, bool quoted, void *ctx)
{
	struct disp_ctx *d = ctx;
	(void)quoted;
	if (slice_ieq(name, "name")) {
		d->dup |= d->has_name;
		d->part->name = value;
		d->has_name = true;
	} else if (slice_ieq(name, "filename")) {
		d->dup |= d->part->filename.p != NULL;
		d->part->filename = value;
		if (!d->part->filename.p)
			d->part->filename.p = "";
	}
}

/* Parses the header block [h, h + n) (lines separated by CRLF, no final empty line). */
static enum multipart_status parse_headers(const char *h, size_t n, struct mp_part *part)
{
	const char *end = h + n, *p = h;
	int count = 0;
	bool disp = false;
	while (p < end) {
		const char *eol = find(p, (size_t)(end - p), "\r\n", 2);
		if (!eol)
			eol = end;
		if (++count > MULTIPART_MAX_HEADERS)
			return MP_BAD_HEADERS;
		const char *colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon || colon == p)
			return MP_BAD_HEADERS;
		for (const char *q = p; q < colon; q++)
			if (!is_tchar(*q))
				return MP_BAD_HEADERS; /* also refuses folded lines (leading WSP) */
		for (const char *q = colon + 1; q < eol; q++)
			if ((unsigned char)*q < 0x20 && *q != '\t')
				return MP_BAD_HEADERS; /* bare CR/LF, NUL */
		struct mp_slice hname = {p, (size_t)(colon - p)};
		const char *v = skip_ws(colon + 1, eol);
		const char *ve = eol;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if (slice_ieq(hname, "content-disposition")) {
			if (disp)
				return MP_BAD_DISPOSITION;
			disp = true;
			static const char fd[] = "form-data";
			if ((size_t)(ve - v) < sizeof(fd) - 1 ||
			    strncasecmp(v, fd, sizeof(fd) - 1) != 0)
				return MP_BAD_DISPOSITION;
			const char *rest = v + sizeof(fd) - 1;
			if (rest < ve && *rest != ';' && *rest != ' ' && *rest != '\t')
				return MP_BAD_DISPOSITION;
			struct disp_ctx d = {part, false, false};
			if (!parse_params(rest, ve, disp_param, &d) || !d.has_name || d.dup)
				return MP_BAD_DISPOSITION;
		} else if (slice_ieq(hname, "content-type")) {
			part->content_type = (struct mp_slice){v, (size_t)(ve - v)};
		}
		p = eol == end ? end : eol + 2;
	}
	return disp ? MP_PART : MP_BAD_DISPOSITION;
}

enum multipart_status multipart_next(struct mp_reader *r, struct mp_part *part)
{
	memset(part, 0, sizeof(*part));
	if (r->state == 2)
		return MP_END;
	if (r->state < 0)
		return MP_NO_START;
	enum multipart_status st;
	if (r->state == 0) {
		/* The first delimiter may open the body without a preceding CRLF. */
		const char *d1 = r->delim + 2;
		size_t d1n = r->dlen - 2;
		if (r->len >= d1n && memcmp(r->body, d1, d1n) == 0) {
			r->pos = d1n;
		} else {
			const char *hit = find(r->body, r->len, r->delim, r->dlen);
			if (!hit) {
				r->state = -1;
				return MP_NO_START;
			}
			r->pos = (size_t)(hit - r->body) + r->dlen;
		}
		int a = after_delim(r);
		if (a <= 0) {
			r->state = a == 0 ? 2 : -1;
			return a == 0 ? MP_END : (enum multipart_status)a;
		}
		r->state = 1;
	}
	/* Headers up to the empty line (which may directly follow the delimiter line). */
	const char *b = r->body + r->pos;
	size_t rem = r->len - r->pos;
	const char *hdr_end;
	size_t hlen;
	if (rem >= 2 && b[0] == '\r' && b[1] == '\n') {
		hdr_end = b;
		hlen = 0;
		r->pos += 2;
	} else {
		size_t lim =
		    rem < MULTIPART_MAX_HEADER_BYTES + 4 ? rem : MULTIPART_MAX_HEADER_BYTES + 4;
		hdr_end = find(b, lim, "\r\n\r\n", 4);
		if (!hdr_end) {
			r->state = -1;
			return rem <= MULTIPART_MAX_HEADER_BYTES ? MP_TRUNCATED : MP_BAD_HEADERS;
		}
		hlen = (size_t)(hdr_end - b);
		r->pos += hlen + 4;
	}
	st = parse_headers(b, hlen, part);
	if (st != MP_PART) {
		r->state = -1;
		return st;
	}
	/* Data up to the next delimiter. */
	const char *data = r->body + r->pos;
	const char *hit = find(data, r->len - r->pos, r->delim, r->dlen);
	if (!hit) {
		r->state = -1;
		memset(part, 0, sizeof(*part));
		return MP_TRUNCATED;
	}
	part->data = (const unsigned char *)data;
	part->len = (size_t)(hit - data);
	r->pos = (size_t)(hit - r->body) + r->dlen;
	int a = after_delim(r);
	if (a < 0) {
		r->state = -1;
		memset(part, 0, sizeof(*part));
		return (enum multipart_status)a;
	}
	if (a == 0)
		r->state = 2;
	return MP_PART;
}

const char *multipart_strerror(enum multipart_status st)
{
	switch (st) {
	case MP_NO_START: return "Malformed multipart body: no boundary delimiter found";
	case MP_TRUNCATED: return "Malformed multipart body: truncated (closing boundary missing)";
	case MP_BAD_HEADERS: return "Malformed multipart body: invalid part headers";
	case MP_BAD_DISPOSITION:
		return "Malformed multipart body: each part needs Content-Disposition: form-data "
		       "with a name";
	default: return "Malformed multipart body";
	}
}
