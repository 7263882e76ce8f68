#!/usr/bin/env python3
"""hostile-gen.py: builds hostile capture files for tests/malformed.sh, hostile-replay.sh and bounds.sh.

  hostile-gen.py malformed DIR            one file per malformed-capture case (see CASES)
  hostile-gen.py flows N OUT              N unique UDP 5-tuples, one packet each
  hostile-gen.py sip-huge OUT KB          one SIP INVITE over TCP with KB kilobytes of headers
  hostile-gen.py tls-endless OUT MB       a TCP stream of TLS handshake records that never completes
  hostile-gen.py strings OUT              SNI and SIP headers holding noncharacters, controls, bad UTF-8
  hostile-gen.py corrupt IN OUT SEED P    every byte of every record payload flipped with chance P
  hostile-gen.py timewarp IN OUT          timestamps go backwards and jump forward by years

Only the standard library; pcap (RFC draft-ietf-opsawg-pcap) and pcapng
(draft-ietf-opsawg-pcapng) written by hand. Addresses are documentation ranges.
"""
import os
import random
import struct
import sys

LINKTYPE_ETHERNET = 1


def pcap_header(snaplen=65535, linktype=LINKTYPE_ETHERNET, magic=0xA1B2C3D4):
    # magic, version 2.4, thiszone, sigfigs, snaplen, network
    return struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)


def pcap_record(frame, ts=1363341600, usec=0, caplen=None, wirelen=None):
    caplen = len(frame) if caplen is None else caplen
    wirelen = len(frame) if wirelen is None else wirelen
    return struct.pack("<IIII", ts, usec, caplen, wirelen) + frame


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, ident=1):
    # RFC 791 header, no options
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF, 0, 64, proto, 0,
                    bytes(src), bytes(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ether(payload, ethertype=0x0800):
    return b"\x02\x00\x00\x00\x00\x01" + b"\x02\x00\x00\x00\x00\x02" + struct.pack("!H", ethertype) + payload


def udp(src, dst, sport, dport, data):
    # RFC 768; checksum 0 (none) is legal over IPv4
    return ether(ipv4(src, dst, 17, struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data))


def tcp(src, dst, sport, dport, seq, ack, flags, data=b""):
    # RFC 9293 header, data offset 5, checksum left 0 (not verified by edgeaudit)
    return ether(ipv4(src, dst, 6, struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF,
                                               ack & 0xFFFFFFFF, 5 << 4, flags, 65535, 0, 0) + data))


CLIENT = [203, 0, 113, 40]
EDGE = [192, 0, 2, 10]
SIP_DGRAM = (b"OPTIONS sip:edge.example.test SIP/2.0\r\nVia: SIP/2.0/UDP 203.0.113.40:5060\r\n"
             b"From: <sip:a@client.example.test>;tag=1\r\nTo: <sip:edge.example.test>\r\n"
             b"Call-ID: 1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")


def good_frames(n=3):
    return [udp(CLIENT, EDGE, 40000 + i, 5060, SIP_DGRAM) for i in range(n)]


def pcapng_block(btype, body, trailer_len=None):
    body += b"\0" * (-len(body) % 4)
    total = 12 + len(body)
    return struct.pack("<II", btype, total) + body + struct.pack("<I", total if trailer_len is None else trailer_len)


def pcapng_shb():
    # Section Header Block: byte-order magic, version 1.0, section length unknown
    return pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))


def pcapng_idb(snaplen=65535):
    return pcapng_block(0x00000001, struct.pack("<HHI", LINKTYPE_ETHERNET, 0, snaplen))


def pcapng_epb(frame, ts_us=1363341600 * 1000000, trailer_len=None):
    body = struct.pack("<IIIII", 0, ts_us >> 32, ts_us & 0xFFFFFFFF, len(frame), len(frame)) + frame
    return pcapng_block(0x00000006, body, trailer_len)


def classic(records, snaplen=65535):
    return pcap_header(snaplen) + b"".join(records)


