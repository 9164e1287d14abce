/* Compile test: a second TU that includes only the declarations. */
#include "actor.h"

int other_tu_probe(actor_system *sys);
int other_tu_probe(actor_system *sys) {
    actor_id none = actor_id_make(0);
    return actor_system_send(sys, none, 0, 0, 0) == ACTOR_ERR_NOT_FOUND ? 0 : 1;
}
