// SPDX-License-Identifier: GPL-2.0-or-later
/* Text and JSON output of SAs, policies and frozen SAs (see print.h). */
#include <arpa/inet.h>
#include <inttypes.h>
#include <net/if.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/xfrm_ctx.h>

#include "parse.h"
#include "print.h"
#include "xfrmctx.h"

const char *addr_str(uint16_t family, const xfrm_address_t *a, char *buf, size_t n)
{
	if (!inet_ntop(family, a, buf, n))
		snprintf(buf, n, "?");
	return buf;
}

static const char *const state_flags[] = {
	"noecn", "decap-dscp", "nopmtudisc", "wildrecv", "icmp", "af-unspec", "align4", "esn",
};
static const char *const extra_flags[] = { "dont-encap-dscp", "oseq-may-wrap" };
static const char *const mode_names[] = { "transport", "tunnel", "ro", "in_trigger", "beet" };
static const char *const replay_modes[] = { "legacy", "bmp", "esn" };

static const char *mode_name(uint8_t mode)
{
	static char buf[8];

	if (mode < sizeof(mode_names) / sizeof(mode_names[0]))
		return mode_names[mode];
	snprintf(buf, sizeof(buf), "%u", mode);
	return buf;
}

static void text_hex(const uint8_t *p, size_t n)
{
	size_t i;

	printf("0x");
	for (i = 0; i < n; i++)
		printf("%02x", p[i]);
}

/* "sel src 192.168.2.0/24 dst 192.168.1.0/24 [proto P] [sport N] [dport N] [dev D]" */
static void print_selector(struct jw *w, const char *key, const struct xfrm_selector *s)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN + 8], c[INET6_ADDRSTRLEN + 8];
	char dev[IF_NAMESIZE] = "";
	struct protoent *pe = s->proto ? getprotobynumber(s->proto) : NULL;
	uint16_t fam = s->family ? s->family : AF_INET;

	snprintf(b, sizeof(b), "%s/%u", addr_str(fam, &s->saddr, a, sizeof(a)), s->prefixlen_s);
	snprintf(c, sizeof(c), "%s/%u", addr_str(fam, &s->daddr, a, sizeof(a)), s->prefixlen_d);
	if (s->ifindex && !if_indextoname(s->ifindex, dev))
		snprintf(dev, sizeof(dev), "%d", s->ifindex);
	if (w) {
		if (key)
			jw_obj_open(w, key);
		jw_str(w, "src", b);
		jw_str(w, "dst", c);
		if (s->proto) {
			if (pe)
				jw_str(w, "proto", pe->p_name);
			else
				jw_u64(w, "proto", s->proto);
		}
		if (s->sport_mask)
			jw_u64(w, "sport", ntohs(s->sport));
		if (s->dport_mask)
			jw_u64(w, "dport", ntohs(s->dport));
		if (s->ifindex)
			jw_str(w, "dev", dev);
		if (key)
			jw_obj_close(w);
		return;
	}
	printf("%s%ssrc %s dst %s", key ? key : "", key ? " " : "", b, c);
	if (s->proto) {
		if (pe)
			printf(" proto %s", pe->p_name);
		else
			printf(" proto %u", s->proto);
	}
	if (s->sport_mask)
		printf(" sport %u", ntohs(s->sport));
	if (s->dport_mask)
		printf(" dport %u", ntohs(s->dport));
	if (s->ifindex)
		printf(" dev %s", dev);
}

static void print_flag_list(struct jw *w, const char *key, uint32_t flags,
			    const char *const *names, unsigned int n)
{
	unsigned int i;

	if (!flags)
		return;
	if (w)
		jw_arr_open(w, key);
	else
		printf(" %s", key);
	for (i = 0; i < 32; i++) {
		char num[16];
		const char *name;

		if (!(flags & (1u << i)))
			continue;
		snprintf(num, sizeof(num), "0x%x", 1u << i);
		name = i < n ? names[i] : num;
		if (w)
			jw_str(w, NULL, name);
		else
			printf(" %s", name);
	}
	if (w)
		jw_arr_close(w);
}

