/* The one table from scimd error codes to HTTP status and scimType. */
#include "scimd.h"

#include <stdarg.h>
#include <stdio.h>

#include <json-c/json.h>

#include "error.h"

struct err_entry {
	int		 ee_status;
	const char	*ee_type;
	const char	*ee_text;
};

/* Indexed by -err; keep in the order of enum scim_err. */
static const struct err_entry err_table[] = {
	{ 200, NULL,		"OK" },
	{ 400, "invalidValue",	"invalid value" },
	{ 400, "invalidSyntax",	"invalid request syntax" },
	{ 400, "invalidFilter",	"invalid filter" },
	{ 400, "invalidPath",	"invalid path" },
	{ 400, "noTarget",	"path matched no target" },
	{ 400, "mutability",	"attribute cannot be modified" },
	{ 400, "tooMany",	"too many results" },
	{ 400, "invalidVers",	"invalid version" },
	{ 400, NULL,		"bad request" },
	{ 400, "invalidCursor",	"invalid cursor" },
	{ 400, "expiredCursor",	"expired cursor" },
	{ 401, NULL,		"authentication required" },
	{ 403, NULL,		"forbidden" },
	{ 404, NULL,		"resource not found" },
	{ 405, NULL,		"method not allowed" },
	{ 409, "uniqueness",	"value already in use" },
	{ 412, NULL,		"version mismatch" },
	{ 413, NULL,		"request too large" },
	{ 415, NULL,		"unsupported media type" },
	{ 429, NULL,		"too many requests" },
	{ 500, NULL,		"out of memory" },
	{ 500, NULL,		"storage error" },
	{ 501, NULL,		"not supported by this server" },
	{ 503, NULL,		"service unavailable" },
	{ 507, NULL,		"insufficient storage" },
	{ 406, NULL,		"not acceptable" },
	{ 304, NULL,		"not modified" },
	{ 409, NULL,		"conflict" },
	{ 412, NULL,		"not attempted" },
	{ 431, NULL,		"request headers too large" },
};

static const struct err_entry *
err_lookup(int err)
{
	size_t	i = err <= 0 ? (size_t)-err : 0;

	if (i >= sizeof(err_table) / sizeof(err_table[0]))
		i = -SCIM_ESTORE;
	return (&err_table[i]);
}

int
scim_err_status(int err)
{
	return (err_lookup(err)->ee_status);
}

const char *
scim_err_type(int err)
{
	return (err_lookup(err)->ee_type);
}

const char *
scim_err_text(int err)
{
	return (err_lookup(err)->ee_text);
}

int
scim_err_set(struct scim_errbuf *eb, int err, const char *fmt, ...)
{
	va_list	ap;

	if (eb != NULL) {
		va_start(ap, fmt);
		vsnprintf(eb->eb_msg, sizeof(eb->eb_msg), fmt, ap);
		va_end(ap);
	}
	return (err);
}

struct json_object *
scim_err_body(int err, const char *detail)
{
	const struct err_entry	*e = err_lookup(err);
	struct json_object	*o, *schemas;
	char			 status[8];

	if ((o = json_object_new_object()) == NULL)
		return (NULL);
	if ((schemas = json_object_new_array()) == NULL)
		goto fail;
	json_object_array_add(schemas, json_object_new_string(SCIM_MSG_ERROR));
	json_object_object_add(o, "schemas", schemas);
	if (e->ee_type != NULL)
		json_object_object_add(o, "scimType",
		    json_object_new_string(e->ee_type));
	json_object_object_add(o, "detail", json_object_new_string(
	    detail != NULL && *detail != '\0' ? detail : e->ee_text));
	snprintf(status, sizeof(status), "%d", e->ee_status);
	json_object_object_add(o, "status", json_object_new_string(status));
	return (o);
 fail:
	json_object_put(o);
	return (NULL);
}
