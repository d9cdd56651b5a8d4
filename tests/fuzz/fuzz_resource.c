/*
 * Resource bodies: parse, validate for User and Group (with and without
 * external members), then project the canonical result a few ways.  Checks
 * the invariants that must hold for any input: a validated document starts
 * with the core schema URN and projections never fail on it.
 */
#include "scimd.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "error.h"
#include "jsonutil.h"
#include "projection.h"
#include "schema.h"
#include "validate.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const projections[][2] = {
	{ NULL, NULL },
	{ "userName,emails.value,members.value,"
	    SCIM_SCHEMA_ENTERPRISE ":manager.value", NULL },
	{ NULL, "members,name.givenName," SCIM_SCHEMA_ENTERPRISE },
	{ "displayName, meta , " SCIM_SCHEMA_ENTERPRISE, "userName" },
};

static void
project_all(const struct resource_type *rt, struct json_object *doc)
{
	struct scim_errbuf	 eb;
	struct projection	*p;
	struct json_object	*o;
	size_t			 i;

	for (i = 0; i < sizeof(projections) / sizeof(projections[0]); i++) {
		if (projection_parse(rt, projections[i][0], projections[i][1],
		    &p, &eb) != SCIM_OK)
			abort();
		if ((o = projection_apply(p, rt, doc)) == NULL)
			abort();
		/* id and schemas always survive */
		if (json_object_object_get_ex(doc, "schemas", NULL) &&
		    !json_object_object_get_ex(o, "schemas", NULL))
			abort();
		(void)jsonutil_compact(o, NULL);
		json_object_put(o);
		projection_free(p);
	}
}

static void
one(const struct resource_type *rt, struct json_object *in, int flags)
{
	struct scim_errbuf	 eb;
	struct json_object	*out, *again, *s;
	int			 rc;

	eb.eb_msg[0] = '\0';
	rc = validate_resource(rt, in, flags, &out, &eb);
	if (rc != SCIM_OK) {
		/* every rejection explains itself */
		if (out != NULL || (eb.eb_msg[0] == '\0' && rc != SCIM_ENOMEM))
			abort();
		return;
	}
	if (!json_object_object_get_ex(out, "schemas", &s) ||
	    strcmp(json_object_get_string(json_object_array_get_idx(s, 0)),
	    rt->rt_schema->sc_id) != 0)
		abort();
	/* the canonical form is a fixed point */
	if (validate_resource(rt, out, flags, &again, &eb) != SCIM_OK ||
	    !json_object_equal(out, again))
		abort();
	json_object_put(again);
	project_all(rt, out);
	json_object_put(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scim_errbuf	 eb;
	struct json_object	*in;

	if (jsonutil_parse((const char *)data, size, SCIM_JSON_DEPTH, &in,
	    &eb) != SCIM_OK)
		return (0);
	one(&user_type, in, 0);
	one(&group_type, in, 0);
	one(&group_type, in, VALIDATE_KEEP_EXTERNAL);
	one(&user_type, in, VALIDATE_NEED_SCHEMAS);
	one(&group_type, in, VALIDATE_NEED_SCHEMAS | VALIDATE_KEEP_EXTERNAL);
	json_object_put(in);
	return (0);
}
