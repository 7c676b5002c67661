// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The strongSwan HA stream parser of the IKE half (helper/ike/, branch
 * ike): a sequence of datagrams as the recorder receives them, each parsed
 * (xc_ha_parse), checked against what charon 5.9.8 sends (xc_ha_check) and
 * applied to one store (xc_ha_store_apply). At the end the store must
 * encode into a record file that decodes again.
 *
 * Input: datagrams, each behind a big-endian 16-bit length.
 */
#include <string.h>

#include "fuzz.h"
#include "ha_wire.h"
#include "ike_file.h"
#include "ike_store.h"

static struct xc_ha_msg m;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xc_ikef_meta meta = { .serial = 1, .written = 1700000000 };
	struct xc_store s, back;
	struct xc_nlb out;
	char why[256];
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
	xc_nlb_init(&out);
	if (!xc_ikef_encode(&s, &meta, &out, why, sizeof(why))) {
		int r = xc_ikef_decode(out.data, out.len, &back, &meta, why, sizeof(why));

		if (r)
			fprintf(stderr, "re-decoding the store failed: %s\n", why);
		FUZZ_ASSERT(!r);
		xc_store_free(&back);
	}
	xc_nlb_free(&out);
	xc_store_free(&s);
	return 0;
}
