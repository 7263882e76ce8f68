# lib-netns.sh - record test captures on loopback inside a private network namespace (bash; source me).
#
# Usage (from a bash script, as root):
#   . "$(dirname "$0")/lib-netns.sh"
#   ens_require tcpdump:tcpdump tcprewrite:tcpreplay || exit 1
#   ens_create                      # new namespace, lo up, role addresses, trap set
#   ens_hosts "127.0.2.10 edge.example.com"   # optional: /etc/hosts inside the namespace
#   ens_capture_start /tmp/x.pcap   # tcpdump -i lo, returns once it is capturing
#   ens_bg NAME server args...      # background process inside the namespace
#   ens_exec client args...         # foreground command inside the namespace
#   ens_capture_stop                # flush and close the capture
#   ens_rewrite /tmp/x.pcap out.pcap   # loopback role addresses -> address plan
#
# Scripts start with: HERE=...; . "$HERE/lib-netns.sh"; ens_outdir "$HERE/own" "$@" || exit 1;
# shift "$ENS_SHIFT" (OUT is then the absolute output directory, -o DIR or the default).
#
# Traffic never leaves the namespace: only its own lo is up. Everything the
# library started (namespace, processes in it, /etc/netns/<ns>, temp dir) is
# removed by ens_cleanup, which runs from an EXIT trap; extra cleanup commands
# can be queued with ens_defer. Callers that set their own EXIT trap must call
# ens_cleanup from it.

# Loopback stand-ins for the roles of the address plan: 127.0.X.Y stands for
# the plan address ending in .X.Y, so a raw capture is readable before rewriting.
# role            loopback        plan
ENS_ROLES="
edge-access        127.0.2.10      192.0.2.10
edge-webconf       127.0.2.11      192.0.2.11
edge-av            127.0.2.12      192.0.2.12
edge-access-vip    127.0.2.20      192.0.2.20
edge-webconf-vip   127.0.2.21      192.0.2.21
edge-av-vip        127.0.2.22      192.0.2.22
rp-external        127.0.2.30      192.0.2.30
edge-internal      127.0.100.10    198.51.100.10
edge-internal-vip  127.0.100.11    198.51.100.11
front-end          127.0.100.20    198.51.100.20
director           127.0.100.21    198.51.100.21
sba                127.0.100.30    198.51.100.30
rp-internal        127.0.100.40    198.51.100.40
owa                127.0.100.50    198.51.100.50
federated-partner  127.0.113.20    203.0.113.20
public-im-partner  127.0.113.30    203.0.113.30
client             127.0.113.40    203.0.113.40
live-client        127.0.113.50    203.0.113.50
internet-host      127.0.113.99    203.0.113.99
"
# IPv6: edge-access only (fd00:e::10 on lo -> 2001:db8:e::10).
ENS_V6_LOOP="fd00:e::10"
ENS_V6_PLAN="2001:db8:e::10"

EA_NS=""            # namespace name, set by ens_create
ENS_TMP=""          # private temp dir, removed on cleanup
ENS_CAP_PID=""      # tcpdump pid of the running capture
ENS_PIDS=()         # background pids started by ens_bg (names in ENS_NAMES)
ENS_NAMES=()
ENS_DEFERRED=()     # extra cleanup commands (eval'd in reverse order)

ens_log() { printf '%s\n' "[$(date +%H:%M:%S)] $*" >&2; }

# ens_outdir DEFAULT [-o DIR] [ARGS...] - sets OUT to DIR (or DEFAULT), creates it and makes it
# absolute; ENS_SHIFT is how many arguments "-o DIR" took (0 or 2), for the caller to shift.
ENS_SHIFT=0
ens_outdir() {
	OUT=$1; ENS_SHIFT=0
	if [ "${2:-}" = "-o" ]; then OUT=${3:?ens_outdir: -o needs a directory}; ENS_SHIFT=2; fi
	mkdir -p "$OUT" || return 1
	OUT=$(cd "$OUT" && pwd)
}

# ens_role_ip ROLE -> prints the loopback address of ROLE; 1 if unknown.
ens_role_ip() {
	printf '%s\n' "$ENS_ROLES" | awk -v r="$1" '$1 == r { print $2; f = 1 } END { exit !f }'
}

