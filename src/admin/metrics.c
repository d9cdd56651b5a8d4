/*
 * The /metrics exposition (Prometheus text format
 * 0.0.4).  Series:
 *
 *   scimd_requests_total{endpoint,method,status}	counter
 *   scimd_request_duration_seconds{endpoint}		histogram
 *   scimd_rejected_total{reason}			counter (401/403/413/429/503)
 *   scimd_requests_inflight				gauge
 *   scimd_commit_{batches,ops,failed}_total,
 *   scimd_commit_seconds_total, scimd_commit_batch_size	from commit_stats()
 *   scimd_resources{type}, scimd_audit_records,
 *   scimd_tokens, scimd_lmdb_map_{used,size}_bytes	read at scrape time
 *
 * Resource counts are the entry counts of the unique indexes (ix_username
 * has one key per User, ix_gname one per Group), summed over all tenants:
 * LMDB keeps them in the database header, so a scrape stays O(1) at any
 * size.  Per-tenant counts need a walk: scimctl stats does that.
 */
#include "scimd.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "commit.h"
#include "config.h"
#include "delivery.h"
#include "error.h"
#include "log.h"
#include "metrics.h"
#include "reqstats.h"
#include "request.h"
#include "store.h"
#include "util.h"

/* Policy of metrics_allow for the peer of rq. */
static int
allowed(struct request *rq)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	const char	*peer;

	switch (rq->rq_sd->sd_conf->cf_metrics_allow) {
	case CONFIG_METRICS_ANY:
		return (1);
	case CONFIG_METRICS_OFF:
		return (0);
	default:
		break;
	}
	if ((peer = request_peer(rq)) == NULL)
		return (0);
	if (inet_pton(AF_INET, peer, &a4) == 1)
		return ((ntohl(a4.s_addr) >> 24) == 127);
	if (inet_pton(AF_INET6, peer, &a6) == 1) {
		if (IN6_IS_ADDR_LOOPBACK(&a6))
			return (1);
		/* ::ffff:127.x.y.z on a dual-stack socket */
		return (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	}
	return (0);
}

static void
put_store(struct evbuffer *b, struct store *st)
{
	static const struct {
		enum store_db	 db;
		const char	*line;
	} counts[] = {
		{ STORE_IX_USERNAME, "scimd_resources{type=\"User\"}" },
		{ STORE_IX_GNAME, "scimd_resources{type=\"Group\"}" },
		{ STORE_AUDIT, "scimd_audit_records" },
		{ STORE_TOKENS, "scimd_tokens" },
	};
	struct store_txn	*t;
	size_t			 i, n, used, map;

	if (store_begin(st, 0, &t) == SCIM_OK) {
		evbuffer_add_printf(b,
		    "# HELP scimd_resources Stored resources by type, all "
		    "tenants.\n# TYPE scimd_resources gauge\n");
		for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
			if (store_entries(t, counts[i].db, &n) != SCIM_OK)
				continue;
			if (counts[i].db == STORE_AUDIT)
				evbuffer_add_printf(b, "# HELP "
				    "scimd_audit_records Audit records kept."
				    "\n# TYPE scimd_audit_records gauge\n");
			else if (counts[i].db == STORE_TOKENS)
				evbuffer_add_printf(b, "# HELP scimd_tokens "
				    "Tokens, all tenants.\n"
				    "# TYPE scimd_tokens gauge\n");
			evbuffer_add_printf(b, "%s %zu\n", counts[i].line, n);
		}
		store_abort(t);
	}
	store_usage(st, &used, &map);
	evbuffer_add_printf(b,
	    "# HELP scimd_lmdb_map_used_bytes Bytes of the LMDB map in use.\n"
	    "# TYPE scimd_lmdb_map_used_bytes gauge\n"
	    "scimd_lmdb_map_used_bytes %zu\n"
	    "# HELP scimd_lmdb_map_size_bytes Size of the LMDB map (map_size)."
	    "\n# TYPE scimd_lmdb_map_size_bytes gauge\n"
	    "scimd_lmdb_map_size_bytes %zu\n", used, map);
}

