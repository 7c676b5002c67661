// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Netlink plumbing: the sockets (generic netlink for the module, XFRM
 * netlink for policies and the module-less path), family resolution, and
 * requests whose refusals come back with the kernel's extack message.
 */
#include <errno.h>
#include <stdarg.h>
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

/* Import requests carry many SAs; let them be big (capped by wmem_max). */
#define XC_SOCK_BUF (1 << 20)
/*
 * One read holds any message either kernel side sends us: dump messages
 * are capped at 32 KiB by the kernel, the module's export reply by itself
 * (cmd_export.c), XFRM's answers to requests are a few hundred bytes. So
 * libnl reads each message once instead of peeking at it first: one
 * system call per message, on the hand-over's critical path.
 */
#define XC_RECV_BUF (64 << 10)

static void sock_tune(struct nl_sock *sk)
{
	int one = 1;

	/* Ask for extack messages, and do not have our request echoed back. */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_set_buffer_size(sk, XC_SOCK_BUF, XC_SOCK_BUF);
	nl_socket_disable_msg_peek(sk);
	nl_socket_set_msg_buf_size(sk, XC_RECV_BUF);
}

static int open_xfrm(struct xfrmctx *h);

int xc_fail(struct xfrmctx *h, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->errmsg, sizeof(h->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

int xc_need_module(struct xfrmctx *h, const char *what)
{
	if (h->sk)
		return 0;
	return xc_fail(h, -EOPNOTSUPP, "%s needs the xfrm_ctx module (generic netlink family %s not found)",
		       what, XFRM_CTX_FAMILY_NAME);
}

int xfrmctx_open_flags(struct xfrmctx **hp, unsigned int flags)
{
	struct xfrmctx *h;
	int err;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->flags = flags;
	h->family = -1;
	/* Without XFRM netlink (no xfrm_user) policies and the module-less
	 * path fail later with the reason kept in errmsg. */
	open_xfrm(h);
	if (flags & XFRMCTX_OPEN_NO_MODULE) {
		*hp = h;
		return 0;
	}
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
	sock_tune(h->sk);
	h->family = genl_ctrl_resolve(h->sk, XFRM_CTX_FAMILY_NAME);
	if (h->family < 0) {
		nl_socket_free(h->sk);
		h->sk = NULL;
		if (flags & XFRMCTX_OPEN_FALLBACK) {
			*hp = h;
			return 0;
		}
		xfrmctx_close(h);
		return -ENOENT;
	}
	*hp = h;
	return 0;
fail:
	nl_socket_free(h->sk);
	h->sk = NULL;
	xfrmctx_close(h);
	return err;
}

int xfrmctx_open(struct xfrmctx **hp)
{
	return xfrmctx_open_flags(hp, 0);
}

int xfrmctx_has_module(const struct xfrmctx *h)
{
	return h->sk != NULL;
}

void xfrmctx_close(struct xfrmctx *h)
{
	if (!h)
		return;
	if (h->sk)
		nl_socket_free(h->sk);
	if (h->xsk)
		nl_socket_free(h->xsk);
	if (h->msk)
		nl_socket_free(h->msk);
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
	return xc_msg_new_size(h, cmd, flags, 4096);
}

struct nl_msg *xc_msg_new_size(struct xfrmctx *h, uint8_t cmd, int flags, size_t size)
{
	struct nl_msg *msg = nlmsg_alloc_size(size);

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, h->family, 0, flags, cmd,
			 XFRM_CTX_FAMILY_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* The extack message of an error ack or of a dump's NLMSG_DONE. */
static void read_extack(struct xc_req *req, struct nlmsghdr *nlh, int ack_len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || (int)nlh->nlmsg_len <= ack_len)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)nlh + ack_len),
		      nlh->nlmsg_len - ack_len, NULL) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(req->h->errmsg, sizeof(req->h->errmsg), "%s",
			 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
}

/* An error ack ends a request, and a dump that could not start. */
static int xc_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct xc_req *req = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)e - 1;
	int ack_len = sizeof(*nlh) + sizeof(*e);

	(void)nla;
	req->done = 1;
	if (!e->error)
		return NL_STOP;
	req->err = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		ack_len += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	read_extack(req, nlh, ack_len);
	return NL_STOP;
}

