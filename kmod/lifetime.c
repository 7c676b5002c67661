// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetimes, exactly. An SA's life is its limits (x->lft, carried as they
 * are), its counters (x->curlft) and whether its soft limit already fired
 * (x->km.dying: xfrm_timer_handler() and xfrm_state_check_expire() tell the
 * key manager once and set it). XFRM_SOFT_EXPIRE in x->xflags is not that:
 * the timer sets it while the soft add-time expiry is still to come and
 * clears it when it fires, and if it is set when the hard add time has
 * passed, the timer moves add_time forward, extending the SA's life. It is
 * the timer's own state and never travels.
 *
 * add_time and use_time are clock readings of the exporting host: they
 * travel as ages with the exporter's clock reading at the export (time).
 * The importer adds what its own clock says passed since then, so an SA
 * keeps the remaining life it had at the export minus the time the context
 * spent on its way, and expires on its original schedule; with unsynchronised
 * clocks the error is the offset between them (an importer behind the
 * exporter adds nothing). An SA whose hard limit has passed is refused:
 * it is dead (its timer or its next packet deletes it), and importing it
 * would only report its hard expiry a second time.
 *
 * An update (a standby's copy kept current, or the take-over's last
 * counters) carries the same: the copy an IKE daemon installed on the
 * standby was added later than the original and knows nothing of a soft
 * expiry that already fired; without the update it would rekey late,
 * expire late and tell its key manager a second time.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <net/xfrm.h>

#include "netlink-gen.h"
#include "xfrm_ctx.h"

