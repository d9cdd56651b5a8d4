/*
 * scimd.conf reader.  Every key is one row of the CONFIG_TABLE below: its
 * name, type, place in struct scimd_config, range and default.  Defaults are
 * written as the text a user would put in the file and go through the same
 * parser, so the table is the only place a default lives.  config_keys[] is
 * generated from the same rows, so it cannot drift either.
 *
 * Syntax, one setting per line:
 *	key = value		# trailing comment after whitespace
 *	key = "quoted # value"	# \" and \\ are the only escapes
 * Blank lines and lines starting with '#' are ignored.  Lines are at most
 * CF_LINE_MAX bytes.  Any bad line is reported as "file:line: message" and
 * reading goes on, so one run shows every mistake.
 */
#include "scimd.h"

#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "log.h"
#include "util.h"

#define CF_LINE_MAX	8192		/* bytes per line, no newline */
#define CF_FILE_MAX	(1024 * 1024)	/* far above any real file */

#define KB		(1024LL)
#define MB		(1024LL * KB)
#define GB		(1024LL * MB)

enum cf_type {
	CF_STR,		/* char *, non-empty */
	CF_URL,		/* char *, http(s)://, trailing '/' removed */
	CF_BOOL,	/* int 0/1: yes/no, true/false, on/off */
	CF_INT,		/* int in [min, max] */
	CF_COUNT,	/* size_t in [min, max], plain integer */
	CF_SIZE,	/* size_t bytes in [min, max], K/M/G suffix */
	CF_SECS,	/* int seconds in [min, max], s/m/h suffix */
	CF_RATE,	/* double, plain decimal in [min, max] */
	CF_ENUM,	/* int, one of k_enum */
	CF_LISTEN	/* HOST:PORT into cf_listen_host, cf_listen_port */
};

#define CF_SECRET	0x01	/* warn if set in a world-readable file */
#define CF_RESTART	0x02	/* SIGHUP cannot apply it: reported, kept */

struct cf_enum {
	const char	*e_name;
	int		 e_value;
};

struct cf_key {
	const char		*k_name;
	enum cf_type		 k_type;
	size_t			 k_off;
	long long		 k_min;
	long long		 k_max;
	const char		*k_def;	/* default text, or NULL */
	const struct cf_enum	*k_enum;
	int			 k_flags;
};

static const struct cf_enum cf_log_levels[] = {
	{ "error",	LOG_LVL_ERROR },
	{ "warn",	LOG_LVL_WARN },
	{ "info",	LOG_LVL_INFO },
	{ "debug",	LOG_LVL_DEBUG },
	{ NULL,		0 }
};

static const struct cf_enum cf_patch_status[] = {
	{ "200",	200 },
	{ "204",	204 },
	{ NULL,		0 }
};

static const struct cf_enum cf_metrics_allow[] = {
	{ "any",	CONFIG_METRICS_ANY },
	{ "loopback",	CONFIG_METRICS_LOOPBACK },
	{ "off",	CONFIG_METRICS_OFF },
	{ NULL,		0 }
};

static const struct cf_enum cf_console[] = {
	{ "auto",	CONFIG_CONSOLE_AUTO },
	{ "on",		CONFIG_CONSOLE_ON },
	{ "off",	CONFIG_CONSOLE_OFF },
	{ NULL,		0 }
};

static const struct cf_enum cf_durability[] = {
	{ "full",	CONFIG_DURABLE_FULL },
	{ "nometasync",	CONFIG_DURABLE_NOMETASYNC },
	{ "nosync",	CONFIG_DURABLE_NOSYNC },
	{ NULL,		0 }
};

#define OFF(f)	offsetof(struct scimd_config, f)

/*
 * One row per key, sorted by name (bsearch; test_config checks the order).
 * X(name, type, offset, min, max, default, enum, flags)
 */
