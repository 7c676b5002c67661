# SPDX-License-Identifier: GPL-2.0
"""The Python side of lib.sh, for selftests that would otherwise spawn
hundreds of processes (every exec costs about 0.4 s in the TCG guest).

    t = ksft.Test()               # module loaded; cleanup and checks at exit
    a, b = t.setup_ns("A", "B")   # random names, lo up
    t.run(a, "ip xfrm state")     # echoed with its namespace, output returned
    t.eq("what", expected, actual); t.ok(cond, "what")
    t.finish()                    # exits 0, 1 (a check failed) or 4 (skip)

Namespaces, SAs and module references are cleaned up pass or fail, and the
kernel log must show no WARNING, BUG, Oops or refcount complaint.
"""

import atexit
import json
import os
import random
import re
import shlex
import string
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xcnl  # noqa: E402

KSFT_PASS, KSFT_FAIL, KSFT_SKIP = 0, 1, 4
# What fails a test in the kernel log; lib.sh's check_dmesg runs this too
# (`ksft.py check-dmesg`). The debug kernel (make check-debug) reports
# through the same lines: KASAN as "BUG: KASAN: ...", lockdep as "WARNING:
# possible circular locking dependency", "WARNING: inconsistent lock state",
# "WARNING: suspicious RCU usage", "BUG: sleeping function called ...",
# debugobjects as "ODEBUG:", kmemleak as "kmemleak: N new suspected memory
# leaks" (and when it gives up: "kmemleak: ... disabled"); its start-up lines
# are no complaint.
BAD_LOG = re.compile(r"WARNING:|BUG:|Oops|refcount_t|general protection|UBSAN|KASAN|"
                     r"list_(add|del) corruption|possible circular locking|sleeping function called|"
                     r"inconsistent lock state|suspicious RCU usage|lockdep is turned off|ODEBUG:|"
                     r"kmemleak: (?!Kernel memory leak detector initialized|"
                     r"Automatic memory scanning thread)")


def kernel_log_trouble(path=None):
    """The lines of the kernel log (or of a saved one) that BAD_LOG matches."""
    if path:
        with open(path, errors="replace") as f:
            dmesg = f.read()
    else:
        dmesg = subprocess.run(["dmesg"], capture_output=True, text=True).stdout
    return [line for line in dmesg.splitlines() if BAD_LOG.search(line)]


def log(msg):
    for line in str(msg).splitlines() or [""]:
        print(f"# {line}", flush=True)


class Skip(Exception):
    pass


class Test:
    def __init__(self, module=True):
        self.rc = KSFT_PASS
        self.namespaces = []
        self.cleanups = []
        self.module = module
        atexit.register(self._atexit)
        if not os.environ.get("XC_IN_VM"):
            self.skip("kernel tests run only in the VM (selftests/vm/run)")
        if module:
            self.run(None, "modprobe xfrm_ctx")

    # --- checks -------------------------------------------------------
    def fail(self, what):
        log(f"FAIL: {what}")
        self.rc = KSFT_FAIL

    def ok(self, cond, what, detail=""):
        if cond:
            log(f"ok: {what}")
        else:
            self.fail(f"{what}{': ' + detail if detail else ''}")
        return bool(cond)

    def eq(self, what, expected, actual):
        if expected == actual:
            log(f"ok: {what} ({actual})")
            return True
        self.fail(f"{what}: expected {expected!r}, got {actual!r}")
        return False

    def skip(self, why):
        log(f"SKIP: {why}")
        self.rc = KSFT_SKIP
        sys.exit(KSFT_SKIP)

    # --- commands -----------------------------------------------------
    def run(self, ns, cmd, check=True, quiet=False, input=None):
        """Run cmd (a string, split like a shell would) in namespace ns."""
        argv = shlex.split(cmd) if isinstance(cmd, str) else list(cmd)
        if ns:
            argv = ["ip", "netns", "exec", ns] + argv
        if not quiet:
            log(f"[{ns or 'host'}] {' '.join(argv[4:] if ns else argv)}"[:300])
        p = subprocess.run(argv, input=input, capture_output=True, text=True)
        if check and p.returncode:
            log(p.stderr.strip())
            raise RuntimeError(f"command failed ({p.returncode}): {' '.join(argv)}")
        return p.stdout if check else p

    def ip_batch(self, ns, lines):
        """Many `ip` commands in one process (ip -batch), each echoed."""
        for line in lines:
            log(f"[{ns}] ip {line}"[:300])
        p = subprocess.run(["ip", "-n", ns, "-force", "-batch", "-"], input="\n".join(lines) + "\n",
                           capture_output=True, text=True)
        if p.returncode:
            raise RuntimeError(f"ip -batch failed: {p.stderr.strip()}")

    def setup_ns(self, *prefixes):
        names = []
        for p in prefixes:
            name = f"{p}-" + "".join(random.choices(string.ascii_letters + string.digits, k=6))
            subprocess.run(["ip", "netns", "add", name], check=True)
            subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
            self.namespaces.append(name)
            names.append(name)
        return names

    def on_exit(self, fn):
        self.cleanups.insert(0, fn)

    # --- the module ---------------------------------------------------
    def nl(self, ns):
        return xcnl.Genl(ns)

    def xc(self, ns, cmd, msg=None, dump=False, quiet=False):
        """A request to the xfrm_ctx family in ns; raises xcnl.NlError on refusal."""
        if not quiet:
            log(f"[{ns}] xfrm_ctx {cmd} {json.dumps(msg or {})}"[:200])
        reps = xcnl.Genl(ns).request(cmd, msg or {}, dump=dump)
        return reps if dump else (reps[0] if reps else {})

    def refused(self, ns, cmd, msg, errname, text, what):
        """The request must be refused with errno errname and text in the message."""
        try:
            self.xc(ns, cmd, msg, quiet=True)
        except xcnl.NlError as e:
            import errno
            got = errno.errorcode.get(e.err, str(e.err))
            return self.ok(e.err == getattr(errno, errname) and text in e.msg, what,
                           f"expected {errname} '{text}', got {got} '{e.msg}'") or True
        self.fail(f"{what}: accepted, expected {errname} '{text}'")
        return False

    # --- exit ---------------------------------------------------------
    def _atexit(self):
        for fn in self.cleanups:
            try:
                fn()
            except Exception as e:  # noqa: BLE001
                log(f"cleanup: {e}")
        for ns in self.namespaces:
            subprocess.run(["ip", "-n", ns, "xfrm", "state", "flush"], capture_output=True)
            subprocess.run(["ip", "-n", ns, "xfrm", "policy", "flush"], capture_output=True)
            pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), 9)
                except OSError:
                    pass
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        if self.rc == KSFT_SKIP:
            return
        if self.module and os.path.isdir("/sys/module/xfrm_ctx"):
            if subprocess.run(["rmmod", "xfrm_ctx"], capture_output=True).returncode:
                self.fail("rmmod xfrm_ctx failed")
        bad = kernel_log_trouble()
        if bad:
            self.fail("the kernel log shows trouble:\n" + "\n".join(bad))

    def finish(self):
        sys.exit(self.rc)


