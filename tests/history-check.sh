#!/bin/sh
# history-check.sh: --baseline, --accept and `edgeaudit diff` on crafted before/after captures
# (issue 16 items 3 and 7).
#
#   EDGEAUDIT_BIN=build/src/edgeaudit EA_SRCDIR=/path/to/source tests/history-check.sh
#
# captures/own/history-before.pcap and history-after.pcap (captures/make-history.sh: matrix.pcap,
# real stacks on loopback, with whole flows taken out) against the default matrix, with the accept
# file tests/data/history-accept.xml. Against before, after has
#   - one finding added: XMPP client stream to 192.0.2.10:5222 (no rule);
#   - one resolved: SSH to 192.0.2.10:22;
#   - one accepted: SIP over UDP to 192.0.2.10:5060 (by key, until 2027-03-31);
#   - one acceptance expired: RTP over TCP to 203.0.113.50:49152 (ended 2026-11-01, the capture
#     is of 2026-11-24);
#   - one rule from observed to blocked: pic-sip-in (its allowed flow gone, its SYN-RST kept);
#   - one stale entry: the SSH entry (its group is resolved).
# Checked in the run's XML (schema and content), JSON lines, HTML and terminal lines, the same
# through `edgeaudit diff` (byte for byte), the exit codes of --fail-on any and new with and without
# acceptance (an accepted new group and accepted findings do not count; one day past expiry they
# do), bad accept files (exit 2, one line FILE:LINE: cause, as a bad rules file, nothing written)
# and merge (a merged report carries no acceptance); as root, live mode in a private network
# namespace (unshare -n): the --report-dir report and the final --xml marked. Needs xmllint, python3.
# Ends with "N passed, N failed"; non-zero on failure.
top=${EA_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
bin=${EDGEAUDIT_BIN:-$top/src/edgeaudit}
out=${HISTORY_OUT:-out/history-check}
schema=$top/reports/edgeaudit-report.rng
acc=tests/data/history-accept.xml
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)

. "$top/tests/lib-tally.sh"

site="--site rules/examples/site-example.xml --deterministic"

# ea WANT-RC NAME ARGS...: edgeaudit from the top of the source tree (relative paths in the
# reports), stdout in NAME.out, stderr in NAME.err; the exit code must be WANT-RC.
ea() {
    _w=$1 _n=$2
    shift 2
    (cd "$top" && "$bin" "$@") > "$out/$_n.out" 2> "$out/$_n.err"
    rc=$?
    if [ "$rc" = "$_w" ]; then ok "$_n: exit $rc"; else bad "$_n: exit $rc, expected $_w"; cat "$out/$_n.err"; fi
}

valid() {
    if xmllint --noout --relaxng "$schema" "$1" > "$out/lint.log" 2>&1; then ok "$2: valid against the schema"
    else bad "$2: not valid"; cat "$out/lint.log"; fi
}

# py NAME PYTHON: a python check over the out directory; it prints PASS/FAIL lines itself.
py() {
    name=$1
    python3 - "$out" <<PY > "$out/$name.py.log" 2>&1
import json, sys, os
import xml.etree.ElementTree as ET
out = sys.argv[1]
res = []
def check(what, cond):
    res.append(('PASS: ' if cond else 'FAIL: ') + '$name: ' + what)
$2
print('\n'.join(res))
PY
    if [ $? -ne 0 ]; then bad "$name: the python check failed"; cat "$out/$name.py.log"; return; fi
    while IFS= read -r line; do
        case $line in PASS:*) ok "${line#PASS: }" ;; FAIL:*) bad "${line#FAIL: }" ;; esac
    done < "$out/$name.py.log"
}

# --- before, after (plain), after with --baseline and --accept -----------------------------
ea 1 before -r captures/own/history-before.pcap $site --quiet --xml "$out/before.xml"
ea 1 after-plain -r captures/own/history-after.pcap $site --quiet --xml "$out/after-plain.xml"
ea 1 after -r captures/own/history-after.pcap $site --baseline "$out/before.xml" --accept "$acc" \
    --xml "$out/after.xml" --html "$out/after.html" --json "$out/after.jsonl"
valid "$out/after.xml" after

