/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the xfrmctx command's source files. */
#ifndef XFRMCTX_TOOL_H
#define XFRMCTX_TOOL_H

#include <stdio.h>

struct xc_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

extern int opt_json, opt_pretty, opt_stats;

void usage(FILE *f);
int cmd_help(int argc, char **argv);
int cmd_info(int argc, char **argv);

#endif
