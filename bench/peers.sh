#!/bin/bash
# peers.sh: benchmarks edgeaudit against a libpcap read loop, ndpiReader and tshark on one generated capture.
#
#   EDGEAUDIT=src/edgeaudit READLOOP=bench/readloop bash bench/peers.sh   (in the build tree)
#
# The issue-7 bench (instructions per packet under callgrind, tshark, the scaling rows), kept as
# it was; `make bench` runs bench/run.sh, the issue-13 targets.
#
# Environment (all optional):
#   BENCH_PACKETS  packets of the main capture (default 2000000)
#   BENCH_FLOWS    flows of the main capture (default 50000)
#   BENCH_DIR      where captures and results go (default ./bench-data)
#   BENCH_RUNS     timed runs per tool, the best one counts (default 3)
#   BENCH_TOOLS    which peers to run (default "readloop ndpireader tshark edgeaudit")
#   BENCH_CALLGRIND  0 skips the instruction counts (default 1)
#   EDGEAUDIT, READLOOP  the binaries (default: the build tree's)
#
# Captures: main (P packets, F flows), for the scaling rows quarter (P/4, F/4)
# and long (P, F/4: the quarter's flows with 4 times the packets), and two
# callgrind slices (P/40, F/40 and P/20, F/20) of the same mix and seed.
# Instructions per packet under callgrind are the difference between the two
# slices divided by the difference in packets, so start-up (nDPI's automata,
# tshark's dissector registration) and fixed costs do not count; the figure is
# exact and repeats from run to run. Times are wall clock with the file in the
# page cache; peak RSS is /usr/bin/time's %M. System calls per packet are those
# of one more run on the main capture, counted by `perf stat -e
# raw_syscalls:sys_enter` (threads included), or by `strace -c -f` where perf
# may not trace; callgrind cannot see them, and on a paravirtualised machine
# they are dear.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
P=${BENCH_PACKETS:-2000000}
F=${BENCH_FLOWS:-50000}
dir=${BENCH_DIR:-bench-data}
runs=${BENCH_RUNS:-3}
tools=${BENCH_TOOLS:-readloop ndpireader tshark edgeaudit}
cg=${BENCH_CALLGRIND:-1}
ea=${EDGEAUDIT:-$PWD/src/edgeaudit}
rl=${READLOOP:-$PWD/bench/readloop}
site=$top/rules/examples/site-example.xml

die() { echo "bench: $*" >&2; exit 2; }
for t in python3 /usr/bin/time; do command -v "$t" >/dev/null || die "$t is missing (setup.sh lists it)"; done
[ -x "$ea" ] || die "no edgeaudit at $ea (set EDGEAUDIT)"
[ -x "$rl" ] || die "no read loop at $rl (make bench builds it; or set READLOOP)"
case " $tools " in *" ndpireader "*) command -v ndpiReader >/dev/null || die "ndpiReader missing (libndpi-bin)";; esac
case " $tools " in *" tshark "*) command -v tshark >/dev/null || die "tshark missing";; esac
[ "$cg" = 0 ] || command -v valgrind >/dev/null || die "valgrind missing"
mkdir -p "$dir" || exit 2
dir=$(cd "$dir" && pwd)

# gen NAME PACKETS FLOWS: generates once; the name carries the parameters.
gen() {
    local f="$dir/$1-$2-$3.pcap"
    if [ ! -s "$f" ]; then
        echo "bench: generating $f" >&2
        python3 "$here/gen-capture.py" --packets "$2" --flows "$3" "$f.tmp" >&2 && mv "$f.tmp" "$f" ||
            die "generator failed"
    fi
    echo "$f"
}
main=$(gen main "$P" "$F")
quarter=$(gen quarter $((P / 4)) $((F / 4)))
long=$(gen long "$P" $((F / 4)))
slice1=$(gen slice $((P / 40)) $((F / 40)))
slice2=$(gen slice $((P / 20)) $((F / 20)))

count() { "$rl" "$1" | awk '{print $1}'; }
n_main=$(count "$main")
n_quarter=$(count "$quarter")
n_long=$(count "$long")
n_s1=$(count "$slice1")
n_s2=$(count "$slice2")

# The command line of each tool on capture $2 ($3: extra edgeaudit options).
cmd() {
    case $1 in
    readloop) echo "$rl $2" ;;
    ndpireader) echo "ndpiReader -i $2" ;;
    tshark) echo "tshark -q -z conv,tcp -z conv,udp -r $2" ;;
    edgeaudit*) echo "$ea -r $2 --site $site --quiet --deterministic --xml $dir/report.xml ${3:-}" ;;
    esac
}

