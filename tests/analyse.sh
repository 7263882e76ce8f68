#!/bin/sh
# analyse.sh: cppcheck and clang-tidy over src/; each warning fails. Ends with "N passed, N failed".
#
#   tests/analyse.sh BUILDDIR     BUILDDIR holds config.h (any configured build)
#
# Suppressions and the reason for each: tests/cppcheck.supp, .clang-tidy (and NOLINT comments
# that name their check, with the reason on the line above). Not part of make check: CI runs it
# from `./setup.sh hardening`. Needs the Debian packages cppcheck, clang-tidy.
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-.}" && pwd)
passed=0
failed=0
log=${TMPDIR:-/tmp}/ea-analyse.$$
trap 'rm -f "$log"' EXIT INT TERM

if [ ! -f "$build/config.h" ]; then
    echo "analyse: $build/config.h not found: give a configured build directory"; echo "0 passed, 1 failed"; exit 1
fi
cd "$top" || exit 1

if command -v cppcheck > /dev/null; then
    # shellcheck disable=SC2046
    cppcheck -q --std=c11 --enable=warning,style,portability,performance --inline-suppr \
        --suppressions-list=tests/cppcheck.supp --error-exitcode=1 \
        -I src -I "$build" -D_DEFAULT_SOURCE -DHAVE_CONFIG_H src/ > "$log" 2>&1
    if [ $? -eq 0 ] && [ ! -s "$log" ]; then passed=$((passed + 1)); echo "PASS: cppcheck src/"
    else failed=$((failed + 1)); echo "FAIL: cppcheck src/:"; cat "$log"; fi
else
    failed=$((failed + 1)); echo "FAIL: cppcheck not installed (Debian package cppcheck)"
fi

if command -v clang-tidy > /dev/null; then
    # shellcheck disable=SC2046
    flags="-std=c11 -D_DEFAULT_SOURCE -DHAVE_CONFIG_H -I$build -Isrc -DEA_DATADIR=\"/usr/share/edgeaudit\"
        $(pkg-config --cflags libpcap libndpi libxml-2.0 libxslt sqlite3 libpq)"
    for f in src/*.c; do
        # shellcheck disable=SC2086
        if clang-tidy -quiet "$f" -- $flags > "$log" 2>&1; then
            passed=$((passed + 1))
        else
            failed=$((failed + 1)); echo "FAIL: clang-tidy $f:"; grep -E 'warning:|error:' "$log" | head -n 20
        fi
    done
    echo "analyse: clang-tidy over $(ls src/*.c | wc -l) files"
else
    failed=$((failed + 1)); echo "FAIL: clang-tidy not installed (Debian package clang-tidy)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
