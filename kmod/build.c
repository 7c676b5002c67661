// SPDX-License-Identifier: GPL-2.0
/*
 * Import, part one: a new xfrm_state from an "sa" nest, checked attribute
 * by attribute (each refusal names the attribute), with its algorithms
 * instantiated, IV salt restored, counters set and moved ahead by the jumps.
 * Nothing here makes the state visible: the caller inserts it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>
#include <linux/slab.h>
#include <net/xfrm.h>

#include "netlink-gen.h"
#include "xfrm_ctx.h"

struct xc_alg {
	const char	*name;
	const u8	*key;
	unsigned int	key_len;	/* bytes */
	bool		has_len;
	u32		len;		/* icv-len or trunc-len, bits */
	const char	*geniv;
	const struct nlattr *salt;
	const struct nlattr *nest;
};

static int xc_alg_parse(const struct nlattr *nest, bool need_key, struct xc_alg *a,
			struct netlink_ext_ack *extack)
{
	struct nlattr *tb[XFRM_CTX_ALG_MAX + 1];
	int err;

	memset(a, 0, sizeof(*a));
	err = nla_parse_nested(tb, XFRM_CTX_ALG_MAX, nest, xfrm_ctx_alg_nl_policy, extack);
	if (err)
		return err;
	a->nest = nest;
	if (!tb[XFRM_CTX_ALG_NAME]) {
		NL_SET_ERR_MSG_MOD(extack, "algorithm without a name");
		NL_SET_ERR_ATTR_MISS(extack, nest, XFRM_CTX_ALG_NAME);
		return -EINVAL;
	}
	a->name = nla_data(tb[XFRM_CTX_ALG_NAME]);
	if (tb[XFRM_CTX_ALG_KEY]) {
		a->key = nla_data(tb[XFRM_CTX_ALG_KEY]);
		a->key_len = nla_len(tb[XFRM_CTX_ALG_KEY]);
		if (a->key_len > XFRM_CTX_MAX_ALG_KEY_LEN) {
			NL_SET_ERR_MSG_FMT_MOD(extack, "%s: key of %u bytes; at most %u",
					       a->name, a->key_len, XFRM_CTX_MAX_ALG_KEY_LEN);
			NL_SET_BAD_ATTR(extack, tb[XFRM_CTX_ALG_KEY]);
			return -EINVAL;
		}
	} else if (need_key) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "%s: no key", a->name);
		NL_SET_ERR_ATTR_MISS(extack, nest, XFRM_CTX_ALG_KEY);
		return -EINVAL;
	}
	if (tb[XFRM_CTX_ALG_ICV_LEN] || tb[XFRM_CTX_ALG_TRUNC_LEN]) {
		a->has_len = true;
		a->len = nla_get_u32(tb[XFRM_CTX_ALG_ICV_LEN] ?: tb[XFRM_CTX_ALG_TRUNC_LEN]);
	}
	if (tb[XFRM_CTX_ALG_GENIV])
		a->geniv = nla_data(tb[XFRM_CTX_ALG_GENIV]);
	a->salt = tb[XFRM_CTX_ALG_IV_SALT];
	if (a->salt && nla_len(a->salt) > XFRM_CTX_MAX_IV_SALT_LEN) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "%s: IV salt of %d bytes; at most %u",
				       a->name, nla_len(a->salt), XFRM_CTX_MAX_IV_SALT_LEN);
		NL_SET_BAD_ATTR(extack, a->salt);
		return -EINVAL;
	}
	return 0;
}

static int xc_unknown_alg(const struct xc_alg *a, const char *kind,
			  struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG_FMT_MOD(extack, "unknown %s algorithm '%s'", kind, a->name);
	NL_SET_BAD_ATTR(extack, a->nest);
	return -ENOENT;
}

