#!/bin/bash
# live.sh: the bench's live row: edgeaudit -i on one end of a veth pair in a private network namespace, tcpreplay into the other end at fixed rates.
#
#   bash bench/live.sh EDGEAUDIT CAPTURE OUTDIR SECONDS SITE      (run.sh calls it; root only)
#
#   BENCH_LIVE_NICE   the autogroup nice of edgeaudit and of tcpreplay (default -10; "off" leaves
#                     the scheduling alone). Each runs in a session of its own (setsid), so in a
#                     scheduling autogroup of its own: with autogroups on (as on this kernel) the
#                     kernel shares the CPU between sessions first, and a plain nice means nothing
#                     against another session's work. On this shared machine, with 7 or 8 busy
#                     sessions, the sender and edgeaudit in the bench's session got a quarter of a
#                     core between them: tcpreplay waited for a CPU 75% of the time and sent 60k to
#                     110k packets/s. The nice only matters on a busy machine; each step lasts
#                     SECONDS.
#   BENCH_LIVE_SEARCH the steps of the search for the highest rate with no loss (default 3)
#
# Both ends of the veth pair live in a namespace this script creates (IPv6 off, no addresses: the
# kernel sends nothing of its own), so no packet leaves it; it is deleted on exit. Each step
# starts edgeaudit afresh (-i ea0, --keep-root, --report-dir, --json; its default ring), sends
# CAPTURE (looped) into rp0 with tcpreplay at a fixed rate for SECONDS, stops edgeaudit with
# SIGINT, and sets side by side: the packets tcpreplay sent, those the kernel received on ea0,
# libpcap's received and dropped (pcap_stats, from the report's <loss>), and those edgeaudit
# counted (<capture packets>). The loss is sent minus counted. It checks that report.xml is valid
# against the schema, that report.html parses, and that every JSON line parses.
#
# tcpreplay runs without -K: here its preload of the 600 MB capture took 10 to 15 s of CPU (page
# faults are dear in this VM) and it then sent slower (3.4 against 2.8 us of CPU per packet) than
# reading the file from the page cache. --no-flow-stats spares it a flow table per packet. Top
# speed is --pps 5000000, as -t ignores --duration.
#
# Steps: 200k packets/s (issue 13's row), top speed (the sender's ceiling), then a bisection
# between the highest rate with no loss and the lowest with loss (BENCH_LIVE_SEARCH steps, rates
# rounded to 10k). A rate is credited as sent, not as asked.
set -u
ea=$1 cap=$2 out=$3 secs=$4 site=$5
here=$(cd "$(dirname "$0")" && pwd)
rng=$here/../reports/edgeaudit-report.rng
prio=${BENCH_LIVE_NICE:--10}
nsearch=${BENCH_LIVE_SEARCH:-3}
echo ""
echo "## live: tcpreplay into a veth pair in a private network namespace"
echo ""
if [ "$(id -u)" != 0 ]; then
    echo "SKIP: the live row needs root (a network namespace and a capture)."
    exit 0
fi
for t in ip tcpreplay setsid python3 xmllint; do
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

# "${in_ns[@]}" CMD...: CMD inside the namespace, in a session (so an autogroup) of its own with
# the autogroup nice $prio. The pid stays the same through ip, setsid, bash and CMD (each execs
# the next; setsid does not fork: a non-interactive script's background job leads no process
# group), so that SIGINT reaches edgeaudit.
in_ns=(ip netns exec "$ns")
[ "$prio" = off ] ||
    in_ns+=(setsid bash -c '{ echo "$0" > /proc/self/autogroup; } 2> /dev/null; exec "$@"' "$prio")
kstat() { ip netns exec "$ns" cat "/sys/class/net/$1/statistics/$2"; }

echo "Capture replayed: $(basename "$cap") ($(($(stat -c %s "$cap") / 1048576)) MB, looped), $secs s per step;" \
    "edgeaudit -i ea0 --keep-root --report-dir DIR --json DIR/flows.json --site site-example.xml" \
    "(its default ring); tcpreplay --no-flow-stats -i rp0 --pps RATE --loop 0 --duration $secs" \
    "(top: --pps 5000000); each in a session of its own, autogroup nice $prio (BENCH_LIVE_NICE)." \
    "$(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC')."
echo ""
echo "| rate asked (packets/s) | load (1 min) | sent (tcpreplay) | rate sent (packets/s) | received on ea0 (kernel) | received (pcap) | dropped (pcap) | if-dropped (pcap) | counted by edgeaudit | loss (sent - counted) | report.xml (valid) | report.html (parses) | JSON lines (parse) |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|"