#define CONFIG_TABLE(X)							\
	X("access_log", CF_BOOL, OFF(cf_access_log), 0, 1, "yes", NULL, 0) \
	X("allow_plaintext", CF_BOOL, OFF(cf_allow_plaintext), 0, 1,	\
	    "no", NULL, CF_RESTART)					\
	X("audit_max_records", CF_COUNT, OFF(cf_audit_max), 0,		\
	    1000000000000LL, "0", NULL, 0)				\
	X("audit_retention_days", CF_INT, OFF(cf_audit_days), 0, 36500,	\
	    "30", NULL, 0)						\
	X("base_url", CF_URL, OFF(cf_base_url), 0, 0, NULL, NULL, 0)	\
	X("bulk_max_operations", CF_COUNT, OFF(cf_bulk_max_ops), 1,	\
	    100000, "1000", NULL, 0)					\
	X("bulk_max_payload", CF_SIZE, OFF(cf_bulk_max_payload), KB,	\
	    GB, "1M", NULL, 0)						\
	X("commit_batch_max", CF_INT, OFF(cf_commit_max), 1, 65536,	\
	    "256", NULL, CF_RESTART)					\
	X("console", CF_ENUM, OFF(cf_console), 0, 0, "auto", cf_console, \
	    0)								\
	X("data_dir", CF_STR, OFF(cf_data_dir), 0, 0, "./data", NULL,	\
	    CF_RESTART)							\
	X("database", CF_STR, OFF(cf_database), 0, 0, NULL, NULL,	\
	    CF_SECRET | CF_RESTART)					\
	X("database_pool", CF_INT, OFF(cf_database_pool), 2, 64, "4",	\
	    NULL, CF_RESTART)						\
	X("database_timeout", CF_SECS, OFF(cf_database_timeout), 1,	\
	    300, "5s", NULL, CF_RESTART)				\
	X("durability", CF_ENUM, OFF(cf_durability), 0, 0, "full",	\
	    cf_durability, CF_RESTART)					\
	X("event_retention", CF_SECS, OFF(cf_event_retention), 0,	\
	    87600 * 3600LL, "168h", NULL, 0)				\
	X("filter_max_depth", CF_INT, OFF(cf_filter.fl_max_depth), 1,	\
	    256, "16", NULL, 0)						\
	X("filter_max_length", CF_COUNT, OFF(cf_filter.fl_max_len), 1,	\
	    MB, "4096", NULL, 0)					\
	X("filter_max_terms", CF_INT, OFF(cf_filter.fl_max_terms), 1,	\
	    10000, "64", NULL, 0)					\
	X("json_max_depth", CF_INT, OFF(cf_json_depth), 2, 1000, "32",	\
	    NULL, 0)							\
	X("listen", CF_LISTEN, 0, 0, 0, "127.0.0.1:8080", NULL,	\
	    CF_RESTART)							\
	X("log_level", CF_ENUM, OFF(cf_log_level), 0, 0, "info",	\
	    cf_log_levels, 0)						\
	X("map_size", CF_SIZE, OFF(cf_map_size), MB, 1024 * GB, "4G",	\
	    NULL, CF_RESTART)						\
	X("max_body", CF_SIZE, OFF(cf_max_body), KB, GB, "1M", NULL, 0)	\
	X("max_connections", CF_INT, OFF(cf_max_connections), 1,	\
	    1000000, "1024", NULL, CF_RESTART)				\
	X("max_headers", CF_SIZE, OFF(cf_max_headers), KB, MB, "16K",	\
	    NULL, 0)							\
	X("max_page_size", CF_INT, OFF(cf_max_page_size), 1, 1000000,	\
	    "1000", NULL, 0)						\
	X("max_patch_operations", CF_COUNT, OFF(cf_max_patch_ops), 1,	\
	    100000, "1000", NULL, 0)					\
	X("max_url", CF_SIZE, OFF(cf_max_url), 256, MB, "8K", NULL, 0)	\
	X("metrics_allow", CF_ENUM, OFF(cf_metrics_allow), 0, 0,	\
	    "loopback", cf_metrics_allow, 0)				\
	X("oauth_token_lifetime", CF_SECS, OFF(cf_oauth_lifetime), 1,	\
	    21600, "1h", NULL, 0)					\
	X("page_size", CF_INT, OFF(cf_page_size), 1, 1000000, "100",	\
	    NULL, 0)							\
	X("rate_burst", CF_INT, OFF(cf_rate_burst), 1, 1000000, "100",	\
	    NULL, 0)							\
	X("rate_limit", CF_RATE, OFF(cf_rate), 0, 1000000, "0", NULL, 0) \
	X("shutdown_timeout", CF_SECS, OFF(cf_shutdown_timeout), 0,	\
	    3600, "10s", NULL, 0)					\
	X("timeout", CF_SECS, OFF(cf_timeout), 1, 86400, "60s", NULL, 0) \
	X("tls_cert", CF_STR, OFF(cf_tls_cert), 0, 0, NULL, NULL,	\
	    CF_RESTART)							\
	X("tls_key", CF_STR, OFF(cf_tls_key), 0, 0, NULL, NULL,	\
	    CF_SECRET | CF_RESTART)					\
	X("user", CF_STR, OFF(cf_user), 0, 0, NULL, NULL, CF_RESTART)	\
	X("user_patch_status", CF_ENUM, OFF(cf_patch_status), 0, 0,	\
	    "200", cf_patch_status, 0)					\
	X("webhook_allow_http", CF_BOOL, OFF(cf_webhook_allow_http), 0, \
	    1, "no", NULL, 0)						\
	X("webhook_concurrency", CF_INT, OFF(cf_webhook_concurrency), 1, \
	    256, "16", NULL, 0)						\
	X("webhook_retry_for", CF_SECS, OFF(cf_webhook_retry_for), 1,	\
	    365 * 86400LL, "72h", NULL, 0)				\
	X("webhook_timeout", CF_SECS, OFF(cf_webhook_timeout), 1, 300,	\
	    "10s", NULL, 0)

