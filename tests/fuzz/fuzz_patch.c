/*
 * Fuzz PATCH: any bytes, parsed as JSON, then as a PatchOp for User and for
 * Group, applied to a realistic stored document of each.  Must never crash,
 * read out of bounds or leak; a successful apply must leave the input
 * document unchanged.
 */
#include "scimd.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "error.h"
#include "filter.h"
#include "jsonutil.h"
#include "patch.h"
#include "schema.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char user_doc[] =
    "{\"schemas\":[\"" SCIM_SCHEMA_USER "\",\"" SCIM_SCHEMA_ENTERPRISE "\"],"
    "\"id\":\"2819c223-7f76-453a-919d-413861904646\","
    "\"externalId\":\"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef\","
    "\"meta\":{\"resourceType\":\"User\","
    "\"created\":\"2018-03-27T19:59:26.000Z\","
    "\"lastModified\":\"2018-03-27T19:59:26.000Z\",\"version\":\"W/\\\"1\\\"\"},"
    "\"userName\":\"bjensen@example.com\","
    "\"name\":{\"formatted\":\"Ms. Barbara J Jensen III\","
    "\"familyName\":\"Jensen\",\"givenName\":\"Barbara\"},"
    "\"displayName\":\"Babs Jensen\",\"nickName\":\"Babs\",\"active\":true,"
    "\"emails\":[{\"value\":\"bjensen@example.com\",\"type\":\"work\","
    "\"primary\":true},{\"value\":\"babs@jensen.org\",\"type\":\"home\"}],"
    "\"phoneNumbers\":[{\"value\":\"555-555-8377\",\"type\":\"work\"}],"
    "\"addresses\":[{\"type\":\"work\",\"formatted\":\"100 Universal City "
    "Plaza\",\"locality\":\"Hollywood\",\"primary\":true}],"
    "\"roles\":[{\"value\":\"Admin\",\"type\":\"WindowsAzureActiveDirectoryRole\"}],"
    "\"" SCIM_SCHEMA_ENTERPRISE "\":{\"employeeNumber\":\"701984\","
    "\"costCenter\":\"4130\",\"department\":\"Tour Operations\","
    "\"manager\":{\"value\":\"26118915-6090-4610-87e4-49d8ca9f808d\","
    "\"$ref\":\"../Users/26118915-6090-4610-87e4-49d8ca9f808d\","
    "\"displayName\":\"John Smith\"}}}";

static const char group_doc[] =
    "{\"schemas\":[\"" SCIM_SCHEMA_GROUP "\"],"
    "\"id\":\"e9e30dba-f08f-4109-8486-d5c6a331660a\","
    "\"externalId\":\"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159\","
    "\"displayName\":\"Tour Guides\","
    "\"meta\":{\"resourceType\":\"Group\","
    "\"created\":\"2018-03-27T19:59:26.000Z\","
    "\"lastModified\":\"2018-03-27T19:59:26.000Z\"}}";

static void
one(struct json_object *body, const struct resource_type *rt,
    const char *text)
{
	struct patch			*p = NULL;
	struct json_object		*doc = NULL, *orig = NULL, *out = NULL;
	const struct patch_member_op	*mops;
	struct scim_errbuf		 eb;
	size_t				 nmops, i;

	if (patch_parse(body, rt, NULL, 64, &p, &eb) != SCIM_OK)
		return;
	if (jsonutil_parse(text, strlen(text), SCIM_JSON_DEPTH, &doc,
	    &eb) != SCIM_OK)
		abort();
	if (json_object_deep_copy(doc, &orig, NULL) != 0)
		abort();
	if (patch_apply(p, doc, &out, &mops, &nmops, &eb) == SCIM_OK) {
		/* the stored document is read-only */
		if (!json_object_equal(doc, orig))
			abort();
		(void)jsonutil_compact(out, NULL);
		for (i = 0; i < nmops; i++) {
			if (mops[i].pm_values != NULL)
				(void)json_object_array_length(
				    mops[i].pm_values);
			if (mops[i].pm_filter != NULL)
				(void)filter_match_value(mops[i].pm_filter,
				    doc);
		}
	} else if (out != NULL)
		abort();
	json_object_put(out);
	json_object_put(orig);
	json_object_put(doc);
	patch_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct json_object	*body;
	struct scim_errbuf	 eb;

	if (jsonutil_parse((const char *)data, len, SCIM_JSON_DEPTH, &body,
	    &eb) != SCIM_OK)
		return (0);
	one(body, &user_type, user_doc);
	one(body, &group_type, group_doc);
	json_object_put(body);
	return (0);
}
