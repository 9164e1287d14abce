/* lua_actor.h — Lua 5.4 processes on top of actor.h.

   Each Lua process is an actor that owns its own lua_State (its own heap,
   like an Erlang process heap). The globals `process`, `channel` and
   `errors`, and the modules `time`, `ctx` and `security`, reproduce the
   process model of the source documents (SPEC.md); the `lua-actor` runner
   loads manifests (_index.lua) and runs apps.

   USAGE
   -----
   In exactly one C file (actor.h's implementation may live in another):

       #define LUA_ACTOR_IMPLEMENTATION
       #include "lua_actor.h"

   Build with Lua 5.4 (Debian: liblua5.4-dev; -I/usr/include/lua5.4 -llua5.4).

   EMBEDDING
   ---------
       lua_actor_runtime *rt;
       lua_actor_desc d = {0};
       d.system = sys;                                   // an actor_system
       lua_actor_create(&d, &rt);
       lua_actor_def_desc def = {0};
       def.id = "app:hello";
       def.source = "return { main = function(n) print('hello', n) end }";
       lua_actor_define(rt, &def, err, sizeof err);
       lua_actor_spawn(rt, "app:hello", "main-host", NULL, 0, NULL, 0, &pid, err, sizeof err);
       ...
       actor_system_destroy(sys);     // ends remaining processes
       lua_actor_destroy(rt);

   An existing Lua state (a game engine's main state) can talk to processes:
   lua_actor_bind(L, rt) then `local actor = require("actor")`:
   actor.spawn(id, host, ...), actor.send(dest, topic, ...),
   actor.receive(timeout_ms) -> topic, from, values..., actor.pid().

   PROCESS MODEL (see SPEC.md and README.md for every rule)
   -------------
   - pid: "{host|slot.generation}", unique for the system's lifetime.
   - The method runs in a coroutine; channel operations, time.sleep,
     process.exec block only that coroutine, the worker runs other
     processes meanwhile. Long computations are preempted (a watchdog
     thread's signal on POSIX workers, else a count hook), which also makes
     terminate / cancel deadlines and system shutdown reach busy loops.
   - Values crossing processes are encoded once at send time into a compact
     binary form (tables with shared references and cycles, integers and
     floats kept apart, binary strings, error objects) and decoded into the
     receiver's own state.

   LIMITATIONS (honest list)
   -----------
   - No hook can interrupt a single long C call (a huge string.rep, a
     pathological pattern): those are bounded by the per-process memory
     limit, not by time.
   - A busy loop inside a coroutine created with coroutine.create (not
     coroutine.spawn) is not time-sliced; it is still terminated.
*/
#ifndef LUA_ACTOR_H_INCLUDED
#define LUA_ACTOR_H_INCLUDED

#include "actor.h"
/* Lua built as C (the usual case, e.g. Debian's liblua5.4): its headers
   need C linkage in C++. Define LUA_ACTOR_LUA_IS_CPP for a Lua built as C++. */
#if defined(__cplusplus) && !defined(LUA_ACTOR_LUA_IS_CPP)
extern "C" {
#endif
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#if defined(__cplusplus) && !defined(LUA_ACTOR_LUA_IS_CPP)
}
#endif

#ifndef LUA_ACTOR_API
#define LUA_ACTOR_API ACTOR_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lua_actor_runtime lua_actor_runtime;

/* What the runtime reports when a process ends. */
typedef struct lua_actor_exit_info {
    const char *pid;        /* "{host|slot.gen}" */
    const char *definition; /* "namespace:name" */
    int normal;             /* 1: normal exit */
    const char *kind;       /* abnormal: error kind ("INTERNAL", "CANCELED", ...) */
    const char *message;    /* abnormal: error message */
    const char *traceback;  /* abnormal Lua errors: stack traceback, else NULL */
} lua_actor_exit_info;

typedef struct lua_actor_desc {
    actor_system *system;   /* required */
    /* One whole line of `print` output (no newline). NULL = stdout. */
    void (*print)(const char *line, size_t len, void *user);
    /* Every process end. NULL = a crash report on stderr for abnormal ends. */
    void (*on_exit)(const lua_actor_exit_info *info, void *user);
    void *user;
    size_t memory_limit;    /* per process, bytes; 0 = 256 MiB */
} lua_actor_desc;

LUA_ACTOR_API actor_result lua_actor_create(const lua_actor_desc *desc, lua_actor_runtime **out);
/* Call after actor_system_destroy (which ends the remaining processes). */
LUA_ACTOR_API void lua_actor_destroy(lua_actor_runtime *rt);

/* Per-process memory limit for processes spawned on a host (0 = default). */
LUA_ACTOR_API actor_result lua_actor_host_limit(lua_actor_runtime *rt, const char *host, size_t bytes);

/* A definition: named process code (or a library module). */
typedef struct lua_actor_def_desc {
    const char *id;               /* "namespace:name" */
    const char *source;           /* Lua source text (or NULL with `path`) */
    size_t source_len;            /* 0 = strlen(source) */
    const char *path;             /* read the source from this file */
    const char *chunkname;        /* for messages; NULL = "@path" or "=id" */
    const char *method;           /* NULL = "main" */
    const char *const *modules;   /* NULL-terminated: time ctx security os io debug package */
    const char *const *imports;   /* NULL-terminated pairs: local name, library id */
    size_t memory_limit;          /* bytes; 0 = host's / runtime's */
    int library;                  /* 1: a library.lua module for `imports` */
} lua_actor_def_desc;

/* Compiles once (syntax errors are reported here, in err). Redefining an id
   replaces it for future spawns; running processes keep their code. */
LUA_ACTOR_API actor_result lua_actor_define(lua_actor_runtime *rt, const lua_actor_def_desc *def, char *err,
                                            size_t errlen);

/* Spawns definition `id` on host `host` with the top `nargs` values of
   `args` (may be NULL) as arguments, copied. `parent` (may be NULL) is the
   attached/calling actor for flags ACTOR_SPAWN_LINK / ACTOR_SPAWN_MONITOR. */
LUA_ACTOR_API actor_result lua_actor_spawn(lua_actor_runtime *rt, const char *id, const char *host,
                                           actor_context *parent, unsigned flags, lua_State *args, int nargs,
                                           actor_id *out, char *err, size_t errlen);

/* Writes the pid text of `id` running on `host` (NULL: "{-|slot.gen}"). */
LUA_ACTOR_API void lua_actor_pid(actor_id id, actor_host *host, char *buf, size_t len);
/* Parses pid text; 1 on success. */
LUA_ACTOR_API int lua_actor_parse_pid(const char *text, size_t len, actor_id *out);
/* Number of Lua processes alive. */
LUA_ACTOR_API uint64_t lua_actor_count(lua_actor_runtime *rt);
/* Bytes of Lua heap held by the live processes (a snapshot). */
LUA_ACTOR_API size_t lua_actor_memory(lua_actor_runtime *rt);

/* Makes require("actor") work in an existing state for runtime `rt`.
   require("actor") attaches the state's thread to the system (an
   identity that can send and receive); it is detached when the state is
   closed, by lua_actor_unbind, or forgotten by lua_actor_destroy. Close
   or unbind the state before actor_system_destroy if it outlives it:
   between the two destroys its identity would point into freed memory. */
LUA_ACTOR_API void lua_actor_bind(lua_State *L, lua_actor_runtime *rt);
/* Detaches the state's identity and unbinds it; actor.* then raise. */
LUA_ACTOR_API void lua_actor_unbind(lua_State *L);
LUA_ACTOR_API int luaopen_actor(lua_State *L);

/* Apps (what the lua-actor runner does). */
typedef struct lua_actor_app lua_actor_app;
/* Loads every _index.lua under dir, defines every entry and creates the
   hosts (workers_override > 0 replaces every host's worker count). Nothing
   runs yet. On error: ACTOR_ERR_INVALID/NOT_FOUND/... and a message naming
   the file and the problem in err. */
LUA_ACTOR_API actor_result lua_actor_app_load(lua_actor_runtime *rt, const char *dir, int workers_override,
                                              lua_actor_app **out, char *err, size_t errlen);
/* Starts the auto_start entries and blocks until no process is left.
   Returns the exit status: 0 every auto-started entry ended normally (its
   last run, with restarts), 1 otherwise, 3 timeout (timeout_ms >= 0),
   128 + signal after lua_actor_app_interrupt. After a timeout or signal it
   waits at most 3 s; if processes are still alive then (stuck in one long
   C call that no hook can interrupt), lua_actor_count() > 0 on return and
   the program should exit without destroying the system. */
LUA_ACTOR_API int lua_actor_app_run(lua_actor_app *app, int64_t timeout_ms);
/* From any thread (not from a signal handler): cancel everything with a
   1 s deadline and make app_run return 128 + signo. */
LUA_ACTOR_API void lua_actor_app_interrupt(lua_actor_app *app, int signo);
LUA_ACTOR_API void lua_actor_app_free(lua_actor_app *app);

#ifdef __cplusplus
}
#endif
#endif /* LUA_ACTOR_H_INCLUDED */

/* ========================================================================== */
/*                              IMPLEMENTATION                                */
/* ========================================================================== */
#if defined(LUA_ACTOR_IMPLEMENTATION) && !defined(LUA_ACTOR_IMPLEMENTATION_DONE)
#define LUA_ACTOR_IMPLEMENTATION_DONE

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if LUA_VERSION_NUM != 504
#error "lua_actor.h needs Lua 5.4"
#endif

/* >>platform: a mutex and counters (the rest comes from actor.h) ------------- */
#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
typedef SRWLOCK la_mutex;
static void la_mutex_init(la_mutex *m) { InitializeSRWLock(m); }
static void la_mutex_destroy(la_mutex *m) { (void)m; }
static void la_lock(la_mutex *m) { AcquireSRWLockExclusive(m); }
static void la_unlock(la_mutex *m) { ReleaseSRWLockExclusive(m); }
#else
#include <dirent.h>
#include <pthread.h>
#include <sys/stat.h>
typedef pthread_mutex_t la_mutex;
static void la_mutex_init(la_mutex *m) { pthread_mutex_init(m, NULL); }
static void la_mutex_destroy(la_mutex *m) { pthread_mutex_destroy(m); }
static void la_lock(la_mutex *m) { pthread_mutex_lock(m); }
static void la_unlock(la_mutex *m) { pthread_mutex_unlock(m); }
#endif
#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#define la_add64(p, v) ((uint64_t)_InterlockedExchangeAdd64((volatile __int64 *)(p), (__int64)(v)))
#define la_ld64(p) (*(volatile uint64_t *)(p))
#define la_ldz(p) (*(volatile size_t *)(p))
#define la_stz(p, v) (*(volatile size_t *)(p) = (v))
#else
/* relaxed: plain counters; whoever acts on a count of zero re-checks under rt->lock */
#define la_add64(p, v) __atomic_fetch_add((p), (uint64_t)(v), __ATOMIC_ACQ_REL)
#define la_ld64(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
/* relaxed: a process's heap size is written by its own thread only and
   read by others for statistics (lua_actor_memory) */
#define la_ldz(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define la_stz(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#endif

/* >>buffer: growable bytes --------------------------------------------------- */

typedef struct la_buf { char *p; size_t n, cap; int oom; } la_buf;

static int la_buf_reserve(la_buf *b, size_t extra) {
    size_t need = b->n + extra, cap;
    char *np;
    if (need <= b->cap) return 1;
    if (need < b->n) { b->oom = 1; return 0; } /* overflow */
    cap = b->cap ? b->cap : 64;
    while (cap < need) cap *= 2;
    np = (char *)realloc(b->p, cap);
    if (!np) { b->oom = 1; return 0; }
    b->p = np;
    b->cap = cap;
    return 1;
}
static void la_buf_put(la_buf *b, const void *d, size_t n) {
    if (n && la_buf_reserve(b, n)) { memcpy(b->p + b->n, d, n); b->n += n; }
}
static void la_buf_byte(la_buf *b, int c) {
    if (b->n < b->cap || la_buf_reserve(b, 1)) b->p[b->n++] = (char)c;
}
static void la_buf_varint(la_buf *b, uint64_t v) {
    unsigned char *d;
    if (b->cap - b->n < 10 && !la_buf_reserve(b, 10)) return;
    d = (unsigned char *)b->p + b->n;
    while (v > 0x7F) { *d++ = (unsigned char)(v | 0x80); v >>= 7; }
    *d++ = (unsigned char)v;
    b->n = (size_t)((char *)d - b->p);
}
static void la_buf_str(la_buf *b, const char *s, size_t n) { la_buf_varint(b, n); la_buf_put(b, s, n); }
static void la_buf_free(la_buf *b) { free(b->p); b->p = NULL; b->n = b->cap = 0; }

typedef struct la_reader { const unsigned char *p, *end; int bad; } la_reader;

static int la_rd_byte(la_reader *r) {
    if (r->p >= r->end) { r->bad = 1; return -1; }
    return *r->p++;
}
static uint64_t la_rd_varint(la_reader *r) {
    uint64_t v = 0;
    int shift = 0, c;
    do {
        if ((c = la_rd_byte(r)) < 0 || shift > 63) { r->bad = 1; return 0; }
        v |= (uint64_t)(c & 0x7F) << shift;
        shift += 7;
    } while (c & 0x80);
    return v;
}
static const char *la_rd_str(la_reader *r, size_t *len) {
    uint64_t n = la_rd_varint(r);
    const char *s = (const char *)r->p;
    if (r->bad || n > (uint64_t)(r->end - r->p)) { r->bad = 1; *len = 0; return ""; }
    r->p += n;
    *len = (size_t)n;
    return s;
}

/* >>errors: error objects and kinds (SPEC §7) --------------------------------- */

static const char *const la_kinds[] = { "UNKNOWN", "NOT_FOUND", "ALREADY_EXISTS", "INVALID", "PERMISSION_DENIED",
                                        "CANCELED", "TIMEOUT", "INTERNAL", "UNAVAILABLE", NULL };
enum { LA_UNKNOWN, LA_NOT_FOUND, LA_ALREADY_EXISTS, LA_INVALID, LA_PERMISSION_DENIED, LA_CANCELED, LA_TIMEOUT,
       LA_INTERNAL, LA_UNAVAILABLE, LA_NKINDS };
/* An error exit of a process carries its kind in the reason's code as
   kind + 1: code 0 is an error of the C core (out of memory, memory limit),
   which reads as INTERNAL, and UNKNOWN (0) stays UNKNOWN. */
#define LA_CODE_OF_KIND(kind) ((kind) + 1)
#define LA_KIND_OF_CODE(code) ((code) > 0 && (code) <= LA_NKINDS ? (code) - 1 : LA_INTERNAL)
static const char LA_MT_ERROR[] = "actor.error";

/* Metatables are made on first use (see la_fill_meta): most processes
   never need most of them, and a process must be cheap to start. */
static void la_setmeta(lua_State *L, const char *name);

static int la_kind_index(const char *k) {
    int i;
    for (i = 0; i < LA_NKINDS; ++i) if (!strcmp(la_kinds[i], k)) return i;
    return -1;
}

/* Pushes a new error object (userdata; user values: kind, message). */
static void la_push_error_l(lua_State *L, int kind, const char *msg, size_t len) {
    lua_newuserdatauv(L, 0, 2);
    la_setmeta(L, LA_MT_ERROR);
    lua_pushstring(L, la_kinds[kind >= 0 && kind < LA_NKINDS ? kind : LA_UNKNOWN]);
    lua_setiuservalue(L, -2, 1);
    lua_pushlstring(L, msg, len);
    lua_setiuservalue(L, -2, 2);
}
static void la_push_error(lua_State *L, int kind, const char *msg) { la_push_error_l(L, kind, msg, strlen(msg)); }

static void la_push_errorf(lua_State *L, int kind, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    la_push_error(L, kind, buf);
}

/* The documented failure shape: returns nil, err. */
static int la_fail(lua_State *L, int kind, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    lua_pushnil(L);
    la_push_error(L, kind, buf);
    return 2;
}

static int la_is_error(lua_State *L, int idx) { return luaL_testudata(L, idx, LA_MT_ERROR) != NULL; }

/* Kind index and message of the error object at idx. */
static int la_error_kind(lua_State *L, int idx) {
    int k;
    lua_getiuservalue(L, idx, 1);
    k = la_kind_index(lua_tostring(L, -1));
    lua_pop(L, 1);
    return k < 0 ? LA_UNKNOWN : k;
}
/* An error object's message and its length (it may hold NUL bytes). */
static const char *la_error_message(lua_State *L, int idx, size_t *len) {
    const char *m;
    lua_getiuservalue(L, idx, 2);
    m = lua_tolstring(L, -1, len);
    lua_pop(L, 1); /* the string stays alive: the userdata holds it */
    if (!m) { *len = 0; return ""; }
    return m;
}

static int la_err_kind(lua_State *L) { luaL_checkudata(L, 1, LA_MT_ERROR); lua_getiuservalue(L, 1, 1); return 1; }
static int la_err_message(lua_State *L) { luaL_checkudata(L, 1, LA_MT_ERROR); lua_getiuservalue(L, 1, 2); return 1; }
static int la_err_tostring(lua_State *L) { return la_err_message(L); }
static int la_err_concat(lua_State *L) {
    int i;
    for (i = 1; i <= 2; ++i) {
        if (la_is_error(L, i)) lua_getiuservalue(L, i, 2);
        else if (lua_type(L, i) == LUA_TSTRING || lua_type(L, i) == LUA_TNUMBER) lua_pushvalue(L, i);
        else return luaL_error(L, "attempt to concatenate a %s value with an error", luaL_typename(L, i));
    }
    lua_concat(L, 2);
    return 1;
}
static int la_err_eq(lua_State *L) {
    size_t n1, n2;
    const char *m1 = la_error_message(L, 1, &n1), *m2 = la_error_message(L, 2, &n2);
    lua_pushboolean(L, la_error_kind(L, 1) == la_error_kind(L, 2) && n1 == n2 && !memcmp(m1, m2, n1));
    return 1;
}

/* errors.new(message) | errors.new{message = ..., kind = ...} */
static int la_errors_new(lua_State *L) {
    int kind = LA_UNKNOWN;
    size_t len;
    const char *msg;
    if (lua_type(L, 1) == LUA_TTABLE) {
        lua_getfield(L, 1, "kind");
        if (!lua_isnil(L, -1)) {
            if (lua_type(L, -1) != LUA_TSTRING || (kind = la_kind_index(lua_tostring(L, -1))) < 0)
                return luaL_error(L, "errors.new: unknown kind '%s'", luaL_tolstring(L, -1, NULL));
        }
        lua_getfield(L, 1, "message");
        msg = lua_tolstring(L, -1, &len);
        la_push_error_l(L, kind, msg ? msg : "", msg ? len : 0);
        return 1;
    }
    msg = luaL_checklstring(L, 1, &len);
    la_push_error_l(L, kind, msg, len);
    return 1;
}
static int la_errors_is(lua_State *L) {
    const char *k = luaL_checkstring(L, 2);
    lua_pushboolean(L, la_is_error(L, 1) && !strcmp(la_kinds[la_error_kind(L, 1)], k));
    return 1;
}

static void la_fill_error_meta(lua_State *L) {
    static const luaL_Reg meta[] = { { "__tostring", la_err_tostring }, { "__concat", la_err_concat },
                                     { "__eq", la_err_eq }, { NULL, NULL } };
    static const luaL_Reg methods[] = { { "kind", la_err_kind }, { "message", la_err_message }, { NULL, NULL } };
    luaL_setfuncs(L, meta, 0);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
}

static void la_push_errors_lib(lua_State *L) {
    static const luaL_Reg funcs[] = { { "new", la_errors_new }, { "is", la_errors_is }, { NULL, NULL } };
    int i;
    luaL_newlib(L, funcs);
    for (i = 0; i < LA_NKINDS; ++i) { lua_pushstring(L, la_kinds[i]); lua_setfield(L, -2, la_kinds[i]); }
}

/* A raised Lua value as an error object, without running user code (no
   metamethods): error objects stay, strings become INTERNAL errors. */
static void la_push_as_error(lua_State *L, int idx) {
    idx = lua_absindex(L, idx);
    if (la_is_error(L, idx)) { lua_pushvalue(L, idx); return; }
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: case LUA_TNUMBER: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        la_push_error_l(L, LA_INTERNAL, s, n);
        return;
    }
    case LUA_TNIL: la_push_error(L, LA_INTERNAL, "nil"); return;
    default: la_push_errorf(L, LA_INTERNAL, "(error object is a %s value)", luaL_typename(L, idx)); return;
    }
}

/* >>codec: values between processes (SPEC §6) --------------------------------- */

enum { LA_V_NIL, LA_V_FALSE, LA_V_TRUE, LA_V_INT, LA_V_FLOAT, LA_V_STR, LA_V_TABLE, LA_V_END, LA_V_REF, LA_V_ERROR,
       LA_V_SHARED_STR };
/* Strings this long are written once per message and referred to after
   (like tables): one string referenced a thousand times does not make a
   message a thousand times its size. */
#define LA_SHARE_MIN 64
#define LA_MAX_DEPTH 200
#define LA_MAX_ARGS 250 /* values passed to a new process (spawn, exec, upgrade, manifests) */

typedef struct la_enc {
    lua_State *L;
    la_buf *b;
    int seen;           /* stack index of the table / long string -> id map (0 until the first) */
    int nrefs;
    char err[160];      /* why a value cannot be copied */
} la_enc;

static int la_encode_value(la_enc *e, int idx, int depth);

/* A table or long string met before in this message is written as a
   reference to its first copy (1). Else it gets the next id (0): the
   decoder numbers them in the same order. */
static int la_encode_seen(la_enc *e, int idx) {
    lua_State *L = e->L;
    if (!e->seen) { lua_newtable(L); e->seen = lua_gettop(L); }
    lua_pushvalue(L, idx);
    if (lua_rawget(L, e->seen) == LUA_TNUMBER) { /* shared reference or cycle */
        la_buf_byte(e->b, LA_V_REF);
        la_buf_varint(e->b, (uint64_t)lua_tointeger(L, -1));
        lua_pop(L, 1);
        return 1;
    }
    lua_pop(L, 1);
    lua_pushvalue(L, idx);
    lua_pushinteger(L, ++e->nrefs);
    lua_rawset(L, e->seen);
    return 0;
}

static int la_encode_table(la_enc *e, int idx, int depth) {
    lua_State *L = e->L;
    if (depth > LA_MAX_DEPTH) {
        snprintf(e->err, sizeof e->err, "tables nested deeper than %d levels cannot be copied", LA_MAX_DEPTH);
        return 0;
    }
    luaL_checkstack(L, 6, "nested tables");
    if (la_encode_seen(e, idx)) return 1;
    la_buf_byte(e->b, LA_V_TABLE);
    lua_pushnil(L);
    while (lua_next(L, idx)) { /* raw traversal: metatables are not copied */
        int top = lua_gettop(L);
        if (!la_encode_value(e, top - 1, depth + 1) || !la_encode_value(e, top, depth + 1)) { lua_pop(L, 2); return 0; }
        lua_pop(L, 1);
    }
    la_buf_byte(e->b, LA_V_END);
    return 1;
}

static int la_encode_value(la_enc *e, int idx, int depth) {
    lua_State *L = e->L;
    switch (lua_type(L, idx)) {
    case LUA_TNIL: la_buf_byte(e->b, LA_V_NIL); return 1;
    case LUA_TBOOLEAN: la_buf_byte(e->b, lua_toboolean(L, idx) ? LA_V_TRUE : LA_V_FALSE); return 1;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            int64_t v = (int64_t)lua_tointeger(L, idx);
            la_buf_byte(e->b, LA_V_INT);
            la_buf_varint(e->b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63)); /* zigzag */
        } else {
            double d = (double)lua_tonumber(L, idx);
            la_buf_byte(e->b, LA_V_FLOAT);
            la_buf_put(e->b, &d, sizeof d);
        }
        return 1;
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        if (n >= LA_SHARE_MIN) {
            luaL_checkstack(L, 4, "long strings");
            if (la_encode_seen(e, lua_absindex(L, idx))) return 1;
            la_buf_byte(e->b, LA_V_SHARED_STR);
        } else {
            la_buf_byte(e->b, LA_V_STR);
        }
        la_buf_str(e->b, s, n);
        return 1;
    }
    case LUA_TTABLE: return la_encode_table(e, lua_absindex(L, idx), depth);
    case LUA_TUSERDATA:
        if (la_is_error(L, idx)) {
            size_t n;
            const char *m = la_error_message(L, idx, &n);
            la_buf_byte(e->b, LA_V_ERROR);
            la_buf_byte(e->b, la_error_kind(L, idx));
            la_buf_str(e->b, m, n);
            return 1;
        }
        snprintf(e->err, sizeof e->err, "a %s cannot be copied to another process",
                 luaL_testudata(L, idx, "actor.channel") ? "channel" : "userdata");
        return 0;
    default:
        snprintf(e->err, sizeof e->err, "a %s cannot be copied to another process", luaL_typename(L, idx));
        return 0;
    }
}

/* Encodes `n` values starting at stack index `first`, which sit `wrap`
   levels deep in tables of ours (an upgrade's carry wraps what was sent:
   those levels do not count against LA_MAX_DEPTH; at most 3, which the
   decoder allows). 1 = ok; 0 = a value cannot be copied (message in
   e->err). The buffer is appended to. */
static int la_encode_wrapped(lua_State *L, la_buf *b, int first, int n, int wrap, char *err, size_t errlen) {
    la_enc e;
    int i, ok = 1, top = lua_gettop(L);
    e.L = L; e.b = b; e.seen = 0; e.nrefs = 0; e.err[0] = 0;
    first = lua_absindex(L, first);
    for (i = 0; i < n && ok; ++i) ok = la_encode_value(&e, first + i, -wrap);
    lua_settop(L, top);
    if (ok && b->oom) { snprintf(e.err, sizeof e.err, "out of memory encoding a message"); ok = 0; }
    if (!ok && err) snprintf(err, errlen, "%s", e.err);
    return ok;
}

static int la_encode(lua_State *L, la_buf *b, int first, int n, char *err, size_t errlen) {
    return la_encode_wrapped(L, b, first, n, 0, err, errlen);
}

/* Decodes one value onto the stack. `refs` is the stack slot for the table
   of decoded tables (nil until the first table: most messages have none). */
static void la_decode_value(lua_State *L, la_reader *r, int refs, int depth) {
    int tag = la_rd_byte(r);
    if (depth > LA_MAX_DEPTH + 3) r->bad = 1; /* (see la_encode_wrapped) */
    if (r->bad) { lua_pushnil(L); return; }
    switch (tag) {
    case LA_V_NIL: lua_pushnil(L); break;
    case LA_V_FALSE: lua_pushboolean(L, 0); break;
    case LA_V_TRUE: lua_pushboolean(L, 1); break;
    case LA_V_INT: {
        uint64_t z = la_rd_varint(r);
        lua_pushinteger(L, (lua_Integer)(int64_t)((z >> 1) ^ (uint64_t)-(int64_t)(z & 1)));
        break;
    }
    case LA_V_FLOAT: {
        double d = 0;
        if (r->end - r->p < (ptrdiff_t)sizeof d) { r->bad = 1; lua_pushnil(L); break; }
        memcpy(&d, r->p, sizeof d);
        r->p += sizeof d;
        lua_pushnumber(L, (lua_Number)d);
        break;
    }
    case LA_V_STR: {
        size_t n;
        const char *s = la_rd_str(r, &n);
        lua_pushlstring(L, s, n);
        break;
    }
    case LA_V_SHARED_STR: {
        size_t n;
        const char *s = la_rd_str(r, &n);
        if (lua_isnil(L, refs)) { lua_newtable(L); lua_replace(L, refs); }
        lua_pushlstring(L, s, n);
        lua_pushvalue(L, -1);
        lua_rawseti(L, refs, (lua_Integer)lua_rawlen(L, refs) + 1);
        break;
    }
    case LA_V_TABLE: {
        int t;
        luaL_checkstack(L, 6, "nested tables");
        if (lua_isnil(L, refs)) { lua_newtable(L); lua_replace(L, refs); }
        lua_newtable(L);
        t = lua_gettop(L);
        lua_pushvalue(L, t);
        lua_rawseti(L, refs, (lua_Integer)lua_rawlen(L, refs) + 1);
        for (;;) {
            if (r->p < r->end && *r->p == LA_V_END) { r->p++; break; }
            if (r->bad || r->p >= r->end) { r->bad = 1; break; }
            la_decode_value(L, r, refs, depth + 1);
            la_decode_value(L, r, refs, depth + 1);
            if (lua_isnil(L, -2)) lua_pop(L, 2); /* only on corrupt input */
            else lua_rawset(L, t);
        }
        break;
    }
    case LA_V_REF: {
        uint64_t i = la_rd_varint(r);
        if (lua_isnil(L, refs)) { lua_pushnil(L); r->bad = 1; }
        else if (lua_rawgeti(L, refs, (lua_Integer)i) == LUA_TNIL) r->bad = 1;
        break;
    }
    case LA_V_ERROR: {
        int kind = la_rd_byte(r);
        size_t n;
        const char *s = la_rd_str(r, &n);
        la_push_error_l(L, kind, s, n);
        break;
    }
    default: r->bad = 1; lua_pushnil(L); break;
    }
}

/* Decodes `n` values onto the stack (exactly n are pushed). 0 on corrupt input. */
static int la_decode(lua_State *L, la_reader *r, int n) {
    int refs, i;
    luaL_checkstack(L, n + 8, "too many values");
    lua_pushnil(L);
    refs = lua_gettop(L);
    for (i = 0; i < n; ++i) la_decode_value(L, r, refs, 0);
    lua_remove(L, refs);
    return !r->bad;
}

