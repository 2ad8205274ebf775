#!/usr/bin/env bash
# tests/e2e/fuzz_smoke.sh - run each libFuzzer target briefly (ASan + UBSan) from
# its seed corpus.  The hunters hunt for real (their default hunt) and
# record their findings in a findings folder, so the recording runs under
# the sanitizers too: any abort here is a harness bug.  Then the crash mode
# (VMEX_FINDINGS=crash) of fuzz_xnu: a finding aborts with its signature in
# an assertion line, one input at a time.  Last, why the sanitized replay
# exists: in a copy of the tree whose fuzz_text reads a byte past a heap
# block on inputs of 16+ bytes, the main job (built without sanitizers)
# runs clean, and ci/replay-sanitized on its output finds the bug (exit 3,
# an AddressSanitizer report).  Skips (77) without clang.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source ci/lib.sh
command -v clang >/dev/null || { echo "SKIP: clang is not installed"; exit 77; }
dir=$(vmex_build_engine libfuzzer) || { echo "FAIL: building the libFuzzer targets"; exit 1; }
vmex_build_replay vmex >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export VMEX_STATE=$tmp/state   # the runs are recorded in a store of its own, not under runs/
pass=0 fail=0
while read -r t backend input hunts; do
  mkdir -p "$tmp/$t"
  [ -d "corpora/$t" ] && cp corpora/"$t"/* "$tmp/$t/"
  dict=()
  [ -f "corpora/$t.dict" ] && dict=(-dict="corpora/$t.dict")
  rc=0 secs=4
  [ "$t" = fuzz_xnu ] && secs=8   # its findings feed the crash-mode check below
  VMEX_FINDINGS_DIR=$tmp/findings-$t VMEX_HUNT=$(build/vmex hunt --default --for "$t" 2>/dev/null || true) \
    "$dir/$t" -max_total_time="$secs" -print_final_stats=1 "${dict[@]}" -artifact_prefix="$tmp/" "$tmp/$t" \
    >"$tmp/$t.log" 2>&1 || rc=$?
  if [ $rc -eq 77 ] && grep -q 'SKIP: the real backend cannot run here' "$tmp/$t.log"; then
    echo "SKIP $t: $(grep -m1 'SKIP:' "$tmp/$t.log")"
  elif [ $rc -eq 0 ] && grep -q 'stat::number_of_executed_units' "$tmp/$t.log" && [ -z "$(ls "$tmp"/crash-* 2>/dev/null)" ]; then
    runs=$(sed -n 's/stat::number_of_executed_units: *//p' "$tmp/$t.log")
    found=$( (find "$tmp/findings-$t" -name '*.json' 2>/dev/null || true) | wc -l)
    echo "PASS $t: $runs runs, $found signature(s) recorded"
    pass=$((pass + 1))
  else
    echo "FAIL $t (exit $rc)"; tail -n 30 "$tmp/$t.log"
    fail=$((fail + 1))
  fi
done < <(vmex_target_rows)
# fuzz_xnu's default hunt is found within seconds: it must have recorded some
if [ -z "$(ls "$tmp"/findings-fuzz_xnu/*.json 2>/dev/null)" ]; then
  echo "FAIL fuzz_xnu recorded no finding"
  fail=$((fail + 1))
fi

# crash mode: every recorded input aborts, its assertion line naming its signature
before=$fail
for f in "$tmp"/findings-fuzz_xnu/*.input; do
  sig=$(basename "$f" .input)
  rc=0
  VMEX_FINDINGS=crash VMEX_HUNT=$(build/vmex hunt --default) "$dir/fuzz_xnu" "$f" > "$tmp/crash.log" 2>&1 || rc=$?
  if [ $rc -ne 0 ] && grep -qx "ASSERTION FAILED: vmex finding $sig" "$tmp/crash.log" &&
     grep -q "^vmex-finding: $sig margin=" "$tmp/crash.log"; then
    pass=$((pass + 1))
  else
    echo "FAIL crash mode on $sig (exit $rc)"; tail -n 20 "$tmp/crash.log"
    fail=$((fail + 1))
  fi
done
[ "$fail" -gt "$before" ] || echo "PASS crash mode: each recorded finding aborts with its signature"
# a bug only a sanitizer sees
mkdir "$tmp/repo"
cp -r CMakeLists.txt ci corpora harness reproducers targets tests "$tmp/repo/"
python3 - "$tmp/repo/targets/fuzz_text.c" <<'PY'
import re, sys
p = sys.argv[1]; s = open(p).read()
s, n = re.subn(r"(int LLVMFuzzerTestOneInput\(const uint8_t \*data, size_t size\)\s*\{)",
               r"\1\n    if (size >= 16) { char *planted = malloc(8); volatile char c = planted[8]; (void)c; free(planted); }",
               s, count=1)
assert n == 1
if "#include <stdlib.h>" not in s:
    s = "#include <stdlib.h>\n" + s
open(p, "w").write(s)
PY
rc=0
"$tmp/repo/ci/fuzz" --target fuzz_text --seconds 3 --out "$tmp/run" > "$tmp/run.log" 2>&1 || rc=$?
rs=0
"$tmp/repo/ci/replay-sanitized" "$tmp/run" > "$tmp/replay.log" 2>&1 || rs=$?
if [ $rc -eq 0 ] && [ $rs -eq 3 ] && grep -Eq 'AddressSanitizer: heap-buffer-overflow|runtime error: load of address' "$tmp/replay.log"; then
  echo "PASS replay-sanitized: the unsanitized hunt ran clean, the sanitized replay found the read past the heap block (exit 3)"
  pass=$((pass + 1))
else
  echo "FAIL replay-sanitized: ci/fuzz exit $rc, ci/replay-sanitized exit $rs"; tail -n 20 "$tmp/run.log" "$tmp/replay.log"
  fail=$((fail + 1))
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
