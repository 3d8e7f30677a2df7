/*  rwire.h - the remote wire protocol (docs/protocol.md): encode and decode

    Every message is a zmsg of frames. Frame 0 is four bytes: 'A' 'R',
    the version (ASYNROLE_PROTOCOL_VERSION), the type. Integers are
    big-endian; an address is a family byte (0 none, 4, 6), then for 4 the
    port (2) and the address (4), for 6 the port (2), the address (16) and
    the scope id (4). What follows frame 0 depends on the type:

      HELLO      worker/client -> binder  [u32 credit][u32 heartbeat ms] [name]
      WELCOME    binder -> worker/client  [u32 credit granted][u32 heartbeat ms]
                                          [u32 heartbeat timeout ms]
      HEARTBEAT  either way               (nothing)
      BYE        either way               (nothing)
      ERROR      either way               [u32 code][u32 version spoken] [text]
      DATAGRAM   workers -> worker        [u64 seq][addr peer][u32 via][addr local]
                                          [u32 ifindex][u32 flags][u32 original size]
                                          [payload]
      CREDIT     worker -> workers        [u32 datagrams done]
      SEND       worker -> workers        [addr destination][u32 via][addr local]
                                          [u32 ifindex] [payload]
      REQUEST    client -> server         [u64 token][addr destination][u8 has policy]
                                          [i32 timeout][i32 retries][u8 backoff]
                                          [i32 max_timeout][i32 jitter][i32 deadline]
                                          [payload]
      CANCEL     client -> server         [u64 token]
      RESULT     server -> client         [u64 token][u32 code][u32 op][i32 errno]
                                          [i32 attempts][i32 attempt][i64 rtt us]
                                          [addr peer] [payload] [detail]

    (Brackets in one group are one frame.) The decoder is strict, so that
    the encoding is canonical (a message decodes only if encoding what it
    decoded gives its bytes back): exactly the frames of the type, each
    of exactly the bytes its fields take (an address takes what its
    family byte says: 0 none, 4 or 6; anything else is malformed); names
    and texts at most RWIRE_TEXT_MAX bytes and no NUL; payloads at most
    ASYNROLE_DGRAM_MAX; has policy and backoff 0 or 1, and without a
    policy its fields all zero. A frame 0 that starts 'A' 'R' with
    another version byte is another version's, whatever follows.
    Decoded data points into the message: valid while it lives. */
#ifndef ASYNROLE_RWIRE_H_INCLUDED
#define ASYNROLE_RWIRE_H_INCLUDED

#include "asynrole_remote.h"
#include <czmq.h>

#define RWIRE_TEXT_MAX 192

typedef enum {
    RWIRE_HELLO = 1,
    RWIRE_WELCOME = 2,
    RWIRE_HEARTBEAT = 3,
    RWIRE_BYE = 4,
    RWIRE_ERROR = 5,
    RWIRE_DATAGRAM = 6,
    RWIRE_CREDIT = 7,
    RWIRE_SEND = 8,
    RWIRE_REQUEST = 9,
    RWIRE_CANCEL = 10,
    RWIRE_RESULT = 11
} rwire_type_t;

//  What rwire_decode made of a message
typedef enum {
    RWIRE_OK = 0,          //  decoded
    RWIRE_MALFORMED = 1,   //  not a message of ours, or a field out of bounds
    RWIRE_BAD_VERSION = 2  //  ours, another version (m->version says which)
} rwire_status_t;

//  One decoded message; the fields its type has are set, the others zero
typedef struct {
    rwire_type_t type;
    uint8_t version;  //  frame 0's version byte (BAD_VERSION: theirs)
    //  HELLO, WELCOME
    uint32_t credit;             //  HELLO: asked; WELCOME: granted
    uint32_t heartbeat;          //  ms
    uint32_t heartbeat_timeout;  //  WELCOME: ms
    //  ERROR
    uint32_t code;    //  asynrole_code_t
    uint32_t spoken;  //  the version its sender speaks
    //  HELLO: name; ERROR, RESULT: text (NUL-terminated copies)
    char text[RWIRE_TEXT_MAX + 1];
    //  DATAGRAM (peer, local, ifindex, flags, original_size), SEND
    //  (peer = destination, local, ifindex), RESULT (peer = who replied)
    uint64_t seq;          //  DATAGRAM
    asynrole_addr_t peer;  //  with .via from the frame's via
    asynrole_addr_t local;
    uint32_t ifindex;
    uint32_t flags;
    uint32_t original_size;
    //  CREDIT
    uint32_t done;
    //  REQUEST, CANCEL, RESULT
    uint64_t token;
    bool has_policy;            //  REQUEST
    asynrole_policy_t policy;   //  REQUEST
    int32_t attempts, attempt;  //  RESULT
    int64_t rtt_us;             //  RESULT
    uint32_t op;                //  RESULT: asynrole_op_t
    int32_t sys_errno;          //  RESULT
    //  DATAGRAM, SEND, REQUEST, RESULT
    const uint8_t *data;
    size_t size;
} rwire_msg_t;

//  Decode msg (its frames after any routing id the caller took off; NULL
//  is malformed). Never crashes, whatever the frames hold. RWIRE_OK: m
//  holds the message. Otherwise m is all zero but for m->version (the
//  version byte, when frame 0 had one after 'A' 'R'). msg's frame cursor
//  moves (zmsg_first, zmsg_next); its frames stay.
rwire_status_t rwire_decode (zmsg_t *msg, rwire_msg_t *m);

//  Encode m as a new message (m->type says which fields count; m->version
//  is ignored: ours is written; a REQUEST without has_policy gets a zero
//  policy; text is cut at RWIRE_TEXT_MAX). NULL when out of memory, or
//  when m holds what the decoder would refuse: an unknown type, an
//  address neither empty nor a whole IPv4 / IPv6 one (len as
//  asynrole_addr_parse sets it), a backoff other than fixed or
//  exponential, a payload over ASYNROLE_DGRAM_MAX or data NULL with size.
zmsg_t *rwire_encode (const rwire_msg_t *m);

//  A message of type with every field zero (HEARTBEAT, BYE); NULL as above
zmsg_t *rwire_simple (rwire_type_t type);

//  An ERROR: code, spoken = ASYNROLE_PROTOCOL_VERSION, text (NULL = empty;
//  cut at RWIRE_TEXT_MAX bytes)
zmsg_t *rwire_error (asynrole_code_t code, const char *text);

//  Name of a type, for logs ("HELLO", ..., "?")
const char *rwire_name (int type);

#endif
