// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Parsing and building strongSwan HA datagrams (protocol versions 3, 4 and
 * 5; ha_wire.h says what differs). The
 * parser never reads outside [buf, buf + len) and refuses anything it does
 * not fully understand: charon itself stops at the first unknown attribute
 * and uses what came before it, but a recorder that keeps key material must
 * not store a half-understood message.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ha_wire.h"
#include "ike_err.h"

static const char *const msg_names[XC_HA_MSG_MAX + 1] = {
	[XC_HA_IKE_ADD] = "IKE_ADD",
	[XC_HA_IKE_UPDATE] = "IKE_UPDATE",
	[XC_HA_IKE_MID_INITIATOR] = "IKE_MID_INITIATOR",
	[XC_HA_IKE_MID_RESPONDER] = "IKE_MID_RESPONDER",
	[XC_HA_IKE_DELETE] = "IKE_DELETE",
	[XC_HA_CHILD_ADD] = "CHILD_ADD",
	[XC_HA_CHILD_DELETE] = "CHILD_DELETE",
	[XC_HA_SEGMENT_DROP] = "SEGMENT_DROP",
	[XC_HA_SEGMENT_TAKE] = "SEGMENT_TAKE",
	[XC_HA_STATUS] = "STATUS",
	[XC_HA_RESYNC] = "RESYNC",
	[XC_HA_IKE_IV] = "IKE_IV",
};

struct attr_desc {
	const char *name;
	int enc;
	int multi;	/* may appear more than once in one message */
};

