/*
 * Canonicalising and type-checking client resource documents against the
 * schema tables (RFC 7643 sections 2, 4 and 7).  Everything here builds a
 * new json-c tree; the input is never changed, and scalar values that pass
 * are shared with it by reference.
 */
#include "scimd.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "error.h"
#include "jsonutil.h"
#include "schema.h"
#include "util.h"
#include "validate.h"

/* a sep b into buf (len bytes, cut to fit): an attribute's path. */
static void
path_join(char *buf, size_t len, const char *a, char sep, const char *b)
{
	size_t	na = strlen(a), nb = strlen(b);

	if (na > len - 2)
		na = len - 2;
	memcpy(buf, a, na);
	buf[na++] = sep;
	if (nb > len - 1 - na)
		nb = len - 1 - na;
	memcpy(buf + na, b, nb);
	buf[na + nb] = '\0';
}

/* One extension's members while a resource is being validated. */
struct vext {
	const struct schema	*ve_schema;
	struct json_object	*ve_obj;	/* NULL until a member is seen */
};

static int	check_value(const struct schema_attr *, const char *,
		    struct json_object *, int, struct json_object **,
		    struct scim_errbuf *);

/*
 * Add v under key, dropping our reference if json-c refuses it.  Keys are
 * the schemas' names, static strings: json-c need not copy them.
 */
static int
obj_add(struct json_object *o, const char *key, struct json_object *v)
{
	if (json_object_object_add_ex(o, key, v,
	    JSON_C_OBJECT_KEY_IS_CONSTANT) != 0) {
		json_object_put(v);
		return (SCIM_ENOMEM);
	}
	return (SCIM_OK);
}

static int
arr_add(struct json_object *a, struct json_object *v)
{
	if (json_object_array_add(a, v) != 0) {
		json_object_put(v);
		return (SCIM_ENOMEM);
	}
	return (SCIM_OK);
}

/* A JSON string whose length agrees with strlen(): no embedded NUL byte. */
static int
check_string(const char *path, struct json_object *in, struct scim_errbuf *eb)
{
	const char	*s;

	if (!json_object_is_type(in, json_type_string))
		return (scim_err_set(eb, SCIM_EINVAL,
		    "attribute \"%s\" must be a string", path));
	s = json_object_get_string(in);
	if ((size_t)json_object_get_string_len(in) != strlen(s))
		return (scim_err_set(eb, SCIM_EINVAL,
		    "attribute \"%s\" contains a NUL character", path));
	return (SCIM_OK);
}

/*
 * Complex value: each member resolved against the sub-attribute table,
 * readOnly sub-attributes dropped (clients echo them back), nulls dropped.
 * An object left empty is unassigned (*out NULL).
 */
static int
check_complex(const struct schema_attr *a, const char *path,
    struct json_object *in, int flags, struct json_object **out,
    struct scim_errbuf *eb)
{
	struct json_object_iterator	 it, end;
	const struct schema_attr	*sub;
	struct json_object		*o, *v;
	const char			*k;
	char				 sp[256];
	int				 rc;

	if (!json_object_is_type(in, json_type_object))
		return (scim_err_set(eb, SCIM_EINVAL,
		    "attribute \"%s\" must be an object", path));
	if ((o = json_object_new_object()) == NULL)
		return (SCIM_ENOMEM);
	it = json_object_iter_begin(in);
	end = json_object_iter_end(in);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		k = json_object_iter_peek_name(&it);
		sub = schema_attr_find(a->sa_subs, k, strlen(k));
		if (sub == NULL) {
			/* RFC 7643 2.4: "$ref" is a default sub-attribute. */
			if (strcasecmp(k, "$ref") == 0)
				continue;
			json_object_put(o);
			return (scim_err_set(eb, SCIM_ESYNTAX,
			    "unknown attribute \"%s.%s\"", path, k));
		}
		if (sub->sa_mut == SCHEMA_READONLY)
			continue;
		path_join(sp, sizeof(sp), path, '.', sub->sa_name);
		rc = check_value(sub, sp, json_object_iter_peek_value(&it),
		    flags, &v, eb);
		if (rc != SCIM_OK) {
			json_object_put(o);
			return (rc);
		}
		if (v == NULL) {
			/* a later null cancels an earlier alias */
			json_object_object_del(o, sub->sa_name);
			continue;
		}
		if ((rc = obj_add(o, sub->sa_name, v)) != SCIM_OK) {
			json_object_put(o);
			return (rc);
		}
	}
	if (json_object_object_length(o) == 0) {
		json_object_put(o);
		o = NULL;
	}
	*out = o;
	return (SCIM_OK);
}

