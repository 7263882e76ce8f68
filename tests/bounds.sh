#!/bin/sh
# bounds.sh: resource bounds under hostile load: the flow cap evicts, huge headers and endless TLS stay small,
# memory does not grow with finished flows, and a 200,000-flow report keeps a small HTML that parses.
#
# Environment: EDGEAUDIT_BIN, EA_SRCDIR. Ends with "N passed, N failed".
# Peak RSS is measured with /usr/bin/time -f %M (Debian package time), else getrusage in python3,
# and compared with a run of the same binary on an empty capture, so that a sanitizer build's
# fixed overhead does not count. ASan's quarantine of freed memory is turned off for the same reason.
top=${EA_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
bin=${EDGEAUDIT_BIN:-$top/src/edgeaudit}
gen=$top/tests/data/hostile-gen.py
site=$top/rules/examples/site-example.xml
. "$top/tests/lib-tally.sh"

if [ ! -x "$bin" ]; then
    echo "bounds: $bin not built"; echo "0 passed, 1 failed"; exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ea-bounds.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
# Appended, so that they hold whatever the caller set (later ASan options win).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:exitcode=99"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-exitcode=99:halt_on_error=1:print_stacktrace=1}"

# measure NAME ARGS...: runs edgeaudit with a report in NAME.xml; sets rc and rss (KB).
measure() {
    name=$1; shift
    if [ -x /usr/bin/time ]; then
        timeout "${limit:-90}" /usr/bin/time -o "$tmp/$name.rss" -f '%M' "$bin" --quiet --deterministic --site "$site" \
            --xml "$tmp/$name.xml" "$@" > "$tmp/$name.out" 2> "$tmp/$name.err"
        rc=$?
    else
        timeout "${limit:-90}" python3 -c '
import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
open(sys.argv[1], "w").write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)' "$tmp/$name.rss" "$bin" --quiet --deterministic --site "$site" --xml "$tmp/$name.xml" "$@" \
            > "$tmp/$name.out" 2> "$tmp/$name.err"
        rc=$?
    fi
    rss=$(tail -n 1 "$tmp/$name.rss" 2>/dev/null)
    rss=${rss:-0}
    if [ "$rc" -le 2 ]; then ok "$name: exit $rc"
    else bad "$name: exit $rc"; grep -m 3 -E 'ERROR|runtime error|SUMMARY' "$tmp/$name.err"; fi
}

counter() {   # counter NAME ATTR: a <counters> attribute of NAME.xml
    xmllint --xpath "string(/edgeaudit-report/capture/counters/@$2)" "$tmp/$1.xml" 2>/dev/null
}

within() {   # within NAME MB: peak RSS at most MB above the baseline
    grow=$(( (rss - base) / 1024 ))
    if [ "$grow" -le "$2" ]; then ok "$1: peak RSS ${grow} MB over the baseline (bound $2 MB)"
    else bad "$1: peak RSS ${grow} MB over the baseline, bound $2 MB"; fi
}

python3 "$gen" malformed "$tmp/m" > /dev/null || { echo "0 passed, 1 failed"; exit 1; }
measure baseline -r "$tmp/m/pcapng-unknown-block.pcapng"
base=$rss
echo "bounds: baseline peak RSS $((base / 1024)) MB"

# 1. Ten times the flow cap of unique 5-tuples.
python3 "$gen" flows 10000 "$tmp/flows.pcap"
measure flows -r "$tmp/flows.pcap" --max-flows 1000
peak=$(counter flows flows-peak)
evicted=$(counter flows flows-evicted)
expired=$(counter flows flows-expired)
total=$(counter flows flows)
if [ "${peak:-99999}" -le 1000 ]; then ok "flows: at most 1000 flows held at once (peak $peak)"
else bad "flows: flows-peak '$peak' over --max-flows 1000"; fi
if [ "${evicted:-0}" -ge 1 ] && [ $(( ${evicted:-0} + ${expired:-0} )) -ge 9000 ]; then
    ok "flows: $evicted flows evicted (and $expired expired) by the cap"
