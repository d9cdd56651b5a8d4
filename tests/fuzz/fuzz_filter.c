/*
 * Fuzz the filter parser, printer and evaluator: the input is parsed as a
 * User filter, a Group filter, a Group filter of a root search (User
 * attributes unassigned) and an emails[...] sub-filter.  What parses
 * must print, re-parse to the same canonical text, and evaluate against a
 * realistic document without crashing or leaking.
 */
#include "scimd.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "error.h"
#include "filter.h"
#include "schema.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char user_json[] =
    "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\","
    "\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\"],"
    "\"id\":\"2819c223-7f76-453a-919d-413861904646\","
    "\"externalId\":\"ext-Bjensen\",\"userName\":\"bjensen@example.com\","
    "\"name\":{\"familyName\":\"Jensen\",\"givenName\":\"Barbara\"},"
    "\"displayName\":\"Babs Jensen\",\"nickName\":\"\",\"active\":true,"
    "\"title\":\"Tour Guide\","
    "\"emails\":[{\"value\":\"bjensen@example.com\",\"type\":\"work\","
    "\"primary\":true},{\"value\":\"babs@jensen.org\",\"type\":\"home\"}],"
    "\"phoneNumbers\":[{\"value\":\"555-555-8377\",\"type\":\"work\"}],"
    "\"groups\":[{\"value\":\"e9e30dba-f08f-4109-8486-d5c6a331660a\","
    "\"display\":\"Tour Guides\",\"type\":\"direct\"}],"
    "\"meta\":{\"resourceType\":\"User\","
    "\"created\":\"2010-01-23T04:56:22Z\","
    "\"lastModified\":\"2011-05-13T04:42:34.000Z\","
    "\"version\":\"W/\\\"a330bc54f0671c9\\\"\"},"
    "\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\":"
    "{\"employeeNumber\":\"701984\",\"department\":\"Tour Operations\","
    "\"manager\":{\"value\":\"26118915-6090-4610-87e4-49d8ca9f808d\"}}}";

static const char group_json[] =
    "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:Group\"],"
    "\"id\":\"e9e30dba-f08f-4109-8486-d5c6a331660a\","
    "\"displayName\":\"Tour Guides\","
    "\"members\":[{\"value\":\"2819c223-7f76-453a-919d-413861904646\","
    "\"type\":\"User\"}],"
    "\"meta\":{\"resourceType\":\"Group\","
    "\"created\":\"2010-01-23T04:56:22Z\"}}";

/* Print f, then check print(parse(print(f))) == print(f). */
static void
check_print(struct filter *f, const struct resource_type *rt)
{
	/* Printing adds parentheses, so the re-parse gets more depth. */
	static const struct filter_limits	 loose = { 1 << 16, 1000, 64 };
	struct scim_errbuf			 eb;
	struct filter				*g;
	char					 small[8], *a, *b;
	size_t					 n, m;

	n = filter_print(f, NULL, 0);
	if (filter_print(f, small, sizeof(small)) != n ||
	    strlen(small) != (n < sizeof(small) ? n : sizeof(small) - 1))
		abort();
	a = malloc(n + 1);
	if (a == NULL)
		return;
	filter_print(f, a, n + 1);
	if (rt != NULL) {
		if (filter_parse(a, n, rt, &loose, &g, &eb) != SCIM_OK)
			abort();
		m = filter_print(g, NULL, 0);
		b = malloc(m + 1);
		if (b != NULL) {
			filter_print(g, b, m + 1);
			if (m != n || strcmp(a, b) != 0)
				abort();
			free(b);
		}
		filter_free(g);
	}
	free(a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct scim_errbuf	 eb;
	struct filter		*f;
	struct json_object	*user, *group, *emails;
	struct schema_path	 sp;
	size_t			 i;
	const char		*s = (const char *)d;

	user = json_tokener_parse(user_json);
	group = json_tokener_parse(group_json);
	if (user == NULL || group == NULL)
		abort();

	if (filter_parse(s, n, &user_type, NULL, &f, &eb) == SCIM_OK) {
		check_print(f, &user_type);
		(void)filter_match(f, user);
		(void)filter_match(f, group);
		filter_free(f);
	} else if (f != NULL || strstr(eb.eb_msg, "column") == NULL)
		abort();

	if (filter_parse(s, n, &group_type, NULL, &f, &eb) == SCIM_OK) {
		check_print(f, &group_type);
		(void)filter_match(f, group);
		filter_free(f);
	} else if (f != NULL)
		abort();

	if (filter_parse_root(s, n, &group_type, NULL, &f, &eb) == SCIM_OK) {
		check_print(f, NULL);
		(void)filter_match(f, group);
		filter_free(f);
	} else if (f != NULL)
		abort();

	if (schema_resolve(&user_type, "emails", 6, &sp) == SCIM_OK &&
	    filter_parse_sub(s, n, &sp, NULL, &f, &eb) == SCIM_OK) {
		check_print(f, NULL);
		emails = json_object_object_get(user, "emails");
		for (i = 0; i < json_object_array_length(emails); i++)
			(void)filter_match_value(f,
			    json_object_array_get_idx(emails, i));
		filter_free(f);
	}

	json_object_put(user);
	json_object_put(group);
	return (0);
}
