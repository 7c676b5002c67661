#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The benchmark suite of xfrm-ctx, inside the VM (bench/run starts it):

    bench/bench.py [--sizes 1,100,1000,10000,100000] [--parts bulk,gap,datapath,trace,freeze,tunnel]

Prints progress as "# ..." lines and results as "BENCH {json}" lines.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def rounds_of(n):
    return 10 if n <= 1 else 5 if n <= 100 else 4 if n <= 1000 else 3 if n <= 10000 else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1,100,1000,10000,100000")
    ap.add_argument("--parts", default="bulk,freeze,gap,datapath,trace")
    ap.add_argument("--rounds", type=int, default=0, help="rounds per size (0: by size)")
    args = ap.parse_args()
    if not os.environ.get("XC_IN_VM"):
        sys.exit("bench.py runs inside the VM: bench/run")
    import ksft
    t = ksft.Test()	# module loaded; namespaces, module and kernel log checked at exit
    parts = args.parts.split(",")
    try:
        # The first ESP SA loads esp4 and the AES-GCM modules from the 9p
        # root (seconds): not inside a measurement.
        w = common.netns_add("warmup")
        common.sh(f"ip -n {w} xfrm state add src 10.9.9.1 dst 10.9.9.2 proto esp spi 0x100 mode tunnel "
                  f"aead 'rfc4106(gcm(aes))' 0x{'00' * 20} 128 flag esn replay-window 32")
        common.netns_del(w)
        if "freeze" in parts:
            import freeze
            freeze.run(t)
        if "gap" in parts:
            import gap
            gap.run(t)
        if "tunnel" in parts:
            import tunnel
            tunnel.run(t)
        if "datapath" in parts:
            import datapath
            datapath.run(t)
        if "trace" in parts:
            import fntrace
            fntrace.run(t)
        # Last: the longest part (minutes at 100 000 SAs).
        if "bulk" in parts:
            import bulk
            sizes = [int(x) for x in args.sizes.split(",")]
            bulk.run(sizes, (lambda n: args.rounds) if args.rounds else rounds_of)
    except Exception:  # noqa: BLE001
        import traceback
        common.log(traceback.format_exc())
        t.fail("the benchmark stopped on an exception")
    t.finish()


if __name__ == "__main__":
    main()
