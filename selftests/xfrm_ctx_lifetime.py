#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Lifetimes travel exactly (issue 16, "exact state": XFRM_SOFT_EXPIRE was
exported as if it meant soft-expired, km.dying was not carried, and an
import after the hard lifetime extended the SA's life).

Two namespaces A and B, ESP in transport mode between them, A's outbound
SA (spi 0x301, reqid 1) with lifetimes; pings from A to B carry real ESP
traffic through it. Each case exports that SA from A with the tool (frozen),
releases it, waits as a context in transit would, and imports the file on
A again, then watches XFRM_MSG_EXPIRE on A:

  time    soft 10 s, hard 16 s, exported at 2 s, imported at 6 s: the soft
          expiry comes at 10 s and the hard one at 16 s after the ORIGINAL
          add (not 4 s later, after the import), once each, and the SA is
          gone.
  dying   soft 3 s, hard 12 s, exported after the soft expiry: the imported
          SA does not tell the key manager a second time; hard at 12 s.
  late    hard 6 s, exported at 1 s, imported at 8 s: refused with the
          module's message printed by `xfrmctx state import`, exit 1, and
          nothing installed.
  late use  the same for a hard use-time lifetime (5 s after the first
          packet), imported 6 s after the first packet.
  packets soft 20, hard 30 packets, 25 sent, exported: after the import
          exactly 5 more pass, then the hard expiry deletes it; no second
          soft expiry.
  update  a standby's copy (namespace C, as an IKE daemon installs it on a
          standby: soft 6 s, hard 12 s, added 7 s after A's, frozen) gets
          A's exported SA by `xfrmctx state update ... thaw` after A's soft
          expiry: C tells its key manager nothing (A's soft expiry fired
          already) and C's hard expiry comes 12 s after A's add, not 12 s
          after its own. Before the update carried ages and dying, C
          expired soft at 13 s and hard at 19 s.
