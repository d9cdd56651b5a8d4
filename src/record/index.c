/*
 * Index keys and their maintenance.  The ix_* layouts are in store_db.h,
 * with the other databases; the table below says which attribute feeds
 * which, folded or not, unique or not.
 *
 * A value longer than INDEX_VAL_MAX bytes is stored as its first
 * INDEX_VAL_MAX - 32 bytes followed by the SHA-256 of the whole value: LMDB
 * keys are limited to 511 bytes, and candidates are always re-checked.
 */
#include "scimd.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "error.h"
#include "index.h"
#include "jsonutil.h"
#include "keys.h"
#include "log.h"
#include "schema.h"
#include "store.h"
#include "util.h"

#define INDEX_VAL_MAX	400
#define INDEX_KEY_MAX	(4 + 1 + INDEX_VAL_MAX)

struct index_def {
	enum index_kind	 ix_kind;
	enum store_db	 ix_db;
	uint8_t		 ix_tag;	/* resource kind it applies to, 0: any */
	const char	*ix_attr;	/* top-level attribute */
	const char	*ix_sub;	/* sub-attribute of a multi-valued one */
	int		 ix_fold;
	int		 ix_unique;
	int		 ix_with_kind;	/* key carries K after T */
};

static const struct index_def index_defs[] = {
	{ INDEX_USERNAME, STORE_IX_USERNAME, RT_TAG_USER, "userName", NULL,
	  1, 1, 0 },
	{ INDEX_EMAIL, STORE_IX_EMAIL, RT_TAG_USER, "emails", "value",
	  1, 0, 0 },
	{ INDEX_EXTID, STORE_IX_EXTID, 0, "externalId", NULL, 0, 0, 1 },
	{ INDEX_GNAME, STORE_IX_GNAME, RT_TAG_GROUP, "displayName", NULL,
	  1, 1, 0 },
};
#define NDEFS	(sizeof(index_defs) / sizeof(index_defs[0]))

struct ikey {
	uint8_t	k_buf[INDEX_KEY_MAX];
	size_t	k_len;
};

struct ikeys {
	struct ikey	*ks_k;
	size_t		 ks_n;
	size_t		 ks_cap;
};

void
idset_add(struct idset *s, uint64_t v)
{
	if (s->is_n == s->is_cap) {
		s->is_cap = s->is_cap ? s->is_cap * 2 : 16;
		s->is_v = xrealloc(s->is_v, s->is_cap * sizeof(*s->is_v));
	}
	s->is_v[s->is_n++] = v;
}

static int
u64cmp(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

void
idset_sort(struct idset *s)
{
	size_t	i, o = 0;

	if (s->is_n < 2)
		return;
	qsort(s->is_v, s->is_n, sizeof(*s->is_v), u64cmp);
	for (i = 0; i < s->is_n; i++)
		if (o == 0 || s->is_v[o - 1] != s->is_v[i])
			s->is_v[o++] = s->is_v[i];
	s->is_n = o;
}

int
idset_has(const struct idset *s, uint64_t v)
{
	return (s->is_n > 0 && bsearch(&v, s->is_v, s->is_n,
	    sizeof(*s->is_v), u64cmp) != NULL);
}

void
idset_intersect(struct idset *a, const struct idset *b)
{
	size_t	i, o = 0;

	for (i = 0; i < a->is_n; i++)
		if (idset_has(b, a->is_v[i]))
			a->is_v[o++] = a->is_v[i];
	a->is_n = o;
}

void
idset_union(struct idset *a, const struct idset *b)
{
	size_t	i;

	for (i = 0; i < b->is_n; i++)
		idset_add(a, b->is_v[i]);
	idset_sort(a);
}

void
idset_free(struct idset *s)
{
	free(s->is_v);
	memset(s, 0, sizeof(*s));
}

/* Build T [K] value into k, folding and hashing as the def says. */
static void
key_make(const struct index_def *d, uint32_t tenant, uint8_t tag,
    const char *val, size_t len, int prefix, struct ikey *k)
{
	uint8_t	*p = k->k_buf;
	size_t	 i, n;

	util_put_be32(p, tenant);
	p += 4;
	if (d->ix_with_kind)
		*p++ = tag;
	n = len;
	/* a prefix longer than the kept head of hashed keys must be cut too */
	if (n > (prefix ? INDEX_VAL_MAX - 32 : INDEX_VAL_MAX))
		n = INDEX_VAL_MAX - 32;
	for (i = 0; i < n; i++) {
		uint8_t c = (uint8_t)val[i];
		p[i] = d->ix_fold && c >= 'A' && c <= 'Z' ? c + 32 : c;
	}
	p += n;
	if (len > INDEX_VAL_MAX && !prefix) {
		/* hash the folded value so eq on long values stays exact */
		uint8_t	*tmp = xmalloc(len);
		for (i = 0; i < len; i++) {
			uint8_t c = (uint8_t)val[i];
			tmp[i] = d->ix_fold && c >= 'A' && c <= 'Z' ? c + 32 :
			    c;
		}
		util_sha256(tmp, len, p);
		free(tmp);
		p += 32;
	}
	k->k_len = (size_t)(p - k->k_buf);
}

static void
keys_add(struct ikeys *ks, const struct ikey *k)
{
	size_t	i;

	for (i = 0; i < ks->ks_n; i++)
		if (ks->ks_k[i].k_len == k->k_len &&
		    memcmp(ks->ks_k[i].k_buf, k->k_buf, k->k_len) == 0)
			return;
	if (ks->ks_n == ks->ks_cap) {
		ks->ks_cap = ks->ks_cap ? ks->ks_cap * 2 : 4;
		ks->ks_k = xrealloc(ks->ks_k, ks->ks_cap * sizeof(*ks->ks_k));
	}
	ks->ks_k[ks->ks_n++] = *k;
}

/* The key set of def for document doc (empty when doc is NULL). */
static void
keys_of(const struct index_def *d, uint32_t tenant, uint8_t tag,
    struct json_object *doc, struct ikeys *ks)
{
	struct json_object	*v, *e, *sub;
	struct ikey		 k;
	size_t			 i, n;

	ks->ks_n = 0;
	if (doc == NULL || !json_object_object_get_ex(doc, d->ix_attr, &v))
		return;
	if (d->ix_sub == NULL) {
		if (json_object_is_type(v, json_type_string)) {
			key_make(d, tenant, tag, json_object_get_string(v),
			    (size_t)json_object_get_string_len(v), 0, &k);
			keys_add(ks, &k);
		}
		return;
	}
	if (!json_object_is_type(v, json_type_array))
		return;
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(v, i);
		if (!json_object_object_get_ex(e, d->ix_sub, &sub) ||
		    !json_object_is_type(sub, json_type_string))
			continue;
		key_make(d, tenant, tag, json_object_get_string(sub),
		    (size_t)json_object_get_string_len(sub), 0, &k);
		keys_add(ks, &k);
	}
}

