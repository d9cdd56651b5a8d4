/*
 * Compact JSON text of a json-c tree, byte for byte what json-c writes
 * with JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE (what
 * jsonutil_compact gives), about three times faster: json-c formats each
 * piece through its printbuf and escapes strings a byte at a time, and a
 * write serialises its document, audit record and event once each.
 */
#ifndef JSONTEXT_H
#define JSONTEXT_H

#include <stddef.h>

struct json_object;

/*
 * obj's text, NUL-terminated, *lenp (when not NULL) its length.  The
 * buffer is the calling thread's: valid until its next jsontext_of, so
 * use it before any store call that may wait (on PostgreSQL another
 * write's fiber runs meanwhile, and writes too).
 */
const char	*jsontext_of(struct json_object *obj, size_t *lenp);

/* Free the calling thread's buffer (a thread other than main, at its end). */
void		 jsontext_thread_done(void);

#endif /* JSONTEXT_H */
