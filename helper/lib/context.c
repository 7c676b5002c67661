// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The context container: a header, netlink-attribute records and a SHA-256
 * over both. Building, serializing, parsing and walking it; files are in
 * ctxfile.c.
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netlink.h>
#include <openssl/evp.h>

#include "context.h"

/* Record types this reader understands. A mandatory record of any other
 * type makes the file unreadable; an optional one is kept and skipped. */
static const uint16_t known_types[] = {
	XFRMCTX_REC_META,
	XFRMCTX_REC_SA,
	XFRMCTX_REC_POLICY,
	XFRMCTX_REC_IKE_SA,
	XFRMCTX_REC_IKE_RECORDER,
	XFRMCTX_REC_SA_RATE,
};

int xfrmctx_record_type_known(uint16_t type)
{
	size_t i;

	for (i = 0; i < sizeof(known_types) / sizeof(known_types[0]); i++)
		if (known_types[i] == type)
			return 1;
	return 0;
}

static uint8_t host_order(void)
{
	return __BYTE_ORDER == __LITTLE_ENDIAN ? XC_CTX_ORDER_LE : XC_CTX_ORDER_BE;
}

static const char *order_name(uint8_t o)
{
	return o == XC_CTX_ORDER_LE ? "little-endian" : "big-endian";
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

struct xfrmctx_ctx *xfrmctx_ctx_new(void)
{
	struct xfrmctx_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	xc_buf_init(&c->recs);
	c->major = XFRMCTX_FORMAT_MAJOR;
	c->minor = XFRMCTX_FORMAT_MINOR;
	return c;
}

void xfrmctx_ctx_free(struct xfrmctx_ctx *c)
{
	if (!c)
		return;
	xc_buf_free(&c->recs);
	free(c);
}

void xfrmctx_ctx_version(const struct xfrmctx_ctx *c, unsigned int *major, unsigned int *minor)
{
	*major = c->major;
	*minor = c->minor;
}

int xfrmctx_ctx_append(struct xfrmctx_ctx *c, uint16_t type, uint16_t flags,
		       const void *data, size_t len)
{
	if (!type || (type & ~XFRMCTX_REC_TYPE_MASK))
		return -EINVAL;
	if (flags & ~(XFRMCTX_REC_F_MANDATORY | XFRMCTX_REC_F_NESTED))
		return -EINVAL;
	if (len > XFRMCTX_REC_MAX_LEN)
		return -EMSGSIZE;
	return xc_put(&c->recs, type | flags, data, len);
}

int xfrmctx_ctx_next(const struct xfrmctx_ctx *c, struct xfrmctx_record *r)
{
	struct nlattr nla;
	size_t off = r->next;

	/* The area was validated when it was built or parsed. */
	if (off + NLA_HDRLEN > c->recs.len)
		return 0;
	memcpy(&nla, c->recs.data + off, sizeof(nla));
	r->type = nla.nla_type & XFRMCTX_REC_TYPE_MASK;
	r->flags = nla.nla_type & (XFRMCTX_REC_F_MANDATORY | XFRMCTX_REC_F_NESTED);
	r->len = nla.nla_len - NLA_HDRLEN;
	r->data = c->recs.data + off + NLA_HDRLEN;
	r->offset = XC_CTX_HDR_LEN + off;
	r->next = off + XC_ALIGN4(nla.nla_len);
	return 1;
}

size_t xfrmctx_ctx_count(const struct xfrmctx_ctx *c, uint16_t type)
{
	struct xfrmctx_record r = { 0 };
	size_t n = 0;

	while (xfrmctx_ctx_next(c, &r) > 0)
		if (r.type == type)
			n++;
	return n;
}

static int sha256(const void *p, size_t n, uint8_t out[XC_CTX_SUM_LEN])
{
	unsigned int len = 0;

	if (!EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) || len != XC_CTX_SUM_LEN)
		return -EIO;
	return 0;
}

int xc_ctx_serialize(const struct xfrmctx_ctx *c, struct xc_buf *out)
{
	uint8_t hdr[XC_CTX_HDR_LEN] = { 0 };
	uint8_t sum[XC_CTX_SUM_LEN];
	uint32_t area = c->recs.len;
	int err;

	if (c->recs.len > XC_CTX_MAX_FILE)
		return -EFBIG;
	memcpy(hdr, XC_CTX_MAGIC, XC_CTX_MAGIC_LEN);
	hdr[8] = XFRMCTX_FORMAT_MAJOR;
	hdr[9] = XFRMCTX_FORMAT_MINOR;
	hdr[10] = host_order();
	hdr[11] = 0;
	memcpy(hdr + 12, &area, sizeof(area));
	xc_buf_init(out);
	err = xc_buf_reserve(out, sizeof(hdr) + area + sizeof(sum));
	if (err)
		return err;
	xc_buf_put(out, hdr, sizeof(hdr));
	xc_buf_put(out, c->recs.data, area);
	err = sha256(out->data, out->len, sum);
	if (err) {
		xc_buf_free(out);
		return err;
	}
	xc_buf_put(out, sum, sizeof(sum));
	return 0;
}

