// SPDX-License-Identifier: GPL-2.0
/*
 * Freezing an SA: its km.state goes from VALID to ERROR under x->lock, then
 * an (expedited) RCU grace period waits out packets that passed the unlocked
 * checks of the input path. ERROR is the one state that stops both paths and nothing else:
 * xfrm_input() and xfrm_output_one() drop packets of a state that is not
 * VALID (XfrmInStateInvalid, XfrmOutStateInvalid), xfrm_state_find() answers
 * -ESRCH for an ERROR state that matches a flow instead of sending an ACQUIRE
 * (XfrmOutNoStates), cached bundles fail xfrm_bundle_ok(), and neither the
 * timers nor the garbage collector treat ERROR as expired or dead (VOID would
 * trigger acquires, ACQ is deleted by a matching add, EXPIRED by the next
 * timer tick, DEAD cannot be undone). Hard lifetimes still apply.
 *
 * Every frozen SA has a lease: if nobody thaws, releases or renews it in
 * time, it thaws by itself, so a crashed HA daemon cannot black-hole a
 * tunnel. Not so an SA that is held (exported while frozen, or imported
 * staged): its twin on another host may carry the tunnel with the same key,
 * sequence numbers and IV salt, so thawing it could repeat GCM nonces. Its
 * lease only sends an event; it stays frozen until thawed or released on
 * purpose, and unloading the module deletes it (see xc_net_unload()).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/ip.h>
#include <net/xfrm.h>

#include "netlink-gen.h"
#include "xfrm_ctx.h"

struct xc_frozen *xc_frozen_find(struct xc_net *xn, const struct xfrm_state *x)
{
	struct xc_frozen *f;

	hash_for_each_possible(xn->frozen, f, hnode, (unsigned long)x)
		if (f->x == x)
			return f;
	return NULL;
}

/* Namespace-wide drop counters, so a frozen SA can report its losses. */
static void xc_mib_read(struct net *net, u64 *in, u64 *out)
{
#ifdef CONFIG_XFRM_STATISTICS
	*in = xc_snmp_fold(net->mib.xfrm_statistics, LINUX_MIB_XFRMINSTATEINVALID);
	*out = xc_snmp_fold(net->mib.xfrm_statistics, LINUX_MIB_XFRMOUTNOSTATES) +
	       xc_snmp_fold(net->mib.xfrm_statistics, LINUX_MIB_XFRMOUTPOLERROR) +
	       xc_snmp_fold(net->mib.xfrm_statistics, LINUX_MIB_XFRMOUTSTATEINVALID);
#else
	*in = 0;
	*out = 0;
#endif
}

static void xc_frozen_free(struct xc_net *xn, struct xc_frozen *f)
{
	lockdep_assert_held(&xn->lock);
	hash_del(&f->hnode);
	list_del(&f->node);
	WRITE_ONCE(xn->nr_frozen, xn->nr_frozen - 1);
	xfrm_state_put(f->x);
	kfree(f);
}

/* Drop the record of x, if any, leaving its state as it is. */
void xc_frozen_forget(struct xc_net *xn, struct xfrm_state *x)
{
	struct xc_frozen *f = xc_frozen_find(xn, x);

	if (f)
		xc_frozen_free(xn, f);
}

/*
 * Freeze x (caller holds xn->lock and a reference on x). The freeze takes
 * effect for every packet once xc_freeze_commit() returns; one commit serves
 * any number of freezes. A staged state is not in the table yet and is
 * already ERROR.
 */
int xc_freeze(struct xc_net *xn, struct xfrm_state *x, unsigned int lease_s,
	      bool renew, bool staged, struct netlink_ext_ack *extack)
{
	unsigned long expires = jiffies + msecs_to_jiffies(lease_s * MSEC_PER_SEC);
	struct xc_frozen *f;
	int err;

	lockdep_assert_held(&xn->lock);
	if (xn->closing) {
		NL_SET_ERR_MSG_MOD(extack, "the module or namespace is going away");
		return -ESHUTDOWN;
	}
	f = xc_frozen_find(xn, x);
	if (f) {
		if (!renew) {
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "SA 0x%08x is already frozen (renew extends the lease)",
					       ntohl(x->id.spi));
			return -EALREADY;
		}
		f->expires = expires;
		f->lease_over = false;
		return 0;
	}
	err = xc_check_exportable(x, true, extack);
	if (err)
		return err;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;

	if (!staged) {
		spin_lock_bh(&x->lock);
		if (x->km.state != XFRM_STATE_VALID) {
			u8 state = x->km.state;

			spin_unlock_bh(&x->lock);
			kfree(f);
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "SA 0x%08x is not live (state %u); nothing to freeze",
					       ntohl(x->id.spi), state);
			return -EINVAL;
		}
		x->km.state = XFRM_STATE_ERROR;
		spin_unlock_bh(&x->lock);
	}

	xfrm_state_hold(x);
	f->x = x;
	f->expires = expires;
	f->frozen_at = ktime_get_boottime_ns();
	f->staged = staged;
	xc_mib_read(xn->net, &f->mib_in, &f->mib_out);
	hash_add(xn->frozen, &f->hnode, (unsigned long)x);
	list_add_tail(&f->node, &xn->frozen_list);
	WRITE_ONCE(xn->nr_frozen, xn->nr_frozen + 1);
	return 0;
}

