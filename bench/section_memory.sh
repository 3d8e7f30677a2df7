#!/usr/bin/env bash
#  section_memory.sh - memory under load: `asynrole echo` answering
#  asynrole-loadgen (window 64) for 60 s (short: 5 s), its VmRSS sampled
#  every second (run by bench/run.sh, with BUILD, OUT, SHORT)
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLI="$BUILD/cli/asynrole"
LOADGEN="$BUILD/bench/asynrole-loadgen"
bench_need memory "ASYNROLE_BENCH, CLI on?" "$CLI" "$LOADGEN"
DURATION=60
[ "$SHORT" = 1 ] && DURATION=5
FLAT_KIB=1024  #  growth from the first sample to the last that still counts as flat
bench_pins

bench_start echo "$PIN_SERVER" "listening on " "$CLI" echo --listen 127.0.0.1:0
timeout $((DURATION + 60)) "${PIN_CLIENT[@]}" "$LOADGEN" --target "127.0.0.1:$SERVER_PORT" \
    --window 64 --duration "$DURATION" >"$BENCH_TMP/load" 2>&1 &
load_pid=$!
#  fail_loaded WHY: stop the load generator (not yet reaped), then fail
fail_loaded () {
    kill -TERM "$load_pid" 2>/dev/null || true
    wait "$load_pid" 2>/dev/null || true
    bench_fail "$@"
}
samples=()
#  A sample a second while the load runs: DURATION of them
for ((i = 0; i < DURATION; i++)); do
    sleep 1
    rss="$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null || true)"
    [ -n "$rss" ] || fail_loaded "memory: asynrole echo ended under load: $(tail -n 5 "$BENCH_TMP/echo.log")"
    samples+=("$rss")
done
wait "$load_pid" || bench_fail "memory: asynrole-loadgen failed: $(cat "$BENCH_TMP/load")"
bench_stop "$SERVER_PID" echo || bench_fail "memory: asynrole echo failed: $(tail -n 5 "$BENCH_TMP/echo.log")"
load="$(cat "$BENCH_TMP/load")"

first="${samples[0]}" last="${samples[${#samples[@]} - 1]}"
max="$(printf '%s\n' "${samples[@]}" | sort -n | tail -n 1)"
growth=$((last - first))
verdict="flat: RSS grew $growth KiB from the first second to the last (at most $FLAT_KIB KiB counts as flat)"
[ "$growth" -le "$FLAT_KIB" ] \
    || verdict="NOT flat: RSS grew $growth KiB from the first second to the last (more than $FLAT_KIB KiB)"
{
    echo "${#samples[@]}|$first KiB|$max KiB|$last KiB|$growth KiB|$(bench_field "$load" rate)|$(bench_field "$load" lost)" \
        | bench_table samples first max last growth "requests/s" lost
    echo
    echo "Verdict: $verdict."
    echo
    #  Runs of equal samples as "KiB (from-to s)"
    echo "RSS each second: $(printf '%s\n' "${samples[@]}" | awk '
        $1 != v { if (NR > 1) { out = out sep v " KiB (s " from "-" NR - 1 ")"; sep = ", " }
                  v = $1; from = NR }
        END { print out sep v " KiB (s " from "-" NR ")" }')."
    echo
    echo "Made by bench/section_memory.sh: \`asynrole echo --listen 127.0.0.1:0\` on CPU 0" \
        "answering asynrole-loadgen (window 64, 43-byte datagrams) on CPU 1 for $DURATION s;" \
        "VmRSS from /proc/PID/status once a second, the first a second into the load."
} >"$OUT/memory.md"
cat "$OUT/memory.md"
