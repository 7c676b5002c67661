/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The IKE half of a context: one record per IKE_SA, as netlink attributes,
 * carrying every MANDATORY and OPTIONAL IKE_SA parameter of section 6 of
 * draft-plmrs-ipsecme-ipsec-ikev2-context-definition-01 that an IKE daemon
 * can hand over, and its CHILD_SAs.
 *
 * The records live in the shared context container (Documentation/
 * context-file.rst) next to the kernel's SA records of the same tunnels:
 *
 *   XFRMCTX_REC_IKE_SA (16, mandatory)    one per IKE_SA: enum xc_ike_attr
 *   XFRMCTX_REC_IKE_RECORDER (17)         the recorder: enum xc_recorder_attr
 *   XFRMCTX_REC_SA_RATE (18)              one per SA record: enum xc_rate_attr
 *
 * Attributes are netlink attributes in host byte order, 4-byte aligned,
 * with plain types (no NLA_F_* bits, also on nests). A reader refuses a
 * known attribute of the wrong size or shape and skips types above the
 * highest it knows (a later minor version may add optional ones).
 *
 * Key material (section 5): an IKE_SA record holds form 1 of section 5,
 * "Diffie-Hellman + nonces", with the shared secret g^ir itself instead of
 * the private DH value and the peer's KE payload (that is what charon's HA
 * plugin exports), plus both SPIs, which enter SKEYSEED and SK_*. An IKE_SA
 * created by a rekey holds, in the same form, the SK_d and PRF of the
 * IKE_SA it replaced (RFC 7296 2.18: SKEYSEED = prf(SK_d old, g^ir | Ni | Nr)).
 * XC_IKE_A_KEY_FORM says which form a record holds.
 *
 * Section 6 checklist (M = mandatory 6.1, O = optional 6.2):
 *   M1  IKE version                    XC_IKE_A_VERSION
 *   M2  initiator / responder          XC_IKE_A_INITIATOR
 *   M3  local and remote address       XC_IKE_A_LOCAL, XC_IKE_A_REMOTE (+ port)
 *   M4  both SPIs                      XC_IKE_A_SPI_I, XC_IKE_A_SPI_R
 *   M5  outgoing and incoming msg ID   XC_IKE_A_MID_OUT, XC_IKE_A_MID_IN
 *   M7  key material                   XC_IKE_A_KEY_FORM + DH_SECRET, NONCE_I,
 *                                      NONCE_R [+ REKEY_OF, OLD_SKD, OLD_PRF]
 *   M8  proposal                       XC_IKE_A_PROPOSAL (encr + key length,
 *                                      integ, prf, dh group, additional KEs)
 *   M9  extensions and conditions      XC_IKE_A_EXTENSIONS, XC_IKE_A_CONDITIONS
 *                                      (NAT here/there, MOBIKE, EAP, fragmentation;
 *                                      ESN is per CHILD_SA)
 *   M10 identities and their types     XC_IKE_A_LOCAL_ID, XC_IKE_A_REMOTE_ID
 *                                      (+ XC_IKE_A_REMOTE_EAP_ID)
 *   M11 credential                     XC_IKE_A_CONFIG: the peer config whose
 *                                      auth rounds name the PSK or certificate
 *                                      (with the local identity); never a key
 *   M12 window                         XC_IKE_A_WINDOW (charon's window_size;
 *                                      with window 1 the bitmap is MID_IN - 1)
 *   O1  lifetime                       XC_IKE_A_ADDED, XC_IKE_A_UPDATED; the
 *                                      rekey/reauth/over times come from the
 *                                      peer config when the IKE_SA activates
 *                                      (charon does not export its timers)
 *   O2  vendor IDs                     not exported by charon; what they
 *                                      negotiated is in XC_IKE_A_EXTENSIONS
 *                                      (EXT_STRONGSWAN, EXT_MS_WINDOWS, DPD, ...)
 *   links to CHILD_SAs                 XC_IKE_A_CHILD nests (SPIs, CPIs,
 *                                      keying IKE_SA, everything to rebuild them)
 */
#ifndef XC_IKE_RECORD_H
#define XC_IKE_RECORD_H

/* XC_IKE_A_KEY_FORM: which form of section 5 the record holds */
enum xc_ike_key_form {
	XC_IKE_KEYS_DH_NONCES = 1,	/* g^ir + Ni + Nr (+ old SK_d if rekeyed) */
	XC_IKE_KEYS_SKEYSEED_NONCES,	/* not produced by charon's HA stream */
	XC_IKE_KEYS_SK_ALL,		/* not produced by charon's HA stream */
	XC_IKE_KEYS_DH_NONCES_ADD_KE,	/* form 1 plus additional key exchanges
					 * (RFC 9370, strongSwan 6, HA protocol
					 * 4+) in the IKE_SA or one of its
					 * CHILD_SAs: XC_IKE_A_ADD_SECRET,
					 * XC_IKE_A_KEY_UPDATE, XC_PROP_A_ADD_KE,
					 * XC_CHILD_A_ADD_SECRET. Readers that
					 * know only form 1 refuse the record
					 * instead of skipping the new keys. */
};