/* "aead NAME KEY ICV" / "auth-trunc NAME KEY TRUNC" / "enc NAME KEY" / ... */
static void print_alg(struct jw *w, const char *key, const struct xfrmctx_alg *alg)
{
	int trunc = !strcmp(key, "auth") && alg->has_trunc_len;
	const char *kw = trunc ? "auth-trunc" : key;

	if (w) {
		jw_obj_open(w, kw);
		jw_str(w, "name", alg->name);
		if (opt_reveal)
			jw_hex(w, "key", alg->key, alg->key_len);
		else
			jw_str(w, "key", "<hidden>");
		jw_u64(w, "key-bits", (uint64_t)alg->key_len * 8);
		if (alg->has_icv_len)
			jw_u64(w, "icv-len", alg->icv_len);
		if (alg->has_trunc_len)
			jw_u64(w, "trunc-len", alg->trunc_len);
		if (alg->geniv[0])
			jw_str(w, "geniv", alg->geniv);
		if (alg->iv_salt_len) {
			if (opt_reveal)
				jw_hex(w, "iv-salt", alg->iv_salt, alg->iv_salt_len);
			else
				jw_str(w, "iv-salt", "<hidden>");
		}
		jw_obj_close(w);
		return;
	}
	printf("\t%s %s ", kw, alg->name);
	if (!strcmp(key, "comp")) {
		printf("\n");
		return;
	}
	if (opt_reveal)
		text_hex(alg->key, alg->key_len);
	else
		printf("<hidden>");
	if (alg->has_icv_len)
		printf(" %u", alg->icv_len);
	if (trunc)
		printf(" %u", alg->trunc_len);
	if (alg->geniv[0])
		printf(" geniv %s", alg->geniv);
	if (alg->iv_salt_len) {
		printf(" iv-salt ");
		if (opt_reveal)
			text_hex(alg->iv_salt, alg->iv_salt_len);
		else
			printf("<hidden>");
	}
	printf("\n");
}

static void print_limits(struct jw *w, const struct xfrm_lifetime_cfg *l)
{
	const struct {
		const char *name;
		uint64_t v;
	} lim[] = {
		{ "time-soft", l->soft_add_expires_seconds },
		{ "time-hard", l->hard_add_expires_seconds },
		{ "time-use-soft", l->soft_use_expires_seconds },
		{ "time-use-hard", l->hard_use_expires_seconds },
		{ "byte-soft", l->soft_byte_limit },
		{ "byte-hard", l->hard_byte_limit },
		{ "packet-soft", l->soft_packet_limit },
		{ "packet-hard", l->hard_packet_limit },
	};
	unsigned int i, any = 0;

	/* 0 (time) and XFRM_INF (bytes, packets) mean "no limit". */
	for (i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
		if (!lim[i].v || lim[i].v == XFRM_INF)
			continue;
		if (!any++) {
			if (w)
				jw_obj_open(w, "limit");
			else
				printf("\tlimit");
		}
		if (w)
			jw_u64(w, lim[i].name, lim[i].v);
		else
			printf(" %s %" PRIu64, lim[i].name, lim[i].v);
	}
	if (any) {
		if (w)
			jw_obj_close(w);
		else
			printf("\n");
	}
}

#define HAS(a) XFRMCTX_SA_HAS(sa, a)

