// SPDX-License-Identifier: GPL-2.0-or-later
/* Error reporting of the library without a kernel. */
#include <errno.h>
#include <string.h>

#include "libxfrmctx.h"
#include "unit.h"

TEST(strerror_without_handle_is_errno_text)
{
	EXPECT_STREQ(xfrmctx_strerror(NULL, -ENOENT), strerror(ENOENT));
	EXPECT_STREQ(xfrmctx_strerror(NULL, -EEXIST), strerror(EEXIST));
}
