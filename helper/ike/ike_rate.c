// SPDX-License-Identifier: GPL-2.0-or-later
/* Rate records, the recorder's rate table, and the jump (see ike_rate.h). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ike_nla.h"
#include "ike_rate.h"
#include "ike_record.h"

static size_t addr_len(uint16_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* Records */

int xc_rate_put(struct xfrmctx_ctx *c, const struct xc_rate *r)
{
	struct xc_nlb b;
	int err;

	xc_nlb_init(&b);
	xc_nlb_u16(&b, XC_RATE_A_FAMILY, r->family);
	xc_nlb_put(&b, XC_RATE_A_DADDR, r->daddr, addr_len(r->family));
	xc_nlb_u32(&b, XC_RATE_A_SPI, r->spi);
	xc_nlb_u8(&b, XC_RATE_A_PROTO, r->proto);
	xc_nlb_u64(&b, XC_RATE_A_TIME, r->time_ms);
	xc_nlb_u64(&b, XC_RATE_A_OSEQ, r->oseq);
	xc_nlb_u64(&b, XC_RATE_A_SEQ, r->seq);
	if (r->has_prev) {
		xc_nlb_u64(&b, XC_RATE_A_PREV_TIME, r->prev_time_ms);
		xc_nlb_u64(&b, XC_RATE_A_PREV_OSEQ, r->prev_oseq);
		xc_nlb_u64(&b, XC_RATE_A_PREV_SEQ, r->prev_seq);
	}
	xc_nlb_u64(&b, XC_RATE_A_PEAK_OUT, r->peak_out);
	xc_nlb_u64(&b, XC_RATE_A_PEAK_IN, r->peak_in);
	xc_nlb_u8(&b, XC_RATE_A_INTERVALS, r->intervals);
	if (r->has_base) {
		xc_nlb_u64(&b, XC_RATE_A_BASE_TIME, r->base_time_ms);
		xc_nlb_u64(&b, XC_RATE_A_BASE_OSEQ, r->base_oseq);
		xc_nlb_u64(&b, XC_RATE_A_BASE_SEQ, r->base_seq);
	}
	err = b.err ? b.err : xfrmctx_ctx_append(c, XFRMCTX_REC_SA_RATE, XFRMCTX_REC_F_NESTED,
						 b.data, b.len);
	xc_nlb_free(&b);
	return err;
}

static const struct xc_nla_rule rate_rules[XC_RATE_A_MAX + 1] = {
	[XC_RATE_A_FAMILY] = { XC_NLA_U16, 0, 0, 0 },
	[XC_RATE_A_DADDR] = { XC_NLA_BINARY, 0, 4, 16 },
	[XC_RATE_A_SPI] = { XC_NLA_U32, 0, 0, 0 },
	[XC_RATE_A_PROTO] = { XC_NLA_U8, 0, 0, 0 },
	[XC_RATE_A_TIME] = { XC_NLA_U64, 0, 0, 0 },
	[XC_RATE_A_OSEQ] = { XC_NLA_U64, 0, 0, 0 },
	[XC_RATE_A_SEQ] = { XC_NLA_U64, 0, 0, 0 },
	[XC_RATE_A_PREV_TIME] = { XC_NLA_U64, 0, 0, 0 },
	[XC_RATE_A_PREV_OSEQ] = { XC_NLA_U64, 0, 0, 0 },
	[XC_RATE_A_PREV_SEQ] = { XC_NLA_U64, 0, 0, 0 },
	[XC_RATE_A_PEAK_OUT] = { XC_NLA_U64, 0, 0, 0 },
	[XC_RATE_A_PEAK_IN] = { XC_NLA_U64, 0, 0, 0 },
	[XC_RATE_A_INTERVALS] = { XC_NLA_U8, 0, 0, 0 },
	[XC_RATE_A_BASE_TIME] = { XC_NLA_U64, 0, 0, 0 },
	[XC_RATE_A_BASE_OSEQ] = { XC_NLA_U64, 0, 0, 0 },
	[XC_RATE_A_BASE_SEQ] = { XC_NLA_U64, 0, 0, 0 },
};

