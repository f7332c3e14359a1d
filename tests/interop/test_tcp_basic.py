"""TCP against Linux, the basics: refused connections in both directions
(RST, ECONNREFUSED), 500 concurrent connections to `hokuto echo-server`,
and Linux's own tools (curl) talking to `hokuto nc -l`.

hokuto runs on a packet device in seed 002's lab (veth_lab), or on a tap
device inside a namespace (tap_lab) where the test says so.
"""
import json
import os
import subprocess

import pytest

from conftest import run_hokuto, tshark_lines, wait_for, wait_reachable

# hokuto nc stops copying stdin once the peer has sent its FIN, and exits 0
# with the rest of stdin never sent (apps/cmd_nc.c copy(): "the peer
# closed: we stop too"). Contract: stdin goes to the connection until its
# EOF; a half-close by the peer only ends the other direction.
CLOSED_PORT = 5999


def lab_view(request, kind):
    """(linux namespace, linux ip, hokuto namespace, hokuto ip, hokuto args)
    for the packet (veth) or the tap lab."""
    if kind == "packet":
        lab = request.getfixturevalue("veth_lab")
        return lab.linux, lab.linux_ip, lab.hk, lab.hk_ip, lab.hokuto_args()
    lab = request.getfixturevalue("tap_lab")
    return lab.ns, lab.kernel_ip, lab.ns, lab.hk_ip, lab.hokuto_args()


# ----------------------------------------------------------- refused

@pytest.mark.parametrize("kind", ["packet", "tap"])
def test_hokuto_connects_to_closed_port(kind, request, tmp_path):
    """Linux answers hokuto's SYN to a closed port with RST; hokuto nc says
    "connection refused" and exits non-zero at once (no SYN retries)."""
    _lns, lip, hns, _hip, args = lab_view(request, kind)
    rc, out, err, st = run_hokuto(hns, args, ["nc", lip, str(CLOSED_PORT)], tmp_path, "nc", timeout=15)
    assert rc != 0, "hokuto nc to a closed port exited 0:\n%s%s" % (out, err)
    assert "connection refused" in err.lower(), err
    assert out == "", out
    pcap = tmp_path / "nc.pcap"
    syns = tshark_lines(pcap, "tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.dstport == %d" % CLOSED_PORT,
                        ["tcp.seq_raw"])
    rsts = tshark_lines(pcap, "tcp.flags.reset == 1 && ip.src == %s && tcp.srcport == %d" % (lip, CLOSED_PORT),
                        ["tcp.ack_raw"])
    assert len(syns) == 1, "SYNs sent: %s" % syns
    assert len(rsts) == 1 and int(rsts[0]) == int(syns[0]) + 1, (syns, rsts)
    assert st.get("tcp_conn_established", 0) == 0, st


SOCAT_CONNECT_CLOSED = "socat -u OPEN:/dev/null TCP:%s:%d,connect-timeout=5"

PY_CONNECT_CLOSED = r"""
import socket, sys
s = socket.socket()
s.settimeout(5)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
except ConnectionRefusedError:
    print("refused")
except Exception as e:
    print("other: %r" % e)
else:
    print("connected")
"""


