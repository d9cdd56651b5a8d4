/*
 * scimd: the SCIM 2.0 provisioning daemon.  Start-up order: config, store,
 * first token, event loop, listener, privileges, signals; teardown runs in
 * reverse.  Errors before the loop are one line and exit 1.
 */
#include "scimd.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "admin_audit.h"
#include "admin_events.h"
#include "audit.h"
#include "commit.h"
#include "config.h"
#include "delivery.h"
#include "error.h"
#include "fiber.h"
#include "log.h"
#include "reqstats.h"
#include "reload.h"
#include "request.h"
#include "server.h"
#include "store.h"
#include "tenant.h"
#include "tls.h"
#include "token.h"
#include "util.h"

static struct scimd_config	 main_conf;
static struct scimd		 main_sd = { &main_conf, NULL, NULL };
static int			 main_debug;	/* -v: debug whatever log_level says */
static struct event		*main_drain_ev;
static int64_t			 main_drain_until;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: scimd [-dtv] [-c file] [-p portfile]\n");
	exit(1);
}

/* Another scimd changed the shared store: wake this one's audit followers. */
static void
on_store_changed(void *arg)
{
	admin_audit_wake();
	admin_events_wake(NULL);
	delivery_kick(NULL);
}

/* Ensure the default tenant exists; mint and print a first token if none. */
static int
first_run(struct store *st)
{
	struct store_txn	*t;
	uint32_t		 tenant;
	char			 secret[TOKEN_SECRET_MAX];
	size_t			 ntokens;
	int			 rc, created = 0;

	if ((rc = store_begin(st, 1, &t)) != SCIM_OK)
		return (rc);
	rc = tenant_lookup(t, TENANT_DEFAULT, &tenant);
	if (rc == SCIM_ENOTFOUND)
		rc = tenant_create(t, TENANT_DEFAULT, &tenant);
	if (rc == SCIM_OK)
		rc = store_entries(t, STORE_TOKENS, &ntokens);
	if (rc == SCIM_OK && ntokens == 0) {
		rc = token_create(t, "initial", tenant, 0, 0, secret);
		created = rc == SCIM_OK;
	}
	if (rc != SCIM_OK) {
		store_abort(t);
		return (rc);
	}
	if ((rc = store_commit(t)) != SCIM_OK)
		return (rc);
	if (created) {
		log_info("no token existed: created token \"initial\" for "
		    "tenant \"%s\"; it is shown once, below", TENANT_DEFAULT);
		printf("%s\n", secret);
		fflush(stdout);
		OPENSSL_cleanse(secret, sizeof(secret));
	}
	return (SCIM_OK);
}

static void
drain_check(evutil_socket_t fd, short ev, void *arg)
{
	static int	idle;

	/*
	 * one more tick once idle, so the last replies leave their buffers;
	 * webhook deliveries in flight finish too, so that their answers are
	 * saved and not sent again after a restart, and so do the batches
	 * being applied (on a database, a delivery's save may be one of them:
	 * the final save skips an endpoint whose save is under way)
	 */
	if ((request_inflight() == 0 && delivery_inflight() == 0 &&
	    commit_flights() == 0 && idle++ > 0) ||
	    util_mono_ms() >= main_drain_until) {
		if (request_inflight() > 0)
			log_warnx("shutdown: %d request(s) still in flight",
			    request_inflight());
		if (delivery_inflight() > 0)
			log_warnx("shutdown: %d webhook delivery(ies) still in "
			    "flight", delivery_inflight());
		event_base_loopbreak(main_sd.sd_base);
	}
}

static void
on_term(evutil_socket_t sig, short ev, void *arg)
{
	struct timeval	tv = { 0, 20000 };

	if (main_drain_ev != NULL) {
		event_base_loopbreak(main_sd.sd_base);	/* second signal: now */
		return;
	}
	log_info("signal %d: stopping", (int)sig);
	server_stop_accepting();
	admin_audit_shutdown();
	admin_events_shutdown();	/* held long-polls answer now */
	delivery_drain();		/* nothing new goes out */
	main_drain_until = util_mono_ms() +
	    (int64_t)main_conf.cf_shutdown_timeout * 1000;
	main_drain_ev = event_new(main_sd.sd_base, -1, EV_PERSIST, drain_check,
	    NULL);
	event_add(main_drain_ev, &tv);
}

static void
on_hup(evutil_socket_t sig, short ev, void *arg)
{
	/*
	 * Tokens are read per request: only the configuration reloads, in
	 * place, so first the writer thread finishes the batch that reads it.
	 */
	commit_quiesce();
	reload_config(&main_conf, main_debug);
	tls_reload();		/* new connections get the new certificate */
}

static void
drop_privileges(const char *user)
{
	struct passwd	*pw;

	if (user == NULL || geteuid() != 0)
		return;
	if ((pw = getpwnam(user)) == NULL)
		fatalx("user %s: no such user", user);
	if (setgroups(1, &pw->pw_gid) == -1 || setgid(pw->pw_gid) == -1 ||
	    setuid(pw->pw_uid) == -1)
		fatal("cannot drop privileges to %s", user);
	log_info("running as %s", user);
}

