/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/xfrm_ctx.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_XFRM_CTX_GEN_H
#define _LINUX_XFRM_CTX_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/xfrm_ctx.h>

/* Common nested types */
extern const struct nla_policy xfrm_ctx_alg_nl_policy[XFRM_CTX_ALG_IV_SALT + 1];
extern const struct nla_policy xfrm_ctx_curlft_nl_policy[XFRM_CTX_LFT_TIME + 1];
extern const struct nla_policy xfrm_ctx_encap_nl_policy[XFRM_CTX_ENCAP_OA + 1];
extern const struct nla_policy xfrm_ctx_replay_nl_policy[XFRM_CTX_REPLAY_BITMAP + 1];
extern const struct nla_policy xfrm_ctx_sa_nl_policy[XFRM_CTX_SA_DYING + 1];
extern const struct nla_policy xfrm_ctx_sa_id_nl_policy[XFRM_CTX_ID_SADDR + 1];
extern const struct nla_policy xfrm_ctx_stats_nl_policy[XFRM_CTX_STATS_INTEGRITY_FAILED + 1];

extern const struct nla_policy xfrm_ctx_get_info_nl_policy[XFRM_CTX_A_VERSION + 1];

extern const struct nla_policy xfrm_ctx_freeze_nl_policy[XFRM_CTX_A_FLAGS + 1];

extern const struct nla_policy xfrm_ctx_thaw_nl_policy[XFRM_CTX_A_REQID + 1];

extern const struct nla_policy xfrm_ctx_release_nl_policy[XFRM_CTX_A_REQID + 1];

extern const struct nla_policy xfrm_ctx_export_nl_policy[XFRM_CTX_A_FLAGS + 1];

extern const struct nla_policy xfrm_ctx_import_nl_policy[XFRM_CTX_A_IN_JUMP + 1];

extern const struct nla_policy xfrm_ctx_update_nl_policy[XFRM_CTX_A_IN_JUMP + 1];

extern const struct nla_policy xfrm_ctx_list_frozen_nl_policy[XFRM_CTX_A_REQID + 1];

/* Ops table for xfrm_ctx */
extern const struct genl_ops xfrm_ctx_nl_ops[8];

int xfrm_ctx_nl_export_start(struct netlink_callback *cb);
int xfrm_ctx_nl_export_done(struct netlink_callback *cb);

int xfrm_ctx_nl_get_info_doit(struct sk_buff *skb, struct genl_info *info);
int xfrm_ctx_nl_freeze_doit(struct sk_buff *skb, struct genl_info *info);
int xfrm_ctx_nl_thaw_doit(struct sk_buff *skb, struct genl_info *info);
int xfrm_ctx_nl_release_doit(struct sk_buff *skb, struct genl_info *info);
int xfrm_ctx_nl_export_doit(struct sk_buff *skb, struct genl_info *info);
int xfrm_ctx_nl_export_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int xfrm_ctx_nl_import_doit(struct sk_buff *skb, struct genl_info *info);
int xfrm_ctx_nl_update_doit(struct sk_buff *skb, struct genl_info *info);
int xfrm_ctx_nl_list_frozen_doit(struct sk_buff *skb, struct genl_info *info);
int xfrm_ctx_nl_list_frozen_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb);

extern const struct genl_multicast_group xfrm_ctx_nl_mcgrps[1];

enum {
	XFRM_CTX_NLGRP_EVENTS,
};

#endif /* _LINUX_XFRM_CTX_GEN_H */