static void print_sa_json(struct jw *w, const struct xfrmctx_sa *sa)
{
	char a[INET6_ADDRSTRLEN], spi[16];
	unsigned int i;

	jw_obj_open(w, NULL);
	if (HAS(XFRM_CTX_SA_SADDR))
		jw_str(w, "src", addr_str(sa->family, &sa->saddr, a, sizeof(a)));
	jw_str(w, "dst", addr_str(sa->family, &sa->daddr, a, sizeof(a)));
	jw_str(w, "proto", proto_name(sa->proto));
	snprintf(spi, sizeof(spi), "0x%08x", sa->spi);
	jw_str(w, "spi", spi);
	if (HAS(XFRM_CTX_SA_REQID))
		jw_u64(w, "reqid", sa->reqid);
	if (HAS(XFRM_CTX_SA_MODE))
		jw_str(w, "mode", mode_name(sa->mode));
	if (HAS(XFRM_CTX_SA_DIR) && sa->dir)
		jw_str(w, "dir", sa->dir == 1 ? "in" : "out");
	if (HAS(XFRM_CTX_SA_REPLAY)) {
		jw_str(w, "replay-mode", sa->replay.mode < 3 ? replay_modes[sa->replay.mode] : "?");
		jw_u64(w, "replay-window", sa->replay.window);
		jw_u64(w, "replay-seq", sa->replay.seq);
		jw_u64(w, "replay-oseq", sa->replay.oseq);
		jw_u64(w, "replay-seq-hi", sa->replay.seq_hi);
		jw_u64(w, "replay-oseq-hi", sa->replay.oseq_hi);
		jw_arr_open(w, "replay-bitmap");
		for (i = 0; i < sa->replay.bitmap_words; i++) {
			char word[12];

			snprintf(word, sizeof(word), "0x%08x", sa->replay.bitmap[i]);
			jw_str(w, NULL, word);
		}
		jw_arr_close(w);
	}
	print_flag_list(w, "flag", sa->flags, state_flags, 8);
	print_flag_list(w, "extra-flag", sa->extra_flags, extra_flags, 2);
	if (HAS(XFRM_CTX_SA_ALG_AEAD))
		print_alg(w, "aead", &sa->aead);
	if (HAS(XFRM_CTX_SA_ALG_AUTH))
		print_alg(w, "auth", &sa->auth);
	if (HAS(XFRM_CTX_SA_ALG_CRYPT))
		print_alg(w, "enc", &sa->crypt);
	if (HAS(XFRM_CTX_SA_ALG_COMP))
		print_alg(w, "comp", &sa->comp);
	if (HAS(XFRM_CTX_SA_ENCAP)) {
		jw_obj_open(w, "encap");
		jw_str(w, "type", sa->encap.type == 2 ? "espinudp" : sa->encap.type == 1 ?
		       "espinudp-nonike" : sa->encap.type == 7 ? "espintcp" : "unknown");
		jw_u64(w, "sport", sa->encap.sport);
		jw_u64(w, "dport", sa->encap.dport);
		if (sa->encap.has_oa)
			jw_str(w, "oa", addr_str(sa->family, &sa->encap.oa, a, sizeof(a)));
		jw_obj_close(w);
	}
	if (HAS(XFRM_CTX_SA_COADDR))
		jw_str(w, "coa", addr_str(sa->family, &sa->coaddr, a, sizeof(a)));
	if (HAS(XFRM_CTX_SA_MARK)) {
		jw_u64(w, "mark", sa->mark);
		jw_u64(w, "mask", HAS(XFRM_CTX_SA_MARK_MASK) ? sa->mark_mask : 0xffffffff);
	}
	if (HAS(XFRM_CTX_SA_SMARK)) {
		jw_u64(w, "output-mark", sa->smark);
		jw_u64(w, "output-mark-mask", sa->smark_mask);
	}
	if (HAS(XFRM_CTX_SA_IF_ID))
		jw_u64(w, "if_id", sa->if_id);
	if (HAS(XFRM_CTX_SA_TFCPAD))
		jw_u64(w, "tfcpad", sa->tfcpad);
	if (HAS(XFRM_CTX_SA_SELECTOR))
		print_selector(w, "sel", &sa->sel);
	jw_bool(w, "frozen", sa->frozen);
	if (sa->soft_expired)
		jw_bool(w, "soft-expired", 1);
	if (opt_stats) {
		if (HAS(XFRM_CTX_SA_LIFETIME))
			print_limits(w, &sa->lft);
		if (HAS(XFRM_CTX_SA_CURLFT)) {
			jw_obj_open(w, "current");
			jw_u64(w, "bytes", sa->curlft.bytes);
			jw_u64(w, "packets", sa->curlft.packets);
			jw_u64(w, "age", sa->curlft.age);
			if (sa->curlft.has_use_age)
				jw_u64(w, "use-age", sa->curlft.use_age);
			jw_obj_close(w);
		}
		if (HAS(XFRM_CTX_SA_STATS)) {
			jw_obj_open(w, "stats");
			jw_u64(w, "replay-window", sa->stats.replay_window);
			jw_u64(w, "replay", sa->stats.replay);
			jw_u64(w, "integrity-failed", sa->stats.integrity_failed);
			jw_obj_close(w);
		}
		if (HAS(XFRM_CTX_SA_REPLAY_MAXAGE))
			jw_u64(w, "replay-maxage", sa->replay_maxage);
		if (HAS(XFRM_CTX_SA_REPLAY_MAXDIFF))
			jw_u64(w, "replay-maxdiff", sa->replay_maxdiff);
	}
	jw_obj_close(w);
}

