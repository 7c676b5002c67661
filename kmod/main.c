// SPDX-License-Identifier: GPL-2.0
/*
 * xfrm_ctx: freeze, export and import IPsec SAs so that a tunnel can move
 * between hosts. This file registers the generic netlink family and the
 * per-namespace state, and answers the version query.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>
#include <net/netns/generic.h>

#include "netlink-gen.h"
#include "xfrm_ctx.h"

unsigned int xc_net_id __read_mostly;

int xfrm_ctx_nl_get_info_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	if (info->attrs[XFRM_CTX_A_VERSION] &&
	    nla_get_u32(info->attrs[XFRM_CTX_A_VERSION]) > XFRM_CTX_FAMILY_VERSION) {
		NL_SET_ERR_MSG_FMT_MOD(info->extack,
				       "interface version %u is newer than the module's %u",
				       nla_get_u32(info->attrs[XFRM_CTX_A_VERSION]),
				       XFRM_CTX_FAMILY_VERSION);
		NL_SET_BAD_ATTR(info->extack, info->attrs[XFRM_CTX_A_VERSION]);
		return -EPROTONOSUPPORT;
	}

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put(msg, info->snd_portid, info->snd_seq, &xc_genl_family,
			  0, XFRM_CTX_CMD_GET_INFO);
	if (!hdr)
		goto nospace;

	if (nla_put_u32(msg, XFRM_CTX_A_VERSION, XFRM_CTX_FAMILY_VERSION) ||
	    nla_put_string(msg, XFRM_CTX_A_MODULE_VERSION, XC_MODULE_VERSION) ||
	    nla_put_u32(msg, XFRM_CTX_A_FEATURES, XFRM_CTX_FEAT_IV_SALT |
			XC_FEAT_SA_DIR | XC_FEAT_PCPU | XC_FEAT_NAT_KEEPALIVE) ||
	    nla_put_u32(msg, XFRM_CTX_A_MAX_REPLAY_WINDOW, XFRM_CTX_MAX_REPLAY_WINDOW))
		goto nospace;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

struct genl_family xc_genl_family __ro_after_init = {
	.name		= XFRM_CTX_FAMILY_NAME,
	.version	= XFRM_CTX_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= xfrm_ctx_nl_ops,
	.n_ops		= ARRAY_SIZE(xfrm_ctx_nl_ops),
	.mcgrps		= xfrm_ctx_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(xfrm_ctx_nl_mcgrps),
};

/* Every namespace's state, so that unloading can thaw them all. */
static LIST_HEAD(xc_nets);
static DEFINE_MUTEX(xc_nets_lock);

static int __net_init xc_net_init(struct net *net)
{
	struct xc_net *xn = xc_net(net);

	xn->net = net;
	mutex_init(&xn->lock);
	hash_init(xn->frozen);
	INIT_LIST_HEAD(&xn->frozen_list);
	INIT_DELAYED_WORK(&xn->lease_work, xc_lease_work);
	INIT_WORK(&xn->reap_work, xc_reap_work);
	mutex_lock(&xc_nets_lock);
	list_add(&xn->all, &xc_nets);
	mutex_unlock(&xc_nets_lock);
	return 0;
}

/* The namespace (or the module) goes away: forget every SA. */
static void __net_exit xc_net_exit(struct net *net)
{
	struct xc_net *xn = xc_net(net);

	mutex_lock(&xc_nets_lock);
	list_del(&xn->all);
	mutex_unlock(&xc_nets_lock);

	mutex_lock(&xn->lock);
	WRITE_ONCE(xn->closing, true);
	mutex_unlock(&xn->lock);
	cancel_delayed_work_sync(&xn->lease_work);
	cancel_work_sync(&xn->reap_work);

	mutex_lock(&xn->lock);
	xc_net_forget_all(xn);
	mutex_unlock(&xn->lock);
	mutex_destroy(&xn->lock);
}

static struct pernet_operations xc_net_ops = {
	.init	= xc_net_init,
	.exit	= xc_net_exit,
	.id	= &xc_net_id,
	.size	= sizeof(struct xc_net),
};

static int __init xc_init(void)
{
	int err;

	err = register_pernet_subsys(&xc_net_ops);
	if (err)
		return err;
	err = xc_km_register();
	if (err)
		goto err_pernet;
	err = genl_register_family(&xc_genl_family);
	if (err)
		goto err_km;

	pr_info("version %s, interface %u\n", XC_MODULE_VERSION, XFRM_CTX_FAMILY_VERSION);
	return 0;

err_km:
	xc_km_unregister();
err_pernet:
	unregister_pernet_subsys(&xc_net_ops);
	return err;
}

static void __exit xc_exit(void)
{
	struct xc_net *xn;

	/*
	 * Thaw what may be thawed, delete what is held (exported while frozen
	 * or staged: its twin may be live), while listeners can still hear
	 * about it; from here on every request that would freeze is refused.
	 * Then no new request (unregistering waits for running ones), no
	 * key-manager callback, and last the per-namespace state.
	 */
	mutex_lock(&xc_nets_lock);
	list_for_each_entry(xn, &xc_nets, all) {
		mutex_lock(&xn->lock);
		WRITE_ONCE(xn->closing, true);
		xc_net_unload(xn);
		mutex_unlock(&xn->lock);
	}
	mutex_unlock(&xc_nets_lock);

	genl_unregister_family(&xc_genl_family);
	xc_km_unregister();
	unregister_pernet_subsys(&xc_net_ops);
}

module_init(xc_init);
module_exit(xc_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("IPsec SA context transfer: freeze, export, import");
MODULE_VERSION(XC_MODULE_VERSION);
MODULE_ALIAS_GENL_FAMILY(XFRM_CTX_FAMILY_NAME);
