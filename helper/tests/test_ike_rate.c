// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Rates and jumps: the recorder's table between snapshots, the rate
 * record's round trip and refusals, and the jump formula of ike_rate.h
 * with its factor, floor and clamps.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "ike_nla.h"
#include "ike_rate.h"
#include "ike_record.h"
#include "unit.h"

static const uint8_t peer[4] = { 10, 0, 0, 1 }, gw[4] = { 10, 0, 0, 100 };
static char why[256];

/* A record's mandatory part: family, address, SPI 1, ESP, time t, counters
 * 1; tests add what they check. */
static void rate_head(struct xc_nlb *b, uint16_t family, const uint8_t *daddr, uint64_t t)
{
	xc_nlb_init(b);
	xc_nlb_u16(b, XC_RATE_A_FAMILY, family);
	xc_nlb_put(b, XC_RATE_A_DADDR, daddr, 4);
	xc_nlb_u32(b, XC_RATE_A_SPI, 1);
	xc_nlb_u8(b, XC_RATE_A_PROTO, IPPROTO_ESP);
	xc_nlb_u64(b, XC_RATE_A_TIME, t);
	xc_nlb_u64(b, XC_RATE_A_OSEQ, 1);
	xc_nlb_u64(b, XC_RATE_A_SEQ, 1);
}

TEST(ike_rate_table_follows_snapshots)
{
	struct xc_rate_table t;
	struct xc_rate r;

	xc_rate_table_init(&t);
	/* first sight: no previous snapshot, no rate */
	EXPECT_EQ(xc_rate_note(&t, AF_INET, peer, 0xc2000001, IPPROTO_ESP, 10000, 100, 0, &r), 0);
	EXPECT_EQ(r.has_prev, 0);
	EXPECT_EQ(r.intervals, 0);
	EXPECT(r.oseq == 100 && r.time_ms == 10000);
	/* one second later, 20 more packets out */
	EXPECT_EQ(xc_rate_note(&t, AF_INET, peer, 0xc2000001, IPPROTO_ESP, 11000, 120, 0, &r), 0);
	EXPECT_EQ(r.has_prev, 1);
	EXPECT(r.prev_time_ms == 10000 && r.prev_oseq == 100);
	EXPECT_EQ(r.peak_out, 20);
	EXPECT_EQ(r.intervals, 1);
	/* a burst: 100 in half a second, then a quiet second */
	xc_rate_note(&t, AF_INET, peer, 0xc2000001, IPPROTO_ESP, 11500, 170, 0, &r);
	EXPECT_EQ(r.peak_out, 100);
	xc_rate_note(&t, AF_INET, peer, 0xc2000001, IPPROTO_ESP, 12500, 171, 0, &r);
	EXPECT_EQ(r.peak_out, 100);
	EXPECT_EQ(r.intervals, 3);
	/* a snapshot 50 ms later (XFRM events every few packets): reported
	 * against the sample before the last one, an interval long enough
	 * to give the current rate (1.05 s, 5 packets); history untouched */
	xc_rate_note(&t, AF_INET, peer, 0xc2000001, IPPROTO_ESP, 12550, 175, 0, &r);
	EXPECT(r.has_prev && r.prev_time_ms == 11500 && r.prev_oseq == 170);
	EXPECT_EQ(r.intervals, 3);
	{
		struct xc_jump_params p = { .factor = 2.0, .floor = 1, .in_factor = 1.0 };
		struct xc_jump j;

		xc_jump_size(&r, 12550, &p, &j);
		EXPECT(j.last_out_pps > 4.7 && j.last_out_pps < 4.8);
	}
	/* the peak covers XC_RATE_HISTORY intervals: the burst ages out */
	{
		uint64_t now = 12500, o = 171;
		int i;

		for (i = 0; i < XC_RATE_HISTORY; i++) {
			now += 1000;
			o += 5;
			xc_rate_note(&t, AF_INET, peer, 0xc2000001, IPPROTO_ESP, now, o, 0, &r);
		}
		EXPECT_EQ(r.peak_out, 5);
		EXPECT_EQ(r.intervals, XC_RATE_HISTORY);
	}
	/* inbound counters have their own rate; SAs are told apart by address */
	xc_rate_note(&t, AF_INET, gw, 0xc2000001, IPPROTO_ESP, 30000, 0, 1000, &r);
	EXPECT_EQ(r.has_prev, 0);
	xc_rate_note(&t, AF_INET, gw, 0xc2000001, IPPROTO_ESP, 32000, 0, 1100, &r);
	EXPECT_EQ(r.peak_in, 50);
	EXPECT_EQ(r.peak_out, 0);
	/* a counter that went back (a new SA under the same SPI): rate 0 */
	xc_rate_note(&t, AF_INET, gw, 0xc2000001, IPPROTO_ESP, 33000, 0, 10, &r);
	EXPECT_EQ(r.peak_in, 50);
	/* sweep: what was not noted since the last sweep is forgotten */
	xc_rate_sweep(&t);
	xc_rate_note(&t, AF_INET, gw, 0xc2000001, IPPROTO_ESP, 34000, 0, 20, &r);
	xc_rate_sweep(&t);
	xc_rate_note(&t, AF_INET, peer, 0xc2000001, IPPROTO_ESP, 35000, 300, 0, &r);
	EXPECT_EQ(r.has_prev, 0);
	xc_rate_table_free(&t);
}

