/*
 * SCIM filters (RFC 7644 section 3.4.2.2): a small lexer, a depth-bounded
 * recursive-descent parser that resolves every attribute against the schema
 * tables, an evaluator over stored documents and a canonical printer.
 *
 * Grammar (keywords, operators and names in any case; "and" binds tighter
 * than "or"):
 *	filter    = andexp *("or" andexp)
 *	andexp    = unary *("and" unary)
 *	unary     = "not" "(" filter ")" / "(" filter ")" / attrexp / valuepath
 *	attrexp   = path "pr" / path op value
 *	valuepath = path "[" filter "]" [ "." sub ( "pr" / op value ) ]
 *	value     = JSON string / JSON number / true / false / null
 * Chains of "and" and "or" are built leaning right, so that evaluation and
 * filter_free walk them with a loop: recursion is bounded by the nesting of
 * ( ) [ ] and not, which fl_max_depth caps.
 *
 * Canonical text (filter_print):
 *	- a comparison is NAME op VALUE: NAME in canonical case ("userName",
 *	  "name.familyName", "meta.created"), extension attributes with their
 *	  full URN ("urn:...:enterprise:2.0:User:manager.value"), the core URN
 *	  dropped; the operator in lower case; VALUE as compact JSON;
 *	- every and/or node is enclosed in one pair of parentheses, a chain of
 *	  the same operator flattened: (a or (b and c) or d);
 *	- "not (X)" and "attr[X]" print X without another pair of parentheses;
 *	  names inside brackets are bare sub-attribute names.
 *
 * Semantics where RFC 7644 leaves room:
 *	- "ne" is the negation of "eq": true when no value equals, so also when
 *	  the attribute is absent;
 *	- "eq null" is the negation of "pr", "ne null" is "pr";
 *	- a comparison on a multi-valued complex attribute without sub-attribute
 *	  ("emails eq x") means its "value" sub-attribute.
 */
#include "scimd.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "error.h"
#include "filter.h"
#include "jsonutil.h"
#include "schema.h"
#include "util.h"

const struct filter_limits filter_limits_default = { 4096, 16, 64 };

/*
 * Hard ceiling on nesting whatever fl_max_depth says: the parser and the
 * evaluator recurse once per level, and the stack must stay small.
 */
#define FILTER_DEPTH_CAP	256

/* Indexed by enum filter_op. */
static const char *const op_names[] = {
	"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr",
	"and", "or", "not", "[]"
};

enum tok_type {
	TK_EOF,
	TK_LPAREN,
	TK_RPAREN,
	TK_LBRACK,
	TK_RBRACK,
	TK_DOT,
	TK_WORD,
	TK_STRING,
	TK_NUMBER
};

struct token {
	enum tok_type	 tk_type;
	size_t		 tk_off;
	size_t		 tk_len;
};

struct parser {
	const char			*p_text;
	size_t				 p_len;
	size_t				 p_pos;		/* end of p_tok */
	struct token			 p_tok;		/* current token */
	const struct resource_type	*p_rt;
	const struct schema_path	*p_parent;	/* names are its subs */
	const struct filter_limits	*p_lim;
	int				 p_root;	/* filter_parse_root */
	int				 p_depth;	/* nesting allowed */
	int				 p_terms;
	struct scim_errbuf		*p_eb;
};

struct pbuf {
	char	*pb_buf;
	size_t	 pb_size;
	size_t	 pb_need;
};

#define IS_DIGIT(c)	((c) >= '0' && (c) <= '9')
#define IS_ALPHA(c)	(((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define LOWER(c)	((c) >= 'A' && (c) <= 'Z' ? (c) - 'A' + 'a' : (c))

static int	parse_or(struct parser *, int, struct filter **);
static int	match_node(const struct filter *, struct json_object *, int);
static void	print_node(struct pbuf *, const struct filter *, int, int);
static void	print_path(struct pbuf *, const struct schema_path *, int);

/* Fill eb with "filter: <what> at column N" (1-based). */
static int __attribute__((format(printf, 3, 4)))
perr(struct parser *p, size_t off, const char *fmt, ...)
{
	char	 what[200];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return (scim_err_set(p->p_eb, SCIM_EFILTER, "filter: %s at column %zu",
	    what, off + 1));
}

/* Describe the current token for a message (ASCII only, bounded). */
static void
tok_text(const struct parser *p, char *buf, size_t len)
{
	const struct token	*t = &p->p_tok;
	unsigned char		 c;

	c = t->tk_len > 0 ? (unsigned char)p->p_text[t->tk_off] : 0;
	if (t->tk_type == TK_EOF)
		snprintf(buf, len, "end of filter");
	else if (t->tk_type == TK_STRING)
		snprintf(buf, len, "a string");
	else if (t->tk_len == 1 && (c < 0x20 || c > 0x7e))
		snprintf(buf, len, "byte 0x%02x", c);
	else
		snprintf(buf, len, "'%.*s'", t->tk_len > 40 ? 40 :
		    (int)t->tk_len, p->p_text + t->tk_off);
}

static int
unexpected(struct parser *p, const char *expected)
{
	char	 found[64];

	tok_text(p, found, sizeof(found));
	return (perr(p, p->p_tok.tk_off, "expected %s, found %s", expected,
	    found));
}

