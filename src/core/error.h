/*
 * scimd error codes and their single mapping to HTTP status and SCIM
 * scimType (RFC 7644 section 3.12).  Functions that can fail return SCIM_OK
 * (0) or one of the negative codes below; nothing else in the tree writes an
 * HTTP status number for an error.
 */
#ifndef ERROR_H
#define ERROR_H

#include <stddef.h>

struct json_object;

enum scim_err {
	SCIM_OK		=  0,
	SCIM_EINVAL	= -1,	/* 400 invalidValue */
	SCIM_ESYNTAX	= -2,	/* 400 invalidSyntax */
	SCIM_EFILTER	= -3,	/* 400 invalidFilter */
	SCIM_EPATH	= -4,	/* 400 invalidPath */
	SCIM_ENOTARGET	= -5,	/* 400 noTarget */
	SCIM_EMUTABILITY = -6,	/* 400 mutability */
	SCIM_ETOOMANY	= -7,	/* 400 tooMany */
	SCIM_EVERS	= -8,	/* 400 invalidVers */
	SCIM_EBADREQ	= -9,	/* 400, no scimType */
	SCIM_ECURSOR	= -10,	/* 400 invalidCursor */
	SCIM_ECURSOREXP	= -11,	/* 400 expiredCursor */
	SCIM_EAUTH	= -12,	/* 401 */
	SCIM_EFORBIDDEN	= -13,	/* 403 */
	SCIM_ENOTFOUND	= -14,	/* 404 */
	SCIM_EMETHOD	= -15,	/* 405 */
	SCIM_EUNIQUE	= -16,	/* 409 uniqueness */
	SCIM_EPRECOND	= -17,	/* 412 */
	SCIM_ETOOLARGE	= -18,	/* 413 */
	SCIM_EMEDIATYPE	= -19,	/* 415 */
	SCIM_ERATE	= -20,	/* 429 */
	SCIM_ENOMEM	= -21,	/* 500 */
	SCIM_ESTORE	= -22,	/* 500, storage failure */
	SCIM_ENOTIMPL	= -23,	/* 501 */
	SCIM_EUNAVAIL	= -24,	/* 503 */
	SCIM_ESTORAGE	= -25,	/* 507, store full */
	SCIM_ENOTACCEPT	= -26,	/* 406 */
	SCIM_ENOTMOD	= -27,	/* 304, If-None-Match matched (not an error body) */
	SCIM_ECONFLICT	= -28,	/* 409, no scimType (e.g. version clash) */
	SCIM_ESKIPPED	= -29,	/* internal: a Bulk operation not attempted */
	SCIM_EHEADERS	= -30	/* 431, request headers too large */
};

/* A detail message filled by whoever detects the error; never allocates. */
struct scim_errbuf {
	char	 eb_msg[256];
};

/* HTTP status for err (SCIM_OK gives 200). */
int		 scim_err_status(int err);
/* scimType for err, or NULL when the code has none. */
const char	*scim_err_type(int err);
/* Short default detail text for err. */
const char	*scim_err_text(int err);

/* printf into eb (eb may be NULL); returns err so callers can return it. */
int		 scim_err_set(struct scim_errbuf *eb, int err, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/*
 * New RFC 7644 section 3.12 error body for err, using detail when it is
 * non-NULL and non-empty.  The caller owns the result; NULL on ENOMEM.
 */
struct json_object *scim_err_body(int err, const char *detail);

#endif /* ERROR_H */
