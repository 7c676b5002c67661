#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The transfer channel between two gateways (topology: topo.py), without
a cluster manager:

  - push --handover to serve is refused, logged with its reason, and leaves
    nothing behind on B (no SA, no file) and A's SAs thawed, for: a wrong
    pre-shared key, an identity B does not know, a host that does not
    resolve, a stream cut in the middle of the message (a proxy drops the
    link), a message whose sequence number was already used, and a recorded
    session replayed byte for byte;
  - a planned hand-over: push --handover, serve --import stages the SAs on
    B, A releases them, takeover thaws them; B stores contexts sealed;
  - continuous sync from B back to A: a standby that starts late gets the
    full snapshot; snapshots follow the XFRM async events (replay-maxdiff
    set on every SA), added and deleted SAs reach the standby within one
    period; the standby measures the packet rate; after the sync loop dies
    takeover imports the last snapshot with out-jump = max(floor,
    ceil(peak_pps x age x factor)), exactly as printed, and leaves out an
    SA of the snapshot whose hard lifetime ended since.
"""
import json
import os
import signal
import subprocess
import tempfile
import time

import ha_lib
import ksft
import topo
from ha_lib import wait_for, xc

A_IP, B_IP = "10.0.0.2", "10.0.0.3"


def sa_count(t, ns):
    """SAs of ns, through the module in this process (no exec)."""
    return len(t.xc(ns, "export", {}, dump=True, quiet=True))


def frozen(t, ns):
    return [r["frozen"] for r in t.xc(ns, "list-frozen", {}, dump=True, quiet=True)]


def refused_push(t, tp, what, args, client_msg, server_msg, srv, stB):
    """A push that must fail: its message, the server's log line, and
    nothing changed on either side."""
    before = srv.log()
    p = xc(t, tp.gwa, ["push"] + args, check=False)
    t.eq(f"{what}: push exits 1", 1, p.returncode)
    t.ok(client_msg in p.stderr, f"{what}: push says why", p.stderr.strip()[-300:])
    if server_msg:
        wait_for("serve's log line", lambda: server_msg in srv.log()[len(before):], 5)
        line = [x for x in srv.log()[len(before):].splitlines() if server_msg in x]
        ksft.log(f"serve: {line[0] if line else '?'}")
        t.ok(line, f"{what}: serve logs the refusal")
    t.eq(f"{what}: nothing imported on B", 0, sa_count(t, tp.gwb))
    t.ok(not os.path.exists(os.path.join(stB, "gwA", "handover.ctx")), f"{what}: no hand-over stored on B")
    t.eq(f"{what}: A keeps its 2 SAs, thawed", (2, []), (sa_count(t, tp.gwa), frozen(t, tp.gwa)))


def test(t):
    tp = topo.Topo(t)
    d = tempfile.mkdtemp(prefix="ha-channel-")
    keys = ha_lib.write_keys(f"{d}/keys", ["gwA", "gwB"])
    wrong = ha_lib.write_keys(f"{d}/wrong", ["gwA"])
    stranger = ha_lib.write_keys(f"{d}/stranger", ["gwZ"])
    stA, stB = f"{d}/stateA", f"{d}/stateB"
    srvB = ha_lib.serve(t, tp.gwb, keys, stB, f"{d}/serveB.log", "--import", "--seal", keys, "--id", "gwB")
    t.on_exit(lambda: t.rc == ksft.KSFT_FAIL and ksft.log("--- serve on B:\n" + srvB.log()[-4000:]))
    t.eq("the tunnel carries traffic through A", 0,
         t.run(tp.peer, "ping -c 2 -i 0.2 -W 1 -q -I 192.168.1.1 192.168.2.1", check=False).returncode)
    hand = ["10.0.0.3", "--psk", keys, "--id", "gwA", "--handover", "--reqid", "1", "--timeout", "3"]

    ksft.log("=== refusals")
    refused_push(t, tp, "wrong key", ["10.0.0.3", "--psk", wrong, "--handover", "--reqid", "1"],
                 'TLS handshake with 10.0.0.3 as "gwA" failed',
                 f'wrong pre-shared key from {A_IP} for "gwA": the PSK binder does not verify', srvB, stB)
    refused_push(t, tp, "unknown peer", ["10.0.0.3", "--psk", stranger, "--handover", "--reqid", "1"],
                 'TLS handshake with 10.0.0.3 as "gwZ" failed',
                 f'unknown peer "gwZ" from {A_IP}: the identity is not in {keys}', srvB, stB)
    refused_push(t, tp, "unknown host", ["gw-b.invalid"] + hand[1:],
                 'unknown host "gw-b.invalid"', None, srvB, stB)
    proxy = ha_lib.Proxy(tp.gwa, 17001, B_IP, ha_lib.PORT, cut_record=5)
    refused_push(t, tp, "truncated stream", ["127.0.0.1:17001"] + hand[1:], "no answer",
                 f"truncated stream from {A_IP}: context message seq", srvB, stB)
    proxy.join()
    t.ok(proxy.cut_done, "the proxy cut the stream in the middle of the context message")

    ctx = f"{d}/a.ctx"
    xc(t, tp.gwa, ["state", "export", "reqid", "1", "-o", ctx])
    out = xc(t, tp.gwa, ["push", "10.0.0.3", "--psk", keys, "--id", "gwA", "-i", ctx, "--seq", "100"]).stdout
    t.ok("stored a snapshot of 2 SAs" in out, "a snapshot with seq 100 is accepted", out)
    with open(f"{stB}/gwA/snapshot.ctx", "rb") as f:
        t.ok(f.read(8) == b"\x89XCSEAL\n", "B keeps the snapshot sealed at rest")
    t.eq("the snapshot file is private", 0o600, os.stat(f"{stB}/gwA/snapshot.ctx").st_mode & 0o777)
    t.eq("the state directory is private", 0o700, os.stat(stB).st_mode & 0o777)
    mtime = os.stat(f"{stB}/gwA/snapshot.ctx").st_mtime_ns
    p = xc(t, tp.gwa, ["push", "10.0.0.3", "--psk", keys, "--id", "gwA", "-i", ctx, "--seq", "100"], check=False)
    t.ok(p.returncode == 1 and "replayed message: seq 100 is not above 100" in p.stderr,
         "the same sequence number again is refused as a replay", p.stderr.strip())

    proxy = ha_lib.Proxy(tp.gwa, 17002, B_IP, ha_lib.PORT)
    xc(t, tp.gwa, ["push", "127.0.0.1:17002", "--psk", keys, "--id", "gwA", "-i", ctx, "--seq", "200"])
    proxy.join()
    before = srvB.log()
    ha_lib.replay(tp.gwa, B_IP, ha_lib.PORT, proxy.recorded)
    wait_for("serve to refuse the replay", lambda: "replayed, altered or cut" in srvB.log()[len(before):], 5)
    line = [x for x in srvB.log()[len(before):].splitlines() if "refused" in x]
    ksft.log(f"serve: {line[0] if line else '?'}")
    t.ok(line, f"a recorded session ({len(proxy.recorded)} bytes) replayed is refused in the TLS handshake")
    st = ha_lib.state(f"{stB}/gwA")
    t.eq("the replay changed nothing on B", (200, mtime < os.stat(f"{stB}/gwA/snapshot.ctx").st_mtime_ns, 0),
         (st["seq.push"], True, sa_count(t, tp.gwb)))

    ksft.log("=== planned hand-over A -> B")
    out = xc(t, tp.gwa, ["push"] + hand).stdout
    ksft.log(out.strip())
    t.ok("pushed 2 SAs and 3 policies to 10.0.0.3" in out and "imported 2 SAs staged with out-jump 64" in out,
         "A pushed the frozen tunnel; B imported it staged")
    t.eq("A released its SAs", 0, sa_count(t, tp.gwa))
    t.eq("B holds the 2 SAs, staged", [True, True], [bool(f.get("staged")) for f in frozen(t, tp.gwb)])
    tp.move_vip(tp.gwb, tp.gwa)
    res = json.loads(xc(t, tp.gwb, ["-j", "takeover", "--dir", stB, "--seal", keys]).stdout)
    t.eq("takeover on B thaws the hand-over", ("planned", "gwA", 2), (res["mode"], res["from"], res["thawed"]))
    t.eq("nothing frozen on B", [], frozen(t, tp.gwb))
    t.eq("the tunnel carries traffic through B", 0,
         t.run(tp.peer, "ping -c 3 -i 0.1 -W 1 -q -I 192.168.1.1 192.168.2.1", check=False).returncode)

    ksft.log("=== sync B -> A; A's serve starts late")
    sync = ha_lib.Daemon(tp.gwb, [ha_lib.XFRMCTX, "sync", "--to", A_IP, "--psk", keys, "--id", "gwB",
                                  "--period", "2", "--threshold", "20", "-v"], f"{d}/syncB.log")
    t.on_exit(sync.stop)
    t.on_exit(lambda: t.rc == ksft.KSFT_FAIL and ksft.log("--- sync on B:\n" + sync.log()[-4000:]))
    wait_for("sync to find A unreachable", lambda: "unreachable" in sync.log(), 10)
    srvA = ha_lib.serve(t, tp.gwa, keys, stA, f"{d}/serveA.log")
    wait_for("A's first snapshot", lambda: ha_lib.state(f"{stA}/gwB").get("snapshot.sas") == 2, 6)
    t.ok(True, "a standby that joins late gets the full snapshot (2 SAs)")
    t.ok("replay-maxdiff 20, replay-maxage 2000 ms" in sync.log(), "sync set the async event thresholds")

    def maxdiff():
        snap = json.loads(xc(t, tp.gwa, ["-s", "-j", "context", "show", "-i", f"{stA}/gwB/snapshot.ctx"],
                             quiet=True).stdout)
        return [s.get("replay-maxdiff") for s in snap["sa"]]
    # The first snapshot left before the thresholds were set; the next one
    # comes within the period.
    try:
        wait_for("a snapshot with the thresholds", lambda: maxdiff() == [20, 20], 6, 0.5)
    except RuntimeError:
        pass
    t.eq("B's SAs carry replay-maxdiff 20 (snapshot on A)", [20, 20], maxdiff())

    n0 = sync.log().count("(counters advanced)")
    t0 = time.monotonic()
    t.run(tp.peer, "ping -c 100 -i 0.02 -W 1 -q -I 192.168.1.1 192.168.2.1")
    took = time.monotonic() - t0
    events = sync.log().count("(counters advanced)") - n0
    ksft.log(f"100 pings in {took:.1f} s: {events} snapshots on async events (threshold 20, period 2 s)")
    t.ok(events >= 3, "snapshots follow the counters, not only the period", f"{events} on events")
    wait_for("a rate on A", lambda: max(ha_lib.state(f"{stA}/gwB").get("rate.pps", [0]) or [0]) > 5, 5)
    ksft.log(f"rates A measured: {ha_lib.state(f'{stA}/gwB')['rate.pps']}")

    t.run(tp.gwb, f"ip xfrm state add src {topo.VIP} dst 10.0.0.1 spi 0x3000c001 proto esp mode tunnel "
          f"reqid 1 replay-window 32 flag esn aead rfc4106(gcm(aes)) {topo.KEY_IN} 128")
    t0 = time.monotonic()
    wait_for("the new SA on A", lambda: ha_lib.state(f"{stA}/gwB").get("snapshot.sas") == 3, 2.5)
    ksft.log(f"A had the new SA after {time.monotonic() - t0:.2f} s")
    t.run(tp.gwb, f"ip xfrm state delete src {topo.VIP} dst 10.0.0.1 spi 0x3000c001 proto esp")
    t0 = time.monotonic()
    wait_for("the deletion on A", lambda: ha_lib.state(f"{stA}/gwB").get("snapshot.sas") == 2, 2.5)
    ksft.log(f"A saw the deletion after {time.monotonic() - t0:.2f} s")
    t.ok("(SA added or deleted)" in sync.log(), "added and deleted SAs reach the standby within one period")

    ksft.log("=== the sync loop dies; takeover on A from the last snapshot")
    # An SA with a hard lifetime of 8 s: in the last snapshot, dead by the
    # take-over (issue 16): it is left out, not carried (nor refused, which
    # would refuse the whole import). Reqid 9: no policy sends through it.
    t.run(tp.gwb, f"ip xfrm state add src {topo.VIP} dst 10.0.0.1 spi 0x3000c003 proto esp mode tunnel "
          f"reqid 9 replay-window 32 flag esn aead rfc4106(gcm(aes)) {topo.KEY_IN} 128 limit time-hard 8")
    t_short = time.monotonic()
    wait_for("the short-lived SA on A", lambda: ha_lib.state(f"{stA}/gwB").get("snapshot.sas") == 3, 2.5)
    t.run(tp.peer, "ping -c 50 -i 0.02 -W 1 -q -I 192.168.1.1 192.168.2.1")
    sync.stop(signal.SIGKILL)
    time.sleep(0.3)
    snap = json.loads(xc(t, tp.gwa, ["-j", "context", "show", "-i", f"{stA}/gwB/snapshot.ctx"], quiet=True).stdout)
    t.ok(any(s["spi"] == "0x3000c003" for s in snap["sa"]), "the last snapshot holds the short-lived SA",
         str([s["spi"] for s in snap["sa"]]))
    time.sleep(max(0.0, t_short + 8.5 - time.monotonic()))
    out_sa = next(s for s in snap["sa"] if s["spi"] == f"{topo.SPI_IN:#010x}")
    snap_oseq = out_sa["replay-oseq"] + (out_sa.get("replay-oseq-hi", 0) << 32)
    p = xc(t, tp.gwa, ["-j", "takeover", "--dir", stA, "--floor", "16", "--alive", "1"])
    res, took_err = json.loads(p.stdout), p.stderr
    ksft.log(json.dumps(res))
    t.ok("SA 0x3000c003: hard add lifetime over" in took_err and "not carried" in took_err,
         "take-over leaves out the SA whose hard lifetime ended, and says so", took_err.strip())
    expect = max(16, int(-(-float(res["peak_pps"]) * float(res["age_s"]) * 2 // 1)))
    t.eq("crash take-over: imported 2 SAs with policies", ("crash", 2, 3), (res["mode"], res["imported"], res["policies"]))
    t.ok(abs(res["out_jump"] - expect) <= 1, "out-jump = max(floor, ceil(peak x age x factor))",
         f"{res['out_jump']} vs {expect}")
    t.ok(float(res["peak_pps"]) > 5, "the jump uses the measured rate", res["peak_pps"])
    oseq = ksft.xfrm_counters(ksft.xfrm_states(t.run(tp.gwa, "ip -s xfrm state", quiet=True))[("10.0.0.1", topo.SPI_IN)])[0]
    t.eq("A's outbound counter = snapshot + out-jump", snap_oseq + res["out_jump"], oseq)
    srvA.stop()
    srvB.stop()


ksft.main(test)
