// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The strongSwan HA stream parser of the IKE half (helper/ike/, branch
 * ike): a sequence of datagrams as the recorder receives them, each parsed
 * (xc_ha_parse; protocol versions 3, 4, 5), built again from what was
 * parsed (the same bytes: every version's attribute table maps both ways),
 * checked against what charon of that version sends (xc_ha_check) and
 * applied to one store (xc_ha_store_apply). At the end the store must
 * encode into IKE_SA records of a context container that decode again,
 * and its replay in each version must consist of datagrams that parse and
 * pass the checks, unless it is refused with a reason.
 *
 * Input: datagrams, each behind a big-endian 16-bit length.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "ha_wire.h"
#include "ike_rec.h"
#include "ike_replay.h"
#include "ike_store.h"

static struct xc_ha_msg m;
static struct xc_ha_buf b;

static void rebuild(void)
{
	unsigned int k;

	xc_ha_begin_v(&b, m.version, m.type);
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
}

static struct xc_ha_msg r;

/* Every datagram of a replay parses and passes the checks. */
static int check_emitted(void *ctx, const struct xc_ha_buf *msg, const char *what)
{
	char why[XFRMCTX_ERRLEN];

	(void)what;
	why[0] = '\0';
	if (xc_ha_parse(msg->data, msg->len, &r, why, sizeof(why)) ||
	    xc_ha_check(&r, why, sizeof(why))) {
		fprintf(stderr, "a replayed %s does not pass: %s\n", what, why);
		FUZZ_ASSERT(0);
	}
	FUZZ_ASSERT(r.version == *(uint8_t *)ctx);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xfrmctx_ctx *c, *d;
	struct xc_store s, back;
	char why[XFRMCTX_ERRLEN];
	void *img;
	size_t ilen;
	size_t off = 0;
	int64_t now = 1700000000;
	unsigned int i;

	xc_store_init(&s);
	while (off + 2 <= size) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];

		off += 2;
		if (len > size - off)
			len = size - off;
		why[0] = '\0';
		if (!xc_ha_parse(data + off, len, &m, why, sizeof(why))) {
			FUZZ_ASSERT(m.nattrs <= XC_HA_MAX_ATTRS);
			for (i = 0; i < m.nattrs; i++) {
				FUZZ_ASSERT(m.attrs[i].offset < len);
				FUZZ_ASSERT(xc_ha_find(&m, m.attrs[i].type));
			}
			rebuild();
			FUZZ_ASSERT(!b.overflow && b.len == len && !memcmp(b.data, data + off, len));
			if (!xc_ha_check(&m, why, sizeof(why)))
				xc_store_apply(&s, &m, now++, why, sizeof(why));
		} else {
			FUZZ_ASSERT(why[0]);
		}
		off += len;
	}
	for (uint8_t v = XC_HA_VERSION_MIN; v <= XC_HA_VERSION_MAX; v++) {
		struct xc_replay_stats st;
		int r = xc_replay_build_v(&s, v, check_emitted, &v, &st, why, sizeof(why));

		FUZZ_ASSERT(r == 0 || (r == -EINVAL && why[0]));
	}
	c = xfrmctx_ctx_new();
	if (c && !xc_ike_ctx_put(c, &s, 1, why, sizeof(why)) && !xfrmctx_ctx_to_buf(c, &img, &ilen)) {
		int r = xfrmctx_ctx_from_buf(img, ilen, &d, why, sizeof(why));

		if (!r) {
			r = xc_ike_ctx_get(d, &back, why, sizeof(why));
			xc_store_free(&back);
			xfrmctx_ctx_free(d);
		}
		if (r)
			fprintf(stderr, "re-decoding the store failed: %s\n", why);
		FUZZ_ASSERT(!r);
		free(img);
	}
	xfrmctx_ctx_free(c);
	xc_store_free(&s);
	return 0;
}
