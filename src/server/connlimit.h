/*
 * Client connections: how many are open (max_connections), how long each
 * may take to deliver a request (timeout), and what happens when accept()
 * runs out of file descriptors.
 *
 * libevent 2.1.12 has no evhttp_set_max_connections and its timeouts are
 * idle timeouts: every byte received restarts them, so a client sending
 * one byte a second would hold a connection for ever.  Here each
 * connection gets a deadline: a whole request (TLS handshake included for
 * the first) must arrive within `timeout` seconds of the connection being
 * accepted or of the previous reply having been sent.  A connection whose
 * request is being served is never cut.
 *
 * Above max_connections a new connection is closed at once, before any
 * byte is read (no 503: answering would cost a TLS handshake).  When
 * accept() fails for want of descriptors (EMFILE, ENFILE), the listener
 * pauses for a second instead of spinning on a level-triggered socket;
 * pending clients wait in the kernel's backlog meanwhile.
 */
#ifndef CONNLIMIT_H
#define CONNLIMIT_H

struct bufferevent;
struct event_base;
struct evhttp_bound_socket;
struct evhttp_request;

/* Set up on sd's loop (reads sd_conf for the limits as they change). */
void	connlimit_init(struct scimd *sd);
/* Pause-on-EMFILE for the listener; NULL when it goes away. */
void	connlimit_listener(struct evhttp_bound_socket *);
/* For evhttp_set_bevcb: the connection's bufferevent (TLS or plain). */
struct bufferevent *connlimit_bevcb(struct event_base *, void *);
/* A request arrived in full on its connection: stop its deadline. */
void	connlimit_request(struct evhttp_request *);
/* Connections open now. */
int	connlimit_count(void);
void	connlimit_shutdown(void);

#endif /* CONNLIMIT_H */
