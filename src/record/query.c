/*
 * List queries: plan the filter over the indexes, re-check candidates with
 * the full filter, count, sort and cut the page.
 *
 * Plan: a node is either "indexed" (a sorted superset of the resource
 * numbers that can match, from index.c, id2r or the membership DBs) or not,
 * in which case the tenant's T K range of res is walked.  Group.members and
 * User.groups are not stored in the documents (SCHEMA_F_EXTERNAL and
 * SCHEMA_F_DERIVED), so comparisons on them are evaluated here against the
 * members/memberof DBs instead of by filter_match.  Records are read and
 * looked up through record.c; only the walk over a tenant's range of res
 * is done here.
 */
#include "scimd.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "error.h"
#include "filter.h"
#include "index.h"
#include "jsonutil.h"
#include "keys.h"
#include "member.h"
#include "query.h"
#include "record.h"
#include "schema.h"
#include "store.h"
#include "util.h"

enum skind {
	SK_MISSING,
	SK_BOOL,
	SK_NUM,
	SK_STR
};

struct skey {
	enum skind	 sk_kind;
	double		 sk_num;
	char		*sk_str;
};

struct hit {
	uint64_t	h_rid;
	struct skey	h_key;
};

#define QUERY_KEYS	4	/* top-level members a partial read takes */

struct qctx {
	struct store_txn	*qc_t;
	const struct query	*qc_q;
	struct query_result	*qc_r;
	struct json_tokener	*qc_tok;
	int			 qc_ext;	/* filter touches members/groups */
	size_t			 qc_skip;	/* matches before the page */
	size_t			 qc_docs_cap;
	int			 qc_exact;	/* sort attribute is caseExact */
	int			 qc_desc;
	struct hit		*qc_hits;	/* sorted queries only */
	size_t			 qc_nhits;
	size_t			 qc_hits_cap;
	/* the members the filter reads: candidates are parsed only there */
	const char		*qc_keys[QUERY_KEYS];
	size_t			 qc_nkeys;
	int			 qc_partial;
};

static struct json_tokener	*query_tok;

void
query_result_free(struct query_result *r)
{
	size_t	i;

	if (r == NULL)
		return;
	for (i = 0; i < r->qr_n; i++)
		json_object_put(r->qr_docs[i]);
	free(r->qr_docs);
	free(r->qr_rids);
	memset(r, 0, sizeof(*r));
}

static int
path_is(const struct schema_path *p, const char *attr, const char *sub)
{
	if (p->sp_ext != NULL || p->sp_attr == NULL ||
	    strcmp(p->sp_attr->sa_name, attr) != 0)
		return (0);
	if (sub == NULL)
		return (p->sp_sub == NULL);
	return (p->sp_sub != NULL && strcmp(p->sp_sub->sa_name, sub) == 0);
}

/* Attributes kept outside the document: Group.members, User.groups. */
static int
path_external(const struct schema_path *p)
{
	return (p->sp_ext == NULL && p->sp_attr != NULL &&
	    (p->sp_attr->sa_flags & (SCHEMA_F_EXTERNAL | SCHEMA_F_DERIVED)));
}

static int
filter_has_ext(const struct filter *f)
{
	if (f == NULL)
		return (0);
	switch (f->f_op) {
	case FILTER_AND:
	case FILTER_OR:
		return (filter_has_ext(f->f_left) ||
		    filter_has_ext(f->f_right));
	case FILTER_NOT:
		return (filter_has_ext(f->f_left));
	default:
		return (path_external(&f->f_path));
	}
}

/*
 * Add to qc_keys the top-level members f reads (an extension's by its URN):
 * filter_match finds every value through them.  0 when they do not fit.
 */
static int
filter_keys(struct qctx *qc, const struct filter *f)
{
	const struct schema_path	*p = &f->f_path;
	const char			*k;
	size_t				 i;

	switch (f->f_op) {
	case FILTER_AND:
	case FILTER_OR:
		return (filter_keys(qc, f->f_left) &&
		    filter_keys(qc, f->f_right));
	case FILTER_NOT:
		return (filter_keys(qc, f->f_left));
	case FILTER_VALUEPATH:
		if (!filter_keys(qc, f->f_left))
			return (0);
		break;
	default:
		break;
	}
	if (p->sp_ext != NULL)
		k = p->sp_ext->sc_id;
	else if (p->sp_attr != NULL)
		k = p->sp_attr->sa_name;
	else
		return (1);	/* unassigned: read nowhere */
	for (i = 0; i < qc->qc_nkeys; i++)
		if (strcmp(qc->qc_keys[i], k) == 0)
			return (1);
	if (qc->qc_nkeys == QUERY_KEYS)
		return (0);
	qc->qc_keys[qc->qc_nkeys++] = k;
	return (1);
}