TEST(ike_rate_record_round_trip_and_refusals)
{
	struct xfrmctx_ctx *c = xfrmctx_ctx_new();
	struct xc_rate r = {
		.family = AF_INET, .spi = 0xc2000001, .proto = IPPROTO_ESP, .time_ms = 5000,
		.oseq = 1ull << 33, .seq = 7, .has_prev = 1, .prev_time_ms = 4000,
		.prev_oseq = (1ull << 33) - 20, .prev_seq = 6, .peak_out = 25, .peak_in = 3,
		.intervals = 4,
	}, got;
	struct xfrmctx_record rec = { 0 };
	struct xc_nlb bad;

	memcpy(r.daddr, peer, 4);
	EXPECT_EQ(xc_rate_put(c, &r), 0);
	EXPECT_EQ(xc_rate_find(c, AF_INET, peer, 0xc2000001, IPPROTO_ESP, &got, why, sizeof(why)), 1);
	EXPECT(got.family == AF_INET && !memcmp(got.daddr, peer, 4) && got.spi == r.spi);
	EXPECT(got.proto == IPPROTO_ESP && got.time_ms == 5000 && got.oseq == r.oseq);
	EXPECT(got.seq == 7 && got.has_prev && got.prev_time_ms == 4000);
	EXPECT(got.prev_oseq == r.prev_oseq && got.prev_seq == 6);
	EXPECT(got.peak_out == 25 && got.peak_in == 3 && got.intervals == 4);
	EXPECT_EQ(xc_rate_find(c, AF_INET, gw, 0xc2000001, IPPROTO_ESP, &got, why, sizeof(why)), 0);
	xfrmctx_ctx_next(c, &rec);
	EXPECT_EQ(rec.flags, XFRMCTX_REC_F_NESTED);

	/* no SPI */
	xc_nlb_init(&bad);
	xc_nlb_u16(&bad, XC_RATE_A_FAMILY, AF_INET);
	xc_nlb_put(&bad, XC_RATE_A_DADDR, peer, 4);
	EXPECT_EQ(xc_rate_decode(bad.data, bad.len, &got, why, sizeof(why)), -EINVAL);
	EXPECT(strstr(why, "no SPI") != NULL);
	xc_nlb_free(&bad);
	/* an IPv6 family with 4 address bytes */
	rate_head(&bad, AF_INET6, peer, 1);
	EXPECT_EQ(xc_rate_decode(bad.data, bad.len, &got, why, sizeof(why)), -EINVAL);
	EXPECT(strstr(why, "family 10 with a 4-byte address") != NULL);
	/* half of a previous snapshot */
	xc_nlb_free(&bad);
	rate_head(&bad, AF_INET, peer, 10);
	xc_nlb_u64(&bad, XC_RATE_A_PREV_TIME, 5);
	EXPECT_EQ(xc_rate_decode(bad.data, bad.len, &got, why, sizeof(why)), -EINVAL);
	EXPECT(strstr(why, "only part of the previous snapshot") != NULL);
	/* complete, it decodes */
	xc_nlb_u64(&bad, XC_RATE_A_PREV_OSEQ, 1);
	xc_nlb_u64(&bad, XC_RATE_A_PREV_SEQ, 1);
	EXPECT_EQ(xc_rate_decode(bad.data, bad.len, &got, why, sizeof(why)), 0);
	/* a previous snapshot later than this one */
	xc_nlb_free(&bad);
	rate_head(&bad, AF_INET, peer, 10);
	xc_nlb_u64(&bad, XC_RATE_A_PREV_TIME, 20);
	xc_nlb_u64(&bad, XC_RATE_A_PREV_OSEQ, 1);
	xc_nlb_u64(&bad, XC_RATE_A_PREV_SEQ, 1);
	EXPECT_EQ(xc_rate_decode(bad.data, bad.len, &got, why, sizeof(why)), -EINVAL);
	EXPECT(strstr(why, "later than this one") != NULL);
	xc_nlb_free(&bad);
	/* a corrupt rate record is named by xc_rate_find with its offset */
	xc_nlb_init(&bad);
	xc_nlb_u16(&bad, XC_RATE_A_FAMILY, AF_INET);
	xfrmctx_ctx_append(c, XFRMCTX_REC_SA_RATE, XFRMCTX_REC_F_NESTED, bad.data, bad.len);
	xc_nlb_free(&bad);
	EXPECT_EQ(xc_rate_find(c, AF_INET, gw, 1, IPPROTO_ESP, &got, why, sizeof(why)), -EINVAL);
	EXPECT(strstr(why, "record at offset ") != NULL);
	EXPECT(strstr(why, "no destination address") != NULL);
	xfrmctx_ctx_free(c);
}

