// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IKE records in the context container: what is written reads back the
 * same, through a file too; the container's reader knows the IKE record
 * types; anything malformed in an IKE record is refused with a message
 * naming the record's offset and the fault, and never crashes the reader.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ike_rec.h"
#include "ike_record.h"
#include "test_ike_lib.h"
#include "unit.h"

static struct xc_ha_buf b;
static char why[XFRMCTX_ERRLEN];

static void rekeyed_tunnel(struct xc_store *s)
{
	struct xc_ha_ike_id old = t_id(1, 0), new = t_id(2, 1);

	xc_store_init(s);
	t_ike_add(&b, &old, NULL, 1);
	t_feed(s, &b, 1000, why, sizeof(why));
	t_ike_update(&b, &old, "rw");
	t_feed(s, &b, 1000, why, sizeof(why));
	t_child_add(&b, &old, 0xc1000001, 0xc2000001, 0);
	t_feed(s, &b, 1000, why, sizeof(why));
	t_ike_add(&b, &new, &old, 2);
	t_feed(s, &b, 1001, why, sizeof(why));
	t_ike_delete(&b, &old);
	t_feed(s, &b, 1001, why, sizeof(why));
	t_ike_update(&b, &new, "rw");
	t_feed(s, &b, 1001, why, sizeof(why));
	t_ike_mid(&b, XC_HA_IKE_MID_INITIATOR, &new, 4);
	t_feed(s, &b, 1001, why, sizeof(why));
	t_child_add(&b, &new, 0xc1000002, 0xc2000002, 1);
	t_feed(s, &b, 1002, why, sizeof(why));
}

