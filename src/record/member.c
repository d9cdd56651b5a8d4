/* Group membership in the members / memberof databases (see member.h). */
#include "scimd.h"

#include <string.h>

#include "error.h"
#include "index.h"
#include "keys.h"
#include "member.h"
#include "store.h"
#include "util.h"

int
member_add(struct store_txn *t, uint32_t tenant, uint64_t grid, uint8_t tag,
    uint64_t rid, int *added)
{
	uint8_t			kb[16], vb[16], gb[8];
	struct store_val	k = keys_members(kb, tenant, grid);
	struct store_val	v = keys_kr(vb, tag, rid), gv = { gb, 8 };
	int			rc;

	*added = 0;
	rc = store_put(t, STORE_MEMBERS, &k, &v, STORE_NODUPDATA);
	if (rc == SCIM_EUNIQUE)
		return (SCIM_OK);
	if (rc != SCIM_OK)
		return (rc);
	util_put_be64(gb, grid);
	k = keys_memberof(kb, tenant, tag, rid);
	if ((rc = store_put(t, STORE_MEMBEROF, &k, &gv, STORE_NODUPDATA)) !=
	    SCIM_OK && rc != SCIM_EUNIQUE)
		return (rc);
	*added = 1;
	return (SCIM_OK);
}

int
member_remove(struct store_txn *t, uint32_t tenant, uint64_t grid,
    uint8_t tag, uint64_t rid, int *removed)
{
	uint8_t			kb[16], vb[16], gb[8];
	struct store_val	k = keys_members(kb, tenant, grid);
	struct store_val	v = keys_kr(vb, tag, rid), gv = { gb, 8 };
	int			rc;

	*removed = 0;
	rc = store_del(t, STORE_MEMBERS, &k, &v);
	if (rc == SCIM_ENOTFOUND)
		return (SCIM_OK);
	if (rc != SCIM_OK)
		return (rc);
	util_put_be64(gb, grid);
	k = keys_memberof(kb, tenant, tag, rid);
	rc = store_del(t, STORE_MEMBEROF, &k, &gv);
	if (rc != SCIM_OK && rc != SCIM_ENOTFOUND)
		return (rc);
	*removed = 1;
	return (SCIM_OK);
}

int
member_clear_group(struct store_txn *t, uint32_t tenant, uint64_t grid)
{
	struct store_cursor	*c;
	struct store_val	 k, v, mk, gv;
	uint8_t			 kb[16], mb[16], gb[8], tag;
	uint64_t		 rid;
	int			 rc;

	k = keys_members(kb, tenant, grid);
	util_put_be64(gb, grid);
	gv.sv_data = gb;
	gv.sv_len = 8;
	if ((rc = store_cursor_open(t, STORE_MEMBERS, &c)) != SCIM_OK)
		return (rc);
	for (rc = store_cursor_find(c, &k, &v); rc == SCIM_OK;
	    rc = store_cursor_next_dup(c, &v)) {
		if (v.sv_len != KEYS_KR_LEN)
			continue;
		tag = ((const uint8_t *)v.sv_data)[0];
		rid = util_get_be64((const uint8_t *)v.sv_data + 1);
		mk = keys_memberof(mb, tenant, tag, rid);
		rc = store_del(t, STORE_MEMBEROF, &mk, &gv);
		if (rc != SCIM_OK && rc != SCIM_ENOTFOUND)
			break;
	}
	store_cursor_close(c);
	if (rc != SCIM_OK && rc != SCIM_ENOTFOUND)
		return (rc);
	rc = store_del(t, STORE_MEMBERS, &k, NULL);
	return (rc == SCIM_ENOTFOUND ? SCIM_OK : rc);
}