static int
keys_has(const struct ikeys *ks, const struct ikey *k)
{
	size_t	i;

	for (i = 0; i < ks->ks_n; i++)
		if (ks->ks_k[i].k_len == k->k_len &&
		    memcmp(ks->ks_k[i].k_buf, k->k_buf, k->k_len) == 0)
			return (1);
	return (0);
}

int
index_update(struct store_txn *t, uint32_t tenant,
    const struct resource_type *rt, uint64_t rid, struct json_object *old,
    struct json_object *new, struct scim_errbuf *eb)
{
	struct ikeys		 ko = { NULL, 0, 0 }, kn = { NULL, 0, 0 };
	const struct index_def	*d;
	struct store_val	 key, val;
	uint8_t			 rbuf[8];
	size_t			 i, j;
	int			 rc = SCIM_OK;

	util_put_be64(rbuf, rid);
	val.sv_data = rbuf;
	val.sv_len = sizeof(rbuf);
	for (i = 0; i < NDEFS; i++) {
		d = &index_defs[i];
		if (d->ix_tag != 0 && d->ix_tag != rt->rt_tag)
			continue;
		keys_of(d, tenant, rt->rt_tag, old, &ko);
		keys_of(d, tenant, rt->rt_tag, new, &kn);
		for (j = 0; j < ko.ks_n; j++) {
			if (keys_has(&kn, &ko.ks_k[j]))
				continue;
			key.sv_data = ko.ks_k[j].k_buf;
			key.sv_len = ko.ks_k[j].k_len;
			rc = store_del(t, d->ix_db, &key,
			    d->ix_unique ? NULL : &val);
			if (rc != SCIM_OK && rc != SCIM_ENOTFOUND)
				goto done;
		}
		for (j = 0; j < kn.ks_n; j++) {
			if (keys_has(&ko, &kn.ks_k[j]))
				continue;
			key.sv_data = kn.ks_k[j].k_buf;
			key.sv_len = kn.ks_k[j].k_len;
			/* a clash is the caller's rare case: not waited for */
			rc = store_put(t, d->ix_db, &key, &val,
			    d->ix_unique ? STORE_NOOVERWRITE | STORE_LATE : 0);
			if (rc == SCIM_EUNIQUE)
				index_clash(rt, eb);
			if (rc != SCIM_OK)
				goto done;
		}
	}
	rc = SCIM_OK;
 done:
	free(ko.ks_k);
	free(kn.ks_k);
	return (rc);
}

