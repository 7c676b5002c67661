// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xfrmctx state ...: freeze, thaw, release and list the frozen SAs; export
 * SAs and their policies into a context, import or update from one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/xfrm_ctx.h>

#include "libxfrmctx.h"
#include "print.h"
#include "state_args.h"
#include "xfrmctx.h"

static const char state_usage[] =
	"Usage: xfrmctx state freeze ID... | reqid R [lease SECONDS] [renew]\n"
	"       xfrmctx state thaw ID... | reqid R\n"
	"       xfrmctx state release ID... | reqid R\n"
	"       xfrmctx state export ID... | reqid R | all [freeze [lease SECONDS]] [policy | nopolicy] [-o FILE]\n"
	"       xfrmctx state import [-i FILE] [out-jump N] [in-jump N] [staged [lease SECONDS]] [replace]\n"
	"                            [nopolicy] [live-snapshot]\n"
	"       xfrmctx state update [-i FILE] [out-jump N] [in-jump N] [thaw]\n"
	"       xfrmctx state list-frozen [ID | reqid R]\n"
	"ID := src ADDR dst ADDR proto PROTO spi SPI [mark MARK [mask MASK]] [if_id IF_ID]\n"
	"PROTO := esp | ah | comp | route2 | hao\n"
	"SPI, MARK, R, N: decimal or 0x hex. FILE \"-\" or left out: stdout / stdin.\n"
	"export writes the SAs (and, for a reqid or all, the in/out/fwd policies of\n"
	"their reqid) into a context file; import creates them on this host with the\n"
	"sequence counters moved ahead by the jumps. Without the xfrm_ctx module,\n"
	"export and import use XFRM netlink and are not atomic.\n";

static struct jw json_out;

static struct jw *jw_out(void)
{
	if (!opt_json)
		return NULL;
	jw_init(&json_out, stdout, opt_pretty);
	return &json_out;
}

/* Open with the module if there is one; say once when there is none. */
static int open_handle(struct xfrmctx **h, int want_fallback)
{
	static int warned;
	unsigned int flags = opt_no_module ? XFRMCTX_OPEN_NO_MODULE : 0;
	int err;

	if (want_fallback)
		flags |= XFRMCTX_OPEN_FALLBACK;
	err = xfrmctx_open_flags(h, flags);
	if (err == -ENOENT)
		return op_error("state", "generic netlink family " XFRM_CTX_FAMILY_NAME
				" not found");
	if (err)
		return op_error("state", strerror(-err));
	if (want_fallback && !xfrmctx_has_module(*h) && !warned++)
		fprintf(stderr, "xfrmctx: %s: using XFRM netlink; the hand-over is NOT atomic "
			"(no freeze, counters read and written separately, IV salt not carried)\n",
			opt_no_module ? "--no-module" : "the xfrm_ctx module is not available");
	return 0;
}

static int print_count(const char *verb, uint32_t n)
{
	struct jw *w = jw_out();

	if (w) {
		jw_obj_open(w, NULL);
		jw_u64(w, verb, n);
		jw_obj_close(w);
		jw_end(w);
	} else {
		printf("%s %u SA%s\n", verb, n, n == 1 ? "" : "s");
	}
	return 0;
}

/* freeze, thaw, release: one request for all the IDs (the module acts on all
 * or none, and freezes them at one instant), or one for the reqid. */
static int st_simple(const char *cmd, const char *verb, int argc, char **argv)
{
	struct xfrmctx_target t = { 0 };
	struct state_args a;
	struct xfrmctx *h = NULL;
	uint32_t n, total = 0;
	int err = 0, rc;

	if (parse_state_args(cmd, argc, argv, &a)) {
		state_args_free(&a);
		return usage_error(usage_msg);
	}
	rc = open_handle(&h, 0);
	if (rc) {
		state_args_free(&a);
		return rc;
	}
	t.reqid = a.sel.reqid;
	t.has_reqid = a.sel.has_reqid;
	t.id = a.sel.n_ids ? a.sel.ids : NULL;
	t.n_ids = a.sel.n_ids;
	if (!strcmp(cmd, "freeze"))
		err = xfrmctx_freeze(h, &t, a.lease, a.renew ? XFRM_CTX_F_RENEW : 0, &n);
	else if (!strcmp(cmd, "thaw"))
		err = xfrmctx_thaw(h, &t, &n);
	else
		err = xfrmctx_release(h, &t, &n);
	if (!err)
		total = n;
	if (err) {
		rc = op_error(cmd, xfrmctx_strerror(h, err));
	} else {
		rc = print_count(verb, total);
	}
	xfrmctx_close(h);
	state_args_free(&a);
	return rc;
}

