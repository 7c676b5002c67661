// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel half, through libxfrmctx and the xfrm_ctx module.
 *
 * Active node: a snapshot of every CHILD_SA's two SAs (ike/ike_snap.c: SA
 * records, IKE_SA records, per-SA rates) whenever XFRM async events say
 * counters moved, an SA came or went, or charon announced a CHILD_SA, at
 * most every min-gap-ms and at least every period-ms; sent to the standby.
 *
 * Standby: the SAs charon installed from the stream are frozen at once (a
 * standby never carries a packet with them; fail closed) and their
 * counters are moved to the snapshot's with the module's counters-only
 * update (forward only; IV salt included). A take-over is then one update
 * with thaw for all SAs, each SA's own jump applied in its record.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "hd.h"
#include "ike_samap.h"
#include "ike_snap.h"
#include "ike_xfrm.h"
#include "sa.h"

/* The SAs this node keeps frozen (and renews): their ids in order, and a
 * map of the same for a lookup per SA of every snapshot. */
struct frozen_set {
	struct xfrmctx_sa_id *ids;
	size_t n, cap;
	struct xc_sa_map idx;
};
static struct frozen_set frozen;

static void id_key(struct xc_sa_key *k, const struct xfrmctx_sa_id *id)
{
	xc_sa_key_make(k, id->family, &id->daddr, id->spi, id->proto);
}

static int frozen_has(const struct xfrmctx_sa_id *id)
{
	struct xc_sa_key k;

	id_key(&k, id);
	return xc_sa_map_get(&frozen.idx, &k) != NULL;
}

static void frozen_add(const struct xfrmctx_sa_id *id)
{
	struct xc_sa_key k;

	if (frozen.n == frozen.cap) {
		size_t cap = frozen.cap ? frozen.cap * 2 : 16;
		struct xfrmctx_sa_id *n = realloc(frozen.ids, cap * sizeof(*n));

		if (!n)
			return;
		frozen.ids = n;
		frozen.cap = cap;
	}
	id_key(&k, id);
	if (xc_sa_map_put(&frozen.idx, &k, &frozen))	/* any non-NULL value */
		return;
	frozen.ids[frozen.n++] = *id;
}

/* After ids were dropped from the array: the map again. */
static void frozen_reindex(void)
{
	size_t i, n = frozen.n;

	xc_sa_map_clear(&frozen.idx);
	frozen.n = 0;
	for (i = 0; i < n; i++)
		frozen_add(&frozen.ids[i]);
}

static void frozen_clear(void)
{
	frozen.n = 0;
	xc_sa_map_clear(&frozen.idx);
}

/* Forget what charon (or a rekey) deleted since we froze it; 1 if any was
 * gone. The set is trusted without a kernel read per SA (thousands of
 * tunnels), so an update refused for a missing SA prunes and retries. */
static int frozen_prune(void)
{
	size_t i, kept = 0;

	for (i = 0; i < frozen.n; i++)
		if (xc_xfrm_sa_exists(frozen.ids[i].family, (const uint8_t *)&frozen.ids[i].daddr,
				      frozen.ids[i].spi, NULL) > 0)
			frozen.ids[kept++] = frozen.ids[i];
	i = frozen.n - kept;
	frozen.n = kept;
	frozen_reindex();
	return i > 0;
}

int hd_kernel_open(struct hd *d, char *err, size_t errlen)
{
	int r = xfrmctx_open(&d->h);

	if (r) {
		snprintf(err, errlen, "the xfrm_ctx module is needed (modprobe xfrm_ctx): %s",
			 xfrmctx_strerror(NULL, r));
		return r;
	}
	r = xc_aevents_open(&d->ae, err, errlen);
	if (r)
		return r;
	d->ae_fd = xc_aevents_fd(d->ae);
	xc_rate_table_init(&d->rates);
	return 0;
}

void hd_kernel_events(struct hd *d)
{
	unsigned int what = 0;
	char err[200];

	if (xc_aevents_read(d->ae, d->conf.reqid, d->conf.has_reqid, &what, err, sizeof(err)) < 0)
		hd_log("XFRM events: %s", err);
	if (what && d->role == HD_ACTIVE)
		d->counters_dirty = 1;
}

