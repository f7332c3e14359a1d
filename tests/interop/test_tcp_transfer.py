"""Bulk transfers between `hokuto nc` and Linux (socat): 64 MiB each way at
the same time on one connection, byte-exact (sha256), over the packet
device (veth_lab) and over a tap device inside a namespace (tap_lab);
clean, with 3% random loss on the Linux side (iptables statistic DROP on
INPUT and OUTPUT in the Linux namespace), and with hokuto's own
impairment layer reordering and duplicating frames (--impair
reorder=0.05,dup=0.02).

Who opens the connection alternates so both ends are covered on both
devices: hokuto connects (nc HOST PORT, socat TCP-LISTEN) or listens
(nc -l PORT, socat TCP:...). Every transfer has a time limit.

TRANSFER_MIB overrides the size (for quick local runs).
"""
import hashlib
import os
import subprocess
import time

import pytest

from conftest import wait_for, wait_reachable

MIB = int(os.environ.get("TRANSFER_MIB", "64"))
PORT = 5001

# (device, condition, hokuto role, time limit in seconds for the transfer)
CASES = [
    ("packet", "clean", "connect", 120),
    ("packet", "loss", "listen", 540),
    ("packet", "impair", "connect", 240),
    ("tap", "clean", "listen", 120),
    ("tap", "loss", "connect", 540),
    ("tap", "impair", "listen", 240),
]
# Where Linux finishes sending first (its side is faster under loss and
# reordering), hokuto nc must keep sending after Linux's FIN (half-close).
PARAMS = [pytest.param(*c, id="%s-%s-hokuto_%s" % c[:3],
                       marks=[pytest.mark.timeout(c[3] + 120)])
          for c in CASES]


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                return h.hexdigest()
            h.update(b)


@pytest.fixture(scope="module")
def payloads(tmp_path_factory):
    """Two random files of MIB MiB (one per direction) and their sha256."""
    d = tmp_path_factory.mktemp("tcp-transfer")
    out = {}
    for name in ("to_linux", "to_hokuto"):
        p = d / (name + ".bin")
        h = hashlib.sha256()
        with open(p, "wb") as f:
            for _ in range(MIB):
                b = os.urandom(1 << 20)
                h.update(b)
                f.write(b)
        out[name] = (p, h.hexdigest())
    yield out
    for p, _ in out.values():
        p.unlink()


class LinuxLoss:
    """3% random loss on the Linux side: iptables rules in the Linux
    namespace on its interface toward hokuto, deleted explicitly."""

    def __init__(self, ns, ifname, prob=0.03):
        self.ns = ns
        self.rules = [
            ["INPUT", "-i", ifname, "-p", "tcp", "-m", "statistic", "--mode", "random",
             "--probability", str(prob), "-j", "DROP"],
            ["OUTPUT", "-o", ifname, "-p", "tcp", "-m", "statistic", "--mode", "random",
             "--probability", str(prob), "-j", "DROP"],
        ]
        self.added = []

    def __enter__(self):
        for r in self.rules:
            self.ns.exec(["iptables", "-A"] + r)
            self.added.append(r)
        return self

    def dropped(self):
        """Packets the rules dropped so far."""
        out = self.ns.exec(["iptables", "-L", "-v", "-n", "-x"]).stdout
        return sum(int(line.split()[0]) for line in out.splitlines() if "statistic" in line)

    def __exit__(self, *exc):
        for r in reversed(self.added):
            self.ns.exec(["iptables", "-D"] + r, check=False)
        self.added = []


