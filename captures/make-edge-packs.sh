#!/bin/bash
# make-edge-packs.sh - records the rule packs' own captures (issue 14): for the Edge family
# (edge-nat, edge-public, edge-scaled-dns: the same 37 rules; edge-scaled-hlb: 33) a capture in
# which every rule is observed and one with a planted violation per service, and the same two for
# the reverse proxy. Real stacks on loopback in a private network namespace (lib-netns.sh):
# openssl s_server/s_client (TLS and mutual TLS), coturn (STUN on UDP, TURN over TCP), sipp (RTP
# over UDP, played and echoed), GStreamer (RTP over TCP, RFC 4571 framing), nginx (the reverse
# proxy), python3 http.server and curl (HTTP), glibc's resolver against tools/dns-responder.py
# (DNS over UDP and TCP). Crafted only where no free stack exists: tools/msturn-tcp.py (the
# pseudo-TLS start and the [MS-TURN] TCP framing). See SOURCES.md for each flow.
#
# Usage (root): captures/make-edge-packs.sh [-o DIR] [NAME...]
#   NAME: edge-full edge-violations hlb-full hlb-violations xmpp-s2s-vip rp-full rp-violations
#   (default: all), each written as DIR/NAME.pcap (default DIR: captures/own). The XMPP
#   server-to-server rows (5269) are not recorded here: prosody's capture, own/xmpp-s2s.pcap
#   (make-captures.sh), is the second source of the Edge packs' full-coverage tests
#   (tests/regress.list); xmpp-s2s-vip is that capture with the access edge's address
#   rewritten to the access VIP's, for the load-balanced Edge.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib-netns.sh"
TOOLS="$HERE/tools"
ens_outdir "$HERE/own" "$@" || exit 1
shift "$ENS_SHIFT"
ALL="edge-full edge-violations hlb-full hlb-violations xmpp-s2s-vip rp-full rp-violations"
WANT=${*:-$ALL}
ens_require ip:iproute2 ss:iproute2 tcpdump:tcpdump tcprewrite:tcpreplay openssl:openssl \
	python3:python3 curl:curl sipp:sip-tester editcap:tshark turnserver:coturn \
	turnutils_stunclient:coturn turnutils_uclient:coturn gst-launch-1.0:gstreamer1.0-tools \
	nginx:nginx-light getent:libc-bin timeout:coreutils || exit 1
gst-inspect-1.0 rtpstreampay >/dev/null 2>&1 || {
	echo "missing tools; install them with:" >&2
	echo "  apt-get install -y gstreamer1.0-plugins-good" >&2; exit 1; }

ACC=$(ens_role_ip edge-access)          # 127.0.2.10   -> 192.0.2.10
WEB=$(ens_role_ip edge-webconf)         # 127.0.2.11   -> 192.0.2.11
AV=$(ens_role_ip edge-av)               # 127.0.2.12   -> 192.0.2.12
ACCV=$(ens_role_ip edge-access-vip)     # 127.0.2.20   -> 192.0.2.20
WEBV=$(ens_role_ip edge-webconf-vip)    # 127.0.2.21   -> 192.0.2.21
AVV=$(ens_role_ip edge-av-vip)          # 127.0.2.22   -> 192.0.2.22
RPX=$(ens_role_ip rp-external)          # 127.0.2.30   -> 192.0.2.30
INT=$(ens_role_ip edge-internal)        # 127.0.100.10 -> 198.51.100.10
INTV=$(ens_role_ip edge-internal-vip)   # 127.0.100.11 -> 198.51.100.11
FE=$(ens_role_ip front-end)             # 127.0.100.20 -> 198.51.100.20 (also the CMS)
DIR=$(ens_role_ip director)             # 127.0.100.21 -> 198.51.100.21
SBA=$(ens_role_ip sba)                  # 127.0.100.30 -> 198.51.100.30
RPI=$(ens_role_ip rp-internal)          # 127.0.100.40 -> 198.51.100.40
OWA=$(ens_role_ip owa)                  # 127.0.100.50 -> 198.51.100.50
FED=$(ens_role_ip federated-partner)    # 127.0.113.20 -> 203.0.113.20
PIC=$(ens_role_ip public-im-partner)    # 127.0.113.30 -> 203.0.113.30
CLIENT=$(ens_role_ip client)            # 127.0.113.40 -> 203.0.113.40
LIVE=$(ens_role_ip live-client)         # 127.0.113.50 -> 203.0.113.50 (Live Messenger client)
INET=$(ens_role_ip internet-host)       # 127.0.113.99 -> 203.0.113.99
FAILED=""
TURNS=0

