#!/bin/sh
# The stand-in postgres image's entry point (postgres.Dockerfile): a new
# cluster in $PGDATA on the first start (superuser $POSTGRES_USER with
# $POSTGRES_PASSWORD, database $POSTGRES_DB), then the server as user
# postgres, listening on every address of the container.
set -eu
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
user=${POSTGRES_USER:-postgres}
db=${POSTGRES_DB:-$user}
install -d -o postgres -g postgres -m 0700 "$PGDATA"
install -d -o postgres -g postgres -m 2775 /var/run/postgresql
if [ ! -s "$PGDATA/PG_VERSION" ]; then
	pw=$(mktemp)
	printf '%s\n' "${POSTGRES_PASSWORD:?}" > "$pw"
	chown postgres "$pw"
	runuser -u postgres -- "$bin/initdb" -D "$PGDATA" -U "$user" \
	    --pwfile="$pw" --auth-local=trust --auth-host=scram-sha-256 \
	    > /dev/null
	rm -f "$pw"
	echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
	if [ "$db" != postgres ]; then
		runuser -u postgres -- "$bin/postgres" --single -D "$PGDATA" \
		    postgres <<-SQL > /dev/null
		CREATE DATABASE "$db" OWNER "$user";
		SQL
	fi
fi
exec runuser -u postgres -- "$bin/postgres" -D "$PGDATA" \
    -c listen_addresses='*'