# step RATE: one run, one table row; sets CLEAN (1: no loss and every report written), SENT_PPS
# and, for the first step, MEANSZ (mean bytes per packet sent).
step() {
    local rate=$1 d="$out/live-$1" n=0 sent="" bytes="" spps=0 recv=- drop=- ifd=- pk=- x=no h=no j=no
    local loss load rx0 rx1 pps
    rm -rf "$d"; mkdir -p "$d"
    CLEAN=0; SENT_PPS=0
    rx0=$(kstat ea0 rx_packets)
    "${in_ns[@]}" "$ea" -i ea0 --keep-root --report-dir "$d" --json "$d/flows.json" --site "$site" \
        > "$d/alerts.log" 2> "$d/stderr.log" &
    eapid=$!
    until grep -q 'capturing on' "$d/stderr.log" 2> /dev/null; do
        if ! kill -0 "$eapid" 2> /dev/null || [ $n -ge 100 ]; then
            echo "| $rate | | edgeaudit did not start: $(tail -n 1 "$d/stderr.log") | | | | | | | | | | |"
            kill -KILL "$eapid" 2> /dev/null; wait "$eapid" 2> /dev/null; eapid=""
            return
        fi
        sleep 0.1; n=$((n + 1))
    done
    pps=$rate; [ "$rate" = top ] && pps=5000000
    load=$(cut -d ' ' -f 1 /proc/loadavg)
    "${in_ns[@]}" tcpreplay --no-flow-stats -i rp0 --pps "$pps" --loop 0 --duration "$secs" "$cap" > "$d/tcpreplay.log" 2>&1
    read -r sent bytes < <(sed -n 's/.*Actual: \([0-9]*\) packets (\([0-9]*\) bytes).*/\1 \2/p' "$d/tcpreplay.log" | head -n 1)
    spps=$(sed -n 's/.*Rated:.*, \([0-9.]*\) pps.*/\1/p' "$d/tcpreplay.log" | head -n 1)
    [ "${MEANSZ:-}" ] || MEANSZ=$(( ${bytes:-0} / (${sent:-0} > 0 ? ${sent:-1} : 1) ))
    sleep 1
    kill -INT "$eapid" 2> /dev/null
    n=0
    while kill -0 "$eapid" 2> /dev/null && [ $n -lt 1200 ]; do sleep 0.1; n=$((n + 1)); done
    kill -KILL "$eapid" 2> /dev/null; wait "$eapid" 2> /dev/null; eapid=""
    rx1=$(kstat ea0 rx_packets)
    if [ -s "$d/report.xml" ] && xmllint --noout --relaxng "$rng" "$d/report.xml" 2> "$d/xmllint.log"; then
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
    loss=$(awk -v s="${sent:-0}" -v p="${pk:--}" 'BEGIN {
        if (s == 0 || p == "-") { print "?"; exit }
        l = s - p; if (l < 0) { printf "%d (more counted than sent)", l; exit }
        printf "%d (%.3f%%)", l, 100 * l / s }')
    echo "| $rate | $load | ${sent:-?} | ${spps:-?} | $((rx1 - rx0)) | ${recv:--} | ${drop:--} | ${ifd:--} | ${pk:--} | $loss | $x | $h | $j |"
    case $loss in "0 ("*) [ "${drop:-1}" = 0 ] && [ "${ifd:-1}" = 0 ] && [ "$x" = yes ] && [ "$h" = yes ] &&
        case $j in yes*) CLEAN=1 ;; esac ;; esac
    SENT_PPS=${spps%.*}; SENT_PPS=${SENT_PPS:-0}
}

# The search: lo is the highest rate sent with no loss, hi the lowest asked with loss.
lo=0 lo_at="" hi="" top_sent=0
step 200000
first_clean=$CLEAN first_sent=$SENT_PPS
[ "$CLEAN" = 1 ] && { lo=$SENT_PPS; lo_at=200000; }
[ "$CLEAN" = 0 ] && [ "$SENT_PPS" -gt 0 ] && hi=$SENT_PPS
if [ "$CLEAN" = 1 ]; then
    step top
    top_sent=$SENT_PPS
    if [ "$CLEAN" = 1 ] && [ "$SENT_PPS" -gt "$lo" ]; then lo=$SENT_PPS; lo_at=top; fi
    [ "$CLEAN" = 0 ] && [ "$SENT_PPS" -gt 0 ] && hi=$SENT_PPS
fi
k=0
while [ -n "$hi" ] && [ "$k" -lt "$nsearch" ]; do
    mid=$(( (lo + hi) / 2 / 10000 * 10000 ))
    [ "$mid" -le "$lo" ] || [ "$mid" -ge "$hi" ] && break
    step "$mid"
    if [ "$CLEAN" = 1 ]; then
        [ "$SENT_PPS" -gt "$lo" ] && { lo=$SENT_PPS; lo_at=$mid; }
        [ "$SENT_PPS" -lt $((mid * 95 / 100)) ] && break   # the sender fell short: nothing to learn above
    else
        hi=$mid
    fi
    k=$((k + 1))
done
echo ""
echo "Mean packet sent: ${MEANSZ:-?} bytes. Load average at the end: $(cut -d ' ' -f 1-3 /proc/loadavg)."
if [ "$first_clean" = 1 ] && [ "$first_sent" -ge 196000 ]; then
    echo "200k packets/s for $secs s: sent $first_sent packets/s, no loss, report.xml, report.html and JSON lines written and parsed (PASS)."
elif [ "$first_clean" = 1 ]; then
    echo "200k packets/s for $secs s: not reached, tcpreplay sent $first_sent packets/s (no loss at that rate, all reports written): FAIL (not measured at the rate)."
else
    echo "200k packets/s for $secs s (sent $first_sent packets/s): loss or a report missing (FAIL)."
fi
if [ "$lo" -gt 0 ]; then
    if [ -z "$hi" ]; then why="the sender (tcpreplay reached $top_sent packets/s at top speed, with no loss)"
    else why="loss from $hi packets/s"; fi
    echo "Highest rate with no loss: $lo packets/s sent (step $lo_at); bounded by $why."
else
    echo "Highest rate with no loss: none found."
fi
exit 0
