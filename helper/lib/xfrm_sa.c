// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The module-less path: an SA as XFRM netlink carries it (struct
 * xfrm_usersa_info plus XFRMA_* attributes) to and from the SA snapshot of
 * the spec, so that both paths write the same context records. XFRM netlink
 * cannot read or set the IV generator's salt; such snapshots carry none.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/xfrm_ctx.h>
#include <netlink/attr.h>

#include "nla.h"
#include "sa.h"
#include "xfrm_compat.h"
#include "xfrm_sa.h"

static void alg_from_xfrm(struct xfrmctx_alg *alg, const char *name, uint32_t key_bits,
			  const uint8_t *key, size_t avail)
{
	size_t n = (key_bits + 7) / 8;

	memcpy(alg->name, name, sizeof(alg->name) - 1);
	alg->name[sizeof(alg->name) - 1] = '\0';
	if (n > avail)
		n = avail;
	if (n > sizeof(alg->key))
		n = sizeof(alg->key);
	memcpy(alg->key, key, n);
	alg->key_len = n;
}

static int opt_u32(const struct nlattr *a, uint32_t *v)
{
	return a ? xc_get_u32(a, v) : 0;
}

int xc_sa_from_xfrm(const struct nlmsghdr *nlh, time_t now, struct xfrmctx_sa *sa)
{
	const struct xfrm_usersa_info *p = NLMSG_DATA(nlh);
	const struct nlattr *tb[XC_XFRMA_MAX + 1];
	const struct nlattr *a;
	size_t hdr = NLMSG_ALIGN(sizeof(*p));

	memset(sa, 0, sizeof(*sa));
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*p)) ||
	    xc_parse(tb, XC_XFRMA_MAX, (const char *)p + hdr,
		     nlh->nlmsg_len > NLMSG_LENGTH(hdr) ? nlh->nlmsg_len - NLMSG_LENGTH(hdr) : 0))
		return -EBADMSG;
	if (!xc_addr_len(p->family))
		return -EBADMSG;

	sa->family = p->family;
	sa->daddr = p->id.daddr;
	sa->saddr = p->saddr;
	sa->spi = ntohl(p->id.spi);
	sa->proto = p->id.proto;
	sa->mode = p->mode;
	sa->reqid = p->reqid;
	sa->flags = p->flags;
	sa->sel = p->sel;
	sa->lft = p->lft;
	sa->curlft.bytes = p->curlft.bytes;
	sa->curlft.packets = p->curlft.packets;
	sa->curlft.age = now > (time_t)p->curlft.add_time ? (uint64_t)(now - p->curlft.add_time) : 0;
	if (p->curlft.use_time) {
		sa->curlft.has_use_age = 1;
		sa->curlft.use_age = now > (time_t)p->curlft.use_time ?
				     (uint64_t)(now - p->curlft.use_time) : 0;
	}
	sa->stats.replay_window = p->stats.replay_window;
	sa->stats.replay = p->stats.replay;
	sa->stats.integrity_failed = p->stats.integrity_failed;
	sa->present = 1ULL << XFRM_CTX_SA_FAMILY | 1ULL << XFRM_CTX_SA_DADDR |
		      1ULL << XFRM_CTX_SA_SADDR | 1ULL << XFRM_CTX_SA_SPI |
		      1ULL << XFRM_CTX_SA_PROTO | 1ULL << XFRM_CTX_SA_MODE |
		      1ULL << XFRM_CTX_SA_REQID | 1ULL << XFRM_CTX_SA_FLAGS |
		      1ULL << XFRM_CTX_SA_SELECTOR | 1ULL << XFRM_CTX_SA_LIFETIME |
		      1ULL << XFRM_CTX_SA_CURLFT | 1ULL << XFRM_CTX_SA_STATS;

	if ((a = tb[XFRMA_ALG_AEAD])) {
		const struct xfrm_algo_aead *x = xc_data(a);

		if (xc_len(a) < sizeof(*x))
			return -EBADMSG;
		alg_from_xfrm(&sa->aead, x->alg_name, x->alg_key_len, (const uint8_t *)x->alg_key,
			      xc_len(a) - sizeof(*x));
		sa->aead.icv_len = x->alg_icv_len;
		sa->aead.has_icv_len = 1;
		XC_SA_SET(sa, XFRM_CTX_SA_ALG_AEAD);
	}
	if ((a = tb[XFRMA_ALG_AUTH_TRUNC])) {
		const struct xfrm_algo_auth *x = xc_data(a);

		if (xc_len(a) < sizeof(*x))
			return -EBADMSG;
		alg_from_xfrm(&sa->auth, x->alg_name, x->alg_key_len, (const uint8_t *)x->alg_key,
			      xc_len(a) - sizeof(*x));
		sa->auth.trunc_len = x->alg_trunc_len;
		sa->auth.has_trunc_len = 1;
		XC_SA_SET(sa, XFRM_CTX_SA_ALG_AUTH);
	} else if ((a = tb[XFRMA_ALG_AUTH])) {
		const struct xfrm_algo *x = xc_data(a);

		if (xc_len(a) < sizeof(*x))
			return -EBADMSG;
		alg_from_xfrm(&sa->auth, x->alg_name, x->alg_key_len, (const uint8_t *)x->alg_key,
			      xc_len(a) - sizeof(*x));
		XC_SA_SET(sa, XFRM_CTX_SA_ALG_AUTH);
	}
	if ((a = tb[XFRMA_ALG_CRYPT])) {
		const struct xfrm_algo *x = xc_data(a);

		if (xc_len(a) < sizeof(*x))
			return -EBADMSG;
		alg_from_xfrm(&sa->crypt, x->alg_name, x->alg_key_len, (const uint8_t *)x->alg_key,
			      xc_len(a) - sizeof(*x));
		XC_SA_SET(sa, XFRM_CTX_SA_ALG_CRYPT);
	}
	if ((a = tb[XFRMA_ALG_COMP])) {
		const struct xfrm_algo *x = xc_data(a);

		if (xc_len(a) < sizeof(*x))
			return -EBADMSG;
		alg_from_xfrm(&sa->comp, x->alg_name, x->alg_key_len, (const uint8_t *)x->alg_key,
			      xc_len(a) - sizeof(*x));
		XC_SA_SET(sa, XFRM_CTX_SA_ALG_COMP);
	}
	if ((a = tb[XFRMA_ENCAP])) {
		const struct xfrm_encap_tmpl *x = xc_data(a);

		if (xc_len(a) < sizeof(*x))
			return -EBADMSG;
		sa->encap.type = x->encap_type;
		sa->encap.sport = ntohs(x->encap_sport);
		sa->encap.dport = ntohs(x->encap_dport);
		sa->encap.oa = x->encap_oa;
		sa->encap.has_oa = 1;
		XC_SA_SET(sa, XFRM_CTX_SA_ENCAP);
	}
	if ((a = tb[XFRMA_REPLAY_ESN_VAL])) {
		const struct xfrm_replay_state_esn *x = xc_data(a);

		if (xc_len(a) < sizeof(*x) || x->bmp_len > XFRM_CTX_MAX_REPLAY_WINDOW / 32 ||
		    xc_len(a) < sizeof(*x) + x->bmp_len * 4 ||
		    x->replay_window > x->bmp_len * 32)
			return -EBADMSG;
		sa->replay.mode = (p->flags & XFRM_STATE_ESN) ? XFRM_CTX_REPLAY_MODE_ESN :
							      XFRM_CTX_REPLAY_MODE_BMP;
		sa->replay.window = x->replay_window;
		sa->replay.seq = x->seq;
		sa->replay.seq_hi = x->seq_hi;
		sa->replay.oseq = x->oseq;
		sa->replay.oseq_hi = x->oseq_hi;
		sa->replay.bitmap_words = x->bmp_len;
		memcpy(sa->replay.bitmap, x->bmp, x->bmp_len * 4);
		XC_SA_SET(sa, XFRM_CTX_SA_REPLAY);
	} else if ((a = tb[XFRMA_REPLAY_VAL])) {
		const struct xfrm_replay_state *x = xc_data(a);

		if (xc_len(a) < sizeof(*x))
			return -EBADMSG;
		sa->replay.mode = XFRM_CTX_REPLAY_MODE_LEGACY;
		sa->replay.window = p->replay_window;
		sa->replay.seq = x->seq;
		sa->replay.oseq = x->oseq;
		sa->replay.bitmap[0] = x->bitmap;
		sa->replay.bitmap_words = 1;
		XC_SA_SET(sa, XFRM_CTX_SA_REPLAY);
	}
	if ((a = tb[XFRMA_MARK])) {
		const struct xfrm_mark *m = xc_data(a);

		if (xc_len(a) < sizeof(*m))
			return -EBADMSG;
		sa->mark = m->v;
		sa->mark_mask = m->m;
		XC_SA_SET(sa, XFRM_CTX_SA_MARK);
		XC_SA_SET(sa, XFRM_CTX_SA_MARK_MASK);
	}
	if ((a = tb[XFRMA_COADDR])) {
		if (xc_len(a) < sizeof(sa->coaddr))
			return -EBADMSG;
		memcpy(&sa->coaddr, xc_data(a), sizeof(sa->coaddr));
		XC_SA_SET(sa, XFRM_CTX_SA_COADDR);
	}
	if (opt_u32(tb[XFRMA_SET_MARK], &sa->smark) ||
	    opt_u32(tb[XFRMA_SET_MARK_MASK], &sa->smark_mask) ||
	    opt_u32(tb[XFRMA_IF_ID], &sa->if_id) ||
	    opt_u32(tb[XFRMA_TFCPAD], &sa->tfcpad) ||
	    opt_u32(tb[XFRMA_SA_EXTRA_FLAGS], &sa->extra_flags) ||
	    opt_u32(tb[XC_XFRMA_MTIMER_THRESH], &sa->mapping_maxage) ||
	    opt_u32(tb[XC_XFRMA_NAT_KEEPALIVE_INTERVAL], &sa->nat_keepalive_interval) ||
	    opt_u32(tb[XC_XFRMA_SA_PCPU], &sa->pcpu_num) ||
	    (tb[XC_XFRMA_SA_DIR] && xc_get_u8(tb[XC_XFRMA_SA_DIR], &sa->dir)))
		return -EBADMSG;
	if (tb[XFRMA_SET_MARK]) {
		XC_SA_SET(sa, XFRM_CTX_SA_SMARK);
		if (!tb[XFRMA_SET_MARK_MASK])
			sa->smark_mask = 0xffffffff;
		XC_SA_SET(sa, XFRM_CTX_SA_SMARK_MASK);
	}
	if (tb[XFRMA_IF_ID])
		XC_SA_SET(sa, XFRM_CTX_SA_IF_ID);
	if (tb[XFRMA_TFCPAD])
		XC_SA_SET(sa, XFRM_CTX_SA_TFCPAD);
	if (tb[XFRMA_SA_EXTRA_FLAGS])
		XC_SA_SET(sa, XFRM_CTX_SA_EXTRA_FLAGS);
	if (tb[XC_XFRMA_MTIMER_THRESH])
		XC_SA_SET(sa, XFRM_CTX_SA_MAPPING_MAXAGE);
	if (tb[XC_XFRMA_NAT_KEEPALIVE_INTERVAL])
		XC_SA_SET(sa, XFRM_CTX_SA_NAT_KEEPALIVE_INTERVAL);
	if (tb[XC_XFRMA_SA_PCPU])
		XC_SA_SET(sa, XFRM_CTX_SA_PCPU_NUM);
	if (tb[XC_XFRMA_SA_DIR])
		XC_SA_SET(sa, XFRM_CTX_SA_DIR);
	return 0;
}

