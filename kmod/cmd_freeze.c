// SPDX-License-Identifier: GPL-2.0
/* The freeze, thaw, release and list-frozen commands. */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/security.h>
#include <net/genetlink.h>

#include "netlink-gen.h"
#include "targets.h"
#include "xfrm_ctx.h"

/**
 * xc_flags_get() - a request's flags, refused if one does not apply
 * @attrs: the request's attributes (a doit's or a dump's)
 * @allowed: the flags the command takes; the policy only checks that a
 *	flag is known at all
 * @cmd: the command, as the message names it
 * @flags: the flags, 0 without the attribute
 * @extack: the refusal's message and attribute
 *
 * Return: 0 or -EINVAL.
 */
int xc_flags_get(struct nlattr **attrs, u32 allowed, const char *cmd, u32 *flags,
		 struct netlink_ext_ack *extack)
{
	struct nlattr *attr = attrs[XFRM_CTX_A_FLAGS];

	*flags = attr ? nla_get_u32(attr) : 0;
	if (*flags & ~allowed) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "flags 0x%x do not apply to %s",
				       *flags & ~allowed, cmd);
		NL_SET_BAD_ATTR(extack, attr);
		return -EINVAL;
	}
	return 0;
}

int xc_check_flags(struct genl_info *info, u32 allowed, u32 *flags)
{
	return xc_flags_get(info->attrs, allowed, "this command", flags, info->extack);
}

/* The lease a request asks for (the policy bounds it), or the default. */
unsigned int xc_lease(struct nlattr **attrs)
{
	struct nlattr *attr = attrs[XFRM_CTX_A_LEASE];

	return attr ? nla_get_u32(attr) : XFRM_CTX_DEFAULT_LEASE;
}

/*
 * Freeze every target, or none: check them all first, freeze, then one
 * grace period for the lot. With renew, SAs frozen already (by an earlier
 * request) get the new lease only once every other one is frozen, so a
 * failure leaves them exactly as they were: frozen, with their old lease.
 * Events go out once the freeze holds.
 */
int xc_freeze_targets(struct xc_net *xn, struct xc_targets *t, unsigned int lease,
		      bool renew, struct netlink_ext_ack *extack)
{
	unsigned long *was_frozen;
	unsigned int i;
	int err = 0;

	lockdep_assert_held(&xn->lock);
	if (xn->closing) {
		NL_SET_ERR_MSG_MOD(extack, "the module or namespace is going away");
		return -ESHUTDOWN;
	}
	was_frozen = bitmap_zalloc(t->n, GFP_KERNEL);
	if (!was_frozen)
		return -ENOMEM;
	for (i = 0; i < t->n; i++) {
		struct xfrm_state *x = t->x[i];

		if (xc_frozen_find(xn, x)) {
			__set_bit(i, was_frozen);
			if (renew)
				continue;
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "SA 0x%08x is already frozen (renew extends the lease)",
					       ntohl(x->id.spi));
			err = -EALREADY;
			goto out;
		}
		err = xc_check_exportable(x, true, extack);
		if (err)
			goto out;
	}
	for (i = 0; i < t->n; i++) {
		if (test_bit(i, was_frozen))
			continue;
		err = xc_freeze(xn, t->x[i], lease, false, false, extack);
		if (err)
			break;
	}
	if (err) {
		/* A state died under us: undo what this request froze, only that. */
		while (i--)
			if (!test_bit(i, was_frozen))
				xc_thaw(xn, t->x[i], XFRM_CTX_EV_THAWED, NULL);
		goto out;
	}
	/* Cannot fail: each is frozen, and xn->lock keeps it so. */
	for (i = 0; i < t->n; i++)
		if (test_bit(i, was_frozen))
			xc_freeze(xn, t->x[i], lease, true, false, NULL);
	xc_freeze_commit(xn);
	for (i = 0; i < t->n; i++)
		xc_event(xn, XFRM_CTX_EV_FROZEN, t->x[i], xc_frozen_find(xn, t->x[i]));
out:
	bitmap_free(was_frozen);
	return err;
}

/*
 * Every refusal carries a message: an allocation that failed deep down
 * (an SA's parts, the reply) returns -ENOMEM without one. Say it here,
 * once for every command, unless something more precise was said.
 */
int xc_said(struct genl_info *info, int err)
{
	if (err == -ENOMEM && info->extack && !info->extack->_msg)
		NL_SET_ERR_MSG_MOD(info->extack, "out of memory");
	return err;
}

