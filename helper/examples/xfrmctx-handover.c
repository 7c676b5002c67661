// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Hand the tunnel of one reqid from one network namespace to another with
 * nothing but libxfrmctx, the way an HA daemon does it; here both ends are
 * in one process (a handle stays in the namespace it was opened in), and
 * the context travels in memory instead of over a secure channel.
 *
 *   xfrmctx-handover FROM_NETNS TO_NETNS REQID [OUT_JUMP [IN_JUMP]]
 *
 * FROM's SAs are frozen and exported with their policies, imported on TO
 * with the counters moved ahead, and released on FROM. If anything fails
 * on the way, TO gets nothing and FROM's SAs are thawed again.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxfrmctx.h>

static int enter_netns(const char *name)
{
	char path[256];
	int fd, ret;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(path);
		return -1;
	}
	ret = setns(fd, CLONE_NEWNET);
	if (ret < 0)
		perror("setns");
	close(fd);
	return ret;
}

static int failed(const char *what, struct xfrmctx *h, int err)
{
	fprintf(stderr, "xfrmctx-handover: %s: %s\n", what, xfrmctx_strerror(h, err));
	return 1;
}

int main(int argc, char **argv)
{
	struct xfrmctx_import_opts opts = { 0 };
	struct xfrmctx_target tunnel = { 0 };
	struct xfrmctx *from = NULL, *to = NULL;
	struct xfrmctx_ctx *ctx, *received = NULL;
	char err[XFRMCTX_ERRLEN];
	uint32_t sas, pols, n;
	size_t len;
	void *wire;
	int ret;

	if (argc < 4 || argc > 6) {
		fprintf(stderr, "usage: xfrmctx-handover FROM_NETNS TO_NETNS REQID [OUT_JUMP [IN_JUMP]]\n");
		return 2;
	}
	tunnel.reqid = strtoul(argv[3], NULL, 0);
	tunnel.has_reqid = 1;
	if (argc > 4)
		opts.out_jump = strtoull(argv[4], NULL, 0);
	if (argc > 5)
		opts.in_jump = strtoull(argv[5], NULL, 0);

	/* The active node: freeze and snapshot the SAs, then the policies. */
	if (enter_netns(argv[1]))
		return 1;
	ret = xfrmctx_open(&from);
	if (ret)
		return failed("open", NULL, ret);
	ctx = xfrmctx_ctx_new();
	ret = xfrmctx_export(from, &tunnel, XFRM_CTX_F_FREEZE, 30, ctx, &sas);
	if (ret)
		return failed("export", from, ret);
	ret = xfrmctx_policy_export(from, &tunnel, ctx, &pols);
	if (ret) {
		xfrmctx_thaw(from, &tunnel, &n);
		return failed("export policies", from, ret);
	}
	/* What goes over the wire: the file image, checksummed. */
	ret = xfrmctx_ctx_to_buf(ctx, &wire, &len);
	xfrmctx_ctx_free(ctx);
	if (ret) {
		xfrmctx_thaw(from, &tunnel, &n);
		return failed("serialize", NULL, ret);
	}

	/* The standby node: check what arrived, create policies and SAs. */
	if (enter_netns(argv[2]) || xfrmctx_open(&to)) {
		xfrmctx_thaw(from, &tunnel, &n);
		return failed("open on the standby", NULL, -1);
	}
	ret = xfrmctx_ctx_from_buf(wire, len, &received, err, sizeof(err));
	memset(wire, 0, len);
	free(wire);
	if (ret) {
		fprintf(stderr, "xfrmctx-handover: received context: %s\n", err);
		xfrmctx_thaw(from, &tunnel, &n);
		return 1;
	}
	/* A node that held the tunnel before keeps its policies after a
	 * release: replace them with the sender's. */
	ret = xfrmctx_policy_import(to, received, XFRMCTX_POLICY_REPLACE, &pols);
	if (ret) {
		failed("import policies", to, ret);
		xfrmctx_thaw(from, &tunnel, &n);
		return 1;
	}
	ret = xfrmctx_import(to, received, &opts, &sas);
	if (ret) {
		failed("import", to, ret);
		xfrmctx_thaw(from, &tunnel, &n);
		return 1;
	}
	xfrmctx_ctx_free(received);

	/* The hand-over is complete: the old SAs go, silently. */
	ret = xfrmctx_release(from, &tunnel, &n);
	if (ret)
		return failed("release", from, ret);
	printf("handed over %u SAs and %u policies of reqid %u from %s to %s\n",
	       sas, pols, tunnel.reqid, argv[1], argv[2]);
	xfrmctx_close(from);
	xfrmctx_close(to);
	return 0;
}
