#!/bin/sh
# merge-check.sh: `edgeaudit merge` of XML reports: identity, invariants of a real merge, errors.
#
#   EDGEAUDIT_BIN=build/src/edgeaudit EA_SRCDIR=/path/to/source tests/merge-check.sh
#
# Makes its reports from the regression captures, then checks: merging one
# report gives it back byte for byte; merging two (and a report with itself)
# gives a schema-valid report whose flows are the inputs' flows renumbered by
# first time, whose rule counters are sums and statuses the best of the
# inputs (observed > blocked > not-observed > unconfigured), whose evidence
# points at the same flows, and whose summary and exit code follow; crafted
# reports (evidence listing thousands of ids, ids up to 2^64-1, a live report
# whose findings are no longer listed, a DOCTYPE, a failed node copy) are
# merged safely; usage, input and write errors give exit 2 and 3. Version 2
# reports (finding groups; tests/data/merge-v2-*.xml and the program's own
# once it writes them) are checked by tests/merge-v2-check.py: groups of one
# key add up, examples are the K earliest, the result is byte-identical
# whatever the order of the inputs, and memory does not grow with the flows
# a report lists. Needs xmllint, python3 and a C compiler (an LD_PRELOAD stub).
# Ends with "N passed, N failed"; non-zero on failure.
top=${EA_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
bin=${EDGEAUDIT_BIN:-$top/src/edgeaudit}
out=${MERGE_OUT:-out/merge-check}
schema=$top/reports/edgeaudit-report.rng
site=rules/examples/site-example.xml
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)

. "$top/tests/lib-tally.sh"

# Report v2: every flow listed (--list-flows all), so that the invariants below can count the
# merged flows one by one.
report() {   # report NAME CAPTURE [OPTIONS...]: an input report
    name=$1; cap=$2; shift 2
    (cd "$top" && timeout 60 "$bin" -r "$cap" --deterministic --quiet --list-flows all \
        --xml "$out/$name.xml" "$@") \
        > /dev/null 2>&1
    echo $? > "$out/$name.rc"
}
report matrix captures/own/matrix.pcap --site "$site"
report partial captures/own/matrix-partial.pcap --site "$site"
report sip captures/own/sip-udp.pcap --site "$site"
report turn captures/own/turn.pcap --site "$site"
report real-sip captures/real/sip.pcap
report extra captures/own/sip-udp.pcap --site "$site" --rules rules/lync2013-edge.xml \
    --rules rules/examples/site-extra-rules.xml

version() { sed -n 's/.*<edgeaudit-report version="\([0-9]*\)".*/\1/p' "$1" | head -n 1; }

# One report merged alone comes back unchanged, exit code included (version 2: its listed flows
# are renumbered 1..M, so merging the result again gives it back).
for r in matrix partial sip turn real-sip extra; do
    (cd "$top" && "$bin" merge --deterministic --quiet --xml "$out/$r.alone.xml" "$out/$r.xml")
    rc=$?
    want=$out/$r.xml
    if [ "$(version "$want")" = 2 ]; then
        (cd "$top" && "$bin" merge --deterministic --quiet --xml "$out/$r.again.xml" "$out/$r.alone.xml")
        want=$out/$r.again.xml
    fi
    if cmp -s "$want" "$out/$r.alone.xml" && [ "$rc" = "$(cat "$out/$r.rc")" ]; then
        ok "merge of $r alone gives it back (exit $rc, version $(version "$want"))"
    else
        bad "merge of $r alone differs (exit $rc, the run's $(cat "$out/$r.rc"))"
        diff "$want" "$out/$r.alone.xml" | head -n 5
    fi
done

