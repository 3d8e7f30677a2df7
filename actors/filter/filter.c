/*  filter.c - a role's source filter and per-source rate limit */
#include "filter.h"
#include "error_fill.h"
#include <stdlib.h>

//  A prefix list, or NULL when it has no entries
static int
s_prefixes (const char *const *list, size_t count, const char *what, prefix_set_t **set,
            asynrole_error_t *error)
{
    *set = NULL;
    if (count == 0)
        return 0;
    if (!list)
        return error_badarg (error, "the filter's %s list is NULL but has %zu entries", what,
                             count);
    *set = prefix_set_new (list, count, error);
    return *set ? 0 : -1;
}

filter_t *
filter_new (const asynrole_filter_t *spec, asynrole_error_t *error)
{
    if (!spec) {
        error_badarg (error, "no filter");
        return NULL;
    }
    if (!spec->rate && (spec->burst || spec->sources)) {
        error_badarg (error, "the filter's burst and sources need a rate");
        return NULL;
    }
    filter_t *self = calloc (1, sizeof *self);
    if (!self) {
        error_nomem (error, "a filter");
        return NULL;
    }
    bool ok = s_prefixes (spec->allow, spec->allow_count, "allow", &self->allow, error) == 0
        && s_prefixes (spec->deny, spec->deny_count, "deny", &self->deny, error) == 0;
    if (ok && spec->rate) {
        self->limit = rate_limit_new (spec->rate, spec->burst ? spec->burst : spec->rate,
                                      spec->sources, error);
        ok = self->limit != NULL;
    }
    if (!ok) {
        filter_destroy (&self);
        return NULL;
    }
    error_clear (error);
    return self;
}

void
filter_destroy (filter_t **self_p)
{
    filter_t *self = *self_p;
    if (!self)
        return;
    prefix_set_destroy (&self->allow);
    prefix_set_destroy (&self->deny);
    rate_limit_destroy (&self->limit);
    free (self);
    *self_p = NULL;
}

filter_verdict_t
filter_check (filter_t *self, const asynrole_addr_t *source, int64_t now_us)
{
    if (self->deny && prefix_set_match (self->deny, source))
        return FILTER_DENIED;
    if (self->allow && !prefix_set_match (self->allow, source))
        return FILTER_DENIED;
    if (self->limit && !rate_limit_take (self->limit, source, now_us))
        return FILTER_LIMITED;
    return FILTER_PASS;
}
