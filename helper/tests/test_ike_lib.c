// SPDX-License-Identifier: GPL-2.0-or-later
/* Helpers of the test_ike_*.c unit tests (see test_ike_lib.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_io.h"
#include "ike_rec.h"
#include "test_ike_lib.h"

struct xc_ha_ike_id t_id(uint8_t n, int initiator)
{
	struct xc_ha_ike_id id;

	memset(&id, 0, sizeof(id));
	id.version = 2;
	memset(id.spi_i, n, 8);
	memset(id.spi_r, (uint8_t)(n + 0x80), 8);
	id.initiator = (uint8_t)initiator;
	return id;
}

void t_ike_add(struct xc_ha_buf *b, const struct xc_ha_ike_id *id,
	       const struct xc_ha_ike_id *rekey_of, uint8_t keybyte)
{
	uint8_t nonce[32], secret[64], skd[32];
	struct xc_ha_host remote = { .family = XC_HA_AF_INET, .port = 500, .addr = { 10, 0, 0, 1 } };

	memset(nonce, keybyte, sizeof(nonce));
	memset(secret, keybyte ^ 0x5a, sizeof(secret));
	memset(skd, keybyte ^ 0xa5, sizeof(skd));
	xc_ha_begin(b, XC_HA_IKE_ADD);
	xc_ha_put_u8(b, XC_HA_A_IKE_VERSION, 2);
	xc_ha_put_ike_id(b, XC_HA_A_IKE_ID, id);
	if (rekey_of) {
		xc_ha_put_ike_id(b, XC_HA_A_IKE_REKEY_ID, rekey_of);
		xc_ha_put_u16(b, XC_HA_A_ALG_OLD_PRF, 5);
		xc_ha_put_chunk(b, XC_HA_A_OLD_SKD, skd, sizeof(skd));
	}
	xc_ha_put_u16(b, XC_HA_A_ALG_ENCR, 20);
	xc_ha_put_u16(b, XC_HA_A_ALG_ENCR_LEN, 256);
	xc_ha_put_u16(b, XC_HA_A_ALG_PRF, 5);
	xc_ha_put_u16(b, XC_HA_A_ALG_DH, 19);
	xc_ha_put_chunk(b, XC_HA_A_NONCE_I, nonce, sizeof(nonce));
	nonce[0] ^= 1;
	xc_ha_put_chunk(b, XC_HA_A_NONCE_R, nonce, sizeof(nonce));
	xc_ha_put_chunk(b, XC_HA_A_SECRET, secret, sizeof(secret));
	xc_ha_put_host(b, XC_HA_A_REMOTE_ADDR, &remote);
}

void t_ike_update(struct xc_ha_buf *b, const struct xc_ha_ike_id *id, const char *config)
{
	struct xc_ha_host local = { .family = XC_HA_AF_INET, .port = 4500, .addr = { 10, 0, 0, 100 } };
	struct xc_ha_host remote = { .family = XC_HA_AF_INET, .port = 4500, .addr = { 10, 0, 0, 1 } };

	xc_ha_begin(b, XC_HA_IKE_UPDATE);
	xc_ha_put_ike_id(b, XC_HA_A_IKE_ID, id);
	xc_ha_put_ident(b, XC_HA_A_LOCAL_ID, 2, (const uint8_t *)"gw.example.org", 14);
	xc_ha_put_ident(b, XC_HA_A_REMOTE_ID, 2, (const uint8_t *)"peer.example.org", 16);
	xc_ha_put_host(b, XC_HA_A_LOCAL_ADDR, &local);
	xc_ha_put_host(b, XC_HA_A_REMOTE_ADDR, &remote);
	xc_ha_put_u32(b, XC_HA_A_CONDITIONS, 0x100);
	xc_ha_put_u32(b, XC_HA_A_EXTENSIONS, 0x83b);
	xc_ha_put_str(b, XC_HA_A_CONFIG_NAME, config);
	xc_ha_put_host(b, XC_HA_A_PEER_ADDR, &remote);
}

void t_ike_mid(struct xc_ha_buf *b, uint8_t type, const struct xc_ha_ike_id *id, uint32_t mid)
{
	xc_ha_begin(b, type);
	xc_ha_put_ike_id(b, XC_HA_A_IKE_ID, id);
	xc_ha_put_u32(b, XC_HA_A_MID, mid);
}

void t_ike_delete(struct xc_ha_buf *b, const struct xc_ha_ike_id *id)
{
	xc_ha_begin(b, XC_HA_IKE_DELETE);
	xc_ha_put_ike_id(b, XC_HA_A_IKE_ID, id);
}

void t_child_add(struct xc_ha_buf *b, const struct xc_ha_ike_id *id, uint32_t spi_in,
		 uint32_t spi_out, int pfs)
{
	struct xc_ha_ts l = { .type = XC_HA_TS_IPV4, .to_port = 0xffff,
			      .from = { 192, 168, 2, 0 }, .to = { 192, 168, 2, 255 } };
	struct xc_ha_ts r = { .type = XC_HA_TS_IPV4, .to_port = 0xffff,
			      .from = { 192, 168, 1, 0 }, .to = { 192, 168, 1, 255 } };
	uint8_t nonce[32], secret[64];

	memset(nonce, (uint8_t)spi_in, sizeof(nonce));
	memset(secret, 0x77, sizeof(secret));
	xc_ha_begin(b, XC_HA_CHILD_ADD);
	xc_ha_put_ike_id(b, XC_HA_A_IKE_ID, id);
	xc_ha_put_u8(b, XC_HA_A_INITIATOR, 0);
	/* as charon puts them: see xc_ha_spi() */
	xc_ha_put_u32(b, XC_HA_A_INBOUND_SPI, xc_ha_spi(spi_in));
	xc_ha_put_u32(b, XC_HA_A_OUTBOUND_SPI, xc_ha_spi(spi_out));
	xc_ha_put_u16(b, XC_HA_A_INBOUND_CPI, 0);
	xc_ha_put_u16(b, XC_HA_A_OUTBOUND_CPI, 0);
	xc_ha_put_u8(b, XC_HA_A_IPSEC_MODE, 2);
	xc_ha_put_u8(b, XC_HA_A_IPCOMP, 0);
	xc_ha_put_str(b, XC_HA_A_CONFIG_NAME, "net");
	xc_ha_put_u16(b, XC_HA_A_ALG_ENCR, 20);
	xc_ha_put_u16(b, XC_HA_A_ALG_ENCR_LEN, 256);
	if (pfs)
		xc_ha_put_u16(b, XC_HA_A_ALG_DH, 19);
	xc_ha_put_u16(b, XC_HA_A_ESN, 1);
	xc_ha_put_chunk(b, XC_HA_A_NONCE_I, nonce, sizeof(nonce));
	xc_ha_put_chunk(b, XC_HA_A_NONCE_R, nonce, sizeof(nonce));
	if (pfs)
		xc_ha_put_chunk(b, XC_HA_A_SECRET, secret, sizeof(secret));
	xc_ha_put_ts(b, XC_HA_A_LOCAL_TS, &l);
	xc_ha_put_ts(b, XC_HA_A_REMOTE_TS, &r);
}

