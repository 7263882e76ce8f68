#!/bin/sh
# make-history.sh - the before/after captures of the audit-history tests (issue 16), cut from matrix.pcap.
#
# Usage: captures/make-history.sh [-o OUTDIR]
#   writes OUTDIR/history-before.pcap and OUTDIR/history-after.pcap (default: captures/own)
#
# Both are captures/own/matrix.pcap (real programs on the loopback of a network
# namespace, made by captures/make-matrix.sh; its flows F01..F22 are listed in
# own/matrix-expected.txt) with whole flows taken out, as make-matrix.sh cuts
# matrix-partial.pcap. Taking out, not adding: every packet left is one that a
# real stack sent, in its original order and timing.
#   history-before.pcap: matrix.pcap without F13 (XMPP client stream to 5222).
#   history-after.pcap:  matrix.pcap without F21 (SSH to 22) and without F04 (the
#                        public IM partner's SIP over mutual TLS to 5061, rule
#                        pic-sip-in), so that pic-sip-in keeps only F07 (a SYN
#                        answered by RST) and goes from observed to blocked.
# Against before, after has one finding group added (5222), one resolved (22)
# and one rule worse (pic-sip-in); tests/history-check.sh adds the accept files.
# Needs tshark. Deterministic: the same matrix.pcap gives the same bytes.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE/own
if [ "${1:-}" = "-o" ] && [ -n "${2:-}" ]; then OUT=$2; fi
IN=$HERE/own/matrix.pcap
mkdir -p "$OUT" || exit 1

# F04: the one TCP stream from 203.0.113.30 to 5061 that carries payload (F07 is a lone SYN).
F04=$(tshark -r "$IN" -Y 'ip.src==203.0.113.30 && tcp.dstport==5061 && tcp.len>0' \
	-T fields -e tcp.stream 2>/dev/null | sort -u)
case $F04 in
''|*[!0-9]*) echo "make-history: F04 not found (or not one stream) in $IN: '$F04'" >&2; exit 1 ;;
esac
tshark -r "$IN" -Y '!(tcp.port==5222)' -w "$OUT/history-before.pcap" -F pcap 2>/dev/null &&
tshark -r "$IN" -Y "!(tcp.port==22) && !(tcp.stream==$F04)" -w "$OUT/history-after.pcap" -F pcap 2>/dev/null ||
	{ echo "make-history: tshark failed" >&2; exit 1; }
echo "make-history: wrote $OUT/history-before.pcap ($(stat -c %s "$OUT/history-before.pcap") bytes)" \
	"and $OUT/history-after.pcap ($(stat -c %s "$OUT/history-after.pcap") bytes)" >&2
