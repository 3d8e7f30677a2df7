#!/usr/bin/env bash
#  tests/peers/send_snmptrapd.sh - `asynrole send` to net-snmp's snmptrapd
#
#    send_snmptrapd.sh ASYNROLE CASE
#
#  Cases: trap (a v2c trap: snmptrapd logs it and answers nothing, so send
#  ends with no response, exit 1) and inform (snmptrapd logs it and
#  acknowledges it: send prints the Response, exit 0). The snmptrapd is the
#  test's own, on a loopback port it chooses, with its own configuration.
#  Exit 0 passed, 1 failed, 77 skipped (a tool missing; a failure under
#  ASYNROLE_REQUIRE_ALL).

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -eq 2 ] || fail "usage: $0 ASYNROLE CASE"
CLI="$1"
CASE="$2"
PATH="$PATH:/usr/sbin"
need_tool snmptrapd snmpinform

#  A v2c trap and an inform, request-id 0x1234: sysUpTime.0 = 0,
#  snmpTrapOID.0 = coldStart, sysName.0 = "asynrole-send"
BODY=020212340201000201003043300d06082b060102010103004301003017060a2b06010603010104010006092b0601060301010501301906082b06010201010500040d6173796e726f6c652d73656e64
TRAP=305c02010104067075626c6963a74f$BODY
INFORM=305c02010104067075626c6963a64f$BODY

#  snmptrapd on PORT, its log on fd TRAPD_FD (a FIFO); ready once it
#  acknowledges an inform of net-snmp's own (bounded tries)
start_snmptrapd () {
    local fifo="$PEER_TMP/snmptrapd.out"
    mkfifo "$fifo"
    cat >"$PEER_TMP/snmptrapd.conf" <<EOF
snmpTrapdAddr udp:127.0.0.1:$PORT
authCommunity log public
EOF
    timeout -k 5 "$PEER_DEADLINE" snmptrapd -f -Lo -On -m '' -C -c "$PEER_TMP/snmptrapd.conf" \
        -p "$PEER_TMP/snmptrapd.pid" >"$fifo" 2>&1 &
    TRAPD_PID=$!
    PEER_PIDS+=("$TRAPD_PID")
    exec {TRAPD_FD}<"$fifo"
    for _ in $(seq 1 50); do
        kill -0 "$TRAPD_PID" 2>/dev/null || return 1
        snmpinform "${SNMP_OPTS[@]}" -v2c -c public -t 0.2 -r 0 "127.0.0.1:$PORT" '' \
            .1.3.6.1.6.3.1.1.5.1 >/dev/null 2>&1 && return 0
    done
    return 1
}

#  A port below the ephemeral range that snmptrapd could bind (it exits
#  when it cannot): at most 20 tries
started=""
for _ in $(seq 1 20); do
    PORT=$((20000 + RANDOM % 12000))
    if start_snmptrapd; then
        started=yes
        break
    fi
    kill -TERM "$TRAPD_PID" 2>/dev/null || true
    wait "$TRAPD_PID" 2>/dev/null || true
    exec {TRAPD_FD}<&-
    rm -f "$PEER_TMP/snmptrapd.out"
done
[ -n "$started" ] || fail "snmptrapd did not start on any of 20 ports"

#  snmptrapd logs our notification: a line with its sysName value, within 10 s
expect_logged () {
    local line
    while IFS= read -r -t 10 -u "$TRAPD_FD" line; do
        [[ "$line" == *'"asynrole-send"'* ]] || continue
        [[ "$line" == *'.1.3.6.1.6.3.1.1.5.1'* ]] || fail "logged without its trap OID: $line"
        echo "snmptrapd: $line"
        return 0
    done
    fail "snmptrapd did not log the $CASE within 10 s"
}

rc=0
case "$CASE" in
    trap)
        out="$(timeout "$(scaled 30)" "${PEER_WRAPPER[@]}" "$CLI" send --timeout 300 --retries 0 "127.0.0.1:$PORT" "$TRAP")" || rc=$?
        [ "$rc" -eq 1 ] || fail "send of a trap: exit $rc, not 1 (no response)"
        [ -z "$out" ] || fail "send of a trap printed '$out'"
        expect_logged
        ;;
    inform)
        out="$(timeout "$(scaled 30)" "${PEER_WRAPPER[@]}" "$CLI" send --timeout 1000 --retries 2 "127.0.0.1:$PORT" "$INFORM")" || rc=$?
        [ "$rc" -eq 0 ] || fail "send of an inform: exit $rc, not 0"
        #  A v2c Response from community public, request-id 0x1234
        [[ "$out" == 30*02010104067075626c6963a2*020212340201000201* ]] \
            || fail "the acknowledgement is not a Response to request 0x1234: $out"
        echo "acknowledged: $out"
        expect_logged
        ;;
    *) fail "unknown case $CASE" ;;
esac
