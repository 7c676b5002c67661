// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udpsend: the peer's steady UDP stream of the gap benchmark, the same
 * datagrams as selftests/traffic.py udp-send (a big-endian 64-bit sequence
 * number, then the send time as a big-endian double), at PPS per second on
 * an absolute schedule (a late datagram is sent at once, the next ones keep
 * their slots):
 *
 *   udpsend SRC DST PORT PPS SECONDS     prints {"sent":N,"send_errors":E}
 *                                        at SECONDS or on SIGTERM
 *
 * Why not Python: under TCG each datagram cost the Python sender about a
 * tenth of a millisecond of a vCPU, and the interpreter stalled now and
 * then for milliseconds. The gap is measured between arrivals, so a stall
 * of the sender during a hand-over counted as gap (hand-overs with no
 * datagram lost showed gaps of 3 ms). The peer is another machine in
 * reality; a lean sender disturbs the two gateways' vCPUs less.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int64_t ns_of(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static struct timespec ts_of(int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };

	return ts;
}

static int addr_of(const char *text, uint16_t port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	return inet_pton(AF_INET, text, &sa->sin_addr) == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct sigaction act = { .sa_handler = on_term };
	struct sockaddr_in src, dst;
	uint64_t n = 0, errors = 0;
	int64_t start, end, step;
	struct timespec now;
	double pps, seconds;
	int fd;

	if (argc != 6 || addr_of(argv[1], 0, &src) || addr_of(argv[2], atoi(argv[3]), &dst) ||
	    (pps = atof(argv[4])) <= 0 || (seconds = atof(argv[5])) <= 0) {
		fprintf(stderr, "usage: udpsend SRC DST PORT PPS SECONDS\n");
		return 2;
	}
	sigaction(SIGTERM, &act, NULL);	/* no SA_RESTART: the sleep ends */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof(src))) {
		perror("udpsend: socket");
		return 1;
	}
	step = (int64_t)(1e9 / pps);
	clock_gettime(CLOCK_MONOTONIC, &now);
	start = ns_of(&now);
	end = start + (int64_t)(seconds * 1e9);
	while (!stop) {
		struct timespec wall, next;
		unsigned char pkt[16];
		uint64_t be_n, be_t;
		double t;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (ns_of(&now) >= end)
			break;
		clock_gettime(CLOCK_REALTIME, &wall);
		t = wall.tv_sec + wall.tv_nsec / 1e9;
		be_n = htobe64(n);
		memcpy(&be_t, &t, sizeof(be_t));
		be_t = htobe64(be_t);
		memcpy(pkt, &be_n, 8);
		memcpy(pkt + 8, &be_t, 8);
		/* no SA (frozen) or no route for a moment: counts as lost */
		if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&dst, sizeof(dst)) < 0)
			errors++;
		n++;
		next = ts_of(start + (int64_t)n * step);
		while (!stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
	}
	printf("{\"sent\": %llu, \"send_errors\": %llu}\n", (unsigned long long)n,
	       (unsigned long long)errors);
	return 0;
}
