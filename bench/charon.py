# SPDX-License-Identifier: GPL-2.0
"""Gap path (c): the tunnel comes back through B by a new IKEv2 negotiation
of strongSwan's charon (Debian 12: 5.9.8), the seeds' baseline.

Topology of topo.py without static SAs: one charon per namespace (peer, A,
B), each in its own mount namespace with a private /run, its own
strongswan.conf and VICI socket (/work/shared/notes/strongswan-in-netns.md).
PSK, ECP-256, AES-GCM-128 with ESN. A catch-all block policy keeps the
inner networks from talking in clear when no SA exists. For each round:
A initiates and traffic flows through A; then at once, in this process:
A's charon is killed and its SAs flushed (XFRM netlink), the VIP moves to
B (rtnetlink, gratuitous ARP), and B's charon is asked over VICI to
initiate. The gap ends with the first datagram through B's new SA. The
peer replaces its old IKE_SA (unique = replace).
"""
import os
import shutil
import socket
import struct
import subprocess
import time

import topo
import xcnl
from common import emit, log, sh

ROUNDS = 3
PSK = "0sdGhpcyBpcyB0aGUgYmVuY2ggUFNLIG9mIHhmcm1jdHg="
CHARON = "/usr/lib/ipsec/charon"


class Unavailable(Exception):
    pass


# --- VICI, the little of it needed: a request with key/values ----------------
def _kv(k, v):
    v = v.encode()
    return bytes([3, len(k)]) + k.encode() + struct.pack("!H", len(v)) + v


def vici(path, cmd, **kv):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    body = bytes([0, len(cmd)]) + cmd.encode() + b"".join(_kv(k, str(v)) for k, v in kv.items())
    s.sendall(struct.pack("!I", len(body)) + body)
    return s


def vici_reply(s):
    """The response's key/values (success, errmsg), skipping log events."""
    def readn(n):
        b = b""
        while len(b) < n:
            c = s.recv(n - len(b))
            if not c:
                raise OSError("VICI connection closed")
            b += c
        return b
    while True:
        n = struct.unpack("!I", readn(4))[0]
        msg = readn(n)
        if msg[0] != 1:	# not CMD_RESPONSE
            continue
        out, off = {}, 1
        while off < len(msg):
            t = msg[off]
            if t == 3:
                kl = msg[off + 1]
                k = msg[off + 2:off + 2 + kl].decode()
                vl = struct.unpack_from("!H", msg, off + 2 + kl)[0]
                out[k] = msg[off + 4 + kl:off + 4 + kl + vl].decode(errors="replace")
                off += 4 + kl + vl
            else:
                break
        s.close()
        return out


# --- daemons -------------------------------------------------------------------
HA_BLOCK = """ha {
			load = yes
			local = 127.0.0.1
			remote = 127.0.0.2
			monitor = no
			resync = no
			segment_count = 1
		}
		kernel-netlink {
			roam_events = no
		}"""


def conf(d, local, remote, lid, rid, lts, rts, ha=False):
    """ha: the ha plugin streams to a local xfrmctxd (bench/tunnel.py)."""
    os.makedirs(d, exist_ok=True)
    with open(f"{d}/strongswan.conf", "w") as f:
        f.write(f"""charon {{
	load_modular = yes
	install_routes = no
	retransmit_tries = 3
	filelog {{
		f {{
			path = {d}/charon.log
			default = 1
			{os.environ.get("BENCH_CHARON_LOG", "")}
			flush_line = yes
		}}
	}}
	plugins {{
		include /etc/strongswan.d/charon/*.conf
		vici {{
			socket = unix://{d}/charon.vici
		}}
		{HA_BLOCK if ha else "ha { load = no }"}
	}}
}}
""")
    with open(f"{d}/swanctl.conf", "w") as f:
        f.write(f"""connections {{
	rw {{
		version = 2
		local_addrs = {local}
		remote_addrs = {remote}
		proposals = aes128gcm16-prfsha256-ecp256
		unique = replace
		local {{
			auth = psk
			id = {lid}
		}}
		remote {{
			auth = psk
			id = {rid}
		}}
		children {{
			net {{
				local_ts = {lts}
				remote_ts = {rts}
				esp_proposals = aes128gcm16-esn
				mode = tunnel
			}}
		}}
	}}
}}
secrets {{
	ike-1 {{
		id-1 = peer.example.org
		id-2 = gw.example.org
		secret = {PSK}
	}}
}}
""")


