#!/bin/sh
# browser-check.sh: renders an HTML report in headless Chromium, screenshots it and checks what a reader sees.
#
#   tests/browser-check.sh [REPORT.html REPORT.xml]
#
# Without arguments it makes a report from the test captures with $EDGEAUDIT_BIN
# (sources at $EA_SRCDIR). Chromium comes from the set-up (Debian package
# "chromium"); without it this FAILS rather than skips. Checks that the page's
# text (from the DOM Chromium built, CSS applied) holds the verdict banner,
# every rule id of the XML report and the table of unexpected and blocked
# flows, and that no script ran. Leaves out/browser-check/report.png to look at.
# Ends with "N passed, N failed"; non-zero on failure.
top=${EA_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
bin=${EDGEAUDIT_BIN:-$top/src/edgeaudit}
out=${BROWSER_OUT:-out/browser-check}
mkdir -p "$out"
out=$(cd "$out" && pwd)

. "$top/tests/lib-tally.sh"
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

chrome=
for c in chromium chromium-browser google-chrome; do
    if command -v "$c" > /dev/null 2>&1; then chrome=$c; break; fi
done
if [ -z "$chrome" ]; then
    bad "chromium is not installed: run the set-up (setup.sh installs the Debian package chromium)"
    finish
fi

if [ $# -ge 2 ]; then
    html=$1; xml=$2
else
    html=$out/report.html; xml=$out/report.xml
    (cd "$top" && "$bin" -r captures/own/hostile.pcap -r captures/own/mtls12.pcap -r captures/own/turn.pcap \
        -r captures/own/xmpp-s2s.pcap -r captures/own/tls13.pcap --site rules/examples/site-example.xml \
        --deterministic --quiet --xml "$xml" --html "$html") > "$out/run.log" 2>&1
    rc=$?
    if [ $rc -le 1 ] && [ -s "$html" ]; then ok "edgeaudit wrote the HTML report (exit $rc)"; else bad "edgeaudit failed (exit $rc)"; cat "$out/run.log"; finish; fi
fi
case $html in /*) ;; *) html=$(pwd)/$html ;; esac

# A fresh profile each time; nothing leaves the machine (file:// page, CSP forbids fetches anyway).
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --user-data-dir=$profile --hide-scrollbars --window-size=1400,2400"
rm -f "$out/report.png" "$out/dom.html"
# shellcheck disable=SC2086
timeout 120 "$chrome" $flags --screenshot="$out/report.png" "file://$html" > "$out/chrome-shot.log" 2>&1
if [ -s "$out/report.png" ] && [ "$(head -c 8 "$out/report.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
    ok "screenshot taken: $out/report.png"
else
    bad "no screenshot"; tail -n 5 "$out/chrome-shot.log"
fi
# shellcheck disable=SC2086
timeout 120 "$chrome" $flags --dump-dom "file://$html" > "$out/dom.html" 2> "$out/chrome-dom.log"
if [ -s "$out/dom.html" ]; then ok "DOM dumped"; else bad "no DOM from chromium"; tail -n 5 "$out/chrome-dom.log"; finish; fi

# The visible text of the DOM Chromium built (style contents left out).
python3 - "$out/dom.html" > "$out/text.txt" <<'EOF'
import sys
from html.parser import HTMLParser
class T(HTMLParser):
    skip = 0
    def handle_starttag(self, tag, a):
        if tag in ("style", "title"): self.skip += 1
    def handle_endtag(self, tag):
        if tag in ("style", "title"): self.skip -= 1
    def handle_data(self, d):
        if not self.skip: sys.stdout.write(d)
T().feed(open(sys.argv[1], encoding="utf-8").read())
EOF

has_text() {   # has_text DESCRIPTION STRING
    if grep -qF -- "$2" "$out/text.txt"; then ok "$1"; else bad "$1: '$2' not on the page"; fi
}

result=$(xmllint --xpath 'string(/edgeaudit-report/summary/@result)' "$xml")
case $result in
    compliant) has_text "banner says COMPLIANT" "COMPLIANT" ;;
    findings)  has_text "banner says FINDINGS" "FINDINGS" ;;
    *) bad "the XML report has no summary result" ;;
esac
for id in $(xmllint --xpath '//rules/rule/@id' "$xml" | sed 's/ id="\([^"]*\)"/\1 /g'); do
    has_text "rule $id is on the page" "$id"
done
has_text "the matrix is drawn" "Port matrix"
has_text "the findings are there, by group" "Findings by group"
has_text "the timeline is there" "Timeline"
nbad=$(xmllint --xpath 'count(//flow[@verdict="unexpected" or @verdict="blocked"])' "$xml")
ngroups=$(xmllint --xpath 'string(//findings/@groups)' "$xml")
has_text "the findings count $ngroups groups" "Findings by group ($ngroups group"
if grep -q 'ip.addr==\|ipv6.addr==' "$out/text.txt" || [ "$nbad" -eq 0 ]; then
    ok "Wireshark filters shown"
else
    bad "no Wireshark filter on the page"
fi

# Nothing executable reached the DOM: no script element, no handler attribute.
if python3 - "$out/dom.html" <<'EOF'
import sys
from html.parser import HTMLParser
class S(HTMLParser):
    bad = []
    def handle_starttag(self, tag, attrs):
        if tag in ("script", "img", "iframe"): self.bad.append(tag)
        self.bad += [k for k, v in attrs if k.startswith("on")]
s = S(); s.feed(open(sys.argv[1], encoding="utf-8").read())
sys.exit(1 if s.bad else 0)
EOF
then ok "no script, img or handler attribute in the live DOM"; else bad "executable markup in the live DOM"; fi
if grep -qF '<script>alert(1)</script>' "$out/text.txt" || ! grep -q 'sni=' "$xml"; then
    ok "a hostile SNI shows as text"
else
    bad "the hostile SNI is not shown as text"
fi

finish
