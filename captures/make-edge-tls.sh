#!/bin/bash
# make-edge-tls.sh - records captures/own/edge-tls.pcap: issue 14's TLS rows of the edge-nat pack
# (PSOM over TLS and mutual TLS, HTTPS from the CMS, the logging service's mutual TLS, CRL over
# HTTP) from real stacks (openssl s_server/s_client, python3 http.server, curl) on loopback in a
# private network namespace, plus planted violations. Run as root: captures/make-edge-tls.sh [-o DIR]
#
# E01 ext-psom-tls-in     client -> edge-webconf 443, TLS 1.2
# E02 int-psom-mtls-in    front-end -> edge-internal 8057, mutual TLS 1.2
# E03 int-cms-https-in    front-end (CMS) -> edge-internal 4443, TLS 1.2, ALPN http/1.1
# E04-E06 int-cls-mtls-*  front-end -> edge-internal 50001, 50002, 50003, mutual TLS 1.2
# E07 ext-crl-http-out    edge-access -> internet host 80, HTTP GET
# E08 violation: front-end -> edge-internal 50001, TLS 1.2 without a client certificate
# E09 violation: internet host -> edge-internal 8057, mutual TLS (outside the Front End pool)
# E10 violation: client -> edge-av 443, TLS 1.2 with ALPN h2 (plain HTTPS to the A/V Edge)
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib-netns.sh"
OUT="$HERE/own"
if [ "${1:-}" = "-o" ]; then OUT=$2; shift 2; fi
ens_require ip:iproute2 ss:iproute2 tcpdump:tcpdump tcprewrite:tcpreplay openssl:openssl \
	python3:python3 curl:curl perl:perl-base timeout:coreutils || exit 1
mkdir -p "$OUT" || exit 1
OUT=$(cd "$OUT" && pwd)

EDGE=$(ens_role_ip edge-access)            # 127.0.2.10    -> 192.0.2.10
EDGEINT=$(ens_role_ip edge-internal)       # 127.0.100.10  -> 198.51.100.10
FE=$(ens_role_ip front-end)                # 127.0.100.20  -> 198.51.100.20
CLIENT=$(ens_role_ip client)               # 127.0.113.40  -> 203.0.113.40
INET=$(ens_role_ip internet-host)          # 127.0.113.99  -> 203.0.113.99
WEBCONF=127.0.2.11                         #               -> 192.0.2.11
AV=127.0.2.12                              #               -> 192.0.2.12
FAILED=""

fail() { echo "make-edge-tls: $1: $2" >&2; FAILED="$FAILED $1"; return 1; }
step() { ens_log "--- $*"; }

# tls_flow NAME SRV_ADDR PORT SRV_CERT CLI_ADDR SERVER_OPTS.. -- CLIENT_OPTS..
# One TLS connection (openssl s_server, one connection; s_client bound to
# CLI_ADDR): the client sends a line once the handshake is done, the server
# answers one, the client closes (close_notify, FIN). As make-matrix.sh's.
tls_flow() {
	local name=$1 saddr=$2 port=$3 scert=$4 caddr=$5 d="$ENS_TMP/pki" log="$ENS_TMP/$1" n=0
	local sopts=() copts=()
	shift 5
	while [ $# -gt 0 ] && [ "$1" != -- ]; do sopts+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	copts=("$@")
	printf 'EA-REQUEST %s\n' "$name" > "$log.req"
	printf 'EA-ANSWER %s\n' "$name" > "$log.resp"
	: > "$log.srv.out"; : > "$log.cli.out"
	ens_bg "$name-srv" bash -c 'exec openssl s_server -quiet -accept "$1:$2" -naccept 1 \
		-cert "$3/$4.pem" -key "$3/$4.key" -CAfile "$3/ca.pem" "${@:6}" \
		< <(n=0; until grep -aq "EA-REQUEST" "$5.srv.out" || [ $n -gt 100 ]; do
			sleep 0.1; n=$((n + 1)); done; cat "$5.resp"; sleep 10) > "$5.srv.out" 2>&1' \
		_ "$saddr" "$port" "$d" "$scert" "$log" "${sopts[@]}"
	ens_wait_port tcp "$port" "$saddr" || { fail "$name" "s_server did not listen"; return 1; }
	ens_exec bash -c '(cat "$4.req"; n=0; until grep -aq "EA-ANSWER" "$4.cli.out" || [ $n -gt 100 ]; do
			sleep 0.1; n=$((n + 1)); done; sleep 0.2) |
		timeout 20 openssl s_client -brief -nocommands -connect "$1:$2" -bind "$3:0" \
			-CAfile "$5/ca.pem" "${@:6}" > "$4.cli.out" 2>&1' \
		_ "$saddr" "$port" "$caddr" "$log" "$d" "${copts[@]}"
	while kill -0 "$(ens_pid "$name-srv")" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	ens_stop "$name-srv"
	grep -aq "EA-ANSWER" "$log.cli.out" ||
		{ cat "$log.cli.out" "$log.srv.out" >&2; fail "$name" "no answer inside TLS"; return 1; }
}

