/*  polled_write.c - output that never holds off a stop */
#define _GNU_SOURCE  //  memrchr
#include "polled_write.h"
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int64_t
polled_now_ms (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (int64_t) now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

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
polled_write (int fd, int stop_fd, int64_t deadline, const char **data, size_t *len)
{
    //  Each pass writes at least a byte or waits in poll: no spin
    while (*len) {
        //  Past the deadline, what the descriptor takes at once still goes
        int wait = -1;
        if (deadline >= 0) {
            int64_t left = deadline - polled_now_ms ();
            wait = left <= 0 ? 0 : left < INT_MAX ? (int) left : INT_MAX;
        }
        struct pollfd items[2] = { { .fd = fd, .events = POLLOUT },
                                   { .fd = stop_fd, .events = POLLIN } };
        int rc = poll (items, 2, wait);
        if (rc < 0 && errno != EINTR)
            return -1;
        if (rc > 0 && items[1].revents)
            return POLLED_STOPPED;
        if (rc == 0 && polled_now_ms () >= deadline)  //  rc 0: there is one
            return POLLED_TIMEOUT;
        if (rc <= 0 || !items[0].revents)
            continue;
        //  POLLERR, POLLHUP: the write says what happened
        ssize_t put = write (fd, *data, s_chunk (*data, *len));
        if (put < 0 && errno != EINTR && errno != EAGAIN)
            return -1;
        if (put > 0) {
            *data += put;
            *len -= (size_t) put;
        }
    }
    return 0;
}