fail() { echo "make-edge-packs: $1: $2" >&2; FAILED="$FAILED $1"; return 1; }
step() { ens_log "--- $*"; }

# tls NAME SRV_ADDR PORT SRV_CERT CLI_ADDR [mtls|tls|nocert] [EXTRA_SERVER_OPTS.. -- EXTRA_CLIENT_OPTS..]
# TLS 1.2 (the handshake in clear, so the certificates are seen) from real stacks; mtls: the
# server asks for a certificate and the client, as front end / partner, sends one.
tls() {
	local name=$1 saddr=$2 port=$3 scert=$4 caddr=$5 kind=${6:-tls} P="$ENS_TMP/pki"
	local sx=() cx=()
	shift 6 2>/dev/null || shift $#
	while [ $# -gt 0 ] && [ "$1" != -- ]; do sx+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	cx=("$@")
	case "$kind" in
	mtls)   sx+=(-Verify 1); cx+=(-cert "$P/peer.pem" -key "$P/peer.key") ;;
	nocert) sx+=(-verify 1) ;;
	esac
	ens_tls_flow "$name" "$saddr" "$port" "$scert" "$caddr" -tls1_2 "${sx[@]}" -- -tls1_2 "${cx[@]}"
}

# sip_tls NAME ... : as tls, the application data a SIP OPTIONS request (sipp cannot do TLS
# here, so openssl carries the request line and headers, as make-captures.sh's mtls12 does).
sip_tls() {
	printf 'OPTIONS sip:edge.example.com SIP/2.0\r\nVia: SIP/2.0/TLS ea.example.org;branch=z9hG4bK-%s\r\nMax-Forwards: 70\r\nFrom: <sip:ea@example.org>;tag=1\r\nTo: <sip:edge.example.com>\r\nCall-ID: %s@ea.example.org\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n' \
		"$1" "$1" > "$ENS_TMP/$1.req"
	tls "$@"
}

# turnserver NAME ADDR PORT - coturn, no authentication, no TLS, listening on ADDR PORT (UDP and
# TCP), relaying on ADDR within 50000-59999 (the A/V Edge's media range).
turnserver_on() {
	local name=$1 addr=$2 port=$3 d="$ENS_TMP/turn"
	mkdir -p "$d" || return 1
	ens_bg "$name" turnserver -n --no-cli --no-auth --listening-ip "$addr" --relay-ip "$addr" \
		-p "$port" --min-port 50100 --max-port 50199 --no-tls --no-dtls --allow-loopback-peers \
		--no-multicast-peers --db "$d/$name.db" --pidfile "$d/$name.pid" --log-file stdout --simple-log
	ens_wait_port tcp "$port" "$addr" && ens_wait_port udp "$port" "$addr" ||
		{ cat "$ENS_TMP/$name.log" >&2; fail "$name" "turnserver did not listen"; return 1; }
}

# stun_udp NAME FROM TO - one STUN Binding over UDP 3478 (turnutils_stunclient) to coturn on TO.
stun_udp() {
	turnserver_on "$1-srv" "$3" 3478 || return 1
	ens_exec timeout 5 turnutils_stunclient -L "$2" -p 3478 "$3" > "$ENS_TMP/$1.log" 2>&1 ||
		{ cat "$ENS_TMP/$1.log" >&2; fail "$1" "stunclient failed"; }
	ens_stop "$1-srv"
}

# turn_tcp NAME FROM TO PORT - TURN over TCP (RFC 5766 section 2.1, RFC 6062's control
# connection): turnutils_uclient -t allocates, binds channels to a peer on FROM (no data sent,
# -n 0), then refreshes the allocation to lifetime 0.
turn_tcp() {
	turnserver_on "$1-srv" "$3" "$4" || return 1
	ens_exec timeout 20 turnutils_uclient -t -n 0 -m 1 -c -L "$2" -e "$2" -r 50090 -p "$4" "$3" \
		> "$ENS_TMP/$1.log" 2>&1 || { tail -20 "$ENS_TMP/$1.log" >&2; fail "$1" "uclient failed"; }
	ens_stop "$1-srv"
}

