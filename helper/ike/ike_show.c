// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Printing IKE records in the spirit of `ip xfrm state`: one block per
 * IKE_SA, its CHILD_SAs indented under it. Key material is printed only
 * with --reveal-keys; otherwise only its length.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "ike_show.h"

struct name { uint16_t id; const char *name; };

static const char *lookup(const struct name *t, size_t n, uint16_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].id == id)
			return t[i].name;
	return NULL;
}

#define LOOKUP(t, id) lookup(t, sizeof(t) / sizeof(t[0]), id)

/* IANA IKEv2 transform IDs, the ones charon offers by default and a few more */
static const struct name encr[] = {
	{ 3, "3des" }, { 12, "aes-cbc" }, { 13, "aes-ctr" }, { 14, "aes-ccm8" },
	{ 15, "aes-ccm12" }, { 16, "aes-ccm16" }, { 18, "aes-gcm8" }, { 19, "aes-gcm12" },
	{ 20, "aes-gcm16" }, { 21, "null-aes-gmac" }, { 23, "camellia-cbc" },
	{ 28, "chacha20-poly1305" },
};
static const struct name integ[] = {
	{ 1, "hmac-md5-96" }, { 2, "hmac-sha1-96" }, { 5, "aes-xcbc-96" },
	{ 8, "aes-cmac-96" }, { 12, "hmac-sha2-256-128" }, { 13, "hmac-sha2-384-192" },
	{ 14, "hmac-sha2-512-256" },
};
static const struct name prf[] = {
	{ 1, "prf-hmac-md5" }, { 2, "prf-hmac-sha1" }, { 4, "prf-aes128-xcbc" },
	{ 5, "prf-hmac-sha2-256" }, { 6, "prf-hmac-sha2-384" }, { 7, "prf-hmac-sha2-512" },
	{ 8, "prf-aes128-cmac" },
};
static const struct name dh[] = {
	{ 2, "modp1024" }, { 5, "modp1536" }, { 14, "modp2048" }, { 15, "modp3072" },
	{ 16, "modp4096" }, { 17, "modp6144" }, { 18, "modp8192" }, { 19, "ecp256" },
	{ 20, "ecp384" }, { 21, "ecp521" }, { 31, "curve25519" }, { 32, "curve448" },
};

const char *xc_encr_name(uint16_t id) { return LOOKUP(encr, id); }
const char *xc_integ_name(uint16_t id) { return LOOKUP(integ, id); }
const char *xc_prf_name(uint16_t id) { return LOOKUP(prf, id); }
const char *xc_dh_name(uint16_t id) { return LOOKUP(dh, id); }

/* strongSwan 5.9.8's ike_condition_t and ike_extension_t, bit by bit */
static const char *const cond_names[] = {
	"nat-any", "nat-here", "nat-there", "nat-fake", "eap-authenticated",
	"certreq-seen", "original-initiator", "stale", "init-contact-seen",
	"xauth-authenticated", "reauthenticating", "redirected",
	"online-validation-suspended", "ppk", "authenticated",
};
static const char *const ext_names[] = {
	"natt", "mobike", "hash-and-url", "multiple-auth", "strongswan",
	"eap-only-auth", "ms-windows", "xauth", "dpd", "cisco-unity",
	"natt-draft-02-03", "ike-fragmentation", "signature-auth",
	"ike-redirection", "message-id-sync", "ppk", "childless",
};

static const char *const id_types[] = {
	[1] = "ipv4", [2] = "fqdn", [3] = "rfc822", [4] = "ipv4-subnet", [5] = "ipv6",
	[6] = "ipv6-subnet", [7] = "ipv4-range", [8] = "ipv6-range", [9] = "der-asn1-dn",
	[10] = "der-asn1-gn", [11] = "key-id",
};

