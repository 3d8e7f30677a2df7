/*  output.h - stdout written so that a signal ends the wait for it

    A write(2) to a pipe whose reader has stopped reading waits until the
    reader reads again, and a signal read from a signalfd cannot end that
    wait. So output goes out in chunks of at most PIPE_BUF bytes, each
    written once poll says the descriptor takes it (a pipe then takes the
    whole chunk at once), in the same poll that waits for the signal. The
    descriptor stays blocking: stdout is shared with other processes, and
    O_NONBLOCK would change it for them too. */
#ifndef CLI_OUTPUT_H_INCLUDED
#define CLI_OUTPUT_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

//  output_write's answer when the deadline passed first
#define OUTPUT_TIMEOUT (-2)

//  Write len bytes to fd, waiting for it at most until deadline
//  (loop_now_ms's clock; -1: none) and until a signal comes on signal_fd.
//  Chunks end after a newline when one is in reach, so that output cut
//  short ends with a whole line unless a line is longer than PIPE_BUF.
//  Returns 0 once all is written; the signal (consumed) when one came
//  first, the rest dropped; OUTPUT_TIMEOUT; -1 when a write or the poll
//  failed (errno; EPIPE: the reader went away).
int output_write (int fd, int signal_fd, int64_t deadline, const char *data, size_t len);

#endif
