#!/bin/bash
# make-matrix.sh - record the capture that proves the port-matrix verdicts: every rule satisfied once, plus violations.
#
# Usage: captures/make-matrix.sh [-o OUTDIR]
#   writes OUTDIR/matrix.pcap and OUTDIR/matrix-partial.pcap (default: captures/own)
#
# Real programs (openssl s_server/s_client, prosody, coturn, sipp, sshd, curl,
# python) talk on the loopback interface of a network namespace this script
# creates (lib-netns.sh); each role has its own 127.0.X.Y stand-in, rewritten
# afterwards to the address plan. The flows, in capture order, and the
# verdict each must get are listed in own/matrix-expected.txt; the script
# checks the rewritten captures against that list with tshark.
# Needs root. Re-runnable: only timestamps, ephemeral ports and keys differ.

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib-netns.sh"
TOOLS="$HERE/tools"

ens_outdir "$HERE/own" "$@" || exit 1
shift "$ENS_SHIFT"

ens_require ip:iproute2 ss:iproute2 tcpdump:tcpdump tcprewrite:tcpreplay \
	tshark:tshark editcap:tshark openssl:openssl perl:perl-base python3:python3 \
	curl:curl sipp:sip-tester turnserver:coturn turnutils_stunclient:coturn \
	prosody:prosody setpriv:util-linux nft:nftables ssh:openssh-client \
	ssh-keygen:openssh-client timeout:coreutils || exit 1
SSHD=/usr/sbin/sshd
[ -x "$SSHD" ] || { echo "missing tools; install them with:" >&2
	echo "  apt-get install -y openssh-server" >&2; exit 1; }


EDGE=$(ens_role_ip edge-access)            # 127.0.2.10    -> 192.0.2.10
EDGEINT=$(ens_role_ip edge-internal)       # 127.0.100.10  -> 198.51.100.10
FE=$(ens_role_ip front-end)                # 127.0.100.20  -> 198.51.100.20
PARTNER=$(ens_role_ip federated-partner)   # 127.0.113.20  -> 203.0.113.20
IMPARTNER=$(ens_role_ip public-im-partner) # 127.0.113.30  -> 203.0.113.30
CLIENT=$(ens_role_ip client)               # 127.0.113.40  -> 203.0.113.40
LIVE=$(ens_role_ip live-client)            # 127.0.113.50  -> 203.0.113.50
INET=$(ens_role_ip internet-host)          # 127.0.113.99  -> 203.0.113.99

FAILED=""

# fail STEP MSG - records a failed step and prints why (the run goes on).
fail() {
	echo "make-matrix: $1: $2" >&2
	FAILED="$FAILED $1"
	return 1
}

# step NAME - a log line before each flow.
step() {
	ens_log "--- $*"
}


# make_pki - a throwaway CA and one ECDSA P-256 certificate per host (small
# handshakes keep the capture small), in $ENS_TMP/pki.
make_pki() {
	local d="$ENS_TMP/pki"
	mkdir -p "$d" || return 1
	(cd "$d" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
		-subj "/O=edgeaudit test CA/CN=edgeaudit test CA" -keyout ca.key -out ca.pem 2>/dev/null &&
	ens_mkcert edge "sip.example.com" "DNS:sip.example.com,DNS:example.com,DNS:edge.example.com" &&
	ens_mkcert edgeint "edge-int.example.local" "DNS:edge-int.example.local" &&
	ens_mkcert fe "fe.example.local" "DNS:fe.example.local" &&
	ens_mkcert partner "sip.partner.example.org" "DNS:sip.partner.example.org,DNS:partner.example.org" &&
	ens_mkcert impartner "sip.im.example.net" "DNS:sip.im.example.net,DNS:im.example.net" &&
	ens_mkcert rogue "host99.example.org" "DNS:host99.example.org")
}

# sip_req METHOD FROM_HOST TO_HOST CALLID [BODY] - a SIP request over TLS (CRLF lines).
sip_req() {
	local body=${5:-} ruri="sip:$3"
	[ "$1" = MESSAGE ] && ruri="sip:bob@$3"
	printf '%s\r\n' "$1 $ruri;transport=tls SIP/2.0" \
		"Via: SIP/2.0/TLS $2:5061;branch=z9hG4bK-$4" \
		"Max-Forwards: 70" "From: <sip:alice@$2>;tag=$4a" "To: <$ruri>" \
		"Call-ID: $4@$2" "CSeq: 1 $1" "Contact: <sip:alice@$2:5061;transport=tls>"
	if [ "$1" = REGISTER ]; then printf '%s\r\n' "Expires: 3600"; fi
	if [ -n "$body" ]; then
		printf '%s\r\n' "Content-Type: text/plain" "Content-Length: ${#body}" ""
		printf '%s' "$body"
	else
		printf '%s\r\n' "Content-Length: 0" ""
	fi
}

