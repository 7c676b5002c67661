// SPDX-License-Identifier: GPL-2.0
/*
 * Naming SAs: the sa-id nest (family, daddr, spi, proto, mark; optionally
 * if_id and saddr), the lookup it stands for, and the checks every command
 * makes before it touches an SA.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <net/xfrm.h>

#include "netlink-gen.h"
#include "xfrm_ctx.h"

const char *xc_proto_name(u8 proto)
{
	switch (proto) {
	case IPPROTO_ESP:
		return "esp";
	case IPPROTO_AH:
		return "ah";
	case IPPROTO_COMP:
		return "comp";
	default:
		return "?";
	}
}

/**
 * xc_get_addr() - an address attribute of a nest, checked against its family
 * @attr: the address (daddr, saddr, encapsulation's original address, ...)
 * @family: the family its nest names (an encap nest: its SA's)
 * @a: where the address goes, zero-padded
 * @what: the attribute's name in the message
 * @extack: the refusal's message and attribute
 *
 * A nest that carries addresses (sa-id, sa) names their family once; an
 * address whose length is not that family's is refused, and named. The
 * sa-id and sa parsers check the family first (EAFNOSUPPORT, on the family
 * attribute); update only looks its SA up and leaves that check here.
 *
 * Return: 0, or -EINVAL when the family is unknown or the length wrong.
 */
int xc_get_addr(const struct nlattr *attr, u16 family, xfrm_address_t *a,
		const char *what, struct netlink_ext_ack *extack)
{
	int len = xc_addr_len(family);

	if (family != AF_INET && family != AF_INET6) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "%s: unknown address family %u", what, family);
		NL_SET_BAD_ATTR(extack, attr);
		return -EINVAL;
	}
	if (nla_len(attr) != len) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "%s is %d bytes; family %s needs %d",
				       what, nla_len(attr),
				       family == AF_INET6 ? "inet6" : "inet", len);
		NL_SET_BAD_ATTR(extack, attr);
		return -EINVAL;
	}
	memset(a, 0, sizeof(*a));
	memcpy(a, nla_data(attr), len);
	return 0;
}

/*
 * What an sa-id must name: a full id family, daddr, spi and proto; a
 * partial one (a dump filter) only what it filters on, but an address
 * still needs its family.
 */
static int xc_sa_id_need(struct nlattr **tb, const struct nlattr *nest, bool partial,
			 struct netlink_ext_ack *extack)
{
	static const int need[] = { XFRM_CTX_ID_DADDR, XFRM_CTX_ID_SPI, XFRM_CTX_ID_PROTO };
	static const char *const names[] = { "daddr", "spi", "proto" };
	int i;

	if (!partial || tb[XFRM_CTX_ID_DADDR] || tb[XFRM_CTX_ID_SADDR]) {
		if (!tb[XFRM_CTX_ID_FAMILY]) {
			NL_SET_ERR_MSG_MOD(extack, "sa-id needs a family");
			NL_SET_ERR_ATTR_MISS(extack, nest, XFRM_CTX_ID_FAMILY);
			return -EINVAL;
		}
	}
	for (i = 0; !partial && i < ARRAY_SIZE(need); i++) {
		if (!tb[need[i]]) {
			NL_SET_ERR_MSG_FMT_MOD(extack, "sa-id needs %s", names[i]);
			NL_SET_ERR_ATTR_MISS(extack, nest, need[i]);
			return -EINVAL;
		}
	}
	return 0;
}

/* The id's family and addresses, each checked against the family. */
static int xc_sa_id_addrs(struct nlattr **tb, struct xc_sa_id *id,
			  struct netlink_ext_ack *extack)
{
	int err;

	if (tb[XFRM_CTX_ID_FAMILY]) {
		id->family = nla_get_u16(tb[XFRM_CTX_ID_FAMILY]);
		if (id->family != AF_INET && id->family != AF_INET6) {
			NL_SET_ERR_MSG_FMT_MOD(extack, "unknown address family %u",
					       id->family);
			NL_SET_BAD_ATTR(extack, tb[XFRM_CTX_ID_FAMILY]);
			return -EAFNOSUPPORT;
		}
	}
	if (tb[XFRM_CTX_ID_DADDR]) {
		err = xc_get_addr(tb[XFRM_CTX_ID_DADDR], id->family, &id->daddr,
				  "daddr", extack);
		if (err)
			return err;
		id->has_daddr = true;
	}
	if (tb[XFRM_CTX_ID_SADDR]) {
		err = xc_get_addr(tb[XFRM_CTX_ID_SADDR], id->family, &id->saddr,
				  "saddr", extack);
		if (err)
			return err;
		id->has_saddr = true;
	}
	return 0;
}

/* Parse an sa-id nest, full (naming one SA) or partial (a dump filter). */
int xc_sa_id_parse(const struct nlattr *nest, struct xc_sa_id *id, bool partial,
		   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[XFRM_CTX_ID_MAX + 1];
	int err;

	memset(id, 0, sizeof(*id));
	err = nla_parse_nested(tb, XFRM_CTX_ID_MAX, nest, xfrm_ctx_sa_id_nl_policy,
			       extack) ?:
	      xc_sa_id_need(tb, nest, partial, extack) ?:
	      xc_sa_id_addrs(tb, id, extack);
	if (err)
		return err;
	if (tb[XFRM_CTX_ID_SPI]) {
		id->spi = nla_get_be32(tb[XFRM_CTX_ID_SPI]);
		id->has_spi = true;
	}
	if (tb[XFRM_CTX_ID_PROTO]) {
		id->proto = nla_get_u8(tb[XFRM_CTX_ID_PROTO]);
		if (!xfrm_id_proto_match(id->proto, IPSEC_PROTO_ANY)) {
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "protocol %u is not esp, ah or comp",
					       id->proto);
			NL_SET_BAD_ATTR(extack, tb[XFRM_CTX_ID_PROTO]);
			return -EPROTONOSUPPORT;
		}
		id->has_proto = true;
	}
	if (tb[XFRM_CTX_ID_MARK])
		id->mark = nla_get_u32(tb[XFRM_CTX_ID_MARK]);
	id->mark_mask = tb[XFRM_CTX_ID_MARK_MASK] ?
			nla_get_u32(tb[XFRM_CTX_ID_MARK_MASK]) : ~0U;
	if (tb[XFRM_CTX_ID_IF_ID]) {
		id->if_id = nla_get_u32(tb[XFRM_CTX_ID_IF_ID]);
		id->has_if_id = true;
	}
	return 0;
}

