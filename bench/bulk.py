# SPDX-License-Identifier: GPL-2.0
"""Benchmark 1: bulk hand-over of N SAs with their policies.

Namespace A holds N SAs (rfc4106(gcm(aes)), ESN, replay window 128, counters
set) in tunnels of two SAs (out and in) with an out, in and fwd policy each:
tunnel t has reqid t+1, peer 10.64.0.0+scatter(t) and remote host
172.16.0.0+t. The peers are scattered over 10.64.0.0/16 as real peers are:
the kernel hashes SAs by reqid XOR (daddr + saddr), and with peer 10.64.0.0+t
next to reqid t+1 the low bits cancel, all N SAs fall into 16 buckets and
every insert walks most of them (100 000 SAs: 11 minutes to create, on every
path alike). Each
path moves all of them to a fresh namespace with the outbound counters moved
ahead by OUT_JUMP:

  floor     `ip -batch` creates the same SAs and policies from prepared lines
            (a fresh namespace while A holds its N SAs, as for the others)
  module    xfrmctx state export all freeze -o FILE (A); state import (B)
  nomodule  the same with --no-module (XFRM netlink; not atomic)
  iproute2  TZ=UTC `ip -s xfrm state` + `ip xfrm policy` dumps (A), a rewrite
            into add lines (in this process, not counted against iproute2's
            process starts: only its own time), `ip -batch` (B). iproute2
            cannot set the replay bitmap: the window arrives empty.

Every namespace of this benchmark hashes these policies (`ip xfrm policy
set hthresh4 24 32`, as a gateway with many tunnels is configured): with the
default thresholds (32 32) a policy with a /24 side is "inexact", and the
kernel inserts each one by walking the namespace's whole inexact list
(xfrm_policy_insert_inexact_list), so creating N of them costs O(N^2) on
every path, the floor included, and 100 000 SAs would take hours under TCG.

Reported per path: time (and per SA), context bytes per SA, peak RSS of each
process, Slab growth and peak while importing; the module path also reports
how long A's SAs had been frozen when B's import completed.
"""
import os
import re

from common import (XFRMCTX, Result, SlabPeak, emit, log, median, netns_add, netns_del,
                    settle, sh, slab_kib, timed)

OUT_JUMP = 1000
LOCAL = "10.0.0.2"
GCM = "rfc4106(gcm(aes))"


def ip4(base, n):
    v = base + n
    return f"{v >> 24 & 255}.{v >> 16 & 255}.{v >> 8 & 255}.{v & 255}"


PEER_BASE = (10 << 24) | (64 << 16)


def scatter(t):
    """A bijection of 0..65535 (multiply by an odd number, fold the high
    bits down, twice): tunnel t's peer, unrelated to its reqid."""
    for _ in range(2):
        t = (t * 40503) & 0xffff
        t ^= t >> 7
    return t


def peer_of(t):
    return ip4(PEER_BASE, scatter(t))
HOST_BASE = (172 << 24) | (16 << 16)


def batch_lines(n):
    """The `ip -batch` lines that create N SAs and their tunnels' policies."""
    sas, pols = [], []
    tunnels = (n + 1) // 2
    for i in range(n):
        t = i // 2
        peer = peer_of(t)
        key = "0x" + f"{(i * 2654435761 + 12345) & 0xffffffff:08x}" * 5
        if i % 2 == 0:
            src, dst, spi = LOCAL, peer, 0x40000000 + t
        else:
            src, dst, spi = peer, LOCAL, 0x80000000 + t
        sas.append(f"xfrm state add src {src} dst {dst} proto esp spi {spi:#x} mode tunnel reqid {t + 1} "
                   f"replay-window 128 flag esn replay-seq {1000 + t:#x} replay-oseq {2000 + t:#x} "
                   f"replay-seq-hi 0x1 replay-oseq-hi 0x1 aead {GCM} {key} 128")
    for t in range(tunnels):
        peer, host = peer_of(t), ip4(HOST_BASE, t)
        tmpl = f"proto esp mode tunnel reqid {t + 1}"
        pols += [f"xfrm policy add src 192.168.2.0/24 dst {host}/32 dir out tmpl src {LOCAL} dst {peer} {tmpl}",
                 f"xfrm policy add src {host}/32 dst 192.168.2.0/24 dir in tmpl src {peer} dst {LOCAL} {tmpl}",
                 f"xfrm policy add src {host}/32 dst 192.168.2.0/24 dir fwd tmpl src {peer} dst {LOCAL} {tmpl}"]
    return sas + pols


