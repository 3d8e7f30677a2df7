#!/usr/bin/env bash
#  section_sockets.sh - one I/O actor with 1, 1,000 and 10,000 sockets,
#  traffic on a few: the server's CPU per echoed request (run by
#  bench/run.sh, with BUILD, OUT, SHORT)
#
#  asynrole-sockets-bench (one Agent on N sockets of 127.0.0.1, echoing from
#  its callback, on CPU 0) takes four asynrole-loadgen closed loops at once
#  (window 16 each, on CPU 1) on four of its sockets spread over the N (all
#  four on the one socket when N is 1). Its CPU: /proc/PID/task/*/schedstat
#  before and after the loops.
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SERVER="$BUILD/bench/asynrole-sockets-bench"
LOADGEN="$BUILD/bench/asynrole-loadgen"
bench_need sockets "ASYNROLE_BENCH on?" "$SERVER" "$LOADGEN"
COUNTS=(1 1000 10000) LOOPS=4 WINDOW=16
if [ "$SHORT" = 1 ]; then
    REPS=1 DURATION=0.5
else
    REPS=3 DURATION=2
fi
bench_pins

#  cpu_ns PID: CPU time of every thread of PID so far, in nanoseconds
cpu_ns () {
    cat /proc/"$1"/task/*/schedstat | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

#  run_one N: one server, LOOPS loops at once; appends "cpu_us_per_req=
#  rate= open_ms=" to $BENCH_TMP/N, or the server's "unavailable: ..." line
run_one () {
    local n="$1" why
    if ! bench_try_start srv "$PIN_SERVER" "listening on " "$SERVER" --sockets "$n" --traffic "$LOOPS"; then
        bench_stop "$SERVER_PID" srv || true  #  it exits 3 when N sockets cannot be had
        why="$(grep -m1 '^unavailable' "$BENCH_TMP/srv.log" || true)"
        [ -n "$why" ] || bench_fail "sockets: $n sockets: $(tail -n 5 "$BENCH_TMP/srv.log")"
        echo "$why" >>"$BENCH_TMP/$n"
        return 0
    fi
    local targets=() pids=() i before after open line replies=0 rate=0
    read -r -a targets <<<"$(sed -n 's/^listening on //p' "$BENCH_TMP/srv.log")"
    open="$(bench_field "$(grep -m1 '^sockets=' "$BENCH_TMP/srv.log")" open_ms)"
    before="$(cpu_ns "$SERVER_PID")"
    for ((i = 0; i < LOOPS; i++)); do
        timeout 120 "${PIN_CLIENT[@]}" "$LOADGEN" --target "${targets[i % ${#targets[@]}]}" \
            --window "$WINDOW" --duration "$DURATION" >"$BENCH_TMP/loop$i" 2>&1 &
        pids+=("$!")
    done
    for i in "${!pids[@]}"; do
        wait "${pids[i]}" && continue
        local rest=("${pids[@]:i+1}")  #  the others, not yet reaped
        if [ ${#rest[@]} -gt 0 ]; then
            kill -TERM "${rest[@]}" 2>/dev/null || true
            wait "${rest[@]}" 2>/dev/null || true
        fi
        bench_fail "sockets: asynrole-loadgen against $n sockets: $(cat "$BENCH_TMP/loop$i")"
    done
    after="$(cpu_ns "$SERVER_PID")"
    bench_stop "$SERVER_PID" srv || bench_fail "sockets: the server failed: $(tail -n 5 "$BENCH_TMP/srv.log")"
    for ((i = 0; i < LOOPS; i++)); do
        line="$(cat "$BENCH_TMP/loop$i")"
        replies=$((replies + $(bench_field "$line" received)))
        rate="$(awk -v a="$rate" -v b="$(bench_field "$line" rate)" 'BEGIN { print a + b }')"
    done
    line="cpu_us_per_req=$(awk -v c=$((after - before)) -v r="$replies" \
        'BEGIN { printf "%.3f", r ? c / 1000 / r : 0 }') rate=$rate open_ms=$open"
    printf '  %-6s sockets %s\n' "$n" "$line" >&2
    echo "$line" >>"$BENCH_TMP/$n"
}

#  median_of N KEY
median_of () {
    bench_median_of "$BENCH_TMP/$1" "$2"
}

for ((rep = 0; rep < REPS; rep++)); do
    for n in "${COUNTS[@]}"; do
        run_one "$n"
    done
done

{
    base="$(median_of 1 cpu_us_per_req)"
    for n in "${COUNTS[@]}"; do
        if grep -q '^unavailable' "$BENCH_TMP/$n"; then
            echo "$n|not measured: $(grep -m1 '^unavailable' "$BENCH_TMP/$n" | sed 's/^unavailable: //')|||"
            continue
        fi
        cpu="$(median_of "$n" cpu_us_per_req)"
        printf '%s|%s ms|%.0f|%s us|%sx\n' "$n" "$(median_of "$n" open_ms)" \
            "$(median_of "$n" rate)" "$cpu" "$(bench_ratio "$cpu" "$base")"
    done | bench_table sockets "opened in" "requests/s ($LOOPS loops)" "server CPU per request" \
        "vs 1 socket"
    echo
    echo "Made by bench/section_sockets.sh: medians of $REPS interleaved runs of $DURATION s;" \
        "one Agent (one I/O actor) on N sockets of 127.0.0.1 (the kernel's default buffer)" \
        "echoing from its callback, on CPU 0; $LOOPS asynrole-loadgen loops of window $WINDOW" \
        "at once on $LOOPS of its sockets spread over the N, on CPU 1. CPU per request: the" \
        "server process's CPU time (schedstat, every thread) over the loops, over the replies" \
        "they received (one datagram in, one out). Target: 10,000 sockets within 1.1x of one."
} >"$OUT/sockets.md"
cat "$OUT/sockets.md"