"""
import os
import socket
import struct
import threading
import time

import ksft

HERE = os.path.dirname(os.path.abspath(__file__))
XFRMCTX = os.environ.get("XFRMCTX", os.path.join(os.path.dirname(HERE), "build/helper/xfrmctx"))
A_IP, B_IP = "10.0.1.1", "10.0.1.2"
SPI_AB, SPI_BA = 0x301, 0x302
K20 = "0x00112233445566778899aabbccddeeff01020304"
GCM = f"aead rfc4106(gcm(aes)) {K20} 128"
XFRM_MSG_EXPIRE = 0x18
XFRMNLGRP_EXPIRE = 2
SLACK_EARLY, SLACK_LATE = 1.5, 2.5	# add_time has whole seconds; a busy TCG guest


class Expires:
    """XFRM_MSG_EXPIRE of one namespace: (monotonic time, spi, hard)."""

    def __init__(self, ns):
        import xcnl
        self.sk = xcnl.netns_socket(ns, socket.AF_NETLINK, socket.SOCK_RAW, 6)
        self.sk.bind((0, 1 << (XFRMNLGRP_EXPIRE - 1)))
        self.sk.settimeout(0.2)
        self.seen = []
        self.stop = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while not self.stop:
            try:
                data = self.sk.recv(1 << 16)
            except socket.timeout:
                continue
            now = time.monotonic()
            off = 0
            while off + 16 <= len(data):
                mlen, mtype = struct.unpack_from("=IH", data, off)
                if mtype == XFRM_MSG_EXPIRE and mlen >= 16 + 225:
                    spi = struct.unpack_from("!I", data, off + 16 + 72)[0]
                    hard = data[off + 16 + 224]
                    self.seen.append((now, spi, hard))
                    ksft.log(f"  expire: spi {spi:#x} {'hard' if hard else 'soft'}")
                off += (mlen + 3) & ~3

    def of(self, spi, hard, since=0.0):
        return [e[0] for e in self.seen if e[1] == spi and e[2] == hard and e[0] >= since]

    def close(self):
        self.stop = True
        self.thread.join()
        self.sk.close()


def wait_until(what, fn, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fn():
            return True
        time.sleep(0.1)
    ksft.log(f"timed out waiting for {what}")
    return False


def sleep_until(t):
    d = t - time.monotonic()
    if d > 0:
        time.sleep(d)


def setup(t):
    a, b = t.setup_ns("A", "B")
    t.run(None, f"ip link add v0 netns {a} type veth peer name v0 netns {b}", quiet=True)
    for ns, ip in ((a, A_IP), (b, B_IP)):
        t.ip_batch(ns, [f"addr add {ip}/24 dev v0", "link set v0 up"])
    # xfrm_state_find() matches the template's reqid exactly: 1 is A -> B.
    for ns, src, dst, out, inb in ((a, A_IP, B_IP, 1, 2), (b, B_IP, A_IP, 2, 1)):
        t.ip_batch(ns, [
            f"xfrm policy add src {src} dst {dst} dir out tmpl src {src} dst {dst} proto esp "
            f"mode transport reqid {out}",
            f"xfrm policy add src {dst} dst {src} dir in tmpl src {dst} dst {src} proto esp "
            f"mode transport reqid {inb}",
        ])
    return a, b


def add_sas(t, a, b, limits):
    """A's outbound SA with limits, the three others without; returns the
    monotonic time just before its add and how long the add took (a process
    start under TCG: up to a second on a loaded host)."""
    for ns in (a, b):
        t.run(ns, "ip xfrm state flush", quiet=True)
    t.ip_batch(b, [f"xfrm state add src {A_IP} dst {B_IP} proto esp spi {SPI_AB:#x} mode transport "
                   f"reqid 1 {GCM}",
                   f"xfrm state add src {B_IP} dst {A_IP} proto esp spi {SPI_BA:#x} mode transport "
                   f"reqid 2 {GCM}"])
    t.ip_batch(a, [f"xfrm state add src {B_IP} dst {A_IP} proto esp spi {SPI_BA:#x} mode transport "
                   f"reqid 2 {GCM}"])
    t0 = time.monotonic()
    t.ip_batch(a, [f"xfrm state add src {A_IP} dst {B_IP} proto esp spi {SPI_AB:#x} mode transport "
                   f"reqid 1 {GCM} {limits}"])
    return t0, time.monotonic() - t0


def on_schedule(when, t0, took, after):
    """when (monotonic) is `after` seconds after an add that began at t0
    and took `took` seconds."""
    return t0 + after - SLACK_EARLY <= when <= t0 + took + after + SLACK_LATE


def ping(t, a, count, interval="0.2"):
    p = t.run(a, f"ping -c {count} -i {interval} -W 1 {B_IP}", check=False, quiet=True)
    for line in p.stdout.splitlines():
        if "packets transmitted" in line:
            ksft.log(f"  ping: {line.strip()}")
            return int(line.split(",")[1].split()[0])
    return 0


def has_sa(t, ns, spi):
    return f"spi {spi:#010x}" in t.run(ns, "ip xfrm state", quiet=True)


def hand_over(t, a, ctx, import_at=None):
    """Export A's outbound SA frozen, release it, import the file (at
    import_at, monotonic). Returns the tool's result of the import."""
    t.run(a, f"{XFRMCTX} state export reqid 1 freeze nopolicy -o {ctx}")
    # On a loaded host a short hard lifetime may have deleted it already.
    t.run(a, f"{XFRMCTX} state release reqid 1", check=False)
    t.ok(not has_sa(t, a, SPI_AB), "released: the SA is gone before the import")
    if import_at:
        sleep_until(import_at)
    return t.run(a, f"{XFRMCTX} state import -i {ctx}", check=False)


