/*
 * json-c helpers: strict bounded parsing, case-insensitive member access
 * (RFC 7643 section 2.1 attribute names are case-insensitive) and compact
 * serialisation.  No LMDB, no libevent.
 */
#ifndef JSONUTIL_H
#define JSONUTIL_H

#include <stddef.h>

#include <json-c/json.h>

struct scim_errbuf;

/*
 * Add v under key to o, where key is a static string (a literal) that o
 * does not hold yet: json-c neither copies nor looks it up.  For the
 * records a write builds member by member.
 */
void	jsonutil_add_new(struct json_object *o, const char *key,
	    struct json_object *v);

/*
 * Each thread that parses keeps a tokener for its next parse: a thread
 * other than the main one frees it with this before it ends.
 */
void	jsonutil_thread_done(void);

/*
 * Parse exactly len bytes as one JSON value: strict mode, at most depth
 * levels of nesting, no trailing bytes, valid UTF-8.  Returns SCIM_OK and one
 * reference in *out, or SCIM_ESYNTAX with a detail in eb (*out NULL).
 */
int	jsonutil_parse(const char *buf, size_t len, int depth,
	    struct json_object **out, struct scim_errbuf *eb);

/*
 * Borrowed member of obj whose key equals name ignoring ASCII case, or NULL.
 * When the key is wanted too, *keyp receives json-c's key (valid while obj
 * keeps that member).  obj may be NULL or not an object.
 */
struct json_object *jsonutil_get(struct json_object *obj, const char *name,
	    const char **keyp);
struct json_object *jsonutil_getn(struct json_object *obj, const char *name,
	    size_t len, const char **keyp);

/*
 * 1 when obj has a member whose key equals name ignoring ASCII case (the
 * first in order), its value in *vp (NULL for a JSON null); 0 and *vp NULL
 * when it has none.  Unlike jsonutil_get, this tells null from absent.
 */
int	jsonutil_has(struct json_object *obj, const char *name,
	    struct json_object **vp);

/* Remove every member whose key equals name ignoring case, nulls too. */
void	jsonutil_del(struct json_object *obj, const char *name);

/* 1 when the complex value o says "primary": true (RFC 7643 2.4). */
int	jsonutil_is_primary(struct json_object *o);

/*
 * A JSON value the store holds (len bytes, not NUL-terminated), parsed
 * leniently as json_tokener_parse does: one reference, or NULL.
 */
struct json_object *jsonutil_load(const void *data, size_t len);

/* String value of member name (any case), or NULL when absent or not a string. */
const char *jsonutil_get_str(struct json_object *obj, const char *name);

/* Compact serialisation, owned by obj (see json_object_to_json_string_ext). */
const char *jsonutil_compact(struct json_object *obj, size_t *lenp);

/*
 * Find the top-level member key (exact bytes, as json-c writes it) in the
 * JSON object text s (len bytes, not NUL-terminated) without parsing it:
 * 1 with its value at *val (the text from there on), 0 when the object
 * has no such member, -1 when the text is not an object this scanner
 * reads with certainty (an escaped key, a truncation): parse it instead.
 */
int	jsonutil_raw_member(const char *s, size_t len, const char *key,
	    const char **val);

/* 1 when s (len bytes) is valid UTF-8 with no NUL bytes, else 0. */
int	jsonutil_utf8_ok(const char *s, size_t len);

#endif /* JSONUTIL_H */
