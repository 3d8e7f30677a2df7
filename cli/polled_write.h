/*  polled_write.h - output that never holds off a stop: the one writer
    behind the CLI's stdout (output.h) and the SNMP examples' (snmp_cli.h)

    A write(2) to a pipe whose reader has stopped reading waits until the
    reader reads again, and a signal read from a signalfd cannot end that
    wait. So output goes out in chunks of at most PIPE_BUF bytes, each
    written once poll says the descriptor takes it (a pipe then takes the
    whole chunk at once), in the same poll that waits for a stop. The
    descriptor stays blocking: stdout is shared with other processes, and
    O_NONBLOCK would change it for them too. Plain C and POSIX, no
    asynrole: the examples compile this file in as it is. */
#ifndef POLLED_WRITE_H_INCLUDED
#define POLLED_WRITE_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

//  polled_write's answers besides 0 (all written) and -1 (errno)
#define POLLED_STOPPED 1     //  stop_fd became readable (it is not read)
#define POLLED_TIMEOUT (-2)  //  the deadline passed first

//  Milliseconds on CLOCK_MONOTONIC: the clock of every deadline here
int64_t polled_now_ms (void);

//  Write *len bytes from *data to fd, waiting at most until deadline
//  (polled_now_ms's clock; -1: none) and until stop_fd is readable (-1:
//  none). Chunks end after a newline when one is in reach, so that output
//  cut short ends with a whole line unless a line is longer than PIPE_BUF.
//  *data and *len advance past what was written, so a caller may go on
//  after a stop it does not take. Returns 0, POLLED_STOPPED, POLLED_TIMEOUT,
//  or -1 when a write or the poll failed (errno; EPIPE: the reader left).
int polled_write (int fd, int stop_fd, int64_t deadline, const char **data, size_t *len);

#endif
