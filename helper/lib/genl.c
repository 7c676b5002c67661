// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Generic netlink plumbing: the socket, family resolution, and requests whose
 * refusals come back with the kernel's extack message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "genl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int xfrmctx_open(struct xfrmctx **hp)
{
	struct xfrmctx *h;
	int one = 1;
	int err;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->sk = nl_socket_alloc();
	if (!h->sk) {
		free(h);
		return -ENOMEM;
	}
	err = genl_connect(h->sk);
	if (err < 0) {
		err = -nl_syserr2nlerr(err);
		goto fail;
	}
	/* Ask for extack messages, and do not have our request echoed back. */
	setsockopt(nl_socket_get_fd(h->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(h->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));

	h->family = genl_ctrl_resolve(h->sk, XFRM_CTX_FAMILY_NAME);
	if (h->family < 0) {
		err = -ENOENT;
		snprintf(h->errmsg, sizeof(h->errmsg),
			 "generic netlink family %s not found (is the xfrm_ctx module loaded?)",
			 XFRM_CTX_FAMILY_NAME);
		goto fail;
	}
	*hp = h;
	return 0;
fail:
	nl_socket_free(h->sk);
	free(h);
	return err;
}

void xfrmctx_close(struct xfrmctx *h)
{
	if (!h)
		return;
	nl_socket_free(h->sk);
	free(h);
}

const char *xfrmctx_strerror(const struct xfrmctx *h, int err)
{
	if (h && h->errmsg[0])
		return h->errmsg;
	return strerror(err < 0 ? -err : err);
}

struct nl_msg *xc_msg_new(struct xfrmctx *h, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, h->family, 0, flags, cmd,
			 XFRM_CTX_FAMILY_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* Pull NLMSGERR_ATTR_MSG out of an error ack (the request is capped). */
static int xc_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct xc_req *req = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)e - 1;
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	int ack_len = sizeof(*nlh) + sizeof(*e);

	(void)nla;
	req->err = e->error ? e->error : -EINVAL;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		ack_len += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if ((int)nlh->nlmsg_len <= ack_len)
		return NL_STOP;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)nlh + ack_len),
		      nlh->nlmsg_len - ack_len, NULL) < 0)
		return NL_STOP;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(req->h->errmsg, sizeof(req->h->errmsg), "%s",
			 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	return NL_STOP;
}

static int xc_ack_cb(struct nl_msg *msg, void *arg)
{
	struct xc_req *req = arg;

	(void)msg;
	req->done = 1;
	return NL_STOP;
}

static int xc_finish_cb(struct nl_msg *msg, void *arg)
{
	struct xc_req *req = arg;

	(void)msg;
	req->done = 1;
	return NL_STOP;
}

static int xc_valid_cb(struct nl_msg *msg, void *arg)
{
	struct xc_req *req = arg;
	int err;

	if (!req->parse)
		return NL_OK;
	err = req->parse(msg, req->arg);
	if (err < 0) {
		req->err = err;
		return NL_STOP;
	}
	return NL_OK;
}

int xc_request(struct xfrmctx *h, struct nl_msg *msg,
	       int (*parse)(struct nl_msg *, void *), void *arg)
{
	struct xc_req req = { .h = h, .parse = parse, .arg = arg };
	struct nl_cb *cb;
	int err;

	h->errmsg[0] = '\0';
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, xc_err_cb, &req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, xc_ack_cb, &req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, xc_finish_cb, &req);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, xc_valid_cb, &req);

	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	err = nl_send_auto(h->sk, msg);
	nlmsg_free(msg);
	if (err < 0) {
		nl_cb_put(cb);
		return -nl_syserr2nlerr(err);
	}
	while (!req.done && !req.err) {
		err = nl_recvmsgs(h->sk, cb);
		if (err < 0 && !req.err)
			req.err = -EIO;
	}
	nl_cb_put(cb);
	return req.err;
}
