/*
 * config.c: good and bad files, every error reported as file:line, sizes,
 * durations, listen forms, quotes, duplicates, the secrecy warning, and the
 * sample etc/scimd.conf naming every key with its real default.
 */
#include "scimd.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "tap.h"

#define SAMPLE	SRCDIR "/../etc/scimd.conf"

static char	errtext[65536];
static char	errpath[4096];
static int	saved_fd = -1;

/* Send stderr (where log_warnx writes) to a temp file. */
static void
capture_start(void)
{
	const char	*tmp = getenv("TMPDIR");
	int		 fd;

	snprintf(errpath, sizeof(errpath), "%s/test_config.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if ((fd = mkstemp(errpath)) == -1) {
		perror("mkstemp");
		exit(99);
	}
	fflush(stderr);
	saved_fd = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

/* Restore stderr and return what was written meanwhile. */
static const char *
capture_end(void)
{
	FILE	*f;
	size_t	 n = 0;

	fflush(stderr);
	dup2(saved_fd, STDERR_FILENO);
	close(saved_fd);
	if ((f = fopen(errpath, "r")) != NULL) {
		n = fread(errtext, 1, sizeof(errtext) - 1, f);
		fclose(f);
	}
	errtext[n] = '\0';
	unlink(errpath);
	return (errtext);
}

/* config_load_buf on text as "t.conf", stderr captured in errtext. */
static int
load(const char *text, struct scimd_config *c)
{
	int	rc;

	capture_start();
	rc = config_load_buf("t.conf", text, strlen(text), c);
	capture_end();
	return (rc);
}

/* 1 when a one-line file fails and names t.conf:1. */
static int
bad1(const char *text)
{
	struct scimd_config	c;
	int			rc;

	rc = load(text, &c);
	config_free(&c);
	return (rc == -1 && strstr(errtext, "t.conf:1: ") != NULL);
}

/* The size_t or int a single "key = value" line produces, -1 on error. */
static long long
value_of(const char *line, const char *key)
{
	struct scimd_config	c;
	long long		v = -1;

	if (load(line, &c) == 0) {
		if (strcmp(key, "map_size") == 0)
			v = (long long)c.cf_map_size;
		else if (strcmp(key, "max_body") == 0)
			v = (long long)c.cf_max_body;
		else if (strcmp(key, "timeout") == 0)
			v = c.cf_timeout;
	}
	config_free(&c);
	return (v);
}

/* Field-by-field equality, strings by content. */
static int
same(const char *a, const char *b)
{
	return ((a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0));
}

static int
config_equal(const struct scimd_config *a, const struct scimd_config *b)
{
	return (same(a->cf_listen_host, b->cf_listen_host) &&
	    a->cf_listen_port == b->cf_listen_port &&
	    same(a->cf_data_dir, b->cf_data_dir) &&
	    a->cf_map_size == b->cf_map_size &&
	    a->cf_max_body == b->cf_max_body &&
	    a->cf_max_headers == b->cf_max_headers &&
	    a->cf_max_url == b->cf_max_url &&
	    a->cf_max_connections == b->cf_max_connections &&
	    a->cf_timeout == b->cf_timeout &&
	    a->cf_page_size == b->cf_page_size &&
	    a->cf_max_page_size == b->cf_max_page_size &&
	    a->cf_filter.fl_max_len == b->cf_filter.fl_max_len &&
	    a->cf_filter.fl_max_depth == b->cf_filter.fl_max_depth &&
	    a->cf_filter.fl_max_terms == b->cf_filter.fl_max_terms &&
	    a->cf_json_depth == b->cf_json_depth &&
	    a->cf_max_patch_ops == b->cf_max_patch_ops &&
	    a->cf_bulk_max_ops == b->cf_bulk_max_ops &&
	    a->cf_bulk_max_payload == b->cf_bulk_max_payload &&
	    a->cf_log_level == b->cf_log_level &&
	    a->cf_access_log == b->cf_access_log &&
	    a->cf_patch_status == b->cf_patch_status &&
	    a->cf_durability == b->cf_durability &&
	    a->cf_commit_max == b->cf_commit_max &&
	    same(a->cf_base_url, b->cf_base_url) &&
	    same(a->cf_tls_cert, b->cf_tls_cert) &&
	    same(a->cf_tls_key, b->cf_tls_key) &&
	    a->cf_allow_plaintext == b->cf_allow_plaintext &&
	    same(a->cf_user, b->cf_user) &&
	    a->cf_rate == b->cf_rate &&
	    a->cf_rate_burst == b->cf_rate_burst &&
	    a->cf_audit_days == b->cf_audit_days &&
	    a->cf_audit_max == b->cf_audit_max &&
	    a->cf_metrics_allow == b->cf_metrics_allow &&
	    a->cf_shutdown_timeout == b->cf_shutdown_timeout);
}

static char *
read_file(const char *path)
{
	FILE	*f;
	char	*buf;
	long	 n;

	if ((f = fopen(path, "r")) == NULL)
		return (NULL);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return (buf);
}

/* If line is "key = ..." or "#key = ...", return the key's length. */
static size_t
setting_key(const char *line, const char **keyp)
{
	size_t	n;

	while (*line == '#' || *line == ' ')
		line++;
	n = strspn(line, "abcdefghijklmnopqrstuvwxyz_");
	if (n == 0 || strncmp(line + n, " = ", 3) != 0)
		return (0);
	*keyp = line;
	return (n);
}

static void
test_defaults(void)
{
	struct scimd_config	c;

	config_defaults(&c);
	is_str("127.0.0.1", c.cf_listen_host, "default listen host");
	is_int(8080, c.cf_listen_port, "default listen port");
	is_str("./data", c.cf_data_dir, "default data_dir");
	is_int(4LL << 30, (long long)c.cf_map_size, "default map_size 4G");
	is_int(1 << 20, (long long)c.cf_max_body, "default max_body 1M");
	is_int(16 << 10, (long long)c.cf_max_headers, "default max_headers");
	is_int(8 << 10, (long long)c.cf_max_url, "default max_url");
	is_int(60, c.cf_timeout, "default timeout 60s");
	is_int(4096, (long long)c.cf_filter.fl_max_len, "default filter len");
	is_int(16, c.cf_filter.fl_max_depth, "default filter depth");
	is_int(64, c.cf_filter.fl_max_terms, "default filter terms");
	is_int(SCIM_JSON_DEPTH, c.cf_json_depth, "default json_max_depth");
	is_int(LOG_LVL_INFO, c.cf_log_level, "default log_level info");
	is_int(CONFIG_DURABLE_FULL, c.cf_durability, "default durability");
	is_int(200, c.cf_patch_status, "default user_patch_status");
	ok(c.cf_base_url == NULL && c.cf_tls_cert == NULL &&
	    c.cf_tls_key == NULL && c.cf_user == NULL,
	    "optional strings unset by default");
	ok(c.cf_rate == 0 && c.cf_rate_burst == 100, "rate off, burst 100");
	ok(c.cf_audit_days == 30 && c.cf_audit_max == 0, "audit defaults");
	ok(c.cf_access_log == 1 && c.cf_allow_plaintext == 0, "bool defaults");
	config_free(&c);
	config_free(&c);
	config_free(NULL);
	ok(1, "config_free is idempotent and NULL-safe");
}

static void
test_good(void)
{
	struct scimd_config	c;
	const char		*text =
	    "# a comment\n"
	    "\n"
	    "   # indented comment\n"
	    "listen = [::1]:9090\n"
	    "data_dir = \"/var/db/scim d # x\"   # trailing comment\n"
	    "map_size=64M\n"
	    "\tmax_body = 2m # two megs\n"
	    "timeout = 2m\n"
	    "page_size = 50\n"
	    "max_page_size = 500\n"
	    "log_level = debug\n"
	    "durability = nometasync\n"
	    "user_patch_status = 204\n"
	    "access_log = off\n"
	    "base_url = https://scim.example.com/v2//\n"
	    "tls_cert = a#b\n"
	    "tls_key = \"k\\\"e\\\\y\"\n"
	    "rate_limit = 2.5\r\n"
	    "json_max_depth = 2\n"
	    "filter_max_terms = 100\n"
	    "audit_max_records = 5000";	/* no trailing newline */

	is_int(0, load(text, &c), "good file loads");
	is_str("", errtext, "good file logs nothing");
	is_str("::1", c.cf_listen_host, "IPv6 listen host without brackets");
	is_int(9090, c.cf_listen_port, "IPv6 listen port");
	is_str("/var/db/scim d # x", c.cf_data_dir,
	    "quoted value keeps # and spaces");
	is_int(64LL << 20, (long long)c.cf_map_size, "map_size 64M, no spaces");
	is_int(2LL << 20, (long long)c.cf_max_body, "max_body 2m, tab indent");
	is_int(120, c.cf_timeout, "timeout 2m is 120 s");
	is_int(50, c.cf_page_size, "page_size");
	is_int(LOG_LVL_DEBUG, c.cf_log_level, "log_level debug");
	is_int(CONFIG_DURABLE_NOMETASYNC, c.cf_durability, "durability");
	is_int(204, c.cf_patch_status, "user_patch_status 204");
	is_int(0, c.cf_access_log, "access_log off");
	is_str("https://scim.example.com/v2", c.cf_base_url,
	    "base_url trailing slashes dropped");
	is_str("a#b", c.cf_tls_cert, "# without whitespace is not a comment");
	is_str("k\"e\\y", c.cf_tls_key, "quoted escapes");
	ok(c.cf_rate == 2.5, "rate_limit 2.5, CRLF line");
	is_int(2, c.cf_json_depth, "json_max_depth 2 (minimum)");
	is_int(5000, (long long)c.cf_audit_max, "last line without newline");
	is_str("t.conf", c.cf_file, "cf_file is the name");
	config_free(&c);
}

static void
test_errors(void)
{
	struct scimd_config	c;
	const char		*text =
	    "listen = 127.0.0.1:8080\n"
	    "bogus_key = 1\n"			/* 2 */
	    "page_size 10\n"			/* 3 */
	    "access_log = maybe\n"		/* 4 */
	    "max_connections = 0\n"		/* 5 */
	    "listen = 127.0.0.1:9\n"		/* 6 duplicate */
	    "timeout = 5d\n"			/* 7 */
	    "data_dir =\n"			/* 8 */
	    "log_level = loud\n"		/* 9 */
	    "rate_limit = 1e3\n"		/* 10 */
	    "json_max_depth = 1001\n"		/* 11 */
	    "= 3\n"				/* 12 */
	    "page_size = 20\n";			/* 13 good */
	char			 big[9000];

	is_int(-1, load(text, &c), "bad file fails");
	ok(strstr(errtext, "t.conf:2: unknown key \"bogus_key\"") != NULL,
	    "unknown key names file:line");
	ok(strstr(errtext, "t.conf:3: expected \"=\"") != NULL,
	    "missing '=' names file:line");
	ok(strstr(errtext, "t.conf:4: access_log:") != NULL, "bad bool");
	ok(strstr(errtext, "t.conf:5: max_connections: 0 out of range") != NULL,
	    "integer out of range");
	ok(strstr(errtext, "t.conf:6: listen: set more than once") != NULL,
	    "duplicate key");
	ok(strstr(errtext, "t.conf:7: timeout:") != NULL, "bad duration unit");
	ok(strstr(errtext, "t.conf:8: data_dir: missing value") != NULL,
	    "empty value");
	ok(strstr(errtext, "t.conf:9: log_level: unknown value") != NULL,
	    "bad enum");
	ok(strstr(errtext, "t.conf:10: rate_limit:") != NULL,
	    "exponent not a decimal");
	ok(strstr(errtext, "t.conf:11: json_max_depth:") != NULL,
	    "json_max_depth above 1000");
	ok(strstr(errtext, "t.conf:12: missing key") != NULL, "missing key");
	ok(strstr(errtext, "t.conf:13") == NULL, "good line after errors");
	is_int(20, c.cf_page_size, "reading went on after errors");
	is_int(8080, c.cf_listen_port, "duplicate does not override");
	config_free(&c);

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "data_dir = ", 11);
	ok(bad1(big), "line over 8192 bytes is an error");
	ok(bad1("data_dir = \"abc\n"), "unterminated quote");
	ok(bad1("data_dir = \"a\\nb\"\n"), "unknown escape");
	ok(bad1("data_dir = \"ab\" c\n"), "text after closing quote");
	ok(bad1("data_dir = a\x01" "b\n"), "control character in value");
	ok(bad1("json_max_depth = 1\n"), "json_max_depth below 2");
	ok(bad1("user_patch_status = 201\n"), "user_patch_status 201");
	ok(bad1("rate_limit = -1\n"), "negative rate");
	ok(bad1("rate_limit = 1.\n"), "rate with empty fraction");
	ok(bad1("base_url = ftp://x\n"), "base_url must be http(s)");
	ok(bad1("page_size = +5\n"), "sign not allowed");
	ok(bad1("page_size = 0x10\n"), "hex not allowed");

	capture_start();
	is_int(-1, config_load_buf("nul.conf", "page_size = 1\0x\n", 16, &c),
	    "NUL byte fails");
	capture_end();
	ok(strstr(errtext, "nul.conf:1: NUL byte") != NULL,
	    "NUL byte reported");
	config_free(&c);

	is_int(-1, load("page_size = 2000\n", &c), "page_size > max_page_size");
	ok(strstr(errtext, "exceeds max_page_size") != NULL,
	    "cross-key error reported");
	config_free(&c);
	is_int(-1, load("tls_cert = c.pem\n", &c), "tls_cert without tls_key");
	config_free(&c);
	is_int(-1, load("listen = 0.0.0.0:80\n", &c),
	    "non-loopback plain HTTP refused");
	config_free(&c);
	is_int(0, load("listen = 0.0.0.0:80\nallow_plaintext = yes\n", &c),
	    "allow_plaintext waives TLS");
	config_free(&c);
	is_int(0, load("listen = 0.0.0.0:443\ntls_cert = c\ntls_key = k\n",
	    &c), "non-loopback with TLS");
	config_free(&c);
}

