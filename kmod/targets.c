// SPDX-License-Identifier: GPL-2.0
/*
 * The SAs a request names: one by sa-id, or every SA of a reqid (both
 * directions of a tunnel, and any rekeyed pair still alive). All are
 * gathered, with references, before any is touched, so that a command can
 * check every SA first and act on all or none.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/slab.h>

#include "netlink-gen.h"
#include "targets.h"

static int xc_targets_add(struct xc_targets *t, struct xfrm_state *x)
{
	if (t->n == t->cap) {
		unsigned int cap = t->cap ? 2 * t->cap : 16;
		struct xfrm_state **n;

		n = kvmalloc_array(cap, sizeof(*n), GFP_KERNEL);
		if (!n)
			return -ENOMEM;
		if (t->n)
			memcpy(n, t->x, t->n * sizeof(*n));
		kvfree(t->x);
		t->x = n;
		t->cap = cap;
	}
	t->x[t->n++] = x;
	return 0;
}

/* Every SA for which match(x, arg) holds; with no match function, all. */
int xc_targets_collect(struct net *net, struct xc_targets *t,
		       bool (*match)(const struct xfrm_state *x, const void *arg),
		       const void *arg)
{
	struct xc_collect *c;
	unsigned int i;
	int err = 0;

	c = kmalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	xc_collect_init(c, match, arg);
	do {
		err = xc_collect_next(net, c);
		for (i = 0; i < c->n; i++) {
			if (!err)
				err = xc_targets_add(t, c->batch[i]);
			if (err)
				xfrm_state_put(c->batch[i]);
		}
		c->n = 0;
	} while (!err && !c->done);
	xc_collect_done(net, c);
	kfree(c);
	return err;
}

/*
 * The SAs of a request: XFRM_CTX_A_SA_ID xor XFRM_CTX_A_REQID. -ESRCH with
 * a message when none exists.
 */
int xc_targets_get(struct net *net, struct genl_info *info, struct xc_targets *t)
{
	struct nlattr *id_attr = info->attrs[XFRM_CTX_A_SA_ID];
	struct nlattr *reqid_attr = info->attrs[XFRM_CTX_A_REQID];
	struct netlink_ext_ack *extack = info->extack;
	struct xc_sa_id id;
	struct xfrm_state *x;
	u32 reqid;
	int err;

	memset(t, 0, sizeof(*t));
	if (!id_attr == !reqid_attr) {
		if (id_attr)
			NL_SET_ERR_MSG_MOD(extack, "name an SA or a reqid, not both");
		else
			NL_SET_ERR_MSG_MOD(extack, "name an SA (sa-id) or a reqid");
		NL_SET_BAD_ATTR(extack, reqid_attr);
		return -EINVAL;
	}
	if (id_attr) {
		err = xc_sa_id_parse(id_attr, &id, false, extack);
		if (err)
			return err;
		x = xc_sa_id_lookup(net, &id, id_attr, extack);
		if (!x)
			return -ESRCH;
		err = xc_targets_add(t, x);
		if (err)
			xfrm_state_put(x);
		return err;
	}

	reqid = nla_get_u32(reqid_attr);
	err = xc_targets_collect(net, t, xc_match_reqid, &reqid);
	if (err) {
		xc_targets_put(t);
		return err;
	}
	if (!t->n) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "no SA with reqid %u", reqid);
		NL_SET_BAD_ATTR(extack, reqid_attr);
		return -ESRCH;
	}
	return 0;
}

void xc_targets_put(struct xc_targets *t)
{
	unsigned int i;

	for (i = 0; i < t->n; i++)
		xfrm_state_put(t->x[i]);
	kvfree(t->x);
	memset(t, 0, sizeof(*t));
}
