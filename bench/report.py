#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the "BENCH {json}" lines of bench/bench.py runs (VM console logs)
into bench/results/: one directory per kernel with CSV files and PNG plots,
and results.md with the tables and the verdict on each target.

    bench/report.py LOG... [--out bench/results]

Every ratio compares paths measured in the same VM run.
"""
import argparse
import csv
import json
import math
import os
import statistics
from collections import defaultdict

import common

TARGET_BULK = 1.15
TARGET_GAP = 1 / 100
TARGET_DATAPATH = 0.99
PATHS = ["floor", "module", "nomodule", "iproute2"]
GAP_PATHS = common.GAP_PATHS


def load(logs):
    """Records by kernel and kind. When several logs hold the same kind for
    a kernel (a part run again), the newest log's records replace the
    older ones: ratios are only ever taken within one run."""
    by_kernel = defaultdict(lambda: defaultdict(list))
    for path in sorted(logs, key=os.path.getmtime):
        mine = defaultdict(list)
        with open(path, errors="replace") as f:
            for line in f:
                i = line.find("BENCH {")
                if i < 0:
                    continue
                try:
                    rec = json.loads(line[i + 6:])
                except json.JSONDecodeError:
                    continue
                mine[(rec["kernel"], rec["kind"])].append(rec)
        for (kernel, kind), recs in mine.items():
            by_kernel[kernel][kind] = recs
    return by_kernel


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def write_csv(path, rows, fields):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: (json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in r.items()})


def slope(points):
    """Least-squares slope of log(time) over log(N): 1.0 is linear."""
    pts = [(math.log(n), math.log(t)) for n, t in points if n > 0 and t > 0]
    if len(pts) < 2:
        return float("nan")
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    den = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / den if den else float("nan")


def bulk_tables(recs):
    rows = recs.get("bulk", [])
    sizes = sorted({r["n"] for r in rows})
    table = {}
    for n in sizes:
        for p in PATHS:
            xs = [r for r in rows if r["n"] == n and r["path"] == p]
            if xs:
                table[(n, p)] = xs
    return sizes, table


def fmt(x, spec=".2f"):
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def report_kernel(kernel, recs, outdir, md):
    os.makedirs(outdir, exist_ok=True)
    md.append(f"\n## Kernel {kernel}\n")
    ex = recs.get("exec", [])
    if ex:
        md.append(f"Starting a process in this VM costs {ex[0]['secs'] * 1e3:.0f} ms "
                  "(`xfrmctx help`); every command-line path pays it once per process.\n")

    # 1. Bulk hand-over.
    sizes, table = bulk_tables(recs)
    if sizes:
        write_csv(f"{outdir}/bulk.csv", recs["bulk"],
                  ["n", "round", "path", "secs", "us_per_sa", "ctx_bytes_per_sa", "slab_kib_per_sa",
                   "slab_peak_kib", "frozen_ms_at_import_end", "steps", "maxrss_kib"])
        md.append("### 1. Bulk hand-over (median of rounds; ratio to the floor of the same rounds)\n")
        md.append("| N | path | rounds | time s | µs/SA | ratio (median) | ratio (best round) | context B/SA "
                  "| peak RSS KiB | Slab KiB/SA | frozen ms |")
        md.append("|---|---|---|---|---|---|---|---|---|---|---|")
        for n in sizes:
            fl = table.get((n, "floor"), [])
            fl_med = med([r["secs"] for r in fl])
            for p in PATHS:
                xs = table.get((n, p))
                if not xs:
                    continue
                t = med([r["secs"] for r in xs])
                # Best round: each round's path time over that round's floor.
                per_round = []
                for r in xs:
                    f = [x["secs"] for x in fl if x["round"] == r["round"]]
                    if f and p != "floor":
                        per_round.append(r["secs"] / med(f))
                rss = max(max(r["maxrss_kib"].values()) for r in xs)
                ctx = med([r["ctx_bytes_per_sa"] for r in xs if r.get("ctx_bytes_per_sa")]) \
                    if any(r.get("ctx_bytes_per_sa") for r in xs) else None
                slab = med([r["slab_kib_per_sa"] for r in xs if r.get("slab_kib_per_sa") is not None])
                fz = med([r["frozen_ms_at_import_end"] for r in xs if r.get("frozen_ms_at_import_end")]) \
                    if p == "module" else None
                md.append(f"| {n} | {p} | {len(xs)} | {t:.3f} | {t * 1e6 / n:.0f} | "
                          f"{fmt(t / fl_med) if p != 'floor' else '1'} | "
                          f"{fmt(min(per_round)) if per_round else '–'} | {fmt(ctx, '.0f')} | {rss} | "
                          f"{fmt(slab)} | {fmt(fz, '.0f')} |")
        md.append("")
        big = [n for n in sizes if n >= 1000]
        md.append("Growth (least-squares slope of log time over log N, N ≥ 1000; 1.00 is linear): " +
                  ", ".join(f"{p} {slope([(n, med([r['secs'] for r in table[(n, p)]])) for n in big if (n, p) in table]):.2f}"
                            for p in PATHS if any((n, p) in table for n in big)) + "\n")
        largest = max(sizes)
        if (largest, "module") in table and (largest, "floor") in table:
            r = med([x["secs"] for x in table[(largest, "module")]]) / med([x["secs"] for x in table[(largest, "floor")]])
            md.append(f"**Target** bulk within {TARGET_BULK}x of the floor at N={largest}: "
                      f"{'met' if r <= TARGET_BULK else 'MISSED'} ({r:.2f}x).\n")
        plot_bulk(sizes, table, f"{outdir}/bulk-loglog.png", kernel)
        for s in recs.get("bulk-setup", []):
            pass

    # 4. Freeze.
    fr = recs.get("freeze", [])
    if fr:
        write_csv(f"{outdir}/freeze.csv", fr, ["n", "round", "cli_freeze_s", "cli_thaw_s", "lib_freeze_s",
                                               "lib_thaw_s", "floor_s"])
        n = fr[0]["n"]
        lib = med([r["lib_freeze_s"] for r in fr])
        md.append("### 4. Freeze cost\n")
        md.append(f"Freezing {n} SAs of one reqid: {lib * 1e3:.0f} ms in-process (libxfrmctx, "
                  f"{lib * 1e6 / n:.1f} µs per SA; thaw {med([r['lib_thaw_s'] for r in fr]) * 1e3:.0f} ms), "
                  f"{med([r['cli_freeze_s'] for r in fr]) * 1e3:.0f} ms with the xfrmctx command; creating "
                  f"those SAs took {fr[0]['floor_s']:.1f} s (freeze = "
                  f"{lib / fr[0]['floor_s'] * 100:.1f} % of the floor). {len(fr)} rounds.\n")
        pt = recs.get("freeze-per-tunnel", [])
        if pt:
            md.append(f"Tunnel by tunnel ({pt[0]['tunnels']} tunnels, each freeze+export, import, "
                      f"release): an SA stays frozen {pt[0]['frozen_ms_median']:.1f} ms (median), "
                      f"{pt[0]['frozen_ms_max']:.1f} ms at most. In a bulk hand-over of everything at once "
                      "every SA stays frozen for the whole export and import (column *frozen ms* above).\n")

    # 2. Gap.
    gp = recs.get("gap", [])
    if gp:
        write_csv(f"{outdir}/gap.csv", gp, ["path", "round", "gap_ms", "lost", "rate", "handover_ms", "steps_ms"])
        md.append(f"### 2. Hand-over gap under a steady UDP stream ({gp[0]['rate']} datagrams/s)\n")
        md.append("| path | hand-overs | gap ms (median) | gap ms (min–max) | lost (median) | steps, ms (median) |")
        md.append("|---|---|---|---|---|---|")
        gaps = {}
        for p in GAP_PATHS:
            xs = [r for r in gp if r["path"] == p]
            if not xs:
                continue
            g = [r["gap_ms"] for r in xs]
            gaps[p] = med(g)
            steps = {k: med([r["steps_ms"][k] for r in xs if k in r["steps_ms"]]) for k in xs[0]["steps_ms"]}
            md.append(f"| {p} | {len(xs)} | {med(g):.1f} | {min(g):.1f}–{max(g):.1f} | "
                      f"{med([r['lost'] for r in xs]):.0f} | "
                      f"{', '.join(f'{k} {v:.1f}' for k, v in steps.items())} |")
        md.append("")
        if "module" in gaps and "charon" in gaps:
            r = gaps["module"] / gaps["charon"]
            md.append(f"**Target** gap of the module path at most 1/100 of a new IKEv2 negotiation: "
                      f"{'met' if r <= TARGET_GAP else 'MISSED'} (1/{1 / r:.0f}: "
                      f"{gaps['module']:.1f} ms against {gaps['charon']:.0f} ms).\n")
            if "module-serial" in gaps:
                r = gaps["module-serial"] / gaps["charon"]
                md.append(f"The same with the whole VIP move after the thaw (module-serial): "
                          f"{'met' if r <= TARGET_GAP else 'missed'} (1/{1 / r:.0f}: "
                          f"{gaps['module-serial']:.1f} ms).\n")
        elif "module" in gaps:
            md.append("**Target** gap against charon: not measured in this run (no charon result).\n")
        plot_gap(gp, f"{outdir}/gap.png", kernel)

    # 3. Data path.
    dp = recs.get("datapath", [])
    if dp:
        write_csv(f"{outdir}/datapath.csv", dp, ["round", "condition", "mbps", "seconds"])
        md.append("### 3. Data path of untouched SAs (iperf3 TCP over ESP)\n")
        md.append("| condition | runs | Mbit/s (median) | min–max | ratio to unloaded |")
        md.append("|---|---|---|---|---|")
        base = med([r["mbps"] for r in dp if r["condition"] == "unloaded"])
        for c in ("unloaded", "loaded", "frozen"):
            xs = [r["mbps"] for r in dp if r["condition"] == c]
            if xs:
                md.append(f"| {c} | {len(xs)} | {med(xs):.1f} | {min(xs):.1f}–{max(xs):.1f} | "
                          f"{med(xs) / base:.3f} |")
        md.append("")
        lo = med([r["mbps"] for r in dp if r["condition"] == "loaded"]) / base
        # Throughput drifts over a run; a round runs the conditions back to
        # back, so the ratio within each round is what the verdict takes.
        by_round = defaultdict(dict)
        for r in dp:
            by_round[r["round"]][r["condition"]] = r["mbps"]
        paired = sorted(v["loaded"] / v["unloaded"] for v in by_round.values()
                        if "loaded" in v and "unloaded" in v)
        pm = med(paired)
        q1, q3 = paired[len(paired) // 4], paired[(3 * len(paired)) // 4]
        md.append(f"**Target** loaded / unloaded ≥ {TARGET_DATAPATH}, median of the {len(paired)} rounds' "
                  f"ratios: {'met' if pm >= TARGET_DATAPATH else 'MISSED'} ({pm:.3f}; quartiles "
                  f"{q1:.3f}–{q3:.3f}; ratio of the medians {lo:.3f}). *frozen*: the module loaded and "
                  "1 000 other SAs of the gateway frozen.\n")
    for tr in recs.get("datapath-trace", [])[-1:]:
        md.append(f"Function trace of the module (`:mod:xfrm_ctx`) during one iperf3 run "
                  f"({tr['packets']} ESP packets through the gateway's SAs): "
                  f"**{sum(tr['calls'].values())} calls** of the module's functions"
                  f"{' ' + str(tr['calls']) if tr['calls'] else ''}; control, one "
                  f"`xfrmctx state list-frozen`: {sum(tr['control'].values())} calls "
                  f"({', '.join(sorted(tr['control']))}).\n")


def plot_bulk(sizes, table, path, kernel):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for p, style in zip(PATHS, ["k--", "o-", "s-", "^-"]):
        pts = [(n, med([r["secs"] for r in table[(n, p)]])) for n in sizes if (n, p) in table]
        if pts:
            ax.plot([x for x, _ in pts], [y for _, y in pts], style, label=p)
        if p != "floor":
            rat = [(n, med([r["secs"] for r in table[(n, p)]]) / med([r["secs"] for r in table[(n, "floor")]]))
                   for n in sizes if (n, p) in table and (n, "floor") in table]
            if rat:
                ax2.plot([x for x, _ in rat], [y for _, y in rat], style, label=p)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("SAs (N)")
    ax.set_ylabel("hand-over time, s")
    ax.set_title(f"Bulk hand-over, {kernel} (TCG)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    ax2.axhline(TARGET_BULK, color="r", lw=0.8, label=f"target {TARGET_BULK}x")
    ax2.set_xscale("log")
    ax2.set_xlabel("SAs (N)")
    ax2.set_ylabel("time / floor (ip -batch creation)")
    ax2.set_title("Ratio to the floor")
    ax2.grid(True, which="both", alpha=0.3)
    ax2.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_gap(gp, path, kernel):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    paths = [p for p in GAP_PATHS if any(r["path"] == p for r in gp)]
    fig, ax = plt.subplots(figsize=(6, 4))
    data = [[r["gap_ms"] for r in gp if r["path"] == p] for p in paths]
    ax.boxplot(data, labels=paths)
    ax.set_yscale("log")
    ax.set_ylabel("gap, ms (log)")
    ax.set_title(f"Hand-over gap under UDP traffic, {kernel} (TCG)")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("logs", nargs="+")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    args = ap.parse_args()
    data = load(args.logs)
    if not data:
        raise SystemExit("report: no BENCH lines in " + " ".join(args.logs))
    md = ["# xfrm-ctx benchmark results",
          "",
          "Produced by `make bench` (bench/run → bench/bench.py in the qemu VM → bench/report.py).",
          "All times are under TCG (no KVM) on a 2-core machine shared with other guests: absolute",
          "numbers mean little, ratios between paths of the same run are what counts, and single",
          "rounds vary by tens of per cent. Raw records: `*.csv` next to this file."]
    for kernel in sorted(data):
        report_kernel(kernel, data[kernel], os.path.join(args.out, kernel), md)
    os.makedirs(args.out, exist_ok=True)
    # What the tables cannot say (what was not run, why a target was
    # missed) is written by hand next to them and kept across re-runs.
    status = os.path.join(args.out, "status.md")
    if os.path.exists(status):
        with open(status) as f:
            md += ["", f.read().rstrip()]
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
