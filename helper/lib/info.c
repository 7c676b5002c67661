// SPDX-License-Identifier: LGPL-2.1-or-later
/* The version query. */
#include <errno.h>
#include <string.h>

#include "genl.h"

static int parse_info(struct nl_msg *msg, void *arg)
{
	struct xfrmctx_info *info = arg;
	struct nlattr *tb[XFRM_CTX_A_MAX + 1];
	int err;

	err = genlmsg_parse(nlmsg_hdr(msg), 0, tb, XFRM_CTX_A_MAX, NULL);
	if (err < 0)
		return -EPROTO;
	if (!tb[XFRM_CTX_A_VERSION])
		return -EPROTO;
	info->version = nla_get_u32(tb[XFRM_CTX_A_VERSION]);
	if (tb[XFRM_CTX_A_MODULE_VERSION])
		nla_strlcpy(info->module_version, tb[XFRM_CTX_A_MODULE_VERSION],
			    sizeof(info->module_version));
	if (tb[XFRM_CTX_A_FEATURES])
		info->features = nla_get_u32(tb[XFRM_CTX_A_FEATURES]);
	if (tb[XFRM_CTX_A_MAX_REPLAY_WINDOW])
		info->max_replay_window = nla_get_u32(tb[XFRM_CTX_A_MAX_REPLAY_WINDOW]);
	return 0;
}

int xfrmctx_get_info(struct xfrmctx *h, struct xfrmctx_info *info)
{
	struct nl_msg *msg = xc_msg_new(h, XFRM_CTX_CMD_GET_INFO, 0);

	if (!msg)
		return -ENOMEM;
	memset(info, 0, sizeof(*info));
	if (nla_put_u32(msg, XFRM_CTX_A_VERSION, XFRM_CTX_FAMILY_VERSION) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return xc_request(h, msg, parse_info, info);
}
