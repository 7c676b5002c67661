// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The transfer channel on the host, without the kernel: key files, frames,
 * sealed files, the TLS 1.3 PSK handshake over a socket pair (right key,
 * wrong key, unknown identity, a stream cut in the middle of a message, a
 * recorded session replayed), the jump formula and the key and seal
 * commands' grammar.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "channel.h"
#include "key_args.h"
#include "parse.h"
#include "sa.h"
#include "unit.h"

#define KEY_A "aa00112233445566778899aabbccddeeff00112233445566778899aabbccddee"
#define KEY_B "bb00112233445566778899aabbccddeeff00112233445566778899aabbccddee"

static void ring(struct xc_keyring *kr, const char *text)
{
	char err[256] = "";

	EXPECT_EQ(xc_keyring_parse(text, "test-keys", kr, err, sizeof(err)), 0);
	EXPECT_STREQ(err, "");
}

static void ring_refused(const char *text, const char *needle)
{
	struct xc_keyring kr;
	char err[256] = "";

	EXPECT(xc_keyring_parse(text, "test-keys", &kr, err, sizeof(err)) < 0);
	if (!strstr(err, needle)) {
		fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", err, needle);
		unit_failed_checks++;
	}
}

TEST(keyfile_lines_identities_and_lengths)
{
	struct xc_keyring kr;
	const struct xc_psk *k;
	char err[256];

	ring(&kr, "# two gateways\n\ngwA " KEY_A "\n  gwB 0x" KEY_B "  \n");
	EXPECT_EQ(kr.n, 2);
	k = xc_keyring_find(&kr, "gwB", 3);
	EXPECT(k != NULL);
	EXPECT(k && k->key_len == 32 && k->key[0] == 0xbb && k->key[31] == 0xee);
	EXPECT(xc_keyring_find(&kr, "gw", 2) == NULL);
	EXPECT(xc_keyring_self(&kr, "gwA", err, sizeof(err)) == &kr.keys[0]);
	EXPECT(xc_keyring_self(&kr, "nobody", err, sizeof(err)) == NULL);
	EXPECT(strstr(err, "\"nobody\" is not in key file test-keys") != NULL);
	xc_keyring_free(&kr);

	ring_refused("gwA 0011\n", "line 1: the key of \"gwA\" has 4 hex digits; 64 to 128 are needed");
	ring_refused("gwA " KEY_A "\ngwA " KEY_B "\n", "line 2: identity \"gwA\" appears twice");
	ring_refused("gw/A " KEY_A "\n", "identity \"gw/A\" is wrong");
	ring_refused(".. " KEY_A "\n", "identity \"..\" is wrong");
	ring_refused("gwA " KEY_A " extra\n", "line 1: expected \"IDENTITY HEXKEY\"");
	ring_refused("gwA zz00112233445566778899aabbccddeeff00112233445566778899aabbccddee\n",
		     "is not hexadecimal");
	ring_refused("# nothing\n", "holds no key");
}

