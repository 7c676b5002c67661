# SPDX-License-Identifier: GPL-2.0
"""Benchmark 4: what a freeze costs.

  - 10 000 SAs of one reqid are frozen and thawed: with the xfrmctx command
    (process start included) and in-process through libxfrmctx (xcbench),
    against the floor of creating the same 10 000 SAs with `ip -batch`;
  - tunnel by tunnel: 20 tunnels handed over one reqid at a time (freeze +
    export, import elsewhere, release): how long each SA stays frozen, from
    the start of its export to the end of its import. (The bulk benchmark
    reports the same for a hand-over of everything at once.)
"""
from common import XFRMCTX, Driver, emit, log, median, netns_add, netns_del, settle, timed

N = 10000
REQID = 77
TUNNELS = 20
ROUNDS = 3


def sa_lines(n, reqid, spi_base):
    out = []
    for i in range(n):
        key = "0x" + f"{(i * 2654435761 + 99) & 0xffffffff:08x}" * 5
        out.append(f"xfrm state add src 10.0.0.2 dst 10.{96 + (i >> 16)}.{i >> 8 & 255}.{i & 255} proto esp "
                   f"spi {spi_base + i:#x} mode tunnel reqid {reqid} replay-window 128 flag esn "
                   f"aead rfc4106(gcm(aes)) {key} 128")
    return out


def batch(ns, lines):
    return timed(ns, ["ip", "-force", "-batch", "-"], stdin_data=("\n".join(lines) + "\n").encode())


def run(t):
    z = netns_add("freezeZ")
    floor = batch(z, sa_lines(N, REQID, 0x10000000))
    emit("freeze-floor", n=N, secs=floor.secs)
    log(f"freeze: {N} SAs created in {floor.secs:.2f} s (the floor)")
    settle()
    drv = Driver()
    try:
        drv(f"open z {z}")
        for rnd in range(ROUNDS):
            fz = timed(z, [XFRMCTX, "state", "freeze", "reqid", str(REQID), "lease", "600"])
            th = timed(z, [XFRMCTX, "state", "thaw", "reqid", str(REQID)])
            f2 = drv(f"freeze z reqid {REQID} lease 600")
            t2 = drv(f"thaw z reqid {REQID}")
            if f2["sas"] != N or t2["sas"] != N:
                raise RuntimeError(f"froze {f2['sas']}, thawed {t2['sas']} of {N}")
            row = dict(n=N, round=rnd, cli_freeze_s=fz.secs, cli_thaw_s=th.secs,
                       lib_freeze_s=f2["us"] / 1e6, lib_thaw_s=t2["us"] / 1e6, floor_s=floor.secs)
            emit("freeze", **row)
            log(f"freeze round {rnd}: command {fz.secs:.3f} s (thaw {th.secs:.3f} s), "
                f"library {f2['us'] / 1e6:.3f} s (thaw {t2['us'] / 1e6:.3f} s), "
                f"{f2['us'] / N:.1f} us/SA; floor {floor.secs:.2f} s")
    finally:
        drv.close()
        netns_del(z)
        settle()

    # Tunnel by tunnel.
    p, q = netns_add("freezeP"), netns_add("freezeQ")
    lines = []
    for r in range(1, TUNNELS + 1):
        key = "0x" + f"{r:08x}" * 5
        lines += [f"xfrm state add src 10.0.0.2 dst 10.200.0.{r} proto esp spi {0x50000000 + r:#x} mode tunnel "
                  f"reqid {r} replay-window 128 flag esn aead rfc4106(gcm(aes)) {key} 128",
                  f"xfrm state add src 10.200.0.{r} dst 10.0.0.2 proto esp spi {0x60000000 + r:#x} mode tunnel "
                  f"reqid {r} replay-window 128 flag esn aead rfc4106(gcm(aes)) {key} 128"]
    batch(p, lines)
    drv = Driver()
    frozen = []
    try:
        drv(f"open p {p}")
        drv(f"open q {q}")
        for r in range(1, TUNNELS + 1):
            ex = drv(f"export p reqid {r} freeze 30")
            im = drv("import q out 64")
            drv(f"release p reqid {r}")
            frozen.append(im["t1"] - ex["t0"])
    finally:
        drv.close()
        netns_del(p)
        netns_del(q)
    emit("freeze-per-tunnel", tunnels=TUNNELS, frozen_ms_median=median(frozen) * 1e3,
         frozen_ms_max=max(frozen) * 1e3)
    log(f"tunnel by tunnel: each SA frozen {median(frozen) * 1e3:.1f} ms (median), "
        f"{max(frozen) * 1e3:.1f} ms at most, over {TUNNELS} tunnels")