/* >>runtime: definitions and bookkeeping ---------------------------------------- */

enum { LA_M_TIME = 1, LA_M_CTX = 2, LA_M_SECURITY = 4, LA_M_OS = 8, LA_M_IO = 16, LA_M_DEBUG = 32, LA_M_PACKAGE = 64 };
static const char *const la_module_names[] = { "time", "ctx", "security", "os", "io", "debug", "package", NULL };

typedef struct la_def {
    struct la_def *next_all; /* every definition ever made; freed with the runtime */
    char *id, *method, *chunkname;
    char *code;              /* bytecode, compiled once */
    size_t code_len;
    unsigned modules;
    char **imports;          /* pairs: local name, library id */
    int nimports;
    size_t memory_limit;
    int library;
} la_def;

typedef struct la_proc la_proc;

typedef struct la_limit { char *host; size_t bytes; } la_limit;

/* The base library's functions a process's _G offers, made on first use. */
static const char *const la_base_names[] = { "assert", "collectgarbage", "error", "getmetatable", "ipairs", "load",
    "next", "pairs", "pcall", "rawequal", "rawget", "rawlen", "rawset", "select", "setmetatable", "tonumber",
    "tostring", "type", "warn", "xpcall", NULL };
#define LA_NBASE 20

/* An engine state's identity (see >>embed). The runtime lists them so that destroying it
   disarms every one (their system is gone: nothing left to detach). */
typedef struct la_attached {
    lua_actor_runtime *rt;  /* NULL once released or forgotten */
    actor_context *me;
    struct la_attached *prev, *next;
} la_attached;

struct lua_actor_runtime {
    actor_system *sys;
    lua_actor_desc d;
    la_mutex lock;          /* defs, limits, procs, observer */
    la_def **defs;          /* current definition for each id */
    int ndefs, capdefs;
    la_def *all_defs;
    la_limit *limits;
    int nlimits;
    la_mutex out_lock;      /* whole lines of print output */
    uint64_t live;          /* Lua processes alive (atomic) */
    la_proc *procs;         /* live processes, under lock */
    uint64_t stop_by_ns;    /* app shutdown (0 = none): processes starting now cancel themselves, same deadline */
    actor_id observer;      /* told (LA_TAG_IDLE) when live drops to 0 */
    lua_CFunction base[LA_NBASE]; /* the base library's functions (see la_read_base) */
    int signal_preemption;  /* the watchdog's signal is ours (see >>preempt) */
    la_attached *attached;  /* engine states' identities, under lock (see >>embed) */
};

/* Message tags between Lua processes (actor_msg.tag). */
enum { LA_TAG_MSG = 0x4C410001u, LA_TAG_IDLE = 0x4C410002u };

static char *la_strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = (char *)malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static void la_def_free(la_def *d) {
    int i;
    if (!d) return;
    free(d->id); free(d->method); free(d->chunkname); free(d->code);
    if (d->imports)
        for (i = 0; i < 2 * d->nimports; ++i) free(d->imports[i]);
    free(d->imports);
    free(d);
}

/* The current definition for id, or NULL. */
static const la_def *la_find_def(lua_actor_runtime *rt, const char *id) {
    const la_def *d = NULL;
    int i;
    la_lock(&rt->lock);
    for (i = 0; i < rt->ndefs; ++i)
        if (!strcmp(rt->defs[i]->id, id)) { d = rt->defs[i]; break; }
    la_unlock(&rt->lock);
    return d;
}

static size_t la_host_limit(lua_actor_runtime *rt, actor_host *h) {
    size_t bytes = 0;
    int i;
    la_lock(&rt->lock);
    for (i = 0; i < rt->nlimits; ++i)
        if (!strcmp(rt->limits[i].host, actor_host_name(h))) { bytes = rt->limits[i].bytes; break; }
    la_unlock(&rt->lock);
    return bytes;
}

actor_result lua_actor_host_limit(lua_actor_runtime *rt, const char *host, size_t bytes) {
    la_limit *nl;
    int i;
    if (!rt || !host) return ACTOR_ERR_INVALID;
    la_lock(&rt->lock);
    for (i = 0; i < rt->nlimits; ++i)
        if (!strcmp(rt->limits[i].host, host)) { rt->limits[i].bytes = bytes; la_unlock(&rt->lock); return ACTOR_OK; }
    nl = (la_limit *)realloc(rt->limits, (size_t)(rt->nlimits + 1) * sizeof *nl);
    if (!nl || !(nl[rt->nlimits].host = la_strdup(host))) {
        if (nl) rt->limits = nl;
        la_unlock(&rt->lock);
        return ACTOR_ERR_NO_MEMORY;
    }
    nl[rt->nlimits++].bytes = bytes;
    rt->limits = nl;
    la_unlock(&rt->lock);
    return ACTOR_OK;
}

static int la_dump_writer(lua_State *L, const void *p, size_t sz, void *ud) {
    (void)L;
    la_buf_put((la_buf *)ud, p, sz);
    return ((la_buf *)ud)->oom;
}

static char *la_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    la_buf b = { NULL, 0, 0, 0 };
    char chunk[8192];
    size_t n;
    if (!f) return NULL;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) la_buf_put(&b, chunk, n);
    if (ferror(f)) { int e = errno; fclose(f); la_buf_free(&b); errno = e ? e : EIO; return NULL; } /* e.g. a directory */
    fclose(f);
    la_buf_byte(&b, 0);
    if (b.oom) { la_buf_free(&b); errno = ENOMEM; return NULL; }
    *len = b.n - 1;
    return b.p;
}

actor_result lua_actor_define(lua_actor_runtime *rt, const lua_actor_def_desc *dd, char *err, size_t errlen) {
    la_def *d;
    lua_State *S;
    char *owned = NULL, namebuf[ACTOR_NAME_MAX + 8];
    const char *src, *chunkname;
    size_t len = 0;
    la_buf code = { NULL, 0, 0, 0 };
    int i;
    if (err && errlen) err[0] = 0;
    if (!rt || !dd || !dd->id || !*dd->id || (!dd->source && !dd->path)) {
        if (err) snprintf(err, errlen, "definition needs an id and a source");
        return ACTOR_ERR_INVALID;
    }
    if (!strchr(dd->id, ':')) {
        if (err) snprintf(err, errlen, "definition id '%s' is not of the form namespace:name", dd->id);
        return ACTOR_ERR_INVALID;
    }
    src = dd->source;
    if (!src) {
        if (!(owned = la_read_file(dd->path, &len))) {
            if (err) snprintf(err, errlen, "%s: cannot read: %s", dd->path, strerror(errno));
            return ACTOR_ERR_NOT_FOUND;
        }
        src = owned;
    } else {
        len = dd->source_len ? dd->source_len : strlen(src);
    }
    chunkname = dd->chunkname;
    if (!chunkname) {
        snprintf(namebuf, sizeof namebuf, dd->path ? "@%s" : "=%s", dd->path ? dd->path : dd->id);
        chunkname = namebuf;
    }
    if (dd->modules)
        for (i = 0; dd->modules[i]; ++i) {
            int k, found = 0;
            for (k = 0; la_module_names[k]; ++k) if (!strcmp(la_module_names[k], dd->modules[i])) found = 1;
            if (!found) {
                if (err) snprintf(err, errlen, "%s: unknown module '%s'", dd->id, dd->modules[i]);
                free(owned);
                return ACTOR_ERR_INVALID;
            }
        }
    /* compile once: syntax errors surface here, before anything runs */
    S = luaL_newstate();
    if (!S) { free(owned); return ACTOR_ERR_NO_MEMORY; }
    if (luaL_loadbufferx(S, src, len, chunkname, "t") != LUA_OK) {
        if (err) snprintf(err, errlen, "%s", lua_tostring(S, -1));
        lua_close(S);
        free(owned);
        return ACTOR_ERR_INVALID;
    }
    lua_dump(S, la_dump_writer, &code, 0);
    lua_close(S);
    free(owned);
    d = (la_def *)calloc(1, sizeof *d);
    if (!d || code.oom) { free(d); la_buf_free(&code); return ACTOR_ERR_NO_MEMORY; }
    d->code = code.p;
    d->code_len = code.n;
    d->id = la_strdup(dd->id);
    d->method = la_strdup(dd->method ? dd->method : "main");
    d->chunkname = la_strdup(chunkname);
    d->memory_limit = dd->memory_limit;
    d->library = dd->library;
    if (dd->modules)
        for (i = 0; dd->modules[i]; ++i) {
            int k;
            for (k = 0; la_module_names[k]; ++k) if (!strcmp(la_module_names[k], dd->modules[i])) d->modules |= 1u << k;
        }
    if (dd->imports) {
        while (dd->imports[2 * d->nimports] && dd->imports[2 * d->nimports + 1]) d->nimports++;
        d->imports = (char **)calloc((size_t)(2 * d->nimports + 1), sizeof(char *));
        if (d->imports)
            for (i = 0; i < 2 * d->nimports; ++i)
                if (!(d->imports[i] = la_strdup(dd->imports[i]))) { la_def_free(d); return ACTOR_ERR_NO_MEMORY; }
    }
    if (!d->id || !d->method || !d->chunkname || (d->nimports && !d->imports)) { la_def_free(d); return ACTOR_ERR_NO_MEMORY; }
    la_lock(&rt->lock);
    for (i = 0; i < rt->ndefs; ++i)
        if (!strcmp(rt->defs[i]->id, d->id)) break;
    if (i == rt->ndefs && rt->ndefs == rt->capdefs) {
        int cap = rt->capdefs ? rt->capdefs * 2 : 16;
        la_def **nd = (la_def **)realloc(rt->defs, (size_t)cap * sizeof *nd);
        if (!nd) { la_unlock(&rt->lock); la_def_free(d); return ACTOR_ERR_NO_MEMORY; }
        rt->defs = nd;
        rt->capdefs = cap;
    }
    rt->defs[i] = d; /* a replaced definition stays alive in all_defs */
    if (i == rt->ndefs) rt->ndefs++;
    d->next_all = rt->all_defs;
    rt->all_defs = d;
    la_unlock(&rt->lock);
    return ACTOR_OK;
}

static int la_wd_acquire(void);
static void la_wd_release(void);

/* Reads the addresses of the base library's functions from a scratch state:
   they are plain C functions without upvalues (luaopen_base registers them
   so), so a process can push one as a light function when its script first
   names it, instead of every process filling _G with all of them (a third
   of an idle process's heap). */
static int la_read_base(lua_actor_runtime *rt) {
    lua_State *T = luaL_newstate();
    int i, ok = 1;
    if (!T) return 0;
    luaopen_base(T);
    for (i = 0; i < LA_NBASE; ++i) {
        lua_getfield(T, -1, la_base_names[i]);
        rt->base[i] = lua_tocfunction(T, -1);
        if (!rt->base[i] || lua_getupvalue(T, -1, 1)) ok = 0;
        lua_settop(T, 1);
    }
    lua_close(T);
    return ok;
}

actor_result lua_actor_create(const lua_actor_desc *desc, lua_actor_runtime **out) {
    lua_actor_runtime *rt;
    if (!out) return ACTOR_ERR_INVALID;
    *out = NULL;
    if (!desc || !desc->system) return ACTOR_ERR_INVALID;
    rt = (lua_actor_runtime *)calloc(1, sizeof *rt);
    if (!rt) return ACTOR_ERR_NO_MEMORY;
    if (!la_read_base(rt)) { free(rt); return ACTOR_ERR_NO_MEMORY; }
    rt->signal_preemption = la_wd_acquire();
    rt->sys = desc->system;
    rt->d = *desc;
    if (!rt->d.memory_limit) rt->d.memory_limit = (size_t)256 << 20;
    la_mutex_init(&rt->lock);
    la_mutex_init(&rt->out_lock);
    *out = rt;
    return ACTOR_OK;
}

void lua_actor_destroy(lua_actor_runtime *rt) {
    int i;
    if (!rt) return;
    while (rt->attached) { /* their system is gone: forget them, the states' __gc then does nothing */
        la_attached *a = rt->attached;
        rt->attached = a->next;
        a->rt = NULL;
        a->me = NULL;
        a->prev = a->next = NULL;
    }
    while (rt->all_defs) {
        la_def *d = rt->all_defs;
        rt->all_defs = d->next_all;
        la_def_free(d);
    }
    free(rt->defs);
    for (i = 0; i < rt->nlimits; ++i) free(rt->limits[i].host);
    free(rt->limits);
    la_mutex_destroy(&rt->lock);
    la_mutex_destroy(&rt->out_lock);
    free(rt);
    la_wd_release();
}

uint64_t lua_actor_count(lua_actor_runtime *rt) { return rt ? la_ld64(&rt->live) : 0; }


/* >>pid ------------------------------------------------------------------------ */

static char *la_put_u32(char *d, uint32_t v) {
    char tmp[10];
    int n = 0;
    do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) *d++ = tmp[--n];
    return d;
}

/* "{host|slot.gen}" without printf: this runs for every message received. */
void lua_actor_pid(actor_id id, actor_host *host, char *buf, size_t len) {
    const char *name = host ? actor_host_name(host) : "-";
    size_t n = strlen(name);
    char *d = buf;
    if (!len) return;
    if (n + 25 > len) { buf[0] = 0; return; }
    *d++ = '{';
    memcpy(d, name, n);
    d += n;
    *d++ = '|';
    d = la_put_u32(d, (uint32_t)id.value);
    *d++ = '.';
    d = la_put_u32(d, (uint32_t)(id.value >> 32));
    *d++ = '}';
    *d = 0;
}

/* The parser; *host_len = bytes of the host part (between '{' and the last '|'). */
static int la_parse_pid(const char *s, size_t n, actor_id *out, size_t *host_len) {
    const char *bar = NULL, *p, *end = s + n;
    uint64_t slot = 0, gen = 0;
    int dot = 0, digits = 0;
    if (n < 6 || s[0] != '{' || s[n - 1] != '}') return 0;
    for (p = s; p < end; ++p) if (*p == '|') bar = p;
    if (!bar) return 0;
    for (p = bar + 1; p < end - 1; ++p) {
        if (*p == '.' && !dot && digits) { dot = 1; digits = 0; continue; }
        if (*p < '0' || *p > '9') return 0;
        if (dot) gen = gen * 10 + (uint64_t)(*p - '0');
        else slot = slot * 10 + (uint64_t)(*p - '0');
        if (++digits > 10) return 0;
    }
    if (!dot || !digits || slot > 0xFFFFFFFFu || gen > 0xFFFFFFFFu || !gen) return 0;
    out->value = (gen << 32) | slot;
    *host_len = (size_t)(bar - s - 1);
    return 1;
}

int lua_actor_parse_pid(const char *s, size_t n, actor_id *out) {
    size_t host_len;
    return la_parse_pid(s, n, out, &host_len);
}

/* Parses a pid and checks its host part against the live process it
   names: "{other|5.1}" does not reach process 5.1 of host "main". A dead
   id passes (sending to it then fails as to any dead pid). */
static int la_parse_live_pid(actor_system *sys, const char *s, size_t n, actor_id *out) {
    const char *name;
    size_t host_len;
    actor_host *h;
    if (!la_parse_pid(s, n, out, &host_len)) return 0;
    h = actor_host_of_id(sys, *out);
    if (!h && !actor_alive(sys, *out)) return 1;
    name = h ? actor_host_name(h) : "-"; /* attached identities print as "-" */
    return host_len == strlen(name) && !memcmp(s + 1, name, host_len);
}

static void la_push_pid(lua_State *L, actor_id id, actor_host *host) {
    char buf[ACTOR_NAME_MAX + 40];
    lua_actor_pid(id, host, buf, sizeof buf);
    lua_pushstring(L, buf);
}

/* >>proc: one Lua process ----------------------------------------------------- */

typedef struct la_ready { lua_State *co; int nargs; } la_ready;

/* One blocked operation: a plain send/receive (1 waiter) or a select (n
   waiters follow the struct). */
typedef struct la_sel la_sel;
struct la_sel {
    lua_State *co;
    int n, plain, done;
    la_sel *next_free, *next_all; /* plain waits: malloc'd and reused */
};

enum { LA_Y_NONE, LA_Y_BLOCKED, LA_Y_PREEMPT, LA_Y_PASS, LA_Y_KILL, LA_Y_UPGRADE };

struct la_proc {
    /* Hot: read on every message and resume, grouped so a hop touches few
       cache lines (a ring of many processes runs each one cold). */
    actor_context *ctx;
    lua_State *L;            /* NULL until the first turn */
    lua_State *main_co;
    lua_State *current;      /* coroutine being resumed by the scheduler */
    struct la_chan *inbox;   /* the inbox channel once made (a shortcut for routing) */
    const actor_msg *direct; /* a message for the inbox receiver being resumed (la_deliver_direct) */
    la_ready *rq;            /* ready coroutines (ring) */
    la_sel *sel_free;        /* plain waits, reused (see la_wait) */
    int rq_head, rq_len, rq_cap;
    int yield_reason;
    int finished;            /* exit requested */
    int oom;                 /* LA_OOM_LIMIT or LA_OOM_SYSTEM: the process ends (la_oom_text) */
    int nlisten;             /* listen channels open (0: skip the lookup) */
    int secured;             /* carries a security actor and scope */
    int yielded;             /* a YIELD turn is due (la_yield_turn): messages until then are routed, not run */
    size_t mem, limit;
    uint64_t slice_start;    /* this turn's, 0 = not yet read (la_slice_used) */
    int hooked;              /* preempted through a count hook, not the watchdog (see >>preempt) */
    int settled;             /* has been idle once (see la_run) */
    int refused;
    int grace;               /* reporting an error: LA_GRACE bytes beyond the limit (la_fail_process) */
    int msg_meta_ref;        /* the Message metatable at registry[msg_meta_ref]; 0 = not made yet */
    int last_topic_ref;      /* the last topic received, at registry[last_topic_ref] (0 = none) */
    int last_from_ref;       /* 0 = none yet */
    int last_to_ref;         /* the last pid string sent to, at registry[last_to_ref] (anchored) */
    uint64_t last_from;      /* the last sender's id, its pid string at registry[last_from_ref] */
    actor_id last_to;
    const char *last_to_text;
    size_t last_topic_len;
    char last_topic[24];
    la_buf scratch;          /* encoding buffer, reused */
    void *cache[16];         /* freed small blocks, per size class (la_alloc) */
    unsigned char ncache[16];
    /* Cold. */
    lua_actor_runtime *rt;
    actor_host *host;
    const la_def *def;
    actor_id self;
    const void *r_ptr;       /* last refused request (see la_alloc) */
    size_t r_osize, r_nsize;
    uint64_t rng;
    uint32_t next_tag;       /* timer tags */
    int npids;               /* entries in the pid cache */
    la_sel *sel_all;
    char *traceback;         /* of the error that ended the process */
    la_proc *prev, *next;    /* rt->procs */
    const la_def *upgrade_to;
    la_buf carry;            /* upgrade: args and undelivered messages */
};

/* Registry keys (addresses are unique; every state has its own registry). */
static char la_K_THREADS, la_K_TIMERS, la_K_LISTEN, la_K_INBOX, la_K_EVENTS, la_K_PENDING, la_K_PEVENTS, la_K_EXEC,
    la_K_VALUES, la_K_CTX, la_K_SACTOR, la_K_SSCOPE, la_K_LOADED;

static la_proc *la_proc_of(lua_State *L) { return *(la_proc **)lua_getextraspace(L); }

/* Sets registry[*ref] (a slot of the registry's array part, made on first
   use) to the value on top (popped). */
static void la_set_ref(lua_State *L, int *ref) {
    if (*ref) lua_rawseti(L, LUA_REGISTRYINDEX, *ref);
    else *ref = luaL_ref(L, LUA_REGISTRYINDEX);
}

/* Pid strings of the peers a process hears from, cached by id: a process
   usually talks to few peers, and formatting one per message is wasted.
   The cache starts over when it holds LA_PID_CACHE entries. */
#define LA_PID_CACHE 256
static char la_K_PIDS;
static void la_push_pid_cached(lua_State *L, la_proc *p, actor_id id, actor_host *host) {
    if (p->last_from_ref && p->last_from == id.value) { /* the same peer again: no table lookup */
        lua_rawgeti(L, LUA_REGISTRYINDEX, p->last_from_ref);
        return;
    }
    if (p->npids >= LA_PID_CACHE || lua_rawgetp(L, LUA_REGISTRYINDEX, &la_K_PIDS) != LUA_TTABLE) {
        if (p->npids >= LA_PID_CACHE) lua_pushnil(L); /* (keeps the pops below uniform) */
        lua_pop(L, 1);
        lua_createtable(L, 0, 8);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &la_K_PIDS);
        p->npids = 0;
    }
    if (lua_rawgeti(L, -1, (lua_Integer)id.value) != LUA_TSTRING) {
        lua_pop(L, 1);
        la_push_pid(L, id, host);
        lua_pushvalue(L, -1);
        lua_rawseti(L, -3, (lua_Integer)id.value);
        p->npids++;
    }
    lua_remove(L, -2);
    lua_pushvalue(L, -1);
    la_set_ref(L, &p->last_from_ref);
    p->last_from = id.value;
}

/* Small blocks a process freed are kept for its next allocations of the
   same size class (messages make the same few object sizes over and over).
   Every block is a malloc block whose capacity is at least its class size,
   so reuse is safe whatever the block's history; the cache is bounded and
   emptied when the process ends. */
#define LA_CACHE_GRAIN 8
#define LA_CACHE_MAX 128
#define LA_CACHE_CLASSES (LA_CACHE_MAX / LA_CACHE_GRAIN)
#define LA_CACHE_DEPTH 16

static size_t la_round(size_t n) { return n <= LA_CACHE_MAX ? (n + LA_CACHE_GRAIN - 1) & ~(size_t)(LA_CACHE_GRAIN - 1) : n; }

static void *la_block_new(la_proc *p, size_t n) {
    if (n <= LA_CACHE_MAX) {
        size_t c = (n - 1) / LA_CACHE_GRAIN;
        void *b = p->cache[c];
        if (b) { p->cache[c] = *(void **)b; p->ncache[c]--; return b; }
    }
    return malloc(la_round(n));
}

static void la_block_free(la_proc *p, void *b, size_t n) {
    if (n && n <= LA_CACHE_MAX) {
        size_t c = (n - 1) / LA_CACHE_GRAIN;
        if (p->ncache[c] < LA_CACHE_DEPTH) { *(void **)b = p->cache[c]; p->cache[c] = b; p->ncache[c]++; return; }
    }
    free(b);
}

static void la_cache_drop(la_proc *p) {
    int c;
    for (c = 0; c < LA_CACHE_CLASSES; ++c)
        while (p->cache[c]) { void *nx = *(void **)p->cache[c]; free(p->cache[c]); p->cache[c] = nx; }
    memset(p->ncache, 0, sizeof p->ncache);
}

enum { LA_OOM_LIMIT = 1, LA_OOM_SYSTEM = 2 };
/* The process must end: over its memory, exit requested, or terminated /
   cancelled past its deadline / its system stopping. */
static int la_ending(la_proc *p) { return p->oom || p->finished || (p->ctx && actor_exit_pending(p->ctx)); }
#define LA_GRACE ((size_t)64 << 10)
/* A LUA_ERRMEM without a refusal of ours came from the C library. */
static const char *la_oom_text(const la_proc *p) { return p->oom == LA_OOM_SYSTEM ? "out of memory" : "memory limit exceeded"; }

/* Memory-limited allocator. Lua retries a failed allocation once after an
   emergency full GC with the very same request: a second refusal of the
   same request is final, and the process then ends "memory limit
   exceeded" even if a pcall caught the error. Shrinking never fails (Lua
   relies on it): a block keeps its storage when it shrinks. */
static void *la_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    la_proc *p = (la_proc *)ud;
    size_t old = ptr ? osize : 0;
    void *np;
    size_t mem = la_ldz(&p->mem);
    if (nsize == 0) { if (ptr) la_block_free(p, ptr, osize); la_stz(&p->mem, mem - old); return NULL; }
    if (nsize > old && p->limit && mem - old + nsize > p->limit + (p->grace ? LA_GRACE : 0)) {
        if (p->refused && p->r_ptr == ptr && p->r_osize == osize && p->r_nsize == nsize) p->oom = LA_OOM_LIMIT;
        p->refused = 1; p->r_ptr = ptr; p->r_osize = osize; p->r_nsize = nsize;
        return NULL;
    }
    if (!ptr) {
        np = la_block_new(p, nsize);
    } else if (la_round(nsize) == la_round(osize) || (nsize < osize && osize <= LA_CACHE_MAX)) {
        np = ptr; /* same class, or a small block that shrinks: capacity suffices */
    } else if (osize > LA_CACHE_MAX && nsize > LA_CACHE_MAX) {
        np = realloc(ptr, nsize);
        if (!np && nsize < osize) np = ptr;
    } else if (nsize < osize) {
        np = realloc(ptr, la_round(nsize)); /* a big block becoming small */
        if (!np) np = ptr;
    } else { /* a small block growing */
        np = la_block_new(p, nsize);
        if (np) { memcpy(np, ptr, osize); la_block_free(p, ptr, osize); }
    }
    if (!np) { p->oom = LA_OOM_SYSTEM; return NULL; }
    p->refused = 0;
    la_stz(&p->mem, mem - old + nsize);
    return np;
}

/* Memory limit of a process of `def` on `host`: the definition's, else
   the host's, else the runtime's. */
static size_t la_limit_for(lua_actor_runtime *rt, const la_def *def, actor_host *host) {
    size_t lim = def->memory_limit ? def->memory_limit : la_host_limit(rt, host);
    return lim ? lim : rt->d.memory_limit;
}

static la_proc *la_proc_new(lua_actor_runtime *rt, const la_def *def, actor_host *host) {
    la_proc *p = (la_proc *)calloc(1, sizeof *p);
    if (!p) return NULL;
    p->rt = rt;
    p->def = def;
    p->host = host;
    p->limit = la_limit_for(rt, def, host);
    p->hooked = !rt->signal_preemption || actor_host_workers(host) == ACTOR_MANUAL;
    p->rng = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull ^ actor_now_ns();
    if (!p->rng) p->rng = 1;
    return p;
}

/* The plain-wait records (the state that used them is gone). */
static void la_sels_free(la_proc *p) {
    while (p->sel_all) { la_sel *nx = p->sel_all->next_all; free(p->sel_all); p->sel_all = nx; }
    p->sel_free = NULL;
}

static void la_proc_free(void *state) {
    la_proc *p = (la_proc *)state;
    if (p->L) lua_close(p->L);
    la_cache_drop(p);
    la_sels_free(p);
    free(p->rq);
    la_buf_free(&p->scratch);
    la_buf_free(&p->carry);
    free(p->traceback);
    free(p);
}

size_t lua_actor_memory(lua_actor_runtime *rt) {
    size_t total = 0;
    la_proc *p;
    if (!rt) return 0;
    la_lock(&rt->lock);
    for (p = rt->procs; p; p = p->next) total += la_ldz(&p->mem);
    la_unlock(&rt->lock);
    return total;
}

static uint32_t la_random(la_proc *p, uint32_t n) {
    p->rng ^= p->rng << 13;
    p->rng ^= p->rng >> 7;
    p->rng ^= p->rng << 17;
    return (uint32_t)((p->rng >> 11) % n);
}

/* >>sched: coroutines of one process ---------------------------------------------- */
/* A process's coroutines run one at a time on the worker running the actor.
   A blocking call registers a waiter and yields (LA_Y_BLOCKED); whoever
   completes the operation pushes [status, results...] onto the blocked
   coroutine's stack and puts it on the ready queue. When nothing is ready
   the behaviour returns and the actor sleeps until the next message. */

#define LA_HOOK_COUNT 1000          /* instructions between hook calls */
#define LA_SLICE_NS 2000000ull      /* a turn's time slice before preemption */
enum { LA_WAKE_OK = 0, LA_WAKE_CLOSED = 1, LA_WAKE_MESSAGE = 2 };

static int la_ready_push(la_proc *p, lua_State *co, int nargs, int front) {
    la_ready *slot;
    if (p->rq_len == p->rq_cap) {
        int cap = p->rq_cap ? p->rq_cap * 2 : 4, i;
        la_ready *nq = (la_ready *)malloc((size_t)cap * sizeof *nq);
        if (!nq) return 0;
        for (i = 0; i < p->rq_len; ++i) nq[i] = p->rq[(p->rq_head + i) % p->rq_cap];
        free(p->rq);
        p->rq = nq;
        p->rq_cap = cap;
        p->rq_head = 0;
    }
    if (front) {
        p->rq_head = (p->rq_head + p->rq_cap - 1) % p->rq_cap;
        slot = &p->rq[p->rq_head];
    } else {
        slot = &p->rq[(p->rq_head + p->rq_len) % p->rq_cap];
    }
    slot->co = co;
    slot->nargs = nargs;
    p->rq_len++;
    return 1;
}

static la_ready la_ready_pop(la_proc *p) {
    la_ready e = p->rq[p->rq_head];
    p->rq_head = (p->rq_head + 1) % p->rq_cap;
    p->rq_len--;
    return e;
}

/* Makes a blocked coroutine runnable; its resume values are already on its stack. */
static void la_wake(lua_State *L, la_proc *p, lua_State *co, int nargs) {
    if (!la_ready_push(p, co, nargs, 0)) { p->oom = LA_OOM_SYSTEM; luaL_error(L, "not enough memory"); }
}

