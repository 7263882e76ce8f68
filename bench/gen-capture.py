#!/usr/bin/env python3
"""gen-capture.py: deterministic generator of a large mixed Lync-edge capture for benchmarks.

Writes a classic pcap (Ethernet, microsecond timestamps) with SIP dialogs on UDP 5060
and their RTP streams, TLS 1.2 on 5061 (mutual) and 443, XMPP s2s with STARTTLS on 5269,
STUN/TURN on 3478, DNS and HTTPS in the background, part of it over IPv6. Every TCP flow
has a real handshake, consistent seq/ack and a FIN close; IP, TCP and UDP checksums are
correct. Addresses come from the documentation ranges (edge-access 192.0.2.10, see
rules/examples/site-example.xml). The same arguments always give the same bytes.

Usage: gen-capture.py [--packets N] [--flows N] [--seed S] [--pps R] OUT.pcap
"""
import argparse
import base64
import hashlib
import hmac
import random
import struct
import sys
import zlib

# Self-signed P-256 certificates (openssl req -x509), DER, so certificate chains are real.
CERT_EDGE = base64.b64decode(
    "MIIBsDCCAVWgAwIBAgIULf6CmueYSNhXDaf8ia2LowyhPZ0wCgYIKoZIzj0EAwIwLTEZMBcGA1UE"
    "AwwQZWRnZS5leGFtcGxlLmNvbTEQMA4GA1UECgwHRXhhbXBsZTAeFw0yNjExMjQxOTI0MzBaFw0z"
    "NjExMjExOTI0MzBaMC0xGTAXBgNVBAMMEGVkZ2UuZXhhbXBsZS5jb20xEDAOBgNVBAoMB0V4YW1w"
    "bGUwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATdnHCcpdNR5B9VhIFMvs3yxt15WI2G2hW6zSHW"
    "KtU4jjbVSry1DTlERyShZSvF3Y1mAwtqo8YjJg1UPjIF1zjko1MwUTAdBgNVHQ4EFgQUtFbq5768"
    "i1gcBnbPW3ojc7xQFZEwHwYDVR0jBBgwFoAUtFbq5768i1gcBnbPW3ojc7xQFZEwDwYDVR0TAQH/"
    "BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEA7eSU3JQ87lBTJraGyi3MB6sAztn/3Amw6OxO7uqd"
    "jgMCIQDs/ivs+poUOcTH17nUQW58emP2prI7WOKxZS+HGH/0cA==")
CERT_PARTNER = base64.b64decode(
    "MIIBtDCCAVugAwIBAgIUEVdd0EsIhSxzymoQLEQPg5Yb5vUwCgYIKoZIzj0EAwIwMDEcMBoGA1UE"
    "AwwTcGFydG5lci5leGFtcGxlLmNvbTEQMA4GA1UECgwHRXhhbXBsZTAeFw0yNjExMjQxOTI0MzBa"
    "Fw0zNjExMjExOTI0MzBaMDAxHDAaBgNVBAMME3BhcnRuZXIuZXhhbXBsZS5jb20xEDAOBgNVBAoM"
    "B0V4YW1wbGUwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQAC6cVmvgZYzIV0cuJpjoEaQrPvA1a"
    "IQLGJc5PbyjXxPYVm7+zSQKlkowpX0umsJMfuJ1KiL7w0XGXRIabBWUFo1MwUTAdBgNVHQ4EFgQU"
    "CBJVPaJEwuUZNfhbmmdINntTFGcwHwYDVR0jBBgwFoAUCBJVPaJEwuUZNfhbmmdINntTFGcwDwYD"
    "VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiABl7Vr/bm5e3h8fSwK0l8+jpoMG+9NanzI"
    "2Ap7WlP/EgIgBxeIg22wQbM4gX7WCNCmgnwQXLvuTIJ6dZymHvZFYGM=")
