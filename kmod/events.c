// SPDX-License-Identifier: GPL-2.0
/*
 * The "events" multicast group: one message per SA that was frozen, thawed,
 * imported, updated, released, or lost its lease, so that an HA daemon (or
 * `xfrmctx monitor`) sees every change of the namespace's frozen set.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <net/genetlink.h>

#include "netlink-gen.h"
#include "xfrm_ctx.h"

void xc_event(struct xc_net *xn, u32 event, const struct xfrm_state *x,
	      const struct xc_frozen *f)
{
	struct sk_buff *skb;
	void *hdr;

	if (xn->closing && event != XFRM_CTX_EV_UNLOADED &&
	    event != XFRM_CTX_EV_UNLOAD_DELETED)
		return;
	if (!genl_has_listeners(&xc_genl_family, xn->net, XFRM_CTX_NLGRP_EVENTS))
		return;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &xc_genl_family, 0, XFRM_CTX_CMD_EVENT);
	if (!hdr)
		goto fail;
	if (nla_put_u32(skb, XFRM_CTX_A_EVENT, event) ||
	    xc_frozen_put(skb, xn, x, f))
		goto fail;
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&xc_genl_family, xn->net, skb, 0,
				XFRM_CTX_NLGRP_EVENTS, GFP_KERNEL);
	return;
fail:
	nlmsg_free(skb);
}
