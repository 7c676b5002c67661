// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xfrmctx-ike replay: be the `remote` of a standby charon's HA plugin and
 * send it the IKE_SAs of a context container (ike_replay.h gives the
 * order). charon installs each CHILD_SA's SAs and policies in the kernel
 * as it takes them, which is how the replay checks they arrived. With
 * --activate, and in `xfrmctx-ike activate`, write "+N" for each segment
 * into charon's HA control FIFO: its passive IKE_SAs become established.
 * `xfrmctx-ike takeover` (cmd_takeover.c) does all of it and the counters.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ike_cmd.h"
#include "ike_rec.h"
#include "ike_replay.h"
#include "ike_standby.h"

int cmd_activate(int argc, char **argv)
{
	const char *listen = NULL, *charon = NULL;
	struct xc_standby r;
	int64_t t0;
	int i, n;

	xc_standby_init(&r);
	for (i = 0; i < argc; i += n) {
		n = xc_standby_opt(&r, argv[i], i + 1 < argc ? argv[i + 1] : NULL, &listen, &charon);
		if (n < 0)
			return 2;
		if (!n) {
			xc_err("activate: unknown option \"%s\"; try \"xfrmctx-ike activate help\"", argv[i]);
			return 2;
		}
	}
	if (xc_standby_addrs(&r, "activate", listen, charon))
		return 2;
	if (xc_standby_open(&r, "activate"))
		return 1;
	t0 = xc_now_ms();
	if (xc_standby_activate(&r, t0 + (int64_t)r.timeout * 1000)) {
		xc_standby_close(&r);
		return 1;
	}
	xc_log("charon activated segments 1..%lu after %lld ms", r.segments,
	       (long long)(xc_now_ms() - t0));
	printf("activate segments %lu active_ms %lld\n", r.segments, (long long)(xc_now_ms() - t0));
	xc_standby_close(&r);
	return 0;
}

/* Read a container and its IKE half; 0 or 1 after a message. */
int xc_read_ike_context(const char *cmd, const char *file, struct xfrmctx_ctx **c,
			struct xc_store *s)
{
	char why[XFRMCTX_ERRLEN];

	xc_store_init(s);
	if (xfrmctx_ctx_read(file, c, why, sizeof(why))) {
		xc_err("%s: %s", cmd, why);
		return 1;
	}
	if (xc_ike_ctx_get(*c, s, why, sizeof(why))) {
		xc_err("%s: %s: %s", cmd, file, why);
		xfrmctx_ctx_free(*c);
		*c = NULL;
		xc_store_free(s);
		return 1;
	}
	if (!s->ikes) {
		xc_err("%s: %s holds no IKE_SA record", cmd, file);
		xfrmctx_ctx_free(*c);
		*c = NULL;
		return 1;
	}
	return 0;
}

/* Send the IKE half and wait for charon's SAs; the timings go to *t. */
int xc_replay_into(struct xc_standby *r, const struct xc_store *s, int kernel_check,
		   struct xc_replay_stats *st, int64_t t0, int64_t *t_sent, int64_t *t_kernel)
{
	char why[512];
	int err, version;

	/* cmd_replay and cmd_takeover found it before their clock started */
	version = r->sending_version ? r->sending_version : xc_standby_version(r);
	if (version < 0)
		return -1;
	err = xc_replay_build_v(s, (uint8_t)version, xc_standby_send, r, st, why, sizeof(why));
	if (err) {
		xc_log("replay stopped: %s", err == -EINVAL ? why : "cannot send");
		return -1;
	}
	*t_sent = xc_now_ms();
	xc_log("sent %u messages: %u IKE_SAs (+%u keying predecessors), %u CHILD_SAs, %u never established skipped, in %lld ms",
	       st->messages, st->ike_sas, st->keying, st->children, st->skipped,
	       (long long)(*t_sent - t0));
	/* charon must have taken every message before a segment activates */
	if (xc_standby_settle(r, s, t0 + (int64_t)r->timeout * 1000))
		return -1;
	*t_kernel = *t_sent;
	if (!kernel_check)
		return 0;
	if (xc_standby_check_kernel(r, s, t0 + (int64_t)r->timeout * 1000))
		return -1;
	*t_kernel = xc_now_ms();
	xc_log("charon installed all %u CHILD_SAs in the kernel after %lld ms",
	       st->children, (long long)(*t_kernel - t0));
	return 0;
}

int cmd_replay(int argc, char **argv)
{
	const char *listen = NULL, *charon = NULL, *file = NULL;
	struct xc_replay_stats st;
	struct xfrmctx_ctx *c;
	struct xc_store s;
	struct xc_standby r;
	int64_t t0, t_sent, t_kernel, t_active;
	int i, n, activate = 0, kernel_check = 1, rc = 1;

	xc_standby_init(&r);
	for (i = 0; i < argc; i += n) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		n = xc_standby_opt(&r, o, v, &listen, &charon);
		if (n < 0)
			return 2;
		if (n)
			continue;
		n = 1;
		if (!strcmp(o, "--file") && v) {
			file = v;
			n = 2;
		} else if (!strcmp(o, "--activate")) {
			activate = 1;
		} else if (!strcmp(o, "--no-kernel-check")) {
			kernel_check = 0;
		} else {
			xc_err("replay: unknown or incomplete option \"%s\"; try \"xfrmctx-ike replay help\"", o);
			return 2;
		}
	}
	if (!file) {
		xc_err("replay: --file is required");
		return 2;
	}
	if (xc_standby_addrs(&r, "replay", listen, charon))
		return 2;
	if (xc_read_ike_context("replay", file, &c, &s))
		return 1;
	if (!xc_addr_is_loopback(&r.charon))
		xc_log("warning: replaying key material over the network; run the replay on the standby itself (loopback)");
	if (xc_standby_open(&r, "replay"))
		goto out;
	if (xc_standby_version(&r) < 0)
		goto out;
	t0 = xc_now_ms();
	if (xc_replay_into(&r, &s, kernel_check, &st, t0, &t_sent, &t_kernel))
		goto out;
	t_active = t_kernel;
	if (activate) {
		if (xc_standby_activate(&r, t0 + (int64_t)r.timeout * 1000))
			goto out;
		t_active = xc_now_ms();
		xc_log("charon activated segments 1..%lu after %lld ms", r.segments,
		       (long long)(t_active - t0));
	}
	printf("replay ike_sas %u children %u messages %u sent_ms %lld kernel_ms %lld active_ms %lld\n",
	       st.ike_sas, st.children, st.messages, (long long)(t_sent - t0),
	       (long long)(t_kernel - t0), activate ? (long long)(t_active - t0) : -1LL);
	rc = 0;
out:
	xc_standby_close(&r);
	xc_store_free(&s);
	xfrmctx_ctx_free(c);
	return rc;
}