static int snapshot(struct hd *d, int freeze, int bare, struct xfrmctx_ctx **out, char *why,
		    size_t whylen)
{
	struct xc_recorder_info m = { 0 };
	struct xfrmctx_target sel = { .reqid = d->conf.reqid, .has_reqid = d->conf.has_reqid };
	struct xc_snap_opts o = {
		.freeze = freeze,
		.lease = d->conf.lease,
		.window = 1,
		.now_ms = (uint64_t)hd_wall(),
		.select = d->conf.ike ? NULL : &sel,
		.bare = bare,
	};
	int err;

	m.serial = ++d->serial;
	m.written_ms = o.now_ms;
	m.trigger = freeze ? XC_TRIGGER_DEMAND : XC_TRIGGER_PERIODIC;
	m.accepted = d->store.accepted;
	m.dropped = d->store.dropped;
	snprintf(m.source, sizeof(m.source), "%.63s", d->conf.id);
	err = xc_snap_build(d->h, &d->store, &d->rates, &m, &o, out, why, whylen);
	if (!err && m.kernel_error[0]) {
		snprintf(why, whylen, "%s", m.kernel_error);
		xfrmctx_ctx_free(*out);
		*out = NULL;
		return -EIO;
	}
	return err;
}

int hd_kernel_snapshot(struct hd *d, int freeze, struct xfrmctx_ctx **out, char *why,
		       size_t whylen)
{
	return snapshot(d, freeze, 0, out, why, whylen);
}

static int send_ctx(struct hd *d, uint8_t type, const struct xfrmctx_ctx *c, uint64_t taken)
{
	uint8_t *msg = NULL;
	void *img = NULL;
	size_t len = 0, mlen = 0;
	int err;

	err = xfrmctx_ctx_to_buf(c, &img, &len);
	if (!err)
		err = xc_ctxmsg_pack(type == XC_FR_HANDOVER ? XC_KIND_HANDOVER : XC_KIND_SNAPSHOT,
				     taken, img, len, &msg, &mlen);
	if (type == XC_FR_HANDOVER)
		d->last_ho.encoded_us = hd_wall_us();
	if (!err)
		err = hd_link_send(d, type, msg, mlen);
	if (img)
		explicit_bzero(img, len);
	if (msg)
		explicit_bzero(msg, mlen);
	free(img);
	free(msg);
	return err;
}

int hd_kernel_send_snapshot(struct hd *d)
{
	struct xfrmctx_ctx *c = NULL;
	char why[256];
	int err;

	d->counters_dirty = 0;
	d->snap_last_ms = hd_now();
	err = hd_kernel_snapshot(d, 0, &c, why, sizeof(why));
	if (err) {
		hd_log("snapshot failed: %s", why);
		return 0;	/* the next one may work; the channel is fine */
	}
	if (hd_link_up(d))
		err = send_ctx(d, XC_FR_COUNTERS, c, (uint64_t)hd_wall());
	if (!err)
		d->st.snapshots_out++;
	xfrmctx_ctx_free(c);
	return err;
}

/* The directions of our SAs, from the CHILD_SAs charon announced, by SPI
 * (one map for a whole take-over: a lookup per SA). */
static void spi_key(struct xc_sa_key *k, uint32_t spi)
{
	memset(k, 0, sizeof(*k));
	k->spi = spi;
}

static int directions(const struct hd *d, struct xc_sa_map *m)
{
	static int in_dir, out_dir = 1;	/* the values: what direction() says */
	const struct xc_child *c;
	struct xc_sa_key k;

	for (c = d->store.children; c; c = c->next) {
		spi_key(&k, c->spi_in);
		if (xc_sa_map_put(m, &k, &in_dir))
			return -ENOMEM;
		spi_key(&k, c->spi_out);
		if (xc_sa_map_put(m, &k, &out_dir))
			return -ENOMEM;
	}
	return 0;
}

/* 1 outbound, 0 inbound, -1 not an SA of charon's CHILD_SAs. */
static int direction(const struct xc_sa_map *m, uint32_t spi)
{
	struct xc_sa_key k;
	const int *v;

	spi_key(&k, spi);
	v = xc_sa_map_get(m, &k);
	if (!v)
		return -1;
	return *v == 1;
}

