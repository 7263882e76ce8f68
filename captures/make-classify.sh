#!/bin/bash
# make-classify.sh - record the captures of issue 15 (classification on real traffic) with real
# programs on the loopback of a private network namespace.
#
# Usage: captures/make-classify.sh [-o OUTDIR] [NAME...]
#   NAME: ice-baresip turn-rtp sslv2-hello tls-midstream (default: all)
#   OUTDIR defaults to captures/own next to this script.
#
# ice-baresip   two baresip 1.0 user agents (Debian baresip-core) call each other over SIP on
#               UDP 5060 with medianat=ice: ICE connectivity checks (STUN Binding), then Opus RTP
#               and RTCP on the same 5-tuples (RFC 8445, demultiplexed as RFC 7983). The callee
#               (edge address) takes its RTP ports from 50000-50099, the A/V Edge range.
# turn-rtp      the same call with the caller behind coturn (medianat=turn): Allocate with the
#               401 challenge, CreatePermission, ChannelBind, then the caller's RTP inside TURN
#               ChannelData (RFC 8656 12.4) on UDP 3478, relayed by coturn to the callee.
# sslv2-hello   an SSLv2-compatible ClientHello (RFC 5246 E.2) to openssl s_server (TLS 1.2,
#               -Verify 1, an RSA certificate) on 443, which answers with TLS records: ServerHello,
#               Certificate, CertificateRequest, ServerHelloDone. No stack here still sends the SSLv2 form, so
#               the hello's bytes are written by python3 (the only crafted part); the server is real.
# tls-midstream openssl s_client -> s_server -rev on 5061 with a client certificate, one line
#               every 0.2 s for 4 s; tcpdump starts 1.5 s after the connection, so the capture
#               joins the TLS session in its middle (no handshake, application_data both ways).
#
# Role addresses are 127.0.X.Y stand-ins, rewritten to the address plan afterwards (as
# make-captures.sh does). Needs root. Only to re-record: the tests use the committed captures.

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib-netns.sh"

ens_outdir "$HERE/own" "$@" || exit 1
shift "$ENS_SHIFT"
ALL="ice-baresip turn-rtp sslv2-hello tls-midstream"
WANT=${*:-$ALL}

ens_require ip:iproute2 ss:iproute2 tcpdump:tcpdump tcprewrite:tcpreplay openssl:openssl \
	python3:python3 baresip:baresip-core turnserver:coturn || exit 1

EDGE=$(ens_role_ip edge-access)          # 127.0.2.10   -> 192.0.2.10
PARTNER=$(ens_role_ip federated-partner) # 127.0.113.20 -> 203.0.113.20
CLIENT=$(ens_role_ip client)             # 127.0.113.40 -> 203.0.113.40
FAILED=""

fail() {
	echo "make-classify: $1: $2" >&2
	FAILED="$FAILED $1"
	return 1
}

# finish NAME - stops the capture, rewrites addresses in headers and in payloads (SIP/SDP
# text of the same length) and writes $OUT/NAME.pcap.
finish() {
	local name=$1 raw="$ENS_TMP/$1.raw.pcap" mid="$ENS_TMP/$1.mid.pcap"
	ens_capture_stop
	ens_rewrite "$raw" "$mid" || { fail "$name" "tcprewrite failed"; return 1; }
	perl -0777 -pe 's/127\.0\.2\.10(?![0-9])/192.0.2.10/g;
		s/127\.0\.113\.(20|30|40|50|99)(?![0-9])/203.0.113.$1/g' "$mid" > "$mid.txt" &&
		tcprewrite --fixcsum --infile="$mid.txt" --outfile="$OUT/$name.pcap" ||
		{ fail "$name" "payload rewrite failed"; return 1; }
	echo "wrote $OUT/$name.pcap ($(stat -c %s "$OUT/$name.pcap") bytes)" >&2
}

# ua NAME ADDR RTP_PORTS ACCOUNT_PARAMS - a baresip config dir $ENS_TMP/NAME: SIP on ADDR:5060,
# a 440 Hz sine as the microphone, Opus at 48 kHz, the received audio to a file.
ua() {
	local d="$ENS_TMP/$1"
	mkdir -p "$d" || return 1
	cat > "$d/config" <<EOC
poll_method epoll
sip_listen $2:5060
module_path /usr/lib/baresip/modules
audio_player aufile,$d/received.wav
audio_source ausine,440
audio_alert aufile,/dev/null
ausrc_srate 48000
auplay_srate 48000
rtp_ports $3
rtp_timeout 0
module stdio.so
module opus.so
module ausine.so
module aufile.so
module ice.so
module turn.so
module stun.so
module account.so
module menu.so
EOC
	echo "<sip:$1@$2>;regint=0;audio_codecs=opus;$4" > "$d/accounts"
	: > "$d/contacts"
}

