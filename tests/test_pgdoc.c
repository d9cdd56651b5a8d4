/*
 * pgdoc.c: scim_res's name and email columns as PostgreSQL's
 * scim_doc(v) ->> 'userName' and scim_email(scim_doc(v)) give them, or -1
 * where the server has to say (pg_sql.sh checks the columns of every user
 * it writes against those expressions, in PostgreSQL).
 */
#include "scimd.h"

#include <string.h>

#include "pgdoc.h"
#include "tap.h"

#define NUL	"(null)"

static void
check(int kind, const char *json, int want_rc, const char *name,
    const char *email, const char *what)
{
	struct pgdoc	d;
	int		rc;

	memset(&d, 0, sizeof(d));
	rc = pgdoc_fields(json, strlen(json), kind, &d);
	is_int(want_rc, rc, "%s: result", what);
	if (rc == 0) {
		is_str(name, d.pd_name.ps_data != NULL ? d.pd_name.ps_data :
		    NUL, "%s: name", what);
		is_str(email, d.pd_email.ps_data != NULL ?
		    d.pd_email.ps_data : NUL, "%s: email", what);
	}
	pgdoc_free(&d);
}

int
main(void)
{
	plan_lazy();
	check('U', "{\"schemas\":[\"a\",\"b\"],\"id\":\"1\",\"userName\":"
	    "\"alice\",\"emails\":[{\"value\":\"a@x\",\"type\":\"work\","
	    "\"primary\":true}],\"meta\":{\"created\":\"t\"}}", 0, "alice",
	    "a@x", "an Entra-shaped user");
	check('U', "{\"userName\":\"u\",\"emails\":[{\"value\":\"x\"},"
	    "{\"value\":\"p\",\"primary\":true},{\"value\":\"q\","
	    "\"primary\":true}]}", 0, "u", "p", "the first primary email");
	check('U', "{\"userName\":\"u\",\"emails\":[{\"value\":\"x\"},"
	    "{\"primary\":true}]}", 0, "u", "x",
	    "a primary without a value: the first's");
	check('U', "{\"userName\":\"u\",\"emails\":[{\"value\":\"x\"},"
	    "{\"value\":\"y\"}]}", 0, "u", "x", "no primary: the first");
	check('U', "{\"userName\":\"u\",\"emails\":[{\"value\":\"x\"},"
	    "{\"value\":\"y\",\"primary\":\"true\"}]}", 0, "u", "y",
	    "primary the string \"true\" counts, as for ->>");
	check('U', "{\"userName\":\"u\",\"emails\":[{\"value\":\"x\"},"
	    "{\"value\":\"y\",\"primary\":\"True\"},{\"value\":\"z\","
	    "\"primary\":false}]}", 0, "u", "x", "\"True\" and false do not");
	check('U', "{\"userName\":\"u\",\"emails\":[]}", 0, "u", NUL,
	    "no emails: NULL");
	check('U', "{\"userName\":\"u\",\"emails\":\"x\"}", 0, "u", NUL,
	    "emails no array: NULL");
	check('U', "{\"userName\":\"u\",\"emails\":null}", 0, "u", NUL,
	    "emails null: NULL");
	check('U', "{\"userName\":\"u\"}", 0, "u", NUL, "no emails member");
	check('U', "{\"userName\":\"u\",\"emails\":[\"s\",{\"value\":\"v\","
	    "\"primary\":true}]}", 0, "u", "v",
	    "a first element that is no object, a primary after it");
	check('U', "{\"userName\":\"u\",\"emails\":[\"s\",{\"value\":\"v\"}]}",
	    0, "u", NUL, "a first element without a value, no primary");
	check('U', "{\"userName\":\"a\\\"b\\\\c\\/d\\n\\t\\u0041\\u001f\"}", 0,
	    "a\"b\\c/d\n\tA\037", NUL, "the simple escapes, \\u of ASCII");
	check('U', "{\"userName\":\"caf\xc3\xa9\"}", 0, "caf\xc3\xa9", NUL,
	    "UTF-8 as it is");
	check('U', "{\"userName\":\"caf\\u00e9\"}", -1, NULL, NULL,
	    "\\u beyond ASCII: the server's (its encoding)");
	check('U', "{\"userName\":\"\\ud83d\\ude00\"}", -1, NULL, NULL,
	    "a surrogate pair: the server's");
	check('U', "{\"x\":\"caf\\u00e9 \\ud83d\",\"userName\":\"u\"}", 0, "u",
	    NUL, "escapes in a value stepped over do not matter");
	check('U', "{\"userName\":\"first\",\"userName\":\"last\"}", 0, "last",
	    NUL, "a name given twice: the last, as jsonb keeps");
	check('U', "{\"userName\":null}", 0, NUL, NUL, "userName null");
	check('U', "{\"userName\":42}", -1, NULL, NULL,
	    "userName not a string: the server's");
	check('U', "{\"emails\":[{\"value\":5,\"primary\":true}],"
	    "\"userName\":\"u\"}", -1, NULL, NULL,
	    "an email value not a string: the server's");
	check('U', "{\"x\":{\"userName\":\"no\",\"y\":[1,{\"z\":\"]}\"}]},"
	    "\"userName\":\"yes\"}", 0, "yes", NUL,
	    "a nested userName is not the member");
	check('U', " {\n \"userName\" :\t\"u\" ,\r\"emails\" : [ { \"value\" "
	    ": \"e\" } ] } ", 0, "u", "e", "whitespace anywhere");
	check('U', "{\"user\\u004eame\":\"u\"}", -1, NULL, NULL,
	    "a key with an escape: the server's");
	check('U', "{}", 0, NUL, NUL, "an empty object");
	check('U', "{\"userName\":\"u\"", -1, NULL, NULL, "truncated");
	check('U', "{\"userName\":\"u}", -1, NULL, NULL, "unterminated string");
	check('U', "{\"a\":tru", -1, NULL, NULL, "a truncated literal");
	check('U', "[1]", -1, NULL, NULL, "not an object");
	check('U', "{\"a\":\"x\ty\",\"userName\":\"u\"}", -1, NULL, NULL,
	    "a raw control character");
	check('G', "{\"displayName\":\"Staff\",\"userName\":\"no\","
	    "\"emails\":[{\"value\":\"e\"}]}", 0, "Staff", NUL,
	    "a group: displayName, no email");
	check('U', "{\"displayName\":\"D\",\"userName\":\"u\"}", 0, "u", NUL,
	    "a user: userName, not displayName");
	return (done_testing());
}
