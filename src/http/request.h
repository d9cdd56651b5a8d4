/*
 * One HTTP request from arrival to its single reply: what the handlers
 * read of it (method, decoded path, query parameters, headers, the JSON
 * body) and the reply functions.  Every request ends in exactly one
 * request_reply_* call (libevent's rule); request_reply_* sends, writes the
 * access line, counts the request for /metrics and frees rq.
 *
 * This is the bottom of the web layers: the router (server/) creates
 * requests and the handlers (scim/, admin/) answer them; request.c calls
 * neither.
 */
#ifndef REQUEST_H
#define REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "scimd.h"
#include "token.h"

struct evbuffer;
struct evhttp_request;
struct evkeyvalq;
struct json_object;
struct projection;
struct resource_type;

enum request_method {
	RQ_GET, RQ_POST, RQ_PUT, RQ_PATCH, RQ_DELETE, RQ_HEAD, RQ_OTHER
};

struct request {
	struct evhttp_request		*rq_req;	/* borrowed from libevent */
	struct scimd			*rq_sd;		/* the process's state */
	enum request_method		 rq_method;
	const char			*rq_method_name;
	char				*rq_path;	/* decoded path, owned */
	uint32_t			 rq_tenant;
	struct token_info		 rq_token;	/* who asked */
	char				 rq_change_id[SCIM_ID_MAX];
	const struct resource_type	*rq_rt;
	char				*rq_id;		/* resource id from the path */
	struct json_object		*rq_body;	/* parsed body, owned */
	struct projection		*rq_proj;	/* attributes=..., owned */
	char				*rq_base;	/* ".../scim/v2", owned */
	int64_t				 rq_start;	/* monotonic ms */
	int64_t				 rq_start_us;	/* monotonic µs, for metrics */
	int				 rq_status;	/* for the access log */
	size_t				 rq_bytes;
	struct evkeyvalq		*rq_query;	/* decoded query, owned */
	int				 rq_replied;
	int				 rq_nwrites;	/* changes submitted */
};

/* A new request for req, stamped with its change id and start time. */
struct request *request_new(struct evhttp_request *req, struct scimd *sd);
/* Requests whose reply is still pending (shutdown waits for 0). */
int	request_inflight(void);

/*
 * Write the access lines still buffered and free the event that writes
 * them: at shutdown, before the event base goes.
 */
void	request_shutdown(void);

/* Query parameter (decoded) or NULL. */
const char *request_param(struct request *, const char *name);
/* Request header or NULL. */
const char *request_header(struct request *, const char *name);
/* Add a header to the reply (before request_reply_*). */
void	request_set_header(struct request *, const char *name,
	    const char *value);
/* The raw body (*len bytes, not NUL-terminated, never NULL), owned by rq. */
const unsigned char *request_body(struct request *, size_t *len);
/* Wipe the Authorization header and the body (credentials inside). */
void	request_wipe_secrets(struct request *);
/* The peer's address as text, or NULL; valid while rq lives. */
const char *request_peer(struct request *);
/*
 * Parse the body (at most max bytes, Content-Type JSON) into rq_body.
 * 0, or -1 after replying the error (413, 415 or 400) itself.
 */
int	request_read_json(struct request *, size_t max);

/*
 * Reply with the JSON in buf, which the reply drains (the caller still
 * frees it): no copy of a large body.
 */
void	request_reply_buf(struct request *, int status, struct evbuffer *buf,
	    const char *etag, const char *location);
/* Reply with a JSON body (status 200/201...); etag and location may be NULL. */
void	request_reply_json(struct request *, int status, struct json_object *,
	    const char *etag, const char *location);
/* Reply with pre-serialised bytes (JSON unless a Content-Type is set). */
void	request_reply_raw(struct request *, int status, const char *json,
	    size_t len, const char *etag, const char *location);
/* Reply without a body (204, 304). */
void	request_reply_empty(struct request *, int status, const char *etag);
/* RFC 7644 section 3.12 error reply for err; detail may be NULL. */
void	request_reply_error(struct request *, int err, const char *detail);
/* 405 with the Allow header. */
void	request_reply_method(struct request *, const char *allow);

#endif /* REQUEST_H */
