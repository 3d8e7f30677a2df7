/*  asynrole_error.c - names for error codes and operations */
#include "asynrole_error.h"

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
        case ASYNROLE_ETIMEOUT: return "no answer in time";
        case ASYNROLE_EWOULDBLOCK: return "send queue full";
        case ASYNROLE_ENOMEM: return "out of memory";
        case ASYNROLE_ERESOURCE: return "out of resources";
        case ASYNROLE_EINTERNAL: return "internal error";
        case ASYNROLE_ECLOSED: return "closed";
        case ASYNROLE_ECANCELLED: return "cancelled";
        case ASYNROLE_EDISCONNECTED: return "disconnected";
        case ASYNROLE_EPROTOCOL: return "protocol error";
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
        case ASYNROLE_OP_CONTROL: return "control";
        case ASYNROLE_OP_THREAD: return "thread";
        case ASYNROLE_OP_PIPE: return "pipe";
        case ASYNROLE_OP_FILTER: return "source filter";
        case ASYNROLE_OP_RATE_LIMIT: return "rate limit";
        case ASYNROLE_OP_CAPTURE: return "capture";
        case ASYNROLE_OP_ADOPT: return "adopt";
        case ASYNROLE_OP_DEVICE: return "bind to device";
        case ASYNROLE_OP_INTERFACE: return "interface";
        case ASYNROLE_OP_REMOTE: return "remote";
        case ASYNROLE_OP_WORKER: return "worker";
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
