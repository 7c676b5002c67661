# SPDX-License-Identifier: GPL-2.0
"""Benchmark part "tunnel" (issue 14): the whole tunnel's hand-over under
xfrmctxd against the kernel-only hand-over, in one run, under gap.py's UDP
stream (RATE datagrams/s, kernel receive timestamps, gap = first arrival
through the new node minus the last through the old one).

  kernel          gap.py's "module" path: SAs staged on the standby, one
                  process (xcbench) freezes, exports, updates with thaw and
                  moves the address. The kernel half alone.
  xfrmctxd        the whole tunnel, planned: `xfrmctx ha switchover` on the
                  active node, the daemons moving the address themselves
                  (move-address = yes): charon on both gateways with the ha
                  plugin, xfrmctxd on both, a peer charon. The new node adds
                  the address when the switchover is announced, the old one
                  deactivates charon, freezes and sends its SAs, the new one
                  thaws them all in one update, announces the address
                  (gratuitous ARP) and activates charon. The order and steps
                  of the kernel path, plus the channel.
  xfrmctxd-release the old node hands over first (`xfrmctx ha release`: the
                  new node holds the exact counters), then the address moves
                  (xcbench's `vip`: rtnetlink and a gratuitous ARP) and the
                  new node thaws when it sees it: a switchover under a
                  cluster manager, minus the manager's own delay.
  xfrmctxd-follow the address moves first and the daemons follow it (the old
                  node hands over when it sees the address leave, the new one
                  waits for that hand-over): keepalived moving the address
                  on its own.
  xfrmctxd-crash  the active node's charon and daemon are killed and its
                  SAs flushed (a dead node), then the address goes to the
                  standby (keepalived's decision): the gap is from that
                  decision (xcbench's vip) to the first datagram through the
                  standby (crash_gaps; before this session the last datagram
                  through the dead node was the start), which
                  takes over from its last snapshot with a jump per SA. The
                  dead node comes back and catches up before the next round.

The ratios of the issue: xfrmctxd / kernel (goal <= 2), xfrmctxd-crash /
kernel (goal <= 5). Failure detection (keepalived's advertisements) is not
in the crash gap: it is keepalived's and reported apart (Documentation/ha.rst).
"""
import json
import os
import re
import subprocess
import time

import charon
import gap
import topo
from common import TOP, XFRMCTX, Driver, emit, log, median, sh

XFRMCTXD = os.path.join(TOP, "build/helper/xfrmctxd")
ROUNDS = int(os.environ.get("BENCH_TUNNEL_ROUNDS", 24))	# a third each planned variant
CRASH_ROUNDS = int(os.environ.get("BENCH_TUNNEL_CRASH_ROUNDS", 5))
BASE = "/tmp/bench-tunnel"
# BENCH_TUNNEL_PATHS=xfrmctxd runs the daemon's rounds alone (no ratio)
PATHS = os.environ.get("BENCH_TUNNEL_PATHS", "kernel,xfrmctxd").split(",")
# BENCH_TUNNEL_REALTIME=no: the daemons without SCHED_RR (a comparison)
REALTIME = os.environ.get("BENCH_TUNNEL_REALTIME", "yes")


class Node:
    def __init__(self, ns, name, peer_name, own, other):
        self.ns, self.name, self.peer_name = ns, name, peer_name
        self.own, self.other = own, other
        self.dir = f"{BASE}/{name}"
        self.charon = self.daemon = None

    def status(self):
        out = subprocess.run(["ip", "netns", "exec", self.ns, XFRMCTX, "-j", "ha", "status",
                              "control", f"{self.dir}/ctl.sock"], capture_output=True, text=True)
        return json.loads(out.stdout) if out.returncode == 0 else {}

    def start(self, psk, verbose=False):
        self.charon = charon.start(self.ns, self.dir)
        with open(f"{self.dir}/xfrmctxd.conf", "w") as f:
            f.write(f"id = {self.name}\npeer-id = {self.peer_name}\npeer = {self.other}\n"
                    f"listen = {self.own}\npsk = {psk}\ncontrol = {self.dir}/ctl.sock\n"
                    f"address = {topo.VIP}\nmove-address = yes\ninterface = eth0\nrealtime = {REALTIME}\nfifo = /proc/{self.charon.pid}/root/run/charon.ha\n")
        self.daemon = subprocess.Popen(["ip", "netns", "exec", self.ns, XFRMCTXD, "-c",
                                        f"{self.dir}/xfrmctxd.conf"] + (["-v"] if verbose else []),
                                       stdout=subprocess.DEVNULL,
                                       stderr=open(f"{self.dir}/xfrmctxd.log", "a"))
        wait(lambda: self.status(), 20, f"xfrmctxd on {self.name}")

    def kill(self):
        for p in (self.daemon, self.charon):
            if p and p.poll() is None:
                p.kill()
                p.wait()
        self.charon = self.daemon = None


