#!/usr/bin/env bash
# tests/e2e/cli.sh - the `vmex` command on good and bad input: exit codes, the
# summary lines, JSON Lines validity, located errors, SVG output and atomic
# writes; the fuzzing commands convert, minimize and triage; every
# command's help from its option table, option parsing, and vmex plot.
# Usage: tests/e2e/cli.sh PATH-TO-VMEX REPO-ROOT
set -u

VMEX=${1:?usage: tests/e2e/cli.sh PATH-TO-VMEX REPO-ROOT}
ROOT=${2:?usage: tests/e2e/cli.sh PATH-TO-VMEX REPO-ROOT}
case $VMEX in /*) ;; *) VMEX=$PWD/$VMEX ;; esac
case $ROOT in /*) ;; *) ROOT=$PWD/$ROOT ;; esac
[ -x "$VMEX" ] || { echo "cli.sh: $VMEX is not executable" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/vmex-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1

source "$ROOT/tests/helpers/lib.sh"

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

run 2 check suite   # suite/sub/e-parse.vmex does not parse: bad input
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
run 2 check crlf.vmex empty.vmex
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

# ---------------------------------------------------------------- fuzzing: helpers
R=$ROOT/reproducers
ALT=$R/frag-64m-alternate-ios16-3gb.vmex      # frag at 70, margin 1435/128 = 11.21
CHURN=$R/malloc-large-churn-ios16-3gb.vmex    # frag at 72, margin 2139/1024 = 2.09
# count_ops FILE: the op lines of a .vmex file (not header, expect or comment lines)
count_ops() {
    grep -cE '^([a-z_][a-z0-9_]* = |(mmap|vm_allocate|malloc|munmap|free|touch|check) )' "$1"
}
# verdict FILE: the "(verdict ...)" part of `vmex check FILE`, which must pass
verdict() {
    "$VMEX" check "$1" >"$T/out" 2>"$T/err" || fail "vmex check $1 did not pass"
    sed -n 's/^PASS .*  (verdict /(verdict /p' "$T/out"
}
no_tmp() {      # no temporary file of an atomic write is left anywhere
    [ -z "$(find . -name '*.tmp.*')" ] || fail "temporary files left behind: $(find . -name '*.tmp.*')"
    ok
}
jcheck() {      # jcheck FILE 'python code over j (the JSON in FILE)'
    $PY -c "import json,os,sys
j=json.load(open(sys.argv[1]))
$2" "$1" || fail "JSON check of $1 failed: $2"
    ok
}

# ---------------------------------------------------------------- convert
# text -> binary -> text: the second text parses and replays to the same
# verdict; the binary starts with the version byte 1, and the encoding is
# canonical (text -> binary -> text -> binary gives the same bytes)
for f in ok.vmex frag.vmex "$ALT" "$CHURN" "$R/dart-jsc-ios16-3gb.vmex" "$R/jumbo-1g-ios16-3gb.vmex"; do
    b=$(basename "$f" .vmex)
    run 0 convert "$f" "rt-$b.bin"
    empty out
    empty err
    [ "$(od -An -tu1 -N1 "rt-$b.bin" | tr -d ' ')" = 1 ] || fail "rt-$b.bin does not start with version byte 1"
    ok
    run 0 convert "rt-$b.bin" "rt-$b.vmex"
    grep -q '^# converted from ' "rt-$b.vmex" || fail "rt-$b.vmex lacks its 'converted from' comment"
    ok
    v1=$(verdict "$f")
    v2=$(verdict "rt-$b.vmex")
    [ -n "$v1" ] && [ "$v1" = "$v2" ] || fail "convert round trip of $f: '$v1' became '$v2'"
    ok
    run 0 convert "rt-$b.vmex" "rt2-$b.bin"
    cmp -s "rt-$b.bin" "rt2-$b.bin" || fail "rt-$b.bin and rt2-$b.bin differ: the encoding is not canonical"
    ok
done
# the verdicts are the ones the files expect (hand-derived in frag.vmex and the reproducer)
[ "$(verdict rt-frag.vmex)" = "(verdict frag at 60, margin 1.08)" ] || fail "rt-frag.vmex: $(verdict rt-frag.vmex)"
ok
case $(verdict rt-frag-64m-alternate-ios16-3gb.vmex) in "(verdict frag at 70, margin 11.2)") ok ;;
    *) fail "rt-frag-64m-alternate-ios16-3gb.vmex: $(verdict rt-frag-64m-alternate-ios16-3gb.vmex)" ;; esac

run 2 convert no-such-file.vmex never.bin
has err "vmex: error: no-such-file.vmex: cannot read"
[ ! -e never.bin ] || fail "convert of a missing file wrote never.bin"
ok
run 2 convert --bogus ok.vmex never.bin
has err "vmex: error: convert: unknown option '--bogus'"
[ ! -e never.bin ] || fail "convert with an unknown option wrote never.bin"
ok
run 2 convert ok.vmex
has err "vmex: error: usage: vmex convert"
run 2 convert bad-op.vmex never.bin
has err "bad-op.vmex:3:3: error: unknown op 'bogus'"
[ ! -e never.bin ] || fail "convert of a bad file wrote never.bin"
ok
run 2 convert ok.vmex no-such-dir/x.bin
has err "vmex: error: cannot write 'no-such-dir/x.bin'"
[ ! -e no-such-dir ] || fail "convert created no-such-dir"
ok
no_tmp
# a write past the file size limit (the probe's binary is 2014 ops, over 1 KiB)
mkdir limc
( ulimit -f 2; "$VMEX" convert "$R/probe-1m-ios12-1gb.vmex" limc/x.bin >/dev/null 2>"$T/err"; exit $? )
[ $? -eq 2 ] || fail "a convert write past the file size limit did not exit 2"
ok
has err "vmex: error: cannot write 'limc/x.bin'"
[ -z "$(ls -A limc)" ] || fail "a failed convert left a partial file: $(ls -A limc)"
ok

# ---------------------------------------------------------------- minimize
# the pure-fragmentation reproducer (71 ops) under the default hunt
# (frag, margin >= 2): at most 12 ops, same signature (a 128m..256m mmap
# failing as frag), margin still >= 2, and an expect line on its last op
run 0 minimize "$ALT" -o min.vmex
empty out
has err "71 ops -> "
has err "frag-mmap-2p27-ios16-3gb -> min.vmex"
n=$(count_ops min.vmex)
[ "$n" -ge 1 ] && [ "$n" -le 12 ] || fail "min.vmex has $n ops, expected 1..12"
ok
grep -qx "expect frag at $((n - 1))" min.vmex || fail "min.vmex lacks 'expect frag at $((n - 1))'"
ok
grep -q '^# vmex minimize: frag-mmap-2p27-ios16-3gb, margin ' min.vmex || fail "min.vmex lacks its header comment"
ok
grep -q '^profile ios16-3gb$' min.vmex || fail "min.vmex does not pin its profile"
ok
grep -q '  # FINDING frag: request 128m, ' min.vmex || fail "min.vmex: the finding op is not annotated"
ok
run 0 check min.vmex
hasre out '^PASS min\.vmex +\(verdict frag at [0-9]+, margin '
run 1 run --json min.vmex
json_lines
pycheck '
f=[r for r in rows if r.get("finding")]; v=rows[-1]
assert len(f)==1 and f[0]["op"]=="mmap" and f[0]["class"]=="frag", f
assert (128<<20)<=f[0]["req"]<(256<<20), f[0]["req"]
assert f[0]["margin"]>=2, f[0]["margin"]
assert v["at"]==f[0]["i"]==len(rows)-2, (v["at"], f[0]["i"])
assert v["ops_skipped"]==0
'
# to stdout, with --hunt: frag.vmex's 1500m vm_allocate (margin 1.08) is a
# finding for plain frag; 2^30 <= 1500m < 2^31
run 0 minimize --hunt frag frag.vmex
has out "# vmex minimize: frag-vm_allocate-2p30-ios16-3gb, margin "
cp "$T/out" min-stdout.vmex
run 0 check min-stdout.vmex
# the same from the binary encoding, and --hunt=VALUE / VMEX_HUNT
run 0 minimize --hunt=frag rt-frag.bin -o min-bin.vmex
has err "frag-vm_allocate-2p30-ios16-3gb -> min-bin.vmex"
grep -q '^profile ios16-3gb$' min-bin.vmex || fail "min-bin.vmex does not pin its profile"
ok
run 0 check min-bin.vmex
VMEX_HUNT=frag run 0 minimize frag.vmex -o min-env.vmex
cmp -s <(grep -v '^#' min-env.vmex) <(grep -v '^#' min-stdout.vmex) || fail "VMEX_HUNT=frag and --hunt frag minimized differently"
ok
# deterministic
run 0 minimize "$ALT" -o min2.vmex
cmp -s min.vmex min2.vmex || fail "minimizing twice gave different files"
ok
# no finding: exit 1, nothing written (frag.vmex's margin 1.08 < 2)
run 1 minimize ok.vmex -o none.vmex
has err "no finding for the hunt policy frag:margin>=2,size>=1m on ios16-3gb"
[ ! -e none.vmex ] || fail "minimize without a finding wrote none.vmex"
ok
run 1 minimize frag.vmex -o none.vmex
[ ! -e none.vmex ] || fail "minimize without a finding wrote none.vmex"
ok
empty out
run 1 minimize --hunt 'frag:margin>=12' "$ALT"     # 11.21 < 12
empty out
# bad hunt policies, inputs, options
run 2 minimize --hunt fragg frag.vmex -o none.vmex
has err "vmex: error: bad hunt policy 'fragg'"
[ ! -e none.vmex ] || fail "minimize with a bad hunt wrote none.vmex"
ok
run 2 minimize --hunt 'frag:margin>=x' frag.vmex
has err "bad margin"
run 2 minimize --hunt ok frag.vmex
has err "vmex: error: bad hunt policy 'ok'"
VMEX_HUNT='frag;' run 2 minimize frag.vmex
has err "vmex: error: bad hunt policy 'frag;'"
run 2 minimize --hunt
has err "vmex: error: option '--hunt' needs a value"
run 2 minimize bad-op.vmex
has err "bad-op.vmex:3:3: error: unknown op 'bogus'"
empty out
run 2 minimize no-such-file.vmex
has err "vmex: error: no-such-file.vmex: cannot read"
run 2 minimize --bogus frag.vmex
has err "vmex: error: minimize: unknown option '--bogus'"
run 2 minimize frag.vmex ok.vmex
has err "vmex: error: minimize takes one input"
run 2 minimize
has err "vmex: error: usage: vmex minimize"
run 2 minimize --hunt frag frag.vmex -o no-such-dir/m.vmex
has err "vmex: error: cannot write 'no-such-dir/m.vmex'"
no_tmp

# ---------------------------------------------------------------- triage
# two binary crash files of different signatures, plus a .vmex with the
# first one's signature: 2 signatures, the first from 2 inputs
mkdir crashes
run 0 convert "$ALT" crashes/crash-frag              # frag-mmap-2p27-ios16-3gb (128m)
run 0 convert "$CHURN" crashes/crash-malloc          # frag-malloc-2p30-ios16-3gb (1g)
cp "$ALT" crashes/copy.vmex
run 1 triage crashes -o tri                          # new signatures: 1
hasre out '^signature +class +margin +ops +reproducible +status +inputs$'
hasre out '^frag-mmap-2p27-ios16-3gb +frag +11\.21 +71 -> [0-9]+ +yes +NEW +2$'
hasre out '^frag-malloc-2p30-ios16-3gb +frag +2\.09 +73 -> [0-9]+ +yes +NEW +1$'
has out "3 inputs: 2 signatures, 0 without a finding, 0 flaky, 0 unreadable; reproducers in tri/"
jcheck tri/triage.json '
assert j["inputs"]==3 and j["clean"]==0 and j["flaky_inputs"]==0 and j["unreadable"]==0, j
assert j["hunt"]=="frag:margin>=2,size>=1m", j["hunt"]
s={g["signature"]:g for g in j["signatures"]}
assert 2<=len(s)<=3 and len(s)==len(j["signatures"]), list(s)
assert set(s)=={"frag-mmap-2p27-ios16-3gb","frag-malloc-2p30-ios16-3gb"}, list(s)
a=s["frag-mmap-2p27-ios16-3gb"]; m=s["frag-malloc-2p30-ios16-3gb"]
assert a["inputs"]==2 and m["inputs"]==1
assert abs(a["margin"]-1435/128)<1e-3 and abs(m["margin"]-2139/1024)<1e-3, (a["margin"], m["margin"])
assert a["ops_before"]==71 and m["ops_before"]==73
for g in s.values():
    assert g["class"]=="frag" and g["profile"]=="ios16-3gb"
    assert g["reproducible"] is True and g["flaky"] is False and g["known"] is False and g["known_as"] is None
    assert type(g["ops_after"]) is int and 1<=g["ops_after"]<=g["ops_before"], g
    assert g["reproducer"]=="tri/"+g["signature"]+".vmex" and os.path.isfile(g["reproducer"]), g["reproducer"]
    assert g["example"].startswith("crashes/"), g["example"]
'
for s in frag-mmap-2p27-ios16-3gb frag-malloc-2p30-ios16-3gb; do
    [ -s "tri/$s.vmex" ] || fail "triage wrote no tri/$s.vmex"
    ok
    grep -q "^# vmex triage: $s, margin " "tri/$s.vmex" || fail "tri/$s.vmex lacks its header comment"
    ok
done
run 0 check tri
hasre out '^2 passed, 0 failed$'
no_tmp
# every signature is a shipped reproducer's: known, exit 0
run 0 triage crashes -o tri2 --known "$R"
hasre out '^frag-mmap-2p27-ios16-3gb +frag +11\.21 +71 -> [0-9]+ +yes +known +2$'
hasre out '^frag-malloc-2p30-ios16-3gb +frag +2\.09 +73 -> [0-9]+ +yes +known +1$'
jcheck tri2/triage.json '
s={g["signature"]:g for g in j["signatures"]}
assert all(g["known"] is True for g in s.values()), s
assert os.path.basename(s["frag-malloc-2p30-ios16-3gb"]["known_as"])=="malloc-large-churn-ios16-3gb.vmex"
# both dart-jsc (jsc = mmap 128m) and frag-64m-alternate (big = mmap 128m) have this signature
assert os.path.basename(s["frag-mmap-2p27-ios16-3gb"]["known_as"]) in ("dart-jsc-ios16-3gb.vmex", "frag-64m-alternate-ios16-3gb.vmex")
'
grep -q '^# known as ' tri2/frag-malloc-2p30-ios16-3gb.vmex || fail "a known reproducer does not say what it is known as"
ok
run 0 check tri2
run 0 triage crashes -o tri2b --known="$R"
# an input without a finding counts as clean
run 1 triage crashes ok.vmex -o tri3
has out "4 inputs: 2 signatures, 1 without a finding, 0 flaky, 0 unreadable"
jcheck tri3/triage.json 'assert j["inputs"]==4 and j["clean"]==1 and len(j["signatures"])==2, j'
# a syntax error among the inputs: exit 2 with the located error
mkdir crashes-bad
cp crashes/* crashes-bad/
cp bad-op.vmex crashes-bad/zz-bad.vmex
run 2 triage crashes-bad -o tri4
has err "crashes-bad/zz-bad.vmex:3:3: error: unknown op 'bogus'"
# usage errors write nothing
run 2 triage crashes -o tri5 --hunt fragg
has err "vmex: error: bad hunt policy 'fragg'"
[ ! -e tri5 ] || fail "triage with a bad hunt created tri5"
ok
run 2 triage crashes
has err "vmex: error: usage: vmex triage"
run 2 triage -o tri5
has err "vmex: error: usage: vmex triage"
run 2 triage no-such-dir -o tri5
has err "no-such-dir"
[ ! -e tri5 ] || fail "triage of a missing input created tri5"
ok
run 2 triage --bogus crashes -o tri5
has err "vmex: error: triage: unknown option '--bogus'"
run 2 triage crashes -o tri5 --known no-such-dir
[ ! -e tri5/triage.json ] || fail "triage with a missing --known dir wrote tri5/triage.json"
ok
no_tmp

# ---------------------------------------------------------------- help per command, option parsing
# every command has its help from its option table: vmex help CMD, vmex CMD --help
for c in run check probe profiles minimize triage convert import stress diff bench plot; do
    run 0 help "$c"
    has out "usage: vmex $c"
    run 0 "$c" --help
    has out "--help"
    grep -q "^  $c" <("$VMEX" help) || fail "vmex help does not list $c"
    ok
done
run 0 help stress
has out "--workload W"
run 2 help frobnicate
has err "vmex: error: unknown command 'frobnicate'"
run 2 run --keep ok.vmex                   # long names in full: no abbreviations
has err "unknown option '--keep' for 'vmex run'"
run 2 run --large= ok.vmex
has err "option '--large' needs a value"
run 0 run --large=2m -- ok.vmex            # --name=VALUE, and -- ends the options
has out "verdict: ok"
run 2 minimize --hunt=frag --out x frag.vmex
has err "minimize: unknown option '--out'"

# ---------------------------------------------------------------- plot
printf 'series,x,y\nslow,0,10\nfast,0,20\nslow,60,1500\nfast,60,2100\n' >series.csv
run 0 plot --title 'exec/s' --xunit s series.csv -o series.svg
empty out
$PY -c 'import xml.etree.ElementTree as E,sys
r=E.parse(sys.argv[1]).getroot(); ns="{http://www.w3.org/2000/svg}"
assert len(r.findall(ns+"polyline"))==2
t=[e.text for e in r.iter(ns+"text")]
assert "exec/s" in t and "slow" in t and "fast" in t and "60s" in t, t' series.svg || fail "plot: series.svg"
ok
printf 'margin\n1.2\n2.5\n11\n' >margins.csv
run 0 plot --histogram margin --bins 4 --xlabel 'margin (bin centres)' - <margins.csv
has out "margin (bin centres)"
run 2 plot --y nope series.csv
has err "series.csv:1: error: no column 'nope'"
printf 'x,y\n1\n' >short.csv
run 2 plot short.csv
has err "short.csv:2: error:"
run 2 plot
has err "'vmex plot' needs a CSV file"
no_tmp

# ---------------------------------------------------------------- known bugs (see the report)
# an option that only starts with --output is not --output: it must be refused
run 2 minimize --hunt frag --outputx frag.vmex   # today: ignored, exit 0, output on stdout
has err "unknown option '--outputx'"

echo "$passed passed, 0 failed"