# call NAME CALLER_PARAMS - bob (edge, RTP 50000-50099, answers at once) and alice (client,
# RTP 50100-50199, so that the chosen pair is in the A/V Edge range whoever checks first)
# in one call of 4 s. The namespace keeps only the two role addresses (and 127.0.0.1). Both
# agents' media sockets are bound to the wildcard address, so each offers a host candidate
# on every address and each ICE pair joins the same address at both ends: the pair chosen
# is edge to edge (192.0.2.10 both ways after the rewrite), the others carry checks only.
call() {
	local name=$1
	ua bob "$EDGE" 50000-50099 "medianat=ice;answermode=auto" &&
		ua alice "$CLIENT" 50100-50199 "$2" || return 1
	ens_bg bob baresip -f "$ENS_TMP/bob" -t 8
	ens_wait_port udp 5060 "$EDGE" || { fail "$name" "bob did not listen"; return 1; }
	ens_bg alice baresip -f "$ENS_TMP/alice" -t 5 -e "/dial sip:bob@$EDGE"
	sleep 6
	grep -aq "Call established" "$ENS_TMP/alice.log" ||
		{ tail -20 "$ENS_TMP/alice.log" >&2; fail "$name" "no call"; return 1; }
	ens_stop alice
	ens_stop bob
}

only_two_addresses() {
	local a
	for a in $(printf '%s\n' "$ENS_ROLES" | awk 'NF == 3 { print $2 }'); do
		[ "$a" = "$EDGE" ] || [ "$a" = "$CLIENT" ] || ip -n "$EA_NS" addr del "$a/32" dev lo
	done
	ip -n "$EA_NS" -6 addr del "$ENS_V6_LOOP/128" dev lo
}

cap_ice_baresip() {
	ens_capture_start "$ENS_TMP/ice-baresip.raw.pcap" udp || { fail ice-baresip tcpdump; return 1; }
	call ice-baresip "medianat=ice" || return 1
	finish ice-baresip
}

cap_turn_rtp() {
	local d="$ENS_TMP/turn"
	mkdir -p "$d" || return 1
	ens_bg turnserver turnserver -n --no-cli -a -r example.com -u test:secret \
		--listening-ip "$EDGE" --relay-ip "$EDGE" -p 3478 --min-port 49152 --max-port 49159 \
		--no-tls --no-dtls --no-tcp-relay --allow-loopback-peers --no-multicast-peers \
		--db "$d/turndb" --pidfile "$d/turnserver.pid" --log-file stdout --simple-log
	ens_wait_port udp 3478 "$EDGE" || { fail turn-rtp "turnserver did not listen"; return 1; }
	# alice's packets to the edge (coturn) leave from her own address, the edge's to her from its.
	ens_default_src "$EDGE" "$CLIENT"
	ens_default_src "$CLIENT" "$EDGE"
	ens_capture_start "$ENS_TMP/turn-rtp.raw.pcap" udp || { fail turn-rtp tcpdump; return 1; }
	call turn-rtp "medianat=turn;stunserver=turn:$EDGE:3478;stunuser=test;stunpass=secret" || return 1
	ens_stop turnserver
	finish turn-rtp
}

make_pki() (
	d="$ENS_TMP/pki"
	mkdir -p "$d" && cd "$d" || return 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
		-subj "/O=edgeaudit test CA/CN=edgeaudit test CA" -keyout ca.key -out ca.pem 2>/dev/null || return 1
	ens_mkcert edge "sip.example.com" "DNS:sip.example.com,DNS:example.com" || return 1
	ens_mkcert partner "sip.partner.example.org" "DNS:sip.partner.example.org"
)

# RFC 5246 E.2: msg_length (high bit), CLIENT-HELLO, the version, cipher specs (TLS suites
# as 0x00XXYY), no session id, a 32-byte challenge; version 3.3 (TLS 1.2, the most it offers). Reads the server's answer, then closes.
V2_CLIENT='
import socket, sys, os, time
specs = [0x00c02b, 0x00c02c, 0x00c009, 0x00c00a, 0x00c02f, 0x00c030, 0x00009c, 0x00002f, 0x0000ff]
body = bytes([1, 3, 3]) + (len(specs) * 3).to_bytes(2, "big") \
    + (0).to_bytes(2, "big") + (32).to_bytes(2, "big") \
    + b"".join(s.to_bytes(3, "big") for s in specs) + os.urandom(32)
