#!/usr/bin/env python3
"""msturn-tcp.py - TURN over TCP as Microsoft's A/V Edge speaks it on 443, for test captures.

  msturn-tcp.py server --listen ADDR:PORT [--mode turn|pseudo] [--timeout S]
  msturn-tcp.py client --bind ADDR --to ADDR:PORT [--mode turn|pseudo]

CRAFTED: no free stack speaks it. Written from [MS-TURN] (Traversal Using Relay NAT (TURN)
Extensions): the pseudo-TLS start of 3.1.5.1 (an SSLv2-form ClientHello, answered by a TLS
record holding ServerHello and ServerHelloDone, no certificate, no key exchange), then TURN
messages in the legacy form of 2.2.1 (128-bit transaction ID, MAGIC-COOKIE attribute 0x000F
first, MS-Version 0x8008), each inside the TCP framing header of 2.1.4 (Type 0x02 control,
Reserved 0, Length). Mode turn: Allocate, 401 with REALM and NONCE, Allocate with USERNAME
and MESSAGE-INTEGRITY, Allocate success with MAPPED-ADDRESS, then two end-to-end data frames
(Type 0x03) each way. Mode pseudo: the pseudo-TLS start only, then the client closes.
The MESSAGE-INTEGRITY value is not a real HMAC (nothing here checks it).
Exit status 0 when the exchange completed.
"""
import argparse
import os
import socket
import struct
import sys

SSL2_HELLO = bytes([0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10,
                    0x00, 0x00, 0x04, 0x00, 0x00, 0x05, 0x00, 0x00, 0x0a, 0x01, 0x00, 0x80,
                    0x07, 0x00, 0xc0, 0x03, 0x00, 0x80, 0x00, 0x00, 0x09]) + os.urandom(16)


def server_hello():
    """One TLS 1.0 handshake record: ServerHello (RSA_WITH_RC4_128_SHA) and ServerHelloDone."""
    sh = b"\x03\x01" + os.urandom(32) + b"\x20" + os.urandom(32) + b"\x00\x05\x00"
    msgs = b"\x02" + struct.pack("!I", len(sh))[1:] + sh + b"\x0e\x00\x00\x00"
    return b"\x16\x03\x01" + struct.pack("!H", len(msgs)) + msgs


def attr(t, v):
    return struct.pack("!HH", t, len(v)) + v + b"\x00" * (-len(v) % 4)


def turn_msg(mtype, txid, attrs):
    """[MS-TURN] 2.2.1 header; MAGIC-COOKIE (2.2.2.x, 0x72C64BC6) first, MS-Version 0x8008 last."""
    body = attr(0x000F, struct.pack("!I", 0x72C64BC6)) + b"".join(attrs) + attr(0x8008, struct.pack("!I", 6))
    return struct.pack("!HH", mtype, len(body)) + txid + body


def frame(ftype, data):
    """[MS-TURN] 2.1.4 TCP framing header."""
    return struct.pack("!BBH", ftype, 0, len(data)) + data


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        d = s.recv(n - len(buf))
        if not d:
            raise EOFError("peer closed")
        buf += d
    return buf


def recv_frame(s):
    ftype, _, n = struct.unpack("!BBH", recv_exact(s, 4))
    return ftype, recv_exact(s, n)


def recv_tls_record(s):
    head = recv_exact(s, 5)
    return head + recv_exact(s, struct.unpack("!H", head[3:5])[0])


def client(a):
    host, port = a.to.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=10, source_address=(a.bind, 0))
    s.sendall(SSL2_HELLO)
    recv_tls_record(s)
    if a.mode == "turn":
        t1, t2 = os.urandom(16), os.urandom(16)
        s.sendall(frame(2, turn_msg(0x0003, t1, [])))
        ftype, m = recv_frame(s)
        if ftype != 2 or struct.unpack("!H", m[:2])[0] != 0x0113:
            sys.exit("client: no 401")
        s.sendall(frame(2, turn_msg(0x0003, t2, [attr(0x0006, b"ea-test:user"),
                                                  attr(0x0008, os.urandom(20))])))
        ftype, m = recv_frame(s)
        if ftype != 2 or struct.unpack("!H", m[:2])[0] != 0x0103:
            sys.exit("client: no allocate response")
        for i in range(2):
            s.sendall(frame(3, b"EA-DATA %d from client\n" % i))
            recv_frame(s)
    s.close()


def server(a):
    host, port = a.listen.rsplit(":", 1)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, int(port)))
    ls.listen(1)
    ls.settimeout(a.timeout)
    c, peer = ls.accept()
    c.settimeout(10)
    hello = recv_exact(c, 2)
    recv_exact(c, ((hello[0] & 0x7F) << 8 | hello[1]))
    c.sendall(server_hello())
    if a.mode == "turn":
        _, m = recv_frame(c)
        c.sendall(frame(2, turn_msg(0x0113, m[4:20], [attr(0x0009, b"\x00\x00\x04\x01Unauthorized"),
                                                       attr(0x0014, b"example.com"),
                                                       attr(0x0015, os.urandom(16).hex().encode())])))
        _, m = recv_frame(c)
        mapped = struct.pack("!BBH", 0, 1, peer[1]) + socket.inet_aton(peer[0])
        c.sendall(frame(2, turn_msg(0x0103, m[4:20], [attr(0x0001, mapped), attr(0x000D, struct.pack("!I", 480)),
                                                       attr(0x0008, os.urandom(20))])))
        for i in range(2):
            recv_frame(c)
            c.sendall(frame(3, b"EA-DATA %d from server\n" % i))
    try:
        while c.recv(4096):
            pass
    except OSError:
        pass
    c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("role", choices=["client", "server"])
    ap.add_argument("--bind")
    ap.add_argument("--to")
    ap.add_argument("--listen")
    ap.add_argument("--mode", choices=["turn", "pseudo"], default="turn")
    ap.add_argument("--timeout", type=float, default=20)
    a = ap.parse_args()
    (client if a.role == "client" else server)(a)


if __name__ == "__main__":
    main()
