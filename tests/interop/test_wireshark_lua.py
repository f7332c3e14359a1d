"""tools/wireshark/dth.lua names the RFC 9401 DTH bit (and the RFC 3514 evil
bit) in tshark output. No network: scapy writes a pcap, tshark reads it.

Run:  /usr/bin/python3 -m pytest tests/interop/test_wireshark_lua.py

tshark as root and Lua: Wireshark refuses personal Lua scripts (including
-X lua_script:) when it runs as root only if init.lua sets
run_user_scripts_when_superuser = false. Debian 12's
/usr/share/wireshark/init.lua sets it to true, so as root tshark loads the
script and only prints 'Running as user "root" ... could be dangerous.' on
stderr. These tests accept that one warning and nothing else on stderr; if
the script was not loaded (Lua disabled, or refused as root) they fail with
a message saying so instead of reporting wrong field values. tshark runs with
HOME and WIRESHARK_CONFIG_DIR pointed at an empty directory, so personal
preferences or an installed copy of dth.lua cannot interfere, and with -n so
nothing is looked up on the network.
"""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

scapy_all = pytest.importorskip("scapy.all")
from scapy.all import ICMP, IP, TCP, UDP, Ether, Raw, wrpcap  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
LUA = REPO / "tools" / "wireshark" / "dth.lua"
TSHARK = shutil.which("tshark") or "/usr/bin/tshark"
ROOT_WARNING = "could be dangerous"

A, B = "192.0.2.1", "192.0.2.2"
MAC_A, MAC_B = "00:00:5e:00:53:01", "00:00:5e:00:53:02"

pytestmark = pytest.mark.skipif(not os.path.exists(TSHARK), reason="tshark not installed")


def with_dth(pkt):
    """pkt with the DTH bit (0x08 of TCP header byte 12) set, written into the
    bytes directly (independent of how scapy names the reserved bits), and
    checksums recomputed so the bit is covered like any other header bit."""
    raw = bytearray(bytes(pkt))
    off = len(raw) - len(bytes(pkt[TCP]))
    raw[off + 12] |= 0x08
    out = pkt.__class__(bytes(raw))
    out[IP].chksum = None
    out[TCP].chksum = None
    return out.__class__(bytes(out))


def tcp_byte12(pkt):
    return bytes(pkt[TCP])[12]


def ab(**kw):
    return Ether(src=MAC_A, dst=MAC_B) / IP(src=A, dst=B, **kw)


def ba(**kw):
    return Ether(src=MAC_B, dst=MAC_A) / IP(src=B, dst=A, **kw)


POST = ("POST / HTTP/1.1\nHost: 192.0.2.2:80\nUser-Agent: curl/7.81.0\nAccept: */*\n"
        "Content-Length: 60\nContent-Type: application/x-www-form-urlencoded\n\n"
        "この戦争が終わったらこいつと結婚するんだ").encode()
RESP = ("HTTP/1.1 200 OK\r\nContent-Length: 25\r\n\r\nもう何も怖くない\n").encode()


def build_frames():
    """(packet, expected dth.flag, expected dth.evil, DTH expert note) per
    frame; dth.flag None = no TCP header in the frame."""
    c, s = 40000, 80
    syn = ab() / TCP(sport=c, dport=s, flags="S", seq=1000)
    synack = ba() / TCP(sport=s, dport=c, flags="SA", seq=5000, ack=1001)
    ack = ab() / TCP(sport=c, dport=s, flags="A", seq=1001, ack=5001)
    post = with_dth(ab() / TCP(sport=c, dport=s, flags="PA", seq=1001, ack=5001) / Raw(POST))
    ack2 = ba() / TCP(sport=s, dport=c, flags="A", seq=5001, ack=1001 + len(POST))
    # 32-byte header (timestamps): byte 12 becomes 0x88
    resp = with_dth(ba() / TCP(sport=s, dport=c, flags="PA", seq=5001, ack=1001 + len(POST),
                               options=[("NOP", None), ("NOP", None), ("Timestamp", (7, 9))])
                    / Raw(RESP))
    # evil bit without DTH, then both: interpreted independently (RFC 9401 3.4)
    evil = ab(flags="evil") / TCP(sport=c, dport=s, flags="A", seq=1001 + len(POST),
                                  ack=5001 + len(RESP))
    evil_dth = with_dth(ab(flags="evil") / TCP(sport=c, dport=s, flags="PA",
                                               seq=1001 + len(POST), ack=5001 + len(RESP))
                        / Raw(b"I'll be right back\n"))
    # the other reserved bits (0x04 0x02 of byte 12) and AE/NS (0x01) are not DTH
    other_res = ab() / TCP(sport=c, dport=s, flags="A", reserved=3, seq=1020 + len(POST),
                           ack=5001 + len(RESP))
    ns = ab() / TCP(sport=c, dport=s, flags="NA", seq=1020 + len(POST), ack=5001 + len(RESP))
    fin = with_dth(ba() / TCP(sport=s, dport=c, flags="FA", seq=5001 + len(RESP),
                              ack=1020 + len(POST)))
    udp = ab() / UDP(sport=40001, dport=9) / Raw(b"no tcp here")
    # an ICMP error quoting a DTH segment: shown, but not this packet's DTH
    quoted = ba() / ICMP(type=3, code=3) / bytes(post[IP])[:48]
    return [
        (syn, 0, 0, False),
        (synack, 0, 0, False),
        (ack, 0, 0, False),
        (post, 1, 0, True),
        (ack2, 0, 0, False),
        (resp, 1, 0, True),
        (evil, 0, 1, False),
        (evil_dth, 1, 1, True),
        (other_res, 0, 0, False),
        (ns, 0, 0, False),
        (fin, 1, 0, True),
        (udp, None, 0, False),
        (quoted, 1, 0, False),
    ]


