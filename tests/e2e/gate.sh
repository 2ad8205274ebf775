#!/usr/bin/env bash
# tests/e2e/gate.sh MODE - ci/gate end to end, short runs.  The campaign state
# is a temporary folder (VMEX_STATE), never the tree's runs/campaign.
#   clean    the tree passes with the out-of-reach hunt 'frag:margin>=1000000'.
#   fresh    a fresh clone (a repository made from this tree, committed on
#            its default branch, then cloned): `ci/gate
#            --seconds-per-target 5` with the default hunt and no --base
#            passes (the merge base is HEAD, the change is empty) and
#            leaves `git status --porcelain` empty; then it fails (exit 1,
#            the check's output shown) on a planted reproducer whose
#            expect no longer holds, and on a planted model change (dyld
#            4m -> 512m) that makes shipped reproducers fail.
# The runs after the first of a mode gate only the targets they need
# (--targets): the rest is what the first run, or gate_fresh, covers.
#   new      --base none, an empty known dir and an empty store: a hunt
#            that fires at once ('exhausted;too-large') fails (exit 1) with
#            a valid SARIF 2.1.0 and JUnit XML and the minimized
#            reproducers; the same gate again still fails (a gate's own
#            findings never become known); once those reproducers are
#            imported into the store they are pre-existing, never NEW.
#   harness  a copy of the tree whose fuzz_text dereferences NULL and
#            whose fuzz_roundtrip reads a byte past a heap block on any
#            input of 16+ bytes: two harness crashes (the second found by
#            the sanitized replay only), exit 3.
# Skips (77) without clang.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
command -v clang >/dev/null || { echo "SKIP: clang is not installed"; exit 77; }
mode=${1:?usage: tests/e2e/gate.sh clean|fresh|new|harness}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export VMEX_STATE=$tmp/state
fail() { echo "FAIL: $*"; cat "$tmp/out.txt" 2>/dev/null | tail -n 40; exit 1; }
valid_reports() {
  python3 - "$1" <<'PY' || fail "invalid SARIF or JUnit"
import json, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
s = json.load(open(d + "/gate.sarif"))
assert s["version"] == "2.1.0" and len(s["runs"]) == 1
for r in s["runs"][0]["results"]:
    assert r["ruleId"] and r["message"]["text"] and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
j = ET.parse(d + "/gate.junit.xml").getroot()
assert j.tag == "testsuites" and len(j.findall(".//testcase")) >= 2
print("reports valid: %d SARIF results, %d testcases" % (len(s["runs"][0]["results"]), len(j.findall(".//testcase"))))
PY
}
# a copy of the tree's files (tracked and new, not ignored ones), without its history
copy_tree() {
  mkdir -p "$1"
  git ls-files -co --exclude-standard -z | while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
    xargs -0 cp --parents -t "$1"
}
case "$mode" in
clean)
  rc=0
  ci/gate --seconds-per-target 3 --hunt 'frag:margin>=1000000' --out "$tmp/g" > "$tmp/out.txt" 2>&1 || rc=$?
  [ $rc -eq 0 ] || fail "the clean tree does not pass (exit $rc)"
  valid_reports "$tmp/g"
  ;;
fresh)
  copy_tree "$tmp/origin"
  git -C "$tmp/origin" init -q -b main
  git -C "$tmp/origin" -c user.name=t -c user.email=t@t add -A
  git -C "$tmp/origin" -c user.name=t -c user.email=t@t commit -qm "the tree under test"
  git clone -q "$tmp/origin" "$tmp/clone"
  c=$tmp/clone
  rc=0
  "$c/ci/gate" --seconds-per-target 5 > "$tmp/out.txt" 2>&1 || rc=$?
  [ $rc -eq 0 ] || fail "a fresh clone does not pass ci/gate --seconds-per-target 5 (exit $rc)"
  grep -q 'comparing with the base is HEAD (the merge base with origin/main) and the tree has no changes' "$tmp/out.txt" ||
    fail "the gate did not compare with the merge base"
  echo "fresh clone: PASS; $(grep -c '^ci/gate: pre-existing ' "$tmp/out.txt") finding(s) pre-existing, $(grep -c '^ci/gate: known ' "$tmp/out.txt") known"
  [ -z "$(git -C "$c" status --porcelain)" ] || fail "git status after ci/gate: $(git -C "$c" status --porcelain | head -n 5)"
  # a reproducer whose expect no longer holds
  f=$c/reproducers/frag-64m-alternate-ios16-3gb.vmex
  grep -q '^expect frag' "$f" || fail "no expect frag line to break in $f"
  sed -i 's/^expect frag.*/expect ok/' "$f"
  rc=0
  "$c/ci/gate" --seconds-per-target 1 --targets fuzz_xnu --out "$tmp/g1" > "$tmp/out.txt" 2>&1 || rc=$?
  [ $rc -eq 1 ] || fail "a broken reproducer gives exit $rc, not 1"
  grep -q 'FAIL.*frag-64m-alternate' "$tmp/out.txt" || fail "the check output is not shown"
  grep -q '<failure' "$tmp/g1/gate.junit.xml" || fail "no JUnit failure"
  valid_reports "$tmp/g1"
  git -C "$c" checkout -q -- reproducers
  echo "planted reproducer: exit 1"
  # a model change: dyld takes 512m instead of 4m, the pristine holes shrink
  python3 - "$c/harness/core/config.c" <<'PY' || fail "could not plant the model change"