# msturn NAME FROM TO MODE - the crafted MS-TURN exchange over TCP 443 (tools/msturn-tcp.py).
msturn() {
	ens_bg "$1-srv" python3 "$TOOLS/msturn-tcp.py" server --listen "$3:443" --mode "$4"
	ens_wait_port tcp 443 "$3" || { fail "$1" "msturn server did not listen"; return 1; }
	ens_exec timeout 20 python3 "$TOOLS/msturn-tcp.py" client --bind "$2" --to "$3:443" --mode "$4" ||
		fail "$1" "msturn client failed"
	ens_stop "$1-srv"
}

# rtp_udp NAME FROM FROM_PORT TO TO_PORT - one sipp call: the uac on FROM plays 1 s of G.711
# A-law RTP from FROM_PORT to the uas's media port TO_PORT, which echoes it (-rtp_echo). The
# SIP/UDP signalling on 5060 is no Edge row; the captures leave it out (filter: not port 5060).
rtp_udp() {
	local d="$ENS_TMP/sipp" n=0
	mkdir -p "$d/pcap" || return 1
	if [ ! -s "$d/uac_pcap.xml" ]; then
		editcap -r /usr/share/sip-tester/g711a.pcap "$d/pcap/g711a.pcap" 1-50 || { fail "$1" editcap; return 1; }
		cp /usr/share/sip-tester/dtmf_2833_1.pcap "$d/pcap/" || return 1
		sipp -sd uac_pcap | sed 's/milliseconds="8000"/milliseconds="1200"/; s/milliseconds="1000"/milliseconds="400"/' \
			> "$d/uac_pcap.xml" || return 1
	fi
	ens_bg "$1-uas" bash -c 'cd "$1" && exec sipp -sn uas -i "$2" -p 5060 -mi "$2" -mp "$3" -rtp_echo \
		-m 1 -nostdin -timeout 30 -trace_err' _ "$d" "$4" "$5"
	ens_wait_port udp 5060 "$4" || { fail "$1" "uas did not listen"; return 1; }
	ens_exec bash -c 'cd "$1" && exec sipp -sf uac_pcap.xml -i "$2" -p 5060 -mi "$2" -mp "$3" \
		-m 1 -l 1 -nostdin -timeout 30 -trace_err "$4:5060"' _ "$d" "$2" "$3" "$4" \
		> "$ENS_TMP/$1-uac.log" 2>&1 || { tail -20 "$ENS_TMP/$1-uac.log" >&2; fail "$1" "uac failed"; }
	while kill -0 "$(ens_pid "$1-uas")" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	ens_stop "$1-uas"
}

# rtp_tcp NAME FROM TO PORT - RTP over TCP with RFC 4571 framing: GStreamer sends 1 s of G.711
# u-law (rtppcmupay ! rtpstreampay ! tcpclientsink) from FROM to tcpserversrc on TO:PORT.
# tcpclientsink cannot bind its source, so the route to TO prefers FROM meanwhile.
rtp_tcp() {
	ens_bg "$1-srv" timeout 20 gst-launch-1.0 -q tcpserversrc host="$3" port="$4" ! \
		'application/x-rtp-stream,media=audio,clock-rate=8000,encoding-name=PCMU,payload=0' ! \
		rtpstreamdepay ! fakesink
	ens_wait_port tcp "$4" "$3" || { fail "$1" "tcpserversrc did not listen"; return 1; }
	ens_default_src "$3" "$2"
	ens_exec timeout 20 gst-launch-1.0 -q audiotestsrc num-buffers=50 samplesperbuffer=160 ! \
		'audio/x-raw,rate=8000,channels=1' ! mulawenc ! rtppcmupay ! rtpstreampay ! \
		tcpclientsink host="$3" port="$4" > "$ENS_TMP/$1.log" 2>&1 || fail "$1" "gst sender failed"
	ens_default_src "$3" "$3"
	sleep 0.3
	ens_stop "$1-srv"
}

