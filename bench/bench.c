/* bench.c — actor.h and lua_actor.h benchmarks (DESIGN.md §6).

       ./build/bench NAME [ARGS...]   one workload, one line "NAME key=value ..."
       ./build/bench all              every workload with default sizes
       ./build/bench list             names, arguments and defaults

   The c.* workloads (and idle, wake) are below; the lua.* ones live in
   bench/bench_lua.h.

   Rules: numbers are what this run measured, nothing is asserted. Short
   workloads run several times and the median is printed (the machine is
   shared and noisy). `all` runs each workload in a forked child so that
   one workload's heap and RSS do not leak into the next one's figures.
   main() waits for results through an attached context (actor_attach).
*/
#define ACTOR_IMPLEMENTATION
#include "actor.h"
#define LUA_ACTOR_IMPLEMENTATION
#include "lua_actor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

#define WAIT_MS 120000   /* a result that takes longer than this is a hang */
#define CHILD_ALARM_S 150 /* `all`: a workload child is killed after this */

enum {
    TAG_GO = 1,  /* main -> actor: start (payload: a count) */
    TAG_DONE,    /* actor -> main: finished (payload: optional u64) */
    TAG_DATA,    /* actor -> actor: payload of the workload */
    TAG_MORE     /* actor -> itself: continue a long job */
};

/* ---- helpers ------------------------------------------------------------- */

static void fail(const char *what, const char *why) {
    fprintf(stderr, "bench: %s: %s\n", what, why);
    exit(1);
}

static void check(actor_result r, const char *what) {
    if (r != ACTOR_OK) fail(what, actor_result_string(r));
}

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) fail("malloc", "out of memory");
    return p;
}

static uint64_t now_ns(void) { return actor_now_ns(); }

