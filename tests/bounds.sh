#!/bin/sh
# bounds.sh: resource bounds under hostile load: the flow cap evicts, huge headers and endless TLS stay small.
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
        timeout 90 /usr/bin/time -o "$tmp/$name.rss" -f '%M' "$bin" --quiet --deterministic --site "$site" \
            --xml "$tmp/$name.xml" "$@" > "$tmp/$name.out" 2> "$tmp/$name.err"
        rc=$?
    else
        timeout 90 python3 -c '
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

for x in flows sip-huge tls-endless; do
    if xmllint --noout "$tmp/$x.xml" 2>/dev/null; then ok "$x: report is well-formed"
    else bad "$x: report missing or not well-formed"; fi
done

tally_end