/* The generator the kernel uses for an algorithm is not negotiable. */
static int xc_check_geniv(const struct xc_alg *a, const char *geniv,
			  struct netlink_ext_ack *extack)
{
	if (a->geniv && (!geniv || strcmp(a->geniv, geniv))) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "%s: IV generator %s, this kernel uses %s",
				       a->name, a->geniv, geniv ?: "none");
		NL_SET_BAD_ATTR(extack, a->nest);
		return -EINVAL;
	}
	return 0;
}

static int xc_attach_aead(struct xfrm_state *x, const struct nlattr *nest,
			  struct xc_alg *a, struct netlink_ext_ack *extack)
{
	struct xfrm_algo_desc *desc;
	struct xfrm_algo_aead *p;
	int err;

	err = xc_alg_parse(nest, true, a, extack);
	if (err)
		return err;
	if (!a->has_len) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "%s: no ICV length", a->name);
		NL_SET_ERR_ATTR_MISS(extack, nest, XFRM_CTX_ALG_ICV_LEN);
		return -EINVAL;
	}
	desc = xfrm_aead_get_byname(a->name, a->len, 1);
	if (!desc)
		return xc_unknown_alg(a, "AEAD", extack);
	err = xc_check_geniv(a, desc->uinfo.aead.geniv, extack);
	if (err)
		return err;
	p = kzalloc(sizeof(*p) + a->key_len, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	strscpy(p->alg_name, desc->name, sizeof(p->alg_name));
	p->alg_key_len = a->key_len * 8;
	p->alg_icv_len = a->len;
	memcpy(p->alg_key, a->key, a->key_len);
	x->aead = p;
	x->geniv = desc->uinfo.aead.geniv;
	x->props.ealgo = desc->desc.sadb_alg_id;
	return 0;
}

static int xc_attach_auth(struct xfrm_state *x, const struct nlattr *nest,
			  struct netlink_ext_ack *extack)
{
	struct xfrm_algo_desc *desc;
	struct xfrm_algo_auth *p;
	struct xc_alg a;
	int err;

	err = xc_alg_parse(nest, true, &a, extack);
	if (err)
		return err;
	desc = xfrm_aalg_get_byname(a.name, 1);
	if (!desc)
		return xc_unknown_alg(&a, "authentication", extack);
	if (!a.has_len)
		a.len = desc->uinfo.auth.icv_truncbits;
	if (a.len > desc->uinfo.auth.icv_fullbits) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "%s: truncation to %u bits; at most %u",
				       a.name, a.len, desc->uinfo.auth.icv_fullbits);
		NL_SET_BAD_ATTR(extack, nest);
		return -EINVAL;
	}
	p = kzalloc(sizeof(*p) + a.key_len, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	strscpy(p->alg_name, desc->name, sizeof(p->alg_name));
	p->alg_key_len = a.key_len * 8;
	p->alg_trunc_len = a.len;
	memcpy(p->alg_key, a.key, a.key_len);
	x->aalg = p;
	x->props.aalgo = desc->desc.sadb_alg_id;
	return 0;
}

static int xc_attach_crypt(struct xfrm_state *x, const struct nlattr *nest,
			   struct xc_alg *a, struct netlink_ext_ack *extack)
{
	struct xfrm_algo_desc *desc;
	struct xfrm_algo *p;
	int err;

	err = xc_alg_parse(nest, false, a, extack);
	if (err)
		return err;
	desc = xfrm_ealg_get_byname(a->name, 1);
	if (!desc)
		return xc_unknown_alg(a, "encryption", extack);
	err = xc_check_geniv(a, desc->uinfo.encr.geniv, extack);
	if (err)
		return err;
	p = kzalloc(sizeof(*p) + a->key_len, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	strscpy(p->alg_name, desc->name, sizeof(p->alg_name));
	p->alg_key_len = a->key_len * 8;
	if (a->key_len)
		memcpy(p->alg_key, a->key, a->key_len);
	x->ealg = p;
	x->geniv = desc->uinfo.encr.geniv;
	x->props.ealgo = desc->desc.sadb_alg_id;
	return 0;
}

static int xc_attach_comp(struct xfrm_state *x, const struct nlattr *nest,
			  struct netlink_ext_ack *extack)
{
	struct xfrm_algo_desc *desc;
	struct xfrm_algo *p;
	struct xc_alg a;
	int err;

