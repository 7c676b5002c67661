/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/xfrm_ctx.yaml */
/* YNL-GEN uapi header */

#ifndef _UAPI_LINUX_XFRM_CTX_H
#define _UAPI_LINUX_XFRM_CTX_H

#define XFRM_CTX_FAMILY_NAME	"xfrm_ctx"
#define XFRM_CTX_FAMILY_VERSION	1

#define XFRM_CTX_DEFAULT_LEASE		30
#define XFRM_CTX_MAX_LEASE		3600
#define XFRM_CTX_MAX_REPLAY_WINDOW	4096
#define XFRM_CTX_MAX_ALG_KEY_LEN	512
#define XFRM_CTX_MAX_IV_SALT_LEN	32
#define XFRM_CTX_MAX_IMPORT_SAS		1024

/**
 * enum xfrm_ctx_flags
 * @XFRM_CTX_F_FREEZE: export - freeze the SAs first, so the snapshot is
 *   exactly the frozen state.
 * @XFRM_CTX_F_STAGED: import - leave the new SAs frozen; thaw them once the
 *   address has moved.
 * @XFRM_CTX_F_REPLACE: import - atomically replace an SA with the same (daddr,
 *   spi, proto, mark).
 * @XFRM_CTX_F_RENEW: freeze - renew the lease of an SA that is already frozen
 *   instead of refusing.
 * @XFRM_CTX_F_THAW: update - thaw each SA in the same step as its counters are
 *   set (under one lock), so it cannot carry traffic with the old ones; every
 *   SA must be frozen (staged), or nothing is updated.
 * @XFRM_CTX_F_LIVE_SNAPSHOT: import - accept snapshots taken while their SA
 *   was live (not frozen) with no out-jump. Without it such an import is
 *   refused: the source may have sent more packets under the same key and
 *   sequence numbers (with the IV salt restored, the same GCM nonces) after
 *   the snapshot. Give it only when the source is known to have sent nothing
 *   since.
 */
enum xfrm_ctx_flags {
	XFRM_CTX_F_FREEZE = 1,
	XFRM_CTX_F_STAGED = 2,
	XFRM_CTX_F_REPLACE = 4,
	XFRM_CTX_F_RENEW = 8,
	XFRM_CTX_F_THAW = 16,
	XFRM_CTX_F_LIVE_SNAPSHOT = 32,
};

/**
 * enum xfrm_ctx_features
 * @XFRM_CTX_FEAT_IV_SALT: the IV generator's salt (seqiv, echainiv) is
 *   exported and restored.
 * @XFRM_CTX_FEAT_SA_DIR: the kernel has SA directions (XFRMA_SA_DIR).
 * @XFRM_CTX_FEAT_PCPU: the kernel has per-CPU SAs (XFRMA_SA_PCPU).
 * @XFRM_CTX_FEAT_NAT_KEEPALIVE: the kernel sends NAT keepalives itself
 *   (XFRMA_NAT_KEEPALIVE_INTERVAL).
 */
enum xfrm_ctx_features {
	XFRM_CTX_FEAT_IV_SALT = 1,
	XFRM_CTX_FEAT_SA_DIR = 2,
	XFRM_CTX_FEAT_PCPU = 4,
	XFRM_CTX_FEAT_NAT_KEEPALIVE = 8,
};

/**
 * enum xfrm_ctx_event
 * @XFRM_CTX_EV_FROZEN: an SA was frozen (or its lease renewed).
 * @XFRM_CTX_EV_THAWED: an SA was thawed by a thaw command (or an update with
 *   the thaw flag).
 * @XFRM_CTX_EV_LEASE_EXPIRED: nobody thawed or released an SA in time; it
 *   thawed by itself (only SAs that were neither exported while frozen nor
 *   imported staged).
 * @XFRM_CTX_EV_IMPORTED: an SA was created by import (staged if the frozen
 *   attribute is set).
 * @XFRM_CTX_EV_RELEASED: a frozen SA was removed after a completed hand-over.
 * @XFRM_CTX_EV_UPDATED: the counters of an existing SA were moved forward by
 *   update.
 * @XFRM_CTX_EV_GONE: a frozen SA was deleted, expired or flushed by someone
 *   else.
 * @XFRM_CTX_EV_UNLOADED: the module is going away and thawed the SA.
 * @XFRM_CTX_EV_MIGRATED: a frozen SA was migrated to new addresses
 *   (XFRM_MSG_MIGRATE, as MOBIKE does); the xfrm core made a live copy, which
 *   was frozen in its turn (this event names the copy; a gone event the
 *   original).
 * @XFRM_CTX_EV_LEASE_HELD: the lease of an SA that must never carry traffic
 *   again on its own ran out: it was exported while frozen (its context left
 *   the host) or imported staged. It stays frozen, dropping every packet,
 *   until it is thawed or released on purpose.
 * @XFRM_CTX_EV_UNLOAD_DELETED: the module was unloaded while the SA was
 *   exported while frozen or staged: it was deleted (key managers got
 *   XFRM_MSG_DELSA), since thawing it could repeat sequence numbers and
 *   nonces.
 */
