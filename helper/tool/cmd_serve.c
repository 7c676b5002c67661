// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xfrmctx serve: the receiving end of push and sync. Each connection (one
 * process each) is a TLS 1.3 session authenticated by a pre-shared key of
 * the key file; its first frame names the stream ("push" or "sync"), and
 * every message after it must carry a sequence number above the last one
 * accepted from that identity on that stream (kept in the state directory,
 * so a message replayed later, even in a new session, is refused).
 *
 * What arrives goes to DIR/IDENTITY/ (mode 0700): snapshot.ctx, the latest
 * snapshot, and handover.ctx, the latest hand-over, each written atomically
 * (0600, sealed with --seal), and the state file takeover reads (sequence
 * numbers, arrival times, the packet rates between snapshots). With
 * --import a hand-over is imported at once, staged (frozen until
 * takeover thaws it), with --out-jump. Refusals are logged with their
 * reason and change nothing.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ha.h"
#include "parse.h"
#include "xfrmctx.h"

#define SERVE_OPTS (HA_PSK | HA_DIR | HA_LISTEN | HA_IMPORT | HA_SEAL | HA_ID | HA_ONCE | HA_TIMEOUT | \
		    HA_PIDFILE)

static const char serve_usage[] =
	"Usage: xfrmctx serve --psk FILE --dir DIR [--listen [ADDR][:PORT]]\n"
	"                     [--import [--out-jump N] [--lease S]] [--seal KEYFILE [--id NAME]]\n"
	"                     [--once] [--timeout S] [--pidfile FILE]\n"
	"Receive contexts from \"xfrmctx push\" and \"xfrmctx sync\" of the identities in\n"
	"FILE (TLS 1.3, pre-shared keys; port 7150 unless given) into DIR/IDENTITY/\n"
	"(snapshot.ctx, handover.ctx, state). --import: import a hand-over at once,\n"
	"staged (frozen until \"xfrmctx takeover\" thaws it), out-jump N (default 64).\n"
	"--seal: store the contexts sealed with the key of NAME in KEYFILE. --once:\n"
	"one connection, in the foreground; the exit status says if all was accepted.\n"
	"--pidfile: written once the socket listens. Each connection is served by a\n"
	"child process in the same process group.\n";

struct serve {
	struct ha_args a;
	struct xc_keyring kr, seal;
	const struct xc_psk *seal_key;
};

struct conn {
	struct serve *s;
	struct xc_chan *ch;
	char stream[8];
	char dir[512];
	char tag[160];		/* for the log: address, identity, stream */
	uint64_t opened_ms;	/* when the session opened */
};

#define LOG(c, fmt, ...) ha_log("serve", "[%s] " fmt, (c)->tag, ##__VA_ARGS__)

static int import_handover(struct conn *c, struct xfrmctx_ctx *ctx, uint32_t *sas,
			   uint32_t *pols, int *staged, char *why, size_t wl)
{
	struct xfrmctx_import_opts o = { .out_jump = c->s->a.out_jump };
	struct xfrmctx_sa_id *ids = NULL;
	struct xfrmctx *h;
	size_t n_ids = 0;
	int err;

	if (ha_open("serve", &h)) {
		snprintf(why, wl, "cannot open netlink");
		return -1;
	}
	*staged = xfrmctx_has_module(h);
	if (*staged) {
		o.flags = XFRM_CTX_F_STAGED;
		o.lease = c->s->a.lease ? c->s->a.lease : 60;
	}
	err = xfrmctx_import(h, ctx, &o, sas);
	if (err) {
		snprintf(why, wl, "import refused: %s", xfrmctx_strerror(h, err));
		xfrmctx_close(h);
		return -1;
	}
	*pols = 0;
	if (xfrmctx_ctx_count(ctx, XFRMCTX_REC_POLICY)) {
		err = xfrmctx_policy_import(h, ctx, XFRMCTX_POLICY_REPLACE, pols);
		if (err) {
			snprintf(why, wl, "import of the policies refused: %s", xfrmctx_strerror(h, err));
			/* All or nothing: take the staged SAs back. */
			if (!ha_ctx_ids(ctx, &ids, &n_ids))
				ha_release_ids(h, ids, n_ids);
			free(ids);
			xfrmctx_close(h);
			return -1;
		}
	}
	xfrmctx_close(h);
	return 0;
}

