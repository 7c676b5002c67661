// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The IKE half: charon's HA socket on this node (we are the `remote` of its
 * ha plugin, on loopback).
 *
 * Active node: each datagram charon sends is parsed and checked, applied to
 * the store (what a later resync resends) and, if it describes an IKE_SA or
 * a CHILD_SA, forwarded as it is to the standby at once. charon sends an
 * IKE_SA's message IDs before it answers the request that moved them, so
 * the standby knows them before the peer sees the answer.
 *
 * Standby node: each forwarded datagram goes into the store and into our
 * charon, which holds the IKE_SA passive and installs the CHILD_SA's SAs.
 * A resync (the active node's whole store after the channel opens) is
 * compared with what we already hold: charon gets only what it lacks (an
 * IKE_ADD for an IKE_SA it holds would give it a second copy), and a
 * delete for what the active node no longer has.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "ha_convert.h"
#include "hd.h"
#include "ike_cmd.h"
#include "ike_replay.h"
#include "ike_xfrm.h"

static struct xc_ha_msg msg;	/* large; one at a time */

int hd_ike_open(struct hd *d, char *err, size_t errlen)
{
	char why[200];

	xc_standby_init(&d->ha);
	d->ha.fifo = d->conf.fifo;
	d->ha.segments = d->conf.segments;
	d->ha.timeout = 5;
	if (xc_addr_parse(d->conf.ha_listen, XC_HA_PORT, &d->ha.listen, why, sizeof(why)) ||
	    xc_addr_parse(d->conf.ha_charon, XC_HA_PORT, &d->ha.charon, why, sizeof(why))) {
		snprintf(err, errlen, "ha-listen/ha-charon: %s", why);
		return -EINVAL;
	}
	if (!xc_addr_is_loopback(&d->ha.charon)) {
		/* the stream carries every IKE key: it must not leave the host */
		snprintf(err, errlen, "ha-charon %s is not a loopback address", d->conf.ha_charon);
		return -EINVAL;
	}
	if (xc_standby_open(&d->ha, "xfrmctxd")) {
		snprintf(err, errlen, "cannot open charon's HA socket on %s", d->conf.ha_listen);
		return -EIO;
	}
	/* what our charon speaks, before it says anything: a standby feeds
	 * it the peer's datagrams, converted if the peer's charon is another
	 * release (its own datagrams correct this later) */
	if (d->conf.ha_version) {
		d->ha_local = (uint8_t)d->conf.ha_version;
	} else {
		int v = xc_charon_release_version(d->conf.charon_bin);

		if (v > 0) {
			d->ha_local = (uint8_t)v;
			hd_log("charon speaks HA protocol version %d (%s --version: %s)", v,
			       d->conf.charon_bin, xc_ha_version_speakers((uint8_t)v));
		} else {
			hd_log("%s --version names no strongSwan release: the HA protocol version of our charon is known once it sends (ha-version sets it)",
			       d->conf.charon_bin);
		}
	}
	return 0;
}

static int forwarded_type(uint8_t type)
{
	return type >= XC_HA_IKE_ADD && type <= XC_HA_CHILD_DELETE;
}

/* One datagram from our charon. */
static void from_charon(struct hd *d, const uint8_t *buf, size_t n)
{
	char why[256];
	int err;

	if (xc_ha_parse(buf, n, &msg, why, sizeof(why))) {
		d->st.ike_dropped++;
		hd_log("dropped a datagram from charon (%zu bytes): %s", n, why);
		return;
	}
	if (msg.version != d->ha_local) {
		/* what we send it and a resync speak it too: charon drops other
		 * versions */
		hd_log("charon speaks HA protocol version %u (%s)", msg.version,
		       xc_ha_version_speakers(msg.version));
		d->ha_local = msg.version;
	}
	if (msg.type == XC_HA_SEGMENT_TAKE || msg.type == XC_HA_SEGMENT_DROP) {
		hd_dbg(d, "charon: %s", xc_ha_msg_name(msg.type));
		goto out;
	}
	if (d->role != HD_ACTIVE || !forwarded_type(msg.type)) {
		hd_dbg(d, "charon sent %s as %s: not forwarded", xc_ha_msg_name(msg.type),
		       d->role == HD_ACTIVE ? "active node" : "standby");
		goto out;
	}
	err = xc_store_apply(&d->store, &msg, xc_wall(), why, sizeof(why));
	if (err < 0)
		hd_log("our store refused %s: %s (forwarded all the same)",
		       xc_ha_msg_name(msg.type), why);
	if (msg.type == XC_HA_CHILD_ADD || msg.type == XC_HA_CHILD_DELETE)
		d->counters_dirty = 1;	/* new SAs: a snapshot soon */
	if (hd_link_up(d) && !hd_link_send(d, XC_FR_IKE, buf, n))
		d->st.ike_fwd++;
	hd_dbg(d, "charon: %s%s", xc_ha_msg_name(msg.type),
	       hd_link_up(d) ? ", forwarded" : ", no standby");
out:
	explicit_bzero(&msg, sizeof(msg));
}

static void on_datagram(void *ctx, const uint8_t *buf, size_t len)
{
	from_charon(ctx, buf, len);
}

void hd_ike_read(struct hd *d)
{
	static uint8_t buf[XC_HA_MAX_DATAGRAM + 1];

	for (;;) {
		struct xc_addr from;
		int truncated = 0;
		long n = xc_udp_recv(d->ha.fd, buf, sizeof(buf), &from, &truncated);

		if (n == -EAGAIN)
			break;
		if (n < 0) {
			/* ECONNREFUSED: charon is not (yet) there */
			hd_dbg(d, "charon's HA socket: %s", strerror((int)-n));
			break;
		}
		if (truncated || !xc_addr_eq(&from, &d->ha.charon))
			continue;
		from_charon(d, buf, (size_t)n);
	}
	explicit_bzero(buf, sizeof(buf));
}

static int to_charon(struct hd *d, const uint8_t *p, size_t len, const char *what)
{
	if (send(d->ha.fd, p, len, 0) != (ssize_t)len) {
		hd_log("cannot give %s to charon: %s", what, strerror(errno));
		return -EIO;
	}
	d->st.ike_fed++;
	return 0;
}

/* During a resync: does charon already hold what this message creates? */
static int known(struct hd *d, const struct xc_ha_msg *m)
{
	const struct xc_ha_attr *a;

	if (m->type == XC_HA_IKE_ADD) {
		const struct xc_ike *ike;

		a = xc_ha_find(m, XC_HA_A_IKE_ID);
		ike = a ? xc_store_find_ike(&d->store, &a->v.ike_id) : NULL;
		return ike && !ike->deleted;
	}
	if (m->type == XC_HA_CHILD_ADD) {
		a = xc_ha_find(m, XC_HA_A_INBOUND_SPI);
		return a && xc_store_find_child(&d->store, xc_ha_spi(a->v.u32));
	}
	return 0;
}

/* A datagram of the peer's charon in our charon's protocol version. */
static void to_charon_converted(struct hd *d, const uint8_t *p, size_t len)
{
	static struct xc_ha_buf b;
	char why[300];

	if (!d->ha_local || msg.version == d->ha_local) {
		to_charon(d, p, len, xc_ha_msg_name(msg.type));
		return;
	}
	if (xc_ha_convert(&msg, d->ha_local, &b, why, sizeof(why))) {
		d->st.ike_dropped++;
		hd_log("cannot give our charon the peer's datagram: %s", why);
	} else {
		d->st.ike_converted++;
		to_charon(d, b.data, b.len, xc_ha_msg_name(msg.type));
	}
	explicit_bzero(&b, sizeof(b));	/* keys */
}

void hd_ike_feed(struct hd *d, const uint8_t *p, size_t len)
{
	struct xc_store *s = d->resync ? d->resync : &d->store;
	char why[256];
	int skip;

	d->st.last_ike_in_ms = hd_wall();
	if (xc_ha_parse(p, len, &msg, why, sizeof(why))) {
		d->st.ike_dropped++;
		hd_log("dropped a forwarded datagram: %s", why);
		return;
	}
	if (msg.version != d->ha_peer) {
		hd_log("the peer's charon speaks HA protocol version %u (%s)%s", msg.version,
		       xc_ha_version_speakers(msg.version),
		       d->ha_local && d->ha_local != msg.version ?
		       ": its datagrams are converted for ours" : "");
		d->ha_peer = msg.version;
	}
	skip = d->resync && known(d, &msg);
	if (xc_store_apply(s, &msg, xc_wall(), why, sizeof(why)) < 0)
		hd_log("our store refused the forwarded %s: %s", xc_ha_msg_name(msg.type), why);
	if (!skip)
		to_charon_converted(d, p, len);
	if (msg.type == XC_HA_CHILD_ADD)
		d->counters_dirty = 1;	/* charon installs SAs: freeze them */
	hd_dbg(d, "peer: %s%s", xc_ha_msg_name(msg.type), skip ? " (charon has it)" : "");
	explicit_bzero(&msg, sizeof(msg));
}

struct emit_ctx {
	struct hd *d;
	unsigned int n;
};

static int emit_frame(void *ctx, const struct xc_ha_buf *m, const char *what)
{
	struct emit_ctx *e = ctx;

	(void)what;
	e->n++;
	return hd_link_send(e->d, XC_FR_IKE, m->data, m->len);
}

int hd_ike_resync_send(struct hd *d)
{
	struct xc_replay_stats st;
	struct emit_ctx e = { .d = d };
	char why[256];

	if (hd_link_send(d, XC_FR_RESYNC_BEGIN, NULL, 0))
		return -1;
	if (d->conf.ike && xc_replay_build_v(&d->store, d->ha_local ? d->ha_local : XC_HA_VERSION,
					     emit_frame, &e, &st, why, sizeof(why))) {
		hd_log("resync stopped: %s", why);
		return -1;
	}
	d->st.resyncs++;
	hd_log("resync to %s: %u HA messages", d->conf.peer_id, e.n);
	return hd_link_send(d, XC_FR_RESYNC_END, NULL, 0);
}

void hd_ike_resync_begin(struct hd *d)
{
	if (d->resync) {
		xc_store_free(d->resync);
		free(d->resync);
	}
	d->resync = calloc(1, sizeof(*d->resync));
	if (d->resync)
		xc_store_init(d->resync);
	d->in_sync = 0;
}

static void send_delete(struct hd *d, uint8_t type, const struct xc_ha_ike_id *id, uint32_t spi)
{
	static struct xc_ha_buf b;

	xc_ha_begin_v(&b, d->ha_local ? d->ha_local : XC_HA_VERSION, type);
	xc_ha_put_ike_id(&b, XC_HA_A_IKE_ID, id);
	if (type == XC_HA_CHILD_DELETE)
		xc_ha_put_u32(&b, XC_HA_A_INBOUND_SPI, xc_ha_spi(spi));
	if (!b.overflow)
		to_charon(d, b.data, b.len, xc_ha_msg_name(type));
}

/* What we hold that the active node no longer has goes from charon too. */
void hd_ike_resync_end(struct hd *d)
{
	struct xc_ike *ike;
	struct xc_child *c;
	unsigned int gone = 0;

	if (!d->resync)
		return;
	for (c = d->store.children; c; c = c->next) {
		const struct xc_ike *owner = xc_store_child_owner(&d->store, c);

		if (xc_store_find_child(d->resync, c->spi_in))
			continue;
		/* charon finds the CHILD_SA through the IKE_SA that owns it now */
		send_delete(d, XC_HA_CHILD_DELETE, owner ? &owner->id : &c->keyed_by, c->spi_in);
		gone++;
	}
	for (ike = d->store.ikes; ike; ike = ike->next) {
		struct xc_ike *n = xc_store_find_ike(d->resync, &ike->id);

		if (ike->deleted || (n && !n->deleted))
			continue;
		send_delete(d, XC_HA_IKE_DELETE, &ike->id, 0);
		gone++;
	}
	xc_store_free(&d->store);
	d->store = *d->resync;
	free(d->resync);
	d->resync = NULL;
	hd_log("resync from %s done%s%u gone", d->conf.peer_id, gone ? ": " : ", ", gone);
	d->counters_dirty = 1;
}

int hd_ike_activate(struct hd *d)
{
	int err;

	d->ha.on_datagram = on_datagram;
	d->ha.ctx = d;
	err = xc_standby_activate(&d->ha, hd_now() + 3000);
	d->ha.on_datagram = NULL;
	if (!err)
		d->charon_active = 1;
	return err;
}

int hd_ike_deactivate(struct hd *d)
{
	int err;

	d->ha.on_datagram = on_datagram;
	d->ha.ctx = d;
	err = xc_standby_deactivate(&d->ha, hd_now() + 3000);
	d->ha.on_datagram = NULL;
	d->charon_active = 0;
	return err;
}

void hd_ike_counts(const struct hd *d, unsigned int *ikes, unsigned int *children)
{
	unsigned int keying;

	xc_store_counts(&d->store, ikes, &keying, children);
}

/* Does the kernel hold both SAs of c (installed by our charon)? */
static int child_installed(const struct xc_ike *ike, const struct xc_child *c)
{
	int fam = ike->local.family == XC_HA_AF_INET ? AF_INET : AF_INET6;

	return xc_xfrm_sa_exists(fam, ike->local.addr, c->spi_in, NULL) > 0 &&
	       xc_xfrm_sa_exists(fam, ike->remote.addr, c->spi_out, NULL) > 0;
}

static int heal_emit(void *ctx, const struct xc_ha_buf *m, const char *what)
{
	return to_charon(ctx, m->data, m->len, what);
}

/*
 * A standby whose charon did not take part of the stream. Seen on 6.1
 * after a restart: charon refused the resync's IKE_UPDATE ("passive HA
 * IKE_SA to update not found") right after its IKE_ADD, and the standby
 * stayed "syncing" for good. HD_HEAL_MS after the stream stopped bringing
 * the CHILD_SAs, each IKE_SA with a CHILD_SA not in the kernel gets its
 * IKE_UPDATE, CHILD_ADDs and message IDs again, at most HD_HEAL_TRIES
 * times, then the operator is told. Never its IKE_ADD: charon may hold the
 * IKE_SA (an update or a CHILD_SA failed), and a second IKE_ADD would give
 * it two copies.
 */
void hd_ike_heal(struct hd *d, int64_t now)
{
	const struct xc_ike *ike;
	const struct xc_child *c;
	unsigned int sent = 0;
	char why[256];

	if (d->role != HD_STANDBY || !d->conf.ike || d->in_sync || d->resync ||
	    !hd_link_up(d)) {
		d->heal_due_ms = 0;
		if (d->in_sync)
			d->heal_tries = 0;
		return;
	}
	if (!d->heal_due_ms) {
		d->heal_due_ms = now + HD_HEAL_MS * (d->heal_tries + 1);
		return;
	}
	if (now < d->heal_due_ms || d->heal_tries >= HD_HEAL_TRIES)
		return;
	d->heal_due_ms = 0;
	for (ike = d->store.ikes; ike; ike = ike->next) {
		struct xc_replay_stats st;
		int missing = 0;

		if (ike->deleted || !ike->updated || !ike->has_local || !ike->has_remote)
			continue;
		for (c = d->store.children; c && !missing; c = c->next)
			missing = xc_store_child_owner(&d->store, c) == ike &&
				  !child_installed(ike, c);
		if (!missing)
			continue;
		if (xc_replay_ike_v(&d->store, ike, d->ha_local ? d->ha_local : XC_HA_VERSION,
				    0, heal_emit, d, &st, why, sizeof(why)))
			hd_log("cannot send an IKE_SA to charon again: %s", why);
		else
			sent++;
	}
	d->heal_tries++;
	if (sent)
		hd_log("charon lacks CHILD_SAs of the stream: sent the update and CHILD_SAs of %u IKE_SAs again (try %u of %u)",
		       sent, d->heal_tries, HD_HEAL_TRIES);
	if (d->heal_tries >= HD_HEAL_TRIES)
		hd_log("charon still lacks CHILD_SAs after %u tries: see its log; restarting charon, then xfrmctxd, on this standby feeds it anew",
		       HD_HEAL_TRIES);
}
