#!/bin/bash
# pg_sql.sh: what PostgreSQL schema version 3 promises (pg_suite.sh runs it
# with SCIMD_TEST_PG set; without it, it skips).
#   a. the views scimd_users, scimd_groups and scimd_group_members show the
#      SCIM resources of each tenant, and follow POST, PATCH, PUT, DELETE
#      and membership changes
#   b. "user by userName or email, group by displayName, in tenant T" are
#      index scans (EXPLAIN)
#   c. writers serialise per tenant: while psql holds tenant B's writers'
#      lock, writes to tenant A complete at once, and a write to B waits
#      for the lock and then succeeds
#   d. a lookup is one statement, with no BEGIN/COMMIT around it: GET by id
#      (of a user in a group, whose groups come with it) and the indexed
#      filters, read from the server's statement log (pg_suite.sh's
#      cluster: SCIMD_TEST_PG_LOG)
#   f. a new id's clash, settled late, fails its create alone: its batch,
#      first tried without a savepoint per create, runs again create by
#      create, and leaves one event per user created, one audit record per
#      create
#   g. the audit horizon: every audit record is written under its lock, and
#      scimctl audit --follow across tenants waits for a record numbered
#      before one already committed, then prints both
. "$(dirname "$0")/lib.sh"

[ "$SCIMD_BACKEND" = pg ] ||
    skip_all "needs PostgreSQL: SCIMD_TEST_PG (make check runs it from pg_suite.sh)"

start_scimd || bail "scimd did not start"
ctl tenant create bravo || bail "cannot create tenant bravo"
ctl token create b --tenant bravo || bail "cannot create a token for bravo"
TOKB=$CTL_LAST

# q SQL: one psql answer, fields separated by |
q()
{
	pg_psql "$1" 2> "$SCIM_TMP/psql.err"
}

# held PATTERN: wait (5 s at most) until another session runs a statement
# like PATTERN: a psql in the background, holding a lock
held()
{
	local i

	for i in $(seq 50); do
		[ "$(q "SELECT count(*) FROM pg_stat_activity WHERE query LIKE
		    '$1' AND state = 'active' AND pid <> pg_backend_pid()")" \
		    -ge 1 ] && return 0
		sleep 0.1
	done
	return 1
}

# retried: batches rolled back whole and run again op by op (/metrics)
retried()
{
	NO_AUTH=1 req GET "$ROOT/metrics"
	printf '%s\n' "$BODY" |
	    awk '$1 == "scimd_commit_retried_total" { v = $2 } END { print v + 0 }'
}

# === a. the views ============================================================

mkuser alice '"externalId":"ext-a","displayName":"Alice A","active":true,
    "emails":[{"value":"a2@example.com"},{"value":"a@example.com","primary":true}]' ||
    bail "cannot create alice"
ALICE=$UID_
mkuser bob '"emails":[{"value":"bob@example.com"}]' || bail "cannot create bob"
BOB=$UID_
AUTH=$TOKB mkuser alice || bail "cannot create alice in bravo"
BALICE=$UID_

is "$(q "SELECT id, user_name, external_id, active, display_name, email
    FROM scimd_users WHERE tenant = 'default' AND user_name = 'alice'")" \
    "$ALICE|alice|ext-a|t|Alice A|a@example.com" "scimd_users: alice's columns"
is "$(q "SELECT email FROM scimd_users WHERE id = '$BOB'")" \
    "bob@example.com" "scimd_users: the first email without a primary"
