/* actor.h — Erlang-style processes for C: work-stealing worker threads,
   lock-free mailboxes, monitors, links, timers and a name registry in one
   header. No dependency beyond the C library and the OS threads API.

   USAGE
   -----
   In exactly one C or C++ file:

       #define ACTOR_IMPLEMENTATION
       #include "actor.h"

   Everywhere else just #include "actor.h".

   On glibc with a strict -std=c99/-std=c11, include actor.h (with
   ACTOR_IMPLEMENTATION) before any system header, or define _DEFAULT_SOURCE
   yourself: the implementation needs POSIX declarations (clock_gettime,
   pthread rwlocks, syscall).

   CONFIGURATION (define before including the implementation)
   -------------
       ACTOR_STATIC          every public function becomes static (single-TU use)
       ACTOR_API             linkage of public functions (default: extern)
       ACTOR_ASSERT(c)       internal invariant checks (default: assert)
       ACTOR_PARK_CONDVAR    park idle threads on a mutex + condition variable
                             instead of the Linux futex (the Windows path
                             always uses SRWLOCK + CONDITION_VARIABLE)

   MINIMAL EXAMPLE
   ---------------
       #define ACTOR_IMPLEMENTATION
       #include "actor.h"
       #include <stdio.h>

       static void echo(actor_context *self, const actor_msg *m) {
           if (m->signal == ACTOR_MESSAGE)          // reply with the same bytes
               actor_send(self, m->from, m->tag, m->data, m->size);
       }

       int main(void) {
           actor_system *sys; actor_host *host; actor_context *me;
           actor_spawn_desc d = {0};
           actor_id echo_id; actor_msg reply;
           actor_system_create(NULL, &sys);               // defaults
           actor_host_create(sys, NULL, &host);           // one worker per CPU
           actor_attach(sys, &me);                        // main() gets a mailbox
           d.fn = echo;
           actor_spawn(host, &d, &echo_id);
           actor_send(me, echo_id, 1, "hello", 6);
           if (actor_receive(me, &reply, 1000) == ACTOR_OK)
               printf("%s\n", (const char *)reply.data);
           actor_detach(me);
           actor_system_destroy(sys);
           return 0;
       }

   THREADING MODEL
   ---------------
   A system owns hosts; a host is a named pool of worker threads (or, with
   workers = ACTOR_MANUAL, no threads at all: the program pumps it with
   actor_host_run from its own loop, e.g. a game's main thread). An actor
   lives on one host and runs on one thread at a time. Each worker keeps a
   Chase–Lev deque of runnable actors plus a LIFO "next" slot: the actor just
   woken by the running actor runs next on the same core (ping-pong stays in
   cache). Runnable actors made by other threads go to the host's lock-free
   injection queue. Idle workers steal from a random victim, then park; a
   parked worker is woken only when work appears and nobody is searching
   (at most half the workers search). An idle system uses no CPU: parked
   workers sleep without a timeout unless a timer is pending, and then only
   one of them sleeps until exactly the next deadline.

   Fairness: an actor handles at most `batch` messages per turn (default
   64), then goes to the back of the host's queue. Every 61st scheduling
   decision a worker looks at the oldest work first (injection queue, then
   the top of its own deque) so a pair of actors bouncing messages through
   the LIFO slot cannot starve the rest.

   MAILBOX
   -------
   Intrusive multi-producer single-consumer queue (Vyukov), one atomic
   exchange per send. The low bit of the queue head means "empty and not
   scheduled": the sender whose exchange sees that bit schedules the actor,
   the consumer sets it with a CAS that fails if anything arrived. No lock,
   no separate flag, no lost wake-up. Payloads are copied inline into the
   message block (one allocation from a per-worker free list) or moved by
   pointer with a destructor. Messages from one sender to one receiver
   arrive in order, and signals (EXIT, LINK_DOWN, CANCEL) travel through the
   same queue, so everything an actor sent before it ended arrives before
   its EXIT.

   ACTOR IDS
   ---------
   64-bit: 32-bit slot index + 32-bit generation. A stale id is detected
   (ACTOR_ERR_NOT_FOUND), never confused with a new actor: a slot whose
   generation would wrap is retired, so an id is never reused during the
   lifetime of a system.

   MONITOR / LINK / CANCEL / TERMINATE
   -----------------------------------
   monitor: one-way, the watcher gets ACTOR_EXIT with the exit reason.
   link: two-way; when one side ends abnormally, the other ends too with
   ACTOR_EXIT_LINKED ("linked process failed") unless it traps links, in
   which case it gets ACTOR_LINK_DOWN. Normal exits only remove the link.
   demonitor/unlink filter at the receiver: once they return, no EXIT /
   LINK_DOWN from that peer is seen, even one already queued.
   cancel: delivers ACTOR_CANCEL with an absolute deadline; an actor still
   alive at the deadline is force-ended (ACTOR_EXIT_DEADLINE). terminate:
   ends the actor at once: a running C callback finishes, no further message
   is delivered (ACTOR_EXIT_TERMINATED). The first exit reason wins.
   On exit, in this order: the id becomes stale, registered names are
   released, timers are cancelled, the state destructor runs, then EXIT /
   LINK_DOWN signals are sent.

   MEMORY
   ------
   Every allocation goes through the allocator in actor_system_desc.
   Actors live in a slot table that grows by chunks and is never shrunk
   (type-stable memory keeps stale-id checks safe without locks); message
   blocks come from per-worker free lists that rebalance through a shared
   pool in batches, so the hot path does not call the allocator. Allocation
   failure is always reported as ACTOR_ERR_NO_MEMORY, never a crash.

   ERRORS AND LOGGING
   ------------------
   Functions that can fail return actor_result (0 = ACTOR_OK, negative =
   error); actor_result_string() names it. Bad input never aborts. The
   logger in actor_system_desc receives warnings (default: stderr).

   C++ NOTES
   ---------
   The header compiles as C99/C11 and C++11 or later. It never includes
   <stdatomic.h>: atomics are GCC/Clang __atomic builtins or MSVC
   _Interlocked intrinsics (MSVC: x64 only).
*/
#ifndef ACTOR_H_INCLUDED
#define ACTOR_H_INCLUDED

#if defined(ACTOR_IMPLEMENTATION) && !defined(_WIN32) && \
    !defined(_GNU_SOURCE) && !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE 1
#endif

#include <stddef.h>
#include <stdint.h>

#ifndef ACTOR_API
#ifdef ACTOR_STATIC
#if defined(__GNUC__) || defined(__clang__)
#define ACTOR_API static __attribute__((unused))
#else
#define ACTOR_API static
#endif
#else
#define ACTOR_API extern
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define ACTOR_VERSION "0.1.0"

/* ---- basic types -------------------------------------------------------- */

typedef struct actor_system actor_system;   /* the runtime: hosts, actors, timers, names */
typedef struct actor_host actor_host;       /* a named pool of worker threads */
typedef struct actor_context actor_context; /* an actor, as seen by its own behaviour
                                               or by the thread it is attached to */

/* Generational actor id: low 32 bits slot, high 32 bits generation. 0 = none. */
typedef struct actor_id { uint64_t value; } actor_id;

static inline actor_id actor_id_make(uint64_t value) { actor_id id; id.value = value; return id; }
static inline int actor_id_is_none(actor_id id) { return id.value == 0; }
static inline int actor_id_equal(actor_id a, actor_id b) { return a.value == b.value; }

typedef enum actor_result {
    ACTOR_OK            =  0,
    ACTOR_ERR_INVALID   = -1, /* bad argument, inconsistent desc, self-link */
    ACTOR_ERR_NO_MEMORY = -2, /* the allocator failed; nothing was changed */
    ACTOR_ERR_NOT_FOUND = -3, /* stale/unknown id, dead actor, unknown name/host/timer */
    ACTOR_ERR_EXISTS    = -4, /* already monitoring; name taken; host name taken */
    ACTOR_ERR_TIMEOUT   = -5, /* actor_receive / actor_host_wait ran out of time */
    ACTOR_ERR_SHUTDOWN  = -6, /* the host or system is stopping */
    ACTOR_ERR_LIMIT     = -7, /* a configured limit: actor table full, message or
                                 name too long, too many hosts */
    ACTOR_ERR_EXITED    = -8  /* the calling (attached) actor has ended */
} actor_result;

/* Short English name of a result ("ok", "not found", ...). */
ACTOR_API const char *actor_result_string(actor_result r);

/* What a delivered actor_msg is. */
typedef enum actor_signal {
    ACTOR_MESSAGE   = 0, /* user message: tag, data, size */
    ACTOR_START     = 1, /* first delivery, when spawned with ACTOR_SPAWN_START */
    ACTOR_EXIT      = 2, /* a monitored actor ended; reason set */
    ACTOR_LINK_DOWN = 3, /* a linked actor ended abnormally and we trap links */
    ACTOR_CANCEL    = 4, /* cancellation requested; deadline set (0 = none) */
    ACTOR_TIMER     = 5, /* a timer from actor_after fired; tag and timer set */
    ACTOR_YIELD     = 6  /* resumed after actor_yield */
} actor_signal;

typedef enum actor_exit_kind {
    ACTOR_EXIT_NORMAL     = 0, /* returned / actor_exit(NULL); optional result data */
    ACTOR_EXIT_ERROR      = 1, /* failed: message, code and optional data */
    ACTOR_EXIT_TERMINATED = 2, /* actor_terminate ("terminated") */
    ACTOR_EXIT_DEADLINE   = 3, /* cancel deadline passed ("cancel deadline exceeded") */
    ACTOR_EXIT_LINKED     = 4  /* a linked actor failed ("linked process failed") */
} actor_exit_kind;

/* Why an actor ended. Delivered with ACTOR_EXIT / ACTOR_LINK_DOWN; valid for
   the duration of the callback (or until the next actor_receive). */
typedef struct actor_exit_reason {
    actor_exit_kind kind;
    int code;            /* free for the application (lua_actor: error kind) */
    const char *message; /* never NULL when delivered; "" for normal exits */
    const void *data;    /* optional payload: a normal result or error details */
    size_t size;
} actor_exit_reason;

typedef struct actor_timer { uint64_t value; } actor_timer;

typedef struct actor_msg {
    actor_signal signal;
    uint32_t tag;                     /* user tag (messages, timers) */
    actor_id from;                    /* sender; none for anonymous sends and timers */
    const void *data;                 /* payload; valid during the callback */
    size_t size;
    const actor_exit_reason *reason;  /* ACTOR_EXIT, ACTOR_LINK_DOWN */
    uint64_t deadline;                /* ACTOR_CANCEL: ms since the Unix epoch, 0 = none */
    actor_timer timer;                /* ACTOR_TIMER */
    actor_host *from_host;            /* host the sender ran on; NULL for anonymous,
                                         attached and timer senders */
} actor_msg;

/* A behaviour: called once per delivered message, on a worker thread. */
typedef void (*actor_fn)(actor_context *self, const actor_msg *msg);

/* ---- system ------------------------------------------------------------ */

typedef struct actor_allocator {
    void *(*alloc)(size_t size, void *user);          /* NULL = malloc */
    void (*free)(void *ptr, size_t size, void *user); /* NULL = free */
    void *user;
} actor_allocator;

typedef enum actor_log_level { ACTOR_LOG_ERROR = 0, ACTOR_LOG_WARN = 1, ACTOR_LOG_INFO = 2 } actor_log_level;

typedef struct actor_logger {
    void (*log)(actor_log_level level, const char *message, void *user); /* NULL = stderr */
    void *user;
} actor_logger;

/* Zero-initialised = defaults. */
typedef struct actor_system_desc {
    actor_allocator allocator;
    actor_logger logger;
    uint32_t max_actors;       /* live actors at once; 0 = 4M (1 << 22) */
    uint32_t batch;            /* messages per actor turn; 0 = 64 */
    size_t max_message_size;   /* bytes; 0 = 64 MiB */
} actor_system_desc;

/* Creates a system (desc may be NULL). ACTOR_ERR_NO_MEMORY / _INVALID. */
ACTOR_API actor_result actor_system_create(const actor_system_desc *desc, actor_system **out);

/* Stops every worker, ends every remaining actor without sending signals
   (running state destructors), frees every byte. Attached contexts and hosts
   become invalid; detach attached threads first. Call it from outside the
   system: from a behaviour (a worker, or a thread inside actor_host_run) it
   returns ACTOR_ERR_INVALID and does nothing. */
ACTOR_API actor_result actor_system_destroy(actor_system *sys);

typedef struct actor_stats {
    uint64_t actors_live;       /* spawned and not yet ended (includes attached) */
    uint64_t actors_spawned;    /* total, since create */
    uint64_t actors_exited;
    uint64_t messages_sent;     /* messages and signals pushed into mailboxes */
    uint64_t steals;            /* actors taken from another worker's deque */
    uint64_t parks;             /* times a worker went to sleep */
    uint64_t wakeups;           /* times a sleeping worker was woken for work */
    uint64_t timers_fired;
    uint64_t timers_pending;    /* armed timers and cancel deadlines */
    uint64_t bytes_in_use;      /* bytes currently held from the allocator */
} actor_stats;

ACTOR_API void actor_system_stats(actor_system *sys, actor_stats *out);

/* Monotonic clock (arbitrary origin) and wall clock (Unix epoch). */
ACTOR_API uint64_t actor_now_ns(void);
ACTOR_API uint64_t actor_wall_ms(void);

/* ---- hosts --------------------------------------------------------------- */

#define ACTOR_MANUAL (-1) /* host workers: no threads; pump with actor_host_run */
#define ACTOR_MAX_HOSTS 64
#define ACTOR_NAME_MAX 255 /* bytes, for host and registry names */

typedef struct actor_host_desc {
    const char *name; /* NULL = "host<N>"; must be unique in the system */
    int workers;      /* 0 = number of CPUs; ACTOR_MANUAL = pumped by the program */
} actor_host_desc;

/* Creates a host (desc may be NULL) and starts its workers. */
ACTOR_API actor_result actor_host_create(actor_system *sys, const actor_host_desc *desc, actor_host **out);
/* Host by name, or NULL. */
ACTOR_API actor_host *actor_host_find(actor_system *sys, const char *name);
ACTOR_API const char *actor_host_name(const actor_host *host);
ACTOR_API int actor_host_workers(const actor_host *host); /* ACTOR_MANUAL for manual hosts */
ACTOR_API actor_system *actor_host_system(const actor_host *host);

/* Manual hosts only: runs up to `budget` actor turns (each up to `batch`
   messages) on the calling thread, fires due timers, and returns how many
   turns ran (0 = nothing to do), or a negative actor_result. Never blocks.
   Only one thread may pump a host at a time. */
ACTOR_API int actor_host_run(actor_host *host, int budget);

/* Manual hosts only: blocks until the host has work or timeout_ms passes
   (< 0 = forever). ACTOR_OK or ACTOR_ERR_TIMEOUT. Call it from the thread
   that pumps the host (it reads the pump's own state). */
ACTOR_API actor_result actor_host_wait(actor_host *host, int64_t timeout_ms);

/* Manual hosts only, any thread: the pump's actor_host_wait returns
   ACTOR_OK now, or its next call does at once (a game loop blocked in
   actor_host_wait(host, -1) can be told to look at its own quit flag). */
ACTOR_API actor_result actor_host_wake(actor_host *host);

/* ---- actors -------------------------------------------------------------- */

enum {
    ACTOR_SPAWN_LINK       = 1 << 0, /* link parent and child before the child runs */
    ACTOR_SPAWN_MONITOR    = 1 << 1, /* parent monitors the child before it runs */
    ACTOR_SPAWN_START      = 1 << 2, /* deliver ACTOR_START (with start_data) first */
    ACTOR_SPAWN_TRAP_LINKS = 1 << 3  /* child starts with trap_links on */
};

typedef struct actor_spawn_desc {
    actor_fn fn;                 /* required */
    void *state;                 /* actor_state(self) */
    void (*state_dtor)(void *state); /* runs when the actor ends */
    actor_context *parent;       /* the calling actor; required for LINK / MONITOR */
    unsigned flags;              /* ACTOR_SPAWN_* */
    const void *start_data;      /* payload of ACTOR_START (copied) */
    size_t start_size;
    const char *name;            /* registered before the child runs; taken →
                                    ACTOR_ERR_EXISTS and nothing is spawned */
    /* Optional: called once when the actor ends (not at system destroy),
       after its id went stale and its names were released, before
       state_dtor and before EXIT / LINK_DOWN are sent. */
    void (*on_exit)(actor_context *self, const actor_exit_reason *why);
    /* Optional: bytes of user messages that may wait in the mailbox
       (payload + a header each); a send that would pass it ends the actor
       ACTOR_EXIT_ERROR "memory limit exceeded" and the message is dropped,
       as it would be once the actor is gone (the send still returns OK).
       Kept in whole KiB (rounded up). 0 = unbounded, and senders pay
       nothing for the accounting. */
    size_t mailbox_limit;
} actor_spawn_desc;

/* Spawns an actor on `host`. Must be called by `desc->parent` (from its own
   callback or attached thread) when a parent is given. On failure nothing
   was spawned and state_dtor does not run: the caller still owns `state`. */
ACTOR_API actor_result actor_spawn(actor_host *host, const actor_spawn_desc *desc, actor_id *out);

ACTOR_API actor_id actor_self(const actor_context *self);
ACTOR_API void *actor_state(const actor_context *self);
ACTOR_API void actor_set_state(actor_context *self, void *state, void (*state_dtor)(void *state));
ACTOR_API actor_host *actor_host_of(const actor_context *self);
ACTOR_API actor_system *actor_system_of(const actor_context *self);
/* 1 while the id names a live actor (a racy snapshot). */
ACTOR_API int actor_alive(actor_system *sys, actor_id id);
/* The host a live actor runs on (NULL when dead, unknown or attached). */
ACTOR_API actor_host *actor_host_of_id(actor_system *sys, actor_id id);

/* Copying send: data[0..size) is copied into the message. From `self`. */
ACTOR_API actor_result actor_send(actor_context *self, actor_id to, uint32_t tag, const void *data, size_t size);
/* Zero-copy send: the receiver sees `data`; dtor(data, size) runs when the
   message is freed. On any failure (NOT_FOUND, LIMIT, NO_MEMORY, INVALID)
   dtor has already run when the call returns. dtor may be NULL. */
ACTOR_API actor_result actor_send_move(actor_context *self, actor_id to, uint32_t tag, void *data, size_t size,
                                       void (*dtor)(void *data, size_t size));
/* Anonymous send from any thread (msg.from is none). */
ACTOR_API actor_result actor_system_send(actor_system *sys, actor_id to, uint32_t tag, const void *data, size_t size);

/* Ends the calling actor when its callback returns (NULL = normal). The
   reason is copied. The first exit reason wins. A malformed reason (kind
   out of range, data NULL with size > 0, data or message larger than
   max_message_size) returns INVALID and the actor still ends, with an
   error saying so ("invalid exit reason: ..."). */
ACTOR_API actor_result actor_exit(actor_context *self, const actor_exit_reason *why);
/* 1 when the actor has been asked to end (terminate, cancel deadline,
   linked failure) or its system is being destroyed: long-running
   behaviours should return soon. */
ACTOR_API int actor_exit_pending(const actor_context *self);

/* Changes the calling actor's mailbox limit (see actor_spawn_desc),
   from now on. Only between limits: an actor spawned unbounded stays
   unbounded, and a limited one cannot become unbounded (bytes 0):
   ACTOR_ERR_INVALID. */
ACTOR_API actor_result actor_set_mailbox_limit(actor_context *self, size_t bytes);

/* Rescheduled behind other runnable actors; the behaviour then receives
   ACTOR_YIELD (before any further message). Used for cooperative
   preemption of long computations. When the ACTOR_YIELD callback yields
   again, the rest of that turn handles the waiting messages (up to the
   batch): an actor that yields every turn keeps reading its mailbox. */
ACTOR_API void actor_yield(actor_context *self);

/* ---- monitor, link, cancel, terminate ------------------------------------ */

ACTOR_API actor_result actor_monitor(actor_context *self, actor_id target);   /* NOT_FOUND, EXISTS, INVALID (self) */
ACTOR_API actor_result actor_demonitor(actor_context *self, actor_id target); /* NOT_FOUND if not monitoring */
ACTOR_API actor_result actor_link(actor_context *self, actor_id target);      /* NOT_FOUND; twice = OK */
ACTOR_API actor_result actor_unlink(actor_context *self, actor_id target);    /* OK; NOT_FOUND if dead and not linked */
ACTOR_API void actor_trap_links(actor_context *self, int on);
ACTOR_API int actor_traps_links(const actor_context *self);

#define ACTOR_NO_DEADLINE (-1)
/* Delivers ACTOR_CANCEL (from = `from`, may be none). With timeout_ms >= 0
   the target is force-ended ACTOR_EXIT_DEADLINE if still alive
   timeout_ms from now; ACTOR_NO_DEADLINE = cooperative only. */
ACTOR_API actor_result actor_cancel(actor_system *sys, actor_id from, actor_id target, int64_t timeout_ms);
/* Ends the target at once with ACTOR_EXIT_TERMINATED. */
ACTOR_API actor_result actor_terminate(actor_system *sys, actor_id target);

/* ---- timers --------------------------------------------------------------- */

/* One-shot: ACTOR_TIMER with `tag` arrives after `ms` milliseconds. Timers
   belong to the actor and vanish with it. */
ACTOR_API actor_result actor_after(actor_context *self, uint64_t ms, uint32_t tag, actor_timer *out);
/* ACTOR_OK: cancelled before it fired, it will never be delivered.
   ACTOR_ERR_NOT_FOUND: already fired (its message may be queued) or unknown. */
ACTOR_API actor_result actor_cancel_timer(actor_context *self, actor_timer timer);
/* Cancels every timer of the calling actor that has not fired yet (as
   actor_cancel_timer would, one by one); returns how many. A cancel
   deadline on the actor is not one of its timers and stays. */
ACTOR_API int actor_cancel_timers(actor_context *self);

