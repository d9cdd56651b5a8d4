/*
 * The read-only SQL interface of the PostgreSQL schema (migration 3), for a
 * product that shares the database: views over the key/value tables that
 * name the tenant and decode the stored documents, and the indexes that
 * make "user by userName or email, group by displayName, in tenant T"
 * index scans (on expressions until version 6, on columns since).  Documented in scimd-sql(7); a change of a view's
 * columns is a migration and a note there.
 *
 * The documents are UTF-8 JSON in bytea: scim_doc() decodes one.  It is
 * declared IMMUTABLE (convert_from is only STABLE, for its encoding
 * lookup, which is fixed for a database) so that indexes may use it; the
 * views use the same expressions, so the planner matches them.  Kinds are
 * the fifth byte of a resource key: 'U' (85) users, 'G' (71) groups.
 */
#include "store_pg.h"

/*
 * scimd_users and scimd_groups, with the expressions of their indexed
 * columns (the documents' members until version 6, columns since).
 */
#define PG_VIEWS(create, user_name, email, group_name) \
create " VIEW scimd_users AS SELECT t.name AS tenant,\n" \
"    scim_doc(r.v) ->> 'id' AS id,\n" \
"    " user_name " AS user_name,\n" \
"    scim_doc(r.v) ->> 'externalId' AS external_id,\n" \
"    (scim_doc(r.v) ->> 'active')::boolean AS active,\n" \
"    scim_doc(r.v) ->> 'displayName' AS display_name,\n" \
"    " email " AS email,\n" \
"    scim_doc(r.v) AS doc,\n" \
"    (scim_doc(r.v) -> 'meta' ->> 'created')::timestamptz AS created,\n" \
"    (scim_doc(r.v) -> 'meta' ->> 'lastModified')::timestamptz\n" \
"    AS last_modified\n" \
"    FROM scim_tenant_names t JOIN scim_res r ON r.tenant = t.id\n" \
"    WHERE get_byte(r.k, 4) = 85;\n" \
create " VIEW scimd_groups AS SELECT t.name AS tenant,\n" \
"    scim_doc(r.v) ->> 'id' AS id,\n" \
"    " group_name " AS display_name,\n" \
"    scim_doc(r.v) ->> 'externalId' AS external_id,\n" \
"    scim_doc(r.v) AS doc,\n" \
"    (scim_doc(r.v) -> 'meta' ->> 'created')::timestamptz AS created,\n" \
"    (scim_doc(r.v) -> 'meta' ->> 'lastModified')::timestamptz\n" \
"    AS last_modified\n" \
"    FROM scim_tenant_names t JOIN scim_res r ON r.tenant = t.id\n" \
"    WHERE get_byte(r.k, 4) = 71;\n"

const char pg_views_sql[] =
"CREATE FUNCTION scim_doc(bytea) RETURNS jsonb LANGUAGE sql IMMUTABLE\n"
"    STRICT PARALLEL SAFE AS $$SELECT convert_from($1, 'UTF8')::jsonb$$;\n"
"CREATE FUNCTION scim_be32(bytea) RETURNS integer LANGUAGE sql IMMUTABLE\n"
"    STRICT PARALLEL SAFE AS $$SELECT (get_byte($1, 0) << 24) |\n"
"    (get_byte($1, 1) << 16) | (get_byte($1, 2) << 8) | get_byte($1, 3)$$;\n"
/* the primary email, else the first */
"CREATE FUNCTION scim_email(d jsonb) RETURNS text LANGUAGE sql IMMUTABLE\n"
"    PARALLEL SAFE AS $$SELECT coalesce((SELECT e ->> 'value' FROM\n"
"    jsonb_array_elements(CASE jsonb_typeof(d -> 'emails') WHEN 'array'\n"
"    THEN d -> 'emails' ELSE '[]' END) e WHERE e ->> 'primary' = 'true'\n"
"    LIMIT 1), d -> 'emails' -> 0 ->> 'value')$$;\n"
/* tenants: "n" name -> T */
"CREATE VIEW scim_tenant_names AS SELECT convert_from(substring(k FROM 2),\n"
"    'UTF8') AS name, scim_be32(v) AS id FROM scim_tenants\n"
"    WHERE tenant = 0 AND get_byte(k, 0) = 110 AND length(v) = 4;\n"
"CREATE INDEX scim_res_user_name ON scim_res\n"
"    (tenant, (scim_doc(v) ->> 'userName')) WHERE get_byte(k, 4) = 85;\n"
"CREATE INDEX scim_res_user_email ON scim_res\n"
"    (tenant, scim_email(scim_doc(v))) WHERE get_byte(k, 4) = 85;\n"
"CREATE INDEX scim_res_group_name ON scim_res\n"
"    (tenant, (scim_doc(v) ->> 'displayName')) WHERE get_byte(k, 4) = 71;\n"
PG_VIEWS("CREATE", "scim_doc(r.v) ->> 'userName'",
    "scim_email(scim_doc(r.v))", "scim_doc(r.v) ->> 'displayName'")