static int bad(char *why, size_t whylen, const char *what)
{
	snprintf(why, whylen, "SA rate record: %s", what);
	return -EINVAL;
}

int xc_rate_decode(const void *data, size_t len, struct xc_rate *r, char *why, size_t whylen)
{
	static const char *const required[] = {
		[XC_RATE_A_FAMILY] = "no family", [XC_RATE_A_DADDR] = "no destination address",
		[XC_RATE_A_SPI] = "no SPI", [XC_RATE_A_PROTO] = "no protocol",
		[XC_RATE_A_TIME] = "no snapshot time", [XC_RATE_A_OSEQ] = "no output counter",
		[XC_RATE_A_SEQ] = "no input counter",
	};
	struct xc_nla tb[XC_RATE_A_MAX + 1];
	unsigned int i, prev, base;
	int err;

	memset(r, 0, sizeof(*r));
	if (len > 0xffff)
		return bad(why, whylen, "longer than a record can be");
	err = xc_nla_parse(data, len, rate_rules, XC_RATE_A_MAX, tb, "SA rate record", why, whylen);
	if (err)
		return err;
	for (i = 1; i < sizeof(required) / sizeof(required[0]); i++)
		if (!tb[i].data)
			return bad(why, whylen, required[i]);
	r->family = xc_nla_u16(&tb[XC_RATE_A_FAMILY]);
	if (!addr_len(r->family) || tb[XC_RATE_A_DADDR].len != addr_len(r->family)) {
		snprintf(why, whylen, "SA rate record: family %u with a %u-byte address",
			 r->family, tb[XC_RATE_A_DADDR].len);
		return -EINVAL;
	}
	memcpy(r->daddr, tb[XC_RATE_A_DADDR].data, tb[XC_RATE_A_DADDR].len);
	r->spi = xc_nla_u32(&tb[XC_RATE_A_SPI]);
	r->proto = xc_nla_u8(&tb[XC_RATE_A_PROTO]);
	r->time_ms = xc_nla_u64(&tb[XC_RATE_A_TIME]);
	r->oseq = xc_nla_u64(&tb[XC_RATE_A_OSEQ]);
	r->seq = xc_nla_u64(&tb[XC_RATE_A_SEQ]);
	prev = !!tb[XC_RATE_A_PREV_TIME].data + !!tb[XC_RATE_A_PREV_OSEQ].data +
	       !!tb[XC_RATE_A_PREV_SEQ].data;
	if (prev && prev != 3)
		return bad(why, whylen, "only part of the previous snapshot");
	if (prev) {
		r->has_prev = 1;
		r->prev_time_ms = xc_nla_u64(&tb[XC_RATE_A_PREV_TIME]);
		r->prev_oseq = xc_nla_u64(&tb[XC_RATE_A_PREV_OSEQ]);
		r->prev_seq = xc_nla_u64(&tb[XC_RATE_A_PREV_SEQ]);
		if (r->prev_time_ms > r->time_ms)
			return bad(why, whylen, "the previous snapshot is later than this one");
	}
	if (tb[XC_RATE_A_PEAK_OUT].data)
		r->peak_out = xc_nla_u64(&tb[XC_RATE_A_PEAK_OUT]);
	if (tb[XC_RATE_A_PEAK_IN].data)
		r->peak_in = xc_nla_u64(&tb[XC_RATE_A_PEAK_IN]);
	if (tb[XC_RATE_A_INTERVALS].data)
		r->intervals = xc_nla_u8(&tb[XC_RATE_A_INTERVALS]);
	base = !!tb[XC_RATE_A_BASE_TIME].data + !!tb[XC_RATE_A_BASE_OSEQ].data +
	       !!tb[XC_RATE_A_BASE_SEQ].data;
	if (base && base != 3)
		return bad(why, whylen, "only part of the base sample");
	if (base) {
		r->has_base = 1;
		r->base_time_ms = xc_nla_u64(&tb[XC_RATE_A_BASE_TIME]);
		r->base_oseq = xc_nla_u64(&tb[XC_RATE_A_BASE_OSEQ]);
		r->base_seq = xc_nla_u64(&tb[XC_RATE_A_BASE_SEQ]);
		if (r->base_time_ms > r->time_ms)
			return bad(why, whylen, "the base sample is later than the snapshot");
	}
	return 0;
}

