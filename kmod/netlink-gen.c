// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/xfrm_ctx.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "netlink-gen.h"

#include <uapi/linux/xfrm_ctx.h>

/* Common nested types */
const struct nla_policy xfrm_ctx_alg_nl_policy[XFRM_CTX_ALG_IV_SALT + 1] = {
	[XFRM_CTX_ALG_NAME] = { .type = NLA_NUL_STRING, .len = 63, },
	[XFRM_CTX_ALG_KEY] = { .type = NLA_BINARY, },
	[XFRM_CTX_ALG_ICV_LEN] = { .type = NLA_U32, },
	[XFRM_CTX_ALG_TRUNC_LEN] = { .type = NLA_U32, },
	[XFRM_CTX_ALG_GENIV] = { .type = NLA_NUL_STRING, .len = 63, },
	[XFRM_CTX_ALG_IV_SALT] = { .type = NLA_BINARY, },
};

const struct nla_policy xfrm_ctx_curlft_nl_policy[XFRM_CTX_LFT_TIME + 1] = {
	[XFRM_CTX_LFT_BYTES] = { .type = NLA_U64, },
	[XFRM_CTX_LFT_PACKETS] = { .type = NLA_U64, },
	[XFRM_CTX_LFT_AGE] = { .type = NLA_U64, },
	[XFRM_CTX_LFT_USE_AGE] = { .type = NLA_U64, },
	[XFRM_CTX_LFT_TIME] = { .type = NLA_U64, },
};

const struct nla_policy xfrm_ctx_encap_nl_policy[XFRM_CTX_ENCAP_OA + 1] = {
	[XFRM_CTX_ENCAP_TYPE] = { .type = NLA_U16, },
	[XFRM_CTX_ENCAP_SPORT] = { .type = NLA_U16, },
	[XFRM_CTX_ENCAP_DPORT] = { .type = NLA_U16, },
	[XFRM_CTX_ENCAP_OA] = { .type = NLA_BINARY, },
};

const struct nla_policy xfrm_ctx_replay_nl_policy[XFRM_CTX_REPLAY_BITMAP + 1] = {
	[XFRM_CTX_REPLAY_MODE] = NLA_POLICY_MAX(NLA_U8, 2),
	[XFRM_CTX_REPLAY_WINDOW] = NLA_POLICY_MAX(NLA_U32, 4096),
	[XFRM_CTX_REPLAY_SEQ] = { .type = NLA_U32, },
	[XFRM_CTX_REPLAY_SEQ_HI] = { .type = NLA_U32, },
	[XFRM_CTX_REPLAY_OSEQ] = { .type = NLA_U32, },
	[XFRM_CTX_REPLAY_OSEQ_HI] = { .type = NLA_U32, },
	[XFRM_CTX_REPLAY_BITMAP] = { .type = NLA_BINARY, },
};

const struct nla_policy xfrm_ctx_sa_nl_policy[XFRM_CTX_SA_DYING + 1] = {
	[XFRM_CTX_SA_FAMILY] = { .type = NLA_U16, },
	[XFRM_CTX_SA_DADDR] = { .type = NLA_BINARY, },
	[XFRM_CTX_SA_SADDR] = { .type = NLA_BINARY, },
	[XFRM_CTX_SA_SPI] = { .type = NLA_U32, },
	[XFRM_CTX_SA_PROTO] = { .type = NLA_U8, },
	[XFRM_CTX_SA_MODE] = { .type = NLA_U8, },
	[XFRM_CTX_SA_REQID] = { .type = NLA_U32, },
	[XFRM_CTX_SA_FLAGS] = { .type = NLA_U32, },
	[XFRM_CTX_SA_EXTRA_FLAGS] = { .type = NLA_U32, },
	[XFRM_CTX_SA_SELECTOR] = NLA_POLICY_EXACT_LEN(56),
	[XFRM_CTX_SA_LIFETIME] = NLA_POLICY_EXACT_LEN(64),
	[XFRM_CTX_SA_CURLFT] = NLA_POLICY_NESTED(xfrm_ctx_curlft_nl_policy),
	[XFRM_CTX_SA_REPLAY] = NLA_POLICY_NESTED(xfrm_ctx_replay_nl_policy),
	[XFRM_CTX_SA_ALG_AUTH] = NLA_POLICY_NESTED(xfrm_ctx_alg_nl_policy),
	[XFRM_CTX_SA_ALG_CRYPT] = NLA_POLICY_NESTED(xfrm_ctx_alg_nl_policy),
	[XFRM_CTX_SA_ALG_AEAD] = NLA_POLICY_NESTED(xfrm_ctx_alg_nl_policy),
	[XFRM_CTX_SA_ALG_COMP] = NLA_POLICY_NESTED(xfrm_ctx_alg_nl_policy),
	[XFRM_CTX_SA_ENCAP] = NLA_POLICY_NESTED(xfrm_ctx_encap_nl_policy),
	[XFRM_CTX_SA_COADDR] = { .type = NLA_BINARY, },
	[XFRM_CTX_SA_MARK] = { .type = NLA_U32, },
	[XFRM_CTX_SA_MARK_MASK] = { .type = NLA_U32, },
	[XFRM_CTX_SA_SMARK] = { .type = NLA_U32, },
	[XFRM_CTX_SA_SMARK_MASK] = { .type = NLA_U32, },
	[XFRM_CTX_SA_IF_ID] = { .type = NLA_U32, },
	[XFRM_CTX_SA_TFCPAD] = { .type = NLA_U32, },
	[XFRM_CTX_SA_MAPPING_MAXAGE] = { .type = NLA_U32, },
	[XFRM_CTX_SA_NAT_KEEPALIVE_INTERVAL] = { .type = NLA_U32, },
	[XFRM_CTX_SA_DIR] = NLA_POLICY_RANGE(NLA_U8, 1, 2),
	[XFRM_CTX_SA_PCPU_NUM] = { .type = NLA_U32, },
	[XFRM_CTX_SA_REPLAY_MAXAGE] = { .type = NLA_U32, },
	[XFRM_CTX_SA_REPLAY_MAXDIFF] = { .type = NLA_U32, },
	[XFRM_CTX_SA_STATS] = NLA_POLICY_NESTED(xfrm_ctx_stats_nl_policy),
	[XFRM_CTX_SA_SOFT_EXPIRED] = { .type = NLA_FLAG, },
	[XFRM_CTX_SA_FROZEN] = { .type = NLA_FLAG, },
	[XFRM_CTX_SA_DYING] = { .type = NLA_FLAG, },
};

