// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The recorder's state machine: each checked HA message either changes the
 * records as charon's passive node would change its IKE_SAs, or is refused
 * with a reason and changes nothing. Every change is prepared on a copy and
 * swapped in only when the whole message has been accepted.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_store.h"
#include "ike_err.h"

/* Every refusal here is -EINVAL, with its reason in why. */
#define say(why, whylen, ...) xc_ike_say(why, whylen, -EINVAL, __VA_ARGS__)

int xc_blob_set(struct xc_blob *b, const uint8_t *data, uint16_t len)
{
	uint8_t *p = NULL;

	if (len) {
		p = malloc(len);
		if (!p)
			return -ENOMEM;
		memcpy(p, data, len);
	}
	xc_blob_clear(b);
	b->data = p;
	b->len = len;
	return 0;
}

void xc_blob_clear(struct xc_blob *b)
{
	if (b->data) {
		explicit_bzero(b->data, b->len);
		free(b->data);
	}
	b->data = NULL;
	b->len = 0;
}

void xc_ike_free(struct xc_ike *ike)
{
	if (!ike)
		return;
	xc_blob_clear(&ike->nonce_i);
	xc_blob_clear(&ike->nonce_r);
	xc_blob_clear(&ike->secret);
	xc_blob_clear(&ike->old_skd);
	xc_blob_clear(&ike->add_secret);
	for (unsigned int i = 0; i < XC_MAX_KEY_UPDATES; i++) {
		xc_blob_clear(&ike->updates[i].secret);
		xc_blob_clear(&ike->updates[i].add_secret);
		xc_blob_clear(&ike->updates[i].nonce_i);
		xc_blob_clear(&ike->updates[i].nonce_r);
	}
	explicit_bzero(ike, sizeof(*ike));
	free(ike);
}

void xc_child_free(struct xc_child *c)
{
	if (!c)
		return;
	xc_blob_clear(&c->nonce_i);
	xc_blob_clear(&c->nonce_r);
	xc_blob_clear(&c->secret);
	xc_blob_clear(&c->add_secret);
	explicit_bzero(c, sizeof(*c));
	free(c);
}

int xc_ike_has_add_ke(const struct xc_ike *ike)
{
	return ike->add_secret.len || ike->nadd_kes || ike->nupdates;
}

int xc_child_has_add_ke(const struct xc_child *c)
{
	return c->add_secret.len || c->nadd_kes;
}

void xc_store_init(struct xc_store *s)
{
	memset(s, 0, sizeof(*s));
}

void xc_store_free(struct xc_store *s)
{
	struct xc_ike *ike, *in;
	struct xc_child *c, *cn;

	for (ike = s->ikes; ike; ike = in) {
		in = ike->next;
		xc_ike_free(ike);
	}
	for (c = s->children; c; c = cn) {
		cn = c->next;
		xc_child_free(c);
	}
	xc_store_init(s);
}

int xc_ike_id_eq(const struct xc_ha_ike_id *a, const struct xc_ha_ike_id *b)
{
	/* the initiator flag is this node's role, not part of the identity */
	return a->version == b->version && !memcmp(a->spi_i, b->spi_i, 8) &&
	       !memcmp(a->spi_r, b->spi_r, 8);
}

void xc_ike_id_str(const struct xc_ha_ike_id *id, char *buf, size_t len)
{
	char hex[2][17];
	int i, k;

	for (k = 0; k < 2; k++)
		for (i = 0; i < 8; i++)
			snprintf(hex[k] + 2 * i, 3, "%02x", k ? id->spi_r[i] : id->spi_i[i]);
	snprintf(buf, len, "%s_i%s %s_r%s", hex[0], id->initiator ? "*" : "", hex[1],
		 id->initiator ? "" : "*");
}

struct xc_ike *xc_store_find_ike(const struct xc_store *s, const struct xc_ha_ike_id *id)
{
	struct xc_ike *ike;

	for (ike = s->ikes; ike; ike = ike->next)
		if (xc_ike_id_eq(&ike->id, id))
			return ike;
	return NULL;
}

