"""HTTP over hokuto's TCP against real Linux peers, over tap and packet
devices: `hokuto http-server` answered by curl, wget, ab and Python (keep-
alive, pipelining, 1,000 concurrent connections, bad requests, slowloris,
static files); `hokuto http-get/http-post` against python3 -m http.server,
a small Python server for each body framing and redirects, and nginx.

Namespaces are this file's own (hk-http-*), addresses only 192.0.2.0/24:
Linux holds 192.0.2.1, hokuto 192.0.2.2. Run as root with Debian's python:
    /usr/bin/python3 -m pytest tests/interop/test_http.py
"""
import itertools
import os
import re
import signal
import subprocess
import textwrap
import time

import pytest

from conftest import Netns, run, wait_for

LINUX_IP = "192.0.2.1"
HK_IP = "192.0.2.2"
LINUX_MAC = "00:00:5e:00:53:01"
HK_MAC = "00:00:5e:00:53:02"
KERNEL_SIDE_MAC = "00:00:5e:00:53:fe"  # hokuto's veth end keeps its own MAC
HELLO = "Hello World!\n"
CLF = re.compile(r'^(\d+\.\d+\.\d+\.\d+) - - \[(\d{2})/([A-Z][a-z]{2})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) \+0000\] '
                 r'"([^"\\]*(?:\\.[^"\\]*)*)" (\d{3}) (\d+|-)$')

_seq = itertools.count(1)


def _name():
    return "%04d%02d" % (os.getpid() % 10000, next(_seq) % 100)


def _offload_off(ns, dev):
    ns.exec(["ethtool", "-K", dev, "tx", "off", "rx", "off", "tso", "off", "gso", "off", "gro", "off"],
            check=False)


class HttpLab:
    """linux: the namespace where Linux (curl, nginx ...) owns 192.0.2.1;
    hk: where hokuto runs with 192.0.2.2. On tap both are one namespace."""

    def __init__(self, kind):
        self.kind = kind
        self.spaces = []
        n = _name()
        if kind == "packet":
            self.linux = self._ns("hk-http-%s-l" % n)
            self.hk = self._ns("hk-http-%s-h" % n)
            self.linux_if, self.hk_if = "hkh%sa" % n, "hkh%sb" % n
            run(["ip", "link", "add", self.linux_if, "netns", self.linux.name, "address", LINUX_MAC,
                 "type", "veth", "peer", "name", self.hk_if, "netns", self.hk.name, "address", KERNEL_SIDE_MAC])
            self.linux.ip("addr", "add", LINUX_IP + "/24", "dev", self.linux_if)
            _offload_off(self.linux, self.linux_if)
            _offload_off(self.hk, self.hk_if)
            self.linux.ip("link", "set", self.linux_if, "up")
            self.hk.ip("link", "set", self.hk_if, "up")
            self.args = ["--dev", "packet:" + self.hk_if, "--ip", HK_IP + "/24", "--mac", HK_MAC]
        else:
            self.linux = self.hk = self._ns("hk-http-%s-t" % n)
            self.linux_if = "hkh%st" % n
            self.linux.ip("tuntap", "add", "dev", self.linux_if, "mode", "tap")
            self.linux.ip("addr", "add", LINUX_IP + "/24", "dev", self.linux_if)
            self.linux.ip("link", "set", self.linux_if, "up")
            self.args = ["--dev", "tap:" + self.linux_if, "--ip", HK_IP + "/24"]

    def _ns(self, name):
        ns = Netns(name)
        self.spaces.append(ns)
        return ns

    def delete(self):
        for ns in reversed(self.spaces):
            ns.delete()


@pytest.fixture(params=["tap", "packet"])
def lab(request):
    lab = HttpLab(request.param)
    try:
        yield lab
    finally:
        lab.delete()


@pytest.fixture
def packet_lab():
    lab = HttpLab("packet")
    try:
        yield lab
    finally:
        lab.delete()


