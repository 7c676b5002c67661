// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The HA wire format: every encoding round-trips, every malformed datagram
 * is refused with a reason that names the fault, and every message type
 * charon 5.9.8 sent in the captured stream parses and passes the checks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ha_wire.h"
#include "test_ike_lib.h"
#include "unit.h"

static struct xc_ha_msg m;
static struct xc_ha_buf b;
static char why[256];

static int parse(const uint8_t *p, size_t len)
{
	why[0] = 0;
	return xc_ha_parse(p, len, &m, why, sizeof(why));
}

TEST(ike_wire_roundtrip_every_encoding)
{
	struct xc_ha_ike_id id = t_id(0x11, 1);
	struct xc_ha_host h6 = { .family = XC_HA_AF_INET6, .port = 4500,
				 .addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	struct xc_ha_ts ts = { .type = XC_HA_TS_IPV6, .proto = 17, .from_port = 4510,
			       .to_port = 4510, .dynamic = 1, .from = { 0xfe, 0x80 }, .to = { 0xfe, 0x80, [15] = 9 } };
	uint8_t key[3] = { 1, 2, 3 };

	xc_ha_begin(&b, XC_HA_CHILD_ADD);
	xc_ha_put_ike_id(&b, XC_HA_A_IKE_ID, &id);
	xc_ha_put_u8(&b, XC_HA_A_INITIATOR, 1);
	xc_ha_put_u16(&b, XC_HA_A_INBOUND_CPI, 0xbeef);
	xc_ha_put_u32(&b, XC_HA_A_INBOUND_SPI, 0xc0ffee01);
	xc_ha_put_chunk(&b, XC_HA_A_NONCE_I, key, 3);
	xc_ha_put_str(&b, XC_HA_A_CONFIG_NAME, "net");
	xc_ha_put_ts(&b, XC_HA_A_LOCAL_TS, &ts);
	xc_ha_put_host(&b, XC_HA_A_PEER_ADDR, &h6);	/* not allowed in CHILD_ADD, but parses */
	xc_ha_put_ident(&b, XC_HA_A_LOCAL_ID, 2, (const uint8_t *)"a.b", 3);
	EXPECT(!b.overflow);
	EXPECT_EQ(b.data[0], 3);
	EXPECT_EQ(b.data[1], XC_HA_CHILD_ADD);
	/* the IKE_SA id: version, 8 + 8 SPI bytes as they are, initiator */
	EXPECT_EQ(b.data[2], XC_HA_A_IKE_ID);
	EXPECT_EQ(b.data[3], 2);
	EXPECT_EQ(b.data[4], 0x11);
	EXPECT_EQ(b.data[12], 0x91);
	EXPECT_EQ(b.data[20], 1);
	EXPECT_EQ(parse(b.data, b.len), 0);
	EXPECT_EQ(m.nattrs, 9);
	EXPECT(!memcmp(m.attrs[0].v.ike_id.spi_i, id.spi_i, 8));
	EXPECT_EQ(m.attrs[0].v.ike_id.initiator, 1);
	EXPECT_EQ(m.attrs[1].v.u8, 1);
	EXPECT_EQ(m.attrs[2].v.u16, 0xbeef);
	EXPECT_EQ(m.attrs[3].v.u32, 0xc0ffee01);
	EXPECT_EQ(m.attrs[4].v.chunk.len, 3);
	EXPECT_EQ(m.attrs[4].v.chunk.data[2], 3);
	EXPECT_STREQ(m.attrs[5].v.str, "net");
	EXPECT_EQ(m.attrs[6].v.ts.from_port, 4510);
	EXPECT_EQ(m.attrs[6].v.ts.dynamic, 1);
	EXPECT_EQ(m.attrs[6].v.ts.to[15], 9);
	EXPECT_EQ(m.attrs[7].v.host.family, XC_HA_AF_INET6);
	EXPECT_EQ(m.attrs[7].v.host.port, 4500);
	EXPECT_EQ(m.attrs[7].v.host.addr[15], 1);
	EXPECT_EQ(m.attrs[8].v.ident.len, 3);
	/* the check knows PEER_ADDR does not belong in a CHILD_ADD */
	EXPECT_EQ(xc_ha_check(&m, why, sizeof(why)), -EINVAL);
	EXPECT(strstr(why, "PEER_ADDR") != NULL);
}

TEST(ike_wire_refuses_truncated_and_wrong_version)
{
	uint8_t one[1] = { 3 }, v2[2] = { 2, 1 }, v6[2] = { 6, 1 }, v4[2] = { 4, 10 }, v5[2] = { 5, 10 };
	uint8_t empty[2] = { 3, 10 };

	EXPECT_EQ(parse(one, 0), -EINVAL);
	EXPECT(strstr(why, "truncated") != NULL);
	EXPECT_EQ(parse(one, 1), -EINVAL);
	EXPECT(strstr(why, "truncated: 1 bytes") != NULL);
	EXPECT_EQ(parse(v2, 2), -EINVAL);
	EXPECT(strstr(why, "protocol version 2") != NULL);
	EXPECT_EQ(parse(v6, 2), -EINVAL);
	EXPECT(strstr(why, "protocol version 6, only versions 3 to 5") != NULL);
	/* strongSwan 6.0.1 and 6.0.2+ */
	EXPECT_EQ(parse(v4, 2), 0);
	EXPECT_EQ(m.version, 4);
	EXPECT_EQ(parse(v5, 2), 0);
	EXPECT_EQ(m.version, 5);
	/* a STATUS with no segment is what charon sends when serving none */
	EXPECT_EQ(parse(empty, 2), 0);
	EXPECT_EQ(m.type, XC_HA_STATUS);
	EXPECT_EQ(m.nattrs, 0);
}

TEST(ike_wire_refuses_unknown_types)
{
	uint8_t t0[2] = { 3, 0 }, t13[2] = { 3, 13 }, a42[4] = { 3, 10, 42, 0 }, a0[4] = { 3, 10, 0, 0 };

	EXPECT_EQ(parse(t0, 2), -EINVAL);
	EXPECT(strstr(why, "unknown message type 0") != NULL);
	EXPECT_EQ(parse(t13, 2), -EINVAL);
	EXPECT(strstr(why, "unknown message type 13") != NULL);
	EXPECT_EQ(parse(a42, 4), -EINVAL);
	EXPECT(strstr(why, "unknown attribute type 42 at offset 2") != NULL);
	EXPECT_EQ(parse(a0, 4), -EINVAL);
	EXPECT(strstr(why, "unknown attribute type 0") != NULL);
}

TEST(ike_wire_refuses_lengths_past_the_end)
{
	struct xc_ha_ike_id id = t_id(1, 0);
	uint8_t chunk[] = { 3, XC_HA_IKE_ADD, XC_HA_A_NONCE_I, 0x00, 0x20, 1, 2, 3 };
	uint8_t ident[] = { 3, XC_HA_IKE_UPDATE, XC_HA_A_LOCAL_ID, 2, 9, 'a', 'b' };
	uint8_t host[] = { 3, XC_HA_IKE_UPDATE, XC_HA_A_LOCAL_ADDR, 0x01, 0xf4, 10, 1, 2 };
	uint8_t fam[] = { 3, XC_HA_IKE_UPDATE, XC_HA_A_LOCAL_ADDR, 0x01, 0xf4, 7, 1, 2, 3, 4 };
	uint8_t str[] = { 3, XC_HA_IKE_UPDATE, XC_HA_A_CONFIG_NAME, 'r', 'w' };
	uint8_t ts[] = { 3, XC_HA_CHILD_ADD, XC_HA_A_LOCAL_TS, 7, 0, 0, 0, 0xff, 0xff, 0, 192, 168 };
	uint8_t tstype[] = { 3, XC_HA_CHILD_ADD, XC_HA_A_LOCAL_TS, 9, 0, 0, 0, 0xff, 0xff, 0,
			     1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t u32[] = { 3, XC_HA_IKE_MID_RESPONDER, XC_HA_A_MID, 0, 0 };

	EXPECT_EQ(parse(chunk, sizeof(chunk)), -EINVAL);
	EXPECT(strstr(why, "NONCE_I") && strstr(why, "length 32 runs past the end (3 bytes left)"));
	EXPECT_EQ(parse(ident, sizeof(ident)), -EINVAL);
	EXPECT(strstr(why, "LOCAL_ID") && strstr(why, "needs 11 bytes, 4 left"));
	EXPECT_EQ(parse(host, sizeof(host)), -EINVAL);
	EXPECT(strstr(why, "LOCAL_ADDR") && strstr(why, "unknown address family 10") == NULL &&
	       strstr(why, "needs 19 bytes"));
	EXPECT_EQ(parse(fam, sizeof(fam)), -EINVAL);
	EXPECT(strstr(why, "unknown address family 7") != NULL);
	EXPECT_EQ(parse(str, sizeof(str)), -EINVAL);
	EXPECT(strstr(why, "CONFIG_NAME") && strstr(why, "no NUL"));
	EXPECT_EQ(parse(ts, sizeof(ts)), -EINVAL);
	EXPECT(strstr(why, "LOCAL_TS") && strstr(why, "needs 15 bytes"));
	EXPECT_EQ(parse(tstype, sizeof(tstype)), -EINVAL);
	EXPECT(strstr(why, "unknown traffic selector type 9") != NULL);
	EXPECT_EQ(parse(u32, sizeof(u32)), -EINVAL);
	EXPECT(strstr(why, "MID") && strstr(why, "needs 4 bytes, 2 left"));

	/* every prefix of a valid message: refused or a shorter valid message,
	 * never a read past the end (run under valgrind/ASan to see it) */
	t_ike_add(&b, &id, &id, 7);
	for (size_t n = 0; n < b.len; n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, b.data, n);
		if (parse(copy, n) == 0)
			EXPECT(xc_ha_check(&m, why, sizeof(why)) == 0 || why[0]);
		free(copy);
	}
}

TEST(ike_wire_refuses_initiator_flags_other_than_0_1)
{
	struct xc_ha_ike_id id = t_id(1, 0);

	t_ike_delete(&b, &id);
	b.data[2 + 1 + 17] = 2;
	EXPECT_EQ(parse(b.data, b.len), -EINVAL);
	EXPECT(strstr(why, "initiator flag 2") != NULL);
}

TEST(ike_wire_refuses_too_many_attributes)
{
	unsigned int i;

	xc_ha_begin(&b, XC_HA_STATUS);
	for (i = 0; i < XC_HA_MAX_ATTRS + 1; i++)
		xc_ha_put_u16(&b, XC_HA_A_SEGMENT, 1);
	EXPECT_EQ(parse(b.data, b.len), -EINVAL);
	EXPECT(strstr(why, "more than 256 attributes") != NULL);
}

TEST(ike_wire_check_rules)
{
	struct xc_ha_ike_id id = t_id(1, 0);

	t_ike_add(&b, &id, NULL, 1);
	EXPECT_EQ(parse(b.data, b.len), 0);
	EXPECT_EQ(xc_ha_check(&m, why, sizeof(why)), 0);

	/* a repeated single-valued attribute */
	xc_ha_put_u16(&b, XC_HA_A_ALG_PRF, 5);
	EXPECT_EQ(parse(b.data, b.len), 0);
	EXPECT_EQ(xc_ha_check(&m, why, sizeof(why)), -EINVAL);
	EXPECT(strstr(why, "ALG_PRF repeated") != NULL);

	/* a required one missing */
	xc_ha_begin(&b, XC_HA_IKE_MID_INITIATOR);
	xc_ha_put_ike_id(&b, XC_HA_A_IKE_ID, &id);
	EXPECT_EQ(parse(b.data, b.len), 0);
	EXPECT_EQ(xc_ha_check(&m, why, sizeof(why)), -EINVAL);
	EXPECT(strstr(why, "required attribute MID is missing") != NULL);

	/* IKE_UPDATE must start with the IKE_SA id, as charon reads it */
	xc_ha_begin(&b, XC_HA_IKE_UPDATE);
	xc_ha_put_str(&b, XC_HA_A_CONFIG_NAME, "rw");
	xc_ha_put_ike_id(&b, XC_HA_A_IKE_ID, &id);
	EXPECT_EQ(parse(b.data, b.len), 0);
	EXPECT_EQ(xc_ha_check(&m, why, sizeof(why)), -EINVAL);
	EXPECT(strstr(why, "not the first") != NULL);
}

/* The datagrams charon sent in selftests/ike_vectors.sh: all parse, all pass
 * the checks, and together they hold every message type. */
TEST(ike_wire_captured_stream_has_every_type)
{
	uint8_t **bufs;
	size_t *lens;
	unsigned int n = t_stream(&bufs, &lens), i, seen = 0, t;

	EXPECT(n >= 12);
	for (i = 0; i < n; i++) {
		if (parse(bufs[i], lens[i]) || xc_ha_check(&m, why, sizeof(why))) {
			fprintf(stderr, "  vector %u: %s\n", i, why);
			EXPECT(0);
			continue;
		}
		seen |= 1u << m.type;
	}
	for (t = 1; t <= XC_HA_MSG_MAX; t++)
		if (!(seen & (1u << t))) {
			fprintf(stderr, "  no captured %s\n", xc_ha_msg_name((uint8_t)t));
			EXPECT(0);
		}
	t_stream_free(bufs, lens, n);
}

/* Re-encoding a parsed real datagram gives the same bytes. */
TEST(ike_wire_captured_reencode_is_identical)
{
	uint8_t **bufs;
	size_t *lens;
	unsigned int n = t_stream(&bufs, &lens), i, k;

	for (i = 0; i < n; i++) {
		if (parse(bufs[i], lens[i]))
			continue;
		xc_ha_begin(&b, m.type);
		for (k = 0; k < m.nattrs; k++) {
			const struct xc_ha_attr *a = &m.attrs[k];

			switch (xc_ha_attr_enc(a->type)) {
			case XC_HA_ENC_IKE_ID: xc_ha_put_ike_id(&b, a->type, &a->v.ike_id); break;
			case XC_HA_ENC_IDENT: xc_ha_put_ident(&b, a->type, a->v.ident.type, a->v.ident.data, a->v.ident.len); break;
			case XC_HA_ENC_HOST: xc_ha_put_host(&b, a->type, &a->v.host); break;
			case XC_HA_ENC_STR: xc_ha_put_str(&b, a->type, a->v.str); break;
			case XC_HA_ENC_U8: xc_ha_put_u8(&b, a->type, a->v.u8); break;
			case XC_HA_ENC_U16: xc_ha_put_u16(&b, a->type, a->v.u16); break;
			case XC_HA_ENC_U32: xc_ha_put_u32(&b, a->type, a->v.u32); break;
			case XC_HA_ENC_CHUNK: xc_ha_put_chunk(&b, a->type, a->v.chunk.data, a->v.chunk.len); break;
			case XC_HA_ENC_TS: xc_ha_put_ts(&b, a->type, &a->v.ts); break;
			}
		}
		EXPECT_EQ(b.len, lens[i]);
		EXPECT(b.len == lens[i] && !memcmp(b.data, bufs[i], b.len));
	}
	t_stream_free(bufs, lens, n);
}

/* charon's CHILD_SA SPIs travel byte-swapped on little-endian hosts: the
 * captured CHILD_ADD of selftests/ike_vectors.sh, whose inbound SA the
 * kernel listed as 0xce94ebe7-style values, must come out as the kernel's
 * SPI, which `ip xfrm` prints with the high byte first. */
TEST(ike_wire_spi_byte_order)
{
	uint8_t raw[] = { 3, XC_HA_CHILD_DELETE, XC_HA_A_INBOUND_SPI, 0xe7, 0xeb, 0x94, 0xce };

	EXPECT_EQ(parse(raw, sizeof(raw)), 0);
	EXPECT_EQ(m.attrs[0].v.u32, 0xe7eb94ce);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	EXPECT_EQ(xc_ha_spi(m.attrs[0].v.u32), 0xce94ebe7);
	EXPECT_EQ(xc_ha_cpi(0x3412), 0x1234);
#endif
	EXPECT_EQ(xc_ha_spi(xc_ha_spi(0x12345678)), 0x12345678);
}
