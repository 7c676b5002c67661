/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Two questions to the kernel's XFRM netlink interface:
 *  - is the HA channel IPsec-protected? (an inbound policy with an ESP or AH
 *    template covers UDP from the charon's HA address to ours, port 4510:
 *    what charon's `secret` option installs); the kernel then drops any
 *    cleartext datagram on that path before the recorder sees it;
 *  - does an SA (daddr, ESP, SPI) exist, and with which reqid?
 */
#ifndef XC_IKE_XFRM_H
#define XC_IKE_XFRM_H

#include <stdint.h>

#include "ike_net.h"

/* 1 if protected, 0 if not, -errno if the kernel could not be asked. */
int xc_xfrm_channel_protected(const struct xc_addr *from, const struct xc_addr *to);

/* 1 and *reqid if the ESP SA exists, 0 if not, -errno on error.
 * family is AF_INET or AF_INET6, daddr 4 or 16 bytes, spi in host order. */
int xc_xfrm_sa_exists(int family, const uint8_t *daddr, uint32_t spi, uint32_t *reqid);

#endif
