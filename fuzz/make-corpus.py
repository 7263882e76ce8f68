#!/usr/bin/env python3
"""make-corpus.py: raw seed inputs for the fuzz targets, from the project's captures and unit-test bytes.

  fuzz/make-corpus.py OUTDIR

writes OUTDIR/<target>/<name> files; `fuzz/run.sh --merge` then minimises them
into fuzz/corpus/<target>/. Stream and datagram seeds use the chunk format of
fuzz/fuzz.h: ctl (bit 7 direction), 16-bit big-endian length, bytes.
Needs tshark (wireshark) to take payloads out of the captures.
"""
import glob
import hashlib
import os
import re
import struct
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_SEED = 16384          # bytes per stream seed: enough for a handshake
SIP_METHODS = (b"INVITE", b"ACK", b"BYE", b"CANCEL", b"OPTIONS", b"REGISTER", b"PRACK",
               b"SUBSCRIBE", b"NOTIFY", b"PUBLISH", b"INFO", b"REFER", b"MESSAGE",
               b"UPDATE", b"SERVICE", b"NEGOTIATE", b"SIP/2.0")


def chunk(direction, data, piece=0):
    return bytes([(direction << 7) | piece]) + struct.pack(">H", len(data)) + data


def write(outdir, target, name, data):
    d = os.path.join(outdir, target)
    os.makedirs(d, exist_ok=True)
    h = hashlib.sha1(data).hexdigest()[:12]
    with open(os.path.join(d, "%s-%s" % (name, h)), "wb") as f:
        f.write(data)


def frames_of(frames):
    """Chunked seed from [(dir, bytes)], cut at MAX_SEED."""
    out = b""
    for d, p in frames:
        c = chunk(d, p[:0xffff])
        if len(out) + len(c) > MAX_SEED and out:
            break
        out += c
    return out


def looks_sip(p):
    return p.lstrip(b"\r\n").startswith(SIP_METHODS)


def looks_stun(p):
    return len(p) >= 20 and p[0] & 0xC0 == 0 and (p[4:8] == b"\x21\x12\xa4\x42" or
                                                  struct.unpack(">H", p[2:4])[0] + 20 == len(p))


def looks_rtp(p):
    return len(p) >= 8 and p[0] & 0xC0 == 0x80


def captures(outdir):
    caps = sorted(glob.glob(os.path.join(TOP, "captures", "real", "*")) +
                  glob.glob(os.path.join(TOP, "captures", "own", "*.pcap*")))
    for cap in caps:
        base = os.path.basename(cap).split(".")[0]
        with open(cap, "rb") as f:
            write(outdir, "fuzz-pipeline", base, f.read())
        fields = ["ip.src", "ipv6.src", "tcp.stream", "udp.stream", "tcp.payload", "udp.payload"]
        cmd = ["tshark", "-n", "-r", cap, "-T", "fields", "-E", "separator=|"]
        for x in fields:
            cmd += ["-e", x]
        try:
            lines = subprocess.run(cmd, capture_output=True, check=True, text=True).stdout.splitlines()
        except (OSError, subprocess.CalledProcessError) as e:
            print("make-corpus: %s: tshark failed: %s" % (cap, e), file=sys.stderr)
            continue
        streams = {}
        first = {}
        for ln in lines:
            src4, src6, ts, us, tp, up = (ln.split("|") + [""] * 6)[:6]
            src = src4 or src6
            key = ("tcp", ts) if ts else ("udp", us) if us else None
            if key is None:
                continue
            first.setdefault(key, src)
            hexp = tp or up
            if not hexp:
                continue
            d = 0 if src == first[key] else 1
            streams.setdefault(key, []).append((d, bytes.fromhex(hexp.replace(":", ""))))
        for (proto, sid), frames in streams.items():
            name = "%s-%s%s" % (base, proto, sid)
            p0 = frames[0][1]
            seed = frames_of(frames)
            targets = set()
            if proto == "tcp":
                if p0[:1] == b"\x16" or any(p[:1] == b"\x16" for _, p in frames[:3]):
                    targets.add("fuzz-tls")
                if p0.lstrip().startswith((b"<?xml", b"<stream")):
                    targets.add("fuzz-xmpp")
                if looks_sip(p0):
                    targets.add("fuzz-sip")
                if len(p0) >= 2 and struct.unpack(">H", p0[:2])[0] + 2 <= len(p0) + 1500:
                    if looks_rtp(p0[2:]) or looks_stun(p0[2:]):
                        targets.add("fuzz-rtp")
            else:
                if any(looks_sip(p) for _, p in frames):
                    targets.add("fuzz-sip")
                if any(looks_stun(p) for _, p in frames):
                    targets.add("fuzz-stun")
                if any(looks_rtp(p) for _, p in frames):
                    targets.add("fuzz-rtp")
            for t in targets:
                write(outdir, t, name, seed)


