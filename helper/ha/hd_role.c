// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Who carries the tunnels. Every node starts as the standby (or as the
 * active node if the tunnel address is already here: a restarted daemon).
 *
 * Becoming active (the address arrived, or `xfrmctx ha takeover`):
 *   planned  a hand-over from the peer is here, or the peer is connected
 *            and sends one when asked: its frozen counters are exact, no
 *            jump;
 *   crash    otherwise: the last snapshot with a jump per SA sized from its
 *            rates and age (ike_rate.h);
 * then one update with thaw for all SAs, then charon's segments activated. A
 * failure refreezes what was thawed, leaves charon passive and reports a
 * fault to the cluster manager (track file): never a silent master
 * without SAs.
 *
 * Becoming the standby (the address left, `xfrmctx ha release`, the peer
 * asked): charon's segments deactivated (its IKE_SAs passive: no answer,
 * rekey or DPD from here), every SA frozen and exported at one instant,
 * the hand-over sent. The frozen SAs stay frozen: this node never sends
 * with them again unless it takes the tunnels back.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hd.h"

/*
 * keepalived's vrrp_track_file (weight 1): the value is added to the
 * instance's priority, and below -253 the instance goes to FAULT. 0: all
 * well; HD_TRACK_DRAINED: after a switchover, the peer's priority wins
 * and this node stays a backup; HD_TRACK_FAULT: a take-over failed, or a
 * switchover resigns. A master whose priority merely drops keeps the
 * address until the peer's Master_Down_Timer runs out: RFC 5798 has a
 * preempting backup discard lower-priority advertisements (keepalived 2.3
 * does, 2.2 preempted at once; 7 s against 0.6 s in ha_node_keepalived.sh).
 * A master going to FAULT sends priority 0, which makes the backup master
 * after its skew time; once the address left, the node is drained.
 */
void hd_track(struct hd *d)
{
	int v = d->fault || d->resigning ? HD_TRACK_FAULT : d->drained ? HD_TRACK_DRAINED : 0;
	char tmp[300], buf[16];
	int fd, n;

	if (!d->conf.track_file[0])
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", d->conf.track_file);
	n = snprintf(buf, sizeof(buf), "%d\n", v);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, (size_t)n) != n || rename(tmp, d->conf.track_file))
		hd_log("cannot write the track file %s: %s", d->conf.track_file, strerror(errno));
	if (fd >= 0)
		close(fd);
}

void hd_set_fault(struct hd *d, const char *why)
{
	d->fault = 1;
	snprintf(d->fault_why, sizeof(d->fault_why), "%s", why);
	hd_log("FAULT: %s", why);
	hd_track(d);
}

void hd_clear_fault(struct hd *d)
{
	if (d->fault)
		hd_log("fault cleared");
	d->fault = 0;
	d->fault_why[0] = '\0';
	hd_track(d);
}

static void set_handover(struct hd *d, struct xfrmctx_ctx *c)
{
	xfrmctx_ctx_free(d->handover);
	d->handover = c;
}

/* A hand-over frame: its container. */
static struct xfrmctx_ctx *parse_handover(const uint8_t *p, size_t len)
{
	struct xfrmctx_ctx *c = NULL;
	struct xc_ctxmsg m;
	char why[256];

	if (xc_ctxmsg_parse(p, len, &m, why, sizeof(why)) ||
	    xfrmctx_ctx_from_buf(m.image, m.image_len, &c, why, sizeof(why))) {
		hd_log("dropped the peer's hand-over: %s", why);
		return NULL;
	}
	return c;
}

/* Standby, peer alive: ask for its hand-over. The stream keeps flowing
 * meanwhile. NULL after the time-out or if the link drops. */
static struct xfrmctx_ctx *ask_handover(struct hd *d)
{
	struct xc_frame f = { 0 };
	struct xfrmctx_ctx *c = NULL;
	int r;

	if (hd_link_send(d, XC_FR_HANDOVER_REQ, NULL, 0))
		return NULL;
	r = hd_link_wait_frame(d, XC_FR_HANDOVER, (int)d->conf.handover_wait_ms, &f);
	if (r == 1 && f.type == XC_FR_REFUSED) {
		hd_log("the peer cannot hand over: %s", (char *)f.data);
		xc_frame_free(&f);
	} else if (r == 1) {
		c = parse_handover(f.data, f.len);
		explicit_bzero(f.data, f.len);
		xc_frame_free(&f);
	} else {
		hd_log("the peer sent no hand-over within %u ms", d->conf.handover_wait_ms);
	}
	return c;
}

