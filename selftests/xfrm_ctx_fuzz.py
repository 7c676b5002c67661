#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Netlink fuzzer for the xfrm_ctx module.

Thousands of requests for every command, each drawn from a valid message
(freeze/thaw/export of a live tunnel, import and update of its snapshots,
list-frozen, get-info) and then corrupted: structurally (attributes and
nest members dropped, duplicated, retyped, oversized, wrong widths, values
out of range, unknown attributes) or on the wire (attribute lengths,
types and nest flags rewritten, bytes flipped, truncation, random commands,
versions and header lengths). Every request must be answered (no hang).

Bystanders: SAs of another reqid and addresses in the fuzzed namespace,
and the same set in a namespace the fuzzer never talks to. Afterwards:
  - every bystander's XFRM netlink dump is byte-identical to before;
  - /proc/net/xfrm_stat of both namespaces is unchanged (no packet flows);
  - the module still answers, unloads cleanly, and the kernel log shows no
    WARNING, BUG, Oops or refcount message (ksft.py).

  XC_FUZZ_ITERS   requests (default 2000; `make fuzz` runs 50 000)
  XC_FUZZ_SEED    seed (default 1; "random" for a fresh one, printed)
  XC_FUZZ_FAILSLAB  percent (default 0: off): with failslab (the debug
                  kernel, make check-debug), that share of the slab
                  allocations made under the module's code in the fuzzer's
                  own task fails during the requests; the test prints how
                  many failed, and fails if none did
