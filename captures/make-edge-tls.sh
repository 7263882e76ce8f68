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
ens_outdir "$HERE/own" "$@" || exit 1
shift "$ENS_SHIFT"
ens_require ip:iproute2 ss:iproute2 tcpdump:tcpdump tcprewrite:tcpreplay openssl:openssl \
	python3:python3 curl:curl perl:perl-base timeout:coreutils || exit 1

EDGE=$(ens_role_ip edge-access)            # 127.0.2.10    -> 192.0.2.10
EDGEINT=$(ens_role_ip edge-internal)       # 127.0.100.10  -> 198.51.100.10
FE=$(ens_role_ip front-end)                # 127.0.100.20  -> 198.51.100.20
CLIENT=$(ens_role_ip client)               # 127.0.113.40  -> 203.0.113.40
INET=$(ens_role_ip internet-host)          # 127.0.113.99  -> 203.0.113.99
WEBCONF=$(ens_role_ip edge-webconf)        # 127.0.2.11    -> 192.0.2.11
AV=$(ens_role_ip edge-av)                  # 127.0.2.12    -> 192.0.2.12
FAILED=""

fail() { echo "make-edge-tls: $1: $2" >&2; FAILED="$FAILED $1"; return 1; }
step() { ens_log "--- $*"; }
tls_flow() { ens_tls_flow "$@"; }

make_pki() {
	ens_mkpki webconf:webconf.example.com av:av.example.com edgeint:edge-int.example.local \
		fe:fe.example.local rogue:host99.example.org
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

ens_create || exit 1
make_pki || { echo "make-edge-tls: PKI failed" >&2; exit 1; }
RAW="$ENS_TMP/edge-tls.raw.pcap"
ens_capture_start "$RAW" "tcp" || exit 1
flows
ens_capture_stop
[ -z "$FAILED" ] || { echo "make-edge-tls: failed:$FAILED" >&2; exit 1; }
# Headers to the address plan, then curl's Host line (same length), checksums fixed.
ens_rewrite "$RAW" "$ENS_TMP/mid.pcap" &&
perl -0777 -pe 's/127\.0\.113\.99(?![0-9])/203.0.113.99/g' "$ENS_TMP/mid.pcap" > "$ENS_TMP/mid.txt" &&
tcprewrite --fixcsum --infile="$ENS_TMP/mid.txt" --outfile="$OUT/edge-tls.pcap" || exit 1
ens_log "wrote $OUT/edge-tls.pcap"