/* Open the store the configuration names; mint a first token if none. */
static struct store *
open_store(const struct scimd_config *conf)
{
	struct scim_errbuf	 eb;
	struct store_params	 sp;
	struct store		*st = NULL;
	int			 flags = 0;

	if (conf->cf_durability == CONFIG_DURABLE_NOSYNC)
		flags |= STORE_NOSYNC;
	else if (conf->cf_durability == CONFIG_DURABLE_NOMETASYNC)
		flags |= STORE_NOMETASYNC;
	eb.eb_msg[0] = '\0';
	store_params_from_config(conf, flags, &sp);
	if (store_open(&sp, &st, &eb) != SCIM_OK)
		fatalx("%s", eb.eb_msg);
	if (first_run(st) != SCIM_OK)
		fatalx("%s: cannot initialise the store", conf->cf_data_dir);
	return (st);
}

/* The loop, the group commit, the pruner, TLS and the listener. */
static void
start(struct scimd *sd, const char *file, const char *portfile)
{
	struct event_config	*cfg;

	reqstats_init();
	/*
	 * Changes to what a socket waits for are applied once per loop turn:
	 * evhttp turns reading and writing on and off about four times a
	 * request, and most of those cancel out (2 epoll_ctl calls a request
	 * instead of 4, GET 25 -> 22 us of CPU).  libevent's one caveat, file
	 * descriptors made with dup(), does not arise: scimd makes none.
	 */
	if ((cfg = event_config_new()) == NULL ||
	    event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) ||
	    (sd->sd_base = event_base_new_with_config(cfg)) == NULL)
		fatalx("event_base_new failed");
	event_config_free(cfg);
	/* 0: signals, 1: requests (default), 2: the group commit */
	event_base_priority_init(sd->sd_base, 3);
	/* a networked store waits on this loop; other instances wake it */
	store_attach(sd->sd_store, sd->sd_base, on_store_changed, NULL);
	if (commit_init(sd->sd_base, sd->sd_store,
	    sd->sd_conf->cf_commit_max) != SCIM_OK)
		fatalx("commit_init failed");
	admin_audit_start();
	audit_pruner_start(sd);
	delivery_start(sd);
	/* before dropping root: the key is usually readable by root only */
	if (tls_init(sd->sd_conf) != SCIM_OK)
		fatalx("%s: cannot set up TLS", file);
	if (server_init(sd, portfile) != SCIM_OK)
		exit(1);
	drop_privileges(sd->sd_conf->cf_user);
}

/* Serve until SIGTERM or SIGINT (drained) ; SIGHUP reloads. */
static void
serve(struct scimd *sd)
{
	struct event	*ev_term, *ev_int, *ev_hup;

	ev_term = evsignal_new(sd->sd_base, SIGTERM, on_term, NULL);
	ev_int = evsignal_new(sd->sd_base, SIGINT, on_term, NULL);
	ev_hup = evsignal_new(sd->sd_base, SIGHUP, on_hup, NULL);
	event_priority_set(ev_term, 0);
	event_priority_set(ev_int, 0);
	event_add(ev_term, NULL);
	event_add(ev_int, NULL);
	event_add(ev_hup, NULL);
	log_info("scimd %s started, data in %s", SCIMD_VERSION,
	    sd->sd_conf->cf_database != NULL ? "PostgreSQL" :
	    sd->sd_conf->cf_data_dir);

	event_base_dispatch(sd->sd_base);

	delivery_stop();
	commit_free();
	server_free();
	tls_free();
	event_free(ev_term);
	event_free(ev_int);
	event_free(ev_hup);
	if (main_drain_ev != NULL)
		event_free(main_drain_ev);
	store_close(sd->sd_store);	/* a database store frees its events */
	event_base_free(sd->sd_base);
}

int
main(int argc, char *argv[])
{
	struct scimd_config	*conf = &main_conf;
	const char		*file = "/etc/scimd/scimd.conf";
	const char		*portfile = NULL;
	int			 ch, testonly = 0, verbose = 0;

	log_init("scimd", LOG_LVL_INFO);
	while ((ch = getopt(argc, argv, "c:dhp:tv")) != -1) {
		switch (ch) {
		case 'c':
			file = optarg;
			break;
		case 'd':
			break;		/* always foreground; kept for habit */
		case 'p':
			portfile = optarg;
			break;
		case 't':
			testonly = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (config_load(file, conf) != 0) {
		if (testonly)
			fprintf(stderr, "%s: configuration has errors\n", file);
		return (1);
	}
	if (testonly) {
		fprintf(stderr, "%s: configuration OK\n", file);
		config_free(conf);
		return (0);
	}
	main_debug = verbose > 0;
	log_setlevel(verbose > 0 ? LOG_LVL_DEBUG : conf->cf_log_level);
	/* config_load refused plain HTTP off loopback (allow_plaintext) */
	signal(SIGPIPE, SIG_IGN);
	main_sd.sd_store = open_store(conf);
	start(&main_sd, file, portfile);
	serve(&main_sd);
	fiber_shutdown();
	config_free(conf);
	log_info("stopped");
	return (0);
}
