#!/usr/bin/env bash
# tests/e2e/linux.sh VMEX SRC - the real backend: linux-model against the kernel
# on 1000 random programs and on the shipped hole-punch, determinism of
# real runs, and the glibc threshold pair.  Skips (77) with the reason when
# the real backend cannot run on this machine (no /proc/self/maps, no
# executor, confinement refused).
set -euo pipefail
vmex=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -r /proc/self/maps ] || { echo "SKIP: no /proc/self/maps: the real backend cannot run here"; exit 77; }
printf 'vmex 1\ntarget linux\nset window 64m\na = mmap 1m\n' >"$tmp/probe.vmex"
if ! "$vmex" run "$tmp/probe.vmex" >"$tmp/probe.out" 2>&1; then
  echo "SKIP: the real backend cannot run here: $(cat "$tmp/probe.out")"; exit 77
fi
# every vmex this script runs, and so every executor, carries this tag
export VMEX_TEST_TAG=linux-test-$$
fail=0
check() { if "$@"; then echo "PASS $*"; else echo "FAIL $*"; fail=1; fi; }

# 1000 random programs: model and kernel agree op for op
"$vmex" diff --random 1000 --seed 1 -o "$tmp" >"$tmp/random.out" || true
tail -n 3 "$tmp/random.out"
check grep -qx '1000 agree, 0 diverge' "$tmp/random.out"
# the shipped pair agrees, and a file that is not a linux program is bad input
check "$vmex" diff "$src/reproducers/linux-model-agrees.vmex" "$src/reproducers/linux-hole-punch.vmex" \
  "$src/reproducers/linux-shared-plain-search.vmex" "$src/reproducers/linux-realloc-after-munmap.vmex"
set +e
"$vmex" diff "$src/reproducers/frag-64m-ios16-3gb.vmex" >/dev/null 2>&1; rc=$?
set -e
check test "$rc" -eq 2
# real runs are deterministic: the same addresses and verdict, every time
for f in linux-hole-punch linux-jemalloc-retain linux-glibc-dynamic-threshold linux-mimalloc-segments \
         linux-glibc-heap-unmapped; do
  "$vmex" run --json "$src/reproducers/$f.vmex" >"$tmp/$f.1" || true   # a finding exits 1
  "$vmex" run --json "$src/reproducers/$f.vmex" >"$tmp/$f.2" || true
  check cmp -s "$tmp/$f.1" "$tmp/$f.2"
  check grep -q '"off":' "$tmp/$f.1"
done
# the glibc pair is one program: only the threshold line differs
check diff <(grep -v '^#\|^set\|^expect' "$src/reproducers/linux-glibc-dynamic-threshold.vmex") \
           <(grep -v '^#\|^set\|^expect' "$src/reproducers/linux-glibc-fixed-threshold.vmex")
# a divergence is a finding like any other: minimize, triage and check
# replay it through the diff.  The model without the 2 MiB rule (thp-align
# off) against a kernel with it diverges at the first 2 MiB-multiple map.
cat >"$tmp/div.vmex" <<'EOF2'
vmex 1
target linux
set window 256m
set thp-align off
a = mmap 4k
b = mmap 1m
c = mmap 12k
munmap b
d = mmap 3m
e = mmap 8m
munmap a
f = mmap 16k
EOF2
if "$vmex" diff "$tmp/div.vmex" >"$tmp/div.out" 2>&1; then
  echo "SKIP the diverge checks: this kernel has no 2 MiB rule ($(tail -n 1 "$tmp/div.out"))"
else
  check grep -q "op 5 'e = mmap 8m' differs" "$tmp/div.out"
  check "$vmex" minimize "$tmp/div.vmex" --hunt diverge -o "$tmp/div-min.vmex"
  check grep -qx 'expect diverge at 1' "$tmp/div-min.vmex"
  check test "$(grep -c ' = mmap' "$tmp/div-min.vmex")" -eq 2
  check "$vmex" check "$tmp/div-min.vmex"
  mkdir "$tmp/crashes"
  "$vmex" convert "$tmp/div.vmex" "$tmp/crashes/crash-1"
  set +e
  "$vmex" triage "$tmp/crashes" -o "$tmp/tri" --hunt diverge >"$tmp/tri.out" 2>&1; rc=$?
  set -e
  check test "$rc" -eq 1
  check grep -q '^diverge-mmap-2p23-linux-256m-kernel .* NEW' "$tmp/tri.out"
  check test -f "$tmp/tri/diverge-mmap-2p23-linux-256m-kernel.vmex"
  # with the rule back on, the same program agrees: not a finding
  sed 's/^set thp-align off$/set thp-align auto/' "$tmp/div.vmex" >"$tmp/agree.vmex"
  check "$vmex" diff "$tmp/agree.vmex"
fi
# vmex bench --linux runs every allocator and reports well-formed rows (the
# numbers are the README's, measured by hand; this only checks it works)
"$vmex" bench --linux --json --seconds 0.1 --ops 50 >"$tmp/bench.json"
check python3 - "$tmp/bench.json" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["allocator"] for r in rows] == ["kernel", "glibc", "jemalloc", "mimalloc"], rows
k = rows[0]
assert k["exec_per_s"] > 0 and k["model_exec_per_s"] > 0 and k["syscall_floor_exec_per_s"] > 0, k
assert k["ops_per_s"] == round(k["exec_per_s"] * 50) or abs(k["ops_per_s"] - k["exec_per_s"] * 50) <= 50, k
assert all("exec_per_s" in r or "skipped" in r for r in rows), rows
PY
set +e
"$vmex" bench --linux --seconds 0 >/dev/null 2>&1; rc=$?
set -e
check test "$rc" -eq 2
# no executor outlives its vmex: none that this script started (they carry
# its tag in their environment; other tests may run executors meanwhile)
sleep 0.2
left=""
for p in $(pgrep -f vmex-exec || true); do
  if tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qx "VMEX_TEST_TAG=$VMEX_TEST_TAG"; then left+=" $p"; fi
done
check test -z "$left"
exit $fail
