#!/usr/bin/env bash
#  section_storm.sh - trap storms: a one-way sender at rising rates against
#  an Agent that parses every trap and against a raw recvmmsg sink, each with
#  the kernel's default receive buffer and with 4 MiB (run by bench/run.sh,
#  with BUILD, OUT, SHORT)
#
#  Receiver on CPU 0, sender on CPU 1. The Agent runs inside asynrole-storm
#  (its threads on CPU 0, the sender's thread on CPU 1): the program reads
#  the Agent's counters and its callback's count itself once the Agent is
#  idle, so the account needs no second process. The sink is raw-echo --mode
#  sink: it prints received= and kernel_dropped= when stopped, after
#  asynrole-storm saw its socket's queue empty.
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STORM="$BUILD/bench/asynrole-storm"
RAW="$BUILD/bench/raw-echo"
bench_need storm "ASYNROLE_BENCH on?" "$STORM" "$RAW"
if [ "$SHORT" = 1 ]; then
    RATES=(25000 100000) DURATION=0.5
else
    RATES=(25000 50000 100000 200000 300000) DURATION=2
fi
CONFIGS=(agent-default agent-4MiB sink-default sink-4MiB)
bench_pins
CPUS=(--receiver-cpu -1 --sender-cpu -1)
[ "$PIN_SERVER" = - ] || CPUS=(--receiver-cpu 0 --sender-cpu 1)
ROWS="$BENCH_TMP/storm.rows"
: >"$ROWS"

#  run_agent RCVBUF RATE: LINE = the program's account line
run_agent () {
    LINE="$(timeout 120 "$STORM" --agent --rcvbuf "$1" --rate "$2" --duration "$DURATION" \
        "${CPUS[@]}" 2>"$BENCH_TMP/storm.err")" \
        || bench_fail "storm: the Agent at $2/s: $(cat "$BENCH_TMP/storm.err")"
}

#  run_sink RCVBUF RATE: LINE = the same fields, from the sender's line and
#  the sink's (not run in a subshell: the sink must be this shell's to stop)
run_sink () {
    local buf=() sent counts n received dropped account=exact
    [ "$1" = default ] || buf=(--rcvbuf "$1")
    bench_start sink "$PIN_SERVER" "listening on " "$RAW" --listen 127.0.0.1:0 --mode sink "${buf[@]}"
    sent="$(timeout 120 "$STORM" --target "127.0.0.1:$SERVER_PORT" --rate "$2" \
        --duration "$DURATION" "${CPUS[@]}" 2>"$BENCH_TMP/storm.err")" \
        || bench_fail "storm: the sender at $2/s: $(cat "$BENCH_TMP/storm.err")"
    bench_stop "$SERVER_PID" sink || bench_fail "storm: the sink failed: $(tail -n 5 "$BENCH_TMP/sink.log")"
    counts="$(grep 'received=' "$BENCH_TMP/sink.log" | tail -n 1)"
    n="$(bench_field "$sent" sent)"
    received="$(bench_field "$counts" received)" dropped="$(bench_field "$counts" kernel_dropped)"
    if [ -z "$received" ] || [ -z "$dropped" ]; then
        bench_fail "storm: the sink printed no counts: $(tail -n 5 "$BENCH_TMP/sink.log")"
    fi
    [ $((received + dropped)) -eq "$n" ] || account="off:$((n - received - dropped))"
    LINE="$sent delivered=$received dropped=0 filtered=0 rate_limited=0 truncated=0"
    LINE="$LINE kernel_dropped=$dropped account=$account loss_pct=$(awk -v s="$n" -v r="$received" \
        'BEGIN { printf "%.3f", s ? 100 * (s - r) / s : 0 }')"
}

for rate in "${RATES[@]}"; do
    for config in "${CONFIGS[@]}"; do
        case "$config" in
            agent-default) run_agent -1 "$rate" ;;
            agent-4MiB) run_agent $((4 << 20)) "$rate" ;;
            sink-default) run_sink default "$rate" ;;
            sink-4MiB) run_sink $((4 << 20)) "$rate" ;;
        esac
        printf '  %-13s %s\n' "$config" "$LINE" >&2
        echo "$config $LINE" >>"$ROWS"
    done
done

#  held CONFIG: the highest rate at which CONFIG lost at most 0.1%
held () {
    awk -v c="$1" '$1 == c {
        for (i = 2; i <= NF; i++) { split ($i, kv, "="); f[kv[1]] = kv[2] }
        if (f["loss_pct"] + 0 <= 0.1 && f["rate"] + 0 > best) best = f["rate"] + 0
    } END { print best + 0 }' "$ROWS"
}

{
    while read -r config line; do
        f () { bench_field "$line" "$1"; }
        printf '%s|%s|%s|%s|%s|%s|%s / %s / %s; %s|%s|%s|%s\n' "$(f rate)" "${config%%-*}" \
            "${config#*-}" "$(f send_rate)" "$(f sent)" "$(f delivered)" "$(f dropped)" \
            "$(f filtered)" "$(f rate_limited)" "$(f truncated)" "$(f kernel_dropped)" \
            "$(f loss_pct)" "$(f account)"
    done <"$ROWS" | bench_table "rate/s" receiver buffer "sent/s" sent delivered \
        "asynrole drops: full / filter / rate limit; truncated" "kernel drops" "loss %" account
    echo
    top="${RATES[${#RATES[@]} - 1]}"
    for config in "${CONFIGS[@]}"; do
        rate="$(held "$config")" note=""
        [ "$rate" = "$top" ] && note=" (the highest tried)"
        [ "$rate" = 0 ] && note=" (none: more lost at every rate)"
        echo "${config%%-*}|${config#*-}|$rate/s$note"
    done | bench_table receiver buffer "highest rate with <= 0.1% loss"
    echo
    echo "Agent / raw sink, highest rate with <= 0.1% loss: with 4 MiB" \
        "$(bench_ratio "$(held agent-4MiB)" "$(held sink-4MiB)")x (target >= 0.9x), with the" \
        "default buffer $(bench_ratio "$(held agent-default)" "$(held sink-default)")x."
    echo
    echo "Made by bench/section_storm.sh: asynrole-storm sends 94-byte SNMPv2c traps with" \
        "sendmmsg, paced by CLOCK_MONOTONIC, $DURATION s per rate, from CPU 1 (sent/s: the" \
        "rate it reached). The receiver, on CPU 0: an Agent in the same process (its own" \
        "threads) whose callback decodes each trap with the SNMP examples' codec and counts," \
        "or \`raw-echo --mode sink\`. Default buffer: the Agent's rcvbuf -1 (the kernel's" \
        "$(cat /proc/sys/net/core/rmem_default) bytes), the sink as it comes; 4 MiB: rcvbuf" \
        "and --rcvbuf 4 MiB. After each rate, once the receiver is idle (its queue empty," \
        "every datagram read handled, the counters still): account = exact when sent =" \
        "delivered + asynrole's drops + the kernel's (SO_MEMINFO / SO_RXQ_OVFL). Truncated" \
        "datagrams are delivered (flagged): they count in delivered."
} >"$OUT/storm.md"
cat "$OUT/storm.md"