int xc_reply_count(struct genl_info *info, u8 cmd, u32 count)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put(msg, info->snd_portid, info->snd_seq, &xc_genl_family, 0, cmd);
	if (!hdr || nla_put_u32(msg, XFRM_CTX_A_COUNT, count)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int xc_freeze_doit(struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct xc_net *xn = xc_net(net);
	struct xc_targets t;
	u32 flags;
	int err;

	err = xc_check_flags(info, XFRM_CTX_F_RENEW, &flags);
	if (err)
		return err;
	err = xc_targets_get(net, info, &t);
	if (err)
		return err;
	mutex_lock(&xn->lock);
	err = xc_freeze_targets(xn, &t, xc_lease(info->attrs), flags & XFRM_CTX_F_RENEW,
				info->extack);
	mutex_unlock(&xn->lock);
	if (!err)
		err = xc_reply_count(info, XFRM_CTX_CMD_FREEZE, t.n);
	xc_targets_put(&t);
	return err;
}

/*
 * Thaw or release. SAs named by sa-id must all be frozen (checked before any
 * is touched); by reqid, every frozen SA of the reqid is acted on and at
 * least one must be.
 */
static int xc_unfreeze_doit(struct genl_info *info, u8 cmd)
{
	bool by_reqid = info->attrs[XFRM_CTX_A_REQID];
	struct net *net = genl_info_net(info);
	struct xc_net *xn = xc_net(net);
	struct xc_targets t;
	unsigned int i, n = 0;
	int err;

	err = xc_targets_get(net, info, &t);
	if (err)
		return err;
	mutex_lock(&xn->lock);
	xc_frozen_reap(xn);
	for (i = 0; !by_reqid && i < t.n; i++) {
		if (!xc_frozen_find(xn, t.x[i])) {
			NL_SET_ERR_MSG_FMT_MOD(info->extack, "SA 0x%08x is not frozen%s",
					       ntohl(t.x[i]->id.spi),
					       cmd == XFRM_CTX_CMD_RELEASE ?
					       "; only frozen SAs are released" : "");
			err = -ENOENT;
			goto out;
		}
	}
	/* What `ip xfrm state delete` asks the LSM, for every SA before any goes. */
	for (i = 0; cmd == XFRM_CTX_CMD_RELEASE && i < t.n; i++) {
		if (!xc_frozen_find(xn, t.x[i]))
			continue;
		err = security_xfrm_state_delete(t.x[i]);
		if (err) {
			NL_SET_ERR_MSG_FMT_MOD(info->extack,
					       "SA 0x%08x: the security module refuses its deletion",
					       ntohl(t.x[i]->id.spi));
			goto out;
		}
	}
	for (i = 0; i < t.n; i++) {
		if (by_reqid && t.n > 1 && !xc_frozen_find(xn, t.x[i]))
			continue;
		if (cmd == XFRM_CTX_CMD_THAW)
			err = xc_thaw(xn, t.x[i], XFRM_CTX_EV_THAWED, info->extack);
		else
			err = xc_release(xn, t.x[i], info->extack);
		if (err)
			break;
		n++;
	}
	if (!err && !n) {
		NL_SET_ERR_MSG_FMT_MOD(info->extack, "no SA of reqid %u is frozen",
				       nla_get_u32(info->attrs[XFRM_CTX_A_REQID]));
		NL_SET_BAD_ATTR(info->extack, info->attrs[XFRM_CTX_A_REQID]);
		err = -ENOENT;
	}
out:
	xc_lease_rearm(xn);
	mutex_unlock(&xn->lock);
	if (!err)
		err = xc_reply_count(info, cmd, n);
	xc_targets_put(&t);
	return err;
}

int xfrm_ctx_nl_freeze_doit(struct sk_buff *skb, struct genl_info *info)
{
	return xc_said(info, xc_freeze_doit(info));
}

int xfrm_ctx_nl_thaw_doit(struct sk_buff *skb, struct genl_info *info)
{
	return xc_said(info, xc_unfreeze_doit(info, XFRM_CTX_CMD_THAW));
}

int xfrm_ctx_nl_release_doit(struct sk_buff *skb, struct genl_info *info)
{
	return xc_said(info, xc_unfreeze_doit(info, XFRM_CTX_CMD_RELEASE));
}

static int xc_frozen_msg(struct sk_buff *skb, struct xc_net *xn, u32 portid,
			 u32 seq, int flags, const struct xc_frozen *f)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &xc_genl_family, flags,
			  XFRM_CTX_CMD_LIST_FROZEN);
	if (!hdr)
		return -EMSGSIZE;
	if (xc_frozen_put(skb, xn, f->x, f)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

int xfrm_ctx_nl_list_frozen_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct xc_net *xn = xc_net(net);
	struct xc_frozen *f;
	struct xc_sa_id id;
	struct xfrm_state *x;
	struct sk_buff *msg;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, XFRM_CTX_A_SA_ID)) {
		NL_SET_ERR_MSG_MOD(info->extack, "name the SA (or dump the whole list)");
		return -EINVAL;
	}
	err = xc_sa_id_parse(info->attrs[XFRM_CTX_A_SA_ID], &id, false, info->extack);
	if (err)
		return err;
	x = xc_sa_id_lookup(net, &id, info->attrs[XFRM_CTX_A_SA_ID], info->extack);
	if (!x)
		return -ESRCH;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		xfrm_state_put(x);
		return -ENOMEM;
	}
	mutex_lock(&xn->lock);
	f = xc_frozen_find(xn, x);
	if (!f) {
		NL_SET_ERR_MSG_FMT_MOD(info->extack, "SA 0x%08x is not frozen",
				       ntohl(x->id.spi));
		err = -ENOENT;
	} else {
		err = xc_frozen_msg(msg, xn, info->snd_portid, info->snd_seq, 0, f);
	}
	mutex_unlock(&xn->lock);
	xfrm_state_put(x);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* cb->args[0]: entries of the frozen list already sent. */
int xfrm_ctx_nl_list_frozen_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr **attrs = xc_dump_attrs(cb);
	struct xc_net *xn = xc_net(sock_net(skb->sk));
	struct nlattr *reqid_attr = attrs[XFRM_CTX_A_REQID];
	unsigned long idx = 0, skip = cb->args[0];
	struct xc_frozen *f;
	int err = 0;

	mutex_lock(&xn->lock);
	xc_frozen_reap(xn);
	list_for_each_entry(f, &xn->frozen_list, node) {
		if (reqid_attr && f->x->props.reqid != nla_get_u32(reqid_attr))
			continue;
		if (idx++ < skip)
			continue;
		err = xc_frozen_msg(skb, xn, NETLINK_CB(cb->skb).portid,
				    cb->nlh->nlmsg_seq, NLM_F_MULTI, f);
		if (err) {
			idx--;
			break;
		}
	}
	mutex_unlock(&xn->lock);
	cb->args[0] = idx;
	if (err && idx == skip)
		return err;
	return skb->len;
}
