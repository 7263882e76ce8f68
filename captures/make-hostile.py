#!/usr/bin/env python3
"""make-hostile.py: writes captures/own/hostile.pcap, flows whose packet strings try to inject markup.

The report writers must escape what packets say. This capture carries:
  - a TLS ClientHello whose SNI is <script>alert(1)</script>  (client -> edge-access:443)
  - a SIP INVITE whose From domain is "><img src=x onerror=alert(1)> and whose
    To domain holds a CDATA terminator ]]>                  (federated-partner -> edge-access:5060/udp)
  - a second INVITE whose From and To hosts keep <img/src=x/onerror=alert(1)//
    and </td><script> through a SIP parser (no '>' or blank to end the host)
  - an XMPP stream header whose to= holds <script> and the invalid UTF-8
    bytes \\xff\\xfe                                          (federated-partner -> edge-access:5269)
Pure Python, no dependencies; the output is deterministic (fixed times and ports).
Addresses follow the shared address plan (documentation ranges only).

usage: captures/make-hostile.py [OUT]   (default: captures/own/hostile.pcap beside this script)
"""
import os
import struct
import sys

EDGE = "192.0.2.10"
PARTNER = "203.0.113.20"
CLIENT = "203.0.113.40"
T0 = 1363341600  # 2013-03-15T10:00:00Z

MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, ident):
    # RFC 791 header, 20 bytes, no options.
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0,
                      ip4(src), ip4(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def l4_csum(src, dst, proto, seg):
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, proto, len(seg))
    return csum(pseudo + seg)


def tcp(src, sport, dst, dport, seq, ack, flags, payload=b""):
    # RFC 793 header, 20 bytes, no options.
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    c = l4_csum(src, dst, 6, seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def udp(src, sport, dst, dport, payload):
    # RFC 768 header.
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = l4_csum(src, dst, 17, seg) or 0xFFFF
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def ether(payload, a_to_b):
    src, dst = (MAC_A, MAC_B) if a_to_b else (MAC_B, MAC_A)
    return dst + src + b"\x08\x00" + payload


FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


class Pcap:
    def __init__(self):
        self.recs = []
        self.ident = 1

    def add(self, t, src, dst, proto, seg):
        frame = ether(ipv4(src, dst, proto, seg, self.ident), src < dst)
        self.ident += 1
        sec = int(t)
        usec = int(round((t - sec) * 1e6))
        self.recs.append(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)

    def write(self, path):
        with open(path, "wb") as f:
            # libpcap file header: magic, v2.4, tz 0, sigfigs 0, snaplen, LINKTYPE_ETHERNET.
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for r in self.recs:
                f.write(r)


def tcp_session(p, t, cli, cport, srv, sport, c2s, s2c):
    """Handshake, one client message, optional server reply, then FINs."""
    cs, ss = 1000, 5000
    p.add(t, cli, srv, 6, tcp(cli, cport, srv, sport, cs, 0, SYN))
    p.add(t + 0.001, srv, cli, 6, tcp(srv, sport, cli, cport, ss, cs + 1, SYN | ACK))
    cs += 1
    ss += 1
    p.add(t + 0.002, cli, srv, 6, tcp(cli, cport, srv, sport, cs, ss, ACK))
    p.add(t + 0.010, cli, srv, 6, tcp(cli, cport, srv, sport, cs, ss, PSH | ACK, c2s))
    cs += len(c2s)
    if s2c:
        p.add(t + 0.020, srv, cli, 6, tcp(srv, sport, cli, cport, ss, cs, PSH | ACK, s2c))
        ss += len(s2c)
    else:
        p.add(t + 0.020, srv, cli, 6, tcp(srv, sport, cli, cport, ss, cs, ACK))
    p.add(t + 0.100, cli, srv, 6, tcp(cli, cport, srv, sport, cs, ss, FIN | ACK))
    p.add(t + 0.101, srv, cli, 6, tcp(srv, sport, cli, cport, ss, cs + 1, FIN | ACK))
    p.add(t + 0.102, cli, srv, 6, tcp(cli, cport, srv, sport, cs + 1, ss + 1, ACK))


def client_hello(sni):
    """RFC 5246 7.4.1.2 ClientHello with RFC 6066 3 server_name, in one TLS record."""
    name = sni
    # server_name extension: list length, name_type 0 (host_name), name length, name.
    sn = struct.pack("!BH", 0, len(name)) + name
    ext_sn = struct.pack("!HH", 0x0000, len(sn) + 2) + struct.pack("!H", len(sn)) + sn
    exts = ext_sn
    body = (b"\x03\x03" + bytes(range(32))               # client_version TLS 1.2, random
            + b"\x00"                                     # session_id: empty
            + b"\x00\x04" + b"\xc0\x2f\x00\x9c"           # cipher_suites: 2
            + b"\x01\x00"                                 # compression_methods: null
            + struct.pack("!H", len(exts)) + exts)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body   # handshake type 1, uint24 length
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs  # record: handshake, TLS 1.0 header


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "own", "hostile.pcap")
    p = Pcap()

    # 1. TLS on 443 whose SNI is a script element.
    tcp_session(p, T0 + 1.0, CLIENT, 40001, EDGE, 443,
                client_hello(b"<script>alert(1)</script>"), b"")

    # 2. SIP INVITE over UDP (RFC 3261): hostile From and To domains.
    invite = (b'INVITE sip:bob@edge.example SIP/2.0\r\n'
              b'Via: SIP/2.0/UDP 203.0.113.20:5060;branch=z9hG4bK776asdhds\r\n'
              b'Max-Forwards: 70\r\n'
              b'From: sip:alice@"><img src=x onerror=alert(1)>;tag=1928301774\r\n'
              b'To: sip:bob@]]><x>edge.example\r\n'
              b'Call-ID: a84b4c76e66710@pc33.example\r\n'
              b'CSeq: 314159 INVITE\r\n'
              b'Contact: <sip:alice@203.0.113.20>\r\n'
              b'Content-Length: 0\r\n\r\n')
    p.add(T0 + 2.0, PARTNER, EDGE, 17, udp(PARTNER, 5060, EDGE, 5060, invite))

    # 2b. The same, shaped to survive a SIP host parser (no '>' or space ends the host):
    # a quote, then an img element with an event handler, then a CDATA terminator.
    invite2 = invite.replace(b'From: sip:alice@"><img src=x onerror=alert(1)>;tag=1928301774',
                             b'From: sip:alice@"<img/src=x/onerror=alert(1)//]]&amp;;tag=1928301775')
    invite2 = invite2.replace(b'To: sip:bob@]]><x>edge.example', b'To: sip:bob@]]</td><script>x')
    p.add(T0 + 2.5, PARTNER, EDGE, 17, udp(PARTNER, 5062, EDGE, 5060, invite2))

    # 3. XMPP server-to-server stream header (RFC 6120 4.7): to= holds markup and invalid UTF-8.
    stream = (b"<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
              b"xmlns:stream='http://etherx.jabber.org/streams' "
              b"to='<script>\xff\xfe' from='partner.example' version='1.0'>")
    reply = (b"<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
             b"xmlns:stream='http://etherx.jabber.org/streams' id='x1' "
             b"from='edge.example' version='1.0'>")
    tcp_session(p, T0 + 3.0, PARTNER, 40002, EDGE, 5269, stream, reply)

    p.write(out)


if __name__ == "__main__":
    main()
