/*
 * PATCH (RFC 7644 section 3.5.2) with the Entra ID forms of entra.md
 * sections 4, 5 and 12.
 *
 * patch_parse resolves every path against the schema tables and expands
 * path-less values (and values given for a bare extension URN) into one
 * operation per attribute, so patch_apply only walks a list of resolved
 * targets.  Membership changes (Group.members, kept outside the document) do
 * not depend on the document, so they are computed once at parse time.
 *
 * Interpretations where the RFC is silent or Entra departs from it:
 *   - A null or "" value with add or replace on a single-valued target (or a
 *     sub-attribute) removes it: Entra's validator clears with "" then null.
 *     replace with null/"" on a multi-valued attribute removes it; add with
 *     null/"" on a multi-valued attribute does nothing.
 *   - add on a complex single-valued attribute merges sub-attributes; replace
 *     replaces the whole complex value.
 *   - add/replace through "attr[filter]" or "attr[filter].sub" that matches
 *     nothing creates the element from the filter's "sub eq literal" terms
 *     (joined by and); any other filter shape gives noTarget.
 *   - remove of an absent attribute succeeds (Entra retries); remove through
 *     a filter that matches nothing gives noTarget.
 *   - A value that sets "primary" to true on one element sets it to false on
 *     the others (RFC 7644 3.5.2).
 *   - In values, "schemas", "id" and "meta" and readOnly sub-attributes
 *     (manager.displayName, members.display) are ignored; naming a readOnly
 *     attribute in a path, or "groups" in a value, is a mutability error.
 *   - Sub-attributes not in the schema are copied as sent; validate.c judges
 *     them afterwards.
 */
#include "scimd.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "error.h"
#include "filter.h"
#include "jsonutil.h"
#include "patch.h"
#include "schema.h"
#include "util.h"

enum op_kind {
	OP_ADD,
	OP_REPLACE,
	OP_REMOVE
};

/* One resolved operation; path-less operations become one per attribute. */
struct patch_op {
	enum op_kind			 po_kind;
	size_t				 po_idx;	/* in Operations, for details */
	const struct schema		*po_ext;	/* extension or NULL */
	const struct schema_attr	*po_attr;	/* NULL: the whole extension */
	const struct schema_attr	*po_sub;	/* sub-attribute or NULL */
	struct filter			*po_filter;	/* value filter, owned */
	struct json_object		*po_value;	/* borrowed from p_body */
};

struct patch {
	const struct resource_type	*p_rt;
	const struct filter_limits	*p_limits;
	struct json_object		*p_body;	/* one reference */
	struct json_object		*p_owned;	/* member arrays we built */
	struct patch_op			*p_ops;
	size_t				 p_nops;
	struct patch_member_op		*p_mops;
	size_t				 p_nmops;
};

#define ISTYPE(o, t)	json_object_is_type((o), json_type_ ## t)

/*
 * Helpers on json-c objects.
 */

/* Remove attribute name of container c; for "return (drop(...))". */
static int
drop(struct json_object *c, const char *name)
{
	jsonutil_del(c, name);
	return (SCIM_OK);
}

/* Set obj[key] = v under exactly key, dropping other-case twins; takes v. */
static int
set_key(struct json_object *obj, const char *key, struct json_object *v)
{
	if (!json_object_object_get_ex(obj, key, NULL))
		jsonutil_del(obj, key);
	if (json_object_object_add(obj, key, v) != 0) {
		json_object_put(v);
		return (SCIM_ENOMEM);
	}
	return (SCIM_OK);
}

/* null and "" mean "unassigned" (RFC 7643 2.5; Entra clears with both). */
static int
is_empty(struct json_object *v)
{
	return (v == NULL ||
	    (ISTYPE(v, string) && json_object_get_string_len(v) == 0));
}

static int
copy_json(struct json_object *v, struct json_object **out)
{
	*out = NULL;
	if (v != NULL && json_object_deep_copy(v, out, NULL) != 0)
		return (SCIM_ENOMEM);
	return (SCIM_OK);
}

/* A one-element array stands for its element (old Microsoft SDK shapes). */
static struct json_object *
unwrap1(struct json_object *v)
{
	if (v != NULL && ISTYPE(v, array) && json_object_array_length(v) == 1)
		return (json_object_array_get_idx(v, 0));
	return (v);
}

/*
 * Value normalisation: canonical sub-attribute names, Entra's string
 * booleans coerced (validate.c would reject them), nulls dropped.
 */

/* Copy of a non-complex value of a. */
static int
norm_simple(const struct schema_attr *a, struct json_object *v,
    struct json_object **out)
{
	const char	*s;

	if (a->sa_type == SCHEMA_BOOLEAN && v != NULL && ISTYPE(v, string)) {
		s = json_object_get_string(v);
		if (strcasecmp(s, "true") == 0 || strcasecmp(s, "false") == 0) {
			*out = json_object_new_boolean(*s == 't' || *s == 'T');
			return (*out != NULL ? SCIM_OK : SCIM_ENOMEM);
		}
	}
	return (copy_json(v, out));
}

/*
 * Set sub-attribute k of the complex value o of a to a copy of v, under its
 * canonical name.  readOnly sub-attributes are skipped (clients echo them);
 * so is a null, or with clear, a null or "" removes k instead.
 */
static int
put_sub(const struct schema_attr *a, struct json_object *o, const char *k,
    struct json_object *v, int clear)
{
	const struct schema_attr	*s;
	struct json_object		*nv;
	int				 rc;

	s = schema_attr_find(a->sa_subs, k, strlen(k));
	if (s != NULL && s->sa_mut == SCHEMA_READONLY)
		return (SCIM_OK);
	if (s != NULL)
		k = s->sa_name;
	if (clear && is_empty(v))
		return (drop(o, k));
	if (v == NULL)
		return (SCIM_OK);
	rc = s != NULL ? norm_simple(s, v, &nv) : copy_json(v, &nv);
	if (rc != SCIM_OK)
		return (rc);
	return (set_key(o, k, nv));
}

