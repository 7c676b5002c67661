/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Output of SAs, policies and frozen SAs: text that reuses the keywords of
 * `ip xfrm state add` (so a printed SA reads as the command that makes it),
 * or JSON members named as the text names them. Keys and IV salts only with
 * --reveal-keys.
 */
#ifndef XC_PRINT_H
#define XC_PRINT_H

#include "json.h"
#include "libxfrmctx.h"

/* w NULL: text on stdout. In JSON each call writes one object. */
void print_sa(struct jw *w, const struct xfrmctx_sa *sa);
void print_policy(struct jw *w, const struct xfrmctx_policy *p);
void print_frozen(struct jw *w, const struct xfrmctx_frozen *f);
/* The members of an SA id (used by frozen SAs and events). */
void print_sa_id(struct jw *w, const struct xfrmctx_sa_id *id);

const char *addr_str(uint16_t family, const xfrm_address_t *a, char *buf, size_t n);
const char *event_name(uint32_t ev);

#endif