# ens_plan_ip ROLE -> prints the plan (documentation) address of ROLE; 1 if unknown.
ens_plan_ip() {
	printf '%s\n' "$ENS_ROLES" | awk -v r="$1" '$1 == r { print $3; f = 1 } END { exit !f }'
}

# ens_require CMD:PACKAGE... - checks each command is on PATH; prints one
# apt-get line naming the packages of all missing ones and returns 1.
ens_require() {
	local spec missing=""
	for spec in "$@"; do
		command -v "${spec%%:*}" >/dev/null 2>&1 || missing="$missing ${spec#*:}"
	done
	if [ -n "$missing" ]; then
		echo "missing tools; install them with:" >&2
		echo "  apt-get install -y$missing" >&2
		return 1
	fi
	return 0
}

# ens_create [EXTRA_ADDR...] - creates a uniquely named namespace with lo up,
# every role address of ENS_ROLES (and ENS_V6_LOOP) on lo, plus any EXTRA_ADDR
# (IPv4 or IPv6, /32 or /128 implied). Sets EA_NS, ENS_TMP and the EXIT/INT/TERM
# traps. Returns non-zero (after cleaning up) if the namespace cannot be made.
ens_create() {
	local a
	[ "$(id -u)" = 0 ] || { echo "ens_create: must run as root (ip netns)" >&2; return 1; }
	EA_NS="eacap-$$-$RANDOM"
	ENS_TMP=$(mktemp -d "/tmp/$EA_NS.XXXXXX") || return 1
	trap ens_cleanup EXIT
	trap 'ens_cleanup; exit 130' INT
	trap 'ens_cleanup; exit 143' TERM
	ip netns add "$EA_NS" || { EA_NS=""; return 1; }
	ip -n "$EA_NS" link set lo up || return 1
	for a in $(printf '%s\n' "$ENS_ROLES" | awk 'NF == 3 { print $2 }') "$@"; do
		case "$a" in
		*:*) ip -n "$EA_NS" -6 addr add "$a/128" dev lo nodad || return 1 ;;
		*)   ip -n "$EA_NS" addr add "$a/32" dev lo || return 1 ;;
		esac
	done
	ip -n "$EA_NS" -6 addr add "$ENS_V6_LOOP/128" dev lo nodad || return 1
	ens_log "namespace $EA_NS ready (tmp $ENS_TMP)"
	return 0
}

# ens_hosts LINE... - writes /etc/netns/$EA_NS/hosts (each LINE "addr name...")
# which `ip netns exec` bind-mounts over /etc/hosts for processes started
# afterwards. Removed on cleanup.
ens_hosts() {
	mkdir -p "/etc/netns/$EA_NS" || return 1
	{ echo "127.0.0.1 localhost"; echo "::1 localhost"; printf '%s\n' "$@"; } \
		> "/etc/netns/$EA_NS/hosts"
}

# ens_default_src DEST SRC - connections to the local address DEST that do not
# bind a source address leave from SRC (prefsrc on DEST's route in the local
# table), for programs that cannot bind their outgoing sockets (e.g. prosody s2s).
ens_default_src() {
	ip -n "$EA_NS" route replace local "$1" dev lo table local proto kernel scope host src "$2"
}

# ens_exec CMD... - runs CMD in the namespace in the foreground; returns its
# status. Waited for with the wait builtin so INT/TERM traps run at once.
ens_exec() {
	local pid
	ip netns exec "$EA_NS" "$@" <&0 &
	pid=$!
	wait "$pid"
}

# ens_bg NAME CMD... - starts CMD in the namespace in the background, output to
# $ENS_TMP/NAME.log; the pid is tracked and killed on cleanup. Prints nothing.
ens_bg() {
	local name=$1; shift
	ip netns exec "$EA_NS" "$@" > "$ENS_TMP/$name.log" 2>&1 < /dev/null &
	ENS_PIDS+=("$!")
	ENS_NAMES+=("$name")
}

