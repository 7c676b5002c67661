// SPDX-License-Identifier: GPL-2.0-or-later
/* IKE_SA and recorder records of the context container (see ike_rec.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_rec.h"
#include "ike_record.h"
#include "ike_err.h"

/* Encoding */

static void put_addr(struct xc_nlb *b, uint16_t type, const struct xc_ha_host *h)
{
	size_t n = xc_nlb_nest_start(b, type);

	xc_nlb_u8(b, XC_ADDR_A_FAMILY, h->family);
	xc_nlb_put(b, XC_ADDR_A_ADDR, h->addr, xc_ha_af_len(h->family));
	xc_nlb_u16(b, XC_ADDR_A_PORT, h->port);
	xc_nlb_nest_end(b, n);
}

static void put_ikeid(struct xc_nlb *b, uint16_t type, const struct xc_ha_ike_id *id)
{
	size_t n = xc_nlb_nest_start(b, type);

	xc_nlb_put(b, XC_IKEID_A_SPI_I, id->spi_i, 8);
	xc_nlb_put(b, XC_IKEID_A_SPI_R, id->spi_r, 8);
	xc_nlb_u8(b, XC_IKEID_A_INITIATOR, id->initiator);
	xc_nlb_nest_end(b, n);
}

static void put_ident(struct xc_nlb *b, uint16_t type, const struct xc_ident *id)
{
	size_t n;

	if (!id->present)
		return;
	n = xc_nlb_nest_start(b, type);
	xc_nlb_u8(b, XC_IDENT_A_TYPE, id->type);
	xc_nlb_put(b, XC_IDENT_A_DATA, id->data, id->len);
	xc_nlb_nest_end(b, n);
}

static void put_ts(struct xc_nlb *b, uint16_t type, const struct xc_ha_ts *ts)
{
	size_t n = xc_nlb_nest_start(b, type);
	size_t alen = ts->type == XC_HA_TS_IPV4 ? 4 : 16;

	xc_nlb_u8(b, XC_TS_A_TYPE, ts->type);
	xc_nlb_u8(b, XC_TS_A_PROTO, ts->proto);
	xc_nlb_u16(b, XC_TS_A_FROM_PORT, ts->from_port);
	xc_nlb_u16(b, XC_TS_A_TO_PORT, ts->to_port);
	xc_nlb_put(b, XC_TS_A_FROM, ts->from, alen);
	xc_nlb_put(b, XC_TS_A_TO, ts->to, alen);
	xc_nlb_u8(b, XC_TS_A_DYNAMIC, ts->dynamic);
	xc_nlb_nest_end(b, n);
}

static void put_child(struct xc_nlb *b, const struct xc_child *c)
{
	size_t n = xc_nlb_nest_start(b, XC_IKE_A_CHILD), p;
	unsigned int i;

	xc_nlb_u32(b, XC_CHILD_A_SPI_IN, c->spi_in);
	xc_nlb_u32(b, XC_CHILD_A_SPI_OUT, c->spi_out);
	xc_nlb_u16(b, XC_CHILD_A_CPI_IN, c->cpi_in);
	xc_nlb_u16(b, XC_CHILD_A_CPI_OUT, c->cpi_out);
	put_ikeid(b, XC_CHILD_A_KEYED_BY, &c->keyed_by);
	xc_nlb_u8(b, XC_CHILD_A_INITIATOR, c->initiator);
	xc_nlb_u8(b, XC_CHILD_A_MODE, c->mode);
	xc_nlb_u8(b, XC_CHILD_A_IPCOMP, c->ipcomp);
	xc_nlb_str(b, XC_CHILD_A_CONFIG, c->config);
	p = xc_nlb_nest_start(b, XC_CHILD_A_PROPOSAL);
	if (c->has_encr)
		xc_nlb_u16(b, XC_PROP_A_ENCR, c->encr);
	if (c->has_encr_len)
		xc_nlb_u16(b, XC_PROP_A_ENCR_KEYLEN, c->encr_len);
	if (c->has_integ)
		xc_nlb_u16(b, XC_PROP_A_INTEG, c->integ);
	if (c->has_dh)
		xc_nlb_u16(b, XC_PROP_A_DH, c->dh);
	if (c->has_esn)
		xc_nlb_u16(b, XC_PROP_A_ESN, c->esn);
	for (i = 0; i < c->nadd_kes; i++)
		xc_nlb_u16(b, XC_PROP_A_ADD_KE, c->add_kes[i]);
	xc_nlb_nest_end(b, p);
	xc_nlb_put(b, XC_CHILD_A_NONCE_I, c->nonce_i.data, c->nonce_i.len);
	xc_nlb_put(b, XC_CHILD_A_NONCE_R, c->nonce_r.data, c->nonce_r.len);
	if (c->secret.len)
		xc_nlb_put(b, XC_CHILD_A_DH_SECRET, c->secret.data, c->secret.len);
	if (c->add_secret.len)
		xc_nlb_put(b, XC_CHILD_A_ADD_SECRET, c->add_secret.data, c->add_secret.len);
	for (i = 0; i < c->nlocal_ts; i++)
		put_ts(b, XC_CHILD_A_LOCAL_TS, &c->local_ts[i]);
	for (i = 0; i < c->nremote_ts; i++)
		put_ts(b, XC_CHILD_A_REMOTE_TS, &c->remote_ts[i]);
	xc_nlb_u64(b, XC_CHILD_A_ADDED, (uint64_t)c->added);
	xc_nlb_nest_end(b, n);
}

/* Whether the record of ike needs key form 4: additional key exchanges in
 * the IKE_SA or in a CHILD_SA the record carries. */
static int record_has_add_ke(const struct xc_store *s, const struct xc_ike *ike)
{
	const struct xc_child *c;

	if (xc_ike_has_add_ke(ike))
		return 1;
	if (ike->deleted)
		return 0;
	for (c = s->children; c; c = c->next)
		if (xc_store_child_owner(s, c) == ike && xc_child_has_add_ke(c))
			return 1;
	return 0;
}

static void put_key_update(struct xc_nlb *b, const struct xc_key_update *u)
{
	size_t n = xc_nlb_nest_start(b, XC_IKE_A_KEY_UPDATE);

	xc_nlb_put(b, XC_KEYUPD_A_SECRET, u->secret.data, u->secret.len);
	xc_nlb_put(b, XC_KEYUPD_A_NONCE_I, u->nonce_i.data, u->nonce_i.len);
	xc_nlb_put(b, XC_KEYUPD_A_NONCE_R, u->nonce_r.data, u->nonce_r.len);
	if (u->add_secret.len)
		xc_nlb_put(b, XC_KEYUPD_A_ADD_SECRET, u->add_secret.data, u->add_secret.len);
	xc_nlb_nest_end(b, n);
}

/* The attributes of one IKE_SA record (the record's payload). A record
 * without additional key exchanges keeps key form 1 and adds only
 * attributes older readers skip (the HA version, private conditions), so
 * that they still take it; one with them has key form 4, which they refuse. */
