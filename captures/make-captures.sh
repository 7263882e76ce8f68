#!/bin/bash
# make-captures.sh - record the project's own test captures with real programs in a private netns.
#
# Usage: captures/make-captures.sh [-o OUTDIR] [NAME...]
#   NAME: mtls12 tls12-plain tls13 sip-udp turn xmpp-s2s (default: all)
#   OUTDIR defaults to captures/own next to this script.
#
# Everything runs on the loopback interface of a network namespace this script
# creates (lib-netns.sh); role addresses are 127.0.X.Y stand-ins, rewritten
# afterwards to the documentation addresses of the address plan. Needs root.
# Re-runnable: the set of flows is fixed, only timestamps, ports, keys differ.

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib-netns.sh"

ens_outdir "$HERE/own" "$@" || exit 1
shift "$ENS_SHIFT"
ALL="mtls12 tls12-plain tls13 sip-udp turn xmpp-s2s"
WANT=${*:-$ALL}

ens_require ip:iproute2 ss:iproute2 tcpdump:tcpdump tcprewrite:tcpreplay \
	tshark:tshark editcap:tshark openssl:openssl perl:perl-base sipp:sip-tester \
	turnserver:coturn turnutils_uclient:coturn turnutils_stunclient:coturn \
	turnutils_peer:coturn prosody:prosody setpriv:util-linux || exit 1


# Loopback stand-ins of the roles used here.
EDGE=$(ens_role_ip edge-access)         # 127.0.2.10   -> 192.0.2.10
PARTNER=$(ens_role_ip federated-partner) # 127.0.113.20 -> 203.0.113.20
CLIENT=$(ens_role_ip client)             # 127.0.113.40 -> 203.0.113.40
LIVE=$(ens_role_ip live-client)          # 127.0.113.50 -> 203.0.113.50
PEER=$(ens_role_ip internet-host)        # 127.0.113.99 -> 203.0.113.99
IMPARTNER=$(ens_role_ip public-im-partner) # 127.0.113.30 -> 203.0.113.30

FAILED=""

# fail NAME MSG - records a failed capture and prints why (the run goes on).
fail() {
	echo "make-captures: $1: $2" >&2
	FAILED="$FAILED $1"
	return 1
}

# finish NAME - stops the capture, rewrites addresses (headers, then the
# same-length text in payloads, e.g. SIP Via/SDP) and writes $OUT/NAME.pcap.
finish() {
	local name=$1 raw="$ENS_TMP/$1.raw.pcap" mid="$ENS_TMP/$1.mid.pcap"
	ens_capture_stop
	ens_rewrite "$raw" "$mid" || { fail "$name" "tcprewrite failed"; return 1; }
	# Textual loopback addresses of equal length to their plan address.
	perl -0777 -pe 's/127\.0\.2\.10(?![0-9])/192.0.2.10/g;
		s/127\.0\.113\.(20|30|40|50|99)(?![0-9])/203.0.113.$1/g' "$mid" > "$mid.txt" &&
		tcprewrite --fixcsum --infile="$mid.txt" --outfile="$OUT/$name.pcap" ||
		{ fail "$name" "payload rewrite failed"; return 1; }
	echo "wrote $OUT/$name.pcap ($(stat -c %s "$OUT/$name.pcap") bytes)" >&2
}

# make_pki - a throwaway CA, an edge server certificate and a federated-partner
# certificate (ECDSA P-256, valid 10 years), all in $ENS_TMP/pki (subshell: cd).
make_pki() (
	d="$ENS_TMP/pki"
	mkdir -p "$d" && cd "$d" || return 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
		-subj "/O=edgeaudit test CA/CN=edgeaudit test CA" -keyout ca.key -out ca.pem 2>/dev/null || return 1
	ens_mkcert edge "sip.example.com" "DNS:sip.example.com,DNS:example.com,DNS:edge.example.com" || return 1
	ens_mkcert partner "sip.partner.example.org" "DNS:sip.partner.example.org,DNS:partner.example.org"
)


