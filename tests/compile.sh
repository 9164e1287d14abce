#!/bin/sh
# Compile tests: C99/C11/C++11/C++17 with GCC and Clang (-Werror), the
# header in two translation units, ACTOR_STATIC, the condvar parking path,
# and the MinGW-w64 cross-compile of the Windows code paths.
set -u
cd "$(dirname "$0")/.." || exit 1
out=build/compile
mkdir -p "$out"
passed=0
failed=0
W="-Wall -Wextra -Wpedantic -Werror"

check() { # name command...
    name=$1; shift
    if "$@" >"$out/$name.log" 2>&1; then
        echo "ok   $name"; passed=$((passed + 1))
    else
        echo "FAIL $name"; sed 's/^/     /' "$out/$name.log" | head -n 30; failed=$((failed + 1))
    fi
}

two_tu() { # name compiler std [lang]
    name=$1 cc=$2 std=$3 lang=${4:-}
    check "$name" sh -c "$cc $lang $std $W -I. tests/compile/main.c tests/compile/other.c -o $out/$name -lpthread && $out/$name"
}

two_tu c99-gcc gcc -std=c99
two_tu c11-gcc gcc -std=c11
two_tu c99-clang clang -std=c99
two_tu c11-clang clang -std=c11
two_tu cxx11-gcc g++ -std=c++11 "-x c++"
two_tu cxx17-gcc g++ -std=c++17 "-x c++"
two_tu cxx11-clang clang++ -std=c++11 "-x c++"
two_tu cxx17-clang clang++ -std=c++17 "-x c++"
check static-gcc sh -c "gcc -std=c99 $W -I. tests/compile/static.c -o $out/static -lpthread && $out/static"
check static-cxx sh -c "g++ -x c++ -std=c++11 $W -I. tests/compile/static.c -o $out/static_cxx -lpthread && $out/static_cxx"
check condvar-park sh -c "gcc -std=c99 $W -DACTOR_PARK_CONDVAR -I. tests/compile/main.c tests/compile/other.c -o $out/condvar -lpthread && $out/condvar"
LUA_I="$(pkg-config --cflags lua5.4 2>/dev/null || echo -I/usr/include/lua5.4)"
LUA_L="$(pkg-config --libs lua5.4 2>/dev/null || echo -llua5.4)"
lua_tu() { # name compiler std [lang]
    name=$1 cc=$2 std=$3 lang=${4:-}
    check "$name" sh -c "$cc $lang $std $W -I. $LUA_I tests/compile/lua_main.c -o $out/$name $LUA_L -lpthread -lm && $out/$name"
}
lua_tu lua-c99-gcc gcc -std=c99
lua_tu lua-c11-clang clang -std=c11
lua_tu lua-cxx11-gcc g++ -std=c++11 "-x c++"
lua_tu lua-cxx17-clang clang++ -std=c++17 "-x c++"
check mingw-w64 x86_64-w64-mingw32-gcc -std=c99 $W -I. tests/compile/main.c tests/compile/other.c -o "$out/main.exe"
check mingw-w64-cxx x86_64-w64-mingw32-g++ -x c++ -std=c++11 $W -I. tests/compile/main.c tests/compile/other.c -o "$out/main_cxx.exe"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
