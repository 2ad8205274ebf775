#!/usr/bin/env bash
# tests/e2e/tree_clean.sh - no ci/ command writes into the source tree: in a
# repository made from this tree (its files, committed), `git status
# --porcelain` is empty after ci/test, ci/fuzz, ci/nightly and ci/gate, each
# run with its defaults (state and outputs under runs/, which is ignored).
# ci/test runs there with the tests that write files through the vmex
# command (run, check, stress, findings, triage, import, the goldens): the
# engine tests' commands are the ones run here directly, and the others
# write nothing but their temporary folders; ci/gate gates three targets
# (the model's, the kernel's, a text format's: every target writes through
# the same code).  Long (a full build in the copy): ctest nightly_tree_clean.
# Skips (77) without clang or afl-fuzz.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$here"
source ci/lib.sh
command -v clang >/dev/null || { echo "SKIP: clang is not installed"; exit 77; }
vmex_install_afl >/dev/null 2>&1 || true
command -v afl-fuzz >/dev/null || { echo "SKIP: afl-fuzz is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; tail -n 30 "$tmp/out.txt" 2>/dev/null; exit 1; }
r=$tmp/repo
mkdir -p "$r"
git ls-files -co --exclude-standard -z | while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
  xargs -0 cp --parents -t "$r"
git -C "$r" init -q -b main
git -C "$r" -c user.name=t -c user.email=t@t add -A
git -C "$r" -c user.name=t -c user.email=t@t commit -qm "the tree under test"
clean() {
  local s
  s=$(git -C "$r" status --porcelain --untracked-files=all)
  [ -z "$s" ] || fail "git status after $1 is not empty: $(echo "$s" | head -n 10 | tr '\n' ' ')"
  echo "PASS $1: git status --porcelain empty"
}
cd "$r"
rc=0
ci/test -- -R '^(reproducers|golden|cli|lists|stress|findings|trace|field_triage|triage_html|import_strace_multi)$' \
  > "$tmp/out.txt" 2>&1 || rc=$?
echo "ci/test (without the engine tests): exit $rc, $(grep -E 'tests passed|tests failed' "$tmp/out.txt" | tail -n 1)"
clean "ci/test"
ci/fuzz --seconds 5 > "$tmp/out.txt" 2>&1 || fail "ci/fuzz exited $?"
tail -n 1 "$tmp/out.txt"
clean "ci/fuzz"
printf 'fuzz_xnu ios16-3gb - -\n' > "$tmp/one.conf"
ci/nightly --seconds 30 --jobs 2 --config "$tmp/one.conf" > "$tmp/out.txt" 2>&1 || fail "ci/nightly exited $?"
grep '^vmex nightly run' "$tmp/out.txt"
clean "ci/nightly"
rc=0
ci/gate --seconds-per-target 1 --targets fuzz_xnu,fuzz_linux,fuzz_text > "$tmp/out.txt" 2>&1 || rc=$?
[ $rc -le 1 ] || fail "ci/gate exited $rc"
grep '^ci/gate: checks' "$tmp/out.txt"
clean "ci/gate (exit $rc)"
ls runs/campaign/findings.db runs/campaign/corpora >/dev/null || fail "the default campaign state is not under runs/campaign"
echo "1 passed, 0 failed"