static void put_ike(struct xc_nlb *b, const struct xc_store *s, const struct xc_ike *ike,
		    uint32_t window)
{
	size_t p;
	unsigned int i;
	int add_ke = record_has_add_ke(s, ike);

	xc_nlb_u8(b, XC_IKE_A_STATE, ike->deleted ? XC_IKE_STATE_KEYING : XC_IKE_STATE_LIVE);
	xc_nlb_u8(b, XC_IKE_A_VERSION, ike->ike_version);
	xc_nlb_u8(b, XC_IKE_A_INITIATOR, ike->id.initiator);
	xc_nlb_put(b, XC_IKE_A_SPI_I, ike->id.spi_i, 8);
	xc_nlb_put(b, XC_IKE_A_SPI_R, ike->id.spi_r, 8);
	if (ike->has_local)
		put_addr(b, XC_IKE_A_LOCAL, &ike->local);
	if (ike->has_remote)
		put_addr(b, XC_IKE_A_REMOTE, &ike->remote);
	if (ike->has_add_remote)
		put_addr(b, XC_IKE_A_ADD_REMOTE, &ike->add_remote);
	if (ike->has_mid_i)
		xc_nlb_u32(b, XC_IKE_A_MID_OUT, ike->mid_i);
	if (ike->has_mid_r)
		xc_nlb_u32(b, XC_IKE_A_MID_IN, ike->mid_r);
	xc_nlb_u32(b, XC_IKE_A_WINDOW, window);
	xc_nlb_u8(b, XC_IKE_A_KEY_FORM, add_ke ? XC_IKE_KEYS_DH_NONCES_ADD_KE : XC_IKE_KEYS_DH_NONCES);
	xc_nlb_put(b, XC_IKE_A_DH_SECRET, ike->secret.data, ike->secret.len);
	xc_nlb_put(b, XC_IKE_A_NONCE_I, ike->nonce_i.data, ike->nonce_i.len);
	xc_nlb_put(b, XC_IKE_A_NONCE_R, ike->nonce_r.data, ike->nonce_r.len);
	if (ike->add_secret.len)
		xc_nlb_put(b, XC_IKE_A_ADD_SECRET, ike->add_secret.data, ike->add_secret.len);
	for (i = 0; i < ike->nupdates; i++)
		put_key_update(b, &ike->updates[i]);
	if (ike->has_old) {
		put_ikeid(b, XC_IKE_A_REKEY_OF, &ike->rekey_of);
		xc_nlb_put(b, XC_IKE_A_OLD_SKD, ike->old_skd.data, ike->old_skd.len);
		xc_nlb_u16(b, XC_IKE_A_OLD_PRF, ike->old_prf);
	}
	p = xc_nlb_nest_start(b, XC_IKE_A_PROPOSAL);
	if (ike->has_encr)
		xc_nlb_u16(b, XC_PROP_A_ENCR, ike->encr);
	if (ike->has_encr_len)
		xc_nlb_u16(b, XC_PROP_A_ENCR_KEYLEN, ike->encr_len);
	if (ike->has_integ)
		xc_nlb_u16(b, XC_PROP_A_INTEG, ike->integ);
	xc_nlb_u16(b, XC_PROP_A_PRF, ike->prf);
	if (ike->has_dh)
		xc_nlb_u16(b, XC_PROP_A_DH, ike->dh);
	for (i = 0; i < ike->nadd_kes; i++)
		xc_nlb_u16(b, XC_PROP_A_ADD_KE, ike->add_kes[i]);
	xc_nlb_nest_end(b, p);
	if (ike->has_conditions)
		xc_nlb_u32(b, XC_IKE_A_CONDITIONS, ike->conditions);
	if (ike->has_extensions)
		xc_nlb_u32(b, XC_IKE_A_EXTENSIONS, ike->extensions);
	if (ike->has_priv_conditions)
		xc_nlb_u32(b, XC_IKE_A_PRIV_CONDITIONS, ike->priv_conditions);
	if (ike->has_priv_extensions)
		xc_nlb_u32(b, XC_IKE_A_PRIV_EXTENSIONS, ike->priv_extensions);
	if (ike->ha_version)
		xc_nlb_u8(b, XC_IKE_A_HA_VERSION, ike->ha_version);
	put_ident(b, XC_IKE_A_LOCAL_ID, &ike->local_id);
	put_ident(b, XC_IKE_A_REMOTE_ID, &ike->remote_id);
	put_ident(b, XC_IKE_A_REMOTE_EAP_ID, &ike->remote_eap_id);
	if (ike->updated)
		xc_nlb_str(b, XC_IKE_A_CONFIG, ike->config);
	for (i = 0; i < ike->nlocal_vips; i++)
		put_addr(b, XC_IKE_A_LOCAL_VIP, &ike->local_vips[i]);
	for (i = 0; i < ike->nremote_vips; i++)
		put_addr(b, XC_IKE_A_REMOTE_VIP, &ike->remote_vips[i]);
	for (i = 0; i < ike->npeer_addrs; i++)
		put_addr(b, XC_IKE_A_PEER_ADDR, &ike->peer_addrs[i]);
	xc_nlb_u64(b, XC_IKE_A_ADDED, (uint64_t)ike->added);
	xc_nlb_u64(b, XC_IKE_A_UPDATED, (uint64_t)ike->updated_at);
	/* a live IKE_SA carries the CHILD_SAs that belong to it now, oldest
	 * first (the list is newest first) */
	if (!ike->deleted) {
		const struct xc_child *last = NULL, *cp;

		while (last != s->children) {
			for (cp = s->children; cp->next != last; cp = cp->next)
				;
			if (xc_store_child_owner(s, cp) == ike)
				put_child(b, cp);
			last = cp;
		}
	}
}

int xc_ike_ctx_put(struct xfrmctx_ctx *c, const struct xc_store *s, uint32_t window,
		   char *why, size_t whylen)
{
	const struct xc_ike *ike;
	char idstr[64];
	int err = 0;

	/* oldest first, so that a keying IKE_SA precedes its successor */
	for (ike = s->ikes; ike && ike->next; ike = ike->next)
		;
	while (ike && !err) {
		const struct xc_ike *prev = s->ikes;
		struct xc_nlb b;

		/* a deleted IKE_SA that keys nothing live (one the store keeps
		 * only while a late successor may come) holds no useful key */
		if (ike->deleted && !xc_store_leads_to_live(s, ike))
			goto next;
		xc_nlb_init(&b);
		put_ike(&b, s, ike, window);
		xc_ike_id_str(&ike->id, idstr, sizeof(idstr));
		if (b.err == -EMSGSIZE || (!b.err && b.len > XFRMCTX_REC_MAX_LEN))
			err = xc_ike_say(why, whylen, -EMSGSIZE,
				  "the record of IKE_SA %s exceeds 64 KiB (too many CHILD_SAs)", idstr);
		else if (b.err)
			err = xc_ike_say(why, whylen, b.err, "out of memory encoding IKE_SA %s", idstr);
		else if ((err = xfrmctx_ctx_append(c, XFRMCTX_REC_IKE_SA,
						   XFRMCTX_REC_F_MANDATORY | XFRMCTX_REC_F_NESTED,
						   b.data, b.len)))
			xc_ike_say(why, whylen, err, "cannot add the record of IKE_SA %s: %s", idstr,
			    strerror(-err));
		xc_nlb_free(&b);
next:
		if (ike == s->ikes)
			break;
		while (prev->next != ike)
			prev = prev->next;
		ike = prev;
	}
	return err;
}

