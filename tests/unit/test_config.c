#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "domain/rewards.h"
#include "infra/config.h"
#include "infra/timeutil.h"

static const char *const managed[] = {"APP_ENV",
				      "JWT_SECRET",
				      "WORKERS",
				      "ENABLE_SMS",
				      "MONGO_URI",
				      "LOG_LEVEL",
				      "SMTP_PORT",
				      "REWARD_POINTS",
				      "CORS_ORIGINS",
				      "SLOT_BOOKING_WINDOW_DAYS",
				      "TEST_NOW_OFFSET",
				      "UPLOAD_LINK_SECRET",
				      "STORAGE_BACKEND",
				      "S3_ENDPOINT",
				      "S3_BUCKET",
				      "S3_ACCESS_KEY",
				      "S3_SECRET_KEY",
				      "CANCEL_MIN_HOURS",
				      NULL};

static int reset(void **state)
{
	(void)state;
	for (const char *const *v = managed; *v; v++)
		unsetenv(*v);
	return 0;
}

static char *write_env(const char *text)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/swmra-test-env-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void defaults_load(void **state)
{
	(void)state;
	char err[256];
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	const struct config *c = config_get();
	assert_string_equal(c->app_env, "development");
	assert_int_equal(c->workers, 4);
	assert_int_equal(c->jwt_expire_min, 60);
	assert_false(c->enable_sms);
	assert_string_equal(c->service_tz, "Asia/Kolkata");
	assert_int_equal(c->slot_booking_window_days, 60);
}

static void booking_window_range(void **state)
{
	(void)state;
	char err[256];
	const char *bad[] = {"0", "367", "-1", "sixty"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("SLOT_BOOKING_WINDOW_DAYS", bad[i], 1);
		assert_int_equal(config_load("", err, sizeof(err)), -1);
		assert_non_null(strstr(err, "SLOT_BOOKING_WINDOW_DAYS"));
	}
	setenv("SLOT_BOOKING_WINDOW_DAYS", "1", 1);
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	assert_int_equal(config_get()->slot_booking_window_days, 1);
	setenv("SLOT_BOOKING_WINDOW_DAYS", "366", 1);
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	assert_int_equal(config_get()->slot_booking_window_days, 366);
	unsetenv("SLOT_BOOKING_WINDOW_DAYS");
}

static void env_overrides_file(void **state)
{
	(void)state;
	char *p = write_env("# comment\nWORKERS=8\nexport SMTP_PORT=2525\nENABLE_SMS=\"true\"\n");
	setenv("WORKERS", "3", 1);
	char err[256];
	assert_int_equal(config_load(p, err, sizeof(err)), 0);
	assert_int_equal(config_get()->workers, 3);	 /* environment wins */
	assert_int_equal(config_get()->smtp_port, 2525); /* from the file */
	assert_true(config_get()->enable_sms);
	unlink(p);
}

static void bad_int_names_variable(void **state)
{
	(void)state;
	setenv("WORKERS", "many", 1);
	char err[256];
	assert_int_equal(config_load("", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "WORKERS"));
	setenv("WORKERS", "0", 1);
	assert_int_equal(config_load("", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "WORKERS"));
	assert_non_null(strstr(err, "outside"));
}

