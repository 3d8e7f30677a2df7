#!/usr/bin/env bash
#  agent_netsnmp.sh AGENT CASE - net-snmp's snmpget, snmpgetnext, snmpwalk,
#  snmpbulkget, snmpbulkwalk and snmpset (v1 and v2c, IPv4 and IPv6)
#  against examples/snmp/snmp_agent, checking every value they print
# shellcheck disable=SC2015,SC2154,SC2155,SC2206  # A && B || fail is meant; start sets
#  NAME_ADDRS; addresses hold no spaces
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

AGENT="$1"
CASE="$2"
need_tool snmpget snmpgetnext snmpwalk snmpbulkget snmpbulkwalk snmpset

#  What a walk of .1.3.6.1.2.1 prints (sysUpTime's ticks vary)
WALK='.1.3.6.1.2.1.1.1.0 = STRING: "asynrole example SNMP agent"
.1.3.6.1.2.1.1.2.0 = OID: .1.3.6.1.4.1.32473.1
.1.3.6.1.2.1.1.3.0 = Timeticks: T
.1.3.6.1.2.1.1.4.0 = STRING: "root@localhost"
.1.3.6.1.2.1.1.5.0 = STRING: "asynrole-agent"
.1.3.6.1.2.1.1.6.0 = STRING: "loopback"
.1.3.6.1.2.1.1.7.0 = INTEGER: 72
.1.3.6.1.2.1.2.1.0 = INTEGER: 3
.1.3.6.1.2.1.2.2.1.1.1 = INTEGER: 1
.1.3.6.1.2.1.2.2.1.1.2 = INTEGER: 2
.1.3.6.1.2.1.2.2.1.1.3 = INTEGER: 3
.1.3.6.1.2.1.2.2.1.2.1 = STRING: "lo"
.1.3.6.1.2.1.2.2.1.2.2 = STRING: "eth0"
.1.3.6.1.2.1.2.2.1.2.3 = STRING: "eth1"
.1.3.6.1.2.1.2.2.1.3.1 = INTEGER: 24
.1.3.6.1.2.1.2.2.1.3.2 = INTEGER: 6
.1.3.6.1.2.1.2.2.1.3.3 = INTEGER: 6'

#  run TOOL ARGS...: the tool's stdout (stderr appended), its exit status in RC
run () {
    RC=0
    OUT="$("$@" 2>&1)" || RC=$?
}

case_get () {
    start agent "$AGENT" --listen 127.0.0.1:0
    local at="127.0.0.1:$(port "$agent_ADDRS")"
    run snmpget "${SNMP_OPTS[@]}" -v2c -c public "$at" .1.3.6.1.2.1.1.1.0 .1.3.6.1.2.1.1.2.0 \
        .1.3.6.1.2.1.1.3.0 .1.3.6.1.2.1.1.7.0 .1.3.6.1.2.1.2.2.1.2.3 .1.3.6.1.2.1.1.99.0 \
        .1.3.6.1.2.1.1.1.1 .1.3.6.1.2.1.2.2.1.2.9 .1.3.6.1.2.1.2.2.1
    [ "$RC" -eq 0 ] || fail "snmpget v2c: exit $RC: $OUT"
    same "snmpget v2c" '.1.3.6.1.2.1.1.1.0 = STRING: "asynrole example SNMP agent"
.1.3.6.1.2.1.1.2.0 = OID: .1.3.6.1.4.1.32473.1
.1.3.6.1.2.1.1.3.0 = Timeticks: T
.1.3.6.1.2.1.1.7.0 = INTEGER: 72
.1.3.6.1.2.1.2.2.1.2.3 = STRING: "eth1"
.1.3.6.1.2.1.1.99.0 = No Such Object available on this agent at this OID
.1.3.6.1.2.1.1.1.1 = No Such Instance currently exists at this OID
.1.3.6.1.2.1.2.2.1.2.9 = No Such Instance currently exists at this OID
.1.3.6.1.2.1.2.2.1 = No Such Object available on this agent at this OID' "$(ticks <<<"$OUT")"

    #  v1: noSuchName names the first missing object
    run snmpget "${SNMP_OPTS[@]}" -v1 -c public "$at" .1.3.6.1.2.1.1.5.0 .1.3.6.1.2.1.1.4.0
    same "snmpget v1" '.1.3.6.1.2.1.1.5.0 = STRING: "asynrole-agent"
.1.3.6.1.2.1.1.4.0 = STRING: "root@localhost"' "$OUT"
    run snmpget "${SNMP_OPTS[@]}" -v1 -c public "$at" .1.3.6.1.2.1.1.5.0 .1.3.6.1.2.1.1.99.0
    [ "$RC" -ne 0 ] || fail "snmpget v1 of a missing object succeeded"
    [[ "$OUT" == *"(noSuchName) There is no such variable name in this MIB."*"Failed object: .1.3.6.1.2.1.1.99.0"* ]] \
        || fail "snmpget v1 noSuchName: $OUT"
    stop agent
    #  snmpget v1 asks again without the object noSuchName named: 4 GETs
    expect_counter requests=4 get=4 bad_community=0 malformed=0
}

