#!/bin/sh
# Conformance suite of the Lua layer (lua_actor.h) and the lua-actor runner.
#
#   tests/conformance/run.sh [--filter SUBSTR]
#
# Every directory tests/conformance/*/ that holds a file named `expect` is a
# case. The directory is an app (its _index.lua manifests and .lua files); it
# is run from the repo root as
#
#   timeout 90 build/lua-actor --timeout 60s [args] DIR
#
# and its exit status, stdout and stderr are compared with `expect`.
# --filter SUBSTR runs only the cases whose directory name contains SUBSTR.
# LUA_ACTOR=path runs another binary instead of build/lua-actor.
#
# The `expect` file, one directive per line:
#
#   status N          required: the expected exit status
#   args ...          optional: extra runner arguments (e.g. `args --workers 1`);
#                     when they contain --timeout, the default --timeout 60s
#                     is not added
#   app PATH          optional: run the app PATH (relative to the repo root)
#                     instead of the case directory (used to run examples/)
#   signal SIG SECS   optional: send signal SIG (INT or TERM) to the runner
#                     SECS seconds after it started (e.g. `signal TERM 0.5`)
#   stderr ~ TEXT     optional, repeatable: stderr must contain TEXT
#   stderr !~ TEXT    optional, repeatable: stderr must not contain TEXT
#   stdout ~ TEXT     optional, repeatable: stdout must contain TEXT
#   # comment         ignored, as are blank lines (before the stdout section)
#   stdout            the rest of the file is the exact expected stdout, line
#                     by line (nothing after it = stdout must be empty)
#   stdout unordered  the same, compared as sorted multisets of lines (for
#                     output printed by several processes)
#
# Without a `stdout` / `stdout unordered` line, stdout is only checked by the
# `stdout ~` lines. TEXT is a fixed string (no pattern), matched anywhere.
# The last line printed is always "N passed, N failed"; the exit status is 1
# when a case failed.

set -u
cd "$(dirname "$0")/../.." || exit 1

BIN=${LUA_ACTOR:-build/lua-actor}
filter=""
while [ $# -gt 0 ]; do
    case $1 in
        --filter)
            [ $# -ge 2 ] || { echo "$0: --filter needs an argument" >&2; exit 2; }
            filter=$2; shift 2 ;;
        --filter=*) filter=${1#--filter=}; shift ;;
        *) echo "usage: $0 [--filter SUBSTR]" >&2; exit 2 ;;
    esac
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

passed=0
failed=0

# parse_expect FILE: sets exp_status, exp_args, exp_app, exp_mode
# (none|exact|unordered) and writes $tmp/exp_stdout, $tmp/stderr_pats,
# $tmp/stdout_pats. Returns 1 (with a message in $parse_error) when malformed.
parse_expect() {
    exp_status="" exp_args="" exp_app="" exp_signal="" exp_mode=none parse_error=""
    : >"$tmp/exp_stdout"
    : >"$tmp/stderr_pats"
    : >"$tmp/stderr_nopats"
    : >"$tmp/stdout_pats"
    in_stdout=0
    while IFS= read -r line || [ -n "$line" ]; do
        if [ $in_stdout -eq 1 ]; then
            printf '%s\n' "$line" >>"$tmp/exp_stdout"
            continue
        fi
        case $line in
            "" | "#"*) ;;
            "status "*) exp_status=${line#status } ;;
            "args "*) exp_args=${line#args } ;;
            "app "*) exp_app=${line#app } ;;
            "signal "*) exp_signal=${line#signal } ;;
            "stderr ~ "*) printf '%s\n' "${line#stderr ~ }" >>"$tmp/stderr_pats" ;;
            "stderr !~ "*) printf '%s\n' "${line#stderr !~ }" >>"$tmp/stderr_nopats" ;;
            "stdout ~ "*) printf '%s\n' "${line#stdout ~ }" >>"$tmp/stdout_pats" ;;
            "stdout") exp_mode=exact; in_stdout=1 ;;
            "stdout unordered") exp_mode=unordered; in_stdout=1 ;;
            *) parse_error="unknown directive: $line"; return 1 ;;
        esac
    done <"$1"
    case $exp_status in
        "" | *[!0-9]*) parse_error="missing or bad 'status' line"; return 1 ;;
    esac
    return 0
}

