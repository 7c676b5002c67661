// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * strongSwan 6: the HA streams of Debian 13's charon 6.0.1 (protocol
 * version 4) and sid's 6.1.0 (version 5), captured by
 * ike_vectors/capture6.sh into ike_vectors/6.0.1/ and 6.1.0/, parse, pass
 * the checks and re-encode to the same bytes; the recorded state matches
 * what `swanctl --list-sas` showed on that gateway at the end (gw.sas);
 * it survives the IKE_SA records; a replay in the same version gives the
 * same keys again; and a replay into another version carries what it can
 * and refuses, with a reason, what it cannot.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ha_wire.h"
#include "ike_io.h"
#include "ike_rec.h"
#include "ike_replay.h"
#include "test_ike_lib.h"
#include "unit.h"

static struct xc_ha_msg m;
static struct xc_ha_buf b;
static char why[512];

struct capture {
	const char *dir;
	uint8_t version;
	uint16_t add_ke;	/* the additional KE method capture6.sh got */
	uint16_t add_ke_secret;	/* its shared secret's length */
};

static const struct capture caps[] = {
	{ "6.0.1", 4, 31, 32 },	/* no ML-KEM in Debian's 6.0.1: CURVE_25519 */
	{ "6.1.0", 5, 36, 32 },	/* ML_KEM_768 (OpenSSL 3.5) */
};

/* The value of key in the list-sas text after the first "from" (or 0). */
static const char *sas_get(const char *text, const char *from, const char *key, char *out, size_t len)
{
	const char *p = strstr(text, from), *e;
	char pat[64];

	out[0] = '\0';
	if (!p)
		return out;
	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(p, pat);
	if (!p)
		return out;
	p += strlen(pat);
	e = p + strcspn(p, " }");
	snprintf(out, len, "%.*s", (int)(e - p), p);
	return out;
}

static char *read_text(const char *dir, const char *name)
{
	char path[1024], err[256];
	uint8_t *data;
	size_t len;
	char *t;

	snprintf(path, sizeof(path), "%s/%s/%s", XC_IKE_VECTORS, dir, name);
	if (xc_file_read(path, 1 << 20, &data, &len, err, sizeof(err))) {
		fprintf(stderr, "  %s\n", err);
		return NULL;
	}
	t = malloc(len + 1);
	memcpy(t, data, len);
	t[len] = '\0';
	xc_file_free(data, len);
	return t;
}

/* IKEv2 transform IDs of the names swanctl prints */
static int alg(const char *name)
{
	static const struct { const char *n; int v; } t[] = {
		{ "AES_GCM_16", 20 }, { "PRF_HMAC_SHA2_384", 6 }, { "ECP_256", 19 },
		{ "ECP_384", 20 }, { "CURVE_25519", 31 }, { "ML_KEM_768", 36 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(name, t[i].n))
			return t[i].v;
	return -1;
}

static uint32_t hex32(const char *s)
{
	return (uint32_t)strtoul(s, NULL, 16);
}

static void hex8(const char *s, uint8_t out[8])
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		char two[3] = { s[2 * i], s[2 * i + 1], 0 };

		out[i] = (uint8_t)strtoul(two, NULL, 16);
	}
}

