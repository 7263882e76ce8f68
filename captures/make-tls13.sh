#!/bin/bash
# make-tls13.sh - record the TLS 1.3 mutual-TLS captures with three real stacks in a private netns.
#
# Usage: captures/make-tls13.sh [-o OUTDIR] [STACK...]
#   STACK: openssl gnutls python (default: all); writes OUTDIR/tls13-STACK.pcap
#   OUTDIR defaults to captures/own next to this script.
#
# Each capture is a series of TLS 1.3 connections from the federated partner
# (203.0.113.20) to the edge (192.0.2.10) on TCP 5061, one per case, in the
# order of the CASES_* lists below: the flow ids of `edgeaudit --flows` follow
# that order. In each connection the client sends a SIP OPTIONS request and the
# server answers. Everything runs on the loopback of a network namespace made
# by lib-netns.sh; addresses are rewritten to the address plan. Needs root.

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib-netns.sh"

ens_outdir "$HERE/own" "$@" || exit 1
shift "$ENS_SHIFT"
ALL="openssl gnutls python"
WANT=${*:-$ALL}

ens_require ip:iproute2 ss:iproute2 tcpdump:tcpdump tcprewrite:tcpreplay tshark:tshark \
	openssl:openssl gnutls-serv:gnutls-bin gnutls-cli:gnutls-bin python3:python3 || exit 1


EDGE=$(ens_role_ip edge-access)          # 127.0.2.10   -> 192.0.2.10
PARTNER=$(ens_role_ip federated-partner) # 127.0.113.20 -> 203.0.113.20
PORT=5061
FAILED=""

# The cases, in capture order (one TCP connection each; "resume" and "early-data" make two).
CASES_openssl="nocert cert reqnone cert-sha256 nocert-chacha hrr-cert resume pad-nocert pad-cert pha early-data"
CASES_gnutls="nocert cert reqnone cert-sha256 nocert-chacha hrr-cert resume pha"
CASES_python="nocert cert reqnone cert-sha256 nocert-chacha hrr-cert resume pha"

fail() {
	echo "make-tls13: $1: $2" >&2
	FAILED="$FAILED $1"
	return 1
}

# sip_options / sip_ok: one request and its answer (CRLF lines).
sip_options() {
	printf '%s\r\n' "OPTIONS sip:sip.example.com;transport=tls SIP/2.0" \
		"Via: SIP/2.0/TLS sip.partner.example.org:5061;branch=z9hG4bK-$1" \
		"Max-Forwards: 70" "From: <sip:sip.partner.example.org>;tag=$1a" "To: <sip:sip.example.com>" \
		"Call-ID: $1@sip.partner.example.org" "CSeq: 1 OPTIONS" "Content-Length: 0" ""
}
sip_ok() {
	printf '%s\r\n' "SIP/2.0 200 OK" "Via: SIP/2.0/TLS sip.partner.example.org:5061;branch=z9hG4bK-$1" \
		"From: <sip:sip.partner.example.org>;tag=$1a" "To: <sip:sip.example.com>;tag=$1b" \
		"Call-ID: $1@sip.partner.example.org" "CSeq: 1 OPTIONS" "Content-Length: 0" ""
}

# make_pki - throwaway CA, edge and partner certificates (ECDSA P-256) in $ENS_TMP/pki.
make_pki() (
	mkdir -p "$ENS_TMP/pki" && cd "$ENS_TMP/pki" || return 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
		-subj "/O=edgeaudit test CA/CN=edgeaudit test CA" -keyout ca.key -out ca.pem 2>/dev/null || return 1
	ens_mkcert edge "sip.example.com" "DNS:sip.example.com,DNS:example.com" || return 1
	ens_mkcert partner "sip.partner.example.org" "DNS:sip.partner.example.org"
)

# wait_gone NAME - waits up to 10 s for background process NAME to exit, then stops it.
wait_gone() {
	local n=0 pid
	pid=$(ens_pid "$1") || return 0
	while kill -0 "$pid" 2>/dev/null && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	ens_stop "$1"
}

