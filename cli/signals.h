/*  signals.h - Ctrl-C (SIGINT) and SIGTERM as a descriptor to wait on

    signals_open blocks both in the calling thread before any other thread
    starts, so that every thread the library starts inherits the block, and
    reads them from a signalfd: no handler runs, so no code is limited to
    what is async-signal-safe, and no handler installed by anyone else
    (CZMQ's zsys_init installs one; the library never calls it) can take
    them. SIGPIPE is ignored: a closed output is an error to report, not a
    death. */
#ifndef CLI_SIGNALS_H_INCLUDED
#define CLI_SIGNALS_H_INCLUDED

//  Block SIGINT and SIGTERM and return a descriptor that becomes readable
//  when one arrives; -1 (errno) on failure
int signals_open (void);

//  The signal waiting on fd (consumed), 0 when none is
int signals_take (int fd);

//  Wait at most timeout_ms (-1: until something happens) for a signal on
//  signal_fd or for other_fd (-1: none) to become readable. Returns the
//  signal, 0 when other_fd is readable, -1 when the time passed, -2 on a
//  failure of poll (errno).
int signals_wait (int signal_fd, int other_fd, int timeout_ms);

//  The signal's name: "SIGINT", "SIGTERM"
const char *signals_name (int signal);

#endif