static int xc_ack_cb(struct nl_msg *msg, void *arg)
{
	struct xc_req *req = arg;

	(void)msg;
	req->done = 1;
	return NL_STOP;
}

/* NLMSG_DONE: a dump that failed midway carries its error here. */
static int xc_finish_cb(struct nl_msg *msg, void *arg)
{
	struct xc_req *req = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int e;

	req->done = 1;
	if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
		memcpy(&e, nlmsg_data(nlh), sizeof(e));
		if (e < 0 && !req->err) {
			req->err = e;
			read_extack(req, nlh, NLMSG_LENGTH(sizeof(int)));
		}
	}
	return NL_STOP;
}

static int xc_valid_cb(struct nl_msg *msg, void *arg)
{
	struct xc_req *req = arg;
	int err;

	/* the one reply a module's doit answers with */
	if (req->one_reply && !(nlmsg_hdr(msg)->nlmsg_flags & NLM_F_MULTI))
		req->done = 1;
	if (!req->parse || req->err)
		return NL_OK;
	err = req->parse(msg, req->arg);
	if (err < 0)
		req->err = err;	/* keep reading to the end of the dump */
	return NL_OK;
}

/*
 * Only answers to this request count. libnl's own check expects the
 * sequence numbers to advance on acks and NLMSG_DONE only, which a doit
 * answered by its reply alone never sends; and an answer left over from a
 * request given up on (a signal, an error) must not be taken for this one's.
 */
static int xc_seq_cb(struct nl_msg *msg, void *arg)
{
	struct xc_req *req = arg;

	return nlmsg_hdr(msg)->nlmsg_seq == req->seq ? NL_OK : NL_SKIP;
}

/*
 * One request and everything it is answered with. one_reply: the kernel
 * answers success with exactly one message (every doit of the module does;
 * refusals come as an error ack), so no ack is asked for: a read less.
 */
static int request_on(struct xfrmctx *h, struct nl_sock *sk, struct nl_msg *msg,
		      int (*parse)(struct nl_msg *, void *), void *arg, int one_reply)
{
	struct xc_req req = { .h = h, .parse = parse, .arg = arg, .one_reply = one_reply };
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
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, xc_seq_cb, &req);

	if (!one_reply)
		nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	err = nl_send_auto(sk, msg);
	req.seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	if (err < 0) {
		nl_cb_put(cb);
		return err == -NLE_MSGSIZE ? xc_fail(h, -EMSGSIZE, "request too large for one netlink message")
					   : -EIO;
	}
	/* A request ends with its reply or ack, a dump with NLMSG_DONE (or
	 * an error ack if it could not start). */
	while (!req.done) {
		err = nl_recvmsgs(sk, cb);
		if (err < 0 && !req.done) {
			if (!req.err)
				req.err = -EIO;
			break;
		}
	}
	nl_cb_put(cb);
	return req.err;
}

int xc_request(struct xfrmctx *h, struct nl_msg *msg,
	       int (*parse)(struct nl_msg *msg, void *arg), void *arg)
{
	if (!h->sk) {
		nlmsg_free(msg);
		return xc_need_module(h, "this command");
	}
	return request_on(h, h->sk, msg, parse, arg,
			  !(nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP));
}

/* The XFRM netlink socket. Opened with the handle, so that both sockets
 * belong to the network namespace the handle was opened in. */
static int open_xfrm(struct xfrmctx *h)
{
	int err;

	h->xsk = nl_socket_alloc();
	if (!h->xsk)
		return -ENOMEM;
	err = nl_connect(h->xsk, NETLINK_XFRM);
	if (err < 0) {
		nl_socket_free(h->xsk);
		h->xsk = NULL;
		return xc_fail(h, -EPROTONOSUPPORT, "cannot open XFRM netlink: %s", nl_geterror(err));
	}
	sock_tune(h->xsk);
	return 0;
}

int xc_xfrm_request(struct xfrmctx *h, struct nl_msg *msg,
		    int (*parse)(struct nl_msg *msg, void *arg), void *arg)
{
	if (!h->xsk) {
		nlmsg_free(msg);
		return xc_fail(h, -ENOTCONN, "no XFRM netlink socket: %s", h->errmsg);
	}
	return request_on(h, h->xsk, msg, parse, arg, 0);
}
