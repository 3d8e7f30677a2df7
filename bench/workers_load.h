/*  workers_load.h - what asynrole-workers-bench (workers.c) is made of
    besides asynrole: a paced UDP sender from many source ports, a handler
    that burns CPU, the CPU time of this process's threads by name and of
    child processes, the raw recvmmsg receivers (SO_REUSEPORT), and child
    processes started and stopped under deadlines */
#ifndef WORKERS_LOAD_H_INCLUDED
#define WORKERS_LOAD_H_INCLUDED

#include "bench_support.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define WL_DATAGRAM_SIZE 94  //  an SNMPv2c trap's size (bench/storm.c)
#define WL_MAX_FLOWS 256     //  the sender's source sockets
#define WL_MAX_PROCS 16      //  raw receivers or workers

//  The sender: rate datagrams a second from flows sockets (source ports)
//  round-robin, paced by CLOCK_MONOTONIC, until stop is set or it has run
//  max_seconds
typedef struct {
    struct sockaddr_in to;  //  the receiver
    long rate;              //  datagrams per second
    long flows;             //  source sockets: SO_REUSEPORT spreads by their ports
    double max_seconds;     //  a bound on its run, whatever happens
    atomic_bool stop;       //  set by the controller
    uint64_t sent;          //  datagrams the kernel took
    uint64_t retries;       //  sends refused for want of buffer (ENOBUFS, EAGAIN)
    int error;              //  errno of the failure that stopped it, 0 if none
    pthread_t thread;       //  its thread (named bench-sender)
} wl_sender_t;

//  Start the sender's thread; false (errno set) when it cannot be
bool wl_sender_start (wl_sender_t *self);
//  Stop it and join it; false when it failed (self->error says why)
bool wl_sender_stop (wl_sender_t *self);

//  Burn cost_us microseconds of this thread's CPU (CLOCK_THREAD_CPUTIME_ID:
//  time spent preempted does not count)
void wl_burn (double cost_us);

//  CPU time of this process's threads grouped by name, and of children, ns
typedef struct {
    uint64_t io;        //  asynrole-io: the Agent's I/O actor
    uint64_t agent;     //  asynrole-agent: the Agent's role thread
    uint64_t actor;     //  any other asynrole-* thread: the workers actor
    uint64_t zmq;       //  ZMQbg/*: libzmq's I/O and reaper threads
    uint64_t handler;   //  bench-handler: a local pipe-mode reader
    uint64_t children;  //  the child processes (raw receivers, workers)
} wl_cpu_t;

//  Read this process's threads, and the pids' (count of them) whole CPU
bool wl_cpu_read (wl_cpu_t *cpu, const pid_t *pids, size_t count);

//  The raw receivers: count processes, each a plain thread reading its own
//  socket bound to 127.0.0.1 (one port, SO_REUSEPORT) with recvmmsg and
//  burning cost_us per datagram. Forked: call before any thread starts.
typedef struct {
    atomic_uint_fast64_t done[WL_MAX_PROCS];  //  datagrams handled, each process
    atomic_bool stop;                         //  set by the parent
} wl_raw_shared_t;

typedef struct {
    size_t count;  //  processes
    pid_t pids[WL_MAX_PROCS];
    uint16_t port;            //  the port they share
    wl_raw_shared_t *shared;  //  MAP_SHARED between them and the parent
} wl_raw_t;

bool wl_raw_start (wl_raw_t *self, size_t count, double cost_us, int rcvbuf);
//  Stop them (the flag, then SIGTERM), reap them; false when one failed
bool wl_raw_stop (wl_raw_t *self);
uint64_t wl_raw_done (const wl_raw_t *self);

//  Start argv as a child process (posix_spawn); 0 when it cannot be
pid_t wl_spawn (char *const argv[]);
//  SIGTERM, then wait (timeout_ms, then SIGKILL) and reap; true when it
//  exited 0 or of the SIGTERM
bool wl_reap (pid_t pid, int timeout_ms);

//  What the kernel dropped on the IPv4 UDP sockets bound to port, for want
//  of room (/proc/net/udp's drops, summed)
uint64_t wl_udp_drops (uint16_t port);

//  "1.23/0.98/0.75": the load average now
void wl_loadavg (char *buf, size_t size);

#endif
