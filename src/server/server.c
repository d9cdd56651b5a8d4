/*
 * The listener and the router: evhttp set-up, the checks every request
 * passes (URL and header limits, path and query decoding), the areas
 * (/healthz, /metrics, /admin/v1, /oauth2/token, the console, /scim/v2)
 * and the table of SCIM endpoints and methods.  Handlers answer; nothing
 * below calls back up here.
 */
#include "scimd.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/queue.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "admin.h"
#include "auth.h"
#include "bulk.h"
#include "config.h"
#include "connlimit.h"
#include "console.h"
#include "discovery_endpoint.h"
#include "error.h"
#include "health.h"
#include "http_parse.h"
#include "log.h"
#include "metrics.h"
#include "oauth.h"
#include "ratelimit.h"
#include "request.h"
#include "resource.h"
#include "schema.h"
#include "server.h"
#include "store.h"
#include "util.h"

static struct scimd			*server_sd;
static struct evhttp			*server_http;
static struct evhttp_bound_socket	*server_sock;

/* What a path below /scim/v2 names. */
enum scim_target {
	ST_NONE,		/* no such endpoint */
	ST_SPC,			/* /ServiceProviderConfig */
	ST_TYPES,		/* /ResourceTypes[/name] */
	ST_SCHEMAS,		/* /Schemas[/urn] */
	ST_ME,			/* /Me: answered 501 */
	ST_ROOT_SEARCH,		/* /.search */
	ST_BULK,		/* /Bulk */
	ST_COLLECTION,		/* /Users */
	ST_TYPE_SEARCH,		/* /Users/.search */
	ST_RESOURCE,		/* /Users/{id} */
	ST_N
};

enum route_body {
	RB_NONE,		/* no body is read */
	RB_JSON,		/* max_body */
	RB_BULK			/* bulk_max_payload */
};

#define RQ_ANY	(-1)

static void	me_serve(struct request *);

/* Endpoint x method: the handler and the body it takes. */
static const struct scim_route {
	enum scim_target	 sr_target;
	int			 sr_method;	/* enum request_method, RQ_ANY */
	enum route_body		 sr_body;
	void			(*sr_fn)(struct request *);
} scim_routes[] = {
	{ ST_SPC,		RQ_GET,		RB_NONE, discovery_serve_spc },
	{ ST_SPC,		RQ_HEAD,	RB_NONE, discovery_serve_spc },
	{ ST_TYPES,		RQ_GET,		RB_NONE, discovery_serve_types },
	{ ST_TYPES,		RQ_HEAD,	RB_NONE, discovery_serve_types },
	{ ST_SCHEMAS,		RQ_GET,		RB_NONE, discovery_serve_schemas },
	{ ST_SCHEMAS,		RQ_HEAD,	RB_NONE, discovery_serve_schemas },
	{ ST_ME,		RQ_ANY,		RB_NONE, me_serve },
	{ ST_ROOT_SEARCH,	RQ_POST,	RB_JSON, resource_list },
	{ ST_BULK,		RQ_POST,	RB_BULK, bulk_handle },
	{ ST_COLLECTION,	RQ_GET,		RB_NONE, resource_list },
	{ ST_COLLECTION,	RQ_HEAD,	RB_NONE, resource_list },
	{ ST_COLLECTION,	RQ_POST,	RB_JSON, resource_create },
	{ ST_TYPE_SEARCH,	RQ_POST,	RB_JSON, resource_list },
	{ ST_RESOURCE,		RQ_GET,		RB_NONE, resource_get },
	{ ST_RESOURCE,		RQ_HEAD,	RB_NONE, resource_get },
	{ ST_RESOURCE,		RQ_PUT,		RB_JSON, resource_replace },
	{ ST_RESOURCE,		RQ_PATCH,	RB_JSON, resource_patch },
	{ ST_RESOURCE,		RQ_DELETE,	RB_NONE, resource_delete },
};

