/*  workers_load.c - the sender, the handler's burn, CPU readings, the raw
    receivers and child processes of asynrole-workers-bench */
#define _GNU_SOURCE
#include "workers_load.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define WL_BATCH 16  //  datagrams per sendmmsg, on one source socket

//  ------------------------------------------------------------------
//  The sender

static void
s_close_all (int *fds, long count)
{
    for (long i = 0; i < count; i++)
        if (fds[i] >= 0)
            close (fds[i]);
}

//  Send what is due, a batch at a time, each batch from the next source
//  socket; bounded by max_seconds
static void
s_pace (wl_sender_t *self, int *fds)
{
    uint8_t payload[WL_DATAGRAM_SIZE];
    memset (payload, 0x5a, sizeof payload);
    struct iovec iov = { .iov_base = payload, .iov_len = sizeof payload };
    struct mmsghdr msgs[WL_BATCH];
    memset (msgs, 0, sizeof msgs);
    for (size_t i = 0; i < WL_BATCH; i++)
        msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1 };
    double rate = (double) self->rate;
    int64_t start = bench_now_us ();
    int64_t deadline = start + (int64_t) (self->max_seconds * 1e6);
    long next = 0;
    for (int64_t now = start; !atomic_load (&self->stop) && now < deadline; now = bench_now_us ()) {
        uint64_t due = (uint64_t) ((double) (now - start) * rate / 1e6);
        if (due <= self->sent) {
            bench_sleep_until (start + (int64_t) ((double) (self->sent + WL_BATCH) * 1e6 / rate));
            continue;
        }
        unsigned n = due - self->sent < WL_BATCH ? (unsigned) (due - self->sent) : WL_BATCH;
        int sent = sendmmsg (fds[next], msgs, n, 0);
        next = (next + 1) % self->flows;
        if (sent > 0)
            self->sent += (uint64_t) sent;
        else if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)
            self->retries++;
        else {
            self->error = errno;
            break;
        }
    }
}

static void *
s_sender (void *arg)
{
    wl_sender_t *self = (wl_sender_t *) arg;
    prctl (PR_SET_NAME, "bench-sender");
    int fds[WL_MAX_FLOWS];
    for (long i = 0; i < self->flows; i++)
        fds[i] = -1;
    for (long i = 0; i < self->flows && !self->error; i++) {
        fds[i] = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fds[i] < 0 || connect (fds[i], (struct sockaddr *) &self->to, sizeof self->to))
            self->error = errno;
    }
    if (!self->error)
        s_pace (self, fds);
    s_close_all (fds, self->flows);
    return NULL;
}

bool
wl_sender_start (wl_sender_t *self)
{
    if (self->flows < 1 || self->flows > WL_MAX_FLOWS || self->rate < 1) {
        errno = EINVAL;
        return false;
    }
    atomic_store (&self->stop, false);
    int rc = pthread_create (&self->thread, NULL, s_sender, self);
    if (rc)
        errno = rc;
    return rc == 0;
}

bool
wl_sender_stop (wl_sender_t *self)
{
    atomic_store (&self->stop, true);
    int rc = pthread_join (self->thread, NULL);
    return rc == 0 && self->error == 0;
}

//  ------------------------------------------------------------------
//  The handler's cost

static int64_t
s_thread_cpu_ns (void)
{
    struct timespec now;
    clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
    return (int64_t) now.tv_sec * 1000000000 + now.tv_nsec;
}

void
wl_burn (double cost_us)
{
    if (cost_us <= 0)
        return;
    int64_t end = s_thread_cpu_ns () + (int64_t) (cost_us * 1000);
    //  Bounded: each look at the clock takes CPU time
    for (long i = 0; i < 100000000 && s_thread_cpu_ns () < end; i++)
        ;
}

//  ------------------------------------------------------------------
//  CPU time

//  The first field of a task's schedstat: its run time in ns
static bool
s_read_ns (const char *path, uint64_t *ns)
{
    FILE *file = fopen (path, "r");
    if (!file)
        return false;
    unsigned long long value = 0;
    bool ok = fscanf (file, "%llu", &value) == 1;
    fclose (file);
    *ns = value;
    return ok;
}

