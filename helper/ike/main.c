// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xfrmctx-ike: strongSwan's HA stream for diagnosis and tests (the node
 * daemon xfrmctxd hands tunnels over with the same code).
 *
 *   record   on the active node: listen as the `remote` of its charon's HA
 *            plugin, keep its IKE_SAs and CHILD_SAs, and write them with
 *            the kernel's snapshot of the same SAs into a context container
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

/* The dispatch table is also what `xfrmctx-ike help` and
 * `xfrmctx-ike COMMAND help` print (and what the man page and the bash
 * completion are checked against: scripts/check-cli). */
static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
	const char *what;
} commands[] = {
	{ "record", cmd_record,
	  "record --listen ADDR --charon ADDR --file PATH [--interval S] [--lease S]\n"
	  "                           [--window N] [--half-open S] [--dump-dir DIR] [--insecure]",
	  "On the active node: be the HA plugin's remote of the charon at ADDR, keep its\n"
	  "IKE_SAs and CHILD_SAs and write them with the kernel's snapshot of the same SAs\n"
	  "into the context container PATH (0600, atomically) every S seconds (default 1),\n"
	  "frozen for --lease S (default 30) on SIGUSR1, and on SIGTERM before exit.\n" },
	{ "replay", cmd_replay,
	  "replay --file PATH --listen ADDR --charon ADDR [--activate] [--fifo PATH]\n"
	  "                           [--segments N] [--timeout S] [--no-kernel-check]\n"
	  "                           [--ha-version 3|4|5|auto] [--charon-bin PATH]",
	  "Feed a standby charon the recorded IKE_SAs and check that it installed their\n"
	  "CHILD_SAs in the kernel; --activate: then make them active.\n" },
	{ "activate", cmd_activate,
	  "activate --listen ADDR --charon ADDR [--fifo PATH] [--segments N] [--timeout S]",
	  "Turn a standby charon's passive IKE_SAs active (\"+N\" for each segment into\n"
	  "its HA FIFO).\n" },
	{ "parse", cmd_parse, "parse DATAGRAM-FILE... [--reveal-keys]",
	  "Decode raw HA datagrams (test vectors, --dump-dir captures), attribute by\n"
	  "attribute; keys only with --reveal-keys. Exits 1 if a file does not parse.\n" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: xfrmctx-ike COMMAND ... | --version\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "       xfrmctx-ike %s\n", commands[i].help);
	fprintf(f, "       xfrmctx-ike help [COMMAND]\n"
		   "Try \"xfrmctx-ike COMMAND help\" for what a command does.\n");
}

static int is_help(const char *s)
{
	return !strcmp(s, "help") || !strcmp(s, "-h") || !strcmp(s, "--help");
}

static int find(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(name, commands[i].name))
			return (int)i;
	return -1;
}

/* One command's usage, in the style of `xfrmctx state freeze help`. */
static int command_usage(int i)
{
	printf("Usage: xfrmctx-ike %s\n%s", commands[i].help, commands[i].what);
	return 0;
}

int main(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (is_help(argv[1])) {
		if (argc == 2) {
			usage(stdout);
			return 0;
		}
		i = find(argv[2]);
		if (i < 0) {
			xc_err("help: unknown command \"%s\"; try \"xfrmctx-ike help\"", argv[2]);
			return 2;
		}
		if (argc > 3) {
			xc_err("help: one command at a time, not also \"%s\"", argv[3]);
			return 2;
		}
		return command_usage(i);
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version"))
		return xc_print_versions("xfrmctx-ike");
	i = find(argv[1]);
	if (i < 0) {
		xc_err("unknown command \"%s\"; try \"xfrmctx-ike help\"", argv[1]);
		return 2;
	}
	/* `CMD help` alone (a file named "help" to parse: ./help) */
	if (argc == 3 && is_help(argv[2]))
		return command_usage(i);
	return commands[i].fn(argc - 2, argv + 2);
}