# scim_email itself (PL/pgSQL since schema version 4, the same answers):
# the first primary's value, else the first value; a primary without a
# value falls back to the first; emails that are no array give null
is "$(q "SELECT concat_ws(',', scim_email('{\"emails\":[{\"value\":\"x\"},
    {\"value\":\"p\",\"primary\":true},{\"value\":\"q\",\"primary\":true}]}'),
    scim_email('{\"emails\":[{\"value\":\"x\"},{\"primary\":true}]}'),
    scim_email('{\"emails\":[]}') IS NULL, scim_email('{\"emails\":\"x\"}') IS NULL,
    scim_email('{}') IS NULL)")" "p,x,t,t,t" \
    "scim_email: primary, fallback to the first, null without an array"
is "$(q "SELECT max(version) FROM scim_schema_version")" 6 "schema version 6"
# scim_doc in PL/pgSQL since version 5 (an SQL function that cannot be
# inlined ran through the SQL-function executor per index entry)
is "$(q "SELECT string_agg(p.proname || ':' || l.lanname, ',' ORDER BY p.proname)
    FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
    WHERE p.proname IN ('scim_doc', 'scim_email')")" \
    "scim_doc:plpgsql,scim_email:plpgsql" "scim_doc and scim_email in PL/pgSQL"
is "$(q "SELECT scim_doc(convert_to('{\"a\":\"\u00e9\"}', 'UTF8')) ->> 'a'")" \
    "é" "scim_doc decodes UTF-8"
is "$(q "SELECT tenant FROM scimd_users WHERE id = '$BALICE'")" bravo \
    "scimd_users: the tenant's name"
is "$(q "SELECT count(*) FROM scimd_users WHERE user_name = 'alice'")" 2 \
    "scimd_users: one alice in each tenant"
is "$(q "SELECT doc ->> 'userName', created <= last_modified,
    pg_typeof(doc), pg_typeof(created) FROM scimd_users WHERE id = '$ALICE'")" \
    "alice|t|jsonb|timestamp with time zone" "scimd_users: doc and times"

req PATCH "/Users/$ALICE" "$(patch_body '{"op":"replace","path":"userName","value":"alice2"}' \
    '{"op":"replace","path":"active","value":false}')"
is "$STATUS" 200 "PATCH alice"
is "$(q "SELECT user_name, active FROM scimd_users WHERE id = '$ALICE'")" \
    "alice2|f" "scimd_users after PATCH"
is "$(q "SELECT count(*) FROM scimd_users WHERE tenant = 'default' AND
    user_name = 'alice'")" 0 "the old userName is gone"
req PUT "/Users/$BOB" "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"robert\",
    \"emails\":[{\"value\":\"r@example.com\",\"primary\":true}]}"
is "$STATUS" 200 "PUT bob"
is "$(q "SELECT user_name, email FROM scimd_users WHERE tenant = 'default'
    AND email = 'r@example.com'")" "robert|r@example.com" "scimd_users after PUT"

mkgroup staff || bail "cannot create a group"
STAFF=$GID_
req PATCH "/Groups/$STAFF" "$(patch_body "{\"op\":\"add\",\"path\":\"members\",
    \"value\":[{\"value\":\"$ALICE\"},{\"value\":\"$BOB\"}]}")"
is "$STATUS" 204 "add two members"
is "$(q "SELECT id, display_name, tenant FROM scimd_groups
    WHERE display_name = 'staff'")" "$STAFF|staff|default" "scimd_groups"
is "$(q "SELECT member_id FROM scimd_group_members WHERE tenant = 'default'
    AND group_id = '$STAFF' ORDER BY member_id")" \
    "$(printf '%s\n' "$ALICE" "$BOB" | sort)" "scimd_group_members"
# a product's own table joined against the views
q "CREATE TABLE product_seat (email text PRIMARY KEY, seat int);
    INSERT INTO product_seat VALUES ('r@example.com', 7)" > /dev/null
is "$(q "SELECT p.seat, g.display_name FROM product_seat p
    JOIN scimd_users u ON u.tenant = 'default' AND u.email = p.email
    JOIN scimd_group_members m ON m.tenant = u.tenant AND m.member_id = u.id
    JOIN scimd_groups g ON g.tenant = m.tenant AND g.id = m.group_id")" \
    "7|staff" "a JOIN from a product table"

req DELETE "/Users/$BOB"
is "$STATUS" 204 "DELETE bob"
is "$(q "SELECT count(*) FROM scimd_users WHERE id = '$BOB'")" 0 \
    "scimd_users after DELETE"
is "$(q "SELECT member_id FROM scimd_group_members WHERE group_id = '$STAFF'")" \
    "$ALICE" "the deleted member left scimd_group_members"
req DELETE "/Groups/$STAFF"
is "$(q "SELECT count(*) FROM scimd_groups WHERE id = '$STAFF'")
$(q "SELECT count(*) FROM scimd_group_members WHERE group_id = '$STAFF'")" \
    "0
0" "a deleted group leaves both views"
is "$(q "INSERT INTO scimd_groups (tenant, id) VALUES ('x', 'y')" 2>&1 ||
    echo refused)" refused "the views are read-only"

# === b. index scans ===========================================================

# explain SQL: the plan, with sequential scans priced out (a few rows
# would make one cheaper; an index the query cannot use stays unused)
explain()
{
	q "SET enable_seqscan = off; EXPLAIN (COSTS OFF) $1"
}
for c in "scimd_users|user_name|alice2|scim_res_user_name" \
    "scimd_users|email|a@example.com|scim_res_user_email" \
    "scimd_groups|display_name|staff|scim_res_group_name"; do
	IFS='|' read -r view col val ix <<< "$c"
	plan=$(explain "SELECT * FROM $view WHERE tenant = 'default' AND
	    $col = '$val'")
	like "$plan" "Index Scan using $ix on scim_res" \
	    "$view by $col is an index scan ($ix)"
	unlike "$plan" "Seq Scan on scim_res" "$view by $col scans no table"
done

# scim_res's name and email columns (schema version 6), written by scimd
# beside each document, say what the server reads from the document: for
# every resource stored, escapes and other scripts among them
mkuser 'q\"uo\\te' '"emails":[{"value":"x@example.com"},{"value":"caf\u00e9@example.com","primary":true}]' ||
    bail "cannot create a user with escapes"
QUOTE=$UID_
mkuser 'k\u00f6nig\tTab' '"emails":{"value":"not-an-array@example.com"}' > /dev/null 2>&1
mkuser "\u4e2d\u6587" '"emails":[{"type":"work"},{"value":"y@example.com"}]' ||
    bail "cannot create a user named in Chinese"
req POST /Groups '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G \"q\" \u00e9"}'
is "$STATUS" 201 "a group named with escapes"
is "$(q "SELECT count(*) FILTER (WHERE get_byte(k, 4) = 85) > 3,
    count(*) FILTER (WHERE get_byte(k, 4) = 71) > 0,
    count(*) FILTER (WHERE name IS DISTINCT FROM scim_res_name(k, v)
    OR email IS DISTINCT FROM scim_res_email(k, v)) FROM scim_res")" \
    "t|t|0" "every resource's name and email columns are its document's"
is "$(q "SELECT user_name, email FROM scimd_users WHERE id = '$QUOTE'")" \
    'q"uo\te|café@example.com' "scimd_users: an escaped name, a primary email"
# an instance older than version 6 writes the document alone: the trigger
# fills the columns in for a session without scimd.res_columns (and back)
renamed()
{
	q "UPDATE scim_res SET v = convert_to(replace(convert_from(v, 'UTF8'),
	    '\"userName\":\"$1\"', '\"userName\":\"$2\"'), 'UTF8')
	    WHERE get_byte(k, 4) = 85 AND name = '$1' AND
	    tenant = (SELECT id FROM scim_tenant_names WHERE name = 'default')
	    RETURNING name"
}
is "$(renamed alice2 alice3)" alice3 "an older writer's update sets the name"
is "$(renamed alice3 alice2)" alice2 "and back"

