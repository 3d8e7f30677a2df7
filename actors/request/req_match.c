/*  req_match.c - which request a datagram answers

    With a key function: the requests registered under the datagram's key
    (newest first), each asked in turn; the peer check and the validator
    may refuse (at most LIMIT_OFFERS validators are asked). Without one: the requests in flight to the datagram's
    source, oldest first (ADDRESS: then those to the source's other ports;
    ANY: every request in flight), at most LIMIT_OFFERS of them, until one
    accepts. A datagram refused by all is counted as rejected (once), one
    that found no candidate as unmatched; either is delivered as a plain
    datagram. */
#include "req_engine.h"
#include "bounds.h"
#include "log.h"
#include "role.h"
#include <string.h>

//  The bytes of an address that name its host
static bool
s_same_host (const asynrole_addr_t *a, const asynrole_addr_t *b)
{
    int family = asynrole_addr_family (a);
    if (family != asynrole_addr_family (b))
        return false;
    if (family == AF_INET6)
        return memcmp (&a->u.in6.sin6_addr, &b->u.in6.sin6_addr, sizeof a->u.in6.sin6_addr) == 0;
    return a->u.in.sin_addr.s_addr == b->u.in.sin_addr.s_addr;
}

static bool
s_peer_ok (asynrole_check_t check, const asynrole_addr_t *destination,
           const asynrole_addr_t *source)
{
    if (check == ASYNROLE_CHECK_ANY)
        return true;
    if (check == ASYNROLE_CHECK_ADDRESS)
        return s_same_host (destination, source);
    return asynrole_addr_equal (destination, source);
}

//  A datagram refused: counted once, on the first request that refused it
static void
s_rejected (req_engine_t *self, const req_t *req, const asynrole_datagram_t *datagram,
            const char *why, bool *refused)
{
    if (*refused)
        return;
    *refused = true;
    self->totals.rejected++;
    self->dests.dests[req->dest].stats.rejected++;
    if (atomic_load_explicit (&self->role->verbose, memory_order_relaxed)) {
        char from[ASYNROLE_ADDR_STRLEN], to[ASYNROLE_ADDR_STRLEN];
        log_info ("%s: a reply from %s refused by %s: request %llu to %s", self->role->name,
                  asynrole_addr_format (&datagram->peer, from, sizeof from), why,
                  (unsigned long long) req->handle,
                  asynrole_addr_format (&req->destination, to, sizeof to));
    }
}

//  Offer the datagram to one request that may take it: true when it did
//  (and has ended)
static bool
s_try (req_engine_t *self, req_t *req, const asynrole_datagram_t *datagram, int attempt, bool sure,
       bool *refused)
{
    if (req->validate) {
        bool in_user = self->in_user;
        self->in_user = true;
        bool ok = req->validate (req->ctx, datagram);
        self->in_user = in_user;
        if (!ok) {
            s_rejected (self, req, datagram, "its validator", refused);
            return false;
        }
    }
    req_engine_accept (self, req, datagram, attempt, sure);
    return true;
}

//  The latest attempt that carried key; sure when no other one did
static int
s_keyed_attempt (req_t *req, uint64_t key, bool *sure)
{
    int found = -1;
    int carriers = 0;
    for (int i = 0; i < req->attempts; i++) {
        const req_attempt_t *attempt = req_attempt (req, i);
        if (attempt->has_key && attempt->key == key) {
            found = i;
            carriers++;
        }
    }
    *sure = carriers == 1;
    return found;
}

static bool
s_offer_keyed (req_engine_t *self, const asynrole_datagram_t *datagram, bool *refused)
{
    uint64_t key = 0;
    bool in_user = self->in_user;
    self->in_user = true;
    bool has_key =
        self->settings.key (self->settings.key_ctx, datagram->data, datagram->size, &key);
    self->in_user = in_user;
    uint32_t at = REQ_NONE;
    if (has_key)
        map_get (&self->by_key, key, &at);
    //  Peer checks are cheap; validators are user code: at most LIMIT_OFFERS
    int offers = LIMIT_OFFERS;
    while (at != REQ_NONE && offers > 0) {
        req_t *req = self->slots[at];
        at = req_engine_registered (req, key)->chain;
        if (!s_peer_ok (self->settings.check, &req->destination, &datagram->peer)) {
            s_rejected (self, req, datagram, "the peer check", refused);
            continue;
        }
        offers -= req->validate != NULL;
        bool sure;
        int attempt = s_keyed_attempt (req, key, &sure);
        if (s_try (self, req, datagram, attempt, sure, refused))
            return true;
    }
    return false;
}

//  Offer to the requests of one destination's flight list, oldest first,
//  while offers are left
static bool
s_offer_list (req_engine_t *self, uint32_t at, bool all, const asynrole_datagram_t *datagram,
              int *offers, bool *refused)
{
    while (at != REQ_NONE && *offers > 0) {
        req_t *req = self->slots[at];
        at = all ? req->all.next : req->link.next;
        //  Its first attempt waits for room to leave, and so do all those
        //  launched after it (they leave in launch order): none to answer
        if (req->attempts == 0)
            break;
        (*offers)--;
        if (s_try (self, req, datagram, req->attempts - 1, req->attempts == 1, refused))
            return true;
    }
    return false;
}

static bool
s_offer_by_peer (req_engine_t *self, const asynrole_datagram_t *datagram, bool *refused)
{
    int offers = LIMIT_OFFERS;
    if (self->settings.check == ASYNROLE_CHECK_ANY)
        return s_offer_list (self, self->flying.head, true, datagram, &offers, refused);
    req_dests_t *dests = &self->dests;
    uint32_t exact = req_dests_find (dests, &datagram->peer);
    if (exact != REQ_NONE
        && s_offer_list (self, dests->dests[exact].flying.head, false, datagram, &offers, refused))
        return true;
    //  The source's other ports: the ADDRESS check's to take, STRICT's to refuse
    for (uint32_t at = req_dests_host (dests, &datagram->peer); at != REQ_NONE && offers > 0;
         at = req_dests_next_host (dests, at)) {
        req_dest_t *dest = &dests->dests[at];
        if (at == exact || dest->flying.head == REQ_NONE)
            continue;
        if (self->settings.check == ASYNROLE_CHECK_STRICT) {
            s_rejected (self, self->slots[dest->flying.head], datagram, "the peer check", refused);
            return false;
        }
        if (s_offer_list (self, dest->flying.head, false, datagram, &offers, refused))
            return true;
    }
    return false;
}

bool
req_engine_offer (req_engine_t *self, const asynrole_datagram_t *datagram)
{
    bool refused = false;
    bool taken = false;
    if (self->in_flight > 0)
        taken = self->settings.key ? s_offer_keyed (self, datagram, &refused)
                                   : s_offer_by_peer (self, datagram, &refused);
    if (!taken && !refused)
        self->totals.unmatched++;
    return taken;
}
