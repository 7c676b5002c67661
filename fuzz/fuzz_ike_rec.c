// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The IKE half of a context container (helper/ike/ike_rec.c, ike_rate.c,
 * and xfrmctx context show's printer, tool/print_ike.c): a container whose
 * IKE_SA records decode must encode into records that decode to the same
 * bytes once more (decode, encode, decode, encode: equal); the recorder and
 * rate records decode or are refused with a reason; the printer never
 * fails on what the decoders took. The input's checksum is recomputed
 * first, so that mutations reach the records instead of stopping there.
 */
#include <string.h>

#include <openssl/evp.h>

#include "fuzz.h"
#include "ike_rate.h"
#include "ike_rec.h"
#include "ike_store.h"
#include "print_ike.h"

/* The store's IKE_SA records, as a container image. */
static int encode(const struct xc_store *s, void **img, size_t *len)
{
	struct xfrmctx_ctx *c = xfrmctx_ctx_new();
	char why[XFRMCTX_ERRLEN];
	int err;

	if (!c)
		return -1;
	err = xc_ike_ctx_put(c, s, s->ikes ? s->ikes->window : 1, why, sizeof(why));
	if (!err)
		err = xfrmctx_ctx_to_buf(c, img, len);
	xfrmctx_ctx_free(c);
	return err;
}

static int decode(const void *img, size_t len, struct xc_store *s)
{
	struct xfrmctx_ctx *c = NULL;
	char why[XFRMCTX_ERRLEN];
	int err;

	xc_store_init(s);
	err = xfrmctx_ctx_from_buf(img, len, &c, why, sizeof(why));
	if (!err)
		err = xc_ike_ctx_get(c, s, why, sizeof(why));
	xfrmctx_ctx_free(c);
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xfrmctx_ctx *c = NULL;
	struct xfrmctx_record r = { 0 };
	struct xc_recorder_info m;
	struct xc_store s, s2;
	struct xc_rate rate;
	char why[XFRMCTX_ERRLEN];
	void *one = NULL, *two = NULL;
	size_t l1, l2;
	FILE *null;

	uint8_t *img = size >= 48 ? malloc(size) : NULL;
	unsigned int n;
	int err;

	if (img) {
		memcpy(img, data, size);
		EVP_Digest(img, size - 32, img + size - 32, &n, EVP_sha256(), NULL);
	}
	why[0] = '\0';
	err = xfrmctx_ctx_from_buf(img ? img : data, size, &c, why, sizeof(why));
	free(img);
	if (err) {
		FUZZ_ASSERT(why[0]);
		return 0;
	}
	why[0] = '\0';
	if (xc_recorder_get(c, &m, why, sizeof(why)))
		FUZZ_ASSERT(why[0]);
	while (xfrmctx_ctx_next(c, &r) > 0) {
		why[0] = '\0';
		if (r.type == XFRMCTX_REC_SA_RATE && xc_rate_decode(r.data, r.len, &rate, why, sizeof(why)))
			FUZZ_ASSERT(why[0]);
	}
	null = fopen("/dev/null", "w");
	if (null) {
		print_ike_records(null, NULL, c, 1, why, sizeof(why));
		fclose(null);
	}
	why[0] = '\0';
	if (xc_ike_ctx_get(c, &s, why, sizeof(why))) {
		FUZZ_ASSERT(why[0]);
		xc_store_free(&s);
		xfrmctx_ctx_free(c);
		return 0;
	}
	if (!encode(&s, &one, &l1)) {
		FUZZ_ASSERT(!decode(one, l1, &s2));
		FUZZ_ASSERT(!encode(&s2, &two, &l2));
		FUZZ_ASSERT(l1 == l2 && !memcmp(one, two, l1));
		xc_store_free(&s2);
	}
	free(one);
	free(two);
	xc_store_free(&s);
	xfrmctx_ctx_free(c);
	return 0;
}
