// SPDX-License-Identifier: GPL-2.0-or-later
/* The SA snapshot: nest codec, jumps, and the XFRM netlink translation of
 * the module-less path. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/xfrm_ctx.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "libxfrmctx.h"
#include "nla.h"
#include "sa.h"
#include "unit.h"
#include "xfrm_compat.h"
#include "xfrm_sa.h"

static void sample_sa(struct xfrmctx_sa *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->family = AF_INET;
	inet_pton(AF_INET, "10.0.0.100", &sa->daddr);
	inet_pton(AF_INET, "10.0.0.1", &sa->saddr);
	sa->spi = 0x2000b001;
	sa->proto = IPPROTO_ESP;
	sa->mode = XFRM_MODE_TUNNEL;
	sa->reqid = 1;
	sa->flags = XFRM_STATE_ESN;
	sa->sel.family = AF_INET;
	sa->sel.prefixlen_d = 24;
	sa->lft.soft_byte_limit = sa->lft.hard_byte_limit = XFRM_INF;
	sa->lft.soft_packet_limit = sa->lft.hard_packet_limit = XFRM_INF;
	sa->curlft.bytes = 12345;
	sa->curlft.packets = 67;
	sa->curlft.age = 30;
	sa->curlft.use_age = 10;
	sa->curlft.has_use_age = 1;
	sa->replay.mode = XFRM_CTX_REPLAY_MODE_ESN;
	sa->replay.window = 128;
	sa->replay.seq = 0xfffffff0;
	sa->replay.seq_hi = 2;
	sa->replay.oseq = 0xffffffff;
	sa->replay.oseq_hi = 0;
	sa->replay.bitmap_words = 4;
	sa->replay.bitmap[0] = 0x0000ffff;
	strcpy(sa->aead.name, "rfc4106(gcm(aes))");
	sa->aead.key_len = 20;
	memset(sa->aead.key, 0x5a, 20);
	sa->aead.icv_len = 128;
	sa->aead.has_icv_len = 1;
	strcpy(sa->aead.geniv, "seqiv");
	sa->aead.iv_salt_len = 8;
	memset(sa->aead.iv_salt, 0x33, 8);
	sa->mark = 7;
	sa->mark_mask = 0xff;
	sa->if_id = 9;
	sa->stats.replay = 3;
	sa->frozen = 1;
	sa->present = 1ULL << XFRM_CTX_SA_FAMILY | 1ULL << XFRM_CTX_SA_DADDR |
		      1ULL << XFRM_CTX_SA_SADDR | 1ULL << XFRM_CTX_SA_SPI |
		      1ULL << XFRM_CTX_SA_PROTO | 1ULL << XFRM_CTX_SA_MODE |
		      1ULL << XFRM_CTX_SA_REQID | 1ULL << XFRM_CTX_SA_FLAGS |
		      1ULL << XFRM_CTX_SA_SELECTOR | 1ULL << XFRM_CTX_SA_LIFETIME |
		      1ULL << XFRM_CTX_SA_CURLFT | 1ULL << XFRM_CTX_SA_REPLAY |
		      1ULL << XFRM_CTX_SA_ALG_AEAD | 1ULL << XFRM_CTX_SA_MARK |
		      1ULL << XFRM_CTX_SA_MARK_MASK | 1ULL << XFRM_CTX_SA_IF_ID |
		      1ULL << XFRM_CTX_SA_STATS | 1ULL << XFRM_CTX_SA_FROZEN;
}

TEST(sa_nest_round_trip_is_exact)
{
	struct xfrmctx_sa *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	char err[XFRMCTX_ERRLEN] = "";
	struct xc_buf buf;

	sample_sa(a);
	xc_buf_init(&buf);
	EXPECT_EQ(xc_sa_encode(a, &buf), 0);
	EXPECT_EQ(xfrmctx_sa_decode(buf.data, buf.len, b, err, sizeof(err)), 0);
	EXPECT_STREQ(err, "");
	EXPECT(memcmp(a, b, sizeof(*a)) == 0);
	EXPECT_EQ(xfrmctx_sa_oseq(b), 0xffffffffULL);
	EXPECT_EQ(xfrmctx_sa_seq(b), 0x2fffffff0ULL);
	xc_buf_free(&buf);
	free(a);
	free(b);
}

/* An outbound SA with its direction set has a replay window of 0 and an
 * empty bitmap; the module wants the BITMAP attribute all the same (a
 * take-over re-encodes SAs to apply per-SA jumps: charon 6 sets the
 * direction and such an update was refused). */
