#!/bin/sh
# make-examples.sh: writes the example reports; `make examples` and report-check.sh's staleness test share it.
#
#   reports/examples/make-examples.sh EDGEAUDIT OUTDIR
#
# Runs from the top of the source tree so that the reports name their sources
# as relative paths, and with --deterministic so that a rerun is byte-identical.
set -u
bin=$1
out=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
case $bin in /*) ;; */*) bin=$(pwd)/$bin ;; esac
mkdir -p "$out" || exit 3
out=$(cd "$out" && pwd)
cd "$top" || exit 3

# run NAME EXPECTED-EXIT ARGS...: one example, as xml, html and jsonl
run() {
    name=$1 want=$2
    shift 2
    "$bin" "$@" --deterministic --quiet --xml "$out/$name.xml" --html "$out/$name.html" \
        --json "$out/$name.jsonl"
    rc=$?
    if [ "$rc" != "$want" ]; then
        echo "make-examples: $name: edgeaudit exited $rc, expected $want" >&2
        exit 1
    fi
}

# The bundled sample capture, as `./setup.sh run` audits it: every matrix row and ten violations.
run sample 1 -r captures/own/matrix.pcap --site rules/examples/site-example.xml
# The project's own protocol captures against the default matrix.
run edge-findings 1 -r captures/own/mtls12.pcap -r captures/own/tls12-plain.pcap \
    -r captures/own/tls13.pcap -r captures/own/sip-udp.pcap \
    -r captures/own/turn.pcap -r captures/own/xmpp-s2s.pcap \
    --site rules/examples/site-example.xml
# A port scan (captures/make-scan.py): report v2 folds it into one scan group.
run scan 1 -r captures/own/scan.pcap --site rules/examples/site-example.xml
# Accepted findings (--accept): the after capture of tests/history-check.sh, one group accepted,
# one whose acceptance expired, one stale entry.
run accepted 1 -r captures/own/history-after.pcap --site rules/examples/site-example.xml \
    --accept tests/data/history-accept.xml
# A run with exit code 0: one rule that mtls12.pcap satisfies.
run compliant 0 -r captures/own/mtls12.pcap --rules tests/data/report-compliant-rules.xml \
    --role edge-access=192.0.2.10 --role federated-partner=203.0.113.20
exit 0