struct xc_child *xc_store_find_child(const struct xc_store *s, uint32_t spi_in)
{
	struct xc_child *c;

	for (c = s->children; c; c = c->next)
		if (c->spi_in == spi_in)
			return c;
	return NULL;
}

/* The live IKE_SA reached from ike through rekeys, or NULL. Rekey
 * collisions can give one IKE_SA two successors; any live one wins. */
static struct xc_ike *live_from(const struct xc_store *s, struct xc_ike *ike, int depth)
{
	struct xc_ike *next, *found;

	if (!ike->deleted)
		return ike;
	if (depth > 64)
		return NULL;
	for (next = s->ikes; next; next = next->next) {
		if (next == ike || !next->has_old || !xc_ike_id_eq(&next->rekey_of, &ike->id))
			continue;
		found = live_from(s, next, depth + 1);
		if (found)
			return found;
	}
	return NULL;
}

struct xc_ike *xc_store_child_owner(const struct xc_store *s, const struct xc_child *c)
{
	struct xc_ike *ike = xc_store_find_ike(s, &c->keyed_by);

	return ike ? live_from(s, ike, 0) : NULL;
}

int xc_store_leads_to_live(const struct xc_store *s, const struct xc_ike *ike)
{
	return live_from(s, (struct xc_ike *)ike, 0) != NULL;
}

/* Does a deleted IKE_SA lead to one that was deleted less than
 * XC_REKEY_GRACE_S ago and has no successor yet (whose rekeying IKE_ADD may
 * still be on its way)? */
static int pending_from(const struct xc_store *s, const struct xc_ike *ike, int64_t now,
			int depth)
{
	const struct xc_ike *next;
	int has_next = 0;

	if (!ike->deleted || depth > 64)
		return 0;
	for (next = s->ikes; next; next = next->next) {
		if (next == ike || !next->has_old || !xc_ike_id_eq(&next->rekey_of, &ike->id))
			continue;
		has_next = 1;
		if (pending_from(s, next, now, depth + 1))
			return 1;
	}
	return !has_next && ike->deleted_at && now - ike->deleted_at < XC_REKEY_GRACE_S;
}

/* A CHILD_SA no live IKE_SA owns, kept for the successor that may come. */
static int child_pending(const struct xc_store *s, const struct xc_child *c, int64_t now)
{
	const struct xc_ike *ike = xc_store_find_ike(s, &c->keyed_by);

	return ike && !live_from(s, (struct xc_ike *)ike, 0) && pending_from(s, ike, now, 0);
}

void xc_store_counts(const struct xc_store *s, unsigned int *live,
		     unsigned int *keying, unsigned int *children)
{
	struct xc_ike *ike;
	struct xc_child *c;

	*live = *keying = *children = 0;
	for (ike = s->ikes; ike; ike = ike->next)
		(*(ike->deleted ? keying : live))++;
	for (c = s->children; c; c = c->next)
		(*children)++;
}

/*
 * Drop what no live IKE_SA needs any more: CHILD_SAs whose IKE_SA is gone,
 * and deleted IKE_SAs that no live IKE_SA's chain of predecessors needs to
 * key a CHILD_SA (the chain is kept whole from the oldest such IKE_SA, since
 * charon moves CHILD_SAs only from the IKE_SA a rekey names). What an
 * IKE_SA deleted less than XC_REKEY_GRACE_S ago without a successor keys
 * stays, with the chain that leads to it, until the grace has passed.
 */
