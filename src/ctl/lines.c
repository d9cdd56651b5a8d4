/*
 * Reading and preparing an import's lines (lines.h).
 *
 * A ring of chunks, each in one state at a time:
 *   FREE -> FILLED (the caller read lines into it) -> BUSY (a worker
 *   prepares it) -> READY -> OUT (handed to the caller) -> USED (released)
 *   -> FREE (its worker freed the items).
 * The caller fills chunks in sequence and takes them back in the same
 * sequence, so lines come out in file order whichever worker was faster.
 * Only the caller reads the input and fills chunks; one mutex guards the
 * states, one condition wakes the workers, another the caller.
 */
#include "scimd.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "jsontext.h"
#include "jsonutil.h"
#include "lines.h"
#include "load.h"
#include "log.h"
#include "util.h"

#define LINES_RING	16	/* chunks in flight */
#define LINES_CALLER	(-1)	/* lc_owner of a chunk the caller prepared */

enum { CH_FREE, CH_FILLED, CH_BUSY, CH_READY, CH_OUT, CH_USED };

struct lines {
	FILE			*l_in;
	char			*l_buf;		/* getline's */
	size_t			 l_cap;
	size_t			 l_lineno;
	size_t			 l_bytes;
	int			 l_eof;
	int			 l_errno;
	uint64_t		 l_version_base;

	pthread_mutex_t		 l_mtx;
	pthread_cond_t		 l_work;	/* a chunk to prepare or free */
	pthread_cond_t		 l_done;	/* a chunk became READY or FREE */
	int			 l_quit;
	size_t			 l_fill_seq;	/* sequence of the next fill */
	size_t			 l_next_seq;	/* sequence handed out next */
	struct lines_chunk	 l_ring[LINES_RING];
	pthread_t		*l_thr;
	int			 l_nthr;
};

struct worker {
	struct lines	*w_l;
	int		 w_id;
};

/*
 * Prepare c's lines (when c is not NULL), freeing the items of old (a
 * released chunk the same thread made, or NULL) one per line on the way:
 * an item freed, the next made, as a single thread would, keeps glibc's
 * fast bins small; freed all at once they fill up and the next large
 * request consolidates them (twice the CPU of the whole import, measured).
 */
static void
prepare_chunk(struct lines *l, struct lines_chunk *c, struct lines_chunk *old)
{
	struct lines_line	*ln;
	size_t			 i, n = c != NULL ? c->lc_n : 0;
	size_t			 nold = old != NULL ? old->lc_n : 0;

	for (i = 0; i < n || i < nold; i++) {
		if (i < nold)
			load_item_free(&old->lc_line[i].ll_item);
		if (i >= n)
			continue;
		ln = &c->lc_line[i];
		ln->ll_rc = load_prepare(ln->ll_text, ln->ll_len,
		    l->l_version_base + ln->ll_no, &ln->ll_item, &ln->ll_eb);
	}
}

/* Worker id's released chunk, if any, and the oldest filled one. */
static void
work_for(struct lines *l, int id, struct lines_chunk **used,
    struct lines_chunk **filled)
{
	struct lines_chunk	*c;
	size_t			 i;

	*used = *filled = NULL;
	for (i = 0; i < LINES_RING; i++) {
		c = &l->l_ring[i];
		if (c->lc_state == CH_USED && c->lc_owner == id)
			*used = c;
		if (c->lc_state == CH_FILLED &&
		    (*filled == NULL || c->lc_seq < (*filled)->lc_seq))
			*filled = c;
	}
}

/*
 * One turn of work for id (a worker, or LINES_CALLER): free the items of
 * its released chunk and prepare the oldest filled one, either or both.
 * Called and returns with the mutex held; 0 when there was nothing to do.
 */
static int
work(struct lines *l, int id)
{
	struct lines_chunk	*used, *filled;

	work_for(l, id, &used, &filled);
	if (used == NULL && filled == NULL)
		return (0);
	if (used != NULL)
		used->lc_state = CH_BUSY;
	if (filled != NULL) {
		filled->lc_state = CH_BUSY;
		filled->lc_owner = id;
	}
	pthread_mutex_unlock(&l->l_mtx);
	prepare_chunk(l, filled, used);
	pthread_mutex_lock(&l->l_mtx);
	if (used != NULL)
		used->lc_state = CH_FREE;
	if (filled != NULL)
		filled->lc_state = CH_READY;
	pthread_cond_signal(&l->l_done);
	return (1);
}

static void *
worker_main(void *arg)
{
	struct worker	*w = arg;
	struct lines	*l = w->w_l;

	pthread_mutex_lock(&l->l_mtx);
	for (;;) {
		if (work(l, w->w_id))
			continue;
		if (l->l_quit)
			break;
		pthread_cond_wait(&l->l_work, &l->l_mtx);
	}
	pthread_mutex_unlock(&l->l_mtx);
	jsonutil_thread_done();
	jsontext_thread_done();
	free(w);
	return (NULL);
}