/*
 * Copy of one complex value of a.  readOnly sub-attributes are dropped
 * (clients echo them); with wrap, a bare string is the "value" sub-attribute
 * (Entra sends the enterprise manager as its id).
 */
static int
norm_complex(const struct schema_attr *a, struct json_object *v, int wrap,
    struct json_object **out)
{
	struct json_object_iterator	 it, end;
	struct json_object		*o, *nv;
	int				 rc;

	*out = NULL;
	if (wrap && v != NULL && ISTYPE(v, string) &&
	    schema_attr_find(a->sa_subs, "value", 5) != NULL) {
		if ((o = json_object_new_object()) == NULL)
			return (SCIM_ENOMEM);
		if ((nv = json_object_new_string_len(json_object_get_string(v),
		    json_object_get_string_len(v))) == NULL ||
		    (rc = set_key(o, "value", nv)) != SCIM_OK) {
			json_object_put(o);
			return (SCIM_ENOMEM);
		}
		*out = o;
		return (SCIM_OK);
	}
	if (v == NULL || !ISTYPE(v, object))
		return (copy_json(v, out));
	if ((o = json_object_new_object()) == NULL)
		return (SCIM_ENOMEM);
	it = json_object_iter_begin(v);
	end = json_object_iter_end(v);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
		if ((rc = put_sub(a, o, json_object_iter_peek_name(&it),
		    json_object_iter_peek_value(&it), 0)) != SCIM_OK) {
			json_object_put(o);
			return (rc);
		}
	*out = o;
	return (SCIM_OK);
}

/* Copy of a whole value of a; multi-valued attributes always give arrays. */
static int
norm_value(const struct schema_attr *a, struct json_object *v,
    struct json_object **out)
{
	struct json_object	*arr, *e, *ne;
	size_t			 i, n;
	int			 rc;

	*out = NULL;
	if (!a->sa_multi) {
		if (a->sa_type == SCHEMA_COMPLEX)
			return (norm_complex(a, unwrap1(v), 1, out));
		return (norm_simple(a, v, out));
	}
	if ((arr = json_object_new_array()) == NULL)
		return (SCIM_ENOMEM);
	n = ISTYPE(v, array) ? json_object_array_length(v) : 1;
	for (i = 0; i < n; i++) {
		e = ISTYPE(v, array) ? json_object_array_get_idx(v, i) : v;
		if (e == NULL)
			continue;
		rc = a->sa_type == SCHEMA_COMPLEX ? norm_complex(a, e, 0, &ne) :
		    norm_simple(a, e, &ne);
		if (rc == SCIM_OK && json_object_array_add(arr, ne) != 0) {
			json_object_put(ne);
			rc = SCIM_ENOMEM;
		}
		if (rc != SCIM_OK) {
			json_object_put(arr);
			return (rc);
		}
	}
	*out = arr;
	return (SCIM_OK);
}

/* Merge the sub-attributes of object v into the complex value cur. */
static int
merge(const struct schema_attr *a, struct json_object *cur,
    struct json_object *v)
{
	struct json_object_iterator	 it, end;
	int				 rc;

	it = json_object_iter_begin(v);
	end = json_object_iter_end(v);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
		if ((rc = put_sub(a, cur, json_object_iter_peek_name(&it),
		    json_object_iter_peek_value(&it), 1)) != SCIM_OK)
			return (rc);
	return (SCIM_OK);
}

/*
 * Path parsing.
 */

/* Resolve "attr" or "attr.sub" (len bytes) in extension sc's table. */
static int
resolve_table(const struct schema *sc, const char *s, size_t len,
    struct schema_path *sp)
{
	const char	*dot = memchr(s, '.', len);
	size_t		 alen = dot != NULL ? (size_t)(dot - s) : len;

	memset(sp, 0, sizeof(*sp));
	sp->sp_ext = sc;
	if ((sp->sp_attr = schema_attr_find(sc->sc_attrs, s, alen)) == NULL)
		return (SCIM_EPATH);
	if (dot == NULL)
		return (SCIM_OK);
	if (sp->sp_attr->sa_type != SCHEMA_COMPLEX)
		return (SCIM_EPATH);
	sp->sp_sub = schema_attr_find(sp->sp_attr->sa_subs, dot + 1,
	    len - alen - 1);
	return (sp->sp_sub != NULL ? SCIM_OK : SCIM_EPATH);
}

/*
 * Resolve an attribute name.  An unqualified name that is not a core
 * attribute is looked up in rt's extensions: Entra's older shape sends
 * "manager" for the enterprise manager.
 */
static int
resolve_name(const struct resource_type *rt, const char *s, size_t len,
    struct schema_path *sp)
{
	const struct schema *const	*e;

	if (schema_resolve(rt, s, len, sp) == SCIM_OK)
		return (SCIM_OK);
	if (len >= 4 && strncasecmp(s, "urn:", 4) == 0)
		return (SCIM_EPATH);
	for (e = rt->rt_exts; *e != NULL; e++)
		if (resolve_table(*e, s, len, sp) == SCIM_OK)
			return (SCIM_OK);
	return (SCIM_EPATH);
}

/*
 * Parse attrPath or valuePath ["." subAttr] (RFC 7644 3.5.2 PATH).  On
 * SCIM_OK, sp names the target and *fp the value filter (or NULL).
 */
static int
parse_path(const struct patch *p, size_t idx, const char *s, size_t len,
    struct schema_path *sp, struct filter **fp, struct scim_errbuf *eb)
{
	const char	*lb, *q, *rb = NULL;
	int		 inq = 0, rc;

