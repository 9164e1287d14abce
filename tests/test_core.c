/* test_core.c — unit and stress tests of the actor.h core runtime:
   mailboxes, scheduling (stealing, wake-ups, fairness, manual hosts),
   actor ids, memory ownership, allocator failure, timers, attached threads,
   shutdown, bad input and statistics.

   Section numbers follow the issue's acceptance list; the file goes from
   API checks to stress tests. Iteration counts go through scaled(n) so the
   sanitizer builds run the same tests smaller. No test asserts timing:
   only ordering, counts and eventual delivery (with generous timeouts). */
#define ACTOR_IMPLEMENTATION
#include "actor.h"
#include "harness.h"

#include <sched.h>
#include <semaphore.h>

#define WAIT_MS 10000 /* "eventually": generous, never a timing assertion */

#define LOAD(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)
#define ADD(p, v) __atomic_add_fetch((p), (v), __ATOMIC_SEQ_CST)

enum {
    TAG_PING = 1, TAG_GO = 2, TAG_DONE = 3, TAG_WORK = 4,
    TAG_STALE = 0x5A, /* sent to stale or forged ids: must never arrive */
    TAG_EXIT = 0xE0   /* counter actors end on this tag */
};

/* ---- small utilities ------------------------------------------------------ */

static uint64_t mix64(uint64_t z) { /* splitmix64 finaliser */
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rng_next(uint64_t *state) { return mix64((*state)++); }

static void sleep_us(long us) {
    struct timespec ts;
    ts.tv_sec = us / 1000000;
    ts.tv_nsec = (us % 1000000) * 1000L;
    nanosleep(&ts, NULL);
}

/* A random short pause. It only varies interleavings (e.g. gives idle
   workers time to park); nothing is asserted about it. */
static void jitter(uint64_t *rng) {
    volatile int spin;
    switch (rng_next(rng) % 4) {
    case 0: break;
    case 1: sched_yield(); break;
    case 2: for (spin = 0; spin < 2000; ++spin) {} break;
    default: sleep_us((long)(rng_next(rng) % 300)); break;
    }
}

/* Polls until *p >= want (a counter written by behaviours). 1 = reached. */
static int wait_counter(const uint64_t *p, uint64_t want, int timeout_ms) {
    uint64_t end = harness_now_ns() + (uint64_t)timeout_ms * 1000000u;
    while (LOAD(p) < want) {
        if (harness_now_ns() > end) return 0;
        sleep_us(200);
    }
    return 1;
}

static int wait_counter_int(const int *p, int timeout_ms) {
    uint64_t end = harness_now_ns() + (uint64_t)timeout_ms * 1000000u;
    while (!LOAD(p)) {
        if (harness_now_ns() > end) return 0;
        sleep_us(200);
    }
    return 1;
}

static void burn(int iterations) {
    volatile uint64_t x = 1;
    int i;
    for (i = 0; i < iterations; ++i) x = x * 6364136223846793005ull + 1;
}

static char *make_name(char *buf, size_t len) {
    memset(buf, 'n', len);
    buf[len] = 0;
    return buf;
}

/* ---- counting allocator ----------------------------------------------------- */

/* Counts every byte the runtime takes and gives back, checks that each free
   names the size and allocator of its allocation, and fails on demand: the
   fail_at-th attempt (and every later one with fail_rest), or a seeded
   pseudo-random per-mille share of attempts. */
typedef struct counting_alloc {
    uint64_t attempts, allocs, frees, alloc_bytes, free_bytes, bad_frees;
    uint64_t fail_at; /* 1-based attempt number; 0 = none */
    int fail_rest;
    uint32_t fail_permille; /* may change while the system runs (atomic) */
    uint64_t seed;
    /* gate: allocations of at least gate_size bytes wait (gate_held = 1)
       until gate_open is set; used to pause a sender inside its send */
    size_t gate_size;
    int gate_held, gate_open;
} counting_alloc;

typedef union alloc_header {
    struct { counting_alloc *owner; size_t size; } h;
    long double align_; /* keeps the payload as aligned as malloc's */
} alloc_header;

static int ca_should_fail(counting_alloc *ca, uint64_t n) {
    uint32_t pm = LOAD(&ca->fail_permille);
    if (ca->fail_at && (n == ca->fail_at || (ca->fail_rest && n > ca->fail_at))) return 1;
    return pm && mix64(n ^ ca->seed) % 1000 < pm;
}

static void *ca_alloc(size_t size, void *user) {
    counting_alloc *ca = (counting_alloc *)user;
    alloc_header *h;
    if (ca_should_fail(ca, ADD(&ca->attempts, 1))) return NULL;
    if (LOAD(&ca->gate_size) && size >= LOAD(&ca->gate_size)) {
        STORE(&ca->gate_held, 1);
        wait_counter_int(&ca->gate_open, 2 * WAIT_MS);
    }
    h = (alloc_header *)malloc(sizeof *h + size);
    if (!h) return NULL;
    h->h.owner = ca;
    h->h.size = size;
    ADD(&ca->allocs, 1);
    ADD(&ca->alloc_bytes, size);
    return h + 1;
}

static void ca_free(void *p, size_t size, void *user) {
    counting_alloc *ca = (counting_alloc *)user;
    alloc_header *h;
    if (!p) return;
    h = (alloc_header *)p - 1;
    if (h->h.owner != ca || h->h.size != size) ADD(&ca->bad_frees, 1);
    ADD(&ca->frees, 1);
    ADD(&ca->free_bytes, h->h.size);
    h->h.owner = NULL;
    free(h);
}

static void ca_init(counting_alloc *ca) { memset(ca, 0, sizeof *ca); }

static actor_system_desc ca_desc(counting_alloc *ca) {
    actor_system_desc d;
    memset(&d, 0, sizeof d);
    d.allocator.alloc = ca_alloc;
    d.allocator.free = ca_free;
    d.allocator.user = ca;
    return d;
}

static uint64_t ca_outstanding(counting_alloc *ca) { return LOAD(&ca->alloc_bytes) - LOAD(&ca->free_bytes); }

/* After actor_system_destroy: every byte back, every free well-formed. */
static void ca_check_balanced(counting_alloc *ca) {
    CHECK_EQ(LOAD(&ca->alloc_bytes), LOAD(&ca->free_bytes));
    CHECK_EQ(LOAD(&ca->allocs), LOAD(&ca->frees));
    CHECK_EQ(LOAD(&ca->bad_frees), 0);
}

/* ---- setup helpers ------------------------------------------------------------- */

static actor_system *new_system(counting_alloc *ca) {
    actor_system_desc d = ca_desc(ca);
    actor_system *sys = NULL;
    CHECK_OK(actor_system_create(&d, &sys));
    return sys;
}

static actor_host *new_host(actor_system *sys, const char *name, int workers) {
    actor_host_desc hd;
    actor_host *h = NULL;
    hd.name = name;
    hd.workers = workers;
    CHECK_OK(actor_host_create(sys, &hd, &h));
    return h;
}

static actor_context *attach(actor_system *sys) {
    actor_context *me = NULL;
    CHECK_OK(actor_attach(sys, &me));
    return me;
}

static actor_id spawn_full(actor_host *h, actor_fn fn, void *state, void (*dtor)(void *),
                           actor_context *parent, unsigned flags) {
    actor_spawn_desc d;
    actor_id id = actor_id_make(0);
    memset(&d, 0, sizeof d);
    d.fn = fn;
    d.state = state;
    d.state_dtor = dtor;
    d.parent = parent;
    d.flags = flags;
    CHECK_OK(actor_spawn(h, &d, &id));
    return id;
}

static actor_id spawn(actor_host *h, actor_fn fn, void *state) {
    return spawn_full(h, fn, state, NULL, NULL, 0);
}

/* Runs a manual host until it has nothing left to do; returns the turns. */
static int pump(actor_host *h) {
    int n, total = 0;
    while ((n = actor_host_run(h, 64)) > 0) total += n;
    CHECK_EQ(n, 0);
    return total;
}

/* Receives the next message with `tag` (skipping nothing: anything else is
   a failure). 1 = got it. */
static int expect_msg(actor_context *me, uint32_t tag, int64_t timeout_ms) {
    actor_msg m;
    actor_result r = actor_receive(me, &m, timeout_ms);
    if (r != ACTOR_OK) {
        harness_fail(__FILE__, __LINE__, "receive of tag %u: %s", (unsigned)tag, actor_result_string(r));
        return 0;
    }
    if (m.signal != ACTOR_MESSAGE || m.tag != tag) {
        harness_fail(__FILE__, __LINE__, "expected message tag %u, got signal %d tag %u", (unsigned)tag,
                     (int)m.signal, (unsigned)m.tag);
        return 0;
    }
    return 1;
}

enum { TAG_MARKER = 0x4D, TAG_RELEASE = 0x52 };

/* Receives what is queued for `me` up to a marker it sends itself, so it
   never waits on an empty mailbox. Returns the deliveries before the marker
   (those tagged TAG_PING are also added to *pings), or -1 when the marker
   could not be sent or the identity has ended. */
static long drain_to_marker(actor_context *me, uint64_t *pings) {
    actor_msg m;
    long n = 0;
    if (actor_send(me, actor_self(me), TAG_MARKER, NULL, 0) != ACTOR_OK) return -1;
    for (;;) {
        actor_result r = actor_receive(me, &m, WAIT_MS);
        if (r != ACTOR_OK) {
            CHECK(r == ACTOR_ERR_EXITED);
            return -1;
        }
        if (m.signal == ACTOR_MESSAGE && m.tag == TAG_MARKER && actor_id_equal(m.from, actor_self(me))) return n;
        if (pings && m.signal == ACTOR_MESSAGE && m.tag == TAG_PING) ++*pings;
        ++n;
    }
}

/* actor_receive run on a helper thread, so that a call that does not
   return is reported instead of hanging the whole run: still blocked 3 s
   after its own timeout, it is failed and released with a TAG_RELEASE
   message. */
typedef struct bounded_call {
    actor_context *me;
    int64_t timeout_ms;
    actor_msg msg;
    actor_result r;
    int finished;
} bounded_call;

static void *bounded_call_main(void *arg) {
    bounded_call *b = (bounded_call *)arg;
    b->r = actor_receive(b->me, &b->msg, b->timeout_ms);
    STORE(&b->finished, 1);
    return NULL;
}

static actor_result receive_bounded_at(actor_context *me, actor_msg *out, int64_t timeout_ms, int line) {
    bounded_call b;
    pthread_t t;
    memset(&b, 0, sizeof b);
    b.me = me;
    b.timeout_ms = timeout_ms;
    pthread_create(&t, NULL, bounded_call_main, &b);
    if (!wait_counter_int(&b.finished, (int)timeout_ms + 3000)) {
        harness_fail(__FILE__, line, "actor_receive(timeout %lld ms) still blocked %lld ms later",
                     (long long)timeout_ms, (long long)timeout_ms + 3000);
        actor_system_send(actor_system_of(me), actor_self(me), TAG_RELEASE, NULL, 0);
    }
    pthread_join(t, NULL);
    if (out) *out = b.msg;
    return b.r;
}
#define receive_bounded(me, out, timeout_ms) receive_bounded_at((me), (out), (timeout_ms), __LINE__)

/* ---- common behaviours --------------------------------------------------------- */

/* Counts what it receives; ends on TAG_EXIT. */
typedef struct counter {
    uint64_t messages; /* ordinary messages */
    uint64_t stale;    /* TAG_STALE: must stay 0 */
    uint64_t signals;  /* anything that is not ACTOR_MESSAGE */
    uint64_t dtor_runs;
} counter;

static void counter_fn(actor_context *self, const actor_msg *m) {
    counter *c = (counter *)actor_state(self);
    if (m->signal != ACTOR_MESSAGE) ADD(&c->signals, 1);
    else if (m->tag == TAG_EXIT) actor_exit(self, NULL);
    else if (m->tag == TAG_STALE) ADD(&c->stale, 1);
    else ADD(&c->messages, 1);
}

static void counter_dtor(void *p) { ADD(&((counter *)p)->dtor_runs, 1); }

static void idle_fn(actor_context *self, const actor_msg *m) {
    (void)self;
    (void)m;
}

/* Replies with the same tag and bytes: to the sender, or to reply_to for
   anonymous sends. */
typedef struct echo_state { actor_id reply_to; uint64_t handled; } echo_state;

static void echo_fn(actor_context *self, const actor_msg *m) {
    echo_state *st = (echo_state *)actor_state(self);
    actor_id to;
    if (m->signal != ACTOR_MESSAGE) return;
    to = actor_id_is_none(m->from) ? st->reply_to : m->from;
    if (st) ADD(&st->handled, 1);
    CHECK_OK(actor_send(self, to, m->tag, m->data, m->size));
}

/* Records the first deliveries it sees (for ordering checks). */
typedef struct rec_item {
    actor_signal signal;
    uint32_t tag;
    actor_id from;
    actor_host *from_host;
    size_t size;
    char text[24];
} rec_item;
typedef struct recorder { int n; rec_item items[16]; uint64_t total; } recorder;

static void recorder_fn(actor_context *self, const actor_msg *m) {
    recorder *r = (recorder *)actor_state(self);
    if (r->n < 16) {
        rec_item *it = &r->items[r->n++];
        size_t k = m->size < sizeof it->text - 1 ? m->size : sizeof it->text - 1;
        memset(it, 0, sizeof *it);
        it->signal = m->signal;
        it->tag = m->tag;
        it->from = m->from;
        it->from_host = m->from_host;
        it->size = m->size;
        if (m->data && k) memcpy(it->text, m->data, k);
    }
    ADD(&r->total, 1);
}

/* Counts destructor runs of move-sent payloads: data points at a slot. */
static void slot_dtor(void *data, size_t size) {
    (void)size;
    ADD((uint64_t *)data, 1);
}

/* ================================================================================ */
/* 11. Bad input                                                                    */
/* ================================================================================ */

TEST(bad_input_system_create) {
    counting_alloc ca;
    actor_system_desc d;
    actor_system *sys;
    actor_stats st;
    ca_init(&ca);
    d = ca_desc(&ca);
    CHECK_RESULT(actor_system_create(NULL, NULL), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_system_create(&d, NULL), ACTOR_ERR_INVALID);
    sys = (actor_system *)&d; /* garbage that a failed create must clear */
    d.allocator.free = NULL;  /* alloc without free */
    CHECK_RESULT(actor_system_create(&d, &sys), ACTOR_ERR_INVALID);
    CHECK(sys == NULL);
    d = ca_desc(&ca);
    d.allocator.alloc = NULL; /* free without alloc */
    CHECK_RESULT(actor_system_create(&d, &sys), ACTOR_ERR_INVALID);
    d = ca_desc(&ca);
    d.max_actors = 0x80000000u;
    CHECK_RESULT(actor_system_create(&d, &sys), ACTOR_ERR_INVALID);
    CHECK_EQ(LOAD(&ca.attempts), 0); /* rejected descs allocate nothing */

    actor_system_destroy(NULL);
    memset(&st, 0xAB, sizeof st);
    actor_system_stats(NULL, &st);
    CHECK_EQ(st.actors_live, 0);
    CHECK_EQ(st.bytes_in_use, 0);
    actor_system_stats(NULL, NULL);

    CHECK(!strcmp(actor_result_string(ACTOR_OK), "ok"));
    CHECK(!strcmp(actor_result_string(ACTOR_ERR_NOT_FOUND), "not found"));
    CHECK(!strcmp(actor_result_string((actor_result)-100), "unknown error"));
    {
        int r;
        for (r = ACTOR_ERR_EXITED; r <= ACTOR_OK; ++r) {
            const char *s = actor_result_string((actor_result)r);
            CHECK(s && *s && strcmp(s, "unknown error"));
        }
    }
}

TEST(zero_desc_means_defaults) {
    actor_system_desc d;
    actor_system *sys = NULL;
    actor_context *me;
    actor_host *m;
    counter c;
    actor_id cid;
    size_t max = (size_t)64 << 20;
    unsigned char *big = (unsigned char *)malloc(max + 1);
    actor_msg msg;
    int i;
    memset(&d, 0, sizeof d);
    CHECK_OK(actor_system_create(&d, &sys));
    if (!sys || !big) { free(big); return; }
    me = attach(sys);
    /* max_message_size 0 = 64 MiB: one byte more is refused before any copy */
    CHECK_RESULT(actor_send(me, actor_self(me), 1, big, max + 1), ACTOR_ERR_LIMIT);
    memset(big, 7, 1 << 20);
    CHECK_OK(actor_send(me, actor_self(me), 2, big, 1 << 20));
    CHECK_OK(actor_receive(me, &msg, WAIT_MS));
    CHECK_EQ(msg.tag, 2);
    CHECK_EQ(msg.size, 1 << 20);
    CHECK(((const unsigned char *)msg.data)[(1 << 20) - 1] == 7);
    /* batch 0 = 64 messages per turn */
    memset(&c, 0, sizeof c);
    m = new_host(sys, "manual", ACTOR_MANUAL);
    cid = spawn(m, counter_fn, &c);
    for (i = 0; i < 100; ++i) CHECK_OK(actor_send(me, cid, TAG_PING, NULL, 0));
    CHECK_EQ(actor_host_run(m, 1), 1);
    CHECK_EQ(c.messages, 64);
    pump(m);
    CHECK_EQ(c.messages, 100);
    actor_detach(me);
    actor_system_destroy(sys);
    free(big);

    /* NULL desc, NULL host desc (one worker per CPU): a round trip works */
    CHECK_OK(actor_system_create(NULL, &sys));
    if (sys) {
        actor_host *h = NULL;
        echo_state es;
        memset(&es, 0, sizeof es);
        CHECK_OK(actor_host_create(sys, NULL, &h));
        CHECK(h && actor_host_workers(h) >= 1);
        me = attach(sys);
        if (h) CHECK_OK(actor_send(me, spawn(h, echo_fn, &es), 9, "x", 2));
        expect_msg(me, 9, WAIT_MS);
        actor_detach(me);
        actor_system_destroy(sys);
    }
}

TEST(bad_input_hosts) {
    counting_alloc ca;
    actor_system *sys;
    actor_host_desc hd;
    actor_host *h = (actor_host *)&hd, *manual = NULL, *threads = NULL;
    char name[300];
    int n = 0, i;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    hd.name = "h";
    hd.workers = 1;
    CHECK_RESULT(actor_host_create(NULL, &hd, &h), ACTOR_ERR_INVALID);
    CHECK(h == NULL);
    CHECK_RESULT(actor_host_create(sys, &hd, NULL), ACTOR_ERR_INVALID);
    hd.workers = ACTOR_MANUAL - 1;
    CHECK_RESULT(actor_host_create(sys, &hd, &h), ACTOR_ERR_INVALID);
    hd.workers = 1025;
    CHECK_RESULT(actor_host_create(sys, &hd, &h), ACTOR_ERR_LIMIT);
    hd.workers = ACTOR_MANUAL;
    hd.name = "";
    CHECK_RESULT(actor_host_create(sys, &hd, &h), ACTOR_ERR_INVALID);
    hd.name = make_name(name, ACTOR_NAME_MAX + 1);
    CHECK_RESULT(actor_host_create(sys, &hd, &h), ACTOR_ERR_LIMIT);
    CHECK(h == NULL);

    hd.name = make_name(name, ACTOR_NAME_MAX); /* the longest allowed */
    CHECK_OK(actor_host_create(sys, &hd, &manual)); ++n;
    CHECK_RESULT(actor_host_create(sys, &hd, &h), ACTOR_ERR_EXISTS);
    CHECK(actor_host_find(sys, name) == manual);
    CHECK(!strcmp(actor_host_name(manual), name));
    CHECK_EQ(actor_host_workers(manual), ACTOR_MANUAL);
    CHECK(actor_host_system(manual) == sys);
    threads = new_host(sys, "threads", 2); ++n;
    CHECK_EQ(actor_host_workers(threads), 2);
    CHECK(actor_host_find(sys, "threads") == threads);
    CHECK(actor_host_find(sys, "nope") == NULL);
    CHECK(actor_host_find(sys, NULL) == NULL);
    CHECK(actor_host_find(NULL, "threads") == NULL);
    CHECK(actor_host_name(NULL) == NULL);
    CHECK_EQ(actor_host_workers(NULL), 0);
    CHECK(actor_host_system(NULL) == NULL);

    /* pumping is for manual hosts only */
    CHECK_RESULT(actor_host_run(NULL, 1), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_host_run(threads, 1), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_host_wait(NULL, 0), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_host_wait(threads, 0), ACTOR_ERR_INVALID);
    CHECK_EQ(actor_host_run(manual, 0), 0);

    /* ACTOR_MAX_HOSTS, then LIMIT */
    hd.workers = ACTOR_MANUAL;
    for (i = n; i < ACTOR_MAX_HOSTS; ++i) {
        snprintf(name, sizeof name, "m%d", i);
        hd.name = name;
        CHECK_OK(actor_host_create(sys, &hd, &h));
    }
    hd.name = "one-too-many";
    CHECK_RESULT(actor_host_create(sys, &hd, &h), ACTOR_ERR_LIMIT);
    CHECK(h == NULL);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* A NULL host name means "pick a name"; it must not collide with a name
   the program chose. */
TEST(host_default_name_is_unique) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *named, *unnamed = NULL;
    actor_host_desc hd;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    named = new_host(sys, "host1", ACTOR_MANUAL);
    hd.name = NULL;
    hd.workers = ACTOR_MANUAL;
    CHECK_OK(actor_host_create(sys, &hd, &unnamed));
    if (unnamed) {
        CHECK(strcmp(actor_host_name(unnamed), actor_host_name(named)) != 0);
        CHECK(actor_host_find(sys, actor_host_name(unnamed)) == unnamed);
    }
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

TEST(bad_input_spawn_and_send) {
    counting_alloc ca, ca2;
    actor_system_desc d;
    actor_system *sys = NULL, *other;
    actor_host *m;
    actor_context *me, *foreign;
    actor_spawn_desc sd;
    actor_id id, target;
    actor_stats before, after;
    counter c;
    char name[300], buf[1100];
    uint64_t moved = 0;
    ca_init(&ca);
    ca_init(&ca2);
    d = ca_desc(&ca);
    d.max_message_size = 1024;
    CHECK_OK(actor_system_create(&d, &sys));
    other = new_system(&ca2);
    if (!sys || !other) return;
    m = new_host(sys, "m", ACTOR_MANUAL);
    me = attach(sys);
    foreign = attach(other);
    memset(&c, 0, sizeof c);
    memset(buf, 1, sizeof buf);

    memset(&sd, 0, sizeof sd);
    sd.fn = counter_fn;
    sd.state = &c;
    id = actor_id_make(12345);
    CHECK_RESULT(actor_spawn(NULL, &sd, &id), ACTOR_ERR_INVALID);
    CHECK(actor_id_is_none(id));
    CHECK_RESULT(actor_spawn(m, NULL, &id), ACTOR_ERR_INVALID);
    sd.fn = NULL;
    CHECK_RESULT(actor_spawn(m, &sd, &id), ACTOR_ERR_INVALID);
    sd.fn = counter_fn;
    sd.flags = 1u << 4; /* unknown flag */
    CHECK_RESULT(actor_spawn(m, &sd, &id), ACTOR_ERR_INVALID);
    sd.flags = ACTOR_SPAWN_LINK; /* needs a parent */
    CHECK_RESULT(actor_spawn(m, &sd, &id), ACTOR_ERR_INVALID);
    sd.flags = ACTOR_SPAWN_MONITOR;
    CHECK_RESULT(actor_spawn(m, &sd, &id), ACTOR_ERR_INVALID);
    sd.flags = ACTOR_SPAWN_LINK;
    sd.parent = foreign; /* from another system */
    CHECK_RESULT(actor_spawn(m, &sd, &id), ACTOR_ERR_INVALID);
    sd.parent = NULL;
    sd.flags = ACTOR_SPAWN_START;
    sd.start_size = 4; /* size without data */
    CHECK_RESULT(actor_spawn(m, &sd, &id), ACTOR_ERR_INVALID);
    sd.start_data = buf;
    sd.start_size = 1025;
    CHECK_RESULT(actor_spawn(m, &sd, &id), ACTOR_ERR_LIMIT);
    sd.start_size = 0;
    sd.flags = 0;
    sd.name = "";
    CHECK_RESULT(actor_spawn(m, &sd, &id), ACTOR_ERR_INVALID);
    sd.name = make_name(name, ACTOR_NAME_MAX + 1);
    CHECK_RESULT(actor_spawn(m, &sd, &id), ACTOR_ERR_LIMIT);
    sd.name = "taken";
    CHECK_OK(actor_spawn(m, &sd, &target));
    actor_system_stats(sys, &before);
    CHECK_RESULT(actor_spawn(m, &sd, &id), ACTOR_ERR_EXISTS); /* nothing spawned */
    actor_system_stats(sys, &after);
    CHECK_EQ(after.actors_spawned, before.actors_spawned);
    CHECK_EQ(after.actors_live, before.actors_live);
    sd.name = NULL;
    CHECK_OK(actor_spawn(m, &sd, NULL)); /* out is optional */

    /* sends: limits and arguments */
    CHECK_RESULT(actor_send(NULL, target, 1, buf, 1), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_send(me, target, 1, NULL, 4), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_send(me, target, 1, buf, 1025), ACTOR_ERR_LIMIT);
    CHECK_OK(actor_send(me, target, 1, buf, 1024));
    CHECK_OK(actor_send(me, target, 1, NULL, 0));
    CHECK_RESULT(actor_send(me, actor_id_make(0), 1, buf, 1), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_system_send(NULL, target, 1, buf, 1), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_system_send(sys, target, 1, NULL, 4), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_system_send(sys, target, 1, buf, 1025), ACTOR_ERR_LIMIT);
    CHECK_RESULT(actor_system_send(sys, actor_id_make(0), 1, buf, 1), ACTOR_ERR_NOT_FOUND);
    CHECK_OK(actor_system_send(sys, target, 1, buf, 1024));
    CHECK_RESULT(actor_send_move(NULL, target, 1, &moved, 8, slot_dtor), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_send_move(me, target, 1, NULL, 8, slot_dtor), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_send_move(me, actor_id_make(0), 1, &moved, 8, slot_dtor), ACTOR_ERR_NOT_FOUND);
    CHECK_EQ(moved, 2); /* on every failure with data the destructor already ran (INVALID and NOT_FOUND) */
    CHECK_OK(actor_send_move(me, target, 1, &moved, 8, NULL)); /* no destructor is fine */
    CHECK_EQ(pump(m) > 0, 1);
    CHECK_EQ(c.messages, 4); /* the four sends that returned OK */

    actor_detach(foreign);
    actor_system_destroy(other);
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
    ca_check_balanced(&ca2);
}

/* A behaviour that misuses the attached-thread API. */
static void misuse_fn(actor_context *self, const actor_msg *m) {
    actor_msg out;
    (void)m;
    CHECK_RESULT(actor_receive(self, &out, 0), ACTOR_ERR_INVALID);
    actor_detach(self); /* not attached: ignored */
    CHECK(actor_host_of(self) != NULL);
    CHECK(actor_system_of(self) == actor_host_system(actor_host_of(self)));
}

TEST(bad_input_other_calls) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *m;
    actor_context *me;
    actor_id live, found = actor_id_make(1), none = actor_id_make(0);
    actor_timer t;
    actor_msg msg;
    char name[300];
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    m = new_host(sys, "m", ACTOR_MANUAL);
    me = attach(sys);
    live = spawn(m, misuse_fn, NULL);

    /* monitor / link */
    CHECK_RESULT(actor_monitor(NULL, live), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_monitor(me, actor_self(me)), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_monitor(me, none), ACTOR_ERR_NOT_FOUND);
    CHECK_OK(actor_monitor(me, live));
    CHECK_RESULT(actor_monitor(me, live), ACTOR_ERR_EXISTS);
    CHECK_RESULT(actor_demonitor(NULL, live), ACTOR_ERR_INVALID);
    CHECK_OK(actor_demonitor(me, live));
    CHECK_RESULT(actor_demonitor(me, live), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_link(NULL, live), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_link(me, actor_self(me)), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_link(me, none), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_unlink(me, live), ACTOR_OK); /* live, not linked */
    CHECK_RESULT(actor_unlink(NULL, live), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_cancel(NULL, none, live, 0), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_cancel(sys, none, live, -2), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_cancel(sys, none, none, 0), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_terminate(NULL, live), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_terminate(sys, none), ACTOR_ERR_NOT_FOUND);

    /* timers */
    t.value = 77;
    CHECK_RESULT(actor_after(NULL, 1, 1, &t), ACTOR_ERR_INVALID);
    CHECK_EQ(t.value, 0);
    CHECK_RESULT(actor_cancel_timer(NULL, t), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_cancel_timer(me, t), ACTOR_ERR_NOT_FOUND);
    t.value = 0xDEADBEEF12345678ull;
    CHECK_RESULT(actor_cancel_timer(me, t), ACTOR_ERR_NOT_FOUND);

    /* registry */
    CHECK_RESULT(actor_register(NULL, "x", live), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_register(sys, NULL, live), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_register(sys, "", live), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_register(sys, make_name(name, ACTOR_NAME_MAX + 1), live), ACTOR_ERR_LIMIT);
    CHECK_OK(actor_register(sys, make_name(name, ACTOR_NAME_MAX), live));
    CHECK_RESULT(actor_register(sys, "x", none), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_lookup(sys, "x", NULL), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_lookup(NULL, "x", &found), ACTOR_ERR_INVALID);
    CHECK(actor_id_is_none(found)); /* out is cleared on failure */
    CHECK_RESULT(actor_unregister(sys, "absent"), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_unregister(NULL, "absent"), ACTOR_ERR_INVALID);

    /* attached threads and accessors */
    CHECK_RESULT(actor_attach(NULL, &me), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_attach(sys, NULL), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_receive(NULL, &msg, 0), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_receive(me, NULL, 0), ACTOR_ERR_INVALID);
    actor_detach(NULL);
    CHECK(actor_id_is_none(actor_self(NULL)));
    CHECK(actor_state(NULL) == NULL);
    actor_set_state(NULL, NULL, NULL);
    CHECK(actor_host_of(NULL) == NULL);
    CHECK(actor_host_of(me) == NULL); /* attached: no host */
    CHECK(actor_system_of(NULL) == NULL);
    CHECK(actor_system_of(me) == sys);
    CHECK_EQ(actor_alive(NULL, live), 0);
    CHECK_EQ(actor_alive(sys, live), 1);
    actor_exit(NULL, NULL);
    CHECK_EQ(actor_exit_pending(NULL), 0);
    actor_yield(NULL);
    actor_trap_links(NULL, 1);
    CHECK_EQ(actor_traps_links(NULL), 0);

    CHECK_OK(actor_send(me, live, 1, NULL, 0)); /* runs misuse_fn's checks */
    CHECK_EQ(pump(m), 1);
    CHECK_EQ(actor_alive(sys, live), 1);
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* max_actors counts live actors (attached threads included). */
TEST(max_actors_limit) {
    counting_alloc ca;
    actor_system_desc d;
    actor_system *sys = NULL;
    actor_host *m;
    actor_context *extra = NULL;
    actor_spawn_desc sd;
    counter c[8];
    actor_id id;
    actor_stats st;
    int i;
    ca_init(&ca);
    d = ca_desc(&ca);
    d.max_actors = 8;
    CHECK_OK(actor_system_create(&d, &sys));
    if (!sys) return;
    m = new_host(sys, "m", ACTOR_MANUAL);
    memset(c, 0, sizeof c);
    for (i = 0; i < 8; ++i) spawn_full(m, counter_fn, &c[i], counter_dtor, NULL, 0);
    memset(&sd, 0, sizeof sd);
    sd.fn = counter_fn;
    CHECK_RESULT(actor_spawn(m, &sd, &id), ACTOR_ERR_LIMIT);
    CHECK(actor_id_is_none(id));
    CHECK_RESULT(actor_attach(sys, &extra), ACTOR_ERR_LIMIT);
    CHECK(extra == NULL);
    actor_system_stats(sys, &st);
    CHECK_EQ(st.actors_live, 8);
    actor_system_destroy(sys);
    for (i = 0; i < 8; ++i) CHECK_EQ(c[i].dtor_runs, 1);
    ca_check_balanced(&ca);
}

/* After every actor has ended, max_actors new ones fit again (the limit is
   on live actors). Here the actors end on a manual host's pump. */
TEST(max_actors_slots_reusable_after_exit) {
    counting_alloc ca;
    actor_system_desc d;
    actor_system *sys = NULL;
    actor_host *m;
    counter c[8];
    actor_id ids[8];
    actor_stats st;
    int i, ok = 0;
    ca_init(&ca);
    d = ca_desc(&ca);
    d.max_actors = 8;
    CHECK_OK(actor_system_create(&d, &sys));
    if (!sys) return;
    m = new_host(sys, "m", ACTOR_MANUAL);
    memset(c, 0, sizeof c);
    for (i = 0; i < 8; ++i) {
        ids[i] = spawn(m, counter_fn, &c[i]);
        CHECK_OK(actor_system_send(sys, ids[i], TAG_EXIT, NULL, 0));
    }
    pump(m);
    actor_system_stats(sys, &st);
    CHECK_EQ(st.actors_live, 0);
    CHECK_EQ(st.actors_exited, 8);
    for (i = 0; i < 8; ++i) {
        actor_spawn_desc sd;
        memset(&sd, 0, sizeof sd);
        sd.fn = counter_fn;
        sd.state = &c[i];
        if (actor_spawn(m, &sd, &ids[i]) == ACTOR_OK) ++ok;
    }
    CHECK_EQ(ok, 8);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* ================================================================================ */
/* 12. Stats                                                                        */
/* ================================================================================ */

TEST(stats_counters_move) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *m;
    actor_context *me;
    counter c[10];
    actor_id ids[10];
    actor_stats base, st;
    int i;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    m = new_host(sys, "m", ACTOR_MANUAL);
    actor_system_stats(sys, &base);
    CHECK_EQ(base.actors_live, 0);
    CHECK_EQ(base.actors_spawned, 0);
    CHECK_EQ(base.messages_sent, 0);
    CHECK_EQ(base.bytes_in_use, ca_outstanding(&ca));
    me = attach(sys);
    actor_system_stats(sys, &base);
    CHECK_EQ(base.actors_live, 1); /* attached threads count as live */

    memset(c, 0, sizeof c);
    for (i = 0; i < 10; ++i) ids[i] = spawn(m, counter_fn, &c[i]);
    actor_system_stats(sys, &st);
    CHECK_EQ(st.actors_spawned - base.actors_spawned, 10);
    CHECK_EQ(st.actors_live, 11);
    CHECK_EQ(st.messages_sent, base.messages_sent); /* spawn without START sends nothing */

    for (i = 0; i < 100; ++i) CHECK_OK(actor_send(me, ids[i % 10], TAG_PING, NULL, 0));
    actor_system_stats(sys, &st);
    CHECK_EQ(st.messages_sent - base.messages_sent, 100);
    CHECK_EQ(st.bytes_in_use, ca_outstanding(&ca));

    for (i = 0; i < 10; ++i) CHECK_OK(actor_send(me, ids[i], TAG_EXIT, NULL, 0));
    pump(m);
    actor_system_stats(sys, &st);
    CHECK_EQ(st.messages_sent - base.messages_sent, 110);
    CHECK_EQ(st.actors_exited - base.actors_exited, 10);
    CHECK_EQ(st.actors_live, 1);
    CHECK_EQ(st.bytes_in_use, ca_outstanding(&ca));
    for (i = 0; i < 10; ++i) CHECK_EQ(c[i].messages, 10);

    actor_detach(me);
    actor_system_stats(sys, &st);
    CHECK_EQ(st.actors_live, 0);
    CHECK_EQ(st.actors_exited, st.actors_spawned);
    actor_system_stats(sys, NULL);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* ================================================================================ */
/* 8. START and YIELD                                                               */
/* ================================================================================ */

TEST(start_delivered_first_with_payload) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *m;
    actor_context *me;
    actor_spawn_desc sd;
    recorder r1, r2;
    actor_id a, b;
    char payload[16] = "start-payload";
    int i;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    m = new_host(sys, "m", ACTOR_MANUAL);
    me = attach(sys);
    memset(&r1, 0, sizeof r1);
    memset(&r2, 0, sizeof r2);
    memset(&sd, 0, sizeof sd);
    sd.fn = recorder_fn;
    sd.state = &r1;
    sd.parent = me;
    sd.flags = ACTOR_SPAWN_START;
    sd.start_data = payload;
    sd.start_size = sizeof payload;
    CHECK_OK(actor_spawn(m, &sd, &a));
    memset(payload, 'X', sizeof payload); /* the payload was copied */
    for (i = 1; i <= 3; ++i) CHECK_OK(actor_send(me, a, (uint32_t)i, NULL, 0));
    sd.state = &r2; /* no parent, no payload */
    sd.parent = NULL;
    sd.start_data = NULL;
    sd.start_size = 0;
    CHECK_OK(actor_spawn(m, &sd, &b));
    CHECK_OK(actor_system_send(sys, b, 9, NULL, 0));
    pump(m);

    CHECK_EQ(r1.n, 4);
    CHECK_EQ(r1.items[0].signal, ACTOR_START);
    CHECK(!strcmp(r1.items[0].text, "start-payload"));
    CHECK_EQ(r1.items[0].size, 16);
    CHECK(actor_id_equal(r1.items[0].from, actor_self(me)));
    for (i = 1; i <= 3; ++i) {
        CHECK_EQ(r1.items[i].signal, ACTOR_MESSAGE);
        CHECK_EQ(r1.items[i].tag, i);
    }
    CHECK_EQ(r2.n, 2);
    CHECK_EQ(r2.items[0].signal, ACTOR_START);
    CHECK_EQ(r2.items[0].size, 0);
    CHECK(actor_id_is_none(r2.items[0].from));
    CHECK_EQ(r2.items[1].tag, 9);
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* Deliveries of a manual host, in order, from every actor. */
typedef struct ylog_entry { char who; actor_signal signal; uint32_t tag; } ylog_entry;
static ylog_entry ylog[32];
static int ylog_n;

/* State: a char naming the actor. Yields on tag 1 and tag 5. */
static void yielder_fn(actor_context *self, const actor_msg *m) {
    if (ylog_n < 32) {
        ylog[ylog_n].who = *(const char *)actor_state(self);
        ylog[ylog_n].signal = m->signal;
        ylog[ylog_n].tag = m->tag;
        ylog_n++;
    }
    if (m->signal == ACTOR_MESSAGE && (m->tag == 1 || m->tag == 5)) actor_yield(self);
}

static int ylog_is(int i, char who, actor_signal signal, uint32_t tag) {
    return i < ylog_n && ylog[i].who == who && ylog[i].signal == signal && ylog[i].tag == tag;
}

TEST(yield_delivers_yield_behind_others) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *m;
    actor_context *me;
    static char nx = 'X', ny = 'Y', nz = 'Z';
    actor_id x, y, z;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    m = new_host(sys, "m", ACTOR_MANUAL);
    me = attach(sys);
    ylog_n = 0;
    x = spawn(m, yielder_fn, &nx);
    y = spawn(m, yielder_fn, &ny);
    z = spawn(m, yielder_fn, &nz);
    CHECK_OK(actor_send(me, x, 1, NULL, 0)); /* X yields with message 2 queued */
    CHECK_OK(actor_send(me, x, 2, NULL, 0));
    CHECK_OK(actor_send(me, y, 10, NULL, 0));
    CHECK_OK(actor_send(me, z, 5, NULL, 0)); /* Z yields with an empty mailbox */
    pump(m);
    /* X goes behind Y and Z; YIELD comes before X's next message */
    CHECK_EQ(ylog_n, 6);
    CHECK(ylog_is(0, 'X', ACTOR_MESSAGE, 1));
    CHECK(ylog_is(1, 'Y', ACTOR_MESSAGE, 10));
    CHECK(ylog_is(2, 'Z', ACTOR_MESSAGE, 5));
    CHECK(ylog_is(3, 'X', ACTOR_YIELD, 0));
    CHECK(ylog_is(4, 'X', ACTOR_MESSAGE, 2));
    CHECK(ylog_is(5, 'Z', ACTOR_YIELD, 0));
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* An actor that yields on every ACTOR_YIELD (a long computation) still
   reads its mailbox: the rest of a YIELD turn handles the waiting messages,
   and it stays runnable (requeued, not idle) with its mailbox empty. */
typedef struct computer { int yields, messages; } computer;
static void computer_fn(actor_context *self, const actor_msg *m) {
    computer *c = (computer *)actor_state(self);
    if (m->signal == ACTOR_YIELD) { c->yields++; actor_yield(self); }
    else if (m->signal == ACTOR_MESSAGE && m->tag == 1) actor_yield(self); /* starts computing */
    else if (m->signal == ACTOR_MESSAGE) c->messages++;
}

static void yield_every_turn_case(uint32_t batch) {
    counting_alloc ca;
    actor_system_desc d;
    actor_system *sys = NULL;
    actor_host *m;
    actor_context *me;
    computer c = { 0, 0 };
    actor_id x;
    uint32_t tag, per_turn = batch ? batch : 3;
    ca_init(&ca);
    d = ca_desc(&ca);
    d.batch = batch;
    CHECK_OK(actor_system_create(&d, &sys));
    if (!sys) return;
    m = new_host(sys, "m", ACTOR_MANUAL);
    me = attach(sys);
    x = spawn(m, computer_fn, &c);
    CHECK_OK(actor_send(me, x, 1, NULL, 0));
    CHECK_EQ(actor_host_run(m, 1), 1); /* computing from here on */
    for (tag = 2; tag <= 4; ++tag) CHECK_OK(actor_send(me, x, tag, NULL, 0));
    CHECK_EQ(actor_host_run(m, 1), 1);
    CHECK_EQ(c.yields, 1);
    CHECK_EQ(c.messages, (int)per_turn); /* handled in the YIELD turn, not held back */
    while (c.messages < 3 && c.yields < 10) CHECK_EQ(actor_host_run(m, 1), 1);
    CHECK_EQ(c.messages, 3);
    tag = (uint32_t)c.yields;
    CHECK_EQ(actor_host_run(m, 1), 1); /* still runnable with nothing queued */
    CHECK_EQ(c.yields, (int)tag + 1);
    CHECK_EQ(c.messages, 3);
    CHECK_OK(actor_terminate(sys, x));
    pump(m);
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

TEST(yield_every_turn_still_reads_mailbox) {
    yield_every_turn_case(0); /* default batch: all three in one turn */
    yield_every_turn_case(1); /* one message per turn still gets through */
}

/* ================================================================================ */
/* Sender host, actor_host_of_id, on_exit                                           */
/* ================================================================================ */

/* Forwards to state->reply_to (an actor on another host). */
static void forward_fn(actor_context *self, const actor_msg *m) {
    echo_state *st = (echo_state *)actor_state(self);
    if (m->signal == ACTOR_MESSAGE) CHECK_OK(actor_send(self, st->reply_to, m->tag, m->data, m->size));
}

TEST(sender_host_and_host_of_id) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *one, *two;
    actor_context *me;
    echo_state fw;
    recorder r;
    actor_id a, rid;
    int i;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    one = new_host(sys, "one", ACTOR_MANUAL);
    two = new_host(sys, "two", ACTOR_MANUAL);
    me = attach(sys);
    memset(&r, 0, sizeof r);
    rid = spawn(two, recorder_fn, &r);
    fw.reply_to = rid;
    a = spawn(one, forward_fn, &fw);
    CHECK(actor_host_of_id(sys, a) == one);
    CHECK(actor_host_of_id(sys, rid) == two);
    CHECK(actor_host_of_id(sys, actor_self(me)) == NULL); /* attached */
    CHECK(actor_host_of_id(sys, actor_id_make(0)) == NULL);
    CHECK(actor_host_of_id(NULL, a) == NULL);
    CHECK_OK(actor_send(me, a, 1, NULL, 0));           /* arrives from a, on host one */
    CHECK_OK(actor_send(me, rid, 2, NULL, 0));         /* attached sender */
    CHECK_OK(actor_system_send(sys, rid, 3, NULL, 0)); /* anonymous */
    pump(one);
    pump(two);
    CHECK_EQ(r.n, 3);
    for (i = 0; i < r.n; ++i) {
        rec_item *it = &r.items[i];
        if (it->tag == 1) CHECK(it->from_host == one && actor_id_equal(it->from, a));
        else CHECK(it->from_host == NULL);
    }
    CHECK_OK(actor_terminate(sys, a));
    pump(one);
    CHECK(actor_host_of_id(sys, a) == NULL); /* dead */
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* on_exit: once, when the actor ends, with the reason; the id is already
   stale and the name released; before state_dtor and before EXIT. Never
   at system destroy. */
typedef struct exit_probe {
    actor_system *sys;
    actor_id id;
    int on_exit_runs, dtor_runs, dtor_before_on_exit, alive_in_on_exit, name_in_on_exit;
    actor_exit_kind kind;
} exit_probe;

static void probe_on_exit(actor_context *self, const actor_exit_reason *why) {
    exit_probe *p = (exit_probe *)actor_state(self);
    actor_id found;
    p->on_exit_runs++;
    p->kind = why ? why->kind : (actor_exit_kind)-1;
    p->dtor_before_on_exit = p->dtor_runs;
    p->alive_in_on_exit = actor_alive(p->sys, p->id);
    p->name_in_on_exit = actor_lookup(p->sys, "probe", &found) == ACTOR_OK;
}

static void probe_dtor(void *state) { ((exit_probe *)state)->dtor_runs++; }

TEST(on_exit_runs_once_before_state_dtor) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *m;
    actor_context *me;
    actor_spawn_desc sd;
    exit_probe p[2];
    actor_msg msg;
    int i;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    m = new_host(sys, "m", ACTOR_MANUAL);
    me = attach(sys);
    memset(p, 0, sizeof p); /* p[0] is terminated, p[1] is alive at destroy */
    for (i = 0; i < 2; ++i) {
        memset(&sd, 0, sizeof sd);
        sd.fn = idle_fn;
        sd.state = &p[i];
        sd.state_dtor = probe_dtor;
        sd.on_exit = probe_on_exit;
        sd.parent = me;
        sd.flags = ACTOR_SPAWN_MONITOR;
        sd.name = i == 0 ? "probe" : NULL;
        p[i].sys = sys;
        CHECK_OK(actor_spawn(m, &sd, &p[i].id));
    }
    CHECK_OK(actor_terminate(sys, p[0].id));
    pump(m);
    CHECK_EQ(p[0].on_exit_runs, 1);
    CHECK_EQ(p[0].kind, ACTOR_EXIT_TERMINATED);
    CHECK_EQ(p[0].dtor_before_on_exit, 0);
    CHECK_EQ(p[0].dtor_runs, 1);
    CHECK_EQ(p[0].alive_in_on_exit, 0);
    CHECK_EQ(p[0].name_in_on_exit, 0);
    CHECK_OK(actor_receive(me, &msg, WAIT_MS)); /* EXIT comes after all that */
    CHECK_EQ(msg.signal, ACTOR_EXIT);
    CHECK(actor_id_equal(msg.from, p[0].id));
    actor_detach(me);
    actor_system_destroy(sys);
    CHECK_EQ(p[1].on_exit_runs, 0); /* not at destroy */
    CHECK_EQ(p[1].dtor_runs, 1);
    ca_check_balanced(&ca);
}

/* ================================================================================ */
/* 9. Attached threads                                                              */
/* ================================================================================ */

/* Poll (0) and timed receives return ACTOR_ERR_TIMEOUT on an empty
   mailbox: on a fresh identity, after a consumed message, after a timeout. */
TEST(receive_timeout_and_poll) {
    counting_alloc ca;
    actor_system *sys;
    actor_context *me;
    actor_msg m;
    uint64_t t0;
    actor_result r;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    me = attach(sys);
    CHECK_RESULT(receive_bounded(me, &m, 0), ACTOR_ERR_TIMEOUT); /* fresh, empty */
    CHECK_RESULT(receive_bounded(me, &m, 0), ACTOR_ERR_TIMEOUT); /* again */
    CHECK_OK(actor_send(me, actor_self(me), 42, "abc", 4));
    CHECK_OK(actor_receive(me, &m, 0)); /* poll, something there */
    CHECK_EQ(m.signal, ACTOR_MESSAGE);
    CHECK_EQ(m.tag, 42);
    CHECK(actor_id_equal(m.from, actor_self(me)));
    CHECK(m.size == 4 && !strcmp((const char *)m.data, "abc"));
    CHECK_RESULT(receive_bounded(me, &m, 0), ACTOR_ERR_TIMEOUT); /* consumed: empty again */
    CHECK_OK(actor_send(me, actor_self(me), 43, NULL, 0));
    CHECK_OK(actor_receive(me, &m, 0));
    t0 = actor_now_ns();
    r = receive_bounded(me, &m, 30); /* has to sleep, then time out */
    CHECK_RESULT(r, ACTOR_ERR_TIMEOUT);
    if (r == ACTOR_ERR_TIMEOUT) CHECK(actor_now_ns() - t0 >= 30000000ull); /* never early */
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* An attached identity ended from outside: EXITED from then on, its id is
   stale, and a watcher gets EXIT (TERMINATED) once the thread detaches. */
TEST(attached_identity_terminated) {
    counting_alloc ca;
    actor_system *sys;
    actor_context *me, *watcher;
    actor_msg m;
    actor_id my_id;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    me = attach(sys);
    watcher = attach(sys);
    my_id = actor_self(me);
    CHECK_OK(actor_monitor(watcher, my_id));
    CHECK_OK(actor_terminate(sys, my_id));
    CHECK_RESULT(actor_receive(me, &m, WAIT_MS), ACTOR_ERR_EXITED);
    CHECK_RESULT(actor_receive(me, &m, 0), ACTOR_ERR_EXITED);
    CHECK_EQ(actor_alive(sys, my_id), 0);
    CHECK_RESULT(actor_send(watcher, my_id, 1, NULL, 0), ACTOR_ERR_NOT_FOUND);
    actor_detach(me);
    CHECK_OK(actor_receive(watcher, &m, WAIT_MS));
    CHECK_EQ(m.signal, ACTOR_EXIT);
    CHECK(actor_id_equal(m.from, my_id));
    CHECK(m.reason && m.reason->kind == ACTOR_EXIT_TERMINATED);
    actor_detach(watcher);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* ================================================================================ */
/* 7. Timers                                                                        */
/* ================================================================================ */

static const uint64_t timer_delays[5] = { 0, 1, 10, 25, 60 };

/* Sets five timers at START (longest first); checks each delivery against
   its own delay and reports home when all five came. */
typedef struct timing_probe {
    actor_id home;
    uint64_t set_ns;
    actor_timer t[5];
    int got[5], total;
} timing_probe;

static void timing_probe_fn(actor_context *self, const actor_msg *m) {
    timing_probe *p = (timing_probe *)actor_state(self);
    int i, k;
    if (m->signal == ACTOR_START) {
        p->home = m->from;
        p->set_ns = actor_now_ns();
        for (i = 4; i >= 0; --i) CHECK_OK(actor_after(self, timer_delays[i], 100u + (uint32_t)i, &p->t[i]));
        return;
    }
    CHECK_EQ(m->signal, ACTOR_TIMER);
    k = (int)m->tag - 100;
    if (m->signal != ACTOR_TIMER || k < 0 || k >= 5) return;
    CHECK(actor_now_ns() - p->set_ns >= timer_delays[k] * 1000000ull); /* lower bound only */
    CHECK_EQ(m->timer.value, p->t[k].value);
    CHECK(actor_id_is_none(m->from));
    CHECK_RESULT(actor_cancel_timer(self, p->t[k]), ACTOR_ERR_NOT_FOUND); /* already fired */
    p->got[k]++;
    if (++p->total == 5) CHECK_OK(actor_send(self, p->home, TAG_DONE, NULL, 0));
}

TEST(timer_fires_no_earlier_than_delay) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *h;
    actor_context *me;
    timing_probe p;
    actor_stats st;
    int i;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    h = new_host(sys, "h", 2);
    me = attach(sys);
    memset(&p, 0, sizeof p);
    spawn_full(h, timing_probe_fn, &p, NULL, me, ACTOR_SPAWN_START);
    expect_msg(me, TAG_DONE, WAIT_MS);
    for (i = 0; i < 5; ++i) CHECK_EQ(p.got[i], 1);
    actor_system_stats(sys, &st);
    CHECK_EQ(st.timers_fired, 5);
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* The only thread of the system is attached: its timers fire while it
   waits in actor_receive. */
TEST(timer_fires_for_attached_thread) {
    counting_alloc ca;
    actor_system *sys;
    actor_context *me;
    actor_timer t;
    actor_msg m;
    uint64_t t0;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    me = attach(sys);
    t0 = actor_now_ns();
    CHECK_OK(actor_after(me, 20, 7, &t));
    CHECK_OK(receive_bounded(me, &m, 5000));
    CHECK_EQ(m.signal, ACTOR_TIMER);
    CHECK_EQ(m.tag, 7);
    CHECK_EQ(m.timer.value, t.value);
    CHECK(actor_now_ns() - t0 >= 20000000ull);
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* A system with only a manual host: timers fire on the pumping thread
   alone, so when a later timer arrives every earlier one has been pushed. */
typedef struct timer_probe {
    actor_timer cancelled, early, late;
    uint64_t set_ns;
    int got_cancelled, got_early, got_late;
    actor_result cancel_fired, cancel_again;
} timer_probe;

static void timer_probe_fn(actor_context *self, const actor_msg *m) {
    timer_probe *p = (timer_probe *)actor_state(self);
    if (m->signal == ACTOR_START) {
        p->set_ns = actor_now_ns();
        CHECK_OK(actor_after(self, 5, 1, &p->cancelled));
        CHECK_OK(actor_after(self, 10, 2, &p->early));
        CHECK_OK(actor_after(self, 40, 3, &p->late));
        CHECK_OK(actor_cancel_timer(self, p->cancelled));
        return;
    }
    if (m->signal != ACTOR_TIMER) return;
    if (m->tag == 1) p->got_cancelled++;
    if (m->tag == 2) {
        p->got_early++;
        CHECK(actor_now_ns() - p->set_ns >= 10000000ull);
    }
    if (m->tag == 3) {
        p->got_late++;
        CHECK(actor_now_ns() - p->set_ns >= 40000000ull);
        p->cancel_fired = actor_cancel_timer(self, p->late);
        p->cancel_again = actor_cancel_timer(self, p->cancelled);
    }
}

TEST(timer_cancel_before_and_after_firing) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *m;
    timer_probe p;
    uint64_t end;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    m = new_host(sys, "m", ACTOR_MANUAL);
    memset(&p, 0, sizeof p);
    spawn_full(m, timer_probe_fn, &p, NULL, NULL, ACTOR_SPAWN_START);
    end = harness_now_ns() + (uint64_t)WAIT_MS * 1000000ull;
    while (!p.got_late && harness_now_ns() < end) {
        /* actor_host_wait also wakes up for due timers */
        actor_result r = actor_host_wait(m, 1000);
        CHECK(r == ACTOR_OK || r == ACTOR_ERR_TIMEOUT);
        CHECK(actor_host_run(m, 16) >= 0);
    }
    pump(m);
    CHECK_EQ(p.got_late, 1);
    CHECK_EQ(p.got_early, 1);
    CHECK_EQ(p.got_cancelled, 0);
    CHECK_RESULT(p.cancel_fired, ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(p.cancel_again, ACTOR_ERR_NOT_FOUND);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* Sets many short timers and one long one, then ends in the same turn:
   by actor_exit, or by actor_terminate on itself (the external path). */
typedef struct hoarder { int terminate; } hoarder;

static void hoarder_fn(actor_context *self, const actor_msg *m) {
    hoarder *h = (hoarder *)actor_state(self);
    int i;
    if (m->signal == ACTOR_START) {
        for (i = 1; i <= 50; ++i) CHECK_OK(actor_after(self, (uint64_t)i, 7, NULL));
        CHECK_OK(actor_after(self, 3600000, 7, NULL));
        if (h->terminate) CHECK_OK(actor_terminate(actor_system_of(self), actor_self(self)));
        else actor_exit(self, NULL);
    } else if (m->signal == ACTOR_TIMER) {
        CHECK(0); /* ended before any deadline, so never delivered */
    }
}

/* Spawns recorders (likely into the hoarders' old slots), then waits for
   one timer that is due after every hoarder timer. */
typedef struct latecomer { recorder kids[4]; actor_id kid_ids[4]; int done; } latecomer;

static void latecomer_fn(actor_context *self, const actor_msg *m) {
    latecomer *l = (latecomer *)actor_state(self);
    int i;
    if (m->signal == ACTOR_START) {
        for (i = 0; i < 4; ++i)
            l->kid_ids[i] = spawn_full(actor_host_of(self), recorder_fn, &l->kids[i], NULL, self, 0);
        CHECK_OK(actor_after(self, 80, 8, NULL));
    } else if (m->signal == ACTOR_TIMER) {
        CHECK_EQ(m->tag, 8);
        l->done = 1;
    }
}

TEST(timers_vanish_with_their_actor) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *m;
    hoarder self_ending = { 0 }, terminated = { 1 };
    latecomer *l = (latecomer *)calloc(1, sizeof *l);
    actor_id x, x2;
    actor_stats st;
    uint64_t end;
    int i, reused = 0;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys || !l) { free(l); return; }
    m = new_host(sys, "m", ACTOR_MANUAL);
    x = spawn_full(m, hoarder_fn, &self_ending, NULL, NULL, ACTOR_SPAWN_START);
    x2 = spawn_full(m, hoarder_fn, &terminated, NULL, NULL, ACTOR_SPAWN_START);
    pump(m);
    CHECK_EQ(actor_alive(sys, x), 0);
    CHECK_EQ(actor_alive(sys, x2), 0);
    spawn_full(m, latecomer_fn, l, NULL, NULL, ACTOR_SPAWN_START);
    end = harness_now_ns() + (uint64_t)WAIT_MS * 1000000ull;
    while (!l->done && harness_now_ns() < end) {
        actor_host_wait(m, 1000);
        actor_host_run(m, 16);
    }
    pump(m);
    CHECK_EQ(l->done, 1);
    for (i = 0; i < 4; ++i) {
        CHECK_EQ(l->kids[i].total, 0); /* no stray TIMER reached a new tenant */
        if ((uint32_t)l->kid_ids[i].value == (uint32_t)x.value ||
            (uint32_t)l->kid_ids[i].value == (uint32_t)x2.value) ++reused;
    }
    CHECK(reused > 0); /* the test needs a slot reused to mean anything */
    actor_system_stats(sys, &st);
    CHECK_EQ(st.timers_fired, 1); /* the latecomer's only */
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
    free(l);
}

/* ================================================================================ */
/* 2d. Manual (zero-worker) hosts                                                   */
/* ================================================================================ */

/* Deadlines past the wheel's reach (2^36 ms) once its clock has moved, and
   ones that cross a 2^36 ms boundary: each lands on a level the wheel has
   and fires at its time, never early (white box: the wheel is driven by
   hand under its lock, with timers that live on this stack). */
TEST(timer_wheel_far_and_boundary_deadlines) {
    counting_alloc ca;
    actor_system *sys;
    actor_context *me;
    actor_timer far1, far2;
    actor_msg m;
    actor__timer t[4], *fired;
    const uint64_t block = 1ull << (ACTOR__WHEEL_BITS * ACTOR__WHEEL_LEVELS);
    int i, n;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    me = attach(sys);
    /* through the API: the clock moves, then timers ~4 years and ~forever away */
    CHECK_OK(actor_after(me, 2, 1, &far1));
    CHECK_OK(actor_receive(me, &m, WAIT_MS));
    CHECK_OK(actor_after(me, 1ull << 37, 2, &far1));
    CHECK_OK(actor_after(me, UINT64_MAX / 2, 3, &far2));
    CHECK_OK(actor_cancel(sys, actor_self(me), actor_self(me), INT64_MAX));
    CHECK_OK(actor_receive(me, &m, WAIT_MS)); /* the CANCEL request itself */
    CHECK_EQ(m.signal, ACTOR_CANCEL);
    CHECK_OK(actor_cancel_timer(me, far1));
    CHECK_OK(actor_cancel_timer(me, far2));
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);

    sys = new_system(&ca); /* no threads, no timers: the wheel is ours */
    if (!sys) return;
    actor__lock(&sys->timer_lock);
    memset(t, 0, sizeof t);
    sys->elapsed = block - 3;               /* 3 ms before a top-level boundary */
    t[0].deadline = block - 2;              /* same block */
    t[1].deadline = block + 7;              /* across the boundary */
    t[2].deadline = block - 3 + (block << 4); /* far past the horizon */
    for (i = 0; i < 3; ++i) {
        actor__wheel_insert(sys, &t[i]);
        CHECK(t[i].level < ACTOR__WHEEL_LEVELS);
    }
    for (n = 0, fired = NULL, actor__wheel_advance(sys, block - 1, &fired); fired; fired = fired->next) {
        CHECK(fired == &t[0]);
        ++n;
    }
    CHECK_EQ(n, 1);
    /* the very last millisecond of the block: a new far timer waits in the
       slot the wheel reads as "next millisecond" */
    t[3].deadline = block + 3;
    actor__wheel_insert(sys, &t[3]);
    CHECK(t[3].level < ACTOR__WHEEL_LEVELS);
    CHECK(actor__wheel_next(sys, &i, &n) > sys->elapsed);
    for (n = 0, fired = NULL, actor__wheel_advance(sys, block + 2, &fired); fired; fired = fired->next) ++n;
    CHECK_EQ(n, 0); /* nothing is early */
    for (n = 0, fired = NULL, actor__wheel_advance(sys, block + 7, &fired); fired; fired = fired->next) {
        CHECK(fired == &t[1] || fired == &t[3]);
        ++n;
    }
    CHECK_EQ(n, 2);
    CHECK(t[2].level < ACTOR__WHEEL_LEVELS);
    actor__wheel_remove(sys, &t[2]); /* the far one waits on */
    actor__unlock(&sys->timer_lock);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* A timeout too long to represent as a deadline waits (it used to wrap
   around and time out at once). */
typedef struct late_sender { actor_system *sys; actor_id to; } late_sender;
static void *late_send_main(void *arg) {
    late_sender *ls = (late_sender *)arg;
    sleep_us(30000);
    CHECK_OK(actor_system_send(ls->sys, ls->to, TAG_PING, NULL, 0));
    return NULL;
}
TEST(huge_timeouts_wait) {
    static const int64_t huge[] = { INT64_MAX, 18446744073709LL, INT64_MAX / 1000 };
    counting_alloc ca;
    actor_system *sys;
    actor_context *me;
    actor_host *mh;
    actor_msg m;
    late_sender ls;
    pthread_t th;
    counter c;
    size_t k;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    me = attach(sys);
    mh = new_host(sys, "m", ACTOR_MANUAL);
    memset(&c, 0, sizeof c);
    for (k = 0; k < sizeof huge / sizeof huge[0]; ++k) {
        uint64_t t0 = actor_now_ns();
        ls.sys = sys;
        ls.to = actor_self(me);
        CHECK(pthread_create(&th, NULL, late_send_main, &ls) == 0);
        CHECK_OK(actor_receive(me, &m, huge[k]));
        CHECK(actor_now_ns() - t0 >= 20000000ull);
        pthread_join(th, NULL);
        ls.to = spawn(mh, counter_fn, &c);
        t0 = actor_now_ns();
        CHECK(pthread_create(&th, NULL, late_send_main, &ls) == 0);
        CHECK_OK(actor_host_wait(mh, huge[k]));
        CHECK(actor_now_ns() - t0 >= 20000000ull);
        pthread_join(th, NULL);
        pump(mh);
    }
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* A malformed exit reason is refused (INVALID) and the actor still ends,
   with an error that says why; nothing reads the missing data. */
static void bad_exit_fn(actor_context *self, const actor_msg *msg) {
    actor_exit_reason r;
    memset(&r, 0, sizeof r);
    r.kind = ACTOR_EXIT_ERROR;
    r.message = "bad";
    switch (msg->tag) {
    case 1: r.size = 16; break;                            /* data NULL, size 16 */
    case 2: r.kind = (actor_exit_kind)99; break;           /* no such kind */
    case 3: r.data = msg; r.size = 4096; break;            /* over max_message_size */
    default: r.data = "ok"; r.size = 3; break;             /* well formed */
    }
    CHECK_RESULT(actor_exit(self, &r), msg->tag <= 3 ? ACTOR_ERR_INVALID : ACTOR_OK);
}
TEST(exit_reason_validated) {
    counting_alloc ca;
    actor_system_desc d;
    actor_system *sys = NULL;
    actor_host *h;
    actor_context *me;
    actor_msg m;
    uint32_t tag;
    ca_init(&ca);
    d = ca_desc(&ca);
    d.max_message_size = 1024;
    CHECK_OK(actor_system_create(&d, &sys));
    if (!sys) return;
    h = new_host(sys, "h", 2);
    me = attach(sys);
    CHECK_RESULT(actor_exit(NULL, NULL), ACTOR_ERR_INVALID);
    for (tag = 1; tag <= 4; ++tag) {
        actor_id id = spawn_full(h, bad_exit_fn, NULL, NULL, me, ACTOR_SPAWN_MONITOR);
        CHECK_OK(actor_send(me, id, tag, NULL, 0));
        CHECK_OK(actor_receive(me, &m, WAIT_MS));
        CHECK_EQ(m.signal, ACTOR_EXIT);
        if (m.signal != ACTOR_EXIT) continue;
        CHECK_EQ(m.reason->kind, ACTOR_EXIT_ERROR);
        if (tag <= 3) {
            CHECK(!strncmp(m.reason->message, "invalid exit reason", 19));
            CHECK(m.reason->size == 0 && m.reason->data == NULL);
        } else {
            CHECK(!strcmp(m.reason->message, "bad") && m.reason->size == 3 && !strcmp((const char *)m.reason->data, "ok"));
        }
    }
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* A cancel deadline is a timer on the target, but not one of its own
   timers: actor_cancel_timer cannot lift it, whatever id it forges. */
TEST(cancel_deadline_cannot_be_lifted_by_its_target) {
    counting_alloc ca;
    actor_system *sys;
    actor_context *me;
    actor_msg m;
    uint32_t idx, gen;
    uint64_t t0;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    me = attach(sys);
    CHECK_OK(actor_cancel(sys, actor_self(me), actor_self(me), 50));
    CHECK_OK(actor_receive(me, &m, WAIT_MS));
    CHECK_EQ(m.signal, ACTOR_CANCEL);
    for (idx = 0; idx < 8; ++idx)
        for (gen = 0; gen < 8; ++gen) {
            actor_timer t;
            t.value = ((uint64_t)gen << 32) | idx;
            CHECK_RESULT(actor_cancel_timer(me, t), ACTOR_ERR_NOT_FOUND);
        }
    t0 = actor_now_ns();
    CHECK_RESULT(actor_receive(me, &m, WAIT_MS), ACTOR_ERR_EXITED); /* the deadline ended it */
    CHECK(actor_now_ns() - t0 < (uint64_t)WAIT_MS * 1000000ull);
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* actor_system_destroy from inside the system (a behaviour on a worker, or
   a thread inside actor_host_run) is refused; from outside it works. */
static void destroy_inside_fn(actor_context *self, const actor_msg *msg) {
    actor_system *sys = *(actor_system **)actor_state(self);
    CHECK_RESULT(actor_system_destroy(sys), ACTOR_ERR_INVALID);
    actor_send(self, msg->from, TAG_DONE, NULL, 0);
}
TEST(destroy_from_inside_is_refused) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *h, *mh;
    actor_context *me;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    h = new_host(sys, "h", 2);
    mh = new_host(sys, "m", ACTOR_MANUAL);
    me = attach(sys);
    CHECK_OK(actor_send(me, spawn(h, destroy_inside_fn, &sys), TAG_PING, NULL, 0));
    expect_msg(me, TAG_DONE, WAIT_MS);
    CHECK_OK(actor_send(me, spawn(mh, destroy_inside_fn, &sys), TAG_PING, NULL, 0));
    pump(mh);
    expect_msg(me, TAG_DONE, WAIT_MS);
    actor_detach(me);
    CHECK_OK(actor_system_destroy(sys));
    ca_check_balanced(&ca);
}

TEST(manual_host_pumped_by_hand) {
    counting_alloc ca;
    actor_system_desc d;
    actor_system *sys = NULL;
    actor_host *m;
    actor_context *me;
    echo_state es;
    counter c[3];
    actor_id e, ids[3];
    int i;
    ca_init(&ca);
    d = ca_desc(&ca);
    d.batch = 4;
    CHECK_OK(actor_system_create(&d, &sys));
    if (!sys) return;
    m = new_host(sys, "m", ACTOR_MANUAL);
    me = attach(sys);
    memset(&es, 0, sizeof es);
    memset(c, 0, sizeof c);
    e = spawn(m, echo_fn, &es);
    CHECK_EQ(actor_host_run(m, 10), 0); /* nothing to do */
    CHECK_RESULT(actor_host_wait(m, 0), ACTOR_ERR_TIMEOUT);
    for (i = 0; i < 3; ++i) CHECK_OK(actor_send(me, e, (uint32_t)i, &i, sizeof i));
    CHECK_EQ(es.handled, 0); /* nobody ran it yet */
    CHECK_OK(actor_host_wait(m, 0)); /* work is waiting */
    CHECK_EQ(actor_host_run(m, 10), 1);
    for (i = 0; i < 3; ++i) expect_msg(me, (uint32_t)i, 0);
    CHECK_EQ(actor_host_run(m, 10), 0);

    /* budget counts turns; a turn handles up to `batch` (4) messages */
    for (i = 0; i < 3; ++i) ids[i] = spawn(m, counter_fn, &c[i]);
    for (i = 0; i < 10; ++i) CHECK_OK(actor_send(me, ids[0], TAG_PING, NULL, 0));
    CHECK_OK(actor_send(me, ids[1], TAG_PING, NULL, 0));
    CHECK_OK(actor_send(me, ids[2], TAG_PING, NULL, 0));
    CHECK_EQ(actor_host_run(m, 1), 1);
    CHECK_EQ(c[0].messages, 4);
    CHECK_EQ(actor_host_run(m, 2), 2);
    CHECK_EQ(c[1].messages + c[2].messages, 2);
    CHECK_EQ(pump(m), 2);
    CHECK_EQ(c[0].messages, 10);
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* actor_host_wait is woken by sends from another (non-attached) thread. */
typedef struct wake_probe {
    actor_system *sys;
    actor_id target;
    uint64_t processed; /* written by the actor */
    uint64_t rounds;
    int stop;
    uint64_t seed;
} wake_probe;

static void seq_counter_fn(actor_context *self, const actor_msg *m) {
    wake_probe *w = (wake_probe *)actor_state(self);
    if (m->signal != ACTOR_MESSAGE) return;
    CHECK_EQ(m->tag, (uint32_t)LOAD(&w->processed)); /* in order, once each */
    ADD(&w->processed, 1);
}

static void *manual_sender_main(void *arg) {
    wake_probe *w = (wake_probe *)arg;
    uint64_t i, rng = w->seed;
    for (i = 0; i < w->rounds && !LOAD(&w->stop); ++i) {
        while (LOAD(&w->processed) < i && !LOAD(&w->stop)) sched_yield();
        jitter(&rng); /* sometimes the pump is already asleep, sometimes not */
        CHECK_OK(actor_system_send(w->sys, w->target, (uint32_t)i, NULL, 0));
    }
    return NULL;
}

TEST(manual_host_wait_woken_by_other_thread) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *m;
    wake_probe w;
    pthread_t t;
    int timeouts = 0;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    m = new_host(sys, "m", ACTOR_MANUAL);
    memset(&w, 0, sizeof w);
    w.sys = sys;
    w.rounds = (uint64_t)scaled(20000);
    w.seed = 11;
    w.target = spawn(m, seq_counter_fn, &w);
    pthread_create(&t, NULL, manual_sender_main, &w);
    while (LOAD(&w.processed) < w.rounds) {
        if (actor_host_wait(m, 5000) != ACTOR_OK) { ++timeouts; break; }
        CHECK(actor_host_run(m, 8) >= 0);
    }
    STORE(&w.stop, 1);
    pthread_join(t, NULL);
    CHECK_EQ(timeouts, 0);
    CHECK_EQ(LOAD(&w.processed), w.rounds);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* actor_host_wake ends a pump's wait that no work would end: at once when
   it came first, else from another thread while the pump sleeps. */
typedef struct waker { actor_host *host; uint64_t seed; int woke; } waker;

static void *waker_main(void *arg) {
    waker *k = (waker *)arg;
    jitter(&k->seed); /* sometimes before the pump sleeps, sometimes after */
    CHECK_OK(actor_host_wake(k->host));
    STORE(&k->woke, 1);
    return NULL;
}

TEST(manual_host_wake_ends_a_wait) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *m, *threads;
    int round, rounds = scaled(500);
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    m = new_host(sys, "m", ACTOR_MANUAL);
    threads = new_host(sys, "t", 1);
    CHECK_RESULT(actor_host_wake(NULL), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_host_wake(threads), ACTOR_ERR_INVALID);
    CHECK_OK(actor_host_wake(m));
    CHECK_OK(actor_host_wait(m, -1)); /* woken before it waited: returns at once */
    CHECK_RESULT(actor_host_wait(m, 0), ACTOR_ERR_TIMEOUT); /* the wake was used up */
    for (round = 0; round < rounds; ++round) {
        waker k;
        pthread_t t;
        k.host = m;
        k.seed = (uint64_t)round * 7919u + 1u;
        k.woke = 0;
        pthread_create(&t, NULL, waker_main, &k);
        CHECK_OK(actor_host_wait(m, 60000)); /* only the wake can end it before a minute */
        pthread_join(t, NULL);
        CHECK(LOAD(&k.woke));
        CHECK_RESULT(actor_host_wait(m, 0), ACTOR_ERR_TIMEOUT); /* one wake ends one wait */
    }
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* ================================================================================ */
/* 3. Stale and forged ids                                                          */
/* ================================================================================ */

/* Every id-taking call on `id` reports NOT_FOUND (`id` names no live actor). */
static void check_id_not_found(actor_system *sys, actor_context *me, actor_id id) {
    uint64_t moved = 0;
    CHECK_EQ(actor_alive(sys, id), 0);
    CHECK_RESULT(actor_send(me, id, TAG_STALE, "x", 1), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_system_send(sys, id, TAG_STALE, "x", 1), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_send_move(me, id, TAG_STALE, &moved, 1, slot_dtor), ACTOR_ERR_NOT_FOUND);
    CHECK_EQ(moved, 1); /* ran before the call returned */
    CHECK_RESULT(actor_monitor(me, id), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_demonitor(me, id), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_link(me, id), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_unlink(me, id), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_cancel(sys, actor_self(me), id, 0), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_cancel(sys, actor_self(me), id, ACTOR_NO_DEADLINE), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_terminate(sys, id), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_register(sys, "stale-name", id), ACTOR_ERR_NOT_FOUND);
}

TEST(stale_id_not_found_after_exit) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *h;
    actor_context *me;
    actor_spawn_desc sd;
    counter c;
    actor_id a, found;
    actor_msg m;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    h = new_host(sys, "h", 2);
    me = attach(sys);
    memset(&c, 0, sizeof c);
    memset(&sd, 0, sizeof sd);
    sd.fn = counter_fn;
    sd.state = &c;
    sd.state_dtor = counter_dtor;
    sd.name = "soon-stale";
    CHECK_OK(actor_spawn(h, &sd, &a));
    CHECK_OK(actor_lookup(sys, "soon-stale", &found));
    CHECK(actor_id_equal(found, a));
    CHECK_OK(actor_monitor(me, a));
    CHECK_OK(actor_send(me, a, TAG_EXIT, NULL, 0));
    CHECK_OK(actor_receive(me, &m, WAIT_MS));
    CHECK_EQ(m.signal, ACTOR_EXIT);
    CHECK(actor_id_equal(m.from, a));
    CHECK(m.reason && m.reason->kind == ACTOR_EXIT_NORMAL);
    /* the EXIT arrived, so the id is already stale and the name released */
    check_id_not_found(sys, me, a);
    CHECK_RESULT(actor_lookup(sys, "soon-stale", &found), ACTOR_ERR_NOT_FOUND);
    CHECK_EQ(c.dtor_runs, 1);
    CHECK_EQ(c.stale, 0);
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* A slot freed by a detached thread is the next one handed out: the new
   tenant shares the slot index but never sees what is sent to the old id. */
TEST(stale_id_never_reaches_new_tenant) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *m;
    actor_context *me, *old;
    counter c;
    actor_id old_id, fresh;
    int i;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    m = new_host(sys, "m", ACTOR_MANUAL);
    me = attach(sys);
    old = attach(sys);
    old_id = actor_self(old);
    actor_detach(old);
    memset(&c, 0, sizeof c);
    fresh = spawn(m, counter_fn, &c);
    CHECK_EQ((uint32_t)fresh.value, (uint32_t)old_id.value); /* same slot */
    CHECK(!actor_id_equal(fresh, old_id));                   /* new generation */
    for (i = 0; i < 10; ++i) check_id_not_found(sys, me, old_id);
    CHECK_OK(actor_send(me, fresh, TAG_PING, NULL, 0));
    pump(m);
    CHECK_EQ(c.messages, 1);
    CHECK_EQ(c.stale, 0);
    CHECK_EQ(c.signals, 0); /* no CANCEL, LINK or MONITOR leaked through */
    CHECK_EQ(actor_alive(sys, fresh), 1);
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* Churn on worker threads: old ids of every round stay dead while their
   slots are reused. */
#define CHURN_K 256

/* Spawns CHURN_K monitored counters on `h`, has each handle one message
   and end, and waits for all their EXITs. */
static void churn_round(actor_host *h, actor_context *me, counter *c, actor_id *ids) {
    int k, exits = 0;
    actor_msg m;
    for (k = 0; k < CHURN_K; ++k) {
        ids[k] = spawn_full(h, counter_fn, &c[k], counter_dtor, NULL, 0);
        CHECK_OK(actor_monitor(me, ids[k]));
    }
    for (k = 0; k < CHURN_K; ++k) {
        CHECK_OK(actor_send(me, ids[k], TAG_PING, NULL, 0));
        CHECK_OK(actor_send(me, ids[k], TAG_EXIT, NULL, 0));
    }
    while (exits < CHURN_K && actor_receive(me, &m, WAIT_MS) == ACTOR_OK)
        if (m.signal == ACTOR_EXIT) ++exits;
    CHECK_EQ(exits, CHURN_K);
}

TEST(stale_ids_churn_on_workers) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *h;
    actor_context *me;
    int rounds = 3 + (int)scaled(40), r, i, n, reused = 0;
    counter *c = (counter *)calloc((size_t)rounds * CHURN_K, sizeof *c);
    actor_id *ids = (actor_id *)calloc((size_t)rounds * CHURN_K, sizeof *ids);
    unsigned char *slot_used = (unsigned char *)calloc((size_t)rounds * CHURN_K * 4 + 4096, 1);
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys || !c || !ids || !slot_used) goto out;
    h = new_host(sys, "h", 2);
    me = attach(sys);
    for (r = 0; r < rounds; ++r) {
        churn_round(h, me, &c[r * CHURN_K], &ids[r * CHURN_K]);
        n = (r + 1) * CHURN_K;
        for (i = 0; i < n; ++i) /* every id so far is dead */
            CHECK_RESULT(actor_system_send(sys, ids[i], TAG_STALE, NULL, 0), ACTOR_ERR_NOT_FOUND);
    }
    n = rounds * CHURN_K;
    for (i = 0; i < n; ++i) {
        uint32_t slot = (uint32_t)ids[i].value;
        CHECK_EQ(c[i].messages, 1);
        CHECK_EQ(c[i].stale, 0);
        CHECK_EQ(c[i].dtor_runs, 1);
        if (slot < (uint32_t)(rounds * CHURN_K * 4 + 4096)) {
            reused += slot_used[slot];
            slot_used[slot] = 1;
        }
    }
    CHECK(reused > 0); /* slots really were reused under the stale ids */
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
out:
    free(c);
    free(ids);
    free(slot_used);
}

TEST(forged_ids_not_found) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *m;
    actor_context *me;
    counter c;
    actor_id live, forged[5];
    uint64_t rng = 2024;
    long i, n = scaled(2000);
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    m = new_host(sys, "m", ACTOR_MANUAL);
    me = attach(sys);
    memset(&c, 0, sizeof c);
    live = spawn(m, counter_fn, &c);
    forged[0] = actor_id_make(0);
    forged[1] = actor_id_make(0xFFFFFFFFull);                         /* generation 0 */
    forged[2] = actor_id_make(live.value + (1ull << 32));             /* next generation */
    forged[3] = actor_id_make((live.value & ~0xFFFFFFFFull) | 1000u); /* never-used slot */
    forged[4] = actor_id_make(0xFFFFFFFFFFFFFFFFull);
    for (i = 0; i < 5; ++i) check_id_not_found(sys, me, forged[i]);
    for (i = 0; i < n; ++i) {
        uint64_t v = rng_next(&rng);
        if (i & 1) v = (v & ~0xFFFFFFFFull) | (v % 2048); /* a slot in the table */
        if (v == live.value || v == actor_self(me).value) continue;
        check_id_not_found(sys, me, actor_id_make(v));
    }
    pump(m);
    CHECK_EQ(c.stale, 0);
    CHECK_EQ(c.signals, 0);
    CHECK_EQ(drain_to_marker(me, NULL), 0); /* nothing reached the test thread either */
    CHECK_EQ(actor_alive(sys, live), 1);
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* ================================================================================ */
/* 4. Messages to dead actors, move-send destructors                                */
/* ================================================================================ */

static const size_t payload_sizes[] = { 0, 100, 600, 5000 }; /* every block class */

TEST(messages_to_dead_actors_are_freed) {
    enum { N = 100 };
    counting_alloc ca;
    actor_system *sys;
    actor_host *m;
    actor_context *me;
    counter dead_c, live_c;
    actor_id dead, live;
    actor_stats st;
    static uint64_t queued[N], after_death[N], delivered[N];
    static char buf[5000];
    int i;
    ca_init(&ca);
    memset(queued, 0, sizeof queued);
    memset(after_death, 0, sizeof after_death);
    memset(delivered, 0, sizeof delivered);
    sys = new_system(&ca);
    if (!sys) return;
    m = new_host(sys, "m", ACTOR_MANUAL);
    me = attach(sys);
    memset(&dead_c, 0, sizeof dead_c);
    memset(&live_c, 0, sizeof live_c);
    dead = spawn(m, counter_fn, &dead_c);
    live = spawn(m, counter_fn, &live_c);

    /* queued behind the message that ends it */
    CHECK_OK(actor_send(me, dead, TAG_EXIT, NULL, 0));
    for (i = 0; i < N; ++i) {
        CHECK_OK(actor_send(me, dead, TAG_PING, buf, payload_sizes[i % 4]));
        CHECK_OK(actor_send_move(me, dead, TAG_PING, &queued[i], 1, slot_dtor));
    }
    pump(m);
    CHECK_EQ(dead_c.messages, 0);
    for (i = 0; i < N; ++i) CHECK_EQ(queued[i], 1); /* freed when it ended */

    /* sent after it ended */
    for (i = 0; i < N; ++i) {
        CHECK_RESULT(actor_send(me, dead, TAG_PING, buf, payload_sizes[i % 4]), ACTOR_ERR_NOT_FOUND);
        CHECK_RESULT(actor_send_move(me, dead, TAG_PING, &after_death[i], 1, slot_dtor), ACTOR_ERR_NOT_FOUND);
        CHECK_EQ(after_death[i], 1);
    }

    /* delivered: freed once, after delivery (the last one may live until
       the next receive, here until destroy) */
    for (i = 0; i < N; ++i) CHECK_OK(actor_send_move(me, live, TAG_PING, &delivered[i], 1, slot_dtor));
    pump(m);
    CHECK_EQ(live_c.messages, N);
    for (i = 0; i < N - 1; ++i) CHECK_EQ(delivered[i], 1);
    CHECK(delivered[N - 1] <= 1);
    actor_system_stats(sys, &st);
    CHECK_EQ(st.bytes_in_use, ca_outstanding(&ca));
    actor_detach(me);
    actor_system_destroy(sys);
    for (i = 0; i < N; ++i) CHECK_EQ(delivered[i] + queued[i] + after_death[i], 3);
    ca_check_balanced(&ca);
}

/* A limited mailbox: a receiver that keeps up lives on however much passes
   through; one that falls behind by more than the limit ends "memory
   limit exceeded", the refused message is dropped at once, the queued
   ones when it ends, and the senders only ever see OK. */
static actor_id spawn_limited(actor_host *h, actor_fn fn, void *state, size_t limit) {
    actor_spawn_desc d;
    actor_id id = actor_id_make(0);
    memset(&d, 0, sizeof d);
    d.fn = fn;
    d.state = state;
    d.mailbox_limit = limit;
    CHECK_OK(actor_spawn(h, &d, &id));
    return id;
}

/* Cancels cost no memory when repeated: an actor keeps one deadline, the
   earliest asked for (a later one never postpones it), and CANCEL signals
   are charged to a limited mailbox like messages, as are monitor / link
   requests and their undoing. */
static void expect_exit(actor_host *m, actor_context *me, actor_id who, actor_exit_kind kind, const char *message) {
    actor_msg msg;
    uint64_t t0 = actor_now_ns();
    for (;;) {
        actor_result r;
        pump(m);
        actor_host_wait(m, 5);
        r = actor_receive(me, &msg, 0);
        if (r == ACTOR_OK && msg.signal == ACTOR_EXIT && msg.from.value == who.value) break;
        if ((actor_now_ns() - t0) / 1000000u > WAIT_MS) { CHECK(!"no EXIT"); return; }
    }
    CHECK_EQ(msg.reason->kind, kind);
    CHECK(!strcmp(msg.reason->message, message));
}

TEST(repeated_cancels_cost_no_memory) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *m;
    actor_context *me;
    counter c, lc;
    actor_id x, y;
    actor_stats st;
    int i, k;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    m = new_host(sys, "m", ACTOR_MANUAL);
    me = attach(sys);
    memset(&c, 0, sizeof c);
    memset(&lc, 0, sizeof lc);
    x = spawn(m, counter_fn, &c);
    CHECK_OK(actor_monitor(me, x));
    CHECK_OK(actor_cancel(sys, actor_self(me), x, 3600000));
    pump(m);
    for (i = 0; i < 10000; ++i) {
        CHECK_OK(actor_cancel(sys, actor_self(me), x, 3600000 + i % 7));
        if (i % 100 == 99) pump(m);
    }
    actor_system_stats(sys, &st);
    CHECK_EQ(st.timers_pending, 1); /* was a timer (and its message) per call */
    CHECK_OK(actor_cancel(sys, actor_self(me), x, 30));      /* earlier: moves the deadline */
    CHECK_OK(actor_cancel(sys, actor_self(me), x, 3600000)); /* later: covered */
    expect_exit(m, me, x, ACTOR_EXIT_DEADLINE, "cancel deadline exceeded");
    actor_system_stats(sys, &st);
    CHECK_EQ(st.timers_pending, 0);

    y = spawn_limited(m, counter_fn, &lc, 16 << 10);
    CHECK_OK(actor_monitor(me, y));
    for (i = 0; i < 1000; ++i) CHECK_OK(actor_cancel(sys, actor_self(me), y, ACTOR_NO_DEADLINE));
    expect_exit(m, me, y, ACTOR_EXIT_ERROR, "memory limit exceeded");

    /* monitor / demonitor (and link / unlink) again and again: charged
       too; the monitor asked for last still gets its EXIT */
    for (k = 0; k < 2; ++k) {
        y = spawn_limited(m, counter_fn, &lc, 16 << 10);
        for (i = 0; i < 1000; ++i) {
            if (k == 0) { CHECK_OK(actor_monitor(me, y)); CHECK_OK(actor_demonitor(me, y)); }
            else { CHECK_OK(actor_link(me, y)); CHECK_OK(actor_unlink(me, y)); }
        }
        CHECK_OK(actor_monitor(me, y));
        expect_exit(m, me, y, ACTOR_EXIT_ERROR, "memory limit exceeded");
    }
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

TEST(mailbox_limit_ends_a_flooded_actor) {
    enum { LIMIT = 16 << 10, PAYLOAD = 1024, QUEUED = 10, OVER = 3 };
    counting_alloc ca;
    actor_system *sys;
    actor_host *m;
    actor_context *me;
    counter c, free_c;
    actor_id id, unlimited;
    actor_msg msg;
    static uint64_t moved[OVER];
    static char buf[PAYLOAD];
    int i;
    ca_init(&ca);
    memset(moved, 0, sizeof moved);
    sys = new_system(&ca);
    if (!sys) return;
    m = new_host(sys, "m", ACTOR_MANUAL);
    me = attach(sys);
    memset(&c, 0, sizeof c);
    memset(&free_c, 0, sizeof free_c);
    id = spawn_limited(m, counter_fn, &c, LIMIT);
    CHECK_OK(actor_monitor(me, id));

    /* keeps up: 200 KiB pass through a 16 KiB mailbox */
    for (i = 0; i < 200; ++i) {
        CHECK_OK(actor_send(me, id, TAG_PING, buf, sizeof buf));
        pump(m);
    }
    CHECK_EQ(c.messages, 200);

    /* falls behind: below the limit nothing happens ... */
    for (i = 0; i < QUEUED; ++i) CHECK_OK(actor_send(me, id, TAG_PING, buf, sizeof buf));
    CHECK(actor_alive(sys, id));
    /* ... past it the receiver is ending; the refused payloads go back at once */
    for (i = 0; i < OVER; ++i) {
        CHECK_OK(actor_send_move(me, id, TAG_PING, &moved[i], LIMIT / 4, slot_dtor));
        CHECK_EQ(LOAD(&moved[i]), (uint64_t)(i > 0)); /* the first fits (barely), the rest are refused */
    }
    pump(m);
    CHECK(!actor_alive(sys, id));
    CHECK_EQ(c.messages, 200); /* killed, not drained: queued messages are dropped */
    for (i = 0; i < OVER; ++i) CHECK_EQ(LOAD(&moved[i]), 1);
    CHECK_OK(actor_receive(me, &msg, WAIT_MS));
    CHECK_EQ(msg.signal, ACTOR_EXIT);
    if (msg.signal == ACTOR_EXIT) {
        CHECK_EQ(msg.reason->kind, ACTOR_EXIT_ERROR);
        CHECK(!strcmp(msg.reason->message, "memory limit exceeded"));
    }

    /* 0 = unbounded: the same backlog is fine */
    unlimited = spawn(m, counter_fn, &free_c);
    for (i = 0; i < 4 * QUEUED; ++i) CHECK_OK(actor_send(me, unlimited, TAG_PING, buf, sizeof buf));
    pump(m);
    CHECK_EQ(free_c.messages, 4 * QUEUED);
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* actor_set_mailbox_limit: a limited actor changes its limit (not to 0);
   an unbounded one cannot get one. */
typedef struct relimit { actor_result to_small, to_zero; uint64_t messages; } relimit;

static void relimit_fn(actor_context *self, const actor_msg *m) {
    relimit *r = (relimit *)actor_state(self);
    if (m->signal != ACTOR_MESSAGE) return;
    if (m->tag == TAG_GO) {
        r->to_zero = actor_set_mailbox_limit(self, 0);
        r->to_small = actor_set_mailbox_limit(self, 4096);
    } else {
        r->messages++;
    }
}

TEST(mailbox_limit_changed_by_its_actor) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *m;
    actor_context *me;
    relimit r;
    actor_id id;
    actor_msg msg;
    static char buf[1500];
    int i;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    m = new_host(sys, "m", ACTOR_MANUAL);
    me = attach(sys);
    CHECK_RESULT(actor_set_mailbox_limit(me, 4096), ACTOR_ERR_INVALID); /* unbounded stays so */
    CHECK_RESULT(actor_set_mailbox_limit(NULL, 4096), ACTOR_ERR_INVALID);
    memset(&r, 0, sizeof r);
    id = spawn_limited(m, relimit_fn, &r, 1 << 20);
    CHECK_OK(actor_monitor(me, id));
    for (i = 0; i < 3; ++i) CHECK_OK(actor_send(me, id, TAG_PING, buf, sizeof buf)); /* 4.6 KB: fine under 1 MiB */
    CHECK_OK(actor_send(me, id, TAG_GO, NULL, 0));
    pump(m);
    CHECK_EQ(r.messages, 3);
    CHECK_RESULT(r.to_zero, ACTOR_ERR_INVALID);
    CHECK_OK(r.to_small);
    for (i = 0; i < 3; ++i) CHECK_OK(actor_send(me, id, TAG_PING, buf, sizeof buf)); /* the third passes 4 KiB */
    pump(m);
    CHECK_EQ(r.messages, 3);
    CHECK_OK(actor_receive(me, &msg, WAIT_MS));
    CHECK_EQ(msg.signal, ACTOR_EXIT);
    if (msg.signal == ACTOR_EXIT) CHECK(!strcmp(msg.reason->message, "memory limit exceeded"));
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* actor_cancel_timers cancels every pending timer of the caller at once. */
TEST(cancel_timers_cancels_them_all) {
    counting_alloc ca;
    actor_system *sys;
    actor_context *me;
    actor_timer t;
    actor_msg msg;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    me = attach(sys);
    CHECK_EQ(actor_cancel_timers(me), 0);
    CHECK_OK(actor_after(me, 30, 1, NULL));
    CHECK_OK(actor_after(me, 40, 2, &t));
    CHECK_OK(actor_after(me, 3600000, 3, NULL));
    CHECK_EQ(actor_cancel_timers(me), 3);
    CHECK_RESULT(actor_cancel_timer(me, t), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_receive(me, &msg, 150), ACTOR_ERR_TIMEOUT); /* none fires */
    CHECK_OK(actor_after(me, 1, 4, NULL)); /* new ones still work */
    CHECK_OK(actor_receive(me, &msg, WAIT_MS));
    CHECK_EQ(msg.signal, ACTOR_TIMER);
    CHECK_EQ(msg.tag, 4);
    CHECK_EQ(actor_cancel_timers(NULL), 0);
    CHECK_OK(actor_terminate(sys, actor_self(me))); /* an ended identity arms nothing */
    CHECK_RESULT(actor_receive(me, &msg, WAIT_MS), ACTOR_ERR_EXITED);
    CHECK_RESULT(actor_after(me, 1, 5, NULL), ACTOR_ERR_EXITED);
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* A worker that fired a timer and then runs a long callback must not take
   the time-keeping with it: another actor's later timer still fires on
   the idle worker while the callback runs. (A spins until B's timer has
   fired, for at most 5 s: without a hand-off B fires only after A.) */
typedef struct keeper_probe { int b_fired; int a_saw_b; } keeper_probe;

static void long_callback_fn(actor_context *self, const actor_msg *m) {
    keeper_probe *k = (keeper_probe *)actor_state(self);
    uint64_t end;
    if (m->signal == ACTOR_START) { CHECK_OK(actor_after(self, 20, 1, NULL)); return; }
    if (m->signal != ACTOR_TIMER) return;
    end = harness_now_ns() + 5000000000ull;
    while (!LOAD(&k->b_fired) && harness_now_ns() < end) sched_yield();
    STORE(&k->a_saw_b, LOAD(&k->b_fired));
    actor_exit(self, NULL);
}

static void later_timer_fn(actor_context *self, const actor_msg *m) {
    keeper_probe *k = (keeper_probe *)actor_state(self);
    if (m->signal == ACTOR_START) { CHECK_OK(actor_after(self, 80, 2, NULL)); return; }
    if (m->signal == ACTOR_TIMER) { STORE(&k->b_fired, 1); actor_exit(self, NULL); }
}

TEST(timers_fire_while_the_keeper_is_busy) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *h;
    actor_context *me;
    keeper_probe k;
    actor_msg msg;
    int i, exits = 0;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    h = new_host(sys, "w", 2);
    me = attach(sys);
    memset(&k, 0, sizeof k);
    sleep_us(20000); /* both workers parked */
    spawn_full(h, long_callback_fn, &k, NULL, me, ACTOR_SPAWN_START | ACTOR_SPAWN_MONITOR);
    spawn_full(h, later_timer_fn, &k, NULL, me, ACTOR_SPAWN_START | ACTOR_SPAWN_MONITOR);
    for (i = 0; i < 2; ++i)
        if (actor_receive(me, &msg, WAIT_MS) == ACTOR_OK && msg.signal == ACTOR_EXIT) ++exits;
    CHECK_EQ(exits, 2);
    CHECK(LOAD(&k.a_saw_b)); /* B's timer fired while A's callback ran */
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* Many threads flood a limited actor on worker threads: it ends once,
   "memory limit exceeded" (or keeps up and ends on TAG_EXIT), and every
   move-send's destructor runs exactly once. */
typedef struct flood_sender {
    actor_system *sys;
    actor_id target;
    uint64_t *slots;
    long count;
} flood_sender;

static void *flood_sender_main(void *arg) {
    flood_sender *fs = (flood_sender *)arg;
    static char payload[512];
    actor_context *me = attach(fs->sys);
    long i;
    if (!me) return NULL;
    for (i = 0; i < fs->count; ++i) {
        actor_result r = actor_send_move(me, fs->target, TAG_PING, &fs->slots[i], 256, slot_dtor);
        CHECK(r == ACTOR_OK || r == ACTOR_ERR_NOT_FOUND);
        r = actor_system_send(fs->sys, fs->target, TAG_PING, payload, sizeof payload);
        CHECK(r == ACTOR_OK || r == ACTOR_ERR_NOT_FOUND);
    }
    actor_detach(me);
    return NULL;
}

static void slow_counter_fn(actor_context *self, const actor_msg *m) {
    burn(200);
    counter_fn(self, m);
}

TEST(mailbox_limit_under_concurrent_senders) {
    enum { SENDERS = 4 };
    counting_alloc ca;
    actor_system *sys;
    actor_host *h;
    actor_context *me;
    counter c;
    actor_id id;
    actor_msg msg;
    flood_sender fs[SENDERS];
    pthread_t t[SENDERS];
    long per = scaled(4000), i;
    int k;
    uint64_t *slots = (uint64_t *)calloc((size_t)(SENDERS * per), sizeof *slots);
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys || !slots) { free(slots); return; }
    h = new_host(sys, "w", 2);
    me = attach(sys);
    memset(&c, 0, sizeof c);
    id = spawn_limited(h, slow_counter_fn, &c, 32 << 10);
    CHECK_OK(actor_monitor(me, id));
    for (k = 0; k < SENDERS; ++k) {
        fs[k].sys = sys;
        fs[k].target = id;
        fs[k].slots = slots + (long)k * per;
        fs[k].count = per;
        CHECK_EQ(pthread_create(&t[k], NULL, flood_sender_main, &fs[k]), 0);
    }
    for (k = 0; k < SENDERS; ++k) pthread_join(t[k], NULL);
    actor_send(me, id, TAG_EXIT, NULL, 0); /* if it kept up after all */
    CHECK_OK(actor_receive(me, &msg, WAIT_MS));
    CHECK_EQ(msg.signal, ACTOR_EXIT);
    if (msg.signal == ACTOR_EXIT && msg.reason->kind != ACTOR_EXIT_NORMAL)
        CHECK(!strcmp(msg.reason->message, "memory limit exceeded"));
    actor_detach(me);
    actor_system_destroy(sys);
    for (i = 0; i < SENDERS * per; ++i) CHECK_EQ(slots[i], 1);
    free(slots);
    ca_check_balanced(&ca);
}

/* Ends after `limit` messages, while senders keep going. */
typedef struct quitter { uint64_t limit, seen; } quitter;

static void quitter_fn(actor_context *self, const actor_msg *m) {
    quitter *q = (quitter *)actor_state(self);
    if (m->signal == ACTOR_MESSAGE && ++q->seen == q->limit) actor_exit(self, NULL);
}

typedef struct race_sender {
    actor_system *sys;
    actor_id target;
    uint64_t *slots; /* one destructor counter per move-send */
    long count;
    long ok;
} race_sender;

static void *race_sender_main(void *arg) {
    race_sender *rs = (race_sender *)arg;
    actor_context *me = attach(rs->sys);
    long i;
    if (!me) return NULL;
    for (i = 0; i < rs->count; ++i) {
        actor_result r = actor_send_move(me, rs->target, TAG_PING, &rs->slots[i], 1, slot_dtor);
        if (r == ACTOR_OK) ++rs->ok;
        else if (r == ACTOR_ERR_NOT_FOUND) CHECK_EQ(LOAD(&rs->slots[i]), 1); /* already ran */
        else CHECK_OK(r);
        r = actor_system_send(rs->sys, rs->target, TAG_PING, &i, sizeof i);
        CHECK(r == ACTOR_OK || r == ACTOR_ERR_NOT_FOUND);
    }
    actor_detach(me);
    return NULL;
}

/* Senders race the receiver's exit: every move-send's destructor runs
   exactly once, whether delivered, refused or left in the mailbox. */
TEST(move_destructor_runs_exactly_once_racing_exit) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *h;
    long per = scaled(200000), i;
    int round, t;
    uint64_t *slots = (uint64_t *)calloc((size_t)per * 6, sizeof *slots);
    quitter q[3];
    race_sender rs[6];
    pthread_t th[2];
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys || !slots) { free(slots); return; }
    h = new_host(sys, "h", 2);
    for (round = 0; round < 3; ++round) {
        actor_id target;
        q[round].seen = 0;
        /* 4 * per messages arrive at most: end early, mid-way, or never (the
           rest is then still queued at destroy) */
        q[round].limit = round == 0 ? (uint64_t)per / 2 : round == 1 ? (uint64_t)per * 2 : (uint64_t)per * 10;
        target = spawn(h, quitter_fn, &q[round]);
        for (t = 0; t < 2; ++t) {
            race_sender *s = &rs[round * 2 + t];
            s->sys = sys;
            s->target = target;
            s->slots = &slots[(size_t)(round * 2 + t) * (size_t)per];
            s->count = per;
            s->ok = 0;
        }
        for (t = 0; t < 2; ++t) pthread_create(&th[t], NULL, race_sender_main, &rs[round * 2 + t]);
        for (t = 0; t < 2; ++t) pthread_join(th[t], NULL);
    }
    CHECK_EQ(rs[4].ok + rs[5].ok, 2 * per); /* the receiver that never ends took everything */
    actor_system_destroy(sys);
    for (i = 0; i < per * 6; ++i)
        if (slots[i] != 1) { CHECK_EQ(slots[i], 1); break; }
    ca_check_balanced(&ca);
    free(slots);
}

/* An actor ends while a sender still holds a reference to it (the sender
   is paused inside actor_system_send by the allocator gate). The sender's
   release then finalizes the slot, and a new actor may move in. The end of
   the old actor (here paused in on_exit) must still act on the old actor
   only: its own state destructor, its own id, nothing of the new tenant. */
typedef struct slot_race {
    counting_alloc ca;
    actor_system *sys;
    actor_id victim;
    counter victim_state, tenant_state;
    int in_on_exit, resume, self_was_victim, sent;
} slot_race;

static slot_race *the_slot_race;

static void slot_race_on_exit(actor_context *self, const actor_exit_reason *why) {
    slot_race *sr = the_slot_race;
    (void)why;
    STORE(&sr->in_on_exit, 1);
    wait_counter_int(&sr->resume, 2 * WAIT_MS);
    STORE(&sr->self_was_victim, actor_id_equal(actor_self(self), sr->victim));
}

static void *slot_race_sender(void *arg) {
    slot_race *sr = (slot_race *)arg;
    static char big[6000]; /* the only allocation that size: the gate catches it */
    actor_result r = actor_system_send(sr->sys, sr->victim, TAG_PING, big, sizeof big);
    CHECK(r == ACTOR_OK || r == ACTOR_ERR_NOT_FOUND);
    STORE(&sr->sent, 1);
    return NULL;
}

TEST(exit_never_touches_a_recycled_slot) {
    slot_race *sr = (slot_race *)calloc(1, sizeof *sr);
    actor_system_desc d;
    actor_spawn_desc sd;
    actor_host *h;
    actor_id tenant;
    actor_stats st;
    pthread_t t;
    uint64_t end;
    if (!sr) return;
    the_slot_race = sr;
    d = ca_desc(&sr->ca);
    CHECK_OK(actor_system_create(&d, &sr->sys));
    if (!sr->sys) { free(sr); return; }
    h = new_host(sr->sys, "h", 1);
    memset(&sd, 0, sizeof sd);
    sd.fn = counter_fn;
    sd.state = &sr->victim_state;
    sd.state_dtor = counter_dtor;
    sd.on_exit = slot_race_on_exit;
    CHECK_OK(actor_spawn(h, &sd, &sr->victim));

    STORE(&sr->ca.gate_size, (size_t)6000); /* armed after the setup's own big blocks */
    pthread_create(&t, NULL, slot_race_sender, sr);
    CHECK(wait_counter_int(&sr->ca.gate_held, WAIT_MS));      /* sender holds a reference */
    CHECK_OK(actor_terminate(sr->sys, sr->victim));
    CHECK(wait_counter_int(&sr->in_on_exit, WAIT_MS));        /* the victim is ending */
    STORE(&sr->ca.gate_open, 1);                              /* sender finishes its send */
    pthread_join(t, NULL);
    tenant = spawn_full(h, counter_fn, &sr->tenant_state, counter_dtor, NULL, 0); /* may take the slot */
    STORE(&sr->resume, 1);
    end = harness_now_ns() + (uint64_t)WAIT_MS * 1000000ull;
    do actor_system_stats(sr->sys, &st); /* wait until the victim's exit is over */
    while (st.actors_exited < 1 && harness_now_ns() < end && (sleep_us(200), 1));
    CHECK_EQ(st.actors_exited, 1);

    CHECK(LOAD(&sr->self_was_victim));          /* on_exit saw the victim, not the tenant */
    CHECK_EQ(LOAD(&sr->victim_state.dtor_runs), 1);
    CHECK_EQ(LOAD(&sr->tenant_state.dtor_runs), 0); /* the tenant is alive */
    CHECK_EQ(actor_alive(sr->sys, tenant), 1);
    actor_system_destroy(sr->sys);
    CHECK_EQ(sr->victim_state.dtor_runs, 1);
    CHECK_EQ(sr->tenant_state.dtor_runs, 1);
    ca_check_balanced(&sr->ca);
    free(sr);
}

/* ================================================================================ */
/* 10. Shutdown with live actors                                                    */
/* ================================================================================ */

/* Each of these reports to its START sender (the attached test thread)
   once it is in the state the shutdown test wants. */
static void timer_setter_fn(actor_context *self, const actor_msg *m) {
    if (m->signal != ACTOR_START) return;
    CHECK_OK(actor_after(self, 3600000, 1, NULL));
    CHECK_OK(actor_after(self, 1800000, 2, NULL));
    CHECK_OK(actor_send(self, m->from, TAG_DONE, NULL, 0));
}

static void flooder_fn(actor_context *self, const actor_msg *m) {
    counter *c = (counter *)actor_state(self);
    if (m->signal == ACTOR_START) CHECK_OK(actor_send(self, m->from, TAG_DONE, NULL, 0));
    if (c) ADD(&c->messages, 1);
    CHECK_OK(actor_send(self, actor_self(self), TAG_PING, NULL, 0)); /* forever */
}

/* Spawns a linked and monitored child (state: two counters) and names itself. */
static void family_fn(actor_context *self, const actor_msg *m) {
    counter *c = (counter *)actor_state(self);
    if (m->signal != ACTOR_START) return;
    spawn_full(actor_host_of(self), counter_fn, c + 1, counter_dtor, self, ACTOR_SPAWN_LINK | ACTOR_SPAWN_MONITOR);
    CHECK_OK(actor_register(actor_system_of(self), "family", actor_self(self)));
    CHECK_OK(actor_send(self, m->from, TAG_DONE, NULL, 0));
}

TEST(destroy_with_live_actors_frees_everything) {
    enum { IDLE = 10, QUEUED = 10, TIMERS = 5, REPORTERS = TIMERS + 2 };
    counting_alloc ca;
    actor_system *sys;
    actor_host *h, *m;
    actor_context *me;
    static counter c[IDLE + QUEUED + TIMERS + 3];
    static uint64_t moved[QUEUED * 5];
    static char buf[5000];
    int i, k, done = 0, n = 0;
    ca_init(&ca);
    memset(c, 0, sizeof c);
    memset(moved, 0, sizeof moved);
    sys = new_system(&ca);
    if (!sys) return;
    h = new_host(sys, "h", 2);
    m = new_host(sys, "m", ACTOR_MANUAL); /* never pumped */
    me = attach(sys);
    for (i = 0; i < IDLE; ++i, ++n) spawn_full(h, counter_fn, &c[n], counter_dtor, NULL, 0);
    for (i = 0; i < QUEUED; ++i, ++n) {
        actor_id q = spawn_full(m, counter_fn, &c[n], counter_dtor, NULL, 0);
        for (k = 0; k < 5; ++k) {
            CHECK_OK(actor_send(me, q, TAG_PING, buf, payload_sizes[k % 4]));
            CHECK_OK(actor_send_move(me, q, TAG_PING, &moved[i * 5 + k], 1, slot_dtor));
        }
    }
    for (i = 0; i < TIMERS; ++i, ++n) spawn_full(h, timer_setter_fn, &c[n], counter_dtor, me, ACTOR_SPAWN_START);
    spawn_full(h, flooder_fn, &c[n], counter_dtor, me, ACTOR_SPAWN_START);
    ++n;
    spawn_full(h, family_fn, &c[n], counter_dtor, me, ACTOR_SPAWN_START); /* child uses c[n + 1] */
    n += 2;
    while (done < REPORTERS && expect_msg(me, TAG_DONE, WAIT_MS)) ++done;
    CHECK_EQ(done, REPORTERS);
    actor_detach(me);
    actor_system_destroy(sys);
    for (i = 0; i < n; ++i) CHECK_EQ(c[i].dtor_runs, 1);
    for (i = 0; i < QUEUED * 5; ++i) CHECK_EQ(moved[i], 1);
    ca_check_balanced(&ca);
}

/* ================================================================================ */
/* 5. Allocator failure                                                             */
/* ================================================================================ */

/* What one run under a failing allocator must account for. */
typedef struct oom_run {
    counting_alloc ca;
    int spawned;      /* spawns that returned OK: one state destructor each */
    int state_dtors;
    int moves;        /* move-sends that did not return INVALID: one destructor each */
    int move_dtors;
} oom_run;

static oom_run *oom; /* the running scenario (single-threaded: manual host only) */

static void oom_state_dtor(void *p) { (void)p; oom->state_dtors++; }
static void oom_move_dtor(void *p, size_t n) { (void)p; (void)n; oom->move_dtors++; }

/* The call worked or reported no memory. */
#define CHECK_OK_OR_NOMEM(expr) \
    do { actor_result r_ = (expr); \
         if (r_ != ACTOR_OK && r_ != ACTOR_ERR_NO_MEMORY) \
             harness_fail(__FILE__, __LINE__, "%s returned %s", #expr, actor_result_string(r_)); \
    } while (0)
/* As above, or NOT_FOUND when `id` is really not alive (a spawn failed, or
   the actor ended for lack of memory). */
#define CHECK_ON_TARGET(sys, id, expr) \
    do { actor_result r_ = (expr); \
         if (r_ != ACTOR_OK && r_ != ACTOR_ERR_NO_MEMORY && \
             !(r_ == ACTOR_ERR_NOT_FOUND && !actor_alive((sys), (id)))) \
             harness_fail(__FILE__, __LINE__, "%s returned %s", #expr, actor_result_string(r_)); \
    } while (0)

static actor_id oom_spawn(actor_host *h, actor_fn fn, actor_context *parent, unsigned flags, const char *name) {
    actor_spawn_desc d;
    actor_id id = actor_id_make(0);
    actor_result r;
    memset(&d, 0, sizeof d);
    d.fn = fn;
    d.state_dtor = oom_state_dtor;
    d.parent = parent;
    d.flags = flags;
    d.start_data = "start";
    d.start_size = (flags & ACTOR_SPAWN_START) ? 6 : 0;
    d.name = name;
    r = actor_spawn(h, &d, &id);
    CHECK_OK_OR_NOMEM(r);
    if (r == ACTOR_OK) oom->spawned++;
    return id;
}

static void oom_move(actor_context *me, actor_id to) {
    static int payload;
    actor_result r = actor_send_move(me, to, TAG_PING, &payload, sizeof payload, oom_move_dtor);
    CHECK(r != ACTOR_ERR_INVALID);
    oom->moves++;
    CHECK_ON_TARGET(actor_system_of(me), to, r);
}

/* Allocates in behaviours: replies, timers, a linked child. */
static void oom_actor_fn(actor_context *self, const actor_msg *m) {
    actor_system *sys = actor_system_of(self);
    actor_timer t;
    if (m->signal == ACTOR_START) {
        CHECK_OK_OR_NOMEM(actor_after(self, 3600000, 1, &t)); /* still pending at destroy */
        return;
    }
    if (m->signal != ACTOR_MESSAGE) return;
    if (!actor_id_is_none(m->from)) CHECK_ON_TARGET(sys, m->from, actor_send(self, m->from, m->tag, m->data, m->size));
    if (m->tag == TAG_GO)
        oom_spawn(actor_host_of(self), oom_actor_fn, self,
                  ACTOR_SPAWN_LINK | ACTOR_SPAWN_MONITOR | ACTOR_SPAWN_START, NULL);
    if (m->tag == TAG_WORK) CHECK_OK_OR_NOMEM(actor_after(self, 0, 2, NULL));
}

/* Empties the attached thread's mailbox (when the marker can be sent). */
static void oom_drain(actor_context *me) { drain_to_marker(me, NULL); }

static void oom_pump(actor_host *m) {
    int n;
    while ((n = actor_host_run(m, 64)) > 0) {}
    CHECK_EQ(n, 0);
}

/* Sends, links, monitors, timers and names around one attached thread and
   a few actors, every result checked. */
static void oom_exercise(actor_system *sys, actor_host *m, actor_context *me) {
    static char buf[5000];
    actor_id a = actor_id_make(0), b = actor_id_make(0), found;
    actor_timer t;
    int i;
    if (m) a = oom_spawn(m, oom_actor_fn, NULL, ACTOR_SPAWN_START, "a");
    if (m && me) b = oom_spawn(m, oom_actor_fn, me, ACTOR_SPAWN_LINK | ACTOR_SPAWN_MONITOR, NULL);
    if (me) {
        actor_trap_links(me, 1);
        for (i = 0; i < 4; ++i) CHECK_ON_TARGET(sys, a, actor_send(me, a, TAG_PING, buf, payload_sizes[i]));
        CHECK_ON_TARGET(sys, a, actor_send(me, a, TAG_GO, NULL, 0));
        CHECK_ON_TARGET(sys, a, actor_send(me, a, TAG_WORK, NULL, 0));
        oom_move(me, a);
        oom_move(me, b);
        CHECK_ON_TARGET(sys, a, actor_monitor(me, a));
        CHECK_ON_TARGET(sys, b, actor_link(me, b));
        CHECK_OK_OR_NOMEM(actor_after(me, 0, 3, NULL));
        if (actor_after(me, 3600000, 4, &t) == ACTOR_OK) CHECK_OK(actor_cancel_timer(me, t));
        CHECK_OK_OR_NOMEM(actor_register(sys, "me", actor_self(me)));
    }
    CHECK_ON_TARGET(sys, a, actor_system_send(sys, a, TAG_PING, buf, 100));
    CHECK_ON_TARGET(sys, a, actor_register(sys, "a2", a));
    if (actor_lookup(sys, "a2", &found) == ACTOR_OK) CHECK(actor_id_equal(found, a));
    if (m) oom_pump(m);
    if (me) oom_drain(me);
    CHECK_ON_TARGET(sys, b, actor_cancel(sys, actor_id_make(0), b, 0));
    CHECK_ON_TARGET(sys, a, actor_terminate(sys, a));
    if (m) oom_pump(m);
    if (me) oom_drain(me);
    if (m && me) { /* left alive with queued messages at destroy */
        actor_id c = oom_spawn(m, oom_actor_fn, NULL, 0, NULL);
        CHECK_ON_TARGET(sys, c, actor_send(me, c, TAG_PING, buf, 600));
        oom_move(me, c);
    }
}

/* One complete system lifetime under `run`'s allocator. */
static void oom_scenario(oom_run *run) {
    actor_system_desc d = ca_desc(&run->ca);
    actor_system *sys = NULL;
    actor_host *m = NULL;
    actor_host_desc hd;
    actor_context *me = NULL;
    actor_result r;
    oom = run;
    r = actor_system_create(&d, &sys);
    CHECK_OK_OR_NOMEM(r);
    if (r == ACTOR_OK) {
        hd.name = "m";
        hd.workers = ACTOR_MANUAL;
        CHECK_OK_OR_NOMEM(actor_host_create(sys, &hd, &m));
        CHECK_OK_OR_NOMEM(actor_attach(sys, &me));
        oom_exercise(sys, m, me);
        if (me) actor_detach(me);
        actor_system_destroy(sys);
    }
    ca_check_balanced(&run->ca);
    CHECK_EQ(run->state_dtors, run->spawned);
    CHECK_EQ(run->move_dtors, run->moves);
}

/* Fail the Nth allocation (only that one, or that one and all later ones)
   for every N a clean run reaches. */
static void oom_sweep(int fail_rest) {
    oom_run run;
    uint64_t clean, n;
    memset(&run, 0, sizeof run);
    oom_scenario(&run);
    clean = run.ca.attempts;
    CHECK(clean > 20);
    CHECK(run.spawned == 4 && run.moves == 3); /* the clean run did everything */
    for (n = 1; n <= clean + 2; ++n) {
        memset(&run, 0, sizeof run);
        run.ca.fail_at = n;
        run.ca.fail_rest = fail_rest;
        oom_scenario(&run);
    }
}

TEST(alloc_failure_single_at_every_point) { oom_sweep(0); }
TEST(alloc_failure_persistent_from_every_point) { oom_sweep(1); }

/* Random allocation failures while worker threads run: every send that
   returned OK is delivered, every spawn that returned OK is destroyed once. */
static uint64_t flaky_dtors;
static void flaky_dtor(void *p) { (void)p; ADD(&flaky_dtors, 1); }
static void short_lived_fn(actor_context *self, const actor_msg *m) { (void)m; actor_exit(self, NULL); }

/* Counts failed replies, not successful ones: a success can be seen by the
   receiver before the counter moves, a failure never is. */
typedef struct flaky_echo { uint64_t received, failed; } flaky_echo;

static void flaky_echo_fn(actor_context *self, const actor_msg *m) {
    flaky_echo *f = (flaky_echo *)actor_state(self);
    actor_result r;
    if (m->signal != ACTOR_MESSAGE) return;
    ADD(&f->received, 1);
    r = actor_send(self, m->from, m->tag, m->data, m->size);
    CHECK_OK_OR_NOMEM(r);
    if (r != ACTOR_OK) ADD(&f->failed, 1);
}

TEST(alloc_failure_random_with_workers) {
    static char buf[5000];
    counting_alloc ca;
    actor_system *sys;
    actor_host *h;
    actor_context *me;
    flaky_echo f;
    actor_id e;
    actor_msg m;
    long i, n = scaled(100000);
    uint64_t sent = 0, replies = 0, spawned = 0;
    int done = 0;
    ca_init(&ca);
    ca.seed = 7;
    flaky_dtors = 0;
    memset(&f, 0, sizeof f);
    sys = new_system(&ca);
    if (!sys) return;
    h = new_host(sys, "h", 2);
    me = attach(sys);
    e = spawn(h, flaky_echo_fn, &f);
    STORE(&ca.fail_permille, 30u);
    for (i = 0; i < n; ++i) {
        actor_result r = actor_send(me, e, TAG_PING, buf, payload_sizes[i % 4]);
        CHECK_OK_OR_NOMEM(r);
        if (r == ACTOR_OK) ++sent;
        if (i % 16 == 0) {
            actor_spawn_desc d;
            memset(&d, 0, sizeof d);
            d.fn = short_lived_fn;
            d.state_dtor = flaky_dtor;
            d.flags = ACTOR_SPAWN_START;
            r = actor_spawn(h, &d, NULL);
            CHECK_OK_OR_NOMEM(r);
            if (r == ACTOR_OK) ++spawned;
        }
        if (i % 256 == 255) drain_to_marker(me, &replies); /* skipped when the marker fails */
    }
    STORE(&ca.fail_permille, 0u);
    CHECK_OK(actor_send(me, e, TAG_DONE, NULL, 0));
    while (!done && actor_receive(me, &m, WAIT_MS) == ACTOR_OK) {
        if (m.tag == TAG_DONE) done = 1;
        else replies += m.tag == TAG_PING;
    }
    CHECK(done);
    CHECK_EQ(LOAD(&f.received), sent + 1);  /* nothing that was accepted got lost */
    CHECK_EQ(LOAD(&f.received) - LOAD(&f.failed), replies + 1); /* every reply sent arrived */
    CHECK(sent < (uint64_t)n || n < 100);   /* failures really happened */
    actor_detach(me);
    actor_system_destroy(sys);
    CHECK_EQ(flaky_dtors, spawned);
    ca_check_balanced(&ca);
}

/* ================================================================================ */
/* 6. Two systems side by side                                                      */
/* ================================================================================ */

#define RING 8

typedef struct ring_node { actor_id next, home; } ring_node;

/* Token: hops left. At 0 it goes home. */
static void ring_fn(actor_context *self, const actor_msg *m) {
    ring_node *n = (ring_node *)actor_state(self);
    uint64_t hops;
    if (m->signal != ACTOR_MESSAGE || m->size != sizeof hops) return;
    memcpy(&hops, m->data, sizeof hops);
    if (hops == 0) {
        CHECK_OK(actor_send(self, n->home, TAG_DONE, NULL, 0));
    } else {
        --hops;
        CHECK_OK(actor_send(self, n->next, TAG_PING, &hops, sizeof hops));
    }
}

typedef struct sys_job {
    counting_alloc ca;
    uint64_t laps;
    int *wait_for;   /* keep running until *wait_for is set (NULL = don't) */
    int finished;    /* set after destroy */
    uint64_t extra;  /* tokens sent while waiting */
} sys_job;

static int ring_trip(actor_context *me, actor_id first, uint64_t hops) {
    return actor_send(me, first, TAG_PING, &hops, sizeof hops) == ACTOR_OK && expect_msg(me, TAG_DONE, WAIT_MS * 3);
}

static void *sys_job_main(void *arg) {
    sys_job *j = (sys_job *)arg;
    actor_system *sys = new_system(&j->ca);
    actor_host *h;
    actor_context *me;
    ring_node nodes[RING];
    actor_id ids[RING];
    int i;
    if (!sys) return NULL;
    h = new_host(sys, "ring", 2);
    me = attach(sys);
    for (i = 0; i < RING; ++i) ids[i] = spawn(h, ring_fn, &nodes[i]);
    for (i = 0; i < RING; ++i) { /* written before any token moves */
        nodes[i].next = ids[(i + 1) % RING];
        nodes[i].home = actor_self(me);
    }
    CHECK(ring_trip(me, ids[0], j->laps * RING));
    while (j->wait_for && !LOAD(j->wait_for)) {
        CHECK(ring_trip(me, ids[0], 64));
        ++j->extra;
    }
    CHECK(ring_trip(me, ids[0], 64)); /* still fine after the other one went */
    actor_detach(me);
    actor_system_destroy(sys);
    STORE(&j->finished, 1);
    return NULL;
}

TEST(two_systems_side_by_side) {
    static sys_job a, b;
    pthread_t ta, tb;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.laps = (uint64_t)scaled(20000);
    b.laps = (uint64_t)scaled(5000);
    b.wait_for = &a.finished; /* b outlives a: a is destroyed while b runs */
    pthread_create(&ta, NULL, sys_job_main, &a);
    pthread_create(&tb, NULL, sys_job_main, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    CHECK_EQ(a.finished, 1);
    CHECK_EQ(b.finished, 1);
    ca_check_balanced(&a.ca); /* each allocator saw only its own blocks */
    ca_check_balanced(&b.ca);
}

/* ================================================================================ */
/* 1. Mailbox: per-sender FIFO under many concurrent producers                      */
/* ================================================================================ */

#define MB_THREADS 2  /* plain OS threads: actor_system_send (from = none) */
#define MB_ATTACHED 2 /* attached OS threads: actor_send (from = their id) */
#define MB_ACTORS 8   /* producer actors; the odd ones move-send */
#define MB_SENDERS (MB_THREADS + MB_ATTACHED + MB_ACTORS)
#define MB_WINDOW 2048 /* messages in flight per sender: bounds memory */
#define MB_MAX_PAYLOAD 5100

/* Payload: sender, seq, len, then len pattern bytes. */
typedef struct mb_head { uint32_t sender, seq, len; } mb_head;

static struct {
    actor_system *sys;
    actor_id consumer, home;
    actor_id sender_id[MB_SENDERS]; /* none for plain threads */
    uint32_t per_sender;
    uint32_t acked[MB_SENDERS];     /* consumer progress (flow control) */
    uint32_t next_seq[MB_SENDERS];  /* consumer only */
    uint32_t actor_seq[MB_SENDERS]; /* each producer actor's own counter */
    uint64_t received, errors, moved_sent, moved_freed;
    int abort;
} mb;

static size_t mb_len(uint32_t seq) {
    if (seq % 1009 == 1008) return 5000; /* exact-size block */
    if (seq % 97 == 96) return 300;      /* middle size class */
    return seq % 8;
}

static size_t mb_fill(unsigned char *buf, uint32_t sender, uint32_t seq) {
    mb_head h;
    size_t i;
    h.sender = sender;
    h.seq = seq;
    h.len = (uint32_t)mb_len(seq);
    memcpy(buf, &h, sizeof h);
    for (i = 0; i < h.len; ++i) buf[sizeof h + i] = (unsigned char)(seq * 31u + i);
    return sizeof h + h.len;
}

static int mb_parse(const void *data, size_t size, mb_head *h) {
    const unsigned char *p = (const unsigned char *)data;
    size_t i;
    if (size < sizeof *h) return 0;
    memcpy(h, p, sizeof *h);
    if (h->sender >= MB_SENDERS || size != sizeof *h + h->len) return 0;
    for (i = 0; i < h->len; ++i)
        if (p[sizeof *h + i] != (unsigned char)(h->seq * 31u + i)) return 0;
    return 1;
}

static void mb_consumer_fn(actor_context *self, const actor_msg *m) {
    mb_head h;
    if (m->signal != ACTOR_MESSAGE) return;
    if (!mb_parse(m->data, m->size, &h) || !actor_id_equal(m->from, mb.sender_id[h.sender]) ||
        h.seq != mb.next_seq[h.sender]) { /* corrupt, misattributed, lost, reordered or duplicated */
        if (ADD(&mb.errors, 1) <= 5)
            harness_fail(__FILE__, __LINE__, "bad message: size %zu, sender %u seq %u (expected %u)", m->size,
                         (unsigned)h.sender, (unsigned)h.seq, (unsigned)mb.next_seq[h.sender % MB_SENDERS]);
        if (h.sender >= MB_SENDERS) return;
    }
    mb.next_seq[h.sender] = h.seq + 1;
    STORE(&mb.acked[h.sender], h.seq + 1);
    if (ADD(&mb.received, 1) == (uint64_t)mb.per_sender * MB_SENDERS)
        CHECK_OK(actor_send(self, mb.home, TAG_DONE, NULL, 0));
}

static int mb_window_full(uint32_t sender, uint32_t seq) { return seq - LOAD(&mb.acked[sender]) >= MB_WINDOW; }

/* Threads wait for the consumer to catch up; 0 when the test gave up. */
static int mb_wait_window(uint32_t sender, uint32_t seq) {
    while (mb_window_full(sender, seq)) {
        if (LOAD(&mb.abort)) return 0;
        sched_yield();
    }
    return 1;
}

static void mb_move_dtor(void *p, size_t n) {
    (void)n;
    free(p);
    ADD(&mb.moved_freed, 1);
}

/* Plain thread (arg: sender index). */
static void *mb_thread_main(void *arg) {
    uint32_t sender = (uint32_t)(uintptr_t)arg, seq;
    unsigned char buf[MB_MAX_PAYLOAD];
    for (seq = 0; seq < mb.per_sender && mb_wait_window(sender, seq); ++seq) {
        if (actor_system_send(mb.sys, mb.consumer, TAG_PING, buf, mb_fill(buf, sender, seq)) != ACTOR_OK)
            ADD(&mb.errors, 1);
    }
    return NULL;
}

/* Attached thread (arg: sender index). */
static void *mb_attached_main(void *arg) {
    uint32_t sender = (uint32_t)(uintptr_t)arg, seq;
    unsigned char buf[MB_MAX_PAYLOAD];
    actor_context *me = attach(mb.sys);
    if (!me) return NULL;
    mb.sender_id[sender] = actor_self(me); /* before its first message */
    for (seq = 0; seq < mb.per_sender && mb_wait_window(sender, seq); ++seq) {
        if (actor_send(me, mb.consumer, TAG_PING, buf, mb_fill(buf, sender, seq)) != ACTOR_OK) ADD(&mb.errors, 1);
    }
    actor_detach(me);
    return NULL;
}

static void mb_send_one(actor_context *self, uint32_t sender, uint32_t seq) {
    unsigned char buf[MB_MAX_PAYLOAD], *p;
    actor_result r;
    if (sender % 2) { /* move: the consumer's side frees it through the destructor */
        p = (unsigned char *)malloc(MB_MAX_PAYLOAD);
        if (!p) { ADD(&mb.errors, 1); return; }
        r = actor_send_move(self, mb.consumer, TAG_PING, p, mb_fill(p, sender, seq), mb_move_dtor);
        if (r == ACTOR_OK) ADD(&mb.moved_sent, 1);
    } else {
        r = actor_send(self, mb.consumer, TAG_PING, buf, mb_fill(buf, sender, seq));
    }
    if (r != ACTOR_OK) ADD(&mb.errors, 1);
}

/* Producer actor (state: sender index): sends a chunk per turn, then
   yields so the consumer and the other producers get their turns. */
static void mb_producer_fn(actor_context *self, const actor_msg *m) {
    uint32_t sender = (uint32_t)(uintptr_t)actor_state(self);
    uint32_t *seq = &mb.actor_seq[sender];
    int i;
    (void)m;
    for (i = 0; i < 64 && *seq < mb.per_sender && !mb_window_full(sender, *seq); ++i, ++*seq)
        mb_send_one(self, sender, *seq);
    if (*seq < mb.per_sender && !LOAD(&mb.abort)) actor_yield(self);
}

TEST(mailbox_fifo_many_producers) {
    counting_alloc ca;
    actor_host *h;
    actor_context *me;
    pthread_t th[MB_THREADS + MB_ATTACHED];
    actor_msg msg;
    uint32_t s;
    int done = 0;
    ca_init(&ca);
    memset(&mb, 0, sizeof mb);
    mb.per_sender = (uint32_t)scaled(450000); /* 12 senders: ~5.4M messages */
    mb.sys = new_system(&ca);
    if (!mb.sys) return;
    h = new_host(mb.sys, "h", 2);
    me = attach(mb.sys);
    mb.home = actor_self(me);
    mb.consumer = spawn(h, mb_consumer_fn, NULL);
    for (s = MB_THREADS + MB_ATTACHED; s < MB_SENDERS; ++s)
        mb.sender_id[s] = spawn(h, mb_producer_fn, (void *)(uintptr_t)s);
    for (s = MB_THREADS + MB_ATTACHED; s < MB_SENDERS; ++s) CHECK_OK(actor_send(me, mb.sender_id[s], TAG_GO, NULL, 0));
    for (s = 0; s < MB_THREADS; ++s) pthread_create(&th[s], NULL, mb_thread_main, (void *)(uintptr_t)s);
    for (; s < MB_THREADS + MB_ATTACHED; ++s) pthread_create(&th[s], NULL, mb_attached_main, (void *)(uintptr_t)s);
    /* progress-based timeout: fail only if nothing moves for WAIT_MS */
    for (;;) {
        uint64_t before = LOAD(&mb.received);
        if (actor_receive(me, &msg, WAIT_MS) == ACTOR_OK) { done = msg.tag == TAG_DONE; break; }
        if (LOAD(&mb.received) == before) break;
    }
    CHECK(done);
    STORE(&mb.abort, 1);
    for (s = 0; s < MB_THREADS + MB_ATTACHED; ++s) pthread_join(th[s], NULL);
    CHECK_EQ(LOAD(&mb.errors), 0);
    CHECK_EQ(LOAD(&mb.received), (uint64_t)mb.per_sender * MB_SENDERS);
    for (s = 0; s < MB_SENDERS; ++s) CHECK_EQ(mb.next_seq[s], mb.per_sender);
    actor_detach(me);
    actor_system_destroy(mb.sys);
    CHECK_EQ(LOAD(&mb.moved_freed), LOAD(&mb.moved_sent));
    CHECK(mb.moved_sent > 0);
    ca_check_balanced(&ca);
}

/* ================================================================================ */
/* 2a. Work stealing                                                                */
/* ================================================================================ */

#define FAN_KIDS 32

typedef struct fan { actor_id home, kids[FAN_KIDS]; int replies; } fan;

static void fan_kid_fn(actor_context *self, const actor_msg *m) {
    if (m->signal != ACTOR_MESSAGE) return;
    burn(20000);
    CHECK_OK(actor_send(self, m->from, TAG_DONE, NULL, 0));
}

/* Spawns its kids at START; on GO, fans out; when all answered, reports home. */
static void fan_parent_fn(actor_context *self, const actor_msg *m) {
    fan *f = (fan *)actor_state(self);
    int i;
    if (m->signal == ACTOR_START) {
        f->home = m->from;
        for (i = 0; i < FAN_KIDS; ++i) f->kids[i] = spawn_full(actor_host_of(self), fan_kid_fn, NULL, NULL, self, 0);
    } else if (m->signal == ACTOR_MESSAGE && m->tag == TAG_GO) {
        f->replies = 0;
        for (i = 0; i < FAN_KIDS; ++i) CHECK_OK(actor_send(self, f->kids[i], TAG_WORK, NULL, 0));
    } else if (m->signal == ACTOR_MESSAGE && m->tag == TAG_DONE && ++f->replies == FAN_KIDS) {
        CHECK_OK(actor_send(self, f->home, TAG_DONE, NULL, 0));
    }
}

TEST(work_is_stolen) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *h;
    actor_context *me;
    fan f;
    actor_id p;
    actor_stats st;
    int round;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    h = new_host(sys, "fan", 2);
    me = attach(sys);
    memset(&f, 0, sizeof f);
    p = spawn_full(h, fan_parent_fn, &f, NULL, me, ACTOR_SPAWN_START);
    memset(&st, 0, sizeof st);
    for (round = 0; round < 200 && !st.steals; ++round) {
        CHECK_OK(actor_send(me, p, TAG_GO, NULL, 0));
        if (!expect_msg(me, TAG_DONE, WAIT_MS)) break;
        actor_system_stats(sys, &st);
    }
    CHECK(st.steals > 0);
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* ================================================================================ */
/* 2b. No lost wake-ups                                                             */
/* ================================================================================ */

/* Round trips from the attached test thread to an echo actor; between
   rounds the system is usually idle with its workers parked. */
TEST(no_lost_wakeup_attached_round_trips) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *h;
    actor_context *me;
    echo_state es;
    actor_id e;
    uint64_t rng = 1;
    long i, rounds = scaled(30000), failures = 0;
    actor_stats st;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    h = new_host(sys, "h", 2);
    me = attach(sys);
    memset(&es, 0, sizeof es);
    e = spawn(h, echo_fn, &es);
    for (i = 0; i < rounds && !failures; ++i) {
        jitter(&rng);
        CHECK_OK(actor_send(me, e, (uint32_t)i, &i, sizeof i));
        if (!expect_msg(me, (uint32_t)i, 5000)) ++failures;
    }
    CHECK_EQ(failures, 0);
    actor_system_stats(sys, &st);
    CHECK(st.parks > 0 && st.wakeups > 0); /* the parked path really was exercised */
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* A thread that is not attached sends with actor_system_send when told to;
   the echo answers the attached test thread. */
typedef struct outside_sender {
    actor_system *sys;
    actor_id target;
    sem_t go;
    uint32_t tag;
    int stop;
} outside_sender;

static void *outside_sender_main(void *arg) {
    outside_sender *o = (outside_sender *)arg;
    uint64_t rng = 99;
    for (;;) {
        sem_wait(&o->go);
        if (LOAD(&o->stop)) break;
        jitter(&rng);
        CHECK_OK(actor_system_send(o->sys, o->target, o->tag, NULL, 0));
    }
    return NULL;
}

TEST(no_lost_wakeup_send_from_outside_thread) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *h;
    actor_context *me;
    echo_state es;
    outside_sender o;
    pthread_t t;
    uint64_t rng = 5;
    long i, rounds = scaled(20000), failures = 0;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    h = new_host(sys, "h", 2);
    me = attach(sys);
    memset(&es, 0, sizeof es);
    es.reply_to = actor_self(me);
    memset(&o, 0, sizeof o);
    o.sys = sys;
    o.target = spawn(h, echo_fn, &es);
    sem_init(&o.go, 0, 0);
    pthread_create(&t, NULL, outside_sender_main, &o);
    for (i = 0; i < rounds && !failures; ++i) {
        o.tag = (uint32_t)i;
        sem_post(&o.go);
        jitter(&rng); /* we may or may not be parked when the reply comes */
        if (!expect_msg(me, (uint32_t)i, 5000)) ++failures;
    }
    STORE(&o.stop, 1);
    sem_post(&o.go);
    pthread_join(t, NULL);
    sem_destroy(&o.go);
    CHECK_EQ(failures, 0);
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* Bursts of 1..64 messages; the replies come back complete and in order. */
TEST(no_lost_wakeup_bursts) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *h;
    actor_context *me;
    echo_state es;
    actor_id e;
    uint64_t rng = 3;
    uint32_t tag = 0;
    long i, rounds = scaled(8000), failures = 0;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    h = new_host(sys, "h", 2);
    me = attach(sys);
    memset(&es, 0, sizeof es);
    e = spawn(h, echo_fn, &es);
    for (i = 0; i < rounds && !failures; ++i) {
        uint32_t k, burst = 1 + (uint32_t)(rng_next(&rng) % 64), first = tag;
        jitter(&rng);
        for (k = 0; k < burst; ++k) CHECK_OK(actor_send(me, e, tag++, NULL, 0));
        for (k = 0; k < burst && !failures; ++k)
            if (!expect_msg(me, first + k, 5000)) ++failures;
    }
    CHECK_EQ(failures, 0);
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* test thread -> A (host 1) -> B (host 2) -> test thread; each hop may
   find the next host asleep. */
TEST(no_lost_wakeup_across_two_hosts) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *h1, *h2;
    actor_context *me;
    echo_state to_b, to_me;
    actor_id a;
    uint64_t rng = 8;
    long i, rounds = scaled(30000), failures = 0;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    h1 = new_host(sys, "one", 1);
    h2 = new_host(sys, "two", 1);
    me = attach(sys);
    memset(&to_b, 0, sizeof to_b);
    memset(&to_me, 0, sizeof to_me);
    to_me.reply_to = actor_self(me);
    to_b.reply_to = spawn(h2, forward_fn, &to_me);
    a = spawn(h1, forward_fn, &to_b);
    for (i = 0; i < rounds && !failures; ++i) {
        jitter(&rng);
        if (i % 2) CHECK_OK(actor_system_send(sys, a, (uint32_t)i, NULL, 0));
        else CHECK_OK(actor_send(me, a, (uint32_t)i, NULL, 0));
        if (!expect_msg(me, (uint32_t)i, 5000)) ++failures;
    }
    CHECK_EQ(failures, 0);
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* ================================================================================ */
/* 2c. Fairness on a one-worker host                                                */
/* ================================================================================ */

/* Pings an echo that shares a one-worker host with actors that never stop;
   every ping is answered. */
static void check_pings_answered(actor_context *me, actor_id echo) {
    long i, n = scaled(2000), answered = 0;
    for (i = 0; i < n; ++i) {
        CHECK_OK(actor_send(me, echo, (uint32_t)i, NULL, 0));
        if (!expect_msg(me, (uint32_t)i, 5000)) break;
        ++answered;
    }
    CHECK_EQ(answered, n);
}

TEST(fairness_self_flooding_actor) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *h;
    actor_context *me;
    echo_state es;
    counter flood;
    actor_id e, f;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    h = new_host(sys, "solo", 1);
    me = attach(sys);
    memset(&es, 0, sizeof es);
    memset(&flood, 0, sizeof flood);
    f = spawn_full(h, flooder_fn, &flood, NULL, me, ACTOR_SPAWN_START);
    expect_msg(me, TAG_DONE, WAIT_MS); /* it runs */
    e = spawn(h, echo_fn, &es);
    check_pings_answered(me, e);
    CHECK(LOAD(&flood.messages) > 0);
    CHECK_OK(actor_terminate(sys, f));
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* Two actors bouncing a message through the worker's LIFO slot forever. */
typedef struct bouncer { actor_id peer; uint64_t bounces; } bouncer;

static void bouncer_fn(actor_context *self, const actor_msg *m) {
    bouncer *b = (bouncer *)actor_state(self);
    actor_result r;
    if (m->signal != ACTOR_MESSAGE) return;
    ADD(&b->bounces, 1);
    r = actor_send(self, b->peer, TAG_PING, NULL, 0);
    /* NOT_FOUND only at the end: the test terminates the peer first */
    if (r != ACTOR_OK) CHECK(r == ACTOR_ERR_NOT_FOUND && !actor_alive(actor_system_of(self), b->peer));
}

TEST(fairness_ping_pong_pair) {
    counting_alloc ca;
    actor_system *sys;
    actor_host *h;
    actor_context *me;
    echo_state es;
    bouncer b1, b2;
    actor_id x, y, e;
    ca_init(&ca);
    sys = new_system(&ca);
    if (!sys) return;
    h = new_host(sys, "solo", 1);
    me = attach(sys);
    memset(&es, 0, sizeof es);
    memset(&b1, 0, sizeof b1);
    memset(&b2, 0, sizeof b2);
    x = spawn(h, bouncer_fn, &b1);
    y = spawn(h, bouncer_fn, &b2);
    b1.peer = y;
    b2.peer = x;
    e = spawn(h, echo_fn, &es);
    CHECK_OK(actor_send(me, x, TAG_PING, NULL, 0));
    CHECK(wait_counter(&b2.bounces, 100, WAIT_MS)); /* the ball is in play */
    check_pings_answered(me, e);
    CHECK_OK(actor_terminate(sys, x));
    CHECK_OK(actor_terminate(sys, y));
    actor_detach(me);
    actor_system_destroy(sys);
    ca_check_balanced(&ca);
}

/* ================================================================================ */

static const test_case tests[] = {
    /* 11. bad input */
    T(bad_input_system_create),
    T(zero_desc_means_defaults),
    T(bad_input_hosts),
    T(host_default_name_is_unique),
    T(bad_input_spawn_and_send),
    T(bad_input_other_calls),
    T(max_actors_limit),
    T(max_actors_slots_reusable_after_exit),
    /* 12. stats */
    T(stats_counters_move),
    /* 8. START, YIELD */
    T(start_delivered_first_with_payload),
    T(yield_delivers_yield_behind_others),
    /* sender host, on_exit */
    T(sender_host_and_host_of_id),
    T(on_exit_runs_once_before_state_dtor),
    /* 9. attached threads */
    T(receive_timeout_and_poll),
    T(attached_identity_terminated),
    /* 7. timers */
    T(timer_fires_no_earlier_than_delay),
    T(timer_fires_for_attached_thread),
    T(timer_cancel_before_and_after_firing),
    T(timers_vanish_with_their_actor),
    /* 2d. manual hosts */
    T(timer_wheel_far_and_boundary_deadlines),
    T(huge_timeouts_wait),
    T(exit_reason_validated),
    T(cancel_deadline_cannot_be_lifted_by_its_target),
    T(destroy_from_inside_is_refused),
    T(manual_host_pumped_by_hand),
    T_TIMEOUT(manual_host_wait_woken_by_other_thread, 120),
    T_TIMEOUT(manual_host_wake_ends_a_wait, 120),
    T(yield_every_turn_still_reads_mailbox),
    /* 3. ids */
    T(stale_id_not_found_after_exit),
    T(stale_id_never_reaches_new_tenant),
    T_TIMEOUT(stale_ids_churn_on_workers, 120),
    T(forged_ids_not_found),
    /* 4. memory of messages */
    T(messages_to_dead_actors_are_freed),
    T(mailbox_limit_ends_a_flooded_actor),
    T(mailbox_limit_under_concurrent_senders),
    T(mailbox_limit_changed_by_its_actor),
    T(cancel_timers_cancels_them_all),
    T(repeated_cancels_cost_no_memory),
    T(timers_fire_while_the_keeper_is_busy),
    T_TIMEOUT(move_destructor_runs_exactly_once_racing_exit, 120),
    T(exit_never_touches_a_recycled_slot),
    /* 10. shutdown */
    T(destroy_with_live_actors_frees_everything),
    /* 5. allocator failure */
    T_TIMEOUT(alloc_failure_single_at_every_point, 120),
    T_TIMEOUT(alloc_failure_persistent_from_every_point, 120),
    T_TIMEOUT(alloc_failure_random_with_workers, 120),
    /* 6. two systems */
    T_TIMEOUT(two_systems_side_by_side, 120),
    /* 1. mailbox */
    T_TIMEOUT(mailbox_fifo_many_producers, 180),
    /* 2. scheduling */
    T_TIMEOUT(work_is_stolen, 120),
    T_TIMEOUT(no_lost_wakeup_attached_round_trips, 120),
    T_TIMEOUT(no_lost_wakeup_send_from_outside_thread, 120),
    T_TIMEOUT(no_lost_wakeup_bursts, 120),
    T_TIMEOUT(no_lost_wakeup_across_two_hosts, 120),
    T_TIMEOUT(fairness_self_flooding_actor, 120),
    T_TIMEOUT(fairness_ping_pong_pair, 120),
};

int main(int argc, char **argv) { return harness_main(argc, argv, tests, TEST_COUNT(tests)); }
