/*
 * scimctl audit [show ID | summary]: the provisioning log as a table like
 * the portal's (newest last), JSON lines or CSV, read straight from the
 * store; --follow polls for new records twice a second.
 */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "audit.h"
#include "audit_query.h"
#include "config.h"
#include "ctl.h"
#include "error.h"
#include "log.h"
#include "store.h"
#include "token.h"
#include "util.h"

#define FOLLOW_MS	500
#define CHANGES_MAX	100	/* characters of the table's last column */

enum out_mode { OUT_TABLE, OUT_JSON, OUT_CSV };

static const char *
get_str(struct json_object *o, const char *k)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return (NULL);
	return (json_object_get_string(v));
}

static void
append(char *buf, size_t len, const char *s)
{
	strlcat(buf, s, len);
}

/* A value for the short form: cut long ones. */
static void
append_value(char *buf, size_t len, struct json_object *v)
{
	char		 tmp[40];
	const char	*s;

	if (v == NULL || json_object_is_type(v, json_type_null)) {
		append(buf, len, "(none)");
		return;
	}
	s = json_object_get_string(v);
	if (strlen(s) >= sizeof(tmp)) {
		snprintf(tmp, sizeof(tmp), "%.32s...", s);
		s = tmp;
	}
	append(buf, len, s);
}

/*
 * modifiedProperties in short: "active: true→false; members +1 -2", or
 * for a failure its HTTP status, scimType and reason.
 */
static void
changes(struct json_object *r, char *buf, size_t len)
{
	struct json_object	*props, *p, *o, *n;
	const char		*name, *s;
	char			 num[32];
	size_t			 i, np, add = 0, del = 0;

	buf[0] = '\0';
	if ((s = get_str(r, "status")) != NULL && strcmp(s, "Failure") == 0) {
		s = get_str(r, "scimType");
		name = get_str(r, "reason");
		snprintf(buf, len, "%d%s%s: %s",
		    json_object_get_int(json_object_object_get(r,
		    "httpStatus")), s != NULL ? " " : "", s != NULL ? s : "",
		    name != NULL ? name : "");
		return;
	}
	if ((s = get_str(r, "action")) != NULL && strcmp(s, "Delete") == 0)
		return;
	props = json_object_object_get(r, "modifiedProperties");
	np = json_object_is_type(props, json_type_array) ?
	    json_object_array_length(props) : 0;
	for (i = 0; i < np; i++) {
		p = json_object_array_get_idx(props, i);
		name = get_str(p, "name");
		o = json_object_object_get(p, "oldValue");
		n = json_object_object_get(p, "newValue");
		if (name != NULL && strcmp(name, "members") == 0) {
			if (n != NULL)
				add++;
			else
				del++;
			continue;
		}
		if (buf[0] != '\0')
			append(buf, len, "; ");
		append(buf, len, name != NULL ? name : "?");
		if (o == NULL) {
			append(buf, len, "=");
			append_value(buf, len, n);
		} else {
			append(buf, len, ": ");
			append_value(buf, len, o);
			append(buf, len, "\u2192");
			append_value(buf, len, n);
		}
	}
	if (add + del > 0) {
		if (buf[0] != '\0')
			append(buf, len, "; ");
		append(buf, len, "members");
		if (add > 0) {
			snprintf(num, sizeof(num), " +%zu", add);
			append(buf, len, num);
		}
		if (del > 0) {
			snprintf(num, sizeof(num), " -%zu", del);
			append(buf, len, num);
		}
	}
}

static const char *
identity(struct json_object *r)
{
	struct json_object	*t = json_object_object_get(r, "target");
	const char		*s;

	if ((s = get_str(t, "name")) != NULL)
		return (s);
	if ((s = get_str(t, "id")) != NULL)
		return (s);
	return ("-");
}