static const struct attr_desc attrs[XC_HA_A_MAX + 1] = {
	[XC_HA_A_IKE_ID] = { "IKE_ID", XC_HA_ENC_IKE_ID, 0 },
	[XC_HA_A_IKE_REKEY_ID] = { "IKE_REKEY_ID", XC_HA_ENC_IKE_ID, 0 },
	[XC_HA_A_LOCAL_ID] = { "LOCAL_ID", XC_HA_ENC_IDENT, 0 },
	[XC_HA_A_REMOTE_ID] = { "REMOTE_ID", XC_HA_ENC_IDENT, 0 },
	[XC_HA_A_REMOTE_EAP_ID] = { "REMOTE_EAP_ID", XC_HA_ENC_IDENT, 0 },
	[XC_HA_A_LOCAL_ADDR] = { "LOCAL_ADDR", XC_HA_ENC_HOST, 0 },
	[XC_HA_A_REMOTE_ADDR] = { "REMOTE_ADDR", XC_HA_ENC_HOST, 0 },
	[XC_HA_A_CONFIG_NAME] = { "CONFIG_NAME", XC_HA_ENC_STR, 0 },
	[XC_HA_A_CONDITIONS] = { "CONDITIONS", XC_HA_ENC_U32, 0 },
	[XC_HA_A_EXTENSIONS] = { "EXTENSIONS", XC_HA_ENC_U32, 0 },
	[XC_HA_A_LOCAL_VIP] = { "LOCAL_VIP", XC_HA_ENC_HOST, 1 },
	[XC_HA_A_REMOTE_VIP] = { "REMOTE_VIP", XC_HA_ENC_HOST, 1 },
	[XC_HA_A_PEER_ADDR] = { "PEER_ADDR", XC_HA_ENC_HOST, 1 },
	[XC_HA_A_INITIATOR] = { "INITIATOR", XC_HA_ENC_U8, 0 },
	[XC_HA_A_NONCE_I] = { "NONCE_I", XC_HA_ENC_CHUNK, 0 },
	[XC_HA_A_NONCE_R] = { "NONCE_R", XC_HA_ENC_CHUNK, 0 },
	[XC_HA_A_SECRET] = { "SECRET", XC_HA_ENC_CHUNK, 0 },
	[XC_HA_A_OLD_SKD] = { "OLD_SKD", XC_HA_ENC_CHUNK, 0 },
	[XC_HA_A_ALG_PRF] = { "ALG_PRF", XC_HA_ENC_U16, 0 },
	[XC_HA_A_ALG_OLD_PRF] = { "ALG_OLD_PRF", XC_HA_ENC_U16, 0 },
	[XC_HA_A_ALG_ENCR] = { "ALG_ENCR", XC_HA_ENC_U16, 0 },
	[XC_HA_A_ALG_ENCR_LEN] = { "ALG_ENCR_LEN", XC_HA_ENC_U16, 0 },
	[XC_HA_A_ALG_INTEG] = { "ALG_INTEG", XC_HA_ENC_U16, 0 },
	[XC_HA_A_ALG_DH] = { "ALG_DH", XC_HA_ENC_U16, 0 },
	[XC_HA_A_IPSEC_MODE] = { "IPSEC_MODE", XC_HA_ENC_U8, 0 },
	[XC_HA_A_IPCOMP] = { "IPCOMP", XC_HA_ENC_U8, 0 },
	[XC_HA_A_INBOUND_SPI] = { "INBOUND_SPI", XC_HA_ENC_U32, 0 },
	[XC_HA_A_OUTBOUND_SPI] = { "OUTBOUND_SPI", XC_HA_ENC_U32, 0 },
	[XC_HA_A_INBOUND_CPI] = { "INBOUND_CPI", XC_HA_ENC_U16, 0 },
	[XC_HA_A_OUTBOUND_CPI] = { "OUTBOUND_CPI", XC_HA_ENC_U16, 0 },
	[XC_HA_A_LOCAL_TS] = { "LOCAL_TS", XC_HA_ENC_TS, 1 },
	[XC_HA_A_REMOTE_TS] = { "REMOTE_TS", XC_HA_ENC_TS, 1 },
	[XC_HA_A_MID] = { "MID", XC_HA_ENC_U32, 0 },
	[XC_HA_A_SEGMENT] = { "SEGMENT", XC_HA_ENC_U16, 1 },
	[XC_HA_A_ESN] = { "ESN", XC_HA_ENC_U16, 0 },
	[XC_HA_A_IKE_VERSION] = { "IKE_VERSION", XC_HA_ENC_U8, 0 },
	[XC_HA_A_LOCAL_DH] = { "LOCAL_DH", XC_HA_ENC_CHUNK, 0 },
	[XC_HA_A_REMOTE_DH] = { "REMOTE_DH", XC_HA_ENC_CHUNK, 0 },
	[XC_HA_A_PSK] = { "PSK", XC_HA_ENC_CHUNK, 0 },
	[XC_HA_A_IV] = { "IV", XC_HA_ENC_CHUNK, 0 },
	[XC_HA_A_AUTH_METHOD] = { "AUTH_METHOD", XC_HA_ENC_U16, 0 },
	[XC_HA_A_ADD_SECRET] = { "ADD_SECRET", XC_HA_ENC_CHUNK, 0 },
	[XC_HA_A_ALG_ADD_KES] = { "ALG_ADD_KES", XC_HA_ENC_CHUNK, 0 },
};

/*
 * Type bytes. Version 3 numbers its attributes 1 (IKE_ID) .. 41
 * (AUTH_METHOD), as enum xc_ha_attr_type does. strongSwan 6.0.1 (version
 * 4, ha_message.h) inserted HA_ADD_SECRET after HA_SECRET (17) and
 * HA_ALG_ADD_KES after HA_ALG_KE (the former HA_ALG_DH): from OLD_SKD on
 * every type byte moved up by one, from IPSEC_MODE on by two. Version 5
 * changed no number.
 */
#define V4_ADD_SECRET	18
#define V4_ALG_ADD_KES	26

uint8_t xc_ha_attr_wire(uint8_t version, uint8_t type)
{
	if (!type || type > XC_HA_A_MAX || version < XC_HA_VERSION_MIN ||
	    version > XC_HA_VERSION_MAX)
		return 0;
	if (version == 3)
		return type <= XC_HA_A_AUTH_METHOD ? type : 0;
	if (type == XC_HA_A_ADD_SECRET)
		return V4_ADD_SECRET;
	if (type == XC_HA_A_ALG_ADD_KES)
		return V4_ALG_ADD_KES;
	if (type <= XC_HA_A_SECRET)
		return type;
	if (type <= XC_HA_A_ALG_DH)
		return (uint8_t)(type + 1);
	return (uint8_t)(type + 2);
}