/* ---- name registry ---------------------------------------------------------- */

/* Names are 1..ACTOR_NAME_MAX bytes. Same name, same id = OK; taken =
   EXISTS; dead id = NOT_FOUND. An actor's names are released when it ends,
   before its EXIT / LINK_DOWN signals are sent. */
ACTOR_API actor_result actor_register(actor_system *sys, const char *name, actor_id id);
ACTOR_API actor_result actor_lookup(actor_system *sys, const char *name, actor_id *out);
ACTOR_API actor_result actor_unregister(actor_system *sys, const char *name); /* NOT_FOUND if absent */

/* ---- attached threads --------------------------------------------------------- */

/* Gives the calling thread (main, a test, a game loop) an actor identity
   with a mailbox: it can send, monitor, link, spawn with a parent and
   receive. Its timers fire while it waits in actor_receive. */
ACTOR_API actor_result actor_attach(actor_system *sys, actor_context **out);
/* Blocks up to timeout_ms (< 0 = forever, 0 = poll) for the next message
   or signal. The message stays valid until the next receive/detach.
   ACTOR_ERR_TIMEOUT, or ACTOR_ERR_EXITED when the identity has been ended
   (linked failure, terminate); call actor_detach in every case. */
ACTOR_API actor_result actor_receive(actor_context *self, actor_msg *out, int64_t timeout_ms);
/* Ends the attached identity (normal exit unless already ended) and frees it. */
ACTOR_API void actor_detach(actor_context *self);

#ifdef __cplusplus
}
#endif
#endif /* ACTOR_H_INCLUDED */

/* ========================================================================== */
/*                              IMPLEMENTATION                                */
/* ========================================================================== */
#if defined(ACTOR_IMPLEMENTATION) && !defined(ACTOR_IMPLEMENTATION_DONE)
#define ACTOR_IMPLEMENTATION_DONE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ACTOR_ASSERT
#include <assert.h>
#define ACTOR_ASSERT(c) assert(c)
#endif

/* >>platform ----------------------------------------------------------------- */

#if defined(_WIN32)
#define ACTOR__WIN32 1
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <process.h>
#else
#define ACTOR__POSIX 1
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__) && !defined(ACTOR_PARK_CONDVAR)
#define ACTOR__FUTEX 1
#include <linux/futex.h>
#include <sys/syscall.h>
#endif
#endif

#if defined(__GNUC__) || defined(__clang__)
#define ACTOR__LIKELY(x) __builtin_expect(!!(x), 1)
#define ACTOR__UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define ACTOR__LIKELY(x) (x)
#define ACTOR__UNLIKELY(x) (x)
#endif

/* Atomics. Every shared word is accessed only through these macros, each
   with an explicit memory order; the reason for every non-relaxed order is
   written where it is used. Typed names (32, 64, ptr) keep the MSVC path
   (intrinsics need a type) identical to the GCC/Clang one (builtins). */
#if defined(_MSC_VER) && !defined(__clang__)
#if !defined(_M_X64)
#error "actor.h: the MSVC atomics path supports x64 only (use clang-cl elsewhere)"
#endif
#include <intrin.h>
#define ACTOR__RELAXED 0
#define ACTOR__ACQUIRE 2
#define ACTOR__RELEASE 3
#define ACTOR__ACQ_REL 4
#define ACTOR__SEQ_CST 5
/* x64 is TSO: plain loads are acquire and plain stores are release once the
   compiler is kept from reordering; seq_cst stores use an exchange. */
static __forceinline uint32_t actor__msvc_ld32(const uint32_t *p) { uint32_t v = *(volatile const uint32_t *)p; _ReadWriteBarrier(); return v; }
static __forceinline uint64_t actor__msvc_ld64(const uint64_t *p) { uint64_t v = *(volatile const uint64_t *)p; _ReadWriteBarrier(); return v; }
static __forceinline void *actor__msvc_ldp(void *const *p) { void *v = *(void *volatile const *)p; _ReadWriteBarrier(); return v; }
static __forceinline void actor__msvc_st32(uint32_t *p, uint32_t v, int mo) { if (mo == ACTOR__SEQ_CST) _InterlockedExchange((volatile long *)p, (long)v); else { _ReadWriteBarrier(); *(volatile uint32_t *)p = v; } }
static __forceinline void actor__msvc_st64(uint64_t *p, uint64_t v, int mo) { if (mo == ACTOR__SEQ_CST) _InterlockedExchange64((volatile __int64 *)p, (__int64)v); else { _ReadWriteBarrier(); *(volatile uint64_t *)p = v; } }
static __forceinline void actor__msvc_stp(void **p, void *v, int mo) { if (mo == ACTOR__SEQ_CST) _InterlockedExchangePointer((void *volatile *)p, v); else { _ReadWriteBarrier(); *(void *volatile *)p = v; } }
static __forceinline int actor__msvc_cas32(uint32_t *p, uint32_t *e, uint32_t d) { long o = _InterlockedCompareExchange((volatile long *)p, (long)d, (long)*e); if ((uint32_t)o == *e) return 1; *e = (uint32_t)o; return 0; }
static __forceinline int actor__msvc_cas64(uint64_t *p, uint64_t *e, uint64_t d) { __int64 o = _InterlockedCompareExchange64((volatile __int64 *)p, (__int64)d, (__int64)*e); if ((uint64_t)o == *e) return 1; *e = (uint64_t)o; return 0; }
static __forceinline int actor__msvc_casp(void **p, void **e, void *d) { void *o = _InterlockedCompareExchangePointer((void *volatile *)p, d, *e); if (o == *e) return 1; *e = o; return 0; }
#define actor__ld32(p, mo) actor__msvc_ld32(p)
#define actor__ld64(p, mo) actor__msvc_ld64(p)
#define actor__ldp(p, mo) actor__msvc_ldp((void *const *)(p))
#define actor__st32(p, v, mo) actor__msvc_st32((p), (v), (mo))
#define actor__st64(p, v, mo) actor__msvc_st64((p), (v), (mo))
#define actor__stp(p, v, mo) actor__msvc_stp((void **)(p), (void *)(v), (mo))
#define actor__xchg32(p, v, mo) ((uint32_t)_InterlockedExchange((volatile long *)(p), (long)(v)))
#define actor__xchg64(p, v, mo) ((uint64_t)_InterlockedExchange64((volatile __int64 *)(p), (__int64)(v)))
#define actor__xchgp(p, v, mo) _InterlockedExchangePointer((void *volatile *)(p), (void *)(v))
#define actor__cas32(p, e, d, mo) actor__msvc_cas32((p), (e), (d))
#define actor__cas64(p, e, d, mo) actor__msvc_cas64((p), (e), (d))
#define actor__casp(p, e, d, mo) actor__msvc_casp((void **)(p), (void **)(e), (void *)(d))
#define actor__add32(p, v, mo) ((uint32_t)_InterlockedExchangeAdd((volatile long *)(p), (long)(v)))
#define actor__add64(p, v, mo) ((uint64_t)_InterlockedExchangeAdd64((volatile __int64 *)(p), (__int64)(v)))
#define actor__or64(p, v, mo) ((uint64_t)_InterlockedOr64((volatile __int64 *)(p), (__int64)(v)))
#define actor__fence_seq_cst() __faststorefence()
#define actor__cpu_relax() _mm_pause()
#else
#define ACTOR__RELAXED __ATOMIC_RELAXED
#define ACTOR__ACQUIRE __ATOMIC_ACQUIRE
#define ACTOR__RELEASE __ATOMIC_RELEASE
#define ACTOR__ACQ_REL __ATOMIC_ACQ_REL
#define ACTOR__SEQ_CST __ATOMIC_SEQ_CST
#define actor__ld32(p, mo) __atomic_load_n((p), (mo))
#define actor__ld64(p, mo) __atomic_load_n((p), (mo))
#define actor__ldp(p, mo) __atomic_load_n((p), (mo))
#define actor__st32(p, v, mo) __atomic_store_n((p), (v), (mo))
#define actor__st64(p, v, mo) __atomic_store_n((p), (v), (mo))
#define actor__stp(p, v, mo) __atomic_store_n((p), (v), (mo))
#define actor__xchg32(p, v, mo) __atomic_exchange_n((p), (v), (mo))
#define actor__xchg64(p, v, mo) __atomic_exchange_n((p), (v), (mo))
#define actor__xchgp(p, v, mo) __atomic_exchange_n((p), (v), (mo))
/* Failure order: acquire when success is acquire-or-stronger, else relaxed. */
#define actor__cas_fail_(mo) ((mo) == ACTOR__RELEASE || (mo) == ACTOR__RELAXED ? ACTOR__RELAXED : \
                              (mo) == ACTOR__SEQ_CST ? ACTOR__SEQ_CST : ACTOR__ACQUIRE)
#define actor__cas32(p, e, d, mo) __atomic_compare_exchange_n((p), (e), (d), 0, (mo), actor__cas_fail_(mo))
#define actor__cas64(p, e, d, mo) __atomic_compare_exchange_n((p), (e), (d), 0, (mo), actor__cas_fail_(mo))
#define actor__casp(p, e, d, mo) __atomic_compare_exchange_n((p), (e), (d), 0, (mo), actor__cas_fail_(mo))
#define actor__add32(p, v, mo) __atomic_fetch_add((p), (v), (mo))
#define actor__add64(p, v, mo) __atomic_fetch_add((p), (v), (mo))
#define actor__or64(p, v, mo) __atomic_fetch_or((p), (v), (mo))
#define actor__fence_seq_cst() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#if defined(__x86_64__) || defined(__i386__)
#define actor__cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__) || defined(__arm__)
#define actor__cpu_relax() __asm__ __volatile__("yield")
#else
#define actor__cpu_relax() ((void)0)
#endif
#endif

/* Counter bump by its single writer, read by others (stats): relaxed
   load + store, no lock prefix needed. */
#define actor__count(p, n) actor__st64((p), actor__ld64((p), ACTOR__RELAXED) + (uint64_t)(n), ACTOR__RELAXED)

/* Threads, mutexes, rwlocks. */
#if ACTOR__WIN32
typedef struct actor__thread { HANDLE h; void (*fn)(void *); void *arg; } actor__thread;
typedef SRWLOCK actor__mutex;
typedef SRWLOCK actor__rwlock;
static unsigned __stdcall actor__thread_tramp(void *p) { actor__thread *t = (actor__thread *)p; t->fn(t->arg); return 0; }
static int actor__thread_start(actor__thread *t, void (*fn)(void *), void *arg) {
    t->fn = fn; t->arg = arg;
    t->h = (HANDLE)_beginthreadex(NULL, 0, actor__thread_tramp, t, 0, NULL);
    return t->h != 0;
}
static void actor__thread_join(actor__thread *t) { WaitForSingleObject(t->h, INFINITE); CloseHandle(t->h); }
static void actor__mutex_init(actor__mutex *m) { InitializeSRWLock(m); }
static void actor__mutex_destroy(actor__mutex *m) { (void)m; }
static void actor__lock(actor__mutex *m) { AcquireSRWLockExclusive(m); }
static void actor__unlock(actor__mutex *m) { ReleaseSRWLockExclusive(m); }
static void actor__rwlock_init(actor__rwlock *l) { InitializeSRWLock(l); }
static void actor__rwlock_destroy(actor__rwlock *l) { (void)l; }
static void actor__rdlock(actor__rwlock *l) { AcquireSRWLockShared(l); }
static void actor__rdunlock(actor__rwlock *l) { ReleaseSRWLockShared(l); }
static void actor__wrlock(actor__rwlock *l) { AcquireSRWLockExclusive(l); }
static void actor__wrunlock(actor__rwlock *l) { ReleaseSRWLockExclusive(l); }
static void actor__thread_yield(void) { SwitchToThread(); }
static int actor__cpu_count(void) { SYSTEM_INFO si; GetSystemInfo(&si); return (int)si.dwNumberOfProcessors; }
uint64_t actor_now_ns(void) {
    static LARGE_INTEGER freq; /* benign race: every thread computes the same value */
    LARGE_INTEGER c;
    if (!freq.QuadPart) QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&c);
    return (uint64_t)((double)c.QuadPart * 1e9 / (double)freq.QuadPart);
}
uint64_t actor_wall_ms(void) {
    FILETIME ft; ULARGE_INTEGER u;
    GetSystemTimeAsFileTime(&ft);
    u.LowPart = ft.dwLowDateTime; u.HighPart = ft.dwHighDateTime;
    return (u.QuadPart - 116444736000000000ULL) / 10000ULL;
}
#else
typedef struct actor__thread { pthread_t t; void (*fn)(void *); void *arg; } actor__thread;
typedef pthread_mutex_t actor__mutex;
typedef pthread_rwlock_t actor__rwlock;
static void *actor__thread_tramp(void *p) { actor__thread *t = (actor__thread *)p; t->fn(t->arg); return NULL; }
static int actor__thread_start(actor__thread *t, void (*fn)(void *), void *arg) {
    t->fn = fn; t->arg = arg;
    return pthread_create(&t->t, NULL, actor__thread_tramp, t) == 0;
}
static void actor__thread_join(actor__thread *t) { pthread_join(t->t, NULL); }
static void actor__mutex_init(actor__mutex *m) { pthread_mutex_init(m, NULL); }
static void actor__mutex_destroy(actor__mutex *m) { pthread_mutex_destroy(m); }
static void actor__lock(actor__mutex *m) { pthread_mutex_lock(m); }
static void actor__unlock(actor__mutex *m) { pthread_mutex_unlock(m); }
static void actor__rwlock_init(actor__rwlock *l) { pthread_rwlock_init(l, NULL); }
static void actor__rwlock_destroy(actor__rwlock *l) { pthread_rwlock_destroy(l); }
static void actor__rdlock(actor__rwlock *l) { pthread_rwlock_rdlock(l); }
static void actor__rdunlock(actor__rwlock *l) { pthread_rwlock_unlock(l); }
static void actor__wrlock(actor__rwlock *l) { pthread_rwlock_wrlock(l); }
static void actor__wrunlock(actor__rwlock *l) { pthread_rwlock_unlock(l); }
static void actor__thread_yield(void) { sched_yield(); }
static int actor__cpu_count(void) { long n = sysconf(_SC_NPROCESSORS_ONLN); return n > 0 ? (int)n : 1; }
uint64_t actor_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
uint64_t actor_wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000ULL + (uint64_t)ts.tv_nsec / 1000000ULL;
}
#endif

/* Parker: one sleeping thread, woken by any other. A wake-up that comes
   before the sleep is kept as a token, so it is never lost; callers always
   re-check their condition after park returns (spurious returns allowed). */
#define ACTOR__PARK_EMPTY 0u
#define ACTOR__PARK_NOTIFIED 1u
#define ACTOR__PARK_PARKED 0xFFFFFFFFu
typedef struct actor__parker {
    uint32_t state;
#if !ACTOR__FUTEX
#if ACTOR__WIN32
    SRWLOCK lock;
    CONDITION_VARIABLE cond;
#else
    pthread_mutex_t lock;
    pthread_cond_t cond;
#endif
#endif
} actor__parker;

