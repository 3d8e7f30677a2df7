/*  role_deliver.h - turning the I/O actor's batches into callbacks (callback
    mode) or into one event message per record on the user's data socket
    (pipe mode), in the role's thread. What a batch holds stays charged to
    the link until the callbacks are done, or until the user has destroyed
    every event made from it. */
#ifndef ASYNROLE_ROLE_DELIVER_H_INCLUDED
#define ASYNROLE_ROLE_DELIVER_H_INCLUDED

#include "role.h"
#include <zmq.h>

//  Deliver one batch (moved from msg). Returns false when a callback
//  destroyed the role: the rest of the batch is not delivered.
bool role_deliver (role_t *role, zmq_msg_t *msg);

//  The last callback of a role destroyed from its own callback
void role_deliver_closed (role_t *role);

//  Callback mode, in the role's thread: report error to the callback
void role_deliver_report (role_t *role, const asynrole_error_t *error);

#endif
