#!/bin/bash
# db.sh: issue 16's ingest row: what --db and --db-flows add to a run's time, on SQLite and PostgreSQL.
#
#   bash bench/db.sh EDGEAUDIT CAPTURE DIR SITE [LABEL]     (bench/run.sh calls it on its 3rd capture)
#
# The same run (`-r CAPTURE --site SITE --deterministic --xml --html --json`, as run.sh's "all
# reports" row) five ways, interleaved, BENCH_DB_RUNS rounds (default 3; of each way the fastest
# wall time and, apart, the least CPU time count): without --db; --db FILE.sqlite (a new file each run: its schema made in the run);
# --db FILE.sqlite --db-flows; --db postgresql://... and with --db-flows, on a PostgreSQL
# started here as tests/db-check.sh starts its own (initdb into a temporary directory, pg_ctl on
# a Unix socket in it, `nobody` when run as root; its defaults, fsync on; stopped at the end),
# its tables emptied before each run. Skipped with a message when no server can be started.
# Per way: wall time, edgeaudit's CPU time (user + system), the server's (the backends'
# CPU, read from the postmaster's reaped children), the time over the run without --db, the
# flows stored (checked against the JSON flow lines) and the flows/s of the record (the run's
# own "recorded as run ... in S s" line). Then the targets: under 10 % more time with --db.
# Output: Markdown on stdout; logs in DIR/db-*.
set -u
ea=$1; cap=$2; dir=$3; site=$4; label=${5:-$(basename "$cap")}
rounds=${BENCH_DB_RUNS:-3}
say() { printf '%s\n' "$*"; }
note() { echo "bench db: $*" >&2; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
[ -x "$ea" ] && [ -s "$cap" ] || { say "db row: no edgeaudit or no capture ($ea, $cap): not run"; exit 0; }
command -v sqlite3 > /dev/null || { say "db row: sqlite3 (the shell) is missing: not run"; exit 0; }

# ---- PostgreSQL, started here ----
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -n 1)
pg=""; pgt=""; pgwhy=""; as=""
pg_stop() {
    [ -n "$pg" ] || return
    $as "$pgbin/pg_ctl" -D "$pg/data" -m fast -w stop > /dev/null 2>&1
    rm -rf "$pg"
    pg=""
}
trap pg_stop EXIT
trap 'exit 1' INT TERM
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
    pgwhy="no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (setup.sh installs postgresql)"
else
    pg=$(mktemp -d /tmp/ea-pgbench.XXXXXX)
    if [ "$(id -u)" = 0 ]; then chown nobody "$pg"; as="runuser -u nobody --"; fi
    if $as "$pgbin/initdb" -D "$pg/data" -U edgeaudit --auth=trust -E UTF8 --locale=C > "$dir/db-initdb.log" 2>&1 &&
       $as "$pgbin/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w -t 30 -o "-k $pg -c listen_addresses=" \
           start > "$dir/db-pg_ctl.log" 2>&1 &&
       "$pgbin/createdb" -h "$pg" -U edgeaudit ea 2> "$dir/db-createdb.log"; then
        pgt="postgresql://edgeaudit@/ea?host=$pg"
        "$ea" db init "$pgt" > "$dir/db-pginit.log" 2>&1 || { pgwhy="edgeaudit db init failed: $(head -n 1 "$dir/db-pginit.log")"; pgt=""; }
    else
        pgwhy="the server did not start ($(tail -n 1 "$dir/db-initdb.log" "$dir/db-pg_ctl.log" 2> /dev/null | tr '\n' ' '))"
    fi
fi
pmpid=""
[ -n "$pgt" ] && pmpid=$(head -n 1 "$pg/data/postmaster.pid")
# The postmaster's reaped children's CPU (the backends, after they ended), in clock ticks.
pgcpu() { [ -n "$pmpid" ] && awk '{ print $16 + $17 }' "/proc/$pmpid/stat" 2> /dev/null || echo 0; }
psql_do() { "$pgbin/psql" -h "$pg" -U edgeaudit -d ea -Atqc "$1" 2> /dev/null; }

ways="base sq sqf"
[ -n "$pgt" ] && ways="$ways pg pgf"
declare -A NAME WALL CPU SCPU REC STORED
NAME[base]="without --db"; NAME[sq]="--db FILE.sqlite"; NAME[sqf]="--db FILE.sqlite --db-flows"
NAME[pg]="--db postgresql://"; NAME[pgf]="--db postgresql:// --db-flows"
hz=$(getconf CLK_TCK)
sqdb=$dir/db-bench.sqlite
cat "$cap" > /dev/null   # into the page cache

