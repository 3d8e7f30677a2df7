#!/usr/bin/env python3
"""agent_pysnmp.py AGENT CASE - pysnmp's own manager (Debian 12's
python3-pysnmp4, pysnmp 4.4: hlapi getCmd / nextCmd / bulkCmd) against
examples/snmp/snmp_agent, v1 and v2c, IPv4 and IPv6.

Exit 0 passed, 1 failed, 77 skipped (pysnmp missing; a failure instead
when ASYNROLE_REQUIRE_ALL is set). The agent runs under a deadline and is
stopped and reaped whatever happens."""
import os
import select
import subprocess
import sys

try:
    from pysnmp.hlapi import (CommunityData, ContextData, ObjectIdentity, ObjectType,
                              SnmpEngine, UdpTransportTarget, Udp6TransportTarget, bulkCmd,
                              getCmd, nextCmd)
except ImportError as exc:
    #  Debian's package is in Debian's Python: another python3 first on PATH
    #  (pyenv, a venv) does not see it
    SYSTEM_PYTHON = "/usr/bin/python3"
    if os.path.exists(SYSTEM_PYTHON) and os.path.realpath(sys.executable) != os.path.realpath(
            SYSTEM_PYTHON):
        os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON, *sys.argv])
    if os.environ.get("ASYNROLE_REQUIRE_ALL"):
        print(f"FAIL: pysnmp is missing ({exc}), and ASYNROLE_REQUIRE_ALL is set")
        sys.exit(1)
    print(f"skipped: pysnmp is missing ({exc}); Debian: python3-pysnmp4")
    sys.exit(77)

SYSTEM = [
    ("1.3.6.1.2.1.1.1.0", "asynrole example SNMP agent"),
    ("1.3.6.1.2.1.1.2.0", "1.3.6.1.4.1.32473.1"),
    ("1.3.6.1.2.1.1.3.0", None),  # sysUpTime: any number
    ("1.3.6.1.2.1.1.4.0", "root@localhost"),
    ("1.3.6.1.2.1.1.5.0", "asynrole-agent"),
    ("1.3.6.1.2.1.1.6.0", "loopback"),
    ("1.3.6.1.2.1.1.7.0", "72"),
]
TABLE = [("1.3.6.1.2.1.2.1.0", "3")] + [
    (f"1.3.6.1.2.1.2.2.1.{column}.{row}", value)
    for column, values in ((1, ["1", "2", "3"]), (2, ["lo", "eth0", "eth1"]), (3, ["24", "6", "6"]))
    for row, value in zip((1, 2, 3), values)
]
EVERYTHING = SYSTEM + TABLE


#  The build under test may slow the agent down (tests/peers/lib.sh): the
#  command it runs under (tools/run valgrind: valgrind ...), and a whole
#  number every deadline on it is multiplied by
WRAPPER = os.environ.get("ASYNROLE_PEER_WRAPPER", "").split()
SCALE = int(os.environ.get("ASYNROLE_PEER_DEADLINE_SCALE", "1"))


class Failure(Exception):
    pass


def check(what, got, expected):
    if got != expected:
        raise Failure(f"{what}: got {got!r}, expected {expected!r}")