static void la_push_registry(lua_State *L, const char *key) { lua_rawgetp(L, LUA_REGISTRYINDEX, key); }

/* A per-process bookkeeping table, created on first use. */
static void la_reg_table(lua_State *L, const char *key) {
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, key) != LUA_TNIL) return;
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, key);
}

static int la_push_message(lua_State *L, la_proc *p, const actor_msg *m);

static int la_block_k(lua_State *L, int status, lua_KContext ctx) {
    int base = (int)ctx;
    (void)status;
    if (lua_gettop(L) <= base) return 0; /* resumed without values: a plain reschedule */
    switch (lua_tointeger(L, base + 1)) {
    case LA_WAKE_CLOSED: return luaL_error(L, "send on closed channel");
    case LA_WAKE_MESSAGE: { /* a plain receive on the inbox (la_deliver_direct) */
        la_proc *p = la_proc_of(L);
        const actor_msg *m = p->direct;
        p->direct = NULL;
        lua_settop(L, base);
        la_push_message(L, p, m); /* the header was checked */
        lua_pushboolean(L, 1);
        return 2;
    }
    default: return lua_gettop(L) - (base + 1);
    }
}

/* Yields the calling coroutine to la_run for `reason`; la_block_k takes
   the values it is resumed with. */
static int la_suspend(lua_State *L, int reason) {
    la_proc_of(L)->yield_reason = reason;
    return lua_yieldk(L, 0, (lua_KContext)lua_gettop(L), la_block_k);
}

/* Suspends the calling coroutine until a waker pushes [status, results...]. */
static int la_block(lua_State *L) { return la_suspend(L, LA_Y_BLOCKED); }

static void la_check_can_block(lua_State *L, const char *what) {
    la_proc *p = la_proc_of(L);
    if (!p || L != p->current)
        luaL_error(L, "%s: blocking is only possible in a process coroutine (main or coroutine.spawn)", what);
    if (!lua_isyieldable(L))
        luaL_error(L, "%s: cannot block inside a C call boundary (metamethod, table.sort comparator, ...)", what);
}

/* The time slice starts at the first look at the clock in a turn (a hook
   call, or a second ready coroutine): most turns handle one message in far
   fewer instructions than a hook period and never read the clock. */
static int la_slice_used(la_proc *p) {
    uint64_t now = actor_now_ns();
    if (!p->slice_start) { p->slice_start = now; return 0; }
    return now - p->slice_start > LA_SLICE_NS;
}

/* Calls the function in upvalue 1 with every argument, returns all it
   returns: the body of the library wrappers below. */
static int la_call_original(lua_State *L) {
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* Coroutines the scheduler runs (the main one, coroutine.spawn's) are
   parked in waits that only the scheduler may end: a script that got hold
   of one (coroutine.running) can neither resume nor close it. */
static int la_is_process_coroutine(lua_State *L, int idx) {
    int owned;
    if (!lua_isthread(L, idx)) return 0;
    la_reg_table(L, &la_K_THREADS);
    lua_pushvalue(L, idx);
    owned = lua_rawget(L, -2) != LUA_TNIL;
    lua_pop(L, 2);
    return owned;
}
static int la_refuse_resume(lua_State *L) {
    lua_pushboolean(L, 0);
    lua_pushliteral(L, "cannot resume a process coroutine (main or coroutine.spawn): the scheduler runs it");
    return 2;
}
/* coroutine.resume where the watchdog does not track resumes. Upvalue 1: the library's resume. */
static int la_co_resume_checked(lua_State *L) {
    if (la_is_process_coroutine(L, 1)) return la_refuse_resume(L);
    return la_call_original(L);
}
/* coroutine.close. Upvalue 1: the library's close. */
static int la_co_close_checked(lua_State *L) {
    if (la_is_process_coroutine(L, 1))
        return luaL_error(L, "cannot close a process coroutine (main or coroutine.spawn): the scheduler runs it");
    return la_call_original(L);
}

/* >>preempt: time slices from a watchdog's signal ------------------------------ */
/* A count hook makes Lua check a flag and call into the debug machinery
   at every instruction while it is set: code that computes runs at less
   than half speed. So on POSIX worker threads a process runs with no hook
   at all. A watchdog thread looks at every thread that runs Lua processes
   once per LA_TICK_MS; when it finds the same turn still running as at its
   last look, it sends that thread LUA_ACTOR_PREEMPT_SIGNAL, whose handler
   (running on that very thread, as lua.c does for Ctrl-C) sets a count hook
   of 1 on the coroutine being run. la_hook then preempts or ends the
   process as before and takes the hook off again.
   The count hook stays in use where signals cannot serve: Windows, manual
   hosts (their thread is the program's own, and its system calls must not
   see EINTR), a program that has its own handler for the signal, and
   ThreadSanitizer builds (TSan delivers signals only at intercepted calls,
   which a busy Lua loop never makes). Define LUA_ACTOR_PREEMPT_SIGNAL to 0
   to always use the hook. */
#ifndef LUA_ACTOR_PREEMPT_SIGNAL
#if defined(_WIN32) || defined(__SANITIZE_THREAD__)
#define LUA_ACTOR_PREEMPT_SIGNAL 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LUA_ACTOR_PREEMPT_SIGNAL 0
#endif
#endif
#endif
#if !defined(_WIN32)
#include <signal.h> /* (before the #if below: the signal's number must be known there) */
#endif
#ifndef LUA_ACTOR_PREEMPT_SIGNAL
#define LUA_ACTOR_PREEMPT_SIGNAL SIGURG /* ignored by default; Go's runtime preempts with it too */
#endif

#if LUA_ACTOR_PREEMPT_SIGNAL
#include <time.h>
#if defined(__cplusplus)
#define LA_THREAD_LOCAL thread_local
#else
#define LA_THREAD_LOCAL __thread
#endif
#define LA_TICK_MS 1

/* One per thread that has run a process turn. `running` and `turns` are
   written by that thread and read by the watchdog: relaxed, as a stale
   value only delays a preemption by a tick or makes one spurious (a
   preempted turn is merely continued later); the exception is the
   store/load pair around `sleeping` (see la_turn_begin). */
typedef struct la_slot {
    struct la_slot *next;
    pthread_t thread;
    lua_State *running;       /* the coroutine being resumed, or NULL */
    uint64_t turns;           /* resumes started */
    volatile int in_hook;     /* la_hook is at work: the handler keeps off */
    uint64_t seen;            /* the watchdog's: turns at its last look */
} la_slot;

static pthread_mutex_t la_wd_lock = PTHREAD_MUTEX_INITIALIZER; /* la_wd but its atomics */
static pthread_cond_t la_wd_cond = PTHREAD_COND_INITIALIZER;
static struct {
    la_slot *slots;
    int users;                /* runtimes alive */
    int handler;              /* 0 not yet tried, 1 installed, -1 the program has its own */
    int running;              /* atomic: the watchdog thread runs */
    int stop;
    int sleeping;             /* atomic: it waits for a turn to start */
    pthread_t thread;
    pthread_key_t key;        /* a thread's slot, freed when the thread ends */
    int have_key;
} la_wd;
static LA_THREAD_LOCAL la_slot *la_my_slot;

static void la_hook(lua_State *L, lua_Debug *ar);

static void la_on_preempt_signal(int sig) {
    la_slot *s = la_my_slot;
    int saved = errno;
    lua_State *co;
    (void)sig;
    if (s && !s->in_hook && (co = __atomic_load_n(&s->running, __ATOMIC_RELAXED)) != NULL)
        lua_sethook(co, la_hook, LUA_MASKCOUNT, 1); /* made to be callable from a signal handler */
    errno = saved;
}

static void la_slot_free(void *v) {
    la_slot **pp;
    pthread_mutex_lock(&la_wd_lock);
    for (pp = &la_wd.slots; *pp; pp = &(*pp)->next)
        if (*pp == (la_slot *)v) { *pp = ((la_slot *)v)->next; break; }
    pthread_mutex_unlock(&la_wd_lock);
    free(v);
}

/* Looks at every slot once (under the lock: a slot's thread cannot end
   meanwhile). A turn seen twice in a row has run for at least a tick and
   gets the signal, again at every tick while it lasts (a loop in a
   coroutine the script made cannot be preempted, only ended: its hook
   must be set again when a terminate comes). 1 if any turn ran lately. */
static int la_wd_look(void) {
    la_slot *s;
    int busy = 0;
    for (s = la_wd.slots; s; s = s->next) {
        uint64_t t = __atomic_load_n(&s->turns, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&s->running, __ATOMIC_RELAXED)) {
            busy = 1;
            if (t == s->seen) pthread_kill(s->thread, LUA_ACTOR_PREEMPT_SIGNAL);
        } else if (t != s->seen) {
            busy = 1;
        }
        s->seen = t;
    }
    return busy;
}

/* Ticks while processes run; after 100 quiet ticks it sleeps until a turn
   starts (an idle program sees no polling). */
static void *la_wd_main(void *arg) {
    int quiet = 0;
    (void)arg;
    pthread_mutex_lock(&la_wd_lock);
    while (!la_wd.stop) {
        quiet = la_wd_look() ? 0 : quiet + 1;
        if (quiet >= 100) {
            /* seq_cst store, then the look's seq_cst loads of `turns`: a
               turn that began unseen finds `sleeping` set and wakes us */
            __atomic_store_n(&la_wd.sleeping, 1, __ATOMIC_SEQ_CST);
            if (!la_wd_look())
                while (__atomic_load_n(&la_wd.sleeping, __ATOMIC_RELAXED) && !la_wd.stop)
                    pthread_cond_wait(&la_wd_cond, &la_wd_lock);
            __atomic_store_n(&la_wd.sleeping, 0, __ATOMIC_RELAXED);
            quiet = 0;
        } else {
            struct timespec ts;
            ts.tv_sec = 0;
            ts.tv_nsec = LA_TICK_MS * 1000000L;
            pthread_mutex_unlock(&la_wd_lock);
            nanosleep(&ts, NULL);
            pthread_mutex_lock(&la_wd_lock);
        }
    }
    pthread_mutex_unlock(&la_wd_lock);
    return NULL;
}

static void la_wd_wake(void) {
    pthread_mutex_lock(&la_wd_lock);
    __atomic_store_n(&la_wd.sleeping, 0, __ATOMIC_RELAXED);
    pthread_cond_signal(&la_wd_cond);
    pthread_mutex_unlock(&la_wd_lock);
}

/* A runtime is made: installs the handler, unless the program has a
   handler of its own for the signal (then the count hook serves). 1 if
   the signal is ours. */
static int la_wd_acquire(void) {
    int ours;
    pthread_mutex_lock(&la_wd_lock);
    la_wd.users++;
    if (!la_wd.handler) {
        struct sigaction old, sa;
        la_wd.handler = -1;
        if (sigaction(LUA_ACTOR_PREEMPT_SIGNAL, NULL, &old) == 0 && !(old.sa_flags & SA_SIGINFO) &&
            (old.sa_handler == SIG_DFL || old.sa_handler == SIG_IGN)) {
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = la_on_preempt_signal;
            sa.sa_flags = SA_RESTART;
            sigemptyset(&sa.sa_mask);
            if (sigaction(LUA_ACTOR_PREEMPT_SIGNAL, &sa, NULL) == 0) la_wd.handler = 1;
        }
    }
    ours = la_wd.handler == 1;
    pthread_mutex_unlock(&la_wd_lock);
    return ours;
}

/* The last runtime is gone: the watchdog thread ends. The handler stays
   (it does nothing on a thread that runs no turn). */
static void la_wd_release(void) {
    int join;
    pthread_mutex_lock(&la_wd_lock);
    join = --la_wd.users == 0 && __atomic_load_n(&la_wd.running, __ATOMIC_RELAXED);
    if (join) { la_wd.stop = 1; pthread_cond_signal(&la_wd_cond); }
    pthread_mutex_unlock(&la_wd_lock);
    if (!join) return;
    pthread_join(la_wd.thread, NULL);
    pthread_mutex_lock(&la_wd_lock);
    la_wd.stop = 0;
    __atomic_store_n(&la_wd.running, 0, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&la_wd_lock);
}

/* This thread's slot, made on its first turn, with the watchdog running;
   NULL when either cannot be had (the caller then uses the count hook). */
static la_slot *la_slot_get(void) {
    la_slot *s = la_my_slot;
    pthread_mutex_lock(&la_wd_lock);
    if (!la_wd.have_key) la_wd.have_key = pthread_key_create(&la_wd.key, la_slot_free) == 0;
    if (!s && la_wd.have_key && (s = (la_slot *)calloc(1, sizeof *s)) != NULL) {
        s->thread = pthread_self();
        if (pthread_setspecific(la_wd.key, s) != 0) {
            free(s);
            s = NULL;
        } else {
            sigset_t set; /* a program may have blocked it in the threads it made */
            sigemptyset(&set);
            sigaddset(&set, LUA_ACTOR_PREEMPT_SIGNAL);
            pthread_sigmask(SIG_UNBLOCK, &set, NULL);
            s->next = la_wd.slots;
            la_wd.slots = s;
            la_my_slot = s;
        }
    }
    if (s && !__atomic_load_n(&la_wd.running, __ATOMIC_RELAXED) && la_wd.users > 0 && !la_wd.stop &&
        pthread_create(&la_wd.thread, NULL, la_wd_main, NULL) == 0)
        __atomic_store_n(&la_wd.running, 1, __ATOMIC_RELAXED);
    if (!__atomic_load_n(&la_wd.running, __ATOMIC_RELAXED)) s = NULL;
    pthread_mutex_unlock(&la_wd_lock);
    return s;
}

/* Around each resume of a process coroutine. 0: no watchdog on this
   thread; the caller uses the count hook. */
static int la_turn_begin(lua_State *co) {
    la_slot *s = la_my_slot;
    if ((!s || !__atomic_load_n(&la_wd.running, __ATOMIC_RELAXED)) && !(s = la_slot_get())) return 0;
    __atomic_store_n(&s->running, co, __ATOMIC_RELAXED);
    /* seq_cst store then seq_cst load, against the watchdog's store of
       `sleeping` then load of `turns`: one of the two sees the other */
    __atomic_store_n(&s->turns, s->turns + 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&la_wd.sleeping, __ATOMIC_SEQ_CST)) la_wd_wake();
    return 1;
}
static void la_turn_end(void) { __atomic_store_n(&la_my_slot->running, (lua_State *)NULL, __ATOMIC_RELAXED); }

/* The coroutine a thread runs is the one its signal must hook: resumes of
   coroutines a script made (coroutine.resume, coroutine.wrap's functions)
   tell the slot. Upvalue 1: the library function; 2 (wrap): the coroutine. */
static int la_co_tracked(lua_State *L) {
    la_slot *s = la_my_slot;
    lua_State *co = lua_isnone(L, lua_upvalueindex(2)) ? lua_tothread(L, 1) : lua_tothread(L, lua_upvalueindex(2));
    lua_State *prev = s ? __atomic_load_n(&s->running, __ATOMIC_RELAXED) : NULL;
    int status;
    if (lua_isnone(L, lua_upvalueindex(2)) && la_is_process_coroutine(L, 1)) return la_refuse_resume(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    if (prev && co) __atomic_store_n(&s->running, co, __ATOMIC_RELAXED);
    status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
    if (prev && co) __atomic_store_n(&s->running, prev, __ATOMIC_RELAXED);
    if (status != LUA_OK) return lua_error(L);
    return lua_gettop(L);
}
static int la_co_wrap(lua_State *L) {
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    if (lua_getupvalue(L, -1, 1) == NULL) return 1; /* (the coroutine inside the library's wrap function) */
    if (!lua_isthread(L, -1)) { lua_pop(L, 1); return 1; }
    lua_pushcclosure(L, la_co_tracked, 2);
    return 1;
}
/* The coroutine library is on top of the stack. */
static void la_track_coroutines(lua_State *L, const la_proc *p) {
    lua_getfield(L, -1, "resume");
    lua_pushcclosure(L, p->hooked ? la_co_resume_checked : la_co_tracked, 1);
    lua_setfield(L, -2, "resume");
    if (p->hooked) return;
    lua_getfield(L, -1, "wrap");
    lua_pushcclosure(L, la_co_wrap, 1);
    lua_setfield(L, -2, "wrap");
}
static void la_hook_enter(void) { if (la_my_slot) la_my_slot->in_hook = 1; }
static void la_hook_leave(void) { if (la_my_slot) la_my_slot->in_hook = 0; }
#else
static int la_wd_acquire(void) { return 0; }
static void la_wd_release(void) {}
static int la_turn_begin(lua_State *co) { (void)co; return 0; }
static void la_turn_end(void) {}
static void la_track_coroutines(lua_State *L, const la_proc *p) {
    (void)p;
    lua_getfield(L, -1, "resume");
    lua_pushcclosure(L, la_co_resume_checked, 1);
    lua_setfield(L, -2, "resume");
}
static void la_hook_enter(void) {}
static void la_hook_leave(void) {}
#endif

/* Preemption and un-catchable termination. A terminate, a passed cancel
   deadline or the memory limit yields the process out at the next hook;
   where a yield is impossible (inside a C call, or in a coroutine the user
   created) it raises at every instruction until the error reaches code
   that can yield. With the count hook (p->hooked) a slice ends after
   LA_SLICE_NS; without it the hook is only set when the watchdog found the
   turn too long, so the first call preempts, and the hook comes off. */
static void la_hook(lua_State *L, lua_Debug *ar) {
    la_proc *p = la_proc_of(L);
    (void)ar;
    la_hook_enter();
    if (la_ending(p)) {
        la_hook_leave();
        if (L == p->current && lua_isyieldable(L)) { p->yield_reason = LA_Y_KILL; lua_yield(L, 0); return; }
        lua_sethook(L, la_hook, LUA_MASKCOUNT, 1);
        if (p->current && L != p->current) lua_sethook(p->current, la_hook, LUA_MASKCOUNT, 1); /* it unwinds there */
        luaL_error(L, "%s", p->oom ? la_oom_text(p) : "process terminated");
        return;
    }
    if (p->hooked) {
        la_hook_leave();
        if (L == p->current && la_slice_used(p) && lua_isyieldable(L)) {
            p->yield_reason = LA_Y_PREEMPT;
            lua_yield(L, 0);
        }
        return;
    }
    lua_sethook(L, NULL, 0, 0);
    if (L == p->current && lua_isyieldable(L)) {
        la_hook_leave();
        p->yield_reason = LA_Y_PREEMPT;
        lua_yield(L, 0);
        return;
    }
    if (p->current && L != p->current) lua_sethook(p->current, la_hook, LUA_MASKCOUNT, 1); /* preempt once back there */
    else lua_sethook(L, la_hook, LUA_MASKCOUNT, LA_HOOK_COUNT); /* behind a C boundary: look again later */
    la_hook_leave();
}

/* >>channel ---------------------------------------------------------------------- */

static const char LA_MT_CHANNEL[] = "actor.channel";
#define LA_UNBOUNDED (-1)

typedef struct la_waiter la_waiter;

typedef struct la_chan {
    uint32_t magic;              /* LA_CHAN_MAGIC: how la_tochan knows a channel */
    int cap;                     /* >= 0, or LA_UNBOUNDED (process mailboxes) */
    int closed;
    int raw;                     /* listen channel: payload values instead of Message objects */
    lua_Integer head, tail;      /* buffered values: uservalue table [head, tail) */
    la_waiter *rq_head, *rq_tail; /* blocked receivers */
    la_waiter *sq_head, *sq_tail; /* blocked senders */
} la_chan;

struct la_waiter {
    la_waiter *next, *prev;
    la_chan *ch;
    la_sel *sel;
    int index; /* 1-based case index */
    int send;
    int vref;  /* sender: its value, in la_K_VALUES */
};


#define la_sel_w(s) ((la_waiter *)((s) + 1))

/* A channel argument. Only this file makes full userdata in a process, so
   a block of a channel's size that starts with the magic is a channel: two
   cheap reads instead of luaL_checkudata's metatable lookup by name. */
#define LA_CHAN_MAGIC 0x4C414348u
static la_chan *la_tochan(lua_State *L, int idx) {
    la_chan *ch = (la_chan *)lua_touserdata(L, idx);
    if (!ch || lua_rawlen(L, idx) != sizeof(la_chan) || ch->magic != LA_CHAN_MAGIC) /* (light userdata: length 0) */
        luaL_typeerror(L, idx, "channel");
    return ch;
}

static void la_chan_new(lua_State *L, int cap) {
    la_chan *ch = (la_chan *)lua_newuserdatauv(L, sizeof(la_chan), 1);
    memset(ch, 0, sizeof *ch);
    ch->magic = LA_CHAN_MAGIC;
    ch->cap = cap;
    ch->head = ch->tail = 1;
    la_setmeta(L, LA_MT_CHANNEL);
    lua_newtable(L);
    lua_setiuservalue(L, -2, 1);
}

static lua_Integer la_chan_count(const la_chan *ch) { return ch->tail - ch->head; }

/* Buffer push/pop; the channel is at chidx, the value on top (popped). */
static void la_chan_put(lua_State *L, la_chan *ch, int chidx) {
    lua_getiuservalue(L, chidx, 1);
    lua_insert(L, -2);
    lua_rawseti(L, -2, ch->tail++);
    lua_pop(L, 1);
}
static void la_chan_take(lua_State *L, la_chan *ch, int chidx) {
    lua_getiuservalue(L, chidx, 1);
    lua_rawgeti(L, -1, ch->head);
    lua_pushnil(L);
    lua_rawseti(L, -3, ch->head++);
    lua_remove(L, -2);
    if (ch->head == ch->tail) ch->head = ch->tail = 1; /* keep keys small */
}

static void la_q_add(la_waiter **head, la_waiter **tail, la_waiter *w) {
    w->next = NULL;
    w->prev = *tail;
    if (*tail) (*tail)->next = w; else *head = w;
    *tail = w;
}
static void la_q_del(la_waiter **head, la_waiter **tail, la_waiter *w) {
    if (w->prev) w->prev->next = w->next; else *head = w->next;
    if (w->next) w->next->prev = w->prev; else *tail = w->prev;
    w->next = w->prev = NULL;
}

/* Detaches every waiter of a completed operation from its channel. */
static void la_sel_finish(lua_State *L, la_sel *s) {
    int i;
    s->done = 1;
    for (i = 0; i < s->n; ++i) {
        la_waiter *w = &la_sel_w(s)[i];
        if (!w->ch) continue;
        if (w->send) {
            la_q_del(&w->ch->sq_head, &w->ch->sq_tail, w);
            if (w->vref != LUA_NOREF) {
                la_reg_table(L, &la_K_VALUES);
                luaL_unref(L, -1, w->vref);
                lua_pop(L, 1);
                w->vref = LUA_NOREF;
            }
        } else {
            la_q_del(&w->ch->rq_head, &w->ch->rq_tail, w);
        }
        w->ch = NULL;
    }
}

/* Pushes the select result {channel = ch, value = v, ok = ok}; v on top of
   L (popped) or absent when has_value is 0. The select userdata keeps its
   case channels in uservalue 1. */
static void la_push_select_result(lua_State *L, int index, int has_value, int ok, int selidx) {
    lua_createtable(L, 0, 3);
    if (has_value) { lua_insert(L, -2); lua_setfield(L, -2, "value"); }
    lua_getiuservalue(L, selidx, 1);
    lua_rawgeti(L, -1, index);
    lua_setfield(L, -3, "channel");
    lua_pop(L, 1);
    lua_pushboolean(L, ok);
    lua_setfield(L, -2, "ok");
}

/* Completes blocked operation `w` from coroutine/state L. For a receiver:
   the received value is on top of L when has_value (ok says whether the
   channel delivered or was closed). For a sender: status LA_WAKE_OK or
   LA_WAKE_CLOSED. The select userdata is found on the blocked coroutine's
   own stack (it was the last thing pushed before the yield). */
/* The operation of `s` is done: its waiters leave their channels, and a
   plain wait goes back to the process's free list. */
static void la_sel_done(lua_State *L, la_proc *p, la_sel *s) {
    la_sel_finish(L, s);
    if (s->plain) { s->next_free = p->sel_free; p->sel_free = s; } /* reusable from here on */
}

static void la_complete(lua_State *L, la_proc *p, la_waiter *w, int has_value, int ok, int status) {
    la_sel *s = w->sel;
    lua_State *co = s->co;
    int index = w->index, nres = 1, send = w->send;
    la_sel_done(L, p, s);
    lua_checkstack(co, 4);
    if (status == LA_WAKE_CLOSED) {
        if (has_value) lua_pop(L, 1);
        lua_pushinteger(co, LA_WAKE_CLOSED);
    } else if (s->plain) {
        lua_pushinteger(co, LA_WAKE_OK);
        if (!send) {
            if (has_value) lua_xmove(L, co, 1); else lua_pushnil(co);
            lua_pushboolean(co, ok);
            nres = 3;
        }
    } else {
        /* the select userdata is at the top of the blocked coroutine's stack */
        lua_pushinteger(co, LA_WAKE_OK);
        if (has_value) lua_xmove(L, co, 1);
        la_push_select_result(co, index, has_value, ok, lua_gettop(co) - 1 - (has_value ? 1 : 0));
        nres = 2;
    }
    la_wake(L, p, co, nres);
}

/* Tries to receive on ch (at chidx) for L. 1: value pushed; -1: closed and
   drained (nothing pushed); 0: would block. */
static int la_try_recv(lua_State *L, la_proc *p, la_chan *ch, int chidx) {
    la_waiter *w;
    if (la_chan_count(ch) > 0) {
        la_chan_take(L, ch, chidx);
        if ((w = ch->sq_head) != NULL) { /* room now: a blocked sender moves in */
            la_reg_table(L, &la_K_VALUES);
            lua_rawgeti(L, -1, w->vref);
            lua_remove(L, -2);
            la_chan_put(L, ch, chidx);
            la_complete(L, p, w, 0, 1, LA_WAKE_OK);
        }
        return 1;
    }
    if ((w = ch->sq_head) != NULL) { /* rendezvous with a blocked sender */
        la_reg_table(L, &la_K_VALUES);
        lua_rawgeti(L, -1, w->vref);
        lua_remove(L, -2);
        la_complete(L, p, w, 0, 1, LA_WAKE_OK);
        return 1;
    }
    return ch->closed ? -1 : 0;
}

/* Tries to send the value at vidx. 1: done; 0: would block. Raises on a
   closed channel. */
static int la_try_send(lua_State *L, la_proc *p, la_chan *ch, int chidx, int vidx) {
    la_waiter *w;
    if (ch->closed) return luaL_error(L, "send on closed channel");
    if ((w = ch->rq_head) != NULL) {
        lua_pushvalue(L, vidx);
        la_complete(L, p, w, 1, 1, LA_WAKE_OK);
        return 1;
    }
    if (ch->cap == LA_UNBOUNDED || la_chan_count(ch) < ch->cap) {
        lua_pushvalue(L, vidx);
        la_chan_put(L, ch, chidx);
        return 1;
    }
    return 0;
}

/* Delivery by the runtime (inbox, events, listen channels): never blocks. */
static void la_chan_deliver(lua_State *L, la_proc *p, int chidx) {
    la_chan *ch = (la_chan *)lua_touserdata(L, chidx);
    la_waiter *w = ch->rq_head;
    if (w) la_complete(L, p, w, 1, 1, LA_WAKE_OK);
    else la_chan_put(L, ch, chidx);
}

/* Registers waiters for the operation and yields. `cases` lists (chidx,
   send, vidx) triples. */
/* A plain send/receive wait: from the process's free list (no garbage per
   blocking call); every block is freed with the process. */
static la_sel *la_plain_sel(lua_State *L, la_proc *p) {
    la_sel *s = p->sel_free;
    if (s) { p->sel_free = s->next_free; return s; }
    s = (la_sel *)malloc(sizeof(la_sel) + sizeof(la_waiter));
    if (!s) luaL_error(L, "not enough memory");
    s->next_all = p->sel_all;
    p->sel_all = s;
    return s;
}

static int la_wait(lua_State *L, la_proc *p, int n, const int *chidx, const int *send, const int *vidx, int plain) {
    la_sel *s;
    int i;
    if (plain) {
        s = la_plain_sel(L, p);
    } else { /* a select: GC-managed, and keeps its case channels for the result */
        int selidx;
        s = (la_sel *)lua_newuserdatauv(L, sizeof(la_sel) + (size_t)n * sizeof(la_waiter), 1);
        selidx = lua_gettop(L);
        lua_createtable(L, n, 0);
        for (i = 0; i < n; ++i) { lua_pushvalue(L, chidx[i]); lua_rawseti(L, -2, i + 1); }
        lua_setiuservalue(L, selidx, 1);
    }
    s->co = L;
    s->n = n;
    s->plain = plain;
    s->done = 0;
    for (i = 0; i < n; ++i) {
        la_waiter *w = &la_sel_w(s)[i];
        la_chan *ch = (la_chan *)lua_touserdata(L, chidx[i]);
        w->ch = ch;
        w->sel = s;
        w->index = i + 1;
        w->send = send[i];
        w->vref = LUA_NOREF;
        if (send[i]) {
            la_reg_table(L, &la_K_VALUES);
            lua_pushvalue(L, vidx[i]);
            w->vref = luaL_ref(L, -2);
            lua_pop(L, 1);
            la_q_add(&ch->sq_head, &ch->sq_tail, w);
        } else {
            la_q_add(&ch->rq_head, &ch->rq_tail, w);
        }
    }
    return la_block(L);
}

static int la_ch_receive(lua_State *L) {
    la_chan *ch = la_tochan(L, 1);
    la_proc *p = la_proc_of(L);
    int r, zero = 0, one = 1;
    lua_settop(L, 1);
    r = la_try_recv(L, p, ch, 1);
    if (r > 0) { lua_pushboolean(L, 1); return 2; }
    if (r < 0) { lua_pushnil(L); lua_pushboolean(L, 0); return 2; }
    la_check_can_block(L, "channel:receive");
    return la_wait(L, p, 1, &one, &zero, &zero, 1);
}

static int la_ch_send(lua_State *L) {
    la_chan *ch = la_tochan(L, 1);
    la_proc *p = la_proc_of(L);
    int one = 1, two = 2;
    lua_settop(L, 2);
    if (la_try_send(L, p, ch, 1, 2)) return 0;
    la_check_can_block(L, "channel:send");
    return la_wait(L, p, 1, &one, &one, &two, 1);
}

/* Closes the channel at idx: receivers get nil, false; senders raise. */
static void la_ch_close_at(lua_State *L, la_proc *p, int idx) {
    la_chan *ch = (la_chan *)lua_touserdata(L, idx);
    if (ch->closed) return;
    ch->closed = 1;
    while (ch->rq_head) la_complete(L, p, ch->rq_head, 0, 0, LA_WAKE_OK);
    while (ch->sq_head) la_complete(L, p, ch->sq_head, 0, 0, LA_WAKE_CLOSED);
}

static int la_ch_close(lua_State *L) {
    la_tochan(L, 1);
    la_ch_close_at(L, la_proc_of(L), 1);
    return 0;
}

/* A case is a small table {channel, "send"|"receive", value}. */
static int la_ch_case(lua_State *L, const char *op) {
    la_tochan(L, 1);
    lua_createtable(L, 3, 0);
    lua_pushvalue(L, 1);
    lua_rawseti(L, -2, 1);
    lua_pushstring(L, op);
    lua_rawseti(L, -2, 2);
    if (op[0] == 's') { lua_pushvalue(L, 2); lua_rawseti(L, -2, 3); }
    return 1;
}
static int la_ch_case_receive(lua_State *L) { return la_ch_case(L, "receive"); }
static int la_ch_case_send(lua_State *L) { return la_ch_case(L, "send"); }

static int la_ch_tostring(lua_State *L) {
    la_chan *ch = la_tochan(L, 1);
    lua_pushfstring(L, "channel (%p, %d buffered%s)", (void *)ch, (int)la_chan_count(ch), ch->closed ? ", closed" : "");
    return 1;
}

static int la_channel_new(lua_State *L) {
    lua_Integer cap = luaL_optinteger(L, 1, 0);
    luaL_argcheck(L, cap >= 0 && cap <= 0x7FFFFFFF, 1, "capacity must be >= 0");
    la_chan_new(L, (int)cap);
    return 1;
}

#define LA_MAX_CASES 64

/* channel.select{case1, case2, ..., default = true} */
static int la_channel_select(lua_State *L) {
    la_proc *p = la_proc_of(L);
    int n, i, nready = 0, has_default, base;
    int chidx[LA_MAX_CASES], send[LA_MAX_CASES], vidx[LA_MAX_CASES], ready[LA_MAX_CASES];
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    n = (int)lua_rawlen(L, 1);
    luaL_argcheck(L, n <= LA_MAX_CASES, 1, "too many cases");
    luaL_checkstack(L, 3 * n + 8, "select: too many cases"); /* 3 slots per case, then the result's */
    lua_getfield(L, 1, "default");
    has_default = lua_toboolean(L, -1);
    lua_pop(L, 1);
    base = lua_gettop(L);
    for (i = 0; i < n; ++i) { /* unpack every case: channel, op, value */
        const char *op;
        la_chan *ch;
        if (lua_rawgeti(L, 1, i + 1) != LUA_TTABLE) return luaL_error(L, "select: case %d is not a case", i + 1);
        lua_rawgeti(L, -1, 1);
        lua_rawgeti(L, -2, 2);
        lua_rawgeti(L, -3, 3);
        lua_remove(L, -4);
        chidx[i] = base + 3 * i + 1;
        vidx[i] = base + 3 * i + 3;
        ch = (la_chan *)luaL_testudata(L, chidx[i], LA_MT_CHANNEL);
        op = lua_tostring(L, chidx[i] + 1);
        if (!ch || !op) return luaL_error(L, "select: case %d is not a case", i + 1);
        send[i] = op[0] == 's';
        if (send[i] ? (ch->closed || ch->rq_head || ch->cap == LA_UNBOUNDED || la_chan_count(ch) < ch->cap)
                    : (la_chan_count(ch) > 0 || ch->sq_head || ch->closed))
            ready[nready++] = i;
    }
    if (nready) { /* uniformly random among the ready cases, as Go does */
        int k = ready[la_random(p, (uint32_t)nready)];
        la_chan *ch = (la_chan *)lua_touserdata(L, chidx[k]);
        lua_createtable(L, 0, 3);
        lua_pushvalue(L, chidx[k]);
        lua_setfield(L, -2, "channel");
        if (send[k]) {
            la_try_send(L, p, ch, chidx[k], vidx[k]);
            lua_pushboolean(L, 1);
        } else {
            int r = la_try_recv(L, p, ch, chidx[k]);
            if (r > 0) lua_setfield(L, -2, "value");
            lua_pushboolean(L, r > 0);
        }
        lua_setfield(L, -2, "ok");
        return 1;
    }
    if (has_default) {
        lua_createtable(L, 0, 1);
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, "default");
        return 1;
    }
    la_check_can_block(L, "channel.select");
    return la_wait(L, p, n, chidx, send, vidx, 0);
}