static void rebuild(const struct xc_ha_msg *pm, uint8_t version)
{
	unsigned int k;

	xc_ha_begin_v(&b, version, pm->type);
	for (k = 0; k < pm->nattrs; k++) {
		const struct xc_ha_attr *a = &pm->attrs[k];

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
}

TEST(ike_v6_vectors_parse_check_and_reencode)
{
	unsigned int c, i, n, seen, t, key_updates, add_secrets, add_kes, priv;
	uint8_t **bufs;
	size_t *lens;

	for (c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		n = t_stream_dir(caps[c].dir, &bufs, &lens);
		EXPECT(n >= 60);
		seen = key_updates = add_secrets = add_kes = priv = 0;
		for (i = 0; i < n; i++) {
			if (xc_ha_parse(bufs[i], lens[i], &m, why, sizeof(why)) ||
			    xc_ha_check(&m, why, sizeof(why))) {
				fprintf(stderr, "  %s vector %u: %s\n", caps[c].dir, i + 1, why);
				EXPECT(0);
				continue;
			}
			EXPECT_EQ(m.version, caps[c].version);
			seen |= 1u << m.type;
			if (m.type == XC_HA_IKE_ADD && !xc_ha_find(&m, XC_HA_A_ALG_PRF))
				key_updates++;
			add_secrets += xc_ha_count(&m, XC_HA_A_ADD_SECRET);
			add_kes += xc_ha_count(&m, XC_HA_A_ALG_ADD_KES);
			for (t = 0; t < m.nattrs; t++)
				priv += m.attrs[t].type == XC_HA_A_CONDITIONS &&
					(m.attrs[t].v.u32 & XC_HA_PRIVATE_MARKER);
			rebuild(&m, m.version);
			EXPECT(!b.overflow && !b.unfit);
			EXPECT(b.len == lens[i] && !memcmp(b.data, bufs[i], b.len));
		}
		/* everything but IKEv1's IV (IKEv1 was not used) */
		for (t = 1; t <= XC_HA_MSG_MAX; t++)
			if (t != XC_HA_IKE_IV && !(seen & (1u << t))) {
				fprintf(stderr, "  %s: no captured %s\n", caps[c].dir, xc_ha_msg_name((uint8_t)t));
				EXPECT(0);
			}
		/* pq up: one IKE_INTERMEDIATE; rekeys of pq and pqnet from both sides */
		EXPECT_EQ(key_updates, 1);
		EXPECT_EQ(add_secrets, 4);
		EXPECT(add_kes >= 5);
		/* version 5 sends the (empty) private conditions in every IKE_UPDATE */
		if (caps[c].version == 5)
			EXPECT(priv >= 3);
		else
			EXPECT_EQ(priv, 0);
		t_stream_free(bufs, lens, n);
	}
}

/* tcpdump on the HA link saw the same datagrams, in order, as the listener
 * that wrote the .bin files (it may stop a datagram or two earlier). */
TEST(ike_v6_vectors_match_tcpdump)
{
	unsigned int c, n, k;
	uint8_t **bufs, *pcap;
	size_t *lens, plen, pos;
	char path[1024], err[256];

	for (c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		n = t_stream_dir(caps[c].dir, &bufs, &lens);
		snprintf(path, sizeof(path), "%s/%s/ha.pcap", XC_IKE_VECTORS, caps[c].dir);
		if (xc_file_read(path, 1 << 22, &pcap, &plen, err, sizeof(err))) {
			fprintf(stderr, "  %s\n", err);
			EXPECT(0);
			continue;
		}
		/* little-endian classic pcap, Ethernet frames (Linux lo) */
		EXPECT(plen >= 24 && pcap[0] == 0xd4 && pcap[1] == 0xc3 && pcap[20] == 1);
		for (pos = 24, k = 0; pos + 16 <= plen; k++) {
			uint32_t incl = (uint32_t)pcap[pos + 8] | (uint32_t)pcap[pos + 9] << 8 |
					(uint32_t)pcap[pos + 10] << 16 | (uint32_t)pcap[pos + 11] << 24;
			const uint8_t *f = pcap + pos + 16;
			size_t ihl = (size_t)(f[14] & 0x0f) * 4, off = 14 + ihl + 8;

			if (pos + 16 + incl > plen || incl < off || k >= n)
				break;
			EXPECT_EQ(f[14 + 9], 17);	/* UDP */
			EXPECT_EQ(incl - off, lens[k]);
			EXPECT(incl - off == lens[k] && !memcmp(f + off, bufs[k], lens[k]));
			pos += 16 + incl;
		}
		EXPECT_EQ(pos, plen);
		EXPECT(k + 2 >= n && k <= n);
		xc_file_free(pcap, plen);
		t_stream_free(bufs, lens, n);
	}
}

/* Feed a capture into a store (now constant). Returns the most key updates
 * one IKE_SA held at any time. */
static unsigned int record(const struct capture *cap, struct xc_store *s)
{
	unsigned int i, n, most = 0;
	const struct xc_ike *ike;
	uint8_t **bufs;
	size_t *lens;
	int rc;

	xc_store_init(s);
	n = t_stream_dir(cap->dir, &bufs, &lens);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(xc_ha_parse(bufs[i], lens[i], &m, why, sizeof(why)), 0);
		EXPECT_EQ(xc_ha_check(&m, why, sizeof(why)), 0);
		rc = xc_store_apply(s, &m, 1000, why, sizeof(why));
		if (rc < 0) {
			fprintf(stderr, "  %s vector %u refused: %s\n", cap->dir, i + 1, why);
			EXPECT(0);
		}
		for (ike = s->ikes; ike; ike = ike->next)
			if (ike->nupdates > most)
				most = ike->nupdates;
	}
	t_stream_free(bufs, lens, n);
	return most;
}

static const struct xc_ike *the_live(const struct xc_store *s, unsigned int *nlive)
{
	const struct xc_ike *ike, *live = NULL;

	*nlive = 0;
	for (ike = s->ikes; ike; ike = ike->next)
		if (!ike->deleted) {
			live = ike;
			(*nlive)++;
		}
	return live;
}

