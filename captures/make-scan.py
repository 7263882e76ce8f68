#!/usr/bin/env python3
"""make-scan.py: writes a TCP port scan of the Access Edge, or a bulk of many small flows.

  captures/make-scan.py scan [OUT] [PORTS]   (default captures/own/scan.pcap beside this script, 300)
  captures/make-scan.py bulk OUT FLOWS [SCAN-PORTS]
  captures/make-scan.py stream OUT FLOWS

scan: what `nmap -sS` leaves on a span port, in miniature:
  - 198.51.100.7 sends one SYN to each of PORTS ports of 192.0.2.10 (1..PORTS, shuffled by a
    fixed generator); each is answered by a RST, except ports 22, 443 and 5061, which answer
    with a SYN-ACK that the scanner resets (a half-open connect);
  - 198.51.100.8 probes ten ports (1000..1009) the same way: too few to be a scan;
  - 203.0.113.40 sends three SYNs to 3389, each answered by a RST (one port, three flows).
  Report v2 folds the first scanner's refused attempts into one scan group and leaves the
  second's as one group per port.
bulk: FLOWS one-request UDP exchanges between hosts no rule names (out of scope: counted, never
  grouped), each from its own client port, followed by the scan above with SCAN-PORTS ports
  (default 2000). Used by tests/bounds.sh for a report of many flows.
stream: FLOWS flows one millisecond apart in packet time, so that with a short UDP timeout only
  a few thousand are alive at once: nine in ten out-of-scope DNS exchanges, one in ten a SIP
  request from one of 50 initiators to 192.0.2.10:5060/udp that no rule allows (a finding, in
  50 families). Used by tests/bounds.sh: memory must not grow with finished flows.

Pure Python, no dependencies, deterministic (fixed times, ports and order). Addresses follow the
shared address plan (documentation ranges only).
"""
import struct
import sys
import os

EDGE = "192.0.2.10"
SCANNER = "198.51.100.7"
PROBER = "198.51.100.8"
CLIENT = "203.0.113.40"
T0 = 1363341600  # 2013-03-15T10:00:00Z
MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")
SYN, RST, ACK = 0x02, 0x04, 0x10


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0x4000, 64, proto, 0,
                      ip4(src), ip4(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def tcp(src, dst, sport, dport, flags, seq=1, ack=0):
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 6, len(seg))
    seg = seg[:16] + struct.pack("!H", csum(pseudo + seg)) + seg[18:]
    return ipv4(src, dst, 6, seg)


def udp(src, dst, sport, dport, payload):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 17, len(seg))
    seg = seg[:6] + struct.pack("!H", csum(pseudo + seg) or 0xFFFF) + seg[8:]
    return ipv4(src, dst, 17, seg)


class Writer:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.us = 0

    def put(self, pkt, step_us=100):
        self.us += step_us
        frame = MAC_B + MAC_A + b"\x08\x00" + pkt
        sec, usec = T0 + self.us // 1000000, self.us % 1000000
        self.f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)

    def close(self):
        self.f.close()


def probe(w, src, sport, port, open_ports=()):
    """One SYN; a RST back, or a SYN-ACK that the prober resets."""
    w.put(tcp(src, EDGE, sport, port, SYN, seq=1000), 1000)
    if port in open_ports:
        w.put(tcp(EDGE, src, port, sport, SYN | ACK, seq=5000, ack=1001))
        w.put(tcp(src, EDGE, sport, port, RST, seq=1001))
    else:
        w.put(tcp(EDGE, src, port, sport, RST | ACK, seq=0, ack=1001))


def scan(w, nports):
    ports = list(range(1, nports + 1))
    x = 12345
    for i in range(len(ports) - 1, 0, -1):   # a fixed shuffle (LCG), as a scanner randomises
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        j = x % (i + 1)
        ports[i], ports[j] = ports[j], ports[i]
    for n, port in enumerate(ports):
        probe(w, SCANNER, 40000 + n % 20000, port, open_ports=(22, 443, 5061))
    for n, port in enumerate(range(1000, 1010)):
        probe(w, PROBER, 50000 + n, port)
    for n in range(3):
        probe(w, CLIENT, 60000 + n, 3389)


def bulk(w, nflows):
    for i in range(nflows):
        a = "10.%d.%d.%d" % (1 + (i >> 16) % 200, (i >> 8) & 255, i & 255)
        sport = 1024 + i % 60000
        w.put(udp(a, "10.250.0.53", sport, 53, b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"), 20)
        w.put(udp("10.250.0.53", a, 53, sport, b"\x12\x34\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00"), 20)


def stream(w, nflows):
    for i in range(nflows):
        sport = 1024 + i % 60000
        if i % 10 == 9:
            a = "203.0.113.%d" % (100 + i // 10 % 50)
            w.put(udp(a, EDGE, sport, 5060, b"OPTIONS sip:edge SIP/2.0\r\n\r\n"), 1000)
            continue
        a = "10.%d.%d.%d" % (1 + (i >> 16) % 200, (i >> 8) & 255, i & 255)
        w.put(udp(a, "10.250.0.53", sport, 53, b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"), 1000)
        w.put(udp("10.250.0.53", a, 53, sport, b"\x12\x34\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00"), 20)


def main():
    kind = sys.argv[1] if len(sys.argv) > 1 else "scan"
    if kind == "scan":
        out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                                "own", "scan.pcap")
        w = Writer(out)
        scan(w, int(sys.argv[3]) if len(sys.argv) > 3 else 300)
    elif kind == "stream" and len(sys.argv) > 3:
        w = Writer(sys.argv[2])
        stream(w, int(sys.argv[3]))
    elif kind == "bulk" and len(sys.argv) > 3:
        w = Writer(sys.argv[2])
        bulk(w, int(sys.argv[3]))
        scan(w, int(sys.argv[4]) if len(sys.argv) > 4 else 2000)
    else:
        sys.exit(__doc__)
    w.close()


if __name__ == "__main__":
    main()
