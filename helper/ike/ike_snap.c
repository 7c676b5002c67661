// SPDX-License-Identifier: GPL-2.0-or-later
/* One container per snapshot: both halves of the tunnels (see ike_snap.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "ha_wire.h"
#include "ike_snap.h"

/* Export one SA (daddr, spi, ESP) into k. 1 exported, 0 the kernel does not
 * have it, -errno with m->kernel_error set. */
static int export_one(struct xfrmctx *h, const struct xc_ha_host *dst, uint32_t spi,
		      const struct xc_snap_opts *o, struct xfrmctx_ctx *k,
		      struct xc_recorder_info *m)
{
	struct xfrmctx_sa_id id;
	struct xfrmctx_target t = { .id = &id };
	uint32_t count = 0;
	int err;

	memset(&id, 0, sizeof(id));
	id.family = dst->family == XC_HA_AF_INET ? AF_INET : AF_INET6;
	memcpy(&id.daddr, dst->addr, xc_ha_af_len(dst->family));
	id.spi = spi;
	id.has_spi = 1;
	id.proto = IPPROTO_ESP;
	id.has_proto = 1;
	err = xfrmctx_export(h, &t, o->freeze ? XFRM_CTX_F_FREEZE : 0, o->lease, k, &count);
	if (err == -ESRCH || err == -ENOENT)
		return 0;
	if (err) {
		snprintf(m->kernel_error, sizeof(m->kernel_error), "export of SA spi 0x%08x: %s",
			 spi, xfrmctx_strerror(h, err));
		return err;
	}
	return count > 0;
}

static void put_id(struct xfrmctx_sa_id *id, const struct xc_ha_host *dst, uint32_t spi)
{
	memset(id, 0, sizeof(*id));
	id->family = dst->family == XC_HA_AF_INET ? AF_INET : AF_INET6;
	memcpy(&id->daddr, dst->addr, xc_ha_af_len(dst->family));
	id->spi = spi;
	id->has_spi = 1;
	id->proto = IPPROTO_ESP;
	id->has_proto = 1;
}

/* Every SA at once: one request per XFRM_CTX_MAX_IMPORT_SAS, and for a
 * hand-over one freeze instant for them all. 0, or -errno if one request
 * failed (an SA gone meanwhile: the caller goes SA by SA instead; a
 * request before it may have exported, and frozen, its SAs). */
static int export_batch(struct xfrmctx *h, const struct xc_store *s,
			const struct xc_snap_opts *o, struct xfrmctx_ctx *k)
{
	const struct xc_child *c;
	struct xfrmctx_sa_id *ids;
	size_t n = 0, i, cap = 0;
	struct xfrmctx_ctx *tmp;
	struct xfrmctx_record r = { 0 };
	uint32_t count = 0;
	int err = 0;

	for (c = s->children; c; c = c->next)
		cap += 2;
	if (!cap)
		return 0;
	ids = calloc(cap, sizeof(*ids));
	tmp = xfrmctx_ctx_new();
	if (!ids || !tmp) {
		free(ids);
		xfrmctx_ctx_free(tmp);
		return -ENOMEM;
	}
	for (c = s->children; c; c = c->next) {
		const struct xc_ike *ike = xc_store_child_owner(s, c);

		if (!ike || !ike->updated || !ike->has_local || !ike->has_remote)
			continue;
		put_id(&ids[n++], &ike->local, c->spi_in);
		put_id(&ids[n++], &ike->remote, c->spi_out);
	}
	for (i = 0; !err && i < n; i += XFRM_CTX_MAX_IMPORT_SAS) {
		struct xfrmctx_target t = {
			.id = ids + i,
			.n_ids = n - i < XFRM_CTX_MAX_IMPORT_SAS ? n - i : XFRM_CTX_MAX_IMPORT_SAS,
		};

		err = xfrmctx_export(h, &t, o->freeze ? XFRM_CTX_F_FREEZE : 0, o->lease, tmp,
				     &count);
	}
	/* all or nothing into k: on failure the caller goes SA by SA */
	while (!err && xfrmctx_ctx_next(tmp, &r) > 0)
		if (r.type == XFRMCTX_REC_SA)
			err = xfrmctx_ctx_append(k, r.type, r.flags, r.data, r.len);
	free(ids);
	xfrmctx_ctx_free(tmp);
	return err;
}

/* The kernel half into k: both SAs of every CHILD_SA of a live IKE_SA;
 * in one request if it can, else SA by SA (counting what is missing). */
static void export_children(struct xfrmctx *h, const struct xc_store *s,
			    const struct xc_snap_opts *o, struct xfrmctx_ctx *k,
			    struct xc_recorder_info *m)
{
	const struct xc_child *c;
	int got;

	if (!export_batch(h, s, o, k))
		return;
	for (c = s->children; c; c = c->next) {
		const struct xc_ike *ike = xc_store_child_owner(s, c);

		if (!ike || !ike->updated || !ike->has_local || !ike->has_remote)
			continue;
		got = export_one(h, &ike->local, c->spi_in, o, k, m);
		if (got < 0)
			return;
		m->missing += !got;
		got = export_one(h, &ike->remote, c->spi_out, o, k, m);
		if (got < 0)
			return;
		m->missing += !got;
	}
}

/* Kernel-only: the selection's SAs in one export (frozen at one instant
 * for a hand-over) and its policies. */
static void export_selection(struct xfrmctx *h, const struct xc_snap_opts *o,
			     struct xfrmctx_ctx *k, struct xfrmctx_ctx *pol,
			     struct xc_recorder_info *m)
{
	uint32_t count = 0;
	int err;

