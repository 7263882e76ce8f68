#!/bin/sh
# run.sh: runs the libFuzzer targets, replays their corpora, minimises new finds into fuzz/corpus/.
#
#   fuzz/run.sh TARGET|all SECONDS     fuzz each target for SECONDS (crashes go to fuzz/crashes/)
#   fuzz/run.sh --replay TARGET|all    every corpus input once; ends with "N passed, N failed"
#   fuzz/run.sh --seeds                raw seeds from captures/ and the unit tests (make-corpus.py)
#   fuzz/run.sh --merge TARGET|all     minimise corpus + finds + seeds back into fuzz/corpus/ (-merge=1)
#
# The targets are found in $FUZZ_BIN_DIR, else the current directory, else fuzz/ of an
# in-tree build: configure --enable-fuzzing CC=clang && make, then run from BUILDDIR/fuzz.
# Scratch corpora live in $FUZZ_WORK (default BUILDDIR/fuzz/work), never in the source tree.
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
export EA_SRCDIR="${EA_SRCDIR:-$top}"
targets="fuzz-pipeline fuzz-tls fuzz-sip fuzz-xmpp fuzz-stun fuzz-rtp fuzz-rules fuzz-str fuzz-report fuzz-accept"

if [ -n "$FUZZ_BIN_DIR" ]; then bin=$FUZZ_BIN_DIR
elif [ -x ./fuzz-tls ]; then bin=$(pwd)
else bin=$here
fi
work=${FUZZ_WORK:-$bin/work}
crashes=$here/crashes

usage() {
    sed -n '3,10p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

pick() {   # pick TARGET|all: the list of targets
    case "$1" in
    all) echo "$targets" ;;
    fuzz-*) echo "$1" ;;
    '') usage ;;
    *) echo "fuzz-$1" ;;
    esac
}

need() {   # need TARGET: the binary, or a clear error
    if [ ! -x "$bin/$1" ]; then
        echo "run.sh: $bin/$1 not built (configure --enable-fuzzing CC=clang; make)" >&2
        return 1
    fi
}

dict() {   # dict TARGET: the -dict= option when fuzz/dict/TARGET.dict exists
    [ -f "$here/dict/$1.dict" ] && echo "-dict=$here/dict/$1.dict"
}

# ASan reports leaks too; UBSan aborts. Keep symbolised stacks in the logs.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

case "$1" in
--replay)
    passed=0; failed=0; mkdir -p "$work"
    for t in $(pick "$2"); do
        if ! need "$t"; then failed=$((failed + 1)); continue; fi
        dirs=""
        for d in "$here/corpus/$t" "$here/regress/$t"; do [ -d "$d" ] && dirs="$dirs $d"; done
        if [ -z "$dirs" ]; then echo "SKIP: $t: no corpus"; continue; fi
        # -runs=0 makes libFuzzer execute the corpus and stop; replay.c ignores it.
        # shellcheck disable=SC2086
        if "$bin/$t" -runs=0 $dirs > "$work/$t.replay.log" 2>&1; then
            passed=$((passed + 1)); echo "PASS: $t replays its corpus"
        else
            failed=$((failed + 1)); echo "FAIL: $t on its corpus:"; tail -n 30 "$work/$t.replay.log"
        fi
    done
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
    ;;
--seeds)
    rm -rf "$work/seeds"
    python3 "$here/make-corpus.py" "$work/seeds"
    exit
    ;;
--merge)
    rc=0
    for t in $(pick "$2"); do
        need "$t" || { rc=1; continue; }
        new=$work/merge.$t
        rm -rf "$new"; mkdir -p "$new" "$here/corpus/$t"
        src=""
        for d in "$here/corpus/$t" "$work/$t" "$work/seeds/$t"; do [ -d "$d" ] && src="$src $d"; done
        # shellcheck disable=SC2086
        if "$bin/$t" -merge=1 $(dict "$t") "$new" $src > "$work/merge.$t.log" 2>&1; then
            rm -rf "$here/corpus/$t"
            mv "$new" "$here/corpus/$t"
            echo "run.sh: $t: $(ls "$here/corpus/$t" | wc -l) inputs, $(du -sk "$here/corpus/$t" | cut -f1) KB"
        else
            echo "run.sh: $t: merge failed, see $work/merge.$t.log" >&2; rc=1
        fi
    done
    exit $rc
    ;;
-*|'')
    usage
    ;;
esac

secs=$2
case "$secs" in ''|*[!0-9]*) usage ;; esac
mkdir -p "$crashes"
rc=0
for t in $(pick "$1"); do
    need "$t" || { rc=1; continue; }
    mkdir -p "$work/$t"
    seeds=""
    [ -d "$here/corpus/$t" ] && seeds="$here/corpus/$t"
    echo "run.sh: $t for ${secs}s (log $work/$t.log)"
    # New inputs go to the scratch corpus (first directory); the committed one is only read.
    # shellcheck disable=SC2086
    "$bin/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$crashes/$t-" $(dict "$t") "$work/$t" $seeds > "$work/$t.log" 2>&1
    r=$?
    tail -n 12 "$work/$t.log" | grep -E 'stat::|Done|ERROR|SUMMARY|artifact' 
    if [ $r -ne 0 ]; then
        echo "run.sh: $t FOUND A CRASH (exit $r); input saved under $crashes/"; rc=1
    fi
done
exit $rc