# sip_ok METHOD FROM_HOST TO_HOST CALLID - the 200 OK answering sip_req.
sip_ok() {
	local ruri="sip:$3"
	[ "$1" = MESSAGE ] && ruri="sip:bob@$3"
	printf '%s\r\n' "SIP/2.0 200 OK" "Via: SIP/2.0/TLS $2:5061;branch=z9hG4bK-$4" \
		"From: <sip:alice@$2>;tag=$4a" "To: <$ruri>;tag=$4b" "Call-ID: $4@$2" "CSeq: 1 $1"
	[ "$1" = REGISTER ] && printf '%s\r\n' "Contact: <sip:alice@$2:5061;transport=tls>;expires=3600"
	printf '%s\r\n' "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, MESSAGE, INFO, SERVICE" "Content-Length: 0" ""
}

# xmpp_open FROM TO - an XMPP server-to-server stream header (RFC 6120 4.7).
xmpp_open() {
	printf "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' from='%s' to='%s' version='1.0'>" "$1" "$2"
}

# xmpp_answer FROM TO - the responding stream header with empty features.
xmpp_answer() {
	printf "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' from='%s' to='%s' id='ea-%s' version='1.0'><stream:features/>" "$1" "$2" "$RANDOM"
}

# tls_flow NAME SRV_ADDR PORT SRV_CERT CLI_ADDR REQ_FILE REQ_RE RESP_FILE RESP_RE SERVER_OPTS.. -- CLIENT_OPTS..
# One TLS connection: openssl s_server (one connection, certificate SRV_CERT)
# on SRV_ADDR:PORT, openssl s_client bound to CLI_ADDR. The client sends
# REQ_FILE once the handshake is done; the server answers RESP_FILE once
# REQ_RE shows in what it received; the client closes (close_notify, FIN)
# once RESP_RE shows in what it received.
tls_flow() {
	local name=$1 saddr=$2 port=$3 scert=$4 caddr=$5 req=$6 reqre=$7 resp=$8 respre=$9
	local d="$ENS_TMP/pki" log="$ENS_TMP/$1" sopts=() copts=() n=0
	shift 9
	while [ $# -gt 0 ] && [ "$1" != -- ]; do sopts+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	copts=("$@")
	: > "$log.srv.out"; : > "$log.cli.out"
	ens_bg "$name-srv" bash -c 'exec openssl s_server -quiet -accept "$1:$2" -naccept 1 \
		-cert "$3/$4.pem" -key "$3/$4.key" -CAfile "$3/ca.pem" "${@:8}" \
		< <(n=0; until grep -aqE "$6" "$5.srv.out" || [ $n -gt 100 ]; do
			sleep 0.1; n=$((n + 1)); done; cat "$7"; sleep 10) > "$5.srv.out" 2>&1' \
		_ "$saddr" "$port" "$d" "$scert" "$log" "$reqre" "$resp" "${sopts[@]}"
	ens_wait_port tcp "$port" "$saddr" || { fail "$name" "s_server did not listen"; return 1; }
	ens_exec bash -c '(cat "$4"; n=0; until grep -aqE "$5" "$6.cli.out" || [ $n -gt 100 ]; do
			sleep 0.1; n=$((n + 1)); done; sleep 0.2) |
		timeout 20 openssl s_client -brief -nocommands -connect "$1:$2" -bind "$3:0" \
			-CAfile "$7/ca.pem" "${@:8}" > "$6.cli.out" 2>&1' \
		_ "$saddr" "$port" "$caddr" "$req" "$respre" "$log" "$d" "${copts[@]}"
	while kill -0 "$(ens_pid "$name-srv")" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	ens_stop "$name-srv"
	grep -aqE "$respre" "$log.cli.out" ||
		{ cat "$log.cli.out" "$log.srv.out" >&2; fail "$name" "no answer inside TLS"; return 1; }
	return 0
}

# sip_tls NAME METHOD SRV_ADDR SRV_CERT SRV_HOST CLI_ADDR CLI_HOST PORT SERVER_OPTS.. -- CLIENT_OPTS..
# A SIP request and its 200 OK inside one TLS connection.
sip_tls() {
	local name=$1 m=$2 saddr=$3 scert=$4 shost=$5 caddr=$6 chost=$7 port=$8 body=""
	shift 8
	[ "$m" = MESSAGE ] && body="Hello from $chost"
	sip_req "$m" "$chost" "$shost" "ea-$name" "$body" > "$ENS_TMP/$name.req"
	sip_ok "$m" "$chost" "$shost" "ea-$name" > "$ENS_TMP/$name.resp"
	tls_flow "$name" "$saddr" "$port" "$scert" "$caddr" "$ENS_TMP/$name.req" "^$m sip:" \
		"$ENS_TMP/$name.resp" "^SIP/2.0 200 OK" "$@"
}