#define CF_ROW(n, t, o, lo, hi, d, e, f)	{ n, t, o, lo, hi, d, e, f },
#define CF_NAME(n, t, o, lo, hi, d, e, f)	n,

static const struct cf_key cf_keys[] = {
	CONFIG_TABLE(CF_ROW)
};

const char *const config_keys[] = {
	CONFIG_TABLE(CF_NAME)
	NULL
};

#define CF_NKEYS	(sizeof(cf_keys) / sizeof(cf_keys[0]))

/* State of one parse, for messages and duplicate detection. */
struct cf_parse {
	const char		*p_name;
	int			 p_line;
	int			 p_errors;
	unsigned char		 p_seen[CF_NKEYS];
	struct scimd_config	*p_conf;
};

static void	cf_error(struct cf_parse *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
cf_error(struct cf_parse *p, const char *fmt, ...)
{
	va_list	ap;
	char	msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->p_line > 0)
		log_warnx("%s:%d: %s", p->p_name, p->p_line, msg);
	else
		log_warnx("%s: %s", p->p_name, msg);
	p->p_errors++;
}

static int
cf_keycmp(const void *a, const void *b)
{
	const struct cf_key	*k = b;

	return (strcmp(a, k->k_name));
}

static const struct cf_key *
cf_lookup(const char *name)
{
	return (bsearch(name, cf_keys, CF_NKEYS, sizeof(cf_keys[0]),
	    cf_keycmp));
}

/* Unsigned decimal digits only (no sign, no spaces, which strtoll allows). */
static int
cf_number(const char *s, const char **endp, long long *out)
{
	long long	v = 0;

	if (*s < '0' || *s > '9')
		return (-1);
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (LLONG_MAX - (*s - '0')) / 10)
			return (-1);
		v = v * 10 + (*s - '0');
	}
	*endp = s;
	*out = v;
	return (0);
}

