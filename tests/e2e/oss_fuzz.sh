#!/usr/bin/env bash
# tests/e2e/oss_fuzz.sh - ci/oss-fuzz/build.sh in a simulated OSS-Fuzz build
# environment (clang, ASan + libFuzzer, temporary $OUT/$SRC/$WORK), then each
# built target runs its unzipped seed corpus (-runs=0, then 2000 runs or 30 s,
# fuzz_jsc's JavaScriptCore runs take milliseconds each, with the hunt out of
# reach: any crash is a harness bug).  Checks the seed zips, .options and
# .dict files, and that fuzz_xnu in ClusterFuzz's environment (no VMEX_*
# variables: crash mode) aborts on a finding with its signature in the
# assertion line ClusterFuzz's stack analyzer reads.  Skips (77) without clang.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
command -v clang >/dev/null || { echo "SKIP: clang is not installed"; exit 77; }
command -v clang++ >/dev/null || { echo "SKIP: clang++ is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/out" "$tmp/src" "$tmp/work"
export CC=clang CXX=clang++ SANITIZER=address FUZZING_ENGINE=libfuzzer ARCHITECTURE=x86_64
export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address,fuzzer-no-link"
export CXXFLAGS="$CFLAGS" LIB_FUZZING_ENGINE=-fsanitize=fuzzer
export OUT=$tmp/out SRC=$tmp/src WORK=$tmp/work
ci/oss-fuzz/build.sh > "$tmp/build.log" 2>&1 || { tail -n 40 "$tmp/build.log"; echo "FAIL: build.sh"; exit 1; }
pass=0 fail=0
for t in $(source ci/lib.sh && vmex_target_rows | cut -d' ' -f1); do
  bad=""
  [ -x "$OUT/$t" ] || bad+=" no binary;"
  grep -q '^\[libfuzzer\]' "$OUT/$t.options" 2>/dev/null || bad+=" no .options;"
  if [ -d "corpora/$t" ]; then
    [ -f "$OUT/${t}_seed_corpus.zip" ] || bad+=" no seed zip;"
    mkdir -p "$tmp/seeds/$t"
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
      "$OUT/${t}_seed_corpus.zip" "$tmp/seeds/$t" || bad+=" bad zip;"
    n=$(ls "$tmp/seeds/$t" | wc -l)
    [ "$n" -eq "$(ls "corpora/$t" | wc -l)" ] || bad+=" zip holds $n seeds;"
  fi
  if [ -f "corpora/$t.dict" ]; then
    cmp -s "corpora/$t.dict" "$OUT/$t.dict" || bad+=" no .dict;"
    grep -q "^dict = $t.dict" "$OUT/$t.options" || bad+=" .options does not name the dict;"
  fi
  if [ -z "$bad" ]; then
    (cd "$OUT" && VMEX_HUNT='frag:margin>=1000000' ./"$t" -runs=0 "$tmp/seeds/$t" && \
      VMEX_HUNT='frag:margin>=1000000' ./"$t" -runs=2000 -max_total_time=30 -artifact_prefix="$tmp/" \
        "$tmp/seeds/$t") \
      > "$tmp/$t.log" 2>&1 || bad+=" crashed on its seeds (log below);"
  fi
  if [ -z "$bad" ]; then
    echo "PASS $t: $(ls "$tmp/seeds/$t" 2>/dev/null | wc -l) seeds, $(sed -n 's/.*Done \([0-9]*\) runs.*/\1/p' "$tmp/$t.log" | tail -n 1) runs"
    pass=$((pass + 1))
  else
    echo "FAIL $t:$bad"; tail -n 20 "$tmp/$t.log" 2>/dev/null || true
    fail=$((fail + 1))
  fi
done
# crash mode by default: frag-64m-alternate's finding (frag-mmap-2p27, margin 11.2)
(source ci/lib.sh && vmex_build_replay vmex >/dev/null)
build/vmex convert reproducers/frag-64m-alternate-ios16-3gb.vmex "$tmp/frag.bin"
rc=0
(cd "$OUT" && env -u VMEX_HUNT -u VMEX_PROFILE -u VMEX_FINDINGS -u VMEX_FINDINGS_DIR ./fuzz_xnu "$tmp/frag.bin") \
  > "$tmp/crash.log" 2>&1 || rc=$?
if [ $rc -ne 0 ] && grep -qx 'ASSERTION FAILED: vmex finding frag-mmap-2p27-ios16-3gb' "$tmp/crash.log"; then
  echo "PASS fuzz_xnu crash mode: a finding aborts with 'ASSERTION FAILED: vmex finding frag-mmap-2p27-ios16-3gb'"
  pass=$((pass + 1))
else
  echo "FAIL fuzz_xnu crash mode (exit $rc)"; tail -n 20 "$tmp/crash.log"
  fail=$((fail + 1))
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