# dns NAME FROM SERVER [tcp] - glibc's stub resolver (getent) asks SERVER for crl.example.com
# (A and AAAA) over UDP, or over TCP (RES_OPTIONS=use-vc); tools/dns-responder.py answers.
dns() {
	local env=()
	[ "${4:-}" = tcp ] && env=(env RES_OPTIONS=use-vc)
	mkdir -p "/etc/netns/$EA_NS" && printf 'nameserver %s\noptions attempts:1 timeout:2\n' "$3" \
		> "/etc/netns/$EA_NS/resolv.conf" || return 1
	ens_bg "$1-srv" python3 "$TOOLS/dns-responder.py" --listen "$3" --answer 203.0.113.99 --timeout 20
	ens_wait_port udp 53 "$3" || { fail "$1" "dns-responder did not listen"; return 1; }
	ens_default_src "$3" "$2"
	ens_exec "${env[@]}" getent ahostsv4 crl.example.com > "$ENS_TMP/$1.log" 2>&1 ||
		{ cat "$ENS_TMP/$1.log" >&2; fail "$1" "no answer"; }
	ens_default_src "$3" "$3"
	ens_stop "$1-srv"
}

# http NAME FROM TO PORT - curl (bound to FROM) fetches /ca.crl from python3 http.server on TO.
http() {
	local w="$ENS_TMP/www"
	mkdir -p "$w" && printf 'crl\n' > "$w/ca.crl" || return 1
	ens_bg "$1-srv" python3 -m http.server --bind "$3" --directory "$w" "$4"
	ens_wait_port tcp "$4" "$3" || { fail "$1" "http.server did not listen"; return 1; }
	ens_exec curl -sS --max-time 10 --interface "$2" --resolve "crl.example.com:$4:$3" \
		-o /dev/null "http://crl.example.com:$4/ca.crl" || fail "$1" "curl failed"
	ens_stop "$1-srv"
}

make_pki() {
	ens_mkpki edge:sip.example.com webconf:webconf.example.com av:av.example.com \
		edgeint:edge-int.example.local fe:fe.example.local peer:peer.example.org \
		partner:sip.partner.example.org rp:rp.example.com owa:owa.example.local
}

# The rows the single and the hardware-load-balanced Edge share (their node rows): CRL, DNS,
# A/V media and STUN/TURN on the A/V Edge's own address, and the internal interface's rows.
flows_node_rows() {
	step "P01 ext-crl-http-out: access edge -> internet host 80"
	http p01 "$ACC" "$INET" 80
	step "P02 ext-dns-udp-out: access edge -> DNS server 53/udp"
	dns p02 "$ACC" "$INET"
	step "P03 ext-dns-tcp-out: access edge -> DNS server 53/tcp"
	dns p03 "$ACC" "$INET" tcp
	step "P08 ext-av-rtp-udp-in: live client -> A/V edge 50000/udp, RTP (sipp, echoed)"
	rtp_udp p08 "$LIVE" 50040 "$AV" 50000
	step "P09 ext-av-rtp-udp-out: A/V edge -> live client 50010/udp, RTP (sipp, echoed)"
	rtp_udp p09 "$AV" 50002 "$LIVE" 50010
	step "P10 ext-av-rtp-tcp-in: live client -> A/V edge 50020/tcp, RTP (RFC 4571)"
	rtp_tcp p10 "$LIVE" "$AV" 50020
	step "P11 ext-av-rtp-tcp-out, pic-rtp-tcp-out: A/V edge -> live client 50030/tcp, RTP (RFC 4571)"
	rtp_tcp p11 "$AV" "$LIVE" 50030
	step "P12 ext-av-stun-udp-in, pic-stun-in: live client -> A/V edge 3478/udp"
	stun_udp p12 "$LIVE" "$AV"
	step "P13 ext-av-stun-udp-out, pic-stun-out: A/V edge -> live client 3478/udp"
	stun_udp p13 "$AV" "$LIVE"
	step "P14 ext-av-stun-tcp-in: client -> A/V edge 443/tcp, TURN over TCP (coturn)"
	turn_tcp p14 "$CLIENT" "$AV" 443
	step "P15 ext-av-stun-tcp-in: client -> A/V edge 443/tcp, MS-TURN framing after the pseudo-TLS start (crafted)"
	msturn p15 "$CLIENT" "$AV" turn
	step "P16 ext-av-stun-tcp-out: A/V edge -> internet host 443/tcp, TURN over TCP (coturn)"
	turn_tcp p16 "$AV" "$INET" 443
	step "P17 int-xmpp-gw-in, xmpp-gw-internal: front end -> internal edge 23456, mutual TLS"
	tls p17 "$INT" 23456 edgeint "$FE" mtls
	step "P20 int-psom-mtls-in: front end -> internal edge 8057, mutual TLS"
	tls p20 "$INT" 8057 edgeint "$FE" mtls
	step "P22 int-stun-udp-in: front end -> internal edge 3478/udp"
	stun_udp p22 "$FE" "$INT"
	step "P23 int-stun-tcp-in: front end -> internal edge 443/tcp, TURN over TCP (coturn)"
	turn_tcp p23 "$FE" "$INT" 443
	step "P24 int-cms-https-in: CMS -> internal edge 4443, HTTPS"
	tls p24 "$INT" 4443 edgeint "$FE" tls -alpn http/1.1 -- -alpn http/1.1
	for p in 50001 50002 50003; do
		step "P25 int-cls-mtls-$p: front end -> internal edge $p, mutual TLS"
		tls "p25-$p" "$INT" "$p" edgeint "$FE" mtls
	done
}

