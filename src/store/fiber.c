/*
 * fiber.h on ucontext: makecontext makes a fiber's stack, one mmap'ed stack
 * per fiber with a guard page below it, kept for reuse.  Switches are
 * _setjmp/_longjmp, which leave the signal mask alone: swapcontext saves
 * and sets it with a system call each time (five per request on a
 * database, ~0.9 us each on this VM); only a new stack's first entry goes
 * through swapcontext.  A finished fiber's trampoline waits in its last
 * switch for the next function, so a reused stack needs no makecontext.
 * Under AddressSanitizer every switch is swapcontext, announced so that it
 * follows the stacks, and a finished stack starts afresh.
 */
/* jumps between stacks are what fibers do: no __longjmp_chk */
#undef _FORTIFY_SOURCE
#include "scimd.h"

#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/queue.h>
#include <ucontext.h>
#include <unistd.h>

#include "error.h"
#include "fiber.h"
#include "log.h"

#if defined(__SANITIZE_ADDRESS__)
#define FIBER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FIBER_ASAN 1
#endif
#endif

#ifdef FIBER_ASAN
#include <dlfcn.h>

void	__sanitizer_start_switch_fiber(void **, const void *, size_t);
void	__sanitizer_finish_switch_fiber(void *, const void **, size_t *);
void	__asan_unpoison_memory_region(void const volatile *, size_t);

/*
 * libc's own swapcontext: ASan's wrapper only adds a warning on stderr
 * (which the sanitizer CI counts as a report); the switches are announced
 * to ASan below, and fiber_spawn clears a reused stack's shadow itself.
 */
static int
fiber_swap(ucontext_t *from, const ucontext_t *to)
{
	static int	(*real)(ucontext_t *, const ucontext_t *);
	void		*h;

	if (real == NULL) {
		if ((h = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD)) != NULL)
			*(void **)&real = dlsym(h, "swapcontext");
		if (real == NULL)
			real = swapcontext;
	}
	return (real(from, to));
}
#endif

/* valgrind follows a stack switch only to a stack it was told of */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define FIBER_VALGRIND 1
#endif
#endif

/* Deep enough for json-c, the filter parser's recursion and libpq. */
#define FIBER_STACK	(256 * 1024)
#define FIBER_CACHE	64

struct fiber {
	ucontext_t	 f_ctx;
	ucontext_t	 f_caller;
#ifndef FIBER_ASAN
	jmp_buf		 f_jb;		/* the fiber, where it switched out */
	jmp_buf		 f_caller_jb;	/* its resumer, where it switched in */
	int		 f_started;	/* f_jb is set: the trampoline runs */
#endif
	void		*f_map;		/* guard page + stack */
	size_t		 f_maplen;
	void		(*f_fn)(void *);
	void		*f_arg;
	int		 f_done;
	struct fiber	*f_next;	/* free list */
	LIST_ENTRY(fiber) f_live;	/* alive: running or suspended */
#ifdef FIBER_VALGRIND
	unsigned	 f_vgid;
#endif
#ifdef FIBER_ASAN
	void		*f_fake;	/* ASan's fake stack of the caller */
	const void	*f_caller_bottom;
	size_t		 f_caller_size;
#endif
};

static struct fiber	*fiber_cur;
static struct fiber	*fiber_free;
static int		 fiber_nfree;
static LIST_HEAD(, fiber) fiber_lives = LIST_HEAD_INITIALIZER(fiber_lives);

static inline void *
stack_base(struct fiber *f)
{
	return ((char *)f->f_map + sysconf(_SC_PAGESIZE));
}

static inline size_t
stack_size(struct fiber *f)
{
	return (f->f_maplen - (size_t)sysconf(_SC_PAGESIZE));
}

#ifdef FIBER_ASAN
/* Switch from the caller's stack into f. */
static void
switch_in(struct fiber *f)
{
	struct fiber	*prev = fiber_cur;

	fiber_cur = f;
	__sanitizer_start_switch_fiber(&f->f_fake, stack_base(f),
	    stack_size(f));
	fiber_swap(&f->f_caller, &f->f_ctx);
	__sanitizer_finish_switch_fiber(f->f_fake, NULL, NULL);
	fiber_cur = prev;
}

/* Switch from f back to its caller; the fiber's stack dies when done. */
static void
switch_out(struct fiber *f)
{
	void	*fake = NULL;

	__sanitizer_start_switch_fiber(f->f_done ? NULL : &fake,
	    f->f_caller_bottom, f->f_caller_size);
	fiber_swap(&f->f_ctx, &f->f_caller);
	__sanitizer_finish_switch_fiber(fake, &f->f_caller_bottom,
	    &f->f_caller_size);
}
#else
/*
 * Switch from the caller's stack into f: a jump to where f switched out,
 * or into its trampoline the first time.  Either way f comes back with a
 * jump to f_caller_jb, which unwinds whatever the first entry's
 * swapcontext left on this stack.
 */
static void
switch_in(struct fiber *f)
{
	struct fiber	*volatile prev = fiber_cur;

	fiber_cur = f;
	if (_setjmp(f->f_caller_jb) == 0) {
		if (f->f_started)
			_longjmp(f->f_jb, 1);
		f->f_started = 1;
		swapcontext(&f->f_caller, &f->f_ctx);
		abort();	/* NOTREACHED: f jumps back to f_caller_jb */
	}
	fiber_cur = prev;
}