/* Decoding */

static const struct xc_nla_rule ike_rules[XC_IKE_A_MAX + 1] = {
	[XC_IKE_A_STATE] = { XC_NLA_U8, 0, 0, 0 },
	[XC_IKE_A_VERSION] = { XC_NLA_U8, 0, 0, 0 },
	[XC_IKE_A_INITIATOR] = { XC_NLA_U8, 0, 0, 0 },
	[XC_IKE_A_SPI_I] = { XC_NLA_BINARY, 0, 8, 8 },
	[XC_IKE_A_SPI_R] = { XC_NLA_BINARY, 0, 8, 8 },
	[XC_IKE_A_LOCAL] = { XC_NLA_NESTED, 0, 0, 0 },
	[XC_IKE_A_REMOTE] = { XC_NLA_NESTED, 0, 0, 0 },
	[XC_IKE_A_ADD_REMOTE] = { XC_NLA_NESTED, 0, 0, 0 },
	[XC_IKE_A_MID_OUT] = { XC_NLA_U32, 0, 0, 0 },
	[XC_IKE_A_MID_IN] = { XC_NLA_U32, 0, 0, 0 },
	[XC_IKE_A_WINDOW] = { XC_NLA_U32, 0, 0, 0 },
	[XC_IKE_A_KEY_FORM] = { XC_NLA_U8, 0, 0, 0 },
	[XC_IKE_A_DH_SECRET] = { XC_NLA_BINARY, 0, 1, 1024 },
	[XC_IKE_A_NONCE_I] = { XC_NLA_BINARY, 0, 1, 256 },
	[XC_IKE_A_NONCE_R] = { XC_NLA_BINARY, 0, 1, 256 },
	[XC_IKE_A_REKEY_OF] = { XC_NLA_NESTED, 0, 0, 0 },
	[XC_IKE_A_OLD_SKD] = { XC_NLA_BINARY, 0, 1, 256 },
	[XC_IKE_A_OLD_PRF] = { XC_NLA_U16, 0, 0, 0 },
	[XC_IKE_A_PROPOSAL] = { XC_NLA_NESTED, 0, 0, 0 },
	[XC_IKE_A_CONDITIONS] = { XC_NLA_U32, 0, 0, 0 },
	[XC_IKE_A_EXTENSIONS] = { XC_NLA_U32, 0, 0, 0 },
	[XC_IKE_A_LOCAL_ID] = { XC_NLA_NESTED, 0, 0, 0 },
	[XC_IKE_A_REMOTE_ID] = { XC_NLA_NESTED, 0, 0, 0 },
	[XC_IKE_A_REMOTE_EAP_ID] = { XC_NLA_NESTED, 0, 0, 0 },
	[XC_IKE_A_CONFIG] = { XC_NLA_STRING, 0, 2, XC_NAME_LEN },
	[XC_IKE_A_LOCAL_VIP] = { XC_NLA_NESTED, 1, 0, 0 },
	[XC_IKE_A_REMOTE_VIP] = { XC_NLA_NESTED, 1, 0, 0 },
	[XC_IKE_A_PEER_ADDR] = { XC_NLA_NESTED, 1, 0, 0 },
	[XC_IKE_A_ADDED] = { XC_NLA_U64, 0, 0, 0 },
	[XC_IKE_A_UPDATED] = { XC_NLA_U64, 0, 0, 0 },
	[XC_IKE_A_CHILD] = { XC_NLA_NESTED, 1, 0, 0 },
	[XC_IKE_A_HA_VERSION] = { XC_NLA_U8, 0, 0, 0 },
	[XC_IKE_A_ADD_SECRET] = { XC_NLA_BINARY, 0, 1, 8192 },
	[XC_IKE_A_KEY_UPDATE] = { XC_NLA_NESTED, 1, 0, 0 },
	[XC_IKE_A_PRIV_CONDITIONS] = { XC_NLA_U32, 0, 0, 0 },
	[XC_IKE_A_PRIV_EXTENSIONS] = { XC_NLA_U32, 0, 0, 0 },
};

static const struct xc_nla_rule keyupd_rules[XC_KEYUPD_A_MAX + 1] = {
	[XC_KEYUPD_A_SECRET] = { XC_NLA_BINARY, 0, 1, 8192 },
	[XC_KEYUPD_A_NONCE_I] = { XC_NLA_BINARY, 0, 1, 256 },
	[XC_KEYUPD_A_NONCE_R] = { XC_NLA_BINARY, 0, 1, 256 },
	[XC_KEYUPD_A_ADD_SECRET] = { XC_NLA_BINARY, 0, 1, 8192 },
};

static const struct xc_nla_rule ikeid_rules[XC_IKEID_A_MAX + 1] = {
	[XC_IKEID_A_SPI_I] = { XC_NLA_BINARY, 0, 8, 8 },
	[XC_IKEID_A_SPI_R] = { XC_NLA_BINARY, 0, 8, 8 },
	[XC_IKEID_A_INITIATOR] = { XC_NLA_U8, 0, 0, 0 },
};

static const struct xc_nla_rule addr_rules[XC_ADDR_A_MAX + 1] = {
	[XC_ADDR_A_FAMILY] = { XC_NLA_U8, 0, 0, 0 },
	[XC_ADDR_A_ADDR] = { XC_NLA_BINARY, 0, 4, 16 },
	[XC_ADDR_A_PORT] = { XC_NLA_U16, 0, 0, 0 },
};

static const struct xc_nla_rule ident_rules[XC_IDENT_A_MAX + 1] = {
	[XC_IDENT_A_TYPE] = { XC_NLA_U8, 0, 0, 0 },
	[XC_IDENT_A_DATA] = { XC_NLA_BINARY, 0, 0, 255 },
};

static const struct xc_nla_rule prop_rules[XC_PROP_A_MAX + 1] = {
	[XC_PROP_A_ENCR] = { XC_NLA_U16, 0, 0, 0 },
	[XC_PROP_A_ENCR_KEYLEN] = { XC_NLA_U16, 0, 0, 0 },
	[XC_PROP_A_INTEG] = { XC_NLA_U16, 0, 0, 0 },
	[XC_PROP_A_PRF] = { XC_NLA_U16, 0, 0, 0 },
	[XC_PROP_A_DH] = { XC_NLA_U16, 0, 0, 0 },
	[XC_PROP_A_ESN] = { XC_NLA_U16, 0, 0, 0 },
	[XC_PROP_A_ADD_KE] = { XC_NLA_U16, 1, 0, 0 },
};