# Every rule of the Edge packs (edge-nat = edge-public = edge-scaled-dns ids) but the XMPP 5269
# rows, which own/xmpp-s2s.pcap holds: the node rows, then the services on their own addresses.
flows_edge_full() {
	flows_node_rows
	step "P04 ext-sip-tls-in, client-sip-443: client -> access edge 443, SIP over TLS"
	sip_tls p04 "$ACC" 443 edge "$CLIENT" tls -- -servername sip.example.com
	step "P05 ext-sip-mtls-in, pic-sip-in: public IM partner -> access edge 5061, mutual TLS"
	sip_tls p05 "$ACC" 5061 edge "$PIC" mtls
	step "P06 ext-sip-mtls-out, sipfed-edge-out, pic-sip-out: access edge -> partner 5061, mutual TLS"
	sip_tls p06 "$PIC" 5061 partner "$ACC" mtls
	step "P07 ext-psom-tls-in: client -> web conferencing edge 443, TLS"
	tls p07 "$WEB" 443 webconf "$CLIENT" tls -- -servername webconf.example.com
	step "P18 int-sip-mtls-in: director -> internal edge 5061, mutual TLS"
	sip_tls p18 "$INT" 5061 edgeint "$DIR" mtls
	step "P19 int-sip-mtls-out: internal edge -> front end 5061, mutual TLS"
	sip_tls p19 "$FE" 5061 fe "$INT" mtls
	step "P21 int-av-auth-mtls-in: survivable branch appliance -> internal edge 5062, mutual TLS"
	sip_tls p21 "$INT" 5062 edgeint "$SBA" mtls
}

# One planted violation per service, and what the bytes cannot tell apart.
flows_edge_violations() {
	step "V01 PSOM (TLS) to the A/V edge 443"
	tls v01 "$AV" 443 av "$CLIENT" tls -- -servername av.example.com
	step "V02 TURN over TCP (coturn) to the access edge 443"
	turn_tcp v02 "$CLIENT" "$ACC" 443
	step "V03 plain HTTPS (ALPN h2) to the A/V edge 443"
	tls v03 "$AV" 443 av "$CLIENT" tls -alpn h2 -- -alpn h2
	step "V04 HTTPS (ALPN h2) to the web conferencing edge 443, where PSOM is expected"
	tls v04 "$WEB" 443 webconf "$CLIENT" tls -alpn h2 -- -alpn h2
	step "V05 the pseudo-TLS start alone to the A/V edge 443 (crafted): unverified"
	msturn v05 "$CLIENT" "$AV" pseudo
	step "V06 8057 from outside the Front End pool (internet host, mutual TLS)"
	tls v06 "$INT" 8057 edgeint "$INET" mtls
	step "V07 50001 without a client certificate"
	tls v07 "$INT" 50001 edgeint "$FE" nocert
	step "V08 5062 (A/V authentication) without a client certificate"
	sip_tls v08 "$INT" 5062 edgeint "$FE" nocert
	step "V09 5061 inside, director -> internal edge without a client certificate"
	sip_tls v09 "$INT" 5061 edgeint "$DIR" nocert
	step "V10 5061 outside, partner -> access edge without a client certificate"
	sip_tls v10 "$ACC" 5061 edge "$FED" nocert
	step "V11 23456 (XMPP gateway) from the internet host"
	tls v11 "$INT" 23456 edgeint "$INET" mtls
	step "V12 4443 (CMS) in plain HTTP"
	http v12 "$FE" "$INT" 4443
	step "V13 RTP on 60000/udp to the A/V edge (sipp, outside 50000-59999)"
	rtp_udp v13 "$LIVE" 50040 "$AV" 60000
	step "V14 STUN 3478/udp to the access edge (the A/V edge's port on the wrong address)"
	stun_udp v14 "$LIVE" "$ACC"
	step "V15 DNS out of the A/V edge (only the access edge resolves)"
	dns v15 "$AV" "$INET"
}

