/*
 * scimctl import: an export's lines (ctl_export.c) into a tenant of this
 * store, with their ids, meta and memberships.
 *
 * Worker threads prepare the lines (lines.c: parse, validate, serialise);
 * this thread inserts them in file order, IMPORT_BATCH resources to a write
 * transaction.  A line that does not prepare (not JSON, not a valid User
 * or Group) is named and skipped without touching the transaction.  One
 * that fails to insert (a taken id or userName) may have written part of
 * itself, so the batch is undone and done again from its lines' text, each
 * line nested: the bad ones are named and dropped, the rest go on.
 */
#include "scimd.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ctl.h"
#include "error.h"
#include "jsonutil.h"
#include "lines.h"
#include "load.h"
#include "log.h"
#include "member.h"
#include "progress.h"
#include "record.h"
#include "schema.h"
#include "store.h"
#include "tenant.h"
#include "util.h"

#define IMPORT_BATCH	100000	/* resources per write transaction */
#define IMPORT_WORKERS	4	/* preparing threads, at most */

/* A member reference to resolve once every line is in. */
struct pending {
	uint64_t	pd_grid;
	size_t		pd_line;
	char		pd_id[SCIM_ID_MAX];
};

/* A line of the open batch, kept (text and number) for a redo. */
struct kept {
	char		*k_text;
	size_t		 k_len;
	size_t		 k_no;
};

struct import {
	struct ctl		*im_ctl;
	uint32_t		 im_tenant;
	uint64_t		 im_version_base;
	struct pending		*im_pend;
	size_t			 im_npend;
	size_t			 im_cappend;
	size_t			 im_loaded;	/* committed */
	size_t			 im_errors;
	struct store_txn	*im_txn;	/* the open batch */
	uint64_t		 im_batch_version;	/* its highest */
	size_t			 im_batch_loaded;
	size_t			 im_batch_npend;	/* im_npend at its start */
	struct kept		*im_kept;	/* its lines */
	size_t			 im_nkept;
	size_t			 im_capkept;
};

/* Add the members arr of a line to group grid; unknown ids wait. */
static int
import_members(struct import *im, struct store_txn *t, uint64_t grid,
    struct json_object *arr, size_t line, struct scim_errbuf *eb)
{
	struct json_object	*m;
	const char		*id;
	uint64_t		 rid;
	size_t			 i, n;
	uint8_t			 tag;
	int			 rc, added;

