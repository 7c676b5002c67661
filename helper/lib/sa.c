// SPDX-License-Identifier: LGPL-2.1-or-later
/* The SA snapshot: the XFRM_CTX_A_SA nest of the spec, decoded and encoded. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <linux/xfrm_ctx.h>

#include "nla.h"
#include "sa.h"
#include "xfrm_compat.h"

size_t xc_addr_len(uint16_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static int get_addr(const struct nlattr *a, uint16_t family, xfrm_address_t *addr)
{
	size_t n = xc_addr_len(family);

	if (!n || xc_len(a) != n)
		return -EBADMSG;
	memset(addr, 0, sizeof(*addr));
	memcpy(addr, xc_data(a), n);
	return 0;
}

static int decode_alg(const struct nlattr *nest, struct xfrmctx_alg *alg)
{
	const struct nlattr *tb[XFRM_CTX_ALG_MAX + 1];

	if (xc_parse(tb, XFRM_CTX_ALG_MAX, xc_data(nest), xc_len(nest)) || !tb[XFRM_CTX_ALG_NAME])
		return -EBADMSG;
	xc_get_str(tb[XFRM_CTX_ALG_NAME], alg->name, sizeof(alg->name));
	if (tb[XFRM_CTX_ALG_KEY]) {
		if (xc_len(tb[XFRM_CTX_ALG_KEY]) > sizeof(alg->key))
			return -EBADMSG;
		alg->key_len = xc_len(tb[XFRM_CTX_ALG_KEY]);
		memcpy(alg->key, xc_data(tb[XFRM_CTX_ALG_KEY]), alg->key_len);
	}
	if (tb[XFRM_CTX_ALG_ICV_LEN]) {
		if (xc_get_u32(tb[XFRM_CTX_ALG_ICV_LEN], &alg->icv_len))
			return -EBADMSG;
		alg->has_icv_len = 1;
	}
	if (tb[XFRM_CTX_ALG_TRUNC_LEN]) {
		if (xc_get_u32(tb[XFRM_CTX_ALG_TRUNC_LEN], &alg->trunc_len))
			return -EBADMSG;
		alg->has_trunc_len = 1;
	}
	if (tb[XFRM_CTX_ALG_GENIV])
		xc_get_str(tb[XFRM_CTX_ALG_GENIV], alg->geniv, sizeof(alg->geniv));
	if (tb[XFRM_CTX_ALG_IV_SALT]) {
		if (xc_len(tb[XFRM_CTX_ALG_IV_SALT]) > sizeof(alg->iv_salt))
			return -EBADMSG;
		alg->iv_salt_len = xc_len(tb[XFRM_CTX_ALG_IV_SALT]);
		memcpy(alg->iv_salt, xc_data(tb[XFRM_CTX_ALG_IV_SALT]), alg->iv_salt_len);
	}
	return 0;
}

static int decode_curlft(const struct nlattr *nest, struct xfrmctx_sa *sa)
{
	const struct nlattr *tb[XFRM_CTX_LFT_MAX + 1];

	if (xc_parse(tb, XFRM_CTX_LFT_MAX, xc_data(nest), xc_len(nest)))
		return -EBADMSG;
	if ((tb[XFRM_CTX_LFT_BYTES] && xc_get_u64(tb[XFRM_CTX_LFT_BYTES], &sa->curlft.bytes)) ||
	    (tb[XFRM_CTX_LFT_PACKETS] && xc_get_u64(tb[XFRM_CTX_LFT_PACKETS], &sa->curlft.packets)) ||
	    (tb[XFRM_CTX_LFT_AGE] && xc_get_u64(tb[XFRM_CTX_LFT_AGE], &sa->curlft.age)))
		return -EBADMSG;
	if (tb[XFRM_CTX_LFT_USE_AGE]) {
		if (xc_get_u64(tb[XFRM_CTX_LFT_USE_AGE], &sa->curlft.use_age))
			return -EBADMSG;
		sa->curlft.has_use_age = 1;
	}
	return 0;
}

static int decode_replay(const struct nlattr *nest, struct xfrmctx_sa *sa)
{
	const struct nlattr *tb[XFRM_CTX_REPLAY_MAX + 1];
	const struct nlattr *bm;

	if (xc_parse(tb, XFRM_CTX_REPLAY_MAX, xc_data(nest), xc_len(nest)))
		return -EBADMSG;
	if (!tb[XFRM_CTX_REPLAY_MODE] || xc_get_u8(tb[XFRM_CTX_REPLAY_MODE], &sa->replay.mode) ||
	    sa->replay.mode > XFRM_CTX_REPLAY_MODE_ESN)
		return -EBADMSG;
	if ((tb[XFRM_CTX_REPLAY_WINDOW] && xc_get_u32(tb[XFRM_CTX_REPLAY_WINDOW], &sa->replay.window)) ||
	    (tb[XFRM_CTX_REPLAY_SEQ] && xc_get_u32(tb[XFRM_CTX_REPLAY_SEQ], &sa->replay.seq)) ||
	    (tb[XFRM_CTX_REPLAY_SEQ_HI] && xc_get_u32(tb[XFRM_CTX_REPLAY_SEQ_HI], &sa->replay.seq_hi)) ||
	    (tb[XFRM_CTX_REPLAY_OSEQ] && xc_get_u32(tb[XFRM_CTX_REPLAY_OSEQ], &sa->replay.oseq)) ||
	    (tb[XFRM_CTX_REPLAY_OSEQ_HI] && xc_get_u32(tb[XFRM_CTX_REPLAY_OSEQ_HI], &sa->replay.oseq_hi)))
		return -EBADMSG;
	if (sa->replay.window > XFRM_CTX_MAX_REPLAY_WINDOW)
		return -EBADMSG;
	bm = tb[XFRM_CTX_REPLAY_BITMAP];
	if (bm) {
		if (xc_len(bm) % 4 || xc_len(bm) > sizeof(sa->replay.bitmap))
			return -EBADMSG;
		sa->replay.bitmap_words = xc_len(bm) / 4;
		memcpy(sa->replay.bitmap, xc_data(bm), xc_len(bm));
	}
	return 0;
}

static int decode_encap(const struct nlattr *nest, struct xfrmctx_sa *sa)
{
	const struct nlattr *tb[XFRM_CTX_ENCAP_MAX + 1];
	uint16_t port;

	if (xc_parse(tb, XFRM_CTX_ENCAP_MAX, xc_data(nest), xc_len(nest)))
		return -EBADMSG;
	if (tb[XFRM_CTX_ENCAP_TYPE] && xc_get_u16(tb[XFRM_CTX_ENCAP_TYPE], &sa->encap.type))
		return -EBADMSG;
	if (tb[XFRM_CTX_ENCAP_SPORT]) {
		if (xc_get_u16(tb[XFRM_CTX_ENCAP_SPORT], &port))
			return -EBADMSG;
		sa->encap.sport = ntohs(port);
	}
	if (tb[XFRM_CTX_ENCAP_DPORT]) {
		if (xc_get_u16(tb[XFRM_CTX_ENCAP_DPORT], &port))
			return -EBADMSG;
		sa->encap.dport = ntohs(port);
	}
	if (tb[XFRM_CTX_ENCAP_OA]) {
		if (get_addr(tb[XFRM_CTX_ENCAP_OA], sa->family, &sa->encap.oa))
			return -EBADMSG;
		sa->encap.has_oa = 1;
	}
	return 0;
}

static int decode_stats(const struct nlattr *nest, struct xfrmctx_sa *sa)
{
	const struct nlattr *tb[XFRM_CTX_STATS_MAX + 1];

	if (xc_parse(tb, XFRM_CTX_STATS_MAX, xc_data(nest), xc_len(nest)))
		return -EBADMSG;
	if ((tb[XFRM_CTX_STATS_REPLAY_WINDOW] &&
	     xc_get_u32(tb[XFRM_CTX_STATS_REPLAY_WINDOW], &sa->stats.replay_window)) ||
	    (tb[XFRM_CTX_STATS_REPLAY] && xc_get_u32(tb[XFRM_CTX_STATS_REPLAY], &sa->stats.replay)) ||
	    (tb[XFRM_CTX_STATS_INTEGRITY_FAILED] &&
	     xc_get_u32(tb[XFRM_CTX_STATS_INTEGRITY_FAILED], &sa->stats.integrity_failed)))
		return -EBADMSG;
	return 0;
}

/* u32 attributes that map straight onto a field. */
static const struct {
	int attr;
	size_t off;
} sa_u32s[] = {
	{ XFRM_CTX_SA_REQID, offsetof(struct xfrmctx_sa, reqid) },
	{ XFRM_CTX_SA_FLAGS, offsetof(struct xfrmctx_sa, flags) },
	{ XFRM_CTX_SA_EXTRA_FLAGS, offsetof(struct xfrmctx_sa, extra_flags) },
	{ XFRM_CTX_SA_MARK, offsetof(struct xfrmctx_sa, mark) },
	{ XFRM_CTX_SA_MARK_MASK, offsetof(struct xfrmctx_sa, mark_mask) },
	{ XFRM_CTX_SA_SMARK, offsetof(struct xfrmctx_sa, smark) },
	{ XFRM_CTX_SA_SMARK_MASK, offsetof(struct xfrmctx_sa, smark_mask) },
	{ XFRM_CTX_SA_IF_ID, offsetof(struct xfrmctx_sa, if_id) },
	{ XFRM_CTX_SA_TFCPAD, offsetof(struct xfrmctx_sa, tfcpad) },
	{ XFRM_CTX_SA_MAPPING_MAXAGE, offsetof(struct xfrmctx_sa, mapping_maxage) },
	{ XFRM_CTX_SA_NAT_KEEPALIVE_INTERVAL, offsetof(struct xfrmctx_sa, nat_keepalive_interval) },
	{ XFRM_CTX_SA_PCPU_NUM, offsetof(struct xfrmctx_sa, pcpu_num) },
	{ XFRM_CTX_SA_REPLAY_MAXAGE, offsetof(struct xfrmctx_sa, replay_maxage) },
	{ XFRM_CTX_SA_REPLAY_MAXDIFF, offsetof(struct xfrmctx_sa, replay_maxdiff) },
};