static void collect(struct xc_store *s, int64_t now)
{
	struct xc_child **cp, *c;
	struct xc_ike **ip, *ike;

	for (cp = &s->children; (c = *cp);) {
		if (!xc_store_child_owner(s, c) && !child_pending(s, c, now)) {
			*cp = c->next;
			xc_child_free(c);
		} else {
			cp = &c->next;
		}
	}
	for (ip = &s->ikes; (ike = *ip);) {
		int needed = !ike->deleted, live = 0, pending = 0;
		struct xc_ike *x = ike;

		/* a deleted IKE_SA is needed if it leads to a live one and it,
		 * or one of its predecessors, keys a CHILD_SA still alive; or
		 * if it leads to a pending one and keys a CHILD_SA kept for it */
		if (!needed) {
			live = live_from(s, ike, 0) != NULL;
			pending = !live && pending_from(s, ike, now, 0);
			if (!live && !pending)
				x = NULL;
		}
		while (!needed && x) {
			for (c = s->children; c && !needed; c = c->next)
				needed = xc_ike_id_eq(&c->keyed_by, &x->id) &&
					 (live || !xc_store_child_owner(s, c));
			x = x->has_old ? xc_store_find_ike(s, &x->rekey_of) : NULL;
			if (x == ike)
				break;
		}
		if (needed) {
			ip = &ike->next;
		} else {
			*ip = ike->next;
			xc_ike_free(ike);
		}
	}
}

/* Remember an IKE_SA that was deleted: charon still reports message IDs of
 * the exchange that deletes it (and of the old IKE_SA after a rekey). */
static void remember_gone(struct xc_store *s, const struct xc_ha_ike_id *id)
{
	s->gone[s->gone_next++ % XC_GONE] = *id;
	if (s->gone_n < XC_GONE)
		s->gone_n++;
}

static int is_gone(const struct xc_store *s, const struct xc_ha_ike_id *id)
{
	unsigned int i;

	for (i = 0; i < s->gone_n; i++)
		if (xc_ike_id_eq(&s->gone[i], id))
			return 1;
	return 0;
}

static const struct xc_ha_attr *get(const struct xc_ha_msg *m, uint8_t type)
{
	return xc_ha_find(m, type);
}

static int copy_blob(struct xc_blob *dst, const struct xc_ha_msg *m, uint8_t type)
{
	const struct xc_ha_attr *a = get(m, type);

	if (!a)
		return 0;
	return xc_blob_set(dst, a->v.chunk.data, a->v.chunk.len);
}

static int copy_name(char *dst, const char *src, const char *what, char *why, size_t whylen)
{
	size_t n = strlen(src);

	if (n == 0 || n >= XC_NAME_LEN)
		return say(why, whylen, "%s \"%.40s\" has %zu characters (1 to %d allowed)",
			   what, src, n, XC_NAME_LEN - 1);
	memcpy(dst, src, n + 1);
	return 0;
}

/* ALG_ADD_KES (xc_ha_check checked its shape) into a method per slot. */
static void copy_add_kes(uint16_t *kes, uint8_t *n, const struct xc_ha_msg *m)
{
	const struct xc_ha_attr *a = get(m, XC_HA_A_ALG_ADD_KES);
	unsigned int i;

	*n = 0;
	if (!a)
		return;
	for (i = 0; i < a->v.chunk.len / 2 && i < XC_HA_MAX_ADD_KES; i++)
		kes[i] = (uint16_t)(a->v.chunk.data[2 * i] << 8 | a->v.chunk.data[2 * i + 1]);
	*n = (uint8_t)i;
}

static int blob_eq(const struct xc_blob *b, const struct xc_ha_attr *a)
{
	return a && b->len == a->v.chunk.len && !memcmp(b->data, a->v.chunk.data, b->len);
}

/* Version 4+: an IKE_ADD without a proposal for a recorded IKE_SA is a key
 * update after an IKE_INTERMEDIATE exchange (charon's ike_keys() with the
 * IKE_SA as its own predecessor). Kept in order; a resync sends them again. */
