// SPDX-License-Identifier: GPL-2.0
/*
 * The import and update commands.
 *
 * Import is all or nothing per message: every SA is built and initialised
 * (algorithms instantiated, salt restored, counters moved) before any is
 * inserted; collisions are checked before the first insert; the new states
 * go in frozen and turn VALID together once all are in, so no packet meets a
 * partial import, and a failure removes what went in without a packet having
 * used it. A replaced SA is deleted only after its successor is live.
 *
 * Update moves the counters (and IV salt) of SAs that already exist, forward
 * only, after checking every snapshot against its SA.
 *
 * A snapshot taken while its SA was live is not exact: the source may have
 * sent more packets since, under the same key and sequence numbers (and,
 * with the salt restored, the same GCM nonces). Importing one without an
 * out-jump is refused unless the caller vouches for it (live-snapshot).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <net/genetlink.h>

#include "netlink-gen.h"
#include "targets.h"
#include "xfrm_ctx.h"

#define XC_IMPORT_MAX	XFRM_CTX_MAX_IMPORT_SAS

struct xc_import {
	const struct nlattr	*attr;
	struct xfrm_state	*x;	/* the new state (import) or the target (update) */
	struct xfrm_state	*old;	/* the state it replaces */
	bool			inserted;
};

static int xc_gather(struct genl_info *info, struct xc_import **out, unsigned int *n)
{
	int hdrlen = GENL_HDRLEN + xc_genl_family.hdrsize;
	struct xc_import *imp;
	struct nlattr *attr;
	unsigned int i = 0;
	int rem;

	*n = 0;
	nlmsg_for_each_attr(attr, info->nlhdr, hdrlen, rem)
		if (nla_type(attr) == XFRM_CTX_A_SA)
			(*n)++;
	if (!*n) {
		NL_SET_ERR_MSG_MOD(info->extack, "no SA to import");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, XFRM_CTX_A_SA);
		return -EINVAL;
	}
	if (*n > XC_IMPORT_MAX) {
		NL_SET_ERR_MSG_FMT_MOD(info->extack, "%u SAs in one message; at most %u",
				       *n, XC_IMPORT_MAX);
		return -E2BIG;
	}
	imp = kvcalloc(*n, sizeof(*imp), GFP_KERNEL);
	if (!imp)
		return -ENOMEM;
	nlmsg_for_each_attr(attr, info->nlhdr, hdrlen, rem)
		if (nla_type(attr) == XFRM_CTX_A_SA)
			imp[i++].attr = attr;
	*out = imp;
	return 0;
}

static u64 xc_get_u64(struct genl_info *info, int type)
{
	return info->attrs[type] ? nla_get_u64(info->attrs[type]) : 0;
}

static bool xc_same_id(const struct xfrm_state *a, const struct xfrm_state *b)
{
	return a->props.family == b->props.family && a->id.spi == b->id.spi &&
	       a->id.proto == b->id.proto &&
	       xfrm_addr_equal(&a->id.daddr, &b->id.daddr, a->props.family) &&
	       (a->mark.v & a->mark.m) == (b->mark.v & b->mark.m);
}

static struct xfrm_state *xc_find_existing(struct net *net, const struct xfrm_state *x)
{
	return xfrm_state_lookup(net, x->mark.v & x->mark.m, &x->id.daddr, x->id.spi,
				 x->id.proto, x->props.family);
}

static void xc_set_km_state(struct xfrm_state *x, u8 from, u8 to)
{
	spin_lock_bh(&x->lock);
	if (x->km.state == from)
		x->km.state = to;
	spin_unlock_bh(&x->lock);
}

static int xc_check_live(const struct xc_import *imp, unsigned int n, u64 out_jump,
			 u32 flags, struct netlink_ext_ack *extack)
{
	const struct nlattr *spi;
	unsigned int i;

	if (out_jump || (flags & XFRM_CTX_F_LIVE_SNAPSHOT))
		return 0;
	for (i = 0; i < n; i++) {
		if (nla_find_nested(imp[i].attr, XFRM_CTX_SA_FROZEN))
			continue;
		spi = nla_find_nested(imp[i].attr, XFRM_CTX_SA_SPI);
		NL_SET_ERR_MSG_FMT_MOD(extack, "SA 0x%08x: snapshot of a live SA needs an out-jump",
				       spi && nla_len(spi) >= 4 ? ntohl(nla_get_be32(spi)) : 0);
		NL_SET_BAD_ATTR(extack, imp[i].attr);
		return -EINVAL;
	}
	return 0;
}

/*
 * Tell key managers (XFRM_MSG_NEWSA, XFRM_MSG_DELSA) and the audit log, as
 * XFRM netlink does for an SA it adds or deletes.
 */