/* The Allow header of a 405 on each target. */
static const char *const scim_allow[ST_N] = {
	[ST_SPC] = "GET", [ST_TYPES] = "GET", [ST_SCHEMAS] = "GET",
	[ST_ROOT_SEARCH] = "POST", [ST_BULK] = "POST",
	[ST_COLLECTION] = "GET, POST", [ST_TYPE_SEARCH] = "POST",
	[ST_RESOURCE] = "GET, PUT, PATCH, DELETE",
};

static void
me_serve(struct request *rq)
{
	request_reply_error(rq, SCIM_ENOTIMPL, NULL);
}

static int
seg_is(const struct http_path *hp, const char *name)
{
	return (hp->hp_seglen == strlen(name) &&
	    strncmp(hp->hp_seg, name, hp->hp_seglen) == 0);
}

/*
 * What the path below /scim/v2 names; sets rq_rt for a resource type and
 * rq_id to what follows the endpoint (an id, a schema URN, a type name).
 */
static enum scim_target
scim_target(struct request *rq, const char *rest)
{
	struct http_path	hp;

	http_path_split(rest, &hp);	/* fuzz/fuzz_http.c */
	if (seg_is(&hp, "ServiceProviderConfig") || seg_is(&hp,
	    "ResourceTypes") || seg_is(&hp, "Schemas")) {
		if (hp.hp_sub != NULL)
			rq->rq_id = xstrdup(hp.hp_sub);
		return (seg_is(&hp, "Schemas") ? ST_SCHEMAS :
		    seg_is(&hp, "ResourceTypes") ? ST_TYPES : ST_SPC);
	}
	if (seg_is(&hp, ".search") && hp.hp_sub == NULL)
		return (ST_ROOT_SEARCH);	/* every type: rq_rt NULL */
	if (seg_is(&hp, "Bulk") && hp.hp_sub == NULL)
		return (ST_BULK);
	if (seg_is(&hp, "Me"))
		return (ST_ME);
	if ((rq->rq_rt = schema_type_by_endpoint(hp.hp_seg,
	    hp.hp_seglen)) == NULL)
		return (ST_NONE);
	if (hp.hp_sub == NULL)
		return (ST_COLLECTION);
	if (!hp.hp_id_ok)
		return (ST_NONE);
	rq->rq_id = xstrndup(hp.hp_sub, hp.hp_idlen);
	return (strcmp(rq->rq_id, ".search") == 0 ? ST_TYPE_SEARCH :
	    ST_RESOURCE);
}

/* Route a path below /scim/v2 (rest starts after the prefix). */
static void
route_scim(struct request *rq, const char *rest)
{
	const struct scimd_config	*cf = rq->rq_sd->sd_conf;
	const struct scim_route		*r;
	enum scim_target		 target;
	size_t				 i;

	if ((target = scim_target(rq, rest)) == ST_NONE) {
		request_reply_error(rq, SCIM_ENOTFOUND, "no such endpoint");
		return;
	}
	for (i = 0; i < sizeof(scim_routes) / sizeof(scim_routes[0]); i++) {
		r = &scim_routes[i];
		if (r->sr_target != target || (r->sr_method != RQ_ANY &&
		    r->sr_method != (int)rq->rq_method))
			continue;
		if (r->sr_body != RB_NONE && request_read_json(rq,
		    r->sr_body == RB_BULK ? cf->cf_bulk_max_payload :
		    cf->cf_max_body) != 0)
			return;
		r->sr_fn(rq);
		return;
	}
	request_reply_method(rq, scim_allow[target]);
}

/* Bytes of the request's header block, as the client sent it (roughly). */
static size_t
headers_size(struct evhttp_request *req)
{
	struct evkeyvalq	*h = evhttp_request_get_input_headers(req);
	struct evkeyval		*kv;
	size_t			 n = 0;

	TAILQ_FOREACH(kv, h, next)
		n += strlen(kv->key) + strlen(kv->value) + 4;
	return (n);
}

