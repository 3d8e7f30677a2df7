#!/usr/bin/env python3
"""trap_stalled.py RECEIVER - trap_receiver whose stdout reader has stopped
reading ends at SIGTERM all the same: its stdout is a pipe of one page that
this script never reads while it sends many v2c traps, each printed as a
line of about 1 KiB, so that the pipe is full and the receiver's callback
waits to write; then SIGTERM. It must exit 0 within a bound, say so on
stderr with its counters (stdout takes nothing), and what it wrote must be
whole lines. Every wait has a deadline. Exit 0 or 1."""
import fcntl
import os
import select
import signal
import socket
import subprocess
import sys
import time

from inform_twice import integer, oid, tlv

TRAPS = 2000
#  The build under test may slow the receiver down (tests/peers/lib.sh): the
#  command it runs under, and a whole number the deadlines are multiplied by
WRAPPER = os.environ.get("ASYNROLE_PEER_WRAPPER", "").split()
SCALE = int(os.environ.get("ASYNROLE_PEER_DEADLINE_SCALE", "1"))
EXIT_WITHIN_S = 10 * SCALE  # the counters wait 1 s for stdout; the rest is slack


def trap(request_id):
    varbinds = tlv(0x30, b"".join([
        tlv(0x30, oid(".1.3.6.1.2.1.1.3.0") + tlv(0x43, b"\x01\x00")),
        tlv(0x30, oid(".1.3.6.1.6.3.1.1.4.1.0") + oid(".1.3.6.1.6.3.1.1.5.1")),
        tlv(0x30, oid(".1.3.6.1.2.1.1.5.0") + tlv(0x04, b"x" * 1000)),
    ]))
    pdu = tlv(0xA7, integer(request_id) + integer(0) + integer(0) + varbinds)
    return tlv(0x30, integer(1) + tlv(0x04, b"public") + pdu)


def first_line(fd, deadline):
    """The first line on fd (read byte by byte: nothing after it is taken)"""
    line = b""
    while not line.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        byte = os.read(fd, 1)
        if not byte:
            return None
        line += byte
    return line.decode()


def fail(receiver, why):
    receiver.kill()
    receiver.wait(timeout=30)
    print(f"FAIL: {why}; stderr: {receiver.stderr.read().decode()}")
    return 1


def main():
    receiver = subprocess.Popen([*WRAPPER, sys.argv[1], "--listen", "127.0.0.1:0"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = receiver.stdout.fileno()
    fcntl.fcntl(out, fcntl.F_SETPIPE_SZ, 4096)  # one page: its first line fits
    line = first_line(out, time.monotonic() + 10 * SCALE)
    if not line or not line.startswith("listening on 127.0.0.1:"):
        return fail(receiver, f"first line {line!r}")
    port = int(line.strip().rsplit(":", 1)[1])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for i in range(TRAPS):
            sock.sendto(trap(i + 1), ("127.0.0.1", port))
    receiver.send_signal(signal.SIGTERM)
    began = time.monotonic()
    try:
        receiver.wait(timeout=EXIT_WITHIN_S)
    except subprocess.TimeoutExpired:
        return fail(receiver, f"still running {EXIT_WITHIN_S} s after SIGTERM")
    took = time.monotonic() - began
    err = receiver.stderr.read().decode()
    printed = receiver.stdout.read().decode()
    lines = printed.splitlines(keepends=True)
    print(f"exit {receiver.returncode} {took:.2f} s after SIGTERM, {len(lines)} lines printed")
    print(err, end="")
    checks = [
        (receiver.returncode == 0, "exit status not 0"),
        ("trap_receiver: Terminated, exiting\n" in err, "no 'Terminated, exiting' on stderr"),
        ("trap_receiver: stdout is stalled; counters: v1_traps=0 v2c_traps=" in err,
         "no counters on stderr"),
        (len(lines) >= 1 and all(x.endswith("\n") and " trap-v2c " in x for x in lines),
         "stdout is not whole trap lines"),
    ]
    for ok, why in checks:
        if not ok:
            print(f"FAIL: {why}; stdout: {printed[:300]!r}...")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
