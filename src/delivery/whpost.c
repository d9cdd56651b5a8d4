/* A signed webhook POST as a curl easy handle (whpost.h). */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "jsonutil.h"

#include "util.h"
#include "whpost.h"
#include "whsig.h"

/* Responses are not read: a receiver's body is of no use to us. */
static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	return (size * n);
}

static void
add_header(struct whpost *wp, const char *name, const char *value)
{
	char	line[256];

	snprintf(line, sizeof(line), "%s: %s", name, value);
	wp->wp_hdrs = curl_slist_append(wp->wp_hdrs, line);
}

int
whpost_init(struct whpost *wp, const char *url, const char *secret,
    const char *id, const char *body, size_t len, int timeout_s)
{
	uint8_t	 key[WHSIG_KEY_MAX];
	size_t	 keylen;
	char	 sig[WHSIG_SIG_MAX], ts[32];
	int64_t	 now = (int64_t)time(NULL);
	CURL	*c;

	memset(wp, 0, sizeof(*wp));
	if (whsig_secret_key(secret, key, &keylen) != 0) {
		strlcpy(wp->wp_err, "unusable secret", sizeof(wp->wp_err));
		return (-1);
	}
	whsig_sign(key, keylen, id, now, body, len, sig);
	OPENSSL_cleanse(key, sizeof(key));
	snprintf(ts, sizeof(ts), "%lld", (long long)now);
	if ((wp->wp_curl = c = curl_easy_init()) == NULL)
		return (-1);
	add_header(wp, "Content-Type", "application/json");
	add_header(wp, "webhook-id", id);
	add_header(wp, "webhook-timestamp", ts);
	add_header(wp, "webhook-signature", sig);
	add_header(wp, "Expect", "");
	wp->wp_body = xmalloc(len + 1);
	memcpy(wp->wp_body, body, len);
	wp->wp_body[len] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)timeout_s);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, wp->wp_hdrs);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, wp->wp_body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, wp->wp_err);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "scimd/" SCIMD_VERSION);
	return (0);
}

int
whpost_init_test(struct whpost *wp, const char *url, const char *secret,
    int timeout_s)
{
	struct json_object	*o = json_object_new_object();
	char			 id[SCIM_ID_MAX], when[40];
	const char		*body;
	size_t			 len;
	int			 rc;

	util_uuid(id);
	util_time_fmt(util_now_ms(), when, sizeof(when));
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "type", json_object_new_string(
	    "webhook.test"));
	json_object_object_add(o, "time", json_object_new_string(when));
	body = jsonutil_compact(o, &len);
	rc = whpost_init(wp, url, secret, id, body, len, timeout_s);
	json_object_put(o);
	return (rc);
}

long
whpost_status(struct whpost *wp, CURLcode cc)
{
	long	status = 0;

	if (cc != CURLE_OK) {
		if (wp->wp_err[0] == '\0')
			strlcpy(wp->wp_err, curl_easy_strerror(cc),
			    sizeof(wp->wp_err));
		return (0);
	}
	curl_easy_getinfo(wp->wp_curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299)
		snprintf(wp->wp_err, sizeof(wp->wp_err), "HTTP %ld", status);
	else
		wp->wp_err[0] = '\0';
	return (status);
}

void
whpost_free(struct whpost *wp)
{
	if (wp->wp_curl != NULL)
		curl_easy_cleanup(wp->wp_curl);
	curl_slist_free_all(wp->wp_hdrs);
	free(wp->wp_body);
	memset(wp, 0, sizeof(*wp));
}