	*fp = NULL;
	if ((lb = memchr(s, '[', len)) == NULL) {
		if (len == 0 || resolve_name(p->p_rt, s, len, sp) != SCIM_OK)
			goto badpath;
		return (SCIM_OK);
	}
	if (resolve_name(p->p_rt, s, (size_t)(lb - s), sp) != SCIM_OK ||
	    sp->sp_attr == NULL || sp->sp_sub != NULL)
		goto badpath;
	if (!sp->sp_attr->sa_multi || sp->sp_attr->sa_type != SCHEMA_COMPLEX)
		return (scim_err_set(eb, SCIM_EPATH, "Operations[%zu]: "
		    "\"%s\" is not a multi-valued complex attribute", idx,
		    sp->sp_attr->sa_name));
	/* the closing bracket, skipping quoted strings */
	for (q = lb + 1; q < s + len; q++) {
		if (inq && *q == '\\' && q + 1 < s + len)
			q++;
		else if (*q == '"')
			inq = !inq;
		else if (!inq && *q == ']') {
			rb = q;
			break;
		}
	}
	if (rb == NULL)
		goto badpath;
	if ((rc = filter_parse_sub(lb + 1, (size_t)(rb - lb - 1), sp,
	    p->p_limits, fp, eb)) != SCIM_OK)
		return (rc);
	q = rb + 1;
	if (q == s + len)
		return (SCIM_OK);
	if (*q == '.' && (sp->sp_sub = schema_attr_find(sp->sp_attr->sa_subs,
	    q + 1, len - (size_t)(q + 1 - s))) != NULL)
		return (SCIM_OK);
	filter_free(*fp);
	*fp = NULL;
 badpath:
	return (scim_err_set(eb, SCIM_EPATH,
	    "Operations[%zu]: invalid path \"%.*s\"", idx,
	    len > 80 ? 80 : (int)len, s));
}

/*
 * Membership operations (Group.members is not in the document).
 */

static void
push_mop(struct patch *p, enum patch_member_kind kind,
    struct json_object *values, const struct filter *f)
{
	p->p_mops = xrealloc(p->p_mops, (p->p_nmops + 1) * sizeof(*p->p_mops));
	p->p_mops[p->p_nmops].pm_kind = kind;
	p->p_mops[p->p_nmops].pm_values = values;
	p->p_mops[p->p_nmops].pm_filter = f;
	p->p_nmops++;
}

/* Keep arr alive as long as the patch; returns it (borrowed) or NULL. */
static struct json_object *
own(struct patch *p, struct json_object *arr)
{
	if (json_object_array_add(p->p_owned, arr) != 0) {
		json_object_put(arr);
		return (NULL);
	}
	return (arr);
}

/*
 * Canonical member objects from v (one object or an array of them), each
 * with a non-empty string "value".  *out is owned by the patch.
 */
static int
member_values(struct patch *p, const struct schema_attr *a, size_t idx,
    struct json_object *v, struct json_object **out, struct scim_errbuf *eb)
{
	struct json_object	*arr, *e, *id;
	size_t			 i, n;
	int			 rc;

	*out = NULL;
	if (v == NULL || (!ISTYPE(v, array) && !ISTYPE(v, object)))
		return (scim_err_set(eb, SCIM_EINVAL, "Operations[%zu]: "
		    "members value must be an array of objects", idx));
	if ((rc = norm_value(a, v, &arr)) != SCIM_OK)
		return (rc);
	if ((arr = own(p, arr)) == NULL)
		return (SCIM_ENOMEM);
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(arr, i);
		if (!ISTYPE(e, object) ||
		    !json_object_object_get_ex(e, "value", &id) ||
		    !ISTYPE(id, string) || json_object_get_string_len(id) == 0)
			return (scim_err_set(eb, SCIM_EINVAL,
			    "Operations[%zu]: members[%zu] needs a string "
			    "\"value\"", idx, i));
	}
	*out = arr;
	return (SCIM_OK);
}

/* {"value": x} for each term of a filter made of "value eq x" or-ed. */
static int
member_ids(const struct filter *f, struct json_object *arr)
{
	struct json_object	*o, *id;

	switch (f->f_op) {
	case FILTER_OR:
		return (member_ids(f->f_left, arr) &&
		    member_ids(f->f_right, arr));
	case FILTER_EQ:
		if (f->f_path.sp_sub == NULL ||
		    strcmp(f->f_path.sp_sub->sa_name, "value") != 0 ||
		    f->f_value == NULL || !ISTYPE(f->f_value, string))
			return (0);
		if ((o = json_object_new_object()) == NULL)
			return (0);
		if (copy_json(f->f_value, &id) != SCIM_OK ||
		    set_key(o, "value", id) != SCIM_OK ||
		    json_object_array_add(arr, o) != 0) {
			json_object_put(o);
			return (0);
		}
		return (1);
	default:
		return (0);
	}
}

/*
 * Translate an operation on members into membership operations.  Removal
 * with a value array removes only those members (Entra's default mode; the
 * RFC reading "remove the attribute" would empty the group).
 */
static int
member_ops(struct patch *p, size_t idx, enum op_kind kind,
    const struct schema_attr *a, const struct schema_attr *sub,
    const struct filter *f, struct json_object *v, struct scim_errbuf *eb)
{
	struct json_object	*arr;
	int			 rc;

	if (sub != NULL || (f != NULL && kind != OP_REMOVE))
		return (scim_err_set(eb, SCIM_EMUTABILITY, "Operations[%zu]: "
		    "members can only be added or removed", idx));
	if (f != NULL) {
		if ((arr = own(p, json_object_new_array())) == NULL)
			return (SCIM_ENOMEM);
		if (member_ids(f, arr))
			push_mop(p, PATCH_MEMBER_REMOVE, arr, NULL);
		else
			push_mop(p, PATCH_MEMBER_REMOVE_IF, NULL, f);
		return (SCIM_OK);
	}
	if (kind == OP_REPLACE)
		push_mop(p, PATCH_MEMBER_REMOVE_ALL, NULL, NULL);
	if (kind == OP_REMOVE && v == NULL) {
		push_mop(p, PATCH_MEMBER_REMOVE_ALL, NULL, NULL);
		return (SCIM_OK);
	}
	if (kind != OP_REMOVE && is_empty(v))
		return (SCIM_OK);
	if ((rc = member_values(p, a, idx, v, &arr, eb)) != SCIM_OK)
		return (rc);
	if (json_object_array_length(arr) > 0)
		push_mop(p, kind == OP_REMOVE ? PATCH_MEMBER_REMOVE :
		    PATCH_MEMBER_ADD, arr, NULL);
	return (SCIM_OK);
}