int xc_rate_find(const struct xfrmctx_ctx *c, uint16_t family, const void *daddr,
		 uint32_t spi, uint8_t proto, struct xc_rate *r, char *why, size_t whylen)
{
	struct xfrmctx_record rec = { 0 };
	char inner[200];

	while (xfrmctx_ctx_next(c, &rec) > 0) {
		if (rec.type != XFRMCTX_REC_SA_RATE)
			continue;
		if (xc_rate_decode(rec.data, rec.len, r, inner, sizeof(inner))) {
			snprintf(why, whylen, "record at offset %zu: %s", rec.offset, inner);
			return -EINVAL;
		}
		if (r->family == family && r->spi == spi && r->proto == proto &&
		    !memcmp(r->daddr, daddr, addr_len(family)))
			return 1;
	}
	return 0;
}

int xc_rate_index_build(const struct xfrmctx_ctx *c, struct xc_rate_index *ix, char *why,
			size_t whylen)
{
	struct xfrmctx_record rec = { 0 };
	size_t n = xfrmctx_ctx_count(c, XFRMCTX_REC_SA_RATE);
	char inner[200];
	int err = 0;

	memset(ix, 0, sizeof(ix[0]));
	xc_sa_map_init(&ix->map);
	ix->r = calloc(n ? n : 1, sizeof(*ix->r));
	if (!ix->r) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	while (!err && ix->n < n && xfrmctx_ctx_next(c, &rec) > 0) {
		struct xc_rate *r = &ix->r[ix->n];
		struct xc_sa_key k;

		if (rec.type != XFRMCTX_REC_SA_RATE)
			continue;
		if (xc_rate_decode(rec.data, rec.len, r, inner, sizeof(inner))) {
			snprintf(why, whylen, "record at offset %zu: %s", rec.offset, inner);
			err = -EINVAL;
			break;
		}
		xc_sa_key_make(&k, r->family, r->daddr, r->spi, r->proto);
		err = xc_sa_map_put(&ix->map, &k, r);
		if (err)
			snprintf(why, whylen, "out of memory");
		ix->n++;
	}
	if (err)
		xc_rate_index_free(ix);
	return err;
}

const struct xc_rate *xc_rate_index_get(const struct xc_rate_index *ix, uint16_t family,
					const void *daddr, uint32_t spi, uint8_t proto)
{
	struct xc_sa_key k;

	xc_sa_key_make(&k, family, daddr, spi, proto);
	return xc_sa_map_get(&ix->map, &k);
}

void xc_rate_index_free(struct xc_rate_index *ix)
{
	xc_sa_map_free(&ix->map);
	free(ix->r);
	ix->r = NULL;
	ix->n = 0;
}

/* The recorder's table */

struct xc_rate_track {
	struct xc_rate_track *next;
	uint16_t family;
	uint8_t daddr[16];
	uint32_t spi;
	uint8_t proto;
	uint8_t noted;			/* since the last sweep */
	uint64_t time_ms, oseq, seq;	/* the last sample that closed an interval */
	uint64_t old_time_ms, old_oseq, old_seq;	/* the one before it */
	uint8_t has_old;
	double out_pps[XC_RATE_HISTORY], in_pps[XC_RATE_HISTORY];	/* newest first */
	unsigned int n;
	/* the samples that closed an interval (and the first one), newest
	 * first: the base of the smoothed rate is among them */
	struct xc_rate_sample {
		uint64_t time_ms, oseq, seq;
	} samples[XC_RATE_HISTORY];
	unsigned int nsamples;
};

void xc_rate_table_init(struct xc_rate_table *t)
{
	t->head = NULL;
	xc_sa_map_init(&t->by_sa);
}

