/*
 * attributes / excludedAttributes (RFC 7644 3.4.2.5, 3.9) combined with the
 * "returned" characteristic (RFC 7643 7).  A projection is a list of
 * resolved schema paths; applying it builds a new top-level object that
 * shares every untouched value with the stored document and copies only the
 * complex values it has to filter.
 */
#include "scimd.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "error.h"
#include "projection.h"
#include "schema.h"
#include "util.h"

struct projection {
	int			 pr_include;	/* attributes (1) or excluded (0) */
	size_t			 pr_n;
	struct schema_path	*pr_paths;
};

enum decision {
	P_DROP,
	P_WHOLE,
	P_FILTER	/* complex: keep / remove the sub-attributes in mask */
};

/* Sub-attribute tables are short; a bit per row is enough. */
#define MAX_SUBS	32

/* Count the non-empty comma-separated names in s. */
static size_t
count_names(const char *s)
{
	size_t	n = 0;
	int	in = 0;

	for (; s != NULL && *s != '\0'; s++) {
		if (*s == ',')
			in = 0;
		else if (*s != ' ' && *s != '\t' && !in) {
			in = 1;
			n++;
		}
	}
	return (n);
}

int
projection_parse(const struct resource_type *rt, const char *attributes,
    const char *excluded, struct projection **out, struct scim_errbuf *eb)
{
	struct projection	*p;
	const char		*list, *s, *e;
	size_t			 n;

	*out = NULL;
	if ((n = count_names(attributes)) > 0)
		list = attributes;
	else if ((n = count_names(excluded)) > 0)
		list = excluded;
	else
		return (SCIM_OK);
	p = xcalloc(1, sizeof(*p));
	p->pr_include = list == attributes;
	p->pr_paths = xcalloc(n, sizeof(*p->pr_paths));
	for (s = list; *s != '\0'; s = *e == ',' ? e + 1 : e) {
		while (*s == ' ' || *s == '\t')
			s++;
		for (e = s; *e != '\0' && *e != ','; e++)
			;
		n = (size_t)(e - s);
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n == 0)
			continue;
		/* Unknown names are ignored: not ours to reject. */
		if (schema_resolve(rt, s, n, &p->pr_paths[p->pr_n]) == SCIM_OK)
			p->pr_n++;
	}
	*out = p;
	return (SCIM_OK);
}

void
projection_free(struct projection *p)
{
	if (p == NULL)
		return;
	free(p->pr_paths);
	free(p);
}

int
projection_is_default(const struct projection *p)
{
	return (p == NULL || (!p->pr_include && p->pr_n == 0));
}

/* What p does to attribute a of extension ext (NULL: core or common). */
static enum decision
decide(const struct projection *p, const struct schema *ext,
    const struct schema_attr *a, uint32_t *mask)
{
	const struct schema_path	*pp;
	size_t				 i, idx;
	int				 named = 0;

	*mask = 0;
	if (a->sa_returned == SCHEMA_RET_NEVER)
		return (P_DROP);
	if (a->sa_returned == SCHEMA_RET_ALWAYS)
		return (P_WHOLE);
	if (p == NULL)
		return (a->sa_returned == SCHEMA_RET_REQUEST ? P_DROP : P_WHOLE);
	for (i = 0; i < p->pr_n; i++) {
		pp = &p->pr_paths[i];
		if (pp->sp_ext != ext)
			continue;
		if (pp->sp_attr == NULL) {
			/* the whole extension named */
			named = 1;
			continue;
		}
		if (pp->sp_attr != a)
			continue;
		if (pp->sp_sub == NULL) {
			named = 1;
			continue;
		}
		idx = (size_t)(pp->sp_sub - a->sa_subs);
		if (idx < MAX_SUBS)
			*mask |= (uint32_t)1 << idx;
	}
	if (p->pr_include) {
		if (named)
			return (P_WHOLE);
		return (*mask != 0 ? P_FILTER : P_DROP);
	}
	if (a->sa_returned == SCHEMA_RET_REQUEST || named)
		return (P_DROP);
	return (*mask != 0 ? P_FILTER : P_WHOLE);
}

