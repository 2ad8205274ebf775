#!/usr/bin/env bash
# tests/e2e/fuzz_smoke.sh - run each libFuzzer target briefly (ASan + UBSan) from
# its seed corpus.  The hunt is set out of reach so fuzz_xnu runs like the
# others: any abort here is a harness bug.  Skips (77) without clang.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source ci/lib.sh
command -v clang >/dev/null || { echo "SKIP: clang is not installed"; exit 77; }
dir=$(vmex_build_engine libfuzzer) || { echo "FAIL: building the libFuzzer targets"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
for t in $(vmex_target_rows | cut -d' ' -f1); do
  mkdir -p "$tmp/$t"
  [ -d "corpora/$t" ] && cp corpora/"$t"/* "$tmp/$t/"
  dict=()
  [ -f "corpora/$t.dict" ] && dict=(-dict="corpora/$t.dict")
  rc=0
  VMEX_HUNT='frag:margin>=1000000' "$dir/$t" -max_total_time=8 -print_final_stats=1 "${dict[@]}" \
    -artifact_prefix="$tmp/" "$tmp/$t" >"$tmp/$t.log" 2>&1 || rc=$?
  if [ $rc -eq 77 ] && grep -q 'SKIP: the real backend cannot run here' "$tmp/$t.log"; then
    echo "SKIP $t: $(grep -m1 'SKIP:' "$tmp/$t.log")"
  elif [ $rc -eq 0 ] && grep -q 'stat::number_of_executed_units' "$tmp/$t.log"; then
    runs=$(sed -n 's/stat::number_of_executed_units: *//p' "$tmp/$t.log")
    echo "PASS $t: $runs runs"
    pass=$((pass + 1))
  else
    echo "FAIL $t"; tail -n 30 "$tmp/$t.log"
    fail=$((fail + 1))
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