# check OUT RC INPUT...: invariants of a merged report against its inputs.
check() {
    o=$1; rc=$2; shift 2
    if xmllint --noout --relaxng "$schema" "$o" > "$out/lint.log" 2>&1; then
        ok "$(basename "$o"): valid against the report schema"
    else
        bad "$(basename "$o"): not valid"; head -n 3 "$out/lint.log"
    fi
    if [ "$(version "$o")" = 2 ]; then
        if python3 "$top/tests/merge-v2-check.py" "$o" "$rc" "$@" > "$out/py.log" 2>&1; then
            ok "$(basename "$o"): groups, examples, flows, rules, summary and exit code follow from the inputs"
        else
            bad "$(basename "$o"): version 2 invariants"; tail -n 3 "$out/py.log"
        fi
        return
    fi
    if python3 - "$o" "$rc" "$@" > "$out/py.log" 2>&1 <<'PY'
import sys
import xml.etree.ElementTree as ET
merged, rc, inputs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
m = ET.parse(merged).getroot()
ins = [ET.parse(p).getroot() for p in inputs]
def key(f):   # a flow without its id: what must survive the merge
    return tuple(sorted((k, v) for k, v in f.attrib.items() if k != 'id')) + \
        tuple(ET.tostring(c) for c in f)
mflows = m.find('flows').findall('flow')
assert [int(f.get('id')) for f in mflows] == list(range(1, len(mflows) + 1)), 'ids not 1..n'
firsts = [f.get('first') for f in mflows]
assert firsts == sorted(firsts), 'flows not in order of first time'
want = sorted(key(f) for r in ins for f in r.find('flows').findall('flow'))
assert sorted(key(f) for f in mflows) == want, 'flows are not the union of the inputs'
# where each input flow went (equal flows map in order, which is enough for evidence)
newid = {}
pool = {}
for f in mflows:
    pool.setdefault(key(f), []).append(int(f.get('id')))
for i, r in enumerate(ins):
    for f in r.find('flows').findall('flow'):
        newid[(i, int(f.get('id')))] = pool[key(f)].pop(0)
rank = {'unconfigured': 0, 'not-observed': 1, 'blocked': 2, 'observed': 3}
statuses = {}
for j, rule in enumerate(m.find('rules').findall('rule')):
    src = [r.find('rules').findall('rule')[j] for r in ins]
    assert all(s.get('id') == rule.get('id') for s in src)
    best = max((s.get('status') for s in src), key=lambda s: rank[s])
    assert rule.get('status') == best, 'status of %s' % rule.get('id')
    statuses[best] = statuses.get(best, 0) + 1
    for a in ('flows', 'bytes', 'allowed', 'unverified', 'blocked', 'violations'):
        assert int(rule.get(a)) == sum(int(s.get(a)) for s in src), '%s of %s' % (a, rule.get('id'))
    fs = [s.get('first') for s in src if s.get('first')]
    assert rule.get('first') == (min(fs) if fs else None), 'first of %s' % rule.get('id')
    ev = rule.find('evidence')
    ids = sorted(newid[(i, int(x))] for i, s in enumerate(src)   # a live report's may be unlisted
                 for x in s.find('evidence').get('flows').split() if (i, int(x)) in newid)[:256]
    assert [int(x) for x in ev.get('flows').split()] == ids, 'evidence of %s' % rule.get('id')
    assert int(ev.get('listed')) == len(ids)
# verdicts and blocked-required: sums of the inputs' summaries, which count the flows
# listed when no input dropped some from its listing (live mode)
s = m.find('summary')
verd = {v.get('name'): int(v.get('count')) for v in s.findall('verdict')}
dropped = any(r.find('capture').find('counters').get('flows-dropped') for r in ins)
for name, n in verd.items():
    assert n == sum(int(v.get('count')) for r in ins for v in r.find('summary').findall('verdict')
                    if v.get('name') == name), 'verdict count ' + name
    assert dropped or n == sum(1 for f in mflows if f.get('verdict') == name), 'verdict count ' + name
for st in s.findall('status'):
    assert int(st.get('count')) == statuses.get(st.get('name'), 0), 'status count'
br = sum(int(r.find('summary').get('blocked-required')) for r in ins)
assert int(s.get('blocked-required')) == br
assert dropped or br == sum(1 for f in mflows if f.get('blocked') == 'required')
findings = verd['unexpected'] > 0 or br > 0 or statuses.get('blocked', 0) > 0 or \
    statuses.get('not-observed', 0) > 0
assert s.get('result') == ('findings' if findings else 'compliant')
assert rc == (1 if findings else 0), 'exit code %d' % rc
c = m.find('capture')
for a in ('packets', 'bytes'):
    assert int(c.get(a)) == sum(int(r.find('capture').get(a)) for r in ins), a
assert sorted(x.get('name') for x in c.findall('source')) == \
    sorted(x.get('name') for r in ins for x in r.find('capture').findall('source'))
assert int(c.find('counters').get('flows')) == sum(int(r.find('capture').find('counters').get('flows'))
                                                   for r in ins)
assert dropped or int(c.find('counters').get('flows')) == len(mflows)
nd = sum(int(r.find('capture').find('counters').get('flows-dropped') or 0) for r in ins)
assert int(c.find('counters').get('flows-dropped') or 0) == nd, 'flows-dropped'
PY
    then
        ok "$(basename "$o"): flows, rules, evidence, summary and exit code follow from the inputs"
    else
        bad "$(basename "$o"): invariants"; tail -n 3 "$out/py.log"
    fi
}

