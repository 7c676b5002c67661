// SPDX-License-Identifier: GPL-2.0-or-later
/* Which words each `xfrmctx state` command takes, and their checks. */
#include <string.h>

#include <linux/xfrm_ctx.h>

#include "state_args.h"

enum {
	A_SEL = 1 << 0,		/* ID... | reqid R */
	A_ALL = 1 << 1,		/* all */
	A_SEL_OPT = 1 << 2,	/* the selection may be left out */
	A_LEASE = 1 << 3,
	A_RENEW = 1 << 4,
	A_FREEZE = 1 << 5,
	A_POLICY = 1 << 6,	/* policy, nopolicy */
	A_OUT = 1 << 7,		/* -o FILE */
	A_IN = 1 << 8,		/* -i FILE */
	A_JUMPS = 1 << 9,
	A_STAGED = 1 << 10,
	A_REPLACE = 1 << 11,
	A_THAW = 1 << 12,
	A_LIVE = 1 << 13,	/* live-snapshot */
};

static const struct {
	const char *cmd;
	unsigned int words;
} grammar[] = {
	{ "freeze", A_SEL | A_LEASE | A_RENEW },
	{ "thaw", A_SEL },
	{ "release", A_SEL },
	{ "export", A_SEL | A_ALL | A_FREEZE | A_LEASE | A_POLICY | A_OUT },
	{ "import", A_IN | A_JUMPS | A_STAGED | A_LEASE | A_REPLACE | A_POLICY | A_LIVE },
	{ "update", A_IN | A_JUMPS | A_THAW },
	{ "list-frozen", A_SEL | A_SEL_OPT },
};

static int wrong(const char *word, const char *cmd)
{
	return usage_fail("argument \"%s\" is wrong: unknown word for \"state %s\"; try \"xfrmctx state help\"",
			  word, cmd);
}

int parse_state_args(const char *cmd, int argc, char **argv, struct state_args *a)
{
	unsigned int words = 0;
	const char *v;
	size_t g;
	int i, r;

	memset(a, 0, sizeof(*a));
	for (g = 0; g < sizeof(grammar) / sizeof(grammar[0]); g++)
		if (!strcmp(grammar[g].cmd, cmd))
			words = grammar[g].words;
	if (!words)
		return usage_fail("unknown command \"state %s\"; try \"xfrmctx state help\"", cmd);

	for (i = 0; i < argc; i++) {
		const char *w = argv[i];

		if (words & A_SEL) {
			r = parse_sel_word(argc, argv, &i, &a->sel);
			if (r < 0)
				return -1;
			if (r > 0) {
				if (a->sel.all && !(words & A_ALL))
					return wrong("all", cmd);
				continue;
			}
		}
		if ((words & A_LEASE) && !strcmp(w, "lease")) {
			if (!(v = next_value(argc, argv, &i)) || parse_u32("lease", v, &a->lease))
				return -1;
			if (a->lease < 1 || a->lease > XFRM_CTX_MAX_LEASE)
				return usage_fail("argument \"%s\" is wrong: \"lease\" must be 1 to %u seconds",
						  v, XFRM_CTX_MAX_LEASE);
		} else if ((words & A_RENEW) && !strcmp(w, "renew")) {
			a->renew = 1;
		} else if ((words & A_FREEZE) && !strcmp(w, "freeze")) {
			a->freeze = 1;
		} else if ((words & A_POLICY) && !strcmp(w, "nopolicy")) {
			a->nopolicy = 1;
		} else if ((words & A_POLICY) && !strcmp(w, "policy") && (words & A_SEL)) {
			a->policy = 1;
		} else if ((words & A_OUT) && !strcmp(w, "-o")) {
			if (!(a->file = next_value(argc, argv, &i)))
				return -1;
		} else if ((words & A_IN) && !strcmp(w, "-i")) {
			if (!(a->file = next_value(argc, argv, &i)))
				return -1;
		} else if ((words & A_JUMPS) && !strcmp(w, "out-jump")) {
			if (!(v = next_value(argc, argv, &i)) || parse_u64("out-jump", v, &a->out_jump))
				return -1;
		} else if ((words & A_JUMPS) && !strcmp(w, "in-jump")) {
			if (!(v = next_value(argc, argv, &i)) || parse_u64("in-jump", v, &a->in_jump))
				return -1;
		} else if ((words & A_STAGED) && !strcmp(w, "staged")) {
			a->staged = 1;
		} else if ((words & A_REPLACE) && !strcmp(w, "replace")) {
			a->replace = 1;
		} else if ((words & A_THAW) && !strcmp(w, "thaw")) {
			a->thaw = 1;
		} else if ((words & A_LIVE) && !strcmp(w, "live-snapshot")) {
			a->live = 1;
		} else {
			return wrong(w, cmd);
		}
	}

	if (a->lease && (words & A_FREEZE) && !a->freeze)
		return usage_fail("argument \"lease\" is wrong: \"state export\" takes a lease only with freeze");
	if (a->lease && (words & A_STAGED) && !a->staged)
		return usage_fail("argument \"lease\" is wrong: \"state import\" takes a lease only with staged");
	if (a->policy && a->nopolicy)
		return usage_fail("argument \"nopolicy\" is wrong: \"policy\" was given too");
	if (words & A_SEL) {
		if ((words & A_SEL_OPT) && !a->sel.n_ids && !a->sel.has_reqid)
			return 0;
		if (sel_finish(&a->sel, cmd, !!(words & A_ALL)))
			return -1;
		if (!strcmp(cmd, "list-frozen") && a->sel.n_ids > 1)
			return usage_fail("\"state list-frozen\" takes one SA id");
	}
	return 0;
}

void state_args_free(struct state_args *a)
{
	sel_free(&a->sel);
}
