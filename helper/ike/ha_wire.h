/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The wire format of strongSwan's HA plugin: one UDP datagram per message,
 * port 4510,
 *
 *   u8 version | u8 message type | attributes ...
 *
 * and each attribute is a u8 type followed by a value whose encoding is
 * fixed by the type (there is no per-attribute length). Multi-byte integers
 * are big-endian except the two IKE SPIs, which are copied as they appear
 * on the wire of IKE. Documentation/ike-hook.rst has the byte layouts.
 *
 * Three protocol versions exist, and the version byte of each datagram
 * decides how its attribute type bytes are read:
 *
 *   3  strongSwan 5.x .. 6.0.0 (Debian 12's 5.9.8)
 *   4  6.0.1: HA_ADD_SECRET (18) and HA_ALG_ADD_KES (26) inserted, every
 *      later attribute renumbered; HA_ALG_DH became HA_ALG_KE (same value);
 *      multiple key exchanges (RFC 9370)
 *   5  6.0.2 and later (Debian sid's 6.1.0): the table of version 4; an
 *      IKE_UPDATE carries CONDITIONS and EXTENSIONS twice, the second time
 *      with bit 31 set (charon's private conditions / extensions)
 *
 * The parser and the builder speak in one numbering, enum xc_ha_attr_type
 * (the version 3 numbers, the two attributes of version 4 after them), and
 * translate to and from each version's type bytes. A version 3 message
 * cannot carry ADD_SECRET or ALG_ADD_KES: the builder refuses them (unfit).
 *
 * xc_ha_parse() checks syntax only (every length inside the datagram);
 * xc_ha_check() checks what charon of that version puts into each message
 * type. The parsed values point into the caller's buffer.
 */
#ifndef XC_HA_WIRE_H
#define XC_HA_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define XC_HA_VERSION		3	/* what xc_ha_begin() writes */
#define XC_HA_VERSION_MIN	3
#define XC_HA_VERSION_MAX	5
#define XC_HA_PORT		4510
#define XC_HA_MAX_DATAGRAM	65535
#define XC_HA_MAX_ATTRS		256

enum xc_ha_msg_type {
	XC_HA_IKE_ADD = 1,
	XC_HA_IKE_UPDATE,
	XC_HA_IKE_MID_INITIATOR,
	XC_HA_IKE_MID_RESPONDER,
	XC_HA_IKE_DELETE,
	XC_HA_CHILD_ADD,
	XC_HA_CHILD_DELETE,
	XC_HA_SEGMENT_DROP,
	XC_HA_SEGMENT_TAKE,
	XC_HA_STATUS,
	XC_HA_RESYNC,
	XC_HA_IKE_IV,
	XC_HA_MSG_MAX = XC_HA_IKE_IV,
};

enum xc_ha_attr_type {
	XC_HA_A_IKE_ID = 1,
	XC_HA_A_IKE_REKEY_ID,
	XC_HA_A_LOCAL_ID,
	XC_HA_A_REMOTE_ID,
	XC_HA_A_REMOTE_EAP_ID,
	XC_HA_A_LOCAL_ADDR,
	XC_HA_A_REMOTE_ADDR,
	XC_HA_A_CONFIG_NAME,
	XC_HA_A_CONDITIONS,
	XC_HA_A_EXTENSIONS,
	XC_HA_A_LOCAL_VIP,
	XC_HA_A_REMOTE_VIP,
	XC_HA_A_PEER_ADDR,
	XC_HA_A_INITIATOR,
	XC_HA_A_NONCE_I,
	XC_HA_A_NONCE_R,
	XC_HA_A_SECRET,
	XC_HA_A_OLD_SKD,
	XC_HA_A_ALG_PRF,
	XC_HA_A_ALG_OLD_PRF,
	XC_HA_A_ALG_ENCR,
	XC_HA_A_ALG_ENCR_LEN,
	XC_HA_A_ALG_INTEG,
	XC_HA_A_ALG_DH,
	XC_HA_A_IPSEC_MODE,
	XC_HA_A_IPCOMP,
	XC_HA_A_INBOUND_SPI,
	XC_HA_A_OUTBOUND_SPI,
	XC_HA_A_INBOUND_CPI,
	XC_HA_A_OUTBOUND_CPI,
	XC_HA_A_LOCAL_TS,
	XC_HA_A_REMOTE_TS,
	XC_HA_A_MID,
	XC_HA_A_SEGMENT,
	XC_HA_A_ESN,
	XC_HA_A_IKE_VERSION,
	XC_HA_A_LOCAL_DH,
	XC_HA_A_REMOTE_DH,
	XC_HA_A_PSK,
	XC_HA_A_IV,
	XC_HA_A_AUTH_METHOD,
	/* version 4 and later only (their type bytes there: 18 and 26) */
	XC_HA_A_ADD_SECRET,	/* chunk: the additional KE shared secrets, concatenated */
	XC_HA_A_ALG_ADD_KES,	/* chunk: be16 KE method per additional KE 1..n (0: none) */
	XC_HA_A_MAX = XC_HA_A_ALG_ADD_KES,
};

/* HA_ALG_DH was renamed HA_ALG_KE in version 4; the same attribute. */
#define XC_HA_A_ALG_KE		XC_HA_A_ALG_DH

/* strongSwan's MAX_ADDITIONAL_KEY_EXCHANGES: ADDITIONAL_KEY_EXCHANGE_1..7 */
#define XC_HA_MAX_ADD_KES	7

/* Version 5: bit 31 of CONDITIONS / EXTENSIONS marks the private set. */
#define XC_HA_PRIVATE_MARKER	0x80000000u

/* How the value of an attribute is encoded. */
enum xc_ha_enc {
	XC_HA_ENC_IKE_ID,	/* u8 ike version, 8+8 SPI bytes, u8 initiator */
	XC_HA_ENC_IDENT,	/* u8 id type, u8 len, len bytes */
	XC_HA_ENC_HOST,		/* be16 port, u8 family, 4 or 16 address bytes */
	XC_HA_ENC_STR,		/* NUL-terminated string */
	XC_HA_ENC_U8,
	XC_HA_ENC_U16,		/* big-endian */
	XC_HA_ENC_U32,		/* big-endian */
	XC_HA_ENC_CHUNK,	/* be16 len, len bytes */
	XC_HA_ENC_TS,		/* u8 type, u8 proto, be16 from, be16 to, u8 dynamic, 2 addresses */
};

/* Address families as charon writes them (Linux values). */
#define XC_HA_AF_INET		2
#define XC_HA_AF_INET6		10

/* Traffic selector types (IKEv2 TS types). */
#define XC_HA_TS_IPV4		7
#define XC_HA_TS_IPV6		8

struct xc_ha_ike_id {
	uint8_t version;	/* IKE major version: 1 or 2 */
	uint8_t spi_i[8];	/* initiator's SPI, bytes as on the IKE wire */
	uint8_t spi_r[8];
	uint8_t initiator;	/* this node was the original initiator */
};

struct xc_ha_ident {
	uint8_t type;		/* ID_* of IKEv2 (ID_FQDN = 2, ...) */
	uint8_t len;
	const uint8_t *data;
};

struct xc_ha_host {
	uint8_t family;		/* XC_HA_AF_INET or XC_HA_AF_INET6 */
	uint16_t port;
	uint8_t addr[16];	/* 4 or 16 bytes used */
};

struct xc_ha_ts {
	uint8_t type;		/* XC_HA_TS_IPV4 or XC_HA_TS_IPV6 */
	uint8_t proto;
	uint8_t dynamic;
	uint16_t from_port, to_port;
	uint8_t from[16], to[16];
};

struct xc_ha_chunk {
	uint16_t len;
	const uint8_t *data;
};

struct xc_ha_attr {
	uint8_t type;		/* enum xc_ha_attr_type */
	uint16_t offset;	/* of the type byte in the datagram */
	uint8_t wire;		/* the type byte itself (differs from type from version 4 on) */
	union {
		struct xc_ha_ike_id ike_id;
		struct xc_ha_ident ident;
		struct xc_ha_host host;
		const char *str;
		uint8_t u8;
		uint16_t u16;
		uint32_t u32;
		struct xc_ha_chunk chunk;
		struct xc_ha_ts ts;
	} v;
};

struct xc_ha_msg {
	uint8_t version;
	uint8_t type;
	unsigned int nattrs;
	struct xc_ha_attr attrs[XC_HA_MAX_ATTRS];
};

/*
 * CHILD_SA SPIs and CPIs. charon keeps them as integers holding the bytes
 * in network order and puts them through htonl()/htons() once more, so on
 * the wire of a little-endian host the bytes of an SPI come reversed: SPI
 * 0xce94ebe7 travels as e7 eb 94 ce. The protocol is thus not endian-neutral
 * for these four attributes; the hook assumes the charon shares its byte
 * order (x86-64 and arm64 gateways do). These convert between the value the
 * parser gives (xc_ha_attr.v.u32 / .u16) and the SPI as the kernel and
 * `ip xfrm` show it.
 */
static inline uint32_t xc_ha_spi(uint32_t wire)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap32(wire);
#else
	return wire;
#endif
}

static inline uint16_t xc_ha_cpi(uint16_t wire)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap16(wire);
#else
	return wire;
#endif
}

/* Parse one datagram of version 3, 4 or 5. Returns 0, or -EINVAL with the
 * reason in why. */
int xc_ha_parse(const uint8_t *buf, size_t len, struct xc_ha_msg *m,
		char *why, size_t whylen);

/* What charon of m->version sends: every attribute allowed in this message
 * type, single values not repeated, the required ones present, the
 * additional key exchanges well-formed. 0 or -EINVAL + why. */
int xc_ha_check(const struct xc_ha_msg *m, char *why, size_t whylen);

/* First attribute of a type, or NULL; count of a type. */
const struct xc_ha_attr *xc_ha_find(const struct xc_ha_msg *m, uint8_t type);
unsigned int xc_ha_count(const struct xc_ha_msg *m, uint8_t type);

const char *xc_ha_msg_name(uint8_t type);	/* "IKE_ADD", or NULL */
const char *xc_ha_attr_name(uint8_t type);	/* "NONCE_I", or NULL */
/* The type byte of attribute type in a version's datagrams; 0 if that
 * version has no such attribute (or does not exist). */
uint8_t xc_ha_attr_wire(uint8_t version, uint8_t type);
/* The attribute a version's type byte means; 0 if none. */
uint8_t xc_ha_attr_from_wire(uint8_t version, uint8_t wire);
/* The strongSwan releases that speak a version, for messages. */
const char *xc_ha_version_speakers(uint8_t version);
/* The HA version of the release named in text ("strongSwan 6.0.1 ...":
 * 5.x and 6.0.0 -> 3, 6.0.1 -> 4, later -> 5), or -1 if text names none. */
int xc_ha_version_of_release(const char *text);
int xc_ha_attr_enc(uint8_t type);		/* enum xc_ha_enc, or -1 */
/* Address length of a family (4, 16) or 0 if unknown. */
unsigned int xc_ha_af_len(uint8_t family);

/* Building a datagram (replay and tests). Errors stick: once a value does
 * not fit, overflow is set and the message must not be sent; an attribute
 * the version cannot carry also sets unfit (its name), and overflow. */
struct xc_ha_buf {
	uint8_t data[XC_HA_MAX_DATAGRAM];
	size_t len;
	int overflow;
	uint8_t version;
	const char *unfit;	/* NULL, or the attribute the version has not */
};

/* A version 3 datagram (as before versions existed here). */
void xc_ha_begin(struct xc_ha_buf *b, uint8_t type);
/* A datagram of the given version (3, 4 or 5; anything else: unfit). */
void xc_ha_begin_v(struct xc_ha_buf *b, uint8_t version, uint8_t type);
void xc_ha_put_ike_id(struct xc_ha_buf *b, uint8_t attr, const struct xc_ha_ike_id *id);
void xc_ha_put_ident(struct xc_ha_buf *b, uint8_t attr, uint8_t type,
		     const uint8_t *data, uint8_t len);
void xc_ha_put_host(struct xc_ha_buf *b, uint8_t attr, const struct xc_ha_host *h);
void xc_ha_put_str(struct xc_ha_buf *b, uint8_t attr, const char *s);
void xc_ha_put_u8(struct xc_ha_buf *b, uint8_t attr, uint8_t v);
void xc_ha_put_u16(struct xc_ha_buf *b, uint8_t attr, uint16_t v);
void xc_ha_put_u32(struct xc_ha_buf *b, uint8_t attr, uint32_t v);
void xc_ha_put_chunk(struct xc_ha_buf *b, uint8_t attr, const uint8_t *data, uint16_t len);
void xc_ha_put_ts(struct xc_ha_buf *b, uint8_t attr, const struct xc_ha_ts *ts);

#endif
