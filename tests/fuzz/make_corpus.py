#!/usr/bin/python3
"""Writes the seed corpora under tests/fuzz/corpus/ (run with Debian's
python, which has scapy: /usr/bin/python3 tests/fuzz/make_corpus.py).
The record format is described at the top of fuzz_frame.c."""
import struct
from pathlib import Path

from scapy.all import ARP, ICMP, IP, TCP, UDP, Ether, fragment, raw

HERE = Path(__file__).resolve().parent
PEER_MAC, HOKUTO_MAC = "00:00:5e:00:53:01", "02:00:00:00:00:0b"
PEER, HOKUTO = "192.0.2.1", "192.0.2.2"


def frame(b):
    b = raw(b)
    return bytes([0x00]) + struct.pack(">H", len(b)) + b


def ms(n):
    return bytes([0xf0]) + struct.pack(">H", n - 1)


def sec(n):
    return bytes([0xff]) + struct.pack(">H", n - 1)


def eth(p):
    return Ether(src=PEER_MAC, dst=HOKUTO_MAC) / p


def ip(p):
    return IP(src=PEER, dst=HOKUTO) / p


syn = TCP(sport=40000, dport=80, flags="S", seq=1000, window=65535,
          options=[("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)), ("WScale", 7)])
data = TCP(sport=40000, dport=80, flags="PA", seq=1001, ack=1, window=65535) / b"GET / HTTP/1.0\r\n\r\n"
fin = TCP(sport=40000, dport=80, flags="FA", seq=1019, ack=1, window=65535)
ping = ICMP(type=8, id=0x4b48, seq=1) / (b"hokuto" * 10)
big_ping = IP(src=PEER, dst=HOKUTO, id=77) / ICMP(type=8, id=1, seq=2) / (b"x" * 3000)

frame_corpus = {
    "arp_request": b"\x00" + frame(Ether(src=PEER_MAC, dst="ff:ff:ff:ff:ff:ff") /
                                   ARP(op=1, hwsrc=PEER_MAC, psrc=PEER, pdst=HOKUTO)) + ms(10),
    "arp_reply": b"\x00" + frame(Ether(src=PEER_MAC, dst=HOKUTO_MAC) /
                                 ARP(op=2, hwsrc=PEER_MAC, psrc=PEER, hwdst=HOKUTO_MAC,
                                     pdst=HOKUTO)) + sec(2),
    "ping": b"\x00" + frame(eth(ip(ping))) + ms(1000),
    "ping_fragments": b"\x00" + b"".join(frame(Ether(src=PEER_MAC, dst=HOKUTO_MAC) / f)
                                         for f in fragment(big_ping, fragsize=1480)) + sec(31),
    "tcp_syn": b"\x00" + frame(eth(ip(syn))) + ms(200) + frame(eth(ip(data))) + frame(eth(ip(fin)))
               + sec(3) + sec(65),
    "udp_echo": b"\x00" + frame(eth(ip(UDP(sport=5000, dport=7) / b"echo me"))) + ms(5),
    "ipv4_link_ping": b"\x01" + frame(ip(ping)) + ms(1000),
    "ipv4_link_syn": b"\x01" + frame(ip(syn)) + sec(1) + sec(61),
}

dev_corpus = {
    "spec": b"\x00loss=0.1,dup=0.1,reorder=0.1,corrupt=0.1,delay=2ms,jitter=1ms,rate=10mbit,queue=10,seed=3",
    "tcp_l3": b"\x01" + raw(ip(data)),
    "tcp_l2": b"\x02" + raw(eth(ip(TCP(sport=80, dport=40000, flags="A", seq=1, ack=1001) /
                                    (b"z" * 4000)))),
    "udp_l3": b"\x01" + raw(ip(UDP(sport=5000, dport=7) / b"partial")),
}

for name, corpus in (("fuzz_frame", frame_corpus), ("fuzz_dev", dev_corpus)):
    d = HERE / "corpus" / name
    d.mkdir(parents=True, exist_ok=True)
    for k, v in corpus.items():
        (d / (k + ".bin")).write_bytes(v)
    print("%s: %d seeds" % (d, len(corpus)))