/* One value of attribute a (an element when a is multi-valued). */
static int
check_single(const struct schema_attr *a, const char *path,
    struct json_object *in, int flags, struct json_object **out,
    struct scim_errbuf *eb)
{
	const char	*s;
	int64_t		 ms;
	int		 rc;

	*out = NULL;
	if (in == NULL || json_object_is_type(in, json_type_null))
		return (SCIM_OK);
	switch (a->sa_type) {
	case SCHEMA_STRING:
	case SCHEMA_REFERENCE:
	case SCHEMA_BINARY:
		if ((rc = check_string(path, in, eb)) != SCIM_OK)
			return (rc);
		break;
	case SCHEMA_BOOLEAN:
		if (json_object_is_type(in, json_type_boolean))
			break;
		/* Entra sends "True"/"False" strings. */
		if (json_object_is_type(in, json_type_string)) {
			s = json_object_get_string(in);
			if (strcasecmp(s, "true") == 0 ||
			    strcasecmp(s, "false") == 0) {
				*out = json_object_new_boolean(
				    strcasecmp(s, "true") == 0);
				return (*out != NULL ? SCIM_OK : SCIM_ENOMEM);
			}
		}
		return (scim_err_set(eb, SCIM_EINVAL,
		    "attribute \"%s\" must be a boolean", path));
	case SCHEMA_INTEGER:
		if (!json_object_is_type(in, json_type_int))
			return (scim_err_set(eb, SCIM_EINVAL,
			    "attribute \"%s\" must be an integer", path));
		break;
	case SCHEMA_DECIMAL:
		if (!json_object_is_type(in, json_type_int) &&
		    !json_object_is_type(in, json_type_double))
			return (scim_err_set(eb, SCIM_EINVAL,
			    "attribute \"%s\" must be a number", path));
		break;
	case SCHEMA_DATETIME:
		if ((rc = check_string(path, in, eb)) != SCIM_OK)
			return (rc);
		if (util_time_parse(json_object_get_string(in), &ms) != 0)
			return (scim_err_set(eb, SCIM_EINVAL,
			    "attribute \"%s\" is not a valid dateTime", path));
		break;
	case SCHEMA_COMPLEX:
		/* Entra sends the manager as a bare id. */
		if (!a->sa_multi && strcmp(a->sa_name, "manager") == 0 &&
		    json_object_is_type(in, json_type_string)) {
			if ((rc = check_string(path, in, eb)) != SCIM_OK)
				return (rc);
			if (json_object_get_string_len(in) == 0)
				return (SCIM_OK);
			if ((*out = json_object_new_object()) == NULL)
				return (SCIM_ENOMEM);
			if (obj_add(*out, "value", json_object_get(in)) !=
			    SCIM_OK) {
				json_object_put(*out);
				*out = NULL;
				return (SCIM_ENOMEM);
			}
			return (SCIM_OK);
		}
		return (check_complex(a, path, in, flags, out, eb));
	}
	*out = json_object_get(in);
	return (SCIM_OK);
}

/* A member of Group.members must name its member by a string id. */
static int
check_member(const char *path, struct json_object *in, struct scim_errbuf *eb)
{
	struct json_object	*v;

	if (!json_object_is_type(in, json_type_object) ||
	    (v = jsonutil_get(in, "value", NULL)) == NULL ||
	    !json_object_is_type(v, json_type_string))
		return (scim_err_set(eb, SCIM_EINVAL,
		    "each of \"%s\" must be an object with a string \"value\"",
		    path));
	return (SCIM_OK);
}

/*
 * Value of attribute a, multi-valued or not.  *out NULL means "unassigned"
 * (null, empty array, empty object).
 */
static int
check_value(const struct schema_attr *a, const char *path,
    struct json_object *in, int flags, struct json_object **out,
    struct scim_errbuf *eb)
{
	struct json_object	*arr, *v, *e;
	size_t			 i, n, primaries = 0;
	int			 rc;