static void
put_commit(struct evbuffer *b)
{
	const struct commit_stats	*cs = commit_stats();
	unsigned long long		 cum = 0;
	size_t				 i;

	evbuffer_add_printf(b,
	    "# HELP scimd_commit_batches_total Group commits (one fsync each)."
	    "\n# TYPE scimd_commit_batches_total counter\n"
	    "scimd_commit_batches_total %llu\n"
	    "# HELP scimd_commit_ops_total Writes applied by group commits.\n"
	    "# TYPE scimd_commit_ops_total counter\n"
	    "scimd_commit_ops_total %llu\n"
	    "# HELP scimd_commit_failed_total Group commits that failed.\n"
	    "# TYPE scimd_commit_failed_total counter\n"
	    "scimd_commit_failed_total %llu\n"
	    "# HELP scimd_commit_retried_total Batches a database rolled "
	    "back whole, then applied again op by op.\n"
	    "# TYPE scimd_commit_retried_total counter\n"
	    "scimd_commit_retried_total %llu\n"
	    "# HELP scimd_commit_seconds_total Time spent applying and "
	    "committing batches, fsync included.\n"
	    "# TYPE scimd_commit_seconds_total counter\n"
	    "scimd_commit_seconds_total %.6f\n"
	    "# HELP scimd_commit_batch_size Writes per group commit.\n"
	    "# TYPE scimd_commit_batch_size histogram\n",
	    cs->cs_batches, cs->cs_ops, cs->cs_failed, cs->cs_retried,
	    (double)cs->cs_commit_us / 1e6);
	/* cs_hist[b] counts sizes 2^b .. 2^(b+1)-1; the last is open */
	for (i = 0; i < 7; i++) {
		cum += cs->cs_hist[i];
		evbuffer_add_printf(b,
		    "scimd_commit_batch_size_bucket{le=\"%d\"} %llu\n",
		    (2 << i) - 1, cum);
	}
	evbuffer_add_printf(b,
	    "scimd_commit_batch_size_bucket{le=\"+Inf\"} %llu\n"
	    "scimd_commit_batch_size_sum %llu\n"
	    "scimd_commit_batch_size_count %llu\n",
	    cs->cs_batches, cs->cs_ops, cs->cs_batches);
}

void
metrics_serve(struct request *rq)
{
	struct evbuffer	*b;
	const char	*p;
	size_t		 len;

	if (!allowed(rq)) {
		request_reply_error(rq, SCIM_ENOTFOUND, "no such endpoint");
		return;
	}
	if ((b = evbuffer_new()) == NULL)
		fatal("evbuffer_new");
	evbuffer_add_printf(b,
	    "# HELP scimd_build_info Version of the running scimd.\n"
	    "# TYPE scimd_build_info gauge\n"
	    "scimd_build_info{version=\"%s\"} 1\n"
	    "# HELP scimd_start_time_seconds When scimd started, Unix time.\n"
	    "# TYPE scimd_start_time_seconds gauge\n"
	    "scimd_start_time_seconds %lld\n", SCIMD_VERSION,
	    (long long)reqstats_started());
	reqstats_print(b);
	evbuffer_add_printf(b,
	    "# HELP scimd_requests_inflight Requests received and not yet "
	    "answered (this scrape included).\n"
	    "# TYPE scimd_requests_inflight gauge\n"
	    "scimd_requests_inflight %d\n", request_inflight());
	put_commit(b);
	put_store(b, rq->rq_sd->sd_store);
	delivery_metrics(b);
	len = evbuffer_get_length(b);
	p = (const char *)evbuffer_pullup(b, -1);
	/* a Content-Type set here is kept */
	request_set_header(rq, "Content-Type",
	    "text/plain; version=0.0.4; charset=utf-8");
	request_reply_raw(rq, 200, p, len, NULL, NULL);
	evbuffer_free(b);
}