/* struct xfrm_algo* with its key, as one attribute. */
static int put_alg(struct nl_msg *msg, int type, const struct xfrmctx_alg *alg)
{
	size_t head;
	char *buf;
	int err;

	head = type == XFRMA_ALG_AEAD ? sizeof(struct xfrm_algo_aead) :
	       type == XFRMA_ALG_AUTH_TRUNC ? sizeof(struct xfrm_algo_auth) :
	       sizeof(struct xfrm_algo);
	buf = calloc(1, head + alg->key_len);
	if (!buf)
		return -ENOMEM;
	/* Every variant starts with the name and the key length in bits. */
	memcpy(buf, alg->name, strnlen(alg->name, 63));
	if (type == XFRMA_ALG_AEAD) {
		struct xfrm_algo_aead *x = (void *)buf;

		x->alg_key_len = alg->key_len * 8;
		x->alg_icv_len = alg->icv_len;
		memcpy(x->alg_key, alg->key, alg->key_len);
	} else if (type == XFRMA_ALG_AUTH_TRUNC) {
		struct xfrm_algo_auth *x = (void *)buf;

		x->alg_key_len = alg->key_len * 8;
		x->alg_trunc_len = alg->trunc_len;
		memcpy(x->alg_key, alg->key, alg->key_len);
	} else {
		struct xfrm_algo *x = (void *)buf;

		x->alg_key_len = alg->key_len * 8;
		memcpy(x->alg_key, alg->key, alg->key_len);
	}
	err = nla_put(msg, type, head + alg->key_len, buf);
	memset(buf, 0, head + alg->key_len);
	free(buf);
	return err < 0 ? -EMSGSIZE : 0;
}