static void sleep_ms(long ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

static uint64_t cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Resident set size in bytes (Linux /proc/self/statm), 0 if unknown. */
static uint64_t rss_bytes(void) {
    unsigned long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0;
    if (fscanf(f, "%lu %lu", &size, &resident) != 2) resident = 0;
    fclose(f);
    return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Peak RSS of this process in MiB (per workload under `all`: each runs in
   a fresh child). */
static double max_rss_mb(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
    return (double)ru.ru_maxrss / 1024.0; /* Linux: kilobytes */
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts v in place and returns the value at quantile q (0.5 = median). */
static double quantile(double *v, int n, double q) {
    int i;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    i = (int)(q * (n - 1) + 0.5);
    return v[i];
}

static uint64_t u64_of(const actor_msg *m) {
    uint64_t v = 0;
    if (m->size == sizeof v) memcpy(&v, m->data, sizeof v);
    return v;
}

/* ---- environment: a system, one host, main attached ---------------------- */

typedef struct bench_env {
    actor_system *sys;
    actor_host *host;
    actor_context *me;
} bench_env;

static void env_open(bench_env *e, int workers, const actor_allocator *al) {
    actor_system_desc sd;
    actor_host_desc hd;
    memset(&sd, 0, sizeof sd);
    memset(&hd, 0, sizeof hd);
    if (al) sd.allocator = *al;
    hd.workers = workers;
    check(actor_system_create(&sd, &e->sys), "actor_system_create");
    check(actor_host_create(e->sys, &hd, &e->host), "actor_host_create");
    check(actor_attach(e->sys, &e->me), "actor_attach");
}

static void env_close(bench_env *e) {
    actor_detach(e->me);
    actor_system_destroy(e->sys);
}

static actor_id spawn(bench_env *e, actor_fn fn, void *state) {
    actor_spawn_desc d;
    actor_id id;
    memset(&d, 0, sizeof d);
    d.fn = fn;
    d.state = state;
    check(actor_spawn(e->host, &d, &id), "actor_spawn");
    return id;
}

static void send_u64(bench_env *e, actor_id to, uint32_t tag, uint64_t v) {
    check(actor_send(e->me, to, tag, &v, sizeof v), "actor_send");
}

/* main() blocks for the next message, which must be a `tag` message. */
static uint64_t await_tag(bench_env *e, uint32_t tag) {
    actor_msg m;
    check(actor_receive(e->me, &m, WAIT_MS), "actor_receive");
    if (m.signal != ACTOR_MESSAGE || m.tag != tag) fail("actor_receive", "unexpected message");
    return u64_of(&m);
}

/* ---- counting allocator (spawn_idle) ------------------------------------- */

typedef struct counter { uint64_t bytes; } counter;

static void *count_alloc(size_t n, void *user) {
    void *p = malloc(n);
    if (p) __atomic_add_fetch(&((counter *)user)->bytes, (uint64_t)n, __ATOMIC_RELAXED);
    return p;
}

static void count_free(void *p, size_t n, void *user) {
    __atomic_sub_fetch(&((counter *)user)->bytes, (uint64_t)n, __ATOMIC_RELAXED);
    free(p);
}

static uint64_t counted(counter *c) { return __atomic_load_n(&c->bytes, __ATOMIC_RELAXED); }

/* `runs` times: GO(n) to `target`, wait for DONE; ns[r] = time per unit. */
static void timed_go(bench_env *e, actor_id target, uint64_t n, double *ns, int runs) {
    int r;
    for (r = 0; r < runs; ++r) {
        uint64_t t0 = now_ns();
        send_u64(e, target, TAG_GO, n);
        await_tag(e, TAG_DONE);
        ns[r] = (double)(now_ns() - t0) / (double)n;
    }
}

/* ---- c.pingpong N ---------------------------------------------------------- */

typedef struct pingpong { actor_id peer, main; uint64_t left; } pingpong;

static void pong_fn(actor_context *self, const actor_msg *m) {
    if (m->signal == ACTOR_MESSAGE) actor_send(self, m->from, TAG_DATA, m->data, m->size);
}

/* GO (N) starts a series; every reply counts one round trip. */
static void ping_fn(actor_context *self, const actor_msg *m) {
    pingpong *st = (pingpong *)actor_state(self);
    if (m->signal != ACTOR_MESSAGE) return;
    if (m->tag == TAG_GO) {
        st->main = m->from;
        st->left = u64_of(m);
    } else if (--st->left == 0) {
        actor_send(self, st->main, TAG_DONE, NULL, 0);
        return;
    }
    actor_send(self, st->peer, TAG_DATA, &st->left, sizeof st->left);
}

static void bench_pingpong(const uint64_t *arg) {
    enum { RUNS = 5 };
    uint64_t n = arg[0];
    double ns[RUNS];
    pingpong st;
    bench_env e;
    actor_id ping;
    memset(&st, 0, sizeof st);
    env_open(&e, 0, NULL);
    st.peer = spawn(&e, pong_fn, NULL);
    ping = spawn(&e, ping_fn, &st);
    timed_go(&e, ping, n, ns, RUNS);
    env_close(&e);
    printf("c.pingpong n=%llu ns_per_roundtrip=%.1f runs=%d\n", (unsigned long long)n,
           quantile(ns, RUNS, 0.5), RUNS);
}

/* ---- c.ring NODES HOPS ------------------------------------------------------ */

typedef struct ring_node { actor_id next, main; } ring_node;

/* The token carries the number of hops still to go. */
static void ring_fn(actor_context *self, const actor_msg *m) {
    ring_node *nd = (ring_node *)actor_state(self);
    uint64_t left;
    if (m->signal != ACTOR_MESSAGE) return;
    left = u64_of(m);
    if (left == 0) actor_send(self, nd->main, TAG_DONE, NULL, 0);
    else { --left; actor_send(self, nd->next, TAG_DATA, &left, sizeof left); }
}

static void bench_ring(const uint64_t *arg) {
    enum { RUNS = 3 };
    uint64_t nodes = arg[0], hops = arg[1], i;
    double ns[RUNS];
    ring_node *ring;
    actor_id *ids;
    bench_env e;
    int r;
    if (nodes < 1 || hops < 1) fail("c.ring", "NODES and HOPS must be >= 1");
    ring = (ring_node *)xmalloc(nodes * sizeof *ring);
    ids = (actor_id *)xmalloc(nodes * sizeof *ids);
    env_open(&e, 0, NULL);
    for (i = 0; i < nodes; ++i) ids[i] = spawn(&e, ring_fn, &ring[i]);
    for (i = 0; i < nodes; ++i) { /* before the first message: the send publishes it */
        ring[i].next = ids[(i + 1) % nodes];
        ring[i].main = actor_self(e.me);
    }
    for (r = 0; r < RUNS; ++r) {
        uint64_t t0 = now_ns();
        send_u64(&e, ids[0], TAG_DATA, hops);
        await_tag(&e, TAG_DONE);
        ns[r] = (double)(now_ns() - t0) / (double)hops;
    }
    env_close(&e);
    free(ids);
    free(ring);
    printf("c.ring nodes=%llu hops=%llu ns_per_hop=%.1f runs=%d\n", (unsigned long long)nodes,
           (unsigned long long)hops, quantile(ns, RUNS, 0.5), RUNS);
}

/* ---- c.fanin P PER ------------------------------------------------------------ */

#define FANIN_CHUNK 64 /* messages a producer sends per turn */

typedef struct fanin_prod { actor_id consumer; uint64_t left; } fanin_prod;
typedef struct fanin_cons { actor_id main; uint64_t got, expected; } fanin_cons;

/* Sends a chunk per turn, then yields so the consumer (and the other
   producers) get the core: no producer monopolises a worker. */
static void producer_fn(actor_context *self, const actor_msg *m) {
    fanin_prod *st = (fanin_prod *)actor_state(self);
    uint64_t k;
    if (m->signal == ACTOR_MESSAGE && m->tag == TAG_GO) st->left = u64_of(m);
    else if (m->signal != ACTOR_YIELD) return;
    for (k = 0; k < FANIN_CHUNK && st->left > 0; ++k, --st->left)
        actor_send(self, st->consumer, TAG_DATA, &st->left, sizeof st->left);
    if (st->left > 0) actor_yield(self);
}

static void consumer_fn(actor_context *self, const actor_msg *m) {
    fanin_cons *st = (fanin_cons *)actor_state(self);
    if (m->signal == ACTOR_MESSAGE && ++st->got == st->expected)
        actor_send(self, st->main, TAG_DONE, NULL, 0);
}

static void bench_fanin(const uint64_t *arg) {
    enum { RUNS = 3 };
    uint64_t p = arg[0], per = arg[1], i;
    double ns[RUNS];
    fanin_prod *prods;
    actor_id *ids;
    fanin_cons cons;
    bench_env e;
    int r;
    if (p < 1 || per < 1) fail("c.fanin", "P and PER must be >= 1");
    prods = (fanin_prod *)xmalloc(p * sizeof *prods);
    ids = (actor_id *)xmalloc(p * sizeof *ids);
    env_open(&e, 0, NULL);
    memset(&cons, 0, sizeof cons);
    cons.main = actor_self(e.me);
    cons.expected = p * per;
    prods[0].consumer = spawn(&e, consumer_fn, &cons);
    for (i = 0; i < p; ++i) {
        prods[i].consumer = prods[0].consumer;
        prods[i].left = 0;
        ids[i] = spawn(&e, producer_fn, &prods[i]);
    }
    for (r = 0; r < RUNS; ++r) {
        uint64_t t0 = now_ns();
        cons.got = 0; /* the consumer is idle between runs; the GOs publish this */
        for (i = 0; i < p; ++i) send_u64(&e, ids[i], TAG_GO, per);
        await_tag(&e, TAG_DONE);
        ns[r] = (double)(now_ns() - t0) / (double)(p * per);
    }
    env_close(&e);
    free(ids);
    free(prods);
    /* max_rss_mb shows how far the consumer's mailbox grew (no backpressure) */
    printf("c.fanin producers=%llu per=%llu ns_per_msg=%.1f max_rss_mb=%.0f runs=%d\n", (unsigned long long)p,
           (unsigned long long)per, quantile(ns, RUNS, 0.5), max_rss_mb(), RUNS);
}

/* ---- spawner shared by spawn_idle and spawn_exit --------------------------- */

/* GO (N) makes the spawner create N children, `chunk` per turn, with
   `flags`; DONE goes to main when `want_exits` is 0 and
   every child is spawned, or else when N EXITs have arrived. */
typedef struct spawner {
    actor_host *host;
    actor_fn child;
    unsigned flags;
    uint64_t chunk, target, spawned, exits;
    int want_exits;
    actor_id main;
} spawner;

static void spawn_chunk(actor_context *self, spawner *st) {
    actor_spawn_desc d;
    uint64_t k;
    memset(&d, 0, sizeof d);
    d.fn = st->child;
    d.parent = self;
    d.flags = st->flags;
    for (k = 0; k < st->chunk && st->spawned < st->target; ++k, ++st->spawned)
        check(actor_spawn(st->host, &d, NULL), "actor_spawn (child)");
    if (st->spawned < st->target) {
        /* continue through our own mailbox, behind the EXITs already
           queued: actor_yield would resume us before them, and the
           spawner would then hold every child's monitor at once */
        actor_id me = actor_self(self);
        check(actor_send(self, me, TAG_MORE, NULL, 0), "actor_send (self)");
    } else if (!st->want_exits) {
        actor_send(self, st->main, TAG_DONE, NULL, 0);
    }
}

static void spawner_fn(actor_context *self, const actor_msg *m) {
    spawner *st = (spawner *)actor_state(self);
    switch (m->signal) {
    case ACTOR_MESSAGE:
        if (m->tag == TAG_GO) {
            st->main = m->from;
            st->target = u64_of(m);
            st->spawned = st->exits = 0;
        }
        spawn_chunk(self, st);
        break;
    case ACTOR_EXIT:
        if (++st->exits == st->target) actor_send(self, st->main, TAG_DONE, NULL, 0);
        break;
    default:
        break;
    }
}

/* ---- c.spawn_idle N ----------------------------------------------------------- */

static void idle_fn(actor_context *self, const actor_msg *m) { (void)self; (void)m; }

typedef struct spawn_idle_run { double ns, bytes, rss; } spawn_idle_run;

/* One run in a fresh system whose allocator counts live bytes. */
static spawn_idle_run spawn_idle_once(uint64_t n) {
    counter c = { 0 };
    actor_allocator al;
    spawn_idle_run out;
    spawner st;
    bench_env e;
    uint64_t t0, bytes0, rss0;
    actor_id sp;
    al.alloc = count_alloc;
    al.free = count_free;
    al.user = &c;
    env_open(&e, 0, &al);
    memset(&st, 0, sizeof st);
    st.host = e.host;
    st.child = idle_fn;
    st.chunk = 1024;
    sp = spawn(&e, spawner_fn, &st);
    bytes0 = counted(&c);
    rss0 = rss_bytes();
    t0 = now_ns();
    send_u64(&e, sp, TAG_GO, n);
    await_tag(&e, TAG_DONE);
    out.ns = (double)(now_ns() - t0) / (double)n;
    out.bytes = (double)(counted(&c) - bytes0) / (double)n;
    out.rss = (double)(rss_bytes() - rss0) / (double)n;
    env_close(&e);
    return out;
}

static void bench_spawn_idle(const uint64_t *arg) {
    enum { RUNS = 3 };
    uint64_t n = arg[0];
    double ns[RUNS], bytes[RUNS], first_rss = 0;
    int r;
    if (n < 1) fail("c.spawn_idle", "N must be >= 1");
    for (r = 0; r < RUNS; ++r) {
        spawn_idle_run x = spawn_idle_once(n);
        ns[r] = x.ns;
        bytes[r] = x.bytes;
        /* later runs reuse pages the C library kept from the previous
           system, so only the first run's RSS growth is meaningful */
        if (r == 0) first_rss = x.rss;
    }
    printf("c.spawn_idle n=%llu ns_per_spawn=%.1f bytes_per_actor=%.1f rss_bytes_per_actor=%.1f runs=%d\n",
           (unsigned long long)n, quantile(ns, RUNS, 0.5), quantile(bytes, RUNS, 0.5), first_rss, RUNS);
}

/* ---- c.spawn_exit N ------------------------------------------------------------ */

static void exit_at_start_fn(actor_context *self, const actor_msg *m) {
    if (m->signal == ACTOR_START) actor_exit(self, NULL);
}

static void bench_spawn_exit(const uint64_t *arg) {
    enum { RUNS = 3 };
    uint64_t n = arg[0];
    double ns[RUNS];
    spawner st;
    bench_env e;
    actor_id sp;
    if (n < 1) fail("c.spawn_exit", "N must be >= 1");
    env_open(&e, 0, NULL);
    memset(&st, 0, sizeof st);
    st.host = e.host;
    st.child = exit_at_start_fn;
    st.flags = ACTOR_SPAWN_MONITOR | ACTOR_SPAWN_START;
    /* as many spawns per turn as EXITs a turn can take (the default batch),
       so the spawner keeps up and holds ~1-2k monitors, not N */
    st.chunk = 64;
    st.want_exits = 1;
    sp = spawn(&e, spawner_fn, &st);
    timed_go(&e, sp, n, ns, RUNS);
    env_close(&e);
    printf("c.spawn_exit n=%llu ns_per_actor=%.1f runs=%d\n", (unsigned long long)n,
           quantile(ns, RUNS, 0.5), RUNS);
}

/* ---- c.skynet LEAVES ----------------------------------------------------------- */

typedef struct skynet_start { uint64_t num, size; } skynet_start;
typedef struct skynet_node { actor_id parent; uint64_t sum; uint32_t pending; } skynet_node;

static void skynet_fn(actor_context *self, const actor_msg *m);

/* Splits [num, num+size) into up to 10 children, as evenly as possible, so
   any LEAVES gives exactly LEAVES leaves numbered 0..LEAVES-1. */
static void skynet_split(actor_context *self, const skynet_start *in, skynet_node *st) {
    uint64_t k = in->size < 10 ? in->size : 10, i, num = in->num;
    actor_spawn_desc d;
    skynet_start c;
    memset(&d, 0, sizeof d);
    d.fn = skynet_fn;
    d.parent = self; /* the child's START comes from us: that is its parent */
    d.flags = ACTOR_SPAWN_START;
    d.start_data = &c;
    d.start_size = sizeof c;
    st->pending = (uint32_t)k;
    for (i = 0; i < k; ++i) {
        c.num = num;
        c.size = in->size / k + (i < in->size % k ? 1 : 0);
        num += c.size;
        check(actor_spawn(actor_host_of(self), &d, NULL), "actor_spawn (skynet)");
    }
}

static void skynet_fn(actor_context *self, const actor_msg *m) {
    skynet_node *st = (skynet_node *)actor_state(self);
    if (m->signal == ACTOR_START) {
        skynet_start in;
        memcpy(&in, m->data, sizeof in);
        if (in.size == 1) { /* a leaf: report our number and end */
            actor_send(self, m->from, TAG_DATA, &in.num, sizeof in.num);
            actor_exit(self, NULL);
            return;
        }
        st = (skynet_node *)xmalloc(sizeof *st);
        st->parent = m->from;
        st->sum = 0;
        actor_set_state(self, st, free);
        skynet_split(self, &in, st);
    } else if (m->signal == ACTOR_MESSAGE && st) {
        st->sum += u64_of(m);
        if (--st->pending == 0) {
            actor_send(self, st->parent, TAG_DATA, &st->sum, sizeof st->sum);
            actor_exit(self, NULL);
        }
    }
}

static void bench_skynet(const uint64_t *arg) {
    enum { RUNS = 3 };
    uint64_t leaves = arg[0], sum = 0, expect;
    double ms[RUNS];
    int r, ok = 1;
    bench_env e;
    if (leaves < 1) fail("c.skynet", "LEAVES must be >= 1");
    expect = leaves * (leaves - 1) / 2;
    env_open(&e, 0, NULL);
    for (r = 0; r < RUNS; ++r) {
        skynet_start root;
        actor_spawn_desc d;
        uint64_t t0 = now_ns();
        root.num = 0;
        root.size = leaves;
        memset(&d, 0, sizeof d);
        d.fn = skynet_fn;
        d.parent = e.me;
        d.flags = ACTOR_SPAWN_START;
        d.start_data = &root;
        d.start_size = sizeof root;
        check(actor_spawn(e.host, &d, NULL), "actor_spawn (skynet root)");
        sum = await_tag(&e, TAG_DATA);
        ms[r] = (double)(now_ns() - t0) / 1e6;
        if (sum != expect) ok = 0;
    }
    env_close(&e);
    printf("c.skynet leaves=%llu ms=%.1f sum=%llu ok=%d runs=%d\n", (unsigned long long)leaves,
           quantile(ms, RUNS, 0.5), (unsigned long long)sum, ok, RUNS);
}

/* ---- c.link_chain N ------------------------------------------------------------- */

typedef struct chain_start { uint64_t left; actor_id main; } chain_start;

/* Each node spawns the next one linked to it; the tail tells main its id. */
static void chain_fn(actor_context *self, const actor_msg *m) {
    chain_start in;
    if (m->signal != ACTOR_START) return; /* a linked failure ends us: no trap */
    memcpy(&in, m->data, sizeof in);
    if (in.left == 0) {
        actor_id me = actor_self(self);
        actor_send(self, in.main, TAG_DONE, &me.value, sizeof me.value);
    } else {
        actor_spawn_desc d;
        --in.left;
        memset(&d, 0, sizeof d);
        d.fn = chain_fn;
        d.parent = self;
        d.flags = ACTOR_SPAWN_LINK | ACTOR_SPAWN_START;
        d.start_data = &in;
        d.start_size = sizeof in;
        check(actor_spawn(actor_host_of(self), &d, NULL), "actor_spawn (chain)");
    }
}

/* Builds a chain of n, then times terminate(head) -> EXIT of the tail. */
static double chain_once(bench_env *e, uint64_t n) {
    chain_start in;
    actor_spawn_desc d;
    actor_id head, tail;
    actor_msg m;
    uint64_t t0;
    in.left = n - 1;
    in.main = actor_self(e->me);
    memset(&d, 0, sizeof d);
    d.fn = chain_fn;
    d.parent = e->me; /* not linked to main: only the START comes from us */
    d.flags = ACTOR_SPAWN_START;
    d.start_data = &in;
    d.start_size = sizeof in;
    check(actor_spawn(e->host, &d, &head), "actor_spawn (chain head)");
    tail = actor_id_make(await_tag(e, TAG_DONE));
    check(actor_monitor(e->me, tail), "actor_monitor (tail)");
    t0 = now_ns();
    check(actor_terminate(e->sys, head), "actor_terminate (head)");
    check(actor_receive(e->me, &m, WAIT_MS), "actor_receive (tail EXIT)");
    if (m.signal != ACTOR_EXIT || !actor_id_equal(m.from, tail)) fail("c.link_chain", "expected the tail's EXIT");
    if (n > 1 && m.reason->kind != ACTOR_EXIT_LINKED) fail("c.link_chain", "tail did not end by its link");
    return (double)(now_ns() - t0) / (double)(n > 1 ? n - 1 : 1);
}

static void bench_link_chain(const uint64_t *arg) {
    enum { RUNS = 5 };
    uint64_t n = arg[0];
    double ns[RUNS];
    bench_env e;
    int r;
    if (n < 1) fail("c.link_chain", "N must be >= 1");
    env_open(&e, 0, NULL);
    for (r = 0; r < RUNS; ++r) ns[r] = chain_once(&e, n);
    env_close(&e);
    printf("c.link_chain n=%llu ns_per_link=%.1f runs=%d\n", (unsigned long long)n,
           quantile(ns, RUNS, 0.5), RUNS);
}

/* ---- idle ------------------------------------------------------------------------ */

static void bench_idle(const uint64_t *arg) {
    actor_system *sys;
    actor_host *host;
    actor_host_desc hd;
    uint64_t ms = arg[0], c0, c1, t0, t1;
    memset(&hd, 0, sizeof hd);
    hd.workers = 2;
    check(actor_system_create(NULL, &sys), "actor_system_create");
    check(actor_host_create(sys, &hd, &host), "actor_host_create");
    sleep_ms(100); /* let the freshly started workers park */
    c0 = cpu_ns();
    t0 = now_ns();
    sleep_ms((long)ms);
    c1 = cpu_ns();
    t1 = now_ns();
    actor_system_destroy(sys);
    printf("idle workers=2 ms=%llu cpu_ms=%.3f wall_ms=%.1f\n", (unsigned long long)ms,
           (double)(c1 - c0) / 1e6, (double)(t1 - t0) / 1e6);
}

/* ---- wake -------------------------------------------------------------------------- */

/* Replies with the time at which the handler ran. */
static void stamp_fn(actor_context *self, const actor_msg *m) {
    uint64_t t = actor_now_ns();
    if (m->signal == ACTOR_MESSAGE) actor_send(self, m->from, TAG_DONE, &t, sizeof t);
}

static void bench_wake(const uint64_t *arg) {
    uint64_t trials = arg[0], i;
    double *us, median, p90, lo;
    bench_env e;
    actor_id h;
    if (trials < 1) fail("wake", "TRIALS must be >= 1");
    us = (double *)xmalloc(trials * sizeof *us);
    env_open(&e, 0, NULL);
    h = spawn(&e, stamp_fn, NULL);
    for (i = 0; i < trials; ++i) {
        uint64_t t0, t1;
        sleep_ms(20); /* every worker parks meanwhile */
        t0 = now_ns();
        check(actor_send(e.me, h, TAG_GO, NULL, 0), "actor_send");
        t1 = await_tag(&e, TAG_DONE);
        us[i] = (double)(t1 - t0) / 1e3;
    }
    env_close(&e);
    median = quantile(us, (int)trials, 0.5);
    p90 = quantile(us, (int)trials, 0.9);
    lo = us[0]; /* quantile() sorted us */
    free(us);
    printf("wake trials=%llu us_to_handler=%.1f p90_us=%.1f min_us=%.1f\n", (unsigned long long)trials,
           median, p90, lo);
}

#include "bench_lua.h" /* the lua.* workloads: bench_lua(), bench_lua_all */

/* ---- driver ------------------------------------------------------------------------- */

typedef struct workload {
    const char *name;
    const char *args;     /* for the usage text */
    int nargs;
    uint64_t defaults[2];
    void (*run)(const uint64_t *args);
} workload;

static const workload workloads[] = {
    { "c.pingpong",   "N",          1, { 1000000, 0 },      bench_pingpong },
    { "c.ring",       "NODES HOPS", 2, { 1000, 10000000 },  bench_ring },
    { "c.fanin",      "P PER",      2, { 100, 100000 },     bench_fanin },
    { "c.spawn_idle", "N",          1, { 1000000, 0 },      bench_spawn_idle },
    { "c.spawn_exit", "N",          1, { 1000000, 0 },      bench_spawn_exit },
    { "c.skynet",     "LEAVES",     1, { 1000000, 0 },      bench_skynet },
    { "c.link_chain", "N",          1, { 100000, 0 },       bench_link_chain },
    { "idle",         "[MS]",       1, { 1000, 0 },         bench_idle },
    { "wake",         "[TRIALS]",   1, { 200, 0 },          bench_wake },
};
#define NWORKLOADS ((int)(sizeof workloads / sizeof workloads[0]))

#define NLUA ((int)(sizeof bench_lua_all / sizeof bench_lua_all[0]))

static void usage(FILE *f) {
    int i;
    fprintf(f, "usage: bench NAME [ARGS...] | all | list\n");
    for (i = 0; i < NWORKLOADS; ++i) {
        const workload *w = &workloads[i];
        fprintf(f, "  %-14s %-11s default:", w->name, w->args);
        if (w->nargs >= 1) fprintf(f, " %llu", (unsigned long long)w->defaults[0]);
        if (w->nargs >= 2) fprintf(f, " %llu", (unsigned long long)w->defaults[1]);
        fprintf(f, "\n");
    }
    for (i = 0; i < NLUA; ++i)
        fprintf(f, "  %-14s %-11s default: %s %s\n", bench_lua_all[i][0], "", bench_lua_all[i][1],
                bench_lua_all[i][2] ? bench_lua_all[i][2] : "");
}

/* Waits for a workload child; a line with ok=0 when it did not exit 0. */
static int reap(const char *name, pid_t pid) {
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) fail("waitpid", "failed");
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    printf("%s ok=0 status=%d\n", name, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return 1;
}

/* `all`: each workload in its own process (fresh heap, honest RSS, and a
   hang or crash in one does not take the others down). */
static int run_all(void) {
    int i, failed = 0;
    for (i = 0; i < NWORKLOADS; ++i) {
        const workload *w = &workloads[i];
        pid_t pid;
        fflush(stdout);
        pid = fork();
        if (pid < 0) fail("fork", "failed");
        if (pid == 0) {
            alarm(CHILD_ALARM_S);
            w->run(w->defaults);
            fflush(stdout);
            _exit(0);
        }
        failed |= reap(w->name, pid);
    }
    for (i = 0; i < NLUA; ++i) {
        const char *const *lw = bench_lua_all[i];
        char *args[2];
        pid_t pid;
        args[0] = (char *)lw[1];
        args[1] = (char *)lw[2];
        fflush(stdout);
        pid = fork();
        if (pid < 0) fail("fork", "failed");
        if (pid == 0) {
            alarm(CHILD_ALARM_S);
            bench_lua(lw[0], lw[2] ? 2 : 1, args);
            fflush(stdout);
            _exit(0);
        }
        failed |= reap(lw[0], pid);
    }
    return failed;
}

int main(int argc, char **argv) {
    int i, k;
    if (argc < 2) { usage(stderr); return 2; }
    if (!strcmp(argv[1], "all")) return run_all();
    if (!strcmp(argv[1], "list")) { usage(stdout); return 0; }
    if (!strncmp(argv[1], "lua.", 4)) {
        if (bench_lua(argv[1], argc - 2, argv + 2)) return 0;
        usage(stderr);
        return 2;
    }
    for (i = 0; i < NWORKLOADS; ++i) {
        const workload *w = &workloads[i];
        uint64_t args[2];
        if (strcmp(argv[1], w->name) != 0) continue;
        if (argc - 2 > w->nargs) { usage(stderr); return 2; }
        for (k = 0; k < 2; ++k) {
            char *end = NULL;
            args[k] = w->defaults[k];
            if (k + 2 < argc) {
                args[k] = strtoull(argv[k + 2], &end, 10);
                if (!*argv[k + 2] || *end) { usage(stderr); return 2; }
            }
        }
        w->run(args);
        return 0;
    }
    usage(stderr);
    return 2;
}
