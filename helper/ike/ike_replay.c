// SPDX-License-Identifier: GPL-2.0-or-later
/* Building the HA messages of a replay (see ike_replay.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ike_replay.h"

#define MAX_CHAIN 64

static void put_ident(struct xc_ha_buf *b, uint8_t attr, const struct xc_ident *id)
{
	if (id->present)
		xc_ha_put_ident(b, attr, id->type, id->data, id->len);
}

/* ALG_ADD_KES as ha_message.c writes it: be16 per slot up to the last. */
static void put_add_kes(struct xc_ha_buf *b, const uint16_t *kes, uint8_t n)
{
	uint8_t raw[2 * XC_HA_MAX_ADD_KES];
	unsigned int i;

	if (!n)
		return;
	for (i = 0; i < n; i++) {
		raw[2 * i] = (uint8_t)(kes[i] >> 8);
		raw[2 * i + 1] = (uint8_t)kes[i];
	}
	xc_ha_put_chunk(b, XC_HA_A_ALG_ADD_KES, raw, (uint16_t)(2 * n));
}

static void ike_add(struct xc_ha_buf *b, uint8_t version, const struct xc_ike *ike)
{
	xc_ha_begin_v(b, version, XC_HA_IKE_ADD);
	xc_ha_put_u8(b, XC_HA_A_IKE_VERSION, ike->ike_version);
	xc_ha_put_ike_id(b, XC_HA_A_IKE_ID, &ike->id);
	if (ike->has_old) {
		xc_ha_put_ike_id(b, XC_HA_A_IKE_REKEY_ID, &ike->rekey_of);
		xc_ha_put_u16(b, XC_HA_A_ALG_OLD_PRF, ike->old_prf);
		xc_ha_put_chunk(b, XC_HA_A_OLD_SKD, ike->old_skd.data, ike->old_skd.len);
	}
	if (ike->has_encr)
		xc_ha_put_u16(b, XC_HA_A_ALG_ENCR, ike->encr);
	if (ike->has_encr_len)
		xc_ha_put_u16(b, XC_HA_A_ALG_ENCR_LEN, ike->encr_len);
	if (ike->has_integ)
		xc_ha_put_u16(b, XC_HA_A_ALG_INTEG, ike->integ);
	xc_ha_put_u16(b, XC_HA_A_ALG_PRF, ike->prf);
	if (ike->has_dh)
		xc_ha_put_u16(b, XC_HA_A_ALG_DH, ike->dh);
	put_add_kes(b, ike->add_kes, ike->nadd_kes);
	xc_ha_put_chunk(b, XC_HA_A_NONCE_I, ike->nonce_i.data, ike->nonce_i.len);
	xc_ha_put_chunk(b, XC_HA_A_NONCE_R, ike->nonce_r.data, ike->nonce_r.len);
	xc_ha_put_chunk(b, XC_HA_A_SECRET, ike->secret.data, ike->secret.len);
	if (ike->add_secret.len)
		xc_ha_put_chunk(b, XC_HA_A_ADD_SECRET, ike->add_secret.data, ike->add_secret.len);
	if (ike->has_add_remote)
		xc_ha_put_host(b, XC_HA_A_REMOTE_ADDR, &ike->add_remote);
}

/* Key update n of an IKE_SA (IKE_INTERMEDIATE), as ha_ike.c sends it when
 * the IKE_SA is its own predecessor: no proposal, no old SK_d (charon takes
 * its current one). */
static void ike_key_update(struct xc_ha_buf *b, uint8_t version, const struct xc_ike *ike,
			   const struct xc_key_update *u)
{
	xc_ha_begin_v(b, version, XC_HA_IKE_ADD);
	xc_ha_put_u8(b, XC_HA_A_IKE_VERSION, ike->ike_version);
	xc_ha_put_ike_id(b, XC_HA_A_IKE_ID, &ike->id);
	xc_ha_put_chunk(b, XC_HA_A_NONCE_I, u->nonce_i.data, u->nonce_i.len);
	xc_ha_put_chunk(b, XC_HA_A_NONCE_R, u->nonce_r.data, u->nonce_r.len);
	xc_ha_put_chunk(b, XC_HA_A_SECRET, u->secret.data, u->secret.len);
	if (u->add_secret.len)
		xc_ha_put_chunk(b, XC_HA_A_ADD_SECRET, u->add_secret.data, u->add_secret.len);
}

