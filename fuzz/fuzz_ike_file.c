// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The IKE record file reader of the IKE half (helper/ike/ike_file.c,
 * branch ike). What it accepts must encode again into a file that decodes
 * to the same bytes once more (decode, encode, decode, encode: equal).
 */
#include <string.h>

#include "fuzz.h"
#include "ike_file.h"
#include "ike_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xc_ikef_meta meta, meta2;
	struct xc_store s, s2;
	struct xc_nlb one, two;
	char why[256];

	why[0] = '\0';
	if (xc_ikef_decode(data, size, &s, &meta, why, sizeof(why))) {
		FUZZ_ASSERT(why[0]);
		return 0;
	}
	xc_nlb_init(&one);
	xc_nlb_init(&two);
	if (!xc_ikef_encode(&s, &meta, &one, why, sizeof(why))) {
		FUZZ_ASSERT(!xc_ikef_decode(one.data, one.len, &s2, &meta2, why, sizeof(why)));
		FUZZ_ASSERT(!xc_ikef_encode(&s2, &meta2, &two, why, sizeof(why)));
		FUZZ_ASSERT(one.len == two.len && !memcmp(one.data, two.data, one.len));
		xc_store_free(&s2);
	}
	xc_nlb_free(&one);
	xc_nlb_free(&two);
	xc_store_free(&s);
	return 0;
}