/* Switch from f back to its caller, until it is resumed (or reused). */
static void
switch_out(struct fiber *f)
{
	if (_setjmp(f->f_jb) == 0)
		_longjmp(f->f_caller_jb, 1);
}
#endif

static void
trampoline(unsigned int hi, unsigned int lo)
{
	struct fiber	*f = (struct fiber *)(((uintptr_t)hi << 32) |
			    (uintptr_t)lo);

#ifdef FIBER_ASAN
	__sanitizer_finish_switch_fiber(NULL, &f->f_caller_bottom,
	    &f->f_caller_size);
	f->f_fn(f->f_arg);
	f->f_done = 1;
	switch_out(f);
	/* NOTREACHED: a finished fiber is never resumed */
	abort();
#else
	/* a finished fiber waits here to run the next function */
	for (;;) {
		f->f_fn(f->f_arg);
		f->f_done = 1;
		switch_out(f);
	}
#endif
}

static void
stack_free(struct fiber *f)
{
#ifdef FIBER_VALGRIND
	VALGRIND_STACK_DEREGISTER(f->f_vgid);
#endif
#ifdef FIBER_ASAN
	free(f->f_map);
#else
	munmap(f->f_map, f->f_maplen);
#endif
	free(f);
}

static struct fiber *
fiber_get(void)
{
	struct fiber	*f;
	size_t		 page = (size_t)sysconf(_SC_PAGESIZE);

	if ((f = fiber_free) != NULL) {
		fiber_free = f->f_next;
		fiber_nfree--;
		return (f);
	}
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return (NULL);
	f->f_maplen = FIBER_STACK + page;
#ifdef FIBER_ASAN
	/*
	 * On the heap: LeakSanitizer then scans a suspended fiber's stack, so
	 * what only it points to (a request cut short at exit) is no leak.
	 */
	if ((f->f_map = malloc(f->f_maplen)) == NULL) {
		free(f);
		return (NULL);
	}
#else
	f->f_map = mmap(NULL, f->f_maplen, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f->f_map == MAP_FAILED) {
		free(f);
		return (NULL);
	}
	/* an overflow faults on the guard page instead of corrupting */
	mprotect(f->f_map, page, PROT_NONE);
#endif
#ifdef FIBER_VALGRIND
	f->f_vgid = VALGRIND_STACK_REGISTER(stack_base(f),
	    (char *)stack_base(f) + stack_size(f));
#endif
	return (f);
}

static void
fiber_put(struct fiber *f)
{
	if (fiber_nfree >= FIBER_CACHE) {
		stack_free(f);
		return;
	}
	f->f_next = fiber_free;
	fiber_free = f;
	fiber_nfree++;
}

int
fiber_spawn(void (*fn)(void *), void *arg)
{
	/* volatile: getcontext returns like setjmp as far as GCC knows */
	struct fiber	*volatile f;
	uintptr_t	 p;

	if ((f = fiber_get()) == NULL)
		return (SCIM_ENOMEM);
#ifndef FIBER_ASAN
	if (f->f_started) {		/* a cached stack: its trampoline waits */
		f->f_fn = fn;
		f->f_arg = arg;
		f->f_done = 0;
		LIST_INSERT_HEAD(&fiber_lives, f, f_live);
		fiber_resume(f);
		return (SCIM_OK);
	}
#endif
	if (getcontext(&f->f_ctx) == -1) {
		fiber_put(f);
		return (SCIM_ENOMEM);
	}
#ifdef FIBER_ASAN
	__asan_unpoison_memory_region(stack_base(f), stack_size(f));
#endif
	f->f_ctx.uc_stack.ss_sp = stack_base(f);
	f->f_ctx.uc_stack.ss_size = stack_size(f);
	f->f_ctx.uc_link = NULL;
	f->f_fn = fn;
	f->f_arg = arg;
	f->f_done = 0;
	p = (uintptr_t)f;
	makecontext(&f->f_ctx, (void (*)(void))trampoline, 2,
	    (unsigned int)(p >> 32), (unsigned int)(p & 0xffffffffu));
	LIST_INSERT_HEAD(&fiber_lives, f, f_live);
	fiber_resume(f);
	return (SCIM_OK);
}

void
fiber_run(void (*fn)(void *), void *arg)
{
	/* already on a fiber, or no stack to be had: call directly */
	if (fiber_cur != NULL || fiber_spawn(fn, arg) != SCIM_OK)
		fn(arg);
}

struct fiber *
fiber_self(void)
{
	return (fiber_cur);
}

void
fiber_yield(void)
{
	struct fiber	*f = fiber_cur;

	if (f == NULL)
		fatalx("fiber_yield outside a fiber");
	switch_out(f);
}

void
fiber_resume(struct fiber *f)
{
	if (fiber_cur != NULL)
		fatalx("fiber_resume from a fiber");
	switch_in(f);
	if (f->f_done) {
		LIST_REMOVE(f, f_live);
		fiber_put(f);
	}
}

void
fiber_shutdown(void)
{
	struct fiber	*f;

	while ((f = fiber_free) != NULL) {
		fiber_free = f->f_next;
		stack_free(f);
	}
	fiber_nfree = 0;
}
