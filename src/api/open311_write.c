/* Open311 answers in JSON or XML: see open311_write.h. */
#include "api/open311_write.h"

#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "infra/db.h"
#include "infra/log.h"

#define CT_JSON "application/json; charset=utf-8"
#define CT_XML	"text/xml; charset=utf-8"

bool open311_wants_xml(const struct http_request *req)
{
	size_t n = strlen(req->path);
	return n >= 4 && strcmp(req->path + n - 4, ".xml") == 0;
}

/* The element name of an item of the array under `key` (the spec's plural → singular). */
static const char *item_name(const char *key)
{
	static const char *const map[][2] = {{"attributes", "attribute"},
					     {"values", "value"},
					     {"endpoints", "endpoint"},
					     {"formats", "format"},
					     {"keywords", "keyword"}};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], key) == 0)
			return map[i][1];
	return "item";
}

static int write_value(xmlTextWriterPtr w, const char *name, json_object *v);

static int write_children(xmlTextWriterPtr w, const char *item, json_object *v)
{
	if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (write_value(w, item, json_object_array_get_idx(v, i)) < 0)
				return -1;
		return 0;
	}
	json_object_object_foreach(v, key, val)
	{
		if (write_value(w, key, val) < 0)
			return -1;
	}
	return 0;
}

static int write_value(xmlTextWriterPtr w, const char *name, json_object *v)
{
	if (xmlTextWriterStartElement(w, BAD_CAST name) < 0)
		return -1;
	int rc = 0;
	if (json_object_is_type(v, json_type_object))
		rc = write_children(w, NULL, v);
	else if (json_object_is_type(v, json_type_array))
		rc = write_children(w, item_name(name), v);
	else if (v)
		rc = xmlTextWriterWriteString(w, BAD_CAST json_object_get_string(v));
	if (rc < 0)
		return -1;
	return xmlTextWriterEndElement(w);
}

/* The XML document of `body`: root element `root`, top-level array items `item`. */
static xmlBufferPtr to_xml(json_object *body, const char *root, const char *item)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
	int rc = w ? xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) : -1;
	if (rc >= 0)
		rc = xmlTextWriterStartElement(w, BAD_CAST root);
	if (rc >= 0)
		rc = write_children(w, item, body);
	if (rc >= 0)
		rc = xmlTextWriterEndDocument(w); /* closes the root */
	if (w)
		xmlFreeTextWriter(w); /* flushes into buf */
	if (rc < 0 && buf) {
		xmlBufferFree(buf);
		buf = NULL;
	}
	return buf;
}

int open311_send(struct http_request *req, struct http_response *res, int status, json_object *body,
		 const char *root, const char *item)
{
	if (!open311_wants_xml(req)) {
		const char *s = json_object_to_json_string_ext(
		    body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		http_raw(res, status, CT_JSON, s, strlen(s));
		json_object_put(body);
		return status;
	}
	xmlBufferPtr buf = to_xml(body, root, item);
	json_object_put(body);
	if (!buf) {
		log_error("open311: XML writer failed");
		return http_raw(res, 500, CT_XML, "", 0);
	}
	http_raw(res, status, CT_XML, (const char *)xmlBufferContent(buf),
		 (size_t)xmlBufferLength(buf));
	xmlBufferFree(buf);
	return status;
}

int open311_error(struct http_request *req, struct http_response *res, int status,
		  const char *description)
{
	json_object *e = json_object_new_object();
	json_object_object_add(e, "code", json_object_new_int(status));
	json_object_object_add(e, "description", json_object_new_string(description));
	json_object *list = json_object_new_array();
	json_object_array_add(list, e);
	return open311_send(req, res, status, list, "errors", "error");
}

int open311_need_store(struct http_request *req, struct http_response *res)
{
	return db_client() ? 0 : open311_error(req, res, 503, "Service unavailable");
}

/* "body.x: msg; ..." of a 422 detail list. */
static void describe_list(json_object *detail, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(detail); i++) {
		json_object *d = json_object_array_get_idx(detail, i), *loc, *msg;
		size_t l = strlen(buf);
		if (!json_object_object_get_ex(d, "msg", &msg))
			continue;
		json_object_object_get_ex(d, "loc", &loc);
		snprintf(buf + l, len - l, "%s%s: %s", l ? "; " : "",
			 loc ? json_object_get_string(loc) : "request",
			 json_object_get_string(msg));
	}
}

/* The ROUTE_ERRORS shaper of /open311/ (routes.c): the {"detail": ...} an error answer
 * carries (the router's own 404/405/413/403/429, a 503) as the spec's error list. */
int api_open311_errors(struct http_request *req, struct http_response *res)
{
	int status = res->status;
	if (res->content_type && strcmp(res->content_type, CT_XML) == 0)
		return status; /* already the spec's list (a handler's open311_error) */
	char desc[512] = "";
	json_object *o = res->body ? json_tokener_parse(res->body) : NULL, *detail;
	bool shaped = json_object_is_type(o, json_type_array);
	if (!shaped && o && json_object_object_get_ex(o, "detail", &detail)) {
		if (json_object_is_type(detail, json_type_array))
			describe_list(detail, desc, sizeof(desc));
		else
			snprintf(desc, sizeof(desc), "%s", json_object_get_string(detail));
	}
	json_object_put(o);
	if (shaped)
		return status;
	if (!desc[0])
		snprintf(desc, sizeof(desc), "%s", http_reason(status));
	return open311_error(req, res, status, desc);
}
