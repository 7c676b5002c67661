// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Sealed files: a context file image under AES-256-GCM (libcrypto), with a
 * fresh key per file derived by HKDF-SHA256 from a pre-shared key and a
 * random salt. The header (magic, version, algorithms, salt, nonce, the
 * identity of the key) is authenticated as additional data, so nothing of
 * the file can change unnoticed. Layout:
 *
 *   0  magic "\x89XCSEAL\n"      8  version 1    9  aead 1 (AES-256-GCM)
 *   10 kdf 1 (HKDF-SHA256)       11 identity length N
 *   12 salt (32)                 44 nonce (12)   56 identity (N)
 *   56+N ciphertext              end - 16: GCM tag (16)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "channel.h"

#define SEAL_VERSION	1
#define SEAL_AES256GCM	1
#define SEAL_HKDF256	1
#define SEAL_FIXED_HDR	56
static const char seal_info[] = "xfrmctx seal v1 aes-256-gcm";

int xc_is_sealed(const void *p, size_t len)
{
	return len >= XC_SEAL_MAGIC_LEN && !memcmp(p, XC_SEAL_MAGIC, XC_SEAL_MAGIC_LEN);
}

static int derive(const struct xc_psk *k, const uint8_t *salt, uint8_t out[32])
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[5], *p = params;
	int ok;

	EVP_KDF_free(kdf);
	if (!kctx)
		return -EIO;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)k->key, k->key_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, XC_SEAL_SALT);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)seal_info,
						 sizeof(seal_info) - 1);
	*p = OSSL_PARAM_construct_end();
	ok = EVP_KDF_derive(kctx, out, 32, params) == 1;
	EVP_KDF_CTX_free(kctx);
	return ok ? 0 : -EIO;
}

/* One AES-256-GCM pass; enc 1 seals (writes tag), 0 opens (checks tag). */
static int gcm(int enc, const uint8_t key[32], const uint8_t *nonce, const uint8_t *aad,
	       size_t aadlen, const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n, ok;

	if (!c)
		return -ENOMEM;
	ok = EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, XC_SEAL_NONCE, NULL) == 1 &&
	     EVP_CipherInit_ex(c, NULL, NULL, key, nonce, enc) == 1 &&
	     EVP_CipherUpdate(c, NULL, &n, aad, (int)aadlen) == 1;
	/* EVP takes int lengths: feed big images in pieces. */
	while (ok && len) {
		int chunk = len > (1u << 30) ? 1 << 30 : (int)len;

		ok = EVP_CipherUpdate(c, out, &n, in, chunk) == 1;
		in += chunk;
		out += n;
		len -= (size_t)chunk;
	}
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, XC_SEAL_TAG, tag) == 1;
	if (ok)
		ok = EVP_CipherFinal_ex(c, out, &n) == 1;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, XC_SEAL_TAG, tag) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -EBADMSG;
}

int xc_seal(const struct xc_psk *k, const void *plain, size_t len, uint8_t **outp,
	    size_t *outlen, char *err, size_t errlen)
{
	size_t idlen = strlen(k->id), hdr = SEAL_FIXED_HDR + idlen;
	uint8_t key[32], *out;
	int ret;

	*outp = NULL;
	out = malloc(hdr + len + XC_SEAL_TAG);
	if (!out) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memcpy(out, XC_SEAL_MAGIC, XC_SEAL_MAGIC_LEN);
	out[8] = SEAL_VERSION;
	out[9] = SEAL_AES256GCM;
	out[10] = SEAL_HKDF256;
	out[11] = (uint8_t)idlen;
	if (RAND_bytes(out + 12, XC_SEAL_SALT + XC_SEAL_NONCE) != 1) {
		free(out);
		snprintf(err, errlen, "no random bytes from libcrypto");
		return -EIO;
	}
	memcpy(out + SEAL_FIXED_HDR, k->id, idlen);
	ret = derive(k, out + 12, key);
	if (!ret)
		ret = gcm(1, key, out + 12 + XC_SEAL_SALT, out, hdr, plain, len, out + hdr,
			  out + hdr + len);
	OPENSSL_cleanse(key, sizeof(key));
	if (ret) {
		free(out);
		snprintf(err, errlen, "sealing failed in libcrypto");
		return ret;
	}
	*outp = out;
	*outlen = hdr + len + XC_SEAL_TAG;
	return 0;
}

int xc_unseal(const struct xc_keyring *kr, const void *inp, size_t len, uint8_t **plainp,
	      size_t *plainlen, char *err, size_t errlen)
{
	const uint8_t *in = inp;
	const struct xc_psk *k;
	size_t hdr, clen;
	uint8_t key[32], tag[XC_SEAL_TAG], *plain;
	int ret;

	*plainp = NULL;
	if (!xc_is_sealed(in, len) || len < SEAL_FIXED_HDR) {
		snprintf(err, errlen, "not a sealed file (or cut short before its header ends)");
		return -EBADMSG;
	}
	if (in[8] != SEAL_VERSION || in[9] != SEAL_AES256GCM || in[10] != SEAL_HKDF256) {
		snprintf(err, errlen, "sealed file version %u, cipher %u, kdf %u: this reader knows 1, 1, 1",
			 in[8], in[9], in[10]);
		return -EPROTONOSUPPORT;
	}
	hdr = SEAL_FIXED_HDR + in[11];
	if (len < hdr + XC_SEAL_TAG) {
		snprintf(err, errlen, "sealed file cut short: %zu bytes, its header and tag alone need %zu",
			 len, hdr + XC_SEAL_TAG);
		return -EBADMSG;
	}
	k = xc_keyring_find(kr, (const char *)in + SEAL_FIXED_HDR, in[11]);
	if (!k) {
		snprintf(err, errlen, "sealed with the key of \"%.*s\", which is not in %s",
			 in[11], (const char *)in + SEAL_FIXED_HDR, kr->path);
		return -ENOKEY;
	}
	clen = len - hdr - XC_SEAL_TAG;
	plain = malloc(clen + 1);
	if (!plain) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memcpy(tag, in + len - XC_SEAL_TAG, XC_SEAL_TAG);
	ret = derive(k, in + 12, key);
	if (!ret)
		ret = gcm(0, key, in + 12 + XC_SEAL_SALT, in, hdr, in + hdr, clen, plain, tag);
	OPENSSL_cleanse(key, sizeof(key));
	if (ret) {
		OPENSSL_cleanse(plain, clen);
		free(plain);
		snprintf(err, errlen, "sealed file does not authenticate with the key of \"%s\": wrong key, or the file was altered or cut",
			 k->id);
		return -EBADMSG;
	}
	*plainp = plain;
	*plainlen = clen;
	return 0;
}