/* Walk the SA records of c: cb(d, record, decoded SA, arg). */
static int each_sa(struct hd *d, const struct xfrmctx_ctx *c,
		   int (*cb)(struct hd *, const struct xfrmctx_record *, const struct xfrmctx_sa *,
			     void *),
		   void *arg)
{
	struct xfrmctx_sa *sa = malloc(sizeof(*sa));
	struct xfrmctx_record r = { 0 };
	char err[XFRMCTX_ERRLEN];
	int rc = 0;

	if (!sa)
		return -ENOMEM;
	while (!rc && xfrmctx_ctx_next(c, &r) > 0) {
		if (r.type != XFRMCTX_REC_SA)
			continue;
		if (xfrmctx_sa_decode(r.data, r.len, sa, err, sizeof(err))) {
			hd_log("an SA record of the peer's snapshot: %s", err);
			rc = -EBADMSG;
			break;
		}
		rc = cb(d, &r, sa, arg);
	}
	explicit_bzero(sa, sizeof(*sa));
	free(sa);
	return rc;
}

unsigned int hd_kernel_count(const struct xfrmctx_ctx *c)
{
	struct xfrmctx_record r = { 0 };
	unsigned int n = 0;

	while (c && xfrmctx_ctx_next(c, &r) > 0)
		n += r.type == XFRMCTX_REC_SA;
	return n;
}

static int local_exists(const struct xfrmctx_sa *sa)
{
	return xc_xfrm_sa_exists(sa->family, (const uint8_t *)&sa->daddr, sa->spi, NULL) > 0;
}

struct apply_ctx {
	struct xfrmctx_ctx *batch;	/* SAs we hold, for one update */
	struct xfrmctx_ctx *import;	/* kernel-only: SAs we do not hold yet */
	struct xc_sa_map *seen;		/* kernel-only: every SA of the snapshot */
	unsigned int present, absent;
	unsigned int imported;		/* kernel-only: installed just now */
};

static int apply_one(struct hd *d, const struct xfrmctx_record *r, const struct xfrmctx_sa *sa,
		     void *arg)
{
	struct apply_ctx *a = arg;
	struct xfrmctx_sa_id id;
	uint32_t n = 0;
	int err;

	xfrmctx_sa_get_id(sa, &id);
	if (a->seen) {
		struct xc_sa_key k;

		id_key(&k, &id);
		err = xc_sa_map_put(a->seen, &k, a);
		if (err)
			return err;
	}
	if (!frozen_has(&id) && !local_exists(sa)) {
		a->absent++;	/* charon has not installed it yet */
		/* kernel-only: we install it ourselves, staged (frozen) */
		return a->import ? xfrmctx_ctx_append(a->import, XFRMCTX_REC_SA, r->flags,
						      r->data, r->len) : 0;
	}
	if (!frozen_has(&id)) {
		struct xfrmctx_target t = { .id = &id };

		err = xfrmctx_freeze(d->h, &t, d->conf.lease, XFRM_CTX_F_RENEW, &n);
		if (err) {
			hd_log("cannot freeze SA 0x%08x on the standby: %s", sa->spi,
			       xfrmctx_strerror(d->h, err));
			return 0;
		}
		frozen_add(&id);
		hd_dbg(d, "froze SA 0x%08x (installed by charon from the stream)", sa->spi);
	}
	a->present++;
	return xfrmctx_ctx_append(a->batch, XFRMCTX_REC_SA, r->flags, r->data, r->len);
}

/* Every SA of a tunnel whose counters we keep is present and frozen. */
static void report_sync(struct hd *d, const struct apply_ctx *a, uint64_t taken)
{
	unsigned int ikes, children;
	char s[160];
	int was = d->in_sync;

	hd_ike_counts(d, &ikes, &children);
	d->in_sync = !d->resync && !a->absent && a->present + a->imported >= 2 * children;
	snprintf(s, sizeof(s), "%s ike_sas %u children %u sas %u missing %u lag_ms %lld",
		 d->in_sync ? "in-sync" : "syncing", ikes, children, a->present + a->imported, a->absent,
		 (long long)(hd_wall() - (int64_t)taken));
	/* said when it changes; a standby stuck syncing says it every 10 s,
	 * not at every snapshot (20 a second) */
	if (d->in_sync != was || a->absent != d->sync_absent_said ||
	    (!d->in_sync && hd_now() - d->sync_said_ms >= 10000)) {
		hd_log("standby %s", s);
		d->sync_said_ms = hd_now();
		d->sync_absent_said = a->absent;
	}

	if (d->in_sync != was || d->st.snapshots_in % 16 == 1)
		hd_link_send(d, XC_FR_STATUS, s, strlen(s) + 1);
}