merge() {    # merge NAME INPUT...
    name=$1; shift
    (cd "$top" && "$bin" merge --deterministic --quiet --xml "$out/$name.xml" "$@")
    echo $? > "$out/$name.rc"
    check "$out/$name.xml" "$(cat "$out/$name.rc")" "$@"
}
merge m-two "$out/matrix.xml" "$out/partial.xml"
merge m-three "$out/sip.xml" "$out/turn.xml" "$out/partial.xml"
merge m-self "$out/matrix.xml" "$out/matrix.xml"

# craft IN OUT PYTHON: OUT is report IN after the python statements run on r (its root element).
craft() {
    python3 - "$1" "$2" "$3" <<'PY'
import sys
import xml.etree.ElementTree as ET
t = ET.parse(sys.argv[1])
r = t.getroot()
exec(sys.argv[3])
t.write(sys.argv[2], encoding='UTF-8', xml_declaration=True)
PY
}

# A rule whose evidence lists far more ids than a report can (once each by the rules) stays bounded.
craft "$out/matrix.xml" "$out/big-ev.xml" "
e = r.find('rules').find('rule').find('evidence')
e.set('flows', ' '.join(['1'] * 5000 + [str(i) for i in range(1, 23)] * 100))"
(cd "$top" && "$bin" merge --deterministic --quiet --xml "$out/m-big-ev.xml" "$out/big-ev.xml" "$out/big-ev.xml") \
    > "$out/err" 2>&1
rc=$?
if [ "$rc" = 1 ] && xmllint --noout --relaxng "$schema" "$out/m-big-ev.xml" > /dev/null 2>&1 &&
   python3 - "$out/m-big-ev.xml" <<'PY'
import sys
import xml.etree.ElementTree as ET
e = ET.parse(sys.argv[1]).getroot().find('rules').find('rule').find('evidence')
ids = [int(x) for x in e.get('flows').split()]
assert ids == sorted(set(ids)) and 0 < len(ids) <= 256 and int(e.get('listed')) == len(ids)
PY
then
    ok "evidence listing 7200 ids: merged evidence bounded, sorted, each id once (exit $rc)"
else
    bad "evidence listing 7200 ids: exit $rc"; head -n 3 "$out/err"
fi

# Flow ids of a long live run (up to the largest 64-bit id) map like small ones, in little memory.
craft "$out/matrix.xml" "$out/big-id.xml" "
big = {'18': '1000000000000', '14': '18446744073709551615'}
for f in r.find('flows').findall('flow'):
    f.set('id', big.get(f.get('id'), f.get('id')))
