/*
 * scimbench: a load generator for scimd on libevent's HTTP client.
 *
 * Keep-alive connections, each with one request outstanding; random keys
 * from a seeded PRNG; a warm-up, then a fixed measurement window.  Every
 * scenario prints a human-readable summary and one line of JSON (the line
 * that starts with "{").  See usage() and tests/bench/run.sh.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <json-c/json.h>

#define CORE_USER	"urn:ietf:params:scim:schemas:core:2.0:User"
#define ENT_USER	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
#define CORE_GROUP	"urn:ietf:params:scim:schemas:core:2.0:Group"
#define PATCHOP		"urn:ietf:params:scim:api:messages:2.0:PatchOp"

#define MAX_CONNS	1024
#define PAGE		1000	/* ids per listing page (scimd's default cap) */

enum scenario {
	SC_POPULATE, SC_STATIC, SC_FILTER, SC_GET, SC_PATCH, SC_CREATE,
	SC_SYNC, SC_MEMBERS, SC_IDS, SC_FILTER_EMAIL, SC_FILTER_EXT
};

static const char *const scen_names[] = {
	"populate", "static", "filter", "get", "patch", "create", "sync",
	"members", "ids", "filter-email", "filter-ext"
};

/* Latency samples in microseconds, sorted at the end. */
struct samples {
	uint32_t	*s_v;
	size_t		 s_n;
	size_t		 s_cap;
};

struct conn;

struct bench {
	struct event_base	*base;
	enum scenario		 sc;
	char			 host[256];
	int			 port;
	char			 prefix[256];	/* "/scim/v2" */
	char			 hosthdr[300];
	char			*auth;		/* "Bearer TOKEN" */
	int			 nconns;
	double			 duration;
	double			 warmup;
	uint64_t		 npop;		/* -n population size */
	uint64_t		 count;		/* -m: sync users, group size */
	uint64_t		 churn;		/* -k: members added/removed */
	uint64_t		 batch;		/* -b: members per PATCH */
	uint64_t		 seed;
	char			 tag[32];	/* unique per run: new names */
	const char		*idfile;
	FILE			*idout;		/* populate: ids it saw */
	pid_t			 pid;
	pid_t			 dbpid;		/* -P: postmaster */
	const char		*datadir;
	int			 quiet;

	struct conn		*conns;
	struct event		*tick;		/* phase changes, RSS samples */

	/* the run */
	int			 measuring;
	int			 stopping;
	int			 active;	/* connections with work */
	uint64_t		 t_begin;	/* first request (us) */
	uint64_t		 t_measure;	/* window start */
	uint64_t		 t_stop;	/* window end */
	uint64_t		 t_last;	/* last completion */
	uint64_t		 nreq;		/* completions in window */
	uint64_t		 nerr;		/* unexpected statuses in window */
	uint64_t		 nerr_all;	/* ... over the whole run */
	uint64_t		 n409;
	int			 last_bad;	/* an example bad status */
	struct samples		 lat;

	/* work queue (populate, sync) and sequence (create) */
	uint64_t		 next;
	uint64_t		 done;

	/* ids of existing users */
	char			*idbuf;
	size_t			 idlen;
	size_t			 idcap;
	size_t			*idoff;
	size_t			 nids;
	size_t			 nidcap;

	/* members */
	char			 gid[128];
	int			 mphase;	/* 0 add, 1 remove */
	uint64_t		 mnext;		/* next batch of the phase */
	uint64_t		 mleft;		/* batches in flight or queued */
	uint64_t		 mphase_t0;
	int			 mcount_phase;	/* phase began in the window */
	struct samples		 madd;		/* phase times (us) */
	struct samples		 mrem;
	char			*mbody;		/* reused body buffer */

	/* resource use */
	long			 rss0, anon0, rss1, anon1, anon_peak;
	long			 rss_peak;
	double			 srv_cpu0, srv_cpu1;
	long long		 srv_wb0, srv_wb1;	/* to the disk */
	double			 db_cpu0, db_cpu1;
	double			 cli_cpu0, cli_cpu1;
	uint64_t		 srv_t0, srv_t1;
};

struct conn {
	struct bench			*b;
	struct evhttp_connection	*evcon;
	uint64_t			 rng;
	uint64_t			 t0;
	uint64_t			 item;
	int				 step;
	int				 busy;
	int				 expect;	/* status that is fine */
	int				 expect2;
	struct event			*retry;
};

static void	issue(struct conn *);

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "scimbench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static void *
xmalloc(size_t n)
{
	void	*p = malloc(n);

	if (p == NULL)
		die("out of memory");
	return (p);
}

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n)) == NULL)
		die("out of memory");
	return (p);
}

static uint64_t
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

/* splitmix64: small, fast, good enough to pick keys. */
static uint64_t
rnd(uint64_t *s)
{
	uint64_t	z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static uint64_t
rnd_below(uint64_t *s, uint64_t n)
{
	return (n == 0 ? 0 : rnd(s) % n);
}

static void
samples_add(struct samples *s, uint64_t v)
{
	if (s->s_n == s->s_cap) {
		s->s_cap = s->s_cap ? s->s_cap * 2 : 65536;
		s->s_v = xrealloc(s->s_v, s->s_cap * sizeof(*s->s_v));
	}
	s->s_v[s->s_n++] = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x < y ? -1 : x > y);
}

/* The q-quantile (0..1) in milliseconds of sorted samples. */
static double
quantile_ms(const struct samples *s, double q)
{
	size_t	i;

	if (s->s_n == 0)
		return (0);
	i = (size_t)(q * (double)s->s_n + 0.999999);
	if (i < 1)
		i = 1;
	if (i > s->s_n)
		i = s->s_n;
	return (s->s_v[i - 1] / 1000.0);
}

/* ---- /proc readings ------------------------------------------------- */

static void
proc_rss(pid_t pid, long *rss, long *anon)
{
	char	 path[64], line[256];
	FILE	*f;

	*rss = *anon = -1;
	if (pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			*rss = strtol(line + 6, NULL, 10);
		else if (strncmp(line, "RssAnon:", 8) == 0)
			*anon = strtol(line + 8, NULL, 10);
	}
	fclose(f);
}