TEST(sa_encode_keeps_an_empty_replay_bitmap)
{
	struct xfrmctx_sa *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	char err[XFRMCTX_ERRLEN] = "";
	const struct nlattr *nla;
	struct xc_buf buf;
	int rem, bitmaps = 0;

	sample_sa(a);
	a->replay.window = 0;
	a->replay.bitmap_words = 0;
	memset(a->replay.bitmap, 0, sizeof(a->replay.bitmap));
	xc_buf_init(&buf);
	EXPECT_EQ(xc_sa_encode(a, &buf), 0);
	nla_for_each_attr(nla, (const struct nlattr *)buf.data, (int)buf.len, rem) {
		const struct nlattr *in;
		int r2;

		if (nla_type(nla) != XFRM_CTX_SA_REPLAY)
			continue;
		nla_for_each_nested(in, nla, r2)
			bitmaps += nla_type(in) == XFRM_CTX_REPLAY_BITMAP && nla_len(in) == 0;
	}
	EXPECT_EQ(bitmaps, 1);
	EXPECT_EQ(xfrmctx_sa_decode(buf.data, buf.len, b, err, sizeof(err)), 0);
	EXPECT(memcmp(a, b, sizeof(*a)) == 0);
	xc_buf_free(&buf);
	free(a);
	free(b);
}

TEST(sa_decode_refuses_incomplete_snapshots)
{
	struct xfrmctx_sa *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	char err[XFRMCTX_ERRLEN] = "";
	struct xc_buf buf;

	sample_sa(a);
	xc_buf_init(&buf);
	xc_put_u16(&buf, XFRM_CTX_SA_FAMILY, AF_INET);
	xc_put(&buf, XFRM_CTX_SA_DADDR, &a->daddr, 4);
	EXPECT_EQ(xfrmctx_sa_decode(buf.data, buf.len, b, err, sizeof(err)), -EBADMSG);
	EXPECT_STREQ(err, "malformed SA record: no spi");
	xc_buf_free(&buf);

	xc_buf_init(&buf);
	xc_put_u16(&buf, XFRM_CTX_SA_FAMILY, AF_INET6);
	xc_put(&buf, XFRM_CTX_SA_DADDR, &a->daddr, 4);	/* 4 bytes for IPv6 */
	EXPECT_EQ(xfrmctx_sa_decode(buf.data, buf.len, b, err, sizeof(err)), -EBADMSG);
	EXPECT_STREQ(err, "malformed SA record: no valid daddr");
	xc_buf_free(&buf);

	/* A replay window larger than the interface allows. */
	a->replay.window = 8192;
	xc_buf_init(&buf);
	xc_sa_encode(a, &buf);
	EXPECT_EQ(xfrmctx_sa_decode(buf.data, buf.len, b, err, sizeof(err)), -EBADMSG);
	EXPECT_STREQ(err, "malformed SA record: replay");
	xc_buf_free(&buf);
	free(a);
	free(b);
}

TEST(sa_jumps_carry_into_esn_high_words)
{
	struct xfrmctx_sa *a = calloc(1, sizeof(*a));
	char err[XFRMCTX_ERRLEN] = "";

	sample_sa(a);
	EXPECT_EQ(xc_sa_apply_jumps(a, 1, 0x20, err, sizeof(err)), 0);
	EXPECT_EQ(a->replay.oseq, 0);
	EXPECT_EQ(a->replay.oseq_hi, 1);
	EXPECT_EQ(xfrmctx_sa_seq(a), 0x300000010ULL);
	EXPECT_EQ(a->replay.bitmap[0], 0xffffffff);
	EXPECT_EQ(a->replay.bitmap[3], 0xffffffff);
	free(a);
}

