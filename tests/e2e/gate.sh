#!/usr/bin/env bash
# tests/e2e/gate.sh MODE - ci/gate end to end, short runs (--seconds-per-target 3).
#   clean       the clean tree passes.  The hunt is 'frag:margin>=1000000',
#               out of reach on purpose: a real hunt finds NEW frag
#               signatures within seconds, which is the gate doing its job.
#   regression  a copy of the tree whose reproducer expects `ok` where it gets
#               a frag fails (exit 1) with the check's output.
#   new         a hunt that fires at once ('exhausted;too-large') against an
#               empty known dir fails (exit 1) and writes a valid SARIF 2.1.0
#               and JUnit XML and the minimized reproducers; then, with those
#               reproducers planted as known, the same findings pass as known.
#   harness     a copy of the tree whose fuzz_text dereferences NULL on any
#               input of 16+ bytes: a harness crash, exit 3.
# Skips (77) without clang.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
command -v clang >/dev/null || { echo "SKIP: clang is not installed"; exit 77; }
mode=${1:?usage: tests/e2e/gate.sh clean|regression|new|harness}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
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
assert j.tag == "testsuites" and len(j.findall(".//testcase")) >= 4
print("reports valid: %d SARIF results, %d testcases" % (len(s["runs"][0]["results"]), len(j.findall(".//testcase"))))
PY
}
case "$mode" in
clean)
  rc=0
  ci/gate --seconds-per-target 3 --hunt 'frag:margin>=1000000' --out "$tmp/g" > "$tmp/out.txt" 2>&1 || rc=$?
  [ $rc -eq 0 ] || fail "the clean tree does not pass (exit $rc)"
  valid_reports "$tmp/g"
  ;;
regression)
  mkdir "$tmp/repo"
  cp -r CMakeLists.txt ci corpora harness reproducers targets tests "$tmp/repo/"
  f=$tmp/repo/reproducers/frag-64m-alternate-ios16-3gb.vmex
  grep -q '^expect frag' "$f" || fail "no expect frag line to break in $f"
  sed -i 's/^expect frag.*/expect ok/' "$f"
  rc=0
  "$tmp/repo/ci/gate" --seconds-per-target 1 --hunt 'frag:margin>=1000000' --out "$tmp/g" > "$tmp/out.txt" 2>&1 || rc=$?
  [ $rc -eq 1 ] || fail "a broken reproducer gives exit $rc, not 1"
  grep -q 'FAIL.*frag-64m-alternate' "$tmp/out.txt" || fail "the check output is not shown"
  valid_reports "$tmp/g"
  grep -q '<failure' "$tmp/g/gate.junit.xml" || fail "no JUnit failure"
  ;;
new)
  mkdir "$tmp/none"
  rc=0
  ci/gate --seconds-per-target 2 --hunt 'exhausted;too-large' --known "$tmp/none" --out "$tmp/g" > "$tmp/out.txt" 2>&1 || rc=$?
  [ $rc -eq 1 ] || fail "a new finding class gives exit $rc, not 1"
  valid_reports "$tmp/g"
  n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["runs"][0]["results"]))' "$tmp/g/gate.sarif")
  [ "$n" -ge 1 ] || fail "no SARIF result"
  ls "$tmp"/g/new/*.vmex >/dev/null 2>&1 || fail "no reproducer written to DIR/new"
  grep -q 'NEW ' "$tmp/out.txt" || fail "no NEW line"
  echo "planted new findings: exit 1, $n SARIF result(s)"
  # the same signatures, now known: they pass with a note
  cp "$tmp"/g/new/*.vmex "$tmp/none/"
  rc=0
  ci/gate --seconds-per-target 2 --hunt 'exhausted;too-large' --known "$tmp/none" --out "$tmp/g2" > "$tmp/out.txt" 2>&1 || rc=$?
  [ $rc -le 1 ] || fail "exit $rc with known findings"
  grep -q '^ci/gate: known ' "$tmp/out.txt" || fail "no known finding noted"
  for s in $(ls "$tmp"/none | sed 's/\.vmex$//'); do
    ! grep -q "^ci/gate: NEW $s " "$tmp/out.txt" || fail "known signature $s reported NEW"
  done
  echo "known findings: $(grep -c '^ci/gate: known ' "$tmp/out.txt") noted, exit $rc (1 only for signatures not planted)"
  ;;
harness)
  mkdir "$tmp/repo"
  cp -r CMakeLists.txt ci corpora harness reproducers targets tests "$tmp/repo/"
  f=$tmp/repo/targets/fuzz_text.c
  python3 - "$f" <<'PY'
import re, sys
p = sys.argv[1]; s = open(p).read()
s, n = re.subn(r"(int LLVMFuzzerTestOneInput\(const uint8_t \*data, size_t size\)\s*\{)",
               r"\1\n    if (size >= 16) { volatile int *planted = 0; *planted = 1; }", s, count=1)
assert n == 1
open(p, "w").write(s)
PY
  rc=0
  "$tmp/repo/ci/gate" --seconds-per-target 1 --hunt 'frag:margin>=1000000' --out "$tmp/g" > "$tmp/out.txt" 2>&1 || rc=$?
  [ $rc -eq 3 ] || fail "a planted harness crash gives exit $rc, not 3"
  grep -q 'HARNESS CRASH in fuzz_text' "$tmp/out.txt" || fail "the harness crash is not named"
  valid_reports "$tmp/g"
  ;;
*) echo "usage: tests/e2e/gate.sh clean|regression|new|harness"; exit 2 ;;
esac
echo "1 passed, 0 failed"
