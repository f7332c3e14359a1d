"""RFC 9401 (the Death flag) between hokuto and Linux, in namespaces named
hk-dth-* that each test creates and deletes (addresses from 192.0.2.0/24,
and 127.0.0.1 inside a namespace of its own for seed 000's rawip setup).

- Linux ignores DTH: curl gets `hokuto http-server --dth`'s body intact;
  tshark sees bit 0x08 of TCP byte 12 on every data segment hokuto sent and
  on nothing else, with good checksums, and dth.lua names it.
- scapy sends DTH segments (one with the evil bit too, a pure ACK, a FIN) to
  `hokuto nc -l`: hokuto prints one "DTH from ADDR:PORT ..." line per DTH
  segment, none for the FIN (ignored, RFC 9401 3.3), and keeps the
  connection until the FIN; with --hokuto-shinken the FIN is "already dead"
  and hokuto's own FIN comes after the 3 s half-zombie period.
- `http-post --dth-auto` marks the seed's line
  「この戦争が終わったらこいつと結婚するんだ」 and not an ordinary one.
- seed 000's own setup: `hokuto --dev rawip:127.0.0.1 http-post --dth` to a
  Python server on 127.0.0.1:18000; no iptables rule is left, after a
  normal exit and after SIGTERM.

Run as root:  /usr/bin/python3 -m pytest tests/interop/test_dth.py
"""
import itertools
import json
import os
import shutil
import signal
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

from conftest import Hokuto, Netns, VethLab, hokuto_bin, parse_stats, run, wait_for

scapy_all = pytest.importorskip("scapy.all")
from scapy.all import IP, TCP, rdpcap  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
LUA = REPO / "tools" / "wireshark" / "dth.lua"
TSHARK = shutil.which("tshark") or "/usr/bin/tshark"
SEED_LINE = "この戦争が終わったらこいつと結婚するんだ"
LINUX_IP, HK_IP = "192.0.2.1", "192.0.2.2"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (namespaces, raw sockets)")

_count = itertools.count(1)


@pytest.fixture
def dth_ns():
    """Namespaces hk-dth-<pid>-<n>, all deleted in teardown."""
    made = []

    def make():
        ns = Netns("hk-dth-%d-%d" % (os.getpid() % 100000, next(_count)))
        made.append(ns)
        return ns

    yield make
    for ns in reversed(made):
        ns.delete()


@pytest.fixture
def lab(dth_ns):
    return VethLab(dth_ns)


@pytest.fixture
def procs():
    """Background processes started by a test: killed by pid in teardown."""
    started = []
    yield started
    for p in started:
        if isinstance(p, Hokuto):
            p.kill()
        elif p.poll() is None:
            p.kill()
            p.wait(timeout=5)


def command_exists(name):
    r = run([hokuto_bin(), name, "--help"], check=False)
    return r.returncode == 0


def need(*cmds):
    missing = [c for c in cmds if not command_exists(c)]
    if missing:
        pytest.skip("hokuto has no %s command in this build" % ", ".join(missing))


