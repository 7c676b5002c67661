#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Fail closed (issue 16): an SA whose context left the host never carries
traffic again unless someone thaws it on purpose. One case per finding:

  F1  a hand-over with out-jump 0 (topology: topo.py): A's SAs exported
      frozen, B's imported staged, the VIP on B, both leases run out while
      the peer pings B and A pings the peer: no ESP packet leaves A or B
      (capture on the LAN, the SAs' counters) until B is thawed by hand;
      list-frozen marks A's SAs exported; lease-held events.
  F1  unloading the module deletes held SAs (exported while frozen, or
      staged) with an XFRM_MSG_DELSA to key managers, and thaws the rest.
  F1  a snapshot of a live SA is refused on import without an out-jump,
      unless live-snapshot is given (module and `xfrmctx state import`).
  F2  a freeze with renew that fails part-way leaves SAs frozen by an
      earlier request frozen, with their old lease.
  F3  an export dump whose SA vanishes mid-dump fails with a message
      instead of returning an incomplete context.
  F4  an SA in a mode the module cannot carry is refused at freeze (only
      if this kernel can create one).
  F8  update may not change the IV salt of a live SA that has sent
      packets (seqiv reads it without x->lock); frozen, staged or never
      used SAs take it.
  F9  import tells key managers what XFRM netlink would (XFRM_MSG_NEWSA
      for each SA, XFRM_MSG_DELSA for one it replaces); release still
      tells them nothing (see Documentation/xfrm_ctx.rst).
"""
import copy
import os
import signal
import socket
import struct
import subprocess
import time

import ksft
import topo
import traffic
import xcnl

HERE = os.path.dirname(os.path.abspath(__file__))
XFRMCTX = os.environ.get("XFRMCTX", os.path.join(os.path.dirname(HERE), "build/helper/xfrmctx"))
EVENTS = {1: "frozen", 2: "thawed", 3: "lease-expired", 4: "imported", 5: "released",
          6: "updated", 7: "gone", 8: "unloaded", 9: "migrated", 10: "lease-held",
          11: "unload-deleted"}
K20 = "0x00112233445566778899aabbccddeeff01020304"
GCM = f"aead rfc4106(gcm(aes)) {K20} 128"
XFRM_MSG_NEWSA, XFRM_MSG_DELSA = 0x10, 0x11


def bg(ns, cmd):
    ksft.log(f"[{ns}] {cmd} &")
    return subprocess.Popen(["ip", "netns", "exec", ns] + cmd.split(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def sa_counters(t, ns, dst, spi):
    """(oseq, seq) of an SA from `ip -s xfrm state` (XFRM netlink, not the module)."""
    block = ksft.xfrm_states(t.run(ns, "ip -s xfrm state", quiet=True)).get((dst, spi), "")
    return ksft.xfrm_counters(block)


def id4(daddr, spi, proto=50):
    return {"family": 2, "daddr": socket.inet_aton(daddr).hex(), "spi": spi, "proto": proto}


def capture(t, ns, dev, name):
    pcap = f"/tmp/failclosed-{name}.pcap"
    # --immediate-mode: nothing waits in the capture ring when tcpdump stops
    cap = bg(ns, f"tcpdump -i {dev} --immediate-mode -U -s 256 -w {pcap} esp")
    # a process start takes seconds in a busy emulated guest
    ksft.wait_until("tcpdump", lambda: os.path.exists(pcap) and os.path.getsize(pcap) >= 24, 30)
    t.on_exit(lambda: cap.poll() is None and cap.kill())
    return cap, pcap


def stop(cap):
    time.sleep(0.5)	# the last packets reach the capture
    os.kill(cap.pid, signal.SIGINT)
    cap.wait()


def handover_lease(t):
    """F1: the leases of exported and staged SAs end; nothing is sent."""
    ksft.log("=== F1: hand-over with out-jump 0, then both leases run out")
    tp = topo.Topo(t)
    a, b = tp.gwa, tp.gwb
    ev_a, ev_b = xcnl.Events(a), xcnl.Events(b)
    ping = bg(tp.peer, "ping -i 0.1 -W 1 -I 192.168.1.1 192.168.2.1")
    t.on_exit(ping.kill)
    ksft.wait_until("traffic through A", lambda: (sa_counters(t, a, topo.VIP, topo.SPI_OUT) or (0, 0))[1] > 5)

    snap = t.xc(a, "export", {"reqid": topo.REQID, "flags": "freeze", "lease": 2})
    t.ok(all(sa.get("frozen") for sa in snap["sa"]), "A's snapshots were taken frozen")
    t.eq("a frozen snapshot imports staged with out-jump 0", 2,
         t.xc(b, "import", {"sa": snap["sa"], "flags": "staged", "lease": 2})["count"])
    # B takes the VIP and announces it; A keeps it too (a split brain: A
    # can still send with its source address, and would if it thawed).
    ksft.log(f"[{b}] ip addr add {topo.VIP}/32 dev eth0; arping -U {topo.VIP}")
    topo.addr_change(b, "eth0", topo.VIP, add=True)
    topo.gratuitous_arp(b, "eth0", topo.VIP, tp.macs[b])
    frozen_a = t.xc(a, "list-frozen", {}, dump=True)
    t.ok(len(frozen_a) == 2 and all(f["frozen"].get("exported") for f in frozen_a),
         "list-frozen marks A's SAs exported", str(frozen_a))

    kinds = {a: [], b: []}

    def held():
        for ns, ev in ((a, ev_a), (b, ev_b)):
            kinds[ns] += [EVENTS.get(e["event"]) for e in ev.read(0.2)]
        return kinds[a].count("lease-held") >= 2 and kinds[b].count("lease-held") >= 2
    try:
        ksft.wait_until("lease-held events on A and B", held, 10)
    except RuntimeError:
        pass
    ksft.log(f"events: A {kinds[a]}, B {kinds[b]}")
    t.eq("A: both leases ran out with a lease-held event, no thaw",
         (2, 0), (kinds[a].count("lease-held"), kinds[a].count("lease-expired")))
    t.eq("B: both leases ran out with a lease-held event, no thaw",
         (2, 0), (kinds[b].count("lease-held"), kinds[b].count("lease-expired")))

    # The peer keeps pinging B; A pings the peer. Whoever sends, it is ESP
    # under spi SPI_IN with a (key, seq, salt) that A already used.
    before = {ns: sa_counters(t, ns, "10.0.0.1", topo.SPI_IN) for ns in (a, b)}
    cap, pcap = capture(t, tp.lan, "br0", "lease")
    t.run(a, "ping -c 10 -i 0.2 -W 1 -I 192.168.2.1 192.168.1.1", check=False)
    time.sleep(1)
    stop(cap)
    out = [p for p in traffic.esp_packets(pcap) if p["spi"] == topo.SPI_IN]
    ksft.log(f"capture after the leases ended: {len(out)} ESP packets under spi {topo.SPI_IN:#x}")
    t.eq("F1: A (exported frozen) sends no ESP packet after its lease ended", 0,
         len([p for p in out if p["src_mac"] == tp.macs[a]]))
    t.eq("F1: B (staged) sends no ESP packet after its lease ended", 0,
         len([p for p in out if p["src_mac"] == tp.macs[b]]))
    after = {ns: sa_counters(t, ns, "10.0.0.1", topo.SPI_IN) for ns in (a, b)}
    t.eq("F1: the outbound SAs' counters on A and B stand still", before, after)
    t.eq("both SAs still frozen on A", 2, len(t.xc(a, "list-frozen", {}, dump=True)))
    t.eq("both SAs still frozen (staged) on B", 2, len(t.xc(b, "list-frozen", {}, dump=True)))

    # An explicit thaw on B ends it: the capture sees B's packets (so the
    # check above could have seen them too).
    cap, pcap = capture(t, tp.lan, "br0", "thawed")
    t.eq("thaw on B by hand", 2, t.xc(b, "thaw", {"reqid": topo.REQID})["count"])
    ksft.wait_until("B's replies", lambda: (sa_counters(t, b, "10.0.0.1", topo.SPI_IN) or (0, 0))[0]
                    > before[b][0] + 3)
    stop(cap)
    out_b = [p for p in traffic.esp_packets(pcap)
             if p["spi"] == topo.SPI_IN and p["src_mac"] == tp.macs[b]]
    t.ok(out_b and min(p["seq"] for p in out_b) > before[a][0],
         "after the thaw B sends, past A's last sequence number",
         f"{len(out_b)} packets")
    t.eq("release on A", 2, t.xc(a, "release", {"reqid": topo.REQID})["count"])


def unload(t):
    """F1: unloading deletes held SAs with a DELSA, thaws the others."""
    ksft.log("=== F1: unloading with held SAs")
    u, = t.setup_ns("U")
    t.ip_batch(u, [f"xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x{s:x} mode tunnel "
                   f"reqid {r} {GCM}" for s, r in ((0x101, 1), (0x102, 2), (0x103, 3))])
    t.xc(u, "export", {"sa-id": id4("10.0.0.2", 0x101), "flags": "freeze", "lease": 600})
    snap = t.xc(u, "export", {"sa-id": id4("10.0.0.2", 0x102)})["sa"][0]
    t.run(u, "ip xfrm state delete src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x102")
    t.xc(u, "import", {"sa": [snap], "flags": "staged", "out-jump": 1, "lease": 600})
    t.xc(u, "freeze", {"sa-id": id4("10.0.0.2", 0x103), "lease": 600})
    km = xcnl.netns_socket(u, socket.AF_NETLINK, socket.SOCK_RAW, 6)
    km.bind((0, 4))	# XFRMNLGRP_SA
    km.setblocking(False)
    ev = xcnl.Events(u)
    t.run(None, "rmmod xfrm_ctx")
    shown = t.run(u, "ip xfrm state", quiet=True)
    t.ok("spi 0x00000101" not in shown and "spi 0x00000102" not in shown,
         "F1: rmmod deleted the SA exported while frozen and the staged one", shown)
    t.ok("spi 0x00000103" in shown, "rmmod kept the SA that was only frozen")
    dels = []
    try:
        while True:
            data = km.recv(1 << 16)
            off = 0
            while off + 16 <= len(data):
                mlen, mtype = struct.unpack_from("=IH", data, off)
                if mtype == XFRM_MSG_DELSA:
                    spi = struct.unpack_from("!I", data, off + 16 + 16)[0]	# xfrm_usersa_id.spi
                    dels.append(spi)
                off += (mlen + 3) & ~3
    except BlockingIOError:
        pass
    t.eq("key managers got an XFRM_MSG_DELSA for each deleted SA", [0x101, 0x102], sorted(dels))
    kinds = sorted(EVENTS.get(e["event"]) for e in ev.read(1))
    t.eq("events: unload-deleted twice, unloaded once", ["unload-deleted", "unload-deleted", "unloaded"],
         kinds)
    t.run(u, f"ip xfrm state update src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x103 mode tunnel reqid 3 {GCM}")
    t.ok(True, "the SA that was only frozen is live again (update accepted)")
    t.run(None, "modprobe xfrm_ctx")


def live_import(t):
    """F1: a live snapshot needs an out-jump or live-snapshot."""
    ksft.log("=== F1: importing a live snapshot")
    x, y = t.setup_ns("X", "Y")
    t.ip_batch(x, [f"xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x201 mode tunnel "
                   f"reqid 4 replay-window 64 flag esn {GCM}"])
    live = t.xc(x, "export", {"sa-id": id4("10.0.0.2", 0x201)})["sa"]
    t.ok(not live[0].get("frozen"), "the snapshot was taken live")
    t.refused(y, "import", {"sa": live}, "EINVAL", "SA 0x00000201: snapshot of a live SA needs an out-jump",
              "F1: a live snapshot with out-jump 0 is refused")
    t.refused(y, "import", {"sa": live, "flags": "staged"}, "EINVAL", "snapshot of a live SA",
              "... staged as well")
    t.eq("nothing was imported", "", t.run(y, "ip xfrm state", quiet=True).strip())
    t.eq("with live-snapshot it is accepted", 1,
         t.xc(y, "import", {"sa": live, "flags": "live-snapshot"})["count"])
    t.run(y, "ip xfrm state flush")
    t.eq("with an out-jump it is accepted", 1, t.xc(y, "import", {"sa": live, "out-jump": 1})["count"])
    t.run(y, "ip xfrm state flush")
    # The tool: `state import` refuses with the module's message, exits 1.
    ctx = f"/tmp/failclosed-{x}.ctx"
    t.on_exit(lambda: os.path.exists(ctx) and os.unlink(ctx))
    t.run(x, f"{XFRMCTX} state export reqid 4 nopolicy -o {ctx}")
    p = t.run(y, f"{XFRMCTX} state import -i {ctx}", check=False)
    t.ok(p.returncode == 1 and "needs an out-jump" in p.stderr,
         "xfrmctx state import of a live context without out-jump fails with the message",
         f"rc {p.returncode}: {p.stderr.strip()}")
    p = t.run(y, f"{XFRMCTX} state import -i {ctx} live-snapshot", check=False)
    t.ok(p.returncode == 0 and "spi 0x00000201" in t.run(y, "ip xfrm state", quiet=True),
         "xfrmctx state import ... live-snapshot imports it", p.stderr.strip())


def renew_partial(t):
    """F2: a renew that fails part-way leaves earlier freezes alone."""
    ksft.log("=== F2: freeze with renew that fails part-way")
    r, = t.setup_ns("R")
    t.ip_batch(r, [f"xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x301 mode tunnel "
                   f"reqid 5 {GCM}",
                   # a larval state (ACQ) that a lookup by SPI finds: not live
                   "xfrm state allocspi src 10.0.0.1 dst 10.0.0.2 proto esp mode tunnel reqid 6 "
                   "min 0x302 max 0x302"])
    sa1, larval = id4("10.0.0.2", 0x301), id4("10.0.0.2", 0x302)
    t.xc(r, "freeze", {"sa-id": sa1, "lease": 600})
    t.refused(r, "freeze", {"sa-id": [sa1, larval], "flags": "renew", "lease": 30}, "EINVAL",
              "SA 0x00000302 is not live", "a renew that names a larval state is refused")
    try:
        fr = t.xc(r, "list-frozen", {"sa-id": sa1})["frozen"]
        t.ok(fr["lease-left-ms"] > 500000, "F2: the SA frozen earlier stays frozen with its old lease",
             f"lease-left-ms {fr['lease-left-ms']}")
    except xcnl.NlError as e:
        t.fail(f"F2: the SA frozen by an earlier request was thawed by the failed renew ({e.msg})")
    t.xc(r, "thaw", {"sa-id": sa1})


def dump_vanish(t):
    """F3: an SA deleted during an export dump fails the dump."""
    ksft.log("=== F3: an SA vanishes during an export dump")
    d, = t.setup_ns("D")
    t.ip_batch(d, [f"xfrm state add src 10.0.9.1 dst 10.0.9.2 proto esp spi {0x4000 + i:#x} mode tunnel "
                   f"reqid 7 replay-window 128 flag esn {GCM}" for i in range(300)])
    order = [sa["sa"][0]["spi"] for sa in t.xc(d, "export", {"reqid": 7}, dump=True)]
    t.eq("a full dump lists the 300 SAs", 300, len(order))
    g = xcnl.Genl(d)
    seq = g.send(g.family, xcnl.OPS["export"], xcnl.enc_attrs(xcnl.TOPSET, {"reqid": 7}),
                 xcnl.NLM_F_ACK | xcnl.NLM_F_DUMP)
    first = g.sk.recv(1 << 20)	# the first part; the next is built as this is read
    victim = order[-1]
    t.run(d, f"ip xfrm state delete src 10.0.9.1 dst 10.0.9.2 proto esp spi {victim:#x}")
    try:
        rest = g.recv_all(seq, True)
        t.fail(f"F3: the dump ended without error, {len(rest)} more SAs after the first part "
               f"({len(first)} bytes): an incomplete context")
    except xcnl.NlError as e:
        t.ok(f"SA {victim:#010x} vanished during the dump" in e.msg,
             "F3: the dump fails and names the SA that vanished", e.msg)


def mode_refused(t):
    """F4: a mode the module cannot carry is refused before anything stops."""
    ksft.log("=== F4: modes other than transport, tunnel, beet")
    m, = t.setup_ns("M")
    v6 = {"family": 10, "daddr": socket.inet_pton(socket.AF_INET6, "2001:db8::2").hex()}
    cases = [("proto comp spi 0x501 mode ro comp deflate", dict(v6, spi=0x501, proto=108)),
             (f"proto esp spi 0x502 mode ro {GCM}", dict(v6, spi=0x502, proto=50)),
             (f"proto esp spi 0x503 mode iptfs {GCM}", dict(v6, spi=0x503, proto=50))]
    made = [sid for cmd, sid in cases
            if not t.run(m, f"ip xfrm state add src 2001:db8::1 dst 2001:db8::2 {cmd}",
                         check=False).returncode]
    if not made:
        ksft.log("F4: this kernel creates no ESP/AH/IPcomp SA in a mode other than transport, "
                 "tunnel or beet (IP-TFS came in 6.14): nothing to refuse here")
        return
    before = t.run(m, "ip -s xfrm state", quiet=True)
    for sid in made:
        t.refused(m, "freeze", {"sa-id": sid}, "EOPNOTSUPP", "cannot be carried",
                  f"F4: freeze of SA {sid['spi']:#x} in a mode the module cannot carry")
        t.refused(m, "export", {"sa-id": sid, "flags": "freeze"}, "EOPNOTSUPP", "cannot be carried",
                  f"F4: export freeze of SA {sid['spi']:#x}")
    t.eq("F4: nothing was frozen", [], t.xc(m, "list-frozen", {}, dump=True))
    t.eq("F4: the SAs are unchanged", before, t.run(m, "ip -s xfrm state", quiet=True))


def salt_update(t):
    """F8: the IV salt of a live SA that has sent is not written."""
    ksft.log("=== F8: update of the IV salt")
    s, = t.setup_ns("S")
    t.ip_batch(s, [
        "link add d0 type dummy", "link set d0 up", "addr add 10.0.0.1/24 dev d0",
        f"xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x601 mode transport reqid 8 {GCM}",
        f"xfrm state add src 10.0.0.2 dst 10.0.0.1 proto esp spi 0x602 mode transport reqid 8 {GCM}",
        "xfrm policy add src 10.0.0.1 dst 10.0.0.2 dir out tmpl proto esp mode transport reqid 8",
    ])
    t.run(s, "ping -c 3 -i 0.2 -W 1 10.0.0.2", check=False)	# ESP out of 0x601, nobody answers
    out_id, in_id = id4("10.0.0.2", 0x601), id4("10.0.0.1", 0x602)
    snap = t.xc(s, "export", {"sa-id": out_id})["sa"][0]
    t.ok(snap["replay"]["oseq"] >= 3, "SA 0x601 has sent packets", str(snap["replay"]["oseq"]))
    salt = snap["alg-aead"]["iv-salt"]
    other = copy.deepcopy(snap)
    other["alg-aead"]["iv-salt"] = bytes(b ^ 0xFF for b in bytes.fromhex(salt)).hex()
    t.refused(s, "update", {"sa": [other]}, "EBUSY",
              "SA 0x00000601 is live and has sent: freeze it to set its IV salt",
              "F8: a new IV salt for a live SA that has sent is refused")
    t.eq("... and its salt is unchanged", salt,
         t.xc(s, "export", {"sa-id": out_id})["sa"][0]["alg-aead"]["iv-salt"])
    t.eq("the same salt (counters only) is accepted on the live SA", 1,
         t.xc(s, "update", {"sa": [snap]})["count"])
    t.xc(s, "freeze", {"sa-id": out_id})
    t.eq("frozen, it takes the new salt", 1, t.xc(s, "update", {"sa": [other], "flags": "thaw"})["count"])
    t.eq("... which is now its salt", other["alg-aead"]["iv-salt"],
         t.xc(s, "export", {"sa-id": out_id})["sa"][0]["alg-aead"]["iv-salt"])
    # An SA that never sent (inbound) takes a new salt while live.
    isnap = t.xc(s, "export", {"sa-id": in_id})["sa"][0]
    isnap["alg-aead"]["iv-salt"] = "00" * 8
    t.eq("an SA that never sent takes a new salt while live", 1,
         t.xc(s, "update", {"sa": [isnap]})["count"])


def sa_messages(sk):
    """(type, spi) of the XFRM_MSG_NEWSA / DELSA messages queued on sk."""
    out = []
    try:
        while True:
            data = sk.recv(1 << 16)
            off = 0
            while off + 16 <= len(data):
                mlen, mtype = struct.unpack_from("=IH", data, off)
                if mtype == XFRM_MSG_DELSA:	# xfrm_usersa_id: daddr, spi
                    out.append(("del", struct.unpack_from("!I", data, off + 16 + 16)[0]))
                elif mtype == XFRM_MSG_NEWSA:	# xfrm_usersa_info: sel, id (daddr, spi)
                    out.append(("new", struct.unpack_from("!I", data, off + 16 + 56 + 16)[0]))
                off += (mlen + 3) & ~3
    except BlockingIOError:
        pass
    return out


def announce(t):
    """F9: import is announced to key managers; release is not."""
    ksft.log("=== F9: what key managers hear of import, replace and release")
    k, = t.setup_ns("K")
    t.ip_batch(k, [f"xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x801 mode tunnel "
                   f"reqid 9 {GCM}"])
    snap = t.xc(k, "export", {"sa-id": id4("10.0.0.2", 0x801)})["sa"][0]
    km = xcnl.netns_socket(k, socket.AF_NETLINK, socket.SOCK_RAW, 6)
    km.bind((0, 4))	# XFRMNLGRP_SA
    km.setblocking(False)
    t.xc(k, "import", {"sa": [dict(snap, spi=0x802)], "out-jump": 10})
    t.eq("F9: an import sends XFRM_MSG_NEWSA", [("new", 0x802)], sa_messages(km))
    t.xc(k, "import", {"sa": [snap], "out-jump": 10, "flags": "replace"})
    t.eq("F9: a replacing import sends DELSA for the old SA, NEWSA for the new",
         [("del", 0x801), ("new", 0x801)], sa_messages(km))
    t.xc(k, "freeze", {"sa-id": id4("10.0.0.2", 0x802)})
    t.xc(k, "release", {"sa-id": id4("10.0.0.2", 0x802)})
    time.sleep(0.2)
    t.eq("release sends nothing to key managers", [], sa_messages(km))


def test(t):
    # Each case on its own: one that breaks does not hide the others.
    for case in (unload, live_import, renew_partial, dump_vanish, mode_refused, salt_update,
                 announce, handover_lease):
        try:
            case(t)
        except Exception as e:  # noqa: BLE001
            import traceback
            ksft.log(traceback.format_exc())
            t.fail(f"{case.__name__}: exception: {e}")
            if case is unload and not os.path.isdir("/sys/module/xfrm_ctx"):
                t.run(None, "modprobe xfrm_ctx")


ksft.main(test)
