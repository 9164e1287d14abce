/* test_lua.c — the embedding API of lua_actor.h, driven from C: definitions,
   spawning from C, print and exit callbacks, require("actor") in a host
   program's own Lua state, limits and bad input. (Lua-level semantics are
   covered by the conformance apps in tests/conformance/.) */
#define ACTOR_IMPLEMENTATION
#include "actor.h"
#define LUA_ACTOR_IMPLEMENTATION
#include "lua_actor.h"
#include "harness.h"

/* Captured print lines and exit reports. */
static pthread_mutex_t cap_lock = PTHREAD_MUTEX_INITIALIZER;
static char cap_out[8192];
static int cap_exits, cap_abnormal;
static char cap_last_kind[32], cap_last_msg[256];

static void cap_print(const char *line, size_t len, void *user) {
    (void)user;
    pthread_mutex_lock(&cap_lock);
    if (strlen(cap_out) + len + 2 < sizeof cap_out) {
        strncat(cap_out, line, len);
        strcat(cap_out, "\n");
    }
    pthread_mutex_unlock(&cap_lock);
}

static void cap_exit(const lua_actor_exit_info *info, void *user) {
    (void)user;
    pthread_mutex_lock(&cap_lock);
    cap_exits++;
    if (!info->normal) {
        cap_abnormal++;
        snprintf(cap_last_kind, sizeof cap_last_kind, "%s", info->kind);
        snprintf(cap_last_msg, sizeof cap_last_msg, "%s", info->message);
    }
    pthread_mutex_unlock(&cap_lock);
}

typedef struct world { actor_system *sys; actor_host *host; lua_actor_runtime *rt; actor_context *me; } world;

static void world_up(world *w, int workers) {
    actor_host_desc hd;
    lua_actor_desc d;
    memset(w, 0, sizeof *w);
    memset(&hd, 0, sizeof hd);
    memset(&d, 0, sizeof d);
    pthread_mutex_lock(&cap_lock);
    cap_out[0] = 0;
    cap_exits = cap_abnormal = 0;
    cap_last_kind[0] = cap_last_msg[0] = 0;
    pthread_mutex_unlock(&cap_lock);
    CHECK_OK(actor_system_create(NULL, &w->sys));
    hd.name = "app:h";
    hd.workers = workers;
    CHECK_OK(actor_host_create(w->sys, &hd, &w->host));
    d.system = w->sys;
    d.print = cap_print;
    d.on_exit = cap_exit;
    CHECK_OK(lua_actor_create(&d, &w->rt));
    CHECK_OK(actor_attach(w->sys, &w->me));
}

static void world_down(world *w) {
    actor_detach(w->me);
    actor_system_destroy(w->sys);
    lua_actor_destroy(w->rt);
}

static actor_result define(world *w, const char *id, const char *src, size_t limit) {
    lua_actor_def_desc d;
    char err[256];
    actor_result r;
    memset(&d, 0, sizeof d);
    d.id = id;
    d.source = src;
    d.memory_limit = limit;
    r = lua_actor_define(w->rt, &d, err, sizeof err);
    if (r != ACTOR_OK) printf("  (define %s: %s)\n", id, err);
    return r;
}

/* Waits for the EXIT of `id` (monitored); returns its reason kind, or -1. */
static int wait_exit(world *w, actor_id id, char *msg, size_t msglen) {
    actor_msg m;
    while (actor_receive(w->me, &m, 10000) == ACTOR_OK) {
        if (m.signal == ACTOR_EXIT && actor_id_equal(m.from, id)) {
            if (msg) snprintf(msg, msglen, "%s", m.reason->message);
            return (int)m.reason->kind;
        }
    }
    return -1;
}

