/*  raw_echo.h - raw-echo's state, shared by its main (raw_echo.c) and its
    ways of serving (raw_echo_serve.c) */
#ifndef RAW_ECHO_H
#define RAW_ECHO_H

#include "bench_util.h"

#define RAW_BATCH 64       //  datagrams per recvmmsg / sendmmsg
#define RAW_MAX_SIZE 4096  //  longer datagrams are cut to this

typedef enum {
    RAW_SINGLE,
    RAW_MMSG,
    RAW_SINK
} raw_mode_t;

//  A datagram held for --hold: its sender, and its bytes in the arena
typedef struct {
    struct sockaddr_storage peer;
    socklen_t peer_len;
    size_t at, len;
} raw_held_t;

typedef struct {
    bench_addr_t listen;
    raw_mode_t mode;
    int rcvbuf;     //  0: the kernel's default
    uint64_t hold;  //  0: answer at once
    int fd;
    uint8_t *buffers;  //  RAW_BATCH of RAW_MAX_SIZE
    uint64_t received, sent, dropped, unsent;
    raw_held_t *held;  //  hold entries
    size_t held_count;
    uint8_t *arena;  //  their bytes
    size_t arena_used, arena_size;
} raw_echo_t;

//  Read what the socket holds (bounded) and answer it as the mode says
void raw_echo_serve (raw_echo_t *self);
void raw_echo_free (raw_echo_t *self);

#endif