TEST(sa_jumps_refuse_32bit_wrap_and_respect_direction)
{
	struct xfrmctx_sa *a = calloc(1, sizeof(*a));
	char err[XFRMCTX_ERRLEN] = "";

	sample_sa(a);
	a->replay.mode = XFRM_CTX_REPLAY_MODE_BMP;
	a->replay.seq_hi = a->replay.oseq_hi = 0;
	EXPECT_EQ(xc_sa_apply_jumps(a, 1, 0, err, sizeof(err)), -ERANGE);
	EXPECT_STREQ(err, "out-jump 1 makes the output sequence number of SA 0x2000b001 wrap (32-bit counters)");
	EXPECT_EQ(xc_sa_apply_jumps(a, 0, 0x10, err, sizeof(err)), -ERANGE);
	EXPECT(strstr(err, "in-jump 16 makes the replay window") != NULL);
	/* Unchanged after a refusal. */
	EXPECT_EQ(a->replay.oseq, 0xffffffff);
	EXPECT_EQ(a->replay.bitmap[0], 0x0000ffff);

	/* An inbound SA ignores the out-jump, an outbound one the in-jump. */
	a->replay.oseq = 5;
	a->replay.seq = 5;
	a->dir = XC_SA_DIR_IN;
	EXPECT_EQ(xc_sa_apply_jumps(a, 100, 100, err, sizeof(err)), 0);
	EXPECT_EQ(a->replay.oseq, 5);
	EXPECT_EQ(a->replay.seq, 105);
	a->dir = XC_SA_DIR_OUT;
	EXPECT_EQ(xc_sa_apply_jumps(a, 100, 100, err, sizeof(err)), 0);
	EXPECT_EQ(a->replay.oseq, 105);
	EXPECT_EQ(a->replay.seq, 105);
	free(a);
}

/* An XFRM_MSG_NEWSA as the kernel dumps it, built by hand. */
static struct nl_msg *kernel_newsa(void)
{
	struct nl_msg *msg = nlmsg_alloc_simple(XFRM_MSG_NEWSA, 0);
	struct xfrm_usersa_info p;
	struct {
		struct xfrm_algo_aead a;
		uint8_t key[20];
	} aead;
	struct {
		struct xfrm_replay_state_esn r;
		uint32_t bmp[4];
	} esn;
	struct xfrm_mark m = { .v = 7, .m = 0xff };

	memset(&p, 0, sizeof(p));
	p.family = AF_INET;
	inet_pton(AF_INET, "10.0.0.100", &p.id.daddr);
	inet_pton(AF_INET, "10.0.0.1", &p.saddr);
	p.id.spi = htonl(0x2000b001);
	p.id.proto = IPPROTO_ESP;
	p.mode = XFRM_MODE_TUNNEL;
	p.reqid = 1;
	p.flags = XFRM_STATE_ESN;
	p.curlft.add_time = 1000;
	p.curlft.use_time = 1010;
	p.curlft.packets = 67;
	p.lft.hard_byte_limit = XFRM_INF;
	nlmsg_append(msg, &p, sizeof(p), NLMSG_ALIGNTO);
	memset(&aead, 0, sizeof(aead));
	strcpy(aead.a.alg_name, "rfc4106(gcm(aes))");
	aead.a.alg_key_len = 160;
	aead.a.alg_icv_len = 128;
	memset(aead.key, 0x5a, sizeof(aead.key));
	nla_put(msg, XFRMA_ALG_AEAD, sizeof(aead), &aead);
	memset(&esn, 0, sizeof(esn));
	esn.r.bmp_len = 4;
	esn.r.replay_window = 128;
	esn.r.oseq = 20;
	esn.r.seq = 19;
	esn.r.seq_hi = 1;
	esn.bmp[0] = 0xffff;
	nla_put(msg, XFRMA_REPLAY_ESN_VAL, sizeof(esn), &esn);
	nla_put(msg, XFRMA_MARK, sizeof(m), &m);
	nla_put_u32(msg, XFRMA_IF_ID, 9);
	return msg;
}

