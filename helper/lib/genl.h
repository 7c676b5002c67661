/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal: generic netlink plumbing shared by the library's commands. */
#ifndef XC_GENL_H
#define XC_GENL_H

#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <linux/xfrm_ctx.h>
#include "libxfrmctx.h"

struct xfrmctx {
	struct nl_sock *sk;
	int family;
	char errmsg[256];	/* extack message of the last refusal */
};

struct xc_req {
	struct xfrmctx *h;
	int (*parse)(struct nl_msg *msg, void *arg);
	void *arg;
	int err;
	int done;
};

/* A new request for cmd; flags are NLM_F_* (NLM_F_DUMP for dumps). */
struct nl_msg *xc_msg_new(struct xfrmctx *h, uint8_t cmd, int flags);

/* Send msg (consumed), call parse for every reply, wait for the ack. */
int xc_request(struct xfrmctx *h, struct nl_msg *msg,
	       int (*parse)(struct nl_msg *msg, void *arg), void *arg);

#endif
