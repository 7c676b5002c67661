// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xfrmctx push HOST[:PORT]: send a context to `xfrmctx serve` on the twin,
 * over TLS 1.3 with a pre-shared key, and wait for its verdict. The context
 * is a file (-i), a snapshot of the live SAs, or (--handover) a frozen
 * export that ends this node's use of the SAs: released once the twin
 * accepted it, thawed again if it did not (released anyway with
 * --release-always, for a node that is leaving the master role).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ha.h"
#include "parse.h"
#include "xfrmctx.h"

#define PUSH_OPTS (HA_HOST | HA_PSK | HA_ID | HA_SEL | HA_IN | HA_HANDOVER | HA_SEAL | HA_SEQ | \
		   HA_TIMEOUT)

static const char push_usage[] =
	"Usage: xfrmctx push HOST[:PORT] --psk FILE [--id NAME] [ -i FILE | --reqid R | --all ]\n"
	"                    [--handover [--lease S] [--release-always]] [--seal KEYFILE]\n"
	"                    [--seq N] [--timeout S]\n"
	"Send a context to \"xfrmctx serve\" on HOST (port 7150 unless given) over TLS 1.3\n"
	"authenticated by the pre-shared key of NAME in FILE. Without -i, a snapshot of\n"
	"the live SAs (all, or those of reqid R) and their policies. --handover freezes\n"
	"them first, and releases them once HOST accepted the hand-over (else thaws\n"
	"them, or with --release-always releases them anyway). --seal: the key file\n"
	"that opens a sealed -i FILE. --seq: the message's sequence number (default:\n"
	"the clock in microseconds, above the last one HOST accepted).\n";

uint64_t ha_next_seq(uint64_t last)
{
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
	return now > last ? now : last + 1;
}

/* Connect, say hello on stream, read the welcome (the last sequence number
 * the server accepted on that stream). */
int ha_connect(const char *cmd, const char *hostport, const struct xc_psk *self, const char *stream,
	       int timeout_ms, struct xc_chan **chp, uint64_t *last)
{
	char host[256], err[512];
	struct xc_frame f;
	uint16_t port;
	int r;

	*chp = NULL;
	if (xc_parse_hostport(hostport, host, sizeof(host), &port, err, sizeof(err)) ||
	    xc_chan_connect(host, port, self, timeout_ms, chp, err, sizeof(err))) {
		ha_log(cmd, "%s", err);
		return -1;
	}
	if (xc_chan_send(*chp, XC_FR_HELLO, 0, stream, strlen(stream), err, sizeof(err)) ||
	    (r = xc_chan_recv(*chp, &f, err, sizeof(err))) != 1) {
		ha_log(cmd, "%s: no welcome: %s", hostport, err);
		xc_chan_close(*chp, 0);
		*chp = NULL;
		return -1;
	}
	if (f.type == XC_FR_REFUSE || f.type != XC_FR_WELCOME) {
		ha_log(cmd, "%s refused the stream: %s", hostport,
		       f.type == XC_FR_REFUSE ? (char *)f.data : "unexpected answer");
		xc_frame_free(&f);
		xc_chan_close(*chp, 0);
		*chp = NULL;
		return -1;
	}
	*last = f.seq;
	xc_frame_free(&f);
	return 0;
}

/* Send one context and wait for ACK or REFUSE. 0: accepted (reply text in
 * answer); 1: refused; -1: the channel failed. */
int ha_send_context(const char *cmd, struct xc_chan *ch, uint8_t kind, uint64_t seq,
		    uint64_t taken_ms, const void *img, size_t len, char *answer, size_t alen)
{
	char err[512];
	struct xc_frame f;
	uint8_t *msg;
	size_t mlen;
	int r;

	if (xc_ctxmsg_pack(kind, taken_ms, img, len, &msg, &mlen)) {
		snprintf(answer, alen, "out of memory");
		return -1;
	}
	r = xc_chan_send(ch, XC_FR_CONTEXT, seq, msg, mlen, err, sizeof(err));
	memset(msg, 0, mlen);
	free(msg);
	if (r) {
		snprintf(answer, alen, "%s", err);
		return -1;
	}
	r = xc_chan_recv(ch, &f, err, sizeof(err));
	if (r != 1) {
		snprintf(answer, alen, "no answer: %s", err);
		return -1;
	}
	snprintf(answer, alen, "%s", f.data);
	r = f.type == XC_FR_ACK && f.seq == seq ? 0 : f.type == XC_FR_REFUSE ? 1 : -1;
	if (r < 0)
		snprintf(answer, alen, "unexpected %s frame (seq %llu)", xc_frame_type_name(f.type),
			 (unsigned long long)f.seq);
	xc_frame_free(&f);
	(void)cmd;
	return r;
}

