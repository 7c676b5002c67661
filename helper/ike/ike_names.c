// SPDX-License-Identifier: GPL-2.0-or-later
/* Names of IKEv2 transform IDs, charon's condition and extension bits,
 * ID types and modes, for printing IKE records (see ike_names.h). */
#include <stddef.h>

#include "ike_names.h"

struct name { uint16_t id; const char *name; };

static const char *lookup(const struct name *t, size_t n, uint16_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].id == id)
			return t[i].name;
	return NULL;
}

#define LOOKUP(t, id) lookup(t, sizeof(t) / sizeof(t[0]), id)

/* IANA IKEv2 transform IDs, the ones charon offers by default and a few more */
static const struct name encr[] = {
	{ 3, "3des" }, { 12, "aes-cbc" }, { 13, "aes-ctr" }, { 14, "aes-ccm8" },
	{ 15, "aes-ccm12" }, { 16, "aes-ccm16" }, { 18, "aes-gcm8" }, { 19, "aes-gcm12" },
	{ 20, "aes-gcm16" }, { 21, "null-aes-gmac" }, { 23, "camellia-cbc" },
	{ 28, "chacha20-poly1305" },
};
static const struct name integ[] = {
	{ 1, "hmac-md5-96" }, { 2, "hmac-sha1-96" }, { 5, "aes-xcbc-96" },
	{ 8, "aes-cmac-96" }, { 12, "hmac-sha2-256-128" }, { 13, "hmac-sha2-384-192" },
	{ 14, "hmac-sha2-512-256" },
};
static const struct name prf[] = {
	{ 1, "prf-hmac-md5" }, { 2, "prf-hmac-sha1" }, { 4, "prf-aes128-xcbc" },
	{ 5, "prf-hmac-sha2-256" }, { 6, "prf-hmac-sha2-384" }, { 7, "prf-hmac-sha2-512" },
	{ 8, "prf-aes128-cmac" },
};
static const struct name dh[] = {
	{ 2, "modp1024" }, { 5, "modp1536" }, { 14, "modp2048" }, { 15, "modp3072" },
	{ 16, "modp4096" }, { 17, "modp6144" }, { 18, "modp8192" }, { 19, "ecp256" },
	{ 20, "ecp384" }, { 21, "ecp521" }, { 31, "curve25519" }, { 32, "curve448" },
};

const char *xc_encr_name(uint16_t id) { return LOOKUP(encr, id); }
const char *xc_integ_name(uint16_t id) { return LOOKUP(integ, id); }
const char *xc_prf_name(uint16_t id) { return LOOKUP(prf, id); }
const char *xc_dh_name(uint16_t id) { return LOOKUP(dh, id); }

/* strongSwan 5.9.8's ike_condition_t and ike_extension_t, bit by bit */
static const char *const cond_names[] = {
	"nat-any", "nat-here", "nat-there", "nat-fake", "eap-authenticated",
	"certreq-seen", "original-initiator", "stale", "init-contact-seen",
	"xauth-authenticated", "reauthenticating", "redirected",
	"online-validation-suspended", "ppk", "authenticated",
};
static const char *const ext_names[] = {
	"natt", "mobike", "hash-and-url", "multiple-auth", "strongswan",
	"eap-only-auth", "ms-windows", "xauth", "dpd", "cisco-unity",
	"natt-draft-02-03", "ike-fragmentation", "signature-auth",
	"ike-redirection", "message-id-sync", "ppk", "childless",
};

static const char *const id_types[] = {
	[1] = "ipv4", [2] = "fqdn", [3] = "rfc822", [4] = "ipv4-subnet", [5] = "ipv6",
	[6] = "ipv6-subnet", [7] = "ipv4-range", [8] = "ipv6-range", [9] = "der-asn1-dn",
	[10] = "der-asn1-gn", [11] = "key-id",
};

const char *xc_condition_name(unsigned int bit)
{
	return bit < sizeof(cond_names) / sizeof(cond_names[0]) ? cond_names[bit] : NULL;
}

const char *xc_extension_name(unsigned int bit)
{
	return bit < sizeof(ext_names) / sizeof(ext_names[0]) ? ext_names[bit] : NULL;
}

const char *xc_id_type_name(uint8_t type)
{
	return type < sizeof(id_types) / sizeof(id_types[0]) && id_types[type] ? id_types[type] : "other";
}

const char *xc_child_mode_name(uint8_t mode)
{
	static const char *const names[] = { "none", "transport", "tunnel", "beet", "pass", "drop" };

	return mode < sizeof(names) / sizeof(names[0]) ? names[mode] : "unknown";
}