TEST(define_reports_syntax_errors) {
    world w;
    lua_actor_def_desc d;
    char err[256] = "";
    world_up(&w, 1);
    memset(&d, 0, sizeof d);
    d.id = "app:broken";
    d.source = "return { main = function( end }";
    CHECK_RESULT(lua_actor_define(w.rt, &d, err, sizeof err), ACTOR_ERR_INVALID);
    CHECK(strstr(err, "expected") != NULL);
    d.id = "nonamespace";
    d.source = "return {}";
    CHECK_RESULT(lua_actor_define(w.rt, &d, err, sizeof err), ACTOR_ERR_INVALID);
    d.id = "app:x";
    d.source = NULL;
    d.path = "/nonexistent/file.lua";
    CHECK_RESULT(lua_actor_define(w.rt, &d, err, sizeof err), ACTOR_ERR_NOT_FOUND);
    CHECK(strstr(err, "/nonexistent/file.lua") != NULL);
    d.path = NULL;
    d.source = "return {}";
    {
        const char *mods[] = { "time", "sockets", NULL };
        d.modules = mods;
        CHECK_RESULT(lua_actor_define(w.rt, &d, err, sizeof err), ACTOR_ERR_INVALID);
        CHECK(strstr(err, "sockets") != NULL);
    }
    CHECK_RESULT(lua_actor_define(w.rt, NULL, err, sizeof err), ACTOR_ERR_INVALID);
    world_down(&w);
}