static int ike_key_update(struct xc_store *s, const struct xc_ha_msg *m, const char *idstr,
			  int64_t now, char *why, size_t whylen)
{
	const struct xc_ha_attr *idattr = get(m, XC_HA_A_IKE_ID);
	struct xc_key_update u = { 0 };
	struct xc_ike *ike;
	unsigned int i;

	if (is_gone(s, &idattr->v.ike_id))
		return 1;
	ike = xc_store_find_ike(s, &idattr->v.ike_id);
	if (!ike)
		return say(why, whylen, "IKE_ADD %s: a key update (IKE_INTERMEDIATE) for an IKE_SA not recorded (started after its first IKE_ADD? a resync sends both again)",
			   idstr);
	if (ike->deleted)
		return say(why, whylen, "IKE_ADD %s: a key update for a deleted IKE_SA", idstr);
	for (i = 0; i < ike->nupdates; i++)
		if (blob_eq(&ike->updates[i].secret, get(m, XC_HA_A_SECRET)))
			return 1;	/* a resync's copy */
	if (ike->nupdates == XC_MAX_KEY_UPDATES)
		return say(why, whylen, "IKE_ADD %s: more than %d key updates (strongSwan has at most %d additional key exchanges)",
			   idstr, XC_MAX_KEY_UPDATES, XC_HA_MAX_ADD_KES);
	if (copy_blob(&u.secret, m, XC_HA_A_SECRET) || copy_blob(&u.add_secret, m, XC_HA_A_ADD_SECRET) ||
	    copy_blob(&u.nonce_i, m, XC_HA_A_NONCE_I) || copy_blob(&u.nonce_r, m, XC_HA_A_NONCE_R)) {
		xc_blob_clear(&u.secret);
		xc_blob_clear(&u.add_secret);
		xc_blob_clear(&u.nonce_i);
		xc_blob_clear(&u.nonce_r);
		return say(why, whylen, "IKE_ADD %s: out of memory", idstr);
	}
	ike->updates[ike->nupdates++] = u;
	ike->updated_at = now;
	return 0;
}

static int ike_add(struct xc_store *s, const struct xc_ha_msg *m, int64_t now,
		   char *why, size_t whylen)
{
	const struct xc_ha_attr *idattr = get(m, XC_HA_A_IKE_ID);
	const struct xc_ha_attr *a;
	struct xc_ike *ike, *old;
	char idstr[64];
	uint8_t version = 2;

	xc_ike_id_str(&idattr->v.ike_id, idstr, sizeof(idstr));
	a = get(m, XC_HA_A_IKE_VERSION);
	if (a)
		version = a->v.u8;
	if (version != 2 || idattr->v.ike_id.version != 2)
		return say(why, whylen, "IKE_ADD %s: IKEv%u, only IKEv2 IKE_SAs are recorded",
			   idstr, version != 2 ? version : idattr->v.ike_id.version);
	if (get(m, XC_HA_A_IKE_REKEY_ID) &&
	    (!get(m, XC_HA_A_OLD_SKD) || !get(m, XC_HA_A_ALG_OLD_PRF)))
		return say(why, whylen, "IKE_ADD %s: a rekey without the old SK_d and PRF", idstr);
	if (get(m, XC_HA_A_IKE_REKEY_ID) &&
	    xc_ike_id_eq(&get(m, XC_HA_A_IKE_REKEY_ID)->v.ike_id, &idattr->v.ike_id))
		return say(why, whylen, "IKE_ADD %s: rekeys itself", idstr);
	if (get(m, XC_HA_A_SECRET)->v.chunk.len == 0 || get(m, XC_HA_A_NONCE_I)->v.chunk.len == 0 ||
	    get(m, XC_HA_A_NONCE_R)->v.chunk.len == 0)
		return say(why, whylen, "IKE_ADD %s: empty DH secret or nonce", idstr);
	if (!get(m, XC_HA_A_ALG_PRF))	/* xc_ha_check: a version 4+ key update */
		return ike_key_update(s, m, idstr, now, why, whylen);

	old = xc_store_find_ike(s, &idattr->v.ike_id);
	if (old) {
		/* charon's resync sends the IKE_ADD again; same keys, same SA */
		const struct xc_ha_attr *sec = get(m, XC_HA_A_SECRET);

		if (old->secret.len == sec->v.chunk.len &&
		    !memcmp(old->secret.data, sec->v.chunk.data, sec->v.chunk.len) && !old->deleted)
			return 1;
		return say(why, whylen, "IKE_ADD %s: an IKE_SA with these SPIs is already recorded with other keys",
			   idstr);
	}

	ike = calloc(1, sizeof(*ike));
	if (!ike)
		return say(why, whylen, "IKE_ADD %s: out of memory", idstr);
	ike->id = idattr->v.ike_id;
	ike->ike_version = version;
	ike->ha_version = m->version;
	copy_add_kes(ike->add_kes, &ike->nadd_kes, m);
	ike->added = ike->updated_at = now;
	ike->prf = get(m, XC_HA_A_ALG_PRF)->v.u16;
#define OPT16(field, type) do {						\
	a = get(m, type);						\
	if (a) {							\
		ike->field = a->v.u16;					\
		ike->has_##field = 1;					\
	}								\
} while (0)
	OPT16(encr, XC_HA_A_ALG_ENCR);
	OPT16(encr_len, XC_HA_A_ALG_ENCR_LEN);
	OPT16(integ, XC_HA_A_ALG_INTEG);
	OPT16(dh, XC_HA_A_ALG_DH);