static int st_freeze(int argc, char **argv) { return st_simple("freeze", "frozen", argc, argv); }
static int st_thaw(int argc, char **argv) { return st_simple("thaw", "thawed", argc, argv); }
static int st_release(int argc, char **argv) { return st_simple("release", "released", argc, argv); }

/* Every ID names one SA (proto and spi given), so one request takes them. */
static int all_complete(const struct state_args *a)
{
	int i;

	for (i = 0; i < a->sel.n_ids; i++)
		if (!a->sel.ids[i].has_spi || !a->sel.ids[i].has_proto)
			return 0;
	return 1;
}

/*
 * Undo this command's freeze when the export cannot be completed: thaw what
 * the first `frozen` export requests froze (one per ID, or one in all). A
 * refused request froze nothing (the module undoes its own), and SAs that
 * were frozen before, by an HA daemon in the middle of a hand-over, say,
 * must stay frozen: thawing them would let two nodes carry the tunnel.
 */
static void thaw_after_failure(struct xfrmctx *h, const struct state_args *a, int frozen)
{
	struct xfrmctx_target t = { .reqid = a->sel.reqid, .has_reqid = a->sel.has_reqid };
	int i;

	if (!frozen)
		return;
	if (a->sel.all) {
		fprintf(stderr, "xfrmctx: export: the SAs stay frozen until their lease runs out\n");
		return;
	}
	for (i = 0; i < frozen; i++) {
		t.id = a->sel.n_ids ? &a->sel.ids[i] : NULL;
		xfrmctx_thaw(h, &t, NULL);	/* one by one: some may not be frozen */
	}
}

/* The reqids of the SA records, for "export ID... policy". */
static int export_policies_of_sas(struct xfrmctx *h, struct xfrmctx_ctx *c, uint32_t *count)
{
	struct xfrmctx_record r = { 0 };
	uint32_t reqids[64], n = 0, i, got;
	char err[XFRMCTX_ERRLEN];
	struct xfrmctx_sa *sa = malloc(sizeof(*sa));
	int ret = 0;

	*count = 0;
	if (!sa)
		return -ENOMEM;
	while (xfrmctx_ctx_next(c, &r) > 0) {
		if (r.type != XFRMCTX_REC_SA || xfrmctx_sa_decode(r.data, r.len, sa, err, sizeof(err)))
			continue;
		for (i = 0; i < n && reqids[i] != sa->reqid; i++)
			;
		if (i == n && n < 64 && sa->reqid)
			reqids[n++] = sa->reqid;
	}
	memset(sa, 0, sizeof(*sa));
	free(sa);
	for (i = 0; i < n && !ret; i++) {
		struct xfrmctx_target t = { .reqid = reqids[i], .has_reqid = 1 };

		ret = xfrmctx_policy_export(h, &t, c, &got);
		*count += got;
	}
	return ret;
}

