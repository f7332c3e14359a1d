"""Crafted TCP segments against `hokuto echo-server` (RFC 5961 RST/SYN
handling, checksums, options, PAWS, zero-window probing).

hokuto runs on a packet device in seed 002's lab (veth_lab). The test plays
the peer by hand from the Linux namespace: an AF_PACKET socket on the Linux
end of the veth, opened inside that namespace from a helper thread (setns
affects only that thread; the socket keeps its namespace). The peer uses an
address and a MAC the Linux kernel does not own (PEER_IP/PEER_MAC): the
kernel drops hokuto's frames to that MAC, so it never RSTs our hand-made
connection, and no iptables rule is needed. The peer answers hokuto's ARP
requests itself. scapy builds and parses the frames; TCP headers are packed
here byte by byte so options and checksums can be anything.

The echo server makes the connection's health visible in band: data sent is
ACKed and comes back.

HK_TCP_TARGET=linux runs the same tests against a Linux echo server on the
same veth end (hokuto's counters and the option-length rule, where Linux is
lenient, are then skipped): it checks the tests themselves.
"""
import ctypes
import os
import select
import socket
import struct
import threading
import time

import pytest

from conftest import wait_for, wait_reachable

PEER_IP = "192.0.2.3"
PEER_MAC = "00:00:5e:00:53:03"
ECHO_PORT = 7
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
CLONE_NEWNET = 0x40000000

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
LINUX_TARGET = os.environ.get("HK_TCP_TARGET") == "linux"


def seq_add(a, n):
    return (a + n) & 0xFFFFFFFF


def seq_diff(a, b):
    """a - b as a signed 32-bit distance."""
    d = (a - b) & 0xFFFFFFFF
    return d - (1 << 32) if d >= (1 << 31) else d


def flag_str(f):
    return "".join(c for bit, c in ((FIN, "F"), (SYN, "S"), (RST, "R"), (PSH, "P"), (ACK, "A"))
                   if f & bit) or "."


# ------------------------------------------------------------- TCP options

NOP = b"\x01"
EOL = b"\x00"


def opt_mss(v):
    return struct.pack("!BBH", 2, 4, v)


def opt_sack_perm():
    return b"\x04\x02"


def opt_ts(val, ecr):
    return struct.pack("!BBII", 8, 10, val & 0xFFFFFFFF, ecr & 0xFFFFFFFF)


def pad4(opts, fill=EOL):
    return opts + fill * (-len(opts) % 4)


