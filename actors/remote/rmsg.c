/*  rmsg.c - moving remote messages without waiting */
#include "rmsg.h"
#include <errno.h>

int
rmsg_send (void *sock, const void *id, size_t id_size, zmsg_t **msg_p)
{
    zmsg_t *msg = *msg_p;
    size_t frames = zmsg_size (msg);
    //  The first part decides: once it is taken, the rest are (no
    //  high-water marks on our sockets)
    if (id && zmq_send (sock, id, id_size, ZMQ_DONTWAIT | (frames ? ZMQ_SNDMORE : 0)) < 0)
        return -1;
    size_t sent = 0;
    for (zframe_t *frame = zmsg_first (msg); frame; frame = zmsg_next (msg)) {
        int more = ++sent < frames ? ZMQ_SNDMORE : 0;
        if (zmq_send (sock, zframe_data (frame), zframe_size (frame), ZMQ_DONTWAIT | more) < 0)
            return -1;
    }
    zmsg_destroy (msg_p);
    return 0;
}

zmsg_t *
rmsg_recv_nowait (void *sock)
{
    zmsg_t *msg = zmsg_new ();
    bool failed = !msg;
    while (true) {
        zmq_msg_t part;
        zmq_msg_init (&part);
        if (zmq_msg_recv (&part, sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (&part);
            //  Only the first part can be missing: the rest come with it
            zmsg_destroy (&msg);
            return NULL;
        }
        if (!failed) {
            zframe_t *frame = zframe_new (zmq_msg_data (&part), zmq_msg_size (&part));
            failed = !frame || zmsg_append (msg, &frame);
            zframe_destroy (&frame);
        }
        bool more = zmq_msg_more (&part);
        zmq_msg_close (&part);
        if (!more)
            break;
    }
    if (failed)
        zmsg_destroy (&msg);
    return msg;
}
