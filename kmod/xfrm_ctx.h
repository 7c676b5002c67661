/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interfaces of the xfrm_ctx module. */
#ifndef _XFRM_CTX_H
#define _XFRM_CTX_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "compat.h"

#define XC_MODULE_VERSION	"0.1.0"

/*
 * Per network namespace state. Lock order: xc_net.lock, then x->lock of any
 * xfrm_state. The genl family runs with parallel_ops, so that the
 * synchronize_net() a freeze needs runs under this mutex and never under the
 * global genl mutex.
 */
struct xc_net {
	struct net		*net;
	struct mutex		lock;
	struct list_head	frozen;		/* struct xc_frozen, by .node */
	unsigned int		nr_frozen;
	struct delayed_work	lease_work;	/* thaws SAs whose lease ran out */
	struct work_struct	reap_work;	/* forgets SAs deleted meanwhile */
	bool			dying;
};

extern unsigned int xc_net_id;
extern struct genl_family xc_genl_family;

static inline struct xc_net *xc_net(struct net *net)
{
	return net_generic(net, xc_net_id);
}

#endif /* _XFRM_CTX_H */
