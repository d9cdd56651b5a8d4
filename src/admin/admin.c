/* The admin API's routes under /admin/v1 (contract in admin.h). */
#include "scimd.h"

#include <string.h>

#include "admin.h"
#include "admin_audit.h"
#include "admin_events.h"
#include "admin_tenants.h"
#include "admin_tokens.h"
#include "admin_webhooks.h"
#include "error.h"
#include "request.h"
#include "token.h"

/* Copy the path segment at *p (after its '/') into buf; 0, or -1. */
static int
segment(const char **p, char *buf, size_t len)
{
	const char	*s = *p, *e;

	if (*s != '/')
		return (-1);
	s++;
	e = s + strcspn(s, "/");
	if (e == s || (size_t)(e - s) >= len)
		return (-1);
	memcpy(buf, s, (size_t)(e - s));
	buf[e - s] = '\0';
	*p = e;
	return (0);
}

static void
route_audit(struct request *rq, const char *rest)
{
	char	arg[128];

	if (rq->rq_method != RQ_GET && rq->rq_method != RQ_HEAD) {
		request_reply_method(rq, "GET");
		return;
	}
	if (*rest == '\0' || strcmp(rest, "/") == 0) {
		admin_audit_list(rq);
		return;
	}
	if (segment(&rest, arg, sizeof(arg)) != 0 || (*rest != '\0' &&
	    strcmp(rest, "/") != 0)) {
		request_reply_error(rq, SCIM_ENOTFOUND, "no such admin endpoint");
		return;
	}
	if (strcmp(arg, "summary") == 0)
		admin_audit_summary(rq);
	else
		admin_audit_show(rq, arg);
}

/* A collection under /admin/v1: GET and POST on it, DELETE on a member. */
struct collection {
	const char	*cl_missing;	/* 404 detail */
	void		(*cl_list)(struct request *);
	void		(*cl_create)(struct request *);
	void		(*cl_delete)(struct request *, const char *);
};

static const struct collection tokens_collection = {
	"no such token", admin_tokens_list, admin_tokens_create,
	admin_tokens_revoke
};
static const struct collection tenants_collection = {
	"no such tenant", admin_tenants_list, admin_tenants_create,
	admin_tenants_delete
};

static void
route_collection(struct request *rq, const char *rest,
    const struct collection *cl)
{
	char	name[TOKEN_NAME_MAX];

	if (*rest == '\0' || strcmp(rest, "/") == 0) {
		if (rq->rq_method == RQ_GET || rq->rq_method == RQ_HEAD)
			cl->cl_list(rq);
		else if (rq->rq_method == RQ_POST)
			cl->cl_create(rq);
		else
			request_reply_method(rq, "GET, POST");
		return;
	}
	if (segment(&rest, name, sizeof(name)) != 0 || *rest != '\0') {
		request_reply_error(rq, SCIM_ENOTFOUND, cl->cl_missing);
		return;
	}
	if (rq->rq_method != RQ_DELETE) {
		request_reply_method(rq, "DELETE");
		return;
	}
	cl->cl_delete(rq, name);
}

static void
route_tokens(struct request *rq, const char *rest)
{
	route_collection(rq, rest, &tokens_collection);
}

static void
route_tenants(struct request *rq, const char *rest)
{
	if (!admin_tenants_all(rq)) {
		request_reply_error(rq, SCIM_EFORBIDDEN,
		    "tenants are managed with an all-tenant admin token");
		return;
	}
	route_collection(rq, rest, &tenants_collection);
}

void
admin_dispatch(struct request *rq, const char *rest)
{
	static const struct {
		const char	*name;
		void		(*fn)(struct request *, const char *);
	} routes[] = {
		{ "audit", route_audit },
		{ "tokens", route_tokens },
		{ "tenants", route_tenants },
		{ "events", admin_events_route },
		{ "webhooks", admin_webhooks_route },
	};
	char	seg[16];
	size_t	i;

	if (segment(&rest, seg, sizeof(seg)) == 0)
		for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
			if (strcmp(seg, routes[i].name) == 0) {
				routes[i].fn(rq, rest);
				return;
			}
	request_reply_error(rq, SCIM_ENOTFOUND, "no such admin endpoint");
}