/* Read the next token into p_tok. */
static int
lex(struct parser *p)
{
	const char	*s = p->p_text;
	struct token	*t = &p->p_tok;
	size_t		 i = p->p_pos, j, n = p->p_len;
	unsigned char	 c;

	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
	    s[i] == '\n'))
		i++;
	t->tk_off = i;
	t->tk_len = 1;
	if (i == n) {
		t->tk_type = TK_EOF;
		t->tk_len = 0;
		p->p_pos = i;
		return (SCIM_OK);
	}
	c = (unsigned char)s[i];
	j = i + 1;
	switch (c) {
	case '(':
		t->tk_type = TK_LPAREN;
		break;
	case ')':
		t->tk_type = TK_RPAREN;
		break;
	case '[':
		t->tk_type = TK_LBRACK;
		break;
	case ']':
		t->tk_type = TK_RBRACK;
		break;
	case '.':
		t->tk_type = TK_DOT;
		break;
	case '"':
		/* Find the closing quote; json-c decodes the escapes later. */
		for (; j < n && s[j] != '"'; j++)
			if (s[j] == '\\')
				j++;
		if (j >= n)
			return (perr(p, i, "unterminated string"));
		t->tk_type = TK_STRING;
		j++;
		break;
	default:
		if (c == '-' || IS_DIGIT(c)) {
			while (j < n && (IS_DIGIT(s[j]) || IS_ALPHA(s[j]) ||
			    s[j] == '.' || s[j] == '+' || s[j] == '-'))
				j++;
			t->tk_type = TK_NUMBER;
		} else if (IS_ALPHA(c) || c == '$') {
			while (j < n && (IS_DIGIT(s[j]) || IS_ALPHA(s[j]) ||
			    strchr("-_:.$", s[j]) != NULL) && s[j] != '\0')
				j++;
			t->tk_type = TK_WORD;
		} else {
			p->p_pos = i + 1;
			t->tk_type = TK_EOF;
			if (c >= 0x20 && c <= 0x7e)
				return (perr(p, i, "unexpected character '%c'",
				    c));
			return (perr(p, i, "unexpected byte 0x%02x", c));
		}
		break;
	}
	t->tk_len = j - i;
	p->p_pos = j;
	return (SCIM_OK);
}

/* 1 when the current token is the keyword w (any case). */
static int
is_kw(const struct parser *p, const char *w)
{
	const struct token	*t = &p->p_tok;

	return (t->tk_type == TK_WORD && t->tk_len == strlen(w) &&
	    strncasecmp(p->p_text + t->tk_off, w, t->tk_len) == 0);
}

/* A new node, counted against fl_max_terms. */
static int
node_new(struct parser *p, enum filter_op op, size_t off, struct filter **out)
{
	*out = NULL;
	if (++p->p_terms > p->p_lim->fl_max_terms)
		return (perr(p, off, "more than %d terms",
		    p->p_lim->fl_max_terms));
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return (SCIM_ENOMEM);
	(*out)->f_op = op;
	return (SCIM_OK);
}

/* The attribute a comparison looks at: the sub-attribute if any. */
static const struct schema_attr *
path_leaf(const struct schema_path *sp)
{
	return (sp->sp_sub != NULL ? sp->sp_sub : sp->sp_attr);
}

/* Root search: an attribute of another type is unassigned in p_rt's. */
static int
unassigned(const struct parser *p, const char *w, size_t len,
    struct schema_path *out)
{
	const struct resource_type *const	*tp;

	if (!p->p_root)
		return (0);
	for (tp = schema_types; *tp != NULL; tp++)
		if (*tp != p->p_rt && schema_resolve(*tp, w, len, out) ==
		    SCIM_OK && out->sp_attr != NULL) {
			memset(out, 0, sizeof(*out));
			return (1);
		}
	return (0);
}

/* Resolve the word token t, against p_parent's subs inside brackets. */
static int
resolve(struct parser *p, const struct token *t, struct schema_path *out)
{
	const char			*w = p->p_text + t->tk_off;
	const struct schema_attr	*sub;
	int				 wl = t->tk_len > 80 ? 80 : (int)t->tk_len;

	if (p->p_parent != NULL && p->p_parent->sp_attr == NULL) {
		memset(out, 0, sizeof(*out));	/* in an unassigned one */
		return (SCIM_OK);
	}
	if (p->p_parent != NULL) {
		sub = schema_attr_find(p->p_parent->sp_attr->sa_subs, w,
		    t->tk_len);
		if (sub == NULL)
			return (perr(p, t->tk_off,
			    "unknown attribute '%.*s' in %s", wl, w,
			    p->p_parent->sp_attr->sa_name));
		*out = *p->p_parent;
		out->sp_sub = sub;
		return (SCIM_OK);
	}
	if (schema_resolve(p->p_rt, w, t->tk_len, out) != SCIM_OK) {
		if (unassigned(p, w, t->tk_len, out))
			return (SCIM_OK);
		return (perr(p, t->tk_off, "unknown attribute '%.*s'", wl, w));
	}
	if (out->sp_attr == NULL)
		return (perr(p, t->tk_off, "'%.*s' is a schema, not an attribute",
		    wl, w));
	return (SCIM_OK);
}

