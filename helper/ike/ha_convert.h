/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One HA datagram in another protocol version: the standby's charon of a
 * pair in the middle of a strongSwan upgrade (5.9.8 speaks version 3,
 * 6.0.1 version 4, 6.0.2 and later 5; Documentation/ike-hook.rst, "strongSwan
 * 6") drops every datagram of the other release for its version byte alone.
 *
 * The versions differ in attribute numbers (translated), in what only the
 * newer ones carry (refused towards an older one: the additional key
 * exchanges of RFC 9370, an IKE_ADD of the key-update form, private
 * conditions or extensions), and in version 5's private copy of CONDITIONS
 * and EXTENSIONS (dropped towards 3 and 4 when it holds no private bit,
 * since those charons would read bit 31 as a condition).
 */
#ifndef XC_HA_CONVERT_H
#define XC_HA_CONVERT_H

#include "ha_wire.h"

/* m (parsed, checked) as a datagram of version into b. 0; -EPROTONOSUPPORT
 * with why naming what version cannot carry; the result is checked as
 * charon of that version would check it. */
int xc_ha_convert(const struct xc_ha_msg *m, uint8_t version, struct xc_ha_buf *b, char *why,
		  size_t whylen);

#endif
