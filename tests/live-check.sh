#!/bin/bash
# live-check.sh: live mode end to end on the loopback of a private network namespace, against tcpdump and offline mode.
#
#   EDGEAUDIT_BIN=build/src/edgeaudit EA_SRCDIR=/path/to/source tests/live-check.sh
#
# Needs root (ip netns, capture), tcpdump, openssl, sipp, xmllint, python3.
# Real traffic (openssl s_server/s_client with and without a client
# certificate, sipp uac/uas, refused connections) runs inside a namespace
# this script creates; nothing leaves it. Every wait is bounded. Ends with
# "N passed, N failed"; non-zero on failure.
top=${EA_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
bin=${EDGEAUDIT_BIN:-$top/src/edgeaudit}
schema=$top/reports/edgeaudit-report.rng
out=${LIVE_OUT:-out/live-check}
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)

. "$top/tests/lib-tally.sh"
check() {   # check DESCRIPTION COMMAND...: passes when the command succeeds
    local desc_=$1; shift
    if "$@" > "$out/last.log" 2>&1; then ok "$desc_"; else bad "$desc_"; head -n 8 "$out/last.log"; fi
}
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }
# wait_for SECONDS COMMAND...: polls every 0.1 s until COMMAND succeeds; 1 on timeout
wait_for() {
    local n=0 max=$(($1 * 10)); shift
    until "$@" > /dev/null 2>&1; do
        [ $n -ge $max ] && return 1
        sleep 0.1; n=$((n + 1))
    done
    return 0
}

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: live-check needs root to create a network namespace and capture on it (CI runs as root)"
    finish
fi
missing=""
for t in ip ss tcpdump openssl sipp xmllint python3 timeout; do
    command -v "$t" > /dev/null 2>&1 || missing="$missing $t"
done
if [ -n "$missing" ]; then
    bad "tools missing:$missing (./setup.sh installs them)"
    finish
fi
if ! getent passwd nobody > /dev/null; then
    bad "no user 'nobody' to drop privileges to"
    finish
fi

. "$top/captures/lib-netns.sh"
ens_create || { bad "cannot create a network namespace"; finish; }
EDGE=$(ens_role_ip edge-access)
PARTNER=$(ens_role_ip federated-partner)
CLIENT=$(ens_role_ip client)
NET=$(ens_role_ip internet-host)
roles=(--role "edge-access=$EDGE" --role "federated-partner=$PARTNER" --role "client=$CLIENT")
filter=(tcp or udp)

# A work dir that 'nobody' can write once edgeaudit has dropped root.
d=$(mktemp -d /tmp/ea-live.XXXXXX) || { bad "mktemp"; finish; }
ens_defer "rm -rf '$d'"
chmod 755 "$d"
mkdir "$d/rep" && chmod 1777 "$d/rep"
rep=$d/rep

# A tiny PKI: a CA, the edge's server certificate and a partner's client certificate.
pki() {
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=ea-test-ca \
        -keyout "$d/ca.key" -out "$d/ca.pem" &&
    for n in edge partner; do
        openssl req -newkey rsa:2048 -nodes -subj "/CN=$n.example.com" \
            -keyout "$d/$n.key" -out "$d/$n.csr" &&
        openssl x509 -req -in "$d/$n.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
            -days 2 -out "$d/$n.pem" || return 1
    done
}
check "a test PKI is made with openssl" pki

