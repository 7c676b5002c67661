#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Round trip of every SA shape.

    [ A ] --export (dump)--> snapshots --import (out-jump 1000, in-jump 0|5)--> [ B ]

SAs made with `ip xfrm state add` in namespace A are exported and imported
into namespace B. `ip -s xfrm state` of B must show the same SAs as A (keys,
algorithms, selectors, lifetimes, flags, marks, encapsulation) and counters
that differ by exactly the jumps; B's transforms carry A's IV salt.
"""
import ksft

K16 = "0x00112233445566778899aabbccddeeff"
K20 = K16 + "01020304"
K32 = K16 + "00112233445566778899aabbccddeeff"
K36 = K32 + "01020304"
GCM = f"aead rfc4106(gcm(aes)) {K20} 128"
CBC = f"enc cbc(aes) {K16} auth-trunc hmac(sha256) {K32} 128"
CHACHA = f"aead rfc7539esp(chacha20,poly1305) {K36} 128"
CTR = "replay-seq 0x1234 replay-oseq 0x5678"
ESNCTR = f"flag esn replay-seq-hi 0x1 replay-oseq-hi 0x2 {CTR}"
LIMITS = ("limit time-soft 1000 limit time-hard 2000 limit byte-soft 100000 "
          "limit byte-hard 200000 limit packet-soft 3000 limit packet-hard 4000")

# name, family, proto, in-jump, arguments after "proto P spi S"
SHAPES = [
    ("v4-tunnel-gcm-esn-128", 4, "esp", 5, f"mode tunnel reqid 1 replay-window 128 {ESNCTR} {GCM}"),
    ("v4-transport-gcm-legacy-32", 4, "esp", 0, f"mode transport reqid 2 replay-window 32 {CTR} {GCM}"),
    ("v4-tunnel-cbc-hmac-0", 4, "esp", 0, f"mode tunnel reqid 3 replay-window 0 {CTR} {CBC}"),
    ("v4-tunnel-chacha-esn-4096", 4, "esp", 5, f"mode tunnel reqid 4 replay-window 4096 {ESNCTR} {CHACHA}"),
    ("v4-tunnel-gcm-bmp-128", 4, "esp", 5, f"mode tunnel reqid 5 replay-window 128 {CTR} {GCM}"),
    ("v6-tunnel-gcm-esn-128", 6, "esp", 5, f"mode tunnel reqid 6 replay-window 128 {ESNCTR} {GCM}"),
    ("v6-transport-cbc-32", 6, "esp", 0, f"mode transport reqid 7 replay-window 32 {CTR} {CBC}"),
    ("v6-tunnel-chacha-legacy", 6, "esp", 0, f"mode tunnel reqid 14 replay-window 32 {CTR} {CHACHA}"),
    ("v4-natt-gcm-esn-64", 4, "esp", 0, f"mode tunnel reqid 8 replay-window 64 {ESNCTR} encap espinudp 4500 4501 0.0.0.0 {GCM}"),
    ("v4-mark-ifid-gcm", 4, "esp", 0, f"mode tunnel reqid 9 replay-window 32 {CTR} mark 0x10 mask 0xff if_id 0x42 output-mark 0x7 mask 0xf {GCM}"),
    ("v4-sel-lifetime-flags-tfc", 4, "esp", 0, f"mode tunnel reqid 10 replay-window 32 {CTR} flag af-unspec extra-flag dont-encap-dscp tfcpad 128 sel src 10.1.0.0/16 dst 10.2.0.0/16 proto udp sport 1000 dport 2000 {LIMITS} {GCM}"),
    ("v4-ah-hmac", 4, "ah", 0, f"mode transport reqid 11 replay-window 32 {CTR} auth-trunc hmac(sha256) {K32} 128"),
    ("v4-ipcomp-tunnel", 4, "comp", 0, "mode tunnel reqid 12 comp deflate"),
    ("v6-ipcomp-transport", 6, "comp", 0, "mode transport reqid 13 comp deflate"),
]


def salt_of(sa):
    return (sa.get("alg-aead") or sa.get("alg-crypt") or {}).get("iv-salt")


def test(t):
    a, b = t.setup_ns("A", "B")
    lines, want = [], {}
    for n, (name, fam, proto, ij, args) in enumerate(SHAPES, 1):
        dst = f"192.0.2.{100 + n}" if fam == 4 else f"2001:db8::{100 + n:x}"
        src = "192.0.2.1" if fam == 4 else "2001:db8::1"
        spi = (0x100 if proto == "comp" else 0x1000) + n
        lines.append(f"xfrm state add src {src} dst {dst} proto {proto} spi {spi:#x} {args}")
        want[(dst, spi)] = (name, proto, ij)
    t.ip_batch(a, lines)

    snaps = t.xc(a, "export", {}, dump=True)
    sas = [r["sa"][0] for r in snaps]
    t.eq("export dump of A returns every SA", len(SHAPES), len(sas))
    by_key = {}
    for sa in sas:
        dst = ksft.xcnl.socket.inet_ntop(sa["family"], bytes.fromhex(sa["daddr"]))
        by_key[(dst, sa["spi"])] = sa
    for key, (name, proto, ij) in want.items():
        sa = by_key.get(key)
        if not t.ok(sa, f"{name}: exported"):
            continue
        t.xc(b, "import", {"sa": [sa], "out-jump": 1000, "in-jump": ij}, quiet=True)

    sa_a = ksft.xfrm_states(t.run(a, "ip -s xfrm state", quiet=True))
    sa_b = ksft.xfrm_states(t.run(b, "ip -s xfrm state", quiet=True))
    back = {}
    for r in t.xc(b, "export", {}, dump=True, quiet=True):
        sa = r["sa"][0]
        back[(ksft.xcnl.socket.inet_ntop(sa["family"], bytes.fromhex(sa["daddr"])), sa["spi"])] = sa
    for key, (name, proto, ij) in want.items():
        if key not in sa_a or not t.ok(key in sa_b, f"{name}: present in B"):
            continue
        t.eq(f"{name}: B shows the same SA as A", ksft.xfrm_shape(sa_a[key]), ksft.xfrm_shape(sa_b[key]))
        if proto != "comp":
            (ao, ai), (bo, bi) = ksft.xfrm_counters(sa_a[key]), ksft.xfrm_counters(sa_b[key])
            t.eq(f"{name}: oseq moved by exactly the out-jump", ao + 1000, bo)
            t.eq(f"{name}: seq moved by exactly the in-jump", ai + ij, bi)
        t.eq(f"{name}: B's IV salt is A's", salt_of(by_key[key]), salt_of(back.get(key, {})))
    # IPcomp brings its IPIP helper state along on both sides.
    t.eq("same number of states (IPcomp helpers included)", len(sa_a), len(sa_b))

    # SA direction, on kernels that have it: set by import in A, carried to
    # B; jumps apply only to the counters of the SA's direction.
    feats = t.xc(a, "get-info", {}, quiet=True)["features"]
    base = by_key[("192.0.2.101", 0x1001)]
    zero_in = {"window": 0, "seq": 0, "seq-hi": 0, "bitmap": "00000000"}
    sa_out = dict(base, spi=0x998, dir=2, replay=dict(base["replay"], **zero_in))
    sa_in = dict(base, spi=0x999, dir=1, replay=dict(base["replay"], oseq=0, **{"oseq-hi": 0}))
    ids = {spi: {"family": 2, "daddr": base["daddr"], "spi": spi, "proto": 50} for spi in (0x998, 0x999)}
    if not feats & 2:
        # a rolling upgrade back to a kernel before 6.10: SAs a newer one
        # gave a direction come without it (nothing else differs there)
        t.xc(a, "import", {"sa": [sa_out, sa_in], "flags": "live-snapshot"})
        exp = {spi: t.xc(a, "export", {"sa-id": i})["sa"][0] for spi, i in ids.items()}
        t.eq("no SA directions on this kernel: SAs that had one are imported without",
             (None, None), (exp[0x998].get("dir"), exp[0x999].get("dir")))
        t.eq("their counters as they came", (base["replay"]["oseq"], base["replay"]["seq"]),
             (exp[0x998]["replay"]["oseq"], exp[0x999]["replay"]["seq"]))
        return
    # made-up snapshots of live SAs, imported with no out-jump on purpose
    t.xc(a, "import", {"sa": [sa_out, sa_in], "flags": "live-snapshot"})
    exp = {spi: t.xc(a, "export", {"sa-id": i})["sa"][0] for spi, i in ids.items()}
    t.eq("dir out and dir in survive import in A", (2, 1), (exp[0x998].get("dir"), exp[0x999].get("dir")))
    t.xc(b, "import", {"sa": list(exp.values()), "out-jump": 1000, "in-jump": 5})
    got = {spi: t.xc(b, "export", {"sa-id": i})["sa"][0] for spi, i in ids.items()}
    t.eq("directions carried to B", (2, 1), (got[0x998].get("dir"), got[0x999].get("dir")))
    r_out, r_in = got[0x998]["replay"], got[0x999]["replay"]
    t.eq("output SA: out-jump applied, input counter left at 0",
         (exp[0x998]["replay"]["oseq"] + 1000, 0), (r_out["oseq"], r_out["seq"]))
    t.eq("input SA: in-jump applied, output counter left at 0",
         (0, exp[0x999]["replay"]["seq"] + 5), (r_in["oseq"], r_in["seq"]))
    t.refused(b, "import", {"sa": [dict(sa_out, spi=0x997, replay=base["replay"])],
                            "flags": "live-snapshot"}, "EINVAL",
              "an output SA has no replay window", "an output SA with a replay window")


ksft.main(test)
