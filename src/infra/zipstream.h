/* A ZIP archive written front to back through a callback (libarchive's zip writer), so
 * an archive of any size leaves the process as it is made: entries whose size is not
 * known in advance carry a data descriptor after their data. */
#ifndef SWMRA_ZIPSTREAM_H
#define SWMRA_ZIPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where the archive's bytes go: returns false to abort the archive. */
typedef bool (*zipstream_sink)(void *ctx, const void *buf, size_t len);

struct zipstream;

/* A new archive writing to `sink`; NULL when out of memory. */
struct zipstream *zipstream_open(zipstream_sink sink, void *ctx);
/* Starts entry `name` (a relative path) modified at `mtime` (seconds); `size` is its
 * length, or -1 when unknown. */
bool zipstream_entry(struct zipstream *z, const char *name, int64_t size, int64_t mtime);
/* Appends data to the current entry. */
bool zipstream_write(struct zipstream *z, const void *buf, size_t len);
/* Finishes the archive (central directory) and frees it; false when anything failed. */
bool zipstream_close(struct zipstream *z);
/* Frees without finishing (after a failure). */
void zipstream_abort(struct zipstream *z);

#endif