# One TLS 1.2 session (1.3 hides the client certificate) to the edge's 5061 from the partner.
tls_session() {
    local name=$1; shift
    ens_bg "$name" timeout 15 openssl s_server -accept "$EDGE:5061" -naccept 1 -Verify 1 -tls1_2 \
        -cert "$d/edge.pem" -key "$d/edge.key" -CAfile "$d/ca.pem" -quiet
    ens_wait_port tcp 5061 "$EDGE" 10 || return 1
    # The client talks for a moment, then closes; a refused handshake ends it sooner.
    (echo "OPTIONS sip:edge.example.com SIP/2.0"; sleep 1) |
        ens_exec timeout 10 openssl s_client -connect "$EDGE:5061" -bind "$PARTNER:0" -tls1_2 \
            -CAfile "$d/ca.pem" -quiet "$@" > "$out/$name.out" 2>&1
    wait_for 5 gone "$(ens_pid "$name")"
    ens_stop "$name"
    return 0
}
# A connection to a closed port: SYN answered by RST (blocked).
refused() {
    ens_exec timeout 5 python3 -c 'import socket,sys
s = socket.socket(); s.bind((sys.argv[1], 0))
try: s.connect((sys.argv[2], int(sys.argv[3])))
except OSError: pass' "$1" "$2" "$3"
}
# One SIP call over UDP 5060 with sipp's built-in scenarios (no rule: unexpected).
sip_call() {
    ens_bg sipp-uas timeout 20 sipp -sn uas -i "$EDGE" -p 5060 -m 1 -nostdin
    ens_wait_port udp 5060 "$EDGE" 10 || return 1
    ens_exec timeout 20 sipp -sn uac "$EDGE:5060" -i "$NET" -p 5070 -m 1 -nostdin \
        -timeout 15s > "$out/sipp-uac.log" 2>&1
    local rc=$?
    wait_for 5 gone "$(ens_pid sipp-uas)"
    ens_stop sipp-uas
    return $rc
}
pid_of_edgeaudit() {   # the edgeaudit process inside the namespace (timeout is its parent)
    local p
    for p in $(ip netns pids "$EA_NS"); do
        [ "$(cat "/proc/$p/comm" 2>/dev/null)" = edgeaudit ] && { echo "$p"; return 0; }
    done
    return 1
}
jq_count() {   # jq_count FILE PYEXPR: lines of the JSON-lines FILE for which PYEXPR (over o) holds
    python3 -c 'import json,sys
n = 0
for l in open(sys.argv[1]):
    o = json.loads(l)
    if eval(sys.argv[2]): n += 1
print(n)' "$1" "$2" 2>/dev/null || echo 0
}
count_is() {   # count_is FILE PYEXPR OP N: the number of matching lines compares (test OP) with N
    local c
    c=$(jq_count "$1" "$2")
    test "$c" "$3" "$4"
}
same_verdicts() {   # same_verdicts LIVE.jsonl OFFLINE.jsonl MIN: one set of flows, with verdict and reason
    python3 -c 'import json,sys
def flows(p):
    s = set()
    for l in open(p):
        o = json.loads(l)
        if o["type"] == "flow":
            s.add((o["client"], o["client-port"], o["server"], o["server-port"], o["transport"], o["app"],
                   o["verdict"], o["reason-code"]))
    return s
a, b = flows(sys.argv[1]), flows(sys.argv[2])
for x in sorted(a - b): print("live only:", x)
for x in sorted(b - a): print("offline only:", x)
print(len(a), "flows live,", len(b), "offline")
sys.exit(0 if a == b and len(a) >= int(sys.argv[3]) else 1)' "$1" "$2" "$3"
}
alive_and() { kill -0 "$pid" 2> /dev/null && "$@"; }   # the run under test still runs, and ...
gone() { ! kill -0 "$1" 2> /dev/null; }
xcount() {     # xcount FILE XPATH OP N
    local c
    c=$(xmllint --xpath "$2" "$1" 2> /dev/null)
    test "${c:-x}" "$3" "$4" 2> /dev/null
}

# 1. Running as root without -Z is refused before any packet is read.
ip netns exec "$EA_NS" timeout 10 "$bin" -i lo "${roles[@]}" > "$out/root.out" 2> "$out/root.err"
rc=$?
check "as root without -Z or --keep-root: exit 2" test "$rc" = 2
check "  ... and says why in one line" grep -q "refusing to read packets as root" "$out/root.err"
ip netns exec "$EA_NS" timeout 10 "$bin" -i no-such-if0 -Z nobody "${roles[@]}" --quiet > /dev/null 2> "$out/nodev.err"
rc=$?
check "a missing interface: exit 2 with one line" sh -c "test $rc = 2 && test \$(wc -l < '$out/nodev.err') = 1"

# 2. The main run: tcpdump beside it, then traffic.
ens_capture_start "$d/side.pcap" "${filter[@]}" || bad "tcpdump beside edgeaudit did not start"
ens_bg live timeout 90 "$bin" -i lo -Z nobody "${roles[@]}" --report-dir "$rep" --interval 1 \
    --window 60 --settle 1 --alerts json --alert-file "$rep/alerts.jsonl" \
    --json "$rep/final.jsonl" --xml "$rep/final.xml" "${filter[@]}"
