// SPDX-License-Identifier: GPL-2.0
/* Fallbacks for what older kernels lack; see compat.h. */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/kernel.h>
#include <linux/stdarg.h>

#include "compat.h"

#ifndef XC_HAVE_EXTACK_FMT
#define XC_EXTACK_SLOTS		256
#define XC_EXTACK_LEN		80	/* NETLINK_MAX_FMTMSG_LEN of later kernels */

static char xc_extack_ring[XC_EXTACK_SLOTS][XC_EXTACK_LEN];
static atomic_t xc_extack_next = ATOMIC_INIT(0);

const char *xc_extack_fmt(const char *fmt, ...)
{
	unsigned int slot = (unsigned int)atomic_inc_return(&xc_extack_next) %
			    XC_EXTACK_SLOTS;
	char *buf = xc_extack_ring[slot];
	va_list args;

	va_start(args, fmt);
	vscnprintf(buf, XC_EXTACK_LEN, fmt, args);
	va_end(args);
	return buf;
}
#endif