def c_unescape(s):
    """Bytes of a C string literal body."""
    out = bytearray()
    i = 0
    simple = {"n": 10, "r": 13, "t": 9, "\\": 92, '"': 34, "'": 39, "a": 7, "b": 8,
              "f": 12, "v": 11, "?": 63}
    while i < len(s):
        c = s[i]
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        e = s[i + 1]
        if e in simple:
            out.append(simple[e])
            i += 2
        elif e == "x":
            m = re.match(r"[0-9a-fA-F]+", s[i + 2:])
            out.append(int(m.group(0), 16) & 0xff)
            i += 2 + len(m.group(0))
        else:
            m = re.match(r"[0-7]{1,3}", s[i + 1:])
            out.append(int(m.group(0), 8) & 0xff)
            i += 1 + len(m.group(0))
    return bytes(out)


def c_arrays(path):
    """{name: bytes} of the byte arrays and string literals defined in a C file."""
    src = open(path, encoding="utf-8", errors="replace").read()
    src = re.sub(r"/\*.*?\*/", " ", src, flags=re.S)
    src = re.sub(r"//[^\n]*", " ", src)
    found = {}
    for m in re.finditer(r"(?:uint8_t|char)\s+(\w+)\s*\[\s*\]\s*=\s*\{([^}]*)\}", src):
        vals = bytearray()
        ok = True
        for tok in [t.strip() for t in m.group(2).split(",") if t.strip()]:
            if tok.startswith("'"):
                vals += c_unescape(tok[1:-1])
            else:
                try:
                    vals.append(int(tok, 0) & 0xff)
                except ValueError:
                    ok = False
                    break
        if ok and vals:
            found[m.group(1)] = bytes(vals)
    for m in re.finditer(r"char\s+(\w+)\s*\[\s*\]\s*=\s*((?:\s*\"(?:[^\"\\]|\\.)*\")+)", src):
        body = b"".join(c_unescape(x) for x in re.findall(r"\"((?:[^\"\\]|\\.)*)\"", m.group(2)))
        found[m.group(1)] = body
    return found


def unit_tests(outdir):
    t = os.path.join(TOP, "tests")
    # TLS: data-tls.h holds flights NAME_c1, NAME_s1, NAME_c2 ...: one seed per handshake.
    tls = c_arrays(os.path.join(t, "data-tls.h")) if os.path.exists(os.path.join(t, "data-tls.h")) else {}
    tls.update(c_arrays(os.path.join(t, "test-dissect-tls.c")))
    groups = {}
    for name, data in tls.items():
        m = re.match(r"(\w+)_([cs])(\d+)$", name)
        if m:
            groups.setdefault(m.group(1), []).append((int(m.group(3)), m.group(2) == "s", data))
        else:
            write(outdir, "fuzz-tls", "unit-" + name, chunk(0, data))
    for g, fl in groups.items():
        fl.sort(key=lambda x: (x[0], x[1]))
        write(outdir, "fuzz-tls", "unit-" + g, b"".join(chunk(int(s), d) for _, s, d in fl))
        # The same handshake in 7-byte pieces: records cut everywhere.
        write(outdir, "fuzz-tls", "unit-%s-pieces" % g, b"".join(chunk(int(s), d, 7) for _, s, d in fl))
    for target, files in (("fuzz-sip", ["test-dissect-sip.c"]), ("fuzz-stun", ["test-dissect-stun.c"]),
                          ("fuzz-rtp", ["test-dissect-rtp.c"]), ("fuzz-xmpp", ["test-dissect-xmpp.c"])):
        for fn in files:
            p = os.path.join(t, fn)
            if not os.path.exists(p):
                continue
            for name, data in c_arrays(p).items():
                if len(data) <= 0xffff:
                    write(outdir, target, "unit-" + name, chunk(0, data))


def handmade(outdir):
    rules = os.path.join(TOP, "rules")
    for path, flag in ((os.path.join(rules, "lync2013-edge.xml"), 1),
                       (os.path.join(rules, "examples", "site-extra-rules.xml"), 1),
                       (os.path.join(rules, "examples", "site-example.xml"), 0)):
        if os.path.exists(path):
            with open(path, "rb") as f:
                write(outdir, "fuzz-rules", os.path.basename(path).split(".")[0], bytes([flag]) + f.read())
    strs = [b"tls.example.test", "f\u00f6deration.example".encode(), b"a\x00b\x01c\x7fd\r\n",
            b"\xc2\x80\xc2\x9f\xc2\xa0", b"\xe0\x80\xaf\xed\xa0\x80\xf4\x90\x80\x80", b"\xf0\x9f\x98\x80" * 80,
            b"\xff\xfe<&\"'>", b"x" * 300]
    for i, s in enumerate(strs):
        for cap in (255, 16, 3):
            write(outdir, "fuzz-str", "str%d-cap%d" % (i, cap), bytes([cap, len(s) // 2]) + s)


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out = sys.argv[1]
    captures(out)
    unit_tests(out)
    handmade(out)
    for d in sorted(os.listdir(out)):
        n = len(os.listdir(os.path.join(out, d)))
        print("make-corpus: %s: %d seeds" % (d, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