/* A standby that just joined (a fail-back) may not hold every SA yet:
 * while the peer is alive, let the stream catch up first. */
static void wait_in_sync(struct hd *d)
{
	int64_t end = hd_now() + HD_SYNC_WAIT_MS;
	struct xc_frame f;

	hd_log("not in sync yet: waiting up to %d ms for the stream", HD_SYNC_WAIT_MS);
	while (!d->in_sync && hd_link_up(d) && hd_now() < end)
		if (hd_link_wait_frame(d, 0, 100, &f) == 1)
			xc_frame_free(&f);
}

int hd_become_active(struct hd *d, const char *why, char *out, size_t outlen)
{
	struct hd_takeover *t = &d->last_to;
	struct xfrmctx_ctx *c = NULL;
	int64_t t0 = hd_now(), t1;
	char err[400] = "";
	int exact = 0, rc;

	if (d->role == HD_ACTIVE) {
		snprintf(out, outlen, "already active");
		return 0;
	}
	hd_kernel_settle(d, 1);	/* a hand-over we sent: its snapshot */
	memset(t, 0, sizeof(*t));
	t->begin_us = hd_wall_us();
	t->at_ms = t->begin_us / 1000;
	/* a planned take-over is said when done (a log line costs inside the
	 * gap); one that may wait for the peer is said now */
	if (!d->handover)
		hd_log("taking the tunnels over (%s)", why);
	if (!d->handover && hd_link_up(d) && !d->in_sync)
		wait_in_sync(d);
	if (d->handover) {
		c = d->handover;
		d->handover = NULL;
		exact = 1;
		t->received_us = d->handover_rx_us;
	} else if (hd_link_up(d)) {
		c = ask_handover(d);
		exact = c != NULL;
	}
	if (!c && d->last) {
		c = d->last;
		d->last = NULL;
	}
	/* A daemon that started as the standby and has heard nothing from the
	 * peer since knows no tunnels: a new pair (nothing to carry yet), or
	 * the cluster manager moved the address before the peer's daemon
	 * reconnected (it retries every second; keep preempt_delay above
	 * that). Not refused: a refusal would leave a new pair with no master
	 * at all. Said, and shown as kind "empty". */
	if (!c && !d->has_state)
		hd_log("nothing received from %s since this daemon started: taking over with no tunnels (a new pair, or the peer's tunnels renegotiate)",
		       d->conf.peer_id);
	snprintf(t->kind, sizeof(t->kind), "%s", exact ? "planned" : c ? "crash" : "empty");
	/* move-address: the LAN turns to us now. Before the thaw, as in the
	 * kernel-only hand-over: what arrives in between meets frozen SAs here
	 * as it met them on the old node, and the announcement's travel
	 * overlaps the update. If it fails nothing was thawed. */
	d->prepared_until = 0;
	if (hd_addr_add(d, 1)) {
		snprintf(err, sizeof(err), "cannot put the tunnel address %s on %s",
			 d->conf.address, d->conf.interface);
		goto fail;
	}
	if (d->conf.move_address)
		t->announced_us = hd_wall_us();
	if (c) {
		rc = hd_kernel_takeover(d, c, exact, t, err, sizeof(err));
		if (rc)
			goto fail;
	}
	t1 = hd_now();
	if (!t->thawed_us)	/* no SAs: set by hd_kernel_takeover otherwise */
		t->thawed_us = hd_wall_us();
	t->update_ms = t1 - t0;
	if (d->conf.ike && hd_ike_activate(d)) {
		snprintf(err, sizeof(err), "charon did not activate its segments (is it running with the ha plugin and fifo %s?)",
			 d->conf.fifo);
		/* the SAs are live but charon cannot answer: freeze them again */
		if (c) {
			char e2[200];

			hd_kernel_freeze_again(d, c, e2, sizeof(e2));
		}
		goto fail;
	}
	t->activate_ms = hd_now() - t1;
	t->total_ms = hd_now() - t0;
	t->ok = 1;
	d->role = HD_ACTIVE;
	d->has_state = 1;
	d->in_sync = 0;
	d->counters_dirty = 1;
	hd_clear_fault(d);
	if (hd_link_up(d)) {
		char msg[96];

		snprintf(msg, sizeof(msg), "%s took over", d->conf.id);
		hd_link_send(d, XC_FR_TAKEN, msg, strlen(msg) + 1);
		/* the active node connects; the peer takes our stream next */
		hd_link_drop(d, "roles changed");
	}
	d->link.next_try_ms = 0;
	d->link.backoff_ms = 0;
	snprintf(out, outlen, "took over (%s, %s): %u SAs, jump out %llu in %llu, update %lld ms, activation %lld ms, total %lld ms",
		 t->kind, why, t->sas, (unsigned long long)t->max_out_jump,
		 (unsigned long long)t->max_in_jump, (long long)t->update_ms,
		 (long long)t->activate_ms, (long long)t->total_ms);
	hd_log("%s", out);
	xfrmctx_ctx_free(c);
	return 0;
fail:
	t->ok = 0;
	snprintf(t->error, sizeof(t->error), "%s", err);
	snprintf(out, outlen, "take-over failed: %s", err);
	hd_set_fault(d, out);
	/* keep what we know for another try */
	if (c && !d->last)
		d->last = c;
	else
		xfrmctx_ctx_free(c);
	return -1;
}

