// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The channel between the two daemons: TLS 1.3 with the pre-shared key of
 * ha/channel/channel_tls.c, one session at a time. The active node's daemon
 * connects (without blocking the loop: a dead peer must not stall charon's
 * stream) and keeps reconnecting with a backoff from 0.2 s to 1 s (a
 * refused connect costs nothing, and a standby that comes back must catch
 * up before the cluster manager hands it the address again); the
 * standby's daemon accepts only the configured peer identity. When a
 * session opens, the active node resends its whole state (a standby that
 * starts late or comes back needs no manual step).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hd.h"

#define HD_HELLO		"node"
#define HD_IO_TIMEOUT_MS	2000
#define HD_BACKOFF_MIN		200
#define HD_BACKOFF_MAX		1000

int hd_link_up(const struct hd *d)
{
	return d->link.ch != NULL;
}

int hd_link_listen(struct hd *d, char *err, size_t errlen)
{
	char host[256];
	uint16_t port;

	if (xc_parse_hostport(d->conf.listen, host, sizeof(host), &port, err, errlen))
		return -EINVAL;
	d->listen_fd = xc_chan_listen(host[0] ? host : NULL, port, err, errlen);
	return d->listen_fd < 0 ? d->listen_fd : 0;
}

void hd_link_drop(struct hd *d, const char *why)
{
	if (d->link.connecting_fd >= 0) {
		close(d->link.connecting_fd);
		d->link.connecting_fd = -1;
	}
	if (!d->link.ch)
		return;
	hd_log("channel to %s closed: %s", d->conf.peer_id, why);
	xc_chan_close(d->link.ch, 0);
	d->link.ch = NULL;
	d->peer_in_sync = 0;
	d->in_sync = 0;
	snprintf(d->peer_status, sizeof(d->peer_status), "not connected");
	if (d->resync) {
		xc_store_free(d->resync);
		free(d->resync);
		d->resync = NULL;
	}
}

static void opened(struct hd *d, struct xc_chan *ch, int client)
{
	d->link.ch = ch;
	d->link.client = client;
	d->link.seq_out = 0;
	d->link.seq_in = 0;
	d->link.up_since_ms = hd_wall();
	d->link.backoff_ms = 0;
	xc_chan_set_timeout(ch, HD_IO_TIMEOUT_MS);
	hd_log("channel to %s (%s) open, %s, as %s", d->conf.peer_id, xc_chan_peer_addr(ch),
	       xc_chan_cipher(ch), client ? "active node" : "standby");
}

/* The standby side: one session from the configured peer. */
void hd_link_accept(struct hd *d)
{
	struct xc_chan *ch = NULL;
	struct xc_frame f = { 0 };
	char err[256];
	int fd, r;

	fd = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (xc_chan_accept(fd, &d->kr, HD_IO_TIMEOUT_MS, &ch, err, sizeof(err))) {
		hd_log("refused a channel: %s", err);
		return;
	}
	if (strcmp(xc_chan_peer_id(ch), d->conf.peer_id)) {
		hd_log("refused a channel from %s: identity \"%s\" is not the peer \"%s\"",
		       xc_chan_peer_addr(ch), xc_chan_peer_id(ch), d->conf.peer_id);
		xc_chan_close(ch, 0);
		return;
	}
	r = xc_chan_recv(ch, &f, err, sizeof(err));
	if (r != 1 || f.type != XC_FR_HELLO || strcmp((char *)f.data, HD_HELLO)) {
		hd_log("refused a channel from %s: no hello (%s)", xc_chan_peer_addr(ch),
		       r == 1 ? "another stream" : err);
		xc_frame_free(&f);
		xc_chan_close(ch, 0);
		return;
	}
	xc_frame_free(&f);
	if (d->role == HD_ACTIVE) {
		/* both think they are active: the cluster manager must decide */
		snprintf(err, sizeof(err), "both nodes active: %s holds the tunnels", d->conf.id);
		hd_log("refused the channel from %s: %s", d->conf.peer_id, err);
		xc_chan_send(ch, XC_FR_REFUSED, 1, err, strlen(err), err, sizeof(err));
		xc_chan_close(ch, 1);
		return;
	}
	if (xc_chan_send(ch, XC_FR_WELCOME, 0, NULL, 0, err, sizeof(err))) {
		hd_log("channel from %s failed: %s", d->conf.peer_id, err);
		xc_chan_close(ch, 0);
		return;
	}
	if (d->link.ch)
		hd_link_drop(d, "the peer opened a new session");
	opened(d, ch, 0);
}

