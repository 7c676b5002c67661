/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The IKE half in the context container (ike_record.h,
 * Documentation/context-file.rst): the recorder's store into IKE_SA
 * records and back, and the recorder's own record. Decoding refuses
 * anything malformed, and records that do not hang together (a CHILD_SA
 * whose keying IKE_SA is missing, an IKE_SA recorded twice), naming the
 * record's offset in the file and the reason.
 */
#ifndef XC_IKE_REC_H
#define XC_IKE_REC_H

#include <stddef.h>
#include <stdint.h>

#include "libxfrmctx.h"
#include "ike_nla.h"
#include "ike_record.h"
#include "ike_store.h"

/* Append one XFRMCTX_REC_IKE_SA record per IKE_SA of s, oldest first (a
 * keying predecessor before its successor), each with the IKE window. A
 * live IKE_SA carries the CHILD_SAs that belong to it now. 0 or -errno
 * (why). */
int xc_ike_ctx_put(struct xfrmctx_ctx *c, const struct xc_store *s, uint32_t window,
		   char *why, size_t whylen);

/* Decode every IKE_SA record of c into s (initialised here; xc_store_free
 * it, also after an error). 0, or -EINVAL with why. A container without
 * IKE_SA records gives an empty store. */
int xc_ike_ctx_get(const struct xfrmctx_ctx *c, struct xc_store *s, char *why, size_t whylen);

/* XFRMCTX_REC_IKE_RECORDER */
struct xc_recorder_info {
	uint8_t present;	/* xc_recorder_get found the record */
	uint64_t serial;
	uint64_t written_ms;	/* unix time, ms */
	char source[64];	/* "addr:port" of the charon */
	uint64_t accepted, dropped;
	uint8_t trigger;	/* enum xc_trigger */
	uint32_t sas, missing;
	char kernel_error[160];	/* empty: the kernel snapshot was taken */
	uint64_t frozen_until_ms;	/* 0: the recorder froze nothing */
};

int xc_recorder_put(struct xfrmctx_ctx *c, const struct xc_recorder_info *m);
/* The first recorder record of c; m->present 0 if there is none. */
int xc_recorder_get(const struct xfrmctx_ctx *c, struct xc_recorder_info *m,
		    char *why, size_t whylen);
const char *xc_trigger_name(uint8_t trigger);

#endif
