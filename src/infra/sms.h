/* SMS through a Twilio-style HTTP API behind ENABLE_SMS: a form POST of To, From and Body
 * to SMS_BASE_URL + "/2010-04-01/Accounts/<SMS_ACCOUNT_SID>/Messages.json" with HTTP basic
 * auth SID:SMS_AUTH_TOKEN. The base URL is configurable so tests and other providers with
 * the same API can stand in. */
#ifndef SWMRA_SMS_H
#define SWMRA_SMS_H

#include <stddef.h>

#include "infra/mail.h" /* enum deliver_rc */

/* The url-encoded form body "To=...&From=...&Body=..." (malloc'd, caller frees) or NULL. */
char *sms_form_body(const char *to, const char *from, const char *body);
/* Sends `body` to `to`. DELIVER_OK on 2xx; DELIVER_RETRY on transport errors, timeouts,
 * 429 and 5xx; DELIVER_FAIL on other 4xx (bad number, refused) and when SMS is disabled or
 * not configured; err says why (with the provider's message when it gave one). */
enum deliver_rc sms_send(const char *to, const char *body, char *err, size_t errlen);

#endif