static void
test_units(void)
{
	is_int(512LL << 10, value_of("max_body = 512K", "max_body"), "512K");
	is_int(3LL << 20, value_of("max_body = 3m", "max_body"), "3m");
	is_int(1LL << 30, value_of("max_body = 1G", "max_body"), "1G");
	is_int(4096, value_of("max_body = 4096", "max_body"), "bare bytes");
	is_int(1LL << 40, value_of("map_size = 1024G", "map_size"), "1024G");
	is_int(-1, value_of("map_size = 512K", "map_size"), "map_size < 1M");
	is_int(-1, value_of("max_body = 1.5M", "max_body"), "no fractions");
	is_int(-1, value_of("max_body = 1T", "max_body"), "no T suffix");
	is_int(-1, value_of("max_body = 1MB", "max_body"), "no MB suffix");
	is_int(-1, value_of("max_body = M", "max_body"), "suffix alone");
	is_int(-1, value_of("map_size = 99999999999999999999G", "map_size"),
	    "overflow");
	is_int(-1, value_of("map_size = 9999999999G", "map_size"),
	    "overflow after scaling");
	is_int(90, value_of("timeout = 90", "timeout"), "bare seconds");
	is_int(30, value_of("timeout = 30s", "timeout"), "30s");
	is_int(3600, value_of("timeout = 1H", "timeout"), "1H");
	is_int(-1, value_of("timeout = 0", "timeout"), "timeout 0");
	is_int(-1, value_of("timeout = 25h", "timeout"), "timeout > 1 day");
}