check "edgeaudit -i lo starts capturing" wait_for 10 grep -q "capturing on lo" "$ENS_TMP/live.log"
pid=$(pid_of_edgeaudit)
echo "edgeaudit pid ${pid:-none}"
uid=$(id -u nobody); gid=$(id -g nobody)
check "-Z nobody: real, effective, saved and fs uids are nobody's" \
    grep -Eq "^Uid:[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid\$" "/proc/$pid/status"
check "-Z nobody: every gid is nobody's, no supplementary root group" sh -c \
    "grep -Eq '^Gid:[[:space:]]+$gid[[:space:]]+$gid[[:space:]]+$gid[[:space:]]+$gid\$' /proc/$pid/status &&
     ! grep -Eq '^Groups:.*\\b0\\b' /proc/$pid/status"
check "-Z nobody: no capabilities left" grep -Eq "^CapEff:[[:space:]]+0+\$" "/proc/$pid/status"

check "traffic: mutual TLS from the partner (client certificate)" \
    tls_session mtls -cert "$d/partner.pem" -key "$d/partner.key"
check "traffic: TLS from the partner without a client certificate" tls_session nocert
check "traffic: a refused connection to 5099" refused "$NET" "$EDGE" 5099
check "traffic: a SIP call over UDP 5060 with sipp" sip_call

# 3. Alerts arrive while edgeaudit still runs.
check "alert for the refused connection (blocked) arrives while running" wait_for 10 alive_and \
    count_is "$rep/alerts.jsonl" 'o["server-port"] == 5099 and o["verdict"] == "blocked"' = 1
check "alert for the SIP call over UDP 5060 (unexpected) arrives while running" wait_for 10 alive_and \
    count_is "$rep/alerts.jsonl" 'o["server-port"] == 5060 and o["verdict"] == "unexpected"' -ge 1
check "alert for TLS without a client certificate on 5061 arrives while running" wait_for 10 alive_and \
    count_is "$rep/alerts.jsonl" 'o["server-port"] == 5061 and o["verdict"] != "allowed"' = 1
check "no alert for the mutual TLS session" \
    count_is "$rep/alerts.jsonl" 'o["server-port"] == 5061 and o.get("mtls") == "yes"' = 0
check "alerts are JSON lines with \"alert\":\"new\"" \
    count_is "$rep/alerts.jsonl" 'o["alert"] == "new"' = "$(wc -l < "$rep/alerts.jsonl")"

# 4. Reports at each interval, replaced atomically, valid.
check "report.xml is written at the interval" wait_for 5 test -s "$rep/report.xml"
i1=$(stat -c %i "$rep/report.xml" 2>/dev/null)
check "report.xml is rewritten at the next interval (new file renamed over it)" wait_for 5 \
    sh -c "test \"\$(stat -c %i '$rep/report.xml')\" != '$i1'"
cp "$rep/report.xml" "$out/interval.xml" 2> /dev/null
check "the interval report validates against the schema" xmllint --noout --relaxng "$schema" "$out/interval.xml"
# Report v2: flows still in the table are counted (judged provisionally), not grouped or listed.
check "the interval report counts the run so far (the flows to 5061, 5099, 5060)" \
    xcount "$out/interval.xml" 'sum(//summary/verdict/@count)' -ge 4
check "the interval report groups the flows still in the table (the SIP call over UDP 5060, held until its timeout)" \
    xcount "$out/interval.xml" 'count(//findings/group[@port=5060][@verdict="unexpected"])' = 1
check "  ... so its groups hold every finding flow the summary counts" \
    xcount "$out/interval.xml" 'sum(//findings/group/@flows) = sum(//summary/verdict[@name="unexpected" or @name="blocked" or @name="unverified"]/@count) and sum(//findings/group/@flows) >= 3' = true
check "the interval report has the capture loss (received > 0)" \
    xcount "$out/interval.xml" 'string(//capture/loss/@received)' -gt 0