#undef OPT16
	a = get(m, XC_HA_A_IKE_REKEY_ID);
	if (a) {
		ike->has_old = 1;
		ike->rekey_of = a->v.ike_id;
		ike->old_prf = get(m, XC_HA_A_ALG_OLD_PRF)->v.u16;
	}
	a = get(m, XC_HA_A_REMOTE_ADDR);
	if (a) {
		ike->add_remote = a->v.host;
		ike->has_add_remote = 1;
	}
	if (copy_blob(&ike->nonce_i, m, XC_HA_A_NONCE_I) ||
	    copy_blob(&ike->nonce_r, m, XC_HA_A_NONCE_R) ||
	    copy_blob(&ike->secret, m, XC_HA_A_SECRET) ||
	    copy_blob(&ike->add_secret, m, XC_HA_A_ADD_SECRET) ||
	    copy_blob(&ike->old_skd, m, XC_HA_A_OLD_SKD)) {
		xc_ike_free(ike);
		return say(why, whylen, "IKE_ADD %s: out of memory", idstr);
	}
	if (ike->has_old) {
		old = xc_store_find_ike(s, &ike->rekey_of);
		if (old) {
			old->successor = ike->id;
			old->has_successor = 1;
		}
	}
	ike->next = s->ikes;
	s->ikes = ike;
	return 0;
}

static void set_ident(struct xc_ident *dst, const struct xc_ha_ident *src)
{
	dst->present = 1;
	dst->type = src->type;
	dst->len = src->len;
	memcpy(dst->data, src->data, src->len);
}

