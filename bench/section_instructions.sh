#!/usr/bin/env bash
#  section_instructions.sh - user-space instructions per echoed request (run
#  by bench/run.sh, with BUILD, OUT, SHORT). Each server runs under
#  callgrind twice, answering asynrole-loadgen --count N1 and --count N2 (64
#  in flight); what the longer run costs beyond the shorter one, divided by
#  N2 - N1, is the cost of one echoed request, start-up and exit cancelled
#  out. callgrind_annotate splits it by object: libzmq, libasynrole, libc,
#  and the rest (the program itself, libczmq, the loader). Counts are
#  repeatable where timings are not: this is the figure to compare a change
#  by. Writes $OUT/instructions.md and instructions.csv.
#
#  Environment: BENCH_INSTR_N1, BENCH_INSTR_N2 (default 20000 and 60000;
#  short mode 2000 and 6000).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LOADGEN="$BUILD/bench/asynrole-loadgen"
RAW="$BUILD/bench/raw-echo"
CLI="$BUILD/cli/asynrole"
bench_need instructions "ASYNROLE_BENCH, CLI on?" "$LOADGEN" "$RAW" "$CLI"
command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null \
    || bench_fail "instructions: valgrind (callgrind, callgrind_annotate) is missing"

if [ "$SHORT" = 1 ]; then
    N1=2000 N2=6000
else
    N1="${BENCH_INSTR_N1:-20000}" N2="${BENCH_INSTR_N2:-60000}"
fi
[ "$N2" -gt "$N1" ] || bench_fail "instructions: N2 ($N2) must be more than N1 ($N1)"
SERVERS=(asynrole-echo asynrole-echo-pipe raw-single raw-mmsg)
OBJECTS=(total libzmq libasynrole libc other)

server_command () {
    case "$1" in
        asynrole-echo) echo "$CLI" echo --listen 127.0.0.1:0 ;;
        asynrole-echo-pipe) echo "$CLI" echo --pipe --listen 127.0.0.1:0 ;;
        raw-single) echo "$RAW" --listen 127.0.0.1:0 --mode single ;;
        raw-mmsg) echo "$RAW" --listen 127.0.0.1:0 --mode mmsg ;;
    esac
}

#  The instructions of a callgrind file: "total libzmq libasynrole libc other"
by_object () {
    callgrind_annotate --inclusive=no --threshold=100 "$1" 2>/dev/null | awk '
        /PROGRAM TOTALS/ { v = $1; gsub(",", "", v); total = v }
        $1 ~ /^[0-9,]+$/ && /\[/ {
            v = $1; gsub(",", "", v)
            o = $0; sub(/.*\[/, "", o); sub(/\].*/, "", o); n = split(o, p, "/"); o = p[n]
            if (o ~ /^libzmq\./) zmq += v
            else if (o ~ /^libasynrole\./) ours += v
            else if (o ~ /^libc\./) libc += v
        }
        END { printf "%d %d %d %d %d\n", total, zmq, ours, libc, total - zmq - ours - libc }'
}

#  measure SERVER N: callgrind the server through N echoes; RESULT is
#  by_object's (set here, not printed: a server started in a subshell would
#  outlive a failure there)
measure () {
    local server="$1" n="$2" out="$BENCH_TMP/callgrind.$1.$2" line rc=0 command
    read -r -a command <<<"$(server_command "$server")"
    #  Bound at start, so that lazy binding is not counted in one run only
    bench_start "cg-$server" - "listening on " \
        env LD_BIND_NOW=1 valgrind --tool=callgrind --callgrind-out-file="$out" "${command[@]}"
    [ -n "$SERVER_PORT" ] || bench_fail "instructions: $server: no port in its output"
    line="$("$LOADGEN" --target "127.0.0.1:$SERVER_PORT" --window 64 --count "$n" \
        --duration 600 --timeout 2000 2>"$BENCH_TMP/loadgen.err")" || rc=$?
    bench_stop "$SERVER_PID" "cg-$server" \
        || bench_fail "instructions: $server failed: $(tail -n 5 "$BENCH_TMP/cg-$server.log")"
    [ "$rc" -eq 0 ] && [ "$(bench_field "$line" received)" = "$n" ] \
        || bench_fail "instructions: loadgen --count $n against $server: '$line' $(cat "$BENCH_TMP/loadgen.err")"
    [ -s "$out" ] || bench_fail "instructions: $server: callgrind wrote no profile"
    read -r -a RESULT <<<"$(by_object "$out")"
    printf '  %-19s --count %-6s instructions=%s resent=%s\n' "$server" "$n" "${RESULT[0]}" \
        "$(bench_field "$line" resent)" >&2
}

mkdir -p "$OUT"
echo "server,per_request,libzmq,libasynrole,libc,other" >"$OUT/instructions.csv"
ROWS=""
for server in "${SERVERS[@]}"; do
    measure "$server" "$N1"
    first=("${RESULT[@]}")
    measure "$server" "$N2"
    second=("${RESULT[@]}")
    cells=()
    for i in "${!OBJECTS[@]}"; do
        cells+=("$(( (second[i] - first[i]) / (N2 - N1) ))")
    done
    printf '%s,%s,%s,%s,%s,%s\n' "$server" "${cells[@]}" >>"$OUT/instructions.csv"
    ROWS+="$server|${cells[0]}|${cells[1]}|${cells[2]}|${cells[3]}|${cells[4]}"$'\n'
done

{
    printf '%s' "$ROWS" | bench_table server "instructions per echoed request" libzmq libasynrole \
        libc other
    printf '\nServer under callgrind (`LD_BIND_NOW=1`), answering `asynrole-loadgen --window 64 --count N` '
    printf 'for N = %s and %s: (instructions of the longer run - the shorter) / %s, ' "$N1" "$N2" \
        "$((N2 - N1))"
    printf 'split by object with `callgrind_annotate` (other: the program, libczmq, the loader).\n'
} >"$OUT/instructions.md"
cat "$OUT/instructions.md"
