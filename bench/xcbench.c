// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xcbench: a long-lived HA-daemon stand-in for the benchmarks. It holds
 * libxfrmctx handles in several network namespaces and runs hand-over
 * steps read from stdin, one per line, answering each with one JSON line
 * that carries the step's duration, so that no process start (0.4 s under
 * TCG) lands inside a measured interval:
 *
 *   open H NETNS [nomodule]            a handle named H in NETNS
 *   export H reqid R|all [freeze L]    snapshot (kept in memory) [frozen, lease L s]
 *   import H [staged] [live] [out J] [in J] [policy]   the last snapshot, on H
 *   freeze H reqid R [lease L]  |  thaw H reqid R  |  release H reqid R
 *   update H [out J] [in J]            move the counters of H's (staged) SAs
 *                                      to the last snapshot's plus the jumps
 *   delete H                           delete the last snapshot's SAs on H
 *                                      through XFRM netlink (the module-less
 *                                      path's "stop the old node")
 *   vip FROM TO DEV ADDR               ADDR/32 from FROM's DEV to TO's, and a
 *                                      gratuitous ARP (vip.c)
 *   handover FROM TO reqid R [out J] [in J] vip DEV ADDR [serial]
 *                                      the planned hand-over onto SAs staged
 *                                      on TO beforehand, as one HA daemon
 *                                      step: the VIP's address on TO, export
 *                                      FROM frozen (counters through the
 *                                      file image), announce the VIP from
 *                                      TO, update TO and thaw it in one
 *                                      request, the address off FROM ("serial":
 *                                      the whole VIP move after the thaw);
 *                                      answers each step's duration
 *   quit
 *
 * Answers: {"ok":true,"us":T,"t0":WALL,"t1":WALL,"sas":N,...} or
 * {"ok":false,"error":"..."}. WALL is CLOCK_REALTIME in seconds, as
 * Python's time.time() reads it, to line steps up with packet arrivals.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/xfrm.h>

#include <libxfrmctx.h>

#include "vip.h"

#define MAX_HANDLES 8

static struct {
	char name[32];
	struct xfrmctx *h;
	int xfrm_fd;		/* NETLINK_XFRM socket in the same namespace */
	struct vip_socks vip;	/* the VIP's sockets, same namespace */
} handles[MAX_HANDLES];
static struct xfrmctx_ctx *snap;	/* the last export */
static void *wire;			/* its file image */
static size_t wire_len;

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void fail(const char *what, const char *why)
{
	printf("{\"ok\":false,\"error\":\"%s: %s\"}\n", what, why);
	fflush(stdout);
}

static int find(const char *name)
{
	int i;

	for (i = 0; i < MAX_HANDLES; i++)
		if (handles[i].h && !strcmp(handles[i].name, name))
			return i;
	return -1;
}

static int enter_netns(const char *name)
{
	char path[256];
	int fd, ret;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = setns(fd, CLONE_NEWNET) ? -errno : 0;
	close(fd);
	return ret;
}

static void cmd_open(char **w, int n)
{
	int i, home, err;

	if (n < 3)
		return fail("open", "usage: open H NETNS [nomodule]");
	for (i = 0; i < MAX_HANDLES && handles[i].h; i++)
		;
	if (i == MAX_HANDLES)
		return fail("open", "too many handles");
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	err = enter_netns(w[2]);
	if (err) {
		close(home);
		return fail("open", strerror(-err));
	}
	err = xfrmctx_open_flags(&handles[i].h, n > 3 && !strcmp(w[3], "nomodule") ?
				 XFRMCTX_OPEN_NO_MODULE : 0);
	handles[i].xfrm_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_XFRM);
	if (!err)
		err = vip_open(&handles[i].vip);
	if (setns(home, CLONE_NEWNET))
		exit(1);
	close(home);
	if (err)
		return fail("open", xfrmctx_strerror(NULL, err));
	snprintf(handles[i].name, sizeof(handles[i].name), "%s", w[1]);
	printf("{\"ok\":true,\"module\":%s}\n", xfrmctx_has_module(handles[i].h) ? "true" : "false");
	fflush(stdout);
}

static int parse_target(char **w, int n, int at, struct xfrmctx_target *t)
{
	memset(t, 0, sizeof(*t));
	if (at < n && !strcmp(w[at], "all"))
		return at + 1;
	if (at + 1 < n && !strcmp(w[at], "reqid")) {
		t->reqid = strtoul(w[at + 1], NULL, 0);
		t->has_reqid = 1;
		return at + 2;
	}
	return -1;
}

static void done(double t0w, double t0, const char *extra)
{
	double t1 = mono_us();

	printf("{\"ok\":true,\"us\":%.0f,\"t0\":%.6f,\"t1\":%.6f%s%s}\n",
	       t1 - t0, t0w, wall(), extra[0] ? "," : "", extra);
	fflush(stdout);
}