# sip_options FROM_HOST TO_HOST CALLID - a SIP OPTIONS request over TLS (CRLF lines).
sip_options() {
	printf '%s\r\n' "OPTIONS sip:$2;transport=tls SIP/2.0" \
		"Via: SIP/2.0/TLS $1:5061;branch=z9hG4bK-$3" \
		"Max-Forwards: 70" "From: <sip:$1>;tag=$3a" "To: <sip:$2>" \
		"Call-ID: $3@$1" "CSeq: 1 OPTIONS" "Contact: <sip:$1:5061;transport=tls>" \
		"Accept: application/sdp" "Content-Length: 0" ""
}

# sip_ok FROM_HOST TO_HOST CALLID - the 200 OK answering sip_options.
sip_ok() {
	printf '%s\r\n' "SIP/2.0 200 OK" "Via: SIP/2.0/TLS $1:5061;branch=z9hG4bK-$3" \
		"From: <sip:$1>;tag=$3a" "To: <sip:$2>;tag=$3b" "Call-ID: $3@$1" \
		"CSeq: 1 OPTIONS" "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, MESSAGE, INFO, SERVICE" \
		"Content-Length: 0" ""
}

# tls_session NAME CLIENT_ADDR PORT CALLID SERVER_OPTS -- CLIENT_OPTS
# One TLS session with openssl s_server (one connection) and s_client: the
# client sends a SIP OPTIONS, the server answers 200 OK, the client closes
# (close_notify). Captures only that TCP port.
tls_session() {
	local name=$1 caddr=$2 port=$3 cid=$4 sopts=() copts=() n=0
	local d="$ENS_TMP/pki" log="$ENS_TMP/$1"
	shift 4
	while [ $# -gt 0 ] && [ "$1" != -- ]; do sopts+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	copts=("$@")
	sip_options sip.partner.example.org sip.example.com "$cid" > "$log.req"
	sip_ok sip.partner.example.org sip.example.com "$cid" > "$log.resp"
	ens_capture_start "$ENS_TMP/$name.raw.pcap" tcp port "$port" || { fail "$name" "tcpdump"; return 1; }
	# Server: its stdin answers once the request has arrived, then stays open.
	ens_bg "$name-srv" bash -c 'exec openssl s_server -accept "$1:$2" -naccept 1 \
		-cert "$3/edge.pem" -key "$3/edge.key" -CAfile "$3/ca.pem" "${@:6}" \
		< <(n=0; until grep -q "^OPTIONS " "$4.srv.out" 2>/dev/null || [ $n -gt 100 ]; do
			sleep 0.1; n=$((n + 1)); done; cat "$5"; sleep 10) > "$4.srv.out" 2>&1' \
		_ "$EDGE" "$port" "$d" "$log" "$log.resp" "${sopts[@]}"
	ens_wait_port tcp "$port" "$EDGE" || { fail "$name" "s_server did not listen"; return 1; }
	# Client: sends the request, waits for the answer, then EOF -> close_notify.
	ens_exec bash -c '(cat "$4.req"; n=0; until grep -q "SIP/2.0 200" "$4.cli.out" 2>/dev/null ||
			[ $n -gt 100 ]; do sleep 0.1; n=$((n + 1)); done; sleep 0.2) |
		openssl s_client -brief -connect "$1:$2" -bind "$3:0" -CAfile "$5/ca.pem" "${@:6}" > "$4.cli.out" 2>&1' \
		_ "$EDGE" "$port" "$caddr" "$log" "$d" "${copts[@]}"
	while kill -0 "$(ens_pid "$name-srv")" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	ens_stop "$name-srv"
	grep -q "SIP/2.0 200" "$log.cli.out" || { cat "$log.cli.out" "$log.srv.out" >&2; fail "$name" "no SIP answer in TLS"; }
	finish "$name"
}

