/* The one route table of the service. Order matters only for identical patterns; the
 * role column is enforced by the router before a handler runs. */
#include "api/api.h"

const struct route api_routes[] = {
	{"GET", "/api/health", api_health, ROLE_NONE},
	{"GET", "/api/health/ready", api_health_ready, ROLE_NONE},
	/* auth routes: begin */
	/* auth routes: end */
	/* requests routes: begin */
	/* requests routes: end */
	/* slots routes: begin */
	/* slots routes: end */
	/* uploads routes: begin */
	/* uploads routes: end */
	/* notify routes: begin */
	/* notify routes: end */
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);