/* The packet rate since the previous snapshot, remembered in st; -1 if
 * there is no previous one. */
static double update_rate(struct conn *c, struct xc_peer_state *st, const struct xfrmctx_ctx *cur,
			uint64_t taken_ms)
{
	struct xfrmctx_ctx *prev = NULL;
	char path[600], err[256];
	double pps;

	if (!st->snap_taken_ms || taken_ms <= st->snap_taken_ms)
		return -1;
	snprintf(path, sizeof(path), "%s/snapshot.ctx", c->dir);
	if (xc_ctx_load(path, c->s->seal_key ? &c->s->seal : NULL, &prev, err, sizeof(err)))
		return -1;
	pps = xc_rate_between(prev, cur, (double)(taken_ms - st->snap_taken_ms) / 1000.0);
	xfrmctx_ctx_free(prev);
	xc_rate_push(st, pps);
	return pps;
}

/* One CONTEXT message: checked, stored (and imported), answered. */
static int on_context(struct conn *c, const struct xc_frame *f)
{
	int is_sync = !strcmp(c->stream, "sync"), staged = 0, lock, ok = 0;
	struct xfrmctx_ctx *ctx = NULL;
	struct xc_peer_state st;
	struct xc_ctxmsg m;
	uint64_t *last;
	uint32_t sas, pols = 0;
	char why[512], reply[512], path[600];

	lock = xc_peer_lock(c->dir, why, sizeof(why));
	if (lock < 0)
		goto refuse;
	if (xc_peer_state_load(c->dir, &st, why, sizeof(why)))
		goto refuse;
	last = is_sync ? &st.seq_sync : &st.seq_push;
	if (f->seq <= *last) {
		snprintf(why, sizeof(why), "replayed message: seq %llu is not above %llu, the last accepted from \"%s\" on its %s stream",
			 (unsigned long long)f->seq, (unsigned long long)*last,
			 xc_chan_peer_id(c->ch), c->stream);
		goto refuse;
	}
	if (xc_ctxmsg_parse(f->data, f->len, &m, why, sizeof(why)) ||
	    xfrmctx_ctx_from_buf(m.image, m.image_len, &ctx, why, sizeof(why)))
		goto refuse;
	sas = (uint32_t)xfrmctx_ctx_count(ctx, XFRMCTX_REC_SA);
	if (m.kind == XC_KIND_SNAPSHOT && st.takeover_ms > c->opened_ms) {
		/* We imported the peer's tunnels while this stream was open: the
		 * peer still acts as the master. Tell it to let go. */
		snprintf(why, sizeof(why), XC_REFUSE_TAKEN_OVER
			 ": this node imported your tunnels from a snapshot; release your SAs");
		goto refuse;
	}
	if (m.kind == XC_KIND_SNAPSHOT) {
		double pps = update_rate(c, &st, ctx, m.taken_ms);

		snprintf(path, sizeof(path), "%s/snapshot.ctx", c->dir);
		if (xc_image_store(m.image, m.image_len, path, c->s->seal_key, why, sizeof(why)))
			goto refuse;
		st.snap_seq = f->seq;
		st.snap_taken_ms = m.taken_ms;
		st.snap_received_ms = xc_epoch_ms();
		st.snap_sas = sas;
		snprintf(reply, sizeof(reply), "stored a snapshot of %u SA%s", sas, sas == 1 ? "" : "s");
		if (pps >= 0)
			snprintf(reply + strlen(reply), sizeof(reply) - strlen(reply), "; %.1f packets/s",
				 pps);
	} else {
		if (c->s->a.import &&
		    import_handover(c, ctx, &sas, &pols, &staged, why, sizeof(why)))
			goto refuse;
		snprintf(path, sizeof(path), "%s/handover.ctx", c->dir);
		if (xc_image_store(m.image, m.image_len, path, c->s->seal_key, why, sizeof(why)))
			goto refuse;
		st.handover_seq = f->seq;
		st.handover_received_ms = xc_epoch_ms();
		st.handover_sas = sas;
		st.handover_imported = c->s->a.import;
		st.handover_used = 0;
		if (c->s->a.import)
			snprintf(reply, sizeof(reply), "imported %u SA%s%s with out-jump %llu and %u polic%s",
				 sas, sas == 1 ? "" : "s", staged ? " staged" : "",
				 (unsigned long long)c->s->a.out_jump, pols, pols == 1 ? "y" : "ies");
		else
			snprintf(reply, sizeof(reply), "stored a hand-over of %u SA%s", sas,
				 sas == 1 ? "" : "s");
	}
	*last = f->seq;
	st.last_msg_ms = xc_epoch_ms();
	if (is_sync)
		st.sync_closed = 0;
	if (xc_peer_state_save(c->dir, &st, why, sizeof(why)))
		goto refuse;
	ok = 1;
	LOG(c, "accepted %s seq %llu: %s", m.kind == XC_KIND_SNAPSHOT ? "snapshot" : "hand-over",
	    (unsigned long long)f->seq, reply);
	xc_chan_send(c->ch, XC_FR_ACK, f->seq, reply, strlen(reply), why, sizeof(why));
refuse:
	if (!ok) {
		LOG(c, "refused message seq %llu: %s", (unsigned long long)f->seq, why);
		xc_chan_send(c->ch, XC_FR_REFUSE, f->seq, why, strlen(why), reply, sizeof(reply));
	}
	xfrmctx_ctx_free(ctx);
	if (lock >= 0)
		close(lock);
	return ok ? 0 : -1;
}

