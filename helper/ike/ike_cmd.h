/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the commands of xfrmctx-ike. */
#ifndef XC_IKE_CMD_H
#define XC_IKE_CMD_H

#include <stdarg.h>
#include <stdint.h>

int cmd_record(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_activate(int argc, char **argv);
int cmd_parse(int argc, char **argv);

/* "xfrmctx-ike: " + message + newline on stderr, with a monotonic
 * timestamp in ms when the log is for a running recorder or replay. */
void xc_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void xc_vlog(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* the program name the log lines start with (default "xfrmctx-ike") */
extern const char *xc_log_name;
/* the same, without the timestamp: errors about the command line */
void xc_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --version of the tools: "TOOL VERSION", the library's and the loaded
 * module's (read from sysfs: asking does not load it); returns 0. */
int xc_print_versions(const char *tool);

int64_t xc_now_ms(void);	/* CLOCK_MONOTONIC */
int64_t xc_wall(void);		/* unix seconds */
int64_t xc_wall_ms(void);	/* unix time in ms */

/* Parse a non-negative integer option value no larger than max; on error
 * say which option and value were bad. */
int xc_opt_uint(const char *opt, const char *val, unsigned long max, unsigned long *out);

struct xfrmctx_ctx;
struct xc_store;
struct xc_standby;
struct xc_replay_stats;

/* Read a container and its IKE half (cmd_replay.c); 0, or 1 after a
 * message. On success *c and s are the caller's to free. */
int xc_read_ike_context(const char *cmd, const char *file, struct xfrmctx_ctx **c,
			struct xc_store *s);
/* Send the IKE half to a standby charon and (kernel_check) wait for its
 * SAs; times in xc_now_ms. 0 or -1 after a message. */
int xc_replay_into(struct xc_standby *r, const struct xc_store *s, int kernel_check,
		   struct xc_replay_stats *st, int64_t t0, int64_t *t_sent, int64_t *t_kernel);

#endif