int xfrmctx_ctx_to_buf(const struct xfrmctx_ctx *c, void **buf, size_t *len)
{
	struct xc_buf out;
	int err = xc_ctx_serialize(c, &out);

	if (err)
		return err;
	*buf = out.data;
	*len = out.len;
	return 0;
}

/* Every record must lie inside the area, have a sane header, and be known
 * if it is mandatory. */
static int check_records(const uint8_t *area, size_t len, char *err, size_t errlen)
{
	size_t off = 0;

	while (off < len) {
		struct nlattr nla;
		uint16_t type;

		if (len - off < NLA_HDRLEN) {
			seterr(err, errlen, "corrupt record at offset %zu: %zu stray bytes",
			       XC_CTX_HDR_LEN + off, len - off);
			return -EBADMSG;
		}
		memcpy(&nla, area + off, sizeof(nla));
		if (nla.nla_len < NLA_HDRLEN || XC_ALIGN4(nla.nla_len) > len - off) {
			seterr(err, errlen, "corrupt record at offset %zu: length %u",
			       XC_CTX_HDR_LEN + off, nla.nla_len);
			return -EBADMSG;
		}
		type = nla.nla_type & XFRMCTX_REC_TYPE_MASK;
		if (nla.nla_type & NLA_F_NET_BYTEORDER) {
			seterr(err, errlen, "corrupt record at offset %zu: reserved bit 0x4000 set",
			       XC_CTX_HDR_LEN + off);
			return -EBADMSG;
		}
		if ((nla.nla_type & XFRMCTX_REC_F_MANDATORY) && !xfrmctx_record_type_known(type)) {
			seterr(err, errlen,
			       "record type %u at offset %zu is mandatory but unknown to this reader (format %u.%u); a newer xfrmctx wrote it",
			       type, XC_CTX_HDR_LEN + off, XFRMCTX_FORMAT_MAJOR, XFRMCTX_FORMAT_MINOR);
			return -EPROTONOSUPPORT;
		}
		off += XC_ALIGN4(nla.nla_len);
	}
	return 0;
}

int xfrmctx_ctx_from_buf(const void *buf, size_t len, struct xfrmctx_ctx **cp,
			 char *err, size_t errlen)
{
	const uint8_t *p = buf;
	uint8_t sum[XC_CTX_SUM_LEN];
	struct xfrmctx_ctx *c;
	uint32_t area;
	int ret;

	*cp = NULL;
	if (memcmp(p, XC_CTX_MAGIC, len < XC_CTX_MAGIC_LEN ? len : XC_CTX_MAGIC_LEN) || !len) {
		seterr(err, errlen, "not an xfrm-ctx context file (wrong magic)");
		return -EBADMSG;
	}
	if (len < XC_CTX_HDR_LEN + XC_CTX_SUM_LEN) {
		seterr(err, errlen, "truncated: %zu bytes, a context file has at least %u",
		       len, XC_CTX_HDR_LEN + XC_CTX_SUM_LEN);
		return -EBADMSG;
	}
	if (p[10] != XC_CTX_ORDER_LE && p[10] != XC_CTX_ORDER_BE) {
		seterr(err, errlen, "corrupt header: unknown byte order %u", p[10]);
		return -EBADMSG;
	}
	if (p[8] != XFRMCTX_FORMAT_MAJOR) {
		seterr(err, errlen, "unsupported format version %u.%u (this reader knows %u.x)",
		       p[8], p[9], XFRMCTX_FORMAT_MAJOR);
		return -EPROTONOSUPPORT;
	}
	if (p[10] != host_order()) {
		seterr(err, errlen, "written on a %s host, this host is %s",
		       order_name(p[10]), order_name(host_order()));
		return -EPROTONOSUPPORT;
	}
	memcpy(&area, p + 12, sizeof(area));
	if ((size_t)area + XC_CTX_HDR_LEN + XC_CTX_SUM_LEN > len) {
		seterr(err, errlen, "truncated: the header announces %u bytes of records, the file holds %zu",
		       area, len - XC_CTX_HDR_LEN - XC_CTX_SUM_LEN);
		return -EBADMSG;
	}
	if ((size_t)area + XC_CTX_HDR_LEN + XC_CTX_SUM_LEN < len) {
		seterr(err, errlen, "corrupt: %zu unexpected bytes after the checksum",
		       len - area - XC_CTX_HDR_LEN - XC_CTX_SUM_LEN);
		return -EBADMSG;
	}
	if (sha256(p, XC_CTX_HDR_LEN + area, sum) < 0) {
		seterr(err, errlen, "cannot compute SHA-256 (libcrypto)");
		return -EIO;
	}
	if (memcmp(sum, p + XC_CTX_HDR_LEN + area, XC_CTX_SUM_LEN)) {
		seterr(err, errlen, "checksum mismatch: the file is corrupt");
		return -EBADMSG;
	}
	ret = check_records(p + XC_CTX_HDR_LEN, area, err, errlen);
	if (ret)
		return ret;

	c = xfrmctx_ctx_new();
	if (!c || xc_buf_put(&c->recs, p + XC_CTX_HDR_LEN, area)) {
		xfrmctx_ctx_free(c);
		seterr(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->major = p[8];
	c->minor = p[9];
	*cp = c;
	return 0;
}