/* A JSON number token, validated to the JSON grammar. */
static int
parse_number(struct parser *p, struct json_object **out)
{
	const char	*s = p->p_text + p->p_tok.tk_off;
	size_t		 n = p->p_tok.tk_len, i = 0;
	int		 isint = 1;
	char		*txt;
	long long	 ll;
	double		 d;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && IS_DIGIT(s[i]))
		while (i < n && IS_DIGIT(s[i]))
			i++;
	else
		goto bad;
	if (i < n && s[i] == '.') {
		isint = 0;
		if (++i >= n || !IS_DIGIT(s[i]))
			goto bad;
		while (i < n && IS_DIGIT(s[i]))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		isint = 0;
		if (++i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || !IS_DIGIT(s[i]))
			goto bad;
		while (i < n && IS_DIGIT(s[i]))
			i++;
	}
	if (i != n)
		goto bad;
	if ((txt = strndup(s, n)) == NULL)
		return (SCIM_ENOMEM);
	errno = 0;
	if (isint) {
		ll = strtoll(txt, NULL, 10);
		if (errno != ERANGE) {
			free(txt);
			*out = json_object_new_int64(ll);
			return (*out != NULL ? SCIM_OK : SCIM_ENOMEM);
		}
	}
	d = strtod(txt, NULL);
	if (!isfinite(d)) {
		free(txt);
		return (perr(p, p->p_tok.tk_off, "number out of range"));
	}
	/* Keep the client's spelling so that printing is stable. */
	*out = json_object_new_double_s(d, txt);
	free(txt);
	return (*out != NULL ? SCIM_OK : SCIM_ENOMEM);
 bad:
	return (perr(p, p->p_tok.tk_off, "invalid number '%.*s'",
	    n > 40 ? 40 : (int)n, s));
}

/* The comparison literal at the current token; null gives NULL. */
static int
parse_value(struct parser *p, struct json_object **out)
{
	const struct token	*t = &p->p_tok;
	int			 rc;

	*out = NULL;
	switch (t->tk_type) {
	case TK_STRING:
		rc = jsonutil_parse(p->p_text + t->tk_off, t->tk_len, 1, out,
		    NULL);
		if (rc == SCIM_ENOMEM)
			return (rc);
		if (rc != SCIM_OK || !json_object_is_type(*out,
		    json_type_string)) {
			json_object_put(*out);
			*out = NULL;
			return (perr(p, t->tk_off, "invalid string"));
		}
		return (SCIM_OK);
	case TK_NUMBER:
		return (parse_number(p, out));
	case TK_WORD:
		if (is_kw(p, "null"))
			return (SCIM_OK);
		if (is_kw(p, "true") || is_kw(p, "false")) {
			*out = json_object_new_boolean(is_kw(p, "true"));
			return (*out != NULL ? SCIM_OK : SCIM_ENOMEM);
		}
		/* FALLTHROUGH */
	default:
		return (unexpected(p, "a value (string, number, true, false "
		    "or null)"));
	}
}

/* Canonical name of sp for messages ("emails.value"), truncated. */
static const char *
path_name(const struct schema_path *sp, char *buf, size_t len)
{
	struct pbuf	 pb = { buf, len, 0 };

	print_path(&pb, sp, 0);
	buf[pb.pb_need < len ? pb.pb_need : len - 1] = '\0';
	return (buf);
}

/* Check that f's operator and literal fit its attribute's type. */
static int
check_compare(struct parser *p, struct filter *f, size_t opoff, size_t voff)
{
	const struct schema_attr	*a = path_leaf(&f->f_path);
	struct json_object		*v = f->f_value, *b;
	enum json_type			 jt = json_object_get_type(v);
	const char			*s;
	char				 name[96];
	int64_t				 ms;

	if (a == NULL)
		return (SCIM_OK);	/* unassigned: never compared */
	path_name(&f->f_path, name, sizeof(name));
	switch (f->f_op) {
	case FILTER_GT:
	case FILTER_GE:
	case FILTER_LT:
	case FILTER_LE:
		if (a->sa_type == SCHEMA_BOOLEAN || a->sa_type == SCHEMA_BINARY)
			goto badop;
		if (v == NULL)
			return (perr(p, voff, "'%s' cannot compare with null",
			    op_names[f->f_op]));
		break;
	case FILTER_CO:
	case FILTER_SW:
	case FILTER_EW:
		if (a->sa_type == SCHEMA_BOOLEAN ||
		    a->sa_type == SCHEMA_INTEGER || a->sa_type == SCHEMA_DECIMAL)
			goto badop;
		if (jt != json_type_string)
			return (perr(p, voff, "'%s' needs a string value",
			    op_names[f->f_op]));
		/* Substrings of a dateTime are compared as text. */
		return (SCIM_OK);
	default:
		break;
	}
	if (v == NULL)
		return (SCIM_OK);
	switch (a->sa_type) {
	case SCHEMA_BOOLEAN:
		if (jt == json_type_boolean)
			return (SCIM_OK);
		s = jt == json_type_string ? json_object_get_string(v) : "";
		if (strcasecmp(s, "true") != 0 && strcasecmp(s, "false") != 0)
			return (perr(p, voff, "'%s' is boolean: expected true "
			    "or false", name));
		/* Lenient: "true"/"false" as strings become booleans. */
		if ((b = json_object_new_boolean(strcasecmp(s,
		    "true") == 0)) == NULL)
			return (SCIM_ENOMEM);
		json_object_put(v);
		f->f_value = b;
		return (SCIM_OK);
	case SCHEMA_INTEGER:
	case SCHEMA_DECIMAL:
		if (jt != json_type_int && jt != json_type_double)
			return (perr(p, voff, "'%s' is %s: expected a number",
			    name, schema_type_name(a->sa_type)));
		return (SCIM_OK);
	case SCHEMA_DATETIME:
		if (jt != json_type_string ||
		    util_time_parse(json_object_get_string(v), &ms) != 0)
			return (perr(p, voff, "'%s' is dateTime: expected an "
			    "RFC 3339 time string", name));
		return (SCIM_OK);
	default:
		if (jt != json_type_string)
			return (perr(p, voff, "'%s' is %s: expected a string",
			    name, schema_type_name(a->sa_type)));
		return (SCIM_OK);
	}
 badop:
	return (perr(p, opoff, "'%s' is not allowed on %s attribute '%s'",
	    op_names[f->f_op], schema_type_name(a->sa_type), name));
}

