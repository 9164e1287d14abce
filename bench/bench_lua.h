/* bench_lua.h — the lua.* workloads of `build/bench` (included by bench.c,
   after actor.h's and lua_actor.h's implementations).

   Each run starts a fresh system with one host "b:h" (a worker per CPU).
   A Lua driver process does the work and sends "mark" messages to the
   attached main thread, which timestamps them with the monotonic clock: the
   figure is the time between the first and the last mark. The driver's
   result value (e.g. skynet's sum) comes back in its EXIT. */
#ifndef BENCH_LUA_H
#define BENCH_LUA_H

static const char *const bl_defs[][2] = {
    { "b:pingpong",
      "return { main = function(main, n)\n"
      "  local pong = process.spawn('b:pong', 'b:h')\n"
      "  local inbox = process.inbox()\n"
      "  for i = 1, 100 do process.send(pong, 'ping', i); inbox:receive() end\n"
      "  process.send(main, 'mark')\n"
      "  for i = 1, n do process.send(pong, 'ping', i); inbox:receive() end\n"
      "  process.send(main, 'mark')\n"
      "  process.send(pong, 'stop')\n"
      "end }\n" },
    { "b:pong",
      "return { main = function()\n"
      "  local inbox = process.inbox()\n"
      "  while true do\n"
      "    local m = inbox:receive()\n"
      "    if m:topic() == 'stop' then return end\n"
      "    process.send(m:from(), 'pong', m:payload():data())\n"
      "  end\n"
      "end }\n" },
    { "b:ring",
      "return { main = function(main, nodes, hops)\n"
      "  local prev, pids = process.pid(), {}\n"
      "  for i = nodes - 1, 1, -1 do prev = process.spawn('b:node', 'b:h', prev); pids[i] = prev end\n"
      "  local inbox = process.inbox()\n"
      "  process.send(main, 'mark')\n"
      "  process.send(prev, 'token', hops)\n"
      "  while true do\n"
      "    local left = inbox:receive():payload():data()\n"
      "    if left <= 0 then break end\n"
      "    process.send(prev, 'token', left - 1)\n"
      "  end\n"
      "  process.send(main, 'mark')\n"
      "  for _, p in ipairs(pids) do process.send(p, 'stop') end\n"
      "end }\n" },
    { "b:node",
      "return { main = function(next)\n"
      "  local inbox = process.inbox()\n"
      "  while true do\n"
      "    local m = inbox:receive()\n"
      "    if m:topic() == 'stop' then return end\n"
      "    process.send(next, 'token', m:payload():data() - 1)\n"
      "  end\n"
      "end }\n" },
    { "b:fanin",
      "return { main = function(main, p, per)\n"
      "  local me, inbox = process.pid(), process.inbox()\n"
      "  process.send(main, 'mark')\n"
      "  for i = 1, p do process.spawn('b:producer', 'b:h', me, per) end\n"
      "  for i = 1, p * per do inbox:receive() end\n"
      "  process.send(main, 'mark')\n"
      "end }\n" },
    { "b:producer", "return { main = function(to, per) for i = 1, per do process.send(to, 'n', i) end end }\n" },
    { "b:spawn_exit",
      "return { main = function(main, n)\n"
      "  local ev = process.events()\n"
      "  local launched, done = 0, 0\n"
      "  process.send(main, 'mark')\n"
      "  while done < n do\n" /* at most 1000 alive at once: memory stays flat */
      "    while launched < n and launched - done < 1000 do\n"
      "      process.spawn_monitored('b:nop', 'b:h'); launched = launched + 1\n"
      "    end\n"
      "    ev:receive(); done = done + 1\n"
      "  end\n"
      "  process.send(main, 'mark')\n"
      "end }\n" },
    { "b:nop", "return { main = function() end }\n" },
    { "b:compute",
      "return { main = function(main, n)\n"
      "  local s = 0\n"
      "  process.send(main, 'mark')\n"
      "  for i = 1, n do s = s + i % 7 end\n"
      "  process.send(main, 'mark')\n"
      "  return s\n"
      "end }\n" },
    { "b:idle", "return { main = function(boss) process.send(boss, 'ready'); process.inbox():receive() end }\n" },
    { "b:spawn_idle", /* timed until every process has booted and blocks */
      "return { main = function(main, n)\n"
      "  local pids, me, inbox = {}, process.pid(), process.inbox()\n"
      "  process.send(main, 'mark')\n"
      "  for i = 1, n do pids[i] = process.spawn('b:idle', 'b:h', me) end\n"
      "  for i = 1, n do inbox:receive() end\n"
      "  process.send(main, 'mark')\n"
      "  process.inbox():receive()\n" /* main has measured memory */
      "  for i = 1, n do process.send(pids[i], 'stop') end\n"
      "end }\n" },
    { "b:skynet",
      "return { main = function(main, leaves)\n"
      "  process.send(main, 'mark')\n"
      "  local sum = process.exec('b:sky', 'b:h', 0, leaves)\n"
      "  process.send(main, 'mark')\n"
      "  return sum\n"
      "end }\n" },
    { "b:sky",
      "return { main = function(num, size)\n"
      "  if size == 1 then return num end\n"
      "  local ev, step, sum = process.events(), size // 10, 0\n"
      "  for i = 0, 9 do process.spawn_monitored('b:sky', 'b:h', num + i * step, step) end\n"
      "  for i = 1, 10 do sum = sum + ev:receive().result.value end\n"
      "  return sum\n"
      "end }\n" },
    { "b:link_chain",
      "return { main = function(main, n)\n"
      "  local ev, inbox = process.events(), process.inbox()\n"
      "  local head = process.spawn('b:link', 'b:h', process.pid(), n - 1)\n"
      "  local tail = inbox:receive():payload():data()\n"
      "  process.monitor(tail)\n"
      "  process.send(main, 'mark')\n"
      "  process.send(head, 'die')\n"
      "  ev:receive()\n"
      "  process.send(main, 'mark')\n"
      "end }\n" },
    { "b:link",
      "return { main = function(boss, left)\n"
      "  if left > 0 then process.spawn_linked('b:link', 'b:h', boss, left - 1)\n"
      "  else process.send(boss, 'tail', process.pid()) end\n"
      "  process.inbox():receive()\n"
      "  error('head dies')\n"
      "end }\n" },
};