void print_sa(struct jw *w, const struct xfrmctx_sa *sa)
{
	char a[INET6_ADDRSTRLEN];
	unsigned int i;

	if (w) {
		print_sa_json(w, sa);
		return;
	}
	if (HAS(XFRM_CTX_SA_SADDR))
		printf("src %s ", addr_str(sa->family, &sa->saddr, a, sizeof(a)));
	printf("dst %s\n", addr_str(sa->family, &sa->daddr, a, sizeof(a)));
	printf("\tproto %s spi 0x%08x", proto_name(sa->proto), sa->spi);
	if (HAS(XFRM_CTX_SA_REQID))
		printf(" reqid %u", sa->reqid);
	if (HAS(XFRM_CTX_SA_MODE))
		printf(" mode %s", mode_name(sa->mode));
	if (HAS(XFRM_CTX_SA_DIR) && sa->dir)
		printf(" dir %s", sa->dir == 1 ? "in" : "out");
	printf("\n");
	if (HAS(XFRM_CTX_SA_REPLAY) || sa->flags || sa->extra_flags) {
		printf("\t");
		if (HAS(XFRM_CTX_SA_REPLAY))
			printf("replay-window %u", sa->replay.window);
		print_flag_list(NULL, "flag", sa->flags, state_flags, 8);
		print_flag_list(NULL, "extra-flag", sa->extra_flags, extra_flags, 2);
		printf("\n");
	}
	if (HAS(XFRM_CTX_SA_REPLAY)) {
		printf("\treplay-oseq 0x%x replay-oseq-hi 0x%x replay-seq 0x%x replay-seq-hi 0x%x\n",
		       sa->replay.oseq, sa->replay.oseq_hi, sa->replay.seq, sa->replay.seq_hi);
		if (sa->replay.bitmap_words) {
			printf("\treplay-bitmap 0x");
			for (i = sa->replay.bitmap_words; i-- > 0;)
				printf("%08x", sa->replay.bitmap[i]);
			printf("\n");
		}
	}
	if (HAS(XFRM_CTX_SA_ALG_AEAD))
		print_alg(NULL, "aead", &sa->aead);
	if (HAS(XFRM_CTX_SA_ALG_AUTH))
		print_alg(NULL, "auth", &sa->auth);
	if (HAS(XFRM_CTX_SA_ALG_CRYPT))
		print_alg(NULL, "enc", &sa->crypt);
	if (HAS(XFRM_CTX_SA_ALG_COMP))
		print_alg(NULL, "comp", &sa->comp);
	if (HAS(XFRM_CTX_SA_ENCAP))
		printf("\tencap %s %u %u %s\n",
		       sa->encap.type == 2 ? "espinudp" : sa->encap.type == 1 ? "espinudp-nonike" :
		       sa->encap.type == 7 ? "espintcp" : "unknown",
		       sa->encap.sport, sa->encap.dport,
		       sa->encap.has_oa ? addr_str(sa->family, &sa->encap.oa, a, sizeof(a)) : "0.0.0.0");
	if (HAS(XFRM_CTX_SA_COADDR))
		printf("\tcoa %s\n", addr_str(sa->family, &sa->coaddr, a, sizeof(a)));
	if (HAS(XFRM_CTX_SA_MARK) || HAS(XFRM_CTX_SA_SMARK) || HAS(XFRM_CTX_SA_IF_ID) ||
	    HAS(XFRM_CTX_SA_TFCPAD)) {
		printf("\t");
		if (HAS(XFRM_CTX_SA_MARK))
			printf("mark 0x%x mask 0x%x ", sa->mark,
			       HAS(XFRM_CTX_SA_MARK_MASK) ? sa->mark_mask : 0xffffffff);
		if (HAS(XFRM_CTX_SA_SMARK))
			printf("output-mark 0x%x mask 0x%x ", sa->smark, sa->smark_mask);
		if (HAS(XFRM_CTX_SA_IF_ID))
			printf("if_id %u ", sa->if_id);
		if (HAS(XFRM_CTX_SA_TFCPAD))
			printf("tfcpad %u ", sa->tfcpad);
		printf("\n");
	}
	if (HAS(XFRM_CTX_SA_SELECTOR)) {
		printf("\t");
		print_selector(NULL, "sel", &sa->sel);
		printf("\n");
	}
	if (sa->frozen || sa->soft_expired)
		printf("\t%s%s\n", sa->frozen ? "frozen" : "",
		       sa->soft_expired ? (sa->frozen ? " soft-expired" : "soft-expired") : "");
	if (opt_stats) {
		if (HAS(XFRM_CTX_SA_LIFETIME))
			print_limits(NULL, &sa->lft);
		if (HAS(XFRM_CTX_SA_CURLFT)) {
			printf("\tcurrent bytes %" PRIu64 " packets %" PRIu64 " age %" PRIu64,
			       sa->curlft.bytes, sa->curlft.packets, sa->curlft.age);
			if (sa->curlft.has_use_age)
				printf(" use-age %" PRIu64, sa->curlft.use_age);
			printf("\n");
		}
		if (HAS(XFRM_CTX_SA_STATS))
			printf("\tstats replay-window %u replay %u integrity-failed %u\n",
			       sa->stats.replay_window, sa->stats.replay, sa->stats.integrity_failed);
	}
}

