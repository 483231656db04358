/* Private photo links: PUBLIC_BASE_URL/uploads/<path>?md5=<sig>&expires=<unix time>, the
 * form nginx's secure_link module checks by itself (secure_link_md5
 * "$secure_link_expires/uploads/<path> <UPLOAD_LINK_SECRET>"), so serving a photo never
 * asks the API whether the link is good. A link is bound to one file and expires after at
 * most UPLOAD_LINK_TTL seconds. Hand links only to the photo's owner and to staff. */
#ifndef SWMRA_UPLOAD_LINKS_H
#define SWMRA_UPLOAD_LINKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A fresh link to the stored upload `relpath` ("YYYY/MM/<name>.<ext>"), valid from now
 * for UPLOAD_LINK_TTL seconds, rounded down to a tenth of the TTL so that reads close
 * together give the same URL (the browser's cache keeps working). Malloc'd; NULL only when
 * out of memory. */
char *upload_link_url(const char *relpath);
/* The same for an explicit expiry (unix seconds) and secret; for tests. */
char *upload_link_make(const char *base_url, const char *relpath, int64_t expires,
		       const char *secret);
/* Whether `query` (the text after '?' of a link) has exactly the form this module writes:
 * "md5=<22 base64url>&expires=<digits>". The signature is not checked: only nginx needs to. */
bool upload_link_query_ok(const char *query);

#endif
