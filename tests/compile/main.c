/* Compile test: the implementation TU (also built as C++). Sends one
   message to itself and checks it arrives. */
#define ACTOR_IMPLEMENTATION
#include "actor.h"
#include <string.h>

int other_tu_probe(actor_system *sys); /* from other.c */

int main(void) {
    actor_system *sys = NULL;
    actor_context *me = NULL;
    actor_msg m;
    int ok;
    if (actor_system_create(NULL, &sys) != ACTOR_OK) return 1;
    if (actor_attach(sys, &me) != ACTOR_OK) return 1;
    actor_send(me, actor_self(me), 7, "hi", 3);
    ok = actor_receive(me, &m, 1000) == ACTOR_OK && m.tag == 7 && !strcmp((const char *)m.data, "hi");
    ok = ok && other_tu_probe(sys) == 0;
    actor_detach(me);
    actor_system_destroy(sys);
    return ok ? 0 : 1;
}
