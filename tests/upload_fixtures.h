/* Test images for the uploads tests, made by the tests themselves: a 2x2 baseline JPEG
 * and WebP bitstreams produced once with libjpeg-turbo / libwebp and embedded as bytes,
 * PNGs assembled here with their own CRC-32 (independent of the code under test), and
 * builders that wrap them with metadata (EXIF with GPS, XMP, comments, text chunks). */
#ifndef SWMRA_UPLOAD_FIXTURES_H
#define SWMRA_UPLOAD_FIXTURES_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char fx_jpeg_2x2[] = {
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x10, 0x0b, 0x0c, 0x0e, 0x0c, 0x0a, 0x10,
    0x0e, 0x0d, 0x0e, 0x12, 0x11, 0x10, 0x13, 0x18, 0x28, 0x1a, 0x18, 0x16, 0x16, 0x18, 0x31, 0x23,
    0x25, 0x1d, 0x28, 0x3a, 0x33, 0x3d, 0x3c, 0x39, 0x33, 0x38, 0x37, 0x40, 0x48, 0x5c, 0x4e, 0x40,
    0x44, 0x57, 0x45, 0x37, 0x38, 0x50, 0x6d, 0x51, 0x57, 0x5f, 0x62, 0x67, 0x68, 0x67, 0x3e, 0x4d,
    0x71, 0x79, 0x70, 0x64, 0x78, 0x5c, 0x65, 0x67, 0x63, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x02,
    0x00, 0x02, 0x01, 0x01, 0x11, 0x00, 0xff, 0xc4, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0xff, 0xc4, 0x00, 0x1b,
    0x10, 0x00, 0x03, 0x00, 0x02, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0x02, 0x03, 0x05, 0x11, 0x00, 0x04, 0x41, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00,
    0x00, 0x3f, 0x00, 0x33, 0x26, 0xed, 0x1c, 0xa7, 0x6e, 0x51, 0x63, 0x39, 0xa5, 0x9d, 0x51, 0x10,
    0xe8, 0x28, 0x0c, 0x74, 0x00, 0xf0, 0x73, 0xff, 0xd9,
};
static const unsigned char fx_webp_lossless_1x1[] = {
    0x52, 0x49, 0x46, 0x46, 0x1c, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50,
    0x56, 0x50, 0x38, 0x4c, 0x0f, 0x00, 0x00, 0x00, 0x2f, 0x00, 0x00, 0x00,
    0x00, 0x07, 0x10, 0xfd, 0x8f, 0xfe, 0x07, 0x22, 0xa2, 0xff, 0x01, 0x00,
};
static const unsigned char fx_webp_lossy_2x2[] = {
    0x52, 0x49, 0x46, 0x46, 0x3c, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50, 0x56, 0x50,
    0x38, 0x20, 0x30, 0x00, 0x00, 0x00, 0xb0, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0x02, 0x00,
    0x02, 0x00, 0x02, 0xc0, 0x4c, 0x25, 0x98, 0x02, 0x74, 0x01, 0x0e, 0xf6, 0x9e, 0x40,
    0x00, 0xfe, 0xb8, 0x5a, 0xbc, 0x43, 0xf1, 0xdf, 0x52, 0xc7, 0x92, 0x29, 0x3a, 0x23,
    0x9b, 0x57, 0xeb, 0xef, 0x7d, 0x5e, 0x54, 0xa4, 0xba, 0x00, 0x00, 0x00,
};

/* A growable byte buffer for building test files. */
struct fx_buf {
	unsigned char *p;
	size_t n, cap;
};

static inline void fx_put(struct fx_buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static inline void fx_puts(struct fx_buf *b, const char *s)
{
	fx_put(b, s, strlen(s));
}

static inline void fx_be32(struct fx_buf *b, uint32_t v)
{
	unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
			      (unsigned char)(v >> 8), (unsigned char)v};
	fx_put(b, x, 4);
}

static inline void fx_le32(struct fx_buf *b, uint32_t v)
{
	unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			      (unsigned char)(v >> 24)};
	fx_put(b, x, 4);
}

/* Bitwise CRC-32 (PNG), deliberately not the table version of image_sanitize.c. */
static inline uint32_t fx_crc32(const unsigned char *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
	}
	return ~c;
}

static inline void fx_png_chunk(struct fx_buf *b, const char *type, const void *data, size_t n)
{
	fx_be32(b, (uint32_t)n);
	size_t at = b->n;
	fx_put(b, type, 4);
	if (n)
		fx_put(b, data, n);
	fx_be32(b, fx_crc32(b->p + at, 4 + n));
}

/* A 1x1 RGB PNG (zlib stored block). `extra` chunks go between IHDR and IDAT when
 * `before_idat`, else between IDAT and IEND. */
struct fx_chunk {
	const char *type;
	const char *data;
	size_t len; /* sizeof the literal: the final NUL is not written */
};
#define FX_CHUNK(type, lit)                                                                        \
	{                                                                                          \
		type, lit, sizeof(lit) - 1                                                         \
	}

