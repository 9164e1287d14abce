/* game_loop.c — actors pumped from a game's main loop.

   A host created with workers = ACTOR_MANUAL has no threads. The program
   pumps it with actor_host_run(host, budget) from its own loop — here a
   fixed-step 60 frames/s "game loop" — and every behaviour and every timer
   runs right there, on the main thread. So actors may update the game
   world directly, without locks: the world belongs to the main thread.

   Actors:
     ball A, ball B  move and bounce in a box; the loop sends each a TICK
                     with the frame time every frame (actor_system_send)
     spawner         every 250 ms (actor_after) spawns a spark
     spark           lives 400 ms (its own timer), then exits

   After 1.5 s the loop cancels the balls and the spawner (actor_cancel);
   the sparks still alive fade on their own timers. The loop keeps pumping
   frames until no actor is left, then the program ends.

       make build/examples/game_loop && ./build/examples/game_loop
*/
#define ACTOR_IMPLEMENTATION
#include "actor.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define FPS 60
#define PLAY_FRAMES 90      /* 1.5 s of play, then wind down */
#define MAX_FRAMES 400      /* safety net: the program must end by itself */
#define FRAME_BUDGET 256    /* actor turns per frame at most */
#define SPARK_EVERY_MS 250
#define SPARK_LIFE_MS 400
#define BOX_W 20.0
#define BOX_H 10.0

enum { TAG_TICK = 1, TAG_SPAWN };

typedef struct ball { const char *name; double x, y, vx, vy; int bounces; } ball;

/* The game world: owned by the main thread, where all actors run. */
typedef struct world {
    int frame;
    ball balls[2];
    int sparks_alive, sparks_total;
} world;

/* ---- ball ------------------------------------------------------------------------ */

static void bounce(double *pos, double *vel, double limit, int *bounces) {
    if (*pos < 0) { *pos = -*pos; *vel = -*vel; ++*bounces; }
    if (*pos > limit) { *pos = 2 * limit - *pos; *vel = -*vel; ++*bounces; }
}

static void ball_fn(actor_context *self, const actor_msg *m) {
    ball *b = (ball *)actor_state(self);
    if (m->signal == ACTOR_MESSAGE && m->tag == TAG_TICK) {
        double dt;
        memcpy(&dt, m->data, sizeof dt);
        b->x += b->vx * dt;
        b->y += b->vy * dt;
        bounce(&b->x, &b->vx, BOX_W, &b->bounces);
        bounce(&b->y, &b->vy, BOX_H, &b->bounces);
    } else if (m->signal == ACTOR_CANCEL) {
        printf("          %s: cancelled after %d bounces\n", b->name, b->bounces);
        actor_exit(self, NULL);
    }
}

/* ---- sparks and their spawner ------------------------------------------------------ */

static void spark_fn(actor_context *self, const actor_msg *m) {
    world *w = (world *)actor_state(self);
    if (m->signal == ACTOR_START) {
        int number;
        memcpy(&number, m->data, sizeof number);
        w->sparks_alive++;
        printf("frame %3d spark %d appears\n", w->frame, number);
        /* our only timer: its tag carries our number back to us */
        if (actor_after(self, SPARK_LIFE_MS, (uint32_t)number, NULL) != ACTOR_OK) actor_exit(self, NULL);
    } else if (m->signal == ACTOR_TIMER) {
        w->sparks_alive--;
        printf("frame %3d spark %u fades (%d left)\n", w->frame, (unsigned)m->tag, w->sparks_alive);
        actor_exit(self, NULL);
    }
}

typedef struct spawner { world *w; actor_timer timer; } spawner;

static void spawner_arm(actor_context *self, spawner *sp) {
    if (actor_after(self, SPARK_EVERY_MS, TAG_SPAWN, &sp->timer) != ACTOR_OK) actor_exit(self, NULL);
}

static void spawner_fn(actor_context *self, const actor_msg *m) {
    spawner *sp = (spawner *)actor_state(self);
    if (m->signal == ACTOR_START) {
        spawner_arm(self, sp);
    } else if (m->signal == ACTOR_TIMER && m->tag == TAG_SPAWN) {
        actor_spawn_desc d;
        int number = ++sp->w->sparks_total;
        memset(&d, 0, sizeof d);
        d.fn = spark_fn;
        d.state = sp->w;
        d.flags = ACTOR_SPAWN_START;
        d.start_data = &number;
        d.start_size = sizeof number;
        actor_spawn(actor_host_of(self), &d, NULL); /* same manual host */
        spawner_arm(self, sp);
    } else if (m->signal == ACTOR_CANCEL) {
        actor_cancel_timer(self, sp->timer); /* also vanishes with us; explicit is clearer */
        printf("          spawner: cancelled after %d sparks\n", sp->w->sparks_total);
        actor_exit(self, NULL);
    }
}

