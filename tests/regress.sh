#!/bin/sh
# regress.sh: capture regression tests (tcpdump TESTLIST style) driven by tests/regress.list.
#
#   tests/regress.sh            run every test; ends with "N passed, N failed"
#   tests/regress.sh --update   rewrite tests/expected/ from the current binary; review with git diff
#
# regress.list lines:
#   run NAME CAPTURE EXIT [OPTIONS...]   run edgeaudit on CAPTURE (relative to the source tree),
#                                        expect exit code EXIT, compare NAME.flows and NAME.xml
#   has NAME REGEX                       NAME.flows must have a line matching REGEX (grep -E)
#   hasnt NAME REGEX                     ... and must not
#   xpath NAME EXPR VALUE                xmllint --xpath 'string(EXPR)' on NAME.xml must print VALUE
#   expect NAME FILE                     every flow line of FILE (tests/expect-verdicts.py format)
#                                        must match NAME.xml: verdict, reason code and rule ids
top=${EA_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
bin=${EDGEAUDIT_BIN:-$top/src/edgeaudit}
list=$top/tests/regress.list
exp=$top/tests/expected
out=${REGRESS_OUT:-out/regress}
update=0
[ "$1" = "--update" ] && update=1
mkdir -p "$out"
out=$(cd "$out" && pwd)
schema=$top/reports/edgeaudit-report.rng

passed=0
failed=0
ok()   { passed=$((passed + 1)); echo "PASS: $*"; }
bad()  { failed=$((failed + 1)); echo "FAIL: $*"; }

compare() {   # compare NAME EXT
    if [ $update -eq 1 ]; then
        cp "$out/$1.$2" "$exp/$1.$2"
        ok "$1.$2 (updated)"
    elif [ ! -f "$exp/$1.$2" ]; then
        bad "$1.$2: no expected file (run tests/regress.sh --update and review)"
    elif diff -u "$exp/$1.$2" "$out/$1.$2" > "$out/$1.$2.diff"; then
        ok "$1.$2"
    else
        bad "$1.$2 differs from tests/expected/$1.$2:"
        head -n 40 "$out/$1.$2.diff"
    fi
}

while read -r kind name rest; do
    case "$kind" in
    ''|'#'*) continue ;;
    run)
        set -f
        # shellcheck disable=SC2086
        set -- $rest
        set +f
        cap=$1; want=$2; shift 2
        (cd "$top" && "$bin" -r "$cap" --deterministic --quiet --flows \
            --xml "$out/$name.xml" "$@") > "$out/$name.flows" 2> "$out/$name.err"
        got=$?
        if [ "$got" = "$want" ]; then ok "$name: exit $got"; else bad "$name: exit $got, expected $want"; cat "$out/$name.err"; fi
        compare "$name" flows
        compare "$name" xml
        if [ -s "$schema" ]; then
            if xmllint --noout --relaxng "$schema" "$out/$name.xml" > "$out/$name.valid" 2>&1; then
                ok "$name.xml validates against reports/edgeaudit-report.rng"
            else
                bad "$name.xml does not validate:"; head -n 5 "$out/$name.valid"
            fi
        fi
        ;;
    has|hasnt)
        re=${rest}
        re=${re#\'}; re=${re%\'}
        if grep -Eq -- "$re" "$out/$name.flows"; then found=1; else found=0; fi
        if [ "$kind" = has ] && [ $found -eq 1 ]; then ok "$name has /$re/";
        elif [ "$kind" = hasnt ] && [ $found -eq 0 ]; then ok "$name has no /$re/";
        else bad "$name: $kind /$re/"; fi
        ;;
    xpath)
        expr=${rest% *}; value=${rest##* }
        expr=${expr#\'}; expr=${expr%\'}
        got=$(xmllint --xpath "string($expr)" "$out/$name.xml" 2>/dev/null)
        if [ "$got" = "$value" ]; then ok "$name: $expr = $value"; else bad "$name: $expr = '$got', expected '$value'"; fi
        ;;
    expect)
        if [ $update -eq 1 ]; then continue; fi
        python3 "$top/tests/expect-verdicts.py" "$out/$name.xml" "$top/$rest" > "$out/$name.expect" 2>&1
        sed 's/^/  /' "$out/$name.expect" | grep -v ' passed, '
        line=$(tail -n 1 "$out/$name.expect")
        case "$line" in
        *' passed, '*' failed')
            p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
            passed=$((passed + p)); failed=$((failed + f)) ;;
        *) bad "$name: expect-verdicts.py gave no tally" ;;
        esac
        ;;
    *) bad "regress.list: unknown line kind '$kind'" ;;
    esac
done < "$list"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