CERT_CLIENT = base64.b64decode(
    "MIIBsjCCAVmgAwIBAgIULs+hLJtF7CZ+xxqguFzDDFicEuwwCgYIKoZIzj0EAwIwLzEbMBkGA1UE"
    "AwwSY2xpZW50LmV4YW1wbGUuY29tMRAwDgYDVQQKDAdFeGFtcGxlMB4XDTI2MTEyNDE5MjQzMFoX"
    "DTM2MTEyMTE5MjQzMFowLzEbMBkGA1UEAwwSY2xpZW50LmV4YW1wbGUuY29tMRAwDgYDVQQKDAdF"
    "eGFtcGxlMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEC+OIRLtqZGVx0LjzHNG8bPe7NxYq9OKM"
    "RE1+oqnBAtdo6mVrToK4/IKi+h7cJANwgPQJ5gtb18vEY8FinEvPQqNTMFEwHQYDVR0OBBYEFO0t"
    "QtzHnZvRKUFH1EKbjgEhdTRNMB8GA1UdIwQYMBaAFO0tQtzHnZvRKUFH1EKbjgEhdTRNMA8GA1Ud"
    "EwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIgIo+XJ+BIEu1mXeaQEDpTLxOA8ssxxzeAVmtw"
    "Kx944TwCICNjSmOrc/y4Hi7zpVb/k1NsfwT1W5g2x0yvLqyAWxPo")


def v4(s):
    return bytes(int(x) for x in s.split('.'))


def v6(s):
    import ipaddress
    return ipaddress.IPv6Address(s).packed


# The shared address plan (documentation ranges only).
EDGE4, EDGE6 = v4('192.0.2.10'), v6('2001:db8:e::10')
FEDERATED, PUBLIC_IM = v4('203.0.113.20'), v4('203.0.113.30')
CLIENT, LIVE_CLIENT = v4('203.0.113.40'), v4('203.0.113.50')
NOROLE = v4('203.0.113.99')
# IPv6 peers: not in the site file, so they are 'any' to the rules.
PEER6 = [v6('2001:db8:f::20'), v6('2001:db8:f::40'), v6('2001:db8:f::99')]
DNS6 = v6('2001:db8:f::53')
# Further remote users on the internet; a few hundred addresses keep tuples unique at scale.
REMOTE4 = [bytes((203, 0, 113, 100 + i)) for i in range(150)]

MAC_EDGE = bytes.fromhex('020000000a01')
MAC_GW = bytes.fromhex('020000000a02')

PCAP_REC = struct.Struct('<IIII')
ETH = struct.Struct('!6s6sH')
IP4 = struct.Struct('!BBHHHBBH4s4s')
IP6 = struct.Struct('!IHBB16s16s')
TCP = struct.Struct('!HHIIHHHH')
TCP_MSS = struct.Struct('!HHIIHHHHBBH')
UDP = struct.Struct('!HHHH')
RTP = struct.Struct('!BBHII')
STUN_HDR = struct.Struct('!HHI12s')


def osum(b):
    """Ones' complement sum of b (RFC 1071) modulo 65535: 2**16 is 1 modulo 65535."""
    if len(b) & 1:
        b += b'\0'
    return int.from_bytes(b, 'big') % 65535


def fold(s):
    """Checksum from a sum modulo 65535 (RFC 1624: a true sum of 0xffff gives 0x0000)."""
    s %= 65535
    return 0xffff - s if s else 0


