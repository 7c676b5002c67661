// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xfrmctx sync --to HOST: the active node's side of continuous sync. It
 * keeps one TLS session to `xfrmctx serve` on the standby and sends a
 * snapshot of the selected SAs (and their policies):
 *
 *   - at once when the session opens (a standby that joins late gets
 *     everything);
 *   - when the kernel says an SA's counters advanced by --threshold packets
 *     or its --period timer ran out with changes (XFRM async events: the
 *     loop sets replay-maxdiff and replay-maxage of every SA it sends);
 *   - when an SA is added, updated, deleted or expires (XFRMNLGRP_SA), so
 *     rekeys reach the standby at once;
 *   - at the latest --period after the previous one (the standby measures
 *     rates and liveness from them).
 *
 * SIGUSR1: planned hand-over: freeze and export, send it as a hand-over,
 * release the SAs here (whatever the answer: this node is leaving the
 * master role, its SAs must not carry traffic any more), exit.
 * SIGTERM/SIGINT: say goodbye, exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ha.h"
#include "parse.h"
#include "xfrmctx.h"

#define SYNC_OPTS (HA_TO | HA_PSK | HA_ID | HA_SEL | HA_PERIOD | HA_THRESHOLD | HA_PIDFILE | \
		   HA_TIMEOUT | HA_VERBOSE | HA_HANDOVER)

static const char sync_usage[] =
	"Usage: xfrmctx sync --to HOST[:PORT] --psk FILE [--id NAME] [--reqid R | --all]\n"
	"                    [--period S] [--threshold N] [--lease S] [--pidfile FILE]\n"
	"                    [--timeout S] [-v]\n"
	"Send snapshots of the SAs (all, or those of reqid R) and their policies to\n"
	"\"xfrmctx serve\" on HOST whenever an SA's counters advanced by N packets (default\n"
	"256) or S seconds passed (default 1), driven by XFRM async events, and at once\n"
	"when SAs are added or deleted or the session (re)opens. SIGUSR1: hand the SAs\n"
	"over (frozen for --lease S, default 30), release them here and exit. SIGTERM:\n"
	"say goodbye and exit.\n";

static volatile sig_atomic_t got_stop, got_handover;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_handover = 1;
	else
		got_stop = 1;
}

struct sync {
	struct ha_args a;
	struct xc_keyring kr;
	const struct xc_psk *self;
	struct xfrmctx *h;
	struct xc_aevents *ae;
	struct xc_chan *ch;
	uint64_t seq;
	uint64_t last_send_ms, next_connect_ms;
	unsigned long sent;
	int reported_down;
	int taken_over;		/* the standby imported our tunnels: let go */
};

/* Set the async event thresholds of the SAs that do not have ours yet. */
static void set_thresholds(struct sync *s, const struct xfrmctx_ctx *c)
{
	uint32_t period_ms = (uint32_t)lround(s->a.period * 1000);
	struct xfrmctx_sa *sa = malloc(sizeof(*sa));
	struct xfrmctx_record r = { 0 };
	char err[256];

	if (!sa)
		return;
	while (xfrmctx_ctx_next(c, &r) > 0) {
		if (r.type != XFRMCTX_REC_SA || xfrmctx_sa_decode(r.data, r.len, sa, err, sizeof(err)))
			continue;
		if (XFRMCTX_SA_HAS(sa, XFRM_CTX_SA_REPLAY_MAXDIFF) && sa->replay_maxdiff == s->a.threshold &&
		    XFRMCTX_SA_HAS(sa, XFRM_CTX_SA_REPLAY_MAXAGE) &&
		    labs((long)sa->replay_maxage - (long)period_ms) <= 20)
			continue;
		if (xc_aevents_set_thresholds(s->ae, sa, s->a.threshold, period_ms, err, sizeof(err)))
			ha_log("sync", "%s", err);
		else if (s->a.verbose)
			ha_log("sync", "SA 0x%08x: replay-maxdiff %u, replay-maxage %u ms", sa->spi,
			       s->a.threshold, period_ms);
	}
	memset(sa, 0, sizeof(*sa));
	free(sa);
}

static void disconnect(struct sync *s, int bye)
{
	char err[256];

	if (!s->ch)
		return;
	if (bye)
		xc_chan_send(s->ch, XC_FR_BYE, s->seq, NULL, 0, err, sizeof(err));
	xc_chan_close(s->ch, bye);
	s->ch = NULL;
}

static void try_connect(struct sync *s, uint64_t now)
{
	uint64_t last;
	/* Connecting must not hold the loop up for long; a slow standby
	 * that answers is another matter (--timeout). */
	int tmo = (int)fmin(s->a.timeout * 1000, fmax(s->a.period * 1000, 3000));

	s->next_connect_ms = now + (uint64_t)(s->a.period * 1000);
	if (ha_connect("sync", s->a.to, s->self, "sync", tmo, &s->ch, &last)) {
		if (!s->reported_down++)
			ha_log("sync", "%s unreachable; retrying every %.1f s", s->a.to, s->a.period);
		return;
	}
	xc_chan_set_timeout(s->ch, (int)(s->a.timeout * 1000));
	s->seq = ha_next_seq(last > s->seq ? last : s->seq);
	s->reported_down = 0;
	ha_log("sync", "session with %s open as \"%s\"", s->a.to, s->self->id);
}

