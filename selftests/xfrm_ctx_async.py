#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A frozen snapshot stays exact with asynchronous crypto (issue 16, "exact
state": inbound packets still in cryptd or pcrypt when an SA is frozen were
said to advance its replay window after the snapshot).

Why they cannot: xfrm_input() re-checks km.state when an asynchronous
decryption resumes (encap_type -1, since Linux 4.15) and drops the packet if
the state is no longer VALID; the completion runs with bottom halves off (an
RCU read-side section: cryptd's and padata's workers disable them), and the
freeze sets ERROR, then waits for a grace
period before the export reads the counters. A resumption either saw ERROR
(dropped) or finished its replay advance before the export.

This proves it under load rather than by reading: the ESP transforms of
rfc4106(gcm(aes)) are forced through pcrypt (an instance created through
NETLINK_CRYPTO with the highest priority, so every new SA's requests run on
padata's workers and complete from its serial worker; /proc/crypto shows
the SAs holding it; cryptd's AEAD instances fail their self-test on 6.1:
"corrupted request struct", a kernel bug fixed later), the peer sends
UDP through the tunnel (topo.py) at 3 000 packets/s, and gateway A freezes
and exports its inbound SA 30 times, reads it again 100 ms later and
thaws it. Each time the second reading must equal the snapshot: the replay
top, the bitmap, the packet and byte counts. Between the rounds the
counters must move (the traffic really passed through pcrypt).
"""
import os
import socket
import struct
import time

import ksft
import topo

HERE = os.path.dirname(os.path.abspath(__file__))
NETLINK_CRYPTO = 21
CRYPTO_MSG_NEWALG, CRYPTO_MSG_DELALG, CRYPTO_MSG_UPDATEALG = 0x10, 0x11, 0x12
CRYPTOCFGA_PRIORITY_VAL = 1
CRYPTO_ALG_TYPE_AEAD = 0x3
NAME = "rfc4106(gcm(aes))"
ROUNDS = 30


def crypto_request(mtype, driver, priority=None, name=""):
    """One NETLINK_CRYPTO request (struct crypto_user_alg); raises OSError
    with the kernel's errno on refusal."""
    alg = struct.pack("=64s64s64sIIII", name.encode(), driver.encode(), b"",
                      CRYPTO_ALG_TYPE_AEAD, 0xf, 0, 0)
    if priority is not None:
        alg += struct.pack("=HHI", 8, CRYPTOCFGA_PRIORITY_VAL, priority)
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_CRYPTO)
    try:
        s.bind((0, 0))
        s.send(struct.pack("=IHHII", 16 + len(alg), mtype, 0x1 | 0x4, 1, 0) + alg)
        data = s.recv(4096)
    finally:
        s.close()
    _, rtype = struct.unpack_from("=IH", data)
    if rtype == 2:	# NLMSG_ERROR
        err = struct.unpack_from("=i", data, 16)[0]
        if err:
            raise OSError(-err, os.strerror(-err))


def proc_crypto(name):
    """[(driver, priority, refcnt)] of /proc/crypto's entries called name."""
    out = []
    with open("/proc/crypto") as f:
        for block in f.read().split("\n\n"):
            kv = dict((k.strip(), v.strip()) for k, _, v in
                      (line.partition(":") for line in block.splitlines()) if _)
            if kv.get("name") == name:
                out.append((kv.get("driver"), int(kv.get("priority", 0)),
                            int(kv.get("refcnt", 0))))
    return out