/* CPU seconds (user + system) used by pid so far. */
static double
proc_cpu(pid_t pid)
{
	char			 path[64], buf[1024], *p;
	unsigned long long	 ut, st;
	FILE			*f;
	size_t			 n;

	if (pid <= 0)
		return (-1);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* fields after the command name, which is in parentheses */
	if ((p = strrchr(buf, ')')) == NULL)
		return (-1);
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu "
	    "%llu", &ut, &st) != 2)
		return (-1);
	return ((double)(ut + st) / (double)sysconf(_SC_CLK_TCK));
}

/*
 * Bytes pid has sent to the storage layer so far (/proc/PID/io's
 * write_bytes: its commits' pages and syncs), or -1.
 */
static long long
proc_wbytes(pid_t pid)
{
	char		 path[64], line[128];
	long long	 n = -1;
	FILE		*f;

	if (pid <= 0)
		return (-1);
	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "write_bytes:", 12) == 0)
			n = strtoll(line + 12, NULL, 10);
	fclose(f);
	return (n);
}

/*
 * CPU seconds used so far by pid and its children: a PostgreSQL server,
 * whose postmaster forks a backend per connection (scimd's pool keeps its
 * connections, so their backends live through the window).
 */
static double
tree_cpu(pid_t pid)
{
	char			 path[300], buf[1024], *p;
	unsigned long long	 ut, st;
	double			 sum = 0;
	struct dirent		*de;
	DIR			*d;
	FILE			*f;
	size_t			 n;
	int			 ppid, found = 0;

	if (pid <= 0 || (d = opendir("/proc")) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		if ((p = strrchr(buf, ')')) == NULL)
			continue;
		if (sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
		    "%llu %llu", &ppid, &ut, &st) != 3)
			continue;
		if (ppid != (int)pid && atoi(de->d_name) != (int)pid)
			continue;
		sum += (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
		found = 1;
	}
	closedir(d);
	return (found ? sum : -1);
}

static double
self_cpu(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
}

static long long
mdb_size(const char *dir)
{
	char		path[PATH_MAX];
	struct stat	sb;

	if (dir == NULL)
		return (-1);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (stat(path, &sb) == -1)
		return (-1);
	return ((long long)sb.st_size);
}

static void
usage_snapshot(struct bench *b, int end)
{
	if (!end) {
		proc_rss(b->pid, &b->rss0, &b->anon0);
		b->rss_peak = b->rss0;
		b->anon_peak = b->anon0;
		b->srv_cpu0 = proc_cpu(b->pid);
		b->srv_wb0 = proc_wbytes(b->pid);
		b->db_cpu0 = tree_cpu(b->dbpid);
		b->cli_cpu0 = self_cpu();
		b->srv_t0 = now_us();
	} else {
		proc_rss(b->pid, &b->rss1, &b->anon1);
		b->srv_cpu1 = proc_cpu(b->pid);
		b->srv_wb1 = proc_wbytes(b->pid);
		b->db_cpu1 = tree_cpu(b->dbpid);
		b->cli_cpu1 = self_cpu();
		b->srv_t1 = now_us();
	}
}

/* ---- names and bodies ------------------------------------------------ */

static int
user_name(char *buf, size_t len, const char *kind, const char *tag,
    uint64_t i)
{
	if (tag != NULL)
		return (snprintf(buf, len, "bench-%s-%s-%" PRIu64
		    "@example.com", kind, tag, i));
	return (snprintf(buf, len, "bench-%s-%" PRIu64 "@example.com", kind,
	    i));
}

/*
 * An Entra-sized user: what Entra's default mappings send (~1 KB).  A
 * user of a run (tag set: create, sync) gets an externalId of its own
 * (9f3c, the tag's hash), so "externalId eq" still finds one user after
 * those scenarios ran.
 */
static int
user_body(char *buf, size_t len, const char *un, uint64_t i, const char *tag)
{
	uint64_t	 hi = i & 0xffffffffu;
	uint32_t	 h = 2166136261u;	/* FNV-1a */
	const char	*t;

	for (t = tag; t != NULL && *t != '\0'; t++)
		h = (h ^ (uint8_t)*t) * 16777619u;
	if (tag != NULL)
		hi = h;
	return (snprintf(buf, len,
	    "{\"schemas\":[\"" CORE_USER "\",\"" ENT_USER "\"],"
	    "\"externalId\":\"%08" PRIx64 "-5d1e-4c1a-9f3%c-%012" PRIx64 "\","
	    "\"userName\":\"%s\",\"active\":true,"
	    "\"displayName\":\"Bench User %" PRIu64 "\","
	    "\"title\":\"Engineer\",\"preferredLanguage\":\"en-US\","
	    "\"emails\":[{\"primary\":true,\"type\":\"work\","
	    "\"value\":\"%s\"}],"
	    "\"name\":{\"formatted\":\"Bench User %" PRIu64 "\","
	    "\"familyName\":\"User%" PRIu64 "\",\"givenName\":\"Bench\"},"
	    "\"phoneNumbers\":[{\"type\":\"work\",\"value\":\"+1 425 555 %04"
	    PRIu64 "\"},{\"type\":\"mobile\",\"value\":\"+1 206 555 %04" PRIu64
	    "\"}],"
	    "\"addresses\":[{\"type\":\"work\",\"primary\":true,"
	    "\"formatted\":\"1 Microsoft Way, Redmond, WA 98052, US\","
	    "\"streetAddress\":\"1 Microsoft Way\",\"locality\":\"Redmond\","
	    "\"region\":\"WA\",\"postalCode\":\"98052\",\"country\":\"US\"}],"
	    "\"" ENT_USER "\":{\"employeeNumber\":\"%" PRIu64 "\","
	    "\"department\":\"Department %" PRIu64 "\","
	    "\"costCenter\":\"CC-%" PRIu64 "\",\"organization\":\"Example\","
	    "\"division\":\"Engineering\"}}",
	    hi, tag != NULL ? 'c' : 'b', i, un, i, un, i, i, i % 10000,
	    (i * 7) % 10000,
	    i, i % 50, i % 200));
}