uint8_t xc_ha_attr_from_wire(uint8_t version, uint8_t wire)
{
	if (!wire || version < XC_HA_VERSION_MIN || version > XC_HA_VERSION_MAX)
		return 0;
	if (version == 3)
		return wire <= XC_HA_A_AUTH_METHOD ? wire : 0;
	if (wire <= XC_HA_A_SECRET)
		return wire;
	if (wire == V4_ADD_SECRET)
		return XC_HA_A_ADD_SECRET;
	if (wire < V4_ALG_ADD_KES)
		return (uint8_t)(wire - 1);
	if (wire == V4_ALG_ADD_KES)
		return XC_HA_A_ALG_ADD_KES;
	return wire - 2 <= XC_HA_A_AUTH_METHOD ? (uint8_t)(wire - 2) : 0;
}

int xc_ha_version_of_release(const char *text)
{
	const char *p = text ? strstr(text, "strongSwan ") : NULL;
	unsigned int a, b, c;

	if (!p || sscanf(p + 11, "%u.%u.%u", &a, &b, &c) != 3)
		return -1;
	if (a < 5)
		return -1;	/* 4.x spoke earlier versions */
	if (a == 5 || (a == 6 && b == 0 && c == 0))
		return 3;
	if (a == 6 && b == 0 && c == 1)
		return 4;
	return 5;
}

const char *xc_ha_version_speakers(uint8_t version)
{
	switch (version) {
	case 3: return "strongSwan 5.x to 6.0.0";
	case 4: return "strongSwan 6.0.1";
	case 5: return "strongSwan 6.0.2 and later";
	}
	return "no strongSwan release known here";
}

const char *xc_ha_msg_name(uint8_t type)
{
	return type <= XC_HA_MSG_MAX ? msg_names[type] : NULL;
}

const char *xc_ha_attr_name(uint8_t type)
{
	return type <= XC_HA_A_MAX ? attrs[type].name : NULL;
}

int xc_ha_attr_enc(uint8_t type)
{
	return xc_ha_attr_name(type) ? attrs[type].enc : -1;
}

unsigned int xc_ha_af_len(uint8_t family)
{
	return family == XC_HA_AF_INET ? 4 : family == XC_HA_AF_INET6 ? 16 : 0;
}

/* Every refusal here is -EINVAL, with its reason in why. */
#define say(why, whylen, ...) xc_ike_say(why, whylen, -EINVAL, __VA_ARGS__)

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Decode the value of attribute a->type at p, at most left bytes; the
 * number of bytes used, or -EINVAL with why. */