static const struct xc_nla_rule child_rules[XC_CHILD_A_MAX + 1] = {
	[XC_CHILD_A_SPI_IN] = { XC_NLA_U32, 0, 0, 0 },
	[XC_CHILD_A_SPI_OUT] = { XC_NLA_U32, 0, 0, 0 },
	[XC_CHILD_A_CPI_IN] = { XC_NLA_U16, 0, 0, 0 },
	[XC_CHILD_A_CPI_OUT] = { XC_NLA_U16, 0, 0, 0 },
	[XC_CHILD_A_KEYED_BY] = { XC_NLA_NESTED, 0, 0, 0 },
	[XC_CHILD_A_INITIATOR] = { XC_NLA_U8, 0, 0, 0 },
	[XC_CHILD_A_MODE] = { XC_NLA_U8, 0, 0, 0 },
	[XC_CHILD_A_IPCOMP] = { XC_NLA_U8, 0, 0, 0 },
	[XC_CHILD_A_CONFIG] = { XC_NLA_STRING, 0, 2, XC_NAME_LEN },
	[XC_CHILD_A_PROPOSAL] = { XC_NLA_NESTED, 0, 0, 0 },
	[XC_CHILD_A_NONCE_I] = { XC_NLA_BINARY, 0, 1, 256 },
	[XC_CHILD_A_NONCE_R] = { XC_NLA_BINARY, 0, 1, 256 },
	[XC_CHILD_A_DH_SECRET] = { XC_NLA_BINARY, 0, 1, 1024 },
	[XC_CHILD_A_LOCAL_TS] = { XC_NLA_NESTED, 1, 0, 0 },
	[XC_CHILD_A_REMOTE_TS] = { XC_NLA_NESTED, 1, 0, 0 },
	[XC_CHILD_A_ADDED] = { XC_NLA_U64, 0, 0, 0 },
	[XC_CHILD_A_ADD_SECRET] = { XC_NLA_BINARY, 0, 1, 8192 },
};

static const struct xc_nla_rule ts_rules[XC_TS_A_MAX + 1] = {
	[XC_TS_A_TYPE] = { XC_NLA_U8, 0, 0, 0 },
	[XC_TS_A_PROTO] = { XC_NLA_U8, 0, 0, 0 },
	[XC_TS_A_FROM_PORT] = { XC_NLA_U16, 0, 0, 0 },
	[XC_TS_A_TO_PORT] = { XC_NLA_U16, 0, 0, 0 },
	[XC_TS_A_FROM] = { XC_NLA_BINARY, 0, 4, 16 },
	[XC_TS_A_TO] = { XC_NLA_BINARY, 0, 4, 16 },
	[XC_TS_A_DYNAMIC] = { XC_NLA_U8, 0, 0, 0 },
};

#define WHY why, whylen

static int need(const struct xc_nla *tb, int type, const char *what, char *why, size_t whylen)
{
	if (!tb[type].data)
		return xc_ike_say(WHY, -EINVAL, "%s is missing", what);
	return 0;
}

static int get_addr(const struct xc_nla *nest, struct xc_ha_host *h, const char *where,
		    char *why, size_t whylen)
{
	struct xc_nla tb[XC_ADDR_A_MAX + 1];
	int err;

	err = xc_nla_parse(nest->data, nest->len, addr_rules, XC_ADDR_A_MAX, tb, where, WHY);
	if (err)
		return err;
	if (need(tb, XC_ADDR_A_FAMILY, where, WHY) || need(tb, XC_ADDR_A_ADDR, where, WHY) ||
	    need(tb, XC_ADDR_A_PORT, where, WHY))
		return -EINVAL;
	memset(h, 0, sizeof(*h));
	h->family = xc_nla_u8(&tb[XC_ADDR_A_FAMILY]);
	if (!xc_ha_af_len(h->family) || tb[XC_ADDR_A_ADDR].len != xc_ha_af_len(h->family))
		return xc_ike_say(WHY, -EINVAL, "%s: family %u with a %u-byte address", where,
			   h->family, tb[XC_ADDR_A_ADDR].len);
	memcpy(h->addr, tb[XC_ADDR_A_ADDR].data, tb[XC_ADDR_A_ADDR].len);
	h->port = xc_nla_u16(&tb[XC_ADDR_A_PORT]);
	return 0;
}

static int get_ikeid(const struct xc_nla *nest, struct xc_ha_ike_id *id, const char *where,
		     char *why, size_t whylen)
{
	struct xc_nla tb[XC_IKEID_A_MAX + 1];
	int err;

	err = xc_nla_parse(nest->data, nest->len, ikeid_rules, XC_IKEID_A_MAX, tb, where, WHY);
	if (err)
		return err;
	if (need(tb, XC_IKEID_A_SPI_I, where, WHY) || need(tb, XC_IKEID_A_SPI_R, where, WHY))
		return -EINVAL;
	memset(id, 0, sizeof(*id));
	id->version = 2;
	memcpy(id->spi_i, tb[XC_IKEID_A_SPI_I].data, 8);
	memcpy(id->spi_r, tb[XC_IKEID_A_SPI_R].data, 8);
	if (tb[XC_IKEID_A_INITIATOR].data)
		id->initiator = xc_nla_u8(&tb[XC_IKEID_A_INITIATOR]) ? 1 : 0;
	return 0;
}

static int get_ident(const struct xc_nla *nest, struct xc_ident *id, const char *where,
		     char *why, size_t whylen)
{
	struct xc_nla tb[XC_IDENT_A_MAX + 1];
	int err;

	if (!nest->data)
		return 0;
	err = xc_nla_parse(nest->data, nest->len, ident_rules, XC_IDENT_A_MAX, tb, where, WHY);
	if (err)
		return err;
	if (need(tb, XC_IDENT_A_TYPE, where, WHY) || need(tb, XC_IDENT_A_DATA, where, WHY))
		return -EINVAL;
	id->present = 1;
	id->type = xc_nla_u8(&tb[XC_IDENT_A_TYPE]);
	id->len = (uint8_t)tb[XC_IDENT_A_DATA].len;
	memcpy(id->data, tb[XC_IDENT_A_DATA].data, id->len);
	return 0;
}

static int get_ts(const struct xc_nla *nest, struct xc_ha_ts *ts, char *why, size_t whylen)
{
	struct xc_nla tb[XC_TS_A_MAX + 1];
	unsigned int alen;
	int err, t;

	err = xc_nla_parse(nest->data, nest->len, ts_rules, XC_TS_A_MAX, tb, "traffic selector", WHY);
	if (err)
		return err;
	for (t = 1; t <= XC_TS_A_MAX; t++)
		if (need(tb, t, "a traffic selector field", WHY))
			return -EINVAL;
	memset(ts, 0, sizeof(*ts));
	ts->type = xc_nla_u8(&tb[XC_TS_A_TYPE]);
	alen = ts->type == XC_HA_TS_IPV4 ? 4 : ts->type == XC_HA_TS_IPV6 ? 16 : 0;
	if (!alen || tb[XC_TS_A_FROM].len != alen || tb[XC_TS_A_TO].len != alen)
		return xc_ike_say(WHY, -EINVAL, "traffic selector of type %u with %u/%u-byte addresses",
			   ts->type, tb[XC_TS_A_FROM].len, tb[XC_TS_A_TO].len);
	ts->proto = xc_nla_u8(&tb[XC_TS_A_PROTO]);
	ts->from_port = xc_nla_u16(&tb[XC_TS_A_FROM_PORT]);
	ts->to_port = xc_nla_u16(&tb[XC_TS_A_TO_PORT]);
	memcpy(ts->from, tb[XC_TS_A_FROM].data, alen);
	memcpy(ts->to, tb[XC_TS_A_TO].data, alen);
	ts->dynamic = xc_nla_u8(&tb[XC_TS_A_DYNAMIC]) ? 1 : 0;
	return 0;
}