/*
 * A candidate's document for the filter: with qc_partial only the members
 * in qc_keys, parsed out of the stored text (a ~1 KB user parsed whole
 * costs more than the rest of a filtered request), else all of it.
 */
static int
cand_doc(struct qctx *qc, const char *raw, size_t len,
    struct json_object **out)
{
	struct json_object	*o, *v;
	const char		*val;
	size_t			 i;
	int			 r;

	if (!qc->qc_partial || (o = json_object_new_object()) == NULL)
		return (record_parse(qc->qc_tok, raw, len, out));
	for (i = 0; i < qc->qc_nkeys; i++) {
		if ((r = jsonutil_raw_member(raw, len, qc->qc_keys[i],
		    &val)) == 0)
			continue;
		if (r < 0)
			break;
		/* one value, then the tokener stops: the rest is not read */
		json_tokener_reset(qc->qc_tok);
		v = json_tokener_parse_ex(qc->qc_tok, val,
		    (int)(len - (size_t)(val - raw)));
		if (json_tokener_get_error(qc->qc_tok) != json_tokener_success ||
		    json_object_object_add_ex(o, qc->qc_keys[i], v,
		    JSON_C_OBJECT_KEY_IS_CONSTANT) != 0) {
			json_object_put(v);
			break;
		}
	}
	if (i < qc->qc_nkeys) {
		json_object_put(o);
		return (record_parse(qc->qc_tok, raw, len, out));
	}
	*out = o;
	return (SCIM_OK);
}

/*
 * The resource an id names, of any kind.  Our ids are lower-case UUIDs, so
 * folding the literal gives caseExact false semantics (members.value).
 */
static int
id_resolve(struct store_txn *t, uint32_t tenant, const char *id, size_t len,
    int fold, uint8_t *tag, uint64_t *rid)
{
	char	buf[SCIM_ID_MAX];
	size_t	i;

	if (len != SCIM_ID_LEN)
		return (SCIM_ENOTFOUND);
	for (i = 0; i < len; i++)
		buf[i] = fold && id[i] >= 'A' && id[i] <= 'Z' ? id[i] + 32 :
		    id[i];
	buf[len] = '\0';
	return (record_lookup(t, tenant, buf, NULL, tag, rid));
}

static int
collect_user(uint8_t tag, uint64_t rid, void *arg)
{
	if (tag == RT_TAG_USER)
		idset_add(arg, rid);
	return (0);
}

/* Candidates of one comparison, or *indexed 0 when it needs a scan. */
static int
plan_leaf(struct qctx *qc, const struct filter *f, struct idset *out,
    int *indexed)
{
	const struct query		*q = qc->qc_q;
	const struct schema_path	*p = &f->f_path;
	const char			*s;
	size_t				 len;
	uint64_t			 rid;
	uint8_t				 tag;
	int				 prefix, user, rc;
	enum index_kind			 kind;

	*indexed = 0;
	/* only string literals are probed; filter_match judges the rest */
	if (f->f_value == NULL ||
	    !json_object_is_type(f->f_value, json_type_string))
		return (SCIM_OK);
	if (p->sp_attr == NULL) {
		*indexed = 1;	/* unassigned in this type: nothing matches */
		return (SCIM_OK);
	}
	s = json_object_get_string(f->f_value);
	len = (size_t)json_object_get_string_len(f->f_value);
	prefix = f->f_op == FILTER_SW;
	user = q->q_rt->rt_tag == RT_TAG_USER;

	if (user && path_is(p, "userName", NULL))
		kind = INDEX_USERNAME;
	else if (user && path_is(p, "emails", "value"))
		kind = INDEX_EMAIL;
	else if (prefix)
		return (SCIM_OK);
	else if (path_is(p, "externalId", NULL))
		kind = INDEX_EXTID;
	else if (!user && path_is(p, "displayName", NULL))
		kind = INDEX_GNAME;
	else if (path_is(p, "id", NULL)) {
		*indexed = 1;
		rc = id_resolve(qc->qc_t, q->q_tenant, s, len, 0, &tag, &rid);
		if (rc == SCIM_OK && tag == q->q_rt->rt_tag)
			idset_add(out, rid);
		return (rc == SCIM_ENOTFOUND ? SCIM_OK : rc);
	} else if (!user && path_is(p, "members", "value")) {
		*indexed = 1;
		rc = id_resolve(qc->qc_t, q->q_tenant, s, len, 1, &tag, &rid);
		if (rc == SCIM_OK)
			rc = member_groups(qc->qc_t, q->q_tenant, tag, rid,
			    out);
		return (rc == SCIM_ENOTFOUND ? SCIM_OK : rc);
	} else if (user && path_is(p, "groups", "value")) {
		*indexed = 1;
		rc = id_resolve(qc->qc_t, q->q_tenant, s, len, 1, &tag, &rid);
		if (rc == SCIM_OK && tag == RT_TAG_GROUP)
			rc = member_each(qc->qc_t, q->q_tenant, rid, 0, 0,
			    collect_user, out);
		idset_sort(out);
		return (rc == SCIM_ENOTFOUND ? SCIM_OK : rc);
	} else
		return (SCIM_OK);
	/* 2: the probe alone decides this comparison */
	*indexed = !prefix && index_probe_exact(kind, (p->sp_sub != NULL ?
	    p->sp_sub : p->sp_attr)->sa_case_exact, len) ? 2 : 1;
	return (index_probe(qc->qc_t, q->q_tenant, q->q_rt, kind, s, len,
	    prefix, 0, out));
}

