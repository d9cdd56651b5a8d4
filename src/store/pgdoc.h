/*
 * The columns scim_res keeps beside a document (schema version 6) for the
 * indexes of scimd-sql(7): a user's userName and primary (else first)
 * email, a group's displayName, found in the document's JSON text by
 * scimd instead of by the server parsing it into jsonb for every index.
 */
#ifndef PGDOC_H
#define PGDOC_H

#include <stddef.h>

struct pgdoc_str {
	char	*ps_data;	/* NUL-terminated, or NULL: SQL NULL */
	size_t	 ps_len;
	size_t	 ps_cap;
};

struct pgdoc {
	struct pgdoc_str	pd_name;	/* userName or displayName */
	struct pgdoc_str	pd_email;
};

/*
 * Fill d from the document json (len bytes) of kind 'U' (a user) or 'G' (a
 * group) with what PostgreSQL's scim_doc(v) ->> 'userName' (or
 * 'displayName') and scim_email(scim_doc(v)) give.  0 done; -1 when this
 * scanner does not decide (a value that is not a string, an escape other
 * than the simple ones, malformed text): the server computes them then.
 */
int	pgdoc_fields(const char *json, size_t len, int kind, struct pgdoc *d);
void	pgdoc_free(struct pgdoc *);

#endif
