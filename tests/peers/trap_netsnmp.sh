#!/usr/bin/env bash
#  trap_netsnmp.sh RECEIVER CASE - net-snmp's snmptrap (v1, v2c) and
#  snmpinform, and a resent Inform, to examples/snmp/trap_receiver,
#  checking every line it prints; and its end with a stalled stdout
# shellcheck disable=SC2015,SC2154,SC2155,SC2206  # A && B || fail is meant; start sets
#  NAME_ADDRS; addresses hold no spaces
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RECEIVER="$1"
CASE="$2"
need_tool snmptrap snmpinform python3

#  The line printed for a notification, with its source's port and any
#  request-id made constant (net-snmp picks them)
printed () {
    local line
    next_line receiver line
    sed -E 's/^(127\.0\.0\.1|\[::1\]):[0-9]+ /\1:P /; s/ request-id=-?[0-9]+ / request-id=R /' <<<"$line"
}

case_trap_v1 () {
    start receiver "$RECEIVER" --listen 127.0.0.1:0
    local at="127.0.0.1:$(port "$receiver_ADDRS")"
    snmptrap -m '' -v1 -c public "$at" .1.3.6.1.4.1.8072.2.3 192.0.2.7 6 17 12345 \
        .1.3.6.1.2.1.1.5.0 s "hello world" .1.3.6.1.2.1.2.2.1.1.2 i 2 \
        || fail "snmptrap v1: exit $?"
    same "v1 trap" '127.0.0.1:P trap-v1 community="public" enterprise=.1.3.6.1.4.1.8072.2.3 agent-addr=192.0.2.7 generic-trap=6 specific-trap=17 time-stamp=12345 varbinds=2: .1.3.6.1.2.1.1.5.0 = STRING: "hello world"; .1.3.6.1.2.1.2.2.1.1.2 = INTEGER: 2' "$(printed)"
    snmptrap -m '' -v1 -c other "$at" .1.3.6.1.4.1.8072.2.3 127.0.0.1 3 0 7 \
        || fail "snmptrap v1: exit $?"
    same "v1 linkUp" '127.0.0.1:P trap-v1 community="other" enterprise=.1.3.6.1.4.1.8072.2.3 agent-addr=127.0.0.1 generic-trap=3 specific-trap=0 time-stamp=7 varbinds=0' "$(printed)"
    stop receiver
    expect_counter v1_traps=2 v2c_traps=0 informs=0 acks=0 malformed=0
}

#  trap_v2c FAMILY: a v2c trap over IPv4 or IPv6
trap_v2c () {
    start receiver "$RECEIVER" --listen 127.0.0.1:0 --listen '[::1]:0' --count 1
    local addrs=($receiver_ADDRS) at source
    if [ "$1" = 6 ]; then
        at="udp6:[::1]:$(port "${addrs[1]}")" source='[::1]'
    else
        at="127.0.0.1:$(port "${addrs[0]}")" source=127.0.0.1
    fi
    snmptrap -m '' -v2c -c public "$at" 4242 .1.3.6.1.6.3.1.1.5.1 \
        .1.3.6.1.2.1.1.5.0 s 'say "hi"' .1.3.6.1.2.1.1.2.0 o .1.3.6.1.4.1.32473.1 \
        || fail "snmptrap v2c: exit $?"
    same "v2c trap" "$source"':P trap-v2c community="public" request-id=R varbinds=4: .1.3.6.1.2.1.1.3.0 = Timeticks: (4242) 0:00:42.42; .1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.6.3.1.1.5.1; .1.3.6.1.2.1.1.5.0 = STRING: "say \"hi\""; .1.3.6.1.2.1.1.2.0 = OID: .1.3.6.1.4.1.32473.1' "$(printed)"
    stop receiver none  #  --count 1: it stops by itself
    expect_counter v2c_traps=1
}

case_trap_v2c_ipv4 () { trap_v2c 4; }
case_trap_v2c_ipv6 () { trap_v2c 6; }

case_inform () {
    start receiver "$RECEIVER" --listen 127.0.0.1:0 --listen '[::1]:0'
    local addrs=($receiver_ADDRS)
    local at4="127.0.0.1:$(port "${addrs[0]}")" at6="udp6:[::1]:$(port "${addrs[1]}")"
    #  snmpinform exits 0 only once acknowledged (one try, 2 s)
    snmpinform -m '' -v2c -c public -t 2 -r 0 "$at4" 77 .1.3.6.1.6.3.1.1.5.2 \
        .1.3.6.1.2.1.1.5.0 x 000102030405060708090a0b0c0d0e0f1011 \
        || fail "snmpinform over IPv4 not acknowledged: exit $?"
    same "inform" '127.0.0.1:P inform community="public" request-id=R varbinds=3: .1.3.6.1.2.1.1.3.0 = Timeticks: (77) 0:00:00.77; .1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.6.3.1.1.5.2; .1.3.6.1.2.1.1.5.0 = Hex-STRING: 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F  10 11 ' "$(printed)"
    snmpinform -m '' -v2c -c private -t 2 -r 0 "$at6" 78 .1.3.6.1.6.3.1.1.5.3 \
        || fail "snmpinform over IPv6 not acknowledged: exit $?"
    same "inform over IPv6" '[::1]:P inform community="private" request-id=R varbinds=2: .1.3.6.1.2.1.1.3.0 = Timeticks: (78) 0:00:00.78; .1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.6.3.1.1.5.3' "$(printed)"
    stop receiver TERM
    expect_counter informs=2 inform_resent=0 acks=2 ack_failed=0
}

#  The same Inform twice from one socket: two Responses, one line. Then a
#  v2c trap, and --count 2 stops the receiver: had the resent Inform been
#  printed, the trap would not be the second line.
case_inform_resent () {
    start receiver "$RECEIVER" --listen 127.0.0.1:0 --count 2
    local port
    port="$(port "$receiver_ADDRS")"
    python3 "$(dirname "${BASH_SOURCE[0]}")/inform_twice.py" 127.0.0.1 "$port" 4711 \
        || fail "inform_twice.py"
    same "resent inform" '127.0.0.1:P inform community="public" request-id=R varbinds=3: .1.3.6.1.2.1.1.3.0 = Timeticks: (256) 0:00:02.56; .1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.6.3.1.1.5.4; .1.3.6.1.2.1.2.2.1.1.2 = INTEGER: 2' "$(printed)"
    snmptrap -m '' -v2c -c public "127.0.0.1:$port" 1 .1.3.6.1.6.3.1.1.5.1 || fail "snmptrap: exit $?"
    same "trap after it" '127.0.0.1:P trap-v2c community="public" request-id=R varbinds=2: .1.3.6.1.2.1.1.3.0 = Timeticks: (1) 0:00:00.01; .1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.6.3.1.1.5.1' "$(printed)"
    stop receiver none
    expect_counter informs=1 inform_resent=1 acks=2 v2c_traps=1
}

#  A stdout reader that stopped reading holds no signal: trap_stalled.py
case_stalled_stdout () {
    python3 "$(dirname "${BASH_SOURCE[0]}")/trap_stalled.py" "$RECEIVER" || fail "trap_stalled.py"
}

#  bad arguments: one line on stderr, exit 2; --help: exit 0
case_args () {
    bad_args "$RECEIVER" "--bogus" "--listen" "--listen nope" "--count 0" "--count -1" \
        "--count x" "--count 1000000001"
}

declare -F "case_$CASE" >/dev/null || fail "no case '$CASE'"
"case_$CASE"
echo "trap_netsnmp $CASE: passed"
