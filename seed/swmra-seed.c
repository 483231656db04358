/* swmra-seed: loads the development data, idempotently (running it twice changes
 * nothing): the dev-only accounts below, then the steps other modules register in
 * `seed_steps` (slot templates, ...). Refuses APP_ENV=production: the seed password is
 * public.
 *
 * Dev accounts (password `Passw0rd!`, development and tests only):
 *   aditi@example.com  citizen
 *   staff@example.com  staff
 *   admin@example.com  admin
 *
 * Adding a step (other modules): write `int mymodule_seed(char *err, size_t errlen)` in
 * your domain module — it returns how many documents it created (0 when everything was
 * already there) or -1 with a message in err — declare it in your header, include that
 * header below and add one line to `seed_steps` between your markers. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/auth.h"
#include "domain/users.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/runtime.h"

/* seed includes: begin */
#include "domain/slots.h"
/* seed includes: end */

struct seed_step {
	const char *name;
	int (*run)(char *err, size_t errlen);
};

/* The default weekly template (Mon-Sat 09:00-21:00); an existing one is kept. Returns 1
 * when it was stored now, 0 when a template was already there. */
static int seed_slot_template(char *err, size_t errlen)
{
	struct derr berr;
	bool inserted = false;
	if (!slots_seed_default(&inserted, &berr)) {
		snprintf(err, errlen, "%s", berr.message);
		return -1;
	}
	return inserted ? 1 : 0;
}

static const struct seed_step seed_steps[] = {
    /* slots seed: begin */
    {"slot template", seed_slot_template},
    /* slots seed: end */
    /* other seeds: begin */
    /* other seeds: end */
    {NULL, NULL},
};

#define SEED_PASSWORD "Passw0rd!"

static const struct {
	const char *name, *email, *phone, *role;
} seed_users[] = {
    {"Aditi Citizen", "aditi@example.com", "+919999000000", "citizen"},
    {"Sam Staff", "staff@example.com", "+919999000001", "staff"},
    {"Asha Admin", "admin@example.com", "+919999000002", "admin"},
};

/* Returns the number of accounts created, or -1. */
static int seed_accounts(char *err, size_t errlen)
{
	int created = 0;
	for (size_t i = 0; i < sizeof(seed_users) / sizeof(seed_users[0]); i++) {
		struct derr berr;
		enum users_rc rc = users_get_by_email(seed_users[i].email, false, NULL, &berr);
		if (rc == USERS_ERR) {
			snprintf(err, errlen, "%s: %s", seed_users[i].email, berr.message);
			return -1;
		}
		if (rc == USERS_OK) {
			log_info("user %s already exists, skipping", seed_users[i].email);
			continue;
		}
		char *hash = auth_hash_password(SEED_PASSWORD);
		if (!hash) {
			snprintf(err, errlen, "password hashing failed");
			return -1;
		}
		rc = users_add(seed_users[i].name, seed_users[i].email, seed_users[i].phone, hash,
			       seed_users[i].role, NULL, &berr);
		free(hash);
		if (rc == USERS_DUP) {
			log_info("user %s already exists, skipping", seed_users[i].email);
			continue;
		}
		if (rc != USERS_OK) {
			snprintf(err, errlen, "%s: %s", seed_users[i].email, berr.message);
			return -1;
		}
		log_info("user %s created (%s)", seed_users[i].email, seed_users[i].role);
		created++;
	}
	return created;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: swmra-seed [--env-file PATH]\n"
		   "Creates the development accounts (password " SEED_PASSWORD
		   ") and seed data; idempotent.\n"
		   "Refuses to run with APP_ENV=production. Exit codes: 0 ok, 1 failure, 2 "
		   "configuration error.\n");
}

int main(int argc, char **argv)
{
	const char *env_file = NULL;
	static const struct option opts[] = {{"env-file", required_argument, NULL, 'e'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int ch;
	while ((ch = getopt_long(argc, argv, "e:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'e': env_file = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	char err[512];
	if (config_load(env_file, err, sizeof(err)) < 0) {
		fprintf(stderr, "swmra-seed: configuration error: %s\n", err);
		return 2;
	}
	if (config_is_production()) {
		fprintf(stderr, "swmra-seed: refusing to seed with APP_ENV=production (the seed "
				"accounts have a public password)\n");
		return 2;
	}
	if (runtime_init("swmra-seed", err, sizeof(err)) < 0) {
		fprintf(stderr, "swmra-seed: configuration error: %s\n", err);
		return 2;
	}
	int rc = 0;
	bson_error_t berr;
	if (!db_ensure_indexes(&berr)) {
		fprintf(stderr, "swmra-seed: creating indexes failed: %s\n", berr.message);
		runtime_shutdown();
		return 1;
	}
	int n = seed_accounts(err, sizeof(err));
	if (n < 0) {
		fprintf(stderr, "swmra-seed: accounts: %s\n", err);
		rc = 1;
	} else {
		log_info("accounts: %d created", n);
	}
	for (const struct seed_step *s = seed_steps; rc == 0 && s->run; s++) {
		err[0] = '\0';
		n = s->run(err, sizeof(err));
		if (n < 0) {
			fprintf(stderr, "swmra-seed: %s: %s\n", s->name, err);
			rc = 1;
		} else {
			log_info("%s: %d created", s->name, n);
		}
	}
	if (rc == 0)
		log_info("seed data in place");
	runtime_shutdown();
	return rc;
}