/* Number with an optional one-letter unit from units/mult. */
static int
cf_scaled(const char *s, const char *units, const long long *mult,
    long long *out)
{
	const char	*end, *u;
	long long	 v;

	if (cf_number(s, &end, &v) == -1)
		return (-1);
	if (*end != '\0') {
		if (end[1] != '\0' ||
		    (u = strchr(units, end[0] | 0x20)) == NULL || *u == '\0')
			return (-1);
		if (v > LLONG_MAX / mult[u - units])
			return (-1);
		v *= mult[u - units];
	}
	*out = v;
	return (0);
}

/* Decimal "12" or "0.5": strtod would also take hex, inf, nan and locales. */
static int
cf_decimal(const char *s, double *out)
{
	const char	*end;
	long long	 ip;
	double		 v, scale = 0.1;

	if (cf_number(s, &end, &ip) == -1)
		return (-1);
	v = (double)ip;
	if (*end == '.') {
		if (end[1] < '0' || end[1] > '9')
			return (-1);
		for (end++; *end >= '0' && *end <= '9'; end++) {
			v += (*end - '0') * scale;
			scale /= 10;
		}
	}
	if (*end != '\0')
		return (-1);
	*out = v;
	return (0);
}

static int
cf_hostchars(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '.'))
			return (0);
	return (1);
}

/* "host:port", "[v6]:port"; the stored host has no brackets. */
static int
cf_listen(struct cf_parse *p, const char *v)
{
	struct in6_addr		 a6;
	struct scimd_config	*c = p->p_conf;
	const char		*colon, *end;
	char			 host[256];
	long long		 port;
	size_t			 hlen;

	if (v[0] == '[') {
		if ((colon = strchr(v, ']')) == NULL || colon[1] != ':') {
			cf_error(p, "listen: expected [IPv6]:PORT");
			return (-1);
		}
		hlen = colon - v - 1;
		colon++;
		if (hlen == 0 || hlen >= sizeof(host)) {
			cf_error(p, "listen: bad IPv6 address");
			return (-1);
		}
		memcpy(host, v + 1, hlen);
		host[hlen] = '\0';
		if (inet_pton(AF_INET6, host, &a6) != 1) {
			cf_error(p, "listen: bad IPv6 address");
			return (-1);
		}
	} else {
		if ((colon = strrchr(v, ':')) == NULL) {
			cf_error(p, "listen: expected HOST:PORT");
			return (-1);
		}
		hlen = colon - v;
		if (memchr(v, ':', hlen) != NULL) {
			cf_error(p, "listen: IPv6 address must be in "
			    "brackets, as [::1]:8080");
			return (-1);
		}
		if (hlen == 0 || hlen >= sizeof(host)) {
			cf_error(p, "listen: missing or too long host");
			return (-1);
		}
		memcpy(host, v, hlen);
		host[hlen] = '\0';
		if (!cf_hostchars(host)) {
			cf_error(p, "listen: bad host name");
			return (-1);
		}
	}
	/* Port 0 lets the kernel choose, which the tests use. */
	if (cf_number(colon + 1, &end, &port) == -1 || *end != '\0' ||
	    port > 65535) {
		cf_error(p, "listen: port must be 0..65535");
		return (-1);
	}
	free(c->cf_listen_host);
	c->cf_listen_host = xstrdup(host);
	c->cf_listen_port = (int)port;
	return (0);
}

/* CF_STR and CF_URL: a copy of v (a URL without its trailing '/'). */
static int
cf_set_str(struct cf_parse *p, const struct cf_key *k, const char *v,
    const char *esc)
{
	char	**sp = (char **)((char *)p->p_conf + k->k_off);
	size_t	  len;

	if (k->k_type == CF_URL && strncmp(v, "http://", 7) != 0 &&
	    strncmp(v, "https://", 8) != 0) {
		cf_error(p, "%s: \"%s\" must start with http:// or https://",
		    k->k_name, esc);
		return (-1);
	}
	free(*sp);
	*sp = xstrdup(v);
	/* Locations are built as base_url + "/Users/..." */
	len = strlen(*sp);
	while (k->k_type == CF_URL && len > 8 && (*sp)[len - 1] == '/')
		(*sp)[--len] = '\0';
	return (0);
}

