#!/usr/bin/env bash
#  tests/peers/test_get_walk.sh - snmp_get and snmp_walk against net-snmp's snmpd
#
#    test_get_walk.sh CASE SNMP_GET SNMP_WALK
#
#  Cases: get_v2c get_v1 get_ipv6 walk_getnext walk_bulk walk_ends
#  no_response bad_args. Each starts its own snmpd (never the system's) on
#  a loopback port it chooses, with its own configuration and persistent
#  directory, and compares what our examples print with what net-snmp's
#  own snmpget / snmpwalk / snmpbulkwalk print against the same snmpd:
#  stdout, stderr and exit status, byte for byte (sysUpTime's value
#  aside, which moves between the two). Exit 0 passed, 1 failed, 77
#  skipped (a tool missing; a failure under ASYNROLE_REQUIRE_ALL).
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -eq 3 ] || { echo "usage: $0 CASE SNMP_GET SNMP_WALK" >&2; exit 2; }
CASE="$1"
GET="$2"
WALK="$3"

SYSTEM=.1.3.6.1.2.1.1
SYS_DESCR=.1.3.6.1.2.1.1.1.0
SYS_CONTACT=.1.3.6.1.2.1.1.4.0
SYS_NAME=.1.3.6.1.2.1.1.5.0
SYS_LOCATION=.1.3.6.1.2.1.1.6.0
MISSING=.1.3.6.1.2.1.1.99.0
PASS_ROOT=.1.3.6.1.4.1.99999  #  a pass script whose GETNEXT never moves on

TMP="$PEER_TMP"
SNMPD_PID=""
PORT=""

#  Stop our snmpd, if it runs, and reap it, bounded: SIGKILL when it does
#  not end in 5 s
stop_snmpd () {
    [ -n "$SNMPD_PID" ] || return 0
    kill -TERM "$SNMPD_PID" 2>/dev/null || true
    timeout 5 tail --pid="$SNMPD_PID" -f /dev/null 2>/dev/null \
        || kill -KILL "$SNMPD_PID" 2>/dev/null || true
    wait "$SNMPD_PID" 2>/dev/null || true
    SNMPD_PID=""
}
trap 'stop_snmpd; peer_cleanup' EXIT

PATH="$PATH:/usr/sbin"  #  snmpd, for users whose PATH has no sbin
need_tool snmpd snmpget snmpwalk snmpbulkwalk timeout
SNMPD="$(command -v snmpd)"

#  net-snmp's tools load no MIB (lib.sh: nor any configuration of this host
#  or user): their output is then the -On form our examples print
export MIBS=""

have_ipv6 () {
    [ -r /proc/net/if_inet6 ] && grep -q ' lo$' /proc/net/if_inet6
}

#  -------------------------------------------------------------------------
#  Our own snmpd

TOKEN="asynrole-test-$$-$RANDOM"  #  sysName: tells our snmpd from any other

write_config () {
    local port="$1" addresses="udp:127.0.0.1:$1"
    have_ipv6 && addresses="$addresses,udp6:[::1]:$port"
    cat >"$TMP/pass.sh" <<'EOF'
#!/bin/sh
# GETNEXT of anything under the root answers the same OID
[ "$1" = -n ] || exit 0
printf '%s\n' .1.3.6.1.4.1.99999.1.0 integer 7
EOF
    cat >"$TMP/snmpd.conf" <<EOF
agentAddress $addresses
rocommunity public 127.0.0.1
rocommunity6 public ::1
sysDescr asynrole test agent
sysLocation Test Lab "Room 1"
sysContact ops@example.org
sysName $TOKEN
pass $PASS_ROOT /bin/sh $TMP/pass.sh
EOF
}

#  Is the snmpd on PORT ours, and up? Bounded: 50 tries of 0.2 s each
wait_ready () {
    local answer
    for _ in $(seq 1 50); do
        kill -0 "$SNMPD_PID" 2>/dev/null || return 1
        answer="$(snmpget -v2c -c public -Oqv -t 0.2 -r 0 "127.0.0.1:$PORT" "$SYS_NAME" 2>/dev/null || true)"
        [ "$answer" = "\"$TOKEN\"" ] && return 0
        [ "$answer" = "$TOKEN" ] && return 0
    done
    return 1
}

