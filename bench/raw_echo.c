/*  raw_echo.c - raw-echo: the plain C UDP servers asynrole is measured against

    raw-echo --listen HOST:PORT --mode single|mmsg|sink [--rcvbuf BYTES] [--hold N]

    single: one recvfrom + one sendto per datagram; mmsg: recvmmsg/sendmmsg,
    64 per call; sink: counts only, and the kernel's drops (SO_RXQ_OVFL).
    --hold N collects N datagrams, then answers them all (single and mmsg).
    First stdout line "listening on HOST:PORT"; serves until SIGINT/SIGTERM
    (a signalfd, polled with the socket), then prints "received=N sent=N"
    (sink: "received=N kernel_dropped=N", the drops SO_RXQ_OVFL reported, or
    more if /proc/net/udp counts more by the end). Exit 0 after a signal, 1 when it
    cannot start, 2 for bad arguments.
*/
#define _GNU_SOURCE
#include "raw_echo.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

static const char s_usage[] =
    "usage: raw-echo --listen HOST:PORT --mode single|mmsg|sink [--rcvbuf BYTES] [--hold N]\n"
    "  --listen HOST:PORT  127.0.0.1:0 or [::1]:0 for a free port\n"
    "  --mode single       one recvfrom + one sendto per datagram\n"
    "  --mode mmsg         recvmmsg / sendmmsg, 64 datagrams per call\n"
    "  --mode sink         counts datagrams and the kernel's drops, answers none\n"
    "  --rcvbuf BYTES      receive buffer (SO_RCVBUFFORCE, else SO_RCVBUF)\n"
    "  --hold N            collect N datagrams, then answer them all (single, mmsg)\n"
    "Prints \"listening on HOST:PORT\", serves until SIGINT or SIGTERM, then its counts.\n";

static int
s_bad (const char *what, const char *value)
{
    fprintf (stderr, "raw-echo: %s '%s' (see --help)\n", what, value);
    return 2;
}

static int
s_option (raw_echo_t *self, const char *name, const char *value)
{
    uint64_t v;
    if (strcmp (name, "--listen") == 0)
        return bench_addr_parse (value, &self->listen) ? 0 : s_bad ("bad --listen", value);
    if (strcmp (name, "--rcvbuf") == 0) {
        if (!bench_parse_u64 (value, 1024, 1u << 30, &v))
            return s_bad ("--rcvbuf is not 1024 to 1073741824:", value);
        self->rcvbuf = (int) v;
        return 0;
    }
    if (strcmp (name, "--hold") == 0)
        return bench_parse_u64 (value, 1, 100000000, &self->hold) ? 0 : s_bad ("bad --hold", value);
    if (strcmp (value, "single") == 0)
        self->mode = RAW_SINGLE;
    else if (strcmp (value, "mmsg") == 0)
        self->mode = RAW_MMSG;
    else if (strcmp (value, "sink") == 0)
        self->mode = RAW_SINK;
    else
        return s_bad ("--mode is not single, mmsg or sink:", value);
    return 0;
}

//  0: run; 1: --help shown; 2: bad arguments
static int
s_args (raw_echo_t *self, int argc, char **argv)
{
    bool listen = false, mode = false;
    for (int i = 1; i < argc; i += 2) {  //  an option and its value
        if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0) {
            fputs (s_usage, stdout);
            return 1;
        }
        if (strcmp (argv[i], "--listen") && strcmp (argv[i], "--mode")
            && strcmp (argv[i], "--rcvbuf") && strcmp (argv[i], "--hold"))
            return s_bad ("unknown argument", argv[i]);
        if (i + 1 >= argc)
            return s_bad ("a value is missing after", argv[i]);
        int rc = s_option (self, argv[i], argv[i + 1]);
        if (rc)
            return rc;
        listen = listen || strcmp (argv[i], "--listen") == 0;
        mode = mode || strcmp (argv[i], "--mode") == 0;
    }
    if (!listen || !mode) {
        fprintf (stderr, "raw-echo: --listen and --mode are needed (see --help)\n");
        return 2;
    }
    if (self->hold && self->mode == RAW_SINK) {
        fprintf (stderr, "raw-echo: --hold answers datagrams; a sink answers none\n");
        return 2;
    }
    return 0;
}

