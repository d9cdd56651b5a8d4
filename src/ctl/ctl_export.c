/*
 * scimctl export and restore: a tenant's resources as lines for another
 * instance (ctl_import.c reads them back), and putting a backup back.
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
#include "progress.h"
#include "record.h"
#include "schema.h"
#include "store.h"
#include "util.h"


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
		if (jsonutil_parse(v.sv_data, v.sv_len, LOAD_DEPTH, &doc,
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
