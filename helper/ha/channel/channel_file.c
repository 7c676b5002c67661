// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Private files of the HA commands: written whole or not at all (temporary
 * file, fsync, rename, fsync of the directory), mode 0600, in directories
 * of mode 0700; contexts stored plain or sealed.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "channel.h"

int xc_read_all(const char *path, uint8_t **pp, size_t *np, size_t max, char *err, size_t errlen)
{
	int from_stdin = !strcmp(path, "-");
	int fd = from_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0, cap = 0;
	uint8_t *p = NULL, *q;
	ssize_t r;
	int ret;

	*pp = NULL;
	*np = 0;
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return ret;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= max) {
				snprintf(err, errlen, "%s: larger than %zu bytes", from_stdin ? "stdin" : path, max);
				ret = -EFBIG;
				goto fail;
			}
			cap = cap ? cap * 2 : 65536;
			q = realloc(p, cap + 1);
			if (!q) {
				snprintf(err, errlen, "out of memory");
				ret = -ENOMEM;
				goto fail;
			}
			p = q;
		}
		r = read(fd, p + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			snprintf(err, errlen, "cannot read %s: %s", from_stdin ? "stdin" : path, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (!from_stdin)
		close(fd);
	p[len] = '\0';
	*pp = p;
	*np = len;
	return 0;
fail:
	if (!from_stdin)
		close(fd);
	if (p)
		OPENSSL_cleanse(p, len);
	free(p);
	return ret;
}

int xc_ctx_load(const char *path, const struct xc_keyring *seal_keys,
		struct xfrmctx_ctx **c, char *err, size_t errlen)
{
	uint8_t *raw = NULL, *plain = NULL;
	size_t rawlen, plainlen;
	int ret;

	*c = NULL;
	ret = xc_read_all(path, &raw, &rawlen, 256u << 20, err, errlen);
	if (ret)
		return ret;
	if (!xc_is_sealed(raw, rawlen) && strcmp(path, "-")) {
		/* Sealed files are encrypted; a plain one holds the keys. */
		struct stat st;

		ret = stat(path, &st) < 0 ? -errno : xc_check_private(&st, "context file", path, err, errlen);
		if (ret) {
			if (ret != -EPERM)
				snprintf(err, errlen, "cannot stat %s: %s", path, strerror(-ret));
			goto out;
		}
	}
	if (xc_is_sealed(raw, rawlen)) {
		if (!seal_keys) {
			snprintf(err, errlen, "%s is sealed; give --seal KEYFILE", path);
			ret = -EPERM;
			goto out;
		}
		ret = xc_unseal(seal_keys, raw, rawlen, &plain, &plainlen, err, errlen);
		if (ret)
			goto out;
		ret = xfrmctx_ctx_from_buf(plain, plainlen, c, err, errlen);
		OPENSSL_cleanse(plain, plainlen);
		free(plain);
	} else {
		ret = xfrmctx_ctx_from_buf(raw, rawlen, c, err, errlen);
	}
out:
	OPENSSL_cleanse(raw, rawlen);
	free(raw);
	return ret;
}

