/* The FastCGI side of a worker: accept, translate params into struct http_request,
 * dispatch, write the buffered response, log one access line. */
#ifndef SWMRA_FCGI_H
#define SWMRA_FCGI_H

#include <signal.h>
#include <stddef.h>

#include "http/router.h"

/* Serves requests on `listen_fd` until *stop becomes non-zero (set it from a SIGTERM
 * handler installed without SA_RESTART; signals are blocked while a request is handled,
 * so an in-flight request always completes). Returns 0 on a clean stop. */
int fcgi_serve(int listen_fd, const struct route *routes, size_t nroutes,
	       volatile sig_atomic_t *stop);

#endif
