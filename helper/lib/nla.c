// SPDX-License-Identifier: LGPL-2.1-or-later
/* Checked reading of netlink attributes (see nla.h). */
#include <errno.h>

#include "nla.h"

int xc_parse(const struct nlattr **tb, int max, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t off = 0;

	memset(tb, 0, sizeof(*tb) * (max + 1));
	while (off + NLA_HDRLEN <= len) {
		const struct nlattr *a = (const struct nlattr *)(p + off);
		struct nlattr h = xc_hdr(a);
		int type = h.nla_type & NLA_TYPE_MASK;

		if (h.nla_len < NLA_HDRLEN || h.nla_len > len - off)
			return -EBADMSG;
		if (type <= max)
			tb[type] = a;
		off += NLA_ALIGN(h.nla_len);
	}
	return 0;
}

#define XC_GETTER(name, type)						\
int name(const struct nlattr *a, type *v)				\
{									\
	if (xc_len(a) < sizeof(*v))					\
		return -EBADMSG;					\
	memcpy(v, xc_data(a), sizeof(*v));				\
	return 0;							\
}
XC_GETTER(xc_get_u8, uint8_t)
XC_GETTER(xc_get_u16, uint16_t)
XC_GETTER(xc_get_u32, uint32_t)
XC_GETTER(xc_get_u64, uint64_t)

void xc_get_str(const struct nlattr *a, char *s, size_t n)
{
	size_t len = xc_len(a);

	if (len >= n)
		len = n - 1;
	memcpy(s, xc_data(a), len);
	s[len] = '\0';
	s[strnlen(s, len)] = '\0';
}