static void la_fill_channel_meta(lua_State *L) {
    static const luaL_Reg methods[] = { { "send", la_ch_send }, { "receive", la_ch_receive }, { "close", la_ch_close },
                                        { "case_send", la_ch_case_send }, { "case_receive", la_ch_case_receive },
                                        { NULL, NULL } };
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, la_ch_tostring);
    lua_setfield(L, -2, "__tostring");
}

static void la_push_channel_lib(lua_State *L) {
    static const luaL_Reg funcs[] = { { "new", la_channel_new }, { "select", la_channel_select }, { NULL, NULL } };
    luaL_newlib(L, funcs);
}

/* >>security: scopes and policies (SPEC §9) --------------------------------------- */

/* Does pattern string `pat` match `s`? "*" all; trailing "*" prefix; else exact. */
static int la_pattern_match(const char *pat, size_t plen, const char *s) {
    if (plen == 1 && pat[0] == '*') return 1;
    if (plen && pat[plen - 1] == '*') return strncmp(pat, s, plen - 1) == 0;
    return strlen(s) == plen && memcmp(pat, s, plen) == 0;
}

/* Field `field` of the policy at idx (a pattern or a list of patterns). */
static int la_policy_matches(lua_State *L, int idx, const char *field, const char *s) {
    int ok = 0;
    lua_getfield(L, idx, field);
    if (lua_type(L, -1) == LUA_TSTRING) {
        size_t n;
        const char *pat = lua_tolstring(L, -1, &n);
        ok = la_pattern_match(pat, n, s);
    } else if (lua_type(L, -1) == LUA_TTABLE) {
        lua_Integer i, len = (lua_Integer)lua_rawlen(L, -1);
        for (i = 1; i <= len && !ok; ++i) {
            if (lua_rawgeti(L, -1, i) == LUA_TSTRING) {
                size_t n;
                const char *pat = lua_tolstring(L, -1, &n);
                ok = la_pattern_match(pat, n, s);
            }
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    return ok;
}

/* 1 when the process carries both a security actor and a scope. */
static int la_secured(lua_State *L) {
    int secured;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &la_K_SACTOR);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &la_K_SSCOPE);
    secured = !lua_isnil(L, -1) && !lua_isnil(L, -2);
    lua_pop(L, 2);
    return secured;
}

/* 1 when the process may do `action` on `resource`. No actor or no scope:
   everything is allowed; otherwise a matching deny wins, else a matching
   allow allows, else denied. */
static int la_allowed(lua_State *L, const char *action, const char *resource) {
    int allowed = 0, denied = 0, top = lua_gettop(L);
    lua_Integer i, n;
    la_push_registry(L, &la_K_SACTOR);
    la_push_registry(L, &la_K_SSCOPE);
    if (lua_isnil(L, -1) || lua_isnil(L, -2)) { lua_settop(L, top); return 1; }
    lua_getfield(L, -1, "policies");
    n = lua_type(L, -1) == LUA_TTABLE ? (lua_Integer)lua_rawlen(L, -1) : 0;
    for (i = 1; i <= n && !denied; ++i) {
        if (lua_rawgeti(L, -1, i) == LUA_TTABLE && la_policy_matches(L, lua_gettop(L), "actions", action) &&
            la_policy_matches(L, lua_gettop(L), "resources", resource)) {
            const char *effect;
            lua_getfield(L, -1, "effect");
            effect = lua_tostring(L, -1);
            if (effect && !strcmp(effect, "deny")) denied = 1;
            else if (effect && !strcmp(effect, "allow")) allowed = 1;
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_settop(L, top);
    return allowed && !denied;
}

/* Returns 0 when allowed; otherwise pushes nil, PERMISSION_DENIED and returns 2. */
static int la_deny(lua_State *L, const char *action, const char *resource) {
    if (la_allowed(L, action, resource)) return 0;
    return la_fail(L, LA_PERMISSION_DENIED, "permission denied: %s on %s", action, resource);
}

/* >>routing: messages and events into channels -------------------------------------- */

static const char LA_MT_MESSAGE[] = "actor.message";
static const char LA_MT_PAYLOAD[] = "actor.payload";

/* Message objects live in the array part only (one allocation fewer than
   named fields, and no field can shadow a method): [LA_M_N] n,
   [LA_M_TOPIC] topic, [LA_M_FROM] sender pid, value i at [LA_M_V + i]. */
#define LA_M_N 1
#define LA_M_TOPIC 2
#define LA_M_FROM 3
#define LA_M_V 3
static int la_msg_topic(lua_State *L) { luaL_checktype(L, 1, LUA_TTABLE); lua_rawgeti(L, 1, LA_M_TOPIC); return 1; }
static int la_msg_from(lua_State *L) { luaL_checktype(L, 1, LUA_TTABLE); lua_rawgeti(L, 1, LA_M_FROM); return 1; }
static void la_push_payload(lua_State *L, int msg, lua_Integer i) {
    lua_createtable(L, 1, 0);
    lua_rawgeti(L, msg, LA_M_V + i);
    lua_rawseti(L, -2, 1);
    la_setmeta(L, LA_MT_PAYLOAD);
}
static int la_msg_payload(lua_State *L) {
    lua_Integer n, i;
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_rawgeti(L, 1, LA_M_N);
    n = lua_tointeger(L, -1);
    if (n == 0) { lua_pushnil(L); return 1; }
    if (n == 1) { lua_settop(L, 1); return 1; } /* its own Payload: :data() is a Message method too */
    lua_createtable(L, (int)n, 0);
    for (i = 1; i <= n; ++i) { la_push_payload(L, 1, i); lua_rawseti(L, -2, i); }
    return 1;
}
static int la_payload_data(lua_State *L) { luaL_checktype(L, 1, LUA_TTABLE); lua_rawgeti(L, 1, 1); return 1; }
static int la_msg_data(lua_State *L) { luaL_checktype(L, 1, LUA_TTABLE); lua_rawgeti(L, 1, LA_M_V + 1); return 1; }

/* Raw form of the message at idx: nil, the value, or {v1, v2, ...}. */
static void la_push_raw(lua_State *L, int msg) {
    lua_Integer n, i;
    lua_rawgeti(L, msg, LA_M_N);
    n = lua_tointeger(L, -1);
    lua_pop(L, 1);
    if (n == 0) lua_pushnil(L);
    else if (n == 1) lua_rawgeti(L, msg, LA_M_V + 1);
    else {
        lua_createtable(L, (int)n, 0);
        for (i = 1; i <= n; ++i) { lua_rawgeti(L, msg, LA_M_V + i); lua_rawseti(L, -2, i); }
    }
}

/* Appends the value on top to the array in registry[key] (popped). */
static void la_list_append(lua_State *L, const char *key) {
    la_reg_table(L, key);
    lua_insert(L, -2);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    lua_pop(L, 1);
}

/* Delivers Message `msg` into channel ch (raw channels get payload values). */
static void la_deliver_message(lua_State *L, la_proc *p, int chidx, int msg) {
    la_chan *ch = (la_chan *)lua_touserdata(L, chidx);
    if (ch->raw) la_push_raw(L, msg);
    else lua_pushvalue(L, msg);
    la_chan_deliver(L, p, chidx);
}

/* Routes the Message on top (popped): its topic's listen channel, else the
   inbox, else it waits (in arrival order) until one of them exists. */
static void la_route_message(lua_State *L, la_proc *p) {
    int msg = lua_gettop(L), listened = 0;
    if (!p->nlisten && p->inbox && p->inbox->rq_head) { /* the usual case: a receiver waits on the inbox */
        la_complete(L, p, p->inbox->rq_head, 1, 1, LA_WAKE_OK);
        return;
    }
    if (p->nlisten) {
        la_reg_table(L, &la_K_LISTEN);
        lua_rawgeti(L, msg, LA_M_TOPIC);
        if (lua_rawget(L, -2) == LUA_TUSERDATA) { la_deliver_message(L, p, lua_gettop(L), msg); listened = 1; }
    }
    if (!listened) {
        lua_settop(L, msg);
        if (la_push_registry(L, &la_K_INBOX), !lua_isnil(L, -1)) {
            la_deliver_message(L, p, lua_gettop(L), msg);
        } else {
            lua_pushvalue(L, msg);
            la_list_append(L, &la_K_PENDING);
        }
    }
    lua_settop(L, msg - 1);
}

/* Moves waiting messages into the channel at chidx: those whose topic
   equals the string at stack index `topic` (byte for byte), or all of them
   when it is 0; the others keep their order. */
static void la_take_pending(lua_State *L, la_proc *p, int chidx, int topic) {
    lua_Integer i, n, keep = 0;
    int list;
    if (la_push_registry(L, &la_K_PENDING), lua_isnil(L, -1)) { lua_pop(L, 1); return; } /* nothing ever waited */
    list = lua_gettop(L);
    n = (lua_Integer)lua_rawlen(L, list);
    for (i = 1; i <= n; ++i) {
        int take = 1;
        lua_rawgeti(L, list, i);
        if (topic) {
            lua_rawgeti(L, -1, LA_M_TOPIC);
            take = lua_rawequal(L, -1, topic);
            lua_pop(L, 1);
        }
        if (take) {
            la_deliver_message(L, p, chidx, lua_gettop(L));
            lua_pop(L, 1);
        } else {
            lua_rawseti(L, list, ++keep);
        }
    }
    for (i = keep + 1; i <= n; ++i) { lua_pushnil(L); lua_rawseti(L, list, i); }
    lua_pop(L, 1);
}

/* Reads the header of a LA_TAG_MSG payload: topic and value count. 0 if
   it is not one of ours (the message is then ignored). */
static int la_read_header(const actor_msg *m, la_reader *r, const char **topic, size_t *tlen, lua_Integer *n) {
    r->p = (const unsigned char *)m->data;
    r->end = r->p + m->size;
    r->bad = 0;
    *topic = la_rd_str(r, tlen);
    *n = (lua_Integer)la_rd_varint(r);
    return !r->bad && *n >= 0 && *n <= 1000000;
}

/* A topic as a Lua string; the last one is kept, as a process mostly hears
   the same few topics (making the string means hashing and interning). */
static void la_push_topic(lua_State *L, la_proc *p, const char *topic, size_t tlen) {
    if (p->last_topic_ref && tlen == p->last_topic_len && !memcmp(topic, p->last_topic, tlen)) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, p->last_topic_ref);
        return;
    }
    lua_pushlstring(L, topic, tlen);
    if (tlen <= sizeof p->last_topic) {
        memcpy(p->last_topic, topic, tlen);
        p->last_topic_len = tlen;
        lua_pushvalue(L, -1);
        la_set_ref(L, &p->last_topic_ref);
    }
}

/* Pushes the Message object of a LA_TAG_MSG payload; 0 (nothing pushed)
   if the payload is not one of ours. */
static int la_push_message(lua_State *L, la_proc *p, const actor_msg *m) {
    la_reader r;
    size_t tlen;
    const char *topic;
    lua_Integer n;
    int msg;
    if (!la_read_header(m, &r, &topic, &tlen, &n)) return 0;
    lua_createtable(L, (int)n + LA_M_V, 0);
    msg = lua_gettop(L);
    if (p->msg_meta_ref) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, p->msg_meta_ref); /* the registry's array part: no hashing */
        lua_setmetatable(L, msg);
    } else {
        la_setmeta(L, LA_MT_MESSAGE);
        lua_getmetatable(L, msg);
        p->msg_meta_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    la_push_topic(L, p, topic, tlen);
    lua_rawseti(L, msg, LA_M_TOPIC);
    if (m->from.value) { la_push_pid_cached(L, p, m->from, m->from_host); lua_rawseti(L, msg, LA_M_FROM); }
    lua_pushinteger(L, n);
    lua_rawseti(L, msg, LA_M_N);
    if (n) {
        lua_Integer i;
        la_decode(L, &r, (int)n);
        for (i = n; i >= 1; --i) lua_rawseti(L, msg, LA_M_V + i);
    }
    return 1;
}

/* Builds the Message of a LA_TAG_MSG payload and routes it. */
static void la_on_message(lua_State *L, la_proc *p, const actor_msg *m) {
    if (la_push_message(L, p, m)) la_route_message(L, p);
}

/* The usual case, made cheap: the message goes to the inbox, where the
   only runnable coroutine waits in a plain receive. That coroutine is
   resumed with LA_WAKE_MESSAGE and builds the Message itself (la_block_k),
   inside its own resume: no protected call, no routing, no stack moves.
   Only for a few values (a huge message can fail to fit the stack, and
   that error must end the process, not surface in the receive call).
   0 = take the general path. */
static int la_deliver_direct(la_proc *p, const actor_msg *m) {
    la_chan *ch = p->inbox;
    la_waiter *w;
    la_reader r;
    const char *topic;
    size_t tlen;
    lua_Integer n;
    if (m->signal != ACTOR_MESSAGE || m->tag != LA_TAG_MSG || p->nlisten || p->rq_len || !p->rq_cap || !ch) return 0;
    if (!(w = ch->rq_head) || !w->sel->plain || !la_read_header(m, &r, &topic, &tlen, &n) || n > 16) return 0;
    if (!lua_checkstack(w->sel->co, 2)) return 0;
    la_sel_done(p->L, p, w->sel);
    lua_pushinteger(w->sel->co, LA_WAKE_MESSAGE);
    la_ready_push(p, w->sel->co, 1, 0); /* cannot fail: the queue has room (rq_cap > rq_len == 0) */
    p->direct = m;
    return 1;
}

/* result = {value = v} | {error = err} for an exit reason. */
static void la_push_result(lua_State *L, const actor_exit_reason *why) {
    lua_createtable(L, 0, 1);
    switch (why->kind) {
    case ACTOR_EXIT_NORMAL:
        if (why->size) {
            la_reader r;
            r.p = (const unsigned char *)why->data;
            r.end = r.p + why->size;
            r.bad = 0;
            la_decode(L, &r, 1);
        } else {
            lua_pushnil(L);
        }
        lua_setfield(L, -2, "value");
        return;
    case ACTOR_EXIT_TERMINATED: la_push_error(L, LA_CANCELED, why->message); break;
    case ACTOR_EXIT_DEADLINE: la_push_error(L, LA_TIMEOUT, why->message); break;
    case ACTOR_EXIT_LINKED: la_push_error(L, LA_INTERNAL, why->message); break;
    default: {
        int kind = LA_KIND_OF_CODE(why->code);
        size_t n = strlen(why->message);
        /* the whole message, when la_exit_error_l sent it as data */
        if (why->size > n && !memcmp(why->data, why->message, n + 1)) la_push_error_l(L, kind, (const char *)why->data, why->size);
        else la_push_error_l(L, kind, why->message, n);
        break;
    }
    }
    lua_setfield(L, -2, "error");
}

/* Routes the event on top (popped) into the events channel, or keeps it. */
static void la_route_event(lua_State *L, la_proc *p) {
    la_push_registry(L, &la_K_EVENTS);
    if (lua_isnil(L, -1)) { lua_pop(L, 1); la_list_append(L, &la_K_PEVENTS); return; }
    lua_insert(L, -2);
    la_chan_deliver(L, p, lua_gettop(L) - 1);
    lua_pop(L, 1);
}

static int la_wake_exec(lua_State *L, la_proc *p, const actor_msg *m);

static void la_on_signal(lua_State *L, la_proc *p, const actor_msg *m) {
    static const char *const kinds[] = { NULL, NULL, "EXIT", "LINK_DOWN", "CANCEL" };
    if (m->signal == ACTOR_EXIT && la_wake_exec(L, p, m)) return;
    lua_createtable(L, 0, 4);
    lua_pushstring(L, kinds[m->signal]);
    lua_setfield(L, -2, "kind");
    if (m->from.value) { la_push_pid_cached(L, p, m->from, m->from_host); lua_setfield(L, -2, "from"); }
    if (m->signal == ACTOR_CANCEL) {
        if (m->deadline) { lua_pushinteger(L, (lua_Integer)m->deadline); lua_setfield(L, -2, "deadline"); }
    } else {
        la_push_result(L, m->reason);
        lua_setfield(L, -2, "result");
    }
    la_route_event(L, p);
}

/* Drops queued events of `kind` from process `who` (after unmonitor /
   unlink); returns how many. */
static int la_purge_events(lua_State *L, const char *kind, actor_id who) {
    int pass, dropped = 0;
    for (pass = 0; pass < 2; ++pass) {
        lua_Integer i, n, keep = 0, first = 1;
        int list;
        la_chan *ch = NULL;
        if (pass == 0) la_reg_table(L, &la_K_PEVENTS);
        else {
            la_push_registry(L, &la_K_EVENTS);
            if (lua_isnil(L, -1)) { lua_pop(L, 1); break; }
            ch = (la_chan *)lua_touserdata(L, -1);
            lua_getiuservalue(L, -1, 1);
            lua_remove(L, -2);
            first = ch->head;
        }
        list = lua_gettop(L);
        n = pass == 0 ? (lua_Integer)lua_rawlen(L, list) : ch->tail - 1;
        keep = first - 1;
        for (i = first; i <= n; ++i) {
            int drop;
            lua_rawgeti(L, list, i);
            lua_getfield(L, -1, "kind");
            lua_getfield(L, -2, "from");
            drop = 0;
            if (lua_type(L, -2) == LUA_TSTRING && !strcmp(lua_tostring(L, -2), kind) && lua_type(L, -1) == LUA_TSTRING) {
                size_t n;
                const char *from = lua_tolstring(L, -1, &n);
                actor_id id;
                drop = lua_actor_parse_pid(from, n, &id) && id.value == who.value;
            }
            lua_pop(L, 2);
            if (drop) { lua_pop(L, 1); dropped++; }
            else lua_rawseti(L, list, ++keep);
        }
        for (i = keep + 1; i <= n; ++i) { lua_pushnil(L); lua_rawseti(L, list, i); }
        if (ch) { ch->tail = keep + 1; if (ch->head == ch->tail) ch->head = ch->tail = 1; }
        lua_pop(L, 1);
    }
    return dropped;
}

/* >>process: the `process` global ------------------------------------------------- */

/* Resolves a destination (pid text or registered name). 0 = ok; else
   nil, err has been pushed and 2 is returned. */
static int la_resolve(lua_State *L, la_proc *p, int idx, actor_id *out) {
    size_t n;
    const char *s;
    if (lua_type(L, idx) != LUA_TSTRING) return la_fail(L, LA_INVALID, "destination must be a pid or a registered name");
    s = lua_tolstring(L, idx, &n);
    if (s == p->last_to_text) { *out = p->last_to; return 0; } /* the very string object as last time */
    if (la_parse_live_pid(p->rt->sys, s, n, out)) {
        lua_pushvalue(L, idx); /* anchored: its text cannot move or be reused while cached */
        la_set_ref(L, &p->last_to_ref);
        p->last_to_text = s;
        p->last_to = *out;
        return 0;
    }
    if (strlen(s) == n && actor_lookup(p->rt->sys, s, out) == ACTOR_OK) return 0;
    return la_fail(L, LA_NOT_FOUND, "no process %s '%s'", s[0] == '{' ? "with pid" : "named", s);
}

/* Resolves dest at idx, checks `action` on its pid; 0 = go on. */
static int la_target(lua_State *L, la_proc *p, int idx, const char *action, actor_id *out) {
    char pid[ACTOR_NAME_MAX + 40];
    int r = la_resolve(L, p, idx, out);
    if (r || !p->secured) return r;
    lua_actor_pid(*out, actor_host_of_id(p->rt->sys, *out), pid, sizeof pid);
    return la_deny(L, action, pid);
}

/* Maps an actor_result to nil, err. */
static int la_fail_result(lua_State *L, actor_result r, const char *what) {
    int kind = r == ACTOR_ERR_NOT_FOUND ? LA_NOT_FOUND : r == ACTOR_ERR_EXISTS ? LA_ALREADY_EXISTS
             : r == ACTOR_ERR_INVALID ? LA_INVALID : r == ACTOR_ERR_TIMEOUT ? LA_TIMEOUT
             : r == ACTOR_ERR_LIMIT || r == ACTOR_ERR_SHUTDOWN ? LA_UNAVAILABLE : LA_INTERNAL;
    return la_fail(L, kind, "%s: %s", what, actor_result_string(r));
}

static int la_p_pid(lua_State *L) {
    la_proc *p = la_proc_of(L);
    la_push_pid(L, p->self, p->host);
    return 1;
}
static int la_p_id(lua_State *L) { lua_pushstring(L, la_proc_of(L)->def->id); return 1; }

/* Topic rules: a non-empty string not starting with '@'. 0 = ok. */
static int la_check_topic(lua_State *L, int idx) {
    size_t n;
    const char *t;
    if (lua_type(L, idx) != LUA_TSTRING) return la_fail(L, LA_INVALID, "topic must be a string");
    t = lua_tolstring(L, idx, &n);
    if (!n) return la_fail(L, LA_INVALID, "topic must not be empty");
    if (t[0] == '@') return la_fail(L, LA_INVALID, "topic '%s' is reserved (topics starting with '@' are system topics)", t);
    return 0;
}

/* Encodes topic + `n` values from stack index `first` as a message payload
   into p->scratch. 0 = ok; else nil, INVALID pushed and 2 returned. */
static int la_encode_message(lua_State *L, la_proc *p, int topic, int first, int n) {
    char err[160];
    size_t tlen;
    const char *t = lua_tolstring(L, topic, &tlen);
    p->scratch.n = 0;
    p->scratch.oom = 0;
    la_buf_str(&p->scratch, t, tlen);
    la_buf_varint(&p->scratch, (uint64_t)n);
    if (!la_encode(L, &p->scratch, first, n, err, sizeof err)) return la_fail(L, LA_INVALID, "%s", err);
    return 0;
}

static int la_p_send(lua_State *L) {
    la_proc *p = la_proc_of(L);
    actor_id to;
    actor_result r;
    int e, n = lua_gettop(L) - 2;
    if ((e = la_check_topic(L, 2)) != 0) return e;
    if ((e = la_target(L, p, 1, "process.send", &to)) != 0) return e;
    if ((e = la_encode_message(L, p, 2, 3, n < 0 ? 0 : n)) != 0) return e;
    r = actor_send(p->ctx, to, LA_TAG_MSG, p->scratch.p, p->scratch.n);
    if (r != ACTOR_OK) return la_fail_result(L, r, "send");
    lua_pushboolean(L, 1);
    return 1;
}

static void la_on_exit(actor_context *self, const actor_exit_reason *why);
static void la_behaviour(actor_context *self, const actor_msg *m);

/* Spawns a process of `def` on `h` whose first message is the START
   payload start[0..len), and keeps the runtime's process list and count. */
static actor_result la_spawn_proc(lua_actor_runtime *rt, const la_def *def, actor_host *h, actor_context *parent,
                                  unsigned flags, const void *start, size_t len, const char *name, actor_id *out) {
    la_proc *np = la_proc_new(rt, def, h);
    actor_spawn_desc d;
    actor_result r;
    if (!np) return ACTOR_ERR_NO_MEMORY;
    memset(&d, 0, sizeof d);
    d.fn = la_behaviour;
    d.state = np;
    d.state_dtor = la_proc_free;
    d.on_exit = la_on_exit;
    d.mailbox_limit = np->limit; /* queued messages are bounded like the heap they will be decoded into */
    d.parent = parent;
    d.flags = (flags & (ACTOR_SPAWN_LINK | ACTOR_SPAWN_MONITOR)) | ACTOR_SPAWN_START;
    d.start_data = start;
    d.start_size = len;
    d.name = name;
    la_lock(&rt->lock);
    np->next = rt->procs;
    if (rt->procs) rt->procs->prev = np;
    rt->procs = np;
    la_unlock(&rt->lock);
    la_add64(&rt->live, 1);
    r = actor_spawn(h, &d, out);
    if (r == ACTOR_OK) return r;
    la_lock(&rt->lock);
    if (np->prev) np->prev->next = np->next; else rt->procs = np->next;
    if (np->next) np->next->prev = np->prev;
    la_unlock(&rt->lock);
    la_add64(&rt->live, (uint64_t)-1);
    la_proc_free(np);
    return r;
}

/* What a child inherits or gets from a spawner: pushed in this order onto
   the stack by la_push_inheritance (ctx, actor, scope, messages). */
