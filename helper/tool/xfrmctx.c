// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xfrmctx: the command line of xfrm-ctx, in the grammar of `ip xfrm`.
 * The dispatch table below is also what `xfrmctx help` prints.
 */
#include <stdio.h>
#include <string.h>

#include "ike_cmd.h"	/* xc_print_versions(), shared with xfrmctx-ike */
#include "libxfrmctx.h"
#include "xfrmctx.h"

static const struct xc_cmd commands[] = {
	{ "state",   cmd_state,   "state { freeze | thaw | release | export | import | update | list-frozen | help } ..." },
	{ "context", cmd_context, "context show [-i FILE]      what a context file holds" },
	{ "monitor", cmd_monitor, "monitor                     the module's events, one line each" },
	{ "info",    cmd_info,    "info                        version and features of the module" },
	{ "ha",      cmd_ha,      "ha { status | takeover | release | switchover | check }   the node daemon xfrmctxd" },
	{ "key",     cmd_key,     "key new NAME -o FILE        a random pre-shared key" },
	{ "seal",    cmd_seal,    "seal --key FILE [-i IN] [-o OUT]               a context file, sealed for the road" },
	{ "unseal",  cmd_unseal,  "unseal --key FILE [-i IN] [-o OUT]             and opened again" },
	{ "help",    cmd_help,    "help                        this text" },
};

void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: xfrmctx [ OPTIONS ] OBJECT COMMAND ...\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "       xfrmctx %s\n", commands[i].help);
	fprintf(f, "OPTIONS := -j[son] | -p[retty] | -s[tatistics] | --reveal-keys | --no-module | -V | --version\n"
		   "Try \"xfrmctx state help\" for the SA commands.\n");
}

int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	size_t i;

	argc--;
	argv++;
	while (argc > 0 && argv[0][0] == '-' && argv[0][1]) {
		if (!strcmp(argv[0], "-j") || !strcmp(argv[0], "-json")) {
			opt_json = 1;
		} else if (!strcmp(argv[0], "-p") || !strcmp(argv[0], "-pretty")) {
			opt_pretty = 1;
		} else if (!strcmp(argv[0], "-s") || !strcmp(argv[0], "-stats") ||
			   !strcmp(argv[0], "-statistics")) {
			opt_stats++;
		} else if (!strcmp(argv[0], "--reveal-keys")) {
			opt_reveal = 1;
		} else if (!strcmp(argv[0], "--no-module")) {
			opt_no_module = 1;
		} else if (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[0], "-V") || !strcmp(argv[0], "--version")) {
			return xc_print_versions("xfrmctx");
		} else {
			fprintf(stderr, "xfrmctx: unknown option \"%s\"\n", argv[0]);
			usage(stderr);
			return XC_EXIT_USAGE;
		}
		argc--;
		argv++;
	}
	if (argc == 0) {
		usage(stderr);
		return XC_EXIT_USAGE;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[0], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "xfrmctx: unknown object \"%s\"; try \"xfrmctx help\"\n", argv[0]);
	return XC_EXIT_USAGE;
}