/*
 * Parsing operations.
 */

static int
is_common(const struct schema_attr *a)
{
	const struct schema_attr	*c;

	for (c = schema_common_attrs; c->sa_name != NULL; c++)
		if (c == a)
			return (1);
	return (0);
}

/*
 * Record one resolved operation; takes f.  inval: the target came from a key
 * of a value, where echoed readOnly data is ignored rather than refused.
 */
static int
push_op(struct patch *p, size_t idx, enum op_kind kind,
    const struct schema_path *sp, struct filter *f, struct json_object *v,
    int inval, struct scim_errbuf *eb)
{
	const struct schema_attr	*a = sp->sp_attr, *s = sp->sp_sub;
	struct patch_op			*op;
	int				 rc;

	if (a != NULL && (a->sa_mut == SCHEMA_READONLY ||
	    (s != NULL && s->sa_mut == SCHEMA_READONLY))) {
		filter_free(f);
		if (inval && (is_common(a) || a->sa_mut != SCHEMA_READONLY))
			return (SCIM_OK);
		return (scim_err_set(eb, SCIM_EMUTABILITY,
		    "Operations[%zu]: \"%s%s%s\" is readOnly", idx, a->sa_name,
		    s != NULL ? "." : "", s != NULL ? s->sa_name : ""));
	}
	if (a != NULL && (a->sa_flags & SCHEMA_F_EXTERNAL) &&
	    (rc = member_ops(p, idx, kind, a, s, f, v, eb)) != SCIM_OK) {
		filter_free(f);
		return (rc);
	}
	p->p_ops = xrealloc(p->p_ops, (p->p_nops + 1) * sizeof(*p->p_ops));
	op = &p->p_ops[p->p_nops++];
	op->po_kind = kind;
	op->po_idx = idx;
	op->po_ext = sp->sp_ext;
	op->po_attr = a;
	op->po_sub = s;
	op->po_filter = f;
	op->po_value = v;
	return (SCIM_OK);
}

/*
 * Expand an object of attributes (a path-less value, or the value for an
 * extension URN when ext is set) into one operation per key.  Keys may be
 * dotted ("name.givenName": a sub-attribute, never a literal key), URN
 * qualified, or an extension URN holding an object.
 */
static int
expand(struct patch *p, size_t idx, enum op_kind kind,
    const struct schema *ext, struct json_object *obj, int depth,
    struct scim_errbuf *eb)
{
	struct json_object_iterator	 it, end;
	const struct resource_type	*rt = p->p_rt;
	const struct schema		*e;
	struct schema_path		 sp;
	struct json_object		*v;
	const char			*k;
	size_t				 klen;
	int				 rc;

	it = json_object_iter_begin(obj);
	end = json_object_iter_end(obj);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		k = json_object_iter_peek_name(&it);
		v = json_object_iter_peek_value(&it);
		klen = strlen(k);
		if (ext != NULL)
			rc = resolve_table(ext, k, klen, &sp);
		else if (strcasecmp(k, "schemas") == 0)
			continue;	/* clients echo it */
		else if ((e = schema_ext_find(rt, k, klen)) != NULL) {
			memset(&sp, 0, sizeof(sp));
			sp.sp_ext = e;
			if (v == NULL && kind == OP_REPLACE)
				rc = push_op(p, idx, OP_REMOVE, &sp, NULL, NULL,
				    1, eb);
			else if (v == NULL)
				rc = SCIM_OK;
			else if (!ISTYPE(v, object))
				rc = scim_err_set(eb, SCIM_EINVAL,
				    "Operations[%zu]: \"%s\" must be an object",
				    idx, e->sc_id);
			else
				rc = expand(p, idx, kind, e, v, depth + 1, eb);
			if (rc != SCIM_OK)
				return (rc);
			continue;
		} else if (depth == 0 && v != NULL && ISTYPE(v, object) &&
		    strcasecmp(k, rt->rt_schema->sc_id) == 0) {
			if ((rc = expand(p, idx, kind, NULL, v, 1, eb)) !=
			    SCIM_OK)
				return (rc);
			continue;
		} else
			rc = resolve_name(rt, k, klen, &sp);
		if (rc != SCIM_OK || sp.sp_attr == NULL)
			return (scim_err_set(eb, SCIM_EPATH,
			    "Operations[%zu]: unknown attribute \"%.80s\"",
			    idx, k));
		if ((rc = push_op(p, idx, kind, &sp, NULL, v, 1, eb)) !=
		    SCIM_OK)
			return (rc);
	}
	return (SCIM_OK);
}

static int
parse_op(struct patch *p, size_t idx, struct json_object *o,
    struct scim_errbuf *eb)
{
	struct json_object	*opv, *pathv, *v;
	struct schema_path	 sp;
	struct filter		*f;
	enum op_kind		 kind;
	const char		*s;
	size_t			 len;
	int			 hasv, rc;