static const char LA_MT_SPAWNER[] = "actor.spawner";

static void la_push_inheritance(lua_State *L, int spawner) {
    static const char *const fields[] = { "ctx", "actor", "scope" };
    static const char *const keys[] = { &la_K_CTX, &la_K_SACTOR, &la_K_SSCOPE };
    int i;
    for (i = 0; i < 3; ++i) {
        if (spawner) {
            lua_getfield(L, spawner, fields[i]);
            if (!lua_isnil(L, -1)) continue;
            lua_pop(L, 1);
        }
        la_push_registry(L, keys[i]);
    }
    if (spawner) lua_getfield(L, spawner, "messages");
    else lua_pushnil(L);
}

/* spawn(id, host, ...) and friends; `spawner` is 0 or the spawner's index
   and the id is at `base`. flags: ACTOR_SPAWN_LINK / _MONITOR, and
   LA_SPAWN_EXEC for exec (its caller checked process.exec; SPEC §9 asks
   no spawn permissions of it). */
#define LA_SPAWN_EXEC (1u << 16)
static int la_spawn_common(lua_State *L, unsigned flags, int spawner, int base, actor_id *out_id) {
    la_proc *p = la_proc_of(L);
    const char *id, *hostname, *name = NULL;
    const la_def *def;
    actor_host *h;
    actor_id cid;
    actor_result r;
    char err[160];
    int e, nargs = lua_gettop(L) - (base + 1), top;
    if (lua_type(L, base) != LUA_TSTRING || lua_type(L, base + 1) != LUA_TSTRING)
        return la_fail(L, LA_INVALID, "spawn(id, host, ...): id and host must be strings");
    if (nargs > LA_MAX_ARGS) return la_fail(L, LA_INVALID, "too many arguments for a new process (%d; at most %d)", nargs, LA_MAX_ARGS);
    id = lua_tostring(L, base);
    hostname = lua_tostring(L, base + 1);
    if (!(flags & LA_SPAWN_EXEC)) {
        if ((e = la_deny(L, "process.spawn", id)) != 0) return e;
        if ((flags & ACTOR_SPAWN_MONITOR) && (e = la_deny(L, "process.spawn.monitored", id)) != 0) return e;
    }
    if ((flags & ACTOR_SPAWN_LINK) && (e = la_deny(L, "process.spawn.linked", id)) != 0) return e;
    if ((e = la_deny(L, "process.host", hostname)) != 0) return e;
    def = la_find_def(p->rt, id);
    if (!def || def->library) return la_fail(L, LA_NOT_FOUND, "unknown process definition '%s'", id);
    if (!(h = actor_host_find(p->rt->sys, hostname)) || actor_host_workers(h) == 0)
        return la_fail(L, LA_NOT_FOUND, "unknown host '%s'", hostname);
    if (spawner) {
        lua_getfield(L, spawner, "name");
        name = lua_tostring(L, -1); /* the spawner keeps the string alive */
        lua_pop(L, 1);
        if (name && (e = la_deny(L, "process.registry.register", name)) != 0) return e; /* as register would */
    }
    /* START payload: ctx, actor, scope, initial messages, nargs, args... */
    top = lua_gettop(L);
    la_push_inheritance(L, spawner);
    lua_pushinteger(L, nargs);
    p->scratch.n = 0;
    p->scratch.oom = 0;
    if (!la_encode(L, &p->scratch, top + 1, 5, err, sizeof err)) { lua_settop(L, top); return la_fail(L, LA_INVALID, "%s", err); }
    lua_settop(L, top);
    if (!la_encode(L, &p->scratch, base + 2, nargs, err, sizeof err))
        return la_fail(L, LA_INVALID, "spawn argument cannot be copied: %s", err);
    r = la_spawn_proc(p->rt, def, h, p->ctx, flags, p->scratch.p, p->scratch.n, name, &cid);
    if (r == ACTOR_ERR_EXISTS) return la_fail(L, LA_ALREADY_EXISTS, "name '%s' is already registered", name ? name : "");
    if (r == ACTOR_ERR_INVALID && name) return la_fail(L, LA_INVALID, "invalid process name '%s'", name);
    if (r != ACTOR_OK) return la_fail_result(L, r, "spawn");
    if (out_id) *out_id = cid;
    la_push_pid(L, cid, h);
    return 1;
}

static int la_p_spawn(lua_State *L) { return la_spawn_common(L, 0, 0, 1, NULL); }
static int la_p_spawn_monitored(lua_State *L) { return la_spawn_common(L, ACTOR_SPAWN_MONITOR, 0, 1, NULL); }
static int la_p_spawn_linked(lua_State *L) { return la_spawn_common(L, ACTOR_SPAWN_LINK, 0, 1, NULL); }
static int la_p_spawn_linked_monitored(lua_State *L) {
    return la_spawn_common(L, ACTOR_SPAWN_LINK | ACTOR_SPAWN_MONITOR, 0, 1, NULL);
}

static int la_duration_ms(lua_State *L, int idx, double *out, char *err, size_t errlen);

static int la_p_terminate(lua_State *L) {
    la_proc *p = la_proc_of(L);
    actor_id to;
    actor_result r;
    int e;
    if ((e = la_target(L, p, 1, "process.terminate", &to)) != 0) return e;
    r = actor_terminate(p->rt->sys, to);
    if (r != ACTOR_OK) return la_fail_result(L, r, "terminate");
    if (to.value == p->self.value && L == p->current && lua_isyieldable(L)) {
        p->yield_reason = LA_Y_KILL; /* ending ourselves: leave right now */
        return lua_yield(L, 0);
    }
    lua_pushboolean(L, 1);
    return 1;
}

static int la_p_cancel(lua_State *L) {
    la_proc *p = la_proc_of(L);
    actor_id to;
    actor_result r;
    int64_t ms = ACTOR_NO_DEADLINE;
    int e;
    if ((e = la_target(L, p, 1, "process.cancel", &to)) != 0) return e;
    if (!lua_isnoneornil(L, 2)) {
        char err[128];
        double d;
        if (!la_duration_ms(L, 2, &d, err, sizeof err)) return la_fail(L, LA_INVALID, "%s", err);
        ms = d <= 0 ? 0 : (int64_t)ceil(d);
    }
    r = actor_cancel(p->rt->sys, p->self, to, ms);
    if (r != ACTOR_OK) return la_fail_result(L, r, "cancel");
    lua_pushboolean(L, 1);
    return 1;
}

/* process.monitor / unmonitor / link / unlink: resolve and check the
   target, apply `op`. Removing a monitor or link also removes a matching
   event already queued here (`purge` names its kind): after the call
   returns, no such event can be received. */
static int la_peer_call(lua_State *L, const char *action, actor_result (*op)(actor_context *, actor_id),
                        const char *purge) {
    la_proc *p = la_proc_of(L);
    actor_id to;
    actor_result r;
    int e, purged = 0;
    if ((e = la_target(L, p, 1, action, &to)) != 0) return e;
    r = op(p->ctx, to);
    if (purge) purged = la_purge_events(L, purge, to);
    if (r == ACTOR_OK || purged) { lua_pushboolean(L, 1); return 1; }
    switch (r) {
    case ACTOR_ERR_EXISTS: return la_fail(L, LA_ALREADY_EXISTS, "%s: already monitoring %s", action, lua_tostring(L, 1));
    case ACTOR_ERR_INVALID: return la_fail(L, LA_INVALID, "%s: a process cannot target itself", action);
    case ACTOR_ERR_NOT_FOUND:
        return la_fail(L, LA_NOT_FOUND, "%s: %s %s", action, purge ? "no monitor or link to" : "no live process", lua_tostring(L, 1));
    default: return la_fail_result(L, r, action);
    }
}

static int la_p_monitor(lua_State *L) { return la_peer_call(L, "process.monitor", actor_monitor, NULL); }
static int la_p_unmonitor(lua_State *L) { return la_peer_call(L, "process.unmonitor", actor_demonitor, "EXIT"); }
static int la_p_link(lua_State *L) { return la_peer_call(L, "process.link", actor_link, NULL); }
static int la_p_unlink(lua_State *L) { return la_peer_call(L, "process.unlink", actor_unlink, "LINK_DOWN"); }

static int la_p_get_options(lua_State *L) {
    lua_createtable(L, 0, 1);
    lua_pushboolean(L, actor_traps_links(la_proc_of(L)->ctx));
    lua_setfield(L, -2, "trap_links");
    return 1;
}

static int la_p_set_options(lua_State *L) {
    la_proc *p = la_proc_of(L);
    int trap = -1;
    if (lua_type(L, 1) != LUA_TTABLE) return la_fail(L, LA_INVALID, "set_options expects a table");
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        if (!k || strcmp(k, "trap_links")) {
            lua_pop(L, 2);
            return la_fail(L, LA_INVALID, "unknown option '%s'", k ? k : luaL_typename(L, -2));
        }
        if (lua_type(L, -1) != LUA_TBOOLEAN) { lua_pop(L, 2); return la_fail(L, LA_INVALID, "option trap_links must be a boolean"); }
        trap = lua_toboolean(L, -1);
        lua_pop(L, 1);
    }
    if (trap >= 0) actor_trap_links(p->ctx, trap);
    lua_pushboolean(L, 1);
    return 1;
}

/* The inbox / events channel, created on first use with what waited. */
static int la_p_inbox(lua_State *L) {
    la_proc *p = la_proc_of(L);
    la_push_registry(L, &la_K_INBOX);
    if (!lua_isnil(L, -1)) return 1;
    lua_pop(L, 1);
    la_chan_new(L, LA_UNBOUNDED);
    p->inbox = (la_chan *)lua_touserdata(L, -1);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &la_K_INBOX);
    la_take_pending(L, p, lua_gettop(L), 0);
    return 1;
}

static int la_p_events(lua_State *L) {
    la_proc *p = la_proc_of(L);
    lua_Integer i, n;
    int ch;
    la_push_registry(L, &la_K_EVENTS);
    if (!lua_isnil(L, -1)) return 1;
    lua_pop(L, 1);
    la_chan_new(L, LA_UNBOUNDED);
    ch = lua_gettop(L);
    lua_pushvalue(L, ch);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &la_K_EVENTS);
    la_reg_table(L, &la_K_PEVENTS);
    n = (lua_Integer)lua_rawlen(L, -1);
    for (i = 1; i <= n; ++i) { lua_rawgeti(L, -1, i); la_chan_deliver(L, p, ch); }
    lua_newtable(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &la_K_PEVENTS);
    lua_settop(L, ch);
    return 1;
}

static int la_p_listen(lua_State *L) {
    la_proc *p = la_proc_of(L);
    int e, as_message = 0;
    la_chan *ch;
    if ((e = la_check_topic(L, 1)) != 0) return e;
    if (!lua_isnoneornil(L, 2)) {
        if (lua_type(L, 2) != LUA_TTABLE) return la_fail(L, LA_INVALID, "listen options must be a table");
        lua_getfield(L, 2, "message");
        as_message = lua_toboolean(L, -1);
        lua_pop(L, 1);
    }
    la_reg_table(L, &la_K_LISTEN);
    lua_pushvalue(L, 1);
    if (lua_rawget(L, -2) != LUA_TNIL)
        return la_fail(L, LA_ALREADY_EXISTS, "already listening on topic '%s'", lua_tostring(L, 1));
    lua_pop(L, 1);
    la_chan_new(L, LA_UNBOUNDED);
    ch = (la_chan *)lua_touserdata(L, -1);
    ch->raw = !as_message;
    lua_pushvalue(L, 1);
    lua_pushvalue(L, -2);
    lua_rawset(L, -4);
    p->nlisten++;
    la_take_pending(L, p, lua_gettop(L), 1);
    return 1;
}

static int la_p_unlisten(lua_State *L) {
    la_proc *p = la_proc_of(L);
    la_tochan(L, 1);
    la_reg_table(L, &la_K_LISTEN);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        if (lua_rawequal(L, -1, 1)) {
            lua_pop(L, 1);
            lua_pushnil(L);
            lua_rawset(L, -3);
            lua_settop(L, 1);
            p->nlisten--;
            return la_ch_close(L);
        }
        lua_pop(L, 1);
    }
    return la_fail(L, LA_NOT_FOUND, "not a listen channel of this process");
}

/* process.exec(id, host, ...): spawn monitored, block until it ends. */
static int la_p_exec(lua_State *L) {
    actor_id child;
    int r;
    if (lua_type(L, 1) == LUA_TSTRING && (r = la_deny(L, "process.exec", lua_tostring(L, 1))) != 0) return r;
    la_check_can_block(L, "process.exec");
    r = la_spawn_common(L, ACTOR_SPAWN_MONITOR | LA_SPAWN_EXEC, 0, 1, &child);
    if (r != 1) return r; /* nil, err */
    la_reg_table(L, &la_K_EXEC);
    lua_pushthread(L);
    lua_rawseti(L, -2, (lua_Integer)child.value);
    lua_pop(L, 2);
    return la_block(L);
}

/* An EXIT for an exec child wakes its caller instead of becoming an event. */
static int la_wake_exec(lua_State *L, la_proc *p, const actor_msg *m) {
    lua_State *co;
    la_reg_table(L, &la_K_EXEC);
    if (lua_rawgeti(L, -1, (lua_Integer)m->from.value) != LUA_TTHREAD) { lua_pop(L, 2); return 0; }
    co = lua_tothread(L, -1);
    lua_pop(L, 1);
    lua_pushnil(L);
    lua_rawseti(L, -2, (lua_Integer)m->from.value);
    lua_pop(L, 1);
    lua_checkstack(co, 4);
    lua_pushinteger(co, LA_WAKE_OK);
    if (m->reason->kind == ACTOR_EXIT_NORMAL) {
        la_push_result(L, m->reason);
        lua_getfield(L, -1, "value");
        lua_remove(L, -2);
        lua_xmove(L, co, 1);
        la_wake(L, p, co, 2);
    } else {
        lua_pushnil(co);
        la_push_result(L, m->reason);
        lua_getfield(L, -1, "error");
        lua_remove(L, -2);
        lua_xmove(L, co, 1);
        la_wake(L, p, co, 3);
    }
    return 1;
}

/* >>registry ------------------------------------------------------------------------ */

static int la_reg_name(lua_State *L, int idx, const char **out) {
    size_t n;
    actor_id as_pid;
    if (lua_type(L, idx) != LUA_TSTRING) return la_fail(L, LA_INVALID, "name must be a string");
    *out = lua_tolstring(L, idx, &n);
    if (!n || strlen(*out) != n) return la_fail(L, LA_INVALID, "name must be a non-empty string without NUL bytes");
    if (n > ACTOR_NAME_MAX) return la_fail(L, LA_INVALID, "name longer than %d bytes", ACTOR_NAME_MAX);
    if (lua_actor_parse_pid(*out, n, &as_pid)) /* a send to it would go to the pid, never the name */
        return la_fail(L, LA_INVALID, "name '%s' reads as a pid; pick another", *out);
    return 0;
}

static int la_r_register(lua_State *L) {
    la_proc *p = la_proc_of(L);
    const char *name;
    actor_id id = p->self;
    actor_result r;
    int e;
    if ((e = la_reg_name(L, 1, &name)) != 0) return e;
    if (!lua_isnoneornil(L, 2) && (e = la_resolve(L, p, 2, &id)) != 0) return e;
    if ((e = la_deny(L, "process.registry.register", name)) != 0) return e;
    r = actor_register(p->rt->sys, name, id);
    if (r == ACTOR_ERR_EXISTS) return la_fail(L, LA_ALREADY_EXISTS, "name '%s' is already registered", name);
    if (r != ACTOR_OK) return la_fail_result(L, r, "register");
    lua_pushboolean(L, 1);
    return 1;
}

static int la_r_lookup(lua_State *L) {
    la_proc *p = la_proc_of(L);
    const char *name;
    actor_id id;
    actor_host *h;
    int e;
    if ((e = la_reg_name(L, 1, &name)) != 0) return e;
    if (actor_lookup(p->rt->sys, name, &id) != ACTOR_OK || !(h = actor_host_of_id(p->rt->sys, id)))
        return la_fail(L, LA_NOT_FOUND, "no process named '%s'", name);
    la_push_pid(L, id, h);
    return 1;
}

static int la_r_unregister(lua_State *L) {
    la_proc *p = la_proc_of(L);
    const char *name;
    int e;
    if ((e = la_reg_name(L, 1, &name)) != 0) return e;
    if ((e = la_deny(L, "process.registry.unregister", name)) != 0) return e;
    lua_pushboolean(L, actor_unregister(p->rt->sys, name) == ACTOR_OK);
    return 1;
}

/* >>spawner: process.with_context(values) and its builder methods ------------- */

/* Copy of the spawner at idx with fields ctx, name, messages, actor, scope. */
static void la_spawner_copy(lua_State *L, int idx) {
    static const char *const fields[] = { "ctx", "name", "messages", "actor", "scope" };
    int i;
    lua_createtable(L, 0, 5);
    for (i = 0; i < 5; ++i) {
        if (idx) lua_getfield(L, idx, fields[i]); else lua_pushnil(L);
        lua_setfield(L, -2, fields[i]);
    }
    la_setmeta(L, LA_MT_SPAWNER);
}

/* Merges `values` (at vidx) over the base context into a fresh table. */
static int la_merge_context(lua_State *L, int base, int vidx) {
    char err[160];
    la_buf tmp = { NULL, 0, 0, 0 };
    if (lua_type(L, vidx) != LUA_TTABLE) return la_fail(L, LA_INVALID, "context values must be a table");
    /* validate copyability now, so the error comes from with_context */
    if (!la_encode(L, &tmp, vidx, 1, err, sizeof err)) { la_buf_free(&tmp); return la_fail(L, LA_INVALID, "%s", err); }
    la_buf_free(&tmp);
    lua_newtable(L);
    if (base && lua_type(L, base) == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, base)) { lua_pushvalue(L, -2); lua_insert(L, -2); lua_rawset(L, -4); }
    }
    lua_pushnil(L);
    while (lua_next(L, vidx)) {
        if (lua_type(L, -2) != LUA_TSTRING) { lua_pop(L, 3); return la_fail(L, LA_INVALID, "context keys must be strings"); }
        lua_pushvalue(L, -2); lua_insert(L, -2); lua_rawset(L, -4);
    }
    return 0;
}

static int la_p_with_context(lua_State *L) {
    int e;
    if ((e = la_deny(L, "process.context", "context")) != 0) return e;
    la_push_registry(L, &la_K_CTX);
    if ((e = la_merge_context(L, lua_gettop(L), 1)) != 0) return e;
    la_spawner_copy(L, 0);
    lua_insert(L, -2);
    lua_setfield(L, -2, "ctx");
    return 1;
}

/* A table carrying metatable `mt` (spawners, security objects). */
static int la_has_meta(lua_State *L, int idx, const char *mt) {
    int ok;
    if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx)) return 0;
    luaL_getmetatable(L, mt);
    ok = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return ok;
}

static void la_check_spawner(lua_State *L) {
    if (!la_has_meta(L, 1, LA_MT_SPAWNER)) luaL_error(L, "expected a spawner (use spawner:method(...))");
}

static int la_sp_with_context(lua_State *L) {
    int e;
    la_check_spawner(L);
    if ((e = la_deny(L, "process.context", "context")) != 0) return e;
    lua_getfield(L, 1, "ctx");
    if ((e = la_merge_context(L, lua_gettop(L), 2)) != 0) return e;
    la_spawner_copy(L, 1);
    lua_insert(L, -2);
    lua_setfield(L, -2, "ctx");
    return 1;
}

static int la_sp_with_name(lua_State *L) {
    const char *name;
    int e;
    la_check_spawner(L);
    if ((e = la_reg_name(L, 2, &name)) != 0) return e;
    la_spawner_copy(L, 1);
    lua_pushvalue(L, 2);
    lua_setfield(L, -2, "name");
    return 1;
}

/* with_message(topic, ...): the payload is copied now (an immutable spawner). */
static int la_sp_with_message(lua_State *L) {
    la_proc *p = la_proc_of(L);
    int e, n = lua_gettop(L) - 2;
    lua_Integer len;
    la_check_spawner(L);
    if ((e = la_check_topic(L, 2)) != 0) return e;
    if ((e = la_encode_message(L, p, 2, 3, n < 0 ? 0 : n)) != 0) return e;
    la_spawner_copy(L, 1);
    lua_newtable(L);
    lua_getfield(L, 1, "messages");
    len = lua_istable(L, -1) ? (lua_Integer)lua_rawlen(L, -1) : 0;
    for (e = 1; e <= len; ++e) { lua_rawgeti(L, -1, e); lua_rawseti(L, -3, e); }
    lua_pop(L, 1);
    lua_pushlstring(L, p->scratch.p, p->scratch.n);
    lua_rawseti(L, -2, len + 1);
    lua_setfield(L, -2, "messages");
    return 1;
}

static const char LA_MT_SEC_ACTOR[] = "actor.security.actor";
static const char LA_MT_SEC_SCOPE[] = "actor.security.scope";

static int la_sp_with_security(lua_State *L, const char *field, const char *mt, const char *what) {
    int e;
    la_check_spawner(L);
    if ((e = la_deny(L, "process.security", "security")) != 0) return e;
    if (!la_has_meta(L, 2, mt)) return la_fail(L, LA_INVALID, "expected a %s made by security.new_%s", what, what);
    la_spawner_copy(L, 1);
    lua_pushvalue(L, 2);
    lua_setfield(L, -2, field);
    return 1;
}
static int la_sp_with_actor(lua_State *L) { return la_sp_with_security(L, "actor", LA_MT_SEC_ACTOR, "actor"); }
static int la_sp_with_scope(lua_State *L) { return la_sp_with_security(L, "scope", LA_MT_SEC_SCOPE, "scope"); }

static int la_sp_spawn_flags(lua_State *L, unsigned flags) {
    la_check_spawner(L);
    if (la_has_meta(L, 1, LA_MT_SPAWNER)) {
        int e;
        lua_getfield(L, 1, "actor");
        lua_getfield(L, 1, "scope");
        e = !lua_isnil(L, -1) || !lua_isnil(L, -2);
        lua_pop(L, 2);
        if (e && (e = la_deny(L, "process.security", "security")) != 0) return e;
    }
    return la_spawn_common(L, flags, 1, 2, NULL);
}
static int la_sp_spawn(lua_State *L) { return la_sp_spawn_flags(L, 0); }
static int la_sp_spawn_monitored(lua_State *L) { return la_sp_spawn_flags(L, ACTOR_SPAWN_MONITOR); }
static int la_sp_spawn_linked(lua_State *L) { return la_sp_spawn_flags(L, ACTOR_SPAWN_LINK); }
static int la_sp_spawn_linked_monitored(lua_State *L) { return la_sp_spawn_flags(L, ACTOR_SPAWN_LINK | ACTOR_SPAWN_MONITOR); }

/* >>upgrade ---------------------------------------------------------------------- */

/* 1 when the value at idx is a Message object of ours. */
static int la_is_message(lua_State *L, int idx) {
    int same;
    if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx)) return 0;
    lua_rawgetp(L, LUA_REGISTRYINDEX, LA_MT_MESSAGE);
    same = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return same;
}

/* Appends the buffered values of the channel at chidx to the array on top.
   Raw listen values become single-payload messages of the topic at stack
   index `topic` (0 = none). From a
   channel of Message objects (`messages`) only those are kept: anything
   else was put there by the script itself (ch:send), is not a message and
   stays behind with the rest of the old state's channels. */
static void la_collect_channel(lua_State *L, int chidx, int topic, int messages) {
    la_chan *ch = (la_chan *)lua_touserdata(L, chidx);
    lua_Integer i;
    int list = lua_gettop(L);
    lua_getiuservalue(L, chidx, 1);
    for (i = ch->head; i < ch->tail; ++i) {
        lua_rawgeti(L, -1, i);
        if (messages && !ch->raw && !la_is_message(L, -1)) { lua_pop(L, 1); continue; }
        if (topic && ch->raw) {
            lua_createtable(L, LA_M_V + 1, 0);
            lua_insert(L, -2);
            lua_rawseti(L, -2, LA_M_V + 1);
            lua_pushvalue(L, topic);
            lua_rawseti(L, -2, LA_M_TOPIC);
            lua_pushinteger(L, 1);
            lua_rawseti(L, -2, LA_M_N);
        }
        lua_rawseti(L, list, (lua_Integer)lua_rawlen(L, list) + 1);
    }
    lua_pop(L, 1);
}

/* process.upgrade(id_or_nil, ...): new code, same process. Does not return. */
static int la_p_upgrade(lua_State *L) {
    la_proc *p = la_proc_of(L);
    const la_def *def = p->def;
    char err[160];
    int n = lua_gettop(L) - 1, base = lua_gettop(L), msgs, events, r;
    if (!lua_isnoneornil(L, 1)) {
        if (lua_type(L, 1) != LUA_TSTRING) return la_fail(L, LA_INVALID, "upgrade(id, ...): id must be a string or nil");
        def = la_find_def(p->rt, lua_tostring(L, 1));
        if (!def || def->library) return la_fail(L, LA_NOT_FOUND, "unknown process definition '%s'", lua_tostring(L, 1));
        if ((r = la_deny(L, "process.upgrade", def->id)) != 0) return r; /* running other code, like a spawn */
    }
    if (n > LA_MAX_ARGS) return la_fail(L, LA_INVALID, "too many arguments for the new code (%d; at most %d)", n, LA_MAX_ARGS);
    la_check_can_block(L, "process.upgrade");
    /* undelivered messages: waiting, inbox, listen channels; then events */
    la_reg_table(L, &la_K_PENDING);
    lua_newtable(L);
    msgs = lua_gettop(L);
    {
        lua_Integer i, len = (lua_Integer)lua_rawlen(L, msgs - 1);
        for (i = 1; i <= len; ++i) { lua_rawgeti(L, msgs - 1, i); lua_rawseti(L, msgs, i); }
    }
    la_push_registry(L, &la_K_INBOX);
    if (!lua_isnil(L, -1)) { lua_pushvalue(L, msgs); la_collect_channel(L, lua_gettop(L) - 1, 0, 1); lua_pop(L, 1); }
    lua_pop(L, 1);
    la_reg_table(L, &la_K_LISTEN);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pushvalue(L, msgs);
        la_collect_channel(L, lua_gettop(L) - 1, lua_gettop(L) - 2, 1);
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
    la_reg_table(L, &la_K_PEVENTS);
    lua_newtable(L);
    events = lua_gettop(L);
    {
        lua_Integer i, len = (lua_Integer)lua_rawlen(L, events - 1);
        for (i = 1; i <= len; ++i) { lua_rawgeti(L, events - 1, i); lua_rawseti(L, events, i); }
    }
    la_push_registry(L, &la_K_EVENTS);
    if (!lua_isnil(L, -1)) { lua_pushvalue(L, events); la_collect_channel(L, lua_gettop(L) - 1, 0, 0); lua_pop(L, 1); }
    lua_pop(L, 1);
    /* carry = ctx, actor, scope, messages, nargs, args..., events */
    la_push_registry(L, &la_K_CTX);
    la_push_registry(L, &la_K_SACTOR);
    la_push_registry(L, &la_K_SSCOPE);
    lua_pushvalue(L, msgs);
    lua_pushinteger(L, n < 0 ? 0 : n);
    p->carry.n = 0;
    p->carry.oom = 0;
    /* messages: list > Message > value; events: list > event > result > value */
    if (!la_encode_wrapped(L, &p->carry, lua_gettop(L) - 4, 5, 2, err, sizeof err) ||
        !la_encode(L, &p->carry, 2, n < 0 ? 0 : n, err, sizeof err) ||
        !la_encode_wrapped(L, &p->carry, events, 1, 3, err, sizeof err)) {
        lua_settop(L, base);
        return la_fail(L, LA_INVALID, "upgrade: %s", err);
    }
    lua_settop(L, base);
    p->upgrade_to = def;
    p->yield_reason = LA_Y_UPGRADE;
    return lua_yield(L, 0);
}

/* >>time ------------------------------------------------------------------------- */

