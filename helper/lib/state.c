// SPDX-License-Identifier: LGPL-2.1-or-later
/* The module's commands on live SAs: freeze, thaw, release, list-frozen. */
#include <errno.h>
#include <string.h>

#include "genl.h"
#include "nla.h"

static int parse_count(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	const struct nlattr *tb[XFRM_CTX_A_MAX + 1];
	uint32_t *count = arg;

	if (xc_parse(tb, XFRM_CTX_A_MAX, genlmsg_attrdata(nlmsg_data(nlh), 0),
		     genlmsg_attrlen(nlmsg_data(nlh), 0)))
		return -EPROTO;
	if (tb[XFRM_CTX_A_COUNT] && count)
		xc_get_u32(tb[XFRM_CTX_A_COUNT], count);
	return 0;
}

/* The id xor reqid rule of freeze, thaw and release, checked here so the
 * message names the API rather than an attribute. */
static int check_one_target(struct xfrmctx *h, const struct xfrmctx_target *t, const char *what)
{
	if (!t || (!t->id && !t->has_reqid))
		return xc_fail(h, -EINVAL, "%s needs an SA id or a reqid", what);
	if (t->id && t->has_reqid)
		return xc_fail(h, -EINVAL, "%s takes an SA id or a reqid, not both", what);
	if (xc_target_ids(t) > XFRM_CTX_MAX_IMPORT_SAS)
		return xc_fail(h, -E2BIG, "%s takes at most %u SA ids at once", what,
			       XFRM_CTX_MAX_IMPORT_SAS);
	return 0;
}

static int simple_cmd(struct xfrmctx *h, uint8_t cmd, const char *what,
		      const struct xfrmctx_target *t, uint32_t lease, uint32_t flags,
		      uint32_t *count)
{
	struct nl_msg *msg;
	uint32_t n = 0;
	int err;

	h->errmsg[0] = '\0';
	err = xc_need_module(h, what);
	if (!err)
		err = check_one_target(h, t, what);
	if (err)
		return err;
	/* an sa-id nest takes at most 80 bytes */
	msg = xc_msg_new_size(h, cmd, 0, 4096 + 80 * xc_target_ids(t));
	if (!msg)
		return -ENOMEM;
	err = xc_put_target(msg, t);
	if (!err && lease && nla_put_u32(msg, XFRM_CTX_A_LEASE, lease) < 0)
		err = -EMSGSIZE;
	if (!err && flags && nla_put_u32(msg, XFRM_CTX_A_FLAGS, flags) < 0)
		err = -EMSGSIZE;
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	err = xc_request(h, msg, parse_count, &n);
	if (count)
		*count = n;
	return err;
}

int xfrmctx_freeze(struct xfrmctx *h, const struct xfrmctx_target *t,
		   uint32_t lease, uint32_t flags, uint32_t *count)
{
	return simple_cmd(h, XFRM_CTX_CMD_FREEZE, "freeze", t, lease, flags, count);
}

int xfrmctx_thaw(struct xfrmctx *h, const struct xfrmctx_target *t, uint32_t *count)
{
	return simple_cmd(h, XFRM_CTX_CMD_THAW, "thaw", t, 0, 0, count);
}

int xfrmctx_release(struct xfrmctx *h, const struct xfrmctx_target *t, uint32_t *count)
{
	return simple_cmd(h, XFRM_CTX_CMD_RELEASE, "release", t, 0, 0, count);
}

/* A FROZEN nest, as list-frozen and events carry it. */
int xc_get_frozen(const struct nlattr *nest, struct xfrmctx_frozen *f)
{
	const struct nlattr *tb[XFRM_CTX_FROZEN_MAX + 1];

	memset(f, 0, sizeof(*f));
	if (xc_parse(tb, XFRM_CTX_FROZEN_MAX, xc_data(nest), xc_len(nest)) ||
	    !tb[XFRM_CTX_FROZEN_SA_ID] || xc_get_sa_id(tb[XFRM_CTX_FROZEN_SA_ID], &f->id))
		return -EBADMSG;
	if (tb[XFRM_CTX_FROZEN_REQID]) {
		if (xc_get_u32(tb[XFRM_CTX_FROZEN_REQID], &f->reqid))
			return -EBADMSG;
		f->has_reqid = 1;
	}
	if ((tb[XFRM_CTX_FROZEN_LEASE_LEFT_MS] &&
	     xc_get_u32(tb[XFRM_CTX_FROZEN_LEASE_LEFT_MS], &f->lease_left_ms)) ||
	    (tb[XFRM_CTX_FROZEN_FROZEN_MS] && xc_get_u64(tb[XFRM_CTX_FROZEN_FROZEN_MS], &f->frozen_ms)))
		return -EBADMSG;
	if (tb[XFRM_CTX_FROZEN_DROPS_IN] || tb[XFRM_CTX_FROZEN_DROPS_OUT]) {
		if ((tb[XFRM_CTX_FROZEN_DROPS_IN] &&
		     xc_get_u64(tb[XFRM_CTX_FROZEN_DROPS_IN], &f->drops_in)) ||
		    (tb[XFRM_CTX_FROZEN_DROPS_OUT] &&
		     xc_get_u64(tb[XFRM_CTX_FROZEN_DROPS_OUT], &f->drops_out)))
			return -EBADMSG;
		f->has_drops = 1;
	}
	f->staged = !!tb[XFRM_CTX_FROZEN_STAGED];
	f->exported = !!tb[XFRM_CTX_FROZEN_EXPORTED];
	return 0;
}

struct frozen_walk {
	int (*cb)(const struct xfrmctx_frozen *f, void *arg);
	void *arg;
	int stop;
};

static int parse_frozen(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	const struct nlattr *tb[XFRM_CTX_A_MAX + 1];
	struct frozen_walk *w = arg;
	struct xfrmctx_frozen f;

	if (w->stop)
		return 0;
	if (xc_parse(tb, XFRM_CTX_A_MAX, genlmsg_attrdata(nlmsg_data(nlh), 0),
		     genlmsg_attrlen(nlmsg_data(nlh), 0)) || !tb[XFRM_CTX_A_FROZEN] ||
	    xc_get_frozen(tb[XFRM_CTX_A_FROZEN], &f))
		return -EPROTO;
	w->stop = w->cb(&f, w->arg);
	return 0;
}

int xfrmctx_list_frozen(struct xfrmctx *h, const struct xfrmctx_target *t,
			int (*cb)(const struct xfrmctx_frozen *f, void *arg), void *arg)
{
	struct frozen_walk w = { .cb = cb, .arg = arg };
	int dump = !t || !t->id;
	struct nl_msg *msg;
	int err;

	h->errmsg[0] = '\0';
	err = xc_need_module(h, "list-frozen");
	if (err)
		return err;
	msg = xc_msg_new(h, XFRM_CTX_CMD_LIST_FROZEN, dump ? NLM_F_DUMP : 0);
	if (!msg)
		return -ENOMEM;
	err = xc_put_target(msg, t);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	err = xc_request(h, msg, parse_frozen, &w);
	return err ? err : w.stop;
}
