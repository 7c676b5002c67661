/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal: netlink plumbing shared by the library's commands. */
#ifndef XC_GENL_H
#define XC_GENL_H

#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <linux/xfrm_ctx.h>
#include "libxfrmctx.h"

struct xfrmctx {
	struct nl_sock *sk;	/* generic netlink, the xfrm_ctx family; NULL without it */
	int family;		/* its id, or -1 */
	struct nl_sock *xsk;	/* NETLINK_XFRM, opened on first use */
	struct nl_sock *msk;	/* events subscription, opened by monitor_start */
	unsigned int flags;	/* XFRMCTX_OPEN_* */
	char errmsg[XFRMCTX_ERRLEN];	/* extack or library message of the last error */
};

struct xc_req {
	struct xfrmctx *h;
	int (*parse)(struct nl_msg *msg, void *arg);
	void *arg;
	int err;
	int done;
	int one_reply;	/* a doit: its reply ends it, no ack is asked for */
	uint32_t seq;	/* the request's; answers carry it */
};

/* A new request for cmd; flags are NLM_F_* (NLM_F_DUMP for dumps). */
struct nl_msg *xc_msg_new(struct xfrmctx *h, uint8_t cmd, int flags);
/* The same with room for size bytes (libnl messages do not grow). */
struct nl_msg *xc_msg_new_size(struct xfrmctx *h, uint8_t cmd, int flags, size_t size);
/* Largest request the library builds; bigger imports are split. */
#define XC_MAX_REQUEST (192 * 1024)

/* Send msg (consumed) on the family's socket, call parse for every reply;
 * a doit ends with its one reply, a dump with NLMSG_DONE. */
int xc_request(struct xfrmctx *h, struct nl_msg *msg,
	       int (*parse)(struct nl_msg *msg, void *arg), void *arg);

/* The same on the XFRM netlink socket (opened on first use). */
int xc_xfrm_request(struct xfrmctx *h, struct nl_msg *msg,
		    int (*parse)(struct nl_msg *msg, void *arg), void *arg);

/* Set h->errmsg (printf-style) and return err. */
int xc_fail(struct xfrmctx *h, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* -EOPNOTSUPP with a message when the handle has no module. */
int xc_need_module(struct xfrmctx *h, const char *what);

/* Put an SA id nest (attribute type attr) into msg. */
int xc_put_sa_id(struct nl_msg *msg, int attr, const struct xfrmctx_sa_id *id);
/* Decode an SA id nest. */
int xc_get_sa_id(const struct nlattr *nest, struct xfrmctx_sa_id *id);
/* Decode a FROZEN nest (list-frozen replies and events). */
int xc_get_frozen(const struct nlattr *nest, struct xfrmctx_frozen *f);
/* Does a decoded SA match the target (module-less filtering)? */
int xc_sa_matches(const struct xfrmctx_sa *sa, const struct xfrmctx_target *t);
/* Append a META record unless the context has one. */
int xc_ctx_meta_once(struct xfrmctx_ctx *c, uint8_t source, int frozen);

/* Put the target: SA_ID nest and/or REQID. */
int xc_put_target(struct nl_msg *msg, const struct xfrmctx_target *t);
/* How many SA ids t names (0 for a reqid or everything). */
size_t xc_target_ids(const struct xfrmctx_target *t);

#endif