def start_agent(agent, *args):
    """The agent under timeout, and the addresses of its first line"""
    #  timeout: a deadline for the agent whatever happens here. It passes our
    #  SIGINT on and then allows the agent 30 s (-k) to exit
    proc = subprocess.Popen(["timeout", "-k", "30", str(60 * SCALE), *WRAPPER, agent, *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready, _, _ = select.select([proc.stdout], [], [], 10 * SCALE)
    line = proc.stdout.readline() if ready else ""
    if not line.startswith("listening on "):
        proc.terminate()  #  timeout passes it on
        _, err = proc.communicate(timeout=40)
        raise Failure(f"no 'listening on' line within {10 * SCALE} s: {line!r}; stderr: {err}")
    return proc, line.split()[2:]


def signal_program(proc, signo):
    """The signal to the program itself, not to timeout(1): that would send it
    again to its whole process group, then SIGCONT, which under ASan reached
    the leak checker's tracer and left the agent spinning at exit"""
    try:
        with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as children:
            child = children.read().split()
    except OSError:
        child = []
    if child:
        try:
            os.kill(int(child[0]), signo)
            return
        except ProcessLookupError:
            pass
    proc.send_signal(signo)


def stop_agent(proc):
    """SIGINT, then its counters line and a clean exit"""
    signal_program(proc, 2)
    try:
        out, err = proc.communicate(timeout=20 * SCALE)
    except subprocess.TimeoutExpired:
        #  Stuck: say where its threads are, then let the deadline end it
        print(f"agent still running {20 * SCALE} s after SIGINT; its threads:")
        with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as children:
            for child in children.read().split():
                subprocess.run(["ps", "-L", "-o", "tid,stat,wchan:32,comm", "-p", child],
                               check=False, timeout=10)
        out, err = proc.communicate(timeout=40 * SCALE)
    #  Into the test's output: CTest's FAIL_REGULAR_EXPRESSION looks there
    #  for a sanitizer's report and for "dangling" sockets (CZMQ reports
    #  them on stdout, at exit)
    sys.stderr.write(f"--- agent's stdout:\n{out}--- agent's stderr:\n{err}")
    if proc.returncode != 0:
        raise Failure(f"agent exited with {proc.returncode}: {err}")
    return next(line for line in out.splitlines() if line.startswith("counters:"))


def target(addr, ipv6=False):
    host, port = addr.rsplit(":", 1)
    if ipv6:
        return Udp6TransportTarget((host.strip("[]"), int(port)), timeout=2, retries=1)
    return UdpTransportTarget((host, int(port)), timeout=2, retries=1)


def pairs(var_binds):
    return [(str(name), value.prettyPrint()) for name, value in var_binds]


def expect_rows(what, rows, expected):
    check(f"{what}: names", [name for name, _ in rows], [name for name, _ in expected])
    for (name, value), (_, want) in zip(rows, expected):
        if want is None:
            if not value.isdigit():
                raise Failure(f"{what}: {name} = {value!r}, not a number")
        else:
            check(f"{what}: {name}", value, want)


def walk(engine, community, where, mode):
    rows = []
    kwargs = {"lexicographicMode": False, "lookupMib": False}
    if mode == "bulk":
        iterator = bulkCmd(engine, community, where, ContextData(), 0, 5,
                           ObjectType(ObjectIdentity("1.3.6.1.2.1")), **kwargs)
    else:
        iterator = nextCmd(engine, community, where, ContextData(),
                           ObjectType(ObjectIdentity("1.3.6.1.2.1")), **kwargs)
    for error_indication, error_status, _, var_binds in iterator:
        if error_indication or error_status:
            raise Failure(f"{mode} walk: {error_indication or error_status.prettyPrint()}")
        #  pysnmp yields the last row, past the end, as endOfMibView (v1's
        #  noSuchName turned into it too): the walk itself
        rows += pairs(vb for vb in var_binds if type(vb[1]).__name__ != "EndOfMibView")
        if len(rows) > 100:
            raise Failure(f"{mode} walk does not end")
    return rows


def get(engine, community, where, names):
    objects = [ObjectType(ObjectIdentity(name)) for name in names]
    return next(getCmd(engine, community, where, ContextData(), *objects, lookupMib=False))


def case_get(agent):
    proc, addrs = start_agent(agent, "--listen", "127.0.0.1:0")
    try:
        engine, community, where = SnmpEngine(), CommunityData("public"), target(addrs[0])
        error_indication, error_status, _, var_binds = get(
            engine, community, where, [name for name, _ in SYSTEM])
        if error_indication or error_status:
            raise Failure(f"get: {error_indication or error_status.prettyPrint()}")
        expect_rows("get", pairs(var_binds), SYSTEM)
        #  The exceptions, by their classes
        _, error_status, _, var_binds = get(engine, community, where,
                                            ["1.3.6.1.2.1.1.99.0", "1.3.6.1.2.1.2.2.1.2.7"])
        check("get exceptions", [type(value).__name__ for _, value in var_binds],
              ["NoSuchObject", "NoSuchInstance"])
    finally:
        counters = stop_agent(proc)
    check("counters", "requests=2 get=2" in counters, True)


def case_get_v1(agent):
    proc, addrs = start_agent(agent, "--listen", "[::1]:0")
    try:
        engine, community = SnmpEngine(), CommunityData("public", mpModel=0)
        where = target(addrs[0], ipv6=True)
        error_indication, error_status, _, var_binds = get(
            engine, community, where, ["1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.2.2.1.3.1"])
        if error_indication or error_status:
            raise Failure(f"get v1: {error_indication or error_status.prettyPrint()}")
        expect_rows("get v1", pairs(var_binds),
                    [("1.3.6.1.2.1.1.5.0", "asynrole-agent"), ("1.3.6.1.2.1.2.2.1.3.1", "24")])
        _, error_status, error_index, _ = get(engine, community, where,
                                              ["1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.99.0"])
        check("get v1 missing", (error_status.prettyPrint(), int(error_index)), ("noSuchName", 2))
    finally:
        counters = stop_agent(proc)
    check("counters", "requests=2 get=2" in counters, True)


def walk_case(agent, version, ipv6, mode):
    proc, addrs = start_agent(agent, "--listen", "127.0.0.1:0", "--listen", "[::1]:0")
    try:
        community = CommunityData("public", mpModel=0 if version == 1 else 1)
        where = target(addrs[1], ipv6=True) if ipv6 else target(addrs[0])
        rows = walk(SnmpEngine(), community, where, mode)
        if version == 1 and len(rows) > 1 and rows[-1] == rows[-2]:
            #  pysnmp 4.4 yields the last row again when a v1 walk ends on
            #  noSuchName (net-snmp's snmpwalk -v1 shows the agent's answer
            #  is right: tests/peers/agent_netsnmp.sh walk_v1_*)
            rows.pop()
        expect_rows(f"{mode} walk v{version}", rows, EVERYTHING)
    finally:
        counters = stop_agent(proc)
    #  Walks by GETNEXT: one request per object, and one past the end
    if mode == "next":
        check("counters", "requests=18 get=0 getnext=18 " in counters, True)


CASES = {
    "get": case_get,
    "get_v1_ipv6": case_get_v1,
    "walk_v2c_ipv4": lambda agent: walk_case(agent, 2, False, "next"),
    "walk_v1_ipv6": lambda agent: walk_case(agent, 1, True, "next"),
    "bulkwalk_ipv6": lambda agent: walk_case(agent, 2, True, "bulk"),
}


def main():
    agent, case = sys.argv[1], sys.argv[2]
    if case not in CASES:
        print(f"FAIL: no case {case!r}")
        return 1
    try:
        CASES[case](agent)
    except (Failure, subprocess.TimeoutExpired, StopIteration) as exc:
        print(f"FAIL: {case}: {exc!r}")
        return 1
    print(f"agent_pysnmp {case}: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