void xc_rate_table_free(struct xc_rate_table *t)
{
	while (t->head) {
		struct xc_rate_track *n = t->head->next;

		free(t->head);
		t->head = n;
	}
	xc_sa_map_free(&t->by_sa);
}

static void push(double *hist, double v)
{
	memmove(hist + 1, hist, (XC_RATE_HISTORY - 1) * sizeof(*hist));
	hist[0] = v;
}

static void push_sample(struct xc_rate_track *k, uint64_t now_ms, uint64_t oseq, uint64_t seq)
{
	memmove(k->samples + 1, k->samples, (XC_RATE_HISTORY - 1) * sizeof(k->samples[0]));
	k->samples[0] = (struct xc_rate_sample){ .time_ms = now_ms, .oseq = oseq, .seq = seq };
	if (k->nsamples < XC_RATE_HISTORY)
		k->nsamples++;
}

/* The newest sample at least XC_RATE_LONG_INTERVAL before now whose
 * counters are not above the current ones (not an older SA's). */
static void find_base(const struct xc_rate_track *k, struct xc_rate *r)
{
	unsigned int i;

	for (i = 0; i < k->nsamples; i++) {
		const struct xc_rate_sample *s = &k->samples[i];

		if (s->time_ms + XC_RATE_LONG_INTERVAL > r->time_ms)
			continue;
		if (s->oseq > r->oseq || s->seq > r->seq)
			return;
		r->has_base = 1;
		r->base_time_ms = s->time_ms;
		r->base_oseq = s->oseq;
		r->base_seq = s->seq;
		return;
	}
}

static uint64_t peak(const double *hist, unsigned int n)
{
	double p = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		if (hist[i] > p)
			p = hist[i];
	return (uint64_t)ceil(p);
}

int xc_rate_note(struct xc_rate_table *t, uint16_t family, const void *daddr, uint32_t spi,
		 uint8_t proto, uint64_t now_ms, uint64_t oseq, uint64_t seq, struct xc_rate *r)
{
	size_t alen = addr_len(family);
	struct xc_rate_track *k;
	struct xc_sa_key key;

	xc_sa_key_make(&key, family, daddr, spi, proto);
	k = xc_sa_map_get(&t->by_sa, &key);
	memset(r, 0, sizeof(*r));
	r->family = family;
	memcpy(r->daddr, daddr, alen);
	r->spi = spi;
	r->proto = proto;
	r->time_ms = now_ms;
	r->oseq = oseq;
	r->seq = seq;
	if (!k) {
		k = calloc(1, sizeof(*k));
		if (!k)
			return -ENOMEM;
		k->family = family;
		memcpy(k->daddr, daddr, alen);
		k->spi = spi;
		k->proto = proto;
		k->time_ms = now_ms;
		k->oseq = oseq;
		k->seq = seq;
		if (xc_sa_map_put(&t->by_sa, &key, k)) {
			free(k);
			return -ENOMEM;
		}
		push_sample(k, now_ms, oseq, seq);
		k->next = t->head;
		t->head = k;
		k->noted = 1;
		return 0;
	}
	k->noted = 1;
	if (now_ms > k->time_ms) {
		r->has_prev = 1;
		r->prev_time_ms = k->time_ms;
		r->prev_oseq = k->oseq;
		r->prev_seq = k->seq;
		/* Snapshots come as often as the counters move (XFRM events every
		 * few packets): against the last closing sample most intervals
		 * would be too short to give a rate, and a take-over would see
		 * none. Such a snapshot is reported against the sample before,
		 * an interval of at least XC_RATE_MIN_INTERVAL that ends now. */
		if (now_ms < k->time_ms + XC_RATE_MIN_INTERVAL && k->has_old &&
		    oseq >= k->old_oseq && seq >= k->old_seq) {
			r->prev_time_ms = k->old_time_ms;
			r->prev_oseq = k->old_oseq;
			r->prev_seq = k->old_seq;
		}
	}
	/* An interval long enough to give a rate closes here; a shorter one
	 * (an on-demand snapshot right after a periodic one) is reported
	 * against the older sample and leaves the history alone. Counters
	 * only grow; one that went back is a new SA under an old SPI. */
	if (now_ms >= k->time_ms + XC_RATE_MIN_INTERVAL) {
		double dt = (double)(now_ms - k->time_ms) / 1000.0;

		push(k->out_pps, oseq > k->oseq ? (double)(oseq - k->oseq) / dt : 0);
		push(k->in_pps, seq > k->seq ? (double)(seq - k->seq) / dt : 0);
		if (k->n < XC_RATE_HISTORY)
			k->n++;
		k->old_time_ms = k->time_ms;
		k->old_oseq = k->oseq;
		k->old_seq = k->seq;
		k->has_old = 1;
		k->time_ms = now_ms;
		k->oseq = oseq;
		k->seq = seq;
		push_sample(k, now_ms, oseq, seq);
	}
	find_base(k, r);
	r->peak_out = peak(k->out_pps, k->n);
	r->peak_in = peak(k->in_pps, k->n);
	r->intervals = (uint8_t)k->n;
	return 0;
}