int
index_clash(const struct resource_type *rt, struct scim_errbuf *eb)
{
	size_t	i;

	for (i = 0; i < NDEFS; i++)
		if (index_defs[i].ix_unique &&
		    index_defs[i].ix_tag == rt->rt_tag)
			return (scim_err_set(eb, SCIM_EUNIQUE,
			    "%s is already in use by another %s",
			    index_defs[i].ix_attr, rt->rt_name));
	return (scim_err_set(eb, SCIM_EUNIQUE, "%s exists already",
	    rt->rt_name));
}

int
index_reads(const char *name)
{
	size_t	i;

	for (i = 0; i < NDEFS; i++)
		if (strcasecmp(name, index_defs[i].ix_attr) == 0)
			return (1);
	return (0);
}

int
index_probe(struct store_txn *t, uint32_t tenant,
    const struct resource_type *rt, enum index_kind kind, const char *value,
    size_t len, int prefix, size_t limit, struct idset *out)
{
	const struct index_def	*d = NULL;
	struct store_cursor	*c;
	struct store_val	 key, k, v;
	struct ikey		 ik;
	size_t			 i, hits = 0;
	int			 rc;

	for (i = 0; i < NDEFS; i++)
		if (index_defs[i].ix_kind == kind)
			d = &index_defs[i];
	if (d == NULL || (d->ix_tag != 0 && d->ix_tag != rt->rt_tag))
		return (SCIM_EINVAL);
	key_make(d, tenant, rt->rt_tag, value, len, prefix, &ik);
	key.sv_data = ik.k_buf;
	key.sv_len = ik.k_len;
	if ((rc = store_cursor_open(t, d->ix_db, &c)) != SCIM_OK)
		return (rc);
	if (!prefix) {
		rc = store_cursor_find(c, &key, &v);
		while (rc == SCIM_OK) {
			if (v.sv_len == 8)
				idset_add(out, util_get_be64(v.sv_data));
			if (limit > 0 && ++hits >= limit) {
				rc = SCIM_ETOOMANY;
				break;
			}
			rc = d->ix_unique ? SCIM_ENOTFOUND :
			    store_cursor_next_dup(c, &v);
		}
	} else {
		rc = store_cursor_seek(c, &key, &k, &v);
		while (rc == SCIM_OK && k.sv_len >= key.sv_len &&
		    memcmp(k.sv_data, key.sv_data, key.sv_len) == 0) {
			if (v.sv_len == 8)
				idset_add(out, util_get_be64(v.sv_data));
			if (limit > 0 && ++hits >= limit) {
				rc = SCIM_ETOOMANY;
				break;
			}
			rc = store_cursor_next(c, &k, &v);
		}
	}
	store_cursor_close(c);
	idset_sort(out);
	return (rc == SCIM_ENOTFOUND ? SCIM_OK : rc);
}

int
index_probe_exact(enum index_kind kind, int case_exact, size_t len)
{
	size_t	i;

	/* the key is the value, folded like filter.c's LOWER or not at all */
	for (i = 0; i < NDEFS; i++)
		if (index_defs[i].ix_kind == kind)
			return (len <= INDEX_VAL_MAX &&
			    index_defs[i].ix_fold == !case_exact);
	return (0);
}

/* Does index db hold exactly (key -> rid)? */
static int
entry_exists(struct store_txn *t, const struct index_def *d,
    const struct ikey *k, uint64_t rid)
{
	struct store_cursor	*c;
	struct store_val	 key = { k->k_buf, k->k_len }, v, want;
	uint8_t			 rbuf[8];
	int			 rc;

	util_put_be64(rbuf, rid);
	want.sv_data = rbuf;
	want.sv_len = 8;
	if (d->ix_unique) {
		if (store_get(t, d->ix_db, &key, &v) != SCIM_OK)
			return (0);
		return (v.sv_len == 8 && memcmp(v.sv_data, rbuf, 8) == 0);
	}
	if (store_cursor_open(t, d->ix_db, &c) != SCIM_OK)
		return (0);
	rc = store_cursor_find_dup(c, &key, &want, &v);
	rc = rc == SCIM_OK && v.sv_len == 8 && memcmp(v.sv_data, rbuf, 8) == 0;
	store_cursor_close(c);
	return (rc);
}

/* What a walk of the stored resources expects; see index_verify. */
struct verify {
	size_t		 v_bad;
	size_t		 v_expected[NDEFS];	/* index entries implied */
	size_t		 v_ntype[8];		/* resources per schema_types[] */
};

/* Resource rid of kind tag (JSON doc) has each of its index keys. */
static void
verify_doc(struct store_txn *t, uint32_t tenant, uint8_t tag, uint64_t rid,
    struct json_object *doc, struct verify *vf)
{
	struct ikeys		 ks = { NULL, 0, 0 };
	const struct index_def	*d;
	size_t			 i, j;

