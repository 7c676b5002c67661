// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xfrmctx-ike: the IKE half of a hand-over, with strongSwan's HA plugin.
 *
 *   record   listen as the `remote` of an active charon's HA plugin and keep
 *            its IKE_SAs and CHILD_SAs in a record file
 *   replay   feed a standby charon (whose `remote` we are) the recorded
 *            IKE_SAs, check that it installed them (and activate them)
 *   activate turn a standby charon's passive IKE_SAs active (its FIFO)
 *   show     print a record file (keys only with --reveal-keys)
 *   parse    decode raw HA datagrams (test vectors, --dump-dir captures)
 */
#include <stdio.h>
#include <string.h>

#include "ike_cmd.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "record", cmd_record,
	  "record --listen ADDR --charon ADDR --file PATH [--interval S] [--window N]\n"
	  "                           [--half-open S] [--dump-dir DIR] [--insecure]" },
	{ "replay", cmd_replay,
	  "replay --file PATH --listen ADDR --charon ADDR [--activate] [--fifo PATH]\n"
	  "                           [--segments N] [--timeout S] [--no-kernel-check]" },
	{ "activate", cmd_activate,
	  "activate --listen ADDR --charon ADDR [--fifo PATH] [--segments N] [--timeout S]" },
	{ "show", cmd_show, "show FILE [--json] [--reveal-keys]" },
	{ "parse", cmd_parse, "parse DATAGRAM-FILE... [--reveal-keys]" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: xfrmctx-ike COMMAND ...\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "       xfrmctx-ike %s\n", commands[i].help);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 2, argv + 2);
	xc_err("unknown command \"%s\"; try \"xfrmctx-ike help\"", argv[1]);
	return 2;
}