static int ike_update(struct xc_store *s, const struct xc_ha_msg *m, int64_t now,
		      char *why, size_t whylen)
{
	const struct xc_ha_attr *idattr = get(m, XC_HA_A_IKE_ID);
	struct xc_ike *ike, next;
	char idstr[64];
	unsigned int i, nl = 0, nr = 0, np = 0;

	xc_ike_id_str(&idattr->v.ike_id, idstr, sizeof(idstr));
	if (is_gone(s, &idattr->v.ike_id))
		return 1;
	ike = xc_store_find_ike(s, &idattr->v.ike_id);
	if (!ike)
		return say(why, whylen, "IKE_UPDATE for unknown IKE_SA %s (started after its IKE_ADD? a resync sends it again)",
			   idstr);
	if (xc_ha_count(m, XC_HA_A_LOCAL_VIP) > XC_MAX_ADDRS ||
	    xc_ha_count(m, XC_HA_A_REMOTE_VIP) > XC_MAX_ADDRS ||
	    xc_ha_count(m, XC_HA_A_PEER_ADDR) > XC_MAX_ADDRS)
		return say(why, whylen, "IKE_UPDATE %s: more than %d addresses of one kind",
			   idstr, XC_MAX_ADDRS);

	/* all fields below are plain values: a struct copy is a safe draft */
	next = *ike;
	for (i = 0; i < m->nattrs; i++) {
		const struct xc_ha_attr *a = &m->attrs[i];

		switch (a->type) {
		case XC_HA_A_LOCAL_ID:
			set_ident(&next.local_id, &a->v.ident);
			break;
		case XC_HA_A_REMOTE_ID:
			set_ident(&next.remote_id, &a->v.ident);
			break;
		case XC_HA_A_REMOTE_EAP_ID:
			set_ident(&next.remote_eap_id, &a->v.ident);
			break;
		case XC_HA_A_LOCAL_ADDR:
			next.local = a->v.host;
			next.has_local = 1;
			break;
		case XC_HA_A_REMOTE_ADDR:
			next.remote = a->v.host;
			next.has_remote = 1;
			break;
		/* version 5 sends the private set too, bit 31 set */
		case XC_HA_A_CONDITIONS:
			if (m->version >= 5 && (a->v.u32 & XC_HA_PRIVATE_MARKER)) {
				next.priv_conditions = a->v.u32;
				next.has_priv_conditions = 1;
				break;
			}
			next.conditions = a->v.u32;
			next.has_conditions = 1;
			break;
		case XC_HA_A_EXTENSIONS:
			if (m->version >= 5 && (a->v.u32 & XC_HA_PRIVATE_MARKER)) {
				next.priv_extensions = a->v.u32;
				next.has_priv_extensions = 1;
				break;
			}
			next.extensions = a->v.u32;
			next.has_extensions = 1;
			break;
		case XC_HA_A_CONFIG_NAME:
			if (copy_name(next.config, a->v.str, "IKE_UPDATE: config name", why, whylen))
				return -EINVAL;
			next.updated = 1;
			break;
		/* a list in a message replaces the list, as charon does */
		case XC_HA_A_LOCAL_VIP:
			next.local_vips[nl++] = a->v.host;
			next.nlocal_vips = nl;
			break;
		case XC_HA_A_REMOTE_VIP:
			next.remote_vips[nr++] = a->v.host;
			next.nremote_vips = nr;
			break;
		case XC_HA_A_PEER_ADDR:
			next.peer_addrs[np++] = a->v.host;
			next.npeer_addrs = np;
			break;
		default:
			break;
		}
	}
	next.updated_at = now;
	*ike = next;
	return 0;
}

static int ike_mid(struct xc_store *s, const struct xc_ha_msg *m, int initiator,
		   char *why, size_t whylen)
{
	const struct xc_ha_attr *idattr = get(m, XC_HA_A_IKE_ID);
	uint32_t mid = get(m, XC_HA_A_MID)->v.u32;
	struct xc_ike *ike;
	char idstr[64];

	xc_ike_id_str(&idattr->v.ike_id, idstr, sizeof(idstr));
	if (is_gone(s, &idattr->v.ike_id))
		return 1;	/* e.g. the exchange that deleted it */
	ike = xc_store_find_ike(s, &idattr->v.ike_id);
	if (!ike)
		return say(why, whylen, "%s for unknown IKE_SA %s", xc_ha_msg_name(m->type), idstr);
	if (!mid)
		return 1;	/* charon ignores a zero message ID too */
	if (initiator) {
		ike->mid_i = mid;
		ike->has_mid_i = 1;
	} else {
		ike->mid_r = mid;
		ike->has_mid_r = 1;
	}
	return 0;
}

static int ike_delete(struct xc_store *s, const struct xc_ha_msg *m, int64_t now,
		      char *why, size_t whylen)
{
	const struct xc_ha_attr *idattr = get(m, XC_HA_A_IKE_ID);
	struct xc_ike *ike;
	char idstr[64];

	xc_ike_id_str(&idattr->v.ike_id, idstr, sizeof(idstr));
	if (is_gone(s, &idattr->v.ike_id))
		return 1;
	ike = xc_store_find_ike(s, &idattr->v.ike_id);
	if (!ike)
		return say(why, whylen, "IKE_DELETE for unknown IKE_SA %s", idstr);
	ike->deleted = 1;
	ike->deleted_at = now;
	s->grace_until = now + XC_REKEY_GRACE_S;
	remember_gone(s, &ike->id);
	collect(s, now);
	return 0;
}

