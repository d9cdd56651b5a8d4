# A stand-in for the postgres:16-bookworm image of Docker Hub, for
# tests/container/run.sh on a machine that reaches only Debian's archive:
# Debian 12's PostgreSQL (15) with the parts of the official image's
# interface that contrib/docker-compose.postgres.yml uses (POSTGRES_USER,
# POSTGRES_PASSWORD, POSTGRES_DB, the data in /var/lib/postgresql/data,
# pg_isready, password authentication over the network).
FROM debian:12
RUN apt-get update && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends postgresql \
    && rm -rf /var/lib/apt/lists/*
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["sh", "/usr/local/bin/docker-entrypoint.sh"]
