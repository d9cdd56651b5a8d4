/*
 * evhttp front end: one catch-all callback parses, authenticates and routes
 * every request; replies are always SCIM JSON (never libevent's HTML), carry
 * X-Request-Id, and are logged as one access line.
 */
#include "scimd.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <json-c/json.h>
#include <openssl/crypto.h>

#include "admin.h"
#include "bulk.h"
#include "commit.h"
#include "config.h"
#include "connlimit.h"
#include "console.h"
#include "discovery.h"
#include "error.h"
#include "http_parse.h"
#include "jsonutil.h"
#include "log.h"
#include "metrics.h"
#include "oauth.h"
#include "projection.h"
#include "ratelimit.h"
#include "resource.h"
#include "schema.h"
#include "server.h"
#include "store.h"
#include "token.h"
#include "util.h"

struct scimd_config	*server_conf;
struct store		*server_store;

static struct evhttp			*server_http;
static struct evhttp_bound_socket	*server_sock;
static int				 server_live;	/* requests not yet replied */

#define SCIM_PREFIX	HTTP_SCIM_PREFIX
#define CONTENT_TYPE	"application/scim+json"

int
server_inflight(void)
{
	return (server_live);
}

const char *
server_param(struct request *rq, const char *name)
{
	if (rq->rq_query == NULL)
		return (NULL);
	return (evhttp_find_header(rq->rq_query, name));
}

const char *
server_header(struct request *rq, const char *name)
{
	return (evhttp_find_header(evhttp_request_get_input_headers(
	    rq->rq_req), name));
}

static void
request_free(struct request *rq)
{
	if (rq->rq_query != NULL) {
		evhttp_clear_headers(rq->rq_query);
		free(rq->rq_query);
	}
	json_object_put(rq->rq_body);
	projection_free(rq->rq_proj);
	free(rq->rq_path);
	free(rq->rq_id);
	free(rq->rq_base);
	OPENSSL_cleanse(&rq->rq_token, sizeof(rq->rq_token));
	free(rq);
	server_live--;
}

static void
access_log(struct request *rq)
{
	struct evhttp_connection	*evcon;
	char				*peer = NULL;
	char				 path[512];
	ev_uint16_t			 port = 0;

	if (!server_conf->cf_access_log)
		return;
	evcon = evhttp_request_get_connection(rq->rq_req);
	if (evcon != NULL)
		evhttp_connection_get_peer(evcon, &peer, &port);
	log_escape(rq->rq_path ? rq->rq_path : "-",
	    rq->rq_path ? strlen(rq->rq_path) : 1, path, sizeof(path));
	log_info("%s %s %s %d %zu %lldms %s", peer ? peer : "-",
	    rq->rq_method_name, path, rq->rq_status, rq->rq_bytes,
	    (long long)(util_mono_ms() - rq->rq_start), rq->rq_change_id);
}

/* Send status with buf (may be NULL) and free rq: the single exit. */
static void
reply(struct request *rq, int status, struct evbuffer *buf, const char *etag,
    const char *location)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(
	    rq->rq_req);
	const char		*reason;

	if (rq->rq_replied)
		fatalx("%s: second reply to %s", __func__, rq->rq_change_id);
	rq->rq_replied = 1;
	evhttp_add_header(h, "X-Request-Id", rq->rq_change_id);
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (buf != NULL && evhttp_find_header(h, "Content-Type") == NULL)
		evhttp_add_header(h, "Content-Type", CONTENT_TYPE);
	if (etag != NULL)
		evhttp_add_header(h, "ETag", etag);
	if (location != NULL)
		evhttp_add_header(h, "Location", location);
	switch (status) {
	case 200: reason = "OK"; break;
	case 201: reason = "Created"; break;
	case 204: reason = "No Content"; break;
	case 304: reason = "Not Modified"; break;
	case 400: reason = "Bad Request"; break;
	case 401: reason = "Unauthorized"; break;
	case 403: reason = "Forbidden"; break;
	case 404: reason = "Not Found"; break;
	case 405: reason = "Method Not Allowed"; break;
	case 409: reason = "Conflict"; break;
	case 412: reason = "Precondition Failed"; break;
	case 413: reason = "Payload Too Large"; break;
	case 415: reason = "Unsupported Media Type"; break;
	case 429: reason = "Too Many Requests"; break;
	case 431: reason = "Request Header Fields Too Large"; break;
	case 501: reason = "Not Implemented"; break;
	case 503: reason = "Service Unavailable"; break;
	case 507: reason = "Insufficient Storage"; break;
	default: reason = status >= 500 ? "Internal Server Error" : "Error";
	}
	rq->rq_status = status;
	rq->rq_bytes = buf != NULL ? evbuffer_get_length(buf) : 0;
	evhttp_send_reply(rq->rq_req, status, reason, buf);
	access_log(rq);
	metrics_observe(rq);
	request_free(rq);
}