int xc_lft_put(struct sk_buff *skb, const struct xfrm_lifetime_cur *cur)
{
	time64_t now = ktime_get_real_seconds();
	struct nlattr *nest = nla_nest_start(skb, XFRM_CTX_SA_CURLFT);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, XFRM_CTX_LFT_BYTES, cur->bytes, XFRM_CTX_LFT_PAD) ||
	    nla_put_u64_64bit(skb, XFRM_CTX_LFT_PACKETS, cur->packets, XFRM_CTX_LFT_PAD) ||
	    nla_put_u64_64bit(skb, XFRM_CTX_LFT_AGE,
			      max_t(time64_t, now - (time64_t)cur->add_time, 0),
			      XFRM_CTX_LFT_PAD) ||
	    (cur->use_time &&
	     nla_put_u64_64bit(skb, XFRM_CTX_LFT_USE_AGE,
			       max_t(time64_t, now - (time64_t)cur->use_time, 0),
			       XFRM_CTX_LFT_PAD)) ||
	    nla_put_u64_64bit(skb, XFRM_CTX_LFT_TIME, now, XFRM_CTX_LFT_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* An age at the export plus the time since, both at most now. */
static u64 xc_age(const struct nlattr *attr, u64 since, time64_t now)
{
	return min_t(u64, attr ? nla_get_u64(attr) : 0, now) + since;
}

static int xc_lft_over(const struct xfrm_state *x, const char *what, u64 cur, u64 limit,
		       const char *unit, const struct nlattr *attr,
		       struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG_FMT_MOD(extack, "SA 0x%08x: hard %s lifetime over: %llu of %llu %s",
			       ntohl(x->id.spi), what, cur, limit, unit);
	NL_SET_BAD_ATTR(extack, attr);
	return -EKEYEXPIRED;
}

/*
 * Set x's counters, ages and dying from the snapshot, x->lft already set;
 * refuse an SA whose hard limit has passed. x is not in the table yet.
 */
int xc_lft_import(struct xfrm_state *x, struct nlattr **sa, const struct nlattr *nest,
		  struct netlink_ext_ack *extack)
{
	const struct nlattr *attr = sa[XFRM_CTX_SA_CURLFT] ?: nest;
	const struct xfrm_lifetime_cfg *l = &x->lft;
	struct nlattr *tb[XFRM_CTX_LFT_MAX + 1] = {};
	time64_t now = ktime_get_real_seconds();
	u64 since = 0, age, use_age = 0;
	u64 bytes, packets;
	int err;

	if (sa[XFRM_CTX_SA_CURLFT]) {
		err = nla_parse_nested(tb, XFRM_CTX_LFT_MAX, sa[XFRM_CTX_SA_CURLFT],
				       xfrm_ctx_curlft_nl_policy, extack);
		if (err)
			return err;
	}
	if (tb[XFRM_CTX_LFT_TIME] && nla_get_u64(tb[XFRM_CTX_LFT_TIME]) < now)
		since = now - nla_get_u64(tb[XFRM_CTX_LFT_TIME]);
	age = xc_age(tb[XFRM_CTX_LFT_AGE], since, now);
	if (tb[XFRM_CTX_LFT_USE_AGE])
		use_age = xc_age(tb[XFRM_CTX_LFT_USE_AGE], since, now);
	bytes = tb[XFRM_CTX_LFT_BYTES] ? nla_get_u64(tb[XFRM_CTX_LFT_BYTES]) : 0;
	packets = tb[XFRM_CTX_LFT_PACKETS] ? nla_get_u64(tb[XFRM_CTX_LFT_PACKETS]) : 0;

	/* As xfrm_timer_handler() and xfrm_state_check_expire() compare. */
	if (l->hard_add_expires_seconds && age >= l->hard_add_expires_seconds)
		return xc_lft_over(x, "add", age, l->hard_add_expires_seconds, "s", attr,
				   extack);
	if (l->hard_use_expires_seconds && tb[XFRM_CTX_LFT_USE_AGE] &&
	    use_age >= l->hard_use_expires_seconds)
		return xc_lft_over(x, "use", use_age, l->hard_use_expires_seconds, "s", attr,
				   extack);
	if (bytes >= l->hard_byte_limit)
		return xc_lft_over(x, "byte", bytes, l->hard_byte_limit, "bytes", attr,
				   extack);
	if (packets >= l->hard_packet_limit)
		return xc_lft_over(x, "packet", packets, l->hard_packet_limit, "packets", attr,
				   extack);

	x->curlft.bytes = bytes;
	x->curlft.packets = packets;
	x->curlft.add_time = now - min_t(u64, age, now);
	x->curlft.use_time = tb[XFRM_CTX_LFT_USE_AGE] ? now - min_t(u64, use_age, now) : 0;
	/* A soft limit that fired is not reported again; one that passed while
	 * the context travelled fires at the new SA's first timer tick. The
	 * obsolete soft-expired flag (XFRM_SOFT_EXPIRE) is ignored.
	 */
	x->km.dying = !!sa[XFRM_CTX_SA_DYING];
	return 0;
}

/*
 * XFRM_SOFT_EXPIRE says the timer's last run found the soft add expiry to
 * come, saved_tmo seconds on; if the hard one has passed at its next run
 * with the flag still set, the timer takes add_time for a clock that was
 * set back and moves it forward, extending the SA's life. Once add_time
 * moved back or dying is set (the timer then skips the soft expiry and
 * never clears the flag), that reading is stale: clear it, and the timer's
 * next run sets it again if the soft expiry is still to come.
 */
static void xc_soft_expire_clear(struct xfrm_state *x)
{
	x->xflags &= ~XFRM_SOFT_EXPIRE;
}

/* The clock reading an age at the export stands for, now. */
static time64_t xc_clock(const struct nlattr *age, u64 since, time64_t now)
{
	return now - min_t(u64, xc_age(age, since, now), now);
}

/* The earlier of two clock readings; 0 (never) counts as latest. */
static time64_t xc_earlier(time64_t a, time64_t b)
{
	if (!a)
		return b;
	return b && b < a ? b : a;
}

/*
 * Fold the snapshot's lifetime state into a live SA, under x->lock:
 * counters and ages only move towards the older SA (the larger count, the
 * earlier add and first use), dying once set stays set. If the ages moved,
 * the SA's timer re-reads them within a second (as xfrm_state_update()
 * re-arms it); updates that change nothing leave the timer alone, so the
 * standby's frequent updates cannot keep pushing it back.
 */
void xc_lft_update(struct xfrm_state *x, struct nlattr **sa)
{
	struct nlattr *tb[XFRM_CTX_LFT_MAX + 1] = {};
	time64_t now = ktime_get_real_seconds();
	time64_t add, use;
	u64 since = 0;
	bool moved;

	if (sa[XFRM_CTX_SA_DYING] && !x->km.dying) {
		x->km.dying = 1;
		xc_soft_expire_clear(x);
	}
	if (!sa[XFRM_CTX_SA_CURLFT] ||
	    nla_parse_nested(tb, XFRM_CTX_LFT_MAX, sa[XFRM_CTX_SA_CURLFT],
			     xfrm_ctx_curlft_nl_policy, NULL))
		return;
	if (tb[XFRM_CTX_LFT_BYTES])
		x->curlft.bytes = max(x->curlft.bytes, nla_get_u64(tb[XFRM_CTX_LFT_BYTES]));
	if (tb[XFRM_CTX_LFT_PACKETS])
		x->curlft.packets = max(x->curlft.packets, nla_get_u64(tb[XFRM_CTX_LFT_PACKETS]));
	if (tb[XFRM_CTX_LFT_TIME] && nla_get_u64(tb[XFRM_CTX_LFT_TIME]) < now)
		since = now - nla_get_u64(tb[XFRM_CTX_LFT_TIME]);
	add = x->curlft.add_time;
	if (tb[XFRM_CTX_LFT_AGE])
		add = xc_earlier(add, xc_clock(tb[XFRM_CTX_LFT_AGE], since, now));
	use = x->curlft.use_time;
	if (tb[XFRM_CTX_LFT_USE_AGE])
		use = xc_earlier(use, xc_clock(tb[XFRM_CTX_LFT_USE_AGE], since, now));
	moved = add != x->curlft.add_time || use != x->curlft.use_time;
	x->curlft.add_time = add;
	x->curlft.use_time = use;
	if (moved) {
		xc_soft_expire_clear(x);
		hrtimer_start(&x->mtimer, ktime_set(1, 0), HRTIMER_MODE_REL_SOFT);
	}
}
