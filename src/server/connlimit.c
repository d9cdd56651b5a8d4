/*
 * Connection accounting.  evhttp's bevcb runs before the connection object
 * exists, so the new bufferevent is queued and a priority-0 event picks it
 * up right after the accept callback returns, before any I/O on it can run:
 * its callback argument (evhttp sets it) is then the evhttp_connection,
 * which gets our close callback and deadline timer.  The close callback
 * (called from evhttp_connection_free) ends the accounting.
 */
#include "scimd.h"

#include <sys/resource.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "config.h"
#include "connlimit.h"
#include "log.h"
#include "tls.h"
#include "util.h"

struct conn {
	struct evhttp_connection	*c_evcon;
	struct event			*c_deadline;
	int				 c_busy;	/* a request in service */
	struct conn			*c_next;	/* hash chain */
};

static struct event_base	*cl_base;
static const struct scimd_config	*cl_conf;	/* changes on SIGHUP */
static struct event		*cl_track_ev;	/* picks up cl_pend */
static struct event		*cl_resume_ev;	/* re-enables the listener */
static struct evconnlistener	*cl_listener;
static struct bufferevent	**cl_pend;
static size_t			 cl_npend, cl_pendcap;
static struct conn		**cl_tab;
static size_t			 cl_mask;
static int			 cl_count;
static int64_t			 cl_warned;	/* last "limit reached" log */

static size_t
slot(const struct evhttp_connection *evcon)
{
	uintptr_t	p = (uintptr_t)evcon;

	return ((size_t)((p >> 4) ^ (p >> 16)) & cl_mask);
}

static struct conn *
lookup(const struct evhttp_connection *evcon)
{
	struct conn	*c;

	for (c = cl_tab[slot(evcon)]; c != NULL; c = c->c_next)
		if (c->c_evcon == evcon)
			return (c);
	return (NULL);
}

static void
arm(struct conn *c)
{
	struct timeval	tv = { cl_conf->cf_timeout, 0 };

	evtimer_add(c->c_deadline, &tv);
}

/* evhttp is freeing the connection. */
static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct conn	*c = arg, **pp;

	for (pp = &cl_tab[slot(evcon)]; *pp != NULL; pp = &(*pp)->c_next)
		if (*pp == c) {
			*pp = c->c_next;
			break;
		}
	event_free(c->c_deadline);
	free(c);
	cl_count--;
}

/* No complete request within timeout: cut the connection. */
static void
deadline(evutil_socket_t fd, short ev, void *arg)
{
	struct conn	*c = arg;

	if (c->c_busy)
		return;		/* request_done re-arms */
	log_debug("%s: no complete request within %ds; closing", __func__,
	    cl_conf->cf_timeout);
	evhttp_connection_free(c->c_evcon);	/* calls conn_closed */
}

static void
track(evutil_socket_t fd, short ev, void *arg)
{
	struct evhttp_connection	*evcon;
	struct conn			*c;
	void				*cbarg;
	size_t				 i;
	int64_t				 now;

	for (i = 0; i < cl_npend; i++) {
		cbarg = NULL;
		bufferevent_getcb(cl_pend[i], NULL, NULL, NULL, &cbarg);
		if ((evcon = cbarg) == NULL)
			continue;	/* evhttp failed to set it up */
		c = xcalloc(1, sizeof(*c));
		c->c_evcon = evcon;
		c->c_deadline = evtimer_new(cl_base, deadline, c);
		if (c->c_deadline == NULL)
			fatalx("%s: evtimer_new", __func__);
		c->c_next = cl_tab[slot(evcon)];
		cl_tab[slot(evcon)] = c;
		cl_count++;
		evhttp_connection_set_closecb(evcon, conn_closed, c);
		if (cl_count > cl_conf->cf_max_connections) {
			now = util_mono_ms();
			if (now - cl_warned >= 10000) {
				log_warnx("max_connections (%d) reached; "
				    "closing new connections",
				    cl_conf->cf_max_connections);
				cl_warned = now;
			}
			evhttp_connection_free(evcon);
			continue;
		}
		arm(c);
		log_debug("%s: %d connection(s) open", __func__, cl_count);
	}
	cl_npend = 0;
}

