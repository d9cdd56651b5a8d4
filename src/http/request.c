/*
 * The request and its reply (contract in request.h): replies are always
 * SCIM JSON (never libevent's HTML) unless the handler set another
 * Content-Type, carry X-Request-Id, and are logged as one access line.
 */
#include "scimd.h"

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

#include "config.h"
#include "error.h"
#include "jsontext.h"
#include "jsonutil.h"
#include "log.h"
#include "projection.h"
#include "reqstats.h"
#include "request.h"
#include "util.h"

#define CONTENT_TYPE	"application/scim+json"

static int		 request_live;	/* requests not yet replied */
static struct event	*request_flush_ev;	/* the access log's write */

/* Status to reason phrase; only the statuses scimd sends are named. */
static const struct {
	int		 status;
	const char	*reason;
} reasons[] = {
	{ 200, "OK" }, { 201, "Created" }, { 204, "No Content" },
	{ 304, "Not Modified" }, { 400, "Bad Request" },
	{ 401, "Unauthorized" }, { 403, "Forbidden" }, { 404, "Not Found" },
	{ 405, "Method Not Allowed" }, { 409, "Conflict" },
	{ 412, "Precondition Failed" }, { 413, "Payload Too Large" },
	{ 415, "Unsupported Media Type" }, { 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" }, { 501, "Not Implemented" },
	{ 503, "Service Unavailable" }, { 507, "Insufficient Storage" },
};

struct request *
request_new(struct evhttp_request *req, struct scimd *sd)
{
	static const char *const names[] = { "GET", "POST", "PUT", "PATCH",
	    "DELETE", "HEAD", "OTHER" };
	struct request	*rq;

	rq = xcalloc(1, sizeof(*rq));
	request_live++;
	rq->rq_req = req;
	rq->rq_sd = sd;
	rq->rq_start = util_mono_ms();
	rq->rq_start_us = reqstats_now_us();
	util_uuid(rq->rq_change_id);
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET:	rq->rq_method = RQ_GET; break;
	case EVHTTP_REQ_POST:	rq->rq_method = RQ_POST; break;
	case EVHTTP_REQ_PUT:	rq->rq_method = RQ_PUT; break;
	case EVHTTP_REQ_PATCH:	rq->rq_method = RQ_PATCH; break;
	case EVHTTP_REQ_DELETE:	rq->rq_method = RQ_DELETE; break;
	case EVHTTP_REQ_HEAD:	rq->rq_method = RQ_HEAD; break;
	default:		rq->rq_method = RQ_OTHER; break;
	}
	rq->rq_method_name = names[rq->rq_method];
	return (rq);
}

int
request_inflight(void)
{
	return (request_live);
}

const char *
request_param(struct request *rq, const char *name)
{
	if (rq->rq_query == NULL)
		return (NULL);
	return (evhttp_find_header(rq->rq_query, name));
}

const char *
request_header(struct request *rq, const char *name)
{
	return (evhttp_find_header(evhttp_request_get_input_headers(
	    rq->rq_req), name));
}

void
request_set_header(struct request *rq, const char *name, const char *value)
{
	evhttp_add_header(evhttp_request_get_output_headers(rq->rq_req), name,
	    value);
}

const char *
request_peer(struct request *rq)
{
	struct evhttp_connection	*evcon;
	char				*peer = NULL;
	ev_uint16_t			 port = 0;

	if ((evcon = evhttp_request_get_connection(rq->rq_req)) == NULL)
		return (NULL);
	evhttp_connection_get_peer(evcon, &peer, &port);
	return (peer);
}

const unsigned char *
request_body(struct request *rq, size_t *len)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(rq->rq_req);

	/* never NULL: an empty body is zero bytes somewhere (memcpy, parsers) */
	if ((*len = evbuffer_get_length(in)) == 0)
		return ((const unsigned char *)"");
	return (evbuffer_pullup(in, -1));
}

void
request_wipe_secrets(struct request *rq)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(rq->rq_req);
	const char	*h = request_header(rq, "Authorization");
	size_t		 len = evbuffer_get_length(in);
	unsigned char	*p;

	/* security: evhttp frees headers and bodies without wiping them */
	if (h != NULL)
		OPENSSL_cleanse((char *)h, strlen(h));
	if (len > 0 && (p = evbuffer_pullup(in, -1)) != NULL)
		OPENSSL_cleanse(p, len);
	evbuffer_drain(in, len);
}

/* Content-Type must be JSON (scim+json or json, any parameters). */
static int
json_content_type(struct request *rq)
{
	const char	*ct = request_header(rq, "Content-Type");
	size_t		 n;

	if (ct == NULL)
		return (1);	/* lenient: parse it, errors say the rest */
	while (*ct == ' ')
		ct++;
	n = strcspn(ct, "; \t");
	return ((n == 21 && strncasecmp(ct, "application/scim+json", n) ==
	    0) || (n == 16 && strncasecmp(ct, "application/json", n) == 0));
}