for e in r.iter('evidence'):
    e.set('flows', ' '.join(big.get(x, x) for x in e.get('flows').split()))"
(cd "$top" && timeout 60 "$bin" merge --deterministic --quiet --xml "$out/m-big-id.xml" \
    "$out/big-id.xml" "$out/matrix.xml")
echo $? > "$out/m-big-id.rc"
check "$out/m-big-id.xml" "$(cat "$out/m-big-id.rc")" "$out/big-id.xml" "$out/matrix.xml"

# A live report listing only its last flows (capture/counters/@flows-dropped) keeps the findings
# its summary counts: the merged summary sums the inputs' summaries, it does not recount the listing.
craft "$out/matrix.xml" "$out/live.xml" "
fl = r.find('flows')
gone = [f for f in fl.findall('flow') if f.get('verdict') not in ('allowed', 'out-of-scope')]
for f in gone:
    fl.remove(f)
r.find('capture').find('counters').set('flows-dropped', str(len(gone)))"
(cd "$top" && "$bin" merge --deterministic --quiet --xml "$out/m-live-alone.xml" "$out/live.xml")
rc=$?
if [ "$rc" = 1 ] && grep -q '<summary result="findings" blocked-required="2" ' "$out/m-live-alone.xml" &&
   grep -q '<verdict name="unexpected" count="7"/>' "$out/m-live-alone.xml"; then
    ok "live report with unlisted findings merged alone: findings (exit $rc)"
else
    bad "live report with unlisted findings merged alone: exit $rc"
fi
merge m-live "$out/live.xml" "$out/live.xml"
# flows-dropped only on the second input is kept (summed onto nothing)
merge m-live-second "$out/sip.xml" "$out/live.xml"

# A buffer that cannot be had (xmlBufferCreate returns NULL, as on out-of-memory) after the whole
# merge is built: exit 2 and no leak (LeakSanitizer in a sanitizer build, else valgrind when installed).
printf 'void *xmlBufferCreate(void) { return 0; }\n' > "$out/nobuf.c"
if ${CC:-cc} -shared -fPIC -o "$out/nobuf.so" "$out/nobuf.c" 2> "$out/err"; then
    run=""
    if ldd "$bin" 2> /dev/null | grep -q libasan; then
        leak="LeakSanitizer"
    elif command -v valgrind > /dev/null; then
        leak="valgrind"
        run="valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99"
    else
        leak="no leak check (neither a sanitizer build nor valgrind)"
    fi
    for pair in "$out/matrix.xml $out/sip.xml" "$top/tests/data/merge-v2-matrix.xml $top/tests/data/merge-v2-sip-udp.xml"; do
        (cd "$top" && ASAN_OPTIONS=verify_asan_link_order=0 LD_PRELOAD="$out/nobuf.so" \
            timeout 300 $run "$bin" merge --deterministic --quiet --xml "$out/x.xml" $pair) > "$out/err" 2>&1
        rc=$?
        if [ "$rc" = 2 ] && grep -q 'out of memory' "$out/err" && ! grep -q 'leak\|lost' "$out/err"; then
            ok "no buffer for the merged report: exit 2, nothing leaked ($leak)"
        else
            bad "no buffer for the merged report: exit $rc ($leak)"; head -n 5 "$out/err"
        fi
    done
else
    bad "no buffer: cannot build the LD_PRELOAD stub"; head -n 3 "$out/err"
fi

# The HTML report renders from the merged XML.
(cd "$top" && "$bin" merge --deterministic --quiet --html "$out/m.html" "$out/matrix.xml" "$out/partial.xml")
rc=$?
if [ "$rc" = 1 ] && grep -q '</html>' "$out/m.html"; then ok "merge --html writes the HTML report"; else bad "merge --html: exit $rc"; fi

