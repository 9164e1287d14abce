/* test_failure.c — failure semantics of actor.h: monitor, link, trap_links,
   cancel with deadline, terminate, exit reasons and the name registry.

   The ideas come from Erlang/OTP's process, signal and monitor suites
   (link chains and stars, demonitor/unlink racing an exit, the first exit
   reason winning, signal ordering behind messages, names released before
   the DOWN message); the code is this project's own.

   Shape of every test: the main thread is attached (actor_attach) and is
   the observer. It monitors and links, and reads EXIT / LINK_DOWN signals
   and the REPORT messages that worker actors ("agents") send it when they
   see a signal themselves.

   House rules: eventual delivery waits up to WAIT_MS; time is asserted only
   as a lower bound (upper bounds are generous); races run for many rounds
   and each possible outcome of a round has its own exact consequence, which
   is what is asserted. "Everything that was going to happen has happened"
   is established with actors_exited from actor_system_stats (counted after
   an actor's EXIT / LINK_DOWN signals have been pushed).

   Every test runs in a child process (this binary, --isolated NAME): a
   crash, a hang, or a sanitizer report (ASan, LSan, TSan exit status)
   fails that test only, and the other results still count. TEST_INPROCESS=1
   runs them in this process instead (for a debugger, with --filter: a test
   that finds corrupted memory ends the process). TEST_VERBOSE=1 prints how
   often each outcome of every race happened.

   The tests under "actor.h defects" at the end reproduce bugs found while
   writing this suite; each says what is wrong. */
#define ACTOR_IMPLEMENTATION
#include "actor.h"
#include "harness.h"

#include <signal.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>

extern char **environ;

#define WAIT_MS 10000          /* eventual delivery */
#define SLACK_MS 5000          /* generous upper bound past a deadline */
#define FAILF(...) harness_fail(__FILE__, __LINE__, __VA_ARGS__)

/* ========================================================================== */
/* small utilities                                                            */
/* ========================================================================== */