def bulk_ns(name):
    """A namespace whose policies of this benchmark are all hashed (see the
    top of this file)."""
    ns = netns_add(name)
    sh(f"ip -n {ns} xfrm policy set hthresh4 24 32")
    return ns


def ip_batch(ns, lines):
    return timed(ns, ["ip", "-force", "-batch", "-"], stdin_data=("\n".join(lines) + "\n").encode())


ESN_RE = re.compile(r"seq-hi (0x[0-9a-f]+), seq (0x[0-9a-f]+), oseq-hi (0x[0-9a-f]+), oseq (0x[0-9a-f]+)")


def rewrite_states(text, out_jump):
    """`ip -s xfrm state` output into `xfrm state add` lines: what a script
    around iproute2 has to do to move SAs."""
    lines = []
    for block in text.split("\nsrc ")[0:]:
        if not block.strip():
            continue
        if not block.startswith("src "):
            block = "src " + block
        m = re.match(r"src (\S+) dst (\S+)\n\s+proto (\S+) spi (0x[0-9a-f]+)\S* reqid (\d+)\S* mode (\S+)", block)
        a = re.search(r"\n\s+aead (\S+) (0x[0-9a-f]+)(?: ?\(\d+ bits\))? (\d+)", block)
        c = ESN_RE.search(block)
        w = re.search(r"replay_window (\d+)", block)
        if not (m and a and c and w):
            raise RuntimeError(f"cannot rewrite SA block:\n{block[:400]}")
        sh_, s, oh, o = (int(x, 16) for x in c.groups())
        oseq = ((oh << 32) | o) + out_jump
        lines.append(f"xfrm state add src {m[1]} dst {m[2]} proto {m[3]} spi {m[4]} mode {m[6]} reqid {m[5]} "
                     f"replay-window {w[1]} flag esn replay-seq {s:#x} replay-seq-hi {sh_:#x} "
                     f"replay-oseq {oseq & 0xffffffff:#x} replay-oseq-hi {oseq >> 32:#x} aead {a[1]} {a[2]} {a[3]}")
    return lines


def rewrite_policies(text):
    lines = []
    for block in re.split(r"\n(?=src )", text.strip()):
        if block.strip():
            lines.append("xfrm policy add " + " ".join(block.split()))
    return lines


def check_moved(ns, n, what):
    """The target holds N SAs with the jumped counters (checked on tunnel 0's
    outbound SA) and the policies."""
    out = timed(ns, ["ip", "xfrm", "state", "count"]).out.decode()
    count = int(re.search(r"(\d+)", out.split("SAD count")[-1] if "SAD count" in out else out)[1])
    got = timed(ns, ["ip", "xfrm", "state", "get", "src", LOCAL, "dst", peer_of(0), "proto", "esp",
                     "spi", "0x40000000"], env=dict(os.environ, TZ="UTC")).out.decode()
    c = ESN_RE.search(got)
    oseq = (int(c[3], 16) << 32 | int(c[4], 16)) if c else -1
    want = (1 << 32 | 2000) + OUT_JUMP
    if count != n or oseq != want:
        raise RuntimeError(f"{what}: {count} SAs (want {n}), tunnel 0 oseq {oseq} (want {want})")


def frozen_ms(ns):
    import socket
    import xcnl
    sid = {"family": 2, "daddr": socket.inet_aton(peer_of(0)).hex(), "spi": 0x40000000, "proto": 50}
    rep = xcnl.Genl(ns).request("list-frozen", {"sa-id": sid})
    return rep[0]["frozen"]["frozen-ms"] if rep and "frozen" in rep[0] else None