static int get_blob(struct xc_blob *b, const struct xc_nla *a, char *why, size_t whylen)
{
	if (!a->data)
		return 0;
	if (xc_blob_set(b, a->data, a->len))
		return xc_ike_say(WHY, -ENOMEM, "out of memory");
	return 0;
}

/* The XC_PROP_A_ADD_KE slots of a proposal nest, in order. */
static int get_add_kes(const struct xc_nla *prop, uint16_t *kes, uint8_t *n, char *why, size_t whylen)
{
	struct xc_nla a;
	size_t pos = 0;

	*n = 0;
	while (xc_nla_next(prop->data, prop->len, &pos, XC_PROP_A_ADD_KE, &a)) {
		if (*n == XC_HA_MAX_ADD_KES)
			return xc_ike_say(WHY, -EINVAL, "proposal with more than %d additional key exchanges",
					  XC_HA_MAX_ADD_KES);
		kes[(*n)++] = xc_nla_u16(&a);
	}
	if (*n && !kes[*n - 1])
		return xc_ike_say(WHY, -EINVAL, "proposal whose last additional key exchange slot is empty");
	return 0;
}

static int get_key_update(const struct xc_nla *nest, struct xc_key_update *u, char *why, size_t whylen)
{
	struct xc_nla tb[XC_KEYUPD_A_MAX + 1];
	int err;

	err = xc_nla_parse(nest->data, nest->len, keyupd_rules, XC_KEYUPD_A_MAX, tb,
			   "IKE_SA key update", WHY);
	if (err)
		return err;
	if (need(tb, XC_KEYUPD_A_SECRET, "key update secret", WHY) ||
	    need(tb, XC_KEYUPD_A_NONCE_I, "key update nonce i", WHY) ||
	    need(tb, XC_KEYUPD_A_NONCE_R, "key update nonce r", WHY))
		return -EINVAL;
	err = get_blob(&u->secret, &tb[XC_KEYUPD_A_SECRET], WHY);
	if (!err)
		err = get_blob(&u->nonce_i, &tb[XC_KEYUPD_A_NONCE_I], WHY);
	if (!err)
		err = get_blob(&u->nonce_r, &tb[XC_KEYUPD_A_NONCE_R], WHY);
	if (!err)
		err = get_blob(&u->add_secret, &tb[XC_KEYUPD_A_ADD_SECRET], WHY);
	return err;
}

static int get_child(const struct xc_nla *nest, struct xc_child **out, char *why, size_t whylen)
{
	struct xc_nla tb[XC_CHILD_A_MAX + 1], pt[XC_PROP_A_MAX + 1], ts;
	struct xc_child *c;
	size_t pos;
	int err;

	err = xc_nla_parse(nest->data, nest->len, child_rules, XC_CHILD_A_MAX, tb, "CHILD_SA", WHY);
	if (err)
		return err;
	if (need(tb, XC_CHILD_A_SPI_IN, "CHILD_SA inbound SPI", WHY) ||
	    need(tb, XC_CHILD_A_SPI_OUT, "CHILD_SA outbound SPI", WHY) ||
	    need(tb, XC_CHILD_A_KEYED_BY, "CHILD_SA keying IKE_SA", WHY) ||
	    need(tb, XC_CHILD_A_CONFIG, "CHILD_SA config", WHY) ||
	    need(tb, XC_CHILD_A_PROPOSAL, "CHILD_SA proposal", WHY) ||
	    need(tb, XC_CHILD_A_NONCE_I, "CHILD_SA nonce i", WHY) ||
	    need(tb, XC_CHILD_A_NONCE_R, "CHILD_SA nonce r", WHY))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return xc_ike_say(WHY, -ENOMEM, "out of memory");
	c->spi_in = xc_nla_u32(&tb[XC_CHILD_A_SPI_IN]);
	c->spi_out = xc_nla_u32(&tb[XC_CHILD_A_SPI_OUT]);
	if (tb[XC_CHILD_A_CPI_IN].data)
		c->cpi_in = xc_nla_u16(&tb[XC_CHILD_A_CPI_IN]);
	if (tb[XC_CHILD_A_CPI_OUT].data)
		c->cpi_out = xc_nla_u16(&tb[XC_CHILD_A_CPI_OUT]);
	if (tb[XC_CHILD_A_INITIATOR].data)
		c->initiator = xc_nla_u8(&tb[XC_CHILD_A_INITIATOR]) ? 1 : 0;
	c->mode = tb[XC_CHILD_A_MODE].data ? xc_nla_u8(&tb[XC_CHILD_A_MODE]) : 2;
	if (tb[XC_CHILD_A_IPCOMP].data)
		c->ipcomp = xc_nla_u8(&tb[XC_CHILD_A_IPCOMP]);
	if (tb[XC_CHILD_A_ADDED].data)
		c->added = (int64_t)xc_nla_u64(&tb[XC_CHILD_A_ADDED]);
	memcpy(c->config, tb[XC_CHILD_A_CONFIG].data, tb[XC_CHILD_A_CONFIG].len);
	err = get_ikeid(&tb[XC_CHILD_A_KEYED_BY], &c->keyed_by, "CHILD_SA keying IKE_SA", WHY);
	if (!err)
		err = xc_nla_parse(tb[XC_CHILD_A_PROPOSAL].data, tb[XC_CHILD_A_PROPOSAL].len,
				   prop_rules, XC_PROP_A_MAX, pt, "CHILD_SA proposal", WHY);
	if (err)
		goto fail;
#define PROP(field, type) do {						\
	if (pt[type].data) {						\
		c->field = xc_nla_u16(&pt[type]);			\
		c->has_##field = 1;					\
	}								\
} while (0)
	PROP(encr, XC_PROP_A_ENCR);
	PROP(encr_len, XC_PROP_A_ENCR_KEYLEN);
	PROP(integ, XC_PROP_A_INTEG);
	PROP(dh, XC_PROP_A_DH);
	PROP(esn, XC_PROP_A_ESN);
