"""`hokuto dissect` against tshark: pcaps written with scapy (no network),
decoded by both, fields compared frame by frame.

Run: /usr/bin/python3 -m pytest tests/interop/test_dissect.py
The binary comes from $HOKUTO_BIN, else <repo>/build/hokuto.
"""
import os
import re
import struct
import subprocess
from pathlib import Path

import pytest

scapy_all = pytest.importorskip("scapy.all")
from scapy.all import (ARP, ICMP, IP, TCP, UDP, Ether, PcapWriter, Raw,  # noqa: E402
                       IPOption_Router_Alert, fragment)

REPO = Path(__file__).resolve().parents[2]
HOKUTO = os.environ.get("HOKUTO_BIN", str(REPO / "build" / "hokuto"))
M1, M2 = "00:00:5e:00:53:01", "00:00:5e:00:53:02"
A1, A2 = "192.0.2.1", "192.0.2.2"
T0 = 1700000000.25


def hokuto(*args, stdin=None):
    assert os.access(HOKUTO, os.X_OK), "no hokuto binary at %s (set HOKUTO_BIN)" % HOKUTO
    return subprocess.run([HOKUTO, *args], input=stdin, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60)


def eth(p, src=M2, dst=M1):
    return Ether(src=src, dst=dst) / p


def seed_syn():
    """Seed 002's hand-made SYN."""
    return eth(IP(src=A2, dst=A1, id=0xabcd, flags="DF", ttl=64) /
               TCP(sport=12345, dport=54321, seq=0, flags="S", window=64240))


def ip_packets():
    """IPv4 packets covering the protocols, options and checksum cases."""
    c2s = dict(src=A2, dst=A1)
    s2c = dict(src=A1, dst=A2)
    http_req = b"GET /index.html HTTP/1.1\r\nHost: 192.0.2.1\r\n\r\n"
    http_resp = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
    pkts = [
        IP(**c2s, id=0xabcd, flags="DF") / TCP(sport=12345, dport=54321, flags="S", window=64240),
        IP(**c2s, id=7, ttl=33) / TCP(sport=40000, dport=80, seq=1000, flags="S", window=65535,
                                      options=[("MSS", 1460), ("SAckOK", b""),
                                               ("Timestamp", (123456, 0)), ("NOP", None),
                                               ("WScale", 7)]),
        IP(**s2c, id=8, ttl=64) / TCP(sport=80, dport=40000, seq=5000, ack=1001, flags="SA",
                                      window=28960,
                                      options=[("MSS", 1400), ("NOP", None), ("NOP", None),
                                               ("SAckOK", b""), ("NOP", None), ("WScale", 14)]),
        # DTH (RFC 9401) on a data segment with an HTTP request
        IP(**c2s, id=9, flags="DF") / TCP(sport=40000, dport=80, seq=1001, ack=5001, flags="PA",
                                          reserved=4, window=502,
                                          options=[("NOP", None), ("NOP", None),
                                                   ("Timestamp", (123460, 99))]) / http_req,
        IP(**s2c, id=10) / TCP(sport=80, dport=40000, seq=5001, ack=1048, flags="PA",
                               window=227) / http_resp,
        # SACK blocks, an unknown option (kind 30) and an explicit EOL
        IP(**c2s, id=11) / TCP(sport=40000, dport=80, seq=1048, ack=5001, flags="A",
                               options=[("NOP", None), ("NOP", None),
                                        ("SAck", (6000, 7000, 8000, 9000)),
                                        (30, b"\x01\x02\x03"), ("EOL", None)]),
        IP(**c2s, id=12) / TCP(sport=40000, dport=80, seq=1048, ack=5001, flags="FA"),
        IP(**s2c, id=13) / TCP(sport=54321, dport=12345, seq=0, ack=1, flags="RA", window=0),
        # deliberately wrong checksums
        IP(**c2s, id=14, chksum=0x1234) / TCP(sport=1, dport=2, flags="S"),
        IP(**c2s, id=15) / TCP(sport=1, dport=2, flags="S", chksum=0xbeef),
        IP(**c2s, id=16) / UDP(sport=5353, dport=53) / b"query",
        IP(**c2s, id=17) / UDP(sport=5353, dport=53, chksum=0x4242) / b"query",
        IP(**c2s, id=18) / UDP(sport=5353, dport=53, chksum=0) / b"no checksum",
        # the evil bit (RFC 3514), IP options, TTL 1, TOS
        IP(**c2s, id=19, flags="evil+DF", tos=0xb8) / UDP(sport=666, dport=667) / b"evil",
        IP(**c2s, id=20, ttl=1, options=[IPOption_Router_Alert()]) / UDP(sport=1, dport=2),
        IP(**c2s, id=21) / ICMP(type=8, id=0x1234, seq=1) / (b"x" * 56),
        IP(**s2c, id=22) / ICMP(type=0, id=0x1234, seq=1) / (b"x" * 56),
        IP(**s2c, id=23) / ICMP(type=3, code=3) /
        IP(bytes(IP(**c2s, id=16) / UDP(sport=5353, dport=9) / b"query")[:28]),
        IP(**s2c, id=24) / ICMP(type=3, code=4, nexthopmtu=1400) /
        IP(bytes(IP(**c2s, id=99, flags="DF") / TCP(sport=40000, dport=80) / (b"y" * 100))[:28]),
        IP(**c2s, id=25, chksum=None) / ICMP(type=8, id=1, seq=2, chksum=0x0bad) / b"bad",
    ]
    # a fragmented UDP datagram: first fragment (MF) and last (offset)
    pkts += fragment(IP(**c2s, id=26) / UDP(sport=7, dport=7) / (b"z" * 60), fragsize=32)
    return pkts


