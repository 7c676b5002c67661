#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Bad input, one case each: every request below must be refused with its
own errno and an extack message naming the problem, and afterwards every SA
of both namespaces must be byte-identical to before (`ip -s xfrm state`).

    [ A: SAs 0x100 (GCM, ESN), 0x200 (CBC) ]      [ B: SA 0x300 (GCM),
                                                      40 SAs of reqid 9 ]
    [ C: SA 0x400 offloaded to a netdevsim device (built from the kernel's
         own source by scripts/build-testmods; Debian does not ship it) ]
"""
import copy
import json
import subprocess

import ksft

K20 = "0x00112233445566778899aabbccddeeff01020304"
GCM = f"aead rfc4106(gcm(aes)) {K20} 128"


def dump(t, ns):
    """`ip -s xfrm state`, without the use time our own requests never set."""
    return t.run(ns, "ip -s xfrm state", quiet=True)


def test(t):
    a, b = t.setup_ns("A", "B")
    t.ip_batch(a, [
        f"xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x100 mode tunnel reqid 1 "
        f"replay-window 128 flag esn replay-oseq 0x50 {GCM}",
        "xfrm state add src 10.0.0.2 dst 10.0.0.1 proto esp spi 0x200 mode tunnel reqid 1 "
        "enc cbc(aes) 0x00112233445566778899aabbccddeeff auth-trunc hmac(sha256) "
        "0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff 128",
    ])
    t.ip_batch(b, [f"xfrm state add src 10.0.0.5 dst 10.0.0.6 proto esp spi 0x300 mode tunnel {GCM}"])
    # reqid 9: 40 SAs of about 1 KiB of snapshot each, more than one export
    # reply may carry (32 KiB) though fewer than its 64 SAs
    t.ip_batch(b, [f"xfrm state add src 10.0.9.1 dst 10.0.9.2 proto esp spi {0x9000 + i} mode tunnel "
                   f"reqid 9 replay-window 128 flag esn {GCM}" for i in range(40)])
    id100 = {"family": 2, "daddr": "0a000002", "spi": 0x100, "proto": 50}
    snap = t.xc(a, "export", {"sa-id": id100})["sa"][0]
    before = (dump(t, a), dump(t, b))

    def sa(**changes):
        s = copy.deepcopy(snap)
        s["spi"] = 0x900
        for path, value in changes.items():
            node = s
            keys = path.split("__")
            for k in keys[:-1]:
                node = node[k]
            if value is None:
                node.pop(keys[-1], None)
            else:
                node[keys[-1]] = value
        # snap was taken live: live-snapshot, so that each case meets its
        # own refusal rather than the one for a live snapshot
        return {"sa": [s], "flags": "live-snapshot"}

    cases = [
        # (namespace, command, request, errno, message, what)
        (a, "freeze", {}, "EINVAL", "name an SA (sa-id) or a reqid", "no SA named"),
        (a, "freeze", {"sa-id": id100, "reqid": 1}, "EINVAL", "not both", "SA and reqid both"),
        (a, "freeze", {"sa-id": {k: v for k, v in id100.items() if k != "spi"}},
         "EINVAL", "sa-id needs spi", "sa-id without spi"),
        (a, "freeze", {"sa-id": dict(id100, daddr="0a00000202")}, "EINVAL", "daddr is 5 bytes",
         "oversized address"),
        (a, "freeze", {"sa-id": dict(id100, family=99)}, "EAFNOSUPPORT", "unknown address family 99",
         "unknown family"),
        (a, "freeze", {"sa-id": dict(id100, proto=17)}, "EPROTONOSUPPORT", "not esp, ah or comp",
         "not an IPsec protocol"),
        (a, "freeze", {"sa-id": id100, "lease": 0}, "ERANGE", "", "lease below 1 s"),
        (a, "freeze", {"sa-id": id100, "lease": 100000}, "ERANGE", "", "lease above an hour"),
        (a, "freeze", {"sa-id": id100, "flags": "staged"}, "EINVAL", "do not apply",
         "a flag of another command"),
        (a, "freeze", {"sa-id": id100, "raw:99": "00000000"}, "EINVAL", "", "unknown attribute"),
        (a, "freeze", {"sa-id": dict(id100, spi=0xdead)}, "ESRCH", "no SA spi 0x0000dead",
         "unknown SA"),
        (b, "freeze", {"sa-id": id100}, "ESRCH", "no SA spi 0x00000100",
         "an SA of another namespace"),
        (a, "thaw", {"sa-id": id100}, "ENOENT", "is not frozen", "thaw of an SA not frozen"),
        (b, "export", {"reqid": 9, "flags": "freeze"}, "E2BIG", "40 SAs (",
         "an export reply over 32 KiB (a dump is needed)"),
        (a, "import", {}, "EINVAL", "no SA to import", "import of nothing"),
        (b, "import", sa(**{"alg-aead__key": "00" * 600}), "EINVAL", "key of 600 bytes; at most 512",
         "oversized key"),
        (b, "import", sa(replay__bitmap="00" * 8), "EINVAL", "bitmap of 2 words does not fit window 128",
         "truncated bitmap"),
        (b, "import", sa(replay__bitmap="00" * 6), "EINVAL", "not whole 32-bit words",
         "bitmap of odd length"),
        (b, "import", sa(**{"alg-aead__name": "rfc4106(gcm(nope))"}), "ENOENT",
         "unknown AEAD algorithm 'rfc4106(gcm(nope))'", "unknown algorithm"),
        (b, "import", sa(**{"alg-aead__key": "00" * 17}), "EINVAL", "rfc4106(gcm(aes)) refused its key",
         "key length that does not fit the algorithm"),
        (b, "import", sa(**{"alg-aead__iv-salt": "00" * 5}), "EINVAL", "IV salt of 5 bytes",
         "IV salt of the wrong size"),
        (b, "import", sa(**{"alg-aead__geniv": "echainiv"}), "EINVAL", "IV generator echainiv",
         "another IV generator"),
        (b, "import", sa(mode=7), "EINVAL", "mode 7 is not transport, tunnel or beet", "unknown mode"),
        (b, "import", sa(flags=0), "EINVAL", "goes with flag esn", "ESN replay state without ESN"),
        (b, "import", sa(spi=0x300, daddr="0a000006"), "EEXIST", "SPI 0x00000300 esp exists",
         "SPI collision"),
        (b, "import", sa(**{"alg-comp": {"name": "deflate"}}), "EINVAL", "esp takes no compression",
         "ESP with a compression algorithm"),
        (b, "import", sa(daddr="0a0000"), "EINVAL", "daddr is 3 bytes", "short address"),
        (b, "import", sa(selector=None), "EINVAL", "lacks attribute", "no selector"),
        (b, "import", sa(replay__window=8192), "ERANGE", "", "window above the maximum"),
    ]
    # Both SAs good but the second collides: the first must not stay behind.
    both = sa()
    both["sa"].append(copy.deepcopy(both["sa"][0]) | {"spi": 0x300, "daddr": "0a000006"})
    cases.append((b, "import", both, "EEXIST", "SPI 0x00000300", "all or nothing"))
    # Out of sequence space without ESN.
    plain = t.xc(a, "export", {"sa-id": {"family": 2, "daddr": "0a000001", "spi": 0x200, "proto": 50}})
    p = copy.deepcopy(plain["sa"][0])
    p["spi"] = 0x901
    p["replay"]["oseq"] = 0xFFFFFFF0
    cases.append((b, "import", {"sa": [p], "out-jump": 0x100}, "ERANGE",
                  "sequence space exhausted, rekey needed", "out-jump past 2^32 without ESN"))

    for ns, cmd, req, eno, text, what in cases:
        t.refused(ns, cmd, req, eno, text, what)

    # Malformed netlink: an attribute that runs past the end of the message.
    r = subprocess.run(["ip", "netns", "exec", a, "python3", f"{ksft.xcnl.TOP}/selftests/xcnl.py",
                        "raw", "freeze", "ff000500"], capture_output=True, text=True)
    t.ok(r.returncode == 1 and "error: EINVAL" in r.stderr,
         "an attribute running past the message is refused", r.stderr.strip())

    # A user namespace without CAP_NET_ADMIN over the network namespace.
    r = subprocess.run(["ip", "netns", "exec", a, "unshare", "--user", "--map-root-user",
                        "python3", f"{ksft.xcnl.TOP}/selftests/xcnl.py", "do", "freeze",
                        json.dumps({"sa-id": id100})], capture_output=True, text=True)
    t.ok(r.returncode == 1 and "error: EPERM" in r.stderr,
         "root of a user namespace that does not own the netns is refused", r.stderr.strip())
    # ... while one that owns its network namespace may use its own.
    r = subprocess.run(["unshare", "--user", "--map-root-user", "--net", "python3",
                        f"{ksft.xcnl.TOP}/selftests/xcnl.py", "do", "get-info", "{}"],
                       capture_output=True, text=True)
    t.ok(r.returncode == 0 and '"version": 1' in r.stdout,
         "root of a user namespace may use the family in a netns it owns", r.stderr.strip())

    # An SA offloaded to hardware: its keys and counters live in the NIC.
    c, = t.setup_ns("C")
    t.run(None, "modprobe netdevsim")
    t.on_exit(lambda: subprocess.run(["rmmod", "netdevsim"], capture_output=True))
    with open("/sys/bus/netdevsim/new_device", "w") as f:
        f.write("77 1\n")
    t.on_exit(lambda: open("/sys/bus/netdevsim/del_device", "w").write("77\n"))
    dev = ksft.wait_for_path("/sys/bus/netdevsim/devices/netdevsim77/net", 10)
    ifname = next(iter(__import__("os").listdir(dev)))
    t.run(None, f"ip link set {ifname} netns {c}")
    t.ip_batch(c, [f"link set {ifname} up", f"addr add 10.7.0.1/24 dev {ifname}",
                   f"xfrm state add src 10.7.0.1 dst 10.7.0.2 proto esp spi 0x400 mode transport "
                   f"{GCM} offload dev {ifname} dir out"])
    shown = t.run(c, "ip xfrm state", quiet=True)
    t.ok("crypto offload parameters" in shown or "offload" in shown, "the SA is offloaded", shown)
    before_c = dump(t, c)
    id400 = {"family": 2, "daddr": "0a070002", "spi": 0x400, "proto": 50}
    t.refused(c, "freeze", {"sa-id": id400}, "EOPNOTSUPP", "hardware-offloaded",
              "freeze of an offloaded SA")
    t.refused(c, "export", {"sa-id": id400, "flags": "freeze"}, "EOPNOTSUPP",
              "hardware-offloaded", "export of an offloaded SA")
    t.eq("the offloaded SA is byte-identical", before_c, dump(t, c))
    t.run(c, "ip xfrm state flush")

    t.eq("A's SAs are byte-identical after every refusal", before[0], dump(t, a))
    t.eq("B's SAs are byte-identical after every refusal", before[1], dump(t, b))
    t.eq("nothing was left frozen", [], t.xc(a, "list-frozen", {}, dump=True))


ksft.main(test)
