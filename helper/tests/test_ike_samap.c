// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The SA identity map (ike_samap.h) against a plain array as the model,
 * through growth and deletions in every order (backward-shift deletion
 * must keep every other key reachable), and the rate index a take-over
 * builds over a snapshot's SA_RATE records.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "ike_rate.h"
#include "ike_samap.h"
#include "libxfrmctx.h"
#include "unit.h"

#define N 5000

static void key_of(struct xc_sa_key *k, unsigned int i)
{
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8 };

	/* few addresses, sequential SPIs: the keys a gateway with many
	 * tunnels to a few peers has; v6 for every third */
	if (i % 3 == 2) {
		a[15] = (uint8_t)(i % 7);
		xc_sa_key_make(k, AF_INET6, a, 0xc0000000u + i, IPPROTO_ESP);
	} else {
		uint8_t v4[4] = { 10, 0, (uint8_t)(i % 5), 1 };

		xc_sa_key_make(k, AF_INET, v4, 0xc0000000u + i, IPPROTO_ESP);
	}
}

static unsigned int reachable(const struct xc_sa_map *m, const int *present, int *vals)
{
	unsigned int i, bad = 0;
	struct xc_sa_key k;

	for (i = 0; i < N; i++) {
		key_of(&k, i);
		if (xc_sa_map_get(m, &k) != (present[i] ? &vals[i] : NULL))
			bad++;
	}
	return bad;
}

TEST(ike_samap_put_get_del_against_a_model)
{
	static int present[N], vals[N];
	struct xc_sa_map m;
	struct xc_sa_key k;
	unsigned int i, n = 0;

	xc_sa_map_init(&m);
	key_of(&k, 1);
	EXPECT(xc_sa_map_get(&m, &k) == NULL);	/* empty, never allocated */
	EXPECT_EQ(xc_sa_map_del(&m, &k), 0);
	for (i = 0; i < N; i++) {
		key_of(&k, i);
		EXPECT_EQ(xc_sa_map_put(&m, &k, &vals[i]), 0);
		present[i] = 1;
		n++;
	}
	EXPECT_EQ(m.n, n);
	EXPECT(m.n * 2 <= m.cap);
	EXPECT_EQ(reachable(&m, present, vals), 0);
	/* a value replaced in place, not a second entry */
	key_of(&k, 7);
	EXPECT_EQ(xc_sa_map_put(&m, &k, &vals[8]), 0);
	EXPECT(xc_sa_map_get(&m, &k) == &vals[8]);
	EXPECT_EQ(m.n, n);
	EXPECT_EQ(xc_sa_map_put(&m, &k, &vals[7]), 0);
	/* delete a pseudo-random two thirds, checking all keys as we go */
	for (i = 0; i < N; i++) {
		unsigned int j = (i * 2654435761u) % N;

		if (j % 3 == 0)
			continue;
		key_of(&k, j);
		EXPECT_EQ(xc_sa_map_del(&m, &k), present[j]);
		if (present[j])
			n--;
		present[j] = 0;
		if (i % 500 == 0)
			EXPECT_EQ(reachable(&m, present, vals), 0);
	}
	EXPECT_EQ(m.n, n);
	EXPECT_EQ(reachable(&m, present, vals), 0);
	/* the same SPI to another address, or another protocol, is another SA */
	{
		uint8_t a[4] = { 10, 9, 9, 9 };
		struct xc_sa_key k2;

		key_of(&k, 3);
		xc_sa_key_make(&k2, AF_INET, a, k.spi, IPPROTO_ESP);
		EXPECT(xc_sa_map_get(&m, &k2) == NULL);
		k2 = k;
		k2.proto = IPPROTO_AH;
		EXPECT(xc_sa_map_get(&m, &k2) == NULL);
	}
	xc_sa_map_clear(&m);
	EXPECT_EQ(m.n, 0);
	key_of(&k, 3);
	EXPECT(xc_sa_map_get(&m, &k) == NULL);
	xc_sa_map_free(&m);
}

TEST(ike_rate_index_finds_every_sa_of_a_snapshot)
{
	struct xfrmctx_ctx *c = xfrmctx_ctx_new();
	struct xc_rate_index ix;
	const struct xc_rate *got;
	char why[256] = "";
	unsigned int i;

	EXPECT(c != NULL);
	for (i = 0; i < 300; i++) {
		struct xc_rate r = { .family = AF_INET, .proto = IPPROTO_ESP, .spi = 0x1000 + i,
				     .time_ms = 5000, .oseq = i, .seq = 2 * i };

		r.daddr[0] = 10;
		r.daddr[3] = (uint8_t)(i % 4);
		EXPECT_EQ(xc_rate_put(c, &r), 0);
	}
	EXPECT_EQ(xc_rate_index_build(c, &ix, why, sizeof(why)), 0);
	EXPECT_EQ(ix.n, 300);
	for (i = 0; i < 300; i++) {
		uint8_t a[4] = { 10, 0, 0, (uint8_t)(i % 4) };

		got = xc_rate_index_get(&ix, AF_INET, a, 0x1000 + i, IPPROTO_ESP);
		EXPECT(got && got->oseq == i && got->seq == 2 * i);
	}
	{
		uint8_t a[4] = { 10, 0, 0, 1 };

		/* SPI 0x1000 lives at 10.0.0.0 */
		EXPECT(xc_rate_index_get(&ix, AF_INET, a, 0x1000, IPPROTO_ESP) == NULL);
	}
	xc_rate_index_free(&ix);
	/* a malformed rate record: refused with its offset, nothing kept */
	EXPECT_EQ(xfrmctx_ctx_append(c, XFRMCTX_REC_SA_RATE, 0, "xx", 2), 0);
	EXPECT_EQ(xc_rate_index_build(c, &ix, why, sizeof(why)), -EINVAL);
	EXPECT(strstr(why, "record at offset") != NULL);
	EXPECT(ix.r == NULL && ix.n == 0);
	xfrmctx_ctx_free(c);
}