	err = xc_alg_parse(nest, false, &a, extack);
	if (err)
		return err;
	desc = xfrm_calg_get_byname(a.name, 1);
	if (!desc)
		return xc_unknown_alg(&a, "compression", extack);
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	strscpy(p->alg_name, desc->name, sizeof(p->alg_name));
	x->calg = p;
	x->props.calgo = desc->desc.sadb_alg_id;
	return 0;
}

/* Which algorithms a protocol takes, as XFRM netlink checks it. */
static int xc_check_proto_algs(struct xfrm_state *x, struct nlattr **tb,
			       const struct nlattr *nest, struct netlink_ext_ack *extack)
{
	bool aead = tb[XFRM_CTX_SA_ALG_AEAD], auth = tb[XFRM_CTX_SA_ALG_AUTH];
	bool crypt = tb[XFRM_CTX_SA_ALG_CRYPT], comp = tb[XFRM_CTX_SA_ALG_COMP];
	const char *msg = NULL;

	switch (x->id.proto) {
	case IPPROTO_ESP:
		if (comp)
			msg = "esp takes no compression algorithm";
		else if (aead && (auth || crypt))
			msg = "esp takes an AEAD or auth/crypt algorithms, not both";
		else if (!aead && !crypt)
			msg = "esp needs an AEAD or an encryption algorithm";
		break;
	case IPPROTO_AH:
		if (!auth || aead || crypt || comp)
			msg = "ah takes exactly one authentication algorithm";
		break;
	case IPPROTO_COMP:
		if (!comp || aead || crypt || auth)
			msg = "comp takes exactly one compression algorithm";
		else if (ntohl(x->id.spi) >= 0x10000)
			msg = "comp needs a CPI (spi) below 0x10000";
		break;
	}
	if (msg) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "%s", msg);
		NL_SET_BAD_ATTR(extack, nest);
		return -EINVAL;
	}
	return 0;
}

/* A required address of the SA (daddr, saddr), of the SA's family. */
static int xc_sa_addr(struct nlattr **tb, int type, const char *what, u16 family,
		      xfrm_address_t *a, const struct nlattr *nest,
		      struct netlink_ext_ack *extack)
{
	if (!tb[type]) {
		NL_SET_ERR_MSG_MOD(extack, "the SA lacks an address");
		NL_SET_ERR_ATTR_MISS(extack, nest, type);
		return -EINVAL;
	}
	return xc_get_addr(tb[type], family, a, what, extack);
}

static int xc_set_encap(struct xfrm_state *x, const struct nlattr *nest,
			struct netlink_ext_ack *extack)
{
	struct nlattr *tb[XFRM_CTX_ENCAP_MAX + 1];
	struct xfrm_encap_tmpl *e;
	int err;

	err = nla_parse_nested(tb, XFRM_CTX_ENCAP_MAX, nest, xfrm_ctx_encap_nl_policy,
			       extack);
	if (err)
		return err;
	if (!tb[XFRM_CTX_ENCAP_TYPE] || !tb[XFRM_CTX_ENCAP_SPORT] ||
	    !tb[XFRM_CTX_ENCAP_DPORT]) {
		NL_SET_ERR_MSG_MOD(extack, "encap needs type, sport and dport");
		NL_SET_BAD_ATTR(extack, nest);
		return -EINVAL;
	}
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	x->encap = e;
	e->encap_type = nla_get_u16(tb[XFRM_CTX_ENCAP_TYPE]);
	e->encap_sport = nla_get_be16(tb[XFRM_CTX_ENCAP_SPORT]);
	e->encap_dport = nla_get_be16(tb[XFRM_CTX_ENCAP_DPORT]);
	if (e->encap_type != UDP_ENCAP_ESPINUDP &&
	    e->encap_type != UDP_ENCAP_ESPINUDP_NON_IKE) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "encap type %u is not ESP in UDP",
				       e->encap_type);
		NL_SET_BAD_ATTR(extack, tb[XFRM_CTX_ENCAP_TYPE]);
		return -EINVAL;
	}
	if (tb[XFRM_CTX_ENCAP_OA])
		return xc_get_addr(tb[XFRM_CTX_ENCAP_OA], x->props.family, &e->encap_oa,
				   "encap oa", extack);
	return 0;
}

