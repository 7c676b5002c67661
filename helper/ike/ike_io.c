// SPDX-License-Identifier: GPL-2.0-or-later
/* Reading small files whole (see ike_io.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ike_io.h"
#include "ike_err.h"

#define WHY why, whylen

int xc_file_read(const char *path, size_t max, uint8_t **data, size_t *len,
		 char *why, size_t whylen)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int fd, err;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return xc_ike_say(WHY, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st)) {
		err = errno;
		close(fd);
		return xc_ike_say(WHY, -err, "%s: %s", path, strerror(err));
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		close(fd);
		return xc_ike_say(WHY, -EINVAL, "%s: not a regular file of at most %zu bytes", path, max);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return xc_ike_say(WHY, -ENOMEM, "%s: out of memory", path);
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			close(fd);
			xc_file_free(buf, got);
			return xc_ike_say(WHY, -err, "%s: %s", path, n < 0 ? strerror(err) : "file shrank while reading");
		}
		got += (size_t)n;
	}
	close(fd);
	*data = buf;
	*len = got;
	return 0;
}

void xc_file_free(uint8_t *data, size_t len)
{
	if (data) {
		explicit_bzero(data, len);
		free(data);
	}
}
