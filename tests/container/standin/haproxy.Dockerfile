# A stand-in for the haproxy:3.0-bookworm image of Docker Hub, for
# tests/container/run.sh on a machine that reaches only Debian's archive:
# Debian 12's haproxy (2.6), reading /usr/local/etc/haproxy/haproxy.cfg
# as the official image does, in the foreground, as user haproxy.
FROM debian:12
RUN apt-get update && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends haproxy \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /usr/local/etc/haproxy
USER haproxy
STOPSIGNAL SIGUSR1
CMD ["haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]