/* Keep an SA of c in the set the standby renews (frozen by us: for a
 * hand-over, or installed staged). */
static int adopt_one(struct hd *d, const struct xfrmctx_record *r, const struct xfrmctx_sa *sa,
		     void *arg)
{
	struct xfrmctx_sa_id id;

	(void)d; (void)r; (void)arg;
	xfrmctx_sa_get_id(sa, &id);
	if (!frozen_has(&id))
		frozen_add(&id);
	return 0;
}

static int seen_has(const struct apply_ctx *a, const struct xfrmctx_sa_id *id)
{
	struct xc_sa_key k;

	id_key(&k, id);
	return xc_sa_map_get(a->seen, &k) != NULL;
}

/*
 * Kernel-only tunnels (ike = no): no charon installs the SAs here, so the
 * standby does. SAs new in the snapshot are imported staged (frozen, lease
 * renewed; LIVE_SNAPSHOT: they are only ever thawed by a take-over, which
 * applies the exact hand-over or a jump), with the snapshot's policies
 * (replacing ours); SAs gone from it are released (deleted).
 */
static void kernel_only_apply(struct hd *d, struct apply_ctx *a, const struct xfrmctx_ctx *c)
{
	struct xfrmctx_import_opts io = {
		.flags = XFRM_CTX_F_STAGED | XFRM_CTX_F_LIVE_SNAPSHOT, .lease = d->conf.lease,
	};
	uint32_t n = 0, pols = 0;
	size_t i, kept = 0;
	int err;

	if (xfrmctx_ctx_count(a->import, XFRMCTX_REC_SA)) {
		err = xfrmctx_import(d->h, a->import, &io, &n);
		if (err) {
			d->st.update_errors++;
			hd_log("cannot install the peer's new SAs (staged): %s",
			       xfrmctx_strerror(d->h, err));
			return;
		}
		each_sa(d, a->import, adopt_one, NULL);
		a->imported = n;
		a->absent -= n < a->absent ? n : a->absent;
		hd_log("installed %u SAs of the peer, staged (frozen)", n);
		err = xfrmctx_policy_import(d->h, c, XFRMCTX_POLICY_REPLACE, &pols);
		if (err)
			hd_log("cannot install the peer's policies: %s", xfrmctx_strerror(d->h, err));
	}
	for (i = 0; i < frozen.n; i++) {
		struct xfrmctx_target t = { .id = &frozen.ids[i] };

		if (seen_has(a, &frozen.ids[i]) || xfrmctx_release(d->h, &t, &n)) {
			frozen.ids[kept++] = frozen.ids[i];
			continue;
		}
		hd_dbg(d, "released SA 0x%08x: the peer deleted it", frozen.ids[i].spi);
	}
	frozen.n = kept;
	frozen_reindex();
}