def on_time(t, a, b, ev, ctx):
    ksft.log("=== time: soft 10 s, hard 16 s; exported at 2 s, imported at 6 s")
    t0, took = add_sas(t, a, b, "limit time-soft 10 limit time-hard 16")
    t.eq("ESP traffic through the SA before the export", 3, ping(t, a, 3))
    sleep_until(t0 + 2)
    p = hand_over(t, a, ctx, import_at=t0 + 6)
    t.ok(p.returncode == 0, "imported 6 s after the add", p.stderr.strip())
    t.eq("ESP traffic through the imported SA", 3, ping(t, a, 3))
    wait_until("the hard expiry", lambda: ev.of(SPI_AB, 1, t0), t0 + 16 + 5 - time.monotonic())
    soft, hard = ev.of(SPI_AB, 0, t0), ev.of(SPI_AB, 1, t0)
    ksft.log(f"  soft at {[round(s - t0, 1) for s in soft]} s, hard at "
             f"{[round(h - t0, 1) for h in hard]} s after the original add (which took {took:.1f} s)")
    t.ok(len(soft) == 1 and on_schedule(soft[0], t0, took, 10),
         "one soft expiry, 10 s after the original add", str([round(s - t0, 1) for s in soft]))
    t.ok(len(hard) == 1 and on_schedule(hard[0], t0, took, 16),
         "one hard expiry, 16 s after the original add", str([round(h - t0, 1) for h in hard]))
    t.ok(not has_sa(t, a, SPI_AB), "the SA is gone after its hard expiry")


def dying(t, a, b, ev, ctx):
    ksft.log("=== dying: soft 3 s, hard 12 s; exported after the soft expiry")
    t0, took = add_sas(t, a, b, "limit time-soft 3 limit time-hard 12")
    t.eq("ESP traffic through the SA before the export", 3, ping(t, a, 3))
    wait_until("the soft expiry", lambda: ev.of(SPI_AB, 0, t0), 3 + 4)
    t.eq("the soft expiry came once before the export", 1, len(ev.of(SPI_AB, 0, t0)))
    p = hand_over(t, a, ctx)
    imported = time.monotonic()
    t.ok(p.returncode == 0, "imported after the soft expiry", p.stderr.strip())
    t.eq("ESP traffic through the imported SA", 3, ping(t, a, 3))
    wait_until("the hard expiry", lambda: ev.of(SPI_AB, 1, t0), t0 + 12 + 5 - time.monotonic())
    again, hard = ev.of(SPI_AB, 0, imported), ev.of(SPI_AB, 1, t0)
    t.eq("the imported SA did not tell the key manager again (no second soft expiry)", 0,
         len(again))
    t.ok(len(hard) == 1 and on_schedule(hard[0], t0, took, 12),
         "one hard expiry, 12 s after the original add", str([round(h - t0, 1) for h in hard]))
    t.ok(not has_sa(t, a, SPI_AB), "the SA is gone after its hard expiry")


def late(t, a, b, ev, ctx):
    ksft.log("=== late: hard 6 s; exported at 1 s, imported at 8 s")
    t0, _ = add_sas(t, a, b, "limit time-hard 6")
    t.eq("ESP traffic through the SA before the export", 3, ping(t, a, 3))
    p = hand_over(t, a, ctx, import_at=t0 + 8)
    ksft.log(f"  xfrmctx state import: exit {p.returncode}: {p.stderr.strip()}")
    t.ok(p.returncode == 1 and "SA 0x00000301: hard add lifetime over" in p.stderr,
         "an import after the hard lifetime is refused with the module's message, exit 1",
         f"exit {p.returncode}: {p.stderr.strip()}")
    t.ok(not has_sa(t, a, SPI_AB), "nothing was installed")
    t.eq("nothing was frozen or staged", [], t.xc(a, "list-frozen", {}, dump=True))


def late_use(t, a, b, ev, ctx):
    ksft.log("=== late use: use-time hard 5 s; imported 6 s after the first use")
    add_sas(t, a, b, "limit time-use-hard 5")
    t.eq("ESP traffic through the SA (its first use)", 3, ping(t, a, 3))
    p = hand_over(t, a, ctx, import_at=time.monotonic() + 6)	# 6 s after the use
    ksft.log(f"  xfrmctx state import: exit {p.returncode}: {p.stderr.strip()}")
    t.ok(p.returncode == 1 and "SA 0x00000301: hard use lifetime over" in p.stderr,
         "an import after the hard use lifetime is refused with the module's message",
         f"exit {p.returncode}: {p.stderr.strip()}")
    t.ok(not has_sa(t, a, SPI_AB), "nothing was installed")