//  SIGINT and SIGTERM blocked and read from a descriptor: no handler, no race
static int
s_signals (void)
{
    sigset_t set;
    sigemptyset (&set);
    sigaddset (&set, SIGINT);
    sigaddset (&set, SIGTERM);
    if (sigprocmask (SIG_BLOCK, &set, NULL))
        return -1;
    return signalfd (-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static int
s_open (raw_echo_t *self)
{
    self->fd = socket (self->listen.sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (self->fd < 0
        || bind (self->fd, (const struct sockaddr *) &self->listen.sa, self->listen.len)) {
        fprintf (stderr, "raw-echo: cannot bind: %s\n", strerror (errno));
        return -1;
    }
    int on = 1;
    if (self->mode == RAW_SINK && setsockopt (self->fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on)) {
        fprintf (stderr, "raw-echo: SO_RXQ_OVFL: %s\n", strerror (errno));
        return -1;
    }
    if (self->rcvbuf)
        bench_rcvbuf (self->fd, self->rcvbuf);
    self->buffers = malloc ((size_t) RAW_BATCH * RAW_MAX_SIZE);
    if (!self->buffers) {
        fprintf (stderr, "raw-echo: out of memory\n");
        return -1;
    }
    char where[80];
    bench_addr_local (self->fd, where, sizeof where);
    printf ("listening on %s\n", where);
    fflush (stdout);
    return 0;
}

//  The socket's drop count in /proc/net/udp or udp6 (the line with its
//  inode): the drops after the last datagram read, which SO_RXQ_OVFL cannot tell
static void
s_final_drops (raw_echo_t *self)
{
    struct stat st;
    if (fstat (self->fd, &st))
        return;
    const char *path = self->listen.sa.ss_family == AF_INET6 ? "/proc/net/udp6" : "/proc/net/udp";
    FILE *file = fopen (path, "r");
    if (!file)
        return;
    char line[512];
    while (fgets (line, sizeof line, file)) {
        unsigned long long inode, drops;
        //  sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
        if (sscanf (line, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %llu %*s %*s %llu", &inode, &drops)
                == 2
            && inode == (unsigned long long) st.st_ino && drops > self->dropped)
            self->dropped = drops;
    }
    fclose (file);
}

//  Serve until a signal; a last read counts what the sink still holds
static void
s_serve (raw_echo_t *self, int signal_fd)
{
    struct pollfd items[2] = { { .fd = self->fd, .events = POLLIN },
                               { .fd = signal_fd, .events = POLLIN } };
    while (true) {
        int rc = poll (items, 2, 1000);
        if (rc < 0 && errno != EINTR)
            break;
        if (rc > 0 && (items[1].revents & POLLIN))
            break;
        if (rc > 0 && (items[0].revents & (POLLIN | POLLERR)))
            raw_echo_serve (self);
    }
    if (self->mode == RAW_SINK) {
        raw_echo_serve (self);
        s_final_drops (self);
    }
}

int
main (int argc, char **argv)
{
    static raw_echo_t self;
    int rc = s_args (&self, argc, argv);
    if (rc)
        return rc == 1 ? 0 : 2;
    int signal_fd = s_signals ();
    if (signal_fd < 0) {
        perror ("raw-echo: signalfd");
        return 1;
    }
    rc = 1;
    if (s_open (&self) == 0) {
        s_serve (&self, signal_fd);
        if (self.mode == RAW_SINK)
            printf ("received=%llu kernel_dropped=%llu\n", (unsigned long long) self.received,
                    (unsigned long long) self.dropped);
        else
            printf ("received=%llu sent=%llu\n", (unsigned long long) self.received,
                    (unsigned long long) self.sent);
        rc = 0;
    }
    if (self.fd >= 0)
        close (self.fd);
    close (signal_fd);
    raw_echo_free (&self);
    return rc;
}
