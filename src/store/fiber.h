/*
 * Coroutines on the event loop: a request that must wait for a database
 * runs on a stack of its own and yields, so the loop serves others
 * meanwhile.  Only the main stack resumes a fiber (from an event callback);
 * a fiber yields back to whoever resumed it.
 */
#ifndef FIBER_H
#define FIBER_H

struct fiber;

/*
 * Run fn(arg) on a new fiber until it yields or returns.  SCIM_ENOMEM when
 * no stack could be had (the caller then runs fn itself).
 */
int		 fiber_spawn(void (*fn)(void *), void *arg);
/* fn(arg) where it may yield: on a new fiber, or at once when on one. */
void		 fiber_run(void (*fn)(void *), void *arg);
/* The running fiber, or NULL on the main stack. */
struct fiber	*fiber_self(void);
/* Suspend the running fiber until fiber_resume. */
void		 fiber_yield(void);
/* Continue f (main stack only); returns when f yields again or ends. */
void		 fiber_resume(struct fiber *f);
/* Free the cached stacks (at exit). */
void		 fiber_shutdown(void);

#endif /* FIBER_H */
