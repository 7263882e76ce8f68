# lib-tally.sh: the pass/fail tally every check script shares (POSIX sh; source me).
#   . "$top/tests/lib-tally.sh"; ok "what held"; bad "what did not"; tally_end
# tally_end prints the closing "N passed, N failed" line that run-tests.sh adds up, and
# returns non-zero when anything failed.
passed=0
failed=0
ok()  { passed=$((passed + 1)); echo "PASS: $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
tally_end() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
