#!/bin/sh
# hostile-replay.sh: every capture in captures/ cut short, corrupted and time-warped: no crash, no hang, sane XML.
#
# Environment: EDGEAUDIT_BIN, EA_SRCDIR. Needs editcap (wireshark-common) and python3.
# Each variant must exit 0, 1 or 2 within the timeout with no sanitizer report, give a
# well-formed report that read every record, and count malformed packets by kind.
top=${EA_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
bin=${EDGEAUDIT_BIN:-$top/src/edgeaudit}
gen=$top/tests/data/hostile-gen.py
site=$top/rules/examples/site-example.xml
limit=${HOSTILE_TIMEOUT:-30}
passed=0
failed=0
ok()  { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

if [ ! -x "$bin" ] || ! command -v editcap > /dev/null; then
    echo "hostile-replay: needs $bin and editcap (Debian package wireshark-common)"
    echo "0 passed, 1 failed"; exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ea-hostile.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
# Sanitizer reports get their own exit code so they are never taken for "findings" (1).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=99:detect_leaks=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-exitcode=99:halt_on_error=1:print_stacktrace=1}"

# check NAME FILE RECORDS [backwards]: one run and its checks.
check() {
    name=$1 file=$2 records=$3 want_back=$4
    xml=$tmp/$name.xml
    rm -f "$xml"
    timeout "$limit" "$bin" -r "$file" --quiet --deterministic --site "$site" --xml "$xml" \
        > "$tmp/$name.out" 2> "$tmp/$name.err"
    rc=$?
    case $rc in
    0|1|2) ok ;;
    124) bad "$name: no result within ${limit}s"; return ;;
    *) bad "$name: exit $rc:"; grep -m 3 -E 'ERROR|runtime error|SUMMARY' "$tmp/$name.err"; return ;;
    esac
    if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' "$tmp/$name.err"; then
        bad "$name: sanitizer report:"; grep -m 3 -E 'ERROR|runtime error|SUMMARY' "$tmp/$name.err"
    else ok; fi
    if [ ! -s "$xml" ] || ! xmllint --noout "$xml" 2> "$tmp/$name.xmlerr"; then
        bad "$name: report missing or not well-formed: $(head -n 1 "$tmp/$name.xmlerr")"; return
    fi
    ok
    got=$(xmllint --xpath 'string(/edgeaudit-report/capture/@packets)' "$xml")
    if [ "$got" = "$records" ]; then ok; else bad "$name: report read $got of $records records"; fi
    # Malformed counts: known kind names, a count each, never more than the packets.
    grep -o '<malformed kind="[^"]*"' "$xml" | sed 's/.*kind="//; s/"$//' > "$tmp/$name.kinds"
    kinds=$(grep -c '' "$tmp/$name.kinds")
    badkind=$(grep -cvE '^[a-z0-9][a-z0-9-]*$' "$tmp/$name.kinds")
    total=$(xmllint --xpath 'sum(/edgeaudit-report/capture/malformed/@count)' "$xml" 2>/dev/null)
    if [ "$badkind" -eq 0 ] && [ "${total%.*}" -le "$records" ]; then ok
    else bad "$name: malformed kinds or counts are off ($kinds kinds, $total packets)"; fi
    echo "$name $records ${total%.*}" >> "$tmp/malformed.tally"
    if [ -n "$want_back" ]; then
        back=$(xmllint --xpath 'string(/edgeaudit-report/capture/counters/@time-backwards)' "$xml")
        if [ "${back:-0}" -ge 1 ]; then ok; else bad "$name: time went backwards but time-backwards='$back'"; fi
    fi
}

for cap in "$top"/captures/real/* "$top"/captures/own/*.pcap "$top"/captures/own/*.pcapng; do
    [ -f "$cap" ] || continue
    base=$(basename "$cap"); base=${base%.*}
    n=$(capinfos -c -M "$cap" 2>/dev/null | awk '/Number of packets/ {print $NF}')
    [ -n "$n" ] || { bad "$base: capinfos cannot count its packets"; continue; }
    # Classic pcap copy for the python rewriters (pcapng keeps its own for the cuts).
    editcap -F pcap "$cap" "$tmp/$base.pcap" 2> /dev/null || cp "$cap" "$tmp/$base.pcap"
    for s in 64 96 128 256; do
        editcap -s "$s" "$cap" "$tmp/$base-s$s.cap" 2> /dev/null || { bad "$base: editcap -s $s failed"; continue; }
        check "$base-snap$s" "$tmp/$base-s$s.cap" "$n"
    done
    for seed in 1 2; do
        editcap -E 0.02 --seed "$seed" "$cap" "$tmp/$base-e$seed.cap" 2> /dev/null ||
            python3 "$gen" corrupt "$tmp/$base.pcap" "$tmp/$base-e$seed.cap" "$seed" 0.02
        check "$base-corrupt$seed" "$tmp/$base-e$seed.cap" "$n"
    done
    # Both at once: short and corrupted, the worst of a span port.
    editcap -s 96 -E 0.05 --seed 3 "$cap" "$tmp/$base-se.cap" 2> /dev/null &&
        check "$base-snap96-corrupt" "$tmp/$base-se.cap" "$n"
    if python3 "$gen" timewarp "$tmp/$base.pcap" "$tmp/$base-t.pcap" 2> "$tmp/$base-t.err"; then
        if [ "$n" -ge 3 ]; then check "$base-timewarp" "$tmp/$base-t.pcap" "$n" back
        else check "$base-timewarp" "$tmp/$base-t.pcap" "$n"; fi
    else
        echo "SKIP: $base-timewarp: $(cat "$tmp/$base-t.err")"
    fi
    # Twenty years ahead, then the original: the clock jumps back by decades between files.
    editcap -t 631152000 "$cap" "$tmp/$base-future.cap" 2> /dev/null &&
        check "$base-future" "$tmp/$base-future.cap" "$n"
done

# Strings no report may carry raw: U+FFFE/U+FFFF, controls, bad UTF-8 and markup in SNI and SIP headers.
python3 "$gen" strings "$tmp/strings.pcap"
check hostile-strings "$tmp/strings.pcap" "$(capinfos -c -M "$tmp/strings.pcap" | awk '/Number of packets/ {print $NF}')"

# Corruption must show up somewhere as counted malformed packets, or the counting is dead.
all=$(awk '$1 ~ /corrupt/ {s += $3} END {print s + 0}' "$tmp/malformed.tally")
if [ "$all" -gt 0 ]; then ok; echo "hostile-replay: $all malformed packets counted over the corrupted variants"
else bad "no malformed packet counted in any corrupted capture"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