TEST(ike_v6_recorded_state_matches_swanctl)
{
	char v[128];
	unsigned int c, nlive, nchild;
	struct xc_store s;

	for (c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		const struct capture *cap = &caps[c];
		char *sas = read_text(cap->dir, "gw.sas");
		const struct xc_ike *ike;
		const struct xc_child *ch, *child = NULL;
		uint8_t spi[8];

		EXPECT(sas != NULL);
		if (!sas)
			continue;
		/* the initial IKE_SA of pq got one key update (IKE_INTERMEDIATE) */
		EXPECT_EQ(record(cap, &s), 1);
		ike = the_live(&s, &nlive);
		EXPECT_EQ(nlive, 1);	/* rw was terminated */
		EXPECT(ike != NULL);
		if (!ike) {
			free(sas);
			xc_store_free(&s);
			continue;
		}
		EXPECT_STREQ(ike->config, "pq");
		EXPECT_EQ(ike->ha_version, cap->version);
		hex8(sas_get(sas, "{pq {", "initiator-spi", v, sizeof(v)), spi);
		EXPECT(!memcmp(ike->id.spi_i, spi, 8));
		hex8(sas_get(sas, "{pq {", "responder-spi", v, sizeof(v)), spi);
		EXPECT(!memcmp(ike->id.spi_r, spi, 8));
		EXPECT_EQ(ike->id.initiator, !strcmp(sas_get(sas, "{pq {", "initiator", v, sizeof(v)), "yes"));
		EXPECT_EQ(ike->encr, alg(sas_get(sas, "{pq {", "encr-alg", v, sizeof(v))));
		EXPECT_EQ(ike->encr_len, atoi(sas_get(sas, "{pq {", "encr-keysize", v, sizeof(v))));
		EXPECT_EQ(ike->prf, alg(sas_get(sas, "{pq {", "prf-alg", v, sizeof(v))));
		EXPECT_EQ(ike->dh, alg(sas_get(sas, "{pq {", "dh-group", v, sizeof(v))));
		EXPECT_EQ(ike->nadd_kes, 1);
		EXPECT_EQ(ike->add_kes[0], alg(sas_get(sas, "{pq {", "ake1", v, sizeof(v))));
		EXPECT_EQ(ike->add_kes[0], cap->add_ke);
		EXPECT_EQ(ike->local.family, XC_HA_AF_INET);
		EXPECT(!memcmp(ike->local.addr, "\x0a\x00\x00\x02", 4));	/* local-host 10.0.0.2 */
		EXPECT_STREQ(sas_get(sas, "{pq {", "local-host", v, sizeof(v)), "10.0.0.2");
		EXPECT_EQ(ike->local.port, atoi(sas_get(sas, "{pq {", "local-port", v, sizeof(v))));
		EXPECT_STREQ(sas_get(sas, "{pq {", "remote-host", v, sizeof(v)), "10.0.0.1");
		EXPECT(!memcmp(ike->remote.addr, "\x0a\x00\x00\x01", 4));
		EXPECT_EQ(ike->remote.port, atoi(sas_get(sas, "{pq {", "remote-port", v, sizeof(v))));
		sas_get(sas, "{pq {", "local-id", v, sizeof(v));
		EXPECT(ike->local_id.len == strlen(v) && !memcmp(ike->local_id.data, v, strlen(v)));
		sas_get(sas, "{pq {", "remote-id", v, sizeof(v));
		EXPECT(ike->remote_id.len == strlen(v) && !memcmp(ike->remote_id.data, v, strlen(v)));
		/* made by a rekey with IKE_FOLLOWUP_KE: ECP_384's x coordinate
		 * (48 bytes) and the additional secret */
		EXPECT(ike->has_old);
		EXPECT_EQ(ike->secret.len, 48);
		EXPECT_EQ(ike->add_secret.len, cap->add_ke_secret);
		EXPECT_EQ(ike->nupdates, 0);
		EXPECT(ike->has_conditions && ike->has_extensions);
		EXPECT(ike->extensions & (1u << 17));	/* EXT_IKE_INTERMEDIATE */
		if (cap->version == 5) {
			EXPECT(ike->has_priv_conditions && ike->has_priv_extensions);
			EXPECT_EQ(ike->priv_conditions, XC_HA_PRIVATE_MARKER);
		} else {
			EXPECT(!ike->has_priv_conditions && !ike->has_priv_extensions);
		}

		/* the one CHILD_SA, rekeyed with PFS + an additional KE */
		nchild = 0;
		for (ch = s.children; ch; ch = ch->next)
			if (xc_store_child_owner(&s, ch) == ike) {
				child = ch;
				nchild++;
			}
		EXPECT_EQ(nchild, 1);
		if (child) {
			EXPECT_STREQ(child->config, "pqnet");
			EXPECT_EQ(child->spi_in, hex32(sas_get(sas, "pqnet-", "spi-in", v, sizeof(v))));
			EXPECT_EQ(child->spi_out, hex32(sas_get(sas, "pqnet-", "spi-out", v, sizeof(v))));
			EXPECT_EQ(child->encr, alg(sas_get(sas, "pqnet-", "encr-alg", v, sizeof(v))));
			EXPECT_EQ(child->encr_len, atoi(sas_get(sas, "pqnet-", "encr-keysize", v, sizeof(v))));
			EXPECT_EQ(child->dh, alg(sas_get(sas, "pqnet-", "dh-group", v, sizeof(v))));
			EXPECT_EQ(child->nadd_kes, 1);
			EXPECT_EQ(child->add_kes[0], alg(sas_get(sas, "pqnet-", "ake1", v, sizeof(v))));
			EXPECT_EQ(child->esn, atoi(sas_get(sas, "pqnet-", "esn", v, sizeof(v))));
			EXPECT_EQ(child->mode, 2);	/* TUNNEL */
			EXPECT_STREQ(sas_get(sas, "pqnet-", "mode", v, sizeof(v)), "TUNNEL");
			EXPECT_EQ(child->secret.len, 32);	/* ECP_256 */
			EXPECT_EQ(child->add_secret.len, cap->add_ke_secret);
			EXPECT_EQ(child->nlocal_ts, 1);
			EXPECT_STREQ(sas_get(sas, "pqnet-", "local-ts", v, sizeof(v)), "[192.168.2.0/24]");
			EXPECT(!memcmp(child->local_ts[0].from, "\xc0\xa8\x02\x00", 4) &&
			       !memcmp(child->local_ts[0].to, "\xc0\xa8\x02\xff", 4));
			EXPECT(!memcmp(child->remote_ts[0].from, "\xc0\xa8\x01\x00", 4));
		}
		free(sas);
		xc_store_free(&s);
	}
}

