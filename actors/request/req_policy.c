/*  req_policy.c - retry policies: checked once, then waits computed */
#include "req.h"
#include "bounds.h"
#include "error_fill.h"

void
req_policy_default (const asynrole_policy_t *given, asynrole_policy_t *out)
{
    //  Only a policy left all zero is the default: a zero timeout with
    //  anything else set is the caller's mistake, for the check to refuse
    bool zero = !given
        || (!given->timeout && !given->retries && !given->backoff && !given->max_timeout
            && !given->jitter && !given->deadline);
    if (!zero) {
        *out = *given;
        return;
    }
    //  The seed's role.Manager: one second, three retries
    asynrole_policy_t seed = { .timeout = 1000, .retries = 3, .backoff = ASYNROLE_BACKOFF_FIXED };
    *out = seed;
}

int
req_policy_check (const asynrole_policy_t *policy, req_policy_t *out, asynrole_error_t *error)
{
    if (policy->timeout < 1 || policy->timeout > LIMIT_TIMEOUT_MAX)
        return error_badarg (error, "a request's timeout must be 1 .. %d ms, not %d",
                             LIMIT_TIMEOUT_MAX, policy->timeout);
    if (policy->retries < 0 || policy->retries > LIMIT_RETRIES)
        return error_badarg (error, "a request's retries must be 0 .. %d, not %d", LIMIT_RETRIES,
                             policy->retries);
    if (policy->backoff != ASYNROLE_BACKOFF_FIXED
        && policy->backoff != ASYNROLE_BACKOFF_EXPONENTIAL)
        return error_badarg (error, "unknown backoff %d", (int) policy->backoff);
    if (policy->max_timeout < 0 || policy->max_timeout > LIMIT_TIMEOUT_MAX)
        return error_badarg (error, "max_timeout must be 0 .. %d ms, not %d", LIMIT_TIMEOUT_MAX,
                             policy->max_timeout);
    if (policy->max_timeout && policy->max_timeout < policy->timeout)
        return error_badarg (error, "max_timeout (%d ms) is below the timeout (%d ms)",
                             policy->max_timeout, policy->timeout);
    if (policy->jitter < 0 || policy->jitter > 100)
        return error_badarg (error, "jitter must be 0 .. 100 percent, not %d", policy->jitter);
    if (policy->deadline < 0)
        return error_badarg (error, "a negative deadline: %d ms", policy->deadline);
    out->timeout = policy->timeout;
    out->retries = policy->retries;
    out->backoff = (int) policy->backoff;
    out->max_timeout = policy->max_timeout ? policy->max_timeout : LIMIT_TIMEOUT_MAX;
    out->jitter = policy->jitter;
    out->deadline = (int64_t) policy->deadline * 1000;
    return 0;
}

int64_t
req_policy_wait (const req_policy_t *policy, int attempt)
{
    int64_t wait = policy->timeout;
    if (policy->backoff == ASYNROLE_BACKOFF_EXPONENTIAL)
        //  Doubling from a day at most stays far below overflow; stop early
        for (int i = 0; i < attempt && wait < policy->max_timeout; i++)
            wait *= 2;
    if (wait > policy->max_timeout)
        wait = policy->max_timeout;
    return wait * 1000;
}

int64_t
req_policy_life (const req_policy_t *policy)
{
    if (policy->deadline)
        return policy->deadline;
    int64_t life = 0;
    for (int i = 0; i <= policy->retries; i++)
        life += req_policy_wait (policy, i);
    return life;
}
