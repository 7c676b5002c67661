// SPDX-License-Identifier: GPL-2.0-or-later
/* JSON output: the writer's shape and escaping, and an SA as xfrmctx -j
 * prints it, with keys hidden unless asked. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "json.h"
#include "print.h"
#include "unit.h"
#include "xfrmctx.h"

static char *buf;
static size_t len;

static struct jw *start(int pretty)
{
	static struct jw w;
	FILE *f = open_memstream(&buf, &len);

	jw_init(&w, f, pretty);
	return &w;
}

static const char *finish(struct jw *w)
{
	fclose(w->f);
	return buf;
}

TEST(json_writer_compact)
{
	struct jw *w = start(0);

	jw_obj_open(w, NULL);
	jw_str(w, "name", "a\"b\\c\n\x01");
	jw_u64(w, "n", 18446744073709551615ULL);
	jw_bool(w, "yes", 1);
	jw_arr_open(w, "list");
	jw_u64(w, NULL, 1);
	jw_obj_open(w, NULL);
	jw_obj_close(w);
	jw_arr_close(w);
	jw_arr_open(w, "empty");
	jw_arr_close(w);
	jw_hex(w, "key", (const uint8_t *)"\x01\xab", 2);
	jw_obj_close(w);
	EXPECT_STREQ(finish(w),
		     "{\"name\":\"a\\\"b\\\\c\\n\\u0001\",\"n\":18446744073709551615,\"yes\":true,"
		     "\"list\":[1,{}],\"empty\":[],\"key\":\"0x01ab\"}");
	free(buf);
}

TEST(json_writer_pretty)
{
	struct jw *w = start(1);

	jw_arr_open(w, NULL);
	jw_obj_open(w, NULL);
	jw_u64(w, "a", 1);
	jw_obj_close(w);
	jw_arr_close(w);
	EXPECT_STREQ(finish(w), "[\n    {\n        \"a\": 1\n    }\n]");
	free(buf);
}

static void sample(struct xfrmctx_sa *sa)
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
	sa->replay.mode = XFRM_CTX_REPLAY_MODE_ESN;
	sa->replay.window = 128;
	sa->replay.oseq = 21;
	sa->replay.bitmap_words = 1;
	strcpy(sa->aead.name, "rfc4106(gcm(aes))");
	sa->aead.key_len = 2;
	sa->aead.key[0] = 0xfe;
	sa->aead.key[1] = 0xdc;
	sa->aead.icv_len = 128;
	sa->aead.has_icv_len = 1;
	sa->aead.iv_salt_len = 1;
	sa->aead.iv_salt[0] = 0x77;
	sa->frozen = 1;
	sa->present = 1ULL << XFRM_CTX_SA_SADDR | 1ULL << XFRM_CTX_SA_REQID |
		      1ULL << XFRM_CTX_SA_MODE | 1ULL << XFRM_CTX_SA_REPLAY |
		      1ULL << XFRM_CTX_SA_ALG_AEAD | 1ULL << XFRM_CTX_SA_FLAGS;
}

TEST(json_sa_uses_text_keywords_and_hides_keys)
{
	struct xfrmctx_sa sa;
	struct jw *w = start(0);
	const char *out;

	sample(&sa);
	opt_reveal = 0;
	print_sa(w, &sa);
	out = finish(w);
	EXPECT_STREQ(out,
		     "{\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.100\",\"proto\":\"esp\",\"spi\":\"0x2000b001\","
		     "\"reqid\":1,\"mode\":\"tunnel\",\"replay-mode\":\"esn\",\"replay-window\":128,"
		     "\"replay-seq\":0,\"replay-oseq\":21,\"replay-seq-hi\":0,\"replay-oseq-hi\":0,"
		     "\"replay-bitmap\":[\"0x00000000\"],\"flag\":[\"esn\"],"
		     "\"aead\":{\"name\":\"rfc4106(gcm(aes))\",\"key\":\"<hidden>\",\"key-bits\":16,"
		     "\"icv-len\":128,\"iv-salt\":\"<hidden>\"},\"frozen\":true}");
	EXPECT(!strstr(out, "fedc"));
	EXPECT(!strstr(out, "77"));
	free(buf);

	w = start(0);
	opt_reveal = 1;
	print_sa(w, &sa);
	out = finish(w);
	opt_reveal = 0;
	EXPECT(strstr(out, "\"key\":\"0xfedc\"") != NULL);
	EXPECT(strstr(out, "\"iv-salt\":\"0x77\"") != NULL);
	free(buf);
}

TEST(text_sa_reads_as_ip_xfrm_keywords)
{
	struct xfrmctx_sa sa;
	char *tbuf;
	size_t tlen;
	FILE *saved = stdout;

	sample(&sa);
	stdout = open_memstream(&tbuf, &tlen);
	print_sa(NULL, &sa);
	fclose(stdout);
	stdout = saved;
	EXPECT_STREQ(tbuf,
		     "src 10.0.0.1 dst 10.0.0.100\n"
		     "\tproto esp spi 0x2000b001 reqid 1 mode tunnel\n"
		     "\treplay-window 128 flag esn\n"
		     "\treplay-oseq 0x15 replay-oseq-hi 0x0 replay-seq 0x0 replay-seq-hi 0x0\n"
		     "\treplay-bitmap 0x00000000\n"
		     "\taead rfc4106(gcm(aes)) <hidden> 128 iv-salt <hidden>\n"
		     "\tfrozen\n");
	free(tbuf);
}
