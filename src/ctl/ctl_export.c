/*
 * scimctl export, import and restore: moving a tenant between instances
 * and putting a backup back.
 *
 * The export format is SCIM JSON lines: one stored User or Group per line,
 * as scimd keeps it (id, meta, attributes), Groups with "members" (value
 * and type of each member).  Users come first, then Groups, so a Group's
 * User members exist by the time the Group is read back; members that are
 * Groups further down the file are resolved at the end.
 */
#include "scimd.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "config.h"
#include "ctl.h"
#include "error.h"
#include "jsonutil.h"
#include "keys.h"
#include "load.h"
#include "log.h"
#include "member.h"
#include "record.h"
#include "schema.h"
#include "store.h"
#include "tenant.h"
#include "token.h"
#include "util.h"

#define IMPORT_BATCH	20000	/* resources per write transaction */
#define IMPORT_DEPTH	64	/* JSON nesting accepted in a line */

/* A progress line on stderr, when stderr is a terminal (or --progress). */
struct progress {
	int		 pg_on;
	int		 pg_tty;
	const char	*pg_what;
	int64_t		 pg_start;	/* monotonic ms at the start */
	int64_t		 pg_last;	/* monotonic ms of the last redraw */
};

static void
progress_init(struct progress *pg, const char *what, int force)
{
	pg->pg_tty = isatty(STDERR_FILENO);
	pg->pg_on = force || pg->pg_tty;
	pg->pg_what = what;
	pg->pg_start = util_mono_ms();
	pg->pg_last = 0;
}

/* "  12345/s  ETA 0:42": the rate of count, the rest of done's time. */
static void
progress_rate(const struct progress *pg, int64_t now, size_t done,
    size_t total, size_t count)
{
	int64_t	ms = now - pg->pg_start, eta;

	if (ms < 1)
		ms = 1;		/* a small import can end within 1 ms */
	fprintf(stderr, "  %.0f/s", (double)count * 1000 / (double)ms);
	if (total == 0 || done == 0 || done >= total)
		return;
	eta = (int64_t)((double)ms * (double)(total - done) / (double)done /
	    1000);
	fprintf(stderr, "  ETA %lld:%02lld", (long long)(eta / 60),
	    (long long)(eta % 60));
}

/* done of total units (total 0: unknown), count resources so far. */
static void
progress(struct progress *pg, size_t done, size_t total, size_t count,
    int final)
{
	char	bar[31];
	int64_t	now;
	size_t	pct, i;

	if (!pg->pg_on)
		return;
	now = util_mono_ms();
	if (!final && now - pg->pg_last < 100)
		return;
	pg->pg_last = now;
	if (total > 0) {
		pct = done >= total ? 100 : done * 100 / total;
		for (i = 0; i < sizeof(bar) - 1; i++)
			bar[i] = i < pct * (sizeof(bar) - 1) / 100 ? '#' : ' ';
		bar[sizeof(bar) - 1] = '\0';
		fprintf(stderr, "\r%s [%s] %3zu%%  %zu", pg->pg_what, bar,
		    pct, count);
	} else
		fprintf(stderr, "\r%s %zu", pg->pg_what, count);
	progress_rate(pg, now, done, total, count);
	if (pg->pg_tty)
		fputs("\033[K", stderr);	/* the rest of a longer line */
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
}

/* Resources of tenant and tag: a walk over keys, for the progress bar. */
static size_t
count_range(struct store_txn *t, uint32_t tenant, uint8_t tag)
{
	struct store_cursor	*cur;
	struct store_val	 seek, k, v;
	uint8_t			 kb[KEYS_RES_LEN];
	size_t			 n = 0;
	int			 rc;

	if (store_cursor_open(t, STORE_RES, &cur) != SCIM_OK)
		return (0);
	seek = keys_res(kb, tenant, tag, 0);
	for (rc = store_cursor_seek(cur, &seek, &k, &v); rc == SCIM_OK &&
	    k.sv_len == KEYS_RES_LEN && memcmp(k.sv_data, kb, 5) == 0;
	    rc = store_cursor_next(cur, &k, &v))
		n++;
	store_cursor_close(cur);
	return (n);
}

