/*  ctx.h - the library's libzmq context and the sockets made in it

    asynrole keeps a libzmq context of its own, made by the first object
    that needs it and terminated when the last one lets go, so that a user's
    zsys_shutdown (or a program that exits without destroying us) never
    waits on our sockets. Every socket is made with libzmq directly:
    zmq_socket fails with EMFILE where CZMQ's constructors would abort.
    Sockets are counted; one still open when the last holder lets go is
    reported as dangling (the suite fails on that word) and the context is
    left alone rather than terminated on a socket in use. */
#ifndef ASYNROLE_CTX_H_INCLUDED
#define ASYNROLE_CTX_H_INCLUDED

#include "asynrole_error.h"
#include <stdbool.h>

//  Take a reference to the context, making it if there is none. Returns 0,
//  or -1 with error filled (ASYNROLE_ERESOURCE, ASYNROLE_ENOMEM).
int ctx_acquire (asynrole_error_t *error);

//  Let go of a reference; the last one terminates the context
void ctx_release (void);

//  A new socket of type in the context (the caller holds a reference), with
//  linger 0, no high-water marks and a send timeout of 0. Every pipe of ours
//  is bounded by what its writers may send, never by libzmq: with a peer
//  connected, a send is never refused; with the peer gone (an actor that
//  ended, a role that closed its end), a send fails with EAGAIN at once
//  instead of waiting for ever. NULL with error filled when libzmq cannot
//  make one.
void *ctx_socket (int type, asynrole_error_t *error);

//  Close a socket made by ctx_socket and null the pointer (NULL is fine)
void ctx_close (void **sock_p);

//  Sockets open now
size_t ctx_sockets (void);

//  A socket's ZMQ_FD, to wait on with poll or epoll instead of zmq_poll
//  (which asks every socket for ZMQ_EVENTS twice a wake-up: two syscalls
//  each). The descriptor is readable when the socket has commands queued,
//  not while messages wait: a reader that stops before a recv has failed
//  with EAGAIN (or a send on the socket, which may take its commands)
//  must look again without waiting. -1 when libzmq refuses.
int ctx_fd (void *sock);

//  Has the socket a message to read now? (ZMQ_EVENTS: takes its commands)
bool ctx_readable (void *sock);

#endif