/* Store -> IKE_SA records -> store: the same bytes once more, key form 4. */
TEST(ike_v6_records_round_trip)
{
	unsigned int c;

	for (c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		struct xfrmctx_ctx *ctx = NULL;
		struct xc_store s, back;
		uint8_t *img1 = NULL, *img2 = NULL;
		size_t l1 = 0, l2 = 0;
		const struct xc_ike *ike;
		unsigned int nlive;

		record(&caps[c], &s);
		EXPECT_EQ(t_snapshot(&s, &img1, &l1), 0);
		EXPECT_EQ(xfrmctx_ctx_from_buf(img1, l1, &ctx, why, sizeof(why)), 0);
		EXPECT_EQ(xc_ike_ctx_get(ctx, &back, why, sizeof(why)), 0);
		EXPECT_EQ(t_snapshot(&back, &img2, &l2), 0);
		EXPECT(l1 == l2 && !memcmp(img1, img2, l1));
		ike = the_live(&back, &nlive);
		EXPECT(ike && ike->nadd_kes == 1 && ike->add_secret.len == caps[c].add_ke_secret);
		EXPECT(ike && ike->ha_version == caps[c].version);
		/* the key form byte that older readers refuse: 4 */
		EXPECT(memmem(img1, l1, "\x05\x00\x0b\x00\x04", 5) != NULL);
		xfrmctx_ctx_free(ctx);
		free(img1);
		free(img2);
		xc_store_free(&back);
		xc_store_free(&s);
	}
}

/* A replay's datagrams, parsed, checked and fed into a second store. */
struct sink {
	struct xc_store s;
	uint8_t version;
	unsigned int n, bad;
};

static int to_sink(void *ctx, const struct xc_ha_buf *msg, const char *what)
{
	struct sink *k = ctx;
	char w[512];

	k->n++;
	if (xc_ha_parse(msg->data, msg->len, &m, w, sizeof(w)) || xc_ha_check(&m, w, sizeof(w)) ||
	    m.version != k->version || xc_store_apply(&k->s, &m, 1000, w, sizeof(w)) < 0) {
		fprintf(stderr, "  %s: %s\n", what, w);
		k->bad++;
	}
	return 0;
}

static int blob_same(const struct xc_blob *a, const struct xc_blob *b)
{
	return a->len == b->len && (!a->len || !memcmp(a->data, b->data, a->len));
}

/* What the replay's receiver keyed equals what was recorded. */
static void same_keys(const struct xc_store *a, const struct xc_store *b)
{
	const struct xc_ike *x, *y;
	const struct xc_child *c, *d;
	unsigned int k, nike = 0, nchild = 0;

	for (x = a->ikes; x; x = x->next) {
		y = xc_store_find_ike(b, &x->id);
		if (!y)
			continue;	/* not replayed: keys nothing live */
		nike++;
		EXPECT(blob_same(&x->secret, &y->secret) && blob_same(&x->add_secret, &y->add_secret));
		EXPECT(blob_same(&x->nonce_i, &y->nonce_i) && blob_same(&x->nonce_r, &y->nonce_r));
		EXPECT(blob_same(&x->old_skd, &y->old_skd));
		EXPECT_EQ(x->nadd_kes, y->nadd_kes);
		EXPECT(!memcmp(x->add_kes, y->add_kes, sizeof(x->add_kes)));
		EXPECT_EQ(x->nupdates, y->nupdates);
		for (k = 0; k < x->nupdates && k < y->nupdates; k++)
			EXPECT(blob_same(&x->updates[k].secret, &y->updates[k].secret));
	}
	for (c = a->children; c; c = c->next) {
		if (!xc_store_child_owner(a, c))
			continue;
		d = xc_store_find_child(b, c->spi_in);
		EXPECT(d != NULL);
		if (!d)
			continue;
		nchild++;
		EXPECT(blob_same(&c->secret, &d->secret) && blob_same(&c->add_secret, &d->add_secret));
		EXPECT_EQ(c->nadd_kes, d->nadd_kes);
		EXPECT(xc_ike_id_eq(&c->keyed_by, &d->keyed_by));
	}
	EXPECT(nike >= 1);
	EXPECT(nchild >= 1);
}

TEST(ike_v6_replay_same_and_other_versions)
{
	unsigned int c;
	struct xc_replay_stats st;

	for (c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		struct xc_store s;
		uint8_t v;

		record(&caps[c], &s);
		/* 4 and 5 carry everything of either capture (the private
		 * conditions of 6.1.0 are empty) */
		for (v = 4; v <= 5; v++) {
			struct sink k = { .version = v };

			xc_store_init(&k.s);
			EXPECT_EQ(xc_replay_build_v(&s, v, to_sink, &k, &st, why, sizeof(why)), 0);
			EXPECT_EQ(k.bad, 0);
			EXPECT_EQ(st.ike_sas, 1);
			EXPECT_EQ(st.children, 1);
			EXPECT_EQ(k.n, st.messages);
			same_keys(&s, &k.s);
			xc_store_free(&k.s);
		}
		/* 3 (strongSwan 5.x) has no attribute for additional KEs */
		{
			struct sink k = { .version = 3 };

			xc_store_init(&k.s);
			EXPECT_EQ(xc_replay_build_v(&s, 3, to_sink, &k, &st, why, sizeof(why)), -EINVAL);
			EXPECT(strstr(why, "additional key exchanges (RFC 9370") != NULL);
			EXPECT(strstr(why, "HA protocol version 3") != NULL);
			EXPECT_EQ(k.n, 0);	/* nothing of the IKE_SA went out */
			xc_store_free(&k.s);
			/* nor does the old entry point, which speaks 3 */
			EXPECT_EQ(xc_replay_build(&s, to_sink, &k, &st, why, sizeof(why)), -EINVAL);
		}
		xc_store_free(&s);
	}
}

