# tests/helpers/lib.sh - what the shell tests share (sourced, not run).
#
# The caller sets VMEX (the binary) and T (its scratch folder, the current
# directory); each check counts into $passed, and the first failure prints
# the last command's stdout and stderr with "N passed, 1 failed" and exits 1.
# A test ends with `finish`, which prints "N passed, 0 failed".
passed=0
PY=${PYTHON:-python3}

fail() {
    echo "FAIL: $*" >&2
    for f in out err; do
        [ -s "$T/$f" ] && { echo "--- std$f:" >&2; head -c 3000 "$T/$f" >&2; echo >&2; }
    done
    echo "$passed passed, 1 failed" >&2
    exit 1
}
ok() { passed=$((passed + 1)); }
finish() { echo "$passed passed, 0 failed"; }

# run CODE ARGS...: vmex with stdout in $T/out and stderr in $T/err; the
# exit status must be CODE (a list like "0|1" allows either); $last holds it
run() {
    local want=$1
    shift
    "$VMEX" "$@" >"$T/out" 2>"$T/err"
    local got=$?
    [[ "|$want|" == *"|$got|"* ]] || fail "vmex $* exited $got, expected $want"
    last=$got
    ok
}
has() {     # has FILE PATTERN (fixed string), FILE: out or err
    grep -qF -- "$2" "$T/$1" || fail "std$1 of the last command lacks '$2'"
    ok
}
hasre() {   # hasre FILE REGEX (extended)
    grep -qE -- "$2" "$T/$1" || fail "std$1 of the last command does not match /$2/"
    ok
}
empty() {
    [ ! -s "$T/$1" ] || fail "std$1 of the last command is not empty"
    ok
}
json_lines() {  # every line of stdout is a JSON value
    $PY -c 'import json,sys; [json.loads(l) for l in sys.stdin]' <"$T/out" || fail "stdout is not JSON Lines"
    ok
}
pycheck() {     # pycheck 'python code over rows (a list of the JSON lines)'
    $PY -c "import json,sys
rows=[json.loads(l) for l in sys.stdin]
$1" <"$T/out" || fail "JSON check failed: $1"
    ok
}
no_tmp() {  # no temporary file of an atomic write is left anywhere here
    local left
    left=$(find "$T" -name '*.tmp.*' | head -3)
    [ -z "$left" ] || fail "temporary files left: $left"
    ok
}
