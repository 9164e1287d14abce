/* supervisor.c — a one_for_one supervisor in C over crashing workers.

   The supervisor traps links and spawns its workers linked to it
   (ACTOR_SPAWN_LINK), so a crashing worker does not take it down: it gets
   ACTOR_LINK_DOWN with the crash reason instead. It then restarts that one
   worker (one_for_one) after a short delay (actor_after), and work goes on.
   Restarts are limited: at most `max_restarts` within `window_ms`; one more
   crash and the supervisor gives up and exits abnormally — its workers,
   being linked to it and not trapping, end with it.

   When every work item has been handled, the supervisor stops its workers
   gracefully: it monitors each one and sends it ACTOR_CANCEL with a
   deadline (actor_cancel); a worker that handles CANCEL exits normally, one
   that does not would be force-ended when the deadline passes.

   main() runs two scenarios. It watches the supervisor with a monitor, and
   the workers too (the supervisor tells it about each one as it starts),
   to show them ending with their supervisor in the second scenario:
     1. one bad work item: a crash, a restart, all other work done, stop;
     2. a crash storm: the restart limit is exceeded, the supervisor fails.

       make run      (or: make build/examples/supervisor && ./build/examples/supervisor)
*/
#define ACTOR_IMPLEMENTATION
#include "actor.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    TAG_WORK = 1, /* supervisor -> worker: a work_item */
    TAG_RESULT,   /* worker -> supervisor: a work_result */
    TAG_STARTED,  /* supervisor -> main: a worker_info, for main to watch */
    TAG_RESTART = 100 /* + worker slot: the restart timer of that slot */
};

#define MAX_WORKERS 8
#define MAX_TRACKED_RESTARTS 16 /* restart times remembered (>= max_restarts) */

typedef struct work_item { int index, value; } work_item;
typedef struct work_result { int index, value, result; } work_result;
typedef struct worker_info { int number; actor_id id; } worker_info;

/* One scenario: the supervisor's configuration and its work. */
typedef struct plan {
    const char *title;
    int workers;
    const int *items; /* a negative value is a bad item: the worker crashes */
    int nitems;
    int max_restarts;           /* at most this many restarts ... */
    uint64_t window_ms;         /* ... within this window */
    uint64_t restart_delay_ms;
    uint64_t work_ms;           /* simulated work; worker N takes N-1 x 10 ms more */
    int64_t stop_deadline_ms;   /* graceful stop: force-ended after this */
} plan;

/* What the supervisor reports when it ends normally (its exit data). */
typedef struct summary { int done, dropped, crashes, restarts; long total; } summary;

/* ---- trace output ---------------------------------------------------------- */

static uint64_t t_origin; /* set by main before each scenario starts */

static void trace(const char *who, const char *fmt, ...) {
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    printf("[%4llu ms] %-11s %s\n", (unsigned long long)((actor_now_ns() - t_origin) / 1000000u), who, line);
}

/* ---- worker ------------------------------------------------------------------- */

typedef struct worker {
    int generation;   /* 0 = first start, then +1 per restart */
    uint64_t work_ms;
    actor_id supervisor;
    work_item current;
    char name[24];    /* "worker N": N is the slot, kept across restarts */
} worker;

static void worker_finish(actor_context *self, worker *w) {
    work_result res;
    res.index = w->current.index;
    res.value = w->current.value;
    res.result = w->current.value * w->current.value;
    actor_send(self, w->supervisor, TAG_RESULT, &res, sizeof res);
}

static void worker_take(actor_context *self, worker *w, const actor_msg *m) {
    memcpy(&w->current, m->data, sizeof w->current);
    if (w->current.value < 0) {
        char why[96];
        actor_exit_reason r;
        snprintf(why, sizeof why, "cannot process item %d: bad value %d", w->current.index, w->current.value);
        memset(&r, 0, sizeof r);
        r.kind = ACTOR_EXIT_ERROR;
        r.code = 22;
        r.message = why; /* copied by actor_exit */
        trace(w->name, "item %d has a bad value (%d): crashing", w->current.index, w->current.value);
        actor_exit(self, &r);
        return;
    }
    trace(w->name, "processing item %d (value %d)", w->current.index, w->current.value);
    /* the work "takes" work_ms: the result is sent when the timer fires */
    if (actor_after(self, w->work_ms, 0, NULL) != ACTOR_OK) worker_finish(self, w);
}