py after-xml "
r = ET.parse(os.path.join(out, 'after.xml')).getroot()
groups = {(g.get('responder'), g.get('port')): g for g in r.find('findings').findall('group')}
g = groups.get(('192.0.2.10', '5222'))
check('the 5222 group is new and not accepted', g is not None and g.get('change') == 'new' and g.get('accept') is None)
g = groups.get(('192.0.2.10', '5060'))
check('the 5060 group is persisting and accepted, with who, why, expiry and line',
      g is not None and g.get('change') == 'persisting' and g.get('accept') == 'accepted' and
      g.get('key') == '1dc8cb82b14384b7' and g.get('accept-who') == 'J. Doe' and
      g.get('accept-why') == 'SIP over UDP from the partner\'s trunk, CAB-1234' and
      g.get('accept-expires') == '2027-03-31' and g.get('accept-line') == '5')
g = groups.get(('203.0.113.50', '49152'))
check('the 49152 group is marked expired', g is not None and g.get('accept') == 'expired' and
      g.get('accept-expires') == '2026-11-01' and g.get('accept-line') == '7')
check('no other group is marked', sum(1 for g in groups.values() if g.get('accept')) == 2)
check('the 22 group is gone from the findings', ('192.0.2.10', '22') not in groups)
ch = r.find('changes')
res_ = ch.findall('resolved')
check('one resolved: SSH to 22', len(res_) == 1 and res_[0].get('port') == '22' and res_[0].get('app') == 'ssh')
rc = ch.findall('rule-change')
check('one rule change: pic-sip-in observed -> blocked, worse',
      [(x.get('id'), x.get('from'), x.get('to'), x.get('worse')) for x in rc] == [('pic-sip-in', 'observed', 'blocked', 'yes')])
check('changes: 1 new (1 of findings), 1 resolved', ch.get('new') == '1' and ch.get('new-findings') == '1' and ch.get('resolved') == '1')
kids = [k.tag for k in r]
check('order: summary, changes, acceptances, rules', kids[kids.index('summary'):kids.index('summary') + 4] == ['summary', 'changes', 'acceptances', 'rules'])
a = r.find('acceptances')
check('acceptances: the file, judged at the end of the capture',
      a.get('file') == 'tests/data/history-accept.xml' and a.get('date') == r.find('capture').get('last'))
check('acceptances: 3 entries, 1 group accepted (1 flow), 1 expired, 1 stale, result findings',
      [a.get(k) for k in ('entries', 'accepted-groups', 'accepted-flows', 'expired-groups', 'stale-entries', 'result')]
      == ['3', '1', '1', '1', '1', 'findings'])
e = a.findall('entry')
check('entries: lines, states, groups matched, stale',
      [(x.get('line'), x.get('state'), x.get('groups'), x.get('stale')) for x in e] ==
      [('5', 'holds', '1', None), ('7', 'expired', '1', None), ('9', 'holds', '0', 'yes')])
check('the stale entry keeps its fields and text', e[2].get('responder') == '192.0.2.10' and e[2].get('port') == '22' and
      e[2].get('rule') == '' and e[2].get('why') == 'jump host & <maintenance>')
check('the summary is the run\'s own', r.find('summary').get('result') == 'findings')
"

py after-json "
lines = [json.loads(l) for l in open(os.path.join(out, 'after.jsonl'))]
by = lambda t: [l for l in lines if l['type'] == t]
ga = {l['key']: l for l in by('group-accept')}
check('group-accept lines: the accepted and the expired group',
      sorted((k, v['accept']) for k, v in ga.items()) == [('1dc8cb82b14384b7', 'accepted'), ('3ee981edcfef2dd1', 'expired')])
check('group-accept: who, why, expiry, line (a number)', ga['1dc8cb82b14384b7']['accept-who'] == 'J. Doe' and
      ga['1dc8cb82b14384b7']['accept-expires'] == '2027-03-31' and ga['1dc8cb82b14384b7']['accept-line'] == 5)
ae = by('accept-entry')
check('accept-entry lines: 3, the last stale with its escaped text',
      len(ae) == 3 and ae[2].get('stale') == 'yes' and ae[2]['groups'] == 0 and ae[2]['why'] == 'jump host & <maintenance>')
ac = by('acceptances')
check('one acceptances line', len(ac) == 1 and ac[0]['accepted-groups'] == 1 and ac[0]['expired-groups'] == 1 and
      ac[0]['stale-entries'] == 1 and ac[0]['result'] == 'findings')
check('the changes lines are there too', len(by('resolved')) == 1 and len(by('rule-change')) >= 1 and len(by('changes')) == 1 and
      {l['key']: l['change'] for l in by('group-change')}.get('968a9bb2795f4ba1') == 'new')
"