/*
 * Candidates of f into out (empty on entry).  Inside a value path the
 * comparisons carry the parent attribute, so "emails[type eq "work" and
 * value eq x]" plans exactly like "emails.value eq x": an element matching
 * the bracket has that value, hence the superset still holds.  *indexed is
 * 2 only for a lone comparison the index decides exactly (plan_leaf).
 */
static int
plan(struct qctx *qc, const struct filter *f, struct idset *out, int *indexed)
{
	struct idset	b = { NULL, 0, 0 };
	int		ia = 0, ib = 0, rc;

	*indexed = 0;
	switch (f->f_op) {
	case FILTER_EQ:
	case FILTER_SW:
		return (plan_leaf(qc, f, out, indexed));
	case FILTER_VALUEPATH:
		rc = plan(qc, f->f_left, out, indexed);
		*indexed = *indexed != 0;
		return (rc);
	case FILTER_AND:
		if ((rc = plan(qc, f->f_left, out, &ia)) != SCIM_OK)
			return (rc);
		if (ia && out->is_n == 0) {
			*indexed = 1;	/* nothing can match */
			return (SCIM_OK);
		}
		if ((rc = plan(qc, f->f_right, &b, &ib)) != SCIM_OK)
			break;
		if (ia && ib)
			idset_intersect(out, &b);
		else if (ib) {
			idset_free(out);
			*out = b;
			b.is_v = NULL;
		}
		*indexed = ia || ib;	/* never 2: a superset */
		break;
	case FILTER_OR:
		if ((rc = plan(qc, f->f_left, out, &ia)) != SCIM_OK || !ia)
			return (rc);
		if ((rc = plan(qc, f->f_right, &b, &ib)) != SCIM_OK)
			break;
		if (ib)
			idset_union(out, &b);
		*indexed = ib != 0;
		break;
	default:
		return (SCIM_OK);
	}
	idset_free(&b);
	return (rc);
}


struct krlist {
	uint8_t		*kl_tag;
	uint64_t	*kl_rid;
	size_t		 kl_n;
	size_t		 kl_cap;
};

static int
collect_kr(uint8_t tag, uint64_t rid, void *arg)
{
	struct krlist	*l = arg;

	if (l->kl_n == l->kl_cap) {
		l->kl_cap = l->kl_cap ? l->kl_cap * 2 : 16;
		l->kl_tag = xrealloc(l->kl_tag, l->kl_cap);
		l->kl_rid = xrealloc(l->kl_rid, l->kl_cap * sizeof(*l->kl_rid));
	}
	l->kl_tag[l->kl_n] = tag;
	l->kl_rid[l->kl_n++] = rid;
	return (0);
}

static int
add_ref(struct json_object *o, const char *key, struct json_object *v)
{
	if (v == NULL)
		return (SCIM_ENOMEM);
	if (json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		return (SCIM_ENOMEM);
	}
	return (SCIM_OK);
}