static void worker_fn(actor_context *self, const actor_msg *m) {
    worker *w = (worker *)actor_state(self);
    switch (m->signal) {
    case ACTOR_START:
        if (w->generation == 0) trace(w->name, "started");
        else trace(w->name, "started again (restart #%d)", w->generation);
        break;
    case ACTOR_MESSAGE:
        if (m->tag == TAG_WORK) worker_take(self, w, m);
        break;
    case ACTOR_TIMER:
        worker_finish(self, w);
        break;
    case ACTOR_CANCEL: {
        long long left = m->deadline ? (long long)m->deadline - (long long)actor_wall_ms() : -1;
        trace(w->name, "cancelled (deadline in %lld ms): cleaning up, exiting normally", left);
        actor_exit(self, NULL);
        break;
    }
    default:
        break;
    }
}

/* ---- supervisor ------------------------------------------------------------------ */

typedef struct slot {
    actor_id id;     /* none while dead / waiting for its restart */
    int generation;
    int item;        /* index of the item in flight, -1 = idle */
} slot;

typedef struct supervisor {
    const plan *plan;
    actor_id main;
    slot slots[MAX_WORKERS];
    int next_item;
    summary sum;
    uint64_t restart_at[MAX_TRACKED_RESTARTS]; /* ring of recent restart times (ms) */
    int restart_pos, restart_count;
    int stopping, stop_waiting;
} supervisor;

static uint64_t now_ms(void) { return actor_now_ns() / 1000000u; }

static int slot_of(const supervisor *st, actor_id id) {
    int i;
    for (i = 0; i < st->plan->workers; ++i)
        if (actor_id_equal(st->slots[i].id, id)) return i;
    return -1;
}

/* Gives the slot's worker the next item, if any is left. */
static void dispatch(actor_context *self, supervisor *st, int i) {
    work_item item;
    st->slots[i].item = -1;
    if (st->next_item >= st->plan->nitems) return;
    item.index = st->next_item;
    item.value = st->plan->items[st->next_item];
    if (actor_send(self, st->slots[i].id, TAG_WORK, &item, sizeof item) == ACTOR_OK) {
        st->slots[i].item = st->next_item++;
    }
    /* else: the worker just died; its LINK_DOWN is on its way */
}

static int start_worker(actor_context *self, supervisor *st, int i) {
    worker *w = (worker *)malloc(sizeof *w);
    actor_spawn_desc d;
    worker_info info;
    if (!w) return 0;
    memset(w, 0, sizeof *w);
    w->generation = st->slots[i].generation;
    w->work_ms = st->plan->work_ms + 10u * (uint64_t)i;
    w->supervisor = actor_self(self);
    snprintf(w->name, sizeof w->name, "worker %d", i + 1);
    memset(&d, 0, sizeof d);
    d.fn = worker_fn;
    d.state = w;
    d.state_dtor = free;
    d.parent = self;
    d.flags = ACTOR_SPAWN_LINK | ACTOR_SPAWN_START; /* linked before it runs */
    if (actor_spawn(actor_host_of(self), &d, &st->slots[i].id) != ACTOR_OK) {
        free(w);
        return 0;
    }
    info.number = i + 1;
    info.id = st->slots[i].id;
    actor_send(self, st->main, TAG_STARTED, &info, sizeof info);
    dispatch(self, st, i);
    return 1;
}

/* Fails the supervisor: an abnormal exit, so its linked (non-trapping)
   workers end with it. */
static void give_up(actor_context *self, const char *why) {
    actor_exit_reason r;
    trace("supervisor", "giving up: %s", why);
    memset(&r, 0, sizeof r);
    r.kind = ACTOR_EXIT_ERROR;
    r.code = 1;
    r.message = why;
    actor_exit(self, &r);
}

static void finish(actor_context *self, supervisor *st) {
    actor_exit_reason r;
    trace("supervisor", "all workers stopped; exiting normally");
    memset(&r, 0, sizeof r);
    r.kind = ACTOR_EXIT_NORMAL;
    r.data = &st->sum; /* copied: main reads it from the EXIT */
    r.size = sizeof st->sum;
    actor_exit(self, &r);
}

/* Graceful stop: monitor each live worker (its normal exit does not
   travel over the link) and cancel it with a deadline. */
static void begin_stop(actor_context *self, supervisor *st) {
    int i;
    st->stopping = 1;
    trace("supervisor", "all %d items handled; stopping the workers (deadline %lld ms)", st->plan->nitems,
          (long long)st->plan->stop_deadline_ms);
    for (i = 0; i < st->plan->workers; ++i) {
        actor_id id = st->slots[i].id;
        if (actor_id_is_none(id) || actor_monitor(self, id) != ACTOR_OK) continue;
        if (actor_cancel(actor_system_of(self), actor_self(self), id, st->plan->stop_deadline_ms) == ACTOR_OK)
            st->stop_waiting++;
    }
    if (st->stop_waiting == 0) finish(self, st);
}