#if ACTOR__FUTEX
static void actor__parker_init(actor__parker *p) { p->state = ACTOR__PARK_EMPTY; }
static void actor__parker_destroy(actor__parker *p) { (void)p; }
static void actor__park(actor__parker *p, int64_t timeout_ms) {
    /* EMPTY -> PARKED, or NOTIFIED -> EMPTY (token consumed). Acquire pairs
       with the release in unpark: work published before the wake is seen. */
    if (actor__add32(&p->state, (uint32_t)-1, ACTOR__ACQUIRE) == ACTOR__PARK_NOTIFIED) return;
    if (timeout_ms < 0) {
        syscall(SYS_futex, &p->state, FUTEX_WAIT_PRIVATE, ACTOR__PARK_PARKED, NULL, NULL, 0);
    } else {
        struct timespec ts;
        ts.tv_sec = (time_t)(timeout_ms / 1000);
        ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
        syscall(SYS_futex, &p->state, FUTEX_WAIT_PRIVATE, ACTOR__PARK_PARKED, &ts, NULL, 0);
    }
    actor__xchg32(&p->state, ACTOR__PARK_EMPTY, ACTOR__ACQUIRE);
}
static void actor__unpark(actor__parker *p) {
    if (actor__xchg32(&p->state, ACTOR__PARK_NOTIFIED, ACTOR__RELEASE) == ACTOR__PARK_PARKED)
        syscall(SYS_futex, &p->state, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}
#elif ACTOR__WIN32
static void actor__parker_init(actor__parker *p) { p->state = 0; InitializeSRWLock(&p->lock); InitializeConditionVariable(&p->cond); }
static void actor__parker_destroy(actor__parker *p) { (void)p; }
static void actor__park(actor__parker *p, int64_t timeout_ms) {
    AcquireSRWLockExclusive(&p->lock);
    if (p->state != ACTOR__PARK_NOTIFIED) {
        p->state = ACTOR__PARK_PARKED;
        SleepConditionVariableSRW(&p->cond, &p->lock, timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms, 0);
    }
    p->state = ACTOR__PARK_EMPTY;
    ReleaseSRWLockExclusive(&p->lock);
}
static void actor__unpark(actor__parker *p) {
    int wake;
    AcquireSRWLockExclusive(&p->lock);
    wake = p->state == ACTOR__PARK_PARKED;
    p->state = ACTOR__PARK_NOTIFIED;
    ReleaseSRWLockExclusive(&p->lock);
    if (wake) WakeConditionVariable(&p->cond);
}
#else
static void actor__parker_init(actor__parker *p) {
    pthread_condattr_t ca;
    p->state = 0;
    pthread_mutex_init(&p->lock, NULL);
    pthread_condattr_init(&ca);
#if !defined(__APPLE__)
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
#endif
    pthread_cond_init(&p->cond, &ca);
    pthread_condattr_destroy(&ca);
}
static void actor__parker_destroy(actor__parker *p) { pthread_mutex_destroy(&p->lock); pthread_cond_destroy(&p->cond); }
static void actor__park(actor__parker *p, int64_t timeout_ms) {
    pthread_mutex_lock(&p->lock);
    if (p->state != ACTOR__PARK_NOTIFIED) {
        p->state = ACTOR__PARK_PARKED;
        if (timeout_ms < 0) {
            pthread_cond_wait(&p->cond, &p->lock);
        } else {
            struct timespec ts;
#if defined(__APPLE__)
            ts.tv_sec = (time_t)(timeout_ms / 1000);
            ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
            pthread_cond_timedwait_relative_np(&p->cond, &p->lock, &ts);
#else
            uint64_t at = actor_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
            ts.tv_sec = (time_t)(at / 1000000000ULL);
            ts.tv_nsec = (long)(at % 1000000000ULL);
            pthread_cond_timedwait(&p->cond, &p->lock, &ts);
#endif
        }
    }
    p->state = ACTOR__PARK_EMPTY;
    pthread_mutex_unlock(&p->lock);
}
static void actor__unpark(actor__parker *p) {
    int wake;
    pthread_mutex_lock(&p->lock);
    wake = p->state == ACTOR__PARK_PARKED;
    p->state = ACTOR__PARK_NOTIFIED;
    pthread_mutex_unlock(&p->lock);
    if (wake) pthread_cond_signal(&p->cond);
}
#endif

static int actor__ctz64(uint64_t x) {
#if defined(_MSC_VER) && !defined(__clang__)
    unsigned long i; _BitScanForward64(&i, x); return (int)i;
#else
    return __builtin_ctzll(x);
#endif
}
static int actor__clz64(uint64_t x) {
#if defined(_MSC_VER) && !defined(__clang__)
    unsigned long i; _BitScanReverse64(&i, x); return 63 - (int)i;
#else
    return __builtin_clzll(x);
#endif
}

/* >>types ------------------------------------------------------------------ */

/* Internal message kinds. The first seven equal the public actor_signal. */
enum {
    ACTOR__K_MESSAGE = ACTOR_MESSAGE,
    ACTOR__K_START = ACTOR_START,
    ACTOR__K_EXIT = ACTOR_EXIT,
    ACTOR__K_LINK_DOWN = ACTOR_LINK_DOWN,
    ACTOR__K_CANCEL = ACTOR_CANCEL,
    ACTOR__K_TIMER = ACTOR_TIMER,
    ACTOR__K_YIELD = ACTOR_YIELD,
    ACTOR__K_MONITOR,   /* from watcher: add it; carries the EXIT node to send back */
    ACTOR__K_DEMONITOR,
    ACTOR__K_LINK,      /* from peer: add link; carries the LINK_DOWN node to send back */
    ACTOR__K_UNLINK,
    ACTOR__K_WAKE       /* no content: makes an idle actor run (terminate, deadline) */
};

/* Mailbox link. First member of every message and of the actor's stub. */
typedef struct actor__mnode { void *next; } actor__mnode;

typedef struct actor__reason {
    uint32_t refs;  /* atomic; unused by the built-in reasons (bytes == 0) */
    size_t bytes;   /* the whole block (a reason may exceed 4 GiB with a raised max_message_size) */
    actor_exit_reason pub;
} actor__reason;

typedef struct actor__msg actor__msg;
struct actor__msg {
    actor__mnode node;
    uint8_t kind;
    uint8_t cls;   /* size class (ACTOR__CLASS_EXACT: sized to fit, not pooled) */
    uint8_t moved; /* payload is external: aux.dtor frees it */
    uint8_t pad_;
    uint32_t tag;
    uint64_t from;
    actor_host *from_host;
    size_t size;
    void *data;
    union {
        actor__reason *reason;            /* EXIT, LINK_DOWN */
        void (*dtor)(void *, size_t);     /* moved MESSAGE */
        uint64_t u64;                     /* CANCEL deadline, TIMER id */
        actor__msg *carried;              /* MONITOR, LINK */
    } aux;
};

/* Size classes: total block bytes. Inline payload = block - header. */
#define ACTOR__CLASSES 4
#define ACTOR__CLASS_EXACT 4
static const uint32_t actor__class_bytes[ACTOR__CLASSES] = { 128, 256, 1024, 4096 };
static const uint32_t actor__class_cache[ACTOR__CLASSES] = { 512, 256, 64, 16 };
#define ACTOR__POOL_BATCH_DIV 2

/* Peer set entry: what this actor knows about one other actor. */
enum { ACTOR__P_LINK = 1, ACTOR__P_MONITORING = 2, ACTOR__P_WATCHED = 4 };
typedef struct actor__peer {
    uint64_t id;
    uint32_t flags;
    actor__msg *exit_node; /* WATCHED: the EXIT we send the watcher when we end */
    actor__msg *link_node; /* LINK: the LINK_DOWN we send the peer when we end */
} actor__peer;
typedef struct actor__peers { uint32_t cap, count; } actor__peers; /* entries follow */
#define actor__peer_at(ps) ((actor__peer *)((ps) + 1))

/* Slot word: generation | ALIVE | NAMES | references. While ALIVE, the
   actor holds one reference; senders hold one between validating the id
   and finishing their push. Whoever drops the last reference of a dead
   actor frees its mailbox and the slot. */
#define ACTOR__W_ALIVE 0x80000000ull
#define ACTOR__W_NAMES 0x40000000ull
#define ACTOR__W_REFS 0x3FFFFFFFull
#define ACTOR__W_GEN(w) ((uint32_t)((w) >> 32))

typedef struct actor__worker actor__worker;

struct actor_context {
    /* touched by senders */
    uint64_t word;
    uintptr_t mb_head;    /* mailbox head; low bit set = empty and not scheduled */
    void *pending_exit;   /* actor__reason*, set once by CAS: the first reason wins */
    actor_host *host;
    uint32_t mb_limit_kb; /* mailbox limit in KiB (rounded up); 0 = unbounded */
    uint32_t index;       /* slot number (fixed) */
    uint64_t mb_queued;   /* limited mailboxes: bytes waiting (atomic add / sub) */
    /* owned by the thread running the actor */
    actor__mnode *mb_tail;
    actor__mnode stub;
    actor__mnode run;     /* link in the host's injection queue */
    actor_fn fn;
    void *state;
    void (*state_dtor)(void *);
    void (*on_exit)(actor_context *, const actor_exit_reason *);
    actor__peers *peers;
    actor__worker *worker; /* worker running us now; NULL when attached */
    void *timers;          /* actor__timer list, under the timer lock */
    void *names;           /* actor__name list, under the registry lock */
    uint32_t free_next;    /* free-slot stack link while the slot is unused */
    uint8_t trap_links;
    uint8_t yield_requested;
    uint8_t ended;         /* attached: exit processing done */
    uint8_t pad_;
};

#define ACTOR__CHUNK_BITS 10
#define ACTOR__CHUNK (1u << ACTOR__CHUNK_BITS)
#define ACTOR__TABLE_SLACK (1u << 16)

/* Chase–Lev deque buffer; `cap` item pointers follow the header. */
typedef struct actor__dqbuf { int64_t cap; struct actor__dqbuf *retired; } actor__dqbuf;
#define actor__dq_items(b) ((void **)((b) + 1))

typedef struct actor__deque {
    int64_t top;           /* thieves CAS here */
    char pad0_[56];
    int64_t bottom;        /* owner only writes */
    void *buf;             /* actor__dqbuf* */
    char pad1_[48];
} actor__deque;

#define ACTOR__SLOT_CACHE 128

struct actor__worker {
    actor__deque deque;
    actor_system *sys;
    actor_host *host;
    actor_context *next;        /* LIFO slot: runs next, not stealable */
    actor__parker parker;
    uint32_t index;
    uint32_t tick;
    uint64_t rng;
    int searching;              /* counted in host->state */
    int sleeping;               /* on host->sleepers; under idle_lock */
    actor__msg *free_head[ACTOR__CLASSES];
    uint32_t free_count[ACTOR__CLASSES];
    uint32_t slots[ACTOR__SLOT_CACHE];
    uint32_t nslots;
    /* stats: written by this worker only */
    uint64_t n_sent, n_steals, n_parks;
    actor__thread thread;
};

enum { ACTOR__HOST_THREADS = 0, ACTOR__HOST_MANUAL = 1, ACTOR__HOST_ATTACHED = 2 };

/* Host state word: (unparked workers << 16) | searching workers. */
#define ACTOR__HS_SEARCH 1u
#define ACTOR__HS_UNPARK 0x10000u
#define ACTOR__HS_NSEARCH(s) ((s) & 0xFFFFu)
#define ACTOR__HS_NUNPARK(s) ((s) >> 16)

/* Intrusive Vyukov MPSC queue of runnable actors; consumers take turns
   through a try-lock, producers never wait. */
typedef struct actor__inject {
    void *head;            /* producers exchange here */
    char pad0_[56];
    actor__mnode *tail;    /* consumer (holder of `busy`) */
    actor__mnode stub;
    uint32_t busy;
    uint32_t len;          /* approximate length, for "is there work?" checks */
    char pad1_[40];
} actor__inject;

struct actor_host {
    actor__inject inject;
    actor_system *sys;
    int kind;
    int nworkers;
    actor__worker **workers;
    uint32_t state;        /* ACTOR__HS_* */
    uint32_t stopping;
    uint32_t pump_waiting; /* manual: the pump thread sleeps in actor_host_wait */
    uint32_t pump_woken;   /* manual: actor_host_wake was called, not yet seen by a wait */
    actor__mutex idle_lock;
    actor__worker **sleepers;
    int nsleepers;
    actor__parker parker;  /* attached hosts: the attached thread's parker */
    char name[ACTOR_NAME_MAX + 1];
};

typedef struct actor__timer actor__timer;
struct actor__timer {
    actor__timer *prev, *next;   /* wheel slot list */
    actor__timer *oprev, *onext; /* owner's list */
    uint64_t deadline;           /* ms on the system clock */
    uint64_t owner;              /* actor id */
    actor__msg *msg;             /* TIMER message, or WAKE node for deadlines */
    uint32_t gen, index;
    uint8_t kind, level, slot, armed;
};
enum { ACTOR__T_USER = 0, ACTOR__T_DEADLINE = 1 };

#define ACTOR__WHEEL_BITS 6
#define ACTOR__WHEEL_SLOTS 64
#define ACTOR__WHEEL_LEVELS 6 /* 64^6 ms: about 2,200 years */
#define ACTOR__NO_DEADLINE UINT64_MAX

typedef struct actor__name actor__name;
struct actor__name {
    actor__name *bnext;          /* bucket chain */
    actor__name *oprev, *onext;  /* owner's names */
    actor_context *owner;
    uint64_t id;
    uint32_t hash, len;
    /* name bytes + NUL follow */
};
#define actor__name_str(n) ((char *)((n) + 1))

struct actor_system {
    actor_allocator alloc;
    actor_logger logger;
    uint32_t max_actors, batch;
    uint32_t table_size;         /* max_actors + room for the per-worker slot caches */
    size_t max_msg;
    uint64_t start_ns;
    /* slot table */
    actor_context **chunks;      /* atomic pointers, published once */
    uint32_t nchunks;
    actor__mutex slot_lock;
    uint32_t free_top;           /* free-slot stack through actor->free_next; UINT32_MAX = empty */
    uint32_t fresh;              /* first never-used slot index */
    /* message pools: stacks of batches, under pool_lock */
    actor__mutex pool_lock;
    actor__msg *pool[ACTOR__CLASSES];
    uint32_t pool_blocks[ACTOR__CLASSES];
    /* hosts */
    actor__mutex host_lock;
    actor_host *hosts[ACTOR_MAX_HOSTS];
    uint32_t nhosts;             /* atomic: readers iterate without the lock */
    uint32_t threads;            /* worker threads over all hosts */
    uint32_t closing;            /* atomic, set under host_lock: destroy began; no new hosts or attached threads */
    /* timers */
    actor__mutex timer_lock;
    uint64_t elapsed;            /* wheel time: ms processed */
    uint64_t occupied[ACTOR__WHEEL_LEVELS];
    actor__timer *wheel[ACTOR__WHEEL_LEVELS][ACTOR__WHEEL_SLOTS];
    actor__timer **timer_table;
    uint32_t ntimers, timer_cap, timer_free; /* timer_free: index list through ->index, UINT32_MAX = none */
    uint64_t next_deadline;      /* atomic: earliest wheel expiration (ms) */
    void *keeper;                /* atomic: parker sleeping until next_deadline */
    void *waiters;               /* actor__waiter list, under host_lock */
    /* registry */
    actor__rwlock reg_lock;
    actor__name **buckets;
    uint32_t nbuckets, nnames;
    /* stats (atomic) */
    uint64_t n_live, n_spawned, n_exited, n_sent, n_wakeups, n_timers, n_bytes;
    uint64_t n_timers_armed;     /* changed under timer_lock, read atomically by stats */
    uint64_t n_steals_gone, n_parks_gone, n_sent_gone; /* from workers that stopped */
};

/* >>memory ----------------------------------------------------------------- */

static void *actor__malloc_default(size_t n, void *user) { (void)user; return malloc(n); }
static void actor__free_default(void *p, size_t n, void *user) { (void)n; (void)user; free(p); }

static void *actor__alloc(actor_system *s, size_t n) {
    void *p = s->alloc.alloc(n, s->alloc.user);
    if (p) actor__add64(&s->n_bytes, (uint64_t)n, ACTOR__RELAXED);
    return p;
}
static void actor__free(actor_system *s, void *p, size_t n) {
    if (!p) return;
    actor__add64(&s->n_bytes, (uint64_t)0 - (uint64_t)n, ACTOR__RELAXED);
    s->alloc.free(p, n, s->alloc.user);
}

static void actor__log_default(actor_log_level level, const char *message, void *user) {
    static const char *names[] = { "error", "warning", "info" };
    (void)user;
    fprintf(stderr, "actor: %s: %s\n", names[level], message);
}
static void actor__log(actor_system *s, actor_log_level level, const char *message) {
    s->logger.log(level, message, s->logger.user);
}

static int actor__class_of(size_t total) {
    int c;
    for (c = 0; c < ACTOR__CLASSES; ++c)
        if (total <= actor__class_bytes[c]) return c;
    return ACTOR__CLASS_EXACT;
}

/* Blocks move between a worker's free list and the shared pool in batches
   of half a cache: the batch's first block holds the count (size) and the
   link to the next batch (data). */
static void actor__pool_refill(actor_system *s, actor__worker *w, int c) {
    actor__msg *batch;
    actor__lock(&s->pool_lock);
    batch = s->pool[c];
    if (batch) {
        s->pool[c] = (actor__msg *)batch->data;
        s->pool_blocks[c] -= (uint32_t)batch->size;
    }
    actor__unlock(&s->pool_lock);
    if (batch) {
        w->free_head[c] = batch;
        w->free_count[c] = (uint32_t)batch->size;
    }
}

static void actor__pool_flush(actor_system *s, actor__worker *w, int c) {
    uint32_t n = actor__class_cache[c] / ACTOR__POOL_BATCH_DIV, i;
    actor__msg *batch = w->free_head[c], *last = batch;
    for (i = 1; i < n; ++i) last = (actor__msg *)last->node.next;
    w->free_head[c] = (actor__msg *)last->node.next;
    w->free_count[c] -= n;
    last->node.next = NULL;
    batch->size = n;
    actor__lock(&s->pool_lock);
    if (s->pool_blocks[c] < actor__class_cache[c] * 64u) {
        batch->data = s->pool[c];
        s->pool[c] = batch;
        s->pool_blocks[c] += n;
        batch = NULL;
    }
    actor__unlock(&s->pool_lock);
    while (batch) { /* the shared pool is full: give the memory back */
        actor__msg *nx = (actor__msg *)batch->node.next;
        actor__free(s, batch, actor__class_bytes[c]);
        batch = nx;
    }
}

/* A block of size class c, from the worker's free list when there is one
   (no allocator call on the hot path). Messages and peer sets use these. */
static void *actor__pool_get(actor_system *s, actor__worker *w, int c) {
    actor__msg *b = NULL;
    if (w) {
        if (!w->free_head[c]) actor__pool_refill(s, w, c);
        b = w->free_head[c];
        if (b) { w->free_head[c] = (actor__msg *)b->node.next; w->free_count[c]--; }
    }
    return b ? (void *)b : actor__alloc(s, actor__class_bytes[c]);
}

static void actor__pool_put(actor_system *s, actor__worker *w, int c, void *block) {
    actor__msg *b = (actor__msg *)block;
    if (!w) { actor__free(s, b, actor__class_bytes[c]); return; }
    b->node.next = w->free_head[c];
    w->free_head[c] = b;
    if (++w->free_count[c] > actor__class_cache[c]) actor__pool_flush(s, w, c);
}

/* A message block with room for `payload` inline bytes. */
static actor__msg *actor__msg_alloc(actor_system *s, actor__worker *w, size_t payload) {
    size_t total = sizeof(actor__msg) + payload;
    int c = actor__class_of(total);
    actor__msg *m = c != ACTOR__CLASS_EXACT ? (actor__msg *)actor__pool_get(s, w, c) : (actor__msg *)actor__alloc(s, total);
    if (!m) return NULL;
    m->node.next = NULL;
    m->kind = ACTOR__K_MESSAGE;
    m->cls = (uint8_t)c;
    m->moved = 0;
    m->tag = 0;
    m->from = 0;
    m->from_host = NULL;
    m->size = payload;
    m->data = payload ? (void *)(m + 1) : NULL;
    m->aux.u64 = 0;
    return m;
}

/* Built-in reasons have bytes == 0 (an immutable field: no atomic needed). */
static void actor__reason_release(actor_system *s, actor__reason *r) {
    if (!r->bytes) return;
    /* acq_rel: the last owner must see every other owner's reads done */
    if (actor__add32(&r->refs, (uint32_t)-1, ACTOR__ACQ_REL) == 1) actor__free(s, r, r->bytes);
}
static void actor__reason_retain(actor__reason *r) {
    if (r->bytes) actor__add32(&r->refs, 1u, ACTOR__RELAXED);
}

/* A move-sent payload goes back to its owner (the block stays). */
static void actor__msg_drop_moved(actor__msg *m) {
    if (m->moved && m->aux.dtor) m->aux.dtor(m->data, m->size);
    m->moved = 0;
}

static void actor__msg_free(actor_system *s, actor__worker *w, actor__msg *m) {
    int c = m->cls;
    switch (m->kind) {
    case ACTOR__K_MESSAGE:
        actor__msg_drop_moved(m);
        break;
    case ACTOR__K_EXIT: case ACTOR__K_LINK_DOWN:
        if (m->aux.reason) actor__reason_release(s, m->aux.reason);
        break;
    case ACTOR__K_MONITOR: case ACTOR__K_LINK:
        if (m->aux.carried) actor__msg_free(s, w, m->aux.carried);
        break;
    default: break;
    }
    if (c != ACTOR__CLASS_EXACT) actor__pool_put(s, w, c, m);
    else actor__free(s, m, sizeof(actor__msg) + m->size);
}

/* Built-in exit reasons: no allocation, so ending never fails. */
static actor__reason actor__r_normal = { 0, 0, { ACTOR_EXIT_NORMAL, 0, "", NULL, 0 } };
static actor__reason actor__r_terminated = { 0, 0, { ACTOR_EXIT_TERMINATED, 0, "terminated", NULL, 0 } };
static actor__reason actor__r_deadline = { 0, 0, { ACTOR_EXIT_DEADLINE, 0, "cancel deadline exceeded", NULL, 0 } };
static actor__reason actor__r_linked = { 0, 0, { ACTOR_EXIT_LINKED, 0, "linked process failed", NULL, 0 } };
static actor__reason actor__r_nomem = { 0, 0, { ACTOR_EXIT_ERROR, 0, "out of memory", NULL, 0 } };
static actor__reason actor__r_overlimit = { 0, 0, { ACTOR_EXIT_ERROR, 0, "memory limit exceeded", NULL, 0 } };

/* A refcounted copy of `why` (message and data inline). */
static actor__reason *actor__reason_copy(actor_system *s, const actor_exit_reason *why) {
    size_t mlen = why->message ? strlen(why->message) : 0;
    size_t bytes = sizeof(actor__reason) + mlen + 1 + why->size;
    actor__reason *r;
    char *text;
    if (why->kind == ACTOR_EXIT_NORMAL && !mlen && !why->size && !why->code) return &actor__r_normal;
    r = (actor__reason *)actor__alloc(s, bytes);
    if (!r) return NULL;
    text = (char *)(r + 1);
    r->refs = 1;
    r->bytes = bytes;
    r->pub = *why;
    if (mlen) memcpy(text, why->message, mlen);
    text[mlen] = 0;
    r->pub.message = text;
    if (why->size) {
        memcpy(text + mlen + 1, why->data, why->size);
        r->pub.data = text + mlen + 1;
    } else {
        r->pub.data = NULL;
    }
    return r;
}

/* >>table ------------------------------------------------------------------ */

static actor_context *actor__slot(actor_system *s, uint32_t idx) {
    /* acquire: pairs with the release that published the chunk */
    actor_context *chunk = (actor_context *)actor__ldp(&s->chunks[idx >> ACTOR__CHUNK_BITS], ACTOR__ACQUIRE);
    return chunk ? chunk + (idx & (ACTOR__CHUNK - 1)) : NULL;
}

static actor_id actor__id_of(const actor_context *a) {
    return actor_id_make((actor__ld64(&a->word, ACTOR__RELAXED) & 0xFFFFFFFF00000000ull) | a->index);
}

/* The slot behind `id` with a sender reference taken, or NULL when the id
   is stale, unknown or the actor has ended. Drop with actor__release. */
static actor_context *actor__acquire(actor_system *s, uint64_t id) {
    uint32_t idx = (uint32_t)id, gen = (uint32_t)(id >> 32);
    actor_context *a;
    uint64_t w;
    if (!gen || idx >= s->table_size) return NULL;
    a = actor__slot(s, idx);
    if (!a) return NULL;
    w = actor__ld64(&a->word, ACTOR__RELAXED);
    for (;;) {
        if (ACTOR__W_GEN(w) != gen || !(w & ACTOR__W_ALIVE)) return NULL;
        /* acquire: pairs with the release that published this incarnation,
           so its fields (host, mailbox) are initialised for us */
        if (actor__cas64(&a->word, &w, w + 1, ACTOR__ACQUIRE)) return a;
    }
}

static void actor__finalize(actor_system *s, actor__worker *w, actor_context *a);

static void actor__release(actor_system *s, actor__worker *w, actor_context *a) {
    /* acq_rel: our pushes happen-before the finaliser's drain */
    uint64_t old = actor__add64(&a->word, (uint64_t)-1, ACTOR__ACQ_REL);
    if ((old & ACTOR__W_REFS) == 1 && !(old & ACTOR__W_ALIVE)) actor__finalize(s, w, a);
}

static actor_result actor__slot_alloc(actor_system *s, actor__worker *w, actor_context **out) {
    uint32_t want = w ? ACTOR__SLOT_CACHE / 2 : 1, got = 0, idx = 0;
    actor_result r = ACTOR_ERR_LIMIT;
    if (w && w->nslots) { *out = actor__slot(s, w->slots[--w->nslots]); return ACTOR_OK; }
    actor__lock(&s->slot_lock);
    while (got < want) {
        if (s->free_top != UINT32_MAX) {
            idx = s->free_top;
            s->free_top = actor__slot(s, idx)->free_next;
        } else if (s->fresh < s->table_size) {
            uint32_t ci = s->fresh >> ACTOR__CHUNK_BITS;
            if (!actor__ldp(&s->chunks[ci], ACTOR__RELAXED)) {
                actor_context *chunk = (actor_context *)actor__alloc(s, sizeof(actor_context) * ACTOR__CHUNK);
                uint32_t i;
                if (!chunk) { r = ACTOR_ERR_NO_MEMORY; break; }
                memset(chunk, 0, sizeof(actor_context) * ACTOR__CHUNK);
                for (i = 0; i < ACTOR__CHUNK; ++i) chunk[i].index = (ci << ACTOR__CHUNK_BITS) | i;
                /* release: the zeroed chunk is visible before its pointer */
                actor__stp(&s->chunks[ci], chunk, ACTOR__RELEASE);
            }
            idx = s->fresh++;
        } else {
            break;
        }
        if (w && got) w->slots[w->nslots++] = idx;
        else *out = actor__slot(s, idx);
        ++got;
    }
    actor__unlock(&s->slot_lock);
    return got ? ACTOR_OK : r;
}

static void actor__slot_free_global(actor_system *s, actor_context *a) {
    actor__lock(&s->slot_lock);
    a->free_next = s->free_top;
    s->free_top = a->index;
    actor__unlock(&s->slot_lock);
}

static void actor__slot_free(actor_system *s, actor__worker *w, actor_context *a) {
    if (w && w->sys == s) {
        if (w->nslots == ACTOR__SLOT_CACHE) {
            uint32_t i;
            actor__lock(&s->slot_lock);
            for (i = 0; i < ACTOR__SLOT_CACHE / 2; ++i) {
                actor_context *f = actor__slot(s, w->slots[--w->nslots]);
                f->free_next = s->free_top;
                s->free_top = f->index;
            }
            actor__unlock(&s->slot_lock);
        }
        w->slots[w->nslots++] = a->index;
        return;
    }
    actor__slot_free_global(s, a);
}

/* >>mailbox ---------------------------------------------------------------- */

/* Push; returns 1 when the mailbox was empty and unscheduled, i.e. the
   caller must schedule the actor. */
static int actor__mb_push(actor_context *a, actor__mnode *n) {
    uintptr_t prev;
    actor__stp(&n->next, NULL, ACTOR__RELAXED);
    /* acq_rel: release publishes the node's contents; acquire pairs with the
       consumer's release CAS that set the idle bit, so whoever schedules the
       actor sees everything it did before going idle */
    prev = (uintptr_t)actor__xchgp((void **)&a->mb_head, (void *)n, ACTOR__ACQ_REL);
    /* release: the consumer's acquire load of next sees the node */
    actor__stp(&((actor__mnode *)(prev & ~(uintptr_t)1))->next, n, ACTOR__RELEASE);
    return (int)(prev & 1);
}

/* Consumer only. The returned node stays the queue's stub until the next
   pop, which frees it; so a delivered message lives until the next pop. */
static actor__msg *actor__mb_pop(actor_system *s, actor__worker *w, actor_context *a) {
    actor__mnode *tail = a->mb_tail;
    /* acquire: pairs with the release store of next in push */
    actor__mnode *next = (actor__mnode *)actor__ldp(&tail->next, ACTOR__ACQUIRE);
    if (!next) return NULL;
    a->mb_tail = next;
    if (tail != &a->stub) actor__msg_free(s, w, (actor__msg *)tail);
    return (actor__msg *)next;
}

/* Consumer only: mark the mailbox empty-and-unscheduled. Fails when a
   message arrived or a producer is between its exchange and its link (the
   caller then stays scheduled: never treat that window as empty). */
static int actor__mb_mark_idle(actor_context *a) {
    uintptr_t tail = (uintptr_t)a->mb_tail, seen = tail;
    if (actor__ldp(&a->mb_tail->next, ACTOR__ACQUIRE)) return 0;
    /* release: everything this turn did is visible to the next scheduler */
    if (actor__casp((void **)&a->mb_head, (void **)&seen, (void *)(tail | 1), ACTOR__ACQ_REL)) return 1;
    /* an attached receiver that timed out (or woke spuriously) left the
       mark in place: still empty, still marked */
    return seen == (tail | 1);
}

/* >>deque: Chase–Lev (Lê, Pop, Cohen, Zappa Nardelli 2013, C11 version) ---- */

static actor__dqbuf *actor__dq_newbuf(actor_system *s, int64_t cap) {
    actor__dqbuf *b = (actor__dqbuf *)actor__alloc(s, sizeof(actor__dqbuf) + (size_t)cap * sizeof(void *));
    if (!b) return NULL;
    b->cap = cap;
    b->retired = NULL;
    memset(actor__dq_items(b), 0, (size_t)cap * sizeof(void *));
    return b;
}

/* Owner only. Returns 0 when the buffer could not grow (caller falls back
   to the injection queue). Old buffers are kept until shutdown because a
   thief may still read from them. */
static int actor__dq_push(actor_system *s, actor__deque *d, actor_context *a) {
    int64_t b = actor__ld64((uint64_t *)&d->bottom, ACTOR__RELAXED);
    /* acquire: pairs with the thieves' CAS on top */
    int64_t t = (int64_t)actor__ld64((uint64_t *)&d->top, ACTOR__ACQUIRE);
    actor__dqbuf *buf = (actor__dqbuf *)actor__ldp(&d->buf, ACTOR__RELAXED);
    if (b - t > buf->cap - 1) {
        actor__dqbuf *nb = actor__dq_newbuf(s, buf->cap * 2);
        int64_t i;
        if (!nb) return 0;
        for (i = t; i < b; ++i)
            actor__stp(&actor__dq_items(nb)[i & (nb->cap - 1)],
                       actor__ldp(&actor__dq_items(buf)[i & (buf->cap - 1)], ACTOR__RELAXED), ACTOR__RELAXED);
        nb->retired = buf;
        /* release: thieves that load the new buffer see its items */
        actor__stp(&d->buf, nb, ACTOR__RELEASE);
        buf = nb;
    }
    actor__stp(&actor__dq_items(buf)[b & (buf->cap - 1)], a, ACTOR__RELAXED);
    /* release: the item (and the actor it points to) before the new bottom */
    actor__st64((uint64_t *)&d->bottom, (uint64_t)(b + 1), ACTOR__RELEASE);
    return 1;
}

/* Owner only: LIFO end. */
static actor_context *actor__dq_take(actor__deque *d) {
    int64_t b = (int64_t)actor__ld64((uint64_t *)&d->bottom, ACTOR__RELAXED) - 1;
    actor__dqbuf *buf = (actor__dqbuf *)actor__ldp(&d->buf, ACTOR__RELAXED);
    int64_t t;
    actor_context *a = NULL;
    actor__st64((uint64_t *)&d->bottom, (uint64_t)b, ACTOR__RELAXED);
    /* seq_cst fence: the bottom store and the top load must not reorder
       (StoreLoad), or owner and thief could both take the last item */
    actor__fence_seq_cst();
    t = (int64_t)actor__ld64((uint64_t *)&d->top, ACTOR__RELAXED);
    if (t <= b) {
        a = (actor_context *)actor__ldp(&actor__dq_items(buf)[b & (buf->cap - 1)], ACTOR__RELAXED);
        if (t == b) { /* last item: race the thieves for it */
            if (!actor__cas64((uint64_t *)&d->top, (uint64_t *)&t, (uint64_t)(t + 1), ACTOR__SEQ_CST)) a = NULL;
            actor__st64((uint64_t *)&d->bottom, (uint64_t)(b + 1), ACTOR__RELAXED);
        }
    } else {
        actor__st64((uint64_t *)&d->bottom, (uint64_t)(b + 1), ACTOR__RELAXED);
    }
    return a;
}

/* Any thread (the owner too, for FIFO fairness): oldest end. */
static actor_context *actor__dq_steal(actor__deque *d) {
    /* acquire + seq_cst fence: mirror of take's StoreLoad */
    int64_t t = (int64_t)actor__ld64((uint64_t *)&d->top, ACTOR__ACQUIRE), b;
    actor__fence_seq_cst();
    b = (int64_t)actor__ld64((uint64_t *)&d->bottom, ACTOR__ACQUIRE);
    if (t < b) {
        actor__dqbuf *buf = (actor__dqbuf *)actor__ldp(&d->buf, ACTOR__ACQUIRE);
        actor_context *a = (actor_context *)actor__ldp(&actor__dq_items(buf)[t & (buf->cap - 1)], ACTOR__RELAXED);
        if (actor__cas64((uint64_t *)&d->top, (uint64_t *)&t, (uint64_t)(t + 1), ACTOR__SEQ_CST)) return a;
    }
    return NULL;
}

static int64_t actor__dq_size(actor__deque *d) {
    int64_t b = (int64_t)actor__ld64((uint64_t *)&d->bottom, ACTOR__SEQ_CST);
    int64_t t = (int64_t)actor__ld64((uint64_t *)&d->top, ACTOR__SEQ_CST);
    return b - t;
}

/* >>inject: Vyukov intrusive MPSC; consumers serialise through `busy` ---- */

#define actor__of_run(n) ((actor_context *)((char *)(n) - offsetof(actor_context, run)))

static void actor__inject_init(actor__inject *q) {
    q->stub.next = NULL;
    q->head = &q->stub;
    q->tail = &q->stub;
    q->busy = 0;
    q->len = 0;
}

static void actor__inject_push_node(actor__inject *q, actor__mnode *n) {
    actor__mnode *prev;
    actor__stp(&n->next, NULL, ACTOR__RELAXED);
    /* acq_rel exchange + release link: as in the mailbox */
    prev = (actor__mnode *)actor__xchgp(&q->head, n, ACTOR__ACQ_REL);
    actor__stp(&prev->next, n, ACTOR__RELEASE);
}

static void actor__inject_push(actor__inject *q, actor_context *a) {
    /* seq_cst: a worker about to park re-reads len after announcing itself */
    actor__add32(&q->len, 1u, ACTOR__SEQ_CST);
    actor__inject_push_node(q, &a->run);
}

static actor_context *actor__inject_pop(actor__inject *q) {
    actor__mnode *tail, *next, *head;
    actor_context *a = NULL;
    if (!actor__ld32(&q->len, ACTOR__RELAXED)) return NULL;
    /* acquire: the previous consumer's updates of tail are visible */
    if (actor__xchg32(&q->busy, 1u, ACTOR__ACQUIRE)) return NULL;
    tail = q->tail;
    next = (actor__mnode *)actor__ldp(&tail->next, ACTOR__ACQUIRE);
    if (tail == &q->stub) {
        if (!next) goto out;
        q->tail = next;
        tail = next;
        next = (actor__mnode *)actor__ldp(&next->next, ACTOR__ACQUIRE);
    }
    if (next) { q->tail = next; a = actor__of_run(tail); goto out; }
    head = (actor__mnode *)actor__ldp(&q->head, ACTOR__ACQUIRE);
    if (tail != head) goto out; /* a producer is mid-push: try again later */
    actor__inject_push_node(q, &q->stub);
    next = (actor__mnode *)actor__ldp(&tail->next, ACTOR__ACQUIRE);
    if (next) { q->tail = next; a = actor__of_run(tail); }
out:
    if (a) actor__add32(&q->len, (uint32_t)-1, ACTOR__RELAXED);
    /* release: hand our tail updates to the next consumer */
    actor__st32(&q->busy, 0u, ACTOR__RELEASE);
    return a;
}

/* The monotonic instant a wait of timeout_ms ends (0 = never: negative
   timeouts wait forever, and so do ones too long to represent). */
static uint64_t actor__until_ns(int64_t timeout_ms) {
    uint64_t now = actor_now_ns();
    if (timeout_ms < 0 || (uint64_t)timeout_ms > (UINT64_MAX - now) / 1000000ULL) return 0;
    return now + (uint64_t)timeout_ms * 1000000ULL;
}

/* Milliseconds left until `until` (rounded up), 0 when it has passed. */
static int64_t actor__ms_left(uint64_t until) {
    uint64_t now = actor_now_ns();
    return now >= until ? 0 : (int64_t)((until - now + 999999ULL) / 1000000ULL);
}

/* The longest single park: callers loop on their own deadline, and a day
   keeps every platform's timeout type (DWORD ms, time_t) far from overflow. */
#define ACTOR__PARK_MAX_MS 86400000

/* The system whose behaviours this thread runs (a worker, or a thread
   inside actor_host_run): such a thread must not destroy that system. */
#if defined(_MSC_VER)
#define ACTOR__TLS __declspec(thread)
#elif defined(__cplusplus) && __cplusplus >= 201103L
#define ACTOR__TLS thread_local
#else
#define ACTOR__TLS __thread
#endif
/* The systems this thread is running inside, innermost first: a worker's
   own, then those of any manual hosts pumped from a behaviour (frames live
   on the stack of actor__worker_main / actor_host_run). destroy refuses a
   system found anywhere in the chain: it would free the thread it runs on. */
typedef struct actor__entered { actor_system *sys; struct actor__entered *outer; } actor__entered;
static ACTOR__TLS actor__entered *actor__tls_entered;

static int actor__thread_inside(const actor_system *s) {
    const actor__entered *e;
    for (e = actor__tls_entered; e; e = e->outer)
        if (e->sys == s) return 1;
    return 0;
}

/* >>timers: hierarchical wheel, 6 levels x 64 slots, 1 ms resolution ------- */
/* All wheel state is under timer_lock (insert/cancel are O(1); the lock is
   not on the message path). `next_deadline` mirrors the earliest
   expiration for idle threads to read without the lock. */

static uint64_t actor__now_ms(actor_system *s) { return (actor_now_ns() - s->start_ns) / 1000000ULL; }

/* First wheel millisecond at or after now + delay: rounding up means a
   timer never fires before its delay has fully passed. */
static uint64_t actor__deadline_ms(actor_system *s, uint64_t delay_ms) {
    uint64_t ns = actor_now_ns() - s->start_ns;
    if (delay_ms > (UINT64_MAX - ns) / 2000000ULL) return ACTOR__NO_DEADLINE - 1;
    return (ns + delay_ms * 1000000ULL + 999999ULL) / 1000000ULL;
}

static void actor__wheel_insert(actor_system *s, actor__timer *t) {
    uint64_t when = t->deadline < s->elapsed ? s->elapsed : t->deadline;
    const uint64_t horizon = (1ull << (ACTOR__WHEEL_BITS * ACTOR__WHEEL_LEVELS)) - 1;
    int level, slot;
    /* The level is where `when` first differs from `elapsed`, so every timer
       on a level sits ahead of the level's current slot (no wrap-around).
       A deadline past the top level's current block (far away, or just
       across a 2^36 ms boundary) waits at the block's last millisecond and
       is re-placed from there; at that very millisecond it waits in level
       0's slot 0, which actor__wheel_next reads as the next millisecond. */
    if ((s->elapsed ^ when) > horizon) {
        when = s->elapsed | horizon;
        if (when == s->elapsed) when = s->elapsed + 1 - ACTOR__WHEEL_SLOTS; /* digit 0 of this level-0 block */
    }
    level = (63 - actor__clz64((s->elapsed ^ when) | (ACTOR__WHEEL_SLOTS - 1))) / ACTOR__WHEEL_BITS;
    slot = (int)((when >> (level * ACTOR__WHEEL_BITS)) & (ACTOR__WHEEL_SLOTS - 1));
    t->level = (uint8_t)level;
    t->slot = (uint8_t)slot;
    t->prev = NULL;
    t->next = s->wheel[level][slot];
    if (t->next) t->next->prev = t;
    s->wheel[level][slot] = t;
    s->occupied[level] |= 1ull << slot;
}

static void actor__wheel_remove(actor_system *s, actor__timer *t) {
    if (t->prev) t->prev->next = t->next;
    else s->wheel[t->level][t->slot] = t->next;
    if (t->next) t->next->prev = t->prev;
    if (!s->wheel[t->level][t->slot]) s->occupied[t->level] &= ~(1ull << t->slot);
}

/* Start time of the earliest occupied slot, and where it is. Lower levels
   always expire first, so the first non-empty level decides. */
static uint64_t actor__wheel_next(actor_system *s, int *out_level, int *out_slot) {
    int level;
    for (level = 0; level < ACTOR__WHEEL_LEVELS; ++level) {
        int shift = level * ACTOR__WHEEL_BITS;
        uint64_t occ = s->occupied[level], ahead;
        int digit, slot;
        if (!occ) continue;
        digit = (int)((s->elapsed >> shift) & (ACTOR__WHEEL_SLOTS - 1));
        ahead = occ & (~0ull << digit);
        slot = actor__ctz64(ahead ? ahead : occ);
        *out_level = level;
        *out_slot = slot;
        {
            uint64_t block = ACTOR__WHEEL_BITS * (level + 1) >= 64 ? 0 :
                             s->elapsed & ~((1ull << (ACTOR__WHEEL_BITS * (level + 1))) - 1);
            uint64_t start = block + ((uint64_t)slot << shift);
            if (!ahead) start += 1ull << (ACTOR__WHEEL_BITS * (level + 1)); /* defensive: wrapped */
            return start < s->elapsed ? s->elapsed : start;
        }
    }
    return ACTOR__NO_DEADLINE;
}

static void actor__timers_publish(actor_system *s) {
    int l, sl;
    /* seq_cst: pairs with idle threads that announce themselves and then
       read next_deadline (Dekker); see actor__wake_keeper */
    actor__st64(&s->next_deadline, actor__wheel_next(s, &l, &sl), ACTOR__SEQ_CST);
}

/* Moves every timer due at `now` onto *fired (linked through next). */
static void actor__wheel_advance(actor_system *s, uint64_t now, actor__timer **fired) {
    int level, slot;
    uint64_t start;
    while ((start = actor__wheel_next(s, &level, &slot)) <= now) {
        actor__timer *t = s->wheel[level][slot];
        s->wheel[level][slot] = NULL;
        s->occupied[level] &= ~(1ull << slot);
        s->elapsed = start;
        while (t) {
            actor__timer *nx = t->next;
            if (t->deadline <= s->elapsed) { t->next = *fired; *fired = t; }
            else actor__wheel_insert(s, t); /* cascade to a finer level */
            t = nx;
        }
    }
    if (now > s->elapsed) s->elapsed = now;
}

/* Timer structs are kept in a table and reused; ids carry a generation. */
static actor__timer *actor__timer_new(actor_system *s) {
    actor__timer *t;
    if (s->timer_free == UINT32_MAX) {
        if (s->ntimers == s->timer_cap) {
            uint32_t cap = s->timer_cap ? s->timer_cap * 2 : 64;
            actor__timer **tab = (actor__timer **)actor__alloc(s, cap * sizeof(*tab));
            if (!tab) return NULL;
            if (s->ntimers) memcpy(tab, s->timer_table, s->ntimers * sizeof(*tab));
            actor__free(s, s->timer_table, s->timer_cap * sizeof(*tab));
            s->timer_table = tab;
            s->timer_cap = cap;
        }
        t = (actor__timer *)actor__alloc(s, sizeof(actor__timer));
        if (!t) return NULL;
        memset(t, 0, sizeof(*t));
        t->index = s->ntimers;
        t->gen = 1;
        s->timer_table[s->ntimers++] = t;
    } else {
        t = s->timer_table[s->timer_free];
        s->timer_free = (uint32_t)t->owner; /* free list threads through owner */
    }
    t->armed = 1;
    actor__add64(&s->n_timers_armed, 1u, ACTOR__RELAXED);
    return t;
}

static void actor__timer_recycle(actor_system *s, actor__timer *t) {
    actor__add64(&s->n_timers_armed, (uint64_t)0 - 1u, ACTOR__RELAXED);
    t->armed = 0;
    t->msg = NULL;
    if (++t->gen == 0) t->gen = 1;
    t->owner = s->timer_free;
    s->timer_free = t->index;
}

static void actor__timer_owner_link(actor_context *a, actor__timer *t) {
    actor__timer *head = (actor__timer *)actor__ldp(&a->timers, ACTOR__RELAXED);
    if (head && head->kind == ACTOR__T_DEADLINE) { /* the deadline stays first: actor__timer_arm looks for it there */
        /* (the list is not empty, so actor__exit's look at it cannot miss t) */
        t->oprev = head;
        t->onext = head->onext;
        if (head->onext) head->onext->oprev = t;
        head->onext = t;
        return;
    }
    t->oprev = NULL;
    t->onext = head;
    if (head) head->oprev = t;
    /* seq_cst: Dekker with actor__exit (clears ALIVE, then reads timers) */
    actor__stp(&a->timers, t, ACTOR__SEQ_CST);
}

static void actor__timer_owner_unlink(actor_context *a, actor__timer *t) {
    if (t->oprev) t->oprev->onext = t->onext;
    else actor__stp(&a->timers, t->onext, ACTOR__RELAXED);
    if (t->onext) t->onext->oprev = t->oprev;
}

static void actor__wake_keeper(actor_system *s);

/* After arming (timer_lock held): publishes the next deadline, unlocks, and
   wakes the keeper when the new timer became the earliest. */
static void actor__timers_unlock_armed(actor_system *s) {
    uint64_t before = actor__ld64(&s->next_deadline, ACTOR__RELAXED);
    actor__timers_publish(s);
    actor__unlock(&s->timer_lock);
    if (actor__ld64(&s->next_deadline, ACTOR__RELAXED) < before) actor__wake_keeper(s);
}

/* An actor has at most one cancel deadline, the earliest asked for (the
   first of its timer list): a later one is covered by it, an earlier one
   moves it. So repeated cancels cost no memory. 1 = handled, under the lock. */
static int actor__deadline_merge(actor_system *s, actor_context *a, uint64_t deadline) {
    actor__timer *t = (actor__timer *)actor__ldp(&a->timers, ACTOR__RELAXED);
    if (!t || t->kind != ACTOR__T_DEADLINE) return 0;
    if (deadline < t->deadline) {
        actor__wheel_remove(s, t);
        t->deadline = deadline;
        actor__wheel_insert(s, t);
    }
    return 1;
}

/* Arms a timer for actor `a` (alive, and held by the caller). Returns 0 on
   no memory; 2 when `a` ended meanwhile (msg not consumed); 3 when a cancel
   deadline was merged into the one `a` has (msg not consumed). */
static int actor__timer_arm(actor_system *s, actor_context *a, uint64_t deadline, int kind,
                            actor__msg *msg, actor_timer *out) {
    actor__timer *t;
    actor__lock(&s->timer_lock);
    if (kind == ACTOR__T_DEADLINE && actor__deadline_merge(s, a, deadline)) {
        actor__timers_unlock_armed(s);
        return 3;
    }
    t = actor__timer_new(s);
    if (!t) { actor__unlock(&s->timer_lock); return 0; }
    t->kind = (uint8_t)kind;
    t->deadline = deadline;
    t->owner = actor__id_of(a).value;
    t->msg = msg;
    actor__timer_owner_link(a, t);
    /* seq_cst: the other half of the Dekker pair with actor__exit */
    if (!(actor__ld64(&a->word, ACTOR__SEQ_CST) & ACTOR__W_ALIVE)) {
        actor__timer_owner_unlink(a, t);
        actor__timer_recycle(s, t);
        actor__unlock(&s->timer_lock);
        return 2;
    }
    if (kind == ACTOR__T_USER) msg->aux.u64 = ((uint64_t)t->gen << 32) | t->index;
    if (out) out->value = ((uint64_t)t->gen << 32) | t->index;
    actor__wheel_insert(s, t);
    actor__timers_unlock_armed(s);
    return 1;
}

/* Cancels the timers `a` owns: all of them (an ending actor), or only its
   user timers (actor_cancel_timers). Returns how many. */
static int actor__timers_drop(actor_system *s, actor__worker *w, actor_context *a, int user_only) {
    actor__msg *msgs = NULL;
    actor__timer *t, *next;
    int n = 0;
    actor__lock(&s->timer_lock);
    for (t = (actor__timer *)actor__ldp(&a->timers, ACTOR__RELAXED); t; t = next) {
        next = t->onext;
        if (user_only && t->kind != ACTOR__T_USER) continue;
        actor__timer_owner_unlink(a, t);
        actor__wheel_remove(s, t);
        t->msg->node.next = msgs;
        msgs = t->msg;
        actor__timer_recycle(s, t);
        ++n;
    }
    actor__timers_publish(s);
    actor__unlock(&s->timer_lock);
    while (msgs) {
        actor__msg *nx = (actor__msg *)msgs->node.next;
        actor__msg_free(s, w, msgs);
        msgs = nx;
    }
    return n;
}

static void actor__push(actor_system *s, actor__worker *w, actor_context *a, actor__msg *m);
static void actor__force_exit(actor_system *s, actor__worker *w, actor_context *a, actor__reason *r, actor__msg *wake);

/* Fires every due timer: user timers become ACTOR_TIMER messages, cancel
   deadlines force-end their actor. Safe from any thread. */
static void actor__run_timers(actor_system *s, actor__worker *w) {
    actor__timer *fired = NULL, *t;
    uint64_t now = actor__now_ms(s);
    if (now < actor__ld64(&s->next_deadline, ACTOR__ACQUIRE)) return;
    actor__lock(&s->timer_lock);
    actor__wheel_advance(s, now, &fired);
    for (t = fired; t; t = t->next) { /* no longer cancellable */
        actor__timer_owner_unlink(actor__slot(s, (uint32_t)t->owner), t);
        t->armed = 0;
    }
    actor__timers_publish(s);
    actor__unlock(&s->timer_lock);
    while (fired) {
        actor__timer *nx = fired->next;
        actor_context *a = actor__acquire(s, fired->owner);
        actor__msg *m = fired->msg;
        if (!a) {
            actor__msg_free(s, w, m);
        } else {
            if (fired->kind == ACTOR__T_USER) actor__push(s, w, a, m);
            else actor__force_exit(s, w, a, &actor__r_deadline, m);
            actor__release(s, w, a);
        }
        actor__add64(&s->n_timers, 1u, ACTOR__RELAXED);
        actor__lock(&s->timer_lock);
        actor__timer_recycle(s, fired);
        actor__unlock(&s->timer_lock);
        fired = nx;
    }
}

/* >>registry: chained hash table under a reader-writer lock ------------------ */

static uint32_t actor__hash_str(const char *p, size_t n) {
    uint32_t h = 2166136261u;
    while (n--) { h ^= (uint8_t)*p++; h *= 16777619u; }
    return h;
}

static actor_result actor__check_name(const char *name, size_t *len) {
    if (!name || !*name) return ACTOR_ERR_INVALID;
    *len = strlen(name);
    return *len > ACTOR_NAME_MAX ? ACTOR_ERR_LIMIT : ACTOR_OK;
}

static actor__name **actor__reg_slot(actor_system *s, const char *name, size_t len, uint32_t h) {
    actor__name **pp = &s->buckets[h & (s->nbuckets - 1)];
    while (*pp && !((*pp)->hash == h && (*pp)->len == len && !memcmp(actor__name_str(*pp), name, len)))
        pp = &(*pp)->bnext;
    return pp;
}

static void actor__reg_grow(actor_system *s) {
    uint32_t n = s->nbuckets * 2, i;
    actor__name **b = (actor__name **)actor__alloc(s, n * sizeof(*b));
    if (!b) return; /* keep the current size; chains just get longer */
    memset(b, 0, n * sizeof(*b));
    for (i = 0; i < s->nbuckets; ++i) {
        actor__name *e = s->buckets[i];
        while (e) {
            actor__name *nx = e->bnext;
            e->bnext = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
            e = nx;
        }
    }
    actor__free(s, s->buckets, s->nbuckets * sizeof(*b));
    s->buckets = b;
    s->nbuckets = n;
}

/* Under the write lock. `a` is the owner; 0 ok / EXISTS / NO_MEMORY. */
static actor_result actor__reg_insert(actor_system *s, actor_context *a, uint64_t id, const char *name, size_t len) {
    uint32_t h = actor__hash_str(name, len);
    actor__name **pp = actor__reg_slot(s, name, len, h), *n, *head;
    if (*pp) return (*pp)->id == id ? ACTOR_OK : ACTOR_ERR_EXISTS;
    n = (actor__name *)actor__alloc(s, sizeof(actor__name) + len + 1);
    if (!n) return ACTOR_ERR_NO_MEMORY;
    memcpy(actor__name_str(n), name, len + 1);
    n->hash = h;
    n->len = (uint32_t)len;
    n->id = id;
    n->owner = a;
    n->bnext = NULL;
    *pp = n;
    head = (actor__name *)a->names;
    n->oprev = NULL;
    n->onext = head;
    if (head) head->oprev = n;
    a->names = n;
    if (++s->nnames > s->nbuckets) actor__reg_grow(s);
    return ACTOR_OK;
}

/* Under the write lock. */
static void actor__reg_remove(actor_system *s, actor__name *n) {
    actor__name **pp = &s->buckets[n->hash & (s->nbuckets - 1)];
    while (*pp != n) pp = &(*pp)->bnext;
    *pp = n->bnext;
    if (n->oprev) n->oprev->onext = n->onext;
    else n->owner->names = n->onext;
    if (n->onext) n->onext->oprev = n->oprev;
    s->nnames--;
    actor__free(s, n, sizeof(actor__name) + n->len + 1);
}

static void actor__reg_drop_owner(actor_system *s, actor_context *a) {
    actor__wrlock(&s->reg_lock);
    while (a->names) actor__reg_remove(s, (actor__name *)a->names);
    actor__wrunlock(&s->reg_lock);
}

/* >>peers: open-addressing set of (peer id -> link/monitor flags) ----------- */
/* Touched only by the thread running the owning actor, so no lock. */

static uint32_t actor__peer_home(uint64_t id, uint32_t cap) {
    return (uint32_t)((id * 0x9E3779B97F4A7C15ull) >> 40) % cap;
}

/* Capacities are 3 * 2^k (3 holds the usual two peers of a linked child —
   parent and its own child — in a 128-byte block), so probing wraps by
   comparison rather than by mask. */
static uint32_t actor__peer_next(uint32_t i, uint32_t cap) { return i + 1 == cap ? 0 : i + 1; }

static actor__peer *actor__peer_find(actor__peers *ps, uint64_t id) {
    uint32_t i;
    actor__peer *e;
    if (!ps || !id) return NULL; /* 0 marks an empty slot: never a peer */
    e = actor__peer_at(ps);
    for (i = actor__peer_home(id, ps->cap);; i = actor__peer_next(i, ps->cap)) {
        if (e[i].id == id) return &e[i];
        if (!e[i].id) return NULL;
    }
}

static actor__peer *actor__peer_slot_for(actor__peers *ps, uint64_t id) {
    actor__peer *e = actor__peer_at(ps);
    uint32_t i = actor__peer_home(id, ps->cap);
    while (e[i].id && e[i].id != id) i = actor__peer_next(i, ps->cap);
    return &e[i];
}

static size_t actor__peers_bytes(uint32_t cap) { return sizeof(actor__peers) + cap * sizeof(actor__peer); }

/* An empty peer set of `cap` entries, pooled like messages when small. */
static actor__peers *actor__peers_new(actor_system *s, actor__worker *w, uint32_t cap) {
    size_t bytes = actor__peers_bytes(cap);
    int c = actor__class_of(bytes);
    actor__peers *ps = (actor__peers *)(c != ACTOR__CLASS_EXACT ? actor__pool_get(s, w, c) : actor__alloc(s, bytes));
    if (!ps) return NULL;
    ps->cap = cap;
    ps->count = 0;
    memset(actor__peer_at(ps), 0, cap * sizeof(actor__peer));
    return ps;
}

static void actor__peers_free(actor_system *s, actor__worker *w, actor__peers *ps) {
    size_t bytes = actor__peers_bytes(ps->cap);
    int c = actor__class_of(bytes);
    if (c != ACTOR__CLASS_EXACT) actor__pool_put(s, w, c, ps);
    else actor__free(s, ps, bytes);
}

/* Room for `extra` more entries (load factor <= 3/4). 0 on no memory. */
static int actor__peers_reserve(actor_system *s, actor__worker *w, actor_context *a, uint32_t extra) {
    actor__peers *ps = a->peers, *np;
    uint32_t cap = ps ? ps->cap : 0, need = (ps ? ps->count : 0) + extra, i;
    if (need * 4 <= cap * 3) return 1;
    if (!cap) cap = 3;
    while (need * 4 > cap * 3) cap *= 2;
    if (!(np = actor__peers_new(s, w, cap))) return 0;
    if (ps) {
        actor__peer *e = actor__peer_at(ps);
        for (i = 0; i < ps->cap; ++i)
            if (e[i].id) { *actor__peer_slot_for(np, e[i].id) = e[i]; np->count++; }
        actor__peers_free(s, w, ps);
    }
    a->peers = np;
    return 1;
}

/* Find or add (room must have been reserved). */
static actor__peer *actor__peer_get(actor_context *a, uint64_t id) {
    actor__peer *e = actor__peer_slot_for(a->peers, id);
    if (!e->id) {
        e->id = id;
        e->flags = 0;
        e->exit_node = e->link_node = NULL;
        a->peers->count++;
    }
    return e;
}

/* Removes an entry with no flags left (backward-shift deletion keeps
   every other entry reachable from its home slot). */
static void actor__peer_forget(actor_context *a, actor__peer *victim) {
    actor__peers *ps = a->peers;
    actor__peer *e = actor__peer_at(ps);
    uint32_t hole = (uint32_t)(victim - e), j = hole;
    memset(&e[hole], 0, sizeof e[hole]);
    ps->count--;
    for (;;) {
        uint32_t home;
        j = actor__peer_next(j, ps->cap);
        if (!e[j].id) break;
        home = actor__peer_home(e[j].id, ps->cap);
        /* move e[j] into the hole unless its home lies cyclically in (hole, j] */
        if ((j > hole) ? (home <= hole || home > j) : (home <= hole && home > j)) {
            e[hole] = e[j];
            memset(&e[j], 0, sizeof e[j]);
            hole = j;
        }
    }
}

static void actor__peer_clear(actor_system *s, actor__worker *w, actor_context *a, actor__peer *e, uint32_t flag) {
    if (!(e->flags & flag)) return;
    e->flags &= ~flag;
    if (flag == ACTOR__P_WATCHED && e->exit_node) { actor__msg_free(s, w, e->exit_node); e->exit_node = NULL; }
    if (flag == ACTOR__P_LINK && e->link_node) { actor__msg_free(s, w, e->link_node); e->link_node = NULL; }
    if (!e->flags) actor__peer_forget(a, e);
}

/* >>signals ------------------------------------------------------------------ */

static void actor__notify_work(actor_system *s, actor_host *h);

static void actor__enqueue_local(actor_system *s, actor__worker *w, actor_context *a) {
    if (!actor__dq_push(s, &w->deque, a)) actor__inject_push(&w->host->inject, a); /* deque could not grow */
    actor__notify_work(s, w->host);
}

/* Makes an idle actor runnable. `w` is the calling thread's worker or NULL. */
static void actor__schedule(actor_system *s, actor__worker *w, actor_context *a) {
    actor_host *h = a->host;
    if (h->kind == ACTOR__HOST_ATTACHED) { actor__unpark(&h->parker); return; }
    if (w && w->host == h) {
        /* LIFO slot: the actor we just woke runs next on this core */
        actor_context *prev = w->next;
        w->next = a;
        if (prev) actor__enqueue_local(s, w, prev);
        return;
    }
    actor__inject_push(&h->inject, a);
    actor__notify_work(s, h);
}

/* Pushes m into a (the caller holds a reference) and schedules a if it was idle. */
static void actor__push(actor_system *s, actor__worker *w, actor_context *a, actor__msg *m) {
    if (actor__mb_push(a, &m->node)) actor__schedule(s, w, a);
    if (w) actor__count(&w->n_sent, 1);
    else actor__add64(&s->n_sent, 1u, ACTOR__RELAXED);
}

/* What a user message holds while it waits in a limited mailbox. */
static uint64_t actor__charge_of(const actor__msg *m) { return (uint64_t)sizeof(actor__msg) + m->size; }

static void actor__force_exit(actor_system *s, actor__worker *w, actor_context *a, actor__reason *r, actor__msg *wake);

/* Mailbox limits are kept in KiB, rounded up, to fit in the context's
   padding (at most 4 TiB; anything larger is as good as unbounded). */
static uint32_t actor__limit_kb(size_t bytes) {
    uint64_t kb = ((uint64_t)bytes + 1023u) >> 10;
    return kb > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)kb;
}

