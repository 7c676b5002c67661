/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal: SA nests from decoded SAs, and the counter jumps. */
#ifndef XC_SA_H
#define XC_SA_H

#include <time.h>

#include "attr.h"
#include "libxfrmctx.h"

#define XC_SA_SET(sa, attr) ((sa)->present |= 1ULL << (attr))

/* The payload of an XFRM_CTX_A_SA nest for every attribute present. */
int xc_sa_encode(const struct xfrmctx_sa *sa, struct xc_buf *b);

/* The same, with the curlft nest's "time": when its ages were measured
 * (seconds since the epoch), 0 for none. */
int xc_sa_encode_at(const struct xfrmctx_sa *sa, uint64_t measured, struct xc_buf *b);

/* lifetime.c: the seconds between a record's "time" and now (0 without one,
 * or with a clock behind the exporter's); sa's ages grown by since, and
 * -EKEYEXPIRED (message in err) if a hard limit has passed. */
uint64_t xc_sa_since(const void *data, size_t len, time_t now);
int xc_sa_lifetime(struct xfrmctx_sa *sa, uint64_t since, char *err, size_t errlen);

/* Address length of a family: 4, 16, or 0 if unknown. */
size_t xc_addr_len(uint16_t family);

/* Apply import jumps as the module does: the outbound counter moves ahead
 * by out_jump; the inbound window's top moves ahead by in_jump and every
 * number below it counts as seen. -ERANGE (message in err) if a 32-bit
 * counter would wrap. */
int xc_sa_apply_jumps(struct xfrmctx_sa *sa, uint64_t out_jump, uint64_t in_jump,
		      char *err, size_t errlen);

#endif
