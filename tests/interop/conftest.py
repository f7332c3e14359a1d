"""Interop test fixtures: network namespaces, veth pairs and tun/tap devices
that each test creates and removes itself, and hokuto processes run inside
them (started by pid, always stopped and waited for in teardown).

Run as root with Debian's python:  /usr/bin/python3 -m pytest tests/interop
The binary comes from $HOKUTO_BIN, else <repo>/build/hokuto.

Rules kept here: names start with "hk" and are unique per test (several
helpers run these suites at the same time); addresses only from
192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24; everything is removed even
when a test fails.
"""
import itertools
import os
import re
import shutil
import signal
import struct
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINUX_MAC = "00:00:5e:00:53:01"
HOKUTO_MAC = "00:00:5e:00:53:02"
# The kernel's own MAC on hokuto's veth end: hokuto uses a MAC (and an
# address) of its own there, which the kernel does not own.
KERNEL_SIDE_MAC = "00:00:5e:00:53:fe"

_counter = itertools.count(1)


def run(cmd, check=True, timeout=30, **kw):
    """Runs a command (list), returns CompletedProcess with text output."""
    return subprocess.run(cmd, check=check, timeout=timeout, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def unique_name():
    """hk + 4 digits of our pid + a counter: 8 characters, leaving room for
    interface-name suffixes within IFNAMSIZ (15)."""
    return "hk%04d%02d" % (os.getpid() % 10000, next(_counter) % 100)


def wait_for(pred, timeout=5.0, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)


# ---------------------------------------------------------------- namespaces

class Netns:
    """A network namespace created for one test."""

    def __init__(self, name):
        self.name = name
        run(["ip", "netns", "add", name])
        self.ip("link", "set", "lo", "up")
        # No IPv6 chatter (router solicitations, MLD) on test links.
        self.exec(["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                   "net.ipv6.conf.default.disable_ipv6=1"], check=False)

    def exec(self, cmd, **kw):
        return run(["ip", "netns", "exec", self.name] + list(cmd), **kw)

    def ip(self, *args, **kw):
        return run(["ip", "-n", self.name] + list(args), **kw)

    def popen(self, cmd, **kw):
        return subprocess.Popen(["ip", "netns", "exec", self.name] + list(cmd), **kw)

    def ping(self, dst, count=3, size=None, interval=0.2, wait=2, check=True):
        cmd = ["ping", "-n", "-c", str(count), "-i", str(interval), "-W", str(wait)]
        if size is not None:
            cmd += ["-s", str(size)]
        r = self.exec(cmd + [dst], check=False, timeout=count * interval + wait + 20)
        if check:
            assert r.returncode == 0, "ping %s from %s failed:\n%s%s" % (
                dst, self.name, r.stdout, r.stderr)
        return r

    def neigh(self, addr, dev):
        return self.ip("neigh", "show", addr, "dev", dev).stdout.strip()

    def pids(self):
        r = run(["ip", "netns", "pids", self.name], check=False)
        return [int(p) for p in r.stdout.split()]

    def delete(self):
        # Processes left inside (never ours: those are stopped by pid first)
        # would keep links alive; the namespace goes regardless.
        run(["ip", "netns", "del", self.name], check=False)


@pytest.fixture
def netns_factory():
    """Creates namespaces on demand; deletes them all in teardown."""
    made = []

    def make(suffix=""):
        ns = Netns(unique_name() + suffix)
        made.append(ns)
        return ns

    yield make
    for ns in reversed(made):
        ns.delete()


def _offload_off(ns, dev):
    # Checksums must be finished in every frame an AF_PACKET socket reads.
    if shutil.which("ethtool"):
        ns.exec(["ethtool", "-K", dev, "tx", "off", "rx", "off", "tso", "off",
                 "gso", "off", "gro", "off"], check=False)


class VethLab:
    """Seed 002's layout, per test: Linux in `linux` owns linux_ip on
    linux_if; hokuto runs in `hk` on hk_if (AF_PACKET) with hk_ip, which the
    kernel there does not hold."""

    def __init__(self, make_ns, subnet="192.0.2"):
        base = unique_name()
        self.linux = make_ns()
        self.hk = make_ns()
        self.linux_if = base + "a"
        self.hk_if = base + "b"
        self.linux_ip = subnet + ".1"
        self.hk_ip = subnet + ".2"
        self.prefix = 24
        self.linux_mac = LINUX_MAC
        self.hk_mac = HOKUTO_MAC
        run(["ip", "link", "add", self.linux_if, "netns", self.linux.name,
             "address", LINUX_MAC, "type", "veth", "peer", "name", self.hk_if,
             "netns", self.hk.name, "address", KERNEL_SIDE_MAC])
        self.linux.ip("addr", "add", "%s/%d" % (self.linux_ip, self.prefix), "dev", self.linux_if)
        _offload_off(self.linux, self.linux_if)
        _offload_off(self.hk, self.hk_if)
        self.linux.ip("link", "set", self.linux_if, "up")
        self.hk.ip("link", "set", self.hk_if, "up")

    def hokuto_args(self):
        return ["--dev", "packet:" + self.hk_if, "--ip", "%s/%d" % (self.hk_ip, self.prefix),
                "--mac", self.hk_mac]

    def send_frames(self, frames):
        """Sends raw Ethernet frames (bytes) from the Linux side's interface."""
        send_raw(self.linux, self.linux_if, frames)


@pytest.fixture
def veth_lab(netns_factory):
    return VethLab(netns_factory)


class TunTapLab:
    """One namespace holding a tun or tap device that the test creates
    (persistent, so the kernel side is configured before hokuto attaches):
    the kernel owns kernel_ip on it, hokuto takes hk_ip."""

    def __init__(self, make_ns, mode):
        self.ns = make_ns()
        self.mode = mode
        self.ifname = unique_name() + mode[:2]  # e.g. hk123401ta
        self.kernel_ip = "198.51.100.1"
        self.hk_ip = "198.51.100.2"
        self.prefix = 24
        self.ns.ip("tuntap", "add", "dev", self.ifname, "mode", mode)
        self.ns.ip("addr", "add", "%s/%d" % (self.kernel_ip, self.prefix), "dev", self.ifname)
        self.ns.ip("link", "set", self.ifname, "up")

    def hokuto_args(self):
        return ["--dev", "%s:%s" % (self.mode, self.ifname),
                "--ip", "%s/%d" % (self.hk_ip, self.prefix)]


@pytest.fixture
def tap_lab(netns_factory):
    return TunTapLab(netns_factory, "tap")


@pytest.fixture
def tun_lab(netns_factory):
    return TunTapLab(netns_factory, "tun")


SEND_RAW = r"""
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
bad = 0
for h in sys.argv[2:]:
    try:
        s.send(bytes.fromhex(h))
    except OSError as e:
        print("send failed: %s" % e, file=sys.stderr)
        bad += 1
sys.exit(1 if bad else 0)
"""


def send_raw(ns, ifname, frames):
    """Sends raw frames on ifname from inside ns (an AF_PACKET socket in a
    child process that runs in the namespace)."""
    r = ns.exec(["/usr/bin/python3", "-c", SEND_RAW, ifname] + [bytes(f).hex() for f in frames],
                check=False)
    assert r.returncode == 0, "sending raw frames failed: %s" % r.stderr


# ------------------------------------------------------------------- hokuto

def hokuto_bin():
    path = Path(os.environ.get("HOKUTO_BIN", REPO / "build" / "hokuto"))
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail("no hokuto binary at %s (build it: meson setup build && ninja -C build, "
                    "or set HOKUTO_BIN)" % path)
    return str(path)


STAT_RE = re.compile(r"^([a-z][a-z0-9_]*)\s+(\d+)\s+#", re.M)


def parse_stats(text):
    """The --stats block ("name value  # description") as a dict; counters
    that are absent were zero."""
    return {m.group(1): int(m.group(2)) for m in STAT_RE.finditer(text)}


def check_pcap(path, injected_from=None):
    """tshark reads the capture and finds no malformed packet; returns the
    number of packets in it. A test that injects malformed frames names
    their source MAC in injected_from: those are meant to be malformed, and
    only the others must decode cleanly."""
    bad = "_ws.malformed"
    if injected_from:
        bad += " && !(eth.src == %s)" % injected_from
    r = run(["tshark", "-n", "-r", str(path), "-Y", bad], check=False, timeout=60)
    assert r.returncode == 0, "tshark -r %s failed: %s" % (path, r.stderr)
    assert r.stdout.strip() == "", "malformed packets in %s:\n%s" % (path, r.stdout)
    return pcap_count(path)


def pcap_count(path):
    """Records in a classic pcap file (tshark has already vouched for it)."""
    data = Path(path).read_bytes()
    order = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    n, off = 0, 24
    while off + 16 <= len(data):
        incl = struct.unpack(order + "I", data[off + 8:off + 12])[0]
        off += 16 + incl
        n += 1
    return n


def tshark_lines(path, display_filter, fields=None):
    cmd = ["tshark", "-n", "-r", str(path), "-Y", display_filter]
    if fields:
        cmd += ["-T", "fields"] + sum((["-e", f] for f in fields), [])
    r = run(cmd, check=True, timeout=60)
    return [line for line in r.stdout.splitlines() if line.strip()]


class Hokuto:
    """One hokuto process in a namespace. Global options always include
    --stats and --pcap (in the test's tmp dir)."""

    def __init__(self, ns, args, cmd, tmp, name):
        self.ns = ns
        self.pcap = tmp / ("%s.pcap" % name)
        self.out_path = tmp / ("%s.out" % name)
        self.err_path = tmp / ("%s.err" % name)
        self.argv = [hokuto_bin(), "--stats", "--pcap", str(self.pcap)] + list(args) + list(cmd)
        self._out = open(self.out_path, "w")
        self._err = open(self.err_path, "w")
        # `ip netns exec` execs hokuto itself: the pid is hokuto's.
        self.proc = ns.popen(self.argv, stdout=self._out, stderr=self._err,
                             stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid
        self.returncode = None
        # Set by a test that sends malformed frames on purpose (their MAC).
        self.injected_from = None

    @property
    def stdout(self):
        return self.out_path.read_text()

    @property
    def stderr(self):
        return self.err_path.read_text()

    def wait_ready(self, pattern="serving", timeout=5.0):
        def ready():
            if pattern in self.stdout:
                return True
            if self.proc.poll() is not None:
                raise AssertionError("hokuto exited with %s before it was ready:\n%s%s" % (
                    self.proc.returncode, self.stdout, self.stderr))
            return False
        wait_for(ready, timeout, what="hokuto to print %r" % pattern)
        return self

    def wait(self, timeout=30):
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        finally:
            self._close_files()
        return self.returncode

    def stop(self, sig=signal.SIGINT, timeout=5):
        """Signals hokuto, waits for it; SIGKILL if it does not go. Returns
        the exit status."""
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(sig)
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
                raise AssertionError("hokuto (pid %d) ignored %s" % (self.pid, sig.name))
        self.returncode = self.proc.returncode
        self._close_files()
        return self.returncode

    def kill(self):
        """SIGKILL if still running, then reap."""
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self._close_files()

    def stats(self):
        """Counters from --stats: only complete once hokuto has exited."""
        assert self.proc.poll() is not None, "stats are printed when hokuto exits"
        return parse_stats(self.stderr)

    def _close_files(self):
        for f in (self._out, self._err):
            if not f.closed:
                f.close()


@pytest.fixture
def hokuto(tmp_path):
    """Factory: hokuto(ns, args, cmd, name=None) starts a background hokuto.
    Teardown kills any still running (by pid), waits for them, and checks
    every capture they wrote with tshark."""
    started = []

    def start(ns, args, cmd, name=None):
        h = Hokuto(ns, args, cmd, tmp_path, name or "hokuto%d" % (len(started) + 1))
        started.append(h)
        return h

    yield start
    for h in started:
        h.kill()
    errors = []
    for h in started:
        if h.pcap.exists() and h.pcap.stat().st_size > 24:
            try:
                check_pcap(h.pcap, h.injected_from)
            except AssertionError as e:
                errors.append(str(e))
    if errors:
        pytest.fail("\n".join(errors))


def run_hokuto(ns, args, cmd, tmp_path, name, timeout=60):
    """Runs hokuto in the foreground (e.g. `ping -c 3`); returns (rc, stdout,
    stderr, stats) and checks its capture."""
    h = Hokuto(ns, args, cmd, tmp_path, name)
    try:
        rc = h.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        h.kill()
        raise AssertionError("hokuto %s did not finish in %ds" % (" ".join(cmd), timeout))
    if h.pcap.exists() and h.pcap.stat().st_size > 24:
        check_pcap(h.pcap)
    return rc, h.stdout, h.stderr, parse_stats(h.stderr)


@pytest.fixture(scope="session", autouse=True)
def _require_root():
    if os.geteuid() != 0:
        pytest.skip("interop tests need root (network namespaces)", allow_module_level=True)


# ------------------------------------------- hokuto with stdin/stdout (tcp)

class HokutoIO(Hokuto):
    """A Hokuto for `nc`-like commands: stdin is a file (a path), a pipe the
    test writes to (subprocess.PIPE, then .stdin), or /dev/null (None);
    stdout goes to a file (given, or <name>.out in the tmp dir) in binary.
    pcap=False leaves the capture out (bulk transfers)."""

    def __init__(self, ns, args, cmd, tmp, name, stdin=None, stdout=None, pcap=True):
        self.ns = ns
        self.pcap = tmp / ("%s.pcap" % name)
        self.out_path = Path(stdout) if stdout else tmp / ("%s.out" % name)
        self.err_path = tmp / ("%s.err" % name)
        self.argv = [hokuto_bin(), "--stats"] + (["--pcap", str(self.pcap)] if pcap else []) \
            + list(args) + list(cmd)
        self._out = open(self.out_path, "wb")
        self._err = open(self.err_path, "w")
        self._in = None
        if stdin is None:
            stdin = subprocess.DEVNULL
        elif stdin != subprocess.PIPE:
            self._in = stdin = open(stdin, "rb")
        self.proc = ns.popen(self.argv, stdout=self._out, stderr=self._err, stdin=stdin)
        self.stdin = self.proc.stdin
        self.pid = self.proc.pid
        self.returncode = None

    @property
    def stdout_bytes(self):
        return self.out_path.read_bytes()

    @property
    def stdout(self):
        return self.out_path.read_bytes().decode("utf-8", "replace")

    def close_stdin(self):
        if self.stdin and not self.stdin.closed:
            try:
                self.stdin.close()
            except OSError:
                pass

    def _close_files(self):
        self.close_stdin()
        if self._in and not self._in.closed:
            self._in.close()
        super()._close_files()


@pytest.fixture
def hokuto_io(tmp_path):
    """Factory like `hokuto`, with stdin/stdout/pcap control (HokutoIO):
    hokuto_io(ns, args, cmd, name=None, stdin=None, stdout=None, pcap=True).
    Teardown kills any still running (by pid) and checks their captures."""
    started = []

    def start(ns, args, cmd, name=None, **kw):
        h = HokutoIO(ns, args, cmd, tmp_path, name or "hokuto%d" % (len(started) + 1), **kw)
        started.append(h)
        return h

    yield start
    for h in started:
        h.kill()
    errors = []
    for h in started:
        if h.pcap.exists() and h.pcap.stat().st_size > 24:
            try:
                check_pcap(h.pcap)
            except AssertionError as e:
                errors.append(str(e))
    if errors:
        pytest.fail("\n".join(errors))


def wait_reachable(ns, addr, timeout=10.0):
    """Pings addr from ns until it answers: a hokuto command answers ping
    once its stack runs (its sockets are set up before the loop starts)."""
    wait_for(lambda: ns.exec(["ping", "-n", "-c", "1", "-W", "0.3", addr], check=False,
                             timeout=5).returncode == 0,
             timeout, interval=0.1, what="%s to answer ping" % addr)
