#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Receiver of the gap benchmark: records (sequence number, arrival time)
of every datagram of traffic.py's udp-send until SIGTERM, then prints them
as one JSON list. Arrival times are time.time() (CLOCK_REALTIME), the clock
xcbench stamps its steps with.

    udprecv.py ADDR PORT
"""
import json
import signal
import socket
import struct
import sys
import time

stop = []
signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
s.bind((sys.argv[1], int(sys.argv[2])))
s.settimeout(0.1)
print("ready", flush=True)
got = []
while not stop:
    try:
        data = s.recv(64)
    except socket.timeout:
        continue
    except InterruptedError:
        continue
    got.append((struct.unpack("!Q", data[:8])[0], time.time()))
print(json.dumps(got), flush=True)
