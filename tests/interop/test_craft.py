"""`hokuto craft` against Linux: seed 002's lab in two namespaces of our own
(hk-wire-*), a veth pair, Linux at 192.0.2.1 in one, craft at 192.0.2.2 in
the other on a packet device (the kernel there has no address, so it never
answers for craft's connection).

Run as root: /usr/bin/python3 -m pytest tests/interop/test_craft.py
The binary comes from $HOKUTO_BIN, else <repo>/build/hokuto.
"""
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HOKUTO = os.environ.get("HOKUTO_BIN", str(REPO / "build" / "hokuto"))
LINUX_MAC, CRAFT_MAC = "00:00:5e:00:53:01", "00:00:5e:00:53:02"
LINUX_IP, CRAFT_IP = "192.0.2.1", "192.0.2.2"

SEED_FRAME = bytes.fromhex(
    "00005e005301" "00005e005302" "0800"
    "45000028abcd40004006" "0aff" "c0000202c0000201"
    "3039d431" "00000000" "00000000" "5002faf0" "2c83" "0000")

SEED_ARGS = ["--src-mac", CRAFT_MAC, "--dst-mac", LINUX_MAC, "--src", CRAFT_IP, "--dst", LINUX_IP,
             "--seq", "0", "--window", "64240", "--id", "0xabcd", "--sport", "12345",
             "--dport", "54321", "--df"]


