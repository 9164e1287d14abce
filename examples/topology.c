/* topology.c — how failures travel through links: a chain and a star.

   CHAIN  A - B - C - D - E
       Each node spawns the next one linked to itself (ACTOR_SPAWN_LINK).
       main monitors every node. When the root fails, the failure cascades
       down the links: every other node ends with ACTOR_EXIT_LINKED
       ("linked process failed"), one after the other.

   STAR   a parent with four children that link to it (actor_link)
       Three children are plain: when the parent fails they die with it.
       The fourth traps links: it receives ACTOR_LINK_DOWN with the parent's
       reason instead, survives, and then exits normally with a result.

   main() watches everything through monitors (ACTOR_EXIT with the exit
   reason) and prints, for each actor, how it ended.

       make build/examples/topology && ./build/examples/topology
*/
#define ACTOR_IMPLEMENTATION
#include "actor.h"

#include <stdio.h>
#include <string.h>

enum {
    TAG_UP = 1, /* node/child -> main: {index, id}, "I exist, watch me" */
    TAG_READY,  /* star parent -> main: every child is linked */
    TAG_FAIL,   /* main -> root/parent: fail now */
    TAG_LINKED  /* star child -> parent: link established */
};

#define CHAIN_LENGTH 5
#define STAR_CHILDREN 4
#define WAIT_MS 5000

typedef struct hello { int index; actor_id id; } hello;

static void fail_with(actor_context *self, const char *why) {
    actor_exit_reason r;
    memset(&r, 0, sizeof r);
    r.kind = ACTOR_EXIT_ERROR;
    r.message = why;
    actor_exit(self, &r);
}

static void say_up(actor_context *self, actor_id main_id, int index) {
    hello h;
    h.index = index;
    h.id = actor_self(self);
    actor_send(self, main_id, TAG_UP, &h, sizeof h);
}

/* ---- chain --------------------------------------------------------------------- */

typedef struct chain_args { int depth; actor_id main; } chain_args;

/* START: spawn the next node linked to us, then tell main we exist.
   Only the root acts on FAIL; the others just wait to be taken down. */
static void chain_node(actor_context *self, const actor_msg *m) {
    if (m->signal == ACTOR_START) {
        chain_args a;
        memcpy(&a, m->data, sizeof a);
        if (a.depth + 1 < CHAIN_LENGTH) {
            chain_args next = a;
            actor_spawn_desc d;
            next.depth = a.depth + 1;
            memset(&d, 0, sizeof d);
            d.fn = chain_node;
            d.parent = self;
            d.flags = ACTOR_SPAWN_LINK | ACTOR_SPAWN_START;
            d.start_data = &next;
            d.start_size = sizeof next;
            if (actor_spawn(actor_host_of(self), &d, NULL) != ACTOR_OK) fail_with(self, "spawn failed");
        }
        say_up(self, a.main, a.depth);
    } else if (m->signal == ACTOR_MESSAGE && m->tag == TAG_FAIL) {
        fail_with(self, "CHAIN_ROOT_FAILURE");
    }
}

/* ---- star ------------------------------------------------------------------------ */

typedef struct child_args { int index, traps; actor_id main; } child_args;
typedef struct star_parent { int linked; actor_id main; } star_parent;

/* A child links itself to its parent (the sender of its START). */
static void star_child(actor_context *self, const actor_msg *m) {
    static const char result[] = "parent_died";
    if (m->signal == ACTOR_START) {
        child_args a;
        memcpy(&a, m->data, sizeof a);
        if (a.traps) actor_trap_links(self, 1);
        if (actor_link(self, m->from) != ACTOR_OK) fail_with(self, "link failed");
        say_up(self, a.main, a.index);
        actor_send(self, m->from, TAG_LINKED, NULL, 0);
    } else if (m->signal == ACTOR_LINK_DOWN) { /* only a trapping child gets here */
        actor_exit_reason r;
        printf("  trapping child: LINK_DOWN from the parent (%s): still alive, exiting normally\n",
               m->reason->message);
        memset(&r, 0, sizeof r);
        r.kind = ACTOR_EXIT_NORMAL;
        r.data = result;
        r.size = sizeof result;
        actor_exit(self, &r);
    }
}

