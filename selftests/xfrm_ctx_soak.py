#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Soak: the tunnel of topo.py handed back and forth between gateways A and
B 10 000 times under traffic (`make soak`; minutes, so not in the default
TEST_PROGS).

Each hand-over: freeze+export on the active gateway, staged import on the
other with an out-jump, the VIP moves (rtnetlink + gratuitous ARP), thaw,
release. The peer streams UDP to the gateways and pings them, so both
directions carry ESP throughout. Checked:
  - no sequence number is reused: every ESP packet the gateways send to
    the peer (captured on the LAN bridge) has a (SPI, sequence number) never
    seen before, each snapshot's outbound counter is at least the previous
    one plus the jump, and the peer's SAs count no replay and no integrity
    failure;
  - no leak: afterwards the namespaces hold the SAs they held at the start,
    nothing is frozen, the xfrm_state slab cache (or Slab, where the cache
    is merged) and the module's reference count are back to their start;
    Slab grows by less than 4 MiB (not under KASAN, whose quarantine keeps
    freed objects: there kmemleak, run after the soak by make check-debug,
    looks for leaks).

  XC_SOAK_ROUNDS  hand-overs (default 10000)
"""
import fcntl
import os
import re
import signal
import socket
import struct
import subprocess
import threading
import time

import ksft
import topo
import xcnl

ROUNDS = int(os.environ.get("XC_SOAK_ROUNDS", "10000"))
JUMP = 32
HERE = os.path.dirname(os.path.abspath(__file__))


def slab():
    """(xfrm_state active objects or None, Slab KiB). The cache is shrunk
    first: SLUB counts every object of a slab a CPU holds as active, so
    without that the count moves in steps of a whole slab (seen on 6.12:
    19 at the start, 38 at the end, with the same SAs in place)."""
    try:
        with open("/sys/kernel/slab/xfrm_state/shrink", "w") as f:
            f.write("1")
    except OSError:
        pass
    objs = None
    try:
        with open("/proc/slabinfo") as f:
            for line in f:
                if line.startswith("xfrm_state "):
                    objs = int(line.split()[1])
    except OSError:
        pass
    with open("/proc/meminfo") as f:
        kib = next(int(line.split()[1]) for line in f if line.startswith("Slab:"))
    return objs, kib


def kasan_and_kmemleak():
    """The debug kernel's case: KASAN's quarantine holds freed objects (up to
    1/32 of memory) in the slab caches, and kmemleak is there to find leaks."""
    if not os.path.exists("/sys/kernel/debug/kmemleak"):
        return False
    with open("/proc/kallsyms") as f:
        return any(line.rstrip().endswith(" kasan_quarantine_put") for line in f)


def settle():
    last = slab()[1]
    for _ in range(60):
        time.sleep(0.5)
        now = slab()[1]
        if abs(now - last) < 32:
            return
        last = now


class Capture(threading.Thread):
    """ESP from the gateways' MACs to the peer, on the LAN bridge."""

    def __init__(self, lan, gw_macs):
        super().__init__(daemon=True)
        self.sk = xcnl.netns_socket(lan, socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
        self.sk.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sk.bind(("br0", 0x0800))
        # Frames the bridge forwards between its ports reach br0's packet
        # sockets only in promiscuous mode (tcpdump sets it; so do we).
        ifr = fcntl.ioctl(self.sk.fileno(), 0x8933, struct.pack("16si12x", b"br0", 0))	# SIOCGIFINDEX
        mreq = struct.pack("iHH8s", struct.unpack_from("i", ifr, 16)[0], 1, 0, b"")	# PACKET_MR_PROMISC
        self.sk.setsockopt(263, 1, mreq)	# SOL_PACKET, PACKET_ADD_MEMBERSHIP
        self.sk.settimeout(0.2)
        self.macs = {bytes.fromhex(m.replace(":", "")) for m in gw_macs}
        self.seen, self.dups, self.packets = set(), [], 0
        self.stop = False

    def run(self):
        while not self.stop:
            try:
                pkt = self.sk.recv(256)
            except socket.timeout:
                continue
            if pkt[6:12] not in self.macs or len(pkt) < 14 + 28:
                continue
            ip = pkt[14:]
            ihl = (ip[0] & 15) * 4
            if ip[9] != 50:
                continue
            key = struct.unpack_from("!II", ip, ihl)
            self.packets += 1
            if key in self.seen:
                self.dups.append(key)
            self.seen.add(key)


def test(t):
    tp = topo.Topo(t)
    gws = [tp.gwa, tp.gwb]
    nl = {ns: xcnl.Genl(ns) for ns in gws}
    refcnt0 = open("/sys/module/xfrm_ctx/refcnt").read().strip()
    settle()
    slab0 = slab()
    counts0 = {ns: t.run(ns, "ip xfrm state count", quiet=True).strip() for ns in gws + [tp.peer]}
    ksft.log(f"start: xfrm_state objects {slab0[0]}, Slab {slab0[1]} KiB, SA counts {counts0}")

    cap = Capture(tp.lan, [tp.macs[tp.gwa], tp.macs[tp.gwb]])
    cap.start()
    py = f"python3 {HERE}/traffic.py"
    send = subprocess.Popen(["ip", "netns", "exec", tp.peer] + f"{py} udp-send 192.168.1.1 192.168.2.1 5000 200 100000".split(),
                            stdout=subprocess.PIPE, text=True)
    ping = subprocess.Popen(["ip", "netns", "exec", tp.peer, "ping", "-q", "-i", "0.02", "-W", "1", "-I",
                             "192.168.1.1", "192.168.2.1"], stdout=subprocess.PIPE, text=True)
    prev_oseq, bad_oseq, failures = None, 0, []
    start = time.monotonic()
    try:
        for k in range(ROUNDS):
            frm, to = gws[k % 2], gws[(k + 1) % 2]
            try:
                snap = nl[frm].request("export", {"reqid": topo.REQID, "flags": "freeze", "lease": 30})[0]
                out = next(sa for sa in snap["sa"] if sa["spi"] == topo.SPI_IN)["replay"]
                oseq = (out.get("oseq-hi", 0) << 32) | out["oseq"]
                if prev_oseq is not None and oseq < prev_oseq + JUMP:
                    bad_oseq += 1
                prev_oseq = oseq
                nl[to].request("import", {"sa": snap["sa"], "out-jump": JUMP, "flags": "staged", "lease": 30})
                topo.addr_change(frm, "eth0", topo.VIP, add=False)
                topo.addr_change(to, "eth0", topo.VIP, add=True)
                topo.gratuitous_arp(to, "eth0", topo.VIP, tp.macs[to])
                nl[to].request("thaw", {"reqid": topo.REQID})
                nl[frm].request("release", {"reqid": topo.REQID})
            except (xcnl.NlError, OSError, StopIteration) as e:
                failures.append(f"hand-over {k} {frm}->{to}: {getattr(e, 'msg', e)}")
                if len(failures) > 5:
                    break
            if k % 1000 == 999:
                el = time.monotonic() - start
                ksft.log(f"{k + 1} hand-overs in {el:.0f} s ({el / (k + 1) * 1e3:.1f} ms each); "
                         f"{cap.packets} ESP packets captured, {len(cap.dups)} reused")
    finally:
        send.send_signal(signal.SIGTERM)
        ping.send_signal(signal.SIGINT)
        sent = send.communicate()[0]
        pings = ping.communicate()[0]
        time.sleep(0.5)
        cap.stop = True
        cap.join()
    ksft.log(f"traffic: {sent.strip()}; {pings.strip().splitlines()[-2] if pings.strip() else 'no ping output'}")
    t.eq("every hand-over succeeded", [], failures)
    t.eq("each snapshot's output counter is at least the previous one plus the jump", 0, bad_oseq)
    t.ok(cap.packets > ROUNDS // 10, f"ESP from the gateways was captured ({cap.packets} packets)")
    t.eq("no (SPI, sequence number) was sent twice", [], cap.dups[:10])
    peer_in = ksft.xfrm_states(t.run(tp.peer, "ip -s xfrm state", quiet=True))[(("10.0.0.1"), topo.SPI_IN)]
    t.eq("the peer counted no replay and no integrity failure", (0, 0, 0)[1:], ksft.xfrm_failures(peer_in)[1:])

    settle()
    slab1 = slab()
    counts1 = {ns: t.run(ns, "ip xfrm state count", quiet=True).strip() for ns in gws + [tp.peer]}
    ksft.log(f"end: xfrm_state objects {slab1[0]}, Slab {slab1[1]} KiB, SA counts {counts1}")
    n = lambda s: int(re.search(r"(\d+)", s)[1])  # noqa: E731
    t.eq("the gateways hold two SAs between them, as at the start",
         sum(n(counts0[g]) for g in gws), sum(n(counts1[g]) for g in gws))
    t.eq("the peer holds its two SAs", counts0[tp.peer], counts1[tp.peer])
    for ns in gws:
        t.eq(f"nothing is frozen on {ns}", [], nl[ns].request("list-frozen", {}, dump=True))
    if slab0[0] is not None:
        t.eq("xfrm_state slab objects back to the start", slab0[0], slab1[0])
    grew = slab1[1] - slab0[1]
    if kasan_and_kmemleak():
        # Seen in make check-debug: 8952 KiB over 1 000 hand-overs with the
        # xfrm_state objects back to the start and no kmemleak report.
        ksft.log(f"Slab grew {grew} KiB: not a measure of leaks under KASAN, whose "
                 "quarantine keeps freed objects; kmemleak checks instead (make check-debug)")
    else:
        t.ok(grew < 4096, f"Slab grew {grew} KiB over {ROUNDS} hand-overs (< 4 MiB: under "
             f"{4096 * 1024 // max(ROUNDS, 1)} bytes per hand-over)")
    t.eq("the module's reference count is back to the start", refcnt0,
         open("/sys/module/xfrm_ctx/refcnt").read().strip())


ksft.main(test)