/* The IKE_UPDATE of ike, with the fields of u (ike itself, or the live
 * IKE_SA when a keying predecessor was never updated). */
static void ike_update(struct xc_ha_buf *b, uint8_t version, const struct xc_ike *ike,
		       const struct xc_ike *u)
{
	unsigned int i;

	xc_ha_begin_v(b, version, XC_HA_IKE_UPDATE);
	xc_ha_put_ike_id(b, XC_HA_A_IKE_ID, &ike->id);
	put_ident(b, XC_HA_A_LOCAL_ID, &u->local_id);
	put_ident(b, XC_HA_A_REMOTE_ID, &u->remote_id);
	put_ident(b, XC_HA_A_REMOTE_EAP_ID, &u->remote_eap_id);
	if (u->has_local)
		xc_ha_put_host(b, XC_HA_A_LOCAL_ADDR, &u->local);
	if (u->has_remote)
		xc_ha_put_host(b, XC_HA_A_REMOTE_ADDR, &u->remote);
	if (u->has_conditions)
		xc_ha_put_u32(b, XC_HA_A_CONDITIONS, u->conditions);
	/* version 5: the private sets after the public ones, as ha_ike.c
	 * does; refuse_unfit() made sure an older version needs none */
	if (version >= 5 && u->has_priv_conditions)
		xc_ha_put_u32(b, XC_HA_A_CONDITIONS, u->priv_conditions);
	if (u->has_extensions)
		xc_ha_put_u32(b, XC_HA_A_EXTENSIONS, u->extensions);
	if (version >= 5 && u->has_priv_extensions)
		xc_ha_put_u32(b, XC_HA_A_EXTENSIONS, u->priv_extensions);
	xc_ha_put_str(b, XC_HA_A_CONFIG_NAME, u->config);
	for (i = 0; i < u->npeer_addrs; i++)
		xc_ha_put_host(b, XC_HA_A_PEER_ADDR, &u->peer_addrs[i]);
	for (i = 0; i < u->nlocal_vips; i++)
		xc_ha_put_host(b, XC_HA_A_LOCAL_VIP, &u->local_vips[i]);
	for (i = 0; i < u->nremote_vips; i++)
		xc_ha_put_host(b, XC_HA_A_REMOTE_VIP, &u->remote_vips[i]);
}