# === c. writers serialise per tenant ==========================================

BID=$(q "SELECT id FROM scim_tenant_names WHERE name = 'bravo'")
DID=$(q "SELECT id FROM scim_tenant_names WHERE name = 'default'")
isnt "$BID" "" "bravo's tenant id"
# psql takes bravo's lock the way scimd does and holds it for 3 s
pg_psql "BEGIN; INSERT INTO scim_tenant_lock AS l (tenant) VALUES ($BID)
    ON CONFLICT (tenant) DO UPDATE SET tenant = l.tenant WHERE false;
    SELECT pg_sleep(3); COMMIT" > /dev/null 2>&1 &
HOLDER=$!
at_exit "kill $HOLDER 2>/dev/null"
for i in $(seq 50); do
	[ "$(q "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a
	    USING (pid) WHERE a.query LIKE '%pg_sleep(3)%' AND
	    l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock'")" -ge 1 ] &&
	    break
	sleep 0.1
done
t0=$(date +%s%N)
curl -sS -o /dev/null -w '%{http_code}' --max-time 20 -X POST \
    -H "Authorization: Bearer $TOKB" -H "Content-Type: $CT" \
    --data-binary "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"waits\"}" \
    "$BASE/Users" > "$SCIM_TMP/bpost" 2>&1 &
BPOST=$!
# until that create waits for bravo's lock: sent sooner, tenant A's first
# create could share its batch (and rightly wait with it)
for i in $(seq 50); do
	[ "$(q "SELECT count(*) FROM pg_locks WHERE NOT granted AND
	    locktype = 'transactionid'")" -ge 1 ] && break
	sleep 0.1
done
ok_a=0
for n in 1 2 3; do
	s=$(date +%s%N)
	mkuser "quick$n" && [ $((($(date +%s%N) - s) / 1000000)) -lt 1000 ] &&
	    ok_a=$((ok_a + 1))
done
is "$ok_a" 3 "three creates in tenant A, each within 1 s, while B's lock is held"
req PATCH "/Users/$ALICE" "$(patch_body '{"op":"replace","path":"displayName","value":"A"}')"
is "$STATUS" 200 "a PATCH in tenant A while B's lock is held"
wait $BPOST
ms=$((($(date +%s%N) - t0) / 1000000))
ok "the create in tenant B waited for its lock (${ms} ms)" [ "$ms" -ge 2000 ]
is "$(cat "$SCIM_TMP/bpost")" 201 "and then succeeded"
wait $HOLDER
is "$(q "SELECT count(*) FROM scimd_users WHERE tenant = 'bravo' AND
    user_name = 'waits'")" 1 "and it was then made"
is "$(q "SELECT count(*) FROM scim_tenant_lock WHERE tenant IN ($BID, $DID)")" 2 \
    "one lock row per tenant that wrote"
# the lock is a row lock only: a write transaction does not write the row
# again (no new version of it, no dead tuple, per transaction)
lock_xmin() { q "SELECT xmin FROM scim_tenant_lock WHERE tenant = $DID"; }
x0=$(lock_xmin)
mkuser "lockrow1" && mkuser "lockrow2"
is "$(lock_xmin)" "$x0" "two writes in tenant A leave its lock row as it was"
isnt "$(q "SELECT xmax FROM scim_tenant_lock WHERE tenant = $DID")" 0 \
    "and were its lockers"
is "$(q "SELECT count(*) FROM pg_class WHERE relname = 'scim_lock'")" 0 \
    "no global writers' lock any more"

# === d. one statement a lookup ===============================================

if [ -z "${SCIMD_TEST_PG_LOG:-}" ] || [ ! -r "$SCIMD_TEST_PG_LOG" ]; then
	skip 31 "no server log of the cluster (SCIMD_TEST_PG_LOG)"
else
	mkuser carol '"externalId":"ext-c","emails":[{"value":"c@example.com"}]' ||
	    bail "cannot create carol"
	CAROL=$UID_
	mkgroup team || bail "cannot create a group"
	TEAM=$GID_
	req PATCH "/Groups/$TEAM" "$(patch_body "{\"op\":\"add\",
	    \"path\":\"members\",\"value\":[{\"value\":\"$CAROL\"}]}")"
	is "$STATUS" 204 "carol joins team"
	q "ALTER DATABASE $(q "SELECT current_database()") SET log_statement = 'all'" ||
	    bail "cannot log this database's statements"
	stop_scimd
	# scimd's connections named, for its lines of the log
	SCIMD_DATABASE="$SCIMD_DATABASE application_name=scimd_rt"
	start_scimd "log_level = info" || bail "scimd did not restart"
	# the token checked (one statement, alone, on the lookups'
	# connection), and cached
	from=$(($(wc -l < "$SCIMD_TEST_PG_LOG") + 1))
	req GET "/Users/$ALICE"
	sleep 0.2
	tail -n +"$from" "$SCIMD_TEST_PG_LOG" | awk '
	    / scimd_rt LOG:  (execute [^:]*|statement): / {
		pid = $4; sql = $0; sub(/.*(execute [^:]*|statement): /, "", sql)
		if (sql ~ /^SELECT .*scim_tokens/) {
			n++; if (last[pid] ~ /^BEGIN/) begun = 1
		}
		last[pid] = sql
	    }
	    END { printf "%d|%d\n", n, begun }' > "$SCIM_TMP/tok"
	is "$STATUS|$(cat "$SCIM_TMP/tok")" "200|1|0" \
	    "a token not in the cache: one statement, alone"
	# lookup DESC PATH: PATH's lookup was one statement, alone
	lookup()
	{
		local from

		from=$(($(wc -l < "$SCIMD_TEST_PG_LOG") + 1))
		rm -f "$SCIM_TMP/rt.sql"
		req GET "$2"
		sleep 0.2
		# of scimd's statements since: those reading resources (others,
		# a deliverer's or a token's, run beside), and for the pid that
		# ran them, the statements just before and after
		tail -n +"$from" "$SCIMD_TEST_PG_LOG" | awk '
		    / scimd_rt LOG:  (execute [^:]*|statement): / {
			pid = $4; sql = $0; sub(/.*(execute [^:]*|statement): /, "", sql)
			if (sql ~ /scim_(res|id2r|ix_|memberof|members)/) {
				n++; lpid = pid; before = last[pid]; after = ""
				print sql > "'"$SCIM_TMP/rt.sql"'"
			} else if (pid == lpid && after == "")
				after = sql
			last[pid] = sql
		    }
		    END { printf "%d|%s|%s\n", n, before ~ /^BEGIN/ ? "BEGIN" : "",
			after ~ /^(COMMIT|ROLLBACK)/ ? "END" : "" }' > "$SCIM_TMP/rt"
		is "$STATUS|$(cat "$SCIM_TMP/rt")" "200|1||" "$1: one statement, alone"
	}
	lookup "GET a user in a group by id" "/Users/$CAROL"
	ok "its groups came with it" grep -q "\"$TEAM\"" <<< "$BODY"
	# stops DESC: the lookup just made asked its index for its key's rows
	# alone, none after
	stops()
	{
		ok "$1: the index probe stops at its key" \
		    grep -qE 'FROM scim_ix_[a-z]+ a WHERE a\.tenant = \$1 AND a\.k = \$2 ' \
		    "$SCIM_TMP/rt.sql"
	}
	lookup "filter userName eq" "/Users?filter=$(urlenc 'userName eq "carol"')"
	ok "the user found" grep -q "\"$CAROL\"" <<< "$BODY"
	stops "filter userName eq"
	lookup "filter emails.value eq" \
	    "/Users?filter=$(urlenc 'emails.value eq "c@example.com"')"
	stops "filter emails.value eq"
	lookup "filter externalId eq" \
	    "/Users?filter=$(urlenc 'externalId eq "ext-c"')"
	stops "filter externalId eq"
	lookup "filter group displayName eq" \
	    "/Groups?filter=$(urlenc 'displayName eq "team"')&excludedAttributes=members"
	ok "the group found" grep -q "\"$TEAM\"" <<< "$BODY"

	# burst_stopped: the GETs of urls[] at once, sent while scimd is
	# stopped (so it reads most in one turn of its loop, and their lookups
	# leave together), then scimd resumed; codes in $SCIM_TMP/codes, curl's
	# pid in CURLS
	burst_stopped()
	{
		kill -STOP "$SCIMD_PID"
		curl -sS --parallel --parallel-max 24 -w '%{http_code}\n' \
		    -H "Authorization: Bearer $TOKEN" "${urls[@]}" \
		    > "$SCIM_TMP/codes" 2> "$SCIM_TMP/par.err" &
		CURLS=$!
		sleep 0.5
		kill -CONT "$SCIMD_PID"
	}

	# concurrent lookups share one connection, pipelined (pglookup.c),
	# and those of one statement leave as one (pgbatch.c): scimd, stopped
	# while they connect, reads most of them in one turn of its loop
	from=$(($(wc -l < "$SCIMD_TEST_PG_LOG") + 1))
	urls=()
	for i in $(seq 24); do
		urls+=(-o /dev/null "$BASE/Users/$CAROL")
	done
	burst_stopped
	wait $CURLS
	is "$(sort "$SCIM_TMP/codes" | uniq -c | awk '{print $1, $2}')" \
	    "24 200" "24 GETs at once"
	sleep 0.2
	stmts=$(tail -n +"$from" "$SCIMD_TEST_PG_LOG" | grep ' scimd_rt LOG:  ' |
	    grep -E 'scim_(res|id2r)' | awk '{print $4}' | sort | uniq -c)
	is "$(wc -l <<< "$stmts")" 1 "their lookups on one connection"
	n=$(awk '{print $1}' <<< "$stmts")
	ok "their 24 lookups in fewer statements ($n): batched" [ "$n" -lt 24 ]

	# a lookup cancelled on the server fails alone: the others of its
	# batch, which the server then skips, are sent again.  psql holds
	# id2r's lock; the lookup that waits for it is cancelled, eight times.
	from=$(($(wc -l < "$SCIMD_TEST_PG_LOG") + 1))
	pg_psql "BEGIN; LOCK TABLE scim_id2r IN ACCESS EXCLUSIVE MODE;
	    SELECT pg_sleep(2.5); COMMIT" > /dev/null 2>&1 &
	LOCKER=$!
	for i in $(seq 50); do
		[ "$(q "SELECT count(*) FROM pg_locks WHERE granted AND
		    relation = 'scim_id2r'::regclass AND mode = 'AccessExclusiveLock'")" = 1 ] &&
		    break
		sleep 0.05
	done
	burst_stopped
	sleep 0.3
	for i in $(seq 8); do
		q "SELECT count(*) FROM pg_locks WHERE NOT granted AND
		    relation = 'scim_id2r'::regclass AND pg_cancel_backend(pid)" > /dev/null
		sleep 0.1
	done
	wait $CURLS
	wait $LOCKER
	sleep 0.2
	ncancel=$(tail -n +"$from" "$SCIMD_TEST_PG_LOG" |
	    grep -c 'scimd_rt ERROR:  canceling statement due to user request')
	# a cancelled batch answers no one: its lookups go again, alone
	nlone=$(tail -n +"$from" "$SCIMD_TEST_PG_LOG" | awk '
	    /scimd_rt ERROR:  canceling statement due to user request/ {
		c = 1; next }
	    c && /scimd_rt STATEMENT:/ { if ($0 !~ /unnest\(/) n++; c = 0 }
	    END { print n + 0 }')
	n503=$(grep -c '^503$' "$SCIM_TMP/codes")
	ok "lookups were cancelled ($ncancel, $nlone alone)" [ "$ncancel" -ge 2 ]
	is "$n503" "$nlone" "as many GETs answered 503 as lone lookups were cancelled"
	is "$(grep -c '^200$' "$SCIM_TMP/codes")" $((24 - nlone)) \
	    "the others, skipped with them by the server or cancelled in a batch, were sent again: 200"
	req GET "/Users/$CAROL"
	is "$STATUS" 200 "and lookups go on after it"

	# five creates keep the token cache (their commits wrote no token:
	# at most one lookup, should last_used fall due), and a User's 201 is
	# rendered from the document at hand: the one read is the last GET's
	from=$(($(wc -l < "$SCIMD_TEST_PG_LOG") + 1))
	for i in $(seq 5); do
		mkuser "keep$i" || bail "cannot create keep$i"
	done
	req GET "/Users/$CAROL"
	sleep 0.2
	tail -n +"$from" "$SCIMD_TEST_PG_LOG" | awk '
	    / scimd_rt LOG:  (execute [^:]*|statement): / {
		sql = $0; sub(/.*(execute [^:]*|statement): /, "", sql)
		if (sql ~ /^SELECT .*scim_tokens/) t++
		if (sql ~ /^SELECT .*FROM scim_(res|id2r)/) r++
	    }
	    END { printf "%d %d\n", t, r }' > "$SCIM_TMP/keep"
	read -r ntok nres < "$SCIM_TMP/keep"
	ok "five creates and a GET: $ntok token lookups (at most 1)" \
	    [ "$ntok" -le 1 ]
	is "$nres" 1 "five creates and a GET: one read of a resource"

	# a token's last_used falls due (over a minute old): 48 requests at
	# once, all of which read it before the touch commits, write it once
	q "UPDATE scim_tokens SET v = convert_to(regexp_replace(convert_from(v,
	    'UTF8'), '\"last_used\":[0-9]+', '\"last_used\":1'), 'UTF8')" \
	    > /dev/null || bail "cannot age the tokens"
	q "NOTIFY scimd_change" > /dev/null	# as another instance: caches go
	from=$(($(wc -l < "$SCIMD_TEST_PG_LOG") + 1))
	args=()
	for i in $(seq 48); do
		args+=(-o /dev/null "$BASE/Users/$CAROL?n=$i")
	done
	curl -sS -Z --parallel-immediate --parallel-max 48 \
	    -H "Authorization: Bearer $TOKEN" "${args[@]}"
	sleep 0.5
	is "$(tail -n +"$from" "$SCIMD_TEST_PG_LOG" |
	    grep -c ' scimd_rt LOG:  .*INSERT INTO scim_tokens')" 1 \
	    "a due last_used is written once, not once a request"

	# === e. a page: a few statements, not one per resource ===============

	for i in $(seq 40); do
		AUTH=$TOKB mkuser "page$i" || bail "cannot create page$i in bravo"
	done
	AUTH=$TOKB req GET "/Users?startIndex=1&count=100&attributes=id"
	ALLB=$(jq -r '[.Resources[].id] | join(" ")' <<< "$BODY")
	NB=$(wc -w <<< "$ALLB")
	# page_stmts PATH: the statements reading resources that PATH cost
	page_stmts()
	{
		local from

		from=$(($(wc -l < "$SCIMD_TEST_PG_LOG") + 1))
		req GET "$1"
		sleep 0.2
		tail -n +"$from" "$SCIMD_TEST_PG_LOG" | grep ' scimd_rt LOG:  ' |
		    grep -E 'scim_(res|id2r|ix_|memberof|members)' > "$SCIM_TMP/page"
	}
	page_stmts "/Users?count=100"
	is "$STATUS|$(wc -l < "$SCIM_TMP/page")" "200|2" \
	    "a page of users with their groups: two statements"
	is "$(jq -r --arg id "$CAROL" '.Resources[] | select(.id == $id) |
	    [.groups[].value] | join(" ")' <<< "$BODY")" "$TEAM" \
	    "carol's groups on the page"
	AUTH=$TOKB page_stmts "/Users?startIndex=2&count=10"
	is "$STATUS|$(wc -l < "$SCIM_TMP/page")" "200|2" \
	    "another tenant's page of 10: two statements"
	is "$(jq -r '[.Resources[].id] | join(" ")' <<< "$BODY")" \
	    "$(cut -d' ' -f2-11 <<< "$ALLB")" "the page holds the 2nd to the 11th"
	AUTH=$TOKB page_stmts "/Users?startIndex=36&count=3"
	is "$STATUS|$(wc -l < "$SCIM_TMP/page")" "200|3" \
	    "a page past the first batch: three statements"
	ok "the rows before it are skipped in the database (OFFSET)" \
	    grep -q 'OFFSET' "$SCIM_TMP/page"
	is "$(jq -r '[.Resources[].id] | join(" ")' <<< "$BODY")" \
	    "$(cut -d' ' -f36-38 <<< "$ALLB")" "the page holds the 36th to the 38th"
	AUTH=$TOKB page_stmts "/Users?startIndex=$NB&count=5"
	is "$STATUS|$(jq -r '.totalResults, (.Resources | length)' <<< "$BODY" |
	    tr '\n' ' ')" "200|$NB 1 " "the last page: one user of $NB"
	AUTH=$TOKB page_stmts "/Users?startIndex=500&count=5"
	is "$STATUS|$(jq -r '.totalResults, (.Resources | length)' <<< "$BODY" |
	    tr '\n' ' ')" "200|$NB 0 " "a page past the end is empty"