# timed TOOL FILE [EXTRA]: best wall time of $runs runs, in seconds, and the peak RSS in KB of that run.
timed() {
    local best="" rss="" i t0 t1 s m
    cat "$2" > /dev/null    # page cache warm
    for i in $(seq "$runs"); do
        t0=$(date +%s%N)
        # shellcheck disable=SC2046
        /usr/bin/time -f %M -o "$dir/rss.txt" $(cmd "$1" "$2" "${3:-}") > "$dir/$1.out" 2> "$dir/$1.err"
        t1=$(date +%s%N)
        s=$(( (t1 - t0) / 1000 ))
        m=$(tail -n 1 "$dir/rss.txt")
        if [ -z "$best" ] || [ "$s" -lt "$best" ]; then best=$s; rss=$m; fi
    done
    echo "$best $rss"
}

# instr TOOL FILE [EXTRA]: instructions callgrind counted for the whole run.
instr() {
    # shellcheck disable=SC2046
    valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" $(cmd "$1" "$2" "${3:-}") \
        > /dev/null 2> "$dir/cg.err"
    rm -f "$dir/cg.out"
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$dir/cg.err" | tail -n 1
}

# How system calls are counted: perf's tracepoint (cheap), else strace (slow, but counts the same).
sc_how=""
if command -v perf >/dev/null && perf stat -x, -e raw_syscalls:sys_enter -o /dev/null -- true >/dev/null 2>&1; then
    sc_how="perf stat -e raw_syscalls:sys_enter"
elif command -v strace >/dev/null && strace -f -c -o /dev/null true >/dev/null 2>&1; then
    sc_how="strace -c -f"
fi

# spp TOOL FILE PACKETS [EXTRA]: system calls per packet of one run; "-" when nothing can count them.
spp() {
    local n=""
    # shellcheck disable=SC2046
    case $sc_how in
    perf*)
        perf stat -x, -e raw_syscalls:sys_enter -o "$dir/sc.out" -- $(cmd "$1" "$2" "${4:-}") \
            > /dev/null 2>&1
        n=$(awk -F, '$3 ~ /raw_syscalls:sys_enter/ { print $1 }' "$dir/sc.out") ;;
    strace*)
        strace -f -c -o "$dir/sc.out" $(cmd "$1" "$2" "${4:-}") > /dev/null 2>&1
        n=$(awk '$NF == "total" { print ($(NF - 2) ~ /^[0-9]+$/) ? $(NF - 2) : $(NF - 1) }' "$dir/sc.out") ;;
    esac
    case $n in
    ''|*[!0-9]*) echo "-" ;;
    *) awk -v n="$n" -v p="$3" 'BEGIN { printf "%.4f", n / p }' ;;
    esac
}

# ipp TOOL [EXTRA]: marginal instructions per packet between the two slices.
ipp() {
    [ "$cg" = 0 ] && { echo "-"; return; }
    local a b
    a=$(instr "$1" "$slice1" "${2:-}")
    b=$(instr "$1" "$slice2" "${2:-}")
    [ -n "$a" ] && [ -n "$b" ] || { echo "?"; return; }
    awk -v a="$a" -v b="$b" -v n1="$n_s1" -v n2="$n_s2" 'BEGIN { printf "%.0f", (b - a) / (n2 - n1) }'
}

rows=""
ea_threads=0
"$ea" --help 2>&1 | grep -q -- '--threads' && ea_threads=1
list=$tools
case " $tools " in *" edgeaudit "*) [ $ea_threads = 1 ] && list="$list edgeaudit-t2" ;; esac

declare -A T R I S
for t in $list; do
    extra=""
    [ "$t" = edgeaudit-t2 ] && extra="--threads 2"
    echo "bench: $t" >&2
    read -r T[$t] R[$t] < <(timed "$t" "$main" "$extra")
    if [ "$t" = edgeaudit-t2 ]; then I[$t]="-"; else I[$t]=$(ipp "$t" "$extra"); fi
    case $t in
    readloop|edgeaudit*) S[$t]=$(spp "$t" "$main" "$n_main" "$extra") ;;
    *) S[$t]="-" ;;
    esac
done
read -r tq rq < <(timed edgeaudit "$quarter")
read -r t_long r_long < <(timed edgeaudit "$long")