int
request_read_json(struct request *rq, size_t max)
{
	struct scim_errbuf	 eb;
	const unsigned char	*p;
	size_t			 len;
	int			 rc;

	p = request_body(rq, &len);
	if (len > max) {
		request_reply_error(rq, SCIM_ETOOLARGE,
		    "request body exceeds the size limit");
		return (-1);
	}
	if (!json_content_type(rq)) {
		request_reply_error(rq, SCIM_EMEDIATYPE,
		    "Content-Type must be application/scim+json");
		return (-1);
	}
	eb.eb_msg[0] = '\0';
	rc = jsonutil_parse((const char *)p, len,
	    rq->rq_sd->sd_conf->cf_json_depth, &rq->rq_body, &eb);
	if (rc != SCIM_OK) {
		request_reply_error(rq, rc, eb.eb_msg);
		return (-1);
	}
	return (0);
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
	request_live--;
}

static void
on_flush(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	log_flush();
}

/*
 * The line goes to log.c's buffer; a zero timeout writes it at the next
 * loop iteration, together with the lines of every request answered until
 * then: one write(2) per iteration instead of one per request.  Priority
 * 0 (main.c's, of signals) runs it before the requests' socket writes, so
 * a client never sees its reply before the log has its line.
 */
static void
access_log(struct request *rq)
{
	static const struct timeval	 now = { 0, 0 };
	const char			*peer;
	char				 path[512];

	if (!rq->rq_sd->sd_conf->cf_access_log)
		return;
	peer = request_peer(rq);
	log_escape(rq->rq_path ? rq->rq_path : "-",
	    rq->rq_path ? strlen(rq->rq_path) : 1, path, sizeof(path));
	if (!log_access("%s %s %s %d %zu %lldms %s", peer ? peer : "-",
	    rq->rq_method_name, path, rq->rq_status, rq->rq_bytes,
	    (long long)(util_mono_ms() - rq->rq_start), rq->rq_change_id))
		return;
	if (request_flush_ev == NULL) {
		if ((request_flush_ev = evtimer_new(rq->rq_sd->sd_base,
		    on_flush, NULL)) == NULL) {
			log_flush();
			return;
		}
		event_priority_set(request_flush_ev, 0);
	}
	if (!evtimer_pending(request_flush_ev, NULL))
		evtimer_add(request_flush_ev, &now);
}

void
request_shutdown(void)
{
	log_flush();
	if (request_flush_ev != NULL)
		event_free(request_flush_ev);
	request_flush_ev = NULL;
}

static const char *
reason_of(int status)
{
	size_t	i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return (reasons[i].reason);
	return (status >= 500 ? "Internal Server Error" : "Error");
}

/* Send status with buf (may be NULL) and free rq: the single exit. */
static void
reply(struct request *rq, int status, struct evbuffer *buf, const char *etag,
    const char *location)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(
	    rq->rq_req);

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
	rq->rq_status = status;
	rq->rq_bytes = buf != NULL ? evbuffer_get_length(buf) : 0;
	evhttp_send_reply(rq->rq_req, status, reason_of(status), buf);
	access_log(rq);
	reqstats_observe(rq->rq_path, rq->rq_method, rq->rq_status,
	    reqstats_now_us() - rq->rq_start_us);
	request_free(rq);
}

void
request_reply_raw(struct request *rq, int status, const char *json,
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
request_reply_buf(struct request *rq, int status, struct evbuffer *buf,
    const char *etag, const char *location)
{
	reply(rq, status, buf, etag, location);
}

void
request_reply_json(struct request *rq, int status, struct json_object *o,
    const char *etag, const char *location)
{
	const char	*s;
	size_t		 len;

	s = jsontext_of(o, &len);
	request_reply_raw(rq, status, s, len, etag, location);
}

void
request_reply_empty(struct request *rq, int status, const char *etag)
{
	reply(rq, status, NULL, etag, NULL);
}

void
request_reply_error(struct request *rq, int err, const char *detail)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(
	    rq->rq_req);
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
		evhttp_add_header(h, "WWW-Authenticate",
		    "Bearer realm=\"scimd\"");
	/* the rate limiter sets its own Retry-After first */
	if ((status == 429 || status == 503) &&
	    evhttp_find_header(h, "Retry-After") == NULL)
		evhttp_add_header(h, "Retry-After", "1");
	if ((o = scim_err_body(err, detail)) == NULL)
		fatal("%s", __func__);
	request_reply_json(rq, status, o, NULL, NULL);
	json_object_put(o);
}

void
request_reply_method(struct request *rq, const char *allow)
{
	request_set_header(rq, "Allow", allow);
	request_reply_error(rq, SCIM_EMETHOD, NULL);
}
