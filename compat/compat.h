/* Prototypes for functions glibc lacks; bodies live beside this file. */
#ifndef COMPAT_H
#define COMPAT_H

#include <stddef.h>

#ifndef HAVE_STRLCPY
size_t	strlcpy(char *, const char *, size_t);
#endif
#ifndef HAVE_STRLCAT
size_t	strlcat(char *, const char *, size_t);
#endif

#endif /* COMPAT_H */
