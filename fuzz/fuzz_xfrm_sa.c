// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The module-less path's decoder of XFRM netlink SA messages
 * (XFRM_MSG_NEWSA replies of a GETSA dump: struct xfrm_usersa_info and
 * XFRMA_* attributes). The input is one netlink message; its length field
 * is set to the input's size, as libnl guarantees it never exceeds what
 * was received. A decoded SA must encode into an SA record that the
 * record decoder accepts with the same identity. (This target found that
 * xc_sa_from_xfrm() let a replay window larger than its bitmap, or than
 * XFRMA_REPLAY_ESN_MAX allows, through into a record the reader refuses;
 * the decoder refuses it now.)
 */
#include <string.h>

#include <linux/netlink.h>
#include <linux/xfrm_ctx.h>

#include "attr.h"
#include "fuzz.h"
#include "libxfrmctx.h"
#include "sa.h"
#include "xfrm_sa.h"

static struct xfrmctx_sa sa, back;
static uint8_t msg[1 << 16] __attribute__((aligned(8)));

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)msg;
	char err[XFRMCTX_ERRLEN];
	struct xc_buf b;

	if (size < sizeof(*nlh) || size > sizeof(msg))
		return 0;
	memcpy(msg, data, size);
	nlh->nlmsg_len = size;
	if (xc_sa_from_xfrm(nlh, 1700000000, &sa))
		return 0;
	xc_buf_init(&b);
	if (!xc_sa_encode(&sa, &b)) {
		FUZZ_ASSERT(!xfrmctx_sa_decode(b.data, b.len, &back, err, sizeof(err)));
		FUZZ_ASSERT(back.spi == sa.spi && back.family == sa.family && back.proto == sa.proto);
	}
	xc_buf_free(&b);
	return 0;
}
