/*
 * The discovery endpoints of RFC 7644 section 4: /ServiceProviderConfig,
 * /ResourceTypes and /Schemas, generated from the schema tables and the
 * running configuration, so they advertise exactly what scimd does.  Pure.
 */
#ifndef DISCOVERY_H
#define DISCOVERY_H

#include <stddef.h>

struct json_object;

/* What the ServiceProviderConfig advertises (filled from the config). */
struct discovery_caps {
	int	dc_patch;
	int	dc_bulk;
	size_t	dc_bulk_max_ops;
	size_t	dc_bulk_max_payload;
	int	dc_filter;
	size_t	dc_filter_max_results;
	int	dc_sort;
	int	dc_etag;
	int	dc_cursor;		/* RFC 9865 cursor pagination */
	size_t	dc_cursor_timeout;	/* seconds */
	size_t	dc_page_default;
	size_t	dc_page_max;
};

/*
 * base is the absolute URL of the SCIM root without a trailing slash
 * ("https://host/scim/v2"), used for meta.location.  Each function returns a
 * new object the caller owns, or NULL (unknown name, or ENOMEM).
 */
struct json_object *discovery_spc(const struct discovery_caps *, const char *base);
struct json_object *discovery_resource_types(const char *base);
struct json_object *discovery_resource_type(const char *name, const char *base);
struct json_object *discovery_schemas(const char *base);
struct json_object *discovery_schema(const char *urn, const char *base);

#endif /* DISCOVERY_H */