static int st_export(int argc, char **argv)
{
	struct xfrmctx_target t = { 0 };
	char err[XFRMCTX_ERRLEN];
	struct xfrmctx_ctx *c = NULL;
	struct xfrmctx *h = NULL;
	uint32_t flags, n, sas = 0, pols = 0;
	struct state_args a;
	const char *file;
	int i, rc, ret = 0, requests = 0;

	if (parse_state_args("export", argc, argv, &a)) {
		state_args_free(&a);
		return usage_error(usage_msg);
	}
	file = a.file ? a.file : "-";
	if (!strcmp(file, "-") && isatty(STDOUT_FILENO)) {
		state_args_free(&a);
		return usage_error("refusing to write a context (binary, with keys) to a terminal; give -o FILE or redirect");
	}
	rc = open_handle(&h, 1);
	if (rc) {
		state_args_free(&a);
		return rc;
	}
	c = xfrmctx_ctx_new();
	if (!c) {
		rc = op_error("export", strerror(ENOMEM));
		goto out;
	}
	flags = a.freeze ? XFRM_CTX_F_FREEZE : 0;
	t.reqid = a.sel.reqid;
	t.has_reqid = a.sel.has_reqid;
	if (a.sel.n_ids > 1 && all_complete(&a)) {
		/* One request: the SAs are frozen (if asked) at one instant. */
		t.id = a.sel.ids;
		t.n_ids = a.sel.n_ids;
		ret = xfrmctx_export(h, &t, flags, a.lease, c, &sas);
		requests = ret ? 0 : a.sel.n_ids;
	} else {
		for (i = 0; i < (a.sel.n_ids ? a.sel.n_ids : 1) && !ret; i++) {
			t.id = a.sel.n_ids ? &a.sel.ids[i] : NULL;
			ret = xfrmctx_export(h, &t, flags, a.lease, c, &n);
			sas += n;
			requests += !ret;
		}
	}
	if (ret) {
		rc = op_error("export", xfrmctx_strerror(h, ret));
		if (a.freeze)
			thaw_after_failure(h, &a, requests);
		goto out;
	}
	if (!sas) {
		rc = op_error("export", a.sel.has_reqid ? "no SA has this reqid" :
			      a.sel.all ? "there is no SA" : "no such SA");
		goto out;
	}
	if (!a.nopolicy && (a.sel.has_reqid || a.sel.all)) {
		t.id = NULL;
		ret = xfrmctx_policy_export(h, &t, c, &pols);
	} else if (a.policy) {
		ret = export_policies_of_sas(h, c, &pols);
	}
	if (ret) {
		rc = op_error("export policies", xfrmctx_strerror(h, ret));
		if (a.freeze)
			thaw_after_failure(h, &a, requests);
		goto out;
	}
	ret = xfrmctx_ctx_write(c, file, err, sizeof(err));
	if (ret) {
		rc = op_error("export", err);
		if (a.freeze)
			thaw_after_failure(h, &a, requests);
		goto out;
	}
	rc = 0;
	if (strcmp(file, "-")) {
		struct jw *w = jw_out();

		if (w) {
			jw_obj_open(w, NULL);
			jw_obj_open(w, "exported");
			jw_u64(w, "sa", sas);
			jw_u64(w, "policy", pols);
			jw_obj_close(w);
			jw_str(w, "file", file);
			jw_bool(w, "frozen", a.freeze);
			jw_obj_close(w);
			jw_end(w);
		} else {
			printf("exported %u SA%s and %u polic%s to %s%s\n", sas, sas == 1 ? "" : "s",
			       pols, pols == 1 ? "y" : "ies", file, a.freeze ? " (frozen)" : "");
		}
	}
out:
	xfrmctx_ctx_free(c);
	xfrmctx_close(h);
	state_args_free(&a);
	return rc;
}

static int read_context(const char *file, struct xfrmctx_ctx **c)
{
	char err[XFRMCTX_ERRLEN];

	if (!strcmp(file, "-") && isatty(STDIN_FILENO))
		return usage_error("refusing to read a context from a terminal; give -i FILE or redirect");
	if (xfrmctx_ctx_read(file, c, err, sizeof(err)))
		return op_error("context", err);
	return 0;
}

