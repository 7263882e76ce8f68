#!/usr/bin/env python3
"""dns-responder.py - a tiny authoritative DNS responder for test captures (RFC 1035).

  dns-responder.py --listen ADDR [--port 53] --answer A.B.C.D [--timeout S]

Answers every query on UDP and TCP (RFC 1035 4.2.2: a 16-bit length before each
message) at ADDR:PORT: an A question with one A record (the --answer address,
TTL 60), any other question with no answer (NOERROR, NODATA). The question is
copied back as asked. Exits after --timeout seconds (default 30).
"""
import argparse
import select
import socket
import struct
import time


def answer(query, addr):
    """The response to one query message, or None when it is not a query."""
    if len(query) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", query[:6])
    if flags & 0x8000 or qd != 1:
        return None
    i = 12
    while i < len(query) and query[i] != 0:
        i += 1 + query[i]
    if i + 5 > len(query):
        return None
    qname = query[12:i + 1]
    qtype, qclass = struct.unpack("!HH", query[i + 1:i + 5])
    an = 1 if qtype == 1 and qclass == 1 else 0
    rd = flags & 0x0100
    head = struct.pack("!HHHHHH", qid, 0x8400 | rd, 1, an, 0, 0)   # QR AA, NOERROR
    body = qname + struct.pack("!HH", qtype, qclass)
    if an:
        body += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(addr)
    return head + body


def serve_tcp(conn, addr):
    conn.settimeout(5)
    buf = b""
    while True:
        try:
            data = conn.recv(4096)
        except OSError:
            break
        if not data:
            break
        buf += data
        while len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
            n = struct.unpack("!H", buf[:2])[0]
            resp = answer(buf[2:2 + n], addr)
            buf = buf[2 + n:]
            if resp:
                conn.sendall(struct.pack("!H", len(resp)) + resp)
    conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--answer", required=True)
    ap.add_argument("--timeout", type=float, default=30)
    a = ap.parse_args()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((a.listen, a.port))
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((a.listen, a.port))
    t.listen(4)
    end = time.time() + a.timeout
    while time.time() < end:
        r, _, _ = select.select([u, t], [], [], 0.2)
        if u in r:
            q, peer = u.recvfrom(4096)
            resp = answer(q, a.answer)
            if resp:
                u.sendto(resp, peer)
        if t in r:
            conn, _ = t.accept()
            serve_tcp(conn, a.answer)


if __name__ == "__main__":
    main()