static void star_spawn_children(actor_context *self, star_parent *st) {
    actor_spawn_desc d;
    child_args a;
    int i;
    memset(&d, 0, sizeof d);
    d.fn = star_child;
    d.parent = self; /* no flags: the children link to us themselves */
    d.flags = ACTOR_SPAWN_START;
    d.start_data = &a;
    d.start_size = sizeof a;
    a.main = st->main;
    for (i = 0; i < STAR_CHILDREN; ++i) {
        a.index = i + 1;
        a.traps = i == STAR_CHILDREN - 1;
        if (actor_spawn(actor_host_of(self), &d, NULL) != ACTOR_OK) fail_with(self, "spawn failed");
    }
}

static void star_parent_fn(actor_context *self, const actor_msg *m) {
    star_parent *st = (star_parent *)actor_state(self);
    if (m->signal == ACTOR_START) {
        st->main = m->from;
        say_up(self, st->main, 0);
        star_spawn_children(self, st);
    } else if (m->signal == ACTOR_MESSAGE && m->tag == TAG_LINKED) {
        if (++st->linked == STAR_CHILDREN) actor_send(self, st->main, TAG_READY, NULL, 0);
    } else if (m->signal == ACTOR_MESSAGE && m->tag == TAG_FAIL) {
        fail_with(self, "PARENT_STAR_FAILURE");
    }
}

/* ---- main: watch and report -------------------------------------------------------- */

typedef struct watched {
    actor_id id;
    actor_exit_kind kind;
    char message[64]; /* copied: the reason is only valid until the next receive */
    char result[32];
} watched;

static const char *kind_name(actor_exit_kind k) {
    switch (k) {
    case ACTOR_EXIT_NORMAL: return "normal";
    case ACTOR_EXIT_ERROR: return "error";
    case ACTOR_EXIT_TERMINATED: return "terminated";
    case ACTOR_EXIT_DEADLINE: return "deadline";
    case ACTOR_EXIT_LINKED: return "linked";
    }
    return "?";
}

static int receive(actor_context *me, actor_msg *m) {
    actor_result r = actor_receive(me, m, WAIT_MS);
    if (r != ACTOR_OK) printf("  main: receive failed: %s\n", actor_result_string(r));
    return r == ACTOR_OK;
}

/* TAG_UP: start watching that actor. */
static int watch_up(actor_context *me, const actor_msg *m, watched *w, int n) {
    hello h;
    memcpy(&h, m->data, sizeof h);
    if (h.index < 0 || h.index >= n || actor_monitor(me, h.id) != ACTOR_OK) return 0;
    w[h.index].id = h.id;
    return 1;
}

static void record_exit(const actor_msg *m, watched *w, int n) {
    int i;
    for (i = 0; i < n; ++i) {
        const actor_exit_reason *r = m->reason;
        if (!actor_id_equal(w[i].id, m->from)) continue;
        w[i].kind = r->kind;
        snprintf(w[i].message, sizeof w[i].message, "%s", r->message);
        snprintf(w[i].result, sizeof w[i].result, "%.*s", (int)r->size, r->data ? (const char *)r->data : "");
    }
}

/* Collects the EXIT of all n watched actors (other messages are ignored). */
static int await_exits(actor_context *me, watched *w, int n) {
    int left = n;
    while (left > 0) {
        actor_msg m;
        if (!receive(me, &m)) return 0;
        if (m.signal == ACTOR_EXIT) { record_exit(&m, w, n); --left; }
    }
    return 1;
}

/* One line per actor: the kind of exit, then its message or result. */
static void print_exit(const char *name, const watched *w) {
    if (w->kind == ACTOR_EXIT_NORMAL) printf("  %-16s %-7s result \"%s\"\n", name, kind_name(w->kind), w->result);
    else printf("  %-16s %-7s \"%s\"\n", name, kind_name(w->kind), w->message);
}

