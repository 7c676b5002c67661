// SPDX-License-Identifier: GPL-2.0-or-later
/* xfrmctx monitor: the module's events, one line (or JSON object) each. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "libxfrmctx.h"
#include "print.h"
#include "xfrmctx.h"

static int print_event(uint32_t ev, const struct xfrmctx_frozen *f, void *arg)
{
	struct jw w;

	(void)arg;
	if (opt_json) {
		/* One object per line, as `ip -j monitor` prints. */
		jw_init(&w, stdout, 0);
		jw_obj_open(&w, NULL);
		jw_str(&w, "event", event_name(ev));
		if (f->id.family)
			print_frozen(&w, f);
		jw_obj_close(&w);
		jw_end(&w);
		return 0;
	}
	printf("%s", event_name(ev));
	if (f->id.family) {
		printf(" ");
		print_frozen(NULL, f);
	}
	printf("\n");
	fflush(stdout);
	return 0;
}

int cmd_monitor(int argc, char **argv)
{
	struct xfrmctx *h;
	int err;

	if (argc > 0) {
		if (!strcmp(argv[0], "help")) {
			printf("Usage: xfrmctx [-j] monitor\n");
			return 0;
		}
		fprintf(stderr, "xfrmctx: argument \"%s\" is wrong: \"monitor\" takes no arguments\n", argv[0]);
		return XC_EXIT_USAGE;
	}
	err = xfrmctx_open(&h);
	if (err == -ENOENT)
		return op_error("monitor", "generic netlink family xfrm_ctx not found");
	if (err)
		return op_error("monitor", strerror(-err));
	err = xfrmctx_monitor_start(h);
	while (!err)
		err = xfrmctx_monitor_read(h, print_event, NULL);
	op_error("monitor", xfrmctx_strerror(h, err));
	xfrmctx_close(h);
	return XC_EXIT_FAIL;
}