static void maybe_stop(actor_context *self, supervisor *st) {
    if (!st->stopping && st->sum.done + st->sum.dropped == st->plan->nitems) begin_stop(self, st);
}

/* Restart intensity: allows (and records) a restart unless max_restarts
   restarts already happened within the last window_ms. */
static int restart_allowed(supervisor *st) {
    uint64_t now = now_ms();
    int i, recent = 0;
    for (i = 0; i < st->restart_count; ++i)
        if (now - st->restart_at[i] < st->plan->window_ms) ++recent;
    if (recent >= st->plan->max_restarts) return 0;
    st->restart_at[st->restart_pos] = now;
    st->restart_pos = (st->restart_pos + 1) % MAX_TRACKED_RESTARTS;
    if (st->restart_count < MAX_TRACKED_RESTARTS) st->restart_count++;
    return 1;
}

static void on_link_down(actor_context *self, supervisor *st, const actor_msg *m) {
    int i = slot_of(st, m->from);
    if (i < 0 || st->stopping) return; /* while stopping, EXITs are what count */
    st->sum.crashes++;
    trace("supervisor", "worker %d crashed: %s (code %d)", i + 1, m->reason->message, m->reason->code);
    if (st->slots[i].item >= 0) {
        trace("supervisor", "item %d is dropped", st->slots[i].item);
        st->sum.dropped++;
    }
    st->slots[i].id = actor_id_make(0);
    st->slots[i].item = -1;
    if (!restart_allowed(st)) {
        char why[96];
        snprintf(why, sizeof why, "more than %d restart(s) within %llu ms", st->plan->max_restarts,
                 (unsigned long long)st->plan->window_ms);
        give_up(self, why);
        return;
    }
    trace("supervisor", "restarting worker %d in %llu ms", i + 1, (unsigned long long)st->plan->restart_delay_ms);
    actor_after(self, st->plan->restart_delay_ms, TAG_RESTART + (uint32_t)i, NULL);
    maybe_stop(self, st);
}

static void on_restart_timer(actor_context *self, supervisor *st, int i) {
    if (st->stopping) return; /* nothing left to do: stay down */
    st->slots[i].generation++;
    st->sum.restarts++;
    if (!start_worker(self, st, i)) give_up(self, "cannot spawn a worker");
}

static void on_result(actor_context *self, supervisor *st, const actor_msg *m) {
    int i = slot_of(st, m->from);
    work_result res;
    if (i < 0) return;
    memcpy(&res, m->data, sizeof res);
    trace("supervisor", "item %d done by worker %d: %d^2 = %d", res.index, i + 1, res.value, res.result);
    st->sum.done++;
    st->sum.total += res.result;
    dispatch(self, st, i);
    maybe_stop(self, st);
}

static void on_worker_exit(actor_context *self, supervisor *st, const actor_msg *m) {
    int i = slot_of(st, m->from);
    if (i < 0) return;
    trace("supervisor", "worker %d stopped (%s)", i + 1,
          m->reason->kind == ACTOR_EXIT_NORMAL ? "normal exit" : m->reason->message);
    st->slots[i].id = actor_id_make(0);
    if (--st->stop_waiting == 0) finish(self, st);
}

static void supervisor_fn(actor_context *self, const actor_msg *m) {
    supervisor *st = (supervisor *)actor_state(self);
    int i;
    switch (m->signal) {
    case ACTOR_START:
        actor_trap_links(self, 1); /* linked failures arrive as LINK_DOWN */
        st->main = m->from;
        trace("supervisor", "started: %d workers, one_for_one, at most %d restart(s) in %llu ms",
              st->plan->workers, st->plan->max_restarts, (unsigned long long)st->plan->window_ms);
        for (i = 0; i < st->plan->workers; ++i) {
            if (!start_worker(self, st, i)) { give_up(self, "cannot spawn a worker"); return; }
        }
        break;
    case ACTOR_MESSAGE:
        if (m->tag == TAG_RESULT) on_result(self, st, m);
        break;
    case ACTOR_LINK_DOWN:
        on_link_down(self, st, m);
        break;
    case ACTOR_TIMER:
        if (m->tag >= TAG_RESTART) on_restart_timer(self, st, (int)(m->tag - TAG_RESTART));
        break;
    case ACTOR_EXIT:
        on_worker_exit(self, st, m);
        break;
    default:
        break;
    }
}

/* ---- main: run a scenario and watch it ---------------------------------------------- */

#define MAX_WATCHED 64

typedef struct watch {
    actor_id supervisor;
    int supervisor_done, supervisor_ok;
    worker_info workers[MAX_WATCHED]; /* monitored, not yet ended */
    int nworkers;
} watch;

