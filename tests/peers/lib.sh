# shellcheck shell=bash
#  lib.sh - shared by the peer tests (sourced): tools that must be there, a
#  program started with its first line read under a deadline, and every
#  child stopped and reaped on exit
#
#  Exit codes: 0 passed, 1 failed, 77 skipped (a tool is missing; a failure
#  instead when ASYNROLE_REQUIRE_ALL is set, as in CI).

set -euo pipefail

PEER_TMP="$(mktemp -d "${TMPDIR:-/tmp}/asynrole-peers.XXXXXX")"
PEER_PIDS=()

#  The build under test may slow our programs down: ASYNROLE_PEER_WRAPPER is
#  the command they run under (tools/run valgrind: valgrind ...; the
#  wrapper's error exit status is one no case expects), and
#  ASYNROLE_PEER_DEADLINE_SCALE (a whole number, default 1) multiplies every
#  deadline on them. CMake sets both (CMakeLists.txt, "Peer tests").
read -r -a PEER_WRAPPER <<<"${ASYNROLE_PEER_WRAPPER:-}"
PEER_SCALE="${ASYNROLE_PEER_DEADLINE_SCALE:-1}"
[[ "$PEER_SCALE" =~ ^[1-9][0-9]?$ ]] || { echo "FAIL: ASYNROLE_PEER_DEADLINE_SCALE '$PEER_SCALE'" >&2; exit 1; }

#  scaled N: N seconds (or ms) times the scale
scaled () {
    echo $(($1 * PEER_SCALE))
}

PEER_DEADLINE="$(scaled 60)"  #  seconds any program of ours may run at most
PEER_WAIT="$(scaled 10)"      #  seconds for a line our program owes us

#  What our programs wrote to stderr goes into the test's output, so that
#  CTest's FAIL_REGULAR_EXPRESSION sees a sanitizer's report, our leak
#  report and CZMQ's dangling-socket report ("dangling"), whatever the
#  exit status
peer_cleanup () {
    local pid file
    for pid in "${PEER_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true  #  bounded: timeout kills it at its deadline
    done
    for file in "$PEER_TMP"/*.err "$PEER_TMP"/err; do
        [ -s "$file" ] || continue
        echo "--- stderr: ${file##*/}" >&2
        cat "$file" >&2
    done
    rm -rf "$PEER_TMP"
}
trap peer_cleanup EXIT

fail () {
    echo "FAIL: $*" >&2
    exit 1
}

#  skip WHY: exit 77, or fail under ASYNROLE_REQUIRE_ALL
skip () {
    [ -n "${ASYNROLE_REQUIRE_ALL:-}" ] && fail "$*, and ASYNROLE_REQUIRE_ALL is set"
    echo "skipped: $*"
    exit 77
}

#  need_tool NAME...: skip when one is missing
need_tool () {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 \
            || skip "$tool is missing (Debian: tools/run's PKGS_TEST installs it)"
    done
}

#  net-snmp's tools with no configuration but ours: no MIB loaded (numeric
#  output whatever the host has), no user or system snmp.conf, persistent
#  files in our temporary directory
export SNMPCONFPATH="$PEER_TMP/snmpconf"
export SNMP_PERSISTENT_DIR="$PEER_TMP/persist"
mkdir -p "$SNMPCONFPATH" "$SNMP_PERSISTENT_DIR/cert_indexes"  #  else the tools say they made them
# shellcheck disable=SC2034  # used by the scripts that source this
SNMP_OPTS=(-m '' -On -t 2 -r 1)

#  start NAME PROGRAM ARGS...: run it (under timeout) with stdout on fd NAME_FD
#  (a FIFO), stderr in $PEER_TMP/NAME.err; sets NAME_PID and NAME_ADDRS (the
#  addresses of its first line, "listening on ADDR...")
start () {
    local name="$1"
    shift
    local fifo="$PEER_TMP/$name.out" fd line
    mkfifo "$fifo"
    timeout -k 30 "$PEER_DEADLINE" "${PEER_WRAPPER[@]}" "$@" >"$fifo" 2>"$PEER_TMP/$name.err" &
    printf -v "${name}_PID" '%s' "$!"
    PEER_PIDS+=("$!")
    exec {fd}<"$fifo"
    printf -v "${name}_FD" '%s' "$fd"
    IFS= read -r -t "$PEER_WAIT" -u "$fd" line \
        || fail "$name: no first line within $PEER_WAIT s ($(cat "$PEER_TMP/$name.err"))"
    case "$line" in
        "listening on "*) ;;
        *) fail "$name: first line is '$line', not 'listening on ...'" ;;
    esac
    printf -v "${name}_ADDRS" '%s' "${line#listening on }"
}

#  port ADDR: the port of "127.0.0.1:N" or "[::1]:N"
port () {
    echo "${1##*:}"
}