cap_mtls12() {
	tls_session mtls12 "$PARTNER" 5061 ea-mtls12 -Verify 1 -tls1_2 -- \
		-tls1_2 -servername sip.example.com \
		-cert "$ENS_TMP/pki/partner.pem" -key "$ENS_TMP/pki/partner.key"
}

cap_tls12_plain() {
	tls_session tls12-plain "$CLIENT" 443 ea-tls12 -tls1_2 -- \
		-tls1_2 -servername sip.example.com
}

cap_tls13() {
	tls_session tls13 "$PARTNER" 5061 ea-tls13 -Verify 1 -tls1_3 -- \
		-tls1_3 -servername sip.example.com \
		-cert "$ENS_TMP/pki/partner.pem" -key "$ENS_TMP/pki/partner.key"
}

# sipp's embedded uac_pcap scenario (INVITE/SDP, RTP played from a pcap,
# an RFC 2833 DTMF digit, BYE) against its embedded uas with -rtp_echo, so
# RTP flows both ways; 2 calls, one at a time, on UDP 5060. The G.711 A-law
# stream is cut to its first second (50 packets) to keep the file small.
cap_sip_udp() {
	local d="$ENS_TMP/sipp" n=0
	mkdir -p "$d/pcap" || return 1
	editcap -r /usr/share/sip-tester/g711a.pcap "$d/pcap/g711a.pcap" 1-50 || { fail sip-udp editcap; return 1; }
	cp /usr/share/sip-tester/dtmf_2833_1.pcap "$d/pcap/" || return 1
	sipp -sd uac_pcap | sed 's/milliseconds="8000"/milliseconds="1200"/; s/milliseconds="1000"/milliseconds="400"/' \
		> "$d/uac_pcap.xml" || return 1
	ens_capture_start "$ENS_TMP/sip-udp.raw.pcap" udp || { fail sip-udp tcpdump; return 1; }
	ens_bg sipp-uas bash -c 'cd "$1" && exec sipp -sn uas -i "$2" -p 5060 -mi "$2" -mp 6000 -rtp_echo \
		-m 2 -nostdin -timeout 30 -trace_err' _ "$d" "$EDGE"
	ens_wait_port udp 5060 "$EDGE" || { fail sip-udp "uas did not listen"; return 1; }
	ens_exec bash -c 'cd "$1" && exec sipp -sf uac_pcap.xml -i "$2" -p 5060 -mi "$2" -mp 6100 \
		-m 2 -l 1 -r 1 -nostdin -timeout 30 -trace_err "$3:5060"' _ "$d" "$CLIENT" "$EDGE" \
		> "$ENS_TMP/sipp-uac.log" 2>&1 || { tail -20 "$ENS_TMP/sipp-uac.log" >&2; fail sip-udp "uac failed"; }
	while kill -0 "$(ens_pid sipp-uas)" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	ens_stop sipp-uas
	finish sip-udp
}

