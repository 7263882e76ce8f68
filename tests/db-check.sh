#!/bin/sh
# db-check.sh: the database of runs (issue 16) with the real engines, SQLite and PostgreSQL.
#
#   EDGEAUDIT_BIN=build/src/edgeaudit EA_SRCDIR=/path/to/source tests/db-check.sh
#
# SQLite: every capture of captures/own/ recorded as a run of its own sensor (with --db-flows:
# every flow stored, as many rows as the run's JSON flow lines); each run's stored report is
# its --xml byte for byte (the hostile capture's strings included, also in the flows table)
# and `report --db` of it equals `merge` of it; `runs` lists them;
# `report --db` of all runs is the same bytes as `merge` of their XML reports (XML and JSON); schema versions (init, a run refused on an older schema with
# exit 4, upgrade); selection by sensor and time; a database that cannot be reached costs the
# record (exit 3), never the reports; quotes in names are data.
# PostgreSQL: a real server started here (initdb into a temporary directory, pg_ctl on a Unix
# socket in it, as an unprivileged user: `nobody` when run as root), with a password read from
# a password file (PGPASSFILE); stopped at the end, pass or fail. 4 sensor processes write 20
# runs each at once: all 80 are there, with every flow (the JSON flow lines' count, by COPY),
# and `report --db` equals `merge` of the 80 XML files.
# Passwords never appear in output. Ends with "N passed, N failed"; non-zero on failure.
top=${EA_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
bin=${EDGEAUDIT_BIN:-$top/src/edgeaudit}
out=${DB_OUT:-out/db-check}
site=$top/rules/examples/site-example.xml
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
. "$top/tests/lib-tally.sh"

# expect WHAT WANT GOT: one check of an exit code.
expect() {
    if [ "$2" = "$3" ]; then ok "$1 (exit $3)"; else bad "$1: exit $3, wanted $2"; fi
}

# run SENSOR CAPTURE DB [OPTIONS...]: one recorded run; its report in $out/SENSOR.xml, exit in .rc
run() {
    s=$1; c=$2; d=$3; shift 3
    "$bin" -r "$c" --site "$site" --deterministic --quiet --xml "$out/$s.xml" --db "$d" \
        --sensor "$s" "$@" > "$out/$s.log" 2>&1
    echo $? > "$out/$s.rc"
}

# same A B WHAT: byte-for-byte equality.
same() {
    if cmp -s "$1" "$2"; then ok "$3"; else bad "$3"; diff "$1" "$2" | head -n 5; fi
}

# ---------------------------------------------------------------- SQLite
db=$out/runs.sqlite
"$bin" db init "$db" > "$out/init.log" 2>&1
expect "db init creates the schema in a new SQLite file" 0 $?
"$bin" db init "$db" > "$out/init2.log" 2>&1
rc=$?
if [ $rc = 2 ] && grep -q "already has a schema" "$out/init2.log"; then
    ok "db init refuses a database that has a schema"
else
    bad "db init twice: exit $rc"; cat "$out/init2.log"
fi
n=0
jsum=0
# flow lines of a JSON report
jflows() { grep -c '^{"type":"flow"' "$1" 2>/dev/null || echo 0; }
# the flows rows of a sensor's runs in the SQLite database
dbflows() { sqlite3 "$db" "SELECT count(*) FROM flows f JOIN runs r ON r.id = f.run_id WHERE r.sensor = '$1'"; }
for c in "$top"/captures/own/*.pcap; do
    s=$(basename "$c" .pcap)
    "$bin" -r "$c" --site "$site" --deterministic --quiet --xml "$out/$s.plain.xml" > /dev/null 2>&1
    want=$?
    run "$s" "$c" "$db" --db-flows --json "$out/$s.json"
    got=$(cat "$out/$s.rc")
    n=$((n + 1))
    jn=$(jflows "$out/$s.json")
    jsum=$((jsum + jn))
    if [ "$jn" -lt 1 ] || [ "$(dbflows "$s")" != "$jn" ]; then
        bad "$s: --db-flows stored $(dbflows "$s") flows, the JSON lines hold $jn"
    fi
    if [ "$got" != "$want" ] || ! cmp -s "$out/$s.xml" "$out/$s.plain.xml"; then
        bad "$s: with --db exit $got and report differ from without (exit $want)"
        head -n 3 "$out/$s.log"
    fi
    "$bin" report --db "$db" --sensor "$s" --deterministic --quiet --xml "$out/$s.back.xml" \
        > "$out/$s.back.log" 2>&1
    back=$?
    "$bin" merge --deterministic --quiet --xml "$out/$s.merge.xml" "$out/$s.xml" > /dev/null 2>&1
    mrc=$?
    # The stored report is the run's --xml byte for byte; report --db of the run is merge of it.
    if python3 -c 'import sqlite3, sys
r = sqlite3.connect(sys.argv[1]).execute("SELECT report FROM runs WHERE sensor = ?", (sys.argv[2],)).fetchall()
sys.exit(0 if len(r) == 1 and bytes(r[0][0]) == open(sys.argv[3], "rb").read() else 1)' "$db" "$s" "$out/$s.xml" &&
       cmp -s "$out/$s.merge.xml" "$out/$s.back.xml" && [ "$back" = "$mrc" ]; then
        ok "$s: recorded, its report stored byte for byte; report --db of it equals merge of it (exit $back)"
    else
        bad "$s: stored report or report --db differs (exit $back, merge $mrc)"
        cat "$out/$s.back.log"; diff "$out/$s.merge.xml" "$out/$s.back.xml" | head -n 5
    fi
done
dsum=$(sqlite3 "$db" "SELECT count(*) FROM flows")
if [ "$dsum" = "$jsum" ] && [ "$(sqlite3 "$db" "SELECT count(DISTINCT run_id || '.' || flow_id) FROM flows")" = "$jsum" ]; then
    ok "--db-flows on SQLite: every flow of the $n runs stored once ($dsum rows, as many as their JSON flow lines)"
else bad "--db-flows on SQLite: $dsum rows, the JSON lines hold $jsum flows"; fi
"$bin" runs --db "$db" > "$out/runs.txt" 2>&1
rc=$?
lines=$(($(wc -l < "$out/runs.txt") - 1))
if [ $rc = 0 ] && [ "$lines" = "$n" ] && grep -q " hostile " "$out/runs.txt"; then
    ok "runs lists the $n recorded runs"
else
    bad "runs: exit $rc, $lines lines for $n runs"; head -n 5 "$out/runs.txt"
fi

# The hostile capture's strings, out of the flows table, equal the report's attributes.
python3 - "$db" "$out/hostile.xml" "$(jflows "$out/hostile.json")" > "$out/hostile-flows.log" 2>&1 <<'EOF'
import sqlite3, sys, xml.etree.ElementTree as ET
db = sqlite3.connect(sys.argv[1])
db.text_factory = bytes
rows = {int(r[0]): r[1:] for r in db.execute(
    "SELECT flow_id, sni, reason, client, app FROM flows f JOIN runs r ON r.id = f.run_id "
    "WHERE r.sensor = 'hostile'")}
flows = ET.parse(sys.argv[2]).getroot().find('flows')
bad = 0
n = 0
for f in flows:
    row = rows.get(int(f.get('id')))
    want = tuple((f.get(k) or '').encode() if f.get(k) is not None else None
                 for k in ('sni', 'reason', 'client', 'app'))
    got = tuple(row) if row else None
    if got != want:
        bad += 1
        print('flow', f.get('id'), 'db', got, 'report', want)
    n += 1
print(n, 'flows', bad, 'differ', len([f for f in flows if f.get('sni')]), 'with sni')
sys.exit(1 if bad or n == 0 or len(rows) != int(sys.argv[3]) else 0)
EOF
if [ $? = 0 ]; then ok "hostile: the flows table holds the report's strings byte for byte ($(tail -n 1 "$out/hostile-flows.log"))"
else bad "hostile: flows table differs"; tail -n 5 "$out/hostile-flows.log"; fi

# report --db over every run = merge of every run's report.
# In the order report --db merges: by sensor (byte order), then recording.
files=""
for s in $(for c in "$top"/captures/own/*.pcap; do basename "$c" .pcap; done | LC_ALL=C sort); do
    files="$files $out/$s.xml"
done
# shellcheck disable=SC2086
"$bin" merge --deterministic --quiet --xml "$out/all.merge.xml" $files > /dev/null 2>&1
mrc=$?
"$bin" merge --deterministic --quiet --json "$out/all.merge.json" $files > /dev/null 2>&1
"$bin" report --db "$db" --deterministic --quiet --xml "$out/all.db.xml" --html "$out/all.db.html" \
    --json "$out/all.db.json" > "$out/all.log" 2>&1
drc=$?
if [ "$mrc" = "$drc" ] && cmp -s "$out/all.merge.xml" "$out/all.db.xml" && [ -s "$out/all.db.html" ] &&
   cmp -s "$out/all.merge.json" "$out/all.db.json"; then
    ok "report --db over all $n runs equals merge of their reports, XML and JSON (exit $drc), HTML written"
else
    bad "report --db over all runs (exit $drc) differs from merge (exit $mrc)"; cat "$out/all.log"
fi

# Selection: by sensor (two), by time.
"$bin" report --db "$db" --sensor matrix --sensor turn --deterministic --quiet --xml "$out/two.db.xml" > /dev/null 2>&1
"$bin" merge --deterministic --quiet --xml "$out/two.merge.xml" "$out/matrix.xml" "$out/turn.xml" > /dev/null 2>&1
same "$out/two.merge.xml" "$out/two.db.xml" "report --db --sensor matrix --sensor turn equals merge of the two"
"$bin" runs --db "$db" --since 2099-01-01 > "$out/none.txt" 2>&1
rc=$?
if [ $rc = 0 ] && [ "$(wc -l < "$out/none.txt")" = 1 ]; then ok "runs --since 2099-01-01 lists none"
else bad "runs --since 2099: exit $rc"; cat "$out/none.txt"; fi
"$bin" runs --db "$db" --since 2000-01-01 --until 2099-12-31T23:59:59Z > "$out/span.txt" 2>&1
if [ "$(($(wc -l < "$out/span.txt") - 1))" = "$n" ]; then ok "runs --since 2000-01-01 --until 2099-12-31T23:59:59Z lists all"
else bad "runs over 2000..2099 lists $(($(wc -l < "$out/span.txt") - 1)) of $n"; fi
"$bin" report --db "$db" --until 1999-01-01 --xml "$out/none.xml" > "$out/none.log" 2>&1
rc=$?
if [ $rc = 2 ] && grep -q "no stored run" "$out/none.log" && [ ! -e "$out/none.xml" ]; then
    ok "report --db with no run chosen: exit 2, one line, no report"
else bad "report over no run: exit $rc"; cat "$out/none.log"; fi
"$bin" runs --db "$db" --since yesterday > "$out/badtime.log" 2>&1
expect "runs --since with a bad time is a usage error" 2 $?

# Names are data: a sensor name that is SQL.
evil="o'brien\"); DROP TABLE runs; --"
"$bin" -r "$top/captures/own/sip-udp.pcap" --site "$site" --quiet --db "$db" --sensor "$evil" > /dev/null 2>&1
"$bin" runs --db "$db" --sensor "$evil" > "$out/evil.txt" 2>&1
if [ "$(wc -l < "$out/evil.txt")" = 2 ] && grep -qF "$evil" "$out/evil.txt" &&
   [ "$(sqlite3 "$db" 'SELECT count(*) FROM runs')" = $((n + 1)) ]; then
    ok "a sensor name made of SQL is stored and selected as plain data"
else bad "sensor name with SQL in it"; cat "$out/evil.txt"; fi

# Schema versions: a run against an older schema is refused, upgrade migrates it.
old=$out/old.sqlite
"$bin" db init --schema-version 1 "$old" > /dev/null 2>&1
"$bin" -r "$top/captures/own/sip-udp.pcap" --site "$site" --quiet --xml "$out/old.xml" --db "$old" \
    > "$out/old.log" 2>&1
rc=$?
if [ $rc = 4 ] && [ "$(wc -l < "$out/old.log")" = 1 ] && grep -q "db upgrade" "$out/old.log" &&
   [ ! -e "$out/old.xml" ]; then
    ok "a run against schema version 1 is refused before the capture: exit 4, one line"
else bad "run against an old schema: exit $rc"; cat "$out/old.log"; fi
"$bin" runs --db "$old" > "$out/old-runs.log" 2>&1
expect "runs on an older schema is refused too" 4 $?
"$bin" db upgrade "$old" > "$out/upgrade.log" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q "from version 1 to 2" "$out/upgrade.log" &&
   [ "$(sqlite3 "$old" 'SELECT version FROM schema_version')" = 2 ]; then
    ok "db upgrade migrates version 1 to 2"
else bad "db upgrade: exit $rc"; cat "$out/upgrade.log"; fi
run upgraded "$top/captures/own/sip-udp.pcap" "$old" --db-flows
expect "a run on the upgraded database is recorded" 1 "$(cat "$out/upgraded.rc")"
sqlite3 "$old" "UPDATE schema_version SET version = 9"
"$bin" runs --db "$old" > "$out/newer.log" 2>&1
rc=$?
if [ $rc = 4 ] && grep -q "newer" "$out/newer.log"; then ok "a newer schema is refused (exit 4)"
else bad "newer schema: exit $rc"; cat "$out/newer.log"; fi

# A database that cannot be reached: the capture and reports go on, exit 3.
"$bin" -r "$top/captures/own/sip-udp.pcap" --site "$site" --quiet --xml "$out/unreach.xml" \
    --db "$out/no/such/dir/x.sqlite" > "$out/unreach.log" 2>&1
rc=$?
if [ $rc = 3 ] && [ -s "$out/unreach.xml" ] && grep -q "not recorded" "$out/unreach.log"; then
    ok "an unreachable database costs the record (exit 3), not the report"
else bad "unreachable database: exit $rc"; cat "$out/unreach.log"; fi

# ---------------------------------------------------------------- PostgreSQL
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
    bad "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (setup.sh installs postgresql)"
    tally_end
    exit
fi
pg=$(mktemp -d /tmp/ea-pg.XXXXXX)
as=""
if [ "$(id -u)" = 0 ]; then
    chown nobody "$pg"
    as="runuser -u nobody --"
fi
pw=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$pw" > "$pg/pwfile"
[ -n "$as" ] && chown nobody "$pg/pwfile"
ns=""
pg_stop() {
    [ -n "$ns" ] && ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
    [ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
    $as "$pgbin/pg_ctl" -D "$pg/data" -m immediate stop > /dev/null 2>&1
    rm -rf "$pg"
}
trap pg_stop EXIT
trap 'exit 1' INT TERM
start=$(date +%s)
if $as "$pgbin/initdb" -D "$pg/data" -U edgeaudit --pwfile="$pg/pwfile" --auth=scram-sha-256 \
        -E UTF8 --locale=C > "$out/initdb.log" 2>&1 &&
   $as "$pgbin/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w -t 30 \
        -o "-k $pg -c listen_addresses= -c fsync=off" start > "$out/pg_ctl.log" 2>&1; then
    ok "PostgreSQL started on a Unix socket in $pg as $(if [ -n "$as" ]; then echo nobody; else id -un; fi)"
else
    bad "PostgreSQL did not start"; tail -n 5 "$out/initdb.log" "$out/pg_ctl.log" "$pg/server.log"
    tally_end
    exit
fi
export PGPASSFILE="$pg/pgpass"
printf '*:*:*:edgeaudit:%s\n' "$pw" > "$PGPASSFILE"
chmod 600 "$PGPASSFILE"
"$pgbin/createdb" -h "$pg" -U edgeaudit ea 2> "$out/createdb.log"
"$pgbin/createdb" -h "$pg" -U edgeaudit ea_old 2>> "$out/createdb.log"
pgt="postgresql://edgeaudit@/ea?host=$pg"
"$bin" db init "$pgt" > "$out/pg-init.log" 2>&1
expect "db init on PostgreSQL (password from PGPASSFILE)" 0 $?

# 4 sensors x 20 runs at once.
caps="matrix sip-udp turn tls13 xmpp-s2s"
sensor() {   # sensor NAME: 20 runs, one after the other
    i=0
    while [ $i -lt 20 ]; do
        for c in $caps; do
            [ $i -lt 20 ] || break
            "$bin" -r "$top/captures/own/$c.pcap" --site "$site" --deterministic --quiet \
                --xml "$out/fleet-$1-$i.xml" --json "$out/fleet-$1-$i.json" --db "$pgt" --sensor "$1" \
                --db-flows > "$out/fleet-$1-$i.log" 2>&1
            echo $? > "$out/fleet-$1-$i.rc"
            i=$((i + 1))
        done
    done
}
for s in edge1 edge2 edge3 edge4; do sensor $s & done
wait
nrec=0
for f in "$out"/fleet-*.rc; do [ "$(cat "$f")" -le 1 ] && nrec=$((nrec + 1)); done
"$bin" runs --db "$pgt" > "$out/fleet-runs.txt" 2>&1
listed=$(($(wc -l < "$out/fleet-runs.txt") - 1))
per=""
for s in edge1 edge2 edge3 edge4; do per="$per $(grep -c "^[0-9]* *$s " "$out/fleet-runs.txt")"; done
if [ "$nrec" = 80 ] && [ "$listed" = 80 ] && [ "$per" = " 20 20 20 20" ]; then
    ok "4 sensors wrote 20 runs each at once: all 80 runs are stored (20 per sensor)"
else
    bad "concurrent sensors: $nrec runs ended well, $listed listed, per sensor:$per"
    cat "$out"/fleet-edge1-0.log
fi
nflows=$(PGPASSFILE=$PGPASSFILE "$pgbin/../bin/psql" -h "$pg" -U edgeaudit -d ea -Atc \
    "SELECT count(*) FROM flows" 2>/dev/null || echo '?')
want=0
for f in "$out"/fleet-*.json; do want=$((want + $(jflows "$f"))); done
ndist=$("$pgbin/psql" -h "$pg" -U edgeaudit -d ea -Atc "SELECT count(DISTINCT (run_id, flow_id)) FROM flows" 2>/dev/null)
if [ "$nflows" = "$want" ] && [ "$ndist" = "$want" ] && [ "$want" -gt 80 ]; then
    ok "--db-flows on PostgreSQL: every flow of the 80 runs arrived by COPY ($want rows, as many as their JSON flow lines), none doubled"
else bad "flows table holds $nflows rows ($ndist distinct), the JSON lines hold $want flows"; fi
"$bin" report --db "$pgt" --deterministic --quiet --xml "$out/fleet.db.xml" > "$out/fleet-report.log" 2>&1
drc=$?
# shellcheck disable=SC2046
"$bin" merge --deterministic --quiet --xml "$out/fleet.merge.xml" \
    $(for s in edge1 edge2 edge3 edge4; do i=0; while [ $i -lt 20 ]; do echo "$out/fleet-$s-$i.xml"; i=$((i + 1)); done; done) \
    > /dev/null 2>&1
mrc=$?
if [ "$drc" = "$mrc" ] && cmp -s "$out/fleet.db.xml" "$out/fleet.merge.xml"; then
    ok "report --db over the 80 runs equals merge of the 80 XML files (exit $drc)"
else
    bad "report --db over 80 runs (exit $drc) differs from merge (exit $mrc)"
    cat "$out/fleet-report.log"; diff "$out/fleet.db.xml" "$out/fleet.merge.xml" | head -n 5
fi

# Hostile strings through PostgreSQL: stored byte for byte, and report --db = merge.
run pg-hostile "$top/captures/own/hostile.pcap" "$pgt" --db-flows --json "$out/pg-hostile.json"
"$bin" report --db "$pgt" --sensor pg-hostile --deterministic --quiet --xml "$out/pg-hostile.back.xml" > /dev/null 2>&1
"$bin" merge --deterministic --quiet --xml "$out/pg-hostile.merge.xml" "$out/pg-hostile.xml" > /dev/null 2>&1
same "$out/pg-hostile.merge.xml" "$out/pg-hostile.back.xml" "hostile capture through PostgreSQL: report --db equals merge of its report"
"$pgbin/psql" -h "$pg" -U edgeaudit -d ea -Atc "SELECT encode(report, 'hex') FROM runs WHERE sensor = 'pg-hostile'" \
    2>/dev/null | python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read().strip()))' \
    > "$out/pg-hostile.stored.xml"
same "$out/pg-hostile.xml" "$out/pg-hostile.stored.xml" "hostile capture through PostgreSQL: the stored report is the run's byte for byte"
sni_db=$("$pgbin/psql" -h "$pg" -U edgeaudit -d ea -Atc \
    "SELECT count(*) FROM flows f JOIN runs r ON r.id = f.run_id WHERE r.sensor = 'pg-hostile' AND sni IS NOT NULL" 2>/dev/null)
sni_x=$(grep -c '^{"type":"flow".*"sni":' "$out/pg-hostile.json")
if [ "$sni_db" = "$sni_x" ] && [ "$sni_x" -gt 0 ]; then ok "hostile SNIs stored in PostgreSQL's flows table ($sni_x)"
else bad "hostile SNIs: $sni_db in the database, $sni_x in the report"; fi

# Credentials: a password in the target never shows.
"$bin" db init "postgresql://edgeaudit:NotTheSecret@/nosuchdb?host=$pg" > "$out/pw.log" 2>&1
rc=$?
if [ $rc = 2 ] && ! grep -q NotTheSecret "$out/pw.log" && grep -q 'edgeaudit:\*\*\*@' "$out/pw.log"; then
    ok "a wrong password in the target: exit 2, the password shown as ***"
else bad "password in an error line: exit $rc"; cat "$out/pw.log"; fi
PGPASSFILE=/dev/null "$bin" -r "$top/captures/own/sip-udp.pcap" --site "$site" --xml "$out/pw.xml" \
    --json "$out/pw.json" --db "postgresql://edgeaudit:$pw@/ea?host=$pg" --sensor pw > "$out/pw2.log" 2>&1
rc=$?
if [ $rc = 1 ] && ! grep -q "$pw" "$out/pw2.log" "$out/pw.xml" "$out/pw.json"; then
    ok "a password given in the target is used and never written out"
else bad "run with a password in the target: exit $rc"; cat "$out/pw2.log"; fi

# An older schema on PostgreSQL is refused, then upgraded.
pgo="postgresql://edgeaudit@/ea_old?host=$pg"
"$bin" db init --schema-version 1 "$pgo" > /dev/null 2>&1
"$bin" -r "$top/captures/own/sip-udp.pcap" --site "$site" --quiet --db "$pgo" > "$out/pg-old.log" 2>&1
expect "PostgreSQL: a run against schema version 1 is refused" 4 $?
"$bin" db upgrade "$pgo" > /dev/null 2>&1 &&
    "$bin" -r "$top/captures/own/sip-udp.pcap" --site "$site" --quiet --db "$pgo" --db-flows > "$out/pg-up.log" 2>&1
expect "PostgreSQL: after db upgrade the run is recorded" 1 $?

# Fault (live, root): the server stopped in the middle of a live run on the loopback of a
# private network namespace. Capture goes on, the intervals the server was down are said and
# written again later, and the run is one row with every flow (as many as the JSON flow lines),
# none doubled.
if [ "$(id -u)" = 0 ] && command -v ip > /dev/null; then
    ns=eadb-$$
    ip netns add "$ns" && ip -n "$ns" link set lo up
    ip netns exec "$ns" "$bin" -i lo --keep-root --role edge-access=127.0.0.1 --deterministic \
        --report-dir "$out" --interval 1 --db "$pgt" --sensor live --db-flows --xml "$out/live.xml" \
        --json "$out/live.json" \
        > "$out/live.out" 2> "$out/live.log" &
    lpid=$!
    sleep 1.5
    ip netns exec "$ns" python3 -c '
import socket, time
for i in range(60):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"edgeaudit fault test %d" % i, ("127.0.0.1", 5000 + i % 7))
    s.close()
    time.sleep(0.1)
' &
    tpid=$!
    sleep 1.5
    $as "$pgbin/pg_ctl" -D "$pg/data" -m fast -w stop > /dev/null 2>&1
    sleep 2.5
    $as "$pgbin/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w -t 30 \
        -o "-k $pg -c listen_addresses= -c fsync=off" start > /dev/null 2>&1
    wait $tpid
    sleep 2.5
    kill -INT $lpid
    wait $lpid
    lrc=$?
    lflows=$(jflows "$out/live.json")
    lruns=$("$bin" runs --db "$pgt" --sensor live 2>/dev/null | tail -n +2 | wc -l)
    dflows=$("$pgbin/psql" -h "$pg" -U edgeaudit -d ea -Atc "SELECT count(*) || ' ' || count(DISTINCT flow_id) FROM flows f
        JOIN runs r ON r.id = f.run_id WHERE r.sensor = 'live'" 2>/dev/null)
    failed_lines=$(grep -c "not recorded in the database" "$out/live.log")
    if [ "$lrc" -le 1 ] && [ "$lruns" = 1 ] && [ "${lflows:-0}" -ge 7 ] && [ "$dflows" = "$lflows $lflows" ] &&
       [ "$failed_lines" -ge 1 ] && grep -q "interval records of run" "$out/live.log"; then
        ok "live run with the server stopped for 2.5 s: $failed_lines intervals said not recorded, then one run with its $lflows flows (exit $lrc)"
    else
        bad "live fault: exit $lrc, $lruns runs, report $lflows flows, database '$dflows', $failed_lines failed intervals"
        cat "$out/live.log"
    fi
    "$bin" report --db "$pgt" --sensor live --deterministic --quiet --xml "$out/live.back.xml" > /dev/null 2>&1
    "$bin" merge --deterministic --quiet --xml "$out/live.merge.xml" "$out/live.xml" > /dev/null 2>&1
    same "$out/live.merge.xml" "$out/live.back.xml" "live fault: report --db of the live run equals merge of its final report"
    ip netns del "$ns"
    ns=""
else
    echo "db-check: the live fault test needs root (a network namespace): not run"
fi

# The server down: the run goes on and says what was not stored.
$as "$pgbin/pg_ctl" -D "$pg/data" -m fast stop > /dev/null 2>&1
"$bin" -r "$top/captures/own/sip-udp.pcap" --site "$site" --quiet --xml "$out/down.xml" --db "$pgt" \
    > "$out/down.log" 2>&1
rc=$?
if [ $rc = 3 ] && [ -s "$out/down.xml" ] && grep -q "not recorded" "$out/down.log" && ! grep -q "$pw" "$out/down.log"; then
    ok "server stopped: the report is written, the run not recorded (exit 3)"
else bad "server stopped: exit $rc"; cat "$out/down.log"; fi
echo "db-check: PostgreSQL part took $(($(date +%s) - start)) s"
tally_end
