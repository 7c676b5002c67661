# SPDX-License-Identifier: GPL-2.0
"""The HA topology of the hand-over tests (the Python twin of topo.sh).

    192.168.1.1/24 (dummy)                 192.168.2.1/24 (dummy, on A and B)
         [ peer ]                         [ gwA ]        [ gwB ]
       10.0.0.1/24                         10.0.0.2       10.0.0.3
            \\_______________ [ lan: br0 ] ____/______________/
                                             VIP 10.0.0.100 on A, later on B

One ESP tunnel (mode tunnel, ESN, window 128) protects 192.168.1.0/24 <->
192.168.2.0/24 between the peer (10.0.0.1) and the VIP. Both gateways carry
the tunnel's policies (an IKE daemon's HA set-up installs them on both);
only A has the SAs.
"""

VIP = "10.0.0.100"
REQID = 1
SPI_OUT = 0x1000A001  # peer -> VIP
SPI_IN = 0x2000B001   # VIP -> peer
KEY_OUT = "0x0123456789abcdef0123456789abcdef01234567"
KEY_IN = "0xfedcba9876543210fedcba9876543210fedcba98"
GCM = "rfc4106(gcm(aes))"
CHACHA = "rfc7539esp(chacha20,poly1305)"
CHACHA_KEY_OUT = "0x" + "11" * 36
CHACHA_KEY_IN = "0x" + "22" * 36


class Topo:
    def __init__(self, t, aead=GCM, window=128, esn=True):
        self.t = t
        self.lan, self.peer, self.gwa, self.gwb = t.setup_ns("lan", "peer", "gwA", "gwB")
        self.aead = aead
        self.keys = (KEY_OUT, KEY_IN) if aead == GCM else (CHACHA_KEY_OUT, CHACHA_KEY_IN)
        self.window = window
        self.esn = esn
        self.macs = {}
        self._links()
        self._tunnel(self.peer, "10.0.0.1", VIP, "192.168.1.0/24", "192.168.2.0/24",
                     SPI_OUT, self.keys[0], SPI_IN, self.keys[1], sas=True)
        for gw in (self.gwa, self.gwb):
            self._tunnel(gw, VIP, "10.0.0.1", "192.168.2.0/24", "192.168.1.0/24",
                         SPI_IN, self.keys[1], SPI_OUT, self.keys[0], sas=gw == self.gwa)

    def _links(self):
        t = self.t
        t.run(None, f"ip -n {self.lan} link add br0 type bridge")
        t.run(None, f"ip -n {self.lan} link set br0 up")
        for i, ns in enumerate((self.peer, self.gwa, self.gwb), 1):
            t.run(None, f"ip link add v{i} netns {ns} type veth peer name p{i} netns {self.lan}", quiet=True)
            t.ip_batch(ns, [
                f"link set v{i} name eth0",
                f"link set eth0 address 02:00:00:00:00:0{i}",
                "link set eth0 up",
                f"addr add 10.0.0.{i}/24 dev eth0",
                "link add inner type dummy",
                "link set inner up",
            ])
            self.macs[ns] = f"02:00:00:00:00:0{i}"
            t.ip_batch(self.lan, [f"link set p{i} master br0", f"link set p{i} up"])
        t.ip_batch(self.peer, ["addr add 192.168.1.1/24 dev inner",
                               f"route add 192.168.2.0/24 via {VIP} src 192.168.1.1"])
        for gw in (self.gwa, self.gwb):
            t.ip_batch(gw, ["addr add 192.168.2.1/24 dev inner",
                            "route add 192.168.1.0/24 via 10.0.0.1 src 192.168.2.1"])
        t.ip_batch(self.gwa, [f"addr add {VIP}/32 dev eth0"])

    def _tunnel(self, ns, local, remote, lnet, rnet, spi_o, key_o, spi_i, key_i, sas):
        common = (f"proto esp mode tunnel reqid {REQID} replay-window {self.window} "
                  f"{'flag esn ' if self.esn else ''}aead {self.aead}")
        lines = []
        if sas:
            lines += [f"xfrm state add src {local} dst {remote} spi {spi_o:#x} {common} {key_o} 128",
                      f"xfrm state add src {remote} dst {local} spi {spi_i:#x} {common} {key_i} 128"]
        tmpl = f"proto esp mode tunnel reqid {REQID}"
        lines += [f"xfrm policy add src {lnet} dst {rnet} dir out tmpl src {local} dst {remote} {tmpl}",
                  f"xfrm policy add src {rnet} dst {lnet} dir in tmpl src {remote} dst {local} {tmpl}",
                  f"xfrm policy add src {rnet} dst {lnet} dir fwd tmpl src {remote} dst {local} {tmpl}"]
        self.t.ip_batch(ns, lines)

    def move_vip(self, to, frm):
        """Move the VIP and announce it with a gratuitous ARP, in-process
        (three `ip` and `arping` runs would take over a second under TCG)."""
        from ksft import log
        log(f"[{frm}] ip addr del {VIP}/32 dev eth0")
        addr_change(frm, "eth0", VIP, add=False)
        log(f"[{to}] ip addr add {VIP}/32 dev eth0; arping -U {VIP}")
        addr_change(to, "eth0", VIP, add=True)
        gratuitous_arp(to, "eth0", VIP, self.macs[to])

    def sa_id(self, spi, daddr):
        import socket
        return {"family": 2, "daddr": socket.inet_aton(daddr).hex(), "spi": spi, "proto": 50}


def addr_change(netns, dev, addr, add):
    """RTM_NEWADDR / RTM_DELADDR of addr/32 on dev, through rtnetlink."""
    import socket
    import struct
    import xcnl
    sk = xcnl.netns_socket(netns, socket.AF_NETLINK, socket.SOCK_RAW, 0)
    sk.bind((0, 0))
    ifindex = _ifindex(netns, dev)
    a = socket.inet_aton(addr)
    attrs = b"".join(struct.pack("=HH", 8, t) + a for t in (1, 2))	# IFA_ADDRESS, IFA_LOCAL
    body = struct.pack("=BBBBI", socket.AF_INET, 32, 0, 0, ifindex) + attrs
    mtype = 20 if add else 21	# RTM_NEWADDR, RTM_DELADDR
    flags = 1 | 4 | (0x400 | 0x200 if add else 0)	# REQUEST|ACK|(CREATE|EXCL)
    sk.send(struct.pack("=IHHII", 16 + len(body), mtype, flags, 1, 0) + body)
    reply = sk.recv(4096)
    err = struct.unpack_from("=i", reply, 16)[0]
    sk.close()
    if err:
        raise OSError(-err, f"address {'add' if add else 'del'} {addr} in {netns}")


def _ifindex(netns, dev):
    import socket
    import xcnl
    s = xcnl.netns_socket(netns, socket.AF_INET, socket.SOCK_DGRAM)
    try:
        import fcntl
        import struct
        ifr = fcntl.ioctl(s.fileno(), 0x8933, struct.pack("16s16x", dev.encode()))	# SIOCGIFINDEX
        return struct.unpack_from("=16sI", ifr)[1]
    finally:
        s.close()


def gratuitous_arp(netns, dev, addr, mac):
    """An unsolicited ARP request for addr from mac, so the LAN learns where it is."""
    import socket
    import struct
    import xcnl
    s = xcnl.netns_socket(netns, socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0x0806))
    hw = bytes.fromhex(mac.replace(":", ""))
    ip = socket.inet_aton(addr)
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, hw, ip, b"\0" * 6, ip)
    s.send(b"\xff" * 6 + hw + struct.pack("!H", 0x0806) + arp)
    s.close()
