/*  loop.c - events and signals on one thread */
#include "loop.h"
#include "polled_write.h"
#include "report.h"
#include "signals.h"
#include <errno.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

//  Events handled per wake-up at most, so that a signal is seen in a flood
#define LOOP_BATCH 1024

int64_t
loop_now_ms (void)
{
    return polled_now_ms ();
}

//  The events waiting now (at most LOOP_BATCH), then the flush call
static loop_verdict_t
s_batch (void *socket, loop_fn *fn, void *ctx)
{
    loop_verdict_t verdict = LOOP_GO;
    for (int i = 0; i < LOOP_BATCH && verdict == LOOP_GO; i++) {
        asynrole_event_t *event = asynrole_event_recv (socket, 0);
        if (!event)
            break;
        verdict = fn (ctx, event);
        asynrole_event_destroy (&event);
    }
    //  Output is flushed whatever the verdict; its failure wins
    loop_verdict_t flushed = fn (ctx, NULL);
    return flushed == LOOP_FAIL ? LOOP_FAIL : verdict != LOOP_GO ? verdict : flushed;
}

loop_end_t
loop_run (void *socket, int signal_fd, int timeout_ms, loop_fn *fn, void *ctx, int *signal)
{
    int64_t deadline = timeout_ms < 0 ? -1 : loop_now_ms () + timeout_ms;
    *signal = 0;
    for (;;) {
        long wait = -1;
        if (deadline >= 0) {
            wait = (long) (deadline - loop_now_ms ());
            if (wait <= 0)
                return LOOP_TIMEOUT;
        }
        zmq_pollitem_t items[2] = { { .socket = socket, .events = ZMQ_POLLIN },
                                    { .fd = signal_fd, .events = ZMQ_POLLIN } };
        int rc = zmq_poll (items, 2, wait);
        if (rc < 0 && errno != EINTR) {
            report (0, "poll: %s", zmq_strerror (errno));
            return LOOP_FAILED;
        }
        if (rc > 0 && (items[1].revents & ZMQ_POLLIN) && (*signal = signals_take (signal_fd)))
            return LOOP_SIGNAL;
        if (rc > 0 && (items[0].revents & ZMQ_POLLIN)) {
            loop_verdict_t verdict = s_batch (socket, fn, ctx);
            if (verdict != LOOP_GO)
                return verdict == LOOP_STOP ? LOOP_DONE : LOOP_FAILED;
        }
    }
}
