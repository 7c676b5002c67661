/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxfrmctx: the API of xfrm-ctx for HA daemons and tools.
 *
 * Every function returns 0 on success or a negative errno. When the kernel
 * refused a request, xfrmctx_strerror() gives its extack message (which
 * names the problem), else strerror(-err).
 */
#ifndef LIBXFRMCTX_H
#define LIBXFRMCTX_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct xfrmctx;

/* Open a generic netlink socket to the xfrm_ctx family of the caller's
 * network namespace. -ENOENT: the module is not loaded. */
int xfrmctx_open(struct xfrmctx **h);
void xfrmctx_close(struct xfrmctx *h);

/* Message for the last error returned on this handle. */
const char *xfrmctx_strerror(const struct xfrmctx *h, int err);

struct xfrmctx_info {
	uint32_t version;		/* interface version of the module */
	char module_version[32];	/* release of the module */
	uint32_t features;		/* XFRM_CTX_FEAT_* */
	uint32_t max_replay_window;	/* bits */
};

int xfrmctx_get_info(struct xfrmctx *h, struct xfrmctx_info *info);

#ifdef __cplusplus
}
#endif
#endif /* LIBXFRMCTX_H */
