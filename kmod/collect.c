// SPDX-License-Identifier: GPL-2.0
/*
 * Walking a namespace's SAs. xfrm_state_walk() calls back under the state
 * table's spinlock, where taking an SA's own lock would invert the lock order
 * (x->lock, then xfrm_state_lock) and sleeping is forbidden. So the callback
 * only takes references, XC_BATCH at a time, and pauses the walk when the
 * batch is full; the caller acts on the batch with no table lock held and
 * resumes. The walker stays linked in the table's list between batches, so
 * xc_collect_done() must always be called.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <net/xfrm.h>

#include "xfrm_ctx.h"

void xc_collect_init(struct xc_collect *c,
		     bool (*match)(const struct xfrm_state *x, const void *arg),
		     const void *arg)
{
	memset(c, 0, sizeof(*c));
	/* ESP, AH and IPcomp only: not the IPIP states IPcomp creates itself. */
	xfrm_state_walk_init(&c->walk, IPSEC_PROTO_ANY, NULL);
	c->match = match;
	c->arg = arg;
}

static int xc_collect_one(struct xfrm_state *x, int count, void *ptr)
{
	struct xc_collect *c = ptr;

	if (c->n == XC_BATCH)
		return -ENOSPC;		/* pause; x is visited again on resume */
	if (c->match && !c->match(x, c->arg))
		return 0;
	if (x->km.state != XFRM_STATE_VALID && x->km.state != XFRM_STATE_ERROR)
		return 0;		/* larval, expired or dying: not an SA to act on */
	xfrm_state_hold(x);
	c->batch[c->n++] = x;
	return 0;
}

/*
 * Fill c->batch with the next matching states (c->n of them, 0 at the end).
 * Returns 0 or a negative errno.
 */
int xc_collect_next(struct net *net, struct xc_collect *c)
{
	int err;

	c->n = 0;
	if (c->done)
		return 0;
	err = xfrm_state_walk(net, &c->walk, xc_collect_one, c);
	if (err == -ENOSPC)
		return 0;
	c->done = true;
	if (err == -ENOENT)	/* the table held no state at all */
		return 0;
	return err;
}

void xc_collect_put_batch(struct xc_collect *c)
{
	unsigned int i;

	for (i = 0; i < c->n; i++)
		xfrm_state_put(c->batch[i]);
	c->n = 0;
}

void xc_collect_done(struct net *net, struct xc_collect *c)
{
	xc_collect_put_batch(c);
	xfrm_state_walk_done(&c->walk, net);
}

bool xc_match_reqid(const struct xfrm_state *x, const void *arg)
{
	return x->props.reqid == *(const u32 *)arg;
}
