# SPDX-License-Identifier: GPL-2.0
"""Shared by the ha_* selftests: pre-shared key files, daemons in
namespaces with their logs, the state serve keeps, waits, and a TCP proxy
that can cut or record a stream (for the truncation and replay checks)."""

import os
import select
import signal
import socket
import subprocess
import threading
import time

import ksft
import xcnl

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
XFRMCTX = os.environ.get("XFRMCTX", os.path.join(TOP, "build/helper/xfrmctx"))
PORT = 7150


def write_keys(path, ids):
    """A key file with a random 256-bit key per identity, mode 0600."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        for i in ids:
            f.write(f"{i} {os.urandom(32).hex()}\n")
    return path


def wait_for(what, fn, timeout=10, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(step)
    raise RuntimeError(f"timed out after {timeout} s waiting for {what}")


def xc(t, ns, args, check=True, quiet=False):
    """xfrmctx ARGS in ns; returns the CompletedProcess (stdout, stderr)."""
    argv = [XFRMCTX] + list(args)
    if not quiet:
        ksft.log(f"[{ns}] xfrmctx {' '.join(args)}"[:300])
    p = subprocess.run(["ip", "netns", "exec", ns] + argv, capture_output=True, text=True)
    if check and p.returncode:
        ksft.log(p.stderr.strip())
        raise RuntimeError(f"xfrmctx {' '.join(args)} failed ({p.returncode})")
    return p


class Daemon:
    """A long-running command in a namespace, its output in a log file."""

    def __init__(self, ns, argv, log, env=None, name=None):
        self.ns, self.log_path, self.name = ns, log, name or os.path.basename(argv[0])
        ksft.log(f"[{ns}] {' '.join(argv)} &"[:300])
        self.f = open(log, "ab")
        self.p = subprocess.Popen(["ip", "netns", "exec", ns] + list(argv), stdout=self.f,
                                  stderr=subprocess.STDOUT, env=env, start_new_session=True)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def alive(self):
        return self.p.poll() is None

    def kill(self, sig):
        if self.alive():
            os.kill(self.p.pid, sig)

    def stop(self, sig=signal.SIGTERM, timeout=5):
        if self.alive():
            os.kill(self.p.pid, sig)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait()
        self.f.close()
        return self.p.returncode


def serve(t, ns, keys, state, log, *extra):
    d = Daemon(ns, [XFRMCTX, "serve", "--psk", keys, "--dir", state] + list(extra), log)
    t.on_exit(d.stop)
    wait_for(f"serve in {ns} to listen", lambda: "listening on" in d.log() or not d.alive())
    if not d.alive():
        raise RuntimeError(f"serve exited: {d.log()}")
    return d


def state(path):
    """DIR/PEER/state as a dict of ints (rate.pps: list of floats)."""
    out = {}
    try:
        with open(os.path.join(path, "state")) as f:
            for line in f:
                if line.startswith("#"):
                    continue
                k, _, v = line.strip().partition(" ")
                out[k] = [float(x) for x in v.split()] if k == "rate.pps" else int(v or 0)
    except FileNotFoundError:
        pass
    return out


def tls_records(data):
    """Split a TLS byte stream into (type, record bytes); the rest stays."""
    recs, off = [], 0
    while off + 5 <= len(data):
        n = int.from_bytes(data[off + 3:off + 5], "big")
        if off + 5 + n > len(data):
            break
        recs.append((data[off], data[off:off + 5 + n]))
        off += 5 + n
    return recs, data[off:]


class Proxy:
    """A TCP proxy in namespace ns, listening on 127.0.0.1:port and
    connecting to (dst, dport) from the same namespace. It records what the
    client sends; with cut_record=N it forwards the client's TLS records
    only up to half of its Nth application-data record, then drops both
    connections (a link that fails in the middle of a message)."""

    def __init__(self, ns, port, dst, dport, cut_record=None):
        self.ns, self.dst, self.dport, self.cut = ns, dst, dport, cut_record
        self.recorded = b""
        self.cut_done = False
        self.ls = xcnl.netns_socket(ns, socket.AF_INET, socket.SOCK_STREAM)
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind(("127.0.0.1", port))
        self.ls.listen(1)
        self.th = threading.Thread(target=self._run, daemon=True)
        self.th.start()

    def _run(self):
        c, _ = self.ls.accept()
        s = xcnl.netns_socket(self.ns, socket.AF_INET, socket.SOCK_STREAM)
        s.connect((self.dst, self.dport))
        pending, app = b"", 0
        try:
            while True:
                r, _, _ = select.select([c, s], [], [], 15)
                if not r:
                    break
                if c in r:
                    d = c.recv(65536)
                    if not d:
                        break
                    self.recorded += d
                    if self.cut is None:
                        s.sendall(d)
                        continue
                    recs, pending = tls_records(pending + d)
                    for typ, rec in recs:
                        if typ == 23:
                            app += 1
                        if typ == 23 and app == self.cut:
                            s.sendall(rec[:len(rec) // 2])
                            self.cut_done = True
                            raise StopIteration
                        s.sendall(rec)
                if s in r:
                    d = s.recv(65536)
                    if not d:
                        break
                    c.sendall(d)
        except (StopIteration, OSError):
            pass
        # RST-free close: both sides see the connection end.
        for x in (c, s):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            x.close()
        self.ls.close()

    def join(self):
        self.th.join(20)


def replay(ns, dst, dport, data):
    """Send recorded client bytes to (dst, dport) from ns; return what came back."""
    s = xcnl.netns_socket(ns, socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect((dst, dport))
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    got = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            got += d
    except OSError:
        pass
    s.close()
    return got