class Proc:
    """A background process in a namespace, stopped by pid in teardown."""

    def __init__(self, ns, argv, tmp, name):
        self.out_path = tmp / (name + ".out")
        self.err_path = tmp / (name + ".err")
        self._out = open(self.out_path, "w")
        self._err = open(self.err_path, "w")
        self.proc = ns.popen(argv, stdout=self._out, stderr=self._err, stdin=subprocess.DEVNULL)

    @property
    def stdout(self):
        return self.out_path.read_text(errors="replace")

    @property
    def stderr(self):
        return self.err_path.read_text(errors="replace")

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGINT, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
                raise AssertionError("pid %d ignored %s" % (self.proc.pid, sig))
        for f in (self._out, self._err):
            f.close()
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for f in (self._out, self._err):
            if not f.closed:
                f.close()


@pytest.fixture
def procs(tmp_path):
    started = []

    def start(ns, argv, name):
        p = Proc(ns, argv, tmp_path, "%s-%d" % (name, len(started)))
        started.append(p)
        return p

    yield start
    for p in started:
        try:
            p.stop(signal.SIGTERM, timeout=5)
        except AssertionError:
            pass
        p.kill()


def hokuto_bin():
    from conftest import hokuto_bin as hb
    return hb()


def start_server(procs, lab, *extra):
    """hokuto http-server in lab.hk; waits for its "listening" line."""
    p = procs(lab.hk, [hokuto_bin(), "--stats"] + lab.args + ["http-server"] + list(extra), "http-server")

    def ready():
        if not p.alive():
            raise AssertionError("http-server exited %s:\n%s%s" % (p.proc.returncode, p.stdout, p.stderr))
        return "listening on" in p.stderr
    wait_for(ready, 10, what="http-server to listen")
    return p


def stop_server(p):
    assert p.alive(), "http-server died:\n" + p.stderr
    assert p.stop() == 0, p.stderr
    stats = {}
    for m in re.finditer(r"^([a-z][a-z0-9_]*)\s+(\d+)\s+#", p.stderr, re.M):
        stats[m.group(1)] = int(m.group(2))
    return stats


def xrun(ns, cmd, timeout=60):
    """Runs cmd in ns; stdout/stderr decoded with CRLFs kept (HTTP needs
    them exact, which text mode would translate)."""
    r = subprocess.run(["ip", "netns", "exec", ns.name] + [str(a) for a in cmd], capture_output=True,
                       timeout=timeout)
    r.stdout = r.stdout.decode("utf-8", "replace")
    r.stderr = r.stderr.decode("utf-8", "replace")
    return r


def curl(lab, *args, timeout=20):
    return xrun(lab.linux, ["curl", "-sS", "--max-time", "10"] + list(args), timeout=timeout)


def py(ns, script, *args, timeout=60):
    """Runs a Python script in a namespace."""
    return xrun(ns, ["/usr/bin/python3", "-c", textwrap.dedent(script)] + list(args), timeout=timeout)


def hokuto_run(lab, cmd, timeout=60):
    return xrun(lab.hk, [hokuto_bin()] + lab.args + cmd, timeout=timeout)


# ============================================================ http-server

