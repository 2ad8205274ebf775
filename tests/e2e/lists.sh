#!/usr/bin/env bash
# tests/e2e/lists.sh - the lists and defaults the command prints for the ci/
# scripts: `vmex targets` (targets/targets.txt, as CMake compiled it in),
# `vmex classes`, `vmex hunt --default [--for stress|TARGET]` and
# `vmex hunt POLICY`; ci/lib.sh's readers agree with them.
# Usage: tests/e2e/lists.sh PATH-TO-VMEX REPO-ROOT
set -u
VMEX=${1:?usage: tests/e2e/lists.sh PATH-TO-VMEX REPO-ROOT}
ROOT=${2:?usage: tests/e2e/lists.sh PATH-TO-VMEX REPO-ROOT}
T=$(mktemp -d "${TMPDIR:-/tmp}/vmex-lists.XXXXXX")
trap 'rm -rf "$T"' EXIT
passed=0
fail() {
  echo "FAIL: $*" >&2
  for f in out err; do [ -s "$T/$f" ] && { echo "--- std$f:" >&2; head -c 2000 "$T/$f" >&2; }; done
  exit 1
}
run() {   # run CODE ARGS...: vmex with stdout in $T/out, stderr in $T/err
  local want=$1
  shift
  "$VMEX" "$@" >"$T/out" 2>"$T/err"
  local got=$?
  [ "$got" -eq "$want" ] || fail "vmex $* exited $got, expected $want"
  passed=$((passed + 1))
}
same() {  # same WHAT GOT WANT
  [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
  passed=$((passed + 1))
}

# ---------------------------------------------------------------- targets
run 0 targets
same "targets: the table's rows" "$(awk '{print $1, $2, $3, $4}' "$T/out")" \
  "$(awk '!/^[ \t]*(#|$)/ {print $1, $2, $3, $4}' "$ROOT/targets/targets.txt")"
same "ci/lib.sh reads the same rows" "$(awk '{print $1, $2, $3, $4}' "$T/out")" \
  "$(cd "$ROOT" && source ci/lib.sh && vmex_target_rows)"
grep -q '^fuzz_xnu  *xnu  *program  *policy  *programs on the XNU model' "$T/out" || fail "no fuzz_xnu row"
run 0 targets fuzz_linux_diff fuzz_text
same "named targets, in the order given" "$(cut -d' ' -f1 "$T/out" | tr '\n' ' ')" "fuzz_linux_diff fuzz_text "
run 2 targets fuzz_xnu no_such_target
grep -q "unknown target 'no_such_target' (targets: fuzz_xnu, " "$T/err" || fail "the error does not list the targets"
[ ! -s "$T/out" ] || fail "an unknown target printed rows"
run 2 targets --bogus
grep -q "unknown option '--bogus'" "$T/err" || fail "no unknown option error"
run 0 targets --help
grep -q '^usage: vmex targets' "$T/out" || fail "no usage"
run 0 targets --json
python3 - "$T/out" <<'PY' || fail "targets --json"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {r["name"]: r for r in rows}
assert set(by) >= {"fuzz_xnu", "fuzz_text", "fuzz_roundtrip", "fuzz_linux", "fuzz_linux_diff"}, by.keys()
assert by["fuzz_xnu"]["default_hunt"] == "frag:margin>=2,size>=1m"
assert by["fuzz_linux"]["default_hunt"] == "frag:margin>=2,size>=1m;crash;hang"
assert by["fuzz_linux_diff"]["default_hunt"] == "diverge"
assert by["fuzz_text"]["default_hunt"] is None and by["fuzz_text"]["input"] == "text"
for r in rows:
    assert set(r) == {"name", "backend", "input", "hunts", "default_hunt", "about"}, r
    assert (r["default_hunt"] is None) == (r["hunts"] == "-"), r
PY
passed=$((passed + 1))

# ---------------------------------------------------------------- classes
run 0 classes
same "classes, in value order" "$(cut -d' ' -f1 "$T/out" | tr '\n' ' ')" \
  "ok frag exhausted too-large jetsam map-count crash hang diverge range-error pas-panic gc-abort "
run 0 classes --json
python3 -c 'import json,sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["value"] for r in rows] == list(range(len(rows)))
assert [r["finding"] for r in rows] == [False] + [True] * (len(rows) - 1)
assert all(r["about"] for r in rows)' "$T/out" || fail "classes --json"
passed=$((passed + 1))
run 2 classes extra

# ---------------------------------------------------------------- hunt
run 0 hunt --default
same "hunt --default" "$(cat "$T/out")" "frag:margin>=2,size>=1m"
run 0 hunt --default --for stress
same "hunt --default --for stress" "$(cat "$T/out")" "frag:margin>=2,size>=1m;exhausted;jetsam"
run 0 hunt --default --for fuzz_xnu
same "hunt --default --for fuzz_xnu" "$(cat "$T/out")" "frag:margin>=2,size>=1m"
run 0 hunt --default --for=fuzz_linux
same "hunt --default --for fuzz_linux" "$(cat "$T/out")" "frag:margin>=2,size>=1m;crash;hang"
run 0 hunt --default --for fuzz_jsc
same "hunt --default --for fuzz_jsc" "$(cat "$T/out")" "pas-panic;gc-abort;crash;hang"
run 0 hunt --default --for fuzz_linux_diff
same "hunt --default --for fuzz_linux_diff" "$(cat "$T/out")" "diverge"
run 2 hunt --default --for fuzz_text
grep -q "fuzz_text hunts nothing" "$T/err" || fail "no 'hunts nothing' error"
run 2 hunt --default --for no_such_target
grep -q "unknown target 'no_such_target'" "$T/err" || fail "no unknown target error"
run 2 hunt --default --for
run 2 hunt
run 2 hunt --default frag
run 2 hunt --for stress frag
# vmex stress runs the default that `hunt --default --for stress` names
"$VMEX" stress --workload "$ROOT/corpora/workloads/powerlaw-malloc.vmexw" --ops 100 --out "$T/stress" --json \
  >"$T/out" 2>"$T/err" || fail "vmex stress"
ran=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hunt"])' "$T/out")
run 0 hunt "$("$VMEX" hunt --default --for stress)"
same "stress's own default" "$ran" "$(cat "$T/out")"
run 0 hunt 'frag:margin>=2;jetsam'
same "hunt POLICY, in full" "$(cat "$T/out")" "frag:margin>=2,size>=1m;jetsam:size>=0"
run 2 hunt 'frag;bogus'
grep -q "bad hunt policy 'frag;bogus'" "$T/err" || fail "no bad policy error"
# minimize hunts what the program's target hunts by default: a jsc
# program's default (JavaScriptCore's crashes) is not the model's (frag)
run 2 minimize --target no_such_backend "$ROOT/reproducers/jsc-pas-panic-frag.vmex"
same "--target's error names every backend" "$(sed -n "s/.*unknown target 'no_such_backend' (\(.*\))/\1/p" "$T/err")" \
  "xnu, linux-model, linux, jsc"
printf 'vmex 1\nset footprint-limit 64m\na = malloc 100m\n' > "$T/jetsam.vmex"
run 1 minimize "$T/jetsam.vmex"
grep -q "no finding for the hunt policy frag:margin>=2,size>=1m on" "$T/err" || fail "minimize on xnu does not hunt xnu's default"

echo "$passed passed, 0 failed"
