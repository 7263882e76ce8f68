#!/usr/bin/python3
"""expect-verdicts.py: checks an XML report against an independently written expectation file.

usage: expect-verdicts.py REPORT.xml EXPECTED.txt
EXPECTED lines: id | initiator ip:port | responder ip:port | transport | what | verdict | reason | rules
("*" is any port; rules "-" is none, else comma-separated ids, optionally followed by " (...)").
Prints PASS/FAIL per expected flow and for the flow count, then "N passed, N failed".
"""
import sys
import xml.etree.ElementTree as ET


def endpoint(s):
    host, _, port = s.strip().rpartition(":")
    return host.strip("[]"), port


def main():
    report, expected = sys.argv[1], sys.argv[2]
    flows = ET.parse(report).getroot().find("flows").findall("flow")
    passed = failed = 0
    used = set()
    want = []
    for line in open(expected, encoding="utf-8"):
        if not line.strip() or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 8:
            continue
        want.append(parts)
    for fid, ini, res, transport, what, verdict, reason, rules in want:
        (ch, cp), (sh, sp) = endpoint(ini), endpoint(res)
        rules = rules.split(" (")[0].strip()
        want_rules = set() if rules == "-" else set(r.strip() for r in rules.split(","))
        match = None
        for i, f in enumerate(flows):
            if i in used:
                continue
            if (f.get("client"), f.get("server"), f.get("transport")) != (ch, sh, transport):
                continue
            if cp != "*" and f.get("client-port") != cp:
                continue
            if sp != "*" and f.get("server-port") != sp:
                continue
            match = i
            break
        if match is None:
            failed += 1
            print(f"FAIL: {fid} {ini} -> {res} {transport}: no such flow in the report")
            continue
        used.add(match)
        f = flows[match]
        got_rules = set(f.get("rules", "").split())
        got = (f.get("verdict"), f.get("reason-code"), got_rules)
        if got == (verdict, reason, want_rules):
            passed += 1
            print(f"PASS: {fid} {verdict} {reason} {' '.join(sorted(want_rules)) or '-'}")
        else:
            failed += 1
            print(f"FAIL: {fid} {ini} -> {res}: expected {verdict}/{reason}/{sorted(want_rules)}, "
                  f"got {got[0]}/{got[1]}/{sorted(got_rules)}: {f.get('reason')}")
    if len(flows) == len(want):
        passed += 1
        print(f"PASS: {len(flows)} flows, as expected")
    else:
        failed += 1
        print(f"FAIL: {len(flows)} flows in the report, {len(want)} expected")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