int cmd_push(int argc, char **argv)
{
	struct xc_keyring kr = { 0 }, seal = { 0 };
	const struct xc_psk *self;
	struct xfrmctx_sa_id *ids = NULL;
	struct xfrmctx_ctx *c = NULL;
	struct xfrmctx *h = NULL;
	struct xc_chan *ch = NULL;
	char err[512], answer[512];
	uint32_t sas = 0, pols = 0;
	uint64_t last, seq;
	size_t n_ids = 0, len;
	struct ha_args a;
	void *img = NULL;
	int rc = XC_EXIT_FAIL, r;

	if (argc == 1 && !strcmp(argv[0], "help")) {
		fputs(push_usage, stdout);
		return 0;
	}
	if (parse_ha_args("push", PUSH_OPTS, argc, argv, &a) ||
	    ha_require("push", &a, HA_HOST | HA_PSK))
		return usage_error(usage_msg);
	if (a.in && (a.has_reqid || a.all))
		return usage_error("argument \"-i\" is wrong: a file or a selection, not both");
	if (xc_keyring_load(a.psk, &kr, err, sizeof(err)))
		return op_error("push", err);
	self = xc_keyring_self(&kr, a.id, err, sizeof(err));
	if (!self) {
		rc = op_error("push", err);
		goto out;
	}
	if (a.seal && xc_keyring_load(a.seal, &seal, err, sizeof(err))) {
		rc = op_error("push", err);
		goto out;
	}

	if (a.in) {
		if (xc_ctx_load(a.in, a.seal ? &seal : NULL, &c, err, sizeof(err))) {
			rc = op_error("push", err);
			goto out;
		}
		sas = (uint32_t)xfrmctx_ctx_count(c, XFRMCTX_REC_SA);
		pols = (uint32_t)xfrmctx_ctx_count(c, XFRMCTX_REC_POLICY);
	} else {
		if (ha_open("push", &h))
			goto out;
		if (ha_export("push", h, &a, a.handover ? (a.lease ? a.lease : 30) : 0, &c, &sas, &pols))
			goto out;
		if (a.handover && ha_ctx_ids(c, &ids, &n_ids)) {
			rc = op_error("push", "out of memory");
			goto thaw;
		}
		if (a.handover && !sas) {
			printf("nothing to hand over: no SA%s here\n", a.has_reqid ? " of this reqid" : "");
			rc = 0;
			goto out;
		}
	}
	if (xfrmctx_ctx_to_buf(c, &img, &len)) {
		rc = op_error("push", "cannot build the context");
		goto thaw;
	}
	if (ha_connect("push", a.host, self, "push", (int)(a.timeout * 1000), &ch, &last))
		goto thaw;
	seq = a.has_seq ? a.seq : ha_next_seq(last);
	r = ha_send_context("push", ch, a.handover ? XC_KIND_HANDOVER : XC_KIND_SNAPSHOT, seq,
			    xc_epoch_ms(), img, len, answer, sizeof(answer));
	if (r == 0)
		xc_chan_send(ch, XC_FR_BYE, seq, NULL, 0, err, sizeof(err));
	xc_chan_close(ch, r == 0);
	if (r) {
		ha_log("push", "%s %s message seq %llu: %s", a.host, r > 0 ? "refused" : "did not take",
		       (unsigned long long)seq, answer);
		goto thaw;
	}
	if (a.handover && h)
		ha_release_ids(h, ids, n_ids);
	printf("pushed %u SA%s and %u polic%s to %s (seq %llu%s): %s\n", sas, sas == 1 ? "" : "s",
	       pols, pols == 1 ? "y" : "ies", a.host, (unsigned long long)seq,
	       a.handover ? ", hand-over; released here" : "", answer);
	rc = 0;
	goto out;
thaw:
	if (a.handover && h && n_ids) {
		if (a.release_always) {
			ha_log("push", "released %u SAs here anyway (--release-always)",
			       ha_release_ids(h, ids, n_ids));
		} else {
			ha_log("push", "thawed %u SAs again: this node keeps the tunnel",
			       ha_thaw_ids(h, ids, n_ids));
		}
	}
out:
	if (img) {
		memset(img, 0, len);
		free(img);
	}
	free(ids);
	xfrmctx_ctx_free(c);
	xfrmctx_close(h);
	xc_keyring_free(&kr);
	xc_keyring_free(&seal);
	return rc;
}