static int parse_value(struct xc_ha_attr *a, const uint8_t *p, size_t left,
		       char *why, size_t whylen)
{
	const char *name = attrs[a->type].name;
	size_t need, alen;
	const uint8_t *nul;

#define NEED(n, what) do {						\
	need = (n);							\
	if (left < need)						\
		return say(why, whylen, "attribute %s at offset %u: %s needs %zu bytes, %zu left", \
			   name, a->offset, what, need, left);		\
} while (0)

	switch (attrs[a->type].enc) {
	case XC_HA_ENC_IKE_ID:
		NEED(18, "IKE_SA id");
		a->v.ike_id.version = p[0];
		memcpy(a->v.ike_id.spi_i, p + 1, 8);
		memcpy(a->v.ike_id.spi_r, p + 9, 8);
		a->v.ike_id.initiator = p[17];
		if (p[17] > 1)
			return say(why, whylen, "attribute %s at offset %u: initiator flag %u is not 0 or 1",
				   name, a->offset, p[17]);
		return 18;
	case XC_HA_ENC_IDENT:
		NEED(2, "identity header");
		NEED(2 + (size_t)p[1], "identity");
		a->v.ident.type = p[0];
		a->v.ident.len = p[1];
		a->v.ident.data = p + 2;
		return (int)need;
	case XC_HA_ENC_HOST:
		NEED(3, "address header");
		alen = xc_ha_af_len(p[2]);
		if (!alen)
			return say(why, whylen, "attribute %s at offset %u: unknown address family %u",
				   name, a->offset, p[2]);
		NEED(3 + alen, "address");
		memset(&a->v.host, 0, sizeof(a->v.host));
		a->v.host.port = get_be16(p);
		a->v.host.family = p[2];
		memcpy(a->v.host.addr, p + 3, alen);
		return (int)need;
	case XC_HA_ENC_STR:
		nul = memchr(p, 0, left);
		if (!nul)
			return say(why, whylen, "attribute %s at offset %u: string runs past the end (no NUL in %zu bytes)",
				   name, a->offset, left);
		a->v.str = (const char *)p;
		return (int)(nul - p) + 1;
	case XC_HA_ENC_U8:
		NEED(1, "u8");
		a->v.u8 = p[0];
		return 1;
	case XC_HA_ENC_U16:
		NEED(2, "u16");
		a->v.u16 = get_be16(p);
		return 2;
	case XC_HA_ENC_U32:
		NEED(4, "u32");
		a->v.u32 = get_be32(p);
		return 4;
	case XC_HA_ENC_CHUNK:
		NEED(2, "length");
		alen = get_be16(p);
		if (left - 2 < alen)
			return say(why, whylen, "attribute %s at offset %u: length %zu runs past the end (%zu bytes left)",
				   name, a->offset, alen, left - 2);
		a->v.chunk.len = (uint16_t)alen;
		a->v.chunk.data = p + 2;
		return (int)(2 + alen);
	case XC_HA_ENC_TS:
		NEED(7, "traffic selector header");
		alen = p[0] == XC_HA_TS_IPV4 ? 4 : p[0] == XC_HA_TS_IPV6 ? 16 : 0;
		if (!alen)
			return say(why, whylen, "attribute %s at offset %u: unknown traffic selector type %u",
				   name, a->offset, p[0]);
		if (p[6] > 1)
			return say(why, whylen, "attribute %s at offset %u: dynamic flag %u is not 0 or 1",
				   name, a->offset, p[6]);
		NEED(7 + 2 * alen, "traffic selector addresses");
		memset(&a->v.ts, 0, sizeof(a->v.ts));
		a->v.ts.type = p[0];
		a->v.ts.proto = p[1];
		a->v.ts.from_port = get_be16(p + 2);
		a->v.ts.to_port = get_be16(p + 4);
		a->v.ts.dynamic = p[6];
		memcpy(a->v.ts.from, p + 7, alen);
		memcpy(a->v.ts.to, p + 7 + alen, alen);
		return (int)need;
	}
#undef NEED
	return say(why, whylen, "attribute %s: no decoder", name);
}

int xc_ha_parse(const uint8_t *buf, size_t len, struct xc_ha_msg *m,
		char *why, size_t whylen)
{
	size_t pos = 2;
	int used;

	memset(m, 0, offsetof(struct xc_ha_msg, attrs));
	if (len < 2)
		return say(why, whylen, "truncated: %zu bytes, a message has at least 2", len);
	if (len > XC_HA_MAX_DATAGRAM)
		return say(why, whylen, "%zu bytes, more than a datagram can hold", len);
	if (buf[0] < XC_HA_VERSION_MIN || buf[0] > XC_HA_VERSION_MAX)
		return say(why, whylen, "protocol version %u, only versions %u to %u are supported (%s to %s)",
			   buf[0], XC_HA_VERSION_MIN, XC_HA_VERSION_MAX,
			   "strongSwan 5.x", "6.1");
	if (!xc_ha_msg_name(buf[1]))
		return say(why, whylen, "unknown message type %u", buf[1]);
	m->version = buf[0];
	m->type = buf[1];

	while (pos < len) {
		struct xc_ha_attr *a;

		if (m->nattrs == XC_HA_MAX_ATTRS)
			return say(why, whylen, "%s: more than %d attributes",
				   msg_names[m->type], XC_HA_MAX_ATTRS);
		a = &m->attrs[m->nattrs];
		memset(a, 0, sizeof(*a));
		a->wire = buf[pos];
		a->type = xc_ha_attr_from_wire(m->version, a->wire);
		a->offset = (uint16_t)pos;
		if (!a->type)
			return say(why, whylen, "%s: unknown attribute type %u at offset %zu (protocol version %u)",
				   msg_names[m->type], a->wire, pos, m->version);
		used = parse_value(a, buf + pos + 1, len - pos - 1, why, whylen);
		if (used < 0)
			return used;
		pos += 1 + (size_t)used;
		m->nattrs++;
	}
	return 0;
}