def tshark(pcap, *args, tmp, lua=False):
    """tshark with an empty configuration; with lua, dth.lua loaded (as
    root Debian's tshark only warns that it is root)."""
    env = dict(os.environ, HOME=str(tmp), WIRESHARK_CONFIG_DIR=str(tmp / "wsconf"))
    (tmp / "wsconf").mkdir(exist_ok=True)
    cmd = [TSHARK, "-n", "-r", str(pcap)]
    if lua:
        cmd += ["-X", "lua_script:%s" % LUA]
    r = subprocess.run(cmd + list(args), env=env, text=True, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    noise = [line for line in r.stderr.splitlines() if "could be dangerous" not in line]
    assert r.returncode == 0 and not noise, "tshark failed (%d): %s" % (r.returncode, r.stderr)
    return r.stdout


def tcp_segments(pcap):
    """(ip.src, tcp.sport, flags, payload length, DTH bit from the raw byte
    12) of every TCP segment in a capture."""
    out = []
    for p in rdpcap(str(pcap)):
        if IP not in p or TCP not in p:
            continue
        raw = bytes(p[TCP])
        plen = len(p[IP]) - p[IP].ihl * 4 - p[TCP].dataofs * 4
        out.append((p[IP].src, p[TCP].sport, str(p[TCP].flags), plen, bool(raw[12] & 0x08)))
    return out


def checksums_good(pcap, tmp):
    """Every TCP checksum verifies (tshark, checking turned on)."""
    out = tshark(pcap, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
                 "-Y", "tcp.checksum.status != 1 || ip.checksum.status != 1", tmp=tmp)
    assert out.strip() == "", "bad checksums:\n" + out


def dth_lines(text):
    return [line for line in text.splitlines() if line.startswith("DTH")]


# ------------------------------------------------------------- scapy peer

PEER = r'''
import json, sys, time
from scapy.all import IP, TCP, Raw, AsyncSniffer, conf, send, sr1
conf.verb = 0
dst, dport, sport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
plan = json.loads(sys.argv[4])
iface = sys.argv[5]
res = {"fin_sent": None, "their_fin": None, "acks": []}
def ip(evil=False):
    return IP(dst=dst, flags="evil" if evil else 0)
def seg(flags, seq, ack, data=b"", dth=False, evil=False):
    # DTH: bit 0x08 of byte 12 is scapy's reserved=4 (RFC 9401 figure 1)
    p = ip(evil) / TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack, window=65535,
                       reserved=4 if dth else 0)
    return p / Raw(data) if data else p
syn = ip() / TCP(sport=sport, dport=dport, flags="S", seq=1000, window=65535, options=[("MSS", 1460)])
sa = None
for _ in range(10):
    sa = sr1(syn, timeout=1)
    if sa is not None:
        break
assert sa is not None and sa[TCP].flags == "SA", "no SYN,ACK"
seq, ack = 1001, sa[TCP].seq + 1
send(seg("A", seq, ack))
got = []
sn = AsyncSniffer(iface=iface, filter="tcp and src host %s and src port %d" % (dst, dport), store=False,
                  prn=lambda p: got.append((time.time(), p)))
sn.start()
time.sleep(0.3)
for step in plan:
    data = step.get("data", "").encode()
    fl = "PA" if data else "A"
    if step.get("fin"):
        fl += "F"
    if step.get("fin"):
        res["fin_sent"] = time.time()
    send(seg(fl, seq, ack, data, step.get("dth", False), step.get("evil", False)))
    seq += len(data) + (1 if step.get("fin") else 0)
    time.sleep(step.get("sleep", 0.3))
# wait for hokuto's FIN, acknowledge it
deadline = time.time() + plan[-1].get("wait_fin", 8) if plan else time.time()
fin = None
while time.time() < deadline and fin is None:
    time.sleep(0.1)
    for t, p in list(got):
        if TCP in p and p[TCP].flags & 0x01:
            fin = p
            res["their_fin"] = t
            break
if fin is not None:
    send(seg("A", seq, fin[TCP].seq + len(fin[TCP].payload) + 1))
time.sleep(0.2)
sn.stop()
for t, p in got:
    res["acks"].append([int(p[TCP].ack), str(p[TCP].flags), len(p[TCP].payload)])
print(json.dumps(res))
'''


def scapy_peer(lab, dst, dport, sport, plan, timeout=40):
    ns = lab.linux
    # the kernel here has no socket for scapy's port: keep its RSTs off the
    # wire (the seed's iptables trick; this namespace is the test's own)
    ns.exec(["iptables", "-w", "-A", "OUTPUT", "-p", "tcp", "--sport", str(sport),
             "--tcp-flags", "RST", "RST", "-j", "DROP"])
    r = ns.exec(["/usr/bin/python3", "-c", PEER, dst, str(dport), str(sport), json.dumps(plan), lab.linux_if],
                check=False, timeout=timeout)
    assert r.returncode == 0, "scapy peer failed:\n%s%s" % (r.stdout, r.stderr)
    return json.loads(r.stdout.strip().splitlines()[-1])


class HokutoOpenStdin(Hokuto):
    """A hokuto whose stdin stays open (a pipe) until close_stdin(): nc
    sends its FIN at stdin's end, and here it must wait for the peer's."""

    def __init__(self, ns, args, cmd, tmp, name):
        self.ns = ns
        self.pcap = tmp / ("%s.pcap" % name)
        self.out_path = tmp / ("%s.out" % name)
        self.err_path = tmp / ("%s.err" % name)
        self.argv = [hokuto_bin(), "--stats", "--pcap", str(self.pcap)] + list(args) + list(cmd)
        self._out = open(self.out_path, "w")
        self._err = open(self.err_path, "w")
        self.proc = ns.popen(self.argv, stdout=self._out, stderr=self._err, stdin=subprocess.PIPE)
        self.pid = self.proc.pid
        self.returncode = None
        self.injected_from = None

    def _close_files(self):
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
        super()._close_files()


def start_hokuto(lab, procs, tmp_path, cmd, name, extra=()):
    h = HokutoOpenStdin(lab.hk, list(extra) + lab.hokuto_args(), cmd, tmp_path, name)
    procs.append(h)
    return h


# ------------------------------------------------------------------ tests

def test_linux_ignores_dth_from_http_server(lab, procs, tmp_path):
    """curl against `hokuto http-server --dth`: the body is intact; DTH is on
    exactly the data segments hokuto sent, with good checksums."""
    need("http-server")
    body = "もう何も怖くない\n" * 200  # several segments
    (tmp_path / "body.txt").write_text(body)
    h = start_hokuto(lab, procs, tmp_path, ["http-server", "--port", "80", "--dth", "--body", body], "srv",
                     extra=["-v"])
    wait_for(lambda: "listening" in h.stderr, what="http-server to listen")
    r = lab.linux.exec(["curl", "-sS", "--max-time", "10", "http://%s/" % HK_IP], check=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout == body
    h.stop(signal.SIGINT)
    segs = tcp_segments(h.pcap)
    ours = [s for s in segs if s[0] == HK_IP]
    data = [s for s in ours if s[3] > 0]
    assert len(data) >= 3
    assert all(s[4] for s in data), data
    assert not any(s[4] for s in ours if s[3] == 0), "DTH on a segment without data: %s" % ours
    assert not any(s[4] for s in segs if s[0] == LINUX_IP), "Linux never sets DTH"
    assert not any(s[4] and "F" in s[2] for s in ours), "DTH on a FIN"
    checksums_good(h.pcap, tmp_path)
    st = h.stats()
    assert st.get("dth_tx", 0) == len(data)
    # -v names the flag in hokuto's log, dth.lua in tshark's output
    assert "DTH]" in h.stderr and "Death flag" in h.stderr
    out = tshark(h.pcap, "-Y", "dth.flag == 1 && ip.src == %s" % HK_IP, "-T", "fields", "-e", "tcp.len",
                 tmp=tmp_path, lua=True)
    assert len(out.split()) == len(data) and all(int(x) > 0 for x in out.split())
    out = tshark(h.pcap, "-Y", "dth.flag == 1", "-V", tmp=tmp_path, lua=True)
    assert "Death flag set (RFC 9401)" in out


def test_scapy_dth_segments_reported_by_nc(lab, procs, tmp_path):
    """Each DTH segment from scapy gives one 'DTH from ADDR:PORT' line on
    hokuto's stderr; the FIN's DTH is ignored; the data arrives intact."""
    need("nc")
    h = start_hokuto(lab, procs, tmp_path, ["nc", "-l", "5000"], "nc")
    time.sleep(0.5)
    plan = [
        {"data": "plain line\n"},
        {"data": SEED_LINE + "\n", "dth": True},
        {"data": "evil and dead\n", "dth": True, "evil": True},
        {"data": "evil only\n", "evil": True},
        {"dth": True},  # a pure ACK with DTH
        {"data": "bye\n", "dth": True, "fin": True, "sleep": 0.5},  # DTH on a FIN: ignored
    ]
    res = scapy_peer(lab, HK_IP, 5000, 40101, plan)
    assert h.wait(timeout=15) == 0, h.stderr
    assert h.stdout == "plain line\n%s\nevil and dead\nevil only\nbye\n" % SEED_LINE
    lines = dth_lines(h.stderr)
    assert len(lines) == 3, h.stderr
    peer = "DTH from %s:40101 " % LINUX_IP
    assert all(line.startswith(peer) for line in lines), lines
    assert "seq=1012 offset=11 len=%d" % len((SEED_LINE + "\n").encode()) in lines[0]
    assert "evil bit" in lines[1] and "evil bit" not in lines[0]
    assert "pure ACK" in lines[2]
    st = h.stats()
    assert st["dth_rx"] == 4 and st["dth_rx_on_fin_ignored"] == 1, st
    assert st["evil_rx"] == 2 and st["dth_rx_with_evil"] == 1, st
    # hokuto stayed open through the DTH segments: its FIN came after ours
    assert res["their_fin"] is not None and res["their_fin"] >= res["fin_sent"]
    segs = tcp_segments(h.pcap)
    assert not any(s[4] for s in segs if s[0] == HK_IP), "hokuto sent DTH without being asked"


def test_hokuto_shinken(lab, procs, tmp_path):
    """DTH on the peer's FIN with --hokuto-shinken: 'already dead', and
    hokuto's FIN only after the half-zombie period (3 s)."""
    need("nc")
    h = start_hokuto(lab, procs, tmp_path, ["nc", "-l", "5001", "--hokuto-shinken"], "nc")
    time.sleep(0.5)
    plan = [{"data": "hi\n"}, {"data": "bye\n", "dth": True, "fin": True, "sleep": 0.1, "wait_fin": 10}]
    res = scapy_peer(lab, HK_IP, 5001, 40102, plan)
    assert h.wait(timeout=20) == 0, h.stderr
    assert h.stdout == "hi\nbye\n"
    lines = dth_lines(h.stderr)
    assert any("お前はもう死んでいる" in line and line.startswith("DTH from %s:40102 " % LINUX_IP)
               for line in lines), h.stderr
    assert res["their_fin"] is not None, "hokuto never sent its FIN"
    assert res["their_fin"] - res["fin_sent"] >= 2.9, res
    st = h.stats()
    assert st["dth_rx_already_dead"] == 1 and st["dth_zombies"] == 1, st


def start_py_server(ns, procs, addr, port, tmp_path, name):
    """A small HTTP server that accepts POST and logs the body."""
    script = textwrap.dedent(r'''
        import http.server, sys
        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(n)
                sys.stderr.write("BODY %s\n" % body.hex()); sys.stderr.flush()
                self.send_response(200)
                self.send_header("Content-Length", "6")
                self.end_headers()
                self.wfile.write(b"hello\n")
            def log_message(self, *a):
                pass
        srv = http.server.HTTPServer((sys.argv[1], int(sys.argv[2])), H)
        print("ready", flush=True)
        srv.serve_forever()
    ''')
    log = open(tmp_path / ("%s.log" % name), "w")
    out = open(tmp_path / ("%s.out" % name), "w")
    p = ns.popen(["/usr/bin/python3", "-c", script, addr, str(port)], stdout=out, stderr=log)
    procs.append(p)
    wait_for(lambda: "ready" in (tmp_path / ("%s.out" % name)).read_text(), what="python server")
    return tmp_path / ("%s.log" % name)


def posted_bodies(log):
    return [bytes.fromhex(line.split()[1]).decode() for line in log.read_text().splitlines()
            if line.startswith("BODY ")]


def run_fg(ns, args, tmp_path, name, timeout=30):
    h = Hokuto(ns, args[0], args[1], tmp_path, name)
    try:
        rc = h.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        h.kill()
        raise AssertionError("hokuto %s did not finish" % " ".join(args[1]))
    return rc, h


def test_dth_auto_marks_the_seed_line(lab, procs, tmp_path):
    """--dth-auto: the segment with the seed's POST line has DTH, an ordinary
    POST has none."""
    need("http-post")
    log = start_py_server(lab.linux, procs, LINUX_IP, 18000, tmp_path, "py")
    url = "http://%s:18000/" % LINUX_IP
    rc, h = run_fg(lab.hk, (lab.hokuto_args(), ["http-post", "--dth-auto", url, "--data", SEED_LINE]),
                   tmp_path, "post1")
    assert rc == 0, h.stderr
    assert h.stdout == "hello\n"
    rc, h2 = run_fg(lab.hk, (lab.hokuto_args(), ["http-post", "--dth-auto", url, "--data", "name=hokuto"]),
                    tmp_path, "post2")
    assert rc == 0, h2.stderr
    assert posted_bodies(log) == [SEED_LINE, "name=hokuto"]
    marked = [s for s in tcp_segments(h.pcap) if s[0] == HK_IP and s[4]]
    assert len(marked) == 1 and marked[0][3] > len(SEED_LINE.encode()), tcp_segments(h.pcap)
    assert not any(s[4] for s in tcp_segments(h2.pcap)), tcp_segments(h2.pcap)
    assert h.stats()["dth_tx_auto_lines"] == 1 and h2.stats().get("dth_tx_auto_lines", 0) == 0
    checksums_good(h.pcap, tmp_path)
    out = tshark(h.pcap, "-Y", "dth.flag == 1", "-T", "fields", "-e", "ip.src", "-e", "http.request.method",
                 tmp=tmp_path, lua=True)
    assert out.split() == [HK_IP, "POST"], out


def rawip_rules(ns):
    out = ns.exec(["iptables", "-w", "-S", "OUTPUT"]).stdout
    return [line for line in out.splitlines() if "hokuto-" in line]


def test_seed_setup_rawip_127(dth_ns, procs, tmp_path):
    """Seed 000 on hokuto: raw IP on 127.0.0.1 next to a kernel HTTP server
    on 127.0.0.1:18000, the kernel's RSTs held off by iptables rules that
    hokuto adds and removes itself."""
    need("http-post")
    ns = dth_ns()
    log = start_py_server(ns, procs, "127.0.0.1", 18000, tmp_path, "py")
    rc, h = run_fg(ns, (["--dev", "rawip:127.0.0.1"],
                        ["http-post", "--dth", "http://127.0.0.1:18000/", "--data", SEED_LINE]), tmp_path,
                   "rawpost")
    assert rc == 0, h.stderr
    assert h.stdout == "hello\n"
    assert posted_bodies(log) == [SEED_LINE]
    assert rawip_rules(ns) == []
    segs = tcp_segments(h.pcap)
    data = [s for s in segs if s[1] != 18000 and s[3] > 0]
    assert data and all(s[4] for s in data), segs
    assert not any(s[4] for s in segs if s[1] == 18000)
    checksums_good(h.pcap, tmp_path)


def test_rawip_rules_removed_on_sigterm(dth_ns, procs, tmp_path):
    """A rawip connection held open, then SIGTERM: hokuto exits and its
    iptables rule is gone."""
    need("nc")
    ns = dth_ns()
    holder = ns.popen(["/usr/bin/python3", "-c", textwrap.dedent('''
        import socket, time
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 18001)); s.listen(1)
        print("ready", flush=True)
        c, _ = s.accept()
        time.sleep(30)
    ''')], stdout=subprocess.PIPE, text=True)
    procs.append(holder)
    assert holder.stdout.readline().strip() == "ready"
    h = Hokuto(ns, ["--dev", "rawip:127.0.0.1"], ["nc", "--dth", "127.0.0.1", "18001"], tmp_path, "rawnc")
    procs.append(h)
    wait_for(lambda: len(rawip_rules(ns)) == 1, what="hokuto's iptables rule")
    time.sleep(0.3)
    assert h.stop(signal.SIGTERM, timeout=10) in (0, 130, 143, -15)
    assert rawip_rules(ns) == []