static void on_bye(struct conn *c)
{
	struct xc_peer_state st;
	char err[256];
	int lock;

	if (strcmp(c->stream, "sync"))
		return;
	lock = xc_peer_lock(c->dir, err, sizeof(err));
	if (lock < 0)
		return;
	if (!xc_peer_state_load(c->dir, &st, err, sizeof(err))) {
		st.sync_closed = 1;
		xc_peer_state_save(c->dir, &st, err, sizeof(err));
	}
	close(lock);
}

/* Hello, welcome, then messages until the stream ends. 0: every message
 * was accepted. */
static int serve_conn(struct serve *s, int fd)
{
	struct conn c = { .s = s };
	struct xc_peer_state st;
	struct xc_frame f;
	char err[512];
	int r, rc = 0, lock;

	r = xc_chan_accept(fd, &s->kr, (int)(s->a.timeout * 1000), &c.ch, err, sizeof(err));
	if (r) {
		ha_log("serve", "refused: %s", err);
		return 1;
	}
	snprintf(c.tag, sizeof(c.tag), "%s %s", xc_chan_peer_addr(c.ch), xc_chan_peer_id(c.ch));
	r = xc_chan_recv(c.ch, &f, err, sizeof(err));
	if (r != 1 || f.type != XC_FR_HELLO || (strcmp((char *)f.data, "push") && strcmp((char *)f.data, "sync"))) {
		LOG(&c, "refused: %s", r != 1 ? err : "the stream does not start with hello push|sync");
		if (r == 1)
			xc_frame_free(&f);
		xc_chan_close(c.ch, 0);
		return 1;
	}
	snprintf(c.stream, sizeof(c.stream), "%s", (char *)f.data);
	xc_frame_free(&f);
	snprintf(c.tag, sizeof(c.tag), "%s %s %s", xc_chan_peer_addr(c.ch), xc_chan_peer_id(c.ch), c.stream);
	snprintf(c.dir, sizeof(c.dir), "%s/%s", s->a.dir, xc_chan_peer_id(c.ch));
	if (xc_private_dir(c.dir, err, sizeof(err)) ||
	    (lock = xc_peer_lock(c.dir, err, sizeof(err))) < 0) {
		LOG(&c, "refused: %s", err);
		xc_chan_close(c.ch, 0);
		return 1;
	}
	r = xc_peer_state_load(c.dir, &st, err, sizeof(err));
	close(lock);
	if (r || xc_chan_send(c.ch, XC_FR_WELCOME, !strcmp(c.stream, "sync") ? st.seq_sync : st.seq_push,
			      xc_chan_cipher(c.ch), strlen(xc_chan_cipher(c.ch)), err, sizeof(err))) {
		LOG(&c, "%s", err);
		xc_chan_close(c.ch, 0);
		return 1;
	}
	c.opened_ms = xc_epoch_ms();
	LOG(&c, "session open (%s)", xc_chan_cipher(c.ch));
	for (;;) {
		r = xc_chan_recv(c.ch, &f, err, sizeof(err));
		if (r == 0) {
			LOG(&c, "stream closed");
			break;
		}
		if (r == -ENODATA) {
			LOG(&c, "connection ended without goodbye");
			break;
		}
		if (r < 0) {
			LOG(&c, "refused: %s", err);
			rc = 1;
			break;
		}
		if (f.type == XC_FR_BYE) {
			on_bye(&c);
			LOG(&c, "goodbye");
			xc_frame_free(&f);
			break;
		}
		if (f.type != XC_FR_CONTEXT) {
			snprintf(err, sizeof(err), "unexpected %s frame", xc_frame_type_name(f.type));
			LOG(&c, "refused: %s", err);
			xc_chan_send(c.ch, XC_FR_REFUSE, f.seq, err, strlen(err), err, sizeof(err));
			xc_frame_free(&f);
			rc = 1;
			break;
		}
		if (on_context(&c, &f))
			rc = 1;
		xc_frame_free(&f);
	}
	xc_chan_close(c.ch, 1);
	return rc;
}

