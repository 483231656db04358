/* Live delivery through nchan's internal publisher: a JSON message POSTed to
 * http://localhost/pub/<channel> over the unix socket NCHAN_PUB_SOCKET (not reachable from
 * outside). nchan answers 201 (delivered to at least one subscriber) or 202 (stored, nobody
 * listening); both are success. Subscribers that miss a message catch up from
 * GET /api/notifications, so a failed publish is logged, never fatal.
 *
 * Web push (ENABLE_PUSH) is not this module: infra/webpush.c encrypts and sends (RFC 8291,
 * VAPID), domain/notify_push.c keeps the browsers' subscriptions; docs/RUNBOOK.md "Web
 * push" says how to enable it. */
#ifndef SWMRA_NCHAN_H
#define SWMRA_NCHAN_H

#include <stdbool.h>
#include <stddef.h>

/* The channel name of a user: "user.<24 hex>". `buf` must hold 30 bytes. */
void nchan_user_channel(const char *user_hex, char buf[30]);

/* Publishes `json` (len bytes, Content-Type application/json) to `channel` (letters,
 * digits, '.', '_', '-' only). Returns 0 on 201/202; -1 otherwise with a reason in err.
 * Bounded: connect 1 s, total 3 s. Counts of subscribers reached go to *subscribers when
 * non-NULL (-1 when unknown). */
int nchan_publish(const char *channel, const char *json, size_t len, int *subscribers, char *err,
		  size_t errlen);

/* Deletes `channel` at the publisher: nchan closes every subscriber of it (WebSocket close
 * 1001, EventSource end of stream), including multiplexed ones. Only for channels that are
 * never subscribed again (nchan 1.3.6 leaves dead subscriptions when a deleted id is
 * subscribed again with several workers): per-session channels, never user.<id>. Returns 0
 * on 200 (deleted) or 404 (nobody was subscribed); -1 otherwise with a reason in err. */
int nchan_delete(const char *channel, char *err, size_t errlen);

#endif
