#!/usr/bin/env python3
"""rtp4571.py - RTP/RTCP over TCP with RFC 4571 framing, for test captures.

  rtp4571.py send --bind ADDR --to ADDR:PORT [--count N]
  rtp4571.py recv --listen ADDR:PORT [--timeout S]

send: connects from ADDR (ephemeral port) and sends N (default 20) G.711
u-law RTP packets (RFC 3550: version 2, payload type 0, one SSRC, sequence
+1 and timestamp +160 per 20 ms packet), an RTCP compound SR + SDES CNAME
after the first half and another at the end, then closes.
recv: accepts one connection, reads frames until EOF and answers each RTCP
SR with an RTCP compound RR + SDES (the receiver's report), then exits.
Exit status 0 when the exchange completed as described.
"""
import argparse
import socket
import struct
import sys
import time

SSRC_SEND = 0x5EED4571
SSRC_RECV = 0x0BADCAFE
PT_PCMU = 0
SAMPLES = 160            # 20 ms at 8 kHz
NTP_EPOCH = 2208988800   # 1900-01-01 -> 1970-01-01


def frame(pkt):
    """RFC 4571 section 2: a 16-bit length, then the packet."""
    return struct.pack("!H", len(pkt)) + pkt


def rtp(seq, ts, marker, payload):
    """RFC 3550 5.1: V=2 P=0 X=0 CC=0 | M PT | seq | timestamp | SSRC."""
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | PT_PCMU,
                       seq & 0xFFFF, ts & 0xFFFFFFFF, SSRC_SEND) + payload


def sdes_cname(ssrc, cname):
    """RFC 3550 6.5: one chunk with a CNAME item, padded to 32 bits."""
    item = struct.pack("!BB", 1, len(cname)) + cname + b"\x00"
    item += b"\x00" * (-len(item) % 4)
    body = struct.pack("!I", ssrc) + item
    return struct.pack("!BBH", 0x81, 202, len(body) // 4) + body


def ntp_now():
    t = time.time() + NTP_EPOCH
    return int(t), int((t % 1) * (1 << 32))


def rtcp_sr(rtp_ts, packets, octets):
    """RFC 3550 6.4.1: SR with no report blocks, then SDES CNAME (a compound)."""
    sec, frac = ntp_now()
    sr = struct.pack("!BBHIIIIII", 0x80, 200, 6, SSRC_SEND, sec, frac,
                     rtp_ts & 0xFFFFFFFF, packets, octets)
    return sr + sdes_cname(SSRC_SEND, b"edge@example.com")


def rtcp_rr(ext_seq, lsr):
    """RFC 3550 6.4.2: RR with one report block about the sender, then SDES."""
    block = struct.pack("!IIIIII", SSRC_SEND, 0, ext_seq, 30, lsr, 0)
    rr = struct.pack("!BBHI", 0x81, 201, 7, SSRC_RECV) + block
    return rr + sdes_cname(SSRC_RECV, b"live@example.net")


def addr(s):
    host, _, port = s.rpartition(":")
    return host, int(port)


def send(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    s.bind((args.bind, 0))
    s.connect(addr(args.to))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    seq, ts, octets = 23172, 98765440, 0
    for i in range(args.count):
        # A little mu-law "audio": a slow ramp around the silence code 0xFF.
        payload = bytes(0xFF - ((i * 7 + k) % 16) for k in range(SAMPLES))
        s.sendall(frame(rtp(seq + i, ts + i * SAMPLES, i == 0, payload)))
        octets += len(payload)
        if i + 1 in (args.count // 2, args.count):
            s.sendall(frame(rtcp_sr(ts + i * SAMPLES, i + 1, octets)))
        time.sleep(0.02)
    time.sleep(0.2)            # let the receiver's RR arrive before closing
    s.shutdown(socket.SHUT_WR)
    while s.recv(4096):
        pass
    s.close()
    return 0


def recv_exact(c, n):
    buf = b""
    while len(buf) < n:
        chunk = c.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def recv(args):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(addr(args.listen))
    ls.listen(1)
    ls.settimeout(args.timeout)
    c, _ = ls.accept()
    c.settimeout(args.timeout)
    nrtp = nrtcp = 0
    last_seq = 0
    while True:
        hdr = recv_exact(c, 2)
        if hdr is None:
            break
        pkt = recv_exact(c, struct.unpack("!H", hdr)[0])
        if pkt is None or len(pkt) < 8:
            break
        if 200 <= pkt[1] <= 204:          # RTCP packet types (RFC 3550 12.1)
            nrtcp += 1
            lsr = (struct.unpack("!I", pkt[8:12])[0] & 0xFFFF) << 16 | \
                struct.unpack("!I", pkt[12:16])[0] >> 16
            c.sendall(frame(rtcp_rr(last_seq, lsr)))
        else:
            nrtp += 1
            last_seq = struct.unpack("!H", pkt[2:4])[0]
    c.close()
    ls.close()
    print("received %d RTP and %d RTCP packets" % (nrtp, nrtcp))
    return 0 if nrtp and nrtcp else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    ps = sub.add_parser("send")
    ps.add_argument("--bind", required=True)
    ps.add_argument("--to", required=True)
    ps.add_argument("--count", type=int, default=20)
    pr = sub.add_parser("recv")
    pr.add_argument("--listen", required=True)
    pr.add_argument("--timeout", type=float, default=20)
    args = p.parse_args()
    return send(args) if args.cmd == "send" else recv(args)


if __name__ == "__main__":
    sys.exit(main())
