/* hello.c — the minimal example from the top comment of actor.h.

   An echo actor replies to every message with the same bytes; main()
   attaches itself to the system (so it has a mailbox), sends "hello" and
   prints the reply.

       make build/examples/hello && ./build/examples/hello
*/
#define ACTOR_IMPLEMENTATION
#include "actor.h"
#include <stdio.h>

static void echo(actor_context *self, const actor_msg *m) {
    if (m->signal == ACTOR_MESSAGE)          /* reply with the same bytes */
        actor_send(self, m->from, m->tag, m->data, m->size);
}

int main(void) {
    actor_system *sys; actor_host *host; actor_context *me;
    actor_spawn_desc d = {0};
    actor_id echo_id; actor_msg reply;
    int status = 1;
    actor_system_create(NULL, &sys);               /* defaults */
    actor_host_create(sys, NULL, &host);           /* one worker per CPU */
    actor_attach(sys, &me);                        /* main() gets a mailbox */
    d.fn = echo;
    actor_spawn(host, &d, &echo_id);
    actor_send(me, echo_id, 1, "hello", 6);
    if (actor_receive(me, &reply, 1000) == ACTOR_OK) {
        printf("%s\n", (const char *)reply.data);
        status = 0;
    }
    actor_detach(me);
    actor_system_destroy(sys);
    return status;
}
