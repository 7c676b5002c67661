// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xfrmctx-ike record: be the `remote` of an active charon's HA plugin. Every
 * datagram is checked (sender, channel protection, syntax, meaning) and
 * either changes the records or is logged with the reason it was dropped.
 * The record file is rewritten atomically every --interval seconds when
 * something changed, at once on SIGUSR1, and on SIGTERM/SIGINT before exit.
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
#include "ike_file.h"
#include "ike_net.h"
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
	unsigned long interval, window, half_open;
	int insecure;
	struct xc_store store;
	struct xc_ikef_meta meta;
	unsigned int dumped;
	int protected_known;
	int64_t protected_checked;
	int status_seen;
};

static int write_file(struct recorder *r, const char *why_now)
{
	struct xc_nlb b;
	char why[256];
	unsigned int live, keying, children;
	int err;

	r->meta.serial++;
	r->meta.written = xc_wall();
	r->meta.window = (uint32_t)r->window;
	r->meta.accepted = r->store.accepted;
	r->meta.dropped = r->store.dropped;
	xc_nlb_init(&b);
	err = xc_ikef_encode(&r->store, &r->meta, &b, why, sizeof(why));
	if (!err)
		err = xc_file_write_atomic(r->file, b.data, b.len, why, sizeof(why));
	xc_nlb_free(&b);
	if (err) {
		r->meta.serial--;
		xc_log("cannot write %s: %s", r->file, why);
		return err;
	}
	xc_store_counts(&r->store, &live, &keying, &children);
	xc_log("wrote %s (%s): serial %llu, %u IKE_SAs (+%u keying), %u CHILD_SAs",
	       r->file, why_now, (unsigned long long)r->meta.serial, live, keying, children);
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

/* Check and apply one datagram; 1 if a record changed (the file is due). */
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
				xc_err("--window 0: charon's window is at least 1");
				return -1;
			}
			i++;
		} else if (!strcmp(o, "--half-open")) {
			if (xc_opt_uint(o, v, 86400, &r->half_open))
				return -1;
			i++;
		} else if (!strcmp(o, "--insecure")) {
			r->insecure = 1;
		} else {
			xc_err("record: unknown or incomplete option \"%s\"", o);
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
		xc_err("record: --listen %s and --charon %s are of different families", listen, charon);
		return -1;
	}
	xc_addr_fmt(&r->charon, r->meta.source, sizeof(r->meta.source));
	return 0;
}

int cmd_record(int argc, char **argv)
{
	static uint8_t buf[XC_HA_MAX_DATAGRAM + 1];
	struct recorder r;
	struct sigaction sa;
	char why[256], me[64];
	int64_t last_write = 0, last_expire = 0;
	int fd, dirty = 0;

	memset(&r, 0, sizeof(r));
	xc_store_init(&r.store);
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
	if (write_file(&r, "start")) {
		close(fd);
		return 1;
	}
	xc_addr_fmt(&r.listen, me, sizeof(me));
	xc_log("recording the HA stream of %s on %s into %s", r.meta.source, me, r.file);
	last_write = last_expire = xc_now_ms();

	while (!want_stop) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t now;
		int rc;

		rc = poll(&p, 1, 200);
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
				if (take(&r, buf, n, &from, truncated || n > XC_HA_MAX_DATAGRAM))
					dirty = 1;
			}
			explicit_bzero(buf, sizeof(buf));
		}
		now = xc_now_ms();
		if (now - last_expire >= 1000) {
			unsigned int expired = 0;

			if (xc_store_expire(&r.store, xc_wall(), (int64_t)r.half_open, &expired)) {
				xc_log("forgot %u IKE_SAs that did not come up within %lus",
				       expired, r.half_open);
				dirty = 1;
			}
			last_expire = now;
		}
		if (want_write) {
			want_write = 0;
			if (!write_file(&r, "on demand"))
				dirty = 0;
			last_write = now;
		} else if (r.interval && dirty && now - last_write >= (int64_t)r.interval * 1000) {
			if (!write_file(&r, "periodic"))
				dirty = 0;
			last_write = now;
		}
	}
	write_file(&r, "stop");
	close(fd);
	xc_store_free(&r.store);
	return 0;
}
