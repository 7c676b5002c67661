// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Pre-shared key files: "IDENTITY HEXKEY" per line. The same file can sit
 * on both gateways (each names its own identity with --id); a server
 * accepts every identity it lists.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "channel.h"

int xc_valid_id(const char *id, size_t len)
{
	size_t i;

	/* Identities name directories of serve's state: no "." or "..". */
	if (!len || len > XC_PSK_ID_MAX || id[0] == '.')
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)id[i]) && !strchr("._-@", id[i]))
			return 0;
	return 1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int add_key(struct xc_keyring *kr, const char *name, unsigned int lineno,
		   const char *id, size_t idlen, const char *hex, size_t hexlen,
		   char *err, size_t errlen)
{
	struct xc_psk *k, *grown;
	size_t i;

	if (!xc_valid_id(id, idlen)) {
		snprintf(err, errlen, "%s line %u: identity \"%.*s\" is wrong: 1 to %d letters, digits or ._-@, not starting with .",
			 name, lineno, (int)(idlen > 80 ? 80 : idlen), id, XC_PSK_ID_MAX);
		return -EINVAL;
	}
	if (hexlen >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) {
		hex += 2;
		hexlen -= 2;
	}
	if (hexlen % 2 || hexlen / 2 < XC_PSK_MIN || hexlen / 2 > XC_PSK_MAX) {
		snprintf(err, errlen, "%s line %u: the key of \"%.*s\" has %zu hex digits; %d to %d are needed (%d to %d bytes)",
			 name, lineno, (int)idlen, id, hexlen, 2 * XC_PSK_MIN, 2 * XC_PSK_MAX,
			 XC_PSK_MIN, XC_PSK_MAX);
		return -EINVAL;
	}
	if (xc_keyring_find(kr, id, idlen)) {
		snprintf(err, errlen, "%s line %u: identity \"%.*s\" appears twice", name, lineno,
			 (int)idlen, id);
		return -EINVAL;
	}
	grown = realloc(kr->keys, (kr->n + 1) * sizeof(*k));
	if (!grown) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	kr->keys = grown;
	k = &kr->keys[kr->n];
	memset(k, 0, sizeof(*k));
	memcpy(k->id, id, idlen);
	for (i = 0; i < hexlen / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			OPENSSL_cleanse(k, sizeof(*k));
			snprintf(err, errlen, "%s line %u: the key of \"%.*s\" is not hexadecimal",
				 name, lineno, (int)idlen, id);
			return -EINVAL;
		}
		k->key[i] = (uint8_t)(hi << 4 | lo);
	}
	k->key_len = hexlen / 2;
	kr->n++;
	return 0;
}

int xc_keyring_parse(const char *text, const char *name, struct xc_keyring *kr,
		     char *err, size_t errlen)
{
	const char *line = text;
	unsigned int lineno = 0;
	int ret;

	memset(kr, 0, sizeof(*kr));
	snprintf(kr->path, sizeof(kr->path), "%s", name);
	while (*line) {
		const char *end = strchr(line, '\n'), *p = line, *id, *hex;
		size_t idlen, hexlen;

		if (!end)
			end = line + strlen(line);
		lineno++;
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p == end || *p == '#')
			goto next;
		id = p;
		while (p < end && !isspace((unsigned char)*p))
			p++;
		idlen = (size_t)(p - id);
		while (p < end && isspace((unsigned char)*p))
			p++;
		hex = p;
		while (p < end && !isspace((unsigned char)*p))
			p++;
		hexlen = (size_t)(p - hex);
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (!hexlen || p != end) {
			snprintf(err, errlen, "%s line %u: expected \"IDENTITY HEXKEY\"", name, lineno);
			xc_keyring_free(kr);
			return -EINVAL;
		}
		ret = add_key(kr, name, lineno, id, idlen, hex, hexlen, err, errlen);
		if (ret) {
			xc_keyring_free(kr);
			return ret;
		}
next:
		line = *end ? end + 1 : end;
	}
	if (!kr->n) {
		snprintf(err, errlen, "%s holds no key", name);
		return -ENOENT;
	}
	return 0;
}

