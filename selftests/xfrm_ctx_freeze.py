#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Freeze semantics, under traffic (topology: topo.py, gateway A only).

  - a frozen SA's counters do not move while the peer pings it; the drops
    are counted (list-frozen's drops-in/out, /proc/net/xfrm_stat);
  - freezing sends no ACQUIRE, and the SA is neither expired nor deleted;
  - several SAs named in one request are frozen or thawed all or none;
  - double freeze and thaw of an unfrozen SA are refused with a message;
    renew extends the lease; thaw lets traffic through again;
  - a lease that runs out thaws the SA and an event says so;
  - release removes the SA without any message to key managers (no DELSA,
    no EXPIRE): the IKE daemon has nothing to tell the peer;
  - an SA frozen and then deleted by someone else is reported gone;
  - a frozen SA migrated to new addresses (XFRM_MSG_MIGRATE, as MOBIKE
    does) does not come back to life: its copy is frozen, with an event;
  - deleting a namespace with frozen SAs leaves nothing behind.
"""
import socket
import struct
import subprocess
import time

import ksft
import topo
import xcnl

XFRM_MSG_DELSA, XFRM_MSG_ACQUIRE, XFRM_MSG_EXPIRE = 0x11, 0x17, 0x18
EVENTS = {1: "frozen", 2: "thawed", 3: "lease-expired", 4: "imported", 5: "released",
          6: "updated", 7: "gone", 8: "unloaded", 9: "migrated"}


def xfrm_listener(netns):
    """A NETLINK_XFRM socket on the acquire, expire and SA groups."""
    s = xcnl.netns_socket(netns, socket.AF_NETLINK, socket.SOCK_RAW, 6)
    s.bind((0, 1 | 2 | 4))
    s.setblocking(False)
    return s


def xfrm_messages(s):
    types = []
    while True:
        try:
            data = s.recv(1 << 16)
        except BlockingIOError:
            return types
        off = 0
        while off + 16 <= len(data):
            mlen, mtype = struct.unpack_from("=IH", data, off)
            types.append(mtype)
            off += (mlen + 3) & ~3


def counters(t, ns, spi, dst):
    """(oseq, seq, packets) of an SA, read through export."""
    sa = t.xc(ns, "export", {"sa-id": {"family": 2, "daddr": socket.inet_aton(dst).hex(),
                                       "spi": spi, "proto": 50}}, quiet=True)["sa"][0]
    r = sa["replay"]
    return ((r.get("oseq-hi", 0) << 32) | r["oseq"], (r.get("seq-hi", 0) << 32) | r["seq"],
            sa["curlft"]["packets"])


def migrate(ns, sel_src, sel_dst, plen, old_src, dst, new_src, reqid):
    """XFRM_MSG_MIGRATE of the out policy src/plen -> dst/plen and its SA,
    as an IKE daemon sends it for MOBIKE (iproute2 has no command for it)."""
    inet = lambda a: socket.inet_aton(a) + b"\0" * 12  # noqa: E731 (xfrm_address_t)
    sel = (inet(sel_dst) + inet(sel_src) + struct.pack("=HHHHHBBBxxxiI", 0, 0, 0, 0,
           socket.AF_INET, plen, plen, 255, 0, 0))	# proto 255: match addresses only
    body = sel + struct.pack("=IBxxx", 0, 1)		# index, dir out
    mig = (inet(dst) + inet(old_src) + inet(dst) + inet(new_src) +
           struct.pack("=BBHIHH", 50, 1, 0, reqid, socket.AF_INET, socket.AF_INET))
    body += struct.pack("=HH", 4 + len(mig), 17) + mig	# XFRMA_MIGRATE
    s = xcnl.netns_socket(ns, socket.AF_NETLINK, socket.SOCK_RAW, 6)
    s.bind((0, 0))
    ksft.log(f"[{ns}] XFRM_MSG_MIGRATE {old_src} -> {new_src} (dst {dst}, reqid {reqid})")
    s.send(struct.pack("=IHHII", 16 + len(body), 0x21, 1 | 4, 1, 0) + body)	# MIGRATE, REQ|ACK
    err = struct.unpack_from("=i", s.recv(4096), 16)[0]
    s.close()
    if err:
        raise OSError(-err, "XFRM_MSG_MIGRATE")


def test(t):
    tp = topo.Topo(t)
    a = tp.gwa
    ev = xcnl.Events(a)
    km = xfrm_listener(a)
    sa_in = tp.sa_id(topo.SPI_OUT, topo.VIP)		# the peer's traffic into A
    sa_out = tp.sa_id(topo.SPI_IN, "10.0.0.1")	# A's replies
    ping = subprocess.Popen(["ip", "netns", "exec", tp.peer, "ping", "-i", "0.1", "-W", "1",
                             "-I", "192.168.1.1", "192.168.2.1"], stdout=subprocess.DEVNULL)
    t.on_exit(ping.kill)
    ksft.wait_until("traffic through A", lambda: counters(t, a, topo.SPI_OUT, topo.VIP)[1] > 5)

    # Several SAs by id in one request: all or none.
    t.eq("freeze of two SAs named in one request", 2,
         t.xc(a, "freeze", {"sa-id": [sa_in, sa_out], "lease": 30})["count"])
    t.eq("thaw of both in one request", 2, t.xc(a, "thaw", {"sa-id": [sa_in, sa_out]})["count"])
    t.refused(a, "freeze", {"sa-id": [sa_in, dict(sa_out, spi=0xDEAD)]}, "ESRCH",
              "no SA spi 0x0000dead", "a freeze that names a missing SA is refused")
    t.eq("... and froze nothing", [], t.xc(a, "list-frozen", {}, dump=True))
    t.xc(a, "freeze", {"sa-id": sa_in})
    t.refused(a, "thaw", {"sa-id": [sa_in, sa_out]}, "ENOENT", "is not frozen",
              "a thaw that names an SA not frozen is refused")
    t.eq("... and thawed nothing", 1, len(t.xc(a, "list-frozen", {}, dump=True)))
    t.xc(a, "thaw", {"sa-id": sa_in})
    ev.read(0.5)

    # Freeze: counters stand still, drops are counted, no ACQUIRE, no expiry.
    t.eq("freeze of the reqid acts on both SAs", 2,
         t.xc(a, "freeze", {"reqid": topo.REQID, "lease": 30})["count"])
    kinds = [EVENTS[e["event"]] for e in ev.read(2)]
    t.eq("two frozen events", ["frozen", "frozen"], kinds[:2])
    xfrm_messages(km)
    before = (counters(t, a, topo.SPI_OUT, topo.VIP), counters(t, a, topo.SPI_IN, "10.0.0.1"))
    t.run(a, "ping -c 3 -i 0.2 -W 1 -I 192.168.2.1 192.168.1.1", check=False)
    time.sleep(1)	# the peer keeps pinging: ten packets meet the frozen SA
    after = (counters(t, a, topo.SPI_OUT, topo.VIP), counters(t, a, topo.SPI_IN, "10.0.0.1"))
    t.eq("frozen SAs' sequence numbers and packet counts do not move", before, after)
    fr = t.xc(a, "list-frozen", {"sa-id": sa_in})["frozen"]
    t.ok(fr["drops-in"] >= 5, "inbound packets meeting the frozen SA are counted as drops",
         f"drops-in {fr['drops-in']}")
    fr_out = t.xc(a, "list-frozen", {"sa-id": sa_out})["frozen"]
    t.ok(fr_out["drops-out"] >= 1, "outbound packets meeting the frozen SA are counted as drops",
         f"drops-out {fr_out['drops-out']}")
    stat = t.run(a, "cat /proc/net/xfrm_stat", quiet=True)
    ksft.log(" ".join(line for line in stat.splitlines()
                      if any(k in line for k in ("InStateInvalid", "OutPolError", "OutNoStates"))))
    t.ok(fr["lease-left-ms"] > 20000, "lease is running down from 30 s")
    msgs = xfrm_messages(km)
    t.eq("no ACQUIRE, EXPIRE or DELSA while frozen", [],
         [m for m in msgs if m in (XFRM_MSG_ACQUIRE, XFRM_MSG_EXPIRE, XFRM_MSG_DELSA)])
    t.eq("both SAs are still there", 2, t.run(a, "ip xfrm state", quiet=True).count("proto esp"))

    # Refusals and renewal.
    t.refused(a, "freeze", {"sa-id": sa_in}, "EALREADY", "already frozen",
              "a second freeze is refused")
    t.eq("renew extends the lease", 1,
         t.xc(a, "freeze", {"sa-id": sa_in, "lease": 60, "flags": "renew"})["count"])
    t.ok(t.xc(a, "list-frozen", {"sa-id": sa_in})["frozen"]["lease-left-ms"] > 50000,
         "the renewed lease runs from 60 s")

    # Thaw: traffic goes through again.
    t.eq("thaw of the reqid", 2, t.xc(a, "thaw", {"reqid": topo.REQID})["count"])
    t.refused(a, "thaw", {"sa-id": sa_in}, "ENOENT", "is not frozen",
              "thaw of an SA that is not frozen is refused")
    seq0 = counters(t, a, topo.SPI_OUT, topo.VIP)[1]
    ksft.wait_until("traffic after thaw", lambda: counters(t, a, topo.SPI_OUT, topo.VIP)[1] > seq0 + 3)
    t.ok(True, "traffic flows through the thawed SAs again")
    ev.read(0.5)

    # A lease that runs out.
    t.xc(a, "freeze", {"reqid": topo.REQID, "lease": 1})
    kinds = []
    ksft.wait_until("lease expiry events",
                    lambda: kinds.extend(EVENTS[e["event"]] for e in ev.read(0.5)) or
                    kinds.count("lease-expired") >= 2, 10)
    t.eq("both SAs thawed by themselves with an event", 2, kinds.count("lease-expired"))
    t.eq("nothing is frozen any more", [], t.xc(a, "list-frozen", {}, dump=True))
    seq0 = counters(t, a, topo.SPI_OUT, topo.VIP)[1]
    ksft.wait_until("traffic after lease expiry",
                    lambda: counters(t, a, topo.SPI_OUT, topo.VIP)[1] > seq0 + 3)
    t.ok(True, "traffic flows after the lease ran out")

    # Release: gone, and the key manager is not told.
    xfrm_messages(km)
    t.xc(a, "freeze", {"sa-id": sa_in})
    t.eq("release", 1, t.xc(a, "release", {"sa-id": sa_in})["count"])
    t.ok("spi 0x1000a001" not in t.run(a, "ip xfrm state", quiet=True), "the released SA is gone")
    time.sleep(0.3)
    t.eq("no DELSA or EXPIRE reached key managers on release", [],
         [m for m in xfrm_messages(km) if m in (XFRM_MSG_DELSA, XFRM_MSG_EXPIRE)])
    t.ok("released" in [EVENTS[e["event"]] for e in ev.read(1)], "a released event")
    t.refused(a, "release", {"sa-id": sa_out}, "ENOENT", "only frozen SAs",
              "release of an SA that is not frozen is refused")

    # Deleted by someone else while frozen: reported gone at once.
    t.xc(a, "freeze", {"sa-id": sa_out})
    ev.read(0.5)
    t.run(a, f"ip xfrm state delete src {topo.VIP} dst 10.0.0.1 proto esp spi {topo.SPI_IN:#x}")
    kinds = ksft.wait_until("gone event", lambda: [EVENTS[e["event"]] for e in ev.read(0.5)], 5)
    t.eq("an SA deleted while frozen is reported gone", ["gone"], kinds)
    t.eq("and no longer listed as frozen", [], t.xc(a, "list-frozen", {}, dump=True))

    # Migration of a frozen SA (source address 10.9.0.1 -> 10.9.0.3).
    ns, = t.setup_ns("gone")
    t.ip_batch(ns, [f"xfrm state add src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x77 "
                    f"mode tunnel reqid 5 aead {topo.GCM} {topo.KEY_OUT} 128",
                    "xfrm policy add src 10.8.1.0/24 dst 10.8.2.0/24 dir out tmpl src 10.9.0.1 "
                    "dst 10.9.0.2 proto esp mode tunnel reqid 5"])
    id77 = {"family": 2, "daddr": "0a090002", "spi": 0x77, "proto": 50}
    ev_ns = xcnl.Events(ns)
    t.xc(ns, "freeze", {"sa-id": id77, "lease": 120})
    ev_ns.read(0.5)
    migrate(ns, "10.8.1.0", "10.8.2.0", 24, "10.9.0.1", "10.9.0.2", "10.9.0.3", 5)
    shown = t.run(ns, "ip xfrm state", quiet=True)
    t.ok("src 10.9.0.3 dst 10.9.0.2" in shown, "the SA was migrated to its new source address")
    kinds = ksft.wait_until("migration events", lambda: [EVENTS[e["event"]] for e in ev_ns.read(1)], 5)
    t.ok("migrated" in kinds and "gone" in kinds, "events: the copy migrated, the original gone",
         str(kinds))
    fr = t.xc(ns, "list-frozen", {"sa-id": id77})["frozen"]
    t.ok(fr["sa-id"]["saddr"] == "0a090003" and fr["lease-left-ms"] > 100000,
         "the migrated copy is frozen, with the original's lease")
    t.ok(t.xc(ns, "export", {"sa-id": id77})["sa"][0].get("frozen"), "its snapshot says frozen")

    # A namespace going away with a frozen SA.
    t.namespaces.remove(ns)
    t.run(None, f"ip netns del {ns}")
    ksft.log("namespace with a frozen SA deleted (the kernel log check follows at exit)")


ksft.main(test)