static void xc_announce(struct xfrm_state *x, bool add)
{
	struct km_event c = { .event = add ? XFRM_MSG_NEWSA : XFRM_MSG_DELSA };

	if (add)
		xfrm_audit_state_add(x, 1, true);
	else
		xfrm_audit_state_delete(x, 1, true);
	km_state_notify(x, &c);
}

static int xc_import_check(struct net *net, struct xc_import *imp, unsigned int n,
			   bool replace, struct netlink_ext_ack *extack)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		struct xfrm_state *x = imp[i].x;

		for (j = 0; j < i; j++) {
			if (xc_same_id(x, imp[j].x)) {
				NL_SET_ERR_MSG_FMT_MOD(extack, "SPI 0x%08x appears twice",
						       ntohl(x->id.spi));
				NL_SET_BAD_ATTR(extack, imp[i].attr);
				return -EINVAL;
			}
		}
		imp[i].old = xc_find_existing(net, x);
		if (imp[i].old && !replace) {
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "SPI 0x%08x %s exists already (replace it?)",
					       ntohl(x->id.spi), xc_proto_name(x->id.proto));
			NL_SET_BAD_ATTR(extack, imp[i].attr);
			return -EEXIST;
		}
	}
	return 0;
}

static int xc_import_insert(struct xc_import *imp, unsigned int n,
			    struct netlink_ext_ack *extack)
{
	unsigned int i;
	int err;

	for (i = 0; i < n; i++) {
		struct xfrm_state *x = imp[i].x;

		/* In the table but carrying nothing until all are in. */
		x->km.state = XFRM_STATE_ERROR;
		xfrm_state_hold(x);	/* ours; the allocation's goes to the table */
		if (imp[i].old) {
			xfrm_state_insert(x);
			err = 0;
		} else {
			err = xfrm_state_add(x);
		}
		if (err) {
			xfrm_state_put(x);
			NL_SET_ERR_MSG_FMT_MOD(extack, "SPI 0x%08x appeared meanwhile",
					       ntohl(x->id.spi));
			NL_SET_BAD_ATTR(extack, imp[i].attr);
			return err;
		}
		imp[i].inserted = true;
	}
	return 0;
}

static void xc_import_free(struct xc_import *imp, unsigned int n, bool failed)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (imp[i].x && imp[i].inserted) {
			if (failed)
				xfrm_state_delete(imp[i].x);
			xfrm_state_put(imp[i].x);
		} else if (imp[i].x) {
			xc_state_discard(imp[i].x);
		}
		if (imp[i].old)
			xfrm_state_put(imp[i].old);
	}
	kvfree(imp);
}

/* Build every SA of the message; none is visible yet. */
static int xc_import_build(struct net *net, struct xc_import *imp, unsigned int n,
			   u64 out_jump, u64 in_jump, struct netlink_ext_ack *extack)
{
	struct xfrm_state *x;
	unsigned int i;

	for (i = 0; i < n; i++) {
		x = xc_build_state(net, imp[i].attr, out_jump, in_jump, extack);
		if (IS_ERR(x)) {
			if (!extack || !extack->bad_attr)
				NL_SET_BAD_ATTR(extack, imp[i].attr);
			return PTR_ERR(x);
		}
		imp[i].x = x;
	}
	return 0;
}

/*
 * Put the built SAs into the table, carrying nothing yet, and with staged
 * freeze them there. On failure the caller removes what went in.
 */
static int xc_import_enter(struct net *net, struct xc_net *xn, struct xc_import *imp,
			   unsigned int n, u32 flags, unsigned int lease,
			   struct netlink_ext_ack *extack)
{
	bool staged = flags & XFRM_CTX_F_STAGED;
	unsigned int i;
	int err;

	lockdep_assert_held(&xn->lock);
	if (xn->closing) {
		NL_SET_ERR_MSG_MOD(extack, "the module or namespace is going away");
		return -ESHUTDOWN;
	}
	err = xc_import_check(net, imp, n, flags & XFRM_CTX_F_REPLACE, extack) ?:
	      xc_import_insert(imp, n, extack);
	for (i = 0; !err && staged && i < n; i++)
		err = xc_freeze(xn, imp[i].x, lease, false, true, extack);
	if (err) {
		for (i = 0; staged && i < n; i++)
			xc_frozen_forget(xn, imp[i].x);
	}
	return err;
}

/*
 * All in: go live together (or stay frozen), then retire the replaced SAs,
 * and tell key managers and listeners. Cannot fail; caller holds xn->lock.
 */
