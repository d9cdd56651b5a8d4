/*
 * Request counters for /metrics: every reply is counted by endpoint,
 * method, status and latency.  They live in fixed static arrays, so
 * observing a request costs a few additions and never allocates.
 */
#include "scimd.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "reqstats.h"
#include "request.h"
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

#define NMETHODS	(RQ_OTHER + 1)
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
reqstats_now_us(void)
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
reqstats_init(void)
{
	m_started = time(NULL);
}

time_t
reqstats_started(void)
{
	return (m_started);
}

void
reqstats_observe(const char *path, int method, int status, int64_t us)
{
	enum metrics_ep	ep = endpoint_of(path);
	size_t		i, s, m;

	m = method >= 0 && method <= RQ_OTHER ? (size_t)method : RQ_OTHER;
	for (s = 0; s < NSTATUS - 1; s++)
		if (statuses[s] == status)
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
		if (rejects[i].status == status)
			m_rejected[i]++;
}

void
reqstats_print(struct evbuffer *b)
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
}
