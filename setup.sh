#!/bin/sh
# setup.sh: installs what is missing (Debian bookworm, as root), builds, then runs or tests.
#   ./setup.sh run     build, then audit the bundled sample capture into out/
#   ./setup.sh check   build, then run the whole test suite (make check)
#   ./setup.sh hardening   what CI runs (.ci/run): make check with warnings as errors, again under
#                      ASan+UBSan, valgrind over the capture regressions, cppcheck and clang-tidy,
#                      then every fuzz target for FUZZ_SECONDS (default 150) each
set -eu
cd "$(dirname "$0")"
mode=${1:-run}

# Build and test dependencies, by Debian package name.
pkgs="build-essential autoconf automake pkg-config libpcap-dev libndpi-dev libxml2-dev
libxml2-utils libxslt1-dev xsltproc libcunit1-dev chromium
tcpdump openssl gnutls-bin sip-tester iproute2 python3
libndpi-bin tshark valgrind time strace tcpreplay
wireshark-common cppcheck clang clang-tidy libclang-rt-14-dev
libsqlite3-dev libpq-dev sqlite3 postgresql"

missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "setup: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing
fi

[ -x configure ] || ./autogen.sh
if [ "$mode" = hardening ]; then
    ./configure -q --enable-werror
else
    [ -f Makefile ] || ./configure
fi
make -j"$(nproc)"

case "$mode" in
run)
    mkdir -p out
    set +e
    src/edgeaudit -r captures/own/matrix.pcap --site rules/examples/site-example.xml \
        --xml out/sample-report.xml --html out/sample-report.html
    rc=$?
    set -e
    echo "setup: exit $rc (0 compliant, 1 findings); reports in out/sample-report.xml and out/sample-report.html"
    [ $rc -le 1 ]
    ;;
check)
    make check
    ;;
hardening)
    top=$(pwd)
    # Sanitizer findings stop the run and are never mistaken for a verdict exit code.
    export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=1"
    export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
    echo "setup: 1/5 make check, warnings as errors"
    make check
    # The other builds are out of tree, from a pristine copy (make distdir): the tree is configured.
    b=$top/build-ci
    make -s distdir distdir=build-ci
    mkdir -p "$b/_san" "$b/_fuzz"
    echo "setup: 2/5 make check under AddressSanitizer and UndefinedBehaviorSanitizer"
    (cd "$b/_san" && ../configure -q --enable-sanitizers --enable-werror && make -j"$(nproc)" && make check)
    echo "setup: 3/5 valgrind memcheck over the capture regression tests"
    tests/valgrind.sh "$top"
    echo "setup: 4/5 cppcheck and clang-tidy over src/"
    tests/analyse.sh "$top"
    echo "setup: 5/5 fuzzing, ${FUZZ_SECONDS:-150}s per target"
    (cd "$b/_fuzz" && ../configure -q CC=clang --enable-fuzzing --enable-werror && make -j"$(nproc)")
    FUZZ_BIN_DIR="$b/_fuzz/fuzz" fuzz/run.sh --replay all
    FUZZ_BIN_DIR="$b/_fuzz/fuzz" FUZZ_WORK="$b/_fuzz/work" fuzz/run.sh all "${FUZZ_SECONDS:-150}"
    echo "setup: hardening passed"
    ;;
*)
    echo "usage: ./setup.sh run|check|hardening" >&2
    exit 2
    ;;
esac