typedef struct bl_run { uint64_t marks[2]; int nmarks; double value; int failed; } bl_run;
static lua_actor_runtime *bl_current_rt; /* the runtime of the run in progress */

static long bl_rss_bytes(void) {
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
        fclose(f);
    }
    return rss * 4096L;
}

static void bl_quiet_exit(const lua_actor_exit_info *info, void *user) { (void)info; (void)user; }

/* Runs driver `def` with (main pid, a, b) args; fills r. `between` runs
   after the second mark (spawn_idle measures memory there) and may tell the
   driver to go on by sending it "go". */
static void bl_run_driver(const char *def, long a, long b, int nargs, bl_run *r,
                          void (*between)(actor_context *me, actor_id driver, bl_run *r, void *ud), void *ud) {
    actor_system *sys;
    actor_host *host;
    actor_host_desc hd;
    lua_actor_runtime *rt;
    lua_actor_desc ld;
    actor_context *me;
    lua_State *L = luaL_newstate();
    actor_id driver;
    char err[512], pid[64];
    size_t i;
    memset(r, 0, sizeof *r);
    memset(&hd, 0, sizeof hd);
    memset(&ld, 0, sizeof ld);
    actor_system_create(NULL, &sys);
    hd.name = "b:h";
    actor_host_create(sys, &hd, &host);
    ld.system = sys;
    ld.on_exit = getenv("BENCH_VERBOSE") ? NULL : bl_quiet_exit;
    lua_actor_create(&ld, &rt);
    bl_current_rt = rt;
    actor_attach(sys, &me);
    for (i = 0; i < sizeof bl_defs / sizeof bl_defs[0]; ++i) {
        lua_actor_def_desc d;
        memset(&d, 0, sizeof d);
        d.id = bl_defs[i][0];
        d.source = bl_defs[i][1];
        if (lua_actor_define(rt, &d, err, sizeof err) != ACTOR_OK) { fprintf(stderr, "bench: %s\n", err); r->failed = 1; }
    }
    lua_actor_pid(actor_self(me), NULL, pid, sizeof pid);
    lua_pushstring(L, pid);
    if (nargs >= 2) lua_pushinteger(L, a);
    if (nargs >= 3) lua_pushinteger(L, b);
    if (!r->failed &&
        lua_actor_spawn(rt, def, "b:h", me, ACTOR_SPAWN_MONITOR, L, nargs, &driver, err, sizeof err) != ACTOR_OK) {
        fprintf(stderr, "bench: %s\n", err);
        r->failed = 1;
    }
    while (!r->failed) {
        actor_msg m;
        if (actor_receive(me, &m, 600000) != ACTOR_OK) { r->failed = 1; break; }
        if (m.signal == ACTOR_MESSAGE && r->nmarks < 2) {
            r->marks[r->nmarks++] = actor_now_ns();
            if (r->nmarks == 2 && between) between(me, driver, r, ud);
        } else if (m.signal == ACTOR_EXIT && actor_id_equal(m.from, driver)) {
            if (m.reason->kind != ACTOR_EXIT_NORMAL) {
                fprintf(stderr, "bench: driver failed: %s\n", m.reason->message);
                r->failed = 1;
            } else if (m.reason->size) { /* the driver's result: one encoded value */
                la_reader rd;
                rd.p = (const unsigned char *)m.reason->data;
                rd.end = rd.p + m.reason->size;
                rd.bad = 0;
                la_decode(L, &rd, 1);
                r->value = lua_tonumber(L, -1);
            }
            break;
        }
    }
    if (r->nmarks < 2) r->failed = 1;
    /* wait until every process has ended, so runs do not overlap */
    while (lua_actor_count(rt) > 0) {
        actor_msg m;
        if (actor_receive(me, &m, 10) == ACTOR_ERR_EXITED) break;
    }
    lua_close(L);
    actor_detach(me);
    actor_system_destroy(sys);
    lua_actor_destroy(rt);
}

