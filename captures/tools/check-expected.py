#!/usr/bin/env python3
"""check-expected.py - do a capture's conversations match the flow lines of an expected file?

  tshark -r X.pcap -q -z conv,tcp -z conv,udp | check-expected.py EXPECTED [--skip ID,...]

EXPECTED holds lines "id | initiator ip:port | responder ip:port | transport | ..."
("*" for an ephemeral port; "#" starts a comment). Each line must match
exactly one conversation (initiator = tshark's address A, the sender of the
first packet) and every conversation one line. Lines whose id is in --skip
must match none. Prints the mismatches; exit status 0 when all match.
"""
import argparse
import re
import sys

CONV = re.compile(r"^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("expected")
    p.add_argument("--skip", default="")
    a = p.parse_args()
    skip = set(x for x in a.skip.split(",") if x)

    convs, proto = [], None
    for line in sys.stdin:
        if line.startswith("TCP Conversations"):
            proto = "tcp"
        elif line.startswith("UDP Conversations"):
            proto = "udp"
        m = CONV.match(line)
        if m and proto:
            convs.append((proto, m.group(1), m.group(2), m.group(3), m.group(4)))

    bad = 0
    used = [False] * len(convs)
    with open(a.expected) as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            fields = [x.strip() for x in line.split(" | ")]
            fid, ini, resp, proto = fields[0], fields[1], fields[2], fields[3]
            iip, iport = ini.rsplit(":", 1)
            rip, rport = resp.rsplit(":", 1)
            hits = [i for i, c in enumerate(convs)
                    if not used[i] and c[0] == proto and c[1] == iip and c[3] == rip
                    and c[4] == rport and (iport == "*" or c[2] == iport)]
            if fid in skip:
                if hits:
                    print("%s: present, but it should have been cut" % fid)
                    bad += 1
                continue
            if not hits:
                print("%s: no %s conversation %s -> %s" % (fid, proto, ini, resp))
                bad += 1
                continue
            used[hits[0]] = True
    for i, c in enumerate(convs):
        if not used[i]:
            print("conversation %s %s:%s -> %s:%s is in no expected line" % c)
            bad += 1
    print("%d conversations, %d mismatches" % (len(convs), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
