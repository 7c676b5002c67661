/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Packet rates for the jump of a take-over after a crash.
 *
 * The recorder notes every SA's 64-bit counters at each snapshot and
 * writes, next to the SA record, an XFRMCTX_REC_SA_RATE record with the
 * counters and time of this snapshot and of the previous one, and the
 * highest rate of the last XC_RATE_HISTORY intervals (ike_record.h).
 *
 * The standby that takes over after a crash holds that snapshot; the dead
 * node may have sent and accepted packets after it. It sizes the jumps:
 *
 *   age      = now - snapshot time (wall clocks, ms)
 *   out_pps  = max(outbound rate of the last interval, outbound peak)
 *   out_jump = max(floor, ceil(out_pps * age * factor))
 *   in_pps   = 0 if the last interval saw no inbound packet (or is not
 *              known); else the lower of the last interval's rate and
 *              the rate since the base sample, at least
 *              XC_RATE_LONG_INTERVAL earlier (when there is one). A
 *              snapshot that follows the last one by less than
 *              XC_RATE_MIN_INTERVAL is measured from the one before
 *   in_jump  = max(0, ceil(in_pps * age * in_factor) - window)
 *
 * out_jump puts the standby's sequence numbers above all the dead node
 * used (a number sent twice is a replay drop at the peer and, with an
 * AEAD, a nonce used twice). factor (2) covers a burst above the peak and
 * clock skew; floor (1024) an idle SA that started sending right after the
 * snapshot, or one whose rate is not known yet. in_jump moves the inbound
 * replay window past what the dead node accepted after the snapshot, so
 * that none of it can be replayed to the standby; the peer's own counter
 * moved on just as far; in_factor (0.75 by default) keeps the estimate on
 * the low side, where an error costs no packet (below). An SA that was frozen when it was
 * exported needs no jump: its counters are exact (a planned hand-over).
 *
 * The inbound jump stops one replay window (the SA's own) short of the
 * estimate. An estimate that overshoots drops the peer's packets below the
 * new top, each one a lost packet (at 2 000/s and an age of 150 ms, a rate
 * 10 % high is 30 packets, 15 ms of the tunnel); one that falls short
 * drops nothing. What falling short leaves open is bounded by the window:
 * the peer's first packet to the standby moves the window's top past
 * everything the dead node accepted, and of those only the ones inside the
 * window behind it, not seen by the standby, could be replayed, once. Until
 * that packet arrives (a quiet peer), the open span is the window plus the
 * estimate's shortfall, where a jump of 0 would leave everything the dead
 * node accepted since the snapshot.
 *
 * Both jumps are xc_jump_compute() (channel_jump.c), the one formula of
 * every take-over. The inbound rate is the current one, never the peak: a
 * tunnel that went idle must not lose the peer's next packets to a window
 * moved past them. The current rate is smoothed over a second because an
 * interval of 200 ms reads a sender's burst (or its catching up after a
 * stall) as its rate: a bursty 2 000/s read 1 700-3 100/s, and every
 * packet/s too many, times the age, is one of the peer's packets dropped
 * below the moved window. The lower of the two errs to the small side on
 * purpose: a jump short of the peer's counter drops nothing, and what it
 * leaves open is bounded by the replay window (the peer's first packet to
 * the standby moves the window's top past everything the dead node
 * accepted; only the packets inside the window behind it, not seen by the
 * standby, could be replayed once).
 */
#ifndef XC_IKE_RATE_H
#define XC_IKE_RATE_H

#include <stddef.h>
#include <stdint.h>

#include "channel.h"
#include "ike_samap.h"
#include "libxfrmctx.h"

#define XC_RATE_HISTORY		8	/* intervals the peaks cover */
#define XC_RATE_MIN_INTERVAL	200	/* ms: a shorter one gives no rate */
#define XC_RATE_LONG_INTERVAL	1000	/* ms: what the inbound rate is smoothed over */

/* An XFRMCTX_REC_SA_RATE record. */
struct xc_rate {
	uint16_t family;	/* AF_INET, AF_INET6 */
	uint8_t daddr[16];
	uint32_t spi;		/* host order */
	uint8_t proto;
	uint64_t time_ms, oseq, seq;
	uint8_t has_prev;
	uint64_t prev_time_ms, prev_oseq, prev_seq;
	uint64_t peak_out, peak_in;	/* packets/s, rounded up */
	uint8_t intervals;
	uint8_t has_base;	/* a sample XC_RATE_LONG_INTERVAL or more before */
	uint64_t base_time_ms, base_oseq, base_seq;
};

int xc_rate_put(struct xfrmctx_ctx *c, const struct xc_rate *r);
/* -EINVAL with why for a malformed record. */
int xc_rate_decode(const void *data, size_t len, struct xc_rate *r, char *why, size_t whylen);
/* The rate record of (family, daddr, spi, proto) in c: 1 found, 0 none,
 * -EINVAL (why) if a rate record is malformed. */
int xc_rate_find(const struct xfrmctx_ctx *c, uint16_t family, const void *daddr,
		 uint32_t spi, uint8_t proto, struct xc_rate *r, char *why, size_t whylen);

/* Every rate record of a snapshot, looked up by SA in constant time (a
 * take-over asks once per SA; xc_rate_find() walks the whole snapshot). */
struct xc_rate_index {
	struct xc_sa_map map;
	struct xc_rate *r;
	size_t n;
};

/* 0, -ENOMEM, or -EINVAL (why) if a rate record is malformed. */
int xc_rate_index_build(const struct xfrmctx_ctx *c, struct xc_rate_index *ix, char *why,
			size_t whylen);
/* NULL if the snapshot has no rate record for the SA. */
const struct xc_rate *xc_rate_index_get(const struct xc_rate_index *ix, uint16_t family,
					const void *daddr, uint32_t spi, uint8_t proto);
void xc_rate_index_free(struct xc_rate_index *ix);

/* The recorder's memory of every SA it exported. */
struct xc_rate_track;
struct xc_rate_table {
	struct xc_rate_track *head;
	struct xc_sa_map by_sa;		/* the same tracks, by SA */
};

void xc_rate_table_init(struct xc_rate_table *t);
void xc_rate_table_free(struct xc_rate_table *t);
/* Note one SA's counters at now_ms and fill r (this snapshot, the previous
 * one, the peaks). -ENOMEM. */
int xc_rate_note(struct xc_rate_table *t, uint16_t family, const void *daddr, uint32_t spi,
		 uint8_t proto, uint64_t now_ms, uint64_t oseq, uint64_t seq, struct xc_rate *r);
/* Forget the SAs that were not noted since the previous sweep. */
void xc_rate_sweep(struct xc_rate_table *t);

/* The jump of one SA: struct xc_jump_params and the formula itself,
 * xc_jump_compute(), are channel.h's, shared with the kernel-only
 * take-over. A recorder snapshots once a second: its floor is larger than
 * the sync loop's threshold. */
#define XC_IKE_JUMP_FLOOR	1024

struct xc_jump {
	uint64_t age_ms;		/* now - snapshot time, 0 if the clock is behind */
	double last_out_pps, last_in_pps;	/* the last interval; -1: unknown */
	double long_in_pps;		/* since the base sample; -1: unknown */
	double out_pps, in_pps;		/* what the jumps use */
	uint8_t rate_known;		/* a previous snapshot or a peak was there */
	uint64_t out, in;
};

/* The jumps for an SA whose snapshot rate record is r (NULL: none), seen
 * at now_ms (unix time). */
void xc_jump_size(const struct xc_rate *r, uint64_t now_ms, const struct xc_jump_params *p,
		  struct xc_jump *j);

#endif