/* Element o of complex attribute a with its sub-attributes filtered. */
static struct json_object *
filter_obj(const struct schema_attr *a, struct json_object *o, uint32_t mask,
    int include, int *oom)
{
	struct json_object_iterator	 it, end;
	const struct schema_attr	*sub;
	struct json_object		*n, *v;
	const char			*k;
	size_t				 idx;
	int				 keep;

	if (!json_object_is_type(o, json_type_object))
		return (json_object_get(o));
	if ((n = json_object_new_object()) == NULL) {
		*oom = 1;
		return (NULL);
	}
	it = json_object_iter_begin(o);
	end = json_object_iter_end(o);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		k = json_object_iter_peek_name(&it);
		v = json_object_iter_peek_value(&it);
		sub = schema_attr_find(a->sa_subs, k, strlen(k));
		if (sub == NULL)
			keep = !include;
		else if (sub->sa_returned == SCHEMA_RET_NEVER)
			keep = 0;
		else if (sub->sa_returned == SCHEMA_RET_ALWAYS)
			keep = 1;
		else {
			idx = (size_t)(sub - a->sa_subs);
			keep = idx < MAX_SUBS && (mask >> idx & 1);
			if (!include)
				keep = !keep;
		}
		if (!keep)
			continue;
		if (json_object_object_add(n, k, json_object_get(v)) != 0) {
			json_object_put(v);
			json_object_put(n);
			*oom = 1;
			return (NULL);
		}
	}
	if (json_object_object_length(n) == 0) {
		json_object_put(n);
		return (NULL);
	}
	return (n);
}

/* Value v of a filtered by mask: NULL when nothing is left (or *oom). */
static struct json_object *
filter_value(const struct schema_attr *a, struct json_object *v,
    uint32_t mask, int include, int *oom)
{
	struct json_object	*arr, *e;
	size_t			 i, n;

	if (!json_object_is_type(v, json_type_array))
		return (filter_obj(a, v, mask, include, oom));
	n = json_object_array_length(v);
	if ((arr = json_object_new_array_ext((int)n)) == NULL) {
		*oom = 1;
		return (NULL);
	}
	for (i = 0; i < n; i++) {
		e = filter_obj(a, json_object_array_get_idx(v, i), mask,
		    include, oom);
		if (*oom) {
			json_object_put(arr);
			return (NULL);
		}
		if (e == NULL)
			continue;
		if (json_object_array_add(arr, e) != 0) {
			json_object_put(e);
			json_object_put(arr);
			*oom = 1;
			return (NULL);
		}
	}
	if (json_object_array_length(arr) == 0) {
		json_object_put(arr);
		return (NULL);
	}
	return (arr);
}

/* Copy member key/v of attribute a into out as p decides; -1 on ENOMEM. */
static int
project_attr(const struct projection *p, const struct schema *ext,
    const struct schema_attr *a, const char *key, struct json_object *v,
    struct json_object *out)
{
	struct json_object	*n;
	uint32_t		 mask;
	int			 oom = 0;

	switch (decide(p, ext, a, &mask)) {
	case P_DROP:
		return (0);
	case P_WHOLE:
		n = json_object_get(v);
		break;
	case P_FILTER:
	default:
		if (a->sa_type != SCHEMA_COMPLEX)
			n = json_object_get(v);
		else if ((n = filter_value(a, v, mask, p->pr_include,
		    &oom)) == NULL)
			return (oom ? -1 : 0);
		break;
	}
	if (json_object_object_add(out, key, n) != 0) {
		json_object_put(n);
		return (-1);
	}
	return (0);
}

/* Core or common attribute stored under key. */
static const struct schema_attr *
core_attr(const struct resource_type *rt, const char *key)
{
	const struct schema_attr	*a;

	if ((a = schema_attr_find(rt->rt_schema->sc_attrs, key,
	    strlen(key))) == NULL)
		a = schema_attr_find(schema_common_attrs, key, strlen(key));
	return (a);
}

/* The extension object in under ext, projected; -1 on ENOMEM. */
static int
project_ext(const struct projection *p, const struct schema *ext,
    struct json_object *in, struct json_object *out)
{
	struct json_object_iterator	 it, end;
	const struct schema_attr	*a;
	struct json_object		*n;
	const char			*k;

