// SPDX-License-Identifier: GPL-2.0-or-later
/* The options of the key and seal commands (key_args.h). */
#include <stddef.h>
#include <string.h>

#include "key_args.h"
#include "parse.h"
#include "xfrmctx.h"

static const struct {
	const char *name;
	unsigned int bit;
	size_t off;
	const char *what;	/* in "needs ..." */
} opts[] = {
	{ "--id", KA_ID, offsetof(struct key_args, id), "--id NAME" },
	{ "-i", KA_IN, offsetof(struct key_args, in), "-i FILE" },
	{ "-o", KA_OUT, offsetof(struct key_args, out), "-o FILE" },
	{ "--key", KA_KEY, offsetof(struct key_args, key), "--key FILE" },
	{ NULL, KA_NAME, offsetof(struct key_args, name), "an identity" },
};

#define FIELD(a, k) ((const char **)((char *)(a) + opts[k].off))

int parse_key_args(const char *cmd, unsigned int allowed, unsigned int required, int argc,
		   char **argv, struct key_args *a)
{
	size_t k, n = sizeof(opts) / sizeof(opts[0]);
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < argc; i++) {
		const char *w = argv[i], *eq = w[0] == '-' && w[1] == '-' ? strchr(w, '=') : NULL;
		size_t nl = eq ? (size_t)(eq - w) : strlen(w);
		const char *v;

		for (k = 0; k < n; k++)
			if (opts[k].name && (opts[k].bit & allowed) &&
			    strlen(opts[k].name) == nl && !strncmp(opts[k].name, w, nl))
				break;
		if (k == n) {
			if (w[0] != '-' && (allowed & KA_NAME) && !a->name) {
				a->name = w;
				continue;
			}
			return usage_fail("argument \"%s\" is wrong: unknown word for \"%s\"; try \"xfrmctx %s help\"",
					  w, cmd, cmd);
		}
		if (eq) {
			v = eq + 1;
		} else {
			if (i + 1 >= argc)
				return usage_fail("argument \"%s\" is wrong: it needs a value", w);
			v = argv[++i];
		}
		if (!v[0])
			return usage_fail("argument \"%s\" is wrong: \"%s\" needs a value", w,
					  opts[k].name);
		*FIELD(a, k) = v;
	}
	for (k = 0; k < n; k++)
		if ((required & opts[k].bit) && !*FIELD(a, k))
			return usage_fail("\"%s\" needs %s; try \"xfrmctx %s help\"", cmd, opts[k].what,
					  cmd);
	return 0;
}