# Errors.
expect_rc() {   # expect_rc WANT DESCRIPTION ARGS...
    want=$1; d=$2; shift 2
    (cd "$top" && "$bin" merge "$@") > /dev/null 2> "$out/err"
    rc=$?
    if [ "$rc" = "$want" ]; then ok "$d: exit $rc"; else bad "$d: exit $rc, expected $want"; cat "$out/err"; fi
}
expect_rc 2 "no report" --xml "$out/x.xml"
expect_rc 2 "no output" "$out/matrix.xml"
expect_rc 2 "other rules" --xml "$out/x.xml" "$out/sip.xml" "$out/extra.xml"
expect_rc 2 "not XML" --xml "$out/x.xml" "$out/matrix.xml" "$top/README.md"
echo '<edgeaudit-report version="1"/>' > "$out/bad.xml"
expect_rc 2 "not a valid report" --xml "$out/x.xml" "$out/bad.xml"
expect_rc 2 "unknown option" --bogus "$out/matrix.xml"

# A DOCTYPE is refused before any entity is expanded (a billion laughs, an external DTD), in one line.
sed -e '1a\
<!DOCTYPE edgeaudit-report [ <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">\
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"> <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">\
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"> <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">\
<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"> ]>' \
    -e 's|<source name="[^"]*"/>|<source name="\&f;"/>|' "$out/matrix.xml" > "$out/laughs.xml"
sed -e '1a\
<!DOCTYPE edgeaudit-report SYSTEM "http://127.0.0.1:9/edgeaudit-report.dtd">' "$out/matrix.xml" > "$out/dtd.xml"
for x in laughs dtd; do
    expect_rc 2 "report with a DOCTYPE ($x)" --xml "$out/x.xml" "$out/matrix.xml" "$out/$x.xml"
    if [ "$(wc -l < "$out/err")" = 1 ] && grep -q "$x.xml:2: DOCTYPE declarations are not allowed" "$out/err"; then
        ok "report with a DOCTYPE ($x): one line naming the file"
    else
        bad "report with a DOCTYPE ($x): message"; head -n 3 "$out/err"
    fi
done
expect_rc 2 "not XML, again" --xml "$out/x.xml" "$top/README.md"
if [ "$(wc -l < "$out/err")" = 1 ]; then ok "not XML: one line, libxml2's own errors quiet"; else bad "not XML: $(wc -l < "$out/err") lines"; fi
expect_rc 3 "output directory missing" --xml "$out/no/such/dir/x.xml" "$out/matrix.xml"

# Issue 14: "observed N of M rules" in the summary and per pack follows the merged statuses
# (matrix.xml observes more rules than partial.xml; their merge observes what either does).
for m in m-two m-three m-self; do
    if python3 - "$out/$m.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
rules = r.find("rules").findall("rule")
obs = sum(1 for x in rules if x.get("status") == "observed")
s = r.find("summary")
assert (int(s.get("observed")), int(s.get("rules"))) == (obs, len(rules)), (s.attrib, obs, len(rules))
for p in r.find("rules").findall("pack"):
    mine = [x for x in rules if x.get("pack") == p.get("name")]
    assert int(p.get("rules")) == len(mine), p.attrib
    assert int(p.get("observed")) == sum(1 for x in mine if x.get("status") == "observed"), p.attrib
PY
    then ok "$m.xml: observed N of M rules, in the summary and per pack, from the merged statuses"
    else bad "$m.xml: observed counts do not follow the merged statuses"; fi
done
if ! python3 -c "
import sys, xml.etree.ElementTree as ET
a, b = (ET.parse(f).getroot().find('summary').get('observed') for f in sys.argv[1:])
assert a != b" "$out/partial.xml" "$out/m-two.xml"; then
    bad "the merge of matrix and partial observes no more rules than partial: the check above cannot tell"
else
    ok "the merge observes more rules than partial.xml alone"
fi

