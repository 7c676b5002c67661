// SPDX-License-Identifier: GPL-2.0
/*
 * The algorithms of an "sa" nest: which ones a protocol takes, instantiating
 * them for a new SA (import), restoring the IV generator's salt once its
 * transform exists, and comparing them, keys included, with an existing
 * SA's (update).
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
int xc_check_proto_algs(struct xfrm_state *x, struct nlattr **tb,
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

/**
 * xc_attach_algs() - the algorithms of a new SA
 * @x: the state being built, its protocol's algorithms checked
 *	(xc_check_proto_algs())
 * @tb: the "sa" nest's attributes
 * @salt: set to the IV salt the snapshot carries for the transform (or no
 *	salt), for xc_restore_salt() once the transform exists
 * @extack: the refusal's message and attribute
 *
 * Return: 0 or a negative errno; what was attached goes with the state.
 */
int xc_attach_algs(struct xfrm_state *x, struct nlattr **tb, struct xc_salt *salt,
		   struct netlink_ext_ack *extack)
{
	struct xc_alg aead = {}, crypt = {};
	const struct xc_alg *a;
	int err = 0;

	if (tb[XFRM_CTX_SA_ALG_AEAD])
		err = xc_attach_aead(x, tb[XFRM_CTX_SA_ALG_AEAD], &aead, extack);
	if (!err && tb[XFRM_CTX_SA_ALG_AUTH])
		err = xc_attach_auth(x, tb[XFRM_CTX_SA_ALG_AUTH], extack);
	if (!err && tb[XFRM_CTX_SA_ALG_CRYPT])
		err = xc_attach_crypt(x, tb[XFRM_CTX_SA_ALG_CRYPT], &crypt, extack);
	if (!err && tb[XFRM_CTX_SA_ALG_COMP])
		err = xc_attach_comp(x, tb[XFRM_CTX_SA_ALG_COMP], extack);
	if (err)
		return err;
	a = x->aead ? &aead : &crypt;
	salt->alg = a->name;
	salt->attr = a->salt;
	return 0;
}

/* Restore the IV generator's salt into the freshly created transform. */
int xc_restore_salt(struct xfrm_state *x, const struct xc_salt *salt,
		    struct netlink_ext_ack *extack)
{
	unsigned int len;
	u8 *cur;

	if (!salt->attr)
		return 0;
	if (xc_geniv_salt(x, &cur, &len) || len != nla_len(salt->attr)) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "%s: IV salt of %d bytes does not fit the transform",
				       salt->alg, nla_len(salt->attr));
		NL_SET_BAD_ATTR(extack, salt->attr);
		return -EINVAL;
	}
	memcpy(cur, nla_data(salt->attr), len);
	return 0;
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