fi


# === f. a new id's clash, settled late =======================================

# A create's id2r row is sent without waiting (a UUID just drawn clashes
# with none); a clash then fails the create at its next wait, and nothing of
# it stays.  Here a trigger makes every other id2r insert clash, in a burst
# whose creates share batches: they queue while psql holds the tenant's
# writers' lock.  (Creates that each came alone would each clash at most on
# the first try, then land: a batch of several is what leaves both kinds.)
q "CREATE SEQUENCE clash_n;
CREATE FUNCTION clash() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
    IF nextval('clash_n') % 2 = 0 THEN
        RAISE unique_violation USING MESSAGE = 'test clash';
    END IF;
    RETURN NEW;
END \$\$;
CREATE TRIGGER clash BEFORE INSERT ON scim_id2r FOR EACH ROW
    EXECUTE FUNCTION clash();" > /dev/null || bail "cannot make the clash trigger"
# and whether each audit insert runs under the audit horizon's lock (g.),
# the failures' records after a savepoint rolled back among them
q "CREATE TABLE hz_seen (held boolean);
CREATE FUNCTION hz_seen() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
    INSERT INTO hz_seen SELECT count(*) > 0 FROM pg_locks
        WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND
        objsubid = 1 AND classid::bigint >> 16 = 21315 AND
        mode = 'ShareLock' AND granted;
    RETURN NEW;
