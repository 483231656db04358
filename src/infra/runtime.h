/* Process start-up shared by the API workers, the cron jobs and the seed tool: logging
 * level, the service time zone (TZ=SERVICE_TZ so localtime_r/mktime work in the city's
 * zone through the system tz database), libcurl and the database client. Call after any
 * fork(), in the process that will use them. */
#ifndef SWMRA_RUNTIME_H
#define SWMRA_RUNTIME_H

#include <stddef.h>

/* config_load() must have succeeded. Returns 0, or -1 with err set. */
int runtime_init(const char *program, char *err, size_t errlen);
void runtime_shutdown(void);
/* Applies the log level and time zone only (the supervisor, which must not open the
 * database before forking). */
void runtime_init_light(const char *program);

#endif
