/*
 * libcurl's multi-socket interface driven by the daemon's libevent loop:
 * curl's sockets become read/write events and its timer an evtimer, so
 * outbound HTTP never blocks the loop (architecture.md section 1).
 */
#ifndef CURLEV_H
#define CURLEV_H

#include <curl/curl.h>

struct event_base;

typedef void	(*curlev_done_fn)(CURL *easy, CURLcode cc, void *arg);

/* Set up the multi handle on base.  SCIM_OK or SCIM_ENOMEM. */
int	curlev_init(struct event_base *base);
/*
 * Start transfer easy; done(easy, code, arg) runs from the loop when it
 * ends (never from inside curlev_add).  The caller keeps easy and frees
 * it after done, or after curlev_cancel.
 */
int	curlev_add(CURL *easy, curlev_done_fn done, void *arg);
/* Stop a transfer that has not ended; its done will not run. */
void	curlev_cancel(CURL *easy);
/* Transfers running. */
int	curlev_running(void);
void	curlev_free(void);

#endif /* CURLEV_H */