int hd_become_standby(struct hd *d, int ask_take, const char *why, char *out, size_t outlen)
{
	/* With the address gone, nothing from the peer reaches this charon:
	 * the SAs go first (the new node waits for them), charon after. With
	 * the address still here, charon first, so that it answers nothing the
	 * standby would not know about. */
	int sas_first = d->conf.address[0] && !d->address_here;
	char err[256];
	int64_t t0 = hd_now();
	int rc;

	if (d->role == HD_STANDBY) {
		snprintf(out, outlen, "already the standby");
		return 0;
	}
	hd_log("handing the tunnels over (%s)", why);
	if (!sas_first && d->conf.ike && hd_ike_deactivate(d))
		hd_log("charon did not confirm that its segments are passive");
	d->last_ho.freeze_us = hd_wall_us();
	d->last_ho.frozen_us = d->last_ho.encoded_us = d->last_ho.sent_us = 0;
	rc = hd_kernel_freeze_local(d, err, sizeof(err));
	/* until charon confirms, what it says is still forwarded */
	if (sas_first && d->conf.ike && hd_ike_deactivate(d))
		hd_log("charon did not confirm that its segments are passive");
	d->role = HD_STANDBY;
	d->in_sync = 0;
	if (rc) {
		/* frozen here but not sent: fail closed, the peer takes over
		 * from its last snapshot with a jump */
		snprintf(out, outlen, "SAs frozen, hand-over not sent: %s", err);
		hd_log("%s", out);
		return rc == -ENOTCONN ? 0 : -1;
	}
	if (ask_take)
		hd_link_send(d, XC_FR_TAKE, NULL, 0);
	hd_addr_del(d);	/* move-address: ours comes off after the hand-over */
	snprintf(out, outlen, "handed over to %s in %lld ms%s", d->conf.peer_id,
		 (long long)(hd_now() - t0), ask_take ? ", asked it to take over" : "");
	hd_log("%s", out);
	return 0;
}

void hd_on_handover(struct hd *d, const uint8_t *p, size_t len)
{
	struct xfrmctx_ctx *c;

	if (d->role != HD_STANDBY)
		return;
	d->handover_rx_us = hd_wall_us();
	c = parse_handover(p, len);
	if (!c)
		return;
	d->has_state = 1;
	set_handover(d, c);
	if (d->address_here) {
		char out[300];

		/* said after the take-over: a log line costs inside the gap */
		hd_become_active(d, "hand-over while the address is here", out, sizeof(out));
		hd_log("that was the hand-over from %s", d->conf.peer_id);
	} else {
		hd_log("hand-over from %s: %u SAs with exact counters; waiting for the tunnel address",
		       d->conf.peer_id, hd_kernel_count(c));
	}
}

void hd_on_handover_req(struct hd *d)
{
	char out[300];

	if (d->role != HD_ACTIVE) {
		hd_link_send(d, XC_FR_REFUSED, "not active", 11);
		return;
	}
	hd_become_standby(d, 0, "the peer asked for the tunnels", out, sizeof(out));
}

void hd_on_taken(struct hd *d, const char *text)
{
	hd_log("the peer says: %s", text);
	set_handover(d, NULL);
	hd_link_drop(d, "the peer is the active node now");
}

/* A switchover is coming: with move-address the address is added now,
 * outside the gap (the LAN still sends to the old node until we announce
 * it after the thaw). */
void hd_on_prepare(struct hd *d)
{
	if (d->role != HD_STANDBY || !d->conf.move_address || d->address_here)
		return;
	if (!hd_addr_add(d, 0))
		d->prepared_until = hd_now() + (int64_t)d->conf.handover_wait_ms + 2000;
}

void hd_on_take(struct hd *d)
{
	char out[300];

	if (d->role == HD_STANDBY && d->handover)
		hd_become_active(d, "switchover asked by the peer", out, sizeof(out));
}
