/*
 * floor: the benchmark's floor, a bare evhttp server.  One callback
 * answers every request with the same 600-byte JSON body, so run.sh can
 * report each scimd scenario as a fraction of what libevent's HTTP server
 * alone reaches on the same machine, pinned the same way, in the same run.
 *
 * usage: floor -p portfile	(listens on 127.0.0.1, an ephemeral port)
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#define BODY_LEN	600

static char	floor_body[BODY_LEN + 1];

/* A JSON object of exactly BODY_LEN bytes: a SCIM-like head, padding. */
static void
body_init(void)
{
	int	n;

	n = snprintf(floor_body, sizeof(floor_body), "{\"schemas\":[\"urn:"
	    "ietf:params:scim:api:messages:2.0:ListResponse\"],"
	    "\"totalResults\":1,\"pad\":\"");
	memset(floor_body + n, 'x', BODY_LEN - n - 2);
	memcpy(floor_body + BODY_LEN - 2, "\"}", 3);
}

/* Headers like scimd's on a read: a type, no caching. */
static void
on_request(struct evhttp_request *req, void *arg)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct evbuffer		*buf = evhttp_request_get_output_buffer(req);

	(void)arg;
	evhttp_add_header(h, "Content-Type", "application/scim+json");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evbuffer_add_reference(buf, floor_body, BODY_LEN, NULL, NULL);
	evhttp_send_reply(req, 200, "OK", NULL);
}

static void
on_term(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	event_base_loopbreak(arg);
}

int
main(int argc, char *argv[])
{
	struct event_config		*cfg;
	struct event_base		*base;
	struct evhttp			*http;
	struct evhttp_bound_socket	*bs;
	struct event			*term;
	struct sockaddr_in		 sin;
	socklen_t			 slen = sizeof(sin);
	FILE				*f;

	if (argc != 3 || strcmp(argv[1], "-p") != 0) {
		fprintf(stderr, "usage: floor -p portfile\n");
		return (2);
	}
	body_init();
	signal(SIGPIPE, SIG_IGN);
	/* the event base scimd makes (main.c): the floor is like for like */
	if ((cfg = event_config_new()) == NULL ||
	    event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) ||
	    (base = event_base_new_with_config(cfg)) == NULL ||
	    (http = evhttp_new(base)) == NULL)
		return (1);
	event_config_free(cfg);
	evhttp_set_gencb(http, on_request, NULL);
	if ((bs = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0)) ==
	    NULL || getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sin, &slen) == -1) {
		perror("floor: bind");
		return (1);
	}
	/* the port last, whole: run.sh waits for a line of digits */
	if ((f = fopen(argv[2], "w")) == NULL ||
	    fprintf(f, "%d\n", ntohs(sin.sin_port)) < 0 || fclose(f) != 0) {
		perror(argv[2]);
		return (1);
	}
	term = evsignal_new(base, SIGTERM, on_term, base);
	event_add(term, NULL);
	event_base_dispatch(base);
	event_free(term);
	evhttp_free(http);
	event_base_free(base);
	return (0);
}
