#!/usr/bin/env python3
"""tcp-probe.py - one TCP connection attempt from a given source, reporting how it ended.

  tcp-probe.py --bind ADDR --to ADDR:PORT [--timeout S]

Prints "connected", "refused" (SYN answered by RST) or "timeout" (no answer:
the kernel retransmits the SYN after 1 s, 3 s, 7 s... until S runs out).
Exit status 0 whatever the outcome; 2 on any other error.
"""
import argparse
import socket
import sys


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bind", required=True)
    p.add_argument("--to", required=True)
    p.add_argument("--timeout", type=float, default=4.5)
    a = p.parse_args()
    host, _, port = a.to.rpartition(":")
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((a.bind, 0))
    s.settimeout(a.timeout)
    try:
        s.connect((host, int(port)))
        print("connected")
    except ConnectionRefusedError:
        print("refused")
    except socket.timeout:
        print("timeout")
    except OSError as e:
        print("error: %s" % e)
        return 2
    finally:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