/*
 * Attributes only some kernels know. A direction (6.10+) is dropped on a
 * kernel without: there an SA has none, and nothing else changes (an
 * outbound SA's replay window is already 0), so a tunnel can move back to
 * an older kernel in a rolling upgrade. What carries behaviour an older
 * kernel cannot give (per-CPU SAs, NAT keepalives) is refused, named.
 */
static int xc_set_optional(struct xfrm_state *x, struct nlattr **tb,
			   struct netlink_ext_ack *extack)
{
	static const struct {
		int type;
		u32 feature;
		const char *what;
	} opt[] = {
		{ XFRM_CTX_SA_PCPU_NUM, XC_FEAT_PCPU, "per-CPU SAs" },
		{ XFRM_CTX_SA_NAT_KEEPALIVE_INTERVAL, XC_FEAT_NAT_KEEPALIVE,
		  "NAT keepalives" },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(opt); i++) {
		if (tb[opt[i].type] && !opt[i].feature) {
			NL_SET_ERR_MSG_FMT_MOD(extack, "this kernel has no %s", opt[i].what);
			NL_SET_BAD_ATTR(extack, tb[opt[i].type]);
			return -EOPNOTSUPP;
		}
	}
	if (tb[XFRM_CTX_SA_DIR])	/* a no-op where the kernel has none */
		xc_state_set_dir(x, nla_get_u8(tb[XFRM_CTX_SA_DIR]));
	if (tb[XFRM_CTX_SA_NAT_KEEPALIVE_INTERVAL])
		xc_state_set_nat_keepalive(x, nla_get_u32(tb[XFRM_CTX_SA_NAT_KEEPALIVE_INTERVAL]));
	if (tb[XFRM_CTX_SA_PCPU_NUM]) {
		u32 cpu = nla_get_u32(tb[XFRM_CTX_SA_PCPU_NUM]);

		if (cpu >= num_possible_cpus()) {
			NL_SET_ERR_MSG_FMT_MOD(extack, "per-CPU SA for CPU %u; this host has %u",
					       cpu, num_possible_cpus());
			NL_SET_BAD_ATTR(extack, tb[XFRM_CTX_SA_PCPU_NUM]);
			return -ERANGE;
		}
		xc_state_set_pcpu_num(x, cpu);
	}
	return 0;
}

static int xc_check_selector(const struct xfrm_selector *sel, const struct nlattr *attr,
			     struct netlink_ext_ack *extack)
{
	u8 max = sel->family == AF_INET6 ? 128 : 32;

	if (sel->family != AF_UNSPEC && sel->family != AF_INET && sel->family != AF_INET6) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "selector family %u unknown", sel->family);
		NL_SET_BAD_ATTR(extack, attr);
		return -EINVAL;
	}
	if (sel->prefixlen_d > max || sel->prefixlen_s > max) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "selector prefix length above %u", max);
		NL_SET_BAD_ATTR(extack, attr);
		return -EINVAL;
	}
	return 0;
}

/* Restore the IV generator's salt into the freshly created transform. */
static int xc_restore_salt(struct xfrm_state *x, const struct xc_alg *a,
			   struct netlink_ext_ack *extack)
{
	unsigned int len;
	u8 *salt;