TEST(ike_rate_base_sample_round_trip_and_refusals)
{
	struct xfrmctx_ctx *c = xfrmctx_ctx_new();
	struct xc_rate r = {
		.family = AF_INET, .spi = 0xc2000002, .proto = IPPROTO_ESP, .time_ms = 5000,
		.oseq = 90, .seq = 4000, .has_base = 1, .base_time_ms = 3900, .base_oseq = 10,
		.base_seq = 1500,
	}, got;
	struct xc_nlb bad;

	memcpy(r.daddr, gw, 4);
	EXPECT_EQ(xc_rate_put(c, &r), 0);
	EXPECT_EQ(xc_rate_find(c, AF_INET, gw, 0xc2000002, IPPROTO_ESP, &got, why, sizeof(why)), 1);
	EXPECT(got.has_base && got.base_time_ms == 3900 && got.base_oseq == 10);
	EXPECT_EQ(got.base_seq, 1500);
	xfrmctx_ctx_free(c);
	/* half a base sample */
	rate_head(&bad, AF_INET, gw, 5000);
	xc_nlb_u64(&bad, XC_RATE_A_BASE_TIME, 4000);
	EXPECT_EQ(xc_rate_decode(bad.data, bad.len, &got, why, sizeof(why)), -EINVAL);
	EXPECT(strstr(why, "only part of the base sample") != NULL);
	/* complete, it decodes */
	xc_nlb_u64(&bad, XC_RATE_A_BASE_OSEQ, 1);
	xc_nlb_u64(&bad, XC_RATE_A_BASE_SEQ, 1);
	EXPECT_EQ(xc_rate_decode(bad.data, bad.len, &got, why, sizeof(why)), 0);
	xc_nlb_free(&bad);
	/* a base sample later than the snapshot */
	rate_head(&bad, AF_INET, gw, 5000);
	xc_nlb_u64(&bad, XC_RATE_A_BASE_TIME, 5001);
	xc_nlb_u64(&bad, XC_RATE_A_BASE_OSEQ, 1);
	xc_nlb_u64(&bad, XC_RATE_A_BASE_SEQ, 1);
	EXPECT_EQ(xc_rate_decode(bad.data, bad.len, &got, why, sizeof(why)), -EINVAL);
	EXPECT(strstr(why, "base sample is later") != NULL);
	xc_nlb_free(&bad);
}