case_getnext () {
    start agent "$AGENT" --listen 127.0.0.1:0
    local at="127.0.0.1:$(port "$agent_ADDRS")"
    #  From the system group into the table, and past the end
    run snmpgetnext "${SNMP_OPTS[@]}" -v2c -c public "$at" .1.3.6.1.2.1.1.7.0 .1.3.6.1.2.1.2.2 \
        .1.3.6.1.2.1.2.2.1.2.3 .1.3.6.1.2.1.2.2.1.3.3 .1.3.6.1
    [ "$RC" -eq 0 ] || fail "snmpgetnext v2c: exit $RC: $OUT"
    same "snmpgetnext v2c" '.1.3.6.1.2.1.2.1.0 = INTEGER: 3
.1.3.6.1.2.1.2.2.1.1.1 = INTEGER: 1
.1.3.6.1.2.1.2.2.1.3.1 = INTEGER: 24
.1.3.6.1.2.1.2.2.1.3.3 = No more variables left in this MIB View (It is past the end of the MIB tree)
.1.3.6.1.2.1.1.1.0 = STRING: "asynrole example SNMP agent"' "$OUT"
    run snmpgetnext "${SNMP_OPTS[@]}" -v1 -c public "$at" .1.3.6.1.2.1.1 .1.3.6.1.2.1.2.2.1.3.3
    [ "$RC" -ne 0 ] || fail "snmpgetnext v1 past the end succeeded"
    [[ "$OUT" == *"(noSuchName)"*"Failed object: .1.3.6.1.2.1.2.2.1.3.3"* ]] \
        || fail "snmpgetnext v1 past the end: $OUT"
    stop agent
    expect_counter requests=3 getnext=3  #  v1 asked again, as snmpget does
}

#  walk FAMILY VERSION TOOL [OPTIONS]: a whole walk of .1.3.6.1.2.1
walk () {
    local family="$1" version="$2" tool="$3"
    shift 3
    start agent "$AGENT" --listen 127.0.0.1:0 --listen '[::1]:0'
    local addrs=($agent_ADDRS) at
    if [ "$family" = 6 ]; then at="udp6:[::1]:$(port "${addrs[1]}")"; else at="127.0.0.1:$(port "${addrs[0]}")"; fi
    run "$tool" "${SNMP_OPTS[@]}" "$version" -c public "$@" "$at" .1.3.6.1.2.1
    [ "$RC" -eq 0 ] || fail "$tool $version $at: exit $RC: $OUT"
    #  The end: v1's noSuchName is "End of MIB", v2c's endOfMibView is printed
    local end='End of MIB'
    [ "$version" = -v1 ] || end='.1.3.6.1.2.1.2.2.1.3.3 = No more variables left in this MIB View (It is past the end of the MIB tree)'
    same "$tool $version $at" "$WALK
$end" "$(ticks <<<"$OUT")"
    stop agent
}

