/*
 * The SCIM filter language (RFC 7644 section 3.4.2.2): lexer, parser,
 * AST and evaluator.  Pure: no LMDB, no libevent, so it is unit-tested and
 * fuzzed alone.  Attribute paths are resolved against the schema tables at
 * parse time, so evaluation never meets an unknown attribute, and type errors
 * (gt on a boolean) are reported by the parser.
 *
 * The AST is public so that query.c can plan index lookups from it.
 * Canonical shapes the planner relies on:
 *   - "emails.value eq x": FILTER_EQ with f_path {emails, value}.
 *   - "emails[type eq "work"].value eq x" and "emails[type eq "work" and
 *     value eq x]": FILTER_VALUEPATH with f_path {emails} and f_left the inner
 *     filter; the first form is rewritten to the second, i.e. the comparison
 *     on the sub-attribute is and-ed into the bracket.  Inside a valuepath,
 *     f_path of comparisons names the sub-attribute in sp_sub with sp_attr
 *     set to the parent (emails), exactly as "emails.type" would.
 *   - "not (x)": FILTER_NOT with f_left.
 */
#ifndef FILTER_H
#define FILTER_H

#include <stddef.h>

#include "schema.h"

struct json_object;
struct scim_errbuf;

enum filter_op {
	FILTER_EQ,
	FILTER_NE,
	FILTER_CO,
	FILTER_SW,
	FILTER_EW,
	FILTER_GT,
	FILTER_GE,
	FILTER_LT,
	FILTER_LE,
	FILTER_PR,
	FILTER_AND,
	FILTER_OR,
	FILTER_NOT,
	FILTER_VALUEPATH
};

struct filter {
	enum filter_op		 f_op;
	struct schema_path	 f_path;	/* comparisons, pr, valuepath */
	struct json_object	*f_value;	/* comparison literal, owned; NULL for pr */
	struct filter		*f_left;	/* and/or/not; valuepath: inner */
	struct filter		*f_right;	/* and/or */
};

/* Limits that keep hostile filters cheap (configurable, filter_limits_default). */
struct filter_limits {
	size_t	fl_max_len;	/* bytes of filter text (default 4096) */
	int	fl_max_depth;	/* nesting of ( ) [ ] not (default 16) */
	int	fl_max_terms;	/* comparisons + logical nodes (default 64) */
};

extern const struct filter_limits filter_limits_default;

/*
 * Parse text (len bytes; need not be NUL-terminated) as a filter over
 * resource type rt.  Attribute names and operators are case-insensitive.
 * Returns SCIM_OK and a new AST in *out (free with filter_free), or
 * SCIM_EFILTER with a detail naming the column in eb (*out NULL), or
 * SCIM_ENOMEM.  limits may be NULL for the defaults.
 */
int	filter_parse(const char *text, size_t len, const struct resource_type *rt,
	    const struct filter_limits *limits, struct filter **out,
	    struct scim_errbuf *eb);

/*
 * filter_parse for one type of a search over all types (POST /.search): an
 * attribute that rt does not define but another type does is unassigned
 * for rt, its comparisons as on an absent value (pr and eq false, ne and
 * "eq null" true), with f_path all NULL; one that no type defines is
 * still an error.
 */
int	filter_parse_root(const char *text, size_t len,
	    const struct resource_type *rt, const struct filter_limits *limits,
	    struct filter **out, struct scim_errbuf *eb);

/*
 * Parse the filter of a PATCH value path ("type eq \"work\"" inside
 * emails[...]): attribute names resolve to sub-attributes of parent (a
 * complex attribute reached through path).  Same contract as filter_parse.
 */
int	filter_parse_sub(const char *text, size_t len,
	    const struct schema_path *parent, const struct filter_limits *limits,
	    struct filter **out, struct scim_errbuf *eb);

void	filter_free(struct filter *);

/*
 * 1 when the stored document doc (canonical attribute names) matches f,
 * else 0.  Comparison follows the schema: caseExact, booleans, numbers,
 * dateTime as time; a multi-valued attribute matches when any value does.
 */
int	filter_match(const struct filter *f, struct json_object *doc);

/*
 * 1 when one element of a multi-valued complex attribute matches f (a
 * filter from filter_parse_sub), else 0.
 */
int	filter_match_value(const struct filter *f, struct json_object *elem);

/*
 * Canonical text of f into buf (attribute names canonical, operators lower
 * case, every binary node parenthesised); returns the length it needed.
 */
size_t	filter_print(const struct filter *f, char *buf, size_t len);

#endif /* FILTER_H */
