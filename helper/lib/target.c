// SPDX-License-Identifier: LGPL-2.1-or-later
/* Naming SAs on the wire: the sa-id nest and the reqid. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "attr.h"
#include "genl.h"
#include "nla.h"
#include "sa.h"

int xc_put_sa_id(struct nl_msg *msg, int attr, const struct xfrmctx_sa_id *id)
{
	size_t alen = xc_addr_len(id->family);
	struct xc_buf b;
	int err;

	if (!alen)
		return -EAFNOSUPPORT;
	/* Built apart so the nest carries NLA_F_NESTED, as strict
	 * validation in the kernel wants. */
	xc_buf_init(&b);
	xc_put_u16(&b, XFRM_CTX_ID_FAMILY, id->family);
	xc_put(&b, XFRM_CTX_ID_DADDR, &id->daddr, alen);
	if (id->has_spi)
		xc_put_u32(&b, XFRM_CTX_ID_SPI, htonl(id->spi));
	if (id->has_proto)
		xc_put_u8(&b, XFRM_CTX_ID_PROTO, id->proto);
	if (id->has_mark) {
		xc_put_u32(&b, XFRM_CTX_ID_MARK, id->mark);
		xc_put_u32(&b, XFRM_CTX_ID_MARK_MASK, id->mark_mask);
	}
	if (id->has_if_id)
		xc_put_u32(&b, XFRM_CTX_ID_IF_ID, id->if_id);
	if (id->has_saddr)
		xc_put(&b, XFRM_CTX_ID_SADDR, &id->saddr, alen);
	err = b.failed ? -ENOMEM : nla_put(msg, attr | NLA_F_NESTED, b.len, b.data) < 0 ? -EMSGSIZE : 0;
	xc_buf_free(&b);
	return err;
}

int xc_get_sa_id(const struct nlattr *nest, struct xfrmctx_sa_id *id)
{
	const struct nlattr *tb[XFRM_CTX_ID_MAX + 1];
	size_t alen;
	uint32_t spi;

	memset(id, 0, sizeof(*id));
	if (xc_parse(tb, XFRM_CTX_ID_MAX, xc_data(nest), xc_len(nest)) ||
	    !tb[XFRM_CTX_ID_FAMILY] || xc_get_u16(tb[XFRM_CTX_ID_FAMILY], &id->family))
		return -EBADMSG;
	alen = xc_addr_len(id->family);
	if (!alen || !tb[XFRM_CTX_ID_DADDR] || xc_len(tb[XFRM_CTX_ID_DADDR]) != alen)
		return -EBADMSG;
	memcpy(&id->daddr, xc_data(tb[XFRM_CTX_ID_DADDR]), alen);
	if (tb[XFRM_CTX_ID_SADDR]) {
		if (xc_len(tb[XFRM_CTX_ID_SADDR]) != alen)
			return -EBADMSG;
		memcpy(&id->saddr, xc_data(tb[XFRM_CTX_ID_SADDR]), alen);
		id->has_saddr = 1;
	}
	if (tb[XFRM_CTX_ID_SPI]) {
		if (xc_get_u32(tb[XFRM_CTX_ID_SPI], &spi))
			return -EBADMSG;
		id->spi = ntohl(spi);
		id->has_spi = 1;
	}
	if (tb[XFRM_CTX_ID_PROTO]) {
		if (xc_get_u8(tb[XFRM_CTX_ID_PROTO], &id->proto))
			return -EBADMSG;
		id->has_proto = 1;
	}
	if (tb[XFRM_CTX_ID_MARK]) {
		if (xc_get_u32(tb[XFRM_CTX_ID_MARK], &id->mark))
			return -EBADMSG;
		id->mark_mask = 0xffffffff;
		if (tb[XFRM_CTX_ID_MARK_MASK] && xc_get_u32(tb[XFRM_CTX_ID_MARK_MASK], &id->mark_mask))
			return -EBADMSG;
		id->has_mark = 1;
	}
	if (tb[XFRM_CTX_ID_IF_ID]) {
		if (xc_get_u32(tb[XFRM_CTX_ID_IF_ID], &id->if_id))
			return -EBADMSG;
		id->has_if_id = 1;
	}
	return 0;
}

size_t xc_target_ids(const struct xfrmctx_target *t)
{
	if (!t || !t->id)
		return 0;
	return t->n_ids ? t->n_ids : 1;
}

int xc_put_target(struct nl_msg *msg, const struct xfrmctx_target *t)
{
	size_t i;
	int err;

	for (i = 0; i < xc_target_ids(t); i++) {
		err = xc_put_sa_id(msg, XFRM_CTX_A_SA_ID, &t->id[i]);
		if (err)
			return err;
	}
	if (t && t->has_reqid && nla_put_u32(msg, XFRM_CTX_A_REQID, t->reqid) < 0)
		return -EMSGSIZE;
	return 0;
}
