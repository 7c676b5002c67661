// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xfrmctx-ike: the IKE half of a hand-over, with strongSwan's HA plugin.
 *
 *   record   on the active node: listen as the `remote` of its charon's HA
 *            plugin, keep its IKE_SAs and CHILD_SAs, and write them with
 *            the kernel's snapshot of the same SAs into a context container
 *   takeover on the standby: replay a container's IKE half into its charon,
 *            apply the counters with a jump, move the address, activate
 *   replay   feed a standby charon (whose `remote` we are) the recorded
 *            IKE_SAs, check that it installed them (and activate them)
 *   activate turn a standby charon's passive IKE_SAs active (its FIFO)
 *   parse    decode raw HA datagrams (test vectors, --dump-dir captures)
 * `xfrmctx context show` prints a container, IKE records included.
 */
#include <stdio.h>
#include <string.h>

#include "ike_cmd.h"
#include "libxfrmctx.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "record", cmd_record,
	  "record --listen ADDR --charon ADDR --file PATH [--interval S] [--lease S]\n"
	  "                           [--window N] [--half-open S] [--dump-dir DIR] [--insecure]" },
	{ "takeover", cmd_takeover,
	  "takeover --file PATH --listen ADDR --charon ADDR [--run CMD] [--no-activate]\n"
	  "                           [--factor F] [--floor N] [--in-factor F] [--jump N]\n"
	  "                           [--fifo PATH] [--segments N] [--timeout S]\n"
	  "                           [--ha-version 3|4|5|auto] [--charon-bin PATH]" },
	{ "replay", cmd_replay,
	  "replay --file PATH --listen ADDR --charon ADDR [--activate] [--fifo PATH]\n"
	  "                           [--segments N] [--timeout S] [--no-kernel-check]\n"
	  "                           [--ha-version 3|4|5|auto] [--charon-bin PATH]" },
	{ "activate", cmd_activate,
	  "activate --listen ADDR --charon ADDR [--fifo PATH] [--segments N] [--timeout S]" },
	{ "parse", cmd_parse, "parse DATAGRAM-FILE... [--reveal-keys]" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: xfrmctx-ike COMMAND ... | --version\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "       xfrmctx-ike %s\n", commands[i].help);
}

int main(int argc, char **argv)
{
	char mod[64];
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("xfrmctx-ike %s\nlibxfrmctx %s\n", XFRMCTX_VERSION, xfrmctx_version());
		if (xfrmctx_module_version(mod, sizeof(mod)))
			printf("xfrm_ctx module: not loaded\n");
		else
			printf("xfrm_ctx module %s\n", mod);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 2, argv + 2);
	xc_err("unknown command \"%s\"; try \"xfrmctx-ike help\"", argv[1]);
	return 2;
}