/* Does x fit a (possibly partial) id? The mark is matched as lookups do. */
bool xc_sa_id_match(const struct xc_sa_id *id, const struct xfrm_state *x)
{
	if (id->family && x->props.family != id->family)
		return false;
	if (id->has_daddr && !xfrm_addr_equal(&x->id.daddr, &id->daddr, id->family))
		return false;
	if (id->has_saddr && !xfrm_addr_equal(&x->props.saddr, &id->saddr, id->family))
		return false;
	if (id->has_spi && x->id.spi != id->spi)
		return false;
	if (id->has_proto && x->id.proto != id->proto)
		return false;
	if (id->has_if_id && x->if_id != id->if_id)
		return false;
	return true;
}

/* An address as text, for messages (IPv6 compressed). */
static const char *xc_addr_str(char *buf, size_t len, u16 family,
			       const xfrm_address_t *a)
{
	if (family == AF_INET6)
		snprintf(buf, len, "%pI6c", &a->in6);
	else
		snprintf(buf, len, "%pI4", &a->a4);
	return buf;
}

/* The SA a full id names, with a reference, or NULL and a message. */
struct xfrm_state *xc_sa_id_lookup(struct net *net, const struct xc_sa_id *id,
				   const struct nlattr *nest, struct netlink_ext_ack *extack)
{
	char a[48];	/* an IPv6 address as text */
	struct xfrm_state *x;

	x = xfrm_state_lookup(net, id->mark & id->mark_mask, &id->daddr, id->spi,
			      id->proto, id->family);
	if (!x) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "no SA spi 0x%08x %s dst %s",
				       ntohl(id->spi), xc_proto_name(id->proto),
				       xc_addr_str(a, sizeof(a), id->family, &id->daddr));
		NL_SET_BAD_ATTR(extack, nest);
		return NULL;
	}
	if (!xc_sa_id_match(id, x)) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "SA spi 0x%08x has another %s",
				       ntohl(id->spi),
				       id->has_if_id && x->if_id != id->if_id ?
				       "if_id" : "source address");
		NL_SET_BAD_ATTR(extack, nest);
		xfrm_state_put(x);
		return NULL;
	}
	return x;
}

int xc_sa_id_put(struct sk_buff *skb, int attrtype, const struct xfrm_state *x)
{
	int alen = xc_addr_len(x->props.family);
	struct nlattr *nest;

	nest = nla_nest_start(skb, attrtype);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u16(skb, XFRM_CTX_ID_FAMILY, x->props.family) ||
	    nla_put(skb, XFRM_CTX_ID_DADDR, alen, &x->id.daddr) ||
	    nla_put_be32(skb, XFRM_CTX_ID_SPI, x->id.spi) ||
	    nla_put_u8(skb, XFRM_CTX_ID_PROTO, x->id.proto) ||
	    nla_put(skb, XFRM_CTX_ID_SADDR, alen, &x->props.saddr) ||
	    (x->mark.m && (nla_put_u32(skb, XFRM_CTX_ID_MARK, x->mark.v) ||
			   nla_put_u32(skb, XFRM_CTX_ID_MARK_MASK, x->mark.m))) ||
	    (x->if_id && nla_put_u32(skb, XFRM_CTX_ID_IF_ID, x->if_id))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * What this module cannot stop or carry faithfully, it refuses, before
 * anything is frozen: SAs whose packets or keys live in a NIC; SAs with a
 * security label (their LSM context is not carried, and release would
 * delete them without asking the LSM); modes other than transport, tunnel
 * and beet (IP-TFS keeps parameters and a queue of its own); for export
 * also SAs whose transport is a TCP connection; and states that are not
 * live SAs.
 */
int xc_check_exportable(const struct xfrm_state *x, bool for_freeze,
			struct netlink_ext_ack *extack)
{
	u32 spi = ntohl(x->id.spi);

	if (x->xso.dev || x->xso.type != XFRM_DEV_OFFLOAD_UNSPECIFIED) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "SA 0x%08x is hardware-offloaded; its state is in the NIC",
				       spi);
		return -EOPNOTSUPP;
	}
	if (x->security) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "SA 0x%08x has a security label; it cannot be carried",
				       spi);
		return -EOPNOTSUPP;
	}
	if (!xc_mode_carried(x->props.mode)) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "SA 0x%08x: mode %u cannot be carried (not transport, tunnel, beet)",
				       spi, x->props.mode);
		return -EOPNOTSUPP;
	}
	if (for_freeze)
		return 0;
	if (x->encap && x->encap->encap_type != UDP_ENCAP_ESPINUDP &&
	    x->encap->encap_type != UDP_ENCAP_ESPINUDP_NON_IKE) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "SA 0x%08x: encap type %u (ESP in TCP) cannot move",
				       spi, x->encap->encap_type);
		return -EOPNOTSUPP;
	}
	return 0;
}
