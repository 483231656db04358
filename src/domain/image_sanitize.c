/* JPEG, PNG and WebP container checks and metadata-stripping rewrites. Every parser walks
 * the input with explicit bounds; the output is never longer than the input, so one
 * allocation of `len` bytes holds it. See image_sanitize.h. */
#include "domain/image_sanitize.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

const char *image_kind_ext(enum image_kind k)
{
	switch (k) {
	case IMAGE_JPEG: return "jpg";
	case IMAGE_PNG: return "png";
	case IMAGE_WEBP: return "webp";
	default: return NULL;
	}
}

const char *image_kind_mime(enum image_kind k)
{
	switch (k) {
	case IMAGE_JPEG: return "image/jpeg";
	case IMAGE_PNG: return "image/png";
	case IMAGE_WEBP: return "image/webp";
	default: return NULL;
	}
}

uint32_t image_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
	static uint32_t table[256];
	static bool ready;
	if (!ready) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
		ready = true;
	}
	crc = ~crc;
	for (size_t i = 0; i < n; i++)
		crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
	return ~crc;
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Tokens are long enough (>= 6 bytes) that compressed image data matches one only with
 * negligible probability, even in a 10 MiB file. XMP's own "<x:xmpmeta"/"<?xpacket" are
 * not markup a browser runs: XMP is stripped, not refused. */