# The hardware-load-balanced Edge: the node rows, then the virtual IPs' rows (the XMPP 5269 rows
# to and from the access VIP are own/xmpp-s2s-vip.pcap).
flows_hlb_full() {
	flows_node_rows
	step "H01 vip-sip-tls-in: client -> access VIP 443, SIP over TLS"
	sip_tls h01 "$ACCV" 443 edge "$CLIENT" tls -- -servername sip.example.com
	step "H02 vip-sip-mtls-in: federated partner -> access VIP 5061, mutual TLS"
	sip_tls h02 "$ACCV" 5061 edge "$FED" mtls
	step "H03 vip-sip-mtls-out: access VIP -> federated partner 5061, mutual TLS"
	sip_tls h03 "$FED" 5061 partner "$ACCV" mtls
	step "H04 vip-psom-tls-in: client -> web conferencing VIP 443, TLS"
	tls h04 "$WEBV" 443 webconf "$CLIENT" tls -- -servername webconf.example.com
	step "H05 vip-av-stun-udp-in: client -> A/V VIP 3478/udp"
	stun_udp h05 "$CLIENT" "$AVV"
	step "H06 vip-av-stun-tcp-in: client -> A/V VIP 443/tcp, TURN over TCP (coturn)"
	turn_tcp h06 "$CLIENT" "$AVV" 443
	step "H07 vip-int-sip-mtls-in: front end -> internal VIP 5061, mutual TLS"
	sip_tls h07 "$INTV" 5061 edgeint "$FE" mtls
	step "H08 vip-int-sip-mtls-out: internal VIP -> director 5061, mutual TLS"
	sip_tls h08 "$DIR" 5061 fe "$INTV" mtls
	step "H09 vip-int-av-auth-mtls-in: front end -> internal VIP 5062, mutual TLS"
	sip_tls h09 "$INTV" 5062 edgeint "$FE" mtls
	step "H10 vip-int-stun-udp-in: front end -> internal VIP 3478/udp"
	stun_udp h10 "$FE" "$INTV"
	step "H11 vip-int-stun-tcp-in: front end -> internal VIP 443/tcp, TURN over TCP (coturn)"
	turn_tcp h11 "$FE" "$INTV" 443
	step "H12 vip-int-stun-tcp-out: internal VIP -> front end 443/tcp, TURN over TCP (coturn)"
	turn_tcp h12 "$INTV" "$FE" 443
	step "H13 int-psom-mtls-in: director -> internal edge 8057, mutual TLS"
	tls h13 "$INT" 8057 edgeint "$DIR" mtls
}