import re, sys
p = sys.argv[1]; s = open(p).read()
s, n = re.subn(r'(\{"dyld",\s*T_SIZE,\s*)4 \* MiB', r'\g<1>512 * MiB', s, count=1)
assert n == 1
open(p, "w").write(s)
PY
  rc=0
  "$c/ci/gate" --seconds-per-target 1 --targets fuzz_xnu --out "$tmp/g2" > "$tmp/out.txt" 2>&1 || rc=$?
  [ $rc -eq 1 ] || fail "a planted model change gives exit $rc, not 1"
  grep -q 'FAIL reproducers' "$tmp/out.txt" || fail "the failing reproducers are not named"
  echo "planted model change: exit 1, $(grep -c '^FAIL' "$tmp/g2/check.log") reproducer(s) fail"
  git -C "$c" checkout -q -- harness
  [ -z "$(git -C "$c" status --porcelain)" ] || fail "git status after ci/gate: $(git -C "$c" status --porcelain | head -n 5)"
  ;;
new)
  mkdir "$tmp/none"
  rc=0
  ci/gate --seconds-per-target 2 --targets fuzz_xnu --hunt 'exhausted;too-large' --known "$tmp/none" --base none --out "$tmp/g" \
    > "$tmp/out.txt" 2>&1 || rc=$?
  [ $rc -eq 1 ] || fail "a new finding class gives exit $rc, not 1"
  valid_reports "$tmp/g"
  n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["runs"][0]["results"]))' "$tmp/g/gate.sarif")
  [ "$n" -ge 1 ] || fail "no SARIF result"
  ls "$tmp"/g/new/*.vmex >/dev/null 2>&1 || fail "no reproducer written to DIR/new"
  grep -q 'NEW ' "$tmp/out.txt" || fail "no NEW line"
  echo "planted new findings: exit 1, $n SARIF result(s)"
  # the same gate again: what a gate found is not known to the next gate
  first=$(sed -n 's/^ci\/gate: NEW \([^ ]*\) .*/\1/p' "$tmp/out.txt" | sort)
  rc=0
  ci/gate --seconds-per-target 2 --targets fuzz_xnu --hunt 'exhausted;too-large' --known "$tmp/none" --base none --out "$tmp/g2" \
    > "$tmp/out.txt" 2>&1 || rc=$?
  for s in $first; do
    ! grep -q "^ci/gate: pre-existing $s " "$tmp/out.txt" || fail "$s became pre-existing through a gate's own run"
  done
  # recorded by other means (an import of the reproducers): pre-existing
  cp "$tmp"/g/new/*.vmex "$tmp/none/"
  build/vmex findings import "$tmp/none" --store "$tmp/state/findings.db" > /dev/null || fail "could not import the reproducers"
  rm "$tmp"/none/*
  # (a real allocator's reproducer may give another signature when replayed: it is imported as that)
  imported=$(build/vmex findings list --json --store "$tmp/state/findings.db" |
    python3 -c 'import json, sys; print(" ".join(r["signature"] for r in map(json.loads, sys.stdin) if "import" in r["kinds"]))')
  rc=0
  ci/gate --seconds-per-target 2 --targets fuzz_xnu --hunt 'exhausted;too-large' --known "$tmp/none" --base none --out "$tmp/g3" \
    > "$tmp/out.txt" 2>&1 || rc=$?
  [ $rc -le 1 ] || fail "exit $rc with imported findings"
  for s in $imported; do
    ! grep -q "^ci/gate: NEW $s " "$tmp/out.txt" || fail "imported signature $s reported NEW"
  done
  grep -q "^ci/gate: pre-existing .*the store has it from import runs" "$tmp/out.txt" || fail "no pre-existing finding noted"
  echo "imported findings: $(grep -c '^ci/gate: pre-existing ' "$tmp/out.txt") pre-existing, exit $rc (1 only for signatures not imported)"
  ;;
harness)
  copy_tree "$tmp/repo"
  # fuzz_text dereferences NULL: the hunt itself crashes; fuzz_roundtrip
  # reads a byte past a heap block: only the sanitized replay sees it
  plant() {   # plant FILE CODE
    python3 - "$1" "$2" <<'PY'
import re, sys
p, code = sys.argv[1], sys.argv[2]; s = open(p).read()
s, n = re.subn(r"(int LLVMFuzzerTestOneInput\(const uint8_t \*data, size_t size\)\s*\{)",
               lambda m: m.group(1) + "\n    " + code, s, count=1)
assert n == 1
if "#include <stdlib.h>" not in s:
    s = "#include <stdlib.h>\n" + s
open(p, "w").write(s)
PY
  }
  plant "$tmp/repo/targets/fuzz_text.c" 'if (size >= 16) { volatile int *planted = 0; *planted = 1; }'
  plant "$tmp/repo/targets/fuzz_roundtrip.c" \
    'if (size >= 16) { char *planted = malloc(8); volatile char c = planted[8]; (void)c; free(planted); }'
  rc=0
  "$tmp/repo/ci/gate" --seconds-per-target 1 --targets fuzz_xnu,fuzz_text,fuzz_roundtrip --hunt 'frag:margin>=1000000' \
    --out "$tmp/g" > "$tmp/out.txt" 2>&1 || rc=$?
  [ $rc -eq 3 ] || fail "a planted harness crash gives exit $rc, not 3"
  grep -q 'HARNESS CRASH in fuzz_text' "$tmp/out.txt" || fail "the harness crash is not named"
  grep -Eq 'HARNESS CRASH in fuzz_roundtrip: the sanitized replay .*(AddressSanitizer|runtime error)' "$tmp/out.txt" ||
    fail "the heap read only a sanitizer sees is not named"
  ! grep -q 'HARNESS CRASH in fuzz_xnu' "$tmp/out.txt" || fail "fuzz_xnu, not planted, is named"
  valid_reports "$tmp/g"
  ;;
*) echo "usage: tests/e2e/gate.sh clean|fresh|new|harness"; exit 2 ;;
esac
echo "1 passed, 0 failed"
