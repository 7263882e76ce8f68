#!/bin/sh
# malformed.sh: edgeaudit on broken capture files: one error line naming file and packet, exit 2, a partial report.
#
# Environment: EDGEAUDIT_BIN (the binary), EA_SRCDIR (the source tree). Ends with "N passed, N failed".
# The files are generated into a temporary directory by tests/data/hostile-gen.py; the expectation of
# each (error or not, failing packet, records read before it) is in the cases.txt it writes.
top=${EA_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
bin=${EDGEAUDIT_BIN:-$top/src/edgeaudit}
gen=$top/tests/data/hostile-gen.py
site=$top/rules/examples/site-example.xml
. "$top/tests/lib-tally.sh"

if [ ! -x "$bin" ]; then
    echo "malformed: $bin not built"; echo "0 passed, 1 failed"; exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ea-malformed.XXXXXX") || exit 1
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
chmod 755 "$tmp"
mkdir "$tmp/in" "$tmp/out"
chmod 777 "$tmp/out"   # the permission case runs as nobody and writes its report here
python3 "$gen" malformed "$tmp/in" || { echo "0 passed, 1 failed"; exit 1; }

# run NAME [PREFIX...] -- ARGS: runs edgeaudit with a report in out/NAME.xml; sets rc, stderr in out/NAME.err.
run() {
    name=$1; shift
    pre=""
    while [ "$1" != "--" ]; do pre="$pre $1"; shift; done
    shift
    # shellcheck disable=SC2086
    timeout 60 $pre "$bin" --quiet --deterministic --site "$site" --xml "$tmp/out/$name.xml" "$@" \
        > "$tmp/out/$name.out" 2> "$tmp/out/$name.err"
    rc=$?
}

xp() {   # xp NAME XPATH: the string value of XPATH in out/NAME.xml
    xmllint --xpath "string($2)" "$tmp/out/$name.xml" 2>/dev/null
}

# expect_error NAME FILE-SHOWN PACKET|- READ: one error line, exit 2, partial report of READ records.
expect_error() {
    name=$1 shown=$2 pkt=$3 read=$4
    if [ "$rc" -eq 2 ]; then ok "$name: exit 2"; else bad "$name: exit $rc, expected 2"; fi
    lines=$(grep -c '' "$tmp/out/$name.err")
    if [ "$lines" -eq 1 ]; then ok "$name: one line on stderr"
    else bad "$name: $lines lines on stderr, expected 1:"; head -n 5 "$tmp/out/$name.err"; fi
    if grep -qF -- "$shown" "$tmp/out/$name.err"; then ok "$name: the error names the file"
    else bad "$name: the error does not name $shown: $(head -n 1 "$tmp/out/$name.err")"; fi
    if [ "$pkt" != "-" ]; then
        if grep -q "packet $pkt\b" "$tmp/out/$name.err"; then ok "$name: the error names packet $pkt"
        else bad "$name: the error does not name packet $pkt: $(head -n 1 "$tmp/out/$name.err")"; fi
    fi
    if [ ! -s "$tmp/out/$name.xml" ]; then
        bad "$name: no XML report written"
        return
    fi
    if xmllint --noout "$tmp/out/$name.xml" 2>/dev/null; then ok "$name: report is well-formed"
    else bad "$name: report is not well-formed XML"; fi
    got=$(xp "$name" /edgeaudit-report/capture/@partial)
    if [ "$got" = true ]; then ok "$name: capture partial=\"true\""
    else bad "$name: capture partial='$got', expected true"; fi
    got=$(xp "$name" /edgeaudit-report/capture/@packets)
    if [ "$got" = "$read" ]; then ok "$name: report keeps the $read packets read before the error"
    else bad "$name: report has packets='$got', expected $read"; fi
}

# expect_fine NAME READ: no error, exit 0 or 1, complete report of READ records.
expect_fine() {
    name=$1 read=$2
    if [ "$rc" -le 1 ]; then ok "$name: exit $rc"; else bad "$name: exit $rc, expected 0 or 1:"; head -n 3 "$tmp/out/$name.err"; fi
    if [ ! -s "$tmp/out/$name.err" ]; then ok "$name: nothing on stderr"
    else bad "$name: stderr: $(head -n 1 "$tmp/out/$name.err")"; fi
    got=$(xp "$name" /edgeaudit-report/capture/@partial)
    if [ -z "$got" ]; then ok "$name: report not partial"; else bad "$name: partial='$got' on a good file"; fi
    got=$(xp "$name" /edgeaudit-report/capture/@packets)
    if [ "$got" = "$read" ]; then ok "$name: $read packets"; else bad "$name: packets='$got', expected $read"; fi
}

# expect_empty NAME FILE-SHOWN: a valid capture of no records: exit 0 or 1, one warning line
# naming the file, a complete (not partial) report of 0 packets.
expect_empty() {
    name=$1 shown=$2
    if [ "$rc" -le 1 ]; then ok "$name: exit $rc"; else bad "$name: exit $rc, expected 0 or 1"; fi
    if [ "$(grep -c '' "$tmp/out/$name.err")" -eq 1 ] && grep -qF -- "$shown: no packets" "$tmp/out/$name.err"
    then ok "$name: one warning line naming the file"
    else bad "$name: stderr is not one 'no packets' warning: $(head -n 2 "$tmp/out/$name.err")"; fi
    got=$(xp "$name" /edgeaudit-report/capture/@partial)
    if [ -z "$got" ]; then ok "$name: report not partial"; else bad "$name: partial='$got' on a valid file"; fi
    got=$(xp "$name" /edgeaudit-report/capture/@packets)
    if [ "$got" = 0 ]; then ok "$name: 0 packets"; else bad "$name: packets='$got', expected 0"; fi
}

# The generated files.
while read -r file kind pkt read; do
    run "$file" -- -r "$tmp/in/$file"
    case $kind in
    error) expect_error "$file" "$tmp/in/$file" "$pkt" "$read" ;;
    empty) expect_empty "$file" "$tmp/in/$file" ;;
    *) expect_fine "$file" "$read" ;;
    esac