h=$out/after.html
if grep -q '<h2>Accepted findings</h2>' "$h" && grep -q 'id="accept-entries"' "$h" &&
    [ "$(grep -o 'class="chip a-accepted"' "$h" | wc -l)" -ge 2 ] && grep -q 'class="chip a-expired"' "$h" &&
    grep -q 'class="chip a-stale"' "$h" && grep -q 'SIP over UDP from the partner' "$h" &&
    grep -q 'jump host &amp; &lt;maintenance&gt;' "$h" && grep -q 'Changes since baseline' "$h"; then
    ok "after.html: Accepted findings with the entries, chips and texts; Changes since baseline"
else
    bad "after.html: the acceptance is not shown"
fi
if grep -q '^edgeaudit: accepted by tests/data/history-accept.xml at 2026-11-24T19:20:02.771178000Z: 1 group(s) (1 flows), 1 expired, 1 stale entry: FINDINGS$' "$out/after.out" &&
    grep -q '^  accepted  unexpected no-rule udp 192.0.2.10 port 5060 sip: 1 flow(s) \[1dc8cb82b14384b7\] line 5, J. Doe until 2027-03-31' "$out/after.out" &&
    grep -q '^  expired   unexpected no-rule tcp 203.0.113.50 port 49152 rtp' "$out/after.out" &&
    grep -q "^  stale     line 9: 192.0.2.10 port 22 no-rule rule '' (A. Admin, until 2027-06-30) matched no group" "$out/after.out" &&
    grep -q '^  rule      pic-sip-in: observed -> blocked (worse)$' "$out/after.out"; then
    ok "after: the terminal lines (accepted, expired, stale, the rule change)"
else
    bad "after: the terminal lines"; cat "$out/after.out"
fi

# --- the same comparison through edgeaudit diff ----------------------------------------------
ea 1 diff diff --deterministic --accept "$acc" --xml "$out/diff.xml" --json "$out/diff.jsonl" --html "$out/diff.html" \
    "$out/before.xml" "$out/after-plain.xml"
if cmp -s "$out/diff.xml" "$out/after.xml"; then ok "diff --accept: the XML is the run's byte for byte"
else bad "diff --accept: the XML differs from the run's"; fi
grep -A100 '^edgeaudit: since' "$out/after.out" > "$out/diff-want.out"
if sed 's/^edgeaudit diff:/edgeaudit:/' "$out/diff.out" | cmp -s - "$out/diff-want.out" && [ -s "$out/diff-want.out" ]; then
    ok "diff --accept: the terminal lines are the run's"
else
    bad "diff --accept: the terminal lines differ from the run's"
fi
py diff-json "
lines = [json.loads(l) for l in open(os.path.join(out, 'diff.jsonl'))]
g = {l['key']: l for l in lines if l['type'] == 'group'}
check('diff JSON: the groups carry the marks', g['1dc8cb82b14384b7'].get('accept') == 'accepted' and
      g['3ee981edcfef2dd1'].get('accept') == 'expired' and 'accept' not in g['968a9bb2795f4ba1'])
check('diff JSON: entries and acceptances', sum(l['type'] == 'accept-entry' for l in lines) == 3 and
      sum(l['type'] == 'acceptances' for l in lines) == 1)
"
if grep -q '<h2>Accepted findings</h2>' "$out/diff.html"; then ok "diff.html: Accepted findings"; else bad "diff.html: no Accepted findings"; fi
# Applied again to a report that has an acceptance: replaced, not doubled.
ea 1 diff-again diff --deterministic --accept "$acc" --xml "$out/diff-again.xml" "$out/before.xml" "$out/after.xml"
if cmp -s "$out/diff-again.xml" "$out/after.xml"; then ok "diff --accept on an accepted report: the same report"
else bad "diff --accept on an accepted report: it differs"; fi
ea 1 diff-fail-new diff --deterministic --quiet --fail-on new --accept "$acc" "$out/before.xml" "$out/after-plain.xml"
ea 1 after-fail-new -r captures/own/history-after.pcap $site --quiet --baseline "$out/before.xml" --accept "$acc" --fail-on new

