/* Object storage: local directory or S3-compatible bucket. See objstore.h. */
#include "infra/objstore.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "infra/config.h"
#include "infra/httpc.h"
#include "infra/log.h"

enum objstore_backend objstore_configured(void)
{
	return strcmp(config_get()->storage_backend, "s3") == 0 ? OBJSTORE_S3 : OBJSTORE_LOCAL;
}

const char *objstore_backend_name(enum objstore_backend b)
{
	return b == OBJSTORE_S3 ? "s3" : "local";
}

/* Keys are relative paths of safe characters; anything else never reaches a file name or
 * a URL. */
static bool key_ok(const char *key)
{
	if (!key || !key[0] || key[0] == '/' || strlen(key) > 512)
		return false;
	if (strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/") !=
	    strlen(key))
		return false;
	return !strstr(key, "..") && !strstr(key, "//") && key[strlen(key) - 1] != '/';
}

/* ------------------------------------------------------------------ local directory */

/* UPLOAD_DIR + "/" + rel into buf; false when too long. */
static bool local_join(char *buf, size_t n, const char *rel)
{
	const char *ud = config_get()->upload_dir;
	size_t udl = strlen(ud);
	while (udl > 1 && ud[udl - 1] == '/')
		udl--;
	return (size_t)snprintf(buf, n, "%.*s/%s", (int)udl, ud, rel) < n;
}

/* mkdir -p of `dir` (absolute or relative), each created directory 0755 whatever the
 * umask, so nginx's worker user can traverse it. */
static int mkdir_p(const char *dir)
{
	char buf[4096];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		char c = buf[i];
		buf[i] = '\0';
		if (mkdir(buf, 0755) == 0) {
			if (chmod(buf, 0755) != 0)
				return -1;
		} else if (errno != EEXIST) {
			return -1;
		}
		buf[i] = c;
	}
	struct stat st;
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Writes `data` to `dst` through a temporary file in the same directory: create
 * exclusively (0644), write, fsync, link() into place (EEXIST when taken: create-new),
 * fsync the directory. */