	err = xfrmctx_export(h, o->select, o->freeze ? XFRM_CTX_F_FREEZE : 0, o->lease, k,
			     &count);
	if (err && err != -ESRCH && err != -ENOENT) {
		snprintf(m->kernel_error, sizeof(m->kernel_error), "export: %s",
			 xfrmctx_strerror(h, err));
		return;
	}
	err = xfrmctx_policy_export(h, o->select, pol, &count);
	if (err)
		snprintf(m->kernel_error, sizeof(m->kernel_error), "export of the policies: %s",
			 xfrmctx_strerror(h, err));
}

/* Note the counters of k's SA records in rt and put a rate record for
 * each into rates; count them and tell whether all were frozen. */
static int note_sas(const struct xfrmctx_ctx *k, struct xc_rate_table *rt, uint64_t now_ms,
		    struct xfrmctx_ctx *rates, uint32_t *sas, int *all_frozen,
		    char *why, size_t whylen)
{
	struct xfrmctx_sa *sa = malloc(sizeof(*sa));
	struct xfrmctx_record r = { 0 };
	char err_sa[XFRMCTX_ERRLEN];
	struct xc_rate rate;
	int err = 0;

	if (!sa)
		return -ENOMEM;
	*all_frozen = 1;
	while (!err && xfrmctx_ctx_next(k, &r) > 0) {
		if (r.type != XFRMCTX_REC_SA)
			continue;
		if (xfrmctx_sa_decode(r.data, r.len, sa, err_sa, sizeof(err_sa))) {
			snprintf(why, whylen, "the kernel exported an SA this reader refuses: %s", err_sa);
			err = -EPROTO;
			break;
		}
		*all_frozen &= sa->frozen;
		err = xc_rate_note(rt, sa->family, &sa->daddr, sa->spi, sa->proto, now_ms,
				   xfrmctx_sa_oseq(sa), xfrmctx_sa_seq(sa), &rate);
		if (!err)
			err = xc_rate_put(rates, &rate);
		if (err)
			snprintf(why, whylen, "cannot note SA spi 0x%08x: %s", sa->spi, strerror(-err));
		(*sas)++;
	}
	explicit_bzero(sa, sizeof(*sa));
	free(sa);
	return err;
}

/* Append every record of src of the given type to dst. */
static int append_all(struct xfrmctx_ctx *dst, const struct xfrmctx_ctx *src, uint16_t type)
{
	struct xfrmctx_record r = { 0 };
	int err = 0;

	while (!err && xfrmctx_ctx_next(src, &r) > 0)
		if (r.type == type)
			err = xfrmctx_ctx_append(dst, r.type, r.flags, r.data, r.len);
	return err;
}

int xc_snap_build(struct xfrmctx *h, const struct xc_store *s, struct xc_rate_table *rt,
		  struct xc_recorder_info *m, const struct xc_snap_opts *o,
		  struct xfrmctx_ctx **out, char *why, size_t whylen)
{
	struct xfrmctx_ctx *k = xfrmctx_ctx_new(), *rates = xfrmctx_ctx_new();
	struct xfrmctx_ctx *c = xfrmctx_ctx_new(), *pol = xfrmctx_ctx_new();
	int err = -ENOMEM, all_frozen = 0;

	*out = NULL;
	m->sas = m->missing = 0;
	if (h)
		m->kernel_error[0] = '\0';
	if (!k || !rates || !c || !pol) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	if (h) {
		if (o->select)
			export_selection(h, o, k, pol, m);
		else
			export_children(h, s, o, k, m);
		if (m->kernel_error[0]) {
			/* a snapshot of only some SAs would mislead a take-over */
			xfrmctx_ctx_free(k);
			k = xfrmctx_ctx_new();
			m->missing = 0;
			if (!k) {
				snprintf(why, whylen, "out of memory");
				goto out;
			}
		}
	}
	if (o->bare) {
		m->sas = (uint32_t)xfrmctx_ctx_count(k, XFRMCTX_REC_SA);
		err = xfrmctx_ctx_add_meta(c, h && xfrmctx_has_module(h) ? XFRMCTX_SOURCE_MODULE :
					   XFRMCTX_SOURCE_XFRM, o->freeze && m->sas);
		if (!err)
			err = append_all(c, k, XFRMCTX_REC_SA);
		if (err) {
			snprintf(why, whylen, "cannot add the kernel's records: %s", strerror(-err));
			goto out;
		}
		*out = c;
		c = NULL;
		goto out;
	}
	err = note_sas(k, rt, o->now_ms, rates, &m->sas, &all_frozen, why, whylen);
	if (err)
		goto out;
	xc_rate_sweep(rt);
	err = xfrmctx_ctx_add_meta(c, h && xfrmctx_has_module(h) ? XFRMCTX_SOURCE_MODULE :
				   XFRMCTX_SOURCE_XFRM, m->sas && all_frozen);
	if (!err)
		err = append_all(c, k, XFRMCTX_REC_SA);
	if (!err && !m->kernel_error[0])
		err = append_all(c, pol, XFRMCTX_REC_POLICY);
	if (err) {
		snprintf(why, whylen, "cannot add the kernel's records: %s", strerror(-err));
		goto out;
	}
	err = xc_ike_ctx_put(c, s, o->window, why, whylen);
	if (err)
		goto out;
	err = xc_recorder_put(c, m);
	if (!err)
		err = append_all(c, rates, XFRMCTX_REC_SA_RATE);
	if (err) {
		snprintf(why, whylen, "cannot add the recorder's records: %s", strerror(-err));
		goto out;
	}
	*out = c;
	c = NULL;
out:
	xfrmctx_ctx_free(k);
	xfrmctx_ctx_free(pol);
	xfrmctx_ctx_free(rates);
	xfrmctx_ctx_free(c);
	return err;
}