/* XC_IKE_A_STATE */
enum xc_ike_state {
	XC_IKE_STATE_LIVE = 1,		/* the IKE_SA the peer talks to */
	XC_IKE_STATE_KEYING,		/* rekeyed or deleted, kept because a live
					 * CHILD_SA's keys derive from its SK_d */
};

enum xc_ike_attr {
	XC_IKE_A_UNSPEC,
	XC_IKE_A_STATE,		/* u8, enum xc_ike_state */
	XC_IKE_A_VERSION,	/* u8: IKE major version (2) */
	XC_IKE_A_INITIATOR,	/* u8: 1 if this gateway was the original initiator */
	XC_IKE_A_SPI_I,		/* binary 8: initiator's SPI, as on the wire */
	XC_IKE_A_SPI_R,		/* binary 8 */
	XC_IKE_A_LOCAL,		/* nest of enum xc_addr_attr */
	XC_IKE_A_REMOTE,	/* nest of enum xc_addr_attr */
	XC_IKE_A_MID_OUT,	/* u32: next message ID this gateway sends a request with */
	XC_IKE_A_MID_IN,	/* u32: next message ID expected in a peer's request */
	XC_IKE_A_WINDOW,	/* u32: IKE message-ID window size */
	XC_IKE_A_KEY_FORM,	/* u8, enum xc_ike_key_form */
	XC_IKE_A_DH_SECRET,	/* binary: g^ir */
	XC_IKE_A_NONCE_I,	/* binary */
	XC_IKE_A_NONCE_R,	/* binary */
	XC_IKE_A_REKEY_OF,	/* nest of enum xc_ikeid_attr: the IKE_SA this one replaced */
	XC_IKE_A_OLD_SKD,	/* binary: SK_d of that IKE_SA */
	XC_IKE_A_OLD_PRF,	/* u16: its PRF (IKEv2 transform ID) */
	XC_IKE_A_PROPOSAL,	/* nest of enum xc_prop_attr */
	XC_IKE_A_CONDITIONS,	/* u32: charon's ike_condition_t bits */
	XC_IKE_A_EXTENSIONS,	/* u32: charon's ike_extension_t bits */
	XC_IKE_A_LOCAL_ID,	/* nest of enum xc_ident_attr */
	XC_IKE_A_REMOTE_ID,	/* nest of enum xc_ident_attr */
	XC_IKE_A_REMOTE_EAP_ID,	/* nest of enum xc_ident_attr */
	XC_IKE_A_CONFIG,	/* string: charon's peer config name */
	XC_IKE_A_LOCAL_VIP,	/* nest of enum xc_addr_attr, multi */
	XC_IKE_A_REMOTE_VIP,	/* nest of enum xc_addr_attr, multi */
	XC_IKE_A_PEER_ADDR,	/* nest of enum xc_addr_attr, multi (MOBIKE) */
	XC_IKE_A_ADDED,		/* u64: unix time the recorder saw the IKE_ADD */
	XC_IKE_A_UPDATED,	/* u64: unix time of the last change */
	XC_IKE_A_CHILD,		/* nest of enum xc_child_attr, multi */
	XC_IKE_A_ADD_REMOTE,	/* nest of enum xc_addr_attr: remote of the IKE_ADD */
	/* strongSwan 6 (HA protocol 4 and 5) */
	XC_IKE_A_HA_VERSION,	/* u8: HA protocol version of the IKE_ADD (3, 4, 5) */
	XC_IKE_A_ADD_SECRET,	/* binary: the additional KE secrets of the IKE_ADD
				 * (a rekey with IKE_FOLLOWUP_KE), concatenated */
	XC_IKE_A_KEY_UPDATE,	/* nest of enum xc_keyupd_attr, multi, in order:
				 * the IKE_INTERMEDIATE key updates */
	XC_IKE_A_PRIV_CONDITIONS,	/* u32: charon's private conditions, bit 31 set */
	XC_IKE_A_PRIV_EXTENSIONS,	/* u32: charon's private extensions, bit 31 set */
	__XC_IKE_A_MAX
};
#define XC_IKE_A_MAX (__XC_IKE_A_MAX - 1)