static enum objstore_result local_put(const char *key, const uint8_t *data, size_t len)
{
	char dst[4200], dir[4200], tmp[4300];
	if (!local_join(dst, sizeof(dst), key))
		return OBJSTORE_ERROR;
	snprintf(dir, sizeof(dir), "%s", dst);
	*strrchr(dir, '/') = '\0';
	unsigned char r[8];
	char rhex[17];
	randombytes_buf(r, sizeof(r));
	sodium_bin2hex(rhex, sizeof(rhex), r, sizeof(r));
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%s", dir, rhex);
	if (mkdir_p(dir) != 0) {
		log_error("objstore: creating %s failed: %s", dir, strerror(errno));
		return OBJSTORE_ERROR;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		log_error("objstore: creating %s failed: %s", tmp, strerror(errno));
		return OBJSTORE_ERROR;
	}
	bool ok = fchmod(fd, 0644) == 0 && write_all(fd, data, len) == 0 && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	int e = errno;
	bool taken = false;
	if (ok && link(tmp, dst) != 0) {
		e = errno;
		taken = e == EEXIST;
		/* a filesystem without hard links (some network mounts): rename, where the
		 * 128-bit random name alone keeps the write create-new */
		ok = (e == EPERM || e == EOPNOTSUPP || e == ENOSYS) && rename(tmp, dst) == 0;
		e = ok ? 0 : e;
	}
	unlink(tmp);
	if (!ok) {
		if (!taken)
			log_error("objstore: writing %s failed: %s", dst, strerror(e));
		return taken ? OBJSTORE_EXISTS : OBJSTORE_ERROR;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return OBJSTORE_OK;
}

static enum objstore_result local_get(const char *key, size_t max, uint8_t **data, size_t *len)
{
	char path[4200];
	if (!local_join(path, sizeof(path), key))
		return OBJSTORE_ERROR;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? OBJSTORE_NOT_FOUND : OBJSTORE_ERROR;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		close(fd);
		return OBJSTORE_ERROR;
	}
	uint8_t *buf = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (buf && got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (!buf || got != (size_t)st.st_size) {
		free(buf);
		return OBJSTORE_ERROR;
	}
	*data = buf;
	*len = got;
	return OBJSTORE_OK;
}

/* ------------------------------------------------------------------ S3 */

/* The object's URL: path style endpoint/bucket/key, or virtual-hosted
 * scheme://bucket.host/key. Malloc'd. */
static char *s3_url(const char *key)
{
	const struct config *c = config_get();
	size_t el = strlen(c->s3_endpoint);
	while (el > 0 && c->s3_endpoint[el - 1] == '/')
		el--;
	size_t n = el + strlen(c->s3_bucket) + strlen(key) + 8;
	char *url = malloc(n);
	if (!url)
		return NULL;
	if (c->s3_path_style) {
		snprintf(url, n, "%.*s/%s/%s", (int)el, c->s3_endpoint, c->s3_bucket, key);
	} else {
		const char *host = strstr(c->s3_endpoint, "://") + 3; /* validated by config */
		int sl = (int)(host - c->s3_endpoint);
		snprintf(url, n, "%.*s%s.%.*s/%s", sl, c->s3_endpoint, c->s3_bucket,
			 (int)(el - (size_t)sl), host, key);
	}
	return url;
}

struct s3_call {
	const char *method; /* GET, PUT, HEAD, DELETE */
	const char *key;
	const uint8_t *body; /* PUT */
	size_t body_len;
	const char *content_type;
	size_t max; /* largest response body kept */
};

/* The headers of a signed request. The payload hash is given explicitly: libcurl 7.88 signs
 * it as given, and it does not hash a binary body by itself (its signature of a PUT is
 * refused without this). No "Expect:" to switch off 100-continue: libcurl would sign that
 * empty header without sending it, and the store refuses the signature. */
static void s3_headers(struct httpc *h, const struct s3_call *call)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	char hex[2 * crypto_hash_sha256_BYTES + 1];
	crypto_hash_sha256(digest, call->body ? call->body : (const uint8_t *)"", call->body_len);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	httpc_headerf(h, "x-amz-content-sha256: %s", hex);
	if (strcmp(call->method, "PUT") == 0) {
		httpc_headerf(h, "Content-Type: %.113s",
			      call->content_type ? call->content_type : "application/octet-stream");
		/* create-new: AWS S3, MinIO and others refuse with 412 when the key exists */
		httpc_header(h, "If-None-Match: *");
	}
}

/* One signed request. Returns the HTTP status, or 0 when the store could not be reached
 * (connection refused, timeout, TLS). The response body stays in `h` (the caller cleans it
 * up); h->overflow when it was longer than call->max plus room for an XML error. */
static long s3_perform(const struct s3_call *call, struct httpc *h)
{
	const struct config *c = config_get();
	char sigv4[160], userpwd[512];
	snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:s3", c->s3_region);
	snprintf(userpwd, sizeof(userpwd), "%s:%s", c->s3_access_key, c->s3_secret_key);
	char *url = s3_url(call->key);
	bool ready = url && httpc_init(h, url, 5000L, (long)c->s3_timeout_sec * 1000L);
	free(url);
	if (!ready)
		return 0;
	curl_easy_setopt(h->h, CURLOPT_AWS_SIGV4, sigv4);
	curl_easy_setopt(h->h, CURLOPT_USERPWD, userpwd);
	httpc_protocols(h, "http,https");
	httpc_capture(h, call->max + 4096, true);
	s3_headers(h, call);
	if (strcmp(call->method, "PUT") == 0)
		/* a body given whole, not an upload callback: libcurl then hashes the payload
		 * into the signature (x-amz-content-sha256) */
		httpc_body(h, "PUT", call->body, call->body_len);
	else if (strcmp(call->method, "GET") != 0)
		httpc_method(h, call->method);
	CURLcode rc = httpc_perform(h);
	if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && h->overflow))
		return h->status;
	log_warn("objstore: %s %s: %s", call->method, call->key, curl_easy_strerror(rc));
	return 0;
}

