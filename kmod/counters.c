// SPDX-License-Identifier: GPL-2.0
/*
 * Sequence counters and replay windows, in one 64-bit view whatever the
 * replay mode (legacy and bitmap modes have 32-bit counters, ESN 64-bit).
 *
 * Outbound jump: the new host starts sending past anything the old one may
 * have sent; RFC 4303 forbids reusing a sequence number under one SA, and the
 * peer's window would drop repeats. Without ESN, passing 2^32 - 1 is refused:
 * the SA must be rekeyed instead.
 *
 * Inbound jump: the window's top moves forward and everything below it
 * counts as seen, so packets the old host may have accepted after the
 * snapshot cannot be replayed to the new one (at the price of dropping the
 * peer's packets below the new top).
 *
 * Callers hold x->lock or own a state nobody else can see yet.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <net/xfrm.h>

#include "netlink-gen.h"
#include "xfrm_ctx.h"

static bool xc_is_esn(const struct xfrm_state *x)
{
	return x->replay_esn && (x->props.flags & XFRM_STATE_ESN);
}

u64 xc_replay_oseq(const struct xfrm_state *x)
{
	if (!x->replay_esn)
		return x->replay.oseq;
	return ((u64)(xc_is_esn(x) ? x->replay_esn->oseq_hi : 0) << 32) |
	       x->replay_esn->oseq;
}

u64 xc_replay_seq(const struct xfrm_state *x)
{
	if (!x->replay_esn)
		return x->replay.seq;
	return ((u64)(xc_is_esn(x) ? x->replay_esn->seq_hi : 0) << 32) |
	       x->replay_esn->seq;
}

static void xc_set_oseq(struct xfrm_state *x, u64 v)
{
	if (!x->replay_esn) {
		x->replay.oseq = v;
		return;
	}
	x->replay_esn->oseq = v;
	if (xc_is_esn(x))
		x->replay_esn->oseq_hi = v >> 32;
}

static void xc_set_seq(struct xfrm_state *x, u64 v)
{
	if (!x->replay_esn) {
		x->replay.seq = v;
		return;
	}
	x->replay_esn->seq = v;
	if (xc_is_esn(x))
		x->replay_esn->seq_hi = v >> 32;
}

static u64 xc_seq_limit(const struct xfrm_state *x)
{
	return xc_is_esn(x) ? U64_MAX : U32_MAX;
}

/* Every sequence number inside the window counts as received. */
static void xc_window_all_seen(struct xfrm_state *x)
{
	if (!x->replay_esn) {
		x->replay.bitmap = ~0U;
		return;
	}
	memset(x->replay_esn->bmp, 0xff, x->replay_esn->bmp_len * sizeof(u32));
}

static int xc_check_room(const struct xfrm_state *x, u64 cur, u64 jump, bool out,
			 const struct nlattr *attr, struct netlink_ext_ack *extack)
{
	if (jump <= xc_seq_limit(x) - cur)
		return 0;
	if (out && !xc_is_esn(x) && (x->props.extra_flags & XFRM_SA_XFLAG_OSEQ_MAY_WRAP))
		return 0;
	NL_SET_ERR_MSG_FMT_MOD(extack, "0x%08x %s+%llu: sequence space exhausted, rekey needed",
			       ntohl(x->id.spi), out ? "oseq" : "seq", jump);
	NL_SET_BAD_ATTR(extack, attr);
	return -ERANGE;
}

int xc_jump_out(struct xfrm_state *x, u64 jump, const struct nlattr *attr,
		struct netlink_ext_ack *extack)
{
	u64 cur = xc_replay_oseq(x);
	int err;

	/* An input SA (SA directions) keeps its output counter at 0. */
	if (!jump || x->id.proto == IPPROTO_COMP || xc_state_dir(x) == XC_SA_DIR_IN)
		return 0;
	err = xc_check_room(x, cur, jump, true, attr, extack);
	if (err)
		return err;
	xc_set_oseq(x, cur + jump);	/* wraps only where the SA allows it */
	return 0;
}

int xc_jump_in(struct xfrm_state *x, u64 jump, const struct nlattr *attr,
	       struct netlink_ext_ack *extack)
{
	u64 cur = xc_replay_seq(x);
	int err;

	if (!jump || x->id.proto == IPPROTO_COMP || xc_state_dir(x) == XC_SA_DIR_OUT)
		return 0;
	err = xc_check_room(x, cur, jump, false, attr, extack);
	if (err)
		return err;
	xc_set_seq(x, cur + jump);
	xc_window_all_seen(x);
	return 0;
}