# coturn: turnserver on edge UDP 3478 with long-term credentials (user
# "test", realm example.com), relay ports 49152-49159 on the edge address, no
# TLS/DTLS, no CLI, no config file, its database in the temp dir. A plain
# STUN binding from the live client, then turnutils_uclient (Allocate with
# the 401 challenge, CreatePermission, ChannelBind, ChannelData / Send+Data)
# relaying a few messages to turnutils_peer on the internet-host address.
cap_turn() {
	local d="$ENS_TMP/turn" n=0
	mkdir -p "$d" || return 1
	ens_capture_start "$ENS_TMP/turn.raw.pcap" udp || { fail turn tcpdump; return 1; }
	ens_bg turnserver turnserver -n --no-cli -a -r example.com -u test:secret \
		--listening-ip "$EDGE" --relay-ip "$EDGE" -p 3478 --min-port 49152 --max-port 49159 \
		--no-tls --no-dtls --no-tcp-relay --allow-loopback-peers --no-multicast-peers \
		--db "$d/turndb" --pidfile "$d/turnserver.pid" --log-file stdout --simple-log
	ens_bg turnpeer turnutils_peer -L "$PEER" -p 3480
	ens_wait_port udp 3478 "$EDGE" && ens_wait_port udp 3480 "$PEER" ||
		{ cat "$ENS_TMP/turnserver.log" >&2; fail turn "turnserver/peer did not listen"; return 1; }
	ens_exec turnutils_stunclient -L "$LIVE" -p 3478 "$EDGE" > "$ENS_TMP/stunclient.log" 2>&1 ||
		{ cat "$ENS_TMP/stunclient.log" >&2; fail turn "stunclient failed"; }
	ens_exec timeout 30 turnutils_uclient -u test -w secret -L "$LIVE" -p 3478 \
		-e "$PEER" -r 3480 -m 1 -n 5 -l 120 -c "$EDGE" > "$ENS_TMP/uclient.log" 2>&1 ||
		{ tail -20 "$ENS_TMP/uclient.log" >&2; fail turn "uclient failed"; }
	ens_stop turnpeer
	ens_stop turnserver
	finish turn
}

# The prosody plugin both XMPP servers load: tools/mod_ea_exchange.lua (static
# s2s addresses, since prosody 0.12 resolves through DNS only and the namespace
# has none; one chat message each way; an optional graceful close).
write_prosody_plugin() {
	cp "$HERE/tools/mod_ea_exchange.lua" "$1/"
}

# write_prosody_cfg DIR ADDR DOMAIN CERTNAME EXTRA_HOST_LINES - one instance's
# config: s2s on ADDR:5269 only (c2s disabled), STARTTLS required, peers
# authenticated by certificate (SASL EXTERNAL; dialback loaded, unused).
write_prosody_cfg() {
	local d=$1 pki="$1/certs"
	mkdir -p "$d/data" "$pki" || return 1
	cp "$ENS_TMP/pki/$4.pem" "$ENS_TMP/pki/$4.key" "$ENS_TMP/pki/ca.pem" "$pki/" || return 1
	cat > "$d/prosody.cfg.lua" <<EOF
-- generated by make-captures.sh
pidfile = "$d/prosody.pid"
data_path = "$d/data"
plugin_paths = { "$ENS_TMP/xmpp/plugins" }
log = { debug = "$d/prosody.log" }
interfaces = { "$2" }
s2s_ports = { 5269 }
use_ipv6 = false
s2s_require_encryption = true
s2s_secure_auth = true
modules_enabled = { "tls", "saslauth", "dialback", "disco", "ea_exchange" }
modules_disabled = { "c2s", "offline" }
ssl = { certificate = "$pki/$4.pem", key = "$pki/$4.key", cafile = "$pki/ca.pem" }
ea_static_hosts = { ["example.com"] = "$EDGE", ["im.example.net"] = "$IMPARTNER" }
VirtualHost "$3"
$5
EOF
}