static void bad_bool_and_enum(void **state)
{
	(void)state;
	char err[256];
	setenv("ENABLE_SMS", "maybe", 1);
	assert_int_equal(config_load("", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ENABLE_SMS"));
	unsetenv("ENABLE_SMS");
	setenv("LOG_LEVEL", "loud", 1);
	assert_int_equal(config_load("", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "LOG_LEVEL"));
}

static void failed_load_keeps_previous(void **state)
{
	(void)state;
	char err[256];
	setenv("WORKERS", "7", 1);
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	setenv("WORKERS", "x", 1);
	assert_int_equal(config_load("", err, sizeof(err)), -1);
	assert_int_equal(config_get()->workers, 7);
}

static void production_refuses_dev_secret(void **state)
{
	(void)state;
	char err[256];
	setenv("APP_ENV", "production", 1);
	assert_int_equal(config_load("", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "JWT_SECRET"));
	assert_non_null(strstr(err, "development default"));
	setenv("JWT_SECRET", "short-but-not-default-secret", 1);
	assert_int_equal(config_load("", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "32 bytes"));
	setenv("JWT_SECRET", "0123456789abcdef0123456789abcdef-prod", 1);
	/* issue 15: the photo link secret (shared with nginx) follows the same rule */
	assert_int_equal(config_load("", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "UPLOAD_LINK_SECRET"));
	setenv("UPLOAD_LINK_SECRET", "short-link-secret-20", 1);
	assert_int_equal(config_load("", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "UPLOAD_LINK_SECRET"));
	setenv("UPLOAD_LINK_SECRET", "0123456789abcdef0123456789abcdef-link", 1);
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	assert_true(config_is_production());
}

/* Issue 15: STORAGE_BACKEND=s3 needs its whole block; the link secret must be safe to write
 * into the nginx configuration. */
static void storage_settings_checked(void **state)
{
	(void)state;
	char err[256];
	setenv("STORAGE_BACKEND", "s3", 1);
	assert_int_equal(config_load("", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "S3_ENDPOINT"));
	setenv("S3_ENDPOINT", "ftp://store", 1);
	setenv("S3_BUCKET", "photos", 1);
	setenv("S3_ACCESS_KEY", "ak", 1);
	setenv("S3_SECRET_KEY", "sk", 1);
	assert_int_equal(config_load("", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "S3_ENDPOINT"));
	setenv("S3_ENDPOINT", "http://127.0.0.1:8333", 1);
	setenv("S3_BUCKET", "Bad_Bucket", 1);
	assert_int_equal(config_load("", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "S3_BUCKET"));
	setenv("S3_BUCKET", "photos", 1);
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	assert_string_equal(config_get()->storage_backend, "s3");
	assert_true(config_get()->s3_path_style);
	assert_int_equal(config_get()->upload_link_ttl, 3600);
	setenv("UPLOAD_LINK_SECRET", "a-secret-with-a-quote-\"-in-it", 1);
	assert_int_equal(config_load("", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "UPLOAD_LINK_SECRET"));
	setenv("STORAGE_BACKEND", "nfs", 1);
	assert_int_equal(config_load("", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "STORAGE_BACKEND"));
}

static void missing_explicit_file_is_error(void **state)
{
	(void)state;
	char err[256];
	assert_int_equal(config_load("/nonexistent/swmra.env", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/swmra.env"));
}

static void malformed_file_line(void **state)
{
	(void)state;
	char *p = write_env("WORKERS=2\nthis line has no equals\n");
	char err[256];
	assert_int_equal(config_load(p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2:"));
	unlink(p);
}

/* A line longer than the old 4 KiB read buffer: its tail used to be parsed as a line of
 * its own, so a long comment ending in "WORKERS=7" set WORKERS. */
static void long_lines_stay_whole(void **state)
{
	(void)state;
	size_t n = 10000;
	char *text = malloc(n + 64);
	memset(text, '#', n);
	strcpy(text + n, " WORKERS=7\nJWT_SECRET=");
	char *p = write_env(text);
	FILE *f = fopen(p, "a");
	for (int i = 0; i < 5000; i++)
		fputc('k', f);
	fputs("\n", f);
	fclose(f);
	char err[256];
	assert_int_equal(config_load(p, err, sizeof(err)), 0);
	assert_int_equal(config_get()->workers, 4);
	assert_int_equal(strlen(config_get()->jwt_secret), 5000);
	unlink(p);
	free(text);
}

static void bad_mongo_uri(void **state)
{
	(void)state;
	char err[256];
	setenv("MONGO_URI", "postgres://x", 1);
	assert_int_equal(config_load("", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "MONGO_URI"));
}

static void reward_table_and_cors(void **state)
{
	(void)state;
	char err[256];
	setenv("REWARD_POINTS", "recyclable=7,e-waste=12", 1);
	setenv("CORS_ORIGINS", "http://a.example, http://b.example", 1);
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	assert_int_equal(rewards_points("recyclable"), 7);
	assert_int_equal(rewards_points("e-waste"), 12);
	assert_int_equal(rewards_points("hazardous"), 0);
	assert_int_equal(rewards_points("e"), 0);
	assert_true(config_cors_allowed("http://b.example"));
	assert_false(config_cors_allowed("http://c.example"));
	assert_false(config_cors_allowed("http://a.exampl"));
	assert_false(config_cors_allowed(NULL));
}

/* Issue 14 §6: REWARD_POINTS is checked and parsed once at load; a bad table refuses the
 * load (naming the variable) and keeps the previous table. */
static void reward_points_checked_at_load(void **state)
{
	(void)state;
	char err[256];
	setenv("REWARD_POINTS", " recyclable = 7 , e-waste=0,hazardous=100000 ", 1);
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	assert_int_equal(rewards_points("recyclable"), 7);
	assert_int_equal(rewards_points("e-waste"), 0);
	assert_int_equal(rewards_points("hazardous"), 100000);
	assert_int_equal(rewards_points("organic"), 0);
	const char *bad[] = {"recyclable",
			     "recyclable=",
			     "recyclable=five",
			     "recyclable=-5",
			     "recyclable=100001",
			     "recycle=5",
			     "recyclable=5,",
			     ",recyclable=5",
			     "recyclable=5,recyclable=6",
			     "=5",
			     "recyclable=5=5",
			     "recyclable=99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("REWARD_POINTS", bad[i], 1);
		err[0] = '\0';
		assert_int_equal(config_load("", err, sizeof(err)), -1);
		assert_non_null(strstr(err, "REWARD_POINTS"));
		assert_int_equal(rewards_points("recyclable"), 7); /* the previous table */
	}
	setenv("REWARD_POINTS", "", 1); /* no rewards */
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	assert_int_equal(rewards_points("recyclable"), 0);
	unsetenv("REWARD_POINTS"); /* the default table */
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	assert_int_equal(rewards_points("recyclable"), 5);
	assert_int_equal(rewards_points("e-waste"), 10);
}

/* Issue 14 §6: CORS_ORIGINS holds origins only; anything else refuses the load. */
static void cors_origins_checked_at_load(void **state)
{
	(void)state;
	char err[256];
	const char *good[] = {"",
			      "  ",
			      "https://app.example.org",
			      "http://localhost:5173, http://127.0.0.1:5173",
			      "http://x:65535",
			      "http://[::1]:8080,https://a-b.example:443"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		setenv("CORS_ORIGINS", good[i], 1);
		assert_int_equal(config_load("", err, sizeof(err)), 0);
	}
	assert_true(config_cors_allowed("https://a-b.example:443")); /* the last list */
	const char *bad[] = {"https://app.example.org/",
			     "https://app.example.org/path",
			     "app.example.org",
			     "ftp://app.example.org",
			     "*",
			     "https://",
			     "https://a.example:0",
			     "https://a.example:65536",
			     "https://a.example:",
			     "https://a.example:80x",
			     "https://user@a.example",
			     "https://a.example?x=1",
			     "https://a.example,,https://b.example",
			     "https://a.example,",
			     "https://[::1",
			     "https://-a.example"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("CORS_ORIGINS", bad[i], 1);
		err[0] = '\0';
		assert_int_equal(config_load("", err, sizeof(err)), -1);
		assert_non_null(strstr(err, "CORS_ORIGINS"));
		assert_true(config_cors_allowed("https://a-b.example:443")); /* kept */
	}
}

/* The modules' variables are read with the service-wide ones, each name exactly once. */
struct name_count {
	const char *name;
	int n;
};

static void count_name(const char *name, const char *value, const char *def, void *ctx)
{
	(void)value;
	(void)def;
	for (struct name_count *w = ctx; w->name; w++)
		if (strcmp(w->name, name) == 0)
			w->n++;
}

static void module_variables_listed_once(void **state)
{
	(void)state;
	char err[256];
	/* a module's variable is checked like any other: a bad one names itself */
	setenv("CANCEL_MIN_HOURS", "721", 1);
	assert_int_equal(config_load("", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "CANCEL_MIN_HOURS"));
	unsetenv("CANCEL_MIN_HOURS");
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	assert_int_equal(config_get()->cancel_min_hours, 24);
	struct name_count want[] = {{"APP_ENV", 0},	     {"REWARD_POINTS", 0},
				    {"CORS_ORIGINS", 0},     {"REFRESH_DAYS", 0},
				    {"DISPATCH_BATCH", 0},   {"EXPORT_PER_HOUR", 0},
				    {"UPLOAD_MAX_BYTES", 0}, {NULL, 0}};
	config_each(count_name, want);
	for (struct name_count *w = want; w->name; w++)
		assert_int_equal(w->n, 1);
}

/* Issue 12 §6: a test stack's clock can be shifted, and only a test stack's. */
static void test_now_offset_only_in_test(void **state)
{
	(void)state;
	char err[256];
	int64_t real = time_now_ms();
	setenv("TEST_NOW_OFFSET", "86400", 1);
	const char *envs[] = {"development", "production"};
	for (size_t i = 0; i < 2; i++) {
		setenv("APP_ENV", envs[i], 1);
		setenv("JWT_SECRET", "0123456789abcdef0123456789abcdef-prod", 1);
		setenv("UPLOAD_LINK_SECRET", "0123456789abcdef0123456789abcdef-link", 1);
		assert_int_equal(config_load("", err, sizeof(err)), -1);
		assert_non_null(strstr(err, "TEST_NOW_OFFSET"));
		assert_true(time_now_ms() - real < 60000); /* refused: the clock is untouched */
	}
	setenv("APP_ENV", "test", 1);
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	assert_int_equal(config_get()->test_now_offset, 86400);
	int64_t shifted = time_now_ms() - real;
	assert_true(shifted >= 86400000 && shifted < 86400000 + 60000);
	setenv("TEST_NOW_OFFSET", "-7200", 1);
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	shifted = time_now_ms() - real;
	assert_true(shifted >= -7200000 && shifted < -7200000 + 60000);
	/* 0 is the default and fine anywhere; a reload back to it restores real time */
	unsetenv("TEST_NOW_OFFSET");
	setenv("APP_ENV", "production", 1);
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	assert_true(time_now_ms() - real < 60000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(defaults_load, reset),
	    cmocka_unit_test_setup(storage_settings_checked, reset),
	    cmocka_unit_test_setup(test_now_offset_only_in_test, reset),
	    cmocka_unit_test_setup(booking_window_range, reset),
	    cmocka_unit_test_setup(env_overrides_file, reset),
	    cmocka_unit_test_setup(bad_int_names_variable, reset),
	    cmocka_unit_test_setup(bad_bool_and_enum, reset),
	    cmocka_unit_test_setup(failed_load_keeps_previous, reset),
	    cmocka_unit_test_setup(production_refuses_dev_secret, reset),
	    cmocka_unit_test_setup(missing_explicit_file_is_error, reset),
	    cmocka_unit_test_setup(malformed_file_line, reset),
	    cmocka_unit_test_setup(long_lines_stay_whole, reset),
	    cmocka_unit_test_setup(bad_mongo_uri, reset),
	    cmocka_unit_test_setup(reward_table_and_cors, reset),
	    cmocka_unit_test_setup(reward_points_checked_at_load, reset),
	    cmocka_unit_test_setup(cors_origins_checked_at_load, reset),
	    cmocka_unit_test_setup(module_variables_listed_once, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