const struct nla_policy xfrm_ctx_sa_id_nl_policy[XFRM_CTX_ID_SADDR + 1] = {
	[XFRM_CTX_ID_FAMILY] = { .type = NLA_U16, },
	[XFRM_CTX_ID_DADDR] = { .type = NLA_BINARY, },
	[XFRM_CTX_ID_SPI] = { .type = NLA_U32, },
	[XFRM_CTX_ID_PROTO] = { .type = NLA_U8, },
	[XFRM_CTX_ID_MARK] = { .type = NLA_U32, },
	[XFRM_CTX_ID_MARK_MASK] = { .type = NLA_U32, },
	[XFRM_CTX_ID_IF_ID] = { .type = NLA_U32, },
	[XFRM_CTX_ID_SADDR] = { .type = NLA_BINARY, },
};

const struct nla_policy xfrm_ctx_stats_nl_policy[XFRM_CTX_STATS_INTEGRITY_FAILED + 1] = {
	[XFRM_CTX_STATS_REPLAY_WINDOW] = { .type = NLA_U32, },
	[XFRM_CTX_STATS_REPLAY] = { .type = NLA_U32, },
	[XFRM_CTX_STATS_INTEGRITY_FAILED] = { .type = NLA_U32, },
};

/* XFRM_CTX_CMD_GET_INFO - do */
const struct nla_policy xfrm_ctx_get_info_nl_policy[XFRM_CTX_A_VERSION + 1] = {
	[XFRM_CTX_A_VERSION] = { .type = NLA_U32, },
};

/* XFRM_CTX_CMD_FREEZE - do */
const struct nla_policy xfrm_ctx_freeze_nl_policy[XFRM_CTX_A_FLAGS + 1] = {
	[XFRM_CTX_A_SA_ID] = NLA_POLICY_NESTED(xfrm_ctx_sa_id_nl_policy),
	[XFRM_CTX_A_REQID] = { .type = NLA_U32, },
	[XFRM_CTX_A_LEASE] = NLA_POLICY_RANGE(NLA_U32, 1, 3600),
	[XFRM_CTX_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, 0x3f),
};

/* XFRM_CTX_CMD_THAW - do */
const struct nla_policy xfrm_ctx_thaw_nl_policy[XFRM_CTX_A_REQID + 1] = {
	[XFRM_CTX_A_SA_ID] = NLA_POLICY_NESTED(xfrm_ctx_sa_id_nl_policy),
	[XFRM_CTX_A_REQID] = { .type = NLA_U32, },
};

/* XFRM_CTX_CMD_RELEASE - do */
const struct nla_policy xfrm_ctx_release_nl_policy[XFRM_CTX_A_REQID + 1] = {
	[XFRM_CTX_A_SA_ID] = NLA_POLICY_NESTED(xfrm_ctx_sa_id_nl_policy),
	[XFRM_CTX_A_REQID] = { .type = NLA_U32, },
};