static void
csv_field(const char *s, int last)
{
	if (s == NULL)
		s = "";
	if (strpbrk(s, ",\"\r\n") != NULL) {
		putchar('"');
		for (; *s != '\0'; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	} else
		fputs(s, stdout);
	putchar(last ? '\n' : ',');
}

static void
print_header(enum out_mode mode, int tenants)
{
	if (mode == OUT_TABLE)
		printf("%-24s %s%-7s %-7s %-5s %-32s %-14s %s\n", "TIME",
		    tenants ? "TENANT       " : "", "ACTION", "STATUS", "TYPE",
		    "IDENTITY", "INITIATOR", "CHANGES");
	else if (mode == OUT_CSV)
		printf("time,changeId,tenant,initiator,action,status,"
		    "httpStatus,scimType,resourceType,targetId,targetName,"
		    "externalId,changes,reason,durationMs,seq\n");
}

static void
print_record(struct json_object *r, enum out_mode mode, int tenants)
{
	struct json_object	*tgt = json_object_object_get(r, "target");
	char			 ch[1024], tn[32], num[3][32];
	const char		*s;

	if (mode == OUT_JSON) {
		puts(json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN |
		    JSON_C_TO_STRING_NOSLASHESCAPE));
		return;
	}
	changes(r, ch, sizeof(ch));
	if ((s = get_str(r, "tenantName")) != NULL)
		snprintf(tn, sizeof(tn), "%s", s);
	else
		snprintf(tn, sizeof(tn), "%lld", (long long)
		    json_object_get_int64(json_object_object_get(r, "tenant")));
	if (mode == OUT_CSV) {
		snprintf(num[0], sizeof(num[0]), "%d", json_object_get_int(
		    json_object_object_get(r, "httpStatus")));
		snprintf(num[1], sizeof(num[1]), "%lld", (long long)
		    json_object_get_int64(json_object_object_get(r,
		    "durationMs")));
		snprintf(num[2], sizeof(num[2]), "%lld", (long long)
		    json_object_get_int64(json_object_object_get(r, "seq")));
		csv_field(get_str(r, "time"), 0);
		csv_field(get_str(r, "changeId"), 0);
		csv_field(tn, 0);
		csv_field(get_str(r, "initiator"), 0);
		csv_field(get_str(r, "action"), 0);
		csv_field(get_str(r, "status"), 0);
		csv_field(num[0], 0);
		csv_field(get_str(r, "scimType"), 0);
		csv_field(get_str(r, "resourceType"), 0);
		csv_field(get_str(tgt, "id"), 0);
		csv_field(get_str(tgt, "name"), 0);
		csv_field(get_str(json_object_object_get(r, "source"),
		    "externalId"), 0);
		csv_field(ch, 0);
		csv_field(get_str(r, "reason"), 0);
		csv_field(num[1], 0);
		csv_field(num[2], 1);
		return;
	}
	if (strlen(ch) > CHANGES_MAX)
		strlcpy(ch + CHANGES_MAX - 3, "...", 4);
	if (tenants)
		printf("%-24s %-12.12s %-7s %-7s %-5s %-32.32s %-14.14s %s\n",
		    get_str(r, "time") ? get_str(r, "time") : "-", tn,
		    get_str(r, "action") ? get_str(r, "action") : "-",
		    get_str(r, "status") ? get_str(r, "status") : "-",
		    get_str(r, "resourceType") ? get_str(r, "resourceType") :
		    "-", identity(r), get_str(r, "initiator") ?
		    get_str(r, "initiator") : "-", ch);
	else
		printf("%-24s %-7s %-7s %-5s %-32.32s %-14.14s %s\n",
		    get_str(r, "time") ? get_str(r, "time") : "-",
		    get_str(r, "action") ? get_str(r, "action") : "-",
		    get_str(r, "status") ? get_str(r, "status") : "-",
		    get_str(r, "resourceType") ? get_str(r, "resourceType") :
		    "-", identity(r), get_str(r, "initiator") ?
		    get_str(r, "initiator") : "-", ch);
}

