/*  loadgen.h - asynrole-loadgen's configuration and state, shared by its
    argument parser (loadgen_args.c) and its closed loop (loadgen.c) */
#ifndef LOADGEN_H
#define LOADGEN_H

#include "bench_util.h"
#include "loadgen_payload.h"

#define LOADGEN_WINDOW_MAX (1u << 20)
#define LOADGEN_BATCH 64        //  datagrams per sendmmsg / recvmmsg
#define LOADGEN_RECV_SIZE 4096  //  longer replies are cut: only their start is read

typedef struct {
    bench_addr_t target;
    uint64_t window, count, size, duration_ns, timeout_ns;
    loadgen_payload_t kind;
    pid_t server_pid;  //  0: none
} loadgen_config_t;

//  0: run; 1: --help shown; 2: bad arguments (one line said why)
int loadgen_args (int argc, char **argv, loadgen_config_t *config);

#endif
