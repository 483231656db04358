/* The one libcurl client of the service: mail (SMTP), SMS, nchan publishing (HTTP over a
 * unix socket), web push and the S3 object store all send through it. One place for the
 * handle's defaults (no signals, bounded connect and total time, no redirects, only the
 * protocols asked for), the error text, the response capture with a size cap, the address
 * guard, and the release of everything.
 *
 * Use: httpc_init, the setters a call needs (or curl_easy_setopt on c.h for what is its
 * own, e.g. SMTP's MAIL_FROM or S3's SigV4), httpc_perform, httpc_cleanup. */
#ifndef SWMRA_HTTPC_H
#define SWMRA_HTTPC_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Decides whether a connection to `sa` (the resolved address about to be connected) may be
 * opened. Called for every address libcurl tries, so it sees the address actually
 * connected to, not the name in the URL (DNS rebinding cannot get around it). */
typedef bool (*httpc_guard_fn)(const struct sockaddr *sa, void *ud);

struct httpc {
	CURL *h;
	struct curl_slist *hdrs;
	char ebuf[CURL_ERROR_SIZE];
	/* the response body: NUL-terminated, at most `cap` bytes kept (the rest is dropped,
	 * or the transfer fails with `overflow` set when fail_on_overflow) */
	char *body;
	size_t len, cap;
	bool overflow, fail_on_overflow;
	/* the upload (httpc_upload) */
	const char *up;
	size_t up_left;
	/* the guard (httpc_guard) */
	httpc_guard_fn guard;
	void *guard_ud;
	bool refused;
	long status; /* the last response code (HTTP status or SMTP reply), 0 when none */
};

/* Sets up `c` for `url`: no signals, connect at most connect_ms, everything at most
 * total_ms, redirects not followed, the response kept up to 4 KiB (httpc_capture changes
 * it). Returns false (with c->ebuf set) when libcurl has no handle; httpc_cleanup is safe
 * either way. */
bool httpc_init(struct httpc *c, const char *url, long connect_ms, long total_ms);

/* Only these protocols, comma separated ("http,https", "https"), for the URL and never
 * anything else. */
void httpc_protocols(struct httpc *c, const char *protocols);

/* Connects to the unix socket at `path` instead of the URL's host (nchan's publisher). */
void httpc_unix_socket(struct httpc *c, const char *path);

/* Adds a request header line ("Name: value"; "Name:" removes a default header). */
void httpc_header(struct httpc *c, const char *line);
void httpc_headerf(struct httpc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sends `len` bytes of `body` (not copied: it must live until httpc_perform returns) with
 * `method` ("POST", "PUT", ...). */
void httpc_body(struct httpc *c, const char *method, const void *body, size_t len);

/* A request without a body: "HEAD" (no response body read), "DELETE", ... */
void httpc_method(struct httpc *c, const char *method);

/* Streams `len` bytes of `data` as an upload (SMTP's message). Not copied either. */
void httpc_upload(struct httpc *c, const char *data, size_t len);

/* Keeps at most `cap` bytes of the response. With fail_on_overflow, a longer response ends
 * the transfer (CURLE_WRITE_ERROR, c->overflow); otherwise the rest is read and dropped. */
void httpc_capture(struct httpc *c, size_t cap, bool fail_on_overflow);

/* Opens a connection only when guard(address, ud) allows it; a refusal ends the transfer
 * with c->refused set. */
void httpc_guard(struct httpc *c, httpc_guard_fn guard, void *ud);

/* Runs the transfer; c->status gets the response code (also after an error, when one was
 * received). */
CURLcode httpc_perform(struct httpc *c);

/* The reason for `rc`: libcurl's detailed message when it gave one, else its generic text. */
const char *httpc_error(const struct httpc *c, CURLcode rc);

/* Takes the response body from `c` (malloc'd, NUL-terminated, *len bytes; never NULL
 * unless out of memory). The caller frees it. */
char *httpc_take_body(struct httpc *c, size_t *len);

/* Releases the handle, the headers and the response. */
void httpc_cleanup(struct httpc *c);

#endif
