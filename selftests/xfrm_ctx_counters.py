#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Sequence counters across a hand-over, as `ip -s xfrm state` shows them.

  - ESN near 2^32: the out-jump carries into oseq-hi, the in-jump into
    seq-hi, and the in-jump marks the whole window as seen;
  - without ESN a jump past 2^32 - 1 is refused ("rekey needed"), and so
    is one past 2^64 - 1 with ESN;
  - update (counters only) onto an SA that exists already, as strongSwan's
    HA plugin leaves them on the standby: the counters and the IV salt of
    the snapshot, plus the jumps; an older snapshot never moves them back;
    an SA with other keys is refused.

    [ A: the active gateway's SAs ] --export--> [ B: standby, same keys ]
"""
import copy

import ksft

K20 = "0x00112233445566778899aabbccddeeff01020304"
GCM = f"aead rfc4106(gcm(aes)) {K20} 128"


def state(t, ns, spi, dst="10.0.0.2"):
    return ksft.xfrm_states(t.run(ns, "ip -s xfrm state", quiet=True)).get((dst, spi), "")


def test(t):
    a, b, c = t.setup_ns("A", "B", "C")
    t.ip_batch(a, [
        f"xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x100 mode tunnel reqid 1 "
        f"replay-window 128 flag esn replay-seq 0xfffffff0 replay-oseq 0xfffffff0 {GCM}",
        f"xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x101 mode tunnel reqid 2 "
        f"replay-window 32 replay-seq 0xfffffff0 replay-oseq 0xfffffff0 {GCM}",
        f"xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x102 mode tunnel reqid 3 "
        f"replay-window 64 flag esn replay-oseq-hi 0xffffffff replay-oseq 0xffffff00 {GCM}",
    ])
    ids = {spi: {"family": 2, "daddr": "0a000002", "spi": spi, "proto": 50}
           for spi in (0x100, 0x101, 0x102)}
    snaps = {spi: t.xc(a, "export", {"sa-id": i})["sa"][0] for spi, i in ids.items()}

    # ESN near 2^32.
    t.xc(b, "import", {"sa": [snaps[0x100]], "out-jump": 0x100, "in-jump": 0x20})
    blk = state(t, b, 0x100)
    t.eq("out-jump carried into oseq-hi", ((1 << 32) | 0xF0), ksft.xfrm_counters(blk)[0])
    t.eq("in-jump carried into seq-hi", ((1 << 32) | 0x10), ksft.xfrm_counters(blk)[1])
    t.ok("ffffffff ffffffff ffffffff ffffffff" in blk, "the in-jump marked the whole window seen")

    # No room left.
    t.refused(c, "import", {"sa": [snaps[0x101]], "out-jump": 0x100}, "ERANGE",
              "sequence space exhausted, rekey needed", "without ESN, a jump past 2^32-1")
    t.refused(c, "import", {"sa": [snaps[0x101]], "in-jump": 0x100, "flags": "live-snapshot"}, "ERANGE",
              "sequence space exhausted", "without ESN, an in-jump past 2^32-1")
    t.refused(c, "import", {"sa": [snaps[0x102]], "out-jump": 0x200}, "ERANGE",
              "sequence space exhausted", "with ESN, a jump past 2^64-1")
    t.eq("nothing was imported by the refused requests", "",
         t.run(c, "ip xfrm state", quiet=True).strip())
    t.xc(c, "import", {"sa": [snaps[0x101]], "out-jump": 0xF}, quiet=True)
    t.eq("a jump to exactly 2^32-1 is allowed", 0xFFFFFFFF,
         ksft.xfrm_counters(state(t, c, 0x101))[0])

    # Update: the standby holds the same SA with fresh counters and salt.
    t.ip_batch(b, [f"xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x200 mode tunnel "
                   f"reqid 9 replay-window 128 flag esn {GCM}"])
    t.ip_batch(a, [f"xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x200 mode tunnel "
                   f"reqid 9 replay-window 128 flag esn replay-seq 0x500 replay-oseq 0x700 {GCM}"])
    id200 = {"family": 2, "daddr": "0a000002", "spi": 0x200, "proto": 50}
    snap = t.xc(a, "export", {"sa-id": id200})["sa"][0]
    old_salt = t.xc(b, "export", {"sa-id": id200})["sa"][0]["alg-aead"]["iv-salt"]
    t.ok(old_salt != snap["alg-aead"]["iv-salt"], "the standby's transform drew its own salt")
    t.eq("update", 1, t.xc(b, "update", {"sa": [snap], "out-jump": 100})["count"])
    blk = state(t, b, 0x200)
    t.eq("update: oseq is the snapshot's plus the out-jump", 0x700 + 100, ksft.xfrm_counters(blk)[0])
    t.eq("update: seq is the snapshot's", 0x500, ksft.xfrm_counters(blk)[1])
    t.eq("update: the standby now uses the active's IV salt", snap["alg-aead"]["iv-salt"],
         t.xc(b, "export", {"sa-id": id200})["sa"][0]["alg-aead"]["iv-salt"])
    older = copy.deepcopy(snap)
    older["replay"]["oseq"], older["replay"]["seq"] = 0x10, 0x10
    t.xc(b, "update", {"sa": [older]})
    t.eq("an older snapshot moves nothing back", (0x700 + 100, 0x500),
         ksft.xfrm_counters(state(t, b, 0x200)))
    other = copy.deepcopy(snap)
    other["alg-aead"]["key"] = "ff" * 20
    before = state(t, b, 0x200)
    t.refused(b, "update", {"sa": [other]}, "EINVAL", "keys differ",
              "update onto an SA with other keys")
    t.refused(b, "update", {"sa": [dict(snap, spi=0x999)]}, "ESRCH", "no SA spi 0x00000999",
              "update of an SA that does not exist")
    t.eq("the refused updates changed nothing", before, state(t, b, 0x200))


ksft.main(test)
