/*  snmp_format.c - varbinds as net-snmp prints them (see snmp_format.h)
*/
#include "snmp_format.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

//  Text written so far: kept up to size - 1 characters, counted in full
typedef struct {
    char *buf;
    size_t size;
    size_t len;
} s_out_t;

static void
s_out_init (s_out_t *out, char *buf, size_t size)
{
    out->buf = buf;
    out->size = buf ? size : 0;
    out->len = 0;
    if (out->size > 0)
        buf[0] = '\0';
}

static void
s_put (s_out_t *out, const char *text, size_t n)
{
    //  Room for what fits before the terminating NUL
    size_t room = out->len + 1 < out->size ? out->size - 1 - out->len : 0;
    size_t copy = n < room ? n : room;
    if (copy) {
        memcpy (out->buf + out->len, text, copy);
        out->buf[out->len + copy] = '\0';
    }
    out->len += n;
}

static void
s_puts (s_out_t *out, const char *text)
{
    s_put (out, text, strlen (text));
}

static void __attribute__ ((format (printf, 2, 3))) s_printf (s_out_t *out, const char *format, ...)
{
    char text[64];  //  numbers and short words only
    va_list args;
    va_start (args, format);
    int n = vsnprintf (text, sizeof text, format, args);
    va_end (args);
    if (n > 0)
        s_put (out, text, (size_t) n < sizeof text ? (size_t) n : sizeof text - 1);
}

//  isprint () || isspace () in the C locale, as net-snmp's guess uses
static bool
s_is_text (uint8_t c)
{
    return (c >= 0x20 && c < 0x7f) || (c >= 0x09 && c <= 0x0d);
}

//  net-snmp 5.9's sprint_realloc_hexstring: "XX " per byte, 16 to a line,
//  a newline between lines
static void
s_hex (s_out_t *out, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && i % 16 == 0)
            s_puts (out, "\n");
        const char *digits = "0123456789ABCDEF";
        const char text[3] = { digits[data[i] >> 4], digits[data[i] & 15], ' ' };
        s_put (out, text, 3);
    }
}

static void
s_octet_string (s_out_t *out, const uint8_t *data, size_t len)
{
    if (len == 0) {
        s_puts (out, "\"\"");
        return;
    }
    bool text = true;
    for (size_t i = 0; i < len; i++)
        text = text && s_is_text (data[i]);
    if (!text) {
        s_puts (out, "Hex-STRING: ");
        s_hex (out, data, len);
        return;
    }
    s_puts (out, "STRING: \"");
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\\' || data[i] == '"')
            s_puts (out, "\\");
        s_put (out, (const char *) data + i, 1);
    }
    s_puts (out, "\"");
}

//  net-snmp's uptimeString
static void
s_timeticks (s_out_t *out, uint32_t ticks)
{
    uint32_t centis = ticks % 100, seconds = ticks / 100;
    uint32_t days = seconds / 86400, hours = seconds / 3600 % 24;
    uint32_t minutes = seconds / 60 % 60;
    s_printf (out, "Timeticks: (%" PRIu32 ") ", ticks);
    if (days == 1)
        s_puts (out, "1 day, ");
    else if (days > 1)
        s_printf (out, "%" PRIu32 " days, ", days);
    s_printf (out, "%" PRIu32 ":%02" PRIu32 ":%02" PRIu32 ".%02" PRIu32, hours, minutes,
              seconds % 60, centis);
}

static void
s_oid (s_out_t *out, const snmp_oid_t *oid)
{
    char text[SNMP_OID_TEXT_MAX];
    size_t n = snmp_oid_format (oid, text, sizeof text);
    s_put (out, text, n < sizeof text ? n : sizeof text - 1);
}

static void
s_value (s_out_t *out, const snmp_value_t *value)
{
    const uint8_t *ip = value->u.ip;
    switch (value->type) {
        case SNMP_TYPE_INTEGER: s_printf (out, "INTEGER: %" PRId64, value->u.integer); break;
        case SNMP_TYPE_OCTET_STRING:
            s_octet_string (out, value->u.string.data, value->u.string.len);
            break;
        case SNMP_TYPE_NULL: s_puts (out, "NULL"); break;
        case SNMP_TYPE_OID:
            s_puts (out, "OID: ");
            s_oid (out, &value->u.oid);
            break;
        case SNMP_TYPE_IPADDRESS:
            s_printf (out, "IpAddress: %u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
            break;
        case SNMP_TYPE_COUNTER32: s_printf (out, "Counter32: %" PRIu32, value->u.unsigned32); break;
        case SNMP_TYPE_GAUGE32: s_printf (out, "Gauge32: %" PRIu32, value->u.unsigned32); break;
        case SNMP_TYPE_TIMETICKS: s_timeticks (out, value->u.unsigned32); break;
        case SNMP_TYPE_OPAQUE:
            s_puts (out, "OPAQUE: ");
            s_hex (out, value->u.string.data, value->u.string.len);
            break;
        case SNMP_TYPE_COUNTER64: s_printf (out, "Counter64: %" PRIu64, value->u.counter64); break;
        case SNMP_TYPE_NO_SUCH_OBJECT:
            s_puts (out, "No Such Object available on this agent at this OID");
            break;
        case SNMP_TYPE_NO_SUCH_INSTANCE:
            s_puts (out, "No Such Instance currently exists at this OID");
            break;
        case SNMP_TYPE_END_OF_MIB_VIEW:
            s_puts (out,
                    "No more variables left in this MIB View (It is past the end of the "
                    "MIB tree)");
            break;
        default: s_printf (out, "Unknown type 0x%02X", (unsigned) value->type);
    }
}

size_t
snmp_value_format (const snmp_value_t *value, char *buf, size_t size)
{
    s_out_t out;
    s_out_init (&out, buf, size);
    if (value)
        s_value (&out, value);
    return out.len;
}

size_t
snmp_varbind_format (const snmp_varbind_t *varbind, char *buf, size_t size)
{
    s_out_t out;
    s_out_init (&out, buf, size);
    if (varbind) {
        s_oid (&out, &varbind->name);
        s_puts (&out, " = ");
        s_value (&out, &varbind->value);
    }
    return out.len;
}

const char *
snmp_error_status_text (int32_t status)
{
    //  net-snmp 5.9's error_string[] (snmplib/snmp_api.c), in error-status order
    static const char *texts[] = {
        "(noError) No Error",
        "(tooBig) Response message would have been too large.",
        "(noSuchName) There is no such variable name in this MIB.",
        "(badValue) The value given has the wrong type or length.",
        "(readOnly) The two parties used do not have access to use the specified SNMP PDU.",
        "(genError) A general failure occured",
        "noAccess",
        "wrongType (The set datatype does not match the data type the agent expects)",
        "wrongLength (The set value has an illegal length from what the agent expects)",
        "wrongEncoding",
        "wrongValue (The set value is illegal or unsupported in some way)",
        ("noCreation (That table does not support row creation or that object can not ever be "
         "created)"),
        "inconsistentValue (The set value is illegal or unsupported in some way)",
        "resourceUnavailable (This is likely a out-of-memory failure within the agent)",
        "commitFailed",
        "undoFailed",
        "authorizationError (access denied to that object)",
        "notWritable (That object does not support modification)",
        "inconsistentName (That object can not currently be created)",
    };
    if (status < 0 || (size_t) status >= sizeof texts / sizeof texts[0])
        return "Unknown Error";
    return texts[status];
}
