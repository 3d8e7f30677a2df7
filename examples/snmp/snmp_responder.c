/*  snmp_responder.c - the example agent's answers (see snmp_responder.h)
*/
#include "snmp_responder.h"
#include "snmp_mib.h"

//  The error answer: error-status and -index, the request's varbinds
static void
s_error (const snmp_msg_t *request, snmp_msg_t *response, int32_t status, size_t index)
{
    snmp_msg_init_response (response, request);
    response->error_status = status;
    response->error_index = (int32_t) index;
    for (size_t i = 0; i < request->varbind_count; i++)
        snmp_msg_add (response, &request->varbinds[i].name, &request->varbinds[i].value);
}

static void
s_get (const snmp_msg_t *request, uint32_t uptime, snmp_msg_t *response)
{
    for (size_t i = 0; i < request->varbind_count; i++) {
        const snmp_oid_t *name = &request->varbinds[i].name;
        snmp_value_t value = snmp_mib_get (name, uptime);
        bool missing =
            value.type == SNMP_TYPE_NO_SUCH_OBJECT || value.type == SNMP_TYPE_NO_SUCH_INSTANCE;
        if (missing && request->version == SNMP_VERSION_1) {
            s_error (request, response, SNMP_ERR_NO_SUCH_NAME, i + 1);
            return;
        }
        snmp_msg_add (response, name, &value);
    }
}

//  The next object after name into response; endOfMibView past the last.
//  Returns false when it was the end, or when response is full.
static bool
s_add_next (snmp_msg_t *response, const snmp_oid_t *name, uint32_t uptime, bool *added)
{
    static snmp_varbind_t next;  //  large (two OIDs); callers are one thread at a time
    bool found = snmp_mib_next (name, uptime, &next);
    snmp_value_t end = snmp_value_empty (SNMP_TYPE_END_OF_MIB_VIEW);
    *added =
        snmp_msg_add (response, found ? &next.name : name, found ? &next.value : &end) == SNMP_OK;
    return found && *added;
}

static void
s_getnext (const snmp_msg_t *request, uint32_t uptime, snmp_msg_t *response)
{
    for (size_t i = 0; i < request->varbind_count; i++) {
        bool added;
        if (!s_add_next (response, &request->varbinds[i].name, uptime, &added)
            && request->version == SNMP_VERSION_1) {
            s_error (request, response, SNMP_ERR_NO_SUCH_NAME, i + 1);
            return;
        }
    }
}

//  RFC 3416 4.2.3. Returns the number of non-repeaters answered.
static size_t
s_getbulk (const snmp_msg_t *request, uint32_t uptime, snmp_msg_t *response)
{
    size_t count = request->varbind_count;
    size_t non_repeaters = request->non_repeaters < 0 ? 0 : (size_t) request->non_repeaters;
    if (non_repeaters > count)
        non_repeaters = count;
    size_t repeaters = count - non_repeaters;
    bool added = true;
    for (size_t i = 0; i < non_repeaters; i++)
        s_add_next (response, &request->varbinds[i].name, uptime, &added);
    //  Each row asks for the next of the row before; the response's room
    //  (SNMP_MAX_VARBINDS) bounds the loop whatever max-repetitions says
    for (int32_t row = 0; row < request->max_repetitions && repeaters && added; row++) {
        bool any = false;
        for (size_t r = 0; r < repeaters && added; r++) {
            const snmp_varbind_t *previous = row == 0
                ? &request->varbinds[non_repeaters + r]
                : &response->varbinds[response->varbind_count - repeaters];
            any |= s_add_next (response, &previous->name, uptime, &added);
        }
        if (!any)
            break;  //  endOfMibView throughout: no row after it can differ
    }
    return non_repeaters;
}

//  The answer too big: tooBig, with the request's varbinds in v1 when they
//  fit, else none
static snmp_err_t
s_too_big (const snmp_msg_t *request, snmp_msg_t *response, uint8_t *buf, size_t max_size,
           size_t *length)
{
    if (request->version == SNMP_VERSION_1) {
        s_error (request, response, SNMP_ERR_TOO_BIG, 0);
        if (snmp_msg_encode (response, buf, max_size, length) == SNMP_OK)
            return SNMP_OK;
    }
    snmp_msg_init_response (response, request);
    response->error_status = SNMP_ERR_TOO_BIG;
    return snmp_msg_encode (response, buf, max_size, length);
}

snmp_err_t
snmp_responder_answer (const snmp_msg_t *request, uint32_t uptime, snmp_msg_t *response,
                       uint8_t *buf, size_t max_size, size_t *length)
{
    snmp_msg_init_response (response, request);
    size_t keep = 0;  //  varbinds a GETBULK keeps whatever its size
    switch (request->type) {
        case SNMP_PDU_GET: s_get (request, uptime, response); break;
        case SNMP_PDU_GETNEXT: s_getnext (request, uptime, response); break;
        case SNMP_PDU_GETBULK: keep = s_getbulk (request, uptime, response); break;
        case SNMP_PDU_SET:  //  nothing to write: no error
            if (request->varbind_count)
                s_error (request, response,
                         request->version == SNMP_VERSION_1 ? SNMP_ERR_NO_SUCH_NAME
                                                            : SNMP_ERR_NOT_WRITABLE,
                         1);
            break;
        default: return SNMP_EPDUTYPE;
    }
    snmp_err_t err = snmp_msg_encode (response, buf, max_size, length);
    //  GETBULK: drop varbinds from the end until it fits (RFC 3416 4.2.3)
    while (err == SNMP_ENOSPACE && request->type == SNMP_PDU_GETBULK
           && response->varbind_count > keep) {
        response->varbind_count--;
        err = snmp_msg_encode (response, buf, max_size, length);
    }
    if (err == SNMP_ENOSPACE)
        return s_too_big (request, response, buf, max_size, length);
    return err;
}
