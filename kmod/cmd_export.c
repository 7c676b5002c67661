// SPDX-License-Identifier: GPL-2.0
/*
 * The export command. A doit answers with the snapshots of one SA or of the
 * SAs of a reqid in one message; a dump streams any number (by reqid, by a
 * partial sa-id, or all), one message per SA. With XFRM_CTX_F_FREEZE every
 * SA is frozen first, in one step, so the snapshots are exactly the frozen
 * state. Whatever cannot be exported is refused before anything is frozen.
 *
 * An SA whose snapshot goes out while it is frozen is marked exported: its
 * context has left the host, so from then on only an explicit thaw or
 * release ends its freeze (see xc_frozen_held()).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <net/genetlink.h>

#include "netlink-gen.h"
#include "targets.h"
#include "xfrm_ctx.h"

/*
 * A doit reply holds at most this many SAs and bytes; more is refused
 * (E2BIG, before anything is frozen) and wants a dump. The byte cap is the
 * size the kernel gives a dump's messages (netlink_recvmsg() caps
 * max_recvmsg_len at 32 KiB), so a reader sized for a dump reads any reply
 * without peeking first.
 */
#define XC_EXPORT_DOIT_MAX	64
#define XC_EXPORT_DOIT_BYTES	32768

/*
 * Freezing waits for an expedited RCU grace period, which interrupts every
 * CPU of the machine: CAP_NET_ADMIN in the initial user namespace, as the
 * freeze command needs (GENL_ADMIN_PERM), not only over the namespace.
 */
static int xc_check_freeze_perm(const struct sk_buff *skb, u32 flags,
				const struct nlattr *attr, struct netlink_ext_ack *extack)
{
	if (!(flags & XFRM_CTX_F_FREEZE) || netlink_capable(skb, CAP_NET_ADMIN))
		return 0;
	NL_SET_ERR_MSG_MOD(extack, "freezing needs CAP_NET_ADMIN in the initial user namespace");
	NL_SET_BAD_ATTR(extack, attr);
	return -EPERM;
}