check "report.html is written beside it" test -s "$rep/report.html"
check "window-report.xml is written and valid" xmllint --noout --relaxng "$schema" "$rep/window-report.xml"
check "window-report.xml says window-seconds=60" xcount "$rep/window-report.xml" 'string(//capture/@window-seconds)' = 60
check "the window report groups the last 60 s, finished flows and flows still in the table (5099, 5060, 5061)" \
    xcount "$rep/window-report.xml" 'count(//findings/group[@port=5099 or @port=5060 or @port=5061])' = 3
# The --json file is written as flows finish, into its temporary file until the end (report v2).
# An interval report being written has its temporary file for a moment: a leftover never goes away.
check "no temporary file is left in the report dir (but the JSON lines being written)" wait_for 5 \
    sh -c "! ls '$rep' | grep -v '^final.jsonl.tmp' | grep -q tmp"

# 5. SIGHUP reopens the alert file (log rotation) and capture goes on.
mv "$rep/alerts.jsonl" "$rep/alerts.1.jsonl"
kill -HUP "$pid"
sleep 0.5
check "after SIGHUP edgeaudit still runs" kill -0 "$pid"
check "after SIGHUP the alert file is reopened" wait_for 5 test -e "$rep/alerts.jsonl"
refused "$NET" "$EDGE" 5098
check "after SIGHUP a new alert lands in the new file" wait_for 10 \
    count_is "$rep/alerts.jsonl" 'o["server-port"] == 5098' = 1

# 6. SIGTERM: clean stop, final reports, exit 1 (findings) as offline.
kill -TERM "$pid"
check "SIGTERM stops it within 10 s" wait_for 10 gone "$pid"
wait "$(ens_pid live)"
rc=$?
check "exit 1 after SIGTERM (there are findings), as offline" test "$rc" = 1
ens_capture_stop 2> "$out/tcpdump.log"
check "the final report validates" xmllint --noout --relaxng "$schema" "$rep/report.xml"
check "the final --xml report validates" xmllint --noout --relaxng "$schema" "$rep/final.xml"
check "the final report holds both TLS flows to 5061" xcount "$rep/final.xml" 'count(//flow[@server-port=5061])' = 2
check "the final report holds the refused flows to 5099 and 5098" \
    xcount "$rep/final.xml" 'count(//flow[@server-port=5099 or @server-port=5098])' = 2
check "the final report holds the SIP flow to 5060" xcount "$rep/final.xml" 'count(//flow[@server-port=5060])' -ge 1
check "the terminal summary gives the capture loss" grep -q "received, .* dropped by the kernel, .* dropped by the interface" "$ENS_TMP/live.log"
cat "$rep/alerts.1.jsonl" "$rep/alerts.jsonl" > "$out/alerts.jsonl" 2> /dev/null
check "each flow is announced once" python3 -c 'import json,sys,collections
c = collections.Counter(json.loads(l)["id"] for l in open(sys.argv[1]) if json.loads(l)["alert"] == "new")
sys.exit(1 if not c or max(c.values()) > 1 else 0)' "$out/alerts.jsonl"
check "every announced verdict is the final one, or a revision says so" python3 -c 'import json,sys
final = {}
for l in open(sys.argv[2]):
    o = json.loads(l)
    if o["type"] == "flow": final[o["id"]] = o["verdict"]
said = {}
for l in open(sys.argv[1]):
    o = json.loads(l)
    said[o["id"]] = o["verdict"]
bad = [i for i, v in said.items() if final.get(i) != v]
print("differ:", bad)
sys.exit(1 if bad else 0)' "$out/alerts.jsonl" "$rep/final.jsonl"

check "no early verdict needed a revision in this session" count_is "$out/alerts.jsonl" 'o["alert"] == "revised"' = 0
check "no flow that ends allowed (the mutual TLS one) was ever alerted" python3 -c 'import json,sys
ok = {json.loads(l)["id"] for l in open(sys.argv[2]) if json.loads(l).get("verdict") == "allowed"}
said = {json.loads(l)["id"] for l in open(sys.argv[1])}
sys.exit(0 if ok and not (ok & said) else 1)' "$out/alerts.jsonl" "$rep/final.jsonl"