int xc_keyring_load(const char *path, struct xc_keyring *kr, char *err, size_t errlen)
{
	char buf[16384];
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int fd, ret;

	memset(kr, 0, sizeof(*kr));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open key file %s: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "key file %s is not a regular file", path);
		return -EINVAL;
	}
	ret = xc_check_private(&st, "key file", path, err, errlen);
	if (ret) {
		close(fd);
		return ret;
	}
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (n < 0 || len == sizeof(buf) - 1) {
		OPENSSL_cleanse(buf, sizeof(buf));
		snprintf(err, errlen, "cannot read key file %s: %s", path,
			 n < 0 ? strerror(errno) : "larger than 16 KiB");
		return -EINVAL;
	}
	buf[len] = '\0';
	ret = xc_keyring_parse(buf, path, kr, err, errlen);
	OPENSSL_cleanse(buf, sizeof(buf));
	return ret;
}

void xc_keyring_free(struct xc_keyring *kr)
{
	if (kr->keys)
		OPENSSL_cleanse(kr->keys, kr->n * sizeof(*kr->keys));
	free(kr->keys);
	kr->keys = NULL;
	kr->n = 0;
}

const struct xc_psk *xc_keyring_find(const struct xc_keyring *kr, const char *id, size_t id_len)
{
	size_t i;

	for (i = 0; i < kr->n; i++)
		if (strlen(kr->keys[i].id) == id_len && !memcmp(kr->keys[i].id, id, id_len))
			return &kr->keys[i];
	return NULL;
}

const struct xc_psk *xc_keyring_self(const struct xc_keyring *kr, const char *id,
				     char *err, size_t errlen)
{
	const struct xc_psk *k;
	char host[256];

	if (id) {
		k = xc_keyring_find(kr, id, strlen(id));
		if (!k)
			snprintf(err, errlen, "identity \"%s\" is not in key file %s", id, kr->path);
		return k;
	}
	if (kr->n == 1)
		return &kr->keys[0];
	if (!gethostname(host, sizeof(host))) {
		host[sizeof(host) - 1] = '\0';
		k = xc_keyring_find(kr, host, strlen(host));
		if (k)
			return k;
	}
	snprintf(err, errlen, "key file %s holds %zu identities and none is this host's name; give --id",
		 kr->path, kr->n);
	return NULL;
}

int xc_keyfile_add(const char *path, const char *id, char *err, size_t errlen)
{
	uint8_t key[XC_PSK_MIN];
	char line[XC_PSK_ID_MAX + 2 * XC_PSK_MIN + 4];
	struct xc_keyring kr;
	uint8_t *old = NULL;
	size_t oldlen = 0, i, n;
	char *all;
	int ret;

	if (!xc_valid_id(id, strlen(id))) {
		snprintf(err, errlen, "identity \"%s\" is wrong: 1 to %d letters, digits or ._-@", id,
			 XC_PSK_ID_MAX);
		return -EINVAL;
	}
	if (access(path, F_OK) == 0) {
		ret = xc_keyring_load(path, &kr, err, errlen);
		if (ret)
			return ret;
		if (xc_keyring_find(&kr, id, strlen(id))) {
			xc_keyring_free(&kr);
			snprintf(err, errlen, "identity \"%s\" is already in %s", id, path);
			return -EEXIST;
		}
		xc_keyring_free(&kr);
		ret = xc_read_all(path, &old, &oldlen, 1 << 16, err, errlen);
		if (ret)
			return ret;
	}
	if (RAND_bytes(key, sizeof(key)) != 1) {
		free(old);
		snprintf(err, errlen, "no random bytes from libcrypto");
		return -EIO;
	}
	n = (size_t)snprintf(line, sizeof(line), "%s ", id);
	for (i = 0; i < sizeof(key); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%02x", key[i]);
	line[n++] = '\n';
	all = malloc(oldlen + n + 1);
	if (!all) {
		free(old);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (oldlen)
		memcpy(all, old, oldlen);
	if (oldlen && all[oldlen - 1] != '\n')
		all[oldlen++] = '\n';
	memcpy(all + oldlen, line, n);
	ret = xc_write_atomic(path, all, oldlen + n, err, errlen);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(line, sizeof(line));
	OPENSSL_cleanse(all, oldlen + n);
	if (old)
		OPENSSL_cleanse(old, oldlen);
	free(all);
	free(old);
	return ret;
}