/* The query the flags describe; exits on a bad flag. */
static void
build_query(struct ctl *c, struct store_txn *t, struct audit_query *q)
{
	static const char *const why[] = {
		[AUDIT_FILTER_SINCE] = "--since: use RFC 3339 or a duration "
		    "like 40m, 2h, 7d",
		[AUDIT_FILTER_UNTIL] = "--until: use RFC 3339 or a duration "
		    "like 40m, 2h, 7d",
		[AUDIT_FILTER_ACTION] = "--action: one of Create, Update, "
		    "Disable, Enable, Delete, Other",
		[AUDIT_FILTER_STATUS] = "--status: one of Success, Failure, "
		    "Skipped",
	};
	struct audit_filter	 f;
	enum audit_filter_err	 err;
	char			*end;
	long long		 n;

	memset(q, 0, sizeof(*q));
	q->aq_tenant = c->c_all || c->c_tenant == NULL ? TENANT_ALL :
	    ctl_tenant_of(c, t);
	f.af_since = c->c_since;
	f.af_until = c->c_until;
	f.af_action = c->c_action;
	f.af_status = c->c_status;
	f.af_target = c->c_target;
	f.af_initiator = c->c_initiator;
	if ((err = audit_query_filter(q, &f, util_now_ms())) !=
	    AUDIT_FILTER_OK)
		fatalx("%s", why[err]);
	if (c->c_limit != NULL) {
		n = strtoll(c->c_limit, &end, 10);
		if (*end != '\0' || n <= 0)
			fatalx("--limit takes a positive number");
		q->aq_limit = (size_t)n;
	}
}

/* Run q in t, then end t; exits on a store error.  The caller puts p. */
static void
page(struct store_txn *t, const struct audit_query *q, struct audit_page *p)
{
	int	rc;

	rc = audit_query_page(t, q, p);
	store_abort(t);
	if (rc != SCIM_OK)
		fatalx("audit: %s", scim_err_text(rc));
}

/* q held below the audit horizon (audit_query_cap); exits on an error. */
static void
cap(struct ctl *c, struct audit_query *q)
{
	int	rc;

	if ((rc = audit_query_cap(c->c_store, q)) != SCIM_OK)
		fatalx("audit: %s", scim_err_text(rc));
}

/* Print what comes after last, twice a second; never returns. */
static void __attribute__((noreturn))
follow(struct ctl *c, struct audit_query *q, enum out_mode mode, int tenants,
    uint64_t last)
{
	struct audit_page	 p;
	struct timespec		 ts = { 0, FOLLOW_MS * 1000000L };
	size_t			 i;

	q->aq_asc = 1;
	q->aq_limit = 0;
	q->aq_until = 0;
	for (;;) {
		fflush(stdout);
		nanosleep(&ts, NULL);
		q->aq_after = last;
		q->aq_before = 0;
		cap(c, q);
		page(ctl_begin(c, 0), q, &p);
		for (i = 0; i < json_object_array_length(p.ap_records); i++)
			print_record(json_object_array_get_idx(p.ap_records, i),
			    mode, tenants);
		json_object_put(p.ap_records);
		if (p.ap_newest > last)
			last = p.ap_newest;
	}
}

static int
audit_list(struct ctl *c, enum out_mode mode)
{
	struct audit_query	 q;
	struct store_txn	*t;
	struct audit_page	 p;
	uint64_t		 top;
	size_t			 i;
	int			 tenants, rc;

	t = ctl_begin(c, 0);
	build_query(c, t, &q);
	if (q.aq_tenant == TENANT_ALL) {
		/* the horizon, then the snapshot that lists below it */
		store_abort(t);
		cap(c, &q);
		t = ctl_begin(c, 0);
	}
	/*
	 * --follow goes on after everything there is now, matching or not,
	 * read in the listing's own snapshot: a record committed between
	 * the two reads would be in neither.
	 */
	top = 0;
	if (c->c_follow && (rc = audit_query_newest(t, q.aq_tenant, &top)) !=
	    SCIM_OK)
		fatalx("audit: %s", scim_err_text(rc));
	if (q.aq_before != 0 && top >= q.aq_before)
		top = q.aq_before - 1;	/* what lies above: followed */
	/* newest first, so that --limit keeps the newest; printed reversed */
	page(t, &q, &p);
	tenants = q.aq_tenant == TENANT_ALL;
	print_header(mode, tenants);
	for (i = json_object_array_length(p.ap_records); i > 0; i--)
		print_record(json_object_array_get_idx(p.ap_records, i - 1),
		    mode, tenants);
	json_object_put(p.ap_records);
	if (c->c_follow)
		follow(c, &q, mode, tenants,
		    p.ap_newest > top ? p.ap_newest : top);
	return (0);
}