TEST(xfrm_dump_translates_into_the_snapshot)
{
	struct xfrmctx_sa *sa = calloc(1, sizeof(*sa));
	struct nl_msg *msg = kernel_newsa();

	EXPECT_EQ(xc_sa_from_xfrm(nlmsg_hdr(msg), 1100, sa), 0);
	EXPECT_EQ(sa->spi, 0x2000b001);
	EXPECT_EQ(sa->reqid, 1);
	EXPECT_EQ(sa->replay.mode, XFRM_CTX_REPLAY_MODE_ESN);
	EXPECT_EQ(sa->replay.window, 128);
	EXPECT_EQ(xfrmctx_sa_seq(sa), 0x100000013ULL);
	EXPECT_EQ(xfrmctx_sa_oseq(sa), 20);
	EXPECT_EQ(sa->replay.bitmap_words, 4);
	EXPECT_EQ(sa->curlft.age, 100);
	EXPECT_EQ(sa->curlft.use_age, 90);
	EXPECT_EQ(sa->aead.key_len, 20);
	EXPECT_EQ(sa->aead.key[19], 0x5a);
	EXPECT_EQ(sa->aead.icv_len, 128);
	EXPECT_STREQ(sa->aead.name, "rfc4106(gcm(aes))");
	EXPECT_EQ(sa->mark, 7);
	EXPECT_EQ(sa->mark_mask, 0xff);
	EXPECT(XFRMCTX_SA_HAS(sa, XFRM_CTX_SA_IF_ID));
	EXPECT(!XFRMCTX_SA_HAS(sa, XFRM_CTX_SA_ALG_AUTH));
	EXPECT_EQ(sa->aead.iv_salt_len, 0);
	nlmsg_free(msg);
	free(sa);
}

TEST(snapshot_translates_into_newsa_with_replay_state)
{
	struct xfrmctx_sa *sa = calloc(1, sizeof(*sa));
	struct nl_msg *msg = nlmsg_alloc_simple(XFRM_MSG_NEWSA, 0);
	const struct nlattr *tb[XC_XFRMA_MAX + 1];
	const struct xfrm_usersa_info *p;
	const struct xfrm_replay_state_esn *esn;
	const struct xfrm_lifetime_cur *lt;
	const struct xfrm_algo_aead *aead;
	struct nlmsghdr *nlh;
	char err[XFRMCTX_ERRLEN];

	sample_sa(sa);
	EXPECT_EQ(xc_sa_apply_jumps(sa, 1000, 64, err, sizeof(err)), 0);
	EXPECT_EQ(xc_sa_to_xfrm(sa, 5000, msg), 0);
	nlh = nlmsg_hdr(msg);
	p = NLMSG_DATA(nlh);
	EXPECT_EQ(ntohl(p->id.spi), 0x2000b001);
	EXPECT_EQ(p->replay_window, 0);	/* the kernel refuses both */
	EXPECT_EQ(p->flags, XFRM_STATE_ESN);
	EXPECT_EQ(xc_parse(tb, XC_XFRMA_MAX, (const char *)p + NLMSG_ALIGN(sizeof(*p)),
			   nlh->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*p)))), 0);
	EXPECT(tb[XFRMA_REPLAY_ESN_VAL] != NULL);
	EXPECT(tb[XFRMA_REPLAY_VAL] == NULL);
	if (tb[XFRMA_REPLAY_ESN_VAL]) {
		esn = xc_data(tb[XFRMA_REPLAY_ESN_VAL]);
		EXPECT_EQ(esn->replay_window, 128);
		EXPECT_EQ(esn->bmp_len, 4);
		EXPECT_EQ(esn->oseq, 999);	/* 0xffffffff + 1000 */
		EXPECT_EQ(esn->oseq_hi, 1);
		EXPECT_EQ(esn->seq, 0x30);	/* 0x2fffffff0 + 64 */
		EXPECT_EQ(esn->seq_hi, 3);
		EXPECT_EQ(esn->bmp[0], 0xffffffff);
	}
	EXPECT(tb[XFRMA_LTIME_VAL] != NULL);
	if (tb[XFRMA_LTIME_VAL]) {
		lt = xc_data(tb[XFRMA_LTIME_VAL]);
		EXPECT_EQ(lt->add_time, 4970);
		EXPECT_EQ(lt->use_time, 4990);
		EXPECT_EQ(lt->bytes, 12345);
	}
	EXPECT(tb[XFRMA_ALG_AEAD] != NULL);
	if (tb[XFRMA_ALG_AEAD]) {
		aead = xc_data(tb[XFRMA_ALG_AEAD]);
		EXPECT_EQ(aead->alg_key_len, 160);
		EXPECT_EQ(aead->alg_icv_len, 128);
		EXPECT_EQ(xc_len(tb[XFRMA_ALG_AEAD]), sizeof(*aead) + 20);
	}
	EXPECT(tb[XFRMA_MARK] != NULL);
	EXPECT(tb[XFRMA_IF_ID] != NULL);
	EXPECT(tb[XC_XFRMA_SA_DIR] == NULL);
	nlmsg_free(msg);

	/* Legacy mode: the window in the header, XFRMA_REPLAY_VAL. */
	sample_sa(sa);
	sa->flags = 0;
	sa->replay.mode = XFRM_CTX_REPLAY_MODE_LEGACY;
	sa->replay.window = 32;
	sa->replay.seq_hi = sa->replay.oseq_hi = 0;
	msg = nlmsg_alloc_simple(XFRM_MSG_NEWSA, 0);
	EXPECT_EQ(xc_sa_to_xfrm(sa, 5000, msg), 0);
	nlh = nlmsg_hdr(msg);
	p = NLMSG_DATA(nlh);
	EXPECT_EQ(p->replay_window, 32);
	EXPECT_EQ(xc_parse(tb, XC_XFRMA_MAX, (const char *)p + NLMSG_ALIGN(sizeof(*p)),
			   nlh->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*p)))), 0);
	EXPECT(tb[XFRMA_REPLAY_VAL] != NULL);
	EXPECT(tb[XFRMA_REPLAY_ESN_VAL] == NULL);
	nlmsg_free(msg);
	free(sa);
}

