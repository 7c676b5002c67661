// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xfrmctx-ike record: be the `remote` of an active charon's HA plugin, on
 * the active node. Every datagram is checked (sender, channel protection,
 * syntax, meaning) and either changes the records or is logged with the
 * reason it was dropped. A context container with the IKE half and the
 * kernel's snapshot of the same tunnels (ike_snap.h) is written atomically
 * every --interval seconds (SAs not frozen: for a crash), at once on
 * SIGUSR1 (SAs frozen: for a planned hand-over), and on SIGTERM/SIGINT
 * before exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ha_wire.h"
#include "ike_cmd.h"
#include "ike_net.h"
#include "ike_snap.h"
#include "ike_store.h"
#include "ike_xfrm.h"

static volatile sig_atomic_t want_write, want_stop;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_write = 1;
	else
		want_stop = 1;
}

struct recorder {
	struct xc_addr listen, charon;
	const char *file;
	const char *dump_dir;
	unsigned long interval, window, half_open, lease;
	int insecure;
	struct xc_store store;
	struct xc_recorder_info meta;
	struct xfrmctx *h;		/* the kernel half; NULL if it cannot be read */
	char h_error[160];		/* why h is NULL */
	struct xc_rate_table rates;
	char last_summary[256];		/* of the last write, to log only changes */
	unsigned int dumped;
	int protected_known;
	int64_t protected_checked;
	int status_seen;
};

/* Build and write one container; trigger is enum xc_trigger. */
static int write_file(struct recorder *r, uint8_t trigger)
{
	struct xc_snap_opts o = {
		.freeze = trigger == XC_TRIGGER_DEMAND,
		.lease = (uint32_t)r->lease,
		.window = (uint32_t)r->window,
	};
	struct xfrmctx_ctx *c = NULL;
	char why[XFRMCTX_ERRLEN], summary[256];
	unsigned int live, keying, children;
	int64_t t0 = xc_now_ms();
	int err;

	o.now_ms = (uint64_t)xc_wall_ms();
	r->meta.serial++;
	r->meta.written_ms = o.now_ms;
	r->meta.trigger = trigger;
	r->meta.accepted = r->store.accepted;
	r->meta.dropped = r->store.dropped;
	if (!r->h)
		snprintf(r->meta.kernel_error, sizeof(r->meta.kernel_error), "%s", r->h_error);
	if (o.freeze && r->h && xfrmctx_has_module(r->h))
		/* the module thaws what it froze when the lease ends; a frozen
		 * snapshot is exact only until then */
		r->meta.frozen_until_ms = o.now_ms + (uint64_t)(r->lease ? r->lease : 30) * 1000;
	err = xc_snap_build(r->h, &r->store, &r->rates, &r->meta, &o, &c, why, sizeof(why));
	if (!err)
		err = xfrmctx_ctx_write(c, r->file, why, sizeof(why));
	xfrmctx_ctx_free(c);
	if (err) {
		r->meta.serial--;
		xc_log("cannot write %s: %s", r->file, why);
		return err;
	}
	xc_store_counts(&r->store, &live, &keying, &children);
	snprintf(summary, sizeof(summary),
		 "%u IKE_SAs (+%u keying), %u CHILD_SAs, %u SAs%s, %u not in the kernel%s",
		 live, keying, children, r->meta.sas, o.freeze ? " frozen" : "",
		 r->meta.missing, r->meta.kernel_error[0] ? ", no kernel half" : "");
	/* periodic writes are logged when what they hold changes */
	if (trigger != XC_TRIGGER_PERIODIC || strcmp(summary, r->last_summary))
		xc_log("wrote %s (%s, %lld ms): serial %llu, %s%s%s", r->file, xc_trigger_name(trigger),
		       (long long)(xc_now_ms() - t0), (unsigned long long)r->meta.serial, summary,
		       r->meta.kernel_error[0] ? ": " : "", r->meta.kernel_error);
	snprintf(r->last_summary, sizeof(r->last_summary), "%s", summary);
	return 0;
}

static void dump(struct recorder *r, const uint8_t *buf, size_t len)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%06u.bin", r->dump_dir, ++r->dumped);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		xc_log("cannot write datagram to %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* What a taken message was about, for the log. */
static void describe(const struct xc_ha_msg *m, char *buf, size_t len)
{
	const struct xc_ha_attr *a = xc_ha_find(m, XC_HA_A_IKE_ID);
	char id[64] = "";
	size_t n;

	if (a)
		xc_ike_id_str(&a->v.ike_id, id, sizeof(id));
	n = (size_t)snprintf(buf, len, "%s %s", xc_ha_msg_name(m->type), id);
	if (n >= len)
		return;
	if ((a = xc_ha_find(m, XC_HA_A_IKE_REKEY_ID)))
		snprintf(buf + n, len - n, " rekeys another IKE_SA");
	else if ((a = xc_ha_find(m, XC_HA_A_MID)))
		snprintf(buf + n, len - n, " mid %u", a->v.u32);
	else if ((a = xc_ha_find(m, XC_HA_A_INBOUND_SPI)))
		snprintf(buf + n, len - n, " spi-in %08x", xc_ha_spi(a->v.u32));
	else if ((a = xc_ha_find(m, XC_HA_A_SEGMENT)))
		snprintf(buf + n, len - n, " segment %u", a->v.u16);
}

