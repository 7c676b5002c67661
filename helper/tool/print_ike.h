/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Output of the IKE half of a context (IKE_SA, IKE_RECORDER and SA_RATE
 * records, helper/ike/ike_record.h): text in the style of the SA records
 * (keyword value, an IKE_SA per block, its CHILD_SAs indented under it) or
 * JSON members named as the text names them. Key material only with
 * --reveal-keys, "<hidden>" otherwise.
 */
#ifndef XC_PRINT_IKE_H
#define XC_PRINT_IKE_H

#include <stdio.h>

#include "json.h"
#include "libxfrmctx.h"

/* Print every IKE record of c: as text on f, or (w not NULL) as the
 * members "recorder", "ike-sa" and "sa-rate" of the JSON object w has
 * open. Records are decoded first: a malformed one prints nothing and
 * returns -EINVAL with err naming its offset and the fault. */
int print_ike_records(FILE *f, struct jw *w, const struct xfrmctx_ctx *c, int reveal,
		      char *err, size_t errlen);

#endif