static int xc_check_all_exportable(struct xc_targets *t, struct netlink_ext_ack *extack)
{
	unsigned int i, len;
	u8 *salt;
	int err;

	for (i = 0; i < t->n; i++) {
		err = xc_check_exportable(t->x[i], false, extack);
		if (err)
			return err;
		if (xc_geniv_salt(t->x[i], &salt, &len)) {
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "SA 0x%08x: IV generator is not seqiv/echainiv",
					       ntohl(t->x[i]->id.spi));
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

/*
 * Freeze (if asked) after every check passed. SAs frozen already are refused
 * (no renew here), so undoing means thawing every target.
 */
static int xc_export_prepare(struct xc_net *xn, struct xc_targets *t, u32 flags,
			     unsigned int lease, struct netlink_ext_ack *extack)
{
	int err;

	err = xc_check_all_exportable(t, extack);
	if (err || !(flags & XFRM_CTX_F_FREEZE))
		return err;
	mutex_lock(&xn->lock);
	err = xc_freeze_targets(xn, t, lease, false, extack);
	mutex_unlock(&xn->lock);
	return err;
}

static void xc_export_undo(struct xc_net *xn, struct xc_targets *t, u32 flags)
{
	unsigned int i;

	if (!(flags & XFRM_CTX_F_FREEZE))
		return;
	mutex_lock(&xn->lock);
	for (i = 0; i < t->n; i++)
		xc_thaw(xn, t->x[i], XFRM_CTX_EV_THAWED, NULL);
	xc_lease_rearm(xn);
	mutex_unlock(&xn->lock);
}

/*
 * The doit's reply: every target's snapshot in one message. Each SA is
 * marked exported once all of them are in it.
 */
static struct sk_buff *xc_export_reply(struct xc_net *xn, struct xc_targets *t,
				       struct genl_info *info, size_t size)
{
	struct sk_buff *msg;
	unsigned int i;
	void *hdr;
	int err;

	msg = genlmsg_new(size, GFP_KERNEL);
	if (!msg)
		return ERR_PTR(-ENOMEM);
	hdr = genlmsg_put(msg, info->snd_portid, info->snd_seq, &xc_genl_family, 0,
			  XFRM_CTX_CMD_EXPORT);
	if (!hdr) {
		nlmsg_free(msg);
		return ERR_PTR(-ENOMEM);
	}
	mutex_lock(&xn->lock);
	for (i = 0; i < t->n; i++) {
		err = xc_snapshot_put(msg, xn, t->x[i]);
		if (err) {
			mutex_unlock(&xn->lock);
			NL_SET_ERR_MSG_FMT_MOD(info->extack,
					       "SA 0x%08x changed or vanished during export",
					       ntohl(t->x[i]->id.spi));
			nlmsg_free(msg);
			return ERR_PTR(err);
		}
	}
	for (i = 0; i < t->n; i++)
		xc_mark_exported(xn, t->x[i]);
	mutex_unlock(&xn->lock);
	genlmsg_end(msg, hdr);
	return msg;
}

static int xc_export_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct xc_net *xn = xc_net(net);
	struct xc_targets t;
	struct sk_buff *msg;
	unsigned int i;
	size_t size;
	u32 flags;
	int err;

	err = xc_check_flags(info, XFRM_CTX_F_FREEZE, &flags) ?:
	      xc_check_freeze_perm(skb, flags, info->attrs[XFRM_CTX_A_FLAGS], info->extack);
	if (err)
		return err;
	err = xc_targets_get(net, info, &t);
	if (err)
		return err;
	for (i = 0, size = 0; i < t.n; i++)
		size += xc_snapshot_size(t.x[i]);
	if (t.n > XC_EXPORT_DOIT_MAX || size > XC_EXPORT_DOIT_BYTES) {
		NL_SET_ERR_MSG_FMT_MOD(info->extack,
				       "%u SAs (%zu bytes) are too many for one reply; dump them",
				       t.n, size);
		err = -E2BIG;
		goto out;
	}
	err = xc_export_prepare(xn, &t, flags, xc_lease(info->attrs), info->extack);
	if (err)
		goto out;
	msg = xc_export_reply(xn, &t, info, size);
	if (IS_ERR(msg)) {
		err = PTR_ERR(msg);
		xc_export_undo(xn, &t, flags);
		goto out;
	}
	xc_targets_put(&t);
	return genlmsg_reply(msg, info);

out:
	xc_targets_put(&t);
	return err;
}

int xfrm_ctx_nl_export_doit(struct sk_buff *skb, struct genl_info *info)
{
	return xc_said(info, xc_export_doit(skb, info));
}

struct xc_export_filter {
	struct xc_sa_id	id;
	bool		has_id, has_reqid;
	u32		reqid;
};

struct xc_export_dump {
	struct xc_targets	t;
	unsigned int		pos;
};

static bool xc_match_filter(const struct xfrm_state *x, const void *arg)
{
	const struct xc_export_filter *f = arg;

	if (f->has_reqid && x->props.reqid != f->reqid)
		return false;
	return !f->has_id || xc_sa_id_match(&f->id, x);
}

/*
 * Gather (and freeze, if asked) every SA the dump is for, holding references
 * until xfrm_ctx_nl_export_done(), so the dump lists a fixed set even if the
 * table changes meanwhile, and refusals surface here, with their message.
 */
int xfrm_ctx_nl_export_start(struct netlink_callback *cb)
{
	struct nlattr **attrs = xc_dump_attrs(cb);
	struct net *net = sock_net(cb->skb->sk);
	struct xc_net *xn = xc_net(net);
	struct xc_export_filter filter = {};
	struct xc_export_dump *d;
	u32 flags;
	int err;

	err = xc_flags_get(attrs, XFRM_CTX_F_FREEZE, "export", &flags, cb->extack) ?:
	      xc_check_freeze_perm(cb->skb, flags, attrs[XFRM_CTX_A_FLAGS], cb->extack);
	if (err)
		return err;
	if (attrs[XFRM_CTX_A_SA_ID]) {
		err = xc_sa_id_parse(attrs[XFRM_CTX_A_SA_ID], &filter.id, true, cb->extack);
		if (err)
			return err;
		filter.has_id = true;
	}
	if (attrs[XFRM_CTX_A_REQID]) {
		filter.reqid = nla_get_u32(attrs[XFRM_CTX_A_REQID]);
		filter.has_reqid = true;
	}

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	err = xc_targets_collect(net, &d->t, xc_match_filter, &filter);
	if (!err && d->t.n)
		err = xc_export_prepare(xn, &d->t, flags, xc_lease(attrs), cb->extack);
	if (err) {
		xc_targets_put(&d->t);
		kfree(d);
		return err;
	}
	cb->args[0] = (long)d;
	return 0;
}

int xfrm_ctx_nl_export_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct xc_export_dump *d = (struct xc_export_dump *)cb->args[0];
	struct xc_net *xn = xc_net(sock_net(skb->sk));
	void *hdr;
	int err = 0;

	mutex_lock(&xn->lock);
	while (d->pos < d->t.n) {
		struct xfrm_state *x = d->t.x[d->pos];

		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &xc_genl_family, NLM_F_MULTI, XFRM_CTX_CMD_EXPORT);
		if (!hdr)
			break;
		err = xc_snapshot_put(skb, xn, x);
		if (err) {
			genlmsg_cancel(skb, hdr);
			if (err == -EMSGSIZE)
				break;
			/*
			 * Deleted or expired since the dump started: the
			 * context would lack it. Fail the dump rather than
			 * hand over an incomplete context.
			 */
			if (err == -ENOMEM)
				NL_SET_ERR_MSG_FMT_MOD(cb->extack, "out of memory for SA 0x%08x",
						       ntohl(x->id.spi));
			else
				NL_SET_ERR_MSG_FMT_MOD(cb->extack,
						       "SA 0x%08x vanished during the dump (%d)",
						       ntohl(x->id.spi), err);
			break;
		}
		genlmsg_end(skb, hdr);
		xc_mark_exported(xn, x);
		d->pos++;
	}
	mutex_unlock(&xn->lock);
	if (err && err != -EMSGSIZE)
		return err;
	if (!skb->len && d->pos < d->t.n)
		return -EMSGSIZE;	/* one SA larger than a dump buffer */
	return skb->len;
}

int xfrm_ctx_nl_export_done(struct netlink_callback *cb)
{
	struct xc_export_dump *d = (struct xc_export_dump *)cb->args[0];

	if (d) {
		xc_targets_put(&d->t);
		kfree(d);
	}
	return 0;
}