# Two prosody servers: im.example.net (public IM partner) sends a chat
# message to bob@example.com (edge) over s2s TCP 5269 with STARTTLS and SASL
# EXTERNAL; the edge replies over its own outgoing s2s connection.
cap_xmpp_s2s() {
	local x="$ENS_TMP/xmpp" n=0
	rm -rf "$x"
	mkdir -p "$x/plugins" && write_prosody_plugin "$x/plugins" || return 1
	(cd "$ENS_TMP/pki" && ens_mkcert impartner "im.example.net" "DNS:im.example.net") || return 1
	write_prosody_cfg "$x/edge" "$EDGE" example.com edge 'ea_reply = true' || return 1
	write_prosody_cfg "$x/partner" "$IMPARTNER" im.example.net impartner \
		'ea_from = "alice@im.example.net"
ea_send_to = "bob@example.com"
ea_close = true' || return 1
	# prosody cannot bind outgoing s2s sockets: make each side leave from its own address.
	ens_default_src "$EDGE" "$IMPARTNER" && ens_default_src "$IMPARTNER" "$EDGE" || return 1
	# prosody refuses to run as root: run it as the prosody user of the Debian package.
	chmod 755 "$ENS_TMP" && chown -R prosody: "$x" || return 1
	ens_capture_start "$ENS_TMP/xmpp-s2s.raw.pcap" tcp port 5269 || { fail xmpp-s2s tcpdump; return 1; }
	ens_bg prosody-edge setpriv --reuid=prosody --regid=prosody --clear-groups prosody -F --config "$x/edge/prosody.cfg.lua"
	ens_wait_port tcp 5269 "$EDGE" || { tail "$x/edge/prosody.log" "$ENS_TMP/prosody-edge.log" >&2; fail xmpp-s2s "edge prosody"; return 1; }
	ens_bg prosody-partner setpriv --reuid=prosody --regid=prosody --clear-groups prosody -F --config "$x/partner/prosody.cfg.lua"
	until grep -q 'EA-RECEIVED bob@example.com' "$x/partner/prosody.log" 2>/dev/null || [ $n -gt 150 ]; do
		sleep 0.1; n=$((n + 1))
	done
	grep -q 'EA-RECEIVED bob@example.com' "$x/partner/prosody.log" ||
		{ grep -E 'error|warn' "$x"/*/prosody.log | tail -20 >&2; fail xmpp-s2s "no reply arrived"; }
	# The partner then closes every stream (</stream:stream>, close_notify, FIN).
	n=0
	while ens_exec ss -Htn state established '( sport = :5269 or dport = :5269 )' | grep -q . &&
		[ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	sleep 0.3
	ens_stop prosody-partner
	ens_stop prosody-edge
	ens_default_src "$EDGE" "$EDGE"; ens_default_src "$IMPARTNER" "$IMPARTNER"
	finish xmpp-s2s
}

# n FILE FILTER - number of frames of FILE matching the display FILTER.
n() {
	tshark -r "$1" -Y "$2" 2>/dev/null | wc -l
}

# want FILE FILTER OP NUM - true if the count of FILTER in FILE satisfies
# "-OP NUM" (OP: eq or ge); prints the mismatch otherwise.
want() {
	local c
	c=$(n "$1" "$2")
	case "$3" in
	eq) [ "$c" -eq "$4" ] && return 0 ;;
	ge) [ "$c" -ge "$4" ] && return 0 ;;
	esac
	echo "check $(basename "$1"): [$2] is $c, want -$3 $4" >&2
	return 1
}

# check NAME - verifies the rewritten $OUT/NAME.pcap with tshark: the flows
# and messages SOURCES.md describes are there, no loopback address is left.
check() {
	local f="$OUT/$1.pcap" ok=0
	[ -s "$f" ] || return 1
	want "$f" "ip.addr == 127.0.0.0/8 || ipv6.addr == ::1" eq 0 || ok=1
	case "$1" in
	mtls12)
		want "$f" "tcp.flags.syn == 1 && tcp.flags.ack == 0" eq 1 || ok=1
		want "$f" "ip.src == 203.0.113.20 && tcp.dstport == 5061 && tls.handshake.type == 11" eq 1 || ok=1
		want "$f" "tls.handshake.type == 13" eq 1 || ok=1
		want "$f" "tls.handshake.type == 2 && tls.handshake.version == 0x0303" eq 1 || ok=1
		want "$f" "tls.record.content_type == 23" ge 2 || ok=1
		want "$f" "tls.record.content_type == 21" eq 2 || ok=1
		want "$f" "tcp.flags.fin == 1" eq 2 || ok=1 ;;
	tls12-plain)
		want "$f" "ip.src == 203.0.113.40 && tcp.dstport == 443 && tls.handshake.extensions_server_name == \"sip.example.com\"" eq 1 || ok=1
		want "$f" "tls.handshake.type == 13" eq 0 || ok=1
		want "$f" "ip.src == 203.0.113.40 && tls.handshake.type == 11" eq 0 || ok=1
		want "$f" "tls.handshake.type == 2 && tls.handshake.version == 0x0303" eq 1 || ok=1
		want "$f" "tls.record.content_type == 23" ge 2 || ok=1
		want "$f" "tcp.flags.fin == 1" eq 2 || ok=1 ;;
	tls13)
		want "$f" "ip.src == 203.0.113.20 && tcp.dstport == 5061 && tls.handshake.type == 1" eq 1 || ok=1
		want "$f" "tls.handshake.type == 2 && tls.handshake.extensions.supported_version == 0x0304" eq 1 || ok=1
		want "$f" "tls.record.opaque_type == 23" ge 6 || ok=1
		want "$f" "tcp.flags.fin == 1" eq 2 || ok=1 ;;
	sip-udp)
		want "$f" "ip.src == 203.0.113.40 && udp.dstport == 5060 && sip.Method == \"INVITE\"" eq 2 || ok=1
		want "$f" "sip.Method == \"BYE\"" eq 2 || ok=1
		want "$f" "sip.Status-Code == 200" eq 4 || ok=1
		want "$f" "sip contains \"127.0.\"" eq 0 || ok=1
		want "$f" "ip.src == 203.0.113.40 && udp.dstport == 6000" ge 100 || ok=1
		want "$f" "ip.src == 192.0.2.10 && udp.srcport == 6000" ge 100 || ok=1 ;;
	turn)
		want "$f" "stun.type == 0x0001 && ip.src == 203.0.113.50" eq 1 || ok=1
		want "$f" "stun.type == 0x0113 && stun.att.error.class == 4 && stun.att.error == 1" ge 1 || ok=1
		want "$f" "stun.type == 0x0103" ge 1 || ok=1
		want "$f" "stun.type == 0x0109" ge 1 || ok=1
		want "$f" "ip.src == 192.0.2.10 && udp.dstport == 3480 && ip.dst == 203.0.113.99" ge 1 || ok=1
		want "$f" "ip.src == 203.0.113.99 && udp.srcport == 3480" ge 1 || ok=1 ;;
	xmpp-s2s)
		want "$f" "tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.dstport == 5269" eq 2 || ok=1
		want "$f" "tcp contains \"xmlns='jabber:server'\"" eq 4 || ok=1
		want "$f" "tcp contains \"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>\"" eq 2 || ok=1
		want "$f" "tcp contains \"<proceed \"" eq 2 || ok=1
		want "$f" "tls.handshake.type == 1" eq 2 || ok=1
		want "$f" "tcp.flags.fin == 1" ge 2 || ok=1
		want "$f" "tcp.flags.fin == 1 || tcp.flags.reset == 1" ge 4 || ok=1 ;;
	esac
	return $ok
}

ens_create || { echo "make-captures: cannot create the namespace" >&2; exit 1; }
make_pki || { echo "make-captures: cannot make certificates" >&2; exit 1; }

# Each capture is tried up to 3 times until its checks pass (loopback timing
# can, rarely, cut an exchange short).
for c in $WANT; do
	case "$c" in
	mtls12|tls12-plain|tls13|sip-udp|turn|xmpp-s2s) ;;
	*) fail "$c" "unknown capture name (known: $ALL)"; continue ;;
	esac
	for try in 1 2 3; do
		ens_log "--- $c (try $try)"
		FAILED_BEFORE=$FAILED
		"cap_${c//-/_}"
		ens_stop_all
		if [ "$FAILED" = "$FAILED_BEFORE" ] && check "$c"; then
			break
		fi
		FAILED=$FAILED_BEFORE
		[ $try = 3 ] && fail "$c" "checks still fail after 3 tries"
	done
done

if [ -n "$FAILED" ]; then
	echo "make-captures: FAILED:$FAILED" >&2
	exit 1
fi
echo "make-captures: all done in $OUT" >&2
exit 0
