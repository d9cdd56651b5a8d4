/*
 * lines.c: an import's lines come back prepared, in file order, whatever
 * the number of workers; blank lines are skipped, bad ones carry their
 * error; closing early frees what is in flight.
 */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jsontext.h"
#include "jsonutil.h"
#include "lines.h"
#include "load.h"
#include "tap.h"

#define NLINES		2000
#define BASE		1000	/* version base */

static const char core[] = "urn:ietf:params:scim:schemas:core:2.0:User";

/* Line i (1-based) of the test file: what it is. */
enum kind { K_USER, K_BLANK, K_BAD, K_NOMETA };

static enum kind
kind_of(size_t i)
{
	if (i % 97 == 0)
		return (K_BLANK);
	if (i % 89 == 0)
		return (K_BAD);
	if (i % 7 == 0)
		return (K_NOMETA);
	return (K_USER);
}

static FILE *
test_file(size_t *bytes)
{
	FILE	*f = tmpfile();
	size_t	 i;

	for (i = 1; i <= NLINES; i++) {
		switch (kind_of(i)) {
		case K_BLANK:
			fputs("\r\n", f);
			break;
		case K_BAD:
			fputs("{\"schemas\":[\n", f);
			break;
		case K_NOMETA:
			fprintf(f, "{\"schemas\":[\"%s\"],\"id\":\"00000000-"
			    "0000-4000-8000-%012zu\",\"userName\":\"u%zu\"}\n",
			    core, i, i);
			break;
		default:
			fprintf(f, "{\"schemas\":[\"%s\"],\"id\":\"00000000-"
			    "0000-4000-8000-%012zu\",\"userName\":\"u%zu\","
			    "\"emails\":[{\"value\":\"u%zu@x.example\"}],"
			    "\"title\":\"t\",\"meta\":{\"resourceType\":\"User\","
			    "\"created\":\"2026-01-02T03:04:05Z\","
			    "\"lastModified\":\"2026-01-02T03:04:05Z\","
			    "\"version\":\"W/\\\"%zx\\\"\"}}\n", core, i, i, i,
			    i + 5);
		}
	}
	*bytes = (size_t)ftell(f);
	rewind(f);
	return (f);
}

/* One line as it came out: 1 when it is what line ln->ll_no should be. */
static int
line_right(const struct lines_line *ln)
{
	const struct load_item	*li = &ln->ll_item;
	char			 name[32];

	switch (kind_of(ln->ll_no)) {
	case K_BAD:
		return (ln->ll_rc == SCIM_ESYNTAX && ln->ll_eb.eb_msg[0] != '\0' &&
		    li->li_text == NULL);
	case K_BLANK:
		return (0);
	default:
		break;
	}
	snprintf(name, sizeof(name), "u%zu", ln->ll_no);
	if (ln->ll_rc != SCIM_OK || li->li_text == NULL ||
	    strstr(li->li_text, name) == NULL ||
	    jsonutil_get_str(li->li_keys, "id") == NULL ||
	    jsonutil_get(li->li_keys, "title", NULL) != NULL)
		return (0);
	if (strcmp(jsonutil_get_str(li->li_keys, "userName"), name) != 0)
		return (0);
	return (li->li_version == (kind_of(ln->ll_no) == K_NOMETA ?
	    BASE + ln->ll_no : ln->ll_no + 5));
}

static void
test_order(int workers)
{
	struct lines		*l;
	struct lines_chunk	*c;
	FILE			*f;
	size_t			 bytes, i, expect = 1, n = 0, wrong = 0;

	f = test_file(&bytes);
	l = lines_open(f, workers, BASE);
	while ((c = lines_next(l)) != NULL) {
		for (i = 0; i < c->lc_n; i++) {
			while (kind_of(expect) == K_BLANK)
				expect++;
			if (c->lc_line[i].ll_no != expect++ ||
			    !line_right(&c->lc_line[i]))
				wrong++;
			free(c->lc_line[i].ll_text);
			n++;
		}
		lines_release(l, c);
	}
	ok(lines_read_error(l) == 0, "%d worker(s): no read error", workers);
	ok(lines_bytes(l) == bytes, "%d worker(s): every byte read", workers);
	lines_close(l);
	fclose(f);
	ok(n == NLINES - NLINES / 97, "%d worker(s): every line but the "
	    "blank ones (%zu)", workers, n);
	ok(wrong == 0, "%d worker(s): in file order, each prepared right "
	    "(%zu wrong)", workers, wrong);
}

/* Close after one chunk: the rest, prepared or not, is freed. */
static void
test_close_early(void)
{
	struct lines		*l;
	struct lines_chunk	*c;
	FILE			*f;
	size_t			 bytes, i;

	f = test_file(&bytes);
	l = lines_open(f, 2, BASE);
	c = lines_next(l);
	ok(c != NULL && c->lc_line[0].ll_no == 1, "the first chunk");
	for (i = 0; c != NULL && i < c->lc_n; i++)
		free(c->lc_line[i].ll_text);
	/* kept, not released: lines_close takes it back too (ASan's leak
	 * check and valgrind's see the rest freed) */
	lines_close(l);
	fclose(f);
}

int
main(void)
{
	plan_lazy();
	test_order(1);
	test_order(2);
	test_order(4);
	test_close_early();
	jsonutil_thread_done();
	jsontext_thread_done();
	return (done_testing());
}
