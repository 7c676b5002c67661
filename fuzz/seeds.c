// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writes the seed inputs of the fuzz targets into DIR/<target>/: context
 * files, SA and policy records, XFRM_MSG_NEWSA messages and command lines
 * built by the library's own encoders from SAs of every shape the
 * selftests use (AEAD with ESN, cipher + auth, IPv6, NAT-T encap, IPComp,
 * marks and if_id, legacy and bitmap replay modes). Deterministic: the same
 * bytes on every run, so the checked-in corpus only changes when an
 * encoder does.
 *
 *   seeds DIR
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <linux/udp.h>
#include <linux/xfrm.h>
#include <netlink/msg.h>

#include "attr.h"
#include "libxfrmctx.h"
#include "sa.h"
#include "xfrm_sa.h"

static const char *dir;

static void put_file(const char *target, const char *name, const void *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, target);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void base(struct xfrmctx_sa *sa, int family, uint32_t spi)
{
	memset(sa, 0, sizeof(*sa));
	sa->family = family;
	if (family == AF_INET) {
		inet_pton(AF_INET, "10.0.0.100", &sa->daddr);
		inet_pton(AF_INET, "10.0.0.1", &sa->saddr);
	} else {
		inet_pton(AF_INET6, "2001:db8::100", &sa->daddr);
		inet_pton(AF_INET6, "2001:db8::1", &sa->saddr);
	}
	sa->spi = spi;
	sa->proto = IPPROTO_ESP;
	sa->mode = XFRM_MODE_TUNNEL;
	sa->reqid = 1;
	sa->sel.family = family;
	sa->lft.soft_byte_limit = sa->lft.hard_byte_limit = XFRM_INF;
	sa->lft.soft_packet_limit = sa->lft.hard_packet_limit = XFRM_INF;
	sa->curlft.bytes = 4096;
	sa->curlft.packets = 32;
	sa->curlft.age = 60;
	sa->present = 1ULL << XFRM_CTX_SA_FAMILY | 1ULL << XFRM_CTX_SA_DADDR |
		      1ULL << XFRM_CTX_SA_SADDR | 1ULL << XFRM_CTX_SA_SPI |
		      1ULL << XFRM_CTX_SA_PROTO | 1ULL << XFRM_CTX_SA_MODE |
		      1ULL << XFRM_CTX_SA_REQID | 1ULL << XFRM_CTX_SA_FLAGS |
		      1ULL << XFRM_CTX_SA_SELECTOR | 1ULL << XFRM_CTX_SA_LIFETIME |
		      1ULL << XFRM_CTX_SA_CURLFT | 1ULL << XFRM_CTX_SA_REPLAY |
		      1ULL << XFRM_CTX_SA_STATS;
}

static void replay(struct xfrmctx_sa *sa, uint8_t mode, uint32_t window)
{
	sa->replay.mode = mode;
	sa->replay.window = window;
	sa->replay.seq = 0x1234;
	sa->replay.oseq = 0x4321;
	if (mode == XFRM_CTX_REPLAY_MODE_ESN) {
		sa->flags |= XFRM_STATE_ESN;
		sa->replay.seq_hi = 1;
		sa->replay.oseq_hi = 2;
	}
	sa->replay.bitmap_words = mode == XFRM_CTX_REPLAY_MODE_LEGACY ? 1 : (window + 31) / 32;
	sa->replay.bitmap[0] = 0xfffffff7;
}

static void alg(struct xfrmctx_sa *sa, struct xfrmctx_alg *a, int attr, const char *name,
		uint32_t key_len, uint8_t fill)
{
	strcpy(a->name, name);
	a->key_len = key_len;
	memset(a->key, fill, key_len);
	sa->present |= 1ULL << attr;
}