void
server_reply_raw(struct request *rq, int status, const char *json,
    size_t len, const char *etag, const char *location)
{
	struct evbuffer	*buf = evbuffer_new();

	if (buf == NULL)
		fatal("evbuffer_new");
	evbuffer_add(buf, json, len);
	reply(rq, status, buf, etag, location);
	evbuffer_free(buf);
}

void
server_reply_json(struct request *rq, int status, struct json_object *o,
    const char *etag, const char *location)
{
	const char	*s;
	size_t		 len;

	s = jsonutil_compact(o, &len);
	server_reply_raw(rq, status, s, len, etag, location);
}

void
server_reply_empty(struct request *rq, int status, const char *etag)
{
	reply(rq, status, NULL, etag, NULL);
}

void
server_reply_error(struct request *rq, int err, const char *detail)
{
	struct json_object	*o;
	int			 status;

	if (err == SCIM_OK)
		err = SCIM_ESTORE;
	status = scim_err_status(err);
	if (status == 304) {
		reply(rq, 304, NULL, NULL, NULL);
		return;
	}
	if (status == 401)
		evhttp_add_header(evhttp_request_get_output_headers(
		    rq->rq_req), "WWW-Authenticate", "Bearer realm=\"scimd\"");
	/* ratelimit.c sets its own Retry-After first */
	if ((status == 429 || status == 503) && evhttp_find_header(
	    evhttp_request_get_output_headers(rq->rq_req), "Retry-After") ==
	    NULL)
		evhttp_add_header(evhttp_request_get_output_headers(
		    rq->rq_req), "Retry-After", "1");
	if ((o = scim_err_body(err, detail)) == NULL)
		fatal("%s", __func__);
	server_reply_json(rq, status, o, NULL, NULL);
	json_object_put(o);
}

static void
reply_method(struct request *rq, const char *allow)
{
	evhttp_add_header(evhttp_request_get_output_headers(rq->rq_req),
	    "Allow", allow);
	server_reply_error(rq, SCIM_EMETHOD, NULL);
}

/* The SCIM root URL clients used: base_url, else scheme://Host/scim/v2. */
static char *
base_url(struct request *rq)
{
	const char	*host = server_header(rq, "Host");
	char		*s;

	if (server_conf->cf_base_url != NULL)
		return (xstrdup(server_conf->cf_base_url));
	if (!http_host_ok(host))
		host = "localhost";	/* never echo odd bytes */
	if (asprintf(&s, "%s://%s%s", server_conf->cf_tls_cert != NULL ?
	    "https" : "http", host, SCIM_PREFIX) == -1)
		fatal("asprintf");
	return (s);
}

