/*  msg_pop.h - popping binary frames (structs, pointers) off a zmsg */
#ifndef ASYNROLE_MSG_POP_H_INCLUDED
#define ASYNROLE_MSG_POP_H_INCLUDED

#include <czmq.h>

//  Pop the next frame into dest if it has exactly size bytes; false (dest
//  untouched) if it is missing or of another size
bool msg_pop_struct (zmsg_t *msg, void *dest, size_t size);

//  Pop a frame holding a pointer (zsock_send's 'p'; zmsg_popptr is draft
//  API); NULL if it is missing or not a pointer's size
void *msg_pop_pointer (zmsg_t *msg);

#endif