# 7. Done when: the same traffic, recorded by tcpdump and audited offline, gets the same verdicts.
"$bin" -r "$d/side.pcap" "${roles[@]}" --quiet --json "$out/offline.jsonl" --xml "$out/offline.xml" \
    "${filter[@]}" > /dev/null 2>&1
rc=$?
check "the tcpdump recording audits offline with exit 1, as live" test "$rc" = 1
check "live and offline give the same verdict per flow (client, ports, app, verdict, reason)" \
    same_verdicts "$rep/final.jsonl" "$out/offline.jsonl" 5
cp "$rep/final.jsonl" "$out/live.jsonl" 2> /dev/null

# 8. SIGUSR1 writes a report at once; --keep-root keeps root when asked; text alerts on stdout.
rep2=$d/rep2
mkdir "$rep2"
ens_bg live2 timeout 40 "$bin" -i lo --keep-root "${roles[@]}" --report-dir "$rep2" --settle 1 \
    --window 2 "${filter[@]}"
check "a second run (--keep-root, no --interval) starts" wait_for 10 grep -q "capturing on lo" "$ENS_TMP/live2.log"
pid=$(pid_of_edgeaudit)
check "--keep-root: the process stays root" grep -Eq "^Uid:[[:space:]]+0[[:space:]]" "/proc/$pid/status"
refused "$NET" "$EDGE" 5097
check "a text alert line on stdout while running" wait_for 10 \
    grep -q "^edgeaudit: alert: blocked flow [0-9]* $NET:[0-9]* -> $EDGE:5097: " "$ENS_TMP/live2.log"
# A SIP request over UDP answered only after the settle time: alerted early as blocked, then revised.
late_answer() {
    ens_exec timeout 10 python3 -c 'import socket, sys, time
cli, edge = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); srv.bind((edge, 5062))
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.bind((cli, 0))
hdr = "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bKealive1\r\nFrom: <sip:probe@example.org>;tag=1\r\n" \
      "To: <sip:edge.example.com>\r\nCall-ID: ea-live-late@example.org\r\nCSeq: 1 OPTIONS\r\n" \
      "Content-Length: 0\r\n\r\n" % c.getsockname()
c.sendto(("OPTIONS sip:edge.example.com SIP/2.0\r\n" + hdr).encode(), (edge, 5062))
d, a = srv.recvfrom(4096)
time.sleep(3)
srv.sendto(("SIP/2.0 200 OK\r\n" + hdr).encode(), a)
c.recvfrom(4096)' "$1" "$2"
}
check "traffic: a SIP OPTIONS over UDP 5062 answered after 3 s" late_answer "$NET" "$EDGE"
check "  ... was alerted as blocked while no answer had come" \
    grep -q "^edgeaudit: alert: blocked flow [0-9]* $NET:[0-9]* -> $EDGE:5062: SIP OPTIONS with no reply" "$ENS_TMP/live2.log"
check "  ... and a revision says it is now unexpected, while running" wait_for 5 alive_and \
    grep -q "^edgeaudit: alert revised (was blocked): unexpected flow [0-9]* $NET:[0-9]* -> $EDGE:5062: " "$ENS_TMP/live2.log"
check "traffic: mutual TLS again, then quiet for longer than the 2 s window" \
    tls_session mtls2 -cert "$d/partner.pem" -key "$d/partner.key"
check "no report before SIGUSR1 (no --interval)" test ! -e "$rep2/report.xml"
sleep 3
kill -USR1 "$pid"
check "SIGUSR1 writes the report at once" wait_for 5 test -s "$rep2/report.xml"
check "SIGUSR1 writes the window report too" wait_for 5 test -s "$rep2/window-report.xml"
check "the whole-run report has sipfed-partner-in observed" \
    xcount "$rep2/report.xml" 'string(//rule[@id="sipfed-partner-in"]/@status)' = observed
check "the window report, past that session, has it not-observed and lists no flow" sh -c \
    "xmllint --noout --relaxng '$schema' '$rep2/window-report.xml' &&
     test \"\$(xmllint --xpath 'string(//rule[@id=\"sipfed-partner-in\"]/@status)' '$rep2/window-report.xml')\" = not-observed &&
     test \"\$(xmllint --xpath 'count(//flow)' '$rep2/window-report.xml')\" = 0"