const struct xc_ha_attr *xc_ha_find(const struct xc_ha_msg *m, uint8_t type)
{
	unsigned int i;

	for (i = 0; i < m->nattrs; i++)
		if (m->attrs[i].type == type)
			return &m->attrs[i];
	return NULL;
}

unsigned int xc_ha_count(const struct xc_ha_msg *m, uint8_t type)
{
	unsigned int i, n = 0;

	for (i = 0; i < m->nattrs; i++)
		n += m->attrs[i].type == type;
	return n;
}

/*
 * What strongSwan puts into each message type (ha_ike.c, ha_child.c,
 * ha_segments.c, ha_cache.c of 5.9.8, 6.0.1, 6.1): the attributes allowed,
 * and the ones without which the message means nothing. ADD_SECRET and
 * ALG_ADD_KES exist only from version 4 on (a version 3 datagram has no
 * type byte for them). From version 4 on, IKE_ADD also comes as a key
 * update of a known IKE_SA (after each IKE_INTERMEDIATE exchange of an
 * additional key exchange, RFC 9370): without a proposal, so ALG_PRF is
 * required only in the first form (xc_ha_check).
 */
#define BIT(a) (1ull << (a))

static const struct {
	uint64_t allowed;
	uint64_t required;
} msg_rules[XC_HA_MSG_MAX + 1] = {
	[XC_HA_IKE_ADD] = {
		BIT(XC_HA_A_IKE_VERSION) | BIT(XC_HA_A_IKE_ID) | BIT(XC_HA_A_IKE_REKEY_ID) |
		BIT(XC_HA_A_ALG_OLD_PRF) | BIT(XC_HA_A_OLD_SKD) | BIT(XC_HA_A_ALG_ENCR) |
		BIT(XC_HA_A_ALG_ENCR_LEN) | BIT(XC_HA_A_ALG_INTEG) | BIT(XC_HA_A_ALG_PRF) |
		BIT(XC_HA_A_ALG_DH) | BIT(XC_HA_A_NONCE_I) | BIT(XC_HA_A_NONCE_R) |
		BIT(XC_HA_A_SECRET) | BIT(XC_HA_A_LOCAL_DH) | BIT(XC_HA_A_REMOTE_DH) |
		BIT(XC_HA_A_PSK) | BIT(XC_HA_A_AUTH_METHOD) | BIT(XC_HA_A_REMOTE_ADDR) |
		BIT(XC_HA_A_ADD_SECRET) | BIT(XC_HA_A_ALG_ADD_KES),
		BIT(XC_HA_A_IKE_ID) | BIT(XC_HA_A_NONCE_I) | BIT(XC_HA_A_NONCE_R) |
		BIT(XC_HA_A_SECRET),
	},
	[XC_HA_IKE_UPDATE] = {
		BIT(XC_HA_A_IKE_ID) | BIT(XC_HA_A_LOCAL_ID) | BIT(XC_HA_A_REMOTE_ID) |
		BIT(XC_HA_A_REMOTE_EAP_ID) | BIT(XC_HA_A_LOCAL_ADDR) | BIT(XC_HA_A_REMOTE_ADDR) |
		BIT(XC_HA_A_CONDITIONS) | BIT(XC_HA_A_EXTENSIONS) | BIT(XC_HA_A_CONFIG_NAME) |
		BIT(XC_HA_A_PEER_ADDR) | BIT(XC_HA_A_LOCAL_VIP) | BIT(XC_HA_A_REMOTE_VIP),
		BIT(XC_HA_A_IKE_ID),
	},
	[XC_HA_IKE_MID_INITIATOR] = {
		BIT(XC_HA_A_IKE_ID) | BIT(XC_HA_A_MID),
		BIT(XC_HA_A_IKE_ID) | BIT(XC_HA_A_MID),
	},
	[XC_HA_IKE_MID_RESPONDER] = {
		BIT(XC_HA_A_IKE_ID) | BIT(XC_HA_A_MID),
		BIT(XC_HA_A_IKE_ID) | BIT(XC_HA_A_MID),
	},
	[XC_HA_IKE_DELETE] = { BIT(XC_HA_A_IKE_ID), BIT(XC_HA_A_IKE_ID) },
	[XC_HA_CHILD_ADD] = {
		BIT(XC_HA_A_IKE_ID) | BIT(XC_HA_A_INITIATOR) | BIT(XC_HA_A_INBOUND_SPI) |
		BIT(XC_HA_A_OUTBOUND_SPI) | BIT(XC_HA_A_INBOUND_CPI) | BIT(XC_HA_A_OUTBOUND_CPI) |
		BIT(XC_HA_A_IPSEC_MODE) | BIT(XC_HA_A_IPCOMP) | BIT(XC_HA_A_CONFIG_NAME) |
		BIT(XC_HA_A_ALG_ENCR) | BIT(XC_HA_A_ALG_ENCR_LEN) | BIT(XC_HA_A_ALG_INTEG) |
		BIT(XC_HA_A_ALG_DH) | BIT(XC_HA_A_ESN) | BIT(XC_HA_A_NONCE_I) |
		BIT(XC_HA_A_NONCE_R) | BIT(XC_HA_A_SECRET) | BIT(XC_HA_A_LOCAL_TS) |
		BIT(XC_HA_A_REMOTE_TS) | BIT(XC_HA_A_ADD_SECRET) | BIT(XC_HA_A_ALG_ADD_KES),
		BIT(XC_HA_A_IKE_ID) | BIT(XC_HA_A_INBOUND_SPI) | BIT(XC_HA_A_OUTBOUND_SPI) |
		BIT(XC_HA_A_CONFIG_NAME) | BIT(XC_HA_A_NONCE_I) | BIT(XC_HA_A_NONCE_R) |
		BIT(XC_HA_A_LOCAL_TS) | BIT(XC_HA_A_REMOTE_TS),
	},
	[XC_HA_CHILD_DELETE] = {
		BIT(XC_HA_A_IKE_ID) | BIT(XC_HA_A_INBOUND_SPI),
		BIT(XC_HA_A_IKE_ID) | BIT(XC_HA_A_INBOUND_SPI),
	},
	[XC_HA_SEGMENT_DROP] = { BIT(XC_HA_A_SEGMENT), BIT(XC_HA_A_SEGMENT) },
	[XC_HA_SEGMENT_TAKE] = { BIT(XC_HA_A_SEGMENT), BIT(XC_HA_A_SEGMENT) },
	[XC_HA_STATUS] = { BIT(XC_HA_A_SEGMENT), 0 },	/* no segment: serving none */
	[XC_HA_RESYNC] = { BIT(XC_HA_A_SEGMENT), BIT(XC_HA_A_SEGMENT) },
	[XC_HA_IKE_IV] = {
		BIT(XC_HA_A_IKE_ID) | BIT(XC_HA_A_IV),
		BIT(XC_HA_A_IKE_ID) | BIT(XC_HA_A_IV),
	},
};

