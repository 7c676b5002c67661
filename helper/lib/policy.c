// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Policies (SPD entries) through the standard XFRM netlink: the in, out and
 * fwd policies whose templates name a tunnel's reqid, as POLICY records.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/xfrm.h>

#include "attr.h"
#include "genl.h"
#include "nla.h"

/* ---- records ---- */

static int policy_encode(const struct xfrmctx_policy *p, struct xc_buf *b)
{
	xc_put(b, XFRMCTX_POL_INFO, &p->info, sizeof(p->info));
	if (p->n_tmpl)
		xc_put(b, XFRMCTX_POL_TMPL, p->tmpl, p->n_tmpl * sizeof(p->tmpl[0]));
	if (p->has_mark) {
		xc_put_u32(b, XFRMCTX_POL_MARK, p->mark);
		xc_put_u32(b, XFRMCTX_POL_MARK_MASK, p->mark_mask);
	}
	if (p->has_if_id)
		xc_put_u32(b, XFRMCTX_POL_IF_ID, p->if_id);
	if (p->type != XFRM_POLICY_TYPE_MAIN)
		xc_put_u8(b, XFRMCTX_POL_TYPE, p->type);
	return b->failed ? -ENOMEM : 0;
}

int xfrmctx_policy_decode(const void *data, size_t len, struct xfrmctx_policy *p,
			  char *err, size_t errlen)
{
	const struct nlattr *tb[XFRMCTX_POL_MAX + 1];
	const struct nlattr *a;

	memset(p, 0, sizeof(*p));
	if (xc_parse(tb, XFRMCTX_POL_MAX, data, len)) {
		snprintf(err, errlen, "malformed policy record: an attribute runs past the end");
		return -EBADMSG;
	}
	a = tb[XFRMCTX_POL_INFO];
	if (!a || xc_len(a) != sizeof(p->info)) {
		snprintf(err, errlen, "malformed policy record: no policy info");
		return -EBADMSG;
	}
	memcpy(&p->info, xc_data(a), sizeof(p->info));
	if (p->info.dir > XFRM_POLICY_FWD) {
		snprintf(err, errlen, "malformed policy record: direction %u", p->info.dir);
		return -EBADMSG;
	}
	a = tb[XFRMCTX_POL_TMPL];
	if (a) {
		if (xc_len(a) % sizeof(p->tmpl[0]) || xc_len(a) > sizeof(p->tmpl)) {
			snprintf(err, errlen, "malformed policy record: templates");
			return -EBADMSG;
		}
		p->n_tmpl = xc_len(a) / sizeof(p->tmpl[0]);
		memcpy(p->tmpl, xc_data(a), xc_len(a));
	}
	if (tb[XFRMCTX_POL_MARK]) {
		p->mark_mask = 0xffffffff;
		if (xc_get_u32(tb[XFRMCTX_POL_MARK], &p->mark) ||
		    (tb[XFRMCTX_POL_MARK_MASK] && xc_get_u32(tb[XFRMCTX_POL_MARK_MASK], &p->mark_mask))) {
			snprintf(err, errlen, "malformed policy record: mark");
			return -EBADMSG;
		}
		p->has_mark = 1;
	}
	if (tb[XFRMCTX_POL_IF_ID]) {
		if (xc_get_u32(tb[XFRMCTX_POL_IF_ID], &p->if_id)) {
			snprintf(err, errlen, "malformed policy record: if_id");
			return -EBADMSG;
		}
		p->has_if_id = 1;
	}
	if (tb[XFRMCTX_POL_TYPE] && xc_get_u8(tb[XFRMCTX_POL_TYPE], &p->type)) {
		snprintf(err, errlen, "malformed policy record: type");
		return -EBADMSG;
	}
	return 0;
}

/* ---- XFRM netlink ---- */

