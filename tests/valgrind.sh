#!/bin/sh
# valgrind.sh: the capture regression tests (regress.sh) with every edgeaudit run under valgrind memcheck.
#
#   tests/valgrind.sh BUILDDIR     BUILDDIR/src/edgeaudit, built without sanitizers
#
# A wrapper takes the place of EDGEAUDIT_BIN, so regress.sh checks exit codes and reports as usual;
# then each run's valgrind log must be empty: no invalid read or write, no use of uninitialised
# memory, no definite or indirect leak. Ends with "N passed, N failed". Needs the package valgrind.
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-.}" && pwd)
real=$build/src/edgeaudit
passed=0
failed=0

if [ ! -x "$real" ] || ! command -v valgrind > /dev/null; then
    echo "valgrind: needs $real and valgrind (Debian package valgrind)"; echo "0 passed, 1 failed"; exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ea-valgrind.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir "$tmp/logs"
cat > "$tmp/edgeaudit" <<EOS
#!/bin/sh
exec timeout 300 valgrind -q --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect \\
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --track-origins=yes \\
    --log-file="$tmp/logs/vg.%p.log" "$real" "\$@"
EOS
chmod +x "$tmp/edgeaudit"

EA_SRCDIR=$top EDGEAUDIT_DATADIR=$top EDGEAUDIT_BIN=$tmp/edgeaudit REGRESS_OUT=$tmp/regress \
    "$top/tests/regress.sh" > "$tmp/regress.log" 2>&1
grep -E '^FAIL' "$tmp/regress.log"
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$tmp/regress.log" | tail -n 1)
if [ -n "$line" ]; then
    passed=$((passed + ${line%% passed*}))
    f=${line#*passed, }; failed=$((failed + ${f%% failed*}))
else
    failed=$((failed + 1)); echo "FAIL: regress.sh under valgrind printed no tally"
fi

runs=0
for log in "$tmp"/logs/vg.*.log; do
    [ -f "$log" ] || continue
    runs=$((runs + 1))
    if [ -s "$log" ]; then
        failed=$((failed + 1)); echo "FAIL: valgrind reports errors in $(basename "$log"):"; head -n 40 "$log"
    else
        passed=$((passed + 1))
    fi
done
if [ "$runs" -eq 0 ]; then failed=$((failed + 1)); echo "FAIL: no run went through valgrind"
else echo "valgrind: $runs edgeaudit runs under memcheck"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
