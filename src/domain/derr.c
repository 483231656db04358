#include "domain/derr.h"

#include <bson/bson.h>
#include <string.h>

#include "infra/db.h"

void derr_from_store(struct derr *d, const void *store_error)
{
	const bson_error_t *e = store_error;
	d->domain = e->domain;
	d->code = e->code;
	d->unavailable = db_is_unavailable(e);
	bson_strncpy(d->message, e->message, sizeof(d->message));
}

void derr_set(struct derr *d, const char *message)
{
	d->domain = 0;
	d->code = 0;
	d->unavailable = false;
	bson_strncpy(d->message, message ? message : "", sizeof(d->message));
}
