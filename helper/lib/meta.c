// SPDX-License-Identifier: LGPL-2.1-or-later
/* The META record: when, where and by what path a context was written. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attr.h"
#include "context.h"
#include "nla.h"

#define XC_WRITER "libxfrmctx " XFRMCTX_VERSION

int xfrmctx_ctx_add_meta(struct xfrmctx_ctx *c, uint8_t source, int frozen)
{
	char host[65] = "";
	struct xc_buf b;
	int err;

	gethostname(host, sizeof(host) - 1);
	xc_buf_init(&b);
	xc_put_u64(&b, XFRMCTX_META_CREATED, (uint64_t)time(NULL));
	xc_put_str(&b, XFRMCTX_META_HOST, host);
	xc_put_str(&b, XFRMCTX_META_WRITER, XC_WRITER);
	xc_put_u8(&b, XFRMCTX_META_SOURCE, source);
	if (frozen)
		xc_put_flag(&b, XFRMCTX_META_FROZEN);
	err = b.failed ? -ENOMEM :
		xfrmctx_ctx_append(c, XFRMCTX_REC_META, XFRMCTX_REC_F_NESTED, b.data, b.len);
	xc_buf_free(&b);
	return err;
}

int xfrmctx_meta_decode(const void *data, size_t len, struct xfrmctx_meta *m)
{
	const struct nlattr *tb[XFRMCTX_META_MAX + 1];

	memset(m, 0, sizeof(*m));
	if (xc_parse(tb, XFRMCTX_META_MAX, data, len))
		return -EBADMSG;
	if (tb[XFRMCTX_META_CREATED] && xc_get_u64(tb[XFRMCTX_META_CREATED], &m->created))
		return -EBADMSG;
	if (tb[XFRMCTX_META_HOST])
		xc_get_str(tb[XFRMCTX_META_HOST], m->host, sizeof(m->host));
	if (tb[XFRMCTX_META_WRITER])
		xc_get_str(tb[XFRMCTX_META_WRITER], m->writer, sizeof(m->writer));
	if (tb[XFRMCTX_META_SOURCE] && xc_get_u8(tb[XFRMCTX_META_SOURCE], &m->source))
		return -EBADMSG;
	m->frozen = !!tb[XFRMCTX_META_FROZEN];
	return 0;
}