def test_curl_gets_hello_world(lab, procs):
    srv = start_server(procs, lab)
    url = "http://%s/" % HK_IP
    r = curl(lab, url)
    assert r.returncode == 0, r.stderr
    assert r.stdout == HELLO
    # headers
    r = curl(lab, "-i", url)
    head, _, body = r.stdout.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 200 OK\r\n"), head
    assert "\r\nContent-Length: 13" in head and "\r\nContent-Type: text/plain" in head
    assert "\r\nServer: hokuto/0.1" in head and "\r\nDate: " in head
    assert body == HELLO
    # HEAD: same headers, no body
    r = curl(lab, "-I", url)
    assert r.stdout.startswith("HTTP/1.1 200 OK\r\n") and "Content-Length: 13" in r.stdout
    assert HELLO not in r.stdout
    # POST, like the seed's client
    r = curl(lab, "-d", "name=hokuto", url)
    assert r.stdout == HELLO
    # keep-alive: curl reuses one connection for two URLs
    r = curl(lab, "-v", url, url + "again")
    assert r.stdout == HELLO * 2
    assert "Re-using existing connection" in r.stderr or "Reusing existing connection" in r.stderr, r.stderr
    # 405 for other methods
    r = curl(lab, "-X", "DELETE", "-o", "/dev/null", "-w", "%{http_code}", url)
    assert r.stdout == "405"

    st = stop_server(srv)
    assert st.get("http_requests", 0) == 7, st
    lines = srv.stdout.splitlines()
    assert len(lines) == 7, srv.stdout
    for line in lines:
        m = CLF.match(line)
        assert m, "not Common Log Format: %r" % line
        assert m.group(1) == LINUX_IP
    assert CLF.match(lines[0]).group(8, 9, 10) == ("GET / HTTP/1.1", "200", "13")
    assert CLF.match(lines[2]).group(8, 9, 10) == ("HEAD / HTTP/1.1", "200", "-")
    assert CLF.match(lines[3]).group(8) == "POST / HTTP/1.1"
    assert CLF.match(lines[6]).group(8, 9) == ("DELETE / HTTP/1.1", "405")


def test_wget_and_custom_body(lab, procs):
    srv = start_server(procs, lab, "--port", "8080", "--body", "custom body\n")
    r = xrun(lab.linux, ["wget", "-q", "-O", "-", "-T", "10", "-t", "1", "http://%s:8080/x" % HK_IP])
    assert r.returncode == 0, r.stderr
    assert r.stdout == "custom body\n"
    stop_server(srv)


PY_CLIENT = r"""
import http.client, socket, sys
host = sys.argv[1]
# keep-alive: many requests on one connection
c = http.client.HTTPConnection(host, 80, timeout=10)
for i in range(30):
    c.request("GET", "/%d" % i)
    r = c.getresponse()
    assert r.status == 200 and r.read() == b"Hello World!\n", r.status
c.request("POST", "/form", body=b"a=1&b=2", headers={"Content-Type": "application/x-www-form-urlencoded"})
r = c.getresponse()
assert r.status == 200 and r.read() == b"Hello World!\n"
# chunked request body (http.client sends chunked for an iterable body)
c.request("POST", "/chunked", body=iter([b"abc", b"defg", b"h" * 5000]))
r = c.getresponse()
assert r.status == 200 and r.read() == b"Hello World!\n"
c.close()
# pipelining: 20 requests in one write, answers in order
s = socket.create_connection((host, 80), timeout=10)
reqs = b"".join(b"GET /p%d HTTP/1.1\r\nHost: x\r\n\r\n" % i for i in range(19))
reqs += b"POST /last HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nxyz"
s.sendall(reqs)
data = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    data += d
assert data.count(b"HTTP/1.1 200 OK\r\n") == 20, data
assert data.count(b"Hello World!\n") == 20
assert data.endswith(b"Connection: close\r\n\r\nHello World!\n"), data[-200:]
print("OK")
"""


def test_python_keepalive_chunked_and_pipelining(lab, procs):
    srv = start_server(procs, lab)
    r = py(lab.linux, PY_CLIENT, HK_IP)
    assert r.returncode == 0 and r.stdout.strip() == "OK", r.stdout + r.stderr
    st = stop_server(srv)
    assert st.get("http_requests") == 52, st
    assert st.get("http_body_bytes_in") == 7 + 5007 + 3, st
    log = srv.stdout
    order = [CLF.match(l).group(8).split()[1] for l in log.splitlines()]
    assert order[32:52] == ["/p%d" % i for i in range(19)] + ["/last"], order


