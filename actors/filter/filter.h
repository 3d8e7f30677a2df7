/*  filter.h - a role's source filter and per-source rate limit, compiled

    Made by the role from asynrole_filter_t (any thread), then owned by the
    I/O actor, which checks every datagram read against it before the
    datagram crosses to the role (one thread: the rate limit's buckets are
    its alone). */
#ifndef ASYNROLE_FILTER_H_INCLUDED
#define ASYNROLE_FILTER_H_INCLUDED

#include "asynrole_types.h"
#include "prefix_set.h"
#include "rate_limit.h"

typedef struct filter_s {
    prefix_set_t *allow;  //  sources let in; NULL = all
    prefix_set_t *deny;   //  sources kept out; NULL = none
    rate_limit_t *limit;  //  buckets per source; NULL = no limit
} filter_t;

typedef enum {
    FILTER_PASS = 0,  //  deliver it
    FILTER_DENIED,    //  not allowed, or denied
    FILTER_LIMITED    //  past its source's rate
} filter_verdict_t;

//  Compile spec; NULL with error filled (ASYNROLE_EBADARG naming the bad
//  prefix or setting, ASYNROLE_ENOMEM). A spec that filters nothing still
//  makes a filter (one that passes everything).
filter_t *filter_new (const asynrole_filter_t *spec, asynrole_error_t *error);
void filter_destroy (filter_t **self_p);

//  The verdict on a datagram from source at now_us (monotonic); a source
//  filtered out takes no token
filter_verdict_t filter_check (filter_t *self, const asynrole_addr_t *source, int64_t now_us);

#endif
