// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `xfrmctx context show` of the IKE half: the keywords of the text, JSON
 * members, keys only with --reveal-keys, and a corrupt record reported
 * instead of printed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "ike_rate.h"
#include "ike_rec.h"
#include "print_ike.h"
#include "test_ike_lib.h"
#include "unit.h"

static struct xc_ha_buf b;
static char why[XFRMCTX_ERRLEN];

/* t_ike_add fills the DH secret with keybyte ^ 0x5a: 0x5b for 1 */
#define SECRET_HEX "5b5b5b5b5b5b5b5b"

static struct xfrmctx_ctx *sample(void)
{
	struct xc_ha_ike_id id = t_id(1, 0);
	struct xfrmctx_ctx *c = xfrmctx_ctx_new();
	struct xc_recorder_info m = { .serial = 7, .written_ms = 1700000000250ull,
				      .source = "127.0.0.1:4510", .trigger = XC_TRIGGER_PERIODIC,
				      .sas = 2 };
	struct xc_rate r = { .family = AF_INET, .daddr = { 10, 0, 0, 1 }, .spi = 0xc2000001,
			     .proto = IPPROTO_ESP, .time_ms = 1700000000250ull, .oseq = 120,
			     .has_prev = 1, .prev_time_ms = 1700000000000ull - 750,
			     .prev_oseq = 100, .peak_out = 20, .intervals = 1 };
	struct xc_store s;

	xc_store_init(&s);
	t_ike_add(&b, &id, NULL, 1);
	t_feed(&s, &b, 1000, why, sizeof(why));
	t_ike_update(&b, &id, "r\"w");
	t_feed(&s, &b, 1000, why, sizeof(why));
	t_child_add(&b, &id, 0xc1000001, 0xc2000001, 1);
	t_feed(&s, &b, 1000, why, sizeof(why));
	EXPECT_EQ(xc_ike_ctx_put(c, &s, 1, why, sizeof(why)), 0);
	EXPECT_EQ(xc_recorder_put(c, &m), 0);
	EXPECT_EQ(xc_rate_put(c, &r), 0);
	xc_store_free(&s);
	return c;
}

static char *show(const struct xfrmctx_ctx *c, int json, int reveal, int *rc)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct jw w;

	jw_init(&w, f, 0);
	if (json)
		jw_obj_open(&w, NULL);
	*rc = print_ike_records(f, json ? &w : NULL, c, reveal, why, sizeof(why));
	if (json)
		jw_obj_close(&w);
	fclose(f);
	return out;
}

TEST(ike_print_text_json_and_keys)
{
	struct xfrmctx_ctx *c = sample();
	char *text, *json, *revealed;
	int rc;

	text = show(c, 0, 0, &rc);
	EXPECT_EQ(rc, 0);
	EXPECT(strstr(text, "recorder serial 7 written 2023-11-14T22:13:20.250Z trigger periodic source 127.0.0.1:4510") != NULL);
	EXPECT(strstr(text, "ike spi-i 0101010101010101 spi-r 8181818181818181 version 2 role responder state live config r\"w\n") != NULL);
	EXPECT(strstr(text, "\tlocal addr 10.0.0.100 port 4500 id gw.example.org id-type fqdn\n") != NULL);
	EXPECT(strstr(text, "\tproposal encr aes-gcm16 keylen 256 prf prf-hmac-sha2-256 dh ecp256\n") != NULL);
	EXPECT(strstr(text, "\tchild net spi-in 0xc1000001 spi-out 0xc2000001 mode tunnel role responder\n") != NULL);
	EXPECT(strstr(text, "\t\tts 192.168.2.0..192.168.2.255 === 192.168.1.0..192.168.1.255\n") != NULL);
	EXPECT(strstr(text, "dh-secret <hidden>") != NULL);
	EXPECT(strstr(text, "pfs-secret <hidden>") != NULL);
	EXPECT(strstr(text, "rate dst 10.0.0.1 proto esp spi 0xc2000001") != NULL);
	EXPECT(strstr(text, "oseq 120 seq 0") != NULL);
	EXPECT(strstr(text, "\n\tpeaks peak-out-pps 20 peak-in-pps 0 intervals 1\n") != NULL);
	EXPECT(strstr(text, SECRET_HEX) == NULL);

	json = show(c, 1, 0, &rc);
	EXPECT_EQ(rc, 0);
	EXPECT(strstr(json, "\"recorder\":{\"serial\":7,\"written-ms\":1700000000250,\"trigger\":\"periodic\"") != NULL);
	EXPECT(strstr(json, "\"ike-sa\":[{\"spi-i\":\"0101010101010101\"") != NULL);
	EXPECT(strstr(json, "\"config\":\"r\\\"w\"") != NULL);
	EXPECT(strstr(json, "\"dh-secret\":\"<hidden>\",\"dh-secret-bytes\":64") != NULL);
	EXPECT(strstr(json, "\"children\":[{\"name\":\"net\",\"spi-in\":\"0xc1000001\"") != NULL);
	EXPECT(strstr(json, "\"sa-rate\":[{\"dst\":\"10.0.0.1\",\"proto\":\"esp\",\"spi\":\"0xc2000001\",\"time-ms\":1700000000250,\"oseq\":120") != NULL);
	EXPECT(strstr(json, SECRET_HEX) == NULL);

	revealed = show(c, 1, 1, &rc);
	EXPECT(strstr(revealed, "\"dh-secret\":\"0x" SECRET_HEX) != NULL);
	free(text);
	free(json);
	free(revealed);
	xfrmctx_ctx_free(c);
}

TEST(ike_print_refuses_a_corrupt_record)
{
	struct xfrmctx_ctx *c = sample();
	struct xfrmctx_record r = { 0 };
	char *out;
	int rc;

	/* an IKE_SA record without its attributes */
	EXPECT_EQ(xfrmctx_ctx_append(c, XFRMCTX_REC_IKE_SA, XFRMCTX_REC_F_MANDATORY, "\x08\0\x63\0abcd", 8), 0);
	while (xfrmctx_ctx_next(c, &r) > 0)
		;
	out = show(c, 0, 0, &rc);
	EXPECT_EQ(rc, -EINVAL);
	EXPECT_STREQ(out, "");
	EXPECT(strstr(why, "IKE_SA record at offset ") != NULL);
	EXPECT(strstr(why, "IKE_SA state is missing") != NULL);
	free(out);
	xfrmctx_ctx_free(c);
}
