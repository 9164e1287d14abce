/* lua-actor — runs an app: lua-actor [--workers N] [--timeout DURATION] APP_DIR
   Exit status: 0 every auto-started process ended normally, 1 otherwise,
   2 broken app (nothing ran), 3 --timeout passed, 130/143 SIGINT/SIGTERM. */
#define ACTOR_IMPLEMENTATION
#include "actor.h"
#define LUA_ACTOR_IMPLEMENTATION
#include "lua_actor.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if !defined(_WIN32)
#include <unistd.h>
#endif

static int usage(void) {
    fprintf(stderr, "usage: lua-actor [--workers N] [--timeout DURATION] APP_DIR\n");
    return 2;
}

#if !defined(_WIN32)
/* Signals are taken by one thread with sigwait (they are blocked in every
   other thread), which then asks the app to stop: no work in a handler.
   The app pointer is cleared under the lock before teardown, so a late
   signal never touches freed memory. A signal while the app still loads
   (nothing of it runs yet) ends the runner at once. */
static sigset_t watched;
static pthread_mutex_t app_lock = PTHREAD_MUTEX_INITIALIZER;
static lua_actor_app *running_app;
static int quitting, loaded;
static void *signal_thread(void *arg) {
    (void)arg;
    for (;;) {
        int sig = 0, done;
        if (sigwait(&watched, &sig) != 0) continue;
        pthread_mutex_lock(&app_lock);
        if (!loaded) {
            fprintf(stderr, "lua-actor: interrupted while loading the app\n");
            _exit(sig == SIGINT ? 130 : 143);
        }
        if (running_app) lua_actor_app_interrupt(running_app, sig);
        done = quitting;
        pthread_mutex_unlock(&app_lock);
        if (done) return NULL;
    }
}
#endif

int main(int argc, char **argv) {
    const char *dir = NULL;
    int workers = 0, i, status;
    int64_t timeout = -1;
    actor_system *sys;
    lua_actor_runtime *rt;
    lua_actor_desc d;
    lua_actor_app *app;
    char err[1024];
    for (i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--workers") && i + 1 < argc) {
            workers = atoi(argv[++i]);
            if (workers < 1 || workers > 1024) { fprintf(stderr, "lua-actor: --workers must be 1..1024\n"); return 2; }
        } else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
            double ms;
            const char *t = argv[++i];
            if (!la_parse_duration(t, strlen(t), &ms) || ms < 0) { fprintf(stderr, "lua-actor: bad --timeout '%s'\n", t); return 2; }
            timeout = (int64_t)ms;
        } else if (argv[i][0] == '-' || dir) {
            return usage();
        } else {
            dir = argv[i];
        }
    }
    if (!dir) return usage();
#if !defined(_WIN32)
    sigemptyset(&watched);
    sigaddset(&watched, SIGINT);
    sigaddset(&watched, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &watched, NULL); /* before any thread starts */
    pthread_t watcher;
    int watching = pthread_create(&watcher, NULL, signal_thread, NULL) == 0;
#endif
    if (actor_system_create(NULL, &sys) != ACTOR_OK) { fprintf(stderr, "lua-actor: out of memory\n"); return 2; }
    memset(&d, 0, sizeof d);
    d.system = sys;
    if (lua_actor_create(&d, &rt) != ACTOR_OK) { fprintf(stderr, "lua-actor: out of memory\n"); return 2; }
    if (lua_actor_app_load(rt, dir, workers, &app, err, sizeof err) != ACTOR_OK) {
        fprintf(stderr, "lua-actor: %s\n", err);
        actor_system_destroy(sys);
        lua_actor_destroy(rt);
        return 2;
    }
#if !defined(_WIN32)
    pthread_mutex_lock(&app_lock);
    running_app = app;
    loaded = 1;
    pthread_mutex_unlock(&app_lock);
#endif
    status = lua_actor_app_run(app, timeout);
#if !defined(_WIN32)
    pthread_mutex_lock(&app_lock);
    running_app = NULL;
    quitting = 1;
    pthread_mutex_unlock(&app_lock);
    if (watching) { /* wake the watcher so it can see `quitting`, then join it */
        pthread_kill(watcher, SIGTERM);
        pthread_join(watcher, NULL);
    }
#endif
    if (lua_actor_count(rt) > 0) { /* a worker is stuck in a C call: it cannot be joined */
        fflush(stdout);
        fflush(stderr);
        _exit(status);
    }
    actor_system_destroy(sys);
    lua_actor_app_free(app);
    lua_actor_destroy(rt);
    return status;
}