	if (!a->salt)
		return 0;
	if (xc_geniv_salt(x, &salt, &len) || len != nla_len(a->salt)) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "%s: IV salt of %d bytes does not fit the transform",
				       a->name, nla_len(a->salt));
		NL_SET_BAD_ATTR(extack, a->salt);
		return -EINVAL;
	}
	memcpy(salt, nla_data(a->salt), len);
	return 0;
}

static void xc_set_stats(struct xfrm_state *x, const struct nlattr *nest)
{
	struct nlattr *tb[XFRM_CTX_STATS_MAX + 1];

	if (!nest || nla_parse_nested(tb, XFRM_CTX_STATS_MAX, nest, xfrm_ctx_stats_nl_policy,
				      NULL))
		return;
	if (tb[XFRM_CTX_STATS_REPLAY_WINDOW])
		x->stats.replay_window = nla_get_u32(tb[XFRM_CTX_STATS_REPLAY_WINDOW]);
	if (tb[XFRM_CTX_STATS_REPLAY])
		x->stats.replay = nla_get_u32(tb[XFRM_CTX_STATS_REPLAY]);
	if (tb[XFRM_CTX_STATS_INTEGRITY_FAILED])
		x->stats.integrity_failed = nla_get_u32(tb[XFRM_CTX_STATS_INTEGRITY_FAILED]);
}