# Cores this run could use: two busy loops for 2 s, CPU seconds over wall seconds. On a shared
# machine the other users' load shows here; a thread speed-up cannot exceed it.
avail=$(/usr/bin/time -f "%e %U %S" sh -c 'for i in 1 2; do timeout 2 sh -c "while :; do :; done" & done; wait' \
    2>&1 >/dev/null | tail -n 1 | awk '{ printf "%.1f", ($2 + $3) / $1 }')

base_t=${T[readloop]:-}
base_i=${I[readloop]:-}
{
    echo "Capture: $n_main packets, $F flows ($(basename "$main")); slices for callgrind: $n_s1 and $n_s2 packets."
    echo "Run: $(date -u '+%Y-%m-%d %H:%M UTC') on $(hostname 2>/dev/null || echo '?'), $(uname -sr)."
    echo "Machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)," \
        "$(awk '/^MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)," \
        "$(grep -qw hypervisor /proc/cpuinfo && echo "virtual machine" || echo "no hypervisor flag")."
    echo "cores free for this run (two busy loops: CPU seconds per second): $avail."
    echo "System calls counted by: ${sc_how:-nothing (neither perf nor strace can trace here)}."
    echo
    echo "| tool | packets/s | x read loop | system calls/packet | wall (s) | peak RSS (MB) | instructions/packet | x read loop |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    for t in $list; do
        awk -v name="$t" -v n="$n_main" -v us="${T[$t]}" -v rss="${R[$t]}" -v ins="${I[$t]}" \
            -v bt="$base_t" -v bi="$base_i" -v sc="${S[$t]}" 'BEGIN {
            pps = n / (us / 1e6)
            rt = bt != "" ? sprintf("%.3f", bt / us) : "-"
            ri = (bi ~ /^[0-9]+$/ && ins ~ /^[0-9]+$/ && bi > 0) ? sprintf("%.1f", ins / bi) : "-"
            printf "| %s | %.0f | %s | %s | %.2f | %.1f | %s | %s |\n", name, pps, rt, sc, us / 1e6, rss / 1024, ins, ri
        }'
    done
    echo
    echo "| edgeaudit scaling | ratio | target |"
    echo "|---|---:|---:|"
    awk -v nq="$n_quarter" -v nl="$n_long" -v n="$n_main" -v f="$F" \
        -v tq="$tq" -v tl="$t_long" -v t="${T[edgeaudit]:-0}" \
        -v rq="$rq" -v rl="$r_long" -v r="${R[edgeaudit]:-0}" 'BEGIN {
        printf "| %.2fx packets, same %d flows: time (%.2f -> %.2f s) | %.2f | <= 4.4 |\n", nl / nq, f / 4, tq / 1e6, tl / 1e6, tl / tq
        printf "| 4x flows, same %d packets: peak RSS (%.1f -> %.1f MB) | %.2f | <= 4.4 |\n", n, rl / 1024, r / 1024, r / rl
        printf "| %.2fx packets and 4x flows: time (%.2f -> %.2f s) | %.2f | |\n", n / nq, tq / 1e6, t / 1e6, t / tq
        printf "| 4x packets and 4x flows: peak RSS (%.1f -> %.1f MB) | %.2f | |\n", rq / 1024, r / 1024, r / rq
        printf "| peak RSS / flows, main capture | %.0f bytes | |\n", r * 1024 / f
        printf "| added peak RSS per added flow (%d -> %d flows) | %.0f bytes | <= 1024 |\n", f / 4, f, (r - rl) * 1024 / (f - f / 4)
    }'
    if [ -n "${T[ndpireader]:-}" ] && [ -n "${T[edgeaudit]:-}" ]; then
        awk -v a="${T[ndpireader]}" -v b="${T[edgeaudit]}" \
            'BEGIN { printf "| edgeaudit packets/s over ndpiReader | %.2f | >= 2 |\n", a / b }'
    fi
    if [ -n "${T[edgeaudit-t2]:-}" ]; then
        awk -v a="${T[edgeaudit]}" -v b="${T[edgeaudit-t2]}" \
            'BEGIN { printf "| edgeaudit --threads 2 speed-up | %.2f | |\n", a / b }'
    fi
    echo
    echo "Commands: $(cmd readloop FILE); $(cmd ndpireader FILE); $(cmd tshark FILE);"
    echo "edgeaudit -r FILE --site rules/examples/site-example.xml --quiet --deterministic --xml FILE.xml."
    echo "Best of $runs runs, file in page cache. Instructions: valgrind --tool=callgrind,"
    echo "(I(slice $n_s2) - I(slice $n_s1)) / $((n_s2 - n_s1)) packets."
} | tee "$dir/results.md"