@pytest.mark.parametrize("kind", ["packet", "tap"])
def test_linux_connects_to_closed_port(kind, request, hokuto):
    """hokuto answers a SYN to a port nobody listens on with
    <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK> (RFC 9293 3.10.7.1); Linux's
    connect() fails with ECONNREFUSED. hokuto keeps serving its open port."""
    lns, _lip, hns, hip, args = lab_view(request, kind)
    h = hokuto(hns, args, ["echo-server", "--port", "7"], name="echo")
    wait_reachable(lns, hip)
    r = lns.exec(["/usr/bin/python3", "-c", PY_CONNECT_CLOSED, hip, str(CLOSED_PORT)], check=False, timeout=15)
    assert r.stdout.strip() == "refused", r.stdout + r.stderr
    r = lns.exec((SOCAT_CONNECT_CLOSED % (hip, CLOSED_PORT)).split(), check=False, timeout=15)
    assert r.returncode != 0 and "Connection refused" in r.stderr, (r.returncode, r.stderr)
    # The open port still works.
    r = lns.exec(["/usr/bin/python3", "-c", ECHO_ONCE, hip], check=False, timeout=15)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stdout + r.stderr
    assert h.stop() == 0, h.stderr
    st = h.stats()
    assert st.get("tcp_rx_no_conn", 0) == 2, st
    assert st.get("tcp_tx_rst", 0) == 2, st
    syns = tshark_lines(h.pcap, "tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.dstport == %d" % CLOSED_PORT,
                        ["tcp.seq_raw"])
    rsts = tshark_lines(h.pcap, "tcp.flags.reset == 1 && tcp.srcport == %d" % CLOSED_PORT,
                        ["tcp.seq_raw", "tcp.ack_raw", "tcp.flags.ack"])
    assert len(syns) == 2 and len(rsts) == 2, (syns, rsts)
    for syn, rst in zip(syns, rsts):
        seq, ack, ackflag = rst.split("\t")
        assert int(seq) == 0 and int(ack) == (int(syn) + 1) % (1 << 32) and ackflag in ("1", "True"), (syn, rst)


ECHO_ONCE = r"""
import socket, sys
s = socket.create_connection((sys.argv[1], 7), timeout=5)
msg = b"one echo, please\n" * 100
s.sendall(msg)
got = b""
while len(got) < len(msg):
    d = s.recv(65536)
    if not d:
        break
    got += d
s.close()
print("ok" if got == msg else "bad echo: %d bytes" % len(got))
"""


# ------------------------------------------------------ many connections

CONCURRENT = r"""
import asyncio, hashlib, json, os, sys

HOST, PORT, N = sys.argv[1], 7, int(sys.argv[2])

async def main():
    connected = 0
    all_up = asyncio.Event()
    errors = []

    async def one(i):
        nonlocal connected
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection(HOST, PORT), 60)
        except Exception as e:
            errors.append("connect %d: %r" % (i, e))
            return False
        connected += 1
        if connected == N:
            all_up.set()
        try:
            # Every connection is up before any data moves.
            await asyncio.wait_for(all_up.wait(), 90)
            size = 1 + int.from_bytes(hashlib.sha256(b"%d" % i).digest()[:2], "big") % 6000
            data = (b"conn %05d " % i + os.urandom(size))
            w.write(data)
            await w.drain()
            got = await asyncio.wait_for(r.readexactly(len(data)), 60)
            w.write_eof()
            tail = await asyncio.wait_for(r.read(), 30)
            w.close()
            await w.wait_closed()
            if got != data or tail:
                errors.append("conn %d: echo differs (%d/%d bytes, %d extra)" % (i, len(got), len(data), len(tail)))
                return False
            return True
        except Exception as e:
            errors.append("conn %d: %r" % (i, e))
            w.close()
            return False

    results = await asyncio.gather(*(one(i) for i in range(N)))
    print(json.dumps({"connected": connected, "ok": sum(results), "errors": errors[:10]}))

asyncio.run(main())
"""


def test_500_concurrent_connections_echoed(veth_lab, hokuto):
    """500 connections from Linux to `hokuto echo-server`, all established
    at the same time, each echoes its own data exactly and closes cleanly."""
    lab = veth_lab
    n = 500
    h = hokuto(lab.hk, lab.hokuto_args(), ["echo-server", "--port", "7"], name="echo")
    wait_reachable(lab.linux, lab.hk_ip)
    r = lab.linux.exec(["/usr/bin/python3", "-c", CONCURRENT, lab.hk_ip, str(n)], check=False, timeout=200)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["connected"] == n and res["ok"] == n, res
    assert h.proc.poll() is None, "echo-server exited:\n" + h.stderr
    # hokuto is still fine after them all.
    r = lab.linux.exec(["/usr/bin/python3", "-c", ECHO_ONCE, lab.hk_ip], check=False, timeout=15)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stdout + r.stderr
    assert h.stop() == 0, h.stderr
    st = h.stats()
    assert st.get("tcp_conn_passive", 0) + st.get("tcp_syncookies_ok", 0) >= n + 1, st
    assert st.get("tcp_tx_rst", 0) == 0, st