static void
s_read_comm (const char *path, char *comm, size_t size)
{
    comm[0] = 0;
    FILE *file = fopen (path, "r");
    if (!file)
        return;
    if (fgets (comm, (int) size, file))
        comm[strcspn (comm, "\n")] = 0;
    fclose (file);
}

//  Add a thread's CPU to its group (the sender and the controller: none)
static void
s_add_task (wl_cpu_t *cpu, const char *tid)
{
    char path[128], comm[32];
    uint64_t ns = 0;
    snprintf (path, sizeof path, "/proc/self/task/%.16s/schedstat", tid);
    if (!s_read_ns (path, &ns))
        return;  //  a thread that ended meanwhile
    snprintf (path, sizeof path, "/proc/self/task/%.16s/comm", tid);
    s_read_comm (path, comm, sizeof comm);
    if (strcmp (comm, "asynrole-io") == 0)
        cpu->io += ns;
    else if (strcmp (comm, "asynrole-agent") == 0)
        cpu->agent += ns;
    else if (strncmp (comm, "asynrole", 8) == 0)
        cpu->actor += ns;
    else if (strncmp (comm, "ZMQbg", 5) == 0)
        cpu->zmq += ns;
    else if (strcmp (comm, "bench-handler") == 0)
        cpu->handler += ns;
}

bool
wl_cpu_read (wl_cpu_t *cpu, const pid_t *pids, size_t count)
{
    memset (cpu, 0, sizeof *cpu);
    DIR *dir = opendir ("/proc/self/task");
    if (!dir)
        return false;
    struct dirent *entry;
    while ((entry = readdir (dir)))
        if (entry->d_name[0] >= '0' && entry->d_name[0] <= '9')
            s_add_task (cpu, entry->d_name);
    closedir (dir);
    for (size_t i = 0; i < count; i++) {
        uint64_t ns = 0;
        if (!bench_cpu_ns (pids[i], &ns))
            return false;
        cpu->children += ns;
    }
    return true;
}

//  ------------------------------------------------------------------
//  The raw receivers

static int
s_raw_socket (uint16_t port, int rcvbuf)
{
    int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port) };
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    if (fd < 0 || setsockopt (fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one)
        || bind (fd, (struct sockaddr *) &addr, sizeof addr)) {
        if (fd >= 0)
            close (fd);
        return -1;
    }
    bench_rcvbuf (fd, rcvbuf);
    //  A look at the stop flag at least every 100 ms
    struct timeval tick = { .tv_usec = 100000 };
    (void) setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
    return fd;
}