void hd_kernel_apply(struct hd *d, const uint8_t *p, size_t len)
{
	struct apply_ctx a = { 0 };
	struct xfrmctx_import_opts io = { 0 };
	struct xc_sa_map seen;
	struct xfrmctx_ctx *c = NULL;
	struct xc_ctxmsg m;
	char why[256];
	uint32_t n = 0;
	int err;

	hd_kernel_settle(d, 1);	/* our hand-over's leftovers first */
	if (xc_ctxmsg_parse(p, len, &m, why, sizeof(why)) ||
	    xfrmctx_ctx_from_buf(m.image, m.image_len, &c, why, sizeof(why))) {
		hd_log("dropped the peer's snapshot: %s", why);
		return;
	}
	d->st.snapshots_in++;
	d->has_state = 1;
	d->st.last_snapshot_in_ms = hd_wall();
	d->st.last_snapshot_taken_ms = m.taken_ms;
	a.batch = xfrmctx_ctx_new();
	xc_sa_map_init(&seen);
	if (!d->conf.ike) {
		a.import = xfrmctx_ctx_new();
		a.seen = &seen;
	}
	if (!a.batch || (!d->conf.ike && !a.import) || each_sa(d, c, apply_one, &a)) {
		xfrmctx_ctx_free(a.batch);
		xfrmctx_ctx_free(a.import);
		xc_sa_map_free(&seen);
		xfrmctx_ctx_free(c);
		return;
	}
	if (!d->conf.ike)
		kernel_only_apply(d, &a, c);
	if (a.present) {
		err = xfrmctx_update(d->h, a.batch, &io, &n);
		d->st.updates++;
		if (err && frozen_prune()) {
			/* an SA we froze is gone: once more without it */
			struct apply_ctx b = { .batch = xfrmctx_ctx_new() };

			err = b.batch ? each_sa(d, c, apply_one, &b) : -ENOMEM;
			if (!err && b.present)
				err = xfrmctx_update(d->h, b.batch, &io, &n);
			a.present = b.present;
			a.absent = b.absent;
			xfrmctx_ctx_free(b.batch);
		}
		if (err) {
			d->st.update_errors++;
			hd_log("the module refused the counters of the peer's snapshot: %s",
			       xfrmctx_strerror(d->h, err));
		}
	}
	xfrmctx_ctx_free(a.batch);
	xfrmctx_ctx_free(a.import);
	xc_sa_map_free(&seen);
	xfrmctx_ctx_free(d->last);
	d->last = c;
	d->last_taken_ms = m.taken_ms;
	report_sync(d, &a, m.taken_ms);
}

static int renew_one(struct hd *d, const struct xfrmctx_sa_id *id)
{
	struct xfrmctx_target t = { .id = id };
	uint32_t n = 0;

	return xfrmctx_freeze(d->h, &t, d->conf.lease, XFRM_CTX_F_RENEW, &n);
}

void hd_kernel_renew(struct hd *d, int64_t now)
{
	size_t i, kept = 0;

	if (d->role != HD_STANDBY || now < d->renew_due_ms)
		return;
	d->renew_due_ms = now + (int64_t)d->conf.lease * 500;
	for (i = 0; i < frozen.n; i++) {
		/* SAs charon deleted are gone from the set */
		if (renew_one(d, &frozen.ids[i]) == 0)
			frozen.ids[kept++] = frozen.ids[i];
	}
	if (kept < frozen.n) {
		frozen.n = kept;
		frozen_reindex();
	}
}

/* A planned hand-over: our SAs frozen, exported, sent. The peer's gap runs
 * from the freeze to its thaw: the message holds the SA records alone, and
 * what this node still has to do (keep the SAs frozen, a snapshot with the
 * rates a jump needs) waits until the peer has taken over: on two vCPUs it
 * took the CPU from the peer's update and from the traffic. */
int hd_kernel_freeze_local(struct hd *d, char *why, size_t whylen)
{
	struct xfrmctx_ctx *c = NULL;
	int err;

	hd_kernel_settle(d, 1);
	err = snapshot(d, 1, 1, &c, why, whylen);
	if (err)
		return err;
	d->last_ho.frozen_us = hd_wall_us();
	err = hd_link_up(d) ? send_ctx(d, XC_FR_HANDOVER, c, (uint64_t)hd_wall()) : -ENOTCONN;
	if (err)
		snprintf(why, whylen, "no channel to %s", d->conf.peer_id);
	else
		d->last_ho.sent_us = hd_wall_us();
	d->sent_ho = c;
	d->sent_ho_due_ms = hd_now() + HD_SETTLE_MS;
	if (err)	/* nobody takes over from this one: settle now */
		hd_kernel_settle(d, 1);
	return err;
}

void hd_kernel_settle(struct hd *d, int force)
{
	struct xfrmctx_ctx *full = NULL;
	char why[256];

	if (!d->sent_ho || (!force && hd_now() < d->sent_ho_due_ms))
		return;
	/* frozen by us, whatever happened to the message: ours to renew */
	each_sa(d, d->sent_ho, adopt_one, NULL);
	/* the same frozen counters, with the rates a jump needs */
	if (!hd_kernel_snapshot(d, 0, &full, why, sizeof(why))) {
		xfrmctx_ctx_free(d->sent_ho);
	} else {
		hd_log("no snapshot with rates after the hand-over (%s): keeping its counters", why);
		full = d->sent_ho;
	}
	d->sent_ho = NULL;
	/* If this node takes the tunnels back without an answer from the
	 * peer, the peer may have used them: the jump is then sized from
	 * this snapshot's rates and age, as after a crash. */
	xfrmctx_ctx_free(d->last);
	d->last = full;
	d->last_taken_ms = (uint64_t)hd_wall();
}

