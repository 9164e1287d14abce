# actor.h / lua_actor.h — build, test, benchmark.
#   make          build everything into build/
#   make run      run the main demo
#   make test     the whole suite (unit, sanitizers, compile tests); last line "N passed, N failed"
#   make bench    every benchmark, one line each
#   make sanitize ASan+UBSan and TSan builds of the unit tests, run

CC      ?= cc
CLANG   ?= clang
OPT     ?= -O2 -g
WARN    := -Wall -Wextra -Wpedantic
CFLAGS  := -std=c99 $(OPT) $(WARN) -I.
LDLIBS  := -lpthread -lm
B       := build

LUA_CFLAGS  ?= $(shell pkg-config --cflags lua5.4 2>/dev/null || echo -I/usr/include/lua5.4)
LUA_LIBS    ?= $(shell pkg-config --libs lua5.4 2>/dev/null || echo -llua5.4)
HDRS        := actor.h lua_actor.h tests/harness.h
TEST_SRCS   := $(wildcard tests/test_*.c)
TESTS       := $(patsubst tests/%.c,$(B)/%,$(TEST_SRCS))
ASAN_TESTS  := $(patsubst tests/%.c,$(B)/asan/%,$(TEST_SRCS))
TSAN_TESTS  := $(patsubst tests/%.c,$(B)/tsan/%,$(TEST_SRCS))
EX_SRCS     := $(wildcard examples/*.c)
EXAMPLES    := $(patsubst examples/%.c,$(B)/examples/%,$(EX_SRCS))

# test_failure makes thread creation fail on demand (__wrap_pthread_create)
LINK_test_failure := -Wl,--wrap=pthread_create

ASAN_FLAGS  := -std=c99 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined -I.
TSAN_FLAGS  := -std=c99 -O1 -g -fsanitize=thread -I.

.PHONY: all run test sanitize bench clean
all: $(TESTS) $(EXAMPLES) $(B)/bench $(B)/lua-actor

$(B)/%: tests/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LUA_CFLAGS) $< -o $@ $(LUA_LIBS) $(LDLIBS) $(LINK_$*)

$(B)/asan/%: tests/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_FLAGS) $(LUA_CFLAGS) $< -o $@ $(LUA_LIBS) $(LDLIBS) $(LINK_$*)

$(B)/tsan/%: tests/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) $(TSAN_FLAGS) $(LUA_CFLAGS) $< -o $@ $(LUA_LIBS) $(LDLIBS) $(LINK_$*)

$(B)/lua-actor: tools/lua-actor.c actor.h lua_actor.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LUA_CFLAGS) $< -o $@ $(LUA_LIBS) $(LDLIBS)

# The runner under sanitizers, for the conformance suite
$(B)/asan/lua-actor: tools/lua-actor.c actor.h lua_actor.h
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_FLAGS) $(LUA_CFLAGS) $< -o $@ $(LUA_LIBS) $(LDLIBS)

$(B)/tsan/lua-actor: tools/lua-actor.c actor.h lua_actor.h
	@mkdir -p $(dir $@)
	$(CLANG) $(TSAN_FLAGS) $(LUA_CFLAGS) $< -o $@ $(LUA_LIBS) $(LDLIBS)

$(B)/examples/%: examples/%.c actor.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)

$(B)/bench: bench/bench.c bench/bench_lua.h actor.h lua_actor.h
	@mkdir -p $(dir $@)
	$(CC) -std=c99 -O2 -g $(WARN) -DNDEBUG -I. $(LUA_CFLAGS) $< -o $@ $(LUA_LIBS) $(LDLIBS)

run: $(B)/lua-actor
	./$(B)/lua-actor examples/supervision/pool

RUNNERS := $(B)/lua-actor $(B)/asan/lua-actor $(B)/tsan/lua-actor

test: $(TESTS) $(ASAN_TESTS) $(TSAN_TESTS) $(RUNNERS)
	@sh tests/run.sh

sanitize: $(ASAN_TESTS) $(TSAN_TESTS) $(RUNNERS)
	@sh tests/run.sh --sanitizers-only

bench: $(B)/bench
	./$(B)/bench all

clean:
	rm -rf $(B)