start_snmpd () {
    for _ in $(seq 1 20); do
        PORT=$((20000 + RANDOM % 12000))  #  below the ephemeral range
        write_config "$PORT"
        "$SNMPD" -f -Lo -C -c "$TMP/snmpd.conf" \
            -p "$TMP/snmpd.pid" >"$TMP/snmpd.log" 2>&1 &
        SNMPD_PID=$!
        if wait_ready; then
            return 0
        fi
        #  The port was taken (snmpd exits), or it never answered: next port
        stop_snmpd
    done
    cat "$TMP/snmpd.log" >&2 || true
    fail "snmpd did not start on any of 20 ports"
}

#  -------------------------------------------------------------------------
#  Running and comparing

#  run NAME CMD...: stdout, stderr and the exit status into $TMP/NAME.*;
#  our programs under lib.sh's PEER_WRAPPER
run () {
    local name="$1" rc=0 wrapper=()
    shift
    if [ "$1" = "$GET" ] || [ "$1" = "$WALK" ]; then wrapper=("${PEER_WRAPPER[@]}"); fi
    timeout -k 5 "$PEER_DEADLINE" "${wrapper[@]}" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" || rc=$?
    echo "$rc" >"$TMP/$name.rc"
}

#  sysUpTime moves between two walks: its value is masked
mask () {
    sed -E 's/^(\.1\.3\.6\.1\.2\.1\.1\.3\.0 = Timeticks: )\([0-9]+\) .*/\1(...)/' "$1"
}

#  same_as_ref OURS REFERENCE: stdout, stderr, status equal
same_as_ref () {
    local ours="$1" ref="$2" part
    for part in out err rc; do
        if ! diff -u <(mask "$TMP/$ref.$part") <(mask "$TMP/$ours.$part") >"$TMP/diff"; then
            cat "$TMP/diff" >&2
            fail "$CASE: $ours.$part differs from net-snmp's ($ref.$part)"
        fi
    done
}