static void
test_listen(void)
{
	struct scimd_config	c;

	is_int(0, load("listen = localhost:0\n", &c), "port 0 allowed");
	ok(c.cf_listen_port == 0 && strcmp(c.cf_listen_host, "localhost") == 0,
	    "localhost:0");
	config_free(&c);
	is_int(0, load("listen = [::1]:65535\n", &c), "[::1]:65535");
	config_free(&c);
	is_int(0, load("listen = 127.1.2.3:1\n", &c), "127/8 is loopback");
	config_free(&c);
	ok(bad1("listen = 127.0.0.1\n"), "no port");
	ok(bad1("listen = 127.0.0.1:\n"), "empty port");
	ok(bad1("listen = :8080\n"), "empty host");
	ok(bad1("listen = 127.0.0.1:65536\n"), "port too big");
	ok(bad1("listen = 127.0.0.1:80x\n"), "junk after port");
	ok(bad1("listen = ::1:8080\n"), "IPv6 without brackets");
	ok(strstr(errtext, "brackets") != NULL, "message says brackets");
	ok(bad1("listen = [::1]8080\n"), "missing colon after ]");
	ok(bad1("listen = [zz]:80\n"), "bad IPv6");
	ok(bad1("listen = []:80\n"), "empty brackets");
	ok(bad1("listen = [::1:80\n"), "missing ]");
	ok(bad1("listen = ho/st:80\n"), "bad host characters");
}