def all_frames():
    frames = [seed_syn()]
    frames += [eth(p, M2 if p.src == A2 else M1, M1 if p.src == A2 else M2) for p in ip_packets()]
    frames += [
        Ether(src=M2, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=M2, psrc=A2, pdst=A1),
        Ether(src=M1, dst=M2) / ARP(op=2, hwsrc=M1, psrc=A1, hwdst=M2, pdst=A2),
    ]
    return frames


def write_pcap(path, pkts, linktype=None, endianness="", nano=False):
    w = PcapWriter(str(path), linktype=linktype, endianness=endianness, nano=nano, sync=True)
    for i, p in enumerate(pkts):
        p.time = T0 + i
        w.write(p)
    w.close()


# ------------------------------------------------------------ our output

def split_frames(text):
    blocks = re.split(r"^(?=Frame \d+: )", text, flags=re.M)
    return [b for b in blocks if b.startswith("Frame ")]


def one(rx, block, flags=re.M):
    m = re.search(rx, block, flags)
    return m.groups() if m else None


def status(word):
    """Our checksum verdict as tshark's *.checksum.status value."""
    return {"correct": "1", "incorrect": "0", "none": "3"}.get(word, "2")


def ours(block):
    """Fields of one of our frame blocks, named like tshark's."""
    f = {}
    g = one(r"^Ethernet II, Src: (\S+), Dst: (\S+)$", block)
    if g:
        f["eth.src"], f["eth.dst"] = g
    g = one(r"^Internet Protocol Version 4, Src: (\S+), Dst: (\S+)$", block)
    if g:
        f["ip.src"], f["ip.dst"] = g
        f["ip.id"] = "0x%s" % one(r"^    Identification: 0x([0-9a-f]{4})", block)[0]
        f["ip.ttl"] = one(r"^    Time to Live: (\d+)$", block)[0]
        f["ip.proto"] = one(r"^    Protocol: \S+ \((\d+)\)$", block)[0]
        f["ip.flags.rb"] = one(r"^        (\d)\.\.\. \.\.\.\. = Reserved bit", block)[0]
        f["ip.flags.df"] = one(r"^        \.(\d)\.\. \.\.\.\. = Don't fragment", block)[0]
        f["ip.flags.mf"] = one(r"^        \.\.(\d)\. \.\.\.\. = More fragments", block)[0]
        f["ip.dsfield"] = "0x%s" % one(r"^    Differentiated Services Field: 0x([0-9a-f]{2})", block)[0]
        f["ip.frag_offset"] = one(r"^    Fragment Offset: (\d+)$", block)[0]
        cs, st = one(r"^    Header Checksum: 0x([0-9a-f]{4}) \[(\w+)", block)
        f["ip.checksum"] = "0x" + cs
        f["ip.checksum.status"] = status(st)
    g = one(r"^Transmission Control Protocol, Src Port: (\d+), Dst Port: (\d+)", block)
    if g:
        f["tcp.srcport"], f["tcp.dstport"] = g
        f["tcp.seq_raw"] = one(r"^    Sequence Number \(raw\): (\d+)$", block)[0]
        f["tcp.ack_raw"] = one(r"^    Acknowledgment Number \(raw\): (\d+)$", block)[0]
        f["tcp.window_size_value"] = one(r"^    Window: (\d+)$", block)[0]
        f["tcp.hdr_len"] = one(r"= Header Length: (\d+) bytes", block.split("Transmission")[1])[0]
        fl, names, dth = one(r"^    Flags: 0x([0-9a-f]{3}) \((.*?)\)( DTH)?$", block)
        f["_flags9"], f["_flagnames"], f["_dth"] = int(fl, 16), names, bool(dth)
        cs, st = one(r"^    Checksum: 0x([0-9a-f]{4}) \[(\w+)", block)
        f["tcp.checksum"], f["tcp.checksum.status"] = "0x" + cs, status(st)
        g = one(r"TCP Option - Maximum segment size: (\d+) bytes", block)
        if g:
            f["tcp.options.mss_val"] = g[0]
        g = one(r"TCP Option - Window scale: (\d+) ", block)
        if g:
            f["tcp.options.wscale.shift"] = g[0]
        g = one(r"TCP Option - Timestamps: TSval (\d+), TSecr (\d+)", block)
        if g:
            f["tcp.options.timestamp.tsval"], f["tcp.options.timestamp.tsecr"] = g
        g = one(r"TCP Option - SACK((?: \d+-\d+)+)$", block)
        if g:
            pairs = [x.split("-") for x in g[0].split()]
            f["tcp.options.sack_le"] = ",".join(a for a, _ in pairs)
            f["tcp.options.sack_re"] = ",".join(b for _, b in pairs)
        f["_sackok"] = "TCP Option - SACK permitted" in block
        f["_nops"] = block.count("TCP Option - No-Operation (NOP)")
        f["_eol"] = "TCP Option - End of Option List (EOL)" in block
        f["_unknown"] = one(r"TCP Option - Unknown \(kind (\d+), (\d+) bytes\)", block)
        g = one(r"^Hypertext Transfer Protocol\n    (.*)$", block)
        if g:
            f["_http"] = g[0]
    g = one(r"^User Datagram Protocol, Src Port: (\d+), Dst Port: (\d+)$", block)
    if g:
        f["udp.srcport"], f["udp.dstport"] = g
        f["udp.length"] = one(r"^    Length: (\d+)", block)[0]
        cs, st = one(r"^    Checksum: 0x([0-9a-f]{4}) \[(\w+)", block)
        f["udp.checksum"], f["udp.checksum.status"] = "0x" + cs, status(st)
    if re.search(r"^Internet Control Message Protocol$", block, re.M):
        f["icmp.type"] = one(r"^    Type: (\d+)", block)[0]
        f["icmp.code"] = one(r"^    Code: (\d+)", block)[0]
        cs, st = one(r"^    Checksum: 0x([0-9a-f]{4}) \[(\w+)", block)
        f["icmp.checksum"], f["icmp.checksum.status"] = "0x" + cs, status(st)
        g = one(r"^    MTU of next hop: (\d+)$", block)
        if g:
            f["icmp.mtu"] = g[0]
        g = one(r"^    Identifier \(BE\): (\d+)", block)
        if g:
            f["icmp.ident"] = g[0]
            f["icmp.seq"] = one(r"^    Sequence Number \(BE\): (\d+)", block)[0]
    if block.count("Address Resolution Protocol"):
        f["arp.opcode"] = one(r"^    Opcode: \w+ \((\d+)\)$", block)[0]
        f["arp.src.hw_mac"] = one(r"^    Sender MAC address: (\S+)$", block)[0]
        f["arp.src.proto_ipv4"] = one(r"^    Sender IP address: (\S+)$", block)[0]
        f["arp.dst.proto_ipv4"] = one(r"^    Target IP address: (\S+)$", block)[0]
    return f


