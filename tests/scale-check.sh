#!/bin/sh
# scale-check.sh: size is a non-event (issue 13): no system call per packet, and the HTML of a report over libxml2's 10 MB limits.
#
# Environment: EDGEAUDIT_BIN, EA_SRCDIR. Ends with "N passed, N failed".
# System calls are counted with strace -c -f (Debian package strace, in setup.sh). They are
# marginal: the calls on a capture of 100,000 packets minus those on one of 20,000 packets with
# the same flows, over the 80,000 packets between, so that start-up (nDPI, a sanitizer's own
# calls) does not count. Before issue 13 a classic pcap cost 3 calls per packet (ftell was an
# lseek) and every input about 0.08 (a read per 4 KB); the bound is 0.01.
top=${EA_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
bin=${EDGEAUDIT_BIN:-$top/src/edgeaudit}
site=$top/rules/examples/site-example.xml
xsl=$top/reports/edgeaudit.xsl
. "$top/tests/lib-tally.sh"

if [ ! -x "$bin" ]; then
    echo "scale-check: $bin not built"; echo "0 passed, 1 failed"; exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ea-scale.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
# LeakSanitizer cannot run under a tracer (strace); the leak checks run elsewhere.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# 1. System calls per packet for pcap, pcapng, a file on standard input and a pipe.
small=$tmp/small.pcap
big=$tmp/big.pcap
python3 "$top/bench/gen-capture.py" --packets 20000 --flows 400 "$small" > "$tmp/gen.out" 2>&1 &&
    python3 "$top/bench/gen-capture.py" --packets 100000 --flows 400 "$big" >> "$tmp/gen.out" 2>&1 ||
    { bad "gen-capture.py failed"; tally_end; exit 1; }
# packets NAME: the records gen-capture.py wrote into NAME ("FILE: N packets, F flows").
packets() { sed -n "s|^$1: \([0-9]*\) packets.*|\1|p" "$tmp/gen.out"; }
n_small=$(packets "$small")
n_big=$(packets "$big")

# calls MODE FILE: system calls of one run of edgeaudit on FILE read as MODE; empty on failure.
calls() {
    case $1 in
    file) strace -f -c -o "$tmp/strace.out" "$bin" --quiet --site "$site" -r "$2" > /dev/null 2>&1 ;;
    stdin) strace -f -c -o "$tmp/strace.out" "$bin" --quiet --site "$site" -r - < "$2" > /dev/null 2>&1 ;;
    pipe) cat "$2" | strace -f -c -o "$tmp/strace.out" "$bin" --quiet --site "$site" -r - > /dev/null 2>&1 ;;
    esac
    [ $? -le 1 ] || return
    awk '$NF == "total" { print ($(NF - 2) ~ /^[0-9]+$/) ? $(NF - 2) : $(NF - 1) }' "$tmp/strace.out"
}

if ! command -v strace > /dev/null; then
    bad "strace is missing (setup.sh installs it)"
elif ! strace -f -c -o /dev/null true 2> /dev/null; then
    echo "SKIP: system calls per packet: strace cannot trace here (ptrace not permitted)"
elif [ -z "$n_small" ] || [ -z "$n_big" ] || [ "$n_big" -le "$n_small" ]; then
    bad "gen-capture.py did not say how many packets it wrote"
else
    ng=""
    if command -v editcap > /dev/null && editcap -F pcapng "$small" "$tmp/small.pcapng" &&
        editcap -F pcapng "$big" "$tmp/big.pcapng"; then ng=1
    else bad "editcap (wireshark-common) cannot write pcapng"; fi
    for c in "pcap file pcap" "pcapng file pcapng" "stdin stdin pcap" "pipe pipe pcap"; do
        set -- $c
        [ "$3" = pcapng ] && [ -z "$ng" ] && continue
        a=$(calls "$2" "$tmp/small.$3")
        b=$(calls "$2" "$tmp/big.$3")
        if [ -z "$a" ] || [ -z "$b" ]; then
            bad "$1: edgeaudit failed under strace"; continue
        fi
        if awk -v a="$a" -v b="$b" -v n=$((n_big - n_small)) 'BEGIN { exit !((b - a) / n < 0.01) }'; then
            ok "$1: $((b - a)) more system calls for $((n_big - n_small)) more packets (under 0.01 per packet)"
        else
            bad "$1: $((b - a)) more system calls for $((n_big - n_small)) more packets: 0.01 per packet at most"
        fi
    done
fi

# 2. A report over libxml2's default limits (10 MB of lookup: "Huge input lookup") still gets
#    its HTML, and it is the one xsltproc --huge renders from the same XML.
flows=25000
python3 "$top/tests/data/hostile-gen.py" flows $flows "$tmp/flows.pcap" ||
    { bad "hostile-gen.py flows failed"; tally_end; exit 1; }
list=""
"$bin" --help 2>&1 | grep -q -- '--list-flows' && list="--list-flows all"
# shellcheck disable=SC2086
timeout 600 "$bin" --quiet --deterministic --site "$site" -r "$tmp/flows.pcap" $list \
    --xml "$tmp/flows.xml" --html "$tmp/flows.html" > "$tmp/flows.out" 2> "$tmp/flows.err"
rc=$?
if [ $rc -le 1 ] && [ ! -s "$tmp/flows.err" ]; then ok "large report: exit $rc, nothing on stderr"
else bad "large report: exit $rc: $(head -n 1 "$tmp/flows.err")"; fi
size=$(wc -c < "$tmp/flows.xml" 2> /dev/null || echo 0)
if [ "$size" -gt 10000000 ]; then ok "large report: the XML has $size bytes, over the 10 MB limits"
else bad "large report: the XML has only $size bytes: the check no longer exceeds libxml2's limits"; fi
if [ -s "$tmp/flows.html" ]; then ok "large report: the HTML is written"
else bad "large report: no HTML"; fi
if xsltproc --huge --nonet "$xsl" "$tmp/flows.xml" > "$tmp/flows.ref.html" 2> "$tmp/xsltproc.err" &&
    cmp -s "$tmp/flows.html" "$tmp/flows.ref.html"; then
    ok "large report: the HTML is the one xsltproc --huge renders"
else bad "large report: the HTML differs from xsltproc --huge's: $(head -n 1 "$tmp/xsltproc.err")"; fi
if python3 - "$tmp/flows.html" 2> /dev/null <<'EOF'
# The HTML parses to its end: the body and html elements close.
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
sys.exit(0 if p.ends == ["body", "html"] else 1)
EOF
then ok "large report: the HTML parses to its closing </body></html>"
else bad "large report: the HTML does not parse to its end"; fi

tally_end