#undef PROP
	err = get_add_kes(&tb[XC_CHILD_A_PROPOSAL], c->add_kes, &c->nadd_kes, WHY);
	if (!err)
		err = get_blob(&c->nonce_i, &tb[XC_CHILD_A_NONCE_I], WHY);
	if (!err)
		err = get_blob(&c->nonce_r, &tb[XC_CHILD_A_NONCE_R], WHY);
	if (!err)
		err = get_blob(&c->secret, &tb[XC_CHILD_A_DH_SECRET], WHY);
	if (!err)
		err = get_blob(&c->add_secret, &tb[XC_CHILD_A_ADD_SECRET], WHY);
	if (!err && c->add_secret.len && !c->secret.len)
		err = xc_ike_say(WHY, -EINVAL, "CHILD_SA %08x: additional KE secrets without a DH secret",
				 c->spi_in);
	for (pos = 0; !err && xc_nla_next(nest->data, nest->len, &pos, XC_CHILD_A_LOCAL_TS, &ts);) {
		if (c->nlocal_ts == XC_MAX_TS)
			err = xc_ike_say(WHY, -EINVAL, "more than %d local traffic selectors", XC_MAX_TS);
		else
			err = get_ts(&ts, &c->local_ts[c->nlocal_ts++], WHY);
	}
	for (pos = 0; !err && xc_nla_next(nest->data, nest->len, &pos, XC_CHILD_A_REMOTE_TS, &ts);) {
		if (c->nremote_ts == XC_MAX_TS)
			err = xc_ike_say(WHY, -EINVAL, "more than %d remote traffic selectors", XC_MAX_TS);
		else
			err = get_ts(&ts, &c->remote_ts[c->nremote_ts++], WHY);
	}
	if (!err && (!c->nlocal_ts || !c->nremote_ts))
		err = xc_ike_say(WHY, -EINVAL, "CHILD_SA %08x without traffic selectors", c->spi_in);
	if (err)
		goto fail;
	*out = c;
	return 0;
fail:
	xc_child_free(c);
	return err;
}

static int get_addrs(const struct xc_nla *nest, uint16_t type, struct xc_ha_host *list,
		     unsigned int *n, const char *what, char *why, size_t whylen)
{
	struct xc_nla a;
	size_t pos = 0;
	int err;

	*n = 0;
	while (xc_nla_next(nest->data, nest->len, &pos, type, &a)) {
		if (*n == XC_MAX_ADDRS)
			return xc_ike_say(WHY, -EINVAL, "more than %d %s", XC_MAX_ADDRS, what);
		err = get_addr(&a, &list[(*n)++], what, WHY);
		if (err)
			return err;
	}
	return 0;
}

/* One IKE_SA nest; its CHILD_SAs go to the store's list. */
static int get_ike(const struct xc_nla *nest, struct xc_store *s, char *why, size_t whylen)
{
	struct xc_nla tb[XC_IKE_A_MAX + 1], pt[XC_PROP_A_MAX + 1], a;
	struct xc_ike *ike;
	size_t pos;
	int err;
	uint8_t state, form;

	err = xc_nla_parse(nest->data, nest->len, ike_rules, XC_IKE_A_MAX, tb, "IKE_SA", WHY);
	if (err)
		return err;
	if (need(tb, XC_IKE_A_STATE, "IKE_SA state", WHY) ||
	    need(tb, XC_IKE_A_VERSION, "IKE version", WHY) ||
	    need(tb, XC_IKE_A_SPI_I, "IKE_SA SPI i", WHY) ||
	    need(tb, XC_IKE_A_SPI_R, "IKE_SA SPI r", WHY) ||
	    need(tb, XC_IKE_A_KEY_FORM, "IKE_SA key form", WHY) ||
	    need(tb, XC_IKE_A_DH_SECRET, "IKE_SA DH secret", WHY) ||
	    need(tb, XC_IKE_A_NONCE_I, "IKE_SA nonce i", WHY) ||
	    need(tb, XC_IKE_A_NONCE_R, "IKE_SA nonce r", WHY) ||
	    need(tb, XC_IKE_A_PROPOSAL, "IKE_SA proposal", WHY))
		return -EINVAL;
	state = xc_nla_u8(&tb[XC_IKE_A_STATE]);
	if (state != XC_IKE_STATE_LIVE && state != XC_IKE_STATE_KEYING)
		return xc_ike_say(WHY, -EINVAL, "IKE_SA state %u unknown", state);
	if (xc_nla_u8(&tb[XC_IKE_A_VERSION]) != 2)
		return xc_ike_say(WHY, -EINVAL, "IKE version %u, only 2 is supported",
			   xc_nla_u8(&tb[XC_IKE_A_VERSION]));
	form = xc_nla_u8(&tb[XC_IKE_A_KEY_FORM]);
	if (form != XC_IKE_KEYS_DH_NONCES && form != XC_IKE_KEYS_DH_NONCES_ADD_KE)
		return xc_ike_say(WHY, -EINVAL, "key form %u: replay needs form %u or %u (DH secret + nonces, with additional key exchanges)",
			   form, XC_IKE_KEYS_DH_NONCES, XC_IKE_KEYS_DH_NONCES_ADD_KE);
	if (form == XC_IKE_KEYS_DH_NONCES &&
	    (tb[XC_IKE_A_ADD_SECRET].data || tb[XC_IKE_A_KEY_UPDATE].data))
		return xc_ike_say(WHY, -EINVAL, "key form %u with additional key exchange secrets (form %u holds them)",
			   form, XC_IKE_KEYS_DH_NONCES_ADD_KE);
	if ((tb[XC_IKE_A_REKEY_OF].data != NULL) != (tb[XC_IKE_A_OLD_SKD].data != NULL) ||
	    (tb[XC_IKE_A_REKEY_OF].data != NULL) != (tb[XC_IKE_A_OLD_PRF].data != NULL))
		return xc_ike_say(WHY, -EINVAL, "IKE_SA record with only part of its predecessor's keys");

	ike = calloc(1, sizeof(*ike));
	if (!ike)
		return xc_ike_say(WHY, -ENOMEM, "out of memory");
	ike->deleted = state == XC_IKE_STATE_KEYING;
	ike->ike_version = 2;
	ike->id.version = 2;
	memcpy(ike->id.spi_i, tb[XC_IKE_A_SPI_I].data, 8);
	memcpy(ike->id.spi_r, tb[XC_IKE_A_SPI_R].data, 8);
	if (tb[XC_IKE_A_INITIATOR].data)
		ike->id.initiator = xc_nla_u8(&tb[XC_IKE_A_INITIATOR]) ? 1 : 0;
	if (tb[XC_IKE_A_WINDOW].data)
		ike->window = xc_nla_u32(&tb[XC_IKE_A_WINDOW]);
	if (tb[XC_IKE_A_MID_OUT].data) {
		ike->mid_i = xc_nla_u32(&tb[XC_IKE_A_MID_OUT]);
		ike->has_mid_i = 1;
	}
	if (tb[XC_IKE_A_MID_IN].data) {
		ike->mid_r = xc_nla_u32(&tb[XC_IKE_A_MID_IN]);
		ike->has_mid_r = 1;
	}
	if (tb[XC_IKE_A_CONDITIONS].data) {
		ike->conditions = xc_nla_u32(&tb[XC_IKE_A_CONDITIONS]);
		ike->has_conditions = 1;
	}
	if (tb[XC_IKE_A_EXTENSIONS].data) {
		ike->extensions = xc_nla_u32(&tb[XC_IKE_A_EXTENSIONS]);
		ike->has_extensions = 1;
	}
	if (tb[XC_IKE_A_PRIV_CONDITIONS].data) {
		ike->priv_conditions = xc_nla_u32(&tb[XC_IKE_A_PRIV_CONDITIONS]);
		ike->has_priv_conditions = 1;
	}
	if (tb[XC_IKE_A_PRIV_EXTENSIONS].data) {
		ike->priv_extensions = xc_nla_u32(&tb[XC_IKE_A_PRIV_EXTENSIONS]);
		ike->has_priv_extensions = 1;
	}
	if (tb[XC_IKE_A_HA_VERSION].data)
		ike->ha_version = xc_nla_u8(&tb[XC_IKE_A_HA_VERSION]);
	if (tb[XC_IKE_A_CONFIG].data) {
		memcpy(ike->config, tb[XC_IKE_A_CONFIG].data, tb[XC_IKE_A_CONFIG].len);
		ike->updated = 1;
	}
	if (tb[XC_IKE_A_ADDED].data)
		ike->added = (int64_t)xc_nla_u64(&tb[XC_IKE_A_ADDED]);
	if (tb[XC_IKE_A_UPDATED].data)
		ike->updated_at = (int64_t)xc_nla_u64(&tb[XC_IKE_A_UPDATED]);
	err = xc_nla_parse(tb[XC_IKE_A_PROPOSAL].data, tb[XC_IKE_A_PROPOSAL].len, prop_rules,
			   XC_PROP_A_MAX, pt, "IKE_SA proposal", WHY);
	if (!err && !pt[XC_PROP_A_PRF].data)
		err = xc_ike_say(WHY, -EINVAL, "IKE_SA proposal without a PRF");
	if (err)
		goto fail;
	ike->prf = xc_nla_u16(&pt[XC_PROP_A_PRF]);
#define PROP(field, type) do {						\
	if (pt[type].data) {						\
		ike->field = xc_nla_u16(&pt[type]);			\
		ike->has_##field = 1;					\
	}								\
} while (0)
	PROP(encr, XC_PROP_A_ENCR);
	PROP(encr_len, XC_PROP_A_ENCR_KEYLEN);
	PROP(integ, XC_PROP_A_INTEG);
	PROP(dh, XC_PROP_A_DH);
