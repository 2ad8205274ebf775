#!/usr/bin/env bash
# tests/e2e/field_triage.sh - crash reports from the field through the command:
# a JavaScriptCore out-of-memory crash (tests/fixtures/crash/jsc-oom-3gb.ips:
# an iPhone XR, 3 GB, iOS 16.3, no entitlement, the crashed thread in
# pas_panic_on_out_of_memory_error) triages as address-space exhaustion
# and its what-if says extended-virtual-addressing fixes it, with the free
# space checked against the layout's bounds by hand; vmex import writes the
# same reconstruction from a file, from standard input and through triage
# -o; the --html page; the README's recipe, run as written; and bad input
# of every kind: a located error, exit 2, nothing written.
# Usage: tests/e2e/field_triage.sh PATH-TO-VMEX REPO-ROOT
set -u

VMEX=${1:?usage: tests/e2e/field_triage.sh PATH-TO-VMEX REPO-ROOT}
ROOT=${2:?usage: tests/e2e/field_triage.sh PATH-TO-VMEX REPO-ROOT}
case $VMEX in /*) ;; *) VMEX=$PWD/$VMEX ;; esac
case $ROOT in /*) ;; *) ROOT=$PWD/$ROOT ;; esac
PY=${PYTHON:-python3}
command -v "$PY" >/dev/null 2>&1 || { echo "SKIP: no $PY for the checks"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/vmex-field.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
R=$ROOT/tests/fixtures/crash
JSC=$R/jsc-oom-3gb.ips

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() {
    failed=$((failed + 1))
    echo "FAIL $*"
    for f in out err; do
        [ -s "$T/$f" ] && { echo "--- std$f:"; head -c 3000 "$T/$f"; echo; }
    done
}
# run STATUS NAME COMMAND...: the command's stdout in $T/out, stderr in $T/err
run() {
    local want=$1 name=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    if [ "$rc" -eq "$want" ]; then pass "$name"; else fail "$name (exit $rc, want $want)"; fi
}
has() {   # has FILE TEXT: a fixed string
    if grep -qF -- "$2" "$1"; then pass "$(basename "$1") has '$2'"; else fail "$(basename "$1") lacks '$2'"; fi
}
nothing_written() {   # nothing_written NAME PATH...: neither the files nor their temporaries
    local p
    for p in "${@:2}"; do
        if [ -e "$p" ] || ls "$p".tmp.* >/dev/null 2>&1; then fail "$1: $p was written"; return; fi
    done
    pass "$1: nothing written"
}

# ---------------------------------------------------------------- the verdict
run 0 "triage of the JSC out-of-memory report" "$VMEX" triage "$JSC"
cp "$T/out" verdict.txt
has verdict.txt "verdict: address-space exhaustion"
# the device table: iPhone11,8 is the iPhone XR, 3 GB; iOS 16.3 runs on ios16
has verdict.txt "iPhone11,8 (iPhone XR), iPhone OS 16.3 (20D47); modelled on ios16-3gb"
has verdict.txt "the crashed thread is in pas_panic_on_out_of_memory_error"
has verdict.txt "the 32 MiB libpas chunk does not fit"
has verdict.txt "on this device, extended-virtual-addressing would have left"
has verdict.txt "this crash would not have happened"

# the same program through vmex import, replayed by vmex run: exhausted
# without the entitlement, ok with it
run 0 "vmex import of the report" "$VMEX" import "$JSC" -o jsc.vmex
has "$T/err" "-> ios16-3gb"
run 0 "the reconstruction replays to its expect line" "$VMEX" check jsc.vmex
"$VMEX" run --json jsc.vmex >none.jsonl 2>"$T/err"
"$VMEX" run --json --entitlement extended-virtual-addressing jsc.vmex >eva.jsonl 2>>"$T/err"
if "$PY" - none.jsonl eva.jsonl verdict.txt <<'EOF' >"$T/out" 2>&1; then pass "the what-if agrees with vmex run and with the bounds"; else fail "the what-if against vmex run and the bounds"; fi
import json, re, sys
none = json.loads(open(sys.argv[1]).read().splitlines()[-1])
eva = json.loads(open(sys.argv[2]).read().splitlines()[-1])
text = open(sys.argv[3]).read()
MiB, GiB = 1 << 20, 1 << 30
req = 32 * MiB                      # the libpas chunk
assert none["verdict"] == "exhausted" and none["req"] == req, none
assert none["free"] < req, none     # exhaustion: less free than the request in all
assert eva["verdict"] == "ok", eva
# README "Bounds": ios16-3gb ends at 0x2D8000000, the jumbo map at
# 0xFC0000000; the reconstruction places the same mappings in both, so the
# entitlement adds exactly the space between, and the chunk takes 32 MiB
assert none["max_offset"] == 0x2D8000000 and eva["max_offset"] == 0xFC0000000, (none, eva)
assert eva["free"] == (0xFC0000000 - 0x2D8000000) + none["free"] - req, (eva["free"], none["free"])
# triage says the same numbers: the state at the crash, and what the entitlement leaves
m = re.search(r"at the crash \(ios16-3gb, no entitlements\): ([\d.]+) MiB free, largest hole ([\d.]+) MiB", text)
assert m, text
assert abs(float(m.group(1)) - none["free"] / MiB) < 0.05 and abs(float(m.group(2)) - none["largest"] / MiB) < 0.05
m = re.search(r"on this device, extended-virtual-addressing would have left ([\d.]+) GiB free", text)
assert m and abs(float(m.group(1)) - eva["free"] / GiB) < 0.05, (m and m.group(1), eva["free"] / GiB)
EOF

# --html: one page with the verdict, the what-if and the picture
run 0 "triage --html" "$VMEX" triage "$JSC" --html page.html
if "$PY" - page.html <<'EOF' >"$T/out" 2>&1; then pass "the page: verdict, what-if, address-space picture"; else fail "the page"; fi
import sys, xml.etree.ElementTree as E
from html.parser import HTMLParser
page = open(sys.argv[1]).read()
class P(HTMLParser):
    pass
P().feed(page)
for want in ("address-space exhaustion", "on this device, extended-virtual-addressing would have left",
             "this crash would not have happened", "Address space at the crash", "iPhone XR"):
    assert want in page, want
svg = page[page.index("<svg"):page.index("</svg>") + 6]
E.fromstring(svg)                     # the picture is well-formed
assert "failed mmap 32m" in svg, "the request is drawn"
EOF
[ -z "$(ls page.html.tmp.* 2>/dev/null)" ] && pass "no temporary left" || fail "a temporary was left"

# -o DIR and standard input give the program vmex import wrote
run 0 "triage -o DIR" "$VMEX" triage "$JSC" -o recon
cmp -s recon/jsc-oom-3gb.vmex jsc.vmex && pass "triage -o DIR writes the import's program" || fail "triage -o DIR differs"
"$VMEX" import - <"$JSC" >stdin.vmex 2>"$T/err"
sed 's/^# Reconstructed by vmex import from the crash report [^ ]* /# FROM /' stdin.vmex >a.txt
sed 's/^# Reconstructed by vmex import from the crash report [^ ]* /# FROM /' jsc.vmex >b.txt
cmp -s a.txt b.txt && pass "vmex import - reads a report from standard input" || fail "import from stdin differs"

# ---------------------------------------------------------------- the README recipe, as written
# Its commands, from the section "Triage a crash from the field", run in a
# scratch folder that has the build and the fixtures where the README says.
mkdir recipe && ln -s "$(dirname "$VMEX")" recipe/build && ln -s "$ROOT/tests" recipe/tests
"$PY" - "$ROOT/README.md" >recipe/steps.sh <<'EOF'
import sys
text = open(sys.argv[1]).read()
sec = text[text.index("## Triage a crash from the field"):]
sec = sec[:sec.index("\n## ", 5)]
cmds, block = [], False
for line in sec.splitlines():
    if line.startswith("```"):
        block = not block
        continue
    if block and (line.startswith("build/vmex ") or line.startswith("mkdir ")):
        cmds.append(line)
assert len(cmds) >= 3, cmds
# each step's exit status after it (the what-if run exits 1: a run fails)
print("\n".join(c + "; echo \"exit $?\"" for c in cmds))
EOF
(cd recipe && bash steps.sh) >"$T/out" 2>"$T/err"
if [ "$(grep -c '^exit ' "$T/out")" -ge 4 ] && ! grep -q '^exit 2' "$T/out" && [ -s recipe/runs/jsc-oom.html ] &&
   [ -s recipe/runs/jsc-oom.vmex ]; then
    pass "the README recipe runs as written"
else
    fail "the README recipe"
fi
grep -q "verdict: address-space exhaustion" "$T/out" && pass "the recipe prints the verdict" || fail "the recipe's verdict"
grep -qE "^ios16-3gb +extended-virtual-addressing +ok " "$T/out" && pass "the recipe's what-if run: fixed by the entitlement" ||
    fail "the recipe's what-if run"

# ---------------------------------------------------------------- bad input
# bad FILE LINE:COL MESSAGE: import and triage both refuse it, located, exit 2, nothing written
bad() {
    local f=$1 at=$2 msg=$3 name
    name=$(basename "$f")
    run 2 "import $name: exit 2" "$VMEX" import "$f" -o bad.vmex
    if grep -qF -- "$f:$at: error: $msg" "$T/err"; then pass "import $name: $at"; else fail "import $name: want $f:$at: error: $msg"; fi
    nothing_written "import $name" bad.vmex
    run 2 "triage $name: exit 2" "$VMEX" triage "$f" --html bad.html -o badd
    grep -qF -- "$f:$at: error: $msg" "$T/err" && pass "triage $name: located" || fail "triage $name: not located"
    nothing_written "triage $name" bad.html badd
}
bad "$R/bad/truncated.ips" 87:16 "the report body is truncated"
bad "$R/bad/header-only.ips" 2:1 "the header (bug_type 309) is not followed by the report's body"
bad "$R/bad/iphone5-32bit.crash" 3:22 "iPhone5,2 is a 32-bit device"
bad "$R/bad/macos.ips" 1:279 "a macOS report"
bad "$R/bad/simulator.ips" 1:279 "a simulator report"
bad "$R/bad/tvos.ips" 1:279 "a tvOS report"
bad "$R/bad/unknown-model.ips" 8:18 "unknown device model 'iPhone99,9'"
# a size with a unit vmex does not know, inside the vmSummary string: the
# column is the byte of the file (escapes counted as written)
sed '163s/Foundation                          32K/Foundation                          32Q/' "$JSC" >$T/badsize.ips
col=$("$PY" -c 'import sys; print(open(sys.argv[1]).read().split("\n")[162].index("32Q") + 1)' $T/badsize.ips)
bad "$T/badsize.ips" "163:$col" "bad size '32Q' in VM summary row 'Foundation'"
# a report of a kind vmex does not model (a panic), and JSON that is not JSON
printf '{"bug_type":"210","os_version":"iPhone OS 16.3 (20D47)"}\n{"product":"iPhone11,8"}\n' >$T/panic.ips
run 2 "a panic report" "$VMEX" import $T/panic.ips -o bad.vmex
grep -q "210" "$T/err" && pass "the error names the bug_type" || fail "the error does not name the bug_type"
printf '{"bug_type":"309","os_version":"iPhone OS 16.3 (20D47)"}\n{"modelCode" : "iPhone11,8",, }\n' >$T/junk.ips
run 2 "bad JSON in the body" "$VMEX" import $T/junk.ips -o bad.vmex
grep -qE "junk.ips:2:[0-9]+: error:" "$T/err" && pass "bad JSON: located" || fail "bad JSON: not located"
nothing_written "bad JSON" bad.vmex

# odd but readable: an unknown region type (untagged, noted), a size without
# a unit (bytes, noted), a region count of 20 digits (capped, noted)
sed '163s/Activity Tracing /Frobnicator Zone /; 163s/Image IO                          48.0M        6/Image IO                          48.0M 99999999999999999999/; 163s/mapped file                       96.0M/mapped file                   100663296/' "$JSC" >$T/odd.ips
run 0 "odd rows import" "$VMEX" import $T/odd.ips -o odd.vmex
has odd.vmex "Unknown region type 'Frobnicator Zone'"
has odd.vmex "frobnicator_zone_0 = mmap 256k  #"
has odd.vmex "gives its size without a unit: read as 100663296 bytes"
has odd.vmex "counts at least 1000000000000000000 regions: capped at 256 mappings"
run 0 "odd rows replay" "$VMEX" check odd.vmex

# options that do not apply, and mixed inputs
run 2 "triage REPORT --hunt" "$VMEX" triage "$JSC" --hunt frag
has "$T/err" "--hunt does not apply to crash reports"
cp "$ROOT/reproducers/frag-64m-alternate-ios16-3gb.vmex" prog.vmex
run 2 "triage of a report and a program together" "$VMEX" triage "$JSC" prog.vmex -o mixed
has "$T/err" "is a crash report and"
nothing_written "mixed inputs" mixed
run 2 "import REPORT --pid" "$VMEX" import "$JSC" --pid 5
has "$T/err" "--pid applies to traces only"
run 0 "--profile stands in for the device" "$VMEX" triage "$R/bad/unknown-model.ips" --profile ios16-4gb
has "$T/out" "modelled on ios16-4gb"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
