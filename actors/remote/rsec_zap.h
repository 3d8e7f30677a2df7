/*  rsec_zap.h - the library's ZAP handler (RFC 27), inside rsecurity.c's
    calls: one registration per CURVE server socket with an allow list */
#ifndef ASYNROLE_RSEC_ZAP_H_INCLUDED
#define ASYNROLE_RSEC_ZAP_H_INCLUDED

#include "rsecurity.h"

//  Register a domain of its own that lets in the count keys of allow (Z85,
//  checked by the caller), starting the handler if it is not running.
//  NULL with error filled (ENOMEM, or the handler's start).
rsec_zap_t *rsec_zap_register (const char *const *allow, size_t count, asynrole_error_t *error);

//  The registration's ZAP domain (ZMQ_ZAP_DOMAIN), unique in the process
const char *rsec_zap_domain (rsec_zap_t *zap);

#endif