case_walk_v1_ipv4 () { walk 4 -v1 snmpwalk; expect_counter requests=18 getnext=18; }
case_walk_v1_ipv6 () { walk 6 -v1 snmpwalk; expect_counter requests=18 getnext=18; }
case_walk_v2c_ipv4 () { walk 4 -v2c snmpwalk; expect_counter requests=18 getnext=18; }
case_walk_v2c_ipv6 () { walk 6 -v2c snmpwalk; expect_counter requests=18 getnext=18; }
#  17 objects, 5 a request: 4 GETBULKs, the last one past the end
case_bulkwalk_ipv4 () { walk 4 -v2c snmpbulkwalk -Cr5; expect_counter requests=4 getbulk=4; }
case_bulkwalk_ipv6 () { walk 6 -v2c snmpbulkwalk -Cr5; expect_counter requests=4 getbulk=4; }

case_bulkget () {
    start agent "$AGENT" --listen 127.0.0.1:0
    local at="127.0.0.1:$(port "$agent_ADDRS")"
    #  One non-repeater, two repeaters three times, crossing into the table
    run snmpbulkget "${SNMP_OPTS[@]}" -v2c -c public -Cn1 -Cr3 "$at" .1.3.6.1.2.1.1.4.0 \
        .1.3.6.1.2.1.1.6.0 .1.3.6.1.2.1.2.2.1.3.2
    [ "$RC" -eq 0 ] || fail "snmpbulkget: exit $RC: $OUT"
    same "snmpbulkget" '.1.3.6.1.2.1.1.5.0 = STRING: "asynrole-agent"
.1.3.6.1.2.1.1.7.0 = INTEGER: 72
.1.3.6.1.2.1.2.2.1.3.3 = INTEGER: 6
.1.3.6.1.2.1.2.1.0 = INTEGER: 3
.1.3.6.1.2.1.2.2.1.3.3 = No more variables left in this MIB View (It is past the end of the MIB tree)
.1.3.6.1.2.1.2.2.1.1.1 = INTEGER: 1
.1.3.6.1.2.1.2.2.1.3.3 = No more variables left in this MIB View (It is past the end of the MIB tree)' "$OUT"
    stop agent
    expect_counter requests=1 getbulk=1
}

case_set () {
    start agent "$AGENT" --listen 127.0.0.1:0
    local at="127.0.0.1:$(port "$agent_ADDRS")"
    run snmpset "${SNMP_OPTS[@]}" -v2c -c public "$at" .1.3.6.1.2.1.1.5.0 s renamed
    [ "$RC" -ne 0 ] || fail "snmpset v2c succeeded: $OUT"
    [[ "$OUT" == *"Reason: notWritable (That object does not support modification)"*"Failed object: .1.3.6.1.2.1.1.5.0"* ]] \
        || fail "snmpset v2c: $OUT"
    run snmpset "${SNMP_OPTS[@]}" -v1 -c public "$at" .1.3.6.1.2.1.1.6.0 s moved
    [ "$RC" -ne 0 ] || fail "snmpset v1 succeeded: $OUT"
    [[ "$OUT" == *"(noSuchName)"*"Failed object: .1.3.6.1.2.1.1.6.0"* ]] || fail "snmpset v1: $OUT"
    #  Nothing changed
    run snmpget "${SNMP_OPTS[@]}" -v2c -c public "$at" .1.3.6.1.2.1.1.5.0
    same "sysName after set" '.1.3.6.1.2.1.1.5.0 = STRING: "asynrole-agent"' "$OUT"
    stop agent
    expect_counter requests=3 set=2 get=1
}

