#include "infra/zipstream.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>

#include "infra/log.h"

struct zipstream {
	struct archive *a;
	zipstream_sink sink;
	void *ctx;
	bool failed;
};

/* A sink that fails (the client went away) is remembered and every later byte is dropped,
 * rather than reported to libarchive: in its fatal state, archive_write_free skips the
 * output filter's close, and Debian 12's libarchive 3.6 then leaks that filter's buffer
 * (found by LeakSanitizer). zipstream_entry/_write/_close report the failure instead. */
static la_ssize_t on_write(struct archive *a, void *cd, const void *buf, size_t len)
{
	(void)a;
	struct zipstream *z = cd;
	if (!z->failed && !z->sink(z->ctx, buf, len))
		z->failed = true;
	return (la_ssize_t)len;
}

struct zipstream *zipstream_open(zipstream_sink sink, void *ctx)
{
	struct zipstream *z = calloc(1, sizeof(*z));
	if (!z)
		return NULL;
	z->sink = sink;
	z->ctx = ctx;
	z->a = archive_write_new();
	/* no block padding: a ZIP reader needs the exact bytes; bytes go out as they come */
	if (!z->a || archive_write_set_format_zip(z->a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(z->a, 0) != ARCHIVE_OK ||
	    archive_write_open(z->a, z, NULL, on_write, NULL) != ARCHIVE_OK) {
		if (z->a)
			log_error("zip: %s", archive_error_string(z->a));
		zipstream_abort(z);
		return NULL;
	}
	return z;
}

bool zipstream_entry(struct zipstream *z, const char *name, int64_t size, int64_t mtime)
{
	struct archive_entry *e = archive_entry_new();
	if (!e)
		return false;
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_mtime(e, (time_t)mtime, 0);
	if (size >= 0)
		archive_entry_set_size(e, size);
	bool ok = archive_write_header(z->a, e) == ARCHIVE_OK;
	if (!ok)
		log_error("zip entry %s: %s", name, archive_error_string(z->a));
	archive_entry_free(e);
	return ok && !z->failed;
}

bool zipstream_write(struct zipstream *z, const void *buf, size_t len)
{
	if (z->failed)
		return false;
	if (!len)
		return true;
	return archive_write_data(z->a, buf, len) == (la_ssize_t)len && !z->failed;
}

bool zipstream_close(struct zipstream *z)
{
	bool ok = archive_write_close(z->a) == ARCHIVE_OK && !z->failed;
	archive_write_free(z->a);
	free(z);
	return ok;
}

void zipstream_abort(struct zipstream *z)
{
	if (!z)
		return;
	if (z->a)
		archive_write_free(z->a);
	free(z);
}
