// SPDX-License-Identifier: GPL-2.0
/*
 * The IV generator's salt. ESP asks the crypto API for "seqiv(...)" (AEAD:
 * rfc4106, rfc7539esp) or "echainiv(...)" (authenc with CBC), both built on
 * struct aead_geniv_ctx: seqiv's explicit IV is the sequence number XORed
 * with a salt the transform draws at random when it is created, echainiv's
 * is the sequence number multiplied by it. A transform created on another
 * host draws another salt, so unique sequence numbers no longer imply unique
 * IVs there (for GCM, a repeated nonce under one key is catastrophic). The
 * salt therefore travels with the keys and is restored into the new
 * transform.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/aead.h>
#include <crypto/internal/aead.h>
#include <crypto/internal/geniv.h>
#include <linux/string.h>
#include <net/xfrm.h>

#include "xfrm_ctx.h"

/*
 * Point *salt at the salt of x's transform (*len bytes; 0 when the SA has no
 * IV generator). -EOPNOTSUPP when the transform is not one of the generic
 * templates, whose context layout we know.
 */
int xc_geniv_salt(const struct xfrm_state *x, u8 **salt, unsigned int *len)
{
	struct aead_geniv_ctx *ctx;
	struct crypto_aead *aead;
	const char *drv;

	*salt = NULL;
	*len = 0;
	if (x->id.proto != IPPROTO_ESP || !x->geniv || !x->data)
		return 0;
	aead = x->data;
	if (!crypto_aead_ivsize(aead))
		return 0;
	drv = crypto_tfm_alg_driver_name(crypto_aead_tfm(aead));
	if (!str_has_prefix(drv, "seqiv(") && !str_has_prefix(drv, "echainiv("))
		return -EOPNOTSUPP;
	ctx = crypto_aead_ctx(aead);
	*salt = ctx->salt;
	*len = crypto_aead_ivsize(aead);
	return 0;
}
