#!/bin/sh
# setup.sh: installs what is missing (Debian bookworm, as root), builds, then runs or tests.
#   ./setup.sh run     build, then audit the bundled sample capture into out/
#   ./setup.sh check   build, then run the whole test suite (make check)
set -eu
cd "$(dirname "$0")"
mode=${1:-run}

# Build and test dependencies, by Debian package name.
pkgs="build-essential autoconf automake pkg-config libpcap-dev libndpi-dev libxml2-dev
libxml2-utils libxslt1-dev xsltproc libcunit1-dev chromium
tcpdump openssl sip-tester iproute2 python3
libndpi-bin tshark valgrind time"

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
[ -f Makefile ] || ./configure
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
*)
    echo "usage: ./setup.sh run|check" >&2
    exit 2
    ;;
esac
