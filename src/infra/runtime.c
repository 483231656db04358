#include "infra/runtime.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "infra/config.h"
#include "infra/db.h"
#include "infra/log.h"

void runtime_init_light(const char *program)
{
	const struct config *c = config_get();
	int lvl = log_level_parse(c->log_level);
	log_init(program, lvl < 0 ? LOG_INFO : (enum log_level)lvl);
	setenv("TZ", c->service_tz, 1);
	tzset();
}

int runtime_init(const char *program, char *err, size_t errlen)
{
	runtime_init_light(program);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "libcurl initialisation failed");
		return -1;
	}
	return db_open(err, errlen);
}

void runtime_shutdown(void)
{
	db_close();
	curl_global_cleanup();
}