# Version 2: finding groups. tests/data/merge-v2-*.xml are the program's reports of matrix,
# matrix-partial, sip-udp and turn (site-example) as version 2 with K=2 examples.
td=$top/tests/data
v2merge() {   # v2merge NAME [OPTIONS] -- INPUT...
    name=$1; shift
    opts=""
    while [ "$1" != "--" ]; do opts="$opts $1"; shift; done
    shift
    (cd "$top" && "$bin" merge --deterministic --quiet $opts --xml "$out/$name.xml" --json "$out/$name.json" "$@")
    echo $? > "$out/$name.rc"
    check "$out/$name.xml" "$(cat "$out/$name.rc")" "$@"
}
v2merge v2-abc -- "$td/merge-v2-matrix.xml" "$td/merge-v2-matrix-partial.xml" "$td/merge-v2-sip-udp.xml"
v2merge v2-cab -- "$td/merge-v2-sip-udp.xml" "$td/merge-v2-matrix.xml" "$td/merge-v2-matrix-partial.xml"
v2merge v2-bca -- "$td/merge-v2-matrix-partial.xml" "$td/merge-v2-sip-udp.xml" "$td/merge-v2-matrix.xml"
if cmp -s "$out/v2-abc.xml" "$out/v2-cab.xml" && cmp -s "$out/v2-abc.xml" "$out/v2-bca.xml" &&
   cmp -s "$out/v2-abc.json" "$out/v2-cab.json" && cmp -s "$out/v2-abc.json" "$out/v2-bca.json"; then
    ok "merge A B C, C A B and B C A: byte-identical XML and JSON"
else
    bad "the merged report depends on the order of the inputs"; diff "$out/v2-abc.xml" "$out/v2-cab.xml" | head -n 5
fi
# The same report three times: groups of three flows, examples cut to K=2 again, equal flows kept apart.
v2merge v2-thrice -- "$td/merge-v2-matrix.xml" "$td/merge-v2-matrix.xml" "$td/merge-v2-matrix.xml"
v2merge v2-four -- "$td/merge-v2-turn.xml" "$td/merge-v2-matrix.xml" "$td/merge-v2-matrix-partial.xml" "$td/merge-v2-matrix.xml"
v2merge v2-k1 --examples 1 -- "$td/merge-v2-matrix.xml" "$td/merge-v2-matrix-partial.xml"
if python3 -c "
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
assert r.find('summary').get('examples') == '1'
assert max(len(g.findall('example')) for g in r.iter('group')) == 1" "$out/v2-k1.xml"; then
    ok "--examples 1: one example per group"
else
    bad "--examples 1: more than one example in a group"
fi
# Program reports, whichever version the program writes: the order of the inputs does not matter.
(cd "$top" && "$bin" merge --deterministic --quiet --xml "$out/m-two-rev.xml" "$out/partial.xml" "$out/matrix.xml")
if cmp -s "$out/m-two.xml" "$out/m-two-rev.xml"; then
    ok "merge of the program's reports in the other order: byte-identical (version $(version "$out/m-two.xml"))"
else
    bad "merge of the program's reports depends on their order"; diff "$out/m-two.xml" "$out/m-two-rev.xml" | head -n 5
fi

# Scan groups unite their port ranges; initiators listed by two inputs are united.
hw=$top/reports/examples/handwritten-all-features.xml
craft "$hw" "$out/hw-b.xml" "
for g in r.find('findings').findall('group'):
    if g.get('scan'):
        g.set('port-ranges', '3389-3400,8000-8010,60000')
        g.set('ports', '24')
r.find('capture').find('source').set('name', 'second-sensor.pcap')"
v2merge v2-scan -- "$hw" "$out/hw-b.xml"
if grep -q 'port-ranges="1-3400,8000-8010,60000' "$out/v2-scan.xml" ||
   python3 -c "
import sys, xml.etree.ElementTree as ET
g = [g for g in ET.parse(sys.argv[1]).getroot().iter('group') if g.get('scan')][0]
assert '8000-8010' in g.get('port-ranges') and '60000' in g.get('port-ranges')" "$out/v2-scan.xml"; then
    ok "scan groups of one key: port ranges united"
