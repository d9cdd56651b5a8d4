/* zpack.c: packed records round trip; unpacked ones pass through. */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "zpack.h"

static const char rec[] =
    "{\"seq\":7,\"changeId\":\"5da80e27-cd64-4940-9e7f-1629df92d327\","
    "\"time\":\"2026-12-03T20:22:28.759Z\",\"tenant\":1,\"tenantName\":"
    "\"default\",\"initiator\":\"entra\",\"action\":\"Create\","
    "\"resourceType\":\"User\",\"target\":{\"id\":\"24f2147f-0854-4d49-"
    "8828-a88dd94320d2\",\"name\":\"kim@contoso.example\"},\"source\":"
    "{\"externalId\":\"k-1\"},\"status\":\"Success\",\"httpStatus\":201,"
    "\"modifiedProperties\":[{\"name\":\"userName\",\"oldValue\":null,"
    "\"newValue\":\"kim@contoso.example\"},{\"name\":\"active\","
    "\"oldValue\":null,\"newValue\":\"true\"}],\"durationMs\":1,"
    "\"method\":\"POST\",\"path\":\"/scim/v2/Users\"}";

static void
test_round_trip(void)
{
	struct zpack_buf	 zp = { NULL, 0 }, zu = { NULL, 0 };
	const void		*p, *u;
	size_t			 plen, ulen;
	char			*copy;

	zpack_pack(&zp, rec, strlen(rec), &p, &plen);
	ok(zpack_is_packed(p, plen), "a record is packed");
	ok(plen < strlen(rec) / 2, "to less than half (%zu of %zu bytes)",
	    plen, strlen(rec));
	copy = malloc(plen);
	memcpy(copy, p, plen);
	ok(zpack_unpack(&zu, copy, plen, &u, &ulen) == 0, "unpacks");
	ok(ulen == strlen(rec) && memcmp(u, rec, ulen) == 0,
	    "to the same bytes");
	ok(((const char *)u)[ulen] == '\0', "NUL-terminated");

	/* a corrupt packed form is an error, never a crash or a guess */
	copy[plen / 2] ^= 0x55;
	copy[plen - 1] ^= 0x55;
	ok(zpack_unpack(&zu, copy, plen, &u, &ulen) != 0 ||
	    ulen != strlen(rec) || memcmp(u, rec, ulen) != 0,
	    "corruption is not read back as the record");
	ok(zpack_unpack(&zu, copy, 3, &u, &ulen) == -1, "a truncated form fails");
	ok(zpack_unpack(&zu, "\x01", 1, &u, &ulen) == -1, "a bare tag fails");
	free(copy);
	zpack_buf_free(&zp);
	zpack_buf_free(&zu);
}

/* A resource document (zpack_pack_doc): packed, round trip. */
static void
test_doc(void)
{
	static const char doc[] =
	    "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],"
	    "\"id\":\"24f2147f-0854-4d49-8828-a88dd94320d2\",\"userName\":"
	    "\"kim@contoso.example\",\"active\":true,\"displayName\":\"Kim "
	    "Akers\",\"emails\":[{\"primary\":true,\"type\":\"work\","
	    "\"value\":\"kim@contoso.example\"}],\"name\":{\"familyName\":"
	    "\"Akers\",\"givenName\":\"Kim\"},\"meta\":{\"resourceType\":"
	    "\"User\",\"created\":\"2026-12-04T13:40:35.530Z\","
	    "\"lastModified\":\"2026-12-04T13:40:35.530Z\",\"version\":"
	    "\"W/\\\"1\\\"\"}}";
	struct zpack_buf	 zp = { NULL, 0 }, zu = { NULL, 0 };
	const void		*p, *u;
	size_t			 plen, ulen;

	zpack_pack_doc(&zp, doc, strlen(doc), &p, &plen);
	ok(zpack_is_packed(p, plen) && plen < strlen(doc) / 2,
	    "a document is packed to less than half (%zu of %zu bytes)", plen,
	    strlen(doc));
	ok(zpack_unpack(&zu, p, plen, &u, &ulen) == 0 &&
	    ulen == strlen(doc) && memcmp(u, doc, ulen) == 0,
	    "and unpacks to the same bytes");
	zpack_buf_free(&zp);
	zpack_buf_free(&zu);
}

static void
test_passthrough(void)
{
	struct zpack_buf	 zb = { NULL, 0 };
	const void		*out;
	size_t			 len;
	const char		*small = "{\"seq\":1}";

	/* records written before packing: read as they are */
	ok(zpack_unpack(&zb, rec, strlen(rec), &out, &len) == 0 &&
	    out == (const void *)rec && len == strlen(rec),
	    "an unpacked record reads as it is");
	zpack_pack(&zb, small, strlen(small), &out, &len);
	ok(out == (const void *)small && len == strlen(small),
	    "a record too small to gain is stored as it is");
	ok(!zpack_is_packed("", 0), "empty is not packed");
	zpack_buf_free(&zb);
	zpack_buf_free(NULL);
	zpack_thread_done();
}

int
main(void)
{
	plan_lazy();
	test_round_trip();
	test_doc();
	test_passthrough();
	return (done_testing());
}
