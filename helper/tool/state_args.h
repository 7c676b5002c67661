/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The words of the `xfrmctx state` commands, parsed apart from running
 * them so the unit tests can check the grammar. */
#ifndef XC_STATE_ARGS_H
#define XC_STATE_ARGS_H

#include <stdint.h>

#include "parse.h"

struct state_args {
	struct sel_args sel;
	uint32_t lease;		/* 0: the module's default */
	int freeze, renew, nopolicy, policy, staged, replace, thaw, live;
	uint64_t out_jump, in_jump;
	const char *file;	/* -o / -i; NULL: stdout / stdin */
};

/* cmd is the state command (freeze, thaw, release, export, import, update,
 * list-frozen). 0 or -1 with usage_msg set. */
int parse_state_args(const char *cmd, int argc, char **argv, struct state_args *a);
void state_args_free(struct state_args *a);

#endif