static double bl_ns(const bl_run *r) { return (double)(r->marks[1] - r->marks[0]); }

typedef struct bl_mem { long before; long after; size_t heap; } bl_mem;
static void bl_measure_memory(actor_context *me, actor_id driver, bl_run *r, void *ud) {
    bl_mem *mem = (bl_mem *)ud;
    la_buf go = { NULL, 0, 0, 0 };
    (void)r;
    mem->after = bl_rss_bytes();
    mem->heap = lua_actor_memory(bl_current_rt);
    la_buf_str(&go, "go", 2); /* a Lua message: topic "go", no payload */
    la_buf_varint(&go, 0);
    actor_send(me, driver, LA_TAG_MSG, go.p, go.n);
    la_buf_free(&go);
}

/* Median of `runs` values of f. */
/* The same loop as b:compute in a bare lua_State, without and with a
   count hook like the one preemption would otherwise need (ns / iteration). */
static void bl_noop_hook(lua_State *L, lua_Debug *ar) { (void)L; (void)ar; }
static double bl_bare_compute(long n, int hooked) {
    lua_State *L = luaL_newstate();
    uint64_t t0, t;
    if (!L) return -1;
    if (hooked) lua_sethook(L, bl_noop_hook, LUA_MASKCOUNT, 1000);
    (void)luaL_loadstring(L, "local n = ... local s = 0 for i = 1, n do s = s + i % 7 end return s");
    lua_pushinteger(L, n);
    t0 = actor_now_ns();
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) { lua_close(L); return -1; }
    t = actor_now_ns() - t0;
    lua_close(L);
    return (double)t / (double)n;
}

static int bl_cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}
static double bl_median(double *v, int n) { qsort(v, (size_t)n, sizeof *v, bl_cmp); return v[n / 2]; }

