/*  error_fill.c - filling asynrole_error_t inside the library */
#include "error_fill.h"
#include "bounds.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>

static int
s_vset (asynrole_error_t *error, asynrole_code_t code, asynrole_op_t op, int sys_errno,
        const char *format, va_list args)
{
    if (!error)
        return -1;
    memset (error, 0, sizeof *error);
    error->code = code;
    error->op = op;
    error->sys_errno = sys_errno;
    vsnprintf (error->detail, sizeof error->detail, format, args);
    return -1;
}

int
error_set (asynrole_error_t *error, asynrole_code_t code, asynrole_op_t op, int sys_errno,
           const char *format, ...)
{
    va_list args;
    va_start (args, format);
    s_vset (error, code, op, sys_errno, format, args);
    va_end (args);
    return -1;
}

int
error_badarg (asynrole_error_t *error, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    s_vset (error, ASYNROLE_EBADARG, ASYNROLE_OP_NONE, 0, format, args);
    va_end (args);
    return -1;
}

int
error_network (asynrole_error_t *error, asynrole_op_t op, int sys_errno,
               const asynrole_addr_t *address)
{
    if (!error)
        return -1;
    memset (error, 0, sizeof *error);
    if (sys_errno == EMFILE || sys_errno == ENFILE)
        error->code = ASYNROLE_ERESOURCE;
    else if (sys_errno == ENOMEM)
        error->code = ASYNROLE_ENOMEM;
    else
        error->code = ASYNROLE_ENETWORK;
    error->op = op;
    error->sys_errno = sys_errno;
    if (address)
        error->address = *address;
    error_describe (error);
    return -1;
}

int
error_nomem (asynrole_error_t *error, const char *what)
{
    return error_set (error, ASYNROLE_ENOMEM, ASYNROLE_OP_NONE, ENOMEM, "out of memory: %s", what);
}

int
error_zmq (asynrole_error_t *error, int sys_errno, const char *what)
{
    asynrole_code_t code = ASYNROLE_EINTERNAL;
    if (sys_errno == EMFILE || sys_errno == ENFILE)
        code = ASYNROLE_ERESOURCE;
    else if (sys_errno == ENOMEM)
        code = ASYNROLE_ENOMEM;
    return error_set (error, code, ASYNROLE_OP_PIPE, sys_errno, "%s: %s", strerror (sys_errno),
                      what);
}

void
error_describe (asynrole_error_t *error)
{
    char text[ASYNROLE_ADDR_STRLEN];
    asynrole_addr_format (&error->address, text, sizeof text);
    bool filter = error->op == ASYNROLE_OP_FILTER || error->op == ASYNROLE_OP_RATE_LIMIT;
    if (error->code == ASYNROLE_EDROPPED && filter)
        snprintf (error->detail, sizeof error->detail, "the %s dropped %llu datagrams to %s",
                  error->op == ASYNROLE_OP_FILTER ? "source filter" : "per-source rate limit",
                  (unsigned long long) error->count, text);
    else if (error->code == ASYNROLE_EDROPPED && error->lost_errors)
        snprintf (error->detail, sizeof error->detail,
                  "the role held its max_bytes: %llu datagrams and %llu error events of %s "
                  "dropped",
                  (unsigned long long) error->count, (unsigned long long) error->lost_errors, text);
    else if (error->code == ASYNROLE_EDROPPED)
        snprintf (error->detail, sizeof error->detail,
                  "the role held its max_bytes: %llu datagrams to %s dropped",
                  (unsigned long long) error->count, text);
    else if (error->op == ASYNROLE_OP_INTERFACE && error->code == ASYNROLE_OK)
        snprintf (error->detail, sizeof error->detail, "serving again: %s is bound again", text);
    else if (error->op == ASYNROLE_OP_INTERFACE)
        snprintf (error->detail, sizeof error->detail,
                  "%s: %s closed (%llu sends waiting for room failed with it)",
                  strerror (error->sys_errno), text, (unsigned long long) error->count);
    else if (error->op == ASYNROLE_OP_ICMP)
        snprintf (error->detail, sizeof error->detail, "%s: icmp for a datagram sent to %s",
                  strerror (error->sys_errno), text);
    else if (error->address.len)
        snprintf (error->detail, sizeof error->detail, "%s: %s %s", strerror (error->sys_errno),
                  asynrole_op_name (error->op), text);
    else
        snprintf (error->detail, sizeof error->detail, "%s: %s", strerror (error->sys_errno),
                  asynrole_op_name (error->op));
}

const char *
error_quote (const char *text, char *buf, size_t size)
{
    if (!text) {
        snprintf (buf, size, "(null)");
        return buf;
    }
    //  What a log line or a detail shows of it: printable characters only
    size_t length = strlen (text);
    char shown[LIMIT_QUOTE + 1];
    size_t count = length < LIMIT_QUOTE ? length : LIMIT_QUOTE;
    for (size_t i = 0; i < count; i++)
        shown[i] = text[i] >= 32 && text[i] < 127 ? text[i] : '?';
    shown[count] = 0;
    if (length <= LIMIT_QUOTE)
        snprintf (buf, size, "'%s'", shown);
    else
        snprintf (buf, size, "'%s...' (%zu characters)", shown, length);
    return buf;
}
