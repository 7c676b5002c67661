// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The command line of `xfrmctx state ...` (tool/state_args.c, tool/parse.c):
 * the input is split at NUL bytes into at most 64 words; the first byte
 * chooses the command. A parse either succeeds or leaves a message that
 * names what is wrong; whatever it accepts is a complete selection.
 */
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "parse.h"
#include "state_args.h"

static const char *const cmds[] = {
	"freeze", "thaw", "release", "export", "import", "update", "list-frozen", "bogus",
};

#define MAX_WORDS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_WORDS + 1], *buf;
	struct state_args a;
	const char *cmd;
	int argc = 0, i;
	size_t off;

	if (size < 1 || size > 4096)
		return 0;
	cmd = cmds[data[0] % (sizeof(cmds) / sizeof(cmds[0]))];
	/* Words own their bytes: a copy with a NUL at the end. */
	buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	for (off = 0; off < size - 1 && argc < MAX_WORDS; argc++) {
		argv[argc] = buf + off;
		off += strlen(buf + off) + 1;
	}
	argv[argc] = NULL;

	usage_msg[0] = '\0';
	if (parse_state_args(cmd, argc, argv, &a)) {
		FUZZ_ASSERT(usage_msg[0]);
	} else {
		FUZZ_ASSERT(strcmp(cmd, "bogus"));
		for (i = 0; i < a.sel.n_ids; i++) {
			FUZZ_ASSERT(a.sel.ids[i].has_spi && a.sel.ids[i].has_proto);
			FUZZ_ASSERT(a.sel.ids[i].family == AF_INET || a.sel.ids[i].family == AF_INET6);
		}
		FUZZ_ASSERT(a.lease <= XFRM_CTX_MAX_LEASE);
		FUZZ_ASSERT(!(a.policy && a.nopolicy));
		FUZZ_ASSERT(!a.file || (a.file >= buf && a.file < buf + size));
	}
	state_args_free(&a);
	free(buf);
	return 0;
}