/* A sender averaging 2 000/s in bursts: the inbound jump follows the rate
 * smoothed over a second, not the 200-ms interval that holds a burst; an
 * idle or slowing tunnel keeps the last interval's (lower) rate. */
TEST(ike_rate_inbound_rate_smoothed)
{
	struct xc_jump_params p = { .factor = 2.0, .floor = 1024, .in_factor = 1.0 };
	/* counters every 250 ms: 500 per interval, then a burst of 750 */
	static const uint64_t seq[] = { 0, 500, 1000, 1500, 2000, 2750 };
	struct xc_rate_table t;
	struct xc_jump j;
	struct xc_rate r;
	unsigned int i;

	xc_rate_table_init(&t);
	for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		EXPECT_EQ(xc_rate_note(&t, AF_INET, gw, 0xc2000003, IPPROTO_ESP, 10000 + 250 * i,
				       0, seq[i], &r), 0);
	/* the base: the newest sample a second or more before 11 250 */
	EXPECT(r.has_base && r.base_time_ms == 10250 && r.base_seq == 500);
	xc_jump_size(&r, 11450, &p, &j);
	EXPECT(j.last_in_pps > 2999.9 && j.last_in_pps < 3000.1);
	EXPECT(j.long_in_pps > 2249.9 && j.long_in_pps < 2250.1);
	EXPECT(j.in_pps > 2249.9 && j.in_pps < 2250.1);
	EXPECT_EQ(j.in, 450);	/* 2 250/s x 0.2 s, not 600 */
	/* slowing down: 50 in the last interval, the last interval's rate */
	xc_rate_note(&t, AF_INET, gw, 0xc2000003, IPPROTO_ESP, 11500, 0, 2800, &r);
	xc_jump_size(&r, 11600, &p, &j);
	EXPECT(j.in_pps > 199.9 && j.in_pps < 200.1);
	EXPECT_EQ(j.in, 20);
	/* idle: nothing inbound, whatever the second before says */
	xc_rate_note(&t, AF_INET, gw, 0xc2000003, IPPROTO_ESP, 11750, 0, 2800, &r);
	xc_jump_size(&r, 12750, &p, &j);
	EXPECT(j.long_in_pps > 0);
	EXPECT_EQ(j.in, 0);
	/* a new SA under the same SPI (counters went back): no base */
	xc_rate_note(&t, AF_INET, gw, 0xc2000003, IPPROTO_ESP, 12000, 0, 5, &r);
	EXPECT_EQ(r.has_base, 0);
	/* a young SA (no sample a second old): the last interval alone */
	xc_rate_note(&t, AF_INET, peer, 0xc2000004, IPPROTO_ESP, 20000, 0, 0, &r);
	xc_rate_note(&t, AF_INET, peer, 0xc2000004, IPPROTO_ESP, 20250, 0, 750, &r);
	EXPECT_EQ(r.has_base, 0);
	xc_jump_size(&r, 20350, &p, &j);
	EXPECT(j.long_in_pps < 0);
	EXPECT_EQ(j.in, 300);	/* 3 000/s x 0.1 s */
	xc_rate_table_free(&t);
}

