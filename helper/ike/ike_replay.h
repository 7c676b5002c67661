/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HA messages that rebuild recorded IKE_SAs on a standby charon, in the
 * order its dispatcher needs them. For each live IKE_SA, oldest first, and
 * for each IKE_SA of its keying chain (the predecessors whose SK_d keys one
 * of its CHILD_SAs, then the IKE_SA itself):
 *
 *   IKE_ADD     keys; a successor names its predecessor (IKE_REKEY_ID), so
 *               charon moves the CHILD_SAs over and destroys the old one;
 *               then one IKE_ADD per IKE_INTERMEDIATE key update (HA 4+)
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
 * be built. IKE_SAs that never came up (no config) are skipped and counted.
 * Messages of HA protocol version 3 (strongSwan 5.x). */
int xc_replay_build(const struct xc_store *s, xc_emit_fn emit, void *ctx,
		    struct xc_replay_stats *st, char *why, size_t whylen);

/*
 * The same in the HA protocol version the standby's charon speaks (3, 4 or
 * 5; ike_standby.h finds it). Any record goes to any version with the
 * attribute numbers of that version, except what the version cannot carry,
 * refused (-EINVAL, why names the IKE_SA or CHILD_SA) before any message of
 * that IKE_SA is emitted: additional key exchanges (RFC 9370) to version 3,
 * private conditions or extensions to versions 3 and 4. An IKE_SA keyed
 * with IKE_INTERMEDIATE exchanges gets its key updates right after its
 * IKE_ADD, as charon sent them.
 */
int xc_replay_build_v(const struct xc_store *s, uint8_t version, xc_emit_fn emit, void *ctx,
		      struct xc_replay_stats *st, char *why, size_t whylen);

/*
 * One live IKE_SA of s again, as xc_replay_build_v sends it, for a standby
 * whose charon did not take all of it the first time: with_add 0 leaves
 * out its IKE_ADD and key updates (for a charon that holds the IKE_SA: an
 * update or a CHILD_ADD failed), 1 sends everything.
 */
int xc_replay_ike_v(const struct xc_store *s, const struct xc_ike *live, uint8_t version,
		    int with_add, xc_emit_fn emit, void *ctx, struct xc_replay_stats *st,
		    char *why, size_t whylen);

#endif
