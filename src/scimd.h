/*
 * Common definitions for every scimd module: build configuration, compat
 * prototypes and the few compile-time limits shared across files.
 */
#ifndef SCIMD_H
#define SCIMD_H

#include "build.h"	/* autoconf results */
#include "compat.h"

#define SCIMD_VERSION		PACKAGE_VERSION

#define SCIM_ID_LEN		36	/* UUID text, without NUL */
#define SCIM_ID_MAX		(SCIM_ID_LEN + 1)

#define SCIM_SCHEMA_USER	"urn:ietf:params:scim:schemas:core:2.0:User"
#define SCIM_SCHEMA_GROUP	"urn:ietf:params:scim:schemas:core:2.0:Group"
#define SCIM_SCHEMA_ENTERPRISE	\
	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
#define SCIM_MSG_LIST		"urn:ietf:params:scim:api:messages:2.0:ListResponse"
#define SCIM_MSG_ERROR		"urn:ietf:params:scim:api:messages:2.0:Error"
#define SCIM_MSG_PATCH		"urn:ietf:params:scim:api:messages:2.0:PatchOp"
#define SCIM_MSG_SEARCH		"urn:ietf:params:scim:api:messages:2.0:SearchRequest"
#define SCIM_MSG_BULKREQ	"urn:ietf:params:scim:api:messages:2.0:BulkRequest"
#define SCIM_MSG_BULKRESP	"urn:ietf:params:scim:api:messages:2.0:BulkResponse"

#define SCIM_JSON_DEPTH		32	/* deepest JSON nesting accepted */

struct event_base;
struct scimd_config;
struct store;

/*
 * The running process's state: main.c owns the one instance and hands a
 * pointer down (every request carries it as rq_sd), so no layer reads
 * another's globals.  sd_conf is updated in place on SIGHUP, between
 * requests.
 */
struct scimd {
	struct scimd_config	*sd_conf;
	struct store		*sd_store;
	struct event_base	*sd_base;
};

#endif /* SCIMD_H */
