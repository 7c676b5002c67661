/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Printing IKE records, as text or JSON; key material only when asked. */
#ifndef XC_IKE_SHOW_H
#define XC_IKE_SHOW_H

#include <stdio.h>

#include "ike_file.h"
#include "ike_store.h"

struct xc_show_opts {
	int json;
	int reveal_keys;
};

void xc_show_store(FILE *f, const struct xc_store *s, const struct xc_ikef_meta *meta,
		   const struct xc_show_opts *o);

/* Names of IKEv2 transform IDs (NULL if unknown to this table). */
const char *xc_encr_name(uint16_t id);
const char *xc_integ_name(uint16_t id);
const char *xc_prf_name(uint16_t id);
const char *xc_dh_name(uint16_t id);

#endif
