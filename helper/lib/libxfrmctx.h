/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxfrmctx: the API of xfrm-ctx for HA daemons and tools.
 *
 * Hand an IPsec tunnel (its SAs, their counters and keys, and the policies
 * that select them) from one Linux host to its twin:
 *
 *   on the active node                      on the standby node
 *   xfrmctx_open()                          xfrmctx_open()
 *   c = xfrmctx_ctx_new()
 *   xfrmctx_export(h, reqid, FREEZE, c)
 *   xfrmctx_policy_export(h, reqid, c)
 *   xfrmctx_ctx_write(c, path)  ---- secure channel ---->  xfrmctx_ctx_read(path, &c)
 *                                           xfrmctx_import(h, c, jumps)
 *                                           xfrmctx_policy_import(h, c)
 *   xfrmctx_release(h, reqid)
 *
 * Conventions: every function that can fail returns 0 (or a count) on
 * success and a negative errno on failure. After a failure on a handle,
 * xfrmctx_strerror() gives the reason: the kernel's extack message when the
 * kernel refused, the library's own message when it refused first, else
 * strerror(). Functions without a handle take an err buffer
 * (XFRMCTX_ERRLEN bytes are enough) for the same purpose.
 *
 * Handles are not thread-safe; use one per thread. Structures that carry
 * keys (struct xfrmctx_sa, contexts) are wiped when freed by the library;
 * wipe your own copies. Contexts hold keys: send them only to an
 * authenticated node over a secure channel.
 *
 * The context file format is specified in Documentation/context-file.rst.
 */
#ifndef LIBXFRMCTX_H
#define LIBXFRMCTX_H

#include <stddef.h>
#include <stdint.h>
#include <linux/xfrm.h>
#include <linux/xfrm_ctx.h>	/* XFRM_CTX_F_*, XFRM_CTX_EV_*, XFRM_CTX_SA_* */
/* XFRMCTX_VERSION ("0.3.0"), XFRMCTX_VERSION_MAJOR, _MINOR, _PATCH and
 * XFRMCTX_VERSION_NUMBER (0x000300): the release of this header, generated
 * from the project's VERSION file when the library is built. */
#include "xfrmctx_version.h"