# xmpp_mtls NAME CLI_ADDR CLI_CERT CLI_HOST - mutual TLS 1.2 to the internal
# edge interface on 23456 carrying an XMPP server stream opening.
xmpp_mtls() {
	local name=$1
	xmpp_open "$4" edge-int.example.local > "$ENS_TMP/$name.req"
	xmpp_answer edge-int.example.local "$4" > "$ENS_TMP/$name.resp"
	tls_flow "$name" "$EDGEINT" 23456 edgeint "$2" "$ENS_TMP/$name.req" "xmlns='jabber:server'" \
		"$ENS_TMP/$name.resp" "<stream:features/>" -Verify 1 -tls1_2 -- \
		-tls1_2 -servername edge-int.example.local \
		-cert "$ENS_TMP/pki/$3.pem" -key "$ENS_TMP/pki/$3.key"
}

# The prosody plugin both XMPP servers load: tools/mod_ea_exchange.lua (static
# s2s addresses, since prosody 0.12 resolves through DNS only and the namespace
# has none; one chat message each way; an optional graceful close).
write_prosody_plugin() {
	cp "$HERE/tools/mod_ea_exchange.lua" "$1/"
}

# write_prosody_cfg DIR ADDR DOMAIN CERT C2S(yes|no) EXTRA_HOST_LINES - one
# prosody instance on ADDR: s2s on 5269 with STARTTLS required, peers
# authenticated by certificate; c2s on 5222 only when C2S is yes.
write_prosody_cfg() {
	local d=$1 pki="$1/certs" c2s='"c2s", '
	[ "$5" = yes ] && c2s=""
	mkdir -p "$d/data" "$pki" || return 1
	cp "$ENS_TMP/pki/$4.pem" "$ENS_TMP/pki/$4.key" "$ENS_TMP/pki/ca.pem" "$pki/" || return 1
	cat > "$d/prosody.cfg.lua" <<EOF
-- generated by make-matrix.sh
pidfile = "$d/prosody.pid"
data_path = "$d/data"
plugin_paths = { "$ENS_TMP/xmpp/plugins" }
log = { debug = "$d/prosody.log" }
interfaces = { "$2" }
c2s_ports = { 5222 }
s2s_ports = { 5269 }
use_ipv6 = false
c2s_require_encryption = true
s2s_require_encryption = true
s2s_secure_auth = true
modules_enabled = { "tls", "saslauth", "dialback", "disco", "ea_exchange" }
modules_disabled = { ${c2s}"offline" }
ssl = { certificate = "$pki/$4.pem", key = "$pki/$4.key", cafile = "$pki/ca.pem" }
ea_static_hosts = { ["example.com"] = "$EDGE", ["partner.example.org"] = "$PARTNER" }
VirtualHost "$3"
$6
EOF
}

# --- the flows, in capture order (see matrix-expected.txt) ---

# F01-F06: SIP over TLS on 5061 and 443.
flows_sip_tls() {
	local P="$ENS_TMP/pki"
	step "F01 sipfed-edge-out: edge -> federated partner 5061, mutual TLS 1.2, OPTIONS"
	sip_tls f01 OPTIONS "$PARTNER" partner sip.partner.example.org "$EDGE" sip.example.com 5061 \
		-Verify 1 -tls1_2 -- -tls1_2 -servername sip.partner.example.org \
		-cert "$P/edge.pem" -key "$P/edge.key"
	step "F02 pic-sip-out: edge -> public IM partner 5061, mutual TLS 1.2, MESSAGE"
	sip_tls f02 MESSAGE "$IMPARTNER" impartner sip.im.example.net "$EDGE" sip.example.com 5061 \
		-Verify 1 -tls1_2 -- -tls1_2 -servername sip.im.example.net \
		-cert "$P/edge.pem" -key "$P/edge.key"
	step "F03 sipfed-partner-in: federated partner -> edge 5061, mutual TLS 1.2, MESSAGE"
	sip_tls f03 MESSAGE "$EDGE" edge sip.example.com "$PARTNER" sip.partner.example.org 5061 \
		-Verify 1 -tls1_2 -- -tls1_2 -servername sip.example.com \
		-cert "$P/partner.pem" -key "$P/partner.key"
	step "F04 pic-sip-in: public IM partner -> edge 5061, mutual TLS 1.2, OPTIONS"
	sip_tls f04 OPTIONS "$EDGE" edge sip.example.com "$IMPARTNER" sip.im.example.net 5061 \
		-Verify 1 -tls1_2 -- -tls1_2 -servername sip.example.com \
		-cert "$P/impartner.pem" -key "$P/impartner.key"
	step "F05 client-sip-443: client -> edge 443, TLS 1.2 (no client certificate), REGISTER"
	sip_tls f05 REGISTER "$EDGE" edge sip.example.com "$CLIENT" example.com 443 \
		-tls1_2 -- -tls1_2 -servername sip.example.com
	step "F06 violation: federated partner -> edge 5061, TLS 1.2 without a client certificate"
	sip_tls f06 OPTIONS "$EDGE" edge sip.example.com "$PARTNER" sip.partner.example.org 5061 \
		-verify 1 -tls1_2 -- -tls1_2 -servername sip.example.com
}