# ------------------------------------------------------------ tshark

FIELDS = ["eth.src", "eth.dst", "ip.src", "ip.dst", "ip.id", "ip.ttl", "ip.proto", "ip.flags.rb",
          "ip.flags.df", "ip.flags.mf", "ip.dsfield", "ip.frag_offset", "ip.checksum",
          "ip.checksum.status", "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.ack_raw",
          "tcp.window_size_value", "tcp.hdr_len", "tcp.flags", "tcp.checksum",
          "tcp.checksum.status", "tcp.options.mss_val", "tcp.options.wscale.shift",
          "tcp.options.timestamp.tsval", "tcp.options.timestamp.tsecr", "tcp.options.sack_le",
          "tcp.options.sack_re", "tcp.options.sack_perm", "tcp.option_kind", "udp.srcport",
          "udp.dstport", "udp.length", "udp.checksum", "udp.checksum.status", "icmp.type",
          "icmp.code", "icmp.checksum", "icmp.checksum.status", "icmp.mtu", "icmp.ident",
          "icmp.seq", "arp.opcode", "arp.src.hw_mac", "arp.src.proto_ipv4", "arp.dst.proto_ipv4",
          "http.request.method", "http.request.uri", "http.response.code"]


def tshark(path):
    cmd = ["tshark", "-n", "-r", str(path), "-o", "tcp.check_checksum:TRUE",
           "-o", "udp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
           "-o", "tcp.relative_sequence_numbers:FALSE", "-o", "tcp.analyze_sequence_numbers:FALSE",
           "-o", "ip.defragment:FALSE",
           "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    rows = []
    for ln in r.stdout.splitlines():
        vals = ln.split("\t")
        rows.append({k: v for k, v in zip(FIELDS, vals) if v != ""})
    return rows


def first(v):
    return v.split(",")[0]


def compare(mine, theirs, frame_no):
    """Asserts every field tshark shows is shown the same by us."""
    where = "frame %d" % frame_no
    icmp_err = "icmp.type" in theirs and first(theirs["icmp.type"]) in ("3", "11", "12")
    checked = 0
    scalar = ["eth.src", "eth.dst", "ip.src", "ip.dst", "ip.id", "ip.ttl", "ip.proto", "ip.flags.rb",
              "ip.flags.df", "ip.flags.mf", "ip.dsfield", "ip.frag_offset", "ip.checksum",
              "ip.checksum.status", "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.ack_raw",
              "tcp.window_size_value", "tcp.hdr_len", "tcp.checksum", "tcp.checksum.status",
              "tcp.options.mss_val", "tcp.options.wscale.shift", "tcp.options.timestamp.tsval",
              "tcp.options.timestamp.tsecr", "udp.srcport", "udp.dstport", "udp.length",
              "udp.checksum", "udp.checksum.status", "icmp.type", "icmp.code", "icmp.checksum",
              "icmp.checksum.status", "icmp.mtu", "icmp.ident", "icmp.seq", "arp.opcode",
              "arp.src.hw_mac", "arp.src.proto_ipv4", "arp.dst.proto_ipv4"]
    for k in scalar:
        if k not in theirs:
            continue
        if icmp_err and (k.startswith("tcp.") or k.startswith("udp.")):
            continue  # tshark reports the quoted header; we print it as a quote
        want = first(theirs[k])
        if k in ("ip.dsfield", "ip.id", "ip.checksum", "tcp.checksum", "udp.checksum", "icmp.checksum"):
            want = "0x%04x" % int(want, 16) if k != "ip.dsfield" else "0x%02x" % int(want, 16)
        if k == "ip.frag_offset":
            want = str(int(want) * 8)  # the field counts 8-byte units; both trees show bytes
        assert k in mine, "%s: we show no %s (tshark: %s)\n" % (where, k, want)
        assert mine[k] == want, "%s: %s: ours %r, tshark %r" % (where, k, mine[k], want)
        checked += 1
    for k in ("tcp.options.sack_le", "tcp.options.sack_re"):
        if k in theirs and not icmp_err:
            assert mine.get(k) == theirs[k], "%s: %s: ours %r, tshark %r" % (where, k, mine.get(k), theirs[k])
            checked += 1
    if "tcp.flags" in theirs and not icmp_err:
        f12 = int(theirs["tcp.flags"], 16)
        assert mine["_flags9"] == f12 & 0x1ff, where
        assert mine["_dth"] == bool(f12 & 0x800), where
        checked += 1
    if "tcp.option_kind" in theirs and not icmp_err:
        kinds = theirs["tcp.option_kind"].split(",")
        assert mine["_sackok"] == ("4" in kinds), where
        assert mine["_nops"] == kinds.count("1"), where
        assert mine["_eol"] == ("0" in kinds), where
        assert (mine["_unknown"] is not None) == ("30" in kinds), where
    if "http.request.method" in theirs:
        assert mine["_http"].startswith("%s %s HTTP/1.1\\r\\n" % (theirs["http.request.method"],
                                                                  theirs["http.request.uri"])), where
    if "http.response.code" in theirs:
        assert mine["_http"].startswith("HTTP/1.1 %s " % theirs["http.response.code"]), where
    return checked


def check_against_tshark(path, expect_frames):
    r = hokuto("dissect", str(path))
    assert r.returncode == 0, r.stderr.decode()
    blocks = split_frames(r.stdout.decode())
    rows = tshark(path)
    assert len(blocks) == len(rows) == expect_frames
    total = 0
    for i, (b, t) in enumerate(zip(blocks, rows), 1):
        total += compare(ours(b), t, i)
    assert total > 10 * expect_frames  # the comparison really compared
    return r.stdout.decode()


# ------------------------------------------------------------ tests

def test_ethernet_pcap_matches_tshark(tmp_path):
    frames = all_frames()
    p = tmp_path / "eth.pcap"
    write_pcap(p, frames)
    out = check_against_tshark(p, len(frames))
    # spot checks of the text itself
    assert "Flags: 0x018 (PSH, ACK) DTH\n" in out
    assert "    Header Checksum: 0x0aff [correct]\n" in out
    assert "    Checksum: 0x2c83 [correct]\n" in out
    assert "Header Checksum: 0x1234 [incorrect, should be 0x" in out
    assert "Checksum: 0xbeef [incorrect, should be 0x" in out
    assert "Checksum: 0x4242 [incorrect, should be 0x" in out
    assert "Checksum: 0x0000 [none]" in out
    assert "Reserved bit: Set (evil, RFC 3514)" in out
    assert "Flags: 0x6, Evil bit, Don't fragment" in out
    assert "IP Option - Router Alert (kind 148, 4 bytes)" in out
    assert "TCP Option - Unknown (kind 30, 5 bytes)" in out
    assert "TCP Option - SACK 6000-7000 8000-9000" in out
    assert "GET /index.html HTTP/1.1\\r\\n" in out
    assert "Address Resolution Protocol (request)" in out
    assert "Data: fragment at offset 32" in out


def test_seed_syn_block(tmp_path):
    p = tmp_path / "seed.pcap"
    write_pcap(p, [seed_syn()])
    r = hokuto("dissect", str(p))
    assert r.returncode == 0
    out = r.stdout.decode()
    for want in ["Frame 1: 54 bytes on wire (432 bits), 54 bytes captured (432 bits)",
                 "Ethernet II, Src: 00:00:5e:00:53:02, Dst: 00:00:5e:00:53:01",
                 "Internet Protocol Version 4, Src: 192.0.2.2, Dst: 192.0.2.1",
                 "    Identification: 0xabcd (43981)",
                 "    010. .... = Flags: 0x2, Don't fragment",
                 "    Header Checksum: 0x0aff [correct]",
                 "Transmission Control Protocol, Src Port: 12345, Dst Port: 54321, Seq: 0, Len: 0",
                 "    Flags: 0x002 (SYN)",
                 "    Window: 64240",
                 "    Checksum: 0x2c83 [correct]"]:
        assert want + "\n" in out, want


@pytest.mark.parametrize("endianness,nano", [("<", False), (">", False), ("<", True), (">", True)])
def test_byte_orders_and_nanoseconds(tmp_path, endianness, nano):
    frames = all_frames()
    p = tmp_path / "x.pcap"
    write_pcap(p, frames, endianness=endianness, nano=nano)
    with open(p, "rb") as f:
        magic = f.read(4)
    want_magic = struct.pack(endianness + "I", 0xa1b23c4d if nano else 0xa1b2c3d4)
    assert magic == want_magic
    out = check_against_tshark(p, len(frames))
    assert "Epoch Time: 1700000000.250000000 seconds" in out
    # the same frames decode the same way in every format
    ref = tmp_path / "ref.pcap"
    write_pcap(ref, frames)
    base = hokuto("dissect", str(ref)).stdout
    assert out.encode() == base


@pytest.mark.parametrize("linktype", [101, 228])
def test_raw_ipv4_link_types(tmp_path, linktype):
    pkts = ip_packets()
    p = tmp_path / ("raw%d.pcap" % linktype)
    write_pcap(p, pkts, linktype=linktype)
    out = check_against_tshark(p, len(pkts))
    assert "Ethernet II" not in out
    assert out.count("Internet Protocol Version 4, Src:") >= len(pkts)


def test_reads_stdin(tmp_path):
    p = tmp_path / "s.pcap"
    write_pcap(p, [seed_syn()])
    data = p.read_bytes()
    r = hokuto("dissect", "-", stdin=data)
    assert r.returncode == 0
    assert r.stdout == hokuto("dissect", str(p)).stdout
    r = hokuto("dissect", "-x", str(p))
    assert "0000  00 00 5e 00 53 01 00 00 5e 00 53 02 08 00 45 00   ..^.S...^.S...E.\n" in r.stdout.decode()


def pcap_header(linktype=1):
    return struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, linktype)