# OpenSSL s_server / s_client (openssl 3.0). One server per case: -naccept 1
# (2 for resumption); its stdin answers once the request is in.
openssl_case() {
	local c=$1 p="$ENS_TMP/pki" log="$ENS_TMP/ossl-$1" sopt=() copt=() naccept=1
	local cert=(-cert "$p/partner.pem" -key "$p/partner.key")
	case "$c" in
	nocert) ;;
	cert) sopt=(-Verify 1); copt=("${cert[@]}") ;;
	reqnone) sopt=(-verify 1) ;;
	cert-sha256) sopt=(-Verify 1); copt=("${cert[@]}" -ciphersuites TLS_AES_128_GCM_SHA256) ;;
	nocert-chacha) copt=(-ciphersuites TLS_CHACHA20_POLY1305_SHA256) ;;
	hrr-cert) sopt=(-Verify 1 -groups P-384); copt=("${cert[@]}" -groups X25519:P-384) ;;
	resume) sopt=(-Verify 1); copt=("${cert[@]}"); naccept=2 ;;
	pad-nocert) copt=(-record_padding 512) ;;
	pad-cert) sopt=(-Verify 1); copt=("${cert[@]}" -record_padding 512) ;;
	pha) copt=("${cert[@]}" -enable_pha) ;;
	early-data) sopt=(-early_data); naccept=2 ;;
	esac
	sip_options "ea-o-$c" > "$log.req"; sip_ok "ea-o-$c" > "$log.resp"
	ens_bg "ossl-srv" bash -c 'exec openssl s_server -accept "$1:$2" -naccept "$3" -tls1_3 \
		-cert "$4/edge.pem" -key "$4/edge.key" -CAfile "$4/ca.pem" "${@:7}" \
		< <(for i in $(seq "$3"); do n=0; until [ "$(grep -c "^OPTIONS " "$5.srv.out" 2>/dev/null)" -ge "$i" ] ||
			[ $n -gt 100 ]; do sleep 0.1; n=$((n + 1)); done; cat "$6"; done; sleep 10) > "$5.srv.out" 2>&1' \
		_ "$EDGE" "$PORT" "$naccept" "$p" "$log" "$log.resp" "${sopt[@]}"
	ens_wait_port tcp "$PORT" "$EDGE" || { fail openssl "s_server did not listen ($c)"; return 1; }
	ossl_client "$c" "$log" -sess_out "$log.sess" "${copt[@]}" || return 1
	if [ "$c" = resume ]; then
		ossl_client "$c" "$log" -sess_in "$log.sess" "${copt[@]}" || return 1
		grep -q '^Reused' "$log.cli.out" || { fail openssl "session not resumed"; return 1; }
	elif [ "$c" = early-data ]; then
		# RFC 8446 4.2.10: 0-RTT data sent with the ClientHello of the resumption.
		printf 'early data\n' > "$log.early"
		ossl_client "$c" "$log" -sess_in "$log.sess" -early_data "$log.early" "${copt[@]}" || return 1
		grep -q 'Early data was accepted' "$log.cli.out" || { fail openssl "early data not accepted"; return 1; }
	fi
	wait_gone ossl-srv
}

# ossl_client CASE LOG OPTS... - one s_client connection: request, wait for the answer, close.
ossl_client() {
	local c=$1 log=$2 p="$ENS_TMP/pki"; shift 2
	rm -f "$log.cli.out"
	ens_exec bash -c '(cat "$4.req"; n=0; until grep -q "SIP/2.0 200" "$4.cli.out" 2>/dev/null ||
			[ $n -gt 100 ]; do sleep 0.1; n=$((n + 1)); done; sleep 0.3) |
		openssl s_client -tls1_3 -connect "$1:$2" -bind "$3:0" -servername sip.example.com \
		-CAfile "$5/ca.pem" "${@:6}" > "$4.cli.out" 2>&1' \
		_ "$EDGE" "$PORT" "$PARTNER" "$log" "$p" "$@"
	grep -q "SIP/2.0 200" "$log.cli.out" || { cat "$log.cli.out" >&2; fail openssl "no answer ($c)"; return 1; }
}

