#!/bin/sh
# labels.sh: every flow label on every capture is a word of the documented vocabulary (issue 15).
#
# The vocabulary is the list between the "vocabulary-begin" and "vocabulary-end" markers of
# doc/edgeaudit.1. Runs edgeaudit --flows over every capture under captures/ and, when present,
# ../shared/captures/real/ beside the source tree (real traffic recorded by others), and fails on
# any app= label outside the list. Environment: EDGEAUDIT_BIN, EA_SRCDIR, EA_SHARED_CAPTURES
# (another directory of captures instead of ../shared/captures/real). Ends with "N passed, N failed".
top=${EA_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
bin=${EDGEAUDIT_BIN:-$top/src/edgeaudit}
shared=${EA_SHARED_CAPTURES:-$top/../shared/captures/real}
. "$top/tests/lib-tally.sh"

if [ ! -x "$bin" ]; then
    echo "labels: $bin not built"; echo "0 passed, 1 failed"; exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ea-labels.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

sed -n '/vocabulary-begin/,/vocabulary-end/p' "$top/doc/edgeaudit.1" | grep -v '^\.' |
    sed 's/\\-/-/g' | tr ', ' '\n\n' | grep -v '^$' | sort -u > "$tmp/vocab"
words=$(wc -l < "$tmp/vocab")
if [ "$words" -ge 200 ]; then ok "the man page lists $words label words"; else bad "the man page lists only $words label words"; fi

# A word that is not a label must be caught (the check itself can fail).
printf '1 a -> b udp app=STUN.Zoom(ndpi) ndpi=STUN.Zoom\n' > "$tmp/probe"
if sed -n 's/.* app=\([^(]*\)(.*/\1/p' "$tmp/probe" | grep -qvxF -f "$tmp/vocab"; then
    ok "a label outside the vocabulary (STUN.Zoom) is caught"
else
    bad "the check lets STUN.Zoom through"
fi

find "$top/captures" -name '*.pcap' -o -name '*.pcapng' > "$tmp/list"
if [ -d "$shared" ]; then
    find "$shared" -name '*.pcap' -o -name '*.pcapng' >> "$tmp/list"
else
    echo "labels: $shared not present: only the project's own captures are checked"
fi
sort -o "$tmp/list" "$tmp/list"
while read -r cap; do
    name=${cap#"$top/"}
    "$bin" -r "$cap" --deterministic --quiet --flows > "$tmp/flows" 2> "$tmp/err"
    rc=$?
    if [ "$rc" -gt 2 ]; then
        bad "$name: edgeaudit exited $rc"; continue
    fi
    sed -n 's/.* app=\([^(]*\)(.*/\1/p' "$tmp/flows" | sort -u > "$tmp/labels"
    n=$(wc -l < "$tmp/labels")
    outside=$(grep -vxF -f "$tmp/vocab" "$tmp/labels" | tr '\n' ' ')
    if [ -n "$outside" ]; then
        bad "$name: labels outside the vocabulary: $outside"
    else
        ok "$name: $n distinct label(s), all in the vocabulary: $(tr '\n' ' ' < "$tmp/labels")"
    fi
done < "$tmp/list"
tally_end