static void xc_import_commit(struct xc_net *xn, struct xc_import *imp, unsigned int n,
			     bool staged)
{
	unsigned int i;

	for (i = 0; !staged && i < n; i++)
		xc_set_km_state(imp[i].x, XFRM_STATE_ERROR, XFRM_STATE_VALID);
	for (i = 0; i < n; i++) {
		struct xfrm_state *old = imp[i].old;

		if (!old)
			continue;
		if (xc_frozen_find(xn, old))
			xc_release(xn, old, NULL);
		else if (!xfrm_state_delete(old))
			xc_announce(old, false);
	}
	for (i = 0; i < n; i++) {
		xc_announce(imp[i].x, true);
		xc_event(xn, XFRM_CTX_EV_IMPORTED, imp[i].x,
			 staged ? xc_frozen_find(xn, imp[i].x) : NULL);
	}
	if (staged)
		xc_lease_rearm(xn);
}

static int xc_import_doit(struct genl_info *info)
{
	u64 out_jump = xc_get_u64(info, XFRM_CTX_A_OUT_JUMP);
	u64 in_jump = xc_get_u64(info, XFRM_CTX_A_IN_JUMP);
	struct net *net = genl_info_net(info);
	struct xc_net *xn = xc_net(net);
	struct xc_import *imp;
	unsigned int n;
	u32 flags;
	int err;

	err = xc_check_flags(info, XFRM_CTX_F_STAGED | XFRM_CTX_F_REPLACE |
			     XFRM_CTX_F_LIVE_SNAPSHOT, &flags);
	if (err)
		return err;
	err = xc_gather(info, &imp, &n);
	if (err)
		return err;
	err = xc_check_live(imp, n, out_jump, flags, info->extack) ?:
	      xc_import_build(net, imp, n, out_jump, in_jump, info->extack);
	if (err)
		goto out;

	mutex_lock(&xn->lock);
	err = xc_import_enter(net, xn, imp, n, flags, xc_lease(info->attrs), info->extack);
	if (!err)
		xc_import_commit(xn, imp, n, flags & XFRM_CTX_F_STAGED);
	mutex_unlock(&xn->lock);
out:
	xc_import_free(imp, n, err);
	if (!err)
		err = xc_reply_count(info, XFRM_CTX_CMD_IMPORT, n);
	return err;
}

static int xc_update_one(struct net *net, struct xc_import *u, u64 out_jump, u64 in_jump,
			 struct nlattr **tb, const struct nlattr **salt,
			 struct netlink_ext_ack *extack)
{
	struct xc_sa_id id = {};
	int err;

	err = nla_parse_nested(tb, XFRM_CTX_SA_MAX, u->attr, xfrm_ctx_sa_nl_policy, extack);
	if (err)
		return err;
	if (!tb[XFRM_CTX_SA_FAMILY] || !tb[XFRM_CTX_SA_DADDR] || !tb[XFRM_CTX_SA_SPI] ||
	    !tb[XFRM_CTX_SA_PROTO]) {
		NL_SET_ERR_MSG_MOD(extack, "the snapshot lacks family, daddr, spi or proto");
		NL_SET_BAD_ATTR(extack, u->attr);
		return -EINVAL;
	}
	id.family = nla_get_u16(tb[XFRM_CTX_SA_FAMILY]);
	err = xc_get_addr(tb[XFRM_CTX_SA_DADDR], id.family, &id.daddr, "the snapshot's daddr",
			  extack);
	if (err)
		return err;
	id.spi = nla_get_be32(tb[XFRM_CTX_SA_SPI]);
	id.proto = nla_get_u8(tb[XFRM_CTX_SA_PROTO]);
	id.mark = tb[XFRM_CTX_SA_MARK] ? nla_get_u32(tb[XFRM_CTX_SA_MARK]) : 0;
	id.mark_mask = tb[XFRM_CTX_SA_MARK_MASK] ? nla_get_u32(tb[XFRM_CTX_SA_MARK_MASK]) :
		       ~0U;
	u->x = xc_sa_id_lookup(net, &id, u->attr, extack);
	if (!u->x)
		return -ESRCH;
	err = xc_check_exportable(u->x, true, extack);
	if (err)
		return err;
	return xc_same_sa(u->x, tb, u->attr, salt, extack) ?:
	       xc_counters_check(u->x, tb, out_jump, in_jump, u->attr, extack);
}

/*
 * seqiv and echainiv read the IV salt for every packet sent, outside
 * x->lock: it may change only while no packet can be sent with it. That
 * holds for a frozen or staged SA (stopped, and the freeze's grace period
 * is over), and for one that has never sent a packet (an inbound SA, or the
 * SAs an IKE daemon installed on a standby): a first packet takes x->lock
 * for its sequence number after the salt was written under it. A salt equal
 * to the current one needs no write. Caller holds xn->lock.
 */
static bool xc_salt_writable(struct xc_net *xn, struct xfrm_state *x)
{
	bool never_sent;

	if (xc_frozen_find(xn, x))
		return true;
	spin_lock_bh(&x->lock);
	never_sent = !xc_replay_oseq(x);
	spin_unlock_bh(&x->lock);
	return never_sent;
}

