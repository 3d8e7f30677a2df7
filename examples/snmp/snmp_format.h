/*  snmp_format.h - SNMP varbinds as text, the way net-snmp prints them

    Example code, not part of libasynrole. The text is what net-snmp 5.9's
    snmpget / snmpwalk print with -On (numeric OIDs) and otherwise default
    output options, with no MIB loaded (Debian's default: /etc/snmp/snmp.conf
    says "mibs :"), for example:

        .1.3.6.1.2.1.1.5.0 = STRING: "testhost"
        .1.3.6.1.2.1.2.2.1.6.2 = Hex-STRING: A2 24 15 66 49 5C
        .1.3.6.1.2.1.1.3.0 = Timeticks: (18212) 0:03:02.12
        .1.3.6.1.2.1.1.99.0 = No Such Object available on this agent at this OID

    Checked against net-snmp's own output (tests/test_snmp_codec.c holds
    what snmpget printed). The rules, from net-snmp's snmplib/mib.c:
      - OCTET STRING: "" when empty; STRING: "..." when every byte is
        printable ASCII or white space (\ and " escaped with a backslash);
        else Hex-STRING: with each byte as "XX " (a trailing space too),
        16 to a line, lines joined with '\n' (the value spans lines)
      - INTEGER: %d, Counter32 / Gauge32: %u, Counter64: %llu,
        IpAddress: a.b.c.d, OID: .1.3..., NULL: NULL
      - Timeticks: (N) H:MM:SS.cc, with "D day, " / "D days, " in front
        from one day on
      - Opaque: OPAQUE: and its bytes in hex (net-snmp's special Opaque
        floats and 64-bit integers are not decoded; they show as hex)
      - the exceptions: net-snmp's three sentences
*/
#ifndef SNMP_FORMAT_H_INCLUDED
#define SNMP_FORMAT_H_INCLUDED

#include "snmp_msg.h"

//  Every function writes into buf, always NUL-terminated when size > 0,
//  and returns the length of the whole text as snprintf does: the text was
//  cut when that is >= size.

//  The value alone: "STRING: \"text\"", "INTEGER: 72", ...
size_t snmp_value_format (const snmp_value_t *value, char *buf, size_t size);

//  The line snmpget -On prints for a varbind, without the newline:
//  ".1.3.6.1.2.1.1.5.0 = STRING: \"testhost\""
size_t snmp_varbind_format (const snmp_varbind_t *varbind, char *buf, size_t size);

//  net-snmp's text for an error-status (snmp_errstring), as snmpget prints
//  after "Reason: ": "(noSuchName) There is no such variable name in this
//  MIB.", "notWritable (That object does not support modification)", ...;
//  "Unknown Error" outside 0 to 18
const char *snmp_error_status_text (int32_t status);

#endif
