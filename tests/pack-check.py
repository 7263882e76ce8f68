#!/usr/bin/env python3
"""pack-check.py: every firewall table row of each page is a rule of its pack (issue 14).

For each rule pack, reads the page it transcribes (rules/pages/, named by the
pack's <document copy=...>), finds every <table> with a <tbody>, takes the
heading above it as the table's title, and compares, in order, each <tbody>
row (first column and Notes column, HTML entities decoded, whitespace
collapsed) with the pack's rules (<table title row> and <note>). Then: every
pack validates against rules/rules.rng (xmllint --relaxng); a rule id that
the seed pack (rules/lync2013-edge.xml) also uses is given only to a row of a
row with the same first column, and the three packs whose pages repeat the
seed's tables use every id of the seed's table rows. Prints one line per
check and the closing "N passed, N failed" tally.
"""
import html
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

TOP = os.environ.get("EA_SRCDIR") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
RULES = os.path.join(TOP, "rules")
PACKS = {   # the pack's file, and how many <tbody> rows its page has in all (read by hand)
    "lync2013-edge-nat.xml": 37,
    "lync2013-edge-public.xml": 37,
    "lync2013-edge-scaled-dns.xml": 37,
    "lync2013-edge-scaled-hlb.xml": 33,
    "lync2013-reverse-proxy.xml": 5,
}
passed = failed = 0


def ok(msg):
    global passed
    passed += 1
    print("PASS: " + msg)


def bad(msg):
    global failed
    failed += 1
    print("FAIL: " + msg)


def clean(s):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", s)).split())


def page_rows(path):
    """[(title, first column, notes)] of every <tbody> row, in page order."""
    text = open(path, encoding="utf-8").read()
    rows, title = [], None
    for m in re.finditer(r"\n#+ ([^\n]*)\n|<table>(.*?)</table>", text, re.S):
        if m.group(1):
            title = m.group(1).strip()
            continue
        body = re.search(r"<tbody>(.*?)</tbody>", m.group(2), re.S)
        if not body:
            continue
        for tr in re.findall(r"<tr.*?</tr>", body.group(1), re.S):
            cells = [clean(c) for c in re.findall(r"<td.*?</td>", tr, re.S)]
            rows.append((title, cells[0], cells[-1]))
    return rows


def pack_rules(path):
    root = ET.parse(path).getroot()
    doc = root.find("document")
    out = []
    for r in root.findall("rule"):
        t = r.find("table")
        note = " ".join((r.findtext("note") or "").split())
        out.append((r.get("id"), t.get("title") if t is not None else None,
                    t.get("row") if t is not None else None, note))
    return doc.get("copy"), out


def main():
    seed_copy, seed = pack_rules(os.path.join(RULES, "lync2013-edge.xml"))
    seed_ids = {i: (title, row) for i, title, row, _ in seed}
    for pack, expect in PACKS.items():
        path = os.path.join(RULES, pack)
        rc = subprocess.run(["xmllint", "--noout", "--relaxng", os.path.join(RULES, "rules.rng"), path],
                            capture_output=True, text=True)
        if rc.returncode == 0:
            ok("%s validates against rules.rng" % pack)
        else:
            bad("%s does not validate: %s" % (pack, rc.stderr.strip().splitlines()[-1:]))
        copy, rules = pack_rules(path)
        rows = page_rows(os.path.join(RULES, copy))
        if len(rows) == expect:
            ok("%s: its page has %d <tbody> rows" % (pack, expect))
        else:
            bad("%s: its page has %d <tbody> rows, %d expected" % (pack, len(rows), expect))
        if len(rules) == len(rows):
            ok("%s: %d rules for %d rows" % (pack, len(rules), len(rows)))
        else:
            bad("%s: %d rules for %d rows" % (pack, len(rules), len(rows)))
        wrong = 0
        for k, (row, rule) in enumerate(zip(rows, rules)):
            if (rule[1], rule[2], rule[3]) != row:
                bad("%s: rule %d (%s) is %r, the page's row is %r" % (pack, k + 1, rule[0], rule[1:], row))
                wrong += 1
        if not wrong:
            ok("%s: every rule's table title, row and note are its page row's, in order" % pack)
        tables = sorted(set(r[0] for r in rows), key=[r[0] for r in rows].index)
        for t in tables:
            n_page = sum(1 for r in rows if r[0] == t)
            n_pack = sum(1 for r in rules if r[1] == t)
            (ok if n_page == n_pack else bad)("%s: table \"%s\": %d rows, %d rules" % (pack, t, n_page, n_pack))
        for rid, title, row, _ in rules:
            if rid in seed_ids:
                s_title, s_row = seed_ids[rid]
                same = row.replace("/TCP/", "/") == s_row.replace("/TCP/", "/")
                (ok if same else bad)("%s: %s keeps the seed's id for the seed's row %s" % (pack, rid, s_row))
        if pack in ("lync2013-edge-nat.xml", "lync2013-edge-public.xml", "lync2013-edge-scaled-dns.xml"):
            ids = set(r[0] for r in rules)
            missing = [i for i, (t, row) in seed_ids.items() if row and i not in ids]
            (bad if missing else ok)("%s: every seed table row's id is used%s" %
                                     (pack, ": missing " + " ".join(missing) if missing else ""))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