	if (o == NULL || !ISTYPE(o, object))
		return (scim_err_set(eb, SCIM_ESYNTAX,
		    "Operations[%zu] must be an object", idx));
	if (!jsonutil_has(o, "op", &opv) || opv == NULL ||
	    !ISTYPE(opv, string))
		return (scim_err_set(eb, SCIM_ESYNTAX,
		    "Operations[%zu]: \"op\" must be a string", idx));
	s = json_object_get_string(opv);
	if (strcasecmp(s, "add") == 0)		/* Entra sends "Add" */
		kind = OP_ADD;
	else if (strcasecmp(s, "replace") == 0)
		kind = OP_REPLACE;
	else if (strcasecmp(s, "remove") == 0)
		kind = OP_REMOVE;
	else
		return (scim_err_set(eb, SCIM_ESYNTAX,
		    "Operations[%zu]: unknown op \"%.32s\"", idx, s));
	hasv = jsonutil_has(o, "value", &v);
	if (kind != OP_REMOVE && !hasv)
		return (scim_err_set(eb, SCIM_EINVAL,
		    "Operations[%zu]: %s needs a value", idx, s));
	if (!jsonutil_has(o, "path", &pathv) || pathv == NULL) {
		if (kind == OP_REMOVE)
			return (scim_err_set(eb, SCIM_ENOTARGET,
			    "Operations[%zu]: remove needs a path", idx));
		if (v == NULL || !ISTYPE(v, object))
			return (scim_err_set(eb, SCIM_EINVAL,
			    "Operations[%zu]: without a path, the value must "
			    "be an object of attributes", idx));
		return (expand(p, idx, kind, NULL, v, 0, eb));
	}
	if (!ISTYPE(pathv, string))
		return (scim_err_set(eb, SCIM_EPATH,
		    "Operations[%zu]: \"path\" must be a string", idx));
	s = json_object_get_string(pathv);
	len = (size_t)json_object_get_string_len(pathv);
	if (strlen(s) != len)	/* an escaped NUL */
		return (scim_err_set(eb, SCIM_EPATH,
		    "Operations[%zu]: invalid path", idx));
	if ((rc = parse_path(p, idx, s, len, &sp, &f, eb)) != SCIM_OK)
		return (rc);
	if (sp.sp_attr != NULL)
		return (push_op(p, idx, kind, &sp, f, v, 0, eb));
	/* a bare extension URN: its value is an object of its attributes */
	if (kind == OP_REMOVE || (kind == OP_REPLACE && v == NULL))
		return (push_op(p, idx, OP_REMOVE, &sp, NULL, NULL, 0, eb));
	if (v == NULL)
		return (SCIM_OK);
	if (!ISTYPE(v, object))
		return (scim_err_set(eb, SCIM_EINVAL, "Operations[%zu]: "
		    "the value for an extension must be an object", idx));
	return (expand(p, idx, kind, sp.sp_ext, v, 1, eb));
}

static int
has_patch_schema(struct json_object *body)
{
	struct json_object	*a, *e;
	size_t			 i, n;

	if (!jsonutil_has(body, "schemas", &a) || a == NULL ||
	    !ISTYPE(a, array))
		return (0);
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(a, i);
		if (e != NULL && ISTYPE(e, string) &&
		    strcasecmp(json_object_get_string(e), SCIM_MSG_PATCH) == 0)
			return (1);
	}
	return (0);
}

int
patch_parse(struct json_object *body, const struct resource_type *rt,
    const struct filter_limits *limits, size_t maxops, struct patch **out,
    struct scim_errbuf *eb)
{
	struct patch		*p;
	struct json_object	*ops;
	size_t			 i, n;
	int			 rc;

	*out = NULL;
	if (body == NULL || !ISTYPE(body, object))
		return (scim_err_set(eb, SCIM_ESYNTAX,
		    "PATCH body must be a JSON object"));
	if (!has_patch_schema(body))
		return (scim_err_set(eb, SCIM_ESYNTAX,
		    "schemas must contain \"%s\"", SCIM_MSG_PATCH));
	if (!jsonutil_has(body, "Operations", &ops) || ops == NULL ||
	    !ISTYPE(ops, array) || (n = json_object_array_length(ops)) == 0)
		return (scim_err_set(eb, SCIM_ESYNTAX,
		    "Operations must be a non-empty array"));
	if (maxops != 0 && n > maxops)
		return (scim_err_set(eb, SCIM_EINVAL,
		    "more than %zu operations", maxops));
	p = xcalloc(1, sizeof(*p));
	p->p_rt = rt;
	p->p_limits = limits;
	p->p_body = json_object_get(body);
	if ((p->p_owned = json_object_new_array()) == NULL) {
		rc = SCIM_ENOMEM;
		goto fail;
	}
	for (i = 0; i < n; i++)
		if ((rc = parse_op(p, i, json_object_array_get_idx(ops, i),
		    eb)) != SCIM_OK)
			goto fail;
	*out = p;
	return (SCIM_OK);
 fail:
	patch_free(p);
	return (rc);
}

void
patch_free(struct patch *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->p_nops; i++)
		filter_free(p->p_ops[i].po_filter);
	free(p->p_ops);
	free(p->p_mops);
	json_object_put(p->p_owned);
	json_object_put(p->p_body);
	free(p);
}

/*
 * Applying operations to the working copy.
 */

/*
 * Element created when an add/replace filter matches nothing: the filter's
 * "sub eq literal" terms joined by and (Entra: emails[type eq "work"]).
 */
static int
filter_seed(const struct filter *f, struct json_object *elem)
{
	struct json_object	*v;
	int			 rc;

	switch (f->f_op) {
	case FILTER_AND:
		if ((rc = filter_seed(f->f_left, elem)) != SCIM_OK)
			return (rc);
		return (filter_seed(f->f_right, elem));
	case FILTER_EQ:
		if (f->f_path.sp_sub == NULL || f->f_value == NULL)
			return (SCIM_ENOTARGET);
		if ((rc = copy_json(f->f_value, &v)) != SCIM_OK)
			return (rc);
		return (set_key(elem, f->f_path.sp_sub->sa_name, v));
	default:
		return (SCIM_ENOTARGET);
	}
}

/* Drop elements left empty by a removal, and the attribute if none remain. */
static void
prune(struct json_object *c, const char *name)
{
	struct json_object	*arr, *e;
	size_t			 i;

	if (!json_object_object_get_ex(c, name, &arr) || !ISTYPE(arr, array))
		return;
	for (i = json_object_array_length(arr); i-- > 0;) {
		e = json_object_array_get_idx(arr, i);
		if (e != NULL && ISTYPE(e, object) &&
		    json_object_object_length(e) == 0)
			json_object_array_del_idx(arr, i, 1);
	}
	if (json_object_array_length(arr) == 0)
		json_object_object_del(c, name);
}