static int xc_set_basics(struct xfrm_state *x, struct nlattr **tb,
			 const struct nlattr *nest, struct netlink_ext_ack *extack)
{
	static const int need[] = { XFRM_CTX_SA_FAMILY, XFRM_CTX_SA_SPI, XFRM_CTX_SA_PROTO,
				    XFRM_CTX_SA_MODE, XFRM_CTX_SA_SELECTOR,
				    XFRM_CTX_SA_LIFETIME, XFRM_CTX_SA_REPLAY };
	int i, err;

	for (i = 0; i < ARRAY_SIZE(need); i++) {
		if (!tb[need[i]]) {
			NL_SET_ERR_MSG_FMT_MOD(extack, "the SA lacks attribute %d", need[i]);
			NL_SET_ERR_ATTR_MISS(extack, nest, need[i]);
			return -EINVAL;
		}
	}
	x->props.family = nla_get_u16(tb[XFRM_CTX_SA_FAMILY]);
	if (x->props.family != AF_INET && x->props.family != AF_INET6) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "unknown address family %u", x->props.family);
		NL_SET_BAD_ATTR(extack, tb[XFRM_CTX_SA_FAMILY]);
		return -EAFNOSUPPORT;
	}
	err = xc_sa_addr(tb, XFRM_CTX_SA_DADDR, "daddr", x->props.family, &x->id.daddr,
			 nest, extack) ?:
	      xc_sa_addr(tb, XFRM_CTX_SA_SADDR, "saddr", x->props.family, &x->props.saddr,
			 nest, extack);
	if (err)
		return err;
	x->id.spi = nla_get_be32(tb[XFRM_CTX_SA_SPI]);
	x->id.proto = nla_get_u8(tb[XFRM_CTX_SA_PROTO]);
	if (!xfrm_id_proto_match(x->id.proto, IPSEC_PROTO_ANY)) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "protocol %u is not esp, ah or comp",
				       x->id.proto);
		NL_SET_BAD_ATTR(extack, tb[XFRM_CTX_SA_PROTO]);
		return -EPROTONOSUPPORT;
	}
	if (!x->id.spi) {
		NL_SET_ERR_MSG_MOD(extack, "SPI 0 is reserved");
		NL_SET_BAD_ATTR(extack, tb[XFRM_CTX_SA_SPI]);
		return -EINVAL;
	}
	x->props.mode = nla_get_u8(tb[XFRM_CTX_SA_MODE]);
	if (!xc_mode_carried(x->props.mode)) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "mode %u is not transport, tunnel or beet",
				       x->props.mode);
		NL_SET_BAD_ATTR(extack, tb[XFRM_CTX_SA_MODE]);
		return -EINVAL;
	}
	if (tb[XFRM_CTX_SA_REQID])
		x->props.reqid = nla_get_u32(tb[XFRM_CTX_SA_REQID]);
	if (tb[XFRM_CTX_SA_FLAGS]) {
		u32 flags = nla_get_u32(tb[XFRM_CTX_SA_FLAGS]);

		if (flags > U8_MAX) {
			NL_SET_ERR_MSG_FMT_MOD(extack, "unknown SA flags 0x%x", flags);
			NL_SET_BAD_ATTR(extack, tb[XFRM_CTX_SA_FLAGS]);
			return -EINVAL;
		}
		x->props.flags = flags;
	}
	if (tb[XFRM_CTX_SA_EXTRA_FLAGS])
		x->props.extra_flags = nla_get_u32(tb[XFRM_CTX_SA_EXTRA_FLAGS]);
	memcpy(&x->sel, nla_data(tb[XFRM_CTX_SA_SELECTOR]), sizeof(x->sel));
	err = xc_check_selector(&x->sel, tb[XFRM_CTX_SA_SELECTOR], extack);
	if (err)
		return err;
	memcpy(&x->lft, nla_data(tb[XFRM_CTX_SA_LIFETIME]), sizeof(x->lft));
	if (tb[XFRM_CTX_SA_MARK]) {
		x->mark.v = nla_get_u32(tb[XFRM_CTX_SA_MARK]);
		x->mark.m = tb[XFRM_CTX_SA_MARK_MASK] ?
			    nla_get_u32(tb[XFRM_CTX_SA_MARK_MASK]) : ~0U;
	}
	if (tb[XFRM_CTX_SA_SMARK]) {
		x->props.smark.v = nla_get_u32(tb[XFRM_CTX_SA_SMARK]);
		x->props.smark.m = tb[XFRM_CTX_SA_SMARK_MASK] ?
				   nla_get_u32(tb[XFRM_CTX_SA_SMARK_MASK]) : ~0U;
	}
	if (tb[XFRM_CTX_SA_IF_ID])
		x->if_id = nla_get_u32(tb[XFRM_CTX_SA_IF_ID]);
	if (tb[XFRM_CTX_SA_TFCPAD])
		x->tfcpad = nla_get_u32(tb[XFRM_CTX_SA_TFCPAD]);
	if (tb[XFRM_CTX_SA_MAPPING_MAXAGE])
		x->mapping_maxage = nla_get_u32(tb[XFRM_CTX_SA_MAPPING_MAXAGE]);
	return xc_set_optional(x, tb, extack);
}

/*
 * What XFRM netlink refuses for an SA with a direction, refused here too:
 * an output SA has no replay window or input counters, an input SA no
 * output counter, and neither takes the other direction's flags.
 */
static int xc_check_dir(const struct xfrm_state *x, struct nlattr **tb,
			const struct nlattr *nest, struct netlink_ext_ack *extack)
{
	const char *msg = NULL;
	u8 dir = xc_state_dir(x);

	if (dir == XC_SA_DIR_OUT) {
		if (xc_replay_seq(x) || (x->replay_esn ? x->replay_esn->replay_window :
					 x->props.replay_window))
			msg = "an output SA has no replay window or input counter";
		else if (x->props.flags & (XFRM_STATE_DECAP_DSCP | XFRM_STATE_ICMP))
			msg = "flags decap-dscp and icmp are for input SAs";
		else if (x->mapping_maxage)
			msg = "mapping-maxage is for input SAs";
	} else if (dir == XC_SA_DIR_IN) {
		if (xc_replay_oseq(x))
			msg = "an input SA has no output counter";
		else if (x->props.flags & XFRM_STATE_NOPMTUDISC ||
			 x->props.extra_flags & XFRM_SA_XFLAG_DONT_ENCAP_DSCP)
			msg = "flags nopmtudisc and dont-encap-dscp are for output SAs";
	}
	if (msg) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "%s", msg);
		NL_SET_BAD_ATTR(extack, tb[XFRM_CTX_SA_DIR] ?: nest);
		return -EINVAL;
	}
	return 0;
}

