/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal: XFRM netlink constants of kernels newer than the build host's
 * <linux/xfrm.h> (Debian 12 ships 6.1 headers; 6.12 has more attributes).
 * The values are the kernel's ABI and never change.
 */
#ifndef XC_XFRM_COMPAT_H
#define XC_XFRM_COMPAT_H

#include <linux/xfrm.h>

#define XC_XFRMA_MTIMER_THRESH		32
#define XC_XFRMA_SA_DIR			33
#define XC_XFRMA_NAT_KEEPALIVE_INTERVAL	34
#define XC_XFRMA_SA_PCPU		35
#define XC_XFRMA_MAX			35

_Static_assert(XFRMA_MTIMER_THRESH == XC_XFRMA_MTIMER_THRESH, "XFRMA numbering");

#define XC_SA_DIR_IN	1
#define XC_SA_DIR_OUT	2

#endif