/*
 * Wait until no packet that passed an SA's state check before the freeze is
 * still being processed, then (re)arm the lease timer. This is what
 * synchronize_net() waits for, expedited as synchronize_net() does when it
 * runs under RTNL: the tunnel carries nothing until the hand-over ends, so
 * the wait is on its critical path, and hand-overs are rare.
 */
void xc_freeze_commit(struct xc_net *xn)
{
	lockdep_assert_held(&xn->lock);
	synchronize_rcu_expedited();
	xc_lease_rearm(xn);
}

/* Let x carry traffic again and forget it; event says why. */
int xc_thaw(struct xc_net *xn, struct xfrm_state *x, u32 event,
	    struct netlink_ext_ack *extack)
{
	struct xc_frozen *f;
	bool gone;

	lockdep_assert_held(&xn->lock);
	f = xc_frozen_find(xn, x);
	if (!f) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "SA 0x%08x is not frozen",
				       ntohl(x->id.spi));
		return -ENOENT;
	}
	spin_lock_bh(&x->lock);
	gone = x->km.state == XFRM_STATE_DEAD;
	if (x->km.state == XFRM_STATE_ERROR)
		x->km.state = XFRM_STATE_VALID;
	spin_unlock_bh(&x->lock);

	xc_event(xn, gone ? XFRM_CTX_EV_GONE : event, x, f);
	xc_frozen_free(xn, f);
	return 0;
}

/*
 * Remove a frozen SA after a completed hand-over. xfrm_state_delete() sends
 * no message to key managers: the IKE daemon is not told, so it cannot send
 * a DELETE to the peer; it learns of the loss only when it next queries or
 * deletes the SA itself. The audit log records the deletion, as for
 * `ip xfrm state delete`. The caller asked the LSM (labelled SAs are never
 * frozen, see xc_check_exportable()).
 */
int xc_release(struct xc_net *xn, struct xfrm_state *x,
	       struct netlink_ext_ack *extack)
{
	struct xc_frozen *f;
	int err;

	lockdep_assert_held(&xn->lock);
	f = xc_frozen_find(xn, x);
	if (!f) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "SA 0x%08x is not frozen; only frozen SAs are released",
				       ntohl(x->id.spi));
		return -ENOENT;
	}
	err = xfrm_state_delete(x);
	xfrm_audit_state_delete(x, err ? 0 : 1, true);
	xc_event(xn, XFRM_CTX_EV_RELEASED, x, f);
	xc_frozen_free(xn, f);
	return 0;
}

/* Forget frozen SAs that someone else deleted, flushed or expired. */
void xc_frozen_reap(struct xc_net *xn)
{
	struct xc_frozen *f, *tmp;

	lockdep_assert_held(&xn->lock);
	list_for_each_entry_safe(f, tmp, &xn->frozen_list, node) {
		if (READ_ONCE(f->x->km.state) != XFRM_STATE_DEAD)
			continue;
		xc_event(xn, XFRM_CTX_EV_GONE, f->x, f);
		xc_frozen_free(xn, f);
	}
}

/* x's snapshot was exported while it was frozen: hold it (caller has xn->lock). */
void xc_mark_exported(struct xc_net *xn, struct xfrm_state *x)
{
	struct xc_frozen *f;

	lockdep_assert_held(&xn->lock);
	f = xc_frozen_find(xn, x);
	if (f)
		f->exported = true;
}

/*
 * Delete a held SA as `ip xfrm state delete` would, telling key managers
 * (XFRM_MSG_DELSA) and the audit log, and forget it.
 */
static void xc_delete_held(struct xc_net *xn, struct xc_frozen *f)
{
	struct km_event c = { .event = XFRM_MSG_DELSA };
	struct xfrm_state *x = f->x;
	int err;

	err = xfrm_state_delete(x);
	xfrm_audit_state_delete(x, err ? 0 : 1, true);
	if (!err)
		km_state_notify(x, &c);
	xc_event(xn, err ? XFRM_CTX_EV_GONE : XFRM_CTX_EV_UNLOAD_DELETED, x, f);
	xc_frozen_free(xn, f);
}

