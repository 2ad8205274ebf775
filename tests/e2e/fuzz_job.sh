#!/usr/bin/env bash
# tests/e2e/fuzz_job.sh - the main job end to end: `ci/fuzz --seconds 30` on
# ios16-3gb.  Findings are results: the run ends when its time is up (exit
# 0, no crash file), its findings folder holds for each signature one kept
# input and one record (valid, with hits), each kept input replays to its
# own signature, the progress line counted executions, and triage wrote a
# minimized frag reproducer of at most 12 ops that `vmex check` accepts.
# Skips (77) without clang.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
command -v clang >/dev/null || { echo "SKIP: clang is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export VMEX_STATE=$tmp/state   # the run is recorded in a store of its own, not under runs/
fail() { echo "FAIL: $*"; tail -n 30 "$tmp/out.txt"; exit 1; }
rc=0
ci/fuzz --seconds 30 --profile ios16-3gb --out "$tmp/run" > "$tmp/out.txt" 2>&1 || rc=$?
[ $rc -eq 0 ] || fail "ci/fuzz exited $rc"
run=$tmp/run
[ -z "$(ls -A "$run/crashes")" ] || fail "crash files: findings must not crash ($(ls "$run/crashes"))"
grep -q 'exec/s [1-9]' "$tmp/out.txt" || fail "the progress line shows no executions"
grep -Eq 'signatures [1-9][0-9]* +best margin [0-9]' "$tmp/out.txt" || fail "the progress line shows no signatures or margin"

# the findings folder: one input and one record per signature, records valid
python3 - "$run/findings" <<'PY' || fail "the findings folder is not as the contract says"
import json, os, sys
d = sys.argv[1]
names = [n for n in os.listdir(d) if not n.startswith(".")]
recs = [n for n in names if n.endswith(".json")]
inputs = [n for n in names if n.endswith(".input")]
assert recs and sorted(n[:-5] for n in recs) == sorted(n[:-6] for n in inputs), names
assert len(names) == 2 * len(recs), names
keys = {"signature", "class", "margin", "ops", "req", "hits", "target", "profile", "first_unix", "last_unix"}
for n in recs:
    r = json.load(open(os.path.join(d, n)))
    assert keys <= set(r), (n, r)
    assert r["signature"] == n[:-5] and r["target"] == "fuzz_xnu" and r["profile"] == "ios16-3gb", r
    assert r["hits"] >= 1 and r["ops"] >= 1 and r["req"] > 0 and r["first_unix"] <= r["last_unix"], r
    assert r["class"] == "frag" and r["margin"] >= 2 and r["req"] >= 1 << 20, r   # the default hunt
print("%d signatures, %d hits" % (len(recs), sum(json.load(open(os.path.join(d, n)))["hits"] for n in recs)))
PY
# each kept input gives its own signature back
cmake --build build --target fuzz_xnu_replay >/dev/null
VMEX_PROFILE=ios16-3gb VMEX_HUNT="$(build/vmex hunt --default)" build/fuzz_xnu_replay --findings-ok "$run/findings" \
  > "$tmp/replay.txt" || fail "the kept inputs do not replay: $(cat "$tmp/replay.txt")"
while read -r verdict path sig; do
  [ "$verdict" = PASS ] || continue
  [ "$(basename "$path" .input)" = "$sig" ] || fail "$path replays to $sig"
done < "$tmp/replay.txt"

best=""
bestn=999999
for f in "$run"/reproducers/frag-*.vmex; do
  [ -e "$f" ] || continue
  n=$(grep -cvE '^[[:space:]]*(#|$)|^(vmex|target|profile|entitlement|set|expect) ' "$f" || true)
  [ "$n" -lt "$bestn" ] && { best=$f; bestn=$n; }
done
[ -n "$best" ] || fail "no frag reproducer"
echo "smallest frag reproducer: $(basename "$best"), $bestn ops"
[ "$bestn" -le 12 ] || { cat "$best"; fail "more than 12 ops"; }
build/vmex check "$run/reproducers" > "$tmp/check.txt" || { cat "$tmp/check.txt"; fail "vmex check rejects the reproducers"; }
grep -q '"signatures"' "$run/reproducers/triage.json" || fail "no triage.json"
echo "1 passed, 0 failed"