/* Maps what every call has in common: unreachable or 5xx is UNAVAILABLE (retry later);
 * other statuses are logged with the store's own error text. */
static enum objstore_result s3_result(const struct s3_call *call, long status,
				      const struct httpc *s)
{
	if (status >= 200 && status < 300)
		return OBJSTORE_OK;
	if (status == 0 || status >= 500) {
		if (status)
			log_warn("objstore: %s %s: HTTP %ld", call->method, call->key, status);
		return OBJSTORE_UNAVAILABLE;
	}
	if (status == 404)
		return OBJSTORE_NOT_FOUND;
	if (status == 412 && strcmp(call->method, "PUT") == 0)
		return OBJSTORE_EXISTS;
	log_error("objstore: %s %s: HTTP %ld %.*s", call->method, call->key, status,
		  (int)(s->len < 300 ? s->len : 300), s->body ? s->body : "");
	return OBJSTORE_ERROR;
}

static enum objstore_result s3_call_run(const struct s3_call *call, uint8_t **data, size_t *len)
{
	struct httpc h = {.h = NULL};
	long status = s3_perform(call, &h);
	enum objstore_result r = s3_result(call, status, &h);
	if (r == OBJSTORE_OK && h.overflow) {
		log_error("objstore: %s %s: object larger than %zu bytes", call->method, call->key,
			  call->max);
		r = OBJSTORE_ERROR;
	}
	if (r == OBJSTORE_OK && data) {
		*data = (uint8_t *)httpc_take_body(&h, len);
		if (!*data)
			r = OBJSTORE_ERROR;
	}
	httpc_cleanup(&h);
	return r;
}

/* ------------------------------------------------------------------ public */

enum objstore_result objstore_put_new(enum objstore_backend b, const char *key, const uint8_t *data,
				      size_t len, const char *content_type)
{
	if (!key_ok(key))
		return OBJSTORE_ERROR;
	if (b == OBJSTORE_LOCAL)
		return local_put(key, data, len);
	struct s3_call call = {"PUT", key, data, len, content_type, 0};
	return s3_call_run(&call, NULL, NULL);
}

enum objstore_result objstore_get(enum objstore_backend b, const char *key, size_t max,
				  uint8_t **data, size_t *len)
{
	*data = NULL;
	*len = 0;
	if (!key_ok(key))
		return OBJSTORE_NOT_FOUND;
	if (b == OBJSTORE_LOCAL)
		return local_get(key, max, data, len);
	struct s3_call call = {"GET", key, NULL, 0, NULL, max};
	return s3_call_run(&call, data, len);
}

enum objstore_result objstore_exists(enum objstore_backend b, const char *key)
{
	if (!key_ok(key))
		return OBJSTORE_NOT_FOUND;
	if (b == OBJSTORE_LOCAL) {
		char path[4200];
		struct stat st;
		if (!local_join(path, sizeof(path), key))
			return OBJSTORE_ERROR;
		if (stat(path, &st) == 0)
			return OBJSTORE_OK;
		return errno == ENOENT ? OBJSTORE_NOT_FOUND : OBJSTORE_ERROR;
	}
	struct s3_call call = {"HEAD", key, NULL, 0, NULL, 0};
	return s3_call_run(&call, NULL, NULL);
}

enum objstore_result objstore_delete(enum objstore_backend b, const char *key)
{
	if (!key_ok(key))
		return OBJSTORE_ERROR;
	if (b == OBJSTORE_LOCAL) {
		char path[4200];
		if (!local_join(path, sizeof(path), key))
			return OBJSTORE_ERROR;
		return unlink(path) == 0 || errno == ENOENT ? OBJSTORE_OK : OBJSTORE_ERROR;
	}
	struct s3_call call = {"DELETE", key, NULL, 0, NULL, 0};
	enum objstore_result r = s3_call_run(&call, NULL, NULL);
	return r == OBJSTORE_NOT_FOUND ? OBJSTORE_OK : r;
}
