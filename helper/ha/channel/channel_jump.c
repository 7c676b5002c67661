// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The outbound jump of a take-over after a crash. The standby holds the
 * active node's last snapshot; the dead node may have sent packets after
 * it, numbered above the snapshot's counter. The standby must start above
 * all of them, or the peer drops its packets as replays and, worse, an AEAD
 * nonce (the sequence number) is used twice under the same key. It knows
 * the packet rate of the last intervals between snapshots and how long ago
 * the last one arrived:
 *
 *     jump = max(floor, ceil(peak_pps * age_s * factor))
 *
 * peak_pps: the highest rate of the last XC_RATE_HISTORY intervals, rate
 * being the largest advance of any outbound counter per second; age_s: now
 * minus the arrival of the last snapshot (it includes the time to detect
 * the failure, during which a dead node sends nothing: a margin); factor
 * (default 2) covers a burst above the peak; floor (default the sync
 * threshold) covers an idle tunnel that starts sending right after a
 * snapshot: below the threshold no event triggers the next one before the
 * period ends.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"

double xc_rate_peak(const struct xc_peer_state *s)
{
	double peak = 0;
	unsigned int i;

	for (i = 0; i < s->n_rate; i++)
		if (s->rate[i] > peak)
			peak = s->rate[i];
	return peak;
}

void xc_rate_push(struct xc_peer_state *s, double pps)
{
	if (s->n_rate == XC_RATE_HISTORY)
		s->n_rate--;
	memmove(s->rate + 1, s->rate, s->n_rate * sizeof(s->rate[0]));
	s->rate[0] = pps;
	s->n_rate++;
}

/* The outbound counter of the SA with id (daddr, spi, proto) in c; 0 if
 * c does not hold it. */
static int find_oseq(const struct xfrmctx_ctx *c, const struct xfrmctx_sa *want,
		     struct xfrmctx_sa *tmp, uint64_t *oseq)
{
	struct xfrmctx_record r = { 0 };
	char err[XFRMCTX_ERRLEN];

	while (xfrmctx_ctx_next(c, &r) > 0) {
		if (r.type != XFRMCTX_REC_SA || xfrmctx_sa_decode(r.data, r.len, tmp, err, sizeof(err)))
			continue;
		if (tmp->spi == want->spi && tmp->proto == want->proto && tmp->family == want->family &&
		    !memcmp(&tmp->daddr, &want->daddr, sizeof(tmp->daddr))) {
			*oseq = xfrmctx_sa_oseq(tmp);
			return 1;
		}
	}
	return 0;
}

double xc_rate_between(const struct xfrmctx_ctx *prev, const struct xfrmctx_ctx *cur, double dt_s)
{
	struct xfrmctx_sa *sa = malloc(sizeof(*sa)), *tmp = malloc(sizeof(*tmp));
	struct xfrmctx_record r = { 0 };
	char err[XFRMCTX_ERRLEN];
	uint64_t before, advance, best = 0;

	if (!sa || !tmp || dt_s <= 0)
		goto out;
	while (xfrmctx_ctx_next(cur, &r) > 0) {
		if (r.type != XFRMCTX_REC_SA || xfrmctx_sa_decode(r.data, r.len, sa, err, sizeof(err)))
			continue;
		before = 0;
		if (prev)
			find_oseq(prev, sa, tmp, &before);
		advance = xfrmctx_sa_oseq(sa) > before ? xfrmctx_sa_oseq(sa) - before : 0;
		if (advance > best)
			best = advance;
	}
out:
	if (sa)
		memset(sa, 0, sizeof(*sa));
	if (tmp)
		memset(tmp, 0, sizeof(*tmp));
	free(sa);
	free(tmp);
	return dt_s > 0 ? (double)best / dt_s : 0;
}

uint64_t xc_jump_compute(double peak_pps, double age_s, const struct xc_jump_params *p)
{
	double j;

	if (peak_pps < 0 || age_s < 0 || isnan(peak_pps) || isnan(age_s))
		return p->floor;
	j = ceil(peak_pps * age_s * p->factor);
	if (j >= 18446744073709551615.0)
		return UINT64_MAX;
	return (uint64_t)j > p->floor ? (uint64_t)j : p->floor;
}