# ens_pid NAME - prints the pid of the background process NAME (last started).
ens_pid() {
	local i
	for ((i = ${#ENS_NAMES[@]} - 1; i >= 0; i--)); do
		[ "${ENS_NAMES[$i]}" = "$1" ] && { echo "${ENS_PIDS[$i]}"; return 0; }
	done
	return 1
}

# ens_stop NAME - SIGTERM to background process NAME, waits up to 5 s, then SIGKILL.
ens_stop() {
	local pid n=0
	pid=$(ens_pid "$1") || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	while kill -0 "$pid" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# ens_wait_port PROTO PORT [ADDR] [TIMEOUT_S] - waits until something listens
# on PORT (PROTO tcp or udp) inside the namespace; 1 on timeout (default 10 s).
ens_wait_port() {
	local proto=$1 port=$2 addr=${3:-} t=${4:-10} n=0 flag=-ltn
	[ "$proto" = udp ] && flag=-lun
	while [ $n -lt $((t * 10)) ]; do
		ip netns exec "$EA_NS" ss -H $flag 2>/dev/null |
			awk -v p=":$port" -v a="$addr" '{ l = $4 } l ~ (p "$") && (a == "" || index(l, a) || l ~ /^(\*|0\.0\.0\.0|\[::\]):/) { f = 1 } END { exit !f }' &&
			return 0
		sleep 0.1; n=$((n + 1))
	done
	echo "ens_wait_port: nothing listens on $proto/$port ${addr}" >&2
	return 1
}

# ens_capture_start FILE [FILTER...] - starts tcpdump on the namespace's lo,
# writing FILE packet-buffered; returns once tcpdump reports it is listening
# (1 if it did not within 10 s). One capture at a time.
ens_capture_start() {
	local file=$1 n=0; shift
	rm -f "$file"
	ip netns exec "$EA_NS" tcpdump -i lo -n -U -s 0 -Z root -w "$file" "$@" \
		> "$ENS_TMP/tcpdump.log" 2>&1 < /dev/null &
	ENS_CAP_PID=$!
	while ! grep -q 'listening on' "$ENS_TMP/tcpdump.log" 2>/dev/null; do
		if ! kill -0 "$ENS_CAP_PID" 2>/dev/null || [ $n -ge 100 ]; then
			echo "ens_capture_start: tcpdump did not start:" >&2
			cat "$ENS_TMP/tcpdump.log" >&2
			return 1
		fi
		sleep 0.1; n=$((n + 1))
	done
	sleep 0.2   # the socket is live once tcpdump says so; a margin for the ring
	return 0
}

# ens_capture_stop - lets in-flight packets land, stops tcpdump with SIGINT
# (it flushes and closes the file) and waits for it. No capture: no-op.
ens_capture_stop() {
	local n=0
	[ -n "$ENS_CAP_PID" ] || return 0
	sleep 0.5
	kill -INT "$ENS_CAP_PID" 2>/dev/null
	while kill -0 "$ENS_CAP_PID" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	kill -KILL "$ENS_CAP_PID" 2>/dev/null
	wait "$ENS_CAP_PID" 2>/dev/null
	grep -E 'packets (captured|dropped by kernel)' "$ENS_TMP/tcpdump.log" | tr '\n' ' ' >&2; echo >&2
	ENS_CAP_PID=""
	return 0
}

# ens_stop_all - stops the capture and kills every process inside the
# namespace (all of them are ours: the name is unique), e.g. between retries.
ens_stop_all() {
	local pid
	ens_capture_stop 2>/dev/null
	[ -n "$EA_NS" ] || return 0
	for pid in $(ip netns pids "$EA_NS" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null; done
	sleep 0.3
	for pid in $(ip netns pids "$EA_NS" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
	for pid in "${ENS_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	ENS_PIDS=(); ENS_NAMES=()
	return 0
}

# ens_pnat_map [EXTRA_PAIR...] - prints the --pnat argument mapping every role's
# loopback address to its plan address (plus EXTRA_PAIR, "a.b.c.d/32:w.x.y.z/32").
ens_pnat_map() {
	local map
	map=$(printf '%s\n' "$ENS_ROLES" | awk 'NF == 3 { printf "%s%s/32:%s/32", s, $2, $3; s = "," }')
	map="$map,[$ENS_V6_LOOP/128]:[$ENS_V6_PLAN/128]"
	for p in "$@"; do map="$map,$p"; done
	printf '%s\n' "$map"
}

# ens_rewrite IN OUT [EXTRA_PAIR...] - rewrites role addresses (source and
# destination) to the address plan with tcprewrite --pnat and fixes checksums.
# Addresses not in the map (e.g. 127.0.0.1) are left as they are.
ens_rewrite() {
	tcprewrite --pnat="$(ens_pnat_map "${@:3}")" --fixcsum \
		--infile="$1" --outfile="$2"
}

# ens_mkcert NAME CN SAN - NAME.key and NAME.pem signed by the test CA (ca.pem,
# ca.key in the current directory), usable as TLS server and client certificate.
ens_mkcert() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=edgeaudit test/CN=$2" \
		-keyout "$1.key" -out "$1.csr" 2>/dev/null &&
	printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature\n' "$3" > "$1.ext" &&
	openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
		-extfile "$1.ext" -out "$1.pem" 2>/dev/null
}

# ens_mkpki NAME:CN... - a throwaway ECDSA P-256 test CA ($ENS_TMP/pki/ca.pem, ca.key) and one
# certificate per NAME:CN (NAME.pem, NAME.key, SAN DNS:CN) signed by it.
ens_mkpki() {
	local spec
	mkdir -p "$ENS_TMP/pki" && (cd "$ENS_TMP/pki" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
		-subj "/O=edgeaudit test CA/CN=edgeaudit test CA" -keyout ca.key -out ca.pem 2>/dev/null &&
	for spec in "$@"; do
		ens_mkcert "${spec%%:*}" "${spec#*:}" "DNS:${spec#*:}" || exit 1
	done)
}

# ens_tls_flow NAME SRV_ADDR PORT SRV_CERT CLI_ADDR SERVER_OPTS.. -- CLIENT_OPTS..
# One TLS connection from real stacks: openssl s_server (one connection, certificate
# $ENS_TMP/pki/SRV_CERT.pem) and s_client bound to CLI_ADDR. The client sends the line
# "EA-REQUEST NAME" (or the contents of $ENS_TMP/NAME.req when that exists) once the handshake
# is done, the server answers "EA-ANSWER NAME", the client closes (close_notify, FIN).
# Returns 1 (and calls the caller's fail NAME WHY) when no answer came back inside TLS.
ens_tls_flow() {
	local name=$1 saddr=$2 port=$3 scert=$4 caddr=$5 d="$ENS_TMP/pki" log="$ENS_TMP/$1" n=0
	local sopts=() copts=()
	shift 5
	while [ $# -gt 0 ] && [ "$1" != -- ]; do sopts+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	copts=("$@")
	[ -s "$log.req" ] || printf 'EA-REQUEST %s\n' "$name" > "$log.req"
	printf 'EA-ANSWER %s\n' "$name" > "$log.resp"
	: > "$log.srv.out"; : > "$log.cli.out"
	ens_bg "$name-srv" bash -c 'exec openssl s_server -quiet -accept "$1:$2" -naccept 1 \
		-cert "$3/$4.pem" -key "$3/$4.key" -CAfile "$3/ca.pem" "${@:7}" \
		< <(n=0; until grep -aqF -- "$6" "$5.srv.out" || [ $n -gt 100 ]; do
			sleep 0.1; n=$((n + 1)); done; cat "$5.resp"; sleep 10) > "$5.srv.out" 2>&1' \
		_ "$saddr" "$port" "$d" "$scert" "$log" "$(head -n 1 "$log.req" | tr -d '\r')" "${sopts[@]}"
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

# ens_defer CMD - queues CMD (a string, eval'd) to run at cleanup, last first.
ens_defer() {
	ENS_DEFERRED+=("$1")
}

# ens_cleanup - stops the capture and every process in the namespace, deletes
# the namespace, /etc/netns/<ns> and the temp dir. Safe to call twice.
ens_cleanup() {
	local i pid
	ens_capture_stop 2>/dev/null
	for ((i = ${#ENS_DEFERRED[@]} - 1; i >= 0; i--)); do
		eval "${ENS_DEFERRED[$i]}" || true
	done
	ENS_DEFERRED=()
	for pid in "${ENS_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	ens_stop_all
	if [ -n "$EA_NS" ]; then
		ip netns del "$EA_NS" 2>/dev/null
		rm -rf "/etc/netns/$EA_NS"
		rmdir /etc/netns 2>/dev/null
		EA_NS=""
	fi
	if [ -n "$ENS_TMP" ] && [ -d "$ENS_TMP" ] && [ -z "${ENS_KEEP_TMP:-}" ]; then
		rm -rf "$ENS_TMP"
	fi
	ENS_TMP=""
	return 0
}
