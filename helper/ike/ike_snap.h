/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One context container per snapshot of the recorder, holding both halves
 * of the tunnels it follows:
 *
 *   META          this host, now, module or XFRM netlink, "frozen" if every
 *                 SA was frozen when it was exported
 *   SA ...        the kernel's snapshot of the inbound and outbound SA of
 *                 every CHILD_SA of a live IKE_SA (libxfrmctx export by
 *                 destination, SPI and ESP; frozen first for a planned
 *                 hand-over); kernel-only: every SA of the selection
 *   POLICY ...    kernel-only: the selection's policies
 *   IKE_SA ...    the IKE half (ike_rec.h)
 *   IKE_RECORDER  serial, time, trigger, counts, why the kernel half failed
 *   SA_RATE ...   per SA: counters and time now and at the previous
 *                 snapshot, peaks (ike_rate.h)
 *
 * The kernel half must come from the kernel the IKE half's charon uses:
 * the recorder runs on the active node.
 */
#ifndef XC_IKE_SNAP_H
#define XC_IKE_SNAP_H

#include <stdint.h>

#include "libxfrmctx.h"
#include "ike_rate.h"
#include "ike_rec.h"
#include "ike_store.h"

struct xc_snap_opts {
	int freeze;		/* freeze the SAs first (XFRM_CTX_F_FREEZE) */
	uint32_t lease;		/* s, of the freeze; 0: the module's default */
	uint32_t window;	/* the IKE window written into IKE_SA records */
	uint64_t now_ms;	/* unix time of the snapshot */
	/* kernel-only tunnels (no IKE half): the SAs and policies this names
	 * (a reqid, or all), in one export, instead of s's CHILD_SAs */
	const struct xfrmctx_target *select;
	/* META and the SA records only: a hand-over, whose exact counters
	 * need no rates, and whose IKE half the standby has from the stream;
	 * every step less is inside the peer's gap */
	int bare;
};

/* Build the container into a fresh *out. h NULL: no kernel half (m's
 * kernel_error must say why). m's sas, missing and kernel_error are filled
 * in here. Fails only if the container cannot be built (-errno, why); a
 * kernel that cannot be read is recorded in the container instead. */
int xc_snap_build(struct xfrmctx *h, const struct xc_store *s, struct xc_rate_table *rt,
		  struct xc_recorder_info *m, const struct xc_snap_opts *o,
		  struct xfrmctx_ctx **out, char *why, size_t whylen);

#endif