static int st_import(int argc, char **argv)
{
	struct xfrmctx_import_opts o = { 0 };
	struct xfrmctx_ctx *c = NULL;
	struct xfrmctx *h = NULL;
	uint32_t sas = 0, pols = 0;
	struct state_args a;
	int rc, ret, update;

	update = !strcmp(argv[-1], "update");
	if (parse_state_args(update ? "update" : "import", argc, argv, &a)) {
		state_args_free(&a);
		return usage_error(usage_msg);
	}
	rc = read_context(a.file ? a.file : "-", &c);
	if (rc)
		goto out;
	rc = open_handle(&h, !update);
	if (rc)
		goto out;
	o.out_jump = a.out_jump;
	o.in_jump = a.in_jump;
	o.lease = a.lease;
	o.flags = (a.staged ? XFRM_CTX_F_STAGED : 0) | (a.replace ? XFRM_CTX_F_REPLACE : 0) |
		  (a.thaw ? XFRM_CTX_F_THAW : 0) | (a.live ? XFRM_CTX_F_LIVE_SNAPSHOT : 0);
	if (update) {
		ret = xfrmctx_update(h, c, &o, &sas);
		rc = ret ? op_error("update", xfrmctx_strerror(h, ret)) :
			   print_count(a.thaw ? "updated and thawed" : "updated", sas);
		goto out;
	}
	/* Policies first: if the SAs are refused, the policies this command
	 * added are taken back, and nothing has changed. */
	if (!a.nopolicy && xfrmctx_ctx_count(c, XFRMCTX_REC_POLICY)) {
		ret = xfrmctx_policy_import(h, c, a.replace ? XFRMCTX_POLICY_REPLACE : 0, &pols);
		if (ret) {
			rc = op_error("import policies", xfrmctx_strerror(h, ret));
			goto out;
		}
	}
	ret = xfrmctx_import(h, c, &o, &sas);
	if (ret) {
		char msg[XFRMCTX_ERRLEN];

		snprintf(msg, sizeof(msg), "%s", xfrmctx_strerror(h, ret));
		rc = op_error("import", msg);
		if (pols && !a.replace)
			xfrmctx_policy_delete(h, c, NULL);
		goto out;
	}
	if (opt_json) {
		struct jw *w = jw_out();

		jw_obj_open(w, NULL);
		jw_obj_open(w, "imported");
		jw_u64(w, "sa", sas);
		jw_u64(w, "policy", pols);
		jw_obj_close(w);
		jw_bool(w, "staged", a.staged);
		jw_obj_close(w);
		jw_end(w);
	} else {
		printf("imported %u SA%s and %u polic%s%s\n", sas, sas == 1 ? "" : "s",
		       pols, pols == 1 ? "y" : "ies", a.staged ? " (staged: frozen)" : "");
	}
	rc = 0;
out:
	xfrmctx_ctx_free(c);
	xfrmctx_close(h);
	state_args_free(&a);
	return rc;
}

struct frozen_print {
	struct jw *w;
	unsigned int n;
};

static int print_one_frozen(const struct xfrmctx_frozen *f, void *arg)
{
	struct frozen_print *p = arg;

	if (p->w) {
		jw_obj_open(p->w, NULL);
		print_frozen(p->w, f);
		jw_obj_close(p->w);
	} else {
		print_frozen(NULL, f);
		printf("\n");
	}
	p->n++;
	return 0;
}

static int st_list_frozen(int argc, char **argv)
{
	struct xfrmctx_target t = { 0 };
	struct frozen_print p = { 0 };
	struct xfrmctx *h = NULL;
	struct state_args a;
	int rc, ret;

	if (parse_state_args("list-frozen", argc, argv, &a)) {
		state_args_free(&a);
		return usage_error(usage_msg);
	}
	rc = open_handle(&h, 0);
	if (rc) {
		state_args_free(&a);
		return rc;
	}
	t.id = a.sel.n_ids ? &a.sel.ids[0] : NULL;
	t.reqid = a.sel.reqid;
	t.has_reqid = a.sel.has_reqid;
	p.w = jw_out();
	if (p.w)
		jw_arr_open(p.w, NULL);
	ret = xfrmctx_list_frozen(h, &t, print_one_frozen, &p);
	if (p.w) {
		jw_arr_close(p.w);
		jw_end(p.w);
	}
	rc = ret ? op_error("list-frozen", xfrmctx_strerror(h, ret)) : 0;
	xfrmctx_close(h);
	state_args_free(&a);
	return rc;
}

static int st_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs(state_usage, stdout);
	return 0;
}

static const struct xc_cmd state_cmds[] = {
	{ "freeze", st_freeze, NULL },
	{ "thaw", st_thaw, NULL },
	{ "release", st_release, NULL },
	{ "export", st_export, NULL },
	{ "import", st_import, NULL },
	{ "update", st_import, NULL },
	{ "list-frozen", st_list_frozen, NULL },
	{ "help", st_help, NULL },
};

int cmd_state(int argc, char **argv)
{
	size_t i;

	if (argc == 0) {
		fputs(state_usage, stderr);
		return XC_EXIT_USAGE;
	}
	for (i = 0; i < sizeof(state_cmds) / sizeof(state_cmds[0]); i++)
		if (!strcmp(argv[0], state_cmds[i].name))
			return state_cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "xfrmctx: unknown command \"state %s\"; try \"xfrmctx state help\"\n", argv[0]);
	return XC_EXIT_USAGE;
}