def main(fn):
    """Run fn(test); an exception fails the test (after cleanup)."""
    t = Test()
    try:
        fn(t)
    except Skip as e:
        t.skip(str(e))
    except Exception as e:  # noqa: BLE001
        import traceback
        log(traceback.format_exc())
        t.fail(f"exception: {e}")
    t.finish()


def bg(ns, cmd):
    """Start cmd (split on blanks) in namespace ns in the background, echoed;
    its stdout and stderr are pipes (text)."""
    log(f"[{ns}] {cmd} &")
    return subprocess.Popen(["ip", "netns", "exec", ns] + cmd.split(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_until(what, fn, timeout=10):
    """Call fn every 0.1 s until it returns something true, and return that;
    after timeout seconds, fail the test with what it waited for."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


def wait_for_path(path, timeout):
    """Wait until path exists (a sysfs node appearing); return it."""
    try:
        wait_until(path, lambda: os.path.exists(path), timeout)
    except RuntimeError:
        raise RuntimeError(f"{path} did not appear within {timeout}s") from None
    return path


# --- reading `ip -s xfrm state` ----------------------------------------------
def xfrm_states(text):
    """Split `ip -s xfrm state` output into {(dst, spi_hex): block}."""
    states, cur, key = {}, [], None
    for line in text.splitlines():
        if line.startswith("src "):
            if key:
                states[key] = "\n".join(cur)
            cur, key = [line], None
            dst = line.split()[3]
        else:
            cur.append(line)
            m = re.search(r"proto \S+ spi (0x[0-9a-f]+)", line)
            if m and key is None:
                key = (dst, int(m.group(1), 16))
    if key:
        states[key] = "\n".join(cur)
    return states


def xfrm_shape(block):
    """An SA block without what a hand-over changes: counters, replay, times."""
    out = []
    for line in block.splitlines():
        s = line.strip()
        if re.match(r"(add |seq-hi|replay_window|anti-replay)", s):
            continue
        if re.fullmatch(r"([0-9a-f]{8} ?)+", s):
            continue
        if re.search(r"\(bytes\), \d+\(packets\)$", s):
            continue
        out.append(re.sub(r" seq 0x[0-9a-f]+ ", " ", line))
    return "\n".join(out)


def xfrm_counters(block):
    """(oseq, seq) of an SA block, 64-bit."""
    m = re.search(r"seq-hi (0x[0-9a-f]+), seq (0x[0-9a-f]+), oseq-hi (0x[0-9a-f]+), oseq (0x[0-9a-f]+)", block)
    if m:
        sh, s, oh, o = (int(g, 16) for g in m.groups())
        return (oh << 32) | o, (sh << 32) | s
    m = re.search(r"anti-replay context: seq (0x[0-9a-f]+), oseq (0x[0-9a-f]+)", block)
    if m:
        return int(m.group(2), 16), int(m.group(1), 16)
    return None


def xfrm_failures(block):
    """(replay-window, replay, failed) statistics of an SA block."""
    m = re.search(r"replay-window (\d+) replay (\d+) failed (\d+)", block)
    return tuple(int(g) for g in m.groups()) if m else None


if __name__ == "__main__":
    # ksft.py check-dmesg [FILE]: print the kernel log's (or FILE's)
    # trouble, exit 1 if any.
    if sys.argv[1:2] != ["check-dmesg"] or len(sys.argv) > 3:
        sys.exit("usage: ksft.py check-dmesg [FILE]")
    trouble = kernel_log_trouble(sys.argv[2] if len(sys.argv) > 2 else None)
    for line in trouble:
        print(line)
    sys.exit(1 if trouble else 0)
