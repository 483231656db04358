/* The session cache (src/domain/session_cache.h) against FerretDB/MongoDB
 * (SWMRA_TEST_MONGO_URI), with real processes that share nothing but the database, as
 * workers of different machines do: each checks a signed-in session in a loop with its
 * own client and cache, then one more process revokes the token / disables the account /
 * changes the password / demotes the user. Every checker must see the change within 2 s,
 * and while nothing changes a warm check sends (almost) no store command: at most one
 * generation poll per second, where the old session check made two commands per request. */
#include "itutil.h"

#include <stdio.h>
#include <time.h>

#include "domain/auth.h"
#include "domain/session_cache.h"
#include "domain/internal/users_store.h"
#include "infra/db.h"
#include "infra/runtime.h"
#include "infra/timeutil.h"

#define CHECKERS 4
#define LIMIT_MS 2000

/* Child exit codes besides the elapsed time in 50 ms units (0..40). */
#define CHILD_NOT_READY	 100 /* the session was not OK before the change */
#define CHILD_TOO_CHATTY 101 /* warm checks sent more commands than the poll allows */
#define CHILD_TOO_SLOW	 102 /* the change was not seen within LIMIT_MS */
#define CHILD_START	 103

enum change { CH_LOGOUT, CH_DISABLE, CH_PASSWORD, CH_DEMOTE };

static struct auth_claims claims;
static bson_oid_t uid;
static char uid_hex[25];

static int64_t mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* What a checker sees: 1 when the change has arrived, 0 not yet, -1 error. */
static int changed(enum change ch)
{
	struct user u;
	struct derr err;
	enum auth_session s = auth_session_check(&claims, &u, &err);
	if (s == AUTH_SESSION_DB_ERROR)
		return -1;
	if (s == AUTH_SESSION_INVALID)
		return ch == CH_DEMOTE ? -1 : 1;
	int r = ch == CH_DEMOTE && strcmp(u.role, "citizen") == 0;
	users_clear(&u);
	return r;
}

static int checker(enum change ch, int ready_fd, int go_fd)
{
	if (itu_start("test_session_cache") < 0)
		return CHILD_START;
	/* warm: the first checks load the cache */
	if (changed(ch) != 0 || changed(ch) != 0)
		return CHILD_NOT_READY;
	/* 1.5 s of checks every 10 ms: at most two generation polls */
	db_trace_reset();
	int64_t t0 = mono_ms();
	while (mono_ms() - t0 < 1500) {
		if (changed(ch) != 0)
			return CHILD_NOT_READY;
		usleep(10 * 1000);
	}
	if (db_trace_count() > 2)
		return CHILD_TOO_CHATTY;
	char c = 1;
	if (write(ready_fd, &c, 1) != 1 || read(go_fd, &c, 1) != 0)
		return CHILD_START;
	/* the change is stored: how long until this process sees it */
	int64_t t1 = mono_ms();
	for (;;) {
		int r = changed(ch);
		int64_t el = mono_ms() - t1;
		if (r == 1)
			return (int)(el / 50);
		if (r < 0 || el > LIMIT_MS)
			return CHILD_TOO_SLOW;
		usleep(10 * 1000);
	}
}

static void apply(enum change ch)
{
	struct derr err;
	struct user_patch p = {0};
	struct oid id = itu_oid(&uid);
	switch (ch) {
	case CH_LOGOUT: assert_true(auth_revoke(claims.jti, uid_hex, claims.exp, &err)); return;
	case CH_DISABLE: p.set_disabled = p.disabled = true; break;
	case CH_PASSWORD:
		p.password_hash = "$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHQ$aGFzaA";
		p.tokens_valid_after = (int64_t)time(NULL) + 1;
		p.keep_jti = "another-session";
		break;
	case CH_DEMOTE: p.role = "citizen"; break;
	}
	assert_int_equal(users_update(&id, &p, &err), USERS_OK);
}

static void race(enum change ch, const char *role)
{
	char email[64];
	snprintf(email, sizeof(email), "s%d-%ld@example.com", (int)ch, (long)time(NULL));
	itu_make_user("Session", email, "+91 98765 43210", "$argon2id$x", role, &uid, uid_hex);
	char *t = auth_issue_token(uid_hex, role, &claims);
	assert_non_null(t);
	free(t);

	int ready[2], go[2];
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	runtime_shutdown(); /* no client may cross a fork */
	pid_t kids[CHECKERS];
	for (int i = 0; i < CHECKERS; i++) {
		fflush(NULL);
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			close(ready[0]);
			close(go[1]);
			int r = checker(ch, ready[1], go[0]);
			runtime_shutdown();
			_exit(r);
		}
	}
	close(ready[1]);
	close(go[0]);
	assert_int_equal(itu_start("test_session_cache"), 0);
	char c;
	int n = 0;
	while (n < CHECKERS && read(ready[0], &c, 1) == 1)
		n++;
	apply(ch); /* stored (and announced) before the checkers start their clocks */
	close(go[1]);
	for (int i = 0; i < CHECKERS; i++) {
		int st;
		assert_int_equal(waitpid(kids[i], &st, 0), kids[i]);
		assert_true(WIFEXITED(st));
		int code = WEXITSTATUS(st);
		fprintf(stderr, "# change %d, checker %d: %s %d\n", (int)ch, i,
			code < 100 ? "seen after ~ms" : "failed with",
			code < 100 ? code * 50 : code);
		assert_true(code < 100);
	}
	close(ready[0]);
}

static void logout_reaches_every_process(void **state)
{
	(void)state;
	race(CH_LOGOUT, "citizen");
}

static void disable_reaches_every_process(void **state)
{
	(void)state;
	race(CH_DISABLE, "citizen");
}

static void password_change_reaches_every_process(void **state)
{
	(void)state;
	race(CH_PASSWORD, "citizen");
}

static void demotion_reaches_every_process(void **state)
{
	(void)state;
	race(CH_DEMOTE, "staff");
}

static int setup(void **state)
{
	(void)state;
	return itu_open("session_cache", "test_session_cache");
}

static int teardown(void **state)
{
	(void)state;
	itu_drop();
	return 0;
}

int main(void)
{
	if (!itu_have_mongo())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(logout_reaches_every_process),
	    cmocka_unit_test(disable_reaches_every_process),
	    cmocka_unit_test(password_change_reaches_every_process),
	    cmocka_unit_test(demotion_reaches_every_process),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
