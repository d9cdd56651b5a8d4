/* Bearer tokens to tenants (contract in auth.h). */
#include "scimd.h"

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>

#include "auth.h"
#include "commit.h"
#include "error.h"
#include "request.h"
#include "store.h"
#include "token.h"
#include "util.h"

/* Authorization headers of rq (two credentials are ambiguous). */
static int
authorization_count(struct request *rq)
{
	struct evkeyval	*kv;
	int		 n = 0;

	TAILQ_FOREACH(kv, evhttp_request_get_input_headers(rq->rq_req), next)
		if (strcasecmp(kv->key, "Authorization") == 0)
			n++;
	return (n);
}

int
auth_request(struct request *rq, int admin)
{
	const char	*h = request_header(rq, "Authorization");
	size_t		 len;
	int		 rc;

	/* security: two credentials are ambiguous; take neither */
	if (authorization_count(rq) > 1) {
		request_reply_error(rq, SCIM_EAUTH,
		    "more than one Authorization header");
		return (-1);
	}
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
		request_reply_error(rq, SCIM_EAUTH,
		    "a bearer token is required");
		return (-1);
	}
	h += 7;
	while (*h == ' ')
		h++;
	len = strlen(h);
	while (len > 0 && h[len - 1] == ' ')
		len--;
	rc = token_find_cached(rq->rq_sd->sd_store, h, len, &rq->rq_token);
	/* security: evhttp frees headers without wiping; nothing reads it again */
	OPENSSL_cleanse((char *)h, strlen(h));
	if (rc != SCIM_OK) {
		request_reply_error(rq, rc, rc == SCIM_EAUTH ?
		    "invalid or expired token" : NULL);
		return (-1);
	}
	if (rq->rq_token.ti_admin != admin) {
		request_reply_error(rq, SCIM_EFORBIDDEN, admin ?
		    "an admin token is required" :
		    "admin tokens are not accepted for SCIM");
		return (-1);
	}
	rq->rq_tenant = rq->rq_token.ti_tenant;
	return (0);
}

struct touch_op {
	struct commit_op	op;
	uint8_t			hash[32];
};

static int
touch_apply(struct store_txn *t, struct commit_op *op)
{
	struct touch_op	*to = (struct touch_op *)op;
	int		 rc = token_touch(t, to->hash, util_now_ms());

	return (rc == SCIM_ENOTFOUND ? SCIM_OK : rc);
}

static void
touch_done(struct commit_op *op, int rc)
{
	free(op);
}

/*
 * The touches sent, by token: until a touch has committed and the token
 * been read again, every request still sees the old last_used; without
 * this each would send one (thousands a minute under load on a database).
 */
#define TOUCH_SLOTS	64
static struct {
	uint8_t	ts_hash[32];
	int64_t	ts_sent;
} touch_sent[TOUCH_SLOTS];

/* last_used is informational: write it at most once a minute per token. */
void
auth_touch(struct request *rq)
{
	struct touch_op	*to;
	int64_t		 now = util_now_ms();
	size_t		 slot = rq->rq_token.ti_hash[0] % TOUCH_SLOTS;

	if (now - rq->rq_token.ti_last_used < 60000)
		return;
	if (now - touch_sent[slot].ts_sent < 60000 &&
	    memcmp(touch_sent[slot].ts_hash, rq->rq_token.ti_hash, 32) == 0)
		return;
	memcpy(touch_sent[slot].ts_hash, rq->rq_token.ti_hash, 32);
	touch_sent[slot].ts_sent = now;
	to = xcalloc(1, sizeof(*to));
	memcpy(to->hash, rq->rq_token.ti_hash, 32);
	to->op.co_apply = touch_apply;
	to->op.co_done = touch_done;
	commit_submit(&to->op);
}