/* "pr" or "op value" after the attribute token name, resolved to sp. */
static int
parse_compare(struct parser *p, const struct token *name,
    const struct schema_path *sp, struct filter **out)
{
	const struct schema_attr	*a, *v;
	struct filter			*f = NULL;
	char				 buf[96];
	size_t				 opoff = p->p_tok.tk_off, voff;
	int				 op, rc;

	*out = NULL;
	for (op = FILTER_EQ; op <= FILTER_PR; op++)
		if (is_kw(p, op_names[op]))
			break;
	if (op > FILTER_PR)
		return (unexpected(p, "an operator (eq, ne, co, sw, ew, gt, "
		    "ge, lt, le, pr)"));
	if ((rc = node_new(p, op, name->tk_off, &f)) != SCIM_OK)
		return (rc);
	f->f_path = *sp;
	a = path_leaf(sp);
	if (op != FILTER_PR && a != NULL && a->sa_type == SCHEMA_COMPLEX) {
		/* RFC 7644 3.4.2.2: "emails eq x" compares emails.value. */
		if (!a->sa_multi || sp->sp_sub != NULL ||
		    (v = schema_attr_find(a->sa_subs, "value", 5)) == NULL) {
			rc = perr(p, name->tk_off, "'%s' is complex: name one "
			    "of its sub-attributes", path_name(sp, buf,
			    sizeof(buf)));
			goto fail;
		}
		f->f_path.sp_sub = v;
	}
	if ((rc = lex(p)) != SCIM_OK)
		goto fail;
	if (op != FILTER_PR) {
		voff = p->p_tok.tk_off;
		if ((rc = parse_value(p, &f->f_value)) != SCIM_OK ||
		    (rc = check_compare(p, f, opoff, voff)) != SCIM_OK ||
		    (rc = lex(p)) != SCIM_OK)
			goto fail;
	}
	*out = f;
	return (SCIM_OK);
 fail:
	filter_free(f);
	return (rc);
}

/* "(" filter ")" at the current token, one level deeper. */
static int
parse_group(struct parser *p, int depth, struct filter **out)
{
	int	 rc;

	*out = NULL;
	if (depth + 1 > p->p_depth)
		return (perr(p, p->p_tok.tk_off, "nested deeper than %d",
		    p->p_depth));
	if ((rc = lex(p)) != SCIM_OK ||
	    (rc = parse_or(p, depth + 1, out)) != SCIM_OK)
		return (rc);
	if (p->p_tok.tk_type != TK_RPAREN) {
		rc = unexpected(p, "')'");
		goto fail;
	}
	if ((rc = lex(p)) != SCIM_OK)
		goto fail;
	return (SCIM_OK);
 fail:
	filter_free(*out);
	*out = NULL;
	return (rc);
}

