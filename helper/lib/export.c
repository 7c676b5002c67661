// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Export: SA snapshots into a context. With the module, one EXPORT request
 * (optionally freezing first); without it, an XFRM_MSG_GETSA dump
 * translated into the same records.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <linux/xfrm.h>

#include "genl.h"
#include "nla.h"
#include "sa.h"
#include "xfrm_sa.h"

int xc_ctx_meta_once(struct xfrmctx_ctx *c, uint8_t source, int frozen)
{
	if (xfrmctx_ctx_count(c, XFRMCTX_REC_META))
		return 0;
	return xfrmctx_ctx_add_meta(c, source, frozen);
}

struct export_state {
	struct xfrmctx *h;
	struct xfrmctx_ctx *c;
	const struct xfrmctx_target *t;
	uint32_t count;
};

static int parse_export(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	const struct nlattr *tb[XFRM_CTX_A_MAX + 1];
	struct export_state *s = arg;
	int err;

	if (xc_parse(tb, XFRM_CTX_A_MAX, genlmsg_attrdata(nlmsg_data(nlh), 0),
		     genlmsg_attrlen(nlmsg_data(nlh), 0)) || !tb[XFRM_CTX_A_SA])
		return xc_fail(s->h, -EPROTO, "export reply without an SA");
	/* The record is the nest's payload, byte for byte. */
	err = xfrmctx_ctx_append(s->c, XFRMCTX_REC_SA,
				 XFRMCTX_REC_F_MANDATORY | XFRMCTX_REC_F_NESTED,
				 xc_data(tb[XFRM_CTX_A_SA]), xc_len(tb[XFRM_CTX_A_SA]));
	if (err)
		return err;
	s->count++;
	return 0;
}

static int id_complete(const struct xfrmctx_sa_id *id)
{
	return id && id->has_spi && id->has_proto;
}

static int export_module(struct xfrmctx *h, const struct xfrmctx_target *t,
			 uint32_t flags, uint32_t lease, struct export_state *s)
{
	int dump = !(t && id_complete(t->id) && !t->has_reqid);
	struct nl_msg *msg;
	int err;

	msg = xc_msg_new(h, XFRM_CTX_CMD_EXPORT, dump ? NLM_F_DUMP : 0);
	if (!msg)
		return -ENOMEM;
	err = xc_put_target(msg, t);
	if (!err && flags && nla_put_u32(msg, XFRM_CTX_A_FLAGS, flags) < 0)
		err = -EMSGSIZE;
	if (!err && lease && nla_put_u32(msg, XFRM_CTX_A_LEASE, lease) < 0)
		err = -EMSGSIZE;
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return xc_request(h, msg, parse_export, s);
}

int xc_sa_matches(const struct xfrmctx_sa *sa, const struct xfrmctx_target *t)
{
	const struct xfrmctx_sa_id *id = t ? t->id : NULL;
	size_t alen = xc_addr_len(sa->family);

	if (!t)
		return 1;
	if (t->has_reqid && sa->reqid != t->reqid)
		return 0;
	if (!id)
		return 1;
	if (id->family != sa->family || memcmp(&id->daddr, &sa->daddr, alen))
		return 0;
	if (id->has_spi && id->spi != sa->spi)
		return 0;
	if (id->has_proto && id->proto != sa->proto)
		return 0;
	if (id->has_saddr && memcmp(&id->saddr, &sa->saddr, alen))
		return 0;
	/* As the kernel looks SAs up: (mark & sa's mask) == sa's mark. */
	if (XFRMCTX_SA_HAS(sa, XFRM_CTX_SA_MARK)) {
		if (((id->has_mark ? id->mark : 0) & sa->mark_mask) != sa->mark)
			return 0;
	} else if (id->has_mark && id->mark) {
		return 0;
	}
	if (id->has_if_id && (!XFRMCTX_SA_HAS(sa, XFRM_CTX_SA_IF_ID) || sa->if_id != id->if_id))
		return 0;
	return 1;
}

static int parse_getsa(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct export_state *s = arg;
	struct xfrmctx_sa sa;
	struct xc_buf b;
	int err;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA)
		return 0;
	err = xc_sa_from_xfrm(nlh, time(NULL), &sa);
	if (err)
		return xc_fail(s->h, err, "malformed SA in the XFRM dump");
	if (!xc_sa_matches(&sa, s->t)) {
		explicit_bzero(&sa, sizeof(sa));
		return 0;
	}
	xc_buf_init(&b);
	err = xc_sa_encode(&sa, &b);
	if (!err)
		err = xfrmctx_ctx_append(s->c, XFRMCTX_REC_SA,
					 XFRMCTX_REC_F_MANDATORY | XFRMCTX_REC_F_NESTED,
					 b.data, b.len);
	xc_buf_free(&b);
	explicit_bzero(&sa, sizeof(sa));
	if (err)
		return err;
	s->count++;
	return 0;
}

static int export_xfrm(struct xfrmctx *h, struct export_state *s)
{
	struct nl_msg *msg = nlmsg_alloc_simple(XFRM_MSG_GETSA, NLM_F_DUMP);

	if (!msg)
		return -ENOMEM;
	return xc_xfrm_request(h, msg, parse_getsa, s);
}

int xfrmctx_export(struct xfrmctx *h, const struct xfrmctx_target *t,
		   uint32_t flags, uint32_t lease, struct xfrmctx_ctx *c,
		   uint32_t *count)
{
	struct export_state s = { .h = h, .c = c, .t = t };
	int module = xfrmctx_has_module(h);
	int err;

	h->errmsg[0] = '\0';
	if (count)
		*count = 0;
	if (!module && (flags & XFRM_CTX_F_FREEZE))
		return xc_need_module(h, "freeze");
	err = xc_ctx_meta_once(c, module ? XFRMCTX_SOURCE_MODULE : XFRMCTX_SOURCE_XFRM,
			       !!(flags & XFRM_CTX_F_FREEZE));
	if (err)
		return err;
	err = module ? export_module(h, t, flags, lease, &s) : export_xfrm(h, &s);
	if (count)
		*count = s.count;
	return err;
}