/* One SA's jump, logged after the take-over's request: formatting it (the
 * rates are doubles, emulated in software under TCG) cost milliseconds
 * inside the gap. */
struct jump_note {
	uint32_t spi;
	int dir;
	struct xc_jump j;
	uint64_t out, in;
};

struct takeover_ctx {
	int exact;
	struct jump_note *notes;	/* one per SA of the batch (crash) */
	struct xc_rate_index rates;	/* the snapshot's SA_RATE records */
	struct xc_sa_map dirs;		/* SPI -> direction */
	uint64_t now_ms;		/* the instant every jump is sized for */
	struct hd_takeover *t;
	struct xfrmctx_ctx *batch;	/* every SA with its jump applied */
	struct xfrmctx_sa_id *ids;	/* of the batch, to roll back */
	size_t nids;
	char *why;
	size_t whylen;
};

/*
 * One SA of the take-over into the batch. The jump of each SA is sized from
 * that SA's own rate and applied here, in the record (as the module would
 * apply a request's jump), so that the whole take-over is one update with
 * thaw: one request, every SA at one instant, all or none.
 */
static int takeover_one(struct hd *d, const struct xfrmctx_record *r, const struct xfrmctx_sa *sa,
			void *arg)
{
	struct takeover_ctx *tc = arg;
	struct xc_jump_params jp = {
		.factor = d->conf.factor, .floor = d->conf.floor, .in_factor = d->conf.in_factor,
	};
	const struct xc_rate *rate;
	struct xfrmctx_sa_id id;
	struct xfrmctx_sa *j_sa;
	struct xc_jump j = { 0 };
	struct xc_buf b;
	char why[200];
	int dir = direction(&tc->dirs, sa->spi), err;
	uint64_t out = 0, in = 0;

	xfrmctx_sa_get_id(sa, &id);
	/* what we froze ourselves is there; anything else is asked for */
	if (!frozen_has(&id) && !local_exists(sa)) {
		hd_log("take-over: SA 0x%08x of the snapshot is not in our kernel (charon did not install it)",
		       sa->spi);
		return 0;
	}
	if (!tc->exact) {
		/* the rates travel in the snapshot itself (d->last is
		 * already handed to us as c) */
		rate = xc_rate_index_get(&tc->rates, sa->family, &sa->daddr, sa->spi, sa->proto);
		jp.in_window = sa->replay.window;
		xc_jump_size(rate, tc->now_ms, &jp, &j);
		out = dir == 0 ? 0 : j.out;
		in = dir == 1 ? 0 : j.in;
	}
	if (!out && !in) {
		/* no jump (a planned hand-over, an idle SA): the record as it is */
		err = xfrmctx_ctx_append(tc->batch, XFRMCTX_REC_SA, r->flags, r->data, r->len);
		if (err)
			return err;
		goto done;
	}
	j_sa = malloc(sizeof(*j_sa));
	if (!j_sa)
		return -ENOMEM;
	*j_sa = *sa;
	xc_buf_init(&b);
	err = xc_sa_apply_jumps(j_sa, out, in, why, sizeof(why));
	if (err)
		snprintf(tc->why, tc->whylen, "%s", why);
	else
		err = xc_sa_encode(j_sa, &b) ?:
		      xfrmctx_ctx_append(tc->batch, XFRMCTX_REC_SA, r->flags, b.data, b.len);
	xc_buf_free(&b);
	explicit_bzero(j_sa, sizeof(*j_sa));
	free(j_sa);
	if (err) {
		if (!tc->why[0])
			snprintf(tc->why, tc->whylen, "SA 0x%08x: %s", sa->spi, strerror(-err));
		return err;
	}
done:
	if (!tc->exact)
		tc->notes[tc->nids] = (struct jump_note){ .spi = sa->spi, .dir = dir, .j = j,
							  .out = out, .in = in };
	if (out > tc->t->max_out_jump)
		tc->t->max_out_jump = out;
	if (in > tc->t->max_in_jump)
		tc->t->max_in_jump = in;
	tc->ids[tc->nids++] = id;
	return 0;
}