# F07: a SYN to edge 5061 while nothing listens there: the kernel answers RST.
flow_rst() {
	local r
	step "F07 violation: public IM partner -> edge 5061, SYN answered by RST"
	r=$(ens_exec python3 "$TOOLS/tcp-probe.py" --bind "$IMPARTNER" --to "$EDGE:5061" --timeout 3)
	[ "$r" = refused ] || fail f07 "probe said '$r', want refused"
}

# F08: plain HTTP on 5061 (python's http.server, curl).
flow_http() {
	local d="$ENS_TMP/www"
	step "F08 violation: federated partner -> edge 5061, plain HTTP"
	mkdir -p "$d" && printf '<html><body>edge</body></html>\n' > "$d/index.html" || return 1
	ens_bg http python3 -m http.server --bind "$EDGE" --directory "$d" 5061
	ens_wait_port tcp 5061 "$EDGE" || { fail f08 "http.server did not listen"; return 1; }
	ens_exec curl -sS --max-time 10 --interface "$PARTNER" -o /dev/null "http://$EDGE:5061/" ||
		fail f08 "curl failed"
	ens_stop http
}

# F09-F10: mutual TLS to the internal edge interface on 23456.
flows_gw() {
	step "F09 xmpp-gw-internal: front end -> edge internal 23456, mutual TLS 1.2, XMPP stream"
	xmpp_mtls f09 "$FE" fe fe.example.local
	step "F10 violation: internet host -> edge internal 23456, mutual TLS 1.2, XMPP stream"
	xmpp_mtls f10 "$INET" rogue host99.example.org
}

