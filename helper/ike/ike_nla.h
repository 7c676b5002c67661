/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Netlink attributes in a plain buffer, for the record file: a growing
 * builder, and a strict parser that checks every attribute's length against
 * a table and refuses unknown types, bad alignment and overruns.
 */
#ifndef XC_IKE_NLA_H
#define XC_IKE_NLA_H

#include <stddef.h>
#include <stdint.h>

struct xc_nlb {
	uint8_t *data;
	size_t len, cap;
	int err;		/* sticky -ENOMEM */
};

void xc_nlb_init(struct xc_nlb *b);
void xc_nlb_free(struct xc_nlb *b);	/* wipes: records hold keys */
void xc_nlb_raw(struct xc_nlb *b, const void *data, size_t len);	/* unaligned header bytes */
void xc_nlb_put(struct xc_nlb *b, uint16_t type, const void *data, size_t len);
void xc_nlb_u8(struct xc_nlb *b, uint16_t type, uint8_t v);
void xc_nlb_u16(struct xc_nlb *b, uint16_t type, uint16_t v);
void xc_nlb_u32(struct xc_nlb *b, uint16_t type, uint32_t v);
void xc_nlb_u64(struct xc_nlb *b, uint16_t type, uint64_t v);
void xc_nlb_str(struct xc_nlb *b, uint16_t type, const char *s);
size_t xc_nlb_nest_start(struct xc_nlb *b, uint16_t type);
void xc_nlb_nest_end(struct xc_nlb *b, size_t start);

enum xc_nla_kind {
	XC_NLA_NONE,		/* not allowed */
	XC_NLA_U8,
	XC_NLA_U16,
	XC_NLA_U32,
	XC_NLA_U64,
	XC_NLA_STRING,		/* NUL-terminated, no NUL inside */
	XC_NLA_BINARY,		/* min..max bytes */
	XC_NLA_NESTED,
};

struct xc_nla_rule {
	uint8_t kind;
	uint8_t multi;		/* may repeat */
	uint16_t min, max;	/* binary/string length bounds (max 0: no limit) */
};

struct xc_nla {
	uint16_t type;
	uint16_t len;		/* payload length */
	const uint8_t *data;
};

/* Parse [data, data + len) against rules[0..maxtype]; tb[type] is the
 * first (or only) attribute of each type. -EINVAL with why on any fault. */
int xc_nla_parse(const uint8_t *data, size_t len, const struct xc_nla_rule *rules,
		 uint16_t maxtype, struct xc_nla *tb, const char *where,
		 char *why, size_t whylen);

/* Iterate every attribute of a given type in an already parsed buffer. */
int xc_nla_next(const uint8_t *data, size_t len, size_t *pos, uint16_t type,
		struct xc_nla *out);

uint8_t xc_nla_u8(const struct xc_nla *a);
uint16_t xc_nla_u16(const struct xc_nla *a);
uint32_t xc_nla_u32(const struct xc_nla *a);
uint64_t xc_nla_u64(const struct xc_nla *a);

#endif
