// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xfrmctxd [-c CONFIG] [-v]: the node daemon (hd.h). One event loop: the
 * peer's channel, charon's HA socket, XFRM async events, the tunnel
 * address, the control socket and a timer for snapshots and lease renewal.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "hd.h"
#include "ike_cmd.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int64_t hd_now(void)
{
	return xc_now_ms();
}

int64_t hd_wall(void)
{
	return xc_wall_ms();
}

int64_t hd_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void hd_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xc_vlog(fmt, ap);
	va_end(ap);
}

void hd_dbg(struct hd *d, const char *fmt, ...)
{
	va_list ap;

	if (!d->conf.verbose)
		return;
	va_start(ap, fmt);
	xc_vlog(fmt, ap);
	va_end(ap);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: xfrmctxd [-c CONFIG] [-v] | --version\n"
		   "  -c CONFIG  the configuration (default " HD_CONF ")\n"
		   "  -v         log every message of the stream\n"
		   "Control it with `xfrmctx ha status|takeover|release|switchover|check`.\n");
}

/* A restarted daemon on the node that holds the address: charon resends
 * what it holds ("*N": its cached messages, and a rekey of the CHILD_SAs
 * so that their keys come again). */
static void resync_charon(struct hd *d)
{
	unsigned long seg;
	char cmd[16];
	int fd, i, len;

	for (seg = 1; seg <= d->conf.segments; seg++) {
		len = snprintf(cmd, sizeof(cmd), "*%lu", seg);
		for (i = 0, fd = -1; i < 100 && fd < 0; i++) {
			fd = open(d->conf.fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
			if (fd < 0)
				usleep(10000);
		}
		if (fd < 0 || write(fd, cmd, (size_t)len) != len)
			hd_log("cannot ask charon for a resync through %s: %s", d->conf.fifo,
			       strerror(errno));
		if (fd >= 0)
			close(fd);
	}
}

/*
 * realtime = yes: a take-over's steps must not wait behind charon's
 * threads or the traffic the gateway carries: round-robin priority 1 (the
 * lowest real-time one; the kernel's RT throttling still leaves the rest of
 * the system 5 %) and memory locked so that no page fault lands in a
 * hand-over. keepalived's VRRP process does the same.
 */
static void go_realtime(const struct hd *d)
{
	struct sched_param sp = { .sched_priority = 1 };

	if (!d->conf.realtime)
		return;
	if (sched_setscheduler(0, SCHED_RR, &sp))
		hd_log("realtime: SCHED_RR refused: %s (running at normal priority)", strerror(errno));
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		hd_log("realtime: mlockall: %s (memory not locked)", strerror(errno));
}

static int setup(struct hd *d, char *err, size_t errlen)
{
	int r;

	d->listen_fd = d->ctl_fd = d->ae_fd = d->addr_fd = -1;
	d->link.connecting_fd = -1;
	d->ha.fd = -1;
	xc_store_init(&d->store);
	snprintf(d->peer_status, sizeof(d->peer_status), "not connected");
	r = xc_keyring_load(d->conf.psk, &d->kr, err, errlen);
	if (r)
		return r;
	d->self = xc_keyring_self(&d->kr, d->conf.id, err, errlen);
	if (!d->self)
		return -EINVAL;
	if (!xc_keyring_find(&d->kr, d->conf.peer_id, strlen(d->conf.peer_id))) {
		snprintf(err, errlen, "peer-id \"%s\" has no key in %s", d->conf.peer_id, d->conf.psk);
		return -EINVAL;
	}
	if ((r = hd_kernel_open(d, err, errlen)) ||
	    (d->conf.ike && (r = hd_ike_open(d, err, errlen))) ||
	    (r = hd_link_listen(d, err, errlen)) ||
	    (r = hd_ctl_open(d, err, errlen)) ||
	    (r = hd_addr_open(d, err, errlen)))
		return r;
	go_realtime(d);
	hd_clear_fault(d);
	d->address_here = hd_addr_present(d) > 0;
	if (d->address_here) {
		d->role = HD_ACTIVE;
		d->has_state = 1;	/* what charon holds is the state */
		hd_log("the tunnel address %s is here: active node (asking charon for its state)",
		       d->conf.address);
		/* charon starts with every segment passive; one that is
		 * already active (a restarted daemon) confirms nothing */
		if (d->conf.ike && hd_ike_activate(d))
			hd_log("charon confirmed no segment activation: already active, or not running yet");
		if (d->conf.ike)
			resync_charon(d);
	}
	return 0;
}

static void timers(struct hd *d, int64_t now)
{
	static int64_t last_expire;
	unsigned int expired = 0;

	if (d->role == HD_ACTIVE && hd_link_up(d)) {
		int64_t since = now - d->snap_last_ms;

		if ((d->counters_dirty && since >= d->conf.min_gap_ms) ||
		    since >= d->conf.period_ms)
			hd_kernel_send_snapshot(d);
	}
	hd_kernel_settle(d, 0);
	hd_ike_heal(d, now);
	hd_kernel_renew(d, now);
	hd_addr_tick(d, now);
	hd_link_tick(d, now);
	if (now - last_expire >= 1000) {
		last_expire = now;
		if (xc_store_expire(&d->store, xc_wall(), 120, &expired))
			hd_log("forgot %u IKE_SAs that did not come up within 120 s", expired);
	}
}

enum { P_LISTEN, P_CTL, P_AE, P_ADDR, P_HA, P_LINK, P_CONN, P_N };

static void loop(struct hd *d)
{
	while (!stop) {
		struct pollfd p[P_N];
		int64_t now = hd_now();
		int i, n;

		for (i = 0; i < P_N; i++)
			p[i] = (struct pollfd){ .fd = -1, .events = POLLIN };
		p[P_LISTEN].fd = d->listen_fd;
		p[P_CTL].fd = d->ctl_fd;
		p[P_AE].fd = d->ae_fd;
		p[P_ADDR].fd = d->addr_fd;
		p[P_HA].fd = d->ha.fd;
		p[P_LINK].fd = d->link.ch ? xc_chan_fd(d->link.ch) : -1;
		p[P_CONN].fd = d->link.connecting_fd;
		p[P_CONN].events = POLLOUT;
		n = d->link.ch && xc_chan_pending(d->link.ch) > 0 ? 0 : 50;
		if (poll(p, P_N, n) < 0 && errno != EINTR) {
			hd_log("poll: %s", strerror(errno));
			return;
		}
		/* charon's stream first: it is what the standby must not miss */
		if (p[P_HA].revents)
			hd_ike_read(d);
		if (p[P_ADDR].revents)
			hd_addr_read(d);
		if (p[P_LINK].revents || (d->link.ch && xc_chan_pending(d->link.ch) > 0))
			if (d->link.ch)
				hd_link_read(d);
		if (p[P_AE].revents)
			hd_kernel_events(d);
		if (p[P_LISTEN].revents)
			hd_link_accept(d);
		if (p[P_CTL].revents)
			hd_ctl_accept(d);
		now = hd_now();
		timers(d, now);
	}
}

int main(int argc, char **argv)
{
	static struct hd d;
	const char *conf = HD_CONF;
	struct sigaction sa = { .sa_handler = on_signal };
	char err[512];
	int opt, verbose = 0;

	xc_log_name = "xfrmctxd";
	if (argc == 2 && !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (argc == 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))) {
		char mod[64];

		printf("xfrmctxd %s\nlibxfrmctx %s\n", XFRMCTX_VERSION, xfrmctx_version());
		if (xfrmctx_module_version(mod, sizeof(mod)))
			printf("xfrm_ctx module: not loaded\n");
		else
			printf("xfrm_ctx module %s\n", mod);
		return 0;
	}
	while ((opt = getopt(argc, argv, "c:vh")) != -1) {
		switch (opt) {
		case 'c':
			conf = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (hd_conf_load(conf, &d.conf, err, sizeof(err))) {
		fprintf(stderr, "xfrmctxd: %s\n", err);
		return 2;
	}
	d.conf.verbose |= verbose;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (setup(&d, err, sizeof(err))) {
		fprintf(stderr, "xfrmctxd: %s\n", err);
		return 1;
	}
	hd_log("node %s (%s), peer %s at %s, channel on %s%s%s", d.conf.id,
	       d.role == HD_ACTIVE ? "active" : "standby", d.conf.peer_id, d.conf.peer,
	       d.conf.listen, d.conf.address[0] ? ", following the address " : "",
	       d.conf.address);
	loop(&d);
	hd_log("stopping (%s)", d.role == HD_ACTIVE ?
	       "the tunnels stay with charon and the kernel" : "standby");
	if (d.link.ch) {
		hd_link_send(&d, XC_FR_BYE, NULL, 0);
		hd_link_drop(&d, "stopping");
	}
	unlink(d.conf.control);
	xfrmctx_ctx_free(d.sent_ho);
	xfrmctx_ctx_free(d.last);
	xfrmctx_ctx_free(d.handover);
	xc_store_free(&d.store);
	xc_keyring_free(&d.kr);
	xfrmctx_close(d.h);
	return 0;
}