def tshark(pcap, *args, tmp):
    env = dict(os.environ, HOME=str(tmp), WIRESHARK_CONFIG_DIR=str(tmp / "wsconf"),
               LC_ALL="C.UTF-8")
    (tmp / "wsconf").mkdir(exist_ok=True)
    cmd = [TSHARK, "-n", "-X", "lua_script:%s" % LUA, "-r", str(pcap), *args]
    p = subprocess.run(cmd, env=env, text=True, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    noise = [l for l in p.stderr.splitlines() if l.strip() and ROOT_WARNING not in l]
    if "aren't valid" in p.stderr and "dth." in p.stderr:
        pytest.fail("tshark did not load %s (Lua disabled, or refused as root: see "
                    "run_user_scripts_when_superuser in /usr/share/wireshark/init.lua):\n%s"
                    % (LUA, p.stderr))
    assert p.returncode == 0 and not noise, "tshark %s failed (%d):\n%s" % (
        " ".join(args), p.returncode, p.stderr)
    return p.stdout


@pytest.fixture
def capture(tmp_path):
    frames = build_frames()
    pcap = tmp_path / "dth.pcap"
    wrpcap(str(pcap), [f[0] for f in frames])
    return pcap, frames


def test_scapy_reserved_4_is_dth():
    """DESIGN/RFC9401.md say scapy's TCP(reserved=4) is DTH: check it, and
    check our byte-level helper agrees."""
    plain = TCP(sport=1, dport=2)
    assert bytes(plain)[12] == 0x50
    assert bytes(TCP(sport=1, dport=2, reserved=4))[12] == 0x58
    assert tcp_byte12(with_dth(ab() / plain)) == 0x58


def test_crafted_bytes(capture):
    _, frames = capture
    post, resp = frames[3][0], frames[5][0]
    assert tcp_byte12(post) == 0x58          # 20-byte header
    assert tcp_byte12(resp) == 0x88          # 32-byte header
    assert tcp_byte12(frames[8][0]) == 0x56  # reserved=3: not DTH
    assert tcp_byte12(frames[9][0]) == 0x51  # NS/AE: not DTH


def test_exactly_marked_frames_show_the_flag(capture, tmp_path):
    pcap, frames = capture
    out = tshark(pcap, "-T", "fields", "-E", "separator=|", "-e", "frame.number",
                 "-e", "dth.flag", "-e", "dth.evil", tmp=tmp_path)
    rows = [l.split("|") for l in out.splitlines()]
    assert len(rows) == len(frames)
    for (num, flag, evil), (_, want_flag, want_evil, _) in zip(rows, frames):
        want = "" if want_flag is None else str(want_flag)
        assert flag == want, "frame %s: dth.flag %r, want %r" % (num, flag, want)
        # the outer IPv4 header comes first; a quoted one may follow
        assert evil.split(",")[0] == str(want_evil), "frame %s: dth.evil %r" % (num, evil)


def test_display_filter_and_expert_note(capture, tmp_path):
    pcap, frames = capture
    out = tshark(pcap, "-Y", "dth.flag == 1", "-T", "fields", "-e", "frame.number", tmp=tmp_path)
    assert [int(x) for x in out.split()] == [
        i + 1 for i, f in enumerate(frames) if f[1] == 1]
    out = tshark(pcap, "-T", "fields", "-E", "separator=|", "-E", "aggregator=;",
                 "-e", "frame.number", "-e", "_ws.expert.message", tmp=tmp_path)
    for line, (_, _, evil, note) in zip(out.splitlines(), frames):
        num, msgs = line.split("|")
        msgs = msgs.split(";")
        assert ("Death flag set (RFC 9401)" in msgs) == note, "frame %s: %s" % (num, msgs)
        assert ("Evil bit set (RFC 3514)" in msgs) == bool(evil), "frame %s" % num
    fin_msgs = out.splitlines()[10]
    assert "Hokuto-Shinken" in fin_msgs
    # the Info column names it too
    out = tshark(pcap, "-Y", "frame.number == 8", tmp=tmp_path)
    assert "[Evil] [DTH]" in out


def test_nothing_malformed_and_checksums_good(capture, tmp_path):
    pcap, _ = capture
    assert tshark(pcap, "-Y", "_ws.malformed || _ws.lua.error", tmp=tmp_path) == ""
    # DTH is covered by the checksum like every other header bit
    assert tshark(pcap, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
                  "-Y", "!icmp && (tcp.checksum.status != 1 || ip.checksum.status != 1)",
                  tmp=tmp_path) == ""


def test_raw_ip_capture(tmp_path):
    """hokuto's pcap writer uses LINKTYPE_RAW for tun devices: same result."""
    marked = with_dth(ab() / TCP(sport=1, dport=2, flags="PA") / Raw(b"x"))[IP]
    plain = (ab() / TCP(sport=1, dport=2, flags="PA") / Raw(b"x"))[IP]
    pcap = tmp_path / "raw.pcap"
    wrpcap(str(pcap), [marked, plain], linktype=101)
    out = tshark(pcap, "-T", "fields", "-e", "frame.protocols", "-e", "dth.flag", tmp=tmp_path)
    assert [l.split("\t") for l in out.splitlines()] == [
        ["raw:ip:tcp:data", "1"], ["raw:ip:tcp:data", "0"]]