/* Parses "300ms", "1.5s", "1h30m", "250us", "10ns" (or a number of ms). */
static int la_parse_duration(const char *s, size_t n, double *ms) {
    const char *p = s, *end = s + n;
    double total = 0;
    int neg = 0;
    if (p < end && (*p == '-' || *p == '+')) neg = *p++ == '-';
    if (p == end) return 0;
    if (end - p == 1 && *p == '0') { *ms = 0; return 1; }
    while (p < end) {
        double v = 0, scale = 1, unit;
        int digits = 0;
        while (p < end && *p >= '0' && *p <= '9') { v = v * 10 + (*p++ - '0'); digits++; }
        if (p < end && *p == '.') {
            p++;
            while (p < end && *p >= '0' && *p <= '9') { scale /= 10; v += (*p++ - '0') * scale; digits++; }
        }
        if (!digits) return 0;
        if (end - p >= 2 && p[0] == 'n' && p[1] == 's') { unit = 1e-6; p += 2; }
        else if (end - p >= 2 && p[0] == 'u' && p[1] == 's') { unit = 1e-3; p += 2; }
        else if (end - p >= 3 && (unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xB5 && p[2] == 's') { unit = 1e-3; p += 3; }
        else if (end - p >= 2 && p[0] == 'm' && p[1] == 's') { unit = 1; p += 2; }
        else if (p < end && *p == 's') { unit = 1000; p++; }
        else if (p < end && *p == 'm') { unit = 60000; p++; }
        else if (p < end && *p == 'h') { unit = 3600000; p++; }
        else return 0;
        total += v * unit;
    }
    *ms = neg ? -total : total;
    return 1;
}

static int la_duration_ms(lua_State *L, int idx, double *out, char *err, size_t errlen) {
    if (lua_type(L, idx) == LUA_TNUMBER) {
        double d = (double)lua_tonumber(L, idx);
        if (d != d || d > 1e15 || d < -1e15) { snprintf(err, errlen, "invalid duration: %g", d); return 0; }
        *out = d;
        return 1;
    }
    if (lua_type(L, idx) == LUA_TSTRING) {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        if (la_parse_duration(s, n, out) && *out < 1e15 && *out > -1e15) return 1;
        snprintf(err, errlen, "invalid duration '%s' (use e.g. \"250ms\", \"1.5s\", \"1h30m\" or milliseconds)", s);
        return 0;
    }
    snprintf(err, errlen, "invalid duration: a %s (expected a string like \"1s\" or a number of milliseconds)",
             luaL_typename(L, idx));
    return 0;
}

/* Arms an actor timer whose firing is looked up in la_K_TIMERS[tag]; the
   value on top (the waiting thing) is stored there (popped). */
static int la_arm(lua_State *L, la_proc *p, double ms, actor_timer *out) {
    uint32_t tag = ++p->next_tag;
    actor_result r = actor_after(p->ctx, ms <= 0 ? 0 : (uint64_t)ceil(ms), tag, out);
    if (r != ACTOR_OK) { lua_pop(L, 1); return 0; }
    la_reg_table(L, &la_K_TIMERS);
    lua_insert(L, -2);
    lua_rawseti(L, -2, tag);
    lua_pop(L, 1);
    return 1;
}

static int la_t_sleep(lua_State *L) {
    la_proc *p = la_proc_of(L);
    char err[160];
    double ms;
    if (!la_duration_ms(L, 1, &ms, err, sizeof err)) return la_fail(L, LA_INVALID, "%s", err);
    la_check_can_block(L, "time.sleep");
    if (ms <= 0) return la_suspend(L, LA_Y_PASS); /* just let the others run: its other coroutines, the other actors */
    lua_pushthread(L);
    if (!la_arm(L, p, ms, NULL)) return la_fail(L, LA_INTERNAL, "out of memory");
    return la_block(L);
}

static int la_t_after(lua_State *L) {
    la_proc *p = la_proc_of(L);
    char err[160];
    double ms;
    if (!la_duration_ms(L, 1, &ms, err, sizeof err)) return la_fail(L, LA_INVALID, "%s", err);
    la_chan_new(L, 1);
    lua_pushvalue(L, -1);
    if (!la_arm(L, p, ms, NULL)) return la_fail(L, LA_INTERNAL, "out of memory");
    return 1;
}

static const char LA_MT_TICKER[] = "actor.ticker";

/* A ticker is a full userdata (its channel in the user value): nothing a
   script can reach inside it, so a timer firing always finds what it set. */
typedef struct la_ticker { double ms; actor_timer timer; uint32_t tag; int stopped; } la_ticker; /* tag: of the armed timer, in la_K_TIMERS */

static la_ticker *la_check_ticker(lua_State *L) { return (la_ticker *)luaL_checkudata(L, 1, LA_MT_TICKER); }

static int la_t_ticker(lua_State *L) {
    la_proc *p = la_proc_of(L);
    char err[160];
    double ms;
    la_ticker *tk;
    if (!la_duration_ms(L, 1, &ms, err, sizeof err)) return la_fail(L, LA_INVALID, "%s", err);
    if (ms <= 0) return la_fail(L, LA_INVALID, "ticker period must be positive");
    tk = (la_ticker *)lua_newuserdatauv(L, sizeof *tk, 1);
    memset(tk, 0, sizeof *tk);
    tk->ms = ms;
    la_setmeta(L, LA_MT_TICKER);
    la_chan_new(L, 1);
    lua_setiuservalue(L, -2, 1);
    lua_pushvalue(L, -1);
    if (!la_arm(L, p, ms, &tk->timer)) return la_fail(L, LA_INTERNAL, "out of memory");
    tk->tag = p->next_tag;
    return 1;
}
static int la_ticker_channel(lua_State *L) { la_check_ticker(L); lua_getiuservalue(L, 1, 1); return 1; }
static int la_ticker_stop(lua_State *L) {
    la_ticker *tk = la_check_ticker(L);
    if (tk->stopped) return 0;
    tk->stopped = 1;
    if (actor_cancel_timer(la_proc_of(L)->ctx, tk->timer) == ACTOR_OK) { /* it never fires: forget it now */
        la_reg_table(L, &la_K_TIMERS);
        lua_pushnil(L);
        lua_rawseti(L, -2, tk->tag);
    } /* else it fired and is on its way: la_on_ticker forgets it */
    return 0;
}

static int la_t_now(lua_State *L) { lua_pushinteger(L, (lua_Integer)actor_wall_ms()); return 1; }

static int la_t_parse_duration(lua_State *L) {
    char err[160];
    double ms;
    if (!la_duration_ms(L, 1, &ms, err, sizeof err)) return la_fail(L, LA_INVALID, "%s", err);
    if (ms == floor(ms) && fabs(ms) < 9e15) lua_pushinteger(L, (lua_Integer)ms);
    else lua_pushnumber(L, ms);
    return 1;
}

/* A ticker fired (on top, above la_K_TIMERS): deliver unless the channel
   is full, re-arm. */
static void la_on_ticker(lua_State *L, la_proc *p, uint32_t tag) {
    int tk = lua_gettop(L);
    la_ticker *t = (la_ticker *)lua_touserdata(L, tk);
    lua_pushnil(L);
    lua_rawseti(L, tk - 1, tag);
    if (!t->stopped) {
        la_chan *c;
        int ch;
        lua_getiuservalue(L, tk, 1);
        ch = lua_gettop(L);
        c = (la_chan *)lua_touserdata(L, ch);
        lua_pushinteger(L, (lua_Integer)actor_wall_ms());
        if (!c->closed) la_try_send(L, p, c, ch, lua_gettop(L));
        lua_pushvalue(L, tk);
        if (la_arm(L, p, t->ms, &t->timer)) t->tag = p->next_tag;
    }
}

/* A timer of this process fired. */
static void la_on_timer(lua_State *L, la_proc *p, uint32_t tag) {
    la_reg_table(L, &la_K_TIMERS);
    switch (lua_rawgeti(L, -1, tag)) {
    case LUA_TTHREAD: { /* time.sleep */
        lua_State *co = lua_tothread(L, -1);
        lua_pushnil(L);
        lua_rawseti(L, -3, tag);
        lua_pushinteger(co, LA_WAKE_OK);
        la_wake(L, p, co, 1);
        break;
    }
    case LUA_TUSERDATA: {
        int ch = lua_gettop(L);
        if (lua_rawlen(L, ch) == sizeof(la_ticker)) { la_on_ticker(L, p, tag); break; }
        /* time.after: the time, once, then closed */
        lua_pushnil(L);
        lua_rawseti(L, -3, tag);
        lua_pushinteger(L, (lua_Integer)actor_wall_ms());
        if (!((la_chan *)lua_touserdata(L, ch))->closed) la_try_send(L, p, (la_chan *)lua_touserdata(L, ch), ch, lua_gettop(L));
        lua_settop(L, ch);
        la_ch_close_at(L, p, ch);
        break;
    }
    default: break; /* cancelled or from before an upgrade */
    }
    lua_settop(L, 0);
}

/* >>ctx and security modules -------------------------------------------------------- */

/* Replaces the value on top with a private deep copy. */
static void la_copy_top(lua_State *L) {
    la_buf b = { NULL, 0, 0, 0 };
    la_reader r;
    if (!la_encode(L, &b, -1, 1, NULL, 0)) { la_buf_free(&b); luaL_error(L, "context cannot be copied"); }
    r.p = (const unsigned char *)b.p;
    r.end = r.p + b.n;
    r.bad = 0;
    la_decode(L, &r, 1);
    la_buf_free(&b);
    lua_remove(L, -2);
}

/* Tables come back as private copies: the process's own context, which
   its children inherit, changes only through with_context (which needs
   process.context). */
static int la_ctx_get(lua_State *L) {
    la_push_registry(L, &la_K_CTX);
    if (lua_type(L, -1) == LUA_TTABLE) {
        lua_pushvalue(L, 1);
        if (lua_rawget(L, -2) != LUA_TNIL) {
            if (lua_istable(L, -1)) la_copy_top(L);
            return 1;
        }
    }
    return la_fail(L, LA_NOT_FOUND, "no context value '%s'", lua_type(L, 1) == LUA_TSTRING ? lua_tostring(L, 1) : "?");
}

/* A private deep copy (the process's own context stays unchanged). */
static int la_ctx_all(lua_State *L) {
    la_push_registry(L, &la_K_CTX);
    if (lua_isnil(L, -1)) { lua_newtable(L); return 1; }
    la_copy_top(L);
    return 1;
}

static int la_sec_new_actor(lua_State *L) {
    if (lua_type(L, 1) != LUA_TSTRING) return la_fail(L, LA_INVALID, "security.new_actor(id, meta): id must be a string");
    if (!lua_isnoneornil(L, 2) && lua_type(L, 2) != LUA_TTABLE) return la_fail(L, LA_INVALID, "meta must be a table");
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "id");
    if (lua_istable(L, 2)) lua_pushvalue(L, 2); else lua_newtable(L);
    lua_setfield(L, -2, "meta");
    la_setmeta(L, LA_MT_SEC_ACTOR);
    return 1;
}

/* Each policy: {actions = pat|{pats}, resources = pat|{pats}, effect = "allow"|"deny"}. */
static int la_check_patterns(lua_State *L, int policy, const char *field) {
    int ok = 1, t;
    lua_getfield(L, policy, field);
    t = lua_type(L, -1);
    if (t == LUA_TTABLE) {
        lua_Integer i, n = (lua_Integer)lua_rawlen(L, -1);
        for (i = 1; i <= n; ++i) { if (lua_rawgeti(L, -1, i) != LUA_TSTRING) ok = 0; lua_pop(L, 1); }
        ok = ok && n > 0;
    } else if (t != LUA_TSTRING) {
        ok = 0;
    }
    lua_pop(L, 1);
    return ok;
}

static int la_sec_new_scope(lua_State *L) {
    lua_Integer i, n;
    if (lua_type(L, 1) != LUA_TTABLE) return la_fail(L, LA_INVALID, "security.new_scope(policies): policies must be a table");
    n = (lua_Integer)lua_rawlen(L, 1);
    lua_createtable(L, 0, 1);
    lua_createtable(L, (int)n, 0);
    for (i = 1; i <= n; ++i) {
        const char *effect;
        int pol;
        if (lua_rawgeti(L, 1, i) != LUA_TTABLE) return la_fail(L, LA_INVALID, "policy %d is not a table", (int)i);
        pol = lua_gettop(L);
        lua_getfield(L, pol, "effect");
        effect = lua_tostring(L, -1);
        if (!effect || (strcmp(effect, "allow") && strcmp(effect, "deny")))
            return la_fail(L, LA_INVALID, "policy %d: effect must be \"allow\" or \"deny\"", (int)i);
        lua_pop(L, 1);
        if (!la_check_patterns(L, pol, "actions") || !la_check_patterns(L, pol, "resources"))
            return la_fail(L, LA_INVALID, "policy %d: actions and resources must be patterns or lists of patterns", (int)i);
        lua_createtable(L, 0, 3); /* a private copy of the policy */
        lua_getfield(L, pol, "actions"); lua_setfield(L, -2, "actions");
        lua_getfield(L, pol, "resources"); lua_setfield(L, -2, "resources");
        lua_getfield(L, pol, "effect"); lua_setfield(L, -2, "effect");
        lua_rawseti(L, -3, i);
        lua_pop(L, 1);
    }
    lua_setfield(L, -2, "policies");
    la_setmeta(L, LA_MT_SEC_SCOPE);
    return 1;
}

/* >>sandbox: libraries, print, load, require ----------------------------------------- */

static void la_output(lua_actor_runtime *rt, const char *line, size_t len) {
    if (rt->d.print) { rt->d.print(line, len, rt->d.user); return; }
    la_lock(&rt->out_lock);
    fwrite(line, 1, len, stdout);
    fputc('\n', stdout);
    fflush(stdout);
    la_unlock(&rt->out_lock);
}

static int la_print(lua_State *L) {
    int i, n = lua_gettop(L);
    luaL_Buffer b;
    size_t len;
    const char *line;
    luaL_buffinit(L, &b);
    for (i = 1; i <= n; ++i) {
        if (i > 1) luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    line = lua_tolstring(L, -1, &len);
    la_output(la_proc_of(L)->rt, line, len);
    return 0;
}

/* setmetatable() without __gc: Lua runs finalizers with hooks disabled, so
   a finalizer that loops could never be preempted or terminated. */
static int la_setmetatable_safe(lua_State *L) {
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL) return luaL_error(L, "__gc metamethods are not available in processes");
        lua_pop(L, 1);
    }
    return la_call_original(L);
}

/* xpcall() whose message handler steps aside while the process is being
   ended: the hook's error is raised from inside the hook, where Lua runs
   the handler with hooks off, so a looping handler could never be
   stopped. The call stays yieldable (lua_callk). Upvalue 1: xpcall. */
static int la_msgh_guard(lua_State *L) {
    la_proc *p = la_proc_of(L);
    if (la_ending(p)) { lua_settop(L, 1); return 1; }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}
static int la_xpcall_k(lua_State *L, int status, lua_KContext ctx) { (void)status; (void)ctx; return lua_gettop(L); }
static int la_xpcall_safe(lua_State *L) {
    luaL_checkany(L, 2);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, la_msgh_guard, 1);
    lua_replace(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_callk(L, lua_gettop(L) - 1, LUA_MULTRET, 0, la_xpcall_k);
    return lua_gettop(L);
}

/* load() for text chunks only: binary chunks could crash the VM. */
static int la_load_text(lua_State *L) {
    lua_settop(L, 4);
    lua_pushliteral(L, "t");
    lua_replace(L, 3);
    return la_call_original(L);
}

static int la_coroutine_spawn(lua_State *L) {
    la_proc *p = la_proc_of(L);
    int n = lua_gettop(L);
    lua_State *co;
    luaL_checktype(L, 1, LUA_TFUNCTION);
    la_reg_table(L, &la_K_THREADS);
    co = lua_newthread(L);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    if (!lua_checkstack(co, n + 1)) return luaL_error(L, "coroutine.spawn: too many arguments (%d)", n - 1);
    lua_xmove(L, co, n);
    if (!la_ready_push(p, co, n - 1, 0)) return luaL_error(L, "not enough memory");
    return 0;
}

static void la_open_module(lua_State *L, const char *name, la_proc *p);

static int la_require(lua_State *L) {
    la_proc *p = la_proc_of(L);
    const char *name = luaL_checkstring(L, 1);
    int i;
    la_reg_table(L, &la_K_LOADED);
    if (lua_getfield(L, -1, name) != LUA_TNIL) return 1;
    lua_pop(L, 1);
    for (i = 0; la_module_names[i]; ++i) {
        if (strcmp(la_module_names[i], name)) continue;
        if (!(p->def->modules & (1u << i)))
            return luaL_error(L, "module '%s' is not available: list it in this definition's modules", name);
        la_open_module(L, name, p);
        lua_pushvalue(L, -1);
        lua_setfield(L, -3, name);
        return 1;
    }
    for (i = 0; i < p->def->nimports; ++i) {
        const la_def *lib;
        if (strcmp(p->def->imports[2 * i], name)) continue;
        lib = la_find_def(p->rt, p->def->imports[2 * i + 1]);
        if (!lib || !lib->library) return luaL_error(L, "module '%s': unknown library '%s'", name, p->def->imports[2 * i + 1]);
        if (luaL_loadbufferx(L, lib->code, lib->code_len, lib->chunkname, "b") != LUA_OK) return lua_error(L);
        lua_pushstring(L, name);
        lua_call(L, 1, 1);
        if (lua_isnil(L, -1)) { lua_pop(L, 1); lua_pushboolean(L, 1); }
        lua_pushvalue(L, -1);
        lua_setfield(L, -3, name);
        return 1;
    }
    return luaL_error(L, "module '%s' not found (not listed in this definition's modules or imports)", name);
}

static void la_open_module(lua_State *L, const char *name, la_proc *p) {
    (void)p;
    if (!strcmp(name, "time")) {
        static const luaL_Reg f[] = { { "sleep", la_t_sleep }, { "after", la_t_after }, { "ticker", la_t_ticker },
                                      { "now", la_t_now }, { "parse_duration", la_t_parse_duration }, { NULL, NULL } };
        luaL_newlib(L, f);
    } else if (!strcmp(name, "ctx")) {
        static const luaL_Reg f[] = { { "get", la_ctx_get }, { "all", la_ctx_all }, { NULL, NULL } };
        luaL_newlib(L, f);
    } else if (!strcmp(name, "security")) {
        static const luaL_Reg f[] = { { "new_actor", la_sec_new_actor }, { "new_scope", la_sec_new_scope }, { NULL, NULL } };
        luaL_newlib(L, f);
    } else if (!strcmp(name, "package")) {
        lua_getglobal(L, "require"); /* luaopen_package installs its own require: keep ours */
        luaL_requiref(L, "package", luaopen_package, 0);
        lua_insert(L, -2);
        lua_setglobal(L, "require");
    } else {
        lua_CFunction f = !strcmp(name, "os") ? luaopen_os : !strcmp(name, "io") ? luaopen_io : luaopen_debug;
        luaL_requiref(L, name, f, 0);
    }
}

/* >>boot: a fresh state for a process -------------------------------------------------- */

static const luaL_Reg la_process_funcs[] = {
    { "pid", la_p_pid }, { "id", la_p_id }, { "send", la_p_send }, { "spawn", la_p_spawn },
    { "spawn_monitored", la_p_spawn_monitored }, { "spawn_linked", la_p_spawn_linked },
    { "spawn_linked_monitored", la_p_spawn_linked_monitored }, { "terminate", la_p_terminate },
    { "cancel", la_p_cancel }, { "monitor", la_p_monitor }, { "unmonitor", la_p_unmonitor }, { "link", la_p_link },
    { "unlink", la_p_unlink }, { "get_options", la_p_get_options }, { "set_options", la_p_set_options },
    { "inbox", la_p_inbox }, { "events", la_p_events }, { "listen", la_p_listen }, { "unlisten", la_p_unlisten },
    { "exec", la_p_exec }, { "upgrade", la_p_upgrade }, { "with_context", la_p_with_context }, { NULL, NULL } };

/* __index of `process`: each member is made on first use and then stays
   in the table (a typical process uses a few of its 24 members, and each
   costs memory in every process). */
static int la_lazy_process(lua_State *L) {
    static const luaL_Reg reg[] = { { "register", la_r_register }, { "lookup", la_r_lookup },
                                    { "unregister", la_r_unregister }, { NULL, NULL } };
    const char *k = lua_tostring(L, 2);
    int i;
    if (lua_type(L, 2) != LUA_TSTRING) return 0;
    for (i = 0; la_process_funcs[i].name && strcmp(la_process_funcs[i].name, k); ++i) {}
    if (la_process_funcs[i].name) {
        lua_pushcfunction(L, la_process_funcs[i].func);
    } else if (!strcmp(k, "registry")) {
        luaL_newlib(L, reg);
    } else if (!strcmp(k, "event")) {
        lua_createtable(L, 0, 3);
        lua_pushliteral(L, "EXIT"); lua_setfield(L, -2, "EXIT");
        lua_pushliteral(L, "LINK_DOWN"); lua_setfield(L, -2, "LINK_DOWN");
        lua_pushliteral(L, "CANCEL"); lua_setfield(L, -2, "CANCEL");
    } else {
        return 0;
    }
    lua_pushvalue(L, 2);
    lua_pushvalue(L, -2);
    lua_rawset(L, 1);
    return 1;
}

static void la_push_process_lib(lua_State *L) {
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, la_lazy_process);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
}

/* Fills the new metatable `name` (on top of the stack). */
static void la_fill_meta(lua_State *L, const char *name) {
    static const luaL_Reg spawner[] = {
        { "with_context", la_sp_with_context }, { "with_name", la_sp_with_name }, { "with_message", la_sp_with_message },
        { "with_actor", la_sp_with_actor }, { "with_scope", la_sp_with_scope }, { "spawn", la_sp_spawn },
        { "spawn_monitored", la_sp_spawn_monitored }, { "spawn_linked", la_sp_spawn_linked },
        { "spawn_linked_monitored", la_sp_spawn_linked_monitored }, { NULL, NULL } };
    static const luaL_Reg msg[] = { { "topic", la_msg_topic }, { "from", la_msg_from }, { "payload", la_msg_payload },
                                    { "data", la_msg_data }, { NULL, NULL } };
    static const luaL_Reg payload[] = { { "data", la_payload_data }, { NULL, NULL } };
    static const luaL_Reg ticker[] = { { "channel", la_ticker_channel }, { "stop", la_ticker_stop }, { NULL, NULL } };
    const luaL_Reg *methods = NULL;
    if (!strcmp(name, LA_MT_ERROR)) { la_fill_error_meta(L); return; }
    if (!strcmp(name, LA_MT_CHANNEL)) { la_fill_channel_meta(L); return; }
    if (!strcmp(name, LA_MT_SPAWNER)) methods = spawner;
    else if (!strcmp(name, LA_MT_MESSAGE)) methods = msg;
    else if (!strcmp(name, LA_MT_PAYLOAD)) methods = payload;
    else if (!strcmp(name, LA_MT_TICKER)) methods = ticker;
    if (methods) {
        lua_newtable(L);
        luaL_setfuncs(L, methods, 0);
        lua_setfield(L, -2, "__index");
    }
}

/* Metatables are registered under their name (luaL_checkudata needs it)
   and under the name's address for a lookup that skips string hashing;
   `name` is always one of the LA_MT_ macros, one address each. */
static void la_setmeta(lua_State *L, const char *name) {
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, name) == LUA_TNIL) {
        lua_pop(L, 1);
        luaL_newmetatable(L, name);
        la_fill_meta(L, name);
        /* protected: scripts get `false` from getmetatable, so they can
           neither add a __gc (finalizers run with hooks off: a looping one
           could never be preempted or terminated) nor change methods */
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "__metatable");
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, name);
    }
    lua_setmetatable(L, -2);
}

/* Globals made on first access (__index of _G): a process that never
   touches `channel` or `pairs` never pays for it. */
static int la_push_lazy_global(lua_State *L, const char *k) {
    static const char *const names[] = { "process", "channel", "errors", "string", "table", "math", "utf8", "coroutine",
                                         "os", "print", "require", "_G", "_VERSION", NULL };
    static const char *const os_safe[] = { "time", "clock", "date", "difftime", NULL };
    const lua_CFunction *base = la_proc_of(L)->rt->base;
    int i;
    for (i = 0; names[i] && strcmp(names[i], k); ++i) {}
    switch (i) {
    case 0: la_push_process_lib(L); return 1;
    case 1: la_push_channel_lib(L); return 1;
    case 2: la_push_errors_lib(L); return 1;
    case 3: luaL_requiref(L, "string", luaopen_string, 0); return 1;
    case 4: luaL_requiref(L, "table", luaopen_table, 0); return 1;
    case 5: luaL_requiref(L, "math", luaopen_math, 0); return 1;
    case 6: luaL_requiref(L, "utf8", luaopen_utf8, 0); return 1;
    case 7:
        luaL_requiref(L, "coroutine", luaopen_coroutine, 0);
        la_track_coroutines(L, la_proc_of(L));
        lua_getfield(L, -1, "close");
        lua_pushcclosure(L, la_co_close_checked, 1);
        lua_setfield(L, -2, "close");
        lua_pushcfunction(L, la_coroutine_spawn);
        lua_setfield(L, -2, "spawn");
        return 1;
    case 8: /* the harmless part; the full os (if listed) comes from require */
        luaL_requiref(L, "os", luaopen_os, 0);
        lua_createtable(L, 0, 4);
        for (i = 0; os_safe[i]; ++i) { lua_getfield(L, -2, os_safe[i]); lua_setfield(L, -2, os_safe[i]); }
        lua_remove(L, -2);
        return 1;
    case 9: lua_pushcfunction(L, la_print); return 1;
    case 10: lua_pushcfunction(L, la_require); return 1;
    case 11: lua_pushglobaltable(L); return 1;
    case 12: lua_pushliteral(L, LUA_VERSION); return 1;
    default: break;
    }
    for (i = 0; la_base_names[i] && strcmp(la_base_names[i], k); ++i) {}
    if (!la_base_names[i]) return 0;
    lua_pushcfunction(L, base[i]);
    if (!strcmp(k, "load")) lua_pushcclosure(L, la_load_text, 1);
    else if (!strcmp(k, "setmetatable")) lua_pushcclosure(L, la_setmetatable_safe, 1);
    else if (!strcmp(k, "xpcall")) lua_pushcclosure(L, la_xpcall_safe, 1);
    return 1;
}

static int la_lazy_global(lua_State *L) {
    if (lua_type(L, 2) != LUA_TSTRING || !la_push_lazy_global(L, lua_tostring(L, 2))) return 0;
    lua_pushvalue(L, 2);
    lua_pushvalue(L, -2);
    lua_rawset(L, 1);
    return 1;
}

/* Strings' metatable until the string library is opened by first use. */
static int la_lazy_string_index(lua_State *L) {
    lua_getglobal(L, "string"); /* opens it; luaopen_string installs the real metatable */
    lua_pushvalue(L, 2);
    lua_gettable(L, -2);
    return 1;
}

/* Standard libraries of SPEC §8: string, table, math, utf8, coroutine, the
   base functions but dofile/loadfile (and load for text only), and the
   harmless part of os. Everything else comes through require. */
static void la_open_sandbox(lua_State *L) {
    lua_pushglobaltable(L);
    lua_createtable(L, 0, 1); /* _G's metatable: everything is made on first use */
    lua_pushcfunction(L, la_lazy_global);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
    lua_pushliteral(L, "");
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, la_lazy_string_index);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
}

/* The main coroutine's body: run the chunk, find the method, call it. */
static int la_main_k2(lua_State *L, int status, lua_KContext ctx) { (void)status; (void)ctx; return lua_gettop(L); }
static int la_main_k1(lua_State *L, int status, lua_KContext ctx) {
    la_proc *p = la_proc_of(L);
    int nargs = (int)ctx;
    (void)status;
    if (lua_type(L, -1) == LUA_TTABLE) {
        lua_getfield(L, -1, p->def->method);
        if (lua_type(L, -1) != LUA_TFUNCTION)
            return luaL_error(L, "%s: the module has no function '%s'", p->def->id, p->def->method);
    } else if (lua_type(L, -1) == LUA_TFUNCTION) {
        lua_pushvalue(L, -1);
    } else {
        return luaL_error(L, "%s: the process file must return a table with method '%s' or a function", p->def->id,
                          p->def->method);
    }
    lua_replace(L, 1); /* [method, args..., module] */
    lua_pop(L, 1);
    lua_callk(L, nargs, LUA_MULTRET, 0, la_main_k2);
    return lua_gettop(L);
}
static int la_main(lua_State *L) {
    int nargs = lua_gettop(L) - 1;
    lua_pushvalue(L, 1);
    lua_callk(L, 0, 1, nargs, la_main_k1);
    return la_main_k1(L, LUA_OK, nargs);
}

/* Restores the metatable of a decoded security object (value on top). */
static void la_restore_meta(lua_State *L, const char *mt) {
    if (lua_istable(L, -1)) la_setmeta(L, mt);
}

typedef struct la_bootargs { la_proc *p; const void *data; size_t len; actor_id from; actor_host *from_host; } la_bootargs;

/* Protected: libraries, payload (ctx, actor, scope, messages, nargs,
   args..., [events]), code, main coroutine. */