/* Write every resource of tenant with tag as lines to out. */
static size_t
export_range(struct store_txn *t, uint32_t tenant, uint8_t tag, FILE *out,
    struct progress *pg, size_t done, size_t total)
{
	struct store_cursor	*cur;
	struct store_val	 seek, k, v;
	struct scim_errbuf	 eb;
	struct json_object	*doc, *members;
	const char		*s;
	uint8_t			 kb[KEYS_RES_LEN];
	size_t			 len;
	int			 rc;

	if ((rc = store_cursor_open(t, STORE_RES, &cur)) != SCIM_OK)
		fatalx("export: %s", scim_err_text(rc));
	seek = keys_res(kb, tenant, tag, 0);
	for (rc = store_cursor_seek(cur, &seek, &k, &v); rc == SCIM_OK &&
	    k.sv_len == KEYS_RES_LEN && memcmp(k.sv_data, kb, 5) == 0;
	    rc = store_cursor_next(cur, &k, &v)) {
		eb.eb_msg[0] = '\0';
		if (jsonutil_parse(v.sv_data, v.sv_len, IMPORT_DEPTH, &doc,
		    &eb) != SCIM_OK)
			fatalx("export: stored resource unreadable: %s",
			    eb.eb_msg);
		if (tag == RT_TAG_GROUP) {
			rc = record_members(t, tenant, util_get_be64(
			    (const uint8_t *)k.sv_data + 5), NULL, 0, 0,
			    &members);
			if (rc != SCIM_OK)
				fatalx("export: members: %s",
				    scim_err_text(rc));
			json_object_object_add(doc, "members", members);
		}
		s = jsonutil_compact(doc, &len);
		if (fwrite(s, 1, len, out) != len || putc('\n', out) == EOF)
			fatal("export: write");
		json_object_put(doc);
		done++;
		progress(pg, done, total, done, 0);
	}
	store_cursor_close(cur);
	if (rc != SCIM_OK && rc != SCIM_ENOTFOUND)
		fatalx("export: %s", scim_err_text(rc));
	return (done);
}

int
cmd_export(struct ctl *c, int argc, char **argv)
{
	struct store_txn	*t;
	struct progress		 pg;
	FILE			*out = stdout;
	const char		*file = argc == 1 ? argv[0] : "-";
	uint32_t		 tenant;
	size_t			 n, total = 0;

	if (argc > 1)
		ctl_usage();
	if (strcmp(file, "-") != 0 && (out = fopen(file, "w")) == NULL)
		fatal("%s", file);
	ctl_open(c);
	/* one read transaction: a consistent snapshot while scimd writes */
	t = ctl_begin(c, 0);
	tenant = ctl_tenant_of(c, t);
	progress_init(&pg, "export", c->c_progress);
	if (pg.pg_on)
		total = count_range(t, tenant, RT_TAG_USER) +
		    count_range(t, tenant, RT_TAG_GROUP);
	n = export_range(t, tenant, RT_TAG_USER, out, &pg, 0, total);
	n = export_range(t, tenant, RT_TAG_GROUP, out, &pg, n, total);
	store_abort(t);
	progress(&pg, n, total, n, 1);
	if (fflush(out) == EOF || ferror(out) ||
	    (out != stdout && fclose(out) == EOF))
		fatal("export: %s", file);
	fprintf(stderr, "exported %zu resource(s) of tenant \"%s\"\n", n,
	    c->c_tenant);
	return (0);
}

/* A member reference to resolve once every line is in. */
struct pending {
	uint64_t	pd_grid;
	size_t		pd_line;
	char		pd_id[SCIM_ID_MAX];
};

/* A line kept for its batch: text (NUL-terminated) and number. */
struct line {
	char		*ln_text;
	size_t		 ln_len;
	size_t		 ln_no;
};

struct import {
	struct ctl		*im_ctl;
	uint32_t		 im_tenant;
	struct pending		*im_pend;
	size_t			 im_npend;
	size_t			 im_cappend;
	size_t			 im_loaded;
	size_t			 im_errors;
	struct line		 im_batch[IMPORT_BATCH];
	size_t			 im_nbatch;
};

/* Add the members of line in to group grid; unknown ids wait. */
static int
import_members(struct import *im, struct store_txn *t, uint64_t grid,
    struct json_object *in, size_t line, struct scim_errbuf *eb)
{
	struct json_object	*arr, *m;
	const char		*id;
	uint64_t		 rid;
	size_t			 i, n;
	uint8_t			 tag;
	int			 rc, added;