#define BAD(what) do { snprintf(err, errlen, "malformed SA record: %s", what); return -EBADMSG; } while (0)

int xfrmctx_sa_decode(const void *data, size_t len, struct xfrmctx_sa *sa,
		      char *err, size_t errlen)
{
	const struct nlattr *tb[XFRM_CTX_SA_MAX + 1];
	uint32_t spi;
	size_t i;
	int a;

	memset(sa, 0, sizeof(*sa));
	if (xc_parse(tb, XFRM_CTX_SA_MAX, data, len))
		BAD("an attribute runs past the end");
	for (a = 1; a <= XFRM_CTX_SA_MAX; a++)
		if (tb[a])
			sa->present |= 1ULL << a;
	if (!tb[XFRM_CTX_SA_FAMILY] || xc_get_u16(tb[XFRM_CTX_SA_FAMILY], &sa->family) ||
	    !xc_addr_len(sa->family))
		BAD("no valid family");
	if (!tb[XFRM_CTX_SA_DADDR] || get_addr(tb[XFRM_CTX_SA_DADDR], sa->family, &sa->daddr))
		BAD("no valid daddr");
	if (tb[XFRM_CTX_SA_SADDR] && get_addr(tb[XFRM_CTX_SA_SADDR], sa->family, &sa->saddr))
		BAD("saddr");
	if (!tb[XFRM_CTX_SA_SPI] || xc_get_u32(tb[XFRM_CTX_SA_SPI], &spi))
		BAD("no spi");
	sa->spi = ntohl(spi);
	if (!tb[XFRM_CTX_SA_PROTO] || xc_get_u8(tb[XFRM_CTX_SA_PROTO], &sa->proto))
		BAD("no proto");
	if (tb[XFRM_CTX_SA_MODE] && xc_get_u8(tb[XFRM_CTX_SA_MODE], &sa->mode))
		BAD("mode");
	for (i = 0; i < sizeof(sa_u32s) / sizeof(sa_u32s[0]); i++)
		if (tb[sa_u32s[i].attr] &&
		    xc_get_u32(tb[sa_u32s[i].attr], (uint32_t *)((char *)sa + sa_u32s[i].off)))
			BAD("a 32-bit attribute is short");
	if (tb[XFRM_CTX_SA_SELECTOR]) {
		if (xc_len(tb[XFRM_CTX_SA_SELECTOR]) != sizeof(sa->sel))
			BAD("selector");
		memcpy(&sa->sel, xc_data(tb[XFRM_CTX_SA_SELECTOR]), sizeof(sa->sel));
	}
	if (tb[XFRM_CTX_SA_LIFETIME]) {
		if (xc_len(tb[XFRM_CTX_SA_LIFETIME]) != sizeof(sa->lft))
			BAD("lifetime");
		memcpy(&sa->lft, xc_data(tb[XFRM_CTX_SA_LIFETIME]), sizeof(sa->lft));
	}
	if (tb[XFRM_CTX_SA_CURLFT] && decode_curlft(tb[XFRM_CTX_SA_CURLFT], sa))
		BAD("curlft");
	if (tb[XFRM_CTX_SA_REPLAY] && decode_replay(tb[XFRM_CTX_SA_REPLAY], sa))
		BAD("replay");
	if (tb[XFRM_CTX_SA_ALG_AUTH] && decode_alg(tb[XFRM_CTX_SA_ALG_AUTH], &sa->auth))
		BAD("alg-auth");
	if (tb[XFRM_CTX_SA_ALG_CRYPT] && decode_alg(tb[XFRM_CTX_SA_ALG_CRYPT], &sa->crypt))
		BAD("alg-crypt");
	if (tb[XFRM_CTX_SA_ALG_AEAD] && decode_alg(tb[XFRM_CTX_SA_ALG_AEAD], &sa->aead))
		BAD("alg-aead");
	if (tb[XFRM_CTX_SA_ALG_COMP] && decode_alg(tb[XFRM_CTX_SA_ALG_COMP], &sa->comp))
		BAD("alg-comp");
	if (tb[XFRM_CTX_SA_ENCAP] && decode_encap(tb[XFRM_CTX_SA_ENCAP], sa))
		BAD("encap");
	if (tb[XFRM_CTX_SA_COADDR] && get_addr(tb[XFRM_CTX_SA_COADDR], sa->family, &sa->coaddr))
		BAD("coaddr");
	if (tb[XFRM_CTX_SA_DIR] && xc_get_u8(tb[XFRM_CTX_SA_DIR], &sa->dir))
		BAD("dir");
	if (tb[XFRM_CTX_SA_STATS] && decode_stats(tb[XFRM_CTX_SA_STATS], sa))
		BAD("stats");
	/* The soft limit fired (km.dying). The obsolete soft-expired flag
	 * (the kernel's XFRM_SOFT_EXPIRE: the soft expiry still to come) is
	 * not that, and is ignored. */
	sa->soft_expired = !!tb[XFRM_CTX_SA_DYING];
	sa->frozen = !!tb[XFRM_CTX_SA_FROZEN];
	return 0;
}