	*out = NULL;
	if (in == NULL || json_object_is_type(in, json_type_null))
		return (SCIM_OK);
	if (!a->sa_multi)
		return (check_single(a, path, in, flags, out, eb));
	if (!json_object_is_type(in, json_type_array))
		return (scim_err_set(eb, SCIM_EINVAL,
		    "attribute \"%s\" must be an array", path));
	n = json_object_array_length(in);
	if (n == 0)
		return (SCIM_OK);
	if ((arr = json_object_new_array_ext((int)n)) == NULL)
		return (SCIM_ENOMEM);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(in, i);
		if (a->sa_flags & SCHEMA_F_EXTERNAL &&
		    (rc = check_member(path, e, eb)) != SCIM_OK)
			goto fail;
		if ((rc = check_single(a, path, e, flags, &v, eb)) != SCIM_OK)
			goto fail;
		if (v == NULL)
			continue;
		if (jsonutil_is_primary(v) && ++primaries > 1) {
			json_object_put(v);
			rc = scim_err_set(eb, SCIM_EINVAL,
			    "attribute \"%s\" has more than one primary value",
			    path);
			goto fail;
		}
		if ((rc = arr_add(arr, v)) != SCIM_OK)
			goto fail;
	}
	if (json_object_array_length(arr) == 0) {
		json_object_put(arr);
		return (SCIM_OK);
	}
	*out = arr;
	return (SCIM_OK);
 fail:
	json_object_put(arr);
	return (rc);
}

/* Validate one member of an extension and merge it into ve. */
static int
ext_member(struct vext *ve, const char *name, size_t len,
    struct json_object *in, int flags, struct scim_errbuf *eb)
{
	const struct schema_attr	*a;
	struct json_object		*v;
	char				 path[512];
	int				 rc;

	a = schema_attr_find(ve->ve_schema->sc_attrs, name, len);
	if (a == NULL)
		return (scim_err_set(eb, SCIM_ESYNTAX,
		    "unknown attribute \"%s:%.*s\"", ve->ve_schema->sc_id,
		    (int)len, name));
	if (a->sa_mut == SCHEMA_READONLY)
		return (SCIM_OK);
	path_join(path, sizeof(path), ve->ve_schema->sc_id, ':', a->sa_name);
	if ((rc = check_value(a, path, in, flags, &v, eb)) != SCIM_OK)
		return (rc);
	if (v == NULL) {
		if (ve->ve_obj != NULL)
			json_object_object_del(ve->ve_obj, a->sa_name);
		return (SCIM_OK);
	}
	if (ve->ve_obj == NULL &&
	    (ve->ve_obj = json_object_new_object()) == NULL) {
		json_object_put(v);
		return (SCIM_ENOMEM);
	}
	return (obj_add(ve->ve_obj, a->sa_name, v));
}

/* The whole extension object given under its URN. */
static int
ext_object(struct vext *ve, struct json_object *in, int flags,
    struct scim_errbuf *eb)
{
	struct json_object_iterator	 it, end;
	const char			*k;
	int				 rc;

	if (json_object_is_type(in, json_type_null))
		return (SCIM_OK);
	if (!json_object_is_type(in, json_type_object))
		return (scim_err_set(eb, SCIM_EINVAL,
		    "attribute \"%s\" must be an object", ve->ve_schema->sc_id));
	it = json_object_iter_begin(in);
	end = json_object_iter_end(in);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		k = json_object_iter_peek_name(&it);
		if ((rc = ext_member(ve, k, strlen(k),
		    json_object_iter_peek_value(&it), flags, eb)) != SCIM_OK)
			return (rc);
	}
	return (SCIM_OK);
}

/* "schemas" is rebuilt, so only its shape is checked. */
static int
check_schemas(struct json_object *in, struct scim_errbuf *eb)
{
	size_t	i, n;

	if (!json_object_is_type(in, json_type_array))
		return (scim_err_set(eb, SCIM_EINVAL,
		    "attribute \"schemas\" must be an array of strings"));
	n = json_object_array_length(in);
	for (i = 0; i < n; i++)
		if (!json_object_is_type(json_object_array_get_idx(in, i),
		    json_type_string))
			return (scim_err_set(eb, SCIM_EINVAL,
			    "attribute \"schemas\" must be an array of strings"));
	return (SCIM_OK);
}

/*
 * RFC 7643 3, RFC 7644 3.3: a client's resource lists rt's core schema in
 * "schemas" (already checked to be null or an array of strings), and no
 * other type's.  Extensions stay optional.
 */