TEST(ike_rate_jump_formula)
{
	struct xc_jump_params p = { .factor = 2.0, .floor = 1024, .in_factor = 1.0 };
	struct xc_rate r = {
		.family = AF_INET, .time_ms = 100000, .oseq = 1000, .seq = 500, .has_prev = 1,
		.prev_time_ms = 99000, .prev_oseq = 980, .prev_seq = 490, .peak_out = 15,
		.peak_in = 12, .intervals = 3,
	};
	struct xc_jump j;

	/* 20/s out (last interval above the peak), 1.5 s old, x2 = 60: the
	 * floor wins */
	xc_jump_size(&r, 101500, &p, &j);
	EXPECT_EQ(j.age_ms, 1500);
	EXPECT(j.last_out_pps > 19.99 && j.last_out_pps < 20.01);
	EXPECT(j.out_pps > 19.99 && j.out_pps < 20.01);
	EXPECT_EQ(j.rate_known, 1);
	EXPECT_EQ(j.out, 1024);
	/* inbound: the current rate (10/s), not the peak (12/s); x1 x 1.5 s */
	EXPECT_EQ(j.in, 15);
	p.floor = 10;
	xc_jump_size(&r, 101500, &p, &j);
	EXPECT_EQ(j.out, 60);
	/* 10 s later with factor 3: 20 * 11.5 * 3 */
	p.factor = 3.0;
	xc_jump_size(&r, 111500, &p, &j);
	EXPECT_EQ(j.out, 690);
	/* the standby's clock behind the snapshot: age 0, the floor */
	xc_jump_size(&r, 90000, &p, &j);
	EXPECT_EQ(j.age_ms, 0);
	EXPECT_EQ(j.out, 10);
	EXPECT_EQ(j.in, 0);
	/* no rate known (first snapshot): the floor, no inbound jump */
	r.has_prev = 0;
	r.intervals = 0;
	r.peak_out = r.peak_in = 0;
	xc_jump_size(&r, 101500, &p, &j);
	EXPECT_EQ(j.rate_known, 0);
	EXPECT_EQ(j.out, 10);
	EXPECT_EQ(j.in, 0);
	/* no rate record at all */
	xc_jump_size(NULL, 101500, &p, &j);
	EXPECT_EQ(j.out, 10);
	/* an absurd rate clamps instead of wrapping */
	r.peak_out = UINT64_MAX / 2;
	r.intervals = 1;
	xc_jump_size(&r, 100000 + 1000000000, &p, &j);
	EXPECT(j.out == UINT64_MAX);
	/* a short last interval is not a rate: the peak speaks */
	r.has_prev = 1;
	r.prev_time_ms = 99950;
	r.prev_oseq = 990;
	r.peak_out = 7;
	xc_jump_size(&r, 101000, &p, &j);
	EXPECT(j.last_out_pps < 0);
	EXPECT(j.out_pps > 6.99 && j.out_pps < 7.01);
	EXPECT_EQ(j.out, 21);
	/* ... and no inbound jump: the current inbound rate is not known */
	EXPECT_EQ(j.in, 0);
	/* a tunnel that went idle: peak 83/s, last interval 0 -> nothing
	 * inbound (the peer's next packets must pass), outbound still the peak */
	r.prev_time_ms = 99000;
	r.prev_oseq = r.oseq;
	r.prev_seq = r.seq;
	r.peak_in = 83;
	r.peak_out = 83;
	xc_jump_size(&r, 101000, &p, &j);
	EXPECT_EQ(j.in, 0);
	EXPECT_EQ(j.out, 249);	/* 83 x 1 s x factor 3 */
}

/* The inbound jump stops one replay window short of the estimate: an
 * overshoot within the window drops none of the peer's packets. */
TEST(ike_rate_inbound_jump_stops_a_window_short)
{
	struct xc_jump_params p = { .factor = 2.0, .floor = 1024, .in_factor = 1.0 };
	struct xc_rate r = {
		.family = AF_INET, .time_ms = 100000, .seq = 3000, .has_prev = 1,
		.prev_time_ms = 99750, .prev_seq = 2500,	/* 2 000/s */
	};
	struct xc_jump j;

	xc_jump_size(&r, 100150, &p, &j);	/* 150 ms: 300 */
	EXPECT_EQ(j.in, 300);
	p.in_window = 128;
	xc_jump_size(&r, 100150, &p, &j);
	EXPECT_EQ(j.in, 172);
	/* less than a window's worth: none */
	xc_jump_size(&r, 100050, &p, &j);	/* 100 */
	EXPECT_EQ(j.in, 0);
	/* the outbound jump does not change */
	EXPECT_EQ(j.out, 1024);
}
