"""ARP, IPv4 and ICMP echo against Linux, both directions, over the packet
(AF_PACKET on a veth), tap and tun devices; fragmentation and reassembly;
malformed frames dropped and counted while hokuto keeps answering."""
import re
import shutil
import signal
from pathlib import Path

import pytest

from conftest import run_hokuto, tshark_lines, wait_for

# iputils ping's lines, which hokuto ping reproduces.
RE_HEADER = re.compile(r"^PING (\S+) \((\d+\.\d+\.\d+\.\d+)\) (\d+)\((\d+)\) bytes of data\.$", re.M)
RE_REPLY = re.compile(r"^(\d+) bytes from (\d+\.\d+\.\d+\.\d+): icmp_seq=(\d+) ttl=(\d+) time=(\d+(?:\.\d+)?) ms$",
                      re.M)
RE_SUMMARY = re.compile(r"^(\d+) packets transmitted, (\d+) received(?:, \+\d+ \w+)*, "
                        r"([\d.]+)% packet loss, time (\d+)ms$", re.M)
RE_RTT = re.compile(r"^rtt min/avg/max/mdev = ([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+) ms$", re.M)


def serve(hokuto, ns, args, name="serve"):
    return hokuto(ns, args, ["serve"], name=name).wait_ready()


def assert_iputils_output(out, dst, count, size=56):
    m = RE_HEADER.search(out)
    assert m, "no PING header line in:\n" + out
    assert m.group(2) == dst and int(m.group(3)) == size and int(m.group(4)) == size + 28
    replies = RE_REPLY.findall(out)
    assert [int(r[2]) for r in replies] == list(range(1, count + 1)), out
    for nbytes, src, _seq, ttl, _time in replies:
        assert int(nbytes) == size + 8 and src == dst and int(ttl) == 64
    assert "--- %s ping statistics ---" % dst in out
    m = RE_SUMMARY.search(out)
    assert m, "no statistics line in:\n" + out
    assert (int(m.group(1)), int(m.group(2)), float(m.group(3))) == (count, count, 0.0)
    m = RE_RTT.search(out)
    assert m, "no rtt line in:\n" + out
    lo, avg, hi, _mdev = (float(x) for x in m.groups())
    assert 0 <= lo <= avg <= hi < 1000


# ------------------------------------------------------- packet (veth pair)

def test_linux_pings_hokuto_packet(veth_lab, hokuto):
    lab = veth_lab
    h = serve(hokuto, lab.hk, lab.hokuto_args())
    out = lab.linux.ping(lab.hk_ip, count=3).stdout
    assert "3 received" in out
    # ARP resolved hokuto's address to its MAC in the kernel's table.
    neigh = lab.linux.neigh(lab.hk_ip, lab.linux_if)
    assert lab.hk_mac in neigh, neigh
    assert h.stop() == 0
    st = h.stats()
    assert st.get("arp_rx_requests", 0) >= 1 and st.get("arp_tx_replies", 0) >= 1, st
    assert st.get("icmp_tx_echo_replies", 0) == 3, st
    replies = tshark_lines(h.pcap, "icmp.type == 0 && ip.src == %s" % lab.hk_ip)
    assert len(replies) == 3


def test_hokuto_pings_linux_packet(veth_lab, tmp_path):
    lab = veth_lab
    rc, out, err, st = run_hokuto(lab.hk, lab.hokuto_args(), ["ping", "-c", "3", "-i", "0.2", lab.linux_ip],
                                  tmp_path, "ping")
    assert rc == 0, out + err
    assert_iputils_output(out, lab.linux_ip, 3)
    # hokuto resolved Linux by ARP ...
    assert st.get("arp_tx_requests", 0) >= 1 and st.get("arp_rx_replies", 0) >= 1, st
    assert st.get("icmp_rx_echo_replies", 0) == 3, st
    # ... and Linux learnt hokuto's MAC from hokuto's request.
    neigh = lab.linux.neigh(lab.hk_ip, lab.linux_if)
    assert lab.hk_mac in neigh, neigh