/* Export and send; kind XC_KIND_HANDOVER freezes first. 0 accepted. */
static int send_one(struct sync *s, uint8_t kind, const char *why, struct xfrmctx_ctx **keep)
{
	uint32_t lease = kind == XC_KIND_HANDOVER ? (s->a.lease ? s->a.lease : 30) : 0;
	struct xfrmctx_ctx *c;
	uint32_t sas, pols;
	char answer[512];
	uint64_t taken;
	size_t len;
	void *img;
	int r;

	if (ha_export("sync", s->h, &s->a, lease, &c, &sas, &pols))
		return -1;
	taken = xc_epoch_ms();
	if (kind == XC_KIND_SNAPSHOT)
		set_thresholds(s, c);
	if (xfrmctx_ctx_to_buf(c, &img, &len)) {
		xfrmctx_ctx_free(c);
		return -1;
	}
	s->seq = ha_next_seq(s->seq);
	r = ha_send_context("sync", s->ch, kind, s->seq, taken, img, len, answer, sizeof(answer));
	memset(img, 0, len);
	free(img);
	if (keep)
		*keep = c;
	else
		xfrmctx_ctx_free(c);
	if (r) {
		ha_log("sync", "%s %s seq %llu: %s", s->a.to, r > 0 ? "refused" : "did not take",
		       (unsigned long long)s->seq, answer);
		if (r > 0 && !strncmp(answer, XC_REFUSE_TAKEN_OVER, strlen(XC_REFUSE_TAKEN_OVER)))
			s->taken_over = 1;
		return -1;
	}
	s->sent++;
	s->last_send_ms = xc_epoch_ms();
	if (s->a.verbose || kind == XC_KIND_HANDOVER)
		ha_log("sync", "%s seq %llu (%s): %u SAs, %u policies: %s",
		       kind == XC_KIND_HANDOVER ? "hand-over" : "snapshot", (unsigned long long)s->seq,
		       why, sas, pols, answer);
	return 0;
}

/* The standby took over while we still ran as master (a split brain, or
 * a notify that never came): our SAs must not carry one more packet. */
static int let_go(struct sync *s)
{
	struct xfrmctx_sa_id *ids = NULL;
	struct xfrmctx_ctx *c = NULL;
	uint32_t sas, pols;
	size_t n = 0;

	if (!ha_export("sync", s->h, &s->a, s->a.lease ? s->a.lease : 30, &c, &sas, &pols) &&
	    !ha_ctx_ids(c, &ids, &n))
		ha_log("sync", "%s took the tunnels over: released %u SAs here", s->a.to,
		       ha_release_ids(s->h, ids, n));
	free(ids);
	xfrmctx_ctx_free(c);
	disconnect(s, 0);
	return XC_EXIT_FAIL;
}

/* How many SAs of the selection are here and not frozen. */
static uint32_t live_sas(struct sync *s)
{
	struct xfrmctx_target t = { .reqid = s->a.reqid, .has_reqid = s->a.has_reqid };
	struct xfrmctx_ctx *c = xfrmctx_ctx_new();
	struct xfrmctx_sa *sa = malloc(sizeof(*sa));
	struct xfrmctx_record r = { 0 };
	uint32_t n = 0, cnt;
	char err[256];

	if (c && sa && !xfrmctx_export(s->h, &t, 0, 0, c, &cnt))
		while (xfrmctx_ctx_next(c, &r) > 0)
			if (r.type == XFRMCTX_REC_SA &&
			    !xfrmctx_sa_decode(r.data, r.len, sa, err, sizeof(err)) && !sa->frozen)
				n++;
	if (sa)
		memset(sa, 0, sizeof(*sa));
	free(sa);
	xfrmctx_ctx_free(c);
	return n;
}

static int handover(struct sync *s)
{
	struct xfrmctx_sa_id *ids = NULL;
	struct xfrmctx_ctx *c = NULL;
	size_t n = 0;
	int r = -1;

	if (!live_sas(s)) {
		/* Nothing of ours to give (the SAs went away, or only staged
		 * ones of the peer are here): nothing to freeze or send. */
		ha_log("sync", "nothing to hand over: no live SA here");
		disconnect(s, 1);
		return 0;
	}
	if (!s->ch)
		try_connect(s, xc_epoch_ms());
	if (s->ch)
		r = send_one(s, XC_KIND_HANDOVER, "SIGUSR1", &c);
	if (c && !ha_ctx_ids(c, &ids, &n))
		ha_log("sync", "released %u SAs here%s", ha_release_ids(s->h, ids, n),
		       r ? " although the hand-over failed: the standby takes over from its snapshot" : "");
	else if (!c)
		ha_log("sync", "no hand-over: nothing was exported");
	free(ids);
	xfrmctx_ctx_free(c);
	disconnect(s, r == 0);
	return r ? XC_EXIT_FAIL : 0;
}