/* The SA shapes; returns how many. */
static int shape(int i, struct xfrmctx_sa *sa)
{
	switch (i) {
	case 0:		/* the tunnel of the selftests: AES-GCM, ESN, window 128 */
		base(sa, AF_INET, 0x2000b001);
		replay(sa, XFRM_CTX_REPLAY_MODE_ESN, 128);
		alg(sa, &sa->aead, XFRM_CTX_SA_ALG_AEAD, "rfc4106(gcm(aes))", 20, 0x5a);
		sa->aead.icv_len = 128;
		sa->aead.has_icv_len = 1;
		strcpy(sa->aead.geniv, "seqiv");
		sa->aead.iv_salt_len = 8;
		memset(sa->aead.iv_salt, 0x33, 8);
		sa->frozen = 1;
		sa->present |= 1ULL << XFRM_CTX_SA_FROZEN;
		return 1;
	case 1:		/* AES-CBC + HMAC-SHA256, bitmap window, marks, if_id */
		base(sa, AF_INET, 0x1000a001);
		replay(sa, XFRM_CTX_REPLAY_MODE_BMP, 64);
		alg(sa, &sa->crypt, XFRM_CTX_SA_ALG_CRYPT, "cbc(aes)", 16, 0x11);
		strcpy(sa->crypt.geniv, "echainiv");
		alg(sa, &sa->auth, XFRM_CTX_SA_ALG_AUTH, "hmac(sha256)", 32, 0x22);
		sa->auth.trunc_len = 128;
		sa->auth.has_trunc_len = 1;
		sa->mark = 7;
		sa->mark_mask = 0xff;
		sa->if_id = 9;
		sa->smark = 3;
		sa->smark_mask = 0xf;
		sa->present |= 1ULL << XFRM_CTX_SA_MARK | 1ULL << XFRM_CTX_SA_MARK_MASK |
			       1ULL << XFRM_CTX_SA_IF_ID | 1ULL << XFRM_CTX_SA_SMARK |
			       1ULL << XFRM_CTX_SA_SMARK_MASK;
		return 1;
	case 2:		/* IPv6, ChaCha20-Poly1305, ESN window 4096, direction */
		base(sa, AF_INET6, 0xc0ffee01);
		replay(sa, XFRM_CTX_REPLAY_MODE_ESN, 4096);
		alg(sa, &sa->aead, XFRM_CTX_SA_ALG_AEAD, "rfc7539esp(chacha20,poly1305)", 36, 0x44);
		sa->aead.icv_len = 128;
		sa->aead.has_icv_len = 1;
		sa->dir = 1;
		sa->present |= 1ULL << XFRM_CTX_SA_DIR;
		return 1;
	case 3:		/* NAT-T: UDP encapsulation, legacy replay, transport mode */
		base(sa, AF_INET, 0x3000c001);
		sa->mode = XFRM_MODE_TRANSPORT;
		replay(sa, XFRM_CTX_REPLAY_MODE_LEGACY, 32);
		alg(sa, &sa->aead, XFRM_CTX_SA_ALG_AEAD, "rfc4106(gcm(aes))", 36, 0x66);
		sa->aead.icv_len = 96;
		sa->aead.has_icv_len = 1;
		sa->encap.type = UDP_ENCAP_ESPINUDP;
		sa->encap.sport = 4500;
		sa->encap.dport = 4500;
		sa->tfcpad = 0;
		sa->mapping_maxage = 30;
		sa->replay_maxage = 10000;
		sa->replay_maxdiff = 32;
		sa->present |= 1ULL << XFRM_CTX_SA_ENCAP | 1ULL << XFRM_CTX_SA_MAPPING_MAXAGE |
			       1ULL << XFRM_CTX_SA_REPLAY_MAXAGE | 1ULL << XFRM_CTX_SA_REPLAY_MAXDIFF;
		sa->soft_expired = 1;
		sa->present |= 1ULL << XFRM_CTX_SA_DYING;
		return 1;
	case 4:		/* IPComp */
		base(sa, AF_INET, 0x4242);
		sa->proto = IPPROTO_COMP;
		sa->present &= ~(1ULL << XFRM_CTX_SA_REPLAY);
		alg(sa, &sa->comp, XFRM_CTX_SA_ALG_COMP, "deflate", 0, 0);
		return 1;
	}
	return 0;
}
#define N_SHAPES 5

static void sa_payload(const struct xfrmctx_sa *sa, struct xc_buf *b)
{
	xc_buf_init(b);
	if (xc_sa_encode(sa, b)) {
		fprintf(stderr, "seeds: cannot encode an SA\n");
		exit(1);
	}
}

