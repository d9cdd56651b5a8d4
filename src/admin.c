/* The admin API: routes under /admin/v1. */
#include "scimd.h"

#include "admin.h"
#include "error.h"
#include "server.h"

void
admin_dispatch(struct request *rq, const char *rest)
{
	server_reply_error(rq, SCIM_ENOTFOUND, "no such admin endpoint");
}