	if (!json_object_is_type(in, json_type_object))
		return (0);
	if ((n = json_object_new_object()) == NULL)
		return (-1);
	it = json_object_iter_begin(in);
	end = json_object_iter_end(in);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		k = json_object_iter_peek_name(&it);
		if ((a = schema_attr_find(ext->sc_attrs, k, strlen(k))) ==
		    NULL)
			continue;
		if (project_attr(p, ext, a, k,
		    json_object_iter_peek_value(&it), n) != 0) {
			json_object_put(n);
			return (-1);
		}
	}
	if (json_object_object_length(n) == 0) {
		json_object_put(n);
		return (0);
	}
	if (json_object_object_add(out, ext->sc_id, n) != 0) {
		json_object_put(n);
		return (-1);
	}
	return (0);
}

/*
 * "schemas" without the extensions whose object was projected away; the
 * original array is kept when nothing changes.
 */
static int
fix_schemas(const struct resource_type *rt, struct json_object *out)
{
	struct json_object	*s, *n, *e;
	const struct schema	*ext;
	const char		*urn;
	size_t			 i, len, drop = 0;

	if (!json_object_object_get_ex(out, "schemas", &s) ||
	    !json_object_is_type(s, json_type_array))
		return (0);
	len = json_object_array_length(s);
	for (i = 0; i < len; i++) {
		e = json_object_array_get_idx(s, i);
		if (!json_object_is_type(e, json_type_string))
			continue;
		urn = json_object_get_string(e);
		if ((ext = schema_ext_find(rt, urn, strlen(urn))) != NULL &&
		    !json_object_object_get_ex(out, ext->sc_id, NULL))
			drop++;
	}
	if (drop == 0)
		return (0);
	if ((n = json_object_new_array()) == NULL)
		return (-1);
	for (i = 0; i < len; i++) {
		e = json_object_array_get_idx(s, i);
		if (json_object_is_type(e, json_type_string) &&
		    (urn = json_object_get_string(e)) != NULL &&
		    (ext = schema_ext_find(rt, urn, strlen(urn))) != NULL &&
		    !json_object_object_get_ex(out, ext->sc_id, NULL))
			continue;
		if (json_object_array_add(n, json_object_get(e)) != 0) {
			json_object_put(e);
			json_object_put(n);
			return (-1);
		}
	}
	/* replaces the value in place, so "schemas" stays first */
	if (json_object_object_add(out, "schemas", n) != 0) {
		json_object_put(n);
		return (-1);
	}
	return (0);
}

struct json_object *
projection_apply(const struct projection *p, const struct resource_type *rt,
    struct json_object *doc)
{
	struct json_object_iterator	 it, end;
	const struct schema_attr	*a;
	const struct schema		*ext;
	struct json_object		*out, *v;
	const char			*k;

	if ((out = json_object_new_object()) == NULL)
		return (NULL);
	if (doc == NULL || !json_object_is_type(doc, json_type_object))
		return (out);
	it = json_object_iter_begin(doc);
	end = json_object_iter_end(doc);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		k = json_object_iter_peek_name(&it);
		v = json_object_iter_peek_value(&it);
		if (strcmp(k, "schemas") == 0) {
			if (json_object_object_add(out, k,
			    json_object_get(v)) != 0) {
				json_object_put(v);
				goto fail;
			}
			continue;
		}
		if ((a = core_attr(rt, k)) != NULL) {
			if (project_attr(p, NULL, a, k, v, out) != 0)
				goto fail;
			continue;
		}
		if ((ext = schema_ext_find(rt, k, strlen(k))) != NULL &&
		    project_ext(p, ext, v, out) != 0)
			goto fail;
		/* anything else is not part of a SCIM response */
	}
	if (fix_schemas(rt, out) != 0)
		goto fail;
	return (out);
 fail:
	json_object_put(out);
	return (NULL);
}

/* Extension whose table holds attr, or NULL for core and common. */
static const struct schema *
attr_ext(const struct resource_type *rt, const struct schema_attr *attr)
{
	const struct schema *const	*e;
	const struct schema_attr	*t;

	for (e = rt->rt_exts; *e != NULL; e++)
		for (t = (*e)->sc_attrs; t->sa_name != NULL; t++)
			if (t == attr)
				return (*e);
	return (NULL);
}

int
projection_wants(const struct projection *p, const struct resource_type *rt,
    const struct schema_attr *attr)
{
	uint32_t	mask;

	return (decide(p, attr_ext(rt, attr), attr, &mask) != P_DROP);
}
