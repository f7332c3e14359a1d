"""TCP against Linux: hokuto's nc and echo-server talking to Linux sockets
over tap and packet devices, with and without impairments; byte-exact data,
clean closes, and the exit statuses for refused and reset connections."""
import hashlib
import subprocess

import pytest

from conftest import check_pcap, hokuto_bin, parse_stats

SERVER = r"""
import socket, sys, hashlib
mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((host, port)); l.listen(1)
print("ready", flush=True)
c, _ = l.accept()
if mode == "sink":
    h = hashlib.sha256(); n = 0
    while True:
        b = c.recv(65536)
        if not b:
            break
        h.update(b); n += len(b)
    c.close()
    print(n, h.hexdigest(), flush=True)
elif mode == "reset":
    import struct
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
"""

CLIENT = r"""
import socket, sys, threading, hashlib
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = bytes((i * 7 + (i >> 9)) & 0xff for i in range(n))
s = socket.create_connection((host, port), timeout=30)
got = bytearray()
def rd():
    while True:
        b = s.recv(65536)
        if not b:
            break
        got.extend(b)
t = threading.Thread(target=rd); t.start()
s.sendall(data); s.shutdown(socket.SHUT_WR); t.join(60)
print("echoed" if bytes(got) == data else "MISMATCH %d/%d" % (len(got), n), flush=True)
"""


def pattern(n):
    return bytes((i * 7 + (i >> 9)) & 0xff for i in range(n))


def nc(ns, args, cmd, tmp_path, name, stdin_bytes=b"", timeout=60):
    """Runs hokuto nc in the foreground with stdin_bytes; returns (rc, out, err)."""
    pcap = tmp_path / (name + ".pcap")
    inp = tmp_path / (name + ".in")
    inp.write_bytes(stdin_bytes)
    argv = [hokuto_bin(), "--stats", "--pcap", str(pcap)] + list(args) + list(cmd)
    with open(inp, "rb") as fin:
        p = ns.popen(argv, stdin=fin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.send_signal(2)
            out, err = p.communicate()
            raise AssertionError("hokuto %s did not finish in %ds:\n%s" % (" ".join(cmd), timeout,
                                                                            err.decode(errors="replace")))
    if pcap.exists() and pcap.stat().st_size > 24:
        check_pcap(pcap)
    return p.returncode, out, err.decode(errors="replace")


def linux_server(ns, mode, host, port):
    p = ns.popen(["/usr/bin/python3", "-c", SERVER, mode, host, str(port)],
                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    return p


@pytest.mark.parametrize("cc", ["newreno", "cubic"])
def test_hokuto_nc_to_linux_tap(tap_lab, tmp_path, cc):
    lab = tap_lab
    data = pattern(1 << 20)
    srv = linux_server(lab.ns, "sink", lab.kernel_ip, 9000)
    try:
        rc, out, err = nc(lab.ns, lab.hokuto_args() + ["--cc", cc], ["nc", lab.kernel_ip, "9000"],
                          tmp_path, "nc-" + cc, data)
        assert rc == 0, err
        n, digest = srv.communicate(timeout=30)[0].split()
        assert int(n) == len(data) and digest == hashlib.sha256(data).hexdigest()
        st = parse_stats(err)
        assert st.get("tcp_conn_established") == 1, st
    finally:
        srv.kill()
        srv.wait()


def test_hokuto_nc_impaired_packet(veth_lab, tmp_path):
    lab = veth_lab
    data = pattern(512 * 1024)
    srv = linux_server(lab.linux, "sink", lab.linux_ip, 9001)
    try:
        rc, out, err = nc(lab.hk, lab.hokuto_args() + ["--impair", "loss=0.02,reorder=0.02,dup=0.01,delay=1ms",
                                                       "--seed", "5"],
                          ["nc", lab.linux_ip, "9001"], tmp_path, "nc-impaired", data, timeout=120)
        assert rc == 0, err
        n, digest = srv.communicate(timeout=60)[0].split()
        assert int(n) == len(data) and digest == hashlib.sha256(data).hexdigest()
        assert parse_stats(err).get("tcp_retransmits", 0) > 0
    finally:
        srv.kill()
        srv.wait()


def test_linux_to_hokuto_nc_listen(tap_lab, tmp_path):
    lab = tap_lab
    data = pattern(300 * 1000)
    pcap = tmp_path / "ncl.pcap"
    argv = [hokuto_bin(), "--stats", "--pcap", str(pcap)] + lab.hokuto_args() + ["nc", "-l", "9002"]
    p = lab.ns.popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        sender = r"""
import socket, sys, time
for i in range(100):
    try:
        s = socket.create_connection((sys.argv[1], 9002), timeout=2); break
    except OSError:
        time.sleep(0.1)
s.sendall(sys.stdin.buffer.read()); s.close()
"""
        r = subprocess.run(["ip", "netns", "exec", lab.ns.name, "/usr/bin/python3", "-c", sender, lab.hk_ip],
                           input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        assert r.returncode == 0, r.stderr
        out, err = p.communicate(timeout=30)
        assert p.returncode == 0, err
        assert out == data
    finally:
        if p.poll() is None:
            p.kill()
        p.wait()


def test_echo_server(tap_lab, hokuto):
    lab = tap_lab
    h = hokuto(lab.ns, lab.hokuto_args(), ["echo-server", "--port", "7"], name="echo").wait_ready("echo server")
    procs = [lab.ns.popen(["/usr/bin/python3", "-c", CLIENT, lab.hk_ip, "7", str(n)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for n in (1, 1000, 200000, 700000)]
    try:
        for p in procs:
            out, err = p.communicate(timeout=60)
            assert out.strip() == "echoed", err
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert h.stop() == 0
    st = h.stats()
    assert st.get("tcp_conn_passive") == 4, st
    assert "stopped after 4 connections" in h.stdout


def test_nc_refused_and_reset(tap_lab, tmp_path):
    lab = tap_lab
    rc, _out, err = nc(lab.ns, lab.hokuto_args(), ["nc", lab.kernel_ip, "9999"], tmp_path, "refused")
    assert rc == 1 and "connection refused" in err
    srv = linux_server(lab.ns, "reset", lab.kernel_ip, 9003)
    try:
        rc, _out, err = nc(lab.ns, lab.hokuto_args(), ["nc", lab.kernel_ip, "9003"], tmp_path, "reset",
                           b"x" * 100000)
        assert rc == 1 and "connection reset by peer" in err, err
    finally:
        srv.kill()
        srv.wait()