void xfrmctx_sa_get_id(const struct xfrmctx_sa *sa, struct xfrmctx_sa_id *id)
{
	memset(id, 0, sizeof(*id));
	id->family = sa->family;
	id->daddr = sa->daddr;
	id->saddr = sa->saddr;
	id->has_saddr = XFRMCTX_SA_HAS(sa, XFRM_CTX_SA_SADDR);
	id->spi = sa->spi;
	id->has_spi = 1;
	id->proto = sa->proto;
	id->has_proto = 1;
	if (XFRMCTX_SA_HAS(sa, XFRM_CTX_SA_MARK)) {
		id->mark = sa->mark;
		id->mark_mask = XFRMCTX_SA_HAS(sa, XFRM_CTX_SA_MARK_MASK) ? sa->mark_mask : 0xffffffff;
		id->has_mark = 1;
	}
	if (XFRMCTX_SA_HAS(sa, XFRM_CTX_SA_IF_ID)) {
		id->if_id = sa->if_id;
		id->has_if_id = 1;
	}
}

uint64_t xfrmctx_sa_oseq(const struct xfrmctx_sa *sa)
{
	return ((uint64_t)sa->replay.oseq_hi << 32) | sa->replay.oseq;
}

uint64_t xfrmctx_sa_seq(const struct xfrmctx_sa *sa)
{
	return ((uint64_t)sa->replay.seq_hi << 32) | sa->replay.seq;
}