/* A private condition (bit 31 + another bit) goes only to version 5. */
TEST(ike_v6_replay_refuses_private_conditions_before_5)
{
	struct xc_replay_stats st;
	struct xc_store s;
	struct xc_ike *ike;
	struct xc_ha_ike_id id;
	unsigned int nlive;
	struct sink k = { .version = 4 };

	record(&caps[1], &s);
	ike = (struct xc_ike *)the_live(&s, &nlive);
	EXPECT(ike != NULL);
	if (!ike)
		return;
	ike->priv_conditions = XC_HA_PRIVATE_MARKER | 0x4;
	id = ike->id;
	xc_store_init(&k.s);
	EXPECT_EQ(xc_replay_build_v(&s, 4, to_sink, &k, &st, why, sizeof(why)), -EINVAL);
	EXPECT(strstr(why, "private conditions 0x80000004") != NULL);
	EXPECT_EQ(k.n, 0);
	k.version = 5;
	EXPECT_EQ(xc_replay_build_v(&s, 5, to_sink, &k, &st, why, sizeof(why)), 0);
	EXPECT_EQ(k.bad, 0);
	/* (the keying predecessor replayed with it is not deleted there) */
	ike = xc_store_find_ike(&k.s, &id);
	EXPECT(ike && ike->priv_conditions == (XC_HA_PRIVATE_MARKER | 0x4));
	xc_store_free(&k.s);
	xc_store_free(&s);
}

/* Rolling upgrade: what strongSwan 5.9.8 recorded (the top directory's
 * capture) goes to a 6.0.1 or 6.x charon with the same meaning and the
 * numbers of that version. */
TEST(ike_v6_replay_of_598_state_into_v4_and_v5)
{
	uint8_t **bufs;
	size_t *lens;
	unsigned int n = t_stream(&bufs, &lens), i, live, keying, children;
	struct xc_replay_stats st;
	struct xc_store s;
	uint8_t v;

	/* the stream up to the first moment an IKE_SA and a CHILD_SA are up */
	xc_store_init(&s);
	for (i = 0; i < n; i++) {
		if (xc_ha_parse(bufs[i], lens[i], &m, why, sizeof(why)))
			continue;
		EXPECT_EQ(m.version, 3);
		xc_store_apply(&s, &m, 1000, why, sizeof(why));
		xc_store_counts(&s, &live, &keying, &children);
		if (live && children && s.ikes->updated)
			break;
	}
	EXPECT(i < n);
	for (v = 3; v <= 5; v++) {
		struct sink k = { .version = v };

		xc_store_init(&k.s);
		EXPECT_EQ(xc_replay_build_v(&s, v, to_sink, &k, &st, why, sizeof(why)), 0);
		EXPECT_EQ(k.bad, 0);
		EXPECT(st.messages >= 3);
		same_keys(&s, &k.s);
		xc_store_free(&k.s);
	}
	xc_store_free(&s);
	t_stream_free(bufs, lens, n);
}

/* Each version's numbers, against strongSwan's ha_message.h. */
TEST(ike_v6_attribute_numbers_per_version)
{
	uint8_t t, v;

	for (v = 3; v <= 5; v++)
		for (t = 1; t <= XC_HA_A_MAX; t++) {
			uint8_t w = xc_ha_attr_wire(v, t);

			if (v == 3 && (t == XC_HA_A_ADD_SECRET || t == XC_HA_A_ALG_ADD_KES)) {
				EXPECT_EQ(w, 0);
				continue;
			}
			EXPECT(w != 0);
			EXPECT_EQ(xc_ha_attr_from_wire(v, w), t);
		}
	/* 5.9.8: HA_SECRET 17, HA_OLD_SKD 18, HA_ALG_DH 24, HA_AUTH_METHOD 41 */
	EXPECT_EQ(xc_ha_attr_wire(3, XC_HA_A_OLD_SKD), 18);
	EXPECT_EQ(xc_ha_attr_wire(3, XC_HA_A_ALG_DH), 24);
	EXPECT_EQ(xc_ha_attr_wire(3, XC_HA_A_AUTH_METHOD), 41);
	EXPECT_EQ(xc_ha_attr_from_wire(3, 42), 0);
	/* 6.0.1+: HA_SECRET 17, HA_ADD_SECRET 18, HA_OLD_SKD 19, HA_ALG_PRF 20,
	 * HA_ALG_KE 25, HA_ALG_ADD_KES 26, HA_IPSEC_MODE 27, HA_AUTH_METHOD 43 */
	for (v = 4; v <= 5; v++) {
		EXPECT_EQ(xc_ha_attr_wire(v, XC_HA_A_SECRET), 17);
		EXPECT_EQ(xc_ha_attr_wire(v, XC_HA_A_ADD_SECRET), 18);
		EXPECT_EQ(xc_ha_attr_wire(v, XC_HA_A_OLD_SKD), 19);
		EXPECT_EQ(xc_ha_attr_wire(v, XC_HA_A_ALG_PRF), 20);
		EXPECT_EQ(xc_ha_attr_wire(v, XC_HA_A_ALG_KE), 25);
		EXPECT_EQ(xc_ha_attr_wire(v, XC_HA_A_ALG_ADD_KES), 26);
		EXPECT_EQ(xc_ha_attr_wire(v, XC_HA_A_IPSEC_MODE), 27);
		EXPECT_EQ(xc_ha_attr_wire(v, XC_HA_A_AUTH_METHOD), 43);
		EXPECT_EQ(xc_ha_attr_from_wire(v, 44), 0);
	}
	EXPECT_EQ(xc_ha_attr_wire(6, XC_HA_A_SECRET), 0);
	EXPECT_EQ(xc_ha_version_of_release("strongSwan 5.9.8"), 3);
	EXPECT_EQ(xc_ha_version_of_release("Linux strongSwan 5.9.8\n"), 3);	/* Debian 12's charon --version */
	EXPECT_EQ(xc_ha_version_of_release("strongSwan 6.0.0\n"), 3);
	EXPECT_EQ(xc_ha_version_of_release("strongSwan 6.0.1"), 4);
	EXPECT_EQ(xc_ha_version_of_release("strongSwan 6.0.2"), 5);
	EXPECT_EQ(xc_ha_version_of_release("strongSwan 6.1.0"), 5);
	EXPECT_EQ(xc_ha_version_of_release("strongSwan 4.6.4"), -1);
	EXPECT_EQ(xc_ha_version_of_release("libreswan 5.2"), -1);
}