/* Bearer token to tenant and token name; replies itself on failure. */
static int
authenticate(struct request *rq, int admin)
{
	const char		*h = server_header(rq, "Authorization");
	struct evkeyval		*kv;
	size_t			 len;
	int			 rc, n = 0;

	/* security: two credentials are ambiguous; take neither */
	TAILQ_FOREACH(kv, evhttp_request_get_input_headers(rq->rq_req), next)
		if (strcasecmp(kv->key, "Authorization") == 0)
			n++;
	if (n > 1) {
		server_reply_error(rq, SCIM_EAUTH,
		    "more than one Authorization header");
		return (-1);
	}
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
		server_reply_error(rq, SCIM_EAUTH,
		    "a bearer token is required");
		return (-1);
	}
	h += 7;
	while (*h == ' ')
		h++;
	len = strlen(h);
	while (len > 0 && h[len - 1] == ' ')
		len--;
	rc = token_find_cached(server_store, h, len, &rq->rq_token);
	/* security: evhttp frees headers without wiping; nothing reads it again */
	OPENSSL_cleanse((char *)h, strlen(h));
	if (rc != SCIM_OK) {
		server_reply_error(rq, rc, rc == SCIM_EAUTH ?
		    "invalid or expired token" : NULL);
		return (-1);
	}
	if (rq->rq_token.ti_admin != admin) {
		server_reply_error(rq, SCIM_EFORBIDDEN, admin ?
		    "an admin token is required" :
		    "admin tokens are not accepted for SCIM");
		return (-1);
	}
	rq->rq_tenant = rq->rq_token.ti_tenant;
	return (0);
}

struct touch_op {
	struct commit_op	op;
	uint8_t			hash[32];
};

static int
touch_apply(struct store_txn *t, struct commit_op *op)
{
	struct touch_op	*to = (struct touch_op *)op;
	int		 rc = token_touch(t, to->hash, util_now_ms());

	return (rc == SCIM_ENOTFOUND ? SCIM_OK : rc);
}

static void
touch_done(struct commit_op *op, int rc)
{
	free(op);
}

/* last_used is informational: write it at most once a minute per token. */
static void
token_used(struct request *rq)
{
	struct touch_op	*to;

	if (util_now_ms() - rq->rq_token.ti_last_used < 60000)
		return;
	to = xcalloc(1, sizeof(*to));
	memcpy(to->hash, rq->rq_token.ti_hash, 32);
	to->op.co_apply = touch_apply;
	to->op.co_done = touch_done;
	commit_submit(&to->op);
}

/* Content-Type must be JSON (scim+json or json, any parameters). */
static int
json_content_type(struct request *rq)
{
	const char	*ct = server_header(rq, "Content-Type");
	size_t		 n;

	if (ct == NULL)
		return (1);	/* lenient: parse it, errors say the rest */
	while (*ct == ' ')
		ct++;
	n = strcspn(ct, "; \t");
	return ((n == 21 && strncasecmp(ct, "application/scim+json", n) ==
	    0) || (n == 16 && strncasecmp(ct, "application/json", n) == 0));
}

/* Read and parse the body of POST/PUT/PATCH; replies itself on failure. */
static int
read_body_max(struct request *rq, size_t max)
{
	struct evbuffer		*in = evhttp_request_get_input_buffer(
	    rq->rq_req);
	struct scim_errbuf	 eb;
	size_t			 len = evbuffer_get_length(in);
	const char		*p;
	int			 rc;

	if (len > max) {
		server_reply_error(rq, SCIM_ETOOLARGE,
		    "request body exceeds the size limit");
		return (-1);
	}
	if (!json_content_type(rq)) {
		server_reply_error(rq, SCIM_EMEDIATYPE,
		    "Content-Type must be application/scim+json");
		return (-1);
	}
	eb.eb_msg[0] = '\0';
	p = (const char *)evbuffer_pullup(in, -1);
	rc = jsonutil_parse(p, len, server_conf->cf_json_depth, &rq->rq_body,
	    &eb);
	if (rc != SCIM_OK) {
		server_reply_error(rq, rc, eb.eb_msg);
		return (-1);
	}
	return (0);
}

static int
read_body(struct request *rq)
{
	return (read_body_max(rq, server_conf->cf_max_body));
}

