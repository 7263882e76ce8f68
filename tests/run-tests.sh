#!/bin/sh
# run-tests.sh: runs the CUnit runner and the capture regression suite; one closing tally.
# Called by `make check` (tests/Makefile.am check-local) with srcdir, top_srcdir, top_builddir set.
srcdir=${srcdir:-.}
top_srcdir=$(cd "${top_srcdir:-..}" && pwd)
top_builddir=$(cd "${top_builddir:-..}" && pwd)
export EA_SRCDIR="$top_srcdir"
export EDGEAUDIT_BIN="$top_builddir/src/edgeaudit"
export EDGEAUDIT_DATADIR="$top_srcdir"   # rules/ and reports/ of the tree under test
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

# suite HEADER LOG LABEL CMD...: runs CMD into out/LOG.log, shows it and adds its tally; a
# non-zero exit that its tally does not already count as a failure counts as one.
suite() {
    echo "== $1"
    log=out/$2.log
    label=$3
    shift 3
    "$@" > "$log" 2>&1
    rc=$?
    cat "$log"
    before=$failed
    tally "$log" "$label"
    [ $rc -ne 0 ] && [ "$failed" -eq "$before" ] && failed=$((failed + 1))
}

if [ -x ./test-runner ]; then
    suite "unit tests (CUnit)" unit test-runner ./test-runner
else
    echo "== unit tests (CUnit)"
    echo "run-tests: FAIL: no CUnit test runner: CUnit was missing at configure time;" \
        "install the Debian package libcunit1-dev and run configure again"
    failed=$((failed + 1))
fi
# Issue 12: no cycle between src/ modules, no function over 80 lines or 6 parameters.
suite "structure check" structure structure-check.py \
    python3 "$top_srcdir/tests/structure-check.py" --self-test --src "$top_srcdir/src"
# Issue 14: every firewall table row of each page is a rule of its pack; every pack validates.
suite "rule packs against their pages" pack-check pack-check.py python3 "$top_srcdir/tests/pack-check.py"
suite "capture regression tests" regress regress.sh "$top_srcdir/tests/regress.sh"

# Hostile input (issue 6): broken files, damaged captures, resource bounds.
for t in report-check browser-check threads-check merge-check diff-check history-check db-check labels malformed hostile-replay bounds scale-check; do
    suite "$t" "$t" "$t.sh" "$top_srcdir/tests/$t.sh"
done

# Live mode on a private network namespace (root); bounded even if a process hangs.
suite live-check live-check live-check.sh timeout 300 "$top_srcdir/tests/live-check.sh"

# Every committed fuzz corpus input once through its target (fuzz/ builds them at make check).
suite "fuzz corpus replay" fuzz-replay "fuzz/run.sh --replay" \
    env FUZZ_BIN_DIR="$top_builddir/fuzz" "$top_srcdir/fuzz/run.sh" --replay all

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
