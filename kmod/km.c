// SPDX-License-Identifier: GPL-2.0
/*
 * A key manager registered with the xfrm core to hear of what happens to
 * frozen SAs behind our back. It never acquires SAs nor compiles socket
 * policies.
 *
 * notify(): a frozen SA deleted, expired or flushed by someone else (the IKE
 * daemon, `ip xfrm state flush`) has its reference dropped and an event sent
 * at once, not when its lease runs out. It can run under x->lock in softirq
 * context (a hard expiry), so it only schedules work.
 *
 * migrate(): XFRM_MSG_MIGRATE (MOBIKE) replaces an SA by a copy with new
 * addresses, and xfrm_state_migrate() initialises that copy as VALID: a
 * frozen SA would silently come back to life. The core offers no way to
 * refuse a migration, so the copy is frozen at once, with the original's
 * lease, and a "migrated" event says what happened. The callback runs under
 * rcu_read_lock(), so the freeze happens in a work item; packets may use
 * the copy until it runs (a daemon that migrates SAs it froze has abandoned
 * the hand-over anyway).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/xfrm.h>

#include "netlink-gen.h"
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

static bool xc_migrate_match(const struct xfrm_state *x, const struct xfrm_migrate *mp)
{
	return mp->proto == x->id.proto && mp->mode == x->props.mode &&
	       (!xc_migrate_reqid(mp) || xc_migrate_reqid(mp) == x->props.reqid) &&
	       mp->old_family == x->props.family &&
	       xfrm_addr_equal(&x->id.daddr, &mp->old_daddr, mp->old_family) &&
	       xfrm_addr_equal(&x->props.saddr, &mp->old_saddr, mp->old_family);
}

struct xc_migrate_work {
	struct work_struct	work;
	struct net		*net;		/* held */
	int			n;
	struct xfrm_migrate	m[];
};

static struct workqueue_struct *xc_km_wq;

static void xc_migrate_work(struct work_struct *work)
{
	struct xc_migrate_work *w = container_of(work, struct xc_migrate_work, work);
	struct xc_net *xn = xc_net(w->net);
	struct xc_frozen *f, *tmp;
	bool refrozen = false;
	int i;

	mutex_lock(&xn->lock);
	list_for_each_entry_safe(f, tmp, &xn->frozen_list, node) {
		struct xfrm_state *x = f->x, *xc;
		unsigned int lease;

		if (READ_ONCE(x->km.state) != XFRM_STATE_DEAD)
			continue;
		for (i = 0; i < w->n; i++) {
			if (!xc_migrate_match(x, &w->m[i]))
				continue;
			xc = xfrm_state_lookup(w->net, x->mark.v & x->mark.m, &w->m[i].new_daddr,
					       x->id.spi, x->id.proto, w->m[i].new_family);
			if (!xc)
				continue;
			lease = 1;
			if (time_after(f->expires, jiffies))
				lease = DIV_ROUND_UP(jiffies_to_msecs(f->expires - jiffies),
						     MSEC_PER_SEC);
			if (!xc_freeze(xn, xc, lease, false, false, NULL)) {
				struct xc_frozen *nf = xc_frozen_find(xn, xc);

				/* a copy of a held SA is held as well */
				nf->exported = xc_frozen_held(f);
				xc_event(xn, XFRM_CTX_EV_MIGRATED, xc, nf);
				refrozen = true;
			}
			xfrm_state_put(xc);
		}
	}
	xc_frozen_reap(xn);
	if (refrozen)
		xc_freeze_commit(xn);
	mutex_unlock(&xn->lock);
	put_net(w->net);
	kfree(w);
}

/* Called under rcu_read_lock(): hand the work to process context. */
static int xc_km_migrate(const struct xfrm_selector *sel, u8 dir, u8 type,
			 const struct xfrm_migrate *m, int num_bundles,
			 const struct xfrm_kmaddress *k, struct net *net,
			 const struct xfrm_encap_tmpl *encap)
{
	struct xc_migrate_work *w;

	if (!READ_ONCE(xc_net(net)->nr_frozen) || num_bundles <= 0)
		return 0;
	w = kmalloc(struct_size(w, m, num_bundles), GFP_ATOMIC);
	if (!w)
		return 0;
	w->net = maybe_get_net(net);
	if (!w->net) {
		kfree(w);
		return 0;
	}
	w->n = num_bundles;
	memcpy(w->m, m, num_bundles * sizeof(*m));
	INIT_WORK(&w->work, xc_migrate_work);
	queue_work(xc_km_wq, &w->work);
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
	.migrate	= xc_km_migrate,
};

int xc_km_register(void)
{
	xc_km_wq = alloc_workqueue("xfrm_ctx_km", XC_WQ_PERCPU, 0);
	if (!xc_km_wq)
		return -ENOMEM;
	xfrm_register_km(&xc_km);
	return 0;
}

/* No callback after this returns, nor any of their work left. */
void xc_km_unregister(void)
{
	xfrm_unregister_km(&xc_km);
	destroy_workqueue(xc_km_wq);
}
