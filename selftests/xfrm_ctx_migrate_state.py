#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""XFRM_MSG_MIGRATE_STATE (Linux 7.2+) on a frozen SA, under traffic
(topology: topo.py, gateway A only).

The message migrates one SA by its id (new addresses, reqid, mark, ...):
xfrm_do_migrate_state() clones the SA and installs the clone as VALID, with
the original's counters. A frozen SA must not come back to life that way.
Frozen means km.state ERROR, and the core refuses to migrate an SA that is
not VALID ("State already deleted", ESRCH) after cloning it, so:

  - the migration of a frozen SA is refused, the SA stays as it was
    (`ip -s xfrm state` byte for byte, reqid, still listed frozen), no
    clone appears, and the peer's pings still do not move its counters;
  - the same message, once the SA is thawed, is accepted and changes the
    reqid: the refusal came from the freeze, not from a malformed message.

Kernels without the message (before 7.2) answer EINVAL: the test skips.
No iproute2 in Debian speaks this message yet; it is built here by hand.
"""
import errno
import socket
import struct
import subprocess
import time

import ksft
import topo
import xcnl

XFRM_MSG_MIGRATE_STATE = 0x29
SOL_NETLINK, NETLINK_CAP_ACK, NETLINK_EXT_ACK = 270, 10, 11
NLMSGERR_ATTR_MSG = 1


def inet(a):
    return socket.inet_aton(a) + b"\0" * 12	# xfrm_address_t


def migrate_state(ns, daddr, spi, new_daddr, new_saddr, new_reqid):
    """Send XFRM_MSG_MIGRATE_STATE for SA (daddr, spi, esp); return
    (errno, extack message). struct xfrm_user_migrate_state: usersa_id,
    new daddr/saddr, old mark, new selector, new reqid, flags, new family.
    Without flags the clone takes the selector given: 0.0.0.0/0 both ways,
    as the tunnel's SAs have."""
    usersa_id = inet(daddr) + struct.pack("!I", spi) + struct.pack("=HBx", socket.AF_INET, 50)
    sel = inet("0.0.0.0") + inet("0.0.0.0") + struct.pack("=HHHHHBBBxxxiI", 0, 0, 0, 0,
                                                           socket.AF_INET, 0, 0, 0, 0, 0)
    body = (usersa_id + inet(new_daddr) + inet(new_saddr) + struct.pack("=II", 0, 0) + sel +
            struct.pack("=IIHH", new_reqid, 0, socket.AF_INET, 0))
    assert len(body) == 132, len(body)
    s = xcnl.netns_socket(ns, socket.AF_NETLINK, socket.SOCK_RAW, 6)
    s.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
    s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    s.bind((0, 0))
    ksft.log(f"[{ns}] XFRM_MSG_MIGRATE_STATE spi {spi:#x} dst {daddr} -> "
             f"dst {new_daddr} src {new_saddr} reqid {new_reqid}")
    s.send(struct.pack("=IHHII", 16 + len(body), XFRM_MSG_MIGRATE_STATE, 1 | 4, 1, 0) + body)
    data = s.recv(65536)
    s.close()
    mlen, = struct.unpack_from("=I", data, 0)
    err = -struct.unpack_from("=i", data, 16)[0]
    msg = ""
    off = 16 + 4 + 16	# nlmsghdr, error, the request's header (capped ack)
    while off + 4 <= mlen:
        alen, atype = struct.unpack_from("=HH", data, off)
        if alen < 4:
            break
        if atype == NLMSGERR_ATTR_MSG:
            msg = data[off + 4:off + alen].split(b"\0")[0].decode()
        off += (alen + 3) & ~3
    return err, msg


def seq_in(t, ns, sa):
    r = t.xc(ns, "export", {"sa-id": sa}, quiet=True)["sa"][0]["replay"]
    return (r.get("seq-hi", 0) << 32) | r["seq"]


def test(t):
    tp = topo.Topo(t)
    a = tp.gwa
    # The kernel knows the message if it looks the SA up: a missing one is
    # ESRCH "Can not find state"; before 7.2 the type is unknown (EINVAL).
    err, msg = migrate_state(a, topo.VIP, 0xDEAD, topo.VIP, "10.0.0.1", 7)
    if err != errno.ESRCH:
        t.skip(f"no XFRM_MSG_MIGRATE_STATE in this kernel (errno {err} '{msg}')")
    ksft.log(f"a missing SA: ESRCH '{msg}'")

    sa_in = tp.sa_id(topo.SPI_OUT, topo.VIP)	# the peer's traffic into A
    ping = subprocess.Popen(["ip", "netns", "exec", tp.peer, "ping", "-i", "0.1", "-W", "1",
                             "-I", "192.168.1.1", "192.168.2.1"], stdout=subprocess.DEVNULL)
    t.on_exit(ping.kill)
    ksft.wait_until("traffic through A", lambda: seq_in(t, a, sa_in) > 5)

    t.xc(a, "freeze", {"sa-id": sa_in, "lease": 120})
    before = t.run(a, "ip -s xfrm state", quiet=True)
    seq0 = seq_in(t, a, sa_in)
    err, msg = migrate_state(a, topo.VIP, topo.SPI_OUT, topo.VIP, "10.0.0.1", 77)
    t.ok(err == errno.ESRCH, "the migration of a frozen SA is refused",
         f"errno {err} '{msg}'")
    ksft.log(f"refused with errno {errno.errorcode.get(err, err)} '{msg}'")
    time.sleep(2)	# 20 of the peer's pings
    after = t.run(a, "ip -s xfrm state", quiet=True)
    t.eq("the SAs are byte-identical after the refused migration", before, after)
    t.ok("reqid 77" not in after, "no clone with the new reqid appeared")
    t.eq("the frozen SA's input counter did not move under the peer's pings",
         seq0, seq_in(t, a, sa_in))
    fr = t.xc(a, "list-frozen", {}, dump=True)
    t.eq("the SA is still the one frozen SA", [topo.SPI_OUT],
         [f["frozen"]["sa-id"]["spi"] if "frozen" in f else f["sa-id"]["spi"] for f in fr])

    # The same message on the thawed SA goes through.
    t.xc(a, "thaw", {"sa-id": sa_in})
    ksft.wait_until("traffic after the thaw", lambda: seq_in(t, a, sa_in) > seq0 + 3)
    # (with a warning when nobody listens to XFRMNLGRP_MIGRATE: "Failed to
    # send migration notification")
    err, msg = migrate_state(a, topo.VIP, topo.SPI_OUT, topo.VIP, "10.0.0.1", 77)
    t.eq(f"the same migration of the thawed SA is accepted ('{msg}')", 0, err)
    shown = t.run(a, "ip xfrm state", quiet=True)
    t.ok(f"spi {topo.SPI_OUT:#010x} reqid 77" in shown,
         "the thawed SA was migrated to reqid 77", shown)
    t.eq("nothing is left frozen", [], t.xc(a, "list-frozen", {}, dump=True))


ksft.main(test)