	for (i = 0; i < NDEFS; i++) {
		d = &index_defs[i];
		if (d->ix_tag != 0 && d->ix_tag != tag)
			continue;
		keys_of(d, tenant, tag, doc, &ks);
		for (j = 0; j < ks.ks_n; j++) {
			vf->v_expected[i]++;
			if (!entry_exists(t, d, &ks.ks_k[j], rid)) {
				log_warnx("verify: %s entry missing for "
				    "resource %llu", d->ix_attr,
				    (unsigned long long)rid);
				vf->v_bad++;
			}
		}
	}
	free(ks.ks_k);
}

/* Every stored resource of tenant (prefix key) has each of its keys. */
static int
verify_resources(struct store_txn *t, uint32_t tenant,
    const struct store_val *key, struct verify *vf)
{
	const struct resource_type	*rt;
	struct store_cursor		*c;
	struct store_val		 k, v;
	struct json_object		*doc;
	uint8_t				 tag;
	uint64_t			 rid;
	size_t				 i;
	int				 rc;

	if ((rc = store_cursor_open(t, STORE_RES, &c)) != SCIM_OK)
		return (rc);
	for (rc = store_cursor_seek(c, key, &k, &v); rc == SCIM_OK &&
	    k.sv_len == 13 && memcmp(k.sv_data, key->sv_data, 4) == 0;
	    rc = store_cursor_next(c, &k, &v)) {
		tag = ((const uint8_t *)k.sv_data)[4];
		rid = util_get_be64((const uint8_t *)k.sv_data + 5);
		if ((rt = schema_type_by_tag(tag)) == NULL) {
			vf->v_bad++;
			continue;
		}
		for (i = 0; schema_types[i] != NULL; i++)
			if (schema_types[i] == rt)
				vf->v_ntype[i]++;
		if ((doc = jsonutil_load(v.sv_data, v.sv_len)) == NULL) {
			log_warnx("verify: resource %llu unreadable",
			    (unsigned long long)rid);
			vf->v_bad++;
			continue;
		}
		verify_doc(t, tenant, tag, rid, doc, vf);
		json_object_put(doc);
	}
	store_cursor_close(c);
	return (rc == SCIM_ENOTFOUND ? SCIM_OK : rc);
}

/* The per-type counters listings use for totalResults. */
static int
verify_counts(struct store_txn *t, uint32_t tenant, struct verify *vf)
{
	struct store_val	ck, cv;
	uint8_t			cb[6];
	uint64_t		want;
	size_t			i;
	int			rc;

	for (i = 0; schema_types[i] != NULL; i++) {
		want = 0;
		ck = keys_count(cb, tenant, schema_types[i]->rt_tag);
		rc = store_get(t, STORE_META, &ck, &cv);
		if (rc == SCIM_OK && cv.sv_len == 8)
			want = util_get_be64(cv.sv_data);
		else if (rc != SCIM_ENOTFOUND)
			return (rc);
		if (want != vf->v_ntype[i]) {
			log_warnx("verify: %s count says %llu, store holds %zu",
			    schema_types[i]->rt_name, (unsigned long long)want,
			    vf->v_ntype[i]);
			vf->v_bad++;
		}
	}
	return (SCIM_OK);
}

/* No index of tenant (prefix key) holds more than the resources imply. */
static int
verify_entries(struct store_txn *t, const struct store_val *key,
    struct verify *vf)
{
	const struct index_def	*d;
	struct store_cursor	*c;
	struct store_val	 k, v;
	size_t			 i, found;
	int			 rc;

	for (i = 0; i < NDEFS; i++) {
		d = &index_defs[i];
		found = 0;
		if ((rc = store_cursor_open(t, d->ix_db, &c)) != SCIM_OK)
			return (rc);
		for (rc = store_cursor_seek(c, key, &k, &v); rc == SCIM_OK &&
		    k.sv_len >= 4 && memcmp(k.sv_data, key->sv_data, 4) == 0;
		    rc = store_cursor_next(c, &k, &v))
			found++;
		store_cursor_close(c);
		if (found != vf->v_expected[i]) {
			log_warnx("verify: %s index has %zu entries, "
			    "resources imply %zu", d->ix_attr, found,
			    vf->v_expected[i]);
			vf->v_bad++;
		}
	}
	return (SCIM_OK);
}

int
index_verify(struct store_txn *t, uint32_t tenant, size_t *bad)
{
	struct verify		vf;
	struct store_val	key;
	uint8_t			tb[4];
	int			rc;

	memset(&vf, 0, sizeof(vf));
	util_put_be32(tb, tenant);
	key.sv_data = tb;
	key.sv_len = 4;
	if ((rc = verify_resources(t, tenant, &key, &vf)) == SCIM_OK &&
	    (rc = verify_counts(t, tenant, &vf)) == SCIM_OK)
		rc = verify_entries(t, &key, &vf);
	*bad = vf.v_bad;
	return (rc);
}
