// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Context files on disk: written 0600 and atomically (temporary file in the
 * same directory, fsync, rename, fsync of the directory), so a crash leaves
 * either the old file or the complete new one; read whole and checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "context.h"

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char *copy = strdup(path);
	int fd, err = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		err = -errno;
	else if (fsync(fd) < 0 && errno != EINVAL)
		err = -errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	return err;
}

int xc_check_private(const struct stat *st, const char *what, const char *path,
		     char *err, size_t errlen)
{
	if (!S_ISREG(st->st_mode) || !(st->st_mode & 077))
		return 0;
	snprintf(err, errlen, "%s %s has mode %04o: others may read the keys; chmod 600 %s",
		 what, path, (unsigned int)(st->st_mode & 07777), path);
	return -EPERM;
}

/* The one atomic writer of the library: context files, sealed files, the
 * HA state directory and key files all go through it (declared in
 * context.h). Mode 0600, temporary file in the same directory, fsync,
 * rename, fsync of the directory. */
int xc_write_atomic(const char *path, const void *p, size_t n, char *err, size_t errlen)
{
	char *tmp = NULL;
	int fd = -1, ret;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	fd = mkstemp(tmp);	/* O_EXCL, mode 0600 */
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot create a temporary file next to %s: %s",
			 path, strerror(errno));
		free(tmp);
		return ret;
	}
	ret = 0;
	if (fchmod(fd, 0600) < 0 ||
	    (ret = write_all(fd, p, n)) < 0 ||
	    fsync(fd) < 0) {
		ret = ret ? ret : -errno;
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(-ret));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		ret = -errno;
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	ret = fsync_dir_of(path);
	if (ret)
		snprintf(err, errlen, "cannot sync the directory of %s: %s", path, strerror(-ret));
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	return ret;
}

int xfrmctx_ctx_write(const struct xfrmctx_ctx *c, const char *path, char *err, size_t errlen)
{
	struct xc_buf img;
	int ret;

	ret = xc_ctx_serialize(c, &img);
	if (ret) {
		snprintf(err, errlen, "cannot build the context: %s", strerror(-ret));
		return ret;
	}
	if (!strcmp(path, "-")) {
		/* A pipe to the twin: no rename possible, the reader's checksum
		 * catches a cut-off stream. */
		ret = write_all(STDOUT_FILENO, img.data, img.len);
		if (ret)
			snprintf(err, errlen, "cannot write the context to stdout: %s", strerror(-ret));
	} else {
		ret = xc_write_atomic(path, img.data, img.len, err, errlen);
	}
	xc_buf_free(&img);
	return ret;
}

int xfrmctx_ctx_read(const char *path, struct xfrmctx_ctx **cp, char *err, size_t errlen)
{
	int fd, ret, from_stdin = !strcmp(path, "-");
	const char *name = from_stdin ? "stdin" : path;
	struct xc_buf b;
	char prefix[200];

	*cp = NULL;
	fd = from_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return ret;
	}
	if (!from_stdin) {
		struct stat st;

		ret = fstat(fd, &st) < 0 ? -errno : xc_check_private(&st, "context file", path, err, errlen);
		if (ret) {
			if (ret != -EPERM)
				snprintf(err, errlen, "cannot stat %s: %s", path, strerror(-ret));
			close(fd);
			return ret;
		}
	}
	xc_buf_init(&b);
	for (;;) {
		ssize_t n;

		if (b.len >= XC_CTX_MAX_FILE) {
			snprintf(err, errlen, "%s: larger than %u MiB, not a context file",
				 name, XC_CTX_MAX_FILE >> 20);
			ret = -EFBIG;
			goto out;
		}
		ret = xc_buf_reserve(&b, 65536);
		if (ret) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		n = read(fd, b.data + b.len, 65536);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			snprintf(err, errlen, "cannot read %s: %s", name, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
	}
	ret = xfrmctx_ctx_from_buf(b.data, b.len, cp, err, errlen);
	if (ret && err && errlen) {
		/* Name the file in front of the parser's message. */
		snprintf(prefix, sizeof(prefix), "%.180s: ", name);
		if (strlen(prefix) + strlen(err) < errlen) {
			memmove(err + strlen(prefix), err, strlen(err) + 1);
			memcpy(err, prefix, strlen(prefix));
		}
	}
out:
	if (!from_stdin)
		close(fd);
	xc_buf_free(&b);
	return ret;
}
