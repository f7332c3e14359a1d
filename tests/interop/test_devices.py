"""Device-layer smoke tests against Linux: tap, tun, packet and rawip devices
open, move frames both ways, and clean up after themselves (interfaces,
promiscuous mode, iptables rules), on close and on SIGTERM.

They drive build/tests/interop/hk_devtool (one device, line commands; no
stack) inside network namespaces named hk-dev-* that each test creates and
deletes. Addresses come from 192.0.2.0/24 only. Run as root:

    /usr/bin/python3 -m pytest tests/interop/test_devices.py
"""
import itertools
import os
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest

try:
    from scapy.all import ARP, ICMP, IP, TCP, UDP, Ether, raw  # noqa: F401
except ImportError:  # pragma: no cover
    pytest.skip("scapy is missing (apt-get install python3-scapy)", allow_module_level=True)

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("HOKUTO_BUILD", REPO / "build"))
DEVTOOL = BUILD / "tests" / "interop" / "hk_devtool"

KERNEL_IP = "192.0.2.1"
HOKUTO_IP = "192.0.2.2"
HOKUTO_MAC = "00:00:5e:00:53:02"

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (namespaces, tun, raw sockets)"),
    pytest.mark.skipif(not DEVTOOL.exists(), reason="build hk_devtool first (ninja -C build)"),
]

_count = itertools.count(1)


