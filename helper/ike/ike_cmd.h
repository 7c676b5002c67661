/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the commands of xfrmctx-ike. */
#ifndef XC_IKE_CMD_H
#define XC_IKE_CMD_H

#include <stdint.h>

int cmd_record(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_activate(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_parse(int argc, char **argv);

/* "xfrmctx-ike: " + message + newline on stderr, with a monotonic
 * timestamp in ms when the log is for a running recorder or replay. */
void xc_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* the same, without the timestamp: errors about the command line */
void xc_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int64_t xc_now_ms(void);	/* CLOCK_MONOTONIC */
int64_t xc_wall(void);		/* unix seconds */

/* Parse a non-negative integer option value no larger than max; on error
 * say which option and value were bad. */
int xc_opt_uint(const char *opt, const char *val, unsigned long max, unsigned long *out);

#define XC_MAX_FILE	(64u << 20)

#endif