	if ((arr = jsonutil_get(in, "members", NULL)) == NULL)
		return (SCIM_OK);
	if (!json_object_is_type(arr, json_type_array))
		return (scim_err_set(eb, SCIM_EINVAL,
		    "members is not an array"));
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		m = json_object_array_get_idx(arr, i);
		id = jsonutil_get_str(m, "value");
		if (id == NULL || strlen(id) != SCIM_ID_LEN)
			return (scim_err_set(eb, SCIM_EINVAL,
			    "members[%zu]: bad value", i));
		rc = record_lookup(t, im->im_tenant, id, NULL, &tag, &rid);
		if (rc == SCIM_ENOTFOUND) {
			if (im->im_npend == im->im_cappend) {
				im->im_cappend = im->im_cappend ?
				    im->im_cappend * 2 : 64;
				im->im_pend = xrealloc(im->im_pend,
				    im->im_cappend * sizeof(*im->im_pend));
			}
			im->im_pend[im->im_npend].pd_grid = grid;
			im->im_pend[im->im_npend].pd_line = line;
			strlcpy(im->im_pend[im->im_npend].pd_id, id,
			    SCIM_ID_MAX);
			im->im_npend++;
			continue;
		}
		if (rc != SCIM_OK)
			return (rc);
		if (tag == RT_TAG_GROUP && rid == grid)
			return (scim_err_set(eb, SCIM_EINVAL,
			    "a group cannot contain itself"));
		if ((rc = member_add(t, im->im_tenant, grid, tag, rid,
		    &added)) != SCIM_OK)
			return (rc);
	}
	return (SCIM_OK);
}

/* Load one line in t; on failure t holds part of it. */
static int
import_apply(struct import *im, struct store_txn *t, const struct line *ln,
    struct scim_errbuf *eb)
{
	const struct resource_type	*rt = NULL;
	struct json_object		*in = NULL;
	uint64_t			 rid;
	int				 rc;

	eb->eb_msg[0] = '\0';
	if ((rc = jsonutil_parse(ln->ln_text, ln->ln_len, IMPORT_DEPTH, &in,
	    eb)) == SCIM_OK &&
	    (rc = load_resource(t, im->im_tenant, in, &rt, &rid, eb)) ==
	    SCIM_OK && rt->rt_tag == RT_TAG_GROUP)
		rc = import_members(im, t, rid, in, ln->ln_no, eb);
	json_object_put(in);
	return (rc);
}

/* One line in its own nested transaction: a bad line undoes only itself. */
static void
import_line(struct import *im, struct store_txn *batch, const struct line *ln)
{
	struct store_txn	*t = NULL;
	struct scim_errbuf	 eb;
	size_t			 npend = im->im_npend;
	int			 rc;

	eb.eb_msg[0] = '\0';
	if ((rc = store_begin_nested(batch, &t)) == SCIM_OK &&
	    (rc = import_apply(im, t, ln, &eb)) == SCIM_OK) {
		rc = store_commit(t);
		t = NULL;
	}
	store_abort(t);
	if (rc == SCIM_OK)
		im->im_loaded++;
	else {
		im->im_npend = npend;	/* its members went with it */
		im->im_errors++;
		log_warnx("line %zu: %s", ln->ln_no, eb.eb_msg[0] != '\0' ?
		    eb.eb_msg : scim_err_text(rc));
	}
}

/*
 * The batch in one transaction.  A nested transaction per line costs LMDB
 * a dirty list of its own each (most of an import's time), so the lines go
 * straight in; only when one fails is the batch undone and done again
 * line by line, each nested, so that the bad ones are skipped and named.
 */
