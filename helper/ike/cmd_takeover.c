// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xfrmctx-ike takeover: the standby takes a tunnel over from a container
 * the active node's recorder wrote, in one process so that nothing but the
 * work itself sits between the steps:
 *
 *   1. replay the IKE_SA records into the standby charon (it holds them
 *      passive and installs each CHILD_SA's SAs in its kernel);
 *   2. apply the recorded counters onto those SAs with the module's
 *      counters-only update, with a jump per SA: none for an SA that was
 *      frozen when it was exported (a planned hand-over: exact counters),
 *      sized from the recorded packet rate and the snapshot's age otherwise
 *      (a crash; ike_rate.h gives the formula); every number is printed,
 *      and the counter the kernel holds afterwards (read back);
 *   3. run --run CMD (move the tunnel's address here);
 *   4. activate charon's segments through its HA FIFO: from now on it
 *      answers, rekeys and runs DPD.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include "ike_cmd.h"
#include "ike_rate.h"
#include "ike_rec.h"
#include "ike_replay.h"
#include "ike_standby.h"

/* One SA to update: where its snapshot is, and which way it carries. */
struct plan {
	struct xfrmctx_record rec;	/* the SA record in the container */
	uint16_t family;
	uint8_t daddr[16];
	uint32_t spi;
	int out;			/* outbound: the peer is its destination */
	int frozen;
	uint64_t oseq, seq;
	const char *config;
};

struct opts {
	const char *file, *run;
	struct xc_jump_params jp;
	unsigned long planned_jump;
	int activate;
	uint64_t frozen_until_ms;	/* from the recorder's record; 0: unknown */
};

static int parse_double(const char *o, const char *v, double *out)
{
	char *end;

	if (!v) {
		xc_err("%s needs a value", o);
		return -1;
	}
	*out = strtod(v, &end);
	if (end == v || *end || !(*out >= 1.0) || *out > 1000.0) {
		xc_err("%s \"%s\": expected a number from 1 to 1000", o, v);
		return -1;
	}
	return 0;
}

static int parse_args(struct opts *o, struct xc_standby *r, int argc, char **argv)
{
	const char *listen = NULL, *charon = NULL;
	unsigned long floor = XC_IKE_JUMP_FLOOR;
	int i, n;

	o->jp.factor = XC_JUMP_FACTOR;
	o->jp.in_factor = XC_JUMP_IN_FACTOR;
	o->activate = 1;
	for (i = 0; i < argc; i += n) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		n = xc_standby_opt(r, a, v, &listen, &charon);
		if (n < 0)
			return -1;
		if (n)
			continue;
		n = 2;
		if (!strcmp(a, "--file") && v) {
			o->file = v;
		} else if (!strcmp(a, "--run") && v) {
			o->run = v;
		} else if (!strcmp(a, "--factor")) {
			if (parse_double(a, v, &o->jp.factor))
				return -1;
		} else if (!strcmp(a, "--in-factor")) {
			if (parse_double(a, v, &o->jp.in_factor))
				return -1;
		} else if (!strcmp(a, "--floor")) {
			if (xc_opt_uint(a, v, 1ul << 31, &floor))
				return -1;
		} else if (!strcmp(a, "--jump")) {
			if (xc_opt_uint(a, v, 1ul << 31, &o->planned_jump))
				return -1;
		} else if (!strcmp(a, "--no-activate")) {
			o->activate = 0;
			n = 1;
		} else {
			xc_err("takeover: unknown or incomplete option \"%s\"; try \"xfrmctx-ike takeover help\"", a);
			return -1;
		}
	}
	o->jp.floor = floor;
	if (!o->file) {
		xc_err("takeover: --file is required");
		return -1;
	}
	return xc_standby_addrs(r, "takeover", listen, charon);
}

/* Find the SA record (family, daddr, spi, ESP) in c. */
static int find_sa(const struct xfrmctx_ctx *c, struct xfrmctx_sa *sa, struct plan *p)
{
	struct xfrmctx_record r = { 0 };
	char err[XFRMCTX_ERRLEN];
	size_t alen = p->family == AF_INET ? 4 : 16;

	while (xfrmctx_ctx_next(c, &r) > 0) {
		if (r.type != XFRMCTX_REC_SA)
			continue;
		if (xfrmctx_sa_decode(r.data, r.len, sa, err, sizeof(err))) {
			xc_err("takeover: SA record at offset %zu: %s", r.offset, err);
			return -1;
		}
		if (sa->family == p->family && sa->spi == p->spi && sa->proto == IPPROTO_ESP &&
		    !memcmp(&sa->daddr, p->daddr, alen)) {
			p->rec = r;
			p->frozen = sa->frozen;
			p->oseq = xfrmctx_sa_oseq(sa);
			p->seq = xfrmctx_sa_seq(sa);
			return 1;
		}
	}
	return 0;
}

/* The SAs of every CHILD_SA the replay rebuilds, with their snapshots. */
static int make_plan(const struct xfrmctx_ctx *c, const struct xc_store *s,
		     struct plan **plans, unsigned int *n, unsigned int *missing)
{
	struct xfrmctx_sa *sa = malloc(sizeof(*sa));
	const struct xc_child *ch;
	unsigned int cap = 0;
	int rc = 0, dir;

	*plans = NULL;
	*n = *missing = 0;
	if (!sa)
		return -1;
	for (ch = s->children; ch && !rc; ch = ch->next) {
		const struct xc_ike *ike = xc_store_child_owner(s, ch);

		if (!ike || !ike->updated || !ike->has_local || !ike->has_remote)
			continue;
		for (dir = 0; dir < 2 && !rc; dir++) {
			const struct xc_ha_host *h = dir ? &ike->remote : &ike->local;
			struct plan p = { .out = dir, .spi = dir ? ch->spi_out : ch->spi_in,
					  .config = ch->config };
			int found;

			p.family = h->family == XC_HA_AF_INET ? AF_INET : AF_INET6;
			memcpy(p.daddr, h->addr, xc_ha_af_len(h->family));
			found = find_sa(c, sa, &p);
			if (found < 0) {
				rc = -1;
				break;
			}
			if (!found) {
				xc_log("warning: no kernel snapshot of CHILD_SA %s's %s SA spi 0x%08x: its counters start where charon puts them",
				       ch->config, dir ? "outbound" : "inbound", p.spi);
				(*missing)++;
				continue;
			}
			if (*n == cap) {
				struct plan *np;

				cap = cap ? cap * 2 : 8;
				np = realloc(*plans, cap * sizeof(*np));
				if (!np) {
					rc = -1;
					break;
				}
				*plans = np;
			}
			(*plans)[(*n)++] = p;
		}
	}
	explicit_bzero(sa, sizeof(*sa));
	free(sa);
	return rc;
}

/* The counter of p's direction as the kernel holds it now. */
static int read_back(struct xfrmctx *h, const struct plan *p, uint64_t *counter)
{
	struct xfrmctx_sa_id id = { .family = p->family, .spi = p->spi, .has_spi = 1,
				    .proto = IPPROTO_ESP, .has_proto = 1 };
	struct xfrmctx_target t = { .id = &id };
	struct xfrmctx_ctx *k = xfrmctx_ctx_new();
	struct xfrmctx_sa *sa = malloc(sizeof(*sa));
	struct xfrmctx_record r = { 0 };
	char err[XFRMCTX_ERRLEN];
	uint32_t count = 0;
	int rc = -1;

	memcpy(&id.daddr, p->daddr, p->family == AF_INET ? 4 : 16);
	if (k && sa && !xfrmctx_export(h, &t, 0, 0, k, &count) && count == 1) {
		while (xfrmctx_ctx_next(k, &r) > 0) {
			if (r.type != XFRMCTX_REC_SA || xfrmctx_sa_decode(r.data, r.len, sa, err, sizeof(err)))
				continue;
			*counter = p->out ? xfrmctx_sa_oseq(sa) : xfrmctx_sa_seq(sa);
			rc = 0;
		}
	}
	if (sa)
		explicit_bzero(sa, sizeof(*sa));
	free(sa);
	xfrmctx_ctx_free(k);
	return rc;
}

/* Size the jump of one SA now and apply its counters. */
static int update_one(struct xfrmctx *h, const struct xfrmctx_ctx *c, const struct plan *p,
		      const struct opts *o)
{
	struct xfrmctx_import_opts io = { 0 };
	struct xfrmctx_ctx *one = xfrmctx_ctx_new();
	char why[XFRMCTX_ERRLEN];
	struct xc_rate rate;
	struct xc_jump j;
	uint32_t count = 0;
	uint64_t now;
	int found, err, exact;

	if (!one)
		return -ENOMEM;
	found = xc_rate_find(c, p->family, p->daddr, p->spi, IPPROTO_ESP, &rate, why, sizeof(why));
	if (found < 0) {
		xc_err("takeover: %s", why);
		xfrmctx_ctx_free(one);
		return -EINVAL;
	}
	now = (uint64_t)xc_wall_ms();
	xc_jump_size(found ? &rate : NULL, now, &o->jp, &j);
	exact = p->frozen;
	if (exact && o->frozen_until_ms && now >= o->frozen_until_ms) {
		/* The module keeps an exported SA frozen past its lease (only
		 * a thaw or release ends it), but the old node's operator may
		 * have thawed it by hand since: past the lease, a jump sized
		 * from its rate costs little and covers that. */
		xc_log("warning: SA spi 0x%08x was exported frozen with a lease that ended %llu ms ago: the jump is sized from its rate",
		       p->spi, (unsigned long long)(now - o->frozen_until_ms));
		exact = 0;
	}
	if (exact) {
		io.out_jump = p->out ? o->planned_jump : 0;
		io.in_jump = p->out ? 0 : o->planned_jump;
	} else {
		io.out_jump = p->out ? j.out : 0;
		io.in_jump = p->out ? 0 : j.in;
	}
	printf("counters %s spi 0x%08x dir %s oseq %llu seq %llu frozen %s",
	       p->config, p->spi, p->out ? "out" : "in", (unsigned long long)p->oseq,
	       (unsigned long long)p->seq, exact ? "yes" : p->frozen ? "ended" : "no");
	if (exact) {
		printf(" jump %llu", (unsigned long long)(p->out ? io.out_jump : io.in_jump));
	} else if (!found || !j.rate_known) {
		printf(" age_ms %llu rate unknown floor %llu jump %llu",
		       (unsigned long long)j.age_ms, (unsigned long long)o->jp.floor,
		       (unsigned long long)(p->out ? io.out_jump : io.in_jump));
	} else {
		double last = p->out ? j.last_out_pps : j.last_in_pps;

		printf(" age_ms %llu pps %.1f last_pps ", (unsigned long long)j.age_ms,
		       p->out ? j.out_pps : j.in_pps);
		if (last >= 0)
			printf("%.1f", last);
		else
			printf("-");
		printf(" peak_pps %llu", (unsigned long long)(p->out ? rate.peak_out : rate.peak_in));
		if (p->out)
			printf(" factor %.2f floor %llu jump %llu", o->jp.factor,
			       (unsigned long long)o->jp.floor, (unsigned long long)io.out_jump);
		else
			printf(" factor %.2f jump %llu", o->jp.in_factor,
			       (unsigned long long)io.in_jump);
	}
	err = xfrmctx_ctx_append(one, XFRMCTX_REC_SA, p->rec.flags, p->rec.data, p->rec.len);
	if (!err)
		err = xfrmctx_update(h, one, &io, &count);
	if (err) {
		printf("\n");
		xc_err("takeover: the module refused the counters of SA spi 0x%08x: %s", p->spi,
		       xfrmctx_strerror(h, err));
	} else {
		/* what the SA holds now, read back from the kernel */
		uint64_t now_counter;

		if (!read_back(h, p, &now_counter))
			printf(" now %llu\n", (unsigned long long)now_counter);
		else
			printf(" now ?\n");
	}
	fflush(stdout);
	xfrmctx_ctx_free(one);
	return err;
}

static int run_cmd(const char *cmd)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		xc_err("takeover: --run: fork: %s", strerror(errno));
		return -1;
	}
	if (!pid) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		xc_err("takeover: --run \"%s\" failed (status %d)", cmd,
		       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return -1;
	}
	return 0;
}

