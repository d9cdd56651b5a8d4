/*
 * The admin console: static HTML, CSS and JavaScript (console/ in the
 * source tree) compiled into the binary by console-gen.sh and served
 * under /admin/ (any path there but /admin/v1, the admin API).  The pages
 * sign in with an admin token and talk only to the admin API.
 *
 * Config "console": auto serves it when listen is a loopback address,
 * on always, off never (404, as for any unknown path).
 */
#ifndef CONSOLE_H
#define CONSOLE_H

#include <stddef.h>

struct request;

struct console_asset {
	const char		*ca_path;	/* "/index.html", below /admin */
	const char		*ca_type;	/* Content-Type */
	const unsigned char	*ca_data;
	size_t			 ca_len;
};

/* Generated (console_assets.c): the files, ended by a NULL ca_path. */
extern const struct console_asset	console_assets[];

/* 1 if a decoded path is the console's: /admin, or /admin/ but /admin/v1. */
int	console_match(const char *path);

/* Reply to rq (a path console_match accepted). */
void	console_serve(struct request *rq);

#endif /* CONSOLE_H */
