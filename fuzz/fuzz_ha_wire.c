// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The strongSwan HA stream parser of the IKE half (helper/ike/, branch
 * ike): a sequence of datagrams as the recorder receives them, each parsed
 * (xc_ha_parse), checked against what charon 5.9.8 sends (xc_ha_check) and
 * applied to one store (xc_ha_store_apply). At the end the store must
 * encode into IKE_SA records of a context container that decode again.
 *
 * Input: datagrams, each behind a big-endian 16-bit length.
 */
#include <string.h>

#include "fuzz.h"
#include "ha_wire.h"
#include "ike_rec.h"
#include "ike_store.h"

static struct xc_ha_msg m;

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
			if (!xc_ha_check(&m, why, sizeof(why)))
				xc_store_apply(&s, &m, now++, why, sizeof(why));
		} else {
			FUZZ_ASSERT(why[0]);
		}
		off += len;
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
