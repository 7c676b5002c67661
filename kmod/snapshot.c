// SPDX-License-Identifier: GPL-2.0
/*
 * Export: everything that defines an SA, as one "sa" nest. What can change
 * while the SA lives (counters, replay window, lifetimes, encapsulation,
 * selector) is copied in one critical section under x->lock, so keys and
 * counters can never be torn (XFRM_MSG_GETSA reads them without the lock).
 * Algorithms and keys never change after an SA is created and are read from
 * the state, which the caller holds a reference on.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/crypto.h>
#include <linux/slab.h>
#include <net/xfrm.h>

#include "netlink-gen.h"
#include "xfrm_ctx.h"

struct xc_snap {
	struct xfrm_selector	sel;
	struct xfrm_lifetime_cfg lft;
	struct xfrm_lifetime_cur cur;
	struct xfrm_stats	stats;
	struct xfrm_encap_tmpl	encap;
	xfrm_address_t		coaddr;
	bool			has_encap, has_coaddr;
	u8			km_state;
	bool			dying;
	u32			mapping_maxage;
	u32			nat_keepalive;
	u32			replay_maxage, replay_maxdiff;
	u8			replay_mode;	/* XFRM_CTX_REPLAY_MODE_* */
	struct xfrm_replay_state legacy;
	u32			window;
	u32			seq, seq_hi, oseq, oseq_hi;
	u32			bmp_len;
	u32			bmp[XC_REPLAY_MAX_WORDS];
};

static int xc_snap_take(struct xfrm_state *x, struct xc_snap *s)
{
	int err = 0;

	spin_lock_bh(&x->lock);
	s->km_state = x->km.state;
	s->sel = x->sel;
	s->lft = x->lft;
	s->cur = x->curlft;
	s->stats = x->stats;
	s->has_encap = x->encap;
	if (x->encap)
		s->encap = *x->encap;
	s->has_coaddr = x->coaddr;
	if (x->coaddr)
		s->coaddr = *x->coaddr;
	s->dying = x->km.dying;
	s->mapping_maxage = x->mapping_maxage;
	s->nat_keepalive = xc_state_nat_keepalive(x);
	s->replay_maxage = x->replay_maxage;
	s->replay_maxdiff = x->replay_maxdiff;
	s->replay_mode = xc_replay_mode(x);
	if (x->replay_esn) {
		const struct xfrm_replay_state_esn *r = x->replay_esn;

		if (r->bmp_len > XC_REPLAY_MAX_WORDS) {
			err = -E2BIG;
		} else {
			s->window = r->replay_window;
			s->seq = r->seq;
			s->seq_hi = r->seq_hi;
			s->oseq = r->oseq;
			s->oseq_hi = r->oseq_hi;
			s->bmp_len = r->bmp_len;
			memcpy(s->bmp, r->bmp, r->bmp_len * sizeof(u32));
		}
	} else {
		s->window = x->props.replay_window;
		s->seq = x->replay.seq;
		s->oseq = x->replay.oseq;
		s->bmp_len = 1;
		s->bmp[0] = x->replay.bitmap;
	}
	spin_unlock_bh(&x->lock);
	return err;
}

static int xc_put_alg(struct sk_buff *skb, int type, const char *name,
		      const void *key, unsigned int key_bits, int len_attr, u32 len,
		      const char *geniv, const u8 *salt, unsigned int salt_len)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(skb, XFRM_CTX_ALG_NAME, name) ||
	    (key && nla_put(skb, XFRM_CTX_ALG_KEY, DIV_ROUND_UP(key_bits, 8), key)) ||
	    (len_attr && nla_put_u32(skb, len_attr, len)) ||
	    (geniv && nla_put_string(skb, XFRM_CTX_ALG_GENIV, geniv)) ||
	    (salt_len && nla_put(skb, XFRM_CTX_ALG_IV_SALT, salt_len, salt))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int xc_put_algs(struct sk_buff *skb, const struct xfrm_state *x,
		       const u8 *salt, unsigned int salt_len)
{
	if (x->aead &&
	    xc_put_alg(skb, XFRM_CTX_SA_ALG_AEAD, x->aead->alg_name, x->aead->alg_key,
		       x->aead->alg_key_len, XFRM_CTX_ALG_ICV_LEN, x->aead->alg_icv_len,
		       x->geniv, salt, salt_len))
		return -EMSGSIZE;
	if (x->aalg &&
	    xc_put_alg(skb, XFRM_CTX_SA_ALG_AUTH, x->aalg->alg_name, x->aalg->alg_key,
		       x->aalg->alg_key_len, XFRM_CTX_ALG_TRUNC_LEN,
		       x->aalg->alg_trunc_len, NULL, NULL, 0))
		return -EMSGSIZE;
	if (x->ealg &&
	    xc_put_alg(skb, XFRM_CTX_SA_ALG_CRYPT, x->ealg->alg_name, x->ealg->alg_key,
		       x->ealg->alg_key_len, 0, 0, x->geniv,
		       x->aead ? NULL : salt, x->aead ? 0 : salt_len))
		return -EMSGSIZE;
	if (x->calg &&
	    xc_put_alg(skb, XFRM_CTX_SA_ALG_COMP, x->calg->alg_name, NULL, 0, 0, 0,
		       NULL, NULL, 0))
		return -EMSGSIZE;
	return 0;
}

