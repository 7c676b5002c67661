/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The recorder's state: the IKE_SAs and CHILD_SAs a charon announced on its
 * HA stream, kept current message by message.
 *
 * An IKE_SA record holds the key material charon sent in its IKE_ADD (the
 * Diffie-Hellman shared secret g^ir and both nonces; for an IKE_SA made by
 * a rekey also the old SK_d and PRF), what its IKE_UPDATEs said (identities,
 * addresses, config, conditions, extensions, virtual IPs), and its message
 * IDs. A CHILD_SA's keys are derived from the SK_d of the IKE_SA that was
 * current when the CHILD_SA was negotiated, so each CHILD_SA record names
 * that IKE_SA (its "keying" IKE_SA); an IKE_SA that was rekeyed or deleted is
 * kept as long as a live CHILD_SA is keyed from it, and is replayed before
 * its successor so that charon can derive those keys again.
 *
 * xc_store_apply() changes nothing unless the whole message is acceptable.
 */
#ifndef XC_IKE_STORE_H
#define XC_IKE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "ha_wire.h"

struct xc_blob {
	uint16_t len;
	uint8_t *data;		/* owned; wiped when freed */
};

struct xc_ident {
	uint8_t present;
	uint8_t type;
	uint8_t len;
	uint8_t data[255];
};

#define XC_MAX_ADDRS	8	/* virtual IPs, MOBIKE peer addresses */
#define XC_MAX_TS	16	/* traffic selectors per side */
#define XC_NAME_LEN	128	/* charon's config names are shorter */
#define XC_MAX_KEY_UPDATES	XC_HA_MAX_ADD_KES	/* IKE_INTERMEDIATE rounds */

/* One key update of an IKE_SA (HA protocol 4+, strongSwan 6): the IKE_ADD
 * charon sends after each IKE_INTERMEDIATE exchange of an additional key
 * exchange (RFC 9370 2.2.2: SKEYSEED(n) = prf(SK_d(n-1), SK(n) | Ni | Nr)). */
struct xc_key_update {
	struct xc_blob secret, add_secret, nonce_i, nonce_r;
};

struct xc_child {
	struct xc_child *next;
	struct xc_ha_ike_id keyed_by;	/* IKE_SA whose SK_d keys this CHILD_SA */
	uint8_t initiator;
	uint32_t spi_in, spi_out;	/* host order */
	uint16_t cpi_in, cpi_out;
	uint8_t mode, ipcomp;
	char config[XC_NAME_LEN];
	uint16_t encr, encr_len, integ, dh, esn;
	uint8_t has_encr, has_encr_len, has_integ, has_dh, has_esn;
	struct xc_blob nonce_i, nonce_r, secret;	/* secret: PFS g^ir, may be empty */
	unsigned int nlocal_ts, nremote_ts;
	struct xc_ha_ts local_ts[XC_MAX_TS], remote_ts[XC_MAX_TS];
	int64_t added;			/* unix time the recorder saw it */
	/* HA protocol 4+: additional key exchanges (RFC 9370) */
	struct xc_blob add_secret;	/* their secrets, concatenated; may be empty */
	uint16_t add_kes[XC_HA_MAX_ADD_KES];	/* method of ADDITIONAL_KEY_EXCHANGE_n+1 */
	uint8_t nadd_kes;		/* slots used (0: none) */
};

struct xc_ike {
	struct xc_ike *next;
	struct xc_ha_ike_id id;
	/* IKE_ADD: keys (section 5, case 1: DH shared secret + nonces) */
	uint8_t ike_version;
	uint16_t encr, encr_len, integ, prf, dh, old_prf;
	uint8_t has_encr, has_encr_len, has_integ, has_dh, has_old;
	struct xc_blob nonce_i, nonce_r, secret, old_skd;
	struct xc_ha_ike_id rekey_of;	/* valid if has_old */
	struct xc_ha_host add_remote;	/* REMOTE_ADDR of the IKE_ADD, if any */
	uint8_t has_add_remote;
	/* IKE_UPDATE */
	uint8_t updated;		/* an update with the config name came */
	struct xc_ident local_id, remote_id, remote_eap_id;
	struct xc_ha_host local, remote;
	uint8_t has_local, has_remote, has_conditions, has_extensions;
	uint32_t conditions, extensions;	/* ike_condition_t, ike_extension_t bits */
	char config[XC_NAME_LEN];
	unsigned int nlocal_vips, nremote_vips, npeer_addrs;
	struct xc_ha_host local_vips[XC_MAX_ADDRS], remote_vips[XC_MAX_ADDRS];
	struct xc_ha_host peer_addrs[XC_MAX_ADDRS];
	/* IKE_MID_*: the next message ID as initiator / expected as responder */
	uint32_t mid_i, mid_r;
	uint8_t has_mid_i, has_mid_r;
	uint32_t window;		/* IKE message-ID window, from a record (0: unknown) */
	/* life */
	uint8_t deleted;		/* IKE_DELETE came; kept only as keying IKE_SA */
	int64_t deleted_at;		/* when (0: read from a record) */
	struct xc_ha_ike_id successor;	/* the IKE_SA that rekeyed this one */
	uint8_t has_successor;
	int64_t added;
	int64_t updated_at;
	/* HA protocol 4+ (strongSwan 6) */
	uint8_t ha_version;		/* of the IKE_ADD that made it (0: unknown, read
					 * from a record written before versions) */
	struct xc_blob add_secret;	/* additional KE secrets of a rekey, concatenated */
	uint16_t add_kes[XC_HA_MAX_ADD_KES];
	uint8_t nadd_kes;
	unsigned int nupdates;		/* IKE_INTERMEDIATE key updates, in order */
	struct xc_key_update updates[XC_MAX_KEY_UPDATES];
	/* protocol 5: charon's private conditions / extensions, bit 31 set */
	uint32_t priv_conditions, priv_extensions;
	uint8_t has_priv_conditions, has_priv_extensions;
};

