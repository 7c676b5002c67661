// SPDX-License-Identifier: GPL-2.0
/* Placeholders until the commands are implemented. */
#include "netlink-gen.h"
#include "xfrm_ctx.h"

#define XC_TODO(fn)							\
int fn(struct sk_buff *skb, struct genl_info *info)			\
{									\
	NL_SET_ERR_MSG_MOD(info->extack, "not implemented yet");	\
	return -EOPNOTSUPP;						\
}
XC_TODO(xfrm_ctx_nl_freeze_doit)
XC_TODO(xfrm_ctx_nl_thaw_doit)
XC_TODO(xfrm_ctx_nl_release_doit)
XC_TODO(xfrm_ctx_nl_export_doit)
XC_TODO(xfrm_ctx_nl_import_doit)
XC_TODO(xfrm_ctx_nl_update_doit)
XC_TODO(xfrm_ctx_nl_list_frozen_doit)

int xfrm_ctx_nl_export_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return -EOPNOTSUPP;
}

int xfrm_ctx_nl_list_frozen_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return -EOPNOTSUPP;
}