def run(cmd, check=True):
    return subprocess.run(cmd, check=check, text=True, timeout=30,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def short_id():
    return "%04d%d" % (os.getpid() % 10000, next(_count) % 10)


class Netns:
    def __init__(self, name):
        self.name = name
        run(["ip", "netns", "add", name])
        self.ip("link", "set", "lo", "up")
        self.sh(["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                 "net.ipv6.conf.default.disable_ipv6=1"], check=False)

    def ip(self, *args, check=True):
        return run(["ip", "-n", self.name] + list(args), check=check)

    def sh(self, cmd, check=True):
        return run(["ip", "netns", "exec", self.name] + list(cmd), check=check)

    def has_link(self, ifname):
        return self.ip("link", "show", ifname, check=False).returncode == 0

    def delete(self):
        run(["ip", "netns", "del", self.name], check=False)


@pytest.fixture
def ns():
    made = []

    def make():
        n = Netns("hk-dev-" + short_id())
        made.append(n)
        return n

    yield make
    for n in made:
        n.delete()


class DevTool:
    """hk_devtool running inside a namespace; one reply line per command."""

    def __init__(self, netns, spec, *args):
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", netns.name, str(DEVTOOL)] + list(args) + [spec],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, bufsize=1)
        self.hello = self.line(10)
        self.info = {}
        if self.hello.startswith("ok "):
            self.info = dict(kv.split("=", 1) for kv in self.hello[3:].split())

    def line(self, timeout=5):
        r, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not r:
            raise AssertionError("hk_devtool said nothing for %ss" % timeout)
        return self.proc.stdout.readline().strip()

    def cmd(self, text, timeout=5):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        return self.line(timeout)

    def send(self, frame):
        assert self.cmd("send " + raw(frame).hex()) == "ok"

    def recv(self, ms=2000):
        reply = self.cmd("recv %d" % ms, timeout=ms / 1000 + 5)
        if reply == "none":
            return None
        assert reply.startswith("frame "), reply
        return bytes.fromhex(reply[6:])

    def recv_until(self, pred, parse, ms=3000):
        """Frames until pred(parsed frame) holds; returns it or None."""
        deadline = time.monotonic() + ms / 1000
        while time.monotonic() < deadline:
            f = self.recv(int(max(1, (deadline - time.monotonic()) * 1000)))
            if f is None:
                return None
            p = parse(f)
            if pred(p):
                return p
        return None

    def close(self):
        if self.proc.poll() is None:
            assert self.cmd("close") == "closed"
            self.proc.wait(timeout=10)
        return self.proc.returncode

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=10)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def tools():
    started = []

    def start(netns, spec, *args):
        t = DevTool(netns, spec, *args)
        started.append(t)
        return t

    yield start
    for t in started:
        t.kill()


def checksums_ok(pkt):
    """True when the IP and TCP/UDP/ICMP checksums in pkt are what scapy
    computes afresh."""
    wire = raw(pkt[IP])
    again = IP(wire)
    del again.chksum
    for layer in (TCP, UDP, ICMP):
        if layer in again:
            del again[layer].chksum
    return raw(IP(raw(again))) == wire


# ---------------------------------------------------------------- tap / tun


def test_tap_is_created_carries_frames_and_vanishes(ns, tools):
    n = ns()
    name = "hkd" + short_id()
    t = tools(n, "tap:" + name, "--kernel-addr", KERNEL_IP + "/24", "--mac", HOKUTO_MAC)
    assert t.hello.startswith("ok "), t.hello
    assert t.info["name"] == "tap:" + name and t.info["link"] == "eth"
    assert t.info["mtu"] == "1500" and t.info["mac"] == HOKUTO_MAC
    show = n.ip("-4", "addr", "show", name).stdout
    assert "UP" in show and KERNEL_IP + "/24" in show
    kmac = n.ip("link", "show", name).stdout.split("link/ether ")[1].split()[0]
    assert kmac != HOKUTO_MAC

    # rx: the kernel asks for hokuto's address
    n.sh(["ping", "-c", "1", "-W", "1", HOKUTO_IP], check=False)
    arp = t.recv_until(lambda p: ARP in p and p[ARP].pdst == HOKUTO_IP, Ether)
    assert arp is not None and arp[ARP].op == 1

    # tx: answer it, then ask the kernel for an echo
    t.send(Ether(src=HOKUTO_MAC, dst=kmac) / ARP(op=2, hwsrc=HOKUTO_MAC, psrc=HOKUTO_IP,
                                                  hwdst=kmac, pdst=KERNEL_IP))
    t.send(Ether(src=HOKUTO_MAC, dst=kmac) / IP(src=HOKUTO_IP, dst=KERNEL_IP) /
           ICMP(id=0x4b48, seq=7) / b"hokuto-tap")
    reply = t.recv_until(lambda p: ICMP in p and p[ICMP].type == 0, Ether)
    assert reply is not None and reply[ICMP].id == 0x4b48 and reply[ICMP].seq == 7
    assert bytes(reply[ICMP].payload) == b"hokuto-tap"

    assert t.close() == 0
    assert not n.has_link(name), "the tap hokuto created must go away with it"


def test_tap_that_existed_is_left_in_place(ns, tools):
    n = ns()
    name = "hkd" + short_id()
    n.ip("tuntap", "add", "dev", name, "mode", "tap")
    t = tools(n, "tap:" + name, "--mtu", "1400")
    assert t.hello.startswith("ok "), t.hello
    assert t.info["mtu"] == "1400"
    assert "mtu 1400" in n.ip("link", "show", name).stdout
    # no address was asked for: none given
    assert "inet " not in n.ip("-4", "addr", "show", name).stdout
    assert t.close() == 0
    assert n.has_link(name), "an existing tap must survive hokuto"


def test_tap_removed_on_sigterm(ns, tools):
    n = ns()
    name = "hkd" + short_id()
    t = tools(n, "tap:" + name)
    assert t.hello.startswith("ok ")
    assert n.has_link(name)
    assert t.stop(signal.SIGTERM) == 0
    assert not n.has_link(name)


def test_tun_carries_ipv4_and_vanishes(ns, tools):
    n = ns()
    name = "hkd" + short_id()
    t = tools(n, "tun:" + name, "--kernel-addr", KERNEL_IP + "/24")
    assert t.hello.startswith("ok "), t.hello
    assert t.info["link"] == "ipv4" and t.info["kind"] == "tun"
    t.send(IP(src=HOKUTO_IP, dst=KERNEL_IP) / ICMP(id=0x4b49, seq=1) / b"hokuto-tun")
    reply = t.recv_until(lambda p: ICMP in p and p[ICMP].type == 0, IP)
    assert reply is not None and reply[ICMP].id == 0x4b49
    assert reply[IP].dst == HOKUTO_IP and checksums_ok(reply)
    assert t.close() == 0
    assert not n.has_link(name)


def test_tun_name_taken_by_a_tap_is_refused(ns, tools):
    n = ns()
    name = "hkd" + short_id()
    n.ip("tuntap", "add", "dev", name, "mode", "tap")
    t = tools(n, "tun:" + name)
    assert t.hello.startswith("error: "), t.hello
    assert "is not a tun device" in t.hello
    assert t.proc.wait(timeout=5) == 2
    assert n.has_link(name)


# ---------------------------------------------------------------- packet


def veth_lab(ns):
    """hokuto's namespace with veth end hkdv<id>a, the kernel peer's
    namespace with end hkdv<id>b at 192.0.2.1/24."""
    h, k = ns(), ns()
    i = short_id()
    a, b = "hkdv%sa" % i, "hkdv%sb" % i
    h.ip("link", "add", a, "type", "veth", "peer", "name", b, "netns", k.name)
    h.ip("link", "set", a, "up")
    k.ip("addr", "add", KERNEL_IP + "/24", "dev", b)
    k.ip("link", "set", b, "up")
    kmac = k.ip("link", "show", b).stdout.split("link/ether ")[1].split()[0]
    return h, k, a, b, kmac


def promiscuity(netns, ifname):
    out = netns.ip("-d", "link", "show", ifname).stdout
    return int(out.split("promiscuity ")[1].split()[0])


def test_packet_on_veth(ns, tools):
    h, k, a, b, kmac = veth_lab(ns)
    h.ip("link", "set", a, "mtu", "1400")
    k.ip("link", "set", b, "mtu", "1400")
    t = tools(h, "packet:" + a, "--mac", HOKUTO_MAC)
    assert t.hello.startswith("ok "), t.hello
    assert t.info["mtu"] == "1400" and t.info["link"] == "eth"
    assert promiscuity(h, a) == 1

    t.send(Ether(src=HOKUTO_MAC, dst=kmac) / IP(src=HOKUTO_IP, dst=KERNEL_IP) /
           ICMP(id=0x4b50, seq=3) / b"hokuto-packet")
    # the kernel resolves hokuto first: answer its ARP request
    req = t.recv_until(lambda p: ARP in p and p[ARP].op == 1, Ether)
    assert req is not None and req[ARP].pdst == HOKUTO_IP
    t.send(Ether(src=HOKUTO_MAC, dst=kmac) / ARP(op=2, hwsrc=HOKUTO_MAC, psrc=HOKUTO_IP,
                                                  hwdst=kmac, pdst=KERNEL_IP))
    reply = t.recv_until(lambda p: ICMP in p and p[ICMP].type == 0, Ether)
    assert reply is not None and reply[ICMP].id == 0x4b50

    assert t.close() == 0
    assert promiscuity(h, a) == 0


def test_packet_completes_offloaded_checksums(ns, tools):
    """veth hands packet sockets UDP/TCP with the checksum left for
    hardware; the device must complete it."""
    h, k, a, b, kmac = veth_lab(ns)
    k.ip("neigh", "add", HOKUTO_IP, "lladdr", HOKUTO_MAC, "dev", b)
    t = tools(h, "packet:" + a, "--mac", HOKUTO_MAC)
    assert t.hello.startswith("ok "), t.hello
    k.sh(["/usr/bin/python3", "-c",
          "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
          "s.sendto(b'x'*301, ('%s', 9999))" % HOKUTO_IP])
    got = t.recv_until(lambda p: UDP in p and p[UDP].dport == 9999, Ether)
    assert got is not None
    assert got[UDP].chksum != 0 and checksums_ok(got), "UDP checksum must be complete"


def start_bulk_server(netns, addr, port, nbytes):
    """A Linux TCP server in netns that sends nbytes to whoever connects."""
    return subprocess.Popen(
        ["ip", "netns", "exec", netns.name, "/usr/bin/python3", "-c",
         "import socket,time; l=socket.socket(); "
         "l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); "
         "l.bind(('%s', %d)); l.listen(1); c,_=l.accept(); "
         "c.sendall(b'z'*%d); time.sleep(5)" % (addr, port, nbytes)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def bulk_receive(t, head, parse, sport, dport, nbytes, max_frame):
    """Plays a TCP receiver through the device: handshake, then ACK every
    in-order segment. Asserts every frame fits max_frame with valid
    checksums; returns how many data segments carried the nbytes."""
    t.send(head / TCP(sport=sport, dport=dport, flags="S", seq=1000, window=65535,
                      options=[("MSS", 1460), ("WScale", 7)]))
    synack = t.recv_until(lambda p: TCP in p and p[TCP].sport == dport and p[TCP].flags.S
                          and p[TCP].flags.A, parse)
    assert synack is not None, "no SYN-ACK"
    una = synack[TCP].seq + 1
    t.send(head / TCP(sport=sport, dport=dport, flags="A", seq=1001, ack=una, window=65535))
    expect, segments = una, 0
    deadline = time.monotonic() + 10
    while expect < una + nbytes and time.monotonic() < deadline:
        f = t.recv(2000)
        if f is None:
            break
        p = parse(f)
        if TCP not in p or p[TCP].sport != dport:
            continue
        assert len(f) <= max_frame, "super-segment of %d bytes reached the stack" % len(f)
        assert checksums_ok(p), "bad checksum after split"
        data = bytes(p[TCP].payload)
        if p[TCP].seq == expect and data:
            expect += len(data)
            segments += 1
            t.send(head / TCP(sport=sport, dport=dport, flags="A", seq=1001, ack=expect,
                              window=65535))
    assert expect == una + nbytes, "got %d of %d bytes" % (expect - una, nbytes)
    t.send(head / TCP(sport=sport, dport=dport, flags="R", seq=1001))
    return segments


def test_packet_splits_tso_super_segments(ns, tools):
    """A Linux TCP sender over veth emits TSO super-segments; the device must
    hand the stack MTU-sized segments with valid checksums."""
    h, k, a, b, kmac = veth_lab(ns)
    k.ip("neigh", "add", HOKUTO_IP, "lladdr", HOKUTO_MAC, "dev", b)
    server = start_bulk_server(k, KERNEL_IP, 7777, 60000)
    try:
        t = tools(h, "packet:" + a, "--mac", HOKUTO_MAC)
        assert t.hello.startswith("ok "), t.hello
        time.sleep(0.3)
        head = Ether(src=HOKUTO_MAC, dst=kmac) / IP(src=HOKUTO_IP, dst=KERNEL_IP)
        assert bulk_receive(t, head, Ether, 40000, 7777, 60000, 1514) >= 42
    finally:
        server.kill()
        server.wait()


def test_packet_errors(ns, tools):
    h = ns()
    t = tools(h, "packet:hkdnosuch0")
    assert t.hello == "error: packet:hkdnosuch0: no such interface"
    name = "hkd" + short_id()
    h.ip("link", "add", name, "type", "veth", "peer", "name", name + "p")
    t = tools(h, "packet:" + name)
    assert "interface is down" in t.hello
    t = tools(h, "bogus:" + name)
    assert t.hello.startswith("error: unknown device kind 'bogus'")


# ---------------------------------------------------------------- rawip


def hokuto_rules(netns):
    out = netns.sh(["iptables", "-w", "-S", "OUTPUT"]).stdout
    return [line for line in out.splitlines() if "hokuto-" in line]


def test_rawip_rules_follow_claims_and_close(ns, tools):
    n = ns()
    t = tools(n, "rawip:127.0.0.1")
    assert t.hello.startswith("ok "), t.hello
    assert t.info["link"] == "ipv4" and t.info["kind"] == "rawip"
    assert hokuto_rules(n) == []
    assert t.cmd("claim 8080") == "ok"
    assert t.cmd("claim 8080") == "ok"  # twice: still one rule
    assert t.cmd("claim 9090") == "ok"
    rules = hokuto_rules(n)
    assert len(rules) == 2, rules
    pid = t.proc.pid
    assert any("--sport 8080" in r and "--tcp-flags RST RST" in r and "-j DROP" in r
               for r in rules), rules
    assert all("hokuto-" in r for r in rules)
    del pid

    # A SYN to the claimed port reaches hokuto with a complete checksum,
    # and the kernel's RST is dropped by the rule.
    n.sh(["/usr/bin/python3", "-c",
          "import socket; s=socket.socket(); s.settimeout(0.3)\n"
          "try: s.connect(('127.0.0.1', 8080))\nexcept OSError: pass"], check=False)
    syn = t.recv_until(lambda p: TCP in p and p[TCP].dport == 8080 and p[TCP].flags.S, IP)
    assert syn is not None and checksums_ok(syn)
    counters = n.sh(["iptables", "-w", "-v", "-S", "OUTPUT"]).stdout
    assert any("8080" in line and "-c 0 0" not in line for line in counters.splitlines()
               if "hokuto-" in line), counters

    # traffic to a port hokuto did not claim never reaches it
    n.sh(["/usr/bin/python3", "-c",
          "import socket; s=socket.socket(); s.settimeout(0.3)\n"
          "try: s.connect(('127.0.0.1', 7070))\nexcept OSError: pass"], check=False)
    stray = t.recv_until(lambda p: TCP in p and p[TCP].dport == 7070, IP, ms=500)
    assert stray is None

    assert t.close() == 0
    assert hokuto_rules(n) == []


@pytest.mark.parametrize("how", ["sigterm", "handler", "sigkill"])
def test_rawip_leaves_no_rule(ns, tools, how):
    n = ns()
    args = ["--handler-cleanup"] if how == "handler" else []
    t = tools(n, "rawip:127.0.0.1", *args)
    assert t.hello.startswith("ok "), t.hello
    assert t.cmd("claim 8081") == "ok"
    assert len(hokuto_rules(n)) == 1
    if how == "sigkill":
        t.kill()
        assert len(hokuto_rules(n)) == 1  # nobody could clean up ...
        t2 = tools(n, "rawip:127.0.0.1")  # ... so the next open does
        assert t2.hello.startswith("ok "), t2.hello
        assert hokuto_rules(n) == []
        assert t2.close() == 0
    else:
        assert t.stop(signal.SIGTERM) == 0
        assert hokuto_rules(n) == []


def test_rawip_repairs_loopback_offloads(ns, tools):
    """Over lo, Linux sends TCP with partial checksums in segments of up to
    64 KiB; rawip must hand the stack MTU-sized segments that verify."""
    n = ns()
    server = start_bulk_server(n, "127.0.0.1", 7778, 100000)
    try:
        t = tools(n, "rawip:127.0.0.1")
        assert t.hello.startswith("ok "), t.hello
        assert t.cmd("claim 40001") == "ok"
        time.sleep(0.3)
        head = IP(src="127.0.0.1", dst="127.0.0.1")
        assert bulk_receive(t, head, IP, 40001, 7778, 100000, 1500) >= 69
        assert t.close() == 0
    finally:
        server.kill()
        server.wait()
    assert hokuto_rules(n) == []


def test_rawip_claims_the_ports_hokuto_sends_from(ns, tools):
    n = ns()
    tcp_server = start_bulk_server(n, "127.0.0.1", 7779, 10)
    udp_echo = subprocess.Popen(
        ["ip", "netns", "exec", n.name, "/usr/bin/python3", "-c",
         "import socket; u=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
         "u.bind(('127.0.0.1', 7780)); d,a=u.recvfrom(100); u.sendto(d, a)"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        t = tools(n, "rawip:127.0.0.1")
        assert t.hello.startswith("ok "), t.hello
        time.sleep(0.3)
        lo = IP(src="127.0.0.1", dst="127.0.0.1")
        # an active open: the SYN claims its source port (rule + filter)
        t.send(lo / TCP(sport=40002, dport=7779, flags="S", seq=5))
        assert any("--sport 40002" in r for r in hokuto_rules(n)), hokuto_rules(n)
        synack = t.recv_until(lambda p: TCP in p and p[TCP].dport == 40002, IP)
        assert synack is not None and synack[TCP].flags.S and synack[TCP].flags.A
        # UDP opens the filter for its replies, without a rule
        t.send(lo / UDP(sport=40003, dport=7780) / b"hokuto-udp")
        echo = t.recv_until(lambda p: UDP in p and p[UDP].dport == 40003, IP)
        assert echo is not None and bytes(echo[UDP].payload) == b"hokuto-udp"
        assert checksums_ok(echo)
        assert not any("40003" in r for r in hokuto_rules(n))
        t.send(lo / TCP(sport=40002, dport=7779, flags="R", seq=6))
        assert t.close() == 0
        assert hokuto_rules(n) == []
    finally:
        for p in (tcp_server, udp_echo):
            p.kill()
            p.wait()


def test_rawip_errors(ns, tools):
    n = ns()
    t = tools(n, "rawip:192.0.2.77")
    assert t.hello.startswith("error: rawip:192.0.2.77: this host has no such address"), t.hello
    t = tools(n, "rawip:nonsense")
    assert t.hello.startswith("error: rawip:nonsense: not an IPv4 address"), t.hello
    assert hokuto_rules(n) == []
