/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal: reading netlink attributes out of plain memory, with checked
 * lengths (the payloads come from files, which are not trusted). */
#ifndef XC_NLA_H
#define XC_NLA_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <linux/netlink.h>

/* Fill tb[0..max] with the attributes of data (later ones win); -EBADMSG
 * if an attribute runs past the end. Types above max are ignored. data
 * need not be aligned: headers are read with memcpy, never dereferenced. */
int xc_parse(const struct nlattr **tb, int max, const void *data, size_t len);

static inline const void *xc_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static inline struct nlattr xc_hdr(const struct nlattr *a)
{
	struct nlattr h;

	memcpy(&h, a, sizeof(h));
	return h;
}

static inline size_t xc_len(const struct nlattr *a)
{
	return xc_hdr(a).nla_len - NLA_HDRLEN;
}

/* Scalar getters: 0, or -EBADMSG when the payload is too short. */
int xc_get_u8(const struct nlattr *a, uint8_t *v);
int xc_get_u16(const struct nlattr *a, uint16_t *v);
int xc_get_u32(const struct nlattr *a, uint32_t *v);
int xc_get_u64(const struct nlattr *a, uint64_t *v);
/* A NUL-terminated copy (truncated to n - 1). */
void xc_get_str(const struct nlattr *a, char *s, size_t n);

#endif
