// SPDX-License-Identifier: GPL-2.0
/* Fallbacks for what older kernels lack; see compat.h. */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/kernel.h>
#include <linux/stdarg.h>

#include "compat.h"

#ifndef XC_HAVE_EXTACK_FMT
/*
 * 6.1 has no formatted extack: netlink_ext_ack holds a pointer to the
 * message, which netlink_ack() copies into the reply after the doit
 * returned, so the text must outlive the handler, and nothing per request
 * lives that long but the extack itself (whose only buffer is the 20-byte
 * cookie). The messages go into a ring shared by all requests and
 * namespaces instead. Why that is safe:
 *
 * - Memory: the buffers are static and never freed, and the last byte of
 *   each is never written but with NUL (vscnprintf() writes at most
 *   XC_EXTACK_LEN - 1 characters and a NUL), so a reader racing a writer
 *   still reads a terminated string of at most 79 characters.
 * - Content: a slot is written again only after XC_EXTACK_SLOTS - 1 more
 *   messages were formatted, by anyone. Between its message and its ack a
 *   request only unwinds (unlocks, frees, post_doit) and allocates the
 *   reply; only if 255 other refusals were formatted in that window, on a
 *   flooded or stalled host, could its ack carry another request's text,
 *   perhaps of another namespace. That text says why a request was refused
 *   (SPIs, addresses, lengths), never keys; every request that can produce
 *   one needs CAP_NET_ADMIN over its namespace.
 */
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