#undef PROP
	err = get_add_kes(&tb[XC_IKE_A_PROPOSAL], ike->add_kes, &ike->nadd_kes, WHY);
	for (pos = 0; !err && xc_nla_next(nest->data, nest->len, &pos, XC_IKE_A_KEY_UPDATE, &a);) {
		if (ike->nupdates == XC_MAX_KEY_UPDATES)
			err = xc_ike_say(WHY, -EINVAL, "more than %d key updates", XC_MAX_KEY_UPDATES);
		else
			err = get_key_update(&a, &ike->updates[ike->nupdates++], WHY);
	}
	if (err)
		goto fail;
	if (tb[XC_IKE_A_LOCAL].data) {
		err = get_addr(&tb[XC_IKE_A_LOCAL], &ike->local, "IKE_SA local address", WHY);
		ike->has_local = 1;
	}
	if (!err && tb[XC_IKE_A_REMOTE].data) {
		err = get_addr(&tb[XC_IKE_A_REMOTE], &ike->remote, "IKE_SA remote address", WHY);
		ike->has_remote = 1;
	}
	if (!err && tb[XC_IKE_A_ADD_REMOTE].data) {
		err = get_addr(&tb[XC_IKE_A_ADD_REMOTE], &ike->add_remote, "IKE_SA first remote", WHY);
		ike->has_add_remote = 1;
	}
	if (!err && tb[XC_IKE_A_REKEY_OF].data) {
		err = get_ikeid(&tb[XC_IKE_A_REKEY_OF], &ike->rekey_of, "IKE_SA predecessor", WHY);
		ike->has_old = 1;
		ike->old_prf = xc_nla_u16(&tb[XC_IKE_A_OLD_PRF]);
		if (!err)
			err = get_blob(&ike->old_skd, &tb[XC_IKE_A_OLD_SKD], WHY);
	}
	if (!err)
		err = get_ident(&tb[XC_IKE_A_LOCAL_ID], &ike->local_id, "local identity", WHY);
	if (!err)
		err = get_ident(&tb[XC_IKE_A_REMOTE_ID], &ike->remote_id, "remote identity", WHY);
	if (!err)
		err = get_ident(&tb[XC_IKE_A_REMOTE_EAP_ID], &ike->remote_eap_id, "EAP identity", WHY);
	if (!err)
		err = get_addrs(nest, XC_IKE_A_LOCAL_VIP, ike->local_vips, &ike->nlocal_vips,
				"local virtual IPs", WHY);
	if (!err)
		err = get_addrs(nest, XC_IKE_A_REMOTE_VIP, ike->remote_vips, &ike->nremote_vips,
				"remote virtual IPs", WHY);
	if (!err)
		err = get_addrs(nest, XC_IKE_A_PEER_ADDR, ike->peer_addrs, &ike->npeer_addrs,
				"peer addresses", WHY);
	if (!err)
		err = get_blob(&ike->secret, &tb[XC_IKE_A_DH_SECRET], WHY);
	if (!err)
		err = get_blob(&ike->add_secret, &tb[XC_IKE_A_ADD_SECRET], WHY);
	if (!err)
		err = get_blob(&ike->nonce_i, &tb[XC_IKE_A_NONCE_I], WHY);
	if (!err)
		err = get_blob(&ike->nonce_r, &tb[XC_IKE_A_NONCE_R], WHY);
	if (err)
		goto fail;
	if (xc_store_find_ike(s, &ike->id)) {
		char idstr[64];

		xc_ike_id_str(&ike->id, idstr, sizeof(idstr));
		err = xc_ike_say(WHY, -EINVAL, "IKE_SA %s recorded twice", idstr);
		goto fail;
	}
	ike->next = s->ikes;
	s->ikes = ike;

	for (pos = 0; xc_nla_next(nest->data, nest->len, &pos, XC_IKE_A_CHILD, &a);) {
		struct xc_child *c = NULL;

		if (ike->deleted)
			return xc_ike_say(WHY, -EINVAL, "a keying-only IKE_SA record carries CHILD_SAs");
		err = get_child(&a, &c, WHY);
		if (err)
			return err;
		if (form == XC_IKE_KEYS_DH_NONCES && xc_child_has_add_ke(c)) {
			err = xc_ike_say(WHY, -EINVAL, "CHILD_SA %08x with additional key exchanges in a key form %u record",
					 c->spi_in, form);
			xc_child_free(c);
			return err;
		}
		if (xc_store_find_child(s, c->spi_in)) {
			err = xc_ike_say(WHY, -EINVAL, "CHILD_SA %08x recorded twice", c->spi_in);
			xc_child_free(c);
			return err;
		}
		c->next = s->children;
		s->children = c;
	}
	return 0;
fail:
	xc_ike_free(ike);
	return err;
}

/* Prefix the reason with the record it is about. */
static int at_record(int err, const struct xfrmctx_record *r, char *why, size_t whylen)
{
	char inner[256];

	if (why && whylen) {
		snprintf(inner, sizeof(inner), "%s", why);
		snprintf(why, whylen, "IKE_SA record at offset %zu: %s", r->offset, inner);
	}
	return err;
}

