/*  output.c - stdout written so that a signal ends the wait for it */
#define _GNU_SOURCE  //  memrchr
#include "output.h"
#include "loop.h"
#include "signals.h"
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

//  The next chunk: all that is left when it fits in PIPE_BUF, else up to
//  the last newline within PIPE_BUF, else PIPE_BUF
static size_t
s_chunk (const char *data, size_t len)
{
    if (len <= PIPE_BUF)
        return len;
    const char *newline = memrchr (data, '\n', PIPE_BUF);
    return newline ? (size_t) (newline - data) + 1 : PIPE_BUF;
}

int
output_write (int fd, int signal_fd, int64_t deadline, const char *data, size_t len)
{
    //  Each pass writes at least a byte or waits in poll: no spin
    while (len) {
        //  Past the deadline, what the descriptor takes at once still goes
        int wait = -1;
        if (deadline >= 0) {
            int64_t left = deadline - loop_now_ms ();
            wait = left <= 0 ? 0 : left < INT_MAX ? (int) left : INT_MAX;
        }
        struct pollfd items[2] = { { .fd = fd, .events = POLLOUT },
                                   { .fd = signal_fd, .events = POLLIN } };
        int rc = poll (items, 2, wait);
        if (rc < 0 && errno != EINTR)
            return -1;
        int signal = rc > 0 && items[1].revents ? signals_take (signal_fd) : 0;
        if (signal)
            return signal;
        if (rc == 0 && loop_now_ms () >= deadline)  //  rc 0: there is one
            return OUTPUT_TIMEOUT;
        if (rc <= 0 || !items[0].revents)
            continue;
        //  POLLERR, POLLHUP: the write says what happened
        ssize_t put = write (fd, data, s_chunk (data, len));
        if (put < 0 && errno != EINTR && errno != EAGAIN)
            return -1;
        if (put > 0) {
            data += put;
            len -= (size_t) put;
        }
    }
    return 0;
}
