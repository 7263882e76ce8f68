#!/bin/sh
# diff-check.sh: `edgeaudit diff OLD.xml NEW.xml` on crafted before/after reports (issue 16 item 4).
#
#   EDGEAUDIT_BIN=build/src/edgeaudit EA_SRCDIR=/path/to/source tests/diff-check.sh
#
# From tests/data/merge-v2-matrix.xml (a version 2 report) it crafts: the same report, one with a
# finding group added, one with a group resolved, one whose rule pic-sip-in went from observed to
# blocked, one with only a new group of forbidden-blocked flows (no finding). It checks the groups
# marked new and persisting, the resolved groups, the rule changes, the outputs (XML valid against
# the schema, HTML with "Changes since baseline", JSON lines), the exit codes of --fail-on any and
# new, and the errors (usage, input, DOCTYPE, unwritable output). Then --baseline on runs of
# captures/own/matrix*.pcap: the run's reports with the changes, the summary, the exit codes.
# Needs xmllint and python3.
# Ends with "N passed, N failed"; non-zero on failure.
top=${EA_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
bin=${EDGEAUDIT_BIN:-$top/src/edgeaudit}
out=${DIFF_OUT:-out/diff-check}
schema=$top/reports/edgeaudit-report.rng
base=$top/tests/data/merge-v2-matrix.xml
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)

. "$top/tests/lib-tally.sh"

# craft OUT PYTHON: OUT is the base report after the python statements run on r (its root);
# rekey(g) gives group g the key of its fields.
craft() {
    python3 - "$base" "$1" "$2" <<'PY'
import sys
import xml.etree.ElementTree as ET
def rekey(g):
    if g.get('scan'):
        s = 's1|%s|%s|%s|%s|%s' % tuple(g.get(a) for a in ('verdict', 'reason-code', 'transport', 'responder', 'initiator'))
    else:
        s = 'g1|%s|%s|%s|%s|%s|%s|%s' % tuple(g.get(a) for a in ('verdict', 'reason-code', 'rules', 'transport',
                                                                  'responder', 'port', 'app'))
    h = 0xcbf29ce484222325
    for c in s.encode():
        h = ((h ^ c) * 0x100000001b3) & 0xffffffffffffffff
    g.set('key', '%016x' % h)
t = ET.parse(sys.argv[1])
r = t.getroot()
fi = r.find('findings')
exec(sys.argv[3])
t.write(sys.argv[2], encoding='UTF-8', xml_declaration=True)
PY
}
craft "$out/added.xml" "
import copy
g = copy.deepcopy(fi.find('group'))
for e in g.findall('example'):
    g.remove(e)
g.set('port', '9999')
rekey(g)
fi.append(g)"
craft "$out/resolved.xml" "
gone = [g for g in fi.findall('group') if g.get('port') == '22'][0]
fi.remove(gone)"
craft "$out/worse.xml" "
for rule in r.find('rules').findall('rule'):
    if rule.get('id') == 'pic-sip-in':
        rule.set('status', 'blocked')"
craft "$out/forbidden.xml" "
import copy
g = copy.deepcopy([g for g in fi.findall('group') if g.get('verdict') == 'blocked' and g.get('rules') == ''][0])
g.set('port', '3479')
for e in g.findall('example'):
    g.remove(e)
rekey(g)
fi.append(g)"

# run NAME WANT-RC ARGS...: edgeaudit diff with every output; the exit code must be WANT-RC.
run() {
    name=$1; want=$2; shift 2
    (cd "$top" && "$bin" diff --deterministic --xml "$out/$name.xml" --html "$out/$name.html" \
        --json "$out/$name.json" "$@") > "$out/$name.out" 2> "$out/$name.err"
    rc=$?
    if [ "$rc" = "$want" ]; then ok "$name: exit $rc"; else bad "$name: exit $rc, expected $want"; cat "$out/$name.err"; fi
    if xmllint --noout --relaxng "$schema" "$out/$name.xml" > "$out/lint.log" 2>&1; then
        ok "$name: valid against the report schema"
    else
        bad "$name: not valid"; head -n 3 "$out/lint.log"
    fi
}

# changes NAME PYTHON: assertions on the diff's XML (root r, changes c, groups gs) and JSON lines (js).
changes() {
    if python3 - "$out/$1.xml" "$out/$1.json" "$2" > "$out/py.log" 2>&1 <<'PY'
import json, sys
import xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
c = r.find('changes')
gs = r.find('findings').findall('group')
js = [json.loads(x) for x in open(sys.argv[2])]
assert [k.tag for k in r][:4] == ['capture', 'summary', 'changes', 'rules'], 'changes not after the summary'
assert all(g.get('change') in ('new', 'persisting') for g in gs)
assert int(c.get('new')) == sum(g.get('change') == 'new' for g in gs)
assert int(c.get('persisting')) == sum(g.get('change') == 'persisting' for g in gs)
assert int(c.get('resolved')) == len(c.findall('resolved'))
assert int(c.get('rules-changed')) == len(c.findall('rule-change'))
assert [x['type'] for x in js].count('resolved') == int(c.get('resolved'))
assert [x for x in js if x['type'] == 'changes'][0]['new'] == int(c.get('new'))
exec(sys.argv[3])
PY
    then ok "$1: $3"; else bad "$1: $3"; tail -n 3 "$out/py.log"; fi
}