/* XFRM_CTX_CMD_EXPORT - do */
const struct nla_policy xfrm_ctx_export_nl_policy[XFRM_CTX_A_FLAGS + 1] = {
	[XFRM_CTX_A_SA_ID] = NLA_POLICY_NESTED(xfrm_ctx_sa_id_nl_policy),
	[XFRM_CTX_A_REQID] = { .type = NLA_U32, },
	[XFRM_CTX_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, 0x3f),
	[XFRM_CTX_A_LEASE] = NLA_POLICY_RANGE(NLA_U32, 1, 3600),
};

/* XFRM_CTX_CMD_IMPORT - do */
const struct nla_policy xfrm_ctx_import_nl_policy[XFRM_CTX_A_IN_JUMP + 1] = {
	[XFRM_CTX_A_SA] = NLA_POLICY_NESTED(xfrm_ctx_sa_nl_policy),
	[XFRM_CTX_A_OUT_JUMP] = { .type = NLA_U64, },
	[XFRM_CTX_A_IN_JUMP] = { .type = NLA_U64, },
	[XFRM_CTX_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, 0x3f),
	[XFRM_CTX_A_LEASE] = NLA_POLICY_RANGE(NLA_U32, 1, 3600),
};

/* XFRM_CTX_CMD_UPDATE - do */
const struct nla_policy xfrm_ctx_update_nl_policy[XFRM_CTX_A_IN_JUMP + 1] = {
	[XFRM_CTX_A_SA] = NLA_POLICY_NESTED(xfrm_ctx_sa_nl_policy),
	[XFRM_CTX_A_OUT_JUMP] = { .type = NLA_U64, },
	[XFRM_CTX_A_IN_JUMP] = { .type = NLA_U64, },
	[XFRM_CTX_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, 0x3f),
};

/* XFRM_CTX_CMD_LIST_FROZEN - do */
const struct nla_policy xfrm_ctx_list_frozen_nl_policy[XFRM_CTX_A_REQID + 1] = {
	[XFRM_CTX_A_SA_ID] = NLA_POLICY_NESTED(xfrm_ctx_sa_id_nl_policy),
	[XFRM_CTX_A_REQID] = { .type = NLA_U32, },
};

/* Ops table for xfrm_ctx */
const struct genl_ops xfrm_ctx_nl_ops[8] = {
	{
		.cmd		= XFRM_CTX_CMD_GET_INFO,
		.doit		= xfrm_ctx_nl_get_info_doit,
		.policy		= xfrm_ctx_get_info_nl_policy,
		.maxattr	= XFRM_CTX_A_VERSION,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XFRM_CTX_CMD_FREEZE,
		.doit		= xfrm_ctx_nl_freeze_doit,
		.policy		= xfrm_ctx_freeze_nl_policy,
		.maxattr	= XFRM_CTX_A_FLAGS,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= XFRM_CTX_CMD_THAW,
		.doit		= xfrm_ctx_nl_thaw_doit,
		.policy		= xfrm_ctx_thaw_nl_policy,
		.maxattr	= XFRM_CTX_A_REQID,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XFRM_CTX_CMD_RELEASE,
		.doit		= xfrm_ctx_nl_release_doit,
		.policy		= xfrm_ctx_release_nl_policy,
		.maxattr	= XFRM_CTX_A_REQID,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XFRM_CTX_CMD_EXPORT,
		.doit		= xfrm_ctx_nl_export_doit,
		.dumpit		= xfrm_ctx_nl_export_dumpit,
		.start		= xfrm_ctx_nl_export_start,
		.done		= xfrm_ctx_nl_export_done,
		.policy		= xfrm_ctx_export_nl_policy,
		.maxattr	= XFRM_CTX_A_FLAGS,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XFRM_CTX_CMD_IMPORT,
		.doit		= xfrm_ctx_nl_import_doit,
		.policy		= xfrm_ctx_import_nl_policy,
		.maxattr	= XFRM_CTX_A_IN_JUMP,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XFRM_CTX_CMD_UPDATE,
		.doit		= xfrm_ctx_nl_update_doit,
		.policy		= xfrm_ctx_update_nl_policy,
		.maxattr	= XFRM_CTX_A_IN_JUMP,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XFRM_CTX_CMD_LIST_FROZEN,
		.doit		= xfrm_ctx_nl_list_frozen_doit,
		.dumpit		= xfrm_ctx_nl_list_frozen_dumpit,
		.policy		= xfrm_ctx_list_frozen_nl_policy,
		.maxattr	= XFRM_CTX_A_REQID,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
};

const struct genl_multicast_group xfrm_ctx_nl_mcgrps[1] = {
	[XFRM_CTX_NLGRP_EVENTS] = { "events", .flags = GENL_MCAST_CAP_NET_ADMIN, },
};