int image_has_markup(const uint8_t *in, size_t len)
{
	static const char *const tokens[] = {
	    "<script", "<html>", "<html ",	"<!doctype", "<svg ",	"<svg>",
	    "<svg\n",  "<svg\t", "<iframe",	"<object",   "<embed ", "<body>",
	    "<body ",  "<meta ", "<link ",	"<head>",    "<style",	"<img ",
	    "<a href", "<form",	 "javascript:", NULL};
	for (size_t p = 0; p < len; p++) {
		if (in[p] != '<' && in[p] != 'j' && in[p] != 'J')
			continue;
		for (int t = 0; tokens[t]; t++) {
			size_t tl = strlen(tokens[t]);
			if (len - p < tl)
				continue;
			size_t i = 0;
			while (i < tl && lower(in[p + i]) == tokens[t][i])
				i++;
			if (i == tl)
				return 1;
		}
	}
	return 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* ---- JPEG ---------------------------------------------------------------------------- */

static bool jpeg_is_sof(uint8_t m)
{
	return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

/* Checks the segment with marker `m` and payload `seg` (plen bytes) and decides whether it
 * is kept (*keep). Frame and scan headers are kept, so they must be well-formed: a
 * decoder reads the scan data by them. *sof records the one frame header allowed.
 * Returns why the image is refused, or NULL. */
static const char *jpeg_segment(uint8_t m, const uint8_t *seg, size_t plen, bool *sof, bool *keep)
{
	*keep = true;
	if (m >= 0xE0 && m <= 0xEF) {
		if (m == 0xE0)
			*keep = plen >= 14 && memcmp(seg, "JFIF\0", 5) == 0;
		else if (m == 0xEE)
			*keep = plen == 12 && memcmp(seg, "Adobe", 5) == 0;
		else
			*keep = false;
	} else if (m == 0xFE) {
		*keep = false;
	} else if (jpeg_is_sof(m)) {
		if (*sof)
			return "JPEG: second frame header";
		if (plen < 6)
			return "JPEG: short frame header";
		unsigned ncomp = seg[5];
		unsigned width = (unsigned)seg[3] << 8 | seg[4];
		if (ncomp < 1 || ncomp > 4 || plen != 6 + 3 * ncomp || width == 0)
			return "JPEG: bad frame header";
		*sof = true;
	} else if (m == 0xDA) {
		if (!*sof)
			return "JPEG: scan before frame header";
		if (plen < 1 || plen != 4 + 2u * seg[0] || seg[0] < 1 || seg[0] > 4)
			return "JPEG: bad scan header";
	}
	return NULL;
}

/* Entropy-coded data from in[i] up to the next marker that is not a stuffed 0xFF00 or a
 * restart marker: *end is the offset of that marker's 0xFF. Returns why the image is
 * refused, or NULL. */
static const char *jpeg_scan_end(const uint8_t *in, size_t len, size_t i, size_t *end)
{
	for (;;) {
		const uint8_t *ff = memchr(in + i, 0xFF, len - i);
		if (!ff)
			return "JPEG: truncated scan";
		i = (size_t)(ff - in);
		size_t j = i + 1;
		while (j < len && in[j] == 0xFF)
			j++;
		if (j >= len)
			return "JPEG: truncated scan";
		if (in[j] == 0x00 || (in[j] >= 0xD0 && in[j] <= 0xD7)) {
			i = j + 1;
			continue;
		}
		*end = i; /* a real marker at in[i] */
		return NULL;
	}
}

/* Segments kept with their content: tables, frame and scan headers. APP0 is kept only as
 * JFIF, APP14 only as the fixed-size Adobe colour transform marker; every other APPn and
 * COM is dropped. */
static const char *jpeg_rewrite(const uint8_t *in, size_t len, uint8_t *out, size_t *olen)
{
	size_t i = 2, o = 0;
	if (len < 4 || in[0] != 0xFF || in[1] != 0xD8)
		return "not a JPEG";
	out[o++] = 0xFF;
	out[o++] = 0xD8;
	bool sof = false, sos = false;
	for (;;) {
		if (i >= len || in[i] != 0xFF)
			return "JPEG: expected a marker";
		while (i < len && in[i] == 0xFF)
			i++; /* fill bytes */
		if (i >= len)
			return "JPEG: truncated marker";
		uint8_t m = in[i++];
		if (m == 0xD9) {
			if (!sos)
				return "JPEG: EOI before any scan";
			if (i != len)
				return "JPEG: data after EOI";
			out[o++] = 0xFF;
			out[o++] = 0xD9;
			*olen = o;
			return NULL;
		}
		if (m <= 0xBF || m == 0xD8 || (m >= 0xD0 && m <= 0xD7) || m == 0xC8 ||
		    (m >= 0xF0 && m <= 0xFD))
			return "JPEG: unexpected marker";
		if (len - i < 2)
			return "JPEG: truncated segment";
		size_t seglen = (size_t)in[i] << 8 | in[i + 1];
		if (seglen < 2 || seglen > len - i)
			return "JPEG: bad segment length";
		bool keep;
		const char *bad = jpeg_segment(m, in + i + 2, seglen - 2, &sof, &keep);
		if (bad)
			return bad;
		if (keep) {
			out[o++] = 0xFF;
			out[o++] = m;
			memcpy(out + o, in + i, seglen);
			o += seglen;
		}
		i += seglen;
		if (m != 0xDA)
			continue;
		sos = true;
		size_t start = i;
		bad = jpeg_scan_end(in, len, start, &i);
		if (bad)
			return bad;
		memcpy(out + o, in + start, i - start);
		o += i - start;
	}
}

/* ---- PNG ----------------------------------------------------------------------------- */

static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

/* Chunks copied to the output; critical ones must be known, other ancillary chunks
 * (text, eXIf, tIME, iCCP, private chunks) are dropped. */
static bool png_keep(const uint8_t *t)
{
	static const char *const keep[] = {"IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA",
					   "cHRM", "sRGB", "sBIT", "bKGD", "pHYs", "hIST",
					   "acTL", "fcTL", "fdAT", NULL};
	for (int k = 0; keep[k]; k++)
		if (memcmp(t, keep[k], 4) == 0)
			return true;
	return false;
}

static bool png_ihdr_ok(const uint8_t *d)
{
	uint32_t w = be32(d), h = be32(d + 4);
	uint8_t depth = d[8], ct = d[9];
	if (w == 0 || h == 0 || w > 0x7FFFFFFFu || h > 0x7FFFFFFFu)
		return false;
	if (d[10] != 0 || d[11] != 0 || d[12] > 1)
		return false;
	switch (ct) {
	case 0: return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
	case 3: return depth == 1 || depth == 2 || depth == 4 || depth == 8;
	case 2:
	case 4:
	case 6: return depth == 8 || depth == 16;
	default: return false;
	}
}

static const char *png_rewrite(const uint8_t *in, size_t len, uint8_t *out, size_t *olen)
{
	if (len < 8 || memcmp(in, png_sig, 8) != 0)
		return "not a PNG";
	memcpy(out, png_sig, 8);
	size_t i = 8, o = 8, n = 0;
	bool plte = false, idat = false, idat_done = false;
	uint8_t ct = 0;
	for (;; n++) {
		if (len - i < 12)
			return "PNG: truncated chunk";
		uint32_t clen = be32(in + i);
		const uint8_t *type = in + i + 4;
		if (clen > 0x7FFFFFFFu || clen > len - i - 12)
			return "PNG: bad chunk length";
		for (int k = 0; k < 4; k++)
			if (!((type[k] >= 'A' && type[k] <= 'Z') ||
			      (type[k] >= 'a' && type[k] <= 'z')))
				return "PNG: bad chunk type";
		const uint8_t *data = type + 4;
		if (image_crc32(0, type, 4 + (size_t)clen) != be32(data + clen))
			return "PNG: CRC mismatch";
		size_t total = 12 + (size_t)clen;
		bool is_idat = memcmp(type, "IDAT", 4) == 0;
		if (n == 0) {
			if (memcmp(type, "IHDR", 4) != 0 || clen != 13 || !png_ihdr_ok(data))
				return "PNG: bad IHDR";
			ct = data[9];
		} else if (memcmp(type, "IHDR", 4) == 0) {
			return "PNG: second IHDR";
		} else if (memcmp(type, "PLTE", 4) == 0) {
			if (plte || idat || clen == 0 || clen % 3 || clen > 768)
				return "PNG: bad PLTE";
			plte = true;
		} else if (is_idat) {
			if (idat_done)
				return "PNG: IDAT chunks not consecutive";
			idat = true;
		} else if (memcmp(type, "IEND", 4) == 0) {
			if (clen != 0 || !idat)
				return "PNG: bad IEND";
			if (i + total != len)
				return "PNG: data after IEND";
			if (ct == 3 && !plte)
				return "PNG: palette image without PLTE";
			memcpy(out + o, in + i, total);
			*olen = o + total;
			return NULL;
		} else if (!(type[0] & 0x20) && !png_keep(type)) {
			return "PNG: unknown critical chunk";
		}
		if (idat && !is_idat)
			idat_done = true;
		if (png_keep(type)) {
			memcpy(out + o, in + i, total);
			o += total;
		}
		i += total;
	}
}

/* ---- WebP ---------------------------------------------------------------------------- */

static bool webp_vp8_ok(const uint8_t *d, uint32_t n)
{
	/* Frame tag (key frame, version 0..3, shown), start code, 14-bit sizes. */
	if (n < 10)
		return false;
	uint32_t tag = d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16;
	if ((tag & 1) != 0 || ((tag >> 1) & 7) > 3 || !((tag >> 4) & 1))
		return false;
	uint32_t part0 = tag >> 5;
	if (part0 == 0 || part0 > n - 10)
		return false;
	if (d[3] != 0x9D || d[4] != 0x01 || d[5] != 0x2A)
		return false;
	unsigned w = (d[6] | (unsigned)d[7] << 8) & 0x3FFF;
	unsigned h = (d[8] | (unsigned)d[9] << 8) & 0x3FFF;
	return w > 0 && h > 0;
}

static bool webp_vp8l_ok(const uint8_t *d, uint32_t n)
{
	/* Signature 0x2F, 14-bit width-1 and height-1, alpha hint, version 0. */
	if (n < 5 || d[0] != 0x2F)
		return false;
	uint32_t bits = le32(d + 1);
	return (bits >> 29) == 0;
}

static const char *webp_rewrite(const uint8_t *in, size_t len, uint8_t *out, size_t *olen)
{
	if (len < 20 || memcmp(in, "RIFF", 4) != 0 || memcmp(in + 8, "WEBP", 4) != 0)
		return "not a WebP";
	uint32_t riff = le32(in + 4);
	if (riff % 2 || (size_t)riff + 8 != len)
		return "WebP: RIFF size does not match the file";
	memcpy(out, in, 12);
	size_t i = 12, o = 12, n = 0;
	bool extended = false, image = false;
	size_t vp8x_at = 0;
	for (; i < len; n++) {
		if (len - i < 8)
			return "WebP: truncated chunk header";
		const uint8_t *fourcc = in + i;
		uint32_t clen = le32(in + i + 4);
		size_t padded = (size_t)clen + (clen & 1);
		if (padded > len - i - 8)
			return "WebP: chunk exceeds file";
		const uint8_t *data = in + i + 8;
		bool keep = false;
		if (n == 0) {
			if (memcmp(fourcc, "VP8X", 4) == 0) {
				if (clen != 10 || (data[0] & 0xC1) || data[1] || data[2] || data[3])
					return "WebP: bad VP8X";
				extended = true;
				vp8x_at = o;
				keep = true;
			} else if (memcmp(fourcc, "VP8 ", 4) == 0) {
				if (!webp_vp8_ok(data, clen))
					return "WebP: bad VP8 frame header";
				image = keep = true;
			} else if (memcmp(fourcc, "VP8L", 4) == 0) {
				if (!webp_vp8l_ok(data, clen))
					return "WebP: bad VP8L header";
				image = keep = true;
			} else {
				return "WebP: first chunk is not VP8, VP8L or VP8X";
			}
		} else if (!extended) {
			keep = false; /* simple format: nothing may follow the bitstream */
		} else if (memcmp(fourcc, "VP8 ", 4) == 0) {
			if (image || !webp_vp8_ok(data, clen))
				return "WebP: bad VP8 chunk";
			image = keep = true;
		} else if (memcmp(fourcc, "VP8L", 4) == 0) {
			if (image || !webp_vp8l_ok(data, clen))
				return "WebP: bad VP8L chunk";
			image = keep = true;
		} else if (memcmp(fourcc, "ALPH", 4) == 0 || memcmp(fourcc, "ANIM", 4) == 0) {
			keep = true;
		} else if (memcmp(fourcc, "ANMF", 4) == 0) {
			if (clen < 16 + 8)
				return "WebP: bad ANMF chunk";
			image = keep = true;
		} else {
			keep = false; /* ICCP, EXIF, XMP and unknown chunks */
		}
		if (keep) {
			memcpy(out + o, in + i, 8 + padded);
			o += 8 + padded;
		}
		i += 8 + padded;
	}
	if (!image)
		return "WebP: no image data";
	if (extended) {
		/* Clear ICC (0x20), EXIF (0x08) and XMP (0x04): those chunks were dropped. */
		out[vp8x_at + 8] &= (uint8_t)~0x2Cu;
	}
	put_le32(out + 4, (uint32_t)(o - 8));
	*olen = o;
	return NULL;
}

enum image_kind image_sanitize(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len,
			       const char **why)
{
	*out = NULL;
	*out_len = 0;
	const char *bad = "not a JPEG, PNG or WebP image";
	enum image_kind k = IMAGE_NONE;
	if (len >= 3 && in[0] == 0xFF && in[1] == 0xD8 && in[2] == 0xFF)
		k = IMAGE_JPEG;
	else if (len >= 8 && memcmp(in, png_sig, 8) == 0)
		k = IMAGE_PNG;
	else if (len >= 12 && memcmp(in, "RIFF", 4) == 0 && memcmp(in + 8, "WEBP", 4) == 0)
		k = IMAGE_WEBP;
	if (k == IMAGE_NONE) {
		*why = len ? bad : "empty file";
		return IMAGE_NONE;
	}
	if (image_has_markup(in, len)) {
		*why = "markup inside the image";
		return IMAGE_NONE;
	}
	uint8_t *buf = malloc(len);
	if (!buf) {
		*why = "out of memory";
		return IMAGE_NONE;
	}
	size_t olen = 0;
	const char *err = k == IMAGE_JPEG  ? jpeg_rewrite(in, len, buf, &olen)
			  : k == IMAGE_PNG ? png_rewrite(in, len, buf, &olen)
					   : webp_rewrite(in, len, buf, &olen);
	if (err) {
		free(buf);
		*why = err;
		return IMAGE_NONE;
	}
	*out = buf;
	*out_len = olen;
	*why = NULL;
	return k;
}
