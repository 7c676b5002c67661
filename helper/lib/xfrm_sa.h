/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal: the module-less path's translation between XFRM netlink SA
 * messages and the SA snapshot of the spec. */
#ifndef XC_XFRM_SA_H
#define XC_XFRM_SA_H

#include <time.h>

#include <netlink/msg.h>

#include "libxfrmctx.h"

/* From an XFRM_MSG_NEWSA message (a GETSA dump reply); now is the wall
 * clock the ages are computed against. -EBADMSG if malformed. */
int xc_sa_from_xfrm(const struct nlmsghdr *nlh, time_t now, struct xfrmctx_sa *sa);

/* Append the body and attributes of an XFRM_MSG_NEWSA for sa to msg. */
int xc_sa_to_xfrm(const struct xfrmctx_sa *sa, time_t now, struct nl_msg *msg);

#endif