struct bufferevent *
connlimit_bevcb(struct event_base *base, void *arg)
{
	struct bufferevent	*bev;

	if ((bev = tls_bufferevent_new(base)) == NULL)
		return (NULL);	/* evhttp then makes a plain one: refused */
	if (cl_npend == cl_pendcap) {
		cl_pendcap = cl_pendcap ? cl_pendcap * 2 : 16;
		cl_pend = xrealloc(cl_pend, cl_pendcap * sizeof(*cl_pend));
	}
	cl_pend[cl_npend++] = bev;
	event_active(cl_track_ev, 0, 0);
	return (bev);
}

static void
request_done(struct evhttp_request *req, void *arg)
{
	struct conn	*c = arg;

	c->c_busy = 0;
	arm(c);
}

void
connlimit_request(struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	struct conn			*c;

	if (cl_tab == NULL ||
	    (evcon = evhttp_request_get_connection(req)) == NULL ||
	    (c = lookup(evcon)) == NULL)
		return;
	c->c_busy = 1;
	evtimer_del(c->c_deadline);
	evhttp_request_set_on_complete_cb(req, request_done, c);
}

static void
resume(evutil_socket_t fd, short ev, void *arg)
{
	if (cl_listener != NULL)
		evconnlistener_enable(cl_listener);
}

/* accept() failed with a non-retriable error: pause instead of spinning. */
static void
accept_error(struct evconnlistener *lev, void *arg)
{
	struct timeval	tv = { 1, 0 };
	int		err = EVUTIL_SOCKET_ERROR();

	log_warnx("accept: %s; pausing new connections for 1s (%d open)",
	    strerror(err), cl_count);
	evconnlistener_disable(lev);
	evtimer_add(cl_resume_ev, &tv);
}

void
connlimit_listener(struct evhttp_bound_socket *bs)
{
	if (bs == NULL) {
		cl_listener = NULL;
		if (cl_resume_ev != NULL)
			evtimer_del(cl_resume_ev);
		return;
	}
	if ((cl_listener = evhttp_bound_socket_get_listener(bs)) != NULL)
		evconnlistener_set_error_cb(cl_listener, accept_error);
}

/* Descriptors for max_connections plus the store and some slack. */
static void
fd_limit(int want)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= (rlim_t)want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ||
	    rl.rlim_max >= (rlim_t)want ? (rlim_t)want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 ||
	    rl.rlim_cur < (rlim_t)want)
		log_warnx("open files limit %llu is below max_connections + "
		    "64; accept() will pause when it runs out",
		    (unsigned long long)rl.rlim_cur);
}

void
connlimit_init(struct scimd *sd)
{
	size_t	n = 64;

	cl_base = sd->sd_base;
	cl_conf = sd->sd_conf;
	while (n < (size_t)cl_conf->cf_max_connections && n < (1 << 20))
		n <<= 1;
	cl_tab = xcalloc(n, sizeof(*cl_tab));
	cl_mask = n - 1;
	cl_track_ev = event_new(cl_base, -1, 0, track, NULL);
	cl_resume_ev = evtimer_new(cl_base, resume, NULL);
	if (cl_track_ev == NULL || cl_resume_ev == NULL)
		fatalx("%s: event_new", __func__);
	/* before any I/O callback of the connections it picks up */
	event_priority_set(cl_track_ev, 0);
	fd_limit(cl_conf->cf_max_connections + 64);
}

int
connlimit_count(void)
{
	return (cl_count);
}

/* After evhttp_free (which closed every connection). */
void
connlimit_shutdown(void)
{
	size_t	i;

	if (cl_tab != NULL)
		for (i = 0; i <= cl_mask; i++)
			while (cl_tab[i] != NULL)
				conn_closed(cl_tab[i]->c_evcon, cl_tab[i]);
	free(cl_tab);
	free(cl_pend);
	cl_tab = NULL;
	cl_pend = NULL;
	cl_npend = cl_pendcap = 0;
	if (cl_track_ev != NULL)
		event_free(cl_track_ev);
	if (cl_resume_ev != NULL)
		event_free(cl_resume_ev);
	cl_track_ev = cl_resume_ev = NULL;
	cl_listener = NULL;
}
