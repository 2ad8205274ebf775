#!/usr/bin/env bash
# tests/cli.sh - the `vmex` command on good and bad input: exit codes, the
# summary lines, JSON Lines validity, located errors, SVG output and atomic
# writes.  Usage: tests/cli.sh PATH-TO-VMEX REPO-ROOT
set -u

VMEX=${1:?usage: tests/cli.sh PATH-TO-VMEX REPO-ROOT}
ROOT=${2:?usage: tests/cli.sh PATH-TO-VMEX REPO-ROOT}
case $VMEX in /*) ;; *) VMEX=$PWD/$VMEX ;; esac
[ -x "$VMEX" ] || { echo "cli.sh: $VMEX is not executable" >&2; exit 1; }
PY=${PYTHON:-python3}

T=$(mktemp -d "${TMPDIR:-/tmp}/vmex-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1

passed=0
fail() {
    echo "FAIL: $*" >&2
    for f in out err; do
        [ -s "$T/$f" ] && { echo "--- std$f:" >&2; head -c 3000 "$T/$f" >&2; echo >&2; }
    done
    echo "$passed passed, 1 failed" >&2
    exit 1
}
ok() { passed=$((passed + 1)); }

# run CODE ARGS...: run vmex with stdout in $T/out, stderr in $T/err and
# assert the exit status
run() {
    local want=$1
    shift
    "$VMEX" "$@" >"$T/out" 2>"$T/err"
    local got=$?
    [ "$got" -eq "$want" ] || fail "vmex $* exited $got, expected $want"
    ok
}
has() {     # has FILE PATTERN (fixed string)
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

# ---------------------------------------------------------------- inputs
cat >ok.vmex <<'EOF'
vmex 1
profile ios16-3gb
# a few mappings that fit
a = mmap 64m tag 63
b = vm_allocate 16m
c = malloc 100
touch a
free c
munmap b
check free >= 1g
EOF

# 64m mappings fill the big hole; freeing every other one leaves 64m holes,
# so 128m no longer fits below the shared region
{
    echo "vmex 1"
    echo "profile ios16-3gb"
    for i in $(seq 0 39); do echo "m$i = mmap 64m tag 63"; done
    for i in $(seq 0 2 39); do echo "munmap m$i"; done
    echo "big = vm_allocate 1500m"
    echo "after = mmap 16k"
    echo "expect frag at 60"
} >frag.vmex

printf 'vmex 1\nx = mmap 64m\nexpect frag at 0\n' >wrong-expect.vmex
printf 'vmex 1\nx = mmap 64m\ncheck free >= 100g\n' >bad-check.vmex
printf 'vmex 1\nx = mmap 64m\n  bogus 12\n' >bad-op.vmex
printf 'vmex 1\r\nx = mmap 1m\r\n' >crlf.vmex
: >empty.vmex

# ---------------------------------------------------------------- help, version
run 0 --version
has out "vmex 0.1.0"
run 0 help
has out "usage: vmex"
run 0 --help
has out "run [OPTIONS] FILE..."
run 2
has err "usage: vmex"
run 2 frobnicate
has err "vmex: error: unknown command 'frobnicate'"
run 2 --frobnicate
has err "vmex: error:"

# ---------------------------------------------------------------- run
run 0 run ok.vmex
hasre out '^ +0  a = mmap 64m tag 63 +-> 0x[0-9a-f]{12}$'
has out "verdict: ok"
has out "state: free"
empty err

run 1 run frag.vmex
has out "-> FAILED frag: no hole fits (req "
has out "verdict: frag at 60"
has out "expect: frag at 60: matches"
has out "not run (--keep-going runs them)"

run 1 run --keep-going frag.vmex
hasre out '^ +61  after = mmap 16k +-> 0x'

run 0 run --large 2g frag.vmex   # then the failed 1500m request is no finding
has out "not a finding"
run 1 run bad-check.vmex
has out "FAILED check: free is"
run 0 run --profile ios16-4gb frag.vmex   # more room: no finding
has out "verdict: ok"
run 0 run --entitlement extended-virtual-addressing frag.vmex
has out "entitlements extended-virtual-addressing"

# --map
run 1 run --map frag.vmex
hasre out '^0x000100000000-0x000102000000 +32m  binary$'
hasre out '^0x[0-9a-f]{12}-0x[0-9a-f]{12} +64m  app tag 63 rw'
hasre out '  hole  \(largest\)$'
has out "shared-region"
hasre out '^free .* in [0-9]+ holes, largest hole .*, mapped .*, footprint .*, entries [0-9]+$'

# --json
run 1 run --json frag.vmex
json_lines
pycheck '
ops=[r for r in rows if "op" in r]; fin=[r for r in rows if "verdict" in r]
assert len(fin)==1 and rows[-1] is fin[0], "one final object, last"
assert [r["i"] for r in ops]==list(range(len(ops))), "ops in order from 0"
for r in ops:
    for k in ("i","op","name","ok","status","size"): assert k in r, k
    assert r["status"] in ("ok","failed","skipped")
    if "addr" in r: assert type(r["addr"]) is int and r["ok"], r
    if not r["ok"]: assert "why" in r, r
placed=[r for r in ops if r["op"] in ("mmap","vm_allocate") and r["ok"]]
assert placed and all(type(r["addr"]) is int for r in placed)
assert placed[0]["addr"]==0x102400000, hex(placed[0]["addr"])
assert any(r["op"]=="munmap" and r["name"] is None and r["uses"]=="m0" for r in ops)
f=[r for r in ops if r.get("finding")]
assert len(f)==1 and f[0]["class"]=="frag" and type(f[0]["req"]) is int and f[0]["req"]==1500<<20
assert f[0]["status"]=="failed" and not f[0]["ok"] and "addr" not in f[0]
v=fin[0]
assert v["verdict"]=="frag" and v["at"]==60 and v["profile"]=="ios16-3gb" and v["file"]=="frag.vmex"
for k in ("free","largest","mapped","footprint","entries"): assert type(v[k]) is int, k
'
run 0 run --json ok.vmex
json_lines
pycheck '
v=rows[-1]; assert v["verdict"]=="ok" and v["at"] is None
ops={r["op"]:r for r in rows[:-1]}
assert type(ops["malloc"]["addr"]) is int and ops["free"]["ok"] and ops["check"]["ok"]
assert ops["touch"]["status"]=="ok" and "addr" not in ops["touch"]
'
# a skipped op (its handle failed) in JSON
printf 'vmex 1\nx = mmap 64m jit\nmunmap x\n' >skip.vmex
run 0 run --json skip.vmex
json_lines
pycheck '
assert rows[0]["status"]=="failed" and rows[0]["why"]
assert rows[1]["status"]=="skipped" and rows[1]["ok"] is False
'
run 0 run skip.vmex
has out "-> skipped: handle is unbound"

# a file name that needs escaping, in JSON and SVG
cp frag.vmex 'we<i"rd&\.vmex'
run 1 run --json 'we<i"rd&\.vmex'
json_lines
pycheck 'assert rows[-1]["file"]=="we<i\"rd&\\.vmex", rows[-1]["file"]'

# what-if table over profiles and entitlements
run 1 run --profile ios16-3gb,ios16-4gb --entitlement extended-virtual-addressing frag.vmex
hasre out '^profile +entitlements +verdict +at +margin +free +largest$'
hasre out '^ios16-3gb +none +frag +60 '
hasre out '^ios16-3gb +extended-virtual-addressing +ok '
hasre out '^ios16-4gb +none +ok '
has out "1 of 4 runs fails"
run 1 run --json --profile ios16-3gb,ios16-4gb frag.vmex
json_lines
pycheck 'assert [r["profile"] for r in rows if "verdict" in r]==["ios16-3gb","ios16-4gb"]'

# several files: status 1 when any has a finding
run 1 run ok.vmex frag.vmex
has out "ok.vmex: profile"
has out "frag.vmex: profile"

# --svg
run 1 run --svg pic.svg frag.vmex
[ -s pic.svg ] || fail "--svg wrote no pic.svg"
ok
$PY -c 'import xml.etree.ElementTree as E,sys; r=E.parse(sys.argv[1]).getroot(); assert r.tag.endswith("svg"), r.tag' pic.svg \
    || fail "pic.svg is not well-formed SVG"
ok
grep -q "largest hole" pic.svg || fail "pic.svg lacks the largest-hole note"
ok
run 1 run --svg 'p&q.svg' 'we<i"rd&\.vmex'
$PY -c 'import xml.etree.ElementTree as E,sys; E.parse(sys.argv[1])' 'p&q.svg' || fail "escaped SVG is not well-formed"
ok
run 1 run --svg multi.svg --profile ios16-3gb,ios16-4gb frag.vmex
[ -s multi.0.svg ] && [ -s multi.1.svg ] && [ ! -e multi.svg ] || fail "--svg with two profiles: expected multi.0.svg and multi.1.svg"
ok
ls | grep -q '\.tmp\.' && fail "a temporary file was left behind"
ok

# ---------------------------------------------------------------- run: errors
run 2 run
has err "vmex: error:"
run 2 run --bogus ok.vmex
has err "vmex: error: unknown option '--bogus'"
empty out
run 2 run ok.vmex --large
has err "vmex: error: option '--large' needs a value"
run 2 run --json --map ok.vmex
has err "vmex: error: --map and --json cannot be combined"
run 2 run --large 12q ok.vmex
has err "vmex: error: bad size '12q'"
run 2 run --profile nope ok.vmex
has err "vmex: error: unknown profile 'nope'"
run 2 run --entitlement nope ok.vmex
has err "vmex: error: unknown entitlement 'nope'"
run 2 run no-such-file.vmex
has err "vmex: error: no-such-file.vmex: cannot read"
run 2 run bad-op.vmex
has err "bad-op.vmex:3:3: error: unknown op 'bogus'"
run 2 run ok.vmex bad-op.vmex           # an input error anywhere: no partial output
empty out
run 2 run crlf.vmex
has err "crlf.vmex:1:"
has err "CRLF"
run 2 run empty.vmex
has err "empty.vmex:1:1: error:"

# write errors: stdout
"$VMEX" run ok.vmex >/dev/full 2>"$T/err"
[ $? -eq 2 ] || fail "vmex run ok.vmex >/dev/full did not exit 2"
ok
has err "vmex: error: writing standard output"
"$VMEX" run --json frag.vmex >/dev/full 2>"$T/err"
[ $? -eq 2 ] || fail "vmex run --json >/dev/full did not exit 2"
ok
"$VMEX" check ok.vmex >/dev/full 2>/dev/null
[ $? -eq 2 ] || fail "vmex check >/dev/full did not exit 2"
ok
"$VMEX" profiles >/dev/full 2>/dev/null
[ $? -eq 2 ] || fail "vmex profiles >/dev/full did not exit 2"
ok

# write errors: files are written whole or not at all
run 2 run --svg no-such-dir/x.svg frag.vmex
has err "vmex: error: cannot write 'no-such-dir/x.svg'"
mkdir lim
( ulimit -f 2; "$VMEX" run --svg lim/x.svg frag.vmex >/dev/null 2>"$T/err"; exit $? )
[ $? -eq 2 ] || fail "an SVG write past the file size limit did not exit 2"
ok
has err "vmex: error: cannot write 'lim/x.svg'"
[ -z "$(ls -A lim)" ] || fail "a failed write left a partial file: $(ls -A lim)"
ok

# ---------------------------------------------------------------- check
mkdir -p suite/sub
cp ok.vmex suite/a-ok.vmex
cp frag.vmex suite/b-frag.vmex
cp wrong-expect.vmex suite/sub/c-wrong.vmex
cp bad-check.vmex suite/sub/d-check.vmex
cp bad-op.vmex suite/sub/e-parse.vmex
echo "not a program" >suite/notes.txt

run 0 check ok.vmex frag.vmex
has out "PASS ok.vmex  (verdict ok)"
has out "PASS frag.vmex  (verdict frag at 60, margin "
hasre out '^2 passed, 0 failed$'

run 1 check suite
hasre out '^PASS suite/a-ok.vmex '
hasre out '^PASS suite/b-frag.vmex '
has out "FAIL suite/sub/c-wrong.vmex: expected frag at 0, got ok"
has out "FAIL suite/sub/d-check.vmex: 1 check failed"
has out "FAIL suite/sub/e-parse.vmex: suite/sub/e-parse.vmex:3:3: error: unknown op 'bogus'"
hasre out '^2 passed, 3 failed$'
[ "$(tail -n 1 "$T/out")" = "2 passed, 3 failed" ] || fail "check does not end with its summary line"
ok
# sorted order, recursively, *.vmex only
order=$(awk '/^(PASS|FAIL) /{sub(/:$/, "", $2); print $2}' "$T/out" | tr '\n' ' ')
[ "$order" = "suite/a-ok.vmex suite/b-frag.vmex suite/sub/c-wrong.vmex suite/sub/d-check.vmex suite/sub/e-parse.vmex " ] \
    || fail "check order: $order"
ok
run 1 check crlf.vmex empty.vmex
hasre out '^0 passed, 2 failed$'
run 2 check
has err "vmex: error:"
run 2 check no-such-dir
has err "vmex: error: cannot open 'no-such-dir'"
empty out
run 2 check --bogus suite
has err "vmex: error: unknown option '--bogus'"

# ---------------------------------------------------------------- probe
run 0 probe --profile ios16-3gb
hasre out 'x vm_allocate 1m = .* before the first failure'
run 0 probe --profile ios16-3gb --chunk 64m --json
json_lines
pycheck '
r=rows[0]
for k in ("profile","chunk","count","bytes","min_offset","max_offset","free_left","largest_left"): assert type(r[k]) is (str if k=="profile" else int), k
assert r["chunk"]==64<<20 and r["bytes"]==r["count"]*r["chunk"] and r["count"]>0
assert r["largest_left"]<r["chunk"]
'
run 0 probe --profile ios16-3gb --entitlement extended-virtual-addressing --chunk 1g --json
pycheck 'assert rows[0]["max_offset"]>0x2d8000000, rows[0]'
run 2 probe --chunk 0
has err "vmex: error:"
run 2 probe --chunk lots
has err "vmex: error: bad size 'lots'"
run 2 probe --profile nope
has err "vmex: error: unknown profile 'nope'"
run 2 probe --entitlement nope
has err "vmex: error: unknown entitlement 'nope'"
run 2 probe --profile
has err "vmex: error: option '--profile' needs a value"

# ---------------------------------------------------------------- profiles
run 0 profiles
hasre out '^ios16-3gb +0x000100000000 +0x0002d8000000 '
run 0 profiles --json
json_lines
pycheck '
p={r["profile"]:r for r in rows}
r=p["ios16-3gb"]
assert r["min_offset"]==0x100000000 and r["max_offset"]==0x2d8000000, r
for k in ("usable","largest","footprint_limit"): assert type(r[k]) is int, k
assert type(r["jumbo_max_offset"]) is int and r["jumbo_max_offset"]>r["max_offset"]
'
run 2 profiles --bogus
has err "vmex: error:"

# ---------------------------------------------------------------- bench
run 2 bench --bogus
has err "vmex: error:"

echo "$passed passed, 0 failed"