/* Does elem hold every sub-attribute of the removal value rv? */
static int
elem_has(struct json_object *elem, struct json_object *rv)
{
	struct json_object_iterator	it, end;
	struct json_object		*ev;

	if (!ISTYPE(rv, object) || !ISTYPE(elem, object))
		return (json_object_equal(elem, rv));
	it = json_object_iter_begin(rv);
	end = json_object_iter_end(rv);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
		if (!json_object_object_get_ex(elem,
		    json_object_iter_peek_name(&it), &ev) ||
		    !json_object_equal(ev, json_object_iter_peek_value(&it)))
			return (0);
	return (json_object_object_length(rv) > 0);
}

/* Add the values in nv (taken) to c[a], skipping exact duplicates. */
static int
add_values(struct json_object *c, const struct schema_attr *a,
    struct json_object *nv)
{
	struct json_object	*arr, *e;
	size_t			 i, j, n;
	int			 dup, rc = SCIM_OK;

	if (!json_object_object_get_ex(c, a->sa_name, &arr) ||
	    !ISTYPE(arr, array)) {
		if ((arr = json_object_new_array()) == NULL ||
		    (rc = set_key(c, a->sa_name, arr)) != SCIM_OK) {
			json_object_put(nv);
			return (SCIM_ENOMEM);
		}
	}
	n = json_object_array_length(nv);
	for (i = 0; i < n && rc == SCIM_OK; i++) {
		e = json_object_array_get_idx(nv, i);
		for (dup = 0, j = 0; j < json_object_array_length(arr); j++)
			if (json_object_equal(e,
			    json_object_array_get_idx(arr, j)))
				dup = 1;
		if (dup)
			continue;
		if (json_object_array_add(arr, json_object_get(e)) != 0) {
			json_object_put(e);
			rc = SCIM_ENOMEM;
		}
	}
	if (json_object_array_length(arr) == 0)
		json_object_object_del(c, a->sa_name);
	json_object_put(nv);
	return (rc);
}

/* Set sub-attribute s of the complex value e to v. */
static int
set_sub(const struct schema_attr *s, struct json_object *e,
    struct json_object *v)
{
	struct json_object	*nv;
	int			 rc;

	if (!ISTYPE(e, object))
		return (SCIM_OK);
	if ((rc = norm_simple(s, v, &nv)) != SCIM_OK)
		return (rc);
	return (set_key(e, s->sa_name, nv));
}

/* add, replace or remove of a whole multi-valued attribute (arr: c's). */
static int
multi_whole(const struct patch_op *op, struct json_object *c,
    struct json_object *arr)
{
	const struct schema_attr	*a = op->po_attr;
	struct json_object		*v = op->po_value, *e, *nv;
	size_t				 i, j;
	int				 rc;

	if (op->po_kind == OP_ADD && is_empty(v))
		return (SCIM_OK);
	if (op->po_kind == OP_REPLACE && is_empty(v))
		return (drop(c, a->sa_name));
	if (op->po_kind == OP_REMOVE && (v == NULL || arr == NULL))
		return (drop(c, a->sa_name));
	if ((rc = norm_value(a, v, &nv)) != SCIM_OK)
		return (rc);
	if (op->po_kind == OP_ADD)
		return (add_values(c, a, nv));
	if (op->po_kind == OP_REPLACE) {
		if (json_object_array_length(nv) == 0) {
			json_object_put(nv);
			return (drop(c, a->sa_name));
		}
		return (set_key(c, a->sa_name, nv));
	}
	/* remove with a value: only the values given */
	for (i = json_object_array_length(arr); i-- > 0;) {
		e = json_object_array_get_idx(arr, i);
		for (j = 0; j < json_object_array_length(nv); j++)
			if (elem_has(e, json_object_array_get_idx(nv, j))) {
				json_object_array_del_idx(arr, i, 1);
				break;
			}
	}
	json_object_put(nv);
	prune(c, a->sa_name);
	return (SCIM_OK);
}

/* "attr.sub": the sub-attribute of every value (arr: c's, or NULL). */
static int
multi_every_sub(const struct patch_op *op, struct json_object *c,
    struct json_object *arr)
{
	const struct schema_attr	*a = op->po_attr, *s = op->po_sub;
	struct json_object		*v = op->po_value, *e, *nv;
	size_t				 i, n;
	int				 rc = SCIM_OK, empty = is_empty(v);

	n = arr != NULL ? json_object_array_length(arr) : 0;
	if (op->po_kind != OP_REMOVE && !empty && n == 0) {
		if ((e = json_object_new_object()) == NULL ||
		    (rc = set_sub(s, e, v)) != SCIM_OK ||
		    (nv = json_object_new_array()) == NULL) {
			json_object_put(e);
			return (SCIM_ENOMEM);
		}
		if (json_object_array_add(nv, e) != 0) {
			json_object_put(e);
			json_object_put(nv);
			return (SCIM_ENOMEM);
		}
		return (set_key(c, a->sa_name, nv));
	}
	for (i = 0; i < n && rc == SCIM_OK; i++) {
		e = json_object_array_get_idx(arr, i);
		if (op->po_kind == OP_REMOVE || empty)
			jsonutil_del(e, s->sa_name);
		else
			rc = set_sub(s, e, v);
	}
	prune(c, a->sa_name);
	return (rc);
}

/*
 * Create the value a filter names when it matched nothing (Entra depends
 * on it), with v as its value or sub-attribute; arr is c's list or NULL.
 */
static int
multi_seed(const struct patch_op *op, struct json_object *c,
    struct json_object *arr, struct json_object *v, struct scim_errbuf *eb)
{
	const struct schema_attr	*a = op->po_attr, *s = op->po_sub;
	struct json_object		*e;
	int				 rc;

