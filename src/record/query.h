/*
 * Planning and running a list query (RFC 7644 section 3.4.2) over one
 * tenant's resources of one type.  The planner turns eq on userName,
 * emails.value, externalId, id, Group displayName and Group members.value
 * into index probes, sw on userName and emails.value into prefix scans, and
 * intersects (and) or unions (or, when every branch is indexed); anything
 * else scans the tenant's range.  Every candidate is re-checked with
 * filter_match, so the index only has to give a superset; except a lone
 * eq the index decides exactly (index_probe_exact), unsorted: its
 * candidates are the matches, their documents are not read.
 */
#ifndef QUERY_H
#define QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "schema.h"

struct filter;
struct json_object;
struct scim_errbuf;
struct store_txn;

struct query {
	const struct resource_type	*q_rt;
	uint32_t			 q_tenant;
	const struct filter		*q_filter;	/* NULL: every resource */
	const struct schema_path	*q_sort;	/* NULL: creation order */
	int				 q_desc;	/* sortOrder=descending */
	size_t				 q_start;	/* 1-based startIndex */
	size_t				 q_count;	/* page size; 0: count only */
	size_t				 q_max_scan;	/* 0: no limit on a scan */
	int				 q_cursor;	/* RFC 9865: page by position */
	uint64_t			 q_after;	/* cursor: rids > this only */
};

struct query_result {
	size_t			  qr_total;	/* totalResults, exact */
	size_t			  qr_n;		/* resources on this page */
	struct json_object	**qr_docs;	/* stored documents, owned;
						   NULL: not read (the index
						   decided the filter) */
	uint64_t		 *qr_rids;	/* their resource numbers */
	int			  qr_scanned;	/* the plan walked the range */
	int			  qr_more;	/* cursor: matches after the page */
	size_t			  qr_examined;	/* documents read and matched */
};

/*
 * Run q inside transaction t (read or write).  SCIM_OK with *r filled (free
 * with query_result_free), SCIM_ETOOMANY when a scan would exceed
 * q_max_scan, or a storage error.
 */
int	query_run(struct store_txn *t, const struct query *q,
	    struct query_result *r, struct scim_errbuf *eb);
void	query_result_free(struct query_result *);

#endif /* QUERY_H */
