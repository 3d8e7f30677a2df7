#!/usr/bin/env bash
#  section_engine.sh - the request engine against the load generator, and
#  100,000 requests outstanding (run by bench/run.sh, with BUILD, OUT, SHORT)
#
#  For each window, interleaved and each against a fresh batched raw echo
#  (raw-echo --mode mmsg, pinned to CPU 0): asynrole-engine-bench (a
#  Manager whose result callbacks make the next request) and
#  asynrole-loadgen, both pinned to CPU 1. Then N requests at once against
#  raw-echo --hold N: heap per request, time to send, time to answer.
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ENGINE="$BUILD/bench/asynrole-engine-bench"
LOADGEN="$BUILD/bench/asynrole-loadgen"
RAW="$BUILD/bench/raw-echo"
bench_need engine "ASYNROLE_BENCH on?" "$ENGINE" "$LOADGEN" "$RAW"
if [ "$SHORT" = 1 ]; then
    WINDOWS=(1 64) REPS=1 DURATION=0.5 OUTSTANDING=10000
else
    WINDOWS=(1 16 64 256) REPS=3 DURATION=2 OUTSTANDING=100000
fi
bench_pins

#  run_one KIND WINDOW: one run against a fresh echo; its line appended to
#  $BENCH_TMP/KIND-WINDOW
run_one () {
    local kind="$1" window="$2" program="$LOADGEN" line rc=0
    [ "$kind" = engine ] && program="$ENGINE"
    bench_start echo "$PIN_SERVER" "listening on " "$RAW" --listen 127.0.0.1:0 --mode mmsg
    line="$(timeout 120 "${PIN_CLIENT[@]}" "$program" --target "127.0.0.1:$SERVER_PORT" \
        --window "$window" --duration "$DURATION" 2>"$BENCH_TMP/client.err")" || rc=$?
    bench_stop "$SERVER_PID" echo || bench_fail "engine: raw-echo failed: $(tail -n 5 "$BENCH_TMP/echo.log")"
    if [ "$rc" -ne 0 ] || [ -z "$(bench_field "$line" rate)" ]; then
        bench_fail "engine: $kind (window $window) exited $rc: '$line' $(cat "$BENCH_TMP/client.err")"
    fi
    printf '  %-8s window %-4s %s\n' "$kind" "$window" "$line" >&2
    echo "$line" >>"$BENCH_TMP/$kind-$window"
}

#  median_of KIND WINDOW KEY
median_of () {
    bench_median_of "$BENCH_TMP/$1-$2" "$3"
}

for ((rep = 0; rep < REPS; rep++)); do
    for window in "${WINDOWS[@]}"; do
        run_one engine "$window"
        run_one loadgen "$window"
    done
done

#  N outstanding: the echo holds them all, then answers them all at once
bench_start hold - "listening on " "$RAW" --listen 127.0.0.1:0 --mode mmsg \
    --hold "$OUTSTANDING" --rcvbuf $((64 << 20))
held="$(timeout 300 "$ENGINE" --target "127.0.0.1:$SERVER_PORT" --outstanding "$OUTSTANDING" \
    2>"$BENCH_TMP/client.err")" \
    || bench_fail "engine: --outstanding $OUTSTANDING failed: $(cat "$BENCH_TMP/client.err")"
bench_stop "$SERVER_PID" hold || bench_fail "engine: raw-echo --hold failed: $(tail -n 5 "$BENCH_TMP/hold.log")"
echo "  outstanding: $held" >&2

{
    for window in "${WINDOWS[@]}"; do
        e="$(median_of engine "$window" rate)" l="$(median_of loadgen "$window" rate)"
        printf '%s|%s|%s|%sx|%s / %s|%s / %s|%s\n' "$window" "$e" "$l" "$(bench_ratio "$e" "$l")" \
            "$(median_of engine "$window" p50_us)" "$(median_of engine "$window" p99_us)" \
            "$(median_of loadgen "$window" p50_us)" "$(median_of loadgen "$window" p99_us)" \
            "$(median_of engine "$window" client_cpu_us_per_req)"
    done | bench_table window "engine req/s" "loadgen req/s" "engine / loadgen" \
        "engine p50 / p99 us" "loadgen p50 / p99 us" "engine process CPU us/req"
    echo
    f () { bench_field "$held" "$1"; }
    printf '%s|%s bytes|%s bytes|%s ms|%s ms|%s|%s\n' "$OUTSTANDING" "$(f bytes_per_request)" \
        "$(f payload)" "$(f send_ms)" "$(f answer_ms)" "$(f lost)" "$(f kernel_dropped)" \
        | bench_table outstanding "heap per request beyond its payload" payload "all sent" \
            "all answered" lost "kernel drops"
    echo
    echo "Made by bench/section_engine.sh: medians of $REPS interleaved runs of $DURATION s per" \
        "window (after a warm-up), each against a fresh \`raw-echo --mode mmsg\` on CPU 0, the client on CPU 1." \
        "The engine: one Manager whose result callbacks make the next request (43-byte" \
        "payloads, a key function reading the sequence number in the first 8 bytes, 200 ms" \
        "timeout, 5 retries, as the load generator resends); its CPU is the whole client" \
        "process's (I/O and Manager threads). Outstanding: $OUTSTANDING requests made at once" \
        "against \`raw-echo --hold $OUTSTANDING --rcvbuf 64 MiB\` (the Manager's rcvbuf 64 MiB" \
        "too), heap from mallinfo2 before the first and with all in flight, times from the" \
        "first request. Targets: engine >= 0.8x the load generator at window 64; <= 512" \
        "bytes per outstanding request."
} >"$OUT/engine.md"
cat "$OUT/engine.md"
