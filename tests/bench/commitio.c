/*
 * commitio: what one durable LMDB commit costs this disk before any CPU.
 * A commit writes its dirty pages (a create dirties about five 4 KB leaves
 * at random places: the document's and one per index), fdatasyncs them,
 * then writes the meta page through a descriptor opened O_DSYNC.  This
 * does the same to a file of its own, for each page count given, and
 * prints the mean of each step over the rounds:
 *
 *	commitio FILE PAGES...
 *
 * The file (200 MB, sparse) is removed at the end.
 */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PAGE		4096
#define FILE_PAGES	51200		/* 200 MB */
#define ROUNDS		100

static double
ms_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

static void
put(int fd, const char *page, off_t pageno)
{
	if (pwrite(fd, page, PAGE, pageno * PAGE) != PAGE)
		err(1, "pwrite");
}

int
main(int argc, char **argv)
{
	static char	page[PAGE];
	double		t0, t1, t2, t3, w, s, m;
	int		fd, mfd, a, r, i, n;

	if (argc < 3)
		errx(2, "usage: commitio FILE PAGES...");
	if ((fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    (mfd = open(argv[1], O_RDWR | O_DSYNC)) == -1)
		err(1, "%s", argv[1]);
	if (ftruncate(fd, (off_t)FILE_PAGES * PAGE) == -1)
		err(1, "ftruncate");
	memset(page, 0x5a, sizeof(page));
	srandom(1);
	for (a = 2; a < argc; a++) {
		if ((n = atoi(argv[a])) < 1 || n > FILE_PAGES - 2)
			errx(2, "pages: 1 to %d", FILE_PAGES - 2);
		w = s = m = 0;
		for (r = 0; r < ROUNDS; r++) {
			t0 = ms_now();
			for (i = 0; i < n; i++)
				put(fd, page, 2 + random() % (FILE_PAGES - 2));
			t1 = ms_now();
			if (fdatasync(fd) == -1)
				err(1, "fdatasync");
			t2 = ms_now();
			put(mfd, page, r % 2);	/* the meta page, synchronous */
			t3 = ms_now();
			w += t1 - t0;
			s += t2 - t1;
			m += t3 - t2;
		}
		printf("{\"pages\":%d,\"pwrite_ms\":%.3f,\"fdatasync_ms\":%.3f,"
		    "\"meta_ms\":%.3f,\"commit_ms\":%.3f}\n", n, w / ROUNDS,
		    s / ROUNDS, m / ROUNDS, (w + s + m) / ROUNDS);
	}
	close(mfd);
	close(fd);
	if (unlink(argv[1]) == -1)
		err(1, "unlink");
	return (0);
}