else
    bad "scan groups: port ranges not united"
fi

# The JSON lines: one per listed flow, rule, pack and group, then the summary; each parses.
if python3 - "$out/v2-abc.json" "$out/v2-abc.xml" <<'PY'
import json, sys
import xml.etree.ElementTree as ET
lines = [json.loads(x) for x in open(sys.argv[1])]
r = ET.parse(sys.argv[2]).getroot()
kinds = [x['type'] for x in lines]
assert kinds.count('flow') == len(r.find('flows').findall('flow'))
assert kinds.count('group') == len(r.find('findings').findall('group'))
assert kinds.count('rule') == len(r.find('rules').findall('rule'))
assert kinds[-1] == 'summary'
g = [x for x in lines if x['type'] == 'group'][0]
assert isinstance(g['flows'], int) and isinstance(g['rules'], str) and isinstance(g['examples'], list)
assert isinstance(g['initiator-list'], list) and isinstance(lines[-1]['unexpected'], int)
PY
then ok "merge --json: one line per flow, group and rule, then the summary; every line parses"
else bad "merge --json: lines"; fi

# Refused: versions mixed, a group whose key is not its fields' key, a bad --examples.
craft "$td/merge-v2-sip-udp.xml" "$out/v1.xml" "
r.set('version', '1')
r.remove(r.find('findings'))
for a in ('groups', 'finding-flows', 'examples', 'list-flows'):
    del r.find('summary').attrib[a]
r.find('flows').attrib.clear()
for f in r.find('flows'):
    f.attrib.pop('group', None)"
expect_rc 2 "version 1 and version 2 reports together" --xml "$out/x.xml" "$td/merge-v2-sip-udp.xml" "$out/v1.xml"
# (refused for the version, or by the schema once it accepts version 2 only)
grep -q 'report version 1\|v1.xml:[0-9]*: not a valid edgeaudit report' "$out/err" && ok "versions mixed: said" ||
    bad "versions mixed: $(cat "$out/err")"
craft "$td/merge-v2-matrix.xml" "$out/lying.xml" "
g = r.find('findings').find('group')
g.set('port', str(int(g.get('port')) + 1))"
expect_rc 2 "a group whose key is not the key of its fields" --xml "$out/x.xml" "$td/merge-v2-matrix.xml" "$out/lying.xml"
grep -q 'its key is not the key of its fields' "$out/err" && ok "lying key: said" || bad "lying key: $(cat "$out/err")"
expect_rc 2 "--examples 1001" --examples 1001 --xml "$out/x.xml" "$td/merge-v2-matrix.xml"

# Memory is bounded by groups and examples, not by the flows a report lists (--list-flows all):
# 10x more listed flows cost under 4 MB more.
python3 "$td/merge-big-report.py" "$td/merge-v2-matrix.xml" "$out/small.xml" 2000
python3 "$td/merge-big-report.py" "$td/merge-v2-matrix.xml" "$out/big.xml" 20000
rss() { /usr/bin/time -f %M -o "$out/rss" "$bin" merge --quiet --deterministic --xml "$out/x.xml" "$1" "$1" > /dev/null 2>&1; tail -n 1 "$out/rss"; }
if command -v /usr/bin/time > /dev/null && [ -x /usr/bin/time ]; then
    s=$(rss "$out/small.xml"); b=$(rss "$out/big.xml")
    if [ -n "$s" ] && [ -n "$b" ] && [ $((b - s)) -lt 4096 ] && grep -q '<flows listed="examples" total="400[0-9][0-9]"' "$out/x.xml"; then
        ok "merge of 2x20000 listed flows: $b KB peak, 2x2000: $s KB"
    else
        bad "merge memory grows with the flows listed: $s KB for 2x2000, $b KB for 2x20000"
    fi
else
    bad "no /usr/bin/time to measure the merge's memory"
fi

tally_end