/* The proposal and predecessor attributes of an IKE_ADD: a version 4/5
 * key update carries none of them. */
#define IKE_ADD_FULL (BIT(XC_HA_A_IKE_REKEY_ID) | BIT(XC_HA_A_ALG_OLD_PRF) |		\
		      BIT(XC_HA_A_OLD_SKD) | BIT(XC_HA_A_ALG_ENCR) | BIT(XC_HA_A_ALG_ENCR_LEN) |	\
		      BIT(XC_HA_A_ALG_INTEG) | BIT(XC_HA_A_ALG_PRF) | BIT(XC_HA_A_ALG_DH) |	\
		      BIT(XC_HA_A_ALG_ADD_KES))

/* ALG_ADD_KES: be16 methods of ADDITIONAL_KEY_EXCHANGE_1.., up to the last
 * one the proposal has (ha_message.c add_key_exchange_methods). */
static int check_add_kes(const char *mname, const struct xc_ha_attr *a, char *why, size_t whylen)
{
	const struct xc_ha_chunk *c = &a->v.chunk;

	if (!c->len || c->len % 2 || c->len > 2 * XC_HA_MAX_ADD_KES)
		return say(why, whylen, "%s: ALG_ADD_KES at offset %u is %u bytes, not 1 to %d 16-bit methods",
			   mname, a->offset, c->len, XC_HA_MAX_ADD_KES);
	if (!c->data[c->len - 2] && !c->data[c->len - 1])
		return say(why, whylen, "%s: ALG_ADD_KES at offset %u ends with an empty slot",
			   mname, a->offset);
	return 0;
}