#undef HAS

static const char *pdir_name(uint8_t dir)
{
	return dir == XFRM_POLICY_IN ? "in" : dir == XFRM_POLICY_OUT ? "out" :
	       dir == XFRM_POLICY_FWD ? "fwd" : "?";
}

void print_policy(struct jw *w, const struct xfrmctx_policy *p)
{
	char a[INET6_ADDRSTRLEN], spi[16];
	unsigned int i;

	if (w) {
		jw_obj_open(w, NULL);
		print_selector(w, NULL, &p->info.sel);
		jw_str(w, "dir", pdir_name(p->info.dir));
		jw_u64(w, "priority", p->info.priority);
		jw_str(w, "action", p->info.action == XFRM_POLICY_BLOCK ? "block" : "allow");
		if (p->type == XFRM_POLICY_TYPE_SUB)
			jw_str(w, "ptype", "sub");
		if (p->has_mark) {
			jw_u64(w, "mark", p->mark);
			jw_u64(w, "mask", p->mark_mask);
		}
		if (p->has_if_id)
			jw_u64(w, "if_id", p->if_id);
		jw_arr_open(w, "tmpl");
		for (i = 0; i < p->n_tmpl; i++) {
			const struct xfrm_user_tmpl *t = &p->tmpl[i];

			jw_obj_open(w, NULL);
			jw_str(w, "src", addr_str(t->family, &t->saddr, a, sizeof(a)));
			jw_str(w, "dst", addr_str(t->family, &t->id.daddr, a, sizeof(a)));
			jw_str(w, "proto", proto_name(t->id.proto));
			if (t->id.spi) {
				snprintf(spi, sizeof(spi), "0x%08x", ntohl(t->id.spi));
				jw_str(w, "spi", spi);
			}
			jw_u64(w, "reqid", t->reqid);
			jw_str(w, "mode", mode_name(t->mode));
			jw_str(w, "level", t->optional ? "use" : "required");
			jw_obj_close(w);
		}
		jw_arr_close(w);
		jw_obj_close(w);
		return;
	}
	print_selector(NULL, NULL, &p->info.sel);
	printf("\n\tdir %s priority %u", pdir_name(p->info.dir), p->info.priority);
	if (p->info.action == XFRM_POLICY_BLOCK)
		printf(" action block");
	if (p->type == XFRM_POLICY_TYPE_SUB)
		printf(" ptype sub");
	if (p->has_mark)
		printf(" mark 0x%x mask 0x%x", p->mark, p->mark_mask);
	if (p->has_if_id)
		printf(" if_id %u", p->if_id);
	printf("\n");
	for (i = 0; i < p->n_tmpl; i++) {
		const struct xfrm_user_tmpl *t = &p->tmpl[i];

		printf("\ttmpl src %s", addr_str(t->family, &t->saddr, a, sizeof(a)));
		printf(" dst %s proto %s", addr_str(t->family, &t->id.daddr, a, sizeof(a)),
		       proto_name(t->id.proto));
		if (t->id.spi)
			printf(" spi 0x%08x", ntohl(t->id.spi));
		printf(" reqid %u mode %s", t->reqid, mode_name(t->mode));
		if (t->optional)
			printf(" level use");
		printf("\n");
	}
}

