// SPDX-License-Identifier: GPL-2.0-or-later
/* Logging, clocks and option values shared by the commands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ike_cmd.h"
#include "ike_err.h"
#include "libxfrmctx.h"

int xc_print_versions(const char *tool)
{
	char mod[64];

	printf("%s %s\nlibxfrmctx %s\n", tool, XFRMCTX_VERSION, xfrmctx_version());
	if (xfrmctx_module_version(mod, sizeof(mod)))
		printf("xfrm_ctx module: not loaded\n");
	else
		printf("xfrm_ctx module %s\n", mod);
	return 0;
}

int64_t xc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t xc_wall(void)
{
	return (int64_t)time(NULL);
}

int64_t xc_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *xc_log_name = "xfrmctx-ike";

void xc_vlog(const char *fmt, va_list ap)
{
	struct timespec ts;

	/* under systemd, journald stamps every line itself */
	if (getenv("JOURNAL_STREAM")) {
		fprintf(stderr, "%s: ", xc_log_name);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		fprintf(stderr, "%s: [%lld.%03ld] ", xc_log_name, (long long)ts.tv_sec,
			ts.tv_nsec / 1000000);
	}
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
}

void xc_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xc_vlog(fmt, ap);
	va_end(ap);
}

void xc_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", xc_log_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int xc_opt_uint(const char *opt, const char *val, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!val) {
		xc_err("%s needs a value", opt);
		return -EINVAL;
	}
	errno = 0;
	v = strtoul(val, &end, 10);
	if (errno || end == val || *end || val[0] == '-' || v > max) {
		xc_err("%s \"%s\": expected a whole number from 0 to %lu", opt, val, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int xc_ike_say(char *why, size_t whylen, int err, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return err;
}