TEST(ike_v6_builder_refuses_what_a_version_lacks)
{
	uint8_t s[4] = { 1, 2, 3, 4 };

	xc_ha_begin_v(&b, 3, XC_HA_CHILD_ADD);
	xc_ha_put_chunk(&b, XC_HA_A_SECRET, s, 4);
	EXPECT(!b.overflow && !b.unfit);
	xc_ha_put_chunk(&b, XC_HA_A_ADD_SECRET, s, 4);
	EXPECT(b.overflow);
	EXPECT_STREQ(b.unfit, "ADD_SECRET");
	xc_ha_begin_v(&b, 4, XC_HA_CHILD_ADD);
	xc_ha_put_chunk(&b, XC_HA_A_ADD_SECRET, s, 4);
	EXPECT(!b.overflow && !b.unfit);
	EXPECT_EQ(b.data[0], 4);
	EXPECT_EQ(b.data[2], 18);
	xc_ha_begin_v(&b, 6, XC_HA_STATUS);
	EXPECT(b.overflow && b.unfit);
	/* the old entry point still writes version 3 */
	xc_ha_begin(&b, XC_HA_STATUS);
	EXPECT_EQ(b.data[0], 3);
	EXPECT(!b.overflow && !b.unfit);
}

TEST(ike_v6_check_rules)
{
	struct xc_ha_ike_id id = t_id(1, 0);
	uint8_t n32[32], kes_odd[3] = { 0, 36, 0 }, kes_tail[4] = { 0, 36, 0, 0 };
	uint8_t kes_ok[4] = { 0, 0, 0, 36 };

	memset(n32, 7, sizeof(n32));
#define ADD(v) do {							\
	xc_ha_begin_v(&b, v, XC_HA_IKE_ADD);				\
	xc_ha_put_u8(&b, XC_HA_A_IKE_VERSION, 2);			\
	xc_ha_put_ike_id(&b, XC_HA_A_IKE_ID, &id);			\
	xc_ha_put_chunk(&b, XC_HA_A_NONCE_I, n32, 32);			\
	xc_ha_put_chunk(&b, XC_HA_A_NONCE_R, n32, 32);			\
	xc_ha_put_chunk(&b, XC_HA_A_SECRET, n32, 32);			\
} while (0)
	/* a key update: no proposal; version 4+ only */
	ADD(4);
	EXPECT_EQ(xc_ha_parse(b.data, b.len, &m, why, sizeof(why)), 0);
	EXPECT_EQ(xc_ha_check(&m, why, sizeof(why)), 0);
	ADD(3);
	EXPECT_EQ(xc_ha_parse(b.data, b.len, &m, why, sizeof(why)), 0);
	EXPECT_EQ(xc_ha_check(&m, why, sizeof(why)), -EINVAL);
	EXPECT(strstr(why, "ALG_PRF is missing") != NULL);
	/* half a proposal is no key update */
	ADD(4);
	xc_ha_put_u16(&b, XC_HA_A_ALG_ENCR, 20);
	EXPECT_EQ(xc_ha_parse(b.data, b.len, &m, why, sizeof(why)), 0);
	EXPECT_EQ(xc_ha_check(&m, why, sizeof(why)), -EINVAL);
	EXPECT(strstr(why, "ALG_PRF is missing") != NULL);
	/* ALG_ADD_KES: 16-bit methods, the last one set */
	ADD(5);
	xc_ha_put_u16(&b, XC_HA_A_ALG_PRF, 6);
	xc_ha_put_chunk(&b, XC_HA_A_ALG_ADD_KES, kes_odd, 3);
	EXPECT_EQ(xc_ha_parse(b.data, b.len, &m, why, sizeof(why)), 0);
	EXPECT_EQ(xc_ha_check(&m, why, sizeof(why)), -EINVAL);
	EXPECT(strstr(why, "not 1 to 7 16-bit methods") != NULL);
	ADD(5);
	xc_ha_put_u16(&b, XC_HA_A_ALG_PRF, 6);
	xc_ha_put_chunk(&b, XC_HA_A_ALG_ADD_KES, kes_tail, 4);
	EXPECT_EQ(xc_ha_parse(b.data, b.len, &m, why, sizeof(why)), 0);
	EXPECT_EQ(xc_ha_check(&m, why, sizeof(why)), -EINVAL);
	EXPECT(strstr(why, "empty slot") != NULL);
	ADD(5);
	xc_ha_put_u16(&b, XC_HA_A_ALG_PRF, 6);
	xc_ha_put_chunk(&b, XC_HA_A_ALG_ADD_KES, kes_ok, 4);	/* ADDKE1 none, ADDKE2 ML-KEM-768 */
	EXPECT_EQ(xc_ha_parse(b.data, b.len, &m, why, sizeof(why)), 0);
	EXPECT_EQ(xc_ha_check(&m, why, sizeof(why)), 0);
	/* an additional secret needs the first */
	xc_ha_begin_v(&b, 4, XC_HA_CHILD_ADD);
	xc_ha_put_ike_id(&b, XC_HA_A_IKE_ID, &id);
	xc_ha_put_chunk(&b, XC_HA_A_ADD_SECRET, n32, 32);
	EXPECT_EQ(xc_ha_parse(b.data, b.len, &m, why, sizeof(why)), 0);
	EXPECT_EQ(xc_ha_check(&m, why, sizeof(why)), -EINVAL);
	EXPECT(strstr(why, "ADD_SECRET without SECRET") != NULL);
	/* CONDITIONS twice: version 5 only, once public, once private */
	{
		uint8_t ver;

		for (ver = 4; ver <= 5; ver++) {
			xc_ha_begin_v(&b, ver, XC_HA_IKE_UPDATE);
			xc_ha_put_ike_id(&b, XC_HA_A_IKE_ID, &id);
			xc_ha_put_u32(&b, XC_HA_A_CONDITIONS, 0x4000);
			xc_ha_put_u32(&b, XC_HA_A_CONDITIONS, XC_HA_PRIVATE_MARKER);
			EXPECT_EQ(xc_ha_parse(b.data, b.len, &m, why, sizeof(why)), 0);
			EXPECT_EQ(xc_ha_check(&m, why, sizeof(why)), ver == 5 ? 0 : -EINVAL);
		}
		xc_ha_put_u32(&b, XC_HA_A_CONDITIONS, XC_HA_PRIVATE_MARKER | 1);
		EXPECT_EQ(xc_ha_parse(b.data, b.len, &m, why, sizeof(why)), 0);
		EXPECT_EQ(xc_ha_check(&m, why, sizeof(why)), -EINVAL);
		EXPECT(strstr(why, "private CONDITIONS repeated") != NULL);
	}