void xc_rate_sweep(struct xc_rate_table *t)
{
	struct xc_rate_track **pp = &t->head;

	while (*pp) {
		struct xc_rate_track *k = *pp;

		if (!k->noted) {
			struct xc_sa_key key;

			xc_sa_key_make(&key, k->family, k->daddr, k->spi, k->proto);
			xc_sa_map_del(&t->by_sa, &key);
			*pp = k->next;
			free(k);
			continue;
		}
		k->noted = 0;
		pp = &k->next;
	}
}

/* The jump */

void xc_jump_size(const struct xc_rate *r, uint64_t now_ms, const struct xc_jump_params *p,
		  struct xc_jump *j)
{
	struct xc_jump_params in = { .floor = 0 };
	double age_s;

	memset(j, 0, sizeof(*j));
	j->last_out_pps = j->last_in_pps = j->long_in_pps = -1;
	if (!r) {
		j->out = p->floor;
		return;
	}
	j->age_ms = now_ms > r->time_ms ? now_ms - r->time_ms : 0;
	age_s = (double)j->age_ms / 1000.0;
	/* a short interval (an on-demand snapshot right after a periodic
	 * one) says little about the rate: the peaks speak for it */
	if (r->has_prev && r->time_ms >= r->prev_time_ms + XC_RATE_MIN_INTERVAL) {
		double dt = (double)(r->time_ms - r->prev_time_ms) / 1000.0;

		j->last_out_pps = r->oseq > r->prev_oseq ? (double)(r->oseq - r->prev_oseq) / dt : 0;
		j->last_in_pps = r->seq > r->prev_seq ? (double)(r->seq - r->prev_seq) / dt : 0;
	}
	if (r->has_base && r->time_ms >= r->base_time_ms + XC_RATE_LONG_INTERVAL) {
		double dt = (double)(r->time_ms - r->base_time_ms) / 1000.0;

		j->long_in_pps = r->seq > r->base_seq ? (double)(r->seq - r->base_seq) / dt : 0;
	}
	j->rate_known = j->last_out_pps >= 0 || r->intervals > 0;
	j->out_pps = j->last_out_pps > (double)r->peak_out ? j->last_out_pps : (double)r->peak_out;
	/* idle now: nothing; else the lower of the last interval's and the
	 * smoothed rate (ike_rate.h says why the lower) */
	j->in_pps = j->last_in_pps > 0 ? j->last_in_pps : 0;
	if (j->in_pps > 0 && j->long_in_pps >= 0 && j->long_in_pps < j->in_pps)
		j->in_pps = j->long_in_pps;
	j->out = xc_jump_compute(j->out_pps, age_s, p);
	in.factor = p->in_factor;
	j->in = xc_jump_compute(j->in_pps, age_s, &in);
	/* one window short of the estimate (ike_rate.h says why) */
	j->in = j->in > p->in_window ? j->in - p->in_window : 0;
}