/* The SCIM root URL clients used: base_url, else scheme://Host/scim/v2. */
static char *
base_url(struct request *rq)
{
	const struct scimd_config	*cf = rq->rq_sd->sd_conf;
	const char			*host = request_header(rq, "Host");
	char				*s;

	if (cf->cf_base_url != NULL)
		return (xstrdup(cf->cf_base_url));
	if (!http_host_ok(host))
		host = "localhost";	/* never echo odd bytes */
	if (asprintf(&s, "%s://%s%s", cf->cf_tls_cert != NULL ? "https" :
	    "http", host, HTTP_SCIM_PREFIX) == -1)
		fatal("asprintf");
	return (s);
}

/*
 * The checks every request passes before routing: URL and header limits,
 * path and query decoding.  0, or -1 after replying the error.
 */
static int
request_prepare(struct request *rq)
{
	const struct scimd_config	*cf = rq->rq_sd->sd_conf;
	const struct evhttp_uri		*uri;
	const char			*path, *query, *filter;
	int				 err;

	uri = evhttp_request_get_evhttp_uri(rq->rq_req);
	/*
	 * security: request smuggling.  libevent 2.1 has no hook between the
	 * headers and the body, but reads nothing more from the connection
	 * until this reply is sent, and "Connection: close" ends it there.
	 */
	if (!http_framing_ok(evhttp_request_get_input_headers(rq->rq_req))) {
		request_set_header(rq, "Connection", "close");
		request_reply_error(rq, SCIM_ESYNTAX, "ambiguous message "
		    "length: Content-Length or Transfer-Encoding repeated, "
		    "or both (RFC 9112 6.3)");
		return (-1);
	}
	if (headers_size(rq->rq_req) > cf->cf_max_headers) {
		request_reply_error(rq, SCIM_EHEADERS,
		    "request headers exceed max_headers");
		return (-1);
	}
	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (path == NULL || *path == '\0')
		path = "/";
	if ((rq->rq_path = http_path_decode(path)) == NULL) {
		rq->rq_path = xstrdup("?");
		request_reply_error(rq, SCIM_EINVAL, "malformed path");
		return (-1);
	}
	query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	if (query != NULL) {
		rq->rq_query = xcalloc(1, sizeof(*rq->rq_query));
		TAILQ_INIT(rq->rq_query);
		if ((err = http_query_parse(query, rq->rq_query)) != SCIM_OK) {
			request_reply_error(rq, err, "malformed query string");
			return (-1);
		}
	}
	/* after the query: a filter over its own limit is at fault */
	if (strlen(evhttp_request_get_uri(rq->rq_req)) > cf->cf_max_url) {
		filter = request_param(rq, "filter");
		request_reply_error(rq, filter != NULL && strlen(filter) >
		    cf->cf_filter.fl_max_len ? SCIM_EFILTER : SCIM_EINVAL,
		    "URL too long");
		return (-1);
	}
	rq->rq_base = base_url(rq);
	return (0);
}

/* GET (or HEAD) only: serve, or 405. */
static void
get_only(struct request *rq, void (*fn)(struct request *))
{
	if (rq->rq_method != RQ_GET && rq->rq_method != RQ_HEAD)
		request_reply_method(rq, "GET");
	else
		fn(rq);
}

static void
dispatch_run(void *arg)
{
	struct evhttp_request	*req = arg;
	struct request		*rq;
	const char		*rest;

	connlimit_request(req);		/* security: stop its read deadline */
	rq = request_new(req, server_sd);
	if (request_prepare(rq) != 0)
		return;
	if (console_match(rq->rq_path)) {
		console_serve(rq);	/* static pages, no token */
		return;
	}
	switch (http_area(rq->rq_path, &rest)) {
	case HTTP_AREA_HEALTH:
		get_only(rq, health_serve);
		return;
	case HTTP_AREA_METRICS:
		get_only(rq, metrics_serve);
		return;
	case HTTP_AREA_ADMIN:
		if (auth_request(rq, 1) == 0)
			admin_dispatch(rq, rest);
		return;
	case HTTP_AREA_OAUTH:
		oauth_serve(rq);	/* security: form body, no bearer */
		return;
	case HTTP_AREA_SCIM:
		break;
	case HTTP_AREA_NONE:
		request_reply_error(rq, SCIM_ENOTFOUND, "no such endpoint");
		return;
	}
	if (auth_request(rq, 0) != 0)
		return;
	if (ratelimit_request(rq) != 0)	/* security: per-token 429 */
		return;
	auth_touch(rq);
	route_scim(rq, rest);
}