# GnuTLS gnutls-serv --echo / gnutls-cli (3.7). gnutls-cli cannot bind its
# socket, so connections to the edge leave from the partner's address
# (ens_default_src). gnutls-serv asks for a certificate unless -a.
gnutls_case() {
	local c=$1 p="$ENS_TMP/pki" log="$ENS_TMP/gnutls-$1" sopt=() copt=()
	local t13="NORMAL:-VERS-ALL:+VERS-TLS1.3"
	local cert=(--x509certfile "$p/partner.pem" --x509keyfile "$p/partner.key")
	case "$c" in
	nocert) sopt=(-a --priority "$t13") ;;
	cert) sopt=(-r --priority "$t13"); copt=("${cert[@]}") ;;
	reqnone) sopt=(--verify-client-cert --priority "$t13") ;;
	cert-sha256) sopt=(-r --priority "$t13:-CIPHER-ALL:+AES-128-GCM"); copt=("${cert[@]}") ;;
	nocert-chacha) sopt=(-a --priority "$t13:-CIPHER-ALL:+CHACHA20-POLY1305") ;;
	hrr-cert) sopt=(-r --priority "$t13:-GROUP-ALL:+GROUP-SECP384R1"); copt=("${cert[@]}") ;;
	resume) sopt=(-r --priority "$t13"); copt=("${cert[@]}" --resume) ;;
	pha) sopt=(--verify-client-cert --priority "$t13"); copt=(--post-handshake-auth) ;;
	esac
	sip_options "ea-g-$c" > "$log.req"
	ens_bg gnutls-srv gnutls-serv --echo -p "$PORT" --x509certfile "$p/edge.pem" \
		--x509keyfile "$p/edge.key" --x509cafile "$p/ca.pem" "${sopt[@]}"
	ens_wait_port tcp "$PORT" || { fail gnutls "gnutls-serv did not listen ($c)"; return 1; }
	ens_exec bash -c '(cat "$3.req"; n=0; until grep -q "^OPTIONS sip" "$3.cli.out" 2>/dev/null ||
			[ $n -gt 100 ]; do sleep 0.1; n=$((n + 1)); done; sleep 0.3) |
		gnutls-cli -p "$2" --verify-hostname sip.example.com --x509cafile "$4/ca.pem" "${@:5}" "$1" \
		> "$3.cli.out" 2>&1' _ "$EDGE" "$PORT" "$log" "$p" "${copt[@]}"
	# --echo sends the request back: that is the answer.
	grep -q "^OPTIONS sip" "$log.cli.out" || { cat "$log.cli.out" >&2; fail gnutls "no answer ($c)"; return 1; }
	if [ "$c" = resume ]; then
		grep -q "This is a resumed session" "$log.cli.out" || { fail gnutls "session not resumed"; return 1; }
	fi
	sleep 0.3
	ens_stop gnutls-srv
}

