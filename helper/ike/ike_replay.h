/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HA messages that rebuild recorded IKE_SAs on a standby charon, in the
 * order its dispatcher needs them. For each live IKE_SA, oldest first, and
 * for each IKE_SA of its keying chain (the predecessors whose SK_d keys one
 * of its CHILD_SAs, then the IKE_SA itself):
 *
 *   IKE_ADD     keys; a successor names its predecessor (IKE_REKEY_ID), so
 *               charon moves the CHILD_SAs over and destroys the old one
 *   IKE_UPDATE  identities, addresses, config, conditions, extensions,
 *               virtual IPs: the IKE_SA becomes PASSIVE
 *   CHILD_ADD   each CHILD_SA keyed by this IKE_SA: charon derives its keys
 *               and installs its SAs and policies in the kernel
 *
 * and last the message IDs of the live IKE_SA (IKE_MID_INITIATOR/RESPONDER).
 */
#ifndef XC_IKE_REPLAY_H
#define XC_IKE_REPLAY_H

#include <stddef.h>

#include "ha_wire.h"
#include "ike_store.h"

/* Called for every message in order; a non-zero return stops the build. */
typedef int (*xc_emit_fn)(void *ctx, const struct xc_ha_buf *msg, const char *what);

struct xc_replay_stats {
	unsigned int ike_sas, keying, children, messages, skipped;
};

/* 0, the emitter's non-zero return, or -EINVAL (why) when a message cannot
 * be built. IKE_SAs that never came up (no config) are skipped and counted. */
int xc_replay_build(const struct xc_store *s, xc_emit_fn emit, void *ctx,
		    struct xc_replay_stats *st, char *why, size_t whylen);

#endif