	if ((e = json_object_new_object()) == NULL)
		return (SCIM_ENOMEM);
	if ((rc = filter_seed(op->po_filter, e)) == SCIM_OK)
		rc = s != NULL ? set_sub(s, e, v) : merge(a, e, v);
	if (rc == SCIM_OK && arr == NULL) {
		if ((arr = json_object_new_array()) == NULL)
			rc = SCIM_ENOMEM;
		else
			rc = set_key(c, a->sa_name, arr);
	}
	if (rc == SCIM_OK && json_object_array_add(arr, e) != 0)
		rc = SCIM_ENOMEM;
	if (rc == SCIM_OK)
		return (SCIM_OK);
	json_object_put(e);
	if (rc == SCIM_ENOTARGET)
		return (scim_err_set(eb, rc, "Operations[%zu]: no %s value "
		    "matches the filter, and the filter does not describe one "
		    "to create", op->po_idx, a->sa_name));
	return (rc);
}

/* "attr[filter]" or "attr[filter].sub" (arr: c's list, or NULL). */
static int
multi_filtered(const struct patch_op *op, struct json_object *c,
    struct json_object *arr, struct scim_errbuf *eb)
{
	const struct schema_attr	*a = op->po_attr, *s = op->po_sub;
	struct json_object		*v = op->po_value, *e;
	size_t				 i, n, nmatch = 0;
	int				 rc = SCIM_OK, empty = is_empty(v);

	n = arr != NULL ? json_object_array_length(arr) : 0;
	if (op->po_kind != OP_REMOVE && !empty && s == NULL) {
		v = unwrap1(v);
		if (!ISTYPE(v, object))
			return (scim_err_set(eb, SCIM_EINVAL, "Operations[%zu]: "
			    "value for a filtered path must be an object",
			    op->po_idx));
	}
	for (i = 0; i < n && rc == SCIM_OK; i++) {
		e = json_object_array_get_idx(arr, i);
		if (e == NULL || !ISTYPE(e, object) ||
		    !filter_match_value(op->po_filter, e))
			continue;
		nmatch++;
		if (s == NULL && (op->po_kind == OP_REMOVE ||
		    (op->po_kind == OP_REPLACE && empty))) {
			json_object_array_del_idx(arr, i, 1);
			i--;
			n--;
		} else if (s != NULL && (op->po_kind == OP_REMOVE || empty))
			jsonutil_del(e, s->sa_name);
		else if (empty)
			continue;	/* add null to a value: nothing */
		else if (s != NULL)
			rc = set_sub(s, e, v);
		else
			rc = merge(a, e, v);
	}
	if (rc != SCIM_OK)
		return (rc);
	if (nmatch == 0 && op->po_kind == OP_REMOVE)
		return (scim_err_set(eb, SCIM_ENOTARGET,
		    "Operations[%zu]: no %s value matches the filter",
		    op->po_idx, a->sa_name));
	if (nmatch == 0 && !empty &&
	    (rc = multi_seed(op, c, arr, v, eb)) != SCIM_OK)
		return (rc);
	prune(c, a->sa_name);
	return (SCIM_OK);
}

/* Operation on a multi-valued attribute of container c. */
static int
apply_multi(const struct patch_op *op, struct json_object *c,
    struct scim_errbuf *eb)
{
	struct json_object	*arr = NULL;

	if (json_object_object_get_ex(c, op->po_attr->sa_name, &arr) &&
	    !ISTYPE(arr, array))
		arr = NULL;	/* not a list: overwritten or removed */
	if (op->po_filter == NULL && op->po_sub == NULL)
		return (multi_whole(op, c, arr));
	if (op->po_filter == NULL)
		return (multi_every_sub(op, c, arr));
	return (multi_filtered(op, c, arr, eb));
}

/* Operation on a single-valued attribute of container c. */
static int
apply_single(const struct patch_op *op, struct json_object *c)
{
	const struct schema_attr	*a = op->po_attr, *s = op->po_sub;
	struct json_object		*v = op->po_value, *cur = NULL, *nv;
	int				 rc;

	if (json_object_object_get_ex(c, a->sa_name, &cur) &&
	    !ISTYPE(cur, object))
		cur = NULL;
	if (s != NULL) {
		if (op->po_kind == OP_REMOVE || is_empty(v)) {
			if (cur != NULL) {
				jsonutil_del(cur, s->sa_name);
				if (json_object_object_length(cur) == 0)
					json_object_object_del(c, a->sa_name);
			}
			return (SCIM_OK);
		}
		if (cur == NULL) {
			if ((cur = json_object_new_object()) == NULL ||
			    (rc = set_key(c, a->sa_name, cur)) != SCIM_OK)
				return (SCIM_ENOMEM);
		}
		return (set_sub(s, cur, v));
	}
	if (op->po_kind == OP_REMOVE || is_empty(v))
		return (drop(c, a->sa_name));
	if (a->sa_type == SCHEMA_COMPLEX && op->po_kind == OP_ADD &&
	    ISTYPE(unwrap1(v), object)) {
		/* add merges sub-attributes (RFC 7644 3.5.2.1) */
		if (cur == NULL) {
			if ((cur = json_object_new_object()) == NULL ||
			    (rc = set_key(c, a->sa_name, cur)) != SCIM_OK)
				return (SCIM_ENOMEM);
		}
		if ((rc = merge(a, cur, unwrap1(v))) != SCIM_OK)
			return (rc);
		if (json_object_object_length(cur) == 0)
			json_object_object_del(c, a->sa_name);
		return (SCIM_OK);
	}
	/*
	 * The same manager id again keeps $ref and displayName: Entra re-sends
	 * the bare id, and an unchanged document must stay equal.
	 */
	if (a->sa_type == SCHEMA_COMPLEX && ISTYPE(v, string) && cur != NULL &&
	    jsonutil_get_str(cur, "value") != NULL &&
	    strcmp(jsonutil_get_str(cur, "value"),
	    json_object_get_string(v)) == 0)
		return (SCIM_OK);
	if ((rc = norm_value(a, v, &nv)) != SCIM_OK)
		return (rc);
	if (nv != NULL && ISTYPE(nv, object) &&
	    json_object_object_length(nv) == 0) {
		json_object_put(nv);
		return (drop(c, a->sa_name));
	}
	return (set_key(c, a->sa_name, nv));
}

/*
 * A value that became primary demotes the others (RFC 7644 3.5.2: "primary"
 * true on one value sets it false on the rest).  olds are the values that
 * were primary before the operation, held so their addresses stay unique.
 */