check "after SIGUSR1 edgeaudit still runs" kill -0 "$pid"
kill -INT "$pid"
check "SIGINT stops it too" wait_for 10 gone "$pid"
wait "$(ens_pid live2)"
rc=$?
check "exit 1 after SIGINT (a blocked flow... and rules not observed)" test "$rc" = 1
check "the final report after SIGINT validates" xmllint --noout --relaxng "$schema" "$rep2/report.xml"
# 9. As the systemd unit runs it: unprivileged with an ambient CAP_NET_RAW, which goes once lo is open
#    (--syslog too; whether a syslog daemon receives the lines is not checked here).
if command -v setpriv > /dev/null; then
    rep3=$d/rep3
    mkdir "$rep3" && chmod 1777 "$rep3"
    ens_bg live3 timeout 30 setpriv --reuid=nobody --regid=nogroup --init-groups \
        --inh-caps=+net_raw --ambient-caps=+net_raw \
        "$bin" -i lo "${roles[@]}" --report-dir "$rep3" --settle 1 --syslog "${filter[@]}"
    check "unprivileged with ambient CAP_NET_RAW: it starts capturing" wait_for 10 grep -q "capturing on lo" "$ENS_TMP/live3.log"
    pid=$(pid_of_edgeaudit)
    check "  ... then holds no capability at all" grep -Eq "^CapPrm:[[:space:]]+0+\$" "/proc/$pid/status"
    check "  ... and runs as nobody" grep -Eq "^Uid:[[:space:]]+$uid[[:space:]]" "/proc/$pid/status"
    refused "$NET" "$EDGE" 5096
    check "  ... and still sees the traffic (an alert for 5096)" wait_for 10 \
        grep -q "^edgeaudit: alert: blocked flow [0-9]* $NET:[0-9]* -> $EDGE:5096: " "$ENS_TMP/live3.log"
    kill -TERM "$pid"
    wait_for 10 gone "$pid"
    check "  ... and writes its final report" xmllint --noout --relaxng "$schema" "$rep3/report.xml"
else
    bad "setpriv (util-linux) is missing"
fi
# 10. --threads 2: one socket per worker in a PACKET_FANOUT group. The kernel must hand both
#     directions of every flow to one worker, ICMP errors must find the worker that holds the
#     flow they quote, and the verdicts must be those of the tcpdump recording audited offline.
rep4=$d/rep4
mkdir "$rep4" && chmod 1777 "$rep4"
filter4=(tcp or udp or icmp)
ens_capture_start "$d/side4.pcap" "${filter4[@]}" || bad "tcpdump beside edgeaudit --threads 2 did not start"
ens_bg live4 timeout 60 "$bin" -i lo -Z nobody --threads 2 "${roles[@]}" --report-dir "$rep4" \
    --interval 1 --settle 1 --alerts json --alert-file "$rep4/alerts.jsonl" --json "$rep4/final.jsonl" \
    "${filter4[@]}"
check "--threads 2 -i lo starts in a PACKET_FANOUT group" wait_for 10 \
    grep -q "capturing on lo .*PACKET_FANOUT" "$ENS_TMP/live4.log"
pid=$(pid_of_edgeaudit)
check "  ... with two worker threads beside the main one" \
    sh -c "test \$(ls /proc/$pid/task | wc -l) = 3"