static int
check_core_schema(const struct resource_type *rt, struct json_object *in,
    struct scim_errbuf *eb)
{
	const struct resource_type *const	*tp;
	struct json_object			*s;
	const char				*urn;
	size_t					 i, n;
	int					 core = 0;

	s = jsonutil_get(in, "schemas", NULL);
	n = json_object_is_type(s, json_type_array) ?
	    json_object_array_length(s) : 0;
	for (i = 0; i < n; i++) {
		urn = json_object_get_string(json_object_array_get_idx(s, i));
		for (tp = schema_types; *tp != NULL; tp++)
			if (strcasecmp(urn, (*tp)->rt_schema->sc_id) == 0 &&
			    *tp != rt)
				return (scim_err_set(eb, SCIM_ESYNTAX,
				    "\"schemas\" names the %s schema in a %s",
				    (*tp)->rt_name, rt->rt_name));
		core |= strcasecmp(urn, rt->rt_schema->sc_id) == 0;
	}
	if (!core)
		return (scim_err_set(eb, SCIM_ESYNTAX,
		    "\"schemas\" must list \"%s\"", rt->rt_schema->sc_id));
	return (SCIM_OK);
}

/*
 * Extension named by key: the URN itself (*attr NULL) or "URN:attr" (the
 * flattened form, *attr pointing at attr).  NULL when key names none.
 */
static struct vext *
ext_match(struct vext *ves, size_t nves, const char *key, const char **attr)
{
	size_t	i, ulen;

	for (i = 0; i < nves; i++) {
		ulen = strlen(ves[i].ve_schema->sc_id);
		if (strncasecmp(key, ves[i].ve_schema->sc_id, ulen) != 0)
			continue;
		if (key[ulen] == '\0') {
			*attr = NULL;
			return (&ves[i]);
		}
		if (key[ulen] == ':' && key[ulen + 1] != '\0') {
			*attr = key + ulen + 1;
			return (&ves[i]);
		}
	}
	return (NULL);
}

/* Core or common attribute named key, also as "coreURN:attr". */
static const struct schema_attr *
core_match(const struct resource_type *rt, const char *key)
{
	const struct schema_attr	*a;
	size_t				 ulen;

	ulen = strlen(rt->rt_schema->sc_id);
	if (strncasecmp(key, rt->rt_schema->sc_id, ulen) == 0 &&
	    key[ulen] == ':')
		key += ulen + 1;
	if ((a = schema_attr_find(rt->rt_schema->sc_attrs, key,
	    strlen(key))) == NULL)
		a = schema_attr_find(schema_common_attrs, key, strlen(key));
	return (a);
}

/* Required attributes must be present, and non-empty when strings. */
static int
check_required(const struct schema_attr *table, struct json_object *o,
    const char *prefix, struct scim_errbuf *eb)
{
	struct json_object	*v;

	for (; table->sa_name != NULL; table++) {
		if (!table->sa_required)
			continue;
		if (o == NULL ||
		    !json_object_object_get_ex(o, table->sa_name, &v) ||
		    (json_object_is_type(v, json_type_string) &&
		    json_object_get_string_len(v) == 0))
			return (scim_err_set(eb, SCIM_EINVAL,
			    "attribute \"%s%s\" is required", prefix,
			    table->sa_name));
	}
	return (SCIM_OK);
}

/* One member k (value val) of a resource: into o, or its extension's ve. */
static int
validate_member(const struct resource_type *rt, struct vext *ves,
    size_t nves, struct json_object *o, const char *k, struct json_object *val,
    int flags, struct scim_errbuf *eb)
{
	const struct schema_attr	*a;
	struct json_object		*v;
	struct vext			*ve;
	const char			*attr;
	int				 rc;

	if (strcasecmp(k, "schemas") == 0)
		return (json_object_is_type(val, json_type_null) ? SCIM_OK :
		    check_schemas(val, eb));
	if ((ve = ext_match(ves, nves, k, &attr)) != NULL)
		return (attr == NULL ? ext_object(ve, val, flags, eb) :
		    ext_member(ve, attr, strlen(attr), val, flags, eb));
	if ((a = core_match(rt, k)) == NULL) {
		/* Other schemas' members (Microsoft's, unknown ones). */
		if (strncasecmp(k, "urn:", 4) == 0)
			return (SCIM_OK);
		return (scim_err_set(eb, SCIM_ESYNTAX,
		    "unknown attribute \"%s\"", k));
	}
	if (a->sa_mut == SCHEMA_READONLY)
		return (SCIM_OK);
	if ((rc = check_value(a, a->sa_name, val, flags, &v, eb)) != SCIM_OK)
		return (rc);
	if (v != NULL && a->sa_flags & SCHEMA_F_EXTERNAL &&
	    !(flags & VALIDATE_KEEP_EXTERNAL)) {
		json_object_put(v);
		v = NULL;
	}
	if (v == NULL) {
		json_object_object_del(o, a->sa_name);
		return (SCIM_OK);
	}
	return (obj_add(o, a->sa_name, v));
}

