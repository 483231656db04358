/* The answers of the Open311 endpoint in the format its path asks for (".json" or ".xml"):
 * the handlers build a json-c tree, and this module writes it as JSON (json-c) or as the
 * spec's XML (libxml2's xmlTextWriter: escaping and well-formedness are the library's).
 * Also the spec's error list, which every error under /open311/ answers with. */
#ifndef SWMRA_OPEN311_WRITE_H
#define SWMRA_OPEN311_WRITE_H

#include <json-c/json.h>
#include <stdbool.h>

#include "http/http.h"

/* Whether the request path asks for XML (ends in ".xml"). */
bool open311_wants_xml(const struct http_request *req);
/* Sends `body` (consumed) with `status`. In XML the root element is `root`; an array's
 * items are elements named `item` (top level) or after their array's key (attributes →
 * attribute, values → value, endpoints → endpoint, formats → format); an object's keys are
 * child elements, null an empty element. */
int open311_send(struct http_request *req, struct http_response *res, int status, json_object *body,
		 const char *root, const char *item);
/* 503 in the spec's shape when this process has no database client (a worker always has
 * one; a test harness without a store does not); 0 otherwise. */
int open311_need_store(struct http_request *req, struct http_response *res);
/* The spec's error answer: [{code, description}] (XML: <errors><error>...). */
int open311_error(struct http_request *req, struct http_response *res, int status,
		  const char *description);

#endif