/* path "[" filter "]" [ "." sub compare ], the '[' being current. */
static int
parse_valuepath(struct parser *p, int depth, const struct token *name,
    const struct schema_path *sp, struct filter **out)
{
	struct filter		*vp = NULL, *cmp = NULL, *and;
	struct schema_path	 sub;
	struct token		 subtok;
	int			 rc;

	*out = NULL;
	if (p->p_parent != NULL)
		return (perr(p, p->p_tok.tk_off, "'[' inside a value filter"));
	if (sp->sp_sub != NULL || (sp->sp_attr != NULL &&
	    sp->sp_attr->sa_type != SCHEMA_COMPLEX))
		return (perr(p, p->p_tok.tk_off, "'%s' has no sub-attributes "
		    "to filter on", path_leaf(sp)->sa_name));
	if (depth + 1 > p->p_depth)
		return (perr(p, p->p_tok.tk_off, "nested deeper than %d",
		    p->p_depth));
	if ((rc = node_new(p, FILTER_VALUEPATH, name->tk_off, &vp)) != SCIM_OK)
		return (rc);
	vp->f_path = *sp;
	p->p_parent = &vp->f_path;
	if ((rc = lex(p)) == SCIM_OK)
		rc = parse_or(p, depth + 1, &vp->f_left);
	if (rc != SCIM_OK)
		goto fail;
	if (p->p_tok.tk_type != TK_RBRACK) {
		rc = unexpected(p, "']'");
		goto fail;
	}
	if ((rc = lex(p)) != SCIM_OK)
		goto fail;
	if (p->p_tok.tk_type == TK_DOT) {
		/* emails[type eq "work"].value eq x: and the tail inside. */
		if ((rc = lex(p)) != SCIM_OK)
			goto fail;
		if (p->p_tok.tk_type != TK_WORD) {
			rc = unexpected(p, "a sub-attribute after '].'");
			goto fail;
		}
		subtok = p->p_tok;
		if ((rc = resolve(p, &subtok, &sub)) != SCIM_OK ||
		    (rc = lex(p)) != SCIM_OK ||
		    (rc = parse_compare(p, &subtok, &sub, &cmp)) != SCIM_OK)
			goto fail;
		if ((rc = node_new(p, FILTER_AND, subtok.tk_off, &and)) !=
		    SCIM_OK) {
			filter_free(cmp);
			goto fail;
		}
		and->f_left = vp->f_left;
		and->f_right = cmp;
		vp->f_left = and;
	}
	p->p_parent = NULL;
	*out = vp;
	return (SCIM_OK);
 fail:
	p->p_parent = NULL;
	filter_free(vp);
	return (rc);
}

static int
parse_unary(struct parser *p, int depth, struct filter **out)
{
	struct filter		*f = NULL;
	struct schema_path	 sp;
	struct token		 name;
	int			 rc;

	*out = NULL;
	if (p->p_tok.tk_type == TK_LPAREN)
		return (parse_group(p, depth, out));
	if (is_kw(p, "not")) {
		name = p->p_tok;
		if ((rc = lex(p)) != SCIM_OK)
			return (rc);
		if (p->p_tok.tk_type != TK_LPAREN)
			return (unexpected(p, "'(' after 'not'"));
		if ((rc = node_new(p, FILTER_NOT, name.tk_off, &f)) != SCIM_OK)
			return (rc);
		if ((rc = parse_group(p, depth, &f->f_left)) != SCIM_OK) {
			filter_free(f);
			return (rc);
		}
		*out = f;
		return (SCIM_OK);
	}
	if (p->p_tok.tk_type != TK_WORD)
		return (unexpected(p, "an attribute name, '(' or 'not'"));
	name = p->p_tok;
	if ((rc = resolve(p, &name, &sp)) != SCIM_OK ||
	    (rc = lex(p)) != SCIM_OK)
		return (rc);
	if (p->p_tok.tk_type == TK_LBRACK)
		return (parse_valuepath(p, depth, &name, &sp, out));
	return (parse_compare(p, &name, &sp, out));
}

/* A chain of op (and or or) terms, built leaning right. */
static int
parse_chain(struct parser *p, int depth, enum filter_op op,
    struct filter **out)
{
	struct filter	*root = NULL, **slot = &root, *n, *t;
	size_t		 off;
	int		 rc;

	*out = NULL;
	rc = op == FILTER_OR ? parse_chain(p, depth, FILTER_AND, &root) :
	    parse_unary(p, depth, &root);
	if (rc != SCIM_OK)
		return (rc);
	while (is_kw(p, op_names[op])) {
		off = p->p_tok.tk_off;
		if ((rc = node_new(p, op, off, &n)) != SCIM_OK)
			goto fail;
		n->f_left = *slot;
		*slot = n;
		slot = &n->f_right;
		if ((rc = lex(p)) != SCIM_OK)
			goto fail;
		t = NULL;
		rc = op == FILTER_OR ? parse_chain(p, depth, FILTER_AND, &t) :
		    parse_unary(p, depth, &t);
		if (rc != SCIM_OK)
			goto fail;
		*slot = t;
	}
	*out = root;
	return (SCIM_OK);
 fail:
	filter_free(root);
	return (rc);
}

static int
parse_or(struct parser *p, int depth, struct filter **out)
{
	return (parse_chain(p, depth, FILTER_OR, out));
}

/* Parse the whole text with p set up; checks length and trailing input. */
static int
parse_top(struct parser *p, struct filter **out)
{
	struct filter	*f = NULL;
	int		 rc;

	if (p->p_len > p->p_lim->fl_max_len)
		return (scim_err_set(p->p_eb, SCIM_EFILTER, "filter: longer "
		    "than %zu bytes at column %zu", p->p_lim->fl_max_len,
		    p->p_lim->fl_max_len + 1));
	if ((rc = lex(p)) != SCIM_OK ||
	    (rc = parse_or(p, 0, &f)) != SCIM_OK)
		return (rc);
	if (p->p_tok.tk_type != TK_EOF) {
		filter_free(f);
		if (p->p_tok.tk_type == TK_RPAREN)
			return (perr(p, p->p_tok.tk_off, "unbalanced ')'"));
		return (unexpected(p, "'and', 'or' or end of filter"));
	}
	*out = f;
	return (SCIM_OK);
}