static void child_add(struct xc_ha_buf *b, uint8_t version, const struct xc_ike *keying,
		      const struct xc_child *c)
{
	unsigned int i;

	xc_ha_begin_v(b, version, XC_HA_CHILD_ADD);
	xc_ha_put_ike_id(b, XC_HA_A_IKE_ID, &keying->id);
	xc_ha_put_u8(b, XC_HA_A_INITIATOR, c->initiator);
	/* the inverse of xc_ha_spi(): the same swap */
	xc_ha_put_u32(b, XC_HA_A_INBOUND_SPI, xc_ha_spi(c->spi_in));
	xc_ha_put_u32(b, XC_HA_A_OUTBOUND_SPI, xc_ha_spi(c->spi_out));
	xc_ha_put_u16(b, XC_HA_A_INBOUND_CPI, xc_ha_cpi(c->cpi_in));
	xc_ha_put_u16(b, XC_HA_A_OUTBOUND_CPI, xc_ha_cpi(c->cpi_out));
	xc_ha_put_u8(b, XC_HA_A_IPSEC_MODE, c->mode);
	xc_ha_put_u8(b, XC_HA_A_IPCOMP, c->ipcomp);
	xc_ha_put_str(b, XC_HA_A_CONFIG_NAME, c->config);
	if (c->has_encr)
		xc_ha_put_u16(b, XC_HA_A_ALG_ENCR, c->encr);
	if (c->has_encr_len)
		xc_ha_put_u16(b, XC_HA_A_ALG_ENCR_LEN, c->encr_len);
	if (c->has_integ)
		xc_ha_put_u16(b, XC_HA_A_ALG_INTEG, c->integ);
	if (c->has_dh)
		xc_ha_put_u16(b, XC_HA_A_ALG_DH, c->dh);
	put_add_kes(b, c->add_kes, c->nadd_kes);
	if (c->has_esn)
		xc_ha_put_u16(b, XC_HA_A_ESN, c->esn);
	xc_ha_put_chunk(b, XC_HA_A_NONCE_I, c->nonce_i.data, c->nonce_i.len);
	xc_ha_put_chunk(b, XC_HA_A_NONCE_R, c->nonce_r.data, c->nonce_r.len);
	if (c->secret.len)
		xc_ha_put_chunk(b, XC_HA_A_SECRET, c->secret.data, c->secret.len);
	if (c->add_secret.len)
		xc_ha_put_chunk(b, XC_HA_A_ADD_SECRET, c->add_secret.data, c->add_secret.len);
	for (i = 0; i < c->nlocal_ts; i++)
		xc_ha_put_ts(b, XC_HA_A_LOCAL_TS, &c->local_ts[i]);
	for (i = 0; i < c->nremote_ts; i++)
		xc_ha_put_ts(b, XC_HA_A_REMOTE_TS, &c->remote_ts[i]);
}

static void mid(struct xc_ha_buf *b, uint8_t version, uint8_t type, const struct xc_ike *ike,
		uint32_t v)
{
	xc_ha_begin_v(b, version, type);
	xc_ha_put_ike_id(b, XC_HA_A_IKE_ID, &ike->id);
	xc_ha_put_u32(b, XC_HA_A_MID, v);
}

static int keys_child_of(const struct xc_store *s, const struct xc_ike *live, const struct xc_ike *x)
{
	const struct xc_child *c;

	for (c = s->children; c; c = c->next)
		if (xc_ike_id_eq(&c->keyed_by, &x->id) && xc_store_child_owner(s, c) == live)
			return 1;
	return 0;
}

struct emitter {
	xc_emit_fn fn;
	void *ctx;
	struct xc_replay_stats *st;
	uint8_t version;
	int skip_add;		/* xc_replay_ike_v without the IKE_ADD */
	struct xc_ha_buf buf;
};

static int emit(struct emitter *e, const char *what, char *why, size_t whylen)
{
	if (e->buf.unfit) {
		snprintf(why, whylen, "%s: %s does not exist in HA protocol version %u (%s)", what,
			 e->buf.unfit, e->version, xc_ha_version_speakers(e->version));
		return -EINVAL;
	}
	if (e->buf.overflow) {
		snprintf(why, whylen, "%s does not fit into one datagram", what);
		return -EINVAL;
	}
	e->st->messages++;
	return e->fn(e->ctx, &e->buf, what);
}

/*
 * What an older protocol version cannot carry, refused before anything of
 * the IKE_SA is sent: additional key exchanges (versions 4+; charon 5.x
 * would derive other keys without them) and private conditions or
 * extensions (version 5; a private set with no bit but the marker holds
 * nothing and is left out).
 */
