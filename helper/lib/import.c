// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Import and update: the SA records of a context back into the kernel,
 * with the counters moved ahead by the jumps. With the module the records
 * travel byte for byte as XFRM_CTX_A_SA nests; without it each becomes an
 * XFRM_MSG_NEWSA with its replay state, the jumps applied here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/xfrm.h>

#include "genl.h"
#include "nla.h"
#include "sa.h"
#include "xfrm_sa.h"

struct sa_list {
	struct xfrmctx_record *rec;
	size_t n;
};

static int collect(struct xfrmctx *h, const struct xfrmctx_ctx *c, struct sa_list *l)
{
	struct xfrmctx_record r = { 0 };
	size_t cap = 0;

	l->rec = NULL;
	l->n = 0;
	while (xfrmctx_ctx_next(c, &r) > 0) {
		if (r.type != XFRMCTX_REC_SA)
			continue;
		if (l->n == cap) {
			struct xfrmctx_record *p;

			cap = cap ? cap * 2 : 16;
			p = realloc(l->rec, cap * sizeof(*p));
			if (!p) {
				free(l->rec);
				return -ENOMEM;
			}
			l->rec = p;
		}
		l->rec[l->n++] = r;
	}
	if (!l->n) {
		free(l->rec);
		return xc_fail(h, -ENOENT, "the context holds no SA");
	}
	return 0;
}

static int parse_count(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	const struct nlattr *tb[XFRM_CTX_A_MAX + 1];
	uint32_t *count = arg;

	if (xc_parse(tb, XFRM_CTX_A_MAX, genlmsg_attrdata(nlmsg_data(nlh), 0),
		     genlmsg_attrlen(nlmsg_data(nlh), 0)))
		return -EPROTO;
	if (tb[XFRM_CTX_A_COUNT])
		xc_get_u32(tb[XFRM_CTX_A_COUNT], count);
	return 0;
}

/* One IMPORT or UPDATE request with records [from, to). */
static int send_chunk(struct xfrmctx *h, uint8_t cmd, const struct sa_list *l,
		      size_t from, size_t to, const struct xfrmctx_import_opts *o,
		      uint32_t flags, uint32_t *count)
{
	struct nl_msg *msg;
	size_t i, size = 4096;	/* headers and the scalar attributes */
	int err = 0;

	/* As large as this chunk needs: a hand-over's update of a tunnel's
	 * two SAs should not map and unmap the largest request's 196 KiB. */
	for (i = from; i < to; i++)
		size += NLA_HDRLEN + NLA_ALIGN(l->rec[i].len);
	msg = xc_msg_new_size(h, cmd, 0, size);
	if (!msg)
		return -ENOMEM;
	for (i = from; i < to && !err; i++)
		if (nla_put(msg, XFRM_CTX_A_SA | NLA_F_NESTED, l->rec[i].len, l->rec[i].data) < 0)
			err = -EMSGSIZE;
	if (!err && o->out_jump && nla_put_u64(msg, XFRM_CTX_A_OUT_JUMP, o->out_jump) < 0)
		err = -EMSGSIZE;
	if (!err && o->in_jump && nla_put_u64(msg, XFRM_CTX_A_IN_JUMP, o->in_jump) < 0)
		err = -EMSGSIZE;
	if (!err && flags && nla_put_u32(msg, XFRM_CTX_A_FLAGS, flags) < 0)
		err = -EMSGSIZE;
	if (!err && o->lease && nla_put_u32(msg, XFRM_CTX_A_LEASE, o->lease) < 0)
		err = -EMSGSIZE;
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	*count = 0;
	return xc_request(h, msg, parse_count, count);
}

/* The module takes at most this many SAs per request. */
#define XC_MAX_SAS_PER_REQUEST XFRM_CTX_MAX_IMPORT_SAS

/* End of the chunk that starts at from: as many records as fit. */
static size_t chunk_end(const struct sa_list *l, size_t from)
{
	size_t size = 0, i;

	for (i = from; i < l->n; i++) {
		size += NLA_HDRLEN + NLA_ALIGN(l->rec[i].len);
		if ((size > XC_MAX_REQUEST || i - from >= XC_MAX_SAS_PER_REQUEST) && i > from)
			break;
	}
	return i;
}

/* Thaw or release the SAs of records [from, to), as many per request as
 * the module takes. Returns the first refusal (its message kept in h) or
 * 0; a release (undoing a failed import) keeps the import's message. */
