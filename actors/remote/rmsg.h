/*  rmsg.h - moving remote messages on ROUTER and DEALER sockets without
    ever waiting: every send and receive is ZMQ_DONTWAIT */
#ifndef ASYNROLE_RMSG_H_INCLUDED
#define ASYNROLE_RMSG_H_INCLUDED

#include <czmq.h>

//  Send msg's frames, after a routing id when id is not NULL (ROUTER).
//  Returns 0 with *msg_p destroyed and nulled, or -1 with errno set
//  (EHOSTUNREACH: no such peer on a ZMQ_ROUTER_MANDATORY ROUTER; EAGAIN)
//  and *msg_p left to the caller.
int rmsg_send (void *sock, const void *id, size_t id_size, zmsg_t **msg_p);

//  The next whole message, or NULL when none is there (or out of memory:
//  the message is then read and dropped)
zmsg_t *rmsg_recv_nowait (void *sock);

#endif