int xc_ha_check(const struct xc_ha_msg *m, char *why, size_t whylen)
{
	const char *mname = xc_ha_msg_name(m->type);
	uint64_t seen = 0, missing;
	unsigned int i, priv_cond = 0, priv_ext = 0;
	int err;

	if (!mname)
		return say(why, whylen, "unknown message type %u", m->type);
	if (m->version < XC_HA_VERSION_MIN || m->version > XC_HA_VERSION_MAX)
		return say(why, whylen, "protocol version %u unknown", m->version);
	for (i = 0; i < m->nattrs; i++) {
		const struct xc_ha_attr *a = &m->attrs[i];
		uint8_t t = a->type;

		if (!xc_ha_attr_wire(m->version, t))
			return say(why, whylen, "%s: attribute %s does not exist in protocol version %u",
				   mname, attrs[t].name, m->version);
		if (!(msg_rules[m->type].allowed & BIT(t)))
			return say(why, whylen, "%s: attribute %s at offset %u does not belong in this message",
				   mname, attrs[t].name, a->offset);
		/* version 5: the private set follows, marked with bit 31 */
		if (m->version >= 5 && (t == XC_HA_A_CONDITIONS || t == XC_HA_A_EXTENSIONS) &&
		    (a->v.u32 & XC_HA_PRIVATE_MARKER)) {
			unsigned int *n = t == XC_HA_A_CONDITIONS ? &priv_cond : &priv_ext;

			if ((*n)++)
				return say(why, whylen, "%s: private %s repeated at offset %u",
					   mname, attrs[t].name, a->offset);
			continue;
		}
		if ((seen & BIT(t)) && !attrs[t].multi)
			return say(why, whylen, "%s: attribute %s repeated at offset %u",
				   mname, attrs[t].name, a->offset);
		if (t == XC_HA_A_ALG_ADD_KES && (err = check_add_kes(mname, a, why, whylen)))
			return err;
		seen |= BIT(t);
	}
	if ((seen & BIT(XC_HA_A_ADD_SECRET)) && !(seen & BIT(XC_HA_A_SECRET)))
		return say(why, whylen, "%s: ADD_SECRET without SECRET", mname);
	if (m->type == XC_HA_IKE_ADD && !(seen & BIT(XC_HA_A_ALG_PRF)) &&
	    (m->version == 3 || (seen & IKE_ADD_FULL)))
		return say(why, whylen, "%s: required attribute %s is missing", mname,
			   attrs[XC_HA_A_ALG_PRF].name);
	missing = msg_rules[m->type].required & ~seen;
	for (i = 1; i <= XC_HA_A_MAX; i++)
		if (missing & BIT(i))
			return say(why, whylen, "%s: required attribute %s is missing",
				   mname, attrs[i].name);
	/* charon reads the IKE_SA id first and ignores updates without it */
	if (m->type == XC_HA_IKE_UPDATE && m->attrs[0].type != XC_HA_A_IKE_ID)
		return say(why, whylen, "IKE_UPDATE: IKE_ID is not the first attribute");
	return 0;
}

/* Building */