static int run_chain(actor_host *host, actor_context *me) {
    static const char *names[CHAIN_LENGTH] = { "A (root)", "B", "C", "D", "E" };
    watched w[CHAIN_LENGTH];
    chain_args a;
    actor_spawn_desc d;
    actor_msg m;
    int i, up = 0, ok = 1;
    memset(w, 0, sizeof w);
    printf("chain: A - B - C - D - E, each linked to the next; main monitors all of them\n");
    a.depth = 0;
    a.main = actor_self(me);
    memset(&d, 0, sizeof d);
    d.fn = chain_node;
    d.parent = me; /* the root's START comes from main; main is not linked */
    d.flags = ACTOR_SPAWN_START;
    d.start_data = &a;
    d.start_size = sizeof a;
    if (actor_spawn(host, &d, NULL) != ACTOR_OK) return 0;
    while (up < CHAIN_LENGTH) {
        if (!receive(me, &m)) return 0;
        if (m.signal == ACTOR_MESSAGE && m.tag == TAG_UP) up += watch_up(me, &m, w, CHAIN_LENGTH);
    }
    printf("  all %d nodes up; the root fails now. How each one ended:\n", CHAIN_LENGTH);
    actor_send(me, w[0].id, TAG_FAIL, NULL, 0);
    if (!await_exits(me, w, CHAIN_LENGTH)) return 0;
    for (i = 0; i < CHAIN_LENGTH; ++i) {
        print_exit(names[i], &w[i]);
        ok &= w[i].kind == (i == 0 ? ACTOR_EXIT_ERROR : ACTOR_EXIT_LINKED);
    }
    return ok;
}

static int run_star(actor_host *host, actor_context *me) {
    static const char *names[1 + STAR_CHILDREN] = { "parent", "child 1", "child 2", "child 3", "child 4 (traps)" };
    watched w[1 + STAR_CHILDREN];
    star_parent st;
    actor_spawn_desc d;
    actor_msg m;
    int i, up = 0, ok = 1;
    memset(w, 0, sizeof w);
    memset(&st, 0, sizeof st);
    printf("\nstar: a parent and %d children linked to it; child 4 traps links\n", STAR_CHILDREN);
    memset(&d, 0, sizeof d);
    d.fn = star_parent_fn;
    d.state = &st; /* main outlives it: it waits for its EXIT below */
    d.parent = me;
    d.flags = ACTOR_SPAWN_START;
    if (actor_spawn(host, &d, NULL) != ACTOR_OK) return 0;
    for (;;) { /* every child says UP before the parent says READY */
        if (!receive(me, &m)) return 0;
        if (m.signal == ACTOR_MESSAGE && m.tag == TAG_UP) up += watch_up(me, &m, w, 1 + STAR_CHILDREN);
        if (m.signal == ACTOR_MESSAGE && m.tag == TAG_READY) break;
    }
    if (up != 1 + STAR_CHILDREN) return 0;
    printf("  all children linked; the parent fails now\n");
    actor_send(me, w[0].id, TAG_FAIL, NULL, 0);
    if (!await_exits(me, w, 1 + STAR_CHILDREN)) return 0;
    printf("  how each one ended:\n");
    for (i = 0; i <= STAR_CHILDREN; ++i) {
        print_exit(names[i], &w[i]);
        ok &= w[i].kind == (i == 0 ? ACTOR_EXIT_ERROR : i == STAR_CHILDREN ? ACTOR_EXIT_NORMAL : ACTOR_EXIT_LINKED);
    }
    return ok;
}

int main(void) {
    actor_system *sys;
    actor_host *host;
    actor_context *me;
    int ok;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (actor_system_create(NULL, &sys) != ACTOR_OK) return 1;
    if (actor_host_create(sys, NULL, &host) != ACTOR_OK || actor_attach(sys, &me) != ACTOR_OK) {
        actor_system_destroy(sys);
        return 1;
    }
    ok = run_chain(host, me);
    ok = run_star(host, me) && ok;
    actor_detach(me);
    actor_system_destroy(sys);
    printf("\n%s\n", ok ? "every actor ended as expected" : "UNEXPECTED OUTCOME");
    return ok ? 0 : 1;
}
