#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Least privilege (issue 16). One case per finding:

  F5  the events group carries SPIs, addresses and reqids: a user without
      CAP_NET_ADMIN (nobody) cannot subscribe; root of a user namespace
      that owns its network namespace can, there.
  F6  freezing waits for an expedited RCU grace period, which interrupts
      every CPU: root of an unprivileged user namespace (unshare -Urn) may
      not freeze, nor export with freeze, in its own network namespace; it
      may still export, import and list there.
  F7  the genetlink header is validated: a request with a non-zero
      reserved field is refused; the tool (libnl) still works.
"""
import json
import os
import socket
import struct
import subprocess

import ksft
import xcnl

HERE = os.path.dirname(os.path.abspath(__file__))
XFRMCTX = os.environ.get("XFRMCTX", os.path.join(os.path.dirname(HERE), "build/helper/xfrmctx"))
GCM = "aead rfc4106(gcm(aes)) 0x00112233445566778899aabbccddeeff01020304 128"

# Subscribes to the family's events group; prints "subscribed" or the errno.
SUBSCRIBE = r"""
import errno, socket, struct
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
s.bind((0, 0))
name = b"xfrm_ctx\0"
attr = struct.pack("=HH", 4 + len(name), 2) + name + b"\0" * (-len(name) % 4)
body = struct.pack("=BBH", 3, 1, 0) + attr		# CTRL_CMD_GETFAMILY
s.send(struct.pack("=IHHII", 16 + len(body), 0x10, 1, 1, 0) + body)
rep = s.recv(65536)[20:]
gid, off = None, 0
while off + 4 <= len(rep):
    alen, atype = struct.unpack_from("=HH", rep, off)
    if atype & 0x3fff == 7:				# CTRL_ATTR_MCAST_GROUPS
        g = rep[off + 4:off + alen]
        o = 4
        while o + 4 <= len(g):
            l2, t2 = struct.unpack_from("=HH", g, o)
            if t2 == 2:
                gid = struct.unpack_from("=I", g, o + 4)[0]
            o += (l2 + 3) & ~3
    off += (alen + 3) & ~3
try:
    s.setsockopt(270, 1, gid)				# NETLINK_ADD_MEMBERSHIP
    print("subscribed")
except OSError as e:
    print(errno.errorcode[e.errno])
"""


def subscribe(t, prefix, what):
    argv = prefix + ["python3", "-c", SUBSCRIBE]
    ksft.log(f"[{what}] subscribe to the events group")
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode:
        ksft.log(p.stderr.strip())
    return p.stdout.strip()


def events_perm(t, a):
    ksft.log("=== F5: who may subscribe to the events group")
    t.eq("F5: nobody cannot subscribe to the events group", "EPERM",
         subscribe(t, ["ip", "netns", "exec", a, "setpriv", "--reuid=65534", "--regid=65534",
                       "--clear-groups"], "nobody"))
    t.eq("root can", "subscribed", subscribe(t, ["ip", "netns", "exec", a], "root"))
    t.eq("root of a user namespace, in the network namespace it owns, can", "subscribed",
         subscribe(t, ["unshare", "-Urn"], "unshare -Urn"))


USERNS = r"""
set -u
ip link set lo up
ip xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x700 mode tunnel reqid 1 {gcm}
id='{{"sa-id": {{"family": 2, "daddr": "0a000002", "spi": 1792, "proto": 50}}}}'
x() {{ echo "== $1"; shift; python3 {xcnl} "$@" 2>&1; echo "rc=$?"; }}
x freeze do freeze "$id"
x export-freeze do export '{{"sa-id": {{"family": 2, "daddr": "0a000002", "spi": 1792, "proto": 50}}, "flags": "freeze"}}'
x export-dump-freeze dump export '{{"flags": "freeze"}}'
x export do export "$id"
x list dump list-frozen
x start-msg dump export '{{"flags": "staged"}}'
"""


def userns_freeze(t):
    ksft.log("=== F6: root of an unprivileged user namespace")
    script = USERNS.format(gcm=GCM.replace("rfc4106(gcm(aes))", "'rfc4106(gcm(aes))'"), xcnl=os.path.join(HERE, "xcnl.py"))
    ksft.log("[unshare -Urn] " + " ".join(line for line in script.splitlines() if line)[:300])
    p = subprocess.run(["unshare", "-Urn", "bash", "-c", script], capture_output=True, text=True)
    out = p.stdout
    ksft.log(out.strip())
    if p.returncode or p.stderr.strip():
        ksft.log(f"rc {p.returncode}: {p.stderr.strip()}")
    parts = {}
    for chunk in out.split("== ")[1:]:
        name, _, rest = chunk.partition("\n")
        parts[name] = rest
    need = "freezing needs CAP_NET_ADMIN in the initial user namespace"
    t.ok("error: EPERM" in parts.get("freeze", "") and "rc=1" in parts.get("freeze", ""),
         "F6: freeze is refused (EPERM) to root of a user namespace", parts.get("freeze", "").strip())
    t.ok("error: EPERM: xfrm_ctx: " + need in parts.get("export-freeze", ""),
         "F6: export with freeze is refused, with a message", parts.get("export-freeze", "").strip())
    # 6.1 sends no extack message for a refused dump start (any refusal)
    start_msgs = "do not apply to export" in parts.get("start-msg", "")
    t.ok(("error: EPERM: xfrm_ctx: " + need if start_msgs else "error: EPERM")
         in parts.get("export-dump-freeze", ""),
         "F6: an export dump with freeze is refused" + (", with a message" if start_msgs else
                                                        " (this kernel carries no message from a dump's start)"),
         parts.get("export-dump-freeze", "").strip())
    t.ok("rc=0" in parts.get("export", "") and '"spi": 1792' in parts.get("export", ""),
         "export without freeze still works there", parts.get("export", "").strip()[:200])
    t.ok(parts.get("list", "").startswith("[]"), "nothing was frozen", parts.get("list", "").strip())


def header_reserved(t, a):
    ksft.log("=== F7: the genetlink header's reserved field")
    g = xcnl.Genl(a)
    g.seq += 1
    body = struct.pack("=BBH", xcnl.OPS["get-info"], 1, 0x5a5a)
    hdr = struct.pack("=IHHII", 16 + len(body), g.family, xcnl.NLM_F_REQUEST | xcnl.NLM_F_ACK, g.seq, 0)
    ksft.log(f"[{a}] xfrm_ctx get-info with reserved = 0x5a5a")
    g.sk.send(hdr + body)
    try:
        reps = g.recv_all(g.seq, False)
        t.fail(f"F7: a request with a non-zero reserved field was accepted ({len(reps)} replies)")
    except xcnl.NlError as e:
        t.eq("F7: a request with a non-zero reserved field is refused", "EINVAL",
             __import__("errno").errorcode.get(e.err))
    t.eq("a well-formed request is answered", 1, t.xc(a, "get-info", {})["version"])
    p = t.run(a, f"{XFRMCTX} -j info", check=False)
    t.ok(p.returncode == 0 and json.loads(p.stdout or "{}").get("version") == 1,
         "the tool (libnl) is answered", (p.stdout + p.stderr).strip())


def test(t):
    a, = t.setup_ns("A")
    t.ip_batch(a, [f"xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x100 mode tunnel reqid 1 {GCM}"])
    for case in (lambda: events_perm(t, a), lambda: userns_freeze(t), lambda: header_reserved(t, a)):
        try:
            case()
        except Exception as e:  # noqa: BLE001
            import traceback
            ksft.log(traceback.format_exc())
            t.fail(f"exception: {e}")


ksft.main(test)