#  expect NAME STATUS STDOUT [STDERR]: exact stdout (and stderr) and status
expect () {
    local name="$1" rc="$2" out="$3" err="${4-}"
    [ "$(cat "$TMP/$name.rc")" = "$rc" ] \
        || fail "$name: exit status $(cat "$TMP/$name.rc"), expected $rc; stderr: $(cat "$TMP/$name.err")"
    [ "$(cat "$TMP/$name.out")" = "$out" ] \
        || fail "$name: stdout is [$(cat "$TMP/$name.out")], expected [$out]"
    if [ $# -ge 4 ]; then
        [ "$(cat "$TMP/$name.err")" = "$err" ] \
            || fail "$name: stderr is [$(cat "$TMP/$name.err")], expected [$err]"
    fi
}

#  both NAME "OUR ARGS" "NET-SNMP TOOL AND ARGS": run both, compare
both () {
    local name="$1" ours="$2" ref="$3"
    # shellcheck disable=SC2086  # the arguments are words
    run "$name" $ours
    # shellcheck disable=SC2086
    run "$name.ref" $ref
    same_as_ref "$name" "$name.ref"
}

now_ms () {
    echo $(($(date +%s%N) / 1000000))
}

#  -------------------------------------------------------------------------
#  Cases

case_get_v2c () {
    start_snmpd
    local host="127.0.0.1:$PORT"
    run loc "$GET" "$host" "$SYS_LOCATION"
    expect loc 0 "$SYS_LOCATION = STRING: \"Test Lab \\\"Room 1\\\"\"" ""
    run contact "$GET" -v 2c -c public "$host" "$SYS_CONTACT"
    expect contact 0 "$SYS_CONTACT = STRING: \"ops@example.org\"" ""
    run several "$GET" "$host" "$SYS_NAME" "$SYS_LOCATION" "$SYS_CONTACT"
    expect several 0 "$SYS_NAME = STRING: \"$TOKEN\"
$SYS_LOCATION = STRING: \"Test Lab \\\"Room 1\\\"\"
$SYS_CONTACT = STRING: \"ops@example.org\"" ""
    #  v2c: exceptions in the varbinds, exit 0
    run missing "$GET" "$host" "$SYS_NAME" "$MISSING" .1.3.6.1.2.1.1.5.1
    expect missing 0 "$SYS_NAME = STRING: \"$TOKEN\"
$MISSING = No Such Object available on this agent at this OID
.1.3.6.1.2.1.1.5.1 = No Such Instance currently exists at this OID" ""
    both all "$GET $host $SYS_DESCR .1.3.6.1.2.1.1.2.0 $SYS_CONTACT $SYS_NAME $SYS_LOCATION $MISSING" \
        "snmpget -v2c -c public -On $host $SYS_DESCR .1.3.6.1.2.1.1.2.0 $SYS_CONTACT $SYS_NAME $SYS_LOCATION $MISSING"
    both udp "$GET udp:$host $SYS_NAME" "snmpget -v2c -c public -On udp:$host $SYS_NAME"
}

case_get_v1 () {
    start_snmpd
    local host="127.0.0.1:$PORT"
    run loc "$GET" -v 1 "$host" "$SYS_LOCATION" "$SYS_CONTACT"
    expect loc 0 "$SYS_LOCATION = STRING: \"Test Lab \\\"Room 1\\\"\"
$SYS_CONTACT = STRING: \"ops@example.org\"" ""
    #  v1: noSuchName, error lines on stderr, exit 2; alone: nothing printed
    local error="Error in packet
Reason: (noSuchName) There is no such variable name in this MIB.
Failed object: $MISSING"
    run missing "$GET" -v 1 "$host" "$MISSING"
    expect missing 2 "" "$error"
    #  among others: the GET goes again without it, as snmpget's
    run fixed "$GET" -v 1 "$host" "$SYS_NAME" "$MISSING" "$SYS_LOCATION"
    expect fixed 2 "$SYS_NAME = STRING: \"$TOKEN\"
$SYS_LOCATION = STRING: \"Test Lab \\\"Room 1\\\"\"" "$error"
    both fixed2 "$GET -v 1 $host $SYS_NAME $MISSING $SYS_LOCATION" \
        "snmpget -v1 -c public -On $host $SYS_NAME $MISSING $SYS_LOCATION"
    both missing2 "$GET -v 1 $host $MISSING" "snmpget -v1 -c public -On $host $MISSING"
}

case_get_ipv6 () {
    have_ipv6 || skip "no IPv6 loopback (::1)"
    start_snmpd
    run v2c "$GET" "[::1]:$PORT" "$SYS_NAME" "$SYS_LOCATION"
    expect v2c 0 "$SYS_NAME = STRING: \"$TOKEN\"
$SYS_LOCATION = STRING: \"Test Lab \\\"Room 1\\\"\"" ""
    both v1 "$GET -v 1 udp6:[::1]:$PORT $SYS_CONTACT $MISSING" \
        "snmpget -v1 -c public -On udp6:[::1]:$PORT $SYS_CONTACT $MISSING"
    both walk "$WALK [::1]:$PORT $SYSTEM" "snmpwalk -v2c -c public -On [::1]:$PORT $SYSTEM"
    both bulk "$WALK --bulk udp6:[::1]:$PORT $SYSTEM" \
        "snmpbulkwalk -v2c -c public -On udp6:[::1]:$PORT $SYSTEM"
}

case_walk_getnext () {
    start_snmpd
    local host="127.0.0.1:$PORT"
    both v2c "$WALK $host $SYSTEM" "snmpwalk -v2c -c public -On $host $SYSTEM"
    both v1 "$WALK -v 1 $host $SYSTEM" "snmpwalk -v1 -c public -On $host $SYSTEM"
    #  What the configuration says is in it, and more than a few varbinds
    grep -qxF "$SYS_LOCATION = STRING: \"Test Lab \\\"Room 1\\\"\"" "$TMP/v2c.out" \
        || fail "the walk has no sysLocation line"
    grep -qxF "$SYS_NAME = STRING: \"$TOKEN\"" "$TMP/v2c.out" || fail "the walk has no sysName line"
    [ "$(wc -l <"$TMP/v2c.out")" -ge 8 ] || fail "the walk is short: $(cat "$TMP/v2c.out")"
    [ "$(grep -vc "^$SYSTEM\." "$TMP/v2c.out")" -eq 0 ] || fail "the walk left the subtree"
}

case_walk_bulk () {
    start_snmpd
    local host="127.0.0.1:$PORT"
    both bulk "$WALK --bulk $host $SYSTEM" "snmpbulkwalk -v2c -c public -On $host $SYSTEM"
    #  Several GETBULKs, the walk going on from each one's last varbind
    both reps3 "$WALK --max-repetitions 3 $host $SYSTEM" \
        "snmpbulkwalk -v2c -c public -On -Cr3 $host $SYSTEM"
    both reps1 "$WALK --bulk --max-repetitions 1 $host .1.3.6.1.2.1.1.9" \
        "snmpbulkwalk -v2c -c public -On -Cr1 $host .1.3.6.1.2.1.1.9"
    #  Same varbinds as GETNEXT's walk
    run next "$WALK" "$host" "$SYSTEM"
    diff <(mask "$TMP/bulk.out") <(mask "$TMP/next.out") >&2 || fail "GETBULK and GETNEXT differ"
}

case_walk_ends () {
    start_snmpd
    local host="127.0.0.1:$PORT" version
    #  Past the end of the MIB: endOfMibView (v2c), noSuchName "End of MIB" (v1)
    both end_v2c "$WALK $host .2.1" "snmpwalk -v2c -c public -On $host .2.1"
    expect end_v2c 0 ".2.1 = No more variables left in this MIB View (It is past the end of the MIB tree)" ""
    both end_v1 "$WALK -v 1 $host .2.1" "snmpwalk -v1 -c public -On $host .2.1"
    expect end_v1 0 "End of MIB" ""
    both end_bulk "$WALK --bulk $host .2.1" "snmpbulkwalk -v2c -c public -On $host .2.1"
    #  An instance: nothing under it, so it is fetched itself
    for version in 1 2c; do
        both "inst_$version" "$WALK -v $version $host $SYS_NAME" \
            "snmpwalk -v$version -c public -On $host $SYS_NAME"
        expect "inst_$version" 0 "$SYS_NAME = STRING: \"$TOKEN\"" ""
        both "none_$version" "$WALK -v $version $host .1.3.6.1.2.1.1.99" \
            "snmpwalk -v$version -c public -On $host .1.3.6.1.2.1.1.99"
    done
    #  An agent whose GETNEXT does not move on: "OID not increasing", exit 1
    both loop "$WALK $host $PASS_ROOT" "snmpwalk -v2c -c public -On $host $PASS_ROOT"
    expect loop 1 "$PASS_ROOT.1.0 = INTEGER: 7
$PASS_ROOT.1.0 = INTEGER: 7" "Error: OID not increasing: $PASS_ROOT.1.0
 >= $PASS_ROOT.1.0"
    both loop_v1 "$WALK -v 1 $host $PASS_ROOT" "snmpwalk -v1 -c public -On $host $PASS_ROOT"
    both loop_bulk "$WALK --bulk $host $PASS_ROOT" "snmpbulkwalk -v2c -c public -On $host $PASS_ROOT"
    [ "$(cat "$TMP/loop_bulk.rc")" = 1 ] || fail "a GETBULK walk that does not move on: not exit 1"
}

#  time_run NAME MIN_MS MAX_MS CMD...: run, and check how long it took
#  (MAX_MS scaled: a slow build starts slowly)
time_run () {
    local name="$1" min="$2" max start elapsed
    max="$(scaled "$3")"
    shift 3
    start="$(now_ms)"
    run "$name" "$@"
    elapsed=$(($(now_ms) - start))
    if [ "$elapsed" -lt "$min" ] || [ "$elapsed" -gt "$max" ]; then
        fail "$name took $elapsed ms, expected $min to $max"
    fi
}

case_no_response () {
    #  A port nothing answers on: snmpd's (ours) with a community it does
    #  not know, so that whatever listens, nothing answers
    start_snmpd
    local host="127.0.0.1:$PORT"
    #  3 attempts of 200 ms: 600 ms, and a margin for a loaded machine
    time_run get 550 5000 "$GET" --timeout 200 --retries 2 -c wrong "$host" "$SYS_NAME"
    expect get 1 "" "Timeout: No Response from $host."
    time_run walk 350 5000 "$WALK" --timeout 200 -r 1 -c wrong "$host" "$SYSTEM"
    expect walk 1 "" "Timeout: No Response from $host"
    time_run bulk 150 5000 "$WALK" --bulk --timeout 200 -r 0 -c wrong "udp:$host"
    expect bulk 1 "" "Timeout: No Response from udp:$host"
    #  A closed port: the ICMP errors change nothing, it times out
    local closed="$PORT"
    stop_snmpd
    time_run closed 350 5000 "$GET" -v 1 --timeout 200 -r 1 "127.0.0.1:$closed" "$SYS_NAME"
    expect closed 1 "" "Timeout: No Response from 127.0.0.1:$closed."
    if have_ipv6; then
        time_run closed6 150 5000 "$GET" --timeout 200 -r 0 "[::1]:$closed" "$SYS_NAME"
        expect closed6 1 "" "Timeout: No Response from [::1]:$closed."
    fi
}

#  bad PROGRAM ARGS...: exit 2, one line on stderr, nothing on stdout
bad () {
    local program="$1"
    shift
    run bad "$program" "$@"
    [ "$(cat "$TMP/bad.rc")" = 2 ] || fail "$(basename "$program") $*: exit $(cat "$TMP/bad.rc"), expected 2"
    [ "$(wc -l <"$TMP/bad.err")" -eq 1 ] \
        || fail "$(basename "$program") $*: stderr is not one line: $(cat "$TMP/bad.err")"
    [ ! -s "$TMP/bad.out" ] || fail "$(basename "$program") $*: wrote to stdout"
}

case_bad_args () {
    local program long
    long="$(printf 'c%.0s' $(seq 1 256))"
    for program in "$GET" "$WALK"; do
        bad "$program"
        bad "$program" -x 127.0.0.1 .1.3.6
        bad "$program" --no-such-option 127.0.0.1 .1.3.6
        bad "$program" --timeout
        bad "$program" --timeout 0 127.0.0.1 .1.3.6
        bad "$program" --timeout 86400001 127.0.0.1 .1.3.6
        bad "$program" --timeout 10x 127.0.0.1 .1.3.6
        bad "$program" --timeout -5 127.0.0.1 .1.3.6
        bad "$program" --retries -1 127.0.0.1 .1.3.6
        bad "$program" -r 1001 127.0.0.1 .1.3.6
        bad "$program" -r '' 127.0.0.1 .1.3.6
        bad "$program" -v 3 127.0.0.1 .1.3.6
        bad "$program" -v 2p 127.0.0.1 .1.3.6
        bad "$program" -c "$long" 127.0.0.1 .1.3.6
        bad "$program" localhost .1.3.6
        bad "$program" 127.0.0.1:0 .1.3.6
        bad "$program" 127.0.0.1:65536 .1.3.6
        bad "$program" 127.0.0.1:161x .1.3.6
        bad "$program" 127.0.0.1: .1.3.6
        bad "$program" '[::1' .1.3.6
        bad "$program" '[::1]161' .1.3.6
        bad "$program" '[127.0.0.1]:161' .1.3.6
        bad "$program" 'udp:[::1]:161' .1.3.6
        bad "$program" 'udp6:127.0.0.1' .1.3.6
        bad "$program" 'tcp:127.0.0.1' .1.3.6
        bad "$program" '' .1.3.6
        bad "$program" 127.0.0.1 1.3.x
        bad "$program" 127.0.0.1 .1
        bad "$program" 127.0.0.1 .1.3..6
        bad "$program" 127.0.0.1 .1.3.6.
        bad "$program" 127.0.0.1 .1.3.4294967296
        bad "$program" 127.0.0.1 "$(printf '.1%.0s' $(seq 1 129))"
        run help "$program" --help
        expect help 0 "$(cat "$TMP/help.out")" ""
        grep -q '^Usage: ' "$TMP/help.out" || fail "$program --help: no usage"
    done
    bad "$GET" 127.0.0.1
    bad "$GET" 127.0.0.1 $(seq -f '.1.3.%g' 1 65)
    bad "$GET" --bulk 127.0.0.1 .1.3.6
    bad "$WALK" 127.0.0.1 .1.3.6 .1.3.7
    bad "$WALK" --bulk -v 1 127.0.0.1
    bad "$WALK" -v 1 --max-repetitions 5 127.0.0.1
    bad "$WALK" --max-repetitions 0 127.0.0.1
    bad "$WALK" --max-repetitions 65 127.0.0.1
    bad "$WALK" --max-repetitions
}

case "$CASE" in
    get_v2c | get_v1 | get_ipv6 | walk_getnext | walk_bulk | walk_ends | no_response | bad_args)
        "case_$CASE" ;;
    *) echo "$0: no case named '$CASE'" >&2; exit 2 ;;
esac
echo "PASS ($CASE)"
