/*  rcall.h - a remote class's calls to its actor, and the actor's answers

    Every command on a remote actor's pipe is answered with three frames
    ("isb"): a code (asynrole_code_t), a text (the detail when the code is
    not ASYNROLE_OK), and a blob (what was asked: counters, records). A
    caller waits at most its timeout; an answer that comes after its caller
    gave up is skipped by the next caller. */
#ifndef ASYNROLE_RCALL_H_INCLUDED
#define ASYNROLE_RCALL_H_INCLUDED

#include "actor.h"
#include "asynrole_error.h"
#include <czmq.h>
#include <pthread.h>

typedef struct {
    actor_t *actor;         //  whose pipe
    pthread_mutex_t mutex;  //  one caller at a time on the pipe
    unsigned owed;          //  answers still to come for callers that gave up
} rcall_t;

void rcall_init (rcall_t *self, actor_t *actor);
void rcall_destroy (rcall_t *self);

//  Send request (taken) and wait at most timeout ms for its answer. Returns
//  0 with *blob (a frame, or NULL when the answer has none; the caller
//  destroys it), or -1 with error filled (the actor's, or ETIMEOUT, ...).
int rcall (rcall_t *self, zmsg_t **request_p, const char *command, int timeout, const char *who,
           zframe_t **blob, asynrole_error_t *error);

//  Actor side: a request was read (for ThreadSanitizer)
void rcall_received (void);

//  Actor side: answer the command just read
int rcall_answer (void *pipe, int code, const char *text, const void *blob, size_t size);

#endif
