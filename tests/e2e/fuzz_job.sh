#!/usr/bin/env bash
# tests/e2e/fuzz_job.sh - the main job end to end: `ci/fuzz --seconds 30` on
# ios16-3gb must find a frag and write a minimized reproducer of at most 12
# ops that `vmex check` accepts.  Skips (77) without clang.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
command -v clang >/dev/null || { echo "SKIP: clang is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ci/fuzz --seconds 30 --profile ios16-3gb --out "$tmp/run" > "$tmp/out.txt" 2>&1 || { cat "$tmp/out.txt"; exit 1; }
best=""
bestn=999999
for f in "$tmp"/run/reproducers/frag-*.vmex; do
  [ -e "$f" ] || continue
  n=$(grep -cvE '^[[:space:]]*(#|$)|^(vmex|target|profile|entitlement|set|expect) ' "$f" || true)
  [ "$n" -lt "$bestn" ] && { best=$f; bestn=$n; }
done
[ -n "$best" ] || { echo "FAIL: no frag reproducer"; cat "$tmp/out.txt"; exit 1; }
echo "smallest frag reproducer: $(basename "$best"), $bestn ops"
[ "$bestn" -le 12 ] || { echo "FAIL: more than 12 ops"; cat "$best"; exit 1; }
build/vmex check "$tmp/run/reproducers" || { echo "FAIL: vmex check rejects the reproducers"; exit 1; }
grep -q '"signatures"' "$tmp/run/reproducers/triage.json" || { echo "FAIL: no triage.json"; exit 1; }
echo "1 passed, 0 failed"