static void
test_bools(void)
{
	static const char *const yes[] = { "yes", "true", "on", "YES" };
	static const char *const no[] = { "no", "false", "off", "Off" };
	struct scimd_config	 c;
	char			 line[64];
	size_t			 i;
	int			 good = 1;

	for (i = 0; i < 4; i++) {
		snprintf(line, sizeof(line), "allow_plaintext = %s\n", yes[i]);
		good &= load(line, &c) == 0 && c.cf_allow_plaintext == 1;
		config_free(&c);
		snprintf(line, sizeof(line), "access_log = %s\n", no[i]);
		good &= load(line, &c) == 0 && c.cf_access_log == 0;
		config_free(&c);
	}
	ok(good, "every boolean spelling");
	ok(bad1("access_log = 1\n"), "1 is not a boolean");
}

static void
test_keys(void)
{
	struct scimd_config	c;
	char			line[128];
	size_t			i, n;
	int			sorted = 1, known = 1;

	for (n = 0; config_keys[n] != NULL; n++)
		if (n > 0 && strcmp(config_keys[n - 1], config_keys[n]) >= 0)
			sorted = 0;
	is_int(43, (long long)n, "config_keys lists 43 keys");
	ok(sorted, "config_keys sorted and unique (bsearch)");
	/* A bad value, not "unknown key", proves the parser finds each key. */
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "%s = \x01\n", config_keys[i]);
		load(line, &c);
		config_free(&c);
		if (strstr(errtext, "unknown key") != NULL ||
		    strstr(errtext, config_keys[i]) == NULL)
			known = 0;
	}
	ok(known, "every listed key is accepted by the parser");
}

