#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ike_counters.py: the kernel half of ike_handover.sh, in one process so
that the time between freezing A's SAs and moving the VIP is not spent
starting Python (seconds under TCG).

  ike_counters.py snapshot NS REQID
      export the SAs of REQID in NS (no freeze): print the export as JSON
  ike_counters.py handover A_NS A_REQID B_NS OUT_JUMP IN_JUMP [SNAPSHOT] -- CMD...
      without SNAPSHOT: freeze and export A's SAs of A_REQID (lease 30 s);
      with it: use that earlier export (A is gone). Then update the SAs of
      the same SPIs in B_NS with these jumps, run CMD (the VIP move) at
      once, and print JSON: A's and B's outbound counters, how many SAs the
      update took, and the milliseconds of each step.
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xcnl  # noqa: E402


def now_ms():
    return time.time() * 1000


def oseq(sa):
    r = sa.get("replay", {})
    return r.get("oseq-hi", 0) * 2**32 + r.get("oseq", 0)


def main(argv):
    if len(argv) >= 4 and argv[1] == "snapshot":
        snap = xcnl.Genl(argv[2]).request("export", {"reqid": int(argv[3])})[0]
        print(json.dumps(snap))
        return 0
    if len(argv) < 7 or argv[1] != "handover" or "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    sep = argv.index("--")
    a_ns, a_reqid, b_ns = argv[2], int(argv[3]), argv[4]
    out_jump, in_jump = int(argv[5]), int(argv[6])
    snapfile = argv[7] if sep > 7 else None
    cmd = argv[sep + 1:]
    ga = None if snapfile else xcnl.Genl(a_ns)
    gb = xcnl.Genl(b_ns)
    t0 = now_ms()
    if snapfile:
        snap = json.load(open(snapfile))
    else:
        snap = ga.request("export", {"reqid": a_reqid, "flags": "freeze", "lease": 30})[0]
    t_export = now_ms()
    try:
        count = gb.request("update", {"sa": snap["sa"], "out-jump": out_jump,
                                      "in-jump": in_jump})[0]["count"]
    except xcnl.NlError as e:
        print(json.dumps({"error": f"update refused: {e.err}: {e}"}))
        return 1
    t_update = now_ms()
    rc = subprocess.run(cmd).returncode
    t_cmd = now_ms()
    spis = [sa["spi"] for sa in snap["sa"]]
    after = {}
    for sa in snap["sa"]:
        sa_id = {"family": sa["family"], "daddr": sa["daddr"], "spi": sa["spi"], "proto": sa["proto"]}
        after[sa["spi"]] = gb.request("export", {"sa-id": sa_id})[0]["sa"][0]
    print(json.dumps({
        "count": count,
        "a_oseq": {str(s["spi"]): oseq(s) for s in snap["sa"]},
        "b_oseq": {str(s): oseq(after[s]) for s in spis},
        "export_ms": round(t_export - t0), "update_ms": round(t_update - t_export),
        "cmd_ms": round(t_cmd - t_update), "cmd_rc": rc,
    }))
    return 0 if rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
