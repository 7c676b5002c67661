// SPDX-License-Identifier: LGPL-2.1-or-later
/* Netlink attributes into a plain growable buffer (see attr.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netlink.h>

#include "attr.h"

void xc_buf_init(struct xc_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void xc_buf_free(struct xc_buf *b)
{
	if (b->data)
		explicit_bzero(b->data, b->cap);	/* buffers hold keys */
	free(b->data);
	xc_buf_init(b);
}

int xc_buf_reserve(struct xc_buf *b, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (b->failed)
		return -ENOMEM;
	if (b->len + n <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n)
		cap *= 2;
	/* Not realloc: the old block may hold key material; wipe it. */
	p = malloc(cap);
	if (!p) {
		b->failed = 1;
		return -ENOMEM;
	}
	if (b->data) {
		memcpy(p, b->data, b->len);
		explicit_bzero(b->data, b->cap);
		free(b->data);
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

int xc_buf_put(struct xc_buf *b, const void *p, size_t n)
{
	int err = xc_buf_reserve(b, n);

	if (err)
		return err;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int xc_put(struct xc_buf *b, uint16_t type, const void *p, size_t n)
{
	struct nlattr nla;
	size_t pad = XC_ALIGN4(n) - n;
	int err;

	if (n > 0xffff - NLA_HDRLEN)
		return -EMSGSIZE;
	err = xc_buf_reserve(b, NLA_HDRLEN + XC_ALIGN4(n));
	if (err)
		return err;
	nla.nla_len = NLA_HDRLEN + n;
	nla.nla_type = type;
	memcpy(b->data + b->len, &nla, sizeof(nla));
	b->len += NLA_HDRLEN;
	if (n)
		memcpy(b->data + b->len, p, n);
	memset(b->data + b->len + n, 0, pad);
	b->len += n + pad;
	return 0;
}

int xc_put_u8(struct xc_buf *b, uint16_t type, uint8_t v)
{
	return xc_put(b, type, &v, sizeof(v));
}

int xc_put_u16(struct xc_buf *b, uint16_t type, uint16_t v)
{
	return xc_put(b, type, &v, sizeof(v));
}

int xc_put_u32(struct xc_buf *b, uint16_t type, uint32_t v)
{
	return xc_put(b, type, &v, sizeof(v));
}

int xc_put_u64(struct xc_buf *b, uint16_t type, uint64_t v)
{
	return xc_put(b, type, &v, sizeof(v));
}

int xc_put_str(struct xc_buf *b, uint16_t type, const char *s)
{
	return xc_put(b, type, s, strlen(s) + 1);
}

int xc_put_flag(struct xc_buf *b, uint16_t type)
{
	return xc_put(b, type, NULL, 0);
}

long xc_nest_start(struct xc_buf *b, uint16_t type)
{
	long start = (long)b->len;
	int err = xc_put(b, type | NLA_F_NESTED, NULL, 0);

	return err ? err : start;
}

int xc_nest_end(struct xc_buf *b, long start)
{
	struct nlattr nla;
	size_t len;

	if (b->failed)
		return -ENOMEM;
	len = b->len - (size_t)start;
	if (len > 0xffff)
		return -EMSGSIZE;
	memcpy(&nla, b->data + start, sizeof(nla));
	nla.nla_len = len;
	memcpy(b->data + start, &nla, sizeof(nla));
	return 0;
}
