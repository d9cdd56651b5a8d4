/*
 * Request counters and the /metrics exposition (Prometheus text format
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
#include <event2/http.h>

#include "commit.h"
#include "config.h"
#include "error.h"
#include "log.h"
#include "metrics.h"
#include "server.h"
#include "store.h"
#include "util.h"

enum metrics_ep {
	EP_USERS, EP_GROUPS, EP_SCHEMAS, EP_RESOURCETYPES, EP_SPC, EP_BULK,
	EP_SEARCH, EP_ME, EP_ADMIN, EP_HEALTHZ, EP_METRICS, EP_OTHER, EP_N
};

static const char *const ep_names[EP_N] = {
	"Users", "Groups", "Schemas", "ResourceTypes",
	"ServiceProviderConfig", "Bulk", "search", "Me", "admin", "healthz",
	"metrics", "other"
};

#define NMETHODS	(SM_OTHER + 1)
static const char *const method_names[NMETHODS] = {
	"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OTHER"
};

/* Statuses scimd sends; anything else is counted as "other". */
static const int statuses[] = {
	200, 201, 204, 304, 400, 401, 403, 404, 405, 409, 412, 413, 415,
	429, 500, 501, 503, 507
};
#define NSTATUS		(sizeof(statuses) / sizeof(statuses[0]) + 1)

/* Upper bounds in µs; the exposition adds +Inf. */
static const int64_t buckets_us[] = {
	500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
	500000, 1000000, 2500000, 5000000
};
#define NBUCKETS	(sizeof(buckets_us) / sizeof(buckets_us[0]))

static const struct {
	int		 status;
	const char	*reason;
} rejects[] = {
	{ 401, "auth" },
	{ 403, "forbidden" },
	{ 413, "too_large" },
	{ 429, "ratelimit" },
	{ 503, "unavailable" },
};
#define NREJECTS	(sizeof(rejects) / sizeof(rejects[0]))

static unsigned long long	m_requests[EP_N][NMETHODS][NSTATUS];
static unsigned long long	m_hist[EP_N][NBUCKETS];	/* not cumulative */
static unsigned long long	m_count[EP_N];
static unsigned long long	m_sum_us[EP_N];
static unsigned long long	m_rejected[NREJECTS];
static time_t			m_started;

int64_t
metrics_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

/* Endpoint label from the decoded path: a fixed set, never client text. */
static enum metrics_ep
endpoint_of(const char *path)
{
	static const struct {
		const char	*seg;
		enum metrics_ep	 ep;
	} segs[] = {
		{ "Users", EP_USERS }, { "Groups", EP_GROUPS },
		{ "Schemas", EP_SCHEMAS }, { "ResourceTypes", EP_RESOURCETYPES },
		{ "ServiceProviderConfig", EP_SPC }, { "Bulk", EP_BULK },
		{ ".search", EP_SEARCH }, { "Me", EP_ME },
	};
	size_t	i, n;

	if (path == NULL)
		return (EP_OTHER);
	if (strcmp(path, "/healthz") == 0)
		return (EP_HEALTHZ);
	if (strcmp(path, "/metrics") == 0)
		return (EP_METRICS);
	if (strncmp(path, "/admin/v1", 9) == 0 &&
	    (path[9] == '/' || path[9] == '\0'))
		return (EP_ADMIN);
	if (strncmp(path, "/scim/v2/", 9) != 0)
		return (EP_OTHER);
	path += 9;
	n = strcspn(path, "/");
	for (i = 0; i < sizeof(segs) / sizeof(segs[0]); i++)
		if (strlen(segs[i].seg) == n &&
		    strncmp(path, segs[i].seg, n) == 0)
			return (segs[i].ep);
	return (EP_OTHER);
}

void
metrics_init(void)
{
	m_started = time(NULL);
}

void
metrics_observe(const struct request *rq)
{
	enum metrics_ep	ep = endpoint_of(rq->rq_path);
	int64_t		us = metrics_now_us() - rq->rq_start_us;
	size_t		i, s, m;

	m = rq->rq_method <= SM_OTHER ? (size_t)rq->rq_method : SM_OTHER;
	for (s = 0; s < NSTATUS - 1; s++)
		if (statuses[s] == rq->rq_status)
			break;
	m_requests[ep][m][s]++;
	if (us < 0)
		us = 0;
	for (i = 0; i < NBUCKETS && us > buckets_us[i]; i++)
		;
	if (i < NBUCKETS)
		m_hist[ep][i]++;
	m_count[ep]++;
	m_sum_us[ep] += (unsigned long long)us;
	for (i = 0; i < NREJECTS; i++)
		if (rejects[i].status == rq->rq_status)
			m_rejected[i]++;
}