/* One element of members/groups as a client would see it (no $ref). */
static struct json_object *
ext_elem(struct json_object *doc, const struct resource_type *rt, int members)
{
	struct json_object	*e, *v;
	int			 rc = SCIM_OK;

	if ((e = json_object_new_object()) == NULL)
		return (NULL);
	if (json_object_object_get_ex(doc, "id", &v))
		rc = add_ref(e, "value", json_object_get(v));
	if (rc == SCIM_OK && (json_object_object_get_ex(doc, "displayName",
	    &v) || json_object_object_get_ex(doc, "userName", &v)))
		rc = add_ref(e, "display", json_object_get(v));
	if (rc == SCIM_OK)
		rc = add_ref(e, "type", json_object_new_string(members ?
		    rt->rt_name : "direct"));
	if (rc != SCIM_OK) {
		json_object_put(e);
		return (NULL);
	}
	return (e);
}

/*
 * {attr: [...]} for Group.members or User.groups of resource rid, so that
 * filter_match can judge any comparison on them.  One document read per
 * element: only the uncommon forms (not "value eq") come here.
 */
static int
ext_doc(struct qctx *qc, uint64_t rid, const char *attr,
    struct json_object **out)
{
	const struct query		*q = qc->qc_q;
	const struct resource_type	*rt;
	struct krlist			 l = { NULL, NULL, 0, 0 };
	struct idset			 set = { NULL, 0, 0 };
	struct json_object		*o = NULL, *arr, *e, *doc;
	size_t				 i;
	int				 rc, members;

	*out = NULL;
	members = strcmp(attr, "members") == 0;
	if (members)
		rc = member_each(qc->qc_t, q->q_tenant, rid, 0, 0, collect_kr,
		    &l);
	else {
		rc = member_groups(qc->qc_t, q->q_tenant, q->q_rt->rt_tag, rid,
		    &set);
		for (i = 0; i < set.is_n; i++)
			collect_kr(RT_TAG_GROUP, set.is_v[i], &l);
	}
	if (rc != SCIM_OK)
		goto done;
	rc = SCIM_ENOMEM;
	if ((o = json_object_new_object()) == NULL ||
	    add_ref(o, attr, arr = json_object_new_array()) != SCIM_OK)
		goto done;
	for (i = 0; i < l.kl_n; i++) {
		if ((rt = schema_type_by_tag(l.kl_tag[i])) == NULL)
			continue;
		rc = record_load_with(qc->qc_tok, qc->qc_t, q->q_tenant,
		    l.kl_tag[i], l.kl_rid[i], &doc);
		if (rc == SCIM_ENOTFOUND)
			continue;
		if (rc != SCIM_OK)
			goto done;
		e = ext_elem(doc, rt, members);
		json_object_put(doc);
		rc = SCIM_ENOMEM;
		if (e == NULL)
			goto done;
		if (json_object_array_add(arr, e) != 0) {
			json_object_put(e);
			goto done;
		}
	}
	*out = o;
	o = NULL;
	rc = SCIM_OK;
 done:
	json_object_put(o);
	free(l.kl_tag);
	free(l.kl_rid);
	idset_free(&set);
	return (rc);
}

/* A comparison on Group.members / User.groups of resource rid. */
static int
eval_ext(struct qctx *qc, const struct filter *f, uint64_t rid, int *res)
{
	const struct query	*q = qc->qc_q;
	const struct filter	*c = f;
	const char		*attr = f->f_path.sp_attr->sa_name;
	struct json_object	*o;
	uint64_t		 mrid;
	uint8_t			 tag;
	int			 rc;

	*res = 0;
	if (c->f_op == FILTER_VALUEPATH)
		c = c->f_left;
	/* the common form, "value eq id", is one membership lookup */
	if (c->f_op == FILTER_EQ && path_is(&c->f_path, attr, "value") &&
	    json_object_is_type(c->f_value, json_type_string)) {
		rc = id_resolve(qc->qc_t, q->q_tenant,
		    json_object_get_string(c->f_value),
		    (size_t)json_object_get_string_len(c->f_value), 1, &tag,
		    &mrid);
		if (rc == SCIM_ENOTFOUND)
			return (SCIM_OK);
		if (rc != SCIM_OK)
			return (rc);
		if (strcmp(attr, "members") == 0)
			*res = member_is(qc->qc_t, q->q_tenant, rid, tag, mrid);
		else
			*res = tag == RT_TAG_GROUP && member_is(qc->qc_t,
			    q->q_tenant, mrid, q->q_rt->rt_tag, rid);
		return (SCIM_OK);
	}
	if ((rc = ext_doc(qc, rid, attr, &o)) != SCIM_OK)
		return (rc);
	*res = filter_match(f, o);
	json_object_put(o);
	return (SCIM_OK);
}