enum xfrm_ctx_event {
	XFRM_CTX_EV_FROZEN = 1,
	XFRM_CTX_EV_THAWED,
	XFRM_CTX_EV_LEASE_EXPIRED,
	XFRM_CTX_EV_IMPORTED,
	XFRM_CTX_EV_RELEASED,
	XFRM_CTX_EV_UPDATED,
	XFRM_CTX_EV_GONE,
	XFRM_CTX_EV_UNLOADED,
	XFRM_CTX_EV_MIGRATED,
	XFRM_CTX_EV_LEASE_HELD,
	XFRM_CTX_EV_UNLOAD_DELETED,
};

/**
 * enum xfrm_ctx_replay_mode
 * @XFRM_CTX_REPLAY_MODE_LEGACY: 32-bit counters, window of at most 32 (struct
 *   xfrm_replay_state).
 * @XFRM_CTX_REPLAY_MODE_BMP: 32-bit counters with a bitmap window
 *   (XFRMA_REPLAY_ESN_VAL, no ESN flag).
 * @XFRM_CTX_REPLAY_MODE_ESN: extended sequence numbers, 64-bit counters (RFC
 *   4303).
 */
enum xfrm_ctx_replay_mode {
	XFRM_CTX_REPLAY_MODE_LEGACY,
	XFRM_CTX_REPLAY_MODE_BMP,
	XFRM_CTX_REPLAY_MODE_ESN,
};

enum xfrm_ctx_attrs {
	XFRM_CTX_A_UNSPEC,
	XFRM_CTX_A_VERSION,
	XFRM_CTX_A_MODULE_VERSION,
	XFRM_CTX_A_FEATURES,
	XFRM_CTX_A_MAX_REPLAY_WINDOW,
	XFRM_CTX_A_SA_ID,
	XFRM_CTX_A_REQID,
	XFRM_CTX_A_LEASE,
	XFRM_CTX_A_FLAGS,
	XFRM_CTX_A_SA,
	XFRM_CTX_A_OUT_JUMP,
	XFRM_CTX_A_IN_JUMP,
	XFRM_CTX_A_COUNT,
	XFRM_CTX_A_EVENT,
	XFRM_CTX_A_FROZEN,
	XFRM_CTX_A_PAD,

	__XFRM_CTX_A_MAX,
	XFRM_CTX_A_MAX = (__XFRM_CTX_A_MAX - 1)
};

enum xfrm_ctx_id_attrs {
	XFRM_CTX_ID_UNSPEC,
	XFRM_CTX_ID_FAMILY,
	XFRM_CTX_ID_DADDR,
	XFRM_CTX_ID_SPI,
	XFRM_CTX_ID_PROTO,
	XFRM_CTX_ID_MARK,
	XFRM_CTX_ID_MARK_MASK,
	XFRM_CTX_ID_IF_ID,
	XFRM_CTX_ID_SADDR,

	__XFRM_CTX_ID_MAX,
	XFRM_CTX_ID_MAX = (__XFRM_CTX_ID_MAX - 1)
};

enum xfrm_ctx_sa_attrs {
	XFRM_CTX_SA_UNSPEC,
	XFRM_CTX_SA_FAMILY,
	XFRM_CTX_SA_DADDR,
	XFRM_CTX_SA_SADDR,
	XFRM_CTX_SA_SPI,
	XFRM_CTX_SA_PROTO,
	XFRM_CTX_SA_MODE,
	XFRM_CTX_SA_REQID,
	XFRM_CTX_SA_FLAGS,
	XFRM_CTX_SA_EXTRA_FLAGS,
	XFRM_CTX_SA_SELECTOR,
	XFRM_CTX_SA_LIFETIME,
	XFRM_CTX_SA_CURLFT,
	XFRM_CTX_SA_REPLAY,
	XFRM_CTX_SA_ALG_AUTH,
	XFRM_CTX_SA_ALG_CRYPT,
	XFRM_CTX_SA_ALG_AEAD,
	XFRM_CTX_SA_ALG_COMP,
	XFRM_CTX_SA_ENCAP,
	XFRM_CTX_SA_COADDR,
	XFRM_CTX_SA_MARK,
	XFRM_CTX_SA_MARK_MASK,
	XFRM_CTX_SA_SMARK,
	XFRM_CTX_SA_SMARK_MASK,
	XFRM_CTX_SA_IF_ID,
	XFRM_CTX_SA_TFCPAD,
	XFRM_CTX_SA_MAPPING_MAXAGE,
	XFRM_CTX_SA_NAT_KEEPALIVE_INTERVAL,
	XFRM_CTX_SA_DIR,
	XFRM_CTX_SA_PCPU_NUM,
	XFRM_CTX_SA_REPLAY_MAXAGE,
	XFRM_CTX_SA_REPLAY_MAXDIFF,
	XFRM_CTX_SA_STATS,
	XFRM_CTX_SA_SOFT_EXPIRED,
	XFRM_CTX_SA_FROZEN,
	XFRM_CTX_SA_PAD,
	XFRM_CTX_SA_DYING,

