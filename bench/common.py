# SPDX-License-Identifier: GPL-2.0
"""Shared by the benchmark parts (run inside the VM by bench/bench.py).

Every measured command is started with one fork and one exec, entering its
network namespace between the two (no `ip netns exec`, whose extra exec
would cost 0.4 s under TCG), and is reaped with wait4() for its peak RSS.
Results leave the VM as "BENCH {json}" lines on the console; bench/report.py
turns them into tables, CSV and plots on the host.
"""
import ctypes
import json
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "selftests"))

XFRMCTX = os.path.join(TOP, "build/helper/xfrmctx")
XCBENCH = os.path.join(TOP, "build/bench/xcbench")
UDPSEND = os.path.join(TOP, "build/bench/udpsend")
KERNEL = os.uname().release

# The gap benchmark's paths (gap.py), in the order of its tables (report.py).
GAP_PATHS = ("module", "module-serial", "module-cold", "nomodule", "charon")

_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000


def log(msg):
    for line in str(msg).splitlines() or [""]:
        print(f"# {line}", flush=True)


def emit(kind, **fields):
    """One result record for bench/report.py."""
    print("BENCH " + json.dumps(dict(kind=kind, kernel=KERNEL, **fields)), flush=True)


def _enter(ns):
    def pre():
        if ns:
            fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
            if _libc.setns(fd, CLONE_NEWNET):
                os._exit(126)
            os.close(fd)
    return pre


class Result:
    def __init__(self, secs, maxrss_kib, rc, out, err):
        self.secs, self.maxrss_kib, self.rc, self.out, self.err = secs, maxrss_kib, rc, out, err


def timed(ns, argv, stdin_data=None, env=None, check=True):
    """Run argv in namespace ns; wall time, peak RSS (KiB), output."""
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_enter(ns),
                         env=env)
    out_chunks, err_chunks = [], []

    def drain(f, into):
        for chunk in iter(lambda: f.read(1 << 16), b""):
            into.append(chunk)
    threads = [threading.Thread(target=drain, args=(p.stdout, out_chunks)),
               threading.Thread(target=drain, args=(p.stderr, err_chunks))]
    for th in threads:
        th.start()
    if stdin_data is not None:
        p.stdin.write(stdin_data)
        p.stdin.close()
    _, status, ru = os.wait4(p.pid, 0)
    secs = time.monotonic() - t0
    for th in threads:
        th.join()
    p.returncode = os.waitstatus_to_exitcode(status)
    r = Result(secs, ru.ru_maxrss, p.returncode, b"".join(out_chunks), b"".join(err_chunks))
    if check and r.rc:
        raise RuntimeError(f"{' '.join(argv)[:200]} failed ({r.rc}): {r.err.decode(errors='replace')[:500]}")
    return r


def sh(cmd, check=True):
    """A host-side (namespace-less) helper command, not measured."""
    p = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    if check and p.returncode:
        raise RuntimeError(f"{cmd} failed: {p.stderr.strip()}")
    return p.stdout


def slab_kib():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("Slab:"):
                return int(line.split()[1])
    return 0


class SlabPeak:
    """Samples Slab every 20 ms while a step runs: its peak above the start."""

    def __init__(self):
        self.start = slab_kib()
        self.peak = self.start
        self.stop = False
        self.th = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        while not self.stop:
            self.peak = max(self.peak, slab_kib())
            time.sleep(0.02)

    def __enter__(self):
        self.th.start()
        return self

    def __exit__(self, *a):
        self.stop = True
        self.th.join()
        self.peak = max(self.peak, slab_kib())
        self.end = slab_kib()


def settle(timeout=60):
    """Wait for deferred work (xfrm state GC freeing crypto transforms,
    RCU) to finish, so it does not run inside the next measurement: until
    Slab stops moving for a second."""
    deadline = time.monotonic() + timeout
    last = slab_kib()
    stable_since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = slab_kib()
        if abs(now - last) > 64:
            stable_since = time.monotonic()
        last = now
        if time.monotonic() - stable_since >= 1.0:
            return


def netns_add(name):
    sh(f"ip netns add {name} && ip -n {name} link set lo up")
    return name


def netns_del(name):
    sh(f"ip -n {name} xfrm state flush; ip -n {name} xfrm policy flush; ip netns del {name}", check=False)


class Driver:
    """bench/xcbench: libxfrmctx in one long-lived process. rt: real-time
    round-robin priority (0: normal)."""

    def __init__(self, rt=0):
        prio = ["chrt", "-r", str(rt)] if rt > 0 else []
        self.p = subprocess.Popen(prio + [XCBENCH], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def __call__(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        r = json.loads(self.p.stdout.readline())
        if not r.get("ok"):
            raise RuntimeError(f"xcbench {line}: {r.get('error')}")
        return r

    def close(self):
        try:
            self.p.stdin.write("quit\n")
            self.p.stdin.close()
        except OSError:
            pass
        self.p.wait()


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2
