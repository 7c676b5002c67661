// SPDX-License-Identifier: GPL-2.0
/*
 * A key manager registered with the xfrm core for one reason: to hear when a
 * frozen SA is deleted, expired or flushed by someone else (the IKE daemon,
 * `ip xfrm state flush`), so its reference is dropped and an event sent at
 * once rather than when its lease runs out. It never acquires SAs nor
 * compiles socket policies.
 *
 * notify() can run under x->lock in softirq context (a hard expiry): it only
 * schedules work.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <net/net_namespace.h>
#include <net/xfrm.h>

#include "xfrm_ctx.h"

static int xc_km_notify(struct xfrm_state *x, const struct km_event *c)
{
	struct xc_net *xn;
	struct net *net;

	switch (c->event) {
	case XFRM_MSG_DELSA:
	case XFRM_MSG_EXPIRE:
	case XFRM_MSG_FLUSHSA:
		break;
	default:
		return 0;
	}
	if (c->event == XFRM_MSG_EXPIRE && !c->data.hard)
		return 0;
	/*
	 * Only a flush fills in c->net; other events leave it unset. A
	 * namespace being dismantled has had our state torn down already.
	 */
	net = x ? xs_net(x) : c->net;
	if (!net || !check_net(net))
		return 0;
	xn = xc_net(net);
	if (READ_ONCE(xn->nr_frozen) && !READ_ONCE(xn->closing))
		schedule_work(&xn->reap_work);
	return 0;
}

static int xc_km_acquire(struct xfrm_state *x, struct xfrm_tmpl *t, struct xfrm_policy *xp)
{
	return -EINVAL;
}

static struct xfrm_policy *xc_km_compile_policy(struct sock *sk, int opt, u8 *data,
						int len, int *dir)
{
	*dir = -EINVAL;
	return NULL;
}

static struct xfrm_mgr xc_km = {
	.notify		= xc_km_notify,
	.acquire	= xc_km_acquire,
	.compile_policy	= xc_km_compile_policy,
};

void xc_km_register(void)
{
	xfrm_register_km(&xc_km);
}

void xc_km_unregister(void)
{
	xfrm_unregister_km(&xc_km);
}
