#!/usr/bin/env bash
#  section_workers.sh - Agent workers: what 1, 2 and 4 worker processes
#  finish a second when each datagram costs 50 us of CPU, against one and
#  two raw recvmmsg receivers (SO_REUSEPORT) and a pipe-mode Agent read in
#  its own process; then the CPU each way costs per datagram with an empty
#  handler (run by bench/run.sh, with BUILD, OUT, SHORT)
#
#  asynrole-workers-bench does each run on its own (its sender is a thread
#  of its own, its workers or receivers its children) and prints one line;
#  this runs every configuration in turn, REPS times (interleaved), and
#  takes medians. Nothing is pinned: the workers and receivers are meant to
#  spread over the cores. BENCH_WORKERS_REPS and BENCH_WORKERS_DURATION
#  change the defaults (3 reps of 2 s).
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PROG="$BUILD/bench/asynrole-workers-bench"
bench_need workers "ASYNROLE_BENCH on?" "$PROG"
if [ "$SHORT" = 1 ]; then
    REPS=1 DURATION=0.3 WARMUP=0.2
else
    REPS="${BENCH_WORKERS_REPS:-3}" DURATION="${BENCH_WORKERS_DURATION:-2}" WARMUP=0.5
fi
COST=50 RATE=50000        #  the loaded runs: more than 2 cores can take at 50 us
EMPTY_RATE=20000          #  the empty handler: a rate every configuration keeps up with
MAX_RATE=200000           #  the empty handler as fast as it goes: more than any takes
#  name:arguments, in the order run (and shown)
LOADED=(
    "raw-1:--config raw --procs 1"
    "raw-2:--config raw --procs 2"
    "local:--config local"
    "workers-1:--config workers --procs 1"
    "workers-2:--config workers --procs 2"
    "workers-4:--config workers --procs 4"
    "workers-1-pause:--config workers --procs 1 --overflow pause"
    "workers-2-pause:--config workers --procs 2 --overflow pause"
    "workers-4-pause:--config workers --procs 4 --overflow pause"
)
#  The empty handler: pause, so that the CPU is that of datagrams delivered
EMPTY=(
    "raw-1:--config raw --procs 1"
    "local:--config local"
    "workers-1-pause:--config workers --procs 1 --overflow pause"
    "workers-2-pause:--config workers --procs 2 --overflow pause"
)
ROWS="$BENCH_TMP/workers.rows"
: >"$ROWS"

#  run SET NAME ARGS...: one run, its line into ROWS as "SET NAME line"
run () {
    local set="$1" name="$2" line
    shift 2
    # shellcheck disable=SC2068  # the arguments are words on purpose
    line="$(timeout 120 "$PROG" --warmup "$WARMUP" --duration "$DURATION" $@ \
        2>"$BENCH_TMP/workers.err")" \
        || bench_fail "workers: $name ($*): $(tail -n 5 "$BENCH_TMP/workers.err")"
    printf '  %-6s %-16s %s\n' "$set" "$name" "$line" >&2
    echo "$set $name $line" >>"$ROWS"
}