# name -> (bytes, what is expected): "error" = exactly one error line, exit 2, partial report;
# "ok" = read without an error. The packet number is the 1-based record that fails.
def cases():
    f = good_frames()
    recs = [pcap_record(x, usec=i) for i, x in enumerate(f)]
    c = {}
    c["empty.pcap"] = (b"", "error", None, 0)
    c["wrong-magic.pcap"] = (struct.pack("<I", 0xDEADBEEF) + pcap_header()[4:] + b"".join(recs), "error", None, 0)
    c["header-truncated.pcap"] = (pcap_header()[:12], "error", None, 0)
    c["header-only.pcap"] = (pcap_header(), "empty", None, 0)
    last = recs[2]
    c["truncated-last-record.pcap"] = (classic(recs[:2] + [last[:16 + 30]]), "error", 3, 2)
    c["truncated-record-header.pcap"] = (classic(recs[:2] + [last[:9]]), "error", 3, 2)
    c["caplen-zero.pcap"] = (classic(recs[:1] + [pcap_record(b"", caplen=0, wirelen=len(f[1]))] + recs[2:]),
                             "error", 2, 1)
    c["caplen-over-len.pcap"] = (classic(recs[:1] + [pcap_record(f[1], wirelen=len(f[1]) - 20)] + recs[2:]),
                                 "error", 2, 1)
    c["caplen-over-snaplen.pcap"] = (classic(recs, snaplen=96), "error", 1, 0)
    # The position after a record under the snaplen is counted, not asked of the stream:
    # after two snapped records, one at the snaplen is fine and one over it is still seen.
    snapped = [pcap_record(x[:200], usec=i, wirelen=len(x)) for i, x in enumerate(f[:2])]
    c["caplen-at-snaplen.pcap"] = (classic(snapped + recs[2:], snaplen=len(f[2])), "ok", None, 3)
    c["caplen-over-snaplen-late.pcap"] = (classic(snapped + recs[2:], snaplen=len(f[2]) - 1),
                                          "error", 3, 2)
    c["caplen-huge.pcap"] = (classic(recs[:1] + [struct.pack("<IIII", 1363341600, 1, 0x7FFFFFFF, 0x7FFFFFFF)]),
                             "error", 2, 1)
    ng = pcapng_shb() + pcapng_idb()
    c["pcapng-unknown-block.pcapng"] = (ng + pcapng_epb(f[0]) + pcapng_block(0x00000BAD, b"hostile!") +
                                        pcapng_epb(f[1]) + pcapng_epb(f[2]), "ok", None, 3)
    c["pcapng-trailer-mismatch.pcapng"] = (ng + pcapng_epb(f[0]) + pcapng_epb(f[1], trailer_len=4096) +
                                           pcapng_epb(f[2]), "error", 2, 1)
    c["pcapng-no-idb.pcapng"] = (pcapng_shb() + pcapng_epb(f[0]), "error", None, 0)
    c["text.pcap"] = (b"This is not a capture file.\nJust some text.\n" * 4, "error", None, 0)
    return c


def cmd_malformed(outdir):
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "cases.txt"), "w") as idx:
        for name, (data, kind, pkt, read) in sorted(cases().items()):
            with open(os.path.join(outdir, name), "wb") as fp:
                fp.write(data)
            # name, expectation, failing packet ("-" when none), records read before the error
            idx.write("%s %s %s %d\n" % (name, kind, pkt if pkt else "-", read))