def test_hokuto_ping_no_reply_exits_1(veth_lab, tmp_path):
    lab = veth_lab
    rc, out, err, st = run_hokuto(lab.hk, lab.hokuto_args(),
                                  ["ping", "-c", "2", "-i", "0.2", "-W", "1", "192.0.2.99"], tmp_path, "ping")
    assert rc == 1, out + err
    assert "2 packets transmitted, 0 received" in out and "100% packet loss" in out, out
    assert "rtt" not in out
    assert st.get("arp_tx_requests", 0) >= 1, st


def test_hokuto_ping_sigint_prints_statistics(veth_lab, hokuto):
    lab = veth_lab
    h = hokuto(lab.hk, lab.hokuto_args(), ["ping", "-i", "0.2", lab.linux_ip], name="ping")
    wait_for(lambda: "icmp_seq=3 " in h.stdout, timeout=10, what="three replies")
    assert h.stop(signal.SIGINT) == 0
    out = h.stdout
    assert "--- %s ping statistics ---" % lab.linux_ip in out
    m = RE_SUMMARY.search(out)
    assert m and int(m.group(2)) >= 3, out
    assert RE_RTT.search(out), out


def test_big_pings_fragment_and_reassemble(veth_lab, hokuto, tmp_path):
    lab = veth_lab
    # Linux -> hokuto: hokuto reassembles the request, fragments its reply.
    h = serve(hokuto, lab.hk, lab.hokuto_args())
    out = lab.linux.ping(lab.hk_ip, count=2, size=4000).stdout
    assert "4008 bytes from %s" % lab.hk_ip in out, out
    assert h.stop() == 0
    st = h.stats()
    assert st.get("ip_reasm_ok", 0) == 2, st
    assert st.get("ip_frag_created", 0) >= 6, st  # 4028-byte replies: 3 fragments each
    # hokuto -> Linux: the same, the other way round.
    rc, out, err, st = run_hokuto(lab.hk, lab.hokuto_args(),
                                  ["ping", "-c", "2", "-i", "0.2", "-s", "4000", lab.linux_ip], tmp_path, "ping")
    assert rc == 0, out + err
    assert_iputils_output(out, lab.linux_ip, 2, size=4000)
    assert st.get("ip_frag_created", 0) >= 6 and st.get("ip_reasm_ok", 0) == 2, st


# --------------------------------------------------------- malformed input

def malformed_frames(lab):
    """(counter, frames) pairs: each frame must be dropped and counted."""
    from scapy.layers.inet import ICMP, IP
    from scapy.layers.l2 import ARP, Ether
    from scapy.packet import Raw

    eth = Ether(dst=lab.hk_mac, src=lab.linux_mac)
    ip = dict(src=lab.linux_ip, dst=lab.hk_ip)

    def echo(ident, **ipkw):
        return eth / IP(**ip, **ipkw) / ICMP(id=ident, seq=1) / Raw(b"hokuto" * 6)

    good = bytes(echo(0x4201))
    cases = [
        # The frame holds less than an IP header, or less than the IP total
        # length says ("shorter than header or total length").
        ("ip_rx_truncated", [good[:14 + 12], good[:14 + 30], bytes(echo(0x4202, len=200))]),
        # A total length below the header length.
        ("ip_rx_bad_total_length", [bytes(echo(0x4205, len=12))]),
        ("ip_rx_bad_checksum", [bytes(echo(0x4203, chksum=0x1234))]),
        ("ip_rx_bad_ihl", [bytes(echo(0x4204, ihl=3))]),
        ("ip_rx_bad_version", [bytes(echo(0x4206, version=6))]),
        ("icmp_rx_malformed", [bytes(eth / IP(**ip) / ICMP(id=0x4207, seq=1, chksum=0xdead) / Raw(b"x" * 8))]),
        ("arp_rx_malformed", [bytes(eth / ARP(op=1, hwsrc=lab.linux_mac, psrc=lab.linux_ip,
                                              pdst=lab.hk_ip))[:14 + 10]]),
    ]
    # Overlapping fragments (RFC 5722's rule, applied to IPv4): the whole
    # datagram is dropped, no echo reply.
    icmp = bytes(ICMP(id=0x4208, seq=1) / Raw(bytes(range(40))))  # 48 bytes
    first = eth / IP(**ip, id=0x777, flags="MF", frag=0, proto=1) / Raw(icmp[:24])
    second = eth / IP(**ip, id=0x777, flags=0, frag=2, proto=1) / Raw(icmp[16:])
    cases.append(("ip_reasm_overlap", [bytes(first), bytes(second)]))
    return cases


