#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""keepalived (Debian's) moves the tunnel address between two gateways;
xfrmctx-notify moves the tunnel with it (topology: topo.py; the VIP is
keepalived's, advert_int 2). Each gateway runs `xfrmctx serve --import`; the
master runs `xfrmctx sync` to the other. The peer streams UDP and pings
through the tunnel, captured on the LAN. In order:

  1. crash: A's keepalived and sync loop are SIGKILLed and its link
     dropped; B becomes master and imports A's last snapshot with
     out-jump = max(floor, ceil(peak_pps x age x factor));
  2. A returns (keepalived first, link down: FAULT releases its stale SAs;
     then the link), gets B's full snapshot, preempts: B's sync loop hands
     the frozen tunnel over, A thaws it;
  3. planned: keepalived on A stops; its shutdown script has A's sync loop
     hand the tunnel to B, which thaws it.

Checked: the peer's inbound SA shows 0 replay and 0 integrity failures;
in the capture, every sequence number (and explicit IV) each gateway sent
is new and above all the previous master sent, and no number repeats in
either direction; the jump covered what A sent after its last snapshot;
lost packets and the recovery time of each step are reported.
"""
import json
import os
import re
import signal
import subprocess
import tempfile
import time

import ha_lib
import ksft
import topo
import traffic
from ha_lib import wait_for, xc

NOTIFY = os.path.join(ha_lib.TOP, "contrib/keepalived/xfrmctx-notify")
PY = f"python3 {ha_lib.HERE}/traffic.py"
# Light enough for two emulated CPUs that also run two keepalived: a
# starved VRRP thread would see a dead master where there is none.
UDP_PPS = 50
PING_PPS = 20

KA_CONF = """global_defs {{
	router_id {me}
	script_user root
	enable_script_security
	shutdown_script "{notify} -c {conf} STOP"
}}
vrrp_instance TUNNELS {{
	state BACKUP
	interface eth0
	virtual_router_id 51
	priority {prio}
	preempt_delay 2
	advert_int 2
	unicast_src_ip {src}
	unicast_peer {{
		{peer}
	}}
	virtual_ipaddress {{
		{vip}/32 dev eth0
	}}
	notify "{notify} -c {conf}"
}}
"""

HA_CONF = """XFRMCTX={xfrmctx}
PEER={peer}
PSK={psk}
ID={me}
STATE_DIR={state}
RUN_DIR={run}
LOG={log}
SELECT="--reqid 1"
PERIOD=1
THRESHOLD=32
FACTOR=2
WAIT=10
ALIVE=3.5
"""


class Gateway:
    def __init__(self, t, d, ns, me, addr, peer_addr, prio, keys):
        self.t, self.ns, self.me, self.addr = t, ns, me, addr
        self.dir = f"{d}/{me}"
        os.makedirs(self.dir)
        self.state = f"{self.dir}/state"
        self.run = f"{self.dir}/run"
        self.notify_log = f"{self.dir}/notify.log"
        self.conf = f"{self.dir}/ha.conf"
        self.keys = keys
        with open(self.conf, "w") as f:
            f.write(HA_CONF.format(xfrmctx=ha_lib.XFRMCTX, peer=peer_addr, psk=keys, me=me, state=self.state, run=self.run,
                                   log=self.notify_log))
        self.ka_conf = f"{self.dir}/keepalived.conf"
        with open(self.ka_conf, "w") as f:
            f.write(KA_CONF.format(me=me, prio=prio, src=addr, peer=peer_addr, vip=topo.VIP,
                                   notify=NOTIFY, conf=self.conf))
        self.ka = None
        self.serve = ha_lib.serve(t, ns, keys, self.state, f"{self.dir}/serve.log", "--import")
        t.on_exit(self.dump_on_failure)

    def dump_on_failure(self):
        if self.t.rc != ksft.KSFT_FAIL:
            return
        for name in ("notify.log", "serve.log", "keepalived.log"):
            try:
                with open(f"{self.dir}/{name}", errors="replace") as f:
                    ksft.log(f"--- {self.me} {name}:\n{f.read()[-6000:]}")
            except FileNotFoundError:
                pass

    def start_keepalived(self):
        pid, vpid = f"{self.dir}/keepalived.pid", f"{self.dir}/vrrp.pid"
        # A private /run per daemon, as two keepalived would share its files.
        cmd = (f"mount -t tmpfs tmpfs /run && exec keepalived -n -l -D -G -P -f {self.ka_conf} "
               f"-p {pid} -r {vpid}")
        self.ka = ha_lib.Daemon(self.ns, ["unshare", "-m", "sh", "-c", cmd], f"{self.dir}/keepalived.log")
        self.t.on_exit(lambda ka=self.ka: ka.stop(signal.SIGKILL))

    def notes(self):
        try:
            with open(self.notify_log) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def kill_hard(self):
        """SIGKILL keepalived (both processes) and the sync loop: no goodbye."""
        for p in (f"{self.dir}/vrrp.pid", f"{self.dir}/keepalived.pid", f"{self.run}/sync.pid"):
            try:
                with open(p) as f:
                    os.kill(int(f.read().split()[0]), signal.SIGKILL)
                    ksft.log(f"[{self.ns}] kill -9 $(cat {p})")
            except (OSError, ValueError, IndexError):
                pass
        self.ka.stop(signal.SIGKILL)

    def sas(self):
        return len(self.t.xc(self.ns, "export", {}, dump=True, quiet=True))

    def in_seq(self):
        """Top of this gateway's inbound window (packets from the peer)."""
        try:
            r = self.t.xc(self.ns, "export", {"reqid": topo.REQID}, quiet=True)
        except Exception:  # noqa: BLE001 - no SA here
            return 0
        for sa in r.get("sa", []):
            if sa["spi"] == topo.SPI_OUT:
                rp = sa["replay"]
                return (rp.get("seq-hi", 0) << 32) | rp["seq"]
        return 0

    def flowing(self, what, timeout=60):
        """The peer's packets arrive here: the inbound counter moves."""
        s0 = wait_for(f"{self.me} to hold the tunnel ({what})", lambda: self.in_seq(), timeout, 0.2)
        wait_for(f"traffic through {self.me} ({what})", lambda: self.in_seq() > s0 + 20, timeout, 0.2)


def since(text, mark):
    return text[len(mark):]


def line_with(text, needle):
    return next((x for x in text.splitlines() if needle in x), None)


def cable(tp, gw, plugged):
    """Pull A's cable: its bridge port goes down, A's eth0 loses carrier
    (its addresses and routes stay, as on a real unplugged link)."""
    port = {tp.gwa: "p2", tp.gwb: "p3"}[gw]
    ksft.log(f"[{tp.lan}] ip link set {port} {'up' if plugged else 'down'}")
    subprocess.run(["ip", "-n", tp.lan, "link", "set", port, "up" if plugged else "down"], check=True)


def test(t):
    if subprocess.run(["sh", "-c", "command -v keepalived"], capture_output=True).returncode:
        raise ksft.Skip("keepalived is not installed (scripts/setup-deps installs it)")
    tp = topo.Topo(t)
    topo.addr_change(tp.gwa, "eth0", topo.VIP, add=False)	# keepalived owns the VIP
    # The tunnel's SAs appear on the master, as an IKE daemon that uses the
    # VIP would negotiate them: after keepalived made A master.
    t.run(tp.gwa, "ip xfrm state flush")
    common = f"proto esp mode tunnel reqid {topo.REQID} replay-window 128 flag esn aead '{topo.GCM}'"
    ike = [f"xfrm state add src {topo.VIP} dst 10.0.0.1 spi {topo.SPI_IN:#x} {common} {topo.KEY_IN} 128",
           f"xfrm state add src 10.0.0.1 dst {topo.VIP} spi {topo.SPI_OUT:#x} {common} {topo.KEY_OUT} 128"]
    d = tempfile.mkdtemp(prefix="ha-keepalived-")
    keys = ha_lib.write_keys(f"{d}/keys", ["gwA", "gwB"])
    A = Gateway(t, d, tp.gwa, "gwA", "10.0.0.2", "10.0.0.3", 150, keys)
    B = Gateway(t, d, tp.gwb, "gwB", "10.0.0.3", "10.0.0.2", 100, keys)

    pcap = f"{d}/esp.pcap"
    cap = ha_lib.Daemon(tp.lan, ["tcpdump", "-i", "br0", "-U", "-s", "128", "-w", pcap, "esp"], f"{d}/tcpdump.log")
    t.on_exit(lambda: cap.stop(signal.SIGINT))
    wait_for("tcpdump", lambda: os.path.exists(pcap) and os.path.getsize(pcap) >= 24)
    recv = {}
    for gw in (A, B):
        recv[gw.me] = subprocess.Popen(["ip", "netns", "exec", gw.ns] + f"{PY} udp-recv 192.168.2.1 5000 600".split(),
                                       stdout=subprocess.PIPE, text=True)
        recv[gw.me].stdout.readline()
        t.on_exit(recv[gw.me].kill)

    ksft.log("=== A becomes master")
    A.start_keepalived()
    wait_for("A to take the master role", lambda: "sync to 10.0.0.3 started" in A.notes(), 60)
    t.ip_batch(tp.gwa, ike)
    B.start_keepalived()
    wait_for("B's first snapshot of A", lambda: ha_lib.state(f"{B.state}/gwA").get("snapshot.sas") == 2, 30)
    send = subprocess.Popen(["ip", "netns", "exec", tp.peer] + f"{PY} udp-send 192.168.1.1 192.168.2.1 5000 {UDP_PPS} 600".split(),
                            stdout=subprocess.PIPE, text=True)
    t.on_exit(send.kill)
    ping = subprocess.Popen(["ip", "netns", "exec", tp.peer, "ping", "-i", str(1 / PING_PPS), "-W", "1", "-I", "192.168.1.1",
                             "192.168.2.1"], stdout=subprocess.PIPE, text=True)
    t.on_exit(ping.kill)
    A.flowing("start")
    steps = []

    ksft.log("=== 1. crash: A's keepalived and sync loop SIGKILLed, its link dropped")
    t0 = time.time()
    wait_for("B to hold a fresh snapshot of A",
             lambda: ha_lib.state(f"{B.state}/gwA").get("snapshot.received-ms", 0) > t0 * 1000 + 1500, 20)
    mark = B.notes()
    t0 = time.time()
    A.kill_hard()
    cable(tp, tp.gwa, False)
    wait_for("B's take-over", lambda: re.search("(take-over|hand-over) from gwA", since(B.notes(), mark)), 60)
    took = line_with(since(B.notes(), mark), "take-over from gwA")
    ksft.log(f"B: {took}")
    t.ok(took, "B took over from A's last snapshot")
    m = re.search(r"out-jump (\d+) = max\(floor (\d+), ceil\(peak ([\d.]+) pps x ([\d.]+) s x factor ([\d.]+)\)\)",
                  took or "")
    if t.ok(m, "the jump and its terms are printed"):
        jump, floor, pps, age, factor = int(m[1]), int(m[2]), float(m[3]), float(m[4]), float(m[5])
        expect = max(floor, -int(-(pps * age * factor) // 1))
        # the printed terms are rounded to 0.1 pps and 0.01 s
        t.ok(abs(jump - expect) <= 1 + factor * (0.05 * age + 0.005 * pps),
             f"out-jump = max(floor, ceil(pps x age x factor)) ({jump}, from the printed terms {expect})")
        t.ok(pps > PING_PPS / 2, "the rate was measured from A's snapshots", f"{pps} pps")
    snap = json.loads(xc(t, tp.gwb, ["-j", "context", "show", "-i", f"{B.state}/gwA/snapshot.ctx"], quiet=True).stdout)
    sa = next(s for s in snap["sa"] if s["spi"] == f"{topo.SPI_IN:#010x}")
    snap_oseq = sa["replay-oseq"] + (sa.get("replay-oseq-hi", 0) << 32)
    B.flowing("after the crash")
    steps.append(("crash A->B", t0))

    ksft.log("=== 2. A returns: keepalived first (link down: FAULT), then the link; A takes the tunnel back")
    mark = A.notes()
    A.start_keepalived()
    wait_for("A's FAULT notify", lambda: re.search(r"(FAULT|BACKUP): done", since(A.notes(), mark)), 60)
    ksft.log("A: " + " | ".join(since(A.notes(), mark).strip().splitlines()[-3:]))
    t.eq("A released its stale SAs before its link came back", 0, A.sas())
    t.ok(topo.VIP not in t.run(tp.gwa, "ip -4 addr show dev eth0", quiet=True),
         "A does not hold the VIP while B is master")
    t0 = time.time()
    cable(tp, tp.gwa, True)
    wait_for("A's take-over", lambda: "from gwB" in since(A.notes(), mark), 60)
    ksft.log(f"A: {line_with(since(A.notes(), mark), 'from gwB')}")
    t.ok("planned hand-over from gwB: thawed 2 SAs" in since(A.notes(), mark), "A got the tunnel back from B, exact")
    A.flowing("after A returned")
    steps.append(("fail-back B->A", t0))
    wait_for("B to release its SAs", lambda: B.sas() == 0, 20)

    ksft.log("=== 3. planned: keepalived on A stops")
    mark = B.notes()
    t0 = time.time()
    A.ka.stop(signal.SIGTERM, timeout=60)	# it runs the shutdown script first
    wait_for("B's take-over", lambda: re.search("(take-over|hand-over) from gwA", since(B.notes(), mark)), 60)
    ksft.log(f"B: {line_with(since(B.notes(), mark), 'from gwA')}")
    t.ok("planned hand-over from gwA: thawed 2 SAs" in since(B.notes(), mark), "B thawed A's hand-over")
    B.flowing("after the planned hand-over")
    steps.append(("planned A->B", t0))
    t.eq("A released its SAs", 0, A.sas())
    time.sleep(1)

    ksft.log("=== results")
    send.terminate()
    sent = json.loads(send.communicate()[0])
    ping.send_signal(signal.SIGINT)
    ping_out = ping.communicate()[0].strip().splitlines()
    got = {}
    for k, r in recv.items():
        r.terminate()
        got[k] = json.loads(r.communicate()[0])
    cap.stop(signal.SIGINT)
    union = set(got["gwA"]["seqs"]) | set(got["gwB"]["seqs"])
    lost = sorted(set(range(sent["sent"])) - union)
    runs, start = [], None
    for i, s in enumerate(lost):
        if start is None:
            start = s
        if i + 1 == len(lost) or lost[i + 1] != s + 1:
            runs.append((start, s))
            start = None
    ksft.log(f"UDP: sent {sent['sent']}, received {len(union)} "
             f"(A {got['gwA']['received']}, B {got['gwB']['received']}), lost {len(lost)}: "
             + ", ".join(f"{b - a + 1} ({(b - a + 1) * 1000 // UDP_PPS} ms)" for a, b in runs))
    ksft.log(ping_out[-2] if len(ping_out) >= 2 else "ping: no summary")

    peer_in = ksft.xfrm_states(t.run(tp.peer, "ip -s xfrm state", quiet=True))[("10.0.0.1", topo.SPI_IN)]
    t.eq("the peer's inbound SA: no replay, no integrity failure", (0, 0, 0), ksft.xfrm_failures(peer_in))

    pkts = traffic.esp_packets(pcap)
    who = {tp.macs[tp.gwa]: "A", tp.macs[tp.gwb]: "B"}
    out = [(p["ts"], who.get(p["src_mac"], "?"), p["seq"], p["iv"]) for p in pkts if p["spi"] == topo.SPI_IN]
    epochs = []
    for ts, gw, seq, _ in out:
        if not epochs or epochs[-1]["gw"] != gw:
            epochs.append({"gw": gw, "seqs": [], "first": ts, "last": ts})
        epochs[-1]["seqs"].append(seq)
        epochs[-1]["last"] = ts
    ksft.log("gateway -> peer: " + " ".join(f"{e['gw']}[{min(e['seqs'])}..{max(e['seqs'])}]" for e in epochs))
    t.eq("masters in the capture", ["A", "B", "A", "B"], [e["gw"] for e in epochs])
    for i in range(1, len(epochs)):
        prev, cur = epochs[i - 1], epochs[i]
        name = steps[i - 1][0] if i - 1 < len(steps) else "?"
        t.ok(min(cur["seqs"]) > max(prev["seqs"]),
             f"{name}: {cur['gw']} sent only numbers above {prev['gw']}'s ({min(cur['seqs'])} > {max(prev['seqs'])})")
        ksft.log(f"{name}: {(cur['first'] - prev['last']) * 1000:.0f} ms from {prev['gw']}'s last to "
                 f"{cur['gw']}'s first packet to the peer, "
                 f"{(cur['first'] - steps[i - 1][1]) * 1000:.0f} ms after the event" if i - 1 < len(steps) else "")
    if len(epochs) >= 2:
        a_unsynced = max(epochs[0]["seqs"]) - snap_oseq
        ksft.log(f"crash: A sent {a_unsynced} packets after the snapshot B used; B started "
                 f"{min(epochs[1]['seqs']) - 1 - snap_oseq} above it")
        t.ok(min(epochs[1]["seqs"]) - 1 - snap_oseq >= a_unsynced, "the jump covered what A sent after its last snapshot")
    seqs = [s for _, _, s, _ in out]
    t.eq("gateway -> peer: no sequence number twice", len(seqs), len(set(seqs)))
    ivs = [iv for _, _, _, iv in out]
    t.eq("gateway -> peer: no explicit IV twice", len(ivs), len(set(ivs)))
    back = [p["seq"] for p in pkts if p["spi"] == topo.SPI_OUT]
    t.eq("peer -> gateways: no sequence number twice", len(back), len(set(back)))
    for gw in (A, B):
        ksft.log(f"{gw.me} notify log:\n" + gw.notes())


ksft.main(test)