//  A receiver process's life: read, burn, count, until told to stop
static void
s_raw_serve (wl_raw_shared_t *shared, size_t index, int fd, double cost_us)
{
    prctl (PR_SET_PDEATHSIG, SIGTERM);
    enum {
        BATCH = 64,
        SIZE = 2048
    };
    static uint8_t buffers[BATCH][SIZE];
    struct iovec iov[BATCH];
    struct mmsghdr msgs[BATCH];
    memset (msgs, 0, sizeof msgs);
    for (size_t i = 0; i < BATCH; i++) {
        iov[i] = (struct iovec){ .iov_base = buffers[i], .iov_len = SIZE };
        msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
    }
    while (!atomic_load (&shared->stop)) {
        int n = recvmmsg (fd, msgs, BATCH, MSG_WAITFORONE, NULL);
        for (int i = 0; i < n; i++) {
            wl_burn (cost_us);
            atomic_fetch_add_explicit (&shared->done[index], 1, memory_order_relaxed);
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            _exit (1);
    }
    _exit (0);
}

bool
wl_raw_start (wl_raw_t *self, size_t count, double cost_us, int rcvbuf)
{
    memset (self, 0, sizeof *self);
    if (count < 1 || count > WL_MAX_PROCS)
        return false;
    void *map = mmap (NULL, sizeof (wl_raw_shared_t), PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return false;
    self->shared = (wl_raw_shared_t *) map;  //  zero-filled: counters 0, stop false
    int fds[WL_MAX_PROCS];
    for (size_t i = 0; i < count; i++) {
        fds[i] = s_raw_socket (self->port, rcvbuf);
        struct sockaddr_in bound;
        socklen_t len = sizeof bound;
        if (fds[i] < 0 || getsockname (fds[i], (struct sockaddr *) &bound, &len)) {
            s_close_all (fds, (long) i + (fds[i] >= 0));
            return false;
        }
        self->port = ntohs (bound.sin_port);
    }
    bool ok = true;
    for (size_t i = 0; i < count && ok; i++) {
        pid_t pid = fork ();
        if (pid == 0)
            s_raw_serve (self->shared, i, fds[i], cost_us);
        ok = pid > 0;
        if (ok)
            self->pids[self->count++] = pid;
    }
    s_close_all (fds, (long) count);
    return ok;
}

bool
wl_raw_stop (wl_raw_t *self)
{
    bool ok = true;
    if (self->shared)
        atomic_store (&self->shared->stop, true);
    for (size_t i = 0; i < self->count; i++)
        ok = wl_reap (self->pids[i], 5000) && ok;
    self->count = 0;
    if (self->shared)
        munmap (self->shared, sizeof (wl_raw_shared_t));
    self->shared = NULL;
    return ok;
}

uint64_t
wl_raw_done (const wl_raw_t *self)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < self->count; i++)
        sum += atomic_load (&self->shared->done[i]);
    return sum;
}

//  ------------------------------------------------------------------
//  Child processes

pid_t
wl_spawn (char *const argv[])
{
    pid_t pid = 0;
    return posix_spawn (&pid, argv[0], NULL, NULL, argv, environ) == 0 ? pid : 0;
}

//  Wait for pid's exit, at most timeout_ms (a pidfd: no polling)
static bool
s_wait_exit (pid_t pid, int timeout_ms)
{
    int fd = (int) syscall (SYS_pidfd_open, pid, 0);
    if (fd < 0)
        return false;
    struct pollfd item = { .fd = fd, .events = POLLIN };
    int rc = poll (&item, 1, timeout_ms);
    close (fd);
    return rc == 1;
}

bool
wl_reap (pid_t pid, int timeout_ms)
{
    kill (pid, SIGTERM);
    if (!s_wait_exit (pid, timeout_ms)) {
        fprintf (stderr,
                 "asynrole-workers-bench: child %d still running %d ms after SIGTERM: "
                 "killed\n",
                 (int) pid, timeout_ms);
        kill (pid, SIGKILL);
    }
    int status = 0;
    if (waitpid (pid, &status, 0) != pid)
        return false;
    return (WIFEXITED (status) && WEXITSTATUS (status) == 0)
        || (WIFSIGNALED (status) && WTERMSIG (status) == SIGTERM);
}

uint64_t
wl_udp_drops (uint16_t port)
{
    FILE *file = fopen ("/proc/net/udp", "r");
    if (!file)
        return 0;
    char line[512];
    uint64_t sum = 0;
    //  Bounded: one line per socket; drops is the last field
    while (fgets (line, sizeof line, file)) {
        unsigned local_port = 0;
        if (sscanf (line, " %*d: %*8x:%x", &local_port) != 1 || local_port != port)
            continue;
        const char *last = NULL;
        for (char *word = strtok (line, " \n"); word; word = strtok (NULL, " \n"))
            last = word;
        sum += last ? strtoull (last, NULL, 10) : 0;
    }
    fclose (file);
    return sum;
}

void
wl_loadavg (char *buf, size_t size)
{
    snprintf (buf, size, "?");
    FILE *file = fopen ("/proc/loadavg", "r");
    if (!file)
        return;
    double a = 0, b = 0, c = 0;
    if (fscanf (file, "%lf %lf %lf", &a, &b, &c) == 3)
        snprintf (buf, size, "%.2f/%.2f/%.2f", a, b, c);
    fclose (file);
}