static void policy_payload(struct xc_buf *b, uint8_t dir, int ntmpl, int extras)
{
	struct xfrm_userpolicy_info info;
	struct xfrm_user_tmpl t[2];
	int i;

	memset(&info, 0, sizeof(info));
	memset(t, 0, sizeof(t));
	info.sel.family = AF_INET;
	inet_pton(AF_INET, "192.168.1.0", &info.sel.saddr);
	inet_pton(AF_INET, "192.168.2.0", &info.sel.daddr);
	info.sel.prefixlen_s = info.sel.prefixlen_d = 24;
	info.lft.soft_byte_limit = info.lft.hard_byte_limit = XFRM_INF;
	info.lft.soft_packet_limit = info.lft.hard_packet_limit = XFRM_INF;
	info.priority = 1000;
	info.dir = dir;
	info.action = XFRM_POLICY_ALLOW;
	for (i = 0; i < ntmpl; i++) {
		t[i].family = AF_INET;
		inet_pton(AF_INET, "10.0.0.100", &t[i].id.daddr);
		inet_pton(AF_INET, "10.0.0.1", &t[i].saddr);
		t[i].id.proto = IPPROTO_ESP;
		t[i].reqid = 1;
		t[i].mode = XFRM_MODE_TUNNEL;
		t[i].aalgos = t[i].ealgos = t[i].calgos = ~0u;
	}
	xc_buf_init(b);
	xc_put(b, XFRMCTX_POL_INFO, &info, sizeof(info));
	if (ntmpl)
		xc_put(b, XFRMCTX_POL_TMPL, t, ntmpl * sizeof(t[0]));
	if (extras) {
		xc_put_u32(b, XFRMCTX_POL_MARK, 5);
		xc_put_u32(b, XFRMCTX_POL_MARK_MASK, 0xff);
		xc_put_u32(b, XFRMCTX_POL_IF_ID, 9);
		xc_put_u8(b, XFRMCTX_POL_TYPE, XFRM_POLICY_TYPE_SUB);
	}
}

static void meta_payload(struct xc_buf *b, uint8_t source, int frozen)
{
	xc_buf_init(b);
	xc_put_u64(b, XFRMCTX_META_CREATED, 1700000000);
	xc_put_str(b, XFRMCTX_META_HOST, "gw-a");
	xc_put_str(b, XFRMCTX_META_WRITER, "libxfrmctx 1.0");
	xc_put_u8(b, XFRMCTX_META_SOURCE, source);
	if (frozen)
		xc_put_flag(b, XFRMCTX_META_FROZEN);
}

static void write_ctx(const char *name, struct xfrmctx_ctx *c)
{
	void *buf;
	size_t len;

	if (xfrmctx_ctx_to_buf(c, &buf, &len)) {
		fprintf(stderr, "seeds: cannot serialize a context\n");
		exit(1);
	}
	put_file("fuzz_context", name, buf, len);
	free(buf);
	xfrmctx_ctx_free(c);
}

static void contexts(void)
{
	const uint16_t sa_flags = XFRMCTX_REC_F_MANDATORY | XFRMCTX_REC_F_NESTED;
	struct xfrmctx_sa *sa = calloc(1, sizeof(*sa));
	struct xfrmctx_ctx *c;
	struct xc_buf b;
	char name[64];
	int i, dir;

	/* One file per SA shape, with META and the tunnel's policies. */
	for (i = 0; i < N_SHAPES; i++) {
		c = xfrmctx_ctx_new();
		meta_payload(&b, XFRMCTX_SOURCE_MODULE, 1);
		xfrmctx_ctx_append(c, XFRMCTX_REC_META, XFRMCTX_REC_F_NESTED, b.data, b.len);
		xc_buf_free(&b);
		shape(i, sa);
		sa_payload(sa, &b);
		xfrmctx_ctx_append(c, XFRMCTX_REC_SA, sa_flags, b.data, b.len);
		xc_buf_free(&b);
		for (dir = 0; dir < 3 && i < 2; dir++) {
			policy_payload(&b, dir, 1 + (i == 1), i == 1);
			xfrmctx_ctx_append(c, XFRMCTX_REC_POLICY, sa_flags, b.data, b.len);
			xc_buf_free(&b);
		}
		snprintf(name, sizeof(name), "shape-%d.ctx", i);
		write_ctx(name, c);
	}
	/* Every shape in one file, from the module-less path. */
	c = xfrmctx_ctx_new();
	meta_payload(&b, XFRMCTX_SOURCE_XFRM, 0);
	xfrmctx_ctx_append(c, XFRMCTX_REC_META, XFRMCTX_REC_F_NESTED, b.data, b.len);
	xc_buf_free(&b);
	for (i = 0; i < N_SHAPES; i++) {
		shape(i, sa);
		sa_payload(sa, &b);
		xfrmctx_ctx_append(c, XFRMCTX_REC_SA, sa_flags, b.data, b.len);
		xc_buf_free(&b);
	}
	write_ctx("all-shapes.ctx", c);
	/* Empty, an optional unknown record (the example of the format
	 * document), and an unknown mandatory one. */
	write_ctx("empty.ctx", xfrmctx_ctx_new());
	c = xfrmctx_ctx_new();
	xfrmctx_ctx_append(c, 9, 0, "abcd", 4);
	write_ctx("unknown-optional.ctx", c);
	c = xfrmctx_ctx_new();
	xfrmctx_ctx_append(c, 17, XFRMCTX_REC_F_NESTED, "\x08\x00\x01\x00wxyz", 8);
	write_ctx("ike-reserved.ctx", c);
	free(sa);
}