void t_child_delete(struct xc_ha_buf *b, const struct xc_ha_ike_id *id, uint32_t spi_in)
{
	xc_ha_begin(b, XC_HA_CHILD_DELETE);
	xc_ha_put_ike_id(b, XC_HA_A_IKE_ID, id);
	xc_ha_put_u32(b, XC_HA_A_INBOUND_SPI, xc_ha_spi(spi_in));
}

int t_feed_raw(struct xc_store *s, const uint8_t *p, size_t len, int64_t now, char *why, size_t whylen)
{
	static struct xc_ha_msg m;

	if (xc_ha_parse(p, len, &m, why, whylen))
		return -EINVAL;
	return xc_store_apply(s, &m, now, why, whylen);
}

int t_feed(struct xc_store *s, const struct xc_ha_buf *b, int64_t now, char *why, size_t whylen)
{
	if (b->overflow) {
		snprintf(why, whylen, "test message overflowed");
		return -EOVERFLOW;
	}
	return t_feed_raw(s, b->data, b->len, now, why, whylen);
}

int t_snapshot(const struct xc_store *s, uint8_t **data, size_t *len)
{
	struct xfrmctx_ctx *c = xfrmctx_ctx_new();
	char why[128];
	void *img = NULL;
	int err;

	if (!c)
		return -ENOMEM;
	err = xc_ike_ctx_put(c, s, 1, why, sizeof(why));
	if (!err)
		err = xfrmctx_ctx_to_buf(c, &img, len);
	xfrmctx_ctx_free(c);
	*data = img;	/* the caller frees it */
	return err;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_bin(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 4 && !strcmp(d->d_name + n - 4, ".bin");
}

unsigned int t_stream(uint8_t ***bufs, size_t **lens)
{
	return t_stream_dir(NULL, bufs, lens);
}

unsigned int t_stream_dir(const char *sub, uint8_t ***bufs, size_t **lens)
{
	struct dirent **names;
	char dir[512], path[1024], why[256];
	int n, i, k = 0;

	snprintf(dir, sizeof(dir), "%s%s%s", XC_IKE_VECTORS, sub ? "/" : "", sub ? sub : "");
	n = scandir(dir, &names, is_bin, by_name);
	if (n <= 0) {
		*bufs = NULL;
		*lens = NULL;
		return 0;
	}
	*bufs = calloc((size_t)n, sizeof(**bufs));
	*lens = calloc((size_t)n, sizeof(**lens));
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (!xc_file_read(path, 1 << 16, &(*bufs)[k], &(*lens)[k], why, sizeof(why)))
			k++;
		else
			fprintf(stderr, "  %s\n", why);
		free(names[i]);
	}
	free(names);
	return (unsigned int)k;
}

void t_stream_free(uint8_t **bufs, size_t *lens, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		xc_file_free(bufs[i], lens[i]);
	free(bufs);
	free(lens);
}
