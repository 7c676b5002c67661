/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal: a growable byte buffer that writes netlink attributes (struct
 * nlattr, 4-byte aligned), used for context records and for the SA and
 * policy nests, independently of any socket.
 */
#ifndef XC_ATTR_H
#define XC_ATTR_H

#include <stddef.h>
#include <stdint.h>

struct xc_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	int failed;	/* an allocation failed: the buffer is unusable */
};

void xc_buf_init(struct xc_buf *b);
void xc_buf_free(struct xc_buf *b);
/* Room for n more bytes; 0 or -ENOMEM (and b->failed set). */
int xc_buf_reserve(struct xc_buf *b, size_t n);
int xc_buf_put(struct xc_buf *b, const void *p, size_t n);

/* Attributes; each returns 0 or a negative errno (-EMSGSIZE if the payload
 * does not fit the 16-bit length of an attribute). */
int xc_put(struct xc_buf *b, uint16_t type, const void *p, size_t n);
int xc_put_u8(struct xc_buf *b, uint16_t type, uint8_t v);
int xc_put_u16(struct xc_buf *b, uint16_t type, uint16_t v);
int xc_put_u32(struct xc_buf *b, uint16_t type, uint32_t v);
int xc_put_u64(struct xc_buf *b, uint16_t type, uint64_t v);
int xc_put_str(struct xc_buf *b, uint16_t type, const char *s);
int xc_put_flag(struct xc_buf *b, uint16_t type);

/* A nest: start returns its offset (or a negative errno), end fixes its
 * length (-EMSGSIZE if it outgrew 64 KiB). NLA_F_NESTED is set. */
long xc_nest_start(struct xc_buf *b, uint16_t type);
int xc_nest_end(struct xc_buf *b, long start);

#define XC_ALIGN4(n) (((n) + 3u) & ~(size_t)3u)

#endif