/* Read up to a chunk of non-blank lines into c (the caller's thread). */
static void
fill(struct lines *l, struct lines_chunk *c)
{
	struct lines_line	*ln;
	ssize_t			 len;

	c->lc_n = 0;
	while (c->lc_n < LINES_CHUNK) {
		if ((len = getline(&l->l_buf, &l->l_cap, l->l_in)) == -1) {
			if (ferror(l->l_in))
				l->l_errno = errno != 0 ? errno : EIO;
			l->l_eof = 1;
			return;
		}
		l->l_lineno++;
		l->l_bytes += (size_t)len;
		while (len > 0 && (l->l_buf[len - 1] == '\n' ||
		    l->l_buf[len - 1] == '\r'))
			len--;
		if (len == 0)
			continue;
		ln = &c->lc_line[c->lc_n++];
		ln->ll_text = xmalloc((size_t)len + 1);	/* NULs and all */
		memcpy(ln->ll_text, l->l_buf, (size_t)len);
		ln->ll_text[len] = '\0';
		ln->ll_len = (size_t)len;
		ln->ll_no = l->l_lineno;
	}
}

struct lines *
lines_open(FILE *in, int workers, uint64_t version_base)
{
	struct lines	*l;
	struct worker	*w;
	int		 i;

	l = xcalloc(1, sizeof(*l));
	l->l_in = in;
	l->l_version_base = version_base;
	pthread_mutex_init(&l->l_mtx, NULL);
	pthread_cond_init(&l->l_work, NULL);
	pthread_cond_init(&l->l_done, NULL);
	l->l_thr = xcalloc((size_t)(workers < 1 ? 1 : workers),
	    sizeof(*l->l_thr));
	for (i = 0; i < workers || i == 0; i++) {
		w = xcalloc(1, sizeof(*w));
		w->w_l = l;
		w->w_id = i;
		if ((errno = pthread_create(&l->l_thr[i], NULL, worker_main,
		    w)) != 0)
			fatal("pthread_create");
		l->l_nthr++;
	}
	return (l);
}

struct lines_chunk *
lines_next(struct lines *l)
{
	struct lines_chunk	*c;

	pthread_mutex_lock(&l->l_mtx);
	for (;;) {
		c = &l->l_ring[l->l_fill_seq % LINES_RING];
		if (!l->l_eof && c->lc_state == CH_FREE) {
			/* only this thread fills: the chunk is ours meanwhile */
			pthread_mutex_unlock(&l->l_mtx);
			fill(l, c);
			pthread_mutex_lock(&l->l_mtx);
			if (c->lc_n > 0) {
				c->lc_seq = l->l_fill_seq++;
				c->lc_state = CH_FILLED;
				pthread_cond_signal(&l->l_work);
			}
			continue;
		}
		if (l->l_next_seq == l->l_fill_seq && l->l_eof) {
			c = NULL;
			break;
		}
		c = &l->l_ring[l->l_next_seq % LINES_RING];
		if (c->lc_state == CH_READY && c->lc_seq == l->l_next_seq) {
			c->lc_state = CH_OUT;
			l->l_next_seq++;
			break;
		}
		/* rather than wait, prepare a chunk here: no CPU idles */
		if (!work(l, LINES_CALLER))
			pthread_cond_wait(&l->l_done, &l->l_mtx);
	}
	pthread_mutex_unlock(&l->l_mtx);
	return (c);
}

void
lines_release(struct lines *l, struct lines_chunk *c)
{
	pthread_mutex_lock(&l->l_mtx);
	c->lc_state = CH_USED;
	/* its owner must wake: every worker looks */
	pthread_cond_broadcast(&l->l_work);
	pthread_mutex_unlock(&l->l_mtx);
}

size_t
lines_bytes(const struct lines *l)
{
	return (l->l_bytes);
}

int
lines_read_error(const struct lines *l)
{
	return (l->l_errno);
}

void
lines_close(struct lines *l)
{
	struct lines_chunk	*c;
	size_t			 i, j;
	int			 k;

	if (l == NULL)
		return;
	pthread_mutex_lock(&l->l_mtx);
	/* wait out the busy ones; what was handed out and kept goes now */
	for (i = 0; i < LINES_RING; i++) {
		c = &l->l_ring[i];
		while (c->lc_state == CH_BUSY)
			pthread_cond_wait(&l->l_done, &l->l_mtx);
		if (c->lc_state == CH_FILLED || c->lc_state == CH_READY) {
			/* never handed out: the texts are still ours */
			for (j = 0; j < c->lc_n; j++)
				free(c->lc_line[j].ll_text);
		}
		if (c->lc_state == CH_READY || c->lc_state == CH_OUT)
			c->lc_state = CH_USED;
		else if (c->lc_state == CH_FILLED)
			c->lc_state = CH_FREE;
		if (c->lc_state == CH_USED && c->lc_owner == LINES_CALLER) {
			prepare_chunk(l, NULL, c);	/* frees only */
			c->lc_state = CH_FREE;
		}
	}
	l->l_quit = 1;
	pthread_cond_broadcast(&l->l_work);
	pthread_mutex_unlock(&l->l_mtx);
	for (k = 0; k < l->l_nthr; k++)
		pthread_join(l->l_thr[k], NULL);
	pthread_mutex_destroy(&l->l_mtx);
	pthread_cond_destroy(&l->l_work);
	pthread_cond_destroy(&l->l_done);
	free(l->l_thr);
	free(l->l_buf);
	free(l);
}