# ------------------------------------------------------- Linux's tools

HTTP_BODY = b"<h1>hello from hokuto</h1>\n" * 40
HTTP_RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n"
                 b"Connection: close\r\n\r\n" % len(HTTP_BODY)) + HTTP_BODY


@pytest.mark.parametrize("kind", ["packet", "tap"])
def test_curl_to_hokuto_nc_listener(kind, request, hokuto_io, tmp_path):
    """curl fetches a page from `hokuto nc -l 80` whose stdin holds a
    hand-written HTTP response: curl prints the body, hokuto prints curl's
    request, and both finish cleanly."""
    lns, _lip, hns, hip, args = lab_view(request, kind)
    resp = tmp_path / "response.http"
    resp.write_bytes(HTTP_RESPONSE)
    h = hokuto_io(hns, args, ["nc", "-l", "80"], name="nc", stdin=resp)
    wait_reachable(lns, hip)
    r = lns.exec(["curl", "-sS", "--max-time", "15", "-o", "-", "http://%s/hello" % hip], check=False, timeout=30)
    assert r.returncode == 0, "curl failed (%d): %s" % (r.returncode, r.stderr)
    assert r.stdout.encode() == HTTP_BODY, r.stdout[:200]
    rc = h.wait(timeout=15)
    assert rc == 0, "hokuto nc -l exit %d:\n%s" % (rc, h.stderr)
    req = h.stdout_bytes
    assert req.startswith(b"GET /hello HTTP/1.1\r\n"), req[:200]
    assert b"\r\nHost: %s\r\n" % hip.encode() in req and b"\r\nUser-Agent: curl/" in req, req
    assert req.endswith(b"\r\n\r\n"), req
    st = h.stats()
    assert st.get("tcp_conn_passive", 0) == 1 and st.get("tcp_tx_rst", 0) == 0, st


def test_nc_keeps_sending_after_peer_half_close(veth_lab, hokuto_io, tmp_path):
    """The peer sends a few bytes and its FIN at once; hokuto nc still
    sends all of its stdin (1 MiB), then its FIN, and exits 0 (TCP
    half-close, RFC 9293 3.6: CLOSE-WAIT may still send)."""
    lab = veth_lab
    data = os.urandom(1 << 20)
    (tmp_path / "in.bin").write_bytes(data)
    (tmp_path / "greeting").write_bytes(b"short\n")
    got = tmp_path / "linux.out"
    err = open(tmp_path / "socat.err", "w")
    socat = lab.linux.popen(["socat", "-t", "60", "TCP-LISTEN:5002,bind=%s,reuseaddr" % lab.linux_ip,
                             "OPEN:%s,rdonly!!CREATE:%s" % (tmp_path / "greeting", got)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_for(lambda: ":5002 " in lab.linux.exec(["ss", "-Hltn"]).stdout, 5, what="socat to listen")
        h = hokuto_io(lab.hk, lab.hokuto_args(), ["nc", lab.linux_ip, "5002"], name="nc",
                      stdin=tmp_path / "in.bin")
        rc = h.wait(timeout=60)
        src = socat.wait(timeout=60)
    finally:
        if socat.poll() is None:
            socat.kill()
        socat.wait(timeout=5)
        err.close()
    assert h.stdout_bytes == b"short\n"
    assert rc == 0 and src == 0, (rc, src, h.stderr, (tmp_path / "socat.err").read_text())
    assert got.stat().st_size == len(data), "Linux got %d of %d bytes; hokuto nc exit %d" % (
        got.stat().st_size, len(data), rc)
    assert got.read_bytes() == data
