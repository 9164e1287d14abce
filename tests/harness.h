/* harness.h — the project's small test harness.

   A test file defines test functions, lists them in a table and calls
   harness_main:

       #include "harness.h"
       TEST(adds) { CHECK(1 + 1 == 2); CHECK_EQ(2 + 2, 4); }
       static const test_case tests[] = { T(adds), T_TIMEOUT(slow_one, 120) };
       int main(int argc, char **argv) { return harness_main(argc, argv, tests, TEST_COUNT(tests)); }

   - CHECK / CHECK_EQ / CHECK_OK are thread-safe: they may be used from
     worker threads (actor behaviours); a failure is recorded against the
     test that is running and printed with file:line.
   - A watchdog thread aborts the whole run, naming the test, when a test
     runs longer than its timeout (default 60 s, scaled by TEST_TIMEOUT_SCALE).
   - `--filter SUBSTRING` runs matching tests only; `--list` lists them.
   - TEST_SCALE (environment, default 1.0) scales iteration counts through
     scaled(n): sanitizer builds run the same tests with fewer iterations.
   - The last line is exactly "N passed, N failed"; the exit status is 1
     when any test failed. */
#ifndef HARNESS_H
#define HARNESS_H

#if !defined(_WIN32) && !defined(_GNU_SOURCE) && !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE 1
#endif
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct test_case { const char *name; void (*fn)(void); int timeout_s; } test_case;

#define TEST(name) static void name(void)
#define T(name) { #name, name, 60 }
#define T_TIMEOUT(name, seconds) { #name, name, seconds }
#define TEST_COUNT(table) ((int)(sizeof(table) / sizeof((table)[0])))

static int harness__failures; /* of the running test; atomic */
static pthread_mutex_t harness__print_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *harness__current;
static volatile uint64_t harness__deadline_ns; /* 0 = no test running */

static inline uint64_t harness_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void harness_fail(const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
#include <stdarg.h>
static void harness_fail(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    __atomic_fetch_add(&harness__failures, 1, __ATOMIC_SEQ_CST);
    pthread_mutex_lock(&harness__print_lock);
    fprintf(stdout, "  %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
    pthread_mutex_unlock(&harness__print_lock);
}

#define CHECK(cond) \
    do { if (!(cond)) harness_fail(__FILE__, __LINE__, "CHECK(%s) failed", #cond); } while (0)
#define CHECK_EQ(a, b) \
    do { long long harness_a_ = (long long)(a), harness_b_ = (long long)(b); \
         if (harness_a_ != harness_b_) \
             harness_fail(__FILE__, __LINE__, "CHECK_EQ(%s, %s): %lld != %lld", #a, #b, harness_a_, harness_b_); \
    } while (0)
/* For actor_result-returning calls: prints the result's name. */
#define CHECK_RESULT(expr, expected) \
    do { int harness_r_ = (int)(expr), harness_e_ = (int)(expected); \
         if (harness_r_ != harness_e_) \
             harness_fail(__FILE__, __LINE__, "%s returned %d, expected %d", #expr, harness_r_, harness_e_); \
    } while (0)
#define CHECK_OK(expr) CHECK_RESULT(expr, 0)

static inline double harness_env(const char *name, double fallback) {
    const char *v = getenv(name);
    double d = v ? atof(v) : 0.0;
    return d > 0.0 ? d : fallback;
}

/* n scaled by TEST_SCALE, at least 1. */
static inline long scaled(long n) {
    double d = (double)n * harness_env("TEST_SCALE", 1.0);
    return d < 1.0 ? 1 : (long)d;
}

static inline void harness_sleep_ms(int ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

static void *harness__watchdog(void *arg) {
    (void)arg;
    for (;;) {
        uint64_t d = __atomic_load_n(&harness__deadline_ns, __ATOMIC_SEQ_CST);
        if (d && harness_now_ns() > d) {
            fprintf(stdout, "TIMEOUT: test '%s' hung; aborting the run\n", harness__current);
            fprintf(stdout, "0 passed, 1 failed\n");
            fflush(stdout);
            _exit(1);
        }
        harness_sleep_ms(100);
    }
    return NULL;
}

static int harness_main(int argc, char **argv, const test_case *tests, int count) {
    const char *filter = NULL;
    int i, passed = 0, failed = 0;
    pthread_t dog;
    double tscale = harness_env("TEST_TIMEOUT_SCALE", 1.0);
    for (i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--filter") && i + 1 < argc) filter = argv[++i];
        else if (!strcmp(argv[i], "--list")) {
            int k;
            for (k = 0; k < count; ++k) printf("%s\n", tests[k].name);
            return 0;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_create(&dog, NULL, harness__watchdog, NULL);
    pthread_detach(dog);
    for (i = 0; i < count; ++i) {
        uint64_t t0;
        int f;
        if (filter && !strstr(tests[i].name, filter)) continue;
        harness__current = tests[i].name;
        __atomic_store_n(&harness__failures, 0, __ATOMIC_SEQ_CST);
        t0 = harness_now_ns();
        __atomic_store_n(&harness__deadline_ns, t0 + (uint64_t)(tests[i].timeout_s * tscale * 1e9), __ATOMIC_SEQ_CST);
        tests[i].fn();
        __atomic_store_n(&harness__deadline_ns, 0, __ATOMIC_SEQ_CST);
        f = __atomic_load_n(&harness__failures, __ATOMIC_SEQ_CST);
        printf("%s %s (%.0f ms)\n", f ? "FAIL" : "ok  ", tests[i].name, (double)(harness_now_ns() - t0) / 1e6);
        if (f) ++failed; else ++passed;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

#endif