/* CF_BOOL and CF_ENUM: an int from a table of names. */
static int
cf_set_choice(struct cf_parse *p, const struct cf_key *k, const char *v,
    const char *esc)
{
	static const struct cf_enum	 bools[] = {
		{ "yes", 1 }, { "true", 1 }, { "on", 1 },
		{ "no", 0 }, { "false", 0 }, { "off", 0 },
		{ NULL, 0 }
	};
	const struct cf_enum		*e;

	for (e = k->k_type == CF_BOOL ? bools : k->k_enum; e->e_name != NULL;
	    e++)
		if (strcasecmp(v, e->e_name) == 0)
			break;
	if (e->e_name == NULL) {
		if (k->k_type == CF_BOOL)
			cf_error(p, "%s: \"%s\" is not yes or no", k->k_name,
			    esc);
		else
			cf_error(p, "%s: unknown value \"%s\"", k->k_name,
			    esc);
		return (-1);
	}
	/* enum config_durability is int-sized, as are the others */
	*(int *)((char *)p->p_conf + k->k_off) = e->e_value;
	return (0);
}

/* CF_RATE: a plain decimal. */
static int
cf_set_rate(struct cf_parse *p, const struct cf_key *k, const char *v,
    const char *esc)
{
	double	d;

	if (cf_decimal(v, &d) == -1) {
		cf_error(p, "%s: \"%s\" is not a decimal number", k->k_name,
		    esc);
		return (-1);
	}
	if (d < (double)k->k_min || d > (double)k->k_max) {
		cf_error(p, "%s: %s out of range %lld..%lld", k->k_name, esc,
		    k->k_min, k->k_max);
		return (-1);
	}
	*(double *)((char *)p->p_conf + k->k_off) = d;
	return (0);
}

/* CF_INT, CF_COUNT, CF_SIZE, CF_SECS: an integer, maybe with a unit. */
static int
cf_set_number(struct cf_parse *p, const struct cf_key *k, const char *v,
    const char *esc)
{
	static const long long	 size_mult[] = { KB, MB, GB };
	static const long long	 secs_mult[] = { 1, 60, 3600 };
	char			*base = (char *)p->p_conf;
	long long		 n;

	if ((k->k_type == CF_SIZE &&
	    cf_scaled(v, "kmg", size_mult, &n) == -1) ||
	    (k->k_type == CF_SECS &&
	    cf_scaled(v, "smh", secs_mult, &n) == -1) ||
	    ((k->k_type == CF_INT || k->k_type == CF_COUNT) &&
	    cf_scaled(v, "", NULL, &n) == -1)) {
		cf_error(p, "%s: \"%s\" is not %s", k->k_name, esc,
		    k->k_type == CF_SIZE ? "a size (like 512K, 4M or 1G)" :
		    k->k_type == CF_SECS ? "a duration (like 30s, 5m or 1h)" :
		    "a non-negative integer");
		return (-1);
	}
	if (n < k->k_min || n > k->k_max) {
		cf_error(p, "%s: %s out of range %lld..%lld", k->k_name, esc,
		    k->k_min, k->k_max);
		return (-1);
	}
	if (k->k_type == CF_INT || k->k_type == CF_SECS)
		*(int *)(base + k->k_off) = (int)n;
	else
		*(size_t *)(base + k->k_off) = (size_t)n;
	return (0);
}

/* Parse v for key k and store it; errors go through cf_error. */
static int
cf_set(struct cf_parse *p, const struct cf_key *k, const char *v)
{
	char	esc[128];

	log_escape(v, strlen(v), esc, sizeof(esc));
	switch (k->k_type) {
	case CF_STR:
	case CF_URL:
		return (cf_set_str(p, k, v, esc));
	case CF_BOOL:
	case CF_ENUM:
		return (cf_set_choice(p, k, v, esc));
	case CF_LISTEN:
		return (cf_listen(p, v));
	case CF_RATE:
		return (cf_set_rate(p, k, v, esc));
	case CF_INT:
	case CF_COUNT:
	case CF_SIZE:
	case CF_SECS:
		break;
	}
	return (cf_set_number(p, k, v, esc));
}