"""
import copy
import errno
import os
import random
import socket
import struct
import subprocess
import time

import ksft
import xcnl

ITERS = int(os.environ.get("XC_FUZZ_ITERS", "2000"))
SEED = os.environ.get("XC_FUZZ_SEED", "1")
SEED = random.SystemRandom().randrange(1 << 32) if SEED == "random" else int(SEED)
BYSTANDER_REQID = 9000
GCM = "rfc4106(gcm(aes))"

FAILSLAB = int(os.environ.get("XC_FUZZ_FAILSLAB", "0"))
FAILSLAB_DIR = "/sys/kernel/debug/failslab"
FAILSLAB_TIMES = 1 << 30
NETLINK_XFRM = 6
XFRM_MSG_GETSA, XFRM_MSG_DELSA = 18, 17
INTERESTING = [0, 1, 2, 3, 4, 7, 8, 16, 31, 32, 33, 63, 64, 127, 128, 255, 256, 1023, 1024, 1025,
               4095, 4096, 4097, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe,
               0xffffffff, 0xffffffffffffffff, 0x8000000000000000, 3600, 3601]


# --- XFRM netlink: dumps and deletes of SAs -----------------------------------
def xfrm_dump(ns):
    """{(daddr, spi): raw NEWSA message} of every SA of ns."""
    sk = xcnl.netns_socket(ns, socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_XFRM)
    sk.bind((0, 0))
    sk.send(struct.pack("=IHHII", 16, XFRM_MSG_GETSA, 1 | 0x300, 1, 0))
    out = {}
    done = False
    while not done:
        data = sk.recv(1 << 20)
        off = 0
        while off + 16 <= len(data):
            mlen, mtype = struct.unpack_from("=IH", data, off)
            if mtype in (2, 3):	# ERROR, DONE
                done = True
                break
            msg = data[off:off + mlen]
            # xfrm_usersa_info: sel (56), then id: daddr (16), spi (4), proto
            daddr, spi = msg[16 + 56:16 + 72], struct.unpack_from("!I", msg, 16 + 72)[0]
            # Zero the sequence number of the netlink header: dumps differ there.
            out[(daddr, spi)] = msg[:8] + b"\0" * 8 + msg[16:]
            off += (mlen + 3) & ~3
    sk.close()
    return out


def xfrm_delete(ns, keep):
    """Delete every SA of ns whose (daddr, spi) is not in keep."""
    sk = xcnl.netns_socket(ns, socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_XFRM)
    sk.bind((0, 0))
    n = 0
    for (daddr, spi), msg in xfrm_dump(ns).items():
        if (daddr, spi) in keep:
            continue
        family = struct.unpack_from("=H", msg, 16 + 56 + 24 + 16 + 64 + 32 + 12 + 8)[0]
        proto = msg[16 + 76]
        body = daddr + struct.pack("!I", spi) + struct.pack("=HB1x", family, proto)
        sk.send(struct.pack("=IHHII", 16 + len(body), XFRM_MSG_DELSA, 1 | 4, n + 2, 0) + body)
        sk.recv(4096)
        n += 1
    sk.close()
    return n


def xfrm_stat(t, ns):
    return t.run(ns, "cat /proc/net/xfrm_stat", quiet=True)


# --- the fuzzed requests --------------------------------------------------------
class Fuzzer:
    def __init__(self, t, ns, victims, rng):
        self.t, self.ns, self.victims, self.rng = t, ns, victims, rng
        self.g = xcnl.Genl(ns)
        self.g.sk.settimeout(5.0)
        self.stats = {}

    def victim_id(self):
        sa = self.rng.choice(self.victims)
        return {"family": sa["family"], "daddr": sa["daddr"], "spi": sa["spi"], "proto": sa["proto"]}

    def valid(self):
        """(command, message, dump) drawn from what the module accepts."""
        r = self.rng
        snap = copy.deepcopy(r.choice(self.victims))
        choices = [
            ("get-info", {"version": 1}, False),
            ("freeze", {"sa-id": self.victim_id(), "lease": r.choice([1, 5, 30])}, False),
            ("freeze", {"reqid": 1, "lease": 5, "flags": "renew"}, False),
            ("thaw", {"sa-id": self.victim_id()}, False),
            ("thaw", {"reqid": 1}, False),
            ("release", {"reqid": r.choice([1, 4242])}, False),
            ("export", {"sa-id": self.victim_id()}, False),
            ("export", {"sa-id": self.victim_id(), "flags": "freeze", "lease": 2}, False),
            ("export", {"reqid": 1}, True),
            ("export", {}, True),
            ("export", {"sa-id": {"family": 2, "daddr": self.victim_id()["daddr"]}}, True),
            ("import", {"sa": [dict(snap, spi=r.randrange(0x100, 1 << 32))], "out-jump": 10}, False),
            ("import", {"sa": [dict(snap, spi=r.randrange(0x100, 1 << 32))],
                        "flags": "staged|live-snapshot", "lease": 3}, False),
            ("import", {"sa": [snap], "flags": "replace|live-snapshot", "in-jump": 5}, False),
            ("update", {"sa": [snap], "out-jump": 7}, False),
            ("list-frozen", {"sa-id": self.victim_id()}, False),
            ("list-frozen", {"reqid": 1}, True),
            ("list-frozen", {}, True),
        ]
        return r.choice(choices)

    # structure-aware corruption of the JSON form
    def mutate_obj(self, setname, obj, depth=0):
        r = self.rng
        attrs = xcnl.SETS[setname]
        obj = dict(obj)
        for _ in range(r.randint(1, 3)):
            op = r.randrange(7)
            keys = [k for k in obj if not k.startswith("raw:")]
            if op == 0 and keys:			# a missing piece
                del obj[r.choice(keys)]
            elif op == 1 and keys:			# a value out of range
                k = r.choice(keys)
                a = attrs[k]
                if a["type"] in ("u8", "u16", "u32", "u64"):
                    bits = {"u8": 8, "u16": 16, "u32": 32, "u64": 64}[a["type"]]
                    obj[k] = r.choice(INTERESTING) & ((1 << bits) - 1)
                elif a["type"] == "binary":
                    obj[k] = os.urandom(r.choice([0, 1, 3, 4, 15, 16, 17, 55, 56, 57, 63, 64, 65, 511,
                                                  512, 513, 1200])).hex()
                elif a["type"] == "string":
                    obj[k] = r.choice(["", "x" * 63, "x" * 64, "x" * 300, "gcm(aes)", "seqiv", "\x01"])
            elif op == 2:				# an attribute of the wrong width
                a = r.choice(list(attrs.values()))
                if a["type"] != "unused":
                    obj[f"raw:{a['value']}"] = os.urandom(r.choice([0, 1, 2, 3, 5, 7, 9, 64])).hex()
            elif op == 3:				# an unknown attribute
                obj[f"raw:{r.randrange(len(attrs), 200)}"] = os.urandom(r.randrange(0, 40)).hex()
            elif op == 4 and keys:			# recurse into a nest
                k = r.choice(keys)
                a = attrs[k]
                if a["type"] == "nest" and depth < 3:
                    if a.get("multi-attr"):
                        # a multi-attr nest may be given as one dict or a list of them
                        vals = [obj[k]] if isinstance(obj[k], dict) else list(obj[k])
                        i = r.randrange(len(vals))
                        vals[i] = self.mutate_obj(a["nested-attributes"], vals[i], depth + 1)
                        if r.random() < 0.3:
                            vals = vals * r.randint(2, 40)	# many SAs in one request
                        obj[k] = vals
                    else:
                        obj[k] = self.mutate_obj(a["nested-attributes"], obj[k], depth + 1)
            elif op == 5 and keys:			# a scalar where a nest belongs and back
                k = r.choice(keys)
                obj[f"raw:{attrs[k]['value']}"] = os.urandom(4).hex()
                del obj[k]
            elif op == 6:				# a flag set
                if "flags" in attrs:
                    obj["flags"] = r.choice(INTERESTING) & 0xffffffff
        return obj

    # corruption of the wire bytes
    def mutate_bytes(self, data):
        r = self.rng
        b = bytearray(data)
        for _ in range(r.randint(1, 4)):
            op = r.randrange(6)
            offs = self.attr_offsets(bytes(b))
            if op == 0 and offs:			# an attribute's length
                o = r.choice(offs)
                struct.pack_into("=H", b, o, r.choice([0, 1, 3, 4, 5, 8, 0xffff, len(b) - o + 4,
                                                        r.randrange(0, 0x10000)]))
            elif op == 1 and offs:			# its type and flag bits
                o = r.choice(offs)
                t = struct.unpack_from("=H", b, o + 2)[0]
                struct.pack_into("=H", b, o + 2, r.choice([t ^ 0x8000, t ^ 0x4000, r.randrange(0x10000),
                                                           t & 0x3fff, 0]))
            elif op == 2 and b:				# bytes
                for _ in range(r.randint(1, 8)):
                    b[r.randrange(len(b))] = r.randrange(256)
            elif op == 3 and b:				# truncation
                del b[r.randrange(len(b)):]
            elif op == 4 and offs:			# duplicate an attribute
                o = r.choice(offs)
                ln = (struct.unpack_from("=H", b, o)[0] + 3) & ~3
                b += b[o:o + ln]
            elif op == 5:				# trailing garbage
                b += os.urandom(r.randrange(1, 64))
        return bytes(b)

    @staticmethod
    def attr_offsets(data, base=0, depth=0):
        offs, off = [], 0
        while off + 4 <= len(data):
            ln, t = struct.unpack_from("=HH", data, off)
            if ln < 4 or off + ln > len(data):
                break
            offs.append(base + off)
            if t & 0x8000 and depth < 4:
                offs += Fuzzer.attr_offsets(data[off + 4:off + ln], base + off + 4, depth + 1)
            off += (ln + 3) & ~3
        return offs

    def send(self, cmd_id, payload, dump, version=1, hdr_len_delta=0):
        g = self.g
        g.seq += 1
        body = struct.pack("=BBH", cmd_id, version, 0) + payload
        flags = 1 | 4 | (0x300 if dump else 0)
        msg = struct.pack("=IHHII", 16 + len(body) + hdr_len_delta, g.family, flags, g.seq, 0) + body
        try:
            g.sk.send(msg)
        except OSError as e:
            return f"send:{errno.errorcode.get(e.errno, e.errno)}"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                data = g.sk.recv(1 << 20)
            except socket.timeout:
                break
            off = 0
            while off + 16 <= len(data):
                mlen, mtype, _, mseq, _ = struct.unpack_from("=IHHII", data, off)
                if mlen < 16:
                    break
                if mseq == g.seq and mtype in (2, 3):	# ERROR (ack) or DONE
                    err = struct.unpack_from("=i", data, off + 16)[0] if mlen >= 20 else 0
                    if mtype == 3 and err == 0:
                        return "done"
                    return "ok" if err == 0 else errno.errorcode.get(-err, str(err))
                off += (mlen + 3) & ~3
        return "NO ANSWER"

    def one(self):
        r = self.rng
        cmd, msg, dump = self.valid()
        kind = r.randrange(10)
        cmd_id, version, delta = xcnl.OPS[cmd], 1, 0
        if kind < 5:
            msg = self.mutate_obj(xcnl.TOPSET, msg)
        try:
            payload = xcnl.enc_attrs(xcnl.TOPSET, msg)
        except (ValueError, KeyError, struct.error, TypeError):
            payload = b""
        if kind >= 4:
            payload = self.mutate_bytes(payload)
        if kind == 9:
            choice = r.randrange(4)
            if choice == 0:
                cmd_id = r.choice([0, 11, 12, 100, 255])
            elif choice == 1:
                version = r.choice([0, 2, 255])
            elif choice == 2:
                delta = -r.randrange(1, 5)
            else:
                dump = not dump
        if r.random() < 0.1:
            dump = not dump
        res = self.send(cmd_id, payload, dump, version, delta)
        key = f"{cmd}{' dump' if dump else ''}: {res}"
        self.stats[key] = self.stats.get(key, 0) + 1
        return res


# --- failslab on the module's allocations -----------------------------------
def module_text():
    """[start, end) of the loaded xfrm_ctx's executable sections (one
    region: the module's text memory), from their load addresses and the
    .ko's section sizes."""
    ko = subprocess.run(["modinfo", "-n", "xfrm_ctx"], capture_output=True, text=True,
                        check=True).stdout.strip()
    sizes = {}
    for line in subprocess.run(["readelf", "-SW", ko], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        f = line.replace("[ ", "[").split()
        if len(f) > 7 and f[1].startswith((".text", ".exit.text")) and "X" in f[7]:
            sizes[f[1]] = int(f[5], 16)
    spans = []
    for name, size in sizes.items():
        path = f"/sys/module/xfrm_ctx/sections/{name}"
        if size and os.path.exists(path):
            start = int(open(path).read(), 16)
            spans.append((start, start + size))
    if not spans:
        raise RuntimeError("no text section of xfrm_ctx found")
    return min(a for a, _ in spans), max(b for _, b in spans)


def failslab(percent):
    """Make percent % of the slab allocations that have the module's code
    on their stack fail, in this task only (task-filter and
    /proc/self/make-it-fail; GFP_KERNEL ones too). percent 0: off. Returns
    how many failed since it was turned on."""
    def w(name, val):
        with open(f"{FAILSLAB_DIR}/{name}", "w") as f:
            f.write(f"{val}\n")
    def me(val):
        with open("/proc/self/make-it-fail", "w") as f:
            f.write(f"{val}\n")
    if not percent:
        me(0)
        w("probability", 0)
        return FAILSLAB_TIMES - int(open(f"{FAILSLAB_DIR}/times").read())
    start, end = module_text()
    ksft.log(f"failslab: {percent}% of the allocations under xfrm_ctx "
             f"[{start:#x}, {end:#x}) in pid {os.getpid()}")
    for name, val in (("task-filter", "Y"), ("ignore-gfp-wait", "N"), ("cache-filter", "N"),
                      ("interval", 1), ("space", 0), ("verbose", 2),
                      ("require-start", hex(start)), ("require-end", hex(end)),
                      ("reject-start", 0), ("reject-end", 0), ("stacktrace-depth", 32),
                      ("times", FAILSLAB_TIMES), ("probability", percent)):
        w(name, val)
    me(1)	# (last: what this task starts from now on inherits it)
    return 0


def tunnel_lines(reqid, local, remote, spi_o, spi_i, extra=""):
    common = f"proto esp mode tunnel reqid {reqid} replay-window 128 flag esn {extra}"
    return [f"xfrm state add src {local} dst {remote} spi {spi_o:#x} {common} aead {GCM} 0x{'11' * 20} 128",
            f"xfrm state add src {remote} dst {local} spi {spi_i:#x} {common} aead {GCM} 0x{'22' * 20} 128"]


BYSTANDERS = [
    *tunnel_lines(BYSTANDER_REQID, "10.9.0.2", "10.9.0.1", 0x9000a001, 0x9000b001),
    f"xfrm state add src 10.9.0.2 dst 10.9.0.3 proto esp spi 0x9000c001 mode tunnel reqid {BYSTANDER_REQID} "
    f"replay-window 32 enc 'cbc(aes)' 0x{'33' * 16} auth-trunc 'hmac(sha256)' 0x{'44' * 32} 128",
    f"xfrm state add src 2001:db8:9::2 dst 2001:db8:9::1 proto esp spi 0x9000d001 mode tunnel "
    f"reqid {BYSTANDER_REQID} replay-window 64 flag esn aead {GCM} 0x{'55' * 20} 128",
    f"xfrm state add src 10.9.0.2 dst 10.9.0.4 proto esp spi 0x9000e001 mode tunnel reqid {BYSTANDER_REQID} "
    f"encap espinudp 4500 4500 0.0.0.0 aead {GCM} 0x{'66' * 20} 128",
]


def test(t):
    f, s = t.setup_ns("fuzz", "quiet")
    ksft.log(f"seed {SEED} (XC_FUZZ_SEED={SEED} repeats this run), {ITERS} requests")
    rng = random.Random(SEED)
    for ns in (f, s):
        t.ip_batch(ns, [line.replace("'", "") for line in BYSTANDERS])
    victim_lines = tunnel_lines(1, "10.0.0.100", "10.0.0.1", 0x2000b001, 0x1000a001)
    t.ip_batch(f, victim_lines)
    before = {ns: xfrm_dump(ns) for ns in (f, s)}
    keep = set(before[f])
    bystanders_f = {k: v for k, v in before[f].items() if k[1] >> 28 == 9}
    t.eq("bystanders in the fuzzed namespace", 5, len(bystanders_f))
    stat_before = {ns: xfrm_stat(t, ns) for ns in (f, s)}
    victims = t.xc(f, "export", {"reqid": 1}, dump=True)
    victims = [rep["sa"][0] for rep in victims]
    t.eq("the victim tunnel's snapshots", 2, len(victims))

    fz = Fuzzer(t, f, victims, rng)
    hangs = 0
    if FAILSLAB:
        t.on_exit(lambda: failslab(0))
        failslab(FAILSLAB)
    start = time.monotonic()
    silent = 0	# victims' re-imports refused without a message
    for i in range(ITERS):
        if fz.one() == "NO ANSWER":
            hangs += 1
            fz.g = xcnl.Genl(f)	# a fresh socket: the old one may hold a late answer
            fz.g.sk.settimeout(5.0)
        if i % 250 == 249:
            # Keep the namespace small: drop what imports created, bring
            # the victims back.
            xfrm_delete(f, set(bystanders_f))
            try:
                t.xc(f, "import", {"sa": victims, "flags": "live-snapshot"}, quiet=True)
            except xcnl.NlError as e:
                name = errno.errorcode.get(e.err, e.err)
                ksft.log(f"re-importing the victims: {name}: {e.msg or '(no message)'}")
                silent += not e.msg
    took = time.monotonic() - start
    # A valid import fails only under failslab (out of memory): it must
    # say so like every refusal (the debug lane saw 26 silent ones in
    # 10 000 requests before the module said 'out of memory').
    t.eq("every refused re-import of the victims carried a message", 0, silent)
    if FAILSLAB:
        failed = failslab(0)
        ksft.log(f"failslab: {failed} allocations under xfrm_ctx failed")
        t.ok(failed > 0, "failslab made some of the module's allocations fail")
    ksft.log(f"{ITERS} requests in {took:.1f} s; answers:")
    for k in sorted(fz.stats):
        ksft.log(f"  {fz.stats[k]:6d}  {k}")
    t.eq("every request was answered", 0, hangs)

    # Undo what the fuzzer may legitimately have done to the bystanders:
    # freezes by "export all freeze" (they thaw by lease anyway).
    try:
        t.xc(f, "thaw", {"reqid": BYSTANDER_REQID}, quiet=True)
    except xcnl.NlError as e:
        ksft.log(f"thaw of the bystanders: {e.msg or errno.errorcode.get(e.err)} (none was frozen)")
    xfrm_delete(f, set(bystanders_f))
    t.ok(t.xc(f, "get-info", {"version": 1}).get("version") == 1, "the module still answers get-info")

    after = {ns: xfrm_dump(ns) for ns in (f, s)}
    changed = [hex(k[1]) for k, v in bystanders_f.items() if after[f].get(k) != v]
    t.eq("every bystander SA of the fuzzed namespace is byte-identical", [], changed)
    # Compared, never printed: the dumps hold keys.
    t.ok(before[s] == after[s], f"the other namespace's {len(before[s])} SAs are byte-identical",
         f"{sum(before[s].get(k) != v for k, v in after[s].items())} differ, {len(after[s])} now")
    for ns, name in ((f, "fuzzed"), (s, "other")):
        now = xfrm_stat(t, ns)
        t.ok(stat_before[ns] == now, f"/proc/net/xfrm_stat of the {name} namespace is unchanged",
             "\n" + "\n".join(line for line in now.splitlines() if line not in stat_before[ns]))
    t.ok(not [k for k in keep if k not in after[f] and k in bystanders_f], "no bystander was deleted")


ksft.main(test)