int cmd_serve(int argc, char **argv)
{
	struct serve s = { 0 };
	char host[256] = "", err[512];
	uint16_t port = XC_CHAN_DEFAULT_PORT;
	int lfd, rc = XC_EXIT_FAIL;

	if (argc == 1 && !strcmp(argv[0], "help")) {
		fputs(serve_usage, stdout);
		return 0;
	}
	if (parse_ha_args("serve", SERVE_OPTS, argc, argv, &s.a) ||
	    ha_require("serve", &s.a, HA_PSK | HA_DIR))
		return usage_error(usage_msg);
	if (s.a.listen) {
		if (s.a.listen[0] == ':') {
			char *end;
			unsigned long p = strtoul(s.a.listen + 1, &end, 10);

			if (*end || !p || p > 65535)
				return usage_error("argument \"--listen\" is wrong: [ADDR][:PORT]");
			port = (uint16_t)p;
		} else if (xc_parse_hostport(s.a.listen, host, sizeof(host), &port, err, sizeof(err))) {
			snprintf(usage_msg, sizeof(usage_msg), "argument \"--listen\" is wrong: %.200s", err);
			return usage_error(usage_msg);
		}
	}
	if (xc_keyring_load(s.a.psk, &s.kr, err, sizeof(err)))
		return op_error("serve", err);
	if (s.a.seal) {
		if (xc_keyring_load(s.a.seal, &s.seal, err, sizeof(err)) ||
		    !(s.seal_key = xc_keyring_self(&s.seal, s.a.id, err, sizeof(err)))) {
			rc = op_error("serve", err);
			goto out;
		}
	}
	if (xc_private_dir(s.a.dir, err, sizeof(err))) {
		rc = op_error("serve", err);
		goto out;
	}
	lfd = xc_chan_listen(host[0] ? host : NULL, port, err, sizeof(err));
	if (lfd < 0) {
		rc = op_error("serve", err);
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	if (!s.a.once)
		signal(SIGCHLD, SIG_IGN);	/* children are reaped by the kernel */
	if (s.a.pidfile) {
		char pid[32];
		int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());

		if (xc_write_atomic(s.a.pidfile, pid, (size_t)n, err, sizeof(err))) {
			rc = op_error("serve", err);
			close(lfd);
			goto out;
		}
	}
	ha_log("serve", "listening on %s port %u for %zu identit%s of %s; state in %s%s%s", host[0] ? host : "*",
	       port, s.kr.n, s.kr.n == 1 ? "y" : "ies", s.a.psk, s.a.dir,
	       s.a.import ? "; importing hand-overs" : "", s.seal_key ? "; sealed" : "");
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		pid_t pid;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			rc = op_error("serve", strerror(errno));
			break;
		}
		if (s.a.once) {
			rc = serve_conn(&s, fd) ? XC_EXIT_FAIL : 0;
			break;
		}
		pid = fork();
		if (pid == 0) {
			close(lfd);
			_exit(serve_conn(&s, fd));
		}
		if (pid < 0)
			ha_log("serve", "cannot fork: %s", strerror(errno));
		close(fd);
	}
	close(lfd);
out:
	xc_keyring_free(&s.kr);
	xc_keyring_free(&s.seal);
	return rc;
}