/* Whether an IKE_SA or CHILD_SA holds material only HA protocol 4+ carries
 * (additional key exchanges): 1 or 0. */
int xc_ike_has_add_ke(const struct xc_ike *ike);
int xc_child_has_add_ke(const struct xc_child *c);

struct xc_store {
	struct xc_ike *ikes;		/* newest first */
	struct xc_child *children;	/* newest first */
	/* counters for the log and the file */
	uint64_t accepted, dropped;
	uint32_t peer_segments;		/* bit n: peer said it serves segment n */
	uint8_t has_peer_segments;
	/* IKE_SAs deleted lately: messages about them are noted, not refused */
#define XC_GONE 64
	struct xc_ha_ike_id gone[XC_GONE];
	unsigned int gone_n, gone_next;
	int64_t grace_until;		/* a deleted IKE_SA may still get its successor */
};

/*
 * The HA stream is UDP: an IKE_SA's IKE_DELETE can arrive before the IKE_ADD
 * of the IKE_SA that rekeyed it (seen once in the VM, 1 ms ahead). CHILD_SAs keyed from an IKE_SA deleted without a
 * known successor are therefore kept this long (not written, as no live
 * IKE_SA owns them), so that a late rekeying IKE_ADD still adopts them.
 */
#define XC_REKEY_GRACE_S 10

void xc_store_init(struct xc_store *s);
void xc_store_free(struct xc_store *s);

/* Apply one checked message (xc_ha_check passed) seen at time now.
 * Returns 0 if the store took it, 1 if it was understood but changes no
 * record (STATUS, RESYNC, IKEv1 IV, ...), -EINVAL with the reason if it was
 * refused; the store is unchanged then. */
int xc_store_apply(struct xc_store *s, const struct xc_ha_msg *m, int64_t now,
		   char *why, size_t whylen);

/* Forget IKE_SAs that were added but never established (no IKE_UPDATE with
 * a config) for longer than max_age seconds: charon sends no IKE_DELETE for
 * an IKE_SA that fails before it is up. Returns how many. Also drops what
 * only XC_REKEY_GRACE_S kept, once that has passed. */
int xc_store_expire(struct xc_store *s, int64_t now, int64_t max_age, unsigned int *expired);

struct xc_ike *xc_store_find_ike(const struct xc_store *s, const struct xc_ha_ike_id *id);
struct xc_child *xc_store_find_child(const struct xc_store *s, uint32_t spi_in);

/* The live (not deleted) IKE_SA a CHILD_SA belongs to now: its keying
 * IKE_SA, or that IKE_SA's successors. NULL if none is live. */
struct xc_ike *xc_store_child_owner(const struct xc_store *s, const struct xc_child *c);

/* Whether a deleted IKE_SA leads through its successors to a live one (is
 * needed to key a CHILD_SA that moved on), rather than to nothing. */
int xc_store_leads_to_live(const struct xc_store *s, const struct xc_ike *ike);

/* Counts for logs: live IKE_SAs, kept keying-only IKE_SAs, CHILD_SAs. */
void xc_store_counts(const struct xc_store *s, unsigned int *live,
		     unsigned int *keying, unsigned int *children);

int xc_ike_id_eq(const struct xc_ha_ike_id *a, const struct xc_ha_ike_id *b);
/* "0123456789abcdef_i fedcba9876543210_r" style text of an IKE_SA id */
void xc_ike_id_str(const struct xc_ha_ike_id *id, char *buf, size_t len);

int xc_blob_set(struct xc_blob *b, const uint8_t *data, uint16_t len);
void xc_blob_clear(struct xc_blob *b);

void xc_ike_free(struct xc_ike *ike);
void xc_child_free(struct xc_child *c);

#endif
