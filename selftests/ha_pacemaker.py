#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The OCF resource agent ocf:xfrm-ctx:tunnels (contrib/pacemaker/tunnels),
topology topo.py:

  - ocf-tester (Debian's resource-agents) runs every action on gateway B:
    meta-data against ra-api-1.dtd, validate-all, start/stop/monitor,
    promote/demote twice, the exit codes of each state;
  - then its actions as Pacemaker calls them for a promotable clone: A
    started and promoted (it holds the tunnel), B started; A demoted and B
    promoted moves the tunnel (a planned hand-over: B thaws A's frozen
    SAs), monitor says 8 (promoted), 0 (unpromoted) or 7 (stopped), and
    the peer's pings go on through B after the address moved; stop
    demotes first.
"""
import os
import shutil
import subprocess
import tempfile
import time

import ha_lib
import ksft
import topo
from ha_lib import wait_for

AGENT = os.path.join(ha_lib.TOP, "contrib/pacemaker/tunnels")


def test(t):
    if subprocess.run(["sh", "-c", "command -v ocf-tester"], capture_output=True).returncode:
        raise ksft.Skip("ocf-tester is not installed (resource-agents; scripts/setup-deps installs it)")
    tp = topo.Topo(t)
    d = tempfile.mkdtemp(prefix="ha-ocf-")
    os.chmod(d, 0o755)	# ocf-tester runs meta-data as nobody
    keys = ha_lib.write_keys(f"{d}/keys", ["gwA", "gwB"])
    params = {
        tp.gwa: {"peer": "10.0.0.3", "id": "gwA", "state_dir": f"{d}/stateA", "run_dir": f"{d}/runA"},
        tp.gwb: {"peer": "10.0.0.2", "id": "gwB", "state_dir": f"{d}/stateB", "run_dir": f"{d}/runB"},
    }
    common = {"psk": keys, "xfrmctx": ha_lib.XFRMCTX, "select": "--reqid 1", "threshold": "32",
              "wait": "5", "alive": "3"}

    def agent(ns, action):
        env = dict(os.environ, OCF_ROOT="/usr/lib/ocf", OCF_RESOURCE_INSTANCE="tunnels:0")
        env.update({f"OCF_RESKEY_{k}": v for k, v in {**common, **params[ns]}.items()})
        p = subprocess.run(["ip", "netns", "exec", ns, AGENT, action], env=env, capture_output=True, text=True)
        ksft.log(f"[{ns}] tunnels {action} -> {p.returncode}" + (f": {p.stderr.strip()}" if p.stderr.strip() else ""))
        return p.returncode

    def cleanup():
        for ns in params:
            agent(ns, "stop")
    t.on_exit(cleanup)

    ksft.log("=== ocf-tester on B")
    opts = []
    for k, v in {**common, **params[tp.gwb], "state_dir": f"{d}/stateT", "run_dir": f"{d}/runT"}.items():
        opts += ["-o", f"{k}={v}"]
    t0 = time.monotonic()
    # ocf-tester runs meta-data as nobody: a copy in the 0755 directory, as
    # the checkout may sit where nobody cannot reach (CI clones under /root).
    agent_copy = os.path.join(d, "tunnels")
    shutil.copy(AGENT, agent_copy)
    os.chmod(agent_copy, 0o755)
    p = subprocess.run(["ip", "netns", "exec", tp.gwb, "ocf-tester", "-n", "tunnels"] + opts + [agent_copy],
                       capture_output=True, text=True)
    ksft.log(f"ocf-tester took {time.monotonic() - t0:.1f} s")
    for line in (p.stdout + p.stderr).strip().splitlines():
        ksft.log(f"ocf-tester: {line}")
    t.ok(p.returncode == 0 and "passed all tests" in p.stdout, "ocf-tester: the agent passes all tests")

    ksft.log("=== A holds the tunnel; Pacemaker starts both and promotes A")
    t.eq("A: monitor before start says not running", 7, agent(tp.gwa, "monitor"))
    t.eq("A: start", 0, agent(tp.gwa, "start"))
    t.eq("A: monitor after start says unpromoted", 0, agent(tp.gwa, "monitor"))
    t.eq("A: promote", 0, agent(tp.gwa, "promote"))
    t.eq("A: monitor says promoted", 8, agent(tp.gwa, "monitor"))
    t.eq("B: start", 0, agent(tp.gwb, "start"))
    wait_for("B to hold A's snapshot", lambda: ha_lib.state(f"{d}/stateB/gwA").get("snapshot.sas") == 2, 30)
    t.ok(True, "B received A's snapshot (2 SAs)")

    ksft.log("=== Pacemaker moves the promoted role to B")
    t.eq("A: demote", 0, agent(tp.gwa, "demote"))
    t.eq("A: monitor says unpromoted", 0, agent(tp.gwa, "monitor"))
    t.eq("A: its SAs are released", 0, len(t.xc(tp.gwa, "export", {}, dump=True, quiet=True)))
    t.eq("B: promote", 0, agent(tp.gwb, "promote"))
    with open(f"{d}/runB/agent.log") as f:
        took = [x for x in f.read().splitlines() if "hand-over from gwA" in x or "take-over from" in x]
    ksft.log(f"B: {took[-1] if took else '?'}")
    t.ok(took and "planned hand-over from gwA: thawed 2 SAs" in took[-1], "B thawed A's hand-over")
    t.eq("B: monitor says promoted", 8, agent(tp.gwb, "monitor"))
    tp.move_vip(tp.gwb, tp.gwa)	# ocf:heartbeat:IPaddr2, colocated with the promoted role
    t.eq("the peer's pings go through B", 0,
         t.run(tp.peer, "ping -c 3 -i 0.2 -W 2 -q -I 192.168.1.1 192.168.2.1", check=False).returncode)

    ksft.log("=== Pacemaker stops B")
    t.eq("B: stop (demotes first)", 0, agent(tp.gwb, "stop"))
    t.eq("B: monitor says not running", 7, agent(tp.gwb, "monitor"))

ksft.main(test)
