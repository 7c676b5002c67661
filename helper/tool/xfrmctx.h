/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the xfrmctx command's source files. */
#ifndef XFRMCTX_TOOL_H
#define XFRMCTX_TOOL_H

#include <stdio.h>

#include "json.h"

struct xc_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

/* Global options: -j, -p, -s, --reveal-keys, --no-module. */
extern int opt_json, opt_pretty, opt_stats, opt_reveal, opt_no_module;

/* Exit codes: 0 done, 1 the operation failed, 2 the command line is wrong. */
#define XC_EXIT_FAIL	1
#define XC_EXIT_USAGE	2

/* Print "xfrmctx: MSG" on stderr, return XC_EXIT_USAGE. */
int usage_error(const char *msg);
/* Print "xfrmctx: WHAT: MSG" on stderr, return XC_EXIT_FAIL. */
int op_error(const char *what, const char *msg);
/* Why the xfrm_ctx family is missing on this host and what to do (stderr,
 * once); op_error() calls it for messages that say the family is missing. */
void xc_module_hint(void);

void usage(FILE *f);
int cmd_help(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_state(int argc, char **argv);
int cmd_context(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_ha(int argc, char **argv);
int cmd_key(int argc, char **argv);
int cmd_seal(int argc, char **argv);
int cmd_unseal(int argc, char **argv);

#endif
