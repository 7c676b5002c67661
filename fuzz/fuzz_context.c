// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The context container reader (Documentation/context-file.rst), as
 * `xfrmctx state import` and `xfrmctx context show` meet a file: header,
 * checksum, record walk, then every record decoded and printed (text and
 * JSON, keys revealed, so every printer runs). An accepted file must come
 * out of xfrmctx_ctx_to_buf() byte for byte as it went in.
 *
 * Inputs are whole files. The checksum guards the records, so the target
 * also tries the input with its last 32 bytes replaced by the right
 * SHA-256: mutations then reach the record parsers instead of stopping at
 * "checksum mismatch".
 */
#include <string.h>

#include <openssl/sha.h>

#include "fuzz.h"
#include "libxfrmctx.h"
#include "print.h"
#include "xfrmctx.h"

static void walk(const struct xfrmctx_ctx *c)
{
	struct xfrmctx_record r = { 0 };
	char err[XFRMCTX_ERRLEN];
	static struct xfrmctx_sa sa;
	struct xfrmctx_policy pol;
	struct xfrmctx_meta meta;
	struct jw w;
	size_t n = 0;

	jw_init(&w, stdout, 0);
	while (xfrmctx_ctx_next(c, &r) > 0) {
		FUZZ_ASSERT(((uintptr_t)r.data & 3) == 0);
		n++;
		switch (r.type) {
		case XFRMCTX_REC_SA:
			if (!xfrmctx_sa_decode(r.data, r.len, &sa, err, sizeof(err))) {
				print_sa(NULL, &sa);
				jw_obj_open(&w, NULL);
				print_sa(&w, &sa);
				jw_obj_close(&w);
				jw_end(&w);
			}
			break;
		case XFRMCTX_REC_POLICY:
			if (!xfrmctx_policy_decode(r.data, r.len, &pol, err, sizeof(err))) {
				print_policy(NULL, &pol);
				jw_obj_open(&w, NULL);
				print_policy(&w, &pol);
				jw_obj_close(&w);
				jw_end(&w);
			}
			break;
		case XFRMCTX_REC_META:
			xfrmctx_meta_decode(r.data, r.len, &meta);
			break;
		default:
			FUZZ_ASSERT(!(r.flags & XFRMCTX_REC_F_MANDATORY) || xfrmctx_record_type_known(r.type));
		}
	}
	FUZZ_ASSERT(n >= xfrmctx_ctx_count(c, XFRMCTX_REC_SA) + xfrmctx_ctx_count(c, XFRMCTX_REC_POLICY) +
			 xfrmctx_ctx_count(c, XFRMCTX_REC_META));
}

static void one(const uint8_t *data, size_t size)
{
	char err[XFRMCTX_ERRLEN];
	struct xfrmctx_ctx *c = NULL;
	void *out = NULL;
	size_t out_len = 0;

	if (xfrmctx_ctx_from_buf(data, size, &c, err, sizeof(err))) {
		FUZZ_ASSERT(err[0]);	/* a refusal always says why */
		return;
	}
	walk(c);
	FUZZ_ASSERT(!xfrmctx_ctx_to_buf(c, &out, &out_len));
	/* The records come back unchanged. The writer puts its own minor
	 * version and a zero reserved byte (9 and 11) into the header, and
	 * so its own checksum; an input with both zero comes back whole. */
	FUZZ_ASSERT(out_len == size);
	FUZZ_ASSERT(!memcmp(out, data, 9));
	FUZZ_ASSERT(((uint8_t *)out)[10] == data[10]);
	FUZZ_ASSERT(!memcmp((uint8_t *)out + 12, data + 12, size - 12 - 32));
	FUZZ_ASSERT(data[9] || data[11] || !memcmp(out, data, size));
	free(out);
	xfrmctx_ctx_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed;

	fuzz_quiet_stdout();
	opt_reveal = 1;
	opt_stats = 1;
	one(data, size);
	if (size < 48 || size > (1u << 20))
		return 0;
	fixed = malloc(size);
	if (!fixed)
		return 0;
	memcpy(fixed, data, size);
	SHA256(fixed, size - 32, fixed + size - 32);
	one(fixed, size);
	free(fixed);
	return 0;
}
