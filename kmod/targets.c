// SPDX-License-Identifier: GPL-2.0
/*
 * The SAs a request names: some by sa-id, or every SA of a reqid (both
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

/* Add the SA an sa-id names; one named twice is refused. */
static int xc_targets_add_id(struct net *net, struct xc_targets *t,
			     const struct nlattr *attr, struct netlink_ext_ack *extack)
{
	struct xfrm_state *x;
	struct xc_sa_id id;
	unsigned int i;
	int err;

	err = xc_sa_id_parse(attr, &id, false, extack);
	if (err)
		return err;
	x = xc_sa_id_lookup(net, &id, attr, extack);
	if (!x)
		return -ESRCH;
	for (i = 0; i < t->n && t->x[i] != x; i++)
		;
	if (i < t->n) {
		xfrm_state_put(x);
		NL_SET_ERR_MSG_FMT_MOD(extack, "SA 0x%08x is named twice", ntohl(id.spi));
		NL_SET_BAD_ATTR(extack, attr);
		return -EINVAL;
	}
	err = xc_targets_add(t, x);
	if (err)
		xfrm_state_put(x);
	return err;
}

/* Every SA of a reqid; at least one must exist. */
static int xc_targets_add_reqid(struct net *net, struct xc_targets *t,
				const struct nlattr *attr, struct netlink_ext_ack *extack)
{
	u32 reqid = nla_get_u32(attr);
	int err;

	err = xc_targets_collect(net, t, xc_match_reqid, &reqid);
	if (err)
		return err;
	if (!t->n) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "no SA with reqid %u", reqid);
		NL_SET_BAD_ATTR(extack, attr);
		return -ESRCH;
	}
	return 0;
}

/*
 * The SAs of a request: one or more XFRM_CTX_A_SA_ID (all must exist), xor
 * XFRM_CTX_A_REQID. -ESRCH with a message when one is missing.
 */
int xc_targets_get(struct net *net, struct genl_info *info, struct xc_targets *t)
{
	struct nlattr *reqid_attr = info->attrs[XFRM_CTX_A_REQID];
	int hdrlen = GENL_HDRLEN + xc_genl_family.hdrsize;
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *attr;
	unsigned int n = 0;
	int rem, err = 0;

	memset(t, 0, sizeof(*t));
	nlmsg_for_each_attr(attr, info->nlhdr, hdrlen, rem)
		n += nla_type(attr) == XFRM_CTX_A_SA_ID;
	if (!n == !reqid_attr) {
		if (n)
			NL_SET_ERR_MSG_MOD(extack, "name SAs or a reqid, not both");
		else
			NL_SET_ERR_MSG_MOD(extack, "name an SA (sa-id) or a reqid");
		NL_SET_BAD_ATTR(extack, reqid_attr);
		return -EINVAL;
	}
	if (n > XFRM_CTX_MAX_IMPORT_SAS) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "%u SAs named; at most %u per request",
				       n, XFRM_CTX_MAX_IMPORT_SAS);
		return -E2BIG;
	}
	if (!n) {
		err = xc_targets_add_reqid(net, t, reqid_attr, extack);
	} else {
		nlmsg_for_each_attr(attr, info->nlhdr, hdrlen, rem) {
			if (nla_type(attr) != XFRM_CTX_A_SA_ID)
				continue;
			err = xc_targets_add_id(net, t, attr, extack);
			if (err)
				break;
		}
	}
	if (err)
		xc_targets_put(t);
	return err;
}

void xc_targets_put(struct xc_targets *t)
{
	unsigned int i;

	for (i = 0; i < t->n; i++)
		xfrm_state_put(t->x[i]);
	kvfree(t->x);
	memset(t, 0, sizeof(*t));
}
