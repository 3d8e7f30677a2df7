/*  asynrole_error.c - names for error codes and operations */
#include "asynrole_error.h"
#include "error_fill.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *
asynrole_strerror (asynrole_code_t code)
{
    switch (code) {
        case ASYNROLE_OK: return "no error";
        case ASYNROLE_EBADARG: return "bad argument";
        case ASYNROLE_ENETWORK: return "network error";
        case ASYNROLE_ENORESPONSE: return "no response";
        case ASYNROLE_EIDLE: return "idle timeout";
        case ASYNROLE_EDROPPED: return "datagrams dropped";
    }
    return "unknown error";
}

const char *
asynrole_op_name (asynrole_op_t op)
{
    switch (op) {
        case ASYNROLE_OP_NONE: return "none";
        case ASYNROLE_OP_SOCKET: return "socket";
        case ASYNROLE_OP_SETSOCKOPT: return "setsockopt";
        case ASYNROLE_OP_BIND: return "bind";
        case ASYNROLE_OP_CONNECT: return "connect";
        case ASYNROLE_OP_SEND: return "send";
        case ASYNROLE_OP_RECV: return "recv";
        case ASYNROLE_OP_CLOSE: return "close";
        case ASYNROLE_OP_RESOLVE: return "resolve";
        case ASYNROLE_OP_ICMP: return "icmp";
        case ASYNROLE_OP_QUEUE: return "queue";
    }
    return "unknown";
}

bool
asynrole_error_is_network (const asynrole_error_t *error)
{
    return error
        && (error->code == ASYNROLE_ENETWORK || error->code == ASYNROLE_ENORESPONSE
            || error->code == ASYNROLE_EIDLE);
}

void
error_clear (asynrole_error_t *error)
{
    if (error)
        memset (error, 0, sizeof *error);
}

int
error_badarg (asynrole_error_t *error, const char *format, ...)
{
    if (error) {
        memset (error, 0, sizeof *error);
        error->code = ASYNROLE_EBADARG;
        va_list args;
        va_start (args, format);
        vsnprintf (error->detail, sizeof error->detail, format, args);
        va_end (args);
    }
    return -1;
}

int
error_network (asynrole_error_t *error, asynrole_op_t op, int sys_errno,
               const asynrole_addr_t *address)
{
    if (error) {
        memset (error, 0, sizeof *error);
        error->code = ASYNROLE_ENETWORK;
        error->op = op;
        error->sys_errno = sys_errno;
        if (address)
            error->address = *address;
        error_describe (error);
    }
    return -1;
}

void
error_describe (asynrole_error_t *error)
{
    char text[ASYNROLE_ADDR_STRLEN];
    asynrole_addr_format (&error->address, text, sizeof text);
    if (error->code == ASYNROLE_EDROPPED && error->lost_errors)
        snprintf (error->detail, sizeof error->detail,
                  "%llu datagrams and %llu error events of %s dropped: the role's queue was full",
                  (unsigned long long) error->count, (unsigned long long) error->lost_errors, text);
    else if (error->code == ASYNROLE_EDROPPED)
        snprintf (error->detail, sizeof error->detail,
                  "%llu datagrams to %s dropped: the role's queue was full",
                  (unsigned long long) error->count, text);
    else if (error->op == ASYNROLE_OP_ICMP)
        snprintf (error->detail, sizeof error->detail, "icmp: a datagram sent to %s: %s", text,
                  strerror (error->sys_errno));
    else if (error->address.len)
        snprintf (error->detail, sizeof error->detail, "%s %s: %s", asynrole_op_name (error->op),
                  text, strerror (error->sys_errno));
    else
        snprintf (error->detail, sizeof error->detail, "%s: %s", asynrole_op_name (error->op),
                  strerror (error->sys_errno));
}