static void sa_records(void)
{
	struct xfrmctx_sa *sa = calloc(1, sizeof(*sa));
	uint8_t *p;
	struct xc_buf b;
	char name[64];
	uint64_t jumps[2] = { 1000, 50 };
	int i;

	for (i = 0; i < N_SHAPES; i++) {
		shape(i, sa);
		sa_payload(sa, &b);
		p = malloc(16 + b.len);
		memcpy(p, jumps, 16);
		memcpy(p + 16, b.data, b.len);
		snprintf(name, sizeof(name), "shape-%d.sa", i);
		put_file("fuzz_sa", name, p, 16 + b.len);
		free(p);
		xc_buf_free(&b);
	}
	free(sa);
}

static void xfrm_messages(void)
{
	struct xfrmctx_sa *sa = calloc(1, sizeof(*sa));
	struct nl_msg *msg;
	char name[64];
	int i;

	for (i = 0; i < N_SHAPES; i++) {
		shape(i, sa);
		msg = nlmsg_alloc_simple(XFRM_MSG_NEWSA, 0);
		if (!msg || xc_sa_to_xfrm(sa, 1700000000, msg)) {
			fprintf(stderr, "seeds: cannot build XFRM_MSG_NEWSA for shape %d\n", i);
			exit(1);
		}
		snprintf(name, sizeof(name), "shape-%d.nlmsg", i);
		put_file("fuzz_xfrm_sa", name, nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
		nlmsg_free(msg);
	}
	free(sa);
}

static void policy_records(void)
{
	struct xc_buf b;
	uint8_t buf[1024];
	char name[64];
	int i;

	for (i = 0; i < 4; i++) {
		if (i < 3)
			policy_payload(&b, i, 1 + (i == 2), i == 2);
		else
			meta_payload(&b, XFRMCTX_SOURCE_MODULE, 1);
		buf[0] = i < 3 ? 0 : 1;
		memcpy(buf + 1, b.data, b.len);
		snprintf(name, sizeof(name), i < 3 ? "policy-%d" : "meta", i);
		put_file("fuzz_policy", name, buf, b.len + 1);
		xc_buf_free(&b);
	}
}

/* Command lines: the command's index (fuzz_cli.c's table), then words
 * separated by NUL bytes. */
static void command_lines(void)
{
	static const struct {
		int cmd;
		const char *words;
	} lines[] = {
		{ 0, "src 10.0.0.1 dst 10.0.0.100 proto esp spi 0x1000a001 lease 30" },
		{ 0, "reqid 1 lease 60 renew" },
		{ 1, "dst 10.0.0.100 proto esp spi 0x1000a001 dst 10.0.0.1 proto esp spi 0x2000b001" },
		{ 2, "reqid 7" },
		{ 3, "reqid 1 freeze lease 60 -o /tmp/ctx" },
		{ 3, "all nopolicy -o -" },
		{ 3, "dst 2001:db8::1 proto esp spi 5 mark 7 mask 0xff if_id 9 policy" },
		{ 4, "-i ctx out-jump 1000 in-jump 50 staged lease 30 replace nopolicy" },
		{ 5, "-i - out-jump 0x10000" },
		{ 6, "reqid 1" },
		{ 6, "" },
	};
	char buf[512], name[32];
	size_t i, n;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		buf[0] = lines[i].cmd;
		n = strlen(lines[i].words);
		memcpy(buf + 1, lines[i].words, n);
		for (size_t j = 1; j <= n; j++)
			if (buf[j] == ' ')
				buf[j] = '\0';
		snprintf(name, sizeof(name), "cmd-%02zu", i);
		put_file("fuzz_cli", name, buf, n + 1);
	}
}

#ifdef XC_HAVE_IKE
#include <dirent.h>

#include "ha_wire.h"
#include "ike_rate.h"
#include "ike_rec.h"
#include "ike_store.h"

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* A container with the store's IKE_SA records, a recorder record and a
 * rate record, as xfrmctx-ike record writes them (without the SAs). */
