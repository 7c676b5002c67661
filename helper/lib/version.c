// SPDX-License-Identifier: LGPL-2.1-or-later
/* Which release this is, and which module release is loaded. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "libxfrmctx.h"

const char *xfrmctx_version(void)
{
	return XFRMCTX_VERSION;
}

int xfrmctx_module_version(char *buf, size_t len)
{
	FILE *f = fopen("/sys/module/xfrm_ctx/version", "re");
	int ret = 0;

	if (!len)
		return -EINVAL;
	buf[0] = '\0';
	if (!f)
		return errno == ENOENT ? -ENOENT : -errno;
	if (!fgets(buf, (int)len, f))
		ret = -EIO;
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return ret;
}
