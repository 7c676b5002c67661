// SPDX-License-Identifier: GPL-2.0-or-later
/* Netlink attributes in a plain buffer (see ike_nla.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_nla.h"
#include "ike_err.h"

#define HDRLEN		4
#define ALIGN4(n)	(((n) + 3) & ~(size_t)3)

void xc_nlb_init(struct xc_nlb *b)
{
	memset(b, 0, sizeof(*b));
}

void xc_nlb_free(struct xc_nlb *b)
{
	if (b->data) {
		explicit_bzero(b->data, b->cap);
		free(b->data);
	}
	xc_nlb_init(b);
}

static uint8_t *room(struct xc_nlb *b, size_t n)
{
	uint8_t *p;

	if (b->err)
		return NULL;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < b->len + n)
			cap *= 2;
		/* grow by copy, not realloc, so no stale key bytes are left behind */
		p = calloc(1, cap);
		if (!p) {
			b->err = -ENOMEM;
			return NULL;
		}
		if (b->data) {
			memcpy(p, b->data, b->len);
			explicit_bzero(b->data, b->cap);
			free(b->data);
		}
		b->data = p;
		b->cap = cap;
	}
	p = b->data + b->len;
	b->len += n;
	return p;
}

void xc_nlb_raw(struct xc_nlb *b, const void *data, size_t len)
{
	uint8_t *p = room(b, len);

	if (p)
		memcpy(p, data, len);
}

void xc_nlb_put(struct xc_nlb *b, uint16_t type, const void *data, size_t len)
{
	uint16_t hdr[2];
	uint8_t *p;

	if (len > 0xffff - HDRLEN) {
		b->err = -EMSGSIZE;
		return;
	}
	p = room(b, ALIGN4(HDRLEN + len));
	if (!p)
		return;
	hdr[0] = (uint16_t)(HDRLEN + len);
	hdr[1] = type;
	memcpy(p, hdr, HDRLEN);
	if (len)
		memcpy(p + HDRLEN, data, len);
	memset(p + HDRLEN + len, 0, ALIGN4(HDRLEN + len) - HDRLEN - len);
}

void xc_nlb_u8(struct xc_nlb *b, uint16_t type, uint8_t v)
{
	xc_nlb_put(b, type, &v, 1);
}

void xc_nlb_u16(struct xc_nlb *b, uint16_t type, uint16_t v)
{
	xc_nlb_put(b, type, &v, 2);
}

void xc_nlb_u32(struct xc_nlb *b, uint16_t type, uint32_t v)
{
	xc_nlb_put(b, type, &v, 4);
}

void xc_nlb_u64(struct xc_nlb *b, uint16_t type, uint64_t v)
{
	xc_nlb_put(b, type, &v, 8);
}

void xc_nlb_str(struct xc_nlb *b, uint16_t type, const char *s)
{
	xc_nlb_put(b, type, s, strlen(s) + 1);
}

size_t xc_nlb_nest_start(struct xc_nlb *b, uint16_t type)
{
	size_t start = b->len;

	xc_nlb_put(b, type, NULL, 0);
	return start;
}

void xc_nlb_nest_end(struct xc_nlb *b, size_t start)
{
	uint16_t len;

	if (b->err)
		return;
	if (b->len - start > 0xffff) {
		b->err = -EMSGSIZE;
		return;
	}
	len = (uint16_t)(b->len - start);
	memcpy(b->data + start, &len, 2);
}

/* Every refusal here is -EINVAL, with its reason in why. */
#define say(why, whylen, ...) xc_ike_say(why, whylen, -EINVAL, __VA_ARGS__)

static int header(const uint8_t *data, size_t len, size_t pos, struct xc_nla *a)
{
	uint16_t hdr[2];

	if (len - pos < HDRLEN)
		return -1;
	memcpy(hdr, data + pos, HDRLEN);
	if (hdr[0] < HDRLEN || hdr[0] > len - pos)
		return -1;
	a->len = (uint16_t)(hdr[0] - HDRLEN);
	a->type = hdr[1];
	a->data = data + pos + HDRLEN;
	return 0;
}

int xc_nla_parse(const uint8_t *data, size_t len, const struct xc_nla_rule *rules,
		 uint16_t maxtype, struct xc_nla *tb, const char *where,
		 char *why, size_t whylen)
{
	static const uint16_t fixed[] = {
		[XC_NLA_U8] = 1, [XC_NLA_U16] = 2, [XC_NLA_U32] = 4, [XC_NLA_U64] = 8,
	};
	size_t pos = 0;

	memset(tb, 0, sizeof(*tb) * ((size_t)maxtype + 1));
	while (pos < len) {
		const struct xc_nla_rule *r;
		struct xc_nla a;

		if (header(data, len, pos, &a))
			return say(why, whylen, "%s: attribute at byte %zu runs past the end", where, pos);
		if (a.type & 0xc000)
			return say(why, whylen, "%s: attribute type 0x%04x has flag bits set", where, a.type);
		if (a.type > maxtype) {
			/* added by a later minor version: optional, skipped */
			pos += ALIGN4(HDRLEN + (size_t)a.len);
			continue;
		}
		if (a.type == 0 || rules[a.type].kind == XC_NLA_NONE)
			return say(why, whylen, "%s: unknown attribute type %u", where, a.type);
		r = &rules[a.type];
		if (tb[a.type].data && !r->multi)
			return say(why, whylen, "%s: attribute %u repeated", where, a.type);
		switch (r->kind) {
		case XC_NLA_U8:
		case XC_NLA_U16:
		case XC_NLA_U32:
		case XC_NLA_U64:
			if (a.len != fixed[r->kind])
				return say(why, whylen, "%s: attribute %u has %u bytes, expected %u",
					   where, a.type, a.len, fixed[r->kind]);
			break;
		case XC_NLA_STRING:
			if (!a.len || a.data[a.len - 1] != 0 || memchr(a.data, 0, a.len) != a.data + a.len - 1)
				return say(why, whylen, "%s: attribute %u is not a string", where, a.type);
			/* length bounds as for binary */
			__attribute__((fallthrough));
		case XC_NLA_BINARY:
			if (a.len < r->min || (r->max && a.len > r->max))
				return say(why, whylen, "%s: attribute %u has %u bytes, allowed %u..%u",
					   where, a.type, a.len, r->min, r->max);
			break;
		case XC_NLA_NESTED:
			break;
		}
		if (!tb[a.type].data)
			tb[a.type] = a;
		pos += ALIGN4(HDRLEN + (size_t)a.len);
	}
	return 0;
}

int xc_nla_next(const uint8_t *data, size_t len, size_t *pos, uint16_t type,
		struct xc_nla *out)
{
	struct xc_nla a;

	while (*pos < len) {
		if (header(data, len, *pos, &a))
			return 0;
		*pos += ALIGN4(HDRLEN + (size_t)a.len);
		if (a.type == type) {
			*out = a;
			return 1;
		}
	}
	return 0;
}

uint8_t xc_nla_u8(const struct xc_nla *a)
{
	return a->data[0];
}

uint16_t xc_nla_u16(const struct xc_nla *a)
{
	uint16_t v;

	memcpy(&v, a->data, 2);
	return v;
}

uint32_t xc_nla_u32(const struct xc_nla *a)
{
	uint32_t v;

	memcpy(&v, a->data, 4);
	return v;
}

uint64_t xc_nla_u64(const struct xc_nla *a)
{
	uint64_t v;

	memcpy(&v, a->data, 8);
	return v;
}
