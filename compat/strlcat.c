/* strlcat(3) for libcs without it: append with truncation, always terminate. */
#include "build.h"

#include <string.h>

#include "compat.h"

size_t
strlcat(char *dst, const char *src, size_t dsize)
{
	size_t	dlen = strnlen(dst, dsize);

	if (dlen == dsize)
		return (dlen + strlen(src));
	return (dlen + strlcpy(dst + dlen, src, dsize - dlen));
}