#define HAS(a) XFRMCTX_SA_HAS(sa, a)

static int put_replay(struct nl_msg *msg, const struct xfrmctx_sa *sa)
{
	struct xfrm_replay_state_esn *esn;
	uint32_t words = sa->replay.bitmap_words;
	size_t len;
	int err;

	if (sa->replay.mode == XFRM_CTX_REPLAY_MODE_LEGACY) {
		struct xfrm_replay_state r = {
			.oseq = sa->replay.oseq,
			.seq = sa->replay.seq,
			.bitmap = words ? sa->replay.bitmap[0] : 0,
		};

		return nla_put(msg, XFRMA_REPLAY_VAL, sizeof(r), &r) < 0 ? -EMSGSIZE : 0;
	}
	/* The kernel wants room for the whole window in the bitmap. */
	if (words * 32 < sa->replay.window)
		words = (sa->replay.window + 31) / 32;
	len = sizeof(*esn) + words * 4;
	esn = calloc(1, len);
	if (!esn)
		return -ENOMEM;
	esn->bmp_len = words;
	esn->oseq = sa->replay.oseq;
	esn->seq = sa->replay.seq;
	esn->oseq_hi = sa->replay.oseq_hi;
	esn->seq_hi = sa->replay.seq_hi;
	esn->replay_window = sa->replay.window;
	memcpy(esn->bmp, sa->replay.bitmap, sa->replay.bitmap_words * 4);
	err = nla_put(msg, XFRMA_REPLAY_ESN_VAL, len, esn) < 0 ? -EMSGSIZE : 0;
	free(esn);
	return err;
}