static void
serve_discovery(struct request *rq, const char *what, const char *arg)
{
	struct discovery_caps	 dc;
	struct json_object	*o = NULL;

	memset(&dc, 0, sizeof(dc));
	dc.dc_patch = 1;
	dc.dc_bulk = 1;
	dc.dc_bulk_max_ops = server_conf->cf_bulk_max_ops;
	dc.dc_bulk_max_payload = server_conf->cf_bulk_max_payload;
	dc.dc_filter = 1;
	dc.dc_filter_max_results = (size_t)server_conf->cf_max_page_size;
	dc.dc_sort = 1;
	dc.dc_etag = 1;
	dc.dc_cursor = 1;
	dc.dc_cursor_timeout = 3600;
	dc.dc_page_default = (size_t)server_conf->cf_page_size;
	dc.dc_page_max = (size_t)server_conf->cf_max_page_size;
	if (strcmp(what, "ServiceProviderConfig") == 0)
		o = arg == NULL ? discovery_spc(&dc, rq->rq_base) : NULL;
	else if (strcmp(what, "ResourceTypes") == 0)
		o = arg == NULL ? discovery_resource_types(rq->rq_base) :
		    discovery_resource_type(arg, rq->rq_base);
	else
		o = arg == NULL ? discovery_schemas(rq->rq_base) :
		    discovery_schema(arg, rq->rq_base);
	if (o == NULL) {
		server_reply_error(rq, SCIM_ENOTFOUND, NULL);
		return;
	}
	server_reply_json(rq, 200, o, NULL, NULL);
	json_object_put(o);
}

static void
serve_health(struct request *rq)
{
	struct store_txn	*t = NULL;
	int			 rc;

	struct store_val	 k = { "format", 6 }, v;

	/* a real read: a database server out of reach fails the check */
	if ((rc = store_begin(server_store, 0, &t)) == SCIM_OK)
		rc = store_get(t, STORE_META, &k, &v);
	store_abort(t);
	if (rc != SCIM_OK && rc != SCIM_ENOTFOUND) {
		server_reply_error(rq, SCIM_EUNAVAIL, "store not readable");
		return;
	}
	server_reply_raw(rq, 200, "{\"status\":\"ok\"}", 15, NULL, NULL);
}