/* Policy of metrics_allow for the peer of rq. */
static int
allowed(struct request *rq)
{
	struct evhttp_connection	*evcon;
	struct in_addr			 a4;
	struct in6_addr			 a6;
	char				*peer = NULL;
	ev_uint16_t			 port = 0;

	switch (server_conf->cf_metrics_allow) {
	case CONFIG_METRICS_ANY:
		return (1);
	case CONFIG_METRICS_OFF:
		return (0);
	default:
		break;
	}
	if ((evcon = evhttp_request_get_connection(rq->rq_req)) == NULL)
		return (0);
	evhttp_connection_get_peer(evcon, &peer, &port);
	if (peer == NULL)
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
put_store(struct evbuffer *b)
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

	if (store_begin(server_store, 0, &t) == SCIM_OK) {
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
	store_usage(server_store, &used, &map);
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
	    "# HELP scimd_commit_seconds_total Time spent applying and "
	    "committing batches, fsync included.\n"
	    "# TYPE scimd_commit_seconds_total counter\n"
	    "scimd_commit_seconds_total %.6f\n"
	    "# HELP scimd_commit_batch_size Writes per group commit.\n"
	    "# TYPE scimd_commit_batch_size histogram\n",
	    cs->cs_batches, cs->cs_ops, cs->cs_failed,
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

static void
put_requests(struct evbuffer *b)
{
	unsigned long long	cum;
	size_t			e, m, s, i;
	char			st[8];

	evbuffer_add_printf(b,
	    "# HELP scimd_requests_total Requests answered, by endpoint, "
	    "method and status.\n# TYPE scimd_requests_total counter\n");
	for (e = 0; e < EP_N; e++)
		for (m = 0; m < NMETHODS; m++)
			for (s = 0; s < NSTATUS; s++) {
				if (m_requests[e][m][s] == 0)
					continue;
				if (s < NSTATUS - 1)
					snprintf(st, sizeof(st), "%d",
					    statuses[s]);
				else
					strlcpy(st, "other", sizeof(st));
				evbuffer_add_printf(b, "scimd_requests_total{"
				    "endpoint=\"%s\",method=\"%s\","
				    "status=\"%s\"} %llu\n", ep_names[e],
				    method_names[m], st, m_requests[e][m][s]);
			}
	evbuffer_add_printf(b,
	    "# HELP scimd_request_duration_seconds Time from request to "
	    "reply, by endpoint.\n"
	    "# TYPE scimd_request_duration_seconds histogram\n");
	for (e = 0; e < EP_N; e++) {
		if (m_count[e] == 0)
			continue;
		cum = 0;
		for (i = 0; i < NBUCKETS; i++) {
			cum += m_hist[e][i];
			evbuffer_add_printf(b,
			    "scimd_request_duration_seconds_bucket{"
			    "endpoint=\"%s\",le=\"%g\"} %llu\n", ep_names[e],
			    (double)buckets_us[i] / 1e6, cum);
		}
		evbuffer_add_printf(b,
		    "scimd_request_duration_seconds_bucket{endpoint=\"%s\","
		    "le=\"+Inf\"} %llu\n"
		    "scimd_request_duration_seconds_sum{endpoint=\"%s\"} "
		    "%.6f\n"
		    "scimd_request_duration_seconds_count{endpoint=\"%s\"} "
		    "%llu\n", ep_names[e], m_count[e], ep_names[e],
		    (double)m_sum_us[e] / 1e6, ep_names[e], m_count[e]);
	}
	evbuffer_add_printf(b,
	    "# HELP scimd_rejected_total Requests refused before any work: "
	    "auth (401), forbidden (403), too_large (413), ratelimit (429), "
	    "unavailable (503).\n# TYPE scimd_rejected_total counter\n");
	for (i = 0; i < NREJECTS; i++)
		evbuffer_add_printf(b,
		    "scimd_rejected_total{reason=\"%s\"} %llu\n",
		    rejects[i].reason, m_rejected[i]);
	evbuffer_add_printf(b,
	    "# HELP scimd_requests_inflight Requests received and not yet "
	    "answered (this scrape included).\n"
	    "# TYPE scimd_requests_inflight gauge\n"
	    "scimd_requests_inflight %d\n", server_inflight());
}

void
metrics_serve(struct request *rq)
{
	struct evbuffer	*b;
	const char	*p;
	size_t		 len;

	if (!allowed(rq)) {
		server_reply_error(rq, SCIM_ENOTFOUND, "no such endpoint");
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
	    (long long)m_started);
	put_requests(b);
	put_commit(b);
	put_store(b);
	len = evbuffer_get_length(b);
	p = (const char *)evbuffer_pullup(b, -1);
	/* server.c keeps a Content-Type that is already set */
	evhttp_add_header(evhttp_request_get_output_headers(rq->rq_req),
	    "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	server_reply_raw(rq, 200, p, len, NULL, NULL);
	evbuffer_free(b);
}
