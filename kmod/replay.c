// SPDX-License-Identifier: GPL-2.0
/*
 * The replay nest of an "sa": one parser for import and update, the replay
 * state a new SA gets from it, and a state's replay mode as the nest names
 * it (export, and update's check that the modes agree).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <net/xfrm.h>

#include "netlink-gen.h"
#include "xfrm_ctx.h"

static u32 xc_get_u32(const struct nlattr *attr)
{
	return attr ? nla_get_u32(attr) : 0;
}

/**
 * xc_replay_parse() - read a replay nest
 * @nest: the XFRM_CTX_SA_REPLAY nest
 * @r: what it carries; r->bmp points into the nest
 * @extack: the refusal's message and attribute
 *
 * Only the nest's own shape is checked: a mode, a window and a bitmap of
 * whole 32-bit words. Whether they fit an SA is the caller's to say. The
 * high halves of the counters count in the ESN mode only.
 *
 * Return: 0 or -EINVAL.
 */
int xc_replay_parse(const struct nlattr *nest, struct xc_replay *r,
		    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[XFRM_CTX_REPLAY_MAX + 1];
	int err;

	memset(r, 0, sizeof(*r));
	err = nla_parse_nested(tb, XFRM_CTX_REPLAY_MAX, nest, xfrm_ctx_replay_nl_policy,
			       extack);
	if (err)
		return err;
	if (!tb[XFRM_CTX_REPLAY_MODE] || !tb[XFRM_CTX_REPLAY_WINDOW] ||
	    !tb[XFRM_CTX_REPLAY_BITMAP]) {
		NL_SET_ERR_MSG_MOD(extack, "replay needs mode, window and bitmap");
		NL_SET_BAD_ATTR(extack, nest);
		return -EINVAL;
	}
	if (nla_len(tb[XFRM_CTX_REPLAY_BITMAP]) % sizeof(u32)) {
		NL_SET_ERR_MSG_MOD(extack, "replay bitmap is not whole 32-bit words");
		NL_SET_BAD_ATTR(extack, tb[XFRM_CTX_REPLAY_BITMAP]);
		return -EINVAL;
	}
	r->mode_attr = tb[XFRM_CTX_REPLAY_MODE];
	r->bmp_attr = tb[XFRM_CTX_REPLAY_BITMAP];
	r->mode = nla_get_u8(tb[XFRM_CTX_REPLAY_MODE]);
	r->window = nla_get_u32(tb[XFRM_CTX_REPLAY_WINDOW]);
	r->words = nla_len(tb[XFRM_CTX_REPLAY_BITMAP]) / sizeof(u32);
	r->bmp = nla_data(tb[XFRM_CTX_REPLAY_BITMAP]);
	r->seq = xc_get_u32(tb[XFRM_CTX_REPLAY_SEQ]);
	r->oseq = xc_get_u32(tb[XFRM_CTX_REPLAY_OSEQ]);
	if (r->mode == XFRM_CTX_REPLAY_MODE_ESN) {
		r->seq |= (u64)xc_get_u32(tb[XFRM_CTX_REPLAY_SEQ_HI]) << 32;
		r->oseq |= (u64)xc_get_u32(tb[XFRM_CTX_REPLAY_OSEQ_HI]) << 32;
	}
	return 0;
}

/* The replay mode of an initialised state, as the replay nest names it. */
u8 xc_replay_mode(const struct xfrm_state *x)
{
	switch (x->repl_mode) {
	case XFRM_REPLAY_MODE_ESN:
		return XFRM_CTX_REPLAY_MODE_ESN;
	case XFRM_REPLAY_MODE_BMP:
		return XFRM_CTX_REPLAY_MODE_BMP;
	default:
		return XFRM_CTX_REPLAY_MODE_LEGACY;
	}
}

