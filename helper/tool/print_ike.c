// SPDX-License-Identifier: GPL-2.0-or-later
/* Text and JSON output of the IKE records of a context (see print_ike.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "ike_names.h"
#include "ike_rate.h"
#include "ike_rec.h"
#include "parse.h"
#include "print_ike.h"

struct out {
	FILE *f;	/* text */
	struct jw *w;	/* or JSON */
	int reveal;
};

static void when(uint64_t ms, int with_ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (with_ms)
		snprintf(buf + n, len - n, ".%03uZ", (unsigned int)(ms % 1000));
	else
		snprintf(buf + n, len - n, "Z");
}

static void host_addr(const struct xc_ha_host *h, char *buf, size_t len)
{
	if (!inet_ntop(h->family == XC_HA_AF_INET6 ? AF_INET6 : AF_INET, h->addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

static void spi8(const uint8_t *spi, char *buf)
{
	int i;

	for (i = 0; i < 8; i++)
		sprintf(buf + 2 * i, "%02x", spi[i]);
}

/* "keyword value" in text, "keyword": value in JSON */
static void kv_str(struct out *o, const char *key, const char *val)
{
	if (o->w)
		jw_str(o->w, key, val);
	else
		fprintf(o->f, " %s %s", key, val);
}

static void kv_u64(struct out *o, const char *key, uint64_t val)
{
	if (o->w)
		jw_u64(o->w, key, val);
	else
		fprintf(o->f, " %s %" PRIu64, key, val);
}

static void kv_key(struct out *o, const char *key, const struct xc_blob *b)
{
	char bytes[48];

	if (o->w) {
		if (o->reveal)
			jw_hex(o->w, key, b->data, b->len);
		else
			jw_str(o->w, key, "<hidden>");
		snprintf(bytes, sizeof(bytes), "%s-bytes", key);
		jw_u64(o->w, bytes, b->len);
		return;
	}
	fprintf(o->f, " %s ", key);
	if (o->reveal) {
		unsigned int i;

		fprintf(o->f, "0x");
		for (i = 0; i < b->len; i++)
			fprintf(o->f, "%02x", b->data[i]);
	} else {
		fprintf(o->f, "<hidden>");
	}
}

/* A text line begins with tabs and its first keyword; JSON has none. */
static void line(struct out *o, const char *indent, const char *first)
{
	if (!o->w)
		fprintf(o->f, "%s%s", indent, first);
}

static void end_line(struct out *o)
{
	if (!o->w)
		fputc('\n', o->f);
}

static void alg(struct out *o, const char *key, const char *name, uint16_t id)
{
	char num[16];

	if (!name) {
		snprintf(num, sizeof(num), "%u", id);
		name = num;
	}
	kv_str(o, key, name);
}

/* An identity's value: an address, printable text, else hex */
static void ident_value(const struct xc_ident *id, char *buf, size_t len)
{
	size_t i, n = 0;

	if ((id->type == 1 && id->len == 4) || (id->type == 5 && id->len == 16)) {
		if (!inet_ntop(id->type == 1 ? AF_INET : AF_INET6, id->data, buf, (socklen_t)len))
			snprintf(buf, len, "?");
		return;
	}
	if (id->type == 2 || id->type == 3) {
		for (i = 0; i < id->len && n + 5 < len; i++) {
			unsigned char c = id->data[i];

			if (c < 0x21 || c >= 0x7f)
				n += (size_t)snprintf(buf + n, len - n, "\\x%02x", c);
			else
				buf[n++] = (char)c;
		}
		buf[n] = '\0';
		return;
	}
	n = (size_t)snprintf(buf, len, "0x");
	for (i = 0; i < id->len && n + 3 < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%02x", id->data[i]);
}

static void endpoint(struct out *o, const char *key, const struct xc_ha_host *h, int has,
		     const char *idkey, const struct xc_ident *id, const struct xc_ident *eap)
{
	char a[INET6_ADDRSTRLEN], v[600];

	if (o->w)
		jw_obj_open(o->w, key);
	else
		fprintf(o->f, "\t%s", key);
	if (has) {
		host_addr(h, a, sizeof(a));
		kv_str(o, "addr", a);
		kv_u64(o, "port", h->port);
	}
	if (id->present) {
		ident_value(id, v, sizeof(v));
		kv_str(o, idkey, v);
		kv_str(o, "id-type", xc_id_type_name(id->type));
	}
	if (eap && eap->present) {
		ident_value(eap, v, sizeof(v));
		kv_str(o, "eap-id", v);
	}
	if (o->w)
		jw_obj_close(o->w);
	else
		fputc('\n', o->f);
}

static void bit_list(struct out *o, const char *key, uint32_t v,
		     const char *(*name)(unsigned int bit))
{
	unsigned int i;
	char num[16];

	if (o->w)
		jw_arr_open(o->w, key);
	else
		fprintf(o->f, "\t%s", key);
	for (i = 0; i < 32; i++) {
		const char *n;

		if (!(v & (1u << i)))
			continue;
		n = name(i);
		if (!n) {
			snprintf(num, sizeof(num), "bit%u", i);
			n = num;
		}
		if (o->w)
			jw_str(o->w, NULL, n);
		else
			fprintf(o->f, " %s", n);
	}
	if (o->w)
		jw_arr_close(o->w);
	else
		fputc('\n', o->f);
}

static void ike_id(struct out *o, const char *key, const struct xc_ha_ike_id *id)
{
	char i[17], r[17];

	spi8(id->spi_i, i);
	spi8(id->spi_r, r);
	if (o->w) {
		jw_obj_open(o->w, key);
		jw_str(o->w, "spi-i", i);
		jw_str(o->w, "spi-r", r);
		jw_obj_close(o->w);
	} else {
		fprintf(o->f, " %s %s_i %s_r", key, i, r);
	}
}

static void ts_one(struct out *o, const struct xc_ha_ts *ts)
{
	int fam = ts->type == XC_HA_TS_IPV6 ? AF_INET6 : AF_INET;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	inet_ntop(fam, ts->from, a, sizeof(a));
	inet_ntop(fam, ts->to, b, sizeof(b));
	if (o->w) {
		jw_obj_open(o->w, NULL);
		jw_str(o->w, "from", a);
		jw_str(o->w, "to", b);
		jw_u64(o->w, "proto", ts->proto);
		jw_u64(o->w, "from-port", ts->from_port);
		jw_u64(o->w, "to-port", ts->to_port);
		jw_bool(o->w, "dynamic", ts->dynamic);
		jw_obj_close(o->w);
		return;
	}
	if (ts->dynamic)
		fprintf(o->f, " dynamic");
	else
		fprintf(o->f, " %s..%s", a, b);
	if (ts->proto || ts->from_port || ts->to_port != 0xffff)
		fprintf(o->f, "[%u/%u-%u]", ts->proto, ts->from_port, ts->to_port);
}

static void ts_list(struct out *o, const char *key, const struct xc_ha_ts *ts, unsigned int n)
{
	unsigned int i;

	if (o->w)
		jw_arr_open(o->w, key);
	for (i = 0; i < n; i++)
		ts_one(o, &ts[i]);
	if (o->w)
		jw_arr_close(o->w);
}

static void proposal(struct out *o, const char *indent, uint16_t encr, int has_encr,
		     uint16_t keylen, int has_keylen, uint16_t integ, int has_integ,
		     const uint16_t *prf, uint16_t dh, int has_dh, const uint16_t *esn)
{
	if (o->w)
		jw_obj_open(o->w, "proposal");
	line(o, indent, "proposal");
	if (has_encr)
		alg(o, "encr", xc_encr_name(encr), encr);
	if (has_keylen)
		kv_u64(o, "keylen", keylen);
	if (has_integ)
		alg(o, "integ", xc_integ_name(integ), integ);
	if (prf)
		alg(o, "prf", xc_prf_name(*prf), *prf);
	if (has_dh)
		alg(o, "dh", xc_dh_name(dh), dh);
	if (esn)
		kv_str(o, "esn", *esn ? "yes" : "no");
	if (o->w)
		jw_obj_close(o->w);
	end_line(o);
}

static void child(struct out *o, const struct xc_child *c)
{
	char spi[16];
	uint16_t esn = c->has_esn ? c->esn : 0;

	if (o->w) {
		jw_obj_open(o->w, NULL);
		jw_str(o->w, "name", c->config);
	} else {
		fprintf(o->f, "\tchild %s", c->config);
	}
	snprintf(spi, sizeof(spi), "0x%08x", c->spi_in);
	kv_str(o, "spi-in", spi);
	snprintf(spi, sizeof(spi), "0x%08x", c->spi_out);
	kv_str(o, "spi-out", spi);
	kv_str(o, "mode", xc_child_mode_name(c->mode));
	kv_str(o, "role", c->initiator ? "initiator" : "responder");
	end_line(o);
	if (c->cpi_in || c->cpi_out || c->ipcomp) {
		line(o, "\t\t", "ipcomp");
		kv_u64(o, "ipcomp", c->ipcomp);
		kv_u64(o, "cpi-in", c->cpi_in);
		kv_u64(o, "cpi-out", c->cpi_out);
		end_line(o);
	}
	proposal(o, "\t\t", c->encr, c->has_encr, c->encr_len, c->has_encr_len, c->integ,
		 c->has_integ, NULL, c->dh, c->has_dh, &esn);
	line(o, "\t\t", "ts");
	ts_list(o, "local-ts", c->local_ts, c->nlocal_ts);
	if (!o->w)
		fprintf(o->f, " ===");
	ts_list(o, "remote-ts", c->remote_ts, c->nremote_ts);
	end_line(o);
	line(o, "\t\t", "keys");
	ike_id(o, "keyed-by", &c->keyed_by);
	if (o->w)
		jw_obj_open(o->w, "keys");
	kv_key(o, "nonce-i", &c->nonce_i);
	kv_key(o, "nonce-r", &c->nonce_r);
	if (c->secret.len)
		kv_key(o, "pfs-secret", &c->secret);
	if (o->w) {
		jw_obj_close(o->w);
		jw_obj_close(o->w);
	}
	end_line(o);
}

static void ike(struct out *o, const struct xc_store *s, const struct xc_ike *ike)
{
	char spi_i[17], spi_r[17], t[32], a[INET6_ADDRSTRLEN];
	const struct xc_child *c, *last = NULL;
	unsigned int i;

	spi8(ike->id.spi_i, spi_i);
	spi8(ike->id.spi_r, spi_r);
	if (o->w)
		jw_obj_open(o->w, NULL);
	else
		fprintf(o->f, "ike");
	kv_str(o, "spi-i", spi_i);
	kv_str(o, "spi-r", spi_r);
	kv_u64(o, "version", ike->ike_version);
	kv_str(o, "role", ike->id.initiator ? "initiator" : "responder");
	kv_str(o, "state", ike->deleted ? "keying-only" : "live");
	if (ike->updated)
		kv_str(o, "config", ike->config);
	end_line(o);
	endpoint(o, "local", &ike->local, ike->has_local, "id", &ike->local_id, NULL);
	endpoint(o, "remote", &ike->remote, ike->has_remote, "id", &ike->remote_id,
		 &ike->remote_eap_id);
	proposal(o, "\t", ike->encr, ike->has_encr, ike->encr_len, ike->has_encr_len, ike->integ,
		 ike->has_integ, &ike->prf, ike->dh, ike->has_dh, NULL);
	line(o, "\t", "message-id");
	kv_u64(o, "mid-out", ike->has_mid_i ? ike->mid_i : 0);
	kv_u64(o, "mid-in", ike->has_mid_r ? ike->mid_r : 0);
	kv_u64(o, "window", ike->window);
	end_line(o);
	bit_list(o, "conditions", ike->conditions, xc_condition_name);
	bit_list(o, "extensions", ike->extensions, xc_extension_name);
	if (ike->nremote_vips || ike->nlocal_vips || ike->npeer_addrs) {
		const struct {
			const char *key;
			const struct xc_ha_host *list;
			unsigned int n;
		} l[] = {
			{ "remote-vip", ike->remote_vips, ike->nremote_vips },
			{ "local-vip", ike->local_vips, ike->nlocal_vips },
			{ "peer-addr", ike->peer_addrs, ike->npeer_addrs },
		};
		unsigned int k;

		for (k = 0; k < 3; k++) {
			if (o->w)
				jw_arr_open(o->w, l[k].key);
			for (i = 0; i < l[k].n; i++) {
				host_addr(&l[k].list[i], a, sizeof(a));
				if (o->w)
					jw_str(o->w, NULL, a);
				else
					fprintf(o->f, "\t%s %s\n", l[k].key, a);
			}
			if (o->w)
				jw_arr_close(o->w);
		}
	}
	line(o, "\t", "keys");
	if (o->w)
		jw_obj_open(o->w, "keys");
	kv_str(o, "form", "dh-secret+nonces");
	kv_key(o, "dh-secret", &ike->secret);
	kv_key(o, "nonce-i", &ike->nonce_i);
	kv_key(o, "nonce-r", &ike->nonce_r);
	if (ike->has_old) {
		ike_id(o, "rekey-of", &ike->rekey_of);
		alg(o, "old-prf", xc_prf_name(ike->old_prf), ike->old_prf);
		kv_key(o, "old-sk-d", &ike->old_skd);
	}
	if (o->w)
		jw_obj_close(o->w);
	end_line(o);
	line(o, "\t", "lifetime");
	if (o->w) {
		jw_u64(o->w, "added", (uint64_t)ike->added);
		jw_u64(o->w, "updated", (uint64_t)ike->updated_at);
	} else {
		when((uint64_t)ike->added * 1000, 0, t, sizeof(t));
		fprintf(o->f, " added %s", t);
		when((uint64_t)ike->updated_at * 1000, 0, t, sizeof(t));
		fprintf(o->f, " updated %s", t);
	}
	end_line(o);
	/* its CHILD_SAs, oldest first (the store lists them newest first) */
	if (o->w)
		jw_arr_open(o->w, "children");
	if (!ike->deleted) {
		while (last != s->children) {
			for (c = s->children; c->next != last; c = c->next)
				;
			if (xc_store_child_owner(s, c) == ike)
				child(o, c);
			last = c;
		}
	}
	if (o->w) {
		jw_arr_close(o->w);
		jw_obj_close(o->w);
	}
}

static void recorder(struct out *o, const struct xc_recorder_info *m)
{
	char t[40];

	if (o->w) {
		jw_obj_open(o->w, "recorder");
		jw_u64(o->w, "serial", m->serial);
		jw_u64(o->w, "written-ms", m->written_ms);
	} else {
		when(m->written_ms, 1, t, sizeof(t));
		fprintf(o->f, "recorder serial %" PRIu64 " written %s", m->serial, t);
	}
	kv_str(o, "trigger", xc_trigger_name(m->trigger));
	if (m->source[0])
		kv_str(o, "source", m->source);
	kv_u64(o, "accepted", m->accepted);
	kv_u64(o, "dropped", m->dropped);
	kv_u64(o, "sas", m->sas);
	kv_u64(o, "missing", m->missing);
	if (m->frozen_until_ms) {
		if (o->w) {
			jw_u64(o->w, "frozen-until-ms", m->frozen_until_ms);
		} else {
			when(m->frozen_until_ms, 1, t, sizeof(t));
			fprintf(o->f, " frozen-until %s", t);
		}
	}
	if (m->kernel_error[0]) {
		if (o->w)
			jw_str(o->w, "kernel-error", m->kernel_error);
		else
			fprintf(o->f, "\n\tkernel-error \"%s\"", m->kernel_error);
	}
	if (o->w)
		jw_obj_close(o->w);
	else
		fputc('\n', o->f);
}

static void rate(struct out *o, const struct xc_rate *r)
{
	char a[INET6_ADDRSTRLEN], spi[16], t[40];

	inet_ntop(r->family, r->daddr, a, sizeof(a));
	snprintf(spi, sizeof(spi), "0x%08x", r->spi);
	if (o->w) {
		jw_obj_open(o->w, NULL);
		jw_str(o->w, "dst", a);
		jw_str(o->w, "proto", proto_name(r->proto));
		jw_str(o->w, "spi", spi);
		jw_u64(o->w, "time-ms", r->time_ms);
	} else {
		fprintf(o->f, "rate dst %s proto %s spi %s", a, proto_name(r->proto), spi);
		when(r->time_ms, 1, t, sizeof(t));
		fprintf(o->f, "\n\ttime %s", t);
	}
	kv_u64(o, "oseq", r->oseq);
	kv_u64(o, "seq", r->seq);
	if (r->has_prev) {
		if (o->w) {
			jw_u64(o->w, "prev-time-ms", r->prev_time_ms);
		} else {
			when(r->prev_time_ms, 1, t, sizeof(t));
			fprintf(o->f, "\n\tprev-time %s", t);
		}
		kv_u64(o, "prev-oseq", r->prev_oseq);
		kv_u64(o, "prev-seq", r->prev_seq);
	}
	if (!o->w)
		fprintf(o->f, "\n\tpeaks");
	kv_u64(o, "peak-out-pps", r->peak_out);
	kv_u64(o, "peak-in-pps", r->peak_in);
	kv_u64(o, "intervals", r->intervals);
	if (o->w)
		jw_obj_close(o->w);
	else
		fputc('\n', o->f);
}

/* Check every rate record before anything is printed. */
static int rates_ok(const struct xfrmctx_ctx *c, char *err, size_t errlen)
{
	struct xfrmctx_record r = { 0 };
	struct xc_rate x;
	char why[200];

	while (xfrmctx_ctx_next(c, &r) > 0) {
		if (r.type != XFRMCTX_REC_SA_RATE)
			continue;
		if (xc_rate_decode(r.data, r.len, &x, why, sizeof(why))) {
			snprintf(err, errlen, "record at offset %zu: %s", r.offset, why);
			return -EINVAL;
		}
	}
	return 0;
}

int print_ike_records(FILE *f, struct jw *w, const struct xfrmctx_ctx *c, int reveal,
		      char *err, size_t errlen)
{
	struct out o = { .f = f, .w = w, .reveal = reveal };
	struct xfrmctx_record r = { 0 };
	struct xc_recorder_info m;
	const struct xc_ike *ik;
	struct xc_store s;
	struct xc_rate x;

	if (xc_recorder_get(c, &m, err, errlen) || rates_ok(c, err, errlen))
		return -EINVAL;
	if (xc_ike_ctx_get(c, &s, err, errlen)) {
		xc_store_free(&s);
		return -EINVAL;
	}
	if (m.present)
		recorder(&o, &m);
	/* oldest first, as they are recorded and replayed */
	if (w)
		jw_arr_open(w, "ike-sa");
	for (ik = s.ikes; ik && ik->next; ik = ik->next)
		;
	while (ik) {
		const struct xc_ike *prev = s.ikes;

		ike(&o, &s, ik);
		if (ik == s.ikes)
			break;
		while (prev->next != ik)
			prev = prev->next;
		ik = prev;
	}
	if (w) {
		jw_arr_close(w);
		jw_arr_open(w, "sa-rate");
	}
	while (xfrmctx_ctx_next(c, &r) > 0)
		if (r.type == XFRMCTX_REC_SA_RATE && !xc_rate_decode(r.data, r.len, &x, err, errlen))
			rate(&o, &x);
	if (w)
		jw_arr_close(w);
	xc_store_free(&s);
	return 0;
}