def start(ns, d):
    env = dict(os.environ, STRONGSWAN_CONF=f"{d}/strongswan.conf")
    p = subprocess.Popen(["ip", "netns", "exec", ns, "unshare", "-m", "sh", "-c",
                          f"mount -t tmpfs none /run && exec {CHARON}"],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    vsock = f"{d}/charon.vici"
    deadline = time.monotonic() + 30
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(vsock)
            s.close()
            break
        except OSError:
            if time.monotonic() > deadline or p.poll() is not None:
                raise RuntimeError(f"charon in {ns} did not start (log: {d}/charon.log)")
            time.sleep(0.1)
    out = subprocess.run(["swanctl", "--load-all", "--noprompt", "--uri", f"unix://{vsock}",
                          "--file", f"{d}/swanctl.conf"], env=env, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"swanctl --load-all in {ns}: {out.stdout[-500:]} {out.stderr[-500:]}")
    return p


def stop(p):
    """SIGKILL: no DELETE reaches the peer. `ip netns exec`, `unshare` and
    `sh -c exec` each exec the next, so p is charon itself."""
    if p and p.poll() is None:
        p.kill()
        p.wait()


def flush_sas(ns):
    """XFRM_MSG_FLUSHSA for every protocol, in-process."""
    sk = xcnl.netns_socket(ns, socket.AF_NETLINK, socket.SOCK_RAW, 6)	# NETLINK_XFRM
    sk.bind((0, 0))
    body = struct.pack("=B3x", 255)	# IPSEC_PROTO_ANY
    sk.send(struct.pack("=IHHII", 16 + len(body), 28, 1 | 4, 1, 0) + body)	# FLUSHSA, REQUEST|ACK
    sk.recv(4096)
    sk.close()


def run(t, Stream, analyse, move_vip):
    if not os.access(CHARON, os.X_OK) or not shutil.which("swanctl"):
        raise Unavailable("strongSwan's charon or swanctl is not installed (scripts/setup-deps)")
    tp = topo.Topo(t)
    for ns in (tp.peer, tp.gwa, tp.gwb):
        sh(f"ip -n {ns} xfrm state flush; ip -n {ns} xfrm policy flush")
        sh(f"ip -n {ns} xfrm policy add src 192.168.0.0/16 dst 192.168.0.0/16 dir out action block "
           f"priority 4000000000")
    base = "/tmp/bench-charon"
    dirs = {ns: f"{base}/{name}" for ns, name in ((tp.peer, "peer"), (tp.gwa, "gwA"), (tp.gwb, "gwB"))}
    conf(dirs[tp.peer], "10.0.0.1", topo.VIP, "peer.example.org", "gw.example.org",
         "192.168.1.0/24", "192.168.2.0/24")
    for gw in (tp.gwa, tp.gwb):
        conf(dirs[gw], topo.VIP, "10.0.0.1", "gw.example.org", "peer.example.org",
             "192.168.2.0/24", "192.168.1.0/24")
    st = Stream(tp.peer, [tp.gwa, tp.gwb])
    handovers, procs = [], {}
    try:
        for k in range(ROUNDS):
            for ns in (tp.peer, tp.gwa, tp.gwb):
                procs[ns] = start(ns, dirs[ns])
            r = vici_reply(vici(f"{dirs[tp.gwa]}/charon.vici", "initiate", child="net", timeout=30000))
            if r.get("success") != "yes":
                raise RuntimeError(f"A could not initiate: {r.get('errmsg')}")
            time.sleep(1.5)	# traffic through A
            t0 = time.time()
            stop(procs[tp.gwa])
            flush_sas(tp.gwa)
            move_vip(tp, tp.gwb, tp.gwa)
            v1 = time.time()
            tries = 0
            while True:
                tries += 1
                r = vici_reply(vici(f"{dirs[tp.gwb]}/charon.vici", "initiate", child="net", timeout=30000))
                if r.get("success") == "yes" or tries == 5:
                    break
                time.sleep(0.05)
            t1 = time.time()
            if r.get("success") != "yes":
                raise RuntimeError(f"B could not initiate: {r.get('errmsg')}")
            handovers.append((tp.gwa, tp.gwb, t0, t1 + 5,
                              {"stop A + vip": (v1 - t0) * 1e3, "ike": (t1 - v1) * 1e3, "initiations": tries}))
            time.sleep(1.0)	# traffic through B
            for ns in (tp.peer, tp.gwa, tp.gwb):
                stop(procs.pop(ns))
                sh(f"ip -n {ns} xfrm state flush")
                sh(f"ip -n {ns} xfrm policy flush; ip -n {ns} xfrm policy add src 192.168.0.0/16 "
                   f"dst 192.168.0.0/16 dir out action block priority 4000000000")
            tp.move_vip(tp.gwa, tp.gwb)
            time.sleep(0.5)
    finally:
        for p in procs.values():
            stop(p)
        sent, arrivals = st.stop()
    # Only the gap of each round: before = A's arrivals of that round.
    rows = analyse("charon", handovers, arrivals)
    for ns, d in dirs.items():
        if os.path.exists(f"{d}/charon.log"):
            tail = open(f"{d}/charon.log").read().splitlines()[-3:]
            log(f"{os.path.basename(d)} charon.log: " + " | ".join(tail))
    emit("charon-version", version=sh("dpkg-query -W -f='${Version}' strongswan-charon", check=False))
    return rows