/* Pushes a user message, charging it to a limited mailbox. A message that
   would pass the limit is not queued: it becomes the wake-up that ends the
   receiver "memory limit exceeded" (or is dropped when another reason won).
   The counter and the limit are relaxed: they publish nothing but
   themselves, and the check is a snapshot anyway (concurrent senders may
   each pass it once; a limit changes only between non-zero values, so
   every queued message is charged and discharged alike). */
/* What anyone may send again and again is charged to a limited mailbox:
   user messages, CANCEL and the requests (MONITOR, LINK and their undoing).
   EXIT and LINK_DOWN come at most once per peer, timers from the actor
   itself. actor__dispatch discharges the same kinds. */
static int actor__charged(int kind) {
    return kind == ACTOR__K_MESSAGE || kind == ACTOR__K_CANCEL || kind == ACTOR__K_MONITOR ||
           kind == ACTOR__K_DEMONITOR || kind == ACTOR__K_LINK || kind == ACTOR__K_UNLINK;
}

/* Pushes m, charging a limited mailbox for the kinds above. Past the limit
   the receiver ends "memory limit exceeded" and m is dropped, except a
   request that carries its answer (MONITOR, LINK): it is queued all the
   same, so the answer reaches its sender when the receiver ends. */
static void actor__push_message(actor_system *s, actor__worker *w, actor_context *a, actor__msg *m) {
    uint32_t limit_kb = actor__ld32(&a->mb_limit_kb, ACTOR__RELAXED);
    if (limit_kb && actor__charged(m->kind)) {
        uint64_t bytes = actor__charge_of(m);
        if (actor__add64(&a->mb_queued, bytes, ACTOR__RELAXED) + bytes > (uint64_t)limit_kb << 10) {
            if ((m->kind == ACTOR__K_MONITOR || m->kind == ACTOR__K_LINK) && m->aux.carried) {
                actor__msg *wake = actor__msg_alloc(s, w, 0);
                actor__push(s, w, a, m); /* (stays charged: discharged if it is handled) */
                if (wake) actor__force_exit(s, w, a, &actor__r_overlimit, wake);
                return;
            }
            actor__add64(&a->mb_queued, (uint64_t)0 - bytes, ACTOR__RELAXED);
            if (m->moved) { /* keep the block (pooled: size 0), give the payload back now */
                actor__msg_drop_moved(m);
                m->size = 0;
            }
            actor__force_exit(s, w, a, &actor__r_overlimit, m);
            return;
        }
    }
    actor__push(s, w, a, m);
}

