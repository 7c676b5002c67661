/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading a small file whole (HA datagrams of test vectors and captures). */
#ifndef XC_IKE_IO_H
#define XC_IKE_IO_H

#include <stddef.h>
#include <stdint.h>

/* Read a regular file of at most max bytes into a fresh buffer (free with
 * xc_file_free, which wipes it). 0 or -errno (why names the file). */
int xc_file_read(const char *path, size_t max, uint8_t **data, size_t *len,
		 char *why, size_t whylen);
void xc_file_free(uint8_t *data, size_t len);

#endif