static int
fix_primary(struct json_object *c, const char *name,
    struct json_object **olds, size_t nolds)
{
	struct json_object	*arr, *e, *f;
	size_t			 i, j, n;
	int			 fresh = 0, old;

	if (!json_object_object_get_ex(c, name, &arr) || !ISTYPE(arr, array))
		return (SCIM_OK);
	n = json_object_array_length(arr);
	for (i = 0; i < n && !fresh; i++) {
		e = json_object_array_get_idx(arr, i);
		for (old = 0, j = 0; j < nolds; j++)
			old |= olds[j] == e;
		fresh = jsonutil_is_primary(e) && !old;
	}
	if (!fresh)
		return (SCIM_OK);
	for (j = 0; j < nolds; j++) {
		for (i = 0; i < n; i++)
			if (json_object_array_get_idx(arr, i) == olds[j])
				break;
		if (i == n || !jsonutil_is_primary(olds[j]))
			continue;
		if ((f = json_object_new_boolean(0)) == NULL ||
		    set_key(olds[j], "primary", f) != SCIM_OK)
			return (SCIM_ENOMEM);
	}
	return (SCIM_OK);
}

static int
apply_op(const struct patch_op *op, struct json_object *doc,
    struct scim_errbuf *eb)
{
	const struct schema_attr	*a = op->po_attr;
	struct json_object		*c = doc, *arr, *e, **olds = NULL;
	size_t				 i, n, nolds = 0;
	int				 rc;

	if (a == NULL) {
		jsonutil_del(doc, op->po_ext->sc_id);
		return (SCIM_OK);
	}
	if (a->sa_flags & SCHEMA_F_EXTERNAL)
		return (SCIM_OK);	/* a patch_member_op */
	if (op->po_ext != NULL &&
	    (!json_object_object_get_ex(doc, op->po_ext->sc_id, &c) ||
	    !ISTYPE(c, object))) {
		if (op->po_kind == OP_REMOVE)
			return (SCIM_OK);
		if ((c = json_object_new_object()) == NULL ||
		    set_key(doc, op->po_ext->sc_id, c) != SCIM_OK)
			return (SCIM_ENOMEM);
	}
	if (!a->sa_multi)
		rc = apply_single(op, c);
	else {
		if (a->sa_type == SCHEMA_COMPLEX &&
		    schema_attr_find(a->sa_subs, "primary", 7) != NULL &&
		    json_object_object_get_ex(c, a->sa_name, &arr) &&
		    ISTYPE(arr, array)) {
			n = json_object_array_length(arr);
			olds = xcalloc(n + 1, sizeof(*olds));
			for (i = 0; i < n; i++)
				if (jsonutil_is_primary(e =
				    json_object_array_get_idx(arr, i)))
					olds[nolds++] = json_object_get(e);
		}
		rc = apply_multi(op, c, eb);
		if (rc == SCIM_OK && op->po_kind != OP_REMOVE)
			rc = fix_primary(c, a->sa_name, olds, nolds);
		for (i = 0; i < nolds; i++)
			json_object_put(olds[i]);
		free(olds);
	}
	if (op->po_ext != NULL && json_object_object_length(c) == 0)
		json_object_object_del(doc, op->po_ext->sc_id);
	return (rc);
}

/* Immutable attributes of one schema may be set once, not changed. */
static int
check_immutable_in(const struct schema *sc, const struct schema *ext,
    struct json_object *old, struct json_object *cur, struct scim_errbuf *eb)
{
	struct schema_path	 sp;
	struct json_object	*o;

	memset(&sp, 0, sizeof(sp));
	sp.sp_ext = ext;
	for (sp.sp_attr = sc->sc_attrs; sp.sp_attr->sa_name != NULL;
	    sp.sp_attr++) {
		if (sp.sp_attr->sa_mut != SCHEMA_IMMUTABLE ||
		    (sp.sp_attr->sa_flags & SCHEMA_F_EXTERNAL))
			continue;
		o = schema_value(old, &sp);
		if (o != NULL && !json_object_equal(o, schema_value(cur, &sp)))
			return (scim_err_set(eb, SCIM_EMUTABILITY,
			    "\"%s\" is immutable", sp.sp_attr->sa_name));
	}
	return (SCIM_OK);
}

/* RFC 7643 2.2: immutable attributes may be added but not changed. */
static int
check_immutable(const struct resource_type *rt, struct json_object *old,
    struct json_object *cur, struct scim_errbuf *eb)
{
	const struct schema *const	*e;
	int				 rc;

	if ((rc = check_immutable_in(rt->rt_schema, NULL, old, cur, eb)) !=
	    SCIM_OK)
		return (rc);
	for (e = rt->rt_exts; *e != NULL; e++)
		if ((rc = check_immutable_in(*e, *e, old, cur, eb)) != SCIM_OK)
			return (rc);
	return (SCIM_OK);
}

int
patch_apply(const struct patch *p, struct json_object *doc,
    struct json_object **out, const struct patch_member_op **mops,
    size_t *nmops, struct scim_errbuf *eb)
{
	struct json_object	*d = NULL;
	size_t			 i;
	int			 rc;

	*out = NULL;
	*mops = NULL;
	*nmops = 0;
	if (doc == NULL || !ISTYPE(doc, object))
		return (scim_err_set(eb, SCIM_EINVAL,
		    "document is not an object"));
	/* all operations or none: work on one copy */
	if (json_object_deep_copy(doc, &d, NULL) != 0)
		return (SCIM_ENOMEM);
	for (i = 0; i < p->p_nops; i++)
		if ((rc = apply_op(&p->p_ops[i], d, eb)) != SCIM_OK)
			goto fail;
	if ((rc = check_immutable(p->p_rt, doc, d, eb)) != SCIM_OK)
		goto fail;
	*out = d;
	*mops = p->p_mops;
	*nmops = p->p_nmops;
	return (SCIM_OK);
 fail:
	json_object_put(d);
	return (rc);
}
