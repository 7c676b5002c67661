// SPDX-License-Identifier: GPL-2.0
/*
 * Import, part one: a new xfrm_state from an "sa" nest, checked attribute
 * by attribute (each refusal names the attribute), with its algorithms
 * instantiated, IV salt restored, counters set and moved ahead by the jumps.
 * Nothing here makes the state visible: the caller inserts it. The
 * algorithms are alg.c's, the replay state replay.c's, the lifetimes
 * lifetime.c's and the jumps counters.c's.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <net/xfrm.h>

#include "netlink-gen.h"
#include "xfrm_ctx.h"

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

/* The replay statistics, carried for what they tell an operator. */
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

/* Which SA it is: family, addresses, SPI and protocol. */
static int xc_set_id(struct xfrm_state *x, struct nlattr **tb, const struct nlattr *nest,
		     struct netlink_ext_ack *extack)
{
	int err;

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
	return 0;
}

/* How it processes packets: mode, reqid, flags, selector, lifetime limits. */
static int xc_set_props(struct xfrm_state *x, struct nlattr **tb,
			struct netlink_ext_ack *extack)
{
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
	memcpy(&x->lft, nla_data(tb[XFRM_CTX_SA_LIFETIME]), sizeof(x->lft));
	return xc_check_selector(&x->sel, tb[XFRM_CTX_SA_SELECTOR], extack);
}

/* Marks, interface id, TFC padding, NAT mapping rate: taken as they are. */
static void xc_set_marks(struct xfrm_state *x, struct nlattr **tb)
{
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
}

/* Everything of the SA but its algorithms, lifetimes and replay state. */
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
	err = xc_set_id(x, tb, nest, extack) ?: xc_set_props(x, tb, extack);
	if (err)
		return err;
	xc_set_marks(x, tb);
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

/*
 * What goes into the state before its transform is initialised:
 * algorithms, encapsulation, care-of address, replay state.
 */
static int xc_set_parts(struct xfrm_state *x, struct nlattr **tb, const struct nlattr *nest,
			struct xc_salt *salt, struct netlink_ext_ack *extack)
{
	int err;

	err = xc_attach_algs(x, tb, salt, extack);
	if (!err && tb[XFRM_CTX_SA_ENCAP])
		err = xc_set_encap(x, tb[XFRM_CTX_SA_ENCAP], extack);
	if (!err && tb[XFRM_CTX_SA_COADDR]) {
		x->coaddr = kzalloc(sizeof(*x->coaddr), GFP_KERNEL);
		err = x->coaddr ? xc_get_addr(tb[XFRM_CTX_SA_COADDR], x->props.family,
					      x->coaddr, "coaddr", extack) : -ENOMEM;
	}
	return err ?: xc_set_replay(x, tb[XFRM_CTX_SA_REPLAY], extack) ?:
	       xc_check_dir(x, tb, nest, extack);
}

/* Instantiate the transform; a refusal names the algorithm that refused. */
static int xc_init_transform(struct xfrm_state *x, struct nlattr **tb,
			     const struct nlattr *nest, struct netlink_ext_ack *extack)
{
	const char *alg;
	int err;

	err = xc_init_state(x, extack);
	if (!err) {
		x->km.state = XFRM_STATE_VALID;
		return 0;
	}
	if (err == -ENOMEM) {
		NL_SET_ERR_MSG_MOD(extack, "out of memory setting up the transform");
		return err;
	}
	alg = x->aead ? x->aead->alg_name : x->ealg ? x->ealg->alg_name :
	      x->aalg ? x->aalg->alg_name : "the transform";
	NL_SET_ERR_MSG_FMT_MOD(extack, "%s refused its key or lengths (%d)", alg, err);
	NL_SET_BAD_ATTR(extack, tb[XFRM_CTX_SA_ALG_AEAD] ?: tb[XFRM_CTX_SA_ALG_CRYPT] ?:
			tb[XFRM_CTX_SA_ALG_AUTH] ?: nest);
	return err;
}

/*
 * The async event thresholds, or the namespace's defaults, as XFRM netlink
 * gives a new SA without XFRMA_REPLAY_THRESH and XFRMA_ETIMER_THRESH.
 */
static void xc_set_aevent(struct xfrm_state *x, struct net *net, struct nlattr **tb)
{
	x->replay_maxdiff = tb[XFRM_CTX_SA_REPLAY_MAXDIFF] ?
			    nla_get_u32(tb[XFRM_CTX_SA_REPLAY_MAXDIFF]) :
			    net->xfrm.sysctl_aevent_rseqth;
	x->replay_maxage = tb[XFRM_CTX_SA_REPLAY_MAXAGE] ?
			   msecs_to_jiffies(nla_get_u32(tb[XFRM_CTX_SA_REPLAY_MAXAGE])) :
			   (net->xfrm.sysctl_aevent_etime * HZ) / XFRM_AE_ETH_M;
}

struct xfrm_state *xc_build_state(struct net *net, const struct nlattr *nest,
				  u64 out_jump, u64 in_jump,
				  struct netlink_ext_ack *extack)
{
	struct nlattr *tb[XFRM_CTX_SA_MAX + 1];
	struct xc_salt salt = {};
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
	      xc_lft_import(x, tb, nest, extack) ?:
	      xc_set_parts(x, tb, nest, &salt, extack) ?:
	      xc_init_transform(x, tb, nest, extack) ?:
	      xc_restore_salt(x, &salt, extack);
	if (err)
		goto fail;
	xc_set_stats(x, tb[XFRM_CTX_SA_STATS]);
	xc_set_aevent(x, net, tb);

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
