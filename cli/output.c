/*  output.c - stdout written so that a signal ends the wait for it */
#include "output.h"
#include "polled_write.h"
#include "signals.h"
#include <stdbool.h>

int
output_write (int fd, int signal_fd, int64_t deadline, const char *data, size_t len)
{
    //  A readable signalfd that yields no signal (another reader took it)
    //  is no stop: the rest goes on
    while (true) {
        int rc = polled_write (fd, signal_fd, deadline, &data, &len);
        if (rc != POLLED_STOPPED)
            return rc;
        int signal = signals_take (signal_fd);
        if (signal)
            return signal;
    }
}