def linux_socat(ns, role, peer_ip, bind_ip, send, recv, tmp, name):
    """socat on the Linux side: reads `send` into the connection and writes
    what arrives to `recv`; waits up to 600 s for the other direction after
    one reaches EOF (-t), so it ends once both have."""
    files = "OPEN:%s,rdonly!!CREATE:%s" % (send, recv)
    if role == "listen":
        tcp = "TCP-LISTEN:%d,bind=%s,reuseaddr" % (PORT, bind_ip)
    else:
        tcp = "TCP:%s:%d,connect-timeout=20" % (peer_ip, PORT)
    err = open(tmp / ("%s.err" % name), "w")
    p = ns.popen(["socat", "-b", "131072", "-t", "600", tcp, files],
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    p.err_file = err
    return p


@pytest.mark.parametrize("device,condition,role,limit", PARAMS)
def test_bulk_both_ways(device, condition, role, limit, request, hokuto_io, payloads, tmp_path):
    if device == "packet":
        lab = request.getfixturevalue("veth_lab")
        lns, lip, lif, hns, hip = lab.linux, lab.linux_ip, lab.linux_if, lab.hk, lab.hk_ip
    else:
        lab = request.getfixturevalue("tap_lab")
        lns, lip, lif, hns, hip = lab.ns, lab.kernel_ip, lab.ifname, lab.ns, lab.hk_ip
    args = list(lab.hokuto_args())
    if condition == "impair":
        args += ["--impair", "reorder=0.05,dup=0.02"]
    to_linux, sha_to_linux = payloads["to_linux"]
    to_hokuto, sha_to_hokuto = payloads["to_hokuto"]
    got_linux = tmp_path / "linux.out"
    got_hokuto = tmp_path / "hokuto.out"

    loss = LinuxLoss(lns, lif)
    socat = None
    try:
        if condition == "loss":
            loss.__enter__()
        if role == "connect":
            socat = linux_socat(lns, "listen", hip, lip, to_hokuto, got_linux, tmp_path, "socat")
            wait_for(lambda: ":%d " % PORT in lns.exec(["ss", "-Hltn"]).stdout, 5, what="socat to listen")
            cmd = ["nc", lip, str(PORT)]
        else:
            cmd = ["nc", "-l", str(PORT)]
        start = time.monotonic()
        h = hokuto_io(hns, args, cmd, name="nc", stdin=to_linux, stdout=got_hokuto, pcap=False)
        if role == "listen":
            wait_reachable(lns, hip)
            socat = linux_socat(lns, "connect", hip, lip, to_hokuto, got_linux, tmp_path, "socat")
        deadline = start + limit
        try:
            hrc = h.wait(timeout=max(1, deadline - time.monotonic()))
            src = socat.wait(timeout=max(5, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise AssertionError("transfer (%s, %s, hokuto %ss) not done in %d s: hokuto received %d, "
                                 "Linux received %d of %d bytes; hokuto stderr:\n%s" % (
                                     device, condition, role, limit,
                                     got_hokuto.stat().st_size if got_hokuto.exists() else 0,
                                     got_linux.stat().st_size if got_linux.exists() else 0,
                                     MIB << 20, h.stderr))
        elapsed = time.monotonic() - start
        dropped = loss.dropped() if condition == "loss" else 0
    finally:
        loss.__exit__()
        if socat is not None:
            if socat.poll() is None:
                socat.kill()
            socat.wait(timeout=5)
            socat.err_file.close()

    serr = (tmp_path / "socat.err").read_text()
    info = "%s/%s hokuto %ss: %.1f s, %.0f Mbit/s each way; hokuto exit %s, socat exit %s\n" \
           "hokuto stderr:\n%s\nsocat stderr:\n%s" % (
               device, condition, role, elapsed, (MIB << 20) * 8 / elapsed / 1e6, hrc, src, h.stderr, serr)
    print(info)
    assert hrc == 0 and src == 0, info
    assert got_hokuto.stat().st_size == MIB << 20 and got_linux.stat().st_size == MIB << 20, \
        "sizes: hokuto got %d, Linux got %d\n%s" % (got_hokuto.stat().st_size, got_linux.stat().st_size, info)
    assert sha256_file(got_hokuto) == sha_to_hokuto, "Linux -> hokuto data differs\n" + info
    assert sha256_file(got_linux) == sha_to_linux, "hokuto -> Linux data differs\n" + info
    got_hokuto.unlink()
    got_linux.unlink()

    st = h.stats()
    assert st.get("tcp_conn_established", 0) == 1, st
    if condition == "impair":
        # A duplicated frame of the peer's last ACK can arrive after hokuto's
        # connection is gone; a segment to a closed port gets a RST (RFC 9293
        # 3.10.7.1). Those are the only resets allowed.
        assert st.get("tcp_tx_rst", 0) <= st.get("tcp_rx_no_conn", 0), st
    else:
        assert st.get("tcp_tx_rst", 0) == 0, st
    if condition == "loss":
        # The loss was real, and hokuto repaired its share of it.
        assert dropped > 0, "iptables dropped nothing"
        assert st.get("tcp_retransmits", 0) > 0, st
    if condition == "impair":
        # Reordered frames reached TCP and were held; duplicated ones were
        # dropped as old (wholly old: not acceptable; partly: dup data).
        counters = "\n".join("%s %d" % kv for kv in sorted(st.items()))
        assert st.get("tcp_rx_ooo", 0) > 0, counters
        assert st.get("tcp_rx_not_acceptable", 0) + st.get("tcp_rx_dup_data", 0) > 0, counters