int hd_kernel_takeover(struct hd *d, const struct xfrmctx_ctx *c, int exact,
		       struct hd_takeover *t, char *why, size_t whylen)
{
	struct takeover_ctx tc = { .exact = exact, .t = t, .why = why, .whylen = whylen };
	struct xfrmctx_import_opts io = { .flags = XFRM_CTX_F_THAW };
	unsigned int n = hd_kernel_count(c);
	uint32_t count = 0;
	int64_t t0;
	size_t i;
	int err;

	why[0] = '\0';
	xc_sa_map_init(&tc.dirs);
	xc_sa_map_init(&tc.rates.map);
	tc.ids = calloc(n ? n : 1, sizeof(*tc.ids));
	tc.notes = calloc(n ? n : 1, sizeof(*tc.notes));
	tc.batch = xfrmctx_ctx_new();
	if (!tc.ids || !tc.notes || !tc.batch) {
		snprintf(why, whylen, "out of memory");
		err = -ENOMEM;
		goto out;
	}
	t0 = hd_wall_us();
	tc.now_ms = (uint64_t)(t0 / 1000);
	err = directions(d, &tc.dirs);
	if (!err && !exact && xc_rate_index_build(c, &tc.rates, why, whylen))
		hd_log("take-over: the snapshot's rates: %s; jumps without them", why);
	why[0] = '\0';
	if (!err)
		err = each_sa(d, c, takeover_one, &tc);
	else
		snprintf(why, whylen, "out of memory");
	t->prepare_us = hd_wall_us() - t0;
	if (!err && tc.nids) {
		t0 = hd_wall_us();
		err = xfrmctx_update(d->h, tc.batch, &io, &count);
		t->request_us = hd_wall_us() - t0;
		if (err && frozen_prune()) {
			t->retried = 1;
			/* charon deleted an SA we froze: once more without it */
			xfrmctx_ctx_free(tc.batch);
			tc.batch = xfrmctx_ctx_new();
			tc.nids = 0;
			t->max_out_jump = t->max_in_jump = 0;
			err = tc.batch ? each_sa(d, c, takeover_one, &tc) : -ENOMEM;
			if (!err && tc.nids)
				err = xfrmctx_update(d->h, tc.batch, &io, &count);
		}
		if (err) {
			snprintf(why, whylen, "the module refused the take-over's update: %s",
				 xfrmctx_strerror(d->h, err));
			/* fail closed: above one message's worth of SAs a
			 * part may have been thawed: freeze it again */
			for (i = 0; i < tc.nids; i++)
				renew_one(d, &tc.ids[i]);
		} else {
			t->thawed_us = hd_wall_us();	/* before the jumps are logged */
		}
	}
	if (err) {
		t->sas = 0;
	} else {
		t->sas = (unsigned int)tc.nids;
		frozen_clear();
	}
	for (i = 0; !exact && i < tc.nids; i++) {
		const struct jump_note *jn = &tc.notes[i];

		hd_log("take-over: SA 0x%08x %s age_ms %llu pps out %.1f in %.1f jump out %llu in %llu",
		       jn->spi, jn->dir == 1 ? "out" : jn->dir == 0 ? "in" : "?",
		       (unsigned long long)jn->j.age_ms, jn->j.out_pps, jn->j.in_pps,
		       (unsigned long long)jn->out, (unsigned long long)jn->in);
	}
out:
	xc_rate_index_free(&tc.rates);
	xc_sa_map_free(&tc.dirs);
	xfrmctx_ctx_free(tc.batch);
	free(tc.notes);
	free(tc.ids);
	return err;
}

static int refreeze_one(struct hd *d, const struct xfrmctx_record *r,
			const struct xfrmctx_sa *sa, void *arg)
{
	struct xfrmctx_sa_id id;

	(void)r;
	xfrmctx_sa_get_id(sa, &id);
	if (local_exists(sa) && renew_one(d, &id))
		(*(unsigned int *)arg)++;
	else if (!frozen_has(&id))
		frozen_add(&id);
	return 0;
}

void hd_kernel_freeze_again(struct hd *d, const struct xfrmctx_ctx *c, char *why, size_t whylen)
{
	unsigned int failed = 0;

	each_sa(d, c, refreeze_one, &failed);
	if (failed)
		snprintf(why, whylen, "%u SAs could not be frozen again", failed);
}