/* The sample names every key, loads, and its commented values are defaults. */
static void
test_sample(void)
{
	struct scimd_config	 def, c;
	char			*text, *line, *next;
	const char		*key, *bad = NULL, *missing = NULL;
	char			 one[512];
	size_t			 i, klen;
	int			 found;

	if ((text = read_file(SAMPLE)) == NULL) {
		ok(0, "read %s", SAMPLE);
		return;
	}
	for (i = 0; config_keys[i] != NULL; i++) {
		found = 0;
		for (line = text; line != NULL && *line != '\0'; line = next) {
			next = strchr(line, '\n');
			klen = setting_key(line, &key);
			if (klen == strlen(config_keys[i]) &&
			    strncmp(key, config_keys[i], klen) == 0)
				found = 1;
			if (next != NULL)
				next++;
		}
		if (!found && missing == NULL)
			missing = config_keys[i];
	}
	ok(missing == NULL, "sample lists every key%s%s",
	    missing ? ": missing " : "", missing ? missing : "");

	capture_start();
	is_int(0, config_load(SAMPLE, &c), "sample file loads");
	capture_end();
	is_str("", errtext, "sample file logs nothing");
	config_defaults(&def);
	ok(config_equal(&def, &c), "sample sets only defaults");
	config_free(&c);

	/* Uncomment each "#key = value" alone; unset keys show examples. */
	for (line = text; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (line[0] != '#' || (klen = setting_key(line, &key)) == 0)
			continue;
		if (strncmp(key, "base_url", klen) == 0 ||
		    strncmp(key, "tls_", 4) == 0 ||
		    strncmp(key, "user ", 5) == 0)
			continue;
		snprintf(one, sizeof(one), "%s\n", line + 1);
		if (load(one, &c) != 0 || !config_equal(&def, &c))
			bad = bad != NULL ? bad : key;
		config_free(&c);
	}
	ok(bad == NULL, "commented values in the sample are the defaults%s%s",
	    bad ? ": " : "", bad ? bad : "");
	config_free(&def);
	free(text);
}

/* A world-readable file that names tls_key draws a warning, not an error. */
static void
test_file(void)
{
	struct scimd_config	 c;
	char			*dir, path[4096];
	FILE			*f;

	capture_start();
	is_int(-1, config_load("/nonexistent/scimd.conf", &c), "missing file");
	capture_end();
	ok(strstr(errtext, "/nonexistent/scimd.conf") != NULL,
	    "missing file named");
	config_free(&c);

	dir = test_mkdtemp();
	snprintf(path, sizeof(path), "%s/s.conf", dir);
	if ((f = fopen(path, "w")) == NULL) {
		ok(0, "create %s", path);
		return;
	}
	fputs("tls_cert = c.pem\ntls_key = k.pem\n", f);
	fclose(f);
	chmod(path, 0644);
	capture_start();
	is_int(0, config_load(path, &c), "world-readable file still loads");
	capture_end();
	ok(strstr(errtext, "world-readable") != NULL, "world-readable warning");
	config_free(&c);
	chmod(path, 0600);
	capture_start();
	is_int(0, config_load(path, &c), "private file loads");
	capture_end();
	is_str("", errtext, "no warning for a private file");
	config_free(&c);

	/* Errors in a real file carry its path. */
	if ((f = fopen(path, "w")) != NULL) {
		fputs("\n\nnope = 1\n", f);
		fclose(f);
	}
	capture_start();
	is_int(-1, config_load(path, &c), "bad file on disk fails");
	capture_end();
	snprintf(path, sizeof(path), "%s/s.conf:3: unknown key", dir);
	ok(strstr(errtext, path) != NULL, "path:line in message");
	config_free(&c);
	test_rm_rf(dir);
	free(dir);
}

int
main(void)
{
	log_init("test_config", LOG_LVL_WARN);
	plan_lazy();
	test_defaults();
	test_good();
	test_errors();
	test_units();
	test_listen();
	test_bools();
	test_keys();
	test_sample();
	test_file();
	return (done_testing());
}