# --- exit codes: accepted findings do not count, expired ones do --------------------------------
# matrix.pcap against before: the 5222 group is new, no rule got worse (all 11 observed).
ea 1 matrix-new -r captures/own/matrix.pcap $site --quiet --baseline "$out/before.xml" --fail-on new --xml "$out/matrix.xml"
for case in holds:2027-01-01:0 expired:2026-11-23:1; do
    name=${case%%:*} rest=${case#*:}
    day=${rest%%:*} want=${rest#*:}
    cat > "$out/accept-5222-$name.xml" <<EOF
<edgeaudit-accept version="1">
  <accept responder="192.0.2.10" port="5222" reason-code="no-rule" rule="" who="CI" why="XMPP clients, CAB-7" expires="$day"/>
</edgeaudit-accept>
EOF
    ea "$want" "fail-new-accept-$name" -r captures/own/matrix.pcap $site --quiet --baseline "$out/before.xml" \
        --fail-on new --accept "$out/accept-5222-$name.xml"
    ea "$want" "diff-fail-new-accept-$name" diff --quiet --fail-on new --accept "$out/accept-5222-$name.xml" \
        "$out/before.xml" "$out/matrix.xml"
done
# Every finding group of matrix.pcap accepted, until the capture's own day (inclusive): exit 0;
# until the day before: every acceptance expired, exit 1.
for case in lastday:2026-11-24:0 daybefore:2026-11-23:1; do
    name=${case%%:*} rest=${case#*:}
    day=${rest%%:*} want=${rest#*:}
    python3 - "$out/matrix.xml" "$day" > "$out/accept-all-$name.xml" <<'PY'
import sys
import xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
print('<edgeaudit-accept version="1">')
for g in r.find('findings').findall('group'):
    if g.get('verdict') == 'unexpected' or (g.get('verdict') == 'blocked' and g.get('rules')):
        print('  <accept key="%s" who="CI" why="all of them" expires="%s"/>' % (g.get('key'), sys.argv[2]))
print('</edgeaudit-accept>')
PY
    ea "$want" "any-accept-all-$name" -r captures/own/matrix.pcap $site --quiet --accept "$out/accept-all-$name.xml" \
        --xml "$out/all-$name.xml" --html "$out/all-$name.html"
    ea "$want" "diff-any-accept-all-$name" diff --quiet --accept "$out/accept-all-$name.xml" "$out/matrix.xml" "$out/matrix.xml"
done
valid "$out/all-lastday.xml" all-lastday
if grep -q 'result="compliant"' "$out/all-lastday.xml" && grep -q 'accepted-groups="9"' "$out/all-lastday.xml" &&
    grep -q '<summary result="findings"' "$out/all-lastday.xml" && grep -q '<div class="word">COMPLIANT</div>' "$out/all-lastday.html"; then
    ok "all accepted: acceptances result compliant (summary findings), the HTML banner COMPLIANT"
else
    bad "all accepted: result or banner"
fi
if grep -q 'expired-groups="9"' "$out/all-daybefore.xml" && grep -q 'accepted-groups="0"' "$out/all-daybefore.xml"; then
    ok "all expired the day before the capture: 9 expired, 0 accepted"
else
    bad "all expired: counts"
fi

# --- bad accept files: as a bad rules file -------------------------------------------------------
printf '<edgeaudit-accept version="1">\n  <accept key="1dc8" who="a" why="b" expires="2027-01-01"/>\n</edgeaudit-accept>\n' > "$out/bad-key.xml"
printf '<edgeaudit-accept version="1">\n\n  <accept key="1dc8cb82b14384b7" who="a" why="b" expires="2027-02-30"/>\n</edgeaudit-accept>\n' > "$out/bad-day.xml"
printf '<rules version="1">\n  <rule/>\n</rules>\n' > "$out/bad-rules.xml"
ea 2 bad-rules -r captures/own/matrix.pcap --quiet --rules "$out/bad-rules.xml" --xml "$out/bad-rules-report.xml"
for b in bad-key:2 bad-day:3; do
    name=${b%%:*} line=${b#*:}
    ea 2 "$name" -r captures/own/matrix.pcap --quiet --accept "$out/$name.xml" --xml "$out/$name-report.xml"
    if [ "$(wc -l < "$out/$name.err")" -eq 1 ] && grep -q "^edgeaudit: $out/$name.xml:$line: " "$out/$name.err" &&
        [ ! -e "$out/$name-report.xml" ]; then
        ok "$name: one line FILE:$line: cause, no report written"
    else
        bad "$name: the error"; cat "$out/$name.err"
    fi
    ea 2 "diff-$name" diff --accept "$out/$name.xml" --xml "$out/diff-$name-report.xml" "$out/before.xml" "$out/after-plain.xml"
    if [ "$(wc -l < "$out/diff-$name.err")" -eq 1 ] && grep -q "^edgeaudit diff: $out/$name.xml:$line: " "$out/diff-$name.err" &&
        [ ! -e "$out/diff-$name-report.xml" ]; then
        ok "diff-$name: one line FILE:$line: cause, no report written"
    else
        bad "diff-$name: the error"; cat "$out/diff-$name.err"
    fi
done
if grep -q "^edgeaudit: $out/bad-rules.xml:[0-9]*: " "$out/bad-rules.err"; then ok "a bad rules file: the same form"; else bad "bad rules: form"; fi

# --- merge: a merged report carries no acceptance -------------------------------------------------
ea 1 merge merge --deterministic --xml "$out/merged.xml" "$out/after.xml" "$out/after-plain.xml"
if ! grep -q 'accept' "$out/merged.xml" && ! grep -q ' change=' "$out/merged.xml"; then
    ok "merge: no accept marks, no <acceptances>, no change= (per-run, not the merge's)"
else
    bad "merge: acceptance or changes carried into the merged report"
fi

# --- determinism: the same run twice, byte for byte ----------------------------------------------
ea 1 after-again -r captures/own/history-after.pcap $site --quiet --baseline "$out/before.xml" --accept "$acc" \
    --xml "$out/after-again.xml" --json "$out/after-again.jsonl"
if cmp -s "$out/after.xml" "$out/after-again.xml" && cmp -s "$out/after.jsonl" "$out/after-again.jsonl"; then
    ok "deterministic: the XML and JSON lines again byte for byte"
else
    bad "deterministic: a second run differs"
fi

# --- live mode: every --report-dir report and the final --xml marked (root: a private network
# namespace of its own, unshare -n, traffic on its loopback only) ---------------------------------
if [ "$(id -u)" != 0 ] || ! command -v unshare > /dev/null; then
    echo "SKIP: the live --accept check needs root and unshare (CI runs as root)"
else
    mkdir -p "$out/live-rd"
    printf '%s\n' '<edgeaudit-accept version="1">' \
        '  <accept responder="127.0.0.1" port="5060" reason-code="no-rule" rule="" who="CI" why="live test" expires="2099-01-01"/>' \
        '  <accept responder="127.0.0.1" port="5061" reason-code="no-rule" rule="" who="CI" why="never used" expires="2099-01-01"/>' \
        '</edgeaudit-accept>' > "$out/live-accept.xml"
    # run in the namespace: edgeaudit on its lo, three SIP OPTIONS over UDP and their answers, SIGINT.
    EA_BIN=$bin EA_OUT=$out timeout 60 unshare -n sh -c '
        ip link set lo up || exit 9
        "$EA_BIN" -i lo --role edge-access=127.0.0.1 --report-dir "$EA_OUT/live-rd" --interval 1 --keep-root \
            --quiet --deterministic --accept "$EA_OUT/live-accept.xml" --xml "$EA_OUT/live-final.xml" \
            --json "$EA_OUT/live-final.jsonl" &
        pid=$!
        sleep 1.5
        python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.bind((\"127.0.0.1\", 5060))
for i in range(3):
    s.sendto(b\"OPTIONS sip:x SIP/2.0\r\n\r\n\", (\"127.0.0.1\", 5060))
    d, a = r.recvfrom(100)
    r.sendto(b\"SIP/2.0 200 OK\r\n\r\n\", a)
    s.recv(100)
    time.sleep(0.1)
"
        sleep 2.5
        kill -INT $pid
        wait $pid
        echo "exit $?"' > "$out/live.out" 2> "$out/live.err"
    if grep -q '^exit 1$' "$out/live.out"; then ok "live: exit 1 (rules not observed count, the accepted group does not)"
    else bad "live: $(cat "$out/live.out")"; cat "$out/live.err"; fi
    for f in live-rd/report.xml live-final.xml; do
        if [ -f "$out/$f" ] && grep -q 'accept="accepted" accept-who="CI" accept-why="live test"' "$out/$f" &&
            grep -q '<acceptances file="[^"]*" date="[^"]*" entries="2" accepted-groups="1" accepted-flows="1" expired-groups="0" stale-entries="1"' "$out/$f"; then
            ok "live: $f marked (the SIP group accepted, one stale entry)"
        else
            bad "live: $f not marked"
        fi
    done
    if grep -q 'Accepted findings' "$out/live-rd/report.html" 2>/dev/null; then ok "live: report.html shows Accepted findings"
    else bad "live: report.html without Accepted findings"; fi
    if grep -q '"type":"group-accept"' "$out/live-final.jsonl" 2>/dev/null; then ok "live: the JSON lines' group-accept"
    else bad "live: no group-accept line"; fi
fi

tally_end