static int policy_from_xfrm(const struct nlmsghdr *nlh, struct xfrmctx_policy *p)
{
	const struct xfrm_userpolicy_info *info = NLMSG_DATA(nlh);
	const struct nlattr *tb[XFRMA_MAX + 1];
	size_t hdr = NLMSG_ALIGN(sizeof(*info));
	const struct nlattr *a;

	memset(p, 0, sizeof(*p));
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*info)) ||
	    xc_parse(tb, XFRMA_MAX, (const char *)info + hdr,
		     nlh->nlmsg_len > NLMSG_LENGTH(hdr) ? nlh->nlmsg_len - NLMSG_LENGTH(hdr) : 0))
		return -EBADMSG;
	p->info = *info;
	if ((a = tb[XFRMA_TMPL])) {
		p->n_tmpl = xc_len(a) / sizeof(p->tmpl[0]);
		if (p->n_tmpl > XFRMCTX_MAX_TMPL)
			return -EBADMSG;
		memcpy(p->tmpl, xc_data(a), p->n_tmpl * sizeof(p->tmpl[0]));
	}
	if ((a = tb[XFRMA_MARK])) {
		const struct xfrm_mark *m = xc_data(a);

		if (xc_len(a) < sizeof(*m))
			return -EBADMSG;
		p->mark = m->v;
		p->mark_mask = m->m;
		p->has_mark = 1;
	}
	if ((a = tb[XFRMA_IF_ID])) {
		if (xc_get_u32(a, &p->if_id))
			return -EBADMSG;
		p->has_if_id = 1;
	}
	if ((a = tb[XFRMA_POLICY_TYPE])) {
		const struct xfrm_userpolicy_type *t = xc_data(a);

		if (xc_len(a) < sizeof(*t))
			return -EBADMSG;
		p->type = t->type;
	}
	return 0;
}

static int policy_has_reqid(const struct xfrmctx_policy *p, uint32_t reqid)
{
	unsigned int i;

	for (i = 0; i < p->n_tmpl; i++)
		if (p->tmpl[i].reqid == reqid)
			return 1;
	return 0;
}

struct pol_export {
	struct xfrmctx *h;
	struct xfrmctx_ctx *c;
	const struct xfrmctx_target *t;
	uint32_t count;
};

static int parse_getpolicy(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct pol_export *s = arg;
	struct xfrmctx_policy p;
	struct xc_buf b;
	int err;

	if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY)
		return 0;
	if (policy_from_xfrm(nlh, &p))
		return xc_fail(s->h, -EBADMSG, "malformed policy in the XFRM dump");
	/* Socket policies (dir 3 and up) belong to their sockets. */
	if (p.info.dir > XFRM_POLICY_FWD)
		return 0;
	if (s->t && s->t->has_reqid && !policy_has_reqid(&p, s->t->reqid))
		return 0;
	/* The twin numbers its policies itself. */
	p.info.index = 0;
	xc_buf_init(&b);
	err = policy_encode(&p, &b);
	if (!err)
		err = xfrmctx_ctx_append(s->c, XFRMCTX_REC_POLICY,
					 XFRMCTX_REC_F_MANDATORY | XFRMCTX_REC_F_NESTED,
					 b.data, b.len);
	xc_buf_free(&b);
	if (err)
		return err;
	s->count++;
	return 0;
}

int xfrmctx_policy_export(struct xfrmctx *h, const struct xfrmctx_target *t,
			  struct xfrmctx_ctx *c, uint32_t *count)
{
	struct pol_export s = { .h = h, .c = c, .t = t };
	struct nl_msg *msg;
	int err;

	h->errmsg[0] = '\0';
	if (count)
		*count = 0;
	if (t && t->id)
		return xc_fail(h, -EINVAL, "policies are exported by reqid or all, not by SA id");
	err = xc_ctx_meta_once(c, xfrmctx_has_module(h) ? XFRMCTX_SOURCE_MODULE :
			       XFRMCTX_SOURCE_XFRM, 0);
	if (err)
		return err;
	msg = nlmsg_alloc_simple(XFRM_MSG_GETPOLICY, NLM_F_DUMP);
	if (!msg)
		return -ENOMEM;
	err = xc_xfrm_request(h, msg, parse_getpolicy, &s);
	if (count)
		*count = s.count;
	return err;
}

static int put_policy_extras(struct nl_msg *msg, const struct xfrmctx_policy *p)
{
	if (p->has_mark) {
		struct xfrm_mark m = { .v = p->mark, .m = p->mark_mask };

		if (nla_put(msg, XFRMA_MARK, sizeof(m), &m) < 0)
			return -EMSGSIZE;
	}
	if (p->has_if_id && nla_put_u32(msg, XFRMA_IF_ID, p->if_id) < 0)
		return -EMSGSIZE;
	if (p->type != XFRM_POLICY_TYPE_MAIN) {
		struct xfrm_userpolicy_type t = { .type = p->type };

		if (nla_put(msg, XFRMA_POLICY_TYPE, sizeof(t), &t) < 0)
			return -EMSGSIZE;
	}
	return 0;
}

