# SPDX-License-Identifier: GPL-2.0
"""Benchmark 3b: which of the module's functions run on the data path.

Throughput under TCG cannot resolve the 1 % that datapath.py is asked to
show (single runs spread by 15 % and more). A count can: the function
tracer is set on every function of xfrm_ctx (set_ftrace_filter
:mod:xfrm_ctx) for one iperf3 run through the tunnel of topo.py, and the
trace lines are counted; then, as a control that the tracer sees the
module at all, for one `xfrmctx state list-frozen`.

Reported: the calls per function during the traffic (expected: none; the
key manager's notify() runs only while someone listens to XFRM aevents),
the ESP packets the gateway's SAs carried meanwhile, and the control's
calls.
"""
import collections
import json
import os
import subprocess
import time

import topo
from common import TOP, emit, log, sh, timed

TRACING = "/sys/kernel/tracing"
SECONDS = 3


def _w(name, value):
    with open(os.path.join(TRACING, name), "w") as f:
        f.write(value)


def _calls():
    """Function name -> calls, from the trace buffer."""
    calls = collections.Counter()
    with open(os.path.join(TRACING, "trace")) as f:
        for line in f:
            if line.startswith("#") or ": " not in line:
                continue
            calls[line.split(": ", 1)[1].split()[0]] += 1
    return calls


def _packets(ns):
    return sum(int(w.split("(")[0]) for w in sh(f"ip -n {ns} -s xfrm state").split()
               if w.endswith("(packets)") and w.split("(")[0].isdigit())


def run(t):
    if not os.path.exists(os.path.join(TRACING, "trace")):
        sh(f"mount -t tracefs nodev {TRACING}")
    tp = topo.Topo(t)
    _w("tracing_on", "0")
    _w("current_tracer", "nop")
    _w("set_ftrace_filter", ":mod:xfrm_ctx")
    t.on_exit(lambda: (_w("tracing_on", "0"), _w("current_tracer", "nop"), _w("set_ftrace_filter", "")))
    _w("current_tracer", "function")
    server = subprocess.Popen(["ip", "netns", "exec", tp.gwa, "iperf3", "-s", "-B", "192.168.2.1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        before = _packets(tp.gwa)
        _w("trace", "")
        _w("tracing_on", "1")
        r = timed(tp.peer, ["iperf3", "-c", "192.168.2.1", "-B", "192.168.1.1", "-t", str(SECONDS), "-J"],
                  check=False)
        _w("tracing_on", "0")
        traffic = _calls()
        packets = _packets(tp.gwa) - before
        mbps = json.loads(r.out or b"{}").get("end", {}).get("sum_received", {}).get("bits_per_second", 0) / 1e6
    finally:
        server.terminate()
        server.wait()
    _w("trace", "")
    _w("tracing_on", "1")
    sh(f"ip netns exec {tp.gwa} {os.path.join(TOP, 'build/helper/xfrmctx')} state list-frozen")
    _w("tracing_on", "0")
    control = _calls()
    emit("datapath-trace", packets=packets, mbps=mbps, calls=dict(traffic), control=dict(control))
    log(f"datapath trace: {packets} ESP packets through the gateway's SAs ({mbps:.1f} Mbit/s): "
        f"{sum(traffic.values())} calls of the module's functions {dict(traffic)}; control "
        f"(list-frozen): {dict(control)}")
    t.ok(packets > 1000, "traffic flowed through the tunnel while traced", packets)
    t.ok(sum(control.values()) > 0, "the tracer sees the module's functions (control)", dict(control))