static int child_add(struct xc_store *s, const struct xc_ha_msg *m, int64_t now,
		     char *why, size_t whylen)
{
	const struct xc_ha_attr *idattr = get(m, XC_HA_A_IKE_ID);
	const struct xc_ha_attr *a;
	struct xc_child *c;
	struct xc_ike *ike;
	char idstr[64];
	uint32_t spi_in = xc_ha_spi(get(m, XC_HA_A_INBOUND_SPI)->v.u32);
	unsigned int i;

	xc_ike_id_str(&idattr->v.ike_id, idstr, sizeof(idstr));
	ike = xc_store_find_ike(s, &idattr->v.ike_id);
	if (!ike || ike->deleted)
		return say(why, whylen, "CHILD_ADD %08x for %s IKE_SA %s", spi_in,
			   ike ? "deleted" : "unknown", idstr);
	if (!spi_in || !get(m, XC_HA_A_OUTBOUND_SPI)->v.u32)
		return say(why, whylen, "CHILD_ADD for IKE_SA %s: SPI 0", idstr);
	if (xc_store_find_child(s, spi_in))
		return say(why, whylen, "CHILD_ADD %08x: a CHILD_SA with this inbound SPI is already recorded",
			   spi_in);
	if (xc_ha_count(m, XC_HA_A_LOCAL_TS) > XC_MAX_TS ||
	    xc_ha_count(m, XC_HA_A_REMOTE_TS) > XC_MAX_TS)
		return say(why, whylen, "CHILD_ADD %08x: more than %d traffic selectors on one side",
			   spi_in, XC_MAX_TS);

	c = calloc(1, sizeof(*c));
	if (!c)
		return say(why, whylen, "CHILD_ADD %08x: out of memory", spi_in);
	c->keyed_by = idattr->v.ike_id;
	c->spi_in = spi_in;
	c->spi_out = xc_ha_spi(get(m, XC_HA_A_OUTBOUND_SPI)->v.u32);
	c->mode = 2;	/* charon's default when absent: tunnel */
	c->added = now;
	copy_add_kes(c->add_kes, &c->nadd_kes, m);
	if (copy_name(c->config, get(m, XC_HA_A_CONFIG_NAME)->v.str, "CHILD_ADD: config name",
		      why, whylen)) {
		xc_child_free(c);
		return -EINVAL;
	}
	for (i = 0; i < m->nattrs; i++) {
		a = &m->attrs[i];
		switch (a->type) {
		case XC_HA_A_INITIATOR:
			c->initiator = a->v.u8;
			break;
		case XC_HA_A_INBOUND_CPI:
			c->cpi_in = xc_ha_cpi(a->v.u16);
			break;
		case XC_HA_A_OUTBOUND_CPI:
			c->cpi_out = xc_ha_cpi(a->v.u16);
			break;
		case XC_HA_A_IPSEC_MODE:
			c->mode = a->v.u8;
			break;
		case XC_HA_A_IPCOMP:
			c->ipcomp = a->v.u8;
			break;
		case XC_HA_A_ALG_ENCR:
			c->encr = a->v.u16;
			c->has_encr = 1;
			break;
		case XC_HA_A_ALG_ENCR_LEN:
			c->encr_len = a->v.u16;
			c->has_encr_len = 1;
			break;
		case XC_HA_A_ALG_INTEG:
			c->integ = a->v.u16;
			c->has_integ = 1;
			break;
		case XC_HA_A_ALG_DH:
			c->dh = a->v.u16;
			c->has_dh = 1;
			break;
		case XC_HA_A_ESN:
			c->esn = a->v.u16;
			c->has_esn = 1;
			break;
		case XC_HA_A_LOCAL_TS:
			c->local_ts[c->nlocal_ts++] = a->v.ts;
			break;
		case XC_HA_A_REMOTE_TS:
			c->remote_ts[c->nremote_ts++] = a->v.ts;
			break;
		default:
			break;
		}
	}
	if (copy_blob(&c->nonce_i, m, XC_HA_A_NONCE_I) ||
	    copy_blob(&c->nonce_r, m, XC_HA_A_NONCE_R) ||
	    copy_blob(&c->secret, m, XC_HA_A_SECRET) ||
	    copy_blob(&c->add_secret, m, XC_HA_A_ADD_SECRET)) {
		xc_child_free(c);
		return say(why, whylen, "CHILD_ADD %08x: out of memory", spi_in);
	}
	c->next = s->children;
	s->children = c;
	return 0;
}

