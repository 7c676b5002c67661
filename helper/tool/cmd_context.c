// SPDX-License-Identifier: GPL-2.0-or-later
/* xfrmctx context show: what a context file holds, keys hidden. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libxfrmctx.h"
#include "print.h"
#include "print_ike.h"
#include "xfrmctx.h"

static const char context_usage[] =
	"Usage: xfrmctx [-j [-p]] [-s] [--reveal-keys] context show [-i FILE]\n"
	"FILE \"-\" or left out: stdin.\n";

static const char *source_name(uint8_t s)
{
	return s == XFRMCTX_SOURCE_MODULE ? "module" : s == XFRMCTX_SOURCE_XFRM ? "xfrm-netlink" : "unknown";
}

/* One pass per record type keeps the JSON arrays together. */
static int show(const struct xfrmctx_ctx *c, struct jw *w)
{
	struct xfrmctx_record r = { 0 };
	char err[XFRMCTX_ERRLEN], when[32];
	struct xfrmctx_sa *sa = malloc(sizeof(*sa));
	struct xfrmctx_policy pol;
	struct xfrmctx_meta m = { 0 };
	unsigned int major, minor;
	int have_meta = 0, rc = 0;
	time_t t;

	if (!sa)
		return op_error("context show", "out of memory");
	xfrmctx_ctx_version(c, &major, &minor);
	while (xfrmctx_ctx_next(c, &r) > 0)
		if (r.type == XFRMCTX_REC_META && !have_meta)
			have_meta = !xfrmctx_meta_decode(r.data, r.len, &m);
	t = (time_t)m.created;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));

	if (w) {
		char ver[16];

		jw_obj_open(w, NULL);
		snprintf(ver, sizeof(ver), "%u.%u", major, minor);
		jw_str(w, "format", ver);
		if (have_meta) {
			jw_str(w, "created", when);
			jw_str(w, "host", m.host);
			jw_str(w, "writer", m.writer);
			jw_str(w, "source", source_name(m.source));
			jw_bool(w, "frozen", m.frozen);
		}
		jw_arr_open(w, "sa");
	} else {
		printf("context format %u.%u", major, minor);
		if (have_meta)
			printf(" created %s host %s writer \"%s\" source %s%s", when, m.host, m.writer,
			       source_name(m.source), m.frozen ? " frozen" : "");
		printf("\n");
	}
	memset(&r, 0, sizeof(r));
	while (xfrmctx_ctx_next(c, &r) > 0) {
		if (r.type != XFRMCTX_REC_SA)
			continue;
		if (xfrmctx_sa_decode(r.data, r.len, sa, err, sizeof(err))) {
			fprintf(stderr, "xfrmctx: context show: record at offset %zu: %s\n", r.offset, err);
			rc = XC_EXIT_FAIL;
			continue;
		}
		print_sa(w, sa);
	}
	memset(sa, 0, sizeof(*sa));
	free(sa);
	if (w) {
		jw_arr_close(w);
		jw_arr_open(w, "policy");
	}
	memset(&r, 0, sizeof(r));
	while (xfrmctx_ctx_next(c, &r) > 0) {
		if (r.type != XFRMCTX_REC_POLICY)
			continue;
		if (xfrmctx_policy_decode(r.data, r.len, &pol, err, sizeof(err))) {
			fprintf(stderr, "xfrmctx: context show: record at offset %zu: %s\n", r.offset, err);
			rc = XC_EXIT_FAIL;
			continue;
		}
		if (!w)
			printf("policy ");
		print_policy(w, &pol);
	}
	if (w)
		jw_arr_close(w);
	/* The IKE half: recorder, IKE_SA and SA rate records. */
	if (print_ike_records(stdout, w, c, opt_reveal, err, sizeof(err))) {
		fprintf(stderr, "xfrmctx: context show: %s\n", err);
		rc = XC_EXIT_FAIL;
	}
	if (w)
		jw_arr_open(w, "other");
	/* Records this reader does not interpret (optional ones of newer
	 * writers): listed, never dumped. */
	memset(&r, 0, sizeof(r));
	while (xfrmctx_ctx_next(c, &r) > 0) {
		if (r.type == XFRMCTX_REC_SA || r.type == XFRMCTX_REC_POLICY || r.type == XFRMCTX_REC_META ||
		    r.type == XFRMCTX_REC_IKE_SA || r.type == XFRMCTX_REC_IKE_RECORDER ||
		    r.type == XFRMCTX_REC_SA_RATE)
			continue;
		if (w) {
			jw_obj_open(w, NULL);
			jw_u64(w, "type", r.type);
			jw_u64(w, "len", r.len);
			jw_bool(w, "mandatory", !!(r.flags & XFRMCTX_REC_F_MANDATORY));
			jw_obj_close(w);
		} else {
			printf("record type %u len %u%s\n", r.type, r.len,
			       r.flags & XFRMCTX_REC_F_MANDATORY ? " mandatory" : "");
		}
	}
	if (w) {
		jw_arr_close(w);
		jw_obj_close(w);
		jw_end(w);
	}
	return rc;
}

int cmd_context(int argc, char **argv)
{
	char err[XFRMCTX_ERRLEN];
	const char *file = "-";
	struct xfrmctx_ctx *c;
	struct jw w;
	int i, rc;

	if (argc == 0 || !strcmp(argv[0], "help")) {
		fputs(context_usage, argc ? stdout : stderr);
		return argc ? 0 : XC_EXIT_USAGE;
	}
	if (strcmp(argv[0], "show")) {
		fprintf(stderr, "xfrmctx: unknown command \"context %s\"; try \"xfrmctx context help\"\n",
			argv[0]);
		return XC_EXIT_USAGE;
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-i") && i + 1 < argc) {
			file = argv[++i];
		} else {
			fprintf(stderr, "xfrmctx: argument \"%s\" is wrong: unknown word for \"context show\"\n",
				argv[i]);
			return XC_EXIT_USAGE;
		}
	}
	if (!strcmp(file, "-") && isatty(STDIN_FILENO))
		return usage_error("refusing to read a context from a terminal; give -i FILE or redirect");
	if (xfrmctx_ctx_read(file, &c, err, sizeof(err)))
		return op_error("context", err);
	jw_init(&w, stdout, opt_pretty);
	rc = show(c, opt_json ? &w : NULL);
	xfrmctx_ctx_free(c);
	return rc;
}