/*
 * -L n: n Entra-sized users as SCIM JSON lines with ids, what scimctl
 * import reads, on stdout: the users populate makes (bench-user-i, with
 * user_body's values), so the filters find them.
 */
static void
write_lines(uint64_t n, uint64_t seed)
{
	char		body[4096], un[128];
	uint64_t	i, s = seed, a, b;

	for (i = 0; i < n; i++) {
		user_name(un, sizeof(un), "user", NULL, i);
		user_body(body, sizeof(body), un, i, NULL);
		a = rnd(&s);
		b = rnd(&s);
		/* a version 4 UUID, RFC 4122 variant */
		if (printf("{\"id\":\"%08" PRIx64 "-%04" PRIx64 "-4%03" PRIx64
		    "-%04" PRIx64 "-%012" PRIx64 "\",%s\n", a >> 32,
		    (a >> 16) & 0xffff, a & 0xfff, 0x8000 | (b >> 48 & 0x3fff),
		    b & (uint64_t)0xffffffffffff, body + 1) < 0)
			die("write: %s", strerror(errno));
	}
	if (fflush(stdout) != 0)
		die("write: %s", strerror(errno));
}

/* Percent-encode a filter for a query string. */
static void
urlenc(char *out, size_t len, const char *s)
{
	static const char	hex[] = "0123456789ABCDEF";
	size_t			o = 0;

	for (; *s != '\0' && o + 4 < len; s++) {
		unsigned char	c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			out[o++] = (char)c;
		else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

static const char *
id_at(const struct bench *b, size_t i)
{
	return (b->idbuf + b->idoff[i]);
}

static void
id_add(struct bench *b, const char *id)
{
	size_t	n = strlen(id) + 1;

	if (b->idlen + n > b->idcap) {
		b->idcap = b->idcap ? b->idcap * 2 : 1 << 20;
		b->idbuf = xrealloc(b->idbuf, b->idcap);
	}
	if (b->nids == b->nidcap) {
		b->nidcap = b->nidcap ? b->nidcap * 2 : 65536;
		b->idoff = xrealloc(b->idoff, b->nidcap * sizeof(*b->idoff));
	}
	b->idoff[b->nids++] = b->idlen;
	memcpy(b->idbuf + b->idlen, id, n);
	b->idlen += n;
}

/* ---- requests --------------------------------------------------------- */

static void	on_reply(struct evhttp_request *, void *);

/* The three indexed filters Entra sends, on user i (user_body's values). */
static void
filter_of(enum scenario sc, char *buf, size_t len, const char *un,
    uint64_t i)
{
	if (sc == SC_FILTER_EMAIL)
		snprintf(buf, len, "emails[type eq \"work\"].value eq \"%s\"",
		    un);
	else if (sc == SC_FILTER_EXT)
		snprintf(buf, len, "externalId eq \"%08" PRIx64
		    "-5d1e-4c1a-9f3b-%012" PRIx64 "\"", i & 0xffffffffu, i);
	else
		snprintf(buf, len, "userName eq \"%s\"", un);
}

static struct evhttp_request *
new_request(struct bench *b, void (*cb)(struct evhttp_request *, void *),
    void *arg, const char *body, size_t blen)
{
	struct evhttp_request	*req;
	struct evkeyvalq	*h;

	if ((req = evhttp_request_new(cb, arg)) == NULL)
		die("evhttp_request_new");
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", b->hosthdr);
	evhttp_add_header(h, "Authorization", b->auth);
	if (body != NULL) {
		char	cl[24];

		/* evhttp adds Content-Length only to POST and PUT */
		snprintf(cl, sizeof(cl), "%zu", blen);
		evhttp_add_header(h, "Content-Type", "application/scim+json");
		evhttp_add_header(h, "Content-Length", cl);
		evbuffer_add(evhttp_request_get_output_buffer(req), body, blen);
	}
	return (req);
}

static void
send_conn(struct conn *c, enum evhttp_cmd_type m, const char *path,
    const char *body, size_t blen, int expect, int expect2)
{
	struct evhttp_request	*req;

	req = new_request(c->b, on_reply, c, body, blen);
	c->expect = expect;
	c->expect2 = expect2;
	c->t0 = now_us();
	if (evhttp_make_request(c->evcon, req, m, path) != 0)
		die("evhttp_make_request failed");
}

/* One blocking request on its own connection (set-up steps). */
struct sync_req {
	struct bench	*b;
	int		 done;
	int		 status;
	char		*body;
};

static void
on_sync(struct evhttp_request *req, void *arg)
{
	struct sync_req	*sr = arg;
	struct evbuffer	*in;
	size_t		 n;

	sr->done = 1;
	sr->status = req != NULL ? evhttp_request_get_response_code(req) : 0;
	if (req != NULL) {
		in = evhttp_request_get_input_buffer(req);
		n = evbuffer_get_length(in);
		sr->body = xmalloc(n + 1);
		evbuffer_remove(in, sr->body, n);
		sr->body[n] = '\0';
	}
	event_base_loopbreak(sr->b->base);
}

static int
http_sync(struct bench *b, struct evhttp_connection *evcon,
    enum evhttp_cmd_type m, const char *path, const char *body,
    struct json_object **out)
{
	struct evhttp_request	*req;
	struct sync_req		 sr;

	memset(&sr, 0, sizeof(sr));
	sr.b = b;
	req = new_request(b, on_sync, &sr, body, body ? strlen(body) : 0);
	if (evhttp_make_request(evcon, req, m, path) != 0)
		die("evhttp_make_request failed");
	while (!sr.done)
		event_base_loop(b->base, EVLOOP_ONCE);
	if (out != NULL)
		*out = sr.body != NULL ? json_tokener_parse(sr.body) : NULL;
	if (sr.status / 100 != 2 && sr.status != 409)
		fprintf(stderr, "scimbench: %s -> %d %.300s\n", path,
		    sr.status, sr.body ? sr.body : "");
	free(sr.body);
	return (sr.status);
}

static struct evhttp_connection *
new_evcon(struct bench *b)
{
	struct evhttp_connection	*evcon;

	evcon = evhttp_connection_base_new(b->base, NULL, b->host,
	    (ev_uint16_t)b->port);
	if (evcon == NULL)
		die("cannot make a connection to %s:%d", b->host, b->port);
	evhttp_connection_set_timeout(evcon, 60);
	evhttp_connection_set_retries(evcon, 0);
	return (evcon);
}

/* ---- ids of existing users (cursor walk, cached in -f FILE) ------------- */

static void
ids_load(struct bench *b, size_t need)
{
	struct evhttp_connection	*evcon;
	struct json_object		*o, *res, *v;
	char				 path[512], line[256], cur[128];
	FILE				*f;
	size_t				 i, n;
	uint64_t			 t0 = now_us();

	if (b->idfile != NULL && (f = fopen(b->idfile, "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			line[strcspn(line, "\r\n")] = '\0';
			if (*line != '\0')
				id_add(b, line);
		}
		fclose(f);
		if (b->nids >= need)
			return;
		b->nids = b->idlen = 0;		/* stale: fetch again */
	}
	evcon = new_evcon(b);
	cur[0] = '\0';
	for (;;) {
		snprintf(path, sizeof(path), "%s/Users?attributes=id&count=%d"
		    "&cursor=%s", b->prefix, PAGE, cur);
		if (http_sync(b, evcon, EVHTTP_REQ_GET, path, NULL, &o) !=
		    200 || o == NULL)
			die("listing user ids failed");
		res = json_object_object_get(o, "Resources");
		n = res != NULL ? json_object_array_length(res) : 0;
		for (i = 0; i < n; i++) {
			v = json_object_object_get(json_object_array_get_idx(
			    res, i), "id");
			if (v != NULL)
				id_add(b, json_object_get_string(v));
		}
		v = json_object_object_get(o, "nextCursor");
		if (v == NULL || n == 0) {
			json_object_put(o);
			break;
		}
		snprintf(cur, sizeof(cur), "%s", json_object_get_string(v));
		json_object_put(o);
	}
	evhttp_connection_free(evcon);
	if (!b->quiet)
		fprintf(stderr, "scimbench: listed %zu user ids in %.1f s\n",
		    b->nids, (now_us() - t0) / 1e6);
	if (b->idfile != NULL) {
		if ((f = fopen(b->idfile, "w")) == NULL)
			die("%s: %s", b->idfile, strerror(errno));
		for (i = 0; i < b->nids; i++)
			fprintf(f, "%s\n", id_at(b, i));
		if (fclose(f) != 0)
			die("%s: %s", b->idfile, strerror(errno));
	}
	if (b->nids < need)
		die("only %zu users exist, %zu needed", b->nids, need);
}

/* ---- the run ---------------------------------------------------------- */

static void
conn_idle(struct conn *c)
{
	struct bench	*b = c->b;

	if (!c->busy)
		return;
	c->busy = 0;
	if (--b->active == 0)
		event_base_loopexit(b->base, NULL);
}

/* Members: the body adding or removing batch j of the churn set. */
static size_t
members_body(struct bench *b, uint64_t j)
{
	size_t		 len = 0, cap = 256 + b->batch * 64;
	uint64_t	 k, first = b->count + j * b->batch;

	len += (size_t)snprintf(b->mbody + len, cap - len,
	    "{\"schemas\":[\"" PATCHOP "\"],\"Operations\":[{\"op\":\"%s\","
	    "\"path\":\"members\",\"value\":[", b->mphase ? "remove" : "add");
	for (k = 0; k < b->batch && first + k < b->count + b->churn; k++)
		len += (size_t)snprintf(b->mbody + len, cap - len,
		    "%s{\"value\":\"%s\"}", k ? "," : "",
		    id_at(b, first + k));
	len += (size_t)snprintf(b->mbody + len, cap - len, "]}]}");
	return (len);
}

static uint64_t
members_batches(const struct bench *b)
{
	return ((b->churn + b->batch - 1) / b->batch);
}

static void
members_kick(struct bench *b)
{
	int	i;

	for (i = 0; i < b->nconns; i++)
		if (b->conns[i].busy && b->conns[i].step == 1) {
			b->conns[i].step = 0;
			issue(&b->conns[i]);
		}
}

/* Issue the next request of connection c, or retire it. */
static void
issue(struct conn *c)
{
	struct bench	*b = c->b;
	char		 path[1024], un[160], enc[512], flt[320];
	char		 body[4096];
	size_t		 n;
	uint64_t	 i;

	switch (b->sc) {
	case SC_POPULATE:
		if (c->step == 1) {
			/* it existed (409): look its id up for -f */
			user_name(un, sizeof(un), "user", NULL, c->item);
			snprintf(flt, sizeof(flt), "userName eq \"%s\"", un);
			urlenc(enc, sizeof(enc), flt);
			snprintf(path, sizeof(path), "%s/Users?filter=%s&"
			    "attributes=id", b->prefix, enc);
			send_conn(c, EVHTTP_REQ_GET, path, NULL, 0, 200, 200);
			return;
		}
		if (b->next >= b->npop) {
			conn_idle(c);
			return;
		}
		c->item = b->next++;
		user_name(un, sizeof(un), "user", NULL, c->item);
		n = (size_t)user_body(body, sizeof(body), un, c->item, NULL);
		snprintf(path, sizeof(path), "%s/Users", b->prefix);
		send_conn(c, EVHTTP_REQ_POST, path, body, n, 201, 409);
		return;
	case SC_SYNC:
		if (c->step == 0) {
			if (b->next >= b->count) {
				conn_idle(c);
				return;
			}
			c->item = b->next++;
		}
		user_name(un, sizeof(un), "sync", b->tag, c->item);
		if (c->step == 0) {
			snprintf(flt, sizeof(flt), "userName eq \"%s\"", un);
			urlenc(enc, sizeof(enc), flt);
			snprintf(path, sizeof(path), "%s/Users?filter=%s",
			    b->prefix, enc);
			send_conn(c, EVHTTP_REQ_GET, path, NULL, 0, 200, 200);
		} else {
			n = (size_t)user_body(body, sizeof(body), un, c->item,
			    b->tag);
			snprintf(path, sizeof(path), "%s/Users", b->prefix);
			send_conn(c, EVHTTP_REQ_POST, path, body, n, 201,
			    201);
		}
		return;
	case SC_MEMBERS:
		if (b->mnext >= members_batches(b)) {
			c->step = 1;	/* wait for the phase to end */
			return;
		}
		c->item = b->mnext++;
		n = members_body(b, c->item);
		snprintf(path, sizeof(path), "%s/Groups/%s", b->prefix,
		    b->gid);
		send_conn(c, EVHTTP_REQ_PATCH, path, b->mbody, n, 204, 200);
		return;
	default:
		break;
	}
	if (b->stopping) {
		conn_idle(c);
		return;
	}
	switch (b->sc) {
	case SC_STATIC:
		snprintf(path, sizeof(path), "%s/ServiceProviderConfig",
		    b->prefix);
		send_conn(c, EVHTTP_REQ_GET, path, NULL, 0, 200, 200);
		break;
	case SC_FILTER:
	case SC_FILTER_EMAIL:
	case SC_FILTER_EXT:
		i = rnd_below(&c->rng, b->npop);
		user_name(un, sizeof(un), "user", NULL, i);
		filter_of(b->sc, flt, sizeof(flt), un, i);
		urlenc(enc, sizeof(enc), flt);
		snprintf(path, sizeof(path), "%s/Users?filter=%s", b->prefix,
		    enc);
		send_conn(c, EVHTTP_REQ_GET, path, NULL, 0, 200, 200);
		break;
	case SC_GET:
		i = rnd_below(&c->rng, b->nids);
		snprintf(path, sizeof(path), "%s/Users/%s", b->prefix,
		    id_at(b, i));
		send_conn(c, EVHTTP_REQ_GET, path, NULL, 0, 200, 200);
		break;
	case SC_PATCH:
		i = rnd_below(&c->rng, b->nids);
		snprintf(path, sizeof(path), "%s/Users/%s", b->prefix,
		    id_at(b, i));
		n = (size_t)snprintf(body, sizeof(body),
		    "{\"schemas\":[\"" PATCHOP "\"],\"Operations\":[{\"op\":"
		    "\"Replace\",\"path\":\"title\",\"value\":\"Title %"
		    PRIx64 "\"}]}", rnd(&c->rng));
		send_conn(c, EVHTTP_REQ_PATCH, path, body, n, 200, 204);
		break;
	case SC_CREATE:
		c->item = b->next++;
		user_name(un, sizeof(un), "new", b->tag, c->item);
		n = (size_t)user_body(body, sizeof(body), un, c->item, b->tag);
		snprintf(path, sizeof(path), "%s/Users", b->prefix);
		send_conn(c, EVHTTP_REQ_POST, path, body, n, 201, 201);
		break;
	default:
		die("scenario %s cannot run", scen_names[b->sc]);
	}
}

static void
retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	issue(arg);
}

static void
members_done(struct conn *c, uint64_t now)
{
	struct bench	*b = c->b;

	if (--b->mleft > 0) {
		issue(c);
		return;
	}
	/* the phase is over: every batch of it was answered */
	if (b->mcount_phase)
		samples_add(b->mphase ? &b->mrem : &b->madd,
		    now - b->mphase_t0);
	if (b->mphase == 1 && b->stopping) {
		int i;

		for (i = 0; i < b->nconns; i++)
			conn_idle(&b->conns[i]);
		return;
	}
	b->mphase = !b->mphase;
	b->mnext = 0;
	b->mleft = members_batches(b);
	b->mphase_t0 = now;
	b->mcount_phase = b->measuring && !b->stopping;
	c->step = 0;
	issue(c);
	members_kick(b);
}

/* Populate with -f: note the id of every user it created or found. */
static void
populate_id(struct conn *c, struct evhttp_request *req, int st)
{
	struct bench		*b = c->b;
	struct json_object	*o, *v;
	struct evbuffer		*in;
	const char		*loc, *id;

	if (c->step == 1) {
		c->step = 0;
		if (st != 200)
			return;
		in = evhttp_request_get_input_buffer(req);
		evbuffer_add(in, "", 1);
		o = json_tokener_parse((char *)evbuffer_pullup(in, -1));
		v = json_object_array_get_idx(json_object_object_get(o,
		    "Resources"), 0);
		if ((v = json_object_object_get(v, "id")) != NULL)
			fprintf(b->idout, "%s\n", json_object_get_string(v));
		json_object_put(o);
		return;
	}
	if (st == 409)
		c->step = 1;
	else if (st == 201 && (loc = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Location")) != NULL &&
	    (id = strrchr(loc, '/')) != NULL)
		fprintf(b->idout, "%s\n", id + 1);
}

static void
on_reply(struct evhttp_request *req, void *arg)
{
	struct conn	*c = arg;
	struct bench	*b = c->b;
	uint64_t	 now = now_us();
	int		 st, bad;

	st = req != NULL ? evhttp_request_get_response_code(req) : 0;
	bad = st != c->expect && st != c->expect2;
	b->t_last = now;
	if (st == 409)
		b->n409++;
	if (bad) {
		b->nerr_all++;
		b->last_bad = st;
		if (b->nerr_all <= 3 && !b->quiet) {
			struct evbuffer *in = req ?
			    evhttp_request_get_input_buffer(req) : NULL;
			size_t len = in ? evbuffer_get_length(in) : 0;

			fprintf(stderr, "scimbench: status %d: %.*s\n", st,
			    (int)(len > 300 ? 300 : len),
			    in ? (char *)evbuffer_pullup(in, -1) : "");
		}
	}
	if (b->measuring && !b->stopping) {
		b->nreq++;
		if (bad)
			b->nerr++;
		samples_add(&b->lat, now - c->t0);
	}
	b->done++;
	if (b->sc == SC_POPULATE && b->idout != NULL && req != NULL)
		populate_id(c, req, st);
	if (b->sc == SC_SYNC) {
		/* a lookup that found nothing is followed by the create */
		c->step = c->step == 0 && !bad ? 1 : 0;
	}
	if (b->sc == SC_MEMBERS) {
		members_done(c, now);
		return;
	}
	if (st == 0 && !b->stopping) {
		/* connection failed: do not spin */
		struct timeval tv = { 0, 10000 };

		evtimer_add(c->retry, &tv);
		return;
	}
	issue(c);
}

static int
timed(enum scenario sc)
{
	return (sc != SC_POPULATE && sc != SC_SYNC);
}

static void
tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct bench	*b = arg;
	uint64_t	 now = now_us();
	long		 rss, anon;

	proc_rss(b->pid, &rss, &anon);
	if (anon > b->anon_peak)
		b->anon_peak = anon;
	if (rss > b->rss_peak)
		b->rss_peak = rss;
	if (!timed(b->sc))
		return;
	if (!b->measuring && now >= b->t_begin + (uint64_t)(b->warmup *
	    1e6)) {
		b->measuring = 1;
		b->t_measure = now;
		usage_snapshot(b, 0);
		if (b->sc == SC_MEMBERS)
			b->mcount_phase = 0;	/* the phase began earlier */
	}
	if (b->measuring && !b->stopping && now >= b->t_measure +
	    (uint64_t)(b->duration * 1e6)) {
		b->stopping = 1;
		b->t_stop = now;
		usage_snapshot(b, 1);
	}
}

static void
run(struct bench *b)
{
	struct timeval	tv = { 0, 10000 };
	int		i;

	b->conns = calloc((size_t)b->nconns, sizeof(*b->conns));
	if (b->conns == NULL)
		die("out of memory");
	b->tick = event_new(b->base, -1, EV_PERSIST, tick_cb, b);
	event_add(b->tick, &tv);
	b->t_begin = now_us();
	if (!timed(b->sc)) {
		b->measuring = 1;
		b->t_measure = b->t_begin;
		usage_snapshot(b, 0);
	}
	if (b->sc == SC_MEMBERS) {
		b->mbody = xmalloc(256 + b->batch * 64);
		b->mleft = members_batches(b);
		b->mphase_t0 = b->t_begin;
	}
	b->active = b->nconns;
	for (i = 0; i < b->nconns; i++) {
		struct conn *c = &b->conns[i];

		c->b = b;
		c->busy = 1;
		c->rng = b->seed * 1000003 + (uint64_t)i;
		c->evcon = new_evcon(b);
		c->retry = evtimer_new(b->base, retry_cb, c);
	}
	for (i = 0; i < b->nconns; i++)
		issue(&b->conns[i]);
	if (b->active > 0)
		event_base_dispatch(b->base);
	if (!timed(b->sc)) {
		b->t_stop = b->t_last > b->t_begin ? b->t_last : now_us();
		usage_snapshot(b, 1);
	}
	event_del(b->tick);
	event_free(b->tick);
	for (i = 0; i < b->nconns; i++) {
		event_free(b->conns[i].retry);
		evhttp_connection_free(b->conns[i].evcon);
	}
	free(b->conns);
	free(b->mbody);
}

/* ---- members set-up ---------------------------------------------------- */

static void
members_setup(struct bench *b)
{
	struct evhttp_connection	*evcon = new_evcon(b);
	struct json_object		*o = NULL, *v;
	char				 name[64], flt[400], enc[800];
	char				 path[1200], *body;
	uint64_t			 i, k, t0;
	size_t				 cap, len;
	int				 st;

	snprintf(name, sizeof(name), "bench-group-%" PRIu64, b->count);
	snprintf(flt, sizeof(flt), "displayName eq \"%s\"", name);
	urlenc(enc, sizeof(enc), flt);
	snprintf(path, sizeof(path), "%s/Groups?filter=%s&attributes=id",
	    b->prefix, enc);
	if (http_sync(b, evcon, EVHTTP_REQ_GET, path, NULL, &o) != 200 ||
	    o == NULL)
		die("group lookup failed");
	v = json_object_object_get(o, "Resources");
	if (v != NULL && json_object_array_length(v) > 0) {
		snprintf(b->gid, sizeof(b->gid), "%s", json_object_get_string(
		    json_object_object_get(json_object_array_get_idx(v, 0),
		    "id")));
	} else {
		char gb[256];

		json_object_put(o);
		o = NULL;
		snprintf(gb, sizeof(gb), "{\"schemas\":[\"" CORE_GROUP "\"],"
		    "\"displayName\":\"%s\"}", name);
		snprintf(path, sizeof(path), "%s/Groups", b->prefix);
		if (http_sync(b, evcon, EVHTTP_REQ_POST, path, gb, &o) !=
		    201 || o == NULL)
			die("group create failed");
		snprintf(b->gid, sizeof(b->gid), "%s", json_object_get_string(
		    json_object_object_get(o, "id")));
	}
	json_object_put(o);
	o = NULL;

	/* filled?  the last of its members is in the members index */
	snprintf(flt, sizeof(flt), "displayName eq \"%s\" and members.value "
	    "eq \"%s\"", name, id_at(b, b->count - 1));
	urlenc(enc, sizeof(enc), flt);
	snprintf(path, sizeof(path), "%s/Groups?filter=%s&attributes=id",
	    b->prefix, enc);
	if (http_sync(b, evcon, EVHTTP_REQ_GET, path, NULL, &o) != 200 ||
	    o == NULL)
		die("group lookup failed");
	v = json_object_object_get(o, "totalResults");
	st = v != NULL ? json_object_get_int(v) : 0;
	json_object_put(o);
	if (st == 0) {
		cap = 256 + PAGE * 64;
		body = xmalloc(cap);
		t0 = now_us();
		snprintf(path, sizeof(path), "%s/Groups/%s", b->prefix,
		    b->gid);
		for (i = 0; i < b->count; i += PAGE) {
			len = (size_t)snprintf(body, cap, "{\"schemas\":[\""
			    PATCHOP "\"],\"Operations\":[{\"op\":\"add\","
			    "\"path\":\"members\",\"value\":[");
			for (k = i; k < i + PAGE && k < b->count; k++)
				len += (size_t)snprintf(body + len, cap - len,
				    "%s{\"value\":\"%s\"}", k > i ? "," : "",
				    id_at(b, k));
			snprintf(body + len, cap - len, "]}]}");
			if ((st = http_sync(b, evcon, EVHTTP_REQ_PATCH, path,
			    body, NULL)) / 100 != 2)
				die("filling the group failed: %d", st);
		}
		free(body);
		printf("members-fill: %" PRIu64 " members in %.2f s "
		    "(batches of %d)\n", b->count, (now_us() - t0) / 1e6,
		    PAGE);
	}
	evhttp_connection_free(evcon);
}

/* ---- output ---------------------------------------------------------- */

static void
report(struct bench *b)
{
	double		 secs = (b->t_stop - b->t_measure) / 1e6;
	double		 rps = secs > 0 ? b->nreq / secs : 0;
	double		 wall = (b->srv_t1 - b->srv_t0) / 1e6;
	double		 srv = -1, cli = -1, us_req = -1, db = -1, db_req = -1;
	double		 wb_req = -1;
	long long	 mdb = mdb_size(b->datadir);

	if (wall > 0 && b->srv_cpu0 >= 0 && b->srv_cpu1 >= 0)
		srv = 100.0 * (b->srv_cpu1 - b->srv_cpu0) / wall;
	if (wall > 0)
		cli = 100.0 * (b->cli_cpu1 - b->cli_cpu0) / wall;
	/* CPU per request: what the rate would be on a core of its own */
	if (srv >= 0 && b->nreq > 0)
		us_req = 1e6 * (b->srv_cpu1 - b->srv_cpu0) / (double)b->nreq;
	if (b->srv_wb0 >= 0 && b->srv_wb1 >= b->srv_wb0 && b->nreq > 0)
		wb_req = (double)(b->srv_wb1 - b->srv_wb0) / (double)b->nreq;
	if (wall > 0 && b->db_cpu0 >= 0 && b->db_cpu1 >= b->db_cpu0) {
		db = 100.0 * (b->db_cpu1 - b->db_cpu0) / wall;
		if (b->nreq > 0)
			db_req = 1e6 * (b->db_cpu1 - b->db_cpu0) /
			    (double)b->nreq;
	}
	qsort(b->lat.s_v, b->lat.s_n, sizeof(uint32_t), cmp_u32);
	qsort(b->madd.s_v, b->madd.s_n, sizeof(uint32_t), cmp_u32);
	qsort(b->mrem.s_v, b->mrem.s_n, sizeof(uint32_t), cmp_u32);

	printf("%s: %d conns, %.1f s: %" PRIu64 " requests, %" PRIu64
	    " errors, %.0f req/s\n", scen_names[b->sc], b->nconns, secs,
	    b->nreq, b->nerr, rps);
	printf("  latency ms: p50 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
	    quantile_ms(&b->lat, 0.5), quantile_ms(&b->lat, 0.99),
	    quantile_ms(&b->lat, 0.999), quantile_ms(&b->lat, 1.0));
	if (b->sc == SC_POPULATE || b->sc == SC_SYNC)
		printf("  %" PRIu64 " users in %.2f s: %.0f users/s (%" PRIu64
		    " already existed)\n", b->sc == SC_SYNC ? b->count :
		    b->npop, secs, secs > 0 ? (b->sc == SC_SYNC ? b->count :
		    b->npop) / secs : 0, b->n409);
	if (b->sc == SC_MEMBERS)
		printf("  group of %" PRIu64 ": %" PRIu64 " members added in "
		    "%.1f ms, removed in %.1f ms (median of %zu cycles, "
		    "%" PRIu64 " per PATCH)\n", b->count, b->churn,
		    quantile_ms(&b->madd, 0.5), quantile_ms(&b->mrem, 0.5),
		    b->mrem.s_n, b->batch);
	printf("  scimd: VmRSS %ld -> %ld kB, RssAnon %ld -> %ld kB "
	    "(peak %ld), CPU %.0f%% (%.0f us/request); scimbench CPU %.0f%%; "
	    "data.mdb %lld bytes\n", b->rss0, b->rss1, b->anon0, b->anon1,
	    b->anon_peak, srv, us_req, cli, mdb);
	if (wb_req > 0)
		printf("  scimd wrote %.0f bytes a request to the disk\n",
		    wb_req);
	if (b->dbpid > 0)
		printf("  database server: CPU %.0f%% (%.0f us/request)\n",
		    db, db_req);
	if (b->nerr_all > 0)
		printf("  unexpected statuses: %" PRIu64 " (e.g. %d)\n",
		    b->nerr_all, b->last_bad);

	printf("{\"scenario\":\"%s\",\"conns\":%d,\"seconds\":%.3f,"
	    "\"population\":%" PRIu64 ",\"requests\":%" PRIu64 ","
	    "\"errors\":%" PRIu64 ",\"rps\":%.1f,\"p50_ms\":%.3f,"
	    "\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f",
	    scen_names[b->sc], b->nconns, secs, b->npop, b->nreq, b->nerr,
	    rps, quantile_ms(&b->lat, 0.5), quantile_ms(&b->lat, 0.99),
	    quantile_ms(&b->lat, 0.999), quantile_ms(&b->lat, 1.0));
	if (b->sc == SC_POPULATE || b->sc == SC_SYNC)
		printf(",\"users\":%" PRIu64 ",\"users_per_s\":%.1f,"
		    "\"existed\":%" PRIu64, b->sc == SC_SYNC ? b->count :
		    b->npop, secs > 0 ? (b->sc == SC_SYNC ? b->count :
		    b->npop) / secs : 0, b->n409);
	if (b->sc == SC_CREATE)
		printf(",\"users_per_s\":%.1f", rps);
	if (b->sc == SC_MEMBERS)
		printf(",\"group_members\":%" PRIu64 ",\"churn\":%" PRIu64
		    ",\"batch\":%" PRIu64 ",\"cycles\":%zu,\"add_ms\":%.1f,"
		    "\"remove_ms\":%.1f", b->count, b->churn, b->batch,
		    b->mrem.s_n, quantile_ms(&b->madd, 0.5),
		    quantile_ms(&b->mrem, 0.5));
	printf(",\"rss_kb\":%ld,\"rss_anon_start_kb\":%ld,"
	    "\"rss_anon_kb\":%ld,\"rss_anon_peak_kb\":%ld,"
	    "\"srv_cpu_pct\":%.1f,\"srv_us_per_req\":%.1f,"
	    "\"cli_cpu_pct\":%.1f,\"mdb_bytes\":%lld",
	    b->rss1, b->anon0, b->anon1, b->anon_peak, srv, us_req, cli, mdb);
	if (wb_req >= 0)
		printf(",\"srv_disk_bytes_per_req\":%.0f", wb_req);
	if (b->dbpid > 0)
		printf(",\"db_cpu_pct\":%.1f,\"db_us_per_req\":%.1f", db,
		    db_req);
	printf("}\n");
	fflush(stdout);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: scimbench -u URL -t TOKEN [-s scenario] [-c conns] "
	    "[-d seconds] [-w warmup]\n"
	    "                 [-n population] [-m count] [-k churn] "
	    "[-b batch] [-S seed]\n"
	    "                 [-f idfile] [-p scimd-pid] [-D data-dir] "
	    "[-P postmaster-pid]\n"
	    "                 [-r tag] [-q]\n"
	    "       scimbench -L count [-S seed]   (import lines on stdout)\n"
	    "scenarios: populate static filter filter-email filter-ext get "
	    "patch create\n"
	    "           sync members ids\n");
	exit(2);
}

static uint64_t
num(const char *s, const char *what)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0)
		die("%s: not a number: %s", what, s);
	return ((uint64_t)v);
}