/* members: T group-R -> K R; both ends found by their resource key */
"CREATE VIEW scimd_group_members AS SELECT t.name AS tenant,\n"
"    scim_doc(g.v) ->> 'id' AS group_id,\n"
"    scim_doc(u.v) ->> 'id' AS member_id\n"
"    FROM scim_tenant_names t JOIN scim_members m ON m.tenant = t.id\n"
"    JOIN scim_res g ON g.tenant = m.tenant AND g.k =\n"
"    substring(m.k FROM 1 FOR 4) || '\\x47'::bytea || substring(m.k FROM 5)\n"
"    JOIN scim_res u ON u.tenant = m.tenant AND u.k =\n"
"    substring(m.k FROM 1 FOR 4) || m.v;\n";

/*
 * Migration 4: scim_email in PL/pgSQL, the same results.  As an SQL
 * function with a subquery it cannot be inlined, and PostgreSQL ran it
 * through its SQL-function executor for every user written: 105 us of
 * the server's CPU per insert, against ~40 now.  The index's entries do
 * not change, so it is not rebuilt.
 */
const char pg_email_plpgsql_sql[] =
"CREATE OR REPLACE FUNCTION scim_email(d jsonb) RETURNS text\n"
"    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$\n"
"DECLARE\n"
"    es jsonb := d -> 'emails';\n"
"    i integer;\n"
"BEGIN\n"
"    IF jsonb_typeof(es) = 'array' THEN\n"
"        FOR i IN 0 .. jsonb_array_length(es) - 1 LOOP\n"
"            IF es -> i ->> 'primary' = 'true' THEN\n"
"                RETURN coalesce(es -> i ->> 'value', es -> 0 ->> 'value');\n"
"            END IF;\n"
"        END LOOP;\n"
"    END IF;\n"
"    RETURN es -> 0 ->> 'value';\n"
"END$$;\n";

/*
 * Migration 5: scim_doc in PL/pgSQL, the same results.  convert_from is
 * only STABLE, so the IMMUTABLE SQL function was never inlined: every
 * index entry computed for a user written (userName, email) went through
 * the SQL-function executor, set up anew for each statement.  PL/pgSQL
 * keeps its plan for the session: the two indexes cost the server about
 * 60 instead of 115 microseconds per user inserted.  The indexes' entries
 * do not change, so they are not rebuilt.
 */
const char pg_doc_plpgsql_sql[] =
"CREATE OR REPLACE FUNCTION scim_doc(bytea) RETURNS jsonb\n"
"    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS\n"
"    $$BEGIN RETURN convert_from($1, 'UTF8')::jsonb; END$$;\n";

/*
 * Migration 6: scim_res keeps a user's userName and primary (else first)
 * email, a group's displayName, in columns of their own, written by scimd
 * with the document (pgdoc.h), and the indexes and views read those: the
 * server no longer parses every document it stores into jsonb once for
 * each index.  The views' columns and results stay the same.  A scimd
 * older than this version, still running during an upgrade, writes the
 * document alone: the trigger fills the columns in for its sessions,
 * which have not set scimd.res_columns (pgconn.c sets it).
 */
const char pg_res_columns_sql[] =
"ALTER TABLE scim_res ADD COLUMN name text, ADD COLUMN email text;\n"
"CREATE FUNCTION scim_res_name(k bytea, v bytea) RETURNS text\n"
"    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$\n"
"BEGIN\n"
"    IF length(k) < 5 THEN\n"
"        RETURN NULL;\n"
"    ELSIF get_byte(k, 4) = 85 THEN\n"
"        RETURN scim_doc(v) ->> 'userName';\n"
"    ELSIF get_byte(k, 4) = 71 THEN\n"
"        RETURN scim_doc(v) ->> 'displayName';\n"
"    END IF;\n"
"    RETURN NULL;\n"
"END$$;\n"
"CREATE FUNCTION scim_res_email(k bytea, v bytea) RETURNS text\n"
"    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$\n"
"BEGIN\n"
"    IF length(k) >= 5 AND get_byte(k, 4) = 85 THEN\n"
"        RETURN scim_email(scim_doc(v));\n"
"    END IF;\n"
"    RETURN NULL;\n"
"END$$;\n"
"DROP INDEX scim_res_user_name, scim_res_user_email, scim_res_group_name;\n"
/* filled in by a rewrite of the table, not an UPDATE: no dead copy left */
"ALTER TABLE scim_res ALTER COLUMN name TYPE text USING scim_res_name(k, v),\n"
"    ALTER COLUMN email TYPE text USING scim_res_email(k, v);\n"
"CREATE INDEX scim_res_user_name ON scim_res (tenant, name)\n"
"    WHERE get_byte(k, 4) = 85;\n"
"CREATE INDEX scim_res_user_email ON scim_res (tenant, email)\n"
"    WHERE get_byte(k, 4) = 85;\n"
"CREATE INDEX scim_res_group_name ON scim_res (tenant, name)\n"
"    WHERE get_byte(k, 4) = 71;\n"
PG_VIEWS("CREATE OR REPLACE", "r.name", "r.email", "r.name")
"CREATE FUNCTION scim_res_columns() RETURNS trigger LANGUAGE plpgsql AS $$\n"
"BEGIN\n"
"    NEW.name := scim_res_name(NEW.k, NEW.v);\n"
"    NEW.email := scim_res_email(NEW.k, NEW.v);\n"
"    RETURN NEW;\n"
"END$$;\n"
"CREATE TRIGGER scim_res_columns BEFORE INSERT OR UPDATE OF v ON scim_res\n"
"    FOR EACH ROW WHEN (current_setting('scimd.res_columns', true)\n"
"    IS DISTINCT FROM 'on') EXECUTE FUNCTION scim_res_columns();\n";