# Python's ssl module (OpenSSL 3.0 underneath): tools/tls13-py.py on both sides.
python_case() {
	local c=$1 p="$ENS_TMP/pki" log="$ENS_TMP/python-$1" sopt=() copt=() conf=""
	case "$c" in
	nocert) ;;
	cert) sopt=(--verify required); copt=(--cert) ;;
	reqnone) sopt=(--verify optional) ;;
	cert-sha256) sopt=(--verify required); copt=(--cert); conf=TLS_AES_128_GCM_SHA256 ;;
	nocert-chacha) conf=TLS_CHACHA20_POLY1305_SHA256 ;;
	hrr-cert) sopt=(--verify required --groups secp384r1); copt=(--cert) ;;
	resume) sopt=(--accept 2); copt=(--resume) ;;
	pha) sopt=(--pha); copt=(--cert --pha) ;;
	esac
	# Python's ssl has no setter for TLS 1.3 suites: OpenSSL's configuration gives them.
	printf '%s\n' "openssl_conf = ea_init" "[ea_init]" "ssl_conf = ea_ssl" "[ea_ssl]" \
		"system_default = ea_sys" "[ea_sys]" \
		"Ciphersuites = ${conf:-TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256}" \
		> "$log.cnf"
	ens_bg python-srv env OPENSSL_CONF="$log.cnf" python3 "$HERE/tools/tls13-py.py" server \
		"$EDGE" "$PORT" "$p" "${sopt[@]}"
	ens_wait_port tcp "$PORT" "$EDGE" || { fail python "server did not listen ($c)"; return 1; }
	ens_exec env OPENSSL_CONF="$log.cnf" timeout 20 python3 "$HERE/tools/tls13-py.py" client \
		"$EDGE" "$PORT" "$p" "$PARTNER" "${copt[@]}" > "$log.cli.out" 2>&1
	grep -q "answer: SIP/2.0 200 OK" "$log.cli.out" || { cat "$log.cli.out" >&2; fail python "no answer ($c)"; return 1; }
	if [ "$c" = resume ]; then
		grep -q "resumed: True" "$log.cli.out" || { cat "$log.cli.out" >&2; fail python "session not resumed"; return 1; }
	fi
	wait_gone python-srv
}

# record STACK - every case of STACK into one capture, then rewritten to the plan.
record() {
	local s=$1 raw="$ENS_TMP/$1.raw.pcap" cases
	eval "cases=\$CASES_$s"
	ens_capture_start "$raw" tcp port "$PORT" || { fail "$s" tcpdump; return 1; }
	for c in $cases; do
		ens_log "$s: $c"
		"${s}_case" "$c" || return 1
		sleep 0.2
	done
	ens_capture_stop
	ens_rewrite "$raw" "$OUT/tls13-$s.pcap" || { fail "$s" "tcprewrite failed"; return 1; }
	echo "wrote $OUT/tls13-$s.pcap ($(stat -c %s "$OUT/tls13-$s.pcap") bytes)" >&2
}

# check STACK - the connections and handshakes expected in the file.
check() {
	local f="$OUT/tls13-$1.pcap" cases conns want ok=0
	eval "cases=\$CASES_$1"
	conns=$(echo $cases | wc -w)
	for c in $cases; do case "$c" in resume|early-data) conns=$((conns + 1)) ;; esac; done
	want() {
		local got
		got=$(tshark -r "$f" -Y "$1" 2>/dev/null | wc -l)
		[ "$got" -eq "$2" ] || { echo "make-tls13: $f: '$1': $got, expected $2" >&2; return 1; }
	}
	want "tcp.flags.syn == 1 && tcp.flags.ack == 0 && ip.src == 203.0.113.20 && tcp.dstport == $PORT" "$conns" || ok=1
	want "tls.handshake.type == 2 && tls.handshake.extensions.supported_version == 0x0304" $((conns + 1)) || ok=1
	want "ip.addr == 127.0.0.0/8" 0 || ok=1
	return $ok
}

ens_create || { echo "make-tls13: cannot create the namespace" >&2; exit 1; }
make_pki || { echo "make-tls13: cannot make certificates" >&2; exit 1; }
ens_default_src "$EDGE" "$PARTNER"   # gnutls-cli: connections to the edge leave from the partner

for s in $WANT; do
	case "$s" in
	openssl|gnutls|python) ;;
	*) fail "$s" "unknown stack (known: $ALL)"; continue ;;
	esac
	for try in 1 2 3; do
		ens_log "--- $s (try $try)"
		before=$FAILED
		record "$s"
		ens_stop_all
		if [ "$FAILED" = "$before" ] && check "$s"; then
			break
		fi
		FAILED=$before
		[ $try = 3 ] && fail "$s" "checks still fail after 3 tries"
	done
done

if [ -n "$FAILED" ]; then
	echo "make-tls13: FAILED:$FAILED" >&2
	exit 1
fi
echo "make-tls13: all done in $OUT" >&2
exit 0