/* ---- encoding ---- */

static void encode_alg(struct xc_buf *b, int attr, const struct xfrmctx_alg *alg)
{
	long n = xc_nest_start(b, attr);

	if (n < 0)
		return;
	xc_put_str(b, XFRM_CTX_ALG_NAME, alg->name);
	if (alg->key_len)
		xc_put(b, XFRM_CTX_ALG_KEY, alg->key, alg->key_len);
	if (alg->has_icv_len)
		xc_put_u32(b, XFRM_CTX_ALG_ICV_LEN, alg->icv_len);
	if (alg->has_trunc_len)
		xc_put_u32(b, XFRM_CTX_ALG_TRUNC_LEN, alg->trunc_len);
	if (alg->geniv[0])
		xc_put_str(b, XFRM_CTX_ALG_GENIV, alg->geniv);
	if (alg->iv_salt_len)
		xc_put(b, XFRM_CTX_ALG_IV_SALT, alg->iv_salt, alg->iv_salt_len);
	xc_nest_end(b, n);
}

int xc_sa_encode(const struct xfrmctx_sa *sa, struct xc_buf *b)
{
	return xc_sa_encode_at(sa, 0, b);
}

int xc_sa_encode_at(const struct xfrmctx_sa *sa, uint64_t measured, struct xc_buf *b)
{
	size_t alen = xc_addr_len(sa->family);
	size_t i;
	long n;

	if (!alen)
		return -EAFNOSUPPORT;
#define HAS(a) XFRMCTX_SA_HAS(sa, a)
	xc_put_u16(b, XFRM_CTX_SA_FAMILY, sa->family);
	xc_put(b, XFRM_CTX_SA_DADDR, &sa->daddr, alen);
	if (HAS(XFRM_CTX_SA_SADDR))
		xc_put(b, XFRM_CTX_SA_SADDR, &sa->saddr, alen);
	xc_put_u32(b, XFRM_CTX_SA_SPI, htonl(sa->spi));
	xc_put_u8(b, XFRM_CTX_SA_PROTO, sa->proto);
	if (HAS(XFRM_CTX_SA_MODE))
		xc_put_u8(b, XFRM_CTX_SA_MODE, sa->mode);
	for (i = 0; i < sizeof(sa_u32s) / sizeof(sa_u32s[0]); i++)
		if (HAS(sa_u32s[i].attr))
			xc_put_u32(b, sa_u32s[i].attr,
				   *(const uint32_t *)((const char *)sa + sa_u32s[i].off));
	if (HAS(XFRM_CTX_SA_SELECTOR))
		xc_put(b, XFRM_CTX_SA_SELECTOR, &sa->sel, sizeof(sa->sel));
	if (HAS(XFRM_CTX_SA_LIFETIME))
		xc_put(b, XFRM_CTX_SA_LIFETIME, &sa->lft, sizeof(sa->lft));
	if (HAS(XFRM_CTX_SA_CURLFT)) {
		n = xc_nest_start(b, XFRM_CTX_SA_CURLFT);
		xc_put_u64(b, XFRM_CTX_LFT_BYTES, sa->curlft.bytes);
		xc_put_u64(b, XFRM_CTX_LFT_PACKETS, sa->curlft.packets);
		xc_put_u64(b, XFRM_CTX_LFT_AGE, sa->curlft.age);
		if (sa->curlft.has_use_age)
			xc_put_u64(b, XFRM_CTX_LFT_USE_AGE, sa->curlft.use_age);
		if (measured)
			xc_put_u64(b, XFRM_CTX_LFT_TIME, measured);
		xc_nest_end(b, n);
	}
	if (HAS(XFRM_CTX_SA_REPLAY)) {
		n = xc_nest_start(b, XFRM_CTX_SA_REPLAY);
		xc_put_u8(b, XFRM_CTX_REPLAY_MODE, sa->replay.mode);
		xc_put_u32(b, XFRM_CTX_REPLAY_WINDOW, sa->replay.window);
		xc_put_u32(b, XFRM_CTX_REPLAY_SEQ, sa->replay.seq);
		xc_put_u32(b, XFRM_CTX_REPLAY_SEQ_HI, sa->replay.seq_hi);
		xc_put_u32(b, XFRM_CTX_REPLAY_OSEQ, sa->replay.oseq);
		xc_put_u32(b, XFRM_CTX_REPLAY_OSEQ_HI, sa->replay.oseq_hi);
		/* always, empty too: the module wants the attribute even for a
		 * window of 0 (an outbound SA with its direction set) */
		xc_put(b, XFRM_CTX_REPLAY_BITMAP, sa->replay.bitmap, sa->replay.bitmap_words * 4);
		xc_nest_end(b, n);
	}
	if (HAS(XFRM_CTX_SA_ALG_AUTH))
		encode_alg(b, XFRM_CTX_SA_ALG_AUTH, &sa->auth);
	if (HAS(XFRM_CTX_SA_ALG_CRYPT))
		encode_alg(b, XFRM_CTX_SA_ALG_CRYPT, &sa->crypt);
	if (HAS(XFRM_CTX_SA_ALG_AEAD))
		encode_alg(b, XFRM_CTX_SA_ALG_AEAD, &sa->aead);
	if (HAS(XFRM_CTX_SA_ALG_COMP))
		encode_alg(b, XFRM_CTX_SA_ALG_COMP, &sa->comp);
	if (HAS(XFRM_CTX_SA_ENCAP)) {
		n = xc_nest_start(b, XFRM_CTX_SA_ENCAP);
		xc_put_u16(b, XFRM_CTX_ENCAP_TYPE, sa->encap.type);
		xc_put_u16(b, XFRM_CTX_ENCAP_SPORT, htons(sa->encap.sport));
		xc_put_u16(b, XFRM_CTX_ENCAP_DPORT, htons(sa->encap.dport));
		if (sa->encap.has_oa)
			xc_put(b, XFRM_CTX_ENCAP_OA, &sa->encap.oa, alen);
		xc_nest_end(b, n);
	}
	if (HAS(XFRM_CTX_SA_COADDR))
		xc_put(b, XFRM_CTX_SA_COADDR, &sa->coaddr, alen);
	if (HAS(XFRM_CTX_SA_DIR))
		xc_put_u8(b, XFRM_CTX_SA_DIR, sa->dir);
	if (HAS(XFRM_CTX_SA_STATS)) {
		n = xc_nest_start(b, XFRM_CTX_SA_STATS);
		xc_put_u32(b, XFRM_CTX_STATS_REPLAY_WINDOW, sa->stats.replay_window);
		xc_put_u32(b, XFRM_CTX_STATS_REPLAY, sa->stats.replay);
		xc_put_u32(b, XFRM_CTX_STATS_INTEGRITY_FAILED, sa->stats.integrity_failed);
		xc_nest_end(b, n);
	}
	if (sa->soft_expired)
		xc_put_flag(b, XFRM_CTX_SA_DYING);
	if (sa->frozen)
		xc_put_flag(b, XFRM_CTX_SA_FROZEN);
#undef HAS
	return b->failed ? -ENOMEM : 0;
}