case_community () {
    start agent "$AGENT" --listen 127.0.0.1:0 --listen '[::1]:0' --community s3cret
    local addrs=($agent_ADDRS)
    local at4="127.0.0.1:$(port "${addrs[0]}")" at6="udp6:[::1]:$(port "${addrs[1]}")"
    run snmpget -m '' -On -t 1 -r 0 -v2c -c public "$at4" .1.3.6.1.2.1.1.5.0
    [ "$RC" -ne 0 ] && [[ "$OUT" == "Timeout: No Response from"* ]] \
        || fail "a wrong community got an answer: $OUT"
    run snmpget -m '' -On -t 1 -r 0 -v1 -c public "$at6" .1.3.6.1.2.1.1.5.0
    [ "$RC" -ne 0 ] && [[ "$OUT" == "Timeout: No Response from"* ]] \
        || fail "a wrong community got an answer (v1, IPv6): $OUT"
    run snmpget "${SNMP_OPTS[@]}" -v2c -c s3cret "$at6" .1.3.6.1.2.1.1.5.0
    same "the right community" '.1.3.6.1.2.1.1.5.0 = STRING: "asynrole-agent"' "$OUT"
    stop agent TERM
    expect_counter requests=1 bad_community=2
}

case_too_big () {
    #  484 bytes: a GET of 20 sysDescr.0 (34 bytes each) cannot be answered
    start agent "$AGENT" --listen 127.0.0.1:0 --max-size 484
    local at="127.0.0.1:$(port "$agent_ADDRS")" names=()
    for _ in $(seq 20); do names+=(.1.3.6.1.2.1.1.1.0); done
    run snmpget "${SNMP_OPTS[@]}" -v2c -c public "$at" "${names[@]}"
    [ "$RC" -ne 0 ] && [[ "$OUT" == *"Reason: (tooBig) Response message would have been too large."* ]] \
        || fail "snmpget of 20 sysDescr.0 in 484 bytes: $OUT"
    #  A GETBULK is cut to what fits instead: sysDescr.0 and sysObjectID.0
    #  (2 x 34 bytes) and so on, but never in the middle of a varbind
    run snmpbulkget "${SNMP_OPTS[@]}" -v2c -c public -Cn0 -Cr60 "$at" .1.3.6.1.2.1.1 \
        .1.3.6.1.2.1.1 .1.3.6.1.2.1.1 .1.3.6.1.2.1.1 .1.3.6.1.2.1.1
    [ "$RC" -eq 0 ] || fail "snmpbulkget in 484 bytes: exit $RC: $OUT"
    local lines
    lines="$(wc -l <<<"$OUT")"
    [ "$lines" -ge 5 ] && [ "$lines" -lt 60 ] || fail "snmpbulkget in 484 bytes: $lines varbinds: $OUT"
    [ "$(head -n 5 <<<"$OUT" | sort -u)" = '.1.3.6.1.2.1.1.1.0 = STRING: "asynrole example SNMP agent"' ] \
        || fail "snmpbulkget in 484 bytes, first row: $OUT"
    stop agent
    expect_counter requests=2 too_big=1 getbulk=1
}

#  bad arguments: one line on stderr, exit 2; --help: exit 0
case_args () {
    local rc
    bad_args "$AGENT" "--bogus" "--listen" "--listen nope" "--listen 127.0.0.1" "--max-size 483" \
        "--max-size 65508" "--max-size x" "--community"
    #  A port in use: exit 1, one line
    start agent "$AGENT" --listen 127.0.0.1:0
    rc=0
    timeout "$PEER_WAIT" "${PEER_WRAPPER[@]}" "$AGENT" --listen "$agent_ADDRS" >"$PEER_TMP/out" \
        2>"$PEER_TMP/err" || rc=$?
    [ "$rc" -eq 1 ] || fail "snmp_agent on a port in use: exit $rc, not 1: $(cat "$PEER_TMP/err")"
    [ ! -s "$PEER_TMP/out" ] || fail "snmp_agent on a port in use wrote: $(cat "$PEER_TMP/out")"
    stop agent
}

declare -F "case_$CASE" >/dev/null || fail "no case '$CASE'"
"case_$CASE"
echo "agent_netsnmp $CASE: passed"