# one WAY: one timed run; keeps the fastest wall (and its CPU figures) per way
one() {
    local w=$1 extra=() t0 t1 c0 c1 wall cpu scpu
    case $w in
    sq|sqf) rm -f "$sqdb" "$sqdb-journal"; extra=(--db "$sqdb") ;;
    pg|pgf) psql_do "TRUNCATE runs CASCADE"; extra=(--db "$pgt") ;;
    esac
    case $w in sqf|pgf) extra+=(--db-flows) ;; esac
    sync
    c0=$(pgcpu)
    t0=$(date +%s%N)
    /usr/bin/time -f "%U %S" -o "$dir/db-$w.time" "$ea" -r "$cap" --site "$site" --deterministic \
        --xml "$dir/db-$w.xml" --html "$dir/db-$w.html" --json "$dir/db-$w.json" "${extra[@]}" \
        > "$dir/db-$w.out" 2> "$dir/db-$w.err"
    local rc=$?
    t1=$(date +%s%N)
    c1=$(pgcpu)
    wall=$(awk -v u=$(( (t1 - t0) / 1000 )) 'BEGIN { printf "%.3f", u / 1e6 }')
    cpu=$(tail -n 1 "$dir/db-$w.time" | awk '{ printf "%.2f", $1 + $2 }')
    scpu=$(awk -v a="$c0" -v b="$c1" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }')
    note "$w: exit $rc, wall $wall s, CPU $cpu s, server CPU $scpu s; $(grep -h 'recorded as run' "$dir/db-$w.err")"
    # the least CPU (edgeaudit + server) and the fastest wall of the rounds, each on its own
    if [ -z "${CPU[$w]:-}" ] || awk -v a="$cpu" -v b="$scpu" -v c="${CPU[$w]}" -v d="${SCPU[$w]}" \
            'BEGIN { exit !(a + b < c + d) }'; then
        CPU[$w]=$cpu; SCPU[$w]=$scpu
    fi
    if [ -z "${WALL[$w]:-}" ] || awk -v a="$wall" -v b="${WALL[$w]}" 'BEGIN { exit !(a < b) }'; then
        WALL[$w]=$wall
        REC[$w]=$(sed -n 's/.*recorded as run .* in \([0-9.]*\) s.*/\1/p' "$dir/db-$w.err" | head -n 1)
        case $w in
        sqf) STORED[$w]=$(sqlite3 "$sqdb" "SELECT count(*) FROM flows" 2> /dev/null) ;;
        pgf) STORED[$w]=$(psql_do "SELECT count(*) FROM flows") ;;
        esac
    fi
    [ $rc -le 1 ] || note "$w: edgeaudit exit $rc: $(tail -n 2 "$dir/db-$w.err" | tr '\n' ' ')"
}

say ""
say "## ingest into the database of runs (issue 16 item 5)"
say ""
say "- capture: $label ($cap); runs: $rounds rounds of the ${ways// /, } ways, interleaved (of each way the fastest wall and, apart, the least CPU count)"
say "- $(date -u '+%Y-%m-%d %H:%M:%S UTC'); load average at the start: $(load); nproc $(nproc)"
say "- edgeaudit: $ea ($(git -C "$(dirname "$ea")" log -1 --format='%h %cd' --date=short 2> /dev/null || echo '?')); SQLite $(sqlite3 --version | cut -d' ' -f1); PostgreSQL: $([ -n "$pgt" ] && "$pgbin/postgres" --version | awk '{ print $3 }' || echo "not run: $pgwhy")"
for _ in $(seq "$rounds"); do
    for w in $ways; do one "$w"; done
done
jflows=$(grep -c '^{"type":"flow"' "$dir/db-base.json" 2> /dev/null || echo '?')
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%+.1f", 100 * (a - b) / b }'; }
say "- load average at the end: $(load)"
say ""
say "| way | wall (s) | over base, wall | edgeaudit CPU (s) | server CPU (s) | over base, CPU (edgeaudit + server) | record (s) | flows stored (JSON lines: $jflows) | flows/s of the record |"
say "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for w in $ways; do
    tot=$(awk -v a="${CPU[$w]}" -v b="${SCPU[$w]:-0}" 'BEGIN { printf "%.2f", a + b }')
    fps="-"
    [ -n "${STORED[$w]:-}" ] && [ -n "${REC[$w]:-}" ] &&
        fps=$(awk -v n="${STORED[$w]}" -v s="${REC[$w]}" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }')
    say "| ${NAME[$w]} | ${WALL[$w]} | $( [ "$w" = base ] && echo - || pct "${WALL[$w]}" "${WALL[base]}") | ${CPU[$w]} | ${SCPU[$w]:-0} | $( [ "$w" = base ] && echo - || pct "$tot" "${CPU[base]}") | ${REC[$w]:--} | ${STORED[$w]:--} | $fps |"
done
say ""
verdict() { awk -v v="$1" 'BEGIN { if (v == "-" || v == "") print "FAIL (not measured)"; else print (v < 10 ? "PASS" : "FAIL") }'; }
say "| target (issue 16 item 5) | measured (wall; CPU) | wanted | result (wall; CPU) |"
say "|---|---:|---:|---|"
for w in sq pg; do
    [ -n "${WALL[$w]:-}" ] || { say "| $label: ${NAME[$w]} adds to the run's time | not run: $pgwhy | < 10 % | SKIP |"; continue; }
    tot=$(awk -v a="${CPU[$w]}" -v b="${SCPU[$w]:-0}" 'BEGIN { printf "%.2f", a + b }')
    pw=$(pct "${WALL[$w]}" "${WALL[base]}"); pc=$(pct "$tot" "${CPU[base]}")
    say "| $label: ${NAME[$w]} adds to the run's time | $pw %; $pc % | < 10 % | $(verdict "$pw"); $(verdict "$pc") |"
done
for w in sqf pgf; do
    [ -n "${WALL[$w]:-}" ] || continue
    ok=$([ "${STORED[$w]:-}" = "$jflows" ] && echo "PASS" || echo "FAIL (${STORED[$w]:-?} stored)")
    say "| $label: ${NAME[$w]} stores every flow (as many as the JSON lines), flows/s of the record | ${STORED[$w]:-?}, $(awk -v n="${STORED[$w]:-0}" -v s="${REC[$w]:-0}" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }') flows/s | $jflows | $ok |"
done
pg_stop
rm -f "$sqdb" "$sqdb-journal" "$dir"/db-*.json "$dir"/db-*.html