# F11-F14: XMPP. Two prosody servers: partner.example.org (federated partner)
# sends a chat message to bob@example.com (edge) over s2s 5269 with STARTTLS,
# the edge answers over its own outgoing s2s connection; a client stream to
# the edge's c2s port; a SYN from the internet host that the edge drops.
flows_xmpp() {
	local x="$ENS_TMP/xmpp" n=0 r
	mkdir -p "$x/plugins" && write_prosody_plugin "$x/plugins" || return 1
	write_prosody_cfg "$x/edge" "$EDGE" example.com edge yes 'ea_reply = true' || return 1
	write_prosody_cfg "$x/partner" "$PARTNER" partner.example.org partner no \
		'ea_from = "alice@partner.example.org"
ea_send_to = "bob@example.com"' || return 1
	# prosody cannot bind outgoing s2s sockets: make each side leave from its own address.
	ens_default_src "$EDGE" "$PARTNER" && ens_default_src "$PARTNER" "$EDGE" || return 1
	# prosody refuses to run as root: run it as the prosody user of the Debian package.
	chmod 755 "$ENS_TMP" && chown -R prosody: "$x" || return 1
	step "F11 xmpp-s2s-in: federated partner -> edge 5269, jabber:server, STARTTLS"
	step "F12 xmpp-s2s-out: edge -> federated partner 5269, jabber:server, STARTTLS"
	ens_bg prosody-edge setpriv --reuid=prosody --regid=prosody --clear-groups prosody -F --config "$x/edge/prosody.cfg.lua"
	ens_wait_port tcp 5269 "$EDGE" && ens_wait_port tcp 5222 "$EDGE" ||
		{ tail "$x/edge/prosody.log" "$ENS_TMP/prosody-edge.log" >&2; fail f11 "edge prosody"; return 1; }
	ens_bg prosody-partner setpriv --reuid=prosody --regid=prosody --clear-groups prosody -F --config "$x/partner/prosody.cfg.lua"
	until grep -q 'EA-RECEIVED bob@example.com' "$x/partner/prosody.log" 2>/dev/null || [ $n -gt 150 ]; do
		sleep 0.1; n=$((n + 1))
	done
	grep -q 'EA-RECEIVED bob@example.com' "$x/partner/prosody.log" ||
		{ grep -E 'error|warn' "$x"/*/prosody.log | tail -20 >&2; fail f11 "no reply arrived"; }
	# Stopping the partner closes both streams cleanly (</stream:stream>, close_notify, FIN).
	ens_stop prosody-partner
	ens_default_src "$EDGE" "$EDGE"; ens_default_src "$PARTNER" "$PARTNER"

	step "F13 violation: client -> edge 5222, XMPP client stream (jabber:client), STARTTLS"
	ens_exec bash -c 'sleep 1 | timeout 15 openssl s_client -brief -nocommands -starttls xmpp \
		-xmpphost example.com -connect "$1:5222" -bind "$2:0" -CAfile "$3/ca.pem"' \
		_ "$EDGE" "$CLIENT" "$ENS_TMP/pki" > "$ENS_TMP/f13.cli.out" 2>&1
	grep -q 'Verification: OK' "$ENS_TMP/f13.cli.out" ||
		{ cat "$ENS_TMP/f13.cli.out" >&2; fail f13 "no TLS after STARTTLS"; }

	step "F14 violation: internet host -> edge 5269, SYN dropped (prosody listens; nft drops)"
	r=$(ens_exec python3 "$TOOLS/tcp-probe.py" --bind "$INET" --to "$EDGE:5269" --timeout 4.5)
	[ "$r" = timeout ] || fail f14 "probe said '$r', want timeout"
	ens_stop prosody-edge
}

# F15-F17: STUN on UDP 3478 (coturn's turnserver, turnutils_stunclient).
flows_stun() {
	local t="$ENS_TMP/turn"
	mkdir -p "$t" || return 1
	step "F15 pic-stun-out: edge -> live messenger client 3478, STUN binding"
	ens_bg turn-live turnserver -n --no-cli --no-auth --listening-ip "$LIVE" --relay-ip "$LIVE" \
		-p 3478 --no-tls --no-dtls --db "$t/live.db" --pidfile "$t/live.pid" --log-file stdout --simple-log
	ens_wait_port udp 3478 "$LIVE" || { fail f15 "turnserver did not listen"; return 1; }
	ens_exec timeout 5 turnutils_stunclient -L "$EDGE" -p 3478 "$LIVE" > "$t/f15.log" 2>&1 ||
		{ cat "$t/f15.log" >&2; fail f15 "stunclient failed"; }
	ens_stop turn-live
	step "F16 pic-stun-in: live messenger client -> edge 3478, STUN binding"
	ens_bg turn-edge turnserver -n --no-cli --no-auth --listening-ip "$EDGE" --relay-ip "$EDGE" \
		-p 3478 --no-tls --no-dtls --db "$t/edge.db" --pidfile "$t/edge.pid" --log-file stdout --simple-log
	ens_wait_port udp 3478 "$EDGE" || { fail f16 "turnserver did not listen"; return 1; }
	ens_exec timeout 5 turnutils_stunclient -L "$LIVE" -p 3478 "$EDGE" > "$t/f16.log" 2>&1 ||
		{ cat "$t/f16.log" >&2; fail f16 "stunclient failed"; }
	step "F17 violation: internet host -> edge 3478, STUN binding dropped (turnserver listens; nft drops)"
	ens_exec timeout 3 turnutils_stunclient -L "$INET" -p 3478 "$EDGE" > "$t/f17.log" 2>&1
	[ $? = 124 ] || { cat "$t/f17.log" >&2; fail f17 "the STUN request was answered"; }
	ens_stop turn-edge
}

# F18-F19: RTP over TCP with RFC 4571 framing, inside and outside the range.
flows_rtp() {
	local port name what
	for port in 50020 49152; do
		name=f18 what="F18 pic-rtp-tcp-out"
		[ $port = 49152 ] && name=f19 what="F19 violation (port outside 50000-59999)"
		step "$what: edge -> live messenger client $port, RTP/RTCP over TCP (RFC 4571)"
		ens_bg "rtp-$port" python3 "$TOOLS/rtp4571.py" recv --listen "$LIVE:$port" --timeout 15
		ens_wait_port tcp "$port" "$LIVE" || { fail "$name" "receiver did not listen"; continue; }
		ens_exec python3 "$TOOLS/rtp4571.py" send --bind "$EDGE" --to "$LIVE:$port" --count 20 ||
			fail "$name" "sender failed"
		wait "$(ens_pid "rtp-$port")" || fail "$name" "receiver failed"
	done
}

# F20: plaintext SIP over UDP 5060 (sipp's built-in uac and uas: INVITE, 180,
# 200, ACK, BYE, 200).
flow_sipp() {
	local d="$ENS_TMP/sipp" n=0
	mkdir -p "$d" || return 1
	step "F20 violation: client -> edge 5060/udp, plaintext SIP (INVITE ... BYE)"
	ens_bg sipp-uas bash -c 'cd "$1" && exec sipp -sn uas -i "$2" -p 5060 -m 1 -nostdin -timeout 20' \
		_ "$d" "$EDGE"
	ens_wait_port udp 5060 "$EDGE" || { fail f20 "uas did not listen"; return 1; }
	ens_exec bash -c 'cd "$1" && exec sipp -sn uac -i "$2" -p 5060 -m 1 -nostdin -timeout 20 \
		-trace_err "$3:5060"' _ "$d" "$CLIENT" "$EDGE" > "$d/uac.log" 2>&1 ||
		{ tail -20 "$d/uac.log" >&2; fail f20 "uac failed"; }
	while kill -0 "$(ens_pid sipp-uas)" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	ens_stop sipp-uas
}

# F21: SSH to the edge (a real sshd with its own config and host key; the
# client has no credentials, so it ends after the key exchange and auth try).
flow_ssh() {
	local d="$ENS_TMP/ssh"
	step "F21 violation: internet host -> edge 22, SSH"
	mkdir -p "$d" && ssh-keygen -q -t ed25519 -N '' -f "$d/host_ed25519" || return 1
	if [ ! -d /run/sshd ]; then   # sshd's privilege-separation directory
		mkdir -p /run/sshd && ens_defer "rmdir /run/sshd 2>/dev/null"
	fi
	cat > "$d/sshd_config" <<EOF
ListenAddress $EDGE
Port 22
HostKey $d/host_ed25519
PidFile $d/sshd.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
AuthorizedKeysFile none
EOF
	ens_bg sshd "$SSHD" -D -e -f "$d/sshd_config"
	ens_wait_port tcp 22 "$EDGE" || { cat "$ENS_TMP/sshd.log" >&2; fail f21 "sshd did not listen"; return 1; }
	ens_exec timeout 15 ssh -F /dev/null -b "$INET" -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o PubkeyAuthentication=no -o GSSAPIAuthentication=no \
		-o ConnectTimeout=5 "probe@$EDGE" true > "$d/client.log" 2>&1
	grep -q 'Permission denied\|No more authentication methods' "$d/client.log" ||
		{ cat "$d/client.log" >&2; fail f21 "ssh did not reach authentication"; }
	ens_stop sshd
}

# F22: web browsing between two hosts in no audited role (out of scope).
flow_out_of_scope() {
	local d="$ENS_TMP/www2"
	step "F22 out of scope: client -> internet host 80, plain HTTP"
	mkdir -p "$d" && printf '<html><body>elsewhere</body></html>\n' > "$d/index.html" || return 1
	ens_bg http2 python3 -m http.server --bind "$INET" --directory "$d" 80
	ens_wait_port tcp 80 "$INET" || { fail f22 "http.server did not listen"; return 1; }
	ens_exec curl -sS --max-time 10 --interface "$CLIENT" -o /dev/null "http://$INET/" ||
		fail f22 "curl failed"
	ens_stop http2
}

# rewrite RAW OUT - role addresses to the address plan (headers with
# tcprewrite, then the same-length textual addresses in plaintext payloads:
# sipp's Via/Contact/SDP, curl's Host), checksums fixed.
rewrite() {
	local mid="$ENS_TMP/matrix.mid.pcap"
	ens_rewrite "$1" "$mid" || return 1
	perl -0777 -pe 's/127\.0\.2\.10(?![0-9])/192.0.2.10/g;
		s/127\.0\.113\.(20|30|40|50|99)(?![0-9])/203.0.113.$1/g' "$mid" > "$mid.txt" &&
	tcprewrite --fixcsum --infile="$mid.txt" --outfile="$2"
}

# n FILE FILTER - number of frames of FILE matching the display FILTER.
n() {
	tshark -r "$1" -Y "$2" 2>/dev/null | wc -l
}

# want FILE FILTER OP NUM - true when the count of FILTER in FILE passes
# "-OP NUM" (test(1): eq, ge, ...); prints the mismatch otherwise.
want() {
	local c
	c=$(n "$1" "$2")
	test "$c" "-$3" "$4" && return 0
	echo "check $(basename "$1"): [$2] is $c, want -$3 $4" >&2
	return 1
}

# syn FILE SRC DST DPORT OP NUM - initiator SYNs (no ACK) SRC -> DST:DPORT.
syn() {
	want "$1" "ip.src == $2 && ip.dst == $3 && tcp.dstport == $4 && tcp.flags.syn == 1 && tcp.flags.ack == 0" "$5" "$6"
}

# check_full FILE - the flows of matrix-expected.txt are in the rewritten capture.
check_full() {
	local f=$1 ok=0 E=192.0.2.10 EI=198.51.100.10 FE=198.51.100.20 P=203.0.113.20 \
		IM=203.0.113.30 C=203.0.113.40 L=203.0.113.50 I=203.0.113.99
	want "$f" "ip.addr == 127.0.0.0/8 || ipv6" eq 0 || ok=1
	want "$f" "frame contains \"127.0.\"" eq 0 || ok=1
	# TCP connections: one per flow line (F14 with its SYN retransmissions).
	want "$f" "tcp.flags.syn == 1 && tcp.flags.ack == 0" ge 20 || ok=1
	syn "$f" $E $P 5061 eq 1 || ok=1                   # F01
	syn "$f" $E $IM 5061 eq 1 || ok=1                  # F02
	syn "$f" $P $E 5061 eq 3 || ok=1                   # F03, F06, F08
	syn "$f" $IM $E 5061 eq 2 || ok=1                  # F04, F07
	syn "$f" $C $E 443 eq 1 || ok=1                    # F05
	syn "$f" $FE $EI 23456 eq 1 || ok=1                # F09
	syn "$f" $I $EI 23456 eq 1 || ok=1                 # F10
	syn "$f" $P $E 5269 eq 1 || ok=1                   # F11
	syn "$f" $E $P 5269 eq 1 || ok=1                   # F12
	syn "$f" $C $E 5222 eq 1 || ok=1                   # F13
	syn "$f" $I $E 5269 ge 3 || ok=1                   # F14 (retransmitted)
	syn "$f" $E $L 50020 eq 1 || ok=1                  # F18
	syn "$f" $E $L 49152 eq 1 || ok=1                  # F19
	syn "$f" $I $E 22 eq 1 || ok=1                     # F21
	# Mutual TLS: a client Certificate carrying a certificate on F01-F04, F09, F10.
	want "$f" "tls.handshake.type == 13" eq 7 || ok=1  # CertificateRequest: + F06
	want "$f" "tls.handshake.type == 11 && tls.handshake.certificates_length > 0 && tcp.dstport in {5061,23456}" eq 6 || ok=1
	want "$f" "tls.handshake.type == 11 && tls.handshake.certificates_length == 0" eq 1 || ok=1   # F06
	want "$f" "tls.handshake.type == 2 && tls.handshake.version == 0x0303 && tcp.port in {443,5061,23456}" eq 8 || ok=1
	# F07: RST to the SYN; F14: nothing back.
	want "$f" "ip.src == $E && ip.dst == $IM && tcp.srcport == 5061 && tcp.flags.reset == 1" eq 1 || ok=1
	want "$f" "ip.src == $E && ip.dst == $I && tcp.srcport == 5269" eq 0 || ok=1
	# F08: HTTP.
	want "$f" "http.request.method == \"GET\" && ip.src == $P && tcp.dstport == 5061" eq 1 || ok=1
	want "$f" "http.response.code == 200 && ip.src == $E" eq 1 || ok=1
	# F11/F12: jabber:server streams with STARTTLS both ways; F13 jabber:client.
	want "$f" "tcp.port == 5269 && tcp contains \"xmlns='jabber:server'\"" ge 4 || ok=1
	want "$f" "tcp.port == 5269 && tcp contains \"<proceed \"" eq 2 || ok=1
	want "$f" "tcp.dstport == 5222 && tcp contains \"jabber:client\"" eq 1 || ok=1
	want "$f" "tcp.srcport == 5222 && tcp contains \"<proceed \"" eq 1 || ok=1
	# F15-F17: STUN.
	want "$f" "stun.type == 0x0001 && ip.src == $E && ip.dst == $L && udp.dstport == 3478" eq 1 || ok=1
	want "$f" "stun.type == 0x0101 && ip.src == $L && udp.srcport == 3478" eq 1 || ok=1
	want "$f" "stun.type == 0x0001 && ip.src == $L && ip.dst == $E && udp.dstport == 3478" eq 1 || ok=1
	want "$f" "stun.type == 0x0101 && ip.src == $E && udp.srcport == 3478" eq 1 || ok=1
	want "$f" "stun.type == 0x0001 && ip.src == $I && udp.dstport == 3478" eq 1 || ok=1
	want "$f" "ip.dst == $I && (udp.srcport == 3478 || icmp)" eq 0 || ok=1
	# F18/F19: RFC 4571 framed RTP/RTCP (decoded as RTP by tshark's rtp.tcp heuristics or not:
	# count the frames carrying payload instead).
	want "$f" "ip.src == $E && tcp.dstport == 50020 && tcp.len > 0" ge 20 || ok=1
	want "$f" "ip.src == $E && tcp.dstport == 49152 && tcp.len > 0" ge 20 || ok=1
	# F20: SIP over UDP, rewritten in the text too.
	want "$f" "sip.Method == \"INVITE\" && ip.src == $C && udp.dstport == 5060" eq 1 || ok=1
	want "$f" "sip.Method == \"BYE\"" eq 1 || ok=1
	want "$f" "sip.Status-Code == 200" eq 2 || ok=1
	# F21: SSH banners both ways.
	want "$f" "ssh.protocol && tcp.dstport == 22" eq 1 || ok=1
	want "$f" "ssh.protocol && tcp.srcport == 22" eq 1 || ok=1
	# F22: HTTP between two unaudited hosts.
	syn "$f" $C $I 80 eq 1 || ok=1
	want "$f" "http.response.code == 200 && ip.src == $I" eq 1 || ok=1
	return $ok
}

# Rows cut from the partial capture: all of xmpp-s2s-out (F12) and
# pic-stun-out (F15), both directions of each connection.
PARTIAL_CUT="(ip.src == 192.0.2.10 && ip.dst == 203.0.113.20 && tcp.dstport == 5269) ||
 (ip.src == 203.0.113.20 && ip.dst == 192.0.2.10 && tcp.srcport == 5269) ||
 (ip.src == 192.0.2.10 && ip.dst == 203.0.113.50 && udp.dstport == 3478) ||
 (ip.src == 203.0.113.50 && ip.dst == 192.0.2.10 && udp.srcport == 3478)"

check_partial() {
	local f=$1 ok=0
	want "$f" "$PARTIAL_CUT" eq 0 || ok=1
	want "$f" "tcp.flags.syn == 1 && tcp.flags.ack == 0 && ip.src == 203.0.113.20 && tcp.dstport == 5269" eq 1 || ok=1
	want "$f" "stun.type == 0x0001 && ip.src == 203.0.113.50 && udp.dstport == 3478" eq 1 || ok=1
	return $ok
}

ens_create || { echo "make-matrix: cannot create the namespace" >&2; exit 1; }
make_pki || { echo "make-matrix: cannot make certificates" >&2; exit 1; }

# The edge's firewall for F14 and F17: the internet host's SYNs to 5269 and
# STUN to 3478 are dropped on input (tcpdump on lo still sees them leave).
ens_exec nft -f - <<EOF || { echo "make-matrix: nft failed" >&2; exit 1; }
table inet eamatrix {
	chain input {
		type filter hook input priority 0; policy accept;
		ip saddr $INET ip daddr $EDGE tcp dport 5269 drop
		ip saddr $INET ip daddr $EDGE udp dport 3478 drop
	}
}
EOF

# Only traffic between role addresses is recorded (nothing else should
# appear, but a stray lookup to 127.0.0.1 must not end up in the file).
SRCS=$(printf '%s\n' "$ENS_ROLES" | awk 'NF == 3 { printf "%ssrc host %s", s, $2; s = " or " }')
DSTS=$(printf '%s\n' "$ENS_ROLES" | awk 'NF == 3 { printf "%sdst host %s", s, $2; s = " or " }')
RAW="$ENS_TMP/matrix.raw.pcap"
ens_capture_start "$RAW" "ip and ($SRCS) and ($DSTS)" || exit 1

START=$(date +%s)
flows_sip_tls
flow_rst
flow_http
flows_gw
flows_xmpp
flows_stun
flows_rtp
flow_sipp
flow_ssh
flow_out_of_scope
ens_capture_stop
ens_log "flows recorded in $(( $(date +%s) - START )) s"

rewrite "$RAW" "$OUT/matrix.pcap" || fail rewrite "tcprewrite failed"
tshark -r "$OUT/matrix.pcap" -Y "!($PARTIAL_CUT)" -w "$OUT/matrix-partial.pcap" -F pcap 2>/dev/null ||
	fail partial "tshark could not write the partial capture"

check_full "$OUT/matrix.pcap" || fail check "matrix.pcap does not hold the expected flows"
check_partial "$OUT/matrix-partial.pcap" || fail check "matrix-partial.pcap is not as expected"
# One conversation per line of the expected file, and no other.
EXPECTED="$HERE/own/matrix-expected.txt"
tshark -r "$OUT/matrix.pcap" -q -z conv,tcp -z conv,udp 2>/dev/null |
	python3 "$TOOLS/check-expected.py" "$EXPECTED" >&2 || fail check "matrix.pcap vs $EXPECTED"
tshark -r "$OUT/matrix-partial.pcap" -q -z conv,tcp -z conv,udp 2>/dev/null |
	python3 "$TOOLS/check-expected.py" "$EXPECTED" --skip F12,F15 >&2 ||
	fail check "matrix-partial.pcap vs $EXPECTED"

if [ -n "$FAILED" ]; then
	echo "make-matrix: FAILED:$FAILED" >&2
	exit 1
fi
echo "make-matrix: wrote $OUT/matrix.pcap ($(stat -c %s "$OUT/matrix.pcap") bytes)" \
	"and $OUT/matrix-partial.pcap ($(stat -c %s "$OUT/matrix-partial.pcap") bytes)" >&2
exit 0