/* ---- jumps ---- */

int xc_sa_apply_jumps(struct xfrmctx_sa *sa, uint64_t out_jump, uint64_t in_jump,
		      char *err, size_t errlen)
{
	int esn = sa->replay.mode == XFRM_CTX_REPLAY_MODE_ESN;
	uint64_t limit = esn ? UINT64_MAX : UINT32_MAX;
	uint64_t oseq = xfrmctx_sa_oseq(sa), seq = xfrmctx_sa_seq(sa);
	uint32_t i;

	if (!XFRMCTX_SA_HAS(sa, XFRM_CTX_SA_REPLAY))
		return 0;
	/* A directed SA only carries its own direction's counter. */
	if (sa->dir == XC_SA_DIR_IN)
		out_jump = 0;
	if (sa->dir == XC_SA_DIR_OUT)
		in_jump = 0;
	if (out_jump > limit - oseq) {
		snprintf(err, errlen, "out-jump %llu makes the output sequence number of SA 0x%08x wrap (%s counters)",
			 (unsigned long long)out_jump, sa->spi, esn ? "64-bit" : "32-bit");
		return -ERANGE;
	}
	if (in_jump > limit - seq) {
		snprintf(err, errlen, "in-jump %llu makes the replay window of SA 0x%08x wrap (%s counters)",
			 (unsigned long long)in_jump, sa->spi, esn ? "64-bit" : "32-bit");
		return -ERANGE;
	}
	oseq += out_jump;
	sa->replay.oseq = (uint32_t)oseq;
	sa->replay.oseq_hi = esn ? (uint32_t)(oseq >> 32) : 0;
	if (in_jump) {
		seq += in_jump;
		sa->replay.seq = (uint32_t)seq;
		sa->replay.seq_hi = esn ? (uint32_t)(seq >> 32) : 0;
		/* Everything below the new top counts as seen. */
		for (i = 0; i < sa->replay.bitmap_words; i++)
			sa->replay.bitmap[i] = 0xffffffff;
	}
	return 0;
}