static void
import_flush(struct import *im)
{
	struct store_txn	*t;
	struct scim_errbuf	 eb;
	size_t			 i, npend = im->im_npend;

	if (im->im_nbatch == 0)
		return;
	t = ctl_begin(im->im_ctl, 1);
	for (i = 0; i < im->im_nbatch; i++)
		if (import_apply(im, t, &im->im_batch[i], &eb) != SCIM_OK)
			break;
	if (i == im->im_nbatch)
		im->im_loaded += im->im_nbatch;
	else {
		store_abort(t);
		im->im_npend = npend;
		t = ctl_begin(im->im_ctl, 1);
		for (i = 0; i < im->im_nbatch; i++)
			import_line(im, t, &im->im_batch[i]);
	}
	ctl_commit(t);
	for (i = 0; i < im->im_nbatch; i++)
		free(im->im_batch[i].ln_text);
	im->im_nbatch = 0;
}

/* Members that named resources later in the file (Groups in Groups). */
static void
import_pending(struct import *im)
{
	struct store_txn	*t;
	struct pending		*pd;
	uint64_t		 rid;
	size_t			 i;
	uint8_t			 tag;
	int			 rc, added;

	if (im->im_npend == 0)
		return;
	t = ctl_begin(im->im_ctl, 1);
	for (i = 0; i < im->im_npend; i++) {
		pd = &im->im_pend[i];
		rc = record_lookup(t, im->im_tenant, pd->pd_id, NULL, &tag,
		    &rid);
		if (rc == SCIM_OK && !(tag == RT_TAG_GROUP &&
		    rid == pd->pd_grid))
			rc = member_add(t, im->im_tenant, pd->pd_grid, tag, rid,
			    &added);
		else if (rc == SCIM_OK)
			rc = SCIM_EINVAL;
		if (rc == SCIM_ENOTFOUND || rc == SCIM_EINVAL) {
			log_warnx("line %zu: member %s: no such resource in "
			    "the import", pd->pd_line, pd->pd_id);
			im->im_errors++;
		} else if (rc != SCIM_OK)
			fatalx("import: %s", scim_err_text(rc));
	}
	ctl_commit(t);
}

int
cmd_import(struct ctl *c, int argc, char **argv)
{
	struct import		*im;
	struct store_txn	*t;
	struct progress		 pg;
	struct stat		 st;
	struct line		*ln;
	FILE			*in = stdin;
	const char		*file = argc == 1 ? argv[0] : "-";
	char			*line = NULL;
	size_t			 cap = 0, total = 0, done = 0, lineno = 0;
	ssize_t			 len;
	int			 rc, status;

	if (argc > 1)
		ctl_usage();
	if (strcmp(file, "-") != 0 && (in = fopen(file, "r")) == NULL)
		fatal("%s", file);
	if (fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode))
		total = (size_t)st.st_size;
	ctl_open(c);
	im = xcalloc(1, sizeof(*im));
	im->im_ctl = c;
	t = ctl_begin(c, 1);
	rc = tenant_lookup(t, c->c_tenant, &im->im_tenant);
	if (rc == SCIM_ENOTFOUND) {
		if ((rc = tenant_create(t, c->c_tenant, &im->im_tenant)) !=
		    SCIM_OK)
			fatalx("tenant %s: %s", c->c_tenant,
			    scim_err_text(rc));
		fprintf(stderr, "created tenant \"%s\"\n", c->c_tenant);
	} else if (rc != SCIM_OK)
		fatalx("tenant %s: %s", c->c_tenant, scim_err_text(rc));
	ctl_commit(t);
	progress_init(&pg, "import", c->c_progress);
	while ((len = getline(&line, &cap, in)) != -1) {
		lineno++;
		done += (size_t)len;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			len--;
		if (len == 0)
			continue;
		ln = &im->im_batch[im->im_nbatch++];
		ln->ln_text = xmalloc((size_t)len + 1);	/* NULs and all */
		memcpy(ln->ln_text, line, (size_t)len);
		ln->ln_text[len] = '\0';
		ln->ln_len = (size_t)len;
		ln->ln_no = lineno;
		if (im->im_nbatch == IMPORT_BATCH)
			import_flush(im);
		progress(&pg, done, total, im->im_loaded + im->im_nbatch, 0);
	}
	if (ferror(in))
		fatal("import: %s", file);
	import_flush(im);
	import_pending(im);
	progress(&pg, done, total, im->im_loaded, 1);
	free(line);
	if (in != stdin)
		fclose(in);
	fprintf(stderr, "imported %zu resource(s) into tenant \"%s\", %zu "
	    "error(s)\n", im->im_loaded, c->c_tenant, im->im_errors);
	status = im->im_errors > 0 ? 1 : 0;
	free(im->im_pend);
	free(im);
	return (status);
}