static int la_boot_protected(lua_State *L) {
    la_bootargs *a = (la_bootargs *)lua_touserdata(L, 1);
    la_proc *p = a->p;
    la_reader r;
    lua_Integer nargs, i, n;
    lua_State *co;
    int msgs;
    lua_settop(L, 0);
    la_open_sandbox(L);
    r.p = (const unsigned char *)a->data;
    r.end = r.p + a->len;
    r.bad = 0;
    la_decode(L, &r, 5);
    nargs = lua_tointeger(L, 5);
    lua_settop(L, 4);
    msgs = 4;
    lua_pushvalue(L, 3); la_restore_meta(L, LA_MT_SEC_SCOPE); lua_rawsetp(L, LUA_REGISTRYINDEX, &la_K_SSCOPE);
    lua_pushvalue(L, 2); la_restore_meta(L, LA_MT_SEC_ACTOR); lua_rawsetp(L, LUA_REGISTRYINDEX, &la_K_SACTOR);
    lua_pushvalue(L, 1); lua_rawsetp(L, LUA_REGISTRYINDEX, &la_K_CTX);
    p->secured = la_secured(L);
    p->nlisten = 0;
    /* the code, then the main coroutine with (chunk, args...) */
    la_reg_table(L, &la_K_THREADS);
    co = lua_newthread(L);
    p->main_co = co;
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    lua_pushcfunction(co, la_main);
    if (luaL_loadbufferx(co, p->def->code, p->def->code_len, p->def->chunkname, "b") != LUA_OK) {
        lua_xmove(co, L, 1);
        return lua_error(L);
    }
    if (nargs < 0 || nargs > LA_MAX_ARGS) return luaL_error(L, "bad start payload");
    if (!lua_checkstack(co, (int)nargs + 2)) return luaL_error(L, "not enough memory");
    if (nargs) { la_decode(L, &r, (int)nargs); lua_xmove(L, co, (int)nargs); }
    if (r.p < r.end) { /* events carried over an upgrade */
        la_decode(L, &r, 1);
        n = lua_istable(L, -1) ? (lua_Integer)lua_rawlen(L, -1) : 0;
        for (i = 1; i <= n; ++i) { lua_rawgeti(L, -1, i); la_list_append(L, &la_K_PEVENTS); }
        lua_pop(L, 1);
    }
    if (r.bad) return luaL_error(L, "corrupt start payload");
    if (!la_ready_push(p, co, (int)nargs + 1, 0)) return luaL_error(L, "not enough memory");
    if (p->hooked) { /* (else the watchdog preempts) */
        lua_sethook(L, la_hook, LUA_MASKCOUNT, LA_HOOK_COUNT); /* coroutines made from here on inherit it */
        lua_sethook(co, la_hook, LUA_MASKCOUNT, LA_HOOK_COUNT);
    }
    /* initial messages: payload strings from with_message (from = spawner)
       or Message tables carried over an upgrade */
    n = lua_istable(L, msgs) ? (lua_Integer)lua_rawlen(L, msgs) : 0;
    for (i = 1; i <= n; ++i) {
        if (lua_rawgeti(L, msgs, i) == LUA_TSTRING) {
            actor_msg m;
            memset(&m, 0, sizeof m);
            m.data = lua_tolstring(L, -1, &m.size);
            m.from = a->from;
            m.from_host = a->from_host;
            la_on_message(L, p, &m);
            lua_pop(L, 1);
        } else if (lua_istable(L, -1)) {
            la_setmeta(L, LA_MT_MESSAGE);
            la_route_message(L, p);
        } else {
            lua_pop(L, 1);
        }
    }
    return 0;
}

static void la_exit_with(la_proc *p, const actor_exit_reason *why) {
    p->finished = 1;
    actor_exit(p->ctx, why);
}

/* A message with NUL bytes also travels whole as the reason's data (the
   C-string message stops at the first one); la_push_result reads it. */
static void la_exit_error_l(la_proc *p, int kind, const char *message, size_t len) {
    actor_exit_reason why;
    memset(&why, 0, sizeof why);
    why.kind = ACTOR_EXIT_ERROR;
    why.code = LA_CODE_OF_KIND(kind);
    why.message = message;
    if (memchr(message, 0, len)) { why.data = message; why.size = len; }
    la_exit_with(p, &why);
}

static void la_exit_error(la_proc *p, int kind, const char *message) { la_exit_error_l(p, kind, message, strlen(message)); }

/* Before script code runs on co: the watchdog tracks it (1: call
   la_turn_end after), or, with no watchdog to be had, the count hook does
   from now on (0). Either way a loop there can be preempted or ended. */
static int la_watch(la_proc *p, lua_State *co) {
    if (!p->hooked && la_turn_begin(co)) return 1;
    if (!p->hooked) {
        p->hooked = 1;
        lua_sethook(p->L, la_hook, LUA_MASKCOUNT, LA_HOOK_COUNT);
    }
    if (!lua_gethook(co)) lua_sethook(co, la_hook, LUA_MASKCOUNT, LA_HOOK_COUNT);
    return 0;
}

#if LUA_VERSION_RELEASE_NUM >= 50406
#define la_closethread(co, from) lua_closethread((co), (from))
#else
#define la_closethread(co, from) ((void)(from), lua_resetthread(co))
#endif

/* An error value on top of `co` (or of the main state) ended the process.
   Reporting it allocates (the error object, its metatable, the
   traceback): it runs protected, on the process's main thread, with a
   little room beyond the memory limit, so an error raised at the limit is
   still reported and never escapes to the host. Arguments: the failed
   coroutine, its error value. */
static int la_fail_protected(lua_State *L) {
    la_proc *p = la_proc_of(L);
    lua_State *co = (lua_State *)lua_touserdata(L, 1);
    int kind, watched;
    size_t len;
    const char *msg;
    la_push_as_error(L, 2);
    kind = la_error_kind(L, -1);
    msg = la_error_message(L, -1, &len);
    if (co != L) {
        luaL_traceback(L, co, NULL, 0);
        free(p->traceback);
        p->traceback = la_strdup(lua_tostring(L, -1));
        lua_pop(L, 1);
        /* the failed coroutine's pending to-be-closed variables are closed
           (with the error), as a pcall would have; an error inside a
           __close handler does not replace the one being reported */
        watched = la_watch(p, co); /* a looping __close stays terminable */
        la_closethread(co, L);
        if (watched) la_turn_end();
    }
    la_exit_error_l(p, kind, msg, len);
    return 0;
}

static void la_fail_process(la_proc *p, lua_State *co, int status) {
    lua_State *L = p->L;
    if (status == LUA_ERRMEM || p->oom) { la_exit_error(p, LA_INTERNAL, la_oom_text(p)); return; }
    p->grace = 1;
    if (!lua_checkstack(L, 4) || (co != L && !lua_checkstack(co, 1))) {
        la_exit_error(p, LA_INTERNAL, "out of memory while reporting an error");
    } else {
        lua_pushvalue(co, -1); /* the error value, copied to L */
        if (co != L) lua_xmove(co, L, 1);
        lua_pushcfunction(L, la_fail_protected);
        lua_insert(L, -2);
        lua_pushlightuserdata(L, co);
        lua_insert(L, -2);
        if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
            la_exit_error(p, LA_INTERNAL, p->oom ? la_oom_text(p) : "out of memory while reporting an error");
            lua_pop(L, 1);
        }
    }
    p->grace = 0;
}

static void la_boot(la_proc *p, const void *data, size_t len, actor_id from, actor_host *from_host) {
    la_bootargs a;
    lua_State *L = lua_newstate(la_alloc, p);
    if (!L) { /* refused by the process's own limit (a limit below a fresh state's size), or by malloc */
        la_exit_error(p, LA_INTERNAL, p->refused && p->oom != LA_OOM_SYSTEM ? "memory limit exceeded" : "out of memory");
        return;
    }
    *(la_proc **)lua_getextraspace(L) = p;
    p->L = L;
    p->last_from_ref = p->msg_meta_ref = p->last_topic_ref = p->last_to_ref = 0; /* into the previous state (upgrade) */
    p->last_to_text = NULL;
    p->npids = 0;
    p->inbox = NULL;
    p->settled = 0;
    lua_gc(L, LUA_GCGEN, 0, 0); /* messages make much short-lived garbage */
    a.p = p; a.data = data; a.len = len; a.from = from; a.from_host = from_host;
    lua_pushcfunction(L, la_boot_protected);
    lua_pushlightuserdata(L, &a);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) la_fail_process(p, L, LUA_ERRRUN);
    lua_settop(L, 0);
}

/* The method returned: v (normal) or v, err (abnormal). */
static void la_finish_main(la_proc *p, int nres) {
    lua_State *co = p->main_co;
    int first = lua_gettop(co) - nres + 1;
    actor_exit_reason why;
    char err[160];
    memset(&why, 0, sizeof why);
    if (nres >= 2 && (lua_type(co, first + 1) == LUA_TSTRING || la_is_error(co, first + 1))) {
        lua_pushvalue(co, first + 1);
        la_fail_process(p, co, LUA_ERRRUN);
        return;
    }
    p->scratch.n = 0;
    p->scratch.oom = 0;
    if (nres >= 1 && !la_encode(co, &p->scratch, first, 1, err, sizeof err)) {
        char msg[200];
        snprintf(msg, sizeof msg, "result cannot be copied: %s", err);
        la_exit_error(p, LA_INVALID, msg);
        return;
    }
    why.kind = ACTOR_EXIT_NORMAL;
    why.data = p->scratch.n ? p->scratch.p : NULL;
    why.size = p->scratch.n;
    why.message = "";
    la_exit_with(p, &why);
}

static void la_do_upgrade(la_proc *p);

/* Gives the worker to the other actors; the process goes on in its
   ACTOR_YIELD turn. Messages that arrive before it (the core hands them
   over first) only wake coroutines: running them is the YIELD turn's job,
   so a computing process reads its mailbox without losing its place. */
static void la_yield_turn(la_proc *p) {
    p->yielded = 1;
    actor_yield(p->ctx);
}

/* Resumes ready coroutines until none is ready, the process ends, or the
   time slice is used up (then the actor yields to the others). */
static void la_run(la_proc *p) {
    lua_State *L = p->L;
    p->slice_start = 0;
    while (p->rq_len && !p->finished) {
        la_ready e = la_ready_pop(p);
        int nres = 0, status, watched;
        p->current = e.co;
        p->yield_reason = LA_Y_NONE;
        watched = la_watch(p, e.co);
        status = lua_resume(e.co, L, e.nargs, &nres);
        if (watched) la_turn_end();
        p->current = NULL;
        if (p->oom) { la_exit_error(p, LA_INTERNAL, la_oom_text(p)); return; } /* even if a pcall caught it */
        if (status == LUA_YIELD) {
            lua_pop(e.co, nres);
            switch (p->yield_reason) {
            case LA_Y_BLOCKED: break;
            case LA_Y_PREEMPT: la_ready_push(p, e.co, 0, 1); la_yield_turn(p); return;
            case LA_Y_PASS: /* time.sleep(0): behind the process's other coroutines, after the other actors */
                if (!la_ready_push(p, e.co, 0, 0)) { p->oom = LA_OOM_SYSTEM; break; }
                la_yield_turn(p);
                return;
            case LA_Y_KILL: if (p->oom) la_exit_error(p, LA_INTERNAL, la_oom_text(p)); return;
            case LA_Y_UPGRADE: la_do_upgrade(p); return;
            default: if (!la_ready_push(p, e.co, 0, 0)) p->oom = LA_OOM_SYSTEM; break; /* coroutine.yield(): run again later */
            }
        } else if (status == LUA_OK) {
            if (e.co == p->main_co) { la_finish_main(p, nres); return; }
            la_reg_table(L, &la_K_THREADS); /* a spawned coroutine finished */
            lua_pushthread(e.co);
            lua_xmove(e.co, L, 1);
            lua_pushnil(L);
            lua_rawset(L, -3);
            lua_pop(L, 1);
        } else {
            la_fail_process(p, e.co, status); /* an error in any coroutine ends the process */
            return;
        }
        if (p->rq_len && la_slice_used(p)) { la_yield_turn(p); return; }
    }
    if (!p->settled && !p->finished) { /* booted and now waiting: boot's garbage would stay until the next allocations */
        p->settled = 1;
        lua_gc(L, LUA_GCSTEP, 0);
    }
}

/* Protected dispatch of one actor message into the process's state. */
static int la_dispatch_protected(lua_State *L) {
    const actor_msg *m = (const actor_msg *)lua_touserdata(L, 1);
    la_proc *p = la_proc_of(L);
    lua_settop(L, 0);
    switch (m->signal) {
    case ACTOR_MESSAGE: if (m->tag == LA_TAG_MSG) la_on_message(L, p, m); break;
    case ACTOR_EXIT: case ACTOR_LINK_DOWN: case ACTOR_CANCEL: la_on_signal(L, p, m); break;
    case ACTOR_TIMER: la_on_timer(L, p, m->tag); break;
    default: break;
    }
    return 0;
}

/* The encode buffer of a big message is not kept for the next one: it is
   C memory outside the process's limit. */
#define LA_SCRATCH_KEEP ((size_t)1 << 20)
static void la_trim_scratch(la_proc *p) {
    if (p->scratch.cap > LA_SCRATCH_KEEP) la_buf_free(&p->scratch);
}

static void la_behaviour(actor_context *ctx, const actor_msg *m) {
    la_proc *p = (la_proc *)actor_state(ctx);
    p->ctx = ctx;
    if (p->finished) return;
    if (m->signal == ACTOR_YIELD) p->yielded = 0;
    if (m->signal == ACTOR_START) {
        uint64_t stop_by;
        la_lock(&p->rt->lock); /* the runner reads self under this lock */
        p->self = actor_self(ctx);
        stop_by = p->rt->stop_by_ns;
        la_unlock(&p->rt->lock);
        if (stop_by) { /* started after the shutdown began: the deadline the others got */
            uint64_t now = actor_now_ns();
            actor_cancel(p->rt->sys, p->self, p->self, now < stop_by ? (int64_t)((stop_by - now) / 1000000u) : 0);
        }
        la_boot(p, m->data, m->size, m->from, m->from_host);
    } else if (p->L && la_deliver_direct(p, m)) {
        la_run(p);
        p->direct = NULL; /* (consumed by the first resume; m is not valid after this call) */
        la_trim_scratch(p);
        return;
    } else if (p->L) {
        lua_pushcfunction(p->L, la_dispatch_protected);
        lua_pushlightuserdata(p->L, (void *)m);
        if (lua_pcall(p->L, 1, 0, 0) != LUA_OK) la_fail_process(p, p->L, p->oom ? LUA_ERRMEM : LUA_ERRRUN);
        lua_settop(p->L, 0);
    }
    if (!p->finished && p->L && !p->yielded) la_run(p);
    la_trim_scratch(p);
}

/* Upgrade: close the state, boot the new definition from the carry. */
static void la_do_upgrade(la_proc *p) {
    lua_State *L = p->L;
    la_reg_table(L, &la_K_EXEC); /* exec children: their EXIT is not ours to see any more */
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        actor_demonitor(p->ctx, actor_id_make((uint64_t)lua_tointeger(L, -2)));
        lua_pop(L, 1);
    }
    actor_cancel_timers(p->ctx); /* the old state's sleeps, timers and tickers */
    lua_close(L);
    la_cache_drop(p);
    la_sels_free(p);
    p->L = NULL;
    p->main_co = p->current = NULL;
    p->rq_len = p->rq_head = 0;
    p->oom = 0;
    la_stz(&p->mem, 0);
    p->def = p->upgrade_to;
    p->limit = la_limit_for(p->rt, p->def, p->host); /* the new code's limit, for heap and mailbox */
    actor_set_mailbox_limit(p->ctx, p->limit);
    actor_trap_links(p->ctx, 0);
    la_boot(p, p->carry.p, p->carry.n, p->self, p->host);
    la_buf_free(&p->carry);
    if (!p->finished && p->L) la_run(p);
}

static const char *la_reason_kind(const actor_exit_reason *why) {
    switch (why->kind) {
    case ACTOR_EXIT_TERMINATED: return "CANCELED";
    case ACTOR_EXIT_DEADLINE: return "TIMEOUT";
    case ACTOR_EXIT_LINKED: return "INTERNAL";
    case ACTOR_EXIT_ERROR: return la_kinds[LA_KIND_OF_CODE(why->code)];
    default: return "";
    }
}

/* Every process end: report, then bookkeeping (count, list, idle notice). */
static void la_on_exit(actor_context *self, const actor_exit_reason *why) {
    la_proc *p = (la_proc *)actor_state(self);
    lua_actor_runtime *rt = p->rt;
    lua_actor_exit_info info;
    char pid[ACTOR_NAME_MAX + 40];
    actor_id observer;
    lua_actor_pid(actor_self(self), p->host, pid, sizeof pid);
    info.pid = pid;
    info.definition = p->def->id;
    info.normal = why->kind == ACTOR_EXIT_NORMAL;
    info.kind = la_reason_kind(why);
    info.message = why->message;
    info.traceback = info.normal ? NULL : p->traceback;
    if (rt->d.on_exit) {
        rt->d.on_exit(&info, rt->d.user);
    } else if (!info.normal) {
        la_lock(&rt->out_lock);
        fprintf(stderr, "lua-actor: process %s (%s) failed [%s]: %s\n", pid, info.definition, info.kind, info.message);
        if (info.traceback) fprintf(stderr, "%s\n", info.traceback);
        fflush(stderr);
        la_unlock(&rt->out_lock);
    }
    la_lock(&rt->lock);
    if (p->prev) p->prev->next = p->next; else rt->procs = p->next;
    if (p->next) p->next->prev = p->prev;
    p->prev = p->next = NULL;
    observer = rt->observer;
    la_unlock(&rt->lock);
    if (la_add64(&rt->live, (uint64_t)-1) == 1 && observer.value)
        actor_system_send(rt->sys, observer, LA_TAG_IDLE, NULL, 0);
}

/* START payload header without a Lua state: ctx, actor, scope, messages = nil, nargs. */
static void la_start_header(la_buf *b, int nargs) {
    int i;
    for (i = 0; i < 4; ++i) la_buf_byte(b, LA_V_NIL);
    la_buf_byte(b, LA_V_INT);
    la_buf_varint(b, (uint64_t)nargs << 1);
}

actor_result lua_actor_spawn(lua_actor_runtime *rt, const char *id, const char *host, actor_context *parent,
                             unsigned flags, lua_State *args, int nargs, actor_id *out, char *err, size_t errlen) {
    const la_def *def;
    actor_host *h;
    la_buf b = { NULL, 0, 0, 0 };
    actor_result r;
    if (err && errlen) err[0] = 0;
    if (!rt || !id || !host || nargs < 0 || (nargs && (!args || lua_gettop(args) < nargs))) {
        if (err && rt && nargs) snprintf(err, errlen, "spawn %s: %d arguments asked for, fewer on the stack", id ? id : "?", nargs);
        return ACTOR_ERR_INVALID;
    }
    if (nargs > LA_MAX_ARGS) {
        if (err) snprintf(err, errlen, "spawn %s: too many arguments (%d; at most %d)", id, nargs, LA_MAX_ARGS);
        return ACTOR_ERR_INVALID;
    }
    if (!(def = la_find_def(rt, id)) || def->library) {
        if (err) snprintf(err, errlen, "unknown process definition '%s'", id);
        return ACTOR_ERR_NOT_FOUND;
    }
    if (!(h = actor_host_find(rt->sys, host))) {
        if (err) snprintf(err, errlen, "unknown host '%s'", host);
        return ACTOR_ERR_NOT_FOUND;
    }
    la_start_header(&b, nargs);
    if (nargs && !la_encode(args, &b, lua_gettop(args) - nargs + 1, nargs, err, errlen)) { la_buf_free(&b); return ACTOR_ERR_INVALID; }
    r = b.oom ? ACTOR_ERR_NO_MEMORY : la_spawn_proc(rt, def, h, parent, flags, b.p, b.n, NULL, out);
    la_buf_free(&b);
    if (r != ACTOR_OK && err && !err[0]) snprintf(err, errlen, "spawn %s: %s", id, actor_result_string(r));
    return r;
}

/* >>embed: require("actor") in a state that is not a process --------------------- */

static char la_K_RT, la_K_SELF;
static const char LA_MT_ATTACHED[] = "actor.attached";


void lua_actor_bind(lua_State *L, lua_actor_runtime *rt) {
    lua_pushlightuserdata(L, rt);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &la_K_RT);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, luaopen_actor);
    lua_setfield(L, -2, "actor");
    lua_pop(L, 1);
}

static la_attached *la_att(lua_State *L) {
    la_attached *a;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &la_K_SELF);
    a = (la_attached *)luaL_testudata(L, -1, LA_MT_ATTACHED);
    lua_pop(L, 1);
    if (!a || !a->me) luaL_error(L, "actor: this state has no identity (use lua_actor_bind and require)");
    return a;
}

/* Detaches and unlists an identity (idempotent). */
static void la_att_release(la_attached *a) {
    lua_actor_runtime *rt = a->rt;
    if (!rt) return;
    la_lock(&rt->lock);
    if (a->prev) a->prev->next = a->next; else rt->attached = a->next;
    if (a->next) a->next->prev = a->prev;
    la_unlock(&rt->lock);
    a->rt = NULL;
    if (a->me) actor_detach(a->me);
    a->me = NULL;
}

static int la_att_gc(lua_State *L) {
    la_att_release((la_attached *)luaL_checkudata(L, 1, LA_MT_ATTACHED));
    return 0;
}

void lua_actor_unbind(lua_State *L) {
    la_attached *a;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &la_K_SELF);
    a = (la_attached *)luaL_testudata(L, -1, LA_MT_ATTACHED);
    if (a) la_att_release(a);
    lua_pop(L, 1);
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &la_K_SELF);
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &la_K_RT);
}

static int la_att_pid(lua_State *L) { la_push_pid(L, actor_self(la_att(L)->me), NULL); return 1; }

static int la_att_spawn(lua_State *L) {
    la_attached *a = la_att(L);
    actor_id id;
    char err[256];
    actor_result r;
    int n = lua_gettop(L) - 2;
    if (lua_type(L, 1) != LUA_TSTRING || lua_type(L, 2) != LUA_TSTRING)
        return la_fail(L, LA_INVALID, "spawn(id, host, ...): id and host must be strings");
    r = lua_actor_spawn(a->rt, lua_tostring(L, 1), lua_tostring(L, 2), a->me, ACTOR_SPAWN_MONITOR, L, n < 0 ? 0 : n, &id,
                        err, sizeof err);
    if (r != ACTOR_OK) return la_fail(L, r == ACTOR_ERR_NOT_FOUND ? LA_NOT_FOUND : r == ACTOR_ERR_INVALID ? LA_INVALID : LA_INTERNAL, "%s", err);
    la_push_pid(L, id, actor_host_find(a->rt->sys, lua_tostring(L, 2)));
    return 1;
}

static int la_att_send(lua_State *L) {
    la_attached *a = la_att(L);
    actor_id to;
    la_buf b = { NULL, 0, 0, 0 };
    char err[160];
    size_t n, tlen;
    const char *s, *topic;
    actor_result r;
    int nv = lua_gettop(L) - 2;
    int e;
    if (lua_type(L, 1) != LUA_TSTRING) return la_fail(L, LA_INVALID, "destination must be a pid or a registered name");
    if ((e = la_check_topic(L, 2)) != 0) return e;
    s = lua_tolstring(L, 1, &n);
    if (!la_parse_live_pid(a->rt->sys, s, n, &to) && actor_lookup(a->rt->sys, s, &to) != ACTOR_OK)
        return la_fail(L, LA_NOT_FOUND, "no process '%s'", s);
    topic = lua_tolstring(L, 2, &tlen);
    la_buf_str(&b, topic, tlen);
    la_buf_varint(&b, (uint64_t)(nv < 0 ? 0 : nv));
    if (!la_encode(L, &b, 3, nv < 0 ? 0 : nv, err, sizeof err)) { la_buf_free(&b); return la_fail(L, LA_INVALID, "%s", err); }
    r = actor_send(a->me, to, LA_TAG_MSG, b.p, b.n);
    la_buf_free(&b);
    if (r != ACTOR_OK) return la_fail_result(L, r, "send");
    lua_pushboolean(L, 1);
    return 1;
}

/* receive(timeout_ms) -> topic, from, values... | "@exit", from, result | nil, err */
static int la_att_receive(lua_State *L) {
    la_attached *a = la_att(L);
    actor_msg m;
    lua_Integer timeout = luaL_optinteger(L, 1, -1);
    actor_result r = actor_receive(a->me, &m, (int64_t)timeout);
    if (r == ACTOR_ERR_TIMEOUT) return la_fail(L, LA_TIMEOUT, "receive timed out");
    if (r != ACTOR_OK) return la_fail_result(L, r, "receive");
    lua_settop(L, 0);
    if (m.signal == ACTOR_MESSAGE && m.tag == LA_TAG_MSG) {
        la_reader rd;
        size_t tlen;
        const char *topic;
        int n;
        rd.p = (const unsigned char *)m.data;
        rd.end = rd.p + m.size;
        rd.bad = 0;
        topic = la_rd_str(&rd, &tlen);
        n = (int)la_rd_varint(&rd);
        lua_pushlstring(L, topic, tlen);
        if (m.from.value) la_push_pid(L, m.from, m.from_host); else lua_pushnil(L);
        la_decode(L, &rd, n);
        return 2 + n;
    }
    if (m.signal == ACTOR_EXIT || m.signal == ACTOR_LINK_DOWN) {
        lua_pushstring(L, m.signal == ACTOR_EXIT ? "@exit" : "@link_down");
        la_push_pid(L, m.from, m.from_host);
        la_push_result(L, m.reason);
        return 3;
    }
    lua_pushstring(L, "@signal");
    lua_pushnil(L);
    return 2;
}

int luaopen_actor(lua_State *L) {
    static const luaL_Reg f[] = { { "pid", la_att_pid }, { "spawn", la_att_spawn }, { "send", la_att_send },
                                  { "receive", la_att_receive }, { NULL, NULL } };
    lua_actor_runtime *rt;
    la_attached *a;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &la_K_RT);
    rt = (lua_actor_runtime *)lua_touserdata(L, -1);
    lua_pop(L, 1);
    if (!rt) return luaL_error(L, "actor: call lua_actor_bind(L, runtime) first");
    a = (la_attached *)lua_newuserdatauv(L, sizeof *a, 0);
    memset(a, 0, sizeof *a);
    if (luaL_newmetatable(L, LA_MT_ATTACHED)) { lua_pushcfunction(L, la_att_gc); lua_setfield(L, -2, "__gc"); }
    lua_setmetatable(L, -2);
    if (actor_attach(rt->sys, &a->me) != ACTOR_OK) return luaL_error(L, "actor: cannot attach");
    a->rt = rt;
    la_lock(&rt->lock);
    a->next = rt->attached;
    if (a->next) a->next->prev = a;
    rt->attached = a;
    la_unlock(&rt->lock);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &la_K_SELF);
    luaL_newlib(L, f);
    return 1;
}

/* >>app: manifests and the runner's supervision loop ------------------------------ */

typedef struct la_entry {
    char *def;              /* definition id */
    char *file;             /* the manifest that declared it */
    char *host;             /* lifecycle host */
    int auto_start;
    la_buf start;           /* START payload: security + args from the manifest */
    int max_attempts, attempts;
    double delay_ms;
    int last_normal, ran;
    actor_id current;
} la_entry;

typedef struct la_hostspec { char *id; int workers; size_t limit; actor_host *h; } la_hostspec;

struct lua_actor_app {
    lua_actor_runtime *rt;
    la_entry *entries;
    int nentries;
    la_hostspec *hosts;
    int nhosts;
    actor_context *me;
    actor_id me_id;
    int pending_signal;     /* interrupt before run started */
    la_mutex lock;
};

enum { LA_TAG_TIMEOUT = 0x4C410010u, LA_TAG_INT = 0x4C410011u, LA_TAG_RESTART = 0x4C420000u };
#define LA_SHUTDOWN_MS 3000ULL /* after a timeout or signal: the 1 s deadline, then 2 s of grace */

static int la_app_fail(char *err, size_t errlen, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (err) vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return 0;
}

/* A manifest runs in a scratch state with a memory, an instruction and a
   time budget (a broken manifest fails the load; it cannot hang or exhaust
   the runner: a few instructions on huge strings can take long), and what
   it returns is read as plain data: metatables are stripped first, so
   reading a field never runs manifest code. */
#define LA_MANIFEST_MEMORY ((size_t)64 << 20)
#define LA_MANIFEST_STEPS 100
#define LA_MANIFEST_MAX_STEPS 100000000L /* instructions, in LA_MANIFEST_STEPS steps */
#define LA_MANIFEST_MAX_NS (5ull * 1000000000ull)
typedef struct la_mbudget { long steps; uint64_t deadline_ns; } la_mbudget; /* in the state's extra space */

static void *la_manifest_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    size_t *left = (size_t *)ud, old = ptr ? osize : 0;
    if (nsize == 0) { free(ptr); *left += old; return NULL; }
    if (nsize > old && nsize - old > *left) return NULL;
    ptr = realloc(ptr, nsize);
    if (ptr) *left = *left + old - nsize;
    return ptr;
}

static void la_manifest_hook(lua_State *S, lua_Debug *ar) {
    la_mbudget *b = *(la_mbudget **)lua_getextraspace(S);
    (void)ar;
    if ((b->steps += LA_MANIFEST_STEPS) > LA_MANIFEST_MAX_STEPS || actor_now_ns() > b->deadline_ns)
        luaL_error(S, "manifest runs too long");
}

/* Every table reachable from idx (as deep as a copy goes) loses its
   metatable; `seen` (a table at that stack index) marks the visited ones,
   so shared and cyclic tables are walked once. */
static void la_strip_metatables(lua_State *S, int idx, int seen, int depth) {
    if (!lua_istable(S, idx) || depth > LA_MAX_DEPTH || !lua_checkstack(S, 3)) return; /* (deeper: never read) */
    lua_pushvalue(S, idx);
    if (lua_rawget(S, seen) != LUA_TNIL) { lua_pop(S, 1); return; }
    lua_pop(S, 1);
    lua_pushvalue(S, idx);
    lua_pushboolean(S, 1);
    lua_rawset(S, seen);
    lua_pushnil(S);
    lua_setmetatable(S, idx);
    lua_pushnil(S);
    while (lua_next(S, idx)) {
        la_strip_metatables(S, lua_gettop(S) - 1, seen, depth + 1); /* the key */
        la_strip_metatables(S, lua_gettop(S), seen, depth + 1);     /* the value */
        lua_pop(S, 1);
    }
}

