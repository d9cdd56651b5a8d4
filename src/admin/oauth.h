/*
 * The OAuth 2.0 token endpoint (RFC 6749 section 4.4, the client
 * credentials grant; entra.md section 2.1): POST /oauth2/token with
 * grant_type=client_credentials, the client authenticated by HTTP Basic
 * or by client_id and client_secret in the form (both may come; they must
 * agree), answers {"access_token","token_type":"Bearer","expires_in"} with
 * a token that lives oauth_token_lifetime, or an RFC 6749 section 5.2
 * error.  Clients and their tokens are kept by oauth_client.h.
 */
#ifndef OAUTH_H
#define OAUTH_H

struct request;

/* POST /oauth2/token: always replies (rq is gone afterwards). */
void	oauth_serve(struct request *rq);

#endif /* OAUTH_H */