/*
 * Read a value starting at s into out (NUL-terminated): quoted with \" and
 * \\ escapes, or bare up to a '#' that follows whitespace.  Returns 0, or -1
 * after reporting the error.
 */
static int
cf_value(struct cf_parse *p, const char *key, const char *s, char *out)
{
	char	*o = out;

	if (*s == '"') {
		for (s++; *s != '"'; s++) {
			if (*s == '\0') {
				cf_error(p, "%s: missing closing quote", key);
				return (-1);
			}
			if (*s == '\\') {
				s++;
				if (*s != '"' && *s != '\\') {
					cf_error(p, "%s: only \\\" and \\\\ "
					    "may be escaped", key);
					return (-1);
				}
			}
			*o++ = *s;
		}
		for (s++; *s == ' ' || *s == '\t'; s++)
			;
		if (*s != '\0' && *s != '#') {
			cf_error(p, "%s: unexpected text after closing quote",
			    key);
			return (-1);
		}
	} else {
		for (; *s != '\0'; s++) {
			if (*s == '#' && o > out &&
			    (o[-1] == ' ' || o[-1] == '\t'))
				break;
			*o++ = *s;
		}
		while (o > out && (o[-1] == ' ' || o[-1] == '\t'))
			o--;
	}
	*o = '\0';
	if (*out == '\0') {
		cf_error(p, "%s: missing value", key);
		return (-1);
	}
	for (o = out; *o != '\0'; o++)
		if ((unsigned char)*o < 0x20 || *o == 0x7f) {
			cf_error(p, "%s: control character in value", key);
			return (-1);
		}
	return (0);
}

/* One line, NUL-terminated, without its newline. */
static void
cf_line(struct cf_parse *p, char *s)
{
	const struct cf_key	*k;
	char			*key, esc[128], val[CF_LINE_MAX + 1];
	size_t			 klen;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '#')
		return;
	key = s;
	while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '=')
		s++;
	klen = s - key;
	while (*s == ' ' || *s == '\t')
		s++;
	if (klen == 0) {
		cf_error(p, "missing key before \"=\"");
		return;
	}
	if (*s != '=') {
		log_escape(key, klen, esc, sizeof(esc));
		cf_error(p, "expected \"=\" after \"%s\"", esc);
		return;
	}
	key[klen] = '\0';
	log_escape(key, klen, esc, sizeof(esc));
	if ((k = cf_lookup(key)) == NULL) {
		cf_error(p, "unknown key \"%s\"", esc);
		return;
	}
	for (s++; *s == ' ' || *s == '\t'; s++)
		;
	if (cf_value(p, k->k_name, s, val) == -1)
		return;
	if (p->p_seen[k - cf_keys]) {
		cf_error(p, "%s: set more than once", k->k_name);
		return;
	}
	p->p_seen[k - cf_keys] = 1;
	(void)cf_set(p, k, val);
}

int
config_is_loopback(const char *host)
{
	struct in_addr	a4;
	struct in6_addr	a6;

	if (strcasecmp(host, "localhost") == 0)
		return (1);
	if (inet_pton(AF_INET, host, &a4) == 1)
		return ((ntohl(a4.s_addr) >> 24) == 127);
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return (IN6_IS_ADDR_LOOPBACK(&a6));
	return (0);
}