END \$\$;
CREATE TRIGGER hz_seen BEFORE INSERT ON scim_audit FOR EACH ROW
    EXECUTE FUNCTION hz_seen();" > /dev/null || bail "cannot make the hz_seen trigger"
req GET "/Users?count=0"
users0=$(jqr .totalResults)
ev0=$(q "SELECT count(*) FROM scim_events WHERE tenant = $DID")
au0=$(q "SELECT count(*) FROM scim_audit WHERE tenant = $DID")
retried0=$(retried)
pg_psql "BEGIN; INSERT INTO scim_tenant_lock AS l (tenant) VALUES ($DID)
    ON CONFLICT (tenant) DO UPDATE SET tenant = l.tenant WHERE false;
    SELECT pg_sleep(2); COMMIT" > /dev/null 2>&1 &
HOLDER=$!
held '%pg_sleep(2)%'
mkusers_at_once "$SCIM_TMP/clash" $(seq -f "clash%g" 12)
wait $HOLDER
q "DROP TRIGGER clash ON scim_id2r; DROP FUNCTION clash(); DROP SEQUENCE clash_n;
    DROP TRIGGER hz_seen ON scim_audit; DROP FUNCTION hz_seen()" \
    > /dev/null || bail "cannot drop the clash trigger"
n201=$(grep -c '^201 ' "$SCIM_TMP/clash")
n409=$(grep -c '^409 ' "$SCIM_TMP/clash")
ok "clashes: $n201 created, $n409 refused with 409" \
    [ "$n201" -ge 1 -a "$n409" -ge 1 -a $((n201 + n409)) -eq 12 ]
