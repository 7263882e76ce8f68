#!/bin/bash
# live.sh: the bench's live row: edgeaudit -i on one end of a veth pair in a private network namespace, tcpreplay into the other end at fixed rates.
#
#   bash bench/live.sh EDGEAUDIT CAPTURE OUTDIR SECONDS SITE      (run.sh calls it; root only)
#
# Both ends of the veth pair live in a namespace this script creates (IPv6 off, no addresses: the
# kernel sends nothing of its own), so no packet leaves it; it is deleted on exit. Each step
# starts edgeaudit afresh (-i on ea0, --keep-root, --report-dir, --json), sends CAPTURE (looped)
# into rp0 with tcpreplay -K at a fixed rate for SECONDS, stops edgeaudit with SIGINT and reads
# the loss from the report's <loss> (pcap_stats) and from the packets counted against those
# tcpreplay sent, and whether report.xml, report.html and the JSON lines were written and parse.
# Steps: 200k packets/s (issue 13's row), then upwards (300k, 400k, 600k, 800k, top speed) until
# the first loss or until tcpreplay cannot send faster, then one step halfway back.
set -u
ea=$1 cap=$2 out=$3 secs=$4 site=$5
echo ""
echo "## live: tcpreplay into a veth pair in a private network namespace"
echo ""
if [ "$(id -u)" != 0 ]; then
    echo "SKIP: the live row needs root (a network namespace and a capture)."
    exit 0
fi
for t in ip tcpreplay python3 xmllint; do
    command -v "$t" > /dev/null || { echo "SKIP: $t is missing (setup.sh installs it)."; exit 0; }
done
[ -s "$cap" ] || { echo "SKIP: no capture to replay (the 1st size was not generated)."; exit 0; }