static int
audit_show(struct ctl *c, const char *id)
{
	struct store_txn	*t;
	struct json_object	*rec;
	int			 rc;

	t = ctl_begin(c, 0);
	rc = audit_query_show(t, c->c_all || c->c_tenant == NULL ?
	    TENANT_ALL : ctl_tenant_of(c, t), id, &rec);
	store_abort(t);
	if (rc == SCIM_ENOTFOUND)
		fatalx("no audit record with changeId \"%s\"", id);
	if (rc != SCIM_OK)
		fatalx("audit: %s", scim_err_text(rc));
	puts(json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(rec);
	return (0);
}

static long long
count_of(struct json_object *o, const char *k1, const char *k2)
{
	struct json_object	*v = json_object_object_get(o, k1);

	if (k2 != NULL)
		v = json_object_object_get(v, k2);
	return ((long long)json_object_get_int64(v));
}

static int
audit_summary(struct ctl *c)
{
	struct audit_query	 q;
	struct store_txn	*t;
	struct json_object	*o = NULL;
	const char		*a, *s;
	int			 rc, i, j;

	t = ctl_begin(c, 0);
	build_query(c, t, &q);
	rc = audit_query_summary(t, &q, util_now_ms(), &o);
	store_abort(t);
	if (rc != SCIM_OK)
		fatalx("audit: %s", scim_err_text(rc));
	if (c->c_json) {
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
		return (0);
	}
	printf("%s to %s: %lld record(s)\n", get_str(o, "since") ?
	    get_str(o, "since") : "beginning", get_str(o, "until"),
	    count_of(o, "total", NULL));
	printf("%-8s", "ACTION");
	for (j = AUDIT_SUCCESS; j <= AUDIT_SKIPPED; j++)
		printf(" %8s", audit_status_name(j));
	printf(" %8s\n", "Total");
	for (i = AUDIT_CREATE; i <= AUDIT_OTHER; i++) {
		a = audit_action_name(i);
		printf("%-8s", a);
		for (j = AUDIT_SUCCESS; j <= AUDIT_SKIPPED; j++)
			printf(" %8lld", count_of(json_object_object_get(o,
			    "byAction"), a, audit_status_name(j)));
		printf(" %8lld\n", count_of(o, "actions", a));
	}
	printf("%-8s", "Total");
	for (j = AUDIT_SUCCESS; j <= AUDIT_SKIPPED; j++) {
		s = audit_status_name(j);
		printf(" %8lld", count_of(o, "statuses", s));
	}
	printf(" %8lld\n", count_of(o, "total", NULL));
	json_object_put(o);
	return (0);
}

int
cmd_audit(struct ctl *c, int argc, char **argv)
{
	enum out_mode	mode = OUT_TABLE;

	if (c->c_json && c->c_csv)
		fatalx("--json and --csv exclude each other");
	if (c->c_json)
		mode = OUT_JSON;
	else if (c->c_csv)
		mode = OUT_CSV;
	ctl_open(c);
	if (argc == 0)
		return (audit_list(c, mode));
	if (argc == 2 && strcmp(argv[0], "show") == 0)
		return (audit_show(c, argv[1]));
	if (argc == 1 && strcmp(argv[0], "summary") == 0)
		return (audit_summary(c));
	ctl_usage();
}
