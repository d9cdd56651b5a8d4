/*
 * POST /Bulk (RFC 7644 section 3.7): operations applied in order through
 * the ordinary write path, "bulkId:x" references resolved to the ids that
 * earlier operations of the same request created, failOnErrors honoured,
 * maxOperations and maxPayloadSize enforced (413).
 */
#ifndef BULK_H
#define BULK_H

struct request;

void	bulk_handle(struct request *rq);

#endif /* BULK_H */