made=$(awk '$1 == 201 { print $2 }' "$SCIM_TMP/clash" | sort | paste -sd, -)
is "$(q "SELECT string_agg(user_name, ',' ORDER BY user_name) FROM
    scimd_users WHERE tenant = 'default' AND user_name LIKE 'clash%'")" "$made" \
    "exactly the users answered 201 are stored"
req GET "/Users?count=0"
json_is .totalResults $((users0 + n201)) "totalResults counts only them"
# a batch first goes without a savepoint per create (commit.c); one clash
# rolls it back whole, and it runs again create by create
ok "a batch with a clash was run again, create by create" \
    [ "$(retried)" -gt "$retried0" ]
is "$(( $(q "SELECT count(*) FROM scim_events WHERE tenant = $DID") - ev0 ))" \
    "$n201" "one event per user created, none of a first try"
is "$(( $(q "SELECT count(*) FROM scim_audit WHERE tenant = $DID") - au0 ))" \
    12 "one audit record per create, success or failure"
name=$(awk '$1 == 409 { print $2; exit }' "$SCIM_TMP/clash")
req GET "/Users?filter=$(urlenc "userName eq \"$name\"")"
json_is .totalResults 0 "a refused one is not found"
mkuser "$name" || bail "cannot create $name"
is "$STATUS" 201 "and can be created once the clash is gone"

