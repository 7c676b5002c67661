// SPDX-License-Identifier: GPL-2.0-or-later
/* How the command reports failures: a line on stderr and the exit code. */
#include <stdio.h>

#include "xfrmctx.h"

int usage_error(const char *msg)
{
	fprintf(stderr, "xfrmctx: %s\n", msg);
	return XC_EXIT_USAGE;
}

int op_error(const char *what, const char *msg)
{
	fprintf(stderr, "xfrmctx: %s: %s\n", what, msg);
	return XC_EXIT_FAIL;
}