def force_async(t, template="pcrypt"):
    """Create the template's instance of NAME with the highest priority;
    returns its driver name. Undone at exit (lowered, then deleted when
    unused)."""
    for mod in ("crypto_user", template, "gcm", "aesni_intel"):
        t.run(None, f"modprobe -q {mod}", check=False, quiet=True)
    # The instance is created by the lookup; the request itself may answer
    # EAGAIN while the new algorithm's self-test runs.
    ksft.log(f"NETLINK_CRYPTO NEWALG {template}({NAME})")
    try:
        crypto_request(CRYPTO_MSG_NEWALG, f"{template}({NAME})")
    except OSError as e:
        ksft.log(f"  {e.strerror}")
    driver = ksft.wait_until(f"a {template} instance of {NAME} in /proc/crypto",
                             lambda: next((e[0] for e in proc_crypto(NAME)
                                           if e[0].startswith(template + "(")), None), 10)
    ksft.log(f"NETLINK_CRYPTO UPDATEALG {driver} priority 10000")
    crypto_request(CRYPTO_MSG_UPDATEALG, driver, priority=10000)
    top = max(proc_crypto(NAME), key=lambda e: e[1])

    def undo():
        try:
            crypto_request(CRYPTO_MSG_UPDATEALG, driver, priority=1)
        except OSError as e:
            ksft.log(f"  could not lower {driver}: {e.strerror}")
        # The SAs' transforms go with their states (freed by a work item
        # a moment after the flush).
        for ns in t.namespaces:
            t.run(ns, "ip xfrm state flush", check=False, quiet=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                crypto_request(CRYPTO_MSG_DELALG, driver)
                ksft.log(f"  deleted {driver}")
                return
            except OSError:
                time.sleep(0.2)
        ksft.log(f"  {driver} still in use: left at priority 1")
    t.on_exit(undo)
    t.ok(top[0] == driver, f"{NAME} resolves to {template} first", str(top))
    return driver


def replay_state(t, ns, sa_id, freeze=False):
    msg = {"sa-id": sa_id}
    if freeze:
        msg["flags"] = "freeze"
    sa = t.xc(ns, "export", msg, quiet=True)["sa"][0]
    r = sa["replay"]
    return {"seq": (r.get("seq-hi", 0) << 32) | r["seq"], "bitmap": r["bitmap"],
            "packets": sa["curlft"]["packets"], "bytes": sa["curlft"]["bytes"]}


def main(t):
    driver = force_async(t)
    before = [e for e in proc_crypto(NAME) if e[0] == driver][0][2]
    tp = topo.Topo(t)
    after = [e for e in proc_crypto(NAME) if e[0] == driver][0][2]
    ksft.log(f"  {driver}: refcnt {before} before the SAs, {after} after")
    t.ok(after >= before + 4, "the tunnel's four SAs decrypt and encrypt through pcrypt",
         f"refcnt {before} -> {after}")
    sa_in = tp.sa_id(topo.SPI_OUT, topo.VIP)	# peer -> VIP: A's inbound SA
    send = ksft.bg(tp.peer, f"python3 {HERE}/traffic.py udp-send 192.168.1.1 192.168.2.1 "
                            f"9000 3000 {ROUNDS * 0.4 + 10}")
    t.on_exit(lambda: send.poll() is None and send.terminate())
    time.sleep(1)
    moved, exact = 0, 0
    last = replay_state(t, tp.gwa, sa_in)
    ksft.log(f"{ROUNDS} x: freeze+export A's inbound SA, read it 100 ms later, thaw")
    for i in range(ROUNDS):
        snap = replay_state(t, tp.gwa, sa_in, freeze=True)
        time.sleep(0.1)
        again = replay_state(t, tp.gwa, sa_in)
        t.xc(tp.gwa, "thaw", {"sa-id": sa_in}, quiet=True)
        if again == snap:
            exact += 1
        else:
            ksft.log(f"  round {i}: snapshot {snap}, 100 ms later {again}")
        if snap["seq"] > last["seq"]:
            moved += 1
        last = again
        time.sleep(0.2)
    send.terminate()
    sent = send.communicate()[0].strip()
    ksft.log(f"  sender: {sent}; replay top now {last['seq']}, {last['packets']} packets")
    t.eq("rounds whose SA moved after its frozen snapshot", 0, ROUNDS - exact)
    t.ok(moved >= ROUNDS - 2, "the peer's traffic passed between the rounds (through pcrypt)",
         f"{moved} of {ROUNDS} rounds saw the counters move")


if __name__ == "__main__":
    ksft.main(main)
