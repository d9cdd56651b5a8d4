/*
 * The HTTP side: evhttp setup, routing, authentication, one struct request
 * per HTTP request, and the reply functions.  Every request ends in exactly
 * one server_reply_* call (libevent's rule); server_reply_* frees rq.
 */
#ifndef SERVER_H
#define SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "scimd.h"
#include "token.h"

struct evhttp;
struct evkeyvalq;

struct event_base;
struct evhttp_request;
struct json_object;
struct projection;
struct resource_type;
struct scimd_config;
struct store;

enum server_method {
	SM_GET, SM_POST, SM_PUT, SM_PATCH, SM_DELETE, SM_HEAD, SM_OTHER
};

struct request {
	struct evhttp_request		*rq_req;	/* borrowed from libevent */
	enum server_method		 rq_method;
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

/* Global state the handlers read (set once by main). */
extern struct scimd_config	*server_conf;
extern struct store		*server_store;

/* Bind and serve; SCIM_OK or an error with a message already logged. */
int	server_init(struct event_base *, struct scimd_config *, struct store *,
	    const char *portfile);
/* Stop accepting new connections (shutdown). */
void	server_stop_accepting(void);
void	server_free(void);
/* (Re)apply the request limits evhttp enforces itself (init and SIGHUP). */
void	server_apply_limits(const struct scimd_config *);
/* Requests whose reply is still pending (shutdown waits for 0). */
int	server_inflight(void);

/* Query parameter (decoded) or NULL. */
const char *server_param(struct request *, const char *name);
/* Request header or NULL. */
const char *server_header(struct request *, const char *name);

/* Reply with a JSON body (status 200/201...); etag and location may be NULL. */
void	server_reply_json(struct request *, int status, struct json_object *,
	    const char *etag, const char *location);
/* Reply with pre-serialised JSON bytes. */
void	server_reply_raw(struct request *, int status, const char *json,
	    size_t len, const char *etag, const char *location);
/* Reply without a body (204, 304). */
void	server_reply_empty(struct request *, int status, const char *etag);
/* RFC 7644 section 3.12 error reply for err; detail may be NULL. */
void	server_reply_error(struct request *, int err, const char *detail);

#endif /* SERVER_H */