def test_malformed_frames_dropped_and_counted(veth_lab, hokuto):
    lab = veth_lab
    h = serve(hokuto, lab.hk, lab.hokuto_args())
    h.injected_from = lab.linux_mac
    lab.linux.ping(lab.hk_ip, count=1)
    cases = malformed_frames(lab)
    for _counter, frames in cases:
        lab.send_frames(frames)
        # Still answering after each kind of bad input.
        lab.linux.ping(lab.hk_ip, count=1)
    assert h.stop() == 0
    st = h.stats()
    for counter, frames in cases:
        want = 1 if counter == "ip_reasm_overlap" else len(frames)
        assert st.get(counter, 0) == want, "%s: %s" % (counter, st)
    # Only the 1 + len(cases) good pings were answered.
    assert st.get("icmp_tx_echo_replies", 0) == 1 + len(cases), st
    assert not tshark_lines(h.pcap, "icmp.type == 0 && icmp.ident >= 0x4201 && icmp.ident <= 0x4208")


# ------------------------------------------------------------ tap and tun

@pytest.mark.parametrize("mode", ["tap", "tun"])
def test_linux_pings_hokuto_tuntap(mode, netns_factory, hokuto, request):
    lab = request.getfixturevalue(mode + "_lab")
    h = serve(hokuto, lab.ns, lab.hokuto_args())
    out = lab.ns.ping(lab.hk_ip, count=3).stdout
    assert "3 received" in out
    if mode == "tap":
        assert "lladdr" in lab.ns.neigh(lab.hk_ip, lab.ifname)
    assert h.stop() == 0
    st = h.stats()
    assert st.get("icmp_tx_echo_replies", 0) == 3, st
    if mode == "tap":
        assert st.get("arp_tx_replies", 0) >= 1, st
    else:
        assert not any(k.startswith("arp_") for k in st), st


@pytest.mark.parametrize("mode", ["tap", "tun"])
def test_hokuto_pings_linux_tuntap(mode, request, tmp_path):
    lab = request.getfixturevalue(mode + "_lab")
    rc, out, err, st = run_hokuto(lab.ns, lab.hokuto_args(),
                                  ["ping", "-c", "3", "-i", "0.2", lab.kernel_ip], tmp_path, "ping")
    assert rc == 0, out + err
    assert_iputils_output(out, lab.kernel_ip, 3)
    if mode == "tap":
        assert st.get("arp_tx_requests", 0) >= 1 and st.get("arp_rx_replies", 0) >= 1, st


@pytest.mark.parametrize("mode", ["tap", "tun"])
def test_big_pings_tuntap(mode, request, hokuto, tmp_path):
    lab = request.getfixturevalue(mode + "_lab")
    h = serve(hokuto, lab.ns, lab.hokuto_args())
    out = lab.ns.ping(lab.hk_ip, count=2, size=4000).stdout
    assert "4008 bytes from" in out, out
    assert h.stop() == 0
    assert h.stats().get("ip_reasm_ok", 0) == 2
    rc, out, err, st = run_hokuto(lab.ns, lab.hokuto_args(),
                                  ["ping", "-c", "2", "-i", "0.2", "-s", "4000", lab.kernel_ip], tmp_path, "ping")
    assert rc == 0, out + err
    assert st.get("ip_reasm_ok", 0) == 2, st


def test_embedded_default_tap(netns_factory, hokuto):
    """No --dev: hokuto creates tap hk0, gives the kernel 192.0.2.1/24 and
    answers on 192.0.2.2 (inside a fresh namespace, so nothing leaks)."""
    ns = netns_factory()
    h = serve(hokuto, ns, [])
    addrs = ns.ip("-4", "addr", "show", "dev", "hk0").stdout
    assert "192.0.2.1/24" in addrs, addrs
    out = ns.ping("192.0.2.2", count=2).stdout
    assert "2 received" in out
    assert h.stop() == 0
    # The tap hokuto created goes with it.
    r = ns.ip("link", "show", "hk0", check=False)
    assert r.returncode != 0, r.stdout