#ifdef __cplusplus
extern "C" {
#endif

#define XFRMCTX_ERRLEN 256

/* ------------------------------------------------------------------ */
/* Handles                                                             */

struct xfrmctx;

/* Open a handle on the caller's network namespace (its sockets stay in
 * that namespace, also after a setns() of the thread), using the xfrm_ctx
 * generic netlink family (which loads the module on first use when it is
 * installed). -ENOENT: the family does not exist. */
int xfrmctx_open(struct xfrmctx **h);

/* xfrmctx_open() with options:
 * XFRMCTX_OPEN_FALLBACK: if the family does not exist, open anyway; export
 *   and import then go through the standard XFRM netlink (not atomic: no
 *   freeze, counters read and written separately, the IV generator's salt
 *   not carried); freeze, thaw, release, update, list-frozen and monitor
 *   fail with -EOPNOTSUPP.
 * XFRMCTX_OPEN_NO_MODULE: never use the family (the baseline path). */
#define XFRMCTX_OPEN_FALLBACK	0x1
#define XFRMCTX_OPEN_NO_MODULE	0x2
int xfrmctx_open_flags(struct xfrmctx **h, unsigned int flags);

/* 1 if the handle talks to the module, 0 on the XFRM netlink path. */
int xfrmctx_has_module(const struct xfrmctx *h);

void xfrmctx_close(struct xfrmctx *h);

/* Message for the last error returned on this handle (h may be NULL). */
const char *xfrmctx_strerror(const struct xfrmctx *h, int err);

struct xfrmctx_info {
	uint32_t version;		/* interface version of the module */
	char module_version[32];	/* release of the module */
	uint32_t features;		/* XFRM_CTX_FEAT_* */
	uint32_t max_replay_window;	/* bits */
};

int xfrmctx_get_info(struct xfrmctx *h, struct xfrmctx_info *info);

/* The release of the library linked at run time ("0.3.0"), which may be
 * newer than the XFRMCTX_VERSION the caller was compiled with. */
const char *xfrmctx_version(void);

/* The release of the xfrm_ctx module if it is loaded (from sysfs, without
 * loading it): 0, or -ENOENT when it is not loaded. */
int xfrmctx_module_version(char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* Naming SAs                                                          */

/* One SA, as `ip xfrm state get` names it. For export, an id with only
 * family and daddr (optionally proto, spi) is a filter. */
struct xfrmctx_sa_id {
	uint16_t family;		/* AF_INET or AF_INET6 */
	xfrm_address_t daddr;
	xfrm_address_t saddr;		/* if has_saddr */
	uint32_t spi;			/* host byte order; if has_spi */
	uint8_t proto;			/* IPPROTO_ESP, _AH, _COMP; if has_proto */
	uint32_t mark, mark_mask;	/* if has_mark */
	uint32_t if_id;			/* if has_if_id */
	uint8_t has_saddr, has_spi, has_proto, has_mark, has_if_id;
};

/* What a command acts on: SAs (id, an array of n_ids; n_ids 0 means one),
 * every SA of a reqid, or, for export and list-frozen only, everything
 * (neither). Freeze, thaw, release and export take up to
 * XFRM_CTX_MAX_IMPORT_SAS complete ids in one request and act on all of
 * them or none (a freeze of several SAs happens at one instant). */
struct xfrmctx_target {
	const struct xfrmctx_sa_id *id;
	uint32_t reqid;
	int has_reqid;
	size_t n_ids;
};

/* ------------------------------------------------------------------ */
/* Contexts: the container that travels between the nodes               */

#define XFRMCTX_FORMAT_MAJOR	1
#define XFRMCTX_FORMAT_MINOR	0

/* Record types. 16..63 are reserved for the IKE half; the attributes of
 * its records are specified in Documentation/context-file.rst and
 * helper/ike/ike_record.h. */
enum xfrmctx_record_type {
	XFRMCTX_REC_META = 1,	/* nest of XFRMCTX_META_*: who wrote it, when */
	XFRMCTX_REC_SA = 2,	/* the payload of one XFRM_CTX_A_SA nest */
	XFRMCTX_REC_POLICY = 3,	/* nest of XFRMCTX_POL_*: one SPD entry */
	XFRMCTX_REC_IKE_SA = 16,	/* one IKE_SA and its CHILD_SAs (mandatory) */
	XFRMCTX_REC_IKE_RECORDER = 17,	/* who recorded the IKE half, when, why */
	XFRMCTX_REC_SA_RATE = 18,	/* one SA's counters at this and the previous
					 * snapshot: the rate a crash jump needs */
};
#define XFRMCTX_REC_TYPE_MASK	0x1fff
#define XFRMCTX_REC_F_MANDATORY	0x2000	/* a reader must know the type */
#define XFRMCTX_REC_F_NESTED	0x8000	/* the payload is attributes */
#define XFRMCTX_REC_MAX_LEN	(0xffff - 4)

enum xfrmctx_meta_attr {
	XFRMCTX_META_CREATED = 1,	/* u64, seconds since the epoch */
	XFRMCTX_META_HOST,		/* string, the writer's hostname */
	XFRMCTX_META_WRITER,		/* string, "libxfrmctx 1.0" */
	XFRMCTX_META_SOURCE,		/* u8, XFRMCTX_SOURCE_* */
	XFRMCTX_META_FROZEN,		/* flag: the SAs were frozen when read */
	__XFRMCTX_META_MAX
};
#define XFRMCTX_META_MAX (__XFRMCTX_META_MAX - 1)
#define XFRMCTX_SOURCE_MODULE	1	/* exported by the xfrm_ctx module */
#define XFRMCTX_SOURCE_XFRM	2	/* read through XFRM netlink, not atomic */

enum xfrmctx_pol_attr {
	XFRMCTX_POL_INFO = 1,	/* struct xfrm_userpolicy_info */
	XFRMCTX_POL_TMPL,	/* struct xfrm_user_tmpl[], 1..6 of them */
	XFRMCTX_POL_MARK,	/* u32 */
	XFRMCTX_POL_MARK_MASK,	/* u32 */
	XFRMCTX_POL_IF_ID,	/* u32 */
	XFRMCTX_POL_TYPE,	/* u8, XFRM_POLICY_TYPE_MAIN or _SUB */
	__XFRMCTX_POL_MAX
};
#define XFRMCTX_POL_MAX (__XFRMCTX_POL_MAX - 1)

struct xfrmctx_ctx;

struct xfrmctx_ctx *xfrmctx_ctx_new(void);
void xfrmctx_ctx_free(struct xfrmctx_ctx *c);

/* Append a record. flags: XFRMCTX_REC_F_*. -EINVAL for a bad type or flag,
 * -EMSGSIZE for a payload over XFRMCTX_REC_MAX_LEN. */
int xfrmctx_ctx_append(struct xfrmctx_ctx *c, uint16_t type, uint16_t flags,
		       const void *data, size_t len);

/* Walk the records: zero r, then while (xfrmctx_ctx_next(c, &r) > 0). */
struct xfrmctx_record {
	uint16_t type;		/* without flag bits */
	uint16_t flags;		/* XFRMCTX_REC_F_* */
	uint32_t len;		/* of the payload */
	const void *data;	/* the payload, 4-byte aligned */
	size_t offset;		/* of the record's header in the file */
	size_t next;		/* cursor, private */
};
int xfrmctx_ctx_next(const struct xfrmctx_ctx *c, struct xfrmctx_record *r);
size_t xfrmctx_ctx_count(const struct xfrmctx_ctx *c, uint16_t type);
int xfrmctx_record_type_known(uint16_t type);

/* Format version of the file a context was read from. */
void xfrmctx_ctx_version(const struct xfrmctx_ctx *c, unsigned int *major,
			 unsigned int *minor);

/* Write mode 0600, atomically (temporary file, fsync, rename); "-" writes
 * to stdout. Read and check a file ("-": stdin): wrong magic, unknown major
 * version, other byte order, truncation, checksum mismatch and unknown
 * mandatory records are refused with a message in err. */
int xfrmctx_ctx_write(const struct xfrmctx_ctx *c, const char *path,
		      char *err, size_t errlen);
int xfrmctx_ctx_read(const char *path, struct xfrmctx_ctx **c,
		     char *err, size_t errlen);
/* The same on memory: the file image (free() it) and its parser. */
int xfrmctx_ctx_to_buf(const struct xfrmctx_ctx *c, void **buf, size_t *len);
int xfrmctx_ctx_from_buf(const void *buf, size_t len, struct xfrmctx_ctx **c,
			 char *err, size_t errlen);

/* Append a META record: now, this host, the source (XFRMCTX_SOURCE_*). */
int xfrmctx_ctx_add_meta(struct xfrmctx_ctx *c, uint8_t source, int frozen);

struct xfrmctx_meta {
	uint64_t created;
	char host[65];
	char writer[64];
	uint8_t source;
	uint8_t frozen;
};
int xfrmctx_meta_decode(const void *data, size_t len, struct xfrmctx_meta *m);

/* ------------------------------------------------------------------ */
/* SA snapshots, decoded                                               */

struct xfrmctx_alg {
	char name[64];
	uint8_t key[512];
	uint32_t key_len;		/* bytes */
	uint32_t icv_len;		/* bits (AEAD) */
	uint32_t trunc_len;		/* bits (authentication) */
	char geniv[64];
	uint8_t iv_salt[32];
	uint32_t iv_salt_len;		/* bytes; 0: not carried */
	uint8_t has_icv_len, has_trunc_len;
};

/* Every field of an XFRM_CTX_A_SA nest. present has bit (1ULL << attr) set
 * for each XFRM_CTX_SA_* attribute the nest held. */
struct xfrmctx_sa {
	uint64_t present;
	uint16_t family;
	xfrm_address_t daddr, saddr;
	uint32_t spi;			/* host byte order */
	uint8_t proto, mode;
	uint32_t reqid, flags, extra_flags;
	struct xfrm_selector sel;
	struct xfrm_lifetime_cfg lft;
	struct {
		uint64_t bytes, packets, age, use_age;
		uint8_t has_use_age;
	} curlft;
	struct {
		uint8_t mode;		/* XFRM_CTX_REPLAY_MODE_* */
		uint32_t window;
		uint32_t seq, seq_hi, oseq, oseq_hi;
		uint32_t bitmap[128];
		uint32_t bitmap_words;
	} replay;
	struct xfrmctx_alg auth, crypt, aead, comp;
	struct {
		uint16_t type;
		uint16_t sport, dport;	/* host byte order */
		xfrm_address_t oa;
		uint8_t has_oa;
	} encap;
	xfrm_address_t coaddr;
	uint32_t mark, mark_mask, smark, smark_mask, if_id, tfcpad;
	uint32_t mapping_maxage, nat_keepalive_interval, pcpu_num;
	uint32_t replay_maxage, replay_maxdiff;
	uint8_t dir;
	struct {
		uint32_t replay_window, replay, integrity_failed;
	} stats;
	/* soft_expired: the soft limit already fired and the key manager was
	 * told (the dying attribute, the kernel's km.dying). */
	uint8_t soft_expired, frozen;
};
#define XFRMCTX_SA_HAS(sa, attr) (((sa)->present >> (attr)) & 1)

/* Decode the payload of an SA record (or XFRM_CTX_A_SA nest). -EBADMSG
 * with a message in err for a malformed or incomplete one. */
int xfrmctx_sa_decode(const void *data, size_t len, struct xfrmctx_sa *sa,
		      char *err, size_t errlen);

/* The id of a decoded SA (family, daddr, saddr, spi, proto, mark, if_id). */
void xfrmctx_sa_get_id(const struct xfrmctx_sa *sa, struct xfrmctx_sa_id *id);

/* 64-bit counters: ESN high words included (0 for 32-bit modes). */
uint64_t xfrmctx_sa_oseq(const struct xfrmctx_sa *sa);
uint64_t xfrmctx_sa_seq(const struct xfrmctx_sa *sa);

/* ------------------------------------------------------------------ */
/* SPD entries, decoded                                                */

#define XFRMCTX_MAX_TMPL 6	/* the kernel's XFRM_MAX_DEPTH */

struct xfrmctx_policy {
	struct xfrm_userpolicy_info info;	/* selector, dir, priority, action */
	struct xfrm_user_tmpl tmpl[XFRMCTX_MAX_TMPL];
	unsigned int n_tmpl;
	uint32_t mark, mark_mask, if_id;
	uint8_t type;				/* XFRM_POLICY_TYPE_* */
	uint8_t has_mark, has_if_id;
};
int xfrmctx_policy_decode(const void *data, size_t len, struct xfrmctx_policy *p,
			  char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* Commands                                                            */

/* Freeze one SA or every SA of a reqid for lease seconds (0: the module's
 * default, 30). flags: XFRM_CTX_F_RENEW. *count: SAs frozen. */
int xfrmctx_freeze(struct xfrmctx *h, const struct xfrmctx_target *t,
		   uint32_t lease, uint32_t flags, uint32_t *count);
int xfrmctx_thaw(struct xfrmctx *h, const struct xfrmctx_target *t, uint32_t *count);
/* Delete frozen SAs after a completed hand-over, without telling the key
 * manager. */
int xfrmctx_release(struct xfrmctx *h, const struct xfrmctx_target *t, uint32_t *count);

/* Append the snapshots of the SAs t names (one SA, a reqid, or all) to c,
 * one SA record each, after a META record. flags: XFRM_CTX_F_FREEZE
 * (freeze first, for lease seconds). *count: SAs exported. */
int xfrmctx_export(struct xfrmctx *h, const struct xfrmctx_target *t,
		   uint32_t flags, uint32_t lease, struct xfrmctx_ctx *c,
		   uint32_t *count);

struct xfrmctx_import_opts {
	uint64_t out_jump;	/* added to the outbound sequence number */
	uint64_t in_jump;	/* the replay window moves ahead this much */
	uint32_t flags;		/* import: XFRM_CTX_F_STAGED, XFRM_CTX_F_REPLACE,
				 * XFRM_CTX_F_LIVE_SNAPSHOT; update:
				 * XFRM_CTX_F_THAW */
	uint32_t lease;		/* of a staged import; 0: default */
};

/* Create the SAs of every SA record in c, all or nothing. */
int xfrmctx_import(struct xfrmctx *h, const struct xfrmctx_ctx *c,
		   const struct xfrmctx_import_opts *o, uint32_t *count);
/* Move the counters (and IV salt) of existing SAs forward to those of c
 * plus the jumps; with XFRM_CTX_F_THAW in o->flags, thaw each in the same
 * step (every SA must be frozen or staged, or none is updated; above
 * XFRM_CTX_MAX_IMPORT_SAS this holds per message). */
int xfrmctx_update(struct xfrmctx *h, const struct xfrmctx_ctx *c,
		   const struct xfrmctx_import_opts *o, uint32_t *count);

struct xfrmctx_frozen {
	struct xfrmctx_sa_id id;
	uint32_t reqid;
	uint32_t lease_left_ms;
	uint64_t frozen_ms;
	uint64_t drops_in, drops_out;
	uint8_t staged, has_reqid, has_drops;
	uint8_t exported;	/* exported while frozen: only a thaw or release
				 * ends its freeze (not its lease) */
};

/* Call cb for every frozen SA t names (NULL or empty: all). A non-zero
 * return of cb stops the walk and is returned. */
int xfrmctx_list_frozen(struct xfrmctx *h, const struct xfrmctx_target *t,
			int (*cb)(const struct xfrmctx_frozen *f, void *arg), void *arg);

/* Policies, through the standard XFRM netlink (no module needed). Export
 * appends a POLICY record for every in/out/fwd policy with a template of
 * t's reqid (t NULL or without reqid: every policy). Import adds them all
 * or, on the first refusal, removes those it added; with
 * XFRMCTX_POLICY_REPLACE existing ones are updated instead of refused. */
#define XFRMCTX_POLICY_REPLACE 0x1
int xfrmctx_policy_export(struct xfrmctx *h, const struct xfrmctx_target *t,
			  struct xfrmctx_ctx *c, uint32_t *count);
int xfrmctx_policy_import(struct xfrmctx *h, const struct xfrmctx_ctx *c,
			  unsigned int flags, uint32_t *count);
/* Remove the policies of c's POLICY records (undo an import); those that
 * are already gone are skipped. */
int xfrmctx_policy_delete(struct xfrmctx *h, const struct xfrmctx_ctx *c, uint32_t *count);

/* Events of the module's "events" group. Subscribe, then call
 * xfrmctx_monitor_read() when xfrmctx_monitor_fd() is readable (or just
 * in a loop: it blocks). cb gets XFRM_CTX_EV_* and the SA; a non-zero
 * return stops reading and is returned. */
int xfrmctx_monitor_start(struct xfrmctx *h);
int xfrmctx_monitor_fd(const struct xfrmctx *h);
int xfrmctx_monitor_read(struct xfrmctx *h,
			 int (*cb)(uint32_t event, const struct xfrmctx_frozen *f, void *arg),
			 void *arg);

#ifdef __cplusplus
}
#endif
#endif /* LIBXFRMCTX_H */
