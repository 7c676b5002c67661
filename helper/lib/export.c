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

/* A dump message carries one SA; a doit reply all the SAs it names. */
static int parse_export(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct export_state *s = arg;
	uint32_t before = s->count;
	struct nlattr *a;
	int rem, err;

	nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlh), 0),
			  genlmsg_attrlen(nlmsg_data(nlh), 0), rem) {
		if (nla_type(a) != XFRM_CTX_A_SA)
			continue;
		/* The record is the nest's payload, byte for byte. */
		err = xfrmctx_ctx_append(s->c, XFRMCTX_REC_SA,
					 XFRMCTX_REC_F_MANDATORY | XFRMCTX_REC_F_NESTED,
					 nla_data(a), nla_len(a));
		if (err)
			return err;
		s->count++;
	}
	if (s->count == before)
		return xc_fail(s->h, -EPROTO, "export reply without an SA");
	return 0;
}

static int id_complete(const struct xfrmctx_sa_id *id)
{
	return id && id->has_spi && id->has_proto;
}

static int ids_complete(const struct xfrmctx_target *t)
{
	size_t i, n = xc_target_ids(t);

	for (i = 0; i < n; i++)
		if (!id_complete(&t->id[i]))
			return 0;
	return n > 0;
}

static int export_request(struct xfrmctx *h, const struct xfrmctx_target *t, int dump,
			  uint32_t flags, uint32_t lease, struct export_state *s)
{
	struct nl_msg *msg;
	int err;

	msg = xc_msg_new_size(h, XFRM_CTX_CMD_EXPORT, dump ? NLM_F_DUMP : 0,
			      4096 + 80 * xc_target_ids(t));
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

static int export_module(struct xfrmctx *h, const struct xfrmctx_target *t,
			 uint32_t flags, uint32_t lease, struct export_state *s)
{
	int dump = !(t && ids_complete(t) && !t->has_reqid);
	int err;

	/* A dump filters by at most one (partial) id. */
	if (dump && xc_target_ids(t) > 1)
		return xc_fail(h, -EINVAL, "several SA ids must each name proto and spi");
	if (xc_target_ids(t) > XFRM_CTX_MAX_IMPORT_SAS)
		return xc_fail(h, -E2BIG, "export takes at most %u SA ids at once",
			       XFRM_CTX_MAX_IMPORT_SAS);
	if (!dump)
		return export_request(h, t, 0, flags, lease, s);
	/*
	 * A reqid alone is asked for as a doit first: a tunnel's handful of
	 * SAs come back in one message, one kernel round trip less than a
	 * dump's NLMSG_DONE, on the hand-over's critical path when the export
	 * freezes. The module refuses, before freezing anything, a reqid
	 * whose SAs do not fit one reply (E2BIG) or that has none (ESRCH,
	 * where a dump answers an empty list): those are dumped.
	 */
	if (t && t->has_reqid && !xc_target_ids(t)) {
		err = export_request(h, t, 0, flags, lease, s);
		if (err != -E2BIG && err != -ESRCH)
			return err;
		h->errmsg[0] = '\0';
	}
	return export_request(h, t, 1, flags, lease, s);
}

static int sa_matches_id(const struct xfrmctx_sa *sa, const struct xfrmctx_sa_id *id);

/* Does sa belong to what t names (any of its ids)? */
int xc_sa_matches(const struct xfrmctx_sa *sa, const struct xfrmctx_target *t)
{
	size_t i;

	if (!t)
		return 1;
	if (t->has_reqid && sa->reqid != t->reqid)
		return 0;
	if (!t->id)
		return 1;
	for (i = 0; i < xc_target_ids(t); i++)
		if (sa_matches_id(sa, &t->id[i]))
			return 1;
	return 0;
}

static int sa_matches_id(const struct xfrmctx_sa *sa, const struct xfrmctx_sa_id *id)
{
	size_t alen = xc_addr_len(sa->family);

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
	time_t now = time(NULL);
	struct xc_buf b;
	int err;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA)
		return 0;
	err = xc_sa_from_xfrm(nlh, now, &sa);
	if (err)
		return xc_fail(s->h, err, "malformed SA in the XFRM dump");
	if (!xc_sa_matches(&sa, s->t)) {
		explicit_bzero(&sa, sizeof(sa));
		return 0;
	}
	xc_buf_init(&b);
	err = xc_sa_encode_at(&sa, (uint64_t)now, &b);
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