static int start_connect(struct hd *d)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
	char host[256], port_s[8], err[200];
	uint16_t port;
	int fd, gai;

	if (xc_parse_hostport(d->conf.peer, host, sizeof(host), &port, err, sizeof(err))) {
		hd_log("peer \"%s\": %s", d->conf.peer, err);
		return -1;
	}
	snprintf(port_s, sizeof(port_s), "%u", port);
	gai = getaddrinfo(host, port_s, &hints, &res);
	if (gai) {
		hd_dbg(d, "cannot resolve the peer \"%s\": %s", host, gai_strerror(gai));
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) && errno != EINPROGRESS) {
		hd_dbg(d, "connect to %s: %s", d->conf.peer, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static void backoff(struct hd *d, int64_t now)
{
	unsigned int b = d->link.backoff_ms;

	b = b ? b * 2 : HD_BACKOFF_MIN;
	if (b > HD_BACKOFF_MAX)
		b = HD_BACKOFF_MAX;
	d->link.backoff_ms = b;
	d->link.next_try_ms = now + b;
}

/* The connect finished (or failed): the handshake, hello and welcome. */
static void finish_connect(struct hd *d, int64_t now)
{
	int fd = d->link.connecting_fd, soerr = 0, r;
	socklen_t l = sizeof(soerr);
	struct xc_chan *ch = NULL;
	struct xc_frame f = { 0 };
	char err[256];

	d->link.connecting_fd = -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &l) || soerr) {
		hd_dbg(d, "connect to %s: %s", d->conf.peer, strerror(soerr ? soerr : errno));
		close(fd);
		backoff(d, now);
		return;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	if (xc_chan_client_fd(fd, d->conf.peer, d->self, HD_IO_TIMEOUT_MS, &ch, err, sizeof(err))) {
		hd_log("channel to %s: %s", d->conf.peer, err);
		backoff(d, now);
		return;
	}
	if (xc_chan_send(ch, XC_FR_HELLO, 0, HD_HELLO, strlen(HD_HELLO), err, sizeof(err)) ||
	    (r = xc_chan_recv(ch, &f, err, sizeof(err))) != 1 || f.type != XC_FR_WELCOME) {
		if (f.type == XC_FR_REFUSED)
			hd_log("the peer refused the channel: %s", (char *)f.data);
		else
			hd_log("channel to %s: no welcome (%s)", d->conf.peer, err);
		xc_frame_free(&f);
		xc_chan_close(ch, 0);
		backoff(d, now);
		return;
	}
	xc_frame_free(&f);
	opened(d, ch, 1);
	/* the standby gets everything at once, then the stream */
	if (hd_ike_resync_send(d) || hd_kernel_send_snapshot(d))
		hd_link_drop(d, "the resync failed");
}

void hd_link_tick(struct hd *d, int64_t now)
{
	if (d->role != HD_ACTIVE || d->link.ch)
		return;
	if (d->link.connecting_fd >= 0) {
		struct pollfd p = { .fd = d->link.connecting_fd, .events = POLLOUT };

		if (poll(&p, 1, 0) > 0)
			finish_connect(d, now);
		else if (now >= d->link.next_try_ms) {
			close(d->link.connecting_fd);
			d->link.connecting_fd = -1;
			backoff(d, now);
		}
		return;
	}
	if (now < d->link.next_try_ms)
		return;
	d->link.connecting_fd = start_connect(d);
	if (d->link.connecting_fd < 0)
		backoff(d, now);
	else
		d->link.next_try_ms = now + HD_IO_TIMEOUT_MS;	/* connect time-out */
}

int hd_link_send(struct hd *d, uint8_t type, const void *p, size_t len)
{
	char err[256];

	if (!d->link.ch)
		return -ENOTCONN;
	if (xc_chan_send(d->link.ch, type, ++d->link.seq_out, p, len, err, sizeof(err))) {
		hd_link_drop(d, err);
		return -EIO;
	}
	d->link.frames_out++;
	d->link.bytes_out += len;
	d->st.frames_out++;
	d->st.bytes_out += len;
	return 0;
}

static void dispatch(struct hd *d, struct xc_frame *f)
{
	int standby = d->role == HD_STANDBY;

	switch (f->type) {
	case XC_FR_IKE:
		if (standby)
			hd_ike_feed(d, f->data, f->len);
		break;
	case XC_FR_COUNTERS:
		if (standby)
			hd_kernel_apply(d, f->data, f->len);
		break;
	case XC_FR_RESYNC_BEGIN:
		if (standby)
			hd_ike_resync_begin(d);
		break;
	case XC_FR_RESYNC_END:
		if (standby)
			hd_ike_resync_end(d);
		break;
	case XC_FR_HANDOVER:
		hd_on_handover(d, f->data, f->len);
		break;
	case XC_FR_HANDOVER_REQ:
		hd_on_handover_req(d);
		break;
	case XC_FR_TAKEN:
		hd_on_taken(d, (char *)f->data);
		break;
	case XC_FR_STATUS:
		snprintf(d->peer_status, sizeof(d->peer_status), "%s", (char *)f->data);
		d->peer_in_sync = !strncmp(d->peer_status, "in-sync", 7);
		break;
	case XC_FR_TAKE:
		hd_on_take(d);
		break;
	case XC_FR_PREPARE:
		hd_on_prepare(d);
		break;
	case XC_FR_REFUSED:
		hd_log("the peer refused: %s", (char *)f->data);
		break;
	case XC_FR_BYE:
		hd_link_drop(d, "the peer said goodbye");
		break;
	default:
		hd_log("ignored a frame of type %u from the peer", f->type);
	}
}

/* One frame; 1 read, 0 nothing, -1 the link dropped. */
static int read_one(struct hd *d, struct xc_frame *f)
{
	char err[256];
	int r;

	r = xc_chan_recv(d->link.ch, f, err, sizeof(err));
	if (r != 1) {
		hd_link_drop(d, r == 0 ? "closed by the peer" : err);
		return -1;
	}
	if (f->seq <= d->link.seq_in) {
		hd_link_drop(d, "a frame out of sequence");
		xc_frame_free(f);
		return -1;
	}
	d->link.seq_in = f->seq;
	d->link.frames_in++;
	d->st.frames_in++;
	d->st.bytes_in += f->len;
	return 1;
}

void hd_link_read(struct hd *d)
{
	do {
		struct xc_frame f = { 0 };

		if (read_one(d, &f) < 0)
			return;
		dispatch(d, &f);
		explicit_bzero(f.data, f.len);
		xc_frame_free(&f);
	} while (d->link.ch && xc_chan_pending(d->link.ch) > 0);
}

/* Wait for a frame of one type (or a refusal), dispatching the others (a
 * standby asking for a hand-over keeps taking the stream meanwhile). 1
 * with *f, 0 on time-out, -1 if the link dropped. */
int hd_link_wait_frame(struct hd *d, uint8_t type, int timeout_ms, struct xc_frame *f)
{
	int64_t end = hd_now() + timeout_ms;

	while (d->link.ch) {
		struct pollfd p = { .fd = xc_chan_fd(d->link.ch), .events = POLLIN };
		int64_t left = end - hd_now();

		if (xc_chan_pending(d->link.ch) <= 0) {
			if (left <= 0)
				return 0;
			if (poll(&p, 1, (int)left) <= 0)
				continue;
		}
		memset(f, 0, sizeof(*f));
		if (read_one(d, f) < 0)
			return -1;
		if (f->type == type || (type && f->type == XC_FR_REFUSED))
			return 1;
		dispatch(d, f);
		explicit_bzero(f->data, f->len);
		xc_frame_free(f);
	}
	return -1;
}