/* XC_IKE_A_KEY_UPDATE: SKEYSEED(n) = prf(SK_d(n-1), SK(n) | Ni | Nr) */
enum xc_keyupd_attr {
	XC_KEYUPD_A_UNSPEC,
	XC_KEYUPD_A_SECRET,	/* binary: SK(n), the shared secret of exchange n */
	XC_KEYUPD_A_NONCE_I,	/* binary */
	XC_KEYUPD_A_NONCE_R,	/* binary */
	XC_KEYUPD_A_ADD_SECRET,	/* binary: further secrets, concatenated (charon
				 * sends none today) */
	__XC_KEYUPD_A_MAX
};
#define XC_KEYUPD_A_MAX (__XC_KEYUPD_A_MAX - 1)

enum xc_ikeid_attr {
	XC_IKEID_A_UNSPEC,
	XC_IKEID_A_SPI_I,	/* binary 8 */
	XC_IKEID_A_SPI_R,	/* binary 8 */
	XC_IKEID_A_INITIATOR,	/* u8 */
	__XC_IKEID_A_MAX
};
#define XC_IKEID_A_MAX (__XC_IKEID_A_MAX - 1)

enum xc_addr_attr {
	XC_ADDR_A_UNSPEC,
	XC_ADDR_A_FAMILY,	/* u8: AF_INET or AF_INET6 */
	XC_ADDR_A_ADDR,		/* binary 4 or 16, network order */
	XC_ADDR_A_PORT,		/* u16 */
	__XC_ADDR_A_MAX
};
#define XC_ADDR_A_MAX (__XC_ADDR_A_MAX - 1)

enum xc_ident_attr {
	XC_IDENT_A_UNSPEC,
	XC_IDENT_A_TYPE,	/* u8: ID_IPV4_ADDR 1, ID_FQDN 2, ID_RFC822_ADDR 3,
				 * ID_IPV6_ADDR 5, ID_DER_ASN1_DN 9, ID_DER_ASN1_GN 10,
				 * ID_KEY_ID 11 */
	XC_IDENT_A_DATA,	/* binary: the ID payload's data */
	__XC_IDENT_A_MAX
};
#define XC_IDENT_A_MAX (__XC_IDENT_A_MAX - 1)

/* Algorithms are IKEv2 transform IDs (RFC 7296 3.3.2, IANA). */
enum xc_prop_attr {
	XC_PROP_A_UNSPEC,
	XC_PROP_A_ENCR,		/* u16: transform type 1 */
	XC_PROP_A_ENCR_KEYLEN,	/* u16: key length in bits */
	XC_PROP_A_INTEG,	/* u16: transform type 3 */
	XC_PROP_A_PRF,		/* u16: transform type 2 */
	XC_PROP_A_DH,		/* u16: transform type 4 */
	XC_PROP_A_ESN,		/* u16: transform type 5 (CHILD_SAs) */
	XC_PROP_A_ADD_KE,	/* u16, multi, in order: transform type 6 + n (RFC
				 * 9370 ADDKE1..7) for n = 0.., 0 for a slot
				 * the proposal leaves empty */
	__XC_PROP_A_MAX
};
#define XC_PROP_A_MAX (__XC_PROP_A_MAX - 1)

enum xc_child_attr {
	XC_CHILD_A_UNSPEC,
	XC_CHILD_A_SPI_IN,	/* u32, host order: the SA the peer sends to */
	XC_CHILD_A_SPI_OUT,	/* u32, host order */
	XC_CHILD_A_CPI_IN,	/* u16 */
	XC_CHILD_A_CPI_OUT,	/* u16 */
	XC_CHILD_A_KEYED_BY,	/* nest of enum xc_ikeid_attr */
	XC_CHILD_A_INITIATOR,	/* u8: this gateway initiated the CHILD_SA */
	XC_CHILD_A_MODE,	/* u8: charon's ipsec_mode_t (1 transport, 2 tunnel, 3 beet) */
	XC_CHILD_A_IPCOMP,	/* u8: IPComp transform (0 none) */
	XC_CHILD_A_CONFIG,	/* string: charon's child config name */
	XC_CHILD_A_PROPOSAL,	/* nest of enum xc_prop_attr */
	XC_CHILD_A_NONCE_I,	/* binary */
	XC_CHILD_A_NONCE_R,	/* binary */
	XC_CHILD_A_DH_SECRET,	/* binary: PFS g^ir, absent without PFS */
	XC_CHILD_A_LOCAL_TS,	/* nest of enum xc_ts_attr, multi */
	XC_CHILD_A_REMOTE_TS,	/* nest of enum xc_ts_attr, multi */
	XC_CHILD_A_ADDED,	/* u64: unix time the recorder saw it */
	XC_CHILD_A_ADD_SECRET,	/* binary: the additional KE secrets (PFS with
				 * RFC 9370 IKE_FOLLOWUP_KE), concatenated */
	__XC_CHILD_A_MAX
};
#define XC_CHILD_A_MAX (__XC_CHILD_A_MAX - 1)