# === g. the audit horizon =====================================================

# Audit numbers come from one sequence for every tenant, each drawn under
# its tenant's lock, so a number drawn earlier may commit after a later
# one.  A writer holds a shared advisory lock from before its first number
# to its end; scimctl audit --follow across tenants reads below the
# oldest such lock.  First: the burst of f. wrote its records under it.
is "$(q "SELECT count(*) FILTER (WHERE NOT held) || ' of ' ||
    (count(*) >= 12)::text FROM hz_seen")" "0 of true" \
    "every audit record of f. (successes and failures) was written under the horizon lock"
ctl token create hzroot --admin --all-tenants || bail "no all-tenant token"
HZTOK=$CTL_LAST
S0=$(q "SELECT last_value FROM scim_seq_audit")
# the names of the records the admin API lists after S0, across tenants
admin_after()
{
	AUTH=$HZTOK req GET "$ROOT/admin/v1/audit?after=$S0"
	jqr '[.records[].target.name] | join(",")'
}
# psql writes a record of tenant bravo the way scimd does and holds it 3 s
pg_psql "BEGIN; SELECT pg_advisory_xact_lock_shared(5999639128587632640 +
    (SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END
    FROM scim_seq_audit));
    INSERT INTO scim_audit (tenant, k, v) VALUES ($BID, int4send($BID) ||
    int8send(nextval('scim_seq_audit')), convert_to('{\"changeId\":
    \"hz-held\",\"action\":\"Other\",\"status\":\"Success\",
    \"target\":{\"name\":\"hzheld\"}}', 'UTF8'));
    SELECT pg_sleep(3); COMMIT" > /dev/null 2>&1 &
HOLDER=$!
at_exit "kill $HOLDER 2>/dev/null"
held '%pg_sleep(3)%'
# seq and name of each record --follow printed
followed() { jq -r '"\(.seq) \(.target.name)"' < "$SCIM_TMP/hz.out" 2>/dev/null; }
"$SCIMCTL" -c "$CONF" audit --follow --json > "$SCIM_TMP/hz.out" 2>&1 &
FPID=$!
at_exit "kill $FPID 2>/dev/null"
for i in $(seq 100); do
	[ -s "$SCIM_TMP/hz.out" ] && break
	sleep 0.1
done
mkuser hzlater || bail "cannot create hzlater"
sleep 1
ok "a later number's record, committed, waits while an earlier one is in flight" \
    [ -z "$(followed | grep -E ' (hzheld|hzlater)$')" ]
is "$(admin_after)" "" "so does the admin API's list across tenants"
wait $HOLDER
is "$(admin_after)" "hzheld,hzlater" "which then has both, in number order"
for i in $(seq 100); do
	followed | grep -q ' hzlater$' && break
	sleep 0.1
done
kill "$FPID" 2>/dev/null
wait "$FPID" 2>/dev/null
is "$(followed | awk '$2 == "hzheld" || $2 == "hzlater" { print $2 }' |
    paste -sd, -)" "hzheld,hzlater" \
    "--follow across tenants prints both once the earlier commits, in number order"

done_testing