hello = (0x8000 | len(body)).to_bytes(2, "big") + body
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), source_address=(sys.argv[3], 0))
s.sendall(hello)
s.settimeout(2)
got = b""
try:
    while len(got) < 200:
        d = s.recv(4096)
        if not d:
            break
        got += d
        time.sleep(0.2)
except socket.timeout:
    pass
s.close()
print("server answered %d bytes, first 0x%02x" % (len(got), got[0] if got else 0))
sys.exit(0 if got[:1] == b"\x16" else 1)
'

# Without extensions (the SSLv2 form has none) TLS 1.2 falls back to SHA-1 signatures
# (RFC 5246 7.4.1.4.1), which OpenSSL 3 refuses above security level 0; RSA key transport
# (AES128-GCM-SHA256) with an RSA certificate needs no ServerKeyExchange signature.
cap_sslv2_hello() {
	local d="$ENS_TMP/pki"
	(cd "$d" && openssl req -newkey rsa:2048 -nodes -subj "/O=edgeaudit test/CN=sip.example.com" \
		-keyout edge-rsa.key -out edge-rsa.csr 2>/dev/null &&
		openssl x509 -req -in edge-rsa.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
		-out edge-rsa.pem 2>/dev/null) || { fail sslv2-hello "RSA certificate"; return 1; }
	ens_capture_start "$ENS_TMP/sslv2-hello.raw.pcap" tcp port 443 || { fail sslv2-hello tcpdump; return 1; }
	# s_server ends at EOF on its standard input: keep it open.
	ens_bg v2srv bash -c 'sleep 10 | openssl s_server -accept "$1:443" -naccept 1 -tls1_2 -Verify 1 \
		-cipher "AES128-GCM-SHA256:@SECLEVEL=0" -cert "$2/edge-rsa.pem" -key "$2/edge-rsa.key" \
		-CAfile "$2/ca.pem"' _ "$EDGE" "$d"
	ens_wait_port tcp 443 "$EDGE" || { fail sslv2-hello "s_server did not listen"; return 1; }
	ens_exec python3 -c "$V2_CLIENT" "$EDGE" 443 "$CLIENT" >&2 || { fail sslv2-hello "no TLS answer"; return 1; }
	ens_stop v2srv
	finish sslv2-hello
}

cap_tls_midstream() {
	local d="$ENS_TMP/pki"
	ens_bg midsrv bash -c 'sleep 10 | openssl s_server -accept "$1:5061" -naccept 1 -rev -Verify 1 \
		-cert "$2/edge.pem" -key "$2/edge.key" -CAfile "$2/ca.pem"' _ "$EDGE" "$d"
	ens_wait_port tcp 5061 "$EDGE" || { fail tls-midstream "s_server did not listen"; return 1; }
	ens_bg midcli bash -c 'for i in $(seq 20); do echo "OPTIONS line $i"; sleep 0.2; done |
		openssl s_client -quiet -connect "$1:5061" -bind "$2:0" -CAfile "$3/ca.pem" \
		-cert "$3/partner.pem" -key "$3/partner.key"' _ "$EDGE" "$PARTNER" "$d"
	sleep 1.5
	ens_capture_start "$ENS_TMP/tls-midstream.raw.pcap" tcp port 5061 || { fail tls-midstream tcpdump; return 1; }
	sleep 3.5
	ens_stop midcli
	ens_stop midsrv
	finish tls-midstream
}

ens_create || { echo "make-classify: cannot create the namespace" >&2; exit 1; }
make_pki || { echo "make-classify: cannot make certificates" >&2; exit 1; }
for c in $WANT; do
	case "$c" in
	sslv2-hello|tls-midstream) ;;
	ice-baresip|turn-rtp) ;;
	*) fail "$c" "unknown capture name (known: $ALL)"; continue ;;
	esac
done
# TLS first, with every role address; the calls want only two addresses.
for c in sslv2-hello tls-midstream; do
	case " $WANT " in *" $c "*) ens_log "--- $c"; "cap_${c//-/_}"; ens_stop_all ;; esac
done
only_two_addresses
for c in ice-baresip turn-rtp; do
	case " $WANT " in *" $c "*) ens_log "--- $c"; "cap_${c//-/_}"; ens_stop_all ;; esac
done
if [ -n "$FAILED" ]; then
	echo "make-classify: FAILED:$FAILED" >&2
	exit 1
fi
echo "make-classify: all done in $OUT" >&2
