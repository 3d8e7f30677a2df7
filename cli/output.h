/*  output.h - stdout written so that a signal ends the wait for it (the
    writer and why: polled_write.h; here the stop is a signal on a signalfd) */
#ifndef CLI_OUTPUT_H_INCLUDED
#define CLI_OUTPUT_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include "polled_write.h"

//  output_write's answer when the deadline passed first
#define OUTPUT_TIMEOUT POLLED_TIMEOUT

//  Write len bytes to fd, waiting for it at most until deadline
//  (loop_now_ms's clock; -1: none) and until a signal comes on signal_fd.
//  Chunks end after a newline when one is in reach, so that output cut
//  short ends with a whole line unless a line is longer than PIPE_BUF.
//  Returns 0 once all is written; the signal (consumed) when one came
//  first, the rest dropped; OUTPUT_TIMEOUT; -1 when a write or the poll
//  failed (errno; EPIPE: the reader went away).
int output_write (int fd, int signal_fd, int64_t deadline, const char *data, size_t len);

#endif
