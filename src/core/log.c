/* Logging to stderr with levels; a daemon under systemd or docker logs there. */
#include "scimd.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE	2048
#define LOG_BUF		(32 * 1024)

static const char	*log_prog = "scimd";
static int		 log_level = LOG_LVL_INFO;
static char		 log_buf[LOG_BUF];	/* access lines not yet written */
static size_t		 log_len;
/* the loop buffers, the writer thread (commit.c) may warn meanwhile */
static pthread_mutex_t	 log_mtx = PTHREAD_MUTEX_INITIALIZER;

void
log_init(const char *progname, int level)
{
	static int	registered;

	log_prog = progname;
	log_level = level;
	if (!registered && atexit(log_flush) == 0)
		registered = 1;
}

/*
 * All of it or give up: a short write is retried, an error (stderr closed,
 * a full disk) drops the lines rather than stall the loop on them.
 */
static void
flush_locked(void)
{
	size_t	off = 0;
	ssize_t	n;
	int	saved = errno;

	while (off < log_len) {
		n = write(STDERR_FILENO, log_buf + off, log_len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	log_len = 0;
	errno = saved;
}

void
log_flush(void)
{
	pthread_mutex_lock(&log_mtx);
	flush_locked();
	pthread_mutex_unlock(&log_mtx);
}

int
log_access(const char *fmt, ...)
{
	va_list	ap;
	char	line[LOG_LINE + 64];
	size_t	len;
	int	n;

	if (log_level < LOG_LVL_INFO) {
		pthread_mutex_lock(&log_mtx);
		n = log_len > 0;
		pthread_mutex_unlock(&log_mtx);
		return (n);
	}
	n = snprintf(line, sizeof(line), "%s: info: ", log_prog);
	len = n < 0 ? 0 : (size_t)n;
	if (len > sizeof(line) - LOG_LINE)
		len = sizeof(line) - LOG_LINE;
	va_start(ap, fmt);
	n = vsnprintf(line + len, LOG_LINE - 1, fmt, ap);
	va_end(ap);
	if (n > 0)
		len += (size_t)n < LOG_LINE - 2 ? (size_t)n : LOG_LINE - 2;
	line[len++] = '\n';
	pthread_mutex_lock(&log_mtx);
	if (log_len + len > sizeof(log_buf))
		flush_locked();
	memcpy(log_buf + log_len, line, len);
	log_len += len;
	pthread_mutex_unlock(&log_mtx);
	return (1);
}

void
log_setlevel(int level)
{
	log_level = level;
}

int
log_getlevel(void)
{
	return (log_level);
}

static void
vlog(int level, const char *emsg, const char *fmt, va_list ap)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	char		msg[LOG_LINE];

	if (level > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	pthread_mutex_lock(&log_mtx);
	flush_locked();		/* the access lines before it stay before it */
	if (emsg != NULL)
		fprintf(stderr, "%s: %s: %s: %s\n", log_prog, names[level], msg,
		    emsg);
	else
		fprintf(stderr, "%s: %s: %s\n", log_prog, names[level], msg);
	pthread_mutex_unlock(&log_mtx);
}

#define LOGFN(name, lvl, witherr)				\
void								\
name(const char *fmt, ...)					\
{								\
	va_list	ap;						\
	int	saved = errno;					\
								\
	va_start(ap, fmt);					\
	vlog(lvl, witherr ? strerror(saved) : NULL, fmt, ap);	\
	va_end(ap);						\
	errno = saved;						\
}

LOGFN(log_warn, LOG_LVL_WARN, 1)
LOGFN(log_warnx, LOG_LVL_WARN, 0)
LOGFN(log_info, LOG_LVL_INFO, 0)
LOGFN(log_debug, LOG_LVL_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, strerror(saved), fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

char *
log_escape(const char *s, size_t len, char *buf, size_t bufsz)
{
	size_t		i, o = 0;
	unsigned char	c;

	if (bufsz == 0)
		return (buf);
	for (i = 0; i < len && o + 5 < bufsz; i++) {
		c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
			snprintf(buf + o, bufsz - o, "\\x%02x", c);
			o += 4;
		} else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return (buf);
}