static void
parser_init(struct parser *p, const char *text, size_t len,
    const struct filter_limits *limits, struct scim_errbuf *eb)
{
	memset(p, 0, sizeof(*p));
	p->p_text = text;
	p->p_len = len;
	p->p_lim = limits != NULL ? limits : &filter_limits_default;
	p->p_depth = p->p_lim->fl_max_depth < FILTER_DEPTH_CAP ?
	    p->p_lim->fl_max_depth : FILTER_DEPTH_CAP;
	p->p_eb = eb;
}

/* filter_parse, or with root filter_parse_root. */
static int
parse_type(const char *text, size_t len, const struct resource_type *rt,
    int root, const struct filter_limits *limits, struct filter **out,
    struct scim_errbuf *eb)
{
	struct parser	 p;

	*out = NULL;
	parser_init(&p, text, len, limits, eb);
	p.p_rt = rt;
	p.p_root = root;
	return (parse_top(&p, out));
}

int
filter_parse(const char *text, size_t len, const struct resource_type *rt,
    const struct filter_limits *limits, struct filter **out,
    struct scim_errbuf *eb)
{
	return (parse_type(text, len, rt, 0, limits, out, eb));
}

int
filter_parse_root(const char *text, size_t len, const struct resource_type *rt,
    const struct filter_limits *limits, struct filter **out,
    struct scim_errbuf *eb)
{
	return (parse_type(text, len, rt, 1, limits, out, eb));
}

int
filter_parse_sub(const char *text, size_t len,
    const struct schema_path *parent, const struct filter_limits *limits,
    struct filter **out, struct scim_errbuf *eb)
{
	struct parser	 p;

	*out = NULL;
	if (parent == NULL || parent->sp_attr == NULL ||
	    parent->sp_sub != NULL ||
	    parent->sp_attr->sa_type != SCHEMA_COMPLEX)
		return (scim_err_set(eb, SCIM_EFILTER, "filter: the attribute "
		    "has no sub-attributes to filter on at column 1"));
	parser_init(&p, text, len, limits, eb);
	p.p_parent = parent;
	return (parse_top(&p, out));
}

void
filter_free(struct filter *f)
{
	struct filter	*next;

	/* Loop down f_right: and/or chains lean right and may be long. */
	while (f != NULL) {
		filter_free(f->f_left);
		json_object_put(f->f_value);
		next = f->f_right;
		free(f);
		f = next;
	}
}

/*
 * Evaluation.  A comparison looks at candidate values: each element of an
 * array, the sub-attribute of each element when the path has one.
 */

typedef int	(*value_pred)(const struct filter *, struct json_object *);

/* RFC 7643 2.5: null, "", [] and {} are unassigned. */
static int
present(const struct filter *f, struct json_object *v)
{
	(void)f;
	switch (json_object_get_type(v)) {
	case json_type_null:
		return (0);
	case json_type_string:
		return (json_object_get_string_len(v) > 0);
	case json_type_array:
		return (json_object_array_length(v) > 0);
	case json_type_object:
		return (json_object_object_length(v) > 0);
	default:
		return (1);
	}
}

static int
str_cmp(const char *a, size_t al, const char *b, size_t bl, int exact)
{
	size_t		 i, n = al < bl ? al : bl;
	unsigned char	 ca, cb;

	for (i = 0; i < n; i++) {
		ca = (unsigned char)a[i];
		cb = (unsigned char)b[i];
		if (!exact) {
			ca = LOWER(ca);
			cb = LOWER(cb);
		}
		if (ca != cb)
			return (ca < cb ? -1 : 1);
	}
	return ((al > bl) - (al < bl));
}

/* ASCII case-folded copy for substring search; NULL on ENOMEM. */
static char *
fold_dup(const char *s, size_t n)
{
	char	*d;
	size_t	 i;

	if ((d = malloc(n + 1)) == NULL)
		return (NULL);
	for (i = 0; i < n; i++)
		d[i] = LOWER(s[i]);
	d[n] = '\0';
	return (d);
}

/* co, sw, ew on the strings a (document) and b (literal). */
static int
str_match(enum filter_op op, const char *a, size_t al, const char *b,
    size_t bl, int exact)
{
	char	*fa, *fb;
	int	 r;

	if (bl > al)
		return (0);
	switch (op) {
	case FILTER_SW:
		return (str_cmp(a, bl, b, bl, exact) == 0);
	case FILTER_EW:
		return (str_cmp(a + al - bl, bl, b, bl, exact) == 0);
	default:
		if (bl == 0)
			return (1);
		if (exact)
			return (memmem(a, al, b, bl) != NULL);
		/* Fold both copies so memmem keeps the search linear. */
		fa = fold_dup(a, al);
		fb = fold_dup(b, bl);
		r = fa != NULL && fb != NULL && memmem(fa, al, fb, bl) != NULL;
		free(fa);
		free(fb);
		return (r);
	}
}