# show FILE [N]: the last N (default 15) lines of FILE, indented
show_tail() {
    tail -n "${2:-15}" "$1" | sed 's/^/      | /'
}

run_case() { # dir
    dir=${1%/}
    name=$(basename "$dir")
    problems=$tmp/problems
    : >"$problems"

    if ! parse_expect "$dir/expect"; then
        echo "FAIL $name"
        echo "    bad expect file: $parse_error"
        failed=$((failed + 1))
        return
    fi
    app=$dir
    [ -n "$exp_app" ] && app=${exp_app%/}
    default_timeout="--timeout 60s"
    case " $exp_args" in
        *" --timeout"*) default_timeout="" ;;
    esac

    # $default_timeout and $exp_args are split into words on purpose.
    # `timeout` passes INT / TERM it receives on to the runner.
    # shellcheck disable=SC2086
    timeout 90 "$BIN" $default_timeout $exp_args "$app" \
        >"$tmp/stdout" 2>"$tmp/stderr" </dev/null &
    run_pid=$!
    if [ -n "$exp_signal" ]; then
        sleep "${exp_signal#* }"
        kill -s "${exp_signal%% *}" "$run_pid" 2>/dev/null
    fi
    wait "$run_pid"
    got_status=$?

    if [ "$got_status" != "$exp_status" ]; then
        echo "    status: expected $exp_status, got $got_status" >>"$problems"
        [ "$got_status" = 124 ] && echo "    (killed by 'timeout 90')" >>"$problems"
    fi

    case $exp_mode in
        exact)
            cp "$tmp/exp_stdout" "$tmp/want"
            cp "$tmp/stdout" "$tmp/got"
            ;;
        unordered)
            LC_ALL=C sort "$tmp/exp_stdout" >"$tmp/want"
            LC_ALL=C sort "$tmp/stdout" >"$tmp/got"
            ;;
    esac
    if [ "$exp_mode" != none ] && ! cmp -s "$tmp/want" "$tmp/got"; then
        echo "    stdout differs ($exp_mode; - expected, + got):" >>"$problems"
        diff -u "$tmp/want" "$tmp/got" | sed '1,2d' | head -n 30 |
            sed 's/^/      /' >>"$problems"
    fi

    while IFS= read -r pat || [ -n "$pat" ]; do
        if ! grep -qF -- "$pat" "$tmp/stdout"; then
            echo "    stdout lacks: $pat" >>"$problems"
        fi
    done <"$tmp/stdout_pats"
    while IFS= read -r pat || [ -n "$pat" ]; do
        if ! grep -qF -- "$pat" "$tmp/stderr"; then
            echo "    stderr lacks: $pat" >>"$problems"
        fi
    done <"$tmp/stderr_pats"
    while IFS= read -r pat || [ -n "$pat" ]; do
        if grep -qF -- "$pat" "$tmp/stderr"; then
            echo "    stderr has: $pat" >>"$problems"
        fi
    done <"$tmp/stderr_nopats"

    if [ -s "$problems" ]; then
        echo "FAIL $name"
        cat "$problems"
        if [ "$exp_mode" = none ] && [ -s "$tmp/stdout" ]; then
            echo "    stdout (last lines):"
            show_tail "$tmp/stdout" 10
        fi
        if [ -s "$tmp/stderr" ]; then
            echo "    stderr (last lines):"
            show_tail "$tmp/stderr" 15
        fi
        failed=$((failed + 1))
    else
        echo "ok   $name"
        passed=$((passed + 1))
    fi
}

if [ ! -x "$BIN" ]; then
    echo "conformance: runner not found or not executable: $BIN" >&2
fi

for dir in tests/conformance/*/; do
    [ -f "$dir/expect" ] || continue
    case $(basename "$dir") in
        *"$filter"*) run_case "$dir" ;;
    esac
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
