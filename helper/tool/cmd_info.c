// SPDX-License-Identifier: GPL-2.0-or-later
/* xfrmctx info: what module answers, and what it can do. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/xfrm_ctx.h>
#include "libxfrmctx.h"
#include "xfrmctx.h"

int opt_json, opt_pretty, opt_stats, opt_reveal, opt_no_module;

static const char *const feature_names[] = { "iv-salt", "sa-dir", "pcpu", "nat-keepalive" };

int cmd_info(int argc, char **argv)
{
	struct xfrmctx_info info;
	struct xfrmctx *h;
	unsigned int i;
	int err;

	if (argc > 0) {
		if (argc == 1 && !strcmp(argv[0], "help")) {
			printf("Usage: xfrmctx [-j] info\n"
			       "The version and the features of the loaded xfrm_ctx module.\n");
			return 0;
		}
		fprintf(stderr, "xfrmctx: argument \"%s\" is wrong: \"info\" takes no arguments\n", argv[0]);
		return XC_EXIT_USAGE;
	}
	err = xfrmctx_open(&h);
	if (err) {
		if (err == -ENOENT)
			return op_error("info", "generic netlink family " XFRM_CTX_FAMILY_NAME " not found");
		fprintf(stderr, "xfrmctx: %s\n", xfrmctx_strerror(NULL, err));
		return 1;
	}
	err = xfrmctx_get_info(h, &info);
	if (err) {
		fprintf(stderr, "xfrmctx: %s\n", xfrmctx_strerror(h, err));
		xfrmctx_close(h);
		return 1;
	}
	xfrmctx_close(h);

	if (opt_json) {
		printf("{\"family\":\"%s\",\"version\":%u,\"module_version\":\"%s\",\"max_replay_window\":%u,\"features\":[",
		       XFRM_CTX_FAMILY_NAME, info.version, info.module_version,
		       info.max_replay_window);
		for (i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++)
			if (info.features & (1u << i))
				printf("%s\"%s\"", (info.features & ((1u << i) - 1)) ? "," : "",
				       feature_names[i]);
		printf("]}\n");
		return 0;
	}
	printf("family %s version %u module %s max-replay-window %u\n",
	       XFRM_CTX_FAMILY_NAME, info.version, info.module_version,
	       info.max_replay_window);
	printf("features");
	for (i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++)
		if (info.features & (1u << i))
			printf(" %s", feature_names[i]);
	printf("\n");
	return 0;
}
