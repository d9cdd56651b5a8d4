/*
 * One webhook delivery as a libcurl easy handle: POST of body to url with
 * Content-Type: application/json and the Standard Webhooks headers
 * (whsig.h) signed with secret; http and https only, no redirects,
 * certificate and host name verified, a total timeout.  The daemon runs
 * it on its curl multi handle (delivery.c), scimctl webhook test with
 * curl_easy_perform.
 */
#ifndef WHPOST_H
#define WHPOST_H

#include <stddef.h>

#include <curl/curl.h>

struct whpost {
	CURL			*wp_curl;
	struct curl_slist	*wp_hdrs;
	char			*wp_body;	/* owned copy */
	char			 wp_err[CURL_ERROR_SIZE];
};

/*
 * Set wp up to deliver event id (body, len bytes) to url.  0, or -1 when
 * the secret is unusable or curl failed (wp is then clean).
 */
int	whpost_init(struct whpost *wp, const char *url, const char *secret,
	    const char *id, const char *body, size_t len, int timeout_s);
/* The same for a new webhook.test event ({"id","type","time"}). */
int	whpost_init_test(struct whpost *wp, const char *url, const char *secret,
	    int timeout_s);
/*
 * The outcome once the transfer ended with code cc: the HTTP status (0
 * when none came), and a one-line reason in wp_err when it was not 2xx.
 */
long	whpost_status(struct whpost *wp, CURLcode cc);
void	whpost_free(struct whpost *wp);

#endif /* WHPOST_H */