check "  ... and no thread holds a capability or root" sh -c \
    "! grep -h '^CapEff' /proc/$pid/task/*/status | grep -vq ':[[:space:]]*0*\$' &&
     ! grep -h '^Uid' /proc/$pid/task/*/status | grep -vq '^Uid:[[:space:]]*$uid[[:space:]]'"
check "  traffic: mutual TLS from the partner" tls_session mtls4 -cert "$d/partner.pem" -key "$d/partner.key"
check "  traffic: TLS from the partner without a client certificate" tls_session nocert4
# A burst: 40 refused connections and 16 datagrams to closed UDP ports (answered by ICMP).
burst() {
    ens_exec timeout 20 python3 -c 'import socket,sys
net, edge = sys.argv[1], sys.argv[2]
for p in range(5101, 5141):
    s = socket.socket(); s.bind((net, 0))
    try: s.connect((edge, p))
    except OSError: pass
    s.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind((net, 0))
for p in range(5201, 5217):
    u.sendto(b"probe", (edge, p))' "$1" "$2"
}
check "  traffic: a burst of 40 refused connections and 16 UDP probes" burst "$NET" "$EDGE"
check "  traffic: a SIP call over UDP 5060" sip_call
check "alert for TLS without a client certificate arrives while running (--threads 2)" wait_for 10 alive_and \
    count_is "$rep4/alerts.jsonl" 'o["server-port"] == 5061 and o["verdict"] != "allowed"' = 1
check "the interval report is written and valid (--threads 2)" wait_for 5 \
    xmllint --noout --relaxng "$schema" "$rep4/report.xml"
kill -TERM "$pid"
check "SIGTERM stops --threads 2 within 10 s" wait_for 10 gone "$pid"
wait "$(ens_pid live4)"
rc=$?
check "exit 1 after SIGTERM with --threads 2, as with one thread" test "$rc" = 1
ens_capture_stop 2> "$out/tcpdump4.log"
check "both worker threads had flows" \
    grep -Eq "flows per thread: [1-9][0-9]* [1-9][0-9]*\$" "$ENS_TMP/live4.log"
check "the final report validates (--threads 2)" xmllint --noout --relaxng "$schema" "$rep4/report.xml"
check "no packet was lost in the burst (--threads 2)" xcount "$rep4/report.xml" 'string(//capture/loss/@dropped)' = 0
check "every UDP probe is blocked by its ICMP error, wherever the kernel hashed the ICMP" \
    count_is "$rep4/final.jsonl" 'o["type"] == "flow" and 5201 <= o["server-port"] <= 5216 and o["verdict"] == "blocked" and o["reason-code"] == "icmp-unreachable"' = 16
check "flow ids are unique over the workers" python3 -c 'import json,sys
ids = [json.loads(l)["id"] for l in open(sys.argv[1]) if json.loads(l)["type"] == "flow"]
sys.exit(0 if ids and len(ids) == len(set(ids)) else 1)' "$rep4/final.jsonl"
"$bin" -r "$d/side4.pcap" "${roles[@]}" --quiet --json "$out/offline4.jsonl" "${filter4[@]}" > /dev/null 2>&1
check "live --threads 2 and offline give the same verdict per flow" \
    same_verdicts "$rep4/final.jsonl" "$out/offline4.jsonl" 58
# 11. --baseline in live mode (issue 16 item 2): the offline report of run 2's traffic is the
#     approved audit. Every report (interval, window, final) marks groups new or persisting, lists
#     the resolved ones and the rule status changes; the exit code follows --fail-on.
base=$d/base                      # root's only: read before -Z drops privileges
mkdir -m 700 "$base" && cp "$out/offline.xml" "$base/approved.xml"
rep5=$d/rep5
mkdir "$rep5" && chmod 1777 "$rep5"
ens_bg live5 timeout 60 "$bin" -i lo -Z nobody "${roles[@]}" --report-dir "$rep5" --interval 1 --window 60 \
    --settle 1 --baseline "$base/approved.xml" --fail-on new --json "$rep5/final.jsonl" "${filter[@]}"
check "--baseline live: starts, the baseline read before -Z" wait_for 10 grep -q "capturing on lo" "$ENS_TMP/live5.log"
pid=$(pid_of_edgeaudit)
check "  traffic: a refused connection to 5099 (as in the baseline)" refused "$NET" "$EDGE" 5099
check "  traffic: a refused connection to 5095 (new)" refused "$NET" "$EDGE" 5095
check "the interval report marks the group of 5095 new, while running" wait_for 10 alive_and \
    xcount "$rep5/report.xml" 'count(//findings/group[@port=5095][@change="new"])' = 1
cp "$rep5/report.xml" "$out/base-interval.xml" 2> /dev/null
cp "$rep5/report.html" "$out/base-interval.html" 2> /dev/null
check "  ... and the group of 5099 persisting" \
    xcount "$out/base-interval.xml" 'count(//findings/group[@port=5099][@change="persisting"])' = 1
check "  ... every group is marked" xcount "$out/base-interval.xml" 'count(//findings/group[not(@change)])' = 0
check "  ... the baseline's SIP group on 5060 and TLS group on 5061 are resolved" \
    xcount "$out/base-interval.xml" 'count(//changes/resolved[@port=5060 or @port=5061])' = 2
check "  ... sipfed-partner-in: observed -> not-observed, worse" \
    xcount "$out/base-interval.xml" 'count(//changes/rule-change[@id="sipfed-partner-in"][@from="observed"][@to="not-observed"][@worse="yes"])' = 1
check "  ... <changes> names the baseline and counts what it lists" \
    xcount "$out/base-interval.xml" "string(//changes/@baseline) = '$base/approved.xml' and //changes/@new >= 1 and //changes/@resolved = count(//changes/resolved)" = true
check "  ... and the report validates" xmllint --noout --relaxng "$schema" "$out/base-interval.xml"
check "  ... the HTML begins with Changes since baseline (before the groups)" python3 -c 'import sys
h = open(sys.argv[1]).read(); c = h.find("Changes since baseline"); g = h.find("Findings by group")
sys.exit(0 if 0 <= c < g else 1)' "$out/base-interval.html"
# The window report is written just after report.xml at each interval: wait for one that holds 5095.
check "the window report is compared too: 5095 new, the rule change, and valid" wait_for 15 sh -c \
    "cp '$rep5/window-report.xml' '$out/base-window.xml' &&
     xmllint --noout --relaxng '$schema' '$out/base-window.xml' &&
     test \"\$(xmllint --xpath 'count(//findings/group[@port=5095][@change=\"new\"]) + count(//changes/rule-change[@id=\"sipfed-partner-in\"])' '$out/base-window.xml')\" = 2"
kill -TERM "$pid"
check "SIGTERM stops the --baseline run" wait_for 10 gone "$pid"
wait "$(ens_pid live5)"
rc=$?
check "exit 1 with --fail-on new: a rule got worse since the baseline" test "$rc" = 1
check "no hidden file of the comparisons is left in the report dir" sh -c "! ls -A '$rep5' | grep -q plain"
check "the terminal summary says what changed" \
    grep -q "^edgeaudit: since $base/approved.xml: [1-9][0-9]* new group(s).* [1-9][0-9]* worse" "$ENS_TMP/live5.log"
check "the final report of --report-dir is compared (5095 new, 5060 resolved)" \
    xcount "$rep5/report.xml" 'count(//findings/group[@port=5095][@change="new"]) + count(//changes/resolved[@port=5060])' = 2
check "the final JSON lines end with the changes, 5095's group marked new" sh -c \
    "tail -n 1 '$rep5/final.jsonl' | grep -q '\"type\":\"changes\"' &&
     grep -q '\"type\":\"group-change\",\"key\":\"$(xmllint --xpath 'string(//findings/group[@port=5095]/@key)' "$rep5/report.xml")\",\"change\":\"new\"' '$rep5/final.jsonl'"
# The same traffic against this run's own report: nothing new, no rule worse: --fail-on new gives 0
# where --fail-on any (rules not observed) gives 1.
cp "$rep5/report.xml" "$base/approved2.xml"
for mode in new any; do
    ens_bg "live6$mode" timeout 30 "$bin" -i lo -Z nobody "${roles[@]}" --settle 1 \
        --baseline "$base/approved2.xml" --fail-on "$mode" "${filter[@]}"
    wait_for 10 grep -q "capturing on lo" "$ENS_TMP/live6$mode.log"
    refused "$NET" "$EDGE" 5099
    sleep 1
    pid=$(pid_of_edgeaudit)
    kill -TERM "$pid"
    wait_for 10 gone "$pid"
    wait "$(ens_pid "live6$mode")"
    eval "rc_$mode=\$?"
done
check "the baseline's own traffic again: exit 0 with --fail-on new" test "$rc_new" = 0
check "  ... and exit 1 with --fail-on any (rules not observed are findings)" test "$rc_any" = 1
cp "$ENS_TMP/live5.log" "$out/live5.log" 2> /dev/null
cp "$ENS_TMP/live4.log" "$out/live4.log" 2> /dev/null
cp "$ENS_TMP/live3.log" "$out/live3.log" 2> /dev/null
cp "$ENS_TMP/live.log" "$out/live.log" 2> /dev/null
cp "$ENS_TMP/live2.log" "$out/live2.log" 2> /dev/null
finish