#undef ADD
}

/* The store: a key update for an IKE_SA it does not hold is refused; one
 * for a held IKE_SA is kept in order, and a resync's copy changes nothing. */
TEST(ike_v6_store_key_updates)
{
	struct xc_ha_ike_id id = t_id(9, 1);
	struct xc_store s;
	uint8_t n32[32], s1[32], s2[32];
	struct xc_ike *ike;

	memset(n32, 7, sizeof(n32));
	memset(s1, 1, sizeof(s1));
	memset(s2, 2, sizeof(s2));
	xc_store_init(&s);
#define UPD(sec) do {							\
	xc_ha_begin_v(&b, 4, XC_HA_IKE_ADD);				\
	xc_ha_put_u8(&b, XC_HA_A_IKE_VERSION, 2);			\
	xc_ha_put_ike_id(&b, XC_HA_A_IKE_ID, &id);			\
	xc_ha_put_chunk(&b, XC_HA_A_NONCE_I, n32, 32);			\
	xc_ha_put_chunk(&b, XC_HA_A_NONCE_R, n32, 32);			\
	xc_ha_put_chunk(&b, XC_HA_A_SECRET, sec, 32);			\
} while (0)
	UPD(s1);
	EXPECT_EQ(t_feed(&s, &b, 1, why, sizeof(why)), -EINVAL);
	EXPECT(strstr(why, "key update (IKE_INTERMEDIATE) for an IKE_SA not recorded") != NULL);
	t_ike_add(&b, &id, NULL, 3);
	EXPECT_EQ(t_feed(&s, &b, 1, why, sizeof(why)), 0);
	UPD(s1);
	EXPECT_EQ(t_feed(&s, &b, 2, why, sizeof(why)), 0);
	UPD(s2);
	EXPECT_EQ(t_feed(&s, &b, 3, why, sizeof(why)), 0);
	UPD(s1);	/* a resync sends them again */
	EXPECT_EQ(t_feed(&s, &b, 4, why, sizeof(why)), 1);
	ike = xc_store_find_ike(&s, &id);
	EXPECT(ike && ike->nupdates == 2);
	EXPECT(ike && ike->updates[0].secret.data[0] == 1 && ike->updates[1].secret.data[0] == 2);
	EXPECT(ike && ike->ha_version == 3);	/* t_ike_add builds version 3 */
#undef UPD
	xc_store_free(&s);
}

/* The standby side: which version the replay speaks (--ha-version, a
 * datagram charon sent, charon --version), the refusal when charon's own
 * datagrams show another, and the RESYNC barrier before activation. A UDP
 * socket on loopback plays charon. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ike_cmd.h"
#include "ike_standby.h"

static int fake_charon_bin(char *path, size_t len, const char *version_line)
{
	char text[128];
	int fd;

	snprintf(path, len, "/tmp/xc-charon-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	snprintf(text, sizeof(text), "#!/bin/sh\necho '%s'\n", version_line);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) || fchmod(fd, 0700)) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* The hook's socket on an ephemeral loopback port, connected to charon's. */
static int standby_on(struct xc_standby *r, const struct xc_addr *charon)
{
	xc_standby_init(r);
	if (xc_addr_parse("127.0.0.1", 0, &r->listen, why, sizeof(why)))
		return -1;
	r->charon = *charon;
	if (xc_standby_open(r, "test"))
		return -1;
	r->listen.len = sizeof(r->listen.ss);
	return getsockname(r->fd, (struct sockaddr *)&r->listen.ss, &r->listen.len);
}

static void charon_says(int fd, const struct xc_standby *r, const struct xc_ha_buf *msg)
{
	EXPECT_EQ(sendto(fd, msg->data, msg->len, 0, (const struct sockaddr *)&r->listen.ss,
			 r->listen.len), (ssize_t)msg->len);
	usleep(20000);
}