done < "$tmp/in/cases.txt"

# A directory, a missing file, standard input that is not a capture.
run directory -- -r "$tmp/in"
expect_error directory "$tmp/in" - 0
run missing -- -r "$tmp/in/no-such-file.pcap"
expect_error missing "$tmp/in/no-such-file.pcap" - 0
name=stdin-text
timeout 60 "$bin" --quiet --deterministic --site "$site" --xml "$tmp/out/$name.xml" -r - \
    < "$tmp/in/text.pcap" > "$tmp/out/$name.out" 2> "$tmp/out/$name.err"
rc=$?
expect_error stdin-text "-:" - 0

# Two inputs: the packets of the good one stay in the report when the second breaks.
cp "$tmp/in/pcapng-unknown-block.pcapng" "$tmp/in/good.pcapng"
run good-then-truncated -- -r "$tmp/in/good.pcapng" -r "$tmp/in/truncated-last-record.pcap"
expect_error good-then-truncated "$tmp/in/truncated-last-record.pcap" 3 5

# A file that cannot be read: root reads anything, so run as nobody then.
cp "$tmp/in/good.pcapng" "$tmp/in/unreadable.pcap"
chmod 000 "$tmp/in/unreadable.pcap"
if [ "$(id -u)" -eq 0 ]; then
    if command -v setpriv > /dev/null; then
        run unreadable setpriv --reuid=65534 --regid=65534 --clear-groups -- -r "$tmp/in/unreadable.pcap"
        expect_error unreadable "$tmp/in/unreadable.pcap" - 0
    else
        echo "SKIP: unreadable: root without setpriv"
    fi
else
    run unreadable -- -r "$tmp/in/unreadable.pcap"
    expect_error unreadable "$tmp/in/unreadable.pcap" - 0
fi

# A file name with a control character and invalid UTF-8: the report must stay well-formed XML.
weird=$(printf '%s/in/ctl\001name-\377\376.pcap' "$tmp")
cp "$tmp/in/good.pcapng" "$weird"
run weird-name -- -r "$weird"
expect_fine weird-name 3
if xmllint --noout "$tmp/out/weird-name.xml" 2>/dev/null; then ok "weird-name: report is well-formed"
else bad "weird-name: a file name with control bytes makes the report ill-formed XML"; fi
rm -f "$weird"
weird=$(printf '%s/in/missing-\001-\377.pcap' "$tmp")
run weird-missing -- -r "$weird"
if [ "$rc" -eq 2 ] && [ -s "$tmp/out/weird-missing.xml" ] && xmllint --noout "$tmp/out/weird-missing.xml" 2>/dev/null
then ok "weird-missing: exit 2 and a well-formed report"
else bad "weird-missing: exit $rc, or the report is missing or ill-formed"; fi

tally_end
