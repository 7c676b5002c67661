/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Names for the numbers of IKE records; NULL (or "other", "unknown") for a
 * number the table does not know. */
#ifndef XC_IKE_NAMES_H
#define XC_IKE_NAMES_H

#include <stdint.h>

/* IKEv2 transform IDs (IANA) */
const char *xc_encr_name(uint16_t id);
const char *xc_integ_name(uint16_t id);
const char *xc_prf_name(uint16_t id);
const char *xc_dh_name(uint16_t id);
/* strongSwan 5.9.8's ike_condition_t and ike_extension_t bit numbers */
const char *xc_condition_name(unsigned int bit);
const char *xc_extension_name(unsigned int bit);
/* IKEv2 ID types: "fqdn", "ipv4", ... */
const char *xc_id_type_name(uint8_t type);
/* charon's ipsec_mode_t: "transport", "tunnel", "beet", ... */
const char *xc_child_mode_name(uint8_t mode);

#endif