/*
 * 1 when a process has the environment in dir open.  LMDB holds a shared
 * fcntl lock on the first byte of lock.mdb for as long as an environment
 * is open (mdb_env_excl_lock); a write lock on it only succeeds when nobody
 * does.  *fdp keeps that lock, so no scimd can open the store while the
 * restore runs (its open waits for the lock).
 */
static int
store_in_use(const char *dir, int *fdp)
{
	struct flock	fl;
	char		path[PATH_MAX];
	int		fd;

	*fdp = -1;
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	if ((fd = open(path, O_RDWR)) == -1)
		return (0);	/* never opened, or no lock file at all */
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 1;
	if (fcntl(fd, F_SETLK, &fl) == -1) {
		close(fd);
		return (1);
	}
	*fdp = fd;
	return (0);
}

/* Copy src to dst (a new file), fsync it. */
static void
copy_file(const char *src, int dst, struct progress *pg, size_t total)
{
	char	 buf[1 << 16];
	ssize_t	 n, w, off;
	size_t	 done = 0;
	int	 fd;

	if ((fd = open(src, O_RDONLY)) == -1)
		fatal("%s", src);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fatal("%s", src);
		}
		for (off = 0; off < n; off += w)
			if ((w = write(dst, buf + off, n - off)) == -1) {
				if (errno != EINTR)
					fatal("restore: write");
				w = 0;
			}
		done += (size_t)n;
		progress(pg, done, total, done, 0);
	}
	close(fd);
	if (fsync(dst) == -1)
		fatal("restore: fsync");
}

int
cmd_restore(struct ctl *c, int argc, char **argv)
{
	struct scim_errbuf	 eb;
	struct store_params	 sp;
	struct store		*bs;
	struct progress		 pg;
	struct stat		 st;
	const char		*dir = c->c_conf.cf_data_dir;
	char			 src[PATH_MAX], dst[PATH_MAX], tmp[PATH_MAX];
	int			 lockfd, fd, dfd;

	if (argc != 1)
		ctl_usage();
	if (c->c_conf.cf_database != NULL)
		fatalx("restore: the store is a PostgreSQL database; restore "
		    "it with its own tools (pg_restore), or import an export");
	if ((size_t)snprintf(src, sizeof(src), "%s/data.mdb", argv[0]) >=
	    sizeof(src) ||
	    (size_t)snprintf(dst, sizeof(dst), "%s/data.mdb", dir) >=
	    sizeof(dst) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/data.mdb.restore-XXXXXX",
	    dir) >= sizeof(tmp))
		fatalx("restore: path too long");
	if (stat(src, &st) == -1)
		fatal("%s: not a backup", src);
	if (!S_ISREG(st.st_mode))
		fatalx("%s: not a regular file", src);
	/* refuse a backup of another format before touching anything */
	eb.eb_msg[0] = '\0';
	store_params_from_config(&c->c_conf, STORE_RDONLY, &sp);
	sp.sp_dir = argv[0];
	if (store_open(&sp, &bs, &eb) != SCIM_OK)
		fatalx("%s", eb.eb_msg);
	store_close(bs);

	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		fatal("%s", dir);
	if (store_in_use(dir, &lockfd))
		fatalx("%s is in use (is scimd running?): stop scimd, then "
		    "restore", dir);
	if ((fd = mkstemp(tmp)) == -1)
		fatal("%s", tmp);
	progress_init(&pg, "restore", c->c_progress);
	copy_file(src, fd, &pg, (size_t)st.st_size);
	progress(&pg, (size_t)st.st_size, (size_t)st.st_size,
	    (size_t)st.st_size, 1);
	if (fchmod(fd, 0600) == -1 || close(fd) == -1)
		fatal("%s", tmp);
	/* rename is atomic: the data dir holds the old store or the new */
	if (rename(tmp, dst) == -1) {
		unlink(tmp);
		fatal("rename %s", dst);
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	if (lockfd != -1)
		close(lockfd);
	fprintf(stderr, "restored %s into %s (%lld bytes); run scimctl "
	    "verify, then start scimd\n", argv[0], dir,
	    (long long)st.st_size);
	return (0);
}