static int write_pidfile(const char *path)
{
	char buf[32], err[256];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

	if (xc_write_atomic(path, buf, (size_t)n, err, sizeof(err))) {
		ha_log("sync", "%s", err);
		return -1;
	}
	return 0;
}

int cmd_sync(int argc, char **argv)
{
	struct sync s = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, orig;
	char err[512];
	int rc = XC_EXIT_FAIL, dirty = 1;
	const char *why = "session opened";

	if (argc == 1 && !strcmp(argv[0], "help")) {
		fputs(sync_usage, stdout);
		return 0;
	}
	if (parse_ha_args("sync", SYNC_OPTS, argc, argv, &s.a) ||
	    ha_require("sync", &s.a, HA_TO | HA_PSK))
		return usage_error(usage_msg);
	if (s.a.handover)
		return usage_error("argument \"--handover\" is wrong: send SIGUSR1 to hand over");
	{
		char host[256];
		uint16_t port;

		if (xc_parse_hostport(s.a.to, host, sizeof(host), &port, err, sizeof(err))) {
			snprintf(usage_msg, sizeof(usage_msg), "argument \"--to\" is wrong: %.200s", err);
			return usage_error(usage_msg);
		}
	}
	if (xc_keyring_load(s.a.psk, &s.kr, err, sizeof(err)))
		return op_error("sync", err);
	s.self = xc_keyring_self(&s.kr, s.a.id, err, sizeof(err));
	if (!s.self) {
		rc = op_error("sync", err);
		goto out;
	}
	if (ha_open("sync", &s.h))
		goto out;
	if (xc_aevents_open(&s.ae, err, sizeof(err))) {
		rc = op_error("sync", err);
		goto out;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (s.a.pidfile && write_pidfile(s.a.pidfile))
		goto out;
	if (s.a.has_reqid)
		snprintf(err, sizeof(err), "the SAs of reqid %u", s.a.reqid);
	else
		snprintf(err, sizeof(err), "all SAs");
	ha_log("sync", "%s to %s every %.1f s or %u packets", err, s.a.to, s.a.period, s.a.threshold);
	for (;;) {
		struct pollfd pfd[2];
		uint64_t now = xc_epoch_ms(), deadline;
		unsigned int what = 0;
		struct timespec ts;
		int nfd = 1, tmo;

		if (got_handover) {
			rc = handover(&s);
			break;
		}
		if (got_stop) {
			disconnect(&s, 1);
			ha_log("sync", "stopped after %lu snapshots", s.sent);
			rc = 0;
			break;
		}
		if (!s.ch && now >= s.next_connect_ms) {
			try_connect(&s, now);
			if (s.ch) {
				dirty = 1;
				why = "session opened";
			}
		}
		if (s.ch && !dirty && now >= s.last_send_ms + (uint64_t)(s.a.period * 1000)) {
			dirty = 1;
			why = "period";
		}
		if (s.ch && dirty) {
			if (send_one(&s, XC_KIND_SNAPSHOT, why, NULL)) {
				if (s.taken_over) {
					rc = let_go(&s);
					break;
				}
				disconnect(&s, 0);
				s.next_connect_ms = now + (uint64_t)(s.a.period * 1000);
			}
			dirty = 0;
			now = xc_epoch_ms();
		}
		deadline = s.ch ? s.last_send_ms + (uint64_t)(s.a.period * 1000) : s.next_connect_ms;
		tmo = deadline > now ? (int)(deadline - now) : 0;
		pfd[0].fd = xc_aevents_fd(s.ae);
		pfd[0].events = POLLIN;
		if (s.ch) {
			/* The server speaks only when asked: readable means it went away. */
			pfd[1].fd = xc_chan_fd(s.ch);
			pfd[1].events = POLLIN;
			nfd = 2;
		}
		ts.tv_sec = tmo / 1000;
		ts.tv_nsec = (long)(tmo % 1000) * 1000000;
		if (ppoll(pfd, (nfds_t)nfd, &ts, &orig) < 0) {
			if (errno == EINTR)
				continue;
			rc = op_error("sync", strerror(errno));
			break;
		}
		if (pfd[0].revents & POLLIN) {
			if (xc_aevents_read(s.ae, s.a.reqid, s.a.has_reqid, &what, err, sizeof(err)))
				ha_log("sync", "%s", err);
			if (what) {
				dirty = 1;
				why = what & XC_AE_SA ? "SA added or deleted" : "counters advanced";
			}
		}
		if (nfd == 2 && pfd[1].revents) {
			ha_log("sync", "%s closed the session", s.a.to);
			disconnect(&s, 0);
			s.next_connect_ms = xc_epoch_ms();
		}
	}
out:
	if (s.a.pidfile)
		unlink(s.a.pidfile);
	disconnect(&s, 0);
	xc_aevents_close(s.ae);
	xfrmctx_close(s.h);
	xc_keyring_free(&s.kr);
	return rc;
}