run same 0 --fail-on new "$base" "$base"
changes same "assert (c.get('new'), c.get('persisting'), c.get('resolved'), c.get('rules-changed')) == ('0', '10', '0', '0')" \
    "nothing new, every group persisting"
grep -q 'Changes since baseline' "$out/same.html" && ok "same: the HTML has Changes since baseline" ||
    bad "same: no Changes since baseline in the HTML"
run same-any 1 "$base" "$base"   # --fail-on any (the default): the report has findings

run added 1 --fail-on new "$base" "$out/added.xml"
changes added "
new = [g for g in gs if g.get('change') == 'new']
assert len(new) == 1 and new[0].get('port') == '9999' and c.get('new-findings') == '1'" "one new finding group, marked new"
grep -q '^  new       unexpected .* port 9999 ' "$out/added.out" && ok "added: the terminal names the new group" ||
    bad "added: terminal: $(cat "$out/added.out")"

run resolved 0 --fail-on new "$base" "$out/resolved.xml"
changes resolved "
res = c.findall('resolved')
assert len(res) == 1 and res[0].get('port') == '22' and res[0].text.startswith('no rule for this port')
assert c.get('new') == '0'" "the group on port 22 resolved, with its reason"
run resolved-any 1 --fail-on any "$base" "$out/resolved.xml"

run worse 1 --fail-on new "$base" "$out/worse.xml"
changes worse "
rc = c.findall('rule-change')
assert [(x.get('id'), x.get('from'), x.get('to'), x.get('worse')) for x in rc] == \
    [('pic-sip-in', 'observed', 'blocked', 'yes')]" "pic-sip-in observed -> blocked, worse"
grep -q 'rule      pic-sip-in: observed -> blocked (worse)' "$out/worse.out" && ok "worse: the terminal says it" ||
    bad "worse: terminal: $(cat "$out/worse.out")"
run better 0 --fail-on new "$out/worse.xml" "$base"
changes better "
x = c.find('rule-change')
assert (x.get('from'), x.get('to'), x.get('worse')) == ('blocked', 'observed', 'no') and c.get('rules-worse') == '0'" \
    "blocked -> observed is no worse"

run forbidden 0 --fail-on new "$base" "$out/forbidden.xml"
changes forbidden "assert c.get('new') == '1' and c.get('new-findings') == '0'" \
    "a new group of forbidden-blocked flows is new, not a new finding"

# NEW listing every flow (--list-flows all): the diff lists the named ones and says so.
python3 "$top/tests/data/merge-big-report.py" "$base" "$out/all.xml" 50
run all 0 --fail-on new "$base" "$out/all.xml"
changes all "
fl = r.find('flows')
assert r.find('summary').get('list-flows') == 'examples' and fl.get('listed') == 'examples'
assert len(fl.findall('flow')) < 50 and int(fl.get('total')) > 50" "NEW listing every flow: the named ones listed, list-flows=examples"

# A diff's output compared again: its changes are replaced, not doubled.
run again 1 --fail-on new "$base" "$out/added.xml"
(cd "$top" && "$bin" diff --deterministic --quiet --xml "$out/again2.xml" "$out/resolved.xml" "$out/added.xml")
if [ "$(grep -c '<changes ' "$out/again2.xml")" = 1 ] && xmllint --noout --relaxng "$schema" "$out/again2.xml" 2> /dev/null; then
    ok "a diff's output diffed again: one changes section"
else
    bad "a diff's output diffed again"
fi

# --baseline on a run (issue 16 item 2): the run's reports compared with an earlier report.
site=rules/examples/site-example.xml
audit() {   # audit NAME CAPTURE [OPTIONS...]: a run's reports into $out/NAME.*; its exit code in NAME.rc
    name=$1; cap=$2; shift 2
    (cd "$top" && timeout 120 "$bin" -r "$cap" --site "$site" --deterministic "$@") > "$out/$name.out" 2> "$out/$name.err"
    echo $? > "$out/$name.rc"
}
audit b-matrix captures/own/matrix.pcap --quiet --xml "$out/b-matrix.xml"
audit b-partial captures/own/matrix-partial.pcap --quiet --xml "$out/b-partial.xml"
# The same capture against its own report: nothing new, nothing worse; the report is the plain
# run's with the changes section added (a streaming rewrite).
audit b-same captures/own/matrix.pcap --xml "$out/b-same.xml" --html "$out/b-same.html" \
    --json "$out/b-same.json" --baseline "$out/b-matrix.xml" --fail-on new