else bad "flows: flows-evicted '$evicted' + flows-expired '$expired' < 9000"; fi
if [ "$total" = 10000 ]; then ok "flows: all 10000 flows reported"; else bad "flows: $total flows reported, expected 10000"; fi
within flows 40

# 2. One SIP message with 1 MB of headers over TCP, and a 60 KB datagram with every field oversized.
python3 "$gen" sip-huge "$tmp/sip.pcap" 1024
measure sip-huge -r "$tmp/sip.pcap"
within sip-huge 16
dom=$(xmllint --xpath 'string(//flow[@transport="tcp"]/sip/@from-domain)' "$tmp/sip-huge.xml" 2>/dev/null)
if [ -n "$dom" ] && [ "$(printf %s "$dom" | wc -c)" -le 127 ]; then
    ok "sip-huge: the 200-byte From domain is kept cut to $(printf %s "$dom" | wc -c) bytes"
else bad "sip-huge: From domain '$(printf %s "$dom" | cut -c1-40)...' missing or over 127 bytes"; fi
n=$(counter sip-huge strings-truncated)
if [ "${n:-0}" -ge 1 ]; then ok "sip-huge: strings-truncated = $n"
else bad "sip-huge: strings-truncated = '$n': cut strings are not counted"; fi

# 3. A TLS handshake that never ends (16 MB of handshake records), and a 300-byte SNI.
python3 "$gen" tls-endless "$tmp/tls.pcap" 16
measure tls-endless -r "$tmp/tls.pcap"
within tls-endless 16
sni=$(xmllint --xpath 'string(//flow[@server-port="5061"]/@sni)' "$tmp/tls-endless.xml" 2>/dev/null)
if [ -n "$sni" ] && [ "$(printf %s "$sni" | wc -c)" -le 255 ]; then
    ok "tls-endless: the 313-byte SNI is kept cut to $(printf %s "$sni" | wc -c) bytes"
else bad "tls-endless: SNI missing or over 255 bytes"; fi
n=$(counter tls-endless strings-truncated)
if [ "${n:-0}" -ge 1 ]; then ok "tls-endless: strings-truncated = $n"
else bad "tls-endless: strings-truncated = '$n': the cut SNI is not counted"; fi

# 4. Report v2 (issue 13): memory does not grow with finished flows. 10,000 and then 100,000
#    flows one millisecond apart, with a 2 s UDP timeout: both runs hold about 3,000 flows at once;
#    nine in ten are out of scope, one in ten a finding of 50 initiators (50 families, one group).
#    Every flow is judged, grouped, written to the JSON lines and freed as it leaves the table.
#    Before report v2 the second run held every finished flow: 36 MB more.
python3 "$top/captures/make-scan.py" stream "$tmp/st1.pcap" 10000 &&
    python3 "$top/captures/make-scan.py" stream "$tmp/st10.pcap" 100000 ||
    bad "make-scan.py stream failed"
measure finished-1x -r "$tmp/st1.pcap" --udp-timeout 2 --json "$tmp/st1.jsonl"
rss1=$rss
measure finished-10x -r "$tmp/st10.pcap" --udp-timeout 2 --json "$tmp/st10.jsonl"
rss10=$rss
p1=$(counter finished-1x flows-peak); p10=$(counter finished-10x flows-peak)
f10=$(counter finished-10x flows)
if [ "$f10" = 100000 ] && [ -n "$p1" ] && [ "$p1" = "$p10" ] && [ "$p1" -le 10000 ]; then
    ok "finished flows: 100000 flows, at most $p10 alive at once, as with 10000"
else bad "finished flows: flows '$f10', peaks '$p1' and '$p10' (want 100000, equal, at most 10000)"; fi
if [ $((rss10 - rss1)) -le 4096 ]; then
    ok "finished flows: peak RSS $((rss1 / 1024)) MB with 10000 flows, $((rss10 / 1024)) MB with 100000 (within 4 MB)"
