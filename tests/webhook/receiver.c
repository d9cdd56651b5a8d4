/*
 * receiver: a webhook endpoint for the tests and the benchmark.  It
 * verifies each delivery's Standard Webhooks signature and writes one line
 * per request to the output file (flushed at once, so a kill loses none):
 *
 *   STATUS WEBHOOK-ID SEQ TYPE RESOURCE-ID CHANGE-ID SIG LAG-MS RECEIVED-MS
 *
 * STATUS is what it answered, SIG "ok" or "bad", LAG-MS the time from the
 * event's "time" to its receipt.  A bad signature is answered 401.
 *
 * SECRET may be @FILE: read from FILE when the first request comes.
 *
 * usage: receiver -s SECRET -o FILE [-p PORTFILE] [-P PORT] [-f PERCENT]
 *        [-S SEED] [-d MS]
 *   -f  answer 500 to that share of first and second attempts (seeded by
 *       -S), so that retries are exercised
 *   -d  answer every request after MS milliseconds
 *   -P  listen on this port (a restart on the port of an earlier run)
 */
#include "scimd.h"

#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <json-c/json.h>

#include "util.h"
#include "whsig.h"

#define SLOTS	(1 << 18)

static const char	*rc_secret;	/* or @FILE, read when needed */
static uint8_t		 rc_key[WHSIG_KEY_MAX];
static size_t		 rc_keylen;
static FILE		*rc_out;
static int		 rc_fail_pct;
static int		 rc_delay_ms;
static struct event_base *rc_base;
static char		*rc_ids[SLOTS];		/* attempts seen per id */
static uint8_t		 rc_tries[SLOTS];

struct pending {
	struct evhttp_request	*p_req;
	struct event		*p_ev;
	int			 p_status;
	LIST_ENTRY(pending)	 p_entry;
};
/* delayed answers not sent yet: freed at exit (a SIGTERM may cut them) */
static LIST_HEAD(, pending)	 rc_pending = LIST_HEAD_INITIALIZER(rc_pending);

static int
load_key(void)
{
	char	 buf[256];
	FILE	*f;

	if (rc_keylen > 0)
		return (0);
	if (*rc_secret != '@')
		return (whsig_secret_key(rc_secret, rc_key, &rc_keylen));
	if ((f = fopen(rc_secret + 1, "r")) == NULL)
		return (-1);
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return (whsig_secret_key(buf, rc_key, &rc_keylen));
}

