#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""One half of a hand-over between two kernels (a rolling upgrade: gateway A
on one Debian kernel line, B on another). selftests/xkernel.sh boots a VM on
the old node's kernel for the export and another on the new node's for the
import; the context files travel between them as they would between hosts.

    XC_XK_PHASE=export  (old kernel) the topology of topo.py, the peer
        streaming UDP (100/s) and pinging through A; then the peer's SAs and
        A's are frozen and exported with `xfrmctx state export ... freeze` into
        /run/xfrmctx-out/keep/ (0600), with the capture's last packet the
        peer sent to A and the highest sequence number A sent.
    XC_XK_PHASE=import  (new kernel; XC_XK_DIR: what the export kept) the same
        topology without SAs; the peer's context is imported as it was (the
        peer is another host: it lives on), A's is imported staged on B, the
        address moves to B and B thaws. Checked as in xfrm_ctx_handover.py:
        traffic through B, 0 replay and integrity failures at the peer,
        every sequence number B sends above A's, the peer's packet from
        before the hand-over dropped by B as a replay.
"""
import json
import os
import signal
import time

import ksft
import topo
import traffic

HERE = os.path.dirname(os.path.abspath(__file__))
XFRMCTX = os.path.join(HERE, "..", "build", "helper", "xfrmctx")
KEEP = "/run/xfrmctx-out/keep"
WINDOW = 4096


bg = ksft.bg


def wait_for(what, fn, timeout=20):
    return ksft.wait_until(what, fn, timeout)


def sa_block(t, ns, dst, spi):
    return ksft.xfrm_states(t.run(ns, "ip -s xfrm state", quiet=True)).get((dst, spi), "")


def packets_in(t, ns, dst, spi):
    return (ksft.xfrm_counters(sa_block(t, ns, dst, spi)) or (0, 0))[1]


def capture(t, tp, name):
    pcap = f"/tmp/xk-{name}.pcap"
    cap = bg(tp.lan, f"tcpdump -i br0 --immediate-mode -U -s 2048 -w {pcap} esp")
    wait_for("tcpdump", lambda: os.path.exists(pcap) and os.path.getsize(pcap) >= 24)
    return cap, pcap


def stop(cap):
    os.kill(cap.pid, signal.SIGINT)
    cap.wait()


def export_phase(t):
    tp = topo.Topo(t, aead=topo.GCM, window=WINDOW)
    cap, pcap = capture(t, tp, "export")
    send = bg(tp.peer, f"python3 {HERE}/traffic.py udp-send 192.168.1.1 192.168.2.1 5000 100 120")
    ping = bg(tp.peer, "ping -i 0.1 -W 1 -I 192.168.1.1 192.168.2.1")
    wait_for("traffic through A", lambda: packets_in(t, tp.gwa, topo.VIP, topo.SPI_OUT) > 150, 60)
    os.makedirs(KEEP, mode=0o700, exist_ok=True)
    # the peer first (it stops sending), then A: what A sends in between
    # is lost, never numbered twice
    for ns, name in ((tp.peer, "peer"), (tp.gwa, "gw")):
        t.run(ns, f"{XFRMCTX} state export reqid {topo.REQID} freeze lease 600 "
                  f"-o {KEEP}/{name}.ctx")
    send.terminate()
    ping.send_signal(signal.SIGINT)
    send.communicate()
    ping.communicate()
    time.sleep(0.5)
    stop(cap)
    pkts = traffic.esp_packets(pcap)
    to_gw = [p for p in pkts if p["spi"] == topo.SPI_OUT]
    from_a = [p for p in pkts if p["spi"] == topo.SPI_IN]
    t.ok(to_gw and from_a, "the capture holds ESP both ways through A")
    meta = {"kernel": os.uname().release, "max_seq_a": max(p["seq"] for p in from_a),
            "replay": to_gw[-1]["ip"].hex(), "replay_seq": to_gw[-1]["seq"]}
    with open(f"{KEEP}/meta.json", "w") as f:
        json.dump(meta, f)
    for name in ("peer.ctx", "gw.ctx"):
        mode = os.stat(f"{KEEP}/{name}").st_mode & 0o777
        t.eq(f"the context file {name} is private", "0o600", oct(mode))
    ksft.log(f"exported on {meta['kernel']}: A sent up to {meta['max_seq_a']}")


def import_phase(t, src):
    with open(f"{src}/meta.json") as f:
        meta = json.load(f)
    ksft.log(f"contexts exported on {meta['kernel']}, imported on {os.uname().release}")
    tp = topo.Topo(t, aead=topo.GCM, window=WINDOW)
    # the peer and A carry on from the exported state: no SA of their own
    for ns in (tp.peer, tp.gwa):
        t.run(ns, "ip xfrm state flush")
    t.run(tp.peer, f"{XFRMCTX} state import -i {src}/peer.ctx nopolicy")
    t.run(tp.gwb, f"{XFRMCTX} state import -i {src}/gw.ctx staged lease 60 nopolicy")
    cap, pcap = capture(t, tp, "import")
    tp.move_vip(tp.gwb, tp.gwa)
    t.run(tp.gwb, f"{XFRMCTX} state thaw reqid {topo.REQID}")
    recv = bg(tp.gwb, f"python3 {HERE}/traffic.py udp-recv 192.168.2.1 5000 60")
    recv.stdout.readline()
    send = bg(tp.peer, f"python3 {HERE}/traffic.py udp-send 192.168.1.1 192.168.2.1 5000 100 120")
    ping = bg(tp.peer, "ping -i 0.1 -W 1 -I 192.168.1.1 192.168.2.1")
    base = packets_in(t, tp.gwb, topo.VIP, topo.SPI_OUT)
    wait_for("traffic through B", lambda: packets_in(t, tp.gwb, topo.VIP, topo.SPI_OUT) > base + 150, 60)
    send.terminate()
    ping.send_signal(signal.SIGINT)
    send.communicate()
    out = ping.communicate()[0]
    recv.terminate()
    got = json.loads(recv.communicate()[0])
    time.sleep(0.5)
    stop(cap)
    ksft.log(out.strip().splitlines()[-2] if out.strip() else "ping: no output")
    t.ok(got["received"] > 100, "the peer's stream arrives through B", f"{got['received']} datagrams")
    peer_in = sa_block(t, tp.peer, "10.0.0.1", topo.SPI_IN)
    t.eq("peer: no replay or integrity failure on its inbound SA", (0, 0, 0),
         ksft.xfrm_failures(peer_in))
    from_b = [p for p in traffic.esp_packets(pcap) if p["spi"] == topo.SPI_IN]
    if t.ok(from_b, "B's ESP to the peer is in the capture"):
        t.ok(min(p["seq"] for p in from_b) > meta["max_seq_a"],
             f"every sequence number B sent is above A's ({meta['max_seq_a']})")
    before = ksft.xfrm_failures(sa_block(t, tp.gwb, topo.VIP, topo.SPI_OUT))
    traffic.inject(tp.peer, bytes.fromhex(meta["replay"]))
    wait_for("B to see the replayed packet",
             lambda: ksft.xfrm_failures(sa_block(t, tp.gwb, topo.VIP, topo.SPI_OUT)) != before, 5)
    after = ksft.xfrm_failures(sa_block(t, tp.gwb, topo.VIP, topo.SPI_OUT))
    t.eq(f"B dropped the peer's packet from before the hand-over (seq {meta['replay_seq']}) as a replay",
         before[1] + 1, after[1])


def test(t):
    phase = os.environ.get("XC_XK_PHASE")
    if phase == "export":
        export_phase(t)
    elif phase == "import":
        import_phase(t, os.environ["XC_XK_DIR"])
    else:
        t.skip("one half of selftests/xkernel.sh (XC_XK_PHASE=export|import)")


ksft.main(test)