# One planted violation per service of the load-balanced Edge, on the virtual IPs.
flows_hlb_violations() {
	step "X01 TURN over TCP (coturn) to the access VIP 443"
	turn_tcp x01 "$CLIENT" "$ACCV" 443
	step "X02 PSOM (TLS) to the A/V VIP 443"
	tls x02 "$AVV" 443 av "$CLIENT" tls -- -servername av.example.com
	step "X03 plain HTTPS (ALPN h2) to the web conferencing VIP 443"
	tls x03 "$WEBV" 443 webconf "$CLIENT" tls -alpn h2 -- -alpn h2
	step "X04 5062 to the internal VIP without a client certificate"
	sip_tls x04 "$INTV" 5062 edgeint "$FE" nocert
	step "X05 5061 to the internal VIP from the internet host"
	sip_tls x05 "$INTV" 5061 edgeint "$INET" mtls
	step "X06 8057 from outside the Front End pool (internet host, mutual TLS)"
	tls x06 "$INT" 8057 edgeint "$INET" mtls
	step "X07 50002 without a client certificate"
	tls x07 "$INT" 50002 edgeint "$FE" nocert
	step "X08 RTP on 60000/udp to the A/V edge (sipp, outside 50000-59999)"
	rtp_udp x08 "$LIVE" 50040 "$AV" 60000
	step "X09 STUN 3478/udp to the access VIP"
	stun_udp x09 "$LIVE" "$ACCV"
}

# own/xmpp-s2s.pcap (prosody, make-captures.sh) with the access edge's address 192.0.2.10
# rewritten to the access VIP's, 192.0.2.20: the load-balanced Edge's XMPP 5269 rows.
xmpp_s2s_vip() {
	tcprewrite --pnat=192.0.2.10/32:192.0.2.20/32 --fixcsum --infile="$HERE/own/xmpp-s2s.pcap" \
		--outfile="$OUT/xmpp-s2s-vip.pcap" || { fail xmpp-s2s-vip "tcprewrite failed"; return 1; }
	ens_log "wrote $OUT/xmpp-s2s-vip.pcap"
}

