#!/bin/sh
# threads-check.sh: --threads 2 and 3 must give the reports of --threads 1 on every capture.
#
#   EDGEAUDIT_BIN=build/src/edgeaudit EA_SRCDIR=/path/to/source tests/threads-check.sh
#
# Runs each `run` line of tests/regress.list (same capture, same options) and
# compares the XML and HTML reports (--deterministic) byte for byte, the JSON
# lines as a set (issue 13: "the same set of lines"; sorted, then compared),
# the --flows lines, standard error and the exit code. Also generated mixed
# captures (bench/gen-capture.py, IPv6 included): a few thousand flows, with
# and without short timeouts (flows expiring in the middle of the capture:
# expiry across workers), and 25,000 flows, most alive at the end (the
# workers hand their flushed flows back in batches, the JSON lines in
# several blocks). Ends with "N passed, N failed"; non-zero on failure.
top=${EA_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
bin=${EDGEAUDIT_BIN:-$top/src/edgeaudit}
out=${THREADS_OUT:-out/threads-check}
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)

. "$top/tests/lib-tally.sh"

# same NAME CAPTURE [OPTIONS...]: --threads 1, 2 and 3 agree on everything they write.
same() {
    name=$1; cap=$2; shift 2
    for t in 1 2 3; do
        (cd "$top" && timeout 120 "$bin" -r "$cap" --deterministic --quiet --flows --threads "$t" \
            --xml "$out/$name.t$t.xml" --html "$out/$name.t$t.html" --json "$out/$name.t$t.json" "$@") \
            > "$out/$name.t$t.flows" 2> "$out/$name.t$t.err"
        echo $? > "$out/$name.t$t.rc"
        if [ -f "$out/$name.t$t.json" ]; then
            LC_ALL=C sort "$out/$name.t$t.json" > "$out/$name.t$t.jsonset"
        else
            echo "no JSON lines written" > "$out/$name.t$t.jsonset"
        fi
    done
    if [ ! -s "$out/$name.t1.xml" ]; then
        bad "$name: --threads 1 wrote no report (exit $(cat "$out/$name.t1.rc"))"
        head -n 3 "$out/$name.t1.err"
        return
    fi
    for t in 2 3; do
        d=""
        for ext in xml html jsonset flows rc err; do
            cmp -s "$out/$name.t1.$ext" "$out/$name.t$t.$ext" || d="$d $ext"
        done
        if [ -z "$d" ]; then
            ok "$name: --threads $t identical to --threads 1"
        else
            bad "$name: --threads $t differs in:$d"
            diff "$out/$name.t1.xml" "$out/$name.t$t.xml" | head -n 10
        fi
    done
}

while read -r kind name rest; do
    [ "$kind" = run ] || continue
    set -f
    # shellcheck disable=SC2086
    set -- $rest
    set +f
    cap=$1
    shift 2
    same "$name" "$cap" "$@"
done < "$top/tests/regress.list"

# A larger mixed capture, and flows expiring mid-capture on worker clocks kept in step.
gen=$out/mixed.pcap
if python3 "$top/bench/gen-capture.py" --packets 60000 --flows 3000 --pps 2000 "$gen" 2> "$out/gen.err"; then
    site=rules/examples/site-example.xml
    same mixed "$gen" --site "$site"
    same mixed-expiry "$gen" --site "$site" --udp-timeout 2 --tcp-timeout 5
else
    bad "bench/gen-capture.py failed"; cat "$out/gen.err"
fi

# Many flows, most of them alive when the capture ends: the flush at the end goes in batches.
many=$out/many.pcap
if python3 "$top/bench/gen-capture.py" --packets 200000 --flows 25000 --pps 4000 "$many" 2> "$out/gen-many.err"; then
    same many "$many" --site rules/examples/site-example.xml
    n=$(grep -c '"type":"flow"' "$out/many.t1.json" 2> /dev/null)
    if [ "${n:-0}" -ge 20000 ]; then ok "many: $n flows in the JSON lines"; else bad "many: ${n:-no} flows in the JSON lines, 20000 or more expected"; fi
else
    bad "bench/gen-capture.py failed (many flows)"; cat "$out/gen-many.err"
fi

# Several inputs with a filter expression (frame numbers run on across files).
same two-files captures/own/sip-udp.pcap -r captures/own/turn.pcap -r captures/own/tls13.pcap \
    --site rules/examples/site-example.xml not port 53

# An input cut in the middle of a record: what was read is kept and the report says partial.
if [ -s "$gen" ]; then
    head -c 1000000 "$gen" > "$out/cut.pcap"
    same cut "$out/cut.pcap" --site rules/examples/site-example.xml
fi

# Usage errors.
(cd "$top" && "$bin" -r captures/own/sip-udp.pcap --threads 0) > /dev/null 2>&1
rc=$?
if [ $rc = 2 ]; then ok "--threads 0: exit 2"; else bad "--threads 0: exit $rc, expected 2"; fi
(cd "$top" && "$bin" -r captures/own/sip-udp.pcap --threads 65) > /dev/null 2>&1
rc=$?
if [ $rc = 2 ]; then ok "--threads 65: exit 2"; else bad "--threads 65: exit $rc, expected 2"; fi

tally_end