def wait(cond, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r = cond()
        if r:
            return r
        time.sleep(0.2)
    raise RuntimeError(f"{what}: not within {timeout} s")


def active(n):
    return n.status().get("role") == "active"


def in_sync(n):
    s = n.status()
    return s.get("role") == "standby" and s.get("in_sync") and s.get("child_sas", 0) >= 1


def setup(t):
    tp = topo.Topo(t)
    for ns in (tp.peer, tp.gwa, tp.gwb):
        sh(f"ip -n {ns} xfrm state flush; ip -n {ns} xfrm policy flush")
        sh(f"ip -n {ns} xfrm policy add src 192.168.0.0/16 dst 192.168.0.0/16 dir out action block "
           f"priority 4000000000")
    sh(f"rm -rf {BASE}; mkdir -p {BASE}")
    psk = f"{BASE}/psk"
    sh(f"{XFRMCTX} key new gwA -o {psk} >/dev/null && {XFRMCTX} key new gwB -o {psk} >/dev/null")
    peer_dir = f"{BASE}/peer"
    charon.conf(peer_dir, "10.0.0.1", topo.VIP, "peer.example.org", "gw.example.org",
                "192.168.1.0/24", "192.168.2.0/24")
    a = Node(tp.gwa, "gwA", "gwB", "10.0.0.2", "10.0.0.3")
    b = Node(tp.gwb, "gwB", "gwA", "10.0.0.3", "10.0.0.2")
    for n in (a, b):
        charon.conf(n.dir, topo.VIP, "10.0.0.1", "gw.example.org", "peer.example.org",
                    "192.168.2.0/24", "192.168.1.0/24", ha=True)
    peer = charon.start(tp.peer, peer_dir)
    a.start(psk)	# the address is on A: active
    b.start(psk)
    r = charon.vici_reply(charon.vici(f"{peer_dir}/charon.vici", "initiate", child="net", timeout=30000))
    if r.get("success") != "yes":
        raise RuntimeError(f"the peer could not bring the tunnel up: {r.get('errmsg')}")
    wait(lambda: in_sync(b), 30, "B in sync")
    return tp, a, b, peer


def takeover_steps(old, new, t0=None):
    """The daemons' own figures: the old node's freeze to its hand-over
    written, on to the new node reading it and beginning its take-over, its
    announcement and its thaw (wall clock, one VM), charon's activation; the
    jumps. t0: the decision (the address moved by xcbench), when there is
    one: how long the new node took to see it."""
    lt = new.status().get("last_takeover", {})
    ho = old.status().get("last_handover", {}) if old else {}
    steps = {}
    b, a, th = lt.get("begin_us", 0), lt.get("announced_us", 0), lt.get("thawed_us", 0)
    rx = lt.get("received_us", 0)
    f, fz, sent = ho.get("freeze_us", 0), ho.get("frozen_us", 0), ho.get("sent_us", 0)
    if t0 and b:
        steps["address seen"] = (b - t0 * 1e6) / 1e3
    if f and fz and sent and b and sent >= fz >= f and b >= sent - 1000000:
        steps["freeze+export (old)"] = (fz - f) / 1e3
        enc = ho.get("encoded_us", 0)
        if sent >= enc >= fz:
            steps["encode (old)"] = (enc - fz) / 1e3
            steps["TLS write (old)"] = (sent - enc) / 1e3
        else:
            steps["send (old)"] = (sent - fz) / 1e3
        if rx >= sent and not t0:
            steps["channel"] = (rx - sent) / 1e3
            steps["parse"] = (b - rx) / 1e3
        else:
            steps["channel"] = (b - sent) / 1e3
    if b and a:
        steps["announce"] = (a - b) / 1e3
        steps["update+thaw"] = (th - a) / 1e3
    elif b and th:
        steps["update+thaw"] = (th - b) / 1e3
    # the gap's two edges, as wall-clock instants (tunnel.edges): the old
    # node's freeze and the new node's thaw
    if f and th:
        steps["_freeze_us"], steps["_thawed_us"] = f, th
    if "request_us" in lt:
        steps["(prepare)"] = lt["prepare_us"] / 1e3
        steps["(request)"] = lt["request_us"] / 1e3
        steps["(retried)"] = 1 if lt.get("retried") else 0
    steps.update({"activation": lt.get("activate_ms", -1),
                  "out-jump": lt.get("out_jump", -1), "in-jump": lt.get("in_jump", -1)})
    return steps


def xfrm_stat(ns):
    """The namespace's XFRM MIB counters: where the gap's datagrams died."""
    out = subprocess.run(["ip", "netns", "exec", ns, "cat", "/proc/net/xfrm_stat"],
                         capture_output=True, text=True).stdout
    return {k: int(v) for k, v in (line.split() for line in out.splitlines() if line.strip())}


def replay_drops(ns):
    """Replay drops of ns's SAs towards the tunnel address (its inbound)."""
    out = subprocess.run(["ip", "-n", ns, "-s", "xfrm", "state", "list", "dst", topo.VIP],
                         capture_output=True, text=True).stdout
    # behind the window (replay-window) or seen already (replay)
    return sum(int(a) + int(b) for a, b in re.findall(r"replay-window (\d+) replay (\d+)", out))


def daemon_rounds(t, crash_rounds):
    tp, a, b, peer = setup(t)
    nodes = {a.ns: a, b.ns: b}
    drv = Driver(gap.DRIVER_PRIO)
    drv(f"open {tp.gwa} {tp.gwa}")
    drv(f"open {tp.gwb} {tp.gwb}")
    st = gap.Stream(tp.peer, [tp.gwa, tp.gwb])
    planned, released, switched, crashes = [], [], [], []
    psk = f"{BASE}/psk"
    try:
        time.sleep(2 * gap.SETTLE_S)
        order = [tp.gwa, tp.gwb]
        for k in range(gap.WARMUP + ROUNDS + crash_rounds):
            frm, to = order[k % 2], order[(k + 1) % 2]
            crash = k >= gap.WARMUP + ROUNDS
            variant = "crash" if crash else ("follow", "release", "switchover")[k % 3]
            if crash:
                pre_drops = replay_drops(to)
                nodes[frm].kill()
                charon.flush_sas(frm)
            elif variant == "release":
                # hand over first (the new node then thaws the moment the
                # address arrives), then the address moves
                subprocess.run(["ip", "netns", "exec", frm, XFRMCTX, "ha", "release", "control",
                                f"{nodes[frm].dir}/ctl.sock"], check=True, capture_output=True)
            if variant == "switchover":
                xs = {n: xfrm_stat(n) for n in (frm, to)}
                t0 = time.time()
                subprocess.run(["ip", "netns", "exec", frm, XFRMCTX, "ha", "switchover", "control",
                                f"{nodes[frm].dir}/ctl.sock"], check=True, capture_output=True)
            else:
                t0 = drv(f"vip {frm} {to} eth0 {topo.VIP}")["t0"]
            wait(lambda: active(nodes[to]), 20, f"{nodes[to].name} active")
            t1 = time.time()
            ho = (frm, to, t0, t1, takeover_steps(None if crash else nodes[frm], nodes[to],
                                                   None if variant == "switchover" else t0))
            if crash:
                time.sleep(gap.SETTLE_S)
                # what the in-jump cost: the peer's packets the new node
                # dropped as replays (below its moved window)
                ho[4]["replay drops (new)"] = replay_drops(to) - pre_drops
                # each SA's rate, age and jump, as the new node logged them
                with open(f"{nodes[to].dir}/xfrmctxd.log") as f:
                    for line in [x for x in f if "take-over: SA" in x][-4:]:
                        log(f"  {nodes[to].name}: {line.strip()}")
                crashes.append(ho)
                # comes back as the standby; verbose: what it feeds its charon
                nodes[frm].start(psk, verbose=True)
            if variant == "switchover":
                time.sleep(0.05)
                for n, before in xs.items():
                    moved = {c: v - before.get(c, 0) for c, v in xfrm_stat(n).items()
                             if v != before.get(c, 0)}
                    ho[4][f"_xfrm_stat {'old' if n == frm else 'new'}"] = moved
            if not crash and k >= gap.WARMUP:
                {"follow": planned, "release": released, "switchover": switched}[variant].append(ho)
            wait(lambda: in_sync(nodes[frm]), 30, f"{nodes[frm].name} in sync")
            time.sleep(gap.SETTLE_S)
    except Exception:
        if os.environ.get("BENCH_KEEP_DIR"):	# every log of the run, for a post-mortem
            subprocess.run(["cp", "-a", BASE, os.environ["BENCH_KEEP_DIR"]], check=False)
        for f in ("gwA/xfrmctxd.log", "gwB/xfrmctxd.log", "gwA/charon.log", "gwB/charon.log"):
            try:
                # the repeated "syncing" lines of a stuck standby hide the rest
                lines = open(f"{BASE}/{f}").read().splitlines()
                tail = [x for x in lines if "standby syncing" not in x][-60:]
            except OSError:
                continue
            log(f"--- {f}")
            for line in tail:
                log("  " + line)
        raise
    finally:
        sent, arrivals = st.stop()
        drv.close()
        for n in (a, b):
            n.kill()
        charon.stop(peer)
    rows = gap.analyse("xfrmctxd-follow", planned, arrivals)
    rows += gap.analyse("xfrmctxd-release", released, arrivals)
    rows += gap.analyse("xfrmctxd", switched, arrivals)
    rows += crash_gaps(crashes, arrivals)
    edges(switched, arrivals)
    return rows


def edges(handovers, arrivals):
    """Where a planned gap goes beyond the daemons' own steps: from the last
    datagram through the old node to its freeze, and from the new node's
    thaw to the first datagram through it (the stream's spacing, the ARP's
    travel, the sender's scheduling)."""
    for k, (frm, to, t0, t1, steps) in enumerate(handovers):
        f, th = steps.get("_freeze_us"), steps.get("_thawed_us")
        last = max((ts for _, ts in arrivals[frm] if ts <= t1), default=None)
        first = min((ts for _, ts in arrivals[to] if ts >= t0), default=None)
        if not (f and th and last and first):
            continue
        log(f"xfrmctxd #{k} edges: last datagram to freeze {(f / 1e6 - last) * 1e3:.2f} ms, "
            f"freeze to thaw {(th - f) / 1e3:.2f} ms, thaw to first datagram "
            f"{(first - th / 1e6) * 1e3:.2f} ms; XFRM MIB old {steps.get('_xfrm_stat old')} "
            f"new {steps.get('_xfrm_stat new')}")


def crash_gaps(crashes, arrivals):
    """The issue's crash figure: from the decision (the address moved to the
    new node: t0 of xcbench's vip) to the first datagram through it. Not
    gap.analyse's last-through-the-old-node: a dead node's last datagram
    comes before the test has killed its processes and flushed its SAs,
    which no cluster manager's decision includes."""
    rows = []
    for k, (frm, to, t0, t1, steps) in enumerate(crashes):
        after = [ts for _, ts in arrivals[to] if ts >= t0]
        if not after:
            log(f"xfrmctxd-crash hand-over {k}: nothing arrived through {to}")
            continue
        # Did the peer keep its schedule? Datagrams it numbered between the
        # last one through the dead node and the first through the new one,
        # against the rate times the time between their arrivals: fewer
        # means its sequence was behind rate x age when the new node thawed
        # (the in-jump then overshoots it).
        last_a = max(((ts, n) for n, ts in arrivals[frm] if ts < t0), default=None)
        first_b = min(((ts, n) for n, ts in arrivals[to] if ts >= t0), default=None)
        if last_a and first_b:
            steps["peer sent (A to B)"] = first_b[1] - last_a[1]
            steps["on schedule"] = round(gap.RATE * (first_b[0] - last_a[0]))
        row = dict(path="xfrmctxd-crash", round=k, gap_ms=(min(after) - t0) * 1e3, lost=-1,
                   rate=gap.RATE, steps_ms={s: round(v, 3) for s, v in steps.items()},
                   handover_ms=(t1 - t0) * 1e3)
        emit("gap", **row)
        log(f"xfrmctxd-crash #{k}: decision to first datagram {row['gap_ms']:.1f} ms ("
            f"{', '.join(f'{s} {v:.1f}' for s, v in row['steps_ms'].items())})")
        rows.append(row)
    return rows


def run(t):
    if not os.access(XFRMCTXD, os.X_OK):
        raise RuntimeError(f"{XFRMCTXD} is not built")
    rows = []
    if "kernel" in PATHS:
        saved = gap.ROUNDS
        gap.ROUNDS = ROUNDS
        try:
            rows = gap.rounds(t, "kernel", False, gap.staged)
        finally:
            gap.ROUNDS = saved
    if "xfrmctxd" in PATHS:
        rows += daemon_rounds(t, CRASH_ROUNDS)
    med = {p: median([r["gap_ms"] for r in rows if r["path"] == p])
           for p in ("kernel", "xfrmctxd", "xfrmctxd-release", "xfrmctxd-follow", "xfrmctxd-crash")
           if any(r["path"] == p for r in rows)}
    for p, m in med.items():
        log(f"tunnel {p}: median gap {m:.1f} ms over {sum(1 for r in rows if r['path'] == p)} hand-overs")
    if "kernel" in med and med["kernel"] > 0:
        for p, goal in (("xfrmctxd", 2.0), ("xfrmctxd-release", 2.0), ("xfrmctxd-follow", 2.0),
                        ("xfrmctxd-crash", 5.0)):
            if p in med:
                ratio = med[p] / med["kernel"]
                emit("tunnel-ratio", path=p, ratio=round(ratio, 2), goal=goal,
                     met=ratio <= goal, kernel_ms=round(med["kernel"], 2), ms=round(med[p], 2))
                log(f"tunnel {p} / kernel = {ratio:.2f} (goal {goal}): "
                    f"{'met' if ratio <= goal else 'MISSED'}")
    return rows