# nginx as the reverse proxy: 80 and 443 on its external address, to 8080 and 4443 on the front
# end, and /owa to Outlook Web App on 443, from its internal address (proxy_bind).
write_nginx_conf() {
	local P="$ENS_TMP/pki" c="$ENS_TMP/nginx"
	mkdir -p "$c" || return 1
	cat > "$c/nginx.conf" <<-EOF
	daemon off;
	master_process off;
	worker_processes 1;
	pid $c/nginx.pid;
	error_log $c/error.log info;
	events { worker_connections 64; }
	http {
	    access_log $c/access.log;
	    client_body_temp_path $c/body; proxy_temp_path $c/proxy;
	    fastcgi_temp_path $c/fcgi; uwsgi_temp_path $c/uwsgi; scgi_temp_path $c/scgi;
	    proxy_ssl_trusted_certificate $P/ca.pem;
	    proxy_ssl_verify on;
	    proxy_ssl_protocols TLSv1.2;
	    proxy_http_version 1.1;
	    proxy_set_header Connection "";
	    proxy_bind $RPI;
	    server {
	        listen $RPX:80;
	        location / { proxy_pass http://$FE:8080; }
	    }
	    server {
	        listen $RPX:443 ssl;
	        ssl_certificate $P/rp.pem; ssl_certificate_key $P/rp.key;
	        ssl_protocols TLSv1.2;
	        location / { proxy_pass https://$FE:4443; proxy_ssl_name fe.example.local; }
	        location /owa/ { proxy_pass https://$OWA:443; proxy_ssl_name owa.example.local; }
	    }
	}
	EOF
}

# A python3 web server (http.server, TLS by the ssl module when CERT is given) on ADDR:PORT.
web_backend() {
	local name=$1 addr=$2 port=$3 cert=${4:-} w="$ENS_TMP/www"
	mkdir -p "$w/owa" && printf 'ok\n' > "$w/index.html" && printf 'owa\n' > "$w/owa/index.html" || return 1
	ens_bg "$name" python3 -c '
import http.server, ssl, sys, functools
addr, port, cert, root = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
s = http.server.ThreadingHTTPServer((addr, port), h)
if cert:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert + ".pem", cert + ".key")
    s.socket = ctx.wrap_socket(s.socket, server_side=True)
s.serve_forever()' "$addr" "$port" "${cert:+$ENS_TMP/pki/$cert}" "$w"
	ens_wait_port tcp "$port" "$addr" || { fail "$name" "web server did not listen"; return 1; }
}

# curl NAME FROM URL [OPTS..] - one request from FROM, names resolved to the role addresses.
rp_get() {
	local name=$1 from=$2 url=$3
	shift 3
	ens_exec curl -sS --max-time 10 --interface "$from" --cacert "$ENS_TMP/pki/ca.pem" \
		--resolve "rp.example.com:80:$RPX" --resolve "rp.example.com:443:$RPX" \
		--resolve "fe.example.local:4443:$FE" --resolve "fe.example.local:8080:$FE" \
		"$@" -o /dev/null "$url" || fail "$name" "curl $url failed"
}

rp_start() {
	web_backend fe-http "$FE" 8080 && web_backend fe-https "$FE" 4443 fe &&
	web_backend owa-https "$OWA" 443 owa && write_nginx_conf &&
	ens_bg nginx nginx -c "$ENS_TMP/nginx/nginx.conf" -p "$ENS_TMP/nginx" &&
	ens_wait_port tcp 443 "$RPX" || { cat "$ENS_TMP/nginx/error.log" >&2; fail nginx "did not listen"; }
}

rp_stop() {
	ens_stop nginx; ens_stop owa-https; ens_stop fe-https; ens_stop fe-http
}

# The reverse proxy's five rows: each client request makes two flows, the client's to the proxy
# and the proxy's to the back end (80 -> 8080, 443 -> 4443, 443/owa -> OWA 443).
flows_rp_full() {
	rp_start || return 1
	step "R01 rp-ext-http-80 + rp-int-http-8080: client -> proxy 80 -> front end 8080"
	rp_get r01 "$CLIENT" "http://rp.example.com/index.html"
	step "R02 rp-ext-https-443 + rp-int-https-4443: client -> proxy 443 -> front end 4443"
	rp_get r02 "$CLIENT" "https://rp.example.com/index.html" --tlsv1.2 --tls-max 1.2 --http1.1
	step "R03 rp-ext-https-443 + rp-int-owa-https-443: client -> proxy 443 -> OWA 443"
	rp_get r03 "$CLIENT" "https://rp.example.com/owa/index.html" --tlsv1.2 --tls-max 1.2 --http1.1
	rp_stop
}

flows_rp_violations() {
	step "W01 HTTP to the proxy's external address on 8080 (only 80 and 443 are published)"
	http w01 "$CLIENT" "$RPX" 8080
	step "W02 HTTPS to the front end's 4443 from the proxy's external address (the wrong interface)"
	tls w02 "$FE" 4443 fe "$RPX" tls -alpn http/1.1 -- -alpn http/1.1
	step "W03 plain HTTP on the proxy's 443"
	http w03 "$CLIENT" "$RPX" 443
	step "W04 the proxy's internal address to the front end's 4443 in plain HTTP"
	http w04 "$RPI" "$FE" 4443
}

# record NAME FILTER - runs flows_NAME under tcpdump and writes $OUT/NAME.pcap, addresses rewritten
# to the address plan (payloads carry host names, not addresses: nothing to rewrite inside).
record() {
	local name=$1 raw="$ENS_TMP/$1.raw.pcap" before=$FAILED
	shift
	ens_capture_start "$raw" "$@" || { fail "$name" tcpdump; return 1; }
	"flows_${name//-/_}"
	ens_capture_stop
	[ "$FAILED" = "$before" ] || { echo "make-edge-packs: $name not written" >&2; return 1; }
	ens_rewrite "$raw" "$OUT/$name.pcap" || { fail "$name" "tcprewrite failed"; return 1; }
	ens_log "wrote $OUT/$name.pcap"
}

ens_create || exit 1
# Every role address has a name in the namespace's /etc/hosts, so a reverse lookup (python's
# http.server asks for its bind address's name) is answered from the file, never over DNS.
mapfile -t HOSTS < <(printf '%s\n' "$ENS_ROLES" | awk 'NF == 3 { print $2, $1 ".example.test" }')
ens_hosts "${HOSTS[@]}" || exit 1
make_pki || { echo "make-edge-packs: PKI failed" >&2; exit 1; }
for name in $WANT; do
	case "$name" in
	edge-full|edge-violations|hlb-full|hlb-violations) record "$name" "not port 5060" ;;
	xmpp-s2s-vip) xmpp_s2s_vip ;;
	rp-full|rp-violations) record "$name" "tcp" ;;
	*) fail "$name" "unknown capture (one of: $ALL)" ;;
	esac
	ens_stop_all
done
[ -z "$FAILED" ] || { echo "make-edge-packs: failed:$FAILED" >&2; exit 1; }