static int xc_check_salt(struct xc_net *xn, struct xfrm_state *x, const struct nlattr *salt,
			 struct netlink_ext_ack *extack)
{
	unsigned int len;
	u8 *cur;

	if (!salt || xc_geniv_salt(x, &cur, &len) || !cur ||
	    !memcmp(cur, nla_data(salt), len) || xc_salt_writable(xn, x))
		return 0;
	NL_SET_ERR_MSG_FMT_MOD(extack,
			       "SA 0x%08x is live and has sent: freeze it to set its IV salt",
			       ntohl(x->id.spi));
	NL_SET_BAD_ATTR(extack, salt);
	return -EBUSY;
}

/*
 * Check every snapshot against its SA before any is touched; with thaw,
 * every SA must be frozen (or staged). Caller holds xn->lock.
 */
static int xc_update_check(struct net *net, struct xc_net *xn, struct xc_import *u,
			   unsigned int n, u64 out_jump, u64 in_jump, bool thaw,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[XFRM_CTX_SA_MAX + 1];
	const struct nlattr *salt;
	unsigned int i;
	int err;

	for (i = 0; i < n; i++) {
		err = xc_update_one(net, &u[i], out_jump, in_jump, tb, &salt, extack) ?:
		      xc_check_salt(xn, u[i].x, salt, extack);
		if (err)
			return err;
		if (thaw && !xc_frozen_find(xn, u[i].x)) {
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "SA 0x%08x is not frozen, so update cannot thaw it",
					       ntohl(u[i].x->id.spi));
			NL_SET_BAD_ATTR(extack, u[i].attr);
			return -ENOENT;
		}
	}
	return 0;
}

/*
 * Move one SA's counters (and IV salt) to its snapshot's, and thaw it if
 * asked. xc_update_check() passed under the same xn->lock: cannot fail.
 */
static void xc_update_apply(struct xc_net *xn, const struct xc_import *u, u64 out_jump,
			    u64 in_jump, bool thaw)
{
	struct nlattr *tb[XFRM_CTX_SA_MAX + 1];
	struct xfrm_state *x = u->x;
	const struct nlattr *salt;
	unsigned int len;
	bool frozen;
	u8 *cur;

	/* parsed and checked before; cannot fail now */
	if (nla_parse_nested(tb, XFRM_CTX_SA_MAX, u->attr, xfrm_ctx_sa_nl_policy, NULL) ||
	    xc_same_sa(x, tb, u->attr, &salt, NULL))
		return;
	frozen = xc_frozen_find(xn, x);
	spin_lock_bh(&x->lock);
	/*
	 * Checked before; an SA that was never sent on may have started
	 * meanwhile: then it keeps its salt (its counters still move).
	 */
	if (salt && !xc_geniv_salt(x, &cur, &len) && (frozen || !xc_replay_oseq(x)))
		memcpy(cur, nla_data(salt), len);
	xc_counters_apply(x, tb, out_jump, in_jump);
	spin_unlock_bh(&x->lock);
	xc_event(xn, XFRM_CTX_EV_UPDATED, x, xc_frozen_find(xn, x));
	/* Checked frozen before, under the same xn->lock: cannot fail. */
	if (thaw)
		xc_thaw(xn, x, XFRM_CTX_EV_THAWED, NULL);
}

static int xc_update_doit(struct genl_info *info)
{
	u64 out_jump = xc_get_u64(info, XFRM_CTX_A_OUT_JUMP);
	u64 in_jump = xc_get_u64(info, XFRM_CTX_A_IN_JUMP);
	struct net *net = genl_info_net(info);
	struct xc_net *xn = xc_net(net);
	struct xc_import *u;
	unsigned int i, n;
	bool thaw;
	u32 flags;
	int err;

	err = xc_check_flags(info, XFRM_CTX_F_THAW, &flags);
	if (err)
		return err;
	thaw = flags & XFRM_CTX_F_THAW;
	err = xc_gather(info, &u, &n);
	if (err)
		return err;
	mutex_lock(&xn->lock);
	err = xc_update_check(net, xn, u, n, out_jump, in_jump, thaw, info->extack);
	for (i = 0; !err && i < n; i++)
		xc_update_apply(xn, &u[i], out_jump, in_jump, thaw);
	mutex_unlock(&xn->lock);
	for (i = 0; i < n; i++)
		if (u[i].x)
			xfrm_state_put(u[i].x);
	kvfree(u);
	if (!err)
		err = xc_reply_count(info, XFRM_CTX_CMD_UPDATE, n);
	return err;
}

int xfrm_ctx_nl_import_doit(struct sk_buff *skb, struct genl_info *info)
{
	return xc_said(info, xc_import_doit(info));
}

int xfrm_ctx_nl_update_doit(struct sk_buff *skb, struct genl_info *info)
{
	return xc_said(info, xc_update_doit(info));
}