actor_result actor_set_mailbox_limit(actor_context *self, size_t bytes) {
    if (!self || !self->host || !bytes || !self->mb_limit_kb) return ACTOR_ERR_INVALID;
    actor__st32(&self->mb_limit_kb, actor__limit_kb(bytes), ACTOR__RELAXED);
    return ACTOR_OK;
}

/* The owner took a user message out of a limited mailbox. */
static void actor__discharge(actor_context *a, const actor__msg *m) {
    actor__add64(&a->mb_queued, (uint64_t)0 - actor__charge_of(m), ACTOR__RELAXED);
}

/* Sends m to `to`; m is consumed in every case (freed when `to` is gone). */
static actor_result actor__send_msg(actor_system *s, actor__worker *w, uint64_t to, actor__msg *m) {
    actor_context *a = actor__acquire(s, to);
    if (!a) { actor__msg_free(s, w, m); return ACTOR_ERR_NOT_FOUND; }
    actor__push_message(s, w, a, m);
    actor__release(s, w, a);
    return ACTOR_OK;
}

static void actor__send_signal(actor_system *s, actor__worker *w, uint64_t to, actor__msg *m, int kind,
                               uint64_t from, actor_host *from_host, actor__reason *r) {
    m->kind = (uint8_t)kind;
    m->from = from;
    m->from_host = from_host;
    m->aux.reason = r;
    actor__reason_retain(r);
    actor__send_msg(s, w, to, m);
}

/* The first reason wins; a losing refcounted reason is dropped. */
static int actor__set_exit(actor_system *s, actor_context *a, actor__reason *r) {
    void *none = NULL;
    /* acq_rel: the reason's contents travel with the pointer */
    if (actor__casp(&a->pending_exit, &none, r, ACTOR__ACQ_REL)) return 1;
    actor__reason_release(s, r);
    return 0;
}

/* Ends `a` from outside (terminate, deadline): flag, then wake it with `wake`. */
static void actor__force_exit(actor_system *s, actor__worker *w, actor_context *a, actor__reason *r, actor__msg *wake) {
    if (actor__set_exit(s, a, r)) {
        wake->kind = ACTOR__K_WAKE;
        actor__push(s, w, a, wake);
    } else {
        actor__msg_free(s, w, wake);
    }
}

/* Handles one popped message. Returns 1 with *pub filled when it is for
   the behaviour, 0 when it was bookkeeping or filtered out. */
static int actor__dispatch(actor_system *s, actor__worker *w, actor_context *a, actor__msg *m, actor_msg *pub) {
    actor__peer *e;
    switch (m->kind) {
    case ACTOR__K_MESSAGE:
    case ACTOR__K_CANCEL:
        if (a->mb_limit_kb) actor__discharge(a, m);
        break;
    case ACTOR__K_MONITOR:
    case ACTOR__K_LINK: {
        uint32_t flag = m->kind == ACTOR__K_MONITOR ? ACTOR__P_WATCHED : ACTOR__P_LINK;
        if (a->mb_limit_kb) actor__discharge(a, m);
        if (!actor__peers_reserve(s, w, a, 1)) {
            /* out of memory: end; the unconsumed carried node still answers
               the peer from actor__finalize, so nobody waits forever */
            actor__set_exit(s, a, &actor__r_nomem);
            return 0;
        }
        e = actor__peer_get(a, m->from);
        if (!(e->flags & flag)) {
            e->flags |= flag;
            if (flag == ACTOR__P_WATCHED) e->exit_node = m->aux.carried;
            else e->link_node = m->aux.carried;
            m->aux.carried = NULL;
        }
        return 0; /* a duplicate's carried node is freed with m */
    }
    case ACTOR__K_DEMONITOR:
    case ACTOR__K_UNLINK:
        if (a->mb_limit_kb) actor__discharge(a, m);
        if ((e = actor__peer_find(a->peers, m->from)) != NULL)
            actor__peer_clear(s, w, a, e, m->kind == ACTOR__K_DEMONITOR ? ACTOR__P_WATCHED : ACTOR__P_LINK);
        return 0;
    case ACTOR__K_EXIT:
        /* filter at the receiver: after demonitor, nothing from that peer */
        e = actor__peer_find(a->peers, m->from);
        if (!e || !(e->flags & ACTOR__P_MONITORING)) return 0;
        actor__peer_clear(s, w, a, e, ACTOR__P_MONITORING);
        break;
    case ACTOR__K_LINK_DOWN:
        e = actor__peer_find(a->peers, m->from);
        if (!e || !(e->flags & ACTOR__P_LINK)) return 0; /* unlinked meanwhile */
        actor__peer_clear(s, w, a, e, ACTOR__P_LINK);
        if (m->aux.reason->pub.kind == ACTOR_EXIT_NORMAL) return 0;
        if (!a->trap_links) { actor__set_exit(s, a, &actor__r_linked); return 0; }
        break;
    case ACTOR__K_WAKE:
        return 0;
    default:
        break;
    }
    pub->signal = (actor_signal)m->kind;
    pub->tag = m->tag;
    pub->from = actor_id_make(m->from);
    pub->data = m->data;
    pub->size = m->size;
    pub->reason = (m->kind == ACTOR__K_EXIT || m->kind == ACTOR__K_LINK_DOWN) ? &m->aux.reason->pub : NULL;
    pub->deadline = m->kind == ACTOR__K_CANCEL ? m->aux.u64 : 0;
    pub->timer.value = m->kind == ACTOR__K_TIMER ? m->aux.u64 : 0;
    pub->from_host = m->from_host;
    return 1;
}

/* >>exit --------------------------------------------------------------------- */

/* The host to show as a sender: attached pseudo-hosts are private. */
static actor_host *actor__public_host(const actor_context *a) {
    return a->host && a->host->kind != ACTOR__HOST_ATTACHED ? a->host : NULL;
}

static void actor__notify_peers(actor_system *s, actor__worker *w, actor_context *a, uint64_t id, actor__reason *r) {
    actor__peers *ps = a->peers;
    uint32_t i;
    if (!ps) return;
    a->peers = NULL;
    for (i = 0; i < ps->cap; ++i) {
        actor__peer *e = &actor__peer_at(ps)[i];
        if (!e->id) continue;
        if (e->exit_node) actor__send_signal(s, w, e->id, e->exit_node, ACTOR__K_EXIT, id, actor__public_host(a), r);
        if (e->link_node) actor__send_signal(s, w, e->id, e->link_node, ACTOR__K_LINK_DOWN, id, actor__public_host(a), r);
        if (e->flags & ACTOR__P_MONITORING) { /* the target can drop our monitor now (best effort) */
            actor__msg *m = actor__msg_alloc(s, w, 0);
            if (m) {
                m->kind = ACTOR__K_DEMONITOR;
                m->from = id;
                actor__send_msg(s, w, e->id, m);
            }
        }
    }
    actor__peers_free(s, w, ps);
}

/* Runs on the thread that ran the actor's last turn (or its attached
   thread). Order matters: the id goes stale, names go, timers go, the state
   destructor runs, then EXIT / LINK_DOWN leave — after every message this
   actor sent, through the same FIFO mailboxes. */