else bad "finished flows: peak RSS $((rss1 / 1024)) MB with 10000 flows but $((rss10 / 1024)) MB with 100000"; fi
n=$(grep -c '"type":"flow"' "$tmp/st10.jsonl" 2>/dev/null)
if [ "$n" = 100000 ]; then ok "finished flows: one JSON line per flow ($n)"
else bad "finished flows: $n JSON flow lines, expected 100000"; fi
g=$(xmllint --xpath 'string(//findings/group/@flows)' "$tmp/finished-10x.xml" 2>/dev/null)
i=$(xmllint --xpath 'string(//findings/group/@initiators)' "$tmp/finished-10x.xml" 2>/dev/null)
if [ "$g" = 10000 ] && [ "$i" = 50 ]; then ok "finished flows: the 10000 findings in one group of 50 initiators"
else bad "finished flows: group of '$g' flows and '$i' initiators, expected 10000 and 50"; fi

# 5. A report of 200,000 flows (out-of-scope DNS exchanges) and a scan of 2000 ports: by default
#    the XML and HTML list the groups and their examples, so the HTML is small and parses, while
#    the JSON lines hold every flow.
python3 "$top/captures/make-scan.py" bulk "$tmp/bulk.pcap" 200000 2000 || bad "make-scan.py bulk failed"
limit=600 measure bulk -r "$tmp/bulk.pcap" --html "$tmp/bulk.html" --json "$tmp/bulk.jsonl"
f=$(counter bulk flows)
if [ "$f" = 202013 ]; then ok "bulk: 202013 flows in the report"; else bad "bulk: '$f' flows, expected 202013"; fi
# Ports 22 and 443 answer the scanner (SYN-ACK): 22 is a flow no rule allows, 443 one of a rule.
s=$(xmllint --xpath 'string(//findings/group[@scan="yes"]/@port-ranges)' "$tmp/bulk.xml" 2>/dev/null)
if [ "$s" = 1-21,23-442,444-2000 ]; then ok "bulk: the scan is one group of ports $s"
else bad "bulk: scan group ports '$s', expected 1-21,23-442,444-2000"; fi
hs=$(wc -c < "$tmp/bulk.html" 2>/dev/null || echo 0)
xs=$(wc -c < "$tmp/bulk.xml" 2>/dev/null || echo 0)
if [ "$hs" -gt 0 ] && [ "$hs" -le 3000000 ] && [ "$xs" -le 5000000 ]; then
    ok "bulk: HTML $hs bytes (at most 3 MB), XML $xs bytes (at most 5 MB)"
else bad "bulk: HTML $hs bytes, XML $xs bytes: over 3 MB and 5 MB, or missing"; fi
# libxml2's HTML parser (HTML 4: it names HTML5 elements "invalid", yet parses them) and python's.
if [ "$(xmllint --html --xpath 'count(//section[@id="findings"]//h3)' "$tmp/bulk.html" 2> "$tmp/bulk.lint")" = 14 ] &&
    python3 -c '
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ends = []
    def handle_endtag(self, tag):
        if tag in ("body", "html"):
            self.ends.append(tag)
p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
p.close()
sys.exit(0 if p.ends == ["body", "html"] else 1)' "$tmp/bulk.html"
then ok "bulk: the HTML parses (xmllint --html finds the 14 groups; python to the closing </body></html>)"
else bad "bulk: the HTML does not parse: $(grep -v 'invalid' "$tmp/bulk.lint" | head -n 2)"; fi
n=$(grep -c '"type":"flow"' "$tmp/bulk.jsonl" 2>/dev/null)
if [ "$n" = 202013 ]; then ok "bulk: one JSON line per flow ($n)"
else bad "bulk: $n JSON flow lines, expected 202013"; fi

for x in flows sip-huge tls-endless finished-10x bulk; do
    if xmllint --noout "$tmp/$x.xml" 2>/dev/null; then ok "$x: report is well-formed"
    else bad "$x: report missing or not well-formed"; fi
done

tally_end