rc=$(cat "$out/b-same.rc")
[ "$rc" = 0 ] && ok "run against its own report, --fail-on new: exit 0" || bad "run against its own report: exit $rc"
grep -v '<changes \|</changes>\|<rule-change \|<resolved \| change="' "$out/b-same.xml" > "$out/b-same.stripped"
if cmp -s "$out/b-matrix.xml" "$out/b-same.stripped" || python3 - "$out/b-matrix.xml" "$out/b-same.xml" <<'PY'
import sys
import xml.etree.ElementTree as ET
a, b = (ET.parse(p).getroot() for p in sys.argv[1:])
b.remove(b.find('changes'))
for g in b.iter('group'):
    assert g.attrib.pop('change') == 'persisting'
assert ET.tostring(a) == ET.tostring(b)
PY
then ok "--baseline: the run's report plus change= and <changes>, nothing else"
else bad "--baseline: the report differs from the plain run's beyond the changes"; fi
xmllint --noout --relaxng "$schema" "$out/b-same.xml" 2> /dev/null && ok "--baseline: report valid" ||
    bad "--baseline: report not valid"
grep -q 'Changes since baseline' "$out/b-same.html" && ok "--baseline: the HTML has Changes since baseline" ||
    bad "--baseline: no Changes since baseline in the HTML"
tail -n 1 "$out/b-same.json" | grep -q '"type":"changes".*"new":0' && ok "--baseline: the JSON lines end with the changes" ||
    bad "--baseline: JSON: $(tail -n 1 "$out/b-same.json")"
grep -q '^edgeaudit: since .*b-matrix.xml: 0 new group(s)' "$out/b-same.out" && ok "--baseline: the summary says what changed" ||
    bad "--baseline: summary: $(cat "$out/b-same.out" | tail -n 3)"
# The shorter capture against the full one: rules observed before are not now: worse, exit 1.
audit b-worse captures/own/matrix-partial.pcap --html "$out/b-worse.html" --baseline "$out/b-matrix.xml" --fail-on new
rc=$(cat "$out/b-worse.rc")
if [ "$rc" = 1 ] && grep -q 'rule      pic-stun-out: observed -> not-observed (worse)' "$out/b-worse.out" &&
   grep -q 'Changes since baseline' "$out/b-worse.html"; then
    ok "--baseline without --xml: rules worse, exit 1, said in the summary and the HTML"
else
    bad "--baseline, rules worse: exit $rc"; tail -n 4 "$out/b-worse.out"; cat "$out/b-worse.err"
fi
# --fail-on any (the default) keeps the run's exit code.
audit b-any captures/own/matrix.pcap --quiet --baseline "$out/b-partial.xml"
[ "$(cat "$out/b-any.rc")" = 1 ] && ok "--baseline, --fail-on any: the run's exit code (findings)" ||
    bad "--baseline, --fail-on any: exit $(cat "$out/b-any.rc")"
audit b-nobase captures/own/matrix.pcap --quiet --fail-on new
[ "$(cat "$out/b-nobase.rc")" = 2 ] && ok "--fail-on new without --baseline: exit 2" || bad "--fail-on new alone: exit $(cat "$out/b-nobase.rc")"
sed -e '1a\
<!DOCTYPE edgeaudit-report [ <!ENTITY a "aaaaaaaaaa"> ]>' "$base" > "$out/doctype.xml"
audit b-bad captures/own/matrix.pcap --quiet --baseline "$out/doctype.xml"
[ "$(cat "$out/b-bad.rc")" = 2 ] && grep -q 'DOCTYPE' "$out/b-bad.err" && ok "--baseline with a DOCTYPE: exit 2" ||
    bad "--baseline with a DOCTYPE: exit $(cat "$out/b-bad.rc")"

# Errors: usage, input, DOCTYPE, unwritable output.
expect_rc() {   # expect_rc WANT DESCRIPTION ARGS...
    want=$1; what=$2; shift 2
    (cd "$top" && "$bin" diff "$@") > /dev/null 2> "$out/err"
    rc=$?
    if [ "$rc" = "$want" ]; then ok "$what: exit $rc"; else bad "$what: exit $rc, expected $want"; cat "$out/err"; fi
}
expect_rc 2 "one report only" "$base"
expect_rc 2 "--fail-on other" --fail-on all "$base" "$base"
expect_rc 2 "unknown option" --bogus "$base" "$base"
expect_rc 2 "missing report" "$base" "$out/none.xml"
expect_rc 2 "not a report" "$base" "$top/README.md"
sed -e '1a\
<!DOCTYPE edgeaudit-report [ <!ENTITY a "aaaaaaaaaa"> ]>' "$base" > "$out/doctype.xml"
expect_rc 2 "baseline with a DOCTYPE" "$out/doctype.xml" "$base"
grep -q 'doctype.xml:2: DOCTYPE declarations are not allowed' "$out/err" && ok "DOCTYPE: one line naming the file" ||
    bad "DOCTYPE: $(cat "$out/err")"
expect_rc 3 "output directory missing" --xml "$out/no/such/dir.xml" "$base" "$base"

tally_end