int xc_sa_to_xfrm(const struct xfrmctx_sa *sa, time_t now, struct nl_msg *msg)
{
	struct xfrm_usersa_info p;
	int err = 0;

	memset(&p, 0, sizeof(p));
	p.family = sa->family;
	p.id.daddr = sa->daddr;
	p.id.spi = htonl(sa->spi);
	p.id.proto = sa->proto;
	p.saddr = sa->saddr;
	p.mode = sa->mode;
	p.reqid = sa->reqid;
	p.flags = sa->flags;
	if (HAS(XFRM_CTX_SA_SELECTOR))
		p.sel = sa->sel;
	if (HAS(XFRM_CTX_SA_LIFETIME)) {
		p.lft = sa->lft;
	} else {
		/* Without limits an SA would expire at once: no limit is infinite. */
		p.lft.soft_byte_limit = p.lft.hard_byte_limit = XFRM_INF;
		p.lft.soft_packet_limit = p.lft.hard_packet_limit = XFRM_INF;
	}
	/* A legacy window travels in the header; a bitmap one only in the ESN
	 * attribute (the kernel refuses both). */
	if (HAS(XFRM_CTX_SA_REPLAY) && sa->replay.mode == XFRM_CTX_REPLAY_MODE_LEGACY)
		p.replay_window = sa->replay.window;
	if (nlmsg_append(msg, &p, sizeof(p), NLMSG_ALIGNTO) < 0)
		return -EMSGSIZE;

	if (HAS(XFRM_CTX_SA_ALG_AEAD))
		err = err ?: put_alg(msg, XFRMA_ALG_AEAD, &sa->aead);
	if (HAS(XFRM_CTX_SA_ALG_AUTH))
		err = err ?: put_alg(msg, sa->auth.has_trunc_len ? XFRMA_ALG_AUTH_TRUNC :
				     XFRMA_ALG_AUTH, &sa->auth);
	if (HAS(XFRM_CTX_SA_ALG_CRYPT))
		err = err ?: put_alg(msg, XFRMA_ALG_CRYPT, &sa->crypt);
	if (HAS(XFRM_CTX_SA_ALG_COMP))
		err = err ?: put_alg(msg, XFRMA_ALG_COMP, &sa->comp);
	if (err)
		return err;
	if (HAS(XFRM_CTX_SA_ENCAP)) {
		struct xfrm_encap_tmpl e;

		memset(&e, 0, sizeof(e));
		e.encap_type = sa->encap.type;
		e.encap_sport = htons(sa->encap.sport);
		e.encap_dport = htons(sa->encap.dport);
		e.encap_oa = sa->encap.oa;
		if (nla_put(msg, XFRMA_ENCAP, sizeof(e), &e) < 0)
			return -EMSGSIZE;
	}
	if (HAS(XFRM_CTX_SA_REPLAY)) {
		err = put_replay(msg, sa);
		if (err)
			return err;
	}
	/* replay-maxage is in milliseconds, XFRMA_ETIMER_THRESH in jiffies
	 * of a HZ userspace cannot know: the kernel's default stays. */
	if (HAS(XFRM_CTX_SA_CURLFT)) {
		struct xfrm_lifetime_cur c;

		memset(&c, 0, sizeof(c));
		c.bytes = sa->curlft.bytes;
		c.packets = sa->curlft.packets;
		/* Ages travel, not clock readings: the clocks differ. */
		c.add_time = (uint64_t)now - sa->curlft.age;
		if (sa->curlft.has_use_age)
			c.use_time = (uint64_t)now - sa->curlft.use_age;
		if (nla_put(msg, XFRMA_LTIME_VAL, sizeof(c), &c) < 0)
			return -EMSGSIZE;
	}
	if (HAS(XFRM_CTX_SA_MARK)) {
		struct xfrm_mark m = {
			.v = sa->mark,
			.m = HAS(XFRM_CTX_SA_MARK_MASK) ? sa->mark_mask : 0xffffffff,
		};

		if (nla_put(msg, XFRMA_MARK, sizeof(m), &m) < 0)
			return -EMSGSIZE;
	}
	if (HAS(XFRM_CTX_SA_COADDR) && nla_put(msg, XFRMA_COADDR, sizeof(sa->coaddr), &sa->coaddr) < 0)
		return -EMSGSIZE;
	if ((HAS(XFRM_CTX_SA_SMARK) && nla_put_u32(msg, XFRMA_SET_MARK, sa->smark) < 0) ||
	    (HAS(XFRM_CTX_SA_SMARK) && HAS(XFRM_CTX_SA_SMARK_MASK) &&
	     nla_put_u32(msg, XFRMA_SET_MARK_MASK, sa->smark_mask) < 0) ||
	    (HAS(XFRM_CTX_SA_IF_ID) && nla_put_u32(msg, XFRMA_IF_ID, sa->if_id) < 0) ||
	    (HAS(XFRM_CTX_SA_TFCPAD) && nla_put_u32(msg, XFRMA_TFCPAD, sa->tfcpad) < 0) ||
	    (HAS(XFRM_CTX_SA_EXTRA_FLAGS) &&
	     nla_put_u32(msg, XFRMA_SA_EXTRA_FLAGS, sa->extra_flags) < 0) ||
	    (HAS(XFRM_CTX_SA_REPLAY_MAXDIFF) &&
	     nla_put_u32(msg, XFRMA_REPLAY_THRESH, sa->replay_maxdiff) < 0) ||
	    (HAS(XFRM_CTX_SA_MAPPING_MAXAGE) &&
	     nla_put_u32(msg, XC_XFRMA_MTIMER_THRESH, sa->mapping_maxage) < 0) ||
	    (HAS(XFRM_CTX_SA_NAT_KEEPALIVE_INTERVAL) && sa->nat_keepalive_interval &&
	     nla_put_u32(msg, XC_XFRMA_NAT_KEEPALIVE_INTERVAL, sa->nat_keepalive_interval) < 0) ||
	    (HAS(XFRM_CTX_SA_PCPU_NUM) && nla_put_u32(msg, XC_XFRMA_SA_PCPU, sa->pcpu_num) < 0) ||
	    (HAS(XFRM_CTX_SA_DIR) && sa->dir && nla_put_u8(msg, XC_XFRMA_SA_DIR, sa->dir) < 0))
		return -EMSGSIZE;
	return 0;
}
