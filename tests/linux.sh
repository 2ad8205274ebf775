#!/usr/bin/env bash
# tests/linux.sh VMEX SRC - the real backend: linux-model against the kernel
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
fail=0
check() { if "$@"; then echo "PASS $*"; else echo "FAIL $*"; fail=1; fi; }

# 1000 random programs: model and kernel agree op for op
"$vmex" diff --random 1000 --seed 1 -o "$tmp" >"$tmp/random.out" || true
tail -n 3 "$tmp/random.out"
check grep -qx '1000 agree, 0 diverge' "$tmp/random.out"
# the shipped pair agrees, and a file that is not a linux program is bad input
check "$vmex" diff "$src/reproducers/linux-model-agrees.vmex" "$src/reproducers/linux-hole-punch.vmex" \
  "$src/reproducers/linux-shared-plain-search.vmex"
set +e
"$vmex" diff "$src/reproducers/frag-64m-ios16-3gb.vmex" >/dev/null 2>&1; rc=$?
set -e
check test "$rc" -eq 2
# real runs are deterministic: the same addresses and verdict, every time
for f in linux-hole-punch linux-jemalloc-retain linux-glibc-dynamic-threshold linux-mimalloc-segments; do
  "$vmex" run --json "$src/reproducers/$f.vmex" >"$tmp/$f.1" || true   # a finding exits 1
  "$vmex" run --json "$src/reproducers/$f.vmex" >"$tmp/$f.2" || true
  check cmp -s "$tmp/$f.1" "$tmp/$f.2"
  check grep -q '"off":' "$tmp/$f.1"
done
# the glibc pair is one program: only the threshold line differs
check diff <(grep -v '^#\|^set\|^expect' "$src/reproducers/linux-glibc-dynamic-threshold.vmex") \
           <(grep -v '^#\|^set\|^expect' "$src/reproducers/linux-glibc-fixed-threshold.vmex")
# no executor outlives its vmex
check test -z "$(pgrep -f vmex-exec || true)"
exit $fail