# ------------------------------------------------ global options, signals

def test_impair_option_duplicates_are_reported(veth_lab, tmp_path):
    """--impair wraps hokuto's device: with every frame duplicated both ways,
    each request draws several replies, shown like iputils shows them."""
    lab = veth_lab
    rc, out, err, st = run_hokuto(lab.hk, lab.hokuto_args() + ["--impair", "dup=1,seed=7"],
                                  ["ping", "-c", "3", "-i", "0.3", lab.linux_ip], tmp_path, "ping")
    assert rc == 0, out + err
    assert "(DUP!)" in out, out
    m = RE_SUMMARY.search(out)
    assert m and int(m.group(1)) == 3 and int(m.group(2)) == 3, out
    assert re.search(r", \+\d+ duplicates,", out), out


def test_impair_total_loss_exits_1(veth_lab, tmp_path):
    lab = veth_lab
    rc, out, err, _st = run_hokuto(lab.hk, lab.hokuto_args() + ["--impair", "loss=1"],
                                   ["ping", "-c", "2", "-i", "0.2", "-W", "1", lab.linux_ip], tmp_path, "ping")
    assert rc == 1, out + err
    assert "2 packets transmitted, 0 received" in out, out


def test_serve_stops_cleanly_on_sigterm(veth_lab, hokuto):
    lab = veth_lab
    h = serve(hokuto, lab.hk, lab.hokuto_args())
    lab.linux.ping(lab.hk_ip, count=1)
    assert h.stop(signal.SIGTERM) == 0
    assert "stopped" in h.stdout
    # The capture is complete: every frame of the exchange is in it.
    assert len(tshark_lines(h.pcap, "arp || icmp")) >= 4
    assert h.stats().get("icmp_tx_echo_replies", 0) == 1


def test_gateway_option(veth_lab, tmp_path):
    """--gw routes off-subnet traffic; without it hokuto says the network is
    unreachable (exit 2), like iputils."""
    lab = veth_lab
    far = "198.51.100.1"
    lab.linux.ip("addr", "add", far + "/32", "dev", "lo")
    rc, out, err, _st = run_hokuto(lab.hk, lab.hokuto_args(), ["ping", "-c", "1", far], tmp_path, "nogw")
    assert rc == 2 and "Network is unreachable" in err, out + err
    rc, out, err, _st = run_hokuto(lab.hk, lab.hokuto_args() + ["--gw", lab.linux_ip],
                                   ["ping", "-c", "2", "-i", "0.2", far], tmp_path, "gw")
    assert rc == 0, out + err
    assert_iputils_output(out, far, 2)
    rc, out, err, _st = run_hokuto(lab.hk, lab.hokuto_args() + ["--gw", "203.0.113.1"],
                                   ["ping", "-c", "1", far], tmp_path, "badgw")
    assert rc == 2 and "--gw 203.0.113.1" in err, err


def test_ping_host_from_etc_hosts(veth_lab, tmp_path):
    """HOST may be a name from /etc/hosts (`ip netns exec` shows the
    namespace /etc/netns/NS/hosts as /etc/hosts)."""
    lab = veth_lab
    etc = Path("/etc/netns") / lab.hk.name
    etc.mkdir(parents=True)
    try:
        (etc / "hosts").write_text("127.0.0.1 localhost\n%s hk-linux-side  # the Linux end\n" % lab.linux_ip)
        rc, out, err, _st = run_hokuto(lab.hk, lab.hokuto_args(),
                                       ["ping", "-c", "1", "hk-linux-side"], tmp_path, "ping")
    finally:
        shutil.rmtree(etc, ignore_errors=True)
    assert rc == 0, out + err
    assert "PING hk-linux-side (%s) 56(84) bytes of data." % lab.linux_ip in out, out
    assert "64 bytes from hk-linux-side (%s): icmp_seq=1 ttl=64 time=" % lab.linux_ip in out, out
    assert "--- hk-linux-side ping statistics ---" in out, out
