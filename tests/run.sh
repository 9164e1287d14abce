#!/bin/sh
# Runs every suite and adds up their "N passed, N failed" lines.
#   tests/run.sh                    unit tests, sanitizer builds, compile tests
#   tests/run.sh --sanitizers-only  ASan+UBSan and TSan builds only
# Sanitizer builds run the same tests with TEST_SCALE iterations (slower).
set -u
cd "$(dirname "$0")/.." || exit 1
B=build
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

suite() { # name command...
    name=$1; shift
    echo "== $name"
    "$@" >"$log" 2>&1
    status=$?
    cat "$log"
    last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
    if [ -z "$last" ]; then
        echo "!! $name: no result line (exit status $status)"
        failed=$((failed + 1))
        return
    fi
    p=${last%% passed*}
    f=${last#*, }; f=${f%% failed*}
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "!! $name: exit status $status"
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
}

only_san=0
[ "${1:-}" = "--sanitizers-only" ] && only_san=1

for t in tests/test_*.c; do
    n=$(basename "$t" .c)
    [ $only_san -eq 0 ] && suite "$n" "$B/$n"
    suite "$n (asan+ubsan)" env TEST_SCALE=0.2 TEST_TIMEOUT_SCALE=4 ASAN_OPTIONS=detect_leaks=1 "$B/asan/$n"
    suite "$n (tsan)" env TEST_SCALE=0.05 TEST_TIMEOUT_SCALE=8 TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" "$B/tsan/$n"
done
# The Lua conformance apps, through the runner: plain, then the runner
# built with ASan+UBSan (leaks included) and with TSan.
[ $only_san -eq 0 ] && suite "conformance" sh tests/conformance/run.sh
suite "conformance (asan+ubsan)" env LUA_ACTOR="$B/asan/lua-actor" ASAN_OPTIONS=detect_leaks=1 sh tests/conformance/run.sh
suite "conformance (tsan)" env LUA_ACTOR="$B/tsan/lua-actor" TSAN_OPTIONS="halt_on_error=1" sh tests/conformance/run.sh
[ $only_san -eq 0 ] && suite "compile" sh tests/compile.sh
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