static int xc_put_replay(struct sk_buff *skb, const struct xc_snap *s)
{
	struct nlattr *nest = nla_nest_start(skb, XFRM_CTX_SA_REPLAY);
	u8 mode = s->replay_mode;

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, XFRM_CTX_REPLAY_MODE, mode) ||
	    nla_put_u32(skb, XFRM_CTX_REPLAY_WINDOW, s->window) ||
	    nla_put_u32(skb, XFRM_CTX_REPLAY_SEQ, s->seq) ||
	    nla_put_u32(skb, XFRM_CTX_REPLAY_OSEQ, s->oseq) ||
	    (mode == XFRM_CTX_REPLAY_MODE_ESN &&
	     (nla_put_u32(skb, XFRM_CTX_REPLAY_SEQ_HI, s->seq_hi) ||
	      nla_put_u32(skb, XFRM_CTX_REPLAY_OSEQ_HI, s->oseq_hi))) ||
	    nla_put(skb, XFRM_CTX_REPLAY_BITMAP, s->bmp_len * sizeof(u32), s->bmp)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int xc_put_encap(struct sk_buff *skb, const struct xfrm_state *x,
			const struct xc_snap *s)
{
	struct nlattr *nest = nla_nest_start(skb, XFRM_CTX_SA_ENCAP);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u16(skb, XFRM_CTX_ENCAP_TYPE, s->encap.encap_type) ||
	    nla_put_be16(skb, XFRM_CTX_ENCAP_SPORT, s->encap.encap_sport) ||
	    nla_put_be16(skb, XFRM_CTX_ENCAP_DPORT, s->encap.encap_dport) ||
	    nla_put(skb, XFRM_CTX_ENCAP_OA, xc_addr_len(x->props.family),
		    &s->encap.encap_oa)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int xc_put_stats(struct sk_buff *skb, const struct xc_snap *s)
{
	struct nlattr *nest = nla_nest_start(skb, XFRM_CTX_SA_STATS);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, XFRM_CTX_STATS_REPLAY_WINDOW, s->stats.replay_window) ||
	    nla_put_u32(skb, XFRM_CTX_STATS_REPLAY, s->stats.replay) ||
	    nla_put_u32(skb, XFRM_CTX_STATS_INTEGRITY_FAILED,
			s->stats.integrity_failed)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* An upper bound of x's nest, for sizing reply messages. */
size_t xc_snapshot_size(const struct xfrm_state *x)
{
	/* fixed attributes, selector, lifetimes, nests and their headers */
	size_t n = 768;

	n += (x->replay_esn ? x->replay_esn->bmp_len : 1) * sizeof(u32);
	if (x->aead)
		n += 192 + DIV_ROUND_UP(x->aead->alg_key_len, 8);
	if (x->aalg)
		n += 192 + DIV_ROUND_UP(x->aalg->alg_key_len, 8);
	if (x->ealg)
		n += 192 + DIV_ROUND_UP(x->ealg->alg_key_len, 8);
	if (x->calg)
		n += 96;
	return n;
}

/* What names the SA and shapes its processing: always there. */
static int xc_put_props(struct sk_buff *skb, const struct xfrm_state *x,
			const struct xc_snap *s)
{
	int alen = xc_addr_len(x->props.family);

	if (nla_put_u16(skb, XFRM_CTX_SA_FAMILY, x->props.family) ||
	    nla_put(skb, XFRM_CTX_SA_DADDR, alen, &x->id.daddr) ||
	    nla_put(skb, XFRM_CTX_SA_SADDR, alen, &x->props.saddr) ||
	    nla_put_be32(skb, XFRM_CTX_SA_SPI, x->id.spi) ||
	    nla_put_u8(skb, XFRM_CTX_SA_PROTO, x->id.proto) ||
	    nla_put_u8(skb, XFRM_CTX_SA_MODE, x->props.mode) ||
	    nla_put_u32(skb, XFRM_CTX_SA_REQID, x->props.reqid) ||
	    nla_put_u32(skb, XFRM_CTX_SA_FLAGS, x->props.flags) ||
	    nla_put_u32(skb, XFRM_CTX_SA_EXTRA_FLAGS, x->props.extra_flags) ||
	    nla_put(skb, XFRM_CTX_SA_SELECTOR, sizeof(s->sel), &s->sel) ||
	    nla_put(skb, XFRM_CTX_SA_LIFETIME, sizeof(s->lft), &s->lft))
		return -EMSGSIZE;
	return 0;
}

/*
 * What only some SAs have (encapsulation, care-of address, marks, ...),
 * and what only some kernels have (direction, per-CPU number, NAT keepalive).
 */
static int xc_put_optional(struct sk_buff *skb, const struct xfrm_state *x,
			   const struct xc_snap *s)
{
	int alen = xc_addr_len(x->props.family);

	if ((s->has_encap && xc_put_encap(skb, x, s)) ||
	    (s->has_coaddr && nla_put(skb, XFRM_CTX_SA_COADDR, alen, &s->coaddr)) ||
	    (x->mark.m && (nla_put_u32(skb, XFRM_CTX_SA_MARK, x->mark.v) ||
			   nla_put_u32(skb, XFRM_CTX_SA_MARK_MASK, x->mark.m))) ||
	    (x->props.smark.m &&
	     (nla_put_u32(skb, XFRM_CTX_SA_SMARK, x->props.smark.v) ||
	      nla_put_u32(skb, XFRM_CTX_SA_SMARK_MASK, x->props.smark.m))) ||
	    (x->if_id && nla_put_u32(skb, XFRM_CTX_SA_IF_ID, x->if_id)) ||
	    (x->tfcpad && nla_put_u32(skb, XFRM_CTX_SA_TFCPAD, x->tfcpad)) ||
	    (s->mapping_maxage &&
	     nla_put_u32(skb, XFRM_CTX_SA_MAPPING_MAXAGE, s->mapping_maxage)) ||
	    (s->nat_keepalive &&
	     nla_put_u32(skb, XFRM_CTX_SA_NAT_KEEPALIVE_INTERVAL, s->nat_keepalive)) ||
	    (xc_state_dir(x) && nla_put_u8(skb, XFRM_CTX_SA_DIR, xc_state_dir(x))) ||
	    (xc_state_pcpu_num(x) != UINT_MAX &&
	     nla_put_u32(skb, XFRM_CTX_SA_PCPU_NUM, xc_state_pcpu_num(x))))
		return -EMSGSIZE;
	return 0;
}

/*
 * Append x's snapshot as an XFRM_CTX_A_SA nest. -EMSGSIZE when skb is full
 * (nothing appended); another negative errno when x cannot be exported.
 */
int xc_snapshot_put(struct sk_buff *skb, struct xc_net *xn, struct xfrm_state *x)
{
	unsigned int salt_len;
	struct nlattr *nest;
	struct xc_snap *s;
	u8 *salt;
	int err;

	err = xc_geniv_salt(x, &salt, &salt_len);
	if (err)
		return err;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	err = xc_snap_take(x, s);
	if (err)
		goto out;
	err = -EINVAL;
	if (s->km_state != XFRM_STATE_VALID && s->km_state != XFRM_STATE_ERROR)
		goto out;	/* deleted or expired meanwhile */

	err = -EMSGSIZE;
	nest = nla_nest_start(skb, XFRM_CTX_A_SA);
	if (!nest)
		goto out;
	if (xc_put_props(skb, x, s) ||
	    xc_lft_put(skb, &s->cur) || xc_put_replay(skb, s) ||
	    xc_put_algs(skb, x, salt, salt_len) ||
	    xc_put_optional(skb, x, s) ||
	    nla_put_u32(skb, XFRM_CTX_SA_REPLAY_MAXAGE, jiffies_to_msecs(s->replay_maxage)) ||
	    nla_put_u32(skb, XFRM_CTX_SA_REPLAY_MAXDIFF, s->replay_maxdiff) ||
	    xc_put_stats(skb, s) ||
	    (s->dying && nla_put_flag(skb, XFRM_CTX_SA_DYING)) ||
	    (s->km_state == XFRM_STATE_ERROR && nla_put_flag(skb, XFRM_CTX_SA_FROZEN))) {
		nla_nest_cancel(skb, nest);
		goto out;
	}
	nla_nest_end(skb, nest);
	err = 0;
out:
	kfree_sensitive(s);	/* the replay state is not secret, but cheap to wipe */
	return err;
}