static void actor__exit(actor_system *s, actor__worker *w, actor_context *a) {
    actor__reason *r = (actor__reason *)actor__ldp(&a->pending_exit, ACTOR__ACQUIRE);
    uint64_t id = actor__id_of(a).value, old;
    /* seq_cst: sends fail from here on; also the Dekker partner of
       actor_register (NAMES bit) and actor__timer_arm (timers list). Our
       own reference stays until the end: the slot cannot be recycled under
       us by a sender dropping the last in-flight reference. */
    old = actor__add64(&a->word, (uint64_t)0 - ACTOR__W_ALIVE, ACTOR__SEQ_CST);
    if (old & ACTOR__W_NAMES) actor__reg_drop_owner(s, a);
    if (actor__ldp(&a->timers, ACTOR__SEQ_CST)) actor__timers_drop(s, w, a, 0);
    if (a->on_exit) {
        void (*on_exit)(actor_context *, const actor_exit_reason *) = a->on_exit;
        a->on_exit = NULL;
        on_exit(a, &r->pub);
    }
    if (a->state_dtor) {
        void (*dtor)(void *) = a->state_dtor;
        a->state_dtor = NULL;
        dtor(a->state);
    }
    actor__notify_peers(s, w, a, id, r);
    a->worker = NULL;
    actor__add64(&s->n_live, (uint64_t)-1, ACTOR__RELAXED);
    actor__add64(&s->n_exited, 1u, ACTOR__RELAXED);
    actor__release(s, w, a); /* the reference of being alive */
}

/* A MONITOR / LINK request that was never handled answers as if the
   actor had already ended when it arrived. */
static void actor__answer_late(actor_system *s, actor__worker *w, actor_context *a, actor__msg *m, uint64_t id,
                               actor__reason *r) {
    if ((m->kind == ACTOR__K_MONITOR || m->kind == ACTOR__K_LINK) && m->aux.carried) {
        actor__msg *c = m->aux.carried;
        m->aux.carried = NULL;
        actor__send_signal(s, w, m->from, c, m->kind == ACTOR__K_MONITOR ? ACTOR__K_EXIT : ACTOR__K_LINK_DOWN, id,
                           actor__public_host(a), r);
    }
}

/* Answers every MONITOR / LINK request still in the mailbox of an ended
   actor (the current stub included: one left unhandled for lack of memory). */
static void actor__answer_queued(actor_system *s, actor__worker *w, actor_context *a, uint64_t id, actor__reason *r) {
    actor__msg *m;
    if (a->mb_tail != &a->stub) actor__answer_late(s, w, a, (actor__msg *)a->mb_tail, id, r);
    while ((m = actor__mb_pop(s, w, a)) != NULL) actor__answer_late(s, w, a, m, id, r);
}

static void actor__host_free(actor_system *s, actor_host *h);

/* Last reference gone (no sender can push any more): drain and recycle. */
static void actor__finalize(actor_system *s, actor__worker *w, actor_context *a) {
    actor__reason *r = (actor__reason *)actor__ldp(&a->pending_exit, ACTOR__RELAXED);
    uint64_t word = actor__ld64(&a->word, ACTOR__ACQUIRE);
    uint64_t id = (word & 0xFFFFFFFF00000000ull) | a->index;
    uint32_t gen = ACTOR__W_GEN(word);
    actor__answer_queued(s, w, a, id, r);
    if (a->mb_tail != &a->stub) actor__msg_free(s, w, (actor__msg *)a->mb_tail);
    a->mb_tail = &a->stub;
    a->stub.next = NULL;
    if (r) actor__reason_release(s, r);
    actor__stp(&a->pending_exit, NULL, ACTOR__RELAXED);
    if (a->host->kind == ACTOR__HOST_ATTACHED) actor__host_free(s, a->host);
    a->host = NULL;
    a->fn = NULL;
    a->state = NULL;
    /* release: the reset slot is visible to the next spawn that takes it */
    actor__st64(&a->word, (uint64_t)gen << 32, ACTOR__RELEASE);
    if (gen != 0xFFFFFFFFu) actor__slot_free(s, w, a); /* else retired: ids never repeat */
}

/* >>scheduler ------------------------------------------------------------------- */

/* Re-queue behind everyone else (fairness after a full batch or a yield). */
static void actor__requeue(actor_system *s, actor__worker *w, actor_context *a) {
    actor__inject_push(&w->host->inject, a);
    if (w->next || actor__dq_size(&w->deque) > 0) actor__notify_work(s, w->host);
}

/* One turn of actor `a` on worker `w`: up to `batch` messages. */
static void actor__run(actor_system *s, actor__worker *w, actor_context *a) {
    uint32_t n = 0, spins = 0, again = 0;
    actor_msg pub;
    a->worker = w;
    if (actor__ldp(&a->pending_exit, ACTOR__ACQUIRE)) { actor__exit(s, w, a); return; }
    if (a->yield_requested) {
        a->yield_requested = 0;
        memset(&pub, 0, sizeof(pub));
        pub.signal = ACTOR_YIELD;
        a->fn(a, &pub);
        /* yielded again (still computing): the waiting messages (up to the
           batch, not counting the YIELD) are handled first, or an actor that
           yields every turn would never read its mailbox (messages, EXIT,
           CANCEL); the next turn starts with YIELD */
        again = a->yield_requested;
        a->yield_requested = 0;
    }
    while (n < s->batch) {
        actor__msg *m;
        if (actor__ldp(&a->pending_exit, ACTOR__ACQUIRE)) { actor__exit(s, w, a); return; }
        if (a->yield_requested) break; /* asked for by a message's handler: the turn ends */
        m = actor__mb_pop(s, w, a);
        if (!m) {
            if (again) break; /* runnable anyway: requeued, not idle */
            if (actor__mb_mark_idle(a)) return; /* from here on `a` may run elsewhere */
            if (++spins < 128) { actor__cpu_relax(); continue; }
            break; /* a producer stalls between exchange and link: come back later */
        }
        ++n;
        if (actor__dispatch(s, w, a, m, &pub)) a->fn(a, &pub);
    }
    if (again) a->yield_requested = 1;
    if (actor__ldp(&a->pending_exit, ACTOR__ACQUIRE)) { actor__exit(s, w, a); return; }
    actor__requeue(s, w, a);
}

/* Local work: LIFO slot, own deque, host queue, due timers. Every 61st
   call looks at the oldest work first so nothing starves. */
static actor_context *actor__find_local(actor_system *s, actor__worker *w) {
    actor_host *h = w->host;
    actor_context *a;
    if (++w->tick % 61 == 0) {
        actor__run_timers(s, w);
        if ((a = actor__inject_pop(&h->inject)) != NULL) return a;
        if ((a = actor__dq_steal(&w->deque)) != NULL) return a;
    }
    if ((a = w->next) != NULL) { w->next = NULL; return a; }
    if ((a = actor__dq_take(&w->deque)) != NULL) return a;
    if ((a = actor__inject_pop(&h->inject)) != NULL) return a;
    actor__run_timers(s, w);
    if ((a = w->next) != NULL) { w->next = NULL; return a; }
    return actor__dq_take(&w->deque);
}

static uint32_t actor__rand(actor__worker *w) {
    w->rng ^= w->rng << 13;
    w->rng ^= w->rng >> 7;
    w->rng ^= w->rng << 17;
    return (uint32_t)(w->rng >> 16);
}

/* Steal from a random victim (then the host queue); at most half of the
   workers search at once. */
static actor_context *actor__steal(actor__worker *w) {
    actor_host *h = w->host;
    int n = h->nworkers, round, i;
    if (n < 2) return NULL;
    if (!w->searching) {
        uint32_t st = actor__ld32(&h->state, ACTOR__SEQ_CST);
        if (2 * ACTOR__HS_NSEARCH(st) >= (uint32_t)n) return NULL;
        actor__add32(&h->state, ACTOR__HS_SEARCH, ACTOR__SEQ_CST);
        w->searching = 1;
    }
    for (round = 0; round < 2; ++round) {
        int start = (int)(actor__rand(w) % (uint32_t)n);
        actor_context *a;
        for (i = 0; i < n; ++i) {
            actor__worker *v = h->workers[(start + i) % n];
            if (v == w) continue;
            if ((a = actor__dq_steal(&v->deque)) != NULL) { actor__count(&w->n_steals, 1); return a; }
        }
        if ((a = actor__inject_pop(&h->inject)) != NULL) return a;
    }
    return NULL;
}

static int actor__wake_worker(actor_system *s, actor_host *h, int searching);

/* Found work while searching: stop counting as a searcher; the last
   searcher to find work wakes another so parallelism ramps up. */
static void actor__end_search(actor_system *s, actor__worker *w) {
    if (!w->searching) return;
    w->searching = 0;
    if (ACTOR__HS_NSEARCH(actor__add32(&w->host->state, (uint32_t)0 - ACTOR__HS_SEARCH, ACTOR__SEQ_CST)) == 1)
        actor__notify_work(s, w->host);
}

/* Wake one sleeping worker of `h` (as a searcher when `searching`).
   Returns 1 when one was woken. */
static int actor__wake_worker(actor_system *s, actor_host *h, int searching) {
    actor__worker *v = NULL;
    actor__lock(&h->idle_lock);
    if (h->nsleepers && !(searching && ACTOR__HS_NSEARCH(actor__ld32(&h->state, ACTOR__RELAXED)))) {
        v = h->sleepers[--h->nsleepers];
        v->sleeping = 0;
        v->searching = searching;
        actor__add32(&h->state, ACTOR__HS_UNPARK + (searching ? ACTOR__HS_SEARCH : 0u), ACTOR__SEQ_CST);
    }
    actor__unlock(&h->idle_lock);
    if (!v) return 0;
    actor__unpark(&v->parker);
    actor__add64(&s->n_wakeups, 1u, ACTOR__RELAXED);
    return 1;
}

/* Work became available on `h`: wake a parked worker only when nobody is
   searching and somebody sleeps (Go/tokio rule). */
static void actor__notify_work(actor_system *s, actor_host *h) {
    uint32_t st;
    /* seq_cst fence: our push is ordered before the state read; a parking
       worker announces itself (seq_cst) before re-checking the queues, so
       either we see it asleep or it sees our work (Dekker) */
    actor__fence_seq_cst();
    if (h->kind == ACTOR__HOST_MANUAL) {
        if (actor__ld32(&h->pump_waiting, ACTOR__SEQ_CST)) actor__unpark(&h->workers[0]->parker);
        return;
    }
    st = actor__ld32(&h->state, ACTOR__SEQ_CST);
    if (ACTOR__HS_NSEARCH(st) || ACTOR__HS_NUNPARK(st) >= (uint32_t)h->nworkers) return;
    actor__wake_worker(s, h, 1);
}

/* Threads waiting in actor_receive / actor_host_wait, for timer hand-off. */
typedef struct actor__waiter { actor__parker *parker; struct actor__waiter *prev, *next; } actor__waiter;

static void actor__waiter_add(actor_system *s, actor__waiter *wt, actor__parker *p);
static void actor__waiter_remove(actor_system *s, actor__waiter *wt);

/* A timer became the earliest: the keeper re-arms, or an idle thread is
   woken to become the keeper. Busy workers also look at timers regularly. */
static void actor__wake_keeper(actor_system *s) {
    actor__parker *k;
    uint32_t i, n;
    /* under host_lock: the keeper may be an attached thread's parker, and
       actor__host_free frees one only after passing through this lock, so
       never while it is being unparked here */
    actor__lock(&s->host_lock);
    if ((k = (actor__parker *)actor__ldp(&s->keeper, ACTOR__SEQ_CST)) != NULL) actor__unpark(k);
    actor__unlock(&s->host_lock);
    if (k) return;
    n = actor__ld32(&s->nhosts, ACTOR__ACQUIRE);
    for (i = 0; i < n; ++i)
        if (s->hosts[i]->kind == ACTOR__HOST_THREADS && actor__wake_worker(s, s->hosts[i], 0)) return;
    actor__lock(&s->host_lock);
    if (s->waiters) actor__unpark(((actor__waiter *)s->waiters)->parker);
    actor__unlock(&s->host_lock);
}

/* Sleep (an idle thread with nothing to do). Takes the keeper role when a
   timer is pending and nobody holds it: then it sleeps exactly until the
   next deadline and fires due timers on waking. Otherwise it sleeps
   without a timeout (beyond the caller's): an idle system uses no CPU.
   Returns 1 when it was the keeper. */
static int actor__idle_park(actor_system *s, actor__worker *w, actor__parker *p, int64_t timeout_ms) {
    uint64_t nd = actor__ld64(&s->next_deadline, ACTOR__SEQ_CST);
    int keeper = 0;
    if (nd != ACTOR__NO_DEADLINE) {
        void *none = NULL;
        if (actor__casp(&s->keeper, &none, p, ACTOR__SEQ_CST)) {
            uint64_t now = actor__now_ms(s);
            keeper = 1;
            /* re-read: the deadline may have moved while we took the role */
            nd = actor__ld64(&s->next_deadline, ACTOR__SEQ_CST);
            if (nd != ACTOR__NO_DEADLINE) {
                uint64_t d = nd > now ? nd - now : 0;
                int64_t until = d > ACTOR__PARK_MAX_MS ? ACTOR__PARK_MAX_MS : (int64_t)d;
                if (timeout_ms < 0 || until < timeout_ms) timeout_ms = until;
            }
        }
    }
    if (timeout_ms > ACTOR__PARK_MAX_MS) timeout_ms = ACTOR__PARK_MAX_MS;
    if (timeout_ms != 0) actor__park(p, timeout_ms);
    if (keeper) {
        void *me = p;
        actor__casp(&s->keeper, &me, NULL, ACTOR__SEQ_CST);
        actor__run_timers(s, w);
    }
    return keeper;
}

static int actor__host_has_work(actor_host *h) {
    int i;
    if (actor__ld32(&h->inject.len, ACTOR__SEQ_CST)) return 1;
    for (i = 0; i < h->nworkers; ++i)
        if (actor__dq_size(&h->workers[i]->deque) > 0) return 1;
    return 0;
}

static void actor__unsleep(actor_host *h, actor__worker *w) {
    actor__lock(&h->idle_lock);
    if (w->sleeping) {
        int i;
        for (i = 0; i < h->nsleepers; ++i)
            if (h->sleepers[i] == w) { h->sleepers[i] = h->sleepers[--h->nsleepers]; break; }
        w->sleeping = 0;
        actor__add32(&h->state, ACTOR__HS_UNPARK, ACTOR__SEQ_CST);
    }
    actor__unlock(&h->idle_lock);
}

/* Announce idleness, re-check every queue (no lost wake-up), then sleep. */
static void actor__keeper_handoff(actor_system *s, int was_keeper);

static void actor__park_worker(actor_system *s, actor__worker *w) {
    actor_host *h = w->host;
    uint32_t dec;
    int was_keeper = 0;
    actor__lock(&h->idle_lock);
    dec = ACTOR__HS_UNPARK + (w->searching ? ACTOR__HS_SEARCH : 0u);
    w->searching = 0;
    w->sleeping = 1;
    h->sleepers[h->nsleepers++] = w;
    /* seq_cst: announcement before the re-check below (see notify_work) */
    actor__add32(&h->state, (uint32_t)0 - dec, ACTOR__SEQ_CST);
    actor__unlock(&h->idle_lock);
    if (!actor__host_has_work(h) && !w->next && !actor__ld32(&h->stopping, ACTOR__SEQ_CST)) {
        actor__count(&w->n_parks, 1);
        was_keeper = actor__idle_park(s, w, &w->parker, -1);
    }
    actor__unsleep(h, w);
    /* the timers it fired may keep this worker busy: someone idle keeps
       the time for the ones still pending */
    actor__keeper_handoff(s, was_keeper);
}

static void actor__worker_main(void *arg) {
    actor__worker *w = (actor__worker *)arg;
    actor_system *s = w->sys;
    actor_host *h = w->host;
    actor__entered inside;
    inside.sys = s;
    inside.outer = NULL;
    actor__tls_entered = &inside;
    while (!actor__ld32(&h->stopping, ACTOR__ACQUIRE)) {
        actor_context *a = actor__find_local(s, w);
        if (!a) a = actor__steal(w);
        if (a) {
            actor__end_search(s, w);
            actor__run(s, w, a);
        } else {
            actor__park_worker(s, w);
        }
    }
}

static void actor__waiter_add(actor_system *s, actor__waiter *wt, actor__parker *p) {
    wt->parker = p;
    wt->prev = NULL;
    actor__lock(&s->host_lock);
    wt->next = (actor__waiter *)s->waiters;
    if (wt->next) wt->next->prev = wt;
    s->waiters = wt;
    actor__unlock(&s->host_lock);
}

static void actor__waiter_remove(actor_system *s, actor__waiter *wt) {
    actor__lock(&s->host_lock);
    if (wt->prev) wt->prev->next = wt->next;
    else s->waiters = wt->next;
    if (wt->next) wt->next->prev = wt->prev;
    actor__unlock(&s->host_lock);
}

/* >>hosts -------------------------------------------------------------------- */

static void actor__worker_free(actor_system *s, actor__worker *w) {
    actor__dqbuf *b = (actor__dqbuf *)w->deque.buf;
    int c;
    while (b) {
        actor__dqbuf *old = b->retired;
        actor__free(s, b, sizeof(actor__dqbuf) + (size_t)b->cap * sizeof(void *));
        b = old;
    }
    for (c = 0; c < ACTOR__CLASSES; ++c) {
        actor__msg *m = w->free_head[c];
        while (m) {
            actor__msg *nx = (actor__msg *)m->node.next;
            actor__free(s, m, actor__class_bytes[c]);
            m = nx;
        }
    }
    if (w->nslots) {
        actor__lock(&s->slot_lock);
        while (w->nslots) {
            actor_context *f = actor__slot(s, w->slots[--w->nslots]);
            f->free_next = s->free_top;
            s->free_top = f->index;
        }
        actor__unlock(&s->slot_lock);
    }
    actor__add64(&s->n_sent_gone, actor__ld64(&w->n_sent, ACTOR__RELAXED), ACTOR__RELAXED);
    actor__add64(&s->n_steals_gone, actor__ld64(&w->n_steals, ACTOR__RELAXED), ACTOR__RELAXED);
    actor__add64(&s->n_parks_gone, actor__ld64(&w->n_parks, ACTOR__RELAXED), ACTOR__RELAXED);
    actor__parker_destroy(&w->parker);
    actor__free(s, w, sizeof(*w));
}

static void actor__host_free(actor_system *s, actor_host *h) {
    int i;
    if (h->kind == ACTOR__HOST_ATTACHED) { /* wait out an actor__wake_keeper that may be unparking us */
        actor__lock(&s->host_lock);
        actor__unlock(&s->host_lock);
    }
    for (i = 0; i < h->nworkers; ++i)
        if (h->workers[i]) actor__worker_free(s, h->workers[i]);
    actor__free(s, h->workers, (size_t)h->nworkers * sizeof(*h->workers));
    actor__free(s, h->sleepers, (size_t)h->nworkers * sizeof(*h->sleepers));
    actor__mutex_destroy(&h->idle_lock);
    actor__parker_destroy(&h->parker);
    actor__free(s, h, sizeof(*h));
}

static actor_host *actor__host_new(actor_system *s, int kind, int nworkers) {
    actor_host *h = (actor_host *)actor__alloc(s, sizeof(actor_host));
    int i;
    if (!h) return NULL;
    memset(h, 0, sizeof(*h));
    h->sys = s;
    h->kind = kind;
    actor__inject_init(&h->inject);
    actor__mutex_init(&h->idle_lock);
    actor__parker_init(&h->parker);
    if (kind == ACTOR__HOST_ATTACHED) return h;
    h->workers = (actor__worker **)actor__alloc(s, (size_t)nworkers * sizeof(*h->workers));
    h->sleepers = (actor__worker **)actor__alloc(s, (size_t)nworkers * sizeof(*h->sleepers));
    if (!h->workers || !h->sleepers) {
        actor__free(s, h->workers, (size_t)nworkers * sizeof(*h->workers));
        actor__free(s, h->sleepers, (size_t)nworkers * sizeof(*h->sleepers));
        h->workers = h->sleepers = NULL;
        actor__host_free(s, h);
        return NULL;
    }
    memset(h->workers, 0, (size_t)nworkers * sizeof(*h->workers));
    h->nworkers = nworkers;
    for (i = 0; i < nworkers; ++i) {
        actor__worker *w = (actor__worker *)actor__alloc(s, sizeof(actor__worker));
        if (!w) { actor__host_free(s, h); return NULL; }
        memset(w, 0, sizeof(*w));
        w->sys = s;
        w->host = h;
        w->index = (uint32_t)i;
        w->rng = 0x9E3779B97F4A7C15ull ^ ((uint64_t)(uintptr_t)w * 0xBF58476D1CE4E5B9ull) ^ (uint64_t)i;
        if (!w->rng) w->rng = 1;
        actor__parker_init(&w->parker);
        h->workers[i] = w;
        w->deque.buf = actor__dq_newbuf(s, 256);
        if (!w->deque.buf) { actor__host_free(s, h); return NULL; }
    }
    /* every worker starts awake (unparked) */
    h->state = (uint32_t)nworkers * ACTOR__HS_UNPARK;
    return h;
}

static void actor__host_stop(actor_host *h) {
    int i;
    actor__st32(&h->stopping, 1u, ACTOR__SEQ_CST);
    actor__lock(&h->idle_lock);
    for (i = 0; i < h->nsleepers; ++i) h->sleepers[i]->sleeping = 0;
    h->nsleepers = 0;
    actor__unlock(&h->idle_lock);
    for (i = 0; i < h->nworkers; ++i) actor__unpark(&h->workers[i]->parker);
}