int
main(int argc, char *argv[])
{
	struct bench		 b;
	struct evhttp_uri	*uri;
	const char		*url = NULL, *token = NULL, *p, *sname = "static";
	uint64_t		 nlines = 0;
	size_t			 i, alen;
	int			 ch;

	memset(&b, 0, sizeof(b));
	b.nconns = 32;
	b.duration = 10;
	b.warmup = 1;
	b.npop = 10000;
	b.churn = 1000;
	b.batch = 1;
	b.seed = 1;
	while ((ch = getopt(argc, argv, "b:c:D:d:f:k:L:m:n:P:p:qr:S:s:t:u:w:"))
	    != -1) {
		switch (ch) {
		case 'L': nlines = num(optarg, "-L"); break;
		case 'b': b.batch = num(optarg, "-b"); break;
		case 'c': b.nconns = (int)num(optarg, "-c"); break;
		case 'D': b.datadir = optarg; break;
		case 'd': b.duration = atof(optarg); break;
		case 'f': b.idfile = optarg; break;
		case 'k': b.churn = num(optarg, "-k"); break;
		case 'm': b.count = num(optarg, "-m"); break;
		case 'n': b.npop = num(optarg, "-n"); break;
		case 'P': b.dbpid = (pid_t)num(optarg, "-P"); break;
		case 'p': b.pid = (pid_t)num(optarg, "-p"); break;
		case 'q': b.quiet = 1; break;
		case 'r': snprintf(b.tag, sizeof(b.tag), "%s", optarg); break;
		case 'S': b.seed = num(optarg, "-S"); break;
		case 's': sname = optarg; break;
		case 't': token = optarg; break;
		case 'u': url = optarg; break;
		case 'w': b.warmup = atof(optarg); break;
		default: usage();
		}
	}
	if (nlines > 0 && optind == argc) {
		write_lines(nlines, b.seed);
		return (0);
	}
	if (optind != argc || url == NULL || token == NULL)
		usage();
	for (i = 0; i < sizeof(scen_names) / sizeof(scen_names[0]); i++)
		if (strcmp(sname, scen_names[i]) == 0)
			break;
	if (i == sizeof(scen_names) / sizeof(scen_names[0]))
		usage();
	b.sc = (enum scenario)i;
	if (b.nconns < 1 || b.nconns > MAX_CONNS || b.duration <= 0 ||
	    b.warmup < 0 || b.batch < 1 || b.churn < 1)
		die("bad -c, -d, -w, -b or -k");
	if (b.count == 0)
		b.count = b.sc == SC_MEMBERS ? b.npop - b.churn : b.npop;
	if (b.tag[0] == '\0')
		snprintf(b.tag, sizeof(b.tag), "%lx%x",
		    (unsigned long)time(NULL), (unsigned)getpid());

	if ((uri = evhttp_uri_parse(url)) == NULL ||
	    (p = evhttp_uri_get_host(uri)) == NULL)
		die("bad URL %s", url);
	if (strcmp(evhttp_uri_get_scheme(uri) ? evhttp_uri_get_scheme(uri) :
	    "", "http") != 0)
		die("%s: only http:// URLs", url);
	snprintf(b.host, sizeof(b.host), "%s", p);
	b.port = evhttp_uri_get_port(uri) > 0 ? evhttp_uri_get_port(uri) : 80;
	p = evhttp_uri_get_path(uri);
	snprintf(b.prefix, sizeof(b.prefix), "%s", p != NULL ? p : "");
	alen = strlen(b.prefix);
	while (alen > 0 && b.prefix[alen - 1] == '/')
		b.prefix[--alen] = '\0';
	snprintf(b.hosthdr, sizeof(b.hosthdr), "%s:%d", b.host, b.port);
	evhttp_uri_free(uri);
	alen = strlen(token) + 8;
	b.auth = xmalloc(alen);
	snprintf(b.auth, alen, "Bearer %s", token);

	if ((b.base = event_base_new()) == NULL)
		die("event_base_new");
	if (b.sc == SC_GET || b.sc == SC_PATCH || b.sc == SC_IDS)
		ids_load(&b, 1);
	if (b.sc == SC_MEMBERS) {
		if (b.count < 1)
			die("members: -n must exceed -k");
		ids_load(&b, b.count + b.churn);
		members_setup(&b);
	}
	if (b.sc == SC_POPULATE && b.idfile != NULL &&
	    (b.idout = fopen(b.idfile, "w")) == NULL)
		die("%s: %s", b.idfile, strerror(errno));
	if (b.sc != SC_IDS) {
		run(&b);
		report(&b);
	}
	if (b.idout != NULL && fclose(b.idout) != 0)
		die("%s: %s", b.idfile, strerror(errno));
	event_base_free(b.base);
	free(b.lat.s_v);
	free(b.madd.s_v);
	free(b.mrem.s_v);
	free(b.idbuf);
	free(b.idoff);
	free(b.auth);
	return (b.nerr_all > 0 && b.sc != SC_POPULATE ? 1 : 0);
}
