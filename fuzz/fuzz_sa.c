// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The SA-attribute decoder: the payload of an SA record (an XFRM_CTX_A_SA
 * nest). What it accepts must survive the library's own paths:
 * re-encoding decodes to the same snapshot, the jumps of an import apply
 * or refuse cleanly, and the module-less path's translation into an
 * XFRM_MSG_NEWSA builds and reads back with the same identity.
 *
 * The first 16 bytes of the input are the out- and in-jump; the rest is
 * the nest payload (4-byte aligned, as libFuzzer's buffer is).
 */
#include <string.h>

#include <linux/xfrm.h>
#include <netlink/msg.h>

#include "attr.h"
#include "fuzz.h"
#include "libxfrmctx.h"
#include "sa.h"
#include "xfrm_sa.h"

static struct xfrmctx_sa sa, again, back;

/* Decoded snapshots compare field by field through their re-encoding:
 * the structure has padding, and unused bytes of fixed arrays. */
static int same(const struct xfrmctx_sa *a, const struct xfrmctx_sa *b)
{
	struct xc_buf x, y;
	int eq;

	xc_buf_init(&x);
	xc_buf_init(&y);
	if (xc_sa_encode(a, &x) || xc_sa_encode(b, &y)) {
		xc_buf_free(&x);
		xc_buf_free(&y);
		return 0;
	}
	eq = x.len == y.len && !memcmp(x.data, y.data, x.len);
	xc_buf_free(&x);
	xc_buf_free(&y);
	return eq;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[XFRMCTX_ERRLEN];
	uint64_t out_jump, in_jump;
	struct xc_buf b;
	struct nl_msg *msg;

	if (size < 16)
		return 0;
	memcpy(&out_jump, data, 8);
	memcpy(&in_jump, data + 8, 8);
	data += 16;
	size -= 16;

	if (xfrmctx_sa_decode(data, size, &sa, err, sizeof(err))) {
		FUZZ_ASSERT(err[0]);
		return 0;
	}
	/* Property 1: encode(decode(x)) decodes to the same snapshot. */
	xc_buf_init(&b);
	if (!xc_sa_encode(&sa, &b)) {
		FUZZ_ASSERT(!xfrmctx_sa_decode(b.data, b.len, &again, err, sizeof(err)));
		FUZZ_ASSERT(same(&sa, &again));
	}
	xc_buf_free(&b);

	/* Property 2: the module-less import path keeps the SA's identity. */
	msg = nlmsg_alloc_simple(XFRM_MSG_NEWSA, 0);
	FUZZ_ASSERT(msg);
	if (!xc_sa_apply_jumps(&sa, out_jump, in_jump, err, sizeof(err)) &&
	    !xc_sa_to_xfrm(&sa, 1700000000, msg)) {
		if (!xc_sa_from_xfrm(nlmsg_hdr(msg), 1700000000, &back)) {
			FUZZ_ASSERT(back.family == sa.family && back.spi == sa.spi &&
				    back.proto == sa.proto &&
				    !memcmp(&back.daddr, &sa.daddr, xc_addr_len(sa.family)));
		}
	}
	nlmsg_free(msg);
	return 0;
}