/*
 * The counters a snapshot carries, for applying them onto an existing SA;
 * its current lifetime is checked here too (xc_lft_update() applies it).
 */
static int xc_counters_parse(struct nlattr **sa, struct xc_replay *c,
			     const struct nlattr *nest, struct netlink_ext_ack *extack)
{
	int err;

	if (!sa[XFRM_CTX_SA_REPLAY]) {
		NL_SET_ERR_MSG_MOD(extack, "the snapshot has no replay state");
		NL_SET_ERR_ATTR_MISS(extack, nest, XFRM_CTX_SA_REPLAY);
		return -EINVAL;
	}
	err = xc_replay_parse(sa[XFRM_CTX_SA_REPLAY], c, extack);
	if (err)
		return err;
	if (sa[XFRM_CTX_SA_CURLFT]) {
		struct nlattr *lft[XFRM_CTX_LFT_MAX + 1];

		err = nla_parse_nested(lft, XFRM_CTX_LFT_MAX, sa[XFRM_CTX_SA_CURLFT],
				       xfrm_ctx_curlft_nl_policy, extack);
		if (err)
			return err;
	}
	return 0;
}

static u32 xc_window_of(const struct xfrm_state *x)
{
	return x->replay_esn ? x->replay_esn->replay_window : x->props.replay_window;
}

/*
 * May the snapshot's counters go onto x? Same replay mode, and room for the
 * jumps. Nothing is changed here.
 */
int xc_counters_check(const struct xfrm_state *x, struct nlattr **sa, u64 out_jump,
		      u64 in_jump, const struct nlattr *nest,
		      struct netlink_ext_ack *extack)
{
	struct xc_replay c;
	int err;

	err = xc_counters_parse(sa, &c, nest, extack);
	if (err)
		return err;
	if (c.mode != xc_replay_mode(x)) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "SA 0x%08x: replay mode %u, snapshot has %u",
				       ntohl(x->id.spi), xc_replay_mode(x), c.mode);
		NL_SET_BAD_ATTR(extack, sa[XFRM_CTX_SA_REPLAY]);
		return -EINVAL;
	}
	return xc_check_room(x, c.oseq, out_jump, true, nest, extack) ?:
	       xc_check_room(x, c.seq, in_jump, false, nest, extack);
}

/*
 * Move x's counters forward to the snapshot's (plus the jumps), never back.
 * The inbound window keeps what x saw: at the same top the bitmaps are
 * merged; at a new top, the snapshot's bitmap is taken if the windows match
 * and no jump moved it, else everything below the top counts as seen.
 * Call under x->lock after xc_counters_check().
 */
void xc_counters_apply(struct xfrm_state *x, struct nlattr **sa, u64 out_jump,
		       u64 in_jump)
{
	struct xc_replay c;
	bool same_shape;
	u64 oseq, seq;
	u32 i;

	if (xc_counters_parse(sa, &c, NULL, NULL))
		return;
	same_shape = c.window == xc_window_of(x) &&
		     c.words == (x->replay_esn ? x->replay_esn->bmp_len : 1);

	oseq = c.oseq + out_jump;
	if (x->id.proto != IPPROTO_COMP && oseq > xc_replay_oseq(x))
		xc_set_oseq(x, oseq);

	seq = c.seq + in_jump;
	if (x->id.proto == IPPROTO_COMP) {
		/* no sequence numbers */
	} else if (seq > xc_replay_seq(x)) {
		xc_set_seq(x, seq);
		if (in_jump || !same_shape)
			xc_window_all_seen(x);
		else if (x->replay_esn)
			memcpy(x->replay_esn->bmp, c.bmp, c.words * sizeof(u32));
		else
			x->replay.bitmap = c.bmp[0];
	} else if (seq == xc_replay_seq(x) && same_shape) {
		if (x->replay_esn) {
			for (i = 0; i < c.words; i++)
				x->replay_esn->bmp[i] |= c.bmp[i];
		} else {
			x->replay.bitmap |= c.bmp[0];
		}
	}

	xc_lft_update(x, sa);
	x->preplay = x->replay;
	if (x->replay_esn)
		memcpy(x->preplay_esn, x->replay_esn, xfrm_replay_state_esn_len(x->replay_esn));
}