	if (arr == NULL)
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

/* Insert a prepared line in t; on failure t holds part of it. */
static int
import_item(struct import *im, struct store_txn *t, const struct load_item *li,
    size_t line, struct scim_errbuf *eb)
{
	uint64_t	rid;
	int		rc;

	eb->eb_msg[0] = '\0';
	if ((rc = load_insert(t, im->im_tenant, li, &rid, eb)) == SCIM_OK)
		rc = import_members(im, t, rid, li->li_members, line, eb);
	return (rc);
}

static void
line_failed(struct import *im, size_t line, int rc,
    const struct scim_errbuf *eb)
{
	im->im_errors++;
	log_warnx("line %zu: %s", line, eb->eb_msg[0] != '\0' ? eb->eb_msg :
	    scim_err_text(rc));
}

/* Kept line k again, prepared here and nested in the batch: 1 if it went in. */
static int
redo_line(struct import *im, const struct kept *k)
{
	struct store_txn	*t = NULL;
	struct load_item	 li;
	struct scim_errbuf	 eb;
	size_t			 npend = im->im_npend;
	int			 rc;

	if ((rc = load_prepare(k->k_text, k->k_len, im->im_version_base +
	    k->k_no, &li, &eb)) != SCIM_OK) {
		line_failed(im, k->k_no, rc, &eb);
		return (0);
	}
	if ((rc = store_begin_nested(im->im_txn, &t)) == SCIM_OK &&
	    (rc = import_item(im, t, &li, k->k_no, &eb)) == SCIM_OK) {
		rc = store_commit(t);
		t = NULL;
	}
	store_abort(t);
	load_item_free(&li);
	if (rc == SCIM_OK)
		return (1);
	im->im_npend = npend;	/* its members went with it */
	line_failed(im, k->k_no, rc, &eb);
	return (0);
}

/*
 * A line of the batch failed to insert: undo the batch and do its lines
 * again one by one, nested, so that the bad ones are named and dropped.
 * A nested transaction per line costs LMDB a dirty list of its own each,
 * which is why the lines go straight in until one fails.
 */
static void
import_redo(struct import *im)
{
	size_t	i, keep = 0;

	store_abort(im->im_txn);
	im->im_npend = im->im_batch_npend;
	im->im_txn = ctl_begin(im->im_ctl, 1);
	im->im_batch_loaded = 0;
	for (i = 0; i < im->im_nkept; i++) {
		if (redo_line(im, &im->im_kept[i])) {
			im->im_kept[keep++] = im->im_kept[i];
			im->im_batch_loaded++;
		} else
			free(im->im_kept[i].k_text);
	}
	im->im_nkept = keep;
}

static void
import_commit(struct import *im)
{
	size_t	i;
	int	rc;

	if ((rc = store_counter_floor(im->im_txn, "version",
	    im->im_batch_version)) != SCIM_OK)
		fatalx("import: %s", scim_err_text(rc));
	im->im_batch_version = 0;
	ctl_commit(im->im_txn);
	im->im_txn = NULL;
	im->im_loaded += im->im_batch_loaded;
	im->im_batch_loaded = 0;
	im->im_batch_npend = im->im_npend;
	for (i = 0; i < im->im_nkept; i++)
		free(im->im_kept[i].k_text);
	im->im_nkept = 0;
}

/* One prepared line, in file order; its text becomes the batch's. */
static void
import_line(struct import *im, struct lines_line *ln)
{
	struct scim_errbuf	 eb;
	struct kept		*k;

	if (ln->ll_rc != SCIM_OK) {
		line_failed(im, ln->ll_no, ln->ll_rc, &ln->ll_eb);
		free(ln->ll_text);
		return;
	}
	if (im->im_txn == NULL)
		im->im_txn = ctl_begin(im->im_ctl, 1);
	if (im->im_nkept == im->im_capkept) {
		im->im_capkept = im->im_capkept ? im->im_capkept * 2 : 1024;
		im->im_kept = xrealloc(im->im_kept,
		    im->im_capkept * sizeof(*im->im_kept));
	}
	k = &im->im_kept[im->im_nkept++];
	k->k_text = ln->ll_text;
	k->k_len = ln->ll_len;
	k->k_no = ln->ll_no;
	if (ln->ll_item.li_version > im->im_batch_version)
		im->im_batch_version = ln->ll_item.li_version;
	if (import_item(im, im->im_txn, &ln->ll_item, ln->ll_no, &eb) ==
	    SCIM_OK)
		im->im_batch_loaded++;
	else
		import_redo(im);	/* names this line, among others */
	if (im->im_nkept >= IMPORT_BATCH)
		import_commit(im);
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

/*
 * The tenant (made when new) and the first version number of lines
 * without a meta of their own: past every version handed out so far.
 */
static void
import_start(struct import *im)
{
	struct store_txn	*t;
	const char		*name = im->im_ctl->c_tenant;
	int			 rc;

	t = ctl_begin(im->im_ctl, 1);
	rc = tenant_lookup(t, name, &im->im_tenant);
	if (rc == SCIM_ENOTFOUND) {
		if ((rc = tenant_create(t, name, &im->im_tenant)) != SCIM_OK)
			fatalx("tenant %s: %s", name, scim_err_text(rc));
		fprintf(stderr, "created tenant \"%s\"\n", name);
	} else if (rc != SCIM_OK)
		fatalx("tenant %s: %s", name, scim_err_text(rc));
	if ((rc = store_next_id(t, "version", &im->im_version_base)) !=
	    SCIM_OK)
		fatalx("import: %s", scim_err_text(rc));
	ctl_commit(t);
}

/* One CPU is this thread's, which prepares lines too while it waits. */
static int
workers(void)
{
	long	n = sysconf(_SC_NPROCESSORS_ONLN) - 1;

	return (n < 1 ? 1 : n > IMPORT_WORKERS ? IMPORT_WORKERS : (int)n);
}

int
cmd_import(struct ctl *c, int argc, char **argv)
{
	struct import		*im;
	struct lines		*l;
	struct lines_chunk	*ch;
	struct progress		 pg;
	struct stat		 st;
	FILE			*in = stdin;
	const char		*file = argc == 1 ? argv[0] : "-";
	size_t			 i, total = 0, bytes;
	int			 status;

	if (argc > 1)
		ctl_usage();
	if (strcmp(file, "-") != 0 && (in = fopen(file, "r")) == NULL)
		fatal("%s", file);
	if (fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode))
		total = (size_t)st.st_size;
	ctl_open(c);
	im = xcalloc(1, sizeof(*im));
	im->im_ctl = c;
	import_start(im);
	progress_init(&pg, "import", c->c_progress);
	l = lines_open(in, workers(), im->im_version_base);
	while ((ch = lines_next(l)) != NULL) {
		for (i = 0; i < ch->lc_n; i++)
			import_line(im, &ch->lc_line[i]);
		lines_release(l, ch);
		progress(&pg, lines_bytes(l), total, im->im_loaded +
		    im->im_batch_loaded, 0);
	}
	if (lines_read_error(l) != 0)
		fatalx("import: %s: %s", file, strerror(lines_read_error(l)));
	if (im->im_txn != NULL)
		import_commit(im);
	bytes = lines_bytes(l);
	lines_close(l);
	import_pending(im);
	progress(&pg, bytes, total, im->im_loaded, 1);
	if (in != stdin)
		fclose(in);
	fprintf(stderr, "imported %zu resource(s) into tenant \"%s\", %zu "
	    "error(s)\n", im->im_loaded, c->c_tenant, im->im_errors);
	status = im->im_errors > 0 ? 1 : 0;
	free(im->im_kept);
	free(im->im_pend);
	free(im);
	return (status);
}
