/* SPDX-License-Identifier: GPL-2.0 */
/* The SAs a request names (see targets.c). */
#ifndef _XFRM_CTX_TARGETS_H
#define _XFRM_CTX_TARGETS_H

#include "xfrm_ctx.h"

struct xc_targets {
	struct xfrm_state	**x;	/* each with a reference */
	unsigned int		n, cap;
};

int xc_targets_get(struct net *net, struct genl_info *info, struct xc_targets *t);
int xc_targets_collect(struct net *net, struct xc_targets *t,
		       bool (*match)(const struct xfrm_state *x, const void *arg),
		       const void *arg);
void xc_targets_put(struct xc_targets *t);

/* Helpers of the command handlers (cmd_freeze.c). */
int xc_flags_get(struct nlattr **attrs, u32 allowed, const char *cmd, u32 *flags,
		 struct netlink_ext_ack *extack);
int xc_check_flags(struct genl_info *info, u32 allowed, u32 *flags);
unsigned int xc_lease(struct nlattr **attrs);
int xc_freeze_targets(struct xc_net *xn, struct xc_targets *t, unsigned int lease,
		      bool renew, struct netlink_ext_ack *extack);
int xc_reply_count(struct genl_info *info, u8 cmd, u32 count);
/* err, with "out of memory" said for an -ENOMEM nothing explained */
int xc_said(struct genl_info *info, int err);

#endif