static int by_id(struct xfrmctx *h, const struct sa_list *l, size_t from, size_t to, int release)
{
	char keep[XFRMCTX_ERRLEN], err[XFRMCTX_ERRLEN];
	struct xfrmctx_target t = { 0 };
	struct xfrmctx_sa_id *ids;
	struct xfrmctx_sa *sa;
	size_t i, n = 0;
	int first = 0, r;

	sa = malloc(sizeof(*sa));
	ids = calloc(XC_MAX_SAS_PER_REQUEST, sizeof(*ids));
	if (!sa || !ids) {
		free(sa);
		free(ids);
		return -ENOMEM;
	}
	memcpy(keep, h->errmsg, sizeof(keep));
	for (i = from; i < to; i++) {
		if (!xfrmctx_sa_decode(l->rec[i].data, l->rec[i].len, sa, err, sizeof(err)))
			xfrmctx_sa_get_id(sa, &ids[n++]);
		if (n == XC_MAX_SAS_PER_REQUEST || (i + 1 == to && n)) {
			t.id = ids;
			t.n_ids = n;
			r = release ? xfrmctx_release(h, &t, NULL) : xfrmctx_thaw(h, &t, NULL);
			if (r && !first) {
				first = r;
				if (!release)
					memcpy(keep, h->errmsg, sizeof(keep));
			}
			n = 0;
		}
	}
	explicit_bzero(sa, sizeof(*sa));
	free(sa);
	free(ids);
	memcpy(h->errmsg, keep, sizeof(keep));
	return first;
}

static int import_module(struct xfrmctx *h, uint8_t cmd, const struct sa_list *l,
			 const struct xfrmctx_import_opts *o, uint32_t *count)
{
	size_t from = 0, to = chunk_end(l, 0);
	uint32_t flags = o->flags, n;
	int chunked = to < l->n, err;

	*count = 0;
	if (!chunked)
		return send_chunk(h, cmd, l, 0, to, o, flags, count);
	if (cmd == XFRM_CTX_CMD_UPDATE) {
		/* Counters only move forward: there is nothing to undo, and a
		 * failed chunk leaves the earlier ones updated (and, with
		 * XFRM_CTX_F_THAW, thawed: each thawed SA carries its new
		 * counters, so a partial hand-over is consistent). */
		for (; from < l->n; from = to, to = chunk_end(l, to)) {
			err = send_chunk(h, cmd, l, from, to, o, flags, &n);
			if (err)
				return err;
			*count += n;
		}
		return 0;
	}
	/* Too many SAs for one message: import every chunk staged (frozen),
	 * so that a refusal can be undone by releasing what came before,
	 * and thaw them all at the end unless the caller wanted them staged. */
	flags |= XFRM_CTX_F_STAGED;
	for (; from < l->n; from = to, to = chunk_end(l, to)) {
		err = send_chunk(h, cmd, l, from, to, o, flags, &n);
		if (err) {
			by_id(h, l, 0, from, 1);
			*count = 0;
			return err;
		}
		*count += n;
	}
	/* a refused thaw leaves them staged: say so, never "imported" */
	if (!(o->flags & XFRM_CTX_F_STAGED)) {
		err = by_id(h, l, 0, l->n, 0);
		if (err)
			return err;
	}
	return 0;
}

/* ---- without the module ---- */