/* lua.* entry point: returns 0 when the name is not a Lua workload. */
static int bench_lua(const char *name, int argc, char **argv) {
    double v[5];
    int runs, k;
    bl_run r;
    long a = argc > 0 ? atol(argv[0]) : 0, b = argc > 1 ? atol(argv[1]) : 0;
    if (!strcmp(name, "lua.pingpong")) {
        if (!a) a = 200000;
        runs = 3;
        for (k = 0; k < runs; ++k) { bl_run_driver("b:pingpong", a, 0, 2, &r, NULL, NULL); v[k] = r.failed ? -1 : bl_ns(&r) / a; }
        printf("lua.pingpong n=%ld ns_per_roundtrip=%.0f runs=%d\n", a, bl_median(v, runs), runs);
    } else if (!strcmp(name, "lua.ring")) {
        if (!a) a = 1000;
        if (!b) b = 1000000;
        runs = 3;
        for (k = 0; k < runs; ++k) { bl_run_driver("b:ring", a, b, 3, &r, NULL, NULL); v[k] = r.failed ? -1 : bl_ns(&r) / b; }
        printf("lua.ring nodes=%ld hops=%ld ns_per_hop=%.0f runs=%d\n", a, b, bl_median(v, runs), runs);
    } else if (!strcmp(name, "lua.fanin")) {
        if (!a) a = 100;
        if (!b) b = 10000;
        runs = 3;
        for (k = 0; k < runs; ++k) { bl_run_driver("b:fanin", a, b, 3, &r, NULL, NULL); v[k] = r.failed ? -1 : bl_ns(&r) / ((double)a * b); }
        printf("lua.fanin producers=%ld per=%ld ns_per_msg=%.0f runs=%d\n", a, b, bl_median(v, runs), runs);
    } else if (!strcmp(name, "lua.spawn_exit")) {
        if (!a) a = 100000;
        runs = 3;
        for (k = 0; k < runs; ++k) { bl_run_driver("b:spawn_exit", a, 0, 2, &r, NULL, NULL); v[k] = r.failed ? -1 : bl_ns(&r) / a; }
        printf("lua.spawn_exit n=%ld ns_per_process=%.0f runs=%d\n", a, bl_median(v, runs), runs);
    } else if (!strcmp(name, "lua.spawn_idle")) {
        /* heap: the Lua heap of every live process (exact, from the
           runtime's accounting); rss: the resident growth of the first run
           only (later runs reuse memory the C library kept) */
        bl_mem mem;
        double heap[5], rss = 0;
        if (!a) a = 10000;
        runs = 3;
        for (k = 0; k < runs; ++k) {
            memset(&mem, 0, sizeof mem);
            mem.before = bl_rss_bytes();
            bl_run_driver("b:spawn_idle", a, 0, 2, &r, bl_measure_memory, &mem);
            v[k] = r.failed ? -1 : bl_ns(&r) / a;
            heap[k] = (double)mem.heap / (double)(a + 1); /* + the driver */
            if (k == 0) rss = (double)(mem.after - mem.before) / (double)a;
        }
        printf("lua.spawn_idle n=%ld ns_per_spawn=%.0f lua_heap_per_process=%.0f rss_bytes_per_process=%.0f runs=%d\n", a,
               bl_median(v, runs), bl_median(heap, runs), rss, runs);
    } else if (!strcmp(name, "lua.skynet")) {
        double sum = 0;
        if (!a) a = 100000;
        runs = 3;
        for (k = 0; k < runs; ++k) { bl_run_driver("b:skynet", a, 0, 2, &r, NULL, NULL); v[k] = r.failed ? -1 : bl_ns(&r) / 1e6; sum = r.value; }
        printf("lua.skynet leaves=%ld ms=%.0f sum=%.0f ok=%d runs=%d\n", a, bl_median(v, runs), sum,
               sum == (double)a * (double)(a - 1) / 2, runs);
    } else if (!strcmp(name, "lua.compute")) {
        double bare[5], hooked[5];
        if (!a) a = 30000000;
        runs = 3;
        for (k = 0; k < runs; ++k) {
            bl_run_driver("b:compute", a, 0, 2, &r, NULL, NULL);
            v[k] = r.failed ? -1 : bl_ns(&r) / a;
            bare[k] = bl_bare_compute(a, 0);
            hooked[k] = bl_bare_compute(a, 1);
        }
        printf("lua.compute n=%ld ns_per_iteration=%.2f bare_lua=%.2f bare_lua_count_hook=%.2f runs=%d\n", a,
               bl_median(v, runs), bl_median(bare, runs), bl_median(hooked, runs), runs);
    } else if (!strcmp(name, "lua.link_chain")) {
        if (!a) a = 10000;
        runs = 3;
        for (k = 0; k < runs; ++k) { bl_run_driver("b:link_chain", a, 0, 2, &r, NULL, NULL); v[k] = r.failed ? -1 : bl_ns(&r) / a; }
        printf("lua.link_chain n=%ld ns_per_link=%.0f runs=%d\n", a, bl_median(v, runs), runs);
    } else {
        return 0;
    }
    fflush(stdout);
    return 1;
}

static const char *const bench_lua_all[][3] = {
    { "lua.pingpong", "200000", NULL }, { "lua.ring", "1000", "1000000" }, { "lua.fanin", "100", "10000" },
    { "lua.spawn_idle", "10000", NULL }, { "lua.spawn_exit", "100000", NULL }, { "lua.skynet", "100000", NULL },
    { "lua.link_chain", "10000", NULL }, { "lua.compute", "30000000", NULL },
};

#endif