def cmd_flows(n, out):
    # n unique 5-tuples: client addresses 10.x.y.z, ports vary; one datagram each, 1 ms apart
    with open(out, "wb") as fp:
        fp.write(pcap_header())
        for i in range(n):
            src = [10, (i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF]
            fr = udp(src, EDGE, 1024 + (i % 60000), 3478, b"\x00\x01\x00\x00" + struct.pack("!I", i) * 4)
            t = 1363341600 + i // 1000
            fp.write(pcap_record(fr, ts=t, usec=(i % 1000) * 1000))


def tcp_stream(out, c2s_chunks, s2c_first=None, sport=41000, dport=5061, mss=1400):
    """Handshake, then the client's byte stream cut in mss segments; returns nothing."""
    seq_c, seq_s = 1000, 5000
    t = [1363341600, 0]

    def rec(frame):
        t[1] += 100
        if t[1] >= 1000000:
            t[0] += 1
            t[1] = 0
        out.write(pcap_record(frame, ts=t[0], usec=t[1]))

    rec(tcp(CLIENT, EDGE, sport, dport, seq_c, 0, 0x02))
    rec(tcp(EDGE, CLIENT, dport, sport, seq_s, seq_c + 1, 0x12))
    seq_c += 1
    seq_s += 1
    rec(tcp(CLIENT, EDGE, sport, dport, seq_c, seq_s, 0x10))
    if s2c_first:
        rec(tcp(EDGE, CLIENT, dport, sport, seq_s, seq_c, 0x18, s2c_first))
        seq_s += len(s2c_first)
    for data in c2s_chunks:
        for off in range(0, len(data), mss):
            seg = data[off:off + mss]
            rec(tcp(CLIENT, EDGE, sport, dport, seq_c, seq_s, 0x18, seg))
            seq_c += len(seg)


def cmd_sip_huge(out, kb):
    # TCP: a sane request line, a From domain of 200 bytes (over EA_DOMAIN_CAP 127), then KB of headers
    hdrs = b""
    i = 0
    while len(hdrs) < kb * 1024:
        hdrs += b"X-Hostile-%06d: %s\r\n" % (i, b"A" * 200)
        i += 1
    msg = (b"INVITE sip:bob@edge.example.test SIP/2.0\r\nVia: SIP/2.0/TCP 203.0.113.40:41000\r\n"
           b"From: <sip:alice@" + b"f" * 200 + b".example.test>;tag=1\r\n"
           b"To: <sip:bob@edge.example.test>\r\n" + hdrs + b"Content-Length: 0\r\n\r\n")
    # UDP: every field far over its cap, in one 60 KB datagram
    big = (b"INVITE sip:bob@" + b"d" * 5000 + b".example.test SIP/2.0\r\n"
           b"Via: SIP/2.0/" + b"T" * 3000 + b" h\r\n"
           b"From: <sip:alice@" + b"f" * 4000 + b".example.test>;tag=1\r\n"
           b"To: <sip:bob@" + b"t" * 4000 + b".example.test>\r\n" + hdrs[:40000] + b"\r\n")
    with open(out, "wb") as fp:
        fp.write(pcap_header())
        tcp_stream(fp, [msg], dport=5060)
        fp.write(pcap_record(udp(CLIENT, EDGE, 40999, 5060, big[:60000]), ts=1363341700))


def client_hello(sni, hs_len=None):
    """RFC 8446 4.1.2 ClientHello with one cipher suite and a server_name extension (RFC 6066 3)."""
    ext = struct.pack("!HH", 0, len(sni) + 5) + struct.pack("!HBH", len(sni) + 3, 0, len(sni)) + sni
    body = (b"\x03\x03" + b"\x00" * 32 + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00" +
            struct.pack("!H", len(ext)) + ext)
    n = len(body) if hs_len is None else hs_len
    return b"\x01" + struct.pack("!I", n)[1:] + body


def cmd_tls_endless(out, mb):
    # Flow 1 (443): a ClientHello whose handshake header claims 16 MB - 1, then record after
    # record of handshake bytes (RFC 8446 5.1, type 22) that never finish it, in 64 KB segments.
    first = client_hello(b"h" * 300 + b".example.test", hs_len=0xFFFFFF)
    recs = [b"\x16\x03\x01" + struct.pack("!H", len(first)) + first]
    filler = b"\x16\x03\x03" + struct.pack("!H", 16384) + bytes(range(256)) * 64
    total = 0
    while total < mb * 1024 * 1024:
        recs.append(filler)
        total += len(filler)
    # Flow 2 (5061): a complete ClientHello with a 300-byte SNI (over EA_SNI_CAP 255).
    ch = client_hello(b"s" * 300 + b".example.test")
    with open(out, "wb") as fp:
        fp.write(pcap_header())
        tcp_stream(fp, [b"".join(recs)], dport=443, mss=65000)
        tcp_stream(fp, [b"\x16\x03\x01" + struct.pack("!H", len(ch)) + ch], sport=41001, dport=5061)


def cmd_strings(out):
    # Strings the report must carry as well-formed XML: noncharacters U+FFFE/U+FFFF (not XML
    # 1.0 Chars), C0/C1 controls, invalid UTF-8, markup characters, in SNI and SIP headers.
    nasty = [b"a\xef\xbf\xbfb", b"a\xef\xbf\xbeb", b"c\x01\x1b[31m\x7fd", b"e\xc2\x85\xc2\x9ff",
             b"g\xff\xfe\xed\xa0\x80h", b"i<&\"'>]]>j", b"k\x00l"]
    with open(out, "wb") as fp:
        fp.write(pcap_header())
        for i, s in enumerate(nasty):
            ch = client_hello(s + b".example.test")
            tcp_stream(fp, [b"\x16\x03\x01" + struct.pack("!H", len(ch)) + ch], sport=42000 + i, dport=5061)
            msg = (b"OPTIONS sip:" + s + b"@edge.example.test SIP/2.0\r\nVia: SIP/2.0/" + s + b" h\r\n"
                   b"From: <sip:a@" + s + b".example.test>;tag=1\r\nTo: <sip:b@" + s + b">\r\n\r\n")
            fp.write(pcap_record(udp(CLIENT, EDGE, 43000 + i, 5060, msg), ts=1363341800 + i))


def cmd_corrupt(inp, out, seed, p):
    """Flips bytes of record data (never the file or record headers) with probability p."""
    rnd = random.Random(seed)
    data = open(inp, "rb").read()
    if data[:4] not in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        raise SystemExit("corrupt: %s: only little-endian classic pcap" % inp)
    outb = bytearray(data[:24])
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack("<I", data[off + 8:off + 12])[0]
        outb += data[off:off + 16]
        body = bytearray(data[off + 16:off + 16 + caplen])
        for i in range(len(body)):
            if rnd.random() < p:
                body[i] = rnd.randrange(256)
        outb += body
        off += 16 + caplen
    open(out, "wb").write(bytes(outb))


def cmd_timewarp(inp, out):
    """Every third record goes back a day, every fifth jumps 20 years ahead, one goes to 0 and one to 2^32-1."""
    data = open(inp, "rb").read()
    if data[:4] not in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        raise SystemExit("timewarp: %s: only little-endian classic pcap" % inp)
    outb = bytearray(data[:24])
    off, i = 24, 0
    while off + 16 <= len(data):
        sec, frac, caplen, wire = struct.unpack("<IIII", data[off:off + 16])
        if i == 1:
            sec = 0
        elif i == 2:
            sec = 0xFFFFFFFF
        elif i % 5 == 4:
            sec = (sec + 20 * 365 * 86400) & 0xFFFFFFFF
        elif i % 3 == 2:
            sec = max(0, sec - 86400)
        outb += struct.pack("<IIII", sec, frac, caplen, wire) + data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        i += 1
    open(out, "wb").write(bytes(outb))


def main(a):
    if len(a) >= 2 and a[0] == "malformed":
        cmd_malformed(a[1])
    elif len(a) == 3 and a[0] == "flows":
        cmd_flows(int(a[1]), a[2])
    elif len(a) == 3 and a[0] == "sip-huge":
        cmd_sip_huge(a[1], int(a[2]))
    elif len(a) == 3 and a[0] == "tls-endless":
        cmd_tls_endless(a[1], int(a[2]))
    elif len(a) == 2 and a[0] == "strings":
        cmd_strings(a[1])
    elif len(a) == 5 and a[0] == "corrupt":
        cmd_corrupt(a[1], a[2], int(a[3]), float(a[4]))
    elif len(a) == 3 and a[0] == "timewarp":
        cmd_timewarp(a[1], a[2])
    else:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
