/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The options of `xfrmctx key` and `xfrmctx seal|unseal` (cmd_seal.c),
 * parsed apart from running them so that the unit tests can check the
 * grammar.
 */
#ifndef XC_KEY_ARGS_H
#define XC_KEY_ARGS_H

enum key_opt {
	KA_ID = 1u << 0,	/* --id NAME */
	KA_IN = 1u << 1,	/* -i FILE */
	KA_OUT = 1u << 2,	/* -o FILE */
	KA_KEY = 1u << 3,	/* --key FILE */
	KA_NAME = 1u << 4,	/* a positional NAME */
};

struct key_args {
	const char *id, *in, *out, *key, *name;
};

/* The words of argv allowed for cmd (enum key_opt), the options that must
 * be there. 0, or -1 with usage_msg set. */
int parse_key_args(const char *cmd, unsigned int allowed, unsigned int required, int argc,
		   char **argv, struct key_args *a);

#endif