/* Charon's `secret` option puts the channel under IPsec; the kernel then
 * drops cleartext on it. Asked again every 2 s, since the policy appears
 * only once charon's HA IKE_SA is up. */
static int channel_ok(struct recorder *r, char *why, size_t whylen)
{
	int64_t now = xc_now_ms();
	char from[64], to[64];
	int p;

	if (r->insecure || xc_addr_is_loopback(&r->charon))
		return 1;
	if (r->protected_known > 0 && now - r->protected_checked < 2000)
		return 1;
	p = xc_xfrm_channel_protected(&r->charon, &r->listen);
	r->protected_checked = now;
	r->protected_known = p;
	if (p > 0)
		return 1;
	xc_addr_fmt(&r->charon, from, sizeof(from));
	xc_addr_fmt(&r->listen, to, sizeof(to));
	if (p < 0)
		snprintf(why, whylen, "cannot ask the kernel whether %s -> %s is IPsec-protected: %s",
			 from, to, strerror(-p));
	else
		snprintf(why, whylen, "the channel %s -> %s is not IPsec-protected (set "
			 "charon.plugins.ha.secret; --insecure accepts cleartext on a test bench)",
			 from, to);
	return 0;
}

/* Check and apply one datagram; 1 if a record changed. */
static int take(struct recorder *r, const uint8_t *buf, long n, const struct xc_addr *from,
		int truncated)
{
	static struct xc_ha_msg m;
	char why[256], who[64], what[160];
	unsigned int live, keying, children;
	uint32_t segs;
	int err;

	if (r->dump_dir)
		dump(r, buf, (size_t)n);
	xc_addr_fmt(from, who, sizeof(who));
	if (truncated) {
		r->store.dropped++;
		xc_log("dropped datagram from %s: larger than %d bytes", who, XC_HA_MAX_DATAGRAM);
		return 0;
	}
	if (!xc_addr_eq(from, &r->charon)) {
		char want[64];

		r->store.dropped++;
		xc_addr_fmt(&r->charon, want, sizeof(want));
		xc_log("dropped datagram from %s: not the configured charon %s", who, want);
		return 0;
	}
	if (!channel_ok(r, why, sizeof(why))) {
		r->store.dropped++;
		xc_log("dropped datagram from %s: %s", who, why);
		return 0;
	}
	if (xc_ha_parse(buf, (size_t)n, &m, why, sizeof(why))) {
		r->store.dropped++;
		xc_log("dropped datagram from %s (%ld bytes): %s", who, n, why);
		return 0;
	}
	segs = r->store.peer_segments;
	err = xc_store_apply(&r->store, &m, xc_wall(), why, sizeof(why));
	if (err < 0) {
		xc_log("dropped %s from %s: %s", xc_ha_msg_name(m.type), who, why);
		return 0;
	}
	/* heartbeats come every second: log them only when they say news */
	if (m.type != XC_HA_STATUS || segs != r->store.peer_segments || !r->status_seen) {
		describe(&m, what, sizeof(what));
		xc_store_counts(&r->store, &live, &keying, &children);
		xc_log("%s %s (%u IKE_SAs, %u CHILD_SAs)", err ? "noted" : "took", what, live, children);
	}
	if (m.type == XC_HA_STATUS)
		r->status_seen = 1;
	explicit_bzero(&m, sizeof(m));
	return err == 0;
}