static uint8_t *grow(struct xc_ha_buf *b, size_t n)
{
	uint8_t *p;

	if (b->overflow || b->len + n > sizeof(b->data)) {
		b->overflow = 1;
		return NULL;
	}
	p = b->data + b->len;
	b->len += n;
	return p;
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Attribute type byte (of the buffer's version) plus room for n value
 * bytes; NULL (and unfit) if the version has no such attribute. */
static uint8_t *attr(struct xc_ha_buf *b, uint8_t type, size_t n)
{
	uint8_t wire = xc_ha_attr_wire(b->version, type);
	uint8_t *p;

	if (!wire) {
		if (!b->unfit)
			b->unfit = xc_ha_attr_name(type) ? xc_ha_attr_name(type) : "unknown attribute";
		b->overflow = 1;
		return NULL;
	}
	p = grow(b, 1 + n);
	if (!p)
		return NULL;
	p[0] = wire;
	return p + 1;
}

void xc_ha_begin_v(struct xc_ha_buf *b, uint8_t version, uint8_t type)
{
	b->len = 2;
	b->overflow = 0;
	b->unfit = NULL;
	b->version = version;
	b->data[0] = version;
	b->data[1] = type;
	if (version < XC_HA_VERSION_MIN || version > XC_HA_VERSION_MAX) {
		b->unfit = "protocol version";
		b->overflow = 1;
	}
}

void xc_ha_begin(struct xc_ha_buf *b, uint8_t type)
{
	xc_ha_begin_v(b, XC_HA_VERSION, type);
}

void xc_ha_put_ike_id(struct xc_ha_buf *b, uint8_t a, const struct xc_ha_ike_id *id)
{
	uint8_t *p = attr(b, a, 18);

	if (!p)
		return;
	p[0] = id->version;
	memcpy(p + 1, id->spi_i, 8);
	memcpy(p + 9, id->spi_r, 8);
	p[17] = id->initiator;
}

void xc_ha_put_ident(struct xc_ha_buf *b, uint8_t a, uint8_t type,
		     const uint8_t *data, uint8_t len)
{
	uint8_t *p = attr(b, a, 2 + (size_t)len);

	if (!p)
		return;
	p[0] = type;
	p[1] = len;
	memcpy(p + 2, data, len);
}

void xc_ha_put_host(struct xc_ha_buf *b, uint8_t a, const struct xc_ha_host *h)
{
	unsigned int alen = xc_ha_af_len(h->family);
	uint8_t *p;

	if (!alen) {
		b->overflow = 1;
		return;
	}
	p = attr(b, a, 3 + alen);
	if (!p)
		return;
	put_be16(p, h->port);
	p[2] = h->family;
	memcpy(p + 3, h->addr, alen);
}

void xc_ha_put_str(struct xc_ha_buf *b, uint8_t a, const char *s)
{
	size_t n = strlen(s) + 1;
	uint8_t *p = attr(b, a, n);

	if (p)
		memcpy(p, s, n);
}

void xc_ha_put_u8(struct xc_ha_buf *b, uint8_t a, uint8_t v)
{
	uint8_t *p = attr(b, a, 1);

	if (p)
		p[0] = v;
}

void xc_ha_put_u16(struct xc_ha_buf *b, uint8_t a, uint16_t v)
{
	uint8_t *p = attr(b, a, 2);

	if (p)
		put_be16(p, v);
}

void xc_ha_put_u32(struct xc_ha_buf *b, uint8_t a, uint32_t v)
{
	uint8_t *p = attr(b, a, 4);

	if (p)
		put_be32(p, v);
}

void xc_ha_put_chunk(struct xc_ha_buf *b, uint8_t a, const uint8_t *data, uint16_t len)
{
	uint8_t *p = attr(b, a, 2 + (size_t)len);

	if (!p)
		return;
	put_be16(p, len);
	if (len)
		memcpy(p + 2, data, len);
}

void xc_ha_put_ts(struct xc_ha_buf *b, uint8_t a, const struct xc_ha_ts *ts)
{
	unsigned int alen = ts->type == XC_HA_TS_IPV4 ? 4 : ts->type == XC_HA_TS_IPV6 ? 16 : 0;
	uint8_t *p;

	if (!alen) {
		b->overflow = 1;
		return;
	}
	p = attr(b, a, 7 + 2 * alen);
	if (!p)
		return;
	p[0] = ts->type;
	p[1] = ts->proto;
	put_be16(p + 2, ts->from_port);
	put_be16(p + 4, ts->to_port);
	p[6] = ts->dynamic;
	memcpy(p + 7, ts->from, alen);
	memcpy(p + 7 + alen, ts->to, alen);
}