/*
 * The module goes away: nothing will keep an SA frozen any more. Held SAs
 * are deleted (thawing them could repeat nonces), the others thawed.
 */
void xc_net_unload(struct xc_net *xn)
{
	struct xc_frozen *f, *tmp;

	lockdep_assert_held(&xn->lock);
	list_for_each_entry_safe(f, tmp, &xn->frozen_list, node) {
		if (xc_frozen_held(f))
			xc_delete_held(xn, f);
		else
			xc_thaw(xn, f->x, XFRM_CTX_EV_UNLOADED, NULL);
	}
}

/*
 * The namespace goes away and the xfrm core flushes its SAs next: drop our
 * references. Held SAs stay frozen until then; the rest are thawed, as the
 * namespace has no device left to carry a packet.
 */
void xc_net_forget_all(struct xc_net *xn)
{
	struct xc_frozen *f, *tmp;

	lockdep_assert_held(&xn->lock);
	list_for_each_entry_safe(f, tmp, &xn->frozen_list, node) {
		if (xc_frozen_held(f))
			xc_frozen_free(xn, f);
		else
			xc_thaw(xn, f->x, XFRM_CTX_EV_THAWED, NULL);
	}
}

void xc_lease_rearm(struct xc_net *xn)
{
	unsigned long first = 0;
	struct xc_frozen *f;
	bool any = false;

	lockdep_assert_held(&xn->lock);
	list_for_each_entry(f, &xn->frozen_list, node) {
		if (f->lease_over)
			continue;
		if (!any || time_before(f->expires, first))
			first = f->expires;
		any = true;
	}
	if (!any || xn->closing) {
		cancel_delayed_work(&xn->lease_work);
		return;
	}
	mod_delayed_work(xc_system_wq(), &xn->lease_work,
			 time_after(first, jiffies) ? first - jiffies : 0);
}

void xc_lease_work(struct work_struct *work)
{
	struct xc_net *xn = container_of(to_delayed_work(work), struct xc_net,
					 lease_work);
	struct xc_frozen *f, *tmp;

	mutex_lock(&xn->lock);
	xc_frozen_reap(xn);
	list_for_each_entry_safe(f, tmp, &xn->frozen_list, node) {
		if (f->lease_over || time_before(jiffies, f->expires))
			continue;
		if (xc_frozen_held(f)) {
			f->lease_over = true;
			xc_event(xn, XFRM_CTX_EV_LEASE_HELD, f->x, f);
		} else {
			xc_thaw(xn, f->x, XFRM_CTX_EV_LEASE_EXPIRED, NULL);
		}
	}
	xc_lease_rearm(xn);
	mutex_unlock(&xn->lock);
}

void xc_reap_work(struct work_struct *work)
{
	struct xc_net *xn = container_of(work, struct xc_net, reap_work);

	mutex_lock(&xn->lock);
	xc_frozen_reap(xn);
	xc_lease_rearm(xn);
	mutex_unlock(&xn->lock);
}

int xc_frozen_put(struct sk_buff *skb, struct xc_net *xn,
		  const struct xfrm_state *x, const struct xc_frozen *f)
{
	struct nlattr *nest;
	u64 in, out;

	nest = nla_nest_start(skb, XFRM_CTX_A_FROZEN);
	if (!nest)
		return -EMSGSIZE;
	if (xc_sa_id_put(skb, XFRM_CTX_FROZEN_SA_ID, x) ||
	    nla_put_u32(skb, XFRM_CTX_FROZEN_REQID, x->props.reqid))
		goto nospace;
	if (f) {
		long left = (long)(f->expires - jiffies);

		xc_mib_read(xn->net, &in, &out);
		if (nla_put_u32(skb, XFRM_CTX_FROZEN_LEASE_LEFT_MS,
				left > 0 ? jiffies_to_msecs(left) : 0) ||
		    nla_put_u64_64bit(skb, XFRM_CTX_FROZEN_FROZEN_MS,
				      div_u64(ktime_get_boottime_ns() - f->frozen_at,
					      NSEC_PER_MSEC),
				      XFRM_CTX_FROZEN_PAD) ||
		    (f->staged && nla_put_flag(skb, XFRM_CTX_FROZEN_STAGED)) ||
		    (f->exported && nla_put_flag(skb, XFRM_CTX_FROZEN_EXPORTED)) ||
		    nla_put_u64_64bit(skb, XFRM_CTX_FROZEN_DROPS_IN, in - f->mib_in,
				      XFRM_CTX_FROZEN_PAD) ||
		    nla_put_u64_64bit(skb, XFRM_CTX_FROZEN_DROPS_OUT, out - f->mib_out,
				      XFRM_CTX_FROZEN_PAD))
			goto nospace;
	}
	nla_nest_end(skb, nest);
	return 0;
nospace:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}