/* The last snapshot, in memory and as its file image (what would travel). */
static int snapshot(struct xfrmctx *h, const struct xfrmctx_target *t, uint32_t flags,
		    uint32_t lease, int policies, uint32_t *sas, uint32_t *pols)
{
	int err;

	xfrmctx_ctx_free(snap);
	free(wire);
	wire = NULL;
	snap = xfrmctx_ctx_new();
	if (!snap)
		return -ENOMEM;
	err = xfrmctx_export(h, t->has_reqid ? t : NULL, flags, lease, snap, sas);
	if (!err && policies)
		err = xfrmctx_policy_export(h, t->has_reqid ? t : NULL, snap, pols);
	if (!err)
		err = xfrmctx_ctx_to_buf(snap, &wire, &wire_len);
	return err;
}

static void cmd_export(int hi, char **w, int n)
{
	struct xfrmctx *h = handles[hi].h;
	struct xfrmctx_target t;
	uint32_t sas = 0, pols = 0, lease = 0, flags = 0;
	double t0w = wall(), t0 = mono_us();
	char extra[128];
	int at, err;

	at = parse_target(w, n, 2, &t);
	if (at < 0)
		return fail("export", "usage: export H reqid R|all [freeze LEASE]");
	if (at + 1 < n && !strcmp(w[at], "freeze")) {
		flags = XFRM_CTX_F_FREEZE;
		lease = strtoul(w[at + 1], NULL, 0);
	}
	err = snapshot(h, &t, flags, lease, 1, &sas, &pols);
	if (err)
		return fail("export", xfrmctx_strerror(h, err));
	snprintf(extra, sizeof(extra), "\"sas\":%u,\"policies\":%u,\"bytes\":%zu", sas, pols, wire_len);
	done(t0w, t0, extra);
}

/* The receiving node parses the file image, as it would after the wire. */
static void cmd_import(int hi, char **w, int n)
{
	struct xfrmctx_import_opts o = { 0 };
	struct xfrmctx *h = handles[hi].h;
	struct xfrmctx_ctx *c = NULL;
	double t0w = wall(), t0 = mono_us();
	uint32_t sas = 0, pols = 0;
	char err_text[XFRMCTX_ERRLEN], extra[96];
	int i, err, policy = 0;

	if (!wire)
		return fail("import", "nothing exported yet");
	for (i = 2; i < n; i++) {
		if (!strcmp(w[i], "staged"))
			o.flags |= XFRM_CTX_F_STAGED;
		else if (!strcmp(w[i], "live"))	/* a snapshot of a live SA, on purpose */
			o.flags |= XFRM_CTX_F_LIVE_SNAPSHOT;
		else if (!strcmp(w[i], "policy"))
			policy = 1;
		else if (!strcmp(w[i], "out") && i + 1 < n)
			o.out_jump = strtoull(w[++i], NULL, 0);
		else if (!strcmp(w[i], "in") && i + 1 < n)
			o.in_jump = strtoull(w[++i], NULL, 0);
		else
			return fail("import", "usage: import H [staged] [live] [out J] [in J] [policy]");
	}
	if (xfrmctx_ctx_from_buf(wire, wire_len, &c, err_text, sizeof(err_text)))
		return fail("import", err_text);
	err = policy ? xfrmctx_policy_import(h, c, XFRMCTX_POLICY_REPLACE, &pols) : 0;
	if (!err)
		err = xfrmctx_import(h, c, &o, &sas);
	xfrmctx_ctx_free(c);
	if (err)
		return fail("import", xfrmctx_strerror(h, err));
	snprintf(extra, sizeof(extra), "\"sas\":%u,\"policies\":%u", sas, pols);
	done(t0w, t0, extra);
}

/* Jumps from "out J" / "in J" words at w[from..n); -1 on anything else
 * unless the word is in allowed (then the index of the first such word). */
static int parse_jumps(char **w, int n, int from, struct xfrmctx_import_opts *o,
		       const char *stop)
{
	int i;

	for (i = from; i < n; i++) {
		if (!strcmp(w[i], "out") && i + 1 < n)
			o->out_jump = strtoull(w[++i], NULL, 0);
		else if (!strcmp(w[i], "in") && i + 1 < n)
			o->in_jump = strtoull(w[++i], NULL, 0);
		else if (stop && !strcmp(w[i], stop))
			return i;
		else
			return -1;
	}
	return n;
}

/* The file image of the last snapshot, parsed and applied as an update. */
static int update_from_wire(struct xfrmctx *h, const struct xfrmctx_import_opts *o,
			    uint32_t *sas, char *err_text, size_t len)
{
	struct xfrmctx_ctx *c = NULL;
	int err;

	if (xfrmctx_ctx_from_buf(wire, wire_len, &c, err_text, len))
		return -EINVAL;
	err = xfrmctx_update(h, c, o, sas);
	xfrmctx_ctx_free(c);
	if (err)
		snprintf(err_text, len, "%s", xfrmctx_strerror(h, err));
	return err;
}