def test_ab(lab, procs):
    srv = start_server(procs, lab, "--quiet")
    for extra in ([], ["-k"]):
        r = xrun(lab.linux, ["ab", "-q", "-n", "1000", "-c", "50", "-s", "20"] + extra + ["http://%s/" % HK_IP],
                 timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        assert re.search(r"^Complete requests:\s+1000$", r.stdout, re.M), r.stdout
        assert re.search(r"^Failed requests:\s+0$", r.stdout, re.M), r.stdout
        assert "Non-2xx" not in r.stdout
        assert re.search(r"^Document Length:\s+13 bytes$", r.stdout, re.M), r.stdout
    st = stop_server(srv)
    assert st.get("http_requests") == 2000, st


BAD_REQUESTS = r"""
import socket, sys
host = sys.argv[1]
cases = [
    (b"GET / HTTP/1.1\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    (b"\x00\x01\x02\xff garbage\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nX: 1\r\n folded\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nnothex\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n", 413),
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + b"fffffff\r\n" + b"z" * 70000, 413),
    (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET / HTTP/1.1\r\nHost: x\r\nCookie: " + b"c" * 9000 + b"\r\n\r\n", 431),
    (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(200)) + b"\r\n", 431),
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    (b"GET / HTTP/3.0\r\n\r\n", 505),
    (b"PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405),
    (b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n", 405),
]
fails = []
for req, want in cases:
    s = socket.create_connection((host, 80), timeout=10)
    try:
        s.sendall(req)
    except OSError:
        pass  # the server may answer and close before taking it all
    data = b""
    try:
        while b"\r\n" not in data:
            d = s.recv(4096)
            if not d:
                break
            data += d
    except OSError as e:
        fails.append("%r: %s" % (req[:40], e))
        continue
    s.close()
    got = data.split(b" ")[1] if data.startswith(b"HTTP/1.1 ") else data[:40]
    if got != str(want).encode():
        fails.append("%r: got %r want %d" % (req[:40], got, want))
print("\n".join(fails) if fails else "OK")
"""


def test_bad_requests_get_the_right_status(lab, procs):
    srv = start_server(procs, lab)
    r = py(lab.linux, BAD_REQUESTS, HK_IP, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "OK", r.stdout + r.stderr
    # never a crash: still serving
    assert srv.alive()
    assert curl(lab, "http://%s/" % HK_IP).stdout == HELLO
    st = stop_server(srv)
    assert st.get("http_bad_requests", 0) >= 14, st


SLOWLORIS = r"""
import socket, sys, time
host = sys.argv[1]
t0 = time.monotonic()
# headers that never finish: 408 after the header timeout (2 s), then close
s = socket.create_connection((host, 80), timeout=10)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
for i in range(3):
    time.sleep(0.3)
    s.sendall(b"X-Drip: %d\r\n" % i)
data = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    data += d
dt = time.monotonic() - t0
assert data.startswith(b"HTTP/1.1 408 Request Timeout\r\n"), data
assert b"Connection: close" in data
assert 1.5 < dt < 6, dt
# a connection that says nothing is closed quietly
s = socket.create_connection((host, 80), timeout=10)
assert s.recv(100) == b""
# idle keep-alive connection closed after the idle timeout (1 s)
s = socket.create_connection((host, 80), timeout=10)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
data = b""
t1 = time.monotonic()
while True:
    d = s.recv(4096)
    if not d:
        break
    data += d
assert data.count(b"200 OK") == 1 and data.endswith(b"Hello World!\n"), data
assert 0.5 < time.monotonic() - t1 < 5
print("OK")
"""


def test_slowloris_and_idle_timeouts(lab, procs):
    srv = start_server(procs, lab, "--header-timeout", "2", "--idle-timeout", "1")
    # a slowloris client does not hold up others
    slow = lab.linux.popen(["/usr/bin/python3", "-c", SLOWLORIS, HK_IP], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        assert curl(lab, "http://%s/" % HK_IP).stdout == HELLO
        out, err = slow.communicate(timeout=60)
    finally:
        if slow.poll() is None:
            slow.kill()
            slow.wait()
    assert slow.returncode == 0 and out.strip() == "OK", out + err
    st = stop_server(srv)
    assert st.get("http_header_timeouts") == 1, st
    assert st.get("http_idle_closes", 0) >= 2, st
    assert '" 408 ' in srv.stdout


MANY = r"""
import resource, selectors, socket, sys, time
host, n = sys.argv[1], int(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, n + 100)), hard))
sel = selectors.DefaultSelector()
socks = []
deadline = time.monotonic() + 60
for i in range(n):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex((host, 80))
    socks.append(s)
    sel.register(s, selectors.EVENT_WRITE, i)
# all connected (and held open) before any request is sent
pending = set(range(n))
while pending and time.monotonic() < deadline:
    for key, _ in sel.select(1):
        err = key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        assert err == 0, "connect %d: %d" % (key.data, err)
        pending.discard(key.data)
        sel.unregister(key.fileobj)
assert not pending, "%d connections never completed" % len(pending)
for i, s in enumerate(socks):
    s.setblocking(True)
    s.sendall(b"GET /c%d HTTP/1.1\r\nHost: x\r\n\r\n" % i)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, i)
got = {}
while len(got) < n and time.monotonic() < deadline:
    for key, _ in sel.select(1):
        i = key.data
        d = key.fileobj.recv(4096)
        got[i] = got.get(i, b"") + d
        if got[i].endswith(b"Hello World!\n") or not d:
            sel.unregister(key.fileobj)
ok = sum(1 for v in got.values() if v.startswith(b"HTTP/1.1 200 OK") and v.endswith(b"Hello World!\n"))
print(ok)
for s in socks:
    s.close()
"""


def test_1000_concurrent_connections(lab, procs):
    srv = start_server(procs, lab, "--quiet")
    r = py(lab.linux, MANY, HK_IP, 1000, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "1000", r.stdout + r.stderr
    st = stop_server(srv)
    assert st.get("http_requests") == 1000, st
    assert st.get("http_conns_opened") >= 1000, st


def test_static_files_and_traversal(lab, procs, tmp_path):
    base = tmp_path / "site"
    www = base / "www"
    (www / "sub").mkdir(parents=True)
    (www / "index.html").write_text("<h1>hokuto</h1>\n")
    (www / "sub" / "data.json").write_text('{"a": 1}\n')
    (www / "big.bin").write_bytes(bytes(i * 7 % 251 for i in range(1 << 20)))
    (base / "secret.txt").write_text("SECRET\n")
    os.symlink(base / "secret.txt", www / "escape")
    os.symlink("..", www / "updir")
    srv = start_server(procs, lab, "--dir", str(www))
    url = "http://%s" % HK_IP

    def code(path):
        r = curl(lab, "--path-as-is", "-o", "/dev/null", "-w", "%{http_code} %{content_type}", url + path)
        return r.stdout

    assert curl(lab, url + "/").stdout == "<h1>hokuto</h1>\n"
    assert code("/") == "200 text/html; charset=utf-8"
    assert code("/sub/data.json") == "200 application/json"
    assert curl(lab, url + "/sub/data.json").stdout == '{"a": 1}\n'
    # 1 MiB, compared byte for byte
    r = xrun(lab.linux, ["curl", "-sS", "--max-time", "30", "-o", tmp_path / "big.out", url + "/big.bin"],
             timeout=40)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "big.out").read_bytes() == (www / "big.bin").read_bytes()
    assert code("/sub").startswith("301")
    assert code("/missing").startswith("404")
    for path in ["/../secret.txt", "/%2e%2e/secret.txt", "/sub/..%2f..%2fsecret.txt", "/%2e%2e%2fsecret.txt",
                 "/sub/../../secret.txt", "/a%00b"]:
        assert code(path).startswith("400"), path
    for path in ["/escape", "/updir/secret.txt"]:
        assert code(path).startswith("404"), path
        assert "SECRET" not in curl(lab, "--path-as-is", url + path).stdout
    r = curl(lab, "-d", "x", "-o", "/dev/null", "-w", "%{http_code}", url + "/index.html")
    assert r.stdout == "405"
    stop_server(srv)


# ============================================================ http-get / http-post

FRAMING_SERVER = r"""
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def do_GET(self):
        p = self.path
        if p == "/cl":
            self.send_response(200); self.send_header("Content-Length", "13"); self.end_headers()
            self.wfile.write(b"Hello World!\n")
        elif p == "/chunked":
            self.send_response(200); self.send_header("Transfer-Encoding", "chunked"); self.end_headers()
            for part in (b"Hello ", b"World", b"!\n"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        elif p == "/close":
            self.protocol_version = "HTTP/1.0"
            self.send_response(200); self.end_headers()
            self.wfile.write(b"Hello World!\n")
            self.close_connection = True
        elif p.startswith("/redirect/"):
            n = int(p.rsplit("/", 1)[1])
            self.send_response(302)
            self.send_header("Location", "/cl" if n <= 1 else "/redirect/%d" % (n - 1))
            self.send_header("Content-Length", "0"); self.end_headers()
        elif p == "/abs":
            self.send_response(301)
            self.send_header("Location", "http://web.test:%d/chunked" % self.server.server_port)
            self.send_header("Content-Length", "0"); self.end_headers()
        else:
            self.send_response(404); self.send_header("Content-Length", "4"); self.end_headers()
            self.wfile.write(b"nope")
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        out = b"CT=" + self.headers.get("Content-Type", "").encode() + b" UA=" + \
            self.headers.get("User-Agent", "").encode() + b" BODY=" + body + b"\n"
        if self.path == "/see-other":
            self.send_response(303); self.send_header("Location", "/cl")
            self.send_header("Content-Length", "0"); self.end_headers()
            return
        self.send_response(200); self.send_header("Content-Length", str(len(out))); self.end_headers()
        self.wfile.write(out)
http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), H).serve_forever()
"""


def wait_port(ns, port):
    def up():
        r = ns.exec(["ss", "-Hltn", "sport = :%d" % port], check=False)
        return str(port) in r.stdout
    wait_for(up, 10, what="port %d to listen" % port)


def test_client_body_framings_and_redirects(lab, procs, tmp_path):
    procs(lab.linux, ["/usr/bin/python3", "-c", FRAMING_SERVER, LINUX_IP, "8081"], "framing-server")
    wait_port(lab.linux, 8081)
    base = "http://%s:8081" % LINUX_IP
    for path in ["/cl", "/chunked", "/close"]:
        r = hokuto_run(lab, ["http-get", base + path])
        assert r.returncode == 0, path + r.stderr
        assert r.stdout == HELLO, path
    # -i: headers first
    r = hokuto_run(lab, ["http-get", "-i", base + "/chunked"])
    assert r.stdout.startswith("HTTP/1.1 200 OK\r\n") and r.stdout.endswith("\r\n\r\n" + HELLO), r.stdout
    assert "Transfer-Encoding: chunked\r\n" in r.stdout
    # non-2xx: body still printed, status line on stderr, exit 1
    r = hokuto_run(lab, ["http-get", base + "/missing"])
    assert r.returncode == 1 and r.stdout == "nope"
    assert "HTTP/1.1 404 Not Found" in r.stderr
    # redirects: not followed without -L, followed up to 5 with it
    r = hokuto_run(lab, ["http-get", base + "/redirect/1"])
    assert r.returncode == 1 and "302 Found" in r.stderr
    r = hokuto_run(lab, ["http-get", "-L", base + "/redirect/5"])
    assert r.returncode == 0 and r.stdout == HELLO, r.stderr
    r = hokuto_run(lab, ["http-get", "-L", base + "/redirect/6"])
    assert r.returncode != 0 and "too many redirects" in r.stderr, r.stderr
    # a host name from a hosts file, and an absolute redirect to it
    hosts = tmp_path / "hosts"
    hosts.write_text("# test hosts\n127.0.0.1 localhost\n%s web.test www.web.test\n" % LINUX_IP)
    r = hokuto_run(lab, ["http-get", "--hosts", str(hosts), "-L", "http://www.web.test:8081/abs"])
    assert r.returncode == 0 and r.stdout == HELLO, r.stderr
    r = hokuto_run(lab, ["http-get", "--hosts", str(hosts), "http://nowhere.test/"])
    assert r.returncode == 3 and "unknown host" in r.stderr
    # -o FILE
    out = tmp_path / "out.txt"
    r = hokuto_run(lab, ["http-get", "-o", str(out), base + "/cl"])
    assert r.returncode == 0 and r.stdout == "" and out.read_text() == HELLO
    # POST: body and headers as curl sends them; 303 turns it into a GET
    r = hokuto_run(lab, ["http-post", base + "/echo", "--data", "name=hokuto&x=1"])
    assert r.returncode == 0, r.stderr
    assert r.stdout == "CT=application/x-www-form-urlencoded UA=hokuto/0.1 BODY=name=hokuto&x=1\n"
    r = hokuto_run(lab, ["http-post", "-L", base + "/see-other", "--data", "x"])
    assert r.returncode == 0 and r.stdout == HELLO, r.stderr
    # nothing listening: a network error
    r = hokuto_run(lab, ["http-get", "--timeout", "5", "http://%s:9/" % LINUX_IP])
    assert r.returncode == 4 and "connect to" in r.stderr, r.stderr


def test_client_against_python_http_server(lab, procs, tmp_path):
    www = tmp_path / "www"
    (www / "dir").mkdir(parents=True)
    (www / "hello.txt").write_text(HELLO)
    (www / "dir" / "index.html").write_text("<p>dir</p>\n")
    data = bytes(i * 13 % 256 for i in range(3 << 20))
    (www / "big.bin").write_bytes(data)
    procs(lab.linux, ["/usr/bin/python3", "-m", "http.server", "8000", "--bind", LINUX_IP, "--directory", str(www)],
          "http.server")
    wait_port(lab.linux, 8000)
    base = "http://%s:8000" % LINUX_IP
    r = hokuto_run(lab, ["http-get", base + "/hello.txt"])
    assert r.returncode == 0 and r.stdout == HELLO, r.stderr
    r = hokuto_run(lab, ["http-get", "-L", base + "/dir"])
    assert r.returncode == 0 and r.stdout == "<p>dir</p>\n", r.stderr
    out = tmp_path / "big.out"
    r = hokuto_run(lab, ["http-get", "-o", str(out), base + "/big.bin"], timeout=120)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == data
    r = hokuto_run(lab, ["http-get", base + "/none"])
    assert r.returncode == 1 and "404" in r.stderr


NGINX_CONF = """
user root;
worker_processes 1;
daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    default_type text/plain;
    server {{
        listen {ip}:{port};
        root {tmp}/www;
        location = /moved {{ return 301 /hello.txt; }}
        location = /post {{ return 200 "posted\\n"; }}
    }}
}}
"""


def start_nginx(procs, ns, tmp, ip, port):
    (tmp / "www").mkdir(exist_ok=True)
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, ip=ip, port=port))
    p = procs(ns, ["nginx", "-c", str(conf), "-p", str(tmp)], "nginx")
    wait_port(ns, port)
    return p


def test_client_against_nginx(lab, procs, tmp_path):
    ng = tmp_path / "nginx"
    ng.mkdir()
    start_nginx(procs, lab.linux, ng, LINUX_IP, 8082)
    (ng / "www" / "hello.txt").write_text(HELLO)
    base = "http://%s:8082" % LINUX_IP
    r = hokuto_run(lab, ["http-get", base + "/hello.txt"])
    assert r.returncode == 0 and r.stdout == HELLO, r.stderr
    r = hokuto_run(lab, ["http-get", "-i", "-L", base + "/moved"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("HTTP/1.1 301 Moved Permanently\r\n")
    assert "HTTP/1.1 200 OK\r\n" in r.stdout and r.stdout.endswith(HELLO)
    r = hokuto_run(lab, ["http-post", base + "/post", "--data", "a=b"])
    assert r.returncode == 0 and r.stdout == "posted\n", r.stderr
    r = hokuto_run(lab, ["http-post", base + "/hello.txt", "--data", "a=b"])
    assert r.returncode == 1 and "405 Not Allowed" in r.stderr, r.stderr
    r = hokuto_run(lab, ["http-get", base + "/missing"])
    assert r.returncode == 1 and "404 Not Found" in r.stderr
    assert "hokuto/0.1" in (ng / "access.log").read_text()