/* filter_match, except that members/groups are read from their DBs. */
static int
eval(struct qctx *qc, const struct filter *f, struct json_object *doc,
    uint64_t rid, int *res)
{
	int	a, rc;

	switch (f->f_op) {
	case FILTER_AND:
	case FILTER_OR:
		if ((rc = eval(qc, f->f_left, doc, rid, &a)) != SCIM_OK)
			return (rc);
		if (a == (f->f_op == FILTER_OR)) {
			*res = a;
			return (SCIM_OK);
		}
		return (eval(qc, f->f_right, doc, rid, res));
	case FILTER_NOT:
		rc = eval(qc, f->f_left, doc, rid, &a);
		*res = !a;
		return (rc);
	default:
		if (path_external(&f->f_path))
			return (eval_ext(qc, f, rid, res));
		*res = filter_match(f, doc);
		return (SCIM_OK);
	}
}

/* The attribute whose values are compared when sorting by p. */
static const struct schema_attr *
sort_attr(const struct schema_path *p)
{
	const struct schema_attr	*a;

	a = p->sp_sub != NULL ? p->sp_sub : p->sp_attr;
	if (a != NULL && a->sa_type == SCHEMA_COMPLEX)
		a = schema_attr_find(a->sa_subs, "value", 5);
	return (a);
}

/*
 * The value sorted on: of a multi-valued attribute the primary element, or
 * the first; of a complex attribute without a sub-attribute its "value".
 */
static struct json_object *
sort_value(struct json_object *doc, const struct schema_path *p)
{
	struct json_object		*v, *e;
	const struct schema_attr	*a;
	size_t				 i, n;

	if (p->sp_attr == NULL || (v = schema_value(doc, p)) == NULL)
		return (NULL);
	if (json_object_is_type(v, json_type_array)) {
		if ((n = json_object_array_length(v)) == 0)
			return (NULL);
		e = json_object_array_get_idx(v, 0);
		for (i = 0; i < n; i++) {
			struct json_object	*el, *pr;

			el = json_object_array_get_idx(v, i);
			if (json_object_object_get_ex(el, "primary", &pr) &&
			    json_object_get_boolean(pr)) {
				e = el;
				break;
			}
		}
		v = e;
	}
	a = p->sp_sub;
	if (a == NULL && p->sp_attr->sa_type == SCHEMA_COMPLEX)
		a = schema_attr_find(p->sp_attr->sa_subs, "value", 5);
	if (a != NULL && !json_object_object_get_ex(v, a->sa_name, &v))
		return (NULL);
	return (json_object_is_type(v, json_type_null) ? NULL : v);
}

static void
skey_make(const struct schema_path *p, struct json_object *doc,
    struct skey *k)
{
	const struct schema_attr	*a = sort_attr(p);
	struct json_object		*v = sort_value(doc, p);
	int64_t				 ms;

	memset(k, 0, sizeof(*k));
	if (v == NULL)
		return;
	switch (json_object_get_type(v)) {
	case json_type_boolean:
		k->sk_kind = SK_BOOL;
		k->sk_num = json_object_get_boolean(v);
		break;
	case json_type_int:
	case json_type_double:
		k->sk_kind = SK_NUM;
		k->sk_num = json_object_get_double(v);
		break;
	case json_type_string:
		/* dateTime compares as time, not text (offsets differ) */
		if (a != NULL && a->sa_type == SCHEMA_DATETIME &&
		    util_time_parse(json_object_get_string(v), &ms) == 0) {
			k->sk_kind = SK_NUM;
			k->sk_num = (double)ms;
		} else {
			k->sk_kind = SK_STR;
			k->sk_str = xstrdup(json_object_get_string(v));
		}
		break;
	default:
		break;
	}
}

/*
 * Missing values after all others, so last ascending and first descending
 * (RFC 7644 3.4.2.3); equal keys by creation order.
 */