TEST(ike_v6_standby_version_probe_and_barrier)
{
	struct xc_standby r, r2;
	struct xc_addr caddr, from;
	char bin[64], bin_old[64];
	const char *l = NULL, *c = NULL;
	uint8_t got[2048];
	struct xc_store s;
	struct xc_ha_ike_id id = t_id(5, 1);
	int cfd, trunc = 0;
	long n;

	EXPECT_EQ(fake_charon_bin(bin, sizeof(bin), "Linux strongSwan 6.0.1"), 0);
	EXPECT_EQ(fake_charon_bin(bin_old, sizeof(bin_old), "Linux strongSwan 5.9.8"), 0);
	EXPECT_EQ(xc_addr_parse("127.0.0.1", 0, &caddr, why, sizeof(why)), 0);
	cfd = xc_udp_open(&caddr, why, sizeof(why));
	EXPECT(cfd >= 0);
	caddr.len = sizeof(caddr.ss);
	EXPECT_EQ(getsockname(cfd, (struct sockaddr *)&caddr.ss, &caddr.len), 0);

	/* charon --version of the release */
	EXPECT_EQ(standby_on(&r, &caddr), 0);
	r.charon_bin = bin;
	EXPECT_EQ(xc_standby_version(&r), 4);
	r.charon_bin = bin_old;
	EXPECT_EQ(xc_standby_version(&r), 3);
	r.charon_bin = "/nonexistent/charon";
	EXPECT_EQ(xc_standby_version(&r), -1);
	/* --ha-version wins, without running anything */
	EXPECT_EQ(xc_standby_opt(&r, "--ha-version", "5", &l, &c), 2);
	EXPECT_EQ(xc_standby_version(&r), 5);
	EXPECT_EQ(xc_standby_opt(&r, "--ha-version", "2", &l, &c), -1);
	EXPECT_EQ(xc_standby_opt(&r, "--ha-version", "auto", &l, &c), 2);
	EXPECT_EQ(r.ha_version, 0);
	xc_standby_close(&r);

	/* a datagram charon sent (version 5) beats the binary on disk (6.0.1) */
	EXPECT_EQ(standby_on(&r2, &caddr), 0);
	r2.charon_bin = bin;
	xc_ha_begin_v(&b, 5, XC_HA_STATUS);
	charon_says(cfd, &r2, &b);
	EXPECT_EQ(xc_standby_version(&r2), 5);
	xc_standby_close(&r2);

	/* sending version 4 while charon speaks 5: refused, named */
	EXPECT_EQ(standby_on(&r, &caddr), 0);
	r.charon_bin = bin;
	EXPECT_EQ(xc_standby_version(&r), 4);
	xc_ha_begin_v(&b, 4, XC_HA_IKE_DELETE);
	xc_ha_put_ike_id(&b, XC_HA_A_IKE_ID, &id);
	EXPECT_EQ(xc_standby_send(&r, &b, "IKE_DELETE"), 0);
	n = xc_udp_recv(cfd, got, sizeof(got), &from, &trunc);
	EXPECT(n == (long)b.len && got[0] == 4);
	xc_ha_begin_v(&b, 5, XC_HA_STATUS);
	charon_says(cfd, &r, &b);
	xc_ha_begin_v(&b, 4, XC_HA_IKE_DELETE);
	xc_ha_put_ike_id(&b, XC_HA_A_IKE_ID, &id);
	EXPECT_EQ(xc_standby_send(&r, &b, "IKE_DELETE"), 0);	/* hears 5 after this one */
	EXPECT_EQ(xc_standby_send(&r, &b, "IKE_DELETE"), -EPROTO);
	xc_standby_close(&r);

	/* the barrier: RESYNC of the segments in the replay's version, done
	 * when the IKE_UPDATE of every live IKE_SA came back */
	xc_store_init(&s);
	t_ike_add(&b, &id, NULL, 1);
	EXPECT_EQ(t_feed(&s, &b, 1, why, sizeof(why)), 0);
	t_ike_update(&b, &id, "rw");
	EXPECT_EQ(t_feed(&s, &b, 1, why, sizeof(why)), 0);
	while (xc_udp_recv(cfd, got, sizeof(got), &from, &trunc) > 0)
		;
	EXPECT_EQ(standby_on(&r, &caddr), 0);
	r.ha_version = 4;
	r.segments = 2;
	EXPECT_EQ(xc_standby_version(&r), 4);
	EXPECT_EQ(xc_standby_settle(&r, &s, xc_now_ms() + 100), -1);	/* no echo */
	n = xc_udp_recv(cfd, got, sizeof(got), &from, &trunc);
	EXPECT(n > 0 && xc_ha_parse(got, (size_t)n, &m, why, sizeof(why)) == 0);
	EXPECT(m.version == 4 && m.type == XC_HA_RESYNC && xc_ha_count(&m, XC_HA_A_SEGMENT) == 2);
	xc_ha_begin_v(&b, 4, XC_HA_IKE_UPDATE);
	xc_ha_put_ike_id(&b, XC_HA_A_IKE_ID, &id);
	xc_ha_put_str(&b, XC_HA_A_CONFIG_NAME, "rw");
	charon_says(cfd, &r, &b);
	EXPECT_EQ(xc_standby_settle(&r, &s, xc_now_ms() + 1000), 0);
	xc_standby_close(&r);
	xc_store_free(&s);

	close(cfd);
	unlink(bin);
	unlink(bin_old);
}
