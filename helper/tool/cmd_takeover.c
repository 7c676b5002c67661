// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xfrmctx takeover --dir DIR: make this node carry the tunnels of its peer,
 * from what `xfrmctx serve` received from it.
 *
 *  1. Planned: the peer handed its SAs over (a frozen export, imported
 *     staged by serve --import): thaw them. Exact counters, no guess.
 *  2. While the peer looks alive (a message within --alive seconds, no
 *     goodbye), wait up to --wait seconds for such a hand-over.
 *  3. Crash: import the last snapshot with the outbound counters moved
 *     ahead by the jump sized from the measured packet rate (see
 *     channel_jump.c and Documentation/ha.rst), printed with its terms.
 *     SAs that exist here already are updated (forward only) instead.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include "ha.h"
#include "parse.h"
#include "sa.h"
#include "xfrmctx.h"

#define TAKEOVER_OPTS (HA_DIR | HA_FROM | HA_SEAL | HA_JUMP | HA_WAIT | HA_THRESHOLD)

static const char takeover_usage[] =
	"Usage: xfrmctx [-j] takeover --dir DIR [--from ID] [--seal KEYFILE]\n"
	"                    [--factor F] [--floor N] [--threshold N] [--in-jump N]\n"
	"                    [--wait S] [--alive S]\n"
	"Carry the tunnels of peer ID (default: the only peer in DIR). A hand-over the\n"
	"peer pushed and serve imported staged is thawed. Else, while the peer looks\n"
	"alive (a message within --alive S, default 2.5), wait up to --wait S (default\n"
	"3) for one. Else import its last snapshot with\n"
	"  out-jump = max(floor, ceil(peak_pps x age_s x factor))\n"
	"peak_pps: highest packet rate between its last snapshots; age_s: seconds since\n"
	"the last one arrived; factor default 2; floor default the sync threshold\n"
	"(--threshold, default 256). SAs that exist here are updated instead.\n";

/* The only peer directory, when --from is not given. */
static int only_peer(const char *dir, char *id, size_t idlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (e->d_name[0] == '.' || e->d_type != DT_DIR || !xc_valid_id(e->d_name, l) || l >= idlen)
			continue;
		if (!n++)
			memcpy(id, e->d_name, l + 1);
	}
	closedir(d);
	return n;
}

struct result {
	const char *mode;	/* planned, crash, nothing */
	char from[XC_PSK_ID_MAX + 1];
	uint32_t thawed, imported, updated, policies;
	double age_s, peak_pps, waited_s;
	uint64_t out_jump, in_jump, floor;
	double factor;
	uint64_t snap_seq;
};

static void print_result(const struct result *r)
{
	struct jw w;

	if (opt_json) {
		jw_init(&w, stdout, opt_pretty);
		jw_obj_open(&w, NULL);
		jw_str(&w, "mode", r->mode);
		jw_str(&w, "from", r->from);
		if (!strcmp(r->mode, "planned")) {
			jw_u64(&w, "thawed", r->thawed);
		} else if (!strcmp(r->mode, "crash")) {
			char num[32];

			snprintf(num, sizeof(num), "%.3f", r->age_s);
			jw_str(&w, "age_s", num);
			snprintf(num, sizeof(num), "%.3f", r->peak_pps);
			jw_str(&w, "peak_pps", num);
			snprintf(num, sizeof(num), "%.2f", r->factor);
			jw_str(&w, "factor", num);
			jw_u64(&w, "floor", r->floor);
			jw_u64(&w, "out_jump", r->out_jump);
			jw_u64(&w, "in_jump", r->in_jump);
			jw_u64(&w, "snapshot_seq", r->snap_seq);
			jw_u64(&w, "imported", r->imported);
			jw_u64(&w, "updated", r->updated);
			jw_u64(&w, "policies", r->policies);
		}
		{
			char num[32];

			snprintf(num, sizeof(num), "%.3f", r->waited_s);
			jw_str(&w, "waited_s", num);
		}
		jw_obj_close(&w);
		jw_end(&w);
		return;
	}
	if (!strcmp(r->mode, "planned"))
		printf("planned hand-over from %s: thawed %u SA%s\n", r->from, r->thawed,
		       r->thawed == 1 ? "" : "s");
	else if (!strcmp(r->mode, "crash"))
		printf("take-over from %s's snapshot (seq %llu, %.2f s old): out-jump %llu = max(floor %llu, ceil(peak %.1f pps x %.2f s x factor %.2f)), in-jump %llu; imported %u SA%s, updated %u, %u polic%s\n",
		       r->from, (unsigned long long)r->snap_seq, r->age_s, (unsigned long long)r->out_jump,
		       (unsigned long long)r->floor, r->peak_pps, r->age_s, r->factor,
		       (unsigned long long)r->in_jump, r->imported, r->imported == 1 ? "" : "s",
		       r->updated, r->policies, r->policies == 1 ? "y" : "ies");
	else
		printf("nothing to take over from %s: no snapshot received\n", r->from);
}