/* Free a state that was never inserted, as XFRM netlink does. */
void xc_state_discard(struct xfrm_state *x)
{
	x->km.state = XFRM_STATE_DEAD;
	xfrm_state_put(x);
}

struct xfrm_state *xc_build_state(struct net *net, const struct nlattr *nest,
				  u64 out_jump, u64 in_jump,
				  struct netlink_ext_ack *extack)
{
	struct nlattr *tb[XFRM_CTX_SA_MAX + 1];
	struct xc_alg aead = {}, crypt = {};
	struct xfrm_state *x;
	int err;

	err = nla_parse_nested(tb, XFRM_CTX_SA_MAX, nest, xfrm_ctx_sa_nl_policy, extack);
	if (err)
		return ERR_PTR(err);
	x = xfrm_state_alloc(net);
	if (!x)
		return ERR_PTR(-ENOMEM);

	err = xc_set_basics(x, tb, nest, extack) ?:
	      xc_check_proto_algs(x, tb, nest, extack) ?:
	      xc_lft_import(x, tb, nest, extack);
	if (err)
		goto fail;
	if (tb[XFRM_CTX_SA_ALG_AEAD])
		err = xc_attach_aead(x, tb[XFRM_CTX_SA_ALG_AEAD], &aead, extack);
	if (!err && tb[XFRM_CTX_SA_ALG_AUTH])
		err = xc_attach_auth(x, tb[XFRM_CTX_SA_ALG_AUTH], extack);
	if (!err && tb[XFRM_CTX_SA_ALG_CRYPT])
		err = xc_attach_crypt(x, tb[XFRM_CTX_SA_ALG_CRYPT], &crypt, extack);
	if (!err && tb[XFRM_CTX_SA_ALG_COMP])
		err = xc_attach_comp(x, tb[XFRM_CTX_SA_ALG_COMP], extack);
	if (!err && tb[XFRM_CTX_SA_ENCAP])
		err = xc_set_encap(x, tb[XFRM_CTX_SA_ENCAP], extack);
	if (!err && tb[XFRM_CTX_SA_COADDR]) {
		x->coaddr = kzalloc(sizeof(*x->coaddr), GFP_KERNEL);
		err = x->coaddr ? xc_get_addr(tb[XFRM_CTX_SA_COADDR], x->props.family,
					      x->coaddr, "coaddr", extack) : -ENOMEM;
	}
	if (!err)
		err = xc_set_replay(x, tb[XFRM_CTX_SA_REPLAY], extack);
	if (!err)
		err = xc_check_dir(x, tb, nest, extack);
	if (err)
		goto fail;

	err = xc_init_state(x, extack);
	if (err) {
		const char *alg = x->aead ? x->aead->alg_name :
				  x->ealg ? x->ealg->alg_name :
				  x->aalg ? x->aalg->alg_name : "the transform";

		NL_SET_ERR_MSG_FMT_MOD(extack, "%s refused its key or lengths (%d)", alg, err);
		NL_SET_BAD_ATTR(extack, tb[XFRM_CTX_SA_ALG_AEAD] ?: tb[XFRM_CTX_SA_ALG_CRYPT] ?:
				tb[XFRM_CTX_SA_ALG_AUTH] ?: nest);
		goto fail;
	}
	x->km.state = XFRM_STATE_VALID;

