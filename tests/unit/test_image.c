/* Image acceptance by content and metadata stripping (domain/image_sanitize.c): valid
 * JPEG/PNG/WebP pass, metadata (EXIF GPS, XMP, comments, text chunks) is removed by
 * rewriting the container, and SVG, HTML, polyglots, mislabelled, truncated and empty
 * input is refused. */
#include "testutil.h"

#include "domain/image_sanitize.h"
#include "upload_fixtures.h"

static enum image_kind run(const void *in, size_t n, struct fx_buf *out)
{
	uint8_t *o = NULL;
	size_t on = 0;
	const char *why = NULL;
	enum image_kind k = image_sanitize(in, n, &o, &on, &why);
	if (k == IMAGE_NONE) {
		assert_null(o);
		assert_non_null(why);
	} else {
		assert_non_null(o);
		assert_true(on <= n);
	}
	if (out) {
		out->p = o;
		out->n = on;
	} else {
		free(o);
	}
	return k;
}

static void refused(const void *in, size_t n)
{
	assert_int_equal(run(in, n, NULL), IMAGE_NONE);
}

static void crc_matches_reference(void **state)
{
	(void)state;
	assert_int_equal(image_crc32(0, (const uint8_t *)"123456789", 9), 0xCBF43926u);
	assert_int_equal(fx_crc32((const unsigned char *)"123456789", 9), 0xCBF43926u);
	assert_int_equal(
	    image_crc32(image_crc32(0, (const uint8_t *)"1234", 4), (const uint8_t *)"56789", 5),
	    0xCBF43926u);
}

static void jpeg_valid_unchanged(void **state)
{
	(void)state;
	struct fx_buf out = {0};
	assert_int_equal(run(fx_jpeg_2x2, sizeof(fx_jpeg_2x2), &out), IMAGE_JPEG);
	assert_int_equal(out.n, sizeof(fx_jpeg_2x2));
	assert_memory_equal(out.p, fx_jpeg_2x2, out.n);
	free(out.p);
	assert_string_equal(image_kind_ext(IMAGE_JPEG), "jpg");
	assert_string_equal(image_kind_mime(IMAGE_JPEG), "image/jpeg");
}

static void jpeg_metadata_stripped(void **state)
{
	(void)state;
	struct fx_buf in = {0}, out = {0};
	fx_jpeg_with_metadata(&in);
	assert_true(fx_contains(in.p, in.n, "Exif", 4));
	assert_int_equal(run(in.p, in.n, &out), IMAGE_JPEG);
	/* Exactly the original image without the APP1s and the COM. */
	assert_int_equal(out.n, sizeof(fx_jpeg_2x2));
	assert_memory_equal(out.p, fx_jpeg_2x2, out.n);
	assert_false(fx_contains(out.p, out.n, "Exif", 4));
	assert_false(fx_contains(out.p, out.n, "secret", 6));
	assert_false(fx_contains(out.p, out.n, "xmpmeta", 7));
	free(in.p);
	free(out.p);
}

static void jpeg_bad(void **state)
{
	(void)state;
	size_t n = sizeof(fx_jpeg_2x2);
	unsigned char *b = malloc(n + 64);
	/* data after EOI (polyglot) */
	memcpy(b, fx_jpeg_2x2, n);
	memcpy(b + n, "PK\3\4zipdata", 11);
	refused(b, n + 11);
	/* truncated: no EOI, and cut inside a segment */
	refused(fx_jpeg_2x2, n - 2);
	refused(fx_jpeg_2x2, 100);
	refused(fx_jpeg_2x2, 3);
	/* SOI + EOI only: no frame, no scan */
	refused("\xFF\xD8\xFF\xD9", 4);
	/* a segment length running past the end */
	memcpy(b, fx_jpeg_2x2, n);
	b[4] = 0xFF;
	refused(b, n);
	/* HTML in a comment segment is refused, not only stripped */
	struct fx_buf h = {0};
	fx_put(&h, fx_jpeg_2x2, 20);
	static const char com[] = "<script>alert(1)</script>";
	unsigned char hdr[4] = {0xFF, 0xFE, 0, sizeof(com) - 1 + 2};
	fx_put(&h, hdr, 4);
	fx_put(&h, com, sizeof(com) - 1);
	fx_put(&h, fx_jpeg_2x2 + 20, n - 20);
	refused(h.p, h.n);
	free(h.p);
	free(b);
}

static void png_valid_and_stripped(void **state)
{
	(void)state;
	struct fx_buf plain = {0}, meta = {0}, out = {0};
	fx_png(&plain, NULL, 0, 1);
	assert_int_equal(run(plain.p, plain.n, &out), IMAGE_PNG);
	assert_int_equal(out.n, plain.n);
	assert_memory_equal(out.p, plain.p, plain.n);
	free(out.p);

	const struct fx_chunk extra[] = {
	    FX_CHUNK("tEXt", "GPS\0"
			     "48.85N 2.35E"),
	    FX_CHUNK("zTXt", "Comment\0\0x"),
	    FX_CHUNK("iTXt", "XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta/>"),
	    FX_CHUNK("eXIf", "MM\0*"),
	    FX_CHUNK("tIME", "\x07\xE8\x01\x02\x03\x04\x05"),
	    FX_CHUNK("gAMA", "\0\0\xB1\x8F")};
	fx_png(&meta, extra, 6, 1);
	assert_int_equal(run(meta.p, meta.n, &out), IMAGE_PNG);
	assert_false(fx_contains(out.p, out.n, "tEXt", 4));
	assert_false(fx_contains(out.p, out.n, "zTXt", 4));
	assert_false(fx_contains(out.p, out.n, "iTXt", 4));
	assert_false(fx_contains(out.p, out.n, "eXIf", 4));
	assert_false(fx_contains(out.p, out.n, "tIME", 4));
	assert_true(fx_contains(out.p, out.n, "gAMA", 4)); /* harmless, kept */
	assert_int_equal(out.n, plain.n + 12 + 4);
	free(out.p);
	free(plain.p);
	free(meta.p);
}