static int planned(struct xfrmctx *h, const char *pdir, const struct ha_args *a,
		   const struct xc_keyring *seal, struct result *res)
{
	struct xfrmctx_sa_id *ids = NULL;
	struct xfrmctx_ctx *c;
	char path[700], err[512];
	size_t n;

	snprintf(path, sizeof(path), "%s/handover.ctx", pdir);
	if (xc_ctx_load(path, a->seal ? seal : NULL, &c, err, sizeof(err))) {
		ha_log("takeover", "%s", err);
		return -1;
	}
	if (ha_ctx_ids(c, &ids, &n)) {
		xfrmctx_ctx_free(c);
		return -1;
	}
	res->thawed = ha_thaw_ids(h, ids, n);
	res->mode = "planned";
	free(ids);
	xfrmctx_ctx_free(c);
	return 0;
}

/* Which SAs of c exist here: split c into one context to import and one
 * to update (both keep c's META; policies go with the import). */
static int split_existing(struct xfrmctx *h, const struct xfrmctx_ctx *c, struct xfrmctx_ctx **imp,
			  struct xfrmctx_ctx **upd)
{
	struct xfrmctx_sa_id *here = NULL, id;
	struct xfrmctx_sa *sa = malloc(sizeof(*sa));
	struct xfrmctx_record r = { 0 };
	struct xfrmctx_ctx *local = xfrmctx_ctx_new();
	struct xfrmctx_target all = { 0 };
	char err[XFRMCTX_ERRLEN];
	size_t n_here = 0, i;
	uint32_t cnt;
	int ret = -ENOMEM;

	*imp = xfrmctx_ctx_new();
	*upd = xfrmctx_ctx_new();
	if (!sa || !local || !*imp || !*upd)
		goto out;
	ret = xfrmctx_export(h, &all, 0, 0, local, &cnt);
	if (ret)
		goto out;
	ret = ha_ctx_ids(local, &here, &n_here);
	if (ret)
		goto out;
	while (xfrmctx_ctx_next(c, &r) > 0) {
		struct xfrmctx_ctx *to = *imp;

		if (r.type == XFRMCTX_REC_SA && !xfrmctx_sa_decode(r.data, r.len, sa, err, sizeof(err))) {
			xfrmctx_sa_get_id(sa, &id);
			for (i = 0; i < n_here; i++)
				if (here[i].spi == id.spi && here[i].proto == id.proto &&
				    here[i].family == id.family &&
				    !memcmp(&here[i].daddr, &id.daddr, sizeof(id.daddr)))
					to = *upd;
			/* An SA whose hard lifetime ended since the snapshot is dead
			 * on the crashed node too: the module would refuse it, and
			 * with it the whole import. It is not carried. */
			if (to == *imp &&
			    xc_sa_lifetime(sa, xc_sa_since(r.data, r.len, time(NULL)), err,
					   sizeof(err)) == -EKEYEXPIRED) {
				ha_log("takeover", "%s: not carried", err);
				continue;
			}
		}
		if (r.type == XFRMCTX_REC_META)
			ret = xfrmctx_ctx_append(*upd, r.type, r.flags, r.data, r.len);
		if (!ret)
			ret = xfrmctx_ctx_append(to, r.type, r.flags, r.data, r.len);
		if (ret)
			goto out;
	}
out:
	if (sa)
		memset(sa, 0, sizeof(*sa));
	free(sa);
	free(here);
	xfrmctx_ctx_free(local);
	return ret;
}