/* "64MB", "512KB", "1GB", "1024" (bytes). 0 on error. */
static int la_parse_size(lua_State *L, int idx, size_t *out) {
    const double most = 1099511627776.0; /* 1 TiB: anything above is a mistake (or NaN / inf) */
    double v;
    char *end;
    if (lua_type(L, idx) == LUA_TNUMBER) {
        v = lua_tonumber(L, idx);
    } else if (lua_type(L, idx) == LUA_TSTRING) {
        v = strtod(lua_tostring(L, idx), &end);
        if (end == lua_tostring(L, idx)) return 0;
        while (*end == ' ') end++;
        if (!*end || !strcmp(end, "B")) {}
        else if (!strcmp(end, "KB") || !strcmp(end, "K") || !strcmp(end, "KiB")) v *= 1024.0;
        else if (!strcmp(end, "MB") || !strcmp(end, "M") || !strcmp(end, "MiB")) v *= 1048576.0;
        else if (!strcmp(end, "GB") || !strcmp(end, "G") || !strcmp(end, "GiB")) v *= 1073741824.0;
        else return 0;
    } else {
        return 0;
    }
    if (!(v >= 0 && v <= most)) return 0; /* (false for NaN too) */
    *out = (size_t)v;
    return 1;
}

/* Every path ending in "/_index.lua" under dir (sorted by the caller).
   A folder that cannot be read, nesting deeper than 16 (a symlink loop?)
   or running out of memory fails the walk: no manifest is silently left
   out. On failure `bad` names the folder and errno says why. */
typedef struct la_walk { char **list; int n, cap; char bad[4096]; } la_walk;
static int la_cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
static int la_walk_add(la_walk *w, const char *path) {
    if (w->n == w->cap) {
        int nc = w->cap ? w->cap * 2 : 16;
        char **nl = (char **)realloc(w->list, (size_t)nc * sizeof *nl);
        if (!nl) return 0;
        w->list = nl;
        w->cap = nc;
    }
    if (!(w->list[w->n] = la_strdup(path))) return 0;
    w->n++;
    return 1;
}
static int la_find_manifests(la_walk *w, const char *dir, int depth) {
    int ok = 1;
    snprintf(w->bad, sizeof w->bad, "%s", dir);
    if (depth > 16) { errno = ELOOP; return 0; }
    {
#if defined(_WIN32)
    char pattern[4096];
    WIN32_FIND_DATAA fd;
    HANDLE hf;
    snprintf(pattern, sizeof pattern, "%s\\*", dir);
    hf = FindFirstFileA(pattern, &fd);
    if (hf == INVALID_HANDLE_VALUE) { errno = ENOENT; return 0; }
    do {
        char path[4096];
        if (!strcmp(fd.cFileName, ".") || !strcmp(fd.cFileName, "..")) continue;
        snprintf(path, sizeof path, "%s/%s", dir, fd.cFileName);
        if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) ok = la_find_manifests(w, path, depth + 1);
        else if (!strcmp(fd.cFileName, "_index.lua") && !la_walk_add(w, path)) { errno = ENOMEM; ok = 0; }
    } while (ok && FindNextFileA(hf, &fd));
    FindClose(hf);
#else
    DIR *d = opendir(dir);
    struct dirent *de;
    if (!d) return 0;
    while (ok && (de = readdir(d)) != NULL) {
        char path[4096];
        struct stat st;
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (stat(path, &st) != 0) continue; /* a dangling link, or gone meanwhile */
        if (S_ISDIR(st.st_mode)) ok = la_find_manifests(w, path, depth + 1);
        else if (!strcmp(de->d_name, "_index.lua") && !la_walk_add(w, path)) { errno = ENOMEM; ok = 0; }
    }
    closedir(d);
#endif
    }
    return ok;
}

/* Strings of the array field `field` of the table at idx into a
   NULL-terminated list (pairs when `pairs`: key, value of a map). */
static char **la_string_list(lua_State *L, int idx, const char *field, int pairs, int *ok) {
    char **out;
    int n = 0, i = 0;
    *ok = 1;
    lua_getfield(L, idx, field);
    if (lua_isnil(L, -1)) { lua_pop(L, 1); return NULL; }
    if (!lua_istable(L, -1)) { lua_pop(L, 1); *ok = 0; return NULL; }
    lua_pushnil(L);
    while (lua_next(L, -2)) { n++; lua_pop(L, 1); }
    out = (char **)calloc((size_t)(2 * n + 1), sizeof *out);
    if (!out) { lua_pop(L, 1); *ok = 0; return NULL; }
    if (pairs) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING) *ok = 0;
            else if (*ok && (!(out[i++] = la_strdup(lua_tostring(L, -2))) || !(out[i++] = la_strdup(lua_tostring(L, -1))))) *ok = 0;
            lua_pop(L, 1);
        }
    } else {
        for (i = 0; i < n; ++i) {
            if (lua_rawgeti(L, -1, i + 1) != LUA_TSTRING || !(out[i] = la_strdup(lua_tostring(L, -1)))) *ok = 0;
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    if (!*ok) { /* a hole ends the list early: free every entry, not just the prefix */
        for (i = 0; i < 2 * n; ++i) free(out[i]);
        free(out);
        return NULL;
    }
    return out;
}
static void la_free_list(char **l) { int i; if (!l) return; for (i = 0; l[i]; ++i) free(l[i]); free(l); }

static int la_app_add_entry(lua_actor_app *app, la_entry *e) {
    la_entry *ne = (la_entry *)realloc(app->entries, (size_t)(app->nentries + 1) * sizeof *ne);
    if (!ne) return 0;
    app->entries = ne;
    app->entries[app->nentries++] = *e;
    return 1;
}

/* The manifest table is on top of S. */
static int la_load_manifest(lua_actor_app *app, lua_State *S, const char *path, const char *folder, char *err, size_t errlen) {
    const char *ns;
    lua_Integer i, n;
    int man = lua_gettop(S);
    if (!lua_istable(S, man)) return la_app_fail(err, errlen, "%s: the manifest must return a table", path);
    lua_getfield(S, man, "namespace");
    if (lua_type(S, -1) != LUA_TSTRING || !lua_rawlen(S, -1)) return la_app_fail(err, errlen, "%s: missing namespace", path);
    ns = lua_tostring(S, -1);
    lua_getfield(S, man, "entries");
    if (!lua_istable(S, -1)) return la_app_fail(err, errlen, "%s: missing entries table", path);
    n = (lua_Integer)lua_rawlen(S, -1);
    for (i = 1; i <= n; ++i) {
        int ent, ok = 1;
        const char *name, *kind;
        char id[ACTOR_NAME_MAX + 1];
        if (lua_rawgeti(S, man + 2, i) != LUA_TTABLE) return la_app_fail(err, errlen, "%s: entry %d is not a table", path, (int)i);
        ent = lua_gettop(S);
        lua_getfield(S, ent, "name");
        lua_getfield(S, ent, "kind");
        name = lua_tostring(S, -2);
        kind = lua_tostring(S, -1);
        if (!name || !*name) return la_app_fail(err, errlen, "%s: entry %d has no name", path, (int)i);
        if (!kind) return la_app_fail(err, errlen, "%s: entry '%s' has no kind", path, name);
        if (snprintf(id, sizeof id, "%s:%s", ns, name) >= (int)sizeof id)
            return la_app_fail(err, errlen, "%s: entry '%s': id too long", path, name);
        if (!strcmp(kind, "process.host")) {
            la_hostspec *hs;
            int workers = 0;
            lua_getfield(S, ent, "host");
            if (lua_istable(S, -1)) {
                lua_getfield(S, -1, "workers");
                if (!lua_isnil(S, -1) && (!lua_isinteger(S, -1) || lua_tointeger(S, -1) < 0 || lua_tointeger(S, -1) > 1024))
                    return la_app_fail(err, errlen, "%s: host '%s': workers must be an integer from 0 to 1024", path, name);
                workers = lua_isnil(S, -1) ? -1 : (int)lua_tointeger(S, -1);
                lua_pop(S, 1);
            } else {
                workers = -1;
            }
            int k;
            for (k = 0; k < app->nhosts; ++k)
                if (!strcmp(app->hosts[k].id, id)) return la_app_fail(err, errlen, "%s: host '%s' is defined twice", path, name);
            hs = (la_hostspec *)realloc(app->hosts, (size_t)(app->nhosts + 1) * sizeof *hs);
            if (!hs) return la_app_fail(err, errlen, "out of memory");
            app->hosts = hs;
            memset(&hs[app->nhosts], 0, sizeof *hs);
            if (!(hs[app->nhosts].id = la_strdup(id))) return la_app_fail(err, errlen, "out of memory");
            hs[app->nhosts].workers = workers;
            app->nhosts++;
        } else if (!strcmp(kind, "process.lua") || !strcmp(kind, "library.lua")) {
            lua_actor_def_desc d;
            char **modules, **imports, file[4096], derr[512];
            const char *src;
            la_entry e;
            memset(&d, 0, sizeof d);
            memset(&e, 0, sizeof e);
            lua_getfield(S, ent, "source");
            src = lua_tostring(S, -1);
            if (!src || strncmp(src, "file://", 7))
                return la_app_fail(err, errlen, "%s: entry '%s': source must be \"file://path\"", path, name);
            if (strlen(folder) + strlen(src + 7) + 2 > sizeof file)
                return la_app_fail(err, errlen, "%s: entry '%s': source path too long", path, name);
            memcpy(file, folder, strlen(folder));
            file[strlen(folder)] = '/';
            strcpy(file + strlen(folder) + 1, src + 7);
            modules = la_string_list(S, ent, "modules", 0, &ok);
            if (!ok) { la_free_list(modules); return la_app_fail(err, errlen, "%s: entry '%s': modules must be a list of names", path, name); }
            imports = la_string_list(S, ent, "imports", 1, &ok);
            if (!ok) { la_free_list(modules); la_free_list(imports); return la_app_fail(err, errlen, "%s: entry '%s': imports must map names to library ids", path, name); }
            d.id = id;
            d.path = file;
            d.modules = (const char *const *)modules;
            d.imports = (const char *const *)imports;
            d.library = kind[0] == 'l';
            lua_getfield(S, ent, "method");
            d.method = lua_tostring(S, -1);
            lua_getfield(S, ent, "memory_limit");
            if (!lua_isnil(S, -1) && !la_parse_size(S, -1, &d.memory_limit)) {
                la_free_list(modules); la_free_list(imports);
                return la_app_fail(err, errlen, "%s: entry '%s': bad memory_limit", path, name);
            }
            if (lua_actor_define(app->rt, &d, derr, sizeof derr) != ACTOR_OK) {
                la_free_list(modules); la_free_list(imports);
                return la_app_fail(err, errlen, "%s: entry '%s': %s", path, name, derr);
            }
            la_free_list(modules);
            la_free_list(imports);
            lua_settop(S, ent);
            lua_getfield(S, ent, "lifecycle");
            if (!d.library && lua_istable(S, -1)) {
                int lc = lua_gettop(S), nargs = 0, top;
                char eerr[160];
                lua_getfield(S, lc, "auto_start");
                e.auto_start = lua_toboolean(S, -1);
                lua_getfield(S, lc, "host");
                if (!lua_isnil(S, -1) && lua_type(S, -1) != LUA_TSTRING) return la_app_fail(err, errlen, "%s: entry '%s': lifecycle.host must be a string", path, name);
                e.host = lua_isnil(S, -1) ? NULL : la_strdup(lua_tostring(S, -1));
                if (!lua_isnil(S, -1) && !e.host) return la_app_fail(err, errlen, "out of memory");
                lua_getfield(S, lc, "restart");
                if (lua_istable(S, -1)) {
                    char dur[128];
                    lua_getfield(S, -1, "max_attempts");
                    e.max_attempts = (int)lua_tointeger(S, -1);
                    lua_getfield(S, -2, "delay");
                    if (!lua_isnil(S, -1) && !la_duration_ms(S, -1, &e.delay_ms, dur, sizeof dur)) {
                        free(e.host);
                        return la_app_fail(err, errlen, "%s: entry '%s': restart.delay: %s", path, name, dur);
                    }
                    lua_pop(S, 2);
                }
                /* START payload: ctx, actor, scope, messages, nargs, args... */
                lua_settop(S, lc);
                top = lua_gettop(S);
                lua_pushnil(S);
                lua_getfield(S, ent, "security");
                if (lua_istable(S, -1)) {
                    int sec = lua_gettop(S);
                    lua_getfield(S, sec, "actor");
                    lua_createtable(S, 0, 1);
                    lua_getfield(S, sec, "policies");
                    lua_setfield(S, -2, "policies");
                    lua_remove(S, sec);
                } else {
                    lua_pop(S, 1);
                    lua_pushnil(S);
                    lua_pushnil(S);
                }
                lua_pushnil(S);
                lua_getfield(S, lc, "args");
                if (!lua_isnil(S, -1) && !lua_istable(S, -1)) { free(e.host); return la_app_fail(err, errlen, "%s: entry '%s': lifecycle.args must be a list", path, name); }
                nargs = lua_istable(S, -1) ? (int)lua_rawlen(S, -1) : 0;
                if (nargs > LA_MAX_ARGS) {
                    free(e.host);
                    return la_app_fail(err, errlen, "%s: entry '%s': lifecycle.args has %d values (at most %d)", path, name, nargs, LA_MAX_ARGS);
                }
                if (!lua_checkstack(S, nargs + 8)) { free(e.host); return la_app_fail(err, errlen, "%s: out of memory", path); }
                {
                    int argt = lua_gettop(S), k;
                    lua_pushinteger(S, nargs);
                    for (k = 1; k <= nargs; ++k) lua_rawgeti(S, argt, k);
                    lua_remove(S, argt);
                }
                if (!la_encode(S, &e.start, top + 1, 5 + nargs, eerr, sizeof eerr)) {
                    free(e.host);
                    la_buf_free(&e.start);
                    return la_app_fail(err, errlen, "%s: entry '%s': %s", path, name, eerr);
                }
                lua_settop(S, ent);
                e.def = la_strdup(id);
                e.file = la_strdup(path);
                e.last_normal = 1;
                if (!e.def || !e.file || (e.auto_start && !la_app_add_entry(app, &e))) {
                    free(e.def); free(e.file); free(e.host); la_buf_free(&e.start);
                    return la_app_fail(err, errlen, "out of memory");
                }
                if (!e.auto_start) { free(e.def); free(e.file); free(e.host); la_buf_free(&e.start); }
            }
        } else {
            return la_app_fail(err, errlen, "%s: entry '%s': unknown kind '%s'", path, name, kind);
        }
        lua_settop(S, man + 2);
    }
    return 1;
}

/* Reads a manifest's result (argument 2) as plain data, protected. */
typedef struct la_mread { lua_actor_app *app; const char *path, *folder; char *err; size_t errlen; int ok; } la_mread;
static int la_manifest_read(lua_State *S) {
    la_mread *m = (la_mread *)lua_touserdata(S, 1);
    lua_remove(S, 1);
    lua_newtable(S);
    la_strip_metatables(S, 1, 2, 0);
    lua_pop(S, 1);
    m->ok = la_load_manifest(m->app, S, m->path, m->folder, m->err, m->errlen);
    return 0;
}

static void la_app_destroy(lua_actor_app *app) {
    int i;
    for (i = 0; i < app->nentries; ++i) {
        free(app->entries[i].def);
        free(app->entries[i].file);
        free(app->entries[i].host);
        la_buf_free(&app->entries[i].start);
    }
    free(app->entries);
    for (i = 0; i < app->nhosts; ++i) free(app->hosts[i].id);
    free(app->hosts);
    la_mutex_destroy(&app->lock);
    free(app);
}

actor_result lua_actor_app_load(lua_actor_runtime *rt, const char *dir, int workers_override, lua_actor_app **out,
                                char *err, size_t errlen) {
    lua_actor_app *app;
    la_walk *w;
    la_mbudget mb;
    char **files;
    int nfiles, i, ok = 1;
    if (!out) return ACTOR_ERR_INVALID;
    *out = NULL;
    if (!rt || !dir) return ACTOR_ERR_INVALID;
    app = (lua_actor_app *)calloc(1, sizeof *app);
    if (!app) return ACTOR_ERR_NO_MEMORY;
    app->rt = rt;
    la_mutex_init(&app->lock);
    if (!(w = (la_walk *)calloc(1, sizeof *w))) { la_app_destroy(app); return ACTOR_ERR_NO_MEMORY; }
    if (!la_find_manifests(w, dir, 0)) {
        int e = errno;
        la_app_fail(err, errlen, "%s: cannot read the app folder: %s", w->bad, strerror(e));
        for (i = 0; i < w->n; ++i) free(w->list[i]);
        free(w->list);
        free(w);
        la_app_destroy(app);
        return e == ENOMEM ? ACTOR_ERR_NO_MEMORY : ACTOR_ERR_NOT_FOUND;
    }
    files = w->list;
    nfiles = w->n;
    free(w);
    if (!nfiles) ok = la_app_fail(err, errlen, "%s: no _index.lua found", dir);
    if (nfiles) qsort(files, (size_t)nfiles, sizeof *files, la_cmp_str);
    for (i = 0; i < nfiles && ok; ++i) { /* each manifest in a scratch state with the base library only */
        size_t budget = LA_MANIFEST_MEMORY;
        lua_State *S = lua_newstate(la_manifest_alloc, &budget);
        char folder[4096];
        char *slash;
        snprintf(folder, sizeof folder, "%s", files[i]);
        slash = strrchr(folder, '/');
        if (slash) *slash = 0;
        if (!S) { ok = la_app_fail(err, errlen, "out of memory"); break; }
        luaL_requiref(S, "_G", luaopen_base, 1);
        lua_getfield(S, -1, "setmetatable"); /* no __gc: a finalizer would run unbounded at lua_close */
        lua_pushcclosure(S, la_setmetatable_safe, 1);
        lua_setfield(S, -2, "setmetatable");
        lua_pop(S, 1);
        mb.steps = 0;
        mb.deadline_ns = actor_now_ns() + LA_MANIFEST_MAX_NS;
        *(la_mbudget **)lua_getextraspace(S) = &mb; /* for la_manifest_hook */
        lua_sethook(S, la_manifest_hook, LUA_MASKCOUNT, LA_MANIFEST_STEPS);
        if (luaL_loadfilex(S, files[i], "t") != LUA_OK || lua_pcall(S, 0, 1, 0) != LUA_OK) {
            if (lua_type(S, -1) == LUA_TSTRING) ok = la_app_fail(err, errlen, "%s", lua_tostring(S, -1));
            else ok = la_app_fail(err, errlen, "%s: the manifest failed (its error object is not a string)", files[i]);
        } else {
            la_mread m;
            m.app = app; m.path = files[i]; m.folder = folder; m.err = err; m.errlen = errlen; m.ok = 0;
            lua_sethook(S, NULL, 0, 0);
            budget += LA_MANIFEST_MEMORY / 4; /* headroom: reading the result may convert numbers to strings */
            lua_pushcfunction(S, la_manifest_read);
            lua_pushlightuserdata(S, &m);
            lua_pushvalue(S, -3);
            ok = lua_pcall(S, 2, 0, 0) == LUA_OK ? m.ok : la_app_fail(err, errlen, "%s: cannot read the manifest: %s", files[i],
                                                                      lua_type(S, -1) == LUA_TSTRING ? lua_tostring(S, -1) : "?");
        }
        lua_close(S);
    }
    for (i = 0; i < nfiles; ++i) free(files[i]);
    free(files);
    /* every auto_start entry needs a known host: its own, or the only one */
    for (i = 0; ok && i < app->nentries; ++i) {
        la_entry *e = &app->entries[i];
        int k, found = 0;
        if (!e->host) {
            if (app->nhosts != 1) {
                ok = la_app_fail(err, errlen, "%s: entry '%s': lifecycle.host is required when the app does not define exactly one process.host", e->file, e->def);
                break;
            }
            if (!(e->host = la_strdup(app->hosts[0].id))) { ok = la_app_fail(err, errlen, "out of memory"); break; }
        }
        for (k = 0; k < app->nhosts; ++k) if (!strcmp(app->hosts[k].id, e->host)) found = 1;
        if (!found) ok = la_app_fail(err, errlen, "%s: entry '%s': unknown host '%s'", e->file, e->def, e->host);
    }
    /* imports must name libraries */
    la_lock(&rt->lock);
    for (i = 0; ok && i < rt->ndefs; ++i) {
        int k;
        for (k = 0; ok && k < rt->defs[i]->nimports; ++k) {
            int j, found = 0;
            for (j = 0; j < rt->ndefs; ++j)
                if (rt->defs[j]->library && !strcmp(rt->defs[j]->id, rt->defs[i]->imports[2 * k + 1])) found = 1;
            if (!found) ok = la_app_fail(err, errlen, "%s: import '%s' names unknown library '%s'", rt->defs[i]->id,
                                         rt->defs[i]->imports[2 * k], rt->defs[i]->imports[2 * k + 1]);
        }
    }
    la_unlock(&rt->lock);
    for (i = 0; ok && i < app->nhosts; ++i) { /* hosts always start */
        actor_host_desc hd;
        int w = workers_override > 0 ? workers_override : app->hosts[i].workers;
        actor_result r;
        memset(&hd, 0, sizeof hd);
        hd.name = app->hosts[i].id;
        hd.workers = w < 0 ? 0 : w == 0 ? ACTOR_MANUAL : w;
        if ((r = actor_host_create(rt->sys, &hd, &app->hosts[i].h)) != ACTOR_OK)
            ok = la_app_fail(err, errlen, "host '%s': %s", hd.name, actor_result_string(r));
    }
    if (!ok) { la_app_destroy(app); return ACTOR_ERR_INVALID; }
    *out = app;
    return ACTOR_OK;
}

/* Pump threads for hosts with workers = 0: the runner is the program that
   pumps them. Stopped by a flag plus one wake-up (work on the host). */
typedef struct la_pump { actor_host *h; volatile int stop; int started;
#if defined(_WIN32)
    HANDLE t;
#else
    pthread_t t;
#endif
} la_pump;

#if defined(_WIN32)
static DWORD WINAPI la_pump_main(LPVOID arg) {
#else
static void *la_pump_main(void *arg) {
#endif
    la_pump *pm = (la_pump *)arg;
    while (!__atomic_load_n(&pm->stop, __ATOMIC_ACQUIRE)) {
        if (actor_host_run(pm->h, 64) == 0) actor_host_wait(pm->h, -1);
    }
    return 0;
}

static void la_noop(actor_context *self, const actor_msg *m) { (void)m; actor_exit(self, NULL); }

static void la_pump_stop(la_pump *pm) {
    actor_spawn_desc d;
    actor_id id;
    if (!pm->started) return;
    __atomic_store_n(&pm->stop, 1, __ATOMIC_RELEASE);
    memset(&d, 0, sizeof d);
    d.fn = la_noop;
    d.flags = ACTOR_SPAWN_START; /* gives the pump work: it wakes and sees stop */
    actor_spawn(pm->h, &d, &id);
#if defined(_WIN32)
    WaitForSingleObject(pm->t, INFINITE);
    CloseHandle(pm->t);
#else
    pthread_join(pm->t, NULL);
#endif
}

static int la_app_running(const lua_actor_app *app) {
    int i;
    for (i = 0; i < app->nentries; ++i)
        if (app->entries[i].current.value) return 1;
    return 0;
}

static void la_app_spawn(lua_actor_app *app, int i) {
    la_entry *e = &app->entries[i];
    const la_def *def = la_find_def(app->rt, e->def);
    actor_host *h = actor_host_find(app->rt->sys, e->host);
    actor_result r = ACTOR_ERR_NOT_FOUND;
    e->ran = 1;
    e->current.value = 0;
    if (def && h) r = la_spawn_proc(app->rt, def, h, app->me, ACTOR_SPAWN_MONITOR, e->start.p, e->start.n, NULL, &e->current);
    if (r != ACTOR_OK) {
        e->last_normal = 0;
        fprintf(stderr, "lua-actor: cannot start %s on %s: %s\n", e->def, e->host, actor_result_string(r));
    }
}

/* Cancel every live process with a 1 s deadline. */
static void la_app_cancel_all(lua_actor_app *app) {
    lua_actor_runtime *rt = app->rt;
    actor_id *ids = NULL;
    int n = 0, cap = 0, i;
    la_proc *p;
    la_lock(&rt->lock);
    if (!rt->stop_by_ns) rt->stop_by_ns = actor_now_ns() + 1000000000ull;
    for (p = rt->procs; p; p = p->next) {
        if (n == cap) {
            actor_id *ni = (actor_id *)realloc(ids, (size_t)(cap = cap ? cap * 2 : 64) * sizeof *ni);
            if (!ni) break;
            ids = ni;
        }
        ids[n++] = p->self;
    }
    la_unlock(&rt->lock);
    for (i = 0; i < n; ++i) if (ids[i].value) actor_cancel(rt->sys, app->me_id, ids[i], 1000);
    free(ids);
}

int lua_actor_app_run(lua_actor_app *app, int64_t timeout_ms) {
    lua_actor_runtime *rt;
    la_pump *pumps;
    int i, pending = 0, status = -1, pending_signal;
    uint64_t stop_ns = 0;
    if (!app) return 2;
    rt = app->rt;
    if (actor_attach(rt->sys, &app->me) != ACTOR_OK) return 2;
    la_lock(&app->lock);
    app->me_id = actor_self(app->me);
    pending_signal = app->pending_signal;
    la_unlock(&app->lock);
    la_lock(&rt->lock);
    rt->observer = app->me_id;
    la_unlock(&rt->lock);
    pumps = (la_pump *)calloc((size_t)app->nhosts + 1, sizeof *pumps);
    for (i = 0; pumps && i < app->nhosts; ++i) {
        pumps[i].h = app->hosts[i].h;
        if (actor_host_workers(pumps[i].h) != ACTOR_MANUAL) continue;
#if defined(_WIN32)
        pumps[i].started = (pumps[i].t = CreateThread(NULL, 0, la_pump_main, &pumps[i], 0, NULL)) != NULL;
#else
        pumps[i].started = pthread_create(&pumps[i].t, NULL, la_pump_main, &pumps[i]) == 0;
#endif
    }
    for (i = 0; i < app->nentries; ++i) la_app_spawn(app, i);
    if (timeout_ms >= 0) actor_after(app->me, (uint64_t)timeout_ms, LA_TAG_TIMEOUT, NULL);
    if (pending_signal) { status = 128 + pending_signal; stop_ns = actor_now_ns(); la_app_cancel_all(app); }
    /* until no process is left, no restart is pending, and the EXIT of
       every auto-started process has been seen (it may trail the count) */
    while (lua_actor_count(rt) > 0 || (pending > 0 && status < 0) || la_app_running(app)) { /* (stopping: no restart will come) */
        actor_msg m;
        int64_t wait = -1;
        actor_result rr;
        if (status >= 0) { /* shutting down: 1 s deadline + 2 s for the stragglers */
            uint64_t waited = (actor_now_ns() - stop_ns) / 1000000ULL;
            if (waited >= LA_SHUTDOWN_MS) {
                fprintf(stderr, "lua-actor: %llu process(es) did not end (stuck in a C call?); giving up on them\n",
                        (unsigned long long)lua_actor_count(rt));
                break;
            }
            wait = (int64_t)(LA_SHUTDOWN_MS - waited);
        }
        rr = actor_receive(app->me, &m, wait);
        if (rr == ACTOR_ERR_TIMEOUT) continue;
        if (rr != ACTOR_OK) break;
        if (m.signal == ACTOR_EXIT) {
            for (i = 0; i < app->nentries; ++i) {
                la_entry *e = &app->entries[i];
                if (e->current.value != m.from.value) continue;
                e->current.value = 0;
                e->last_normal = m.reason->kind == ACTOR_EXIT_NORMAL;
                if (!e->last_normal && status < 0 && e->attempts < e->max_attempts) {
                    e->attempts++;
                    pending++;
                    actor_after(app->me, (uint64_t)(e->delay_ms > 0 ? ceil(e->delay_ms) : 0), LA_TAG_RESTART + (uint32_t)i, NULL);
                }
            }
        } else if (m.signal == ACTOR_TIMER && m.tag >= LA_TAG_RESTART && m.tag < LA_TAG_RESTART + (uint32_t)app->nentries) {
            pending--;
            if (status < 0) la_app_spawn(app, (int)(m.tag - LA_TAG_RESTART));
        } else if (m.signal == ACTOR_TIMER && m.tag == LA_TAG_TIMEOUT && status < 0) {
            status = 3;
            stop_ns = actor_now_ns();
            la_app_cancel_all(app);
        } else if (m.signal == ACTOR_MESSAGE && m.tag == LA_TAG_INT && m.size == sizeof(int)) {
            int sig;
            memcpy(&sig, m.data, sizeof sig);
            if (status < 0 || status == 3) { /* a repeated signal changes nothing: the 1 s deadline bounds the end */
                if (status < 0) stop_ns = actor_now_ns();
                status = 128 + sig;
                la_app_cancel_all(app);
            }
        }
    }
    la_lock(&rt->lock);
    rt->observer.value = 0;
    la_unlock(&rt->lock);
    for (i = 0; pumps && i < app->nhosts; ++i) la_pump_stop(&pumps[i]);
    free(pumps);
    actor_detach(app->me);
    la_lock(&app->lock);
    app->me = NULL;
    app->me_id.value = 0;
    la_unlock(&app->lock);
    if (status >= 0) return status;
    for (i = 0; i < app->nentries; ++i)
        if (!app->entries[i].last_normal) return 1;
    return 0;
}

void lua_actor_app_interrupt(lua_actor_app *app, int signo) {
    actor_id me;
    if (!app) return;
    la_lock(&app->lock);
    me = app->me_id;
    if (!me.value) app->pending_signal = signo;
    la_unlock(&app->lock);
    if (me.value) actor_system_send(app->rt->sys, me, LA_TAG_INT, &signo, sizeof signo);
}

void lua_actor_app_free(lua_actor_app *app) { if (app) la_app_destroy(app); }

#endif /* LUA_ACTOR_IMPLEMENTATION */

/*
   LICENSE: MIT, see the end of actor.h.
*/
