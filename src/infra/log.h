/* JSON-lines logging on stderr: one object per line with time, level, program, pid and,
 * inside a request, the nginx request id and route. Never log secrets or passwords. */
#ifndef SWMRA_LOG_H
#define SWMRA_LOG_H

#include <json-c/json.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_init(const char *program, enum log_level min_level);
/* Parses "debug|info|warn|error"; returns -1 when unknown. */
int log_level_parse(const char *s);
/* Request context copied into every line until cleared with (NULL, NULL). */
void log_set_request(const char *request_id, const char *route);
/* Writes one line. `fields` (may be NULL) is consumed: its keys are merged into the line. */
void log_write(enum log_level lvl, json_object *fields, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_debug(...) log_write(LOG_DEBUG, NULL, __VA_ARGS__)
#define log_info(...)  log_write(LOG_INFO, NULL, __VA_ARGS__)
#define log_warn(...)  log_write(LOG_WARN, NULL, __VA_ARGS__)
#define log_error(...) log_write(LOG_ERROR, NULL, __VA_ARGS__)

#endif
