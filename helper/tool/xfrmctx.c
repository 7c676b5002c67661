// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xfrmctx: the command line of xfrm-ctx, in the grammar of `ip xfrm`.
 * The dispatch table below is also what `xfrmctx help` prints.
 */
#include <stdio.h>
#include <string.h>

#include "xfrmctx.h"

static const struct xc_cmd commands[] = {
	{ "info",  cmd_info,  "info                      version and features of the module" },
	{ "help",  cmd_help,  "help                      this text" },
};

void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: xfrmctx [-j] [-p] [-s] OBJECT COMMAND ...\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "       xfrmctx %s\n", commands[i].help);
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
		} else if (!strcmp(argv[0], "-s") || !strcmp(argv[0], "-stats")) {
			opt_stats++;
		} else if (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "xfrmctx: unknown option \"%s\"\n", argv[0]);
			usage(stderr);
			return 2;
		}
		argc--;
		argv++;
	}
	if (argc == 0) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[0], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "xfrmctx: unknown object \"%s\"; try \"xfrmctx help\"\n", argv[0]);
	return 2;
}
