#!/usr/bin/env python3
"""tls13-py.py - one TLS 1.3 peer built on Python's ssl module, for captures/make-tls13.sh.

  tls13-py.py server ADDR PORT PKI [--verify none|optional|required] [--groups secp384r1]
                               [--accept N] [--pha]
  tls13-py.py client ADDR PORT PKI BIND [--cert] [--resume] [--pha]

The server accepts N connections (default 1), one at a time: it reads one
request, answers it, and waits for the client to close. With --pha it asks
for the client's certificate after the handshake (RFC 8446 4.6.2). The client
connects from BIND, sends a SIP OPTIONS request, reads the answer and closes;
with --resume it connects twice, the second time resuming the first session
(a TLS 1.3 PSK from the first connection's NewSessionTicket). PKI is the
directory holding ca.pem, edge.pem/.key and partner.pem/.key. The cipher suite
comes from OpenSSL's configuration (OPENSSL_CONF), as Python's ssl has no
setter for TLS 1.3 suites.
"""
import socket
import ssl
import sys

REQ = (b"OPTIONS sip:sip.example.com;transport=tls SIP/2.0\r\n"
       b"Via: SIP/2.0/TLS sip.partner.example.org:5061;branch=z9hG4bK-ea-py\r\n"
       b"Max-Forwards: 70\r\nFrom: <sip:sip.partner.example.org>;tag=ea-py-a\r\n"
       b"To: <sip:sip.example.com>\r\nCall-ID: ea-py@sip.partner.example.org\r\n"
       b"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
RESP = (b"SIP/2.0 200 OK\r\n"
        b"Via: SIP/2.0/TLS sip.partner.example.org:5061;branch=z9hG4bK-ea-py\r\n"
        b"From: <sip:sip.partner.example.org>;tag=ea-py-a\r\n"
        b"To: <sip:sip.example.com>;tag=ea-py-b\r\nCall-ID: ea-py@sip.partner.example.org\r\n"
        b"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")


def opt(args, name, default=None):
    """Value after --name in args, or default; a bare flag gives True."""
    if name not in args:
        return default
    i = args.index(name)
    if i + 1 < len(args) and not args[i + 1].startswith("--"):
        return args[i + 1]
    return True


def read_until(s, end):
    """Reads until end was received or the peer closed."""
    got = b""
    while end not in got:
        chunk = s.recv(4096)
        if not chunk:
            break
        got += chunk
    return got


def server(addr, port, pki, args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(f"{pki}/edge.pem", f"{pki}/edge.key")
    ctx.load_verify_locations(f"{pki}/ca.pem")
    verify = opt(args, "--verify", "none")
    pha = bool(opt(args, "--pha", False))
    ctx.verify_mode = {"none": ssl.CERT_NONE, "optional": ssl.CERT_OPTIONAL,
                       "required": ssl.CERT_REQUIRED}[verify]
    if pha:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.post_handshake_auth = True
    groups = opt(args, "--groups")
    if groups:
        ctx.set_ecdh_curve(groups)   # the only group offered: a HelloRetryRequest for X25519
    ls = socket.create_server((addr, port))
    print("listening", flush=True)
    for _ in range(int(opt(args, "--accept", "1"))):
        raw, _peer = ls.accept()
        with ctx.wrap_socket(raw, server_side=True) as s:
            if pha:
                s.verify_client_post_handshake()
            read_until(s, b"\r\n\r\n")
            s.sendall(RESP)
            print("peer certificate:", bool(s.getpeercert()), flush=True)
            try:
                read_until(s, b"never")   # until the client's close_notify
                s.unwrap()
            except (ssl.SSLError, OSError):
                pass
    ls.close()


def client_once(ctx, addr, port, bind, session):
    raw = socket.create_connection((addr, port), source_address=(bind, 0))
    with ctx.wrap_socket(raw, server_hostname="sip.example.com", session=session) as s:
        s.sendall(REQ)
        answer = read_until(s, b"\r\n\r\n")
        print("answer:", answer.split(b"\r\n")[0].decode(), "resumed:", s.session_reused, flush=True)
        sess = s.session
        try:
            s.unwrap()
        except (ssl.SSLError, OSError):
            pass
    return sess


def client(addr, port, pki, bind, args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_verify_locations(f"{pki}/ca.pem")
    if opt(args, "--cert", False):
        ctx.load_cert_chain(f"{pki}/partner.pem", f"{pki}/partner.key")
    if opt(args, "--pha", False):
        ctx.post_handshake_auth = True
    sess = client_once(ctx, addr, port, bind, None)
    if opt(args, "--resume", False):
        client_once(ctx, addr, port, bind, sess)


def main():
    a = sys.argv[1:]
    if len(a) >= 4 and a[0] == "server":
        server(a[1], int(a[2]), a[3], a[4:])
    elif len(a) >= 5 and a[0] == "client":
        client(a[1], int(a[2]), a[3], a[4], a[5:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
