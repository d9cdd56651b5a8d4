/*
 * GET /ServiceProviderConfig, /ResourceTypes[/name] and /Schemas[/urn]
 * (RFC 7644 section 4): the documents of discovery.h, with the limits the
 * configuration sets.  rq_id holds the name or URN after the endpoint, or
 * NULL.
 */
#ifndef DISCOVERY_ENDPOINT_H
#define DISCOVERY_ENDPOINT_H

struct request;

void	discovery_serve_spc(struct request *rq);
void	discovery_serve_types(struct request *rq);
void	discovery_serve_schemas(struct request *rq);

#endif /* DISCOVERY_ENDPOINT_H */