static void png_bad(void **state)
{
	(void)state;
	struct fx_buf p = {0};
	fx_png(&p, NULL, 0, 1);
	unsigned char *b = malloc(p.n + 32);
	assert_non_null(b);
	memcpy(b, p.p, p.n);
	/* bad CRC */
	b[8 + 8 + 5] ^= 1;
	refused(b, p.n);
	/* data after IEND */
	memcpy(b, p.p, p.n);
	memcpy(b + p.n, "<html>", 6);
	refused(b, p.n + 6);
	memcpy(b + p.n, "\0\0\0\0", 4);
	refused(b, p.n + 4);
	/* truncated (no IEND) */
	refused(p.p, p.n - 12);
	refused(p.p, 8);
	/* unknown critical chunk */
	struct fx_buf q = {0};
	const struct fx_chunk crit[] = {FX_CHUNK("ABCD", "x")};
	fx_png(&q, crit, 1, 1);
	refused(q.p, q.n);
	free(q.p);
	/* markup in a text chunk: refused as a polyglot */
	struct fx_buf r = {0};
	const struct fx_chunk html[] = {FX_CHUNK("tEXt", "c\0<svg onload=alert(1)>")};
	fx_png(&r, html, 1, 0);
	refused(r.p, r.n);
	free(r.p);
	free(b);
	free(p.p);
}

static void webp_valid(void **state)
{
	(void)state;
	struct fx_buf out = {0};
	assert_int_equal(run(fx_webp_lossless_1x1, sizeof(fx_webp_lossless_1x1), &out), IMAGE_WEBP);
	assert_memory_equal(out.p, fx_webp_lossless_1x1, out.n);
	free(out.p);
	assert_int_equal(run(fx_webp_lossy_2x2, sizeof(fx_webp_lossy_2x2), &out), IMAGE_WEBP);
	assert_int_equal(out.n, sizeof(fx_webp_lossy_2x2));
	free(out.p);
}

static void webp_metadata_stripped(void **state)
{
	(void)state;
	struct fx_buf in = {0}, out = {0};
	fx_webp_with_metadata(&in);
	assert_int_equal(run(in.p, in.n, &out), IMAGE_WEBP);
	assert_false(fx_contains(out.p, out.n, "EXIF", 4));
	assert_false(fx_contains(out.p, out.n, "XMP ", 4));
	assert_false(fx_contains(out.p, out.n, "GPS", 3));
	/* RIFF size fixed, VP8X flags cleared, VP8L kept */
	uint32_t riff = out.p[4] | out.p[5] << 8 | out.p[6] << 16 | (uint32_t)out.p[7] << 24;
	assert_int_equal(riff, out.n - 8);
	assert_memory_equal(out.p + 12, "VP8X", 4);
	assert_int_equal(out.p[20], 0);
	assert_true(fx_contains(out.p, out.n, "VP8L", 4));
	assert_int_equal(out.n, 12 + 18 + sizeof(fx_webp_lossless_1x1) - 12);
	free(in.p);
	free(out.p);
}

static void webp_bad(void **state)
{
	(void)state;
	size_t n = sizeof(fx_webp_lossless_1x1);
	unsigned char *b = malloc(n + 16);
	/* trailing data after the RIFF */
	memcpy(b, fx_webp_lossless_1x1, n);
	memcpy(b + n, "junk", 4);
	refused(b, n + 4);
	/* RIFF size lies */
	memcpy(b, fx_webp_lossless_1x1, n);
	b[4] += 2;
	refused(b, n);
	/* truncated */
	refused(fx_webp_lossless_1x1, n - 1);
	refused(fx_webp_lossless_1x1, 12);
	/* bad VP8L signature */
	memcpy(b, fx_webp_lossless_1x1, n);
	b[20] = 0;
	refused(b, n);
	/* RIFF but not WebP (WAVE) */
	memcpy(b, fx_webp_lossless_1x1, n);
	memcpy(b + 8, "WAVE", 4);
	refused(b, n);
	free(b);
}

static void not_images(void **state)
{
	(void)state;
	static const char svg[] =
	    "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\">"
	    "<script>alert(1)</script></svg>";
	static const char html[] = "<!DOCTYPE html><html><body>hi</body></html>";
	refused(svg, sizeof(svg) - 1);
	refused(html, sizeof(html) - 1);
	refused("", 0);
	refused("GIF89a\1\0\1\0\0\0\0;", 13);
	refused("%PDF-1.4\n", 9);
	refused("\xFF\xD8", 2);
	refused("\x89PNG\r\n\x1a\n", 8);
	refused("RIFF\4\0\0\0WEBP", 12);
	assert_true(image_has_markup((const uint8_t *)"xx<ScRiPt>", 10));
	assert_true(image_has_markup((const uint8_t *)"JavaScript:alert", 16));
	assert_false(image_has_markup((const uint8_t *)"<x:xmpmeta>", 11));
	assert_false(image_has_markup((const uint8_t *)"<scrip", 6));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(crc_matches_reference),
	    cmocka_unit_test(jpeg_valid_unchanged),
	    cmocka_unit_test(jpeg_metadata_stripped),
	    cmocka_unit_test(jpeg_bad),
	    cmocka_unit_test(png_valid_and_stripped),
	    cmocka_unit_test(png_bad),
	    cmocka_unit_test(webp_valid),
	    cmocka_unit_test(webp_metadata_stripped),
	    cmocka_unit_test(webp_bad),
	    cmocka_unit_test(not_images),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