/* The legacy mode: x->replay, a window of at most 32, one bitmap word. */
static int xc_set_replay_legacy(struct xfrm_state *x, const struct xc_replay *r,
				const struct nlattr *nest, struct netlink_ext_ack *extack)
{
	if (r->window > 32 || r->words != 1) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "legacy replay: window %u, %u bitmap words (max 32, 1)",
				       r->window, r->words);
		NL_SET_BAD_ATTR(extack, nest);
		return -EINVAL;
	}
	x->props.replay_window = r->window;
	x->replay.seq = r->seq;
	x->replay.oseq = r->oseq;
	memcpy(&x->replay.bitmap, r->bmp, sizeof(u32));
	return 0;
}

/* The bitmap and ESN modes: x->replay_esn, as large as the bitmap. */
static int xc_set_replay_esn(struct xfrm_state *x, const struct xc_replay *r,
			     struct netlink_ext_ack *extack)
{
	struct xfrm_replay_state_esn *rs;
	u32 window = r->window;
	size_t size;

	/*
	 * An output SA of a kernel with SA directions (6.10+) has an ESN
	 * window of 0, which a kernel without them refuses; there the window
	 * is never used for output: give it the one its bitmap holds.
	 */
	if ((x->props.flags & XFRM_STATE_ESN) && !window && !XC_FEAT_SA_DIR &&
	    r->words <= XC_REPLAY_MAX_WORDS)
		window = r->words * 32;
	if (r->words > XC_REPLAY_MAX_WORDS || r->words * 32 < window || !r->words) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "bitmap of %u words does not fit window %u",
				       r->words, window);
		NL_SET_BAD_ATTR(extack, r->bmp_attr);
		return -EINVAL;
	}
	size = sizeof(*rs) + r->words * sizeof(u32);
	rs = kzalloc(size, GFP_KERNEL);
	if (!rs)
		return -ENOMEM;
	rs->bmp_len = r->words;
	rs->replay_window = window;
	rs->seq = lower_32_bits(r->seq);
	rs->seq_hi = upper_32_bits(r->seq);
	rs->oseq = lower_32_bits(r->oseq);
	rs->oseq_hi = upper_32_bits(r->oseq);
	memcpy(rs->bmp, r->bmp, r->words * sizeof(u32));
	x->replay_esn = rs;
	x->preplay_esn = kmemdup(rs, size, GFP_KERNEL);
	if (!x->preplay_esn)
		return -ENOMEM;
	return 0;
}

/**
 * xc_set_replay() - the replay state of a new SA from its replay nest
 * @x: the state being built; its flags and protocol are set
 * @nest: the XFRM_CTX_SA_REPLAY nest
 * @extack: the refusal's message and attribute
 *
 * The nest's mode must agree with the SA's esn flag, as XFRM netlink's
 * replay attributes must. What is allocated here goes with the state.
 *
 * Return: 0 or a negative errno.
 */
int xc_set_replay(struct xfrm_state *x, const struct nlattr *nest,
		  struct netlink_ext_ack *extack)
{
	bool esn = x->props.flags & XFRM_STATE_ESN;
	struct xc_replay r;
	bool mode_esn;
	int err;

	err = xc_replay_parse(nest, &r, extack);
	if (err)
		return err;
	mode_esn = r.mode == XFRM_CTX_REPLAY_MODE_ESN;
	if (esn != mode_esn) {
		NL_SET_ERR_MSG_MOD(extack, "replay mode esn goes with flag esn, and only with it");
		NL_SET_BAD_ATTR(extack, r.mode_attr);
		return -EINVAL;
	}
	if (esn && x->id.proto == IPPROTO_COMP) {
		NL_SET_ERR_MSG_MOD(extack, "comp has no sequence numbers; no esn");
		NL_SET_BAD_ATTR(extack, r.mode_attr);
		return -EINVAL;
	}
	if (r.mode == XFRM_CTX_REPLAY_MODE_LEGACY)
		return xc_set_replay_legacy(x, &r, nest, extack);
	return xc_set_replay_esn(x, &r, extack);
}