ns=eabench-$$-$RANDOM
eapid=""
cleanup() {
    [ -n "$eapid" ] && kill -KILL "$eapid" 2> /dev/null
    ip netns del "$ns" 2> /dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$ns" || { echo "FAIL: cannot create a network namespace"; exit 0; }
ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 > /dev/null
ip -n "$ns" link add ea0 type veth peer name rp0 &&
    ip -n "$ns" link set ea0 up && ip -n "$ns" link set rp0 up ||
    { echo "FAIL: cannot make the veth pair"; exit 0; }
size=$(stat -c %s "$cap")
preload=-K
[ "$size" -gt $((3 * 1024 * 1024 * 1024)) ] && preload=""
echo "Capture replayed: $(basename "$cap") ($((size / 1048576)) MB, looped), $secs s per step;" \
    "edgeaudit -i ea0 --keep-root --report-dir DIR --json DIR/flows.json --site site-example.xml (libpcap's default buffer);" \
    "tcpreplay $preload -i rp0 --pps RATE --loop 0 --duration $secs."
echo ""
echo "| rate asked (packets/s) | sent | rate sent (packets/s) | received (pcap) | dropped (pcap) | if-dropped | counted by edgeaudit | loss | report.xml | report.html | JSON lines |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|"

# step RATE: one run; sets LOSS (0 or 1), SENT_PPS.
step() {
    local rate=$1 d="$out/live-$1" n=0 sent=0 spps=0 recv=- drop=- ifd=- pk=- x=no h=no j=no loss rateopt
    rm -rf "$d"; mkdir -p "$d"
    ip netns exec "$ns" "$ea" -i ea0 --keep-root --report-dir "$d" --json "$d/flows.json" --site "$site" \
        > "$d/alerts.log" 2> "$d/stderr.log" &
    eapid=$!
    until grep -q 'capturing on' "$d/stderr.log" 2> /dev/null; do
        if ! kill -0 "$eapid" 2> /dev/null || [ $n -ge 100 ]; then
            echo "| $rate | edgeaudit did not start: $(tail -n 1 "$d/stderr.log") | | | | | | | | | |"
            kill -KILL "$eapid" 2> /dev/null; wait "$eapid" 2> /dev/null; eapid=""
            LOSS=1; SENT_PPS=0; return
        fi
        sleep 0.1; n=$((n + 1))
    done
    if [ "$rate" = top ]; then rateopt=(-t); else rateopt=(--pps "$rate"); fi
    # shellcheck disable=SC2086
    ip netns exec "$ns" tcpreplay $preload -i rp0 "${rateopt[@]}" --loop 0 --duration "$secs" "$cap" > "$d/tcpreplay.log" 2>&1
    sent=$(sed -n 's/.*Actual: \([0-9]*\) packets.*/\1/p' "$d/tcpreplay.log" | head -n 1)
    spps=$(sed -n 's/.*Rated:.*, \([0-9.]*\) pps.*/\1/p' "$d/tcpreplay.log" | head -n 1)
    sleep 1
    kill -INT "$eapid" 2> /dev/null
    n=0
    while kill -0 "$eapid" 2> /dev/null && [ $n -lt 1200 ]; do sleep 0.1; n=$((n + 1)); done
    kill -KILL "$eapid" 2> /dev/null; wait "$eapid" 2> /dev/null; eapid=""
    if [ -s "$d/report.xml" ] && xmllint --noout --huge "$d/report.xml" 2> /dev/null; then
        x=yes
        read -r recv drop ifd < <(grep -o -m 1 '<loss [^>]*>' "$d/report.xml" |
            sed 's/.*received="\([0-9]*\)".*dropped="\([0-9]*\)".*if-dropped="\([0-9]*\)".*/\1 \2 \3/')
        pk=$(grep -o -m 1 '<capture packets="[0-9]*"' "$d/report.xml" | tr -dc 0-9)
    fi
    [ -s "$d/report.html" ] && python3 - "$d/report.html" << 'EOF' && h=yes
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    tags = set()
    def handle_starttag(self, tag, attrs): self.tags.add(tag)
p = P(); text = open(sys.argv[1], encoding='utf-8').read(); p.feed(text); p.close()
sys.exit(0 if {'html', 'table'} <= p.tags and text.rstrip().endswith('</html>') else 1)
EOF
    [ -s "$d/flows.json" ] && j=$(python3 -c 'import json, sys
n = sum(1 for l in open(sys.argv[1]) if json.loads(l) is not None)
print("yes (%d lines)" % n)' "$d/flows.json" 2> /dev/null || echo "no (does not parse)")
    loss=$(awk -v s="${sent:-0}" -v p="${pk:-0}" -v dr="${drop:-0}" 'BEGIN {
        if (s == 0 || p == "") { print "?"; exit }
        l = s - p; if (l < dr) l = dr; printf "%d (%.3f%%)", l, 100 * l / s }')
    echo "| $rate | ${sent:-?} | ${spps:-?} | ${recv:--} | ${drop:--} | ${ifd:--} | ${pk:--} | $loss | $x | $h | $j |"
    LOSS=1
    case $loss in "0 ("*) [ "${drop:-1}" = 0 ] && LOSS=0 ;; esac
    [ "$x" = yes ] && [ "$h" = yes ] || LOSS=1     # a missing report counts as a failed step
    SENT_PPS=${spps%.*}
}

best=""; best_sent=""; bound=""
step 200000
first_loss=$LOSS; first_sent=${SENT_PPS:-0}
if [ "$LOSS" = 0 ] && [ "$first_sent" -lt 180000 ]; then
    bound="the sender: tcpreplay reached only $first_sent packets/s (machine loaded?)"
    best=200000; best_sent=$first_sent
elif [ "$LOSS" = 0 ]; then
    best=200000; best_sent=$first_sent
    lossy=""
    for r in 300000 400000 600000 800000 top; do
        step "$r"
        if [ "$LOSS" = 1 ]; then lossy=$r; lossy_sent=${SENT_PPS:-0}; break; fi
        best=$r; best_sent=${SENT_PPS:-0}
        # tcpreplay could not reach the rate asked: the sender is the limit, not edgeaudit
        if [ "$r" != top ] && [ "${SENT_PPS:-0}" -lt $((r * 9 / 10)) ]; then bound="the sender (tcpreplay)"; break; fi
    done
    if [ -n "$lossy" ]; then
        mid=$(( (best_sent + lossy_sent) / 2 ))
        [ "$lossy" != top ] && mid=$(( (best + lossy) / 2 ))
        if [ "$mid" -gt "$best_sent" ]; then
            step "$mid"
            [ "$LOSS" = 0 ] && { best=$mid; best_sent=${SENT_PPS:-0}; }
        fi
        bound="loss (edgeaudit or the capture path)"
    fi
    [ -z "$bound" ] && bound="the sender (tcpreplay at top speed)"
fi
echo ""
if [ "$first_loss" = 0 ] && [ "$first_sent" -ge 180000 ]; then
    echo "200k packets/s for $secs s: no loss, all reports written (PASS)."
elif [ "$first_loss" = 0 ]; then
    echo "200k packets/s for $secs s: not reached, tcpreplay sent $first_sent packets/s (no loss at that rate, all reports written): FAIL (not measured at the rate)."
else
    echo "200k packets/s for $secs s (sent $first_sent packets/s): loss or a report missing (FAIL); no higher rates tried."
fi
[ "$first_loss" = 0 ] && echo "Highest rate with no loss: $best_sent packets/s sent ($best asked); limited by $bound."
exit 0