static int refuse_unfit(const struct xc_store *s, const struct xc_ike *live, const struct xc_ike *x,
			uint8_t version, char *why, size_t whylen)
{
	const struct xc_child *c;
	char idstr[64];

	xc_ike_id_str(&x->id, idstr, sizeof(idstr));
	if (version < 4 && xc_ike_has_add_ke(x)) {
		snprintf(why, whylen, "IKE_SA %s was keyed with additional key exchanges (RFC 9370: %u method%s, %u IKE_INTERMEDIATE key update%s%s): HA protocol version %u (%s) cannot carry them; the standby's charon must be strongSwan 6.0.1 or later",
			 idstr, x->nadd_kes, x->nadd_kes == 1 ? "" : "s", x->nupdates,
			 x->nupdates == 1 ? "" : "s", x->add_secret.len ? ", a rekey's additional secrets" : "",
			 version, xc_ha_version_speakers(version));
		return -EINVAL;
	}
	for (c = s->children; version < 4 && c; c = c->next) {
		if (!xc_ike_id_eq(&c->keyed_by, &x->id) || xc_store_child_owner(s, c) != live ||
		    !xc_child_has_add_ke(c))
			continue;
		snprintf(why, whylen, "CHILD_SA %s spi-in %08x of IKE_SA %s was keyed with additional key exchanges (RFC 9370): HA protocol version %u (%s) cannot carry them; the standby's charon must be strongSwan 6.0.1 or later",
			 c->config, c->spi_in, idstr, version, xc_ha_version_speakers(version));
		return -EINVAL;
	}
	if (version < 5 && ((x->has_priv_conditions && (x->priv_conditions & ~XC_HA_PRIVATE_MARKER)) ||
			    (x->has_priv_extensions && (x->priv_extensions & ~XC_HA_PRIVATE_MARKER)))) {
		snprintf(why, whylen, "IKE_SA %s has private conditions 0x%08x / extensions 0x%08x: only HA protocol version 5 (strongSwan 6.0.2 and later) carries them, not %u (%s)",
			 idstr, x->priv_conditions, x->priv_extensions, version,
			 xc_ha_version_speakers(version));
		return -EINVAL;
	}
	return 0;
}

static int replay_ike(const struct xc_store *s, const struct xc_ike *live, struct emitter *e,
		      char *why, size_t whylen)
{
	const struct xc_ike *chain[MAX_CHAIN], *x = live, *p;
	const struct xc_child *c;
	char idstr[64], what[256];
	int n = 0, first = 0, i, err;
	unsigned int k;

	/* predecessors, newest to oldest, then keep them oldest first */
	chain[n++] = live;
	while (x->has_old && n < MAX_CHAIN && (p = xc_store_find_ike(s, &x->rekey_of)) && p->deleted) {
		chain[n++] = p;
		x = p;
	}
	for (i = 0; i < n / 2; i++) {
		p = chain[i];
		chain[i] = chain[n - 1 - i];
		chain[n - 1 - i] = p;
	}
	/* charon needs a predecessor only to key a CHILD_SA or to pass the
	 * CHILD_SAs on: start at the oldest one that keys something */
	while (first < n - 1 && !keys_child_of(s, live, chain[first]))
		first++;

	for (i = first; i < n; i++) {
		err = refuse_unfit(s, live, chain[i], e->version, why, whylen);
		if (err)
			return err;
	}
	for (i = first; i < n; i++) {
		x = chain[i];
		xc_ike_id_str(&x->id, idstr, sizeof(idstr));
		if (e->skip_add)
			goto update;
		ike_add(&e->buf, e->version, x);
		snprintf(what, sizeof(what), "IKE_ADD %s%s", idstr, x == live ? "" : " (keying predecessor)");
		err = emit(e, what, why, whylen);
		if (err)
			return err;
		for (k = 0; k < x->nupdates; k++) {
			ike_key_update(&e->buf, e->version, x, &x->updates[k]);
			snprintf(what, sizeof(what), "IKE_ADD %s key update %u (IKE_INTERMEDIATE)", idstr, k + 1);
			err = emit(e, what, why, whylen);
			if (err)
				return err;
		}
update:
		ike_update(&e->buf, e->version, x, x->updated ? x : live);
		snprintf(what, sizeof(what), "IKE_UPDATE %s", idstr);
		err = emit(e, what, why, whylen);
		if (err)
			return err;
		if (x != live)
			e->st->keying++;
		for (c = s->children; c; c = c->next) {
			if (!xc_ike_id_eq(&c->keyed_by, &x->id) || xc_store_child_owner(s, c) != live)
				continue;
			child_add(&e->buf, e->version, x, c);
			snprintf(what, sizeof(what), "CHILD_ADD %s spi-in %08x spi-out %08x",
				 c->config, c->spi_in, c->spi_out);
			err = emit(e, what, why, whylen);
			if (err)
				return err;
			e->st->children++;
		}
	}
	xc_ike_id_str(&live->id, idstr, sizeof(idstr));
	if (live->has_mid_i) {
		mid(&e->buf, e->version, XC_HA_IKE_MID_INITIATOR, live, live->mid_i);
		snprintf(what, sizeof(what), "IKE_MID_INITIATOR %s mid %u", idstr, live->mid_i);
		err = emit(e, what, why, whylen);
		if (err)
			return err;
	}
	if (live->has_mid_r) {
		mid(&e->buf, e->version, XC_HA_IKE_MID_RESPONDER, live, live->mid_r);
		snprintf(what, sizeof(what), "IKE_MID_RESPONDER %s mid %u", idstr, live->mid_r);
		err = emit(e, what, why, whylen);
		if (err)
			return err;
	}
	e->st->ike_sas++;
	return 0;
}