def packets(t, a, b, ev, ctx):
    ksft.log("=== packets: soft 20, hard 30; 25 sent, exported, 5 more pass")
    t0, _ = add_sas(t, a, b, "limit packet-soft 20 limit packet-hard 30")
    t.eq("25 pings through the SA", 25, ping(t, a, 25, "0.05"))
    wait_until("the soft expiry", lambda: ev.of(SPI_AB, 0, t0), 4)
    t.eq("the soft expiry came at the soft packet limit", 1, len(ev.of(SPI_AB, 0, t0)))
    p = hand_over(t, a, ctx)
    imported = time.monotonic()
    t.ok(p.returncode == 0, "imported with 25 of 30 packets used", p.stderr.strip())
    t.eq("after the import exactly the 5 remaining packets pass", 5, ping(t, a, 10))
    wait_until("the hard expiry", lambda: ev.of(SPI_AB, 1, t0), 4)
    t.eq("one hard expiry at the packet limit", 1, len(ev.of(SPI_AB, 1, t0)))
    t.eq("no second soft expiry after the import", 0, len(ev.of(SPI_AB, 0, imported)))
    t.ok(not has_sa(t, a, SPI_AB), "the SA is gone after its hard expiry")


def update(t, a, b, ev, ctx):
    ksft.log("=== update: soft 6 s, hard 12 s; a standby's copy added at 7 s, updated and thawed")
    c, = t.setup_ns("C")
    evc = Expires(c)
    t.on_exit(evc.close)
    limits = "limit time-soft 6 limit time-hard 12"
    t0, took = add_sas(t, a, b, limits)
    t.eq("ESP traffic through A's SA", 3, ping(t, a, 3))
    sleep_until(t0 + 7)
    t.eq("A's soft expiry came before the standby's copy was added", 1,
         len(ev.of(SPI_AB, 0, t0)))
    added = time.monotonic()
    sa_id = f"src {A_IP} dst {B_IP} proto esp spi {SPI_AB:#x}"
    t.ip_batch(c, [f"xfrm state add {sa_id} mode transport reqid 1 {GCM} {limits}"])
    t.run(c, f"{XFRMCTX} state freeze {sa_id} lease 60")
    t.run(a, f"{XFRMCTX} state export reqid 1 freeze nopolicy -o {ctx}")
    p = t.run(c, f"{XFRMCTX} state update -i {ctx} thaw", check=False)
    t.ok(p.returncode == 0, "the standby's copy updated from A's snapshot and thawed",
         p.stderr.strip())
    t.run(a, f"{XFRMCTX} state release reqid 1", check=False)
    t.eq("the standby's copy is live (no longer frozen)", [],
         t.xc(c, "list-frozen", {}, dump=True))
    wait_until("the standby's hard expiry", lambda: evc.of(SPI_AB, 1, t0),
               added + 12 + 5 - time.monotonic())
    soft, hard = evc.of(SPI_AB, 0, t0), evc.of(SPI_AB, 1, t0)
    ksft.log(f"  standby: soft at {[round(s - t0, 1) for s in soft]} s, hard at "
             f"{[round(h - t0, 1) for h in hard]} s after A's add (its copy at "
             f"{added - t0:.1f} s)")
    t.eq("the standby did not tell its key manager again (A's soft expiry had fired)", 0,
         len(soft))
    t.ok(len(hard) == 1 and on_schedule(hard[0], t0, took, 12),
         "the standby's hard expiry 12 s after A's add, not after its own copy's",
         str([round(h - t0, 1) for h in hard]))
    t.ok(not has_sa(t, c, SPI_AB), "the standby's copy is gone after its hard expiry")


def main(t):
    a, b = setup(t)
    ev = Expires(a)
    t.on_exit(ev.close)
    ctx = f"/tmp/lifetime-{a}.ctx"
    t.on_exit(lambda: os.path.exists(ctx) and os.unlink(ctx))
    for case in (on_time, dying, late, late_use, packets, update):
        case(t, a, b, ev, ctx)


if __name__ == "__main__":
    ksft.main(main)