/* ---- the game loop ------------------------------------------------------------------ */

static void sleep_until(uint64_t t_ns) {
    uint64_t now = actor_now_ns();
    struct timespec ts;
    if (now >= t_ns) return;
    ts.tv_sec = (time_t)((t_ns - now) / 1000000000u);
    ts.tv_nsec = (long)((t_ns - now) % 1000000000u);
    nanosleep(&ts, NULL);
}

static uint64_t live_actors(actor_system *sys) {
    actor_stats st;
    actor_system_stats(sys, &st);
    return st.actors_live;
}

static void render(const world *w, int turns) {
    printf("frame %3d ball A (%5.2f, %5.2f)  ball B (%5.2f, %5.2f)  sparks %d  [%d actor turns]\n", w->frame,
           w->balls[0].x, w->balls[0].y, w->balls[1].x, w->balls[1].y, w->sparks_alive, turns);
}

static actor_result spawn_on(actor_host *host, actor_fn fn, void *state, unsigned flags, actor_id *out) {
    actor_spawn_desc d;
    memset(&d, 0, sizeof d);
    d.fn = fn;
    d.state = state;
    d.flags = flags;
    return actor_spawn(host, &d, out);
}

/* Runs frames until every actor has ended; 0 if that never happens. */
static int game_loop(actor_system *sys, actor_host *host, world *w, const actor_id *ids, int nids) {
    const double dt = 1.0 / FPS;
    uint64_t next = actor_now_ns();
    int i, turns;
    for (w->frame = 1; w->frame <= MAX_FRAMES; ++w->frame) {
        if (w->frame <= PLAY_FRAMES) /* input/physics step: one TICK per ball */
            for (i = 0; i < 2; ++i) actor_system_send(sys, ids[i], TAG_TICK, &dt, sizeof dt);
        if (w->frame == PLAY_FRAMES + 1) {
            printf("frame %3d time is up: cancelling the balls and the spawner\n", w->frame);
            for (i = 0; i < nids; ++i) actor_cancel(sys, actor_id_make(0), ids[i], ACTOR_NO_DEADLINE);
        }
        turns = actor_host_run(host, FRAME_BUDGET); /* behaviours and due timers run here */
        if (w->frame % 20 == 0) render(w, turns);
        if (w->frame > PLAY_FRAMES && live_actors(sys) == 0) {
            printf("frame %3d no actor left: leaving the loop\n", w->frame);
            return 1;
        }
        next += 1000000000u / FPS;
        sleep_until(next);
    }
    return 0;
}

int main(void) {
    actor_system *sys;
    actor_host *host;
    actor_host_desc hd;
    actor_id ids[3];
    world w;
    spawner sp;
    int ok;
    memset(&w, 0, sizeof w);
    w.balls[0].name = "ball A"; w.balls[0].x = 2; w.balls[0].y = 3; w.balls[0].vx = 11; w.balls[0].vy = 8;
    w.balls[1].name = "ball B"; w.balls[1].x = 15; w.balls[1].y = 8; w.balls[1].vx = -9; w.balls[1].vy = 7;
    sp.w = &w;
    memset(&hd, 0, sizeof hd);
    hd.name = "game";
    hd.workers = ACTOR_MANUAL; /* no threads: the loop below runs everything */
    if (actor_system_create(NULL, &sys) != ACTOR_OK) return 1;
    if (actor_host_create(sys, &hd, &host) != ACTOR_OK ||
        spawn_on(host, ball_fn, &w.balls[0], 0, &ids[0]) != ACTOR_OK ||
        spawn_on(host, ball_fn, &w.balls[1], 0, &ids[1]) != ACTOR_OK ||
        spawn_on(host, spawner_fn, &sp, ACTOR_SPAWN_START, &ids[2]) != ACTOR_OK) {
        actor_system_destroy(sys);
        return 1;
    }
    printf("game loop: %d fps, host \"%s\" has no threads (workers = ACTOR_MANUAL)\n", FPS, actor_host_name(host));
    ok = game_loop(sys, host, &w, ids, 3);
    actor_system_destroy(sys);
    printf("%s after %d frames, %d sparks in all\n", ok ? "done" : "ACTORS DID NOT END", w.frame, w.sparks_total);
    return ok ? 0 : 1;
}