int xc_ike_ctx_get(const struct xfrmctx_ctx *c, struct xc_store *s, char *why, size_t whylen)
{
	struct xfrmctx_record r = { 0 };
	struct xc_child *ch;
	int err;

	xc_store_init(s);
	while (xfrmctx_ctx_next(c, &r) > 0) {
		struct xc_nla rec = { .type = r.type, .len = (uint16_t)r.len, .data = r.data };

		if (r.type != XFRMCTX_REC_IKE_SA)
			continue;
		err = get_ike(&rec, s, WHY);
		if (err)
			return at_record(err, &r, WHY);
	}
	/* every CHILD_SA must resolve to a live IKE_SA through its keying one */
	for (ch = s->children; ch; ch = ch->next) {
		if (!xc_store_find_ike(s, &ch->keyed_by) || !xc_store_child_owner(s, ch)) {
			char idstr[64];

			xc_ike_id_str(&ch->keyed_by, idstr, sizeof(idstr));
			return xc_ike_say(WHY, -EINVAL,
				   "CHILD_SA %08x: its keying IKE_SA %s is not in the context",
				   ch->spi_in, idstr);
		}
	}
	return 0;
}

/* The recorder's record */

static const struct xc_nla_rule recorder_rules[XC_RECORDER_A_MAX + 1] = {
	[XC_RECORDER_A_SERIAL] = { XC_NLA_U64, 0, 0, 0 },
	[XC_RECORDER_A_WRITTEN] = { XC_NLA_U64, 0, 0, 0 },
	[XC_RECORDER_A_SOURCE] = { XC_NLA_STRING, 0, 1, 64 },
	[XC_RECORDER_A_ACCEPTED] = { XC_NLA_U64, 0, 0, 0 },
	[XC_RECORDER_A_DROPPED] = { XC_NLA_U64, 0, 0, 0 },
	[XC_RECORDER_A_TRIGGER] = { XC_NLA_U8, 0, 0, 0 },
	[XC_RECORDER_A_SAS] = { XC_NLA_U32, 0, 0, 0 },
	[XC_RECORDER_A_MISSING] = { XC_NLA_U32, 0, 0, 0 },
	[XC_RECORDER_A_KERNEL_ERROR] = { XC_NLA_STRING, 0, 1, 160 },
	[XC_RECORDER_A_FROZEN_UNTIL] = { XC_NLA_U64, 0, 0, 0 },
};

const char *xc_trigger_name(uint8_t trigger)
{
	static const char *const names[] = {
		[XC_TRIGGER_START] = "start", [XC_TRIGGER_PERIODIC] = "periodic",
		[XC_TRIGGER_DEMAND] = "on-demand", [XC_TRIGGER_STOP] = "stop",
	};

	return trigger < sizeof(names) / sizeof(names[0]) && names[trigger] ? names[trigger] : "unknown";
}

int xc_recorder_put(struct xfrmctx_ctx *c, const struct xc_recorder_info *m)
{
	struct xc_nlb b;
	int err;

	xc_nlb_init(&b);
	xc_nlb_u64(&b, XC_RECORDER_A_SERIAL, m->serial);
	xc_nlb_u64(&b, XC_RECORDER_A_WRITTEN, m->written_ms);
	if (m->source[0])
		xc_nlb_str(&b, XC_RECORDER_A_SOURCE, m->source);
	xc_nlb_u64(&b, XC_RECORDER_A_ACCEPTED, m->accepted);
	xc_nlb_u64(&b, XC_RECORDER_A_DROPPED, m->dropped);
	xc_nlb_u8(&b, XC_RECORDER_A_TRIGGER, m->trigger);
	xc_nlb_u32(&b, XC_RECORDER_A_SAS, m->sas);
	xc_nlb_u32(&b, XC_RECORDER_A_MISSING, m->missing);
	if (m->kernel_error[0])
		xc_nlb_str(&b, XC_RECORDER_A_KERNEL_ERROR, m->kernel_error);
	if (m->frozen_until_ms)
		xc_nlb_u64(&b, XC_RECORDER_A_FROZEN_UNTIL, m->frozen_until_ms);
	err = b.err ? b.err : xfrmctx_ctx_append(c, XFRMCTX_REC_IKE_RECORDER, XFRMCTX_REC_F_NESTED,
						 b.data, b.len);
	xc_nlb_free(&b);
	return err;
}

int xc_recorder_get(const struct xfrmctx_ctx *c, struct xc_recorder_info *m,
		    char *why, size_t whylen)
{
	struct xc_nla tb[XC_RECORDER_A_MAX + 1];
	struct xfrmctx_record r = { 0 };
	int err;

	memset(m, 0, sizeof(*m));
	while (xfrmctx_ctx_next(c, &r) > 0)
		if (r.type == XFRMCTX_REC_IKE_RECORDER)
			break;
	if (r.type != XFRMCTX_REC_IKE_RECORDER)
		return 0;
	err = xc_nla_parse(r.data, r.len, recorder_rules, XC_RECORDER_A_MAX, tb,
			   "recorder record", WHY);
	if (err) {
		char inner[200];

		snprintf(inner, sizeof(inner), "%s", why);
		return xc_ike_say(WHY, err, "record at offset %zu: %s", r.offset, inner);
	}
	m->present = 1;
	if (tb[XC_RECORDER_A_SERIAL].data)
		m->serial = xc_nla_u64(&tb[XC_RECORDER_A_SERIAL]);
	if (tb[XC_RECORDER_A_WRITTEN].data)
		m->written_ms = xc_nla_u64(&tb[XC_RECORDER_A_WRITTEN]);
	if (tb[XC_RECORDER_A_SOURCE].data)
		memcpy(m->source, tb[XC_RECORDER_A_SOURCE].data, tb[XC_RECORDER_A_SOURCE].len);
	if (tb[XC_RECORDER_A_ACCEPTED].data)
		m->accepted = xc_nla_u64(&tb[XC_RECORDER_A_ACCEPTED]);
	if (tb[XC_RECORDER_A_DROPPED].data)
		m->dropped = xc_nla_u64(&tb[XC_RECORDER_A_DROPPED]);
	if (tb[XC_RECORDER_A_TRIGGER].data)
		m->trigger = xc_nla_u8(&tb[XC_RECORDER_A_TRIGGER]);
	if (tb[XC_RECORDER_A_SAS].data)
		m->sas = xc_nla_u32(&tb[XC_RECORDER_A_SAS]);
	if (tb[XC_RECORDER_A_MISSING].data)
		m->missing = xc_nla_u32(&tb[XC_RECORDER_A_MISSING]);
	if (tb[XC_RECORDER_A_KERNEL_ERROR].data)
		memcpy(m->kernel_error, tb[XC_RECORDER_A_KERNEL_ERROR].data,
		       tb[XC_RECORDER_A_KERNEL_ERROR].len);
	if (tb[XC_RECORDER_A_FROZEN_UNTIL].data)
		m->frozen_until_ms = xc_nla_u64(&tb[XC_RECORDER_A_FROZEN_UNTIL]);
	return 0;
}
