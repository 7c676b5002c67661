// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * HA datagrams between protocol versions (ha_convert.h), on the captured
 * streams of strongSwan 5.9.8 (version 3), 6.0.1 (4) and 6.1.0 (5): what
 * a version can carry converts and converts back to the same bytes, and a
 * store fed the converted stream holds the same IKE_SAs as one fed the
 * original; what it cannot carry is refused with a reason naming it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ha_convert.h"
#include "ha_wire.h"
#include "ike_store.h"
#include "test_ike_lib.h"
#include "unit.h"

static struct xc_ha_msg m, m2;
static struct xc_ha_buf b, b2;
static char why[512];

struct conv_count {
	unsigned int converted, refused, roundtrip;
};

/* Every datagram of a capture (sub, NULL: 5.9.8) into version to, and
 * back into its own; a store fed the converted ones against one fed the
 * originals. */
static struct conv_count convert_stream(const char *sub, uint8_t to, const char *refusal)
{
	struct conv_count n = { 0 };
	struct xc_store orig, conv;
	uint8_t **bufs, *img1 = NULL, *img2 = NULL;
	size_t *lens, l1 = 0, l2 = 0;
	unsigned int k, total = t_stream_dir(sub, &bufs, &lens);

	EXPECT(total > 0);
	xc_store_init(&orig);
	xc_store_init(&conv);
	for (k = 0; k < total; k++) {
		EXPECT_EQ(xc_ha_parse(bufs[k], lens[k], &m, why, sizeof(why)), 0);
		EXPECT_EQ(xc_ha_check(&m, why, sizeof(why)), 0);
		t_feed_raw(&orig, bufs[k], lens[k], 1000 + k, why, sizeof(why));
		if (xc_ha_convert(&m, to, &b, why, sizeof(why))) {
			n.refused++;
			EXPECT(refusal && strstr(why, refusal) != NULL);
			if (!refusal || !strstr(why, refusal))
				fprintf(stderr, "  %s #%u: %s\n", sub ? sub : "5.9.8", k, why);
			continue;
		}
		n.converted++;
		EXPECT_EQ(b.data[0], to);
		t_feed_raw(&conv, b.data, b.len, 1000 + k, why, sizeof(why));
		/* and back: the same bytes (a version 5 private set that held no
		 * bit is gone, the only loss allowed) */
		EXPECT_EQ(xc_ha_parse(b.data, b.len, &m2, why, sizeof(why)), 0);
		if (xc_ha_convert(&m2, m.version, &b2, why, sizeof(why)) == 0 &&
		    b2.len == lens[k] && !memcmp(b2.data, bufs[k], lens[k]))
			n.roundtrip++;
	}
	/* the IKE_SAs a standby's store holds: the same either way, when
	 * nothing was refused (but the version each IKE_SA came in, and a
	 * version 5 private set that version 4 does not carry) */
	if (!n.refused) {
		struct xc_ike *x, *y;

		for (x = conv.ikes, y = orig.ikes; x && y; x = x->next, y = y->next) {
			x->ha_version = y->ha_version;
			x->has_priv_conditions = y->has_priv_conditions;
			x->priv_conditions = y->priv_conditions;
			x->has_priv_extensions = y->has_priv_extensions;
			x->priv_extensions = y->priv_extensions;
		}
		EXPECT_EQ(t_snapshot(&orig, &img1, &l1), 0);
		EXPECT_EQ(t_snapshot(&conv, &img2, &l2), 0);
		EXPECT(l1 == l2 && img1 && img2 && !memcmp(img1, img2, l1));
	}
	free(img1);
	free(img2);
	xc_store_free(&orig);
	xc_store_free(&conv);
	t_stream_free(bufs, lens, total);
	return n;
}

TEST(ike_convert_5_9_8_to_6_x_and_back)
{
	struct conv_count n;

	n = convert_stream(NULL, 4, NULL);
	EXPECT(n.converted > 0 && n.refused == 0);
	EXPECT_EQ(n.roundtrip, n.converted);
	n = convert_stream(NULL, 5, NULL);
	EXPECT(n.converted > 0 && n.refused == 0);
	EXPECT_EQ(n.roundtrip, n.converted);
}

TEST(ike_convert_6_x_between_4_and_5)
{
	struct conv_count n;

	n = convert_stream("6.0.1", 5, NULL);
	EXPECT(n.converted > 0 && n.refused == 0);
	EXPECT_EQ(n.roundtrip, n.converted);
	/* 6.1.0's IKE_UPDATEs carry an empty private set: dropped for
	 * version 4, so those do not come back byte for byte */
	n = convert_stream("6.1.0", 4, NULL);
	EXPECT(n.converted > 0 && n.refused == 0);
	EXPECT(n.roundtrip > 0 && n.roundtrip < n.converted);
}

TEST(ike_convert_refuses_what_5_9_8_cannot_hold)
{
	struct conv_count n;

	/* both captures negotiated an additional key exchange (RFC 9370) */
	n = convert_stream("6.0.1", 3, "cannot travel in protocol version 3");
	EXPECT(n.refused > 0 && n.converted > 0);
	n = convert_stream("6.1.0", 3, "cannot travel in protocol version 3");
	EXPECT(n.refused > 0 && n.converted > 0);
}

TEST(ike_convert_private_bits_are_refused_below_5)
{
	struct xc_ha_ike_id id = t_id(1, 1);

	xc_ha_begin_v(&b2, 5, XC_HA_IKE_UPDATE);
	xc_ha_put_ike_id(&b2, XC_HA_A_IKE_ID, &id);
	xc_ha_put_u32(&b2, XC_HA_A_CONDITIONS, 0);
	xc_ha_put_u32(&b2, XC_HA_A_CONDITIONS, XC_HA_PRIVATE_MARKER | 4);
	EXPECT_EQ(xc_ha_parse(b2.data, b2.len, &m, why, sizeof(why)), 0);
	EXPECT_EQ(xc_ha_convert(&m, 4, &b, why, sizeof(why)), -EPROTONOSUPPORT);
	EXPECT(strstr(why, "IKE_UPDATE: private CONDITIONS 0x80000004 cannot travel in protocol version 4") != NULL);
	EXPECT_EQ(xc_ha_convert(&m, 5, &b, why, sizeof(why)), 0);
	EXPECT(b.len == b2.len && !memcmp(b.data, b2.data, b.len));
}