def one_round(n, rnd, workdir, a, lines):
    rows = []

    def record(path, steps, ctx_bytes, slab_before, peak, extra=None):
        secs = sum(r.secs for r in steps.values())
        row = dict(n=n, round=rnd, path=path, secs=secs, us_per_sa=secs * 1e6 / n,
                   steps={k: round(r.secs, 4) for k, r in steps.items()},
                   maxrss_kib={k: r.maxrss_kib for k, r in steps.items()},
                   ctx_bytes_per_sa=ctx_bytes / n if ctx_bytes else None,
                   slab_kib_per_sa=None if slab_before is None else (peak.end - slab_before) / n,
                   slab_peak_kib=None if slab_before is None else peak.peak - slab_before)
        row.update(extra or {})
        rows.append(row)
        emit("bulk", **row)

    def floor(tag):
        # The floor: the same creation in a fresh namespace.
        f = bulk_ns(f"bulkF{rnd}{tag}")
        with SlabPeak() as pk:
            r = ip_batch(f, lines)
        record("floor", {"ip-batch": r}, None, pk.start, pk)
        netns_del(f)
        settle()

    floor("a")

    # Without the module.
    b = bulk_ns(f"bulkB{rnd}n")
    ctx = os.path.join(workdir, "nomod.ctx")
    ex = timed(a, [XFRMCTX, "--no-module", "state", "export", "all", "-o", ctx])
    with SlabPeak() as pk:
        im = timed(b, [XFRMCTX, "--no-module", "state", "import", "-i", ctx, "out-jump", str(OUT_JUMP)])
    check_moved(b, n, "nomodule")
    record("nomodule", {"export": ex, "import": im}, os.path.getsize(ctx), pk.start, pk)
    os.unlink(ctx)
    netns_del(b)
    settle()

    # iproute2.
    b = bulk_ns(f"bulkB{rnd}i")
    env = dict(os.environ, TZ="UTC")
    d1 = timed(a, ["ip", "-s", "xfrm", "state"], env=env)
    d2 = timed(a, ["ip", "xfrm", "policy"], env=env)
    t0 = os.times().elapsed
    add = rewrite_states(d1.out.decode(), OUT_JUMP) + rewrite_policies(d2.out.decode())
    rw = Result(os.times().elapsed - t0, 0, 0, b"", b"")
    with SlabPeak() as pk:
        ib = ip_batch(b, add)
    check_moved(b, n, "iproute2")
    record("iproute2", {"dump-states": d1, "dump-policies": d2, "rewrite": rw, "ip-batch": ib},
           len(d1.out) + len(d2.out), pk.start, pk)
    netns_del(b)
    settle()

    # The module: A's SAs frozen for the whole hand-over.
    b = bulk_ns(f"bulkB{rnd}m")
    ctx = os.path.join(workdir, "module.ctx")
    ex = timed(a, [XFRMCTX, "state", "export", "all", "freeze", "lease", "3600", "-o", ctx])
    with SlabPeak() as pk:
        im = timed(b, [XFRMCTX, "state", "import", "-i", ctx, "out-jump", str(OUT_JUMP)])
    fz = frozen_ms(a)
    check_moved(b, n, "module")
    record("module", {"export": ex, "import": im}, os.path.getsize(ctx), pk.start, pk,
           {"frozen_ms_at_import_end": fz})
    os.unlink(ctx)
    netns_del(b)
    settle()
    # A second floor sample after the paths: the machine's load drifts
    # (other guests share its two cores).
    floor("b")
    return rows


def run(sizes, rounds_of):
    workdir = "/tmp/bench-bulk"
    os.makedirs(workdir, exist_ok=True)
    summary = []
    # The cost of starting a process, for reading the small-N results.
    starts = [timed(None, [XFRMCTX, "help"]).secs for _ in range(5)]
    emit("exec", secs=median(starts))
    log(f"process start (xfrmctx help): {median(starts) * 1000:.0f} ms")
    for n in sizes:
        lines = batch_lines(n)
        for rnd in range(rounds_of(n)):
            a = bulk_ns(f"bulkA{rnd}")
            s0 = slab_kib()
            setup = ip_batch(a, lines)
            emit("bulk-setup", n=n, round=rnd, secs=setup.secs, slab_kib_per_sa=(slab_kib() - s0) / n)
            settle()
            log(f"N={n} round {rnd}: A built in {setup.secs:.2f} s")
            rows = one_round(n, rnd, workdir, a, lines)
            fl = median([r["secs"] for r in rows if r["path"] == "floor"])
            log("  " + ", ".join(f"{r['path']} {r['secs']:.3f} s ({r['secs'] / fl:.2f}x)" for r in rows))
            summary += rows
            netns_del(a)
            settle()
    return summary