TEST(ike_rec_roundtrip_through_a_file)
{
	char dir[] = "/tmp/xc-ike-rec.XXXXXX", path[128];
	struct xfrmctx_ctx *c = xfrmctx_ctx_new(), *back = NULL;
	struct xfrmctx_record r = { 0 };
	struct xc_store s, got;
	unsigned int live, keying, children, n = 0;
	uint8_t *one, *two;
	size_t l1, l2;
	struct stat st;

	rekeyed_tunnel(&s);
	EXPECT_EQ(xc_ike_ctx_put(c, &s, 3, why, sizeof(why)), 0);
	EXPECT(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/ctx", dir);
	EXPECT_EQ(xfrmctx_ctx_write(c, path, why, sizeof(why)), 0);
	EXPECT_EQ(stat(path, &st), 0);
	EXPECT_EQ(st.st_mode & 0777, 0600);
	EXPECT_EQ(xfrmctx_ctx_read(path, &back, why, sizeof(why)), 0);
	/* one mandatory, nested record per IKE_SA, the keying one first */
	while (back && xfrmctx_ctx_next(back, &r) > 0) {
		EXPECT_EQ(r.type, XFRMCTX_REC_IKE_SA);
		EXPECT_EQ(r.flags, XFRMCTX_REC_F_MANDATORY | XFRMCTX_REC_F_NESTED);
		n++;
	}
	EXPECT_EQ(n, 2);
	EXPECT_EQ(xc_ike_ctx_get(back, &got, why, sizeof(why)), 0);
	xc_store_counts(&got, &live, &keying, &children);
	EXPECT_EQ(live, 1);
	EXPECT_EQ(keying, 1);
	EXPECT_EQ(children, 2);
	EXPECT(got.ikes && got.ikes->window == 3);
	EXPECT(got.ikes && got.ikes->has_mid_i && got.ikes->mid_i == 4);
	EXPECT_EQ(t_snapshot(&s, &one, &l1), 0);
	EXPECT_EQ(t_snapshot(&got, &two, &l2), 0);
	EXPECT(l1 == l2 && !memcmp(one, two, l1));
	free(one);
	free(two);
	unlink(path);
	rmdir(dir);
	xfrmctx_ctx_free(c);
	xfrmctx_ctx_free(back);
	xc_store_free(&s);
	xc_store_free(&got);
}

TEST(ike_rec_types_are_known_to_the_container_reader)
{
	struct xfrmctx_ctx *c = xfrmctx_ctx_new(), *back = NULL;
	void *img;
	size_t len;

	EXPECT(xfrmctx_record_type_known(XFRMCTX_REC_IKE_SA));
	EXPECT(xfrmctx_record_type_known(XFRMCTX_REC_IKE_RECORDER));
	EXPECT(xfrmctx_record_type_known(XFRMCTX_REC_SA_RATE));
	EXPECT(!xfrmctx_record_type_known(19));
	/* a mandatory IKE_SA record does not make the container unreadable */
	EXPECT_EQ(xfrmctx_ctx_append(c, XFRMCTX_REC_IKE_SA, XFRMCTX_REC_F_MANDATORY, "abcd", 4), 0);
	EXPECT_EQ(xfrmctx_ctx_to_buf(c, &img, &len), 0);
	EXPECT_EQ(xfrmctx_ctx_from_buf(img, len, &back, why, sizeof(why)), 0);
	xfrmctx_ctx_free(back);
	free(img);
	xfrmctx_ctx_free(c);
}

/* The payload of the first IKE_SA record of a store with one live
 * IKE_SA and one CHILD_SA. */
static size_t one_payload(uint8_t *out, size_t max)
{
	struct xc_ha_ike_id id = t_id(5, 0);
	struct xfrmctx_ctx *c = xfrmctx_ctx_new();
	struct xfrmctx_record r = { 0 };
	struct xc_store s;
	size_t n = 0;

	xc_store_init(&s);
	t_ike_add(&b, &id, NULL, 5);
	t_feed(&s, &b, 1000, why, sizeof(why));
	t_ike_update(&b, &id, "rw");
	t_feed(&s, &b, 1000, why, sizeof(why));
	t_child_add(&b, &id, 0xc1000005, 0xc2000005, 0);
	t_feed(&s, &b, 1000, why, sizeof(why));
	EXPECT_EQ(xc_ike_ctx_put(c, &s, 1, why, sizeof(why)), 0);
	if (xfrmctx_ctx_next(c, &r) > 0 && r.len <= max) {
		memcpy(out, r.data, r.len);
		n = r.len;
	}
	xfrmctx_ctx_free(c);
	xc_store_free(&s);
	return n;
}

/* Rebuild a payload: drop attribute drop, give attribute change the bytes
 * (val, vlen), then append extra (type, bytes) if extra_type. */
static size_t edit(const uint8_t *in, size_t len, uint8_t *out, uint16_t drop, uint16_t change,
		   const void *val, uint16_t vlen, uint16_t extra_type)
{
	size_t pos = 0, n = 0;

	while (pos + 4 <= len) {
		uint16_t hdr[2];
		const uint8_t *data;
		uint16_t dlen;

		memcpy(hdr, in + pos, 4);
		data = in + pos + 4;
		dlen = (uint16_t)(hdr[0] - 4);
		pos += (hdr[0] + 3u) & ~3u;
		if (hdr[1] == drop)
			continue;
		if (hdr[1] == change) {
			data = val;
			dlen = vlen;
		}
		hdr[0] = (uint16_t)(4 + dlen);
		memcpy(out + n, hdr, 4);
		memcpy(out + n + 4, data, dlen);
		memset(out + n + 4 + dlen, 0, ((4u + dlen + 3u) & ~3u) - 4u - dlen);
		n += (4u + dlen + 3u) & ~3u;
	}
	if (extra_type) {
		uint16_t hdr[2] = { 8, extra_type };

		memcpy(out + n, hdr, 4);
		memcpy(out + n + 4, "\1\2\3\4", 4);
		n += 8;
	}
	return n;
}

/* Decode a container holding a META record and then this IKE_SA payload:
 * the error, and the message in why. */
static int decode_payload(const uint8_t *p, size_t len)
{
	struct xfrmctx_ctx *c = xfrmctx_ctx_new();
	struct xc_store s;
	int err;

	xfrmctx_ctx_add_meta(c, XFRMCTX_SOURCE_MODULE, 0);
	xfrmctx_ctx_append(c, XFRMCTX_REC_IKE_SA, XFRMCTX_REC_F_MANDATORY | XFRMCTX_REC_F_NESTED,
			   p, len);
	why[0] = '\0';
	err = xc_ike_ctx_get(c, &s, why, sizeof(why));
	xc_store_free(&s);
	xfrmctx_ctx_free(c);
	return err;
}

static void expect_refused(const uint8_t *p, size_t len, const char *needle)
{
	EXPECT_EQ(decode_payload(p, len), -EINVAL);
	if (!strstr(why, needle) || !strstr(why, "IKE_SA record at offset ")) {
		fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", why, needle);
		unit_failed_checks++;
	}
}

TEST(ike_rec_refuses_corrupt_ike_records)
{
	uint8_t good[4096], bad[4200];
	uint8_t spi7[7] = { 0 }, state9 = 9, form3 = XC_IKE_KEYS_SK_ALL, v1 = 1;
	size_t len = one_payload(good, sizeof(good)), n;

	EXPECT(len > 0);
	EXPECT_EQ(decode_payload(good, len), 0);
	n = edit(good, len, bad, XC_IKE_A_NONCE_I, 0, NULL, 0, 0);
	expect_refused(bad, n, "IKE_SA nonce i is missing");
	n = edit(good, len, bad, XC_IKE_A_SPI_R, 0, NULL, 0, 0);
	expect_refused(bad, n, "IKE_SA SPI r is missing");
	n = edit(good, len, bad, 0, XC_IKE_A_SPI_I, spi7, sizeof(spi7), 0);
	expect_refused(bad, n, "attribute 4 has 7 bytes, allowed 8..8");
	n = edit(good, len, bad, 0, XC_IKE_A_STATE, &state9, 1, 0);
	expect_refused(bad, n, "IKE_SA state 9 unknown");
	n = edit(good, len, bad, 0, XC_IKE_A_VERSION, &v1, 1, 0);
	expect_refused(bad, n, "IKE version 1, only 2 is supported");
	n = edit(good, len, bad, 0, XC_IKE_A_KEY_FORM, &form3, 1, 0);
	expect_refused(bad, n, "key form 3");
	n = edit(good, len, bad, 0, XC_IKE_A_CONFIG, "rw", 2, 0);	/* no NUL */
	expect_refused(bad, n, "attribute 24 is not a string");
	/* a nest with a flag bit, and an attribute type 0 */
	n = edit(good, len, bad, 0, 0, NULL, 0, 0x8000 | XC_IKE_A_PROPOSAL);
	expect_refused(bad, n, "has flag bits set");
	n = edit(good, len, bad, 0, 0, NULL, 0, 0);
	bad[n] = 8;
	bad[n + 1] = 0;
	bad[n + 2] = 0;
	bad[n + 3] = 0;
	expect_refused(bad, n + 8, "unknown attribute type 0");
	/* a length that runs past the end of the record */
	memcpy(bad, good, len);
	bad[0] = 0xff;
	bad[1] = 0x0f;
	expect_refused(bad, len, "runs past the end");
	/* the same IKE_SA twice */
	{
		struct xfrmctx_ctx *c = xfrmctx_ctx_new();
		struct xc_store s;

		xfrmctx_ctx_append(c, XFRMCTX_REC_IKE_SA, XFRMCTX_REC_F_MANDATORY, good, len);
		xfrmctx_ctx_append(c, XFRMCTX_REC_IKE_SA, XFRMCTX_REC_F_MANDATORY, good, len);
		EXPECT_EQ(xc_ike_ctx_get(c, &s, why, sizeof(why)), -EINVAL);
		EXPECT(strstr(why, "recorded twice") != NULL);
		xc_store_free(&s);
		xfrmctx_ctx_free(c);
	}
	/* an attribute type beyond those this reader knows: skipped (a later
	 * minor version's optional addition) */
	n = edit(good, len, bad, 0, 0, NULL, 0, XC_IKE_A_MAX + 1);
	EXPECT_EQ(decode_payload(bad, n), 0);
}

TEST(ike_rec_offset_names_the_record)
{
	uint8_t good[4096], bad[4200];
	size_t len = one_payload(good, sizeof(good)), n;
	struct xfrmctx_ctx *c = xfrmctx_ctx_new();
	struct xfrmctx_record r = { 0 };
	struct xc_store s;
	char want[64];

	/* a good record, then a bad one: the message names the second */
	n = edit(good, len, bad, XC_IKE_A_NONCE_R, 0, NULL, 0, 0);
	xfrmctx_ctx_append(c, XFRMCTX_REC_IKE_SA, XFRMCTX_REC_F_MANDATORY, good, len);
	xfrmctx_ctx_append(c, XFRMCTX_REC_IKE_SA, XFRMCTX_REC_F_MANDATORY, bad, n);
	xfrmctx_ctx_next(c, &r);
	xfrmctx_ctx_next(c, &r);
	snprintf(want, sizeof(want), "IKE_SA record at offset %zu: ", r.offset);
	EXPECT_EQ(xc_ike_ctx_get(c, &s, why, sizeof(why)), -EINVAL);
	EXPECT(!strncmp(why, want, strlen(want)));
	EXPECT(strstr(why, "nonce r is missing") != NULL);
	xc_store_free(&s);
	xfrmctx_ctx_free(c);
}

TEST(ike_rec_every_truncation_and_flip_is_handled)
{
	uint8_t good[4096], bad[4096];
	size_t len = one_payload(good, sizeof(good)), n;

	for (n = 0; n < len; n++) {
		memcpy(bad, good, n);
		decode_payload(bad, n);	/* refused or decoded, never a crash */
	}
	for (n = 0; n < len; n++) {
		memcpy(bad, good, len);
		bad[n] ^= 0xff;
		decode_payload(bad, len);
	}
}

TEST(ike_rec_child_needs_its_keying_ike)
{
	struct xfrmctx_ctx *c = xfrmctx_ctx_new();
	struct xfrmctx_record r = { 0 };
	struct xc_store s, got;
	int first = 1;

	rekeyed_tunnel(&s);
	EXPECT_EQ(xc_ike_ctx_put(c, &s, 1, why, sizeof(why)), 0);
	/* leave the keying predecessor (the first record) out */
	{
		struct xfrmctx_ctx *d = xfrmctx_ctx_new();

		while (xfrmctx_ctx_next(c, &r) > 0) {
			if (first) {
				first = 0;
				continue;
			}
			xfrmctx_ctx_append(d, r.type, r.flags, r.data, r.len);
		}
		EXPECT_EQ(xc_ike_ctx_get(d, &got, why, sizeof(why)), -EINVAL);
		EXPECT(strstr(why, "CHILD_SA c1000001: its keying IKE_SA") != NULL);
		EXPECT(strstr(why, "is not in the context") != NULL);
		xc_store_free(&got);
		xfrmctx_ctx_free(d);
	}
	xfrmctx_ctx_free(c);
	xc_store_free(&s);
}

TEST(ike_rec_recorder_record)
{
	struct xc_recorder_info m = {
		.serial = 42, .written_ms = 1700000000123ull, .source = "127.0.0.1:4510",
		.accepted = 10, .dropped = 2, .trigger = XC_TRIGGER_DEMAND, .sas = 2, .missing = 1,
		.kernel_error = "", .frozen_until_ms = 1700000030123ull,
	}, got;
	struct xfrmctx_ctx *c = xfrmctx_ctx_new(), *d = xfrmctx_ctx_new();
	struct xfrmctx_record r = { 0 };

	EXPECT_EQ(xc_recorder_get(c, &got, why, sizeof(why)), 0);
	EXPECT_EQ(got.present, 0);
	EXPECT_EQ(xc_recorder_put(c, &m), 0);
	EXPECT_EQ(xc_recorder_get(c, &got, why, sizeof(why)), 0);
	EXPECT_EQ(got.present, 1);
	EXPECT_EQ(got.serial, 42);
	EXPECT(got.written_ms == 1700000000123ull);
	EXPECT_STREQ(got.source, "127.0.0.1:4510");
	EXPECT_EQ(got.trigger, XC_TRIGGER_DEMAND);
	EXPECT_STREQ(xc_trigger_name(got.trigger), "on-demand");
	EXPECT_EQ(got.sas, 2);
	EXPECT_EQ(got.missing, 1);
	EXPECT_EQ(got.kernel_error[0], 0);
	EXPECT(got.frozen_until_ms == 1700000030123ull);
	/* a recorder record whose serial is 4 bytes: refused, named */
	xfrmctx_ctx_next(c, &r);
	{
		uint8_t p[256];

		memcpy(p, r.data, r.len);
		p[0] = 8;	/* serial u64 claims 4 bytes of payload */
		xfrmctx_ctx_append(d, XFRMCTX_REC_IKE_RECORDER, 0, p, r.len);
	}
	EXPECT_EQ(xc_recorder_get(d, &got, why, sizeof(why)), -EINVAL);
	EXPECT(strstr(why, "record at offset 16: recorder record") != NULL);
	xfrmctx_ctx_free(c);
	xfrmctx_ctx_free(d);
}
