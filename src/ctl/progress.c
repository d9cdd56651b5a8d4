/* scimctl's progress line (progress.h). */
#include "scimd.h"

#include <stdio.h>
#include <unistd.h>

#include "progress.h"
#include "util.h"

void
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

void
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