enum xc_ts_attr {
	XC_TS_A_UNSPEC,
	XC_TS_A_TYPE,		/* u8: 7 IPv4 range, 8 IPv6 range */
	XC_TS_A_PROTO,		/* u8 */
	XC_TS_A_FROM_PORT,	/* u16 */
	XC_TS_A_TO_PORT,	/* u16 */
	XC_TS_A_FROM,		/* binary 4 or 16 */
	XC_TS_A_TO,		/* binary 4 or 16 */
	XC_TS_A_DYNAMIC,	/* u8: 1 for charon's "dynamic" (the host's own address) */
	__XC_TS_A_MAX
};
#define XC_TS_A_MAX (__XC_TS_A_MAX - 1)

/* XFRMCTX_REC_IKE_RECORDER: one per container written by xfrmctx-ike record */
enum xc_recorder_attr {
	XC_RECORDER_A_UNSPEC,
	XC_RECORDER_A_SERIAL,	/* u64: how many containers this recorder wrote */
	XC_RECORDER_A_WRITTEN,	/* u64: unix time in ms when this one was built */
	XC_RECORDER_A_SOURCE,	/* string: the charon followed, "addr:port" */
	XC_RECORDER_A_ACCEPTED,	/* u64: HA messages taken since the start */
	XC_RECORDER_A_DROPPED,	/* u64: HA messages refused (logged with a reason) */
	XC_RECORDER_A_TRIGGER,	/* u8, enum xc_trigger: why it was written */
	XC_RECORDER_A_SAS,	/* u32: SA records of the kernel snapshot */
	XC_RECORDER_A_MISSING,	/* u32: SAs of recorded CHILD_SAs the kernel did
				 * not have (not installed yet, or gone) */
	XC_RECORDER_A_KERNEL_ERROR,	/* string: why the kernel snapshot failed */
	XC_RECORDER_A_FROZEN_UNTIL,	/* u64: unix time in ms when the lease of the
					 * recorder's last freeze ends: frozen SA
					 * records are exact only until then */
	__XC_RECORDER_A_MAX
};
#define XC_RECORDER_A_MAX (__XC_RECORDER_A_MAX - 1)

enum xc_trigger {
	XC_TRIGGER_START = 1,	/* the recorder started (no SA known yet) */
	XC_TRIGGER_PERIODIC,	/* every --interval: SAs not frozen, for a crash */
	XC_TRIGGER_DEMAND,	/* SIGUSR1: SAs frozen, for a planned hand-over */
	XC_TRIGGER_STOP,	/* SIGTERM/SIGINT */
};

/* XFRMCTX_REC_SA_RATE: the counters of one SA of the container at this
 * snapshot and at the previous one the recorder took, with the times, so
 * that a take-over after a crash can size its jump. Counters are 64-bit
 * (ESN high words included); times are unix time in ms. */
enum xc_rate_attr {
	XC_RATE_A_UNSPEC,
	XC_RATE_A_FAMILY,	/* u16: AF_INET or AF_INET6 */
	XC_RATE_A_DADDR,	/* binary 4 or 16, network order */
	XC_RATE_A_SPI,		/* u32, host order */
	XC_RATE_A_PROTO,	/* u8: IPPROTO_ESP, ... */
	XC_RATE_A_TIME,		/* u64: ms, when this snapshot was taken */
	XC_RATE_A_OSEQ,		/* u64: output sequence number then */
	XC_RATE_A_SEQ,		/* u64: highest input sequence number then */
	XC_RATE_A_PREV_TIME,	/* u64: ms, the previous snapshot (absent: none) */
	XC_RATE_A_PREV_OSEQ,	/* u64 */
	XC_RATE_A_PREV_SEQ,	/* u64 */
	XC_RATE_A_PEAK_OUT,	/* u64: highest outbound packets/s of the last
				 * XC_RATE_A_INTERVALS intervals, rounded up */
	XC_RATE_A_PEAK_IN,	/* u64: the same inbound */
	XC_RATE_A_INTERVALS,	/* u8: how many intervals the peaks cover */
	XC_RATE_A_BASE_TIME,	/* u64: ms, the newest sample at least
				 * XC_RATE_LONG_INTERVAL before this snapshot
				 * (absent: the SA is younger) */
	XC_RATE_A_BASE_OSEQ,	/* u64 */
	XC_RATE_A_BASE_SEQ,	/* u64 */
	__XC_RATE_A_MAX
};
#define XC_RATE_A_MAX (__XC_RATE_A_MAX - 1)

#endif