static void addr_str(uint8_t family, const uint8_t *addr, char *buf, size_t len)
{
	if (!inet_ntop(family == XC_HA_AF_INET6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

static void host_str(const struct xc_ha_host *h, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	addr_str(h->family, h->addr, a, sizeof(a));
	snprintf(buf, len, "%s[%u]", a, h->port);
}

static void hex(FILE *f, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

/* Printable identity text; binary types as hex. */
static void ident_value(FILE *f, const struct xc_ident *id, int json)
{
	char a[INET6_ADDRSTRLEN];
	size_t i;

	if ((id->type == 1 && id->len == 4) || (id->type == 5 && id->len == 16)) {
		addr_str(id->type == 1 ? XC_HA_AF_INET : XC_HA_AF_INET6, id->data, a, sizeof(a));
		fputs(a, f);
		return;
	}
	if (id->type == 2 || id->type == 3) {
		for (i = 0; i < id->len; i++) {
			unsigned char c = id->data[i];

			if (c < 0x20 || c >= 0x7f || (json && (c == '"' || c == '\\')))
				fprintf(f, json ? "\\u%04x" : "\\x%02x", c);
			else
				fputc(c, f);
		}
		return;
	}
	hex(f, id->data, id->len);
}

/* A JSON string value: quotes, backslashes and control bytes escaped. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static const char *id_type(uint8_t t)
{
	return t < sizeof(id_types) / sizeof(id_types[0]) && id_types[t] ? id_types[t] : "other";
}

static void bits(FILE *f, uint32_t v, const char *const *names, size_t n, int json)
{
	const char *sep = "";
	size_t i;

	for (i = 0; i < 32; i++) {
		if (!(v & (1u << i)))
			continue;
		if (json)
			fprintf(f, "%s\"%s\"", sep, i < n ? names[i] : "?");
		else if (i < n)
			fprintf(f, "%s%s", sep, names[i]);
		else
			fprintf(f, "%sbit%zu", sep, i);
		sep = json ? "," : " ";
	}
}

static void alg(FILE *f, const char *what, const char *name, uint16_t id, int json, const char **sep)
{
	if (json) {
		fprintf(f, "%s\"%s\":%u", *sep, what, id);
		if (name)
			fprintf(f, ",\"%s_name\":\"%s\"", what, name);
		*sep = ",";
	} else {
		fprintf(f, " %s %s", what, name ? name : "?");
		if (!name)
			fprintf(f, "(%u)", id);
	}
}

static void key(FILE *f, const char *what, const struct xc_blob *b,
		const struct xc_show_opts *o, const char **sep)
{
	if (o->json) {
		fprintf(f, "%s\"%s\":{\"len\":%u", *sep, what, b->len);
		if (o->reveal_keys) {
			fprintf(f, ",\"hex\":\"");
			hex(f, b->data, b->len);
			fprintf(f, "\"");
		}
		fprintf(f, "}");
		*sep = ",";
	} else {
		fprintf(f, " %s ", what);
		if (o->reveal_keys)
			hex(f, b->data, b->len);
		else
			fprintf(f, "[%u bytes hidden]", b->len);
	}
}

static void ts_text(FILE *f, const struct xc_ha_ts *ts)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	uint8_t fam = ts->type == XC_HA_TS_IPV6 ? XC_HA_AF_INET6 : XC_HA_AF_INET;

	if (ts->dynamic) {
		fputs("dynamic", f);
	} else {
		addr_str(fam, ts->from, a, sizeof(a));
		addr_str(fam, ts->to, b, sizeof(b));
		fprintf(f, "%s..%s", a, b);
	}
	if (ts->proto || ts->from_port || ts->to_port != 0xffff)
		fprintf(f, "[%u/%u-%u]", ts->proto, ts->from_port, ts->to_port);
}

static void ts_json(FILE *f, const struct xc_ha_ts *ts)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	uint8_t fam = ts->type == XC_HA_TS_IPV6 ? XC_HA_AF_INET6 : XC_HA_AF_INET;

	addr_str(fam, ts->from, a, sizeof(a));
	addr_str(fam, ts->to, b, sizeof(b));
	fprintf(f, "{\"from\":\"%s\",\"to\":\"%s\",\"proto\":%u,\"from_port\":%u,\"to_port\":%u,\"dynamic\":%s}",
		a, b, ts->proto, ts->from_port, ts->to_port, ts->dynamic ? "true" : "false");
}

static const char *mode_name(uint8_t m)
{
	static const char *const names[] = { "none", "transport", "tunnel", "beet", "pass", "drop" };

	return m < 6 ? names[m] : "?";
}

static void spi_hex(const uint8_t *spi, char *buf)
{
	int i;

	for (i = 0; i < 8; i++)
		sprintf(buf + 2 * i, "%02x", spi[i]);
}

static void child_text(FILE *f, const struct xc_child *c, const struct xc_show_opts *o)
{
	const char *sep = "";
	char spi[17];
	unsigned int i;

	fprintf(f, "\tchild %s spi-in 0x%08x spi-out 0x%08x mode %s %s\n", c->config, c->spi_in,
		c->spi_out, mode_name(c->mode), c->initiator ? "initiator" : "responder");
	if (c->cpi_in || c->cpi_out || c->ipcomp)
		fprintf(f, "\t\tipcomp %u cpi-in 0x%04x cpi-out 0x%04x\n", c->ipcomp, c->cpi_in, c->cpi_out);
	fprintf(f, "\t\tproposal");
	if (c->has_encr) {
		alg(f, "encr", xc_encr_name(c->encr), c->encr, 0, &sep);
		if (c->has_encr_len)
			fprintf(f, "/%u", c->encr_len);
	}
	if (c->has_integ)
		alg(f, "integ", xc_integ_name(c->integ), c->integ, 0, &sep);
	if (c->has_dh)
		alg(f, "dh", xc_dh_name(c->dh), c->dh, 0, &sep);
	fprintf(f, " esn %s\n", c->has_esn && c->esn ? "yes" : "no");
	fprintf(f, "\t\tts");
	for (i = 0; i < c->nlocal_ts; i++) {
		fputc(' ', f);
		ts_text(f, &c->local_ts[i]);
	}
	fprintf(f, " ===");
	for (i = 0; i < c->nremote_ts; i++) {
		fputc(' ', f);
		ts_text(f, &c->remote_ts[i]);
	}
	spi_hex(c->keyed_by.spi_i, spi);
	fprintf(f, "\n\t\tkeyed-by %s_i", spi);
	spi_hex(c->keyed_by.spi_r, spi);
	fprintf(f, " %s_r\n\t\tkeys", spi);
	key(f, "nonce-i", &c->nonce_i, o, &sep);
	key(f, "nonce-r", &c->nonce_r, o, &sep);
	if (c->secret.len)
		key(f, "pfs-secret", &c->secret, o, &sep);
	fputc('\n', f);
}

static void ident_text(FILE *f, const char *what, const struct xc_ident *id)
{
	if (!id->present)
		return;
	fprintf(f, " %s ", what);
	ident_value(f, id, 0);
	fprintf(f, " (%s)", id_type(id->type));
}

static void ike_text(FILE *f, const struct xc_store *s, const struct xc_ike *ike,
		     const struct xc_show_opts *o)
{
	const struct xc_child *c;
	const char *sep = "";
	char spi_i[17], spi_r[17], h[64];
	unsigned int i;

	spi_hex(ike->id.spi_i, spi_i);
	spi_hex(ike->id.spi_r, spi_r);
	fprintf(f, "ike %s_i %s_r IKEv%u %s %s", spi_i, spi_r, ike->ike_version,
		ike->id.initiator ? "initiator" : "responder",
		ike->deleted ? "keying-only" : "live");
	if (ike->updated)
		fprintf(f, " config %s", ike->config);
	fputc('\n', f);
	fprintf(f, "\tlocal");
	if (ike->has_local) {
		host_str(&ike->local, h, sizeof(h));
		fprintf(f, " %s", h);
	}
	ident_text(f, "id", &ike->local_id);
	fprintf(f, "\n\tremote");
	if (ike->has_remote) {
		host_str(&ike->remote, h, sizeof(h));
		fprintf(f, " %s", h);
	}
	ident_text(f, "id", &ike->remote_id);
	ident_text(f, "eap-id", &ike->remote_eap_id);
	fprintf(f, "\n\tproposal");
	if (ike->has_encr) {
		alg(f, "encr", xc_encr_name(ike->encr), ike->encr, 0, &sep);
		if (ike->has_encr_len)
			fprintf(f, "/%u", ike->encr_len);
	}
	if (ike->has_integ)
		alg(f, "integ", xc_integ_name(ike->integ), ike->integ, 0, &sep);
	alg(f, "prf", xc_prf_name(ike->prf), ike->prf, 0, &sep);
	if (ike->has_dh)
		alg(f, "dh", xc_dh_name(ike->dh), ike->dh, 0, &sep);
	fprintf(f, "\n\tmessage-id");
	if (ike->has_mid_i)
		fprintf(f, " out %u", ike->mid_i);
	else
		fprintf(f, " out 0");
	if (ike->has_mid_r)
		fprintf(f, " in %u", ike->mid_r);
	else
		fprintf(f, " in 0");
	fprintf(f, "\n\tconditions ");
	bits(f, ike->conditions, cond_names, sizeof(cond_names) / sizeof(cond_names[0]), 0);
	fprintf(f, "\n\textensions ");
	bits(f, ike->extensions, ext_names, sizeof(ext_names) / sizeof(ext_names[0]), 0);
	fputc('\n', f);
	for (i = 0; i < ike->nremote_vips; i++) {
		host_str(&ike->remote_vips[i], h, sizeof(h));
		fprintf(f, "\tremote-vip %s\n", h);
	}
	for (i = 0; i < ike->nlocal_vips; i++) {
		host_str(&ike->local_vips[i], h, sizeof(h));
		fprintf(f, "\tlocal-vip %s\n", h);
	}
	for (i = 0; i < ike->npeer_addrs; i++) {
		host_str(&ike->peer_addrs[i], h, sizeof(h));
		fprintf(f, "\tpeer-addr %s\n", h);
	}
	fprintf(f, "\tkeys form dh-secret+nonces");
	key(f, "dh-secret", &ike->secret, o, &sep);
	key(f, "nonce-i", &ike->nonce_i, o, &sep);
	key(f, "nonce-r", &ike->nonce_r, o, &sep);
	fputc('\n', f);
	if (ike->has_old) {
		spi_hex(ike->rekey_of.spi_i, spi_i);
		spi_hex(ike->rekey_of.spi_r, spi_r);
		fprintf(f, "\trekey-of %s_i %s_r", spi_i, spi_r);
		alg(f, "old-prf", xc_prf_name(ike->old_prf), ike->old_prf, 0, &sep);
		key(f, "old-sk_d", &ike->old_skd, o, &sep);
		fputc('\n', f);
	}
	if (!ike->deleted)
		for (c = s->children; c; c = c->next)
			if (xc_store_child_owner(s, c) == ike)
				child_text(f, c, o);
}

static void host_json(FILE *f, const char *what, const struct xc_ha_host *h, const char **sep)
{
	char a[INET6_ADDRSTRLEN];

	addr_str(h->family, h->addr, a, sizeof(a));
	fprintf(f, "%s\"%s\":{\"addr\":\"%s\",\"port\":%u}", *sep, what, a, h->port);
	*sep = ",";
}

static void ident_json(FILE *f, const char *what, const struct xc_ident *id, const char **sep)
{
	if (!id->present)
		return;
	fprintf(f, "%s\"%s\":{\"type\":\"%s\",\"type_id\":%u,\"value\":\"", *sep, what,
		id_type(id->type), id->type);
	ident_value(f, id, 1);
	fprintf(f, "\"}");
	*sep = ",";
}

static void child_json(FILE *f, const struct xc_child *c, const struct xc_show_opts *o)
{
	const char *sep = ",";
	char spi[17];
	unsigned int i;

	fprintf(f, "{\"config\":");
	json_str(f, c->config);
	fprintf(f, ",\"spi_in\":%u,\"spi_out\":%u,\"cpi_in\":%u,\"cpi_out\":%u,"
		"\"mode\":\"%s\",\"ipcomp\":%u,\"initiator\":%s,\"added\":%lld",
		c->spi_in, c->spi_out, c->cpi_in, c->cpi_out, mode_name(c->mode),
		c->ipcomp, c->initiator ? "true" : "false", (long long)c->added);
	spi_hex(c->keyed_by.spi_i, spi);
	fprintf(f, ",\"keyed_by\":{\"spi_i\":\"%s\"", spi);
	spi_hex(c->keyed_by.spi_r, spi);
	fprintf(f, ",\"spi_r\":\"%s\"},\"proposal\":{", spi);
	sep = "";
	if (c->has_encr)
		alg(f, "encr", xc_encr_name(c->encr), c->encr, 1, &sep);
	if (c->has_encr_len) {
		fprintf(f, "%s\"encr_keylen\":%u", sep, c->encr_len);
		sep = ",";
	}
	if (c->has_integ)
		alg(f, "integ", xc_integ_name(c->integ), c->integ, 1, &sep);
	if (c->has_dh)
		alg(f, "dh", xc_dh_name(c->dh), c->dh, 1, &sep);
	fprintf(f, "%s\"esn\":%s}", sep, c->has_esn && c->esn ? "true" : "false");
	fprintf(f, ",\"local_ts\":[");
	for (i = 0; i < c->nlocal_ts; i++) {
		fprintf(f, i ? "," : "");
		ts_json(f, &c->local_ts[i]);
	}
	fprintf(f, "],\"remote_ts\":[");
	for (i = 0; i < c->nremote_ts; i++) {
		fprintf(f, i ? "," : "");
		ts_json(f, &c->remote_ts[i]);
	}
	fprintf(f, "],\"keys\":{");
	sep = "";
	key(f, "nonce_i", &c->nonce_i, o, &sep);
	key(f, "nonce_r", &c->nonce_r, o, &sep);
	if (c->secret.len)
		key(f, "pfs_secret", &c->secret, o, &sep);
	fprintf(f, "}}");
}

static void ike_json(FILE *f, const struct xc_store *s, const struct xc_ike *ike,
		     const struct xc_ikef_meta *meta, const struct xc_show_opts *o)
{
	const struct xc_child *c;
	const char *sep = ",";
	char spi_i[17], spi_r[17];
	unsigned int i;
	int first;

	spi_hex(ike->id.spi_i, spi_i);
	spi_hex(ike->id.spi_r, spi_r);
	fprintf(f, "{\"spi_i\":\"%s\",\"spi_r\":\"%s\",\"version\":%u,\"initiator\":%s,\"state\":\"%s\"",
		spi_i, spi_r, ike->ike_version, ike->id.initiator ? "true" : "false",
		ike->deleted ? "keying-only" : "live");
	if (ike->updated) {
		fprintf(f, ",\"config\":");
		json_str(f, ike->config);
	}
	if (ike->has_local)
		host_json(f, "local", &ike->local, &sep);
	if (ike->has_remote)
		host_json(f, "remote", &ike->remote, &sep);
	ident_json(f, "local_id", &ike->local_id, &sep);
	ident_json(f, "remote_id", &ike->remote_id, &sep);
	ident_json(f, "remote_eap_id", &ike->remote_eap_id, &sep);
	fprintf(f, ",\"mid_out\":%u,\"mid_in\":%u,\"window\":%u", ike->has_mid_i ? ike->mid_i : 0,
		ike->has_mid_r ? ike->mid_r : 0, meta ? meta->window : 1);
	fprintf(f, ",\"proposal\":{");
	sep = "";
	if (ike->has_encr)
		alg(f, "encr", xc_encr_name(ike->encr), ike->encr, 1, &sep);
	if (ike->has_encr_len) {
		fprintf(f, "%s\"encr_keylen\":%u", sep, ike->encr_len);
		sep = ",";
	}
	if (ike->has_integ)
		alg(f, "integ", xc_integ_name(ike->integ), ike->integ, 1, &sep);
	alg(f, "prf", xc_prf_name(ike->prf), ike->prf, 1, &sep);
	if (ike->has_dh)
		alg(f, "dh", xc_dh_name(ike->dh), ike->dh, 1, &sep);
	fprintf(f, "},\"conditions\":[");
	bits(f, ike->conditions, cond_names, sizeof(cond_names) / sizeof(cond_names[0]), 1);
	fprintf(f, "],\"extensions\":[");
	bits(f, ike->extensions, ext_names, sizeof(ext_names) / sizeof(ext_names[0]), 1);
	fprintf(f, "],\"remote_vips\":[");
	for (i = 0; i < ike->nremote_vips; i++) {
		sep = i ? "," : "";
		fprintf(f, "%s", sep);
		sep = "";
		host_json(f, "vip", &ike->remote_vips[i], &sep);
	}
	fprintf(f, "],\"key_form\":\"dh-secret+nonces\",\"keys\":{");
	sep = "";
	key(f, "dh_secret", &ike->secret, o, &sep);
	key(f, "nonce_i", &ike->nonce_i, o, &sep);
	key(f, "nonce_r", &ike->nonce_r, o, &sep);
	if (ike->has_old)
		key(f, "old_sk_d", &ike->old_skd, o, &sep);
	fprintf(f, "}");
	if (ike->has_old) {
		spi_hex(ike->rekey_of.spi_i, spi_i);
		spi_hex(ike->rekey_of.spi_r, spi_r);
		fprintf(f, ",\"rekey_of\":{\"spi_i\":\"%s\",\"spi_r\":\"%s\"},\"old_prf\":%u",
			spi_i, spi_r, ike->old_prf);
	}
	fprintf(f, ",\"added\":%lld,\"updated\":%lld,\"children\":[", (long long)ike->added,
		(long long)ike->updated_at);
	first = 1;
	if (!ike->deleted)
		for (c = s->children; c; c = c->next)
			if (xc_store_child_owner(s, c) == ike) {
				fprintf(f, first ? "" : ",");
				child_json(f, c, o);
				first = 0;
			}
	fprintf(f, "]}");
}

/* oldest first, as the file and the replay order them */
static const struct xc_ike *older(const struct xc_store *s, const struct xc_ike *ike)
{
	const struct xc_ike *p;

	if (ike == s->ikes)
		return NULL;
	for (p = s->ikes; p->next != ike; p = p->next)
		;
	return p;
}

void xc_show_store(FILE *f, const struct xc_store *s, const struct xc_ikef_meta *meta,
		   const struct xc_show_opts *o)
{
	const struct xc_ike *ike;
	int first = 1;

	for (ike = s->ikes; ike && ike->next; ike = ike->next)
		;
	if (o->json) {
		fprintf(f, "{\"serial\":%llu,\"written\":%lld,\"source\":",
			meta ? (unsigned long long)meta->serial : 0ULL,
			meta ? (long long)meta->written : 0LL);
		json_str(f, meta ? meta->source : "");
		fprintf(f, ",\"accepted\":%llu,\"dropped\":%llu,\"ike_sas\":[",
			meta ? (unsigned long long)meta->accepted : 0ULL,
			meta ? (unsigned long long)meta->dropped : 0ULL);
		for (; ike; ike = older(s, ike)) {
			fprintf(f, first ? "" : ",");
			ike_json(f, s, ike, meta, o);
			first = 0;
		}
		fprintf(f, "]}\n");
		return;
	}
	if (meta)
		fprintf(f, "# serial %llu written %lld source %s accepted %llu dropped %llu\n",
			(unsigned long long)meta->serial, (long long)meta->written, meta->source,
			(unsigned long long)meta->accepted, (unsigned long long)meta->dropped);
	for (; ike; ike = older(s, ike))
		ike_text(f, s, ike, o);
}
