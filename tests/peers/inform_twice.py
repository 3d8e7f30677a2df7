#!/usr/bin/env python3
"""inform_twice.py HOST PORT REQUEST_ID - send one SNMPv2c InformRequest
twice from one socket, as a manager whose acknowledgement got lost resends
it, and check that each send gets its Response: the same bytes with the
PDU tag Response (0xA2), since the receiver echoes request-id and varbinds
and both sides use minimal BER. Every wait has a deadline. Exit 0 or 1."""
import socket
import sys


def tlv(tag, contents):
    n = len(contents)
    if n < 128:
        length = bytes([n])
    elif n < 256:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82, n >> 8, n & 0xFF])
    return bytes([tag]) + length + contents


def integer(value):
    return tlv(0x02, value.to_bytes((value.bit_length() + 8) // 8 or 1, "big", signed=True))


def oid(text):
    arcs = [int(a) for a in text.strip(".").split(".")]
    out = bytearray([arcs[0] * 40 + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.insert(0, 0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(chunk)
    return tlv(0x06, bytes(out))


def inform(request_id):
    varbinds = tlv(0x30, b"".join([
        tlv(0x30, oid(".1.3.6.1.2.1.1.3.0") + tlv(0x43, b"\x01\x00")),  # sysUpTime.0 = 256
        tlv(0x30, oid(".1.3.6.1.6.3.1.1.4.1.0") + oid(".1.3.6.1.6.3.1.1.5.4")),  # linkUp
        tlv(0x30, oid(".1.3.6.1.2.1.2.2.1.1.2") + integer(2)),  # ifIndex.2 = 2
    ]))
    pdu = tlv(0xA6, integer(request_id) + integer(0) + integer(0) + varbinds)
    return tlv(0x30, integer(1) + tlv(0x04, b"public") + pdu)


def main():
    host, port, request_id = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    message = inform(request_id)
    expected = bytearray(message)
    pdu_at = 2 + 3 + 8  # SEQUENCE header, version, community "public"
    assert expected[pdu_at] == 0xA6
    expected[pdu_at] = 0xA2
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        for attempt in (1, 2):
            sock.sendto(message, (host, port))
            try:
                reply, _ = sock.recvfrom(65535)
            except socket.timeout:
                print(f"FAIL: no Response to send {attempt} within 5 s")
                return 1
            if reply != bytes(expected):
                print(f"FAIL: Response {attempt} is {reply.hex()}, not {bytes(expected).hex()}")
                return 1
            print(f"Response {attempt}: request-id {request_id}, varbinds echoed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