	__XFRM_CTX_SA_MAX,
	XFRM_CTX_SA_MAX = (__XFRM_CTX_SA_MAX - 1)
};

enum xfrm_ctx_lft_attrs {
	XFRM_CTX_LFT_UNSPEC,
	XFRM_CTX_LFT_BYTES,
	XFRM_CTX_LFT_PACKETS,
	XFRM_CTX_LFT_AGE,
	XFRM_CTX_LFT_USE_AGE,
	XFRM_CTX_LFT_PAD,
	XFRM_CTX_LFT_TIME,

	__XFRM_CTX_LFT_MAX,
	XFRM_CTX_LFT_MAX = (__XFRM_CTX_LFT_MAX - 1)
};

enum xfrm_ctx_replay_attrs {
	XFRM_CTX_REPLAY_UNSPEC,
	XFRM_CTX_REPLAY_MODE,
	XFRM_CTX_REPLAY_WINDOW,
	XFRM_CTX_REPLAY_SEQ,
	XFRM_CTX_REPLAY_SEQ_HI,
	XFRM_CTX_REPLAY_OSEQ,
	XFRM_CTX_REPLAY_OSEQ_HI,
	XFRM_CTX_REPLAY_BITMAP,

	__XFRM_CTX_REPLAY_MAX,
	XFRM_CTX_REPLAY_MAX = (__XFRM_CTX_REPLAY_MAX - 1)
};

enum xfrm_ctx_alg_attrs {
	XFRM_CTX_ALG_UNSPEC,
	XFRM_CTX_ALG_NAME,
	XFRM_CTX_ALG_KEY,
	XFRM_CTX_ALG_ICV_LEN,
	XFRM_CTX_ALG_TRUNC_LEN,
	XFRM_CTX_ALG_GENIV,
	XFRM_CTX_ALG_IV_SALT,

	__XFRM_CTX_ALG_MAX,
	XFRM_CTX_ALG_MAX = (__XFRM_CTX_ALG_MAX - 1)
};

enum xfrm_ctx_encap_attrs {
	XFRM_CTX_ENCAP_UNSPEC,
	XFRM_CTX_ENCAP_TYPE,
	XFRM_CTX_ENCAP_SPORT,
	XFRM_CTX_ENCAP_DPORT,
	XFRM_CTX_ENCAP_OA,

	__XFRM_CTX_ENCAP_MAX,
	XFRM_CTX_ENCAP_MAX = (__XFRM_CTX_ENCAP_MAX - 1)
};

enum xfrm_ctx_stats_attrs {
	XFRM_CTX_STATS_UNSPEC,
	XFRM_CTX_STATS_REPLAY_WINDOW,
	XFRM_CTX_STATS_REPLAY,
	XFRM_CTX_STATS_INTEGRITY_FAILED,

	__XFRM_CTX_STATS_MAX,
	XFRM_CTX_STATS_MAX = (__XFRM_CTX_STATS_MAX - 1)
};

enum xfrm_ctx_frozen_attrs {
	XFRM_CTX_FROZEN_UNSPEC,
	XFRM_CTX_FROZEN_SA_ID,
	XFRM_CTX_FROZEN_REQID,
	XFRM_CTX_FROZEN_LEASE_LEFT_MS,
	XFRM_CTX_FROZEN_FROZEN_MS,
	XFRM_CTX_FROZEN_STAGED,
	XFRM_CTX_FROZEN_DROPS_IN,
	XFRM_CTX_FROZEN_DROPS_OUT,
	XFRM_CTX_FROZEN_PAD,
	XFRM_CTX_FROZEN_EXPORTED,

	__XFRM_CTX_FROZEN_MAX,
	XFRM_CTX_FROZEN_MAX = (__XFRM_CTX_FROZEN_MAX - 1)
};

enum xfrm_ctx_cmd {
	XFRM_CTX_CMD_UNSPEC,
	XFRM_CTX_CMD_GET_INFO,
	XFRM_CTX_CMD_FREEZE,
	XFRM_CTX_CMD_THAW,
	XFRM_CTX_CMD_RELEASE,
	XFRM_CTX_CMD_EXPORT,
	XFRM_CTX_CMD_IMPORT,
	XFRM_CTX_CMD_UPDATE,
	XFRM_CTX_CMD_LIST_FROZEN,
	XFRM_CTX_CMD_EVENT,

	__XFRM_CTX_CMD_MAX,
	XFRM_CTX_CMD_MAX = (__XFRM_CTX_CMD_MAX - 1)
};

#define XFRM_CTX_MCGRP_EVENTS	"events"

#endif /* _UAPI_LINUX_XFRM_CTX_H */