/* Route a path below /scim/v2 (rest starts after the prefix). */
static void
route_scim(struct request *rq, const char *rest)
{
	const struct resource_type	*rt;
	struct http_path		 hp;
	const char			*seg, *sub;
	size_t				 n;
	enum server_method		 m = rq->rq_method;

	http_path_split(rest, &hp);	/* fuzz/fuzz_http.c */
	seg = hp.hp_seg;
	n = hp.hp_seglen;
	sub = hp.hp_sub;

	if ((n == 21 && strncmp(seg, "ServiceProviderConfig", n) == 0) ||
	    (n == 13 && strncmp(seg, "ResourceTypes", n) == 0) ||
	    (n == 7 && strncmp(seg, "Schemas", n) == 0)) {
		char what[32];

		if (m != SM_GET && m != SM_HEAD) {
			reply_method(rq, "GET");
			return;
		}
		snprintf(what, sizeof(what), "%.*s", (int)n, seg);
		serve_discovery(rq, what, sub);
		return;
	}
	if (n == 7 && strncmp(seg, ".search", n) == 0 && sub == NULL) {
		/* root search: every resource type, rq_rt NULL */
		if (m != SM_POST)
			reply_method(rq, "POST");
		else if (read_body(rq) == 0)
			resource_list(rq);
		return;
	}
	if (n == 4 && strncmp(seg, "Bulk", n) == 0 && sub == NULL) {
		if (m != SM_POST)
			reply_method(rq, "POST");
		else if (read_body_max(rq, server_conf->cf_bulk_max_payload) == 0)
			bulk_handle(rq);
		return;
	}
	if (n == 2 && strncmp(seg, "Me", n) == 0) {
		server_reply_error(rq, SCIM_ENOTIMPL, NULL);
		return;
	}
	if ((rt = schema_type_by_endpoint(seg, n)) == NULL) {
		server_reply_error(rq, SCIM_ENOTFOUND, "no such endpoint");
		return;
	}
	rq->rq_rt = rt;
	if (sub == NULL) {
		switch (m) {
		case SM_GET:
		case SM_HEAD:
			resource_list(rq);
			return;
		case SM_POST:
			if (read_body(rq) == 0)
				resource_create(rq);
			return;
		default:
			reply_method(rq, "GET, POST");
			return;
		}
	}
	if (!hp.hp_id_ok) {
		server_reply_error(rq, SCIM_ENOTFOUND, "no such endpoint");
		return;
	}
	rq->rq_id = xstrndup(sub, hp.hp_idlen);
	if (strcmp(rq->rq_id, ".search") == 0) {
		if (m != SM_POST) {
			reply_method(rq, "POST");
			return;
		}
		if (read_body(rq) == 0)
			resource_list(rq);
		return;
	}
	switch (m) {
	case SM_GET:
	case SM_HEAD:
		resource_get(rq);
		return;
	case SM_PUT:
		if (read_body(rq) == 0)
			resource_replace(rq);
		return;
	case SM_PATCH:
		if (read_body(rq) == 0)
			resource_patch(rq);
		return;
	case SM_DELETE:
		resource_delete(rq);
		return;
	default:
		reply_method(rq, "GET, PUT, PATCH, DELETE");
		return;
	}
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

static void
dispatch_run(void *arg)
{
	struct evhttp_request	*req = arg;
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	struct request		*rq;
	const char		*path, *query, *rest, *filter;
	int			 err;

	connlimit_request(req);		/* security: stop its read deadline */
	rq = xcalloc(1, sizeof(*rq));
	server_live++;
	rq->rq_req = req;
	rq->rq_start = util_mono_ms();
	rq->rq_start_us = metrics_now_us();
	util_uuid(rq->rq_change_id);
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET:	rq->rq_method = SM_GET; break;
	case EVHTTP_REQ_POST:	rq->rq_method = SM_POST; break;
	case EVHTTP_REQ_PUT:	rq->rq_method = SM_PUT; break;
	case EVHTTP_REQ_PATCH:	rq->rq_method = SM_PATCH; break;
	case EVHTTP_REQ_DELETE:	rq->rq_method = SM_DELETE; break;
	case EVHTTP_REQ_HEAD:	rq->rq_method = SM_HEAD; break;
	default:		rq->rq_method = SM_OTHER; break;
	}
	static const char *const names[] = { "GET", "POST", "PUT", "PATCH",
	    "DELETE", "HEAD", "OTHER" };
	rq->rq_method_name = names[rq->rq_method];

	/*
	 * security: request smuggling.  libevent 2.1 has no hook between the
	 * headers and the body, but reads nothing more from the connection
	 * until this reply is sent, and "Connection: close" ends it there.
	 */
	if (!http_framing_ok(evhttp_request_get_input_headers(req))) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Connection", "close");
		server_reply_error(rq, SCIM_ESYNTAX, "ambiguous message "
		    "length: Content-Length or Transfer-Encoding repeated, "
		    "or both (RFC 9112 6.3)");
		return;
	}
	if (headers_size(req) > server_conf->cf_max_headers) {
		server_reply_error(rq, SCIM_EHEADERS,
		    "request headers exceed max_headers");
		return;
	}
	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (path == NULL || *path == '\0')
		path = "/";
	if ((rq->rq_path = http_path_decode(path)) == NULL) {
		rq->rq_path = xstrdup("?");
		server_reply_error(rq, SCIM_EINVAL, "malformed path");
		return;
	}
	query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	if (query != NULL) {
		rq->rq_query = xcalloc(1, sizeof(*rq->rq_query));
		TAILQ_INIT(rq->rq_query);
		if ((err = http_query_parse(query, rq->rq_query)) != SCIM_OK) {
			server_reply_error(rq, err, "malformed query string");
			return;
		}
	}
	/* after the query: a filter over its own limit is at fault */
	if (strlen(evhttp_request_get_uri(req)) > server_conf->cf_max_url) {
		filter = server_param(rq, "filter");
		server_reply_error(rq, filter != NULL && strlen(filter) >
		    server_conf->cf_filter.fl_max_len ? SCIM_EFILTER :
		    SCIM_EINVAL, "URL too long");
		return;
	}
	rq->rq_base = base_url(rq);

	if (console_match(rq->rq_path)) {
		console_serve(rq);	/* static pages, no token */
		return;
	}
	switch (http_area(rq->rq_path, &rest)) {
	case HTTP_AREA_HEALTH:
		if (rq->rq_method != SM_GET && rq->rq_method != SM_HEAD)
			reply_method(rq, "GET");
		else
			serve_health(rq);
		return;
	case HTTP_AREA_METRICS:
		if (rq->rq_method != SM_GET && rq->rq_method != SM_HEAD)
			reply_method(rq, "GET");
		else
			metrics_serve(rq);
		return;
	case HTTP_AREA_ADMIN:
		if (authenticate(rq, 1) != 0)
			return;
		admin_dispatch(rq, rest);
		return;
	case HTTP_AREA_OAUTH:
		oauth_serve(rq);	/* security: form body, no bearer */
		return;
	case HTTP_AREA_SCIM:
		break;
	case HTTP_AREA_NONE:
		server_reply_error(rq, SCIM_ENOTFOUND, "no such endpoint");
		return;
	}
	if (authenticate(rq, 0) != 0)
		return;
	if (ratelimit_request(rq) != 0)	/* security: per-token 429 */
		return;
	token_used(rq);
	route_scim(rq, rest);
}