static int
hit_cmp(const struct qctx *qc, const struct hit *a, const struct hit *b)
{
	const struct skey	*x = &a->h_key, *y = &b->h_key;
	int			 c = 0;

	if (x->sk_kind == SK_MISSING || y->sk_kind == SK_MISSING) {
		if (x->sk_kind != y->sk_kind)
			c = x->sk_kind == SK_MISSING ? 1 : -1;
	} else if (x->sk_kind != y->sk_kind)
		c = x->sk_kind < y->sk_kind ? -1 : 1;
	else if (x->sk_kind == SK_STR)
		c = qc->qc_exact ? strcmp(x->sk_str, y->sk_str) :
		    strcasecmp(x->sk_str, y->sk_str);
	else
		c = x->sk_num < y->sk_num ? -1 : x->sk_num > y->sk_num;
	if (c != 0)
		return (qc->qc_desc ? -c : c);
	return (a->h_rid < b->h_rid ? -1 : a->h_rid > b->h_rid);
}

/* Bottom-up merge sort: stable and needs no global comparison state. */
static void
hits_sort(struct qctx *qc)
{
	struct hit	*a = qc->qc_hits, *b, *tmp;
	size_t		 n = qc->qc_nhits, w, lo, mid, hi, i, j, o;

	if (n < 2)
		return;
	b = xcalloc(n, sizeof(*b));
	for (w = 1; w < n; w *= 2) {
		for (lo = 0; lo < n; lo += 2 * w) {
			mid = lo + w < n ? lo + w : n;
			hi = lo + 2 * w < n ? lo + 2 * w : n;
			i = lo;
			j = mid;
			o = lo;
			while (i < mid && j < hi)
				b[o++] = hit_cmp(qc, &a[j], &a[i]) < 0 ?
				    a[j++] : a[i++];
			while (i < mid)
				b[o++] = a[i++];
			while (j < hi)
				b[o++] = a[j++];
		}
		tmp = a;
		a = b;
		b = tmp;
	}
	if (a != qc->qc_hits) {
		memcpy(qc->qc_hits, a, n * sizeof(*a));
		b = a;
	}
	free(b);
}

/* Append doc (its reference) to the page. */
static void
page_add(struct qctx *qc, uint64_t rid, struct json_object *doc)
{
	struct query_result	*r = qc->qc_r;

	if (r->qr_n == qc->qc_docs_cap) {
		qc->qc_docs_cap = qc->qc_docs_cap ? qc->qc_docs_cap * 2 : 16;
		r->qr_docs = xrealloc(r->qr_docs,
		    qc->qc_docs_cap * sizeof(*r->qr_docs));
		r->qr_rids = xrealloc(r->qr_rids,
		    qc->qc_docs_cap * sizeof(*r->qr_rids));
	}
	r->qr_docs[r->qr_n] = doc;
	r->qr_rids[r->qr_n++] = rid;
}

/*
 * Is the next match (number qr_total, 0-based; resource rid) on the page?
 * With a cursor the page is the first q_count matches after q_after, in
 * resource-number order, so a walk survives concurrent creates and deletes.
 */
static int
on_page(struct qctx *qc, uint64_t rid)
{
	struct query_result	*r = qc->qc_r;
	const struct query	*q = qc->qc_q;

	if (q->q_cursor) {
		if (rid <= q->q_after)
			return (0);
		if (r->qr_n < q->q_count)
			return (1);
		r->qr_more = 1;
		return (0);
	}
	return (r->qr_total >= qc->qc_skip && r->qr_n < q->q_count);
}

static int
too_many(const struct qctx *qc, struct scim_errbuf *eb)
{
	size_t	max = qc->qc_q->q_max_scan;

	if (max > 0 && qc->qc_r->qr_examined >= max)
		return (scim_err_set(eb, SCIM_ETOOMANY,
		    "the filter would examine more than %zu resources; "
		    "use an indexed attribute", max));
	return (SCIM_OK);
}

