// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The decoders of the context's POLICY and META records, and the policy
 * printers. The first byte selects the decoder; the rest is the record's
 * payload, copied to a 4-byte aligned buffer as xfrmctx_ctx_next() hands
 * payloads out (the decoders read struct nlattr headers in place).
 */
#include <string.h>

#include "fuzz.h"
#include "libxfrmctx.h"
#include "print.h"
#include "xfrmctx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[XFRMCTX_ERRLEN];
	struct xfrmctx_policy p;
	struct xfrmctx_meta m;
	static uint32_t buf[(1 << 16) / 4];
	const uint8_t *rec = (const uint8_t *)buf;
	struct jw w;

	if (size < 1 || size - 1 > sizeof(buf))
		return 0;
	fuzz_quiet_stdout();
	memcpy(buf, data + 1, size - 1);
	if (data[0] & 1) {
		if (!xfrmctx_meta_decode(rec, size - 1, &m)) {
			FUZZ_ASSERT(memchr(m.host, 0, sizeof(m.host)));
			FUZZ_ASSERT(memchr(m.writer, 0, sizeof(m.writer)));
		}
		return 0;
	}
	if (xfrmctx_policy_decode(rec, size - 1, &p, err, sizeof(err))) {
		FUZZ_ASSERT(err[0]);
		return 0;
	}
	FUZZ_ASSERT(p.n_tmpl <= XFRMCTX_MAX_TMPL);
	FUZZ_ASSERT(p.info.dir <= XFRM_POLICY_FWD);
	print_policy(NULL, &p);
	jw_init(&w, stdout, 1);
	jw_obj_open(&w, NULL);
	print_policy(&w, &p);
	jw_obj_close(&w);
	jw_end(&w);
	return 0;
}