int xc_replay_build(const struct xc_store *s, xc_emit_fn fn, void *ctx,
		    struct xc_replay_stats *st, char *why, size_t whylen)
{
	return xc_replay_build_v(s, XC_HA_VERSION, fn, ctx, st, why, whylen);
}

int xc_replay_ike_v(const struct xc_store *s, const struct xc_ike *live, uint8_t version,
		    int with_add, xc_emit_fn fn, void *ctx, struct xc_replay_stats *st,
		    char *why, size_t whylen)
{
	static struct emitter e;
	int err;

	memset(st, 0, sizeof(*st));
	if (version < XC_HA_VERSION_MIN || version > XC_HA_VERSION_MAX || live->deleted ||
	    !live->updated) {
		snprintf(why, whylen, "nothing to send again (version %u, IKE_SA %s)", version,
			 live->deleted ? "deleted" : live->updated ? "live" : "never up");
		return -EINVAL;
	}
	e = (struct emitter){ .fn = fn, .ctx = ctx, .st = st, .version = version,
			      .skip_add = !with_add };
	err = replay_ike(s, live, &e, why, whylen);
	explicit_bzero(&e.buf, sizeof(e.buf));
	return err;
}

int xc_replay_build_v(const struct xc_store *s, uint8_t version, xc_emit_fn fn, void *ctx,
		      struct xc_replay_stats *st, char *why, size_t whylen)
{
	static struct emitter e;	/* 64 KiB buffer: not on the stack */
	const struct xc_ike *ike, *p;
	int err;

	memset(st, 0, sizeof(*st));
	if (version < XC_HA_VERSION_MIN || version > XC_HA_VERSION_MAX) {
		snprintf(why, whylen, "HA protocol version %u: only %u to %u can be sent", version,
			 XC_HA_VERSION_MIN, XC_HA_VERSION_MAX);
		return -EINVAL;
	}
	e.version = version;
	e.fn = fn;
	e.ctx = ctx;
	e.st = st;
	e.skip_add = 0;
	/* oldest first: the list is newest first */
	for (ike = s->ikes; ike && ike->next; ike = ike->next)
		;
	while (ike) {
		if (!ike->deleted) {
			if (!ike->updated) {
				st->skipped++;	/* never came up: nothing to hold */
			} else {
				err = replay_ike(s, ike, &e, why, whylen);
				if (err)
					goto out;
			}
		}
		if (ike == s->ikes)
			break;
		for (p = s->ikes; p->next != ike; p = p->next)
			;
		ike = p;
	}
	err = 0;
out:
	explicit_bzero(&e.buf, sizeof(e.buf));
	return err;
}