int
member_clear_member(struct store_txn *t, uint32_t tenant, uint8_t tag,
    uint64_t rid)
{
	struct idset		 groups = { NULL, 0, 0 };
	struct store_val	 k, v;
	uint8_t			 kb[16], vb[16];
	size_t			 i;
	int			 rc;

	if ((rc = member_groups(t, tenant, tag, rid, &groups)) != SCIM_OK)
		goto done;
	v = keys_kr(vb, tag, rid);
	for (i = 0; i < groups.is_n; i++) {
		k = keys_members(kb, tenant, groups.is_v[i]);
		rc = store_del(t, STORE_MEMBERS, &k, &v);
		if (rc != SCIM_OK && rc != SCIM_ENOTFOUND)
			goto done;
	}
	k = keys_memberof(kb, tenant, tag, rid);
	rc = store_del(t, STORE_MEMBEROF, &k, NULL);
	if (rc == SCIM_ENOTFOUND)
		rc = SCIM_OK;
 done:
	idset_free(&groups);
	return (rc);
}

int
member_each(struct store_txn *t, uint32_t tenant, uint64_t grid, size_t skip,
    size_t max, int (*fn)(uint8_t, uint64_t, void *), void *arg)
{
	struct store_cursor	*c;
	struct store_val	 k, v;
	uint8_t			 kb[16];
	size_t			 n = 0, seen = 0;
	int			 rc;

	k = keys_members(kb, tenant, grid);
	if ((rc = store_cursor_open(t, STORE_MEMBERS, &c)) != SCIM_OK)
		return (rc);
	for (rc = store_cursor_find(c, &k, &v); rc == SCIM_OK;
	    rc = store_cursor_next_dup(c, &v)) {
		if (seen++ < skip || v.sv_len != KEYS_KR_LEN)
			continue;
		if (fn(((const uint8_t *)v.sv_data)[0],
		    util_get_be64((const uint8_t *)v.sv_data + 1), arg) != 0)
			break;
		if (max > 0 && ++n >= max)
			break;
	}
	store_cursor_close(c);
	return (rc == SCIM_ENOTFOUND ? SCIM_OK : rc);
}

int
member_count(struct store_txn *t, uint32_t tenant, uint64_t grid, size_t *n)
{
	struct store_cursor	*c;
	struct store_val	 k, v;
	uint8_t			 kb[16];
	int			 rc;

	*n = 0;
	k = keys_members(kb, tenant, grid);
	if ((rc = store_cursor_open(t, STORE_MEMBERS, &c)) != SCIM_OK)
		return (rc);
	if ((rc = store_cursor_find(c, &k, &v)) == SCIM_OK)
		rc = store_cursor_count(c, n);
	store_cursor_close(c);
	return (rc == SCIM_ENOTFOUND ? SCIM_OK : rc);
}

int
member_groups(struct store_txn *t, uint32_t tenant, uint8_t tag,
    uint64_t rid, struct idset *out)
{
	struct store_cursor	*c;
	struct store_val	 k, v;
	uint8_t			 kb[16];
	int			 rc;

	k = keys_memberof(kb, tenant, tag, rid);
	if ((rc = store_cursor_open(t, STORE_MEMBEROF, &c)) != SCIM_OK)
		return (rc);
	for (rc = store_cursor_find(c, &k, &v); rc == SCIM_OK;
	    rc = store_cursor_next_dup(c, &v))
		if (v.sv_len == 8)
			idset_add(out, util_get_be64(v.sv_data));
	store_cursor_close(c);
	idset_sort(out);
	return (rc == SCIM_ENOTFOUND ? SCIM_OK : rc);
}

int
member_is(struct store_txn *t, uint32_t tenant, uint64_t grid, uint8_t tag,
    uint64_t rid)
{
	struct store_cursor	*c;
	struct store_val	 k, v, want;
	uint8_t			 kb[16], vb[16];
	int			 rc;

	k = keys_members(kb, tenant, grid);
	want = keys_kr(vb, tag, rid);
	if (store_cursor_open(t, STORE_MEMBERS, &c) != SCIM_OK)
		return (0);
	rc = store_cursor_find_dup(c, &k, &want, &v);
	rc = rc == SCIM_OK && v.sv_len == KEYS_KR_LEN &&
	    memcmp(v.sv_data, vb, KEYS_KR_LEN) == 0;
	store_cursor_close(c);
	return (rc);
}
