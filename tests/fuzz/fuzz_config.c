/* libFuzzer target for the .env parser of src/infra/config.c: the input is written to a
 * temporary file and loaded with config_load() (no variable of the table is set in the
 * environment, so every value comes from the file or the defaults). Properties: no crash
 * or leak; a failed load names the problem and keeps the previous configuration; a
 * successful one satisfies the checks config_load promises. Build and run:
 * tests/fuzz/run.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domain/rewards.h"
#include "infra/config.h"
#include "infra/jwt_keys.h"

static char path[] = "/tmp/swmra-fuzz-env-XXXXXX";

static void unset_one(const char *name, const char *value, const char *def, void *ctx)
{
	(void)value;
	(void)def;
	(void)ctx;
	unsetenv(name);
}

static void remove_file(void)
{
	unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	config_each(unset_one, NULL);
	int fd = mkstemp(path);
	if (fd < 0)
		abort();
	close(fd);
	atexit(remove_file);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	const struct config before = *config_get();
	char err[512];
	err[0] = '\0';
	if (config_load(path, err, sizeof(err)) < 0) {
		const struct config *c = config_get();
		if (!err[0] || c->jwt_secret != before.jwt_secret ||
		    c->mongo_uri != before.mongo_uri || c->workers != before.workers)
			abort();
		return 0;
	}
	const struct config *c = config_get();
	/* the signing keys (JWT_SECRET alone, or the ring of JWT_KEYS/JWT_KEYS_FILE, which
	 * then replaces it) follow the secret rules: 16 bytes, 32 in production */
	const struct jwt_ring *ring = jwt_keys();
	if (ring->n < 1 || ring->n > JWT_KEYS_MAX)
		abort();
	for (size_t i = 0; i < ring->n; i++)
		if (ring->keys[i].len < JWT_KEY_MIN ||
		    (config_is_production() && ring->keys[i].len < JWT_KEY_MIN_PROD))
			abort();
	if (strncmp(c->mongo_uri, "mongodb", 7) != 0 || !c->mongo_db[0] ||
	    strpbrk(c->mongo_db, "/\\. \"$") || c->workers < 1 || c->workers > 256 ||
	    c->max_body_bytes < 1024 || c->jwt_expire_min < 1 ||
	    (strcmp(c->app_env, "development") && strcmp(c->app_env, "test") &&
	     strcmp(c->app_env, "production")))
		abort();
	(void)rewards_points("e-waste");
	(void)config_cors_allowed("http://localhost:5173");
	return 0;
}
