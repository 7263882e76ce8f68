#!/bin/sh
# run-tests.sh: runs the CUnit runner and the capture regression suite; one closing tally.
# Called by `make check` (tests/Makefile.am check-local) with srcdir, top_srcdir, top_builddir set.
srcdir=${srcdir:-.}
top_srcdir=$(cd "${top_srcdir:-..}" && pwd)
top_builddir=$(cd "${top_builddir:-..}" && pwd)
export EA_SRCDIR="$top_srcdir"
export EDGEAUDIT_BIN="$top_builddir/src/edgeaudit"
export EDGEAUDIT_DATADIR=
mkdir -p out

passed=0
failed=0
tally() {   # adds the last "N passed, N failed" line of file $1
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
    if [ -z "$line" ]; then
        echo "run-tests: $2 printed no tally: counted as one failure"
        failed=$((failed + 1))
        return
    fi
    p=${line%% passed*}
    f=${line#*passed, }
    f=${f%% failed*}
    passed=$((passed + p))
    failed=$((failed + f))
}

echo "== unit tests (CUnit)"
./test-runner > out/unit.log 2>&1
rc=$?
cat out/unit.log
tally out/unit.log "test-runner"
[ $rc -ne 0 ] && [ "$failed" -eq 0 ] && failed=1

echo "== capture regression tests"
"$top_srcdir/tests/regress.sh" > out/regress.log 2>&1
rc=$?
cat out/regress.log
tally out/regress.log "regress.sh"
[ $rc -ne 0 ] && [ "$failed" -eq 0 ] && failed=1

# Hostile input (issue 6): broken files, damaged captures, resource bounds.
for t in report-check browser-check threads-check merge-check malformed hostile-replay bounds; do
    echo "== $t"
    "$top_srcdir/tests/$t.sh" > "out/$t.log" 2>&1
    rc=$?
    cat "out/$t.log"
    before=$failed
    tally "out/$t.log" "$t.sh"
    [ $rc -ne 0 ] && [ "$failed" -eq "$before" ] && failed=$((failed + 1))
done

# Live mode on a private network namespace (root); bounded even if a process hangs.
echo "== live-check"
timeout 300 "$top_srcdir/tests/live-check.sh" > out/live-check.log 2>&1
rc=$?
cat out/live-check.log
before=$failed
tally out/live-check.log "live-check.sh"
[ $rc -ne 0 ] && [ "$failed" -eq "$before" ] && failed=$((failed + 1))

# Every committed fuzz corpus input once through its target (fuzz/ builds them at make check).
echo "== fuzz corpus replay"
FUZZ_BIN_DIR="$top_builddir/fuzz" "$top_srcdir/fuzz/run.sh" --replay all > out/fuzz-replay.log 2>&1
rc=$?
cat out/fuzz-replay.log
before=$failed
tally out/fuzz-replay.log "fuzz/run.sh --replay"
[ $rc -ne 0 ] && [ "$failed" -eq "$before" ] && failed=$((failed + 1))

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