	err = xc_restore_salt(x, x->aead ? &aead : &crypt, extack);
	if (err)
		goto fail;
	xc_set_stats(x, tb[XFRM_CTX_SA_STATS]);
	x->replay_maxdiff = tb[XFRM_CTX_SA_REPLAY_MAXDIFF] ?
			    nla_get_u32(tb[XFRM_CTX_SA_REPLAY_MAXDIFF]) :
			    net->xfrm.sysctl_aevent_rseqth;
	x->replay_maxage = tb[XFRM_CTX_SA_REPLAY_MAXAGE] ?
			   msecs_to_jiffies(nla_get_u32(tb[XFRM_CTX_SA_REPLAY_MAXAGE])) :
			   (net->xfrm.sysctl_aevent_etime * HZ) / XFRM_AE_ETH_M;

	err = xc_jump_out(x, out_jump, NULL, extack) ?: xc_jump_in(x, in_jump, NULL, extack);
	if (err)
		goto fail;
	/* The async-event baseline starts where the counters now are. */
	x->preplay = x->replay;
	if (x->replay_esn)
		memcpy(x->preplay_esn, x->replay_esn, xfrm_replay_state_esn_len(x->replay_esn));
	return x;

fail:
	xc_state_discard(x);
	return ERR_PTR(err);
}

static bool xc_key_differs(const char *name, const u8 *key, unsigned int bits,
			   const struct xc_alg *a)
{
	return strcmp(name, a->name) || bits != a->key_len * 8 ||
	       (a->key_len && crypto_memneq(key, a->key, a->key_len));
}

/*
 * Counters-only update: the snapshot must describe the same SA as x, down to
 * the keys (an SA that merely shares the SPI must not inherit counters).
 * On success *salt is the snapshot's IV salt attribute, checked against x's
 * transform, or NULL.
 */
int xc_same_sa(const struct xfrm_state *x, struct nlattr **sa, const struct nlattr *nest,
	       const struct nlattr **salt, struct netlink_ext_ack *extack)
{
	static const int types[] = { XFRM_CTX_SA_ALG_AEAD, XFRM_CTX_SA_ALG_AUTH,
				     XFRM_CTX_SA_ALG_CRYPT };
	bool differ = false;
	struct xc_alg a;
	unsigned int len;
	u8 *cur;
	int i, err;

	*salt = NULL;
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		const struct nlattr *attr = sa[types[i]];

		if (!attr) {
			differ |= (types[i] == XFRM_CTX_SA_ALG_AEAD && x->aead) ||
				  (types[i] == XFRM_CTX_SA_ALG_AUTH && x->aalg) ||
				  (types[i] == XFRM_CTX_SA_ALG_CRYPT && x->ealg);
			continue;
		}
		err = xc_alg_parse(attr, false, &a, extack);
		if (err)
			return err;
		switch (types[i]) {
		case XFRM_CTX_SA_ALG_AEAD:
			differ |= !x->aead || xc_key_differs(x->aead->alg_name, x->aead->alg_key,
							     x->aead->alg_key_len, &a);
			break;
		case XFRM_CTX_SA_ALG_AUTH:
			differ |= !x->aalg || xc_key_differs(x->aalg->alg_name, x->aalg->alg_key,
							     x->aalg->alg_key_len, &a);
			break;
		case XFRM_CTX_SA_ALG_CRYPT:
			differ |= !x->ealg || xc_key_differs(x->ealg->alg_name, x->ealg->alg_key,
							     x->ealg->alg_key_len, &a);
			break;
		}
		if (a.salt && types[i] != XFRM_CTX_SA_ALG_AUTH)
			*salt = a.salt;
	}
	if (differ) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "SA 0x%08x: algorithms or keys differ; not the same SA",
				       ntohl(x->id.spi));
		NL_SET_BAD_ATTR(extack, nest);
		return -EINVAL;
	}
	if (*salt && (xc_geniv_salt(x, &cur, &len) || len != nla_len(*salt))) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "SA 0x%08x: IV salt does not fit its transform",
				       ntohl(x->id.spi));
		NL_SET_BAD_ATTR(extack, *salt);
		return -EINVAL;
	}
	return 0;
}