actor_result actor_host_create(actor_system *s, const actor_host_desc *desc, actor_host **out) {
    int workers = desc ? desc->workers : 0, kind, n, i, started = 0;
    const char *name = desc ? desc->name : NULL;
    char fallback[32];
    actor_host *h;
    size_t len;
    if (out) *out = NULL;
    if (!s || !out || workers < ACTOR_MANUAL) return ACTOR_ERR_INVALID;
    if (workers > 1024) return ACTOR_ERR_LIMIT;
    kind = workers == ACTOR_MANUAL ? ACTOR__HOST_MANUAL : ACTOR__HOST_THREADS;
    n = kind == ACTOR__HOST_MANUAL ? 1 : workers ? workers : actor__cpu_count();
    actor__lock(&s->host_lock);
    if (s->closing) { actor__unlock(&s->host_lock); return ACTOR_ERR_SHUTDOWN; }
    if (!name) { /* the first "host<N>" not taken */
        unsigned k;
        for (k = 0;; ++k) {
            snprintf(fallback, sizeof fallback, "host%u", k);
            for (i = 0; i < (int)s->nhosts && strcmp(s->hosts[i]->name, fallback); ++i) {}
            if (i == (int)s->nhosts) break;
        }
        name = fallback;
    }
    len = strlen(name);
    if (!len) { actor__unlock(&s->host_lock); return ACTOR_ERR_INVALID; }
    if (len > ACTOR_NAME_MAX || s->nhosts == ACTOR_MAX_HOSTS) { actor__unlock(&s->host_lock); return ACTOR_ERR_LIMIT; }
    for (i = 0; i < (int)s->nhosts; ++i)
        if (!strcmp(s->hosts[i]->name, name)) { actor__unlock(&s->host_lock); return ACTOR_ERR_EXISTS; }
    h = actor__host_new(s, kind, n);
    if (!h) { actor__unlock(&s->host_lock); return ACTOR_ERR_NO_MEMORY; }
    memcpy(h->name, name, len + 1);
    if (kind == ACTOR__HOST_THREADS) {
        for (started = 0; started < n; ++started)
            if (!actor__thread_start(&h->workers[started]->thread, actor__worker_main, h->workers[started])) break;
        if (started < n) { /* not published: undone outside the lock, which a stopping worker may need (keeper handoff) */
            actor__unlock(&s->host_lock);
            actor__host_stop(h);
            for (i = 0; i < started; ++i) actor__thread_join(&h->workers[i]->thread);
            actor__lock(&s->host_lock); /* wait out an actor__wake_keeper unparking one of them */
            actor__unlock(&s->host_lock);
            actor__host_free(s, h);
            actor__log(s, ACTOR_LOG_ERROR, "could not start a worker thread");
            return ACTOR_ERR_NO_MEMORY;
        }
        s->threads += (uint32_t)n;
    }
    s->hosts[s->nhosts] = h;
    /* release: the host is complete before readers that load nhosts see it */
    actor__st32(&s->nhosts, s->nhosts + 1, ACTOR__RELEASE);
    actor__unlock(&s->host_lock);
    *out = h;
    return ACTOR_OK;
}

actor_host *actor_host_find(actor_system *s, const char *name) {
    uint32_t i, n;
    if (!s || !name) return NULL;
    n = actor__ld32(&s->nhosts, ACTOR__ACQUIRE);
    for (i = 0; i < n; ++i)
        if (!strcmp(s->hosts[i]->name, name)) return s->hosts[i];
    return NULL;
}

const char *actor_host_name(const actor_host *h) { return h ? h->name : NULL; }
int actor_host_workers(const actor_host *h) { return !h ? 0 : h->kind == ACTOR__HOST_MANUAL ? ACTOR_MANUAL : h->nworkers; }
actor_system *actor_host_system(const actor_host *h) { return h ? h->sys : NULL; }

int actor_host_run(actor_host *h, int budget) {
    actor__worker *w;
    actor__entered inside; /* a pump may run inside another system's behaviour */
    int n = 0;
    if (!h || h->kind != ACTOR__HOST_MANUAL) return ACTOR_ERR_INVALID;
    w = h->workers[0];
    actor__run_timers(h->sys, w);
    inside.sys = h->sys;
    inside.outer = actor__tls_entered;
    actor__tls_entered = &inside;
    while (n < budget) {
        actor_context *a = actor__find_local(h->sys, w);
        if (!a) break;
        actor__run(h->sys, w, a);
        ++n;
    }
    actor__tls_entered = inside.outer;
    return n;
}

static int actor__pump_has_work(actor_host *h) {
    actor__worker *w = h->workers[0];
    return w->next || actor__dq_size(&w->deque) > 0 || actor__ld32(&h->inject.len, ACTOR__SEQ_CST) ||
           actor__now_ms(h->sys) >= actor__ld64(&h->sys->next_deadline, ACTOR__SEQ_CST);
}

/* Hand the keeper role on when a thread that held it leaves the runtime. */
static void actor__keeper_handoff(actor_system *s, int was_keeper) {
    if (was_keeper && actor__ld64(&s->next_deadline, ACTOR__SEQ_CST) != ACTOR__NO_DEADLINE &&
        !actor__ldp(&s->keeper, ACTOR__SEQ_CST))
        actor__wake_keeper(s);
}

actor_result actor_host_wait(actor_host *h, int64_t timeout_ms) {
    actor_system *s;
    actor__waiter wt;
    uint64_t until;
    int was_keeper = 0;
    actor_result r = ACTOR_OK;
    if (!h || h->kind != ACTOR__HOST_MANUAL) return ACTOR_ERR_INVALID;
    s = h->sys;
    until = actor__until_ns(timeout_ms);
    actor__waiter_add(s, &wt, &h->workers[0]->parker);
    for (;;) {
        int64_t left = -1;
        /* seq_cst: announce before re-checking (Dekker with notify_work) */
        actor__st32(&h->pump_waiting, 1u, ACTOR__SEQ_CST);
        if (actor__pump_has_work(h)) break;
        if (actor__xchg32(&h->pump_woken, 0u, ACTOR__SEQ_CST)) break;
        if (until && (left = actor__ms_left(until)) == 0) { r = ACTOR_ERR_TIMEOUT; break; }
        was_keeper = actor__idle_park(s, h->workers[0], &h->workers[0]->parker, left);
    }
    actor__st32(&h->pump_waiting, 0u, ACTOR__RELAXED);
    actor__waiter_remove(s, &wt);
    actor__keeper_handoff(s, was_keeper);
    return r;
}

actor_result actor_host_wake(actor_host *h) {
    if (!h || h->kind != ACTOR__HOST_MANUAL) return ACTOR_ERR_INVALID;
    /* seq_cst store then load, against the pump's store of pump_waiting then
       exchange of pump_woken (Dekker): the pump sees the wake, or we see it
       waiting and unpark it (a permit given early is kept by the parker) */
    actor__st32(&h->pump_woken, 1u, ACTOR__SEQ_CST);
    if (actor__ld32(&h->pump_waiting, ACTOR__SEQ_CST)) actor__unpark(&h->workers[0]->parker);
    return ACTOR_OK;
}

/* >>system ------------------------------------------------------------------- */

actor_result actor_system_create(const actor_system_desc *desc, actor_system **out) {
    actor_system_desc d;
    actor_system *s;
    actor_allocator al;
    if (!out) return ACTOR_ERR_INVALID;
    *out = NULL;
    if (desc) d = *desc;
    else memset(&d, 0, sizeof d);
    if (!d.allocator.alloc != !d.allocator.free) return ACTOR_ERR_INVALID; /* both or neither */
    if (!d.allocator.alloc) { d.allocator.alloc = actor__malloc_default; d.allocator.free = actor__free_default; }
    if (!d.logger.log) d.logger.log = actor__log_default;
    if (!d.max_actors) d.max_actors = 1u << 22;
    if (d.max_actors > 0x7FFFFFFFu - ACTOR__TABLE_SLACK) return ACTOR_ERR_INVALID;
    if (!d.batch) d.batch = 64;
    if (!d.max_message_size) d.max_message_size = (size_t)64 << 20;
    al = d.allocator;
    s = (actor_system *)al.alloc(sizeof(actor_system), al.user);
    if (!s) return ACTOR_ERR_NO_MEMORY;
    memset(s, 0, sizeof *s);
    s->alloc = al;
    s->logger = d.logger;
    s->n_bytes = sizeof(actor_system);
    s->max_actors = d.max_actors;
    s->batch = d.batch;
    s->max_msg = d.max_message_size;
    s->start_ns = actor_now_ns();
    /* max_actors is enforced on the live count (actor__reserve_live); the
       table is larger so that slots parked in worker caches never make a
       spawn fail below the limit */
    s->table_size = d.max_actors + ACTOR__TABLE_SLACK;
    s->nchunks = (s->table_size + ACTOR__CHUNK - 1) >> ACTOR__CHUNK_BITS;
    s->chunks = (actor_context **)actor__alloc(s, s->nchunks * sizeof(*s->chunks));
    s->nbuckets = 64;
    s->buckets = (actor__name **)actor__alloc(s, s->nbuckets * sizeof(*s->buckets));
    if (!s->chunks || !s->buckets) {
        actor__free(s, s->chunks, s->nchunks * sizeof(*s->chunks));
        actor__free(s, s->buckets, s->nbuckets * sizeof(*s->buckets));
        al.free(s, sizeof *s, al.user);
        return ACTOR_ERR_NO_MEMORY;
    }
    memset(s->chunks, 0, s->nchunks * sizeof(*s->chunks));
    memset(s->buckets, 0, s->nbuckets * sizeof(*s->buckets));
    s->free_top = UINT32_MAX;
    s->timer_free = UINT32_MAX;
    s->next_deadline = ACTOR__NO_DEADLINE;
    actor__mutex_init(&s->slot_lock);
    actor__mutex_init(&s->pool_lock);
    actor__mutex_init(&s->host_lock);
    actor__mutex_init(&s->timer_lock);
    actor__rwlock_init(&s->reg_lock);
    *out = s;
    return ACTOR_OK;
}

/* Destroy-time teardown of an actor that never finished: no signals. */
static void actor__teardown(actor_system *s, actor_context *a) {
    actor__peers *ps = a->peers;
    actor__msg *m;
    if (a->state_dtor) a->state_dtor(a->state);
    if (ps) {
        uint32_t i;
        for (i = 0; i < ps->cap; ++i) {
            actor__peer *e = &actor__peer_at(ps)[i];
            if (!e->id) continue;
            if (e->exit_node) actor__msg_free(s, NULL, e->exit_node);
            if (e->link_node) actor__msg_free(s, NULL, e->link_node);
        }
        actor__peers_free(s, NULL, ps);
    }
    while ((m = actor__mb_pop(s, NULL, a)) != NULL) {}
    if (a->mb_tail != &a->stub) actor__msg_free(s, NULL, (actor__msg *)a->mb_tail);
    if (a->pending_exit) actor__reason_release(s, (actor__reason *)a->pending_exit);
    if (a->host && a->host->kind == ACTOR__HOST_ATTACHED) actor__host_free(s, a->host);
}

actor_result actor_system_destroy(actor_system *s) {
    uint32_t i, c, nhosts;
    actor_allocator al;
    if (!s || actor__thread_inside(s)) return ACTOR_ERR_INVALID;
    actor__lock(&s->host_lock); /* a behaviour may be creating a host right now: it is either in the list or refused */
    actor__st32(&s->closing, 1u, ACTOR__RELEASE);
    nhosts = s->nhosts;
    actor__unlock(&s->host_lock);
    for (i = 0; i < nhosts; ++i)
        if (s->hosts[i]->kind == ACTOR__HOST_THREADS) actor__host_stop(s->hosts[i]);
    for (i = 0; i < nhosts; ++i) {
        actor_host *h = s->hosts[i];
        int k;
        if (h->kind == ACTOR__HOST_THREADS)
            for (k = 0; k < h->nworkers; ++k) actor__thread_join(&h->workers[k]->thread);
    }
    /* single-threaded from here on. Every actor is marked dead before any
       state destructor runs: a destructor that sends gets NOT_FOUND instead
       of reaching a mailbox already freed (an alive actor holds a
       reference, so REFS still marks the ones to tear down). */
    for (i = 0; i < s->fresh; ++i) actor__slot(s, i)->word &= ~(uint64_t)ACTOR__W_ALIVE;
    for (i = 0; i < s->fresh; ++i) {
        actor_context *a = actor__slot(s, i);
        if (a->word & ACTOR__W_REFS) actor__teardown(s, a);
    }
    for (i = 0; i < s->ntimers; ++i) {
        actor__timer *t = s->timer_table[i];
        if (t->msg) actor__msg_free(s, NULL, t->msg);
        actor__free(s, t, sizeof *t);
    }
    actor__free(s, s->timer_table, s->timer_cap * sizeof(*s->timer_table));
    for (i = 0; i < s->nbuckets; ++i) {
        actor__name *n = s->buckets[i];
        while (n) {
            actor__name *nx = n->bnext;
            actor__free(s, n, sizeof(actor__name) + n->len + 1);
            n = nx;
        }
    }
    actor__free(s, s->buckets, s->nbuckets * sizeof(*s->buckets));
    for (i = 0; i < s->nhosts; ++i) actor__host_free(s, s->hosts[i]);
    for (c = 0; c < ACTOR__CLASSES; ++c) {
        actor__msg *batch = s->pool[c];
        while (batch) {
            actor__msg *nb = (actor__msg *)batch->data, *m = batch;
            while (m) {
                actor__msg *nx = (actor__msg *)m->node.next;
                actor__free(s, m, actor__class_bytes[c]);
                m = nx;
            }
            batch = nb;
        }
    }
    for (i = 0; i < s->nchunks; ++i)
        if (s->chunks[i]) actor__free(s, s->chunks[i], sizeof(actor_context) * ACTOR__CHUNK);
    actor__free(s, s->chunks, s->nchunks * sizeof(*s->chunks));
    actor__mutex_destroy(&s->slot_lock);
    actor__mutex_destroy(&s->pool_lock);
    actor__mutex_destroy(&s->host_lock);
    actor__mutex_destroy(&s->timer_lock);
    actor__rwlock_destroy(&s->reg_lock);
    al = s->alloc;
    al.free(s, sizeof *s, al.user);
    return ACTOR_OK;
}

void actor_system_stats(actor_system *s, actor_stats *o) {
    uint32_t i, n;
    if (!o) return;
    memset(o, 0, sizeof *o);
    if (!s) return;
    o->actors_live = actor__ld64(&s->n_live, ACTOR__RELAXED);
    o->actors_spawned = actor__ld64(&s->n_spawned, ACTOR__RELAXED);
    o->actors_exited = actor__ld64(&s->n_exited, ACTOR__RELAXED);
    o->messages_sent = actor__ld64(&s->n_sent, ACTOR__RELAXED) + actor__ld64(&s->n_sent_gone, ACTOR__RELAXED);
    o->steals = actor__ld64(&s->n_steals_gone, ACTOR__RELAXED);
    o->parks = actor__ld64(&s->n_parks_gone, ACTOR__RELAXED);
    o->wakeups = actor__ld64(&s->n_wakeups, ACTOR__RELAXED);
    o->timers_fired = actor__ld64(&s->n_timers, ACTOR__RELAXED);
    o->timers_pending = actor__ld64(&s->n_timers_armed, ACTOR__RELAXED);
    o->bytes_in_use = actor__ld64(&s->n_bytes, ACTOR__RELAXED);
    n = actor__ld32(&s->nhosts, ACTOR__ACQUIRE);
    for (i = 0; i < n; ++i) {
        actor_host *h = s->hosts[i];
        int k;
        for (k = 0; k < h->nworkers; ++k) {
            actor__worker *w = h->workers[k];
            o->messages_sent += actor__ld64(&w->n_sent, ACTOR__RELAXED);
            o->steals += actor__ld64(&w->n_steals, ACTOR__RELAXED);
            o->parks += actor__ld64(&w->n_parks, ACTOR__RELAXED);
        }
    }
}

/* >>api ----------------------------------------------------------------------- */

const char *actor_result_string(actor_result r) {
    switch (r) {
    case ACTOR_OK: return "ok";
    case ACTOR_ERR_INVALID: return "invalid argument";
    case ACTOR_ERR_NO_MEMORY: return "out of memory";
    case ACTOR_ERR_NOT_FOUND: return "not found";
    case ACTOR_ERR_EXISTS: return "already exists";
    case ACTOR_ERR_TIMEOUT: return "timed out";
    case ACTOR_ERR_SHUTDOWN: return "shutting down";
    case ACTOR_ERR_LIMIT: return "limit exceeded";
    case ACTOR_ERR_EXITED: return "actor has exited";
    }
    return "unknown error";
}

/* Initialises a fresh incarnation in slot `a` (not yet published). */
static uint64_t actor__init_slot(actor_context *a, actor_host *h, actor_fn fn) {
    uint32_t gen = ACTOR__W_GEN(actor__ld64(&a->word, ACTOR__RELAXED)) + 1;
    a->mb_head = (uintptr_t)&a->stub | 1;
    a->mb_tail = &a->stub;
    a->stub.next = NULL;
    a->run.next = NULL;
    a->pending_exit = NULL;
    a->host = h;
    a->mb_queued = 0;
    a->mb_limit_kb = 0;
    a->fn = fn;
    a->state = NULL;
    a->state_dtor = NULL;
    a->on_exit = NULL;
    a->peers = NULL;
    a->worker = NULL;
    a->trap_links = 0;
    a->yield_requested = 0;
    a->ended = 0;
    return ((uint64_t)gen << 32) | a->index;
}

/* Counts one more live actor, or ACTOR_ERR_LIMIT at max_actors. */
static actor_result actor__reserve_live(actor_system *s) {
    if (actor__add64(&s->n_live, 1u, ACTOR__RELAXED) >= s->max_actors) {
        actor__add64(&s->n_live, (uint64_t)-1, ACTOR__RELAXED);
        return ACTOR_ERR_LIMIT;
    }
    return ACTOR_OK;
}

static void actor__publish(actor_system *s, actor_context *a, uint64_t id, uint64_t flags_refs) {
    /* release: every field set before is visible to whoever acquires the id */
    actor__st64(&a->word, (id & 0xFFFFFFFF00000000ull) | ACTOR__W_ALIVE | flags_refs, ACTOR__RELEASE);
    actor__add64(&s->n_spawned, 1u, ACTOR__RELAXED);
}

actor_result actor_spawn(actor_host *h, const actor_spawn_desc *d, actor_id *out) {
    actor_system *s;
    actor_context *p, *a = NULL;
    actor__worker *w;
    actor__msg *start = NULL, *child_link = NULL, *parent_link = NULL, *exit_node = NULL;
    actor__peers *cp = NULL;
    unsigned ties;
    size_t namelen = 0;
    uint64_t id;
    actor_result r;
    if (out) out->value = 0;
    if (!h || !d || !d->fn || h->kind == ACTOR__HOST_ATTACHED || (d->flags & ~15u)) return ACTOR_ERR_INVALID;
    s = h->sys;
    p = d->parent;
    ties = d->flags & (ACTOR_SPAWN_LINK | ACTOR_SPAWN_MONITOR);
    if (ties && !p) return ACTOR_ERR_INVALID;
    if (p && (!p->host || p->host->sys != s)) return ACTOR_ERR_INVALID;
    if (p && p->ended) return ACTOR_ERR_EXITED;
    if (d->start_size && !d->start_data) return ACTOR_ERR_INVALID;
    if (d->start_size > s->max_msg) return ACTOR_ERR_LIMIT;
    if (d->name && (r = actor__check_name(d->name, &namelen)) != ACTOR_OK) return r;
    if (actor__ld32(&h->stopping, ACTOR__RELAXED)) return ACTOR_ERR_SHUTDOWN;
    w = p ? p->worker : NULL;
    r = ACTOR_ERR_NO_MEMORY;
    if (d->flags & ACTOR_SPAWN_START) {
        if (!(start = actor__msg_alloc(s, w, d->start_size))) goto fail;
        start->kind = ACTOR__K_START;
        start->from = p ? actor__id_of(p).value : 0;
        start->from_host = p ? actor__public_host(p) : NULL;
        if (d->start_size) memcpy(start->data, d->start_data, d->start_size);
    }
    if ((d->flags & ACTOR_SPAWN_LINK) &&
        (!(child_link = actor__msg_alloc(s, w, 0)) || !(parent_link = actor__msg_alloc(s, w, 0)))) goto fail;
    if ((d->flags & ACTOR_SPAWN_MONITOR) && !(exit_node = actor__msg_alloc(s, w, 0))) goto fail;
    if (ties) {
        if (!actor__peers_reserve(s, w, p, 1)) goto fail;
        if (!(cp = actor__peers_new(s, w, 3))) goto fail; /* the parent, and room for one more */
    }
    if ((r = actor__reserve_live(s)) != ACTOR_OK) goto fail;
    if ((r = actor__slot_alloc(s, w, &a)) != ACTOR_OK) { actor__add64(&s->n_live, (uint64_t)-1, ACTOR__RELAXED); goto fail; }
    id = actor__init_slot(a, h, d->fn);
    a->state = d->state;
    a->state_dtor = d->state_dtor;
    a->on_exit = d->on_exit;
    a->mb_limit_kb = actor__limit_kb(d->mailbox_limit);
    a->trap_links = (d->flags & ACTOR_SPAWN_TRAP_LINKS) ? 1 : 0;
    if (d->name) {
        actor__wrlock(&s->reg_lock);
        r = actor__reg_insert(s, a, id, d->name, namelen);
        actor__wrunlock(&s->reg_lock);
        if (r != ACTOR_OK) { actor__slot_free(s, w, a); actor__add64(&s->n_live, (uint64_t)-1, ACTOR__RELAXED); goto fail; }
    }
    if (ties) {
        uint64_t pid = actor__id_of(p).value;
        actor__peer *ce, *pe;
        a->peers = cp;
        ce = actor__peer_get(a, pid);
        pe = actor__peer_get(p, id);
        if (d->flags & ACTOR_SPAWN_LINK) {
            ce->flags |= ACTOR__P_LINK; ce->link_node = child_link;
            pe->flags |= ACTOR__P_LINK; pe->link_node = parent_link;
        }
        if (d->flags & ACTOR_SPAWN_MONITOR) {
            ce->flags |= ACTOR__P_WATCHED; ce->exit_node = exit_node;
            pe->flags |= ACTOR__P_MONITORING;
        }
    }
    actor__publish(s, a, id, (d->name ? ACTOR__W_NAMES : 0) | 1u);
    if (start) actor__push(s, w, a, start); /* schedules the child */
    if (out) out->value = id;
    return ACTOR_OK;
fail:
    if (start) actor__msg_free(s, w, start);
    if (child_link) actor__msg_free(s, w, child_link);
    if (parent_link) actor__msg_free(s, w, parent_link);
    if (exit_node) actor__msg_free(s, w, exit_node);
    if (cp) actor__peers_free(s, w, cp);
    return r;
}