/* Judge one parsed document (consumes the reference). */
static int
visit(struct qctx *qc, uint64_t rid, struct json_object *doc)
{
	const struct query	*q = qc->qc_q;
	struct hit		*h;
	int			 match = 1, rc = SCIM_OK;

	qc->qc_r->qr_examined++;
	if (q->q_filter != NULL) {
		if (qc->qc_ext)
			rc = eval(qc, q->q_filter, doc, rid, &match);
		else
			match = filter_match(q->q_filter, doc);
	}
	if (rc != SCIM_OK || !match) {
		json_object_put(doc);
		return (rc);
	}
	if (q->q_sort != NULL) {
		if (qc->qc_nhits == qc->qc_hits_cap) {
			qc->qc_hits_cap = qc->qc_hits_cap ?
			    qc->qc_hits_cap * 2 : 64;
			qc->qc_hits = xrealloc(qc->qc_hits,
			    qc->qc_hits_cap * sizeof(*qc->qc_hits));
		}
		h = &qc->qc_hits[qc->qc_nhits++];
		h->h_rid = rid;
		skey_make(q->q_sort, doc, &h->h_key);
		json_object_put(doc);
	} else if (on_page(qc, rid) && !qc->qc_partial)
		page_add(qc, rid, doc);
	else {
		/* a partial document is the filter's, not the page's */
		if (on_page(qc, rid))
			page_add(qc, rid, NULL);
		json_object_put(doc);
	}
	qc->qc_r->qr_total++;
	return (SCIM_OK);
}

/*
 * Every resource of the type, unfiltered and unsorted: totalResults is the
 * tenant's counter, and only the page is read, so a page costs O(page) with a
 * cursor (a seek to the resource after it) and O(startIndex) without.
 */
static int
list_all(struct qctx *qc)
{
	const struct query	*q = qc->qc_q;
	struct query_result	*r = qc->qc_r;
	struct store_cursor	*c;
	struct store_val	 key, k, v;
	struct json_object	*doc;
	uint8_t			 kb[KEYS_RES_LEN];
	uint64_t		 total, rid;
	size_t			 skip = q->q_cursor ? 0 : qc->qc_skip;
	int			 rc;

	if ((rc = record_total(qc->qc_t, q->q_tenant, q->q_rt->rt_tag,
	    &total)) != SCIM_OK)
		return (rc);
	r->qr_scanned = 1;
	key = keys_res(kb, q->q_tenant, q->q_rt->rt_tag,
	    q->q_cursor ? q->q_after + 1 : 0);
	if ((rc = store_cursor_open(qc->qc_t, STORE_RES, &c)) != SCIM_OK)
		return (rc);
	/* the pages before are skipped unread (a past-the-end lands outside) */
	rc = store_cursor_seek(c, &key, &k, &v);
	if (rc == SCIM_OK && skip > 0)
		rc = store_cursor_skip(c, skip, &k, &v);
	for (; rc == SCIM_OK && k.sv_len == KEYS_RES_LEN &&
	    memcmp(k.sv_data, kb, 5) == 0; rc = store_cursor_next(c, &k, &v)) {
		if (r->qr_n >= q->q_count) {
			r->qr_more = 1;
			break;
		}
		rid = util_get_be64((const uint8_t *)k.sv_data + 5);
		if ((rc = record_parse(qc->qc_tok, v.sv_data, v.sv_len,
		    &doc)) != SCIM_OK)
			break;
		r->qr_examined++;
		page_add(qc, rid, doc);
	}
	store_cursor_close(c);
	r->qr_total = (size_t)total;
	return (rc == SCIM_ENOTFOUND ? SCIM_OK : rc);
}

/* Walk the tenant's T K range of res, judging every document. */
static int
scan(struct qctx *qc, struct scim_errbuf *eb)
{
	const struct query	*q = qc->qc_q;
	struct store_cursor	*c;
	struct store_val	 key, k, v;
	struct json_object	*doc;
	uint8_t			 pfx[5];
	uint64_t		 rid;
	int			 rc;

	if (q->q_filter == NULL && q->q_sort == NULL)
		return (list_all(qc));
	util_put_be32(pfx, q->q_tenant);
	pfx[4] = q->q_rt->rt_tag;
	key.sv_data = pfx;
	key.sv_len = sizeof(pfx);
	qc->qc_r->qr_scanned = 1;
	if ((rc = store_cursor_open(qc->qc_t, STORE_RES, &c)) != SCIM_OK)
		return (rc);
	for (rc = store_cursor_seek(c, &key, &k, &v); rc == SCIM_OK &&
	    k.sv_len >= sizeof(pfx) && memcmp(k.sv_data, pfx, sizeof(pfx)) == 0;
	    rc = store_cursor_next(c, &k, &v)) {
		if (k.sv_len != KEYS_RES_LEN)
			continue;
		rid = util_get_be64((const uint8_t *)k.sv_data + 5);
		if ((rc = too_many(qc, eb)) != SCIM_OK ||
		    (rc = cand_doc(qc, v.sv_data, v.sv_len, &doc)) !=
		    SCIM_OK || (rc = visit(qc, rid, doc)) != SCIM_OK)
			break;
	}
	store_cursor_close(c);
	return (rc == SCIM_ENOTFOUND ? SCIM_OK : rc);
}