static int del_sa(struct xfrmctx *h, const struct xfrmctx_sa *sa)
{
	struct nl_msg *msg = nlmsg_alloc_simple(XFRM_MSG_DELSA, 0);
	struct xfrm_usersa_id id;

	if (!msg)
		return -ENOMEM;
	memset(&id, 0, sizeof(id));
	id.daddr = sa->daddr;
	id.spi = htonl(sa->spi);
	id.family = sa->family;
	id.proto = sa->proto;
	if (nlmsg_append(msg, &id, sizeof(id), NLMSG_ALIGNTO) < 0)
		goto fail;
	if (XFRMCTX_SA_HAS(sa, XFRM_CTX_SA_MARK)) {
		struct xfrm_mark m = { .v = sa->mark, .m = sa->mark_mask };

		if (nla_put(msg, XFRMA_MARK, sizeof(m), &m) < 0)
			goto fail;
	}
	return xc_xfrm_request(h, msg, NULL, NULL);
fail:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int import_xfrm(struct xfrmctx *h, const struct sa_list *l,
		       const struct xfrmctx_import_opts *o, uint32_t *count)
{
	char err_text[XFRMCTX_ERRLEN];
	struct xfrmctx_sa *sa;
	time_t now = time(NULL);
	size_t i, j;
	int err = 0;

	*count = 0;
	if (o->flags & XFRM_CTX_F_STAGED)
		return xc_need_module(h, "a staged import");
	if (o->flags & XFRM_CTX_F_REPLACE)
		return xc_need_module(h, "import with replace");
	sa = calloc(1, sizeof(*sa));
	if (!sa)
		return -ENOMEM;
	for (i = 0; i < l->n; i++) {
		struct nl_msg *msg;

		err = xfrmctx_sa_decode(l->rec[i].data, l->rec[i].len, sa, err_text, sizeof(err_text));
		if (err) {
			xc_fail(h, err, "record at offset %zu: %s", l->rec[i].offset, err_text);
			break;
		}
		err = xc_sa_lifetime(sa, xc_sa_since(l->rec[i].data, l->rec[i].len, now),
				     err_text, sizeof(err_text));
		if (err) {
			xc_fail(h, err, "%s", err_text);
			break;
		}
		err = xc_sa_apply_jumps(sa, o->out_jump, o->in_jump, err_text, sizeof(err_text));
		if (err) {
			xc_fail(h, err, "%s", err_text);
			break;
		}
		msg = nlmsg_alloc_simple(XFRM_MSG_NEWSA, NLM_F_CREATE | NLM_F_EXCL);
		if (!msg) {
			err = -ENOMEM;
			break;
		}
		err = xc_sa_to_xfrm(sa, now, msg);
		if (err) {
			nlmsg_free(msg);
			break;
		}
		err = xc_xfrm_request(h, msg, NULL, NULL);
		if (err) {
			char why[XFRMCTX_ERRLEN];

			snprintf(why, sizeof(why), "%s", xfrmctx_strerror(h, err));
			xc_fail(h, err, "SA spi 0x%08x: %s", sa->spi, why);
			break;
		}
		(*count)++;
	}
	if (err) {
		/* All or nothing: take back what was added. */
		char keep[XFRMCTX_ERRLEN];

		memcpy(keep, h->errmsg, sizeof(keep));
		for (j = 0; j < i; j++)
			if (!xfrmctx_sa_decode(l->rec[j].data, l->rec[j].len, sa, err_text, sizeof(err_text)))
				del_sa(h, sa);
		memcpy(h->errmsg, keep, sizeof(keep));
		*count = 0;
	}
	explicit_bzero(sa, sizeof(*sa));
	free(sa);
	return err;
}

static int do_import(struct xfrmctx *h, uint8_t cmd, const struct xfrmctx_ctx *c,
		     const struct xfrmctx_import_opts *o, uint32_t *count)
{
	static const struct xfrmctx_import_opts none;
	struct sa_list l;
	uint32_t n = 0;
	int err;

	h->errmsg[0] = '\0';
	if (!o)
		o = &none;
	if (cmd == XFRM_CTX_CMD_UPDATE && (o->flags & ~XFRM_CTX_F_THAW))
		return xc_fail(h, -EINVAL, "flags 0x%x do not apply to update (only thaw does)",
			       o->flags & ~XFRM_CTX_F_THAW);
	if (cmd == XFRM_CTX_CMD_IMPORT && (o->flags & XFRM_CTX_F_THAW))
		return xc_fail(h, -EINVAL, "thaw applies to update; import thaws unless staged");
	if (cmd == XFRM_CTX_CMD_UPDATE && !xfrmctx_has_module(h))
		return xc_need_module(h, "update");
	err = collect(h, c, &l);
	if (err)
		return err;
	if (xfrmctx_has_module(h))
		err = import_module(h, cmd, &l, o, &n);
	else
		err = import_xfrm(h, &l, o, &n);
	free(l.rec);
	if (count)
		*count = n;
	return err;
}

int xfrmctx_import(struct xfrmctx *h, const struct xfrmctx_ctx *c,
		   const struct xfrmctx_import_opts *o, uint32_t *count)
{
	return do_import(h, XFRM_CTX_CMD_IMPORT, c, o, count);
}

int xfrmctx_update(struct xfrmctx *h, const struct xfrmctx_ctx *c,
		   const struct xfrmctx_import_opts *o, uint32_t *count)
{
	return do_import(h, XFRM_CTX_CMD_UPDATE, c, o, count);
}