actor_id actor_self(const actor_context *self) { return self ? actor__id_of(self) : actor_id_make(0); }
void *actor_state(const actor_context *self) { return self ? self->state : NULL; }
void actor_set_state(actor_context *self, void *state, void (*dtor)(void *)) {
    if (!self) return;
    self->state = state;
    self->state_dtor = dtor;
}
actor_host *actor_host_of(const actor_context *self) {
    return self && self->host && self->host->kind != ACTOR__HOST_ATTACHED ? self->host : NULL;
}
actor_system *actor_system_of(const actor_context *self) { return self ? self->host->sys : NULL; }

actor_host *actor_host_of_id(actor_system *s, actor_id id) {
    actor_context *a;
    actor_host *h;
    if (!s || !(a = actor__acquire(s, id.value))) return NULL;
    h = actor__public_host(a);
    actor__release(s, NULL, a);
    return h;
}

int actor_alive(actor_system *s, actor_id id) {
    uint32_t idx = (uint32_t)id.value;
    actor_context *a;
    uint64_t w;
    if (!s || !(id.value >> 32) || idx >= s->table_size || !(a = actor__slot(s, idx))) return 0;
    w = actor__ld64(&a->word, ACTOR__ACQUIRE);
    return ACTOR__W_GEN(w) == (uint32_t)(id.value >> 32) && (w & ACTOR__W_ALIVE) != 0;
}

/* Validates, finds the target, and hands back a message block. */
static actor_result actor__send_prepare(actor_system *s, actor__worker *w, actor_id to, size_t size,
                                        actor_context **target, actor__msg **m) {
    if (size > s->max_msg) return ACTOR_ERR_LIMIT;
    if (!(*target = actor__acquire(s, to.value))) return ACTOR_ERR_NOT_FOUND;
    if (!(*m = actor__msg_alloc(s, w, size))) { actor__release(s, w, *target); return ACTOR_ERR_NO_MEMORY; }
    return ACTOR_OK;
}

static actor_result actor__send_copy(actor_system *s, actor__worker *w, uint64_t from, actor_host *from_host,
                                     actor_id to, uint32_t tag, const void *data, size_t size) {
    actor_context *a;
    actor__msg *m;
    actor_result r;
    if (size && !data) return ACTOR_ERR_INVALID;
    if ((r = actor__send_prepare(s, w, to, size, &a, &m)) != ACTOR_OK) return r;
    m->tag = tag;
    m->from = from;
    m->from_host = from_host;
    if (size) memcpy(m->data, data, size);
    actor__push_message(s, w, a, m);
    actor__release(s, w, a);
    return ACTOR_OK;
}

actor_result actor_send(actor_context *self, actor_id to, uint32_t tag, const void *data, size_t size) {
    if (!self || !self->host) return ACTOR_ERR_INVALID;
    return actor__send_copy(self->host->sys, self->worker, actor__id_of(self).value, actor__public_host(self), to, tag,
                            data, size);
}

actor_result actor_system_send(actor_system *s, actor_id to, uint32_t tag, const void *data, size_t size) {
    if (!s) return ACTOR_ERR_INVALID;
    return actor__send_copy(s, NULL, 0, NULL, to, tag, data, size);
}

actor_result actor_send_move(actor_context *self, actor_id to, uint32_t tag, void *data, size_t size,
                             void (*dtor)(void *, size_t)) {
    actor_system *s;
    actor_context *a;
    actor__msg *m;
    actor_result r;
    if (!self || !self->host || (size && !data)) {
        if (dtor && data) dtor(data, size);
        return ACTOR_ERR_INVALID;
    }
    s = self->host->sys;
    r = size > s->max_msg ? ACTOR_ERR_LIMIT : actor__send_prepare(s, self->worker, to, 0, &a, &m);
    if (r != ACTOR_OK) {
        if (dtor) dtor(data, size);
        return r;
    }
    m->tag = tag;
    m->from = actor__id_of(self).value;
    m->from_host = actor__public_host(self);
    m->moved = 1;
    m->data = data;
    m->size = size;
    m->aux.dtor = dtor;
    actor__push_message(s, self->worker, a, m);
    actor__release(s, self->worker, a);
    return ACTOR_OK;
}

static const char *actor__reason_problem(actor_system *s, const actor_exit_reason *why) {
    if ((unsigned)why->kind > ACTOR_EXIT_LINKED) return "invalid exit reason: unknown kind";
    if (why->size && !why->data) return "invalid exit reason: data is NULL, size is not 0";
    if (why->size > s->max_msg || (why->message && strlen(why->message) > s->max_msg))
        return "invalid exit reason: larger than max_message_size";
    return NULL;
}

actor_result actor_exit(actor_context *self, const actor_exit_reason *why) {
    actor_exit_reason invalid = { ACTOR_EXIT_ERROR, 0, NULL, NULL, 0 };
    actor_system *s;
    actor__reason *r;
    actor_result rc = ACTOR_OK;
    if (!self || !self->host) return ACTOR_ERR_INVALID;
    s = self->host->sys;
    if (why && (invalid.message = actor__reason_problem(s, why)) != NULL) { why = &invalid; rc = ACTOR_ERR_INVALID; }
    r = why ? actor__reason_copy(s, why) : &actor__r_normal;
    actor__set_exit(s, self, r ? r : &actor__r_nomem);
    return r ? rc : ACTOR_ERR_NO_MEMORY;
}

int actor_exit_pending(const actor_context *self) {
    if (!self) return 0;
    return actor__ldp(&self->pending_exit, ACTOR__ACQUIRE) != NULL ||
           (self->host && actor__ld32(&self->host->stopping, ACTOR__ACQUIRE)); /* destroy waits for this turn */
}

void actor_yield(actor_context *self) {
    if (self && self->worker) self->yield_requested = 1;
}

/* Sends an internal request (MONITOR, LINK, ...) carrying `carried`. */
static actor_result actor__request(actor_context *self, actor_id target, int kind, actor__msg *carried) {
    actor_system *s = self->host->sys;
    actor__msg *m = actor__msg_alloc(s, self->worker, 0);
    if (!m) {
        if (carried) actor__msg_free(s, self->worker, carried);
        return ACTOR_ERR_NO_MEMORY;
    }
    m->kind = (uint8_t)kind;
    m->from = actor__id_of(self).value;
    m->aux.carried = carried;
    return actor__send_msg(s, self->worker, target.value, m);
}

static actor_result actor__check_peer(actor_context *self, actor_id target) {
    if (!self || !self->host) return ACTOR_ERR_INVALID;
    if (self->ended) return ACTOR_ERR_EXITED;
    if (target.value == actor__id_of(self).value) return ACTOR_ERR_INVALID;
    if (!actor_alive(self->host->sys, target)) return ACTOR_ERR_NOT_FOUND;
    return ACTOR_OK;
}

actor_result actor_monitor(actor_context *self, actor_id target) {
    actor_system *s;
    actor__peer *e;
    actor__msg *exit_node;
    actor_result r;
    if ((r = actor__check_peer(self, target)) != ACTOR_OK) return r;
    s = self->host->sys;
    e = actor__peer_find(self->peers, target.value);
    if (e && (e->flags & ACTOR__P_MONITORING)) return ACTOR_ERR_EXISTS;
    if (!actor__peers_reserve(s, self->worker, self, 1)) return ACTOR_ERR_NO_MEMORY;
    if (!(exit_node = actor__msg_alloc(s, self->worker, 0))) return ACTOR_ERR_NO_MEMORY;
    if ((r = actor__request(self, target, ACTOR__K_MONITOR, exit_node)) != ACTOR_OK) return r;
    actor__peer_get(self, target.value)->flags |= ACTOR__P_MONITORING;
    return ACTOR_OK;
}

actor_result actor_demonitor(actor_context *self, actor_id target) {
    actor__peer *e;
    if (!self || !self->host) return ACTOR_ERR_INVALID;
    e = actor__peer_find(self->peers, target.value);
    if (!e || !(e->flags & ACTOR__P_MONITORING)) return ACTOR_ERR_NOT_FOUND;
    /* from here on EXITs from target are filtered out by actor__dispatch */
    actor__peer_clear(self->host->sys, self->worker, self, e, ACTOR__P_MONITORING);
    /* best effort: if this fails the target keeps a stale entry until it ends */
    actor__request(self, target, ACTOR__K_DEMONITOR, NULL);
    return ACTOR_OK;
}

actor_result actor_link(actor_context *self, actor_id target) {
    actor_system *s;
    actor__peer *e;
    actor__msg *mine, *theirs;
    actor_result r;
    if ((r = actor__check_peer(self, target)) != ACTOR_OK) return r;
    s = self->host->sys;
    e = actor__peer_find(self->peers, target.value);
    if (e && (e->flags & ACTOR__P_LINK)) return ACTOR_OK;
    if (!actor__peers_reserve(s, self->worker, self, 1)) return ACTOR_ERR_NO_MEMORY;
    if (!(mine = actor__msg_alloc(s, self->worker, 0))) return ACTOR_ERR_NO_MEMORY;
    if (!(theirs = actor__msg_alloc(s, self->worker, 0))) { actor__msg_free(s, self->worker, mine); return ACTOR_ERR_NO_MEMORY; }
    if ((r = actor__request(self, target, ACTOR__K_LINK, theirs)) != ACTOR_OK) {
        actor__msg_free(s, self->worker, mine);
        return r;
    }
    e = actor__peer_get(self, target.value);
    e->flags |= ACTOR__P_LINK;
    e->link_node = mine;
    return ACTOR_OK;
}

actor_result actor_unlink(actor_context *self, actor_id target) {
    actor__peer *e;
    if (!self || !self->host) return ACTOR_ERR_INVALID;
    e = actor__peer_find(self->peers, target.value);
    if (!e || !(e->flags & ACTOR__P_LINK))
        return actor_alive(self->host->sys, target) ? ACTOR_OK : ACTOR_ERR_NOT_FOUND;
    /* from here on LINK_DOWNs from target are filtered out */
    actor__peer_clear(self->host->sys, self->worker, self, e, ACTOR__P_LINK);
    actor__request(self, target, ACTOR__K_UNLINK, NULL);
    return ACTOR_OK;
}

void actor_trap_links(actor_context *self, int on) { if (self) self->trap_links = on ? 1 : 0; }
int actor_traps_links(const actor_context *self) { return self ? self->trap_links : 0; }

actor_result actor_cancel(actor_system *s, actor_id from, actor_id target, int64_t timeout_ms) {
    actor_context *a;
    actor__msg *m, *wake = NULL;
    if (!s || timeout_ms < ACTOR_NO_DEADLINE) return ACTOR_ERR_INVALID;
    if (!(a = actor__acquire(s, target.value))) return ACTOR_ERR_NOT_FOUND;
    m = actor__msg_alloc(s, NULL, 0);
    if (m && timeout_ms >= 0 && !(wake = actor__msg_alloc(s, NULL, 0))) { actor__msg_free(s, NULL, m); m = NULL; }
    if (!m) { actor__release(s, NULL, a); return ACTOR_ERR_NO_MEMORY; }
    m->kind = ACTOR__K_CANCEL;
    m->from = from.value;
    m->from_host = actor_host_of_id(s, from);
    m->aux.u64 = timeout_ms >= 0 ? actor_wall_ms() + (uint64_t)timeout_ms : 0;
    if (wake) {
        /* the deadline belongs to the target: it holds even if we end */
        int armed;
        wake->kind = ACTOR__K_WAKE;
        armed = actor__timer_arm(s, a, actor__deadline_ms(s, (uint64_t)timeout_ms), ACTOR__T_DEADLINE, wake, NULL);
        if (armed != 1) actor__msg_free(s, NULL, wake); /* merged into its deadline (3), no memory, or it ended */
        if (armed == 0 || armed == 2) {
            if (!actor_alive(s, target)) { actor__msg_free(s, NULL, m); actor__release(s, NULL, a); return ACTOR_ERR_NOT_FOUND; }
            actor__msg_free(s, NULL, m);
            actor__release(s, NULL, a);
            return ACTOR_ERR_NO_MEMORY;
        }
    }
    actor__push_message(s, NULL, a, m); /* charged like a message: a flood of cancels is bounded too */
    actor__release(s, NULL, a);
    return ACTOR_OK;
}

actor_result actor_terminate(actor_system *s, actor_id target) {
    actor_context *a;
    actor__msg *wake;
    if (!s) return ACTOR_ERR_INVALID;
    if (!(a = actor__acquire(s, target.value))) return ACTOR_ERR_NOT_FOUND;
    if (!(wake = actor__msg_alloc(s, NULL, 0))) { actor__release(s, NULL, a); return ACTOR_ERR_NO_MEMORY; }
    actor__force_exit(s, NULL, a, &actor__r_terminated, wake);
    actor__release(s, NULL, a);
    return ACTOR_OK;
}

actor_result actor_after(actor_context *self, uint64_t ms, uint32_t tag, actor_timer *out) {
    actor_system *s;
    actor__msg *m;
    if (out) out->value = 0;
    if (!self || !self->host) return ACTOR_ERR_INVALID;
    s = self->host->sys;
    if (!(m = actor__msg_alloc(s, self->worker, 0))) return ACTOR_ERR_NO_MEMORY;
    m->kind = ACTOR__K_TIMER;
    m->tag = tag;
    switch (actor__timer_arm(s, self, actor__deadline_ms(s, ms), ACTOR__T_USER, m, out)) {
    case 1: return ACTOR_OK;
    case 2: actor__msg_free(s, self->worker, m); return ACTOR_ERR_EXITED; /* (from on_exit, or a detached identity) */
    default: actor__msg_free(s, self->worker, m); return ACTOR_ERR_NO_MEMORY;
    }
}

actor_result actor_cancel_timer(actor_context *self, actor_timer timer) {
    actor_system *s;
    actor__timer *t;
    actor__msg *m;
    uint32_t idx = (uint32_t)timer.value, gen = (uint32_t)(timer.value >> 32);
    if (!self || !self->host) return ACTOR_ERR_INVALID;
    s = self->host->sys;
    actor__lock(&s->timer_lock);
    t = idx < s->ntimers ? s->timer_table[idx] : NULL;
    /* only the actor's own user timers: a cancel deadline is a timer too,
       and the actor it binds must not be able to lift it */
    if (!t || t->gen != gen || !t->armed || t->kind != ACTOR__T_USER || t->owner != actor__id_of(self).value) {
        actor__unlock(&s->timer_lock);
        return ACTOR_ERR_NOT_FOUND;
    }
    actor__wheel_remove(s, t);
    actor__timer_owner_unlink(self, t);
    m = t->msg;
    actor__timer_recycle(s, t);
    actor__timers_publish(s);
    actor__unlock(&s->timer_lock);
    actor__msg_free(s, self->worker, m);
    return ACTOR_OK;
}

int actor_cancel_timers(actor_context *self) {
    if (!self || !self->host || !actor__ldp(&self->timers, ACTOR__RELAXED)) return 0;
    return actor__timers_drop(self->host->sys, self->worker, self, 1);
}

actor_result actor_register(actor_system *s, const char *name, actor_id id) {
    actor_context *a;
    size_t len;
    actor_result r;
    uint64_t w;
    if (!s) return ACTOR_ERR_INVALID;
    if ((r = actor__check_name(name, &len)) != ACTOR_OK) return r;
    if (!(a = actor__acquire(s, id.value))) return ACTOR_ERR_NOT_FOUND;
    actor__wrlock(&s->reg_lock);
    /* set NAMES while still ALIVE (one atomic word): an exit that clears
       ALIVE after this sees NAMES and removes the name under this lock */
    w = actor__ld64(&a->word, ACTOR__RELAXED);
    while ((w & ACTOR__W_ALIVE) && !(w & ACTOR__W_NAMES) &&
           !actor__cas64(&a->word, &w, w | ACTOR__W_NAMES, ACTOR__SEQ_CST)) {}
    r = (w & ACTOR__W_ALIVE) ? actor__reg_insert(s, a, id.value, name, len) : ACTOR_ERR_NOT_FOUND;
    actor__wrunlock(&s->reg_lock);
    actor__release(s, NULL, a);
    return r;
}

actor_result actor_lookup(actor_system *s, const char *name, actor_id *out) {
    actor__name **pp;
    size_t len;
    actor_result r;
    if (out) out->value = 0;
    if (!s || !out) return ACTOR_ERR_INVALID;
    if ((r = actor__check_name(name, &len)) != ACTOR_OK) return r;
    actor__rdlock(&s->reg_lock);
    pp = actor__reg_slot(s, name, len, actor__hash_str(name, len));
    if (*pp) out->value = (*pp)->id;
    actor__rdunlock(&s->reg_lock);
    return out->value ? ACTOR_OK : ACTOR_ERR_NOT_FOUND;
}

actor_result actor_unregister(actor_system *s, const char *name) {
    actor__name **pp;
    size_t len;
    actor_result r;
    if (!s) return ACTOR_ERR_INVALID;
    if ((r = actor__check_name(name, &len)) != ACTOR_OK) return r;
    actor__wrlock(&s->reg_lock);
    pp = actor__reg_slot(s, name, len, actor__hash_str(name, len));
    r = *pp ? ACTOR_OK : ACTOR_ERR_NOT_FOUND;
    if (*pp) actor__reg_remove(s, *pp);
    actor__wrunlock(&s->reg_lock);
    return r;
}

/* >>attach -------------------------------------------------------------------- */

actor_result actor_attach(actor_system *s, actor_context **out) {
    actor_host *h;
    actor_context *a;
    actor_result r;
    uint64_t id;
    if (!s || !out) return ACTOR_ERR_INVALID;
    *out = NULL;
    if (actor__ld32(&s->closing, ACTOR__ACQUIRE)) return ACTOR_ERR_SHUTDOWN; /* (attach during destroy is a usage error; best effort) */
    if ((r = actor__reserve_live(s)) != ACTOR_OK) return r;
    if (!(h = actor__host_new(s, ACTOR__HOST_ATTACHED, 0))) { actor__add64(&s->n_live, (uint64_t)-1, ACTOR__RELAXED); return ACTOR_ERR_NO_MEMORY; }
    snprintf(h->name, sizeof h->name, "attached");
    if ((r = actor__slot_alloc(s, NULL, &a)) != ACTOR_OK) {
        actor__host_free(s, h);
        actor__add64(&s->n_live, (uint64_t)-1, ACTOR__RELAXED);
        return r;
    }
    id = actor__init_slot(a, h, NULL);
    /* two references: being alive, and being attached (dropped by detach),
       so the slot outlives an exit seen in actor_receive */
    actor__publish(s, a, id, 2u);
    *out = a;
    return ACTOR_OK;
}

/* Exit of an attached identity: the slot lives on until detach (its thread
   still holds it), so the MONITOR / LINK requests queued now are answered
   here rather than at finalize, and watchers learn of the exit at once. */
static void actor__end_attached(actor_system *s, actor_context *self) {
    actor__reason *r = (actor__reason *)actor__ldp(&self->pending_exit, ACTOR__ACQUIRE);
    uint64_t id = actor__id_of(self).value;
    actor__exit(s, NULL, self);
    self->ended = 1;
    actor__answer_queued(s, NULL, self, id, r);
}

actor_result actor_receive(actor_context *self, actor_msg *out, int64_t timeout_ms) {
    actor_system *s;
    actor__waiter wt;
    uint64_t until;
    int was_keeper = 0, spins = 0;
    actor_result r = ACTOR_ERR_TIMEOUT;
    if (!self || !out || !self->host || self->host->kind != ACTOR__HOST_ATTACHED) return ACTOR_ERR_INVALID;
    if (self->ended) return ACTOR_ERR_EXITED;
    s = self->host->sys;
    until = actor__until_ns(timeout_ms);
    wt.parker = NULL;
    for (;;) {
        actor__msg *m;
        if (actor__ldp(&self->pending_exit, ACTOR__ACQUIRE)) {
            actor__end_attached(s, self);
            r = ACTOR_ERR_EXITED;
            break;
        }
        if ((m = actor__mb_pop(s, NULL, self)) != NULL) {
            if (actor__dispatch(s, NULL, self, m, out)) { r = ACTOR_OK; break; }
            continue;
        }
        if (!actor__mb_mark_idle(self)) {
            if (++spins > 64) actor__thread_yield(); else actor__cpu_relax();
            continue;
        }
        {
            int64_t left = -1;
            if (until && (left = actor__ms_left(until)) == 0) break;
            if (!wt.parker) actor__waiter_add(s, &wt, &self->host->parker);
            was_keeper |= actor__idle_park(s, NULL, &self->host->parker, left);
        }
    }
    if (wt.parker) actor__waiter_remove(s, &wt);
    actor__keeper_handoff(s, was_keeper);
    return r;
}

void actor_detach(actor_context *self) {
    actor_system *s;
    if (!self || !self->host || self->host->kind != ACTOR__HOST_ATTACHED) return;
    s = self->host->sys;
    if (!self->ended) {
        actor__set_exit(s, self, &actor__r_normal);
        actor__end_attached(s, self);
    }
    actor__release(s, NULL, self);
}

#endif /* ACTOR_IMPLEMENTATION */

/*
   LICENSE (MIT)

   Copyright (c) 2026 the actor.h authors

   Permission is hereby granted, free of charge, to any person obtaining a
   copy of this software and associated documentation files (the
   "Software"), to deal in the Software without restriction, including
   without limitation the rights to use, copy, modify, merge, publish,
   distribute, sublicense, and/or sell copies of the Software, and to permit
   persons to whom the Software is furnished to do so, subject to the
   following conditions:

   The above copyright notice and this permission notice shall be included
   in all copies or substantial portions of the Software.

   THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS
   OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF
   MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN
   NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
   DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
   OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE
   USE OR OTHER DEALINGS IN THE SOFTWARE.
*/