/* A document value read as a boolean (lenient on "true"/"false"). */
static int
as_bool(struct json_object *v, int *b)
{
	const char	*s;

	if (json_object_is_type(v, json_type_boolean)) {
		*b = json_object_get_boolean(v);
		return (1);
	}
	if (!json_object_is_type(v, json_type_string))
		return (0);
	s = json_object_get_string(v);
	if (strcasecmp(s, "true") == 0)
		*b = 1;
	else if (strcasecmp(s, "false") == 0)
		*b = 0;
	else
		return (0);
	return (1);
}

/* Order of v against f's literal into *r; 0 when they cannot compare. */
static int
compare(const struct filter *f, struct json_object *v, int *r)
{
	const struct schema_attr	*a = path_leaf(&f->f_path);
	struct json_object		*l = f->f_value;
	int64_t				 x, y;
	double				 dx, dy;
	int				 bx, by;

	switch (a->sa_type) {
	case SCHEMA_BOOLEAN:
		if (!as_bool(v, &bx) || !as_bool(l, &by))
			return (0);
		*r = bx - by;
		return (1);
	case SCHEMA_INTEGER:
	case SCHEMA_DECIMAL:
		if ((!json_object_is_type(v, json_type_int) &&
		    !json_object_is_type(v, json_type_double)))
			return (0);
		if (json_object_is_type(v, json_type_int) &&
		    json_object_is_type(l, json_type_int)) {
			x = json_object_get_int64(v);
			y = json_object_get_int64(l);
			*r = (x > y) - (x < y);
		} else {
			dx = json_object_get_double(v);
			dy = json_object_get_double(l);
			*r = (dx > dy) - (dx < dy);
		}
		return (1);
	case SCHEMA_DATETIME:
		if (!json_object_is_type(v, json_type_string) ||
		    util_time_parse(json_object_get_string(v), &x) != 0 ||
		    util_time_parse(json_object_get_string(l), &y) != 0)
			return (0);
		*r = (x > y) - (x < y);
		return (1);
	default:
		if (!json_object_is_type(v, json_type_string) ||
		    !json_object_is_type(l, json_type_string))
			return (0);
		*r = str_cmp(json_object_get_string(v),
		    (size_t)json_object_get_string_len(v),
		    json_object_get_string(l),
		    (size_t)json_object_get_string_len(l), a->sa_case_exact);
		return (1);
	}
}

/* One candidate value against a comparison other than pr/ne. */
static int
test_value(const struct filter *f, struct json_object *v)
{
	int	 r;

	if (v == NULL || json_object_is_type(v, json_type_null))
		return (0);
	switch (f->f_op) {
	case FILTER_CO:
	case FILTER_SW:
	case FILTER_EW:
		if (!json_object_is_type(v, json_type_string) ||
		    !json_object_is_type(f->f_value, json_type_string))
			return (0);
		return (str_match(f->f_op, json_object_get_string(v),
		    (size_t)json_object_get_string_len(v),
		    json_object_get_string(f->f_value),
		    (size_t)json_object_get_string_len(f->f_value),
		    path_leaf(&f->f_path)->sa_case_exact));
	default:
		break;
	}
	if (!compare(f, v, &r))
		return (0);
	switch (f->f_op) {
	case FILTER_EQ:
	case FILTER_NE:
		return (r == 0);
	case FILTER_GT:
		return (r > 0);
	case FILTER_GE:
		return (r >= 0);
	case FILTER_LT:
		return (r < 0);
	case FILTER_LE:
		return (r <= 0);
	default:
		return (0);
	}
}

/* pred on v, or on any element when v is an array. */
static int
any_value(const struct filter *f, struct json_object *v, value_pred pred)
{
	size_t	 i, n;

	if (v == NULL)
		return (0);
	if (!json_object_is_type(v, json_type_array))
		return (pred(f, v));
	n = json_object_array_length(v);
	for (i = 0; i < n; i++)
		if (pred(f, json_object_array_get_idx(v, i)))
			return (1);
	return (0);
}

/* pred on any candidate value of f's path in doc (or in one element). */
static int
any_leaf(const struct filter *f, struct json_object *doc, int elem,
    value_pred pred)
{
	const struct schema_attr	*sub = f->f_path.sp_sub;
	struct json_object		*top;
	size_t				 i, n;

	if (f->f_path.sp_attr == NULL)
		return (0);	/* unassigned (filter_parse_root) */
	if (elem)
		return (any_value(f, sub != NULL ? jsonutil_get(doc,
		    sub->sa_name, NULL) : doc, pred));
	top = schema_value(doc, &f->f_path);
	if (sub == NULL || top == NULL)
		return (any_value(f, top, pred));
	if (!json_object_is_type(top, json_type_array))
		return (any_value(f, jsonutil_get(top, sub->sa_name, NULL),
		    pred));
	n = json_object_array_length(top);
	for (i = 0; i < n; i++)
		if (any_value(f, jsonutil_get(json_object_array_get_idx(top, i),
		    sub->sa_name, NULL), pred))
			return (1);
	return (0);
}

/* VALUEPATH: the inner filter on any element of the complex attribute. */
static int
match_valuepath(const struct filter *f, struct json_object *doc)
{
	struct json_object	*top = schema_value(doc, &f->f_path);
	size_t			 i, n;

	if (json_object_is_type(top, json_type_object))
		return (match_node(f->f_left, top, 1));
	if (!json_object_is_type(top, json_type_array))
		return (0);
	n = json_object_array_length(top);
	for (i = 0; i < n; i++)
		if (match_node(f->f_left, json_object_array_get_idx(top, i),
		    1))
			return (1);
	return (0);
}

