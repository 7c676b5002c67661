#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""xcnl: talk to the xfrm_ctx generic netlink family from the selftests.

A small YNL-style client: attribute names, types and nesting come from
Documentation/netlink/specs/xfrm_ctx.yaml, so tests name attributes as the
spec does and can send what the real tool never would (missing, oversized,
truncated or unknown attributes). Messages are given and printed as JSON:

  xcnl.py [-n NETNS] VERB ...    run in namespace NETNS (ip netns name)
  xcnl.py do CMD [JSON]          one request; prints the reply (or {}) as JSON
  xcnl.py dump CMD [JSON]        a dump; prints a JSON list of replies
  xcnl.py raw CMD HEX            a request with a hand-made payload
  xcnl.py monitor [SECONDS]      print events as JSON lines
  xcnl.py id FAMILY DADDR SPI PROTO   print an sa-id as JSON (helper)

Binary attributes are hex strings; nests are objects; multi-attrs are lists;
flags are true. On a refusal it prints "error: ERRNO: MESSAGE [attr=OFFSET]"
to stderr and exits 1.
"""

import errno
import json
import os
import select
import socket
import struct
import sys
import time

import yaml

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = os.path.join(TOP, "Documentation/netlink/specs/xfrm_ctx.yaml")

NETLINK_GENERIC = 16
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
SOL_NETLINK = 270
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_DUMP = 1, 2, 4, 0x300
NLM_F_ACK_TLVS, NLM_F_CAPPED = 0x200, 0x100
NLA_F_NESTED = 0x8000
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_MCAST_GROUPS = 1, 2, 7
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS = 1, 2
NLMSGERR_ATTR_MISS_TYPE, NLMSGERR_ATTR_MISS_NEST = 5, 6


def load_spec():
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)	# libyaml: 10x faster
    spec = yaml.load(open(SPEC), Loader=loader)
    sets = {}
    for s in spec["attribute-sets"]:
        attrs = {}
        for i, a in enumerate(s["attributes"]):
            attrs[a["name"]] = dict(a, value=a.get("value", i))
        sets[s["name"]] = attrs
    ops = {}
    for i, op in enumerate(spec["operations"]["list"]):
        ops[op["name"]] = op.get("value", i)
    consts = {d["name"]: d for d in spec.get("definitions", [])}
    return spec, sets, ops, consts


SPEC_DATA, SETS, OPS, DEFS = load_spec()
TOPSET = SPEC_DATA["name"]


def pad4(n):
    return (n + 3) & ~3


def enc_attr(atype, payload):
    return struct.pack("=HH", 4 + len(payload), atype) + payload + b"\0" * (pad4(len(payload)) - len(payload))


def enum_value(enum, word):
    d = DEFS[enum]
    entries = d["entries"]
    for i, e in enumerate(entries):
        name = e["name"] if isinstance(e, dict) else e
        if name == word:
            if d["type"] == "flags":
                return 1 << i
            return d.get("value-start", 0) + i
    raise ValueError(f"unknown {enum} value {word!r}")


def enc_value(a, v):
    t = a["type"]
    if t in ("u8", "u16", "u32", "u64"):
        if isinstance(v, str) and "enum" in a:
            v = sum(enum_value(a["enum"], w) for w in v.split("|"))
        elif isinstance(v, list) and "enum" in a:
            v = sum(enum_value(a["enum"], w) for w in v)
        elif isinstance(v, str):
            v = int(v, 0)
        fmt = {"u8": "B", "u16": "H", "u32": "I", "u64": "Q"}[t]
        order = ">" if a.get("byte-order") == "big-endian" else "="
        return struct.pack(order + fmt, v)
    if t == "string":
        return v.encode() + b"\0"
    if t == "binary":
        return bytes.fromhex(v)
    if t == "flag":
        return b""
    if t == "nest":
        return enc_attrs(a["nested-attributes"], v)
    raise ValueError(f"cannot encode type {t}")


def enc_attrs(setname, obj):
    out = b""
    attrs = SETS[setname]
    for k, v in obj.items():
        if k.startswith("raw:"):	# "raw:TYPE": a hex payload under any type
            out += enc_attr(int(k[4:]), bytes.fromhex(v))
            continue
        a = attrs[k]
        if a["type"] == "flag" and not v:
            continue
        vals = v if a.get("multi-attr") and isinstance(v, list) else [v]
        for one in vals:
            atype = a["value"] | (NLA_F_NESTED if a["type"] == "nest" else 0)
            out += enc_attr(atype, enc_value(a, one))
    return out


def dec_attrs(setname, data):
    attrs = {a["value"]: a for a in SETS[setname].values()}
    obj = {}
    off = 0
    while off + 4 <= len(data):
        alen, atype = struct.unpack_from("=HH", data, off)
        if alen < 4:
            break
        payload = data[off + 4:off + alen]
        off += pad4(alen)
        a = attrs.get(atype & 0x3fff)
        if not a:
            obj[f"raw:{atype & 0x3fff}"] = payload.hex()
            continue
        t = a["type"]
        if t in ("u8", "u16", "u32", "u64"):
            fmt = {"u8": "B", "u16": "H", "u32": "I", "u64": "Q"}[t]
            order = ">" if a.get("byte-order") == "big-endian" else "="
            v = struct.unpack(order + fmt, payload[:struct.calcsize(fmt)])[0]
        elif t == "string":
            v = payload.rstrip(b"\0").decode(errors="replace")
        elif t == "binary":
            v = payload.hex()
        elif t == "flag":
            v = True
        elif t == "nest":
            v = dec_attrs(a["nested-attributes"], payload)
        elif t == "pad":
            continue
        else:
            v = payload.hex()
        if a.get("multi-attr"):
            obj.setdefault(a["name"], []).append(v)
        else:
            obj[a["name"]] = v
    return obj


class NlError(Exception):
    def __init__(self, err, msg, offs, miss):
        super().__init__(msg)
        self.err, self.msg, self.offs, self.miss = err, msg, offs, miss


def netns_socket(netns, *args):
    """A socket created in network namespace netns (a name from ip netns)."""
    if not netns:
        return socket.socket(*args)
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    CLONE_NEWNET = 0x40000000
    with open("/proc/self/ns/net") as home, open(f"/run/netns/{netns}") as there:
        if libc.setns(there.fileno(), CLONE_NEWNET):
            raise OSError(ctypes.get_errno(), f"setns {netns}")
        try:
            return socket.socket(*args)
        finally:
            libc.setns(home.fileno(), CLONE_NEWNET)


class Genl:
    def __init__(self, netns=None):
        self.sk = netns_socket(netns, socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.sk.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sk.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.sk.bind((0, 0))
        self.seq = int(time.time())
        self.family, self.groups = self.resolve(TOPSET)

    def send(self, ftype, cmd, payload, flags):
        self.seq += 1
        body = struct.pack("=BBH", cmd, 1, 0) + payload
        hdr = struct.pack("=IHHII", 16 + len(body), ftype, flags | NLM_F_REQUEST, self.seq, 0)
        self.sk.send(hdr + body)
        return self.seq

    def recv_all(self, seq, dump):
        replies = []
        while True:
            data = self.sk.recv(1 << 20)
            off = 0
            while off + 16 <= len(data):
                mlen, mtype, mflags, mseq, _ = struct.unpack_from("=IHHII", data, off)
                msg = data[off:off + mlen]
                off += pad4(mlen)
                if mseq != seq:
                    continue
                if mtype == NLMSG_ERROR:
                    err = struct.unpack_from("=i", msg, 16)[0]
                    if err == 0:
                        return replies
                    raise self.parse_err(msg, mflags, err)
                if mtype == NLMSG_DONE:
                    err = struct.unpack_from("=i", msg, 16)[0] if mlen >= 20 else 0
                    if err:
                        raise self.parse_err(msg, mflags, err, done=True)
                    return replies
                replies.append(msg[20:])
                if not dump and not (mflags & NLM_F_MULTI):
                    pass

    @staticmethod
    def parse_err(msg, flags, err, done=False):
        text, offs, miss = "", None, None
        if flags & NLM_F_ACK_TLVS:
            if done:
                tlv_off = 20
            else:
                tlv_off = 16 + 4 + 16
                if not flags & NLM_F_CAPPED:
                    tlv_off = 16 + 4 + struct.unpack_from("=I", msg, 20)[0]
            while tlv_off + 4 <= len(msg):
                alen, atype = struct.unpack_from("=HH", msg, tlv_off)
                if alen < 4:
                    break
                p = msg[tlv_off + 4:tlv_off + alen]
                if atype == NLMSGERR_ATTR_MSG:
                    text = p.rstrip(b"\0").decode(errors="replace")
                elif atype == NLMSGERR_ATTR_OFFS:
                    offs = struct.unpack("=I", p)[0]
                elif atype == NLMSGERR_ATTR_MISS_TYPE:
                    miss = struct.unpack("=I", p)[0]
                tlv_off += pad4(alen)
        return NlError(-err, text, offs, miss)

    def resolve(self, name):
        payload = enc_attr(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0")
        seq = self.send(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, payload, NLM_F_ACK)
        rep = self.recv_all(seq, False)[0]
        fid, groups, off = None, {}, 0
        while off + 4 <= len(rep):
            alen, atype = struct.unpack_from("=HH", rep, off)
            p = rep[off + 4:off + alen]
            if atype == CTRL_ATTR_FAMILY_ID:
                fid = struct.unpack("=H", p[:2])[0]
            elif atype & 0x3fff == CTRL_ATTR_MCAST_GROUPS:
                goff = 0
                while goff + 4 <= len(p):
                    glen, _ = struct.unpack_from("=HH", p, goff)
                    g = p[goff + 4:goff + glen]
                    gname, gid, o = None, None, 0
                    while o + 4 <= len(g):
                        l2, t2 = struct.unpack_from("=HH", g, o)
                        if t2 == 1:
                            gname = g[o + 4:o + l2].rstrip(b"\0").decode()
                        elif t2 == 2:
                            gid = struct.unpack("=I", g[o + 4:o + 8])[0]
                        o += pad4(l2)
                    groups[gname] = gid
                    goff += pad4(glen)
            off += pad4(alen)
        return fid, groups

    def request(self, cmd, obj=None, dump=False, payload=None):
        if payload is None:
            payload = enc_attrs(TOPSET, obj or {})
        flags = NLM_F_ACK | (NLM_F_DUMP if dump else 0)
        seq = self.send(self.family, OPS[cmd], payload, flags)
        return [dec_attrs(TOPSET, r) for r in self.recv_all(seq, dump)]


class Events:
    """A subscription to the family's events group in a namespace."""

    def __init__(self, netns=None, group="events"):
        g = Genl(netns)
        self.sk = netns_socket(netns, socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.sk.bind((0, 0))
        self.sk.setsockopt(SOL_NETLINK, 1, g.groups[group])	# NETLINK_ADD_MEMBERSHIP

    def read(self, timeout=0.0):
        """Events that arrived, waiting up to timeout seconds for the first."""
        out = []
        while True:
            r, _, _ = select.select([self.sk], [], [], timeout if not out else 0)
            if not r:
                return out
            data = self.sk.recv(1 << 16)
            off = 0
            while off + 16 <= len(data):
                mlen = struct.unpack_from("=I", data, off)[0]
                out.append(dec_attrs(TOPSET, data[off + 20:off + mlen]))
                off += pad4(mlen)


def sa_id(family, daddr, spi, proto):
    fam = {"inet": socket.AF_INET, "inet6": socket.AF_INET6}[family]
    protos = {"esp": 50, "ah": 51, "comp": 108}
    return {"family": fam, "daddr": socket.inet_pton(fam, daddr).hex(),
            "spi": int(spi, 0), "proto": protos[proto]}


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0
    netns = None
    if argv[1] == "-n":
        netns = argv[2]
        argv = argv[:1] + argv[3:]
    verb = argv[1]
    if verb == "id":
        print(json.dumps(sa_id(*argv[2:6])))
        return 0
    try:
        g = Genl(netns)
    except (OSError, IndexError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    try:
        if verb in ("do", "dump"):
            obj = json.loads(argv[3]) if len(argv) > 3 else {}
            reps = g.request(argv[2], obj, dump=(verb == "dump"))
            print(json.dumps(reps if verb == "dump" else (reps[0] if reps else {})))
        elif verb == "raw":
            reps = g.request(argv[2], payload=bytes.fromhex(argv[3]))
            print(json.dumps(reps[0] if reps else {}))
        elif verb == "monitor":
            deadline = time.time() + float(argv[2]) if len(argv) > 2 else None
            sk = netns_socket(netns, socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
            sk.bind((0, 0))
            sk.setsockopt(SOL_NETLINK, 1, g.groups["events"])  # NETLINK_ADD_MEMBERSHIP
            print("ready", file=sys.stderr, flush=True)
            while deadline is None or time.time() < deadline:
                r, _, _ = select.select([sk], [], [], 0.2)
                if not r:
                    continue
                data = sk.recv(1 << 16)
                off = 0
                while off + 16 <= len(data):
                    mlen = struct.unpack_from("=I", data, off)[0]
                    print(json.dumps(dec_attrs(TOPSET, data[off + 20:off + mlen])), flush=True)
                    off += pad4(mlen)
        else:
            print(f"error: unknown verb {verb!r}", file=sys.stderr)
            return 2
    except NlError as e:
        name = errno.errorcode.get(e.err, str(e.err))
        where = f" [attr={e.offs}]" if e.offs is not None else ""
        where += f" [missing={e.miss}]" if e.miss is not None else ""
        print(f"error: {name}: {e.msg}{where}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