static void cmd_update(int hi, char **w, int n)
{
	struct xfrmctx_import_opts o = { 0 };
	double t0w = wall(), t0 = mono_us();
	char err_text[XFRMCTX_ERRLEN], extra[32];
	uint32_t sas = 0;

	if (!wire)
		return fail("update", "nothing exported yet");
	if (parse_jumps(w, n, 2, &o, NULL) < 0)
		return fail("update", "usage: update H [out J] [in J]");
	if (update_from_wire(handles[hi].h, &o, &sas, err_text, sizeof(err_text)))
		return fail("update", err_text);
	snprintf(extra, sizeof(extra), "\"sas\":%u", sas);
	done(t0w, t0, extra);
}

static void cmd_vip(char **w, int n)
{
	double t0w = wall(), t0 = mono_us();
	const char *step = "";
	int from, to, err;

	if (n != 5)
		return fail("vip", "usage: vip FROM TO DEV ADDR");
	from = find(w[1]);
	to = find(w[2]);
	if (from < 0 || to < 0)
		return fail("vip", "unknown handle");
	err = vip_move(&handles[from].vip, &handles[to].vip, w[3], w[4], &step);
	if (err)
		return fail(step, strerror(-err));
	done(t0w, t0, "");
}

/*
 * The planned hand-over as an HA daemon runs it, onto SAs imported staged
 * on TO beforehand (same keys; only the counters are still to come). From
 * the freeze on, nothing passes until TO thaws: this is the gap.
 *
 * The VIP's three steps are placed so that only the announcement is inside
 * it: TO takes the address before the freeze (the peer still sends to
 * FROM's MAC, nothing changes), announces it right after FROM's frozen
 * export, while its counters move and its SAs thaw in one request, and
 * FROM drops the address after (nothing waits for that). The peer may turn
 * to TO before the thaw: until the update thaws them TO's SAs are staged
 * (ERROR, as FROM's frozen ones are), so what reaches TO early is dropped
 * before the replay check, never accepted against a window older than
 * FROM's final one; it would have been dropped at FROM as well.
 *
 * "serial" is the order the first version measured: export, update with
 * thaw, then the whole move (address, announcement, removal).
 */
static void cmd_handover(char **w, int n)
{
	struct xfrmctx_import_opts o = { .flags = XFRM_CTX_F_THAW };
	double t0w, t0, ta, tb, tc, td, te;
	char err_text[XFRMCTX_ERRLEN], extra[320];
	struct vip_socks *from_vip, *to_vip;
	const char *dev, *addr, *step = "";
	struct xfrmctx_target t;
	uint32_t sas = 0, upd = 0;
	int from, to, at, err, serial;

	from = n > 2 ? find(w[1]) : -1;
	to = n > 2 ? find(w[2]) : -1;
	at = from < 0 || to < 0 ? -1 : parse_target(w, n, 3, &t);
	if (at > 0)
		at = parse_jumps(w, n, at, &o, "vip");
	serial = at > 0 && at + 4 == n && !strcmp(w[n - 1], "serial");
	if (at < 0 || !t.has_reqid || at + 3 + serial != n)
		return fail("handover",
			    "usage: handover FROM TO reqid R [out J] [in J] vip DEV ADDR [serial]");
	from_vip = &handles[from].vip;
	to_vip = &handles[to].vip;
	dev = w[at + 1];
	addr = w[at + 2];

	ta = mono_us();
	err = serial ? 0 : vip_add(to_vip, dev, addr, &step);
	if (err)
		return fail(step, strerror(-err));
	t0w = wall();
	t0 = mono_us();
	err = snapshot(handles[from].h, &t, XFRM_CTX_F_FREEZE, 30, 0, &sas, NULL);
	if (err)
		return fail("handover: export", xfrmctx_strerror(handles[from].h, err));
	tb = mono_us();
	err = serial ? 0 : vip_announce(to_vip, dev, addr, &step);
	if (err)
		return fail(step, strerror(-err));
	tc = mono_us();
	if (update_from_wire(handles[to].h, &o, &upd, err_text, sizeof(err_text)))
		return fail("handover: update", err_text);
	td = mono_us();
	err = serial ? vip_move(from_vip, to_vip, dev, addr, &step) :
		       vip_del(from_vip, dev, addr, &step);
	if (err)
		return fail(step, strerror(-err));
	te = mono_us();
	if (serial)
		snprintf(extra, sizeof(extra),
			 "\"sas\":%u,\"updated\":%u,\"bytes\":%zu,\"serial\":true,"
			 "\"export_us\":%.0f,\"update_us\":%.0f,\"vip_us\":%.0f",
			 sas, upd, wire_len, tb - t0, td - tc, te - td);
	else
		snprintf(extra, sizeof(extra),
			 "\"sas\":%u,\"updated\":%u,\"bytes\":%zu,\"serial\":false,"
			 "\"address_us\":%.0f,\"export_us\":%.0f,\"announce_us\":%.0f,"
			 "\"update_us\":%.0f,\"release_address_us\":%.0f",
			 sas, upd, wire_len, t0 - ta, tb - t0, tc - tb, td - tc, te - td);
	done(t0w, t0, extra);
}