make_pki() {
	mkdir -p "$ENS_TMP/pki" && (cd "$ENS_TMP/pki" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
		-subj "/O=edgeaudit test CA/CN=edgeaudit test CA" -keyout ca.key -out ca.pem 2>/dev/null &&
	ens_mkcert webconf "webconf.example.com" "DNS:webconf.example.com" &&
	ens_mkcert av "av.example.com" "DNS:av.example.com" &&
	ens_mkcert edgeint "edge-int.example.local" "DNS:edge-int.example.local" &&
	ens_mkcert fe "fe.example.local" "DNS:fe.example.local" &&
	ens_mkcert rogue "host99.example.org" "DNS:host99.example.org")
}

flows() {
	local P="$ENS_TMP/pki" w="$ENS_TMP/www"
	local fecert=(-cert "$P/fe.pem" -key "$P/fe.key")
	step "E01 ext-psom-tls-in"
	tls_flow e01 "$WEBCONF" 443 webconf "$CLIENT" -tls1_2 -- -tls1_2 -servername webconf.example.com
	step "E02 int-psom-mtls-in"
	tls_flow e02 "$EDGEINT" 8057 edgeint "$FE" -Verify 1 -tls1_2 -- -tls1_2 "${fecert[@]}"
	step "E03 int-cms-https-in"
	tls_flow e03 "$EDGEINT" 4443 edgeint "$FE" -tls1_2 -alpn http/1.1 -- -tls1_2 -alpn http/1.1
	for p in 50001 50002 50003; do
		step "E04-E06 int-cls-mtls-$p"
		tls_flow "e-$p" "$EDGEINT" "$p" edgeint "$FE" -Verify 1 -tls1_2 -- -tls1_2 "${fecert[@]}"
	done
	step "E07 ext-crl-http-out"
	mkdir -p "$w" && printf 'crl\n' > "$w/ca.crl" || return 1
	ens_bg http python3 -m http.server --bind "$INET" --directory "$w" 80
	ens_wait_port tcp 80 "$INET" || { fail e07 "http.server did not listen"; return 1; }
	ens_exec curl -sS --max-time 10 --interface "$EDGE" -o /dev/null "http://$INET/ca.crl" ||
		fail e07 "curl failed"
	ens_stop http
	step "E08 violation: 50001 without a client certificate"
	tls_flow e08 "$EDGEINT" 50001 edgeint "$FE" -verify 1 -tls1_2 -- -tls1_2
	step "E09 violation: 8057 from outside the Front End pool"
	tls_flow e09 "$EDGEINT" 8057 edgeint "$INET" -Verify 1 -tls1_2 -- -tls1_2 \
		-cert "$P/rogue.pem" -key "$P/rogue.key"
	step "E10 violation: plain HTTPS to the A/V Edge"
	tls_flow e10 "$AV" 443 av "$CLIENT" -tls1_2 -alpn h2 -- -tls1_2 -alpn h2
}

ens_create "$WEBCONF" "$AV" || exit 1
make_pki || { echo "make-edge-tls: PKI failed" >&2; exit 1; }
RAW="$ENS_TMP/edge-tls.raw.pcap"
ens_capture_start "$RAW" "tcp" || exit 1
flows
ens_capture_stop
[ -z "$FAILED" ] || { echo "make-edge-tls: failed:$FAILED" >&2; exit 1; }
# Headers to the address plan, then curl's Host line (same length), checksums fixed.
ens_rewrite "$RAW" "$ENS_TMP/mid.pcap" "$WEBCONF/32:192.0.2.11/32" "$AV/32:192.0.2.12/32" &&
perl -0777 -pe 's/127\.0\.113\.99(?![0-9])/203.0.113.99/g' "$ENS_TMP/mid.pcap" > "$ENS_TMP/mid.txt" &&
tcprewrite --fixcsum --infile="$ENS_TMP/mid.txt" --outfile="$OUT/edge-tls.pcap" || exit 1
ens_log "wrote $OUT/edge-tls.pcap"
