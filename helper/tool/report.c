// SPDX-License-Identifier: GPL-2.0-or-later
/* How the command reports failures: a line on stderr and the exit code. */
#include <stdio.h>
#include <string.h>

#include <linux/xfrm_ctx.h>
#include "xfrmctx.h"

int usage_error(const char *msg)
{
	fprintf(stderr, "xfrmctx: %s\n", msg);
	return XC_EXIT_USAGE;
}

int op_error(const char *what, const char *msg)
{
	fprintf(stderr, "xfrmctx: %s: %s\n", what, msg);
	if (strstr(msg, "family " XFRM_CTX_FAMILY_NAME " not found"))
		xc_module_hint();
	return XC_EXIT_FAIL;
}