/* f against doc, or against one element of a complex value when elem. */
static int
match_node(const struct filter *f, struct json_object *doc, int elem)
{
	/* Loop along the right-leaning and/or chains. */
	for (;;) {
		switch (f->f_op) {
		case FILTER_AND:
			if (!match_node(f->f_left, doc, elem))
				return (0);
			f = f->f_right;
			continue;
		case FILTER_OR:
			if (match_node(f->f_left, doc, elem))
				return (1);
			f = f->f_right;
			continue;
		case FILTER_NOT:
			return (!match_node(f->f_left, doc, elem));
		case FILTER_VALUEPATH:
			return (!elem && match_valuepath(f, doc));
		case FILTER_PR:
			return (any_leaf(f, doc, elem, present));
		case FILTER_EQ:
			if (f->f_value == NULL)
				return (!any_leaf(f, doc, elem, present));
			return (any_leaf(f, doc, elem, test_value));
		case FILTER_NE:
			if (f->f_value == NULL)
				return (any_leaf(f, doc, elem, present));
			return (!any_leaf(f, doc, elem, test_value));
		default:
			return (any_leaf(f, doc, elem, test_value));
		}
	}
}

int
filter_match(const struct filter *f, struct json_object *doc)
{
	if (f == NULL || doc == NULL)
		return (0);
	return (match_node(f, doc, 0));
}

int
filter_match_value(const struct filter *f, struct json_object *elem)
{
	if (f == NULL || elem == NULL)
		return (0);
	return (match_node(f, elem, 1));
}

/* Printing. */

static void
put(struct pbuf *pb, const char *s, size_t n)
{
	size_t	 room;

	if (pb->pb_need + 1 < pb->pb_size) {
		room = pb->pb_size - 1 - pb->pb_need;
		memcpy(pb->pb_buf + pb->pb_need, s, n < room ? n : room);
	}
	pb->pb_need += n;
}

static void
put_str(struct pbuf *pb, const char *s)
{
	put(pb, s, strlen(s));
}

static void
print_path(struct pbuf *pb, const struct schema_path *sp, int inner)
{
	if (inner && sp->sp_sub != NULL) {
		put_str(pb, sp->sp_sub->sa_name);
		return;
	}
	if (sp->sp_ext != NULL) {
		put_str(pb, sp->sp_ext->sc_id);
		put(pb, ":", 1);
	}
	put_str(pb, sp->sp_attr != NULL ? sp->sp_attr->sa_name : "unassigned");
	if (sp->sp_sub != NULL) {
		put(pb, ".", 1);
		put_str(pb, sp->sp_sub->sa_name);
	}
}

static void
print_value(struct pbuf *pb, struct json_object *v)
{
	const char	*s;
	size_t		 n;

	if (v == NULL) {
		put_str(pb, "null");
		return;
	}
	s = json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	put(pb, s != NULL ? s : "null", s != NULL ? n : 4);
}

/* The terms of a chain of op, flattened, without the parentheses. */
static void
print_chain(struct pbuf *pb, const struct filter *f, enum filter_op op,
    int inner)
{
	const struct filter	*t;

	for (;;) {
		t = f->f_op == op ? f->f_left : f;
		if (t->f_op == op)
			print_chain(pb, t, op, inner);
		else
			print_node(pb, t, 0, inner);
		if (f->f_op != op)
			return;
		put(pb, " ", 1);
		put_str(pb, op_names[op]);
		put(pb, " ", 1);
		f = f->f_right;
	}
}

/* bare: directly inside not ( ) or [ ], so no parentheses of its own. */
static void
print_node(struct pbuf *pb, const struct filter *f, int bare, int inner)
{
	switch (f->f_op) {
	case FILTER_AND:
	case FILTER_OR:
		if (!bare)
			put(pb, "(", 1);
		print_chain(pb, f, f->f_op, inner);
		if (!bare)
			put(pb, ")", 1);
		break;
	case FILTER_NOT:
		put_str(pb, "not (");
		print_node(pb, f->f_left, 1, inner);
		put(pb, ")", 1);
		break;
	case FILTER_VALUEPATH:
		print_path(pb, &f->f_path, 0);
		put(pb, "[", 1);
		print_node(pb, f->f_left, 1, 1);
		put(pb, "]", 1);
		break;
	default:
		print_path(pb, &f->f_path, inner);
		put(pb, " ", 1);
		put_str(pb, op_names[f->f_op]);
		if (f->f_op != FILTER_PR) {
			put(pb, " ", 1);
			print_value(pb, f->f_value);
		}
		break;
	}
}

size_t
filter_print(const struct filter *f, char *buf, size_t len)
{
	struct pbuf	 pb = { buf, len, 0 };

	if (f != NULL)
		print_node(&pb, f, 0, 0);
	if (len > 0)
		buf[pb.pb_need < len ? pb.pb_need : len - 1] = '\0';
	return (pb.pb_need);
}
