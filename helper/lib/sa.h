/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal: SA nests from decoded SAs, and the counter jumps. */
#ifndef XC_SA_H
#define XC_SA_H

#include "attr.h"
#include "libxfrmctx.h"

#define XC_SA_SET(sa, attr) ((sa)->present |= 1ULL << (attr))

/* The payload of an XFRM_CTX_A_SA nest for every attribute present. */
int xc_sa_encode(const struct xfrmctx_sa *sa, struct xc_buf *b);

/* Address length of a family: 4, 16, or 0 if unknown. */
size_t xc_addr_len(uint16_t family);

/* Apply import jumps as the module does: the outbound counter moves ahead
 * by out_jump; the inbound window's top moves ahead by in_jump and every
 * number below it counts as seen. -ERANGE (message in err) if a 32-bit
 * counter would wrap. */
int xc_sa_apply_jumps(struct xfrmctx_sa *sa, uint64_t out_jump, uint64_t in_jump,
		      char *err, size_t errlen);

#endif
