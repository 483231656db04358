/* The domain's one error type: what a storage failure was, without the driver's types, so
 * the public headers of src/domain need not include the driver for its error struct. The
 * api layer answers it with api_derr (503 when the store is unreachable, else 500) and
 * logs the same fields as for a driver error. */
#ifndef SWMRA_DERR_H
#define SWMRA_DERR_H

#include <stdbool.h>
#include <stdint.h>

#define DERR_MESSAGE_MAX 504 /* the driver's message buffer */

struct derr {
	uint32_t domain; /* the driver's error domain and code, for the log */
	uint32_t code;
	bool unavailable; /* the store could not be reached (a retry may succeed) */
	char message[DERR_MESSAGE_MAX];
};

/* Fills `d` from the store driver's error struct (passed as void so that this header
 * does not need the driver). */
void derr_from_store(struct derr *d, const void *store_error);
/* A failure that is not the store's (e.g. out of memory): domain 0, code 0. */
void derr_set(struct derr *d, const char *message);

#endif