def parse_options(raw):
    """{kind: value bytes} of well-formed options (enough for replies)."""
    out, i = {}, 0
    while i < len(raw):
        kind = raw[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(raw) or raw[i + 1] < 2 or i + raw[i + 1] > len(raw):
            break
        out[kind] = raw[i + 2:i + raw[i + 1]]
        i += raw[i + 1]
    return out


def inet_checksum(data):
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp_header(src, dst, sport, dport, seq, ack, flags, win, opts=b"", payload=b"", bad_csum=False):
    assert len(opts) % 4 == 0 and len(opts) <= 40
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, (5 + len(opts) // 4) << 4, flags, win, 0, 0) + opts
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(hdr) + len(payload))
    csum = inet_checksum(pseudo + hdr + payload)
    if bad_csum:
        csum = (csum + 0x1111) & 0xFFFF
    return hdr[:16] + struct.pack("!H", csum) + hdr[18:] + payload


class Seg:
    """A received TCP segment (the fields the tests look at)."""

    def __init__(self, ip, tcp_raw, t):
        self.src, self.dst = ip.src, ip.dst
        (self.sport, self.dport, self.seq, self.ack, off, self.flags, self.win, _c, _u) = \
            struct.unpack("!HHIIBBHHH", tcp_raw[:20])
        hl = (off >> 4) * 4
        self.opts = parse_options(tcp_raw[20:hl])
        self.payload = tcp_raw[hl:]
        self.time = t

    @property
    def ts(self):
        v = self.opts.get(8)
        return struct.unpack("!II", v) if v and len(v) == 8 else None

    @property
    def seg_len(self):
        return len(self.payload) + bool(self.flags & SYN) + bool(self.flags & FIN)

    def __repr__(self):
        return "<%s:%d>%s:%d [%s] seq=%d ack=%d win=%d len=%d%s>" % (
            self.src, self.sport, self.dst, self.dport, flag_str(self.flags), self.seq, self.ack,
            self.win, len(self.payload), " ts=%s" % (self.ts,) if self.ts else "")


# ------------------------------------------------- the peer's raw socket

_libc = ctypes.CDLL(None, use_errno=True)


def packet_socket_in(ns_name, ifname):
    """An AF_PACKET socket bound to ifname inside namespace ns_name, made
    by a short-lived thread that enters the namespace (setns(2) changes
    the calling thread only)."""
    box = {}

    def body():
        try:
            fd = os.open("/run/netns/" + ns_name, os.O_RDONLY)
            try:
                if _libc.setns(fd, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns(%s)" % ns_name)
            finally:
                os.close(fd)
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            s.bind((ifname, 0))
            box["sock"] = s
        except BaseException as e:  # handed to the caller
            box["err"] = e

    t = threading.Thread(target=body)
    t.start()
    t.join()
    if "err" in box:
        raise box["err"]
    return box["sock"]


class Net:
    """The peer's link: sends IPv4/TCP frames from PEER_IP/PEER_MAC,
    answers ARP for PEER_IP, hands received TCP segments to the caller."""

    def __init__(self, sock, target_ip, target_mac):
        self.sock = sock
        self.target_ip, self.target_mac = target_ip, target_mac
        self.ip_id = 1
        self.log = []  # every segment sent and received, for failure messages

    def send_tcp(self, tcp_raw):
        from scapy.layers.inet import IP
        from scapy.layers.l2 import Ether
        from scapy.packet import Raw
        self.ip_id = (self.ip_id + 1) & 0xFFFF
        frame = Ether(src=PEER_MAC, dst=self.target_mac) / IP(
            src=PEER_IP, dst=self.target_ip, proto=6, ttl=64, id=self.ip_id) / Raw(tcp_raw)
        self.sock.send(bytes(frame))
        self.log.append("-> " + repr(Seg(frame[IP], tcp_raw, time.monotonic())))

    def _answer_arp(self, arp):
        from scapy.layers.l2 import ARP, Ether
        if arp.op == 1 and arp.pdst == PEER_IP:
            reply = Ether(src=PEER_MAC, dst=arp.hwsrc) / ARP(
                op=2, hwsrc=PEER_MAC, psrc=PEER_IP, hwdst=arp.hwsrc, pdst=arp.psrc)
            self.sock.send(bytes(reply))

    def recv(self, deadline):
        """Segments to PEER_IP received until deadline (monotonic), or
        as soon as at least one is there and nothing more is waiting."""
        from scapy.layers.inet import IP, TCP
        from scapy.layers.l2 import ARP, Ether
        out = []
        while True:
            wait = 0 if out else max(0.0, deadline - time.monotonic())
            r, _, _ = select.select([self.sock], [], [], wait)
            if not r:
                return out
            data, addr = self.sock.recvfrom(65535)
            if addr[2] == PACKET_OUTGOING:
                continue
            pkt = Ether(data)
            if ARP in pkt:
                self._answer_arp(pkt[ARP])
            elif IP in pkt and TCP in pkt and pkt[IP].dst == PEER_IP and pkt[IP].src == self.target_ip:
                ip = pkt[IP]
                raw = bytes(ip.payload)[:ip.len - ip.ihl * 4]
                seg = Seg(ip, raw, time.monotonic())
                self.log.append("<- " + repr(seg))
                out.append(seg)


class Conn:
    """One hand-driven connection from PEER_IP:sport to the target."""

    def __init__(self, net, dport, sport=None, ts=True):
        self.net = net
        self.sport = sport or 40000 + int.from_bytes(os.urandom(2), "big") % 20000
        self.dport = dport
        self.iss = int.from_bytes(os.urandom(4), "big")
        self.snd_nxt = self.iss
        self.rcv_nxt = None
        self.win = 65535
        self.use_ts = ts
        self.ts_ok = False
        self.ts_base = int.from_bytes(os.urandom(4), "big") & 0x3FFFFFFF
        self.t0 = time.monotonic()
        self.ts_recent = 0
        self.peer_mss = 536
        self.peer_win = 0
        self.received = b""  # in-order data from the target
        self.fin_seen = False
        self.pending = []

    # --- sending

    def tsval(self):
        return (self.ts_base + int((time.monotonic() - self.t0) * 1000)) & 0xFFFFFFFF

    def ts_opts(self, tsval=None):
        if not self.ts_ok:
            return b""
        return NOP + NOP + opt_ts(self.tsval() if tsval is None else tsval, self.ts_recent)

    def send(self, flags, payload=b"", seq=None, ack=None, win=None, opts=None, bad_csum=False):
        """Sends one segment; opts None means the connection's default
        (timestamps when negotiated). Does not advance snd_nxt."""
        if opts is None:
            opts = b"" if flags & RST else self.ts_opts()
        if ack is None:
            ack = self.rcv_nxt if self.rcv_nxt is not None else 0
        raw = tcp_header(PEER_IP, self.net.target_ip, self.sport, self.dport,
                         self.snd_nxt if seq is None else seq, ack, flags,
                         self.win if win is None else win, opts, payload, bad_csum)
        self.net.send_tcp(raw)

    def send_data(self, data, **kw):
        """Sends data at snd_nxt and advances it."""
        self.send(PSH | ACK, data, **kw)
        self.snd_nxt = seq_add(self.snd_nxt, len(data))

    def ack_now(self, win=None):
        self.send(ACK, win=win)

    # --- receiving

    def _absorb(self, seg):
        """Books a segment from the target: timestamps, in-order data, FIN;
        returns True when it carried something that needs an ACK."""
        if seg.ts and self.ts_ok:
            self.ts_recent = seg.ts[0]
        if self.rcv_nxt is None or seg.flags & (SYN | RST):
            return False
        needs_ack = seg.seg_len > 0
        if seg.payload and seq_diff(seg.seq, self.rcv_nxt) <= 0:
            skip = seq_diff(self.rcv_nxt, seg.seq)
            if skip < len(seg.payload) and len(self.received) < self.max_accept():
                new = seg.payload[skip:][:self.max_accept() - len(self.received)]
                self.received += new
                self.rcv_nxt = seq_add(self.rcv_nxt, len(new))
        if seg.flags & FIN and seq_add(seg.seq, len(seg.payload)) == self.rcv_nxt:
            self.rcv_nxt = seq_add(self.rcv_nxt, 1)
            self.fin_seen = True
        return needs_ack

    def max_accept(self):
        """Bytes of target data we take in: everything unless the window
        is closed (zero-window tests)."""
        return 1 << 62 if self.win else len(self.received)

    def segments(self, timeout, until=None, auto_ack=True):
        """Collects this connection's segments for up to timeout seconds,
        or until until(seg) is true for one of them (returned last).
        Data and FINs are ACKed as they come when auto_ack."""
        deadline = time.monotonic() + timeout
        got = []
        while True:
            batch = self.pending or self.net.recv(deadline)
            self.pending = []
            if not batch:
                return got
            needs_ack = False
            for i, seg in enumerate(batch):
                if (seg.sport, seg.dport) != (self.dport, self.sport):
                    continue
                needs_ack |= self._absorb(seg)
                got.append(seg)
                if until and until(seg):
                    self.pending = [s for s in batch[i + 1:]]
                    if needs_ack and auto_ack:
                        self.ack_now()
                    return got
            if needs_ack and auto_ack:
                self.ack_now()

    def expect(self, what, pred, timeout=2.0, auto_ack=True):
        segs = self.segments(timeout, pred, auto_ack)
        if segs and pred(segs[-1]):
            return segs[-1]
        raise AssertionError("no %s within %.1fs; segments:\n%s" % (what, timeout, self.trace()))

    def quiet(self, timeout=0.6):
        """The segments that arrive within timeout (a test asserts none)."""
        return self.segments(timeout)

    def trace(self):
        return "\n".join(self.net.log[-40:])

    # --- whole exchanges

    def connect(self, syn_opts=None):
        syn_ts = self.tsval()
        opts = syn_opts if syn_opts is not None else pad4(
            opt_mss(1460) + opt_sack_perm() + (NOP + NOP + opt_ts(syn_ts, 0) if self.use_ts else b""),
            NOP)
        self.send(SYN, seq=self.iss, ack=0, opts=opts)
        sa = self.expect("SYN-ACK", lambda s: s.flags & SYN, timeout=5.0)
        assert sa.flags & (SYN | ACK | RST) == SYN | ACK, "not a SYN-ACK: %r\n%s" % (sa, self.trace())
        assert sa.ack == seq_add(self.iss, 1), "SYN-ACK acks %d, want %d" % (sa.ack, self.iss + 1)
        self.snd_nxt = seq_add(self.iss, 1)
        self.rcv_nxt = seq_add(sa.seq, 1)
        self.peer_iss = sa.seq
        self.peer_win = sa.win
        if 2 in sa.opts:
            self.peer_mss = struct.unpack("!H", sa.opts[2])[0]
        if self.use_ts and sa.ts:
            self.ts_ok = True
            self.ts_recent = sa.ts[0]
            # RFC 7323 3.2: the SYN-ACK's TSecr echoes our SYN's TSval.
            assert sa.ts[1] == syn_ts, "SYN-ACK TSecr %d, our TSval %d" % (sa.ts[1], syn_ts)
        self.ack_now()
        return self

    def exchange(self, data, timeout=3.0, **send_kw):
        """Sends data; waits until it is ACKed and echoed back in full."""
        start = len(self.received)
        step = min(self.peer_mss, 1400)
        for off in range(0, len(data), step):
            self.send_data(data[off:off + step], **send_kw)
        want_ack = self.snd_nxt
        self.expect("ACK of %d bytes and their echo" % len(data),
                    lambda s: seq_diff(s.ack, want_ack) >= 0 and len(self.received) >= start + len(data),
                    timeout)
        echoed = self.received[start:start + len(data)]
        assert echoed == data, "echo %r, sent %r" % (echoed[:64], data[:64])

    def close(self, timeout=3.0):
        """Our FIN; the echo server answers with its own; we ACK it."""
        self.send(FIN | ACK)
        self.snd_nxt = seq_add(self.snd_nxt, 1)
        fin_ack = self.snd_nxt
        self.expect("FIN from the target, ACKing ours",
                    lambda s: self.fin_seen and seq_diff(s.ack, fin_ack) >= 0, timeout)


# ------------------------------------------------------------ fixtures

LINUX_ECHO = r"""
import socket, sys, threading
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(64)
def serve(c):
    while True:
        d = c.recv(65536)
        if not d:
            break
        c.sendall(d)
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"""


class Target:
    def __init__(self, ip, mac, hokuto=None, proc=None):
        self.ip, self.mac, self.hokuto, self.proc = ip, mac, hokuto, proc
        self._stats = None

    @property
    def is_hokuto(self):
        return self.hokuto is not None

    def stats(self):
        """hokuto's counters (it is stopped first); None for Linux."""
        if not self.is_hokuto:
            return None
        if self._stats is None:
            assert self.hokuto.stop() == 0, "echo-server exit status %s:\n%s" % (
                self.hokuto.returncode, self.hokuto.stderr)
            self._stats = self.hokuto.stats()
        return self._stats


@pytest.fixture
def target(veth_lab, hokuto):
    lab = veth_lab
    if LINUX_TARGET:
        lab.hk.ip("addr", "add", "%s/%d" % (lab.hk_ip, lab.prefix), "dev", lab.hk_if)
        proc = lab.hk.popen(["/usr/bin/python3", "-c", LINUX_ECHO, lab.hk_ip, str(ECHO_PORT)])
        try:
            wait_for(lambda: ":%d " % ECHO_PORT in lab.hk.exec(["ss", "-Hltn"]).stdout, 5,
                     what="the Linux echo server")
            mac = lab.hk.exec(["cat", "/sys/class/net/%s/address" % lab.hk_if]).stdout.strip()
            yield Target(lab.hk_ip, mac, proc=proc)
        finally:
            proc.kill()
            proc.wait(timeout=5)
        return
    h = hokuto(lab.hk, lab.hokuto_args(), ["echo-server", "--port", str(ECHO_PORT)], name="echo")
    wait_reachable(lab.linux, lab.hk_ip)
    yield Target(lab.hk_ip, lab.hk_mac, hokuto=h)


@pytest.fixture
def net(veth_lab, target):
    sock = packet_socket_in(veth_lab.linux.name, veth_lab.linux_if)
    try:
        yield Net(sock, target.ip, target.mac)
    finally:
        sock.close()


def hokuto_only(what):
    if LINUX_TARGET:
        pytest.skip("%s: hokuto only" % what)


def assert_counter(target, name, want=None, at_least=None):
    st = target.stats()
    if st is None:
        return
    v = st.get(name, 0)
    if want is not None:
        assert v == want, "%s = %d, want %d\n%s" % (name, v, want, st)
    if at_least is not None:
        assert v >= at_least, "%s = %d, want >= %d\n%s" % (name, v, at_least, st)


def is_pure_ack(s):
    return s.flags & (SYN | FIN | RST | ACK) == ACK and not s.payload


# --------------------------------------------------------------- tests

def test_handshake_echo_and_close(target, net):
    """The peer itself works: handshake, echo, orderly close."""
    c = Conn(net, ECHO_PORT).connect()
    assert c.ts_ok, "target did not answer our timestamps:\n" + c.trace()
    c.exchange(b"hello, hokuto\n")
    c.exchange(os.urandom(3000))  # two segments' worth, echoed in full
    c.close()
    assert_counter(target, "tcp_conn_passive", at_least=1)


def test_rst_out_of_window_ignored(target, net):
    """RFC 5961 3.2 / RFC 9293 3.10.7.4: a RST outside the window is
    dropped silently; the connection carries on."""
    c = Conn(net, ECHO_PORT).connect()
    c.exchange(b"before the stray RST")
    for off in (1 << 30, -(1 << 20)):  # far ahead, and behind RCV.NXT
        c.send(RST | ACK, seq=seq_add(c.snd_nxt, off))
    extra = c.quiet()
    assert extra == [], "answered an out-of-window RST:\n" + c.trace()
    c.exchange(b"after the stray RST")
    c.close()
    assert_counter(target, "tcp_rx_rst", want=0)


def test_rst_in_window_not_exact_challenge_ack(target, net):
    """RFC 5961 3.2: RST in the window but not at RCV.NXT -> challenge ACK
    <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, connection kept."""
    c = Conn(net, ECHO_PORT).connect()
    c.exchange(b"challenge me")
    c.send(RST | ACK, seq=seq_add(c.snd_nxt, 1))
    ch = c.expect("challenge ACK", lambda s: True, timeout=2.0)
    assert is_pure_ack(ch), "not a challenge ACK: %r\n%s" % (ch, c.trace())
    assert ch.ack == c.snd_nxt and ch.seq == c.rcv_nxt, "challenge ACK %r, want seq=%d ack=%d" % (
        ch, c.rcv_nxt, c.snd_nxt)
    c.exchange(b"still here")
    c.close()
    assert_counter(target, "tcp_rx_rst_challenge", want=1)
    assert_counter(target, "tcp_rx_rst", want=0)


def test_rst_exact_accepted(target, net):
    """RFC 5961 3.2: a RST at exactly RCV.NXT resets the connection; a
    later segment of it finds nothing and gets <SEQ=SEG.ACK><CTL=RST>."""
    c = Conn(net, ECHO_PORT).connect()
    c.exchange(b"about to reset")
    c.send(RST | ACK, seq=c.snd_nxt)
    extra = c.quiet(0.5)
    assert extra == [], "answered an exact RST:\n" + c.trace()
    c.send(PSH | ACK, b"anyone there?")
    r = c.expect("RST for the dead connection", lambda s: s.flags & RST, timeout=2.0)
    assert r.seq == c.rcv_nxt, "RST seq %d, want SEG.ACK %d" % (r.seq, c.rcv_nxt)
    assert not r.flags & ACK, r
    assert c.received == b"about to reset"
    assert_counter(target, "tcp_rx_rst", want=1)
    assert_counter(target, "tcp_tx_rst", at_least=1)


def test_syn_in_established_challenge_ack(target, net):
    """RFC 5961 4.2: a SYN on a synchronized connection, whatever its
    sequence number, gets a challenge ACK; the connection is kept."""
    c = Conn(net, ECHO_PORT).connect()
    c.exchange(b"established")
    c.send(SYN, seq=c.snd_nxt, ack=0, opts=pad4(opt_mss(1460) + NOP + NOP + opt_ts(c.tsval(), 0)))
    ch = c.expect("challenge ACK", lambda s: True, timeout=2.0)
    assert is_pure_ack(ch), "not a challenge ACK: %r\n%s" % (ch, c.trace())
    assert ch.ack == c.snd_nxt and ch.seq == c.rcv_nxt, ch
    c.exchange(b"still established")
    c.close()
    assert_counter(target, "tcp_rx_syn_challenge", want=1)


def test_bad_checksum_dropped(target, net):
    """RFC 9293 3.1 (MUST-2/3): a segment with a wrong checksum is dropped:
    not ACKed, not delivered; the same bytes with a good checksum are."""
    c = Conn(net, ECHO_PORT).connect()
    c.exchange(b"first")
    c.send(PSH | ACK, b"corrupted?", bad_csum=True)
    extra = c.quiet()
    assert extra == [], "answered a segment with a bad checksum:\n" + c.trace()
    c.exchange(b"corrupted?")
    assert c.received == b"firstcorrupted?"
    c.close()
    assert_counter(target, "tcp_rx_bad_checksum", want=1)


def test_garbage_options_survived(target, net):
    """RFC 9293 3.1 (MUST-6/68): unknown option kinds are skipped by their
    length, NOPs anywhere, options at odd offsets; the data is accepted."""
    c = Conn(net, ECHO_PORT).connect()
    assert c.ts_ok
    layouts = [
        # NOP, unknown kind 99 (len 5), unknown kind 254 (len 3), then
        # timestamps at offset 9 (odd).
        lambda: NOP + b"\x63\x05abc" + b"\xfe\x03z" + opt_ts(c.tsval(), c.ts_recent) + EOL,
        # A run of NOPs, an unknown option with no data (len 2), TS at 11.
        lambda: NOP * 9 + b"\x80\x02" + opt_ts(c.tsval(), c.ts_recent) + NOP * 3,
        # An MSS option outside a SYN (ignored) and a 7-byte unknown one.
        lambda: opt_mss(100) + b"\xfd\x07\x00\x01\x02\x03\x04" + NOP + opt_ts(c.tsval(), c.ts_recent) + EOL * 2,
    ]
    sent = b""
    for i, layout in enumerate(layouts):
        opts = layout()
        assert len(opts) % 4 == 0, (i, len(opts))
        data = b"garbage options %d;" % i
        c.exchange(data, opts=opts)
        sent += data
    assert c.received == sent
    c.close()


def test_illegal_option_length_dropped(target, net):
    """RFC 9293 MUST-7: an option whose length is illegal (0, 1, or past
    the header) drops the segment, counted as tcp_rx_bad_options."""
    hokuto_only("Linux accepts segments with illegal option lengths")
    c = Conn(net, ECHO_PORT).connect()
    c.exchange(b"ok")
    ts = lambda: NOP + NOP + opt_ts(c.tsval(), c.ts_recent)  # noqa: E731
    bad = [
        ts() + b"\x63\x01" + EOL * 2,             # length 1
        ts() + b"\x63\x00" + EOL * 2,             # length 0
        ts() + b"\x63\x08\x00\x00",               # runs 4 bytes past the header
        b"\x08\x0c" + b"\x00" * 10,               # timestamps longer than the header's end
    ]
    for i, opts in enumerate(bad):
        c.send(PSH | ACK, b"bad-option-%d" % i, opts=opts)
    extra = c.quiet()
    assert extra == [], "answered segments with illegal options:\n" + c.trace()
    c.exchange(b"fine")
    assert c.received == b"okfine"
    c.close()
    assert_counter(target, "tcp_rx_bad_options", want=len(bad))


def test_paws_old_timestamp_dropped(target, net):
    """RFC 7323 5.3 R1: with timestamps on, a segment whose TSval is older
    than TS.Recent is dropped and answered by an ACK (RCV.NXT unchanged)."""
    c = Conn(net, ECHO_PORT).connect()
    assert c.ts_ok, "timestamps not negotiated:\n" + c.trace()
    c.exchange(b"fresh;")
    old = (c.tsval() - 0x100000) & 0xFFFFFFFF
    c.send(PSH | ACK, b"stale;", opts=NOP + NOP + opt_ts(old, c.ts_recent))
    a = c.expect("ACK for the old segment", lambda s: True, timeout=2.0)
    assert is_pure_ack(a) and a.ack == c.snd_nxt and a.seq == c.rcv_nxt, \
        "answer to the PAWS segment %r, want a pure ACK of %d\n%s" % (a, c.snd_nxt, c.trace())
    extra = c.quiet(0.5)
    assert not any(s.payload for s in extra), "old segment delivered:\n" + c.trace()
    c.exchange(b"fresh again;")
    assert c.received == b"fresh;fresh again;"
    c.close()
    assert_counter(target, "tcp_rx_paws", want=1)


def test_paws_reordered_segment_accepted(target, net):
    """RFC 7323 4.3: TS.Recent is updated only from a segment at the left
    edge (SEG.SEQ <= Last.ACK.sent). A segment beyond a hole, with a newer
    TSval, must not update it; the segment that then fills the hole, with an
    older TSval than that one but not older than TS.Recent, is accepted:
    reordering alone never makes PAWS drop data."""
    c = Conn(net, ECHO_PORT).connect()
    assert c.ts_ok, "timestamps not negotiated:\n" + c.trace()
    c.exchange(b"in order;")
    now = c.tsval()
    first, second = b"A" * 100, b"B" * 100
    base = c.snd_nxt
    # The later segment first, with the newer timestamp: it is out of order.
    c.send(PSH | ACK, second, seq=seq_add(base, len(first)), opts=NOP + NOP + opt_ts(now + 100, c.ts_recent))
    c.segments(0.3)  # a duplicate ACK (RFC 5681 4.2), nothing else
    assert c.received == b"in order;", "out-of-order data delivered early:\n" + c.trace()
    # Then the hole, with an older TSval than the segment beyond it.
    c.send(PSH | ACK, first, seq=base, opts=NOP + NOP + opt_ts(now + 50, c.ts_recent))
    c.snd_nxt = seq_add(base, len(first) + len(second))
    # Our clock moves past both timestamps for the segments that follow.
    c.ts_base = (c.ts_base + 200) & 0xFFFFFFFF
    c.expect("ACK of both segments and their echo",
             lambda s: seq_diff(s.ack, c.snd_nxt) >= 0 and len(c.received) >= 9 + 200, timeout=3.0)
    assert c.received == b"in order;" + first + second
    c.close()
    assert_counter(target, "tcp_rx_paws", want=0)
    assert_counter(target, "tcp_rx_ooo", at_least=1)


def test_zero_window_probes_with_backoff(target, net):
    """RFC 9293 3.8.6.1 (MUST-35/36): while the peer's window is zero and
    there is data to send, probe it, with exponential backoff; resume when
    the window opens."""
    c = Conn(net, ECHO_PORT).connect()
    c.exchange(b"x")
    # Everything we send from now on closes our window: the echo server
    # reads the data and has it to send back, but may not.
    c.win = 0
    payload = os.urandom(min(12000, max(c.peer_win, 1460) // 2))
    step = min(c.peer_mss, 1400)
    start = len(c.received)
    for off in range(0, len(payload), step):
        c.send_data(payload[off:off + step])
    c.expect("ACK of the data sent into a closed window",
             lambda s: seq_diff(s.ack, c.snd_nxt) >= 0, timeout=3.0)
    # Collect probes: answer each with a zero-window ACK, like a real
    # receiver whose buffer is still full.
    probes = []
    deadline = time.monotonic() + 25
    while len(probes) < 4 and time.monotonic() < deadline:
        segs = c.segments(deadline - time.monotonic(), until=lambda s: True, auto_ack=False)
        for s in segs:
            assert not s.flags & (RST | SYN | FIN), s
            probes.append(s)
            c.ack_now()
    assert len(c.received) == start, "data accepted into a zero window?"
    assert len(probes) >= 3, "only %d probes in 25 s:\n%s" % (len(probes), c.trace())
    times = [p.time for p in probes]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert gaps[0] > 0.1, "probes %.3fs apart: no timer?\n%s" % (gaps[0], c.trace())
    for g0, g1 in zip(gaps, gaps[1:]):
        assert g1 > 1.5 * g0, "probe intervals %s: no exponential backoff\n%s" % (
            ["%.2f" % g for g in gaps], c.trace())
    # Open the window: everything comes, in order.
    c.win = 65535
    c.ack_now()
    c.expect("all data after the window opened", lambda s: len(c.received) >= start + len(payload),
             timeout=10.0)
    assert c.received[start:] == payload
    c.close()
    assert_counter(target, "tcp_persist_probes", at_least=len(probes))