static int child_delete(struct xc_store *s, const struct xc_ha_msg *m, int64_t now,
			char *why, size_t whylen)
{
	uint32_t spi_in = xc_ha_spi(get(m, XC_HA_A_INBOUND_SPI)->v.u32);
	struct xc_child **cp, *c;

	for (cp = &s->children; (c = *cp); cp = &c->next) {
		if (c->spi_in == spi_in) {
			*cp = c->next;
			xc_child_free(c);
			collect(s, now);
			return 0;
		}
	}
	return say(why, whylen, "CHILD_DELETE for unknown CHILD_SA %08x", spi_in);
}

static int segments(struct xc_store *s, const struct xc_ha_msg *m)
{
	unsigned int i;
	uint32_t mask = 0;

	for (i = 0; i < m->nattrs; i++)
		if (m->attrs[i].type == XC_HA_A_SEGMENT && m->attrs[i].v.u16 < 32)
			mask |= 1u << m->attrs[i].v.u16;
	switch (m->type) {
	case XC_HA_STATUS:
		s->peer_segments = mask;
		break;
	case XC_HA_SEGMENT_TAKE:
		s->peer_segments |= mask;
		break;
	case XC_HA_SEGMENT_DROP:
		s->peer_segments &= ~mask;
		break;
	}
	s->has_peer_segments = 1;
	return 1;
}

int xc_store_apply(struct xc_store *s, const struct xc_ha_msg *m, int64_t now,
		   char *why, size_t whylen)
{
	int err;

	if (xc_ha_check(m, why, whylen)) {
		s->dropped++;
		return -EINVAL;
	}
	switch (m->type) {
	case XC_HA_IKE_ADD:
		err = ike_add(s, m, now, why, whylen);
		break;
	case XC_HA_IKE_UPDATE:
		err = ike_update(s, m, now, why, whylen);
		break;
	case XC_HA_IKE_MID_INITIATOR:
	case XC_HA_IKE_MID_RESPONDER:
		err = ike_mid(s, m, m->type == XC_HA_IKE_MID_INITIATOR, why, whylen);
		break;
	case XC_HA_IKE_DELETE:
		err = ike_delete(s, m, now, why, whylen);
		break;
	case XC_HA_CHILD_ADD:
		err = child_add(s, m, now, why, whylen);
		break;
	case XC_HA_CHILD_DELETE:
		err = child_delete(s, m, now, why, whylen);
		break;
	case XC_HA_SEGMENT_DROP:
	case XC_HA_SEGMENT_TAKE:
	case XC_HA_STATUS:
		err = segments(s, m);
		break;
	case XC_HA_RESYNC:
		err = 1;
		break;
	case XC_HA_IKE_IV:
		err = say(why, whylen, "IKE_IV: IKEv1 only, not recorded");
		break;
	default:
		err = say(why, whylen, "unknown message type %u", m->type);
		break;
	}
	if (err < 0)
		s->dropped++;
	else
		s->accepted++;
	return err;
}

int xc_store_expire(struct xc_store *s, int64_t now, int64_t max_age, unsigned int *expired)
{
	struct xc_ike *ike;
	int n = 0;

	for (ike = s->ikes; ike; ike = ike->next) {
		if (!ike->deleted && !ike->updated && now - ike->added > max_age) {
			ike->deleted = 1;
			remember_gone(s, &ike->id);
			n++;
		}
	}
	if (n || (s->grace_until && now >= s->grace_until)) {
		collect(s, now);
		s->grace_until = 0;
	}
	if (expired)
		*expired = (unsigned int)n;
	return n;
}
