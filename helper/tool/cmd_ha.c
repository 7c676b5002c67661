// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xfrmctx ha { status | takeover | release | switchover | check }
 *            [ control PATH ]
 *
 * Requests to the node daemon xfrmctxd over its control socket
 * (default /run/xfrmctxd.sock). The daemon does the work; this prints its
 * answer and exits 0, or 1 if the daemon refused or failed (a take-over
 * that could not finish: keepalived's notify and the OCF agent pass that
 * on to the cluster manager).
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "xfrmctx.h"

#define HA_CONTROL_DEFAULT "/run/xfrmctxd.sock"

static int ha_usage(FILE *f)
{
	fprintf(f, "Usage: xfrmctx [-j] ha { status | takeover | release | switchover | check } [ control PATH ]\n"
		   "  status      role, peer, channel, stream lag, tunnels in sync, last take-over\n"
		   "  takeover    carry the tunnels here (planned if the peer hands over, else a crash take-over)\n"
		   "  release     hand the tunnels to the peer; this node becomes the standby\n"
		   "  switchover  release, and have the peer take over at once (planned maintenance)\n"
		   "  check       exit 0 unless the daemon reports a fault (for a cluster manager)\n");
	return f == stdout ? 0 : XC_EXIT_USAGE;
}

int cmd_ha(int argc, char **argv)
{
	static const char *verbs[] = { "status", "takeover", "release", "switchover", "check" };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = getenv("XFRMCTXD_CONTROL");
	char req[64], ans[4097], *body;
	struct timeval tv = { .tv_sec = 30 };
	size_t i;
	ssize_t n;
	int fd, ok;

	if (argc < 1 || !strcmp(argv[0], "help"))
		return ha_usage(argc < 1 ? stderr : stdout);
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(argv[0], verbs[i]))
			break;
	if (i == sizeof(verbs) / sizeof(verbs[0])) {
		fprintf(stderr, "xfrmctx ha: unknown command \"%s\"\n", argv[0]);
		return ha_usage(stderr);
	}
	if (argc == 3 && !strcmp(argv[1], "control")) {
		path = argv[2];
	} else if (argc != 1) {
		fprintf(stderr, "xfrmctx ha %s: unexpected \"%s\"\n", argv[0], argv[1]);
		return ha_usage(stderr);
	}
	if (!path)
		path = HA_CONTROL_DEFAULT;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "xfrmctx ha: control socket path too long: \"%s\"\n", path);
		return XC_EXIT_USAGE;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	snprintf(req, sizeof(req), "%s%s", argv[0], !strcmp(argv[0], "status") && opt_json ? " json" : "");
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "xfrmctx ha: cannot reach xfrmctxd at %s: %s (is it running? systemctl status xfrmctxd)\n",
			path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(fd, req, strlen(req), 0) < 0 || (n = recv(fd, ans, sizeof(ans) - 1, 0)) <= 0) {
		fprintf(stderr, "xfrmctx ha: xfrmctxd did not answer: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	ans[n] = '\0';
	body = strchr(ans, '\n');
	body = body ? body + 1 : ans + n;
	ok = !strncmp(ans, "ok\n", 3);
	if (ok)
		fputs(body, stdout);
	else
		fprintf(stderr, "xfrmctx ha %s: %s", argv[0], body);
	if (*body && body[strlen(body) - 1] != '\n')
		fputc('\n', ok ? stdout : stderr);
	return ok ? 0 : 1;
}
