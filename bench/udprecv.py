#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Receiver of the gap benchmark: records (sequence number, arrival time)
of every datagram of traffic.py's udp-send until SIGTERM, then prints them
as one JSON list.

The arrival time is the kernel's receive timestamp (SO_TIMESTAMPNS, taken
when the packet reached the gateway's stack), not the moment this process
woke up: under TCG a Python process wakes a millisecond or more late at
random, which would add noise to every gap, and more on whichever side
happens to be busier. Timestamps are CLOCK_REALTIME, the clock xcbench
stamps its steps with; a datagram without one gets time.time().

    udprecv.py ADDR PORT
"""
import json
import signal
import socket
import struct
import sys
import time

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
TS = struct.Struct("qq")	# struct timespec

stop = []
signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.settimeout(0.1)
print("ready", flush=True)
got = []
while not stop:
    try:
        data, anc, _, _ = s.recvmsg(64, socket.CMSG_SPACE(TS.size))
    except socket.timeout:
        continue
    except InterruptedError:
        continue
    ts = None
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(payload) >= TS.size:
            sec, nsec = TS.unpack_from(payload)
            ts = sec + nsec / 1e9
    got.append((struct.unpack("!Q", data[:8])[0], ts if ts is not None else time.time()))
print(json.dumps(got), flush=True)