TEST(spawn_from_c_with_args_and_print) {
    world w;
    lua_State *L = luaL_newstate();
    actor_id id;
    char err[256];
    world_up(&w, 2);
    CHECK_OK(define(&w, "app:greeter",
                    "return { main = function(name, t) print('hello', name, t.n, math.type(t.n)) return t.n * 2 end }", 0));
    lua_pushstring(L, "world");
    lua_createtable(L, 0, 1);
    lua_pushinteger(L, 21);
    lua_setfield(L, -2, "n");
    CHECK_OK(lua_actor_spawn(w.rt, "app:greeter", "app:h", w.me, ACTOR_SPAWN_MONITOR, L, 2, &id, err, sizeof err));
    CHECK_EQ(wait_exit(&w, id, NULL, 0), ACTOR_EXIT_NORMAL);
    pthread_mutex_lock(&cap_lock);
    CHECK(strstr(cap_out, "hello\tworld\t21\tinteger\n") != NULL);
    CHECK_EQ(cap_exits, 1);
    pthread_mutex_unlock(&cap_lock);
    CHECK_RESULT(lua_actor_spawn(w.rt, "app:missing", "app:h", NULL, 0, NULL, 0, &id, err, sizeof err), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(lua_actor_spawn(w.rt, "app:greeter", "no:host", NULL, 0, NULL, 0, &id, err, sizeof err), ACTOR_ERR_NOT_FOUND);
    lua_pushcfunction(L, luaopen_base); /* a function cannot cross */
    CHECK_RESULT(lua_actor_spawn(w.rt, "app:greeter", "app:h", NULL, 0, L, 1, &id, err, sizeof err), ACTOR_ERR_INVALID);
    lua_close(L);
    world_down(&w);
}

TEST(errors_are_reported_with_kind) {
    world w;
    actor_id id;
    char err[256], msg[256];
    world_up(&w, 1);
    CHECK_OK(define(&w, "app:fails", "return { main = function() error('boom') end }", 0));
    CHECK_OK(define(&w, "app:returns_err", "return { main = function() return nil, errors.new{message='nope', kind=errors.NOT_FOUND} end }", 0));
    CHECK_OK(lua_actor_spawn(w.rt, "app:fails", "app:h", w.me, ACTOR_SPAWN_MONITOR, NULL, 0, &id, err, sizeof err));
    CHECK_EQ(wait_exit(&w, id, msg, sizeof msg), ACTOR_EXIT_ERROR);
    CHECK(strstr(msg, "boom") != NULL);
    CHECK_OK(lua_actor_spawn(w.rt, "app:returns_err", "app:h", w.me, ACTOR_SPAWN_MONITOR, NULL, 0, &id, err, sizeof err));
    CHECK_EQ(wait_exit(&w, id, msg, sizeof msg), ACTOR_EXIT_ERROR);
    CHECK(!strcmp(msg, "nope"));
    pthread_mutex_lock(&cap_lock);
    CHECK_EQ(cap_abnormal, 2);
    CHECK(!strcmp(cap_last_kind, "NOT_FOUND"));
    pthread_mutex_unlock(&cap_lock);
    world_down(&w);
}

TEST(memory_limit_ends_only_that_process) {
    world w;
    actor_id hog, ok;
    char err[256], msg[256];
    world_up(&w, 2);
    CHECK_OK(define(&w, "app:hog", "return { main = function() local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(64) .. i end end }",
                    (size_t)1 << 20));
    CHECK_OK(define(&w, "app:fine", "return { main = function() return 1 end }", 0));
    CHECK_OK(lua_actor_spawn(w.rt, "app:hog", "app:h", w.me, ACTOR_SPAWN_MONITOR, NULL, 0, &hog, err, sizeof err));
    CHECK_EQ(wait_exit(&w, hog, msg, sizeof msg), ACTOR_EXIT_ERROR);
    CHECK(!strcmp(msg, "memory limit exceeded"));
    CHECK_OK(lua_actor_spawn(w.rt, "app:fine", "app:h", w.me, ACTOR_SPAWN_MONITOR, NULL, 0, &ok, err, sizeof err));
    CHECK_EQ(wait_exit(&w, ok, NULL, 0), ACTOR_EXIT_NORMAL);
    /* a host-wide limit applies when the definition has none */
    CHECK_OK(lua_actor_host_limit(w.rt, "app:h", (size_t)1 << 20));
    CHECK_OK(define(&w, "app:hog2", "return { main = function() return ('x'):rep(4 * 1024 * 1024) end }", 0));
    CHECK_OK(lua_actor_spawn(w.rt, "app:hog2", "app:h", w.me, ACTOR_SPAWN_MONITOR, NULL, 0, &hog, err, sizeof err));
    CHECK_EQ(wait_exit(&w, hog, msg, sizeof msg), ACTOR_EXIT_ERROR);
    CHECK(!strcmp(msg, "memory limit exceeded"));
    world_down(&w);
}

TEST(terminate_reaches_a_busy_loop) {
    world w;
    actor_id id;
    char err[256], msg[256];
    world_up(&w, 1);
    CHECK_OK(define(&w, "app:spin", "return { main = function() while true do pcall(function() while true do end end) end end }", 0));
    CHECK_OK(lua_actor_spawn(w.rt, "app:spin", "app:h", w.me, ACTOR_SPAWN_MONITOR, NULL, 0, &id, err, sizeof err));
    harness_sleep_ms(20);
    CHECK_OK(actor_terminate(w.sys, id));
    CHECK_EQ(wait_exit(&w, id, msg, sizeof msg), ACTOR_EXIT_TERMINATED);
    world_down(&w);
}

/* Every way a script can compute forever, on a host with one worker:
   terminate ends the loop promptly, and a loop in a process coroutine is
   preempted (a process spawned after it still gets to run). A loop inside
   a coroutine the script made, or behind a C boundary (a table.sort
   comparator), cannot be preempted: no yield can get out of there. Without
   the count hook, it is the watchdog's signal that gets into these loops. */
TEST(terminate_reaches_busy_loops_of_every_kind) {
    static const struct { int preemptible; const char *loop; } loops[] = {
        { 1, "while true do end" },
        { 1, "while true do pcall(function() while true do end end) end" },
        { 0, "coroutine.wrap(function() while true do end end)()" },
        { 0, "while true do pcall(coroutine.wrap(function() while true do end end)) end" },
        { 0, "local co = coroutine.create(function() while true do end end) while true do coroutine.resume(co) end" },
        { 0, "local t = {} for i = 1, 50 do t[i] = i end while true do pcall(table.sort, t, function() while true do end end) end" },
        { 1, "local s = setmetatable({}, { __index = function() while true do end end }) while true do pcall(function() return s.x end) end" },
        { 0, NULL } };
    world w;
    int i;
    uint64_t worst = 0;
    world_up(&w, 1);
    CHECK_OK(define(&w, "app:quick", "return { main = function(n) return n end }", 0));
    for (i = 0; loops[i].loop; ++i) {
        char src[512], err[256], msg[256];
        actor_id spin, quick;
        uint64_t t0, took;
        lua_State *args = luaL_newstate();
        snprintf(src, sizeof src, "return { main = function() %s end }", loops[i].loop);
        CHECK_OK(define(&w, "app:spin", src, 0));
        CHECK_OK(lua_actor_spawn(w.rt, "app:spin", "app:h", w.me, ACTOR_SPAWN_MONITOR, NULL, 0, &spin, err, sizeof err));
        lua_pushinteger(args, 10);
        if (loops[i].preemptible) {
            CHECK_OK(lua_actor_spawn(w.rt, "app:quick", "app:h", w.me, ACTOR_SPAWN_MONITOR, args, 1, &quick, err, sizeof err));
            CHECK_EQ(wait_exit(&w, quick, msg, sizeof msg), ACTOR_EXIT_NORMAL); /* it got the worker too */
        } else {
            harness_sleep_ms(20);
        }
        lua_close(args);
        t0 = harness_now_ns();
        CHECK_OK(actor_terminate(w.sys, spin));
        CHECK_EQ(wait_exit(&w, spin, msg, sizeof msg), ACTOR_EXIT_TERMINATED);
        took = harness_now_ns() - t0;
        if (took > worst) worst = took;
        if (took > 100000000ull) printf("  (loop %d took %.1f ms to end: %s)\n", i, (double)took / 1e6, loops[i].loop);
        CHECK(took < 100000000ull); /* 10 ms is the design; a loaded machine may add a little */
    }
    printf("  (slowest terminate of a busy loop: %.2f ms)\n", (double)worst / 1e6);
    world_down(&w);
}

TEST(engine_state_talks_to_processes) {
    world w;
    lua_State *L = luaL_newstate();
    const char *script =
        "local actor = require('actor')\n"
        "local pid = assert(actor.spawn('app:echo', 'app:h'))\n"
        "assert(actor.send(pid, 'ping', {n = 41}, 'x'))\n"
        "local topic, from, t, s = actor.receive(5000)\n"
        "assert(topic == 'pong' and from == pid and t.n == 42 and s == 'x', tostring(topic))\n"
        "local kind, from2, result = actor.receive(5000)\n"
        "assert(kind == '@exit' and from2 == pid and result.value == 'bye', tostring(kind))\n"
        "local ok, err = actor.send(pid, 'ping')\n"
        "assert(ok == nil and err:kind() == 'NOT_FOUND')\n"
        "local ok2, err2 = actor.send('{x|1.1}', '@reserved')\n"
        "assert(ok2 == nil and err2:kind() == 'INVALID')\n"
        "return 'done'\n";
    world_up(&w, 2);
    CHECK_OK(define(&w, "app:echo",
                    "return { main = function()\n"
                    "  local m = process.inbox():receive()\n"
                    "  local p = m:payload()\n"
                    "  local t, s = p[1]:data(), p[2]:data()\n"
                    "  t.n = t.n + 1\n"
                    "  process.send(m:from(), 'pong', t, s)\n"
                    "  return 'bye'\n"
                    "end }",
                    0));
    luaL_openlibs(L);
    lua_actor_bind(L, w.rt);
    if (luaL_dostring(L, script) != LUA_OK) {
        printf("  engine script: %s\n", lua_tostring(L, -1));
        CHECK(0);
    } else {
        CHECK(!strcmp(lua_tostring(L, -1), "done"));
    }
    lua_close(L); /* detaches the engine's identity */
    world_down(&w);
}

TEST(bad_input_never_crashes) {
    world w;
    actor_id id;
    char err[64];
    lua_actor_runtime *rt = NULL;
    lua_actor_desc d;
    memset(&d, 0, sizeof d);
    CHECK_RESULT(lua_actor_create(NULL, &rt), ACTOR_ERR_INVALID);
    CHECK_RESULT(lua_actor_create(&d, &rt), ACTOR_ERR_INVALID); /* no system */
    world_up(&w, 1);
    CHECK_RESULT(lua_actor_spawn(NULL, "a:b", "app:h", NULL, 0, NULL, 0, &id, err, sizeof err), ACTOR_ERR_INVALID);
    CHECK_RESULT(lua_actor_spawn(w.rt, NULL, "app:h", NULL, 0, NULL, 0, &id, err, sizeof err), ACTOR_ERR_INVALID);
    CHECK_RESULT(lua_actor_spawn(w.rt, "a:b", "app:h", NULL, 0, NULL, 3, &id, err, sizeof err), ACTOR_ERR_INVALID);
    { /* more arguments asked for than the stack holds: refused, nothing read below the stack */
        lua_State *args = luaL_newstate();
        char msg[128];
        CHECK_OK(define(&w, "app:n", "return { main = function() end }", 0));
        lua_pushinteger(args, 1);
        CHECK_RESULT(lua_actor_spawn(w.rt, "app:n", "app:h", NULL, 0, args, 2, &id, msg, sizeof msg), ACTOR_ERR_INVALID);
        CHECK(strstr(msg, "fewer on the stack") != NULL);
        CHECK_RESULT(lua_actor_spawn(w.rt, "app:n", "app:h", NULL, 0, args, 100, &id, msg, sizeof msg), ACTOR_ERR_INVALID);
        CHECK_EQ(lua_gettop(args), 1);
        lua_close(args);
    }
    CHECK(!lua_actor_parse_pid("", 0, &id));
    CHECK(!lua_actor_parse_pid("{h|1}", 5, &id));
    CHECK(!lua_actor_parse_pid("{h|1.0}", 7, &id));
    CHECK(lua_actor_parse_pid("{a:b|12.3}", 10, &id) && id.value == ((3ull << 32) | 12));
    world_down(&w);
}

/* actor_system_destroy ends busy loops that cannot yield (inside a
   script's own coroutine, behind table.sort) as well as plain ones: the
   processes see their system stopping as a terminate. */
TEST(destroy_ends_busy_loops_that_cannot_yield) {
    static const char *const loops[] = {
        "while true do end",
        "local co = coroutine.create(function() while true do end end) coroutine.resume(co)",
        "local t = {} for i = 1, 50 do t[i] = i end table.sort(t, function() while true do end end)",
        "coroutine.wrap(function() while true do pcall(function() while true do end end) end end)()",
        NULL };
    int i;
    for (i = 0; loops[i]; ++i) {
        world w;
        char src[512], err[256];
        actor_id spin;
        uint64_t t0, took;
        world_up(&w, 1);
        snprintf(src, sizeof src, "return { main = function() %s end }", loops[i]);
        CHECK_OK(define(&w, "app:spin", src, 0));
        CHECK_OK(lua_actor_spawn(w.rt, "app:spin", "app:h", NULL, 0, NULL, 0, &spin, err, sizeof err));
        CHECK_OK(lua_actor_spawn(w.rt, "app:spin", "app:h", NULL, 0, NULL, 0, &spin, err, sizeof err));
        harness_sleep_ms(30);
        t0 = harness_now_ns();
        world_down(&w); /* hung here before */
        took = harness_now_ns() - t0;
        if (took > 100000000ull) printf("  (loop %d took %.1f ms to destroy: %s)\n", i, (double)took / 1e6, loops[i]);
        CHECK(took < 2000000000ull);
    }
}

/* An engine state that outlives the runtime: closing it after both
   destroys touches nothing freed; lua_actor_unbind detaches early and the
   actor functions then raise. */
TEST(engine_state_outlives_the_runtime) {
    world w;
    lua_State *L = luaL_newstate(), *L2 = luaL_newstate();
    luaL_openlibs(L);
    luaL_openlibs(L2);
    world_up(&w, 1);
    lua_actor_bind(L, w.rt);
    lua_actor_bind(L2, w.rt);
    CHECK(luaL_dostring(L, "actor = require('actor') return actor.pid()") == LUA_OK);
    CHECK(luaL_dostring(L2, "actor = require('actor') return actor.pid()") == LUA_OK);
    lua_actor_unbind(L2);
    CHECK(luaL_dostring(L2, "return actor.pid()") != LUA_OK); /* raises: no identity */
    CHECK(strstr(lua_tostring(L2, -1), "no identity") != NULL);
    lua_close(L2);
    world_down(&w);
    lua_close(L); /* after both destroys: its identity was forgotten, not detached */
}

static const test_case tests[] = {
    T(define_reports_syntax_errors),
    T(spawn_from_c_with_args_and_print),
    T(errors_are_reported_with_kind),
    T(memory_limit_ends_only_that_process),
    T(terminate_reaches_a_busy_loop),
    T(terminate_reaches_busy_loops_of_every_kind),
    T(engine_state_talks_to_processes),
    T(bad_input_never_crashes),
    T(destroy_ends_busy_loops_that_cannot_yield),
    T(engine_state_outlives_the_runtime),
};

int main(int argc, char **argv) { return harness_main(argc, argv, tests, TEST_COUNT(tests)); }
