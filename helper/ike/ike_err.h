/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef XFRMCTX_IKE_ERR_H
#define XFRMCTX_IKE_ERR_H

#include <stddef.h>

/* The parsers' and stores' refusals: the reason goes into why (when given),
 * err is returned (ike_util.c). */
int xc_ike_say(char *why, size_t whylen, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