static inline void fx_png(struct fx_buf *b, const struct fx_chunk *extra, int nextra,
			  int before_idat)
{
	static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
	static const unsigned char ihdr[13] = {0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0};
	/* zlib: header, one final stored block of 4 bytes (filter 0 + RGB), adler32 */
	static const unsigned char idat[] = {0x78, 0x01, 0x01, 0x04, 0x00, 0xFB, 0xFF, 0x00,
					     0xFF, 0x00, 0x00, 0x03, 0x01, 0x01, 0x00};
	fx_put(b, sig, 8);
	fx_png_chunk(b, "IHDR", ihdr, 13);
	if (before_idat)
		for (int i = 0; i < nextra; i++)
			fx_png_chunk(b, extra[i].type, extra[i].data, extra[i].len);
	fx_png_chunk(b, "IDAT", idat, sizeof(idat));
	if (!before_idat)
		for (int i = 0; i < nextra; i++)
			fx_png_chunk(b, extra[i].type, extra[i].data, extra[i].len);
	fx_png_chunk(b, "IEND", NULL, 0);
}

/* A minimal big-endian TIFF/EXIF block whose IFD0 points at a GPS IFD holding
 * GPSLatitudeRef "N" and GPSLatitude 48/1 51/1 2400/100 (Paris). */
static inline void fx_exif_gps(struct fx_buf *b)
{
	static const unsigned char tiff[] = {
	    'M', 'M', 0, 42, 0, 0, 0, 8,
	    /* IFD0: 1 entry GPSInfo (0x8825) LONG 1 -> offset 26 */
	    0, 1, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0,
	    /* GPS IFD at 26: 2 entries */
	    0, 2, 0, 1, 0, 2, 0, 0, 0, 2, 'N', 0, 0, 0, /* GPSLatitudeRef */
	    0, 2, 0, 5, 0, 0, 0, 3, 0, 0, 0, 56,	/* GPSLatitude -> 56 */
	    0, 0, 0, 0,
	    /* rationals at 56 */
	    0, 0, 0, 48, 0, 0, 0, 1, 0, 0, 0, 51, 0, 0, 0, 1, 0, 0, 0x09, 0x60, 0, 0, 0, 100};
	fx_put(b, tiff, sizeof(tiff));
}

/* The 2x2 JPEG with an EXIF APP1 (GPS), an XMP APP1 and a COM segment after APP0. */
static inline void fx_jpeg_with_metadata(struct fx_buf *b)
{
	struct fx_buf exif = {0};
	fx_put(&exif, "Exif\0\0", 6);
	fx_exif_gps(&exif);
	/* SOI + APP0 JFIF (20 bytes) as in the fixture */
	fx_put(b, fx_jpeg_2x2, 20);
	unsigned char hdr[4] = {0xFF, 0xE1, (unsigned char)((exif.n + 2) >> 8),
				(unsigned char)(exif.n + 2)};
	fx_put(b, hdr, 4);
	fx_put(b, exif.p, exif.n);
	free(exif.p);
	static const char xmp[] = "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>"
				  "48,51.4N</exif:GPSLatitude></x:xmpmeta>";
	unsigned char h2[4] = {0xFF, 0xE1, 0, (unsigned char)(sizeof(xmp) - 1 + 2)};
	fx_put(b, h2, 4);
	fx_put(b, xmp, sizeof(xmp) - 1);
	static const char com[] = "secret comment";
	unsigned char h3[4] = {0xFF, 0xFE, 0, (unsigned char)(sizeof(com) - 1 + 2)};
	fx_put(b, h3, 4);
	fx_put(b, com, sizeof(com) - 1);
	fx_put(b, fx_jpeg_2x2 + 20, sizeof(fx_jpeg_2x2) - 20);
}

/* An extended WebP: VP8X (EXIF + XMP flags), the 1x1 lossless bitstream, EXIF and XMP. */
static inline void fx_webp_with_metadata(struct fx_buf *b)
{
	struct fx_buf body = {0};
	fx_puts(&body, "WEBP");
	fx_puts(&body, "VP8X");
	fx_le32(&body, 10);
	unsigned char vp8x[10] = {0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0}; /* 1x1 canvas */
	fx_put(&body, vp8x, 10);
	/* the VP8L chunk of the simple file (after "RIFF" size "WEBP") */
	fx_put(&body, fx_webp_lossless_1x1 + 12, sizeof(fx_webp_lossless_1x1) - 12);
	struct fx_buf exif = {0};
	fx_exif_gps(&exif);
	fx_puts(&body, "EXIF");
	fx_le32(&body, (uint32_t)exif.n);
	fx_put(&body, exif.p, exif.n);
	if (exif.n & 1)
		fx_put(&body, "\0", 1);
	free(exif.p);
	static const char xmp[] = "<x:xmpmeta>GPS 48,51.4N</x:xmpmeta>";
	fx_puts(&body, "XMP ");
	fx_le32(&body, (uint32_t)(sizeof(xmp) - 1));
	fx_put(&body, xmp, sizeof(xmp) - 1);
	if ((sizeof(xmp) - 1) & 1)
		fx_put(&body, "\0", 1);
	fx_puts(b, "RIFF");
	fx_le32(b, (uint32_t)body.n);
	fx_put(b, body.p, body.n);
	free(body.p);
}

static inline int fx_contains(const unsigned char *p, size_t n, const char *needle, size_t nn)
{
	for (size_t i = 0; i + nn <= n; i++)
		if (memcmp(p + i, needle, nn) == 0)
			return 1;
	return 0;
}

#endif