static uint32_t rng_state = 0x2545F491u; /* reseeded per process in main */
static uint32_t rnd(void) { /* main thread only */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void spin(uint32_t n) {
    volatile uint32_t i;
    for (i = 0; i < n; ++i) {}
}

static uint64_t ms_since(uint64_t t0_ns) { return (actor_now_ns() - t0_ns) / 1000000ull; }

/* With TEST_VERBOSE set: how often each outcome of a race happened. */
static void note(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
static void note(const char *fmt, ...) {
    va_list ap;
    if (!getenv("TEST_VERBOSE")) return;
    va_start(ap, fmt);
    fputs("  note: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
}

static int ld(const int *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static void st(int *p, int v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

/* Polls until *flag != 0; 0 when ms passed first. */
static int wait_flag(const int *flag, int ms) {
    uint64_t t0 = actor_now_ns();
    while (!ld(flag)) {
        if (ms_since(t0) > (uint64_t)ms) return 0;
        harness_sleep_ms(1);
    }
    return 1;
}

static actor_id id_with_generation_shift(actor_id id, int delta) {
    return actor_id_make(id.value + ((uint64_t)(int64_t)delta << 32));
}

static uint64_t stat_exited(actor_system *sys) {
    actor_stats s;
    actor_system_stats(sys, &s);
    return s.actors_exited;
}

static uint64_t stat_live(actor_system *sys) {
    actor_stats s;
    actor_system_stats(sys, &s);
    return s.actors_live;
}

/* Waits until n actors have ended since the system started: their EXIT /
   LINK_DOWN signals have been pushed by then. */
/* Polls a stats counter until it reaches n (at_least) or equals n. */
static int wait_stat_at(const char *file, int line, actor_system *sys, uint64_t (*get)(actor_system *), uint64_t n,
                        int at_least, const char *what) {
    uint64_t t0 = actor_now_ns();
    while (at_least ? get(sys) < n : get(sys) != n) {
        if (ms_since(t0) > WAIT_MS) {
            harness_fail(file, line, "%s: %llu, expected %s%llu", what, (unsigned long long)get(sys),
                         at_least ? "at least " : "", (unsigned long long)n);
            return 0;
        }
        harness_sleep_ms(1);
    }
    return 1;
}
#define WAIT_EXITED(sys, n) wait_stat_at(__FILE__, __LINE__, sys, stat_exited, n, 1, "actors ended")
#define WAIT_LIVE(sys, n) wait_stat_at(__FILE__, __LINE__, sys, stat_live, n, 0, "actors live")

/* ========================================================================== */
/* what an observer saw                                                       */
/* ========================================================================== */

/* A signal, flattened (reason copied): also the payload of REPORT messages. */
typedef struct sig_info {
    int32_t signal;
    uint32_t tag;
    uint64_t from;
    uint64_t deadline;
    int32_t has_reason, message_null, kind, code;
    char message[96];
    unsigned char data[64];
    uint64_t size;     /* reason data size */
    int32_t lookup_r;  /* REPORT only: actor_lookup of agent_cfg.lookup */
    uint64_t from_host; /* (uintptr_t) actor_msg.from_host */
} sig_info;

typedef struct seen {
    int rc; /* actor_receive result */
    sig_info s;
    unsigned char body[512];
    size_t body_size;
} seen;

static void sig_fill(sig_info *si, const actor_msg *m) {
    memset(si, 0, sizeof *si);
    si->signal = (int32_t)m->signal;
    si->tag = m->tag;
    si->from = m->from.value;
    si->deadline = m->deadline;
    si->from_host = (uint64_t)(uintptr_t)m->from_host;
    if (m->reason) {
        const actor_exit_reason *r = m->reason;
        si->has_reason = 1;
        si->kind = (int32_t)r->kind;
        si->code = r->code;
        si->message_null = r->message == NULL;
        if (r->message) snprintf(si->message, sizeof si->message, "%s", r->message);
        si->size = r->size;
        if (r->data && r->size) memcpy(si->data, r->data, r->size < sizeof si->data ? r->size : sizeof si->data);
    }
}

static const char *sig_name(int s) {
    static const char *names[] = { "MESSAGE", "START", "EXIT", "LINK_DOWN", "CANCEL", "TIMER", "YIELD" };
    return s >= 0 && s <= 6 ? names[s] : "?";
}

/* ========================================================================== */
/* agents: worker actors driven by messages                                   */
/* ========================================================================== */

enum {
    TAG_PING = 100, TAG_PONG, TAG_FAIL, TAG_QUIT, TAG_LINK, TAG_UNLINK, TAG_MONITOR, TAG_DEMONITOR,
    TAG_TRAP, TAG_RESULT, TAG_REPORT, TAG_SPAWN_LINKED, TAG_CHILDREN, TAG_CANCEL_QUIT, TAG_WHOAMI,
    TAG_SEQ, TAG_MORE, TAG_GO
};

/* TAG_FAIL payload: the reason to exit with (empty payload = default_fail). */
typedef struct fail_spec {
    int32_t kind, code, null_message;
    char message[64];
    uint32_t size;
    unsigned char data[32];
} fail_spec;

typedef struct result_msg { int32_t r, extra; } result_msg;
typedef struct spawn_req { uint32_t n, start_cmd; } spawn_req;
typedef struct cancel_req { actor_id target; int64_t timeout_ms; } cancel_req;

/* Shared, read-only configuration of an agent (its actor state). */
typedef struct agent_cfg {
    actor_id observer;   /* gets a REPORT for every EXIT / LINK_DOWN / CANCEL */
    int cancel_quit;     /* exit normally after reporting a CANCEL */
    const char *lookup;  /* name looked up when reporting */
} agent_cfg;

#define DEFAULT_FAIL_MESSAGE "boom"
#define DEFAULT_FAIL_CODE 7

static void agent_fail(actor_context *self, const void *data, size_t size) {
    fail_spec spec;
    actor_exit_reason why;
    memset(&spec, 0, sizeof spec);
    if (size == sizeof spec) {
        memcpy(&spec, data, sizeof spec);
    } else {
        spec.kind = ACTOR_EXIT_ERROR;
        spec.code = DEFAULT_FAIL_CODE;
        snprintf(spec.message, sizeof spec.message, "%s", DEFAULT_FAIL_MESSAGE);
    }
    why.kind = (actor_exit_kind)spec.kind;
    why.code = spec.code;
    why.message = spec.null_message ? NULL : spec.message;
    why.data = spec.size ? spec.data : NULL;
    why.size = spec.size;
    actor_exit(self, &why);
}

static void agent_reply(actor_context *self, actor_id to, int32_t r, int32_t extra) {
    result_msg res;
    res.r = r;
    res.extra = extra;
    actor_send(self, to, TAG_RESULT, &res, sizeof res);
}

static actor_result agent_peer_call(actor_context *self, uint32_t tag, actor_id target) {
    switch (tag) {
    case TAG_LINK: return actor_link(self, target);
    case TAG_UNLINK: return actor_unlink(self, target);
    case TAG_MONITOR: return actor_monitor(self, target);
    default: return actor_demonitor(self, target);
    }
}

static void agent(actor_context *self, const actor_msg *m);

/* Spawns n children linked to the agent (each runs start_cmd first when it
   is not 0) and replies TAG_CHILDREN with their ids. */
static void agent_spawn_linked(actor_context *self, actor_id to, const void *data, size_t size) {
    spawn_req req;
    actor_spawn_desc d;
    actor_id *ids;
    uint32_t i;
    if (size != sizeof req) return;
    memcpy(&req, data, sizeof req);
    ids = (actor_id *)calloc(req.n ? req.n : 1, sizeof *ids);
    if (!ids) return;
    memset(&d, 0, sizeof d);
    d.fn = agent;
    d.parent = self;
    d.flags = ACTOR_SPAWN_LINK | (req.start_cmd ? ACTOR_SPAWN_START : 0u);
    d.start_data = req.start_cmd ? &req.start_cmd : NULL;
    d.start_size = req.start_cmd ? sizeof req.start_cmd : 0;
    for (i = 0; i < req.n; ++i) CHECK_OK(actor_spawn(actor_host_of(self), &d, &ids[i]));
    actor_send(self, to, TAG_CHILDREN, ids, req.n * sizeof *ids);
    free(ids);
}

/* An agent does what a message says. LINK / UNLINK / MONITOR / DEMONITOR
   (payload: an actor_id), TRAP and WHOAMI reply TAG_RESULT {result, extra}
   to the sender; extra is actor_exit_pending() for the peer calls. */
static void agent_command(actor_context *self, actor_id from, uint32_t tag, const void *data, size_t size) {
    actor_id target = actor_id_make(0);
    if (size == sizeof target) memcpy(&target, data, sizeof target);
    switch (tag) {
    case TAG_PING: actor_send(self, from, TAG_PONG, data, size); break;
    case TAG_FAIL: agent_fail(self, data, size); break;
    case TAG_QUIT: actor_exit(self, NULL); break;
    case TAG_LINK: case TAG_UNLINK: case TAG_MONITOR: case TAG_DEMONITOR: {
        actor_result r = agent_peer_call(self, tag, target);
        agent_reply(self, from, r, actor_exit_pending(self));
        break;
    }
    case TAG_TRAP: {
        int32_t on = 0;
        if (size == sizeof on) memcpy(&on, data, sizeof on);
        actor_trap_links(self, on);
        agent_reply(self, from, actor_traps_links(self), 0);
        break;
    }
    case TAG_SPAWN_LINKED: agent_spawn_linked(self, from, data, size); break;
    case TAG_CANCEL_QUIT: {
        cancel_req req;
        if (size != sizeof req) break;
        memcpy(&req, data, sizeof req);
        agent_reply(self, from, actor_cancel(actor_system_of(self), actor_self(self), req.target, req.timeout_ms), 0);
        actor_exit(self, NULL);
        break;
    }
    case TAG_WHOAMI: { /* data: a NUL-terminated name */
        actor_id found;
        actor_result r = actor_lookup(actor_system_of(self), (const char *)data, &found);
        agent_reply(self, from, r, actor_id_equal(found, actor_self(self)));
        break;
    }
    default: break;
    }
}

static void agent_report(actor_context *self, const actor_msg *m) {
    const agent_cfg *cfg = (const agent_cfg *)actor_state(self);
    sig_info si;
    if (!cfg || actor_id_is_none(cfg->observer)) return;
    sig_fill(&si, m);
    if (cfg->lookup) {
        actor_id found;
        si.lookup_r = actor_lookup(actor_system_of(self), cfg->lookup, &found);
    }
    actor_send(self, cfg->observer, TAG_REPORT, &si, sizeof si);
}

static void agent(actor_context *self, const actor_msg *m) {
    const agent_cfg *cfg = (const agent_cfg *)actor_state(self);
    uint32_t cmd = 0;
    switch (m->signal) {
    case ACTOR_START:
        if (m->size == sizeof cmd) memcpy(&cmd, m->data, sizeof cmd);
        agent_command(self, m->from, cmd, NULL, 0);
        break;
    case ACTOR_MESSAGE: agent_command(self, m->from, m->tag, m->data, m->size); break;
    case ACTOR_EXIT: case ACTOR_LINK_DOWN: agent_report(self, m); break;
    case ACTOR_CANCEL:
        agent_report(self, m);
        if (cfg && cfg->cancel_quit) actor_exit(self, NULL);
        break;
    default: break;
    }
}

/* ========================================================================== */
/* the attached observer                                                      */
/* ========================================================================== */

typedef struct fx {
    actor_system *sys;
    actor_host *host;
    actor_context *me;
    actor_id me_id;
} fx;

static int fx_open_with(fx *f, const actor_system_desc *desc) {
    actor_host_desc hd;
    memset(f, 0, sizeof *f);
    memset(&hd, 0, sizeof hd);
    hd.name = "failure";
    hd.workers = 2;
    CHECK_OK(actor_system_create(desc, &f->sys));
    if (!f->sys) return 0;
    CHECK_OK(actor_host_create(f->sys, &hd, &f->host));
    CHECK_OK(actor_attach(f->sys, &f->me));
    if (!f->host || !f->me) return 0;
    f->me_id = actor_self(f->me);
    return 1;
}

static int fx_open(fx *f) { return fx_open_with(f, NULL); }

static void fx_close(fx *f) {
    if (f->me) actor_detach(f->me);
    if (f->sys) actor_system_destroy(f->sys);
    memset(f, 0, sizeof *f);
}

static actor_id spawn_agent(fx *f, agent_cfg *cfg, unsigned flags, uint32_t start_cmd) {
    actor_spawn_desc d;
    actor_id id = actor_id_make(0);
    memset(&d, 0, sizeof d);
    d.fn = agent;
    d.state = cfg;
    d.parent = f->me;
    d.flags = flags;
    if (start_cmd) {
        d.flags |= ACTOR_SPAWN_START;
        d.start_data = &start_cmd;
        d.start_size = sizeof start_cmd;
    }
    CHECK_OK(actor_spawn(f->host, &d, &id));
    return id;
}

static int recv_seen(fx *f, seen *s, int64_t ms) {
    actor_msg m;
    memset(s, 0, sizeof *s);
    s->rc = actor_receive(f->me, &m, ms);
    if (s->rc != ACTOR_OK) return 0;
    sig_fill(&s->s, &m);
    s->body_size = m.size;
    if (m.data && m.size) memcpy(s->body, m.data, m.size < sizeof s->body ? m.size : sizeof s->body);
    return 1;
}

static sig_info report_of(const seen *s) {
    sig_info si;
    memcpy(&si, s->body, sizeof si);
    return si;
}

static int is_report(const seen *s) {
    return s->s.signal == ACTOR_MESSAGE && s->s.tag == TAG_REPORT && s->body_size == sizeof(sig_info);
}

/* Next message must be `sig` (and `tag` for messages) from `from` (none =
   anyone). */
static int expect_at(const char *file, int line, fx *f, actor_signal sig, uint32_t tag, actor_id from, seen *out) {
    seen tmp, *s = out ? out : &tmp;
    if (!recv_seen(f, s, WAIT_MS)) {
        harness_fail(file, line, "expected %s from %llx; actor_receive returned %d", sig_name(sig),
                     (unsigned long long)from.value, s->rc);
        return 0;
    }
    if (s->s.signal != (int32_t)sig || (sig == ACTOR_MESSAGE && s->s.tag != tag) ||
        (!actor_id_is_none(from) && s->s.from != from.value)) {
        harness_fail(file, line, "expected %s tag %u from %llx, got %s tag %u from %llx", sig_name(sig), tag,
                     (unsigned long long)from.value, sig_name(s->s.signal), s->s.tag,
                     (unsigned long long)s->s.from);
        return 0;
    }
    return 1;
}
#define EXPECT(f, sig, tag, from, out) expect_at(__FILE__, __LINE__, f, sig, tag, from, out)

static int reason_is_at(const char *file, int line, const sig_info *si, actor_exit_kind kind, const char *message) {
    if (!si->has_reason || si->message_null || si->kind != (int32_t)kind ||
        (message && strcmp(si->message, message) != 0)) {
        harness_fail(file, line, "reason: kind %d message \"%s\"%s, expected kind %d message \"%s\"", si->kind,
                     si->message, si->message_null ? " (NULL)" : "", (int)kind, message ? message : "*");
        return 0;
    }
    return 1;
}
#define REASON_IS(si, kind, message) reason_is_at(__FILE__, __LINE__, si, kind, message)

/* Next message is EXIT from `from` with this reason. */
static int expect_exit_at(const char *file, int line, fx *f, actor_id from, actor_exit_kind kind, const char *message,
                          seen *out) {
    return expect_at(file, line, f, ACTOR_EXIT, 0, from, out) && reason_is_at(file, line, &out->s, kind, message);
}
#define EXPECT_EXIT(f, from, kind, message, out) expect_exit_at(__FILE__, __LINE__, f, from, kind, message, out)

static result_msg call_at(const char *file, int line, fx *f, actor_id to, uint32_t tag, const void *data, size_t size) {
    result_msg res = { 999, 999 };
    seen s;
    actor_result r = actor_send(f->me, to, tag, data, size);
    if (r != ACTOR_OK) {
        harness_fail(file, line, "actor_send to the agent returned %d", r);
        return res;
    }
    if (expect_at(file, line, f, ACTOR_MESSAGE, TAG_RESULT, to, &s)) memcpy(&res, s.body, sizeof res);
    return res;
}
#define CALL(f, to, tag, data, size) call_at(__FILE__, __LINE__, f, to, tag, data, size)

static result_msg call_id_at(const char *file, int line, fx *f, actor_id to, uint32_t tag, actor_id arg) {
    return call_at(file, line, f, to, tag, &arg, sizeof arg);
}
#define CALL_ID(f, to, tag, arg) call_id_at(__FILE__, __LINE__, f, to, tag, arg)

/* The agent answers: it is alive and handled everything queued before. */
static int ping_at(const char *file, int line, fx *f, actor_id to) {
    uint32_t token = rnd();
    seen s;
    actor_result r = actor_send(f->me, to, TAG_PING, &token, sizeof token);
    if (r != ACTOR_OK) {
        harness_fail(file, line, "ping: actor_send returned %d (the agent is gone)", r);
        return 0;
    }
    if (!expect_at(file, line, f, ACTOR_MESSAGE, TAG_PONG, to, &s)) return 0;
    if (s.body_size != sizeof token || memcmp(s.body, &token, sizeof token) != 0) {
        harness_fail(file, line, "pong carries the wrong token");
        return 0;
    }
    return 1;
}
#define PING(f, to) ping_at(__FILE__, __LINE__, f, to)

/* Asks agent `to` to exit with this reason. */
static actor_result post_fail(fx *f, actor_id to, actor_exit_kind kind, int code, const char *message,
                              const void *data, uint32_t size) {
    fail_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.kind = (int32_t)kind;
    spec.code = code;
    spec.null_message = message == NULL;
    if (message) snprintf(spec.message, sizeof spec.message, "%s", message);
    spec.size = size;
    if (size) memcpy(spec.data, data, size);
    return actor_send(f->me, to, TAG_FAIL, &spec, sizeof spec);
}

#define SEND_FAIL(f, to, kind, code, message, data, size) CHECK_OK(post_fail(f, to, kind, code, message, data, size))

/* Everything already queued for the observer, counted by signal; reports
   count as their own kind ([7]). */
typedef struct tally { long n, by_signal[8], exited; } tally;

static tally drain(fx *f) {
    tally t;
    seen s;
    memset(&t, 0, sizeof t);
    while (recv_seen(f, &s, 0)) {
        t.n++;
        t.by_signal[is_report(&s) ? 7 : (s.s.signal & 7)]++;
    }
    if (s.rc == ACTOR_ERR_EXITED) t.exited = 1;
    return t;
}

/* Frees the observer's last delivered message (it lives until the next
   receive): used before measuring memory. */
static void flush_observer(fx *f) {
    seen s;
    CHECK_OK(actor_system_send(f->sys, f->me_id, 1, NULL, 0));
    while (recv_seen(f, &s, WAIT_MS) && !(s.s.signal == ACTOR_MESSAGE && s.s.tag == 1)) {}
}

/* id -> position, for tests that watch thousands of actors */
typedef struct id_pos { uint64_t id; long pos; } id_pos;

static int id_pos_cmp(const void *a, const void *b) {
    uint64_t x = ((const id_pos *)a)->id, y = ((const id_pos *)b)->id;
    return x < y ? -1 : x > y;
}

static id_pos *index_ids(const actor_id *ids, long n) {
    id_pos *map = (id_pos *)malloc((size_t)n * sizeof *map);
    long i;
    if (!map) return NULL;
    for (i = 0; i < n; ++i) { map[i].id = ids[i].value; map[i].pos = i; }
    qsort(map, (size_t)n, sizeof *map, id_pos_cmp);
    return map;
}

static long find_id(const id_pos *map, long n, uint64_t id) {
    id_pos key, *hit;
    key.id = id;
    key.pos = 0;
    hit = (id_pos *)bsearch(&key, map, (size_t)n, sizeof *map, id_pos_cmp);
    return hit ? hit->pos : -1;
}

/* Receives one EXIT for each of ids[0..n): kinds[i] gets the reason kind.
   Anything else, or a second EXIT from the same actor, fails. */
static int collect_exits(fx *f, const actor_id *ids, long n, int *kinds, char (*messages)[96]) {
    id_pos *map = index_ids(ids, n);
    long got = 0, i;
    int ok = 1;
    seen s;
    if (!map) return 0;
    for (i = 0; i < n; ++i) kinds[i] = -1;
    while (got < n) {
        long pos;
        if (!recv_seen(f, &s, WAIT_MS)) { FAILF("only %ld of %ld EXITs arrived (rc %d)", got, n, s.rc); ok = 0; break; }
        pos = s.s.signal == ACTOR_EXIT ? find_id(map, n, s.s.from) : -1;
        if (pos < 0 || kinds[pos] != -1) {
            FAILF("unexpected %s tag %u from %llx (duplicate or unknown)", sig_name(s.s.signal), s.s.tag,
                  (unsigned long long)s.s.from);
            ok = 0;
            continue;
        }
        kinds[pos] = s.s.kind;
        if (messages) memcpy(messages[pos], s.s.message, sizeof messages[pos]);
        ++got;
    }
    free(map);
    return ok;
}

/* ========================================================================== */
/* normal vs abnormal exit over links                                         */
/* ========================================================================== */

/* Erlang: a normal exit is not propagated over links; the link just goes. */
TEST(normal_exit_spares_linked_peers) {
    int variant;
    for (variant = 0; variant < 2; ++variant) {
        fx f;
        agent_cfg obs;
        actor_id a, b, t;
        seen s;
        tally left;
        uint64_t base;
        if (!fx_open(&f)) return;
        obs.observer = f.me_id; obs.cancel_quit = 0; obs.lookup = NULL;
        b = spawn_agent(&f, NULL, 0, 0);
        a = spawn_agent(&f, NULL, 0, 0);                         /* does not trap */
        t = spawn_agent(&f, &obs, ACTOR_SPAWN_TRAP_LINKS, 0);    /* would report a LINK_DOWN */
        CHECK_OK(actor_link(f.me, b));                           /* the observer does not trap either */
        CHECK_OK(CALL_ID(&f, a, TAG_LINK, b).r);
        CHECK_OK(CALL_ID(&f, t, TAG_LINK, b).r);
        CHECK_OK(actor_monitor(f.me, b));
        base = stat_exited(f.sys);
        if (variant == 0) CHECK_OK(actor_send(f.me, b, TAG_QUIT, NULL, 0));
        else SEND_FAIL(&f, b, ACTOR_EXIT_NORMAL, 3, "finished", "ok", 2); /* normal, with a result */
        if (EXPECT_EXIT(&f, b, ACTOR_EXIT_NORMAL, NULL, &s)) CHECK_EQ(s.s.code, variant ? 3 : 0);
        WAIT_EXITED(f.sys, base + 1);
        PING(&f, a); /* a LINK_DOWN would have been handled before the ping */
        PING(&f, t); /* a LINK_DOWN report would arrive before the pong */
        CHECK(!actor_exit_pending(f.me));
        left = drain(&f);
        CHECK_EQ(left.n, 0);
        CHECK_EQ(left.exited, 0);
        CHECK(actor_alive(f.sys, a) && actor_alive(f.sys, t));
        fx_close(&f);
    }
}

TEST(abnormal_exit_kills_linked_peers) {
    fx f;
    actor_id ids[3], d;
    int kinds[3];
    char messages[3][96];
    actor_context *witness;
    seen s;
    actor_msg m;
    if (!fx_open(&f)) return;
    ids[0] = spawn_agent(&f, NULL, 0, 0);          /* fails */
    ids[1] = spawn_agent(&f, NULL, 0, 0);          /* linked to 0 */
    ids[2] = spawn_agent(&f, NULL, 0, 0);          /* linked to 1: two hops away */
    CHECK_OK(CALL_ID(&f, ids[1], TAG_LINK, ids[0]).r);
    CHECK_OK(CALL_ID(&f, ids[2], TAG_LINK, ids[1]).r);
    CHECK_OK(actor_monitor(f.me, ids[0]));
    CHECK_OK(actor_monitor(f.me, ids[1]));
    CHECK_OK(actor_monitor(f.me, ids[2]));
    SEND_FAIL(&f, ids[0], ACTOR_EXIT_ERROR, 7, "boom", NULL, 0);
    if (collect_exits(&f, ids, 3, kinds, messages)) {
        CHECK_EQ(kinds[0], ACTOR_EXIT_ERROR);
        CHECK(!strcmp(messages[0], "boom"));
        CHECK_EQ(kinds[1], ACTOR_EXIT_LINKED);
        CHECK(!strcmp(messages[1], "linked process failed"));
        CHECK_EQ(kinds[2], ACTOR_EXIT_LINKED);
        CHECK(!strcmp(messages[2], "linked process failed"));
    }
    /* an attached thread that does not trap dies the same way */
    CHECK_OK(actor_attach(f.sys, &witness));
    CHECK_OK(actor_monitor(witness, f.me_id));
    d = spawn_agent(&f, NULL, 0, 0);
    CHECK_OK(actor_link(f.me, d));
    SEND_FAIL(&f, d, ACTOR_EXIT_ERROR, 1, "peer died", NULL, 0);
    CHECK_RESULT(actor_receive(f.me, &m, WAIT_MS), ACTOR_ERR_EXITED);
    CHECK_RESULT(actor_receive(f.me, &m, 0), ACTOR_ERR_EXITED);
    CHECK_RESULT(actor_receive(witness, &m, WAIT_MS), ACTOR_OK);
    CHECK(m.signal == ACTOR_EXIT && actor_id_equal(m.from, f.me_id));
    if (m.reason) {
        sig_fill(&s.s, &m);
        REASON_IS(&s.s, ACTOR_EXIT_LINKED, "linked process failed");
    }
    actor_detach(witness);
    fx_close(&f);
}

/* Builds a chain by asking every actor to link to its predecessor. */
static int build_chain(fx *f, actor_id *ids, long n) {
    long i, acks = 0;
    seen s;
    for (i = 0; i < n; ++i) {
        ids[i] = spawn_agent(f, NULL, 0, 0);
        CHECK_OK(actor_monitor(f->me, ids[i]));
    }
    for (i = 1; i < n; ++i) CHECK_OK(actor_send(f->me, ids[i], TAG_LINK, &ids[i - 1], sizeof ids[i - 1]));
    while (acks < n - 1) {
        result_msg res;
        if (!EXPECT(f, ACTOR_MESSAGE, TAG_RESULT, actor_id_make(0), &s)) return 0;
        memcpy(&res, s.body, sizeof res);
        CHECK_OK(res.r);
        ++acks;
    }
    return 1;
}

TEST(link_chain_cascades) {
    long n = scaled(10000), i, linked = 0;
    actor_id *ids;
    int *kinds;
    fx f;
    if (n < 3) n = 3;
    ids = (actor_id *)calloc((size_t)n, sizeof *ids);
    kinds = (int *)calloc((size_t)n, sizeof *kinds);
    if (!ids || !kinds || !fx_open(&f)) { free(ids); free(kinds); CHECK(!"setup"); return; }
    if (build_chain(&f, ids, n)) {
        SEND_FAIL(&f, ids[0], ACTOR_EXIT_ERROR, 7, "boom", NULL, 0);
        if (collect_exits(&f, ids, n, kinds, NULL)) {
            CHECK_EQ(kinds[0], ACTOR_EXIT_ERROR);
            for (i = 1; i < n; ++i) linked += kinds[i] == ACTOR_EXIT_LINKED;
            CHECK_EQ(linked, n - 1);
            CHECK_EQ(kinds[n - 1], ACTOR_EXIT_LINKED); /* the tail, seen through its monitor */
        }
    }
    CHECK_EQ(drain(&f).n, 0);
    fx_close(&f);
    free(ids);
    free(kinds);
}

TEST(star_children_die_with_parent) {
    long k = scaled(1000), i, linked = 0;
    spawn_req req;
    actor_id *ids;
    int *kinds;
    actor_msg m;
    fx f;
    if (!fx_open(&f)) return;
    ids = (actor_id *)calloc((size_t)k + 1, sizeof *ids);
    kinds = (int *)calloc((size_t)k + 1, sizeof *kinds);
    if (!ids || !kinds) { free(ids); free(kinds); fx_close(&f); CHECK(!"setup"); return; }
    ids[0] = spawn_agent(&f, NULL, 0, 0); /* the parent */
    CHECK_OK(actor_monitor(f.me, ids[0]));
    req.n = (uint32_t)k;
    req.start_cmd = 0;
    CHECK_OK(actor_send(f.me, ids[0], TAG_SPAWN_LINKED, &req, sizeof req));
    /* the list of children is bigger than `seen` keeps: read it directly */
    CHECK_OK(actor_receive(f.me, &m, WAIT_MS));
    CHECK(m.signal == ACTOR_MESSAGE && m.tag == TAG_CHILDREN && m.size == (size_t)k * sizeof(actor_id));
    if (m.signal == ACTOR_MESSAGE && m.size == (size_t)k * sizeof(actor_id)) {
        memcpy(ids + 1, m.data, m.size);
        for (i = 1; i <= k; ++i) CHECK_OK(actor_monitor(f.me, ids[i]));
        SEND_FAIL(&f, ids[0], ACTOR_EXIT_ERROR, 7, "boom", NULL, 0);
        if (collect_exits(&f, ids, k + 1, kinds, NULL)) {
            CHECK_EQ(kinds[0], ACTOR_EXIT_ERROR);
            for (i = 1; i <= k; ++i) linked += kinds[i] == ACTOR_EXIT_LINKED;
            CHECK_EQ(linked, k);
        }
    }
    fx_close(&f);
    free(ids);
    free(kinds);
}

/* ========================================================================== */
/* trap_links                                                                 */
/* ========================================================================== */

static int reason_data_is(const sig_info *si, const void *data, size_t size) {
    return si->size == size && (!size || memcmp(si->data, data, size) == 0);
}

TEST(trapping_peer_gets_link_down_and_survives) {
    static const unsigned char blob[8] = { 1, 2, 0, 3, 255, 4, 0, 5 };
    agent_cfg obs;
    actor_id b, t, t2;
    int32_t on;
    seen s;
    sig_info r;
    fx f;
    if (!fx_open(&f)) return;
    obs.observer = f.me_id; obs.cancel_quit = 0; obs.lookup = NULL;

    /* the attached observer traps */
    CHECK(!actor_traps_links(f.me));
    actor_trap_links(f.me, 1);
    CHECK(actor_traps_links(f.me));
    b = spawn_agent(&f, NULL, ACTOR_SPAWN_LINK, 0);
    SEND_FAIL(&f, b, ACTOR_EXIT_ERROR, 42, "disk on fire", blob, 4);
    if (EXPECT(&f, ACTOR_LINK_DOWN, 0, b, &s)) {
        REASON_IS(&s.s, ACTOR_EXIT_ERROR, "disk on fire");
        CHECK_EQ(s.s.code, 42);
        CHECK(reason_data_is(&s.s, blob, 4));
    }
    CHECK(!actor_exit_pending(f.me));
    CHECK_OK(actor_system_send(f.sys, f.me_id, 1, NULL, 0)); /* still receiving */
    CHECK(recv_seen(&f, &s, WAIT_MS) && s.s.tag == 1);
    actor_trap_links(f.me, 0);

    /* a worker spawned with ACTOR_SPAWN_TRAP_LINKS */
    t = spawn_agent(&f, &obs, ACTOR_SPAWN_TRAP_LINKS, 0);
    b = spawn_agent(&f, NULL, 0, 0);
    CHECK_OK(CALL_ID(&f, t, TAG_LINK, b).r);
    SEND_FAIL(&f, b, ACTOR_EXIT_ERROR, -5, "bad input", blob, 8);
    if (EXPECT(&f, ACTOR_MESSAGE, TAG_REPORT, t, &s)) {
        r = report_of(&s);
        CHECK_EQ(r.signal, ACTOR_LINK_DOWN);
        CHECK_EQ(r.from, b.value);
        REASON_IS(&r, ACTOR_EXIT_ERROR, "bad input");
        CHECK_EQ(r.code, -5);
        CHECK(reason_data_is(&r, blob, 8));
    }
    PING(&f, t);

    /* a worker that turns trapping on with actor_trap_links; a terminated
       peer is an abnormal exit too */
    t2 = spawn_agent(&f, &obs, 0, 0);
    on = 1;
    CHECK_EQ(CALL(&f, t2, TAG_TRAP, &on, sizeof on).r, 1);
    b = spawn_agent(&f, NULL, 0, 0);
    CHECK_OK(CALL_ID(&f, t2, TAG_LINK, b).r);
    CHECK_OK(actor_terminate(f.sys, b));
    if (EXPECT(&f, ACTOR_MESSAGE, TAG_REPORT, t2, &s)) {
        r = report_of(&s);
        CHECK_EQ(r.signal, ACTOR_LINK_DOWN);
        REASON_IS(&r, ACTOR_EXIT_TERMINATED, "terminated");
    }
    PING(&f, t2);

    /* trapping off again: the next linked failure kills it */
    on = 0;
    CHECK_EQ(CALL(&f, t2, TAG_TRAP, &on, sizeof on).r, 0);
    b = spawn_agent(&f, NULL, 0, 0);
    CHECK_OK(CALL_ID(&f, t2, TAG_LINK, b).r);
    CHECK_OK(actor_monitor(f.me, t2));
    SEND_FAIL(&f, b, ACTOR_EXIT_ERROR, 1, "again", NULL, 0);
    EXPECT_EXIT(&f, t2, ACTOR_EXIT_LINKED, "linked process failed", &s);
    fx_close(&f);
}

/* ========================================================================== */
/* monitor / demonitor                                                        */
/* ========================================================================== */

TEST(monitor_error_codes) {
    actor_id x, y, w, dead;
    uint64_t base;
    tally left;
    seen s;
    fx f;
    if (!fx_open(&f)) return;
    x = spawn_agent(&f, NULL, 0, 0);
    CHECK_OK(actor_monitor(f.me, x));
    CHECK_RESULT(actor_monitor(f.me, x), ACTOR_ERR_EXISTS);
    CHECK_RESULT(actor_monitor(f.me, f.me_id), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_monitor(f.me, actor_id_make(0)), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_monitor(f.me, id_with_generation_shift(x, 1)), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_monitor(f.me, id_with_generation_shift(x, -1)), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_monitor(f.me, actor_id_make((7ull << 32) | 900000u)), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_monitor(f.me, actor_id_make((1ull << 32) | 0x7FFFFFF0u)), ACTOR_ERR_NOT_FOUND);

    /* EXISTS did not add a second monitor: exactly one EXIT */
    base = stat_exited(f.sys);
    SEND_FAIL(&f, x, ACTOR_EXIT_ERROR, 7, "boom", NULL, 0);
    EXPECT_EXIT(&f, x, ACTOR_EXIT_ERROR, "boom", &s);
    CHECK_RESULT(actor_monitor(f.me, x), ACTOR_ERR_NOT_FOUND);   /* dead */
    CHECK_RESULT(actor_demonitor(f.me, x), ACTOR_ERR_NOT_FOUND); /* the EXIT ended the monitor */
    dead = x;

    /* demonitor + monitor again: still one monitor, one EXIT */
    y = spawn_agent(&f, NULL, 0, 0);
    CHECK_OK(actor_monitor(f.me, y));
    CHECK_OK(actor_demonitor(f.me, y));
    CHECK_OK(actor_monitor(f.me, y));
    SEND_FAIL(&f, y, ACTOR_EXIT_ERROR, 7, "boom", NULL, 0);
    EXPECT_EXIT(&f, y, ACTOR_EXIT_ERROR, "boom", &s);
    WAIT_EXITED(f.sys, base + 2);
    left = drain(&f);
    CHECK_EQ(left.n, 0);

    /* the same rules for a worker */
    w = spawn_agent(&f, NULL, 0, 0);
    CHECK_RESULT(CALL_ID(&f, w, TAG_MONITOR, w).r, ACTOR_ERR_INVALID);
    CHECK_RESULT(CALL_ID(&f, w, TAG_MONITOR, dead).r, ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(CALL_ID(&f, w, TAG_MONITOR, actor_id_make(0)).r, ACTOR_ERR_NOT_FOUND);
    CHECK_OK(CALL_ID(&f, w, TAG_MONITOR, f.me_id).r);
    CHECK_RESULT(CALL_ID(&f, w, TAG_MONITOR, f.me_id).r, ACTOR_ERR_EXISTS);
    CHECK_RESULT(CALL_ID(&f, w, TAG_DEMONITOR, dead).r, ACTOR_ERR_NOT_FOUND);
    fx_close(&f);
}

TEST(demonitor_before_exit_delivers_nothing) {
    agent_cfg obs;
    actor_id x, y, w;
    uint64_t base;
    fx f;
    if (!fx_open(&f)) return;
    obs.observer = f.me_id; obs.cancel_quit = 0; obs.lookup = NULL;
    base = stat_exited(f.sys);
    x = spawn_agent(&f, NULL, 0, 0);
    CHECK_OK(actor_monitor(f.me, x));
    CHECK_OK(actor_demonitor(f.me, x));
    CHECK_RESULT(actor_demonitor(f.me, x), ACTOR_ERR_NOT_FOUND);
    SEND_FAIL(&f, x, ACTOR_EXIT_ERROR, 7, "boom", NULL, 0);

    w = spawn_agent(&f, &obs, 0, 0); /* would report the EXIT */
    y = spawn_agent(&f, NULL, 0, 0);
    CHECK_OK(CALL_ID(&f, w, TAG_MONITOR, y).r);
    CHECK_OK(CALL_ID(&f, w, TAG_DEMONITOR, y).r);
    CHECK_RESULT(CALL_ID(&f, w, TAG_DEMONITOR, y).r, ACTOR_ERR_NOT_FOUND);
    SEND_FAIL(&f, y, ACTOR_EXIT_ERROR, 7, "boom", NULL, 0);

    WAIT_EXITED(f.sys, base + 2);
    PING(&f, w);                /* a report would come before the pong */
    CHECK_EQ(drain(&f).n, 0);   /* and nothing for the observer */
    fx_close(&f);
}

/* The observer demonitors while the target is dying: its EXIT is often
   already queued. Once demonitor returned OK, it must never be seen. */
static void demonitor_race_observer(fx *f, long rounds) {
    uint64_t base = stat_exited(f->sys);
    tally left;
    long i;
    for (i = 0; i < rounds; ++i) {
        actor_id x = spawn_agent(f, NULL, 0, 0);
        CHECK_OK(actor_monitor(f->me, x));
        CHECK_OK(actor_send(f->me, x, TAG_FAIL, NULL, 0));
        spin(rnd() % 20000);
        CHECK_OK(actor_demonitor(f->me, x)); /* we received nothing: still monitoring */
    }
    WAIT_EXITED(f->sys, base + (uint64_t)rounds);
    left = drain(f);
    CHECK_EQ(left.by_signal[ACTOR_EXIT], 0);
    CHECK_EQ(left.n, 0);
}

/* A worker demonitors in its own callback while the target dies: either
   the EXIT was handled first (demonitor then says NOT_FOUND), or demonitor
   says OK and no EXIT ever follows. Exactly one of the two, every round. */
static void demonitor_race_worker(fx *f, long rounds) {
    agent_cfg obs;
    actor_id w;
    uint64_t base = stat_exited(f->sys);
    long i, ok_rounds = 0;
    seen s;
    obs.observer = f->me_id; obs.cancel_quit = 0; obs.lookup = NULL;
    w = spawn_agent(f, &obs, 0, 0);
    for (i = 0; i < rounds; ++i) {
        actor_id x = spawn_agent(f, NULL, 0, 0);
        int exit_seen = 0, first = (int)(rnd() & 1);
        result_msg res = { 999, 0 };
        CHECK_OK(CALL_ID(f, w, TAG_MONITOR, x).r);
        if (first) CHECK_OK(actor_send(f->me, x, TAG_FAIL, NULL, 0));
        spin(rnd() % 20000);
        CHECK_OK(actor_send(f->me, w, TAG_DEMONITOR, &x, sizeof x));
        if (!first) CHECK_OK(actor_send(f->me, x, TAG_FAIL, NULL, 0));
        for (;;) { /* the report (if any) comes before the reply: same sender */
            if (!recv_seen(f, &s, WAIT_MS)) { FAILF("round %ld: no reply (rc %d)", i, s.rc); return; }
            if (is_report(&s) && report_of(&s).from == x.value && !exit_seen) { exit_seen = 1; continue; }
            if (s.s.signal == ACTOR_MESSAGE && s.s.tag == TAG_RESULT && s.s.from == w.value) {
                memcpy(&res, s.body, sizeof res);
                break;
            }
            FAILF("round %ld: unexpected %s tag %u from %llx (an EXIT after demonitor returned?)", i,
                  sig_name(s.s.signal), s.s.tag, (unsigned long long)s.s.from);
            return;
        }
        if (res.r == ACTOR_OK) { CHECK(!exit_seen); ++ok_rounds; }
        else { CHECK_RESULT(res.r, ACTOR_ERR_NOT_FOUND); CHECK(exit_seen); }
    }
    WAIT_EXITED(f->sys, base + (uint64_t)rounds);
    PING(f, w); /* any late EXIT report would come before the pong */
    CHECK_EQ(drain(f).n, 0);
    note("worker demonitor: %ld rounds demonitor first, %ld EXIT first", ok_rounds, rounds - ok_rounds);
}

TEST(demonitor_races_exit) {
    fx f;
    if (!fx_open(&f)) return;
    demonitor_race_observer(&f, scaled(20000));
    demonitor_race_worker(&f, scaled(10000));
    fx_close(&f);
}

/* monitor / link racing the target's own failure: OK means exactly one
   EXIT / LINK_DOWN with the real reason (even when the target died before
   handling the request); NOT_FOUND means nothing at all. */
TEST(monitor_and_link_race_exit) {
    long rounds = scaled(10000), i;
    int pass;
    fx f;
    if (!fx_open(&f)) return;
    actor_trap_links(f.me, 1);
    for (pass = 0; pass < 2; ++pass) {
        uint64_t base = stat_exited(f.sys);
        long ok = 0;
        for (i = 0; i < rounds; ++i) {
            actor_id x = spawn_agent(&f, NULL, 0, 0);
            actor_result r;
            seen s;
            CHECK_OK(actor_send(f.me, x, TAG_FAIL, NULL, 0));
            spin(rnd() % 20000);
            r = pass == 0 ? actor_monitor(f.me, x) : actor_link(f.me, x);
            if (r == ACTOR_OK) {
                ++ok;
                if (EXPECT(&f, pass == 0 ? ACTOR_EXIT : ACTOR_LINK_DOWN, 0, x, &s))
                    REASON_IS(&s.s, ACTOR_EXIT_ERROR, DEFAULT_FAIL_MESSAGE);
            } else {
                CHECK_RESULT(r, ACTOR_ERR_NOT_FOUND);
            }
        }
        WAIT_EXITED(f.sys, base + (uint64_t)rounds);
        CHECK_EQ(drain(&f).n, 0); /* no duplicates, nothing for NOT_FOUND rounds */
        note("%s racing exit: %ld OK, %ld NOT_FOUND", pass ? "link" : "monitor", ok, rounds - ok);
    }
    fx_close(&f);
}

/* ========================================================================== */
/* link / unlink                                                              */
/* ========================================================================== */

TEST(link_error_codes_and_double_link) {
    actor_id b, b2, a, dead;
    uint64_t base;
    tally left;
    seen s;
    fx f;
    if (!fx_open(&f)) return;
    actor_trap_links(f.me, 1);
    base = stat_exited(f.sys);

    b = spawn_agent(&f, NULL, 0, 0);
    CHECK_OK(actor_link(f.me, b));
    CHECK_OK(actor_link(f.me, b)); /* no-op */
    b2 = spawn_agent(&f, NULL, 0, 0);
    CHECK_OK(actor_link(f.me, b2));
    CHECK_OK(CALL_ID(&f, b2, TAG_LINK, f.me_id).r); /* both ends link: still one link */
    SEND_FAIL(&f, b, ACTOR_EXIT_ERROR, 7, "boom", NULL, 0);
    SEND_FAIL(&f, b2, ACTOR_EXIT_ERROR, 7, "boom", NULL, 0);
    WAIT_EXITED(f.sys, base + 2);
    left = drain(&f);
    CHECK_EQ(left.by_signal[ACTOR_LINK_DOWN], 2); /* one each */
    CHECK_EQ(left.n, 2);
    dead = b;

    CHECK_RESULT(actor_link(f.me, dead), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_link(f.me, f.me_id), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_link(f.me, actor_id_make(0)), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_link(f.me, id_with_generation_shift(dead, 1)), ACTOR_ERR_NOT_FOUND);

    /* a worker linked twice dies once */
    a = spawn_agent(&f, NULL, 0, 0);
    b = spawn_agent(&f, NULL, 0, 0);
    CHECK_RESULT(CALL_ID(&f, a, TAG_LINK, a).r, ACTOR_ERR_INVALID);
    CHECK_RESULT(CALL_ID(&f, a, TAG_LINK, dead).r, ACTOR_ERR_NOT_FOUND);
    CHECK_OK(CALL_ID(&f, a, TAG_LINK, b).r);
    CHECK_OK(CALL_ID(&f, a, TAG_LINK, b).r);
    CHECK_OK(actor_monitor(f.me, a));
    SEND_FAIL(&f, b, ACTOR_EXIT_ERROR, 7, "boom", NULL, 0);
    EXPECT_EXIT(&f, a, ACTOR_EXIT_LINKED, "linked process failed", &s);
    WAIT_EXITED(f.sys, base + 4);
    CHECK_EQ(drain(&f).n, 0);
    fx_close(&f);
}

TEST(unlink_then_failure_survives) {
    actor_id a, b, c, dead;
    result_msg res;
    uint64_t base;
    tally left;
    fx f;
    if (!fx_open(&f)) return;
    base = stat_exited(f.sys);

    /* worker a unlinks b; b fails; a lives */
    a = spawn_agent(&f, NULL, 0, 0);
    b = spawn_agent(&f, NULL, 0, 0);
    CHECK_OK(CALL_ID(&f, a, TAG_LINK, b).r);
    res = CALL_ID(&f, a, TAG_UNLINK, b);
    CHECK_OK(res.r);
    CHECK_EQ(res.extra, 0);
    SEND_FAIL(&f, b, ACTOR_EXIT_ERROR, 7, "boom", NULL, 0);

    /* the unlink also removed the other direction: c unlinks from a, then
       c fails: a is not hurt (and c's failure is not a's business) */
    c = spawn_agent(&f, NULL, 0, 0);
    CHECK_OK(CALL_ID(&f, c, TAG_LINK, a).r);
    CHECK_OK(CALL_ID(&f, c, TAG_UNLINK, a).r);
    SEND_FAIL(&f, c, ACTOR_EXIT_ERROR, 7, "boom", NULL, 0);

    /* the observer (not trapping) unlinks, then the peer fails */
    dead = spawn_agent(&f, NULL, ACTOR_SPAWN_LINK, 0);
    CHECK_OK(actor_unlink(f.me, dead));
    SEND_FAIL(&f, dead, ACTOR_EXIT_ERROR, 7, "boom", NULL, 0);

    WAIT_EXITED(f.sys, base + 3);
    PING(&f, a);
    CHECK(actor_alive(f.sys, a));
    left = drain(&f);
    CHECK_EQ(left.n, 0);
    CHECK_EQ(left.exited, 0);

    /* unlink of something we are not linked to */
    CHECK_OK(actor_unlink(f.me, a));                            /* alive: OK */
    CHECK_RESULT(actor_unlink(f.me, dead), ACTOR_ERR_NOT_FOUND); /* dead and not linked */
    CHECK_RESULT(CALL_ID(&f, a, TAG_UNLINK, dead).r, ACTOR_ERR_NOT_FOUND);
    fx_close(&f);
}

/* Worker a (not trapping) unlinks b while b fails. If a's unlink callback
   ran, a was alive and linked at that point: the LINK_DOWN (queued or not)
   must then be ignored for ever. If a died first, it died of the link. */
static void unlink_race_worker(fx *f, long rounds) {
    actor_id *survivors = (actor_id *)calloc((size_t)rounds, sizeof(actor_id));
    long i, nsurv = 0, died = 0, pongs = 0;
    uint64_t base = stat_exited(f->sys);
    seen s;
    if (!survivors) { CHECK(!"no memory"); return; }
    for (i = 0; i < rounds; ++i) {
        actor_id b = spawn_agent(f, NULL, 0, 0), a = spawn_agent(f, NULL, 0, 0);
        int fail_first = (int)(rnd() & 1);
        actor_result r;
        CHECK_OK(actor_monitor(f->me, a));
        CHECK_OK(CALL_ID(f, a, TAG_LINK, b).r);
        if (fail_first) CHECK_OK(actor_send(f->me, b, TAG_FAIL, NULL, 0));
        spin(rnd() % (fail_first ? 200000u : 20000u)); /* gives the failure time to travel */
        r = actor_send(f->me, a, TAG_UNLINK, &b, sizeof b);
        CHECK(r == ACTOR_OK || (fail_first && r == ACTOR_ERR_NOT_FOUND)); /* a may be dead already */
        if (!fail_first) CHECK_OK(actor_send(f->me, b, TAG_FAIL, NULL, 0));
        if (!recv_seen(f, &s, WAIT_MS) || s.s.from != a.value) {
            FAILF("round %ld: expected the unlink reply or a's EXIT, got %s from %llx (rc %d)", i,
                  sig_name(s.s.signal), (unsigned long long)s.s.from, s.rc);
            break;
        }
        if (s.s.signal == ACTOR_EXIT) {
            REASON_IS(&s.s, ACTOR_EXIT_LINKED, "linked process failed");
            ++died;
        } else if (s.s.signal == ACTOR_MESSAGE && s.s.tag == TAG_RESULT) {
            result_msg res;
            memcpy(&res, s.body, sizeof res);
            CHECK_OK(res.r);
            CHECK_EQ(res.extra, 0); /* not already dying when unlink returned */
            survivors[nsurv++] = a;
        } else {
            FAILF("round %ld: unexpected %s", i, sig_name(s.s.signal));
        }
    }
    WAIT_EXITED(f->sys, base + (uint64_t)(i + died));
    for (i = 0; i < nsurv; ++i) CHECK_OK(actor_send(f->me, survivors[i], TAG_PING, NULL, 0));
    while (pongs < nsurv && recv_seen(f, &s, WAIT_MS)) {
        if (s.s.signal == ACTOR_MESSAGE && s.s.tag == TAG_PONG) { ++pongs; continue; }
        FAILF("a survivor ended after unlink returned: %s from %llx kind %d", sig_name(s.s.signal),
              (unsigned long long)s.s.from, s.s.kind);
    }
    CHECK_EQ(pongs, nsurv);
    CHECK_EQ(drain(f).n, 0);
    note("worker unlink: %ld survived, %ld died of the link first", nsurv, died);
    free(survivors);
}

/* The observer unlinks while the peer fails: it never received anything in
   between, so every LINK_DOWN (already queued or not) must be filtered. */
static void unlink_race_observer(fx *f, long rounds, int trap) {
    uint64_t base = stat_exited(f->sys);
    tally left;
    long i;
    actor_trap_links(f->me, trap);
    for (i = 0; i < rounds; ++i) {
        actor_id b = spawn_agent(f, NULL, ACTOR_SPAWN_LINK, 0);
        CHECK_OK(actor_send(f->me, b, TAG_FAIL, NULL, 0));
        spin(rnd() % 20000);
        CHECK_OK(actor_unlink(f->me, b));
    }
    WAIT_EXITED(f->sys, base + (uint64_t)rounds);
    left = drain(f);
    CHECK_EQ(left.exited, 0);                        /* not trapping: still alive */
    CHECK_EQ(left.by_signal[ACTOR_LINK_DOWN], 0);    /* trapping: nothing delivered */
    CHECK_EQ(left.n, 0);
    CHECK(!actor_exit_pending(f->me));
    actor_trap_links(f->me, 0);
}

TEST(unlink_races_failure) {
    fx f;
    if (!fx_open(&f)) return;
    unlink_race_worker(&f, scaled(6000));
    unlink_race_observer(&f, scaled(6000), 0);
    unlink_race_observer(&f, scaled(6000), 1);
    fx_close(&f);
}

/* ========================================================================== */
/* spawn with LINK / MONITOR                                                  */
/* ========================================================================== */

/* A child that ends in its very first callback still yields the signals:
   the link / monitor existed before it ran. */
static void spawn_ties_round(fx *f, int round) {
    seen s, s2;
    actor_id c;
    switch (round % 4) {
    case 0:
        c = spawn_agent(f, NULL, ACTOR_SPAWN_MONITOR, TAG_FAIL);
        EXPECT_EXIT(f, c, ACTOR_EXIT_ERROR, DEFAULT_FAIL_MESSAGE, &s);
        break;
    case 1:
        c = spawn_agent(f, NULL, ACTOR_SPAWN_MONITOR, TAG_QUIT);
        EXPECT_EXIT(f, c, ACTOR_EXIT_NORMAL, "", &s);
        break;
    case 2:
        actor_trap_links(f->me, 1);
        c = spawn_agent(f, NULL, ACTOR_SPAWN_LINK, TAG_FAIL);
        if (EXPECT(f, ACTOR_LINK_DOWN, 0, c, &s)) REASON_IS(&s.s, ACTOR_EXIT_ERROR, DEFAULT_FAIL_MESSAGE);
        actor_trap_links(f->me, 0);
        break;
    default:
        actor_trap_links(f->me, 1);
        c = spawn_agent(f, NULL, ACTOR_SPAWN_LINK | ACTOR_SPAWN_MONITOR, TAG_FAIL);
        if (recv_seen(f, &s, WAIT_MS) && recv_seen(f, &s2, WAIT_MS)) {
            CHECK_EQ(s.s.signal + s2.s.signal, ACTOR_EXIT + ACTOR_LINK_DOWN);
            CHECK(s.s.from == c.value && s2.s.from == c.value);
            REASON_IS(&s.s, ACTOR_EXIT_ERROR, DEFAULT_FAIL_MESSAGE);
            REASON_IS(&s2.s, ACTOR_EXIT_ERROR, DEFAULT_FAIL_MESSAGE);
        } else {
            FAILF("EXIT and LINK_DOWN expected (rc %d)", s.rc);
        }
        actor_trap_links(f->me, 0);
        break;
    }
}

TEST(spawn_link_monitor_before_child_runs) {
    long rounds = scaled(2000), i;
    actor_spawn_desc d;
    actor_id p, none;
    spawn_req req;
    seen s;
    fx f;
    if (!fx_open(&f)) return;
    for (i = 0; i < rounds; ++i) spawn_ties_round(&f, (int)i);

    /* a worker parent that does not trap dies with its failing child */
    for (i = 0; i < rounds / 8 + 1; ++i) {
        p = spawn_agent(&f, NULL, 0, 0);
        CHECK_OK(actor_monitor(f.me, p));
        req.n = 1;
        req.start_cmd = TAG_FAIL;
        CHECK_OK(actor_send(f.me, p, TAG_SPAWN_LINKED, &req, sizeof req));
        EXPECT(&f, ACTOR_MESSAGE, TAG_CHILDREN, p, &s);
        EXPECT_EXIT(&f, p, ACTOR_EXIT_LINKED, "linked process failed", &s);
    }

    /* a normal first-callback exit does not hurt a linked parent */
    p = spawn_agent(&f, NULL, ACTOR_SPAWN_LINK | ACTOR_SPAWN_MONITOR, TAG_QUIT);
    EXPECT_EXIT(&f, p, ACTOR_EXIT_NORMAL, "", &s);
    CHECK(!actor_exit_pending(f.me));

    /* LINK / MONITOR need a parent */
    memset(&d, 0, sizeof d);
    d.fn = agent;
    d.flags = ACTOR_SPAWN_LINK;
    none = actor_id_make(1);
    CHECK_RESULT(actor_spawn(f.host, &d, &none), ACTOR_ERR_INVALID);
    CHECK(actor_id_is_none(none));
    d.flags = ACTOR_SPAWN_MONITOR;
    CHECK_RESULT(actor_spawn(f.host, &d, &none), ACTOR_ERR_INVALID);
    CHECK_EQ(drain(&f).n, 0);
    fx_close(&f);
}

/* ========================================================================== */
/* the first exit reason wins                                                 */
/* ========================================================================== */

/* START payload: 0 = error "first" then error "second"; 1 = normal then
   error. */
static void exit_twice(actor_context *self, const actor_msg *m) {
    actor_exit_reason first, second;
    int32_t order = 0;
    if (m->signal != ACTOR_START || m->size != sizeof order) return;
    memcpy(&order, m->data, sizeof order);
    memset(&first, 0, sizeof first);
    memset(&second, 0, sizeof second);
    first.kind = ACTOR_EXIT_ERROR;
    first.code = 1;
    first.message = "first";
    second.kind = ACTOR_EXIT_ERROR;
    second.code = 2;
    second.message = "second";
    actor_exit(self, order == 0 ? &first : NULL);
    actor_exit(self, &second);
}

/* A behaviour that hands the main thread control points inside a callback
   (all fields are accessed atomically). */
enum { HS_EXIT_THEN_WAIT, HS_WAIT_PENDING_THEN_EXIT, HS_BUSY, HS_SLEEP };

typedef struct handshake_state {
    int mode;
    int started, go, saw_pending, finished, late, dtor_ran;
    uint64_t pending_ns, cancel_deadline;
} handshake_state;

static void handshake_dtor(void *p) { st(&((handshake_state *)p)->dtor_ran, 1); }

/* Waits (bounded) until the actor has been asked to end. */
static int busy_until_pending(actor_context *self) {
    uint64_t t0 = actor_now_ns();
    while (!actor_exit_pending(self)) {
        if (ms_since(t0) > 4 * WAIT_MS) return 0;
        spin(1000);
    }
    return 1;
}

static void handshake(actor_context *self, const actor_msg *m) {
    handshake_state *h = (handshake_state *)actor_state(self);
    actor_exit_reason mine;
    if (ld(&h->started)) { /* nothing after the first callback may run */
        __atomic_add_fetch(&h->late, 1, __ATOMIC_ACQ_REL);
        return;
    }
    memset(&mine, 0, sizeof mine);
    mine.kind = ACTOR_EXIT_ERROR;
    mine.code = 2;
    mine.message = "mine";
    if (m->signal == ACTOR_CANCEL) __atomic_store_n(&h->cancel_deadline, m->deadline, __ATOMIC_RELEASE);
    switch (h->mode) {
    case HS_EXIT_THEN_WAIT:
        actor_exit(self, &mine);
        st(&h->started, 1);
        wait_flag(&h->go, 4 * WAIT_MS);
        break;
    case HS_WAIT_PENDING_THEN_EXIT:
        st(&h->started, 1);
        st(&h->saw_pending, busy_until_pending(self));
        actor_exit(self, &mine);
        break;
    case HS_BUSY:
        st(&h->started, 1);
        st(&h->saw_pending, busy_until_pending(self));
        __atomic_store_n(&h->pending_ns, actor_now_ns(), __ATOMIC_RELEASE);
        break;
    default: /* HS_SLEEP: sleeps without looking at actor_exit_pending */
        st(&h->started, 1);
        wait_flag(&h->go, 4 * WAIT_MS);
        harness_sleep_ms(50);
        break;
    }
    st(&h->finished, 1);
}

static actor_id spawn_handshake(fx *f, handshake_state *h, int mode, unsigned flags) {
    actor_spawn_desc d;
    actor_id id = actor_id_make(0);
    memset(h, 0, sizeof *h);
    h->mode = mode;
    memset(&d, 0, sizeof d);
    d.fn = handshake;
    d.state = h;
    d.state_dtor = handshake_dtor;
    d.parent = f->me;
    d.flags = flags;
    CHECK_OK(actor_spawn(f->host, &d, &id));
    return id;
}

TEST(first_exit_reason_wins) {
    actor_spawn_desc d;
    handshake_state h;
    actor_id v;
    int32_t order;
    seen s;
    fx f;
    if (!fx_open(&f)) return;

    /* two actor_exit calls in one callback */
    for (order = 0; order < 2; ++order) {
        memset(&d, 0, sizeof d);
        d.fn = exit_twice;
        d.parent = f.me;
        d.flags = ACTOR_SPAWN_MONITOR | ACTOR_SPAWN_START;
        d.start_data = &order;
        d.start_size = sizeof order;
        CHECK_OK(actor_spawn(f.host, &d, &v));
        if (order == 0 && EXPECT_EXIT(&f, v, ACTOR_EXIT_ERROR, "first", &s)) CHECK_EQ(s.s.code, 1);
        if (order == 1) EXPECT_EXIT(&f, v, ACTOR_EXIT_NORMAL, "", &s);
    }

    /* actor_exit, then terminate while the callback still runs */
    v = spawn_handshake(&f, &h, HS_EXIT_THEN_WAIT, ACTOR_SPAWN_MONITOR);
    CHECK_OK(actor_send(f.me, v, TAG_GO, NULL, 0));
    CHECK(wait_flag(&h.started, WAIT_MS));
    CHECK_OK(actor_terminate(f.sys, v)); /* still alive: the callback runs */
    st(&h.go, 1);
    if (EXPECT_EXIT(&f, v, ACTOR_EXIT_ERROR, "mine", &s)) CHECK_EQ(s.s.code, 2);

    /* terminate, then actor_exit from the running callback */
    v = spawn_handshake(&f, &h, HS_WAIT_PENDING_THEN_EXIT, ACTOR_SPAWN_MONITOR);
    CHECK_OK(actor_send(f.me, v, TAG_GO, NULL, 0));
    CHECK(wait_flag(&h.started, WAIT_MS));
    CHECK_OK(actor_terminate(f.sys, v));
    EXPECT_EXIT(&f, v, ACTOR_EXIT_TERMINATED, "terminated", &s);
    CHECK(ld(&h.saw_pending));
    fx_close(&f);
}

/* Two reasons race; every watcher (monitor from the observer, monitor from
   a worker, trapping linked worker) must see the same one. */
enum { RACE_FAIL_VS_TERMINATE, RACE_FAIL_VS_LINKED, RACE_LINKED_VS_TERMINATE };

/* Returns the kind of the reason that won, or -1. */
/* The two causes of one race round; `second` picks which one goes last. */
static actor_result race_cause(fx *f, actor_id v, actor_id fl, int kind, int second) {
    switch (kind) {
    case RACE_FAIL_VS_TERMINATE:
        return second ? actor_terminate(f->sys, v) : actor_send(f->me, v, TAG_FAIL, NULL, 0);
    case RACE_FAIL_VS_LINKED:
        return second ? post_fail(f, v, ACTOR_EXIT_ERROR, 2, "mine", NULL, 0) : actor_send(f->me, fl, TAG_FAIL, NULL, 0);
    default:
        return second ? actor_terminate(f->sys, v) : actor_send(f->me, fl, TAG_FAIL, NULL, 0);
    }
}

/* Returns the kind of the reason that won, or -1. */
static int race_reasons_round(fx *f, actor_id w, actor_id t, int kind, long round) {
    actor_id v = spawn_agent(f, NULL, 0, 0), fl = actor_id_make(0);
    sig_info got[3];
    int have[3] = { 0, 0, 0 }, i, order = (int)(rnd() & 1);
    actor_result r;
    seen s;
    CHECK_OK(actor_monitor(f->me, v));
    CHECK_OK(CALL_ID(f, w, TAG_MONITOR, v).r);
    CHECK_OK(CALL_ID(f, t, TAG_LINK, v).r);
    if (kind != RACE_FAIL_VS_TERMINATE) {
        fl = spawn_agent(f, NULL, 0, 0);
        CHECK_OK(CALL_ID(f, v, TAG_LINK, fl).r);
    }
    CHECK_OK(race_cause(f, v, fl, kind, order)); /* v is alive until a cause arrives */
    spin(rnd() % 100000);
    r = race_cause(f, v, fl, kind, !order);
    CHECK(r == ACTOR_OK || r == ACTOR_ERR_NOT_FOUND); /* v may have ended already */
    while (!(have[0] && have[1] && have[2])) {
        if (!recv_seen(f, &s, WAIT_MS)) { FAILF("round %ld: watchers missing (rc %d)", round, s.rc); return -1; }
        if (s.s.signal == ACTOR_EXIT && s.s.from == v.value && !have[0]) { got[0] = s.s; have[0] = 1; continue; }
        if (is_report(&s) && s.s.from == w.value && !have[1]) { got[1] = report_of(&s); have[1] = 1; continue; }
        if (is_report(&s) && s.s.from == t.value && !have[2]) { got[2] = report_of(&s); have[2] = 1; continue; }
        FAILF("round %ld: unexpected %s from %llx", round, sig_name(s.s.signal), (unsigned long long)s.s.from);
        return -1;
    }
    CHECK_EQ(got[1].signal, ACTOR_EXIT);
    CHECK_EQ(got[2].signal, ACTOR_LINK_DOWN);
    for (i = 1; i < 3; ++i) {
        CHECK_EQ(got[i].from, v.value);
        CHECK_EQ(got[i].kind, got[0].kind);
        CHECK_EQ(got[i].code, got[0].code);
        CHECK(!strcmp(got[i].message, got[0].message));
    }
    switch (kind) {
    case RACE_FAIL_VS_TERMINATE:
        CHECK(got[0].kind == ACTOR_EXIT_ERROR || got[0].kind == ACTOR_EXIT_TERMINATED);
        break;
    case RACE_FAIL_VS_LINKED:
        CHECK(got[0].kind == ACTOR_EXIT_ERROR || got[0].kind == ACTOR_EXIT_LINKED);
        if (got[0].kind == ACTOR_EXIT_ERROR) CHECK(!strcmp(got[0].message, "mine"));
        break;
    default:
        CHECK(got[0].kind == ACTOR_EXIT_LINKED || got[0].kind == ACTOR_EXIT_TERMINATED);
        break;
    }
    return got[0].kind;
}

TEST(first_exit_reason_wins_races) {
    long rounds = scaled(3000), i, wins[3][5];
    agent_cfg obs;
    actor_id w, t;
    fx f;
    if (!fx_open(&f)) return;
    memset(wins, 0, sizeof wins);
    obs.observer = f.me_id; obs.cancel_quit = 0; obs.lookup = NULL;
    w = spawn_agent(&f, &obs, 0, 0);
    t = spawn_agent(&f, &obs, ACTOR_SPAWN_TRAP_LINKS, 0);
    for (i = 0; i < rounds; ++i) {
        int won = race_reasons_round(&f, w, t, (int)(i % 3), i);
        if (won >= 0 && won < 5) wins[i % 3][won]++;
    }
    note("fail vs terminate: error %ld, terminated %ld; fail vs linked: error %ld, linked %ld; "
         "linked vs terminate: linked %ld, terminated %ld", wins[0][ACTOR_EXIT_ERROR], wins[0][ACTOR_EXIT_TERMINATED],
         wins[1][ACTOR_EXIT_ERROR], wins[1][ACTOR_EXIT_LINKED], wins[2][ACTOR_EXIT_LINKED],
         wins[2][ACTOR_EXIT_TERMINATED]);
    PING(&f, w);
    PING(&f, t);
    fx_close(&f);
}

/* ========================================================================== */
/* ordering: messages sent before the exit arrive before EXIT / LINK_DOWN     */
/* ========================================================================== */

typedef struct stream_job { actor_id target; uint32_t next, count, chunk, fail; } stream_job;

/* Sends `chunk` numbered messages per callback (continuing through a
   message to itself, so the stream spans turns and possibly threads), then
   exits. */
static void streamer(actor_context *self, const actor_msg *m) {
    stream_job job;
    uint32_t end;
    actor_exit_reason why;
    if (m->size != sizeof job || !(m->signal == ACTOR_START || (m->signal == ACTOR_MESSAGE && m->tag == TAG_MORE)))
        return;
    memcpy(&job, m->data, sizeof job);
    end = job.next + job.chunk < job.count ? job.next + job.chunk : job.count;
    for (; job.next < end; ++job.next) CHECK_OK(actor_send(self, job.target, TAG_SEQ, &job.next, sizeof job.next));
    if (job.next < job.count) {
        CHECK_OK(actor_send(self, actor_self(self), TAG_MORE, &job, sizeof job));
        return;
    }
    memset(&why, 0, sizeof why);
    why.kind = job.fail ? ACTOR_EXIT_ERROR : ACTOR_EXIT_NORMAL;
    why.message = job.fail ? "stream failed" : "";
    actor_exit(self, &why);
}

static void stream_case(fx *f, uint32_t count, unsigned flags, int fail) {
    stream_job job;
    actor_spawn_desc d;
    actor_id id;
    uint32_t expect = 0, seq;
    int signals = 0, want = ((flags & ACTOR_SPAWN_MONITOR) != 0) + ((flags & ACTOR_SPAWN_LINK) != 0);
    seen s;
    job.target = f->me_id;
    job.next = 0;
    job.count = count;
    job.chunk = 97;
    job.fail = (uint32_t)fail;
    memset(&d, 0, sizeof d);
    d.fn = streamer;
    d.parent = f->me;
    d.flags = flags | ACTOR_SPAWN_START;
    d.start_data = &job;
    d.start_size = sizeof job;
    CHECK_OK(actor_spawn(f->host, &d, &id));
    while (signals < want) {
        if (!recv_seen(f, &s, WAIT_MS)) { FAILF("stream: stuck after %u messages (rc %d)", expect, s.rc); return; }
        if (s.s.signal == ACTOR_MESSAGE && s.s.tag == TAG_SEQ) {
            memcpy(&seq, s.body, sizeof seq);
            if (signals || seq != expect) {
                FAILF("stream: message %u arrived %s (expected %u)", seq, signals ? "after the exit signal" : "out of order",
                      expect);
                return;
            }
            ++expect;
            continue;
        }
        CHECK(s.s.signal == ACTOR_EXIT || s.s.signal == ACTOR_LINK_DOWN);
        CHECK_EQ(s.s.from, id.value);
        if (expect != count) FAILF("stream: %s after only %u of %u messages", sig_name(s.s.signal), expect, count);
        REASON_IS(&s.s, fail ? ACTOR_EXIT_ERROR : ACTOR_EXIT_NORMAL, fail ? "stream failed" : "");
        ++signals;
    }
}

TEST(messages_before_exit_arrive_first) {
    uint32_t k = (uint32_t)scaled(20000);
    uint64_t base;
    fx f;
    if (k < 10) k = 10;
    if (!fx_open(&f)) return;
    base = stat_exited(f.sys);
    stream_case(&f, k, ACTOR_SPAWN_MONITOR, 1);
    stream_case(&f, k, ACTOR_SPAWN_MONITOR, 0);
    actor_trap_links(f.me, 1);
    stream_case(&f, k, ACTOR_SPAWN_LINK, 1);
    stream_case(&f, k, ACTOR_SPAWN_LINK | ACTOR_SPAWN_MONITOR, 1);
    WAIT_EXITED(f.sys, base + 4);
    CHECK_EQ(drain(&f).n, 0);
    fx_close(&f);
}

/* ========================================================================== */
/* cancel                                                                     */
/* ========================================================================== */

static sig_info expect_cancel_report(fx *f, actor_id from_agent) {
    sig_info r;
    seen s;
    memset(&r, 0, sizeof r);
    r.signal = -1;
    if (EXPECT(f, ACTOR_MESSAGE, TAG_REPORT, from_agent, &s)) {
        r = report_of(&s);
        CHECK_EQ(r.signal, ACTOR_CANCEL);
    }
    return r;
}

TEST(cancel_delivers_from_and_deadline) {
    agent_cfg quitter;
    actor_id x, other;
    uint64_t w0, w1;
    sig_info r;
    seen s;
    fx f;
    if (!fx_open(&f)) return;
    quitter.observer = f.me_id; quitter.cancel_quit = 1; quitter.lookup = NULL;

    x = spawn_agent(&f, &quitter, ACTOR_SPAWN_MONITOR, 0);
    w0 = actor_wall_ms();
    CHECK_OK(actor_cancel(f.sys, f.me_id, x, 5000));
    w1 = actor_wall_ms();
    r = expect_cancel_report(&f, x);
    CHECK_EQ(r.from, f.me_id.value);
    CHECK(r.deadline >= w0 + 5000 && r.deadline <= w1 + 5000);
    if (EXPECT_EXIT(&f, x, ACTOR_EXIT_NORMAL, "", &s)) CHECK(s.s.size == 0); /* handled: a normal exit */

    /* anonymous, no deadline */
    x = spawn_agent(&f, &quitter, ACTOR_SPAWN_MONITOR, 0);
    CHECK_OK(actor_cancel(f.sys, actor_id_make(0), x, ACTOR_NO_DEADLINE));
    r = expect_cancel_report(&f, x);
    CHECK_EQ(r.from, 0);
    CHECK_EQ(r.deadline, 0);
    EXPECT_EXIT(&f, x, ACTOR_EXIT_NORMAL, "", &s);

    /* on behalf of another actor */
    other = spawn_agent(&f, NULL, 0, 0);
    x = spawn_agent(&f, &quitter, ACTOR_SPAWN_MONITOR, 0);
    CHECK_OK(actor_cancel(f.sys, other, x, 60000));
    r = expect_cancel_report(&f, x);
    CHECK_EQ(r.from, other.value);
    EXPECT_EXIT(&f, x, ACTOR_EXIT_NORMAL, "", &s);

    /* errors */
    CHECK_RESULT(actor_cancel(NULL, f.me_id, other, 10), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_cancel(f.sys, f.me_id, other, -2), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_cancel(f.sys, f.me_id, x, 10), ACTOR_ERR_NOT_FOUND); /* dead */
    CHECK_RESULT(actor_cancel(f.sys, f.me_id, x, ACTOR_NO_DEADLINE), ACTOR_ERR_NOT_FOUND);
    PING(&f, other); /* the rejected cancels did nothing to it */
    fx_close(&f);
}

TEST(cancel_deadline_forces_exit) {
    const int64_t deadline_ms = 300;
    agent_cfg ignorer;
    handshake_state h;
    actor_context *v;
    actor_id x;
    actor_msg m;
    uint64_t t0, elapsed;
    int alive;
    sig_info r;
    seen s;
    fx f;
    if (!fx_open(&f)) return;
    ignorer.observer = f.me_id; ignorer.cancel_quit = 0; ignorer.lookup = NULL;

    /* an idle actor that ignores CANCEL */
    x = spawn_agent(&f, &ignorer, ACTOR_SPAWN_MONITOR, 0);
    t0 = actor_now_ns();
    CHECK_OK(actor_cancel(f.sys, f.me_id, x, deadline_ms));
    r = expect_cancel_report(&f, x);
    CHECK(r.deadline > 0);
    alive = actor_alive(f.sys, x);
    if (!alive) CHECK(ms_since(t0) >= (uint64_t)deadline_ms); /* never before the deadline */
    if (EXPECT_EXIT(&f, x, ACTOR_EXIT_DEADLINE, "cancel deadline exceeded", &s)) {
        elapsed = ms_since(t0);
        CHECK(elapsed >= (uint64_t)deadline_ms);
        CHECK(elapsed < (uint64_t)(deadline_ms + SLACK_MS));
    }

    /* an actor busy inside its CANCEL callback: asked to end at the deadline */
    x = spawn_handshake(&f, &h, HS_BUSY, ACTOR_SPAWN_MONITOR);
    t0 = actor_now_ns();
    CHECK_OK(actor_cancel(f.sys, f.me_id, x, deadline_ms));
    EXPECT_EXIT(&f, x, ACTOR_EXIT_DEADLINE, "cancel deadline exceeded", &s);
    CHECK(ld(&h.saw_pending));
    CHECK(ld(&h.finished));
    CHECK(__atomic_load_n(&h.pending_ns, __ATOMIC_ACQUIRE) - t0 >= (uint64_t)deadline_ms * 1000000ull);
    CHECK(__atomic_load_n(&h.cancel_deadline, __ATOMIC_ACQUIRE) > 0);

    /* an attached thread is force-ended too */
    CHECK_OK(actor_attach(f.sys, &v));
    CHECK_OK(actor_monitor(f.me, actor_self(v)));
    t0 = actor_now_ns();
    CHECK_OK(actor_cancel(f.sys, f.me_id, actor_self(v), deadline_ms));
    CHECK_OK(actor_receive(v, &m, WAIT_MS));
    CHECK(m.signal == ACTOR_CANCEL && actor_id_equal(m.from, f.me_id) && m.deadline > 0);
    CHECK_RESULT(actor_receive(v, &m, WAIT_MS), ACTOR_ERR_EXITED);
    CHECK(ms_since(t0) >= (uint64_t)deadline_ms);
    EXPECT_EXIT(&f, actor_self(v), ACTOR_EXIT_DEADLINE, "cancel deadline exceeded", &s);
    actor_detach(v);
    fx_close(&f);
}

TEST(cancel_without_deadline_is_cooperative) {
    agent_cfg ignorer;
    actor_id x;
    sig_info r;
    seen s;
    fx f;
    if (!fx_open(&f)) return;
    ignorer.observer = f.me_id; ignorer.cancel_quit = 0; ignorer.lookup = NULL;
    x = spawn_agent(&f, &ignorer, ACTOR_SPAWN_MONITOR, 0);
    CHECK_OK(actor_cancel(f.sys, f.me_id, x, ACTOR_NO_DEADLINE));
    r = expect_cancel_report(&f, x);
    CHECK_EQ(r.deadline, 0);
    harness_sleep_ms(400);
    CHECK(actor_alive(f.sys, x));
    PING(&f, x);
    CHECK_OK(actor_send(f.me, x, TAG_QUIT, NULL, 0)); /* it decides when */
    EXPECT_EXIT(&f, x, ACTOR_EXIT_NORMAL, "", &s);
    fx_close(&f);
}

TEST(cancel_deadline_outlives_canceller) {
    const int64_t deadline_ms = 300;
    agent_cfg ignorer;
    cancel_req req;
    actor_id c, x;
    uint64_t t0;
    int got_reply = 0, got_c_exit = 0, got_cancel = 0;
    seen s;
    fx f;
    if (!fx_open(&f)) return;
    ignorer.observer = f.me_id; ignorer.cancel_quit = 0; ignorer.lookup = NULL;
    c = spawn_agent(&f, NULL, ACTOR_SPAWN_MONITOR, 0);
    x = spawn_agent(&f, &ignorer, ACTOR_SPAWN_MONITOR, 0);
    req.target = x;
    req.timeout_ms = deadline_ms;
    t0 = actor_now_ns();
    CHECK_OK(actor_send(f.me, c, TAG_CANCEL_QUIT, &req, sizeof req)); /* cancels x, then exits */
    while (!(got_reply && got_c_exit && got_cancel)) {
        if (!recv_seen(&f, &s, WAIT_MS)) { FAILF("missing messages (rc %d)", s.rc); break; }
        if (s.s.signal == ACTOR_MESSAGE && s.s.tag == TAG_RESULT && s.s.from == c.value) {
            result_msg res;
            memcpy(&res, s.body, sizeof res);
            CHECK_OK(res.r);
            got_reply = 1;
        } else if (s.s.signal == ACTOR_EXIT && s.s.from == c.value) {
            CHECK(got_reply); /* sent before it ended */
            REASON_IS(&s.s, ACTOR_EXIT_NORMAL, "");
            got_c_exit = 1;
        } else if (is_report(&s) && s.s.from == x.value) {
            sig_info r = report_of(&s);
            CHECK_EQ(r.signal, ACTOR_CANCEL);
            CHECK_EQ(r.from, c.value);
            got_cancel = 1;
        } else {
            FAILF("unexpected %s from %llx", sig_name(s.s.signal), (unsigned long long)s.s.from);
            break;
        }
    }
    if (EXPECT_EXIT(&f, x, ACTOR_EXIT_DEADLINE, "cancel deadline exceeded", &s))
        CHECK(ms_since(t0) >= (uint64_t)deadline_ms);
    fx_close(&f);
}

/* ========================================================================== */
/* terminate                                                                  */
/* ========================================================================== */

TEST(terminate_idle_actor) {
    actor_context *v;
    actor_id x;
    actor_msg m;
    seen s;
    fx f;
    if (!fx_open(&f)) return;
    x = spawn_agent(&f, NULL, ACTOR_SPAWN_MONITOR, 0); /* never ran: no message yet */
    CHECK_OK(actor_terminate(f.sys, x));
    if (EXPECT_EXIT(&f, x, ACTOR_EXIT_TERMINATED, "terminated", &s)) CHECK_EQ(s.s.code, 0);
    CHECK(!actor_alive(f.sys, x));
    CHECK_RESULT(actor_terminate(f.sys, x), ACTOR_ERR_NOT_FOUND);

    x = spawn_agent(&f, NULL, ACTOR_SPAWN_MONITOR, 0);
    PING(&f, x); /* has run, now idle */
    CHECK_OK(actor_terminate(f.sys, x));
    EXPECT_EXIT(&f, x, ACTOR_EXIT_TERMINATED, "terminated", &s);

    /* an attached identity: its next receive reports the end */
    CHECK_OK(actor_attach(f.sys, &v));
    CHECK_OK(actor_monitor(f.me, actor_self(v)));
    CHECK_RESULT(actor_receive(v, &m, 0), ACTOR_ERR_TIMEOUT); /* handles the monitor request */
    CHECK_OK(actor_terminate(f.sys, actor_self(v)));
    CHECK_RESULT(actor_receive(v, &m, WAIT_MS), ACTOR_ERR_EXITED);
    CHECK_RESULT(actor_receive(v, &m, 0), ACTOR_ERR_EXITED);
    EXPECT_EXIT(&f, actor_self(v), ACTOR_EXIT_TERMINATED, "terminated", &s);
    actor_detach(v);
    fx_close(&f);
}

/* The victim is inside a callback (busy-looping on actor_exit_pending, or
   sleeping unaware) when terminate arrives: that callback finishes, the
   messages queued behind it are never delivered, the state destructor runs,
   then EXIT says "terminated". */
static void terminate_mid_callback_case(fx *f, int mode) {
    handshake_state h;
    actor_id v = spawn_handshake(f, &h, mode, ACTOR_SPAWN_MONITOR);
    int i;
    seen s;
    CHECK_OK(actor_send(f->me, v, TAG_GO, NULL, 0));
    for (i = 0; i < 5; ++i) CHECK_OK(actor_send(f->me, v, TAG_PING, NULL, 0));
    CHECK(wait_flag(&h.started, WAIT_MS));
    CHECK_OK(actor_terminate(f->sys, v));
    st(&h.go, 1);
    EXPECT_EXIT(f, v, ACTOR_EXIT_TERMINATED, "terminated", &s);
    CHECK(ld(&h.finished));     /* the callback ran to its end */
    CHECK(ld(&h.dtor_ran));     /* before the EXIT left */
    CHECK_EQ(ld(&h.late), 0);   /* nothing delivered after it */
    if (mode == HS_BUSY) CHECK(ld(&h.saw_pending));
    CHECK_RESULT(actor_terminate(f->sys, v), ACTOR_ERR_NOT_FOUND);
}

TEST(terminate_mid_callback) {
    fx f;
    if (!fx_open(&f)) return;
    terminate_mid_callback_case(&f, HS_BUSY);
    terminate_mid_callback_case(&f, HS_SLEEP);
    CHECK_EQ(drain(&f).n, 0);
    fx_close(&f);
}

/* actor.h bug: an attached identity that ends before it has handled a
   monitor request (e.g. terminated while not receiving) only answers that
   monitor when it detaches: the watcher's actor_monitor returned OK, the
   identity has ended (stale id, actor_receive says EXITED), but no EXIT
   arrives until actor_detach. The same for links. */
TEST(attached_exit_reaches_watchers_before_detach) {
    actor_context *v;
    actor_id vid;
    actor_msg m;
    int got = 0;
    seen s;
    fx f;
    if (!fx_open(&f)) return;
    actor_trap_links(f.me, 1);
    CHECK_OK(actor_attach(f.sys, &v));
    vid = actor_self(v);
    CHECK_OK(actor_monitor(f.me, vid));
    CHECK_OK(actor_link(f.me, vid));
    CHECK_OK(actor_terminate(f.sys, vid));
    CHECK_RESULT(actor_receive(v, &m, WAIT_MS), ACTOR_ERR_EXITED);
    CHECK(!actor_alive(f.sys, vid));
    while (got < 2 && recv_seen(&f, &s, 3000)) { /* seconds: generous for two local signals */
        CHECK(s.s.signal == ACTOR_EXIT || s.s.signal == ACTOR_LINK_DOWN);
        REASON_IS(&s.s, ACTOR_EXIT_TERMINATED, "terminated");
        ++got;
    }
    if (got < 2) FAILF("ended attached identity: %d of 2 signals (EXIT, LINK_DOWN) delivered before actor_detach", got);
    actor_detach(v);
    while (got < 2 && recv_seen(&f, &s, WAIT_MS)) ++got; /* they come now */
    CHECK_EQ(got, 2);
    CHECK_EQ(drain(&f).n, 0);
    fx_close(&f);
}

/* ========================================================================== */
/* exit reasons                                                               */
/* ========================================================================== */

#define BIG_RESULT 100000

static unsigned char big_byte(size_t i) { return (unsigned char)((i * 7u + 3u) & 0xFF); }

/* Exits normally with a 100 kB result, then scribbles over and frees its
   buffer: the reason must have been copied. */
static void big_exit(actor_context *self, const actor_msg *m) {
    unsigned char *buf;
    actor_exit_reason why;
    size_t i;
    (void)m;
    buf = (unsigned char *)malloc(BIG_RESULT);
    if (!buf) { actor_exit(self, NULL); return; }
    for (i = 0; i < BIG_RESULT; ++i) buf[i] = big_byte(i);
    memset(&why, 0, sizeof why);
    why.kind = ACTOR_EXIT_NORMAL;
    why.message = "";
    why.data = buf;
    why.size = BIG_RESULT;
    actor_exit(self, &why);
    memset(buf, 0xEE, BIG_RESULT);
    free(buf);
}

static void check_big_result(fx *f, actor_id id) {
    actor_msg m;
    size_t i, bad = 0;
    CHECK_OK(actor_receive(f->me, &m, WAIT_MS));
    CHECK(m.signal == ACTOR_EXIT && actor_id_equal(m.from, id) && m.reason);
    if (m.signal != ACTOR_EXIT || !m.reason) return;
    CHECK_EQ(m.reason->kind, ACTOR_EXIT_NORMAL);
    CHECK_EQ(m.reason->size, BIG_RESULT);
    if (m.reason->size != BIG_RESULT || !m.reason->data) return;
    for (i = 0; i < BIG_RESULT; ++i) bad += ((const unsigned char *)m.reason->data)[i] != big_byte(i);
    CHECK_EQ(bad, 0);
}

TEST(exit_reasons_travel_with_exit) {
    static const unsigned char details[24] = "table=users;row=1234567";
    actor_spawn_desc d;
    actor_id x;
    seen s, s2;
    fx f;
    if (!fx_open(&f)) return;

    x = spawn_agent(&f, NULL, ACTOR_SPAWN_MONITOR, 0);
    SEND_FAIL(&f, x, ACTOR_EXIT_NORMAL, 0, "", "result-42", 10);
    if (EXPECT_EXIT(&f, x, ACTOR_EXIT_NORMAL, "", &s)) CHECK(reason_data_is(&s.s, "result-42", 10));

    x = spawn_agent(&f, NULL, ACTOR_SPAWN_MONITOR, 0);
    SEND_FAIL(&f, x, ACTOR_EXIT_NORMAL, 9, "bye", NULL, 0);
    if (EXPECT_EXIT(&f, x, ACTOR_EXIT_NORMAL, "bye", &s)) { CHECK_EQ(s.s.code, 9); CHECK_EQ(s.s.size, 0); }

    x = spawn_agent(&f, NULL, ACTOR_SPAWN_MONITOR, 0);
    SEND_FAIL(&f, x, ACTOR_EXIT_ERROR, 500, "database unreachable", details, sizeof details);
    if (EXPECT_EXIT(&f, x, ACTOR_EXIT_ERROR, "database unreachable", &s)) {
        CHECK_EQ(s.s.code, 500);
        CHECK(reason_data_is(&s.s, details, sizeof details));
    }

    x = spawn_agent(&f, NULL, ACTOR_SPAWN_MONITOR, 0);
    SEND_FAIL(&f, x, ACTOR_EXIT_ERROR, 1, NULL, NULL, 0); /* NULL message -> "" */
    EXPECT_EXIT(&f, x, ACTOR_EXIT_ERROR, "", &s);

    x = spawn_agent(&f, NULL, ACTOR_SPAWN_MONITOR, TAG_QUIT); /* actor_exit(NULL) */
    if (EXPECT_EXIT(&f, x, ACTOR_EXIT_NORMAL, "", &s)) { CHECK_EQ(s.s.code, 0); CHECK_EQ(s.s.size, 0); }

    memset(&d, 0, sizeof d);
    d.fn = big_exit;
    d.parent = f.me;
    d.flags = ACTOR_SPAWN_MONITOR | ACTOR_SPAWN_START;
    CHECK_OK(actor_spawn(f.host, &d, &x));
    check_big_result(&f, x);

    /* a trapping linked peer gets the very same reason */
    actor_trap_links(f.me, 1);
    x = spawn_agent(&f, NULL, ACTOR_SPAWN_LINK | ACTOR_SPAWN_MONITOR, 0);
    SEND_FAIL(&f, x, ACTOR_EXIT_ERROR, 77, "shared reason", details, 8);
    if (recv_seen(&f, &s, WAIT_MS) && recv_seen(&f, &s2, WAIT_MS)) {
        CHECK_EQ(s.s.signal + s2.s.signal, ACTOR_EXIT + ACTOR_LINK_DOWN);
        REASON_IS(&s.s, ACTOR_EXIT_ERROR, "shared reason");
        REASON_IS(&s2.s, ACTOR_EXIT_ERROR, "shared reason");
        CHECK(s.s.code == 77 && s2.s.code == 77);
        CHECK(reason_data_is(&s.s, details, 8) && reason_data_is(&s2.s, details, 8));
    } else {
        FAILF("EXIT and LINK_DOWN expected (rc %d)", s.rc);
    }
    fx_close(&f);
}

/* on_exit: called once with the reason, after the id went stale and the
   names were released, before the state destructor and before EXIT; not
   called for actors still alive at actor_system_destroy. */
typedef struct exit_probe {
    int calls, alive_inside, lookup_inside, dtor_before, dtor_ran, kind;
    char message[64];
} exit_probe;

static void probe_on_exit(actor_context *self, const actor_exit_reason *why) {
    exit_probe *p = (exit_probe *)actor_state(self);
    actor_id found;
    p->calls++;
    p->alive_inside = actor_alive(actor_system_of(self), actor_self(self));
    p->lookup_inside = actor_lookup(actor_system_of(self), "probe", &found);
    p->dtor_before = p->dtor_ran;
    p->kind = why ? (int)why->kind : -1;
    snprintf(p->message, sizeof p->message, "%s", why && why->message ? why->message : "(null)");
}

static void probe_dtor(void *state) { ((exit_probe *)state)->dtor_ran++; }

static void probe_behaviour(actor_context *self, const actor_msg *m) {
    if (m->signal == ACTOR_MESSAGE) agent_command(self, m->from, m->tag, m->data, m->size);
}

static actor_id spawn_probe(fx *f, exit_probe *p) {
    actor_spawn_desc d;
    actor_id id = actor_id_make(0);
    memset(p, 0, sizeof *p);
    memset(&d, 0, sizeof d);
    d.fn = probe_behaviour;
    d.state = p;
    d.state_dtor = probe_dtor;
    d.on_exit = probe_on_exit;
    d.parent = f->me;
    d.flags = ACTOR_SPAWN_MONITOR;
    d.name = "probe";
    CHECK_OK(actor_spawn(f->host, &d, &id));
    return id;
}

TEST(on_exit_runs_once_before_signals) {
    static const struct { actor_exit_kind kind; const char *message; } cases[] = {
        { ACTOR_EXIT_ERROR, DEFAULT_FAIL_MESSAGE }, { ACTOR_EXIT_NORMAL, "" },
        { ACTOR_EXIT_TERMINATED, "terminated" }, { ACTOR_EXIT_LINKED, "linked process failed" },
        { ACTOR_EXIT_DEADLINE, "cancel deadline exceeded" },
    };
    exit_probe p, survivor;
    actor_id x, b;
    int i;
    seen s;
    fx f;
    if (!fx_open(&f)) return;
    for (i = 0; i < 5; ++i) {
        x = spawn_probe(&f, &p);
        switch (cases[i].kind) {
        case ACTOR_EXIT_ERROR: CHECK_OK(actor_send(f.me, x, TAG_FAIL, NULL, 0)); break;
        case ACTOR_EXIT_NORMAL: CHECK_OK(actor_send(f.me, x, TAG_QUIT, NULL, 0)); break;
        case ACTOR_EXIT_TERMINATED: CHECK_OK(actor_terminate(f.sys, x)); break;
        case ACTOR_EXIT_LINKED:
            b = spawn_agent(&f, NULL, 0, 0);
            CHECK_OK(CALL_ID(&f, x, TAG_LINK, b).r);
            CHECK_OK(actor_send(f.me, b, TAG_FAIL, NULL, 0));
            break;
        default: CHECK_OK(actor_cancel(f.sys, f.me_id, x, 20)); break;
        }
        if (!EXPECT_EXIT(&f, x, cases[i].kind, cases[i].message, &s)) continue;
        CHECK_EQ(s.s.from_host, (uint64_t)(uintptr_t)f.host); /* the host it ran on */
        CHECK_EQ(p.calls, 1);
        CHECK_EQ(p.kind, cases[i].kind);
        CHECK(!strcmp(p.message, cases[i].message));
        CHECK_EQ(p.alive_inside, 0);                       /* id already stale */
        CHECK_RESULT(p.lookup_inside, ACTOR_ERR_NOT_FOUND); /* names already gone */
        CHECK_EQ(p.dtor_before, 0);                        /* before the state destructor */
        CHECK_EQ(p.dtor_ran, 1);                           /* which ran before the EXIT left */
    }
    x = spawn_probe(&f, &survivor);
    PING(&f, x);
    fx_close(&f); /* destroy: the state destructor runs, on_exit does not */
    CHECK_EQ(survivor.calls, 0);
    CHECK_EQ(survivor.dtor_ran, 1);
}

/* ========================================================================== */
/* name registry                                                              */
/* ========================================================================== */

TEST(registry_basics) {
    char longest[ACTOR_NAME_MAX + 2];
    actor_context *v;
    actor_id x, y, got;
    seen s;
    fx f;
    if (!fx_open(&f)) return;
    x = spawn_agent(&f, NULL, ACTOR_SPAWN_MONITOR, 0);
    y = spawn_agent(&f, NULL, 0, 0);

    CHECK_OK(actor_register(f.sys, "svc", x));
    CHECK_OK(actor_lookup(f.sys, "svc", &got));
    CHECK_EQ(got.value, x.value);
    CHECK_OK(actor_register(f.sys, "svc", x));                    /* same name, same id */
    CHECK_RESULT(actor_register(f.sys, "svc", y), ACTOR_ERR_EXISTS);
    CHECK_OK(actor_lookup(f.sys, "svc", &got));
    CHECK_EQ(got.value, x.value);
    CHECK_OK(actor_register(f.sys, "svc/2", x));                  /* several names */
    CHECK_OK(actor_unregister(f.sys, "svc"));
    CHECK_RESULT(actor_lookup(f.sys, "svc", &got), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_unregister(f.sys, "svc"), ACTOR_ERR_NOT_FOUND);
    CHECK_OK(actor_register(f.sys, "svc", y));
    CHECK_RESULT(actor_lookup(f.sys, "nobody", &got), ACTOR_ERR_NOT_FOUND);

    /* invalid names and arguments */
    CHECK_RESULT(actor_register(f.sys, NULL, x), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_register(f.sys, "", x), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_lookup(f.sys, NULL, &got), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_lookup(f.sys, "", &got), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_lookup(f.sys, "svc", NULL), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_unregister(f.sys, NULL), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_unregister(f.sys, ""), ACTOR_ERR_INVALID);
    memset(longest, 'n', sizeof longest);
    longest[ACTOR_NAME_MAX] = 0;                                   /* 255 bytes: fine */
    CHECK_OK(actor_register(f.sys, longest, x));
    CHECK_OK(actor_lookup(f.sys, longest, &got));
    CHECK_OK(actor_unregister(f.sys, longest));
    longest[ACTOR_NAME_MAX] = 'n';
    longest[ACTOR_NAME_MAX + 1] = 0;                               /* 256 bytes */
    CHECK_RESULT(actor_register(f.sys, longest, x), ACTOR_ERR_LIMIT);
    CHECK_RESULT(actor_lookup(f.sys, longest, &got), ACTOR_ERR_LIMIT);
    CHECK_RESULT(actor_unregister(f.sys, longest), ACTOR_ERR_LIMIT);

    /* the names of an ended actor are gone; its id cannot take new ones */
    CHECK_OK(actor_terminate(f.sys, x));
    EXPECT_EXIT(&f, x, ACTOR_EXIT_TERMINATED, "terminated", &s);
    CHECK_RESULT(actor_lookup(f.sys, "svc/2", &got), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_register(f.sys, "late", x), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_register(f.sys, "late", actor_id_make(0)), ACTOR_ERR_NOT_FOUND);
    CHECK_OK(actor_lookup(f.sys, "svc", &got));                    /* y's name untouched */
    CHECK_EQ(got.value, y.value);

    /* an attached identity's names go when it detaches */
    CHECK_OK(actor_attach(f.sys, &v));
    CHECK_OK(actor_register(f.sys, "attached", actor_self(v)));
    CHECK_OK(actor_lookup(f.sys, "attached", &got));
    actor_detach(v);
    CHECK_RESULT(actor_lookup(f.sys, "attached", &got), ACTOR_ERR_NOT_FOUND);
    fx_close(&f);
}

static actor_id spawn_named(fx *f, const char *name, unsigned flags, uint32_t start_cmd, actor_result *r) {
    actor_spawn_desc d;
    actor_id id = actor_id_make(0);
    memset(&d, 0, sizeof d);
    d.fn = agent;
    d.parent = f->me;
    d.flags = flags | (start_cmd ? ACTOR_SPAWN_START : 0u);
    d.start_data = start_cmd ? &start_cmd : NULL;
    d.start_size = start_cmd ? sizeof start_cmd : 0;
    d.name = name;
    *r = actor_spawn(f->host, &d, &id);
    return id;
}

TEST(spawn_with_name) {
    char toolong[ACTOR_NAME_MAX + 2];
    actor_stats before, after;
    actor_result r;
    result_msg res;
    actor_id x, y, got;
    seen s;
    fx f;
    if (!fx_open(&f)) return;

    /* registered before the child runs: its first callback finds itself */
    x = spawn_named(&f, "boot", ACTOR_SPAWN_MONITOR, 0, &r);
    CHECK_OK(r);
    CHECK_OK(actor_lookup(f.sys, "boot", &got));
    CHECK_EQ(got.value, x.value);
    res = CALL(&f, x, TAG_WHOAMI, "boot", 5);
    CHECK_OK(res.r);
    CHECK_EQ(res.extra, 1);

    /* taken: EXISTS and nothing is spawned (a START would ping us) */
    actor_system_stats(f.sys, &before);
    y = spawn_named(&f, "boot", 0, TAG_PING, &r);
    CHECK_RESULT(r, ACTOR_ERR_EXISTS);
    CHECK(actor_id_is_none(y));
    y = spawn_named(&f, "", 0, TAG_PING, &r);
    CHECK_RESULT(r, ACTOR_ERR_INVALID);
    memset(toolong, 'q', sizeof toolong);
    toolong[ACTOR_NAME_MAX + 1] = 0;
    y = spawn_named(&f, toolong, 0, TAG_PING, &r);
    CHECK_RESULT(r, ACTOR_ERR_LIMIT);
    actor_system_stats(f.sys, &after);
    CHECK_EQ(after.actors_spawned, before.actors_spawned);
    CHECK_EQ(after.actors_live, before.actors_live);
    CHECK_OK(actor_lookup(f.sys, "boot", &got));
    CHECK_EQ(got.value, x.value);

    /* released with the child: the name can be spawned again */
    CHECK_OK(actor_send(f.me, x, TAG_FAIL, NULL, 0));
    EXPECT_EXIT(&f, x, ACTOR_EXIT_ERROR, DEFAULT_FAIL_MESSAGE, &s);
    CHECK_RESULT(actor_lookup(f.sys, "boot", &got), ACTOR_ERR_NOT_FOUND);
    y = spawn_named(&f, "boot", 0, 0, &r);
    CHECK_OK(r);
    CHECK_OK(actor_lookup(f.sys, "boot", &got));
    CHECK_EQ(got.value, y.value);
    CHECK_EQ(drain(&f).n, 0); /* no ping from the children that were never spawned */
    fx_close(&f);
}

/* When a watcher gets EXIT / LINK_DOWN, the names of the dead actor are
   already free: lookup fails and the name can be taken again. */
static void names_round(fx *f, actor_id w, long round) {
    actor_id x, got;
    actor_result r;
    seen s;
    /* plain register, then failure or terminate; the name is reused every round */
    x = spawn_agent(f, NULL, ACTOR_SPAWN_MONITOR, 0);
    CHECK_OK(actor_register(f->sys, "svc", x));
    if (round & 1) CHECK_OK(actor_terminate(f->sys, x));
    else CHECK_OK(actor_send(f->me, x, TAG_FAIL, NULL, 0));
    if (EXPECT(f, ACTOR_EXIT, 0, x, &s)) CHECK_RESULT(actor_lookup(f->sys, "svc", &got), ACTOR_ERR_NOT_FOUND);

    /* desc.name, the child fails in its first callback */
    x = spawn_named(f, "named", ACTOR_SPAWN_MONITOR, TAG_FAIL, &r);
    CHECK_OK(r);
    if (EXPECT(f, ACTOR_EXIT, 0, x, &s)) CHECK_RESULT(actor_lookup(f->sys, "named", &got), ACTOR_ERR_NOT_FOUND);

    /* a trapping linked observer */
    actor_trap_links(f->me, 1);
    x = spawn_named(f, "linked", ACTOR_SPAWN_LINK, TAG_FAIL, &r);
    CHECK_OK(r);
    if (EXPECT(f, ACTOR_LINK_DOWN, 0, x, &s)) CHECK_RESULT(actor_lookup(f->sys, "linked", &got), ACTOR_ERR_NOT_FOUND);
    actor_trap_links(f->me, 0);

    /* a worker watcher looks the name up when it handles the EXIT */
    x = spawn_agent(f, NULL, 0, 0);
    CHECK_OK(actor_register(f->sys, "watched", x));
    CHECK_OK(CALL_ID(f, w, TAG_MONITOR, x).r);
    CHECK_OK(actor_send(f->me, x, TAG_FAIL, NULL, 0));
    if (EXPECT(f, ACTOR_MESSAGE, TAG_REPORT, w, &s)) {
        sig_info rep = report_of(&s);
        CHECK_EQ(rep.signal, ACTOR_EXIT);
        CHECK_RESULT(rep.lookup_r, ACTOR_ERR_NOT_FOUND);
    }

    /* register racing the exit: OK or NOT_FOUND, never a name left behind */
    x = spawn_agent(f, NULL, ACTOR_SPAWN_MONITOR, 0);
    CHECK_OK(actor_send(f->me, x, TAG_FAIL, NULL, 0));
    spin(rnd() % 20000);
    r = actor_register(f->sys, "racy", x);
    CHECK(r == ACTOR_OK || r == ACTOR_ERR_NOT_FOUND);
    if (EXPECT(f, ACTOR_EXIT, 0, x, &s)) CHECK_RESULT(actor_lookup(f->sys, "racy", &got), ACTOR_ERR_NOT_FOUND);
}

TEST(names_released_before_exit) {
    long rounds = scaled(2000), i;
    agent_cfg looker;
    actor_id w;
    fx f;
    if (!fx_open(&f)) return;
    looker.observer = f.me_id; looker.cancel_quit = 0; looker.lookup = "watched";
    w = spawn_agent(&f, &looker, 0, 0);
    for (i = 0; i < rounds; ++i) names_round(&f, w, i);
    CHECK_EQ(drain(&f).n, 0);
    fx_close(&f);
}

/* Many threads use the registry at once. Private names go through the
   whole life cycle; shared names are fought over: exactly one actor wins
   each, and everyone agrees on who. A churn thread spawns named actors
   and terminates them meanwhile. */
#define REG_THREADS 4
#define REG_POOL 8
#define REG_SHARED 16

typedef struct reg_ctx {
    actor_system *sys;
    actor_host *host;
    actor_id pool[REG_POOL];
    uint64_t winner[REG_SHARED];
    long iters;
} reg_ctx;

typedef struct reg_arg { reg_ctx *ctx; int index; } reg_arg;

static int in_pool(const reg_ctx *c, actor_id id) {
    int i;
    for (i = 0; i < REG_POOL; ++i)
        if (actor_id_equal(c->pool[i], id)) return 1;
    return 0;
}

static void reg_private(reg_ctx *c, int t, long i, actor_id mine, actor_id other) {
    char name[64];
    actor_id got;
    snprintf(name, sizeof name, "own/%d/%ld", t, i);
    CHECK_OK(actor_register(c->sys, name, mine));
    CHECK_OK(actor_lookup(c->sys, name, &got));
    CHECK_EQ(got.value, mine.value);
    CHECK_RESULT(actor_register(c->sys, name, other), ACTOR_ERR_EXISTS);
    CHECK_OK(actor_register(c->sys, name, mine));
    CHECK_OK(actor_unregister(c->sys, name));
    CHECK_RESULT(actor_lookup(c->sys, name, &got), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_unregister(c->sys, name), ACTOR_ERR_NOT_FOUND);
}

static void reg_shared(reg_ctx *c, long i, actor_id mine) {
    char name[64];
    int k = (int)(i % REG_SHARED);
    actor_id got;
    actor_result r;
    snprintf(name, sizeof name, "shared/%d", k);
    r = actor_register(c->sys, name, mine);
    if (r == ACTOR_OK) {
        uint64_t expected = 0;
        if (!__atomic_compare_exchange_n(&c->winner[k], &expected, mine.value, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            CHECK_EQ(expected, mine.value); /* a second winner would be a bug */
    } else {
        CHECK_RESULT(r, ACTOR_ERR_EXISTS);
    }
    CHECK_OK(actor_lookup(c->sys, name, &got));
    CHECK(in_pool(c, got));
    CHECK(r == ACTOR_OK ? got.value == mine.value : got.value != mine.value);
}

static void *reg_thread(void *p) {
    reg_arg *a = (reg_arg *)p;
    reg_ctx *c = a->ctx;
    actor_id mine = c->pool[a->index % REG_POOL], other = c->pool[(a->index + 1) % REG_POOL];
    long i;
    for (i = 0; i < c->iters; ++i) {
        reg_private(c, a->index, i, mine, other);
        reg_shared(c, i, mine);
    }
    return NULL;
}

static void *churn_thread(void *p) {
    reg_ctx *c = (reg_ctx *)p;
    actor_spawn_desc d;
    char name[64];
    long i, n = c->iters / 10 + 1;
    for (i = 0; i < n; ++i) {
        actor_id id, got;
        memset(&d, 0, sizeof d);
        d.fn = agent;
        snprintf(name, sizeof name, "churn/%ld", i);
        d.name = name;
        CHECK_OK(actor_spawn(c->host, &d, &id));
        CHECK_OK(actor_lookup(c->sys, name, &got));
        CHECK_EQ(got.value, id.value);
        CHECK_OK(actor_terminate(c->sys, id));
    }
    return NULL;
}

/* churn names are released eventually (terminate is asynchronous) */
static void check_churn_released(reg_ctx *c) {
    long i, n = c->iters / 10 + 1;
    uint64_t t0 = actor_now_ns();
    char name[64];
    for (i = 0; i < n; ++i) {
        actor_id got;
        snprintf(name, sizeof name, "churn/%ld", i);
        while (actor_lookup(c->sys, name, &got) == ACTOR_OK && ms_since(t0) < WAIT_MS) harness_sleep_ms(1);
        CHECK_RESULT(actor_lookup(c->sys, name, &got), ACTOR_ERR_NOT_FOUND);
    }
}

TEST(registry_concurrent) {
    pthread_t threads[REG_THREADS], churn;
    reg_arg args[REG_THREADS];
    reg_ctx ctx;
    int i;
    fx f;
    if (!fx_open(&f)) return;
    memset(&ctx, 0, sizeof ctx);
    ctx.sys = f.sys;
    ctx.host = f.host;
    ctx.iters = scaled(20000);
    for (i = 0; i < REG_POOL; ++i) ctx.pool[i] = spawn_agent(&f, NULL, 0, 0);
    for (i = 0; i < REG_THREADS; ++i) {
        args[i].ctx = &ctx;
        args[i].index = i;
        CHECK(pthread_create(&threads[i], NULL, reg_thread, &args[i]) == 0);
    }
    CHECK(pthread_create(&churn, NULL, churn_thread, &ctx) == 0);
    for (i = 0; i < REG_THREADS; ++i) pthread_join(threads[i], NULL);
    pthread_join(churn, NULL);
    for (i = 0; i < REG_SHARED; ++i) {
        char name[64];
        actor_id got;
        snprintf(name, sizeof name, "shared/%d", i);
        CHECK_OK(actor_lookup(f.sys, name, &got));
        CHECK_EQ(got.value, ctx.winner[i]);
    }
    check_churn_released(&ctx);
    fx_close(&f);
}

/* ========================================================================== */
/* memory                                                                     */
/* ========================================================================== */

/* Counts every allocation; checks that free gets the size alloc was asked
   for. The runtime keeps fixed-size blocks (power-of-two sizes up to 4 kB:
   messages, and whatever else it pools) in bounded caches by design, so
   the growth check below looks at the other allocations (reasons, names,
   timers, unpooled peer tables); pooled blocks are covered by the check
   that destroy gives every byte back. */
typedef struct counting_alloc {
    long long live_allocs, live_bytes, other_allocs, size_mismatch;
} counting_alloc;

#define CA_HEADER 16

static int is_pool_block(size_t n) { return n >= 64 && n <= 4096 && (n & (n - 1)) == 0; }

static void *ca_alloc(size_t n, void *user) {
    counting_alloc *c = (counting_alloc *)user;
    unsigned char *p = (unsigned char *)malloc(n + CA_HEADER);
    if (!p) return NULL;
    memcpy(p, &n, sizeof n);
    __atomic_add_fetch(&c->live_allocs, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&c->live_bytes, (long long)n, __ATOMIC_RELAXED);
    if (!is_pool_block(n)) __atomic_add_fetch(&c->other_allocs, 1, __ATOMIC_RELAXED);
    return p + CA_HEADER;
}

static void ca_free(void *ptr, size_t n, void *user) {
    counting_alloc *c = (counting_alloc *)user;
    unsigned char *p = (unsigned char *)ptr - CA_HEADER;
    size_t was;
    memcpy(&was, p, sizeof was);
    if (was != n) __atomic_add_fetch(&c->size_mismatch, 1, __ATOMIC_RELAXED);
    __atomic_sub_fetch(&c->live_allocs, 1, __ATOMIC_RELAXED);
    __atomic_sub_fetch(&c->live_bytes, (long long)was, __ATOMIC_RELAXED);
    if (!is_pool_block(was)) __atomic_sub_fetch(&c->other_allocs, 1, __ATOMIC_RELAXED);
    free(p);
}

static actor_system_desc counting_desc(counting_alloc *c) {
    actor_system_desc d;
    memset(c, 0, sizeof *c);
    memset(&d, 0, sizeof d);
    d.allocator.alloc = ca_alloc;
    d.allocator.free = ca_free;
    d.allocator.user = c;
    return d;
}

static long long ca_get(const long long *v) { return __atomic_load_n(v, __ATOMIC_ACQUIRE); }

/* Waits until the allocation count stops moving (a dead actor is recycled
   just after it is counted as ended). */
static long long settled_other_allocs(counting_alloc *c) {
    long long last = -1, now;
    int same = 0;
    uint64_t t0 = actor_now_ns();
    while (same < 3 && ms_since(t0) < WAIT_MS) {
        harness_sleep_ms(5);
        now = ca_get(&c->other_allocs);
        same = now == last ? same + 1 : 0;
        last = now;
    }
    return last;
}

/* One round of everything that allocates link / monitor / name / timer
   memory, ending with every actor dead. */
static void churn_round(fx *f, long k, uint64_t base_live) {
    actor_id *ids = (actor_id *)calloc((size_t)k, sizeof *ids);
    char name[32];
    long i;
    if (!ids) { CHECK(!"no memory"); return; }
    actor_trap_links(f->me, 1);
    for (i = 0; i < k; ++i) {
        ids[i] = spawn_agent(f, NULL, i % 6 == 1 ? ACTOR_SPAWN_TRAP_LINKS : 0u, 0);
        CHECK_OK(actor_monitor(f->me, ids[i]));
        if (i % 3 == 0) CHECK_OK(actor_demonitor(f->me, ids[i]));
        if (i % 4 == 0) { snprintf(name, sizeof name, "leak/%ld", i); CHECK_OK(actor_register(f->sys, name, ids[i])); }
        if (i % 5 == 0) CHECK_OK(actor_link(f->me, ids[i]));
        if (i % 7 == 0) CHECK_OK(actor_cancel(f->sys, f->me_id, ids[i], 60000)); /* a pending deadline timer */
    }
    for (i = 1; i < k; i += 2) CHECK_OK(CALL_ID(f, ids[i], TAG_LINK, ids[i - 1]).r);
    for (i = 0; i < k; i += 2) CHECK_OK(actor_send(f->me, ids[i], TAG_FAIL, NULL, 0));
    for (i = 1; i < k; i += 2) actor_send(f->me, ids[i], TAG_QUIT, NULL, 0); /* may be dead already */
    WAIT_LIVE(f->sys, base_live);
    drain(f);
    flush_observer(f);
    actor_trap_links(f->me, 0);
    free(ids);
}

TEST(link_monitor_memory_is_freed) {
    long k = 64 + scaled(256), rounds = 5, i;
    long long warm, after;
    counting_alloc ca;
    actor_system_desc d = counting_desc(&ca);
    actor_stats st_;
    uint64_t base_live;
    fx f;
    if (!fx_open_with(&f, &d)) return;
    base_live = stat_live(f.sys);
    churn_round(&f, k, base_live);
    churn_round(&f, k, base_live);
    warm = settled_other_allocs(&ca);
    actor_system_stats(f.sys, &st_);
    CHECK_EQ(st_.bytes_in_use, ca_get(&ca.live_bytes)); /* the runtime's own count agrees */
    for (i = 0; i < rounds; ++i) churn_round(&f, k, base_live);
    after = settled_other_allocs(&ca);
    if (after - warm > k / 4)
        FAILF("%lld more live allocations after %ld rounds of %ld actors (leak of link/monitor memory?)",
              after - warm, rounds, k);
    fx_close(&f);
    CHECK_EQ(ca.live_allocs, 0); /* destroy returned every byte */
    CHECK_EQ(ca.live_bytes, 0);
    CHECK_EQ(ca.size_mismatch, 0);
}

/* A long-lived target must not keep memory for peers that have ended:
   children link to it (or monitor it) and exit normally, one after the
   other, driven from a worker. Then the target is terminated: if it was
   holding per-peer memory, bytes_in_use drops by about the size of a peer
   table sized for all of them. */
typedef struct peer_job { int32_t monitor; actor_id target; } peer_job;

static void peer_then_exit(actor_context *self, const actor_msg *m) {
    peer_job job;
    if (m->signal != ACTOR_START || m->size != sizeof job) return;
    memcpy(&job, m->data, sizeof job);
    CHECK_OK(job.monitor ? actor_monitor(self, job.target) : actor_link(self, job.target));
    actor_exit(self, NULL);
}

typedef struct driver_state { peer_job job; actor_id boss; long left; } driver_state;

static void driver_spawn_next(actor_context *self, driver_state *d) {
    actor_spawn_desc desc;
    actor_id id;
    memset(&desc, 0, sizeof desc);
    desc.fn = peer_then_exit;
    desc.parent = self;
    desc.flags = ACTOR_SPAWN_MONITOR | ACTOR_SPAWN_START;
    desc.start_data = &d->job;
    desc.start_size = sizeof d->job;
    CHECK_OK(actor_spawn(actor_host_of(self), &desc, &id));
}

static void driver(actor_context *self, const actor_msg *m) {
    driver_state *d = (driver_state *)actor_state(self);
    if (m->signal == ACTOR_MESSAGE && m->tag == TAG_GO && m->size == sizeof d->left) {
        d->boss = m->from;
        memcpy(&d->left, m->data, sizeof d->left);
        driver_spawn_next(self, d);
    } else if (m->signal == ACTOR_EXIT) {
        CHECK_EQ(m->reason->kind, ACTOR_EXIT_NORMAL);
        if (--d->left > 0) driver_spawn_next(self, d);
        else agent_reply(self, d->boss, 0, 0);
    }
}

static uint64_t settled_bytes(actor_system *sys) {
    actor_stats a, b;
    uint64_t t0 = actor_now_ns();
    actor_system_stats(sys, &a);
    for (;;) {
        harness_sleep_ms(10);
        actor_system_stats(sys, &b);
        if (b.bytes_in_use == a.bytes_in_use || ms_since(t0) > WAIT_MS) return b.bytes_in_use;
        a = b;
    }
}

static void peer_residue_case(int monitor) {
    long n = scaled(4000) < 1000 ? 1000 : scaled(4000);
    actor_spawn_desc d;
    driver_state ds;
    actor_id target, drv;
    uint64_t live, alive_bytes, dead_bytes;
    seen s;
    fx f;
    if (!fx_open(&f)) return;
    target = spawn_agent(&f, NULL, ACTOR_SPAWN_MONITOR, 0);
    memset(&ds, 0, sizeof ds);
    ds.job.monitor = monitor;
    ds.job.target = target;
    memset(&d, 0, sizeof d);
    d.fn = driver;
    d.state = &ds;
    CHECK_OK(actor_spawn(f.host, &d, &drv));
    live = stat_live(f.sys);
    CHECK_OK(CALL(&f, drv, TAG_GO, &n, sizeof n).r);
    PING(&f, target);              /* it has handled every request by now */
    WAIT_LIVE(f.sys, live);
    alive_bytes = settled_bytes(f.sys);
    CHECK_OK(actor_terminate(f.sys, target));
    EXPECT_EXIT(&f, target, ACTOR_EXIT_TERMINATED, "terminated", &s);
    WAIT_LIVE(f.sys, live - 1);
    dead_bytes = settled_bytes(f.sys);
    if (alive_bytes > dead_bytes + 16384)
        FAILF("the target held %llu bytes for %ld peers that had already exited (%s)",
              (unsigned long long)(alive_bytes - dead_bytes), n, monitor ? "monitors" : "links");
    fx_close(&f);
}

TEST(target_frees_link_of_exited_peer) { peer_residue_case(0); }
TEST(target_frees_monitor_of_exited_watcher) { peer_residue_case(1); }

/* ========================================================================== */
/* bad input                                                                  */
/* ========================================================================== */

static void stale_id_calls(fx *f, actor_context *fresh, actor_id bad) {
    CHECK_EQ(actor_alive(f->sys, bad), 0);
    CHECK_RESULT(actor_monitor(fresh, bad), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_demonitor(fresh, bad), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_link(fresh, bad), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_unlink(fresh, bad), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_cancel(f->sys, f->me_id, bad, 100), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_cancel(f->sys, f->me_id, bad, ACTOR_NO_DEADLINE), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_terminate(f->sys, bad), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_register(f->sys, "stale", bad), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_send(fresh, bad, 1, "x", 1), ACTOR_ERR_NOT_FOUND);
    CHECK_RESULT(actor_system_send(f->sys, bad, 1, NULL, 0), ACTOR_ERR_NOT_FOUND);
}

static void null_argument_calls(fx *f, actor_id x) {
    actor_exit_reason why;
    actor_msg m;
    actor_id got;
    memset(&why, 0, sizeof why);
    why.kind = ACTOR_EXIT_ERROR;
    CHECK_RESULT(actor_monitor(NULL, x), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_demonitor(NULL, x), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_link(NULL, x), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_unlink(NULL, x), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_send(NULL, x, 1, NULL, 0), ACTOR_ERR_INVALID);
    actor_exit(NULL, &why);
    actor_exit(NULL, NULL);
    actor_trap_links(NULL, 1);
    CHECK_EQ(actor_traps_links(NULL), 0);
    CHECK_EQ(actor_exit_pending(NULL), 0);
    CHECK(actor_id_is_none(actor_self(NULL)));
    CHECK_RESULT(actor_cancel(NULL, f->me_id, x, 100), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_cancel(f->sys, f->me_id, x, -2), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_terminate(NULL, x), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_register(NULL, "a", x), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_lookup(NULL, "a", &got), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_unregister(NULL, "a"), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_system_send(NULL, x, 1, NULL, 0), ACTOR_ERR_INVALID);
    CHECK_EQ(actor_alive(NULL, x), 0);
    CHECK_RESULT(actor_receive(NULL, &m, 0), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_receive(f->me, NULL, 0), ACTOR_ERR_INVALID);
}

static void bad_spawn_calls(fx *f) {
    actor_spawn_desc d;
    actor_id id;
    memset(&d, 0, sizeof d);
    CHECK_RESULT(actor_spawn(f->host, NULL, &id), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_spawn(NULL, &d, &id), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_spawn(f->host, &d, &id), ACTOR_ERR_INVALID); /* no fn */
    d.fn = agent;
    d.flags = 1u << 9;
    CHECK_RESULT(actor_spawn(f->host, &d, &id), ACTOR_ERR_INVALID); /* unknown flag */
    d.flags = ACTOR_SPAWN_START;
    d.start_size = 4;
    CHECK_RESULT(actor_spawn(f->host, &d, &id), ACTOR_ERR_INVALID); /* size without data */
}

TEST(bad_input_error_codes) {
    actor_context *fresh;
    actor_id x, dead, bad[5];
    seen s;
    int i;
    fx f;
    if (!fx_open(&f)) return;
    x = spawn_agent(&f, NULL, 0, 0);
    dead = spawn_agent(&f, NULL, ACTOR_SPAWN_MONITOR, 0);
    CHECK_OK(actor_terminate(f.sys, dead));
    EXPECT_EXIT(&f, dead, ACTOR_EXIT_TERMINATED, "terminated", &s);
    bad[0] = dead;
    bad[1] = actor_id_make(0);
    bad[2] = id_with_generation_shift(x, 1);                   /* live slot, other generation */
    bad[3] = actor_id_make((1ull << 32) | 0x7FFFFFF0u);        /* slot beyond the table */
    bad[4] = actor_id_make(x.value & 0xFFFFFFFFull);           /* generation 0 */
    CHECK_OK(actor_attach(f.sys, &fresh));                     /* no peers yet */
    for (i = 0; i < 5; ++i) stale_id_calls(&f, fresh, bad[i]);
    actor_detach(fresh);

    CHECK_RESULT(actor_monitor(f.me, f.me_id), ACTOR_ERR_INVALID);
    CHECK_RESULT(actor_link(f.me, f.me_id), ACTOR_ERR_INVALID);
    CHECK_OK(actor_unlink(f.me, x));                           /* live, not linked */
    CHECK_RESULT(actor_demonitor(f.me, x), ACTOR_ERR_NOT_FOUND); /* live, not monitored */
    null_argument_calls(&f, x);
    bad_spawn_calls(&f);
    PING(&f, x);                                               /* nothing above touched x */
    CHECK_EQ(drain(&f).n, 0);
    fx_close(&f);
}

/* ========================================================================== */
/* actor.h defects                                                            */
/* ========================================================================== */

/* The process's memory is known to be corrupt: report and leave at once
   (tearing the runtime down from there can crash or spin). */
static void abandon_process(void) {
    fflush(stdout);
    _exit(1);
}

/* actor.h bug: after an attached identity has ended (actor_receive said
   EXITED), monitor / link on it return OK and leak a peer table and a link
   node. Expected: ACTOR_ERR_EXITED ("the calling (attached) actor has
   ended") and no memory left behind. */
TEST(ended_attached_identity_rejects_peer_calls) {
    counting_alloc ca;
    actor_system_desc d = counting_desc(&ca);
    actor_context *v;
    actor_id x;
    actor_msg m;
    fx f;
    if (!fx_open_with(&f, &d)) return;
    x = spawn_agent(&f, NULL, 0, 0);
    CHECK_OK(actor_attach(f.sys, &v));
    CHECK_OK(actor_terminate(f.sys, actor_self(v)));
    CHECK_RESULT(actor_receive(v, &m, WAIT_MS), ACTOR_ERR_EXITED);
    CHECK_RESULT(actor_monitor(v, x), ACTOR_ERR_EXITED);
    CHECK_RESULT(actor_link(v, x), ACTOR_ERR_EXITED);
    actor_detach(v);
    PING(&f, x);
    fx_close(&f);
    if (ca.live_allocs) FAILF("%lld allocations (%lld bytes) never freed", ca.live_allocs, ca.live_bytes);
}

/* actor.h bug: demonitor / unlink with the none id must say NOT_FOUND
   whatever the caller's peer table looks like. actor.h matches id 0
   against an empty slot, which still holds the flags and nodes of an entry
   that backward-shift deletion moved away: demonitor then returns OK and
   corrupts the entry count (later operations can loop for ever), unlink
   frees a link node that is still in use (double free). */
static void none_id_case(int use_links) {
    fx f;
    actor_context *v;
    actor_id ids[3], none = actor_id_make(0);
    int round, i;
    if (!fx_open(&f)) return;
    for (round = 0; round < 60; ++round) {
        CHECK_OK(actor_attach(f.sys, &v));
        for (i = 0; i < 3; ++i) {
            ids[i] = spawn_agent(&f, NULL, 0, 0);
            CHECK_OK(use_links ? actor_link(v, ids[i]) : actor_monitor(v, ids[i]));
        }
        for (i = 0; i < 3; ++i) {
            actor_id gone = ids[(i + round) % 3];
            actor_result r;
            CHECK_OK(use_links ? actor_unlink(v, gone) : actor_demonitor(v, gone));
            r = use_links ? actor_unlink(v, none) : actor_demonitor(v, none);
            if (r != ACTOR_ERR_NOT_FOUND) {
                FAILF("%s(none) returned %d after removing a peer (round %d)",
                      use_links ? "actor_unlink" : "actor_demonitor", r, round);
                abandon_process(); /* the peer table is corrupt now */
            }
        }
        actor_detach(v);
        for (i = 0; i < 3; ++i) actor_terminate(f.sys, ids[i]);
    }
    fx_close(&f);
}

TEST(demonitor_of_none_id) { none_id_case(0); }
TEST(unlink_of_none_id) { none_id_case(1); }

/* actor.h bug: actor__exit drops the actor's own reference at its start,
   so a sender still holding one (between validating the id and finishing
   its push) runs actor__finalize concurrently with the rest of the exit:
   the exit reason is freed while EXIT signals still use it, the slot is
   reset (host = NULL) under on_exit / notify_peers. A state destructor
   that takes a few ms makes the window wide. Watchers must get the reason
   intact (and ASan must see no use after free). */
static actor_system *hammer_sys;
static uint64_t hammer_target;
static int hammer_stop;

static void *hammer(void *p) {
    (void)p;
    while (!ld(&hammer_stop))
        actor_system_send(hammer_sys, actor_id_make(__atomic_load_n(&hammer_target, __ATOMIC_ACQUIRE)), 1, NULL, 0);
    return NULL;
}

static void slow_dtor(void *p) { (void)p; harness_sleep_ms(2); }

TEST(exit_reason_survives_concurrent_senders) {
    long rounds = 400, i; /* not scaled: the race needs the rounds */
    pthread_t threads[2];
    actor_spawn_desc d;
    fx f;
    if (!fx_open(&f)) return;
    hammer_sys = f.sys;
    st(&hammer_stop, 0);
    for (i = 0; i < 2; ++i) CHECK(pthread_create(&threads[i], NULL, hammer, NULL) == 0);
    for (i = 0; i < rounds; ++i) {
        actor_id v;
        seen s;
        memset(&d, 0, sizeof d);
        d.fn = agent;
        d.state_dtor = slow_dtor;
        d.parent = f.me;
        d.flags = ACTOR_SPAWN_MONITOR;
        CHECK_OK(actor_spawn(f.host, &d, &v));
        __atomic_store_n(&hammer_target, v.value, __ATOMIC_RELEASE);
        SEND_FAIL(&f, v, ACTOR_EXIT_ERROR, 5, "victim failed on purpose", "xyz", 4);
        if (!EXPECT(&f, ACTOR_EXIT, 0, v, &s)) break;
        if (strcmp(s.s.message, "victim failed on purpose") != 0 || s.s.code != 5) {
            FAILF("round %ld: exit reason arrived corrupted (code %d, message \"%.20s\")", i, s.s.code, s.s.message);
            abandon_process();
        }
    }
    st(&hammer_stop, 1);
    for (i = 0; i < 2; ++i) pthread_join(threads[i], NULL);
    fx_close(&f);
}

/* ========================================================================== */
/* shutdown and host creation (red-team round 4)                              */
/* ========================================================================== */

/* Thread creation that fails on demand: this binary is linked with
   -Wl,--wrap=pthread_create (see the Makefile). With threads_left = N, N
   more threads start and the next ones are refused after a short delay (as
   under memory pressure), long enough for the started ones to park. */
static int threads_left = -1; /* -1: never refuse */
int __real_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg) {
    int left = __atomic_load_n(&threads_left, __ATOMIC_ACQUIRE);
    while (left > 0 && !__atomic_compare_exchange_n(&threads_left, &left, left - 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {}
    if (left == 0) {
        harness_sleep_ms(20);
        return EAGAIN;
    }
    return __real_pthread_create(t, a, fn, arg);
}

static int quiet_logs;
static void quiet_log(actor_log_level level, const char *message, void *user) { (void)level; (void)message; (void)user; quiet_logs++; }

static void echo_fn(actor_context *self, const actor_msg *m) {
    if (m->signal == ACTOR_MESSAGE) actor_send(self, m->from, m->tag + 1, NULL, 0);
}

/* The system still hosts actors: a host, an echo actor, one round trip. */
static void check_system_works(actor_system *sys, actor_context *me, const char *host_name) {
    actor_host_desc hd;
    actor_spawn_desc d;
    actor_host *h = NULL;
    actor_id echo;
    actor_msg m;
    memset(&hd, 0, sizeof hd);
    memset(&d, 0, sizeof d);
    hd.name = host_name;
    hd.workers = 2;
    CHECK_OK(actor_host_create(sys, &hd, &h));
    if (!h) return;
    d.fn = echo_fn;
    CHECK_OK(actor_spawn(h, &d, &echo));
    CHECK_OK(actor_send(me, echo, 41, NULL, 0));
    CHECK_OK(actor_receive(me, &m, WAIT_MS));
    CHECK(m.signal == ACTOR_MESSAGE && m.tag == 42);
}

/* actor.h bug: when a worker thread failed to start, actor_host_create
   stopped and joined the started ones while holding host_lock; a started
   worker that had taken the timer keeper role needs that lock to hand the
   role on, so both waited forever (a pending timer makes it certain). */
TEST(host_create_undoes_a_partial_start) {
    int round;
    for (round = 0; round < 5; ++round) {
        actor_system_desc sd;
        actor_host_desc hd;
        actor_system *sys = NULL;
        actor_context *me = NULL;
        actor_host *h = (actor_host *)&round;
        actor_timer t;
        char name[16];
        memset(&sd, 0, sizeof sd);
        memset(&hd, 0, sizeof hd);
        sd.logger.log = quiet_log;
        CHECK_OK(actor_system_create(&sd, &sys));
        if (!sys) return;
        CHECK_OK(actor_attach(sys, &me));
        CHECK_OK(actor_after(me, 10000, 7, &t)); /* pending: an idle worker keeps the time */
        hd.workers = 2;
        __atomic_store_n(&threads_left, 1, __ATOMIC_RELEASE);
        CHECK_RESULT(actor_host_create(sys, &hd, &h), ACTOR_ERR_NO_MEMORY);
        __atomic_store_n(&threads_left, -1, __ATOMIC_RELEASE);
        CHECK(h == NULL);
        CHECK(quiet_logs > 0); /* "could not start a worker thread" */
        snprintf(name, sizeof name, "again%d", round);
        check_system_works(sys, me, name);
        actor_detach(me);
        CHECK_OK(actor_system_destroy(sys));
    }
}

/* actor.h bug: actor_system_destroy ran state destructors while every
   actor still looked alive; a destructor that sends reached a mailbox
   freed by an earlier teardown. Now each send is refused (NOT_FOUND). */
static actor_system *dtor_sys;
static uint64_t dtor_peers[8];
static int dtor_sends, dtor_refused;
static void dtor_that_sends(void *state) {
    int i;
    (void)state;
    for (i = 0; i < 8; ++i) {
        actor_result r = actor_system_send(dtor_sys, actor_id_make(dtor_peers[i]), 1, "bye", 4);
        dtor_sends++;
        if (r == ACTOR_ERR_NOT_FOUND) dtor_refused++;
    }
}

TEST(destroy_refuses_sends_from_state_destructors) {
    actor_host_desc hd;
    actor_spawn_desc d;
    actor_host *h = NULL;
    char filler[100];
    int i;
    memset(&hd, 0, sizeof hd);
    memset(filler, 'x', sizeof filler);
    hd.workers = 1;
    CHECK_OK(actor_system_create(NULL, &dtor_sys));
    if (!dtor_sys) return;
    CHECK_OK(actor_host_create(dtor_sys, &hd, &h));
    if (!h) return;
    for (i = 0; i < 8; ++i) {
        actor_id id;
        memset(&d, 0, sizeof d);
        d.fn = echo_fn;
        d.state_dtor = dtor_that_sends;
        CHECK_OK(actor_spawn(h, &d, &id));
        dtor_peers[i] = id.value;
        CHECK_OK(actor_system_send(dtor_sys, id, 0, filler, sizeof filler)); /* each has had a mailbox tail */
    }
    harness_sleep_ms(20);
    CHECK_OK(actor_system_destroy(dtor_sys));
    CHECK_EQ(dtor_sends, 64);
    CHECK_EQ(dtor_refused, 64);
}

/* actor.h bug: a host created by a behaviour while actor_system_destroy
   waited for the workers was never stopped, and destroy joined its
   threads forever. Now actor_host_create refuses (SHUTDOWN) once destroy
   has begun; a host made just before is stopped with the others. */
static actor_system *late_sys;
static int late_started, late_result = 99;
static void late_host_fn(actor_context *self, const actor_msg *m) {
    actor_host_desc hd;
    actor_host *h;
    (void)self;
    if (m->signal != ACTOR_START) return;
    memset(&hd, 0, sizeof hd);
    hd.workers = 1;
    hd.name = "late";
    __atomic_store_n(&late_started, 1, __ATOMIC_RELEASE);
    harness_sleep_ms(100); /* destroy begins meanwhile */
    __atomic_store_n(&late_result, (int)actor_host_create(late_sys, &hd, &h), __ATOMIC_RELEASE);
}

TEST(destroy_while_a_behaviour_creates_a_host) {
    actor_host_desc hd;
    actor_spawn_desc d;
    actor_host *h = NULL;
    actor_id id;
    memset(&hd, 0, sizeof hd);
    memset(&d, 0, sizeof d);
    hd.workers = 1;
    CHECK_OK(actor_system_create(NULL, &late_sys));
    if (!late_sys) return;
    CHECK_OK(actor_host_create(late_sys, &hd, &h));
    if (!h) return;
    d.fn = late_host_fn;
    d.flags = ACTOR_SPAWN_START;
    CHECK_OK(actor_spawn(h, &d, &id));
    while (!ld(&late_started)) harness_sleep_ms(1);
    CHECK_OK(actor_system_destroy(late_sys));
    CHECK(ld(&late_result) == ACTOR_ERR_SHUTDOWN || ld(&late_result) == ACTOR_OK);
    note("host_create during destroy: %s", actor_result_string((actor_result)ld(&late_result)));
}

/* actor.h bug: destroy's "not from inside the system" guard saw only the
   innermost system of the thread. A behaviour of A pumping a manual host
   of B runs B's actors on A's worker; one of them could destroy A and
   free the thread it runs on. */
static actor_system *outer_sys, *inner_sys;
static actor_host *inner_pump;
static int nested_result = 99, nested_done;
static void inner_fn(actor_context *self, const actor_msg *m) {
    (void)self;
    if (m->signal == ACTOR_START) __atomic_store_n(&nested_result, (int)actor_system_destroy(outer_sys), __ATOMIC_RELEASE);
}
static void outer_fn(actor_context *self, const actor_msg *m) {
    (void)self;
    if (m->signal != ACTOR_START) return;
    actor_host_run(inner_pump, 10);
    __atomic_store_n(&nested_done, 1, __ATOMIC_RELEASE);
}

TEST(destroy_refused_from_a_nested_pump) {
    actor_host_desc hd;
    actor_spawn_desc d;
    actor_host *h = NULL;
    actor_id a, b;
    memset(&hd, 0, sizeof hd);
    memset(&d, 0, sizeof d);
    CHECK_OK(actor_system_create(NULL, &outer_sys));
    CHECK_OK(actor_system_create(NULL, &inner_sys));
    if (!outer_sys || !inner_sys) return;
    hd.workers = 1;
    CHECK_OK(actor_host_create(outer_sys, &hd, &h));
    hd.workers = ACTOR_MANUAL;
    CHECK_OK(actor_host_create(inner_sys, &hd, &inner_pump));
    if (!h || !inner_pump) return;
    d.flags = ACTOR_SPAWN_START;
    d.fn = inner_fn;
    CHECK_OK(actor_spawn(inner_pump, &d, &b));
    d.fn = outer_fn;
    CHECK_OK(actor_spawn(h, &d, &a));
    while (!ld(&nested_done)) harness_sleep_ms(1);
    CHECK_RESULT((actor_result)ld(&nested_result), ACTOR_ERR_INVALID);
    CHECK_OK(actor_system_destroy(outer_sys));
    CHECK_OK(actor_system_destroy(inner_sys));
}

/* ========================================================================== */
/* the table, and one child process per test                                  */
/* ========================================================================== */

/* name, timeout (s) */
#define FAILURE_TESTS(X) \
    X(normal_exit_spares_linked_peers, 60) \
    X(abnormal_exit_kills_linked_peers, 60) \
    X(link_chain_cascades, 120) \
    X(star_children_die_with_parent, 60) \
    X(trapping_peer_gets_link_down_and_survives, 60) \
    X(monitor_error_codes, 60) \
    X(demonitor_before_exit_delivers_nothing, 60) \
    X(demonitor_races_exit, 120) \
    X(monitor_and_link_race_exit, 120) \
    X(link_error_codes_and_double_link, 60) \
    X(unlink_then_failure_survives, 60) \
    X(unlink_races_failure, 120) \
    X(spawn_link_monitor_before_child_runs, 60) \
    X(first_exit_reason_wins, 60) \
    X(first_exit_reason_wins_races, 120) \
    X(messages_before_exit_arrive_first, 60) \
    X(cancel_delivers_from_and_deadline, 60) \
    X(cancel_deadline_forces_exit, 60) \
    X(cancel_without_deadline_is_cooperative, 60) \
    X(cancel_deadline_outlives_canceller, 60) \
    X(terminate_idle_actor, 60) \
    X(terminate_mid_callback, 60) \
    X(attached_exit_reaches_watchers_before_detach, 60) \
    X(exit_reasons_travel_with_exit, 60) \
    X(on_exit_runs_once_before_signals, 60) \
    X(registry_basics, 60) \
    X(spawn_with_name, 60) \
    X(names_released_before_exit, 120) \
    X(registry_concurrent, 120) \
    X(link_monitor_memory_is_freed, 120) \
    X(target_frees_link_of_exited_peer, 60) \
    X(target_frees_monitor_of_exited_watcher, 60) \
    X(bad_input_error_codes, 60) \
    X(ended_attached_identity_rejects_peer_calls, 60) \
    X(demonitor_of_none_id, 60) \
    X(unlink_of_none_id, 60) \
    X(exit_reason_survives_concurrent_senders, 60) \
    X(host_create_undoes_a_partial_start, 60) \
    X(destroy_refuses_sends_from_state_destructors, 60) \
    X(destroy_while_a_behaviour_creates_a_host, 60) \
    X(destroy_refused_from_a_nested_pump, 60)

#define AS_CASE(name, seconds) T_TIMEOUT(name, seconds),
static const test_case inner_tests[] = { FAILURE_TESTS(AS_CASE) };

static const char *exe_path = "/proc/self/exe";

/* Runs `name` in a child process (this binary, --isolated NAME): a crash,
   a sanitizer report or a hang fails that test only. The child prints its
   own CHECK failures. */
static void run_isolated(const char *name, int timeout_s) {
    char *argv[4];
    pid_t pid;
    int status = 0;
    uint64_t t0 = actor_now_ns(), limit_ms = (uint64_t)(timeout_s * harness_env("TEST_TIMEOUT_SCALE", 1.0) * 900);
    argv[0] = (char *)exe_path;
    argv[1] = (char *)"--isolated";
    argv[2] = (char *)name;
    argv[3] = NULL;
    fflush(stdout);
    if (posix_spawn(&pid, exe_path, NULL, NULL, argv, environ) != 0) {
        FAILF("cannot start %s --isolated %s", exe_path, name);
        return;
    }
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (ms_since(t0) > limit_ms) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            FAILF("hung: killed after %llu ms", (unsigned long long)limit_ms);
            return;
        }
        harness_sleep_ms(2);
    }
    if (WIFSIGNALED(status)) FAILF("crashed: killed by signal %d", WTERMSIG(status));
    else if (WEXITSTATUS(status) == 1) __atomic_fetch_add(&harness__failures, 1, __ATOMIC_SEQ_CST); /* CHECKs printed */
    else if (WEXITSTATUS(status) != 0) FAILF("exit status %d (a sanitizer report?)", WEXITSTATUS(status));
}

static int run_inner(const char *name) {
    int i;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (i = 0; i < TEST_COUNT(inner_tests); ++i) {
        if (strcmp(inner_tests[i].name, name) != 0) continue;
        harness__current = name;
        inner_tests[i].fn();
        fflush(stdout);
        return __atomic_load_n(&harness__failures, __ATOMIC_SEQ_CST) ? 1 : 0;
    }
    printf("no test named %s\n", name);
    return 2;
}

#define AS_WRAPPER(name, seconds) static void name##_isolated(void) { run_isolated(#name, seconds); }
FAILURE_TESTS(AS_WRAPPER)
#define AS_ISOLATED_CASE(name, seconds) { #name, name##_isolated, seconds },
static const test_case isolated_tests[] = { FAILURE_TESTS(AS_ISOLATED_CASE) };

/* TEST_INPROCESS=1 runs every test in this process (for a debugger). */
int main(int argc, char **argv) {
    if (access(exe_path, X_OK) != 0) exe_path = argv[0];
    rng_state ^= (uint32_t)actor_now_ns() ^ (uint32_t)getpid() << 16;
    if (!rng_state) rng_state = 1;
    if (argc == 3 && !strcmp(argv[1], "--isolated")) return run_inner(argv[2]);
    if (getenv("TEST_INPROCESS")) return harness_main(argc, argv, inner_tests, TEST_COUNT(inner_tests));
    return harness_main(argc, argv, isolated_tests, TEST_COUNT(isolated_tests));
}