int cmd_takeover(int argc, char **argv)
{
	struct xc_recorder_info m;
	struct xc_replay_stats st;
	struct xfrmctx *h = NULL;
	struct xfrmctx_ctx *c = NULL;
	struct plan *plans = NULL;
	struct xc_standby r;
	struct xc_store s;
	struct opts o;
	char why[XFRMCTX_ERRLEN];
	unsigned int n = 0, missing = 0, i;
	int64_t t0, t_sent, t_kernel, t_counters, t_run, t_active, age;
	int err, rc = 1;

	memset(&o, 0, sizeof(o));
	xc_standby_init(&r);
	if (parse_args(&o, &r, argc, argv))
		return 2;
	if (xc_read_ike_context("takeover", o.file, &c, &s))
		return 1;
	if (xc_recorder_get(c, &m, why, sizeof(why))) {
		xc_err("takeover: %s: %s", o.file, why);
		goto out;
	}
	age = m.present ? xc_wall_ms() - (int64_t)m.written_ms : -1;
	if (m.present)
		xc_log("context serial %llu (%s) from %s, written %lld ms ago: %u SAs, %u not in the kernel then",
		       (unsigned long long)m.serial, xc_trigger_name(m.trigger), m.source,
		       (long long)age, m.sas, m.missing);
	o.frozen_until_ms = m.frozen_until_ms;
	if (m.kernel_error[0]) {
		xc_err("takeover: %s has no kernel half (%s); `xfrmctx-ike replay --activate` takes the IKE half alone",
		       o.file, m.kernel_error);
		goto out;
	}
	err = xfrmctx_open(&h);
	if (err) {
		xc_err("takeover: the counters need the xfrm_ctx module: %s", xfrmctx_strerror(NULL, err));
		goto out;
	}
	if (make_plan(c, &s, &plans, &n, &missing))
		goto out;
	if (!xc_addr_is_loopback(&r.charon))
		xc_log("warning: replaying key material over the network; run the take-over on the standby itself (loopback)");
	if (xc_standby_open(&r, "takeover"))
		goto out;
	/* the HA protocol version charon speaks, outside the timed path */
	if (xc_standby_version(&r) < 0)
		goto out;

	t0 = xc_now_ms();
	if (xc_replay_into(&r, &s, 1, &st, t0, &t_sent, &t_kernel))
		goto out;
	for (i = 0; i < n; i++)
		if (update_one(h, c, &plans[i], &o))
			goto out;
	t_counters = xc_now_ms();
	xc_log("counters of %u SAs applied after %lld ms", n, (long long)(t_counters - t0));
	t_run = t_counters;
	if (o.run) {
		if (run_cmd(o.run))
			goto out;
		t_run = xc_now_ms();
	}
	t_active = t_run;
	if (o.activate) {
		if (xc_standby_activate(&r, xc_now_ms() + (int64_t)r.timeout * 1000))
			goto out;
		t_active = xc_now_ms();
		xc_log("charon activated segments 1..%lu after %lld ms", r.segments,
		       (long long)(t_active - t0));
	}
	printf("takeover ike_sas %u children %u sas %u missing %u messages %u sent_ms %lld kernel_ms %lld counters_ms %lld run_ms %lld active_ms %lld snapshot_age_ms %lld\n",
	       st.ike_sas, st.children, n, missing, st.messages, (long long)(t_sent - t0),
	       (long long)(t_kernel - t0), (long long)(t_counters - t0), (long long)(t_run - t0),
	       o.activate ? (long long)(t_active - t0) : -1LL, (long long)age);
	rc = 0;
out:
	xc_standby_close(&r);
	free(plans);
	xfrmctx_close(h);
	xc_store_free(&s);
	xfrmctx_ctx_free(c);
	return rc;
}