/* Attempts so far of id (counting this one). */
static int
attempt(const char *id)
{
	uint32_t	h = 2166136261u;
	const char	*p;

	for (p = id; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	for (h %= SLOTS; rc_ids[h] != NULL; h = (h + 1) % SLOTS)
		if (strcmp(rc_ids[h], id) == 0)
			return (++rc_tries[h]);
	rc_ids[h] = strdup(id);
	return (rc_tries[h] = 1);
}

static void
answer(evutil_socket_t fd, short what, void *arg)
{
	struct pending	*p = arg;

	evhttp_send_reply(p->p_req, p->p_status, p->p_status == 200 ? "OK" :
	    "No", NULL);
	if (p->p_ev != NULL) {
		LIST_REMOVE(p, p_entry);
		event_free(p->p_ev);
	}
	free(p);
}

static const char *
field(struct json_object *o, const char *k)
{
	const char	*s = json_object_get_string(json_object_object_get(o,
			    k));

	return (s != NULL ? s : "-");
}

/* The signature check and the line; returns the status to answer. */
static int
judge(struct evhttp_request *req, const char *body, size_t len)
{
	struct evkeyvalq	*h = evhttp_request_get_input_headers(req);
	const char		*id = evhttp_find_header(h, "webhook-id");
	const char		*ts = evhttp_find_header(h, "webhook-timestamp");
	const char		*sig = evhttp_find_header(h, "webhook-signature");
	struct json_object	*o = json_tokener_parse(body);
	char			 want[WHSIG_SIG_MAX];
	int64_t			 t = -1;
	int			 ok = 0, status;
	const char		*s;

	if (id != NULL && ts != NULL && sig != NULL && load_key() == 0) {
		whsig_sign(rc_key, rc_keylen, id, strtoll(ts, NULL, 10), body,
		    len, want);
		ok = strcmp(want, sig) == 0;
	}
	status = !ok ? 401 : attempt(id) <= 2 &&
	    (int)(random() % 100) < rc_fail_pct ? 500 : 200;
	s = o != NULL ? json_object_get_string(json_object_object_get(o,
	    "time")) : NULL;
	if (s == NULL || util_time_parse(s, &t) != 0)
		t = -1;
	fprintf(rc_out, "%d %s %lld %s %s %s %s %lld %lld\n", status,
	    id ? id : "-",
	    (long long)json_object_get_int64(json_object_object_get(o, "seq")),
	    field(o, "type"), field(o, "resourceId"), field(o, "changeId"),
	    ok ? "ok" : "bad", (long long)(t >= 0 ? util_now_ms() - t : -1),
	    (long long)util_now_ms());
	fflush(rc_out);
	json_object_put(o);
	return (status);
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	struct pending	*p = calloc(1, sizeof(*p));
	struct timeval	 tv;
	size_t		 len = evbuffer_get_length(in);
	char		*body = malloc(len + 1);

	evbuffer_remove(in, body, len);
	body[len] = '\0';
	p->p_req = req;
	p->p_status = judge(req, body, len);
	free(body);
	if (rc_delay_ms <= 0) {
		answer(-1, 0, p);
		return;
	}
	p->p_ev = evtimer_new(rc_base, answer, p);
	LIST_INSERT_HEAD(&rc_pending, p, p_entry);
	tv.tv_sec = rc_delay_ms / 1000;
	tv.tv_usec = (rc_delay_ms % 1000) * 1000;
	evtimer_add(p->p_ev, &tv);
}

static void
on_term(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(rc_base);
}

int
main(int argc, char *argv[])
{
	struct evhttp			*http;
	struct evhttp_bound_socket	*bs;
	struct event			*ev;
	struct pending			*p;
	const char			*portfile = NULL, *secret = NULL;
	const char			*outfile = NULL;
	int				 ch, port = 0, seed = 1;
	char				 tmp[1024];
	FILE				*f;

	while ((ch = getopt(argc, argv, "d:f:o:p:P:s:S:")) != -1) {
		switch (ch) {
		case 'd': rc_delay_ms = atoi(optarg); break;
		case 'f': rc_fail_pct = atoi(optarg); break;
		case 'o': outfile = optarg; break;
		case 'p': portfile = optarg; break;
		case 'P': port = atoi(optarg); break;
		case 's': secret = optarg; break;
		case 'S': seed = atoi(optarg); break;
		default: return (2);
		}
	}
	rc_secret = secret;
	if (secret == NULL || outfile == NULL || (*secret != '@' &&
	    load_key() != 0)) {
		fprintf(stderr, "usage: receiver -s SECRET -o FILE [-p PORTFILE]"
		    " [-P PORT] [-f PERCENT] [-S SEED] [-d MS]\n");
		return (2);
	}
	srandom((unsigned)seed);
	signal(SIGPIPE, SIG_IGN);
	if ((rc_out = fopen(outfile, "a")) == NULL)
		return (1);
	rc_base = event_base_new();
	http = evhttp_new(rc_base);
	evhttp_set_gencb(http, on_request, NULL);
	if ((bs = evhttp_bind_socket_with_handle(http, "127.0.0.1",
	    (uint16_t)port)) == NULL) {
		perror("bind");
		return (1);
	}
	if (portfile != NULL) {
		struct sockaddr_storage	ss;
		socklen_t		sl = sizeof(ss);

		getsockname(evhttp_bound_socket_get_fd(bs),
		    (struct sockaddr *)&ss, &sl);
		snprintf(tmp, sizeof(tmp), "%s.tmp", portfile);
		f = fopen(tmp, "w");
		fprintf(f, "%d\n", ntohs(((struct sockaddr_in *)&ss)->sin_port));
		fclose(f);
		rename(tmp, portfile);
	}
	ev = evsignal_new(rc_base, SIGTERM, on_term, NULL);
	event_add(ev, NULL);
	event_base_dispatch(rc_base);
	event_free(ev);
	while ((p = LIST_FIRST(&rc_pending)) != NULL) {
		LIST_REMOVE(p, p_entry);
		event_free(p->p_ev);
		free(p);
	}
	evhttp_free(http);
	event_base_free(rc_base);
	fclose(rc_out);
	return (0);
}
