/* A minimal TAP producer for the unit tests (Knot's tap/basic.c idea). */
#ifndef TAP_H
#define TAP_H

#include <stddef.h>

void	plan(int n);
void	plan_lazy(void);
int	ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int	is_int(long long want, long long got, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	is_str(const char *want, const char *got, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	skip(const char *reason);
/* Print the plan if lazy; returns the exit status (1 if any test failed). */
int	done_testing(void);

/* A fresh temporary directory (mkdtemp under $TMPDIR) and its removal. */
char	*test_mkdtemp(void);
void	test_rm_rf(const char *dir);

#endif /* TAP_H */
