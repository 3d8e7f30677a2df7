#!/usr/bin/env bash
#  demo.sh BUILD_DIR - the SNMP examples on loopback, driven by net-snmp's
#  own tools: snmp_agent walked with snmpwalk and snmpbulkwalk and queried
#  with snmp_get; a trap and an inform sent with snmptrap and snmpinform to
#  trap_receiver. Prints what each side saw and ends by itself (every wait
#  has a deadline; the programs are stopped and reaped on exit).
#
#  Run by `./tools/run demo`, which builds BUILD_DIR and installs net-snmp's
#  tools (Debian package snmp) first.

#  The peer tests' helpers: start a program and read its "listening on"
#  line under a deadline, stop it and read its counters, net-snmp with no
#  configuration but ours
ASYNROLE_REQUIRE_ALL=1
# shellcheck source=../../tests/peers/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../tests/peers/lib.sh"

build="${1:?usage: demo.sh BUILD_DIR}"
bin="$build/examples"
need_tool snmpwalk snmpbulkwalk snmptrap snmpinform

say () {
    printf '\n--- %s\n' "$*"
}

#  show CMD...: print the command, then run it
show () {
    printf '$'
    printf ' %q' "$@"
    printf '\n'
    "$@"
}

say "snmp_agent (asynrole Agent) on a loopback port of its choosing"
start agent "$bin/snmp_agent" --listen 127.0.0.1:0 --community public
agent_at="127.0.0.1:$(port "$agent_ADDRS")"
echo "listening on $agent_ADDRS"

say "net-snmp's snmpwalk of the system group, and snmpbulkwalk of the interfaces table"
show snmpwalk "${SNMP_OPTS[@]}" -v2c -c public "$agent_at" .1.3.6.1.2.1.1
show snmpbulkwalk "${SNMP_OPTS[@]}" -v2c -c public "$agent_at" .1.3.6.1.2.1.2

say "snmp_get (asynrole Manager, request engine) of sysName.0 and sysUpTime.0, then of an OID the agent lacks"
show "$bin/snmp_get" "$agent_at" .1.3.6.1.2.1.1.5.0 .1.3.6.1.2.1.1.3.0
show "$bin/snmp_get" "$agent_at" .1.3.6.1.2.1.1.99.0

say "trap_receiver (asynrole Agent) waits for two notifications"
start receiver "$bin/trap_receiver" --listen 127.0.0.1:0 --count 2
receiver_at="127.0.0.1:$(port "$receiver_ADDRS")"
echo "listening on $receiver_ADDRS"

say "net-snmp's snmptrap (a v2c trap) and snmpinform (acknowledged by trap_receiver)"
show snmptrap "${SNMP_OPTS[@]}" -v2c -c public "$receiver_at" '' .1.3.6.1.6.3.1.1.5.1 \
    .1.3.6.1.2.1.1.5.0 s "demo trap"
show snmpinform "${SNMP_OPTS[@]}" -v2c -c public "$receiver_at" '' .1.3.6.1.6.3.1.1.5.4 \
    .1.3.6.1.2.1.2.2.1.1.1 i 1
echo "snmpinform: acknowledged (exit 0)"

say "what trap_receiver saw"
for _ in 1 2; do
    next_line receiver line
    echo "$line"
done
stop receiver none

say "what snmp_agent saw"
stop agent INT
say "done"
