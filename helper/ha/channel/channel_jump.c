// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The one jump formula of every take-over after a crash (ike/ike_rate.h
 * sizes each SA's rates and age and calls it for both directions). The
 * dead node may have sent packets after the standby's last snapshot,
 * numbered above its counters; the standby must start above all of them,
 * or the peer drops its packets as replays and, worse, an AEAD nonce (the
 * sequence number) is used twice under the same key:
 *
 *     jump = max(floor, ceil(pps * age_s * factor))
 *
 * factor (default 2) covers a burst above the rate; floor (default 1024) an
 * idle SA that starts sending right after the snapshot.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"

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