/* Each request runs where the store may wait for its server (store_run). */
static void
dispatch(struct evhttp_request *req, void *arg)
{
	store_run(server_sd->sd_store, dispatch_run, req);
}

void
server_apply_limits(const struct scimd_config *conf)
{
	size_t	body = conf->cf_max_body > conf->cf_bulk_max_payload ?
		    conf->cf_max_body : conf->cf_bulk_max_payload;

	if (server_http == NULL)
		return;
	/*
	 * evhttp refuses what exceeds its own limits with an HTML page, so it
	 * gets four times ours: request_read_json() and request_prepare()
	 * answer oversized bodies (413), headers (431) and URLs (400; evhttp
	 * counts the request line as a header) with SCIM errors; only far
	 * larger requests meet libevent's page.
	 */
	evhttp_set_max_body_size(server_http, (ev_ssize_t)(4 * body + 65536));
	evhttp_set_max_headers_size(server_http,
	    (ev_ssize_t)((conf->cf_max_headers + conf->cf_max_url) * 4 + 8192));
	evhttp_set_timeout(server_http, conf->cf_timeout);
}

/* Log the bound address and write the port to portfile (may be NULL). */
static int
report_port(const char *portfile)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	char			 host[INET6_ADDRSTRLEN];
	int			 port = 0;
	FILE			*f;

	if (getsockname(evhttp_bound_socket_get_fd(server_sock),
	    (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
			port = ntohs(s6->sin6_port);
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
			port = ntohs(s4->sin_port);
		}
		log_info("listening on %s:%d", host, port);
	}
	if (portfile == NULL)
		return (SCIM_OK);
	if ((f = fopen(portfile, "w")) == NULL) {
		log_warn("%s", portfile);
		return (SCIM_EUNAVAIL);
	}
	fprintf(f, "%d\n", port);
	fclose(f);
	return (SCIM_OK);
}

int
server_init(struct scimd *sd, const char *portfile)
{
	const struct scimd_config	*conf = sd->sd_conf;

	server_sd = sd;
	if ((server_http = evhttp_new(sd->sd_base)) == NULL)
		return (SCIM_ENOMEM);
	/*
	 * Every bit, including libevent's internal "unknown method" bit
	 * (1 << 15): otherwise evhttp answers FOO / HTTP/1.1 itself with an
	 * HTML 501; this way the router answers 405 with a SCIM body.
	 */
	evhttp_set_allowed_methods(server_http, 0xffff);
	server_apply_limits(conf);
	evhttp_set_default_content_type(server_http, "application/scim+json");
	evhttp_set_gencb(server_http, dispatch, NULL);
	/* security: TLS bufferevents, connection count, request deadlines */
	connlimit_init(sd);
	evhttp_set_bevcb(server_http, connlimit_bevcb, NULL);
	server_sock = evhttp_bind_socket_with_handle(server_http,
	    conf->cf_listen_host, (ev_uint16_t)conf->cf_listen_port);
	if (server_sock == NULL) {
		log_warnx("cannot listen on %s:%d (address in use or not "
		    "available)", conf->cf_listen_host, conf->cf_listen_port);
		return (SCIM_EUNAVAIL);
	}
	connlimit_listener(server_sock);	/* security: pause on EMFILE */
	return (report_port(portfile));
}

void
server_stop_accepting(void)
{
	connlimit_listener(NULL);	/* security: forget the listener */
	if (server_sock != NULL)
		evhttp_del_accept_socket(server_http, server_sock);
	server_sock = NULL;
}

void
server_free(void)
{
	if (server_http != NULL)
		evhttp_free(server_http);
	server_http = NULL;
	connlimit_shutdown();	/* security: after evhttp_free closed all */
	ratelimit_shutdown();
	request_shutdown();	/* the access lines of the last requests */
}