for ((rep = 1; rep <= REPS; rep++)); do
    for entry in "${LOADED[@]}"; do
        # shellcheck disable=SC2086
        run loaded "${entry%%:*}" ${entry#*:} --cost-us "$COST" --rate "$RATE"
    done
    for entry in "${EMPTY[@]}"; do
        # shellcheck disable=SC2086
        run empty "${entry%%:*}" ${entry#*:} --cost-us 0 --rate "$EMPTY_RATE"
        # shellcheck disable=SC2086
        run max "${entry%%:*}" ${entry#*:} --cost-us 0 --rate "$MAX_RATE"
    done
done

#  med SET NAME KEY: the median of KEY over the runs of NAME in SET
med () {
    local values=() set name line
    while read -r set name line; do
        [ "$set" = "$1" ] && [ "$name" = "$2" ] && values+=("$(bench_field "$line" "$3")")
    done <"$ROWS"
    bench_median "${values[@]}"
}

#  loads SET NAME: the 1-minute load averages seen, "min-max"
loads () {
    local set name line
    while read -r set name line; do
        [ "$set" = "$1" ] && [ "$name" = "$2" ] && bench_field "$line" load | cut -d/ -f1
    done <"$ROWS" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print (lo == hi ? lo : lo "-" hi) }'
}

cpu_parts () {
    printf '%s / %s / %s / %s / %s / %s' "$(med "$1" "$2" cpu_us_io)" "$(med "$1" "$2" cpu_us_agent)" \
        "$(med "$1" "$2" cpu_us_actor)" "$(med "$1" "$2" cpu_us_zmq)" \
        "$(med "$1" "$2" cpu_us_handler)" "$(med "$1" "$2" cpu_us_children)"
}

RAW1="$(med loaded raw-1 done_per_s)"
RAW2="$(med loaded raw-2 done_per_s)"
{
    for entry in "${LOADED[@]}"; do
        name="${entry%%:*}"
        done_s="$(med loaded "$name" done_per_s)"
        spread=-
        [[ "$name" != workers-* ]] || spread="$(med loaded "$name" spread_ratio)"
        printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$name" "$(med loaded "$name" send_rate)" "$done_s" \
            "$(bench_ratio "$done_s" "$RAW1")" "$(bench_ratio "$done_s" "$RAW2")" \
            "$(med loaded "$name" dropped_per_s)" \
            "$(cpu_parts loaded "$name")" "$(med loaded "$name" cpu_us_total)" \
            "$(med loaded "$name" cores)" "$spread" \
            "$(loads loaded "$name")"
    done | bench_table configuration "sent/s" "datagrams/s done" "x raw-1" "x raw-2" \
        "dropped/s (workers actor)" \
        "CPU us/datagram: I/O actor / Agent thread / workers actor / libzmq / local reader / children" \
        "CPU us/datagram, all" "cores used" "workers: fewest / most done" "load (1 min)"
    echo
    for set in empty max; do
        raw="$(med "$set" raw-1 cpu_us_total)"
        for entry in "${EMPTY[@]}"; do
            name="${entry%%:*}"
            total="$(med "$set" "$name" cpu_us_total)"
            printf '%s|%s|%s|%s|%s|%s|%s|%s\n' "$name" \
                "$([ "$set" = empty ] && echo "$EMPTY_RATE" || echo "$MAX_RATE") / $(med "$set" "$name" send_rate)" \
                "$(med "$set" "$name" done_per_s)" "$(med "$set" "$name" kernel_dropped)" \
                "$(cpu_parts "$set" "$name")" "$total" \
                "$(awk -v a="$total" -v b="$raw" 'BEGIN { printf "%+.2f", a - b }')" \
                "$(loads "$set" "$name")"
        done
    done | bench_table "configuration, empty handler" "sent/s: asked / reached" "datagrams/s done" \
        "kernel drops (whole run)" \
        "CPU us/datagram: I/O actor / Agent thread / workers actor / libzmq / local reader / children" \
        "CPU us/datagram, all" "over raw-1" "load (1 min)"
    echo
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
        "$(nproc) CPUs online."
    echo
    echo "Made by bench/section_workers.sh on $(nproc) CPUs: medians of $REPS interleaved runs" \
        "(every configuration in turn, a fresh one each time) of ${DURATION} s after a" \
        "${WARMUP} s warm-up, nothing pinned. \`asynrole-workers-bench\` sends $RATE 94-byte" \
        "datagrams/s (the empty handler: $EMPTY_RATE/s, and $MAX_RATE/s to see how many are taken)" \
        "from 64 source ports to 127.0.0.1 and counts" \
        "what is finished in the window. raw-N: N processes, each one thread reading its own" \
        "SO_REUSEPORT socket with recvmmsg and burning the cost; local: a pipe-mode Agent read" \
        "by one thread of its process (asynrole_event_recv); workers-N: a pipe-mode Agent, a" \
        "workers actor on tcp://127.0.0.1:* (overflow drop; -pause: pause; the empty handler: pause)" \
        "and N worker" \
        "processes (asynrole_worker_new, credit 64). The handler burns $COST us of its thread's" \
        "CPU (CLOCK_THREAD_CPUTIME_ID) per datagram. CPU: per datagram done, from" \
        "/proc/*/task/*/schedstat; children = the raw receivers or the worker processes, all" \
        "their threads; the sender's thread is in no column (on loopback it also pays the" \
        "kernel's delivery to the receiving socket). Load: the 1-minute load average when each" \
        "window began (min-max over the runs; other work on the machine shows there). Fewest / most:" \
        "what the worker that finished the fewest datagrams finished, over the one that finished" \
        "the most (1.00: an even spread). Cores used: the CPU time of those columns over the" \
        "window (datagrams/s x CPU per datagram): how much of the machine the configuration" \
        "got; at 50 us, 2 cores allow at most 2 / (CPU us per datagram) datagrams a second."
} >"$OUT/workers.md"
cat "$OUT/workers.md"
