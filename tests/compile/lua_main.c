/* Compile test: lua_actor.h with actor.h in one TU (also built as C++).
   A process sends one message to the attached main thread. */
#define ACTOR_IMPLEMENTATION
#include "actor.h"
#define LUA_ACTOR_IMPLEMENTATION
#include "lua_actor.h"

int main(void) {
    actor_system *sys = NULL;
    actor_host *host = NULL;
    actor_context *me = NULL;
    lua_actor_runtime *rt = NULL;
    lua_actor_desc d;
    lua_actor_def_desc def;
    lua_State *L = luaL_newstate();
    actor_id id;
    actor_msg m;
    char err[256], pid[64];
    int ok = 0;
    memset(&d, 0, sizeof d);
    memset(&def, 0, sizeof def);
    if (actor_system_create(NULL, &sys) != ACTOR_OK || actor_host_create(sys, NULL, &host) != ACTOR_OK) return 1;
    d.system = sys;
    if (lua_actor_create(&d, &rt) != ACTOR_OK || actor_attach(sys, &me) != ACTOR_OK) return 1;
    def.id = "t:hi";
    def.source = "return { main = function(to) process.send(to, 'hi', 42) end }";
    if (lua_actor_define(rt, &def, err, sizeof err) != ACTOR_OK) return 1;
    lua_actor_pid(actor_self(me), NULL, pid, sizeof pid);
    lua_pushstring(L, pid);
    if (lua_actor_spawn(rt, "t:hi", actor_host_name(host), NULL, 0, L, 1, &id, err, sizeof err) != ACTOR_OK) return 1;
    ok = actor_receive(me, &m, 5000) == ACTOR_OK && m.signal == ACTOR_MESSAGE && actor_id_equal(m.from, id);
    lua_close(L);
    actor_detach(me);
    actor_system_destroy(sys);
    lua_actor_destroy(rt);
    return ok ? 0 : 1;
}
