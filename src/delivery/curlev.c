/*
 * curl multi on libevent (curlev.h), the shape of curl's hiperfifo
 * example: CURLMOPT_SOCKETFUNCTION keeps one event per socket,
 * CURLMOPT_TIMERFUNCTION one timer, and each of them hands its socket (or
 * the timeout) to curl_multi_socket_action; finished transfers are read
 * with curl_multi_info_read.
 */
#include "scimd.h"

#include <stdlib.h>

#include <event2/event.h>

#include "curlev.h"
#include "error.h"
#include "log.h"
#include "util.h"

struct xfer {
	curlev_done_fn	 x_done;
	void		*x_arg;
};

static CURLM			*cm;
static struct event_base	*cm_base;
static struct event		*cm_timer;
static int			 cm_running;

static void
finished(void)
{
	struct xfer	*x;
	CURLMsg		*m;
	CURL		*e;
	CURLcode	 cc;
	int		 left;

	while ((m = curl_multi_info_read(cm, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		e = m->easy_handle;
		cc = m->data.result;
		curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
		curl_multi_remove_handle(cm, e);
		x->x_done(e, cc, x->x_arg);
		free(x);
	}
}

static void
on_socket(evutil_socket_t fd, short what, void *arg)
{
	int	flags = 0;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(cm, fd, flags, &cm_running);
	/*
	 * No stopping the timer when nothing runs: finished() may start new
	 * transfers, and their first step is the timer curl just set.
	 */
	finished();
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	curl_multi_socket_action(cm, CURL_SOCKET_TIMEOUT, 0, &cm_running);
	finished();
}

/* CURLMOPT_TIMERFUNCTION: -1 stops the timer, 0 is "as soon as possible". */
static int
set_timer(CURLM *m, long ms, void *arg)
{
	struct timeval	tv;

	if (ms < 0) {
		evtimer_del(cm_timer);
		return (0);
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(cm_timer, &tv);
	return (0);
}

/* CURLMOPT_SOCKETFUNCTION: one persistent event per socket curl uses. */
static int
set_socket(CURL *e, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct event	*ev = sockp;
	short		 kind = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (ev != NULL)
			event_free(ev);
		curl_multi_assign(cm, s, NULL);
		return (0);
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (ev != NULL)
		event_free(ev);
	if ((ev = event_new(cm_base, s, kind, on_socket, NULL)) == NULL)
		return (-1);
	event_add(ev, NULL);
	curl_multi_assign(cm, s, ev);
	return (0);
}

int
curlev_init(struct event_base *base)
{
	if (cm != NULL)
		return (SCIM_OK);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (cm = curl_multi_init()) == NULL)
		return (SCIM_ENOMEM);
	cm_base = base;
	if ((cm_timer = evtimer_new(base, on_timer, NULL)) == NULL)
		return (SCIM_ENOMEM);
	curl_multi_setopt(cm, CURLMOPT_SOCKETFUNCTION, set_socket);
	curl_multi_setopt(cm, CURLMOPT_TIMERFUNCTION, set_timer);
	/* keep every endpoint connection open between deliveries */
	curl_multi_setopt(cm, CURLMOPT_MAXCONNECTS, 256L);
	return (SCIM_OK);
}

int
curlev_add(CURL *e, curlev_done_fn done, void *arg)
{
	struct xfer	*x = xcalloc(1, sizeof(*x));

	x->x_done = done;
	x->x_arg = arg;
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	if (curl_multi_add_handle(cm, e) != CURLM_OK) {
		free(x);
		return (SCIM_ENOMEM);
	}
	return (SCIM_OK);
}

void
curlev_cancel(CURL *e)
{
	struct xfer	*x = NULL;

	curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
	curl_multi_remove_handle(cm, e);
	free(x);
}

int
curlev_running(void)
{
	return (cm_running);
}

void
curlev_free(void)
{
	if (cm == NULL)
		return;
	curl_multi_cleanup(cm);
	event_free(cm_timer);
	cm = NULL;
	cm_timer = NULL;
	curl_global_cleanup();
}