TEST(keyfile_open_to_others_is_refused)
{
	char dir[] = "/tmp/xc-unit-key-XXXXXX", path[64], err[256] = "";
	struct xc_keyring kr;
	FILE *f;

	EXPECT(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/keys", dir);
	f = fopen(path, "w");
	fprintf(f, "gwA %s\n", KEY_A);
	fclose(f);
	chmod(path, 0644);
	EXPECT_EQ(xc_keyring_load(path, &kr, err, sizeof(err)), -EPERM);
	EXPECT(strstr(err, "has mode 0644: others may read the keys; chmod 600 ") != NULL);
	chmod(path, 0600);
	EXPECT_EQ(xc_keyring_load(path, &kr, err, sizeof(err)), 0);
	xc_keyring_free(&kr);
	/* key new appends a fresh key and keeps the file private */
	EXPECT_EQ(xc_keyfile_add(path, "gwB", err, sizeof(err)), 0);
	EXPECT_EQ(xc_keyfile_add(path, "gwB", err, sizeof(err)), -EEXIST);
	EXPECT_EQ(xc_keyring_load(path, &kr, err, sizeof(err)), 0);
	EXPECT_EQ(kr.n, 2);
	EXPECT(kr.n == 2 && kr.keys[1].key_len == 32 && memcmp(kr.keys[0].key, kr.keys[1].key, 32));
	xc_keyring_free(&kr);
	unlink(path);
	rmdir(dir);
}

TEST(frame_header_round_trip_and_refusals)
{
	uint8_t h[XC_FRAME_HDR], type;
	uint64_t seq;
	uint32_t len;
	char err[256] = "";

	xc_frame_hdr_pack(h, XC_FR_CONTEXT, 0x0102030405060708ULL, 4242);
	EXPECT_EQ(h[0], 0x58);
	EXPECT_EQ(h[1], 0x43);
	EXPECT_EQ(h[8], 0x01);
	EXPECT_EQ(xc_frame_hdr_parse(h, &type, &seq, &len, err, sizeof(err)), 0);
	EXPECT_EQ(type, XC_FR_CONTEXT);
	EXPECT(seq == 0x0102030405060708ULL);
	EXPECT_EQ(len, 4242);
	h[2] = 2;
	EXPECT_EQ(xc_frame_hdr_parse(h, &type, &seq, &len, err, sizeof(err)), -EPROTO);
	EXPECT_STREQ(err, "frame version 2; this end speaks 1");
	xc_frame_hdr_pack(h, 77, 1, 1);
	EXPECT_EQ(xc_frame_hdr_parse(h, &type, &seq, &len, err, sizeof(err)), -EPROTO);
	EXPECT_STREQ(err, "unknown frame type 77");
	xc_frame_hdr_pack(h, XC_FR_ACK, 1, XC_FRAME_MAX + 1);
	EXPECT_EQ(xc_frame_hdr_parse(h, &type, &seq, &len, err, sizeof(err)), -EPROTO);
	h[0] = 'G';
	EXPECT_EQ(xc_frame_hdr_parse(h, &type, &seq, &len, err, sizeof(err)), -EPROTO);
	EXPECT(strstr(err, "not an xfrmctx frame") != NULL);
}

/* A context with one SA whose outbound counter is oseq. */
static struct xfrmctx_ctx *ctx_with(uint32_t spi, uint64_t oseq)
{
	struct xfrmctx_sa *sa = calloc(1, sizeof(*sa));
	struct xfrmctx_ctx *c = xfrmctx_ctx_new();
	struct xc_buf b;

	sa->family = AF_INET;
	inet_pton(AF_INET, "10.0.0.1", &sa->daddr);
	inet_pton(AF_INET, "10.0.0.100", &sa->saddr);
	sa->spi = spi;
	sa->proto = 50;
	sa->replay.mode = XFRM_CTX_REPLAY_MODE_ESN;
	sa->replay.window = 32;
	sa->replay.bitmap_words = 1;
	sa->replay.oseq = (uint32_t)oseq;
	sa->replay.oseq_hi = (uint32_t)(oseq >> 32);
	strcpy(sa->aead.name, "rfc4106(gcm(aes))");
	sa->aead.key_len = 20;
	sa->aead.icv_len = 128;
	sa->aead.has_icv_len = 1;
	sa->present = 1ULL << XFRM_CTX_SA_FAMILY | 1ULL << XFRM_CTX_SA_DADDR |
		      1ULL << XFRM_CTX_SA_SADDR | 1ULL << XFRM_CTX_SA_SPI |
		      1ULL << XFRM_CTX_SA_PROTO | 1ULL << XFRM_CTX_SA_REPLAY |
		      1ULL << XFRM_CTX_SA_ALG_AEAD;
	xc_buf_init(&b);
	xc_sa_encode(sa, &b);
	xfrmctx_ctx_add_meta(c, XFRMCTX_SOURCE_MODULE, 0);
	xfrmctx_ctx_append(c, XFRMCTX_REC_SA, XFRMCTX_REC_F_MANDATORY | XFRMCTX_REC_F_NESTED, b.data, b.len);
	xc_buf_free(&b);
	free(sa);
	return c;
}

TEST(seal_round_trip_and_every_refusal)
{
	struct xfrmctx_ctx *c = ctx_with(0x1000, 5), *back;
	uint8_t *sealed, *plain;
	size_t slen, plen, ilen;
	struct xc_keyring kr, other;
	char err[256] = "";
	void *img;

	ring(&kr, "gwA " KEY_A "\n");
	ring(&other, "gwA " KEY_B "\n");
	EXPECT_EQ(xfrmctx_ctx_to_buf(c, &img, &ilen), 0);
	EXPECT_EQ(xc_seal(&kr.keys[0], img, ilen, &sealed, &slen, err, sizeof(err)), 0);
	EXPECT(xc_is_sealed(sealed, slen));
	EXPECT_EQ(slen, ilen + 56 + 3 + 16);
	/* the key never appears, nor the plain image */
	EXPECT(memmem(sealed, slen, img, 32) == NULL);
	EXPECT_EQ(xc_unseal(&kr, sealed, slen, &plain, &plen, err, sizeof(err)), 0);
	EXPECT(plen == ilen && !memcmp(plain, img, ilen));
	EXPECT_EQ(xfrmctx_ctx_from_buf(plain, plen, &back, err, sizeof(err)), 0);
	xfrmctx_ctx_free(back);
	free(plain);

	EXPECT_EQ(xc_unseal(&other, sealed, slen, &plain, &plen, err, sizeof(err)), -EBADMSG);
	EXPECT(strstr(err, "does not authenticate with the key of \"gwA\"") != NULL);
	sealed[slen / 2] ^= 1;	/* a flipped bit in the ciphertext */
	EXPECT_EQ(xc_unseal(&kr, sealed, slen, &plain, &plen, err, sizeof(err)), -EBADMSG);
	sealed[slen / 2] ^= 1;
	sealed[20] ^= 1;	/* in the salt: the header is authenticated too */
	EXPECT_EQ(xc_unseal(&kr, sealed, slen, &plain, &plen, err, sizeof(err)), -EBADMSG);
	sealed[20] ^= 1;
	EXPECT_EQ(xc_unseal(&kr, sealed, slen - 1, &plain, &plen, err, sizeof(err)), -EBADMSG);
	EXPECT_EQ(xc_unseal(&kr, sealed, 40, &plain, &plen, err, sizeof(err)), -EBADMSG);
	EXPECT(strstr(err, "cut short") != NULL);
	sealed[56] = 'X';	/* another identity */
	EXPECT_EQ(xc_unseal(&kr, sealed, slen, &plain, &plen, err, sizeof(err)), -ENOKEY);
	EXPECT_STREQ(err, "sealed with the key of \"XwA\", which is not in test-keys");
	free(sealed);
	free(img);
	xc_keyring_free(&kr);
	xc_keyring_free(&other);
	xfrmctx_ctx_free(c);
}

/* ---- TLS over socket pairs --------------------------------------- */

struct server {
	int fd;
	struct xc_keyring kr;
	int accept_ret, recv_ret;
	char err[512];
	struct xc_frame f;
};

static void *server_main(void *arg)
{
	struct server *s = arg;
	struct xc_chan *ch;
	char err[256];

	s->accept_ret = xc_chan_accept(s->fd, &s->kr, 5000, &ch, s->err, sizeof(s->err));
	if (s->accept_ret)
		return NULL;
	s->recv_ret = xc_chan_recv(ch, &s->f, s->err, sizeof(s->err));
	if (s->recv_ret == 1) {
		xc_chan_send(ch, XC_FR_ACK, s->f.seq, "ok", 2, err, sizeof(err));
		xc_frame_free(&s->f);
		s->recv_ret = xc_chan_recv(ch, &s->f, s->err, sizeof(s->err));
	}
	xc_chan_close(ch, 1);
	return NULL;
}

/* Forward both ways between a and b; stop forwarding a->b after limit
 * bytes (cut the stream) and record what a sent. */
struct relay {
	int a, b;
	size_t limit, sent;
	uint8_t *rec;
	size_t rec_len;
};

static void *relay_main(void *arg)
{
	struct relay *r = arg;
	uint8_t buf[16384];
	int open_a = 1, open_b = 1;

	r->rec = malloc(1 << 20);
	while (open_a || open_b) {
		struct pollfd p[2] = { { r->a, POLLIN, 0 }, { r->b, POLLIN, 0 } };
		ssize_t n;

		if (poll(p, 2, 5000) <= 0)
			break;
		if (p[0].revents) {
			n = read(r->a, buf, sizeof(buf));
			if (n <= 0)
				break;
			if (r->rec_len + (size_t)n <= (1 << 20)) {
				memcpy(r->rec + r->rec_len, buf, (size_t)n);
				r->rec_len += (size_t)n;
			}
			if (r->sent + (size_t)n > r->limit) {
				n = (ssize_t)(r->limit - r->sent);
				if (n > 0 && write(r->b, buf, (size_t)n) < 0)
					break;
				break;	/* the link goes down mid-message */
			}
			if (write(r->b, buf, (size_t)n) < 0)
				break;
			r->sent += (size_t)n;
		}
		if (p[1].revents) {
			n = read(r->b, buf, sizeof(buf));
			if (n <= 0)
				open_b = 0;
			else if (write(r->a, buf, (size_t)n) < 0)
				break;
		}
		if (!open_b)
			break;
	}
	shutdown(r->b, SHUT_RDWR);
	shutdown(r->a, SHUT_RDWR);
	return NULL;
}

/* Client with key text cli_keys (identity cli_id) against a server with
 * srv_keys, sending one message of len bytes through a relay that cuts
 * after limit bytes. */
static void exchange(const char *cli_keys, const char *cli_id, const char *srv_keys, size_t len,
		     size_t limit, struct server *s, int *client_ret, char *cerr, struct relay *rel)
{
	int c2r[2], r2s[2];
	pthread_t st, rt;
	struct xc_keyring ck;
	struct xc_chan *ch = NULL;
	struct relay r = { .limit = limit };
	uint8_t *payload = calloc(1, len + 1);
	char err[256];

	signal(SIGPIPE, SIG_IGN);	/* a refused peer hangs up under our writes */
	memset(s, 0, sizeof(*s));
	ring(&ck, cli_keys);
	ring(&s->kr, srv_keys);
	socketpair(AF_UNIX, SOCK_STREAM, 0, c2r);
	socketpair(AF_UNIX, SOCK_STREAM, 0, r2s);
	r.a = c2r[1];
	r.b = r2s[0];
	s->fd = r2s[1];
	pthread_create(&rt, NULL, relay_main, &r);
	pthread_create(&st, NULL, server_main, s);
	*client_ret = xc_chan_client_fd(c2r[0], "test-server", xc_keyring_find(&ck, cli_id, strlen(cli_id)),
					5000, &ch, cerr, 512);
	if (!*client_ret) {
		struct xc_frame f;

		*client_ret = xc_chan_send(ch, XC_FR_CONTEXT, 7, payload, len, err, sizeof(err));
		if (!*client_ret && limit == SIZE_MAX) {
			*client_ret = xc_chan_recv(ch, &f, cerr, 512) == 1 && f.type == XC_FR_ACK ? 0 : -1;
			xc_frame_free(&f);
		}
		xc_chan_close(ch, limit == SIZE_MAX);
	}
	pthread_join(st, NULL);
	pthread_join(rt, NULL);
	close(c2r[1]);
	close(r2s[0]);
	if (rel)
		*rel = r;
	else
		free(r.rec);
	free(payload);
	xc_keyring_free(&ck);
	xc_keyring_free(&s->kr);
}

TEST(tls_psk_session_carries_frames_and_closes_cleanly)
{
	struct server s;
	char cerr[512] = "";
	int cret;

	exchange("gwA " KEY_A "\n", "gwA", "gwB " KEY_B "\ngwA " KEY_A "\n", 100000, SIZE_MAX, &s, &cret,
		 cerr, NULL);
	EXPECT_EQ(cret, 0);
	EXPECT_STREQ(cerr, "");
	EXPECT_EQ(s.accept_ret, 0);
	EXPECT_EQ(s.recv_ret, 0);	/* close_notify after the message */
}

TEST(tls_wrong_key_is_refused_by_name)
{
	struct server s;
	char cerr[512] = "";
	int cret;

	exchange("gwA " KEY_B "\n", "gwA", "gwA " KEY_A "\n", 10, SIZE_MAX, &s, &cret, cerr, NULL);
	EXPECT(cret != 0);
	EXPECT_EQ(s.accept_ret, -EKEYREJECTED);
	EXPECT(strstr(s.err, "wrong pre-shared key from") != NULL);
	EXPECT(strstr(s.err, "for \"gwA\": the PSK binder does not verify") != NULL);
	EXPECT(strstr(cerr, "TLS handshake with test-server as \"gwA\" failed") != NULL);
}

TEST(tls_unknown_identity_is_refused_by_name)
{
	struct server s;
	char cerr[512] = "";
	int cret;

	exchange("gwX " KEY_A "\n", "gwX", "gwA " KEY_A "\n", 10, SIZE_MAX, &s, &cret, cerr, NULL);
	EXPECT(cret != 0);
	EXPECT_EQ(s.accept_ret, -EACCES);
	EXPECT(strstr(s.err, "unknown peer \"gwX\"") != NULL);
	EXPECT(strstr(s.err, "the identity is not in test-keys") != NULL);
}

static void expect_has(const char *msg, const char *needle)
{
	if (!strstr(msg, needle)) {
		fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", msg, needle);
		unit_failed_checks++;
	}
}

/* What the receiving operator reads, whichever way OpenSSL reports the cut
 * (3.0: unexpected EOF; 3.5: that, then the EPIPE of the alert it tries
 * to send back): make unit-trixie runs this on Debian 13's OpenSSL. */
TEST(tls_stream_cut_mid_message_is_truncated)
{
	struct server s;
	char cerr[512] = "";
	int cret;

	/* 100 kB in ~7 records; the handshake is far below 50 kB. */
	exchange("gwA " KEY_A "\n", "gwA", "gwA " KEY_A "\n", 100000, 50000, &s, &cret, cerr, NULL);
	EXPECT_EQ(s.accept_ret, 0);
	EXPECT_EQ(s.recv_ret, -EPROTO);
	expect_has(s.err, "truncated stream from");
	expect_has(s.err, "context message seq 7:");
	expect_has(s.err, "of 100000 bytes arrived");
}

TEST(tls_recorded_session_replayed_is_refused)
{
	struct server s, s2 = { 0 };
	struct relay rec;
	char cerr[512] = "";
	pthread_t st;
	int cret, sp[2];

	exchange("gwA " KEY_A "\n", "gwA", "gwA " KEY_A "\n", 1000, SIZE_MAX, &s, &cret, cerr, &rec);
	EXPECT_EQ(cret, 0);
	EXPECT(rec.rec_len > 1000);
	/* The same bytes again, to a fresh server. */
	ring(&s2.kr, "gwA " KEY_A "\n");
	socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
	s2.fd = sp[1];
	pthread_create(&st, NULL, server_main, &s2);
	EXPECT_EQ(write(sp[0], rec.rec, rec.rec_len), (ssize_t)rec.rec_len);
	shutdown(sp[0], SHUT_WR);
	pthread_join(st, NULL);
	close(sp[0]);
	EXPECT(s2.accept_ret != 0);
	EXPECT(strstr(s2.err, "TLS handshake with") != NULL);
	EXPECT(strstr(s2.err, "(a replayed, altered or cut stream)") != NULL);
	free(rec.rec);
	xc_keyring_free(&s2.kr);
}

TEST(context_message_header)
{
	struct xc_ctxmsg m;
	uint8_t *p;
	size_t n;
	char err[128] = "";

	EXPECT_EQ(xc_ctxmsg_pack(XC_KIND_HANDOVER, 1700000000123ULL, "abc", 3, &p, &n), 0);
	EXPECT_EQ(n, XC_CTXMSG_HDR + 3);
	EXPECT_EQ(xc_ctxmsg_parse(p, n, &m, err, sizeof(err)), 0);
	EXPECT_EQ(m.kind, XC_KIND_HANDOVER);
	EXPECT(m.taken_ms == 1700000000123ULL);
	EXPECT(m.image_len == 3 && !memcmp(m.image, "abc", 3));
	p[0] = 9;
	EXPECT_EQ(xc_ctxmsg_parse(p, n, &m, err, sizeof(err)), -EPROTO);
	EXPECT_EQ(xc_ctxmsg_parse(p, 5, &m, err, sizeof(err)), -EPROTO);
	free(p);
}

TEST(jump_formula_rate_and_floor)
{
	struct xc_jump_params jp = { .factor = 2.0, .floor = 256 };
	/* max(floor, ceil(pps * age * factor)) */
	EXPECT_EQ(xc_jump_compute(200.0, 3.2, &jp), 1280);
	EXPECT_EQ(xc_jump_compute(10.0, 3.2, &jp), 256);
	EXPECT_EQ(xc_jump_compute(0, 100, &jp), 256);
	jp.floor = 100;
	EXPECT_EQ(xc_jump_compute(100.3, 1.0, &jp), 201);
}

TEST(key_args_grammar)
{
	struct key_args a;
	char *ok[] = { "--key", "/k", "-i", "in.ctx", "--id=gwA" };
	char *bad1[] = { "--key" };
	char *bad2[] = { "--frobnicate" };
	char *bad3[] = { "gwA", "gwB" };

	EXPECT_EQ(parse_key_args("seal", KA_KEY | KA_IN | KA_OUT | KA_ID, KA_KEY, 5, ok, &a), 0);
	EXPECT_STREQ(a.key, "/k");
	EXPECT_STREQ(a.in, "in.ctx");
	EXPECT_STREQ(a.id, "gwA");
	EXPECT(a.out == NULL);
	EXPECT_EQ(parse_key_args("unseal", KA_KEY | KA_IN | KA_OUT, KA_KEY, 5, ok, &a), -1);
	EXPECT(strstr(usage_msg, "argument \"--id=gwA\" is wrong: unknown word for \"unseal\"") != NULL);
	EXPECT_EQ(parse_key_args("seal", KA_KEY, KA_KEY, 1, bad1, &a), -1);
	EXPECT_STREQ(usage_msg, "argument \"--key\" is wrong: it needs a value");
	EXPECT_EQ(parse_key_args("seal", KA_KEY, KA_KEY, 1, bad2, &a), -1);
	EXPECT_EQ(parse_key_args("seal", KA_KEY | KA_IN, KA_KEY, 2, ok + 2, &a), -1);
	EXPECT_STREQ(usage_msg, "\"seal\" needs --key FILE; try \"xfrmctx seal help\"");
	EXPECT_EQ(parse_key_args("key", KA_NAME | KA_OUT, KA_NAME, 1, bad3, &a), 0);
	EXPECT_STREQ(a.name, "gwA");
	EXPECT_EQ(parse_key_args("key", KA_NAME | KA_OUT, KA_NAME, 2, bad3, &a), -1);
	EXPECT_EQ(parse_key_args("key", KA_NAME | KA_OUT, KA_NAME, 0, bad3, &a), -1);
	EXPECT_STREQ(usage_msg, "\"key\" needs an identity; try \"xfrmctx key help\"");
}

TEST(hostport_forms)
{
	char host[64], err[128];
	uint16_t port;

	EXPECT_EQ(xc_parse_hostport("10.0.0.3", host, sizeof(host), &port, err, sizeof(err)), 0);
	EXPECT(!strcmp(host, "10.0.0.3") && port == XC_CHAN_DEFAULT_PORT);
	EXPECT_EQ(xc_parse_hostport("gwB:7001", host, sizeof(host), &port, err, sizeof(err)), 0);
	EXPECT(!strcmp(host, "gwB") && port == 7001);
	EXPECT_EQ(xc_parse_hostport("[fd00::3]:7002", host, sizeof(host), &port, err, sizeof(err)), 0);
	EXPECT(!strcmp(host, "fd00::3") && port == 7002);
	EXPECT_EQ(xc_parse_hostport("fd00::3", host, sizeof(host), &port, err, sizeof(err)), 0);
	EXPECT(!strcmp(host, "fd00::3") && port == XC_CHAN_DEFAULT_PORT);
	EXPECT_EQ(xc_parse_hostport("gwB:0", host, sizeof(host), &port, err, sizeof(err)), -EINVAL);
	EXPECT_EQ(xc_parse_hostport("gwB:http", host, sizeof(host), &port, err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "\"gwB:http\" is not HOST or HOST:PORT");
}