/*
 * The required attributes, then "schemas" (the core URN and those of the
 * extensions present) and the extensions' objects moved into o.
 */
static int
validate_finish(const struct resource_type *rt, struct vext *ves,
    size_t nves, struct json_object *o, struct json_object *schemas,
    struct scim_errbuf *eb)
{
	struct json_object	*v;
	struct vext		*ve;
	char			 prefix[256];
	size_t			 i;
	int			 rc;

	if ((rc = check_required(rt->rt_schema->sc_attrs, o, "", eb)) !=
	    SCIM_OK)
		return (rc);
	if ((v = json_object_new_string(rt->rt_schema->sc_id)) == NULL ||
	    arr_add(schemas, v) != SCIM_OK)
		return (SCIM_ENOMEM);
	for (i = 0; i < nves; i++) {
		ve = &ves[i];
		snprintf(prefix, sizeof(prefix), "%s:", ve->ve_schema->sc_id);
		if ((rc = check_required(ve->ve_schema->sc_attrs, ve->ve_obj,
		    prefix, eb)) != SCIM_OK)
			return (rc);
		if (ve->ve_obj == NULL ||
		    json_object_object_length(ve->ve_obj) == 0)
			continue;
		if ((v = json_object_new_string(ve->ve_schema->sc_id)) ==
		    NULL || arr_add(schemas, v) != SCIM_OK)
			return (SCIM_ENOMEM);
		rc = obj_add(o, ve->ve_schema->sc_id, ve->ve_obj);
		ve->ve_obj = NULL;	/* o's now, or put by obj_add */
		if (rc != SCIM_OK)
			return (rc);
	}
	return (SCIM_OK);
}

int
validate_resource(const struct resource_type *rt, struct json_object *in,
    int flags, struct json_object **out, struct scim_errbuf *eb)
{
	struct json_object_iterator	 it, end;
	struct json_object		*o = NULL, *schemas;
	struct vext			*ves = NULL;
	size_t				 i, nves = 0;
	int				 rc;

	*out = NULL;
	if (in == NULL || !json_object_is_type(in, json_type_object))
		return (scim_err_set(eb, SCIM_ESYNTAX,
		    "the resource must be a JSON object"));
	while (rt->rt_exts[nves] != NULL)
		nves++;
	ves = xcalloc(nves + 1, sizeof(*ves));
	for (i = 0; i < nves; i++)
		ves[i].ve_schema = rt->rt_exts[i];

	rc = SCIM_ENOMEM;
	if ((o = json_object_new_object()) == NULL)
		goto done;
	/* schemas first; filled in once the extensions are known */
	if ((schemas = json_object_new_array()) == NULL ||
	    obj_add(o, "schemas", schemas) != SCIM_OK)
		goto done;
	it = json_object_iter_begin(in);
	end = json_object_iter_end(in);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
		if ((rc = validate_member(rt, ves, nves, o,
		    json_object_iter_peek_name(&it),
		    json_object_iter_peek_value(&it), flags, eb)) != SCIM_OK)
			goto done;
	if ((flags & VALIDATE_NEED_SCHEMAS) &&
	    (rc = check_core_schema(rt, in, eb)) != SCIM_OK)
		goto done;
	if ((rc = validate_finish(rt, ves, nves, o, schemas, eb)) != SCIM_OK)
		goto done;
	*out = o;
	o = NULL;
 done:
	for (i = 0; i < nves; i++)
		json_object_put(ves[i].ve_obj);
	free(ves);
	json_object_put(o);
	return (rc);
}

int
validate_value(const struct schema_attr *attr, struct json_object *in,
    struct json_object **out, struct scim_errbuf *eb)
{
	return (check_value(attr, attr->sa_name, in, VALIDATE_KEEP_EXTERNAL,
	    out, eb));
}