static int ike_image(const struct xc_store *s, void **img, size_t *len)
{
	struct xc_recorder_info m = { .serial = 1, .written_ms = 1700000000000ull,
				      .source = "127.0.0.1:4510", .trigger = XC_TRIGGER_PERIODIC,
				      .frozen_until_ms = 1700000030000ull };
	struct xc_rate r = { .family = 2, .daddr = { 10, 0, 0, 1 }, .spi = 0xc2000001, .proto = 50,
			     .time_ms = 1700000000000ull, .oseq = 120, .has_prev = 1,
			     .prev_time_ms = 1699999999000ull, .prev_oseq = 100, .peak_out = 20,
			     .intervals = 1 };
	struct xfrmctx_ctx *c = xfrmctx_ctx_new();
	char why[256];
	int err;

	*img = NULL;
	if (!c)
		return -1;
	err = xc_ike_ctx_put(c, s, 1, why, sizeof(why));
	if (!err)
		err = xc_recorder_put(c, &m);
	if (!err)
		err = xc_rate_put(c, &r);
	if (!err)
		err = xfrmctx_ctx_to_buf(c, img, len);
	xfrmctx_ctx_free(c);
	return err;
}

/* The captured HA datagrams of the IKE half (helper/tests/ike_vectors, and
 * its 6.0.1/ and 6.1.0/ for protocol versions 4 and 5, with the file names
 * prefixed "v4-" / "v5-"): each alone behind its length, all of them as
 * one stream, and the IKE half of a container (IKE_SA, recorder and rate
 * records) after the stream. */
static void ike_seeds(const char *vectors, const char *prefix)
{
	static uint8_t stream[1 << 20], one[2 + 65535];
	static struct xc_ha_msg m;
	struct dirent **names;
	struct xc_store s;
	size_t slen = 0, biggest = 0, ilen;
	void *img;
	char path[512], why[256], name[300];
	int n, i;

	n = scandir(vectors, &names, NULL, by_name);
	if (n < 0) {
		perror(vectors);
		exit(1);
	}
	xc_store_init(&s);
	for (i = 0; i < n; i++) {
		FILE *f;
		size_t len;

		if (!strstr(names[i]->d_name, ".bin"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", vectors, names[i]->d_name);
		f = fopen(path, "rb");
		len = f ? fread(one + 2, 1, sizeof(one) - 2, f) : 0;
		if (f)
			fclose(f);
		one[0] = len >> 8;
		one[1] = len & 0xff;
		snprintf(name, sizeof(name), "%s%s", prefix, names[i]->d_name);
		put_file("fuzz_ha_wire", name, one, len + 2);
		if (slen + len + 2 <= sizeof(stream)) {
			memcpy(stream + slen, one, len + 2);
			slen += len + 2;
		}
		if (!xc_ha_parse(one + 2, len, &m, why, sizeof(why)) && !xc_ha_check(&m, why, sizeof(why)))
			xc_store_apply(&s, &m, 1700000000 + i, why, sizeof(why));
		/* The IKE records at their fullest point of the stream. */
		if (!ike_image(&s, &img, &ilen) && ilen > biggest) {
			biggest = ilen;
			snprintf(name, sizeof(name), "%sfullest.ctx", prefix);
			put_file("fuzz_ike_rec", name, img, ilen);
		}
		free(img);
		img = NULL;
	}
	snprintf(name, sizeof(name), "%sstream", prefix);
	put_file("fuzz_ha_wire", name, stream, slen);
	if (ike_image(&s, &img, &ilen)) {
		fprintf(stderr, "seeds: cannot encode the IKE store\n");
		exit(1);
	}
	snprintf(name, sizeof(name), "%safter-stream.ctx", prefix);
	put_file("fuzz_ike_rec", name, img, ilen);
	free(img);
	xc_store_free(&s);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
#endif

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: seeds DIR\n");
		return 2;
	}
	dir = argv[1];
	mkdir(dir, 0755);
	contexts();
	sa_records();
	xfrm_messages();
	policy_records();
	command_lines();
#ifdef XC_HAVE_IKE
	ike_seeds(XC_IKE_VECTOR_DIR, "");
	ike_seeds(XC_IKE_VECTOR_DIR "/6.0.1", "v4-");
	ike_seeds(XC_IKE_VECTOR_DIR "/6.1.0", "v5-");
#endif
	return 0;
}