static int crash(struct xfrmctx *h, const char *pdir, const struct ha_args *a,
		 const struct xc_keyring *seal, const struct xc_peer_state *st, struct result *res)
{
	struct xfrmctx_import_opts o = { 0 };
	struct xfrmctx_ctx *c = NULL, *imp = NULL, *upd = NULL;
	struct xfrmctx_sa_id *ids = NULL;
	struct xc_jump_params jp = { .factor = a->factor, .floor = a->floor };
	char path[700], err[512];
	size_t n;
	int ret;

	snprintf(path, sizeof(path), "%s/snapshot.ctx", pdir);
	if (xc_ctx_load(path, a->seal ? seal : NULL, &c, err, sizeof(err))) {
		ha_log("takeover", "%s", err);
		return -1;
	}
	res->mode = "crash";
	res->snap_seq = st->snap_seq;
	res->peak_pps = xc_rate_peak(st);
	res->age_s = (double)(xc_epoch_ms() - st->snap_received_ms) / 1000.0;
	if (res->age_s < 0)
		res->age_s = 0;
	res->factor = jp.factor;
	res->floor = jp.floor;
	res->out_jump = xc_jump_compute(res->peak_pps, res->age_s, &jp);
	res->in_jump = a->in_jump;
	o.out_jump = res->out_jump;
	o.in_jump = res->in_jump;
	ret = split_existing(h, c, &imp, &upd);
	if (ret) {
		ha_log("takeover", "reading the SAs here: %s", xfrmctx_strerror(h, ret));
		goto out;
	}
	if (xfrmctx_ctx_count(imp, XFRMCTX_REC_POLICY)) {
		ret = xfrmctx_policy_import(h, imp, XFRMCTX_POLICY_REPLACE, &res->policies);
		if (ret) {
			ha_log("takeover", "import of the policies: %s", xfrmctx_strerror(h, ret));
			goto out;
		}
	}
	if (xfrmctx_ctx_count(imp, XFRMCTX_REC_SA)) {
		ret = xfrmctx_import(h, imp, &o, &res->imported);
		if (ret) {
			ha_log("takeover", "import: %s", xfrmctx_strerror(h, ret));
			goto out;
		}
	}
	if (xfrmctx_ctx_count(upd, XFRMCTX_REC_SA)) {
		ret = xfrmctx_update(h, upd, &o, &res->updated);
		if (ret) {
			ha_log("takeover", "update of the SAs already here: %s", xfrmctx_strerror(h, ret));
			goto out;
		}
		/* Left frozen by a staged import that was never thawed? */
		if (!ha_ctx_ids(upd, &ids, &n))
			ha_thaw_ids(h, ids, n);
	}
	ret = 0;
out:
	free(ids);
	xfrmctx_ctx_free(c);
	xfrmctx_ctx_free(imp);
	xfrmctx_ctx_free(upd);
	return ret ? -1 : 0;
}

int cmd_takeover(int argc, char **argv)
{
	struct xc_keyring seal = { 0 };
	struct result res = { .mode = "nothing" };
	struct xc_peer_state st;
	struct xfrmctx *h = NULL;
	struct ha_args a;
	char pdir[600], err[512];
	uint64_t start = xc_epoch_ms();
	int rc = XC_EXIT_FAIL, lock = -1, n;

	if (argc == 1 && !strcmp(argv[0], "help")) {
		fputs(takeover_usage, stdout);
		return 0;
	}
	if (parse_ha_args("takeover", TAKEOVER_OPTS, argc, argv, &a) ||
	    ha_require("takeover", &a, HA_DIR))
		return usage_error(usage_msg);
	if (a.from) {
		if (!xc_valid_id(a.from, strlen(a.from)))
			return usage_error("argument \"--from\" is wrong: not an identity");
		snprintf(res.from, sizeof(res.from), "%s", a.from);
	} else {
		n = only_peer(a.dir, res.from, sizeof(res.from));
		if (n < 0) {
			snprintf(err, sizeof(err), "cannot read %s: %s", a.dir, strerror(-n));
			return op_error("takeover", err);
		}
		if (n == 0) {
			printf("nothing to take over: no peer has sent anything to %s\n", a.dir);
			return 0;
		}
		if (n > 1) {
			snprintf(err, sizeof(err), "%s holds %d peers; name one with --from", a.dir, n);
			return op_error("takeover", err);
		}
	}
	snprintf(pdir, sizeof(pdir), "%s/%s", a.dir, res.from);
	if (a.seal && xc_keyring_load(a.seal, &seal, err, sizeof(err)))
		return op_error("takeover", err);
	if (ha_open("takeover", &h))
		goto out;
	for (;;) {
		uint64_t now;
		int alive;

		lock = xc_peer_lock(pdir, err, sizeof(err));
		if (lock < 0 || xc_peer_state_load(pdir, &st, err, sizeof(err))) {
			rc = op_error("takeover", err);
			goto out;
		}
		now = xc_epoch_ms();
		res.waited_s = (double)(now - start) / 1000.0;
		if (st.handover_imported && !st.handover_used && st.handover_received_ms > st.takeover_ms) {
			if (planned(h, pdir, &a, &seal, &res))
				goto out;
			st.handover_used = 1;
			break;
		}
		alive = st.last_msg_ms && now < st.last_msg_ms + (uint64_t)(a.alive * 1000) &&
			!st.sync_closed;
		if (alive && now < start + (uint64_t)(a.wait * 1000)) {
			close(lock);
			lock = -1;
			usleep(100000);
			continue;
		}
		if (!st.snap_received_ms)
			break;
		if (alive)
			ha_log("takeover", "%s still looks alive but handed nothing over within %.1f s: taking over from its snapshot; its next snapshot is refused so that it releases its SAs",
			       res.from, a.wait);
		if (crash(h, pdir, &a, &seal, &st, &res))
			goto out;
		st.takeover_ms = now;
		break;
	}
	if (strcmp(res.mode, "nothing") && xc_peer_state_save(pdir, &st, err, sizeof(err)))
		ha_log("takeover", "%s", err);
	print_result(&res);
	rc = 0;
out:
	if (lock >= 0)
		close(lock);
	xfrmctx_close(h);
	xc_keyring_free(&seal);
	return rc;
}