def record(data, incl=None, orig=None):
    incl = len(data) if incl is None else incl
    return struct.pack("<IIII", 1700000000, 0, incl, len(data) if orig is None else orig) + data


def test_bad_files_never_crash(tmp_path):
    frame = bytes(seed_syn())
    cases = {
        "empty": b"",
        "short_header": pcap_header()[:10],
        "bad_magic": b"\x0a\x0d\x0d\x0a" + b"\0" * 40,
        "unknown_linktype": pcap_header(147) + record(frame),
        "cut_record_header": pcap_header() + record(frame) + record(frame)[:9],
        "cut_record_data": pcap_header() + record(frame) + record(frame)[:30],
        "huge_length": pcap_header() + record(frame) + struct.pack("<IIII", 0, 0, 0xfffffff0, 0xfffffff0),
        "huge_length_2": pcap_header() + struct.pack("<IIII", 0, 0, 262145, 262145) + b"\0" * 64,
    }
    for name, data in cases.items():
        p = tmp_path / (name + ".pcap")
        p.write_bytes(data)
        r = hokuto("dissect", str(p))
        assert r.returncode == 1, (name, r.returncode, r.stderr)
        assert r.stderr, name
    # frames before the damage are still shown
    r = hokuto("dissect", str(tmp_path / "cut_record_data.pcap"))
    assert r.stdout.decode().count("Frame ") == 1
    assert b"cut short" in r.stderr
    r = hokuto("dissect", str(tmp_path / "huge_length.pcap"))
    assert b"larger than" in r.stderr
    r = hokuto("dissect", str(tmp_path / "no_such_file.pcap"))
    assert r.returncode == 1 and b"No such file" in r.stderr


def test_garbage_frames_decode_without_crashing(tmp_path):
    """Truncated and corrupted frames (snap lengths below the packet, bit
    flips, random bytes) decode to text, every one, exit 0."""
    import random
    rnd = random.Random(9401)
    good = [bytes(f) for f in all_frames()]
    data = pcap_header()
    n = 0
    for g in good:
        for cut in range(0, len(g), 3):
            data += record(g[:cut], orig=len(g))
            n += 1
    for _ in range(400):
        g = bytearray(rnd.choice(good))
        for _ in range(rnd.randint(1, 8)):
            g[rnd.randrange(len(g))] = rnd.randrange(256)
        data += record(bytes(g))
        n += 1
    for _ in range(100):
        data += record(bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 120))))
        n += 1
    p = tmp_path / "garbage.pcap"
    p.write_bytes(data)
    r = hokuto("dissect", str(p))
    assert r.returncode == 0, r.stderr
    assert len(split_frames(r.stdout.decode())) == n
    assert "Malformed" in r.stdout.decode()