/* Rules that involve more than one key. */
static void
cf_check(struct cf_parse *p)
{
	struct scimd_config	*c = p->p_conf;

	p->p_line = 0;
	if (c->cf_page_size > c->cf_max_page_size)
		cf_error(p, "page_size %d exceeds max_page_size %d",
		    c->cf_page_size, c->cf_max_page_size);
	if ((c->cf_tls_cert == NULL) != (c->cf_tls_key == NULL))
		cf_error(p, "tls_cert and tls_key must be set together");
	/* A warning only: short lifetimes are for tests (security.sh). */
	if (c->cf_oauth_lifetime < 3600)
		log_warnx("%s: oauth_token_lifetime below 1h; Entra's gallery "
		    "validation expects 60 to 360 minutes", p->p_name);
	/* Tokens travel in clear without TLS: only on loopback by default. */
	if (c->cf_tls_cert == NULL && !c->cf_allow_plaintext &&
	    !config_is_loopback(c->cf_listen_host))
		cf_error(p, "listen: %s is not a loopback address; set "
		    "tls_cert and tls_key, or allow_plaintext = yes",
		    c->cf_listen_host);
}

static void
cf_parse(struct cf_parse *p, const char *buf, size_t len)
{
	const char	*nl;
	char		 line[CF_LINE_MAX + 1];
	size_t		 n;

	while (len > 0) {
		p->p_line++;
		if ((nl = memchr(buf, '\n', len)) != NULL)
			n = nl - buf;
		else
			n = len;
		if (n > 0 && buf[n - 1] == '\r')
			n--;
		if (n > CF_LINE_MAX)
			cf_error(p, "line longer than %d bytes", CF_LINE_MAX);
		else if (memchr(buf, '\0', n) != NULL)
			cf_error(p, "NUL byte in line");
		else {
			memcpy(line, buf, n);
			line[n] = '\0';
			cf_line(p, line);
		}
		n = nl != NULL ? (size_t)(nl - buf) + 1 : len;
		buf += n;
		len -= n;
	}
	cf_check(p);
}

void
config_defaults(struct scimd_config *c)
{
	struct cf_parse	p;
	size_t		i;

	memset(c, 0, sizeof(*c));
	memset(&p, 0, sizeof(p));
	p.p_name = "built-in defaults";
	p.p_conf = c;
	for (i = 0; i < CF_NKEYS; i++) {
		if (cf_keys[i].k_def == NULL)
			continue;
		if (cf_set(&p, &cf_keys[i], cf_keys[i].k_def) == -1)
			fatalx("%s: bad default for %s", __func__,
			    cf_keys[i].k_name);
	}
}

int
config_load_buf(const char *name, const char *buf, size_t len,
    struct scimd_config *c)
{
	struct cf_parse	p;

	config_defaults(c);
	if (name == NULL)
		name = "(buffer)";
	c->cf_file = xstrdup(name);
	memset(&p, 0, sizeof(p));
	p.p_name = name;
	p.p_conf = c;
	cf_parse(&p, buf, len);
	return (p.p_errors > 0 ? -1 : 0);
}

/* A libpq conninfo with a password in it (key=value or URL user:pw@). */
static int
conninfo_has_password(const char *ci)
{
	const char	*at, *colon;

	if (ci == NULL)
		return (0);
	if (strstr(ci, "password") != NULL)
		return (1);
	if ((at = strchr(ci, '@')) == NULL || strstr(ci, "://") == NULL)
		return (0);
	colon = strchr(strstr(ci, "://") + 3, ':');
	return (colon != NULL && colon < at);
}