def sh(*cmd, check=True, timeout=30):
    return subprocess.run(list(cmd), check=check, timeout=timeout, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def craft(*args, ns=None, timeout=60):
    assert os.access(HOKUTO, os.X_OK), "no hokuto binary at %s (set HOKUTO_BIN)" % HOKUTO
    cmd = ([] if ns is None else ["ip", "netns", "exec", ns]) + [HOKUTO, "craft", *args]
    return subprocess.run(cmd, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout)


def hex_bytes(out):
    """The bytes of the first hex dump in craft's output."""
    data = b""
    for ln in out.splitlines():
        m = re.match(r"^([0-9a-f]{4})  ((?:[0-9a-f]{2} ?)+)", ln)
        if m:
            if int(m.group(1), 16) != len(data):
                break
            data += bytes.fromhex(m.group(2).replace(" ", ""))
        elif data:
            break
    return data


def reply_block(out):
    i = out.find("\nReply after ")
    assert i >= 0, "no reply printed:\n" + out
    return out[i + 1:]


class Lab:
    """Two namespaces joined by a veth pair: Linux at 192.0.2.1 on side a,
    no address on side b where craft runs."""

    def __init__(self):
        tag = "%04d" % (os.getpid() % 10000)
        self.a, self.b = "hk-wire-%s-a" % tag, "hk-wire-%s-b" % tag
        self.va, self.vb = "hk-wire-%sa" % tag, "hk-wire-%sb" % tag
        self.procs = []
        self.down()  # leftovers of an earlier run with the same pid
        sh("ip", "netns", "add", self.a)
        sh("ip", "netns", "add", self.b)
        for ns in (self.a, self.b):
            sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
               "net.ipv6.conf.default.disable_ipv6=1", check=False)
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "link", "add", self.va, "netns", self.a, "type", "veth", "peer", "name", self.vb,
           "netns", self.b)
        sh("ip", "-n", self.a, "link", "set", self.va, "address", LINUX_MAC)
        sh("ip", "-n", self.a, "addr", "add", LINUX_IP + "/24", "dev", self.va)
        sh("ip", "-n", self.a, "link", "set", self.va, "up")
        sh("ip", "-n", self.b, "link", "set", self.vb, "up")
        self.dev = "packet:" + self.vb

    def start(self, *cmd, ns=None):
        p = subprocess.Popen(["ip", "netns", "exec", ns or self.a, *cmd],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.procs.append(p)
        return p

    def listen(self, port):
        """A Linux TCP listener (python) on 192.0.2.1:port."""
        self.start("/usr/bin/python3", "-c",
                   "import socket,time\n"
                   "s=socket.socket()\n"
                   "s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
                   "s.bind(('%s',%d))\n"
                   "s.listen(8)\n"
                   "time.sleep(120)\n" % (LINUX_IP, port))
        deadline = time.monotonic() + 10
        while ":%d " % port not in sh("ip", "netns", "exec", self.a, "ss", "-Hltn").stdout:
            assert time.monotonic() < deadline, "listener did not start"
            time.sleep(0.05)

    def stop(self, p):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        out, err = p.communicate()
        return out, err

    def down(self):
        for p in getattr(self, "procs", []):
            self.stop(p)
        for ns in (self.a, self.b):
            sh("ip", "netns", "del", ns, check=False)


@pytest.fixture
def lab():
    if os.geteuid() != 0:
        pytest.skip("needs root for network namespaces")
    lab = Lab()
    try:
        yield lab
    finally:
        lab.down()


# ------------------------------------------------------------ no network

def test_seed_syn_bytes_exact():
    r = craft(*SEED_ARGS)
    assert r.returncode == 0, r.stderr
    assert hex_bytes(r.stdout) == SEED_FRAME
    assert "    Header Checksum: 0x0aff [correct]\n" in r.stdout
    assert "    Checksum: 0x2c83 [correct]\n" in r.stdout
    assert "    Flags: 0x002 (SYN)\n" in r.stdout


def test_fields_options_and_wrong_checksums():
    r = craft("--src-mac", CRAFT_MAC, "--dst-mac", LINUX_MAC, "--src", CRAFT_IP, "--dst", LINUX_IP,
              "--sport", "1", "--dport", "2", "--seq", "0x01020304", "--ack", "7",
              "--flags", "PSH,ACK,DTH", "--window", "1000", "--urgent", "3", "--ttl", "9",
              "--tos", "0xb8", "--id", "77", "--no-df", "--evil",
              "--tcp-opt", "mss=1460,ws=7,sackok,ts=1:0,nop,sack=10-20,30:0102",
              "--payload", "GET / HTTP/1.1\r\n", "--bad-ip-csum", "--bad-l4-csum")
    assert r.returncode == 0, r.stderr
    b = hex_bytes(r.stdout)
    ip, tcp = b[14:34], b[34:]
    assert ip[1] == 0xb8 and ip[8] == 9 and ip[4:6] == b"\x00\x4d"
    assert ip[6] & 0xe0 == 0x80  # evil, no DF
    assert tcp[12] & 0x0f == 0x08  # DTH is 0x08 of byte 12 (RFC 9401)
    assert (tcp[12] >> 4) * 4 == 20 + 36  # options 4+3+2+10+1+10+4 = 34, padded to 36
    assert tcp[20 + 34:20 + 36] == b"\0\0"  # EOL padding
    assert "Flags: 0x018 (PSH, ACK) DTH" in r.stdout
    assert "Reserved bit: Set (evil, RFC 3514)" in r.stdout
    assert "Header Checksum: 0x" in r.stdout and "[incorrect, should be 0x" in r.stdout
    assert re.search(r"^    Checksum: 0x[0-9a-f]{4} \[incorrect, should be", r.stdout, re.M)
    for opt in ["Maximum segment size: 1460 bytes", "Window scale: 7 (multiply by 128)",
                "SACK permitted", "Timestamps: TSval 1, TSecr 0", "No-Operation (NOP)",
                "SACK 10-20", "Unknown (kind 30, 4 bytes)"]:
        assert "TCP Option - " + opt in r.stdout, opt
    assert "GET / HTTP/1.1\\r\\n" in r.stdout


def test_bad_options_are_refused():
    base = ["--src", CRAFT_IP, "--dst", LINUX_IP]
    for bad in (["--flags", "SYN,BOGUS"], ["--ttl", "256"], ["--tcp-opt", "mss"],
                ["--tcp-opt", "ts=1:2,ts=1:2,ts=1:2,ts=1:2,ts=1:2"], ["--src-mac", "zz"],
                ["--frag-off", "3"]):
        r = craft(*base, *bad)
        assert r.returncode == 2, bad
        assert "craft:" in r.stderr, bad
    r = craft("--src", CRAFT_IP)
    assert r.returncode == 2 and "--dst" in r.stderr


# ------------------------------------------------------------ against Linux

def test_syn_to_listener_gets_syn_ack(lab):
    lab.listen(54321)
    r = craft("--dev", lab.dev, *SEED_ARGS, "--wait", "3", ns=lab.b)
    assert r.returncode == 0, r.stdout + r.stderr
    assert hex_bytes(r.stdout) == SEED_FRAME  # what was sent is seed 002's frame
    rep = reply_block(r.stdout)
    assert "Src: 192.0.2.1, Dst: 192.0.2.2" in rep
    assert "Src Port: 54321, Dst Port: 12345" in rep
    assert "    Flags: 0x012 (SYN, ACK)\n" in rep
    assert "    Acknowledgment Number (raw): 1\n" in rep  # our ISN 0, plus one
    assert "TCP Option - Maximum segment size:" in rep
    assert re.search(r"^    Checksum: 0x[0-9a-f]{4} \[correct\]$", rep, re.M)


def test_arp_resolution_and_rst_from_closed_port(lab):
    r = craft("--dev", lab.dev, "--src-mac", CRAFT_MAC, "--src", CRAFT_IP, "--dst", LINUX_IP,
              "--sport", "40000", "--dport", "54322", "--seq", "1000", "--wait", "3", ns=lab.b)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ARP: 192.0.2.1 is at 00:00:5e:00:53:01" in r.stdout
    rep = reply_block(r.stdout)
    assert "    Flags: 0x014 (RST, ACK)\n" in rep
    assert "    Acknowledgment Number (raw): 1001\n" in rep
    assert "Src Port: 54322, Dst Port: 40000" in rep


def test_wrong_checksums_get_no_reply(lab):
    lab.listen(54321)
    for bad in ("--bad-ip-csum", "--bad-l4-csum"):
        t0 = time.monotonic()
        r = craft("--dev", lab.dev, *SEED_ARGS, bad, "--wait", "1", ns=lab.b)
        assert r.returncode == 1, (bad, r.stdout, r.stderr)
        assert "no reply" in r.stderr
        assert time.monotonic() - t0 >= 0.9
    # and the same SYN with right checksums is answered
    r = craft("--dev", lab.dev, *SEED_ARGS, "--sport", "12346", "--wait", "3", ns=lab.b)
    assert r.returncode == 0, r.stderr


def test_udp_to_closed_port_gets_icmp_unreachable(lab):
    r = craft("--dev", lab.dev, "--src-mac", CRAFT_MAC, "--src", CRAFT_IP, "--dst", LINUX_IP,
              "--udp", "--sport", "5353", "--dport", "9", "--payload", "hello", "--wait", "3",
              ns=lab.b)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "User Datagram Protocol, Src Port: 5353, Dst Port: 9" in r.stdout
    rep = reply_block(r.stdout)
    assert "Type: 3 (Destination unreachable)" in rep
    assert "Code: 3 (Port unreachable)" in rep
    assert "    Checksum: 0x" in rep and "[correct]" in rep


def test_icmp_echo_gets_reply(lab):
    r = craft("--dev", lab.dev, "--src-mac", CRAFT_MAC, "--src", CRAFT_IP, "--dst", LINUX_IP,
              "--icmp", "--icmp-id", "0x4242", "--icmp-seq", "7", "--wait", "3", ns=lab.b)
    assert r.returncode == 0, r.stdout + r.stderr
    rep = reply_block(r.stdout)
    assert "Type: 0 (Echo (ping) reply)" in rep
    assert "Identifier (BE): 16962 (0x4242)" in rep
    assert "Sequence Number (BE): 7 (0x0007)" in rep


def test_linux_sees_dth_evil_and_options(lab, tmp_path):
    """What Linux receives (captured in its namespace, decoded by tshark)
    is the segment asked for; Linux answers it (checksum right, DTH and the
    evil bit ignored as RFC 9401 and RFC 3514 allow)."""
    lab.listen(54321)
    pcap = tmp_path / "linux-side.pcap"
    cap = lab.start("tcpdump", "-U", "--immediate-mode", "-n", "-i", lab.va, "-w", str(pcap), "tcp")
    time.sleep(1.0)  # tcpdump opens its socket
    try:
        r = craft("--dev", lab.dev, *SEED_ARGS, "--sport", "23456", "--evil", "--flags", "SYN,DTH",
                  "--tcp-opt", "mss=1400,sackok,ts=77:0,nop,ws=5", "--wait", "3", ns=lab.b)
        time.sleep(0.5)
    finally:
        lab.stop(cap)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "    Flags: 0x002 (SYN) DTH\n" in r.stdout
    t = sh("tshark", "-n", "-r", str(pcap), "-o", "tcp.check_checksum:TRUE", "-o",
           "ip.check_checksum:TRUE", "-Y", "tcp.srcport==23456", "-T", "fields", "-E",
           "separator=|", "-e", "ip.flags.rb", "-e", "tcp.flags", "-e", "tcp.hdr_len", "-e",
           "tcp.options.mss_val", "-e", "tcp.options.wscale.shift", "-e",
           "tcp.options.timestamp.tsval", "-e", "tcp.checksum.status", "-e", "ip.checksum.status")
    rows = [ln.split("|") for ln in t.stdout.splitlines() if ln]
    assert rows, t.stderr
    assert rows[0] == ["1", "0x0802", "40", "1400", "5", "77", "1", "1"]


@pytest.mark.parametrize("kind", ["tap", "tun"])
def test_tap_and_tun_devices(kind):
    """On a tap or tun craft creates, the kernel side gets --dst and answers:
    a RST from a closed port (tap, after ARP), an echo reply (tun, no ARP)."""
    if os.geteuid() != 0:
        pytest.skip("needs root for network namespaces")
    tag = "%04d" % (os.getpid() % 10000)
    ns, ifname = "hk-wire-%s-%s" % (tag, kind), "hk-wire-%s%s" % (tag, kind[1])
    sh("ip", "netns", "del", ns, check=False)
    sh("ip", "netns", "add", ns)
    try:
        if kind == "tap":
            r = craft("--dev", "tap:" + ifname, "--src", CRAFT_IP, "--dst", LINUX_IP, "--dport", "9",
                      "--seq", "41", "--wait", "3", ns=ns)
            assert r.returncode == 0, r.stdout + r.stderr
            assert "ARP: 192.0.2.1 is at " in r.stdout
            rep = reply_block(r.stdout)
            assert "Ethernet II" in rep
            assert "    Flags: 0x014 (RST, ACK)\n" in rep
            assert "    Acknowledgment Number (raw): 42\n" in rep
        else:
            r = craft("--dev", "tun:" + ifname, "--src", CRAFT_IP, "--dst", LINUX_IP, "--icmp",
                      "--icmp-seq", "3", "--wait", "3", ns=ns)
            assert r.returncode == 0, r.stdout + r.stderr
            assert "Ethernet II" not in r.stdout
            assert hex_bytes(r.stdout)[0] == 0x45  # a bare IPv4 packet
            rep = reply_block(r.stdout)
            assert "Type: 0 (Echo (ping) reply)" in rep
            assert "Sequence Number (BE): 3 (0x0003)" in rep
    finally:
        sh("ip", "netns", "del", ns, check=False)
