/* Logging to stderr with levels; a daemon under systemd or docker logs there. */
#include "scimd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

static const char	*log_prog = "scimd";
static int		 log_level = LOG_LVL_INFO;

void
log_init(const char *progname, int level)
{
	log_prog = progname;
	log_level = level;
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
	char		msg[2048];

	if (level > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (emsg != NULL)
		fprintf(stderr, "%s: %s: %s: %s\n", log_prog, names[level], msg,
		    emsg);
	else
		fprintf(stderr, "%s: %s: %s\n", log_prog, names[level], msg);
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