static void main_on_supervisor_exit(const actor_msg *m, watch *wt) {
    const actor_exit_reason *r = m->reason;
    wt->supervisor_done = 1;
    if (r->kind == ACTOR_EXIT_NORMAL && r->size == sizeof(summary)) {
        summary s;
        memcpy(&s, r->data, sizeof s);
        trace("main", "supervisor finished: %d items done, %d dropped, %d crash(es), %d restart(s), "
              "sum of results %ld", s.done, s.dropped, s.crashes, s.restarts, s.total);
        wt->supervisor_ok = 1;
    } else {
        trace("main", "supervisor failed: %s", r->message);
    }
}

static void main_on_worker_started(actor_context *me, const actor_msg *m, watch *wt) {
    worker_info info;
    memcpy(&info, m->data, sizeof info);
    /* NOT_FOUND: it has already ended (a crash on its first item) */
    if (wt->nworkers < MAX_WATCHED && actor_monitor(me, info.id) == ACTOR_OK) wt->workers[wt->nworkers++] = info;
}

/* Workers end normally (stop) or crash (the supervisor reports those);
   main reports the ones that died because their supervisor did. */
static void main_on_worker_exit(const actor_msg *m, watch *wt) {
    int i;
    for (i = 0; i < wt->nworkers; ++i) {
        if (!actor_id_equal(wt->workers[i].id, m->from)) continue;
        if (m->reason->kind == ACTOR_EXIT_LINKED)
            trace("main", "worker %d ended with its supervisor: %s", wt->workers[i].number, m->reason->message);
        wt->workers[i] = wt->workers[--wt->nworkers];
        return;
    }
}

/* Returns 1 when the supervisor ended the way `expect_ok` says. */
static int run_scenario(actor_host *host, actor_context *me, const plan *p, int expect_ok) {
    supervisor *st = (supervisor *)calloc(1, sizeof *st);
    actor_spawn_desc d;
    watch wt;
    if (!st || p->workers > MAX_WORKERS) { free(st); return 0; }
    memset(&wt, 0, sizeof wt);
    st->plan = p;
    printf("\n=== %s ===\n", p->title);
    t_origin = actor_now_ns();
    memset(&d, 0, sizeof d);
    d.fn = supervisor_fn;
    d.state = st;
    d.state_dtor = free;
    d.parent = me;
    d.flags = ACTOR_SPAWN_MONITOR | ACTOR_SPAWN_START; /* main watches, not linked */
    if (actor_spawn(host, &d, &wt.supervisor) != ACTOR_OK) { free(st); return 0; }
    while (!wt.supervisor_done || wt.nworkers > 0) {
        actor_msg m;
        if (actor_receive(me, &m, 10000) != ACTOR_OK) {
            trace("main", "no news for 10 s: giving up on this scenario");
            return 0;
        }
        if (m.signal == ACTOR_MESSAGE && m.tag == TAG_STARTED) main_on_worker_started(me, &m, &wt);
        else if (m.signal == ACTOR_EXIT && actor_id_equal(m.from, wt.supervisor)) main_on_supervisor_exit(&m, &wt);
        else if (m.signal == ACTOR_EXIT) main_on_worker_exit(&m, &wt);
    }
    return wt.supervisor_ok == expect_ok;
}

static const int good_items[] = { 4, 8, 15, 16, -23, 42, 7, 3, 11, 5 };
static const int storm_items[] = { 5, -1, 6, -2, 7, 8 };

int main(void) {
    plan one_bad = { "scenario 1: one bad item (crash, restart, graceful stop)",
                     3, good_items, (int)(sizeof good_items / sizeof good_items[0]),
                     3, 5000, 100, 40, 500 };
    plan storm = { "scenario 2: crash storm (restart limit exceeded)",
                   3, storm_items, (int)(sizeof storm_items / sizeof storm_items[0]),
                   1, 1000, 100, 30, 500 };
    actor_system *sys;
    actor_host *host;
    actor_context *me;
    int ok;
    setvbuf(stdout, NULL, _IOLBF, 0); /* trace lines come from several threads */
    if (actor_system_create(NULL, &sys) != ACTOR_OK) return 1;
    if (actor_host_create(sys, NULL, &host) != ACTOR_OK || actor_attach(sys, &me) != ACTOR_OK) {
        actor_system_destroy(sys);
        return 1;
    }
    ok = run_scenario(host, me, &one_bad, 1);
    ok = run_scenario(host, me, &storm, 0) && ok;
    actor_detach(me);
    actor_system_destroy(sys);
    printf("\n%s\n", ok ? "both scenarios behaved as expected" : "UNEXPECTED OUTCOME");
    return ok ? 0 : 1;
}