class Capture:
    """Collects (time, record) pairs; written out sorted by time."""

    def __init__(self):
        self.recs = []

    def add(self, ts_us, frame):
        n = len(frame)
        self.recs.append((ts_us, PCAP_REC.pack(ts_us // 1000000, ts_us % 1000000, n, n) + frame))

    def write(self, path):
        self.recs.sort(key=lambda r: r[0])
        with open(path, 'wb') as f:
            # pcap global header: magic, 2.4, GMT offset, accuracy, snaplen, Ethernet
            f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
            step = 65536
            for i in range(0, len(self.recs), step):
                f.write(b''.join(r[1] for r in self.recs[i:i + step]))
        return len(self.recs)


class Path:
    """One direction of a flow: prebuilt link and IP headers and checksum constants."""

    def __init__(self, cap, src, dst, proto, ident):
        self.cap = cap
        self.src, self.dst, self.proto = src, dst, proto
        self.six = len(src) == 16
        self.ident = ident
        out = src in (EDGE4, EDGE6)
        self.eth = ETH.pack(MAC_GW if out else MAC_EDGE, MAC_EDGE if out else MAC_GW,
                            0x86dd if self.six else 0x0800)
        # pseudo-header (RFC 793 3.1, RFC 8200 8.1) without the length
        self.pseudo = osum(src + dst) + proto
        if not self.six:
            self.ipsum = osum(IP4.pack(0x45, 0, 0, 0, 0x4000, 64, proto, 0, src, dst))

    def ip(self, l4len):
        if self.six:
            return IP6.pack(0x60000000, l4len, self.proto, 64, self.src, self.dst)
        self.ident = (self.ident + 1) & 0xffff
        tot = 20 + l4len
        return IP4.pack(0x45, 0, tot, self.ident, 0x4000, 64, self.proto,
                        fold(self.ipsum + tot + self.ident), self.src, self.dst)

    def udp(self, ts, sport, dport, payload, psum=None):
        ln = 8 + len(payload)
        if psum is None:
            psum = osum(payload)
        ck = fold(self.pseudo + ln + sport + dport + ln + psum) or 0xffff   # RFC 768: 0 is 'none'
        self.cap.add(ts, self.eth + self.ip(ln) + UDP.pack(sport, dport, ln, ck) + payload)

    def tcp(self, ts, sport, dport, seq, ack, flags, payload=b'', psum=None, mss=False):
        if mss:   # SYN and SYN-ACK carry an MSS option (RFC 9293 3.7.1)
            hl, opt = 24, 0x0204 + 1460
        else:
            hl, opt = 20, 0
        ln = hl + len(payload)
        if psum is None:
            psum = osum(payload) if payload else 0
        offfl = (hl // 4) << 12 | flags
        ck = fold(self.pseudo + ln + sport + dport + seq + ack + offfl + 64240 + opt + psum)
        if mss:
            hdr = TCP_MSS.pack(sport, dport, seq, ack, offfl, 64240, ck, 0, 2, 4, 1460)
        else:
            hdr = TCP.pack(sport, dport, seq, ack, offfl, 64240, ck, 0)
        self.cap.add(ts, self.eth + self.ip(ln) + hdr + payload)


FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


class TcpConn:
    """A TCP connection with real sequence numbers in both directions."""

    def __init__(self, cap, rnd, cli, srv, cport, sport):
        self.p = (Path(cap, cli, srv, 6, rnd.getrandbits(16)),
                  Path(cap, srv, cli, 6, rnd.getrandbits(16)))
        self.ports = ((cport, sport), (sport, cport))
        self.seq = [rnd.getrandbits(32), rnd.getrandbits(32)]
        self.rnd = rnd

    def open(self, t, rtt):
        (a, b), s = self.ports[0], self.seq
        self.p[0].tcp(t, a, b, s[0], 0, SYN, mss=True)
        s[0] = (s[0] + 1) & 0xffffffff
        self.p[1].tcp(t + rtt // 2, b, a, s[1], s[0], SYN | ACK, mss=True)
        s[1] = (s[1] + 1) & 0xffffffff
        self.p[0].tcp(t + rtt, a, b, s[0], s[1], ACK)
        return t + rtt

    def send(self, t, d, data, psum=None):
        """Sends data from side d (0 client, 1 server), cut into 1460-byte segments."""
        a, b = self.ports[d]
        s = self.seq
        if len(data) <= 1460:
            self.p[d].tcp(t, a, b, s[d], s[1 - d], PSH | ACK, data, psum)
            s[d] = (s[d] + len(data)) & 0xffffffff
            return t
        for i in range(0, len(data), 1460):
            seg = data[i:i + 1460]
            self.p[d].tcp(t, a, b, s[d], s[1 - d], ACK | (PSH if i + 1460 >= len(data) else 0), seg)
            s[d] = (s[d] + len(seg)) & 0xffffffff
            t += 30
        return t

    def ack(self, t, d):
        a, b = self.ports[d]
        self.p[d].tcp(t, a, b, self.seq[d], self.seq[1 - d], ACK)

    def close(self, t, rtt):
        (a, b), s = self.ports[0], self.seq
        self.p[0].tcp(t, a, b, s[0], s[1], FIN | ACK)
        s[0] = (s[0] + 1) & 0xffffffff
        self.p[1].tcp(t + rtt // 2, b, a, s[1], s[0], FIN | ACK)
        s[1] = (s[1] + 1) & 0xffffffff
        self.p[0].tcp(t + rtt, a, b, s[0], s[1], ACK)
        return t + rtt


# TLS 1.2 (RFC 5246): records and handshake messages.
def tls_record(ctype, body):
    return struct.pack('!BHH', ctype, 0x0303, len(body)) + body


def hs(htype, body):
    return struct.pack('!B', htype) + len(body).to_bytes(3, 'big') + body


def ext(etype, body):
    return struct.pack('!HH', etype, len(body)) + body


def client_hello(rnd, sni, alpn=None):
    name = sni.encode()
    exts = ext(0, struct.pack('!HBH', len(name) + 3, 0, len(name)) + name)     # server_name
    exts += ext(10, struct.pack('!H', 6) + struct.pack('!HHH', 29, 23, 24))     # supported_groups
    exts += ext(11, b'\x01\x00')                                                # ec_point_formats
    sigs = struct.pack('!8H', 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601)
    exts += ext(13, struct.pack('!H', len(sigs)) + sigs)                        # signature_algorithms
    exts += ext(23, b'')                                                        # extended_master_secret
    exts += ext(0xff01, b'\x00')                                                # renegotiation_info
    if alpn:
        lst = b''.join(bytes((len(a),)) + a.encode() for a in alpn)
        exts += ext(16, struct.pack('!H', len(lst)) + lst)
    suites = struct.pack('!10H', 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
                         0x009c, 0x009d)
    body = (struct.pack('!H', 0x0303) + rnd.randbytes(32) + b'\x20' + rnd.randbytes(32) +
            struct.pack('!H', len(suites)) + suites + b'\x01\x00' +
            struct.pack('!H', len(exts)) + exts)
    return tls_record(22, hs(1, body))


def cert_msg(certs):
    lst = b''.join(len(c).to_bytes(3, 'big') + c for c in certs)
    return hs(11, len(lst).to_bytes(3, 'big') + lst)


def server_flight(rnd, mutual):
    exts = ext(0xff01, b'\x00') + ext(23, b'') + ext(11, b'\x01\x00')
    sh = hs(2, struct.pack('!H', 0x0303) + rnd.randbytes(32) + b'\x20' + rnd.randbytes(32) +
            struct.pack('!HB', 0xc02b, 0) + struct.pack('!H', len(exts)) + exts)
    # ServerKeyExchange: named curve x25519, a key, an ECDSA signature
    ske = hs(12, b'\x03\x00\x1d\x20' + rnd.randbytes(32) + b'\x04\x03\x00\x47' + rnd.randbytes(71))
    msgs = sh + cert_msg([CERT_EDGE]) + ske
    if mutual:
        sigs = struct.pack('!4H', 0x0403, 0x0804, 0x0401, 0x0503)
        msgs += hs(13, b'\x02\x01\x40' + struct.pack('!H', len(sigs)) + sigs + b'\x00\x00')
    msgs += hs(14, b'')
    return tls_record(22, msgs)


def client_flight(rnd, mutual):
    msgs = b''
    if mutual:
        msgs += cert_msg([CERT_PARTNER])
    msgs += hs(16, b'\x20' + rnd.randbytes(32))                    # ClientKeyExchange
    if mutual:
        msgs += hs(15, b'\x04\x03\x00\x46' + rnd.randbytes(70))     # CertificateVerify
    return (tls_record(22, msgs) + tls_record(20, b'\x01') +
            tls_record(22, rnd.randbytes(40)))                     # encrypted Finished


def server_finish(rnd):
    return tls_record(20, b'\x01') + tls_record(22, rnd.randbytes(40))


class Gen:
    def __init__(self, seed, packets, flows, pps):
        self.rnd = random.Random(seed)
        self.cap = Capture()
        self.target = packets
        self.nflows = flows
        self.dur = max(1, packets // pps) * 1000000     # capture length, microseconds
        self.t0 = 1700000000 * 1000000
        self.used = set()
        # Application-data payloads: a few hundred random blobs with their sums, reused.
        r = self.rnd
        self.blobs = []
        for _ in range(256):
            b = r.randbytes(r.choice((60, 120, 300, 600, 1100, 1400)) - 5)
            rec = tls_record(23, b)
            self.blobs.append((rec, osum(rec)))
        self.audio = r.randbytes(160)   # one G.711 frame body, reused (its sum is cached)
        self.audio_sum = osum(self.audio)

    def port(self, lo=32768, hi=60999):
        return self.rnd.randint(lo, hi)

    def tuple_ok(self, proto, a, ap, b, bp):
        k = (proto, a, ap, b, bp) if (a, ap) < (b, bp) else (proto, b, bp, a, ap)
        if k in self.used:
            return False
        self.used.add(k)
        return True

    def pick(self, proto, cli, srv, sport, lo=32768, hi=60999):
        while True:
            c = cli() if callable(cli) else cli
            s = srv() if callable(srv) else srv
            cp = self.port(lo, hi)
            if self.tuple_ok(proto, c, cp, s, sport):
                return c, cp, s

    def start(self):
        return self.t0 + self.rnd.randrange(0, self.dur // 2)

    # --- flow kinds; each returns the number of packets it wrote ---

    def tls(self, cli, srv, sport, sni, mutual, nrec, t, span, alpn=None, pre=None):
        r = self.rnd
        rtt = r.randint(2000, 60000)
        c = TcpConn(self.cap, r, cli, srv, *sport)
        t = c.open(t, rtt)
        n = 3
        if pre:
            t, k = pre(c, t, rtt)
            n += k
        t = c.send(t + 200, 0, client_hello(r, sni, alpn))
        c.ack(t + rtt // 2 - 100, 1)
        t = c.send(t + rtt // 2, 1, server_flight(r, mutual))
        n += 3 + (1 if mutual else 0)
        t = c.send(t + rtt // 2, 0, client_flight(r, mutual))
        t = c.send(t + rtt // 2, 1, server_finish(r))
        n += 2
        gap = max(1000, span // max(1, nrec))
        blobs = self.blobs
        for i in range(nrec):
            rec, s = blobs[r.getrandbits(8)]
            d = i & 1
            t = c.send(t + r.randint(gap // 2, gap + gap // 2), d, rec, s)
            n += 1 + len(rec) // 1460
        t = c.send(t + 1000, 0, tls_record(21, r.randbytes(26)))   # close_notify, encrypted
        c.close(t + rtt // 2, rtt)
        return n + 4

    def tls_flow(self, kind, extra, span):
        r = self.rnd
        six = r.random() < 0.12
        t = self.start()
        if kind == 'sipfed':
            # SIP federation over MTLS 5061, both ways between the edge and a partner
            if six:
                a, b = EDGE6, r.choice(PEER6)
            else:
                a, b = EDGE4, r.choice((FEDERATED, PUBLIC_IM))
            if r.random() < 0.5:
                a, b = b, a
            cli, cp, srv = self.pick(6, a, b, 5061)
            return self.tls(cli, srv, (cp, 5061), 'sip.example.com', True, extra, t, span)
        if kind == 'client443':
            srv = EDGE6 if six else EDGE4
            cli, cp, srv = self.pick(6, (lambda: r.choice(PEER6)) if six else
                                     (lambda: CLIENT if r.random() < 0.5 else r.choice(REMOTE4)),
                                     srv, 443)
            return self.tls(cli, srv, (cp, 443), 'sip.example.com', False, extra, t, span)
        # background HTTPS from remote users to a web server
        cli, cp, srv = self.pick(6, lambda: r.choice(REMOTE4), NOROLE, 443)
        return self.tls(cli, srv, (cp, 443), 'www.example.net', False, extra, t, span,
                        alpn=('h2', 'http/1.1'))

    def xmpp(self, extra, span):
        r = self.rnd
        t = self.start()
        if r.random() < 0.5:
            a, b, dom_from, dom_to = FEDERATED, EDGE4, 'partner.example', 'example.com'
        else:
            a, b, dom_from, dom_to = EDGE4, FEDERATED, 'example.com', 'partner.example'
        cli, cp, srv = self.pick(6, a, b, 5269)

        def pre(c, t, rtt):
            # RFC 6120 4.2 stream headers, 5.4 STARTTLS negotiation
            hdr = ("<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
                   "xmlns:stream='http://etherx.jabber.org/streams' "
                   "xmlns:db='jabber:server:dialback' from='%s' to='%s' version='1.0'>")
            t = c.send(t + 300, 0, (hdr % (dom_from, dom_to)).encode())
            sid = '%016x' % r.getrandbits(64)
            t = c.send(t + rtt // 2, 1, (hdr[:-1] % (dom_to, dom_from) + " id='" + sid + "'>").encode())
            t = c.send(t + 200, 1, b"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>"
                       b"<required/></starttls><dialback xmlns='urn:xmpp:features:dialback'/>"
                       b"</stream:features>")
            t = c.send(t + rtt // 2, 0, b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
            t = c.send(t + rtt // 2, 1, b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
            return t, 5

        return self.tls(cli, srv, (cp, 5269), dom_to, r.random() < 0.5, extra, t, span, pre=pre)

    def stun(self, extra, span):
        """RFC 5389 Binding transactions; some flows also allocate a TURN relay (RFC 5766)."""
        r = self.rnd
        t = self.start()
        six = r.random() < 0.12
        if six:
            a, b = r.choice(PEER6), EDGE6
        elif r.random() < 0.5:
            a, b = LIVE_CLIENT, EDGE4
        elif r.random() < 0.5:
            a, b = EDGE4, LIVE_CLIENT
        else:
            a, b = r.choice(REMOTE4), EDGE4
        cli, cp, srv = self.pick(17, a, b, 3478)
        up, down = Path(self.cap, cli, srv, 17, r.getrandbits(16)), Path(self.cap, srv, cli, 17, r.getrandbits(16))
        fam = 2 if six else 1
        n = 0
        rtt = r.randint(2000, 50000)
        gap = max(20000, span // max(1, extra // 2 + 1))
        turn = r.random() < 0.3

        def attr(at, v):
            pad = (-len(v)) % 4
            return struct.pack('!HH', at, len(v)) + v + b'\0' * pad

        def msg(mtype, txid, attrs, integrity=False, fingerprint=True):
            body = b''.join(attrs)
            if integrity:   # MESSAGE-INTEGRITY over the message with its length so far (15.4)
                h = STUN_HDR.pack(mtype, len(body) + 24, 0x2112A442, txid) + body
                body += attr(0x0008, hmac.new(b'benchkey', h, hashlib.sha1).digest())
            if fingerprint:  # FINGERPRINT: CRC-32 xor 0x5354554e (15.5)
                h = STUN_HDR.pack(mtype, len(body) + 8, 0x2112A442, txid) + body
                body += attr(0x8028, struct.pack('!I', (zlib.crc32(h) ^ 0x5354554e) & 0xffffffff))
            return STUN_HDR.pack(mtype, len(body), 0x2112A442, txid) + body

        def xaddr(at, ip, port):
            xp = port ^ 0x2112
            if len(ip) == 4:
                xa = (int.from_bytes(ip, 'big') ^ 0x2112A442).to_bytes(4, 'big')
            else:
                xa = bytes(x ^ y for x, y in zip(ip, b'\x21\x12\xa4\x42' + txid))
            return attr(at, struct.pack('!BBH', 0, fam, xp) + xa)

        sw = attr(0x8022, b'edgeaudit-bench 1.0')
        rounds = 1 + extra // 2
        for i in range(rounds):
            txid = r.randbytes(12)
            if turn and i == 0:
                req = msg(0x0003, txid, [attr(0x0019, b'\x11\x00\x00\x00'), sw])   # Allocate, UDP
                up.udp(t, cp, 3478, req)
                err = msg(0x0113, txid, [attr(0x0009, b'\x00\x00\x04\x01Unauthorized'),
                                         attr(0x0014, b'example.com'),
                                         attr(0x0015, r.randbytes(8).hex().encode()), sw])
                down.udp(t + rtt, 3478, cp, err)
                t += rtt + 500
                txid = r.randbytes(12)
                req = msg(0x0003, txid, [attr(0x0019, b'\x11\x00\x00\x00'),
                                         attr(0x0006, b'user'), attr(0x0014, b'example.com'), sw],
                          integrity=True)
                up.udp(t, cp, 3478, req)
                ok = msg(0x0103, txid, [xaddr(0x0016, srv, self.port(50000, 59999)),
                                        xaddr(0x0020, cli, cp), attr(0x000d, b'\x00\x00\x02\x58'), sw],
                         integrity=True)
                down.udp(t + rtt, 3478, cp, ok)
                n += 4
            else:
                up.udp(t, cp, 3478, msg(0x0001, txid, [sw]))
                down.udp(t + rtt, 3478, cp, msg(0x0101, txid, [xaddr(0x0020, cli, cp), sw]))
                n += 2
            t += gap + r.randint(0, gap // 4)
        return n

    def dns(self):
        """RFC 1035 query and answer, from the edge to a resolver."""
        r = self.rnd
        t = self.start()
        six = r.random() < 0.12
        cli, cp, srv = self.pick(17, EDGE6 if six else EDGE4, DNS6 if six else NOROLE, 53, 1024, 65535)
        up, down = Path(self.cap, cli, srv, 17, r.getrandbits(16)), Path(self.cap, srv, cli, 17, r.getrandbits(16))
        qid = r.getrandbits(16)
        kind = r.random()
        if kind < 0.4:
            name, qtype = '_sipfederationtls._tcp.partner%d.example' % r.randint(1, 500), 33
        elif kind < 0.7:
            name, qtype = 'sip.partner%d.example' % r.randint(1, 500), 1
        else:
            name, qtype = 'xmpp%d.example.org' % r.randint(1, 500), 28 if six else 1
        q = b''.join(bytes((len(p),)) + p.encode() for p in name.split('.')) + b'\0'
        q += struct.pack('!HH', qtype, 1)
        up.udp(t, cp, 53, struct.pack('!6H', qid, 0x0100, 1, 0, 0, 0) + q)
        if qtype == 33:     # SRV: priority, weight, port, target
            tgt = b''.join(bytes((len(x),)) + x.encode()
                           for x in ['sip'] + name.split('.')[2:]) + b'\0'
            rdata = struct.pack('!HHH', 0, 0, 5061) + tgt
        elif qtype == 28:
            rdata = PEER6[0]
        else:
            rdata = FEDERATED
        ans = struct.pack('!HHHIH', 0xc00c, qtype, 1, 300, len(rdata)) + rdata
        down.udp(t + r.randint(1000, 40000), 53, cp,
                 struct.pack('!6H', qid, 0x8180, 1, 1, 0, 0) + q + ans)
        return 2

    def sip_call(self, nrtp):
        """An RFC 3261 dialog on UDP 5060 with its RTP stream (RFC 3550) on the edge's media ports."""
        r = self.rnd
        t = self.start()
        six = r.random() < 0.12
        edge = EDGE6 if six else EDGE4
        while True:
            c = r.choice(PEER6) if six else (CLIENT if r.random() < 0.5 else r.choice(REMOTE4))
            cp = r.randint(5062, 32767)
            if self.tuple_ok(17, c, cp, edge, 5060):
                break
        while True:
            crtp = r.randint(16384, 32767) & ~1
            ertp = r.randint(50000, 59999) & ~1
            if self.tuple_ok(17, c, crtp, edge, ertp):
                break
        up, down = Path(self.cap, c, edge, 17, r.getrandbits(16)), Path(self.cap, edge, c, 17, r.getrandbits(16))
        ca = ('[%s]' if six else '%s') % fmt_ip(c)
        ea = ('[%s]' if six else '%s') % fmt_ip(edge)
        callid = '%032x' % r.getrandbits(128)
        ftag, ttag = '%08x' % r.getrandbits(32), '%08x' % r.getrandbits(32)
        branch = 'z9hG4bK%012x' % r.getrandbits(48)
        user = 'user%d' % r.randint(1, 9999)

        def sdp(ip, port):
            ipv = 'IP6' if six else 'IP4'
            return ('v=0\r\no=- %d 1 IN %s %s\r\ns=-\r\nc=IN %s %s\r\nt=0 0\r\n'
                    'm=audio %d RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n'
                    'a=rtpmap:101 telephone-event/8000\r\na=ptime:20\r\na=sendrecv\r\n'
                    % (r.getrandbits(32), ipv, fmt_ip(ip), ipv, fmt_ip(ip), port))

        def req(method, cseq, body=''):
            h = ('%s sip:%s@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=%s\r\nMax-Forwards: 70\r\n'
                 'From: <sip:caller@example.net>;tag=%s\r\nTo: <sip:%s@example.com>%s\r\n'
                 'Call-ID: %s\r\nCSeq: %d %s\r\nContact: <sip:caller@%s:%d>\r\n'
                 'User-Agent: edgeaudit-bench\r\n'
                 % (method, user, ea, ca, cp, branch, ftag, user,
                    '' if method == 'INVITE' else ';tag=' + ttag, callid, cseq, method, ca, cp))
            if body:
                h += 'Content-Type: application/sdp\r\n'
            return (h + 'Content-Length: %d\r\n\r\n' % len(body) + body).encode()

        def resp(code, text, method, cseq, body=''):
            h = ('SIP/2.0 %d %s\r\nVia: SIP/2.0/UDP %s:%d;branch=%s\r\n'
                 'From: <sip:caller@example.net>;tag=%s\r\nTo: <sip:%s@example.com>%s\r\n'
                 'Call-ID: %s\r\nCSeq: %d %s\r\n'
                 % (code, text, ca, cp, branch, ftag, user, '' if code == 100 else ';tag=' + ttag,
                    callid, cseq, method))
            if body:
                h += 'Contact: <sip:%s@%s:5060>\r\nContent-Type: application/sdp\r\n' % (user, ea)
            return (h + 'Content-Length: %d\r\n\r\n' % len(body) + body).encode()

        rtt = r.randint(5000, 60000)
        up.udp(t, cp, 5060, req('INVITE', 1, sdp(c, crtp)))
        down.udp(t + rtt, 5060, cp, resp(100, 'Trying', 'INVITE', 1))
        down.udp(t + rtt + 200000, 5060, cp, resp(180, 'Ringing', 'INVITE', 1))
        t += rtt + r.randint(1000000, 4000000)
        down.udp(t, 5060, cp, resp(200, 'OK', 'INVITE', 1, sdp(edge, ertp)))
        up.udp(t + rtt, cp, 5060, req('ACK', 1))
        # RTP both ways, 20 ms of PCMU each (RFC 3551); SSRC stable, seq and timestamp rising
        m0, m1 = Path(self.cap, c, edge, 17, r.getrandbits(16)), Path(self.cap, edge, c, 17, r.getrandbits(16))
        ssrc = (r.getrandbits(32), r.getrandbits(32))
        seq = [r.getrandbits(16), r.getrandbits(16)]
        ts = [r.getrandbits(32), r.getrandbits(32)]
        t += rtt + 20000
        audio, asum = self.audio, self.audio_sum
        half = nrtp // 2
        for i in range(half):
            for d, (path, a, b) in enumerate(((m0, crtp, ertp), (m1, ertp, crtp))):
                hdr = RTP.pack(0x80, 0x80 if i == 0 else 0x00, seq[d], ts[d], ssrc[d])
                path.udp(t + i * 20000 + d * 7000 + r.getrandbits(10), a, b, hdr + audio,
                         osum(hdr) + asum)
                seq[d] = (seq[d] + 1) & 0xffff
                ts[d] = (ts[d] + 160) & 0xffffffff
        t += half * 20000 + 50000
        up.udp(t, cp, 5060, req('BYE', 2))
        down.udp(t + rtt, 5060, cp, resp(200, 'OK', 'BYE', 2))
        return 7 + 2 * half

    def run(self):
        r = self.rnd
        nf = self.nflows
        # Share of flows by kind; a SIP call counts twice (signalling and its RTP stream).
        kinds = (['call'] * 6 + ['sipfed'] * 12 + ['client443'] * 12 + ['https'] * 15 +
                 ['xmpp'] * 6 + ['stun'] * 18 + ['dns'] * 25)
        plan = []
        count = 0
        while count < nf:
            k = kinds[r.randrange(len(kinds))]
            plan.append(k)
            count += 2 if k == 'call' else 1
        # Fixed packets per kind (handshakes, closes); the rest of the budget is spread over
        # the RTP streams (70 %) and TLS application data (30 %).
        fixed = {'call': 9, 'sipfed': 12, 'client443': 12, 'https': 12, 'xmpp': 17, 'stun': 2, 'dns': 2}
        base = sum(fixed[k] for k in plan)
        left = max(0, self.target - base)
        ncall = plan.count('call')
        ntls = sum(1 for k in plan if k in ('sipfed', 'client443', 'https', 'xmpp'))
        nstun = plan.count('stun')
        per_call = (left * 0.70) / max(1, ncall)
        per_tls = (left * 0.27) / max(1, ntls)
        per_stun = (left * 0.03) / max(1, nstun)
        span = self.dur // 2
        n = 0
        for k in plan:
            w = r.uniform(0.3, 1.7)
            if k == 'call':
                n += self.sip_call(max(2, int(per_call * w)))
            elif k == 'stun':
                n += self.stun(int(per_stun * w), span)
            elif k == 'dns':
                n += self.dns()
            elif k == 'xmpp':
                n += self.xmpp(int(per_tls * w), span)
            else:
                n += self.tls_flow(k, int(per_tls * w), span)
        return len(plan) + ncall


def fmt_ip(b):
    if len(b) == 4:
        return '.'.join(str(x) for x in b)
    import ipaddress
    return str(ipaddress.IPv6Address(b))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--packets', type=int, default=2000000, help='about this many packets')
    ap.add_argument('--flows', type=int, default=50000, help='about this many flows')
    ap.add_argument('--seed', type=int, default=2013)
    ap.add_argument('--pps', type=int, default=80000, help='packet rate, sets the capture length')
    ap.add_argument('out')
    a = ap.parse_args()
    g = Gen(a.seed, a.packets, a.flows, a.pps)
    flows = g.run()
    n = g.cap.write(a.out)
    print('%s: %d packets, %d flows' % (a.out, n, flows), file=sys.stderr)


if __name__ == '__main__':
    main()
