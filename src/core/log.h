/*
 * OpenBSD-style logging to stderr: log_warn adds strerror(errno),
 * log_warnx does not; fatal/fatalx exit 1 and are only for startup errors
 * and broken invariants.  Client-supplied text must go through log_escape.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void	log_init(const char *progname, int level);
void	log_setlevel(int level);
int	log_getlevel(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/*
 * The access log: info-level lines kept in a buffer and written by
 * log_flush, so a busy loop writes once per iteration rather than once per
 * request.  Every other log line flushes the buffer first (lines stay in
 * order), a full buffer flushes itself, and exit(3) flushes (atexit).  The
 * caller arranges the periodic log_flush; log_access returns 1 when the
 * buffer holds lines.
 */
int	log_access(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_flush(void);

/*
 * Copy s (len bytes) into buf with control characters, quotes, backslashes
 * and non-ASCII bytes escaped as \xNN, truncated to fit; returns buf.
 */
char	*log_escape(const char *s, size_t len, char *buf, size_t bufsz);

#endif /* LOG_H */