int
config_load(const char *file, struct scimd_config *c)
{
	struct cf_parse	 p;
	struct stat	 st;
	FILE		*f;
	char		*buf;
	size_t		 len = 0, n, i;

	config_defaults(c);
	c->cf_file = xstrdup(file);
	if ((f = fopen(file, "r")) == NULL) {
		log_warn("%s", file);
		return (-1);
	}
	buf = xmalloc(CF_FILE_MAX + 1);
	while ((n = fread(buf + len, 1, CF_FILE_MAX + 1 - len, f)) > 0)
		len += n;
	if (ferror(f)) {
		log_warn("%s", file);
		goto fail;
	}
	if (len > CF_FILE_MAX) {
		log_warnx("%s: file larger than %d bytes", file, CF_FILE_MAX);
		goto fail;
	}
	memset(&p, 0, sizeof(p));
	p.p_name = file;
	p.p_conf = c;
	cf_parse(&p, buf, len);

	/* Warn, not fail: the file names secrets others should not read. */
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & S_IROTH))
		for (i = 0; i < CF_NKEYS; i++)
			if (p.p_seen[i] && (cf_keys[i].k_flags & CF_SECRET) &&
			    !(cf_keys[i].k_off == OFF(cf_database) &&
			    !conninfo_has_password(c->cf_database)))
				log_warnx("%s: file is world-readable and "
				    "sets %s", file, cf_keys[i].k_name);
	free(buf);
	fclose(f);
	return (p.p_errors > 0 ? -1 : 0);
 fail:
	free(buf);
	fclose(f);
	return (-1);
}

/* 1 when key k has the same value in a and b. */
static int
cf_same(const struct cf_key *k, const struct scimd_config *a,
    const struct scimd_config *b)
{
	const char	*pa = (const char *)a + k->k_off;
	const char	*pb = (const char *)b + k->k_off;
	const char	*sa, *sb;

	switch (k->k_type) {
	case CF_STR:
	case CF_URL:
		sa = *(char *const *)pa;
		sb = *(char *const *)pb;
		return (sa == sb || (sa != NULL && sb != NULL &&
		    strcmp(sa, sb) == 0));
	case CF_BOOL:
	case CF_INT:
	case CF_SECS:
	case CF_ENUM:
		return (*(const int *)pa == *(const int *)pb);
	case CF_COUNT:
	case CF_SIZE:
		return (*(const size_t *)pa == *(const size_t *)pb);
	case CF_RATE:
		return (*(const double *)pa == *(const double *)pb);
	case CF_LISTEN:
		return (a->cf_listen_port == b->cf_listen_port &&
		    strcmp(a->cf_listen_host, b->cf_listen_host) == 0);
	}
	return (0);
}

int
config_apply(struct scimd_config *cur, const struct scimd_config *next)
{
	const struct cf_key	*k;
	char			**sp;
	const char		*src;
	int			 applied = 0;

	for (k = cf_keys; k < cf_keys + CF_NKEYS; k++) {
		if (cf_same(k, cur, next))
			continue;
		if (k->k_flags & CF_RESTART) {
			log_warnx("key %s changed: restart to apply",
			    k->k_name);
			continue;
		}
		switch (k->k_type) {
		case CF_STR:
		case CF_URL:
			sp = (char **)((char *)cur + k->k_off);
			src = *(char *const *)((const char *)next + k->k_off);
			free(*sp);
			*sp = src != NULL ? xstrdup(src) : NULL;
			break;
		case CF_BOOL:
		case CF_INT:
		case CF_SECS:
		case CF_ENUM:
			*(int *)((char *)cur + k->k_off) =
			    *(const int *)((const char *)next + k->k_off);
			break;
		case CF_COUNT:
		case CF_SIZE:
			*(size_t *)((char *)cur + k->k_off) =
			    *(const size_t *)((const char *)next + k->k_off);
			break;
		case CF_RATE:
			*(double *)((char *)cur + k->k_off) =
			    *(const double *)((const char *)next + k->k_off);
			break;
		case CF_LISTEN:
			continue;	/* always CF_RESTART */
		}
		log_info("key %s changed: applied", k->k_name);
		applied++;
	}
	return (applied);
}

void
config_free(struct scimd_config *c)
{
	if (c == NULL)
		return;
	free(c->cf_file);
	free(c->cf_listen_host);
	free(c->cf_data_dir);
	free(c->cf_database);
	free(c->cf_base_url);
	free(c->cf_tls_cert);
	free(c->cf_tls_key);
	free(c->cf_user);
	c->cf_file = c->cf_listen_host = c->cf_data_dir = NULL;
	c->cf_database = NULL;
	c->cf_base_url = c->cf_tls_cert = c->cf_tls_key = c->cf_user = NULL;
}
