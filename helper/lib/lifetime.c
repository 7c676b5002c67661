// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Lifetimes on the module-less path, as the module handles them
 * (kmod/lifetime.c): the ages of an SA record grow by the time since the
 * exporter measured them (curlft "time"), and an SA whose hard limit has
 * passed is refused rather than given a new life.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include <linux/xfrm_ctx.h>

#include "nla.h"
#include "sa.h"

uint64_t xc_sa_since(const void *data, size_t len, time_t now)
{
	const struct nlattr *tb[XFRM_CTX_SA_MAX + 1], *lft[XFRM_CTX_LFT_MAX + 1];
	uint64_t t;

	if (xc_parse(tb, XFRM_CTX_SA_MAX, data, len) || !tb[XFRM_CTX_SA_CURLFT] ||
	    xc_parse(lft, XFRM_CTX_LFT_MAX, xc_data(tb[XFRM_CTX_SA_CURLFT]),
		     xc_len(tb[XFRM_CTX_SA_CURLFT])) ||
	    !lft[XFRM_CTX_LFT_TIME] || xc_get_u64(lft[XFRM_CTX_LFT_TIME], &t))
		return 0;
	return now > 0 && t < (uint64_t)now ? (uint64_t)now - t : 0;
}

static int over(const struct xfrmctx_sa *sa, const char *what, uint64_t cur, uint64_t limit,
		const char *unit, char *err, size_t errlen)
{
	snprintf(err, errlen, "SA 0x%08x: hard %s lifetime over: %" PRIu64 " of %" PRIu64 " %s",
		 sa->spi, what, cur, limit, unit);
	return -EKEYEXPIRED;
}

int xc_sa_lifetime(struct xfrmctx_sa *sa, uint64_t since, char *err, size_t errlen)
{
	const struct xfrm_lifetime_cfg *l = &sa->lft;

	if (!XFRMCTX_SA_HAS(sa, XFRM_CTX_SA_CURLFT))
		return 0;
	sa->curlft.age += since;
	if (sa->curlft.has_use_age)
		sa->curlft.use_age += since;
	if (!XFRMCTX_SA_HAS(sa, XFRM_CTX_SA_LIFETIME))
		return 0;
	/* As the kernel's xfrm_timer_handler() and xfrm_state_check_expire(). */
	if (l->hard_add_expires_seconds && sa->curlft.age >= l->hard_add_expires_seconds)
		return over(sa, "add", sa->curlft.age, l->hard_add_expires_seconds, "s", err, errlen);
	if (l->hard_use_expires_seconds && sa->curlft.has_use_age &&
	    sa->curlft.use_age >= l->hard_use_expires_seconds)
		return over(sa, "use", sa->curlft.use_age, l->hard_use_expires_seconds, "s",
			    err, errlen);
	if (sa->curlft.bytes >= l->hard_byte_limit)
		return over(sa, "byte", sa->curlft.bytes, l->hard_byte_limit, "bytes", err, errlen);
	if (sa->curlft.packets >= l->hard_packet_limit)
		return over(sa, "packet", sa->curlft.packets, l->hard_packet_limit, "packets",
			    err, errlen);
	return 0;
}
