/* Compile test: ACTOR_STATIC, a single TU that uses only part of the API. */
#define ACTOR_STATIC
#define ACTOR_IMPLEMENTATION
#include "actor.h"

int main(void) {
    actor_system *sys = 0;
    if (actor_system_create(0, &sys) != ACTOR_OK) return 1;
    actor_system_destroy(sys);
    return 0;
}
