// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xfrmctx key new | seal | unseal: pre-shared keys, and context files
 * sealed for the road (scp, configuration management) with AES-256-GCM
 * under a key derived from one of them (see channel_seal.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "channel.h"
#include "key_args.h"
#include "parse.h"
#include "xfrmctx.h"

static const char key_usage[] =
	"Usage: xfrmctx key new NAME -o FILE\n"
	"Add a random 256-bit pre-shared key for identity NAME to FILE (created 0600).\n"
	"Give the same file to both gateways; each names its own identity with --id.\n";

static const char seal_usage[] =
	"Usage: xfrmctx seal --key FILE [--id NAME] [-i IN] [-o OUT]\n"
	"       xfrmctx unseal --key FILE [-i IN] [-o OUT]\n"
	"seal: a context file (IN, default stdin) into a sealed file (OUT, default\n"
	"stdout): AES-256-GCM under a key derived by HKDF-SHA256 from the key of NAME.\n"
	"unseal: the reverse, refused if the file was altered or the key is wrong.\n";

int cmd_key(int argc, char **argv)
{
	struct key_args a;
	char err[512];

	if (argc == 0 || !strcmp(argv[0], "help")) {
		fputs(key_usage, argc ? stdout : stderr);
		return argc ? 0 : XC_EXIT_USAGE;
	}
	if (strcmp(argv[0], "new")) {
		fprintf(stderr, "xfrmctx: unknown command \"key %s\"; try \"xfrmctx key help\"\n", argv[0]);
		return XC_EXIT_USAGE;
	}
	if (parse_key_args("key", KA_NAME | KA_OUT, KA_NAME, argc - 1, argv + 1, &a))
		return usage_error(usage_msg);
	if (!a.out)
		return usage_error("\"key new\" needs -o FILE (keys are never printed)");
	if (xc_keyfile_add(a.out, a.name, err, sizeof(err)))
		return op_error("key new", err);
	printf("added a key for \"%s\" to %s\n", a.name, a.out);
	return 0;
}

static int seal_or_unseal(int seal, int argc, char **argv)
{
	const char *cmd = seal ? "seal" : "unseal";
	uint8_t *in = NULL, *out = NULL;
	size_t inlen = 0, outlen = 0;
	const struct xc_psk *k;
	struct xfrmctx_ctx *c = NULL;
	struct xc_keyring kr;
	struct key_args a;
	char err[512];
	int rc = XC_EXIT_FAIL;

	if (argc == 1 && !strcmp(argv[0], "help")) {
		fputs(seal_usage, stdout);
		return 0;
	}
	if (parse_key_args(cmd, KA_KEY | KA_IN | KA_OUT | (seal ? KA_ID : 0), KA_KEY, argc, argv,
			   &a))
		return usage_error(usage_msg);
	if ((!a.in || !strcmp(a.in, "-")) && isatty(STDIN_FILENO))
		return usage_error("refusing to read a context from a terminal; give -i FILE or redirect");
	if ((!a.out || !strcmp(a.out, "-")) && isatty(STDOUT_FILENO))
		return usage_error("refusing to write a context to a terminal; give -o FILE or redirect");
	if (xc_keyring_load(a.key, &kr, err, sizeof(err)))
		return op_error(cmd, err);
	if (xc_read_all(a.in ? a.in : "-", &in, &inlen, 256u << 20, err, sizeof(err)))
		goto fail;
	if (seal) {
		/* Only a valid context is sealed: its own checks run first. */
		if (!(k = xc_keyring_self(&kr, a.id, err, sizeof(err))) ||
		    xfrmctx_ctx_from_buf(in, inlen, &c, err, sizeof(err)) ||
		    xc_seal(k, in, inlen, &out, &outlen, err, sizeof(err)))
			goto fail;
	} else {
		if (xc_unseal(&kr, in, inlen, &out, &outlen, err, sizeof(err)) ||
		    xfrmctx_ctx_from_buf(out, outlen, &c, err, sizeof(err)))
			goto fail;
	}
	if (a.out && strcmp(a.out, "-")) {
		if (xc_write_atomic(a.out, out, outlen, err, sizeof(err)))
			goto fail;
	} else if (fwrite(out, 1, outlen, stdout) != outlen || fflush(stdout)) {
		snprintf(err, sizeof(err), "cannot write to stdout");
		goto fail;
	}
	rc = 0;
	goto out;
fail:
	rc = op_error(cmd, err);
out:
	if (in)
		OPENSSL_cleanse(in, inlen);
	if (out)
		OPENSSL_cleanse(out, outlen);
	free(in);
	free(out);
	xfrmctx_ctx_free(c);
	xc_keyring_free(&kr);
	return rc;
}

int cmd_seal(int argc, char **argv)
{
	return seal_or_unseal(1, argc, argv);
}

int cmd_unseal(int argc, char **argv)
{
	return seal_or_unseal(0, argc, argv);
}
