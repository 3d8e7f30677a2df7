# shellcheck shell=bash
#  lib.sh - shared by bench/run.sh and every bench/section_*.sh (sourced):
#  servers started in the background (pinned or not) with their port read
#  under a deadline, stopped and reaped; the programs a section needs;
#  medians; markdown tables.
#
#  Environment (from run.sh): BUILD (the build dir), OUT (the output dir),
#  SHORT (1: the short mode CI runs). Every wait here has a deadline, and every
#  server still running when the script exits is stopped.

set -euo pipefail

BENCH_TMP="$(mktemp -d "${TMPDIR:-/tmp}/asynrole-bench.XXXXXX")"
BENCH_PIDS=()  #  servers started and not yet stopped
declare -A BENCH_READER  #  server pid -> the pid of the cat that reads its output

bench_cleanup () {
    local pid
    for pid in "${BENCH_PIDS[@]}" "${BENCH_READER[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${BENCH_PIDS[@]}" "${BENCH_READER[@]}"; do
        timeout 5 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$BENCH_TMP"
}
trap bench_cleanup EXIT

bench_fail () {
    echo "bench: $*" >&2
    exit 1
}

#  bench_need SECTION HINT PROGRAM...: fails the section unless every
#  PROGRAM can be run; HINT names the build options that make them
bench_need () {
    local section="$1" hint="$2" program
    shift 2
    for program in "$@"; do
        [ -x "$program" ] || bench_fail "$section: $program is missing ($hint)"
    done
}

#  bench_try_start NAME PIN READY CMD...: start CMD in the background, on CPU
#  PIN (taskset -c PIN; "-" for anywhere), its stdout and stderr into
#  $BENCH_TMP/NAME.log. Waits (10 s at most) for a line containing READY
#  ("listening on " for ours). Sets SERVER_PID (CMD's own pid: taskset execs
#  it) and SERVER_PORT (from "listening on HOST:PORT"; empty for other READY
#  lines). Returns 1 when CMD ends or says nothing in time (then stop it with
#  bench_stop).
# shellcheck disable=SC2034  # SERVER_PORT and SERVER_PID are for the caller
bench_try_start () {
    local name="$1" pin="$2" ready="$3" fifo fd line="" deadline ok=1
    shift 3
    fifo="$BENCH_TMP/$name.fifo"
    rm -f "$fifo" "$BENCH_TMP/$name.log"
    mkfifo "$fifo"
    local pinning=()
    [ "$pin" = - ] || pinning=(taskset -c "$pin")
    "${pinning[@]}" "$@" >"$fifo" 2>&1 &
    SERVER_PID=$!
    BENCH_PIDS+=("$SERVER_PID")
    exec {fd}<"$fifo"
    SERVER_PORT=""
    deadline=$((SECONDS + 10))
    while [ "$SECONDS" -lt "$deadline" ] && IFS= read -r -t 10 -u "$fd" line; do
        printf '%s\n' "$line" >>"$BENCH_TMP/$name.log"
        case "$line" in *"$ready"*) ok=0; break ;; esac
    done
    case "$line" in
        *"listening on "*) line="${line#*listening on }"; line="${line%% *}"; SERVER_PORT="${line##*:}" ;;
    esac
    #  The rest of its output goes to the log, read until it exits, so that it
    #  never blocks on (or dies of) a full or closed pipe
    cat <&"$fd" >>"$BENCH_TMP/$name.log" &
    BENCH_READER[$SERVER_PID]=$!
    exec {fd}<&-
    return "$ok"
}

#  bench_start NAME PIN READY CMD...: bench_try_start, or the script fails
bench_start () {
    bench_try_start "$@" && return 0
    bench_fail "$1: no '$3' line within 10 s: $(cat "$BENCH_TMP/$1.log" 2>/dev/null)"
}

#  bench_stop PID [NAME]: SIGTERM, then wait for its exit (5 s, then SIGKILL).
#  0 when it exited 0 or of the SIGTERM itself; its log is in $BENCH_TMP/NAME.log
bench_stop () {
    local pid="$1" rc=0 keep=() p
    kill -TERM "$pid" 2>/dev/null || true
    if ! timeout 5 tail --pid="$pid" -f /dev/null 2>/dev/null; then
        echo "bench: ${2:-$pid} still running 5 s after SIGTERM: killed" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || rc=$?
    for p in "${BENCH_PIDS[@]}"; do
        [ "$p" = "$pid" ] || keep+=("$p")
    done
    BENCH_PIDS=("${keep[@]}")
    #  Its log reader ends at the end of its output
    local reader="${BENCH_READER[$pid]:-}"
    if [ -n "$reader" ]; then
        timeout 5 tail --pid="$reader" -f /dev/null 2>/dev/null || kill "$reader" 2>/dev/null || true
        wait "$reader" 2>/dev/null || true
        unset "BENCH_READER[$pid]"
    fi
    [ "$rc" -eq 0 ] || [ "$rc" -eq 143 ]
}

#  bench_field LINE KEY: the value of KEY=VALUE in LINE (empty if absent)
bench_field () {
    local word
    for word in $1; do
        case "$word" in "$2="*) printf '%s\n' "${word#*=}"; return 0 ;; esac
    done
}

#  bench_median NUMBER...: their median (the mean of the middle two for an
#  even count); empty for none
bench_median () {
    [ $# -gt 0 ] || return 0
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

#  bench_median_of FILE KEY: the median of KEY's values over FILE's lines
bench_median_of () {
    local values=() line
    while IFS= read -r line; do
        values+=("$(bench_field "$line" "$2")")
    done <"$1"
    bench_median "${values[@]}"
}

#  bench_table HEADER... < ROWS: a markdown table; each row a line of cells
#  separated by '|'
bench_table () {
    local header sep="|"
    header="$(printf '| %s ' "$@")|"
    for _ in "$@"; do sep="$sep---|"; done
    printf '%s\n%s\n' "$header" "$sep"
    awk -F '|' '{ line = "|"; for (i = 1; i <= NF; i++) line = line " " $i " |"; print line }'
}

#  bench_cpu_pin: the CPUs to pin the server and the load generator to
#  ("0 1"), or nothing with fewer than 2 CPUs
bench_cpu_pin () {
    [ "$(nproc)" -ge 2 ] && echo "0 1"
}

#  bench_ratio A B: A / B with two decimals; "-" when B is 0 or empty
bench_ratio () {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.2f\n", a / b }'
}

#  bench_pins: sets PIN_SERVER (0, or - for anywhere) and PIN_CLIENT (a
#  taskset command for CPU 1, or nothing) from bench_cpu_pin
# shellcheck disable=SC2034  # PIN_SERVER and PIN_CLIENT are for the caller
bench_pins () {
    PIN_SERVER=- PIN_CLIENT=()
    if [ -n "$(bench_cpu_pin)" ]; then
        PIN_SERVER=0 PIN_CLIENT=(taskset -c 1)
    fi
}