#  next_line NAME VAR: the program's next stdout line into VAR, within
#  PEER_WAIT (10 s)
next_line () {
    local fd_var="${1}_FD"
    local status=0
    IFS= read -r -t "$PEER_WAIT" -u "${!fd_var}" "$2" || status=$?
    [ "$status" -eq 0 ] && return 0
    #  read says more than 128 when the time ran out; else the program
    #  closed its stdout (it ended): say how, with what it wrote to stderr
    local pid_var="${1}_PID" err
    err="$(cat "$PEER_TMP/$1.err" 2>/dev/null)"
    if [ "$status" -gt 128 ]; then
        fail "$1: no line within $PEER_WAIT s ($err)"
    fi
    fail "$1: its stdout ended (read: $status, pid ${!pid_var}: $(ps -o stat= -p "${!pid_var}" 2>/dev/null || echo gone); stderr: $err)"
}

#  stop NAME [SIGNAL]: signal it (default INT; "none" = it stops by itself),
#  wait for its exit (0 wanted), read its "counters:" line into COUNTERS
stop () {
    local name="$1" signal="${2:-INT}" pid_var="${1}_PID" line rc=0 child
    #  The signal goes to the program itself, not to timeout(1), which would
    #  send it again to its whole process group, and then SIGCONT: under
    #  ASan that reached the leak checker's tracer and left the program
    #  spinning at exit
    child="$(cat "/proc/${!pid_var}/task/${!pid_var}/children" 2>/dev/null || true)"
    [ "$signal" = none ] || kill "-$signal" "${child%% *}" 2>/dev/null || kill "-$signal" "${!pid_var}"
    COUNTERS=""
    while next_line "$name" line; do
        case "$line" in counters:*) COUNTERS="$line"; break ;; esac
    done
    #  Whatever follows, up to its end, into the test's output: CZMQ writes
    #  its dangling-socket report to stdout, at exit
    local fd_var="${name}_FD"
    while IFS= read -r -t "$PEER_WAIT" -u "${!fd_var}" line; do
        echo "$name stdout after its counters: $line" >&2
    done
    #  Its exit, within 20 s (tail --pid checks once a second); if it is
    #  stuck, where its threads are, before the deadline kills it
    local within
    within="$(scaled 20)"
    if [ -n "$child" ] && ! timeout "$within" tail --pid="${child%% *}" -f /dev/null; then
        echo "$name: still running $within s after SIG$signal; its threads:" >&2
        ps -L -o tid,stat,wchan:32,comm -p "${child%% *}" >&2 || true
        if command -v gdb >/dev/null; then
            timeout 30 gdb -p "${child%% *}" -batch -ex "thread apply all bt" >&2 2>&1 || true
        fi
    fi
    wait "${!pid_var}" || rc=$?
    [ "$rc" -eq 0 ] || fail "$name exited with $rc: $(cat "$PEER_TMP/$name.err")"
    echo "$name: $COUNTERS"
}

#  expect_counter NAME=VALUE...: each in the last COUNTERS line
expect_counter () {
    local pair
    for pair in "$@"; do
        [[ " $COUNTERS " == *" $pair "* ]] || fail "counters: want $pair in '$COUNTERS'"
    done
}

#  same WHAT EXPECTED ACTUAL: compare two texts, showing both when they differ
same () {
    [ "$2" = "$3" ] && return 0
    printf '%s: expected\n%s\n--- got\n%s\n' "$1" "$2" "$3" >&2
    fail "$1"
}

#  bad_args PROGRAM ARGS...: PROGRAM run with each ARGS (split on spaces)
#  exits 2 with one line on stderr that starts "NAME: " (NAME: PROGRAM's
#  base name) and nothing on stdout; then PROGRAM --help exits 0 with
#  "usage: NAME" on stdout
# shellcheck disable=SC2015  # A && B || fail is meant
bad_args () {
    local program="$1" name args rc err
    name="$(basename "$program")"
    shift
    for args in "$@"; do
        rc=0
        # shellcheck disable=SC2086  # split on purpose
        timeout "$PEER_WAIT" "${PEER_WRAPPER[@]}" "$program" $args >"$PEER_TMP/out" \
            2>"$PEER_TMP/err" || rc=$?
        err="$(cat "$PEER_TMP/err")"
        [ "$rc" -eq 2 ] || fail "$name $args: exit $rc, not 2: $err"
        [ ! -s "$PEER_TMP/out" ] || fail "$name $args: wrote to stdout: $(cat "$PEER_TMP/out")"
        [ "$(wc -l <"$PEER_TMP/err")" -eq 1 ] && [[ "$err" == "$name: "* ]] \
            || fail "$name $args: stderr '$err' is not one line"
    done
    rc=0
    timeout "$PEER_WAIT" "${PEER_WRAPPER[@]}" "$program" --help >"$PEER_TMP/out" 2>"$PEER_TMP/err" || rc=$?
    [ "$rc" -eq 0 ] && grep -q "^usage: $name" "$PEER_TMP/out" || fail "$name --help: exit $rc"
}

#  Timeticks vary: "Timeticks: (N) ..." becomes "Timeticks: T"
ticks () {
    sed -E 's/Timeticks: \([0-9]+\) [0-9a-z:., ]+$/Timeticks: T/'
}