static void cmd_simple(int hi, const char *verb, char **w, int n)
{
	struct xfrmctx *h = handles[hi].h;
	struct xfrmctx_target t;
	double t0w = wall(), t0 = mono_us();
	uint32_t count = 0, lease = 0;
	char extra[32];
	int at, err;

	at = parse_target(w, n, 2, &t);
	if (at < 0 || !t.has_reqid)
		return fail(verb, "usage: VERB H reqid R");
	if (at + 1 < n && !strcmp(w[at], "lease"))
		lease = strtoul(w[at + 1], NULL, 0);
	if (!strcmp(verb, "freeze"))
		err = xfrmctx_freeze(h, &t, lease, 0, &count);
	else if (!strcmp(verb, "thaw"))
		err = xfrmctx_thaw(h, &t, &count);
	else
		err = xfrmctx_release(h, &t, &count);
	if (err)
		return fail(verb, xfrmctx_strerror(h, err));
	snprintf(extra, sizeof(extra), "\"sas\":%u", count);
	done(t0w, t0, extra);
}

/* XFRM_MSG_DELSA for every SA of the last snapshot. */
static void cmd_delete(int hi)
{
	struct xfrmctx_record r = { 0 };
	struct xfrmctx_sa *sa = malloc(sizeof(*sa));
	double t0w = wall(), t0 = mono_us();
	char err[XFRMCTX_ERRLEN], extra[32], buf[4096];
	uint32_t count = 0;
	int fd = handles[hi].xfrm_fd;

	if (!snap || !sa || fd < 0) {
		free(sa);
		return fail("delete", "nothing exported, or no XFRM socket");
	}
	while (xfrmctx_ctx_next(snap, &r) > 0) {
		struct {
			struct nlmsghdr n;
			struct xfrm_usersa_id id;
		} req;

		if (r.type != XFRMCTX_REC_SA || xfrmctx_sa_decode(r.data, r.len, sa, err, sizeof(err)))
			continue;
		memset(&req, 0, sizeof(req));
		req.n.nlmsg_len = sizeof(req);
		req.n.nlmsg_type = XFRM_MSG_DELSA;
		req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		req.n.nlmsg_seq = ++count;
		req.id.daddr = sa->daddr;
		req.id.spi = htonl(sa->spi);
		req.id.family = sa->family;
		req.id.proto = sa->proto;
		if (send(fd, &req, sizeof(req), 0) < 0 || recv(fd, buf, sizeof(buf), 0) < 0) {
			free(sa);
			return fail("delete", strerror(errno));
		}
	}
	free(sa);
	snprintf(extra, sizeof(extra), "\"sas\":%u", count);
	done(t0w, t0, extra);
}

int main(void)
{
	char line[1024];

	while (fgets(line, sizeof(line), stdin)) {
		char *w[16], *save = NULL, *p;
		int n = 0, hi;

		for (p = strtok_r(line, " \t\n", &save); p && n < 16; p = strtok_r(NULL, " \t\n", &save))
			w[n++] = p;
		if (!n)
			continue;
		if (!strcmp(w[0], "quit"))
			break;
		if (!strcmp(w[0], "open")) {
			cmd_open(w, n);
			continue;
		}
		if (!strcmp(w[0], "vip")) {
			cmd_vip(w, n);
			continue;
		}
		if (!strcmp(w[0], "handover")) {
			cmd_handover(w, n);
			continue;
		}
		hi = n > 1 ? find(w[1]) : -1;
		if (hi < 0) {
			fail(w[0], "unknown handle");
			continue;
		}
		if (!strcmp(w[0], "export"))
			cmd_export(hi, w, n);
		else if (!strcmp(w[0], "import"))
			cmd_import(hi, w, n);
		else if (!strcmp(w[0], "freeze") || !strcmp(w[0], "thaw") || !strcmp(w[0], "release"))
			cmd_simple(hi, w[0], w, n);
		else if (!strcmp(w[0], "update"))
			cmd_update(hi, w, n);
		else if (!strcmp(w[0], "delete"))
			cmd_delete(hi);
		else
			fail(w[0], "unknown command");
	}
	return 0;
}