void print_sa_id(struct jw *w, const struct xfrmctx_sa_id *id)
{
	char a[INET6_ADDRSTRLEN], spi[16];

	snprintf(spi, sizeof(spi), "0x%08x", id->spi);
	if (w) {
		if (id->has_saddr)
			jw_str(w, "src", addr_str(id->family, &id->saddr, a, sizeof(a)));
		jw_str(w, "dst", addr_str(id->family, &id->daddr, a, sizeof(a)));
		if (id->has_proto)
			jw_str(w, "proto", proto_name(id->proto));
		if (id->has_spi)
			jw_str(w, "spi", spi);
		if (id->has_mark) {
			jw_u64(w, "mark", id->mark);
			jw_u64(w, "mask", id->mark_mask);
		}
		if (id->has_if_id)
			jw_u64(w, "if_id", id->if_id);
		return;
	}
	if (id->has_saddr)
		printf("src %s ", addr_str(id->family, &id->saddr, a, sizeof(a)));
	printf("dst %s", addr_str(id->family, &id->daddr, a, sizeof(a)));
	if (id->has_proto)
		printf(" proto %s", proto_name(id->proto));
	if (id->has_spi)
		printf(" spi %s", spi);
	if (id->has_mark)
		printf(" mark 0x%x mask 0x%x", id->mark, id->mark_mask);
	if (id->has_if_id)
		printf(" if_id %u", id->if_id);
}

void print_frozen(struct jw *w, const struct xfrmctx_frozen *f)
{
	if (w) {
		print_sa_id(w, &f->id);
		if (f->has_reqid)
			jw_u64(w, "reqid", f->reqid);
		jw_u64(w, "lease-left-ms", f->lease_left_ms);
		jw_u64(w, "frozen-ms", f->frozen_ms);
		jw_bool(w, "staged", f->staged);
		jw_bool(w, "exported", f->exported);
		if (f->has_drops) {
			jw_u64(w, "drops-in", f->drops_in);
			jw_u64(w, "drops-out", f->drops_out);
		}
		return;
	}
	print_sa_id(NULL, &f->id);
	if (f->has_reqid)
		printf(" reqid %u", f->reqid);
	printf(" lease-left-ms %u frozen-ms %" PRIu64, f->lease_left_ms, f->frozen_ms);
	if (f->staged)
		printf(" staged");
	if (f->exported)
		printf(" exported");
	if (f->has_drops)
		printf(" drops-in %" PRIu64 " drops-out %" PRIu64, f->drops_in, f->drops_out);
}

const char *event_name(uint32_t ev)
{
	static const char *const names[] = {
		[XFRM_CTX_EV_FROZEN] = "frozen",
		[XFRM_CTX_EV_THAWED] = "thawed",
		[XFRM_CTX_EV_LEASE_EXPIRED] = "lease-expired",
		[XFRM_CTX_EV_IMPORTED] = "imported",
		[XFRM_CTX_EV_RELEASED] = "released",
		[XFRM_CTX_EV_UPDATED] = "updated",
		[XFRM_CTX_EV_GONE] = "gone",
		[XFRM_CTX_EV_UNLOADED] = "unloaded",
		[XFRM_CTX_EV_MIGRATED] = "migrated",
		[XFRM_CTX_EV_LEASE_HELD] = "lease-held",
		[XFRM_CTX_EV_UNLOAD_DELETED] = "unload-deleted",
	};

	if (ev < sizeof(names) / sizeof(names[0]) && names[ev])
		return names[ev];
	return "unknown";
}
