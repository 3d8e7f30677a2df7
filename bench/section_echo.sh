#!/usr/bin/env bash
#  section_echo.sh - echo servers against raw UDP (run by bench/run.sh, with
#  BUILD, OUT, SHORT). Interleaved: for every rep, placement, window and
#  server, a fresh server and one asynrole-loadgen run, so that the machine's
#  drift hits every server alike. Writes $OUT/echo.md (the tables), echo.csv
#  (the medians), echo-runs.csv (every run) and echo.png (the plot).
#
#  Environment: BENCH_ECHO_REPS (default 5), BENCH_ECHO_DURATION (seconds
#  per run, default 1). Short mode: 1 rep, windows 1 and 64, 0.5 s each.
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LOADGEN="$BUILD/bench/asynrole-loadgen"
RAW="$BUILD/bench/raw-echo"
CLI="$BUILD/cli/asynrole"
AGENT="$BUILD/examples/snmp_agent"
SNMPD="$(command -v snmpd || echo /usr/sbin/snmpd)"
bench_need echo "ASYNROLE_BENCH, examples, CLI on?" "$LOADGEN" "$RAW" "$CLI" "$AGENT" "$SNMPD"

if [ "$SHORT" = 1 ]; then
    REPS=1 WINDOWS=(1 64) DURATION=0.5
else
    REPS="${BENCH_ECHO_REPS:-5}" WINDOWS=(1 4 16 64 256) DURATION="${BENCH_ECHO_DURATION:-1}"
fi
#  Each server with its payload; the raw echoes twice, each payload's baseline
SERVERS=(raw-single raw-mmsg asynrole-echo asynrole-echo-pipe
         raw-single-get raw-mmsg-get snmp_agent snmpd)
PLACEMENTS=(pinned unpinned)
[ -n "$(bench_cpu_pin)" ] || PLACEMENTS=(unpinned)

#  Pipe mode: `asynrole echo --pipe` once the CLI has it, plain echo before
PIPE_ARGS=(--pipe)
PIPE_NOTE=""  #  echo_report.sh says it
# shellcheck disable=SC2034
if ! "$CLI" echo --help 2>&1 | grep -q -- '--pipe'; then
    PIPE_ARGS=()
    PIPE_NOTE=" \`asynrole echo\` has no \`--pipe\` in this build: asynrole-echo-pipe ran plain \`asynrole echo\`."
fi

payload_of () {
    case "$1" in *-get | snmp_agent | snmpd) echo snmp-get ;; *) echo echo ;; esac
}

#  net-snmp's snmpd on a port of its own (below the ephemeral range; another
#  one when that is taken), its own configuration only, no MIB files read
start_snmpd () {
    local pin="$1" dir="$BENCH_TMP/snmpd" port
    mkdir -p "$dir/persist/cert_indexes"
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        port=$((20000 + RANDOM % 12000))
        printf 'agentAddress udp:127.0.0.1:%s\nrocommunity public 127.0.0.1\nsysDescr asynrole bench\n' \
            "$port" >"$dir/snmpd.conf"
        if SNMP_PERSISTENT_DIR="$dir/persist" MIBS="" MIBDIRS=/nonexistent \
            bench_try_start snmpd "$pin" "NET-SNMP version" \
            "$SNMPD" -f -Lo -C -r -c "$dir/snmpd.conf"; then
            SERVER_PORT="$port"
            return 0
        fi
        bench_stop "$SERVER_PID" snmpd || true  #  the port was taken: it has exited
    done
    bench_fail "echo: snmpd did not start on any of 10 ports: $(cat "$BENCH_TMP/snmpd.log")"
}

start_server () {
    local server="$1" pin="$2"
    case "$server" in
        raw-single*) bench_start "$server" "$pin" "listening on " "$RAW" --listen 127.0.0.1:0 --mode single ;;
        raw-mmsg*) bench_start "$server" "$pin" "listening on " "$RAW" --listen 127.0.0.1:0 --mode mmsg ;;
        asynrole-echo) bench_start "$server" "$pin" "listening on " "$CLI" echo --listen 127.0.0.1:0 ;;
        asynrole-echo-pipe)
            bench_start "$server" "$pin" "listening on " "$CLI" echo "${PIPE_ARGS[@]}" --listen 127.0.0.1:0 ;;
        snmp_agent) bench_start "$server" "$pin" "listening on " "$AGENT" --listen 127.0.0.1:0 ;;
        snmpd) start_snmpd "$pin" ;;
    esac
    [ -n "$SERVER_PORT" ] || bench_fail "echo: $server: no port in its output"
}

#  run_one REP PLACEMENT WINDOW SERVER: a fresh server, one load generator run,
#  a line in echo-runs.csv
run_one () {
    local rep="$1" placement="$2" window="$3" server="$4" pin=- gen=() line rc=0
    if [ "$placement" = pinned ]; then
        pin=0
        gen=(taskset -c 1)
    fi
    start_server "$server" "$pin"
    line="$("${gen[@]}" "$LOADGEN" --target "127.0.0.1:$SERVER_PORT" --window "$window" \
        --duration "$DURATION" --payload "$(payload_of "$server")" --server-pid "$SERVER_PID" \
        2>"$BENCH_TMP/loadgen.err")" || rc=$?
    bench_stop "$SERVER_PID" "$server" \
        || bench_fail "echo: $server failed: $(tail -n 5 "$BENCH_TMP/$server.log")"
    if [ "$rc" -ne 0 ] || [ -z "$(bench_field "$line" rate)" ]; then
        bench_fail "echo: loadgen against $server (window $window) exited $rc: '$line' $(cat "$BENCH_TMP/loadgen.err")"
    fi
    local f
    printf '%s,%s,%s,%s' "$rep" "$placement" "$server" "$window" >>"$OUT/echo-runs.csv"
    for f in rate p50_us p99_us cpu_us_per_req lost resent; do
        printf ',%s' "$(bench_field "$line" "$f")" >>"$OUT/echo-runs.csv"
    done
    printf '\n' >>"$OUT/echo-runs.csv"
    printf '  %-9s %-19s window %-4s %s\n' "$placement" "$server" "$window" "$line" >&2
}

mkdir -p "$OUT"
echo "rep,placement,server,window,rate,p50_us,p99_us,cpu_us_per_req,lost,resent" >"$OUT/echo-runs.csv"
START=$SECONDS
for rep in $(seq 1 "$REPS"); do
    for placement in "${PLACEMENTS[@]}"; do
        for window in "${WINDOWS[@]}"; do
            for server in "${SERVERS[@]}"; do
                run_one "$rep" "$placement" "$window" "$server"
            done
        done
    done
done

# shellcheck source=bench/echo_report.sh
source "$(dirname "${BASH_SOURCE[0]}")/echo_report.sh"
echo_report "$((SECONDS - START))"
cat "$OUT/echo.md"