static int add_policy(struct xfrmctx *h, const struct xfrmctx_policy *p, int replace)
{
	struct nl_msg *msg = nlmsg_alloc_simple(replace ? XFRM_MSG_UPDPOLICY : XFRM_MSG_NEWPOLICY,
						NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL));
	struct xfrm_userpolicy_info info = p->info;

	if (!msg)
		return -ENOMEM;
	info.index = 0;
	if (nlmsg_append(msg, &info, sizeof(info), NLMSG_ALIGNTO) < 0 ||
	    (p->n_tmpl && nla_put(msg, XFRMA_TMPL, p->n_tmpl * sizeof(p->tmpl[0]), p->tmpl) < 0) ||
	    put_policy_extras(msg, p)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return xc_xfrm_request(h, msg, NULL, NULL);
}

static int del_policy(struct xfrmctx *h, const struct xfrmctx_policy *p)
{
	struct nl_msg *msg = nlmsg_alloc_simple(XFRM_MSG_DELPOLICY, 0);
	struct xfrm_userpolicy_id id;

	if (!msg)
		return -ENOMEM;
	memset(&id, 0, sizeof(id));
	id.sel = p->info.sel;
	id.dir = p->info.dir;
	if (nlmsg_append(msg, &id, sizeof(id), NLMSG_ALIGNTO) < 0 || put_policy_extras(msg, p)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return xc_xfrm_request(h, msg, NULL, NULL);
}

static const char *dir_name(uint8_t dir)
{
	return dir == XFRM_POLICY_IN ? "in" : dir == XFRM_POLICY_OUT ? "out" : "fwd";
}

int xfrmctx_policy_import(struct xfrmctx *h, const struct xfrmctx_ctx *c,
			  unsigned int flags, uint32_t *count)
{
	char err_text[XFRMCTX_ERRLEN];
	struct xfrmctx_record r = { 0 };
	struct xfrmctx_policy *added = NULL, p;
	size_t n = 0, cap = 0, i;
	int err = 0;

	h->errmsg[0] = '\0';
	if (count)
		*count = 0;
	while (xfrmctx_ctx_next(c, &r) > 0) {
		if (r.type != XFRMCTX_REC_POLICY)
			continue;
		err = xfrmctx_policy_decode(r.data, r.len, &p, err_text, sizeof(err_text));
		if (err) {
			xc_fail(h, err, "record at offset %zu: %s", r.offset, err_text);
			break;
		}
		if (n == cap) {
			struct xfrmctx_policy *q;

			cap = cap ? cap * 2 : 8;
			q = realloc(added, cap * sizeof(*q));
			if (!q) {
				err = -ENOMEM;
				break;
			}
			added = q;
		}
		err = add_policy(h, &p, flags & XFRMCTX_POLICY_REPLACE);
		if (err) {
			char why[XFRMCTX_ERRLEN];

			snprintf(why, sizeof(why), "%s", err == -EEXIST ?
				 "it exists already (import with replace to update it)" :
				 xfrmctx_strerror(h, err));
			xc_fail(h, err, "policy dir %s (record at offset %zu): %s",
				dir_name(p.info.dir), r.offset, why);
			break;
		}
		added[n++] = p;
	}
	if (err && !(flags & XFRMCTX_POLICY_REPLACE)) {
		/* All or nothing: remove what this call added. With replace,
		 * the old versions are gone and cannot be brought back. */
		char keep[XFRMCTX_ERRLEN];

		memcpy(keep, h->errmsg, sizeof(keep));
		for (i = 0; i < n; i++)
			del_policy(h, &added[i]);
		memcpy(h->errmsg, keep, sizeof(keep));
		n = 0;
	}
	free(added);
	if (count)
		*count = n;
	return err;
}

int xfrmctx_policy_delete(struct xfrmctx *h, const struct xfrmctx_ctx *c, uint32_t *count)
{
	char err_text[XFRMCTX_ERRLEN];
	struct xfrmctx_record r = { 0 };
	struct xfrmctx_policy p;
	uint32_t n = 0;
	int err, ret = 0;

	h->errmsg[0] = '\0';
	while (xfrmctx_ctx_next(c, &r) > 0) {
		if (r.type != XFRMCTX_REC_POLICY ||
		    xfrmctx_policy_decode(r.data, r.len, &p, err_text, sizeof(err_text)))
			continue;
		err = del_policy(h, &p);
		if (!err)
			n++;
		else if (err != -ENOENT && !ret)
			ret = err;
	}
	if (count)
		*count = n;
	return ret;
}