static int parse_args(struct recorder *r, int argc, char **argv)
{
	const char *listen = NULL, *charon = NULL;
	char why[128];
	int i;

	r->interval = 1;
	r->window = 1;
	r->half_open = 120;
	r->lease = 30;
	for (i = 0; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--listen") && v) {
			listen = v;
			i++;
		} else if (!strcmp(o, "--charon") && v) {
			charon = v;
			i++;
		} else if (!strcmp(o, "--file") && v) {
			r->file = v;
			i++;
		} else if (!strcmp(o, "--dump-dir") && v) {
			r->dump_dir = v;
			i++;
		} else if (!strcmp(o, "--interval")) {
			if (xc_opt_uint(o, v, 3600, &r->interval))
				return -1;
			i++;
		} else if (!strcmp(o, "--window")) {
			if (xc_opt_uint(o, v, 65535, &r->window))
				return -1;
			if (!r->window) {
				xc_err("--window \"%s\": charon's window is at least 1", v);
				return -1;
			}
			i++;
		} else if (!strcmp(o, "--lease")) {
			if (xc_opt_uint(o, v, 3600, &r->lease))
				return -1;
			i++;
		} else if (!strcmp(o, "--half-open")) {
			if (xc_opt_uint(o, v, 86400, &r->half_open))
				return -1;
			i++;
		} else if (!strcmp(o, "--insecure")) {
			r->insecure = 1;
		} else {
			xc_err("record: unknown or incomplete option \"%s\"; try \"xfrmctx-ike record help\"", o);
			return -1;
		}
	}
	if (!listen || !charon || !r->file) {
		xc_err("record: --listen, --charon and --file are required");
		return -1;
	}
	if (xc_addr_parse(listen, XC_HA_PORT, &r->listen, why, sizeof(why)) ||
	    xc_addr_parse(charon, XC_HA_PORT, &r->charon, why, sizeof(why))) {
		xc_err("record: %s", why);
		return -1;
	}
	if (r->listen.ss.ss_family != r->charon.ss.ss_family) {
		xc_err("record: --listen \"%s\" and --charon \"%s\" are of different families", listen, charon);
		return -1;
	}
	xc_addr_fmt(&r->charon, r->meta.source, sizeof(r->meta.source));
	return 0;
}

/* The kernel half is read through libxfrmctx in this process's network
 * namespace: the recorder must run on the node whose charon it follows. */
static void open_kernel(struct recorder *r)
{
	int err = xfrmctx_open_flags(&r->h, XFRMCTX_OPEN_FALLBACK);

	if (err) {
		snprintf(r->h_error, sizeof(r->h_error), "cannot open XFRM netlink: %s",
			 xfrmctx_strerror(NULL, err));
		r->h = NULL;
		xc_log("no kernel half: %s", r->h_error);
		return;
	}
	if (!xfrmctx_has_module(r->h))
		xc_log("the xfrm_ctx module is not there: snapshots through XFRM netlink (not atomic, no IV salt, no freeze)");
}

int cmd_record(int argc, char **argv)
{
	static uint8_t buf[XC_HA_MAX_DATAGRAM + 1];
	struct recorder r;
	struct sigaction sa;
	char why[256], me[64];
	int64_t last_write = 0, last_expire = 0;
	int fd;

	memset(&r, 0, sizeof(r));
	xc_store_init(&r.store);
	xc_rate_table_init(&r.rates);
	if (parse_args(&r, argc, argv))
		return 2;
	fd = xc_udp_open(&r.listen, why, sizeof(why));
	if (fd < 0) {
		xc_err("record: %s", why);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll() returns */
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (!r.insecure && !xc_addr_is_loopback(&r.charon))
		xc_log("datagrams are taken only over an IPsec-protected channel");
	open_kernel(&r);
	if (write_file(&r, XC_TRIGGER_START)) {
		close(fd);
		xfrmctx_close(r.h);
		return 1;
	}
	xc_addr_fmt(&r.listen, me, sizeof(me));
	xc_log("recording the HA stream of %s on %s into %s", r.meta.source, me, r.file);
	last_write = last_expire = xc_now_ms();

	while (!want_stop) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t now = xc_now_ms(), wait = 1000;
		int rc;

		if (r.interval)
			wait = last_write + (int64_t)r.interval * 1000 - now;
		if (wait > 1000)
			wait = 1000;	/* expiry runs every second */
		rc = poll(&p, 1, wait > 0 ? (int)wait : 0);
		if (rc < 0 && errno != EINTR) {
			xc_log("poll: %s", strerror(errno));
			break;
		}
		if (rc > 0) {
			for (;;) {
				struct xc_addr from;
				int truncated = 0;
				long n = xc_udp_recv(fd, buf, sizeof(buf), &from, &truncated);

				if (n == -EAGAIN)
					break;
				if (n < 0) {
					/* ICMP errors surface here; nothing to do with them */
					xc_log("receive: %s", strerror((int)-n));
					break;
				}
				take(&r, buf, n, &from, truncated || n > XC_HA_MAX_DATAGRAM);
			}
			explicit_bzero(buf, sizeof(buf));
		}
		now = xc_now_ms();
		if (now - last_expire >= 1000) {
			unsigned int expired = 0;

			if (xc_store_expire(&r.store, xc_wall(), (int64_t)r.half_open, &expired))
				xc_log("forgot %u IKE_SAs that did not come up within %lus",
				       expired, r.half_open);
			last_expire = now;
		}
		/* the counters move all the time: every interval is written */
		if (want_write) {
			want_write = 0;
			write_file(&r, XC_TRIGGER_DEMAND);
			last_write = now;
		} else if (r.interval && now - last_write >= (int64_t)r.interval * 1000) {
			write_file(&r, XC_TRIGGER_PERIODIC);
			last_write = now;
		}
	}
	write_file(&r, XC_TRIGGER_STOP);
	close(fd);
	xfrmctx_close(r.h);
	xc_rate_table_free(&r.rates);
	xc_store_free(&r.store);
	return 0;
}