TEST(sa_lifetime_dying_time_and_the_hard_limit)
{
	struct xfrmctx_sa *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	char err[XFRMCTX_ERRLEN] = "";
	struct xc_buf buf;

	/* dying travels as the dying flag; the obsolete soft-expired flag
	 * (XFRM_SOFT_EXPIRE: the soft expiry still to come) is ignored. */
	sample_sa(a);
	a->soft_expired = 1;
	xc_buf_init(&buf);
	EXPECT_EQ(xc_sa_encode_at(a, 5000, &buf), 0);
	EXPECT_EQ(xfrmctx_sa_decode(buf.data, buf.len, b, err, sizeof(err)), 0);
	EXPECT_EQ(b->soft_expired, 1);
	EXPECT_EQ(xc_sa_since(buf.data, buf.len, 5007), 7);
	EXPECT_EQ(xc_sa_since(buf.data, buf.len, 4990), 0);	/* clock behind */
	xc_buf_free(&buf);
	xc_buf_init(&buf);
	a->soft_expired = 0;
	xc_sa_encode(a, &buf);
	EXPECT_EQ(xc_sa_since(buf.data, buf.len, 5007), 0);	/* no time: nothing */
	xc_put_flag(&buf, XFRM_CTX_SA_SOFT_EXPIRED);
	EXPECT_EQ(xfrmctx_sa_decode(buf.data, buf.len, b, err, sizeof(err)), 0);
	EXPECT_EQ(b->soft_expired, 0);
	xc_buf_free(&buf);

	/* ages grow by the time in transit; a passed hard limit is refused */
	a->lft.hard_add_expires_seconds = 40;
	a->lft.hard_use_expires_seconds = 100;
	EXPECT_EQ(xc_sa_lifetime(a, 9, err, sizeof(err)), 0);
	EXPECT_EQ(a->curlft.age, 39);
	EXPECT_EQ(a->curlft.use_age, 19);
	EXPECT_EQ(xc_sa_lifetime(a, 1, err, sizeof(err)), -EKEYEXPIRED);
	EXPECT_STREQ(err, "SA 0x2000b001: hard add lifetime over: 40 of 40 s");
	a->lft.hard_add_expires_seconds = 0;
	a->lft.hard_use_expires_seconds = 20;
	EXPECT_EQ(xc_sa_lifetime(a, 0, err, sizeof(err)), -EKEYEXPIRED);
	EXPECT_STREQ(err, "SA 0x2000b001: hard use lifetime over: 20 of 20 s");
	a->lft.hard_use_expires_seconds = 0;
	a->lft.hard_packet_limit = 67;
	EXPECT_EQ(xc_sa_lifetime(a, 0, err, sizeof(err)), -EKEYEXPIRED);
	EXPECT_STREQ(err, "SA 0x2000b001: hard packet lifetime over: 67 of 67 packets");
	a->lft.hard_packet_limit = 68;
	EXPECT_EQ(xc_sa_lifetime(a, 0, err, sizeof(err)), 0);
	free(a);
	free(b);
}
