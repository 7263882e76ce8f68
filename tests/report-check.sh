#!/bin/sh
# report-check.sh: end-to-end checks of the XML, HTML and JSON reports and of the exit codes.
#
#   EDGEAUDIT_BIN=build/src/edgeaudit EA_SRCDIR=/path/to/source tests/report-check.sh
#
# Needs xmllint, xsltproc and python3. Ends with "N passed, N failed"; non-zero on failure.
top=${EA_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
bin=${EDGEAUDIT_BIN:-$top/src/edgeaudit}
out=${REPORT_OUT:-out/report-check}
schema=$top/reports/edgeaudit-report.rng
xsl=$top/reports/edgeaudit.xsl
site=$top/rules/examples/site-example.xml
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)

. "$top/tests/lib-tally.sh"
check() {   # check DESCRIPTION COMMAND...: passes when the command succeeds
    d=$1; shift
    if "$@" > "$out/last.log" 2>&1; then ok "$d"; else bad "$d"; head -n 8 "$out/last.log"; fi
}
ea() {      # runs edgeaudit from the source tree; exit code in $rc, stderr in $out/err
    (cd "$top" && "$bin" "$@") > "$out/stdout" 2> "$out/err"
    rc=$?
}
exit_is() { # exit_is WANT DESCRIPTION
    if [ "$rc" = "$1" ]; then ok "$2: exit $rc"; else bad "$2: exit $rc, expected $1"; head -n 5 "$out/err"; fi
}
one_line_error() {   # stderr has exactly one line naming $1
    n=$(grep -c "$1" "$out/err")
    [ "$n" -eq 1 ] && [ "$(wc -l < "$out/err")" -eq 1 ]
}
no_temp_left() {     # no report.tmpXXXXXX beside the reports in dir $1
    for f in "$1"/*.tmp*; do [ -e "$f" ] && return 1; done
    return 0
}

for tool in xmllint xsltproc python3; do
    if ! command -v $tool > /dev/null 2>&1; then
        echo "report-check: $tool is missing; run the set-up (setup.sh)"
        echo "0 passed, 1 failed"
        exit 1
    fi
done
if [ ! -x "$bin" ]; then
    echo "report-check: no binary at $bin"
    echo "0 passed, 1 failed"
    exit 1
fi

# Python helpers, written once.
cat > "$out/json-check.py" <<'EOF'
# Every line is one JSON object; flows first (as they finished), then rules, packs, the
# finding groups and one summary (report v2); names as in the XML.
import json, sys
flows = rules = groups = 0
seen_rule = seen_summary = False
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    o = json.loads(line)
    assert not seen_summary, "line %d: after the summary" % n
    if o["type"] == "flow":
        assert not seen_rule, "line %d: flow after a rule" % n
        for k in ("id", "client", "client-port", "server", "server-port", "transport", "vlan",
                  "verdict", "rules", "reason", "reason-code", "first", "last"):
            assert k in o, "line %d: no %s" % (n, k)
        assert isinstance(o["rules"], list) and isinstance(o["id"], int)
        flows += 1
    elif o["type"] == "rule":
        seen_rule = True
        for k in ("id", "status", "flows", "protocol", "ports", "evidence"):
            assert k in o, "line %d: no %s" % (n, k)
        rules += 1
    elif o["type"] == "pack":   # issue 14: one per rule pack, after the rules
        assert seen_rule or rules == 0, "line %d: pack before the rules" % n
        for k in ("name", "rules", "observed"):
            assert k in o, "line %d: no %s" % (n, k)
        assert 0 <= o["observed"] <= o["rules"], "line %d: observed > rules" % n
    elif o["type"] == "group":
        seen_rule = True
        for k in ("key", "verdict", "reason-code", "rules", "transport", "responder", "flows",
                  "initiators", "initiator-list", "examples", "filter", "first-frame"):
            assert k in o, "line %d: no %s" % (n, k)
        assert ("port" in o) != (o.get("scan") == "yes"), "line %d: port or scan" % n
        groups += 1
    elif o["type"] == "summary":
        seen_summary = True
        assert o["groups"] == groups, "line %d: %d groups, %d group lines" % (n, o["groups"], groups)
        assert o["flows"] == flows, "line %d: %d flows, %d flow lines" % (n, o["flows"], flows)
    else:
        raise SystemExit("line %d: unknown type %r" % (n, o["type"]))
assert seen_summary, "no summary line"
print(flows, rules)
EOF
cat > "$out/html-check.py" <<'EOF'
# No executable markup: no script element, no on* handler attribute, no javascript: URL,
# no element from a packet (img); the CSP meta is there; hostile text survives as text.
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.bad, self.csp, self.text = [], False, []
    def handle_starttag(self, tag, attrs):
        if tag in ("script", "img", "iframe", "object", "embed", "base", "link"):
            self.bad.append("element <%s>" % tag)
        for k, v in attrs:
            if k.lower().startswith("on"):
                self.bad.append("attribute %s on <%s>" % (k, tag))
            if v and v.strip().lower().startswith("javascript:"):
                self.bad.append("javascript: URL in %s" % k)
        if tag == "meta" and dict(attrs).get("http-equiv", "").lower() == "content-security-policy":
            self.csp = dict(attrs).get("content") == "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    def handle_data(self, d):
        self.text.append(d)
p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
text = "".join(p.text)
errs = list(p.bad)
if not p.csp:
    errs.append("no Content-Security-Policy meta")
for want in sys.argv[2:]:
    if want not in text:
        errs.append("text %r missing" % want)
if errs:
    raise SystemExit("; ".join(errs))
EOF

# 1. All three reports from several captures, the hostile one included.
ea -r captures/own/hostile.pcap -r captures/own/mtls12.pcap -r captures/own/turn.pcap \
   -r captures/own/xmpp-s2s.pcap --site "$site" --deterministic --quiet \
   --xml "$out/all.xml" --html "$out/all.html" --json "$out/all.json"
exit_is 1 "three reports with findings"
check "all.xml is well-formed" xmllint --noout "$out/all.xml"
check "all.xml validates against the schema" xmllint --noout --relaxng "$schema" "$out/all.xml"
check "all.html has the CSP, no script, no handler, hostile strings as text" \
    python3 "$out/html-check.py" "$out/all.html" "<script>alert(1)</script>" "FINDINGS"
check "all.html has no '<script' anywhere" sh -c "! grep -qi '<script' '$out/all.html'"
check "xsltproc re-renders the saved XML to the same HTML" \
    sh -c "xsltproc '$xsl' '$out/all.xml' > '$out/all.xsltproc.html' && cmp '$out/all.html' '$out/all.xsltproc.html'"
# The flow table is rendered 1,000 flows at a time (report-html.c): the 2,613 flows of a bulk
# capture in three chunks give the bytes of one pass, and every flow has its row once, in order.
python3 "$top/captures/make-scan.py" bulk "$out/chunks.pcap" 2500 100 > /dev/null 2>&1
ea -r "$out/chunks.pcap" --list-flows all --deterministic --quiet --xml "$out/chunks.xml" --html "$out/chunks.html"
check "a flow table of over 2,000 flows in chunks is the HTML of one xsltproc pass" \
    sh -c "xsltproc '$xsl' '$out/chunks.xml' > '$out/chunks.xsltproc.html' && cmp '$out/chunks.html' '$out/chunks.xsltproc.html'"
check "its rows are the flows 1..N of 'All flows (N)', each once, N over 2,000" python3 -c "
import re, sys
h = open(sys.argv[1]).read()
n = int(re.search(r'All flows \(([0-9]+)\)', h).group(1))
ids = [int(i) for i in re.findall(r'<tr class=\"v-[a-z-]+\" id=\"flow-([0-9]+)\"', h)]
assert n > 2000 and ids == list(range(1, n + 1)), (n, len(ids), ids[:3], ids[-3:])" "$out/chunks.html"
# A stylesheet without the rows' marker (an older edgeaudit.xsl) cannot drop rows silently.
mkdir -p "$out/oldxsl/reports" && cp -r "$top/rules" "$out/oldxsl/" &&
    sed 's|<xsl:comment>edgeaudit-flow-rows</xsl:comment>||' "$xsl" > "$out/oldxsl/reports/edgeaudit.xsl"
cp "$top/reports/edgeaudit-report.rng" "$out/oldxsl/reports/" 2> /dev/null
rm -f "$out/nomark.html"
ea -r "$out/chunks.pcap" --list-flows all --datadir "$out/oldxsl" --quiet --html "$out/nomark.html"
exit_is 3 "a stylesheet without the flow rows' marker"
check "... said in one line, and no HTML left behind" \
    sh -c "one_line_error() { [ \$(grep -c 'no place for the flow rows' '$out/err') -eq 1 ] && [ \$(wc -l < '$out/err') -eq 1 ]; }; one_line_error && [ ! -e '$out/nomark.html' ] && ! ls '$out'/nomark.html.tmp* 2> /dev/null"
check "all.json: every line parses" python3 "$out/json-check.py" "$out/all.json"
nflows=$(xmllint --xpath 'string(//flows/@total)' "$out/all.xml")
nrules=$(xmllint --xpath 'count(//rules/rule)' "$out/all.xml")
check "all.json has one line per flow ($nflows) and per rule ($nrules)" \
    sh -c "python3 '$out/json-check.py' '$out/all.json' | grep -qx '$nflows $nrules'"
check "all.json keeps the hostile SNI byte for byte" python3 -c "
import json, sys
sn = [json.loads(l).get('sni') for l in open(sys.argv[1])]
assert '<script>alert(1)</script>' in sn, sn" "$out/all.json"
check "the JSON flows agree with the XML's listed flows (id, verdict, reason-code)" python3 -c "
import json, sys, xml.etree.ElementTree as ET
x = [(f.get('id'), f.get('verdict'), f.get('reason-code'), f.get('rules')) for f in ET.parse(sys.argv[1]).iter('flow')]
j = sorted(((str(o['id']), o['verdict'], o['reason-code'], ' '.join(o['rules'])) for o in map(json.loads, open(sys.argv[2])) if o['type'] == 'flow'), key=lambda t: int(t[0]))
listed = set(t[0] for t in x)
assert x == [t for t in j if t[0] in listed] and len(x) > 0, (x, j)" "$out/all.xml" "$out/all.json"
check "the JSON groups are the XML's groups (key, flows, examples)" python3 -c "
import json, sys, xml.etree.ElementTree as ET
x = [(g.get('key'), int(g.get('flows')), [int(e.get('flow')) for e in g.iter('example')]) for g in ET.parse(sys.argv[1]).iter('group')]
j = [(o['key'], o['flows'], [e['flow'] for e in o['examples']]) for o in map(json.loads, open(sys.argv[2])) if o['type'] == 'group']
assert x == j and len(x) > 0, (x, j)" "$out/all.xml" "$out/all.json"
check "every finding flow listed in the XML names a group with an example or evidence of it" python3 -c "
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
keys = set(g.get('key') for g in r.iter('group'))
named = set(e.get('flow') for e in r.iter('example'))
for ev in r.iter('evidence'):
    named |= set(ev.get('flows').split())
for f in r.find('flows'):
    assert f.get('id') in named, f.get('id')
    if f.get('verdict') in ('unexpected', 'blocked', 'unverified'):
        assert f.get('group') in keys, f.attrib" "$out/all.xml"
check "no temporary file left beside the reports" no_temp_left "$out"

# 2. The hostile capture alone: escaped everywhere, valid, and the XMPP to= with invalid UTF-8 survives.
ea -r captures/own/hostile.pcap --site "$site" --deterministic --quiet \
   --xml "$out/hostile.xml" --html "$out/hostile.html" --json "$out/hostile.json"
exit_is 1 "hostile capture"
check "hostile.xml is well-formed" xmllint --noout "$out/hostile.xml"
check "hostile.xml validates" xmllint --noout --relaxng "$schema" "$out/hostile.xml"
check "hostile.xml keeps the SNI as escaped text" \
    sh -c "test \"\$(xmllint --xpath 'string(//flow/@sni)' '$out/hostile.xml')\" = '<script>alert(1)</script>'"
check "hostile.html has no executable injection" python3 "$out/html-check.py" "$out/hostile.html" "<script>alert(1)</script>"
check "hostile.html: xmllint --html finds no script, img or on* attribute" sh -c "
    test \"\$(xmllint --html --xpath 'count(//script | //img | //@*[starts-with(name(), \"on\")])' '$out/hostile.html' 2>/dev/null)\" = 0"
check "hostile.json: every line parses" python3 "$out/json-check.py" "$out/hostile.json"

# 3. A compliant run: one rule of our own that the capture satisfies.
ea -r captures/own/mtls12.pcap --rules tests/data/report-compliant-rules.xml \
   --role edge-access=192.0.2.10 --role federated-partner=203.0.113.20 \
   --deterministic --quiet --xml "$out/ok.xml" --html "$out/ok.html" --json "$out/ok.json"
exit_is 0 "compliant run"
check "ok.xml validates" xmllint --noout --relaxng "$schema" "$out/ok.xml"
check "ok.xml says compliant" sh -c "test \"\$(xmllint --xpath 'string(/edgeaudit-report/summary/@result)' '$out/ok.xml')\" = compliant"
check "ok.html shows COMPLIANT" python3 "$out/html-check.py" "$out/ok.html" "COMPLIANT" "test-sipfed-in"
check "ok.json: every line parses" python3 "$out/json-check.py" "$out/ok.json"

# 3b. A capture cut mid-record: exit 2, yet the reports are written, valid and say partial.
head -c 1000 "$top/captures/own/hostile.pcap" > "$out/cut.pcap"
ea -r "$out/cut.pcap" --site "$site" --deterministic --quiet --xml "$out/cut.xml" --html "$out/cut.html" --json "$out/cut.json"
exit_is 2 "capture cut mid-record"
check "cut.xml validates" xmllint --noout --relaxng "$schema" "$out/cut.xml"
check "cut.xml says partial and names the error" sh -c "
    test \"\$(xmllint --xpath 'string(/edgeaudit-report/capture/@partial)' '$out/cut.xml')\" = true &&
    xmllint --xpath 'string(/edgeaudit-report/capture/error)' '$out/cut.xml' | grep -q 'cut.pcap'"
check "cut.html warns of partial input" python3 "$out/html-check.py" "$out/cut.html" "Partial input"
check "cut.json: every line parses" python3 "$out/json-check.py" "$out/cut.json"

ea -r "$out/cut.pcap" --site "$site" --deterministic
check "the summary of a cut capture says PARTIAL, not compliant" sh -c "
    head -n 1 '$out/stdout' | grep -q '^edgeaudit: PARTIAL: the input ended in an error' &&
    ! grep -q '^edgeaudit: compliant' '$out/stdout'"

# 3b2. No role has addresses: one warning that nothing is audited, not one per rule.
ea -r captures/own/turn.pcap --deterministic
check "no roles: a single warning says nothing is audited" sh -c "
    test \$(grep -c 'warning' '$out/err') = 1 && grep -q 'no role has addresses.*nothing is audited' '$out/err'"
ea -r captures/own/turn.pcap --deterministic --role edge-access=192.0.2.10
check "one role: one warning per unconfigured rule, as before" sh -c "
    test \$(grep -c 'warning: rule .* is unconfigured' '$out/err') -gt 1"

# 3c. A capture with no packets at all: no window, no flows, still valid.
printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\001\000\000\000' > "$out/empty.pcap"
ea -r "$out/empty.pcap" --site "$site" --deterministic --quiet --xml "$out/empty.xml" --html "$out/empty.html" --json "$out/empty.json"
check "empty capture: reports written" test -s "$out/empty.xml" -a -s "$out/empty.html" -a -s "$out/empty.json"
check "empty.xml validates" xmllint --noout --relaxng "$schema" "$out/empty.xml"
check "empty.html renders without a timeline" python3 "$out/html-check.py" "$out/empty.html" "No packets, no timeline."
check "empty.json has only rule lines, the pack line and the summary" python3 -c "
import json, sys
types = [json.loads(l)['type'] for l in open(sys.argv[1])]
assert set(types) == {'rule', 'pack', 'summary'} and types[-1] == 'summary' and types.count('pack') == 1, types" "$out/empty.json"

# 3d. Issue 14: a pack's report groups the matrix as its page does (page heading, then the
# page's tables in the page's order, each holding its rows), names the pack and its page,
# says "observed N of M rules", and names the NAT address each edge flow used.
ea -r captures/own/matrix.pcap --pack edge-nat --site rules/examples/site-nat.xml --deterministic --quiet \
    --xml "$out/nat.xml" --html "$out/nat.html" --json "$out/nat.json"
check "pack edge-nat: exit 1 (findings)" test "$rc" = 1
check "nat.xml validates" xmllint --noout --relaxng "$schema" "$out/nat.xml"
check "nat.json: every line parses" python3 "$out/json-check.py" "$out/nat.json"
check "nat.html: the matrix is the page's, table by table, in the page's order" python3 - "$out/nat.html" "$top/rules/lync2013-edge-nat.xml" <<'PY'
import re, sys, html, xml.etree.ElementTree as ET
page = open(sys.argv[1], encoding="utf-8").read()
pack = ET.parse(sys.argv[2]).getroot()
matrix = page[page.index('<section id="matrix">'):page.index('<section id="findings">')]
h3 = [html.unescape(re.sub("<[^>]+>", "", x)) for x in re.findall(r'<h3 class="page">(.*?)</h3>', matrix)]
assert h3 == [pack.find("document").get("title")], h3
titles = []
for r in pack.findall("rule"):
    t = r.find("table").get("title")
    if t not in titles:
        titles.append(t)
parts = re.split(r"<h4>(.*?)</h4>", matrix)[1:]
got = [html.unescape(t) for t in parts[0::2]]
assert got == titles, got
for t, body in zip(got, parts[1::2]):
    ids = re.findall(r'<tr class="s-[a-z-]+" id="rule-([a-z0-9-]+)">', body)
    want = [r.get("id") for r in pack.findall("rule") if r.find("table").get("title") == t]
    assert ids == want, (t, ids, want)
assert re.search(r"observed <b>18</b>\s+of 37 rules", matrix), "no 'observed 18 of 37 rules'"
assert 'Observed <b>18</b> of 37 rules (lync2013-edge-nat: 18 of 37).' in page
flows = page[page.index('<section id="flows">'):]
assert flows.count("via the private (NAT) address") == 19, flows.count("via the private (NAT) address")
assert "via the public (NAT) address" not in page
PY

# 4. Without --deterministic the report carries its creation time and host, still valid.
ea -r captures/own/turn.pcap --site "$site" --quiet --xml "$out/timed.xml"
check "a timed report validates" xmllint --noout --relaxng "$schema" "$out/timed.xml"
check "a timed report has created=" sh -c "xmllint --xpath 'string(/edgeaudit-report/@created)' '$out/timed.xml' | grep -Eq '^[0-9]{4}-'"

# 5. Exit code 2: bad option, missing capture, bad rules file.
ea --no-such-option -r captures/own/turn.pcap
exit_is 2 "unknown option"
ea -r captures/own/no-such-file.pcap --quiet
exit_is 2 "missing capture"
ea -r captures/own/turn.pcap --rules tests/data/report-bad-rules.xml --quiet
exit_is 2 "rules file that fails rules.rng"
check "bad rules: one line naming the file" one_line_error "report-bad-rules.xml"
ea -i no-such-iface0 -B 4194304 -Z nobody --quiet
exit_is 2 "a capture buffer too large for libpcap's int"
check "-B too large: one line naming the option" one_line_error "buffer-size"
ea -r captures/own/turn.pcap --threads 2 -i lo --quiet
exit_is 2 "-r with -i"
ea -r captures/own/turn.pcap --settle 3 --quiet
exit_is 2 "a live-only option (--settle) when reading a file"

# 6. Exit code 3: the report cannot be written; one line naming the path, no temporary file.
ea -r captures/own/turn.pcap --site "$site" --quiet --xml "$out/no-such-dir/r.xml"
exit_is 3 "XML into a missing directory"
check "XML error: one line naming the path" one_line_error "no-such-dir/r.xml"
ea -r captures/own/turn.pcap --site "$site" --quiet --html "$out/no-such-dir/r.html"
exit_is 3 "HTML into a missing directory"
check "HTML error: one line naming the path" one_line_error "no-such-dir/r.html"
ea -r captures/own/turn.pcap --site "$site" --quiet --json "$out/no-such-dir/r.json"
exit_is 3 "JSON into a missing directory"
check "JSON error: one line naming the path" one_line_error "no-such-dir/r.json"
# A directory where the report should be: the rename fails after the temporary file was written.
mkdir -p "$out/isdir/r.xml" "$out/isdir/r.json"
ea -r captures/own/turn.pcap --site "$site" --quiet --xml "$out/isdir/r.xml" --json "$out/isdir/r.json"
exit_is 3 "reports onto directories"
check "rename failure leaves no temporary file" no_temp_left "$out/isdir"
if [ "$(id -u)" != 0 ]; then
    mkdir -p "$out/ro" && chmod 555 "$out/ro"
    ea -r captures/own/turn.pcap --site "$site" --quiet --xml "$out/ro/r.xml"
    exit_is 3 "XML into a read-only directory"
    chmod 755 "$out/ro"
fi
# A report of an earlier run is replaced whole, never left half-written.
ea -r captures/own/turn.pcap --site "$site" --deterministic --quiet --xml "$out/ok.xml"
check "an existing report is replaced by a valid one" xmllint --noout --relaxng "$schema" "$out/ok.xml"

# 7. The schema is tight: reports that drift fail validation.
drift() {   # drift DESCRIPTION SED-EXPRESSION: the edited report must NOT validate
    sed "$2" "$out/all.xml" > "$out/drift.xml"
    if cmp -s "$out/all.xml" "$out/drift.xml"; then
        bad "schema drift '$1': the edit changed nothing"
    elif xmllint --noout --relaxng "$schema" "$out/drift.xml" > /dev/null 2>&1; then
        bad "schema drift '$1' still validates"
    else
        ok "schema rejects drift: $1"
    fi
}
drift "unknown verdict" '0,/verdict="allowed"/s//verdict="fine"/'
drift "unknown rule status" '0,/status="observed"/s//status="seen"/'
drift "unknown reason-code" '0,/reason-code="[a-z-]*"/s//reason-code="because"/'
drift "bad time" '0,/first="\([0-9-]*\)T/s//first="\1 /'
drift "negative count" 's/packets="\([0-9]*\)"/packets="-\1"/'
drift "unknown mtls value" '0,/mtls="[a-z]*"/s//mtls="maybe"/'
drift "unknown attribute" 's/<summary /<summary colour="red" /'
drift "missing attribute" '0,/ reason-code="[a-z-]*"/s///'
drift "renamed element" 's/<counters /<counter /'
drift "summary verdicts out of order" '/<verdict name="allowed"/d'

# 8. The stylesheet renders the committed example without the binary's help.
for ex in "$top"/reports/examples/*.xml; do
    [ -f "$ex" ] || continue
    n=$(basename "$ex" .xml)
    check "example $n.xml validates" xmllint --noout --relaxng "$schema" "$ex"
    check "example $n.xml renders with xsltproc" sh -c "xsltproc '$xsl' '$ex' > '$out/example-$n.html'"
    check "example $n.html is clean" python3 "$out/html-check.py" "$out/example-$n.html"
done

# 9. The committed examples are what this binary writes now (`make examples` refreshes them).
if sh "$top/reports/examples/make-examples.sh" "$bin" "$out/examples" > "$out/last.log" 2>&1; then
    for f in "$out"/examples/*; do
        n=$(basename "$f")
        if cmp -s "$f" "$top/reports/examples/$n"; then ok "example $n is current"
        else bad "example $n is stale: run make examples and review the diff"; fi
    done
else
    bad "make-examples.sh failed"; head -n 5 "$out/last.log"
fi

tally_end
