/*
 * The listener and the router (the top of the web layers): evhttp set-up,
 * the limits every request is held to, and the routing of each request
 * to its handler (scim/, admin/).  Handlers answer through request.h.
 */
#ifndef SERVER_H
#define SERVER_H

#include "scimd.h"

/* Bind and serve; SCIM_OK or an error with a message already logged. */
int	server_init(struct scimd *, const char *portfile);
/* Stop accepting new connections (shutdown). */
void	server_stop_accepting(void);
void	server_free(void);
/* (Re)apply the request limits evhttp enforces itself (init and SIGHUP). */
void	server_apply_limits(const struct scimd_config *);

#endif /* SERVER_H */
