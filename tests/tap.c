/* TAP output for unit tests: plan, ok, is_int, is_str, diag, skip. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

static int	tap_n, tap_failed, tap_lazy;

void
plan(int n)
{
	printf("1..%d\n", n);
}

void
plan_lazy(void)
{
	tap_lazy = 1;
}

static int
vok(int cond, const char *fmt, va_list ap)
{
	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	vprintf(fmt, ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return (cond);
}

int
ok(int cond, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vok(cond, fmt, ap);
	va_end(ap);
	return (cond);
}

int
is_int(long long want, long long got, const char *fmt, ...)
{
	va_list	ap;
	int	cond = want == got;

	va_start(ap, fmt);
	vok(cond, fmt, ap);
	va_end(ap);
	if (!cond)
		printf("#   wanted: %lld\n#      got: %lld\n", want, got);
	return (cond);
}

int
is_str(const char *want, const char *got, const char *fmt, ...)
{
	va_list	ap;
	int	cond;

	cond = (want == NULL && got == NULL) ||
	    (want != NULL && got != NULL && strcmp(want, got) == 0);
	va_start(ap, fmt);
	vok(cond, fmt, ap);
	va_end(ap);
	if (!cond)
		printf("#   wanted: %s\n#      got: %s\n",
		    want ? want : "(null)", got ? got : "(null)");
	return (cond);
}

void
diag(const char *fmt, ...)
{
	va_list	ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void
skip(const char *reason)
{
	printf("ok %d # SKIP %s\n", ++tap_n, reason);
}

int
done_testing(void)
{
	if (tap_lazy)
		printf("1..%d\n", tap_n);
	fflush(stdout);
	return (tap_failed ? 1 : 0);
}

char *
test_mkdtemp(void)
{
	const char	*tmp = getenv("TMPDIR");
	char		 path[4096];

	snprintf(path, sizeof(path), "%s/scimd-test.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(path) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	return (strdup(path));
}

void
test_rm_rf(const char *dir)
{
	char	cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
}