/* Each request runs where the store may wait for its server (store_run). */
static void
dispatch(struct evhttp_request *req, void *arg)
{
	store_run(server_store, dispatch_run, req);
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
	 * gets four times ours: read_body() and dispatch() answer oversized
	 * bodies (413), headers (431) and URLs (400; evhttp counts the request
	 * line as a header) with SCIM errors; only far larger requests meet
	 * libevent's page.
	 */
	evhttp_set_max_body_size(server_http, (ev_ssize_t)(4 * body + 65536));
	evhttp_set_max_headers_size(server_http,
	    (ev_ssize_t)((conf->cf_max_headers + conf->cf_max_url) * 4 + 8192));
	evhttp_set_timeout(server_http, conf->cf_timeout);
}

int
server_init(struct event_base *base, struct scimd_config *conf,
    struct store *st, const char *portfile)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	char			 host[INET6_ADDRSTRLEN];
	int			 port = 0;
	FILE			*f;

	server_conf = conf;
	server_store = st;
	if ((server_http = evhttp_new(base)) == NULL)
		return (SCIM_ENOMEM);
	/*
	 * Every bit, including libevent's internal "unknown method" bit
	 * (1 << 15): otherwise evhttp answers FOO / HTTP/1.1 itself with an
	 * HTML 501; this way dispatch() answers 405 with a SCIM body.
	 */
	evhttp_set_allowed_methods(server_http, 0xffff);
	server_apply_limits(conf);
	evhttp_set_default_content_type(server_http, CONTENT_TYPE);
	evhttp_set_gencb(server_http, dispatch, NULL);
	/* security: TLS bufferevents, connection count, request deadlines */
	connlimit_init(base);
	evhttp_set_bevcb(server_http, connlimit_bevcb, NULL);
	server_sock = evhttp_bind_socket_with_handle(server_http,
	    conf->cf_listen_host, (ev_uint16_t)conf->cf_listen_port);
	if (server_sock == NULL) {
		log_warnx("cannot listen on %s:%d (address in use or not "
		    "available)", conf->cf_listen_host, conf->cf_listen_port);
		return (SCIM_EUNAVAIL);
	}
	connlimit_listener(server_sock);	/* security: pause on EMFILE */
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
	if (portfile != NULL) {
		if ((f = fopen(portfile, "w")) == NULL) {
			log_warn("%s", portfile);
			return (SCIM_EUNAVAIL);
		}
		fprintf(f, "%d\n", port);
		fclose(f);
	}
	return (SCIM_OK);
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
}
