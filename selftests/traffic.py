#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Traffic for the hand-over tests: a UDP stream at a fixed rate, its
receiver, reading ESP packets out of a capture, and re-injecting one.

    traffic.py udp-send SRC DST PORT PPS SECONDS    prints {"sent": N}
    traffic.py udp-recv ADDR PORT SECONDS           prints {"received": N, ...}
                                                    (at SECONDS or on SIGTERM)
"""
import json
import socket
import struct
import sys
import time


def udp_send(src, dst, port, pps, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    n, errors = 0, 0
    start = time.monotonic()
    end = start + seconds
    while True:
        now = time.monotonic()
        if now >= end:
            break
        try:
            s.sendto(struct.pack("!Qd", n, time.time()), (dst, port))
        except OSError:
            errors += 1	# no SA (frozen) or no route for a moment: counts as lost
        n += 1
        wake = start + n / pps
        if wake > now:
            time.sleep(wake - now)
    print(json.dumps({"sent": n, "send_errors": errors}), flush=True)


def udp_recv(addr, port, seconds):
    import signal
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    s.settimeout(0.2)
    print(json.dumps({"ready": True}), flush=True)
    seen, first, last = set(), None, None
    end = time.monotonic() + seconds
    while time.monotonic() < end and not stop:
        try:
            data = s.recv(64)
        except socket.timeout:
            continue
        seq = struct.unpack("!Q", data[:8])[0]
        seen.add(seq)
        now = time.time()
        first = first or now
        last = now
    print(json.dumps({"received": len(seen), "max": max(seen) if seen else -1,
                      "first": first, "last": last, "seqs": sorted(seen)}), flush=True)


def esp_packets(path):
    """ESP packets of an Ethernet pcap: ts, src_mac, src, dst, spi, seq, iv, ip."""
    out = []
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return out
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
    off = 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        if len(pkt) < 14 + 20 or pkt[12:14] != b"\x08\x00":
            continue
        ip = pkt[14:]
        ihl = (ip[0] & 0xF) * 4
        if ip[9] != 50 or len(ip) < ihl + 16:
            continue
        esp = ip[ihl:]
        spi, seq = struct.unpack("!II", esp[:8])
        out.append({"ts": sec + frac / (1e9 if nano else 1e6),
                    "src_mac": ":".join(f"{b:02x}" for b in pkt[6:12]),
                    "src": socket.inet_ntoa(ip[12:16]), "dst": socket.inet_ntoa(ip[16:20]),
                    "spi": spi, "seq": seq, "iv": esp[8:16], "ip": ip[:struct.unpack("!H", ip[2:4])[0]]})
    return out


def inject(netns, ip_packet):
    """Send a complete IPv4 packet (header included) from namespace netns."""
    import xcnl
    s = xcnl.netns_socket(netns, socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    dst = socket.inet_ntoa(ip_packet[16:20])
    s.sendto(ip_packet, (dst, 0))
    s.close()


if __name__ == "__main__":
    verb, args = sys.argv[1], sys.argv[2:]
    if verb == "udp-send":
        udp_send(args[0], args[1], int(args[2]), float(args[3]), float(args[4]))
    elif verb == "udp-recv":
        udp_recv(args[0], int(args[1]), float(args[2]))
    else:
        sys.exit(f"unknown verb {verb}")
