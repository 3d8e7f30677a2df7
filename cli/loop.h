/*  loop.h - the main thread of listen and echo --pipe: events from a
    pipe-mode role's data socket, and the signal descriptor, in one zmq_poll
    with a deadline. The roles run in pipe mode so that everything the
    command does (printing, replying, counting) happens on this one thread. */
#ifndef CLI_LOOP_H_INCLUDED
#define CLI_LOOP_H_INCLUDED

#include "asynrole.h"

//  What a handler tells the loop
typedef enum {
    LOOP_GO = 0,    //  go on
    LOOP_STOP = 1,  //  the command is done
    LOOP_FAIL = 2   //  the command failed (the handler said why)
} loop_verdict_t;

//  Called with each event (the loop destroys it after), and with NULL once
//  the events there were at a wake-up have been handled (to flush output)
typedef loop_verdict_t (loop_fn) (void *ctx, asynrole_event_t *event);

//  How the loop ended
typedef enum {
    LOOP_DONE,     //  the handler said LOOP_STOP
    LOOP_SIGNAL,   //  SIGINT or SIGTERM (*signal says which)
    LOOP_TIMEOUT,  //  timeout_ms passed
    LOOP_FAILED    //  the handler said LOOP_FAIL, or polling failed (said on stderr)
} loop_end_t;

//  Run until one of the ends above; timeout_ms -1 = no deadline
loop_end_t loop_run (void *socket, int signal_fd, int timeout_ms, loop_fn *fn, void *ctx,
                     int *signal);

//  The monotonic clock in ms, for deadlines (here and send's wait)
int64_t loop_now_ms (void);

#endif
