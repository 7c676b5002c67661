// SPDX-License-Identifier: LGPL-2.1-or-later
/* The module's "events" multicast group, on a socket of its own. */
#include <errno.h>
#include <string.h>

#include <netlink/genl/ctrl.h>

#include "genl.h"
#include "nla.h"

int xfrmctx_monitor_start(struct xfrmctx *h)
{
	int grp, err;

	h->errmsg[0] = '\0';
	err = xc_need_module(h, "monitor");
	if (err)
		return err;
	if (h->msk)
		return 0;
	h->msk = nl_socket_alloc();
	if (!h->msk)
		return -ENOMEM;
	err = genl_connect(h->msk);
	if (err < 0)
		goto fail;
	grp = genl_ctrl_resolve_grp(h->msk, XFRM_CTX_FAMILY_NAME, "events");
	if (grp < 0) {
		err = grp;
		goto fail;
	}
	err = nl_socket_add_membership(h->msk, grp);
	if (err < 0)
		goto fail;
	nl_socket_set_buffer_size(h->msk, 1 << 20, 0);
	return 0;
fail:
	nl_socket_free(h->msk);
	h->msk = NULL;
	return xc_fail(h, -EIO, "cannot subscribe to the events of %s: %s",
		       XFRM_CTX_FAMILY_NAME, nl_geterror(err));
}

int xfrmctx_monitor_fd(const struct xfrmctx *h)
{
	return h->msk ? nl_socket_get_fd(h->msk) : -1;
}

struct ev_state {
	int (*cb)(uint32_t event, const struct xfrmctx_frozen *f, void *arg);
	void *arg;
	int ret;
};

static int parse_event(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *g = nlmsg_data(nlh);
	const struct nlattr *tb[XFRM_CTX_A_MAX + 1];
	struct ev_state *s = arg;
	struct xfrmctx_frozen f;
	uint32_t ev;

	if (g->cmd != XFRM_CTX_CMD_EVENT ||
	    xc_parse(tb, XFRM_CTX_A_MAX, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0)) ||
	    !tb[XFRM_CTX_A_EVENT] || xc_get_u32(tb[XFRM_CTX_A_EVENT], &ev))
		return NL_SKIP;
	memset(&f, 0, sizeof(f));
	if (tb[XFRM_CTX_A_FROZEN] && xc_get_frozen(tb[XFRM_CTX_A_FROZEN], &f))
		return NL_SKIP;
	s->ret = s->cb(ev, &f, s->arg);
	return s->ret ? NL_STOP : NL_OK;
}

/* Events are not answers to a request: no sequence numbers to check. */
static int no_seq_check(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

int xfrmctx_monitor_read(struct xfrmctx *h,
			 int (*cb)(uint32_t event, const struct xfrmctx_frozen *f, void *arg),
			 void *arg)
{
	struct ev_state s = { .cb = cb, .arg = arg };
	struct nl_cb *ncb;
	int err;

	if (!h->msk)
		return xc_fail(h, -EINVAL, "monitor_read before monitor_start");
	ncb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!ncb)
		return -ENOMEM;
	nl_cb_set(ncb, NL_CB_VALID, NL_CB_CUSTOM, parse_event, &s);
	nl_cb_set(ncb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, no_seq_check, NULL);
	err = nl_recvmsgs(h->msk, ncb);
	nl_cb_put(ncb);
	if (s.ret)
		return s.ret;
	if (err < 0)
		return xc_fail(h, -EIO, "reading events: %s", nl_geterror(err));
	return 0;
}