/*
 * Read the candidates of an indexed plan, in resource number order.  When
 * the index decided the filter exactly and nothing is sorted, the matches
 * are the candidates: no document is read or judged (qr_docs NULL).
 */
static int
fetch(struct qctx *qc, const struct idset *cand, int exact,
    struct scim_errbuf *eb)
{
	const struct query	*q = qc->qc_q;
	struct json_object	*doc;
	const char		*raw;
	size_t			 i, len;
	int			 rc;

	for (i = 0; exact && i < cand->is_n; i++) {
		if (on_page(qc, cand->is_v[i]))
			page_add(qc, cand->is_v[i], NULL);
		qc->qc_r->qr_total++;
	}
	for (i = 0; !exact && i < cand->is_n; i++) {
		if ((rc = too_many(qc, eb)) != SCIM_OK)
			return (rc);
		rc = record_raw(qc->qc_t, q->q_tenant, q->q_rt->rt_tag,
		    cand->is_v[i], &raw, &len);
		if (rc == SCIM_ENOTFOUND)
			continue;	/* a superset may name other kinds */
		if (rc != SCIM_OK ||
		    (rc = cand_doc(qc, raw, len, &doc)) != SCIM_OK ||
		    (rc = visit(qc, cand->is_v[i], doc)) != SCIM_OK)
			return (rc);
	}
	return (SCIM_OK);
}

/* Sort the matches and load the page's documents. */
static int
sort_page(struct qctx *qc)
{
	const struct query	*q = qc->qc_q;
	struct json_object	*doc;
	size_t			 i;
	int			 rc;

	hits_sort(qc);
	for (i = qc->qc_skip; i < qc->qc_nhits &&
	    qc->qc_r->qr_n < q->q_count; i++) {
		rc = record_load_with(qc->qc_tok, qc->qc_t, q->q_tenant,
		    q->q_rt->rt_tag, qc->qc_hits[i].h_rid, &doc);
		if (rc != SCIM_OK)
			return (rc == SCIM_ENOTFOUND ? SCIM_ESTORE : rc);
		page_add(qc, qc->qc_hits[i].h_rid, doc);
	}
	return (SCIM_OK);
}

int
query_run(struct store_txn *t, const struct query *q, struct query_result *r,
    struct scim_errbuf *eb)
{
	struct qctx			 qc;
	struct idset			 cand = { NULL, 0, 0 };
	const struct schema_attr	*a;
	size_t				 i;
	int				 indexed = 0, rc;

	memset(r, 0, sizeof(*r));
	memset(&qc, 0, sizeof(qc));
	qc.qc_t = t;
	qc.qc_q = q;
	qc.qc_r = r;
	qc.qc_skip = q->q_start > 1 ? q->q_start - 1 : 0;
	qc.qc_desc = q->q_desc;
	/*
	 * One tokener for every query, kept: each parse is reset first and
	 * ends before any store call, so queries on fibers can share it.
	 */
	if (query_tok == NULL &&
	    (query_tok = json_tokener_new_ex(SCIM_JSON_DEPTH)) == NULL)
		return (SCIM_ENOMEM);
	qc.qc_tok = query_tok;
	if (q->q_sort != NULL)
		qc.qc_exact = (a = sort_attr(q->q_sort)) != NULL &&
		    a->sa_case_exact;
	if (q->q_filter != NULL) {
		qc.qc_ext = filter_has_ext(q->q_filter);
		/* sorting and members/groups need the whole document */
		qc.qc_partial = q->q_sort == NULL && !qc.qc_ext &&
		    filter_keys(&qc, q->q_filter);
		if ((rc = plan(&qc, q->q_filter, &cand, &indexed)) != SCIM_OK)
			goto done;
	}
	if (indexed)
		rc = fetch(&qc, &cand, indexed == 2 && q->q_sort == NULL &&
		    !qc.qc_ext, eb);
	else
		rc = scan(&qc, eb);
	if (rc == SCIM_OK && q->q_sort != NULL)
		rc = sort_page(&qc);
 done:
	if (rc != SCIM_OK)
		query_result_free(r);
	for (i = 0; i < qc.qc_nhits; i++)
		free(qc.qc_hits[i].h_key.sk_str);
	free(qc.qc_hits);
	idset_free(&cand);
	return (rc);
}
