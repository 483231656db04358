/* Handlers of the HTTP API, one file per resource; the table in routes.c wires them. */
#ifndef SWMRA_API_H
#define SWMRA_API_H

#include "http/router.h"

extern const struct route api_routes[];
extern const size_t api_routes_count;

/* health.c */
int api_health(struct http_request *req, struct http_response *res);
int api_health_ready(struct http_request *req, struct http_response *res);

/* auth handlers: begin */
/* auth handlers: end */
/* requests handlers: begin */
/* requests handlers: end */
/* slots handlers: begin */
/* slots handlers: end */
/* uploads handlers: begin */
/* uploads handlers: end */
/* notify handlers: begin */
/* notify handlers: end */

#endif
